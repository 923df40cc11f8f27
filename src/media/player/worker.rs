//! The player's worker thread: the one place that touches the pipelines.
//!
//! Paused, it blocks on the command channel. A positioning command resolves
//! to a target frame (merged with any positioning commands already queued),
//! then [`Worker::goto`] serves it from the cache, by pulling forward from the
//! decoder when no keyframe lies between (cheaper than a seek), or by a
//! flushing accurate seek. Playing, it pulls the next frame, waits until the
//! clock (the audio pipeline's position, or the system clock without audio)
//! reaches its PTS while listening for commands, and shows it; a frame whose
//! successor is already due is skipped (preview only — nothing is dropped
//! from the recording).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

use super::cache::{CachedFrame, FrameCache};
use super::convert::RgbaConverter;
use super::pipelines::{self, AudioPipeline, VideoPipeline};
use super::skip::SkipControl;
use super::{FrameMailbox, PlayState, PlayerCommand, PlayerConfig, PlayerEvent, PlayerStats};
use crate::media::{MediaError, MediaInfo, MediaSource, classify_error};

/// Slowest and fastest playback rates.
pub const MIN_RATE: f64 = 0.1;
/// See [`MIN_RATE`].
pub const MAX_RATE: f64 = 4.0;
/// Shown frames kept to reuse their memory: the one in the mailbox, the one
/// on screen, and one more that is usually free again.
const RECYCLE: usize = 3;

/// While playing, show at least one frame this often even when running late.
const MIN_SHOW_INTERVAL: Duration = Duration::from_millis(100);

/// What a seek that decodes from a keyframe keeps of the frames before its target.
///
/// Either way decoding starts at the keyframe's PTS. Seeking to the target's
/// own PTS instead would let the decoder clip earlier frames to the segment
/// start, and where a container rounds timestamps (Matroska: 1 ms) the frame
/// before the target then comes out stamped with the target's PTS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fill {
    /// Skip non-reference pictures before the target (random seeks: fastest).
    FromTarget,
    /// Decode and keep every frame of the GOP (backward steps).
    WholeGop,
}

enum Clock {
    /// The audio pipeline's position.
    Audio,
    /// `anchor_pts + elapsed × rate`.
    System { anchor: Instant, anchor_pts: i64 },
}

struct Playback {
    clock: Clock,
    /// A frame pulled but not yet due.
    pending: Option<u64>,
    last_shown: Instant,
}

/// Everything a worker is started with.
pub(super) struct Links {
    pub source: MediaSource,
    /// The frame table arrives here, possibly while the video pipeline is being built.
    pub info: Receiver<Arc<MediaInfo>>,
    pub config: PlayerConfig,
    pub commands: Receiver<PlayerCommand>,
    pub events: SyncSender<PlayerEvent>,
    pub mailbox: Arc<FrameMailbox>,
    pub shutdown: Arc<AtomicBool>,
    pub stats: Arc<PlayerStats>,
}

pub(super) struct Worker {
    stats: Arc<PlayerStats>,
    skip: Arc<SkipControl>,
    info: Arc<MediaInfo>,
    config: PlayerConfig,
    what: String,
    video: VideoPipeline,
    audio: Option<AudioPipeline>,
    cache: FrameCache,
    converter: RgbaConverter,
    commands: Receiver<PlayerCommand>,
    events: SyncSender<PlayerEvent>,
    mailbox: Arc<FrameMailbox>,
    shutdown: Arc<AtomicBool>,
    deferred: VecDeque<PlayerCommand>,
    displayed: Option<u64>,
    /// The frame last put in the mailbox (behind `displayed` after skipping late frames).
    shown: Option<u64>,
    /// The frame the next pull from the appsink delivers, when known.
    next_pull: Option<u64>,
    /// Position of the last flushing seek (stream time).
    seek_pts: Option<i64>,
    /// Since the last flush, frames before this index may have been dropped at
    /// the decoder's input (non-reference skipping): pulling forward reaches
    /// only targets at or after it. `None`: nothing was dropped.
    skip_from: Option<u64>,
    /// A frame stamped with the seek position, waiting to see whether a later one has the same stamp.
    held: Option<CachedFrame>,
    /// A frame pulled to settle `held`, returned by the next pull.
    pulled_ahead: Option<CachedFrame>,
    /// The last few frames shown, kept to reuse their memory (see `recycled`).
    shown_frames: VecDeque<Arc<super::Frame>>,
    /// Caps of the last pulled sample and their parsed info (parsing per frame is wasteful).
    last_caps: crate::media::decoded::CapsCache,
    playback: Option<Playback>,
    rate: f64,
}

