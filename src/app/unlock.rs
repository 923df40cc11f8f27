//! The unlock screen: pick or create a vault, name, passphrase.
//!
//! Unlocking takes about half a second of scrypt on purpose; it runs on a
//! background thread so the window stays responsive, and a wrong passphrase
//! comes back as a clear message with nothing changed on disk.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError};

use egui::RichText;

use super::secret::SecretText;
use crate::vault::{Vault, VaultError};

/// Unlock or first-run form.
pub struct UnlockForm {
    /// Vault folder, as typed.
    pub dir: String,
    /// User name.
    pub user: String,
    /// Passphrase (cleared after each attempt).
    pub passphrase: SecretText,
    /// Passphrase again, when creating.
    pub confirm: SecretText,
    /// Creating a new vault rather than opening one.
    pub creating: bool,
    /// The last error.
    pub error: Option<String>,
    /// A notice (e.g. "locked after 10 minutes idle").
    pub notice: Option<String>,
    job: Option<Receiver<Result<Vault, VaultError>>>,
    caps_hint: bool,
}

impl UnlockForm {
    /// A form for `dir`, pre-filled with `user`.
    pub fn new(dir: PathBuf, user: Option<String>) -> Self {
        let creating = !dir.join("vault.db").exists();
        Self {
            dir: dir.display().to_string(),
            user: user.unwrap_or_default(),
            passphrase: SecretText::default(),
            confirm: SecretText::default(),
            creating,
            error: None,
            notice: None,
            job: None,
            caps_hint: false,
        }
    }

    /// True while an unlock runs.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Starts unlocking (or creating) on a background thread.
    pub fn start(&mut self) {
        self.error = None;
        let dir = PathBuf::from(self.dir.trim());
        let user = self.user.trim().to_owned();
        if user.is_empty() {
            self.error = Some("Enter your user name.".into());
            return;
        }
        if self.passphrase.is_empty() {
            self.error = Some("Enter your passphrase.".into());
            return;
        }
        if self.creating && !self.passphrase.same_as(&self.confirm) {
            self.error = Some("The two passphrases differ.".into());
            return;
        }
        let pass = self.passphrase.take();
        self.confirm.clear();
        let creating = self.creating;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("debrief-unlock".into())
            .spawn(move || {
                let result = if creating {
                    Vault::init(&dir, &user, &pass, None)
                } else {
                    Vault::unlock(&dir, &user, &pass)
                };
                let _ = tx.send(result);
            });
        match spawned {
            Ok(_) => self.job = Some(rx),
            Err(e) => self.error = Some(format!("cannot start unlocking: {e}")),
        }
    }

    /// The unlocked vault, once the background job finishes.
    pub fn poll(&mut self) -> Option<Vault> {
        let rx = self.job.as_ref()?;
        match rx.try_recv() {
            Ok(Ok(vault)) => {
                self.job = None;
                self.notice = None;
                Some(vault)
            }
            Ok(Err(err)) => {
                self.job = None;
                self.error = Some(format!("{err:#}"));
                None
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.job = None;
                self.error = Some("unlocking stopped unexpectedly".into());
                None
            }
        }
    }

    /// Lays out the form; Enter or the button starts unlocking.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        // Uppercase letters typed without Shift: Caps Lock is probably on.
        ui.input(|i| {
            for e in &i.events {
                if let egui::Event::Text(t) = e {
                    let upper = t.chars().any(|c| c.is_alphabetic() && c.is_uppercase());
                    let lower = t.chars().any(|c| c.is_alphabetic() && c.is_lowercase());
                    if upper != lower {
                        self.caps_hint = upper != i.modifiers.shift;
                    }
                }
            }
        });
        ui.vertical_centered(|ui| {
            ui.add_space((ui.available_height() * 0.15).max(20.0));
            ui.heading(RichText::new("Debrief").size(32.0));
            ui.label("Clinical video review — recordings stay encrypted on this computer.");
            ui.add_space(16.0);
        });
        let width = 420.0_f32.min(ui.available_width());
        let mut submit = false;
        ui.vertical_centered(|ui| {
            egui::Frame::group(ui.style())
                .inner_margin(16.0)
                .show(ui, |ui| {
                    ui.set_width(width);
                    ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                        ui.heading(if self.creating {
                            "Create a vault"
                        } else {
                            "Unlock"
                        });
                        ui.add_space(8.0);
                        let label = ui.label("Vault folder");
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::TextEdit::singleline(&mut self.dir)
                                    .desired_width(width - 90.0),
                            )
                            .labelled_by(label.id);
                            if ui
                                .button("Browse…")
                                .on_hover_text("Choose the vault folder")
                                .clicked()
                                && let Some(folder) = rfd::FileDialog::new()
                                    .set_title("Vault folder")
                                    .pick_folder()
                            {
                                self.dir = folder.display().to_string();
                                self.creating = !folder.join("vault.db").exists();
                            }
                        });
                        let label = ui.label("User name");
                        let user = ui
                            .add(
                                egui::TextEdit::singleline(&mut self.user)
                                    .desired_width(width)
                                    .hint_text("e.g. alice"),
                            )
                            .labelled_by(label.id);
                        let label = ui.label("Passphrase");
                        let pass = ui
                            .add(
                                egui::TextEdit::singleline(&mut self.passphrase)
                                    .password(true)
                                    .desired_width(width),
                            )
                            .labelled_by(label.id);
                        if self.creating {
                            let label = ui.label("Passphrase again");
                            ui.add(
                                egui::TextEdit::singleline(&mut self.confirm)
                                    .password(true)
                                    .desired_width(width),
                            )
                            .labelled_by(label.id);
                        }
                        if self.caps_hint && pass.has_focus() {
                            ui.colored_label(
                                ui.visuals().warn_fg_color,
                                "Caps Lock seems to be on.",
                            );
                        }
                        if (pass.lost_focus() || user.lost_focus())
                            && ui.input(|i| i.key_pressed(egui::Key::Enter))
                        {
                            submit = true;
                        }
                        ui.add_space(8.0);
                        ui.horizontal(|ui| {
                            let label = if self.creating {
                                "Create vault"
                            } else {
                                "Unlock"
                            };
                            if ui
                                .add_enabled(!self.busy(), egui::Button::new(label))
                                .clicked()
                            {
                                submit = true;
                            }
                            if self.busy() {
                                ui.spinner();
                                ui.label(if self.creating {
                                    "Creating…"
                                } else {
                                    "Unlocking…"
                                });
                            }
                        });
                        let other = if self.creating {
                            "Open an existing vault instead"
                        } else {
                            "Create a new vault instead"
                        };
                        if ui.link(other).clicked() {
                            self.creating = !self.creating;
                            self.error = None;
                        }
                        if let Some(notice) = &self.notice {
                            ui.label(RichText::new(notice).italics());
                        }
                        if let Some(err) = &self.error {
                            ui.colored_label(ui.visuals().error_fg_color, err);
                        }
                    });
                });
        });
        if submit && !self.busy() {
            self.start();
            SecretText::forget(ui.ctx());
        }
    }
}
