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
//! Keys: [`KEYS`] (clickers send Page Up / Page Down and B); `?` or F1 shows them.
//! `--monitor N` opens full screen on screen N. The pointer hides with the control bar.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use egui::{Color32, FontId, Key, Modifiers, Pos2, Rect, Stroke, Vec2};
use secrecy::SecretString;

use super::screenshot::Screenshot;
use super::secret::SecretText;
use super::video_view::VideoView;
use crate::media::{self, MediaInfo, PlayState, Player, PlayerCommand, PlayerEvent};
use crate::model::Codebook;
use crate::package::{Locking, Manifest, ManifestAnnotation, Package, PackageError};

/// The chair's keys, for the sheet that `?` or F1 shows.
pub const KEYS: &[(&str, &str)] = &[
    ("Space / K", "play / pause"),
    ("Left / Right", "one frame back / forward"),
    ("Shift+Left / Shift+Right", "one second back / forward"),
    ("Home / End", "first / last frame"),
    ("Page Down / Page Up", "next / previous clip (clickers)"),
    ("] / [", "next / previous annotation"),
    ("1 / 2 / 3", "speed 1x / 0.5x / 0.25x (pitch kept)"),
    ("I / O, L", "loop in / out, loop on or off"),
    ("B", "black screen (again, or Esc: back)"),
    ("C", "large frame counter and timecode"),
    ("S", "annotations beside the video or over it"),
    ("D", "draw on the paused frame: pen, arrow, circle, off"),
    ("X", "clear the drawing"),
    ("F11", "full screen"),
    ("M", "full screen on the next screen (the projector)"),
    ("? / F1", "this sheet"),
    (
        "Esc",
        "close the sheet, stop drawing, leave black or full screen",
    ),
];

/// Why a package is not shown (nothing of it is): [`Package::admit`]'s
/// refusal, with what to do about a damaged one.
pub fn refusal(package: &Package, today: chrono::NaiveDate) -> Result<Manifest, String> {
    package.admit(today).map_err(|e| match e {
        PackageError::Expired(_) => e.to_string(),
        other => format!("{other}; ask the instructor for a new copy"),
    })
}

/// Opens `path` with a passphrase, checking integrity and expiry.
pub fn open_package(
    path: &Path,
    passphrase: &SecretString,
    today: chrono::NaiveDate,
) -> Result<(Package, Manifest), String> {
    let package = Package::open_with_passphrase(path, passphrase).map_err(|e| match e {
        PackageError::NeedsKeyFile => "this package is locked to key files, not a passphrase: \
             open it with --identity F, or with Choose key file… in the window"
            .to_owned(),
        other => other.to_string(),
    })?;
    let manifest = refusal(&package, today)?;
    Ok((package, manifest))
}

/// Opens `path` with the age identity in `key_file`, checking integrity and expiry.
pub fn open_with_key_file(
    path: &Path,
    key_file: &Path,
    today: chrono::NaiveDate,
) -> Result<(Package, Manifest), String> {
    let identity = crate::package::identity_from_file(key_file)?;
    let package = Package::open_with_identity(path, &identity).map_err(|e| match e {
        PackageError::NotARecipient => format!(
            "the key in {} does not open this package: it was made for other recipients",
            key_file.display()
        ),
        PackageError::NeedsPassphrase => "this package is locked with a passphrase, not to \
             key files: give its passphrase (DEBRIEF_PACKAGE_PASSPHRASE or the window's prompt)"
            .to_owned(),
        other => other.to_string(),
    })?;
    let manifest = refusal(&package, today)?;
    Ok((package, manifest))
}

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

/// Moving the presentation between screens.
///
/// winit tells the app neither how many screens there are nor which one the
/// window is on; a request for a screen that does not exist is ignored. So a
/// request is watched: if the window has not moved within a second, that
/// screen does not exist and the count is known from then on.
#[derive(Default)]
pub struct Screens {
    /// The screen the presentation was last put on.
    pub current: Option<usize>,
    /// How many screens there are, once a request past the last one failed.
    pub count: Option<usize>,
    pending: Option<(usize, Option<Rect>, Instant)>,
    /// What the chair is told, and since when.
    pub notice: Option<(String, Instant)>,
}

impl Screens {
    /// The screen the next request goes to.
    pub fn next(&self) -> usize {
        let n = self.current.map_or(0, |c| c + 1);
        match self.count {
            Some(count) if n >= count => 0,
            _ => n,
        }
    }

