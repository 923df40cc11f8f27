//! Probe: what a media file holds, and its exact frame index table.
//!
//! ```text
//! {source} -> [parsebin] -+-> (video pad) -probe-> [fakesink]
//!                                       +-> (other pads) ------> [fakesink]
//! ```
//!
//! The file is demuxed and parsed but never decoded: a buffer probe on the
//! video pad records each frame's PTS (mapped to stream time through the
//! segment) and whether it is a keyframe. Sorting those PTS values gives the
//! frame index table, exact for B-frames (decode order differs from
//! presentation order) and for variable frame rates. A watchdog bounds the
//! run: a pipeline that makes no progress for [`STALL_TIMEOUT`] is an error,
//! never a hang.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

use super::{
    FrameTable, MediaError, MediaSource, Orientation, Parsing, bus_error, classify_error,
    make_element, watch_parsebin,
};
use crate::time::FrameRate;

/// How long the probe waits for any progress before giving up.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(15);

/// What a recording holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaInfo {
    /// The frame index table (PTS of every video frame).
    pub table: FrameTable,
    /// Nominal frame rate (the container's, or estimated from the table).
    pub rate: FrameRate,
    /// True when frame intervals vary.
    pub vfr: bool,
    /// Duration of the video in nanoseconds (end of the last frame).
    pub duration_ns: i64,
    /// Picture width in pixels, as shown (after `orientation`).
    pub width: u32,
    /// Picture height in pixels, as shown (after `orientation`).
    pub height: u32,
    /// How the stored picture is turned for display (a phone's display matrix).
    pub orientation: Orientation,
    /// How a decoded picture is matched to its frame (see [`FrameOrder`]).
    pub frame_order: FrameOrder,
    /// Short video codec name: h264, h265, vp8, vp9, av1, mjpeg, mpeg4, …
    pub video_codec: String,
    /// Short audio codec name, `None` without audio.
    pub audio_codec: Option<String>,
    /// Short container name: mp4, mov, mkv, webm, avi, …
    pub container: String,
}

impl MediaInfo {
    /// Number of video frames.
    pub fn frames(&self) -> u64 {
        self.table.len()
    }

    /// True when the recording has an audio stream.
    pub fn has_audio(&self) -> bool {
        self.audio_codec.is_some()
    }

    /// The JSON object `debrief probe --json` prints (field names are a public contract).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "frames": self.frames(),
            "fps_num": self.rate.num,
            "fps_den": self.rate.den,
            "vfr": self.vfr,
            "duration_ns": self.duration_ns,
            "width": self.width,
            "height": self.height,
            "orientation": self.orientation.as_str(),
            "video_codec": self.video_codec,
            "audio_codec": self.audio_codec,
            "container": self.container,
            "keyframes": self.table.keyframes().len(),
        })
    }
}

/// How a decoded picture is matched to its frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FrameOrder {
    /// By its timestamp in the frame table (every container with presentation times).
    #[default]
    Timestamps,
    /// By counting pictures from the keyframe decoding started at: AVI with
    /// B-frames, where decoded pictures' timestamps depend on where decoding
    /// started (see [`super::mpeg4`]). Seeks go to the keyframe itself.
    Counted,
}

impl FrameOrder {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timestamps => "timestamps",
            Self::Counted => "counted",
        }
    }
}

impl std::str::FromStr for FrameOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "timestamps" => Ok(Self::Timestamps),
            "counted" => Ok(Self::Counted),
            other => Err(format!("unknown frame order '{other}'")),
        }
    }
}

#[derive(Default)]
struct ProbeState {
    video: Option<VideoStream>,
    audio_caps: Option<gst::Caps>,
    last_progress: Option<Instant>,
}

struct VideoStream {
    pad_name: String,
    caps: Option<gst::Caps>,
    segment: Option<gst::FormattedSegment<gst::ClockTime>>,
    pts: Vec<i64>,
    keyframe_pts: Vec<i64>,
    last_pts: Option<i64>,
    orientation: Orientation,
    /// MPEG-4 part 2: each chunk's VOPs, for the display order in AVI.
    mpeg4: Option<super::mpeg4::ChunkOrder>,
}

