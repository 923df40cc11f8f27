//! The `Player` facade: frame-exact playback of one recording.
//!
//! ```text
//! Player (caller's thread)
//! ├── commands: SyncSender<PlayerCommand>  (bounded) ──► worker thread (owns everything below)
//! ├── events:   Receiver<PlayerEvent>      (bounded) ◄── │
//! └── mailbox:  Arc<FrameMailbox> (latest RGBA frame) ◄── ├── video pipeline → appsink, pulled by the worker
//!                                                         ├── FrameCache (decoded frames, bounded in bytes)
//!                                                         └── audio pipeline (scaletempo, volume) = the clock while playing
//! ```
//!
//! Why a pulling worker rather than appsink callbacks: the worker must decide,
//! frame by frame, what to do with each decoded picture (cache it, show it,
//! skip it), and it must be the one place that changes pipeline state. The
//! video appsink runs with `sync=false` and back-pressure (`drop=false`), so
//! the decoder works ahead by a few frames and forward steps are a pull away;
//! frames reach the cache in the decoder's own format (no colour conversion of
//! frames nobody looks at) and only the frame shown is converted to RGBA and
//! put in the [`FrameMailbox`], followed by the `wake` call (the UI passes
//! `ctx.request_repaint`).
//!
//! A frame is identified by its PTS looked up in the frame index table, never
//! by a float time. Seeks go to the table's PTS with `FLUSH | ACCURATE`;
//! backward steps are served from the cache, and a miss decodes the whole GOP
//! into it so the next steps back are instant. Seek and step commands that
//! arrive while one is being served are merged: one seek in flight, the
//! newest target wins.

mod cache;
mod convert;
pub(crate) mod pipelines;
mod skip;
mod worker;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{MediaError, MediaInfo, MediaSource};

/// Commands the player accepts.
#[derive(Clone, Debug, PartialEq)]
pub enum PlayerCommand {
    /// Start playing from the displayed frame.
    Play,
    /// Stop on the displayed frame.
    Pause,
    /// Play if paused, pause if playing.
    TogglePlay,
    /// Show exactly frame n (clamped to the last frame).
    Seek(u64),
    /// Show the frame on screen at this time (ns).
    SeekNs(i64),
    /// Move by ±n frames from the displayed (or already requested) frame.
    Step(i64),
    /// Show the first frame.
    GoToStart,
    /// Show the last frame.
    GoToEnd,
    /// Playback rate, clamped to 0.1–4.0; audio keeps its pitch.
    SetRate(f64),
    /// Volume, 0.0–1.0 (values above 1 amplify up to 4).
    SetVolume(f64),
    /// Mute or unmute.
    SetMute(bool),
}

/// Playing or paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlayState {
    /// Showing one frame.
    Paused,
    /// Advancing with the clock.
    Playing,
}

/// What the player reports.
#[derive(Clone, Debug)]
pub enum PlayerEvent {
    /// A new frame is displayed (its picture is in the mailbox).
    Position {
        /// Frame index.
        frame: u64,
        /// Its PTS (stream time, ns).
        pts_ns: i64,
    },
    /// Playing or paused.
    State(PlayState),
    /// The rate in effect.
    Rate(f64),
    /// Playback reached the last frame.
    Eos,
    /// Something failed; the player stays on the last good frame.
    Error(Arc<MediaError>),
    /// Duration of the recording (ns).
    Duration(i64),
}

/// One decoded picture, tightly packed RGBA (`width * 4` bytes per row).
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    /// Frame index in the recording.
    pub index: u64,
    /// PTS of the decoded picture (stream time, ns), as the decoder gave it.
    pub pts_ns: i64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGBA bytes, row after row.
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("index", &self.index)
            .field("pts_ns", &self.pts_ns)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

/// The latest decoded frame, handed from the worker to whoever displays it.
///
/// A newer frame replaces an older one that was never taken: a slow consumer
/// sees fewer frames, never stale ones, and never blocks the worker.
#[derive(Default)]
pub struct FrameMailbox {
    slot: Mutex<Slot>,
    arrived: Condvar,
}

#[derive(Default)]
struct Slot {
    frame: Option<Arc<Frame>>,
    /// Bumped on every put, so a waiter can tell a new frame from an old one.
    seq: u64,
    /// Whether `take` already returned the current frame.
    taken: bool,
}

