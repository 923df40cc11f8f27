//! Plenary packages: the clips, their annotations relative to each clip, the
//! codebooks, and what de-identified them and allowed their use, in one
//! encrypted file for the presenter.
//!
//! Consent is checked again for every clip (a participant may have withdrawn
//! since the export), each clip file must still have the SHA-256 recorded
//! at export, and annotations are carried relative to the clip with their
//! codes and labels only: free-text notes may name people and stay behind.

use std::path::Path;

use crate::export::{AudioMode, ClipViews, DISGUISE_LABEL};
use crate::media::MediaSource;
use crate::model::Annotation;
use crate::model::interchange::{ExportFormat, ExportInput};
use crate::package::{
    self, ClipMedia, ConsentBasis, Content, Deidentification, Manifest, ManifestAnnotation,
    ManifestClip, PackageError, Protection,
};
use crate::vault::{Vault, VaultError};

/// What `create_package` wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PackageReport {
    /// The package file.
    pub out: String,
    /// Clips in it.
    pub clips: usize,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256.
    pub sha256: String,
}

fn package_err(e: PackageError) -> VaultError {
    match e {
        PackageError::Io { what, cause } => VaultError::Io { what, cause },
        other => VaultError::Invalid(other.to_string()),
    }
}

/// Words of a participant's name that must not appear in a title shown to
/// the room: tokens of two letters or more (Li, Ng) that are not a role or
/// an honorific (a pseudonym like "Nurse 2" names nobody).
fn name_words(name: &str) -> Vec<String> {
    const NOT_NAMES: &[&str] = &[
        "dr",
        "mr",
        "ms",
        "mrs",
        "miss",
        "prof",
        "doctor",
        "nurse",
        "midwife",
        "parent",
        "mother",
        "father",
        "baby",
        "participant",
        "team",
        "lead",
        "leader",
        "airway",
        "resident",
        "fellow",
        "consultant",
        "attending",
        "student",
        "observer",
        "unknown",
        "anonymous",
    ];
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2 && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .filter(|w| !NOT_NAMES.contains(&w.as_str()))
        .collect()
}

/// The first participant name word that `title` contains as a whole word.
fn names_in(title: &str, names: &[String]) -> Option<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .find(|w| names.contains(w))
}

/// A clip's default title: the labels of its annotations, in order, without repeats.
fn default_title(n: usize, labels: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for l in labels {
        if !seen.contains(&l.as_str()) {
            seen.push(l);
        }
    }
    match seen.len() {
        0 => format!("Clip {}", n + 1),
        1..=3 => seen.join(" · "),
        _ => format!("{} …", seen[..3].join(" · ")),
    }
}

