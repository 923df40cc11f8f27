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
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
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

/// Ends an age stream written through [`Hashing`] (its last chunk, then a
/// flush) and returns the inner writer, the ciphertext's SHA-256 (hex) and its length.
fn finish_hashed<W: Write>(
    writer: age::stream::StreamWriter<Hashing<W>>,
) -> io::Result<(W, String, u64)> {
    let mut sink = writer.finish()?;
    sink.flush()?;
    let Hashing {
        inner,
        hasher,
        written,
    } = sink;
    Ok((inner, hex::encode(hasher.finalize()), written))
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
    let mut input =
        File::open(source).map_err(VaultError::io(format!("reading {}", source.display())))?;
    let total = input.metadata().map(|m| m.len()).unwrap_or(0);
    let mut buf = vec![0u8; COPY_CHUNK];
    let mut done = 0u64;
    let mut plain = Sha256::new();
    let write_err = || VaultError::io(format!("writing {}", dest.display()));
    let (digest, size) = encrypt_to(dest, recipient, |writer| {
        loop {
            let n = input
                .read(&mut buf)
                .map_err(VaultError::io(format!("reading {}", source.display())))?;
            if n == 0 {
                return Ok(());
            }
            let chunk = buf.get(..n).unwrap_or_default();
            plain.update(chunk);
            writer.write_all(chunk).map_err(write_err())?;
            done += n as u64;
            if !progress(done, total) {
                return Err(VaultError::Invalid("import cancelled".into()));
            }
        }
    })?;
    Ok(Encrypted {
        sha256: digest,
        size,
        source_sha256: hex::encode(plain.finalize()),
    })
}

/// Encrypts `bytes` (made in memory: device data) to `recipient` into
/// `dest`, through a `.partial` file renamed when complete. Returns the
/// ciphertext's SHA-256 (hex) and size.
pub fn encrypt_bytes(
    bytes: &[u8],
    dest: &Path,
    recipient: &age::x25519::Recipient,
) -> Result<(String, u64), VaultError> {
    encrypt_to(dest, recipient, |writer| {
        writer
            .write_all(bytes)
            .map_err(VaultError::io(format!("writing {}", dest.display())))
    })
}

/// Encrypts what `fill` writes to `recipient` into `dest`: through
/// `<dest>.partial` under this process's lock until complete (a failure or a
/// cancel removes it, and a later start can tell one a killed writer left),
/// then renamed. Returns the ciphertext's SHA-256 (hex) and size.
fn encrypt_to(
    dest: &Path,
    recipient: &age::x25519::Recipient,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), VaultError>,
) -> Result<(String, u64), VaultError> {
    let write_err = || VaultError::io(format!("writing {}", dest.display()));
    let mut out = crate::files::AtomicFile::create(dest, true).map_err(write_err())?;
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .map_err(|e| VaultError::Crypto(e.to_string()))?;
    // The writers borrow the file: finish them in a block so the borrow ends before the commit.
    let (digest, size) = {
        let mut writer = encryptor
            .wrap_output(Hashing {
                inner: BufWriter::with_capacity(COPY_CHUNK, out.file()),
                hasher: Sha256::new(),
                written: 0,
            })
            .map_err(write_err())?;
        fill(&mut writer)?;
        let (inner, digest, written) = finish_hashed(writer).map_err(write_err())?;
        inner
            .into_inner()
            .map_err(|e| write_err()(e.into_error()))?;
        (digest, written)
    };
    out.commit().map_err(write_err())?;
    Ok((digest, size))
}

/// Decrypts a whole file into memory (device data; never media, which streams).
pub fn decrypt_all(
    path: &Path,
    identity: &age::x25519::Identity,
) -> Result<zeroize::Zeroizing<Vec<u8>>, VaultError> {
    let mut plain = zeroize::Zeroizing::new(Vec::new());
    open_decrypting(path, identity)
        .and_then(|mut r| r.read_to_end(&mut plain))
        .map_err(VaultError::io(format!("decrypting {}", path.display())))?;
    Ok(plain)
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

/// Path of segment `seq` of a recording captured straight into the vault.
pub fn segment_path(dir: &Path, recording_id: &str, seq: u32) -> PathBuf {
    dir.join("media").join(format!("{recording_id}.{seq}.age"))
}

/// What a sealed segment holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// SHA-256 (hex) of the ciphertext.
    pub sha256: String,
    /// Ciphertext bytes.
    pub size: u64,
    /// Plaintext bytes (the piece of the recording it carries).
    pub plain: u64,
}

