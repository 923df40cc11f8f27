//! The output pipeline: redacted frames and (optionally) audio in, one clean file out.
//!
//! ```text
//! [appsrc video I420] -> queue -> x264enc | vp9enc -> (h264parse) -> queue ─┐
//! [appsrc audio F32] -> audioconvert -> (pitch -> audiocheblimit) ->        ├─> mp4mux | webmmux -> filesink <out>.partial
//!                       audioconvert -> audioresample -> aac | opus -> queue ┘
//! ```
//!
//! Nothing from the source reaches this pipeline but decoded pixels and
//! samples in fresh buffers (no source tags, XMP, user data, SEI or caption
//! metas): a picture with something to cover is copied and drawn on; one
//! with nothing to cover shares the decoder's memory and plane layout only. As a second line of defence the muxer keeps no tags
//! (merge mode KeepAll) and every tag event reaching a muxer pad is replaced
//! by an empty one (dropping it instead trips GStreamer assertions). No
//! faststart and no moov recovery file: nothing but the output is written.

use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use super::{AudioMode, ClipFormat};
use crate::media::decoded::DecodedFrame;
use crate::media::planar::PlanarFrame;
use crate::media::{MediaError, make_element, pending_write_error as bus_error};
use crate::time::FrameRate;

/// What the encoder is asked to make.
pub struct EncoderSpec<'a> {
    /// Where (the `.partial` name).
    pub path: &'a Path,
    /// Container and codec.
    pub format: ClipFormat,
    /// Picture size.
    pub width: u32,
    /// Picture size.
    pub height: u32,
    /// Nominal rate (0/1 for variable).
    pub rate: Option<FrameRate>,
    /// Quality: x264's CRF scale (lower is better; 18–28 sensible).
    pub crf: u32,
    /// x264 speed preset.
    pub preset: &'a str,
    /// Audio handling, and the caps of the audio pushed (when any).
    pub audio: Option<(AudioMode, gst::Caps)>,
}

/// The running output pipeline.
pub struct Encoder {
    pipeline: gst::Pipeline,
    video: gst_app::AppSrc,
    audio: Option<gst_app::AppSrc>,
    bus: gst::Bus,
    what: String,
}

/// Replaces every tag event on `pad` with an empty one of the same scope.
fn scrub_tags(pad: &gst::Pad) {
    pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, |_, info| {
        if let Some(gst::PadProbeData::Event(event)) = &info.data
            && let gst::EventView::Tag(tag) = event.view()
        {
            let mut empty = gst::TagList::new();
            if let Some(list) = empty.get_mut() {
                list.set_scope(tag.tag().scope());
            }
            info.data = Some(gst::PadProbeData::Event(gst::event::Tag::new(empty)));
        }
        gst::PadProbeReturn::Ok
    });
}

fn muxer(format: ClipFormat) -> Result<gst::Element, MediaError> {
    let mux = match format {
        ClipFormat::Mp4 => {
            let mux = make_element("mp4mux")?;
            // A faststart temp file would be a second copy on disk.
            mux.set_property("faststart", false);
            mux
        }
        ClipFormat::Webm => {
            let mux = make_element("webmmux")?;
            mux.set_property("writing-app", "Debrief");
            if let Ok(now) = gst::glib::DateTime::now_utc() {
                mux.set_property("creation-time", now);
            }
            mux
        }
    };
    if let Some(setter) = mux.dynamic_cast_ref::<gst::TagSetter>() {
        setter.set_tag_merge_mode(gst::TagMergeMode::KeepAll);
        setter.reset_tags();
    }
    for pad in mux.sink_pads() {
        scrub_tags(&pad);
    }
    mux.connect_pad_added(|_, pad| {
        if pad.direction() == gst::PadDirection::Sink {
            scrub_tags(pad);
        }
    });
    Ok(mux)
}

/// Frames between keyframes: two seconds, so stepping back a frame in the
/// presenter decodes at most two seconds of video (encoders default to ten).
fn keyframe_interval(rate: Option<FrameRate>) -> u32 {
    rate.map_or(60, |r| (2.0 * r.as_f64()).round().clamp(1.0, 600.0) as u32)
}

