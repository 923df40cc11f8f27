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

use egui::{Color32, RichText};

use crate::model::codebook::{BUNDLED, Category, Code, Metric, RatingScale, free_id, slug};
use crate::model::{CodeKind, Codebook};
use crate::vault::{Vault, VaultError};

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

struct Editor {
    book: Codebook,
    /// A copy or a new codebook: its id may still change.
    new: bool,
    dirty: bool,
    confirm_discard: bool,
    problems: Vec<String>,
    /// A row just added: scrolled to, its first field focused, on the next frame.
    focus: Option<(Section, usize)>,
}

/// The bundled codebooks' ids.
fn bundled_ids() -> HashSet<String> {
    BUNDLED
        .iter()
        .filter_map(|text| Codebook::from_json(text).ok())
        .map(|b| b.id)
        .collect()
}

fn to_hex(c: Color32) -> String {
    format!("#{:02X}{:02X}{:02X}", c.r(), c.g(), c.b())
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

impl Editor {
    fn new(book: Codebook, new: bool) -> Self {
        let mut e = Self {
            book,
            new,
            dirty: new,
            confirm_discard: false,
            problems: Vec::new(),
            focus: None,
        };
        e.check();
        e
    }

    /// Runs the schema and consistency checks; problems named by row.
    fn check(&mut self) {
        let mut problems = self.book.all_problems();
        // Keys the review screen can use and does not already take.
        for (i, code) in self.book.codes.iter().enumerate() {
            let Some(hotkey) = code.hotkey.as_deref() else {
                continue;
            };
            let at = format!("/codes/{i}/hotkey");
            match crate::app::shortcuts::code_key(hotkey) {
                None => problems.push((
                    at,
                    format!("'{hotkey}' is not a key the app can use: pick a letter or a digit"),
                )),
                Some(key) => {
                    if let Some((_, _, what)) = crate::app::shortcuts::BINDINGS
                        .iter()
                        .find(|(_, s, _)| s.logical_key == key && s.modifiers.is_none())
                    {
                        problems.push((at, format!("'{hotkey}' is the app's key for {what}")));
                    }
                }
            }
        }
        self.problems = problems
            .into_iter()
            .map(|(at, what)| format!("{}: {what}", self.book.place(&at)))
            .collect();
    }

    fn json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.book).unwrap_or_default();
        text.push('\n');
        text
    }
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

/// The editor's fields; true when anything changed.
fn editor_body(ui: &mut egui::Ui, editor: &mut Editor) -> bool {
    let mut changed = false;
    let new = editor.new;
    let book = &mut editor.book;
    egui::Grid::new("codebook-fields")
        .num_columns(2)
        .show(ui, |ui| {
            let l = ui.label("Id");
            changed |= ui
                .add_enabled(new, egui::TextEdit::singleline(&mut book.id))
                .on_disabled_hover_text("A saved codebook keeps its id: copy it to change the id")
                .labelled_by(l.id)
                .changed();
            ui.end_row();
            let l = ui.label("Name");
            changed |= ui
                .add(egui::TextEdit::singleline(&mut book.name).desired_width(360.0))
                .labelled_by(l.id)
                .changed();
            ui.end_row();
            let l = ui.label("Version");
            changed |= ui
                .text_edit_singleline(&mut book.version)
                .labelled_by(l.id)
                .changed();
            ui.end_row();
            let l = ui.label("Description");
            changed |= ui
                .add(
                    egui::TextEdit::multiline(&mut book.description)
                        .desired_rows(2)
                        .desired_width(560.0),
                )
                .labelled_by(l.id)
                .changed();
            ui.end_row();
        });
    // Adding is outside the scrolled lists, so the buttons never scroll away;
    // a new row is scrolled to and its first field focused.
    ui.horizontal(|ui| {
        if ui.button("Add category").clicked() {
            let id = free_id("category", |c| book.categories.iter().any(|x| x.id == c));
            editor.focus = Some((Section::Categories, book.categories.len()));
            book.categories.push(Category {
                id,
                name: "New category".into(),
                colour: "#888888".into(),
            });
            changed = true;
        }
        if ui.button("Add code").clicked() {
            let id = free_id("new-code", |c| book.codes.iter().any(|x| x.id == c));
            let category = book
                .categories
                .first()
                .map(|c| c.id.clone())
                .unwrap_or_default();
            editor.focus = Some((Section::Codes, book.codes.len()));
            book.codes.push(Code {
                label: "New code".into(),
                id,
                category,
                kind: CodeKind::Point,
                hotkey: None,
                description: String::new(),
                rating: None,
            });
            changed = true;
        }
        if ui
            .add_enabled(!book.codes.is_empty(), egui::Button::new("Add time target"))
            .clicked()
        {
            let first = book.codes.first().map(|c| c.id.clone()).unwrap_or_default();
            let last = book.codes.last().map(|c| c.id.clone()).unwrap_or_default();
            editor.focus = Some((Section::Metrics, book.metrics.len()));
            book.metrics.push(Metric {
                name: "New time target".into(),
                from: first,
                to: last,
                target_seconds: 60.0,
            });
            changed = true;
        }
    });
    let focus = &mut editor.focus;
    egui::ScrollArea::vertical()
        .max_height(440.0)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            changed |= categories_ui(ui, book, focus);
            changed |= codes_ui(ui, book, new, focus);
            changed |= metrics_ui(ui, book, focus);
        });
    changed
}

