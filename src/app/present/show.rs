//! The show: the opened package's playlist, the clip on screen and how it is
//! presented, and [`Show::apply`], the one place a [`PresentCmd`] takes effect.

use std::sync::{Arc, OnceLock};

use egui::Color32;

use super::drawing::{Drawing, Tool};
use super::keys::PresentCmd;
use super::screens::Screens;
use crate::app::player_host::PlayerHost;
use crate::media::{self, PlayState, PlayerCommand};
use crate::model::Codebook;
use crate::package::{Manifest, ManifestAnnotation, Package};

/// The opened package and what is on screen.
pub struct Show {
    package: Package,
    /// The manifest.
    pub manifest: Manifest,
    codebook: Option<Codebook>,
    /// Index of the clip shown.
    pub clip: usize,
    /// The clip's player and picture (none when the clip could not open).
    pub host: Option<PlayerHost>,
    /// The screen is black.
    pub black: bool,
    /// The large frame counter is shown.
    pub big_counter: bool,
    /// Annotations as a side strip (else an overlay).
    pub strip: bool,
    /// Loop range.
    pub loop_range: (Option<u64>, Option<u64>),
    /// Looping.
    pub looping: bool,
    /// Drawing on the paused frame.
    pub drawing: Drawing,
    /// The key sheet is showing.
    pub help: bool,
    /// Last error.
    pub error: Option<String>,
}

impl Show {
    /// A show of `manifest`'s clips, on the first (paused on its first frame).
    pub(super) fn new(
        package: Package,
        manifest: Manifest,
        wake: &Arc<OnceLock<egui::Context>>,
    ) -> Self {
        let mut show = Self {
            codebook: manifest.codebook_of(0),
            package,
            manifest,
            clip: 0,
            host: None,
            black: false,
            big_counter: false,
            strip: true,
            loop_range: (None, None),
            looping: false,
            drawing: Drawing::default(),
            help: false,
            error: None,
        };
        show.open_clip(0, wake);
        show
    }

    pub(super) fn annotations(&self) -> &[ManifestAnnotation] {
        self.manifest
            .clips
            .get(self.clip)
            .map_or(&[], |c| c.annotations.as_slice())
    }

    pub(super) fn colour(&self, code: &str) -> Color32 {
        self.codebook
            .as_ref()
            .and_then(|b| {
                let c = b.code(code)?;
                let cat = b.categories.iter().find(|k| k.id == c.category)?;
                Some(crate::app::timeline::parse_colour(&cat.colour))
            })
            .unwrap_or(Color32::LIGHT_BLUE)
    }

