//! The case library: cases with their recordings, consent state and
//! retention countdown, search, new cases, and importing recordings.
//!
//! Imports run on a second handle on the vault (`Vault::reopen`, its own
//! database connection) in a background thread, with a progress bar and a
//! cancel button; the library stays usable meanwhile.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};

use egui::{Color32, RichText};

use crate::model::consent::latest;
use crate::model::{Case, ConsentStage, ConsentStatus, Purpose, Recording, Role};
use crate::vault::{ImportOptions, Imported, NewCase, Vault, VaultError};

/// The consent state of one stage across a case's participants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Badge {
    /// Everyone granted.
    AllGranted,
    /// Someone has not answered yet (or there is nobody).
    Pending,
    /// Someone refused or withdrew.
    Refused,
}

/// One row of the library.
#[derive(Clone, Debug)]
pub struct CaseRow {
    /// The case.
    pub case: Case,
    /// Its recordings (deleted ones included).
    pub recordings: Vec<Recording>,
    /// A badge per consent stage.
    pub badges: [Badge; 3],
    /// Days until the first live recording is deleted.
    pub days_left: Option<i64>,
    /// Recordings made under deferred consent still waiting for it: id and the day it is due.
    pub deferred: Vec<(String, chrono::NaiveDate)>,
}

/// Builds the library rows this user may see.
pub fn load_rows(vault: &Vault) -> Result<Vec<CaseRow>, VaultError> {
    let mut rows = Vec::new();
    for case in vault.cases()? {
        let recordings = vault.recordings(&case.id)?;
        let participants = vault.participants(&case.id)?;
        let events = vault.consent_events(&case.id)?;
        let last = latest(&events);
        let mut badges = [Badge::AllGranted; 3];
        for (i, stage) in ConsentStage::ALL.iter().enumerate() {
            let mut badge = if participants.is_empty() {
                Badge::Pending
            } else {
                Badge::AllGranted
            };
            for p in &participants {
                match last.get(&(p.id.clone(), *stage)).map(|e| e.status) {
                    Some(ConsentStatus::Granted) => {}
                    Some(_) => badge = Badge::Refused,
                    None if badge != Badge::Refused => badge = Badge::Pending,
                    None => {}
                }
            }
            if let Some(slot) = badges.get_mut(i) {
                *slot = badge;
            }
        }
        let days_left = recordings
            .iter()
            .filter(|r| r.shredded.is_none())
            .filter_map(|r| vault.days_until_deletion(r))
            .min();
        let deferred = recordings
            .iter()
            .filter(|r| r.shredded.is_none() && r.consent_deadline.is_some())
            .filter_map(|r| {
                Some((
                    r.id.clone(),
                    vault.deferred_consent_due(&r.id, &case.id).ok()??,
                ))
            })
            .collect();
        rows.push(CaseRow {
            case,
            recordings,
            badges,
            days_left,
            deferred,
        });
    }
    Ok(rows)
}

/// A running import.
struct ImportJob {
    file: String,
    done: Arc<AtomicU64>,
    total: u64,
    cancel: Arc<AtomicBool>,
    result: Receiver<Result<Imported, VaultError>>,
}

/// The new-case dialog's fields.
#[derive(Clone, Debug, Default)]
struct NewCaseForm {
    open: bool,
    title: String,
    /// The codebook; the bundled neonatal one when none is picked.
    codebook: Option<String>,
    date: String,
    unit: String,
    context: String,
}

/// Library screen state.
#[derive(Default)]
pub struct LibraryState {
    /// Rows, reloaded after changes.
    pub rows: Vec<CaseRow>,
    /// Search text.
    pub search: String,
    /// Selected case.
    pub selected: Option<String>,
    /// Purpose for the next import.
    pub purpose: Option<Purpose>,
    /// Last error or notice.
    pub message: Option<String>,
    new_case: NewCaseForm,
    /// The codebooks window (instructors).
    pub codebooks: crate::app::codebooks::CodebooksState,
    /// The plenary package window (instructors).
    pub packages: crate::app::packages::PackagesState,
    import: Option<ImportJob>,
    loaded: bool,
    /// The signed-in user may add camera angles (set on each layout).
    instructor: bool,
    /// A camera angle picked this frame: the recording and the file.
    add_angle: Option<(String, PathBuf)>,
    /// A recording is running (set by the app each frame): one at a time.
    pub recording: bool,
}

/// What the library asks of the app.
pub enum LibraryAction {
    /// Open a recording for review.
    Open(String),
    /// Lock the vault now.
    Lock,
    /// Open the Record screen for a case (id, title).
    Record(String, String),
}

