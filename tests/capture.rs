//! Recording straight into the vault (issue 17), with live test sources:
//! cameras in step on one clock, no plaintext anywhere, recovery after kill -9.

mod common;

use std::collections::HashSet;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::cli::{Env, refused, setup};
use common::{Rng, TIMEOUT, code_of, generate, silent_players};
use debrief::media::MediaSource;
use debrief::media::testsrc::TestSrcSpec;
use debrief::views::{Shown, SyncSource};

/// A vault with one case whose participant granted every stage (one small
/// imported recording, so `setup` can be shared with the other CLI tests).
fn env_with_case(dir: &Path) -> (Env, String) {
    let env = Env::new(dir);
    let source = generate(
        dir,
        "seed.mp4",
        &TestSrcSpec {
            frames: 10,
            width: 160,
            height: 120,
            ..Default::default()
        },
    );
    let (case, _, _) = setup(&env, &source);
    (env, case)
}

fn record_args<'a>(case: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "record",
        "--case",
        case,
        "--camera",
        "test",
        "--camera",
        "test",
        "--label",
        "overhead",
        "--label",
        "team",
        "--mic",
        "test",
        "--size",
        "320x240",
        "--confirm-not-listed",
    ];
    args.extend_from_slice(extra);
    args
}

/// Starts `debrief record` and waits for its "recording started" line.
fn start_recording(env: &Env, args: &[&str], tmp: &Path) -> (std::process::Child, Instant) {
    let mut child = env
        .command(args)
        .env("TMPDIR", tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn debrief record");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("recording started") => break,
            Some(Ok(_)) => continue,
            _ => {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!("the recorder did not start: {out:?}");
            }
        }
    }
    let started = Instant::now();
    // Keep draining stderr so the recorder never blocks on a full pipe.
    // (Shown with --nocapture.)
    std::thread::spawn(move || {
        for line in lines.by_ref().map_while(Result::ok) {
            eprintln!("recorder: {line}");
        }
    });
    (child, started)
}

/// Every regular file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Where an MP4 or Matroska structure shows in `bytes`, if anywhere.
fn container_signature(bytes: &[u8]) -> Option<&'static str> {
    bytes.windows(12).find_map(|w| match () {
        _ if &w[..4] == b"moof" && &w[8..12] == b"mfhd" => Some("an MP4 fragment (moof/mfhd)"),
        _ if &w[..4] == b"moov" && &w[8..12] == b"mvhd" => Some("an MP4 index (moov/mvhd)"),
        _ if &w[..4] == b"ftyp" && (w[4..8].starts_with(b"iso") || w[4..8].starts_with(b"mp4")) => {
            Some("an MP4 header (ftyp)")
        }
        _ if w[..4] == [0x1a, 0x45, 0xdf, 0xa3] && w[4..].windows(2).any(|p| p == [0x42, 0x86]) => {
            Some("a Matroska header")
        }
        _ => None,
    })
}

/// 16-byte windows of the decrypted stream's media data (varied bytes only:
/// runs of padding would match any file's zeros).
fn stream_windows(stream: &[u8]) -> HashSet<[u8; 16]> {
    (0..stream.len().saturating_sub(16))
        .step_by(61)
        .filter_map(|at| {
            let w: [u8; 16] = stream[at..at + 16].try_into().ok()?;
            let distinct: HashSet<u8> = w.iter().copied().collect();
            (distinct.len() >= 10).then_some(w)
        })
        .collect()
}

/// Fails if any file under `dirs` holds a container signature or a window of `windows`.
fn assert_no_plaintext(dirs: &[&Path], windows: &HashSet<[u8; 16]>, when: &str) {
    for dir in dirs {
        for file in files_under(dir) {
            let Ok(bytes) = std::fs::read(&file) else {
                continue; // removed meanwhile (a renamed partial)
            };
            if let Some(what) = container_signature(&bytes) {
                panic!("{when}: {} holds {what}", file.display());
            }
            if let Some(at) = bytes
                .windows(16)
                .position(|w| windows.contains(<&[u8; 16]>::try_from(w).unwrap()))
            {
                panic!(
                    "{when}: {} holds recorded stream bytes at {at}",
                    file.display()
                );
            }
        }
    }
}

/// The decrypted stream of a vault recording (reference view).
fn decrypted(source: &MediaSource) -> Vec<u8> {
    let MediaSource::Reader { open, .. } = source else {
        panic!("vault media opens through a reader")
    };
    let mut out = Vec::new();
    open().unwrap().read_to_end(&mut out).unwrap();
    out
}

