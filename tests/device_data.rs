//! Device data beside the video (issue 18), end to end on a real vault:
//! EDF+ written by an independent tool (EDFlib), CSV with a clock offset and
//! drift aligned by pairing events, refusals that change nothing, and
//! crypto-shredding that leaves no sample behind.

mod common;

use std::collections::HashSet;
use std::path::Path;

use common::cli::{Env, refused, setup};
use common::vault::{Fixture, files, fixture, hashes};
use common::{TIMEOUT, code_of, generate, open_player};
use debrief::device_data::csv::CsvOptions;
use debrief::device_data::{Format, encoding};
use debrief::media::testsrc::TestSrcSpec;
use debrief::views::marks::Mark;

const EDF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/step_at_10s.edf");

fn twenty_seconds() -> TestSrcSpec {
    TestSrcSpec {
        frames: 600,
        width: 160,
        height: 120,
        ..Default::default()
    }
}

/// Imports a device file into the fixture's recording, its format guessed.
fn import(
    f: &mut Fixture,
    file: &Path,
) -> (debrief::vault::DataSource, debrief::device_data::DataSet) {
    f.vault
        .import_data(&f.recording_id, file, None, &CsvOptions::default())
        .unwrap()
}

/// The reference frame shown at recording time 10.000 s, checked against the picture's frame code.
fn frame_at_10s(f: &Fixture) -> (u64, i64) {
    let info = f.vault.media_info(&f.recording_id).unwrap();
    let frame = info.table.frame_at(10_000_000_000).unwrap();
    let pts = info.table.pts(frame).unwrap();
    assert_eq!(pts, 10_000_000_000, "30 fps: a frame starts at 10.000 s");
    let (player, _) = open_player(&f.source);
    let shown = player.seek_wait(frame, TIMEOUT).unwrap();
    assert_eq!(code_of(&shown), Some(300), "the picture at 10.000 s");
    (frame, pts)
}

#[test]
fn an_edf_plus_file_written_by_edflib_lands_on_the_video_frame_at_10_s() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture(dir.path(), &twenty_seconds(), true);
    let (_, pts) = frame_at_10s(&f);
    let source_bytes = std::fs::read(EDF).unwrap();
    let (source, _) = import(&mut f, Path::new(EDF));
    assert_eq!(
        std::fs::read(EDF).unwrap(),
        source_bytes,
        "the file is only read"
    );
    assert_eq!(source.format, "edf");
    let names: Vec<&str> = source.signals.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Paw", "HR", "SpO2"]);
    assert_eq!(source.signals[0].rate_hz, Some(100.0));
    assert_eq!(source.signals[0].kind, "waveform");
    assert_eq!(source.signals[1].kind, "trend");
    // An imported file has no clock of its own: the data starts with the video.
    assert_eq!(source.sync_source, "start");
    let set = f.vault.load_data(&source.source_id).unwrap();
    let data_ns = source.mapping.view_ns(pts);
    let paw = &set.signals[0];
    let period = 10_000_000;
    // The step's first sample is within one sample of the frame at 10.000 s.
    let step = paw.values.iter().position(|&v| v > 15.0).unwrap();
    let step_ns = paw.time_ns(step).unwrap();
    assert!((step_ns - data_ns).abs() <= period, "step at {step_ns} ns");
    assert!((paw.values[step] - 25.0).abs() < 0.01 && (paw.values[step - 1] - 5.0).abs() < 0.01);
    assert_eq!(paw.value_at(data_ns), Some(paw.values[step]));
    // So is the annotation, and the 1 Hz heart rate steps there too.
    assert_eq!(set.events.len(), 1);
    assert_eq!(set.events[0].text, "step");
    assert!((set.events[0].at_ns - data_ns).abs() <= period);
    let hr = &set.signals[1];
    assert!((hr.value_at(data_ns).unwrap() - 130.0).abs() < 0.01);
    assert!((hr.value_at(data_ns - 1).unwrap() - 80.0).abs() < 0.01);
}

