//! Vault commands: init, users, cases, participants, consent, import,
//! annotations, audit, retention, deletion.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use clap::{Args, Subcommand};

use super::{BadInput, progress_bar};
use crate::model::interchange::ExportFormat;
use crate::model::{ConsentMethod, ConsentStage, ConsentStatus, Purpose, Role};
use crate::vault::{
    self, AnnotationEdit, ImportOptions, NewAnnotation, NewCase, NewConsent, Vault, VaultError,
};

/// Where the vault is and who is opening it (every vault command).
#[derive(Debug, Clone, Default, Args)]
pub struct VaultArgs {
    /// The vault folder [default: $XDG_DATA_HOME/debrief/vault].
    #[arg(long, value_name = "DIR", env = "DEBRIEF_VAULT", global = true)]
    pub vault: Option<PathBuf>,
    /// Your user name in the vault (also accepted after a vault command's name).
    #[arg(long, value_name = "NAME", env = "DEBRIEF_USER")]
    pub user: Option<String>,
    /// Read your vault passphrase from the first line of this file (else $DEBRIEF_PASSPHRASE,
    /// else a prompt); vault commands also take it after their name.
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
    /// The same as --passphrase-file, under a name no other secret shares: every command
    /// takes it, `package create` and `present` included.
    #[arg(long, value_name = "F", global = true)]
    pub vault_passphrase_file: Option<PathBuf>,
    /// Open the vault with the recovery identity in this file instead of a user (emergency access; audited).
    #[arg(long, value_name = "F", global = true)]
    pub recovery_identity: Option<PathBuf>,
}

/// The acting user and their vault passphrase file, given after a command's
/// name (`debrief case list --user alice --passphrase-file F`).
///
/// Scoped per command group rather than global because `participant add
/// --user U` names the provider account to link, and `package create
/// --passphrase-file F` the package's passphrase: a global flag would read
/// one secret's file as another's.
#[derive(Debug, Clone, Default, Args)]
pub struct Who {
    /// Your user name in the vault [env: DEBRIEF_USER].
    #[arg(long = "user", value_name = "NAME", global = true)]
    pub user: Option<String>,
    /// Read your vault passphrase from the first line of this file [else env
    /// DEBRIEF_PASSPHRASE, else a prompt].
    #[arg(long = "passphrase-file", value_name = "F", global = true)]
    pub passphrase_file: Option<PathBuf>,
}

/// The acting user alone (`package …`, whose `--passphrase-file` is the package's).
#[derive(Debug, Clone, Default, Args)]
pub struct UserOnly {
    /// Your user name in the vault [env: DEBRIEF_USER].
    #[arg(long = "user", value_name = "NAME", global = true)]
    pub user: Option<String>,
}

impl From<&UserOnly> for Who {
    fn from(w: &UserOnly) -> Self {
        Self {
            user: w.user.clone(),
            passphrase_file: None,
        }
    }
}

/// The vault passphrase file alone (`participant …`, whose `--user` is the provider to link).
#[derive(Debug, Clone, Default, Args)]
pub struct SecretOnly {
    /// Read your vault passphrase from the first line of this file [else env
    /// DEBRIEF_PASSPHRASE, else a prompt].
    #[arg(long = "passphrase-file", value_name = "F", global = true)]
    pub passphrase_file: Option<PathBuf>,
}

impl From<&SecretOnly> for Who {
    fn from(w: &SecretOnly) -> Self {
        Self {
            user: None,
            passphrase_file: w.passphrase_file.clone(),
        }
    }
}

/// A vault command group with its acting user.
#[derive(Debug, Args)]
pub struct Group<C: Subcommand, W: Args = Who> {
    #[command(flatten)]
    pub who: W,
    #[command(subcommand)]
    pub cmd: C,
}

impl VaultArgs {
    /// These arguments with the acting user and passphrase file given after the command, if any.
    pub fn acting(&self, who: &Who) -> Self {
        Self {
            user: who.user.clone().or_else(|| self.user.clone()),
            passphrase_file: who
                .passphrase_file
                .clone()
                .or_else(|| self.passphrase_file.clone()),
            ..self.clone()
        }
    }

