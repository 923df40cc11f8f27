//! The media commands end to end on the built binary: the JSON contract of
//! CLI.md, exact frames written as PNG, and clear errors (exit 2, one line,
//! no panic, no hang) for every kind of bad input.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{bin, generate};
use debrief::media::frame_code;
use debrief::media::testsrc::{TestSrcSpec, VideoCodec};

fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("DEBRIEF_AUDIO_SINK", "fakeaudiosink")
        .output()
        .expect("run debrief")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `mp4` (an MP4 with its `moov` after `mdat`) with every `trak` taken out of its `moov`.
fn without_tracks(mp4: &[u8]) -> Vec<u8> {
    let be = |at: usize| u32::from_be_bytes(mp4[at..at + 4].try_into().unwrap()) as usize;
    let mut pos = 0;
    while &mp4[pos + 4..pos + 8] != b"moov" {
        pos += be(pos);
    }
    let end = pos + be(pos);
    let mut body = Vec::new();
    let mut at = pos + 8;
    while at < end {
        let size = be(at);
        if &mp4[at + 4..at + 8] != b"trak" {
            body.extend_from_slice(&mp4[at..at + size]);
        }
        at += size;
    }
    let mut out = mp4[..pos].to_vec();
    out.extend(((body.len() + 8) as u32).to_be_bytes());
    out.extend_from_slice(b"moov");
    out.extend(body);
    out.extend_from_slice(&mp4[end..]);
    out
}

/// Asserts a refused command: exit 2, one `debrief: error:` line saying `expect`, no panic.
fn assert_bad_input(out: &Output, expect: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "panic: {err}"
    );
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("debrief: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line: {err}");
    assert!(lines[0].contains(expect), "'{expect}' not in: {err}");
}

/// Every command path in the command tree, e.g. `["export", "clip"]`.
fn command_paths(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_owned());
        out.push(path.clone());
        command_paths(sub, &path, out);
    }
}

/// Every command's `--help` (all of them, from the command tree) succeeds and
/// names each of its options and subcommands; a few spot checks of the words.
#[test]
fn help_is_complete_for_every_command() {
    use clap::CommandFactory as _;
    let tree = debrief::cli::Cli::command();
    let mut paths = Vec::new();
    command_paths(&tree, &[], &mut paths);
    assert!(paths.len() >= 40, "{} commands", paths.len());
    for path in std::iter::once(Vec::new()).chain(paths) {
        let mut cmd = &tree;
        for name in &path {
            cmd = cmd.find_subcommand(name).unwrap();
        }
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = run(&args);
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                assert!(
                    text.contains(&format!("--{long}")),
                    "{args:?} lists --{long}"
                );
            }
        }
        for sub in cmd.get_subcommands() {
            assert!(
                text.contains(sub.get_name()),
                "{args:?} lists {}",
                sub.get_name()
            );
        }
    }
    let spot: [(&[&str], &[&str]); 3] = [
        (&["probe", "--help"], &["fps_num", "video_codec"]),
        (
            &["package", "create", "--help"],
            &["--passphrase-file", "DEBRIEF_PACKAGE_PASSPHRASE"],
        ),
        (&["present", "--help"], &["DEBRIEF_PACKAGE_PASSPHRASE"]),
    ];
    for (args, needles) in spot {
        let text = String::from_utf8_lossy(&run(args).stdout).to_string();
        for n in needles {
            assert!(text.contains(n), "{args:?} --help mentions {n}");
        }
    }
}

