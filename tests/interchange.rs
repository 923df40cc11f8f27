//! Annotation exports: golden files for every format, and the structure ELAN
//! expects of an EAF 3.0 document.
//!
//! `UPDATE_GOLDEN=1 cargo test --test interchange` rewrites the golden files;
//! review the diff before committing it.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use debrief::model::interchange::{ExportFormat, ExportInput};
use debrief::model::{Annotation, Codebook};
use debrief::time::FrameRate;

/// 29.97 fps: milliseconds that do not fall on whole numbers.
fn rate() -> FrameRate {
    FrameRate::new(30000, 1001).unwrap()
}

fn pts(frames: u64) -> Vec<i64> {
    (0..frames).map(|i| rate().frame_to_ns(i)).collect()
}

fn ann(id: &str, code: &str, start: u64, end: Option<u64>, author: &str) -> Annotation {
    Annotation {
        id: id.into(),
        recording_id: "rec-1".into(),
        code: code.into(),
        start_frame: start,
        end_frame: end,
        start_pts_ns: rate().frame_to_ns(start),
        end_pts_ns: end.map(|e| rate().frame_to_ns(e)),
        rating: None,
        note: None,
        private_note: None,
        has_private_note: false,
        author: author.into(),
        created_at: "2026-11-01T10:00:00Z".into(),
        edited_at: None,
    }
}

/// Every case the formats must handle.
fn annotations() -> Vec<Annotation> {
    let mut birth = ann("a1", "birth", 90, None, "alice");
    birth.note = Some("Born, apnoeic, \"floppy\"".into());
    let mut ppv = ann("a2", "ppv", 100, Some(400), "alice");
    ppv.note = Some("Mask leak <10 s> & then\nchest rise".into());
    // An intubation during ventilation: same lane, overlapping.
    let mut tube = ann("a3", "intubation", 250, None, "alice");
    tube.private_note = Some("never exported".into());
    tube.has_private_note = true;
    let mut epi = ann("a4", "epinephrine", 500, None, "bob");
    epi.rating = Some(1.0);
    epi.note = Some("=1+1 looks like a formula".into());
    // Started and never stopped: runs to the end.
    let compressions = ann("a5", "compressions", 450, None, "bob");
    // A code the codebook no longer has.
    let old = ann("a6", "retired-code", 10, None, "bob");
    let mut hr = ann("a7", "hr-assessment", 100, None, "bob");
    hr.rating = Some(2.5);
    vec![birth, ppv, tube, epi, compressions, old, hr]
}

fn render(format: ExportFormat) -> String {
    let codebook = Codebook::from_json(debrief::model::codebook::NEONATAL).unwrap();
    let pts = pts(600);
    let annotations = annotations();
    ExportInput {
        recording_id: "rec-1",
        rate: rate(),
        pts: &pts,
        end_ns: rate().frame_to_ns(600),
        codebook: &codebook,
        annotations: &annotations,
        exported_at: "2026-11-22T12:00:00Z",
        views: &[],
    }
    .render(format)
}

fn golden(format: ExportFormat) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("annotations.{}", format.extension()));
    let text = render(format);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(text, expected, "{} differs", path.display());
    assert!(!text.contains("never exported"), "a private note leaked");
}

#[test]
fn json_matches_its_golden_file() {
    golden(ExportFormat::Json);
}

#[test]
fn csv_matches_its_golden_file() {
    golden(ExportFormat::Csv);
}

#[test]
fn eaf_matches_its_golden_file() {
    golden(ExportFormat::Eaf);
}

#[test]
fn vtt_matches_its_golden_file() {
    golden(ExportFormat::Vtt);
}

#[test]
fn srt_matches_its_golden_file() {
    golden(ExportFormat::Srt);
}

#[test]
fn boris_matches_its_golden_file() {
    golden(ExportFormat::Boris);
}

