//! The annotation list: sortable, filterable, click to jump; only visible rows are laid out.

use egui::RichText;

use super::{ReviewCmd, ReviewState};
use crate::model::Annotation;
use crate::time;

/// Columns the list sorts by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum SortBy {
    #[default]
    Start,
    Code,
    Author,
    Rating,
}

/// Sort and filter state.
#[derive(Clone, Debug, Default)]
pub(crate) struct ListState {
    pub sort: SortBy,
    pub descending: bool,
    pub filter: String,
    /// Ctrl+F asks for the filter field to take focus.
    pub focus_filter: bool,
}

/// The rows to show, sorted and filtered.
pub(crate) fn rows<'a>(
    list: &ListState,
    annotations: &'a [Annotation],
    label: impl Fn(&str) -> String,
) -> Vec<&'a Annotation> {
    let needle = list.filter.to_lowercase();
    let mut rows: Vec<&Annotation> = annotations
        .iter()
        .filter(|a| {
            needle.is_empty()
                || label(&a.code).to_lowercase().contains(&needle)
                || a.code.contains(&needle)
                || a.note
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&needle))
                || a.author.to_lowercase().contains(&needle)
        })
        .collect();
    match list.sort {
        SortBy::Start => rows.sort_by_key(|a| (a.start_frame, a.end_frame)),
        SortBy::Code => rows.sort_by_key(|a| (label(&a.code), a.start_frame)),
        SortBy::Author => {
            rows.sort_by(|a, b| (&a.author, a.start_frame).cmp(&(&b.author, b.start_frame)))
        }
        SortBy::Rating => rows.sort_by(|a, b| {
            a.rating
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&b.rating.unwrap_or(f64::NEG_INFINITY))
        }),
    }
    if list.descending {
        rows.reverse();
    }
    rows
}

pub(super) fn list_ui(ui: &mut egui::Ui, s: &mut ReviewState, cmds: &mut Vec<ReviewCmd>) {
    ui.horizontal(|ui| {
        ui.strong(format!("Annotations ({})", s.annotations.len()));
        let label = ui.label("Find");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut s.list.filter)
                    .desired_width(200.0)
                    .hint_text("code, note or author (Ctrl+F)"),
            )
            .labelled_by(label.id);
        if s.list.focus_filter {
            field.request_focus();
            s.list.focus_filter = false;
        }
        if ui.input(|i| i.key_pressed(egui::Key::Escape)) && field.has_focus() {
            field.surrender_focus();
        }
        if ui.small_button("Undo").on_hover_text("Ctrl+Z").clicked() {
            cmds.push(ReviewCmd::Undo);
        }
        if ui
            .small_button("Redo")
            .on_hover_text("Ctrl+Shift+Z")
            .clicked()
        {
            cmds.push(ReviewCmd::Redo);
        }
    });
    let codebook = s.codebook.clone();
    let label = |code: &str| {
        codebook
            .code(code)
            .map_or_else(|| code.to_owned(), |c| c.label.clone())
    };
    let rows = rows(&s.list, &s.annotations, label);
    let widths = [110.0, 180.0, 80.0, 60.0, 90.0];
    ui.horizontal(|ui| {
        for (i, (title, by)) in [
            ("Start", SortBy::Start),
            ("Code", SortBy::Code),
            ("End", SortBy::Start),
            ("Rating", SortBy::Rating),
            ("Author", SortBy::Author),
        ]
        .into_iter()
        .enumerate()
        {
            let arrow = if s.list.sort == by && i != 2 {
                if s.list.descending { " v" } else { " ^" }
            } else {
                ""
            };
            let header = ui.add_sized(
                [widths[i], 18.0],
                egui::Button::new(RichText::new(format!("{title}{arrow}")).strong()).frame(false),
            );
            if header.clicked() && i != 2 {
                if s.list.sort == by {
                    s.list.descending = !s.list.descending;
                } else {
                    s.list.sort = by;
                    s.list.descending = false;
                }
            }
        }
        ui.strong("Note");
    });
    let row_height = 20.0;
    let rate = s.host.info.rate;
    let selected = s.selected.clone();
    egui::ScrollArea::vertical()
        .id_salt("annotation-rows")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for a in rows.get(range).unwrap_or_default() {
                let is_selected = selected.as_deref() == Some(a.id.as_str());
                let response = ui
                    .horizontal(|ui| {
                        let start = ui.add_sized(
                            [widths[0], row_height],
                            egui::Button::selectable(
                                is_selected,
                                time::timecode(a.start_frame, rate),
                            ),
                        );
                        ui.add_sized(
                            [widths[1], row_height],
                            egui::Label::new(
                                RichText::new(label(&a.code)).color(s.code_colour(&a.code)),
                            )
                            .truncate(),
                        );
                        ui.add_sized(
                            [widths[2], row_height],
                            egui::Label::new(
                                a.end_frame
                                    .map_or_else(|| "–".into(), |e| time::timecode(e, rate)),
                            ),
                        );
                        ui.add_sized(
                            [widths[3], row_height],
                            egui::Label::new(a.rating.map_or_else(String::new, |r| format!("{r}"))),
                        );
                        ui.add_sized(
                            [widths[4], row_height],
                            egui::Label::new(&a.author).truncate(),
                        );
                        let note = match (&a.note, a.has_private_note && a.private_note.is_none()) {
                            (Some(n), _) => n.clone(),
                            (None, true) => "(private)".into(),
                            (None, false) => a
                                .private_note
                                .clone()
                                .map(|n| format!("(private) {n}"))
                                .unwrap_or_default(),
                        };
                        ui.add(egui::Label::new(note).truncate());
                        start
                    })
                    .inner;
                if response.clicked() {
                    cmds.push(ReviewCmd::Jump(a.id.clone()));
                }
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(id: &str, code: &str, start: u64, author: &str, note: Option<&str>) -> Annotation {
        Annotation {
            id: id.into(),
            recording_id: "r".into(),
            code: code.into(),
            start_frame: start,
            end_frame: None,
            start_pts_ns: 0,
            end_pts_ns: None,
            rating: None,
            note: note.map(str::to_owned),
            private_note: None,
            has_private_note: false,
            author: author.into(),
            created_at: String::new(),
            edited_at: None,
        }
    }

    #[test]
    fn sorts_and_filters() {
        let list = [
            ann("1", "ppv", 30, "zoe", None),
            ann("2", "birth", 10, "amy", Some("mask leak")),
            ann("3", "ppv", 20, "amy", None),
        ];
        let label = |c: &str| {
            if c == "ppv" {
                "Ventilation".to_owned()
            } else {
                "Birth".to_owned()
            }
        };
        let ids = |s: &ListState| {
            rows(s, &list, label)
                .iter()
                .map(|a| a.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&ListState::default()), ["2", "3", "1"]);
        assert_eq!(
            ids(&ListState {
                descending: true,
                ..Default::default()
            }),
            ["1", "3", "2"]
        );
        assert_eq!(
            ids(&ListState {
                sort: SortBy::Code,
                ..Default::default()
            }),
            ["2", "3", "1"]
        );
        assert_eq!(
            ids(&ListState {
                filter: "VENT".into(),
                ..Default::default()
            }),
            ["3", "1"]
        );
        assert_eq!(
            ids(&ListState {
                filter: "leak".into(),
                ..Default::default()
            }),
            ["2"]
        );
        assert_eq!(
            ids(&ListState {
                filter: "zoe".into(),
                ..Default::default()
            }),
            ["1"]
        );
    }
}
