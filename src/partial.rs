//! Partial files: what a writer leaves while it works, and how the next start
//! tells a live writer's file from a dead one's.
//!
//! Exports write `<out>.partial` and imports `media/<id>.age.partial`, and
//! rename them when complete; a failure or cancel removes them. A writer
//! killed outright (SIGKILL, power loss) cannot, so the file stays. Each
//! writer therefore holds an exclusive advisory lock (`flock`) on its partial
//! file for as long as it lives; the kernel drops the lock when the process
//! dies. A later start that can take the lock knows the writer is gone and
//! removes the file; one that cannot leaves it alone (another copy of the app
//! is still writing it).

use std::fs::File;
use std::io;
use std::path::Path;

/// Takes the writer's lock on an open partial file; it lasts as long as `file` is open.
pub fn lock(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd as _;
        // SAFETY: flock on a descriptor this process owns; no memory is shared.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Creates (or reuses) the partial file at `path` and takes the writer's lock on it.
/// Keep the returned file open while writing; drop it when done.
pub fn hold(path: &Path) -> io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    lock(&file)?;
    Ok(file)
}

/// True when `path` is a partial file whose writer is gone (its lock can be
/// taken). False when it is held, missing, or on systems without `flock`.
pub fn is_orphan(path: &Path) -> bool {
    #[cfg(unix)]
    {
        match File::open(path) {
            Ok(file) => lock(&file).is_ok(),
            Err(_) => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_file_is_not_an_orphan_until_its_holder_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.mp4.partial");
        assert!(!is_orphan(&path), "missing");
        let held = hold(&path).unwrap();
        assert!(!is_orphan(&path), "held");
        drop(held);
        assert!(is_orphan(&path), "its writer is gone");
    }
}
