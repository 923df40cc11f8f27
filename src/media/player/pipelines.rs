//! The player's two pipelines: video (pulled frame by frame) and audio (the clock).
//!
//! ```text
//! video: {source} -> [parsebin] -(video)-> [queue] -> [decodebin] -> [appsink sync=false max-buffers=3]
//!                               -(other)-> [fakesink]
//! audio: {source} -> [parsebin] -(audio)-> [queue] -> [decodebin] -> [audioconvert] -> [scaletempo]
//!                                  -> [audioconvert] -> [audioresample] -> [volume] -> [audio sink]
//!                               -(other)-> [fakesink]
//! ```
//!
//! Two pipelines, each with its own reader, because paused scrubbing and
//! playback want different things: the video pipeline runs unsynchronised
//! and is drained by the worker (a paused pipeline would hold one preroll
//! frame and stall), while the audio pipeline is a normal synchronised
//! playback pipeline whose position is the clock video frames are shown by.
//! Only the wanted stream is decoded in each; the other is demuxed into a
//! fakesink. No queue2, no download buffering: nothing touches the disk.

use std::sync::Arc;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::skip::SkipControl;
use crate::media::{MediaError, MediaSource, Parsing, bus_error, make_element, watch_parsebin};

/// Decoded frames the appsink holds ahead of the worker.
const VIDEO_AHEAD: u32 = 1;

/// The video pipeline and its sink.
pub(super) struct VideoPipeline {
    pub pipeline: gst::Pipeline,
    pub appsink: gst_app::AppSink,
    pub bus: gst::Bus,
}

/// The audio pipeline, its volume control and its sink.
pub(super) struct AudioPipeline {
    pub pipeline: gst::Pipeline,
    pub volume: gst::Element,
    /// The clock's position is asked of this sink, never of the pipeline:
    /// a pipeline answers with the furthest of its sinks, and the unsynced
    /// fakesink the video stream is demuxed into runs as far ahead as the
    /// audio queue lets the demuxer read (about a second).
    pub sink: gst::Element,
    pub bus: gst::Bus,
}

/// Which stream a branch pipeline decodes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Video,
    Audio,
}

impl Kind {
    fn matches(self, caps_name: &str) -> bool {
        match self {
            Self::Video => caps_name.starts_with("video/") || caps_name == "image/jpeg",
            Self::Audio => caps_name.starts_with("audio/"),
        }
    }
}

/// Builds the video pipeline and runs it until the first frame is decoded.
///
/// `skip` controls which pictures the decoder may be spared (see `skip.rs`).
///
/// `abort` ends the wait early (the probe found there is nothing to play).
pub(super) fn video(
    source: &MediaSource,
    timeout: Duration,
    skip: Arc<SkipControl>,
    abort: &std::sync::atomic::AtomicBool,
) -> Result<VideoPipeline, MediaError> {
    let appsink = gst_app::AppSink::builder()
        .caps(&gst::Caps::builder("video/x-raw").build())
        .sync(false)
        .max_buffers(VIDEO_AHEAD)
        .drop(false)
        .enable_last_sample(false)
        .build();
    let tail: gst::Element = appsink.clone().upcast();
    let pipeline = branch_pipeline(source, Kind::Video, tail)?;
    // Decoder threads: libav's default picks frame threading over all cores already,
    // but say so explicitly so a changed default cannot halve seek speed.
    pipeline.connect_deep_element_added(move |_, _, element| {
        let Some(factory) = element.factory() else {
            return;
        };
        let is_libav = factory.name().starts_with("avdec_");
        if is_libav && element.find_property("max-threads").is_some() {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as i32;
            element.set_property("max-threads", cores);
        }
        let klass = factory
            .metadata(gst::ELEMENT_METADATA_KLASS)
            .unwrap_or_default();
        if klass.contains("Decoder") && klass.contains("Video") {
            super::skip::install(element, Arc::clone(&skip));
        }
    });
    let bus = pipeline
        .bus()
        .ok_or_else(|| MediaError::pipeline("pipeline has no bus"))?;
    start_or_abort(
        &pipeline,
        &bus,
        gst::State::Playing,
        timeout,
        &source.describe(),
        Some(abort),
    )?;
    Ok(VideoPipeline {
        pipeline,
        appsink,
        bus,
    })
}