impl Worker {
    pub fn start(links: Links) -> Result<Self, MediaError> {
        let Links {
            source,
            info,
            config,
            commands,
            events,
            mailbox,
            shutdown,
            stats,
        } = links;
        let what = source.describe();
        let skip = Arc::new(SkipControl::default());
        // Until the first request nothing is wanted but the preroll frame: spare the rest.
        skip.set(Some(i64::MAX));
        let video = pipelines::video(&source, config.decode_timeout, Arc::clone(&skip), &shutdown)?;
        let Ok(info) = info.recv() else {
            let _ = video.pipeline.set_state(gst::State::Null);
            return Err(MediaError::PlayerGone);
        };
        let audio = if config.audio && info.has_audio() {
            match pipelines::audio(&source, config.audio_sink.as_deref(), config.decode_timeout) {
                Ok(audio) => Some(audio),
                Err(err) => {
                    // Video review without sound beats no review: carry on silently.
                    tracing::warn!("audio disabled: {err:#}");
                    None
                }
            }
        } else {
            None
        };
        let worker = Self {
            stats,
            skip,
            cache: FrameCache::new(config.cache_bytes),
            converter: RgbaConverter::new(config.max_size, info.orientation),
            info,
            config,
            what,
            video,
            audio,
            commands,
            events,
            mailbox,
            shutdown,
            deferred: VecDeque::new(),
            displayed: None,
            shown: None,
            next_pull: Some(0),
            last_caps: None,
            seek_pts: None,
            // The preroll spares everything (see below): only a seek makes frames trustworthy.
            skip_from: Some(u64::MAX),
            held: None,
            pulled_ahead: None,
            shown_frames: VecDeque::new(),
            playback: None,
            rate: 1.0,
        };
        worker.emit(PlayerEvent::Duration(worker.info.duration_ns));
        worker.emit(PlayerEvent::State(PlayState::Paused));
        Ok(worker)
    }

    pub fn run(mut self) {
        while !self.stopping() {
            let command = if self.playback.is_some() {
                self.play_tick()
            } else {
                self.next_command()
            };
            if let Some(command) = command
                && !self.stopping()
            {
                self.handle(command);
            }
        }
        if let Some(audio) = &self.audio {
            let _ = audio.pipeline.set_state(gst::State::Null);
        }
        let _ = self.video.pipeline.set_state(gst::State::Null);
    }

    fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    fn next_command(&mut self) -> Option<PlayerCommand> {
        if let Some(c) = self.deferred.pop_front() {
            return Some(c);
        }
        match self.commands.recv_timeout(Duration::from_millis(250)) {
            Ok(c) => Some(c),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                self.shutdown.store(true, Ordering::SeqCst);
                None
            }
        }
    }

    fn emit(&self, event: PlayerEvent) {
        // Bounded: a consumer that stopped reading loses events, the worker never blocks.
        let _ = self.events.try_send(event);
    }

    fn fail(&mut self, err: MediaError) {
        tracing::warn!("player: {err:#}");
        if self.playback.is_some() {
            self.pause();
        }
        self.emit(PlayerEvent::Error(Arc::new(err)));
    }

    fn last_frame(&self) -> u64 {
        self.info.table.len().saturating_sub(1)
    }

    fn handle(&mut self, command: PlayerCommand) {
        match command {
            PlayerCommand::Play => self.play(),
            PlayerCommand::Pause => self.pause(),
            PlayerCommand::TogglePlay => {
                if self.playback.is_some() {
                    self.pause();
                } else {
                    self.play();
                }
            }
            PlayerCommand::SetRate(rate) => self.set_rate(rate),
            PlayerCommand::SetVolume(v) => {
                if let Some(audio) = &self.audio {
                    audio.volume.set_property("volume", v.clamp(0.0, 4.0));
                }
            }
            PlayerCommand::SetMute(m) => {
                if let Some(audio) = &self.audio {
                    audio.volume.set_property("mute", m);
                }
            }
            positional => {
                let base = self.displayed.unwrap_or(0);
                let Some(mut target) = self.resolve(&positional, base) else {
                    return;
                };
                let mut fill = fill_for(&positional, base, target);
                // Stepping is frame-by-frame inspection: it pauses playback.
                if matches!(positional, PlayerCommand::Step(_)) && self.playback.is_some() {
                    self.pause();
                }
                // Merge positioning commands already waiting: the newest target wins.
                while let Ok(next) = self.commands.try_recv() {
                    match self.resolve(&next, target) {
                        Some(t) => {
                            fill = fill_for(&next, target, t);
                            target = t;
                        }
                        None => {
                            self.deferred.push_back(next);
                            break;
                        }
                    }
                }
                self.seek_to(target, fill);
            }
        }
    }

    /// The frame a positioning command asks for, relative to `base`; `None` for other commands.
    fn resolve(&self, command: &PlayerCommand, base: u64) -> Option<u64> {
        let last = self.last_frame();
        Some(match *command {
            PlayerCommand::Seek(n) => n.min(last),
            PlayerCommand::SeekNs(ns) => self.info.table.frame_at(ns).unwrap_or(0),
            PlayerCommand::Step(delta) => base.saturating_add_signed(delta).min(last),
            PlayerCommand::GoToStart => 0,
            PlayerCommand::GoToEnd => last,
            _ => return None,
        })
    }

    fn seek_to(&mut self, target: u64, fill: Fill) {
        if let Err(err) = self.goto(target, fill) {
            self.fail(err);
            return;
        }
        if self.playback.is_some() {
            self.restart_clock();
        }
    }

    /// Shows exactly frame `target`.
    fn goto(&mut self, mut target: u64, mut fill: Fill) -> Result<(), MediaError> {
        if self.shown == Some(target) && self.displayed == Some(target) {
            // Nothing to decode; still answer, so a waiting caller is not left hanging.
            self.emit_position(target);
            return Ok(());
        }
        'retarget: loop {
            if self.cache.contains(target) {
                self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
                return self.present(target);
            }
            if self.can_pull_to(target) {
                if fill == Fill::FromTarget {
                    // Frames not yet at the decoder's input can still be spared.
                    self.skip_before(target);
                }
            } else {
                self.seek_for(target, fill)?;
            }
            loop {
                // A newer target arrived: continue if it lies ahead on this run, else start over.
                if let Some((new_target, new_fill)) = self.poll_retarget(target) {
                    target = new_target;
                    fill = new_fill;
                    if fill == Fill::FromTarget && self.can_pull_to(target) {
                        // Still ahead: spare the decoder the new stretch too.
                        self.skip_before(target);
                    }
                    if self.cache.contains(target) || !self.can_pull_to(target) {
                        continue 'retarget;
                    }
                }
                let Some((index, frame)) = self.pull()? else {
                    // End of stream before the target: show the last frame decoded.
                    return match self.next_pull.take().and_then(|n| n.checked_sub(1)) {
                        Some(last) if self.cache.contains(last) => self.present(last),
                        _ => Err(MediaError::Corrupt {
                            what: self.what.clone(),
                            detail: format!("frame {target} could not be decoded"),
                        }),
                    };
                };
                self.cache.insert(index, frame);
                if index >= target {
                    self.present(index)?;
                    if index > target {
                        // Damage the decoder could not get past: say so now, rather than
                        // leave a caller waiting for a frame that will not come.
                        tracing::warn!(target, index, "decoder skipped the requested frame");
                        self.fail(MediaError::Corrupt {
                            what: self.what.clone(),
                            detail: format!(
                                "frame {target} could not be decoded, the recording is damaged \
                                 there (frame {index} is the next one that can be shown)"
                            ),
                        });
                    }
                    return Ok(());
                }
            }
        }
    }

    /// True when pulling forward reaches `target` without passing a keyframe
    /// (past a keyframe, seeking there is cheaper than decoding up to it) and
    /// without depending on a frame the decoder may have been spared.
    fn can_pull_to(&self, target: u64) -> bool {
        self.next_pull
            .is_some_and(|n| n <= target && !self.info.table.keyframe_between(n, target))
            && self.skip_from.is_none_or(|s| target >= s)
    }

    /// True when pictures are matched to frames by counting (`FrameOrder::Counted`).
    fn counted(&self) -> bool {
        self.info.frame_order == crate::media::FrameOrder::Counted
    }

    /// Lets the decoder input drop non-reference frames before `target` (from now on).
    fn skip_before(&mut self, target: u64) {
        if self.counted() {
            return;
        }
        self.skip.set(self.info.table.pts(target));
        self.skip_from = Some(self.skip_from.map_or(target, |s| s.max(target)));
    }

    /// A positioning command waiting in the channel, merged relative to `current`.
    fn poll_retarget(&mut self, current: u64) -> Option<(u64, Fill)> {
        let mut newest = None;
        while let Ok(next) = self.commands.try_recv() {
            let base = newest.map_or(current, |(t, _)| t);
            match self.resolve(&next, base) {
                Some(t) => newest = Some((t, fill_for(&next, base, t))),
                None => self.deferred.push_back(next),
            }
        }
        newest
    }

    /// Positions the decoder so that pulling reaches `target`: a flushing seek
    /// to the keyframe at or before it, sparing what `fill` allows.
    fn seek_for(&mut self, target: u64, fill: Fill) -> Result<(), MediaError> {
        let (skip_pts, skip_from) = match fill {
            // Counted pictures: every one must come out, none may be spared.
            _ if self.counted() => (None, None),
            Fill::FromTarget => (self.info.table.pts(target), Some(target)),
            Fill::WholeGop => (None, None),
        };
        self.skip.set(skip_pts);
        self.flush_seek(self.info.table.keyframe_at_or_before(target))?;
        self.skip_from = skip_from;
        Ok(())
    }

    fn flush_seek(&mut self, index: u64) -> Result<(), MediaError> {
        let pts = self
            .info
            .table
            .pts(index)
            .ok_or(MediaError::FrameOutOfRange {
                index,
                frames: self.info.table.len(),
            })?;
        if self.counted() {
            pipelines::seek_to_keyframe(&self.video.pipeline, pts)?;
        } else {
            pipelines::seek(&self.video.pipeline, pts, 1.0)?;
        }
        self.seek_pts = Some(pts);
        self.held = None;
        self.pulled_ahead = None;
        self.stats.flush_seeks.fetch_add(1, Ordering::Relaxed);
        self.next_pull = Some(index);
        Ok(())
    }

    /// The next decoded frame and its index; `None` at end of stream.
    ///
    /// A frame stamped with the last seek position is held until the next one
    /// arrives. The decoder clips frames that straddle the seek position to
    /// start there, so where a container rounds timestamps (Matroska: 1 ms)
    /// the frame before a keyframe can come out stamped with the keyframe's
    /// PTS, and without a duration GstVideoDecoder assumes 40 ms, so even
    /// several can. Frames leave the decoder in presentation order: the last
    /// one stamped with the seek position is the real one.
    fn pull(&mut self) -> Result<Option<(u64, CachedFrame)>, MediaError> {
        if self.counted() {
            // The n-th picture after a seek to keyframe k is frame k + n.
            let Some(frame) = self.pull_decoded()? else {
                self.next_pull = None;
                return Ok(None);
            };
            let index = self.next_pull.unwrap_or(0);
            self.next_pull = Some(index + 1);
            self.stats.decoded.fetch_add(1, Ordering::Relaxed);
            return Ok(Some((index, frame)));
        }
        let frame = match self.pulled_ahead.take() {
            Some(frame) => Some(frame),
            None => loop {
                let Some(frame) = self.pull_decoded()? else {
                    break self.held.take();
                };
                if Some(frame.pts_ns) == self.seek_pts {
                    self.held = Some(frame);
                    continue;
                }
                match self.held.take() {
                    Some(held) => {
                        self.pulled_ahead = Some(frame);
                        break Some(held);
                    }
                    None => break Some(frame),
                }
            },
        };
        let Some(frame) = frame else {
            self.next_pull = None;
            return Ok(None);
        };
        let index = match self.info.table.index_of(frame.pts_ns) {
            Some(i) => i,
            None => self.info.table.nearest(frame.pts_ns).unwrap_or(0),
        };
        self.next_pull = Some(index + 1);
        self.stats.decoded.fetch_add(1, Ordering::Relaxed);
        self.stats
            .skipped
            .store(self.skip.dropped.load(Ordering::Relaxed), Ordering::Relaxed);
        Ok(Some((index, frame)))
    }

    /// The next frame out of the appsink, as the decoder gave it; `None` at end of stream.
    fn pull_decoded(&mut self) -> Result<Option<CachedFrame>, MediaError> {
        let started = Instant::now();
        loop {
            if self.stopping() {
                return Err(MediaError::PlayerGone);
            }
            if let Some(sample) = self
                .video
                .appsink
                .try_pull_sample(gst::ClockTime::from_mseconds(50))
            {
                return self.sample_to_frame(&sample).map(Some);
            }
            if self.video.appsink.is_eos() {
                return Ok(None);
            }
            if let Some(msg) = self.video.bus.pop_filtered(&[gst::MessageType::Error]) {
                self.next_pull = None;
                if let gst::MessageView::Error(err) = msg.view() {
                    return Err(classify_error(err, &self.what));
                }
            }
            if started.elapsed() > self.config.decode_timeout {
                self.next_pull = None;
                return Err(MediaError::Timeout {
                    what: format!("decoding {}", self.what),
                    secs: self.config.decode_timeout.as_secs(),
                });
            }
        }
    }

    fn sample_to_frame(&mut self, sample: &gst::Sample) -> Result<CachedFrame, MediaError> {
        CachedFrame::from_sample(sample, &mut self.last_caps)
    }

    /// The memory of a recently shown frame no one holds any more (the
    /// mailbox and the screen have moved on), to convert the next one into.
    fn recycled(&mut self) -> Option<Vec<u8>> {
        let at = self
            .shown_frames
            .iter()
            .position(|f| Arc::strong_count(f) == 1 && Arc::weak_count(f) == 0)?;
        let frame = self.shown_frames.remove(at)?;
        Arc::try_unwrap(frame).ok().map(|f| f.rgba)
    }

    fn present(&mut self, index: u64) -> Result<(), MediaError> {
        let started = Instant::now();
        let spare = self.recycled();
        let frame = {
            let cached = self
                .cache
                .get(index)
                .ok_or_else(|| MediaError::pipeline("frame vanished from the cache"))?;
            self.converter.convert(index, cached, spare)?
        };
        self.displayed = Some(index);
        self.shown = Some(index);
        self.stats.shown.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(
            index,
            convert_us = started.elapsed().as_micros() as u64,
            cached = self.cache.len(),
            cache_bytes = self.cache.bytes(),
            "show"
        );
        let frame = Arc::new(frame);
        self.mailbox.put_shared(Arc::clone(&frame));
        self.shown_frames.push_back(frame);
        if self.shown_frames.len() > RECYCLE {
            self.shown_frames.pop_front();
        }
        if let Some(wake) = &self.config.wake {
            wake();
        }
        self.emit_position(index);
        if let Some(p) = self.playback.as_mut() {
            p.last_shown = Instant::now();
        }
        Ok(())
    }

    fn emit_position(&self, index: u64) {
        let pts_ns = self.info.table.pts(index).unwrap_or(0);
        self.emit(PlayerEvent::Position {
            frame: index,
            pts_ns,
        });
    }

    // ---- playback -------------------------------------------------------------------------

    fn play(&mut self) {
        if self.playback.is_some() {
            return;
        }
        let displayed = match self.displayed {
            Some(d) if d < self.last_frame() => d,
            // At the end (or nothing shown yet): play from the start.
            _ => {
                if let Err(err) = self.goto(0, Fill::FromTarget) {
                    return self.fail(err);
                }
                0
            }
        };
        // The decoder must deliver the frame after the displayed one next.
        let next = displayed + 1;
        if next <= self.last_frame()
            && self.next_pull != Some(next)
            && !self.can_pull_to(next)
            && let Err(err) = self.seek_for(next, Fill::FromTarget)
        {
            return self.fail(err);
        }
        self.playback = Some(Playback {
            clock: Clock::System {
                anchor: Instant::now(),
                anchor_pts: 0,
            },
            pending: None,
            last_shown: Instant::now(),
        });
        self.restart_clock();
        self.emit(PlayerEvent::State(PlayState::Playing));
    }

    fn pause(&mut self) {
        if self.playback.take().is_none() {
            return;
        }
        if let Some(audio) = &self.audio {
            let _ = audio.pipeline.set_state(gst::State::Paused);
        }
        // Late frames were skipped: make the picture match the position.
        if let Some(d) = self.displayed
            && self.shown != Some(d)
            && self.cache.contains(d)
            && let Err(err) = self.present(d)
        {
            self.emit(PlayerEvent::Error(Arc::new(err)));
        }
        self.emit(PlayerEvent::State(PlayState::Paused));
    }

    fn set_rate(&mut self, rate: f64) {
        let rate = if rate.is_finite() {
            rate.clamp(MIN_RATE, MAX_RATE)
        } else {
            1.0
        };
        self.rate = rate;
        if self.playback.is_some() {
            self.restart_clock();
        }
        self.emit(PlayerEvent::Rate(rate));
    }

    /// (Re)starts the clock at the displayed frame: the audio pipeline seeks
    /// there at the current rate, or the system clock is re-anchored.
    fn restart_clock(&mut self) {
        let from = self
            .displayed
            .and_then(|d| self.info.table.pts(d))
            .unwrap_or(0);
        let use_audio = self.audio.as_ref().is_some_and(|audio| {
            pipelines::seek(&audio.pipeline, from, self.rate).is_ok()
                && audio.pipeline.set_state(gst::State::Playing).is_ok()
        });
        // The pending frame (if any) may now be on the wrong side of the new position.
        let clock = if use_audio {
            Clock::Audio
        } else {
            Clock::System {
                anchor: Instant::now(),
                anchor_pts: from,
            }
        };
        if let Some(p) = self.playback.as_mut() {
            p.clock = clock;
        }
    }

    fn clock_position(&self) -> Option<i64> {
        let playback = self.playback.as_ref()?;
        match playback.clock {
            Clock::Audio => {
                let audio = self.audio.as_ref()?;
                audio
                    .sink
                    .query_position::<gst::ClockTime>()
                    .map(|t| t.nseconds() as i64)
            }
            Clock::System { anchor, anchor_pts } => {
                Some(anchor_pts + (anchor.elapsed().as_nanos() as f64 * self.rate) as i64)
            }
        }
    }

    /// Falls back to the system clock when the audio pipeline ends or fails.
    fn check_audio(&mut self) {
        let Some(audio) = &self.audio else { return };
        let Some(msg) = audio
            .bus
            .pop_filtered(&[gst::MessageType::Eos, gst::MessageType::Error])
        else {
            return;
        };
        if let gst::MessageView::Error(err) = msg.view() {
            tracing::warn!("audio stopped: {}", err.error());
        }
        let position = self.clock_position().unwrap_or(0);
        if let Some(p) = self.playback.as_mut()
            && matches!(p.clock, Clock::Audio)
        {
            p.clock = Clock::System {
                anchor: Instant::now(),
                anchor_pts: position,
            };
        }
    }

    /// One step of playback; returns a command that arrived meanwhile.
    fn play_tick(&mut self) -> Option<PlayerCommand> {
        if let Some(c) = self.deferred.pop_front() {
            return Some(c);
        }
        let pending = self.playback.as_ref().and_then(|p| p.pending);
        let index = match pending {
            Some(i) => i,
            None => match self.pull() {
                Ok(Some((i, frame))) => {
                    self.cache.insert(i, frame);
                    i
                }
                Ok(None) => {
                    self.pause();
                    self.emit(PlayerEvent::Eos);
                    return None;
                }
                Err(err) => {
                    self.fail(err);
                    return None;
                }
            },
        };
        // Frames before the displayed one (a seek raced the decoder) are stale.
        if self.displayed.is_some_and(|d| index <= d) {
            return None;
        }
        if let Some(p) = self.playback.as_mut() {
            p.pending = Some(index);
        }
        let due = self.info.table.pts(index).unwrap_or(0);
        let position = loop {
            self.check_audio();
            let position = self.clock_position().unwrap_or(due);
            if position >= due {
                break position;
            }
            let wait_ns = ((due - position) as f64 / self.rate) as u64;
            let wait = Duration::from_nanos(wait_ns).min(Duration::from_millis(10));
            match self.commands.recv_timeout(wait) {
                Ok(command) => return Some(command),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.shutdown.store(true, Ordering::SeqCst);
                    return None;
                }
            }
            if self.stopping() || self.playback.is_none() {
                return None;
            }
        };
        let p = self.playback.as_mut()?;
        p.pending = None;
        let next_due = self
            .info
            .table
            .pts(index + 1)
            .is_some_and(|next| position >= next);
        let overdue = p.last_shown.elapsed() >= MIN_SHOW_INTERVAL;
        if next_due && !overdue {
            // Late by a whole frame: skip showing this one (preview only).
            self.displayed = Some(index);
            self.stats.skipped_shows.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        if let Err(err) = self.present(index) {
            self.fail(err);
        }
        // How late it reached the mailbox, in media time scaled back to wall time.
        let late_ns = (self.clock_position().unwrap_or(position) - due).max(0) as f64 / self.rate;
        self.stats
            .max_late_ns
            .fetch_max(late_ns as u64, Ordering::Relaxed);
        if late_ns > self.info.table.duration_ns(index) as f64 {
            self.stats.late.fetch_add(1, Ordering::Relaxed);
        }
        None
    }
}

/// How to fill the cache on the way to `target` from `base`: a step back, or
/// a seek to just behind the frame shown (another camera view following the
/// reference's step back), decodes the whole GOP so the next steps back are
/// cache hits.
fn fill_for(command: &PlayerCommand, base: u64, target: u64) -> Fill {
    match command {
        PlayerCommand::Step(delta) if *delta < 0 => Fill::WholeGop,
        PlayerCommand::Seek(_) if target < base && base - target <= 2 => Fill::WholeGop,
        _ => Fill::FromTarget,
    }
}
