//! A recording's camera views in the vault: adding one, every view's mapping
//! onto the reference with the history of each change, and finding a mapping
//! by sound.
//!
//! A view other than the reference is a row of `recordings` with `view_of`
//! set: its own media file, key and frame table, so opening, verifying and
//! crypto-shredding it are what they are for any recording; consent and
//! retention are the recording's (shredding the recording shreds every view).

use std::path::Path;
use std::sync::Arc;

use rusqlite::params;

use super::recordings::{ImportOptions, Imported};
use super::{Vault, VaultError};
use crate::media::reader::mono_samples;
use crate::media::{MediaInfo, MediaSource};
use crate::model::redacted;
use crate::views::audio::{self, AudioSync, AudioSyncError};
use crate::views::{Mapping, SyncSource, View};

/// At most this many views per recording, the reference included.
pub const MAX_VIEWS: usize = 4;

/// Sound is compared at this rate (mono): enough for a match within a
/// fraction of a millisecond, small enough for an hour in memory (115 MB).
const SYNC_RATE: u32 = 8000;

/// How far apart two views may have started for sync by sound to find them.
pub const AUDIO_MAX_LAG_S: f64 = 30.0;

/// One change of a view's mapping, as kept in its history.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncChange {
    /// The mapping set.
    pub mapping: Mapping,
    /// What set it.
    pub source: SyncSource,
    /// How sure that was.
    pub score: Option<f64>,
    /// When (RFC 3339).
    pub set_at: String,
}

impl Vault {
    /// Adds `file` as another camera view of `recording_id` (instructors):
    /// encrypted to a key of its own, with its own frame table, not yet in
    /// step with the reference (set its mapping with [`Vault::set_view_mapping`]
    /// or [`Vault::sync_view_by_audio`]).
    pub fn add_view(
        &mut self,
        recording_id: &str,
        file: &Path,
        camera: &str,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<Imported, VaultError> {
        self.require_instructor("add camera views")?;
        let rec = self.live_reference(recording_id)?;
        let camera = camera.trim();
        if camera.is_empty() {
            return Err(VaultError::Invalid(
                "name the camera (--camera LABEL, e.g. overhead, team, monitor)".into(),
            ));
        }
        let views = self.views(recording_id)?;
        if views.len() >= MAX_VIEWS {
            return Err(VaultError::Invalid(format!(
                "recording {} already has {MAX_VIEWS} camera views, the most one recording holds",
                redacted(recording_id)
            )));
        }
        if views.iter().any(|v| {
            v.camera
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(camera))
        }) {
            return Err(VaultError::Invalid(format!(
                "recording {} already has a view called '{camera}': give this camera another label",
                redacted(recording_id)
            )));
        }
        let options = ImportOptions {
            purpose: rec.purpose,
            camera: Some(camera.to_owned()),
            offset_ns: 0,
        };
        self.import_media(&rec.case_id, file, options, Some(recording_id), progress)
    }

    /// The views of a recording, the reference first, then in the order they
    /// were added.
    pub fn views(&self, recording_id: &str) -> Result<Vec<View>, VaultError> {
        let rec = self.recording(recording_id)?;
        if let Some(parent) = &rec.view_of {
            return Err(VaultError::Invalid(format!(
                "{} is a camera view of recording {}: name the recording",
                redacted(recording_id),
                redacted(parent)
            )));
        }
        let mut stmt = self.conn.prepare(
            "SELECT id, camera, view_of IS NULL, sync_offset_ns, drift_ppm, sync_source, sync_score, frames,
                    duration_ns
             FROM recordings WHERE id = ?1 OR view_of = ?1
             ORDER BY view_of IS NOT NULL, rowid",
        )?;
        let rows = stmt.query_map([recording_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, f64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<f64>>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                view_id,
                camera,
                reference,
                offset_ns,
                drift_ppm,
                source,
                score,
                frames,
                duration_ns,
            ) = row?;
            out.push(View {
                view_id,
                camera,
                reference,
                mapping: Mapping {
                    offset_ns,
                    drift_ppm,
                },
                source: source.parse().map_err(VaultError::Integrity)?,
                score,
                frames: frames as u64,
                duration_ns,
            });
        }
        Ok(out)
    }

