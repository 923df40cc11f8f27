//! The Debrief application: unlock → library → review, with auto-lock.
//!
//! ```text
//! DebriefApp
//! ├── UnlockForm           (no session: pick/create a vault, passphrase; unlocks on a thread)
//! ╰── Session
//!     ├── Vault            (keys and database connection: dropped on lock)
//!     ├── LibraryState     (cases, imports on a second vault handle)
//!     ╰── ReviewState?     (player, timeline, code window, list, consent)
//! ```
//!
//! `logic` drains background work (unlock, import, player) and checks the
//! idle timer; `ui` lays out the current screen. Repaints happen on input,
//! when the player has a frame, while something runs, and once when the
//! idle lock falls due.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use age::secrecy::{ExposeSecret as _, SecretString};

use super::library::{LibraryAction, LibraryState};
use super::opening::Opening;
use super::record::{LiveRecording, RecordSetup, SetupAction};
use super::review::ReviewState;
use super::unlock::UnlockForm;
use crate::vault::Vault;

/// How the app starts.
#[derive(Clone)]
pub struct AppOptions {
    /// The vault folder.
    pub vault_dir: PathBuf,
    /// User name to fill in (and unlock with, when a passphrase is given too).
    pub user: Option<String>,
    /// Passphrase to unlock with at start (demo, screenshots, environment).
    pub passphrase: Option<SecretString>,
    /// Select this case in the library after unlocking.
    pub open_case: Option<String>,
    /// Open the Record screen on the selected case after unlocking (and start
    /// recording its test cameras with `start_recording`).
    pub record: bool,
    /// Start recording at once (screenshots of the REC banner).
    pub start_recording: bool,
    /// Open this recording for review after unlocking.
    pub open_recording: Option<String>,
    /// Then open the export window on these frames and run the face preview.
    pub export_range: Option<(u64, u64)>,
    /// Then show this frame.
    pub go_to: Option<u64>,
    /// Open the codebook editor on a copy of this codebook after unlocking.
    pub copy_codebook: Option<String>,
    /// Lock after this long without input.
    pub idle_lock: Duration,
    /// Save a screenshot and exit.
    pub screenshot: Option<(PathBuf, u32)>,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            vault_dir: crate::vault::default_dir(),
            user: None,
            passphrase: None,
            open_case: None,
            record: false,
            start_recording: false,
            open_recording: None,
            export_range: None,
            go_to: None,
            copy_codebook: None,
            idle_lock: Duration::from_secs(10 * 60),
            screenshot: None,
        }
    }
}

/// An unlocked vault and the screens that use it.
pub struct Session {
    /// The vault.
    pub vault: Vault,
    /// The case library.
    pub library: LibraryState,
    /// The recording being reviewed.
    pub review: Option<ReviewState>,
    /// A recording whose integrity check runs before its review opens.
    pub opening: Option<Opening>,
    /// The Record screen, while it is open.
    pub record: Option<RecordSetup>,
    /// A recording running (or being sealed): the banner shows on every screen.
    pub recording: Option<LiveRecording>,
}

/// The application.
pub struct DebriefApp {
    /// The unlock form (shown without a session).
    pub unlock: UnlockForm,
    /// The unlocked session.
    pub session: Option<Session>,
    options: AppOptions,
    last_activity: Instant,
    /// The context, for the player's wake-ups (set at creation).
    ctx_cell: Arc<OnceLock<egui::Context>>,
    dark: bool,
}

impl DebriefApp {
    /// Creates the app; with a user and passphrase in `options` it starts unlocking at once.
    pub fn new(ctx: &egui::Context, options: AppOptions) -> Self {
        let ctx_cell = Arc::new(OnceLock::new());
        let _ = ctx_cell.set(ctx.clone());
        let mut unlock = UnlockForm::new(options.vault_dir.clone(), options.user.clone());
        if let (Some(_), Some(pass)) = (&options.user, &options.passphrase) {
            unlock.creating = false;
            unlock.passphrase.set(pass.expose_secret());
            unlock.start();
        }
        Self {
            unlock,
            session: None,
            dark: ctx.global_style().visuals.dark_mode,
            last_activity: Instant::now(),
            ctx_cell,
            options,
        }
    }

