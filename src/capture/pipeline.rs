//! The one GStreamer pipeline of a recording: every camera and the
//! microphone on one clock, each camera encoded and muxed into a fragmented
//! MP4 stream that ends in an `appsink` (never a file).
//!
//! ```text
//! camera i: source → videoconvert → videoscale → videorate → I420 W×H@fps ─┐ probe: frame code (test),
//!                                                                           │ privacy, pause
//!           → queue → x264enc (zerolatency, keyframe every second) → h264parse → mp4mux (fragments) → appsink i
//! mic:      source → audioconvert → audioresample → probe (privacy, pause) → queue → avenc_aac → mp4mux 0
//! ```
//!
//! `mp4mux` writes fragments (`fragment-duration`) and is told the stream is
//! not seekable (`streamable`), so it never seeks back and needs no temp file;
//! nothing here sets `faststart` or a moov-recovery file.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app::AppSink;
use gstreamer_video::prelude::*;

use super::spec::{CameraSpec, MicSpec};
use crate::media::{MediaError, frame_code, make_element};

/// Picture and encoder settings of a recording.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Frames per second (every camera is brought to this rate).
    pub fps: u32,
    /// x264 speed preset (chosen by `debrief bench record`).
    pub preset: &'static str,
    /// Video bitrate, kbit/s.
    pub kbps: u32,
    /// Length of an MP4 fragment (ms): what a crash can lose at most.
    pub fragment_ms: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            fps: 30,
            preset: "superfast",
            kbps: 3000,
            fragment_ms: 500,
        }
    }
}

/// Switches the recorder flips while the pipeline runs; the probes read them
/// on the streaming threads.
#[derive(Debug, Default)]
pub struct Switches {
    /// Nothing is captured while paused.
    pub paused: AtomicBool,
    /// Black pictures and silence, the timeline running on.
    pub privacy: AtomicBool,
    /// Running time taken out of the timeline by pauses so far (ns).
    shift_ns: AtomicI64,
    /// When the current pause began (running time, ns), while paused.
    pause_began: Mutex<Option<i64>>,
    /// Pictures that reached each camera's encoder.
    pub frames: Vec<AtomicU64>,
    /// Each camera's first picture's running time (ns), once it came.
    pub first_ns: Vec<Mutex<Option<i64>>>,
}

impl Switches {
    fn new(cameras: usize) -> Self {
        Self {
            frames: (0..cameras).map(|_| AtomicU64::new(0)).collect(),
            first_ns: (0..cameras).map(|_| Mutex::new(None)).collect(),
            ..Default::default()
        }
    }

    /// Pauses at running time `now_ns`: buffers are dropped until [`Switches::resume`].
    pub fn pause(&self, now_ns: i64) {
        if let Ok(mut began) = self.pause_began.lock() {
            began.get_or_insert(now_ns);
        }
        self.paused.store(true, Ordering::SeqCst);
    }

    /// Moves a buffer back by the time pauses took out of the timeline;
    /// returns its running time and its new time, when it has one.
    fn retime(&self, buffer: &mut gst::BufferRef) -> Option<(i64, i64)> {
        let running = buffer.pts()?.nseconds() as i64;
        let shifted = (running - self.shift_ns.load(Ordering::SeqCst)).max(0);
        buffer.set_pts(gst::ClockTime::from_nseconds(shifted as u64));
        Some((running, shifted))
    }

    /// Resumes at running time `now_ns`: the pause is cut out of the timeline.
    pub fn resume(&self, now_ns: i64) {
        if let Ok(mut began) = self.pause_began.lock()
            && let Some(at) = began.take()
        {
            self.shift_ns
                .fetch_add((now_ns - at).max(0), Ordering::SeqCst);
        }
        self.paused.store(false, Ordering::SeqCst);
    }
}

