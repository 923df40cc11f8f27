//! Opening a package: the passphrase or key-file prompt, and the messages
//! for a package that is not shown (the policy itself, integrity then
//! expiry, is [`Package::admit`]).

use std::path::Path;

use egui::Key;
use secrecy::SecretString;

use super::PresentApp;
use crate::app::secret::SecretText;
use crate::package::{Locking, Manifest, Package, PackageError};

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

impl PresentApp {
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

    pub(super) fn prompt_ui(&mut self, ui: &mut egui::Ui) {
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
