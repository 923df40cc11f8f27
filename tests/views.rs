//! Several camera views of one recording: adding them, syncing them by sound,
//! every view showing the frame its mapping gives, refusals, migration and
//! crypto-shredding.
//!
//! The views are two cameras of one generated scene (`SceneCamera`): the
//! same sound, heard by a second camera that started 1.234 s later with a
//! clock 100 ppm fast; every picture carries its own frame index.

mod common;

use std::path::{Path, PathBuf};

use common::cli::{Env, refused, setup};
use common::vault::{Fixture, fixture, pass};
use common::{Rng, TIMEOUT, code_of, generate, silent_players};
use debrief::media::testsrc::{SceneCamera, TestSrcSpec};
use debrief::media::{MediaSource, frame_code};
use debrief::vault::{Vault, VaultError};
use debrief::views::{Mapping, Shown, SyncSource};

const START_NS: i64 = 1_234_000_000;
const PPM: f64 = 100.0;

fn camera(frames: u64, start_ns: i64, drift_ppm: f64, audio: bool) -> TestSrcSpec {
    TestSrcSpec {
        frames,
        width: 256,
        height: 144,
        gop: 60,
        bframes: true,
        audio,
        scene_sound: Some(SceneCamera {
            start_ns,
            drift_ppm,
        }),
        ..Default::default()
    }
}

/// The reference: 30 s of the scene.
fn overhead() -> TestSrcSpec {
    camera(900, 0, 0.0, true)
}

/// The later, faster camera: 28 s by its own clock.
fn team(dir: &Path) -> PathBuf {
    generate(dir, "team.mp4", &camera(840, START_NS, PPM, true))
}

fn truth() -> Mapping {
    Mapping::starting_at(START_NS, PPM)
}

