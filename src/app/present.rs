//! `debrief present F.dbpkg`: presenter mode for a plenary session.
//!
//! What a session chair runs in front of a room, on a laptop with no vault:
//! a playlist of the package's clips, exact frame steps, slow motion, a loop,
//! jumps between annotations (as a side strip or an overlay in the
//! codebook's colours), a large frame counter, a black screen, and drawing
//! on a paused frame. Everything plays straight from the encrypted package;
//! nothing is written (no settings, no drawings, no screenshots except
//! `--screenshot` for tests).
//!
//! ```text
//! PresentApp
//! ├── prompt    passphrase or key file; why a package is not shown
//! ╰── Show      the playlist, the clip's PlayerHost, loop, strip, counter
//!     ├── keys      PresentCmd and the key table (the sheet is drawn from it)
//!     ├── layout    playlist, strip, picture overlays, control bar, sheet
//!     ├── drawing   pen, arrow, circle on the paused frame (memory only)
//!     ╰── screens   full screen on the next monitor, watched
//! ```
//!
//! Keys, the control bar and the lists all send a [`PresentCmd`]; one place
//! (`Show::apply`) carries them out. `--monitor N` opens full screen on
//! screen N. The pointer hides with the control bar.

mod drawing;
mod keys;
mod layout;
mod prompt;
mod screens;
mod show;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use egui::{Color32, Vec2};

pub use drawing::Tool;
pub use keys::{KEYS, PresentCmd};
pub use prompt::{open_package, open_with_key_file, refusal};
pub use screens::Screens;
pub use show::Show;

use super::secret::SecretText;
use super::shortcuts;
use crate::package::{Locking, Manifest, Package};

/// How the presenter starts.
pub struct PresentOptions {
    /// The package file.
    pub path: PathBuf,
    /// Already opened (passphrase from the environment, or an identity file).
    pub opened: Option<(Package, Manifest)>,
    /// Today's date (tests set it to check expiry).
    pub today: chrono::NaiveDate,
    /// Save a screenshot and exit.
    pub screenshot: Option<(PathBuf, u32)>,
    /// Open full screen on this screen (0-based, in the windowing system's order).
    pub monitor: Option<usize>,
}

/// The presenter window.
pub struct PresentApp {
    path: PathBuf,
    today: chrono::NaiveDate,
    /// What opens the package (asked of its header before anything else).
    pub locking: Option<Locking>,
    passphrase: SecretText,
    /// Why the package is not showing (wrong passphrase, expired, damaged).
    pub refused: Option<String>,
    /// The open package.
    pub show: Option<Show>,
    wake: Arc<OnceLock<egui::Context>>,
    last_motion: Instant,
    /// Which screen the presentation is on.
    pub screens: Screens,
}

impl PresentApp {
    /// A presenter on `options.path`; shows the passphrase prompt unless already opened.
    pub fn new(ctx: &egui::Context, options: PresentOptions) -> Self {
        let wake = Arc::new(OnceLock::new());
        let _ = wake.set(ctx.clone());
        let (locking, refused) = match Package::locking(&options.path) {
            Ok(l) => (Some(l), None),
            Err(e) => (
                None,
                Some(format!("{e}; ask the instructor for a new copy")),
            ),
        };
        let mut app = Self {
            path: options.path,
            today: options.today,
            locking,
            passphrase: SecretText::default(),
            refused,
            show: None,
            wake,
            last_motion: Instant::now(),
            screens: Screens::starting_on(options.monitor),
        };
        if let Some((package, manifest)) = options.opened {
            app.start(package, manifest);
        }
        app
    }

    fn start(&mut self, package: Package, manifest: Manifest) {
        self.show = Some(Show::new(package, manifest, &self.wake));
    }
}

impl super::window::Window for PresentApp {
    fn ready(&self) -> bool {
        match &self.show {
            Some(s) => s.has_frame() || s.error.is_some(),
            None => true,
        }
    }
}

impl eframe::App for PresentApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if ctx.input(|i| i.pointer.delta() != Vec2::ZERO || i.pointer.any_pressed()) {
            self.last_motion = Instant::now();
        }
        if let Some(show) = self.show.as_mut() {
            show.logic(ctx);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let Some(show) = self.show.as_mut() else {
            self.prompt_ui(ui);
            return;
        };
        let ctx = ui.ctx().clone();
        // Keys take effect before layout, so this frame already shows them;
        // what the widgets send takes effect after it. Both through `apply`.
        for cmd in shortcuts::pressed(&ctx, KEYS) {
            show.apply(cmd, &ctx, &self.wake, &mut self.screens);
        }
        let mut cmds = Vec::new();
        if self.screens.watch(&ctx) {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if show.black {
            ui.painter()
                .rect_filled(ctx.content_rect(), 0.0, Color32::BLACK);
        } else {
            let fullscreen = ctx.input(|i| i.viewport().fullscreen.unwrap_or(false));
            if !fullscreen {
                egui::Panel::left("present-playlist")
                    .resizable(true)
                    .default_size(260.0)
                    .show(ui, |ui| show.playlist_ui(ui, &mut cmds));
            }
            if show.strip {
                egui::Panel::right("present-strip")
                    .resizable(true)
                    .default_size(240.0)
                    .show(ui, |ui| {
                        egui::ScrollArea::vertical().show(ui, |ui| show.strip_ui(ui, &mut cmds));
                    });
            }
            egui::CentralPanel::no_frame().show(ui, |ui| show.picture_ui(ui));
            if let Some(e) = &show.error {
                egui::Area::new(egui::Id::unique("present-error"))
                    .anchor(egui::Align2::CENTER_TOP, Vec2::new(0.0, 12.0))
                    .show(&ctx, |ui| {
                        ui.colored_label(ui.visuals().error_fg_color, e);
                    });
            }
            if show.help {
                Show::key_sheet(&ctx);
            }
            if let Some((text, since)) = &self.screens.notice {
                let age = since.elapsed();
                if age < Duration::from_secs(3) {
                    egui::Area::new(egui::Id::unique("present-screen-notice"))
                        .anchor(egui::Align2::CENTER_CENTER, Vec2::ZERO)
                        .show(&ctx, |ui| {
                            egui::Frame::popup(ui.style()).show(ui, |ui| {
                                ui.add(
                                    egui::Label::new(egui::RichText::new(text).size(28.0))
                                        .wrap_mode(egui::TextWrapMode::Extend),
                                );
                            });
                        });
                    ctx.request_repaint_after(Duration::from_secs(3) - age);
                }
            }
            let idle = self.last_motion.elapsed();
            if idle < Duration::from_secs(2) {
                show.control_bar(&ctx, &self.screens, &mut cmds);
                ctx.request_repaint_after(Duration::from_secs(2) - idle);
            } else if show.drawing.tool == Tool::Off {
                // The pointer goes with the control bar, so nothing covers the picture.
                ctx.set_cursor_icon(egui::CursorIcon::None);
            }
        }
        for cmd in cmds {
            show.apply(cmd, &ctx, &self.wake, &mut self.screens);
        }
    }
}

/// Opens the presenter window on `options.path` and blocks until it closes.
pub fn run(options: PresentOptions) -> anyhow::Result<()> {
    let mut native = super::window::native_options("Debrief — presenter");
    if let Some(n) = options.monitor {
        native.viewport = native.viewport.with_monitor(n);
    }
    let screenshot = options.screenshot.clone();
    super::window::run(native, screenshot, |ctx| PresentApp::new(ctx, options))
}
