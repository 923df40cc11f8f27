//! The plenary package window (instructors): pick exported clips from any
//! case, put them in the order they will be shown, title each one, and write
//! one encrypted `.dbpkg` for the presenter — what `debrief package create`
//! does, without the command line.
//!
//! The vault does the checks (consent again for every clip, each clip file
//! still matching its SHA-256, no participant's name in a title) and the
//! window shows its refusal as it is. The passphrase is typed twice and
//! dropped from memory once the package is written.

use std::path::PathBuf;

use egui::RichText;

use super::secret::SecretText;
use crate::package::Protection;
use crate::vault::{Clip, Vault};

/// A clip the vault holds, with what the instructor needs to recognise it.
struct Row {
    clip: Clip,
    /// Case title, recording, frames, file name.
    label: String,
    /// The exported file is still there.
    present: bool,
    /// Frames and file name, to tell the chosen clips apart.
    short: String,
}

/// The package window.
#[derive(Default)]
pub struct PackagesState {
    /// Whether the window is open.
    pub open: bool,
    rows: Vec<Row>,
    /// Chosen clips, in presentation order: (clip id, title).
    pub chosen: Vec<(String, String)>,
    /// Session title.
    pub title: String,
    /// Last day it may be shown (YYYY-MM-DD).
    pub expires: String,
    /// Package passphrase, typed twice.
    pub passphrase: SecretText,
    /// The repeat.
    pub repeat: SecretText,
    /// The package file.
    pub out: String,
    /// Last result or refusal.
    pub message: Option<String>,
}

/// What the package window asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PackageCmd {
    /// Write the package (the vault checks consent again for every clip).
    Create,
    /// Close the window, wiping the passphrase fields.
    Close,
}

impl PackagesState {
    /// Opens the window on the vault's clips.
    pub fn show(&mut self, vault: &Vault) {
        self.open = true;
        self.message = None;
        if self.title.is_empty() {
            self.title = "Plenary session".into();
        }
        if self.expires.is_empty() {
            self.expires = (chrono::Local::now().date_naive() + chrono::Duration::days(30))
                .format("%Y-%m-%d")
                .to_string();
        }
        if self.out.is_empty() {
            self.out = default_out();
        }
        match load(vault) {
            Ok(rows) => self.rows = rows,
            Err(e) => self.message = Some(e),
        }
        self.chosen
            .retain(|(id, _)| self.rows.iter().any(|r| r.clip.id == *id && r.present));
    }

