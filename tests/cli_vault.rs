//! The vault commands end to end on the built binary: the JSON contract,
//! no plaintext anywhere, refusals (exit 2, one clear line), roles, tampering.

mod common;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;

use common::cli::{Env, refused, setup};
use common::{bin, generate};
use debrief::media::testsrc::TestSrcSpec;

#[test]
fn the_json_contract_of_the_vault_commands() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let source = generate(
        root.path(),
        "src.mp4",
        &TestSrcSpec {
            frames: 60,
            audio: true,
            ..Default::default()
        },
    );
    let (case, participant, rec) = setup(&env, &source);
    let books = env.json(&["codebook", "list", "--json"]);
    assert_eq!(books["codebooks"][0]["id"], "neonatal-resuscitation");
    let book = env.json(&["codebook", "show", "neonatal-resuscitation", "--json"]);
    let ids: Vec<&str> = book["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for id in ["birth", "ppv", "intubation", "compressions", "epinephrine"] {
        assert!(ids.contains(&id), "{id}");
    }
    let a = env.json(&[
        "annotate",
        "add",
        "--recording",
        &rec,
        "--code",
        "ppv",
        "--frame",
        "10",
        "--end-frame",
        "30",
        "--note",
        "good seal",
        "--json",
    ]);
    assert!(a["annotation_id"].is_string());
    env.json(&[
        "annotate",
        "add",
        "--recording",
        &rec,
        "--code",
        "compressions",
        "--frame",
        "40",
        "--json",
    ]);
    refused(
        &env.run(&[
            "annotate",
            "add",
            "--recording",
            &rec,
            "--code",
            "birth",
            "--frame",
            "3",
            "--end-frame",
            "9",
        ]),
        "point event",
    );
    let list = env.json(&["annotate", "list", "--recording", &rec, "--json"]);
    let items = list["annotations"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (
            items[0]["code"].as_str(),
            items[0]["start_frame"].as_u64(),
            items[0]["end_frame"].as_u64()
        ),
        (Some("ppv"), Some(10), Some(30))
    );
    assert!(items[1]["end_frame"].is_null(), "an open duration");
    let consent = env.json(&["consent", "show", "--case", &case, "--json"]);
    assert_eq!(consent["recordings"][0]["permissions"]["plenary"], true);
    assert_eq!(consent["participants"][0]["id"], participant.as_str());
    assert_eq!(
        consent["participants"][0]["stages"]["before-review-use"]["status"],
        "granted"
    );
    let audit = env.json(&["audit", "verify", "--json"]);
    assert_eq!(
        (audit["ok"].as_bool(), audit["first_bad"].is_null()),
        (Some(true), true)
    );
    assert!(audit["entries"].as_u64().unwrap() > 10);
    assert_eq!(
        env.json(&["retention", "run", "--json"])["shredded"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let png = root.path().join("f.png");
    env.ok(&[
        "frame",
        "--recording",
        &rec,
        "--index",
        "17",
        "--out",
        png.to_str().unwrap(),
    ]);
    let (w, h, rgba) = debrief::media::still::read_png(&png).unwrap();
    assert_eq!(
        debrief::media::frame_code::read_rgba(&rgba, w, h, w as usize * 4),
        Some(17)
    );
    env.ok(&["delete", "recording", &rec]);
    refused(
        &env.run(&[
            "frame",
            "--recording",
            &rec,
            "--index",
            "1",
            "--out",
            png.to_str().unwrap(),
        ]),
        "deleted",
    );
}

#[test]
fn the_consent_sheet_follows_the_policy_and_names_nobody() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let source = generate(
        root.path(),
        "src.mp4",
        &TestSrcSpec {
            frames: 30,
            audio: true,
            ..Default::default()
        },
    );
    let (case, _, _) = setup(&env, &source);
    let sheet = root.path().join("sheet.html");
    env.ok(&[
        "consent",
        "sheet",
        "--case",
        &case,
        "--out",
        sheet.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&sheet).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // The recording was imported for education, with sound, under the default policy.
    assert!(html.contains("for teaching: so that staff"), "{html}");
    assert!(html.contains("Video and sound"));
    assert!(html.contains("deleted 30 days after"));
    assert!(html.contains("the recording is deleted at once"));
    // Written to a plain file: no case title, no participant.
    assert!(!html.contains("Resuscitation 12") && !html.contains("Parent"));

    let missing = root.path().join("no such folder").join("sheet.html");
    refused(
        &env.run(&[
            "consent",
            "sheet",
            "--case",
            &case,
            "--out",
            missing.to_str().unwrap(),
        ]),
        &format!("writing {}", missing.display()),
    );
    refused(
        &env.run(&["consent", "sheet", "--case", "nope", "--out", "x.html"]),
        "case 'nope' does not exist",
    );
}

#[test]
fn annotations_export_writes_every_format_and_is_audited() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let source = generate(
        root.path(),
        "src.mp4",
        &TestSrcSpec {
            frames: 60,
            ..Default::default()
        },
    );
    let (_, _, rec) = setup(&env, &source);
    env.json(&[
        "annotate",
        "add",
        "--recording",
        &rec,
        "--code",
        "ppv",
        "--frame",
        "10",
        "--end-frame",
        "40",
        "--note",
        "good, \"rise\"",
        "--json",
    ]);
    env.json(&[
        "annotate",
        "add",
        "--recording",
        &rec,
        "--code",
        "birth",
        "--frame",
        "3",
        "--private",
        "--note",
        "my own",
        "--json",
    ]);
    for (format, expect) in [
        ("json", "\"format\": \"debrief-annotations\""),
        (
            "csv",
            "Airway and breathing,ppv,10,40,333,1367,alice,,\"good, \"\"rise\"\"\"",
        ),
        (
            "eaf",
            "<ANNOTATION_VALUE>Positive-pressure ventilation</ANNOTATION_VALUE>",
        ),
        (
            "vtt",
            "00:00:00.333 --> 00:00:01.367\nPositive-pressure ventilation: good, \"rise\"",
        ),
        ("srt", "00:00:00,333 --> 00:00:01,367"),
        ("boris", "\"project_format_version\": \"7.0\""),
    ] {
        let out = root.path().join(format!("a.{format}"));
        env.ok(&[
            "annotations",
            "export",
            "--recording",
            &rec,
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains(expect), "{format}: {text}");
        assert!(!text.contains("my own"), "{format} leaked a private note");
    }
    let audit = env.json(&["audit", "show", "--json"]);
    let exports = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "annotations.export")
        .count();
    assert_eq!(exports, 6);

    // The debrief report: self-contained, no names, no private note.
    let report = root.path().join("report.html");
    env.ok(&[
        "report",
        "--recording",
        &rec,
        "--out",
        report.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&report).unwrap();
    for expect in [
        "<svg",
        "Golden minute: birth to ventilation",
        "Positive-pressure ventilation",
        "Rater A",
        "good, &quot;rise&quot;",
        "purpose: education",
    ] {
        assert!(
            html.contains(expect),
            "'{expect}' not in the report: {html}"
        );
    }
    for absent in [
        "my own",
        "alice",
        "Parent",
        "Resuscitation 12",
        "http",
        "src=",
        "href=",
        "<script",
        "url(",
        "@import",
    ] {
        assert!(!html.contains(absent), "'{absent}' in the report");
    }
    env.ok(&[
        "report",
        "--recording",
        &rec,
        "--out",
        report.to_str().unwrap(),
        "--no-notes",
    ]);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains("rise"), "--no-notes left a shared note in");
    refused(
        &env.run(&["report", "--recording", &rec, "--out", "r.pdf"]),
        "name the file with .html",
    );
    refused(
        &env.run(&["report", "--recording", "nope", "--out", "r.html"]),
        "nope",
    );
    let audit = env.json(&["audit", "show", "--json"]);
    assert_eq!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "report.create")
            .count(),
        2
    );
    let out = env.run(&[
        "annotations",
        "export",
        "--recording",
        &rec,
        "--format",
        "docx",
        "--out",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("'docx' is not a supported format: use json, csv, eaf, vtt, srt")
    );
    refused(
        &env.run(&[
            "annotations",
            "export",
            "--recording",
            "nope",
            "--format",
            "csv",
            "--out",
            "x.csv",
        ]),
        "recording 'nope' does not exist",
    );
}

