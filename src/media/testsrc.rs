//! Synthetic test media: every frame carries its own index.
//!
//! ```text
//! (frames drawn here, I420) -> [appsrc] -> [queue] -> [encoder] -> [queue] -> [muxer] -> [filesink]
//! [audiotestsrc 440 Hz] -> [audioconvert] -> [audio encoder] -> [queue] ----------^
//! ```
//!
//! Frames are drawn in Rust (a moving gradient, a bouncing square, the frame
//! number in seven-segment digits, and the machine-readable [`frame_code`]
//! strip), so the output is deterministic and needs no downloaded fixture.
//! Options cover what the engine must survive: long GOPs, B-frames, variable
//! frame rate, audio, index at the end or at the start of an MP4.

use std::path::Path;
use std::str::FromStr;

use gstreamer as gst;
use gstreamer::prelude::*;

pub mod faces;
pub mod tags;

use super::{MediaError, frame_code, make_element};
use crate::time::FrameRate;

/// Video codecs `testsrc` can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoCodec {
    /// H.264 (x264).
    H264,
    /// H.265 (x265).
    H265,
    /// VP8 (libvpx).
    Vp8,
    /// VP9 (libvpx).
    Vp9,
    /// Motion JPEG.
    Mjpeg,
    /// MPEG-4 part 2 (libav).
    Mpeg4,
}

impl FromStr for VideoCodec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "h264" | "avc" => Self::H264,
            "h265" | "hevc" => Self::H265,
            "vp8" => Self::Vp8,
            "vp9" => Self::Vp9,
            "mjpeg" | "jpeg" => Self::Mjpeg,
            "mpeg4" => Self::Mpeg4,
            other => {
                return Err(format!(
                    "unknown codec '{other}': use h264, h265, vp8, vp9, mjpeg or mpeg4"
                ));
            }
        })
    }
}

/// Containers, chosen by the output's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// ISO MP4 (`.mp4`).
    Mp4,
    /// QuickTime (`.mov`).
    Mov,
    /// Matroska (`.mkv`).
    Mkv,
    /// WebM (`.webm`).
    Webm,
    /// AVI (`.avi`).
    Avi,
}

impl Container {
    /// The container for a file name's extension.
    pub fn from_path(path: &Path) -> Result<Self, MediaError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        Ok(match ext.as_str() {
            "mp4" | "m4v" => Self::Mp4,
            "mov" => Self::Mov,
            "mkv" => Self::Mkv,
            "webm" => Self::Webm,
            "avi" => Self::Avi,
            _ => {
                return Err(MediaError::InvalidArgument(format!(
                    "cannot tell the container from '{}': end the file name in .mp4, .mov, .mkv, .webm or .avi",
                    path.display()
                )));
            }
        })
    }
}

/// What `testsrc` writes.
#[derive(Clone, Debug)]
pub struct TestSrcSpec {
    /// Number of video frames.
    pub frames: u64,
    /// Nominal frame rate.
    pub rate: FrameRate,
    /// Picture width (even).
    pub width: u32,
    /// Picture height (even).
    pub height: u32,
    /// Video codec.
    pub codec: VideoCodec,
    /// Maximum distance between keyframes, in frames.
    pub gop: u32,
    /// Use B-frames (presentation order differs from decode order).
    pub bframes: bool,
    /// Vary frame durations (0.5× to 1.5× the nominal interval).
    pub vfr: bool,
    /// Add a 440 Hz tone.
    pub audio: bool,
    /// MP4/MOV only: index (moov) at the start instead of the end.
    pub faststart: bool,
    /// Real faces pasted into every frame, moving (see [`faces`]).
    pub faces: u32,
    /// Plant sentinel metadata (see [`tags`]).
    pub plant_tags: bool,
    /// With `audio`: instead of the tone, the sound of one scene (seeded noise
    /// in bursts, the same for every camera) as this camera heard it.
    pub scene_sound: Option<SceneCamera>,
}