    fn wake(&self) -> crate::media::player::Wake {
        super::repaint_waker(&self.ctx_cell)
    }

    /// Checks `recording` off the UI thread (once a session), then opens its review.
    fn open_review(&mut self, recording: &str) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        if session.vault.is_verified(recording) {
            self.show_review(recording);
            return;
        }
        match Opening::start(&session.vault, recording) {
            Ok(opening) => session.opening = Some(opening),
            Err(e) => session.library.message = Some(e),
        }
    }

    /// Opens the review screen on a recording already checked.
    fn show_review(&mut self, recording: &str) {
        let wake = self.wake();
        let Some(session) = self.session.as_mut() else {
            return;
        };
        match ReviewState::open(&mut session.vault, recording, wake) {
            Ok(mut review) => {
                if let Some(range) = self.options.export_range {
                    review.in_out = (Some(range.0), Some(range.1));
                    review.export.open_for(range, &session.vault, recording);
                    let _ = review
                        .host
                        .send(crate::media::PlayerCommand::Seek(range.0 + 20));
                    review.export.preview(&mut session.vault, recording);
                }
                if let Some(frame) = self.options.go_to {
                    let _ = review.host.send(crate::media::PlayerCommand::Seek(frame));
                }
                session.review = Some(review);
            }
            Err(e) => session.library.message = Some(e),
        }
    }

    /// Drops the keys and the player; back to the unlock screen. Edits in
    /// progress are saved first, so locking never loses work.
    pub fn lock(&mut self, why: Option<String>) {
        if let Some(mut session) = self.session.take() {
            if let Some(review) = session.review.as_mut() {
                review.commit_pending(&mut session.vault);
            }
            // A running recording is stopped and sealed, never cut off.
            if let Some(live) = session.recording.as_mut() {
                live.stop_and_wait();
            }
        }
        self.unlock.passphrase.clear();
        self.unlock.confirm.clear();
        self.unlock.notice = why;
    }
}

impl DebriefApp {
    /// Starts recording with the Record screen's settings as they are.
    fn start_recording(&mut self) {
        let options = self
            .session
            .as_ref()
            .and_then(|s| s.record.as_ref())
            .map(|setup| {
                let mut setup_now = setup.options();
                if let Ok(options) = setup_now.as_mut() {
                    options.before.confirmed_not_listed = true;
                }
                setup_now
            });
        match options {
            Some(Ok(options)) => self.start_with(options),
            Some(Err(e)) => {
                if let Some(setup) = self.session.as_mut().and_then(|s| s.record.as_mut()) {
                    setup.message = Some(e);
                }
            }
            None => {}
        }
    }

    /// Starts a recording; back to the library with the banner on top, or the
    /// refusal shown on the Record screen.
    fn start_with(&mut self, options: crate::capture::RecordOptions) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        if session.recording.is_some() {
            return;
        }
        match crate::capture::Recorder::start(&session.vault, options) {
            Ok(recorder) => {
                session.recording = Some(LiveRecording::new(recorder));
                session.record = None;
            }
            Err(e) => {
                if let Some(setup) = session.record.as_mut() {
                    setup.message = Some(e.to_string());
                }
            }
        }
    }
}

impl super::window::Window for DebriefApp {
    fn ready(&self) -> bool {
        match &self.session {
            None => self.options.passphrase.is_none() && !self.unlock.busy(),
            Some(s) => match &s.review {
                Some(r) => r.host.view.has_frame() && !r.export.busy(),
                None if s.opening.is_some() => false,
                None => self.options.open_recording.is_none() || s.library.message.is_some(),
            },
        }
    }
}