/// Builds the audio pipeline, prerolled and paused.
pub(super) fn audio(
    source: &MediaSource,
    sink: Option<&str>,
    timeout: Duration,
) -> Result<AudioPipeline, MediaError> {
    let convert_in = make_element("audioconvert")?;
    let tempo = make_element("scaletempo")?;
    let convert_out = make_element("audioconvert")?;
    let resample = make_element("audioresample")?;
    let volume = make_element("volume")?;
    let sink = audio_sink(sink)?;
    let chain = [&convert_in, &tempo, &convert_out, &resample, &volume, &sink];
    let bin = gst::Bin::new();
    bin.add_many(chain).map_err(MediaError::pipeline)?;
    gst::Element::link_many(chain).map_err(MediaError::pipeline)?;
    let pad = convert_in
        .static_pad("sink")
        .ok_or_else(|| MediaError::pipeline("audioconvert has no sink pad"))?;
    let ghost = gst::GhostPad::with_target(&pad).map_err(MediaError::pipeline)?;
    bin.add_pad(&ghost).map_err(MediaError::pipeline)?;
    let pipeline = branch_pipeline(source, Kind::Audio, bin.upcast())?;
    let bus = pipeline
        .bus()
        .ok_or_else(|| MediaError::pipeline("pipeline has no bus"))?;
    start(
        &pipeline,
        &bus,
        gst::State::Paused,
        timeout,
        &source.describe(),
    )?;
    Ok(AudioPipeline {
        pipeline,
        volume,
        sink,
        bus,
    })
}

/// The sink named by the config, else `$DEBRIEF_AUDIO_SINK` (e.g. `fakeaudiosink`), else `autoaudiosink`.
fn audio_sink(name: Option<&str>) -> Result<gst::Element, MediaError> {
    let name = name
        .map(str::to_owned)
        .or_else(|| std::env::var("DEBRIEF_AUDIO_SINK").ok())
        .unwrap_or_else(|| "autoaudiosink".into());
    make_element(&name).or_else(|_| make_element("autoaudiosink"))
}

/// `{source} -> parsebin`, with the first stream of `kind` decoded into `tail`
/// and every other stream demuxed into a fakesink.
pub(crate) fn branch_pipeline(
    source: &MediaSource,
    kind: Kind,
    tail: gst::Element,
) -> Result<gst::Pipeline, MediaError> {
    let pipeline = gst::Pipeline::new();
    let src = source.make_element()?;
    let parsebin = make_element("parsebin")?;
    let _ = watch_parsebin(&parsebin, Parsing::DemuxOnly);
    pipeline
        .add_many([&src, &parsebin, &tail])
        .map_err(MediaError::pipeline)?;
    src.link(&parsebin).map_err(MediaError::pipeline)?;
    let weak = pipeline.downgrade();
    let tail_weak = tail.downgrade();
    let linked = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    parsebin.connect_pad_added(move |_, pad| {
        let (Some(pipeline), Some(tail)) = (weak.upgrade(), tail_weak.upgrade()) else {
            return;
        };
        let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
        let wanted = caps.structure(0).is_some_and(|s| kind.matches(s.name()));
        let first = wanted && !linked.swap(true, std::sync::atomic::Ordering::SeqCst);
        let result = if first {
            link_decoder(&pipeline, pad, &tail)
        } else {
            link_fakesink(&pipeline, pad)
        };
        if let Err(err) = result {
            gst::element_error!(
                pipeline,
                gst::CoreError::Negotiation,
                ("cannot link a stream: {}", err)
            );
        }
    });
    Ok(pipeline)
}

fn link_decoder(
    pipeline: &gst::Pipeline,
    pad: &gst::Pad,
    tail: &gst::Element,
) -> Result<(), MediaError> {
    let queue = make_element("queue")?;
    let decodebin = make_element("decodebin")?;
    pipeline
        .add_many([&queue, &decodebin])
        .map_err(MediaError::pipeline)?;
    queue.link(&decodebin).map_err(MediaError::pipeline)?;
    skip_mpeg4_parser(&decodebin);
    let tail_weak = tail.downgrade();
    decodebin.connect_pad_added(move |_, dpad| {
        let Some(tail) = tail_weak.upgrade() else {
            return;
        };
        if let Some(sinkpad) = tail.static_pad("sink")
            && !sinkpad.is_linked()
        {
            let _ = dpad.link(&sinkpad);
        }
    });
    for e in [&queue, &decodebin] {
        e.sync_state_with_parent().map_err(MediaError::pipeline)?;
    }
    let sinkpad = queue
        .static_pad("sink")
        .ok_or_else(|| MediaError::pipeline("queue has no sink pad"))?;
    pad.link(&sinkpad).map_err(MediaError::pipeline)?;
    Ok(())
}

