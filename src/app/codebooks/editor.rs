//! The codebook editor's fields: name and version, categories with their
//! colours, codes with kind, hotkey and rating scale, interval metrics; and
//! its checks, re-run on every change and named by row.

use std::collections::HashSet;

use egui::{Color32, RichText};

use crate::model::CodeKind;
use crate::model::Codebook;
use crate::model::codebook::{Category, Code, Metric, RatingScale, free_id, slug};

/// A codebook being edited (kept until saved or discarded).
pub(super) struct Editor {
    pub(super) book: Codebook,
    /// A copy or a new codebook: its id may still change.
    pub(super) new: bool,
    pub(super) dirty: bool,
    pub(super) confirm_discard: bool,
    pub(super) problems: Vec<String>,
    /// A row just added: scrolled to, its first field focused, on the next frame.
    focus: Option<(Section, usize)>,
}

impl Editor {
    pub(super) fn new(book: Codebook, new: bool) -> Self {
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
    pub(super) fn check(&mut self) {
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

    pub(super) fn json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.book).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn to_hex(c: Color32) -> String {
    format!("#{:02X}{:02X}{:02X}", c.r(), c.g(), c.b())
}

/// The editor's fields; true when anything changed.
pub(super) fn editor_body(ui: &mut egui::Ui, editor: &mut Editor) -> bool {
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