impl eframe::App for DebriefApp {
    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // Quitting stops a running recording and seals it.
        if let Some(live) = self.session.as_mut().and_then(|s| s.recording.as_mut()) {
            live.stop_and_wait();
        }
    }

    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if self.session.is_none()
            && let Some(vault) = self.unlock.poll()
        {
            let mut library = LibraryState::default();
            library.selected = self.options.open_case.clone();
            if let Some(id) = &self.options.copy_codebook {
                library.codebooks.open = true;
                library.codebooks.reload(&vault);
                library.codebooks.copy(id);
            }
            let record = self
                .options
                .record
                .then(|| {
                    let case = self.options.open_case.as_deref()?;
                    let title = vault.case(case).ok()?.title;
                    Some(RecordSetup::new(&vault, case, &title))
                })
                .flatten();
            self.session = Some(Session {
                vault,
                library,
                review: None,
                opening: None,
                record,
                recording: None,
            });
            if self.options.start_recording {
                self.start_recording();
            }
            self.last_activity = Instant::now();
            if let Some(rec) = self.options.open_recording.clone() {
                self.open_review(&rec);
            }
        }
        if self.unlock.busy() {
            ctx.request_repaint_after(Duration::from_millis(50));
        }
        let checked = self.session.as_mut().and_then(|session| {
            let opening = session.opening.as_ref()?;
            ctx.request_repaint_after(Duration::from_millis(50));
            let result = opening.poll()?;
            let recording = session.opening.take()?.recording;
            match result {
                Ok(()) => Some(recording),
                Err(e) => {
                    session.library.message = Some(e);
                    None
                }
            }
        });
        if let Some(recording) = checked {
            self.show_review(&recording);
        }
        if let Some(session) = self.session.as_mut() {
            session.library.poll(&session.vault);
            if session.library.importing() {
                ctx.request_repaint_after(Duration::from_millis(100));
            }
            if let Some(review) = session.review.as_mut() {
                review.logic(ctx);
            }
            if let Some(live) = session.recording.as_mut() {
                for cmd in super::shortcuts::pressed(ctx, super::record::KEYS) {
                    live.apply(cmd);
                }
                if live.poll() || !live.running() {
                    session.library.message = live.finished.take();
                    session.library.reload(&session.vault);
                }
                if live.running() {
                    // The banner's clock, and recording is attended: no idle lock.
                    ctx.request_repaint_after(Duration::from_millis(250));
                    self.last_activity = Instant::now();
                } else {
                    session.recording = None;
                }
            }
            session.library.recording = session.recording.is_some();
        }
        // Auto-lock: any input counts as activity.
        if ctx.input(|i| !i.events.is_empty() || i.pointer.is_moving()) {
            self.last_activity = Instant::now();
        }
        if self.session.is_some() {
            let idle = self.last_activity.elapsed();
            if idle >= self.options.idle_lock {
                let minutes = self.options.idle_lock.as_secs().div_ceil(60);
                self.lock(Some(format!(
                    "Locked after {minutes} minute(s) without activity."
                )));
            } else {
                ctx.request_repaint_after(self.options.idle_lock - idle);
            }
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("app-bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(egui::RichText::new("Debrief").strong());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let label = if self.dark {
                        "Light theme"
                    } else {
                        "Dark theme"
                    };
                    if ui.small_button(label).clicked() {
                        self.dark = !self.dark;
                        ui.ctx().set_theme(if self.dark {
                            egui::Theme::Dark
                        } else {
                            egui::Theme::Light
                        });
                    }
                });
            });
        });
        let Some(session) = self.session.as_mut() else {
            egui::CentralPanel::default().show(ui, |ui| self.unlock.ui(ui));
            return;
        };
        if let Some(live) = session.recording.as_mut() {
            live.banner(ui);
        }
        if let Some(setup) = session.record.as_mut() {
            let today = session.vault.today();
            match setup.ui(ui, today) {
                Some(SetupAction::Close) => session.record = None,
                Some(SetupAction::Start(options)) => self.start_with(*options),
                None => {}
            }
            return;
        }
        if let Some(review) = session.review.as_mut() {
            let outcome = review.ui(ui, &mut session.vault);
            if let Some(message) = outcome.close {
                session.review = None;
                session.library.reload(&session.vault);
                session.library.message = message;
            }
            return;
        }
        if let Some(opening) = &session.opening {
            opening.ui(ui.ctx());
        }
        match session.library.ui(ui, &mut session.vault) {
            Some(LibraryAction::Open(rec)) if session.opening.is_none() => self.open_review(&rec),
            Some(LibraryAction::Open(_)) => {}
            Some(LibraryAction::Lock) => self.lock(None),
            Some(LibraryAction::Record(case, title)) => {
                session.record = Some(RecordSetup::new(&session.vault, &case, &title));
            }
            None => {}
        }
    }
}
