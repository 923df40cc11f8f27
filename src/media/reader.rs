//! Decoding an exact frame range of a recording, in order (export, composites),
//! and its sound (export; the whole sound as mono samples to match camera views by).
//!
//! ```text
//! {source} -> parsebin -(video)-> decodebin -> videoconvert -> I420 [-> videoflip] -> [appsink sync=false, never drops]
//! {source} -> parsebin -(audio)-> decodebin -> audioconvert -> audioresample -> F32 interleaved -> [appsink]
//! ```
//!
//! The video pipeline seeks to the keyframe at or before the first frame
//! and decodes forward; each picture is matched to its frame by PTS in the
//! recording's frame table, so the first and last frames are exactly the
//! ones asked for. A picture stamped with the same frame as the one before
//! it replaces it (Matroska rounds timestamps to 1 ms, so the picture before
//! a keyframe can come out clipped to the keyframe's PTS; the later one is
//! the real one, as in the player).

use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use crate::media::planar::PlanarFrame;
use crate::media::player::pipelines::{self, Kind};
use crate::media::{
    FrameOrder, MediaError, MediaInfo, MediaSource, Orientation, classify_error, make_element,
};

const OPEN_TIMEOUT: Duration = Duration::from_secs(20);
const PULL_TIMEOUT: Duration = Duration::from_secs(30);

/// A tail bin: `elements` linked in a row, with a ghost sink pad.
fn tail_bin(elements: &[gst::Element]) -> Result<gst::Element, MediaError> {
    let bin = gst::Bin::new();
    bin.add_many(elements).map_err(MediaError::pipeline)?;
    gst::Element::link_many(elements).map_err(MediaError::pipeline)?;
    let first = elements
        .first()
        .and_then(|e| e.static_pad("sink"))
        .ok_or_else(|| MediaError::pipeline("tail has no sink pad"))?;
    let ghost = gst::GhostPad::builder_with_target(&first)
        .map_err(MediaError::pipeline)?
        .name("sink")
        .build();
    bin.add_pad(&ghost).map_err(MediaError::pipeline)?;
    Ok(bin.upcast())
}

/// Waits for a sample, turning bus errors and stalls into messages.
fn pull(
    appsink: &gst_app::AppSink,
    bus: &gst::Bus,
    what: &str,
) -> Result<Option<gst::Sample>, MediaError> {
    let started = std::time::Instant::now();
    loop {
        if let Some(sample) = appsink.try_pull_sample(gst::ClockTime::from_mseconds(100)) {
            return Ok(Some(sample));
        }
        if appsink.is_eos() {
            return Ok(None);
        }
        if let Some(msg) = bus.pop_filtered(&[gst::MessageType::Error])
            && let gst::MessageView::Error(err) = msg.view()
        {
            return Err(classify_error(err, what));
        }
        if started.elapsed() > PULL_TIMEOUT {
            return Err(MediaError::Timeout {
                what: format!("decoding {what}"),
                secs: PULL_TIMEOUT.as_secs(),
            });
        }
    }
}

pub use crate::media::decoded::DecodedFrame;

/// Decodes frames `from..=to` of a recording as I420 pictures.
pub struct VideoRange {
    pipeline: gst::Pipeline,
    appsink: gst_app::AppSink,
    bus: gst::Bus,
    info: MediaInfo,
    what: String,
    from: u64,
    to: u64,
    pending: Option<(u64, DecodedFrame)>,
    next_out: u64,
    /// `FrameOrder::Counted`: the frame the next picture is.
    counter: Option<u64>,
    caps: crate::media::decoded::CapsCache,
}

impl VideoRange {
    /// Opens `source` and positions it before frame `from`.
    pub fn open(
        source: &MediaSource,
        info: &MediaInfo,
        from: u64,
        to: u64,
    ) -> Result<Self, MediaError> {
        let frames = info.table.len();
        for index in [from, to] {
            if index >= frames {
                return Err(MediaError::FrameOutOfRange { index, frames });
            }
        }
        if from > to {
            return Err(MediaError::InvalidArgument(format!(
                "the first frame ({from}) is after the last ({to}): give --from-frame ≤ --to-frame"
            )));
        }
        let convert = make_element("videoconvert")?;
        let caps = make_element("capsfilter")?;
        caps.set_property(
            "caps",
            gst::Caps::builder("video/x-raw")
                .field("format", "I420")
                .build(),
        );
        let appsink = gst_app::AppSink::builder()
            .sync(false)
            .max_buffers(4)
            .drop(false)
            .enable_last_sample(false)
            .build();
        let mut chain = vec![convert, caps];
        if info.orientation != Orientation::Identity {
            // Turned as shown, so faces are found upright and regions drawn where the reviewer saw them.
            let flip = make_element("videoflip")?;
            flip.set_property_from_str("method", info.orientation.videoflip_method());
            chain.push(flip);
        }
        chain.push(appsink.clone().upcast());
        let tail = tail_bin(&chain)?;
        let pipeline = pipelines::branch_pipeline(source, Kind::Video, tail)?;
        let bus = pipeline
            .bus()
            .ok_or_else(|| MediaError::pipeline("pipeline has no bus"))?;
        let what = source.describe();
        pipelines::start(&pipeline, &bus, gst::State::Playing, OPEN_TIMEOUT, &what)?;
        let key = info.table.keyframe_at_or_before(from);
        let key_pts = info.table.pts(key).unwrap_or(0);
        let counted = info.frame_order == FrameOrder::Counted;
        if counted {
            pipelines::seek_to_keyframe(&pipeline, key_pts)?;
        } else {
            pipelines::seek(&pipeline, key_pts, 1.0)?;
        }
        Ok(Self {
            pipeline,
            appsink,
            bus,
            info: info.clone(),
            what,
            from,
            to,
            pending: None,
            next_out: from,
            // Counted pictures start at the keyframe the seek went to.
            counter: counted.then_some(key),
            caps: None,
        })
    }

