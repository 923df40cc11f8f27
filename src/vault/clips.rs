//! De-identified clips in the vault: the consent gate before an export, the
//! record after it, and the outputs being written.
//!
//! A clip leaves the vault as plaintext (that is its purpose), so it is cut
//! only when the consent ledger permits plenary use, only by an instructor,
//! and only from a recording whose checksum matches. The export itself and
//! what a clip's settings mean are the plenary layer's (`crate::plenary`);
//! here a clip row keeps the settings as JSON, the output's SHA-256 and the
//! reviewer's confirmation, and its audit entry says the same.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};

use super::{Vault, VaultError};
use crate::media::{MediaInfo, MediaSource};
use crate::views::View;

/// One exported clip, as recorded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Clip {
    /// Clip id.
    pub id: String,
    /// The recording it was cut from.
    pub recording_id: String,
    /// First frame.
    pub from_frame: u64,
    /// Last frame (inclusive).
    pub to_frame: u64,
    /// The settings it was made with (`plenary::settings_of` reads them).
    pub settings: serde_json::Value,
    /// Where it was written.
    pub out_path: String,
    /// SHA-256 of the file when written.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The reviewer confirmed the redaction.
    pub reviewed: bool,
    /// When (RFC 3339).
    pub created_at: String,
}

impl Vault {
    /// Checks that `recording_id` may be cut into a plenary clip now (role,
    /// consent ledger, media integrity) and returns its decrypting source.
    pub fn source_for_clip(
        &mut self,
        recording_id: &str,
    ) -> Result<(MediaSource, MediaInfo), VaultError> {
        self.require_instructor("export de-identified clips")?;
        self.live_recording(recording_id)?;
        self.check_plenary(recording_id)?;
        self.verify_media(recording_id)?;
        Ok((
            self.decrypting_source(recording_id)?,
            self.media_info(recording_id)?,
        ))
    }

    /// [`Vault::source_for_clip`] for every camera view of the recording,
    /// the reference first: the same checks, and each view's media verified.
    pub fn view_sources_for_clip(
        &mut self,
        recording_id: &str,
    ) -> Result<Vec<(View, MediaSource, MediaInfo)>, VaultError> {
        self.source_for_clip(recording_id)?;
        let mut out = Vec::new();
        for view in self.views(recording_id)? {
            self.verify_media(&view.view_id)?;
            let source = self.decrypting_source(&view.view_id)?;
            let info = self.media_info(&view.view_id)?;
            out.push((view, source, info));
        }
        Ok(out)
    }

    /// Fails with the participants and stages missing when plenary use is not permitted.
    pub fn check_plenary(&self, recording_id: &str) -> Result<(), VaultError> {
        let permissions = self.permissions(recording_id)?;
        if permissions.plenary {
            return Ok(());
        }
        let missing = permissions
            .missing_for_plenary
            .iter()
            .map(|m| format!("{} ({}: {})", m.participant, m.stage, m.reason))
            .collect::<Vec<_>>()
            .join(", ");
        Err(VaultError::Consent(format!(
            "plenary use of recording {} needs consent from: {missing}; record it with `debrief consent set` before exporting",
            crate::model::redacted(recording_id)
        )))
    }

    /// Notes that a clip is being written to `out` (its `.partial` file), so a
    /// start after this process was killed finds and removes what it left.
    pub fn note_output(&mut self, out: &Path) -> Result<(), VaultError> {
        let path = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
        self.conn.execute(
            "INSERT OR REPLACE INTO pending_outputs (path, started_at) VALUES (?1, ?2)",
            rusqlite::params![path.display().to_string(), self.now_string()],
        )?;
        Ok(())
    }

    /// The clip being written to `out` finished (or failed and cleaned up).
    pub fn forget_output(&mut self, out: &Path) {
        let path = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
        let _ = self.conn.execute(
            "DELETE FROM pending_outputs WHERE path = ?1",
            [path.display().to_string()],
        );
    }

