//! The media engine: probing, frame-exact playback, synthetic test media.
//!
//! Everything here is drivable from tests and the CLI alone; nothing imports
//! egui. Who owns what:
//!
//! ```text
//! Player (facade, any thread)  ── commands (bounded) ──►  worker thread
//!   ▲  events (bounded)                                   ├── video pipeline: {source} → decodebin → appsink (pulled)
//!   ▲  FrameMailbox (latest RGBA frame) ◄── convert ──────┤── FrameCache (decoded frames, bounded in bytes)
//!                                                         └── audio pipeline: {source} → decodebin → scaletempo → volume → sink
//! ```
//!
//! - [`probe`] reads a file once (demux + parse, no decode) into [`MediaInfo`]
//!   with its exact [`FrameTable`].
//! - [`Player`] lands on the exact frame asked for, steps both ways (backward
//!   from a decoded-frame cache), plays at 0.1×–4× with pitch kept.
//! - [`testsrc`] writes media whose every frame carries its own index
//!   ([`frame_code`]), so tests check the picture, not timestamps.

pub mod caption;
pub mod decoded;
pub mod error;
pub mod frame_code;
pub mod frame_table;
pub mod isobmff;
pub mod mpeg4;
pub mod orientation;
pub mod planar;
pub mod player;
pub mod probe;
pub mod reader;
pub mod source;
pub mod still;
pub mod testsrc;

use std::sync::OnceLock;

use gstreamer as gst;

pub use error::MediaError;
pub use frame_table::FrameTable;
pub use orientation::Orientation;
pub use player::{
    Frame, FrameMailbox, PlayState, Player, PlayerCommand, PlayerConfig, PlayerEvent, PlayerStats,
};
pub use probe::{FrameOrder, MediaInfo, probe};
pub use source::{MediaSource, ReadSeek, ReaderFactory};

/// Initialises GStreamer once per process.
pub fn init() -> Result<(), MediaError> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| gst::init().map_err(|e| e.to_string()))
        .clone()
        .map_err(MediaError::Init)
}

/// Starts loading the decoder plugins on a background thread.
///
/// Loading libav (libavcodec and friends) takes about 75 ms here, once per
/// process. Commands that probe and then decode call this first, so the load
/// overlaps the probe (which needs only demuxers and parsers) instead of
/// stalling the first decode.
pub fn preload_decoders() {
    // Once per process: a window runner and the command before it may both ask.
    static STARTED: std::sync::Once = std::sync::Once::new();
    if init().is_err() {
        return;
    }
    STARTED.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("debrief-preload".into())
            .spawn(|| {
                let registry = gst::Registry::get();
                for name in ["libav", "vpx", "jpeg"] {
                    if let Some(plugin) = registry.find_plugin(name) {
                        let _ = plugin.load();
                    }
                }
            });
    });
}

/// How much parsing `parsebin` does after the demuxer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parsing {
    /// Skip parsers behind MP4/MOV, whose sync-sample table already marks
    /// keyframes (the probe: Matroska, by contrast, marks every H.264 frame a
    /// keyframe until h264parse reads the flags from the bitstream).
    TrustMp4,
    /// Skip parsers behind any container (the player: its decodebin plugs
    /// its own parser before the decoder, so parsing here would be twice).
    DemuxOnly,
}

/// Limits `parsebin`'s parsing per `parsing`, and records the first caps it sees.
///
/// Parsers always stay where the framing needs them: a bare elementary
/// stream with no container, and MPEG-1/2 video. Returns a slot that receives the first caps parsebin sees:
/// the container's, or the elementary stream's when there is none.
pub(crate) fn watch_parsebin(
    parsebin: &gst::Element,
    parsing: Parsing,
) -> std::sync::Arc<std::sync::Mutex<Option<gst::Caps>>> {
    use gst::prelude::*;
    let first_caps = std::sync::Arc::new(std::sync::Mutex::new(None::<gst::Caps>));
    let slot = std::sync::Arc::clone(&first_caps);
    parsebin.connect("autoplug-continue", false, move |args| {
        let caps = args.get(2).and_then(|v| v.get::<gst::Caps>().ok());
        let (is_first, first_name) = match slot.lock() {
            Ok(mut s) if s.is_none() => {
                *s = caps.clone();
                (true, String::new())
            }
            Ok(s) => (
                false,
                s.as_ref()
                    .and_then(|c| c.structure(0))
                    .map(|st| st.name().to_string())
                    .unwrap_or_default(),
            ),
            Err(_) => (false, String::new()),
        };
        let name = caps
            .as_ref()
            .and_then(|c| c.structure(0))
            .map(|s| s.name().to_string())
            .unwrap_or_default();
        let container = matches!(
            name.as_str(),
            "video/quicktime"
                | "video/x-matroska"
                | "video/webm"
                | "video/x-msvideo"
                | "video/mpegts"
                | "application/ogg"
                | "video/x-flv"
                | "application/x-id3"
        ) || (name == "video/mpeg"
            && caps
                .as_ref()
                .and_then(|c| c.structure(0))
                .is_some_and(|s| s.get::<bool>("systemstream").unwrap_or(false)));
        // MPEG-1/2 video needs its parser for framing behind any container.
        // MPEG-4 part 2 does not, and must not get one: DivX/Xvid "packed
        // B-frames" put a P-VOP and the next B-VOP in one AVI chunk and a
        // not-coded placeholder in the next, and `mpeg4videoparse` splits the
        // pair into two frames with one timestamp, so frames were lost and
        // indices drifted. libav's decoder unpacks them as ffmpeg does: one
        // picture per chunk. (A bare elementary stream still gets its parser:
        // there it is the first caps.)
        let needs_parser = name == "video/mpeg"
            && caps
                .as_ref()
                .and_then(|c| c.structure(0))
                .and_then(|s| s.get::<i32>("mpegversion").ok())
                != Some(4);
        let parsed = caps
            .as_ref()
            .and_then(|c| c.structure(0))
            .is_some_and(|s| s.get::<bool>("parsed").unwrap_or(false));
        let mpeg4_part2 = matches!(name.as_str(), "video/x-divx" | "video/x-xvid")
            || (name == "video/mpeg"
                && caps
                    .as_ref()
                    .and_then(|c| c.structure(0))
                    .and_then(|s| s.get::<i32>("mpegversion").ok())
                    == Some(4));
        let skip_parser = match parsing {
            // Never for MPEG-4 part 2 behind a container (see above), probe included:
            // the probe must see the chunks the decoder will.
            _ if mpeg4_part2 => true,
            Parsing::TrustMp4 => first_name == "video/quicktime",
            Parsing::DemuxOnly => true,
        };
        Some((!skip_parser || container || is_first || (needs_parser && !parsed)).to_value())
    });
    first_caps
}