#[test]
fn testsrc_then_probe_json_follows_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.mp4");
    let f = file.to_str().unwrap();
    let out = run(&[
        "testsrc",
        f,
        "--frames",
        "75",
        "--fps",
        "25/1",
        "--size",
        "320x240",
        "--bframes",
        "--gop",
        "25",
        "--audio",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["probe", f, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "--json prints one object and nothing else"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for key in [
        "frames",
        "fps_num",
        "fps_den",
        "vfr",
        "duration_ns",
        "width",
        "height",
        "video_codec",
        "audio_codec",
        "container",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["frames"], 75);
    assert_eq!(
        (v["fps_num"].as_u64(), v["fps_den"].as_u64()),
        (Some(25), Some(1))
    );
    assert_eq!(v["vfr"], false);
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert_eq!(v["video_codec"], "h264");
    assert_eq!(v["audio_codec"], "aac");
    assert_eq!(v["container"], "mp4");
    assert!((v["duration_ns"].as_i64().unwrap() - 3_000_000_000).abs() < 1_000);

    let vfr = dir.path().join("v.mkv");
    let out = run(&[
        "testsrc",
        vfr.to_str().unwrap(),
        "--frames",
        "60",
        "--size",
        "320x240",
        "--vfr",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value =
        serde_json::from_slice(&run(&["probe", vfr.to_str().unwrap(), "--json"]).stdout).unwrap();
    assert_eq!(
        (
            v["frames"].as_u64(),
            v["vfr"].as_bool(),
            v["audio_codec"].is_null()
        ),
        (Some(60), Some(true), true)
    );
}

fn code_in_png(path: &Path) -> Option<u64> {
    let (w, h, rgba) = debrief::media::still::read_png(path).unwrap();
    frame_code::read_rgba(&rgba, w, h, w as usize * 4)
}

#[test]
fn frame_writes_exactly_the_requested_frame() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "b.mp4",
            TestSrcSpec {
                frames: 130,
                bframes: true,
                gop: 60,
                ..Default::default()
            },
        ),
        (
            "v.webm",
            TestSrcSpec {
                frames: 80,
                codec: VideoCodec::Vp9,
                gop: 30,
                ..Default::default()
            },
        ),
    ];
    for (name, spec) in cases {
        let file = generate(dir.path(), name, &spec);
        for index in [0, 1, 59, 61, spec.frames - 1] {
            let png = dir.path().join(format!("{name}-{index}.png"));
            let out = run(&[
                "frame",
                file.to_str().unwrap(),
                "--index",
                &index.to_string(),
                "--out",
                png.to_str().unwrap(),
            ]);
            assert!(out.status.success(), "{name} {index}: {}", stderr(&out));
            assert_eq!(code_in_png(&png), Some(index), "{name}: frame {index}");
        }
    }
}

#[test]
fn frame_refuses_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let file = generate(
        dir.path(),
        "s.mp4",
        &TestSrcSpec {
            frames: 20,
            ..Default::default()
        },
    );
    let f = file.to_str().unwrap();
    let png = dir.path().join("o.png");
    let out = run(&["frame", f, "--index", "20", "--out", png.to_str().unwrap()]);
    assert_bad_input(
        &out,
        "frame 20 does not exist: the recording has 20 frames (0 to 19)",
    );
    assert!(!png.exists(), "nothing written on failure");
    let out = run(&[
        "frame",
        f,
        "--index",
        "3",
        "--out",
        dir.path().join("o.jpg").to_str().unwrap(),
    ]);
    assert_bad_input(&out, "--out must name a .png file");
    let out = run(&[
        "frame",
        f,
        "--index",
        "3",
        "--out",
        dir.path().join("missing-dir/o.png").to_str().unwrap(),
    ]);
    assert_bad_input(&out, "writing");
    let out = run(&[
        "testsrc",
        dir.path().join("x.webm").to_str().unwrap(),
        "--frames",
        "5",
    ]);
    assert_bad_input(&out, "WebM holds only VP8 or VP9");
    let out = run(&[
        "testsrc",
        dir.path().join("x.mp4").to_str().unwrap(),
        "--frames",
        "5",
        "--size",
        "big",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap rejects a bad --size: {}",
        stderr(&out)
    );
    assert!(!dir.path().join("x.webm").exists() && !dir.path().join("x.webm.partial").exists());
}

/// Every malformed input: a clear message, exit 2, and quickly (never a hang).
#[test]
fn malformed_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = generate(
        d,
        "good.mp4",
        &TestSrcSpec {
            frames: 90,
            audio: true,
            ..Default::default()
        },
    );
    let bytes = std::fs::read(&good).unwrap();

    std::fs::write(d.join("empty.mp4"), b"").unwrap();
    std::fs::write(
        d.join("text.mp4"),
        "This is a consent form, not a video.\n".repeat(50),
    )
    .unwrap();
    // moov is at the end: half a file has no index at all.
    std::fs::write(d.join("half.mp4"), &bytes[..bytes.len() / 2]).unwrap();
    // A damaged header: the first box's size and type overwritten.
    let mut header = bytes.clone();
    header[..16].copy_from_slice(b"\xff\xff\xff\xffJUNKJUNKJUNK");
    std::fs::write(d.join("header.mp4"), &header).unwrap();
    write_audio_only(&d.join("audio.m4a"));
    // A recording stopped before its first frame: an index (moov) with no track.
    std::fs::write(d.join("no-frames.mp4"), without_tracks(&bytes)).unwrap();
    std::fs::create_dir(d.join("folder.mp4")).unwrap();

    let cases = [
        ("empty.mp4", "the file is empty (0 bytes)"),
        ("text.mp4", "not a media file"),
        ("half.mp4", "index (moov) is missing"),
        ("header.mp4", "not a media file"),
        ("audio.m4a", "no video stream"),
        ("no-frames.mp4", "the recording holds no frames"),
        ("folder.mp4", "is a folder"),
        ("missing.mp4", "cannot open the file"),
    ];
    for (name, expect) in cases {
        let path = d.join(name);
        let p = path.to_str().unwrap();
        assert_bad_input(&run(&["probe", p, "--json"]), expect);
        let png = d.join(format!("{name}.png"));
        assert_bad_input(
            &run(&["frame", p, "--index", "0", "--out", png.to_str().unwrap()]),
            expect,
        );
        assert!(!png.exists());
    }
}

