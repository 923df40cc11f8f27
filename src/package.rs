//! The plenary package: one encrypted file with de-identified clips, their
//! annotations and a manifest, played by the presenter without writing
//! anything to disk.
//!
//! ```text
//! "DBPKG\0\x01\n"                 8 bytes, magic and format version
//! u64 LE header length H
//! H bytes   age(passphrase | recipients) ─► JSON { identity, entries: [{name, offset, len, sha256}] }
//! rest      age(package identity)        ─► manifest.json ‖ clip-1.mp4 ‖ clip-1.vtt ‖ clip-2.mp4 ‖ …
//! ```
//!
//! Two layers so the passphrase's scrypt runs once per opening: the small
//! header yields a fresh X25519 identity made for this package, and the
//! payload is an age stream to that identity, which seeks. Every entry is
//! a window into the decrypted payload, so a clip is played through
//! `appsrc` like a vault recording (random access, never plaintext on disk).
//! Each entry's SHA-256 is checked when read whole and by `verify`.

use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use age::secrecy::ExposeSecret;
use secrecy::SecretString;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::media::{MediaSource, ReadSeek};

const MAGIC: &[u8; 8] = b"DBPKG\0\x01\n";
/// scrypt work factor of a passphrase-protected package header.
const WORK_FACTOR: u8 = 18;
/// Largest work factor accepted when opening.
const MAX_WORK_FACTOR: u8 = 20;

/// Why a package could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// The passphrase does not open the package.
    #[error("wrong passphrase for this package; check it and try again")]
    WrongPassphrase,
    /// The key file is not one of the package's recipients.
    #[error("this key file does not open the package: it was made for other recipients")]
    NotARecipient,
    /// A key file was given for a package locked with a passphrase.
    #[error("this package is locked with a passphrase, not to key files: give its passphrase")]
    NeedsPassphrase,
    /// A passphrase was given for a package locked to key files.
    #[error(
        "this package is locked to key files, not a passphrase: open it with the key file it was made for (--identity F)"
    )]
    NeedsKeyFile,
    /// The file is not a Debrief package, or is damaged.
    #[error("not a Debrief plenary package, or it is damaged ({0}): {1}")]
    Damaged(String, PathBuf),
    /// A recipient is not an age public key.
    #[error("'{0}' is not an age recipient: give a public key starting with age1")]
    BadRecipient(String),
    /// The package is past its last day.
    #[error(
        "this package expired on {0} and may no longer be shown; ask the instructor for a new one"
    )]
    Expired(chrono::NaiveDate),
    /// An entry is missing.
    #[error("the package has no entry '{0}'")]
    NoEntry(String),
    /// Reading or writing failed.
    #[error("{what} failed ({cause})")]
    Io {
        /// What, path last.
        what: String,
        /// The OS error.
        cause: io::Error,
    },
}

/// Who can open a package.
#[derive(Clone)]
pub enum Protection {
    /// Anyone with this passphrase.
    Passphrase(SecretString),
    /// Holders of these age identities (public keys `age1…`).
    Recipients(Vec<String>),
}

/// One file inside the payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Name (`manifest.json`, `clip-1.mp4`, `clip-1.vtt`).
    pub name: String,
    /// Byte offset in the decrypted payload.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    identity: String,
    entries: Vec<Entry>,
}

/// What goes into a package entry.
pub enum Content {
    /// Bytes in memory.
    Bytes(Vec<u8>),
    /// A file, with the SHA-256 it must have.
    File { path: PathBuf, sha256: String },
}

/// Writes a package to `out` (via `<out>.partial`, renamed when complete).
pub fn write(
    out: &Path,
    protection: &Protection,
    entries: Vec<(String, Content)>,
) -> Result<Vec<Entry>, PackageError> {
    let io = |cause| PackageError::Io {
        what: format!("writing {}", out.display()),
        cause,
    };
    let mut file = crate::files::AtomicFile::create(out, true).map_err(io)?;
    let index = write_to(file.file(), protection, entries)?;
    file.commit().map_err(io)?;
    Ok(index)
}

