//! One de-identified clip: granted by the vault, cut on any thread, recorded.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use crate::export::composite::{Arrangement, Tile};
use crate::export::{self, ClipSettings, ClipViews, ExportReport, Progress};
use crate::media::{MediaError, MediaInfo, MediaSource};
use crate::vault::{Clip, NewClip, Vault, VaultError};
use crate::views::View;

/// A clip the vault has granted: the recording's decrypting source, its
/// frame table, the settings and where it goes. `Send`: it runs on any thread.
pub struct ClipJob {
    recording_id: String,
    source: MediaSource,
    info: MediaInfo,
    settings: ClipSettings,
    out: PathBuf,
    /// The camera views shown, when not the reference alone.
    views: Vec<(View, MediaSource, MediaInfo)>,
}

impl ClipJob {
    /// Asks the vault for `recording_id` (instructors, consent for plenary use,
    /// a matching checksum) and notes `out` as being written, so a start after
    /// this process was killed removes what it left.
    pub fn permit(
        vault: &mut Vault,
        recording_id: &str,
        out: &Path,
        settings: &ClipSettings,
    ) -> Result<Self, VaultError> {
        settings.check()?;
        let (source, info, views) = match &settings.views {
            ClipViews::Reference => {
                let (source, info) = vault.source_for_clip(recording_id)?;
                (source, info, Vec::new())
            }
            choice => {
                check_views(vault, recording_id, choice)?;
                let mut views = vault.view_sources_for_clip(recording_id)?;
                let (_, source, info) = views[0].clone();
                if let ClipViews::View(id) = choice {
                    let chosen = vault.view(recording_id, id)?;
                    views.retain(|(v, _, _)| v.view_id == chosen.view_id);
                }
                (source, info, views)
            }
        };
        let mut settings = settings.clone();
        if settings.data_values {
            if !settings.views.is_reference() {
                return Err(VaultError::Invalid(
                    "device data values are burned into clips of the reference view: leave out \
                     --view/--layout, or --data-values"
                        .into(),
                ));
            }
            settings.captions = data_captions(vault, recording_id, &info, &settings)?;
        }
        vault.note_output(out)?;
        Ok(Self {
            recording_id: recording_id.to_owned(),
            source,
            info,
            settings,
            out: out.to_path_buf(),
            views,
        })
    }

    /// The settings the clip is cut with.
    pub fn settings(&self) -> &ClipSettings {
        &self.settings
    }

    /// Cuts the clip (see [`export::export_clip`]).
    pub fn run(
        &self,
        progress: &mut dyn FnMut(Progress),
        cancel: &AtomicBool,
    ) -> Result<ExportReport, MediaError> {
        let arrangement = match self.settings.views {
            ClipViews::Reference => {
                return export::export_clip(
                    &self.source,
                    &self.info,
                    &self.out,
                    &self.settings,
                    progress,
                    cancel,
                );
            }
            ClipViews::View(_) => Arrangement::One,
            ClipViews::SideBySide => Arrangement::SideBySide,
            ClipViews::Grid => Arrangement::Grid,
        };
        let tiles: Vec<Tile> = self
            .views
            .iter()
            .map(|(view, source, info)| Tile {
                source,
                info,
                mapping: view.mapping,
                reference: view.reference,
            })
            .collect();
        export::export_views(
            &self.source,
            &self.info,
            &tiles,
            arrangement,
            &self.out,
            &self.settings,
            progress,
            cancel,
        )
    }

    /// The camera labels of the views the clip shows (empty for the reference alone).
    pub fn cameras(&self) -> Vec<String> {
        self.views.iter().map(|(v, _, _)| camera_label(v)).collect()
    }