#[test]
fn truncated_mp4_with_index_at_start_is_refused_or_reads_what_is_there() {
    // With moov first, a cut file still has a full index but missing data:
    // probing must end (no hang) with a damage error, never a panic.
    let dir = tempfile::tempdir().unwrap();
    let good = generate(
        dir.path(),
        "fs.mp4",
        &TestSrcSpec {
            frames: 90,
            faststart: true,
            ..Default::default()
        },
    );
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let out = run(&["probe", cut.to_str().unwrap(), "--json"]);
    match out.status.code() {
        Some(2) => assert_bad_input(&out, "damaged or truncated"),
        Some(0) => {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert!(
                v["frames"].as_u64().unwrap() < 90,
                "a truncated file cannot have every frame"
            );
        }
        other => panic!("exit {other:?}: {}", stderr(&out)),
    }
}

fn write_audio_only(path: &Path) {
    use gstreamer as gst;
    use gstreamer::prelude::*;
    debrief::media::init().unwrap();
    let desc = format!(
        "audiotestsrc num-buffers=20 ! audioconvert ! avenc_aac ! mp4mux ! filesink location={}",
        path.display()
    );
    let pipeline = gst::parse::launch(&desc).unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let bus = pipeline.bus().unwrap();
    let msg = bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(30),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    assert!(matches!(
        msg.map(|m| m.type_()),
        Some(gst::MessageType::Eos)
    ));
    pipeline.set_state(gst::State::Null).unwrap();
}

#[test]
fn bench_seek_prints_the_contract_fields() {
    let dir = tempfile::tempdir().unwrap();
    let file = generate(
        dir.path(),
        "bench.mp4",
        &TestSrcSpec {
            frames: 120,
            bframes: true,
            ..Default::default()
        },
    );
    let out = run(&[
        "bench",
        "seek",
        file.to_str().unwrap(),
        "--json",
        "--samples",
        "5",
        "--seed",
        "7",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "samples",
        "exact",
        "seek_ms_p50",
        "seek_ms_p95",
        "step_forward_ms_p50",
        "step_forward_ms_p95",
        "step_back_ms_p50",
        "step_back_ms_p95",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["samples"], 5);
    // Every positioned frame (seek, one step forward, three back, per sample) was exact.
    assert_eq!(v["exact"], 25);
}