    /// Removes what killed writers left: the `.partial` files of exports noted
    /// in `pending_outputs` and of imports in `media/`, each only when no live
    /// process holds it (see `crate::files`). Audited; returns how many.
    pub(crate) fn sweep_partials(&mut self) -> Result<usize, VaultError> {
        let mut stmt = self.conn.prepare("SELECT path FROM pending_outputs")?;
        let pending: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let mut removed = 0usize;
        for path in pending {
            let partial = crate::files::partial_path(Path::new(&path));
            if partial.exists() && !crate::files::is_orphan(&partial) {
                continue; // another copy of Debrief is still writing it
            }
            if partial.exists() && std::fs::remove_file(&partial).is_ok() {
                removed += 1;
                self.write("export.partial.removed", None, None, |_| Ok(()))?;
            }
            self.conn
                .execute("DELETE FROM pending_outputs WHERE path = ?1", [&path])?;
        }
        let media = self.dir.join("media");
        let leftovers: Vec<std::path::PathBuf> = std::fs::read_dir(&media)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "partial"))
                    .collect()
            })
            .unwrap_or_default();
        for partial in leftovers {
            if crate::files::is_orphan(&partial) && std::fs::remove_file(&partial).is_ok() {
                removed += 1;
                self.write("import.partial.removed", None, None, |_| Ok(()))?;
            }
        }
        Ok(removed)
    }

    /// Records an exported clip (the plenary layer's job, once the file is
    /// written): the row and its `clip.export` audit entry commit together.
    pub(crate) fn record_clip(&mut self, clip: &NewClip) -> Result<String, VaultError> {
        let id = uuid::Uuid::new_v4().to_string();
        let out_path = std::path::absolute(&clip.out)
            .unwrap_or_else(|_| clip.out.clone())
            .display()
            .to_string();
        let created_at = self.now_string();
        let user = self.user.id;
        let detail = format!(
            "clip={id} frames={}..{} {} reviewed={} sha256={} settings={}",
            clip.from,
            clip.to,
            clip.summary,
            if clip.reviewed { "yes" } else { "no" },
            clip.sha256,
            clip.settings,
        );
        let recording_id = clip.recording_id.as_str();
        self.write("clip.export", Some(recording_id), Some(&detail), |tx| {
            tx.execute(
                "INSERT INTO clips (id, recording_id, from_frame, to_frame, settings, out_path, sha256, size, reviewed, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    id,
                    recording_id,
                    clip.from as i64,
                    clip.to as i64,
                    clip.settings.to_string(),
                    out_path,
                    clip.sha256,
                    clip.bytes as i64,
                    clip.reviewed,
                    created_at,
                    user
                ],
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// One clip.
    pub fn clip(&self, id: &str) -> Result<Clip, VaultError> {
        self.conn
            .query_row(
                "SELECT id, recording_id, from_frame, to_frame, settings, out_path, sha256, size, reviewed, created_at
                 FROM clips WHERE id = ?1",
                [id],
                clip_row,
            )
            .optional()?
            .ok_or_else(|| VaultError::NotFound {
                what: "clip",
                id: id.to_owned(),
            })?
    }

    /// The clips cut from a recording, oldest first.
    pub fn clips(&self, recording_id: &str) -> Result<Vec<Clip>, VaultError> {
        self.select_clips("WHERE recording_id = ?1", &[&recording_id])
    }

    /// Every clip in the vault, oldest first (instructors: the material for
    /// plenary packages).
    pub fn all_clips(&self) -> Result<Vec<Clip>, VaultError> {
        self.require_instructor("list the vault's clips")?;
        self.select_clips("", &[])
    }

    fn select_clips(
        &self,
        filter: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Clip>, VaultError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT id, recording_id, from_frame, to_frame, settings, out_path, sha256, size, reviewed, created_at
             FROM clips {filter} ORDER BY created_at, rowid"
        ))?;
        let rows = stmt.query_map(params, clip_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }
}

/// A clip to record: what the plenary layer knows once the file is written.
pub(crate) struct NewClip {
    /// The recording it was cut from.
    pub recording_id: String,
    /// First and last frame.
    pub from: u64,
    /// Last frame (inclusive).
    pub to: u64,
    /// The settings, as stored.
    pub settings: serde_json::Value,
    /// What the audit entry says of them (faces, cover, regions, audio).
    pub summary: String,
    /// The file written.
    pub out: PathBuf,
    /// Its SHA-256.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
    /// The reviewer confirmed the redaction.
    pub reviewed: bool,
}

type ClipRow = Result<Clip, VaultError>;

fn clip_row(r: &rusqlite::Row) -> rusqlite::Result<ClipRow> {
    let settings: String = r.get(4)?;
    let clip = Clip {
        id: r.get(0)?,
        recording_id: r.get(1)?,
        from_frame: r.get::<_, i64>(2)? as u64,
        to_frame: r.get::<_, i64>(3)? as u64,
        settings: serde_json::Value::Null,
        out_path: r.get(5)?,
        sha256: r.get(6)?,
        size: r.get::<_, i64>(7)? as u64,
        reviewed: r.get(8)?,
        created_at: r.get(9)?,
    };
    Ok(serde_json::from_str(&settings)
        .map(|settings| Clip { settings, ..clip })
        .map_err(|_| VaultError::Integrity("a stored clip's settings are damaged".into())))
}
