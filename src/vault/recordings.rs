//! Recordings: import, playback access, crypto-shredding and retention.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{OptionalExtension, params};

use super::media_store::{self, media_path};
use super::{Vault, VaultError};
use crate::media::{self, FrameTable, MediaInfo, MediaSource};
use crate::model::{Purpose, Recording, Role};
use crate::time::FrameRate;

/// How to import a recording.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Why it was made (decides the consent each use needs).
    pub purpose: Purpose,
    /// Camera label.
    pub camera: Option<String>,
    /// Offset (ns) from the case's first recording.
    pub offset_ns: i64,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            purpose: Purpose::QualityImprovement,
            camera: None,
            offset_ns: 0,
        }
    }
}

/// What an import produced.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    /// The recording: the new one, or the one a new camera view was added to.
    pub recording_id: String,
    /// The new camera view's id, when a view was added to a recording.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view_id: Option<String>,
    /// Video frames.
    pub frames: u64,
}

const RECORDING_COLUMNS: &str = "id, case_id, purpose, camera, offset_ns, frames, fps_num, fps_den, duration_ns, width, height, imported_at, shredded_at, shred_reason, view_of, consent_deadline";

fn recording_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Recording, String)> {
    let purpose: String = r.get(2)?;
    let shredded_at: Option<String> = r.get(12)?;
    let reason: Option<String> = r.get(13)?;
    Ok((
        Recording {
            id: r.get(0)?,
            case_id: r.get(1)?,
            purpose: Purpose::QualityImprovement,
            camera: r.get(3)?,
            offset_ns: r.get(4)?,
            frames: r.get::<_, i64>(5)? as u64,
            fps_num: r.get(6)?,
            fps_den: r.get(7)?,
            duration_ns: r.get(8)?,
            width: r.get(9)?,
            height: r.get(10)?,
            imported_at: r.get(11)?,
            shredded: shredded_at.map(|at| (at, reason.unwrap_or_default())),
            view_of: r.get(14)?,
            consent_deadline: r.get(15)?,
        },
        purpose,
    ))
}

/// One row of `recordings`: an imported file or a sealed capture's view.
pub(super) struct NewRecordingRow<'a> {
    pub id: &'a str,
    pub case_id: &'a str,
    pub purpose: &'a str,
    pub camera: Option<&'a str>,
    pub offset_ns: i64,
    pub sha256: &'a str,
    pub size: u64,
    pub info: &'a MediaInfo,
    pub imported_at: &'a str,
    pub imported_by: Option<i64>,
    pub source_sha256: &'a str,
    pub view_of: Option<&'a str>,
    pub sync_source: &'a str,
    pub sync_offset_ns: i64,
    pub consent_deadline: Option<&'a str>,
}

/// Inserts a recording's row with its probe results (inside the caller's audited write).
pub(super) fn insert_recording(
    tx: &rusqlite::Connection,
    row: &NewRecordingRow<'_>,
) -> rusqlite::Result<()> {
    let info = row.info;
    tx.execute(
        "INSERT INTO recordings (id, case_id, purpose, camera, offset_ns, sha256, size, frames, fps_num, fps_den, vfr,
         duration_ns, width, height, video_codec, audio_codec, container, frame_table, imported_at, imported_by,
         orientation, source_sha256, frame_order, view_of, sync_source, sync_offset_ns, consent_deadline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
        params![
            row.id,
            row.case_id,
            row.purpose,
            row.camera,
            row.offset_ns,
            row.sha256,
            row.size as i64,
            info.frames() as i64,
            info.rate.num,
            info.rate.den,
            info.vfr,
            info.duration_ns,
            info.width,
            info.height,
            info.video_codec,
            info.audio_codec,
            info.container,
            info.table.to_bytes(),
            row.imported_at,
            row.imported_by,
            info.orientation.as_str(),
            row.source_sha256,
            info.frame_order.as_str(),
            row.view_of,
            row.sync_source,
            row.sync_offset_ns,
            row.consent_deadline,
        ],
    )?;
    Ok(())
}

