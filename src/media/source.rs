//! Where a pipeline's bytes come from: a file path, or any `Read + Seek`.
//!
//! The vault's recordings are age-encrypted files read through a decrypting
//! `Read + Seek`; nothing may write their plaintext to disk. So besides
//! `filesrc`, a source can be a factory of readers, fed to GStreamer through
//! `appsrc` in random-access mode: demuxers pull byte ranges (`seek-data` then
//! `need-data`) exactly as they would from a file, moov-at-the-end MP4s
//! included. A factory rather than one reader, because the player runs a
//! video and an audio pipeline, and each needs its own read position.
//!
//! ```text
//! {reader} --seek/read--> [appsrc stream-type=random-access] --> demuxer ...
//! ```

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::{MediaError, isobmff, make_element};

/// A seekable byte stream a pipeline can read from.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Opens a fresh reader positioned at the start.
pub type ReaderFactory = Arc<dyn Fn() -> io::Result<Box<dyn ReadSeek>> + Send + Sync>;

/// The bytes of one recording.
#[derive(Clone)]
pub enum MediaSource {
    /// A plain file on disk.
    File(PathBuf),
    /// A stream of bytes from a reader (for example the vault's decrypting reader).
    Reader {
        /// Opens a new reader.
        open: ReaderFactory,
        /// How to name this source in messages (never PHI: an id, not a title).
        label: String,
    },
}

impl fmt::Debug for MediaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
            Self::Reader { label, .. } => f
                .debug_struct("Reader")
                .field("label", label)
                .finish_non_exhaustive(),
        }
    }
}

/// Bytes read per `need-data` when the demuxer asks for "any amount".
const DEFAULT_CHUNK: usize = 64 * 1024;

impl MediaSource {
    /// A source reading the file at `path`.
    pub fn file(path: impl AsRef<Path>) -> Self {
        Self::File(path.as_ref().to_path_buf())
    }

    /// A source reading from readers made by `open`.
    pub fn reader(label: impl Into<String>, open: ReaderFactory) -> Self {
        Self::Reader {
            open,
            label: label.into(),
        }
    }

    /// How messages name this source.
    pub fn describe(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Reader { label, .. } => label.clone(),
        }
    }

    /// Checks the source can be opened, is not empty and, for an MP4/MOV, has
    /// its index, so the common mistakes get a precise message before any
    /// pipeline runs. Returns the length in bytes.
    pub fn check(&self) -> Result<u64, MediaError> {
        let (mut reader, len): (Box<dyn ReadSeek>, u64) = match self {
            Self::File(path) => {
                let meta = std::fs::metadata(path).map_err(|cause| MediaError::Open {
                    path: path.clone(),
                    cause,
                })?;
                if meta.is_dir() {
                    return Err(MediaError::InvalidArgument(format!(
                        "this is a folder, not a media file; choose a recording: {}",
                        path.display()
                    )));
                }
                if meta.len() == 0 {
                    return Err(MediaError::Empty(path.clone()));
                }
                let file = std::fs::File::open(path).map_err(|cause| MediaError::Open {
                    path: path.clone(),
                    cause,
                })?;
                (Box::new(file), meta.len())
            }
            Self::Reader { open, label } => {
                let mut reader = open().map_err(|cause| MediaError::Io {
                    what: format!("opening {label}"),
                    cause,
                })?;
                let len = reader
                    .seek(SeekFrom::End(0))
                    .map_err(|cause| MediaError::Io {
                        what: format!("reading {label}"),
                        cause,
                    })?;
                if len == 0 {
                    return Err(MediaError::Empty(PathBuf::from(label)));
                }
                (reader, len)
            }
        };
        let layout = isobmff::scan(&mut reader, len).map_err(|cause| MediaError::Io {
            what: format!("reading {}", self.describe()),
            cause,
        })?;
        match layout {
            isobmff::Layout::NoIndex => {
                return Err(MediaError::Corrupt {
                    what: self.describe(),
                    detail: "the MP4 index (moov) is missing: the recording was cut off before \
                             it was finished"
                        .into(),
                });
            }
            isobmff::Layout::Empty => {
                return Err(MediaError::Corrupt {
                    what: self.describe(),
                    detail: "the recording holds no frames: its index lists none".into(),
                });
            }
            isobmff::Layout::NotIsoBmff | isobmff::Layout::Indexed => {}
        }
        Ok(len)
    }

    /// Makes the source element for a pipeline.
    ///
    /// Where the demuxer needs a corrected view of the file (see
    /// [`isobmff::edit_list_patch`]), the bytes go through `appsrc` with the
    /// correction applied, for files as for readers; the file is never changed.
    pub(crate) fn make_element(&self) -> Result<gst::Element, MediaError> {
        match self {
            Self::File(path) => {
                let open: ReaderFactory = {
                    let path = path.clone();
                    Arc::new(move || {
                        std::fs::File::open(&path).map(|f| Box::new(f) as Box<dyn ReadSeek>)
                    })
                };
                if let Some(patch) = qtdemux_patch(&open) {
                    return reader_src(&patched(open, patch), &self.describe());
                }
                let src = make_element("filesrc")?;
                src.set_property("location", path.to_string_lossy().as_ref());
                Ok(src)
            }
            Self::Reader { open, label } => match qtdemux_patch(open) {
                Some(patch) => reader_src(&patched(Arc::clone(open), patch), label),
                None => reader_src(open, label),
            },
        }
    }
}