#[test]
fn no_plaintext_reaches_the_disk() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let source = generate(
        root.path(),
        "src.mp4",
        &TestSrcSpec {
            frames: 90,
            audio: true,
            bframes: true,
            ..Default::default()
        },
    );
    // Random markers, so a match can only come from this test's own data.
    let marker = format!(
        "MARKER-{:016x}",
        debrief::media::testsrc::splitmix64(std::process::id() as u64 ^ 0x5eed)
    );
    let title = format!("Case {marker}-title");
    let note = format!("{marker}-note");
    let private = format!("{marker}-private");
    env.json(&["init", "--json"]);
    let case = env.json(&["case", "create", "--title", &title, "--json"])["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = env.json(&[
        "participant",
        "add",
        "--case",
        &case,
        "--name",
        &format!("{marker}-name"),
        "--json",
    ])["participant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for stage in ["before-recording", "after-recording", "before-review-use"] {
        env.ok(&[
            "consent",
            "set",
            "--participant",
            &p,
            "--stage",
            stage,
            "--status",
            "granted",
            "--note",
            &format!("{marker}-consent"),
        ]);
    }
    let rec = env.json(&[
        "import",
        source.to_str().unwrap(),
        "--case",
        &case,
        "--json",
    ])["recording_id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok(&[
        "annotate",
        "add",
        "--recording",
        &rec,
        "--code",
        "birth",
        "--frame",
        "5",
        "--note",
        &note,
    ]);
    env.ok(&[
        "annotate",
        "add",
        "--recording",
        &rec,
        "--code",
        "ppv",
        "--frame",
        "9",
        "--end-frame",
        "20",
        "--note",
        &private,
        "--private",
    ]);
    let out_dir = root.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for i in [0u64, 45, 89] {
        env.ok(&[
            "frame",
            "--recording",
            &rec,
            "--index",
            &i.to_string(),
            "--out",
            out_dir.join(format!("{i}.png")).to_str().unwrap(),
        ]);
    }
    env.json(&["annotate", "list", "--recording", &rec, "--json"]);
    env.json(&["retention", "run", "--json"]);

    // Every 16-byte window of the source, and every marker string.
    let src = std::fs::read(&source).unwrap();
    let windows: HashSet<&[u8]> = src.windows(16).collect();
    let mut scanned = 0;
    for dir in [&env.vault, &env.tmp] {
        for file in common::vault::files(dir) {
            let bytes = std::fs::read(&file).unwrap();
            scanned += bytes.len();
            if let Some(at) = bytes.windows(16).position(|w| windows.contains(w)) {
                panic!("{} holds source bytes at offset {at}", file.display());
            }
            assert!(
                !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "{} holds a marker",
                file.display()
            );
        }
    }
    assert!(
        scanned > src.len(),
        "the vault holds the (encrypted) media: {scanned} bytes scanned"
    );
}