#[test]
fn two_test_cameras_and_a_microphone_record_in_step_with_no_plaintext_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let (env, case) = env_with_case(dir.path());
    let vault_dir = dir.path().join("vault");
    let args = record_args(
        &case,
        &["--duration", "5", "--segment-seconds", "2", "--json"],
    );
    let (child, _) = start_recording(&env, &args, &tmp);
    // While it records: no container structure anywhere, every media file age.
    std::thread::sleep(Duration::from_millis(2500));
    assert_no_plaintext(&[&vault_dir, &tmp], &HashSet::new(), "while recording");
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let captured: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rec = captured["recording_id"].as_str().unwrap().to_owned();
    assert_eq!(captured["recovered"], false);
    assert_eq!(captured["views"].as_array().unwrap().len(), 2, "{captured}");
    let frames = captured["frames"].as_u64().unwrap();
    assert!(
        (120..=170).contains(&frames),
        "5 s at 30 fps: {frames} frames"
    );
    // 2-second segments over 5 s: at least 2 per camera.
    assert!(captured["segments"].as_u64().unwrap() >= 4, "{captured}");

    for file in files_under(&vault_dir.join("media")) {
        let mut head = [0u8; 21];
        std::fs::File::open(&file)
            .unwrap()
            .read_exact(&mut head)
            .unwrap();
        assert_eq!(&head, b"age-encryption.org/v1", "{}", file.display());
    }

    let mut vault = debrief::vault::Vault::unlock(
        &vault_dir,
        "alice",
        &age::secrecy::SecretString::from(env.pass.clone()),
    )
    .expect("unlock");
    let views = vault.views(&rec).unwrap();
    assert_eq!(views[1].source, SyncSource::Capture);
    assert_eq!(views[1].camera.as_deref(), Some("team"));
    let opened = vault.open_views(&rec, true).unwrap();
    // Each view's frame table, merged from its segments' tables (read as each
    // was sealed) and the last one read at Stop, is the whole stream's.
    for (view, source, stored) in &opened {
        let (indexed, segments) = vault.indexed_segments(&view.view_id).unwrap();
        assert!(
            segments >= 2 && indexed + 1 >= segments,
            "{indexed} of {segments}"
        );
        let whole = debrief::media::probe(source).unwrap();
        assert_eq!(
            stored.table.all_pts(),
            whole.table.all_pts(),
            "{}",
            view.view_id
        );
        assert_eq!(
            stored.table.keyframes(),
            whole.table.keyframes(),
            "{}",
            view.view_id
        );
        assert_eq!(stored.duration_ns, whole.duration_ns);
    }
    let info = &opened[0].2;
    assert!(
        info.audio_codec.is_some(),
        "the microphone's sound is in the reference"
    );
    // No 16-byte window of what was recorded appears anywhere on disk in the clear.
    let windows = stream_windows(&decrypted(&opened[0].1));
    assert!(windows.len() > 1000, "{} windows", windows.len());
    assert_no_plaintext(&[&vault_dir, &tmp], &windows, "after recording");

    // Frame codes of both cameras agree at every sampled reference frame.
    let mut players = silent_players(opened);
    let frames = players.reference().frames();
    let mut rng = Rng(17);
    let mut compared = 0;
    for round in 0..40 {
        let at = if round < 20 {
            round * frames / 20
        } else {
            rng.below(frames)
        };
        let shown = players.show_wait(at, TIMEOUT).unwrap();
        let reference = code_of(shown[0].as_ref().unwrap()).expect("reference code");
        if let Shown::Frame(_) = players.targets(at)[1] {
            let view = code_of(shown[1].as_ref().unwrap()).expect("view code");
            assert_eq!(view, reference, "reference frame {at}");
            compared += 1;
        }
    }
    assert!(
        compared >= 36,
        "only {compared} of 40 frames had both cameras"
    );
    let report = vault.audit_verify().unwrap();
    assert!(report.ok, "{report:?}");
}

