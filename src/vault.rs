//! The encrypted vault: cases, recordings, annotations, consent ledger, audit, retention.
//!
//! ```text
//! <vault>/
//!   vault.db, -wal, -shm     SQLCipher, WAL, synchronous=FULL, raw 256-bit key, 0600
//!   keyring/user-<h>.age     a user's X25519 identity, sealed with their passphrase (scrypt 2^18)
//!   keyring/vault.key.age    the database key, sealed to every member (+ recovery)
//!   media/<uuid>.age         a recording, encrypted to its own identity (kept only in vault.db);
//!                            also a data source's samples (device data), to its own identity
//!   audit.head               the audit chain's last sequence number and hash, MACed
//! ```
//!
//! [`Vault`] is the one owner of the connection and the keys. Every method
//! checks the session user's role (a provider sees only cases they take part
//! in, enforced here, not in the UI), and every change is written together
//! with its audit entry in one IMMEDIATE transaction. Nothing here logs PHI:
//! titles, names and notes never reach `tracing`.

mod analysis;
mod annotations;
pub mod audit;
mod capture_store;
mod cases;
mod clips;
mod consent_store;
mod data_store;
pub mod db;
mod error;
pub mod fsutil;
pub mod keys;
pub mod media_store;
mod packages;
mod recordings;
mod staff;
mod views;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use age::secrecy::SecretString;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use zeroize::Zeroizing;

pub use analysis::{AgreementReport, ImportFormat};
pub use annotations::{AnnotationEdit, NewAnnotation};
pub use audit::{AuditEntry, AuditReport};
pub use capture_store::{
    Capture, CaptureView, CaptureViewSpec, Captured, CapturedView, NewCapture,
};
pub use cases::NewCase;
pub use clips::Clip;
pub(crate) use clips::NewClip;
pub use consent_store::{ConsentReport, NewConsent};
pub use data_store::{DataSource, StoredSignal, clock_guess};
pub use error::VaultError;
pub use recordings::{ImportOptions, Imported};
pub use staff::{BeforeRecording, StaffMember};
pub use views::{AUDIO_MAX_LAG_S, MAX_VIEWS, SyncChange};

use crate::model::{Policy, Role, User};

/// The user name recorded for actions done with the recovery key.
pub const RECOVERY_USER: &str = "(recovery)";

/// Where vaults live by default: `$XDG_DATA_HOME/debrief/vault` on Linux.
pub fn default_dir() -> PathBuf {
    directories::ProjectDirs::from("org", "debrief", "debrief")
        .map(|d| d.data_dir().join("vault"))
        .unwrap_or_else(|| PathBuf::from("debrief-vault"))
}

/// Time now as RFC 3339 (UTC, seconds).
pub(crate) fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A clock the vault reads "now" from; tests replace it to run retention.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// An open, unlocked vault for one user.
pub struct Vault {
    dir: PathBuf,
    conn: Connection,
    user: User,
    identity: age::x25519::Identity,
    db_key: keys::DbKey,
    audit_key: Zeroizing<[u8; 32]>,
    policy: Policy,
    clock: Clock,
    /// Set when the audit log does not match its head: the vault is then read-only.
    tampered: Option<String>,
    /// Recordings whose ciphertext matched its SHA-256 in this session (shared by
    /// every handle of the session, gone when the vault is locked).
    verified: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys stay out of Debug output.
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("user", &self.user.name)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Creates a vault in `dir` with `user` as its first instructor.
    ///
    /// `recovery` is an optional `age1…` recipient that can also open the
    /// vault (emergency access; its use is audited).
    ///
    /// The folder must be new or empty, and the passphrase strong enough
    /// ([`keys::check_new_passphrase`]).
    pub fn init(
        dir: &Path,
        user: &str,
        passphrase: &SecretString,
        recovery: Option<&str>,
    ) -> Result<Self, VaultError> {
        keys::check_user_name(user)?;
        if dir.join("vault.db").exists() {
            return Err(VaultError::AlreadyExists(dir.to_path_buf()));
        }
        keys::check_new_passphrase(user, passphrase)?;
        Self::create(dir, user, passphrase, recovery)
    }