impl FrameMailbox {
    /// Stores a frame and wakes waiters.
    pub fn put(&self, frame: Frame) {
        self.put_shared(Arc::new(frame));
    }

    /// [`FrameMailbox::put`] of a frame the player keeps a handle on (to
    /// reuse its memory once everyone else has let go of it).
    pub(crate) fn put_shared(&self, frame: Arc<Frame>) {
        if let Ok(mut slot) = self.slot.lock() {
            slot.frame = Some(frame);
            slot.seq += 1;
            slot.taken = false;
        }
        self.arrived.notify_all();
    }

    /// The frame not yet taken, if any (the UI calls this once per repaint).
    pub fn take(&self) -> Option<Arc<Frame>> {
        let mut slot = self.slot.lock().ok()?;
        if slot.taken {
            return None;
        }
        slot.taken = true;
        slot.frame.clone()
    }

    /// The latest frame, taken or not.
    pub fn latest(&self) -> Option<Arc<Frame>> {
        self.slot.lock().ok()?.frame.clone()
    }

    /// Sequence number of the latest frame (0 before the first).
    pub fn seq(&self) -> u64 {
        self.slot.lock().map(|s| s.seq).unwrap_or(0)
    }

    /// Waits until a frame newer than `after_seq` arrives, up to `timeout`.
    pub fn wait_newer(&self, after_seq: u64, timeout: Duration) -> Option<(u64, Arc<Frame>)> {
        let deadline = Instant::now() + timeout;
        let mut slot = self.slot.lock().ok()?;
        loop {
            if slot.seq > after_seq
                && let Some(frame) = slot.frame.clone()
            {
                return Some((slot.seq, frame));
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            slot = self.arrived.wait_timeout(slot, left).ok()?.0;
        }
    }
}

/// Counters of what the worker did, for tests and benchmarks.
#[derive(Debug, Default)]
pub struct PlayerStats {
    /// Frames pulled from the decoder.
    pub decoded: AtomicU64,
    /// Flushing seeks issued to the video pipeline.
    pub flush_seeks: AtomicU64,
    /// Non-reference pictures before a seek target that were never decoded.
    pub skipped: AtomicU64,
    /// Positioning requests served from the decoded-frame cache.
    pub cache_hits: AtomicU64,
    /// Frames converted and put in the mailbox.
    pub shown: AtomicU64,
    /// While playing: frames shown more than one frame period after they were due.
    pub late: AtomicU64,
    /// While playing: the most a frame was shown after it was due (ns).
    pub max_late_ns: AtomicU64,
    /// While playing: frames not shown because their successor was already due.
    pub skipped_shows: AtomicU64,
}

impl PlayerStats {
    /// A snapshot: (decoded, flush_seeks, cache_hits, shown).
    pub fn snapshot(&self) -> (u64, u64, u64, u64) {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        (
            get(&self.decoded),
            get(&self.flush_seeks),
            get(&self.cache_hits),
            get(&self.shown),
        )
    }
}

/// Called after a new frame is in the mailbox (the UI passes `request_repaint`).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// How a player is set up.
#[derive(Clone)]
pub struct PlayerConfig {
    /// Bytes of decoded frames kept for backward stepping (default 256 MiB).
    pub cache_bytes: usize,
    /// Play the audio track (if any). Off for frame extraction and benchmarks.
    pub audio: bool,
    /// Called whenever a new frame is in the mailbox.
    pub wake: Option<Wake>,
    /// Scale frames down to fit this box (keeping aspect); `None` keeps full size.
    pub max_size: Option<(u32, u32)>,
    /// How long to wait for the decoder before calling the media damaged.
    pub decode_timeout: Duration,
    /// Audio sink element; `None` uses `$DEBRIEF_AUDIO_SINK` or `autoaudiosink`.
    pub audio_sink: Option<String>,
}

impl Default for PlayerConfig {
    fn default() -> Self {
        Self {
            cache_bytes: 256 * 1024 * 1024,
            audio: true,
            wake: None,
            max_size: None,
            decode_timeout: Duration::from_secs(10),
            audio_sink: None,
        }
    }
}

/// A frame-exact player for one recording. Dropping it stops the worker.
pub struct Player {
    commands: SyncSender<PlayerCommand>,
    events: Receiver<PlayerEvent>,
    mailbox: Arc<FrameMailbox>,
    info: Arc<MediaInfo>,
    worker: Option<JoinHandle<()>>,
    shutdown: Arc<AtomicBool>,
    stats: Arc<PlayerStats>,
}

/// Capacity of the command channel: a UI sends a handful per repaint.
const COMMAND_CAPACITY: usize = 64;
/// Capacity of the event channel; position events beyond it are dropped, never queued without bound.
const EVENT_CAPACITY: usize = 256;

impl Player {
    /// Opens `source`, described by `info` (from [`super::probe`] or the vault),
    /// and starts the worker. Nothing is displayed until the first seek.
    pub fn open(
        source: MediaSource,
        info: Arc<MediaInfo>,
        config: PlayerConfig,
    ) -> Result<Self, MediaError> {
        if info.table.is_empty() {
            return Err(MediaError::NoVideo(source.describe()));
        }
        let (info_tx, pending) = Self::spawn(source, config)?;
        let _ = info_tx.send(Arc::clone(&info));
        pending.finish(info)
    }