#[test]
fn cli_adds_a_camera_syncs_it_by_sound_and_shows_its_frames() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::new(dir.path());
    let (overhead, team) = (
        generate(dir.path(), "overhead.mp4", &overhead()),
        team(dir.path()),
    );
    let (case, _p, rec) = setup(&env, &overhead);
    let grid = dir.path().join("grid.mp4");
    let clip = |layout: &str| {
        vec![
            "export".to_owned(),
            "clip".into(),
            "--recording".into(),
            rec.clone(),
            "--from-frame".into(),
            "600".into(),
            "--to-frame".into(),
            "629".into(),
            "--out".into(),
            grid.display().to_string(),
            "--faces".into(),
            "none".into(),
            layout.into(),
        ]
    };
    fn args(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    refused(
        &env.run(&args(&[clip("--layout"), vec!["grid".into()]].concat())),
        "the recording has one camera view: a composite needs two or more",
    );
    let added = env.json(&[
        "import",
        team.to_str().unwrap(),
        "--view-of",
        &rec,
        "--camera",
        "team",
        "--json",
    ]);
    assert_eq!(added["recording_id"], rec.as_str());
    assert_eq!(added["frames"], 840);
    let view_id = added["view_id"].as_str().unwrap().to_owned();
    // A view is not a recording of its own in the case's list.
    let list = env.json(&["recording", "list", "--case", &case, "--json"]);
    assert_eq!(list["recordings"].as_array().unwrap().len(), 1);

    let before = env.json(&["sync", "--recording", &rec, "--json"]);
    assert_eq!(before["views"][0]["reference"], true);
    assert_eq!(before["views"][0]["source"], "reference");
    assert_eq!(before["views"][1]["source"], "unsynced");

    let synced = env.json(&["sync", "--recording", &rec, "--auto", "--json"]);
    let view = &synced["views"][1];
    assert_eq!(view["view_id"], view_id.as_str());
    assert_eq!(view["camera"], "team");
    assert_eq!(view["source"], "audio");
    let offset_ms = view["offset_ms"].as_f64().unwrap();
    assert!(
        (offset_ms - 1234.0).abs() < 1000.0 / 30.0,
        "offset within one frame: {synced}"
    );
    assert!(
        (view["ppm"].as_f64().unwrap() - PPM).abs() <= 20.0,
        "drift within 20 ppm: {synced}"
    );
    assert!(view["score"].as_f64().unwrap() >= 0.7, "{synced}");

    // The frame the view shows at a reference frame, by name or id.
    let png = dir.path().join("f.png");
    let mapping = Mapping::starting_at(
        (offset_ms * 1e6).round() as i64,
        view["ppm"].as_f64().unwrap(),
    );
    let table = |file: &Path| {
        debrief::media::probe(&MediaSource::file(file))
            .unwrap()
            .table
    };
    let (overhead_table, team_table) = (table(&overhead), table(&team));
    for (name, index) in [("team", 600u64), (view_id.as_str(), 100), ("team", 876)] {
        env.ok(&[
            "frame",
            "--recording",
            &rec,
            "--view",
            name,
            "--index",
            &index.to_string(),
            "--out",
            png.to_str().unwrap(),
        ]);
        let (w, h, rgba) = debrief::media::still::read_png(&png).unwrap();
        let code = frame_code::read_rgba(&rgba, w, h, w as usize * 4).unwrap();
        let Shown::Frame(expected) =
            debrief::views::view_frame(&overhead_table, &team_table, mapping, index)
        else {
            panic!("reference frame {index} is inside the view");
        };
        assert_eq!(code, expected, "reference frame {index}");
    }
    // Before the team camera started: no video there, said in one line.
    refused(
        &env.run(&[
            "frame",
            "--recording",
            &rec,
            "--view",
            "team",
            "--index",
            "10",
            "--out",
            png.to_str().unwrap(),
        ]),
        "view 'team' has no video at reference frame 10 (it covers reference frames 3",
    );

    // A camera without sound, and one that heard only silence: the mapping stays.
    let mute = generate(dir.path(), "mute.mp4", &camera(300, 0, 0.0, false));
    let silent = generate(
        dir.path(),
        "silent.mp4",
        &camera(300, -1_000_000_000_000, 0.0, true),
    );
    env.json(&[
        "import",
        mute.to_str().unwrap(),
        "--view-of",
        &rec,
        "--camera",
        "monitor",
        "--json",
    ]);
    refused(
        &env.run(&["sync", "--recording", &rec, "--auto", "--view", "monitor"]),
        "monitor: cannot sync by audio: the view has no audio",
    );
    env.json(&[
        "import",
        silent.to_str().unwrap(),
        "--view-of",
        &rec,
        "--camera",
        "door",
        "--json",
    ]);
    refused(
        &env.run(&["sync", "--recording", &rec, "--auto", "--view", "door"]),
        "door: cannot sync by audio: the view has no audio (or only silence)",
    );
    let after = env.json(&["sync", "--recording", &rec, "--json"]);
    assert_eq!(after["views"][2]["source"], "unsynced");
    assert_eq!(after["views"][3]["source"], "unsynced");
    assert_eq!(after["views"][1], synced["views"][1], "team unchanged");

    // By hand: offset and drift, then a nudge of one frame.
    env.json(&[
        "sync",
        "--recording",
        &rec,
        "--view",
        "monitor",
        "--offset-ms",
        "-250",
        "--ppm",
        "12",
        "--json",
    ]);
    let moved = env.json(&[
        "sync",
        "--recording",
        &rec,
        "--view",
        "monitor",
        "--nudge-ms",
        "33.3",
        "--json",
    ]);
    let monitor = &moved["views"][2];
    assert!(
        (monitor["offset_ms"].as_f64().unwrap() - -216.7).abs() < 0.01,
        "{moved}"
    );
    assert_eq!(monitor["ppm"], 12.0);
    assert_eq!(monitor["source"], "manual");

    // Clips: a 2×2 composite of the four views, and one view alone, frames
    // following the reference's (the later views have no video there: black).
    let mut grid_args = clip("--layout");
    grid_args.extend(["grid".into(), "--json".into()]);
    assert_eq!(env.json(&args(&grid_args))["frames"], 30);
    let (w, h, frames) = clip_frames(&grid);
    assert_eq!((w, h), (512, 288));
    for (k, frame) in frames.iter().enumerate() {
        let index = 600 + k as u64;
        assert_eq!(code_in(frame, 0, 0, 256, 144), Some(index));
        let Shown::Frame(n) =
            debrief::views::view_frame(&overhead_table, &team_table, mapping, index)
        else {
            panic!("reference frame {index} is inside the team view");
        };
        assert_eq!(code_in(frame, 256, 0, 256, 144), Some(n), "team at {index}");
        assert!(
            mean_luma(frame, 0, 144, 512, 144) < 20.0,
            "monitor and door end at 10 s"
        );
    }
    let one = dir.path().join("one.mp4");
    let mut one_args = clip("--view");
    one_args[9] = one.display().to_string();
    one_args.push("team".into());
    env.ok(&args(&one_args));
    let (w, h, frames) = clip_frames(&one);
    assert_eq!((w, h, frames.len()), (256, 144, 30));
    let Shown::Frame(first) =
        debrief::views::view_frame(&overhead_table, &team_table, mapping, 600)
    else {
        panic!()
    };
    assert_eq!(code_in(&frames[0], 0, 0, 256, 144), Some(first));
    one_args.extend(["--layout".into(), "grid".into()]);
    assert_eq!(
        env.run(&args(&one_args)).status.code(),
        Some(2),
        "--view or --layout"
    );

    // Four views is the most; labels are unique; annotations stay on the recording.
    let fifth = generate(dir.path(), "fifth.mp4", &camera(30, 0, 0.0, false));
    refused(
        &env.run(&[
            "import",
            fifth.to_str().unwrap(),
            "--view-of",
            &rec,
            "--camera",
            "wall",
        ]),
        "already has 4 camera views",
    );
    refused(
        &env.run(&[
            "annotate",
            "add",
            "--recording",
            &view_id,
            "--code",
            "birth",
            "--frame",
            "5",
        ]),
        "is a camera view of recording",
    );
    refused(
        &env.run(&[
            "sync",
            "--recording",
            &rec,
            "--view",
            "overhead",
            "--offset-ms",
            "5",
        ]),
        "the reference view sets the recording's time",
    );

    // Every view's sync change is audited.
    let audit = env.json(&["audit", "verify", "--json"]);
    assert_eq!(audit["ok"], true);

    // Shredding the recording shreds every view.
    let media = env.vault.join("media");
    let count = || std::fs::read_dir(&media).unwrap().count();
    assert_eq!(count(), 4);
    env.ok(&["delete", "recording", &rec]);
    assert_eq!(count(), 0, "no view's media file is left");
    refused(
        &env.run(&[
            "frame",
            "--recording",
            &rec,
            "--view",
            "team",
            "--index",
            "600",
            "--out",
            png.to_str().unwrap(),
        ]),
        "deleted",
    );
}