#[test]
fn a_recorder_killed_at_random_moments_leaves_a_playable_recovered_recording() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let (env, case) = env_with_case(dir.path());
    let mut rng = Rng(9);
    let mut seen = HashSet::new();
    for round in 0..10 {
        let args = record_args(&case, &["--duration", "60", "--segment-seconds", "3"]);
        let (mut child, started) = start_recording(&env, &args, &tmp);
        std::thread::sleep(Duration::from_millis(1500 + rng.below(3500)));
        let elapsed = started.elapsed();
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
        // The next start (any vault command) recovers it.
        let list = env.json(&["recording", "list", "--case", &case, "--json"]);
        let recovered: Vec<&serde_json::Value> = list["recordings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| !seen.contains(r["id"].as_str().unwrap()))
            .filter(|r| r["frames"].as_u64().unwrap() > 10 && r["camera"] == "overhead")
            .collect();
        assert_eq!(recovered.len(), 1, "round {round}: {list}");
        let r = recovered[0];
        seen.insert(r["id"].as_str().unwrap().to_owned());
        let kept = Duration::from_nanos(r["duration_ns"].as_u64().unwrap());
        eprintln!("round {round}: killed after {elapsed:?}, recovered {kept:?}");
        assert!(
            kept + Duration::from_secs(2) >= elapsed,
            "round {round}: killed after {elapsed:?}, kept {kept:?}"
        );
        // Playable: a frame from its last second decodes.
        let last = r["frames"].as_u64().unwrap() - 5;
        let png = dir.path().join("last.png");
        env.ok(&[
            "frame",
            "--recording",
            r["id"].as_str().unwrap(),
            "--index",
            &last.to_string(),
            "--out",
            png.to_str().unwrap(),
        ]);
    }
    let audit = env.json(&["audit", "verify", "--json"]);
    assert_eq!(audit["ok"], true, "{audit}");
    let log = env
        .json(&["audit", "show", "--limit", "500", "--json"])
        .to_string();
    assert_eq!(
        log.matches("capture.recovered").count(),
        10,
        "every recovery audited"
    );
}

#[test]
fn recording_starts_only_with_everyone_present_consented_and_deferred_consent_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let (env, case) = env_with_case(dir.path());
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .date_naive()
        .to_string();
    for (name, role) in [("Nurse A", "nurse"), ("Doctor B", "registrar")] {
        env.json(&[
            "staff",
            "add",
            "--name",
            name,
            "--team-role",
            role,
            "--expires",
            &tomorrow,
            "--json",
        ]);
    }
    env.ok(&["staff", "withdraw", "Doctor B"]);
    let roster = env.json(&["staff", "list", "--json"]);
    assert_eq!(roster["staff"].as_array().unwrap().len(), 2, "{roster}");

    let one_second = |extra: &[&str]| {
        let mut args = vec![
            "record",
            "--case",
            &case,
            "--camera",
            "test",
            "--size",
            "160x120",
            "--duration",
            "1",
        ];
        args.extend_from_slice(extra);
        env.run(&args)
    };
    // With no "do not record" list (the default), nothing to confirm; with one,
    // it is confirmed first.
    let out = one_second(&["--json"]);
    assert!(out.status.success(), "{out:?}");
    let policy = debrief::model::policy::Policy::with_do_not_record(
        debrief::model::policy::DEFAULT,
        debrief::model::policy::EXAMPLE_DO_NOT_RECORD,
    );
    let file = dir.path().join("policy.json");
    std::fs::write(&file, policy).unwrap();
    env.ok(&["policy", "set", file.to_str().unwrap()]);
    refused(
        &one_second(&[]),
        "never records: a patient or family who declined",
    );
    // Someone present whose standing consent was withdrawn blocks the start, by role.
    refused(
        &one_second(&[
            "--confirm-not-listed",
            "--present",
            "Nurse A",
            "--present",
            "Doctor B",
        ]),
        "the registrar (Doctor B) has no standing consent",
    );
    refused(
        &one_second(&["--confirm-not-listed", "--present", "Porter C"]),
        "'Porter C' is not on the staff roster",
    );
    let audit = env
        .json(&["audit", "show", "--limit", "500", "--json"])
        .to_string();
    assert_eq!(
        audit.matches("capture.start").count(),
        1,
        "refused before anything was recorded (one start: the recording without a list)"
    );
    let out = one_second(&["--confirm-not-listed", "--present", "Nurse A", "--json"]);
    assert!(out.status.success(), "{out:?}");

    // A case whose family has not consented yet: only under deferred consent.
    let case2 = env.json(&["case", "create", "--title", "Emergency", "--json"])["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.json(&[
        "participant",
        "add",
        "--case",
        &case2,
        "--name",
        "Parent",
        "--team-role",
        "guardian",
        "--json",
    ]);
    let run2 = |extra: &[&str]| {
        let mut args = vec![
            "record",
            "--case",
            &case2,
            "--camera",
            "test",
            "--size",
            "160x120",
            "--duration",
            "1",
            "--confirm-not-listed",
            "--json",
        ];
        args.extend_from_slice(extra);
        env.run(&args)
    };
    refused(
        &run2(&[]),
        "no consent to recording (before-recording) from Parent (guardian)",
    );
    let out = run2(&["--deferred-consent"]);
    assert!(out.status.success(), "{out:?}");
    let rec2: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rec2 = rec2["recording_id"].as_str().unwrap().to_owned();
    let list = env.json(&["recording", "list", "--case", &case2, "--json"]);
    let due = (chrono::Utc::now() + chrono::Duration::days(28))
        .date_naive()
        .to_string();
    assert_eq!(
        list["recordings"][0]["consent_deadline"],
        due.as_str(),
        "{list}"
    );
    assert_eq!(list["recordings"][0]["days_until_deletion"], 29, "{list}");

    // Past the deadline without consent, retention crypto-shreds it (and only it).
    let mut vault = debrief::vault::Vault::unlock(
        &env.vault,
        "alice",
        &age::secrecy::SecretString::from(env.pass.clone()),
    )
    .unwrap();
    vault.set_clock(std::sync::Arc::new(|| {
        chrono::Utc::now() + chrono::Duration::days(29)
    }));
    let shredded = vault.run_retention().unwrap();
    assert_eq!(shredded, vec![rec2.clone()]);
    let gone = vault.recording(&rec2).unwrap();
    assert_eq!(
        gone.shredded.map(|(_, why)| why).as_deref(),
        Some("deferred consent not given by its deadline")
    );
}

