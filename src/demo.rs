//! The demo vault: a generated two-minute recording of a simulated neonatal
//! resuscitation, a case with consenting participants, and about forty
//! annotations across the codebook's lanes. `debrief demo` opens it.
//! Passphrase `demo` for both users (`demo`, an instructor; `provider`).

use std::path::Path;

use age::secrecy::SecretString;

use crate::media::testsrc::{self, SceneCamera, TestSrcSpec};
use crate::model::{ConsentMethod, Purpose, Role};
use crate::time::FrameRate;
use crate::vault::{ImportOptions, NewAnnotation, NewCase, Vault, VaultError};
use crate::views::SyncSource;

/// The demo's passphrase (both users).
pub const PASSPHRASE: &str = "demo";
/// The demo's instructor.
pub const USER: &str = "demo";

/// Ids in the demo vault.
#[derive(Clone, Debug)]
pub struct DemoIds {
    /// The demo case.
    pub case_id: String,
    /// Its recording.
    pub recording_id: String,
}

/// The demo passphrase as a secret.
pub fn passphrase() -> SecretString {
    SecretString::from(PASSPHRASE.to_owned())
}

/// Opens the demo vault in `dir`, creating it first if needed.
/// `progress(step, done, total)` reports the slow parts.
pub fn ensure(dir: &Path, progress: &mut dyn FnMut(&str, u64, u64)) -> Result<DemoIds, VaultError> {
    if dir.join("vault.db").exists() {
        let vault = Vault::unlock(dir, USER, &passphrase())?;
        let case = vault.cases()?.into_iter().next().ok_or_else(|| {
            VaultError::Invalid(
                "the demo vault has no case; delete its folder to recreate it".into(),
            )
        })?;
        let rec = vault
            .recordings(&case.id)?
            .into_iter()
            .find(|r| r.shredded.is_none())
            .ok_or_else(|| {
                VaultError::Invalid(
                    "the demo recording was deleted; delete the demo folder to recreate it".into(),
                )
            })?;
        return Ok(DemoIds {
            case_id: case.id,
            recording_id: rec.id,
        });
    }
    let work = tempfile_dir()?;
    let media = work.join("demo.mp4");
    let spec = TestSrcSpec {
        frames: 3600,
        rate: FrameRate::FPS_30,
        width: 1280,
        height: 720,
        gop: 60,
        bframes: true,
        audio: true,
        // Real (public-domain) faces, so the export window's redaction preview has work to show.
        faces: 2,
        // The room's sound, heard by both demo cameras: "Sync by sound" has something to match.
        scene_sound: Some(SceneCamera::default()),
        ..Default::default()
    };
    // A second camera (the team's), switched on 1.5 s later with a clock
    // 40 ppm fast: the demo shows two views in step.
    let team_media = work.join("demo-team.mp4");
    let team_spec = TestSrcSpec {
        frames: 3500,
        width: 854,
        height: 480,
        faces: 1,
        scene_sound: Some(SceneCamera {
            start_ns: 1_500_000_000,
            drift_ppm: 40.0,
        }),
        ..spec.clone()
    };
    let result = (|| {
        testsrc::write(&media, &spec, &mut |n| {
            progress("generating the demo recording", n, spec.frames)
        })?;
        testsrc::write(&team_media, &team_spec, &mut |n| {
            progress("generating its second camera", n, team_spec.frames)
        })?;
        let mut vault = Vault::init_demo(dir, USER, &passphrase())?;
        vault.add_member("provider", Role::Provider, &passphrase())?;
        let case_id = vault.create_case(NewCase {
            title: "Demo: neonatal resuscitation (simulated)".into(),
            date: Some(chrono::Utc::now().format("%Y-%m-%d").to_string()),
            unit: Some("NICU simulation lab".into()),
            context: Some("Synthetic recording for trying Debrief. No patient.".into()),
            codebook_id: None,
        })?;
        let team = [
            ("Team lead (A)", "team lead", None),
            ("Airway (B)", "airway", Some("provider")),
            ("Parent (C)", "guardian", None),
        ];
        for (name, role, user) in team {
            let p = vault.add_participant(&case_id, name, Some(role), user)?;
            vault.grant_all_stages(&p, Some(ConsentMethod::Written))?;
        }
        // The demo unit's "do not record" list, which the Record screen asks to confirm.
        let policy = crate::model::policy::Policy::with_do_not_record(
            crate::model::policy::DEFAULT,
            crate::model::policy::EXAMPLE_DO_NOT_RECORD,
        );
        vault.set_policy(&policy, "demo policy")?;
        // The unit's roster of standing staff consent, for the Record screen:
        // one whose consent holds, one whose consent has lapsed.
        let in_a_year = vault.today() + chrono::Duration::days(365);
        vault.add_staff("Team lead (A)", "team lead", in_a_year)?;
        vault.add_staff("Airway (B)", "airway", in_a_year)?;
        let nurse = vault.add_staff("Nurse (D)", "nurse", in_a_year)?;
        vault.withdraw_staff(&nurse)?;
        let size = std::fs::metadata(&media).map(|m| m.len()).unwrap_or(0);
        let options = ImportOptions {
            purpose: Purpose::Education,
            camera: Some("overhead".into()),
            offset_ns: 0,
        };
        let imported = vault.import(&case_id, &media, options, &mut |done, _| {
            progress("encrypting it into the vault", done, size);
            true
        })?;
        vault.add_annotations(
            &imported.recording_id,
            demo_annotations(&imported.recording_id),
        )?;
        // What the monitors measured beside the video, as the review screen's lanes.
        progress("adding the monitors' data", 0, 1);
        let monitor = demo_device_data();
        let set = crate::device_data::parse(
            monitor.as_bytes(),
            crate::device_data::Format::Csv,
            &Default::default(),
        )
        .map_err(|problem| VaultError::Data {
            file: "the demo's monitor data".into(),
            problem,
        })?;
        vault.store_data(
            &imported.recording_id,
            "monitor-demo.csv",
            crate::device_data::Format::Csv,
            monitor.as_bytes(),
            set,
        )?;
        let team = vault.add_view(&imported.recording_id, &team_media, "team", &mut |_, _| {
            true
        })?;
        if let Some(view) = team.view_id {
            progress("synchronising the cameras by sound", 0, 1);
            let found = vault.sync_view_by_audio(&view, &mut |_, _| true)?;
            vault.set_view_mapping(
                &view,
                found.mapping,
                SyncSource::Audio,
                Some(found.confidence),
            )?;
        }
        Ok(DemoIds {
            case_id,
            recording_id: imported.recording_id,
        })
    })();
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn tempfile_dir() -> Result<std::path::PathBuf, VaultError> {
    let dir = std::env::temp_dir().join(format!("debrief-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(VaultError::io(format!("creating {}", dir.display())))?;
    Ok(dir)
}

/// About forty events of a plausible resuscitation, in frames at 30 fps.
fn demo_annotations(recording: &str) -> Vec<NewAnnotation> {
    let s = |secs: f64| (secs * 30.0) as u64;
    let mut list = vec![
        (
            "birth",
            s(3.0),
            None,
            None,
            Some("Baby delivered, apnoeic, floppy"),
        ),
        (
            "initial-steps",
            s(4.0),
            Some(s(28.0)),
            None,
            Some("Dried, wrapped, head neutral"),
        ),
        (
            "hr-assessment",
            s(30.0),
            None,
            None,
            Some("HR < 100 by auscultation"),
        ),
        (
            "ppv",
            s(34.0),
            Some(s(95.0)),
            None,
            Some("Mask leak first 10 s, then good chest rise"),
        ),
        ("spo2-monitor", s(40.0), None, None, None),
        ("hr-assessment", s(64.0), None, None, Some("HR 50")),
        (
            "intubation",
            s(98.0),
            None,
            None,
            Some("3.0 tube, first attempt"),
        ),
        ("ppv", s(101.0), Some(s(119.0)), None, Some("Via tube")),
        (
            "compressions",
            s(102.0),
            Some(s(119.0)),
            None,
            Some("3:1, good depth"),
        ),
        ("vascular-access", s(108.0), None, None, Some("UVC placed")),
        (
            "epinephrine",
            s(112.0),
            None,
            Some(1.0),
            Some("10 mcg/kg IV"),
        ),
    ];
    // Heart-rate checks and SpO2 readings every few seconds fill the assessment lane.
    let mut extra = Vec::new();
    for k in 0..14 {
        extra.push((
            "hr-assessment",
            s(40.0 + 5.0 * f64::from(k)),
            None,
            None,
            None,
        ));
    }
    for k in 0..12 {
        extra.push((
            "spo2-monitor",
            s(44.0 + 6.0 * f64::from(k)),
            None,
            None,
            None,
        ));
    }
    list.extend(extra);
    list.into_iter()
        .map(|(code, start, end, rating, note)| NewAnnotation {
            recording_id: recording.to_owned(),
            code: code.into(),
            start_frame: start,
            end_frame: end,
            rating,
            note: note.map(str::to_owned),
            private_note: None,
        })
        .collect()
}

/// Two minutes of simulated monitor and respiratory-function-monitor data
/// that follow the demo's events (birth at 3 s, PPV from 34 s, the pulse
/// oximeter on at 40 s, compressions and epinephrine at 102–112 s): heart
/// rate, SpO2, FiO2, PIP, PEEP and Vt once a second, airway pressure 50
/// times a second. Simulated; no patient.
fn demo_device_data() -> String {
    let ppv = |t: f64| (34.0..95.0).contains(&t) || (101.0..119.0).contains(&t);
    let mut text = String::from(
        "Time (s),HR (/min),SpO2 (%),FiO2 (%),PIP (cmH2O),PEEP (cmH2O),Vt (ml/kg),Paw (cmH2O)\n",
    );
    for k in 0..(120 * 50) {
        let t = f64::from(k) / 50.0;
        let whole = k % 50 == 0;
        let trend = |on: bool, v: f64| {
            if whole && on {
                format!("{v:.0}")
            } else {
                String::new()
            }
        };
        let hr = if t < 64.0 {
            60.0 + (t - 40.0) * 0.2
        } else if t < 112.0 {
            50.0 + (t - 64.0) * 0.1
        } else {
            55.0 + (t - 112.0) * 12.0
        };
        let spo2 = if t < 100.0 {
            45.0 + (t - 40.0) * 0.25
        } else {
            60.0 + (t - 100.0) * 1.2
        };
        let fio2 = if t < 70.0 { 21.0 } else { 100.0 };
        // Mask leak for the first ten seconds of PPV, then good chest rise.
        let vt = if t < 44.0 { 2.0 } else { 5.0 + (t * 0.7).sin() };
        // One inflation every 1.5 s: half a second at PIP, then PEEP.
        let paw = if ppv(t) {
            let phase = (t - 34.0).rem_euclid(1.5);
            if phase < 0.1 {
                5.0 + 250.0 * phase
            } else if phase < 0.5 {
                30.0
            } else {
                5.0
            }
        } else {
            0.0
        };
        text.push_str(&format!(
            "{t:.2},{},{},{},{},{},{},{paw:.1}\n",
            trend(t >= 40.0, hr),
            trend(t >= 40.0, spo2.min(99.0)),
            trend(true, fio2),
            trend(ppv(t), 30.0),
            trend(ppv(t), 5.0),
            if whole && ppv(t) {
                format!("{vt:.1}")
            } else {
                String::new()
            },
        ));
    }
    text
}