/// The overhead recording with the team camera added as its second view (not yet synced).
fn with_team(dir: &Path) -> (Fixture, String) {
    let team = team(dir);
    let mut f = fixture(dir, &overhead(), true);
    let view_id = add_team(&mut f, &team);
    (f, view_id)
}

/// Adds `file` to the fixture's recording as its camera view "team"; returns the view's id.
fn add_team(f: &mut Fixture, file: &Path) -> String {
    f.vault
        .add_view(&f.recording_id, file, "team", &mut |_, _| true)
        .unwrap()
        .view_id
        .unwrap()
}

/// The vault, the recording and its second view, synced by sound.
fn synced_pair(dir: &Path) -> (Vault, String, String, Mapping) {
    let (mut f, view_id) = with_team(dir);
    let found = f
        .vault
        .sync_view_by_audio(&view_id, &mut |_, _| true)
        .unwrap();
    f.vault
        .set_view_mapping(
            &view_id,
            found.mapping,
            SyncSource::Audio,
            Some(found.confidence),
        )
        .unwrap();
    (f.vault, f.recording_id, view_id, found.mapping)
}

#[test]
fn every_view_shows_the_frame_its_mapping_gives_after_random_seeks_and_steps() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, rec, view_id, found) = synced_pair(dir.path());
    let err = (found.start_ns() - START_NS).abs();
    assert!(err < 33_333_333, "offset off by {err} ns");
    assert!((found.drift_ppm - PPM).abs() <= 20.0, "{found:?}");

    let opened = vault.open_views(&rec, true).unwrap();
    assert_eq!(opened.len(), 2);
    assert_eq!(opened[1].0.view_id, view_id);
    assert_eq!(opened[1].0.source, SyncSource::Audio);
    let mut players = silent_players(opened);
    let frames = players.reference().frames();
    let mut rng = Rng(16);
    let mut at = 500u64;
    let (mut outside, mut off_truth) = (0, 0);
    for round in 0..300 {
        at = match rng.below(4) {
            0 => at.saturating_sub(1),
            1 => (at + 1).min(frames - 1),
            _ => rng.below(frames),
        };
        let shown = players.show_wait(at, TIMEOUT).unwrap();
        assert_eq!(
            code_of(shown[0].as_ref().unwrap()),
            Some(at),
            "round {round}"
        );
        match players.targets(at)[1] {
            Shown::Frame(n) => {
                let code = code_of(shown[1].as_ref().unwrap()).unwrap();
                assert_eq!(code, n, "round {round}: reference frame {at}");
                // Within a frame of where the true clocks put it.
                let reference = &players.reference().table;
                let view = &players.views()[1].player.info().table;
                if let Shown::Frame(t) = debrief::views::view_frame(reference, view, truth(), at) {
                    assert!(code.abs_diff(t) <= 1, "round {round}: {code} vs true {t}");
                    off_truth += usize::from(code != t);
                }
            }
            Shown::Outside => {
                assert!(shown[1].is_none());
                outside += 1;
                // Before the team camera began (1.234 s = 37 frames), or after it ended.
                assert!(!(38..=870).contains(&at), "round {round}: {at}");
            }
        }
    }
    assert!(outside < 60, "{outside} of 300 outside the view");
    assert!(
        off_truth < 30,
        "{off_truth} of 300 a frame off the true clocks"
    );

    // A nudge moves only the view, by exactly one frame.
    let before = players.targets(500)[1];
    players.set_mapping(1, found.nudged(33_333_334)).unwrap();
    match (before, players.targets(500)[1]) {
        (Shown::Frame(a), Shown::Frame(b)) => assert_eq!(b, a + 1),
        other => panic!("{other:?}"),
    }
    assert!(
        players.set_mapping(0, found).is_err(),
        "the reference cannot move"
    );
}

