//! A plenary package of clips from recordings coded with different codebooks
//! shows each clip in its own codebook's labels and colours, and describes
//! each clip's frames so the presenter need not probe it; packages made with
//! one codebook for all (manifest version 1) still open.

mod common;

use common::vault::{export_plain, fixture, grant_all};
use debrief::media::testsrc::TestSrcSpec;
use debrief::package::{Manifest, Package, Protection};
use debrief::vault::{NewAnnotation, NewCase};
use secrecy::SecretString;

fn small() -> TestSrcSpec {
    TestSrcSpec {
        frames: 60,
        ..Default::default()
    }
}

#[test]
fn each_clip_keeps_its_own_codebook() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = fixture(dir.path(), &small(), true);
    // A second case coded with TEAM.
    let case = fx
        .vault
        .create_case(NewCase {
            title: "Case two".into(),
            codebook_id: Some("team".into()),
            ..Default::default()
        })
        .unwrap();
    let other = common::generate(dir.path(), "other.mp4", &small());
    let rec2 = fx
        .vault
        .import(&case, &other, Default::default(), &mut |_, _| true)
        .unwrap()
        .recording_id;
    let p2 = fx
        .vault
        .add_participant(&case, "Nurse", Some("nurse"), None)
        .unwrap();
    grant_all(&mut fx.vault, &p2);
    let annotate = |v: &mut debrief::vault::Vault, rec: &str, code: &str, rating| {
        v.add_annotation(NewAnnotation {
            recording_id: rec.to_owned(),
            code: code.into(),
            start_frame: 5,
            end_frame: None,
            rating,
            note: None,
            private_note: None,
        })
        .unwrap();
    };
    let rec1 = fx.recording_id.clone();
    annotate(&mut fx.vault, &rec1, "birth", None);
    annotate(&mut fx.vault, &rec2, "team-1-direction", Some(3.0));
    let c1 = export_plain(&mut fx.vault, &rec1, &dir.path().join("a.mp4"), 0, 20);
    let c2 = export_plain(&mut fx.vault, &rec2, &dir.path().join("b.mp4"), 0, 20);
    let pkg = dir.path().join("s.dbpkg");
    let pass = SecretString::from("plenary pass".to_owned());
    debrief::plenary::create_package(
        &mut fx.vault,
        &[c1, c2],
        &[],
        &pkg,
        "Two codebooks",
        chrono::Utc::now().date_naive() + chrono::Duration::days(3),
        &Protection::Passphrase(pass.clone()),
    )
    .unwrap();
    let package = Package::open_with_passphrase(&pkg, &pass).unwrap();
    let manifest = package.manifest().unwrap();
    assert_eq!(manifest.version, 2);
    // Each clip carries what its probe says, so the presenter need not probe it.
    for clip in &manifest.clips {
        let carried = clip.media.as_ref().and_then(|m| m.info()).expect("media");
        let source = package.media_source(&clip.file).unwrap();
        let probed = debrief::media::probe(&source).unwrap();
        assert_eq!(carried.table, probed.table, "{}", clip.file);
        assert_eq!(
            (carried.width, carried.height, carried.rate),
            (probed.width, probed.height, probed.rate)
        );
        assert_eq!(carried.frames(), clip.frames);
    }
    let ids: Vec<Option<String>> = manifest.clips.iter().map(|c| c.codebook.clone()).collect();
    assert_eq!(
        ids,
        vec![
            Some("neonatal-resuscitation".to_owned()),
            Some("team".to_owned())
        ]
    );
    assert_eq!(manifest.codebooks.len(), 2);
    let first = manifest.codebook_of(0).unwrap();
    let second = manifest.codebook_of(1).unwrap();
    assert_eq!(first.id, "neonatal-resuscitation");
    assert_eq!(second.id, "team");
    // Each clip's code is found, with its colour, in its own codebook only.
    let code = &manifest.clips[1].annotations[0].code;
    assert!(second.code(code).is_some() && first.code(code).is_none());
}

#[test]
fn a_version_1_manifest_with_one_codebook_still_reads() {
    let v1 = serde_json::json!({
        "format": "debrief-plenary-package",
        "version": 1,
        "title": "Old",
        "created_at": "2026-11-01T10:00:00Z",
        "expires": "2099-01-01",
        "codebook": serde_json::from_str::<serde_json::Value>(
            debrief::model::codebook::NEONATAL
        ).unwrap(),
        "clips": [{
            "id": "c1", "title": "Birth", "file": "clip-1.mp4", "vtt": "clip-1.vtt",
            "format": "mp4", "frames": 30, "fps": "30/1", "duration_ms": 1000,
            "sha256": "0".repeat(64), "annotations": [],
            "deidentification": {
                "faces": "redact", "threshold": 0.3, "enlarge": 1.3, "cover": "fill",
                "manual_regions": 0, "audio": "drop", "audio_note": "no audio",
                "metadata": "re-encoded", "reviewed": false
            },
            "consent": {
                "plenary_permitted": true, "stages": ["before-review-use"],
                "participants": 1, "checked_at": "2026-11-01T10:00:00Z"
            }
        }]
    });
    let text = v1.to_string();
    let value = debrief::model::schema::Bundled::Package
        .parse(&text, "manifest.json")
        .unwrap();
    let manifest: Manifest = serde_json::from_value(value).unwrap();
    assert_eq!(
        manifest.codebook_of(0).unwrap().id,
        "neonatal-resuscitation"
    );
}