    /// The file holding the vault passphrase: `--vault-passphrase-file`, else
    /// `--passphrase-file`; both naming different files is refused.
    pub(super) fn vault_passphrase_file(&self) -> anyhow::Result<Option<&Path>> {
        match (&self.vault_passphrase_file, &self.passphrase_file) {
            (Some(a), Some(b)) if a != b => Err(BadInput(format!(
                "--vault-passphrase-file and --passphrase-file name different files; give one: {} / {}",
                a.display(),
                b.display()
            ))
            .into()),
            (Some(a), _) => Ok(Some(a)),
            (None, b) => Ok(b.as_deref()),
        }
    }

    /// The vault folder.
    pub fn dir(&self) -> PathBuf {
        self.vault.clone().unwrap_or_else(vault::default_dir)
    }

    pub(super) fn user(&self) -> anyhow::Result<&str> {
        self.user
            .as_deref()
            .ok_or_else(|| BadInput("say who you are: --user NAME or DEBRIEF_USER".into()).into())
    }

    /// Opens the vault as the user (or with the recovery identity).
    pub fn unlock(&self) -> anyhow::Result<Vault> {
        let dir = self.dir();
        if let Some(file) = &self.recovery_identity {
            let text = std::fs::read_to_string(file).map_err(|e| {
                BadInput(format!(
                    "cannot read the recovery identity ({e}): {}",
                    file.display()
                ))
            })?;
            return Ok(Vault::unlock_with_recovery(
                &dir,
                &SecretString::from(text),
            )?);
        }
        let user = self.user()?;
        let passphrase = read_passphrase(
            self.vault_passphrase_file()?,
            VAULT_ENV,
            &format!("Passphrase for {user}: "),
            false,
        )?;
        Ok(Vault::unlock(&dir, user, &passphrase)?)
    }
}

/// Where the vault passphrase may come from in the environment: the contract's
/// name, then the one no other secret shares.
pub(super) const VAULT_ENV: &[&str] = &["DEBRIEF_PASSPHRASE", "DEBRIEF_VAULT_PASSPHRASE"];

/// A passphrase from a file, the first set of `envs`, or a prompt (twice when `confirm`).
pub(super) fn read_passphrase(
    file: Option<&Path>,
    envs: &[&str],
    prompt: &str,
    confirm: bool,
) -> anyhow::Result<SecretString> {
    if let Some(file) = file {
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(file).map_err(|e| {
            BadInput(format!(
                "cannot read the passphrase file ({e}): {}",
                file.display()
            ))
        })?);
        let line = text.lines().next().unwrap_or("").to_owned();
        if line.is_empty() {
            return Err(
                BadInput(format!("the passphrase file is empty: {}", file.display())).into(),
            );
        }
        return Ok(SecretString::from(line));
    }
    for env in envs {
        if let Ok(value) = std::env::var(env)
            && !value.is_empty()
        {
            return Ok(SecretString::from(value));
        }
    }
    if !std::io::stdin().is_terminal() {
        let env = envs.first().copied().unwrap_or("DEBRIEF_PASSPHRASE");
        return Err(BadInput(format!(
            "no passphrase: set {env}, give a passphrase file, or run in a terminal"
        ))
        .into());
    }
    let first = zeroize::Zeroizing::new(rpassword::prompt_password(prompt)?);
    if first.is_empty() {
        return Err(BadInput("the passphrase is empty".into()).into());
    }
    if confirm {
        let again = zeroize::Zeroizing::new(rpassword::prompt_password("Repeat the passphrase: ")?);
        if *again != *first {
            return Err(BadInput("the two passphrases differ; nothing was changed".into()).into());
        }
    }
    Ok(SecretString::from(first.to_string()))
}

fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    outln!("{value}")
}

/// `debrief init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub who: Who,
    /// Also seal the vault key to this age recipient (age1…), kept offline for emergency access.
    #[arg(long, value_name = "age1…")]
    recovery_recipient: Option<String>,
    /// Print `{"vault", "user"}`.
    #[arg(long)]
    json: bool,
}

pub fn init(args: &InitArgs, v: &VaultArgs) -> anyhow::Result<()> {
    let dir = v.dir();
    let user = v.user()?;
    let passphrase = read_passphrase(
        v.vault_passphrase_file()?,
        VAULT_ENV,
        &format!("New passphrase for {user}: "),
        true,
    )?;
    Vault::init(&dir, user, &passphrase, args.recovery_recipient.as_deref())?;
    if args.json {
        print_json(&serde_json::json!({ "vault": dir, "user": user }))?;
    } else {
        eprintln!("Created a vault for {user}: {}", dir.display());
    }
    Ok(())
}

