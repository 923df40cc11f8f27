//! Codebooks in the app (instructors): the vault's codebooks listed, a file
//! imported, any codebook copied under a new id, a user codebook edited —
//! categories with their colours, codes with kind, hotkey and rating scale,
//! interval metrics — and saved back, or written to a file to share.
//!
//! The editor checks the codebook on every change with the same schema and
//! consistency checks as `debrief codebook validate`, and lists each problem
//! by the row it is on; Save stays disabled until there are none. Edits live
//! in the editor until saved; closing with changes asks before discarding.
//! Bundled codebooks are copied, never edited.

use std::collections::HashSet;
use std::path::Path;

mod editor;

use egui::{Color32, RichText};

use crate::model::Codebook;
use crate::model::codebook::{BUNDLED, free_id};
use crate::vault::{Vault, VaultError};
use editor::{Editor, editor_body};

/// The codebooks window and its editor.
#[derive(Default)]
pub struct CodebooksState {
    /// Whether the list window is open.
    pub open: bool,
    books: Vec<Codebook>,
    bundled: HashSet<String>,
    editor: Option<Editor>,
    /// Last notice or error.
    pub message: Option<String>,
    loaded: bool,
}

/// The bundled codebooks' ids.
fn bundled_ids() -> HashSet<String> {
    BUNDLED
        .iter()
        .filter_map(|text| Codebook::from_json(text).ok())
        .map(|b| b.id)
        .collect()
}

/// Reads, checks and saves a codebook file; problems as `file:line:col: /pointer: what`.
pub fn import_file(vault: &mut Vault, path: &Path) -> Result<String, Vec<String>> {
    let name = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| vec![format!("cannot read {name}: {e}")])?;
    vault.save_codebook(&text, &name).map_err(|e| match e {
        VaultError::NotValid { problems, .. } => problems,
        other => vec![other.to_string()],
    })
}

/// What the codebook windows ask for; [`CodebooksState::apply`] carries it out.
#[derive(Clone, Debug, PartialEq, Eq)]
enum CodebookCmd {
    /// Edit a copy of this codebook under a free id.
    Copy(String),
    /// Edit this (user) codebook.
    Edit(String),
    /// Edit a new codebook from the template.
    New,
    /// Write this codebook to a file the user picks.
    SaveAs(String),
    /// Add a codebook file the user picks.
    Import,
    /// Save the editor's codebook into the vault.
    SaveEdited,
    /// Write the editor's codebook to a file the user picks.
    SaveEditedAs,
    /// Close the editor (asking first when it has changes).
    CloseEditor,
}

impl CodebooksState {
    /// Reloads the list from the vault.
    pub fn reload(&mut self, vault: &Vault) {
        match vault.codebooks() {
            Ok(books) => self.books = books,
            Err(e) => self.message = Some(format!("{e:#}")),
        }
        self.bundled = bundled_ids();
        self.loaded = true;
    }

    /// The codebooks (for the new-case dialog).
    pub fn books(&mut self, vault: &Vault) -> &[Codebook] {
        if !self.loaded {
            self.reload(vault);
        }
        &self.books
    }

    /// True while the editor is open.
    pub fn editing(&self) -> bool {
        self.editor.is_some()
    }

    /// Opens the editor on a copy of `id` under a free id.
    pub fn copy(&mut self, id: &str) {
        let Some(mut book) = self.books.iter().find(|b| b.id == id).cloned() else {
            return;
        };
        let taken = |candidate: &str| self.books.iter().any(|b| b.id == candidate);
        book.id = free_id(&format!("{id}-copy"), taken);
        book.name = format!("{} (copy)", book.name);
        self.editor = Some(Editor::new(book, true));
    }

