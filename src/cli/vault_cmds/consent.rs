//! `debrief participant add` and `debrief consent …`.

use super::*;

/// `debrief participant add`.
#[derive(Debug, Subcommand)]
pub enum ParticipantCommand {
    /// Add a participant to a case (instructors).
    Add {
        /// Case id.
        #[arg(long)]
        case: String,
        /// Name or pseudonym.
        #[arg(long)]
        name: String,
        /// Team role (airway, team lead, parent, …).
        #[arg(long)]
        team_role: Option<String>,
        /// Link a provider account, so they see this case.
        #[arg(long)]
        user: Option<String>,
        /// Print `{"participant_id"}`.
        #[arg(long)]
        json: bool,
    },
}

pub fn participant(cmd: &ParticipantCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    let ParticipantCommand::Add {
        case,
        name,
        team_role,
        user,
        json,
    } = cmd;
    let id = vault.add_participant(case, name, team_role.as_deref(), user.as_deref())?;
    if *json {
        print_json(&serde_json::json!({ "participant_id": id }))?;
    } else {
        outln!("{id}")?;
    }
    Ok(())
}

/// `debrief consent …`.
#[derive(Debug, Subcommand)]
pub enum ConsentCommand {
    /// Record a consent event (instructors); a refusal or withdrawal applies the policy at once.
    Set {
        /// Participant id.
        #[arg(long)]
        participant: String,
        /// before-recording, after-recording or before-review-use.
        #[arg(long, value_parser = parse::<ConsentStage>)]
        stage: ConsentStage,
        /// granted, refused or withdrawn.
        #[arg(long, value_parser = parse::<ConsentStatus>)]
        status: ConsentStatus,
        /// verbal or written.
        #[arg(long, value_parser = parse::<ConsentMethod>)]
        method: Option<ConsentMethod>,
        /// Note.
        #[arg(long)]
        note: Option<String>,
        /// Print `{"shredded": [recording ids]}`.
        #[arg(long)]
        json: bool,
    },
    /// Show a case's ledger and what it permits now.
    Show {
        /// Case id.
        #[arg(long)]
        case: String,
        /// Print `{"case_id", "participants", "events", "recordings": [{"recording_id", "purpose", "permissions"}]}`.
        #[arg(long)]
        json: bool,
    },
    /// Write the printable consent information sheet for a case (HTML): what is
    /// recorded, why, who may see it, where it is kept, for how long, and how to
    /// refuse or withdraw. It names no patient or participant.
    Sheet {
        /// Case id.
        #[arg(long)]
        case: String,
        /// The HTML file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn consent(cmd: &ConsentCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    match cmd {
        ConsentCommand::Set {
            participant,
            stage,
            status,
            method,
            note,
            json,
        } => {
            let shredded = vault.set_consent(NewConsent {
                participant_id: participant.clone(),
                stage: *stage,
                status: *status,
                method: *method,
                note: note.clone(),
            })?;
            if *json {
                print_json(&serde_json::json!({ "shredded": shredded }))?;
            } else if !shredded.is_empty() {
                eprintln!(
                    "Policy applied: {} recording(s) crypto-shredded.",
                    shredded.len()
                );
            }
        }
        ConsentCommand::Sheet { case, out } => {
            let html = vault.consent_sheet(case)?;
            crate::vault::fsutil::write_private(out, html.as_bytes())?;
            eprintln!("Wrote the consent sheet: {}", out.display());
        }
        ConsentCommand::Show { case, json } => {
            let report = vault.consent_report(case)?;
            if *json {
                print_json(&serde_json::to_value(&report)?)?;
            } else {
                for p in &report.participants {
                    let stages: Vec<String> = p
                        .stages
                        .iter()
                        .map(|(s, e)| {
                            format!(
                                "{s}: {}",
                                e.as_ref().map_or("pending", |e| e.status.as_str())
                            )
                        })
                        .collect();
                    outln!(
                        "{} ({}): {}",
                        p.participant.name,
                        p.participant.team_role.as_deref().unwrap_or("-"),
                        stages.join(", ")
                    )?;
                }
                for r in &report.recordings {
                    let p = &r.permissions;
                    outln!(
                        "recording {} [{}]: private review {}, instructor review {}, plenary {}",
                        r.recording_id,
                        r.purpose,
                        yes(p.private_review),
                        yes(p.instructor_review),
                        yes(p.plenary)
                    )?;
                }
            }
        }
    }
    Ok(())
}