/// A camera in a scene (multi-view tests): it started `start_ns` into the
/// scene and its clock runs `drift_ppm` fast, so at its own time `t` it hears
/// the scene at `t / (1 + ppm/10⁶) + start`. Two cameras of one scene have
/// the mapping `views::Mapping::starting_at(b.start − a.start, ≈ b.ppm − a.ppm)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SceneCamera {
    /// Where the camera's time 0 falls in the scene, in ns.
    pub start_ns: i64,
    /// How fast its clock runs, in parts per million.
    pub drift_ppm: f64,
}

impl SceneCamera {
    /// The scene's sound heard at this camera's time `t_ns`: noise held for
    /// 1/8000 s at a time (so it survives resampling and lossy coding), in
    /// bursts three times a second.
    pub fn sample(&self, t_ns: i64) -> f32 {
        let scene_s = t_ns as f64 / 1e9 / (1.0 + self.drift_ppm / 1e6) + self.start_ns as f64 / 1e9;
        if scene_s < 0.0 {
            return 0.0;
        }
        let n = (scene_s * 8000.0) as u64;
        let noise = (splitmix64(n ^ 0x5ce4e) >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        let burst = if (scene_s * 3.0).fract() < 0.4 {
            0.8
        } else {
            0.15
        };
        noise * burst
    }
}

impl Default for TestSrcSpec {
    fn default() -> Self {
        Self {
            frames: 90,
            rate: FrameRate::FPS_30,
            width: 320,
            height: 240,
            codec: VideoCodec::H264,
            gop: 60,
            bframes: false,
            vfr: false,
            audio: false,
            faststart: false,
            faces: 0,
            plant_tags: false,
            scene_sound: None,
        }
    }
}

impl TestSrcSpec {
    /// PTS of every frame this spec writes (ns from 0).
    pub fn frame_pts(&self) -> Vec<i64> {
        let mut pts = Vec::with_capacity(self.frames as usize);
        let mut t = 0i64;
        for i in 0..self.frames {
            pts.push(t);
            t += self.frame_duration(i, t);
        }
        pts
    }

    fn frame_duration(&self, index: u64, pts: i64) -> i64 {
        if self.vfr {
            // Deterministic jitter between 0.5× and 1.5× the nominal interval.
            let base = self.rate.frame_duration_ns();
            base * (50 + (splitmix64(index) % 101) as i64) / 100
        } else {
            self.rate.frame_to_ns(index + 1) - pts
        }
    }

