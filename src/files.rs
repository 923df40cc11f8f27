//! Files: how Debrief writes a file so that no half-written one is ever left
//! under its name, how it tells a live writer's partial file from a dead
//! one's, and the one streaming SHA-256 everything hashes with.
//!
//! Exports, imports, packages, test media and key files are all written under
//! `<name>.partial` ([`AtomicFile`]) and renamed when complete, after an
//! fsync; a failure, cancel or drop removes the partial file. A writer killed
//! outright (SIGKILL, power loss) cannot, so each holds an exclusive advisory
//! lock (`flock`) on its partial file while it lives; the kernel drops the
//! lock when the process dies. A later start that can take the lock knows the
//! writer is gone and removes the file ([`is_orphan`]); one that cannot leaves
//! it alone (another copy of the app is still writing it).
//!
//! Recordings are checked against the checksum taken at import, clips and
//! packages are hashed when written; a multi-gigabyte recording takes seconds,
//! so [`sha256`] reports progress and can be stopped.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Bytes read at a time.
const CHUNK: usize = 1 << 20;

/// `out` with `.partial` appended to its file name: where it is written first.
pub fn partial_path(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".partial");
    out.with_file_name(name)
}

/// A file being written: it lives at [`partial_path`] under the writer's lock
/// until [`AtomicFile::commit`] flushes it to disk and renames it onto its
/// name; dropped uncommitted, the partial file is removed.
pub struct AtomicFile {
    path: PathBuf,
    /// Empty once committed: nothing left to remove.
    partial: PathBuf,
    file: File,
}

impl AtomicFile {
    /// Starts writing `path` (failing if a live writer holds its partial file).
    /// `private` makes the file readable by its owner only (0600 on Unix).
    pub fn create(path: &Path, private: bool) -> io::Result<Self> {
        let partial = partial_path(path);
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let file = options.open(&partial)?;
        lock(&file)?;
        // Ours now: whatever an earlier, dead writer left goes.
        file.set_len(0)?;
        Ok(Self {
            path: path.to_path_buf(),
            partial,
            file,
        })
    }

    /// Where the bytes go until the commit (for writers that open it by name,
    /// such as GStreamer's `filesink`).
    pub fn partial(&self) -> &Path {
        &self.partial
    }

    /// The partial file, to write to.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Flushes the file to disk, renames it onto its name, and flushes the folder.
    pub fn commit(mut self) -> io::Result<()> {
        self.file.flush()?;
        // What a writer wrote by name (filesink) is flushed through a fresh handle.
        File::open(&self.partial)?.sync_all()?;
        std::fs::rename(&self.partial, &self.path)?;
        sync_dir(self.path.parent().unwrap_or(Path::new(".")));
        self.partial = PathBuf::new();
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.partial.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// Flushes a folder's entries (renames) to disk; best effort.
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

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

/// The SHA-256 (hex) and length of the file at `path`. `progress(done, total)`
/// is told the bytes read so far; returning false stops the hash with an
/// [`io::ErrorKind::Interrupted`] error.
pub fn sha256(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut done = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(buf.get(..n).unwrap_or_default());
        done += n as u64;
        if !progress(done, total) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
        }
    }
    Ok((hex::encode(hasher.finalize()), done))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_reports_and_stops() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"abc").unwrap();
        let (hex, len) = sha256(&path, &mut |_, _| true).unwrap();
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(len, 3);
        let mut seen = Vec::new();
        let err = sha256(&path, &mut |d, t| {
            seen.push((d, t));
            false
        })
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Interrupted);
        assert_eq!(seen, vec![(3, 3)]);
    }

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

    #[test]
    fn an_atomic_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.mp4");
        let mut file = AtomicFile::create(&path, true).unwrap();
        file.file().write_all(b"half").unwrap();
        assert!(!path.exists() && file.partial().exists());
        drop(file);
        assert!(
            !partial_path(&path).exists(),
            "an uncommitted file is removed"
        );
        let mut file = AtomicFile::create(&path, true).unwrap();
        file.file().write_all(b"whole").unwrap();
        file.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
        assert!(!partial_path(&path).exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
