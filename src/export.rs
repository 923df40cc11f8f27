//! De-identified clip export: two passes over an exact frame range.
//!
//! ```text
//! pass 1 (faces): VideoRange ─frames─► N detector threads ─boxes─► deid::tracks::build ─► covered boxes per frame
//! pass 2:         VideoRange ─frames─► cover boxes + manual regions ─► Encoder ◄─ AudioRange (drop | disguise | keep)
//!                                                                        └─► <out>.partial ─rename─► <out>
//! ```
//!
//! The output is the only file written. A failed or cancelled export
//! removes its `.partial`; the final name appears only when the file is
//! complete. Frame `from` is the clip's first frame and `to` its last;
//! timestamps are rebased so the clip starts at 0, with the source's frame
//! durations kept.

/// x264's speed presets, fastest first (clip export and recording).
pub const X264_PRESETS: &[&str] = &[
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
];
pub mod composite;
pub mod encoder;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use serde::{Deserialize, Serialize};

use crate::deid::Rect;
use crate::deid::detector::{self, Engine};
use crate::deid::{CoverStyle, FaceDetector, RegionSet, TrackSettings, tracks};
use crate::media::reader::{AudioRange, VideoRange};
use crate::media::{MediaError, MediaInfo, MediaSource};
use encoder::{Encoder, EncoderSpec};

/// Upper edge of the disguised voice's band (telephone band).
pub const DISGUISE_CUTOFF_HZ: f32 = 3400.0;

/// Default pitch ratio of the disguised voice.
pub const DEFAULT_PITCH: f32 = 0.8;

/// The label every disguised clip carries, in the app and in manifests.
pub const DISGUISE_LABEL: &str = "voice obscured, not anonymised";

/// Container and codec of a clip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClipFormat {
    /// H.264 in MP4.
    Mp4,
    /// VP9 in WebM.
    Webm,
}

impl ClipFormat {
    /// The format for an output file name (`.mp4` or `.webm`).
    pub fn from_path(path: &Path) -> Result<Self, MediaError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("mp4") => Ok(Self::Mp4),
            Some("webm") => Ok(Self::Webm),
            _ => Err(MediaError::InvalidArgument(format!(
                "a clip is written as H.264/MP4 or VP9/WebM: end the file name in .mp4 or .webm: {}",
                path.display()
            ))),
        }
    }
}

/// What happens to the sound.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum AudioMode {
    /// No audio stream at all (the default).
    Drop,
    /// Pitch-shifted and band-limited: obscured, not anonymised.
    Disguise {
        /// Pitch ratio (0.5–2.0, not 1).
        pitch: f32,
    },
    /// The original sound (needs an explicit confirmation).
    Keep,
}

impl AudioMode {
    /// The name used on the command line and in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Drop => "drop",
            Self::Disguise { .. } => "disguise",
            Self::Keep => "keep",
        }
    }
}

/// Which camera views a clip shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClipViews {
    /// The recording's reference view (a single-camera recording's only one).
    #[default]
    Reference,
    /// Another camera view (its id), frames following the reference.
    View(String),
    /// Every view in one row.
    SideBySide,
    /// Every view, two to a row (2×2 for four).
    Grid,
}

impl ClipViews {
    /// True for the reference alone (what every clip was before views).
    pub fn is_reference(&self) -> bool {
        *self == Self::Reference
    }
}

/// Everything that decides what a clip looks and sounds like (audited with it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClipSettings {
    /// First frame (recording index).
    pub from: u64,
    /// Last frame (inclusive).
    pub to: u64,
    /// Detect and cover faces.
    pub detect_faces: bool,
    /// Detector score threshold (lower finds more).
    pub threshold: f32,
    /// Detector input width in pixels (larger finds smaller faces).
    pub detector_width: u32,
    /// How detections become covered boxes.
    pub tracks: TrackSettings,
    /// Fill or pixelate.
    pub cover: CoverStyle,
    /// The reviewer's manual regions.
    pub regions: RegionSet,
    /// Sound.
    pub audio: AudioMode,
    /// x264 CRF (VP9 maps it onto its own scale).
    pub crf: u32,
    /// x264 speed preset.
    pub preset: String,
    /// The camera views shown (stored only when not the reference alone,
    /// so clips from before views read back unchanged).
    #[serde(default, skip_serializing_if = "ClipViews::is_reference")]
    pub views: ClipViews,
    /// The face detector's engine (none: ONNX Runtime when its library loads,
    /// else tract). How the clip is made, not what it looks like: never stored.
    #[serde(skip)]
    pub engine: Option<Engine>,
    /// Detector instances and threads each (none: one single-threaded
    /// instance per core, at most four). Never stored.
    #[serde(skip)]
    pub detectors: Option<(usize, usize)>,
    /// Burn the device data values (HR, SpO2 …) into the picture; not
    /// identifying. Stored: it is part of what the clip shows.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub data_values: bool,
    /// With `data_values`: the line to burn into each frame, `from` first
    /// (filled in by the clip workflow from the vault). Never stored.
    #[serde(skip)]
    pub captions: Vec<String>,
}