    /// The demo vault: like [`Vault::init`] but with the demo's published
    /// passphrase, which is short on purpose and guards no PHI.
    pub(crate) fn init_demo(
        dir: &Path,
        user: &str,
        passphrase: &SecretString,
    ) -> Result<Self, VaultError> {
        keys::check_user_name(user)?;
        if dir.join("vault.db").exists() {
            return Err(VaultError::AlreadyExists(dir.to_path_buf()));
        }
        Self::create(dir, user, passphrase, None)
    }

    fn create(
        dir: &Path,
        user: &str,
        passphrase: &SecretString,
        recovery: Option<&str>,
    ) -> Result<Self, VaultError> {
        // A vault only in a new or empty folder: never mixed into someone's documents,
        // and never over files that could be an older vault's remains.
        if let Ok(mut entries) = std::fs::read_dir(dir)
            && entries.next().is_some()
        {
            return Err(VaultError::Invalid(format!(
                "this folder is not empty and holds no vault; choose an empty or new folder \
                 for the vault: {}",
                dir.display()
            )));
        }
        if dir.exists() && !dir.is_dir() {
            return Err(VaultError::Invalid(format!(
                "this is a file, not a folder; choose an empty or new folder for the vault: {}",
                dir.display()
            )));
        }
        let recovery = recovery
            .map(|r| r.trim().parse::<age::x25519::Recipient>())
            .transpose()
            .map_err(|_| {
                VaultError::Invalid(
                    "--recovery-recipient must be an age X25519 recipient (age1…)".into(),
                )
            })?;
        fsutil::create_private_dir(dir)?;
        fsutil::create_private_dir(&dir.join("keyring"))?;
        fsutil::create_private_dir(&dir.join("media"))?;
        let identity = age::x25519::Identity::generate();
        keys::seal_identity(&keys::user_key_path(dir, user), &identity, passphrase)?;
        let db_key = keys::new_db_key();
        let mut recipients = vec![identity.to_public()];
        recipients.extend(recovery.clone());
        keys::seal_db_key(dir, &db_key, &recipients)?;
        let conn = db::create(&dir.join("vault.db"), &db_key)?;
        let now = now_rfc3339();
        conn.execute(
            "INSERT INTO users (name, role, recipient, created_at) VALUES (?1, 'instructor', ?2, ?3)",
            params![user, identity.to_public().to_string(), now],
        )?;
        let id = conn.last_insert_rowid();
        let meta = [
            ("vault_id", uuid::Uuid::new_v4().to_string()),
            ("created_at", now.clone()),
            ("policy", crate::model::policy::DEFAULT.to_owned()),
            (
                "recovery_recipient",
                recovery.map(|r| r.to_string()).unwrap_or_default(),
            ),
        ];
        for (k, v) in meta {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                params![k, v],
            )?;
        }
        for text in crate::model::codebook::BUNDLED {
            let id = crate::model::Codebook::from_json(text)
                .map_err(|e| VaultError::Integrity(format!("a bundled codebook is damaged: {e}")))?
                .id;
            conn.execute(
                "INSERT INTO codebooks (id, json, bundled, created_at) VALUES (?1, ?2, 1, ?3)",
                params![id, text, now],
            )?;
        }
        let audit_key = keys::audit_key(&db_key)?;
        let mut vault = Self {
            dir: dir.to_path_buf(),
            conn,
            user: User {
                id,
                name: user.to_owned(),
                role: Role::Instructor,
            },
            identity,
            db_key,
            audit_key,
            policy: Policy::default_policy(),
            clock: Arc::new(Utc::now),
            tampered: None,
            verified: Default::default(),
        };
        vault.write("vault.init", None, None, |_| Ok(()))?;
        Ok(vault)
    }

    /// Opens the vault in `dir` as `user`. A wrong passphrase changes nothing on disk.
    pub fn unlock(dir: &Path, user: &str, passphrase: &SecretString) -> Result<Self, VaultError> {
        Self::check_exists(dir)?;
        keys::check_user_name(user)?;
        let identity = keys::unseal_identity(&keys::user_key_path(dir, user), user, passphrase)?;
        let db_key = keys::unseal_db_key(dir, user, &identity)?;
        let conn = db::open_existing(&dir.join("vault.db"), &db_key)?;
        db::migrate(&conn)?;
        let row: Option<(i64, String, Option<String>)> = conn
            .query_row(
                "SELECT id, role, removed_at FROM users WHERE name = ?1",
                [user],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((id, role, removed)) = row else {
            // A key file without a member row: the same answer as for no key file.
            return Err(VaultError::WrongPassphrase(user.to_owned()));
        };
        if removed.is_some() {
            return Err(VaultError::Removed(user.to_owned()));
        }
        let role = role.parse::<Role>().map_err(VaultError::Invalid)?;
        let mut vault = Self::assemble(
            dir,
            conn,
            User {
                id,
                name: user.to_owned(),
                role,
            },
            identity,
            db_key,
        )?;
        if vault.tampered.is_some() {
            // Read-only: reading and `audit verify` work, nothing is written.
            return Ok(vault);
        }
        vault.conn.execute(
            "UPDATE users SET last_unlock_at = ?1 WHERE id = ?2",
            params![now_rfc3339(), id],
        )?;
        vault.write("unlock", None, None, |_| Ok(()))?;
        // Retention runs at every unlock, so overdue recordings never wait for someone to ask.
        vault.run_retention()?;
        // What a killed export or import left behind goes too.
        vault.sweep_partials()?;
        // A recording whose recorder died (crash, power loss) is sealed as recovered.
        // (A recovery that fails now is tried again at the next unlock; nothing is removed.)
        if let Err(e) = vault.recover_captures() {
            tracing::warn!("a recording cut off by a crash could not be recovered yet: {e}");
        }
        vault.add_new_bundled_codebooks()?;
        Ok(vault)
    }

    /// Adds bundled codebooks that this vault predates (audited once each).
    fn add_new_bundled_codebooks(&mut self) -> Result<(), VaultError> {
        for text in crate::model::codebook::BUNDLED {
            let Ok(book) = crate::model::Codebook::from_json(text) else {
                continue;
            };
            let present: i64 = self.conn.query_row(
                "SELECT count(*) FROM codebooks WHERE id = ?1",
                [&book.id],
                |r| r.get(0),
            )?;
            if present == 0 {
                let now = self.now_string();
                self.write("codebook.bundled", None, Some(&book.id), |tx| {
                    tx.execute(
                        "INSERT INTO codebooks (id, json, bundled, created_at) VALUES (?1, ?2, 1, ?3)",
                        params![book.id, text, now],
                    )?;
                    Ok(())
                })?;
            }
        }
        Ok(())
    }

    /// Opens the vault with the recovery identity (`AGE-SECRET-KEY-1…`): emergency
    /// access with instructor rights, recorded in the audit log.
    pub fn unlock_with_recovery(
        dir: &Path,
        recovery_identity: &SecretString,
    ) -> Result<Self, VaultError> {
        use age::secrecy::ExposeSecret as _;
        Self::check_exists(dir)?;
        let identity = recovery_identity
            .expose_secret()
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .and_then(|l| l.trim().parse::<age::x25519::Identity>().ok())
            .ok_or_else(|| {
                VaultError::Invalid(
                    "the recovery identity file holds no AGE-SECRET-KEY-1… line".into(),
                )
            })?;
        let db_key = keys::unseal_db_key(dir, RECOVERY_USER, &identity)?;
        let conn = db::open_existing(&dir.join("vault.db"), &db_key)?;
        db::migrate(&conn)?;
        let user = User {
            id: 0,
            name: RECOVERY_USER.into(),
            role: Role::Instructor,
        };
        let mut vault = Self::assemble(dir, conn, user, identity, db_key)?;
        if vault.tampered.is_some() {
            return Ok(vault);
        }
        vault.write(
            "recovery.unlock",
            None,
            Some("emergency access with the recovery key"),
            |_| Ok(()),
        )?;
        Ok(vault)
    }

    fn check_exists(dir: &Path) -> Result<(), VaultError> {
        if dir.join("vault.db").is_file() && keys::db_key_path(dir).is_file() {
            Ok(())
        } else {
            Err(VaultError::NoVault(dir.to_path_buf()))
        }
    }

    fn assemble(
        dir: &Path,
        conn: Connection,
        user: User,
        identity: age::x25519::Identity,
        db_key: keys::DbKey,
    ) -> Result<Self, VaultError> {
        let policy_text: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'policy'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let policy = match policy_text {
            Some(text) => Policy::from_json(&text)
                .map_err(|e| VaultError::Integrity(format!("the stored policy is invalid: {e}")))?,
            None => Policy::default_policy(),
        };
        let audit_key = keys::audit_key(&db_key)?;
        let tampered = audit::check_head(&conn, dir, &audit_key).err();
        if let Some(problem) = &tampered {
            tracing::warn!("vault opened read-only: {problem}");
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            conn,
            user,
            identity,
            db_key,
            audit_key,
            policy,
            clock: Arc::new(Utc::now),
            tampered,
            verified: Default::default(),
        })
    }

    /// A second handle on the same vault and session, with its own database
    /// connection (no passphrase needed): long jobs such as an import run on
    /// it in another thread while the first handle keeps serving the UI.
    pub fn reopen(&self) -> Result<Self, VaultError> {
        let conn = db::open_existing(&self.dir.join("vault.db"), &self.db_key)?;
        Ok(Self {
            dir: self.dir.clone(),
            conn,
            user: self.user.clone(),
            identity: self.identity.clone(),
            db_key: {
                use secrecy::ExposeSecret as _;
                secrecy::SecretBox::new(Box::new(*self.db_key.expose_secret()))
            },
            audit_key: self.audit_key.clone(),
            policy: self.policy.clone(),
            clock: Arc::clone(&self.clock),
            tampered: self.tampered.clone(),
            verified: Arc::clone(&self.verified),
        })
    }

    /// Why the vault is read-only, if its audit log does not match its head.
    pub fn tampered(&self) -> Option<&str> {
        self.tampered.as_deref()
    }

    /// The vault's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The signed-in user.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Replaces the policy (instructors), after checking it.
    pub fn set_policy(&mut self, json: &str, file: &str) -> Result<(), VaultError> {
        self.require_instructor("change the policy")?;
        let policy = Policy::validate(json, file).map_err(|problems| VaultError::NotValid {
            what: "policy",
            file: file.to_owned(),
            problems,
        })?;
        self.write("policy.set", None, None, |tx| {
            tx.execute("UPDATE meta SET value = ?1 WHERE key = 'policy'", [json])?;
            Ok(())
        })?;
        self.policy = policy;
        Ok(())
    }

    /// Replaces the clock (tests: make retention due without waiting 30 days).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Today, by the vault's clock (tests move it).
    pub fn today(&self) -> chrono::NaiveDate {
        self.now().date_naive()
    }

    pub(crate) fn now_string(&self) -> String {
        self.now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    pub(crate) fn require_instructor(&self, what: &str) -> Result<(), VaultError> {
        if self.user.role == Role::Instructor {
            Ok(())
        } else {
            Err(VaultError::Forbidden(format!(
                "only an instructor may {what}"
            )))
        }
    }

    /// Runs `change` and appends its audit entry in one IMMEDIATE transaction,
    /// then moves `audit.head` forward.
    pub(crate) fn write<T>(
        &mut self,
        action: &str,
        object: Option<&str>,
        detail: Option<&str>,
        change: impl FnOnce(&Connection) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        if let Some(problem) = self
            .tampered
            .clone()
            .or_else(|| audit::check_head(&self.conn, &self.dir, &self.audit_key).err())
        {
            self.tampered = Some(problem.clone());
            return Err(VaultError::Integrity(format!(
                "{problem}; the vault is read-only until this is resolved (`debrief audit verify` shows where)"
            )));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = change(&tx)?;
        let (seq, mac) = audit::append(
            &tx,
            &self.audit_key,
            &self.user.name,
            action,
            object,
            detail,
        )?;
        tx.commit()?;
        audit::write_head(&self.dir, &self.audit_key, seq, &mac)?;
        Ok(value)
    }

    /// Checks the audit chain against `audit.head`.
    pub fn audit_verify(&self) -> Result<AuditReport, VaultError> {
        audit::verify(&self.conn, &self.dir, &self.audit_key)
    }

    /// The latest audit entries, newest first (instructors).
    pub fn audit_recent(&self, limit: u32) -> Result<Vec<AuditEntry>, VaultError> {
        self.require_instructor("read the audit log")?;
        audit::recent(&self.conn, limit)
    }

    // ---- users ----------------------------------------------------------------------------

    /// All current members.
    pub fn users(&self) -> Result<Vec<User>, VaultError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, role FROM users WHERE removed_at IS NULL ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut users = Vec::new();
        for row in rows {
            let (id, name, role) = row?;
            users.push(User {
                id,
                name,
                role: role.parse().map_err(VaultError::Invalid)?,
            });
        }
        Ok(users)
    }

    /// Adds a member (instructors): seals their new identity with `passphrase`
    /// and re-seals the database key to every member.
    pub fn add_user(
        &mut self,
        name: &str,
        role: Role,
        passphrase: &SecretString,
    ) -> Result<(), VaultError> {
        keys::check_new_passphrase(name, passphrase)?;
        self.add_member(name, role, passphrase)
    }

    /// [`Vault::add_user`] without the passphrase rule: the demo vault's
    /// members share its published passphrase.
    pub(crate) fn add_member(
        &mut self,
        name: &str,
        role: Role,
        passphrase: &SecretString,
    ) -> Result<(), VaultError> {
        self.require_instructor("add users")?;
        keys::check_user_name(name)?;
        let existing: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT removed_at FROM users WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if matches!(existing, Some(None)) {
            return Err(VaultError::Invalid(format!("user '{name}' already exists")));
        }
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        let now = now_rfc3339();
        keys::seal_identity(&keys::user_key_path(&self.dir, name), &identity, passphrase)?;
        self.write("user.add", Some(name), Some(role.as_str()), |tx| {
            if existing.is_some() {
                tx.execute(
                    "UPDATE users SET role = ?2, recipient = ?3, created_at = ?4, removed_at = NULL WHERE name = ?1",
                    params![name, role.as_str(), recipient, now],
                )?;
            } else {
                tx.execute(
                    "INSERT INTO users (name, role, recipient, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![name, role.as_str(), recipient, now],
                )?;
            }
            Ok(())
        })?;
        self.reseal_db_key()
    }

    /// Removes a member (instructors): their key file is deleted and the
    /// database key re-sealed without them. The last instructor stays.
    pub fn remove_user(&mut self, name: &str) -> Result<(), VaultError> {
        self.require_instructor("remove users")?;
        let users = self.users()?;
        let Some(target) = users.iter().find(|u| u.name == name) else {
            return Err(VaultError::NotFound {
                what: "user",
                id: name.to_owned(),
            });
        };
        let instructors = users.iter().filter(|u| u.role == Role::Instructor).count();
        if target.role == Role::Instructor && instructors <= 1 {
            return Err(VaultError::Invalid(
                "cannot remove the last instructor: add another one first".into(),
            ));
        }
        let now = now_rfc3339();
        self.write("user.remove", Some(name), None, |tx| {
            tx.execute(
                "UPDATE users SET removed_at = ?2 WHERE name = ?1",
                params![name, now],
            )?;
            Ok(())
        })?;
        self.reseal_db_key()?;
        let _ = std::fs::remove_file(keys::user_key_path(&self.dir, name));
        Ok(())
    }

    fn reseal_db_key(&self) -> Result<(), VaultError> {
        let mut stmt = self
            .conn
            .prepare("SELECT recipient FROM users WHERE removed_at IS NULL")?;
        let mut recipients = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .filter_map(|r| r.ok())
            .filter_map(|r| r.parse::<age::x25519::Recipient>().ok())
            .collect::<Vec<_>>();
        let recovery: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'recovery_recipient'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        recipients.extend(recovery.and_then(|r| r.parse::<age::x25519::Recipient>().ok()));
        keys::seal_db_key(&self.dir, &self.db_key, &recipients)
    }

    /// The linked user id of a user name (for participants).
    fn user_id(&self, name: &str) -> Result<i64, VaultError> {
        self.conn
            .query_row(
                "SELECT id FROM users WHERE name = ?1 AND removed_at IS NULL",
                [name],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| VaultError::NotFound {
                what: "user",
                id: name.to_owned(),
            })
    }

    /// Checkpoints the WAL into the database and truncates it (after deletions).
    fn checkpoint(&self) -> Result<(), VaultError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Raw connection, for tests that inspect the database.
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}