/// One segment of a recording being captured, encrypted as it arrives.
///
/// The file is age-encrypted from its first byte (the header is written on
/// creation) and locked by this process while it is open, so a later start
/// can tell a segment whose recorder died. age writes a 64 KiB chunk only
/// once the next byte arrives; [`SegmentWriter::flush_to_disk`] pads the
/// stream with an ISO-BMFF `free` box (which every reader skips) just past
/// the chunk boundary, so every byte written so far is in an authenticated
/// chunk on disk, and fsyncs.
pub struct SegmentWriter {
    path: PathBuf,
    sync: File,
    writer: age::stream::StreamWriter<Hashing<File>>,
    plain: u64,
    /// Plaintext written since the last flush to disk.
    unflushed: u64,
}

/// age's STREAM chunk: 64 KiB of plaintext.
const AGE_CHUNK: u64 = 64 * 1024;

impl SegmentWriter {
    /// Creates the segment file (it must not exist) encrypted to `recipient`.
    pub fn create(path: &Path, recipient: &age::x25519::Recipient) -> io::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options.open(path)?;
        crate::files::lock(&file)?;
        let sync = file.try_clone()?;
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
                .map_err(io::Error::other)?;
        let writer = encryptor.wrap_output(Hashing {
            inner: file,
            hasher: Sha256::new(),
            written: 0,
        })?;
        Ok(Self {
            path: path.to_owned(),
            sync,
            writer,
            plain: 0,
            unflushed: 0,
        })
    }

    /// The segment's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Plaintext bytes written so far.
    pub fn plain_bytes(&self) -> u64 {
        self.plain
    }

    /// Appends whole boxes of the recording's stream.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)?;
        self.plain += bytes.len() as u64;
        self.unflushed += bytes.len() as u64;
        Ok(())
    }

    /// Puts everything written so far on disk in authenticated chunks: pads
    /// with a `free` box that ends 8 bytes into the next chunk (so age
    /// writes the one before), then fsyncs. Costs at most 64 KiB of padding.
    pub fn flush_to_disk(&mut self) -> io::Result<()> {
        if self.unflushed > 0 {
            let in_chunk = (self.plain - 1) % AGE_CHUNK + 1;
            let pad = (AGE_CHUNK - in_chunk + 8) as usize;
            let free = crate::media::isobmff::free_box(pad);
            self.writer.write_all(&free)?;
            self.plain += free.len() as u64;
            self.unflushed = 0;
        }
        self.writer.flush()?;
        self.sync.sync_data()
    }

    /// Ends the stream (its last chunk), fsyncs and returns what was written.
    pub fn finish(self) -> io::Result<Sealed> {
        let Self {
            path,
            sync,
            writer,
            plain,
            ..
        } = self;
        let (_, sha256, size) = finish_hashed(writer)?;
        sync.sync_all()?;
        if let Some(dir) = path.parent() {
            crate::files::sync_dir(dir);
        }
        Ok(Sealed {
            sha256,
            size,
            plain,
        })
    }
}

/// Decrypts as much of a segment as authenticates: every whole chunk up to
/// the first that is missing, cut short or damaged (a recorder killed
/// mid-write). Returns the plaintext length that can be trusted.
pub fn authenticated_len(path: &Path, identity: &age::x25519::Identity) -> io::Result<u64> {
    let mut reader = open_decrypting(path, identity)?;
    let mut buf = vec![0u8; AGE_CHUNK as usize];
    let mut len = 0u64;
    loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => return Ok(len),
            Ok(n) => len += n as u64,
        }
    }
}

/// Re-encrypts the first `keep` plaintext bytes of `path` to `recipient`,
/// replacing the file (written beside it, then renamed): a segment cut at
/// its last whole fragment. Never writes plaintext.
pub fn rewrite_prefix(
    path: &Path,
    identity: &age::x25519::Identity,
    keep: u64,
) -> Result<Sealed, VaultError> {
    let err = |what: &str| VaultError::io(format!("{what} {}", path.display()));
    let reader = open_decrypting(path, identity).map_err(err("reading"))?;
    let (sha256, size) = encrypt_to(path, &identity.to_public(), |writer| {
        let copied = io::copy(&mut reader.take(keep), writer).map_err(err("reading"))?;
        if copied != keep {
            return Err(VaultError::Integrity(format!(
                "{} ended before its whole fragments",
                path.display()
            )));
        }
        Ok(())
    })?;
    Ok(Sealed {
        sha256,
        size,
        plain: keep,
    })
}

/// Several decrypting readers read as one stream: a captured recording's
/// segments, which are consecutive pieces of one fragmented MP4.
pub struct Chained<R> {
    parts: Vec<R>,
    /// Where each part starts in the whole, and its length.
    spans: Vec<(u64, u64)>,
    /// Each part's own read position, to skip seeks that change nothing.
    cursors: Vec<u64>,
    pos: u64,
    len: u64,
}