/// A 1 kHz CSV of a device whose clock started 3.5 s before the video and
/// runs 200 ppm fast, with a spike at each of the video's events.
fn drifting_csv(path: &Path, events_s: &[f64]) {
    let (offset, ppm) = (3.5, 200.0);
    let device_s = |t: f64| offset + t * (1.0 + ppm / 1e6);
    let spikes: HashSet<i64> = events_s
        .iter()
        .map(|&t| (device_s(t) * 1000.0).round() as i64)
        .collect();
    let mut text = String::from("Time (s),Flow (L/min),SpO2 (%)\n");
    for k in 0..25_000i64 {
        let flow = if spikes.contains(&k) { 40.0 } else { 1.0 };
        let spo2 = if k % 1000 == 0 {
            format!("{}", 60 + k / 1000)
        } else {
            String::new()
        };
        text.push_str(&format!("{:.3},{flow},{spo2}\n", k as f64 / 1000.0));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_csv_with_a_clock_offset_and_drift_is_aligned_by_two_pairs_of_events() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture(dir.path(), &twenty_seconds(), true);
    let (_, pts) = frame_at_10s(&f);
    let csv = dir.path().join("monitor.csv");
    drifting_csv(&csv, &[2.0, 10.0, 18.0]);
    let (source, set) = import(&mut f, &csv);
    let flow = &set.signals[0];
    assert_eq!((flow.name.as_str(), flow.unit.as_str()), ("Flow", "L/min"));
    assert_eq!(flow.rate_hz().map(|r| r.round()), Some(1000.0));
    assert_eq!(set.signals[1].rate_hz().map(|r| r.round()), Some(1.0));
    let spikes: Vec<i64> = (0..flow.len())
        .filter(|&i| flow.values[i] > 20.0)
        .map(|i| flow.time_ns(i).unwrap())
        .collect();
    assert_eq!(spikes.len(), 3);
    let period = 1_000_000;
    // Unaligned, the spike is 3.5 s away from the frame showing the event.
    assert!((source.mapping.view_ns(pts) - spikes[1]).abs() > 3_000_000_000);
    // The reviewer pairs the events at 2 s and 18 s on the video with the spikes.
    let video = |s: f64| (s * 1e9) as i64;
    let aligned = f
        .vault
        .align_data(
            &source.source_id,
            &[
                Mark {
                    ref_ns: video(2.0),
                    view_ns: spikes[0],
                },
                Mark {
                    ref_ns: video(18.0),
                    view_ns: spikes[2],
                },
            ],
        )
        .unwrap();
    assert_eq!(aligned.sync_source, "pairs");
    assert!(
        (aligned.mapping.drift_ppm - 200.0).abs() < 100.0,
        "{}",
        aligned.mapping.drift_ppm
    );
    // The first frame showing the third event shows the spike, within one sample.
    let at = aligned.mapping.view_ns(pts);
    assert!((at - spikes[1]).abs() <= period, "{at} vs {}", spikes[1]);
    // Undo puts the clock-less first guess back, audited.
    let undone = f.vault.undo_data_alignment(&source.source_id).unwrap();
    assert_eq!(undone.mapping, source.mapping);
    let actions: Vec<String> = f
        .vault
        .audit_recent(10)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for want in ["data.import", "data.align", "data.align.undo"] {
        assert!(actions.iter().any(|a| a == want), "{want} in {actions:?}");
    }
    assert!(f.vault.audit_verify().is_ok());
}

#[test]
fn the_cli_imports_lists_and_aligns_device_data_as_its_contract_says() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::new(dir.path());
    let video = generate(dir.path(), "v.mp4", &twenty_seconds());
    let (_, _, rec) = setup(&env, &video);
    let imported = env.json(&["data", "import", EDF, "--recording", &rec, "--json"]);
    let source = imported["source_id"].as_str().unwrap().to_owned();
    let signals = imported["signals"].as_array().unwrap();
    assert_eq!(signals.len(), 3);
    for key in ["name", "unit", "rate_hz", "samples"] {
        assert!(signals[0].get(key).is_some(), "{key}");
    }
    assert_eq!(signals[0]["samples"], 2000);
    let listed = env.json(&["data", "list", "--recording", &rec, "--json"]);
    assert_eq!(listed["sources"][0]["source_id"], source.as_str());
    let aligned = env.json(&[
        "data",
        "align",
        "--source",
        &source,
        "--pair",
        "1000=3500",
        "--json",
    ]);
    assert_eq!(aligned["offset_ms"], -2500.0);
    for key in ["offset_ms", "ppm", "residual_ms"] {
        assert!(aligned.get(key).is_some(), "{key}");
    }
    let two = env.json(&[
        "data",
        "align",
        "--source",
        &source,
        "--pair",
        "1000=3500",
        "--pair",
        "11000=13502",
        "--json",
    ]);
    assert!((two["ppm"].as_f64().unwrap() - 200.0).abs() < 1e-6, "{two}");
    let undone = env.json(&["data", "align", "--source", &source, "--undo", "--json"]);
    assert_eq!(undone["offset_ms"], -2500.0);
    // The bundled codebook's data metrics, with birth coded at 3 s (frame 90).
    env.ok(&["data", "align", "--source", &source, "--offset-ms", "0"]);
    env.json(&[
        "annotate",
        "add",
        "--recording",
        &rec,
        "--code",
        "birth",
        "--frame",
        "90",
        "--json",
    ]);
    let metrics = env.json(&["metrics", "--recording", &rec, "--json"]);
    let by_kind = |kind: &str| {
        metrics["data_metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["kind"] == kind)
            .unwrap_or_else(|| panic!("{kind} in {metrics}"))
            .clone()
    };
    // HR steps to 130 at 10.000 s: 7 s after birth, within the 120 s target.
    let hr = by_kind("time_to");
    assert_eq!(
        (hr["value"].as_f64(), hr["status"].as_str()),
        (Some(7.0), Some("met")),
        "{hr}"
    );
    assert_eq!(hr["signal"], "HR");
    // Twenty seconds of data never reach minute 5; no tidal volume was measured.
    assert_eq!(by_kind("time_outside_target")["status"], "incomplete");
    assert_eq!(by_kind("fraction_in_range")["status"], "no data");
    // The report plots the data under the timeline and lists the measures.
    let out = dir.path().join("report.html");
    env.ok(&[
        "report",
        "--recording",
        &rec,
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("Device data over the recording"), "the plot");
    assert!(html.contains("Birth to heart rate") && html.contains("Paw (cmH2O)"));
    // The same file twice, a missing recording, no way to align: one clear line, exit 2.
    refused(
        &env.run(&["data", "import", EDF, "--recording", &rec]),
        "already imported",
    );
    refused(
        &env.run(&["data", "import", EDF, "--recording", "nope"]),
        "does not exist",
    );
    refused(&env.run(&["data", "align", "--source", &source]), "--pair");
}

#[test]
fn malformed_files_are_refused_by_place_and_leave_the_vault_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::new(dir.path());
    let video = generate(dir.path(), "v.mp4", &twenty_seconds());
    let (_, _, rec) = setup(&env, &video);
    let good = std::fs::read(EDF).unwrap();
    let mut wrong_count = good.clone();
    wrong_count[236..244].copy_from_slice(b"21      ");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("header.edf", good[..200].to_vec(), "EDF header field"),
        (
            "cut.edf",
            good[..good.len() - 100].to_vec(),
            "data record 20",
        ),
        ("count.edf", wrong_count, "the header says 21 data records"),
        (
            "cells.csv",
            b"time,HR\n0,120\n1,12O\n".to_vec(),
            "line 3, column 'HR'",
        ),
        (
            "back.csv",
            b"time,HR\n0,120\n2,121\n1,122\n".to_vec(),
            "line 4, column 'time': the time goes backwards",
        ),
        (
            "ragged.tsv",
            b"time\tHR\n0\t120\n1\n".to_vec(),
            "line 3: this row has 1 cells",
        ),
        ("empty.csv", Vec::new(), "line 1"),
    ];
    let before = hashes(&env.vault);
    for (name, bytes, expect) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        refused(
            &env.run(&[
                "data",
                "import",
                path.to_str().unwrap(),
                "--recording",
                &rec,
            ]),
            expect,
        );
    }
    // Refusals write nothing (the unlock's audit entries aside, which live in the database).
    let after = hashes(&env.vault);
    let media = |h: &[(std::path::PathBuf, String)]| -> Vec<(std::path::PathBuf, String)> {
        h.iter()
            .filter(|(p, _)| p.starts_with(env.vault.join("media")))
            .cloned()
            .collect()
    };
    assert_eq!(media(&before), media(&after));
    let listed = env.json(&["data", "list", "--recording", &rec, "--json"]);
    assert_eq!(listed["sources"].as_array().unwrap().len(), 0);
    let _ = Format::Csv;
}