/// The built pipeline.
pub struct Graph {
    /// The pipeline (one clock for every source).
    pub pipeline: gst::Pipeline,
    /// One muxed stream per camera, in the cameras' order.
    pub sinks: Vec<AppSink>,
    /// Each camera's source (its errors name the camera) and the pad its
    /// pictures leave the camera's part by (an end of stream pushed there ends
    /// that camera's stream alone, when the camera is lost).
    pub cameras: Vec<(gst::Element, gst::Pad)>,
    /// The pad the microphone's sound leaves its part by, if there is one.
    pub mic: Option<gst::Pad>,
    /// What the recorder switches.
    pub switches: Arc<Switches>,
}

/// Builds the pipeline for `cameras` (1–4) and an optional microphone, whose
/// sound goes into the first camera's stream.
pub fn build(
    cameras: &[CameraSpec],
    mic: Option<&MicSpec>,
    settings: Settings,
) -> Result<Graph, MediaError> {
    crate::media::init()?;
    let pipeline = gst::Pipeline::new();
    let switches = Arc::new(Switches::new(cameras.len()));
    let mut sinks = Vec::new();
    let mut branches = Vec::new();
    let mut first_mux = None;
    for (i, camera) in cameras.iter().enumerate() {
        let (mux, sink, branch) = add_camera(&pipeline, i, camera, settings, &switches)?;
        if first_mux.is_none() {
            first_mux = Some(mux);
        }
        sinks.push(sink);
        branches.push(branch);
    }
    let mic = match (mic, &first_mux) {
        (Some(mic), Some(mux)) => Some(add_mic(&pipeline, mic, mux, &switches)?),
        _ => None,
    };
    Ok(Graph {
        pipeline,
        sinks,
        cameras: branches,
        mic,
        switches,
    })
}

fn link(pipeline: &gst::Pipeline, chain: &[gst::Element], what: &str) -> Result<(), MediaError> {
    pipeline.add_many(chain).map_err(MediaError::pipeline)?;
    gst::Element::link_many(chain)
        .map_err(|e| MediaError::Pipeline(format!("cannot link the {what}: {e}")))
}

fn camera_source(camera: &CameraSpec) -> Result<gst::Element, MediaError> {
    Ok(match camera {
        CameraSpec::Test => {
            let src = make_element("videotestsrc")?;
            src.set_property("is-live", true);
            src.set_property_from_str("pattern", "smpte");
            src.set_property("horizontal-speed", 4i32);
            src
        }
        CameraSpec::V4l2(device) => {
            let src = make_element("v4l2src")?;
            src.set_property("device", device);
            let decode = make_element("decodebin")?;
            decoded_video_bin(&[src, decode])?
        }
        CameraSpec::Rtsp(url) => {
            let src = make_element("uridecodebin")?;
            src.set_property("uri", url);
            // At most 200 ms of network buffering, and over TCP: a camera
            // that goes away is noticed at once, and TCP passes the
            // firewalls hospital networks keep.
            src.connect("source-setup", false, |args| {
                if let Some(source) = args.get(1).and_then(|v| v.get::<gst::Element>().ok()) {
                    if source.has_property("latency") {
                        source.set_property("latency", 200u32);
                    }
                    if source.has_property("protocols") {
                        source.set_property_from_str("protocols", "tcp");
                    }
                }
                None
            });
            decoded_video_bin(&[src])?
        }
    })
}

/// A bin of `chain` (linked in order; the last has pads that come and go,
/// like a decoder's) and a `videoconvert` its first video pad is linked to,
/// with the converter's output as the bin's one pad. (A parsed description
/// would ghost the converter's input too, before the decoder's pad comes,
/// and the late link would then fail.)
fn decoded_video_bin(chain: &[gst::Element]) -> Result<gst::Element, MediaError> {
    let bin = gst::Bin::new();
    let convert = make_element("videoconvert")?;
    bin.add_many(chain).map_err(MediaError::pipeline)?;
    bin.add(&convert).map_err(MediaError::pipeline)?;
    gst::Element::link_many(chain)
        .map_err(|e| MediaError::Pipeline(format!("cannot open the camera: {e}")))?;
    let sink = convert
        .static_pad("sink")
        .ok_or_else(|| MediaError::pipeline("videoconvert has no input"))?;
    if let Some(last) = chain.last() {
        last.connect_pad_added(move |_, pad| {
            let video = pad
                .current_caps()
                .unwrap_or_else(|| pad.query_caps(None))
                .structure(0)
                .is_some_and(|s| s.name().starts_with("video/"));
            if video && !sink.is_linked() {
                let _ = pad.link(&sink);
            }
        });
    }
    let out = convert
        .static_pad("src")
        .ok_or_else(|| MediaError::pipeline("videoconvert has no output"))?;
    let ghost = gst::GhostPad::with_target(&out).map_err(MediaError::pipeline)?;
    bin.add_pad(&ghost).map_err(MediaError::pipeline)?;
    Ok(bin.upcast())
}

