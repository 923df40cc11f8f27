//! Errors of the vault.

use std::path::PathBuf;

use crate::media::MediaError;

/// What went wrong with the vault. Messages say what failed and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// No vault in that folder.
    #[error("no vault here; create one with `debrief init --user NAME`: {0}")]
    NoVault(PathBuf),
    /// `init` on a folder that already holds a vault.
    #[error("a vault already exists here; open it instead of creating a new one: {0}")]
    AlreadyExists(PathBuf),
    /// The passphrase does not open the user's key, or there is no such user
    /// (one message for both, so it does not tell who is a member).
    #[error(
        "wrong passphrase, or no user '{0}' in this vault; check both and try again (nothing was changed)"
    )]
    WrongPassphrase(String),
    /// No such user in this vault.
    #[error(
        "user '{0}' has no key in this vault; ask an instructor to add you with `debrief user add`"
    )]
    UnknownUser(String),
    /// The user was removed from the vault.
    #[error("user '{0}' is no longer a member of this vault")]
    Removed(String),
    /// The role does not allow this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// A database file that is not encrypted.
    #[error("the database is not encrypted; refusing to use it (it was not made by Debrief): {0}")]
    PlaintextDatabase(PathBuf),
    /// The keyring's key does not open the database.
    #[error(
        "the vault's key does not open its database (the keyring and database do not belong together, or the database is damaged); restore both from the same backup: {0}"
    )]
    ForeignDatabase(PathBuf),
    /// A database written by a newer Debrief.
    #[error(
        "the vault was written by a newer Debrief (schema {found}, this one knows up to {supported}); upgrade Debrief to open it"
    )]
    TooNew {
        /// Version found.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// Something does not exist (or is not visible to this user).
    #[error("{what} '{id}' does not exist (or is not visible to you)")]
    NotFound {
        /// What kind of thing.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The file is already a recording of this case.
    #[error(
        "this file is already in the case, imported as recording {0}; nothing was imported again"
    )]
    AlreadyImported(String),
    /// The recording was crypto-shredded (its key destroyed): it cannot be used.
    #[error(
        "recording '{id}' was deleted (crypto-shredded) on {at}: {reason}; it can no longer be viewed, annotated or exported"
    )]
    Shredded {
        /// Recording id.
        id: String,
        /// When (RFC 3339).
        at: String,
        /// Why (retention over, or which consent was refused).
        reason: String,
    },
    /// Stored data failed an integrity check.
    #[error(
        "integrity check failed: {0}; the vault file was modified or damaged (restore it from a backup)"
    )]
    Integrity(String),
    /// The consent ledger does not permit this use.
    #[error("consent does not permit this: {0}")]
    Consent(String),
    /// Bad input (a name, a frame range, a file).
    #[error("{0}")]
    Invalid(String),
    /// A codebook or policy file fails its schema or consistency checks;
    /// every problem as `file:line:column: /pointer: what`, so callers show
    /// the list without checking the file a second time.
    #[error("{file} is not a valid {what}: {}", problems.join("; "))]
    NotValid {
        /// "codebook" or "policy".
        what: &'static str,
        /// The file as the user named it.
        file: String,
        /// Every problem found.
        problems: Vec<String>,
    },
    /// The media engine failed.
    #[error(transparent)]
    Media(#[from] MediaError),
    /// A device data file was refused; nothing was imported.
    #[error(
        "the device data was not imported: {problem}; fix the file and import it again: {file}"
    )]
    Data {
        /// The file as the user named it.
        file: String,
        /// Where and what.
        problem: crate::device_data::DataError,
    },
    /// Reading or writing a file failed.
    #[error("{what} failed ({cause})")]
    Io {
        /// What was being done, path last.
        what: String,
        /// The OS error.
        cause: std::io::Error,
    },
    /// The vault's database is damaged (truncated, zeroed, emptied).
    #[error(
        "the vault's database is damaged ({detail}); nothing was changed: restore the vault folder from a backup: {path}"
    )]
    Damaged {
        /// What was found.
        detail: String,
        /// The database file.
        path: PathBuf,
    },
    /// The database failed. (Not a `#[source]`: SQLite's text is already in
    /// the message, and printing the chain would repeat it.)
    #[error("{}", db_message(.0))]
    Db(rusqlite::Error),
    /// Encryption or decryption failed for a reason other than a wrong key.
    #[error("encryption error: {0}")]
    Crypto(String),
}

impl From<rusqlite::Error> for VaultError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Db(err)
    }
}

/// SQLite's message once (rusqlite repeats it: "malformed: malformed: Error code
/// 11: malformed"), and for a damaged file what to do about it.
fn db_message(err: &rusqlite::Error) -> String {
    if let rusqlite::Error::SqliteFailure(e, msg) = err {
        let what = msg.clone().unwrap_or_else(|| e.to_string());
        if is_damage(err) {
            return format!(
                "the vault's database is damaged ({what}); nothing was changed: restore the \
                 vault folder from a backup"
            );
        }
        return format!("database error: {what}");
    }
    format!("database error: {err}")
}

/// True for SQLite's "this file is damaged" errors.
fn is_damage(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if matches!(e.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

impl VaultError {
    /// True when the error is the user's or the input's to fix (CLI exit 2).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Media(m) => m.is_bad_input(),
            Self::Db(e) => is_damage(e),
            Self::Crypto(_) => false,
            _ => true,
        }
    }

    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |cause| Self::Io { what, cause }
    }
}
