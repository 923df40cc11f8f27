//! One player on a screen: the player, its probe data, the picture, and what
//! the player last reported (playing or paused, the rate).
//!
//! Every window that plays something — the plain player, the review screen,
//! the presenter, and each picture of a multi-view review — holds one host
//! per picture, calls [`PlayerHost::pump`] once per frame from `logic`, and
//! reaches the player only through [`PlayerHost::send`]. What the window does
//! about an error or the end of the stream is its own business: `pump`
//! returns them.

use std::sync::Arc;

use super::video_view::VideoView;
use crate::media::player::Wake;
use crate::media::{
    MediaInfo, MediaSource, PlayState, Player, PlayerCommand, PlayerConfig, PlayerEvent,
};

/// A screen shows at most this much: smaller frames convert and upload faster.
const SCREEN_MAX: (u32, u32) = (2560, 1440);

/// A player and the picture it fills.
pub struct PlayerHost {
    player: Player,
    /// Probe data and frame table.
    pub info: Arc<MediaInfo>,
    /// The picture (and, in it, the frame on screen).
    pub view: VideoView,
    /// Playing or paused, as the player last reported.
    pub state: PlayState,
    /// The playback rate, as the player last confirmed it.
    pub rate: f64,
}

/// What one [`PlayerHost::pump`] found besides frames, state and rate.
#[derive(Debug, Default)]
pub struct Pumped {
    /// The player failed (it stays on the last good frame).
    pub error: Option<String>,
    /// Playback reached the last frame.
    pub eos: bool,
    /// A new frame was displayed.
    pub moved: bool,
}

impl PlayerHost {
    /// A player on `source`, paused on frame 0, waking the window with `wake`.
    pub fn open(
        source: MediaSource,
        info: Arc<MediaInfo>,
        wake: Wake,
        audio: bool,
    ) -> Result<Self, String> {
        Self::open_with_cache(
            source,
            info,
            wake,
            audio,
            PlayerConfig::default().cache_bytes,
        )
    }

    /// [`PlayerHost::open`] keeping at most `cache_bytes` of decoded frames
    /// (one of several camera views: `views::players::cache_bytes`).
    pub fn open_with_cache(
        source: MediaSource,
        info: Arc<MediaInfo>,
        wake: Wake,
        audio: bool,
        cache_bytes: usize,
    ) -> Result<Self, String> {
        let config = PlayerConfig {
            wake: Some(wake),
            audio,
            max_size: Some(SCREEN_MAX),
            cache_bytes,
            ..Default::default()
        };
        let player =
            Player::open(source, Arc::clone(&info), config).map_err(|e| format!("{e:#}"))?;
        let host = Self {
            player,
            info,
            view: VideoView::default(),
            state: PlayState::Paused,
            rate: 1.0,
        };
        host.send(PlayerCommand::Seek(0))?;
        Ok(host)
    }

    /// Drains the player's events and uploads its newest frame (once per
    /// frame, before laying out).
    pub fn pump(&mut self, ctx: &egui::Context) -> Pumped {
        let mut pumped = Pumped::default();
        while let Some(event) = self.player.try_event() {
            match event {
                PlayerEvent::State(s) => self.state = s,
                PlayerEvent::Rate(r) => self.rate = r,
                PlayerEvent::Error(e) => pumped.error = Some(format!("{e:#}")),
                PlayerEvent::Eos => pumped.eos = true,
                PlayerEvent::Position { .. } => pumped.moved = true,
                PlayerEvent::Duration(_) => {}
            }
        }
        if let Some(frame) = self.player.mailbox().take() {
            self.view.set_frame(ctx, &frame);
        }
        pumped
    }

    /// Sends `command` to the player; the error says why it could not.
    pub fn send(&self, command: PlayerCommand) -> Result<(), String> {
        self.player.send(command).map_err(|e| format!("{e:#}"))
    }

    /// The frame on screen (the playhead shows this, never the requested one).
    pub fn shown_frame(&self) -> u64 {
        self.view.shown.map_or(0, |(i, _)| i)
    }

    /// Playing, as the player last reported.
    pub fn playing(&self) -> bool {
        self.state == PlayState::Playing
    }

    /// Frames in one second of the recording (its nominal rate), for
    /// Shift+arrow steps.
    pub fn second(&self) -> i64 {
        (self.info.rate.nominal_fps() as i64).max(1)
    }
}