#[test]
fn shredding_a_recording_leaves_no_view_readable() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, rec, view_id, _) = synced_pair(dir.path());
    let media = vault.dir().join("media").join(format!("{view_id}.age"));
    let copy = dir.path().join("leftover.age");
    std::fs::copy(&media, &copy).unwrap();
    vault.delete_recording(&rec, "test").unwrap();
    assert!(!media.exists());
    let keys: i64 = vault
        .connection()
        .query_row("SELECT count(*) FROM recording_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(keys, 0, "no recording or view key is left");
    assert!(matches!(
        vault.open_media(&view_id, false),
        Err(VaultError::Shredded { .. })
    ));
    // The view's mapping history survives the media (what was done is kept).
    assert_eq!(vault.view_sync_history(&view_id).unwrap().len(), 1);
    // Retention never lists a view by itself.
    assert!(vault.run_retention().unwrap().is_empty());
    drop(vault);
    let vault = Vault::unlock(&dir.path().join("vault"), "alice", &pass("alice")).unwrap();
    assert!(vault.audit_verify().unwrap().ok);
}

#[test]
fn single_view_recordings_from_the_previous_schema_open_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let key = debrief::vault::keys::new_db_key();
    let migrations = debrief::vault::db::MIGRATIONS;
    {
        // A database as schema 7 left it, with a recording in it.
        drop(debrief::vault::fsutil::create_private_file(&path).unwrap());
        let conn = debrief::vault::db::open(&path, &key).unwrap();
        for step in &migrations[..7] {
            conn.execute_batch(step).unwrap();
        }
        conn.pragma_update(None, "user_version", 7).unwrap();
        conn.execute_batch(
            "INSERT INTO codebooks (id, json, created_at) VALUES ('cb', '{}', '2025-01-01T00:00:00Z');
             INSERT INTO cases (id, title, codebook_id, created_at) VALUES ('c1', 'Old case', 'cb', '2025-01-01T00:00:00Z');
             INSERT INTO recordings (id, case_id, purpose, camera, sha256, size, frames, fps_num, fps_den, vfr,
                 duration_ns, width, height, video_codec, container, frame_table, imported_at)
             VALUES ('r1', 'c1', 'education', 'overhead', 'x', 1, 90, 30, 1, 0, 3000000000, 320, 240, 'h264', 'mp4', x'', '2025-01-01T00:00:00Z');",
        )
        .unwrap();
    }
    let conn = debrief::vault::db::open(&path, &key).unwrap();
    debrief::vault::db::migrate(&conn).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, debrief::vault::db::schema_version());
    assert!(version >= 8);
    let row: (Option<String>, i64, f64, String, Option<f64>, String) = conn
        .query_row(
            "SELECT view_of, sync_offset_ns, drift_ppm, sync_source, sync_score, camera FROM recordings WHERE id = 'r1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap();
    assert_eq!(
        row,
        (None, 0, 0.0, "reference".into(), None, "overhead".into()),
        "the old recording is its own reference view"
    );
    let history: i64 = conn
        .query_row("SELECT count(*) FROM view_sync_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(history, 0);
    debrief::vault::db::migrate(&conn).unwrap();
}

#[test]
fn a_fresh_single_view_recording_is_its_own_reference() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture(dir.path(), &TestSrcSpec::default(), true);
    let views = f.vault.views(&f.recording_id).unwrap();
    assert_eq!(views.len(), 1);
    assert!(views[0].reference);
    assert_eq!(views[0].view_id, f.recording_id);
    assert_eq!(views[0].source, SyncSource::Reference);
    assert_eq!(views[0].mapping, Mapping::default());
    assert_eq!(views[0].frames, 90);
}