/// Makes a GStreamer element, with an actionable error when its plugin is missing.
pub(crate) fn make_element(factory: &str) -> Result<gst::Element, MediaError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|_| MediaError::MissingElement(factory.to_owned()))
}

/// A blocking `appsrc` for I420 pictures of `width`×`height` at `rate`
/// (`None`: variable), holding at most four frames.
pub(crate) fn i420_appsrc(
    width: u32,
    height: u32,
    rate: Option<crate::time::FrameRate>,
) -> gstreamer_app::AppSrc {
    let framerate = rate.map_or(gst::Fraction::new(0, 1), |r| {
        gst::Fraction::new(r.num as i32, r.den as i32)
    });
    let caps = gst::Caps::builder("video/x-raw")
        .field("format", "I420")
        .field("width", width as i32)
        .field("height", height as i32)
        .field("framerate", framerate)
        .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
        .build();
    let frame_bytes = u64::from(width) * u64::from(height) * 3 / 2;
    gstreamer_app::AppSrc::builder()
        .caps(&caps)
        .format(gst::Format::Time)
        .block(true)
        .max_bytes(frame_bytes * 4)
        .build()
}

/// An error of a pipeline writing the file `what`: resource errors (full disk,
/// no permission) are I/O errors about that file.
pub(crate) fn write_error(err: &gst::message::Error, what: &str) -> MediaError {
    if err.error().kind::<gst::ResourceError>().is_some() {
        return MediaError::Io {
            what: format!("writing {what}"),
            cause: std::io::Error::other(err.error().message().to_owned()),
        };
    }
    classify_error(err, what)
}

/// Waits (up to 10 minutes) for a pipeline writing `what` to finish: its EOS,
/// or its first error. `doing` names the wait in a timeout message.
pub(crate) fn wait_written(bus: &gst::Bus, what: &str, doing: &str) -> Result<(), MediaError> {
    let started = std::time::Instant::now();
    loop {
        match bus.timed_pop_filtered(
            gst::ClockTime::from_mseconds(200),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        ) {
            Some(msg) => match msg.view() {
                gst::MessageView::Eos(_) => return Ok(()),
                gst::MessageView::Error(err) => return Err(write_error(err, what)),
                _ => {}
            },
            None if started.elapsed() > std::time::Duration::from_secs(600) => {
                return Err(MediaError::Timeout {
                    what: doing.to_owned(),
                    secs: 600,
                });
            }
            None => {}
        }
    }
}

/// The first error waiting on `bus` of a pipeline writing `what`, if any.
pub(crate) fn pending_write_error(bus: &gst::Bus, what: &str) -> Option<MediaError> {
    let msg = bus.pop_filtered(&[gst::MessageType::Error])?;
    match msg.view() {
        gst::MessageView::Error(err) => Some(write_error(err, what)),
        _ => None,
    }
}

/// Turns a pipeline error message into a [`MediaError`] for the source `what`.
pub(crate) fn classify_error(err: &gst::message::Error, what: &str) -> MediaError {
    let error = err.error();
    let detail = error.message().to_owned();
    let what = what.to_owned();
    if let Some(stream) = error.kind::<gst::StreamError>() {
        match stream {
            gst::StreamError::TypeNotFound | gst::StreamError::WrongType => {
                MediaError::NotMedia { what, detail }
            }
            gst::StreamError::CodecNotFound => MediaError::Unsupported(detail),
            _ => MediaError::Corrupt { what, detail },
        }
    } else if let Some(core) = error.kind::<gst::CoreError>() {
        match core {
            gst::CoreError::MissingPlugin => MediaError::Unsupported(detail),
            _ => MediaError::Pipeline(detail),
        }
    } else if error.kind::<gst::ResourceError>().is_some() {
        // Reading the bytes failed: for a vault recording this is the integrity check.
        MediaError::Corrupt { what, detail }
    } else {
        MediaError::Pipeline(detail)
    }
}

/// The first error message on `bus` within `wait`, classified for the source `what`.
pub(crate) fn bus_error(
    bus: &gst::Bus,
    wait: std::time::Duration,
    what: &str,
) -> Option<MediaError> {
    let wait = gst::ClockTime::from_nseconds(u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX));
    let msg = bus.timed_pop_filtered(wait, &[gst::MessageType::Error])?;
    match msg.view() {
        gst::MessageView::Error(err) => Some(classify_error(err, what)),
        _ => None,
    }
}