/// Which list a new row went into.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Categories,
    Codes,
    Metrics,
}

/// A drop-down choosing an id among `(id, name)` options, showing names
/// (an id no option has shows as itself); true when the choice changed.
fn id_combo(
    ui: &mut egui::Ui,
    salt: impl egui::AsIdSalt,
    chosen: &mut String,
    options: &[(String, String)],
) -> bool {
    let shown = options
        .iter()
        .find(|(id, _)| id == chosen)
        .map_or_else(|| chosen.clone(), |(_, name)| name.clone());
    let mut changed = false;
    egui::ComboBox::from_id_salt(salt)
        .selected_text(shown)
        .show_ui(ui, |ui| {
            for (id, name) in options {
                changed |= ui.selectable_value(chosen, id.clone(), name).changed();
            }
        });
    changed
}

/// Scrolls to and focuses `response` when it is the row just added.
fn focus_new_row(
    focus: &mut Option<(Section, usize)>,
    here: (Section, usize),
    response: &egui::Response,
) {
    if *focus == Some(here) {
        response.scroll_to_me(Some(egui::Align::Center));
        response.request_focus();
        *focus = None;
    }
}

/// A single-line text field of a fixed width (grid columns would shrink it),
/// named for screen readers by its column and row ("Hotkey of code 3"): a
/// column header scrolled out of view cannot name it.
fn field(ui: &mut egui::Ui, text: &mut String, width: f32, name: String) -> egui::Response {
    ui.add_sized([width, 20.0], egui::TextEdit::singleline(text))
        .accessible_name(name)
}

fn categories_ui(
    ui: &mut egui::Ui,
    book: &mut Codebook,
    focus: &mut Option<(Section, usize)>,
) -> bool {
    let mut changed = false;
    ui.heading("Categories (timeline lanes)");
    let mut remove = None;
    egui::Grid::new("codebook-categories")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            ui.label(RichText::new("Name").strong());
            ui.label(RichText::new("Colour").strong());
            ui.label(RichText::new("Id").strong());
            ui.label("");
            ui.end_row();
            let in_use: HashSet<String> = book.codes.iter().map(|c| c.category.clone()).collect();
            for (i, c) in book.categories.iter_mut().enumerate() {
                let name = field(
                    ui,
                    &mut c.name,
                    200.0,
                    format!("Name of category {}", i + 1),
                );
                focus_new_row(focus, (Section::Categories, i), &name);
                changed |= name.changed();
                let mut colour = crate::app::timeline::parse_colour(&c.colour);
                if ui.color_edit_button_srgba(&mut colour).changed() {
                    c.colour = to_hex(colour);
                    changed = true;
                }
                changed |=
                    field(ui, &mut c.id, 140.0, format!("Id of category {}", i + 1)).changed();
                let used = in_use.contains(&c.id);
                if ui
                    .add_enabled(!used, egui::Button::new("Remove"))
                    .on_disabled_hover_text("Codes use this category: move them first")
                    .clicked()
                {
                    remove = Some(i);
                }
                ui.end_row();
            }
        });
    if let Some(i) = remove {
        book.categories.remove(i);
        changed = true;
    }
    changed
}