/// Renders a BORIS project of `annotations` (neonatal codebook, 600 frames at 29.97 fps).
fn boris(annotations: &[Annotation]) -> serde_json::Value {
    let codebook = Codebook::from_json(debrief::model::codebook::NEONATAL).unwrap();
    let pts = pts(600);
    let text = ExportInput {
        recording_id: "rec-1",
        rate: rate(),
        pts: &pts,
        end_ns: rate().frame_to_ns(600),
        codebook: &codebook,
        annotations,
        exported_at: "2026-11-22T12:00:00Z",
        views: &[],
    }
    .render(ExportFormat::Boris);
    serde_json::from_str(&text).expect("BORIS project is JSON")
}

/// What BORIS needs of a project: every event's code in the ethogram, events
/// in time order, each state event's START closed by a STOP, and the same
/// milliseconds as Debrief's JSON export.
#[test]
fn boris_project_pairs_state_events_at_the_exported_times() {
    let project = boris(&annotations());
    assert_eq!(project["project_format_version"], "7.0");
    let ethogram = project["behaviors_conf"].as_object().unwrap();
    let kind_of = |code: &str| -> String {
        ethogram
            .values()
            .find(|b| b["code"] == code)
            .unwrap_or_else(|| panic!("{code} not in the ethogram"))["type"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(kind_of("ppv"), "State event");
    assert_eq!(kind_of("birth"), "Point event");
    assert_eq!(kind_of("retired-code"), "Point event");
    for code in ["epinephrine", "hr-assessment"] {
        // A rating scale in the codebook, or a rated annotation.
        let rated = ethogram.values().find(|b| b["code"] == code).unwrap();
        assert_eq!(rated["modifiers"]["0"]["name"], "rating", "{code}");
    }
    let plain = ethogram.values().find(|b| b["code"] == "birth").unwrap();
    assert_eq!(plain["modifiers"], serde_json::json!({}));

    let json: serde_json::Value = serde_json::from_str(&render(ExportFormat::Json)).unwrap();
    let exported: Vec<&serde_json::Value> =
        json["annotations"].as_array().unwrap().iter().collect();
    let observations = project["observations"].as_object().unwrap();
    assert_eq!(
        observations.keys().collect::<Vec<_>>(),
        ["rec-1 - alice", "rec-1 - bob"],
        "one observation per rater"
    );
    let mut seen = 0;
    for (name, obs) in observations {
        let rater = name.rsplit(" - ").next().unwrap();
        let events = obs["events"].as_array().unwrap();
        let times: Vec<f64> = events.iter().map(|e| e[0].as_f64().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{name}: time order");
        let mut open: HashMap<&str, f64> = HashMap::new();
        for e in events {
            let (t, code) = (e[0].as_f64().unwrap(), e[2].as_str().unwrap());
            assert_eq!(
                e.as_array().unwrap().len(),
                6,
                "time, subject, code, modifier, comment, frame"
            );
            if kind_of(code) == "State event" {
                match open.remove(code) {
                    None => {
                        open.insert(code, t);
                    }
                    Some(start) => {
                        let a = exported
                            .iter()
                            .find(|a| {
                                a["code"] == code
                                    && a["rater"] == rater
                                    && a["start_ms"].as_i64()
                                        == Some((start * 1000.0).round() as i64)
                            })
                            .unwrap_or_else(|| {
                                panic!("{code} from {start} s not in the JSON export")
                            });
                        assert_eq!((t * 1000.0).round() as i64, a["end_ms"].as_i64().unwrap());
                        assert_eq!(e[5].as_u64(), Some(a["last_frame"].as_u64().unwrap() + 1));
                        seen += 1;
                    }
                }
            } else {
                let a = exported
                    .iter()
                    .find(|a| a["code"] == code && a["rater"] == rater)
                    .unwrap();
                assert_eq!((t * 1000.0).round() as i64, a["start_ms"].as_i64().unwrap());
                assert_eq!(e[5].as_u64(), a["start_frame"].as_u64());
                let rating = a["rating"]
                    .as_f64()
                    .map(|r| r.to_string())
                    .unwrap_or_default();
                assert_eq!(
                    e[3].as_str(),
                    Some(rating.as_str()),
                    "{code}: rating as modifier"
                );
                seen += 1;
            }
        }
        assert!(open.is_empty(), "{name}: START without STOP: {open:?}");
    }
    assert_eq!(seen, exported.len(), "every annotation exported once");
    let text = project.to_string();
    assert!(!text.contains("never exported"), "a private note leaked");
}

/// BORIS pairs START/STOP per code: a rater's overlapping spans of one code
/// go to a sibling observation instead of being merged or lost.
#[test]
fn boris_keeps_overlapping_spans_of_one_code_apart() {
    let project = boris(&[
        ann("x1", "ppv", 100, Some(300), "alice"),
        ann("x2", "ppv", 200, Some(400), "alice"),
        ann("x3", "ppv", 500, Some(550), "alice"),
    ]);
    let observations = project["observations"].as_object().unwrap();
    let counts: Vec<(String, usize)> = observations
        .iter()
        .map(|(k, v)| (k.clone(), v["events"].as_array().unwrap().len()))
        .collect();
    assert_eq!(
        counts,
        [
            ("rec-1 - alice".to_owned(), 4),
            ("rec-1 - alice (2)".to_owned(), 2)
        ]
    );
}

#[test]
fn frames_and_milliseconds_agree_across_formats() {
    let json: serde_json::Value = serde_json::from_str(&render(ExportFormat::Json)).unwrap();
    let csv = parse_csv(&render(ExportFormat::Csv));
    assert_eq!(
        csv[0].join(","),
        "recording,tier,code,start_frame,end_frame,start_ms,end_ms,rater,rating,note"
    );
    let items = json["annotations"].as_array().unwrap();
    assert_eq!(items.len(), csv.len() - 1);
    for (item, cols) in items.iter().zip(&csv[1..]) {
        assert_eq!(cols.len(), 10);
        assert_eq!(cols[2], item["code"].as_str().unwrap());
        assert_eq!(
            cols[9],
            item["note"].as_str().map_or(String::new(), |n| {
                if n.starts_with('=') {
                    format!("'{n}")
                } else {
                    n.to_owned()
                }
            })
        );
        assert_eq!(cols[3], item["start_frame"].to_string());
        assert_eq!(cols[4], item["last_frame"].to_string());
        assert_eq!(cols[5], item["start_ms"].to_string());
        assert_eq!(cols[6], item["end_ms"].to_string());
    }
    // Frame 90 at 29.97 fps starts at 3003 ms and ends at 3036.366… → 3036 ms.
    let birth = items.iter().find(|i| i["code"] == "birth").unwrap();
    assert_eq!(
        (birth["start_ms"].as_i64(), birth["end_ms"].as_i64()),
        (Some(3003), Some(3036))
    );
    assert_eq!(birth["start_pts_ns"].as_i64(), Some(3_003_000_000));
    // The open duration runs to the end of the recording (600 frames = 20.02 s).
    let open = items.iter().find(|i| i["code"] == "compressions").unwrap();
    assert_eq!(
        (open["open"].as_bool(), open["end_ms"].as_i64()),
        (Some(true), Some(20020))
    );
    let vtt = render(ExportFormat::Vtt);
    assert!(vtt.contains("00:00:03.003 --> 00:00:03.036\nBirth: Born, apnoeic, \"floppy\""));
    let srt = render(ExportFormat::Srt);
    assert!(srt.contains("00:00:03,003 --> 00:00:03,036"));
}

/// Records of an RFC 4180 CSV text (quoted fields may hold commas, quotes, newlines).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

/// What ELAN needs of an EAF 3.0 file, checked element by element.
#[test]
fn eaf_has_the_structure_elan_reads() {
    let text = render(ExportFormat::Eaf);
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "ANNOTATION_DOCUMENT");
    for attr in ["AUTHOR", "DATE", "VERSION", "FORMAT"] {
        assert!(root.attribute(attr).is_some(), "{attr}");
    }
    assert_eq!(root.attribute("VERSION"), Some("3.0"));

    // Children in the order the XSD's sequence demands.
    let order = [
        "HEADER",
        "TIME_ORDER",
        "TIER",
        "LINGUISTIC_TYPE",
        "LOCALE",
        "LANGUAGE",
        "CONSTRAINT",
        "CONTROLLED_VOCABULARY",
        "LEXICON_REF",
        "EXTERNAL_REF",
    ];
    let ranks: Vec<usize> = root
        .children()
        .filter(|n| n.is_element())
        .map(|n| {
            order
                .iter()
                .position(|o| *o == n.tag_name().name())
                .unwrap_or_else(|| panic!("unexpected element {}", n.tag_name().name()))
        })
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "element order: {ranks:?}"
    );
    let header = root.children().find(|n| n.has_tag_name("HEADER")).unwrap();
    assert_eq!(header.attribute("TIME_UNITS"), Some("milliseconds"));

    let slots: HashMap<&str, i64> = root
        .descendants()
        .filter(|n| n.has_tag_name("TIME_SLOT"))
        .map(|n| {
            (
                n.attribute("TIME_SLOT_ID").unwrap(),
                n.attribute("TIME_VALUE").unwrap().parse().unwrap(),
            )
        })
        .collect();
    let values: Vec<i64> = root
        .descendants()
        .filter(|n| n.has_tag_name("TIME_SLOT"))
        .map(|n| n.attribute("TIME_VALUE").unwrap().parse().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] < w[1]), "time slots ascend");

    let types: HashMap<&str, Option<&str>> = root
        .children()
        .filter(|n| n.has_tag_name("LINGUISTIC_TYPE"))
        .map(|n| {
            assert_eq!(n.attribute("TIME_ALIGNABLE"), Some("true"));
            (
                n.attribute("LINGUISTIC_TYPE_ID").unwrap(),
                n.attribute("CONTROLLED_VOCABULARY_REF"),
            )
        })
        .collect();
    let vocabularies: HashMap<&str, HashMap<&str, &str>> = root
        .children()
        .filter(|n| n.has_tag_name("CONTROLLED_VOCABULARY"))
        .map(|cv| {
            let entries = cv
                .children()
                .filter(|n| n.has_tag_name("CV_ENTRY_ML"))
                .map(|e| {
                    let value = e.children().find(|n| n.has_tag_name("CVE_VALUE")).unwrap();
                    assert_eq!(value.attribute("LANG_REF"), Some("eng"));
                    (e.attribute("CVE_ID").unwrap(), value.text().unwrap_or(""))
                })
                .collect();
            (cv.attribute("CV_ID").unwrap(), entries)
        })
        .collect();
    let languages: HashSet<&str> = root
        .children()
        .filter(|n| n.has_tag_name("LANGUAGE"))
        .map(|n| n.attribute("LANG_ID").unwrap())
        .collect();
    assert!(languages.contains("eng"));

    let mut ids = HashSet::new();
    let mut tier_ids = HashSet::new();
    let mut annotators = HashSet::new();
    let mut coded = 0;
    for tier in root.children().filter(|n| n.has_tag_name("TIER")) {
        let tier_id = tier.attribute("TIER_ID").unwrap();
        assert!(tier_ids.insert(tier_id), "tier {tier_id} twice");
        annotators.insert(tier.attribute("ANNOTATOR").expect("ANNOTATOR set"));
        let ty = tier.attribute("LINGUISTIC_TYPE_REF").unwrap();
        let cv = *types
            .get(ty)
            .unwrap_or_else(|| panic!("type {ty} undeclared"));
        let mut last_end = i64::MIN;
        for a in tier
            .descendants()
            .filter(|n| n.has_tag_name("ALIGNABLE_ANNOTATION"))
        {
            assert!(
                ids.insert(a.attribute("ANNOTATION_ID").unwrap()),
                "duplicate id"
            );
            let t1 = slots[a.attribute("TIME_SLOT_REF1").unwrap()];
            let t2 = slots[a.attribute("TIME_SLOT_REF2").unwrap()];
            assert!(t1 < t2, "a point event is a one-frame interval");
            assert!(t1 >= last_end, "overlap within tier {tier_id}");
            last_end = t2;
            let value = a
                .children()
                .find(|n| n.has_tag_name("ANNOTATION_VALUE"))
                .unwrap()
                .text()
                .unwrap_or("");
            if let Some(cv) = cv {
                coded += 1;
                let entry = a.attribute("CVE_REF").expect("CVE_REF on a coded tier");
                assert_eq!(vocabularies[cv].get(entry), Some(&value), "{entry} in {cv}");
            }
        }
    }
    assert_eq!(
        coded,
        annotations().len(),
        "every annotation on a coded tier"
    );
    assert_eq!(annotators, HashSet::from(["alice", "bob"]));
    // The overlapping intubation went to a sibling tier of the airway lane.
    assert!(tier_ids.contains("Airway and breathing - alice"));
    assert!(tier_ids.contains("Airway and breathing (2) - alice"));
    let last_used: usize = header
        .children()
        .find(|n| n.attribute("NAME") == Some("lastUsedAnnotationId"))
        .unwrap()
        .text()
        .unwrap()
        .parse()
        .unwrap();
    assert!(last_used >= ids.len());
}