#[test]
fn shredding_the_recording_shreds_its_data_and_no_sample_is_ever_plain() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut f = fixture(dir.path(), &twenty_seconds(), true);
    let csv = dir.path().join("monitor.csv");
    drifting_csv(&csv, &[2.0, 10.0, 18.0]);
    let (source, set) = import(&mut f, &csv);
    // 16-byte windows of the samples as stored, and lines of the file itself.
    let plain = encoding::encode(&set);
    let mut windows: Vec<&[u8]> = plain.windows(16).step_by(997).collect();
    let text = std::fs::read(&csv).unwrap();
    windows.extend(text.windows(24).step_by(4999));
    let vault_dir = dir.path().join("vault");
    for file in files(&vault_dir).into_iter().chain(files(&tmp)) {
        let bytes = std::fs::read(&file).unwrap();
        for w in &windows {
            assert!(
                !bytes.windows(w.len()).any(|b| b == *w),
                "plain samples in {}",
                file.display()
            );
        }
    }
    let data_file = vault_dir
        .join("media")
        .join(format!("{}.age", source.source_id));
    assert!(
        std::fs::read(&data_file)
            .unwrap()
            .starts_with(b"age-encryption.org/v1")
    );
    f.vault.delete_recording(&f.recording_id, "test").unwrap();
    assert!(!data_file.exists());
    assert!(f.vault.load_data(&source.source_id).is_err());
    let key_rows: i64 = f
        .vault
        .connection()
        .query_row("SELECT count(*) FROM data_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(key_rows, 0, "the data's key is gone");
    assert!(f.vault.data_sources(&f.recording_id).unwrap().is_empty());
}