fn header_encryptor(protection: &Protection) -> Result<age::Encryptor, PackageError> {
    let crypto = |e: age::EncryptError| PackageError::Io {
        what: "encrypting the package".into(),
        cause: io::Error::other(e.to_string()),
    };
    match protection {
        Protection::Passphrase(pass) => {
            let mut r = age::scrypt::Recipient::new(pass.clone());
            r.set_work_factor(WORK_FACTOR);
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
                .map_err(crypto)
        }
        Protection::Recipients(list) => {
            let parsed = list
                .iter()
                .map(|s| {
                    s.trim()
                        .parse::<age::x25519::Recipient>()
                        .map_err(|_| PackageError::BadRecipient(s.clone()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if parsed.is_empty() {
                return Err(PackageError::BadRecipient(String::new()));
            }
            age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
                .map_err(crypto)
        }
    }
}

fn write_to(
    file: &mut std::fs::File,
    protection: &Protection,
    entries: Vec<(String, Content)>,
) -> Result<Vec<Entry>, PackageError> {
    let io_err = |cause| PackageError::Io {
        what: "writing the package".into(),
        cause,
    };
    // The index first: sizes are known, hashes of files are as recorded (checked while copying).
    let mut index = Vec::with_capacity(entries.len());
    let mut offset = 0u64;
    for (name, content) in &entries {
        let (len, sha256) = match content {
            Content::Bytes(b) => (b.len() as u64, hex::encode(Sha256::digest(b))),
            Content::File { path, sha256 } => (
                std::fs::metadata(path)
                    .map_err(|cause| PackageError::Io {
                        what: format!("reading {}", path.display()),
                        cause,
                    })?
                    .len(),
                sha256.clone(),
            ),
        };
        index.push(Entry {
            name: name.clone(),
            offset,
            len,
            sha256,
        });
        offset += len;
    }
    let identity = age::x25519::Identity::generate();
    let header = Header {
        identity: identity.to_string().expose_secret().to_owned(),
        entries: index.clone(),
    };
    let header_json = zeroize::Zeroizing::new(
        serde_json::to_vec(&header).map_err(|e| io_err(io::Error::other(e)))?,
    );
    let mut sealed = Vec::new();
    {
        let mut w = header_encryptor(protection)?
            .wrap_output(&mut sealed)
            .map_err(io_err)?;
        w.write_all(&header_json).map_err(io_err)?;
        w.finish().map_err(io_err)?;
    }
    let mut file = io::BufWriter::with_capacity(256 * 1024, file);
    file.write_all(MAGIC).map_err(io_err)?;
    file.write_all(&(sealed.len() as u64).to_le_bytes())
        .map_err(io_err)?;
    file.write_all(&sealed).map_err(io_err)?;
    let recipient = identity.to_public();
    let payload =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| io_err(io::Error::other(e.to_string())))?;
    let mut w = payload.wrap_output(&mut file).map_err(io_err)?;
    for ((name, content), entry) in entries.into_iter().zip(&index) {
        match content {
            Content::Bytes(b) => w.write_all(&b).map_err(io_err)?,
            Content::File { path: src, sha256 } => {
                let mut input = std::fs::File::open(&src).map_err(|cause| PackageError::Io {
                    what: format!("reading {}", src.display()),
                    cause,
                })?;
                let mut hasher = Sha256::new();
                let mut buf = vec![0u8; 256 * 1024];
                let mut copied = 0u64;
                loop {
                    let n = input.read(&mut buf).map_err(|cause| PackageError::Io {
                        what: format!("reading {}", src.display()),
                        cause,
                    })?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                    w.write_all(&buf[..n]).map_err(io_err)?;
                    copied += n as u64;
                }
                if copied != entry.len || hex::encode(hasher.finalize()) != sha256 {
                    return Err(PackageError::Io {
                        what: format!("packing {name}"),
                        cause: io::Error::other(format!(
                            "{} changed since it was exported (its SHA-256 no longer matches); export the clip again",
                            src.display()
                        )),
                    });
                }
            }
        }
    }
    let file = w.finish().map_err(io_err)?;
    file.flush().map_err(io_err)?;
    Ok(index)
}

/// A `Read + Seek` view of `[base, base + len)` of another reader.
struct Window<R> {
    inner: R,
    base: u64,
    len: u64,
    pos: u64,
}

impl<R: Read + Seek> Window<R> {
    fn new(mut inner: R, base: u64, len: u64) -> io::Result<Self> {
        inner.seek(SeekFrom::Start(base))?;
        Ok(Self {
            inner,
            base,
            len,
            pos: 0,
        })
    }
}

impl<R: Read + Seek> Read for Window<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        if left == 0 {
            return Ok(0);
        }
        let want = buf.len().min(left as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for Window<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => n as i128,
            SeekFrom::End(d) => self.len as i128 + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if target < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start",
            ));
        }
        let target = (target as u64).min(self.len);
        self.inner.seek(SeekFrom::Start(self.base + target))?;
        self.pos = target;
        Ok(target)
    }
}