/// An RTSP camera on 127.0.0.1 (a live test pattern, H.264), served from a
/// thread of this test; dropping it stops the server and closes its clients.
struct RtspCamera {
    server: gstreamer_rtsp_server::RTSPServer,
    source: Option<gstreamer::glib::SourceId>,
    context: gstreamer::glib::MainContext,
    main_loop: gstreamer::glib::MainLoop,
    port: i32,
}

impl RtspCamera {
    fn start() -> Self {
        use gstreamer_rtsp_server::prelude::*;
        gstreamer::init().unwrap();
        let server = gstreamer_rtsp_server::RTSPServer::new();
        server.set_address("127.0.0.1");
        server.set_service("0");
        let factory = gstreamer_rtsp_server::RTSPMediaFactory::new();
        factory.set_launch(
            "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 \
             ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 \
             ! rtph264pay name=pay0 pt=96 config-interval=1 )",
        );
        factory.set_shared(true);
        server.mount_points().unwrap().add_factory("/cam", factory);
        let context = gstreamer::glib::MainContext::new();
        let source = server.attach(Some(&context)).unwrap();
        let port = server.bound_port();
        assert!(port > 0, "the RTSP server has a port");
        let main_loop = gstreamer::glib::MainLoop::new(Some(&context), false);
        let running = main_loop.clone();
        std::thread::spawn(move || running.run());
        Self {
            server,
            source: Some(source),
            context,
            main_loop,
            port,
        }
    }

    /// The server dies: every client is dropped and nothing answers any more.
    fn kill(&mut self) {
        use gstreamer_rtsp_server::prelude::*;
        self.server.client_filter(Some(&mut |_, _| {
            gstreamer_rtsp_server::RTSPFilterResult::Remove
        }));
        // The listening socket goes with its source (attached to our own context).
        if let Some(source) = self
            .source
            .take()
            .and_then(|id| self.context.find_source_by_id(&id))
        {
            source.destroy();
        }
        self.main_loop.quit();
    }
}

