//! `debrief play FILE`: a plain player window on a media file (no vault).
//!
//! The first window, proving the eframe + GStreamer path: the player's worker
//! puts RGBA frames in the mailbox and wakes the UI; `logic` drains events and
//! uploads the new frame once; `ui` lays out the picture and the transport and
//! collects `PlayerCommand`s, sent in one place at the end of the frame.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use egui::{Key, Modifiers};

use super::screenshot::Screenshot;
use super::transport_controls::{Shown, Transport};
use super::video_view::VideoView;
use crate::media::{
    self, MediaInfo, MediaSource, PlayState, Player, PlayerCommand, PlayerConfig, PlayerEvent,
};
use crate::time::FrameRate;

/// Opens the window and blocks until it closes; with `screenshot` (a PNG and
/// the frames to render first), saves the window there and exits.
pub fn run(path: &Path, screenshot: Option<(PathBuf, u32)>) -> anyhow::Result<()> {
    media::preload_decoders();
    let source = MediaSource::file(path);
    // Probe and open before any window: bad input fails fast with exit 2.
    let info = Arc::new(media::probe(&source)?);
    let ctx_cell: Arc<OnceLock<egui::Context>> = Arc::new(OnceLock::new());
    let config = PlayerConfig {
        wake: Some(super::repaint_waker(&ctx_cell)),
        // A screen shows at most this much; smaller frames convert and upload faster.
        max_size: Some((2560, 1440)),
        ..Default::default()
    };
    let player = Player::open(source, Arc::clone(&info), config)?;
    player.send(PlayerCommand::Seek(0))?;
    let screenshot = screenshot
        .as_ref()
        .map(|(p, frames)| Screenshot::new(p, *frames));
    let shot_error = screenshot.as_ref().map(|s| Arc::clone(&s.error));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let window = PlayWindow::new(player, info, name.clone(), screenshot);
    eframe::run_native(
        "debrief",
        super::native_options(&format!("{name} — Debrief")),
        Box::new(move |cc| {
            let _ = ctx_cell.set(cc.egui_ctx.clone());
            cc.egui_ctx.request_repaint();
            Ok(Box::new(window))
        }),
    )
    .map_err(super::window_error)?;
    if let Some(err) = shot_error.and_then(|e| e.lock().ok().and_then(|mut e| e.take())) {
        anyhow::bail!(err);
    }
    Ok(())
}

/// State of the play window.
pub struct PlayWindow {
    player: Player,
    info: Arc<MediaInfo>,
    name: String,
    view: VideoView,
    state: PlayState,
    transport: Transport,
    /// Frame under the scrubber while it is dragged.
    scrub: Option<u64>,
    error: Option<String>,
    screenshot: Option<Screenshot>,
}

impl PlayWindow {
    fn new(
        player: Player,
        info: Arc<MediaInfo>,
        name: String,
        screenshot: Option<Screenshot>,
    ) -> Self {
        Self {
            player,
            info,
            name,
            view: VideoView::default(),
            state: PlayState::Paused,
            transport: Transport::default(),
            scrub: None,
            error: None,
            screenshot,
        }
    }

    fn rate_fps(&self) -> FrameRate {
        self.info.rate
    }

    /// The frame on screen (the playhead shows this, never the requested frame).
    fn shown_frame(&self) -> u64 {
        self.view.shown.map_or(0, |(i, _)| i)
    }

    fn keyboard(&self, ctx: &egui::Context, commands: &mut Vec<PlayerCommand>) {
        // Leave keys alone while a text field has focus.
        if ctx.memory(|m| m.focused().is_some()) {
            return;
        }
        let second = i64::from(self.rate_fps().nominal_fps() as u32);
        ctx.input_mut(|input| {
            let mut key = |mods: Modifiers, key: Key| input.consume_key(mods, key);
            if key(Modifiers::NONE, Key::Space) || key(Modifiers::NONE, Key::K) {
                commands.push(PlayerCommand::TogglePlay);
            }
            if key(Modifiers::SHIFT, Key::ArrowRight) {
                commands.push(PlayerCommand::Step(second));
            }
            if key(Modifiers::SHIFT, Key::ArrowLeft) {
                commands.push(PlayerCommand::Step(-second));
            }
            if key(Modifiers::NONE, Key::ArrowRight) || key(Modifiers::NONE, Key::Period) {
                commands.push(PlayerCommand::Step(1));
            }
            if key(Modifiers::NONE, Key::ArrowLeft) || key(Modifiers::NONE, Key::Comma) {
                commands.push(PlayerCommand::Step(-1));
            }
            if key(Modifiers::NONE, Key::Home) {
                commands.push(PlayerCommand::GoToStart);
            }
            if key(Modifiers::NONE, Key::End) {
                commands.push(PlayerCommand::GoToEnd);
            }
        });
    }

    fn transport_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<PlayerCommand>) {
        let last = self.info.frames().saturating_sub(1);
        let shown = self.shown_frame();
        // Scrubber: one seek in flight, the worker merges the rest.
        let mut pos = self.scrub.unwrap_or(shown);
        ui.spacing_mut().slider_width = (ui.available_width() - 24.0).max(100.0);
        let slider = egui::Slider::new(&mut pos, 0..=last)
            .show_value(false)
            .trailing_fill(true);
        let response = ui.add(slider).on_hover_text("Drag to scrub");
        if response.changed() {
            self.scrub = Some(pos);
            commands.push(PlayerCommand::Seek(pos));
        }
        if !response.dragged() {
            self.scrub = None;
        }
        ui.horizontal(|ui| {
            let shown = Shown {
                playing: self.state == PlayState::Playing,
                frame: self.view.shown,
                frames: self.info.frames(),
                rate: self.rate_fps(),
                has_audio: self.info.has_audio(),
            };
            if let Some(message) = self.transport.ui(ui, &shown, &mut |c| commands.push(c)) {
                self.error = Some(message);
            }
        });
        if let Some(err) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, err);
        }
    }
}

impl eframe::App for PlayWindow {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        while let Some(event) = self.player.try_event() {
            match event {
                PlayerEvent::State(state) => self.state = state,
                PlayerEvent::Rate(rate) => self.transport.rate = rate,
                PlayerEvent::Error(err) => self.error = Some(format!("{err:#}")),
                PlayerEvent::Position { .. } => self.error = None,
                PlayerEvent::Eos | PlayerEvent::Duration(_) => {}
            }
        }
        if let Some(frame) = self.player.mailbox().take() {
            self.view.set_frame(ctx, &frame);
        }
        if let Some(shot) = self.screenshot.as_mut() {
            shot.tick(ctx, self.view.has_frame());
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut commands = Vec::new();
        self.keyboard(ui.ctx(), &mut commands);
        egui::Panel::bottom("transport").show(ui, |ui| {
            ui.add_space(4.0);
            self.transport_ui(ui, &mut commands);
            ui.add_space(4.0);
        });
        egui::Panel::top("title").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.strong(&self.name);
                ui.label(format!(
                    "{}×{} · {} · {} fps{} · {} frames",
                    self.info.width,
                    self.info.height,
                    self.info.video_codec,
                    (self.info.rate.as_f64() * 1000.0).round() / 1000.0,
                    if self.info.vfr { " (variable)" } else { "" },
                    self.info.frames()
                ));
            });
        });
        egui::CentralPanel::no_frame().show(ui, |ui| {
            if self.view.ui(ui).clicked() {
                commands.push(PlayerCommand::TogglePlay);
            }
        });
        // The one place commands reach the player.
        for command in commands {
            if let Err(err) = self.player.send(command) {
                self.error = Some(format!("{err:#}"));
            }
        }
    }
}
