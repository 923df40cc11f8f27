//! `debrief play FILE`: a plain player window on a media file (no vault).
//!
//! The first window, proving the eframe + GStreamer path: the player's worker
//! puts RGBA frames in the mailbox and wakes the UI; `logic` drains events and
//! uploads the new frame once; `ui` lays out the picture and the transport and
//! collects `PlayerCommand`s, sent in one place at the end of the frame.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use egui::{Key, Modifiers};

use super::screenshot::Screenshot;
use super::video_view::VideoView;
use crate::cli::GuiArgs;
use crate::media::{
    self, MediaInfo, MediaSource, PlayState, Player, PlayerCommand, PlayerConfig, PlayerEvent,
};
use crate::time::{self, FrameRate};

/// Opens the window and blocks until it closes.
pub fn run(path: &Path, gui: &GuiArgs) -> anyhow::Result<()> {
    media::preload_decoders();
    let source = MediaSource::file(path);
    // Probe and open before any window: bad input fails fast with exit 2.
    let info = Arc::new(media::probe(&source)?);
    let ctx_cell: Arc<OnceLock<egui::Context>> = Arc::new(OnceLock::new());
    let wake_cell = Arc::clone(&ctx_cell);
    let config = PlayerConfig {
        wake: Some(Arc::new(move || {
            if let Some(ctx) = wake_cell.get() {
                ctx.request_repaint();
            }
        })),
        // A screen shows at most this much; smaller frames convert and upload faster.
        max_size: Some((2560, 1440)),
        ..Default::default()
    };
    let player = Player::open(source, Arc::clone(&info), config)?;
    player.send(PlayerCommand::Seek(0))?;
    let screenshot = gui
        .screenshot
        .as_ref()
        .map(|p| Screenshot::new(p, gui.screenshot_after_frames));
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
    rate: f64,
    volume: f64,
    muted: bool,
    /// Frame under the scrubber while it is dragged.
    scrub: Option<u64>,
    goto_text: String,
    error: Option<String>,
    screenshot: Option<Screenshot>,
}

/// Playback rates offered, slowest first.
const RATES: [f64; 8] = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0];

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
            rate: 1.0,
            volume: 1.0,
            muted: false,
            scrub: None,
            goto_text: String::new(),
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
            if ui
                .button("|<")
                .on_hover_text("First frame (Home)")
                .clicked()
            {
                commands.push(PlayerCommand::GoToStart);
            }
            if ui
                .button("< 1")
                .on_hover_text("Back one frame (Left arrow)")
                .clicked()
            {
                commands.push(PlayerCommand::Step(-1));
            }
            let play_label = if self.state == PlayState::Playing {
                "Pause"
            } else {
                "Play"
            };
            if ui
                .button(play_label)
                .on_hover_text("Play / pause (Space)")
                .clicked()
            {
                commands.push(PlayerCommand::TogglePlay);
            }
            if ui
                .button("1 >")
                .on_hover_text("Forward one frame (Right arrow)")
                .clicked()
            {
                commands.push(PlayerCommand::Step(1));
            }
            if ui.button(">|").on_hover_text("Last frame (End)").clicked() {
                commands.push(PlayerCommand::GoToEnd);
            }
            ui.separator();
            let (index, pts) = self.view.shown.unwrap_or((0, 0));
            ui.monospace(format!("frame {index} / {last}"));
            ui.monospace(time::timecode(index, self.rate_fps()));
            ui.monospace(time::clock_ms(pts))
                .on_hover_text("Time of the displayed frame");
            ui.separator();
            ui.label("Go to");
            let field = ui.add(
                egui::TextEdit::singleline(&mut self.goto_text)
                    .desired_width(90.0)
                    .hint_text("frame or 0:12.5"),
            );
            if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                match time::parse_position(&self.goto_text, self.rate_fps()) {
                    Some(time::Position::Frame(f)) => commands.push(PlayerCommand::Seek(f)),
                    Some(time::Position::Ns(ns)) => commands.push(PlayerCommand::SeekNs(ns)),
                    None => {
                        self.error = Some(format!(
                            "'{}' is not a frame number or time",
                            self.goto_text
                        ))
                    }
                }
            }
            ui.separator();
            let mut rate = self.rate;
            egui::ComboBox::from_id_salt("rate")
                .selected_text(format!("{rate}×"))
                .width(70.0)
                .show_ui(ui, |ui| {
                    for r in RATES {
                        ui.selectable_value(&mut rate, r, format!("{r}×"));
                    }
                })
                .response
                .on_hover_text("Playback rate (pitch kept)");
            if rate != self.rate {
                self.rate = rate;
                commands.push(PlayerCommand::SetRate(rate));
            }
            if self.info.has_audio() {
                let mute_label = if self.muted { "Unmute" } else { "Mute" };
                if ui
                    .button(mute_label)
                    .on_hover_text("Mute or unmute the sound")
                    .clicked()
                {
                    self.muted = !self.muted;
                    commands.push(PlayerCommand::SetMute(self.muted));
                }
                let mut volume = self.volume;
                ui.spacing_mut().slider_width = 90.0;
                if ui
                    .add(egui::Slider::new(&mut volume, 0.0..=1.0).show_value(false))
                    .on_hover_text("Volume")
                    .changed()
                {
                    self.volume = volume;
                    commands.push(PlayerCommand::SetVolume(volume));
                }
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
                PlayerEvent::Rate(rate) => self.rate = rate,
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