fn codes_ui(
    ui: &mut egui::Ui,
    book: &mut Codebook,
    new: bool,
    focus: &mut Option<(Section, usize)>,
) -> bool {
    let mut changed = false;
    ui.heading("Codes");
    if !new {
        ui.label(
            RichText::new(
                "Annotations refer to codes by id: a changed or removed id leaves them without a code.",
            )
            .weak(),
        );
    }
    let categories: Vec<(String, String)> = book
        .categories
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let mut remove = None;
    egui::Grid::new("codebook-codes")
        .num_columns(7)
        .striped(true)
        .show(ui, |ui| {
            ui.label(RichText::new("Label").strong());
            ui.label(RichText::new("Id").strong());
            ui.label(RichText::new("Category").strong());
            ui.label(RichText::new("Kind").strong());
            ui.label(RichText::new("Hotkey").strong());
            ui.label(RichText::new("Rating scale").strong());
            ui.label("");
            ui.end_row();
            for (i, code) in book.codes.iter_mut().enumerate() {
                // The id follows the label while it is the label's slug (or the placeholder).
                let follows = code.id == slug(&code.label) || code.id.starts_with("new-code");
                let label = field(
                    ui,
                    &mut code.label,
                    230.0,
                    format!("Label of code {}", i + 1),
                );
                focus_new_row(focus, (Section::Codes, i), &label);
                if label.changed() {
                    if follows {
                        code.id = slug(&code.label);
                    }
                    changed = true;
                }
                changed |=
                    field(ui, &mut code.id, 150.0, format!("Id of code {}", i + 1)).changed();
                changed |= id_combo(ui, ("code-category", i), &mut code.category, &categories);
                egui::ComboBox::from_id_salt(("code-kind", i))
                    .selected_text(code.kind.as_str())
                    .show_ui(ui, |ui| {
                        for k in CodeKind::ALL {
                            changed |= ui
                                .selectable_value(&mut code.kind, *k, k.as_str())
                                .changed();
                        }
                    });
                let mut key = code.hotkey.clone().unwrap_or_default();
                let r = ui
                    .add_sized(
                        [34.0, 20.0],
                        egui::TextEdit::singleline(&mut key).char_limit(3),
                    )
                    .accessible_name(format!("Hotkey of code {}", i + 1));
                if r.changed() {
                    let key = key.trim().to_ascii_uppercase();
                    code.hotkey = (!key.is_empty()).then_some(key);
                    changed = true;
                }
                ui.horizontal(|ui| {
                    let mut rated = code.rating.is_some();
                    if ui.checkbox(&mut rated, "").changed() {
                        code.rating = rated.then(|| RatingScale {
                            min: 0.0,
                            max: 4.0,
                            anchors: Default::default(),
                        });
                        changed = true;
                    }
                    if let Some(scale) = &mut code.rating {
                        changed |= ui
                            .add(egui::DragValue::new(&mut scale.min).prefix("from "))
                            .changed();
                        changed |= ui
                            .add(egui::DragValue::new(&mut scale.max).prefix("to "))
                            .changed();
                    }
                });
                if ui.button("Remove").clicked() {
                    remove = Some(i);
                }
                ui.end_row();
            }
        });
    if let Some(i) = remove {
        book.codes.remove(i);
        changed = true;
    }
    changed
}

fn metrics_ui(
    ui: &mut egui::Ui,
    book: &mut Codebook,
    focus: &mut Option<(Section, usize)>,
) -> bool {
    let mut changed = false;
    ui.heading("Time targets (interval metrics)");
    let codes: Vec<(String, String)> = book
        .codes
        .iter()
        .map(|c| (c.id.clone(), c.label.clone()))
        .collect();
    let mut remove = None;
    egui::Grid::new("codebook-metrics")
        .num_columns(5)
        .striped(true)
        .show(ui, |ui| {
            ui.label(RichText::new("Name").strong());
            ui.label(RichText::new("From").strong());
            ui.label(RichText::new("To").strong());
            ui.label(RichText::new("Target (s)").strong());
            ui.label("");
            ui.end_row();
            for (i, m) in book.metrics.iter_mut().enumerate() {
                let name = field(
                    ui,
                    &mut m.name,
                    260.0,
                    format!("Name of time target {}", i + 1),
                );
                focus_new_row(focus, (Section::Metrics, i), &name);
                changed |= name.changed();
                for (salt, end) in [("metric-from", &mut m.from), ("metric-to", &mut m.to)] {
                    changed |= id_combo(ui, (salt, i), end, &codes);
                }
                changed |= ui
                    .add(
                        egui::DragValue::new(&mut m.target_seconds)
                            .range(0.0..=86_400.0)
                            .suffix(" s"),
                    )
                    .changed();
                if ui.button("Remove").clicked() {
                    remove = Some(i);
                }
                ui.end_row();
            }
        });
    if let Some(i) = remove {
        book.metrics.remove(i);
        changed = true;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_written_as_hex() {
        assert_eq!(to_hex(Color32::from_rgb(0x4c, 0x78, 0xa8)), "#4C78A8");
    }

    #[test]
    fn problems_are_named_by_row() {
        let book = Codebook::from_json(crate::model::codebook::NEONATAL).unwrap();
        let mut editor = Editor::new(book, false);
        assert!(editor.problems.is_empty(), "{:?}", editor.problems);
        let first = editor.book.codes[0].hotkey.clone();
        editor.book.codes[1].hotkey = first;
        editor.book.categories[0].colour = "blue".into();
        editor.check();
        assert_eq!(
            editor.problems.len(),
            1,
            "schema problems first: {:?}",
            editor.problems
        );
        assert!(
            editor.problems[0]
                .starts_with("Category 1 (Milestones), colour: 'blue' is not a colour"),
            "{:?}",
            editor.problems
        );
        editor.book.categories[0].colour = "#123456".into();
        editor.check();
        assert!(
            editor.problems[0].starts_with("Code 2 ("),
            "{:?}",
            editor.problems
        );
        assert!(
            editor.problems[0].contains("hotkey"),
            "{:?}",
            editor.problems
        );
    }
}