#[test]
fn values_are_burned_into_a_clip_on_request_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture(dir.path(), &twenty_seconds(), true);
    import(&mut f, Path::new(EDF));
    let clip = |name: &str, values: bool, vault: &mut debrief::vault::Vault| {
        let out = dir.path().join(name);
        let mut settings = debrief::export::ClipSettings::new(295, 305);
        settings.detect_faces = false;
        settings.data_values = values;
        let job =
            debrief::plenary::ClipJob::permit(vault, &f.recording_id, &out, &settings).unwrap();
        let captions = job.settings().captions.clone();
        let report = job.run(&mut |_| {}, &Default::default()).unwrap();
        job.record(vault, &report, true).unwrap();
        (out, captions)
    };
    let (with, captions) = clip("with.mp4", true, &mut f.vault);
    let (plain, none) = clip("plain.mp4", false, &mut f.vault);
    // Frame 300 (10.000 s) is the first with the heart rate at 130.
    assert_eq!(captions.len(), 11);
    assert_eq!(captions[4], "HR 80 /min  SpO2 70 %");
    assert_eq!(captions[5], "HR 130 /min  SpO2 70 %");
    assert!(none.is_empty());
    // The band is drawn bottom left, and only there.
    let luma = |path: &Path, x0: u32, y0: u32, x1: u32, y1: u32| {
        let (player, _) = open_player(path);
        let frame = player.seek_wait(5, TIMEOUT).unwrap();
        let (mut sum, mut n) = (0u64, 0u64);
        for y in y0..y1 {
            for x in x0..x1 {
                let i = ((y * frame.width + x) * 4) as usize;
                sum += u64::from(frame.rgba[i])
                    + u64::from(frame.rgba[i + 1])
                    + u64::from(frame.rgba[i + 2]);
                n += 3;
            }
        }
        sum as f64 / n as f64
    };
    let band = |p: &Path| luma(p, 4, 108, 100, 117);
    let top = |p: &Path| luma(p, 0, 0, 160, 40);
    assert!(
        (band(&with) - band(&plain)).abs() > 25.0,
        "{} vs {}",
        band(&with),
        band(&plain)
    );
    assert!(
        (top(&with) - top(&plain)).abs() < 4.0,
        "the rest of the picture is the same"
    );
    // The clip rows keep which clip has the values in it.
    let stored: Vec<bool> = f
        .vault
        .clips(&f.recording_id)
        .unwrap()
        .iter()
        .map(|c| debrief::plenary::settings_of(c).unwrap().data_values)
        .collect();
    assert_eq!(stored.iter().filter(|v| **v).count(), 1, "{stored:?}");
}