/// An opened package: its entries, readable at random.
#[derive(Clone)]
pub struct Package {
    path: PathBuf,
    identity: age::x25519::Identity,
    payload_start: u64,
    payload_len: u64,
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("path", &self.path)
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

/// Reads an age identity (`AGE-SECRET-KEY-1…`) from a key file, with a
/// message naming the file when it holds none.
pub fn identity_from_file(file: &Path) -> Result<age::x25519::Identity, String> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read the key file ({e}): {}", file.display()))?,
    );
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .and_then(|l| l.parse::<age::x25519::Identity>().ok())
        .ok_or_else(|| format!("no age identity (AGE-SECRET-KEY-1…) in {}", file.display()))
}

/// What opens a package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locking {
    /// A passphrase.
    Passphrase,
    /// An age identity (key file) of one of its recipients.
    KeyFile,
}

impl Package {
    /// Opens `path` with a passphrase.
    pub fn open_with_passphrase(
        path: &Path,
        passphrase: &SecretString,
    ) -> Result<Self, PackageError> {
        if Self::locking(path)? == Locking::KeyFile {
            return Err(PackageError::NeedsKeyFile);
        }
        let mut id = age::scrypt::Identity::new(passphrase.clone());
        id.set_max_work_factor(MAX_WORK_FACTOR);
        Self::open(path, &id, PackageError::WrongPassphrase)
    }

    /// Opens `path` with an age identity (`AGE-SECRET-KEY-1…`).
    pub fn open_with_identity(
        path: &Path,
        identity: &age::x25519::Identity,
    ) -> Result<Self, PackageError> {
        if Self::locking(path)? == Locking::Passphrase {
            return Err(PackageError::NeedsPassphrase);
        }
        Self::open(path, identity, PackageError::NotARecipient)
    }

    /// How `path` is locked: by a passphrase or to age recipients (a key
    /// file), so the presenter can ask for the right thing.
    pub fn locking(path: &Path) -> Result<Locking, PackageError> {
        let (sealed, _) = Self::sealed_header(path)?;
        let decryptor = age::Decryptor::new(sealed.as_slice())
            .map_err(|_| PackageError::Damaged("header".into(), path.to_path_buf()))?;
        Ok(if decryptor.is_scrypt() {
            Locking::Passphrase
        } else {
            Locking::KeyFile
        })
    }

    /// The sealed header's bytes and the file's length.
    fn sealed_header(path: &Path) -> Result<(Vec<u8>, u64), PackageError> {
        let damaged = |why: &str| PackageError::Damaged(why.to_owned(), path.to_path_buf());
        let mut file = std::fs::File::open(path).map_err(|cause| PackageError::Io {
            what: format!("opening {}", path.display()),
            cause,
        })?;
        let total = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut head = [0u8; 16];
        file.read_exact(&mut head)
            .map_err(|_| damaged("too short"))?;
        if &head[..8] != MAGIC {
            return Err(damaged("wrong magic"));
        }
        let header_len = u64::from_le_bytes(head[8..16].try_into().unwrap_or_default());
        if header_len > 16 * 1024 * 1024 || 16 + header_len > total {
            return Err(damaged("header length"));
        }
        let mut sealed = vec![0u8; header_len as usize];
        file.read_exact(&mut sealed)
            .map_err(|_| damaged("truncated header"))?;
        Ok((sealed, total))
    }

