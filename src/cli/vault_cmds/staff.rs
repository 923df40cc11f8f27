//! `debrief staff …`: the unit's roster of standing staff consent.

use super::*;

/// `debrief staff …`.
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Put a team member on the roster: they opted in to being recorded until a date
    /// (instructors; audited). The same name again renews their entry.
    Add {
        /// Name (or the unit's pseudonym).
        #[arg(long)]
        name: String,
        /// Team role ("nurse", "registrar"): what the Record screen names when someone blocks a start.
        #[arg(long)]
        team_role: String,
        /// Their standing consent holds through this day (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD")]
        expires: String,
        /// Print `{"staff_id"}`.
        #[arg(long)]
        json: bool,
    },
    /// Withdraw a team member's standing consent (by name or id; audited).
    Withdraw {
        /// Name or id.
        who: String,
    },
    /// The roster, with whether each entry holds today.
    List {
        /// Print `{"staff": [...]}`.
        #[arg(long)]
        json: bool,
    },
}

pub fn staff(cmd: &StaffCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    match cmd {
        StaffCommand::Add {
            name,
            team_role,
            expires,
            json,
        } => {
            let day = chrono::NaiveDate::parse_from_str(expires, "%Y-%m-%d")
                .map_err(|_| BadInput(format!("'{expires}' is not a date: use YYYY-MM-DD")))?;
            let id = vault.add_staff(name, team_role, day)?;
            if *json {
                print_json(&serde_json::json!({ "staff_id": id }))?;
            } else {
                outln!("{id}")?;
            }
        }
        StaffCommand::Withdraw { who } => vault.withdraw_staff(who)?,
        StaffCommand::List { json } => {
            let list = vault.staff()?;
            if *json {
                print_json(&serde_json::json!({ "staff": list }))?;
            } else {
                for m in list {
                    let state = match &m.withdrawn_at {
                        Some(at) => format!("withdrawn {}", at.get(..10).unwrap_or(at)),
                        None => format!("through {}", m.expires_on),
                    };
                    outln!("{}\t{}\t{}\t{}", m.id, m.name, m.team_role, state)?;
                }
            }
        }
    }
    Ok(())
}