impl Drop for RtspCamera {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn an_rtsp_camera_that_dies_mid_recording_leaves_a_marked_gap_and_the_rest_records_on() {
    let dir = tempfile::tempdir().unwrap();
    let (env, case) = env_with_case(dir.path());
    let mut camera = RtspCamera::start();
    // Credentials in the address: never stored, printed or audited.
    let url = format!("rtsp://nurse:s3cret@127.0.0.1:{}/cam", camera.port);
    let args = [
        "record",
        "--case",
        &case,
        "--camera",
        "test",
        "--camera",
        &url,
        "--label",
        "overhead",
        "--label",
        "monitor",
        "--mic",
        "test",
        "--size",
        "320x240",
        "--confirm-not-listed",
        "--duration",
        "7",
        "--json",
    ];
    let (child, started) = start_recording(&env, &args, &env.tmp);
    std::thread::sleep(Duration::from_secs(3));
    camera.kill();
    let killed_at = started.elapsed();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let captured: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let views = captured["views"].as_array().unwrap();
    assert_eq!(views.len(), 2, "{captured}");
    let reference = views[0]["frames"].as_u64().unwrap();
    let monitor = views[1]["frames"].as_u64().unwrap();
    assert!(reference >= 200, "the test camera recorded on: {captured}");
    assert!(
        (30..=(killed_at.as_millis() as u64 * 30 / 1000 + 15)).contains(&monitor),
        "the RTSP view ends where its server died ({killed_at:?}): {captured}"
    );
    assert_eq!(captured["lost"][0]["camera"], "monitor", "{captured}");
    let lost_ms = captured["lost"][0]["at_ms"].as_u64().unwrap();
    assert!((2000..=6500).contains(&lost_ms), "{captured}");
    let audit = env
        .json(&["audit", "show", "--limit", "500", "--json"])
        .to_string();
    assert!(audit.contains("capture.camera_lost"), "the gap is audited");
    assert!(audit.contains("camera=monitor at=00:00:0"), "{audit}");
    for text in [String::from_utf8_lossy(&out.stderr).into_owned(), audit] {
        assert!(
            !text.contains("s3cret") && !text.contains("nurse:"),
            "{text}"
        );
    }
    // The reference plays over the gap's whole time.
    let png = dir.path().join("late.png");
    env.ok(&[
        "frame",
        "--recording",
        captured["recording_id"].as_str().unwrap(),
        "--index",
        &(reference - 3).to_string(),
        "--out",
        png.to_str().unwrap(),
    ]);
}

#[test]
fn bench_record_reports_cpu_drops_and_the_time_to_seal() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::new(dir.path());
    let out = env.json(&[
        "bench",
        "record",
        "--cameras",
        "1",
        "--size",
        "320x240",
        "--seconds",
        "2",
        "--presets",
        "ultrafast",
        "--json",
    ]);
    let run = &out["runs"][0];
    assert_eq!(run["preset"], "ultrafast", "{out}");
    let view = &run["views"][0];
    assert!(view["frames"].as_u64().unwrap() >= 45, "{out}");
    assert!(
        view["dropped"].is_u64() && run["stop_to_sealed_ms"].as_f64().unwrap() > 0.0,
        "{out}"
    );
    assert!(
        run["cpu_percent_of_machine"].as_f64().unwrap() > 0.0,
        "{out}"
    );
}

#[test]
fn recording_refuses_to_start_below_the_disk_reserve_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (env, case) = env_with_case(dir.path());
    let policy = debrief::model::policy::DEFAULT.replace(
        "\"disk_reserve_mib\": 1024",
        "\"disk_reserve_mib\": 1000000000",
    );
    let file = dir.path().join("policy.json");
    std::fs::write(&file, policy).unwrap();
    env.ok(&["policy", "set", file.to_str().unwrap()]);
    let out = env.run(&record_args(&case, &["--duration", "1"]));
    refused(
        &out,
        "free on the vault's disk (the reserve is 1000000000 MiB): free space first",
    );
    let audit = env
        .json(&["audit", "show", "--limit", "500", "--json"])
        .to_string();
    assert!(!audit.contains("capture.start"), "nothing was started");
    // Only the imported seed recording: no segment was created.
    assert_eq!(files_under(&env.vault.join("media")).len(), 1);
}

/// Mean luma (from RGBA) of the picture below the frame-code strip.
fn mean_below_strip(frame: &debrief::media::Frame) -> f64 {
    let strip = debrief::media::frame_code::strip_height(frame.height) as usize + 2;
    let w = frame.width as usize;
    let rows = strip..frame.height as usize;
    let mut sum = 0u64;
    let mut n = 0u64;
    for y in rows.step_by(3) {
        for x in (0..w).step_by(3) {
            let at = (y * w + x) * 4;
            sum += u64::from(frame.rgba[at])
                + u64::from(frame.rgba[at + 1])
                + u64::from(frame.rgba[at + 2]);
            n += 3;
        }
    }
    sum as f64 / n.max(1) as f64
}