/// Reads `source` to the end and describes it.
pub fn probe(source: &MediaSource) -> Result<MediaInfo, MediaError> {
    super::init()?;
    source.check()?;
    let what = source.describe();
    let pipeline = gst::Pipeline::new();
    let src = source.make_element()?;
    let parsebin = make_element("parsebin")?;
    pipeline
        .add_many([&src, &parsebin])
        .map_err(MediaError::pipeline)?;
    src.link(&parsebin).map_err(MediaError::pipeline)?;

    let state = Arc::new(Mutex::new(ProbeState {
        last_progress: Some(Instant::now()),
        ..Default::default()
    }));
    let container_caps = watch_parsebin(&parsebin, Parsing::TrustMp4);
    let st = Arc::clone(&state);
    let pipeline_weak = pipeline.downgrade();
    parsebin.connect_pad_added(move |_, pad| {
        let Some(pipeline) = pipeline_weak.upgrade() else {
            return;
        };
        let Ok(sink) = make_element("fakesink") else {
            return;
        };
        sink.set_property("sync", false);
        sink.set_property("async", false);
        if pipeline.add(&sink).is_err() {
            return;
        }
        let _ = sink.sync_state_with_parent();
        if let Some(sinkpad) = sink.static_pad("sink") {
            let _ = pad.link(&sinkpad);
        }
        let caps = pad.current_caps().or_else(|| Some(pad.query_caps(None)));
        let is_video = caps
            .as_ref()
            .and_then(|c| c.structure(0))
            .is_some_and(|s| is_video_caps(s.name()));
        let is_audio = caps
            .as_ref()
            .and_then(|c| c.structure(0))
            .is_some_and(|s| s.name().starts_with("audio/"));
        let Ok(mut s) = st.lock() else { return };
        if is_audio && s.audio_caps.is_none() {
            s.audio_caps = caps;
        } else if is_video && s.video.is_none() {
            let mpeg4 = caps
                .as_ref()
                .and_then(|c| c.structure(0))
                .is_some_and(is_mpeg4_part2);
            s.video = Some(VideoStream {
                pad_name: pad.name().to_string(),
                caps,
                segment: None,
                pts: Vec::new(),
                keyframe_pts: Vec::new(),
                last_pts: None,
                orientation: Orientation::Identity,
                mpeg4: mpeg4.then(Default::default),
            });
            let st = Arc::clone(&st);
            pad.add_probe(
                gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
                move |pad, info| {
                    record(&st, pad, info);
                    gst::PadProbeReturn::Ok
                },
            );
        }
    });

    let bus = pipeline
        .bus()
        .ok_or_else(|| MediaError::pipeline("pipeline has no bus"))?;
    let result = (|| {
        if pipeline.set_state(gst::State::Playing).is_err() {
            // The reason is on the bus.
            if let Some(err) = bus_error(&bus, Duration::from_secs(2), &what) {
                return Err(err);
            }
            return Err(MediaError::Pipeline(format!("cannot start reading {what}")));
        }
        loop {
            if let Some(msg) = bus.timed_pop_filtered(
                gst::ClockTime::from_mseconds(100),
                &[gst::MessageType::Eos, gst::MessageType::Error],
            ) {
                match msg.view() {
                    gst::MessageView::Eos(_) => return Ok(()),
                    gst::MessageView::Error(err) => return Err(classify_error(err, &what)),
                    _ => {}
                }
            }
            let stalled = state
                .lock()
                .ok()
                .and_then(|s| s.last_progress)
                .is_some_and(|t| t.elapsed() > STALL_TIMEOUT);
            if stalled {
                return Err(MediaError::Timeout {
                    what: format!("reading {what}"),
                    secs: STALL_TIMEOUT.as_secs(),
                });
            }
        }
    })();
    let _ = pipeline.set_state(gst::State::Null);
    result?;

    let mut state = state
        .lock()
        .map_err(|_| MediaError::pipeline("probe state poisoned"))?;
    let container = container_caps.lock().ok().and_then(|mut c| c.take());
    let audio_codec = state
        .audio_caps
        .as_ref()
        .and_then(|c| c.structure(0))
        .map(audio_codec_name);
    let Some(video) = state.video.take() else {
        return Err(MediaError::NoVideo(what));
    };
    tracing::debug!(pad = video.pad_name, frames = video.pts.len(), "probed");
    if video.pts.is_empty() {
        return Err(MediaError::Corrupt {
            what,
            detail: "the video stream holds no frames".into(),
        });
    }
    let caps = video.caps.ok_or_else(|| MediaError::Corrupt {
        what: what.clone(),
        detail: "no video format".into(),
    })?;
    let structure = caps.structure(0).ok_or_else(|| MediaError::Corrupt {
        what: what.clone(),
        detail: "empty video format".into(),
    })?;
    let (width, height) = video.orientation.display_size(
        structure.get::<i32>("width").unwrap_or(0).max(0) as u32,
        structure.get::<i32>("height").unwrap_or(0).max(0) as u32,
    );
    let caps_rate = structure
        .get::<gst::Fraction>("framerate")
        .ok()
        .and_then(|f| {
            FrameRate::new(
                u32::try_from(f.numer()).ok()?,
                u32::try_from(f.denom()).ok()?,
            )
            .ok()
        });
    let container = container
        .as_ref()
        .and_then(|c| c.structure(0))
        .map(container_name)
        .unwrap_or_else(|| "unknown".into());
    // AVI with B-frames: the index flags keyframes in decode order; where each
    // is shown comes from the VOP types (see `mpeg4`), and pictures are counted.
    let (keyframe_pts, frame_order) = match &video.mpeg4 {
        Some(order) if container == "avi" && order.has_b_frames() => {
            let mut sorted = video.pts.clone();
            sorted.sort_unstable();
            let keys = order
                .keyframes()
                .iter()
                .filter_map(|&i| sorted.get(usize::try_from(i).ok()?).copied())
                .collect();
            (keys, FrameOrder::Counted)
        }
        _ => (video.keyframe_pts, FrameOrder::Timestamps),
    };
    let table = FrameTable::new(video.pts, keyframe_pts);
    // 1.5 ms: Matroska rounds to 1 ms, so CFR intervals jitter by up to 1 ms there.
    let vfr = table.is_variable(1_500_000);
    let rate = caps_rate
        .or_else(|| estimate_rate(&table))
        .unwrap_or(FrameRate::FPS_30);
    let duration_ns = table.end_ns();
    Ok(MediaInfo {
        duration_ns,
        table,
        rate,
        vfr,
        width,
        height,
        orientation: video.orientation,
        frame_order,
        video_codec: video_codec_name(structure),
        audio_codec,
        container,
    })
}