impl ClipSettings {
    /// Safe defaults for frames `from..=to`: faces covered, no sound.
    pub fn new(from: u64, to: u64) -> Self {
        Self {
            from,
            to,
            detect_faces: true,
            threshold: detector::DEFAULT_THRESHOLD,
            detector_width: detector::DEFAULT_WIDTH,
            tracks: TrackSettings::default(),
            cover: CoverStyle::Fill,
            regions: RegionSet::default(),
            audio: AudioMode::Drop,
            crf: 20,
            preset: "veryfast".into(),
            views: ClipViews::Reference,
            engine: None,
            detectors: None,
            data_values: false,
            captions: Vec::new(),
        }
    }

    /// Warnings for settings that would hide less than the defaults.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.detect_faces {
            out.push("face detection is off: only manual regions are covered".into());
        }
        if self.threshold > detector::DEFAULT_THRESHOLD {
            out.push(format!(
                "detector threshold {:.2} is above the default {:.2}: faces may be missed",
                self.threshold,
                detector::DEFAULT_THRESHOLD
            ));
        }
        if self.detector_width < detector::DEFAULT_WIDTH {
            out.push(format!(
                "detector width {} px is below the default {}: small faces may be missed",
                self.detector_width,
                detector::DEFAULT_WIDTH
            ));
        }
        out.extend(self.tracks.warnings());
        match self.audio {
            AudioMode::Disguise { .. } => out.push(format!("audio: {DISGUISE_LABEL}")),
            AudioMode::Keep => out.push("audio kept: voices and names can be heard".into()),
            AudioMode::Drop => {}
        }
        out
    }

    /// Refuses settings no clip can be made with, naming the setting and its range.
    pub fn check(&self) -> Result<(), MediaError> {
        let bad = |m: &str| Err(MediaError::InvalidArgument(m.into()));
        if self.from > self.to {
            return Err(MediaError::InvalidArgument(format!(
                "the first frame ({}) is after the last ({}): give --from-frame ≤ --to-frame",
                self.from, self.to
            )));
        }
        if !(0.05..=0.95).contains(&self.threshold) {
            return bad("the face threshold must be between 0.05 and 0.95 (default 0.3)");
        }
        if !(1.0..=3.0).contains(&self.tracks.enlarge) {
            return bad("the box enlargement must be between 1.0 and 3.0 (default 1.3)");
        }
        if !(160..=1920).contains(&self.detector_width) {
            return bad("the detector width must be between 160 and 1920 pixels (default 640)");
        }
        if self.crf > 51 {
            return bad("--crf must be between 0 and 51 (default 20)");
        }
        if let AudioMode::Disguise { pitch } = self.audio
            && (!(0.5..=2.0).contains(&pitch) || (pitch - 1.0).abs() < 0.05)
        {
            return bad(
                "the disguise pitch ratio must be between 0.5 and 2.0 and not near 1 (default 0.8)",
            );
        }
        if !X264_PRESETS.contains(&self.preset.as_str()) {
            return Err(MediaError::InvalidArgument(format!(
                "'{}' is not an x264 preset: use one of {}",
                self.preset,
                X264_PRESETS.join(", ")
            )));
        }
        Ok(())
    }
}

/// Which pass an export is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Finding faces.
    Detecting,
    /// Covering and encoding.
    Encoding,
}

/// Progress of an export: `done` of `total` frames in `phase`.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Pass.
    pub phase: Phase,
    /// Frames done.
    pub done: u64,
    /// Frames in the clip.
    pub total: u64,
}

/// What an export produced.
#[derive(Clone, Debug, Serialize)]
pub struct ExportReport {
    /// The clip.
    pub out: PathBuf,
    /// Frames written.
    pub frames: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Frames on which the detector found at least one face.
    pub frames_with_faces: u64,
    /// Boxes covered over all frames (faces after tracking, plus manual regions).
    pub boxes_covered: u64,
    /// The engine that ran the face detector (`onnxruntime` or `tract`;
    /// none when faces were not looked for).
    pub detector_engine: Option<Engine>,
}

