//! The code window: the codebook as buttons with their hotkeys, and the editor
//! of the selected annotation (rating, shared note, private note).

use egui::{Color32, RichText};

use super::{ReviewCmd, ReviewState};
use crate::model::CodeKind;

pub(super) fn code_panel_ui(
    ui: &mut egui::Ui,
    s: &mut ReviewState,
    _user_id: i64,
    cmds: &mut Vec<ReviewCmd>,
) {
    ui.heading("Codes");
    ui.label(RichText::new(format!("{} · press a key or click", s.codebook.name)).weak());
    ui.add_space(4.0);
    let open: Vec<String> = s
        .annotations
        .iter()
        .filter(|a| a.end_frame.is_none())
        .map(|a| a.code.clone())
        .collect();
    egui::ScrollArea::vertical()
        .id_salt("codes-scroll")
        .max_height(ui.available_height() * 0.55)
        .show(ui, |ui| {
            for category in &s.codebook.categories {
                ui.add(
                    egui::Label::new(
                        RichText::new(&category.name)
                            .strong()
                            .color(crate::app::timeline::parse_colour(&category.colour)),
                    )
                    .truncate(),
                );
                for code in s
                    .codebook
                    .codes
                    .iter()
                    .filter(|c| c.category == category.id)
                {
                    let running = code.kind == CodeKind::Duration && open.contains(&code.id);
                    let key = code.hotkey.as_deref().unwrap_or(" ");
                    let kind = match (code.kind, running) {
                        (CodeKind::Point, _) => "point",
                        (CodeKind::Duration, false) => "start",
                        (CodeKind::Duration, true) => "stop",
                    };
                    let text = format!("[{key}] {}  ({kind})", code.label);
                    // A long label is cut with "…" at the panel's edge; the tooltip has it whole.
                    let button = egui::Button::new(text)
                        .min_size(egui::vec2(ui.available_width(), 22.0))
                        .truncate()
                        .selected(running);
                    let hover = if code.description.is_empty() {
                        code.label.clone()
                    } else {
                        format!("{}\n{}", code.label, code.description)
                    };
                    if ui.add(button).on_hover_text(hover).clicked() {
                        cmds.push(ReviewCmd::Code(code.id.clone()));
                    }
                }
                ui.add_space(4.0);
            }
        });
    if !s.metrics.is_empty() || !s.data_metrics.is_empty() {
        ui.separator();
        ui.strong("Metrics");
        for m in &s.metrics {
            let took = m.seconds.map_or("—".to_owned(), |x| format!("{x:.1} s"));
            let colour = match m.status {
                "met" => egui::Color32::from_rgb(0x4c, 0xaf, 0x50),
                "missed" => ui.visuals().error_fg_color,
                _ => ui.visuals().weak_text_color(),
            };
            ui.horizontal_wrapped(|ui| {
                ui.label(&m.name);
                ui.label(
                    RichText::new(format!("{took} / {} s · {}", m.target_seconds, m.status))
                        .color(colour),
                );
            });
        }
        for m in &s.data_metrics {
            let show = |v: f64| {
                if m.unit == "fraction" {
                    format!("{:.0} %", v * 100.0)
                } else {
                    format!("{v:.1} s")
                }
            };
            let value = m.value.map_or("—".to_owned(), show);
            let goal = m.target.map_or_else(String::new, |t| {
                format!(
                    " / {}{}",
                    if m.unit == "fraction" { "≥ " } else { "" },
                    show(t)
                )
            });
            let colour = match m.status {
                "met" => egui::Color32::from_rgb(0x4c, 0xaf, 0x50),
                "missed" => ui.visuals().error_fg_color,
                _ => ui.visuals().weak_text_color(),
            };
            ui.horizontal_wrapped(|ui| {
                ui.label(&m.name)
                    .on_hover_text(format!("From the device data: {}", m.signal));
                ui.label(RichText::new(format!("{value}{goal} · {}", m.status)).color(colour));
            });
        }
    }
    agreement_ui(ui, s);
    ui.separator();
    editor_ui(ui, s, cmds);
}

/// Agreement computed for a pair of raters.
type AgreementResult = (
    (String, String),
    Vec<crate::model::agreement::CategoryKappa>,
    Vec<crate::model::agreement::CodeMatch>,
);

/// The agreement table's choice of raters and its cached result.
#[derive(Default)]
pub(crate) struct AgreementView {
    pub raters: (String, String),
    pub result: Option<AgreementResult>,
}