fn record(state: &Mutex<ProbeState>, pad: &gst::Pad, info: &gst::PadProbeInfo) {
    let Ok(mut s) = state.lock() else { return };
    s.last_progress = Some(Instant::now());
    let Some(video) = s.video.as_mut() else {
        return;
    };
    match &info.data {
        Some(gst::PadProbeData::Event(event)) => match event.view() {
            gst::EventView::Segment(seg) => {
                video.segment = seg.segment().downcast_ref::<gst::ClockTime>().cloned();
            }
            gst::EventView::Caps(caps) => {
                // A VOL in the codec data tells the VOP headers' layout.
                if let Some(order) = video.mpeg4.as_mut()
                    && let Some(data) = caps
                        .caps()
                        .structure(0)
                        .and_then(|s| s.get::<gst::Buffer>("codec_data").ok())
                    && let Ok(map) = data.map_readable()
                {
                    order.push(&map);
                }
                video.caps = Some(caps.caps_owned());
            }
            gst::EventView::Tag(tag) => {
                let tags = tag.tag();
                if let Some(value) = tags.get::<gst::tags::ImageOrientation>()
                    && let Some(o) = Orientation::from_tag(value.get())
                {
                    video.orientation = o;
                }
            }
            _ => {}
        },
        Some(gst::PadProbeData::Buffer(buffer)) => {
            let raw = buffer.pts().or(buffer.dts());
            let pts = match raw {
                Some(t) => super::frame_table::stream_ns(video.segment.as_ref(), t),
                // No timestamp at all: continue from the previous one.
                None => video
                    .last_pts
                    .map(|p| p + buffer.duration().map_or(0, |d| d.nseconds() as i64)),
            };
            let Some(pts) = pts else { return };
            if let Some(order) = video.mpeg4.as_mut()
                && let Ok(map) = buffer.map_readable()
            {
                order.push(&map);
            }
            video.last_pts = Some(pts);
            video.pts.push(pts);
            if !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT) {
                video.keyframe_pts.push(pts);
            }
        }
        _ => {}
    }
    let _ = pad;
}

/// MPEG-4 part 2 video, under any of its caps names.
fn is_mpeg4_part2(s: &gst::StructureRef) -> bool {
    match s.name().as_str() {
        "video/x-divx" | "video/x-xvid" => true,
        "video/mpeg" => s.get::<i32>("mpegversion").ok() == Some(4),
        _ => false,
    }
}

fn is_video_caps(name: &str) -> bool {
    name.starts_with("video/") || name == "image/jpeg"
}