    /// Why Create is disabled, if it is.
    fn not_ready(&self) -> Option<&'static str> {
        if self.chosen.is_empty() {
            Some("Tick at least one clip")
        } else if self.passphrase.char_count() < 8 {
            Some("Give a passphrase of 8 characters or more; tell it to the presenter separately")
        } else if !self.passphrase.same_as(&self.repeat) {
            Some("The two passphrases differ")
        } else if self.out.trim().is_empty() {
            Some("Choose where to save the package")
        } else {
            None
        }
    }

    fn create(&mut self, vault: &mut Vault) {
        let expires = match chrono::NaiveDate::parse_from_str(self.expires.trim(), "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                self.message = Some(format!(
                    "'{}' is not a date: write the last day it may be shown as YYYY-MM-DD",
                    self.expires
                ));
                return;
            }
        };
        let ids: Vec<String> = self.chosen.iter().map(|(id, _)| id.clone()).collect();
        let titles: Vec<String> = self.chosen.iter().map(|(_, t)| t.clone()).collect();
        let protection = Protection::Passphrase(self.passphrase.secret());
        let out = PathBuf::from(self.out.trim());
        match crate::plenary::create_package(
            vault,
            &ids,
            &titles,
            &out,
            &self.title,
            expires,
            &protection,
        ) {
            Ok(report) => {
                self.message = Some(format!(
                    "Wrote {} ({} clips, {:.1} MB). Give the presenter the file and, separately, \
                     the passphrase.",
                    report.out,
                    report.clips,
                    report.bytes as f64 / 1e6
                ));
                self.passphrase.clear();
                self.repeat.clear();
                // The next package must not overwrite this one.
                self.out = default_out();
            }
            Err(e) => self.message = Some(format!("Not written: {e}")),
        }
    }

    /// Draws the window.
    pub fn ui(&mut self, ctx: &egui::Context, vault: &mut Vault) {
        if !self.open {
            return;
        }
        let mut open = true;
        let mut cmds = Vec::new();
        egui::Window::new("Plenary package")
            .open(&mut open)
            .default_pos(egui::pos2(80.0, 110.0))
            .default_width(820.0)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.label(
                    "De-identified clips from this vault, for a presenter without the vault. \
                     Consent is checked again for every clip when the package is written.",
                );
                ui.separator();
                self.clips_ui(ui);
                ui.separator();
                self.order_ui(ui);
                ui.separator();
                self.form_ui(ui);
                ui.horizontal(|ui| {
                    let why = self.not_ready();
                    let button = ui.add_enabled(why.is_none(), egui::Button::new("Create package"));
                    if let Some(why) = why {
                        button.on_disabled_hover_text(why);
                        ui.label(RichText::new(why).weak());
                    } else if button.clicked() {
                        cmds.push(PackageCmd::Create);
                    }
                });
                if let Some(m) = &self.message {
                    ui.label(m.as_str());
                }
            });
        if !open {
            cmds.push(PackageCmd::Close);
        }
        let wiped = !cmds.is_empty();
        for cmd in cmds {
            self.apply(cmd, vault);
        }
        if wiped && self.passphrase.is_empty() {
            SecretText::forget(ctx);
        }
    }

    /// Carries out what the window asked: the one place it reaches the vault.
    fn apply(&mut self, cmd: PackageCmd, vault: &mut Vault) {
        match cmd {
            PackageCmd::Create => self.create(vault),
            PackageCmd::Close => {
                self.open = false;
                self.passphrase.clear();
                self.repeat.clear();
            }
        }
    }

    /// The vault's clips, each ticked in or out.
    fn clips_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("Exported clips");
        if self.rows.is_empty() {
            ui.label("No clips yet: export one from a recording (Ctrl+E on the review screen).");
        }
        egui::ScrollArea::vertical()
            .id_salt("package-clips")
            .max_height(180.0)
            .show(ui, |ui| {
                for row in &self.rows {
                    let at = self.chosen.iter().position(|(id, _)| *id == row.clip.id);
                    let mut on = at.is_some();
                    let tick = ui
                        .add_enabled(
                            row.present,
                            egui::Checkbox::new(&mut on, row.label.as_str()),
                        )
                        .on_disabled_hover_text(
                            "The clip's file is no longer where it was exported: export it again",
                        );
                    if !tick.changed() {
                        continue;
                    }
                    match at {
                        Some(i) if !on => {
                            self.chosen.remove(i);
                        }
                        None if on => self.chosen.push((row.clip.id.clone(), String::new())),
                        _ => {}
                    }
                }
            });
    }

    /// The chosen clips in presentation order, with their titles.
    fn order_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("In the package, in this order");
        ui.label(
            RichText::new(
                "Titles are shown to the room: no names. Left blank, a clip is titled by its codes.",
            )
            .weak(),
        );
        let mut swap = None;
        let mut drop = None;
        let n = self.chosen.len();
        for (i, (id, title)) in self.chosen.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                ui.label(format!("{}.", i + 1));
                ui.add(
                    egui::TextEdit::singleline(title)
                        .desired_width(320.0)
                        .hint_text("title (optional)"),
                )
                .accessible_name(format!("Title of clip {}", i + 1));
                let what = self
                    .rows
                    .iter()
                    .find(|r| r.clip.id == *id)
                    .map_or_else(|| crate::model::redacted(id), |r| r.short.clone());
                ui.label(RichText::new(what).weak());
                if ui.add_enabled(i > 0, egui::Button::new("Up")).clicked() {
                    swap = Some(i - 1);
                }
                if ui
                    .add_enabled(i + 1 < n, egui::Button::new("Down"))
                    .clicked()
                {
                    swap = Some(i);
                }
                if ui.button("Remove").clicked() {
                    drop = Some(i);
                }
            });
        }
        if let Some(i) = swap {
            self.chosen.swap(i, i + 1);
        }
        if let Some(i) = drop {
            self.chosen.remove(i);
        }
    }

    /// Session title, expiry, passphrase twice, file.
    fn form_ui(&mut self, ui: &mut egui::Ui) {
        egui::Grid::new("package-form")
            .num_columns(2)
            .show(ui, |ui| {
                let l = ui.label("Session title");
                ui.add(egui::TextEdit::singleline(&mut self.title).desired_width(360.0))
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("Shown until");
                ui.add(egui::TextEdit::singleline(&mut self.expires).desired_width(120.0))
                    .labelled_by(l.id)
                    .on_hover_text("The last day the presenter opens it (YYYY-MM-DD)");
                ui.end_row();
                for (label, text) in [
                    ("Package passphrase", &mut self.passphrase),
                    ("Passphrase again", &mut self.repeat),
                ] {
                    let l = ui.label(label);
                    ui.add(
                        egui::TextEdit::singleline(text)
                            .password(true)
                            .desired_width(240.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                }
                let l = ui.label("Save as");
                ui.horizontal(|ui| {
                    ui.add(egui::TextEdit::singleline(&mut self.out).desired_width(360.0))
                        .labelled_by(l.id);
                    if ui.button("Choose…").clicked()
                        && let Some(path) = rfd::FileDialog::new()
                            .add_filter("Debrief plenary package", &["dbpkg"])
                            .set_file_name("plenary.dbpkg")
                            .save_file()
                    {
                        self.out = path.display().to_string();
                    }
                });
                ui.end_row();
            });
    }
}

/// The vault's clips with their case titles.
fn load(vault: &Vault) -> Result<Vec<Row>, String> {
    let clips = vault.all_clips().map_err(|e| e.to_string())?;
    Ok(clips
        .into_iter()
        .map(|clip| {
            let case = vault
                .recording(&clip.recording_id)
                .and_then(|r| vault.case(&r.case_id))
                .map(|c| c.title)
                .unwrap_or_else(|_| "(case not visible)".into());
            let file = std::path::Path::new(&clip.out_path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let present = std::path::Path::new(&clip.out_path).is_file();
            let label = format!(
                "{case} · frames {}–{} · {file} · {}{}",
                clip.from_frame,
                clip.to_frame,
                clip.created_at.get(..10).unwrap_or(&clip.created_at),
                if present { "" } else { " · file missing" }
            );
            let short = format!("frames {}–{} · {file}", clip.from_frame, clip.to_frame);
            Row {
                clip,
                label,
                present,
                short,
            }
        })
        .collect())
}

/// A package name not yet taken in the user's documents folder.
fn default_out() -> String {
    let dir = directories::UserDirs::new()
        .and_then(|d| {
            d.document_dir()
                .map(PathBuf::from)
                .or_else(|| Some(d.home_dir().to_path_buf()))
        })
        .unwrap_or_else(|| PathBuf::from("."));
    (1..)
        .map(|i| dir.join(format!("plenary-{i}.dbpkg")))
        .find(|p| !p.exists())
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}
