//! The SQLCipher database: opening it with the raw key, and the schema ladder.
//!
//! WAL with `synchronous=FULL` (an acknowledged commit survives power loss),
//! `secure_delete` (deleted rows, such as shredded keys, are zeroed), and a
//! raw 256-bit key (no passphrase KDF: the key comes from the keyring). A
//! plaintext or foreign database is refused, and one written by a newer
//! Debrief is refused without being touched. The app never deletes a
//! database it cannot read.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use secrecy::ExposeSecret;
use zeroize::Zeroizing;

use super::keys::DbKey;
use super::{VaultError, fsutil};

/// The schema ladder: step n takes `user_version` from n to n + 1.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_indexes.sql"),
    include_str!("migrations/0003_clips.sql"),
    include_str!("migrations/0004_orientation.sql"),
    include_str!("migrations/0005_source_sha256.sql"),
    include_str!("migrations/0006_pending_outputs.sql"),
    include_str!("migrations/0007_frame_order.sql"),
    include_str!("migrations/0008_views.sql"),
    include_str!("migrations/0009_capture.sql"),
    include_str!("migrations/0010_staff_consent.sql"),
    include_str!("migrations/0011_segment_tables.sql"),
    include_str!("migrations/0012_device_data.sql"),
];

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Creates a new encrypted database at `path` (0600) and brings it to the current schema.
pub fn create(path: &Path, key: &DbKey) -> Result<Connection, VaultError> {
    // Creating the file first fixes its mode; SQLite gives -wal and -shm the same.
    drop(fsutil::create_private_file(path)?);
    let conn = open(path, key)?;
    migrate(&conn)?;
    Ok(conn)
}

/// Opens a vault's existing database: the key must fit and the schema must be
/// there. An emptied or zeroed file is damage to report, never a fresh
/// database to build a schema into.
pub fn open_existing(path: &Path, key: &DbKey) -> Result<Connection, VaultError> {
    let damaged = |detail: &str| VaultError::Damaged {
        detail: detail.to_owned(),
        path: path.to_path_buf(),
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() == 0 => return Err(damaged("the file is empty")),
        Ok(_) => {}
        Err(_) => return Err(damaged("the file is missing")),
    }
    let conn = open(path, key)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version < 1 {
        return Err(damaged("it holds no vault tables"));
    }
    Ok(conn)
}

/// Initialises SQLite and SQLCipher once, on one thread, before any database
/// is opened.
///
/// SQLite marks itself initialised before it runs SQLCipher's own set-up, so
/// a second thread opening a database at that moment skips the wait and its
/// `PRAGMA key` fails ("An error occurred with PRAGMA key or rekey"). That
/// happened to parallel tests; a desktop app that opens a vault while a
/// background job opens another could meet it too. Opening an in-memory
/// database under a `OnceLock` finishes the set-up before anyone else starts.
fn sqlcipher_ready() -> Result<(), VaultError> {
    static READY: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    READY
        .get_or_init(|| {
            Connection::open_in_memory()
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| VaultError::Crypto(format!("SQLCipher could not start: {e}")))
}

/// Opens an existing encrypted database and checks the key fits.
pub fn open(path: &Path, key: &DbKey) -> Result<Connection, VaultError> {
    let mut header = [0u8; 16];
    if let Ok(mut f) = std::fs::File::open(path) {
        use std::io::Read as _;
        if f.read_exact(&mut header).is_ok() && &header == b"SQLite format 3\0" {
            return Err(VaultError::PlaintextDatabase(path.to_path_buf()));
        }
    }
    sqlcipher_ready()?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // SQLCipher logs a wrong key to stderr itself; the error we return says it once.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    let hex_key = Zeroizing::new(hex::encode(key.expose_secret()));
    let pragma = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", hex_key.as_str()));
    conn.execute_batch(&pragma)?;
    let cipher: Option<String> = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .ok();
    if cipher.as_deref().is_none_or(str::is_empty) {
        return Err(VaultError::Crypto(
            "this build's SQLite has no SQLCipher: rebuild with rusqlite's bundled-sqlcipher"
                .into(),
        ));
    }
    // The key is checked on the first read: a wrong one reads as "not a database".
    if let Err(err) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        return Err(match err {
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::NotADatabase => {
                VaultError::ForeignDatabase(path.to_path_buf())
            }
            other => VaultError::Db(other),
        });
    }
    // A 64 MiB page cache: every page read is decrypted and authenticated, and
    // listing 100,000 annotations through the index touches table pages out of
    // order; with the default 2,000-page cache that re-decrypted pages and took
    // 1.2 s instead of about 0.25 s.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA cache_size = -65536;",
    )?;
    Ok(conn)
}

/// Brings the schema up to date in one IMMEDIATE transaction, one step at a time.
pub fn migrate(conn: &Connection) -> Result<(), VaultError> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let target = schema_version();
    if current > target {
        return Err(VaultError::TooNew {
            found: current,
            supported: target,
        });
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        tx.execute_batch(sql)?;
        tracing::debug!(to = step + 1, "schema migrated");
    }
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    Ok(())
}