fn video_codec_name(s: &gst::StructureRef) -> String {
    match s.name().as_str() {
        "video/x-h264" => "h264".into(),
        "video/x-h265" => "h265".into(),
        "video/x-vp8" => "vp8".into(),
        "video/x-vp9" => "vp9".into(),
        "video/x-av1" => "av1".into(),
        "image/jpeg" => "mjpeg".into(),
        "video/x-theora" => "theora".into(),
        "video/x-raw" => "raw".into(),
        "video/x-divx" | "video/x-xvid" => "mpeg4".into(),
        "video/mpeg" => match s.get::<i32>("mpegversion").unwrap_or(0) {
            4 => "mpeg4".into(),
            v => format!("mpeg{v}"),
        },
        other => other
            .trim_start_matches("video/x-")
            .trim_start_matches("video/")
            .to_owned(),
    }
}

fn audio_codec_name(s: &gst::StructureRef) -> String {
    match s.name().as_str() {
        "audio/mpeg" => match (
            s.get::<i32>("mpegversion").unwrap_or(1),
            s.get::<i32>("layer").unwrap_or(3),
        ) {
            (2 | 4, _) => "aac".into(),
            (_, 3) => "mp3".into(),
            (_, layer) => format!("mp{layer}"),
        },
        "audio/x-opus" => "opus".into(),
        "audio/x-vorbis" => "vorbis".into(),
        "audio/x-raw" => "pcm".into(),
        "audio/x-flac" => "flac".into(),
        "audio/x-ac3" => "ac3".into(),
        "audio/x-alaw" => "alaw".into(),
        "audio/x-mulaw" => "mulaw".into(),
        other => other
            .trim_start_matches("audio/x-")
            .trim_start_matches("audio/")
            .to_owned(),
    }
}

fn container_name(s: &gst::StructureRef) -> String {
    match s.name().as_str() {
        "video/quicktime" => match s.get::<&str>("variant").unwrap_or("iso") {
            "apple" => "mov".into(),
            _ => "mp4".into(),
        },
        "video/x-matroska" => "mkv".into(),
        "video/webm" => "webm".into(),
        "video/x-msvideo" => "avi".into(),
        "video/mpegts" => "mpegts".into(),
        "video/mpeg" => "mpeg-ps".into(),
        "video/x-flv" => "flv".into(),
        "application/ogg" => "ogg".into(),
        other => other
            .rsplit('/')
            .next()
            .unwrap_or(other)
            .trim_start_matches("x-")
            .to_owned(),
    }
}

/// A frame rate from the average interval, snapped to a standard rate when close.
fn estimate_rate(table: &FrameTable) -> Option<FrameRate> {
    let n = table.len();
    if n < 2 {
        return None;
    }
    let span = table.pts(n - 1)? - table.pts(0)?;
    if span <= 0 {
        return None;
    }
    let mean = span as f64 / (n - 1) as f64;
    const STANDARD: [(u32, u32); 16] = [
        (24000, 1001),
        (24, 1),
        (25, 1),
        (30000, 1001),
        (30, 1),
        (48, 1),
        (50, 1),
        (60000, 1001),
        (60, 1),
        (100, 1),
        (120, 1),
        (15, 1),
        (25, 2),
        (10, 1),
        (5, 1),
        (1, 1),
    ];
    let best = STANDARD
        .iter()
        .map(|&(num, den)| {
            (
                num,
                den,
                (1e9 * f64::from(den) / f64::from(num) - mean).abs(),
            )
        })
        .min_by(|a, b| a.2.total_cmp(&b.2))?;
    if best.2 <= mean * 0.002 {
        return FrameRate::new(best.0, best.1).ok();
    }
    let milli_fps = (1e12 / mean).round();
    FrameRate::new(milli_fps as u32, 1000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_standard_rates() {
        let t = FrameTable::constant(300, FrameRate::new(30000, 1001).unwrap(), 30);
        assert_eq!(estimate_rate(&t), FrameRate::new(30000, 1001).ok());
        let ms: Vec<i64> = (0..300).map(|i| (i * 1000 / 25) * 1_000_000).collect();
        assert_eq!(
            estimate_rate(&FrameTable::new(ms, vec![0])),
            FrameRate::new(25, 1).ok()
        );
        // 7.5 fps is not standard: kept as a millirate.
        let t = FrameTable::constant(10, FrameRate::new(15, 2).unwrap(), 30);
        assert_eq!(estimate_rate(&t), FrameRate::new(7500, 1000).ok());
    }
}
