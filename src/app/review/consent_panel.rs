//! The consent panel: each participant's answer at each stage, recording
//! new answers, and what the ledger permits now for this recording.
//!
//! The ledger is read once when the window opens and again after each
//! recorded answer ([`ConsentState::reload`]), not every frame.

use egui::{Color32, RichText};

use super::{ReviewCmd, ReviewState};
use crate::model::{ConsentMethod, ConsentStage, ConsentStatus};
use crate::vault::{ConsentReport, NewConsent, Vault};

/// Entry fields of the consent panel.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConsentState {
    pub method: Option<ConsentMethod>,
    pub note: String,
    /// A refusal or withdrawal waiting for confirmation (it may delete the recording).
    pub confirm: Option<NewConsent>,
    /// The case's ledger as last read (`None`: read it at the next frame).
    pub report: Option<Result<ConsentReport, String>>,
}

impl ConsentState {
    /// Reads the ledger again at the next frame (the window opened, or an
    /// answer was recorded).
    pub fn reload(&mut self) {
        self.report = None;
    }
}

pub(super) fn consent_ui(
    ui: &mut egui::Ui,
    s: &mut ReviewState,
    vault: &Vault,
    cmds: &mut Vec<ReviewCmd>,
) {
    let cached = s.consent.report.take().unwrap_or_else(|| {
        vault
            .consent_report(&s.case.id)
            .map_err(|e| format!("{e:#}"))
    });
    match &cached {
        Ok(report) => report_ui(ui, s, vault, report, cmds),
        Err(e) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    }
    // Applying a recorded answer clears it again (`ReviewCmd::Consent`).
    s.consent.report = Some(cached);
}

fn report_ui(
    ui: &mut egui::Ui,
    s: &mut ReviewState,
    vault: &Vault,
    report: &ConsentReport,
    cmds: &mut Vec<ReviewCmd>,
) {
    let instructor = vault.user().role == crate::model::Role::Instructor;
    if ui
        .button("Information sheet…")
        .on_hover_text(
            "The printable sheet for staff and families: what is recorded, why, who sees it, \
             how long it is kept, how to say no (names nobody)",
        )
        .clicked()
        && let Some(path) = rfd::FileDialog::new()
            .set_file_name("consent-information-sheet.html")
            .add_filter("HTML page", &["html"])
            .save_file()
    {
        cmds.push(ReviewCmd::ConsentSheet(path));
    }
    ui.horizontal(|ui| {
        ui.label("Method");
        egui::ComboBox::from_id_salt("consent-method")
            .selected_text(s.consent.method.map_or("not recorded", |m| m.as_str()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut s.consent.method, None, "not recorded");
                ui.selectable_value(&mut s.consent.method, Some(ConsentMethod::Verbal), "verbal");
                ui.selectable_value(
                    &mut s.consent.method,
                    Some(ConsentMethod::Written),
                    "written",
                );
            });
        ui.label("Note");
        ui.add(egui::TextEdit::singleline(&mut s.consent.note).desired_width(200.0));
    });
    ui.separator();
    egui::Grid::new("consent-grid")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            ui.strong("Participant");
            for stage in ConsentStage::ALL {
                ui.strong(stage.as_str());
            }
            ui.end_row();
            for p in &report.participants {
                ui.label(format!(
                    "{} ({})",
                    p.participant.name,
                    p.participant.team_role.as_deref().unwrap_or("-")
                ));
                for stage in ConsentStage::ALL {
                    let current = p.stages.get(stage.as_str()).cloned().flatten();
                    ui.vertical(|ui| {
                        let (text, colour) = match current.as_ref().map(|e| e.status) {
                            None => ("pending".to_owned(), Color32::from_rgb(200, 150, 40)),
                            Some(ConsentStatus::Granted) => {
                                ("granted".to_owned(), Color32::from_rgb(60, 160, 80))
                            }
                            Some(st) => (st.as_str().to_owned(), Color32::from_rgb(210, 70, 60)),
                        };
                        let method = current
                            .as_ref()
                            .and_then(|e| e.method)
                            .map_or(String::new(), |m| format!(" ({m})"));
                        ui.colored_label(colour, format!("{text}{method}"));
                        if instructor {
                            ui.horizontal(|ui| {
                                for (label, status) in [
                                    ("Grant", ConsentStatus::Granted),
                                    ("Refuse", ConsentStatus::Refused),
                                    ("Withdraw", ConsentStatus::Withdrawn),
                                ] {
                                    let id = format!(
                                        "{} {} {}",
                                        label,
                                        p.participant.id,
                                        stage.as_str()
                                    );
                                    if ui.push_id(&id, |ui| ui.small_button(label)).inner.clicked()
                                    {
                                        let new = NewConsent {
                                            participant_id: p.participant.id.clone(),
                                            stage: *stage,
                                            status,
                                            method: s.consent.method,
                                            note: (!s.consent.note.is_empty())
                                                .then(|| s.consent.note.clone()),
                                        };
                                        if status == ConsentStatus::Granted {
                                            cmds.push(ReviewCmd::Consent(new));
                                        } else {
                                            s.consent.confirm = Some(new);
                                        }
                                    }
                                }
                            });
                        }
                    });
                }
                ui.end_row();
            }
        });
    if let Some(pending) = s.consent.confirm.clone() {
        ui.separator();
        let deletes =
            vault.policy().on_refusal.at(pending.stage) == crate::model::policy::OnRefusal::Delete;
        ui.colored_label(
            ui.visuals().warn_fg_color,
            if deletes {
                format!(
                    "Record '{}' at {}? Under the current policy this deletes the case's \
                     recordings at once.",
                    pending.status, pending.stage
                )
            } else {
                format!(
                    "Record '{}' at {}? The recordings will then be kept for the linked \
                     providers' individual review only: no instructor review, no plenary use.",
                    pending.status, pending.stage
                )
            },
        );
        ui.horizontal(|ui| {
            if ui.button("Confirm").clicked() {
                cmds.push(ReviewCmd::Consent(pending));
                s.consent.confirm = None;
            }
            if ui.button("Cancel").clicked() {
                s.consent.confirm = None;
            }
        });
    }
    ui.separator();
    ui.strong("What this recording may be used for now");
    if let Some(r) = report
        .recordings
        .iter()
        .find(|r| r.recording_id == s.recording.id)
    {
        let p = &r.permissions;
        let yes = |b: bool| if b { "yes" } else { "no" };
        ui.label(format!("Purpose: {}", r.purpose));
        ui.label(format!("Private review: {}", yes(p.private_review)));
        ui.label(format!("Instructor review: {}", yes(p.instructor_review)));
        ui.label(format!("Plenary use: {}", yes(p.plenary)));
        if !p.missing_for_plenary.is_empty() {
            let missing: Vec<String> = p
                .missing_for_plenary
                .iter()
                .map(|m| format!("{} – {}: {}", m.participant, m.stage, m.reason))
                .collect();
            ui.label(RichText::new(format!("Plenary needs: {}", missing.join("; "))).weak());
        }
    }
}