    fn validate(&self, container: Container) -> Result<(), MediaError> {
        let bad = |m: String| Err(MediaError::InvalidArgument(m));
        if self.frames == 0 || self.frames > frame_code::MAX_INDEX {
            return bad(format!(
                "--frames must be between 1 and {}",
                frame_code::MAX_INDEX
            ));
        }
        if self.width < 64 || self.height < 64 || self.width > 7680 || self.height > 4320 {
            return bad("--size must be between 64x64 and 7680x4320".into());
        }
        if !self.width.is_multiple_of(2) || !self.height.is_multiple_of(2) {
            return bad("--size needs an even width and height (4:2:0 video)".into());
        }
        if self.gop == 0 {
            return bad("--gop must be at least 1".into());
        }
        if container == Container::Webm && !matches!(self.codec, VideoCodec::Vp8 | VideoCodec::Vp9)
        {
            return bad(
                "WebM holds only VP8 or VP9: use --codec vp9, or a .mkv/.mp4 file name".into(),
            );
        }
        if container == Container::Avi && self.bframes && self.codec != VideoCodec::Mpeg4 {
            return bad("AVI has no presentation timestamps: B-frames there are played only for MPEG-4 part 2 (--codec mpeg4, as DivX and Xvid write them); drop --bframes or use .mp4/.mkv".into());
        }
        if self.bframes
            && matches!(
                self.codec,
                VideoCodec::Mjpeg | VideoCodec::Vp8 | VideoCodec::Vp9
            )
        {
            return bad("--bframes needs --codec h264, h265 or mpeg4".into());
        }
        if self.vfr && container == Container::Avi {
            return bad("AVI is constant frame rate only: use .mkv or .mp4 with --vfr".into());
        }
        if self.faststart && !matches!(container, Container::Mp4 | Container::Mov) {
            return bad("--faststart applies to .mp4 and .mov only".into());
        }
        if self.plant_tags && self.faststart {
            return bad("--plant-tags needs the index at the end: drop --faststart".into());
        }
        if self.faces > 8 {
            return bad("--faces must be between 0 and 8".into());
        }
        Ok(())
    }
}

/// SplitMix64: a tiny deterministic PRNG step (also used by benchmarks for seeds).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Writes synthetic media to `out`; `progress` gets the number of frames pushed so far.
///
/// Writes to a temporary name beside `out` and renames at the end, so a failed
/// run never leaves a half-written file under the requested name.
pub fn write(
    out: &Path,
    spec: &TestSrcSpec,
    progress: &mut dyn FnMut(u64),
) -> Result<(), MediaError> {
    super::init()?;
    let container = Container::from_path(out)?;
    spec.validate(container)?;
    let io = |cause| MediaError::Io {
        what: format!("writing {}", out.display()),
        cause,
    };
    let file = crate::files::AtomicFile::create(out, false).map_err(io)?;
    run(file.partial(), spec, container, progress)?;
    if spec.plant_tags && matches!(container, Container::Mp4 | Container::Mov) {
        tags::plant_mdta(file.partial()).map_err(|cause| MediaError::Io {
            what: format!("planting metadata in {}", out.display()),
            cause,
        })?;
    }
    file.commit().map_err(io)
}

fn run(
    out: &Path,
    spec: &TestSrcSpec,
    container: Container,
    progress: &mut dyn FnMut(u64),
) -> Result<(), MediaError> {
    let pipeline = gst::Pipeline::new();
    let frame_bytes = u64::from(spec.width) * u64::from(spec.height) * 3 / 2;
    let appsrc = super::i420_appsrc(spec.width, spec.height, (!spec.vfr).then_some(spec.rate));
    let vqueue = make_element("queue")?;
    let encoder = video_encoder(spec)?;
    // Parsers give the muxers the stream format they want (e.g. hvc1 for H.265 in MP4).
    let parser = match spec.codec {
        VideoCodec::H264 => make_element("h264parse")?,
        VideoCodec::H265 => make_element("h265parse")?,
        _ => make_element("identity")?,
    };
    let mux = muxer(container, spec.faststart)?;
    if spec.plant_tags {
        tags::plant_in_muxer(&mux);
    }
    let sink = make_element("filesink")?;
    sink.set_property("location", out.to_string_lossy().as_ref());
    let enc_queue = make_element("queue")?;
    pipeline
        .add_many([
            appsrc.upcast_ref(),
            &vqueue,
            &encoder,
            &parser,
            &enc_queue,
            &mux,
            &sink,
        ])
        .map_err(MediaError::pipeline)?;
    gst::Element::link_many([
        appsrc.upcast_ref(),
        &vqueue,
        &encoder,
        &parser,
        &enc_queue,
        &mux,
        &sink,
    ])
    .map_err(|e| {
        MediaError::Pipeline(format!("cannot link the video encoder into the muxer: {e}"))
    })?;

    let pts = spec.frame_pts();
    let end_ns = pts.last().copied().unwrap_or(0)
        + spec.frame_duration(spec.frames - 1, pts.last().copied().unwrap_or(0));
    let scene_audio = match (spec.audio, spec.scene_sound) {
        (true, Some(camera)) => Some((add_scene_audio(&pipeline, &mux, container)?, camera)),
        (true, None) => {
            add_audio(&pipeline, &mux, container, end_ns)?;
            None
        }
        (false, _) => None,
    };

    let bus = pipeline
        .bus()
        .ok_or_else(|| MediaError::pipeline("pipeline has no bus"))?;
    pipeline.set_state(gst::State::Playing).map_err(|_| {
        pipeline_error(&bus, out)
            .unwrap_or_else(|| MediaError::pipeline("cannot start the encoder"))
    })?;

    if let Some((src, camera)) = scene_audio {
        // Queued whole before the video (the appsrc does not block), so the
        // muxer always has both streams to interleave.
        push_scene_audio(&src, camera, end_ns);
    }
    let (w, h) = (spec.width, spec.height);
    for (i, &p) in pts.iter().enumerate() {
        let index = i as u64;
        let mut data = vec![0u8; frame_bytes as usize];
        draw_frame(&mut data, w, h, index);
        if spec.faces > 0 {
            faces::draw_faces(&mut data, w, h, spec.faces, index);
        }
        let mut buffer = gst::Buffer::from_mut_slice(gst_layout(data, w, h));
        if let Some(b) = buffer.get_mut() {
            b.set_pts(gst::ClockTime::from_nseconds(p as u64));
            let next = pts.get(i + 1).copied().unwrap_or(end_ns);
            b.set_duration(gst::ClockTime::from_nseconds((next - p) as u64));
        }
        if appsrc.push_buffer(buffer).is_err() {
            break; // the reason is on the bus
        }
        if let Some(err) = pipeline_error(&bus, out) {
            let _ = pipeline.set_state(gst::State::Null);
            return Err(err);
        }
        progress(index + 1);
    }
    let _ = appsrc.end_of_stream();

    let result = super::wait_written(&bus, &out.display().to_string(), "finishing the test media");
    let _ = pipeline.set_state(gst::State::Null);
    result
}

fn pipeline_error(bus: &gst::Bus, out: &Path) -> Option<MediaError> {
    super::pending_write_error(bus, &out.display().to_string())
}

fn video_encoder(spec: &TestSrcSpec) -> Result<gst::Element, MediaError> {
    let gop = spec.gop;
    let enc = match spec.codec {
        VideoCodec::H264 => {
            let e = make_element("x264enc")?;
            e.set_property_from_str("speed-preset", "veryfast");
            e.set_property_from_str("pass", "qual");
            e.set_property("quantizer", 22u32);
            e.set_property("key-int-max", gop);
            e.set_property("bframes", if spec.bframes { 2u32 } else { 0u32 });
            // Fixed B-frame pattern, so "with B-frames" always means B-frames.
            e.set_property("b-adapt", false);
            e
        }
        VideoCodec::H265 => {
            let e = make_element("x265enc")?;
            e.set_property_from_str("speed-preset", "ultrafast");
            e.set_property("key-int-max", gop as i32);
            let b = if spec.bframes {
                "bframes=2:b-adapt=0"
            } else {
                "bframes=0"
            };
            e.set_property("option-string", format!("{b}:crf=24"));
            e
        }
        VideoCodec::Vp8 | VideoCodec::Vp9 => {
            let e = make_element(if spec.codec == VideoCodec::Vp8 {
                "vp8enc"
            } else {
                "vp9enc"
            })?;
            e.set_property("deadline", 1i64);
            e.set_property("cpu-used", 8i32);
            e.set_property("keyframe-max-dist", gop as i32);
            e.set_property_from_str("end-usage", "cq");
            e.set_property("cq-level", 20i32);
            e.set_property("threads", 2i32);
            e
        }
        VideoCodec::Mjpeg => {
            let e = make_element("jpegenc")?;
            e.set_property("quality", 85i32);
            e
        }
        VideoCodec::Mpeg4 => {
            let e = make_element("avenc_mpeg4")?;
            e.set_property("gop-size", gop as i32);
            e.set_property("max-bframes", if spec.bframes { 2i32 } else { 0i32 });
            e.set_property_from_str("pass", "quant");
            e.set_property("quantizer", 4f32);
            e
        }
    };
    Ok(enc)
}

fn muxer(container: Container, faststart: bool) -> Result<gst::Element, MediaError> {
    Ok(match container {
        Container::Mp4 | Container::Mov => {
            let mux = make_element(if container == Container::Mp4 {
                "mp4mux"
            } else {
                "qtmux"
            })?;
            // Synthetic, never vault media: the faststart temp file holds nothing private.
            mux.set_property("faststart", faststart);
            mux
        }
        Container::Mkv => make_element("matroskamux")?,
        Container::Webm => make_element("webmmux")?,
        Container::Avi => make_element("avimux")?,
    })
}

const SCENE_RATE: i64 = 16_000;

/// `appsrc (F32 mono) -> audioconvert -> audioresample -> encoder -> queue -> mux`, for the scene's sound.
fn add_scene_audio(
    pipeline: &gst::Pipeline,
    mux: &gst::Element,
    container: Container,
) -> Result<gstreamer_app::AppSrc, MediaError> {
    let src = gstreamer_app::AppSrc::builder()
        .caps(
            &gst::Caps::builder("audio/x-raw")
                .field("format", "F32LE")
                .field("layout", "interleaved")
                .field("rate", SCENE_RATE as i32)
                .field("channels", 1i32)
                .build(),
        )
        .format(gst::Format::Time)
        .block(false)
        .max_bytes(0)
        .build();
    let mut chain = vec![
        src.clone().upcast::<gst::Element>(),
        make_element("audioconvert")?,
    ];
    chain.push(make_element("audioresample")?);
    encode_into_mux(pipeline, mux, container, chain)?;
    Ok(src)
}

fn push_scene_audio(src: &gstreamer_app::AppSrc, camera: SceneCamera, end_ns: i64) {
    const CHUNK: i64 = 1600;
    let total = end_ns * SCENE_RATE / crate::time::NS_PER_SEC;
    let ns = |n: i64| n * crate::time::NS_PER_SEC / SCENE_RATE;
    let mut n = 0;
    while n < total {
        let len = CHUNK.min(total - n);
        let bytes: Vec<u8> = (n..n + len)
            .flat_map(|i| camera.sample(ns(i)).to_le_bytes())
            .collect();
        let mut buffer = gst::Buffer::from_mut_slice(bytes);
        if let Some(b) = buffer.get_mut() {
            b.set_pts(gst::ClockTime::from_nseconds(ns(n) as u64));
            b.set_duration(gst::ClockTime::from_nseconds((ns(n + len) - ns(n)) as u64));
        }
        if src.push_buffer(buffer).is_err() {
            return; // the reason is on the bus
        }
        n += len;
    }
    let _ = src.end_of_stream();
}

fn add_audio(
    pipeline: &gst::Pipeline,
    mux: &gst::Element,
    container: Container,
    end_ns: i64,
) -> Result<(), MediaError> {
    const RATE: i64 = 48_000;
    const SAMPLES: i64 = 1024;
    let src = make_element("audiotestsrc")?;
    src.set_property_from_str("wave", "sine");
    src.set_property("freq", 440f64);
    src.set_property("volume", 0.3f64);
    src.set_property("samplesperbuffer", SAMPLES as i32);
    let samples = end_ns * RATE / crate::time::NS_PER_SEC;
    let buffers = ((samples + SAMPLES - 1) / SAMPLES).max(1);
    src.set_property("num-buffers", buffers as i32);
    let caps = make_element("capsfilter")?;
    caps.set_property(
        "caps",
        gst::Caps::builder("audio/x-raw")
            .field("rate", RATE as i32)
            .field("channels", 1i32)
            .build(),
    );
    let convert = make_element("audioconvert")?;
    encode_into_mux(pipeline, mux, container, vec![src, caps, convert])
}

/// Ends an audio `chain` with the container's codec (AAC, Opus, or 16-bit
/// PCM in AVI) and a queue, adds it to `pipeline` and links it into `mux`.
fn encode_into_mux(
    pipeline: &gst::Pipeline,
    mux: &gst::Element,
    container: Container,
    mut chain: Vec<gst::Element>,
) -> Result<(), MediaError> {
    match container {
        Container::Mp4 | Container::Mov | Container::Mkv => chain.push(make_element("avenc_aac")?),
        Container::Webm => chain.push(make_element("opusenc")?),
        Container::Avi => {
            let pcm = make_element("capsfilter")?;
            pcm.set_property(
                "caps",
                gst::Caps::builder("audio/x-raw")
                    .field("format", "S16LE")
                    .build(),
            );
            chain.push(pcm);
        }
    }
    chain.push(make_element("queue")?);
    pipeline
        .add_many(chain.iter())
        .map_err(MediaError::pipeline)?;
    gst::Element::link_many(chain.iter()).map_err(MediaError::pipeline)?;
    let last = chain
        .last()
        .ok_or_else(|| MediaError::pipeline("empty audio chain"))?;
    last.link(mux)
        .map_err(|e| MediaError::Pipeline(format!("cannot link audio into the muxer: {e}")))?;
    Ok(())
}

/// A tightly packed I420 picture in GStreamer's default layout (rows padded
/// to 4 bytes), which is what the caps promise the encoder.
fn gst_layout(tight: Vec<u8>, width: u32, height: u32) -> Vec<u8> {
    let mut out = super::planar::PlanarFrame::zeroed(width, height);
    if out.data.len() == tight.len() {
        return tight; // widths that are multiples of 8: the same layout
    }
    let (w, h) = (width as usize, height as usize);
    let (cw, ch) = (w / 2, h / 2);
    let mut from = 0;
    for (p, (pw, ph)) in [(w, h), (cw, ch), (cw, ch)].into_iter().enumerate() {
        let plane = out.planes[p];
        for y in 0..ph {
            let at = plane.offset + y * plane.stride;
            out.data[at..at + pw].copy_from_slice(&tight[from..from + pw]);
            from += pw;
        }
    }
    out.data
}

/// Draws frame `index` as I420 into `data` (`width * height * 3 / 2` bytes).
pub fn draw_frame(data: &mut [u8], width: u32, height: u32, index: u64) {
    let (w, h) = (width as usize, height as usize);
    let (luma, chroma) = data.split_at_mut(w * h);
    let phase = (index * 6) as usize;
    // Background: a slowly moving triangle-wave gradient.
    let mut row_template = vec![0u8; w];
    for (x, px) in row_template.iter_mut().enumerate() {
        let t = (x * 512 / w.max(1) + phase) % 512;
        let tri = if t < 256 { t } else { 511 - t };
        *px = (48 + tri * 3 / 8) as u8;
    }
    for (y, row) in luma.chunks_exact_mut(w).enumerate() {
        let shade = (y * 32 / h.max(1)) as u8;
        for (px, &base) in row.iter_mut().zip(&row_template) {
            *px = base.saturating_add(shade);
        }
    }
    // A bouncing square, so motion is visible when playing.
    let size = (h / 6).max(4);
    let span_x = w.saturating_sub(size).max(1);
    let span_y = h.saturating_sub(size + h / 8).max(1);
    let bounce = |t: usize, span: usize| {
        let m = t % (2 * span);
        if m < span { m } else { 2 * span - m }
    };
    let sx = bounce(index as usize * 7, span_x);
    let sy = h / 8 + bounce(index as usize * 5, span_y).min(span_y);
    fill_rect(luma, w, sx, sy, size, size, 225);
    // The frame number in seven-segment digits, bottom left.
    draw_number(luma, w, h, index);
    // Chroma: a gentle colour gradient, neutral under the code strip.
    let (cw, ch) = (w / 2, h / 2);
    let strip_rows = (frame_code::strip_height(height) as usize).div_ceil(2);
    let (u_plane, v_plane) = chroma.split_at_mut(cw * ch);
    for y in 0..ch {
        for x in 0..cw {
            let (u, v) = if y < strip_rows {
                (128, 128)
            } else {
                (
                    (96 + x * 64 / cw.max(1)) as u8,
                    (160 - y * 64 / ch.max(1)) as u8,
                )
            };
            if let Some(p) = u_plane.get_mut(y * cw + x) {
                *p = u;
            }
            if let Some(p) = v_plane.get_mut(y * cw + x) {
                *p = v;
            }
        }
    }
    frame_code::paint_luma(luma, width, height, w, index);
}

fn fill_rect(luma: &mut [u8], stride: usize, x: usize, y: usize, w: usize, h: usize, value: u8) {
    for row in y..y + h {
        if let Some(px) = luma.get_mut(row * stride + x..row * stride + x + w) {
            px.fill(value);
        }
    }
}

/// Seven-segment digits: bits a..g for 0-9.
const SEGMENTS: [u8; 10] = [0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f];

fn draw_number(luma: &mut [u8], w: usize, h: usize, index: u64) {
    let digits: Vec<usize> = index
        .to_string()
        .bytes()
        .map(|b| usize::from(b - b'0'))
        .collect();
    let dh = (h / 7).max(10);
    let dw = dh / 2;
    let t = (dh / 8).max(1);
    let gap = dw / 3;
    let (x0, y0) = (w / 32, h - dh - h / 16);
    let box_w = digits.len() * (dw + gap) + gap;
    if x0 + box_w > w {
        return;
    }
    fill_rect(
        luma,
        w,
        x0.saturating_sub(gap),
        y0.saturating_sub(gap),
        box_w + gap,
        dh + 2 * gap,
        16,
    );
    for (i, &d) in digits.iter().enumerate() {
        let x = x0 + i * (dw + gap);
        let seg = SEGMENTS.get(d).copied().unwrap_or(0);
        let half = dh / 2;
        let on = |bit: u8| seg & (1 << bit) != 0;
        if on(0) {
            fill_rect(luma, w, x, y0, dw, t, 235);
        }
        if on(1) {
            fill_rect(luma, w, x + dw - t, y0, t, half, 235);
        }
        if on(2) {
            fill_rect(luma, w, x + dw - t, y0 + half, t, dh - half, 235);
        }
        if on(3) {
            fill_rect(luma, w, x, y0 + dh - t, dw, t, 235);
        }
        if on(4) {
            fill_rect(luma, w, x, y0 + half, t, dh - half, 235);
        }
        if on(5) {
            fill_rect(luma, w, x, y0, t, half, 235);
        }
        if on(6) {
            fill_rect(luma, w, x, y0 + half - t / 2, dw, t, 235);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_frames_carry_their_index() {
        let (w, h) = (320u32, 240u32);
        let mut data = vec![0u8; (w * h * 3 / 2) as usize];
        for index in [0, 1, 59, 60, 1799, 123_456] {
            draw_frame(&mut data, w, h, index);
            assert_eq!(
                frame_code::read_luma(&data[..(w * h) as usize], w, h, w as usize),
                Some(index)
            );
        }
    }

    #[test]
    fn vfr_durations_vary_and_cfr_ones_do_not() {
        let cfr = TestSrcSpec {
            frames: 100,
            ..Default::default()
        };
        let d: Vec<i64> = cfr.frame_pts().windows(2).map(|w| w[1] - w[0]).collect();
        assert!(d.iter().all(|&x| (x - 33_333_333).abs() <= 1));
        let vfr = TestSrcSpec {
            frames: 100,
            vfr: true,
            ..Default::default()
        };
        let d: Vec<i64> = vfr.frame_pts().windows(2).map(|w| w[1] - w[0]).collect();
        let (min, max) = (
            d.iter().min().copied().unwrap(),
            d.iter().max().copied().unwrap(),
        );
        assert!(min < 22_000_000 && max > 44_000_000, "{min}..{max}");
    }

    #[test]
    fn refuses_impossible_combinations() {
        let spec = TestSrcSpec {
            bframes: true,
            ..Default::default()
        };
        assert!(spec.validate(Container::Avi).is_err());
        assert!(TestSrcSpec::default().validate(Container::Webm).is_err());
        let spec = TestSrcSpec {
            width: 321,
            ..Default::default()
        };
        assert!(spec.validate(Container::Mp4).is_err());
        assert!(Container::from_path(Path::new("x.txt")).is_err());
        assert_eq!(
            Container::from_path(Path::new("X.MKV")).unwrap(),
            Container::Mkv
        );
    }
}
