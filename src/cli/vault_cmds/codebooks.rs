//! `debrief codebook …` and `debrief policy …`: the checked files a vault keeps.

use super::*;

/// `debrief codebook …`.
#[derive(Debug, Subcommand)]
pub enum CodebookCommand {
    /// List codebooks in the vault (bundled ones included).
    List {
        /// Print `{"codebooks": [{"id", "name", "version", "codes"}]}`.
        #[arg(long)]
        json: bool,
    },
    /// Show one codebook.
    Show {
        /// Codebook id.
        id: String,
        /// Print the codebook as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add a codebook file to the vault (instructors), or replace a user codebook with the
    /// same id; checked as `validate` does. Bundled codebooks are copied under a new id instead.
    Import {
        /// The codebook file (schemas/codebook.schema.json).
        file: PathBuf,
        /// Print `{"codebook_id"}`.
        #[arg(long)]
        json: bool,
    },
    /// Check a codebook file against schemas/codebook.schema.json and for consistency
    /// (no vault needed); every problem as FILE:LINE:COLUMN: /POINTER: what was expected.
    Validate {
        /// The codebook file.
        file: PathBuf,
        /// Print `{"valid", "id", "codes", "problems": [...]}`.
        #[arg(long)]
        json: bool,
    },
}

fn validate_codebook(file: &Path, json: bool) -> anyhow::Result<()> {
    let text = read_text(file, "codebook")?;
    let name = file.display().to_string();
    match crate::model::Codebook::validate(&text, &name) {
        Ok(book) => {
            if json {
                print_json(
                    &serde_json::json!({"valid": true, "id": book.id, "codes": book.codes.len(), "problems": []}),
                )?;
            } else {
                eprintln!(
                    "{name}: a valid codebook ('{}', {} codes).",
                    book.id,
                    book.codes.len()
                );
            }
            Ok(())
        }
        Err(problems) => {
            print_problems(&problems, json)?;
            Err(not_valid(&name, "codebook", &problems).into())
        }
    }
}

pub fn codebook(cmd: &CodebookCommand, v: &VaultArgs) -> anyhow::Result<()> {
    if let CodebookCommand::Validate { file, json } = cmd {
        return validate_codebook(file, *json);
    }
    let vault = v.unlock()?;
    match cmd {
        CodebookCommand::Validate { .. } => {}
        CodebookCommand::Import { file, json } => {
            let text = read_text(file, "codebook")?;
            let mut vault = vault;
            let id = vault
                .save_codebook(&text, &file.display().to_string())
                .map_err(refused_file)?;
            if *json {
                print_json(&serde_json::json!({ "codebook_id": id }))?;
            } else {
                eprintln!("Codebook '{id}' saved in the vault.");
            }
        }
        CodebookCommand::List { json } => {
            let books = vault.codebooks()?;
            if *json {
                let list: Vec<_> = books
                    .iter()
                    .map(|b| serde_json::json!({"id": b.id, "name": b.name, "version": b.version, "codes": b.codes.len()}))
                    .collect();
                print_json(&serde_json::json!({ "codebooks": list }))?;
            } else {
                for b in books {
                    outln!("{}\t{}\t{} codes", b.id, b.name, b.codes.len())?;
                }
            }
        }
        CodebookCommand::Show { id, json } => {
            let book = vault.codebook(id)?;
            if *json {
                print_json(&serde_json::to_value(&book)?)?;
            } else {
                outln!("{} ({}, version {})", book.name, book.id, book.version)?;
                for c in &book.codes {
                    outln!(
                        "  {:<16} {:<9} {:<3} {}",
                        c.id,
                        c.kind,
                        c.hotkey.as_deref().unwrap_or(""),
                        c.label
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// `debrief policy …`: the consent and retention policy (schemas/policy.schema.json).
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show the vault's policy.
    Show {
        /// Print the policy as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a policy file against schemas/policy.schema.json (no vault needed); every
    /// problem as FILE:LINE:COLUMN: /POINTER: what was expected.
    Validate {
        /// The policy file.
        file: PathBuf,
        /// Print `{"valid", "problems": [...]}`.
        #[arg(long)]
        json: bool,
    },
    /// Replace the vault's policy with a file (instructors; audited). Retention and refusals
    /// follow the new policy from now on.
    Set {
        /// The policy file.
        file: PathBuf,
    },
}

pub fn policy(cmd: &PolicyCommand, v: &VaultArgs) -> anyhow::Result<()> {
    match cmd {
        PolicyCommand::Validate { file, json } => {
            let name = file.display().to_string();
            let text = read_text(file, "policy")?;
            if let Err(problems) = crate::model::Policy::validate(&text, &name) {
                print_problems(&problems, *json)?;
                return Err(not_valid(&name, "policy", &problems).into());
            }
            if *json {
                print_json(&serde_json::json!({"valid": true, "problems": []}))?;
            } else {
                eprintln!("{name}: a valid policy.");
            }
        }
        PolicyCommand::Show { json } => {
            let vault = v.unlock()?;
            let policy = vault.policy();
            if *json {
                print_json(&serde_json::to_value(policy)?)?;
            } else {
                outln!(
                    "Raw recordings kept {} days; a refusal or withdrawal {}.",
                    policy.retention_days,
                    policy.on_refusal
                )?;
                for (purpose, rule) in &policy.purposes {
                    let list = |stages: &[crate::model::ConsentStage]| {
                        stages
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    outln!(
                        "  {purpose}: instructor review needs [{}]; plenary needs [{}]{}",
                        list(&rule.instructor_review),
                        list(&rule.plenary),
                        if rule.written_only {
                            "; written consent only"
                        } else {
                            ""
                        }
                    )?;
                }
            }
        }
        PolicyCommand::Set { file } => {
            let text = read_text(file, "policy")?;
            let mut vault = v.unlock()?;
            vault
                .set_policy(&text, &file.display().to_string())
                .map_err(refused_file)?;
            eprintln!("Policy replaced; it applies from now on.");
        }
    }
    Ok(())
}
