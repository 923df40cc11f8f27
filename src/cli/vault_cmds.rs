//! Vault commands: init, users, cases, participants, consent, import,
//! annotations, audit, retention, deletion — one file per command group.
//!
//! Here: what every group shares — where the vault is and who opens it
//! ([`VaultArgs`]), passphrases, the JSON output, and the refusal of a
//! checked file (codebook, policy) with its problems.

mod accounts;
mod annotations;
mod audit;
mod cases;
mod codebooks;
mod consent;
mod data;
mod record;
mod recordings;
mod staff;
mod views;

pub use accounts::*;
pub use annotations::*;
pub use audit::*;
pub use cases::*;
pub use codebooks::*;
pub use consent::*;
pub use data::*;
pub use record::*;
pub use recordings::*;
pub use staff::*;
pub use views::*;

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

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn parse<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}