/// The JSON export has exactly the fields its published schema lists, and
/// validates against it.
#[test]
fn json_export_matches_its_schema_fields() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas/annotations.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&render(ExportFormat::Json)).unwrap();
    let keys = |v: &serde_json::Value| -> HashSet<String> {
        v.as_object().unwrap().keys().cloned().collect()
    };
    let listed = |v: &serde_json::Value| -> HashSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(keys(&doc), listed(&schema["required"]));
    // `views` is written only for a recording with several camera views (tests/views.rs).
    let mut optional = keys(&schema["properties"]);
    assert!(optional.remove("views"));
    assert_eq!(keys(&doc), optional);
    let item = &schema["properties"]["annotations"]["items"];
    for a in doc["annotations"].as_array().unwrap() {
        assert_eq!(keys(a), listed(&item["required"]));
        assert_eq!(keys(a), keys(&item["properties"]));
    }
    assert_eq!(doc["format"], schema["properties"]["format"]["const"]);
    // And every value is what the schema says: types, ranges, patterns, enums.
    let problems = debrief::model::schema::check(&schema, &doc);
    assert!(problems.is_empty(), "{problems:#?}");
    // The check can fail: a frame below 0 and a field of the wrong type are caught.
    let mut broken = doc.clone();
    broken["annotations"][0]["start_frame"] = (-1).into();
    broken["fps_num"] = "thirty".into();
    assert_eq!(debrief::model::schema::check(&schema, &broken).len(), 2);
}

