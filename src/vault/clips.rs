//! De-identified clips: the consent gate before export, and the record after.
//!
//! A clip leaves the vault as plaintext (that is its purpose), so it is cut
//! only when the consent ledger permits plenary use, only by an instructor,
//! and only after the reviewer confirmed the redaction. The clip row keeps
//! the settings, the output's SHA-256 and the confirmation; the audit entry
//! says the same. If the record cannot be written, the clip file is removed:
//! no unaudited export survives.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use rusqlite::{OptionalExtension, params};

use super::{Vault, VaultError, media_store};
use crate::export::{self, ClipSettings, ExportReport, Progress};
use crate::media::{MediaInfo, MediaSource};

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
    /// The settings it was made with.
    pub settings: ClipSettings,
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
        let identity = self.recording_identity(recording_id)?;
        let path = media_store::media_path(&self.dir, recording_id);
        let label = format!("recording {}", crate::model::redacted(recording_id));
        let info = self.media_info(recording_id)?;
        Ok((
            MediaSource::reader(label, media_store::reader_factory(path, identity)),
            info,
        ))
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

    /// Cuts a de-identified clip of `recording_id` to `out` and records it.
    ///
    /// `reviewed` is the reviewer's "I reviewed the redaction" (the app asks
    /// for it before exporting; the command line has no preview and records
    /// `reviewed=no`). Either way it is stored and audited.
    pub fn export_clip(
        &mut self,
        recording_id: &str,
        out: &Path,
        settings: &ClipSettings,
        reviewed: bool,
        progress: &mut dyn FnMut(Progress),
        cancel: &AtomicBool,
    ) -> Result<(String, ExportReport), VaultError> {
        let (source, info) = self.source_for_clip(recording_id)?;
        self.note_output(out)?;
        let exported = export::export_clip(&source, &info, out, settings, progress, cancel);
        self.forget_output(out);
        let report = exported?;
        match self.record_clip(recording_id, settings, &report, reviewed) {
            Ok(id) => Ok((id, report)),
            Err(err) => {
                let _ = std::fs::remove_file(out);
                Err(err)
            }
        }
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
            let partial = export::partial_path(Path::new(&path));
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

    /// Records a clip made from the source [`Vault::source_for_clip`] gave
    /// (for callers that run the export on another thread, like the app).
    pub fn record_clip(
        &mut self,
        recording_id: &str,
        settings: &ClipSettings,
        report: &ExportReport,
        reviewed: bool,
    ) -> Result<String, VaultError> {
        let id = uuid::Uuid::new_v4().to_string();
        let settings_json =
            serde_json::to_string(settings).map_err(|e| VaultError::Invalid(e.to_string()))?;
        let out_path = std::path::absolute(&report.out)
            .unwrap_or_else(|_| report.out.clone())
            .display()
            .to_string();
        let created_at = self.now_string();
        let user = self.user.id;
        let detail = format!(
            "clip={id} frames={}..{} faces={} cover={} regions={} audio={} reviewed={} sha256={} settings={settings_json}",
            settings.from,
            settings.to,
            if settings.detect_faces {
                "redact"
            } else {
                "none"
            },
            settings.cover.as_str(),
            settings.regions.regions.len(),
            settings.audio.as_str(),
            if reviewed { "yes" } else { "no" },
            report.sha256,
        );
        self.write("clip.export", Some(recording_id), Some(&detail), |tx| {
            tx.execute(
                "INSERT INTO clips (id, recording_id, from_frame, to_frame, settings, out_path, sha256, size, reviewed, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    id,
                    recording_id,
                    settings.from as i64,
                    settings.to as i64,
                    settings_json,
                    out_path,
                    report.sha256,
                    report.bytes as i64,
                    reviewed,
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

type ClipRow = Result<Clip, VaultError>;

fn clip_row(r: &rusqlite::Row) -> rusqlite::Result<ClipRow> {
    let settings: String = r.get(4)?;
    let clip = Clip {
        id: r.get(0)?,
        recording_id: r.get(1)?,
        from_frame: r.get::<_, i64>(2)? as u64,
        to_frame: r.get::<_, i64>(3)? as u64,
        settings: ClipSettings::new(0, 0),
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
