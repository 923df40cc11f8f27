//! `debrief init` and `debrief user …`: the vault and its people.

use super::*;

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