/// `debrief user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a member (instructors). Their passphrase comes from --new-passphrase-file,
    /// $DEBRIEF_NEW_PASSPHRASE, or a prompt.
    Add {
        /// The new user's name.
        name: String,
        /// instructor or provider.
        #[arg(long, value_parser = parse::<Role>)]
        role: Role,
        /// Read the new user's passphrase from this file.
        #[arg(long, value_name = "F")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Remove a member (instructors): their key is deleted and the vault key re-sealed without them.
    Remove {
        /// The user to remove.
        name: String,
    },
    /// List members.
    List {
        /// Print `{"users": [{"name", "role"}]}`.
        #[arg(long)]
        json: bool,
    },
}

fn parse<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

pub fn user(cmd: &UserCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    match cmd {
        UserCommand::Add {
            name,
            role,
            new_passphrase_file,
        } => {
            let passphrase = read_passphrase(
                new_passphrase_file.as_deref(),
                &["DEBRIEF_NEW_PASSPHRASE"],
                &format!("New passphrase for {name}: "),
                true,
            )?;
            vault.add_user(name, *role, &passphrase)?;
        }
        UserCommand::Remove { name } => vault.remove_user(name)?,
        UserCommand::List { json } => {
            let users = vault.users()?;
            if *json {
                print_json(
                    &serde_json::json!({ "users": users.iter().map(|u| serde_json::json!({"name": u.name, "role": u.role})).collect::<Vec<_>>() }),
                )?;
            } else {
                for u in users {
                    outln!("{}\t{}", u.name, u.role)?;
                }
            }
        }
    }
    Ok(())
}

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

fn read_text(file: &Path, what: &str) -> anyhow::Result<String> {
    Ok(std::fs::read_to_string(file)
        .map_err(|e| BadInput(format!("cannot read the {what} ({e}): {}", file.display())))?)
}

/// "F is not a valid policy (2 problems)": the refusal of a checked file.
fn not_valid(name: &str, what: &str, problems: &[String]) -> BadInput {
    BadInput(format!(
        "{name} is not a valid {what} ({} problem{}); fix it and validate again",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    ))
}

/// A file the vault refused as not valid: how many problems, each of them,
/// and that nothing changed; other errors as they are.
fn refused_file(e: VaultError) -> anyhow::Error {
    match e {
        VaultError::NotValid {
            what,
            file,
            problems,
        } => BadInput(format!(
            "{}: {}; nothing was changed",
            not_valid(&file, what, &problems).0,
            problems.join("; ")
        ))
        .into(),
        other => other.into(),
    }
}

/// `… validate`'s output when problems were found: JSON, or one per line on stderr.
fn print_problems(problems: &[String], json: bool) -> anyhow::Result<()> {
    if json {
        print_json(&serde_json::json!({"valid": false, "problems": problems}))?;
    } else {
        for p in problems {
            eprintln!("{p}");
        }
    }
    Ok(())
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

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// `debrief import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub who: Who,
    /// The recording to import (it is only read, never changed).
    file: PathBuf,
    /// Case id.
    #[arg(long)]
    case: String,
    /// Why it was recorded: quality-improvement, education, clinical-care or research.
    #[arg(long, value_parser = parse::<Purpose>, default_value = "quality-improvement")]
    purpose: Purpose,
    /// Camera label.
    #[arg(long)]
    camera: Option<String>,
    /// Offset in ns from the case's first recording (multi-camera sync).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    offset_ns: i64,
    /// Print `{"recording_id", "frames"}`.
    #[arg(long)]
    json: bool,
}

pub fn import(args: &ImportArgs, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(size, "encrypting");
    let options = ImportOptions {
        purpose: args.purpose,
        camera: args.camera.clone(),
        offset_ns: args.offset_ns,
    };
    let cancel = super::cancel_on_signals();
    let imported = vault.import(&args.case, &args.file, options, &mut |done, _| {
        bar.set_position(done);
        !cancel.load(std::sync::atomic::Ordering::Relaxed)
    })?;
    bar.finish_and_clear();
    if args.json {
        print_json(&serde_json::to_value(&imported)?)?;
    } else {
        outln!("{}", imported.recording_id)?;
    }
    Ok(())
}