fn add_camera(
    pipeline: &gst::Pipeline,
    i: usize,
    camera: &CameraSpec,
    settings: Settings,
    switches: &Arc<Switches>,
) -> Result<(gst::Element, AppSink, (gst::Element, gst::Pad)), MediaError> {
    let source = camera_source(camera)?;
    let source_handle = source.clone();
    let caps = gst::Caps::builder("video/x-raw")
        .field("format", "I420")
        .field("width", settings.width as i32)
        .field("height", settings.height as i32)
        .field("framerate", gst::Fraction::new(settings.fps as i32, 1))
        .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
        .build();
    let filter = make_element("capsfilter")?;
    filter.set_property("caps", &caps);
    let queue = make_element("queue")?;
    // Never drop: hold up to 3 s while the encoder catches up.
    queue.set_property("max-size-buffers", 0u32);
    queue.set_property("max-size-bytes", 0u32);
    queue.set_property("max-size-time", 3_000_000_000u64);
    let encoder = make_element("x264enc")?;
    encoder.set_property_from_str("tune", "zerolatency");
    encoder.set_property_from_str("speed-preset", settings.preset);
    encoder.set_property("bitrate", settings.kbps);
    encoder.set_property("key-int-max", settings.fps);
    let parse = make_element("h264parse")?;
    let mux = make_element("mp4mux")?;
    mux.set_property("fragment-duration", settings.fragment_ms);
    mux.set_property("streamable", true);
    // Not async: a recording never waits for a sink to preroll (a camera
    // lost mid-recording must not take the pipeline back to PAUSED).
    let sink = AppSink::builder()
        .sync(false)
        .async_(false)
        .name(format!("view{i}"))
        .build();
    let chain = [
        source,
        make_element("videoconvert")?,
        make_element("videoscale")?,
        make_element("videorate")?,
        filter.clone(),
        queue,
        encoder,
        parse,
        mux.clone(),
        sink.clone().upcast(),
    ];
    link(pipeline, &chain, "camera")?;
    let pad = filter
        .static_pad("src")
        .ok_or_else(|| MediaError::pipeline("the camera's filter has no output"))?;
    let pad_handle = pad.clone();
    // A camera's source that loses its connection flushes (rtspsrc does,
    // on its way to reconnect): a flush would undo the end of stream that
    // closes a lost camera's view and make its sink wait for a picture
    // that never comes. A recording never flushes: drop them here.
    pad.add_probe(gst::PadProbeType::EVENT_FLUSH, |_, _| {
        gst::PadProbeReturn::Drop
    });
    let code = matches!(camera, CameraSpec::Test);
    let video = gstreamer_video::VideoInfo::from_caps(&caps).map_err(MediaError::pipeline)?;
    let switches = Arc::clone(switches);
    let fps = u64::from(settings.fps);
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        let Some(buffer) = info.buffer_mut() else {
            return gst::PadProbeReturn::Ok;
        };
        if switches.paused.load(Ordering::SeqCst) {
            return gst::PadProbeReturn::Drop;
        }
        let buffer = buffer.make_mut();
        let Some((running, shifted)) = switches.retime(buffer) else {
            return gst::PadProbeReturn::Ok;
        };
        if let Some(first) = switches.first_ns.get(i)
            && let Ok(mut first) = first.lock()
        {
            first.get_or_insert(shifted);
        }
        if let Some(n) = switches.frames.get(i) {
            n.fetch_add(1, Ordering::Relaxed);
        }
        let privacy = switches.privacy.load(Ordering::SeqCst);
        if code || privacy {
            paint(
                buffer,
                &video,
                privacy,
                code.then(|| (running as u64 * fps + 500_000_000) / 1_000_000_000),
            );
        }
        gst::PadProbeReturn::Ok
    });
    Ok((mux, sink, (source_handle, pad_handle)))
}