/// κ per category and event matching between two raters, when the recording has two or more.
fn agreement_ui(ui: &mut egui::Ui, s: &mut ReviewState) {
    use crate::model::agreement;
    let mut raters: Vec<String> = s.annotations.iter().map(|a| a.author.clone()).collect();
    raters.sort();
    raters.dedup();
    if raters.len() < 2 {
        return;
    }
    ui.separator();
    egui::CollapsingHeader::new("Agreement between raters").show(ui, |ui| {
        let view = &mut s.agreement;
        if !raters.contains(&view.raters.0)
            || !raters.contains(&view.raters.1)
            || view.raters.0 == view.raters.1
        {
            view.raters = (raters[0].clone(), raters[1].clone());
        }
        ui.horizontal(|ui| {
            for (salt, pick) in [
                ("rater-a", &mut view.raters.0),
                ("rater-b", &mut view.raters.1),
            ] {
                egui::ComboBox::from_id_salt(salt)
                    .selected_text(pick.clone())
                    .show_ui(ui, |ui| {
                        for r in &raters {
                            ui.selectable_value(pick, r.clone(), r);
                        }
                    });
            }
        });
        let key = view.raters.clone();
        if view.result.as_ref().is_none_or(|(k, _, _)| *k != key) {
            let by = |r: &str| {
                s.annotations
                    .iter()
                    .filter(|a| a.author == r)
                    .cloned()
                    .collect::<Vec<_>>()
            };
            let (a, b) = (by(&key.0), by(&key.1));
            let (pts, end) = (s.host.info.table.all_pts(), s.host.info.table.end_ns());
            let kappa = agreement::kappa_by_category(&s.codebook, &a, &b, pts, end, 1_000_000_000);
            let events = agreement::match_events(&a, &b, 1_000_000_000);
            view.result = Some((key, kappa, events));
        }
        let Some((_, kappa, events)) = &view.result else {
            return;
        };
        egui::Grid::new("kappa").striped(true).show(ui, |ui| {
            ui.strong("Category");
            ui.strong("κ (1 s units)");
            ui.end_row();
            for k in kappa {
                let name = s
                    .codebook
                    .categories
                    .iter()
                    .find(|c| c.id == k.category)
                    .map_or(k.category.as_str(), |c| c.name.as_str());
                ui.label(name);
                ui.label(k.kappa.map_or("—".to_owned(), |x| format!("{x:.2}")));
                ui.end_row();
            }
        });
        let matched: usize = events.iter().map(|e| e.matched).sum();
        let (na, nb): (usize, usize) = events.iter().fold((0, 0), |(x, y), e| (x + e.a, y + e.b));
        ui.label(format!(
            "Events within ±1 s: {matched} matched of {na} and {nb}."
        ));
    });
}

fn editor_ui(ui: &mut egui::Ui, s: &mut ReviewState, cmds: &mut Vec<ReviewCmd>) {
    let Some(id) = s.selected.clone() else {
        ui.label(
            RichText::new(
                "Select an event on the timeline or in the list to rate it or add notes.",
            )
            .weak(),
        );
        return;
    };
    let Some(a) = s.annotations.iter().find(|a| a.id == id).cloned() else {
        return;
    };
    let code = s.codebook.code(&a.code).cloned();
    ui.horizontal(|ui| {
        let (swatch, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
        ui.painter()
            .rect_filled(swatch, 2.0, s.code_colour(&a.code));
        ui.strong(code.as_ref().map_or(a.code.as_str(), |c| c.label.as_str()));
    });
    let span = match a.end_frame {
        Some(end) => format!(
            "frames {}–{} ({} frames)",
            a.start_frame,
            end,
            end - a.start_frame + 1
        ),
        None if code.as_ref().is_some_and(|c| c.kind == CodeKind::Duration) => format!(
            "from frame {} (open: press its key again to stop)",
            a.start_frame
        ),
        None => format!("frame {}", a.start_frame),
    };
    ui.label(span);
    ui.label(
        RichText::new(format!("by {} · {}", a.author, a.created_at))
            .weak()
            .small(),
    );
    if let Some(scale) = code.as_ref().and_then(|c| c.rating.clone()) {
        let mut value = s.editor.rating.unwrap_or(scale.min);
        let mut rated = s.editor.rating.is_some();
        ui.horizontal(|ui| {
            if ui.checkbox(&mut rated, "Rating").changed() {
                s.editor.rating = rated.then_some(value);
                s.editor.dirty = true;
            }
            if rated
                && ui
                    .add(egui::Slider::new(&mut value, scale.min..=scale.max).step_by(1.0))
                    .changed()
            {
                s.editor.rating = Some(value);
                s.editor.dirty = true;
            }
        });
        if let Some(anchor) = s
            .editor
            .rating
            .and_then(|v| scale.anchors.get(&format!("{v}")))
        {
            ui.label(RichText::new(anchor).italics());
        }
    }
    let label = ui.label("Note (shared)");
    if ui
        .add(
            egui::TextEdit::multiline(&mut s.editor.note)
                .desired_rows(2)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id)
        .changed()
    {
        s.editor.dirty = true;
    }
    let mine = s
        .annotations
        .iter()
        .any(|x| x.id == id && x.private_note.is_some())
        || !a.has_private_note;
    if mine {
        let label = ui.label("Private note (only you can read it)");
        if ui
            .add(
                egui::TextEdit::multiline(&mut s.editor.private_note)
                    .desired_rows(2)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id)
            .changed()
        {
            s.editor.dirty = true;
        }
    } else {
        ui.label(RichText::new("Has a private note by its author").weak());
    }
    ui.horizontal(|ui| {
        let save = ui.add_enabled(s.editor.dirty, egui::Button::new("Save"));
        if save.clicked() {
            cmds.push(ReviewCmd::SaveEdit);
        }
        if ui
            .button("Delete")
            .on_hover_text("Delete this event (Delete; undo with Ctrl+Z)")
            .clicked()
        {
            cmds.push(ReviewCmd::Delete(id.clone()));
        }
        if ui
            .button("Go to")
            .on_hover_text("Show its first frame")
            .clicked()
        {
            cmds.push(ReviewCmd::Jump(id.clone()));
        }
    });
    if s.editor.dirty {
        ui.colored_label(
            Color32::from_rgb(200, 140, 40),
            "Unsaved changes (saved when you leave this screen)",
        );
    }
}