impl Vault {
    /// Imports `file` into a case (instructors): probes it, encrypts it into
    /// `media/<id>.age` to a new key of its own, and records its frame table.
    /// `progress(done, total)` gets byte counts; returning false cancels.
    /// The source file is only read.
    pub fn import(
        &mut self,
        case_id: &str,
        file: &Path,
        options: ImportOptions,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<Imported, VaultError> {
        self.import_media(case_id, file, options, None, progress)
    }

    /// [`Vault::import`], or with `view_of` a camera view of that recording
    /// (the caller has checked the recording takes another view).
    pub(super) fn import_media(
        &mut self,
        case_id: &str,
        file: &Path,
        options: ImportOptions,
        view_of: Option<&str>,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<Imported, VaultError> {
        self.require_instructor("import recordings")?;
        self.check_case_visible(case_id)?;
        let source = MediaSource::file(file);
        source.check()?;
        let id = uuid::Uuid::new_v4().to_string();
        let dest = media_path(&self.dir, &id);
        let identity = age::x25519::Identity::generate();
        // Probe (demux) and encrypt (read, encrypt, hash) in parallel: both read the whole file.
        let probe = std::thread::scope(|scope| {
            let probe = scope.spawn(|| media::probe(&source));
            let encrypted = media_store::encrypt_file(file, &dest, &identity.to_public(), progress);
            let probed = probe.join().unwrap_or_else(|_| {
                Err(media::MediaError::Pipeline(
                    "the probe thread failed".into(),
                ))
            });
            (probed, encrypted)
        });
        let (
            info,
            media_store::Encrypted {
                sha256,
                size,
                source_sha256,
            },
        ) = match probe {
            (Ok(info), Ok(enc)) => (info, enc),
            (probed, encrypted) => {
                let _ = std::fs::remove_file(&dest);
                return Err(match (probed, encrypted) {
                    (Err(e), _) => VaultError::Media(e),
                    (_, Err(e)) => e,
                    _ => VaultError::Invalid("import failed".into()),
                });
            }
        };
        // The same file again (a retry whose first report was lost, or a slip):
        // refuse rather than keep two copies under two ids.
        let existing: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM recordings WHERE case_id = ?1 AND source_sha256 = ?2 AND shredded_at IS NULL",
                params![case_id, source_sha256],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(existing) = existing {
            let _ = std::fs::remove_file(&dest);
            return Err(VaultError::AlreadyImported(existing));
        }
        let secret = {
            use age::secrecy::ExposeSecret as _;
            zeroize::Zeroizing::new(identity.to_string().expose_secret().to_owned())
        };
        let (now, user_id) = (self.now_string(), self.user.id);
        let mut detail = format!(
            "frames={} bytes={size} purpose={}",
            info.frames(),
            options.purpose
        );
        if let Some(parent) = view_of {
            detail.push_str(&format!(" view_of={parent}"));
        }
        let result = self.write("recording.import", Some(&id), Some(&detail), |tx| {
            insert_recording(
                tx,
                &NewRecordingRow {
                    id: &id,
                    case_id,
                    purpose: options.purpose.as_str(),
                    camera: options.camera.as_deref(),
                    offset_ns: options.offset_ns,
                    sha256: &sha256,
                    size,
                    info: &info,
                    imported_at: &now,
                    imported_by: (user_id > 0).then_some(user_id),
                    source_sha256: &source_sha256,
                    view_of,
                    sync_source: if view_of.is_some() {
                        "unsynced"
                    } else {
                        "reference"
                    },
                    sync_offset_ns: 0,
                    consent_deadline: None,
                },
            )?;
            tx.execute(
                "INSERT INTO recording_keys (recording_id, identity) VALUES (?1, ?2)",
                params![id, secret.as_str()],
            )?;
            Ok(())
        });
        if let Err(err) = result {
            let _ = std::fs::remove_file(&dest);
            return Err(err);
        }
        Ok(match view_of {
            Some(parent) => Imported {
                recording_id: parent.to_owned(),
                view_id: Some(id),
                frames: info.frames(),
            },
            None => Imported {
                recording_id: id,
                view_id: None,
                frames: info.frames(),
            },
        })
    }

    /// The recordings of a case (shredded ones included, marked), if visible;
    /// a recording's other camera views are not listed here ([`Vault::views`]).
    pub fn recordings(&self, case_id: &str) -> Result<Vec<Recording>, VaultError> {
        self.check_case_visible(case_id)?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {RECORDING_COLUMNS} FROM recordings WHERE case_id = ?1 AND view_of IS NULL ORDER BY imported_at, id"
        ))?;
        let rows = stmt.query_map([case_id], recording_from_row)?;
        let mut out = Vec::new();
        for row in rows {
            let (mut rec, purpose) = row?;
            rec.purpose = purpose.parse().map_err(VaultError::Invalid)?;
            out.push(rec);
        }
        Ok(out)
    }

