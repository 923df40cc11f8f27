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

/// Writes `bytes` to `path` atomically: a private temporary file beside it,
/// flushed to disk, then renamed over it, then the folder flushed.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let tmp = path.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let mut file = create_private_file(&tmp)?;
        file.write_all(bytes)
            .map_err(VaultError::io(format!("writing {}", tmp.display())))?;
        file.sync_all()
            .map_err(VaultError::io(format!("writing {}", tmp.display())))?;
        fs::rename(&tmp, path).map_err(VaultError::io(format!("writing {}", path.display())))?;
        sync_dir(path.parent().unwrap_or(Path::new(".")));
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    // Name the file that was asked for, not the temporary one beside it.
    result.map_err(|err| match err {
        VaultError::Io { cause, .. } => VaultError::Io {
            what: format!("writing {}", path.display()),
            cause,
        },
        other => other,
    })
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