#[test]
fn a_wrong_passphrase_is_a_clear_refusal_that_changes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let vault = root.path().join("vault");
    // The real work factor here: this is the unlock people wait for.
    let run = |pass: &str, args: &[&str]| {
        Command::new(bin())
            .args(args)
            .env("DEBRIEF_VAULT", &vault)
            .env("DEBRIEF_USER", "alice")
            .env("DEBRIEF_PASSPHRASE", pass)
            .output()
            .unwrap()
    };
    assert!(run("right one", &["init"]).status.success());
    let before = common::vault::hashes(&vault);
    // How long the refusal takes is measured by `debrief bench vault` (wrong_passphrase_ms).
    let out = run("wrong one", &["case", "list"]);
    refused(&out, "wrong passphrase, or no user 'alice' in this vault");
    assert_eq!(
        common::vault::hashes(&vault),
        before,
        "nothing on disk changed"
    );
    assert!(run("right one", &["case", "list"]).status.success());
}

#[test]
fn refusals_name_the_problem_and_the_fix() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    refused(
        &env.run(&["case", "list"]),
        "no vault here; create one with `debrief init",
    );
    env.json(&["init", "--json"]);
    refused(&env.run(&["init"]), "a vault already exists here");
    refused(
        &env.as_user("zed", "x").run(&["case", "list"]),
        "wrong passphrase, or no user 'zed' in this vault",
    );
    refused(
        &env.run(&["case", "create", "--title", "x", "--date", "31/12/2026"]),
        "is not a date: write YYYY-MM-DD",
    );
    refused(
        &env.run(&["case", "create", "--title", "x", "--codebook", "nope"]),
        "codebook 'nope' does not exist",
    );
    let case = env.json(&["case", "create", "--title", "t", "--json"])["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let source = generate(
        root.path(),
        "s.mp4",
        &TestSrcSpec {
            frames: 30,
            ..Default::default()
        },
    );
    let rec = env.json(&[
        "import",
        source.to_str().unwrap(),
        "--case",
        &case,
        "--json",
    ])["recording_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // No participant, no consent: viewing is refused and says what is missing.
    let png = root.path().join("x.png");
    refused(
        &env.run(&[
            "frame",
            "--recording",
            &rec,
            "--index",
            "0",
            "--out",
            png.to_str().unwrap(),
        ]),
        "needs consent",
    );
    assert!(!png.exists());
    let text = root.path().join("notes.txt");
    std::fs::write(&text, "not a video").unwrap();
    refused(
        &env.run(&["import", text.to_str().unwrap(), "--case", &case]),
        "not a media file",
    );
    assert_eq!(
        std::fs::read_dir(env.vault.join("media")).unwrap().count(),
        1,
        "a failed import leaves nothing behind"
    );
    let out = env.run(&[
        "consent",
        "set",
        "--participant",
        "x",
        "--stage",
        "sometime",
        "--status",
        "granted",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("before-recording, after-recording, before-review-use")
    );
}

#[test]
fn a_provider_cannot_reach_cases_they_are_not_part_of() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let source = generate(
        root.path(),
        "src.mp4",
        &TestSrcSpec {
            frames: 30,
            ..Default::default()
        },
    );
    let (case, _, rec) = setup(&env, &source);
    env.ok(&["user", "add", "bob", "--role", "provider"]);
    let other = env.json(&["case", "create", "--title", "Not Bob's", "--json"])["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok(&[
        "participant",
        "add",
        "--case",
        &case,
        "--name",
        "Dr B",
        "--user",
        "bob",
    ]);
    let bob = env.as_user("bob", "bob pass");
    let cases = bob.json(&["case", "list", "--json"]);
    let ids: Vec<&str> = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![case.as_str()]);
    refused(
        &bob.run(&["consent", "show", "--case", &other]),
        "does not exist (or is not visible to you)",
    );
    refused(
        &bob.run(&["recording", "list", "--case", &other]),
        "does not exist",
    );
    refused(
        &bob.run(&["case", "create", "--title", "x"]),
        "only an instructor may create cases",
    );
    refused(
        &bob.run(&["delete", "recording", &rec]),
        "only an instructor may delete recordings",
    );
    // His own case's recording: visible to him.
    let png = root.path().join("b.png");
    bob.ok(&[
        "frame",
        "--recording",
        &rec,
        "--index",
        "3",
        "--out",
        png.to_str().unwrap(),
    ]);
    // The other case's recording: as if it did not exist.
    let source2 = generate(
        root.path(),
        "s2.mp4",
        &TestSrcSpec {
            frames: 30,
            ..Default::default()
        },
    );
    let rec2 = env.json(&[
        "import",
        source2.to_str().unwrap(),
        "--case",
        &other,
        "--json",
    ])["recording_id"]
        .as_str()
        .unwrap()
        .to_owned();
    refused(
        &bob.run(&[
            "frame",
            "--recording",
            &rec2,
            "--index",
            "3",
            "--out",
            png.to_str().unwrap(),
        ]),
        "does not exist",
    );
    refused(
        &bob.run(&["annotate", "list", "--recording", &rec2]),
        "does not exist",
    );
}