    /// One view of a recording (`view_id` may be the recording's own id, its
    /// reference view, or a view's camera label).
    pub fn view(&self, recording_id: &str, view: &str) -> Result<View, VaultError> {
        let views = self.views(recording_id)?;
        let found = views.iter().find(|v| v.view_id == view).or_else(|| {
            views.iter().find(|v| {
                v.camera
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(view))
            })
        });
        found.cloned().ok_or_else(|| {
            let names: Vec<String> = views
                .iter()
                .map(|v| v.camera.clone().unwrap_or_else(|| redacted(&v.view_id)))
                .collect();
            VaultError::Invalid(format!(
                "recording {} has no view '{view}'; its views: {}",
                redacted(recording_id),
                names.join(", ")
            ))
        })
    }

    /// Sets a view's mapping (instructors), keeping the one it replaces in
    /// the view's history and the audit log. The reference's time is the
    /// recording's and cannot be moved; annotations never move.
    pub fn set_view_mapping(
        &mut self,
        view_id: &str,
        mapping: Mapping,
        source: SyncSource,
        score: Option<f64>,
    ) -> Result<(), VaultError> {
        self.require_instructor("change how camera views are synchronised")?;
        let rec = self.live_recording(view_id)?;
        if rec.view_of.is_none() {
            return Err(VaultError::Invalid(
                "the reference view sets the recording's time: move the other views instead".into(),
            ));
        }
        if !mapping.drift_ppm.is_finite() || mapping.drift_ppm.abs() > 10_000.0 {
            return Err(VaultError::Invalid(format!(
                "a drift of {} ppm is not a camera clock's: expect tens to a few hundred",
                mapping.drift_ppm
            )));
        }
        if matches!(source, SyncSource::Reference | SyncSource::Unsynced) {
            return Err(VaultError::Invalid(format!(
                "'{}' is not something that sets a mapping",
                source.as_str()
            )));
        }
        let (now, user_id) = (self.now_string(), self.user.id);
        let detail = format!(
            "offset_ns={} ppm={:.3} source={}{}",
            mapping.offset_ns,
            mapping.drift_ppm,
            source.as_str(),
            score.map(|s| format!(" score={s:.3}")).unwrap_or_default()
        );
        self.write("view.sync", Some(view_id), Some(&detail), |tx| {
            tx.execute(
                "UPDATE recordings SET sync_offset_ns = ?2, drift_ppm = ?3, sync_source = ?4, sync_score = ?5
                 WHERE id = ?1",
                params![view_id, mapping.offset_ns, mapping.drift_ppm, source.as_str(), score],
            )?;
            tx.execute(
                "INSERT INTO view_sync_history (view_id, offset_ns, drift_ppm, source, score, set_by, set_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    view_id,
                    mapping.offset_ns,
                    mapping.drift_ppm,
                    source.as_str(),
                    score,
                    (user_id > 0).then_some(user_id),
                    now
                ],
            )?;
            Ok(())
        })
    }

    /// Every mapping a view has had, oldest first: what set it and when.
    pub fn view_sync_history(&self, view_id: &str) -> Result<Vec<SyncChange>, VaultError> {
        self.recording(view_id)?;
        let mut stmt = self.conn.prepare(
            "SELECT offset_ns, drift_ppm, source, score, set_at FROM view_sync_history
             WHERE view_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([view_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<f64>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (offset_ns, drift_ppm, source, score, at) = row?;
            out.push(SyncChange {
                mapping: Mapping {
                    offset_ns,
                    drift_ppm,
                },
                source: source.parse().map_err(VaultError::Integrity)?,
                score,
                set_at: at,
            });
        }
        Ok(out)
    }

    /// Opens every view of a recording for viewing (as [`Vault::open_media`]
    /// does each: consent, checksum when `verify`, audited), the reference first.
    pub fn open_views(
        &mut self,
        recording_id: &str,
        verify: bool,
    ) -> Result<Vec<(View, MediaSource, Arc<MediaInfo>)>, VaultError> {
        let views = self.views(recording_id)?;
        let mut out = Vec::with_capacity(views.len());
        for view in views {
            let (source, info) = self.open_media(&view.view_id, verify)?;
            out.push((view, source, info));
        }
        Ok(out)
    }

    /// Finds a view's mapping by its sound (it is not stored: the caller
    /// shows it, asks when its score is low, and sets it). Both views'
    /// consent must allow viewing; reading them is audited as a view.
    /// `progress(done, total)` counts the two decodes in ns of media.
    pub fn sync_view_by_audio(
        &mut self,
        view_id: &str,
        progress: &mut dyn FnMut(i64, i64) -> bool,
    ) -> Result<AudioSync, VaultError> {
        let rec = self.live_recording(view_id)?;
        let Some(parent) = rec.view_of.clone() else {
            return Err(VaultError::Invalid(
                "the reference view is what the others are synchronised to".into(),
            ));
        };
        let no_audio =
            |which: &'static str| VaultError::Invalid(AudioSyncError::NoAudio(which).to_string());
        let reference_info = self.media_info(&parent)?;
        if reference_info.audio_codec.is_none() {
            return Err(no_audio("reference"));
        }
        if self.media_info(view_id)?.audio_codec.is_none() {
            return Err(no_audio("view"));
        }
        let total = reference_info.duration_ns + rec.duration_ns;
        let mut done = 0;
        let mut sound = |vault: &mut Self, id: &str| -> Result<Vec<f32>, VaultError> {
            let (source, info) = vault.open_media(id, true)?;
            let samples = mono_samples(&source, info.duration_ns, SYNC_RATE, &mut |at, _| {
                progress(done + at, total)
            })?;
            done += info.duration_ns;
            Ok(samples)
        };
        let reference = sound(self, &parent)?;
        let view = sound(self, view_id)?;
        audio::sync(&reference, &view, SYNC_RATE, 8, 1.5, AUDIO_MAX_LAG_S)
            .map_err(|e| VaultError::Invalid(e.to_string()))
    }
}