/// `debrief annotations …`.
#[derive(Debug, Subcommand)]
pub enum AnnotationsCommand {
    /// Write a recording's annotations in an interchange format (audited; private
    /// notes are never exported). Frames are exact; milliseconds are rounded the
    /// same way in every format.
    Export {
        /// Recording id.
        #[arg(long)]
        recording: String,
        /// json (Debrief, frame-exact), csv, eaf (ELAN 3.0), vtt (WebVTT) or srt (SubRip).
        #[arg(long, value_parser = parse::<ExportFormat>)]
        format: ExportFormat,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Add annotations from a Debrief JSON export or an ELAN EAF file to a
    /// recording, as you (one audited batch; nothing is added if any item is invalid).
    Import {
        /// Recording id.
        #[arg(long)]
        recording: String,
        /// json (Debrief) or eaf (ELAN 3.0).
        #[arg(long, value_parser = parse::<crate::vault::ImportFormat>)]
        format: crate::vault::ImportFormat,
        /// The file to read.
        #[arg(long = "in", value_name = "F")]
        input: PathBuf,
        /// Print `{"imported"}`.
        #[arg(long)]
        json: bool,
    },
}

pub fn annotations(cmd: &AnnotationsCommand, v: &VaultArgs) -> anyhow::Result<()> {
    if let AnnotationsCommand::Import {
        recording,
        format,
        input,
        json,
    } = cmd
    {
        let text = std::fs::read_to_string(input)
            .map_err(|e| BadInput(format!("cannot read {} ({e})", input.display())))?;
        let mut vault = v.unlock()?;
        let n =
            vault.import_annotations(recording, *format, &text, &input.display().to_string())?;
        if *json {
            print_json(&serde_json::json!({ "imported": n }))?;
        } else {
            eprintln!("Imported {n} annotations.");
        }
        return Ok(());
    }
    let AnnotationsCommand::Export {
        recording,
        format,
        out,
    } = cmd
    else {
        return Ok(());
    };
    let mut vault = v.unlock()?;
    let text = vault.export_annotations(recording, *format)?;
    crate::vault::fsutil::write_private(out, text.as_bytes())?;
    eprintln!("Wrote {} ({format}).", out.display());
    Ok(())
}

/// `debrief annotate …`.
#[derive(Debug, Subcommand)]
pub enum AnnotateCommand {
    /// Add an annotation at exact frames.
    Add {
        /// Recording id.
        #[arg(long)]
        recording: String,
        /// Code id from the case's codebook.
        #[arg(long)]
        code: String,
        /// First frame (0-based).
        #[arg(long)]
        frame: u64,
        /// Last frame, for duration codes (a duration without one stays open).
        #[arg(long)]
        end_frame: Option<u64>,
        /// Rating on the code's scale.
        #[arg(long)]
        rating: Option<f64>,
        /// Note.
        #[arg(long)]
        note: Option<String>,
        /// Keep the note private: encrypted so only you can read it.
        #[arg(long)]
        private: bool,
        /// Print `{"annotation_id"}`.
        #[arg(long)]
        json: bool,
    },
    /// List a recording's annotations.
    List {
        /// Recording id.
        #[arg(long)]
        recording: String,
        /// Print `{"annotations": [...]}`.
        #[arg(long)]
        json: bool,
    },
    /// Change an annotation (its author or an instructor).
    Edit {
        /// Annotation id.
        id: String,
        /// New first frame.
        #[arg(long)]
        frame: Option<u64>,
        /// New last frame.
        #[arg(long)]
        end_frame: Option<u64>,
        /// New rating.
        #[arg(long)]
        rating: Option<f64>,
        /// New note.
        #[arg(long)]
        note: Option<String>,
    },
    /// Delete an annotation (undo brings it back).
    Delete {
        /// Annotation id.
        id: String,
    },
    /// Undo your latest change on a recording.
    Undo {
        /// Recording id.
        #[arg(long)]
        recording: String,
    },
    /// Redo your latest undone change on a recording.
    Redo {
        /// Recording id.
        #[arg(long)]
        recording: String,
    },
}

pub fn annotate(cmd: &AnnotateCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    match cmd {
        AnnotateCommand::Add {
            recording,
            code,
            frame,
            end_frame,
            rating,
            note,
            private,
            json,
        } => {
            let (note, private_note) = if *private {
                (None, note.clone())
            } else {
                (note.clone(), None)
            };
            let id = vault.add_annotation(NewAnnotation {
                recording_id: recording.clone(),
                code: code.clone(),
                start_frame: *frame,
                end_frame: *end_frame,
                rating: *rating,
                note,
                private_note,
            })?;
            if *json {
                print_json(&serde_json::json!({ "annotation_id": id }))?;
            } else {
                outln!("{id}")?;
            }
        }
        AnnotateCommand::List { recording, json } => {
            let list = vault.annotations(recording)?;
            if *json {
                print_json(&serde_json::json!({ "recording_id": recording, "annotations": list }))?;
            } else {
                for a in list {
                    let end = a.end_frame.map_or(String::new(), |e| format!("-{e}"));
                    outln!(
                        "{}\t{}{}\t{}\t{}",
                        a.id,
                        a.start_frame,
                        end,
                        a.code,
                        a.note.as_deref().unwrap_or("")
                    )?;
                }
            }
        }
        AnnotateCommand::Edit {
            id,
            frame,
            end_frame,
            rating,
            note,
        } => {
            vault.update_annotation(
                id,
                AnnotationEdit {
                    start_frame: *frame,
                    end_frame: end_frame.map(Some),
                    rating: rating.map(Some),
                    note: note.clone().map(Some),
                    ..Default::default()
                },
            )?;
        }
        AnnotateCommand::Delete { id } => vault.delete_annotation(id)?,
        AnnotateCommand::Undo { recording } => {
            if vault.undo(recording)?.is_none() {
                return Err(BadInput("nothing to undo".into()).into());
            }
        }
        AnnotateCommand::Redo { recording } => {
            if vault.redo(recording)?.is_none() {
                return Err(BadInput("nothing to redo".into()).into());
            }
        }
    }
    Ok(())
}

/// `debrief recording …`.
#[derive(Debug, Subcommand)]
pub enum RecordingCommand {
    /// List a case's recordings.
    List {
        /// Case id.
        #[arg(long)]
        case: String,
        /// Print `{"recordings": [...]}`.
        #[arg(long)]
        json: bool,
    },
}

pub fn recording(cmd: &RecordingCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let vault = v.unlock()?;
    let RecordingCommand::List { case, json } = cmd;
    let list = vault.recordings(case)?;
    if *json {
        let items: Vec<_> = list
            .iter()
            .map(|r| {
                let mut value = serde_json::to_value(r).unwrap_or_default();
                value["days_until_deletion"] = serde_json::json!(vault.days_until_deletion(r));
                value
            })
            .collect();
        print_json(&serde_json::json!({ "recordings": items }))?;
    } else {
        for r in list {
            let state = match &r.shredded {
                Some((_, why)) => format!("deleted ({why})"),
                None => format!(
                    "deleted in {} days",
                    vault.days_until_deletion(&r).unwrap_or(0)
                ),
            };
            outln!("{}\t{}\t{} frames\t{}", r.id, r.purpose, r.frames, state)?;
        }
    }
    Ok(())
}

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

/// `debrief retention run`.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Crypto-shred what the policy says is due.
    Run {
        /// Print `{"shredded": [recording ids]}`.
        #[arg(long)]
        json: bool,
    },
}

pub fn retention(cmd: &RetentionCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    let RetentionCommand::Run { json } = cmd;
    let shredded = vault.run_retention()?;
    if *json {
        print_json(&serde_json::json!({ "shredded": shredded }))?;
    } else {
        outln!("{} recording(s) crypto-shredded", shredded.len())?;
    }
    Ok(())
}

/// `debrief delete …`.
#[derive(Debug, Subcommand)]
pub enum DeleteCommand {
    /// Crypto-shred a recording now (instructors).
    Recording {
        /// Recording id.
        id: String,
        /// Why (kept in the audit log).
        #[arg(long, default_value = "deleted by an instructor")]
        reason: String,
    },
}

pub fn delete(cmd: &DeleteCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    let DeleteCommand::Recording { id, reason } = cmd;
    vault.delete_recording(id, reason)?;
    Ok(())
}
