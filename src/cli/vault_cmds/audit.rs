//! `debrief audit …`.

use super::*;

/// `debrief audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit chain against audit.head.
    Verify {
        /// Print `{"entries", "ok", "first_bad"}`.
        #[arg(long)]
        json: bool,
    },
    /// Show the latest entries (instructors).
    Show {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Print `{"entries": [...]}`.
        #[arg(long)]
        json: bool,
    },
}

pub fn audit(cmd: &AuditCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let vault = v.unlock()?;
    match cmd {
        AuditCommand::Verify { json } => {
            let report = vault.audit_verify()?;
            if *json {
                print_json(&serde_json::to_value(&report)?)?;
            } else if report.ok {
                outln!("audit chain intact: {} entries", report.entries)?;
            } else {
                outln!(
                    "audit chain BROKEN at entry {}: {}",
                    report.first_bad.unwrap_or(0),
                    report.problem.as_deref().unwrap_or("")
                )?;
            }
            if !report.ok {
                return Err(BadInput(format!(
                    "the audit log was tampered with or damaged: {}",
                    report.problem.unwrap_or_default()
                ))
                .into());
            }
        }
        AuditCommand::Show { limit, json } => {
            let entries = vault.audit_recent(*limit)?;
            if *json {
                print_json(&serde_json::json!({ "entries": entries }))?;
            } else {
                for e in entries {
                    outln!(
                        "{:>6} {} {:<12} {:<20} {}",
                        e.seq,
                        e.at,
                        e.actor,
                        e.action,
                        e.object.as_deref().unwrap_or("")
                    )?;
                }
            }
        }
    }
    Ok(())
}
