//! Errors of the media engine.

use std::path::PathBuf;

/// What went wrong in the media engine.
///
/// Messages say what failed and what to do; a path, when there is one, comes last.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// GStreamer itself could not start.
    #[error("GStreamer could not start ({0}); run packaging/install-deps.sh")]
    Init(String),
    /// A GStreamer element the engine needs is not installed.
    #[error(
        "the GStreamer element '{0}' is missing; run packaging/install-deps.sh to install the plugins"
    )]
    MissingElement(String),
    /// The file does not exist or cannot be opened.
    #[error("cannot open the file ({cause}); check the path: {path}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The OS error (shown in the message, not chained: it would print twice).
        cause: std::io::Error,
    },
    /// The file is empty.
    #[error("the file is empty (0 bytes); choose a recording: {0}")]
    Empty(PathBuf),
    /// The file is not a media file GStreamer recognises.
    #[error("not a media file GStreamer can read ({detail}); choose a video recording: {what}")]
    NotMedia {
        /// Which source.
        what: String,
        /// What GStreamer said.
        detail: String,
    },
    /// The file has no video stream.
    #[error("the file has no video stream (audio only?); choose a video recording: {0}")]
    NoVideo(String),
    /// The file is damaged: demuxing or decoding failed part-way.
    #[error(
        "the media is damaged or truncated ({detail}); re-copy it from the original recording: {what}"
    )]
    Corrupt {
        /// Which source.
        what: String,
        /// What GStreamer said.
        detail: String,
    },
    /// The media uses a codec or container the installed plugins cannot handle.
    #[error(
        "cannot decode this media ({0}); install the GStreamer plugins with packaging/install-deps.sh"
    )]
    Unsupported(String),
    /// A frame index past the end of the recording.
    #[error("frame {index} does not exist: the recording has {frames} frames (0 to {last})", last = frames.saturating_sub(1))]
    FrameOutOfRange {
        /// The requested frame.
        index: u64,
        /// Frames in the recording.
        frames: u64,
    },
    /// An argument that makes no sense (size, codec/container combination…).
    #[error("{0}")]
    InvalidArgument(String),
    /// GStreamer stopped answering.
    #[error("timed out after {secs} s while {what}; the media may be damaged")]
    Timeout {
        /// What the engine was doing.
        what: String,
        /// How long it waited.
        secs: u64,
    },
    /// A pipeline failed for a reason that is not the input's fault.
    #[error("media pipeline failed: {0}")]
    Pipeline(String),
    /// Reading or writing a file failed.
    #[error("{what} failed ({cause})")]
    Io {
        /// What was being done, path last.
        what: String,
        /// The OS error (shown in the message, not chained).
        cause: std::io::Error,
    },
    /// The player has shut down.
    #[error("the player has stopped")]
    PlayerGone,
    /// The user cancelled a long job; nothing was kept.
    #[error("cancelled; no file was written")]
    Cancelled,
}

impl MediaError {
    /// True when the error is the input's fault (bad file, bad argument), not
    /// Debrief's: the CLI exits 2 for these and 1 for the rest.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::Open { .. }
                | Self::Empty(_)
                | Self::NotMedia { .. }
                | Self::NoVideo(_)
                | Self::Corrupt { .. }
                | Self::Unsupported(_)
                | Self::FrameOutOfRange { .. }
                | Self::InvalidArgument(_)
                | Self::Timeout { .. }
                // Reading or writing a file the user named (missing folder, full disk, no permission).
                | Self::Io { .. }
        )
    }

    pub(crate) fn pipeline(err: impl std::fmt::Display) -> Self {
        Self::Pipeline(err.to_string())
    }
}