/// Blacks out a picture (privacy) and/or paints the frame code of `index`.
fn paint(
    buffer: &mut gst::BufferRef,
    info: &gstreamer_video::VideoInfo,
    black: bool,
    index: Option<u64>,
) {
    let Ok(mut frame) = gstreamer_video::VideoFrameRef::from_buffer_ref_writable(buffer, info)
    else {
        return;
    };
    let (w, h) = (info.width(), info.height());
    let stride = frame.plane_stride()[0] as usize;
    if black {
        for (plane, value) in [(0u32, 16u8), (1, 128), (2, 128)] {
            if let Ok(data) = frame.plane_data_mut(plane) {
                data.fill(value);
            }
        }
    }
    if let Some(index) = index {
        // Neutral chroma under the strip, so the code reads as black and white.
        let strip = frame_code::strip_height(h) as usize;
        for plane in [1u32, 2] {
            let cstride = frame.plane_stride()[plane as usize] as usize;
            if let Ok(data) = frame.plane_data_mut(plane) {
                let end = (strip / 2 + 1) * cstride;
                if let Some(rows) = data.get_mut(..end.min(data.len())) {
                    rows.fill(128);
                }
            }
        }
        if let Ok(luma) = frame.plane_data_mut(0) {
            frame_code::paint_luma(luma, w, h, stride, index);
        }
    }
}

fn add_mic(
    pipeline: &gst::Pipeline,
    mic: &MicSpec,
    mux: &gst::Element,
    switches: &Arc<Switches>,
) -> Result<gst::Pad, MediaError> {
    let source = match mic {
        MicSpec::Test => {
            let src = make_element("audiotestsrc")?;
            src.set_property("is-live", true);
            src.set_property_from_str("wave", "ticks");
            src
        }
        MicSpec::Pulse(device) => {
            let src = make_element("pulsesrc")?;
            if let Some(device) = device {
                src.set_property("device", device);
            }
            src
        }
    };
    let caps = gst::Caps::builder("audio/x-raw")
        .field("format", "S16LE")
        .field("rate", 48_000i32)
        .field("channels", 1i32)
        .build();
    let filter = make_element("capsfilter")?;
    filter.set_property("caps", &caps);
    let queue = make_element("queue")?;
    queue.set_property("max-size-buffers", 0u32);
    queue.set_property("max-size-bytes", 0u32);
    queue.set_property("max-size-time", 3_000_000_000u64);
    let chain = [
        source,
        make_element("audioconvert")?,
        make_element("audioresample")?,
        filter.clone(),
        queue,
        make_element("audioconvert")?,
        make_element("avenc_aac")?,
        make_element("aacparse")?,
    ];
    link(pipeline, &chain, "microphone")?;
    let last = chain.last().cloned().unwrap_or_else(|| filter.clone());
    last.link(mux)
        .map_err(|e| MediaError::Pipeline(format!("cannot link the microphone: {e}")))?;
    let pad = filter
        .static_pad("src")
        .ok_or_else(|| MediaError::pipeline("the microphone's filter has no output"))?;
    let switches = Arc::clone(switches);
    let out = pad.clone();
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        let Some(buffer) = info.buffer_mut() else {
            return gst::PadProbeReturn::Ok;
        };
        if switches.paused.load(Ordering::SeqCst) {
            return gst::PadProbeReturn::Drop;
        }
        let buffer = buffer.make_mut();
        switches.retime(buffer);
        if switches.privacy.load(Ordering::SeqCst)
            && let Ok(mut map) = buffer.map_writable()
        {
            map.fill(0);
        }
        gst::PadProbeReturn::Ok
    });
    Ok(out)
}