/// The correction `qtdemux` needs for this source's edit list, if any (GStreamer
/// before 1.24 only: later versions end the movie where the edit list does).
fn qtdemux_patch(open: &ReaderFactory) -> Option<isobmff::Patch> {
    if gst::version() >= (1, 24, 0, 0) {
        return None;
    }
    let mut reader = open().ok()?;
    let len = reader.seek(SeekFrom::End(0)).ok()?;
    isobmff::edit_list_patch(&mut reader, len).ok().flatten()
}

/// Readers from `open`, each showing `patch`.
fn patched(open: ReaderFactory, patch: isobmff::Patch) -> ReaderFactory {
    Arc::new(move || {
        let inner = open()?;
        Ok(Box::new(isobmff::Patched::new(inner, patch.clone())) as Box<dyn ReadSeek>)
    })
}

/// `appsrc` in random-access mode over a fresh reader from `open`.
fn reader_src(open: &ReaderFactory, label: &str) -> Result<gst::Element, MediaError> {
    let mut reader = open().map_err(|cause| MediaError::Io {
        what: format!("opening {label}"),
        cause,
    })?;
    let size = reader
        .seek(SeekFrom::End(0))
        .and_then(|size| reader.seek(SeekFrom::Start(0)).map(|_| size))
        .map_err(|cause| MediaError::Io {
            what: format!("reading {label}"),
            cause,
        })?;
    let reader = Arc::new(Mutex::new(ReaderState {
        reader,
        offset: 0,
        size,
    }));
    let seek_reader = Arc::clone(&reader);
    let label_need = label.to_owned();
    let callbacks = gst_app::AppSrcCallbacks::builder()
        .need_data(move |appsrc, length| {
            let Ok(mut state) = reader.lock() else { return };
            let want = if length == u32::MAX || length == 0 {
                DEFAULT_CHUNK
            } else {
                length as usize
            };
            match state.read_chunk(want) {
                Ok(Some(buffer)) => {
                    let _ = appsrc.push_buffer(buffer);
                }
                Ok(None) => {
                    let _ = appsrc.end_of_stream();
                }
                Err(err) => {
                    // An integrity failure of the decrypting reader lands here:
                    // no byte of the failed chunk is pushed.
                    gst::element_error!(
                        appsrc,
                        gst::ResourceError::Read,
                        ("cannot read {}: {}", label_need, err),
                        ["{}", err]
                    );
                }
            }
        })
        .seek_data(move |_, offset| {
            let Ok(mut state) = seek_reader.lock() else {
                return false;
            };
            state.seek(offset).is_ok()
        })
        .build();
    let appsrc = gst_app::AppSrc::builder()
        .stream_type(gst_app::AppStreamType::RandomAccess)
        .format(gst::Format::Bytes)
        .size(i64::try_from(size).unwrap_or(i64::MAX))
        .callbacks(callbacks)
        .build();
    Ok(appsrc.upcast())
}

struct ReaderState {
    reader: Box<dyn ReadSeek>,
    offset: u64,
    size: u64,
}

impl ReaderState {
    fn seek(&mut self, offset: u64) -> io::Result<()> {
        if offset != self.offset {
            self.reader.seek(SeekFrom::Start(offset))?;
            self.offset = offset;
        }
        Ok(())
    }

    /// Reads exactly `want` bytes (fewer only at the end): demuxers treat a
    /// short read in the middle of a file as corruption.
    fn read_chunk(&mut self, want: usize) -> io::Result<Option<gst::Buffer>> {
        let left = self.size.saturating_sub(self.offset);
        if left == 0 {
            return Ok(None);
        }
        let want = want.min(usize::try_from(left).unwrap_or(usize::MAX));
        let mut data = vec![0u8; want];
        let mut filled = 0;
        while filled < want {
            let Some(rest) = data.get_mut(filled..) else {
                break;
            };
            match self.reader.read(rest) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        if filled == 0 {
            return Ok(None);
        }
        data.truncate(filled);
        let mut buffer = gst::Buffer::from_mut_slice(data);
        if let Some(buf) = buffer.get_mut() {
            buf.set_offset(self.offset);
            buf.set_offset_end(self.offset + filled as u64);
        }
        self.offset += filled as u64;
        Ok(Some(buffer))
    }
}
