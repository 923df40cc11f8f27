//! Impossible annotations are refused, never stored or rewritten: ratings that
//! are not numbers on the code's scale, and ELAN times that lie outside the
//! recording or run backwards. Each refusal names the annotation and the fix,
//! in words (no Rust debug text), and adds nothing.

mod common;

use common::vault::{Fixture, fixture};
use debrief::media::testsrc::TestSrcSpec;
use debrief::model::interchange::ExportFormat;
use debrief::vault::{AnnotationEdit, ImportFormat, NewAnnotation};

fn small() -> TestSrcSpec {
    TestSrcSpec {
        frames: 90,
        ..Default::default()
    }
}

fn add(fx: &mut Fixture, code: &str, rating: Option<f64>) -> Result<String, String> {
    fx.vault
        .add_annotation(NewAnnotation {
            recording_id: fx.recording_id.clone(),
            code: code.into(),
            start_frame: 10,
            end_frame: None,
            rating,
            note: None,
            private_note: None,
        })
        .map_err(|e| e.to_string())
}

#[test]
fn ratings_must_be_numbers_on_the_codes_scale() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = fixture(dir.path(), &small(), true);
    // epinephrine is rated 0 to 1; birth has no scale.
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -0.5] {
        let err = add(&mut fx, "epinephrine", Some(bad)).unwrap_err();
        assert!(
            err.contains("outside epinephrine's scale 0 to 1"),
            "{bad}: {err}"
        );
    }
    let err = add(&mut fx, "birth", Some(1.0)).unwrap_err();
    assert!(err.contains("'birth' has no rating scale"), "{err}");
    let id = add(&mut fx, "epinephrine", Some(1.0)).unwrap();
    let err = fx
        .vault
        .update_annotation(
            &id,
            AnnotationEdit {
                rating: Some(Some(f64::NAN)),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("outside epinephrine's scale"), "{err}");
    assert_eq!(fx.vault.annotations(&fx.recording_id).unwrap().len(), 1);
    assert_eq!(
        fx.vault.annotations(&fx.recording_id).unwrap()[0].rating,
        Some(1.0)
    );

    // The command line: NaN and inf parse as numbers, and are refused as ratings.
    let env = common::cli::Env {
        vault: fx.vault.dir().to_path_buf(),
        tmp: dir.path().to_path_buf(),
        user: "alice".into(),
        pass: "correct horse alice".into(),
    };
    drop(fx.vault);
    for bad in ["--rating=NaN", "--rating=inf", "--rating=-inf"] {
        let out = env.run(&[
            "annotate",
            "add",
            "--recording",
            &fx.recording_id,
            "--code",
            "epinephrine",
            "--frame",
            "3",
            bad,
            "--json",
        ]);
        common::cli::refused(&out, "outside epinephrine's scale");
    }
}

#[test]
fn a_json_import_with_an_impossible_rating_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = fixture(dir.path(), &small(), true);
    add(&mut fx, "epinephrine", Some(1.0)).unwrap();
    let json = fx
        .vault
        .export_annotations(&fx.recording_id, ExportFormat::Json)
        .unwrap();
    let bad = json.replace("\"rating\": 1.0", "\"rating\": 1e300");
    assert_ne!(bad, json, "the export holds the rating");
    let err = fx
        .vault
        .import_annotations(&fx.recording_id, ImportFormat::Json, &bad, "bad.json")
        .unwrap_err()
        .to_string();
    assert!(err.contains("item 0: rating 1e300 is outside"), "{err}");
    assert_eq!(fx.vault.annotations(&fx.recording_id).unwrap().len(), 1);
}