    /// One recording (or one camera view of a recording: its `view_of` says
    /// which), if its case is visible.
    pub fn recording(&self, id: &str) -> Result<Recording, VaultError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {RECORDING_COLUMNS} FROM recordings WHERE id = ?1"),
                [id],
                recording_from_row,
            )
            .optional()?;
        let Some((mut rec, purpose)) = row else {
            return Err(VaultError::NotFound {
                what: "recording",
                id: id.to_owned(),
            });
        };
        self.check_case_visible(&rec.case_id)
            .map_err(|_| VaultError::NotFound {
                what: "recording",
                id: id.to_owned(),
            })?;
        rec.purpose = purpose.parse().map_err(VaultError::Invalid)?;
        Ok(rec)
    }

    /// A recording that still has its media: a shredded one is an error naming
    /// when and why it was deleted.
    pub(crate) fn live_recording(&self, id: &str) -> Result<Recording, VaultError> {
        let rec = self.recording(id)?;
        if let Some((at, reason)) = rec.shredded {
            return Err(VaultError::Shredded {
                id: id.to_owned(),
                at,
                reason,
            });
        }
        Ok(rec)
    }

    /// A live recording that is not a camera view of another: annotations and
    /// clips belong to the recording, whose frames are its reference view's.
    pub(crate) fn live_reference(&self, id: &str) -> Result<Recording, VaultError> {
        let rec = self.live_recording(id)?;
        if let Some(parent) = &rec.view_of {
            return Err(VaultError::Invalid(format!(
                "{} is a camera view of recording {}: annotations and clips belong to the \
                 recording (name it instead; clips of one view take --view)",
                crate::model::redacted(id),
                crate::model::redacted(parent)
            )));
        }
        Ok(rec)
    }

    /// The probe results stored at import, frame table included.
    pub fn media_info(&self, id: &str) -> Result<MediaInfo, VaultError> {
        self.recording(id)?;
        let row = self.conn.query_row(
            "SELECT frame_table, fps_num, fps_den, vfr, duration_ns, width, height, video_codec, audio_codec, container,
                    orientation, frame_order
             FROM recordings WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, u32>(5)?,
                    r.get::<_, u32>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                    r.get::<_, String>(11)?,
                ))
            },
        )?;
        let (
            table,
            num,
            den,
            vfr,
            duration_ns,
            width,
            height,
            video_codec,
            audio_codec,
            container,
            orientation,
            frame_order,
        ) = row;
        let table = FrameTable::from_bytes(&table)
            .ok_or_else(|| VaultError::Integrity("the stored frame table is damaged".into()))?;
        let rate = FrameRate::new(num, den).map_err(|e| VaultError::Integrity(e.to_string()))?;
        let orientation = orientation.parse().map_err(VaultError::Integrity)?;
        let frame_order = frame_order.parse().map_err(VaultError::Integrity)?;
        Ok(MediaInfo {
            orientation,
            frame_order,
            table,
            rate,
            vfr,
            duration_ns,
            width,
            height,
            video_codec,
            audio_codec,
            container,
        })
    }

    /// Opens a recording for viewing: checks the role and the consent
    /// ledger, checks the ciphertext's SHA-256 when `verify` (a flipped byte
    /// anywhere fails before any frame is shown), audits the view, and
    /// returns a decrypting source for the player.
    pub fn open_media(
        &mut self,
        id: &str,
        verify: bool,
    ) -> Result<(MediaSource, Arc<MediaInfo>), VaultError> {
        self.check_may_view(id)?;
        let source = self.decrypting_source(id)?;
        if verify {
            self.verify_media(id)?;
        }
        let info = Arc::new(self.media_info(id)?);
        self.write("recording.view", Some(id), None, |_| Ok(()))?;
        Ok((source, info))
    }

    /// A source that decrypts recording (or view) `id`'s media as it is read;
    /// no check of role or consent: its callers make those.
    pub(super) fn decrypting_source(&self, id: &str) -> Result<MediaSource, VaultError> {
        let identity = self.recording_identity(id)?;
        let label = format!("recording {}", crate::model::redacted(id));
        let segments = self.segment_paths(id)?;
        let factory = if segments.is_empty() {
            media_store::reader_factory(media_path(&self.dir, id), identity)
        } else {
            // Captured into the vault: consecutive segments of one stream.
            media_store::segments_factory(segments.into_iter().map(|(p, _)| p).collect(), identity)
        };
        Ok(MediaSource::reader(label, factory))
    }

    /// Refuses what [`Vault::open_media`] would refuse (a deleted recording, a role
    /// or consent that does not allow viewing), without reading the media.
    pub fn check_may_view(&self, id: &str) -> Result<(), VaultError> {
        self.live_recording(id)?;
        let permissions = self.permissions(id)?;
        let allowed = match self.user.role {
            Role::Instructor => permissions.instructor_review,
            Role::Provider => permissions.private_review,
        };
        if !allowed {
            let missing = permissions
                .missing_for_instructor_review
                .iter()
                .map(|m| format!("{} ({}: {})", m.participant, m.stage, m.reason))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(VaultError::Consent(format!(
                "review of this recording needs consent from: {missing}; record it with `debrief consent set`"
            )));
        }
        Ok(())
    }

    /// Checks the stored ciphertext against the SHA-256 recorded at import.
    pub fn verify_media(&self, id: &str) -> Result<(), VaultError> {
        self.verify_media_with(id, &mut |_, _| true)
    }

    /// True when recording `id` was verified in this session (until the vault is locked).
    pub fn is_verified(&self, id: &str) -> bool {
        self.verified.lock().is_ok_and(|v| v.contains(id))
    }

    /// [`Vault::verify_media`] with progress: `progress(done, total)` in bytes,
    /// returning false to stop. A recording that matched is remembered for the
    /// rest of the session (every handle of it), so opening it for review, the
    /// redaction preview and the export read the whole file once, not three times.
    pub fn verify_media_with(
        &self,
        id: &str,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<(), VaultError> {
        if self.is_verified(id) {
            return Ok(());
        }
        let expected: String =
            self.conn
                .query_row("SELECT sha256 FROM recordings WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        let segments = self.segment_paths(id)?;
        let files = if segments.is_empty() {
            vec![(media_path(&self.dir, id), expected)]
        } else {
            segments
        };
        // Progress over all files together (a captured recording has several).
        let total: u64 = files
            .iter()
            .map(|(p, _)| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            .sum();
        let mut before = 0u64;
        for (path, expected) in &files {
            if !path.exists() {
                return Err(VaultError::Integrity(format!(
                    "a media file of recording {} is missing",
                    crate::model::redacted(id)
                )));
            }
            let mut part = |done: u64, _| progress(before + done, total);
            if media_store::hash_file(path, &mut part)? != *expected {
                return Err(VaultError::Integrity(format!(
                    "a media file of recording {} does not match its checksum",
                    crate::model::redacted(id)
                )));
            }
            before += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        }
        if let Ok(mut verified) = self.verified.lock() {
            verified.insert(id.to_owned());
        }
        Ok(())
    }

    pub(super) fn recording_identity(&self, id: &str) -> Result<age::x25519::Identity, VaultError> {
        let secret: Option<zeroize::Zeroizing<String>> = self
            .conn
            .query_row(
                "SELECT identity FROM recording_keys WHERE recording_id = ?1",
                [id],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(zeroize::Zeroizing::new);
        let secret = secret.ok_or_else(|| VaultError::NotFound {
            what: "recording key (shredded)",
            id: id.to_owned(),
        })?;
        secret
            .parse()
            .map_err(|_| VaultError::Integrity("a recording key is damaged".into()))
    }

    /// Crypto-shreds a recording now (instructors).
    pub fn delete_recording(&mut self, id: &str, reason: &str) -> Result<(), VaultError> {
        self.require_instructor("delete recordings")?;
        let rec = self.recording(id)?;
        if rec.shredded.is_some() {
            return Err(VaultError::Invalid(format!(
                "recording {} was already deleted",
                crate::model::redacted(id)
            )));
        }
        self.shred(id, reason)
    }

    /// Deletes the keys of the recording, of every camera view of it and of
    /// its device data (nothing can be decrypted any more, whatever copies
    /// exist) in one transaction, checkpoints the WAL so the keys leave it
    /// too, and removes the files.
    pub(crate) fn shred(&mut self, id: &str, reason: &str) -> Result<(), VaultError> {
        let now = self.now_string();
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM recordings WHERE id = ?1 OR view_of = ?1")?;
        let all: Vec<String> = stmt
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let data = self.data_source_ids(id)?;
        self.write("recording.shred", Some(id), Some(reason), |tx| {
            super::data_store::shred_sources(tx, &data, &now)?;
            for one in &all {
                tx.execute("DELETE FROM recording_keys WHERE recording_id = ?1", [one])?;
                tx.execute(
                    "UPDATE recordings SET shredded_at = ?2, shred_reason = ?3 WHERE id = ?1",
                    params![one, now, reason],
                )?;
            }
            Ok(())
        })?;
        self.checkpoint()?;
        for one in all.iter().chain(&data) {
            self.remove_media_files(one);
        }
        tracing::info!(
            recording = crate::model::redacted(id),
            "recording crypto-shredded"
        );
        Ok(())
    }

    /// Shreds what the policy says is due: recordings older than the
    /// retention period and recordings whose consent was refused or withdrawn
    /// under `on_refusal: delete`. Returns the ids shredded.
    pub fn run_retention(&mut self) -> Result<Vec<String>, VaultError> {
        let due_before = self.now() - chrono::Duration::days(i64::from(self.policy.retention_days));
        let mut stmt = self
            .conn
            .prepare("SELECT id, case_id, imported_at FROM recordings WHERE shredded_at IS NULL AND view_of IS NULL")?;
        let live: Vec<(String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let mut shredded = Vec::new();
        for (id, case_id, imported_at) in live {
            let imported = chrono::DateTime::parse_from_rfc3339(&imported_at)
                .map(|t| t.with_timezone(&chrono::Utc));
            let deferred_due = self.deferred_consent_due(&id, &case_id)?;
            let reason = if imported.is_ok_and(|t| t < due_before) {
                Some("retention period over")
            } else if deferred_due.is_some_and(|due| due < self.now().date_naive()) {
                Some("deferred consent not given by its deadline")
            } else if self.consent_must_delete(&id, &case_id)? {
                Some("consent refused or withdrawn")
            } else {
                None
            };
            if let Some(reason) = reason {
                self.shred(&id, reason)?;
                shredded.push(id);
            }
        }
        Ok(shredded)
    }

    /// `must_delete` computed without the visibility check (retention runs for every user).
    fn consent_must_delete(&self, recording_id: &str, case_id: &str) -> Result<bool, VaultError> {
        let purpose: String = self.conn.query_row(
            "SELECT purpose FROM recordings WHERE id = ?1",
            [recording_id],
            |r| r.get(0),
        )?;
        let purpose: Purpose = purpose.parse().map_err(VaultError::Invalid)?;
        let mut stmt = self
            .conn
            .prepare("SELECT id, name FROM participants WHERE case_id = ?1")?;
        let people: Vec<(String, String)> = stmt
            .query_map([case_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let mut stmt = self.conn.prepare(
            "SELECT e.participant_id, e.stage, e.status, e.method FROM consent_events e
             JOIN participants p ON p.id = e.participant_id WHERE p.case_id = ?1 ORDER BY e.id",
        )?;
        let events: Vec<crate::model::consent::ConsentEvent> = stmt
            .query_map([case_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?
            .filter_map(|row| row.ok())
            .filter_map(|(p, stage, status, method)| {
                Some(crate::model::consent::ConsentEvent {
                    participant_id: p,
                    stage: stage.parse().ok()?,
                    status: status.parse().ok()?,
                    method: method.and_then(|m| m.parse().ok()),
                    note: None,
                    recorded_by: String::new(),
                    recorded_at: String::new(),
                })
            })
            .collect();
        Ok(
            crate::model::permissions::permissions(&self.policy, purpose, &people, &events)
                .must_delete,
        )
    }

    /// Days until a recording's retention deletes it (negative: overdue),
    /// or sooner its deferred-consent deadline while consent is still missing.
    pub fn days_until_deletion(&self, recording: &Recording) -> Option<i64> {
        let imported = chrono::DateTime::parse_from_rfc3339(&recording.imported_at)
            .ok()?
            .with_timezone(&chrono::Utc);
        let due = imported + chrono::Duration::days(i64::from(self.policy.retention_days));
        // Round up: a recording due in 29.5 days is "deleted in 30 days".
        let hours = (due - self.now()).num_hours();
        let retention = if hours >= 0 {
            (hours + 23) / 24
        } else {
            hours / 24
        };
        let deferred = self
            .deferred_consent_due(&recording.id, &recording.case_id)
            .ok()
            .flatten()
            .map(|day| (day - self.now().date_naive()).num_days() + 1);
        Some(deferred.map_or(retention, |d| d.min(retention)))
    }

    /// The day by which a recording made under deferred consent is shredded,
    /// while its case still lacks the consent after recording (None once given,
    /// or for a recording made with consent).
    pub fn deferred_consent_due(
        &self,
        id: &str,
        case_id: &str,
    ) -> Result<Option<chrono::NaiveDate>, VaultError> {
        let deadline: Option<String> = self
            .conn
            .query_row(
                "SELECT consent_deadline FROM recordings WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let Some(day) =
            deadline.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        else {
            return Ok(None);
        };
        let missing = self.participants_without(
            case_id,
            &[
                crate::model::ConsentStage::BeforeRecording,
                crate::model::ConsentStage::AfterRecording,
            ],
        )?;
        Ok((!missing.is_empty()).then_some(day))
    }
}
