//! A running recording: the pipeline, one writer thread per camera that
//! encrypts its stream into segments as it arrives, and the controls
//! (pause, privacy, stop) with the limits that stop it by themselves.
//!
//! ```text
//! appsink i ──pull──► BoxSplitter (whole boxes) ──► SegmentWriter media/<view>.<seq>.age
//!                      a new segment at the first moof after a pause or every `segment` ──► Vault::seal_segment
//!                      after a fragment: pad to the age chunk and fsync at most every second
//! ```

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app::AppSink;

use super::pipeline::{self, Settings, Switches};
use super::spec::{CameraSpec, MicSpec};
use crate::media::isobmff::{BoxSplitter, box_kind};
use crate::model::Purpose;
use crate::vault::{
    BeforeRecording, Capture, CaptureView, CaptureViewSpec, Captured, NewCapture, Vault, VaultError,
};

/// How long Stop waits for every stream to end before stopping the pipeline.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// What to record.
#[derive(Clone, Debug)]
pub struct RecordOptions {
    /// The case.
    pub case_id: String,
    /// Why it is recorded.
    pub purpose: Purpose,
    /// Cameras with their labels, the reference first (1–4).
    pub cameras: Vec<(CameraSpec, Option<String>)>,
    /// The microphone (its sound goes with the first camera).
    pub mic: Option<MicSpec>,
    /// Stops by itself after this long.
    pub max_length: Duration,
    /// A new segment after this long (and at every pause).
    pub segment: Duration,
    /// Stops when the vault's disk has less free space than this.
    pub reserve_bytes: u64,
    /// Picture and encoder settings.
    pub settings: Settings,
    /// Who is present, deferred consent, the "do not record" confirmation.
    pub before: BeforeRecording,
}

impl RecordOptions {
    /// Options with the defaults: 60 minutes at most, 5-minute segments, 1 GiB reserve.
    pub fn new(case_id: &str, cameras: Vec<(CameraSpec, Option<String>)>) -> Self {
        Self {
            case_id: case_id.to_owned(),
            purpose: Purpose::QualityImprovement,
            cameras,
            mic: None,
            max_length: Duration::from_secs(60 * 60),
            segment: Duration::from_secs(5 * 60),
            reserve_bytes: 1 << 30,
            settings: Settings::default(),
            before: BeforeRecording::default(),
        }
    }
}

/// Why a recording stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Someone pressed Stop (or the CLI's duration ran out, or a signal came).
    Asked,
    /// The maximum length was reached.
    MaxLength,
    /// The disk fell below the reserve.
    DiskReserve,
    /// The pipeline or a writer failed (the message says what).
    Failed(String),
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Asked => f.write_str("stopped"),
            Self::MaxLength => f.write_str("the maximum length was reached"),
            Self::DiskReserve => f.write_str("the disk is nearly full"),
            Self::Failed(why) => f.write_str(why),
        }
    }
}

/// What every writer thread shares with the recorder.
#[derive(Debug, Default)]
struct Shared {
    /// Bumped at every pause: writers start a new segment at their next fragment.
    cut: AtomicU32,
    /// Encrypted bytes written, all views.
    bytes: AtomicU64,
    /// Segments sealed, all views.
    segments: AtomicU32,
    /// Set by a writer that failed.
    failed: AtomicBool,
}

/// A recording in progress. Dropping it without [`Recorder::stop`] stops the
/// pipeline and leaves the capture to be recovered at the next unlock.
pub struct Recorder {
    vault: Vault,
    capture: Option<Capture>,
    /// Each camera's source and the pad its pictures leave by.
    cameras: Vec<(gst::Element, gst::Pad)>,
    /// When each camera was lost, if it was.
    lost: Vec<Option<Duration>>,
    /// Where the microphone's sound leaves its part.
    mic: Option<gst::Pad>,
    pipeline: gst::Pipeline,
    switches: Arc<Switches>,
    shared: Arc<Shared>,
    writers: Vec<JoinHandle<Result<(), String>>>,
    started: Instant,
    paused_for: Duration,
    paused_at: Option<Instant>,
    options: RecordOptions,
    stop_reason: Option<StopReason>,
}

