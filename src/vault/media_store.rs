//! Recordings at rest: `media/<uuid>.age`, each encrypted to its own key.
//!
//! ```text
//! source file ──read 1 MiB──► age StreamWriter ──► SHA-256 ──► BufWriter ──► media/<id>.age.partial ──fsync, rename──► media/<id>.age
//! media/<id>.age ──► age StreamReader (Read + Seek, 64 KiB authenticated chunks) ──► appsrc ──► player
//! ```
//!
//! Import streams in constant memory; the source is only read. Playback
//! decrypts chunk by chunk in memory: no plaintext byte of the media is
//! written anywhere. Each recording's X25519 identity is stored only in the
//! database, so deleting that row (crypto-shredding) makes every copy of the
//! file undecryptable.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{VaultError, fsutil};
use crate::media::{ReadSeek, ReaderFactory};

/// Bytes read from the source per step (age encrypts in 64 KiB chunks).
const COPY_CHUNK: usize = 1024 * 1024;

/// Path of a recording's encrypted media.
pub fn media_path(dir: &Path, recording_id: &str) -> PathBuf {
    dir.join("media").join(format!("{recording_id}.age"))
}

/// Passes bytes through while hashing them.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or_default());
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What [`encrypt_file`] wrote.
pub struct Encrypted {
    /// SHA-256 of the ciphertext (checked before playback).
    pub sha256: String,
    /// Ciphertext bytes.
    pub size: u64,
    /// SHA-256 of the source file (a second import of it is refused).
    pub source_sha256: String,
}

/// Encrypts `source` to `recipient` into `dest`, reporting `(done, total)` bytes.
/// Returns the ciphertext's SHA-256 (hex) and size, and the source's SHA-256.
/// A failure or a cancel (`progress` returning false) leaves no file behind.
pub fn encrypt_file(
    source: &Path,
    dest: &Path,
    recipient: &age::x25519::Recipient,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<Encrypted, VaultError> {
    let partial = dest.with_extension("age.partial");
    let result = (|| {
        let mut input =
            File::open(source).map_err(VaultError::io(format!("reading {}", source.display())))?;
        let total = input.metadata().map(|m| m.len()).unwrap_or(0);
        let file = fsutil::create_private_file(&partial)?;
        // Held while this process lives, so a later start can tell our partial
        // file from one a killed import left behind.
        crate::partial::lock(&file)
            .map_err(VaultError::io(format!("locking {}", partial.display())))?;
        let sink = Hashing {
            inner: BufWriter::with_capacity(COPY_CHUNK, file),
            hasher: Sha256::new(),
            written: 0,
        };
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
                .map_err(|e| VaultError::Crypto(e.to_string()))?;
        let mut writer = encryptor
            .wrap_output(sink)
            .map_err(VaultError::io("encrypting"))?;
        let mut buf = vec![0u8; COPY_CHUNK];
        let mut done = 0u64;
        let mut plain = Sha256::new();
        loop {
            let n = input
                .read(&mut buf)
                .map_err(VaultError::io(format!("reading {}", source.display())))?;
            if n == 0 {
                break;
            }
            let chunk = buf.get(..n).unwrap_or_default();
            plain.update(chunk);
            writer
                .write_all(chunk)
                .map_err(VaultError::io(format!("writing {}", partial.display())))?;
            done += n as u64;
            if !progress(done, total) {
                return Err(VaultError::Invalid("import cancelled".into()));
            }
        }
        let mut sink = writer
            .finish()
            .map_err(VaultError::io(format!("writing {}", partial.display())))?;
        sink.flush()
            .map_err(VaultError::io(format!("writing {}", partial.display())))?;
        let digest = hex::encode(sink.hasher.finalize());
        let size = sink.written;
        let file = sink.inner.into_inner().map_err(|e| {
            VaultError::io(format!("writing {}", partial.display()))(e.into_error())
        })?;
        file.sync_all()
            .map_err(VaultError::io(format!("writing {}", partial.display())))?;
        std::fs::rename(&partial, dest)
            .map_err(VaultError::io(format!("writing {}", dest.display())))?;
        fsutil::sync_dir(dest.parent().unwrap_or(Path::new(".")));
        Ok(Encrypted {
            sha256: digest,
            size,
            source_sha256: hex::encode(plain.finalize()),
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// SHA-256 (hex) of a file.
pub fn hash_file(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<String, VaultError> {
    match crate::files::sha256(path, progress) {
        Ok((hex, _)) => Ok(hex),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => {
            Err(VaultError::Invalid("the check was cancelled".into()))
        }
        Err(e) => Err(VaultError::io(format!("reading {}", path.display()))(e)),
    }
}

/// Opens a recording's media as a decrypting `Read + Seek`.
pub fn open_decrypting(
    path: &Path,
    identity: &age::x25519::Identity,
) -> io::Result<age::stream::StreamReader<BufReader<File>>> {
    let file = File::open(path)?;
    let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(64 * 1024, file))
        .map_err(io::Error::other)?;
    decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(io::Error::other)
}

/// A reader factory for the player: each call opens a fresh decrypting reader.
pub fn reader_factory(path: PathBuf, identity: age::x25519::Identity) -> ReaderFactory {
    Arc::new(move || open_decrypting(&path, &identity).map(|r| Box::new(r) as Box<dyn ReadSeek>))
}