    /// Draws the list window and the editor.
    pub fn ui(&mut self, ctx: &egui::Context, vault: &mut Vault) {
        if !self.open {
            return;
        }
        if !self.loaded {
            self.reload(vault);
        }
        let mut open = true;
        let mut cmds = Vec::new();
        egui::Window::new("Codebooks")
            .open(&mut open)
            .default_pos(egui::pos2(60.0, 110.0))
            .default_width(760.0)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui
                        .button("Import file…")
                        .on_hover_text("Add a codebook JSON file (schemas/codebook.schema.json)")
                        .clicked()
                    {
                        cmds.push(CodebookCmd::Import);
                    }
                    if ui.button("New codebook").clicked() {
                        cmds.push(CodebookCmd::New);
                    }
                });
                if let Some(msg) = &self.message {
                    ui.label(msg.as_str());
                }
                ui.separator();
                egui::Grid::new("codebook-list")
                    .num_columns(5)
                    .striped(true)
                    .show(ui, |ui| {
                        for h in ["Name", "Id", "Version", "Codes", ""] {
                            ui.label(RichText::new(h).strong());
                        }
                        ui.end_row();
                        for book in &self.books {
                            let bundled = self.bundled.contains(&book.id);
                            ui.label(&book.name);
                            ui.label(RichText::new(&book.id).monospace());
                            ui.label(&book.version);
                            ui.label(format!(
                                "{}{}",
                                book.codes.len(),
                                if bundled { " · bundled" } else { "" }
                            ));
                            ui.horizontal(|ui| {
                                if ui
                                    .button("Copy")
                                    .on_hover_text("Edit a copy under a new id")
                                    .clicked()
                                {
                                    cmds.push(CodebookCmd::Copy(book.id.clone()));
                                }
                                let e = ui
                                    .add_enabled(!bundled, egui::Button::new("Edit"))
                                    .on_disabled_hover_text(
                                        "Bundled codebooks are not edited: copy one instead",
                                    );
                                if e.clicked() {
                                    cmds.push(CodebookCmd::Edit(book.id.clone()));
                                }
                                if ui.button("Save as file…").clicked() {
                                    cmds.push(CodebookCmd::SaveAs(book.id.clone()));
                                }
                            });
                            ui.end_row();
                        }
                    });
            });
        if !open && self.editor.is_none() {
            self.open = false;
        }
        for cmd in cmds {
            self.apply(cmd, vault);
        }
        // The editor is drawn after the list's commands, so one it opened shows at once.
        if let Some(cmd) = self.editor_ui(ctx) {
            self.apply(cmd, vault);
        }
    }

    /// Carries out what the windows asked: the one place they reach the vault.
    fn apply(&mut self, cmd: CodebookCmd, vault: &mut Vault) {
        match cmd {
            CodebookCmd::Copy(id) => self.copy(&id),
            CodebookCmd::Edit(id) => {
                if let Some(book) = self.books.iter().find(|b| b.id == id).cloned() {
                    self.editor = Some(Editor::new(book, false));
                }
            }
            CodebookCmd::New => {
                let taken = |candidate: &str| self.books.iter().any(|b| b.id == candidate);
                self.editor = Some(Editor::new(
                    Codebook::template(free_id("my-codebook", taken)),
                    true,
                ));
            }
            CodebookCmd::SaveAs(id) => {
                if let Some(book) = self.books.iter().find(|b| b.id == id).cloned() {
                    self.save_file(&Editor::new(book, false));
                }
            }
            CodebookCmd::Import => {
                if let Some(path) = rfd::FileDialog::new()
                    .add_filter("codebook", &["json"])
                    .pick_file()
                {
                    self.message = Some(match import_file(vault, &path) {
                        Ok(id) => format!("Codebook '{id}' added."),
                        Err(problems) => format!("Not imported:\n{}", problems.join("\n")),
                    });
                    self.reload(vault);
                }
            }
            CodebookCmd::SaveEdited => {
                let Some(editor) = self.editor.as_mut() else {
                    return;
                };
                match vault.save_codebook(&editor.json(), "codebook") {
                    Ok(id) => {
                        self.message = Some(format!("Codebook '{id}' saved."));
                        self.editor = None;
                        self.reload(vault);
                    }
                    Err(VaultError::NotValid { problems, .. }) => editor.problems = problems,
                    Err(e) => editor.problems = vec![format!("{e:#}")],
                }
            }
            CodebookCmd::SaveEditedAs => {
                let editor = self.editor.take();
                if let Some(e) = &editor {
                    self.save_file(e);
                }
                self.editor = editor;
            }
            CodebookCmd::CloseEditor => {
                if let Some(editor) = self.editor.as_mut() {
                    if editor.dirty {
                        editor.confirm_discard = true;
                    } else {
                        self.editor = None;
                    }
                }
            }
        }
    }

    fn save_file(&mut self, editor: &Editor) {
        if let Some(path) = rfd::FileDialog::new()
            .set_file_name(format!("{}.json", editor.book.id))
            .add_filter("codebook", &["json"])
            .save_file()
        {
            self.message = Some(match std::fs::write(&path, editor.json()) {
                Ok(()) => format!("Wrote {}.", path.display()),
                Err(e) => format!("Cannot write {}: {e}", path.display()),
            });
        }
    }

    /// The editor window; what its buttons ask for.
    fn editor_ui(&mut self, ctx: &egui::Context) -> Option<CodebookCmd> {
        let editor = self.editor.as_mut()?;
        let mut open = true;
        let mut action = None;
        let title = if editor.new {
            "New codebook"
        } else {
            "Edit codebook"
        };
        let top = ctx.content_rect().center_top() + egui::vec2(0.0, 40.0);
        egui::Window::new(title)
            .id(egui::Id::unique("codebook-editor"))
            .open(&mut open)
            .pivot(egui::Align2::CENTER_TOP)
            .default_pos(top)
            .default_size([1000.0, 700.0])
            .collapsible(false)
            .show(ctx, |ui| {
                let changed = editor_body(ui, editor);
                if changed {
                    editor.dirty = true;
                    editor.check();
                }
                ui.separator();
                if editor.problems.is_empty() {
                    ui.label(RichText::new("No problems found.").weak());
                } else {
                    for p in &editor.problems {
                        ui.colored_label(Color32::from_rgb(0xd0, 0x50, 0x40), p);
                    }
                }
                ui.horizontal(|ui| {
                    let save = ui
                        .add_enabled(editor.problems.is_empty(), egui::Button::new("Save"))
                        .on_disabled_hover_text("Fix the problems listed above first");
                    if save.clicked() {
                        action = Some(CodebookCmd::SaveEdited);
                    }
                    if ui.button("Save as file…").clicked() {
                        action = Some(CodebookCmd::SaveEditedAs);
                    }
                    if ui.button("Cancel").clicked() {
                        action = Some(CodebookCmd::CloseEditor);
                    }
                });
                if editor.confirm_discard {
                    ui.horizontal(|ui| {
                        ui.label("Discard the changes to this codebook?");
                        if ui.button("Discard").clicked() {
                            editor.dirty = false;
                            action = Some(CodebookCmd::CloseEditor);
                        }
                        if ui.button("Keep editing").clicked() {
                            editor.confirm_discard = false;
                        }
                    });
                }
            });
        if !open {
            action = Some(CodebookCmd::CloseEditor);
        }
        action
    }
}