/// Writes a plenary package of `clip_ids` to `out`.
///
/// `titles` names the clips in the playlist, in the order of `clip_ids`
/// (missing or blank: the labels of the clip's annotations). No title,
/// and not the session title, may contain a participant's name: they are
/// shown to the room.
pub fn create_package(
    vault: &mut Vault,
    clip_ids: &[String],
    titles: &[String],
    out: &Path,
    title: &str,
    expires: chrono::NaiveDate,
    protection: &Protection,
) -> Result<PackageReport, VaultError> {
    vault.require_instructor("make plenary packages")?;
    if clip_ids.is_empty() {
        return Err(VaultError::Invalid(
            "name at least one clip: --clips ID[,ID…]".into(),
        ));
    }
    if out.exists() {
        return Err(VaultError::Invalid(format!(
            "{} already exists: choose another name or remove it first",
            out.display()
        )));
    }
    let today = vault.now().date_naive();
    if expires < today {
        return Err(VaultError::Invalid(format!(
            "the expiry date {expires} is in the past: give --expires YYYY-MM-DD from {today} on"
        )));
    }
    let now = vault.now_string();
    let mut clips = Vec::new();
    let mut entries = Vec::new();
    let mut codebooks = std::collections::BTreeMap::new();
    if titles.len() > clip_ids.len() {
        return Err(VaultError::Invalid(format!(
            "{} clip titles for {} clips: give one title per clip, in the order of --clips",
            titles.len(),
            clip_ids.len()
        )));
    }
    let mut names = Vec::new();
    for id in clip_ids {
        let clip = vault.clip(id)?;
        let recording = vault.recording(&clip.recording_id)?;
        for p in vault.participants(&recording.case_id)? {
            names.extend(name_words(&p.name));
        }
    }
    let named = |what: &str, text: &str| -> Result<(), VaultError> {
        match names_in(text, &names) {
            Some(word) => Err(VaultError::Invalid(format!(
                "{what} '{text}' contains '{word}', part of a participant's name: titles are \
                 shown to the room, so use the codes or a neutral title"
            ))),
            None => Ok(()),
        }
    };
    named("the session title", title)?;
    for (n, id) in clip_ids.iter().enumerate() {
        let clip = vault.clip(id)?;
        vault.check_plenary(&clip.recording_id)?;
        let recording = vault.recording(&clip.recording_id)?;
        let case = vault.case(&recording.case_id)?;
        let book = vault.codebook(&case.codebook_id)?;
        codebooks.insert(
            book.id.clone(),
            serde_json::to_value(&book).map_err(|e| VaultError::Invalid(e.to_string()))?,
        );
        let (from, to) = (clip.from_frame, clip.to_frame);
        // The clip file's own frame table: the one numbering the annotations and
        // the presenter both use (the presenter then never probes a clip).
        let info = crate::media::probe(&MediaSource::file(&clip.out_path))?;
        if info.frames() != to - from + 1 {
            return Err(VaultError::Invalid(format!(
                "clip {} has {} frames, not the {} it was exported with: export it again",
                crate::model::redacted(id),
                info.frames(),
                to - from + 1
            )));
        }
        let clip_pts: Vec<i64> = info.table.all_pts().to_vec();
        let end_ns = info.duration_ns;
        let annotations: Vec<Annotation> = vault
            .annotations(&clip.recording_id)?
            .into_iter()
            .filter_map(|a| rebase(a, from, to, &clip_pts))
            .collect();
        let input = ExportInput {
            recording_id: id,
            rate: info.rate,
            pts: &clip_pts,
            end_ns,
            codebook: &book,
            annotations: &annotations,
            exported_at: &now,
            views: &[],
        };
        let vtt = input.render(ExportFormat::Vtt);
        let manifest_annotations: Vec<ManifestAnnotation> = input
            .spans()
            .iter()
            .map(|s| ManifestAnnotation {
                code: s.annotation.code.clone(),
                label: s.label.clone(),
                start_frame: s.start_frame,
                end_frame: s.annotation.end_frame.map(|_| s.last_frame),
                start_ms: s.start_ms(),
                end_ms: s.annotation.end_frame.map(|_| s.end_ms()),
            })
            .collect();
        let labels: Vec<String> = manifest_annotations
            .iter()
            .map(|a| a.label.clone())
            .collect();
        let clip_title = match titles.get(n).map(|t| t.trim()) {
            Some(t) if !t.is_empty() => {
                named(&format!("the title of clip {}", n + 1), t)?;
                t.to_owned()
            }
            _ => default_title(n, &labels),
        };
        let ext = if clip.out_path.to_ascii_lowercase().ends_with(".webm") {
            "webm"
        } else {
            "mp4"
        };
        let file = format!("clip-{}.{ext}", n + 1);
        let vtt_name = format!("clip-{}.vtt", n + 1);
        let rule = vault.policy().rule(recording.purpose);
        let s = &super::settings_of(&clip)?;
        clips.push(ManifestClip {
            id: clip.id.clone(),
            title: clip_title,
            file: file.clone(),
            vtt: vtt_name.clone(),
            format: ext.into(),
            frames: to - from + 1,
            fps: format!("{}/{}", info.rate.num, info.rate.den),
            duration_ms: end_ns / 1_000_000,
            sha256: clip.sha256.clone(),
            media: Some(ClipMedia::of(&info)),
            codebook: Some(book.id.clone()),
            annotations: manifest_annotations,
            deidentification: Deidentification {
                faces: if s.detect_faces { "redact" } else { "none" }.into(),
                threshold: s.threshold,
                enlarge: s.tracks.enlarge,
                cover: s.cover.as_str().into(),
                manual_regions: s.regions.regions.len(),
                audio: s.audio.as_str().into(),
                audio_note: match s.audio {
                    AudioMode::Drop => "no audio".into(),
                    AudioMode::Disguise { pitch } => {
                        format!("{DISGUISE_LABEL} (pitch ×{pitch}, band-limited)")
                    }
                    AudioMode::Keep => "original audio (voices can be recognised)".into(),
                },
                metadata: "re-encoded; source tags, XMP, user data and SEI removed".into(),
                reviewed: clip.reviewed,
                views: shown_views(vault, &clip.recording_id, &s.views)?,
                layout: match s.views {
                    ClipViews::SideBySide => Some("side-by-side".into()),
                    ClipViews::Grid => Some("grid".into()),
                    _ => None,
                },
            },
            consent: ConsentBasis {
                plenary_permitted: true,
                stages: rule.plenary.iter().map(|st| st.to_string()).collect(),
                participants: vault.participants(&recording.case_id)?.len(),
                checked_at: now.clone(),
            },
        });
        entries.push((
            file,
            Content::File {
                path: clip.out_path.clone().into(),
                sha256: clip.sha256.clone(),
            },
        ));
        entries.push((vtt_name, Content::Bytes(vtt.into_bytes())));
    }
    let manifest = Manifest {
        format: "debrief-plenary-package".into(),
        version: 2,
        title: title.to_owned(),
        created_at: now,
        expires,
        clips,
        codebooks,
        codebook: None,
    };
    let manifest_json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| VaultError::Invalid(e.to_string()))?;
    entries.insert(
        0,
        (package::MANIFEST.to_owned(), Content::Bytes(manifest_json)),
    );
    package::write(out, protection, entries).map_err(package_err)?;
    let (sha256, bytes) = crate::export::hash_file(out)?;
    let detail = format!(
        "clips={} expires={} protection={} sha256={sha256}",
        clip_ids.join(","),
        manifest.expires,
        match protection {
            Protection::Passphrase(_) => "passphrase".to_owned(),
            Protection::Recipients(r) => format!("{} recipients", r.len()),
        }
    );
    if let Err(err) = vault.write("package.create", None, Some(&detail), |_| Ok(())) {
        let _ = std::fs::remove_file(out);
        return Err(err);
    }
    Ok(PackageReport {
        out: out.display().to_string(),
        clips: clip_ids.len(),
        bytes,
        sha256,
    })
}