/// Core dumps would write the frames in memory to disk in plaintext.
fn no_core_dumps() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on this process with valid arguments; no memory is shared.
    #[allow(unsafe_code)]
    unsafe {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// Free bytes on the disk holding `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        // SAFETY: statvfs writes into the zeroed struct we own; the path is NUL-terminated.
        #[allow(unsafe_code)]
        unsafe {
            let mut stat: libc::statvfs = std::mem::zeroed();
            if libc::statvfs(path.as_ptr(), &mut stat) != 0 {
                return None;
            }
            Some(stat.f_bavail as u64 * stat.f_frsize as u64)
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

impl Recorder {
    /// Starts recording into `vault` (instructors): the capture is noted and
    /// audited, the pipeline starts and every camera's stream is encrypted
    /// from its first byte. Refused with a clear error when the disk is
    /// already below the reserve or a source cannot start.
    pub fn start(vault: &Vault, options: RecordOptions) -> Result<Self, VaultError> {
        if let Some(free) = free_bytes(vault.dir())
            && free < options.reserve_bytes
        {
            return Err(VaultError::Invalid(format!(
                "only {} MiB free on the vault's disk (the reserve is {} MiB): free space first",
                free >> 20,
                options.reserve_bytes >> 20
            )));
        }
        no_core_dumps();
        let cameras: Vec<CameraSpec> = options.cameras.iter().map(|(c, _)| c.clone()).collect();
        let graph = pipeline::build(&cameras, options.mic.as_ref(), options.settings)?;
        let mut own = vault.reopen()?;
        let capture = own.begin_capture(&NewCapture {
            case_id: options.case_id.clone(),
            purpose: options.purpose,
            views: options
                .cameras
                .iter()
                .map(|(spec, camera)| CaptureViewSpec {
                    camera: camera.clone(),
                    source: spec.stored(),
                })
                .collect(),
            before: options.before.clone(),
        })?;
        let shared = Arc::new(Shared::default());
        let (graph_sinks, views) = (graph.sinks.clone(), capture.views.clone());
        let mut recorder = Self {
            vault: own,
            capture: Some(capture),
            lost: vec![None; graph.cameras.len()],
            cameras: graph.cameras,
            mic: graph.mic,
            pipeline: graph.pipeline,
            switches: graph.switches,
            shared,
            writers: Vec::new(),
            started: Instant::now(),
            paused_for: Duration::ZERO,
            paused_at: None,
            options,
            stop_reason: None,
        };
        if recorder.pipeline.set_state(gst::State::Playing).is_err() {
            let why = recorder
                .bus_error()
                .unwrap_or_else(|| "a camera or microphone could not start".into());
            recorder.abort();
            // Sealed at once as empty (audited), not left for the next unlock.
            if let Some(capture) = recorder.capture.take() {
                let _ = recorder.vault.finish_capture(capture);
            }
            return Err(VaultError::Invalid(format!(
                "recording could not start: {why}"
            )));
        }
        // Only now: an appsink that has not started yet reports end of stream.
        for (index, (sink, view)) in graph_sinks.iter().zip(&views).enumerate() {
            let writer = ViewWriter {
                vault: vault.reopen()?,
                switches: Arc::clone(&recorder.switches),
                index,
                view: view.clone(),
                sink: sink.clone(),
                shared: Arc::clone(&recorder.shared),
                segment: recorder.options.segment,
            };
            let spawned = std::thread::Builder::new()
                .name("capture-writer".into())
                .spawn(move || writer.run());
            match spawned {
                Ok(handle) => recorder.writers.push(handle),
                Err(e) => {
                    recorder.abort();
                    return Err(VaultError::io("starting a recording thread")(e));
                }
            }
        }
        recorder.started = Instant::now();
        Ok(recorder)
    }

    /// The capture's id (the audit names it).
    pub fn capture_id(&self) -> &str {
        self.capture.as_ref().map_or("", |c| c.id.as_str())
    }

    /// Time recorded so far (pauses excluded).
    pub fn elapsed(&self) -> Duration {
        let paused = self.paused_for + self.paused_at.map_or(Duration::ZERO, |at| at.elapsed());
        self.started.elapsed().saturating_sub(paused)
    }

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        self.paused_at.is_some()
    }

    /// True while the pictures are blacked out.
    pub fn is_private(&self) -> bool {
        self.switches.privacy.load(Ordering::SeqCst)
    }

    /// Encrypted bytes written so far, all cameras.
    pub fn bytes(&self) -> u64 {
        self.shared.bytes.load(Ordering::Relaxed)
    }

    /// Pictures each camera delivered so far.
    pub fn frames(&self) -> Vec<u64> {
        self.switches
            .frames
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .collect()
    }

    fn running_ns(&self) -> i64 {
        self.pipeline
            .current_running_time()
            .map_or(0, |t| t.nseconds() as i64)
    }

    /// Pauses (nothing is captured; the segment closes) or resumes; audited.
    pub fn set_paused(&mut self, pause: bool) -> Result<(), VaultError> {
        if pause == self.is_paused() {
            return Ok(());
        }
        let now = self.running_ns();
        if pause {
            self.switches.pause(now);
            self.shared.cut.fetch_add(1, Ordering::SeqCst);
            self.paused_at = Some(Instant::now());
        } else {
            self.switches.resume(now);
            if let Some(at) = self.paused_at.take() {
                self.paused_for += at.elapsed();
            }
        }
        let id = self.capture_id().to_owned();
        let action = if pause {
            "capture.pause"
        } else {
            "capture.resume"
        };
        self.vault.audit_capture(&id, action, None)
    }

    /// Privacy on (black pictures, no sound, the timeline running) or off; audited.
    pub fn set_privacy(&mut self, on: bool) -> Result<(), VaultError> {
        if on == self.is_private() {
            return Ok(());
        }
        self.switches.privacy.store(on, Ordering::SeqCst);
        let id = self.capture_id().to_owned();
        let detail = if on { "on" } else { "off" };
        self.vault
            .audit_capture(&id, "capture.privacy", Some(detail))
    }

    /// The first error on the bus that is not a single camera's (those are
    /// handled as a lost camera: the others go on).
    fn bus_error(&mut self) -> Option<String> {
        let bus = self.pipeline.bus()?;
        while let Some(msg) = bus.pop() {
            let gst::MessageView::Error(err) = msg.view() else {
                continue;
            };
            let camera = msg.src().and_then(|src| {
                self.cameras.iter().position(|(source, _)| {
                    src == source.upcast_ref::<gst::Object>() || src.has_as_ancestor(source)
                })
            });
            match camera {
                Some(i) if self.writers.len() == self.cameras.len() => {
                    self.camera_lost(i, &err.error().to_string());
                }
                _ => return Some(err.error().to_string()),
            }
        }
        None
    }

    /// A camera stopped sending (unplugged, its network gone, an RTSP
    /// server down): its stream is ended there, so its view ends at the gap
    /// and is sealed with the others; the other cameras record on. Audited.
    fn camera_lost(&mut self, i: usize, why: &str) {
        if self.lost.get(i).is_none_or(Option::is_some) {
            return;
        }
        let at = self.elapsed();
        if let Some(slot) = self.lost.get_mut(i) {
            *slot = Some(at);
        }
        if let Some((_, pad)) = self.cameras.get(i) {
            pad.push_event(gst::event::Eos::new());
        }
        let label = self.camera_label(i);
        let s = at.as_secs();
        let detail = format!(
            "camera={label} at={:02}:{:02}:{:02}: {why}",
            s / 3600,
            s / 60 % 60,
            s % 60
        );
        tracing::warn!("recording: camera lost: {detail}");
        let id = self.capture_id().to_owned();
        let _ = self
            .vault
            .audit_capture(&id, "capture.camera_lost", Some(&detail));
    }

    fn camera_label(&self, i: usize) -> String {
        self.options
            .cameras
            .get(i)
            .and_then(|(_, label)| label.clone())
            .unwrap_or_else(|| format!("camera {}", i + 1))
    }

    /// The cameras lost while recording: label and when (recording time).
    pub fn lost(&self) -> Vec<(String, Duration)> {
        self.lost
            .iter()
            .enumerate()
            .filter_map(|(i, at)| at.map(|at| (self.camera_label(i), at)))
            .collect()
    }

    /// Checks the limits and the pipeline; returns why the recording must
    /// stop, if it must. Call it a few times a second.
    pub fn poll(&mut self) -> Option<StopReason> {
        if self.stop_reason.is_none() {
            // A camera whose stream ended by itself is lost too.
            let ended: Vec<usize> = self
                .writers
                .iter()
                .enumerate()
                .filter(|(i, w)| w.is_finished() && self.lost.get(*i).is_some_and(Option::is_none))
                .map(|(i, _)| i)
                .collect();
            for i in ended {
                self.camera_lost(i, "its stream ended");
            }
            let all_lost = !self.lost.is_empty() && self.lost.iter().all(Option::is_some);
            self.stop_reason = if let Some(why) = self.bus_error() {
                Some(StopReason::Failed(format!(
                    "a camera or microphone failed: {why}"
                )))
            } else if all_lost {
                Some(StopReason::Failed(format!(
                    "every camera was lost ({})",
                    self.lost()
                        .iter()
                        .map(|(label, _)| label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            } else if self.shared.failed.load(Ordering::SeqCst) {
                Some(StopReason::Failed("writing the recording failed".into()))
            } else if self.elapsed() >= self.options.max_length {
                Some(StopReason::MaxLength)
            } else if free_bytes(self.vault.dir())
                .is_some_and(|free| free < self.options.reserve_bytes)
            {
                Some(StopReason::DiskReserve)
            } else {
                None
            };
        }
        self.stop_reason.clone()
    }

    /// Stops: the sources end, the muxers write their last fragment, every
    /// segment is sealed and the views become one recording. A writer that
    /// failed (a full disk) leaves its segment to be cut at its last whole
    /// fragment, as after a crash.
    pub fn stop(mut self) -> Result<(Captured, StopReason), VaultError> {
        let reason = self.poll().unwrap_or(StopReason::Asked);
        if self.is_paused() {
            let now = self.running_ns();
            self.switches.resume(now);
        }
        // Each source's stream is ended where it leaves the source's part
        // (never by an event sent to the sources: a source that lost its
        // camera can hold that up for good).
        for (_, pad) in &self.cameras {
            pad.push_event(gst::event::Eos::new());
        }
        if let Some(pad) = &self.mic {
            pad.push_event(gst::event::Eos::new());
        }
        // Each stream ends once its muxer has written its last fragment. A
        // source that failed never ends its stream: after a few seconds the
        // pipeline is stopped, which ends every writer at what it has.
        let deadline = Instant::now() + STOP_WAIT;
        while Instant::now() < deadline && !self.writers.iter().all(|w| w.is_finished()) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.pipeline.set_state(gst::State::Null);
        let mut problems = Vec::new();
        for writer in std::mem::take(&mut self.writers) {
            match writer.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => problems.push(e),
                Err(_) => problems.push("a recording thread failed".into()),
            }
        }
        let _ = self.pipeline.set_state(gst::State::Null);
        let capture = self
            .capture
            .take()
            .ok_or_else(|| VaultError::Invalid("the recording was already stopped".into()))?;
        if !problems.is_empty() {
            tracing::warn!("recording: {}", problems.join("; "));
        }
        let captured = match self.vault.finish_capture(capture) {
            Ok(captured) => captured,
            Err(VaultError::Invalid(empty)) => {
                let why = match &reason {
                    StopReason::Failed(why) => format!("{why}; {empty}"),
                    _ => empty,
                };
                return Err(VaultError::Invalid(why));
            }
            Err(e) => return Err(e),
        };
        let reason = match reason {
            StopReason::Asked if !problems.is_empty() => StopReason::Failed(problems.join("; ")),
            other => other,
        };
        Ok((captured, reason))
    }

    fn abort(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
        for writer in std::mem::take(&mut self.writers) {
            let _ = writer.join();
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if !self.writers.is_empty() {
            self.abort();
        }
    }
}

/// One camera's stream into its segments.
struct ViewWriter {
    vault: Vault,
    switches: Arc<Switches>,
    index: usize,
    view: CaptureView,
    sink: AppSink,
    shared: Arc<Shared>,
    segment: Duration,
}

impl ViewWriter {
    fn run(self) -> Result<(), String> {
        let result = self.write_all();
        if result.is_err() {
            self.shared.failed.store(true, Ordering::SeqCst);
        }
        result
    }

    fn write_all(&self) -> Result<(), String> {
        let err = |e: &dyn std::fmt::Display| {
            format!("camera {}: {e}", self.view.camera.as_deref().unwrap_or("?"))
        };
        let mut splitter = BoxSplitter::default();
        let mut seq = 0u32;
        let mut writer = self
            .vault
            .create_segment(&self.view, seq)
            .map_err(|e| err(&e))?;
        let mut segment_began = Instant::now();
        let mut last_flush = Instant::now();
        let mut cuts_seen = self.shared.cut.load(Ordering::SeqCst);
        let mut based = false;
        let mut written_before = 0u64;
        // The stream's ftyp and moov (every later segment is read behind
        // them), the video track's id, and the segments being indexed.
        let mut init: Vec<u8> = Vec::new();
        let mut video_track = None;
        let mut indexing = Vec::new();
        loop {
            let Some(sample) = self
                .sink
                .try_pull_sample(gst::ClockTime::from_mseconds(100))
            else {
                if self.sink.is_eos() {
                    break;
                }
                continue;
            };
            let Some(buffer) = sample.buffer() else {
                continue;
            };
            let map = buffer.map_readable().map_err(|e| err(&e))?;
            for whole in splitter.push(map.as_slice()).map_err(|e| err(&e))? {
                let kind = box_kind(&whole);
                if seq == 0 && (&kind == b"ftyp" || &kind == b"moov") {
                    init.extend_from_slice(&whole);
                    if &kind == b"moov" {
                        video_track = crate::media::isobmff::video_track_id(&whole);
                    }
                }
                if &kind == b"moof" {
                    if !based {
                        // The first fragment: where this view's stream time 0 lies
                        // on the shared clock is known from its first picture.
                        based = true;
                        if let Some(first) = self.first_picture_ns() {
                            let _ = self.vault.set_capture_clock_base(&self.view.id, first);
                        }
                    }
                    // Segments begin only with a fragment whose first picture
                    // is a keyframe (at most a second away): each can then be
                    // read, and its frames indexed, on its own.
                    let keyframe = video_track.and_then(|track| {
                        crate::media::isobmff::fragment_starts_with_sync(&whole, track)
                    }) == Some(true);
                    let cuts = self.shared.cut.load(Ordering::SeqCst);
                    if (cuts != cuts_seen || segment_began.elapsed() >= self.segment)
                        && keyframe
                        && writer.plain_bytes() > 0
                    {
                        cuts_seen = cuts;
                        let next = self
                            .vault
                            .create_segment(&self.view, seq + 1)
                            .map_err(|e| err(&e))?;
                        let done = std::mem::replace(&mut writer, next);
                        let sealed = done.finish().map_err(|e| err(&e))?;
                        self.vault
                            .seal_segment(&self.view.id, seq, &sealed, false)
                            .map_err(|e| err(&e))?;
                        self.shared.segments.fetch_add(1, Ordering::Relaxed);
                        if let Ok(vault) = self.vault.reopen() {
                            let (view, head, done_seq) = (self.view.id.clone(), init.clone(), seq);
                            indexing.push(std::thread::spawn(move || {
                                if let Err(e) = vault.index_segment(&view, done_seq, &head) {
                                    tracing::warn!("a segment will be indexed at Stop: {e}");
                                }
                            }));
                        }
                        seq += 1;
                        segment_began = Instant::now();
                    }
                }
                writer.write(&whole).map_err(|e| err(&e))?;
                if &kind == b"mdat" && last_flush.elapsed() >= Duration::from_secs(1) {
                    writer.flush_to_disk().map_err(|e| err(&e))?;
                    last_flush = Instant::now();
                }
            }
            let now = writer.plain_bytes();
            self.shared
                .bytes
                .fetch_add(now.saturating_sub(written_before), Ordering::Relaxed);
            written_before = now;
        }
        for done in indexing {
            let _ = done.join();
        }
        let sealed = writer.finish().map_err(|e| err(&e))?;
        tracing::debug!(
            view = crate::model::redacted(&self.view.id),
            seq,
            plain = sealed.plain,
            "last segment sealed"
        );
        self.vault
            .seal_segment(&self.view.id, seq, &sealed, false)
            .map_err(|e| err(&e))?;
        self.shared.segments.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// The running time of this camera's first picture (from the pipeline's
    /// probe); the vault takes its stored first frame time from it to place
    /// the view on the shared clock.
    fn first_picture_ns(&self) -> Option<i64> {
        *self.switches.first_ns.get(self.index)?.lock().ok()?
    }
}