#[test]
fn privacy_blacks_out_picture_and_sound_and_a_pause_records_nothing() {
    use debrief::capture::{CameraSpec, MicSpec, RecordOptions, Recorder};
    let dir = tempfile::tempdir().unwrap();
    let (env, case) = env_with_case(dir.path());
    let vault = debrief::vault::Vault::unlock(
        &env.vault,
        "alice",
        &age::secrecy::SecretString::from(env.pass.clone()),
    )
    .unwrap();
    let mut options = RecordOptions::new(&case, vec![(CameraSpec::Test, Some("overhead".into()))]);
    options.mic = Some(MicSpec::Test);
    options.reserve_bytes = 0;
    options.settings.width = 320;
    options.settings.height = 240;
    options.before.confirmed_not_listed = true;
    let mut recorder = Recorder::start(&vault, options).unwrap();
    let wait = |ms| std::thread::sleep(Duration::from_millis(ms));
    // Where each switch fell on the recording's timeline, by the pictures
    // that had passed the switches (under load, the first picture can come
    // well before or after `start` returns).
    let at_now = |r: &Recorder| r.frames()[0] as f64 / 30.0;
    wait(1500);
    let privacy_on = at_now(&recorder);
    recorder.set_privacy(true).unwrap();
    wait(1500);
    let privacy_off = at_now(&recorder);
    recorder.set_privacy(false).unwrap();
    wait(1000);
    let paused = at_now(&recorder);
    recorder.set_paused(true).unwrap();
    wait(2000);
    recorder.set_paused(false).unwrap();
    wait(1000);
    let (captured, _) = recorder.stop().unwrap();
    assert!(
        privacy_on > 0.6 && privacy_off - privacy_on > 1.0 && paused - privacy_off > 0.6,
        "the switches fell at {privacy_on}, {privacy_off}, {paused} s"
    );
    // 5 s recorded: the 2 s pause is not in the timeline.
    let seconds = captured.duration_ns as f64 / 1e9;
    assert!((4.4..=5.8).contains(&seconds), "{seconds} s");

    let mut vault = vault;
    let opened = vault.open_views(&captured.recording_id, true).unwrap();
    let (view, source, info) = opened.into_iter().next().unwrap();
    let sound =
        debrief::media::reader::mono_samples(&source, info.duration_ns, 8000, &mut |_, _| true)
            .unwrap();
    let loudness = |from: f64, to: f64| {
        let part = &sound[(from * 8000.0) as usize..(to * 8000.0) as usize];
        part.iter().map(|s| s.abs()).fold(0f32, f32::max)
    };
    // The test microphone ticks once a second: a window of at least a
    // second before privacy and after it (to the end), a margin at each switch.
    let margin = 0.2;
    assert!(
        loudness(0.0, privacy_on.max(1.05)) > 0.05,
        "the tick before privacy"
    );
    assert!(
        loudness(privacy_on + margin, privacy_off - margin) < 0.01,
        "silence during privacy: {}",
        loudness(privacy_on + margin, privacy_off - margin)
    );
    let end = (sound.len() as f64 / 8000.0).min(seconds);
    assert!(
        loudness(privacy_off + margin, end) > 0.05,
        "the ticks after privacy"
    );
    let mut players = silent_players(vec![(view, source, info)]);
    let mut at = |second: f64| {
        let shown = players.show_wait((second * 30.0) as u64, TIMEOUT).unwrap();
        mean_below_strip(shown[0].as_ref().unwrap())
    };
    let middle = |a: f64, b: f64| (a + b) / 2.0;
    assert!(
        at(middle(0.0, privacy_on)) > 60.0,
        "the test pattern before privacy"
    );
    let dark = at(middle(privacy_on, privacy_off));
    assert!(dark < 25.0, "black during privacy: {dark}");
    assert!(
        at(middle(privacy_off, paused)) > 60.0,
        "the pattern again after privacy"
    );
}

#[test]
fn a_usb_camera_records_when_one_is_present() {
    let Some(device) = (0..8)
        .map(|n| format!("/dev/video{n}"))
        .find(|p| Path::new(p).exists())
    else {
        eprintln!("no V4L2 device on this machine: the USB camera test is skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (env, case) = env_with_case(dir.path());
    let camera = format!("v4l2:{device}");
    let out = env.json(&[
        "record",
        "--case",
        &case,
        "--camera",
        &camera,
        "--size",
        "640x480",
        "--duration",
        "2",
        "--confirm-not-listed",
        "--json",
    ]);
    assert!(out["frames"].as_u64().unwrap() > 10, "{out}");
}