/// Export → import into a second copy of the recording → the same annotations
/// (open durations come back closed at the last frame), for JSON and EAF.
#[test]
fn json_and_eaf_round_trip_through_import() {
    use debrief::vault::{ImportFormat, ImportOptions, NewAnnotation};
    let dir = tempfile::tempdir().unwrap();
    let spec = debrief::media::testsrc::TestSrcSpec {
        frames: 90,
        ..Default::default()
    };
    let mut fx = common::vault::fixture(dir.path(), &spec, true);
    let items = [
        ("birth", 5, None, None, Some("Baby out, floppy")),
        ("initial-steps", 0, Some(20), None, None),
        ("ppv", 10, Some(40), None, Some("good; seal")),
        // Rated (its code has a scale), with a note: "rating 1; dose; 0.1 ml" in EAF.
        ("epinephrine", 50, None, Some(1.0), Some("dose; 0.1 ml")),
        ("compressions", 60, None, None, None), // open: never stopped
    ];
    for (code, start, end, rating, note) in items {
        fx.vault
            .add_annotation(NewAnnotation {
                recording_id: fx.recording_id.clone(),
                code: code.into(),
                start_frame: start,
                end_frame: end,
                rating,
                note: note.map(str::to_owned),
                ..Default::default()
            })
            .unwrap();
    }
    let key = |a: &debrief::model::Annotation, last: u64| {
        let open_end = (a.code == "compressions" && a.end_frame.is_none()).then_some(last);
        (
            a.code.clone(),
            a.start_frame,
            a.end_frame.or(open_end),
            a.rating.map(|r| r.to_string()),
            a.note.clone(),
        )
    };
    let mut want: Vec<_> = fx
        .vault
        .annotations(&fx.recording_id)
        .unwrap()
        .iter()
        .map(|a| key(a, 89))
        .collect();
    want.sort();
    for (format, import) in [
        (ExportFormat::Json, ImportFormat::Json),
        (ExportFormat::Eaf, ImportFormat::Eaf),
    ] {
        let text = fx
            .vault
            .export_annotations(&fx.recording_id, format)
            .unwrap();
        // A copy in a case of its own: the same file twice in one case is refused.
        let case_id = fx
            .vault
            .create_case(debrief::vault::NewCase {
                title: format!("Copy for {format:?}"),
                ..Default::default()
            })
            .unwrap();
        let copy = fx
            .vault
            .import(
                &case_id,
                &fx.source,
                ImportOptions::default(),
                &mut |_, _| true,
            )
            .unwrap()
            .recording_id;
        let n = fx
            .vault
            .import_annotations(&copy, import, &text, "file")
            .unwrap();
        assert_eq!(n, 5, "{format}");
        let mut got: Vec<_> = fx
            .vault
            .annotations(&copy)
            .unwrap()
            .iter()
            .map(|a| key(a, 89))
            .collect();
        got.sort();
        assert_eq!(got, want, "{format} round trip");
    }
    // A malformed file names the place; nothing is added.
    let copy = fx.recording_id.clone();
    let before = fx.vault.annotations(&copy).unwrap().len();
    let err = fx
        .vault
        .import_annotations(
            &copy,
            ImportFormat::Json,
            "{\"format\": \"debrief-annotations\", \"version\": 2}",
            "bad.json",
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad.json:1:") && err.contains("/version: expected 1"),
        "{err}"
    );
    let err = fx
        .vault
        .import_annotations(&copy, ImportFormat::Eaf, "<x/>", "bad.eaf")
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected <ANNOTATION_DOCUMENT>"), "{err}");
    assert_eq!(fx.vault.annotations(&copy).unwrap().len(), before);
}