    /// Asks for full screen on the next screen.
    pub fn advance(&mut self, ctx: &egui::Context) {
        let n = self.next();
        let before = ctx.input(|i| i.viewport().outer_rect);
        ctx.send_viewport_cmd(egui::ViewportCommand::SetMonitor(n));
        self.pending = Some((n, before, Instant::now()));
    }

    /// Watches a pending request; true while one is pending.
    fn watch(&mut self, ctx: &egui::Context) -> bool {
        let Some((n, before, since)) = self.pending else {
            return false;
        };
        let now = ctx.input(|i| i.viewport().outer_rect);
        if now != before || n == 0 || since.elapsed() >= Duration::from_secs(1) {
            self.pending = None;
            let moved = now != before || n == 0;
            let text = if moved {
                self.current = Some(n);
                format!("Screen {}", n + 1)
            } else {
                self.count = Some(n);
                format!(
                    "There is no screen {}; staying on screen {}",
                    n + 1,
                    self.current.map_or(1, |c| c + 1)
                )
            };
            self.notice = Some((text, Instant::now()));
            return false;
        }
        true
    }
}

/// Drawing tools for a paused frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// Not drawing.
    Off,
    /// Free hand.
    Pen,
    /// An arrow from press to release.
    Arrow,
    /// A circle (ellipse) in the dragged box.
    Circle,
}

/// One stroke, in fractions of the picture.
#[derive(Clone, Debug)]
struct Stroke2 {
    tool: Tool,
    points: Vec<Pos2>,
}

/// The opened package and what is on screen.
pub struct Show {
    package: Package,
    /// The manifest.
    pub manifest: Manifest,
    codebook: Option<Codebook>,
    /// Index of the clip shown.
    pub clip: usize,
    player: Option<Player>,
    info: Option<Arc<MediaInfo>>,
    /// The picture.
    pub view: VideoView,
    /// Playing or paused.
    pub state: PlayState,
    /// Playback rate.
    pub rate: f64,
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
    /// Drawing tool.
    pub tool: Tool,
    /// The key sheet is showing.
    pub help: bool,
    strokes: Vec<Stroke2>,
    drawn_on: Option<u64>,
    /// Last error.
    pub error: Option<String>,
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
    screenshot: Option<Screenshot>,
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
            screenshot: options.screenshot.map(|(p, n)| Screenshot::new(&p, n)),
            screens: Screens {
                current: options.monitor,
                ..Screens::default()
            },
        };
        if let Some((package, manifest)) = options.opened {
            app.start(package, manifest);
        }
        app
    }

    /// Where a failed screenshot's reason is kept.
    pub fn screenshot_error(&self) -> Option<Arc<std::sync::Mutex<Option<String>>>> {
        self.screenshot.as_ref().map(|s| Arc::clone(&s.error))
    }

    fn start(&mut self, package: Package, manifest: Manifest) {
        let codebook = manifest.codebook_of(0);
        let mut show = Show {
            package,
            manifest,
            codebook,
            clip: 0,
            player: None,
            info: None,
            view: VideoView::default(),
            state: PlayState::Paused,
            rate: 1.0,
            black: false,
            big_counter: false,
            strip: true,
            loop_range: (None, None),
            looping: false,
            tool: Tool::Off,
            help: false,
            strokes: Vec::new(),
            drawn_on: None,
            error: None,
        };
        show.open_clip(0, &self.wake);
        self.show = Some(show);
    }

    fn unlock(&mut self) {
        let pass = self.passphrase.take();
        match open_package(&self.path, &pass, self.today) {
            Ok((package, manifest)) => {
                self.refused = None;
                self.start(package, manifest);
            }
            Err(why) => self.refused = Some(why),
        }
    }

    /// Opens the package with the age identity in `key_file`.
    pub fn unlock_with_key_file(&mut self, key_file: &Path) {
        match open_with_key_file(&self.path, key_file, self.today) {
            Ok((package, manifest)) => {
                self.refused = None;
                self.start(package, manifest);
            }
            Err(why) => self.refused = Some(why),
        }
    }

    fn choose_key_file(&mut self) {
        if let Some(file) = rfd::FileDialog::new()
            .set_title("The age key file this package was made for")
            .pick_file()
        {
            self.unlock_with_key_file(&file);
        }
    }

    fn prompt_ui(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.add_space(ui.available_height() / 3.0);
            ui.vertical_centered(|ui| {
                ui.heading("Plenary package");
                ui.label(
                    self.path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                );
                ui.add_space(8.0);
                match self.locking {
                    Some(Locking::Passphrase) => {
                        let label = ui.label("Package passphrase");
                        let field = ui
                            .add(
                                egui::TextEdit::singleline(&mut self.passphrase)
                                    .password(true)
                                    .desired_width(320.0),
                            )
                            .labelled_by(label.id);
                        field.request_focus();
                        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                        if ui.button("Open").clicked() || enter {
                            self.unlock();
                            SecretText::forget(ui.ctx());
                        }
                    }
                    Some(Locking::KeyFile) => {
                        ui.label(
                            "This package is locked to key files, not a passphrase: choose \
                             yours (a file holding AGE-SECRET-KEY-1…).",
                        );
                        if ui.button("Choose key file…").clicked() {
                            self.choose_key_file();
                        }
                    }
                    None => {}
                }
                if let Some(why) = &self.refused {
                    ui.add_space(8.0);
                    ui.colored_label(ui.visuals().error_fg_color, why);
                }
            });
        });
    }
}

