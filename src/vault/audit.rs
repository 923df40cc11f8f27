//! The audit chain: every view, import, change, consent event, export and
//! deletion, each entry MACed over the previous one.
//!
//! `h_i = HMAC(k, h_{i-1} ‖ seq ‖ len ‖ entry)`, with `k` derived from the
//! database key. Editing or deleting a row breaks the chain at that row.
//! Truncating the end, or restoring an older database, does not break the
//! chain, so the latest sequence number and hash are also kept outside the
//! database in `audit.head` (MACed too): a database behind its head has lost
//! entries. The head is written after each commit, so after a crash it can
//! only lag the database, never lead it.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use super::keys::hmac_sha256;
use super::{VaultError, fsutil};

/// What `audit verify` found.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditReport {
    /// Entries in the database.
    pub entries: u64,
    /// True when the chain and the head agree.
    pub ok: bool,
    /// Sequence number of the first entry that fails, if any.
    pub first_bad: Option<u64>,
    /// What is wrong, in words.
    pub problem: Option<String>,
}

/// One audit entry as shown to instructors.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// Sequence number from 1.
    pub seq: u64,
    /// When (RFC 3339).
    pub at: String,
    /// User name.
    pub actor: String,
    /// What was done (`unlock`, `import`, `annotation.add`, …).
    pub action: String,
    /// What it was done to (an id).
    pub object: Option<String>,
    /// Extra detail (no PHI: ids and counts).
    pub detail: Option<String>,
}

fn head_path(dir: &Path) -> PathBuf {
    dir.join("audit.head")
}

fn entry_mac(key: &[u8; 32], prev: &[u8], e: &AuditEntry) -> Result<[u8; 32], VaultError> {
    let fields = [
        e.at.as_str(),
        e.actor.as_str(),
        e.action.as_str(),
        e.object.as_deref().unwrap_or(""),
        e.detail.as_deref().unwrap_or(""),
    ];
    let mut buf = Vec::with_capacity(128);
    buf.extend_from_slice(&e.seq.to_be_bytes());
    for f in fields {
        buf.extend_from_slice(&(f.len() as u64).to_be_bytes());
        buf.extend_from_slice(f.as_bytes());
    }
    hmac_sha256(key, &[prev, &buf])
}

/// Appends an entry inside the caller's transaction; returns (seq, mac) for the head.
pub fn append(
    conn: &Connection,
    key: &[u8; 32],
    actor: &str,
    action: &str,
    object: Option<&str>,
    detail: Option<&str>,
) -> Result<(u64, [u8; 32]), VaultError> {
    let last: Option<(u64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
        )
        .optional()?;
    let (prev_seq, prev_mac) = last.unwrap_or((0, vec![0u8; 32]));
    let entry = AuditEntry {
        seq: prev_seq + 1,
        at: super::now_rfc3339(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        object: object.map(str::to_owned),
        detail: detail.map(str::to_owned),
    };
    let mac = entry_mac(key, &prev_mac, &entry)?;
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, object, detail, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![entry.seq as i64, entry.at, entry.actor, entry.action, entry.object, entry.detail, mac.to_vec()],
    )?;
    Ok((entry.seq, mac))
}

/// Records the chain's end outside the database (after the commit).
pub fn write_head(dir: &Path, key: &[u8; 32], seq: u64, mac: &[u8; 32]) -> Result<(), VaultError> {
    let tag = hmac_sha256(key, &[b"head", &seq.to_be_bytes(), mac])?;
    let text = serde_json::json!({ "seq": seq, "hash": hex::encode(mac), "mac": hex::encode(tag) })
        .to_string();
    fsutil::write_private(&head_path(dir), text.as_bytes())
}

fn read_head(dir: &Path, key: &[u8; 32]) -> Result<Option<(u64, [u8; 32])>, String> {
    let text = match std::fs::read_to_string(head_path(dir)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("audit.head cannot be read ({e})")),
    };
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| "audit.head is not valid".to_owned())?;
    let seq = v["seq"]
        .as_u64()
        .ok_or("audit.head has no sequence number")?;
    let hash: [u8; 32] = hex::decode(v["hash"].as_str().unwrap_or(""))
        .ok()
        .and_then(|h| h.try_into().ok())
        .ok_or("audit.head has no hash")?;
    let tag = hex::decode(v["mac"].as_str().unwrap_or("")).map_err(|_| "audit.head has no MAC")?;
    let want =
        hmac_sha256(key, &[b"head", &seq.to_be_bytes(), &hash]).map_err(|e| e.to_string())?;
    if tag != want {
        return Err("audit.head was modified (its MAC does not match)".into());
    }
    Ok(Some((seq, hash)))
}