#[test]
fn json_and_eaf_exports_carry_every_views_mapping() {
    use debrief::model::interchange::ExportFormat;
    use debrief::vault::{ImportFormat, NewAnnotation};
    let dir = tempfile::tempdir().unwrap();
    let (mut f, view_id) = with_team(dir.path());
    f.vault
        .set_view_mapping(&view_id, truth(), SyncSource::Manual, None)
        .unwrap();
    f.vault
        .add_annotation(NewAnnotation {
            recording_id: f.recording_id.clone(),
            code: "birth".into(),
            start_frame: 90,
            ..Default::default()
        })
        .unwrap();

    let json = f
        .vault
        .export_annotations(&f.recording_id, ExportFormat::Json)
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let views = doc["views"].as_array().expect("views listed");
    assert_eq!(views.len(), 2);
    assert_eq!(views[0]["reference"], true);
    assert_eq!(views[1]["camera"], "team");
    assert_eq!(views[1]["source"], "manual");
    assert!((views[1]["offset_ms"].as_f64().unwrap() - 1234.0).abs() < 0.01);
    assert!((views[1]["ppm"].as_f64().unwrap() - PPM).abs() < 1e-6);
    assert_eq!(
        doc["annotations"][0]["start_frame"], 90,
        "on the reference's frames"
    );
    // What Debrief writes, Debrief reads (the schema admits the views).
    let n = f
        .vault
        .import_annotations(&f.recording_id, ImportFormat::Json, &json, "views.json")
        .unwrap();
    assert_eq!(n, 1);

    let eaf = f
        .vault
        .export_annotations(&f.recording_id, ExportFormat::Eaf)
        .unwrap();
    let xml = roxmltree::Document::parse(&eaf).unwrap();
    let media: Vec<_> = xml
        .descendants()
        .filter(|n| n.has_tag_name("MEDIA_DESCRIPTOR"))
        .collect();
    assert_eq!(media.len(), 2);
    assert_eq!(
        media[0].attribute("TIME_ORIGIN"),
        None,
        "the reference is time 0"
    );
    assert_eq!(media[1].attribute("RELATIVE_MEDIA_URL"), Some("./team.mp4"));
    // At the document's time 0 the team camera had not started: 1234 ms × (1 + 100 ppm) before its 0.
    assert_eq!(media[1].attribute("TIME_ORIGIN"), Some("-1234"));
    let header = xml
        .descendants()
        .find(|n| n.has_tag_name("HEADER"))
        .unwrap();
    let tags: Vec<&str> = header
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    let first_property = tags.iter().position(|t| *t == "PROPERTY");
    let last_media = tags.iter().rposition(|t| *t == "MEDIA_DESCRIPTOR");
    assert!(
        last_media < first_property,
        "EAF 3.0 wants media before properties"
    );
    assert!(eaf.contains("ppm=100.000 source=manual"));

    // BORIS: one player per view, each with its offset in seconds (BORIS
    // shows player n at observation time − offset n).
    let boris = f
        .vault
        .export_annotations(&f.recording_id, ExportFormat::Boris)
        .unwrap();
    let project: serde_json::Value = serde_json::from_str(&boris).unwrap();
    let observation = project["observations"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(observation["file"]["1"][0], "view-1.mp4");
    assert_eq!(observation["file"]["2"][0], "team.mp4");
    assert_eq!(observation["file"]["3"].as_array().unwrap().len(), 0);
    let media = &observation["media_info"];
    assert_eq!(media["offset"]["1"], 0.0);
    assert_eq!(media["offset"]["2"], 1.234);
    // The team camera's own length (840 frames at 30 fps) and rate.
    assert!((media["length"]["team.mp4"].as_f64().unwrap() - 28.0).abs() < 0.01);
    assert!((media["fps"]["team.mp4"].as_f64().unwrap() - 30.0).abs() < 0.01);
}

/// Every frame of a clip file, decoded.
fn clip_frames(path: &Path) -> (u32, u32, Vec<debrief::deid::PlanarFrame>) {
    let source = MediaSource::file(path);
    let info = debrief::media::probe(&source).unwrap();
    let mut range =
        debrief::media::reader::VideoRange::open(&source, &info, 0, info.frames() - 1).unwrap();
    let mut out = Vec::new();
    while let Some((_, frame)) = range.next_frame().unwrap() {
        out.push(frame);
    }
    (info.width, info.height, out)
}

/// The `w` × `h` part of `frame` at (`x`, `y`) (even numbers), as a frame of its own.
fn crop(
    frame: &debrief::deid::PlanarFrame,
    x: u32,
    y: u32,
    w: u32,
    h: u32,
) -> debrief::deid::PlanarFrame {
    let mut out = debrief::deid::PlanarFrame::black(w, h);
    for p in 0..3 {
        let sub = if p == 0 { 1 } else { 2 };
        let plane = out.planes[p];
        for row in 0..plane.height {
            for col in 0..plane.width {
                let v = frame.at(p, (x / sub) as usize + col, (y / sub) as usize + row);
                out.set(p, col, row, v);
            }
        }
    }
    out
}

/// The frame code of a picture inside a frame, if readable.
fn code_in(frame: &debrief::deid::PlanarFrame, x: u32, y: u32, w: u32, h: u32) -> Option<u64> {
    let part = crop(frame, x, y, w, h);
    frame_code::read_luma(&part.data, w, h, part.planes[0].stride)
}

/// Mean luma of a part of a frame.
fn mean_luma(frame: &debrief::deid::PlanarFrame, x: u32, y: u32, w: u32, h: u32) -> f64 {
    let part = crop(frame, x, y, w, h);
    let mut sum = 0u64;
    for row in 0..h as usize {
        for col in 0..w as usize {
            sum += u64::from(part.at(0, col, row));
        }
    }
    sum as f64 / f64::from(w * h)
}

#[test]
fn clips_of_one_view_or_a_composite_follow_the_reference_with_every_tiles_faces_covered() {
    use debrief::deid::FaceDetector;
    use debrief::export::{ClipSettings, ClipViews};
    let dir = tempfile::tempdir().unwrap();
    let faces = |width, height| TestSrcSpec {
        frames: 60,
        width,
        height,
        faces: 2,
        gop: 30,
        ..Default::default()
    };
    // A 1280×720 reference and a 640×360 camera that started 1 s (30 frames) later.
    let team = generate(dir.path(), "team.mp4", &faces(640, 360));
    let mut f = fixture(dir.path(), &faces(1280, 720), true);
    let view_id = add_team(&mut f, &team);
    let mapping = Mapping::starting_at(1_000_000_000, 0.0);
    f.vault
        .set_view_mapping(&view_id, mapping, SyncSource::Manual, None)
        .unwrap();
    let (from, to) = (20u64, 47u64);
    let expected = |index: u64| index.checked_sub(30);
    let mut ids = Vec::new();
    let mut export = |name: &str, views: ClipViews, detect: bool| {
        let mut settings = ClipSettings::new(from, to);
        settings.views = views;
        settings.detect_faces = detect;
        let out = dir.path().join(name);
        let (id, report) = debrief::plenary::export_clip(
            &mut f.vault,
            &f.recording_id,
            &out,
            &settings,
            true,
            &mut |_| {},
            &std::sync::atomic::AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(report.frames, to - from + 1, "{name}");
        ids.push(id);
        (report, clip_frames(&out))
    };
    // Side by side: 960×540 tiles (the reference's shape, 1920 wide in all).
    let tiles = [(0u32, 0u32), (960, 0)];
    let detector = FaceDetector::new(960, 540, 640, 0.2).unwrap();
    let faces_in =
        |frame, (x, y): (u32, u32)| detector.detect(&crop(frame, x, y, 960, 540)).unwrap();

    // Without face covering, the faces are there to find in both tiles (so
    // the check below can fail), and every tile shows its mapped frame.
    let (plain, (w, h, frames)) = export("plain.mp4", ClipViews::SideBySide, false);
    assert_eq!((w, h), (1920, 540));
    assert_eq!(plain.frames_with_faces, 0);
    assert_eq!(frames.len() as u64, to - from + 1);
    for (k, frame) in frames.iter().enumerate() {
        let index = from + k as u64;
        assert_eq!(
            code_in(frame, 0, 0, 960, 540),
            Some(index),
            "reference tile"
        );
        match expected(index) {
            Some(n) => assert_eq!(
                code_in(frame, 960, 0, 960, 540),
                Some(n),
                "team tile at {index}"
            ),
            None => assert!(
                mean_luma(frame, 960, 0, 960, 540) < 20.0,
                "no video before the team camera: {index}"
            ),
        }
    }
    for k in [12usize, 20] {
        assert!(
            !faces_in(&frames[k], tiles[0]).is_empty(),
            "a face in the reference tile"
        );
        assert!(
            !faces_in(&frames[k], tiles[1]).is_empty(),
            "a face in the team tile"
        );
    }

    // Covered: the same frames, and no face left in any tile.
    let (covered, (_, _, frames)) = export("covered.mp4", ClipViews::SideBySide, true);
    assert!(covered.frames_with_faces > 30, "{covered:?}");
    for (k, frame) in frames.iter().enumerate() {
        let index = from + k as u64;
        assert_eq!(code_in(frame, 0, 0, 960, 540), Some(index));
        if let Some(n) = expected(index) {
            assert_eq!(code_in(frame, 960, 0, 960, 540), Some(n));
        }
        for tile in tiles {
            let found = faces_in(frame, tile);
            assert!(found.is_empty(), "frame {index}, tile {tile:?}: {found:?}");
        }
    }

    // One view alone: its own size, its frames following the reference's.
    let (alone, (w, h, frames)) = export("team-clip.mp4", ClipViews::View(view_id.clone()), true);
    assert_eq!((w, h), (640, 360));
    assert!(alone.frames_with_faces >= 17, "{alone:?}");
    let detector = FaceDetector::new(640, 360, 640, 0.2).unwrap();
    for (k, frame) in frames.iter().enumerate() {
        let index = from + k as u64;
        match expected(index) {
            Some(n) => assert_eq!(code_in(frame, 0, 0, 640, 360), Some(n)),
            None => assert!(mean_luma(frame, 0, 0, 640, 360) < 20.0),
        }
        assert!(detector.detect(frame).unwrap().is_empty(), "frame {index}");
    }

    // A package of the covered composite and the single view: ordinary
    // clips, whose manifest names the cameras shown.
    let pkg = dir.path().join("views.dbpkg");
    let pass = secrecy::SecretString::from("plenary pass".to_owned());
    debrief::plenary::create_package(
        &mut f.vault,
        &ids[1..],
        &[],
        &pkg,
        "Two cameras",
        chrono::NaiveDate::from_ymd_opt(2099, 1, 1).unwrap(),
        &debrief::package::Protection::Passphrase(pass.clone()),
    )
    .unwrap();
    let package = debrief::package::Package::open_with_passphrase(&pkg, &pass).unwrap();
    let raw: serde_json::Value =
        serde_json::from_slice(&package.read("manifest.json").unwrap()).unwrap();
    let errors = debrief::model::schema::check(&common::schema("package.schema.json"), &raw);
    assert!(errors.is_empty(), "{errors:#?}");
    let manifest = package.manifest().unwrap();
    let deid = |k: usize| &manifest.clips[k].deidentification;
    assert_eq!(deid(0).views, ["reference", "team"]);
    assert_eq!(deid(0).layout.as_deref(), Some("side-by-side"));
    assert_eq!(manifest.clips[0].media.as_ref().unwrap().width, 1920);
    assert_eq!(deid(1).views, ["team"]);
    assert_eq!(deid(1).layout, None);

    // The audit names the views shown.
    let audit = f.vault.audit_recent(3).unwrap();
    assert!(audit.iter().any(|e| e.action == "clip.export"
        && e.detail.as_deref().is_some_and(|d| d.contains("view=team"))));
    assert!(audit.iter().any(|e| {
        e.action == "clip.export"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("layout=side-by-side views=reference,team"))
    }));
}
