//! `debrief case …`.

use super::*;

/// `debrief case …`.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Create a case (instructors).
    Create {
        /// Title.
        #[arg(long)]
        title: String,
        /// Codebook id [default: neonatal-resuscitation].
        #[arg(long)]
        codebook: Option<String>,
        /// Date of the procedure, YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        /// Unit or ward.
        #[arg(long)]
        unit: Option<String>,
        /// Free-text context.
        #[arg(long)]
        context: Option<String>,
        /// Print `{"case_id"}`.
        #[arg(long)]
        json: bool,
    },
    /// List the cases you may see.
    List {
        /// Print `{"cases": [...]}`.
        #[arg(long)]
        json: bool,
    },
}

pub fn case(cmd: &CaseCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    match cmd {
        CaseCommand::Create {
            title,
            codebook,
            date,
            unit,
            context,
            json,
        } => {
            let id = vault.create_case(NewCase {
                title: title.clone(),
                date: date.clone(),
                unit: unit.clone(),
                context: context.clone(),
                codebook_id: codebook.clone(),
            })?;
            if *json {
                print_json(&serde_json::json!({ "case_id": id }))?;
            } else {
                outln!("{id}")?;
            }
        }
        CaseCommand::List { json } => {
            let cases = vault.cases()?;
            if *json {
                print_json(&serde_json::json!({ "cases": cases }))?;
            } else {
                for c in cases {
                    outln!(
                        "{}\t{}\t{}",
                        c.id,
                        c.date.as_deref().unwrap_or("-"),
                        c.title
                    )?;
                }
            }
        }
    }
    Ok(())
}