impl<R: Read + Seek> Chained<R> {
    /// Joins `parts` in order (each is measured by seeking to its end).
    pub fn new(mut parts: Vec<R>) -> io::Result<Self> {
        let mut spans = Vec::with_capacity(parts.len());
        let mut start = 0u64;
        for part in &mut parts {
            let len = part.seek(io::SeekFrom::End(0))?;
            spans.push((start, len));
            start += len;
        }
        let cursors = spans.iter().map(|&(_, len)| len).collect();
        Ok(Self {
            parts,
            spans,
            cursors,
            pos: 0,
            len: start,
        })
    }
}

impl<R: Read + Seek> Read for Chained<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(i) = self
            .spans
            .iter()
            .position(|&(start, len)| self.pos >= start && self.pos < start + len)
        else {
            return Ok(0);
        };
        let (start, len) = self.spans[i];
        let within = self.pos - start;
        if self.cursors[i] != within {
            self.parts[i].seek(io::SeekFrom::Start(within))?;
        }
        let room = (len - within).min(buf.len() as u64) as usize;
        let n = self.parts[i].read(&mut buf[..room])?;
        self.cursors[i] = within + n as u64;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for Chained<R> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let target = match to {
            io::SeekFrom::Start(p) => Some(p),
            io::SeekFrom::End(d) => self.len.checked_add_signed(d),
            io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let target = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        self.pos = target;
        Ok(target)
    }
}

/// A reader factory over a captured recording's segments, in order.
pub fn segments_factory(paths: Vec<PathBuf>, identity: age::x25519::Identity) -> ReaderFactory {
    Arc::new(move || {
        let parts = paths
            .iter()
            .map(|p| open_decrypting(p, &identity))
            .collect::<io::Result<Vec<_>>>()?;
        Chained::new(parts).map(|r| Box::new(r) as Box<dyn ReadSeek>)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, SeekFrom};

    #[test]
    fn chained_parts_read_and_seek_as_one_stream() {
        let whole: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let parts = [&whole[..3000], &whole[3000..3001], &whole[3001..]]
            .map(|p| Cursor::new(p.to_vec()))
            .to_vec();
        let mut chained = Chained::new(parts).unwrap();
        let mut all = Vec::new();
        chained.read_to_end(&mut all).unwrap();
        assert_eq!(all, whole);
        for at in [0u64, 2999, 3000, 3001, 9990] {
            chained.seek(SeekFrom::Start(at)).unwrap();
            let mut four = [0u8; 4];
            let n = chained.read(&mut four).unwrap();
            assert!(n > 0);
            assert_eq!(&four[..n], &whole[at as usize..at as usize + n], "at {at}");
        }
        assert_eq!(chained.seek(SeekFrom::End(-10)).unwrap(), 9990);
        chained.seek(SeekFrom::Start(20_000)).unwrap();
        assert_eq!(
            chained.read(&mut [0u8; 8]).unwrap(),
            0,
            "past the end reads nothing"
        );
    }

    #[test]
    fn a_segment_cut_off_mid_write_decrypts_up_to_its_last_flush() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seg.0.age");
        let identity = age::x25519::Identity::generate();
        let mut writer = SegmentWriter::create(&path, &identity.to_public()).unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
        writer.write(&data).unwrap();
        writer.flush_to_disk().unwrap();
        let flushed = writer.plain_bytes();
        // Everything up to the flush is on disk, authenticated, without finishing.
        let on_disk = authenticated_len(&path, &identity).unwrap();
        assert!(
            on_disk >= data.len() as u64 && on_disk <= flushed,
            "{on_disk} of {flushed}"
        );
        writer.write(&data[..5000]).unwrap();
        // A torn last chunk (a kill mid-write) still yields every whole chunk before it.
        std::mem::forget(writer);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(&[0x55; 1000]).unwrap();
        assert_eq!(authenticated_len(&path, &identity).unwrap(), on_disk);
        let mut reader = open_decrypting(&path, &identity).unwrap();
        let mut head = vec![0u8; data.len()];
        reader.read_exact(&mut head).unwrap();
        assert_eq!(head, data);
        // Sealed properly, the whole segment reads back and its hash is the file's.
        let path2 = dir.path().join("seg.1.age");
        let mut writer = SegmentWriter::create(&path2, &identity.to_public()).unwrap();
        writer.write(&data).unwrap();
        let sealed = writer.finish().unwrap();
        assert_eq!(sealed.plain, data.len() as u64);
        let (hash, size) = crate::files::sha256(&path2, &mut |_, _| true).unwrap();
        assert_eq!((hash, size), (sealed.sha256, sealed.size));
        assert!(
            SegmentWriter::create(&path2, &identity.to_public()).is_err(),
            "never overwrites"
        );
    }
}