fn video_encoder(spec: &EncoderSpec) -> Result<Vec<gst::Element>, MediaError> {
    let gop = keyframe_interval(spec.rate);
    Ok(match spec.format {
        ClipFormat::Mp4 => {
            let enc = make_element("x264enc")?;
            enc.set_property_from_str("pass", "qual");
            enc.set_property("quantizer", spec.crf.clamp(0, 51));
            enc.set_property_from_str("speed-preset", spec.preset);
            enc.set_property("threads", 0u32);
            // In quality mode x264enc turns its `bitrate` (2048 kbit/s unless set) into a
            // VBV cap, which starves CRF 20 at 720p and up; no buffer means no cap, as in
            // ffmpeg's -crf.
            enc.set_property("vbv-buf-capacity", 0u32);
            enc.set_property("key-int-max", gop);
            let parse = make_element("h264parse")?;
            vec![enc, parse]
        }
        ClipFormat::Webm => {
            let enc = make_element("vp9enc")?;
            enc.set_property_from_str("end-usage", "cq");
            // x264's CRF scale (0–51) onto libvpx's (0–63).
            enc.set_property("cq-level", (spec.crf.clamp(0, 51) * 63 / 51) as i32);
            enc.set_property("deadline", 1i64);
            enc.set_property("cpu-used", 5i32);
            enc.set_property("row-mt", true);
            enc.set_property("keyframe-max-dist", gop as i32);
            let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as i32;
            enc.set_property("threads", threads);
            vec![enc]
        }
    })
}

fn unbounded_queue() -> Result<gst::Element, MediaError> {
    // The video encoder holds frames back (lookahead); audio pushed meanwhile
    // must not block, or pushing in timestamp order would deadlock.
    let q = make_element("queue")?;
    q.set_property("max-size-buffers", 0u32);
    q.set_property("max-size-bytes", 0u32);
    q.set_property("max-size-time", 0u64);
    Ok(q)
}

fn audio_chain(mode: AudioMode, format: ClipFormat) -> Result<Vec<gst::Element>, MediaError> {
    let mut chain = vec![make_element("audioconvert")?];
    if let AudioMode::Disguise { pitch } = mode {
        let shift = make_element("pitch")?;
        shift.set_property("pitch", pitch);
        let band = make_element("audiocheblimit")?;
        band.set_property_from_str("mode", "low-pass");
        band.set_property("cutoff", super::DISGUISE_CUTOFF_HZ);
        band.set_property("poles", 8i32);
        chain.extend([shift, band, make_element("audioconvert")?]);
    }
    chain.push(make_element("audioresample")?);
    chain.push(match format {
        ClipFormat::Mp4 => make_element("avenc_aac")?,
        ClipFormat::Webm => make_element("opusenc")?,
    });
    chain.push(unbounded_queue()?);
    Ok(chain)
}

impl Encoder {
    /// Builds and starts the output pipeline.
    pub fn start(spec: &EncoderSpec) -> Result<Self, MediaError> {
        let pipeline = gst::Pipeline::new();
        let video = crate::media::i420_appsrc(spec.width, spec.height, spec.rate);
        let mux = muxer(spec.format)?;
        let sink = make_element("filesink")?;
        sink.set_property("location", spec.path.to_string_lossy().as_ref());
        let mut vchain: Vec<gst::Element> = vec![video.clone().upcast(), make_element("queue")?];
        vchain.extend(video_encoder(spec)?);
        vchain.push(unbounded_queue()?);
        pipeline.add_many(&vchain).map_err(MediaError::pipeline)?;
        pipeline
            .add_many([&mux, &sink])
            .map_err(MediaError::pipeline)?;
        gst::Element::link_many(&vchain).map_err(MediaError::pipeline)?;
        if let Some(last) = vchain.last() {
            last.link(&mux).map_err(|e| {
                MediaError::Pipeline(format!("cannot link the video encoder into the muxer: {e}"))
            })?;
        }
        mux.link(&sink).map_err(MediaError::pipeline)?;
        let audio = match &spec.audio {
            None => None,
            Some((mode, acaps)) => {
                let src = gst_app::AppSrc::builder()
                    .caps(acaps)
                    .format(gst::Format::Time)
                    .block(true)
                    .build();
                let mut chain: Vec<gst::Element> = vec![src.clone().upcast()];
                chain.extend(audio_chain(*mode, spec.format)?);
                pipeline.add_many(&chain).map_err(MediaError::pipeline)?;
                gst::Element::link_many(&chain).map_err(MediaError::pipeline)?;
                if let Some(last) = chain.last() {
                    last.link(&mux).map_err(|e| {
                        MediaError::Pipeline(format!("cannot link the audio into the muxer: {e}"))
                    })?;
                }
                Some(src)
            }
        };
        let bus = pipeline
            .bus()
            .ok_or_else(|| MediaError::pipeline("pipeline has no bus"))?;
        let what = spec.path.display().to_string();
        if pipeline.set_state(gst::State::Playing).is_err() {
            let err = bus_error(&bus, &what)
                .unwrap_or_else(|| MediaError::pipeline("cannot start the encoder"));
            let _ = pipeline.set_state(gst::State::Null);
            return Err(err);
        }
        Ok(Self {
            pipeline,
            video,
            audio,
            bus,
            what,
        })
    }