#[test]
fn tampering_is_detected() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let source = generate(
        root.path(),
        "src.mp4",
        &TestSrcSpec {
            frames: 60,
            ..Default::default()
        },
    );
    let (_, _, rec) = setup(&env, &source);
    // One flipped byte in the media: the frame command fails before showing anything.
    let media = env.vault.join("media").join(format!("{rec}.age"));
    let mut bytes = std::fs::read(&media).unwrap();
    let last = bytes.len() - 100;
    bytes[last] ^= 1;
    std::fs::write(&media, &bytes).unwrap();
    let png = root.path().join("t.png");
    refused(
        &env.run(&[
            "frame",
            "--recording",
            &rec,
            "--index",
            "0",
            "--out",
            png.to_str().unwrap(),
        ]),
        "integrity check failed",
    );
    assert!(!png.exists(), "no frame is shown");
    // The audit chain: truncate its end behind the head's back.
    {
        debrief::vault::keys::set_test_work_factor(10);
        let v = debrief::vault::Vault::unlock(
            &env.vault,
            "alice",
            &age::secrecy::SecretString::from("alice pass".to_owned()),
        )
        .unwrap();
        v.connection()
            .execute(
                "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)",
                [],
            )
            .unwrap();
    }
    let out = env.run(&["audit", "verify", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert!(report["first_bad"].as_u64().is_some());
    // Writing on would move audit.head past the damage and hide it: the vault is read-only now.
    refused(
        &env.run(&["case", "create", "--title", "after the tampering"]),
        "read-only",
    );
    // Reading still works.
    env.json(&["case", "list", "--json"]);
}

#[test]
fn bench_vault_prints_its_figures() {
    let root = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .args([
            "bench",
            "vault",
            "--size-mib",
            "2",
            "--annotations",
            "300",
            "--json",
            "--dir",
        ])
        .arg(root.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["annotations"], 300, "every annotation added is listed");
    for key in [
        "import_mib",
        "import_s",
        "import_mib_s",
        "unlock_ms",
        "list_ms",
    ] {
        assert!(v[key].as_f64().is_some(), "{key}: {v}");
    }
}

#[test]
fn export_clip_and_package_create_from_the_command_line() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let spec = TestSrcSpec {
        frames: 45,
        audio: true,
        faces: 1,
        ..Default::default()
    };
    let source = generate(root.path(), "source.mp4", &spec);
    let (case, _, recording) = setup(&env, &source);
    let out = root.path().join("clip-1.mp4");
    let clip = env.json(&[
        "export",
        "clip",
        "--recording",
        &recording,
        "--from-frame",
        "5",
        "--to-frame",
        "34",
        "--out",
        out.to_str().unwrap(),
        "--faces",
        "redact",
        "--audio",
        "drop",
        "--json",
    ]);
    assert_eq!(clip["frames"], 30);
    assert_eq!(clip["out"], out.to_str().unwrap());
    // The fast engine when its library is there; tract, saying so, when it is hidden.
    let expected = match debrief::deid::detector::onnxruntime() {
        Ok(_) => "onnxruntime",
        Err(why) => {
            eprintln!("note: {why}: this run checks the tract engine only");
            "tract"
        }
    };
    assert_eq!(clip["detector_engine"], expected);
    let hidden = root.path().join("clip-tract.mp4");
    let tract = common::cli::json_of(
        env.command(&[
            "export",
            "clip",
            "--recording",
            &recording,
            "--from-frame",
            "5",
            "--to-frame",
            "14",
            "--out",
            hidden.to_str().unwrap(),
            "--json",
        ])
        .env(
            "DEBRIEF_ONNXRUNTIME",
            root.path().join("no-such-library.so"),
        ),
    );
    assert_eq!(
        tract["detector_engine"], "tract",
        "the fallback runs without the library"
    );
    assert!(tract["frames_with_faces"].as_u64().unwrap() >= 8, "{tract}");
    let bytes = std::fs::read(&out).unwrap();
    use sha2::Digest as _;
    assert_eq!(clip["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));
    let clip_id = clip["clip_id"].as_str().unwrap().to_owned();
    // Keeping voices needs a confirmation; a bad regions file names the problem.
    let keep = root.path().join("keep.mp4");
    let args = [
        "export",
        "clip",
        "--recording",
        &recording,
        "--from-frame",
        "0",
        "--to-frame",
        "9",
    ];
    refused(
        &env.run(
            &[
                &args[..],
                &["--out", keep.to_str().unwrap(), "--audio", "keep"],
            ]
            .concat(),
        ),
        "--confirm-keep-audio",
    );
    let regions = root.path().join("regions.json");
    std::fs::write(&regions, "{\"regions\": [").unwrap();
    refused(
        &env.run(
            &[
                &args[..],
                &[
                    "--out",
                    keep.to_str().unwrap(),
                    "--regions",
                    regions.to_str().unwrap(),
                ],
            ]
            .concat(),
        ),
        "line 1",
    );
    refused(
        &env.run(
            &[
                &args[..],
                &["--out", root.path().join("c.avi").to_str().unwrap()],
            ]
            .concat(),
        ),
        ".mp4 or .webm",
    );
    assert!(!keep.exists());
    // The package: encrypted with the passphrase from the environment.
    let pkg = root.path().join("session.dbpkg");
    let package_cmd = |args: &[&str]| {
        Command::new(bin())
            .args(["package", "create"])
            .args(args)
            .env("DEBRIEF_VAULT", &env.vault)
            .env("DEBRIEF_USER", &env.user)
            .env("DEBRIEF_PASSPHRASE", &env.pass)
            .env("DEBRIEF_PACKAGE_PASSPHRASE", "plenary")
            .output()
            .unwrap()
    };
    let out = package_cmd(&[
        "--clips",
        &clip_id,
        "--out",
        pkg.to_str().unwrap(),
        "--expires",
        "2099-12-31",
        "--clip-title",
        "Airway opening",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["clips"], 1);
    let package = debrief::package::Package::open_with_passphrase(
        &pkg,
        &secrecy::SecretString::from("plenary".to_owned()),
    )
    .unwrap();
    assert_eq!(package.manifest().unwrap().clips[0].id, clip_id);
    assert_eq!(package.manifest().unwrap().clips[0].title, "Airway opening");
    refused(
        &package_cmd(&[
            "--clips",
            &clip_id,
            "--out",
            root.path().join("x.dbpkg").to_str().unwrap(),
            "--clip-title",
            "One",
            "--clip-title",
            "Two",
        ]),
        "2 clip titles for 1 clips",
    );
    refused(
        &package_cmd(&[
            "--clips",
            "nope",
            "--out",
            root.path().join("x.dbpkg").to_str().unwrap(),
        ]),
        "clip 'nope'",
    );
    refused(
        &package_cmd(&[
            "--clips",
            &clip_id,
            "--out",
            root.path().join("x.dbpkg").to_str().unwrap(),
            "--expires",
            "2001-01-01",
        ]),
        "in the past",
    );
    // A participant without consent: plenary use is refused, naming them and the stage.
    env.json(&[
        "participant",
        "add",
        "--case",
        &case,
        "--name",
        "Nurse Two",
        "--json",
    ]);
    refused(
        &env.run(
            &[
                &args[..],
                &["--out", root.path().join("c2.mp4").to_str().unwrap()],
            ]
            .concat(),
        ),
        "Nurse Two (before-recording",
    );
    refused(
        &package_cmd(&[
            "--clips",
            &clip_id,
            "--out",
            root.path().join("y.dbpkg").to_str().unwrap(),
        ]),
        "Nurse Two",
    );
    assert!(!root.path().join("y.dbpkg").exists() && !root.path().join("c2.mp4").exists());
}

#[test]
fn metrics_and_agreement_from_the_command_line() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let source = generate(
        root.path(),
        "source.mp4",
        &TestSrcSpec {
            frames: 90,
            ..Default::default()
        },
    );
    let (_, _, rec) = setup(&env, &source);
    env.ok(&["user", "add", "bob", "--role", "instructor"]);
    let bob = env.as_user("bob", "bob pass");
    let add = |who: &Env, code: &str, frame: &str, end: Option<&str>| {
        let mut args = vec![
            "annotate",
            "add",
            "--recording",
            &rec,
            "--code",
            code,
            "--frame",
            frame,
            "--json",
        ];
        if let Some(e) = end {
            args.extend(["--end-frame", e]);
        }
        who.json(&args);
    };
    add(&env, "birth", "0", None);
    add(&env, "ppv", "30", Some("60"));
    add(&bob, "birth", "3", None);
    add(&bob, "ppv", "45", Some("60"));
    let m = env.json(&["metrics", "--recording", &rec, "--json"]);
    let golden = &m["metrics"][0];
    assert_eq!(golden["status"], "met");
    assert_eq!(golden["seconds"], 1.0);
    assert_eq!(
        (golden["from_frame"].as_u64(), golden["to_frame"].as_u64()),
        (Some(0), Some(30))
    );
    let m = env.json(&["metrics", "--recording", &rec, "--rater", "bob", "--json"]);
    assert_eq!(m["metrics"][0]["seconds"], 1.4);
    let a = env.json(&[
        "agreement",
        "--recording",
        &rec,
        "--raters",
        "alice,bob",
        "--json",
    ]);
    assert_eq!(a["raters"], serde_json::json!(["alice", "bob"]));
    let events = a["events"].as_array().unwrap();
    for code in ["birth", "ppv"] {
        let e = events.iter().find(|e| e["code"] == code).unwrap();
        assert_eq!(
            (e["a"].as_u64(), e["b"].as_u64(), e["matched"].as_u64()),
            (Some(1), Some(1), Some(1)),
            "{code}"
        );
    }
    let airway = a["kappa"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["category"] == "airway")
        .unwrap();
    assert_eq!(airway["kappa"], 1.0, "{airway}");
    assert_eq!(airway["units"], 3);
    // Half a second of tolerance: bob's ventilation started 0.5 s later — still matched; 0.4 s: not.
    let a = env.json(&[
        "agreement",
        "--recording",
        &rec,
        "--raters",
        "alice,bob",
        "--tolerance-seconds",
        "0.4",
        "--json",
    ]);
    let ppv = a["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "ppv")
        .unwrap()
        .clone();
    assert_eq!(ppv["matched"], 0);
    refused(
        &env.run(&["agreement", "--recording", &rec, "--raters", "alice,carol"]),
        "rater 'carol' has no annotations",
    );
    refused(
        &env.run(&["agreement", "--recording", &rec, "--raters", "alice"]),
        "exactly two raters",
    );
}

#[test]
fn codebook_validate_needs_no_vault_and_lists_every_problem() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let good = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/codebooks/team.json");
    let ok = env.json(&["codebook", "validate", good.to_str().unwrap(), "--json"]);
    assert_eq!(
        (
            ok["valid"].as_bool(),
            ok["id"].as_str(),
            ok["codes"].as_u64()
        ),
        (Some(true), Some("team"), Some(12))
    );
    let bad = root.path().join("bad.json");
    let text = std::fs::read_to_string(&good)
        .unwrap()
        .replace("\"category\": \"overall\"", "\"category\": \"global\"")
        .replace("\"hotkey\": \"2\"", "\"hotkey\": \"1\"");
    std::fs::write(&bad, text).unwrap();
    let out = env.run(&["codebook", "validate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/codes/11/category: 'global' is not a category"),
        "{err}"
    );
    assert!(
        err.contains("/codes/1/hotkey: hotkey '1' is also code 'team-1-direction''s"),
        "{err}"
    );
    assert!(
        err.contains("is not a valid codebook (2 problems)"),
        "{err}"
    );
    // A new vault lists every bundled codebook.
    env.json(&["init", "--json"]);
    let list = env.json(&["codebook", "list", "--json"]);
    let ids: Vec<&str> = list["codebooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    for id in ["neonatal-resuscitation", "team", "team-communication"] {
        assert!(ids.contains(&id), "{ids:?}");
    }

    // Import: a copy of a bundled codebook under its own id is added; the
    // bundled id itself cannot be replaced; a broken file is refused with where.
    let copy = root.path().join("copy.json");
    let text = std::fs::read_to_string(&good).unwrap().replacen(
        "\"id\": \"team\"",
        "\"id\": \"team-local\"",
        1,
    );
    std::fs::write(&copy, &text).unwrap();
    let imported = env.json(&["codebook", "import", copy.to_str().unwrap(), "--json"]);
    assert_eq!(imported["codebook_id"], "team-local");
    let shown = env.json(&["codebook", "show", "team-local", "--json"]);
    assert_eq!(shown["codes"].as_array().unwrap().len(), 12);
    refused(
        &env.run(&["codebook", "import", good.to_str().unwrap()]),
        "'team' is a bundled codebook: copy it under a new id",
    );
    // The vault's own check names the file, each problem's place and that
    // nothing changed (the CLI no longer checks the file a second time).
    let out = env.run(&["codebook", "import", bad.to_str().unwrap()]);
    refused(&out, "/codes/11/category: 'global' is not a category");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json is not a valid codebook (2 problems)")
            && err.contains(&format!("{}:", bad.display()))
            && err.contains("nothing was changed"),
        "{err}"
    );
    let list = env.json(&["codebook", "list", "--json"]);
    assert_eq!(list["codebooks"].as_array().unwrap().len(), ids.len() + 1);
}

/// The policy: validated against its schema with file, line, column and
/// pointer; replaced only when valid; shown as the vault applies it.
#[test]
fn the_policy_is_validated_shown_and_replaced() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let default = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/policy.default.json");
    let ok = env.json(&["policy", "validate", default.to_str().unwrap(), "--json"]);
    assert_eq!(ok["valid"], true);
    let text = std::fs::read_to_string(&default).unwrap();
    let cases = [
        (
            text.replace("\"retention_days\": 30", "\"retention_days\": 0"),
            "bad.json:3:21: /retention_days: 0 is below the minimum 1",
        ),
        (
            text.replacen("\"delete\"", "\"erase\"", 1),
            "bad.json:5:25: /on_refusal/before-recording: \"erase\" is not allowed: expected one of \"delete\", \"individual-review-only\"",
        ),
        (
            text.replacen(
                "\"after-recording\"]",
                "\"after-recording\", \"after-recording\"]",
                1,
            ),
            "/purposes/clinical-care/instructor_review/1: \"after-recording\" is listed twice",
        ),
        (
            text.replace("\"written_only\": true", "\"written_only\": \"yes\""),
            "/purposes/research/written_only: expected boolean, found a string",
        ),
        (
            text.replace("\"version\": 2", "\"version\": 3"),
            "/version: expected 2, found 3",
        ),
        (
            text.replace("\"retention_days\"", "\"keep_days\""),
            "/keep_days: unknown field 'keep_days'",
        ),
        (text.replacen("}", "", 1), "not valid JSON"),
    ];
    let bad = root.path().join("bad.json");
    for (body, expect) in &cases {
        std::fs::write(&bad, body).unwrap();
        let out = env.run(&["policy", "validate", bad.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "'{expect}' not in: {err}");
    }
    env.json(&["init", "--json"]);
    // A broken policy changes nothing.
    refused(
        &env.run(&["policy", "set", bad.to_str().unwrap()]),
        "is not a valid policy",
    );
    assert_eq!(
        env.json(&["policy", "show", "--json"])["retention_days"],
        30
    );
    let shorter = root.path().join("shorter.json");
    std::fs::write(
        &shorter,
        text.replace("\"retention_days\": 30", "\"retention_days\": 7"),
    )
    .unwrap();
    env.ok(&["policy", "set", shorter.to_str().unwrap()]);
    assert_eq!(env.json(&["policy", "show", "--json"])["retention_days"], 7);
    let audit = env.json(&["audit", "show", "--json"]);
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "policy.set")
    );
}
