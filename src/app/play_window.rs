//! `debrief play FILE`: a plain player window on a media file (no vault).
//!
//! The first window, proving the eframe + GStreamer path: the player's worker
//! puts RGBA frames in the mailbox and wakes the UI; `logic` pumps the
//! [`PlayerHost`]; `ui` lays out the picture and the transport and collects
//! `PlayerCommand`s (keys from [`KEYS`]), sent in one place at the end of the frame.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use egui::{Key, KeyboardShortcut, Modifiers};

use super::player_host::PlayerHost;
use super::shortcuts::{self, Binding, key};
use super::transport_controls::{Shown, Transport};
use crate::media::{self, MediaSource, PlayerCommand, PlayerConfig};

/// What a key does in the plain player.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlayKey {
    /// Play or pause.
    PlayPause,
    /// One frame back.
    FrameBack,
    /// One frame forward.
    FrameForward,
    /// One second back.
    SecondBack,
    /// One second forward.
    SecondForward,
    /// First frame.
    GoToStart,
    /// Last frame.
    GoToEnd,
}

/// The plain player's keys.
pub const KEYS: &[Binding<PlayKey>] = &[
    (PlayKey::PlayPause, key(Key::Space), "Play / pause"),
    (PlayKey::PlayPause, key(Key::K), "Play / pause"),
    (
        PlayKey::SecondBack,
        KeyboardShortcut::new(Modifiers::SHIFT, Key::ArrowLeft),
        "One second back",
    ),
    (
        PlayKey::SecondForward,
        KeyboardShortcut::new(Modifiers::SHIFT, Key::ArrowRight),
        "One second forward",
    ),
    (PlayKey::FrameBack, key(Key::ArrowLeft), "One frame back"),
    (PlayKey::FrameBack, key(Key::Comma), "One frame back"),
    (
        PlayKey::FrameForward,
        key(Key::ArrowRight),
        "One frame forward",
    ),
    (PlayKey::FrameForward, key(Key::Period), "One frame forward"),
    (PlayKey::GoToStart, key(Key::Home), "First frame"),
    (PlayKey::GoToEnd, key(Key::End), "Last frame"),
];

/// Opens the window and blocks until it closes; with `screenshot` (a PNG and
/// the frames to render first), saves the window there and exits.
pub fn run(path: &Path, screenshot: Option<(PathBuf, u32)>) -> anyhow::Result<()> {
    media::preload_decoders();
    let source = MediaSource::file(path);
    // Probe and open before any window: bad input fails fast with exit 2.
    let info = Arc::new(media::probe(&source)?);
    let ctx_cell: Arc<OnceLock<egui::Context>> = Arc::new(OnceLock::new());
    let audio = PlayerConfig::default().audio;
    let host = PlayerHost::open(source, info, super::repaint_waker(&ctx_cell), audio)
        .map_err(|e| anyhow::anyhow!(e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let native = super::window::native_options(&format!("{name} — Debrief"));
    super::window::run(native, screenshot, move |ctx| {
        let _ = ctx_cell.set(ctx.clone());
        PlayWindow::new(host, name)
    })
}

/// State of the play window.
pub struct PlayWindow {
    host: PlayerHost,
    name: String,
    transport: Transport,
    /// Frame under the scrubber while it is dragged.
    scrub: Option<u64>,
    error: Option<String>,
}

impl PlayWindow {
    fn new(host: PlayerHost, name: String) -> Self {
        Self {
            host,
            name,
            transport: Transport::default(),
            scrub: None,
            error: None,
        }
    }

    fn keyboard(&self, ctx: &egui::Context, commands: &mut Vec<PlayerCommand>) {
        // Leave keys alone while a text field has focus.
        if ctx.memory(|m| m.focused().is_some()) {
            return;
        }
        let second = self.host.second();
        for action in shortcuts::pressed(ctx, KEYS) {
            commands.push(match action {
                PlayKey::PlayPause => PlayerCommand::TogglePlay,
                PlayKey::FrameBack => PlayerCommand::Step(-1),
                PlayKey::FrameForward => PlayerCommand::Step(1),
                PlayKey::SecondBack => PlayerCommand::Step(-second),
                PlayKey::SecondForward => PlayerCommand::Step(second),
                PlayKey::GoToStart => PlayerCommand::GoToStart,
                PlayKey::GoToEnd => PlayerCommand::GoToEnd,
            });
        }
    }

    fn transport_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<PlayerCommand>) {
        let info = Arc::clone(&self.host.info);
        let last = info.frames().saturating_sub(1);
        let shown = self.host.shown_frame();
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
                playing: self.host.playing(),
                frame: self.host.view.shown,
                frames: info.frames(),
                rate: info.rate,
                speed: self.host.rate,
                has_audio: info.has_audio(),
                frame_detail: None,
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

impl super::window::Window for PlayWindow {
    fn ready(&self) -> bool {
        self.host.view.has_frame() || self.error.is_some()
    }
}

impl eframe::App for PlayWindow {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let pumped = self.host.pump(ctx);
        if pumped.error.is_some() {
            self.error = pumped.error;
        } else if pumped.moved {
            self.error = None;
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
                let info = &self.host.info;
                ui.label(format!(
                    "{}×{} · {} · {} fps{} · {} frames",
                    info.width,
                    info.height,
                    info.video_codec,
                    (info.rate.as_f64() * 1000.0).round() / 1000.0,
                    if info.vfr { " (variable)" } else { "" },
                    info.frames()
                ));
            });
        });
        egui::CentralPanel::no_frame().show(ui, |ui| {
            if self.host.view.ui(ui).clicked() {
                commands.push(PlayerCommand::TogglePlay);
            }
        });
        // The one place commands reach the player.
        for command in commands {
            if let Err(err) = self.host.send(command) {
                self.error = Some(err);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_key_table_is_consistent() {
        assert_eq!(
            super::shortcuts::table_problems(super::KEYS),
            Vec::<String>::new()
        );
    }
}