    /// Pushes one picture, stamped `pts_ns` for `duration_ns` from the clip's start.
    pub fn push_video(
        &self,
        frame: PlanarFrame,
        pts_ns: i64,
        duration_ns: i64,
    ) -> Result<(), MediaError> {
        let mut buffer = gst::Buffer::from_mut_slice(frame.data);
        if let Some(b) = buffer.get_mut() {
            b.set_pts(gst::ClockTime::from_nseconds(pts_ns.max(0) as u64));
            b.set_duration(gst::ClockTime::from_nseconds(duration_ns.max(1) as u64));
        }
        self.video.push_buffer(buffer).map_err(|_| self.failure())?;
        self.check()
    }

    /// Pushes a decoded picture on untouched, without copying its pixels.
    ///
    /// The new buffer shares only the decoder's memory and its plane layout
    /// (video meta): whatever else the decoder attached — closed captions or
    /// time codes from the camera's SEI, any other meta — stays behind, so
    /// none of it can reach the encoder and be written back out.
    pub fn push_decoded(
        &self,
        frame: DecodedFrame,
        pts_ns: i64,
        duration_ns: i64,
    ) -> Result<(), MediaError> {
        let mut buffer = gst::Buffer::new();
        {
            let b = buffer
                .get_mut()
                .ok_or_else(|| MediaError::pipeline("a new buffer is not writable"))?;
            for memory in frame.buffer.iter_memories() {
                b.append_memory(memory.to_owned());
            }
            if let Some(meta) = frame.buffer.meta::<gst_video::VideoMeta>() {
                gst_video::VideoMeta::add_full(
                    b,
                    gst_video::VideoFrameFlags::empty(),
                    meta.format(),
                    meta.width(),
                    meta.height(),
                    meta.offset(),
                    meta.stride(),
                )
                .map_err(MediaError::pipeline)?;
            }
            b.set_pts(gst::ClockTime::from_nseconds(pts_ns.max(0) as u64));
            b.set_duration(gst::ClockTime::from_nseconds(duration_ns.max(1) as u64));
        }
        drop(frame);
        self.video.push_buffer(buffer).map_err(|_| self.failure())?;
        self.check()
    }

    /// Pushes interleaved F32 samples stamped `pts_ns` for `duration_ns`.
    pub fn push_audio(
        &self,
        bytes: Vec<u8>,
        pts_ns: i64,
        duration_ns: i64,
    ) -> Result<(), MediaError> {
        let Some(audio) = &self.audio else {
            return Ok(());
        };
        let mut buffer = gst::Buffer::from_mut_slice(bytes);
        if let Some(b) = buffer.get_mut() {
            b.set_pts(gst::ClockTime::from_nseconds(pts_ns.max(0) as u64));
            b.set_duration(gst::ClockTime::from_nseconds(duration_ns.max(0) as u64));
        }
        audio.push_buffer(buffer).map_err(|_| self.failure())?;
        self.check()
    }

    fn check(&self) -> Result<(), MediaError> {
        match bus_error(&self.bus, &self.what) {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    fn failure(&self) -> MediaError {
        bus_error(&self.bus, &self.what)
            .unwrap_or_else(|| MediaError::pipeline("the encoder stopped taking frames"))
    }

    /// Ends the streams and waits until the file is complete.
    pub fn finish(self) -> Result<(), MediaError> {
        let _ = self.video.end_of_stream();
        if let Some(audio) = &self.audio {
            let _ = audio.end_of_stream();
        }
        let result = crate::media::wait_written(&self.bus, &self.what, "finishing the clip");
        let _ = self.pipeline.set_state(gst::State::Null);
        result
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