/// Cheap check before every write: the chain must still end where the head
/// says (or later, after a crash). A database behind its head lost entries
/// or was rolled back; writing on would move the head and hide that.
pub fn check_head(conn: &Connection, dir: &Path, key: &[u8; 32]) -> Result<(), String> {
    let Some((head_seq, head_hash)) = read_head(dir, key)? else {
        let any: bool = conn
            .query_row("SELECT EXISTS (SELECT 1 FROM audit)", [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        return if any {
            Err("audit.head is missing".into())
        } else {
            Ok(())
        };
    };
    let at_head: Option<Vec<u8>> = conn
        .query_row(
            "SELECT mac FROM audit WHERE seq = ?1",
            [head_seq as i64],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| e.to_string())?;
    match at_head {
        Some(mac) if mac.as_slice() == head_hash.as_slice() => Ok(()),
        Some(_) => Err(format!(
            "audit entry {head_seq} differs from the one audit.head recorded: the database was replaced or rolled back"
        )),
        None => Err(format!(
            "the audit log ends before entry {head_seq}, which audit.head recorded: entries were removed or an older database was restored"
        )),
    }
}

/// Recomputes the chain and compares its end with `audit.head`.
pub fn verify(conn: &Connection, dir: &Path, key: &[u8; 32]) -> Result<AuditReport, VaultError> {
    let mut stmt =
        conn.prepare("SELECT seq, at, actor, action, object, detail, mac FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut prev = vec![0u8; 32];
    let mut expected_seq = 1u64;
    let mut entries = 0u64;
    let mut last: Option<(u64, Vec<u8>)> = None;
    let fail = |entries, seq, problem: String| AuditReport {
        entries,
        ok: false,
        first_bad: Some(seq),
        problem: Some(problem),
    };
    while let Some(row) = rows.next()? {
        let entry = AuditEntry {
            seq: row.get::<_, i64>(0)? as u64,
            at: row.get(1)?,
            actor: row.get(2)?,
            action: row.get(3)?,
            object: row.get(4)?,
            detail: row.get(5)?,
        };
        let mac: Vec<u8> = row.get(6)?;
        entries += 1;
        if entry.seq != expected_seq {
            // A gap: rows were deleted from the middle.
            let _ = rows.next();
            let total = count(conn)?;
            return Ok(fail(
                total,
                expected_seq,
                format!(
                    "entry {expected_seq} is missing (the chain jumps to {})",
                    entry.seq
                ),
            ));
        }
        if entry_mac(key, &prev, &entry)?.as_slice() != mac.as_slice() {
            let total = count(conn)?;
            return Ok(fail(
                total,
                entry.seq,
                format!("entry {} was modified (its MAC does not match)", entry.seq),
            ));
        }
        prev = mac.clone();
        last = Some((entry.seq, mac));
        expected_seq += 1;
    }
    match read_head(dir, key) {
        Err(problem) => Ok(fail(entries, entries + 1, problem)),
        Ok(None) if entries > 0 => Ok(fail(entries, 1, "audit.head is missing".into())),
        Ok(None) => Ok(AuditReport {
            entries,
            ok: true,
            first_bad: None,
            problem: None,
        }),
        Ok(Some((head_seq, head_hash))) => {
            let last_seq = last.as_ref().map_or(0, |(s, _)| *s);
            if head_seq > last_seq {
                return Ok(fail(
                    entries,
                    last_seq + 1,
                    format!(
                        "the chain ends at entry {last_seq} but audit.head records {head_seq}: entries were removed from the end, or an older database was restored"
                    ),
                ));
            }
            // The head may lag after a crash between commit and head update; it must match where it points.
            let at_head: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT mac FROM audit WHERE seq = ?1",
                    [head_seq as i64],
                    |r| r.get(0),
                )
                .optional()?;
            if head_seq > 0 && at_head.as_deref() != Some(head_hash.as_slice()) {
                return Ok(fail(
                    entries,
                    head_seq,
                    format!(
                        "entry {head_seq} differs from the one audit.head recorded: the database was replaced"
                    ),
                ));
            }
            Ok(AuditReport {
                entries,
                ok: true,
                first_bad: None,
                problem: None,
            })
        }
    }
}

fn count(conn: &Connection) -> Result<u64, VaultError> {
    Ok(conn.query_row("SELECT count(*) FROM audit", [], |r| r.get::<_, i64>(0))? as u64)
}

/// The most recent `limit` entries, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>, VaultError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, object, detail FROM audit ORDER BY seq DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(AuditEntry {
            seq: r.get::<_, i64>(0)? as u64,
            at: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            object: r.get(4)?,
            detail: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