    /// Opens `path` with `unlock`; `refused` is the error for a key that does not fit.
    fn open(
        path: &Path,
        unlock: &dyn age::Identity,
        refused: PackageError,
    ) -> Result<Self, PackageError> {
        let damaged = |why: &str| PackageError::Damaged(why.to_owned(), path.to_path_buf());
        let (sealed, total) = Self::sealed_header(path)?;
        let header_len = sealed.len() as u64;
        let decryptor = age::Decryptor::new(sealed.as_slice()).map_err(|_| damaged("header"))?;
        let mut reader = decryptor
            .decrypt(std::iter::once(unlock))
            .map_err(|e| match e {
                // The key does not unwrap the file key: a wrong passphrase (or key
                // file) and a damaged stanza look the same to the cipher.
                age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => refused,
                age::DecryptError::ExcessiveWork { .. } => {
                    damaged("the header demands too much work")
                }
                // The file key came out but the header's MAC does not match: damage.
                _ => damaged("header"),
            })?;
        // From here the key fitted: anything that fails to read is damage, not a
        // wrong passphrase (a changed length field cuts or stretches this stream).
        let mut json = zeroize::Zeroizing::new(Vec::new());
        reader
            .read_to_end(&mut json)
            .map_err(|_| damaged("header length or contents"))?;
        let header: Header = serde_json::from_slice(&json).map_err(|_| damaged("header JSON"))?;
        let identity = header
            .identity
            .parse::<age::x25519::Identity>()
            .map_err(|_| damaged("package key"))?;
        let package = Self {
            path: path.to_path_buf(),
            identity,
            payload_start: 16 + header_len,
            payload_len: total - 16 - header_len,
            entries: header.entries,
        };
        // Fail now, not at first play, if the payload does not open.
        package.payload().map_err(|_| damaged("payload"))?;
        Ok(package)
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn payload(&self) -> io::Result<age::stream::StreamReader<BufReader<Window<std::fs::File>>>> {
        let file = std::fs::File::open(&self.path)?;
        let window = Window::new(file, self.payload_start, self.payload_len)?;
        let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(64 * 1024, window))
            .map_err(io::Error::other)?;
        decryptor
            .decrypt(std::iter::once(&self.identity as &dyn age::Identity))
            .map_err(io::Error::other)
    }

    fn entry(&self, name: &str) -> Result<&Entry, PackageError> {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| PackageError::NoEntry(name.to_owned()))
    }

    /// A fresh random-access reader over entry `name`.
    pub fn reader(&self, name: &str) -> Result<Box<dyn ReadSeek>, PackageError> {
        let entry = self.entry(name)?.clone();
        let io_err = |cause| PackageError::Io {
            what: format!("reading {name} from {}", self.path.display()),
            cause,
        };
        let payload = self.payload().map_err(io_err)?;
        Ok(Box::new(
            Window::new(payload, entry.offset, entry.len).map_err(io_err)?,
        ))
    }

    /// Entry `name` in full, its SHA-256 checked.
    pub fn read(&self, name: &str) -> Result<Vec<u8>, PackageError> {
        let entry = self.entry(name)?.clone();
        let mut out = Vec::with_capacity(entry.len as usize);
        self.reader(name)?
            .read_to_end(&mut out)
            .map_err(|cause| PackageError::Io {
                what: format!("reading {name} from {}", self.path.display()),
                cause,
            })?;
        if hex::encode(Sha256::digest(&out)) != entry.sha256 {
            return Err(PackageError::Damaged(
                format!("{name} does not match its checksum"),
                self.path.clone(),
            ));
        }
        Ok(out)
    }

    /// Checks every entry's SHA-256.
    pub fn verify(&self) -> Result<(), PackageError> {
        for e in &self.entries {
            let mut hasher = Sha256::new();
            io::copy(&mut self.reader(&e.name)?, &mut hasher).map_err(|cause| {
                // age refuses a chunk that fails authentication as invalid data;
                // a cut file ends early.
                if matches!(
                    cause.kind(),
                    io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
                ) {
                    PackageError::Damaged(
                        format!("{} cannot be read back: {cause}", e.name),
                        self.path.clone(),
                    )
                } else {
                    PackageError::Io {
                        what: format!("reading {} from {}", e.name, self.path.display()),
                        cause,
                    }
                }
            })?;
            if hex::encode(hasher.finalize()) != e.sha256 {
                return Err(PackageError::Damaged(
                    format!("{} does not match its checksum", e.name),
                    self.path.clone(),
                ));
            }
        }
        Ok(())
    }

    /// The manifest.
    pub fn manifest(&self) -> Result<Manifest, PackageError> {
        let bytes = self.read(MANIFEST)?;
        let damaged = |what: String| PackageError::Damaged(what, self.path.clone());
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| damaged("manifest.json is not UTF-8 text".into()))?;
        let value = crate::model::schema::Bundled::Package
            .parse(text, MANIFEST)
            .map_err(|problems| damaged(problems.join("; ")))?;
        serde_json::from_value(value).map_err(|e| damaged(format!("{MANIFEST}: {e}")))
    }

    /// The manifest of a package that may be shown on `today`: every entry is
    /// checked against its checksum first, so a damaged clip is refused at
    /// the door rather than breaking off in front of the room, then the
    /// expiry date.
    pub fn admit(&self, today: chrono::NaiveDate) -> Result<Manifest, PackageError> {
        self.verify()?;
        let manifest = self.manifest()?;
        if today > manifest.expires {
            return Err(PackageError::Expired(manifest.expires));
        }
        Ok(manifest)
    }

    /// A media source playing entry `name` straight from the package.
    pub fn media_source(&self, name: &str) -> Result<MediaSource, PackageError> {
        self.entry(name)?;
        let package = self.clone();
        let owned = name.to_owned();
        let open: crate::media::ReaderFactory = Arc::new(move || {
            package
                .reader(&owned)
                .map_err(|e| io::Error::other(e.to_string()))
        });
        Ok(MediaSource::reader(format!("package clip {name}"), open))
    }
}