    /// The next frame of the range and its index, copied into a [`PlanarFrame`];
    /// `None` after `to`.
    pub fn next_frame(&mut self) -> Result<Option<(u64, PlanarFrame)>, MediaError> {
        match self.next_decoded()? {
            Some((index, frame)) => Ok(Some((index, frame.to_planar()?))),
            None => Ok(None),
        }
    }

    /// The next frame of the range and its index as the decoder left it (no
    /// copy: frames before `from` are dropped unread); `None` after `to`.
    pub fn next_decoded(&mut self) -> Result<Option<(u64, DecodedFrame)>, MediaError> {
        if self.next_out > self.to {
            return Ok(None);
        }
        loop {
            let decoded = match pull(&self.appsink, &self.bus, &self.what)? {
                Some(sample) => Some(self.frame_of(&sample)?),
                None => None,
            };
            let out = match (decoded, self.pending.take()) {
                // Counted pictures come in order, numbered by the count: no stand-in to hold.
                (decoded, _) if self.counter.is_some() => decoded.map(|(_, frame)| {
                    let next = self.counter.get_or_insert(0);
                    *next += 1;
                    (*next - 1, frame)
                }),
                (None, pending) => pending,
                (Some((index, frame)), None) => {
                    self.pending = Some((index, frame));
                    continue;
                }
                (Some((index, frame)), Some((p_index, p_frame))) => {
                    self.pending = Some((index, frame));
                    if index <= p_index {
                        continue; // the later picture is the real one
                    }
                    Some((p_index, p_frame))
                }
            };
            let Some((index, frame)) = out else {
                return Err(MediaError::Corrupt {
                    what: self.what.clone(),
                    detail: format!("the recording ended before frame {}", self.next_out),
                });
            };
            if index < self.from {
                continue;
            }
            if index != self.next_out {
                return Err(MediaError::Corrupt {
                    what: self.what.clone(),
                    detail: format!("frame {} could not be decoded", self.next_out),
                });
            }
            self.next_out += 1;
            return Ok(Some((index, frame)));
        }
    }

    fn frame_of(&mut self, sample: &gst::Sample) -> Result<(u64, DecodedFrame), MediaError> {
        let frame = DecodedFrame::from_sample(sample, &mut self.caps)?;
        let pts = frame.pts_ns;
        let index = self
            .info
            .table
            .index_of(pts)
            .or_else(|| self.info.table.nearest(pts))
            .unwrap_or(0);
        if frame.info.format() != gst_video::VideoFormat::I420 {
            return Err(MediaError::pipeline(format!(
                "decoded frames are {:?}, not I420",
                frame.info.format()
            )));
        }
        Ok((index, frame))
    }
}

impl Drop for VideoRange {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Decoded audio of a time range, as interleaved 32-bit float samples.
pub struct AudioRange {
    pipeline: gst::Pipeline,
    appsink: gst_app::AppSink,
    bus: gst::Bus,
    what: String,
    start_ns: i64,
    end_ns: i64,
    done: bool,
}

/// One piece of audio, timestamped from the start of the clip.
pub struct AudioChunk {
    /// Interleaved F32LE samples.
    pub bytes: Vec<u8>,
    /// Start, ns from the clip's first frame.
    pub pts_ns: i64,
    /// Length in ns.
    pub duration_ns: i64,
    /// Caps of the samples.
    pub caps: gst::Caps,
}

impl AudioRange {
    /// Opens the audio of `source` between `start_ns` and `end_ns` (stream
    /// time), in its own rate and channels.
    pub fn open(source: &MediaSource, start_ns: i64, end_ns: i64) -> Result<Self, MediaError> {
        Self::open_as(source, start_ns, end_ns, None)
    }