impl Show {
    fn annotations(&self) -> &[ManifestAnnotation] {
        self.manifest
            .clips
            .get(self.clip)
            .map_or(&[], |c| c.annotations.as_slice())
    }

    fn colour(&self, code: &str) -> Color32 {
        self.codebook
            .as_ref()
            .and_then(|b| {
                let c = b.code(code)?;
                let cat = b.categories.iter().find(|k| k.id == c.category)?;
                Some(super::timeline::parse_colour(&cat.colour))
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
        self.player = None;
        self.view = VideoView::default();
        self.loop_range = (None, None);
        self.looping = false;
        self.strokes.clear();
        self.state = PlayState::Paused;
        let result = (|| -> Result<(Player, Arc<MediaInfo>), String> {
            let source = self
                .package
                .media_source(&clip.file)
                .map_err(|e| e.to_string())?;
            // Packages since version 2 describe each clip (its frame table made when
            // the package was): no probe here, on the UI thread. Older ones are probed.
            let info = match clip.media.as_ref().and_then(|m| m.info()) {
                Some(info) => Arc::new(info),
                None => Arc::new(media::probe(&source).map_err(|e| format!("{e:#}"))?),
            };
            let player =
                super::screen_player(source, &info, super::repaint_waker(wake), info.has_audio())?;
            Ok((player, info))
        })();
        match result {
            Ok((player, info)) => {
                self.player = Some(player);
                self.info = Some(info);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// The frame on screen.
    pub fn shown_frame(&self) -> u64 {
        self.view.shown.map_or(0, |(i, _)| i)
    }

    /// Strokes drawn on the paused frame (kept in memory only).
    pub fn strokes(&self) -> usize {
        self.strokes.len()
    }

    fn send(&mut self, command: PlayerCommand) {
        if let Some(p) = &self.player
            && let Err(e) = p.send(command)
        {
            self.error = Some(format!("{e:#}"));
        }
    }

    /// Asks the player for `rate`; `self.rate` follows when the player confirms it.
    fn set_rate(&mut self, rate: f64) {
        self.send(PlayerCommand::SetRate(rate));
    }

    fn jump_annotation(&mut self, forward: bool) {
        let here = self.shown_frame();
        let starts: Vec<u64> = self.annotations().iter().map(|a| a.start_frame).collect();
        let target = if forward {
            starts.iter().copied().filter(|&s| s > here).min()
        } else {
            starts.iter().copied().filter(|&s| s < here).max()
        };
        if let Some(t) = target {
            self.send(PlayerCommand::Seek(t));
        }
    }

    fn keyboard(
        &mut self,
        ctx: &egui::Context,
        wake: &Arc<OnceLock<egui::Context>>,
        screens: &mut Screens,
    ) {
        let second = self
            .info
            .as_ref()
            .map_or(30, |i| i.rate.nominal_fps() as i64);
        let mut pressed = Vec::new();
        ctx.input_mut(|input| {
            for (mods, key) in [
                (Modifiers::NONE, Key::Space),
                (Modifiers::NONE, Key::K),
                (Modifiers::SHIFT, Key::ArrowLeft),
                (Modifiers::SHIFT, Key::ArrowRight),
                (Modifiers::NONE, Key::ArrowLeft),
                (Modifiers::NONE, Key::ArrowRight),
                (Modifiers::NONE, Key::PageDown),
                (Modifiers::NONE, Key::PageUp),
                (Modifiers::NONE, Key::CloseBracket),
                (Modifiers::NONE, Key::OpenBracket),
                (Modifiers::NONE, Key::Num1),
                (Modifiers::NONE, Key::Num2),
                (Modifiers::NONE, Key::Num3),
                (Modifiers::NONE, Key::I),
                (Modifiers::NONE, Key::O),
                (Modifiers::NONE, Key::L),
                (Modifiers::NONE, Key::B),
                (Modifiers::NONE, Key::C),
                (Modifiers::NONE, Key::S),
                (Modifiers::NONE, Key::D),
                (Modifiers::NONE, Key::X),
                (Modifiers::NONE, Key::F11),
                (Modifiers::NONE, Key::M),
                (Modifiers::NONE, Key::F1),
                (Modifiers::NONE, Key::Questionmark),
                (Modifiers::SHIFT, Key::Questionmark),
                (Modifiers::NONE, Key::Escape),
                (Modifiers::NONE, Key::Home),
                (Modifiers::NONE, Key::End),
            ] {
                if input.consume_key(mods, key) {
                    pressed.push((mods, key));
                }
            }
        });
        for (mods, key) in pressed {
            let shift = mods.shift;
            match key {
                Key::Space | Key::K => self.send(PlayerCommand::TogglePlay),
                Key::ArrowLeft => self.send(PlayerCommand::Step(if shift { -second } else { -1 })),
                Key::ArrowRight => self.send(PlayerCommand::Step(if shift { second } else { 1 })),
                Key::Home => self.send(PlayerCommand::GoToStart),
                Key::End => self.send(PlayerCommand::GoToEnd),
                Key::PageDown if self.clip + 1 < self.manifest.clips.len() => {
                    self.open_clip(self.clip + 1, wake);
                }
                Key::PageUp if self.clip > 0 => self.open_clip(self.clip - 1, wake),
                Key::CloseBracket => self.jump_annotation(true),
                Key::OpenBracket => self.jump_annotation(false),
                Key::Num1 => self.set_rate(1.0),
                Key::Num2 => self.set_rate(0.5),
                Key::Num3 => self.set_rate(0.25),
                Key::I => self.loop_range.0 = Some(self.shown_frame()),
                Key::O => self.loop_range.1 = Some(self.shown_frame()),
                Key::L => self.looping = !self.looping && self.loop_ok().is_some(),
                Key::B => self.black = !self.black,
                Key::C => self.big_counter = !self.big_counter,
                Key::S => self.strip = !self.strip,
                Key::D => {
                    self.tool = match self.tool {
                        Tool::Off => Tool::Pen,
                        Tool::Pen => Tool::Arrow,
                        Tool::Arrow => Tool::Circle,
                        Tool::Circle => Tool::Off,
                    };
                    if self.tool != Tool::Off && self.state == PlayState::Playing {
                        self.send(PlayerCommand::Pause);
                    }
                }
                Key::X => self.strokes.clear(),
                Key::F11 => {
                    let full = ctx.input(|i| i.viewport().fullscreen.unwrap_or(false));
                    ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(!full));
                    if full {
                        screens.current = None;
                    }
                }
                Key::M => screens.advance(ctx),
                Key::F1 | Key::Questionmark => self.help = !self.help,
                Key::Escape => {
                    if self.help {
                        self.help = false;
                    } else if self.black {
                        self.black = false;
                    } else if self.tool != Tool::Off {
                        self.tool = Tool::Off;
                    } else {
                        ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(false));
                        screens.current = None;
                    }
                }
                _ => {}
            }
        }
    }

    fn loop_ok(&self) -> Option<(u64, u64)> {
        match self.loop_range {
            (Some(a), Some(b)) if a < b => Some((a, b)),
            _ => None,
        }
    }

    fn logic(&mut self, ctx: &egui::Context) {
        if let Some(player) = &self.player {
            while let Some(event) = player.try_event() {
                match event {
                    PlayerEvent::State(s) => self.state = s,
                    PlayerEvent::Rate(r) => self.rate = r,
                    PlayerEvent::Error(e) => self.error = Some(format!("{e:#}")),
                    _ => {}
                }
            }
            if let Some(frame) = player.mailbox().take() {
                self.view.set_frame(ctx, &frame);
            }
        }
        // Drawings belong to the frame they were drawn on.
        if self.drawn_on.is_some_and(|f| f != self.shown_frame()) {
            self.strokes.clear();
            self.drawn_on = None;
        }
        if self.looping
            && self.state == PlayState::Playing
            && let Some((a, b)) = self.loop_ok()
            && self.shown_frame() >= b
        {
            self.send(PlayerCommand::Seek(a));
        }
    }

    fn playlist_ui(&mut self, ui: &mut egui::Ui, wake: &Arc<OnceLock<egui::Context>>) {
        ui.heading(&self.manifest.title);
        ui.label(format!(
            "{} clips · shown until {}",
            self.manifest.clips.len(),
            self.manifest.expires
        ));
        ui.separator();
        let mut open = None;
        for (i, clip) in self.manifest.clips.iter().enumerate() {
            let secs = clip.duration_ms as f64 / 1000.0;
            let title = if clip.title.is_empty() {
                format!("Clip {}", i + 1)
            } else {
                clip.title.clone()
            };
            let text = format!(
                "{}. {title}\n{}:{:04.1} · {} annotations{}",
                i + 1,
                (secs / 60.0) as u64,
                secs % 60.0,
                clip.annotations.len(),
                if clip.deidentification.audio == "disguise" {
                    " · voice obscured"
                } else {
                    ""
                }
            );
            if ui.selectable_label(i == self.clip, text).clicked() && i != self.clip {
                open = Some(i);
            }
        }
        if let Some(i) = open {
            self.open_clip(i, wake);
        }
    }

    fn strip_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("Annotations");
        let here = self.shown_frame();
        let mut seek = None;
        for a in self.annotations() {
            let active = a.start_frame <= here && a.end_frame.unwrap_or(a.start_frame) >= here;
            let colour = self.colour(&a.code);
            ui.horizontal(|ui| {
                let (r, _) = ui.allocate_exact_size(Vec2::new(10.0, 14.0), egui::Sense::hover());
                ui.painter().rect_filled(r, 2.0, colour);
                let text = format!("{}  frame {}", a.label, a.start_frame);
                let label = if active {
                    egui::RichText::new(text).strong()
                } else {
                    egui::RichText::new(text)
                };
                if ui.selectable_label(active, label).clicked() {
                    seek = Some(a.start_frame);
                }
            });
        }
        if let Some(f) = seek {
            self.send(PlayerCommand::Seek(f));
        }
    }

    fn picture_ui(&mut self, ui: &mut egui::Ui) {
        let response = self.view.ui(ui);
        let picture = self.view.picture_rect(response.rect);
        let here = self.shown_frame();
        let painter = ui.painter().with_clip_rect(response.rect);
        if !self.strip {
            let mut y = picture.min.y + 12.0;
            for a in self.annotations() {
                if a.start_frame <= here && a.end_frame.unwrap_or(a.start_frame) >= here {
                    let colour = self.colour(&a.code);
                    let galley = painter.layout_no_wrap(
                        a.label.clone(),
                        FontId::proportional(26.0),
                        Color32::WHITE,
                    );
                    let r = Rect::from_min_size(
                        Pos2::new(picture.min.x + 12.0, y),
                        galley.size() + Vec2::new(16.0, 8.0),
                    );
                    painter.rect_filled(r, 4.0, colour.gamma_multiply(0.85));
                    painter.galley(r.min + Vec2::new(8.0, 4.0), galley, Color32::WHITE);
                    y += r.height() + 6.0;
                }
            }
        }
        if self.big_counter
            && let Some(info) = &self.info
        {
            let text = format!("frame {here}   {}", crate::time::timecode(here, info.rate));
            let galley = painter.layout_no_wrap(text, FontId::monospace(44.0), Color32::WHITE);
            let r = Rect::from_min_size(
                Pos2::new(
                    picture.max.x - galley.size().x - 36.0,
                    picture.max.y - galley.size().y - 36.0,
                ),
                galley.size() + Vec2::new(24.0, 16.0),
            );
            painter.rect_filled(r, 6.0, Color32::from_black_alpha(190));
            painter.galley(r.min + Vec2::new(12.0, 8.0), galley, Color32::WHITE);
        }
        // Telestration on the paused frame, in fractions of the picture.
        let to_frac = |p: Pos2| {
            Pos2::new(
                (p.x - picture.min.x) / picture.width(),
                (p.y - picture.min.y) / picture.height(),
            )
        };
        let to_screen = |p: Pos2| {
            Pos2::new(
                picture.min.x + p.x * picture.width(),
                picture.min.y + p.y * picture.height(),
            )
        };
        if self.tool != Tool::Off && self.state != PlayState::Playing {
            let draw = ui.interact(
                picture,
                ui.make_persistent_id("telestration"),
                egui::Sense::drag(),
            );
            if let Some(pos) = draw.interact_pointer_pos() {
                if draw.drag_started() {
                    self.strokes.push(Stroke2 {
                        tool: self.tool,
                        points: vec![to_frac(pos)],
                    });
                    self.drawn_on = Some(here);
                } else if draw.dragged()
                    && let Some(s) = self.strokes.last_mut()
                {
                    if s.tool == Tool::Pen || s.points.len() < 2 {
                        s.points.push(to_frac(pos));
                    } else if let Some(last) = s.points.last_mut() {
                        *last = to_frac(pos);
                    }
                }
            }
        }
        let pen = Stroke::new(5.0, Color32::from_rgb(0xff, 0xd0, 0x00));
        for s in &self.strokes {
            let pts: Vec<Pos2> = s.points.iter().map(|&p| to_screen(p)).collect();
            match (s.tool, pts.first(), pts.last()) {
                (Tool::Pen, _, _) => {
                    painter.add(egui::Shape::line(pts.clone(), pen));
                }
                (Tool::Arrow, Some(&a), Some(&b)) if pts.len() > 1 => {
                    painter.arrow(a, b - a, pen);
                }
                (Tool::Circle, Some(&a), Some(&b)) if pts.len() > 1 => {
                    let r = Rect::from_two_pos(a, b);
                    painter.add(egui::Shape::ellipse_stroke(r.center(), r.size() / 2.0, pen));
                }
                _ => {}
            }
        }
    }

    fn control_bar(&mut self, ctx: &egui::Context, screens: &mut Screens) {
        let playing = self.state == PlayState::Playing;
        let info = self.info.clone();
        egui::Area::new(egui::Id::unique("present-controls"))
            .anchor(egui::Align2::CENTER_BOTTOM, Vec2::new(0.0, -16.0))
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.horizontal(|ui| {
                        if ui
                            .button("|< Clip")
                            .on_hover_text("Previous clip (Page Up)")
                            .clicked()
                        {
                            self.send_key(ui.ctx(), Key::PageUp);
                        }
                        if ui
                            .button("< 1")
                            .on_hover_text("One frame back (←)")
                            .clicked()
                        {
                            self.send(PlayerCommand::Step(-1));
                        }
                        if ui
                            .button(if playing { "Pause" } else { "Play" })
                            .on_hover_text("Space")
                            .clicked()
                        {
                            self.send(PlayerCommand::TogglePlay);
                        }
                        if ui
                            .button("1 >")
                            .on_hover_text("One frame forward (→)")
                            .clicked()
                        {
                            self.send(PlayerCommand::Step(1));
                        }
                        if ui
                            .button("Clip >|")
                            .on_hover_text("Next clip (Page Down)")
                            .clicked()
                        {
                            self.send_key(ui.ctx(), Key::PageDown);
                        }
                        ui.separator();
                        for (label, rate) in [("1×", 1.0), ("0.5×", 0.5), ("0.25×", 0.25)] {
                            if ui
                                .selectable_label((self.rate - rate).abs() < 1e-6, label)
                                .clicked()
                            {
                                self.set_rate(rate);
                            }
                        }
                        ui.separator();
                        ui.checkbox(&mut self.looping, "Loop")
                            .on_hover_text("Loop the I–O range (L)");
                        if self.loop_ok().is_none() {
                            self.looping = false;
                        }
                        ui.checkbox(&mut self.big_counter, "Counter")
                            .on_hover_text("Large frame counter (C)");
                        ui.checkbox(&mut self.strip, "Strip")
                            .on_hover_text("Annotations beside the video, else over it (S)");
                        if ui
                            .button(format!("Screen {}", screens.next() + 1))
                            .on_hover_text("Full screen on the next screen, e.g. the projector (M)")
                            .clicked()
                        {
                            screens.advance(ui.ctx());
                        }
                        if ui
                            .button("Keys")
                            .on_hover_text("All the keys (? or F1)")
                            .clicked()
                        {
                            self.help = !self.help;
                        }
                        if let Some(info) = &info {
                            ui.monospace(format!(
                                "{} / {}",
                                self.shown_frame(),
                                info.frames().saturating_sub(1)
                            ));
                        }
                    });
                });
            });
    }

    fn send_key(&self, ctx: &egui::Context, key: Key) {
        ctx.input_mut(|i| {
            i.events.push(egui::Event::Key {
                key,
                physical_key: None,
                pressed: true,
                repeat: false,
                modifiers: Modifiers::NONE,
            });
        });
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
        let ready = match &self.show {
            Some(s) => s.view.has_frame() || s.error.is_some(),
            None => true,
        };
        if let Some(shot) = self.screenshot.as_mut() {
            shot.tick(ctx, ready);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let Some(show) = self.show.as_mut() else {
            self.prompt_ui(ui);
            return;
        };
        show.keyboard(ui.ctx(), &self.wake, &mut self.screens);
        if self.screens.watch(ui.ctx()) {
            ui.ctx().request_repaint_after(Duration::from_millis(100));
        }
        if show.black {
            let rect = ui.ctx().content_rect();
            ui.painter().rect_filled(rect, 0.0, Color32::BLACK);
            return;
        }
        let fullscreen = ui.ctx().input(|i| i.viewport().fullscreen.unwrap_or(false));
        if !fullscreen {
            egui::Panel::left("present-playlist")
                .resizable(true)
                .default_size(260.0)
                .show(ui, |ui| show.playlist_ui(ui, &self.wake));
        }
        if show.strip {
            egui::Panel::right("present-strip")
                .resizable(true)
                .default_size(240.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| show.strip_ui(ui));
                });
        }
        egui::CentralPanel::no_frame().show(ui, |ui| show.picture_ui(ui));
        if let Some(e) = &show.error {
            egui::Area::new(egui::Id::unique("present-error"))
                .anchor(egui::Align2::CENTER_TOP, Vec2::new(0.0, 12.0))
                .show(ui.ctx(), |ui| {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                });
        }
        if show.help {
            egui::Window::new("Presenter keys")
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, Vec2::ZERO)
                .show(ui.ctx(), |ui| {
                    egui::Grid::new("present-keys")
                        .striped(true)
                        .show(ui, |ui| {
                            for (key, what) in KEYS {
                                ui.monospace(*key);
                                ui.label(*what);
                                ui.end_row();
                            }
                        });
                });
        }
        if let Some((text, since)) = &self.screens.notice {
            let age = since.elapsed();
            if age < Duration::from_secs(3) {
                egui::Area::new(egui::Id::unique("present-screen-notice"))
                    .anchor(egui::Align2::CENTER_CENTER, Vec2::ZERO)
                    .show(ui.ctx(), |ui| {
                        egui::Frame::popup(ui.style()).show(ui, |ui| {
                            ui.add(
                                egui::Label::new(egui::RichText::new(text).size(28.0))
                                    .wrap_mode(egui::TextWrapMode::Extend),
                            );
                        });
                    });
                ui.ctx().request_repaint_after(Duration::from_secs(3) - age);
            }
        }
        let idle = self.last_motion.elapsed();
        if idle < Duration::from_secs(2) {
            show.control_bar(ui.ctx(), &mut self.screens);
            ui.ctx()
                .request_repaint_after(Duration::from_secs(2) - idle);
        } else if show.tool == Tool::Off {
            // The pointer goes with the control bar, so nothing covers the picture.
            ui.ctx().set_cursor_icon(egui::CursorIcon::None);
        }
    }
}

/// Opens the presenter window on `path` and blocks until it closes.
pub fn run(options: PresentOptions) -> anyhow::Result<()> {
    media::preload_decoders();
    let mut shot_error = None;
    let mut native = super::native_options("Debrief — presenter");
    if let Some(n) = options.monitor {
        native.viewport = native.viewport.with_monitor(n);
    }
    eframe::run_native(
        "debrief",
        native,
        Box::new(|cc| {
            let app = PresentApp::new(&cc.egui_ctx, options);
            shot_error = app.screenshot_error();
            Ok(Box::new(app))
        }),
    )
    .map_err(super::window_error)?;
    if let Some(err) = shot_error.and_then(|e| e.lock().ok().and_then(|mut e| e.take())) {
        anyhow::bail!(err);
    }
    Ok(())
}