    /// Probes `source` and opens it, building the pipeline while the probe
    /// runs (for plain files; vault recordings have their table already).
    pub fn probe_and_open(source: MediaSource, config: PlayerConfig) -> Result<Self, MediaError> {
        let (info_tx, pending) = Self::spawn(source.clone(), config)?;
        let info = super::probe(&source).map(Arc::new);
        match info {
            Ok(info) => {
                let _ = info_tx.send(Arc::clone(&info));
                pending.finish(info)
            }
            Err(err) => {
                // The worker gives up at once (it may still be waiting for a first
                // frame that will never come); the probe's error is the precise one.
                pending.shutdown.store(true, Ordering::SeqCst);
                drop(info_tx);
                let _ = pending.handle.join();
                Err(err)
            }
        }
    }

    /// Starts the worker thread; it builds the video pipeline, then waits for the table.
    fn spawn(
        source: MediaSource,
        config: PlayerConfig,
    ) -> Result<(SyncSender<Arc<MediaInfo>>, Pending), MediaError> {
        super::init()?;
        let (info_tx, info_rx) = sync_channel(1);
        let (cmd_tx, cmd_rx) = sync_channel(COMMAND_CAPACITY);
        let (ev_tx, ev_rx) = sync_channel(EVENT_CAPACITY);
        let (ready_tx, ready_rx) = sync_channel(1);
        let mailbox = Arc::new(FrameMailbox::default());
        let shutdown = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(PlayerStats::default());
        let links = worker::Links {
            source,
            info: info_rx,
            config,
            commands: cmd_rx,
            events: ev_tx,
            mailbox: Arc::clone(&mailbox),
            shutdown: Arc::clone(&shutdown),
            stats: Arc::clone(&stats),
        };
        let handle = std::thread::Builder::new()
            .name("debrief-player".into())
            .spawn(move || match worker::Worker::start(links) {
                Ok(worker) => {
                    let _ = ready_tx.send(Ok(()));
                    worker.run();
                }
                Err(err) => {
                    let _ = ready_tx.send(Err(err));
                }
            })
            .map_err(|e| MediaError::Pipeline(format!("cannot start the player thread: {e}")))?;
        Ok((
            info_tx,
            Pending {
                handle,
                ready: ready_rx,
                commands: cmd_tx,
                events: ev_rx,
                mailbox,
                shutdown,
                stats,
            },
        ))
    }

    /// Sends a command; fails only if the worker is gone or hopelessly behind.
    pub fn send(&self, command: PlayerCommand) -> Result<(), MediaError> {
        match self.commands.try_send(command) {
            Ok(()) => Ok(()),
            // Seeks coalesce in the worker; a full queue means it is far behind.
            Err(TrySendError::Full(command)) => self
                .commands
                .send_timeout_compat(command, Duration::from_secs(2))
                .map_err(|_| MediaError::Timeout {
                    what: "sending a player command".into(),
                    secs: 2,
                }),
            Err(TrySendError::Disconnected(_)) => Err(MediaError::PlayerGone),
        }
    }

    /// The next event, if one is waiting.
    pub fn try_event(&self) -> Option<PlayerEvent> {
        self.events.try_recv().ok()
    }