    /// [`AudioRange::open`], mixed down to one channel at `mono_rate` Hz when given.
    pub fn open_as(
        source: &MediaSource,
        start_ns: i64,
        end_ns: i64,
        mono_rate: Option<u32>,
    ) -> Result<Self, MediaError> {
        let convert = make_element("audioconvert")?;
        let resample = make_element("audioresample")?;
        let caps = make_element("capsfilter")?;
        let mut format = gst::Caps::builder("audio/x-raw")
            .field("format", "F32LE")
            .field("layout", "interleaved");
        if let Some(rate) = mono_rate {
            format = format.field("rate", rate as i32).field("channels", 1i32);
        }
        caps.set_property("caps", format.build());
        let appsink = gst_app::AppSink::builder()
            .sync(false)
            .max_buffers(16)
            .drop(false)
            .enable_last_sample(false)
            .build();
        let tail = tail_bin(&[convert, resample, caps, appsink.clone().upcast()])?;
        let pipeline = pipelines::branch_pipeline(source, Kind::Audio, tail)?;
        let bus = pipeline
            .bus()
            .ok_or_else(|| MediaError::pipeline("pipeline has no bus"))?;
        let what = source.describe();
        pipelines::start(&pipeline, &bus, gst::State::Playing, OPEN_TIMEOUT, &what)?;
        pipelines::seek(&pipeline, start_ns, 1.0)?;
        Ok(Self {
            pipeline,
            appsink,
            bus,
            what,
            start_ns,
            end_ns,
            done: false,
        })
    }

    /// The next chunk inside the range, trimmed to it; `None` at its end.
    pub fn next_chunk(&mut self) -> Result<Option<AudioChunk>, MediaError> {
        while !self.done {
            let Some(sample) = pull(&self.appsink, &self.bus, &self.what)? else {
                self.done = true;
                break;
            };
            let (Some(buffer), Some(caps)) = (sample.buffer(), sample.caps()) else {
                continue;
            };
            let s = caps
                .structure(0)
                .ok_or_else(|| MediaError::pipeline("audio without caps"))?;
            let rate = s.get::<i32>("rate").map_err(MediaError::pipeline)? as i64;
            let channels = s.get::<i32>("channels").map_err(MediaError::pipeline)? as usize;
            let Some(pts) = buffer.pts() else { continue };
            let pts = crate::media::frame_table::sample_stream_ns(&sample, pts);
            let map = buffer.map_readable().map_err(MediaError::pipeline)?;
            let frame_bytes = 4 * channels.max(1);
            let samples = map.len() / frame_bytes;
            let ns = |n: i64| n * 1_000_000_000 / rate.max(1);
            // Trim the samples before the start and after the end.
            let skip = if pts < self.start_ns {
                ((self.start_ns - pts) * rate / 1_000_000_000) as usize
            } else {
                0
            };
            let keep_end = if pts + ns(samples as i64) > self.end_ns {
                (((self.end_ns - pts).max(0) * rate / 1_000_000_000) as usize).min(samples)
            } else {
                samples
            };
            if pts >= self.end_ns {
                self.done = true;
                break;
            }
            if skip >= keep_end {
                continue;
            }
            let bytes = map[skip * frame_bytes..keep_end * frame_bytes].to_vec();
            let start = pts + ns(skip as i64);
            return Ok(Some(AudioChunk {
                pts_ns: start - self.start_ns,
                duration_ns: ns((keep_end - skip) as i64),
                bytes,
                caps: caps.to_owned(),
            }));
        }
        Ok(None)
    }
}

/// The whole sound of `source` as mono samples at `rate` Hz, sample `i` at
/// stream time `i / rate` (gaps filled with silence), for matching camera
/// views by sound. `progress(done_ns, total_ns)` returning false stops it
/// with [`MediaError::Cancelled`].
pub fn mono_samples(
    source: &MediaSource,
    duration_ns: i64,
    rate: u32,
    progress: &mut dyn FnMut(i64, i64) -> bool,
) -> Result<Vec<f32>, MediaError> {
    super::init()?;
    // Audio may run on past the last frame: read to twice the video's length.
    let end_ns = duration_ns.saturating_mul(2).max(1);
    let mut range = AudioRange::open_as(source, 0, end_ns, Some(rate))?;
    let rate = i64::from(rate);
    let mut samples: Vec<f32> = Vec::with_capacity((duration_ns * rate / 1_000_000_000) as usize);
    while let Some(chunk) = range.next_chunk()? {
        if !progress(chunk.pts_ns.min(duration_ns), duration_ns) {
            return Err(MediaError::Cancelled);
        }
        let at = (chunk.pts_ns.max(0) as i128 * rate as i128 / 1_000_000_000) as usize;
        let values = chunk
            .bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        if at > samples.len() {
            samples.resize(at, 0.0);
        }
        // A chunk that overlaps the previous one by rounding overwrites its tail.
        samples.truncate(at);
        samples.extend(values);
    }
    Ok(samples)
}

impl Drop for AudioRange {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
