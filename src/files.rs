//! Files: the one streaming SHA-256 every part of Debrief hashes with.
//!
//! Recordings are checked against the checksum taken at import, clips and
//! packages are hashed when written; a multi-gigabyte recording takes seconds,
//! so the hash reports progress and can be stopped.

use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

/// Bytes read at a time.
const CHUNK: usize = 1 << 20;

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
}