/// The debrief report draws every event once, reads the metrics right and
/// names raters only by letter.
#[test]
fn report_draws_every_event_and_names_nobody() {
    use debrief::model::report::{ReportInput, render as report};
    let codebook = Codebook::from_json(debrief::model::codebook::NEONATAL).unwrap();
    let pts = pts(600);
    let annotations = annotations();
    let end_ns = rate().frame_to_ns(600);
    let metrics = debrief::model::metrics::interval_metrics(&codebook, &annotations, end_ns);
    let export = ExportInput {
        recording_id: "rec-1",
        rate: rate(),
        pts: &pts,
        end_ns,
        codebook: &codebook,
        annotations: &annotations,
        exported_at: "2026-11-22T12:00:00Z",
        views: &[],
    };
    let html = report(&ReportInput {
        export,
        unit: Some("NICU <east>"),
        date: Some("2026-11-01"),
        purpose: debrief::model::Purpose::Education,
        metrics: &metrics,
        data_metrics: &[],
        data_plots: &[],
        include_notes: true,
    });
    let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
    assert_eq!(
        svg.matches("<title>").count(),
        annotations.len(),
        "one mark per event"
    );
    // Durations are bars, points are ticks: ppv and compressions (open) are bars.
    assert_eq!(svg.matches("rx=\"3\"").count(), 2);
    assert!(svg.contains("Airway and breathing (A)") && svg.contains("(B)"));
    // Birth at frame 90, ventilation at frame 100: 0.3 s, within 60 s.
    assert!(html.contains("<td class=\"met\">Met</td>"), "{html}");
    assert!(html.contains("0.3 s"));
    assert!(html.contains("(not stopped)"));
    assert!(html.contains("NICU &lt;east&gt;"));
    assert!(html.contains("Mask leak &lt;10 s&gt; &amp; then\nchest rise"));
    for absent in ["alice", "bob", "never exported", "<script", "http"] {
        assert!(!html.contains(absent), "'{absent}' in the report");
    }
}
