//! Files and folders only their owner can read, written so a crash never leaves half a file.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use super::VaultError;

/// Creates `dir` (and parents) readable by the owner only (0700 on Unix).
pub fn create_private_dir(dir: &Path) -> Result<(), VaultError> {
    fs::create_dir_all(dir).map_err(VaultError::io(format!("creating {}", dir.display())))?;
    restrict(dir, 0o700)
}

/// Creates a new empty file readable by the owner only (0600), failing if it exists.
pub fn create_private_file(path: &Path) -> Result<File, VaultError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(VaultError::io(format!("creating {}", path.display())))
}

/// Writes `bytes` to `path` atomically, readable by the owner only
/// ([`crate::files::AtomicFile`]: a private `<name>.partial` beside it, flushed
/// to disk, renamed over it, the folder flushed).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let writing = || VaultError::io(format!("writing {}", path.display()));
    let mut file = crate::files::AtomicFile::create(path, true).map_err(writing())?;
    file.file().write_all(bytes).map_err(writing())?;
    file.commit().map_err(writing())
}

fn restrict(path: &Path, mode: u32) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .map_err(VaultError::io(format!("protecting {}", path.display())))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}
