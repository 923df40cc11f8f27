//! Annotations: frame-exact events with history, undo/redo and private notes.
//!
//! Every change writes a history row holding the annotation before and
//! after (as JSON), so who changed what and when is kept, and each user's
//! changes on a recording form an undo stack: undo restores `before`, redo
//! restores `after`, and a new change discards what could be redone. A
//! private note is age-encrypted to its author's recipient: nobody else can
//! read it, instructors included.

use std::io::{Read, Write};

use rusqlite::{Connection, OptionalExtension, params};

use super::{Vault, VaultError};
use crate::model::interchange::{ExportFormat, ExportInput};
use crate::model::{Annotation, CodeKind};

/// An annotation to add.
#[derive(Clone, Debug, Default)]
pub struct NewAnnotation {
    /// Recording id.
    pub recording_id: String,
    /// Code id from the case's codebook.
    pub code: String,
    /// First frame.
    pub start_frame: u64,
    /// Last frame (durations); `None` leaves a duration open.
    pub end_frame: Option<u64>,
    /// Rating.
    pub rating: Option<f64>,
    /// Shared note.
    pub note: Option<String>,
    /// Private note (encrypted to the author).
    pub private_note: Option<String>,
}

/// Changes to an annotation; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct AnnotationEdit {
    /// New code.
    pub code: Option<String>,
    /// New first frame.
    pub start_frame: Option<u64>,
    /// New last frame (`Some(None)` reopens a duration).
    pub end_frame: Option<Option<u64>>,
    /// New rating.
    pub rating: Option<Option<f64>>,
    /// New shared note.
    pub note: Option<Option<String>>,
    /// New private note.
    pub private_note: Option<Option<String>>,
}

/// The stored row, as history snapshots keep it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Row {
    id: String,
    recording_id: String,
    code: String,
    start_frame: i64,
    end_frame: Option<i64>,
    start_pts_ns: i64,
    end_pts_ns: Option<i64>,
    rating: Option<f64>,
    note: Option<String>,
    /// Ciphertext, hex.
    private_note: Option<String>,
    author: i64,
    created_at: String,
    edited_at: Option<String>,
    deleted_at: Option<String>,
}

const ROW_COLUMNS: &str = "id, recording_id, code, start_frame, end_frame, start_pts_ns, end_pts_ns, rating, note, private_note, author, created_at, edited_at, deleted_at";

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        recording_id: r.get(1)?,
        code: r.get(2)?,
        start_frame: r.get(3)?,
        end_frame: r.get(4)?,
        start_pts_ns: r.get(5)?,
        end_pts_ns: r.get(6)?,
        rating: r.get(7)?,
        note: r.get(8)?,
        private_note: r.get::<_, Option<Vec<u8>>>(9)?.map(hex::encode),
        author: r.get(10)?,
        created_at: r.get(11)?,
        edited_at: r.get(12)?,
        deleted_at: r.get(13)?,
    })
}

fn load(conn: &Connection, id: &str) -> Result<Option<Row>, VaultError> {
    Ok(conn
        .query_row(
            &format!("SELECT {ROW_COLUMNS} FROM annotations WHERE id = ?1"),
            [id],
            row_from,
        )
        .optional()?)
}

/// Writes `row` over the stored annotation (or creates it).
fn store(conn: &Connection, row: &Row) -> Result<(), VaultError> {
    let private = row
        .private_note
        .as_deref()
        .map(hex::decode)
        .transpose()
        .map_err(|_| VaultError::Integrity("a stored private note is damaged".into()))?;
    conn.execute(
        &format!(
            "INSERT INTO annotations ({ROW_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT(id) DO UPDATE SET code = excluded.code, start_frame = excluded.start_frame, end_frame = excluded.end_frame,
             start_pts_ns = excluded.start_pts_ns, end_pts_ns = excluded.end_pts_ns, rating = excluded.rating, note = excluded.note,
             private_note = excluded.private_note, edited_at = excluded.edited_at, deleted_at = excluded.deleted_at"
        ),
        params![
            row.id,
            row.recording_id,
            row.code,
            row.start_frame,
            row.end_frame,
            row.start_pts_ns,
            row.end_pts_ns,
            row.rating,
            row.note,
            private,
            row.author,
            row.created_at,
            row.edited_at,
            row.deleted_at
        ],
    )?;
    Ok(())
}