impl LibraryState {
    /// Reloads the rows from the vault.
    pub fn reload(&mut self, vault: &Vault) {
        match load_rows(vault) {
            Ok(rows) => self.rows = rows,
            Err(e) => self.message = Some(format!("{e:#}")),
        }
        self.loaded = true;
    }

    /// True while an import runs (the app keeps repainting for the progress bar).
    pub fn importing(&self) -> bool {
        self.import.is_some()
    }

    fn start_import(&mut self, vault: &Vault, file: PathBuf) {
        self.start_import_as(vault, file, None);
    }

    /// Imports `file` into the selected case, or, with `view_of`, as another
    /// camera view of that recording (labelled by the file's name).
    fn start_import_as(&mut self, vault: &Vault, file: PathBuf, view_of: Option<String>) {
        let Some(case) = self.selected.clone() else {
            self.message = Some("Select a case first, then import its recording.".into());
            return;
        };
        let total = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let mut handle = match vault.reopen() {
            Ok(h) => h,
            Err(e) => {
                self.message = Some(format!("{e:#}"));
                return;
            }
        };
        let done = Arc::new(AtomicU64::new(0));
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (d, c) = (Arc::clone(&done), Arc::clone(&cancel));
        let options = ImportOptions {
            purpose: self.purpose.unwrap_or(Purpose::QualityImprovement),
            ..Default::default()
        };
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let spawned = std::thread::Builder::new()
            .name("debrief-import".into())
            .spawn(move || {
                let mut progress = |bytes, _| {
                    d.store(bytes, Ordering::Relaxed);
                    !c.load(Ordering::Relaxed)
                };
                let result = match &view_of {
                    Some(rec) => {
                        let camera = file
                            .file_stem()
                            .map_or("camera".into(), |s| s.to_string_lossy().into_owned());
                        handle.add_view(rec, &file, &camera, &mut progress)
                    }
                    None => handle.import(&case, &file, options, &mut progress),
                };
                let _ = tx.send(result);
            });
        match spawned {
            Ok(_) => {
                self.import = Some(ImportJob {
                    file: name,
                    done,
                    total,
                    cancel,
                    result: rx,
                })
            }
            Err(e) => self.message = Some(format!("cannot start the import: {e}")),
        }
    }