/// What pass 1 found.
#[derive(Clone, Debug, Default)]
pub struct Faces {
    /// The boxes to cover on every frame (index 0 = the clip's first frame).
    pub boxes: Vec<Vec<Rect>>,
    /// Frames on which the detector found at least one face.
    pub frames_with_faces: u64,
    /// The engine that ran the detector (none when faces were not looked for).
    pub engine: Option<Engine>,
}

/// The boxes to cover on every frame of `from..=to` (index 0 = frame `from`):
/// pass 1 alone, for the redaction preview.
pub fn detect_faces(
    source: &MediaSource,
    info: &MediaInfo,
    settings: &ClipSettings,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<Faces, MediaError> {
    settings.check()?;
    let total = settings.to - settings.from + 1;
    if !settings.detect_faces {
        return Ok(Faces {
            boxes: vec![Vec::new(); total as usize],
            ..Faces::default()
        });
    }
    let (w, h, net, threshold) = (
        info.width,
        info.height,
        settings.detector_width,
        settings.threshold,
    );
    let (workers, threads) = settings.detectors.unwrap_or_else(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        (cores.clamp(1, 4), 1)
    });
    let detector = match settings.engine {
        Some(engine) => FaceDetector::on(engine, w, h, net, threshold),
        None => FaceDetector::new(w, h, net, threshold),
    }
    .and_then(|d| d.with_threads(threads))
    .map_err(|e| MediaError::Pipeline(e.to_string()))?;
    let engine = detector.engine();
    let mut video = VideoRange::open(source, info, settings.from, settings.to)?;
    let workers = workers.max(1);
    let mut found: Vec<Vec<Rect>> = vec![Vec::new(); total as usize];
    let result = std::thread::scope(|scope| -> Result<(), MediaError> {
        let (work_tx, work_rx) = mpsc::sync_channel::<(u64, crate::deid::PlanarFrame)>(workers * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = mpsc::channel::<(u64, Result<Vec<Rect>, String>)>();
        // The first worker runs the detector made above; each other one its own.
        let mut detectors = Vec::with_capacity(workers);
        for _ in 1..workers {
            detectors.push(
                detector
                    .another()
                    .map_err(|e| MediaError::Pipeline(e.to_string()))?,
            );
        }
        detectors.push(detector);
        for det in detectors {
            let rx = Arc::clone(&work_rx);
            let tx = done_tx.clone();
            scope.spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok((index, frame)) = job else { return };
                    let boxes = det
                        .detect(&frame)
                        .map(|b| b.into_iter().map(|f| f.rect).collect())
                        .map_err(|e| e.to_string());
                    if tx.send((index, boxes)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut sent = 0u64;
        let mut received = 0u64;
        let mut collect = |found: &mut Vec<Vec<Rect>>,
                           received: &mut u64,
                           block: bool|
         -> Result<(), MediaError> {
            loop {
                let next = if block {
                    done_rx.recv().ok()
                } else {
                    done_rx.try_recv().ok()
                };
                let Some((index, boxes)) = next else {
                    return Ok(());
                };
                found[(index - settings.from) as usize] = boxes.map_err(MediaError::Pipeline)?;
                *received += 1;
                progress(Progress {
                    phase: Phase::Detecting,
                    done: *received,
                    total,
                });
                if block {
                    return Ok(());
                }
            }
        };
        while let Some((index, frame)) = video.next_frame()? {
            if cancel.load(Ordering::Relaxed) {
                return Err(MediaError::Cancelled);
            }
            work_tx
                .send((index, frame))
                .map_err(|_| MediaError::pipeline("the face detector stopped"))?;
            sent += 1;
            collect(&mut found, &mut received, false)?;
        }
        drop(work_tx);
        while received < sent {
            if cancel.load(Ordering::Relaxed) {
                return Err(MediaError::Cancelled);
            }
            let before = received;
            collect(&mut found, &mut received, true)?;
            if received == before {
                return Err(MediaError::pipeline("the face detector stopped"));
            }
        }
        Ok(())
    });
    result?;
    let frames_with_faces = found.iter().filter(|b| !b.is_empty()).count() as u64;
    Ok(Faces {
        boxes: tracks::build(&found, &settings.tracks),
        frames_with_faces,
        engine: Some(engine),
    })
}

/// `out` with `.partial` appended to its file name (see [`crate::files::partial_path`]).
pub use crate::files::partial_path;

/// Exports frames `settings.from..=settings.to` of `source` to `out`, de-identified.
pub fn export_clip(
    source: &MediaSource,
    info: &MediaInfo,
    out: &Path,
    settings: &ClipSettings,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<ExportReport, MediaError> {
    write_clip(info, out, settings, |partial, format| {
        export_to(source, info, partial, format, settings, progress, cancel)
    })
}

/// Exports the reference frames `settings.from..=settings.to` of a clip
/// showing the camera views `tiles` (see [`composite`]), de-identified, with
/// the reference's sound as the settings say.
#[allow(clippy::too_many_arguments)]
pub fn export_views(
    reference: &MediaSource,
    reference_info: &MediaInfo,
    tiles: &[composite::Tile],
    arrangement: composite::Arrangement,
    out: &Path,
    settings: &ClipSettings,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<ExportReport, MediaError> {
    if !settings.regions.regions.is_empty() && !tiles.iter().any(|t| t.reference) {
        return Err(MediaError::InvalidArgument(
            "manual regions are drawn on the reference view: export the reference or a composite with it, or leave out --regions".into(),
        ));
    }
    write_clip(reference_info, out, settings, |partial, format| {
        composite::export_tiles(
            reference,
            reference_info,
            tiles,
            arrangement,
            partial,
            format,
            settings,
            progress,
            cancel,
        )
    })
}

/// The checks every clip passes before a byte is written, then `write` into
/// `<out>.partial`, renamed to `out` only when complete.
fn write_clip(
    info: &MediaInfo,
    out: &Path,
    settings: &ClipSettings,
    write: impl FnOnce(&Path, ClipFormat) -> Result<ExportReport, MediaError>,
) -> Result<ExportReport, MediaError> {
    crate::media::init()?;
    settings.check()?;
    let format = ClipFormat::from_path(out)?;
    if out.exists() {
        return Err(MediaError::InvalidArgument(format!(
            "{} already exists: choose another name or remove it first",
            out.display()
        )));
    }
    settings
        .regions
        .check(
            settings.from,
            settings.to,
            info.frames(),
            info.width,
            info.height,
        )
        .map_err(MediaError::InvalidArgument)?;
    if settings.audio != AudioMode::Drop && !info.has_audio() {
        return Err(MediaError::InvalidArgument(format!(
            "the recording has no sound to {}: use --audio drop",
            settings.audio.as_str()
        )));
    }
    let io = |cause| MediaError::Io {
        what: format!("writing {}", out.display()),
        cause,
    };
    // Written under `<out>.partial` with the writer's lock (see `crate::files`):
    // removed on failure or cancel, recognisable after a kill.
    let file = crate::files::AtomicFile::create(out, false).map_err(io)?;
    let mut report = write(file.partial(), format)?;
    file.commit().map_err(io)?;
    report.out = out.to_path_buf();
    Ok(report)
}

fn export_to(
    source: &MediaSource,
    info: &MediaInfo,
    partial: &Path,
    format: ClipFormat,
    settings: &ClipSettings,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<ExportReport, MediaError> {
    let (from, to) = (settings.from, settings.to);
    let total = to.saturating_sub(from) + 1;
    let Faces {
        boxes: faces,
        frames_with_faces,
        engine,
    } = detect_faces(source, info, settings, progress, cancel)?;
    let mut video = VideoRange::open(source, info, from, to)?;
    let mut writer = ClipWriter::open(
        source,
        info,
        partial,
        format,
        (info.width, info.height),
        settings,
    )?;
    let mut written = 0u64;
    let mut boxes_covered = 0u64;
    while let Some((index, decoded)) = video.next_decoded()? {
        if cancel.load(Ordering::Relaxed) {
            return Err(MediaError::Cancelled);
        }
        let slot = (index - from) as usize;
        let boxes = faces.get(slot).map_or(&[][..], Vec::as_slice);
        let regions = settings.regions.active_at(index, info.width, info.height);
        let caption = settings.captions.get(slot).filter(|c| !c.is_empty());
        if boxes.is_empty() && regions.is_empty() && caption.is_none() {
            // Nothing to cover: the decoder's picture goes on without a copy.
            writer.push(index, Picture::Decoded(decoded))?;
        } else {
            let mut frame = decoded.to_planar()?;
            drop(decoded);
            boxes_covered += cover(&mut frame, boxes, &regions, settings.cover);
            if let Some(text) = caption {
                crate::media::caption::draw(&mut frame, text);
            }
            writer.push(index, Picture::Planar(frame))?;
        }
        written += 1;
        progress(Progress {
            phase: Phase::Encoding,
            done: written,
            total,
        });
    }
    drop(video);
    writer.finish()?;
    let (sha256, bytes) = hash_file(partial)?;
    Ok(ExportReport {
        out: partial.to_path_buf(),
        frames: written,
        sha256,
        bytes,
        frames_with_faces,
        boxes_covered,
        detector_engine: engine,
    })
}

/// Covers the face `boxes` and the manual `regions` (each with its place on
/// this frame) on `frame`; returns how many covered pixels. A box that
/// missed the picture is not counted: it must not read as covered.
pub(crate) fn cover(
    frame: &mut crate::deid::PlanarFrame,
    boxes: &[Rect],
    regions: &[(&crate::deid::ManualRegion, Rect)],
    style: CoverStyle,
) -> u64 {
    let mut covered = 0;
    for r in boxes {
        covered += u64::from(frame.cover(*r, crate::deid::Shape::Rect, style) > 0);
    }
    for (region, r) in regions {
        let n = if region.invert {
            frame.cover_outside(*r, region.shape)
        } else {
            frame.cover(*r, region.shape, style)
        };
        covered += u64::from(n > 0);
    }
    covered
}

/// One output picture: the decoder's own (nothing covered) or a drawn-on copy.
pub(crate) enum Picture {
    Decoded(crate::media::decoded::DecodedFrame),
    Planar(crate::deid::PlanarFrame),
}

/// The encoder with the clip's sound beside it: pictures go in at the
/// reference's frame times (rebased to 0), and the audio up to each
/// picture's time goes in first, so both streams reach the muxer in order.
pub(crate) struct ClipWriter<'a> {
    encoder: Encoder,
    audio: Option<AudioRange>,
    next_audio: Option<crate::media::reader::AudioChunk>,
    table: &'a crate::media::FrameTable,
    start_ns: i64,
}

impl<'a> ClipWriter<'a> {
    /// Starts the encoder for `size` pictures at the times of `info`'s frames
    /// `settings.from..=settings.to`, with `source`'s sound as `settings.audio` says.
    pub(crate) fn open(
        source: &MediaSource,
        info: &'a MediaInfo,
        partial: &Path,
        format: ClipFormat,
        size: (u32, u32),
        settings: &ClipSettings,
    ) -> Result<Self, MediaError> {
        let (from, to) = (settings.from, settings.to);
        let table = &info.table;
        let start_ns = table.pts(from).ok_or(MediaError::FrameOutOfRange {
            index: from,
            frames: table.len(),
        })?;
        let end_ns = table.pts(to).unwrap_or(start_ns) + table.duration_ns(to);
        let mut audio = match settings.audio {
            AudioMode::Drop => None,
            _ => Some(AudioRange::open(source, start_ns, end_ns)?),
        };
        let next_audio = match audio.as_mut() {
            Some(a) => a.next_chunk()?,
            None => None,
        };
        let audio_spec = match (&next_audio, settings.audio) {
            (Some(chunk), mode) if mode != AudioMode::Drop => Some((mode, chunk.caps.clone())),
            _ => None,
        };
        let encoder = Encoder::start(&EncoderSpec {
            path: partial,
            format,
            width: size.0,
            height: size.1,
            rate: (!info.vfr).then_some(info.rate),
            crf: settings.crf,
            preset: &settings.preset,
            audio: audio_spec,
        })?;
        Ok(Self {
            encoder,
            audio,
            next_audio,
            table,
            start_ns,
        })
    }

    /// The picture of reference frame `index`.
    pub(crate) fn push(&mut self, index: u64, picture: Picture) -> Result<(), MediaError> {
        let pts = self.table.pts(index).unwrap_or(self.start_ns) - self.start_ns;
        while self.next_audio.as_ref().is_some_and(|c| c.pts_ns <= pts) {
            self.push_audio()?;
        }
        let duration = self.table.duration_ns(index);
        match picture {
            Picture::Decoded(decoded) => self.encoder.push_decoded(decoded, pts, duration),
            Picture::Planar(frame) => self.encoder.push_video(frame, pts, duration),
        }
    }

    fn push_audio(&mut self) -> Result<(), MediaError> {
        if let Some(chunk) = self.next_audio.take() {
            self.encoder
                .push_audio(chunk.bytes, chunk.pts_ns, chunk.duration_ns)?;
            self.next_audio = match self.audio.as_mut() {
                Some(a) => a.next_chunk()?,
                None => None,
            };
        }
        Ok(())
    }

    /// The rest of the sound, then the end of both streams.
    pub(crate) fn finish(mut self) -> Result<(), MediaError> {
        while self.next_audio.is_some() {
            self.push_audio()?;
        }
        drop(self.audio.take());
        self.encoder.finish()
    }
}

/// SHA-256 (hex) and length of a file.
pub fn hash_file(path: &Path) -> Result<(String, u64), MediaError> {
    crate::files::sha256(path, &mut |_, _| true).map_err(|cause| MediaError::Io {
        what: format!("reading {}", path.display()),
        cause,
    })
}