/// `a` moved onto a clip of frames `from..=to` (frame 0 = `from`), if it touches it.
fn rebase(a: Annotation, from: u64, to: u64, clip_pts: &[i64]) -> Option<Annotation> {
    let last = a.end_frame.unwrap_or(a.start_frame);
    if last < from || a.start_frame > to {
        return None;
    }
    let start = a.start_frame.max(from) - from;
    let end = a.end_frame.map(|e| e.min(to) - from);
    Some(Annotation {
        start_frame: start,
        end_frame: end,
        start_pts_ns: clip_pts.get(start as usize).copied().unwrap_or(0),
        end_pts_ns: end.and_then(|e| clip_pts.get(e as usize).copied()),
        note: None,
        private_note: None,
        has_private_note: false,
        author: String::new(),
        ..a
    })
}

/// The camera labels of the views a clip shows (empty for the reference alone).
fn shown_views(
    vault: &Vault,
    recording_id: &str,
    views: &ClipViews,
) -> Result<Vec<String>, VaultError> {
    let label = |v: crate::views::View| super::clip::camera_label(&v);
    Ok(match views {
        ClipViews::Reference => Vec::new(),
        ClipViews::View(id) => vec![label(vault.view(recording_id, id)?)],
        ClipViews::SideBySide | ClipViews::Grid => {
            vault.views(recording_id)?.into_iter().map(label).collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_as_whole_words_and_roles_are_not_names() {
        let names: Vec<String> = ["Dr Anna Smith-Jones", "Nurse 2", "Bo Li"]
            .iter()
            .flat_map(|n| name_words(n))
            .collect();
        assert_eq!(names, ["anna", "smith", "jones", "bo", "li"]);
        assert_eq!(names_in("Anna's first breath", &names), Some("anna".into()));
        assert_eq!(names_in("SMITH intubates", &names), Some("smith".into()));
        assert_eq!(
            names_in("Savannah at birth", &names),
            None,
            "whole words only"
        );
        assert_eq!(names_in("Nurse 2 starts CPR", &names), None);
        assert_eq!(names_in("Dr Li's airway", &names), Some("li".into()));
    }

    #[test]
    fn default_titles_come_from_the_codes() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(default_title(0, &[]), "Clip 1");
        assert_eq!(
            default_title(1, &l(&["Birth", "Birth", "Initial steps"])),
            "Birth · Initial steps"
        );
        assert_eq!(default_title(2, &l(&["A", "B", "C", "D"])), "A · B · C …");
    }
}