    /// Checks on a running import; reloads when it is done.
    pub fn poll(&mut self, vault: &Vault) {
        let Some(job) = &self.import else { return };
        match job.result.try_recv() {
            Ok(result) => {
                self.message = Some(match result {
                    Ok(imported) => format!("Imported {} ({} frames).", job.file, imported.frames),
                    Err(e) => format!("Import of {} failed: {e:#}", job.file),
                });
                self.import = None;
                self.reload(vault);
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => self.import = None,
        }
    }

    /// Lays out the library.
    pub fn ui(&mut self, ui: &mut egui::Ui, vault: &mut Vault) -> Option<LibraryAction> {
        if !self.loaded {
            self.reload(vault);
        }
        let mut action = None;
        // Files dropped on the window go into the selected case.
        let dropped: Vec<PathBuf> = ui.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        for file in dropped {
            self.start_import(vault, file);
        }
        let instructor = vault.user().role == Role::Instructor;
        self.instructor = instructor;
        if let Some((rec, file)) = self.add_angle.take() {
            self.start_import_as(vault, file, Some(rec));
        }
        egui::Panel::top("library-top").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Cases");
                ui.label(
                    RichText::new(format!(
                        "signed in as {} ({})",
                        vault.user().name,
                        vault.user().role
                    ))
                    .weak(),
                );
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui
                        .button("Lock")
                        .on_hover_text("Drop the keys and return to the unlock screen")
                        .clicked()
                    {
                        action = Some(LibraryAction::Lock);
                    }
                });
            });
            ui.horizontal(|ui| {
                let label = ui.label("Search");
                ui.add(
                    egui::TextEdit::singleline(&mut self.search)
                        .desired_width(240.0)
                        .hint_text("title or unit"),
                )
                .labelled_by(label.id);
                if instructor {
                    if ui.button("New case…").clicked() {
                        self.new_case = NewCaseForm {
                            open: true,
                            ..Default::default()
                        };
                    }
                    if ui
                        .button("Codebooks…")
                        .on_hover_text("Import, copy and edit coding schemes")
                        .clicked()
                    {
                        self.codebooks.open = true;
                        self.codebooks.reload(vault);
                    }
                    if ui
                        .button("Plenary package…")
                        .on_hover_text("Put exported clips into one encrypted file for a presenter")
                        .clicked()
                    {
                        self.packages.show(vault);
                    }
                    let purpose = self.purpose.get_or_insert(Purpose::QualityImprovement);
                    egui::ComboBox::from_label("purpose of imports")
                        .selected_text(purpose.as_str())
                        .show_ui(ui, |ui| {
                            for p in Purpose::ALL {
                                ui.selectable_value(purpose, *p, p.as_str());
                            }
                        });
                    let selected_case = self
                        .selected
                        .as_ref()
                        .and_then(|id| self.rows.iter().find(|r| &r.case.id == id))
                        .map(|r| (r.case.id.clone(), r.case.title.clone()));
                    let record = ui
                        .add_enabled(selected_case.is_some() && !self.recording, egui::Button::new("Record…"))
                        .on_hover_text("Record cameras straight into the selected case, encrypted from the first frame")
                        .on_disabled_hover_text("Select a case (one recording at a time)");
                    if record.clicked()
                        && let Some((id, title)) = selected_case
                    {
                        action = Some(LibraryAction::Record(id, title));
                    }
                    let can_import = self.selected.is_some() && self.import.is_none();
                    let import = ui.add_enabled(can_import, egui::Button::new("Import recording…"));
                    let import = import.on_hover_text(
                        "Import into the selected case (or drop a file on the window)",
                    );
                    if import.clicked()
                        && let Some(file) = rfd::FileDialog::new()
                            .add_filter("video", &["mp4", "mov", "mkv", "webm", "avi"])
                            .pick_file()
                    {
                        self.start_import(vault, file);
                    }
                }
            });
            if let Some(job) = &self.import {
                ui.horizontal(|ui| {
                    let done = job.done.load(Ordering::Relaxed);
                    let fraction = if job.total > 0 {
                        done as f32 / job.total as f32
                    } else {
                        0.0
                    };
                    ui.label(format!("Importing {}", job.file));
                    ui.add(
                        egui::ProgressBar::new(fraction)
                            .desired_width(260.0)
                            .show_percentage(),
                    );
                    if ui.button("Cancel").clicked() {
                        job.cancel.store(true, Ordering::Relaxed);
                    }
                });
            }
            if let Some(msg) = self.message.clone() {
                ui.horizontal(|ui| {
                    ui.label(msg);
                    if ui.small_button("Dismiss").clicked() {
                        self.message = None;
                    }
                });
            }
        });
        egui::CentralPanel::default().show(ui, |ui| {
            let needle = self.search.to_lowercase();
            let rows: Vec<CaseRow> = self
                .rows
                .iter()
                .filter(|r| {
                    needle.is_empty()
                        || r.case.title.to_lowercase().contains(&needle)
                        || r.case
                            .unit
                            .as_deref()
                            .is_some_and(|u| u.to_lowercase().contains(&needle))
                })
                .cloned()
                .collect();
            if rows.is_empty() {
                ui.label(if self.rows.is_empty() {
                    if instructor {
                        "No cases yet: create one with \u{201c}New case\u{2026}\u{201d}."
                    } else {
                        "No cases include you yet."
                    }
                } else {
                    "No case matches the search."
                });
            }
            egui::ScrollArea::vertical().show(ui, |ui| {
                for row in rows {
                    if let Some(a) = self.case_ui(ui, &row) {
                        action = Some(a);
                    }
                }
            });
        });
        self.new_case_ui(ui.ctx(), vault);
        self.codebooks.ui(ui.ctx(), vault);
        self.packages.ui(ui.ctx(), vault);
        action
    }

    fn case_ui(&mut self, ui: &mut egui::Ui, row: &CaseRow) -> Option<LibraryAction> {
        let mut action = None;
        let selected = self.selected.as_deref() == Some(row.case.id.as_str());
        let frame = egui::Frame::group(ui.style()).fill(if selected {
            ui.visuals().selection.bg_fill.gamma_multiply(0.25)
        } else {
            ui.visuals().panel_fill
        });
        let response = frame
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    ui.strong(&row.case.title);
                    ui.label(row.case.date.as_deref().unwrap_or("no date"));
                    if let Some(unit) = &row.case.unit {
                        ui.label(unit);
                    }
                    let live = row
                        .recordings
                        .iter()
                        .filter(|r| r.shredded.is_none())
                        .count();
                    ui.label(format!("{live} recording(s)"));
                    for (badge, stage) in row.badges.iter().zip(["before", "after", "review"]) {
                        let (text, colour) = match badge {
                            Badge::AllGranted => ("granted", Color32::from_rgb(60, 160, 80)),
                            Badge::Pending => ("pending", Color32::from_rgb(200, 150, 40)),
                            Badge::Refused => ("refused", Color32::from_rgb(210, 70, 60)),
                        };
                        let badge = RichText::new(format!(" {stage}: {text} "))
                            .color(Color32::WHITE)
                            .background_color(colour.gamma_multiply(0.85));
                        ui.label(badge).on_hover_text(format!(
                            "Consent {stage} use: {text} (all participants)"
                        ));
                    }
                    if let Some(days) = row.days_left {
                        let text = if days <= 0 {
                            "deleted today".to_owned()
                        } else {
                            format!("deleted in {days} days")
                        };
                        ui.label(RichText::new(text).weak()).on_hover_text(
                            "Raw recordings are crypto-shredded when the retention period ends",
                        );
                    }
                });
                for rec in &row.recordings {
                    ui.horizontal(|ui| {
                        ui.add_space(16.0);
                        let name = rec.camera.clone().unwrap_or_else(|| {
                            format!("recording {}", crate::model::redacted(&rec.id))
                        });
                        match &rec.shredded {
                            Some((_, why)) => {
                                ui.label(
                                    RichText::new(format!("{name} — deleted ({why})"))
                                        .weak()
                                        .strikethrough(),
                                );
                            }
                            None => {
                                ui.label(format!(
                                    "{name} · {} · {} frames",
                                    rec.purpose, rec.frames
                                ));
                                if let Some((_, due)) =
                                    row.deferred.iter().find(|(id, _)| id == &rec.id)
                                {
                                    ui.label(
                                        RichText::new(format!(" deferred consent: needed by {due} "))
                                            .color(Color32::WHITE)
                                            .background_color(Color32::from_rgb(200, 150, 40)),
                                    )
                                    .on_hover_text(
                                        "Recorded in an emergency without the family's consent: without it \
                                         by this day the recording is crypto-shredded",
                                    );
                                }
                                if ui
                                    .button("Open")
                                    .on_hover_text("Review this recording")
                                    .clicked()
                                {
                                    action = Some(LibraryAction::Open(rec.id.clone()));
                                }
                                if self.instructor
                                    && ui
                                        .add_enabled(
                                            self.import.is_none(),
                                            egui::Button::new("Add camera angle…"),
                                        )
                                        .on_hover_text(
                                            "Add another camera's recording of this event as a view, named after its file (up to 4 views)",
                                        )
                                        .clicked()
                                {
                                    self.selected = Some(row.case.id.clone());
                                    if let Some(file) = rfd::FileDialog::new()
                                        .add_filter("video", &["mp4", "mov", "mkv", "webm", "avi"])
                                        .pick_file()
                                    {
                                        self.add_angle = Some((rec.id.clone(), file));
                                    }
                                }
                            }
                        }
                    });
                }
            })
            .response;
        if response.interact(egui::Sense::click()).clicked() {
            self.selected = Some(row.case.id.clone());
        }
        action
    }

    fn new_case_ui(&mut self, ctx: &egui::Context, vault: &mut Vault) {
        if !self.new_case.open {
            return;
        }
        let mut open = true;
        let mut create = false;
        egui::Window::new("New case")
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                egui::Grid::new("new-case").num_columns(2).show(ui, |ui| {
                    let l = ui.label("Title");
                    ui.text_edit_singleline(&mut self.new_case.title)
                        .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Date");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.new_case.date).hint_text("YYYY-MM-DD"),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Unit");
                    ui.text_edit_singleline(&mut self.new_case.unit)
                        .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Context");
                    ui.text_edit_multiline(&mut self.new_case.context)
                        .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Codebook");
                    let books: Vec<(String, String)> = self
                        .codebooks
                        .books(vault)
                        .iter()
                        .map(|b| (b.id.clone(), b.name.clone()))
                        .collect();
                    let chosen = self
                        .new_case
                        .codebook
                        .get_or_insert_with(|| crate::model::Codebook::neonatal().id);
                    let shown = books
                        .iter()
                        .find(|(id, _)| id == chosen)
                        .map_or(chosen.clone(), |(_, name)| name.clone());
                    egui::ComboBox::from_id_salt("new-case-codebook")
                        .selected_text(shown)
                        .show_ui(ui, |ui| {
                            for (id, name) in &books {
                                ui.selectable_value(chosen, id.clone(), name);
                            }
                        })
                        .response
                        .labelled_by(l.id);
                    ui.end_row();
                });
                if ui.button("Create").clicked() {
                    create = true;
                }
            });
        if create {
            let form = self.new_case.clone();
            let opt = |s: String| (!s.trim().is_empty()).then_some(s);
            let new = NewCase {
                title: form.title,
                date: opt(form.date),
                unit: opt(form.unit),
                context: opt(form.context),
                codebook_id: form.codebook,
            };
            match vault.create_case(new) {
                Ok(id) => {
                    self.selected = Some(id);
                    self.new_case.open = false;
                    self.reload(vault);
                }
                Err(e) => self.message = Some(format!("{e:#}")),
            }
        } else if !open {
            self.new_case.open = false;
        }
    }
}