/// Keeps `decodebin` from putting `mpeg4videoparse` before libav's MPEG-4
/// decoder (see `watch_parsebin`: the parser splits DivX packed B-frames into
/// frames with duplicate timestamps; the decoder unpacks them itself).
pub(crate) fn skip_mpeg4_parser(decodebin: &gst::Element) {
    // decodebin's answer is a GstAutoplugSelectResult: 0 try, 2 skip.
    let Some(result_type) = glib::Type::from_name("GstAutoplugSelectResult") else {
        return;
    };
    decodebin.connect("autoplug-select", false, move |args| {
        let factory = args
            .get(3)
            .and_then(|v| v.get::<gst::ElementFactory>().ok());
        let is_mpeg4_parser = factory.is_some_and(|f| f.name() == "mpeg4videoparse");
        glib::EnumClass::with_type(result_type)?.to_value(if is_mpeg4_parser { 2 } else { 0 })
    });
}

fn link_fakesink(pipeline: &gst::Pipeline, pad: &gst::Pad) -> Result<(), MediaError> {
    let sink = make_element("fakesink")?;
    sink.set_property("sync", false);
    sink.set_property("async", false);
    pipeline.add(&sink).map_err(MediaError::pipeline)?;
    sink.sync_state_with_parent()
        .map_err(MediaError::pipeline)?;
    let sinkpad = sink
        .static_pad("sink")
        .ok_or_else(|| MediaError::pipeline("fakesink has no sink pad"))?;
    pad.link(&sinkpad).map_err(MediaError::pipeline)?;
    Ok(())
}

/// Sets `state` and waits for the pipeline to get there, turning bus errors into `MediaError`s.
///
/// Waits on the bus rather than polling, so it returns the moment the state
/// change completes (a polling loop here once cost 60 ms per open).
pub(crate) fn start(
    pipeline: &gst::Pipeline,
    bus: &gst::Bus,
    state: gst::State,
    timeout: Duration,
    what: &str,
) -> Result<(), MediaError> {
    start_or_abort(pipeline, bus, state, timeout, what, None)
}

/// [`start`], giving up as soon as `abort` is set (checked every 50 ms).
fn start_or_abort(
    pipeline: &gst::Pipeline,
    bus: &gst::Bus,
    state: gst::State,
    timeout: Duration,
    what: &str,
    abort: Option<&std::sync::atomic::AtomicBool>,
) -> Result<(), MediaError> {
    let fail = |err: MediaError| {
        let _ = pipeline.set_state(gst::State::Null);
        Err(err)
    };
    let cannot = || MediaError::Pipeline(format!("cannot start playing {what}"));
    if pipeline.set_state(state).is_err() {
        return fail(bus_error(bus, Duration::from_secs(2), what).unwrap_or_else(cannot));
    }
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if pipeline.current_state() == state && pipeline.pending_state() == gst::State::VoidPending
        {
            return Ok(());
        }
        if abort.is_some_and(|a| a.load(std::sync::atomic::Ordering::SeqCst)) {
            return fail(MediaError::PlayerGone);
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return fail(MediaError::Timeout {
                what: format!("opening {what}"),
                secs: timeout.as_secs(),
            });
        }
        let left = if abort.is_some() {
            left.min(Duration::from_millis(50))
        } else {
            left
        };
        let wait = gst::ClockTime::from_nseconds(left.as_nanos().min(u128::from(u64::MAX)) as u64);
        let types = [
            gst::MessageType::Error,
            gst::MessageType::AsyncDone,
            gst::MessageType::StateChanged,
        ];
        if let Some(msg) = bus.timed_pop_filtered(wait, &types)
            && let gst::MessageView::Error(err) = msg.view()
        {
            return fail(crate::media::classify_error(err, what));
        }
    }
}

/// Flushing, accurate seek to stream time `pts_ns` at `rate`.
pub(crate) fn seek(pipeline: &gst::Pipeline, pts_ns: i64, rate: f64) -> Result<(), MediaError> {
    seek_with(pipeline, pts_ns, rate, gst::SeekFlags::ACCURATE)
}

/// Flushing seek to the keyframe at or before `pts_ns`, the segment starting
/// there: nothing the decoder puts out is clipped, so pictures can be counted
/// from it (`FrameOrder::Counted`).
pub(crate) fn seek_to_keyframe(pipeline: &gst::Pipeline, pts_ns: i64) -> Result<(), MediaError> {
    seek_with(
        pipeline,
        pts_ns,
        1.0,
        gst::SeekFlags::KEY_UNIT | gst::SeekFlags::SNAP_BEFORE,
    )
}

fn seek_with(
    pipeline: &gst::Pipeline,
    pts_ns: i64,
    rate: f64,
    flags: gst::SeekFlags,
) -> Result<(), MediaError> {
    let position = gst::ClockTime::from_nseconds(pts_ns.max(0) as u64);
    pipeline
        .seek(
            rate,
            gst::SeekFlags::FLUSH | flags,
            gst::SeekType::Set,
            position,
            gst::SeekType::None,
            gst::ClockTime::NONE,
        )
        .map_err(|_| MediaError::Pipeline("the demuxer refused to seek".into()))
}