    /// Records the finished clip in the vault (row and audit entry together);
    /// if that fails the clip file is removed: no unaudited export survives.
    /// `reviewed` is the reviewer's "I reviewed the redaction" (the app asks
    /// for it; the command line has no preview and records no).
    pub fn record(
        self,
        vault: &mut Vault,
        report: &ExportReport,
        reviewed: bool,
    ) -> Result<String, VaultError> {
        vault.forget_output(&self.out);
        let s = &self.settings;
        let clip = NewClip {
            recording_id: self.recording_id.clone(),
            from: s.from,
            to: s.to,
            settings: serde_json::to_value(s).map_err(|e| VaultError::Invalid(e.to_string()))?,
            summary: format!(
                "faces={} cover={} regions={} audio={}{}",
                if s.detect_faces { "redact" } else { "none" },
                s.cover.as_str(),
                s.regions.regions.len(),
                s.audio.as_str(),
                match &s.views {
                    ClipViews::Reference => String::new(),
                    ClipViews::View(_) => format!(" view={}", self.cameras().join(",")),
                    ClipViews::SideBySide | ClipViews::Grid => format!(
                        " layout={} views={}",
                        if s.views == ClipViews::Grid {
                            "grid"
                        } else {
                            "side-by-side"
                        },
                        self.cameras().join(",")
                    ),
                }
            ),
            out: report.out.clone(),
            sha256: report.sha256.clone(),
            bytes: report.bytes,
            reviewed,
        };
        vault.record_clip(&clip).inspect_err(|_| {
            let _ = std::fs::remove_file(&report.out);
        })
    }

    /// The export failed or was cancelled (its file already removed): the
    /// output is no longer being written.
    pub fn abandon(self, vault: &mut Vault) {
        vault.forget_output(&self.out);
    }
}

/// How a clip's audit entry and manifest name a camera view it shows: its
/// camera label, or "reference" for an unlabelled reference.
pub(super) fn camera_label(view: &View) -> String {
    view.camera.clone().unwrap_or_else(|| "reference".into())
}

/// Refuses camera views a clip of `recording_id` cannot show: a view it
/// does not have, or a composite of a single-camera recording.
pub fn check_views(vault: &Vault, recording_id: &str, views: &ClipViews) -> Result<(), VaultError> {
    match views {
        ClipViews::Reference => Ok(()),
        ClipViews::View(id) => vault.view(recording_id, id).map(|_| ()),
        ClipViews::SideBySide | ClipViews::Grid if vault.views(recording_id)?.len() < 2 => {
            Err(VaultError::Invalid(
                "the recording has one camera view: a composite needs two or more (add one with `debrief import --view-of`), or leave out --layout".into(),
            ))
        }
        ClipViews::SideBySide | ClipViews::Grid => Ok(()),
    }
}

/// The line of device data values to burn into each frame of the clip
/// (the values are not identifying; the export summary says they are there).
fn data_captions(
    vault: &Vault,
    recording_id: &str,
    info: &MediaInfo,
    settings: &ClipSettings,
) -> Result<Vec<String>, VaultError> {
    let data = vault.recording_data(recording_id)?;
    if data.is_empty() {
        return Err(VaultError::Invalid(
            "this recording has no device data to show: import some with `debrief data import`, \
             or leave out --data-values"
                .into(),
        ));
    }
    let sources: Vec<_> = data.iter().map(|(s, set)| (s.mapping, set)).collect();
    let birth_ns = vault
        .annotations(recording_id)?
        .iter()
        .filter(|a| a.code == "birth")
        .map(|a| a.start_pts_ns)
        .min();
    Ok((settings.from..=settings.to)
        .map(|f| {
            info.table.pts(f).map_or_else(String::new, |pts| {
                crate::device_data::readings_line(&crate::device_data::readings_at(
                    &sources,
                    pts,
                    birth_ns,
                    &[],
                ))
            })
        })
        .collect())
}

/// Cuts a de-identified clip of `recording_id` to `out` and records it: the
/// whole workflow on one thread (the command line).
pub fn export_clip(
    vault: &mut Vault,
    recording_id: &str,
    out: &Path,
    settings: &ClipSettings,
    reviewed: bool,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<(String, ExportReport), VaultError> {
    let job = ClipJob::permit(vault, recording_id, out, settings)?;
    match job.run(progress, cancel) {
        Ok(report) => {
            let id = job.record(vault, &report, reviewed)?;
            Ok((id, report))
        }
        Err(err) => {
            job.abandon(vault);
            Err(err.into())
        }
    }
}

/// The settings a recorded clip was made with.
pub fn settings_of(clip: &Clip) -> Result<ClipSettings, VaultError> {
    serde_json::from_value(clip.settings.clone())
        .map_err(|_| VaultError::Integrity("a stored clip's settings are damaged".into()))
}