fn snapshot(row: Option<&Row>) -> Result<Option<String>, VaultError> {
    row.map(|r| serde_json::to_string(r).map_err(|e| VaultError::Invalid(e.to_string())))
        .transpose()
}

fn unsnapshot(text: Option<String>) -> Result<Option<Row>, VaultError> {
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|_| VaultError::Integrity("an annotation history entry is damaged".into()))
    })
    .transpose()
}

impl Vault {
    /// Adds an annotation at exact frames, checked against the codebook.
    pub fn add_annotation(&mut self, new: NewAnnotation) -> Result<String, VaultError> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.now_string();
        let mut row = Row {
            id: id.clone(),
            recording_id: new.recording_id.clone(),
            code: new.code.clone(),
            start_frame: 0,
            end_frame: None,
            start_pts_ns: 0,
            end_pts_ns: None,
            rating: new.rating,
            note: new.note.clone().filter(|n| !n.is_empty()),
            private_note: self.seal_note(new.private_note.as_deref())?,
            author: self.user.id,
            created_at: now,
            edited_at: None,
            deleted_at: None,
        };
        self.place(&mut row, new.start_frame, new.end_frame)?;
        let detail = format!(
            "recording={} code={}",
            crate::model::redacted(&new.recording_id),
            new.code
        );
        let user_id = self.user.id;
        self.write("annotation.add", Some(&id), Some(&detail), |tx| {
            store(tx, &row)?;
            record_history(
                tx,
                &row.id,
                &row.recording_id,
                "create",
                None,
                Some(&row),
                user_id,
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// Adds many annotations to one recording in one transaction, with one
    /// audit entry (imports, benchmarks). All are checked first; any invalid
    /// one aborts the whole batch.
    pub fn add_annotations(
        &mut self,
        recording_id: &str,
        items: Vec<NewAnnotation>,
    ) -> Result<Vec<String>, VaultError> {
        let rec = self.recording(recording_id)?;
        let book = self.codebook(&self.case(&rec.case_id)?.codebook_id)?;
        let info = self.media_info(recording_id)?;
        let now = self.now_string();
        let mut rows = Vec::with_capacity(items.len());
        for (i, new) in items.into_iter().enumerate() {
            let code = book.code(&new.code).ok_or_else(|| {
                VaultError::Invalid(format!(
                    "item {i}: '{}' is not a code of codebook '{}'",
                    new.code, book.id
                ))
            })?;
            let last = info.frames().saturating_sub(1);
            let frames = match new.end_frame {
                Some(end) => format!("frames {} to {end}", new.start_frame),
                None => format!("frame {}", new.start_frame),
            };
            if new.start_frame > last || new.end_frame.is_some_and(|e| e > last) {
                return Err(VaultError::Invalid(format!(
                    "item {i}: {frames} lie outside the recording (frames 0 to {last})"
                )));
            }
            if new.end_frame.is_some_and(|e| e < new.start_frame) {
                return Err(VaultError::Invalid(format!(
                    "item {i}: {frames} end before they start"
                )));
            }
            code.check_rating(new.rating)
                .map_err(|e| VaultError::Invalid(format!("item {i}: {e}")))?;
            let end = if code.kind == CodeKind::Point {
                None
            } else {
                new.end_frame
            };
            rows.push(Row {
                id: uuid::Uuid::new_v4().to_string(),
                recording_id: recording_id.to_owned(),
                code: new.code,
                start_frame: new.start_frame as i64,
                end_frame: end.map(|e| e as i64),
                start_pts_ns: info.table.pts(new.start_frame).unwrap_or(0),
                end_pts_ns: end.and_then(|e| info.table.pts(e)),
                rating: new.rating,
                note: new.note.filter(|n| !n.is_empty()),
                private_note: self.seal_note(new.private_note.as_deref())?,
                author: self.user.id,
                created_at: now.clone(),
                edited_at: None,
                deleted_at: None,
            });
        }
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let detail = format!(
            "recording={} count={}",
            crate::model::redacted(recording_id),
            rows.len()
        );
        let user_id = self.user.id;
        self.write("annotation.import", None, Some(&detail), |tx| {
            for row in &rows {
                store(tx, row)?;
                record_history(
                    tx,
                    &row.id,
                    &row.recording_id,
                    "create",
                    None,
                    Some(row),
                    user_id,
                )?;
            }
            Ok(())
        })?;
        Ok(ids)
    }

    /// Checks code and frames against the codebook and recording, and sets the PTS.
    fn place(&self, row: &mut Row, start: u64, end: Option<u64>) -> Result<(), VaultError> {
        let rec = self.live_reference(&row.recording_id)?;
        let case = self.case(&rec.case_id)?;
        let book = self.codebook(&case.codebook_id)?;
        let Some(code) = book.code(&row.code) else {
            return Err(VaultError::Invalid(format!(
                "'{}' is not a code of codebook '{}'",
                row.code, book.id
            )));
        };
        if code.kind == CodeKind::Point && end.is_some_and(|e| e != start) {
            return Err(VaultError::Invalid(format!(
                "'{}' is a point event: it takes no end frame",
                code.id
            )));
        }
        let info = self.media_info(&row.recording_id)?;
        let last = info.frames().saturating_sub(1);
        for frame in std::iter::once(start).chain(end) {
            if frame > last {
                return Err(VaultError::Invalid(format!(
                    "frame {frame} does not exist: the recording has {} frames (0 to {last})",
                    info.frames()
                )));
            }
        }
        if let Some(end) = end
            && end < start
        {
            return Err(VaultError::Invalid(format!(
                "the end frame {end} comes before the start frame {start}"
            )));
        }
        code.check_rating(row.rating).map_err(VaultError::Invalid)?;
        let end = if code.kind == CodeKind::Point {
            None
        } else {
            end
        };
        row.start_frame = start as i64;
        row.end_frame = end.map(|e| e as i64);
        row.start_pts_ns = info.table.pts(start).unwrap_or(0);
        row.end_pts_ns = end.and_then(|e| info.table.pts(e));
        Ok(())
    }

    fn seal_note(&self, note: Option<&str>) -> Result<Option<String>, VaultError> {
        let Some(note) = note.filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let recipient = self.identity.to_public();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| VaultError::Crypto(e.to_string()))?;
        let mut out = Vec::new();
        let mut w = encryptor
            .wrap_output(&mut out)
            .map_err(|e| VaultError::Crypto(e.to_string()))?;
        w.write_all(note.as_bytes())
            .map_err(|e| VaultError::Crypto(e.to_string()))?;
        w.finish().map_err(|e| VaultError::Crypto(e.to_string()))?;
        Ok(Some(hex::encode(out)))
    }

    /// Decrypts a private note with this user's identity; `None` if it is someone else's.
    fn open_note(&self, sealed: &[u8]) -> Option<String> {
        let decryptor = age::Decryptor::new(sealed).ok()?;
        let mut reader = decryptor
            .decrypt(std::iter::once(&self.identity as &dyn age::Identity))
            .ok()?;
        let mut text = String::new();
        reader.read_to_string(&mut text).ok()?;
        Some(text)
    }

    /// Tries to read a private note with this user's key; the age error says why not.
    pub fn read_private_note(&self, annotation_id: &str) -> Result<String, VaultError> {
        let row = self.visible_row(annotation_id)?;
        let sealed = row
            .private_note
            .and_then(|h| hex::decode(h).ok())
            .ok_or_else(|| VaultError::NotFound {
                what: "private note",
                id: annotation_id.to_owned(),
            })?;
        let decryptor = age::Decryptor::new(sealed.as_slice())
            .map_err(|e| VaultError::Crypto(e.to_string()))?;
        let mut reader = decryptor
            .decrypt(std::iter::once(&self.identity as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => VaultError::Forbidden(
                    "this private note belongs to another user (NoMatchingKeys)".into(),
                ),
                other => VaultError::Crypto(other.to_string()),
            })?;
        let mut text = String::new();
        reader
            .read_to_string(&mut text)
            .map_err(|e| VaultError::Crypto(e.to_string()))?;
        Ok(text)
    }

    fn visible_row(&self, id: &str) -> Result<Row, VaultError> {
        let row = load(&self.conn, id)?
            .filter(|r| r.deleted_at.is_none())
            .ok_or_else(|| VaultError::NotFound {
                what: "annotation",
                id: id.to_owned(),
            })?;
        self.recording(&row.recording_id)
            .map_err(|_| VaultError::NotFound {
                what: "annotation",
                id: id.to_owned(),
            })?;
        Ok(row)
    }

    /// A recording's annotations in an interchange format (audited: the
    /// export leaves the vault). Private notes are never included.
    pub fn export_annotations(
        &mut self,
        recording_id: &str,
        format: ExportFormat,
    ) -> Result<String, VaultError> {
        let recording = self.recording(recording_id)?;
        let codebook = self.codebook(&self.case(&recording.case_id)?.codebook_id)?;
        let info = self.media_info(recording_id)?;
        let annotations = self.annotations(recording_id)?;
        let exported_at = self.now_string();
        let views = self.views(recording_id)?;
        let text = ExportInput {
            recording_id,
            rate: info.rate,
            pts: info.table.all_pts(),
            end_ns: info.table.end_ns(),
            codebook: &codebook,
            annotations: &annotations,
            exported_at: &exported_at,
            views: &views,
        }
        .render(format);
        let detail = format!("format={format} annotations={}", annotations.len());
        self.write(
            "annotations.export",
            Some(recording_id),
            Some(&detail),
            |_| Ok(()),
        )?;
        Ok(text)
    }

    /// The live annotations of a recording, in frame order.
    pub fn annotations(&self, recording_id: &str) -> Result<Vec<Annotation>, VaultError> {
        self.recording(recording_id)?;
        let mut stmt = self.conn.prepare(
            "SELECT a.id, a.recording_id, a.code, a.start_frame, a.end_frame, a.start_pts_ns, a.end_pts_ns, a.rating, a.note,
                    a.private_note, COALESCE(u.name, '(recovery)'), a.created_at, a.edited_at, a.author
             FROM annotations a LEFT JOIN users u ON u.id = a.author
             WHERE a.recording_id = ?1 AND a.deleted_at IS NULL ORDER BY a.start_frame, a.created_at, a.id",
        )?;
        let me = self.user.id;
        let rows = stmt.query_map([recording_id], |r| {
            let sealed: Option<Vec<u8>> = r.get(9)?;
            let author_id: i64 = r.get(13)?;
            Ok((
                Annotation {
                    id: r.get(0)?,
                    recording_id: r.get(1)?,
                    code: r.get(2)?,
                    start_frame: r.get::<_, i64>(3)? as u64,
                    end_frame: r.get::<_, Option<i64>>(4)?.map(|v| v as u64),
                    start_pts_ns: r.get(5)?,
                    end_pts_ns: r.get(6)?,
                    rating: r.get(7)?,
                    note: r.get(8)?,
                    private_note: None,
                    has_private_note: sealed.is_some(),
                    author: r.get(10)?,
                    created_at: r.get(11)?,
                    edited_at: r.get(12)?,
                },
                sealed.filter(|_| author_id == me),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (mut annotation, mine) = row?;
            // Only the author's own notes are worth an attempt: others' fail by design.
            annotation.private_note = mine.and_then(|s| self.open_note(&s));
            out.push(annotation);
        }
        Ok(out)
    }

    /// Changes an annotation (its author, or an instructor).
    pub fn update_annotation(&mut self, id: &str, edit: AnnotationEdit) -> Result<(), VaultError> {
        let before = self.visible_row(id)?;
        self.check_may_edit(&before)?;
        let mut after = before.clone();
        if let Some(code) = edit.code {
            after.code = code;
        }
        if let Some(rating) = edit.rating {
            after.rating = rating;
        }
        if let Some(note) = edit.note {
            after.note = note.filter(|n| !n.is_empty());
        }
        if let Some(private) = edit.private_note {
            after.private_note = self.seal_note(private.as_deref())?;
        }
        let start = edit.start_frame.unwrap_or(before.start_frame as u64);
        let end = edit.end_frame.unwrap_or(before.end_frame.map(|e| e as u64));
        self.place(&mut after, start, end)?;
        after.edited_at = Some(self.now_string());
        let user_id = self.user.id;
        self.write("annotation.edit", Some(id), None, |tx| {
            store(tx, &after)?;
            record_history(
                tx,
                id,
                &after.recording_id,
                "update",
                Some(&before),
                Some(&after),
                user_id,
            )
        })
    }

    /// Deletes an annotation (kept in history; undo brings it back).
    pub fn delete_annotation(&mut self, id: &str) -> Result<(), VaultError> {
        let before = self.visible_row(id)?;
        self.check_may_edit(&before)?;
        let mut after = before.clone();
        after.deleted_at = Some(self.now_string());
        let user_id = self.user.id;
        self.write("annotation.delete", Some(id), None, |tx| {
            store(tx, &after)?;
            record_history(
                tx,
                id,
                &after.recording_id,
                "delete",
                Some(&before),
                None,
                user_id,
            )
        })
    }

    fn check_may_edit(&self, row: &Row) -> Result<(), VaultError> {
        if row.author == self.user.id || self.user.role == crate::model::Role::Instructor {
            Ok(())
        } else {
            Err(VaultError::Forbidden(
                "only its author or an instructor may change an annotation".into(),
            ))
        }
    }

    /// Undoes this user's latest change on a recording; returns the annotation id, if any.
    pub fn undo(&mut self, recording_id: &str) -> Result<Option<String>, VaultError> {
        self.recording(recording_id)?;
        let entry: Option<(i64, String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT id, annotation_id, before FROM annotation_history
                 WHERE recording_id = ?1 AND changed_by = ?2 AND undone = 0 ORDER BY id DESC LIMIT 1",
                params![recording_id, self.user.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((history_id, annotation_id, before)) = entry else {
            return Ok(None);
        };
        let target = unsnapshot(before)?;
        let now = self.now_string();
        self.write("annotation.undo", Some(&annotation_id), None, |tx| {
            restore(tx, &annotation_id, target.as_ref(), &now)?;
            tx.execute(
                "UPDATE annotation_history SET undone = 1 WHERE id = ?1",
                [history_id],
            )?;
            Ok(())
        })?;
        Ok(Some(annotation_id))
    }

    /// Redoes this user's most recently undone change on a recording.
    pub fn redo(&mut self, recording_id: &str) -> Result<Option<String>, VaultError> {
        self.recording(recording_id)?;
        let entry: Option<(i64, String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT id, annotation_id, after FROM annotation_history
                 WHERE recording_id = ?1 AND changed_by = ?2 AND undone = 1 ORDER BY id ASC LIMIT 1",
                params![recording_id, self.user.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((history_id, annotation_id, after)) = entry else {
            return Ok(None);
        };
        let target = unsnapshot(after)?;
        let now = self.now_string();
        self.write("annotation.redo", Some(&annotation_id), None, |tx| {
            restore(tx, &annotation_id, target.as_ref(), &now)?;
            tx.execute(
                "UPDATE annotation_history SET undone = 0 WHERE id = ?1",
                [history_id],
            )?;
            Ok(())
        })?;
        Ok(Some(annotation_id))
    }

    /// Who changed an annotation, how and when (oldest first): (action, user, at).
    pub fn annotation_history(
        &self,
        id: &str,
    ) -> Result<Vec<(String, String, String)>, VaultError> {
        let row = load(&self.conn, id)?.ok_or_else(|| VaultError::NotFound {
            what: "annotation",
            id: id.to_owned(),
        })?;
        self.recording(&row.recording_id)?;
        let mut stmt = self.conn.prepare(
            "SELECT h.action, COALESCE(u.name, '(recovery)'), h.changed_at FROM annotation_history h
             LEFT JOIN users u ON u.id = h.changed_by WHERE h.annotation_id = ?1 AND h.undone = 0 ORDER BY h.id",
        )?;
        let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Puts an annotation back to `target` (`None`: it did not exist, so delete it).
fn restore(conn: &Connection, id: &str, target: Option<&Row>, now: &str) -> Result<(), VaultError> {
    match target {
        Some(row) => store(conn, row),
        None => {
            conn.execute(
                "UPDATE annotations SET deleted_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        }
    }
}

fn record_history(
    conn: &Connection,
    annotation_id: &str,
    recording_id: &str,
    action: &str,
    before: Option<&Row>,
    after: Option<&Row>,
    user: i64,
) -> Result<(), VaultError> {
    // A new change makes what was undone no longer redoable.
    conn.execute("UPDATE annotation_history SET undone = 2 WHERE recording_id = ?1 AND changed_by = ?2 AND undone = 1", params![recording_id, user])?;
    conn.execute(
        "INSERT INTO annotation_history (annotation_id, recording_id, action, before, after, changed_by, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![annotation_id, recording_id, action, snapshot(before)?, snapshot(after)?, user, super::now_rfc3339()],
    )?;
    Ok(())
}
