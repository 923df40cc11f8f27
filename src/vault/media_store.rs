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

use super::VaultError;
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
    let writing = VaultError::io(format!("writing {}", dest.display()));
    let mut input =
        File::open(source).map_err(VaultError::io(format!("reading {}", source.display())))?;
    let total = input.metadata().map(|m| m.len()).unwrap_or(0);
    // `<id>.age.partial` under this process's lock until complete: a failure or
    // cancel removes it, and a later start can tell one a killed import left.
    let mut out = crate::files::AtomicFile::create(dest, true).map_err(writing)?;
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .map_err(|e| VaultError::Crypto(e.to_string()))?;
    let mut writer = encryptor
        .wrap_output(Hashing {
            inner: BufWriter::with_capacity(COPY_CHUNK, out.file()),
            hasher: Sha256::new(),
            written: 0,
        })
        .map_err(VaultError::io("encrypting"))?;
    let mut buf = vec![0u8; COPY_CHUNK];
    let mut done = 0u64;
    let mut plain = Sha256::new();
    let write_err = || VaultError::io(format!("writing {}", dest.display()));
    loop {
        let n = input
            .read(&mut buf)
            .map_err(VaultError::io(format!("reading {}", source.display())))?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        plain.update(chunk);
        writer.write_all(chunk).map_err(write_err())?;
        done += n as u64;
        if !progress(done, total) {
            return Err(VaultError::Invalid("import cancelled".into()));
        }
    }
    // The writers borrow the file: finish them in a block so the borrow ends before the commit.
    let (digest, size) = {
        let mut sink = writer.finish().map_err(write_err())?;
        sink.flush().map_err(write_err())?;
        let Hashing {
            inner,
            hasher,
            written,
        } = sink;
        inner
            .into_inner()
            .map_err(|e| write_err()(e.into_error()))?;
        (hex::encode(hasher.finalize()), written)
    };
    out.commit().map_err(write_err())?;
    Ok(Encrypted {
        sha256: digest,
        size,
        source_sha256: hex::encode(plain.finalize()),
    })
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