#[test]
fn eaf_times_outside_the_recording_or_backwards_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = fixture(dir.path(), &small(), true);
    fx.vault
        .add_annotation(NewAnnotation {
            recording_id: fx.recording_id.clone(),
            code: "ppv".into(),
            start_frame: 30,
            end_frame: Some(59),
            rating: None,
            note: None,
            private_note: None,
        })
        .unwrap();
    let eaf = fx
        .vault
        .export_annotations(&fx.recording_id, ExportFormat::Eaf)
        .unwrap();
    // The export round-trips: the file is good to begin with.
    assert_eq!(
        fx.vault
            .import_annotations(&fx.recording_id, ImportFormat::Eaf, &eaf, "good.eaf")
            .unwrap(),
        1
    );
    let pair = "TIME_SLOT_REF1=\"ts1\" TIME_SLOT_REF2=\"ts2\"";
    assert!(eaf.contains(pair), "{eaf}");
    let value = |slot: &str| {
        let at = eaf
            .find(&format!("TIME_SLOT_ID=\"{slot}\" TIME_VALUE=\""))
            .unwrap();
        let v = eaf[at..].split('"').nth(3).unwrap();
        format!("TIME_SLOT_ID=\"{slot}\" TIME_VALUE=\"{v}\"")
    };
    let slot1 = value("ts1");
    // The code tier's annotation with its slots swapped (its note tier keeps them).
    let swapped = eaf.replacen(pair, "TIME_SLOT_REF1=\"ts2\" TIME_SLOT_REF2=\"ts1\"", 1);
    let cases = [
        (
            swapped,
            "ends (slot ts1, 1000 ms) before it starts (slot ts2, 2000 ms)",
        ),
        (
            eaf.replace(&slot1, "TIME_SLOT_ID=\"ts1\" TIME_VALUE=\"-40\""),
            "time slot ts1 is negative (-40 ms)",
        ),
        (
            eaf.replace(
                &slot1,
                &format!("TIME_SLOT_ID=\"ts1\" TIME_VALUE=\"{}\"", i64::MIN),
            ),
            "time slot ts1 is negative",
        ),
        (
            eaf.replace(
                &value("ts2"),
                &format!("TIME_SLOT_ID=\"ts2\" TIME_VALUE=\"{}\"", i64::MAX),
            ),
            "slot ts2 (9223372036854775807 ms) lies after the end of the recording",
        ),
    ];
    let before = fx.vault.annotations(&fx.recording_id).unwrap().len();
    for (text, expect) in cases {
        let err = fx
            .vault
            .import_annotations(&fx.recording_id, ImportFormat::Eaf, &text, "x.eaf")
            .unwrap_err()
            .to_string();
        assert!(err.contains(expect), "'{expect}' not in: {err}");
        assert!(err.contains("x.eaf"), "{err}");
        assert!(!err.contains("Some(") && !err.contains("None"), "{err}");
    }
    assert_eq!(
        fx.vault.annotations(&fx.recording_id).unwrap().len(),
        before
    );
}

#[test]
fn a_codebook_cannot_drop_codes_that_annotations_use() {
    use debrief::vault::NewCase;
    let dir = tempfile::tempdir().unwrap();
    let mut fx = fixture(dir.path(), &small(), true);
    let mut book: serde_json::Value =
        serde_json::from_str(debrief::model::codebook::NEONATAL).unwrap();
    book["id"] = "unit-neonatal".into();
    book["name"] = "Our unit's neonatal codebook".into();
    fx.vault
        .save_codebook(&book.to_string(), "codebook.json")
        .unwrap();
    let case = fx
        .vault
        .create_case(NewCase {
            title: "Case two".into(),
            codebook_id: Some("unit-neonatal".into()),
            ..Default::default()
        })
        .unwrap();
    let other = common::generate(dir.path(), "other.mp4", &small());
    let rec = fx
        .vault
        .import(&case, &other, Default::default(), &mut |_, _| true)
        .unwrap()
        .recording_id;
    fx.vault
        .add_annotation(NewAnnotation {
            recording_id: rec.clone(),
            code: "ppv".into(),
            start_frame: 5,
            end_frame: Some(20),
            rating: None,
            note: None,
            private_note: None,
        })
        .unwrap();
    let codes = book["codes"].as_array().unwrap().clone();
    // A version without ppv: refused, naming the code and how many use it.
    let mut without = book.clone();
    without["codes"] = codes.iter().filter(|c| c["id"] != "ppv").cloned().collect();
    if let Some(metrics) = book["metrics"].as_array() {
        without["metrics"] = metrics
            .iter()
            .filter(|m| m["from"] != "ppv" && m["to"] != "ppv")
            .cloned()
            .collect();
    }
    let err = fx
        .vault
        .save_codebook(&without.to_string(), "codebook.json")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("leaves out codes that annotations still use: 'ppv' (1)"),
        "{err}"
    );
    let stored = fx.vault.codebook("unit-neonatal").unwrap();
    assert!(stored.code("ppv").is_some(), "nothing was changed");
    // Renaming its label is fine; the annotation keeps its code.
    let mut renamed = book.clone();
    for c in renamed["codes"].as_array_mut().unwrap() {
        if c["id"] == "ppv" {
            c["label"] = "Mask ventilation".into();
        }
    }
    fx.vault
        .save_codebook(&renamed.to_string(), "codebook.json")
        .unwrap();
    let stored = fx.vault.codebook("unit-neonatal").unwrap();
    assert_eq!(stored.code("ppv").unwrap().label, "Mask ventilation");
    // Once the annotation is deleted, the code may go.
    let id = fx.vault.annotations(&rec).unwrap()[0].id.clone();
    fx.vault.delete_annotation(&id).unwrap();
    fx.vault
        .save_codebook(&without.to_string(), "codebook.json")
        .unwrap();
}