/// Name of the manifest entry.
pub const MANIFEST: &str = "manifest.json";

/// `manifest.json` (schema: `schemas/package.schema.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always `debrief-plenary-package`.
    pub format: String,
    /// Manifest version: 2 (codebooks by id); 1 in older packages (one codebook).
    pub version: u32,
    /// Session title.
    pub title: String,
    /// When the package was made (RFC 3339).
    pub created_at: String,
    /// Last day the package may be shown (written YYYY-MM-DD).
    pub expires: chrono::NaiveDate,
    /// The clips, in presentation order.
    pub clips: Vec<ManifestClip>,
    /// Every codebook the clips' annotations use, by id (version 2).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub codebooks: BTreeMap<String, serde_json::Value>,
    /// Version 1's single codebook (for all clips); not written any more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codebook: Option<serde_json::Value>,
}

impl Manifest {
    /// The codebook clip `n`'s annotations use: its own by id, or a version-1
    /// package's single one.
    pub fn codebook_of(&self, n: usize) -> Option<crate::model::Codebook> {
        let clip = self.clips.get(n)?;
        let value = clip
            .codebook
            .as_ref()
            .and_then(|id| self.codebooks.get(id))
            .or(self.codebook.as_ref())?;
        serde_json::from_value(value.clone()).ok()
    }
}

/// One clip in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestClip {
    /// Clip id (as exported from the vault).
    pub id: String,
    /// Title in the presenter's playlist (no names: checked against the
    /// participants when the package is made). Empty in packages made before
    /// titles existed.
    #[serde(default)]
    pub title: String,
    /// Entry name of the video (`clip-1.mp4`).
    pub file: String,
    /// Entry name of the WebVTT annotation sidecar.
    pub vtt: String,
    /// Container and codec (`mp4` or `webm`).
    pub format: String,
    /// Frames.
    pub frames: u64,
    /// Nominal frame rate `N/D`.
    pub fps: String,
    /// Length in milliseconds.
    pub duration_ms: i64,
    /// SHA-256 of the video entry.
    pub sha256: String,
    /// What the presenter needs to play the clip without probing it (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<ClipMedia>,
    /// Id of the codebook (in [`Manifest::codebooks`]) its annotations use (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codebook: Option<String>,
    /// Annotations on the clip, frames relative to its first frame.
    pub annotations: Vec<ManifestAnnotation>,
    /// How the clip was de-identified.
    pub deidentification: Deidentification,
    /// What consent allowed the plenary use.
    pub consent: ConsentBasis,
}

/// A clip's frame table and picture, as the probe found them when the package
/// was made: the presenter plays from these and never probes on its UI thread.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClipMedia {
    /// The frame table (`FrameTable::to_bytes`, hex).
    pub frame_table: String,
    /// Picture width as shown.
    pub width: u32,
    /// Picture height as shown.
    pub height: u32,
    /// Nominal rate numerator.
    pub fps_num: u32,
    /// Nominal rate denominator.
    pub fps_den: u32,
    /// Frame intervals vary.
    pub vfr: bool,
    /// Video codec (h264, vp9).
    pub video_codec: String,
    /// Audio codec, if the clip has sound.
    pub audio_codec: Option<String>,
    /// Container (mp4, webm).
    pub container: String,
}