    /// Waits up to `timeout` for the next event.
    pub fn next_event(&self, timeout: Duration) -> Option<PlayerEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// The latest-frame mailbox.
    pub fn mailbox(&self) -> &Arc<FrameMailbox> {
        &self.mailbox
    }

    /// What the worker has done so far.
    pub fn stats(&self) -> &PlayerStats {
        &self.stats
    }

    /// What is being played.
    pub fn info(&self) -> &Arc<MediaInfo> {
        &self.info
    }

    /// Shows frame `index` and waits until it is in the mailbox (CLI, tests, benchmarks).
    pub fn seek_wait(&self, index: u64, timeout: Duration) -> Result<Arc<Frame>, MediaError> {
        let frames = self.info.frames();
        if index >= frames {
            return Err(MediaError::FrameOutOfRange { index, frames });
        }
        self.command_wait(PlayerCommand::Seek(index), Some(index), timeout)
    }

    /// Steps by `delta` frames and waits for the result.
    pub fn step_wait(&self, delta: i64, timeout: Duration) -> Result<Arc<Frame>, MediaError> {
        self.command_wait(PlayerCommand::Step(delta), None, timeout)
    }

    /// Sends a positioning command and waits for the frame it produces.
    /// `expect` is the frame that must arrive, when known.
    fn command_wait(
        &self,
        command: PlayerCommand,
        expect: Option<u64>,
        timeout: Duration,
    ) -> Result<Arc<Frame>, MediaError> {
        let deadline = Instant::now() + timeout;
        // Events from earlier commands are stale now.
        while self.try_event().is_some() {}
        self.send(command)?;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(MediaError::Timeout {
                    what: "waiting for a frame".into(),
                    secs: timeout.as_secs(),
                });
            }
            match self.next_event(left) {
                Some(PlayerEvent::Position { frame, .. }) if expect.is_none_or(|e| e == frame) => {
                    // The mailbox holds this frame or a newer one; while paused nothing newer comes.
                    return self.mailbox.latest().ok_or(MediaError::PlayerGone);
                }
                Some(PlayerEvent::Error(err)) => {
                    return Err(Arc::try_unwrap(err)
                        .unwrap_or_else(|e| MediaError::Pipeline(e.to_string())));
                }
                Some(_) => {}
                None if self.worker.as_ref().is_some_and(|w| w.is_finished()) => {
                    return Err(MediaError::PlayerGone);
                }
                None => {}
            }
        }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        // Wake a worker blocked on the command channel.
        let _ = self.commands.try_send(PlayerCommand::Pause);
        if let Some(handle) = self.worker.take() {
            let _ = handle.join();
        }
    }
}

/// A worker that is starting.
struct Pending {
    handle: JoinHandle<()>,
    ready: Receiver<Result<(), MediaError>>,
    commands: SyncSender<PlayerCommand>,
    events: Receiver<PlayerEvent>,
    mailbox: Arc<FrameMailbox>,
    shutdown: Arc<AtomicBool>,
    stats: Arc<PlayerStats>,
}

impl Pending {
    /// Waits for the worker to be ready and wraps it in a `Player`.
    fn finish(self, info: Arc<MediaInfo>) -> Result<Player, MediaError> {
        match self.ready.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(())) => Ok(Player {
                commands: self.commands,
                events: self.events,
                mailbox: self.mailbox,
                info,
                worker: Some(self.handle),
                shutdown: self.shutdown,
                stats: self.stats,
            }),
            Ok(Err(err)) => {
                let _ = self.handle.join();
                Err(err)
            }
            Err(_) => {
                self.shutdown.store(true, Ordering::SeqCst);
                Err(MediaError::Timeout {
                    what: "opening the player".into(),
                    secs: 30,
                })
            }
        }
    }
}

/// `SyncSender::send` with a deadline (std has none): retries `try_send`.
trait SendTimeout<T> {
    fn send_timeout_compat(&self, value: T, timeout: Duration) -> Result<(), T>;
}

impl<T> SendTimeout<T> for SyncSender<T> {
    fn send_timeout_compat(&self, mut value: T, timeout: Duration) -> Result<(), T> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.try_send(value) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(v)) => return Err(v),
                Err(TrySendError::Full(v)) => {
                    if Instant::now() >= deadline {
                        return Err(v);
                    }
                    value = v;
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
    }
}