    /// Opens clip `n` (paused on its first frame).
    fn open_clip(&mut self, n: usize, wake: &Arc<OnceLock<egui::Context>>) {
        let Some(clip) = self.manifest.clips.get(n) else {
            return;
        };
        self.clip = n;
        // Each clip's annotations in its own codebook's labels and colours.
        self.codebook = self.manifest.codebook_of(n);
        self.host = None;
        self.loop_range = (None, None);
        self.looping = false;
        self.drawing.clear();
        let opened = self
            .package
            .media_source(&clip.file)
            .map_err(|e| e.to_string())
            .and_then(|source| {
                // Packages since version 2 describe each clip (its frame table made when
                // the package was): no probe here, on the UI thread. Older ones are probed.
                let info = match clip.media.as_ref().and_then(|m| m.info()) {
                    Some(info) => Arc::new(info),
                    None => Arc::new(media::probe(&source).map_err(|e| format!("{e:#}"))?),
                };
                let audio = info.has_audio();
                PlayerHost::open(source, info, crate::app::repaint_waker(wake), audio)
            });
        match opened {
            Ok(host) => {
                self.host = Some(host);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// The frame on screen.
    pub fn shown_frame(&self) -> u64 {
        self.host.as_ref().map_or(0, PlayerHost::shown_frame)
    }

    /// A frame of the clip is on screen.
    pub fn has_frame(&self) -> bool {
        self.host.as_ref().is_some_and(|h| h.view.has_frame())
    }

    /// Playing or paused, as the player last reported.
    pub fn state(&self) -> PlayState {
        self.host.as_ref().map_or(PlayState::Paused, |h| h.state)
    }

    /// The playback rate, as the player last confirmed it.
    pub fn rate(&self) -> f64 {
        self.host.as_ref().map_or(1.0, |h| h.rate)
    }

    /// Strokes drawn on the paused frame (kept in memory only).
    pub fn strokes(&self) -> usize {
        self.drawing.len()
    }

    fn send(&mut self, command: PlayerCommand) {
        if let Some(host) = &self.host
            && let Err(e) = host.send(command)
        {
            self.error = Some(e);
        }
    }

    fn jump_annotation(&mut self, forward: bool) {
        let here = self.shown_frame();
        let starts = self.annotations().iter().map(|a| a.start_frame);
        let target = if forward {
            starts.filter(|&s| s > here).min()
        } else {
            starts.filter(|&s| s < here).max()
        };
        if let Some(t) = target {
            self.send(PlayerCommand::Seek(t));
        }
    }

    /// The loop range, when it is one (in before out).
    pub(super) fn loop_ok(&self) -> Option<(u64, u64)> {
        match self.loop_range {
            (Some(a), Some(b)) if a < b => Some((a, b)),
            _ => None,
        }
    }

    /// Carries out what the chair asked, from a key, the bar or the lists.
    pub(super) fn apply(
        &mut self,
        cmd: PresentCmd,
        ctx: &egui::Context,
        wake: &Arc<OnceLock<egui::Context>>,
        screens: &mut Screens,
    ) {
        let second = self.host.as_ref().map_or(30, PlayerHost::second);
        match cmd {
            PresentCmd::TogglePlay => self.send(PlayerCommand::TogglePlay),
            PresentCmd::FrameBack => self.send(PlayerCommand::Step(-1)),
            PresentCmd::FrameForward => self.send(PlayerCommand::Step(1)),
            PresentCmd::SecondBack => self.send(PlayerCommand::Step(-second)),
            PresentCmd::SecondForward => self.send(PlayerCommand::Step(second)),
            PresentCmd::GoToStart => self.send(PlayerCommand::GoToStart),
            PresentCmd::GoToEnd => self.send(PlayerCommand::GoToEnd),
            PresentCmd::Seek(f) => self.send(PlayerCommand::Seek(f)),
            PresentCmd::NextClip if self.clip + 1 < self.manifest.clips.len() => {
                self.open_clip(self.clip + 1, wake);
            }
            PresentCmd::PreviousClip if self.clip > 0 => self.open_clip(self.clip - 1, wake),
            PresentCmd::NextClip | PresentCmd::PreviousClip => {}
            PresentCmd::OpenClip(n) if n != self.clip => self.open_clip(n, wake),
            PresentCmd::OpenClip(_) => {}
            PresentCmd::NextAnnotation => self.jump_annotation(true),
            PresentCmd::PreviousAnnotation => self.jump_annotation(false),
            // `rate()` follows when the player confirms it.
            PresentCmd::Rate(r) => self.send(PlayerCommand::SetRate(r)),
            PresentCmd::LoopIn => self.loop_range.0 = Some(self.shown_frame()),
            PresentCmd::LoopOut => self.loop_range.1 = Some(self.shown_frame()),
            PresentCmd::ToggleLoop => self.looping = !self.looping && self.loop_ok().is_some(),
            PresentCmd::Black => self.black = !self.black,
            PresentCmd::Counter => self.big_counter = !self.big_counter,
            PresentCmd::Strip => self.strip = !self.strip,
            PresentCmd::CycleTool => {
                self.drawing.tool = self.drawing.tool.next();
                if self.drawing.tool != Tool::Off && self.state() == PlayState::Playing {
                    self.send(PlayerCommand::Pause);
                }
            }
            PresentCmd::ClearDrawing => self.drawing.clear(),
            PresentCmd::Fullscreen => {
                let full = ctx.input(|i| i.viewport().fullscreen.unwrap_or(false));
                ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(!full));
                if full {
                    screens.current = None;
                }
            }
            PresentCmd::NextScreen => screens.advance(ctx),
            PresentCmd::Keys => self.help = !self.help,
            PresentCmd::Escape => {
                if self.help {
                    self.help = false;
                } else if self.black {
                    self.black = false;
                } else if self.drawing.tool != Tool::Off {
                    self.drawing.tool = Tool::Off;
                } else {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(false));
                    screens.current = None;
                }
            }
        }
    }

    /// Pumps the player; keeps the loop and the drawing's frame.
    pub(super) fn logic(&mut self, ctx: &egui::Context) {
        if let Some(host) = self.host.as_mut()
            && let Some(e) = host.pump(ctx).error
        {
            self.error = Some(e);
        }
        // Drawings belong to the frame they were drawn on.
        self.drawing.keep_only_on(self.shown_frame());
        if self.looping
            && self.state() == PlayState::Playing
            && let Some((a, b)) = self.loop_ok()
            && self.shown_frame() >= b
        {
            self.send(PlayerCommand::Seek(a));
        }
    }
}