impl ClipMedia {
    /// What `info` (a clip's probe) says.
    pub fn of(info: &crate::media::MediaInfo) -> Self {
        Self {
            frame_table: hex::encode(info.table.to_bytes()),
            width: info.width,
            height: info.height,
            fps_num: info.rate.num,
            fps_den: info.rate.den,
            vfr: info.vfr,
            video_codec: info.video_codec.clone(),
            audio_codec: info.audio_codec.clone(),
            container: info.container.clone(),
        }
    }

    /// The clip's media description, or `None` when the stored table is damaged.
    pub fn info(&self) -> Option<crate::media::MediaInfo> {
        let bytes = hex::decode(&self.frame_table).ok()?;
        let table = crate::media::FrameTable::from_bytes(&bytes)?;
        if table.is_empty() {
            return None;
        }
        Some(crate::media::MediaInfo {
            duration_ns: table.end_ns(),
            table,
            rate: crate::time::FrameRate::new(self.fps_num, self.fps_den).ok()?,
            vfr: self.vfr,
            width: self.width,
            height: self.height,
            // Clips are written upright, their pictures numbered by timestamp.
            orientation: crate::media::Orientation::Identity,
            frame_order: crate::media::FrameOrder::Timestamps,
            video_codec: self.video_codec.clone(),
            audio_codec: self.audio_codec.clone(),
            container: self.container.clone(),
        })
    }
}

/// An annotation relative to a clip (no free-text notes: they may name people).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestAnnotation {
    /// Code id.
    pub code: String,
    /// Code label.
    pub label: String,
    /// First frame (0 = the clip's first).
    pub start_frame: u64,
    /// Last frame (inclusive); absent for a point event.
    pub end_frame: Option<u64>,
    /// Start, ms from the clip's start.
    pub start_ms: i64,
    /// End, ms; absent for a point event.
    pub end_ms: Option<i64>,
}

/// The de-identification a clip went through.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deidentification {
    /// `redact` or `none`.
    pub faces: String,
    /// Detector threshold.
    pub threshold: f32,
    /// Box enlargement.
    pub enlarge: f32,
    /// `fill` or `pixelate`.
    pub cover: String,
    /// Manual regions covered.
    pub manual_regions: usize,
    /// `drop`, `disguise` or `keep`.
    pub audio: String,
    /// What the audio treatment means, in words (disguise: obscured, not anonymised).
    pub audio_note: String,
    /// Metadata treatment.
    pub metadata: String,
    /// The reviewer confirmed the redaction in the app's preview.
    pub reviewed: bool,
    /// The camera views shown, in tile order, each de-identified on its own
    /// (`layout` says how they are placed); empty for the reference alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<String>,
    /// `side-by-side` or `grid` for a composite of several views.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
}

/// The consent behind a clip's plenary use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentBasis {
    /// Plenary use was permitted when the package was made.
    pub plenary_permitted: bool,
    /// Stages every participant had granted (policy's plenary rule).
    pub stages: Vec<String>,
    /// Participants who consented.
    pub participants: usize,
    /// When the ledger was checked (RFC 3339).
    pub checked_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest that breaks the published schema is refused with where and why.
    #[test]
    fn a_manifest_off_its_schema_is_refused_naming_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("bad.dbpkg");
        let identity = age::x25519::Identity::generate();
        let protection = Protection::Recipients(vec![identity.to_public().to_string()]);
        let manifest = r#"{
  "format": "debrief-package",
  "version": 1,
  "title": 7
}"#;
        write(
            &out,
            &protection,
            vec![(
                MANIFEST.to_owned(),
                Content::Bytes(manifest.as_bytes().to_vec()),
            )],
        )
        .unwrap();
        let package = Package::open_with_identity(&out, &identity).unwrap();
        let err = package.manifest().unwrap_err().to_string();
        assert!(
            err.contains("manifest.json:4:12: /title: expected string, found an integer"),
            "{err}"
        );
        assert!(err.contains("missing required field 'clips'"), "{err}");
    }
}
