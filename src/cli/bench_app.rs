//! Benchmarks of the application: UI frame cost, idle CPU, playback timing.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;

use super::figures::{ms, pct, print};
use crate::media::{self, MediaSource, PlayerCommand, PlayerConfig};

/// `debrief bench ui`.
#[derive(Debug, Args)]
pub struct UiArgs {
    /// Annotations on the recording.
    #[arg(long, default_value_t = 10_000)]
    annotations: u64,
    /// Frames to time (after 10 warm-up frames).
    #[arg(long, default_value_t = 120)]
    frames: u32,
    /// Print one JSON object: annotations, frame_ms_mean, frame_ms_p95, frame_ms_max.
    #[arg(long)]
    json: bool,
}

/// CPU time of one review-screen frame (layout, timeline, list, tessellation)
/// at 1920×1080 with many annotations, in a headless egui context.
pub fn ui(args: &UiArgs) -> anyhow::Result<()> {
    use crate::vault::NewAnnotation;
    let dir = std::env::temp_dir().join(format!("debrief-bench-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = (|| -> anyhow::Result<serde_json::Value> {
        let spec = media::testsrc::TestSrcSpec {
            frames: 1800,
            width: 640,
            height: 360,
            ..Default::default()
        };
        let (mut vault, rec) = vault_with_recording(&dir, "UI benchmark", &spec)?;
        let codes = [
            "birth",
            "initial-steps",
            "hr-assessment",
            "ppv",
            "spo2-monitor",
            "intubation",
            "compressions",
            "vascular-access",
            "epinephrine",
        ];
        let durations = ["initial-steps", "ppv", "compressions"];
        let items = (0..args.annotations)
            .map(|i| {
                let code = codes[(i % codes.len() as u64) as usize];
                let start = (i * 7919) % 1790;
                NewAnnotation {
                    recording_id: rec.clone(),
                    code: code.into(),
                    start_frame: start,
                    end_frame: durations.contains(&code).then_some(start + 5),
                    note: Some(format!("note {i}")),
                    ..Default::default()
                }
            })
            .collect();
        vault.add_annotations(&rec, items)?;
        let mut review = crate::app::review::ReviewState::open(&mut vault, &rec, Arc::new(|| {}))
            .map_err(anyhow::Error::msg)?;
        // The first frame waits for the first decoded picture, so it is part of the frames timed.
        let mut times = headless_frames(10, args.frames, Duration::from_millis(300), |ui| {
            review.logic(ui.ctx());
            review.ui(ui, &mut vault);
        });
        let listed = review.annotations.len();
        let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
        Ok(serde_json::json!({
            "annotations": listed,
            "frame_ms_mean": (mean * 100.0).round() / 100.0,
            "frame_ms_p95": pct(&mut times, 95),
            "frame_ms_max": pct(&mut times, 100),
        }))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    print(&result?, args.json)
}

/// A new vault in `dir/vault` (user `bench`) with a case titled `title`, a
/// participant who consented to everything, and the generated recording
/// `spec` imported: the start of the benchmarks that open the review screen.
pub(super) fn vault_with_recording(
    dir: &std::path::Path,
    title: &str,
    spec: &media::testsrc::TestSrcSpec,
) -> anyhow::Result<(crate::vault::Vault, String)> {
    use crate::vault::{NewCase, Vault};
    let media_path = dir.join("clip.mp4");
    media::testsrc::write(&media_path, spec, &mut |_| {})?;
    let pass = age::secrecy::SecretString::from("benchmark passphrase".to_owned());
    let mut vault = Vault::init(&dir.join("vault"), "bench", &pass, None)?;
    let case = vault.create_case(NewCase {
        title: title.into(),
        ..Default::default()
    })?;
    let participant = vault.add_participant(&case, "P", None, None)?;
    vault.grant_all_stages(&participant, None)?;
    let rec = vault
        .import(&case, &media_path, Default::default(), &mut |_, _| true)?
        .recording_id;
    Ok((vault, rec))
}

/// Runs `warmup + frames` frames of `draw` in a headless 1920 × 1080 egui
/// context, layout and tessellation, and returns the times of the last
/// `frames` in ms; `settle` is slept after the first frame.
pub(super) fn headless_frames(
    warmup: u32,
    frames: u32,
    settle: Duration,
    mut draw: impl FnMut(&mut egui::Ui),
) -> Vec<f64> {
    let ctx = egui::Context::default();
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1920.0, 1080.0),
        )),
        ..Default::default()
    };
    let mut times = Vec::new();
    for i in 0..(warmup + frames) {
        let t = Instant::now();
        let mut out = ctx.run_ui(input(), &mut draw);
        // No renderer here: the font atlas updates are dropped on purpose.
        out.textures_delta.clear();
        let _ = ctx.tessellate(out.shapes, out.pixels_per_point);
        if i >= warmup {
            times.push(ms(t));
        }
        if i == 0 && !settle.is_zero() {
            std::thread::sleep(settle);
        }
    }
    times
}

/// `debrief bench idle`.
#[derive(Debug, Args)]
pub struct IdleArgs {
    /// The demo vault to open (created if missing).
    #[arg(long, value_name = "DIR")]
    vault: PathBuf,
    /// Seconds to measure, after the window settles.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Print one JSON object: seconds, cpu_percent, rss_mib.
    #[arg(long)]
    json: bool,
}

/// CPU use of the paused app showing the review screen (run under a display, e.g. xvfb-run).
pub fn idle(args: &IdleArgs) -> anyhow::Result<()> {
    crate::demo::ensure(&args.vault, &mut |_, _, _| {})?;
    let me = std::env::current_exe()?;
    let mut child = std::process::Command::new(me)
        .args(["demo", "--vault"])
        .arg(&args.vault)
        .env("DEBRIEF_AUDIO_SINK", "fakeaudiosink")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("starting the app")?;
    let pid = child.id();
    let measured = (|| -> anyhow::Result<serde_json::Value> {
        std::thread::sleep(Duration::from_secs(8));
        let tick = clock_ticks_per_second();
        let (cpu0, t0) = (process_cpu_ticks(pid)?, Instant::now());
        std::thread::sleep(Duration::from_secs(args.seconds));
        let (cpu1, elapsed) = (process_cpu_ticks(pid)?, t0.elapsed().as_secs_f64());
        let percent = (cpu1 - cpu0) as f64 / tick / elapsed * 100.0;
        Ok(serde_json::json!({
            "seconds": args.seconds,
            "cpu_percent": (percent * 100.0).round() / 100.0,
            "rss_mib": process_rss_kib(pid).map(|k| (k as f64 / 1024.0).round()),
        }))
    })();
    let _ = child.kill();
    let _ = child.wait();
    print(&measured?, args.json)
}

/// `debrief bench play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// The media file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Seconds to play at 1×.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Print one JSON object: shown, skipped, late, max_late_ms, peak_rss_mib.
    #[arg(long)]
    json: bool,
}

/// Plays a file at 1× and reports frames shown late and the process's peak memory.
pub fn play(args: &PlayArgs) -> anyhow::Result<()> {
    use std::sync::atomic::Ordering;
    media::preload_decoders();
    let config = PlayerConfig {
        audio_sink: Some("fakeaudiosink".into()),
        ..Default::default()
    };
    let player = media::Player::probe_and_open(MediaSource::file(&args.file), config)?;
    player.seek_wait(0, Duration::from_secs(30))?;
    let period_ms = 1000.0 / player.info().rate.as_f64().max(1.0);
    player.send(PlayerCommand::Play)?;
    let end = Instant::now() + Duration::from_secs(args.seconds);
    while Instant::now() < end {
        // A consumer takes frames as a UI would.
        let _ = player.mailbox().take();
        let _ = player.next_event(Duration::from_millis(5));
    }
    player.send(PlayerCommand::Pause)?;
    let stats = player.stats();
    let out = serde_json::json!({
        "seconds": args.seconds,
        "shown": stats.shown.load(Ordering::Relaxed),
        "skipped": stats.skipped_shows.load(Ordering::Relaxed),
        "late": stats.late.load(Ordering::Relaxed),
        "max_late_ms": (stats.max_late_ns.load(Ordering::Relaxed) as f64 / 1e4).round() / 100.0,
        "frame_period_ms": (period_ms * 100.0).round() / 100.0,
        "peak_rss_mib": peak_rss_kib().map(|k| (k as f64 / 1024.0).round()),
    });
    print(&out, args.json)
}

fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a process, in clock ticks (Linux /proc).
fn process_cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .context("reading /proc (Linux only)")?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok(get(11) + get(12))
}

fn status_kib(path: &str, key: &str) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn process_rss_kib(pid: u32) -> Option<u64> {
    status_kib(&format!("/proc/{pid}/status"), "VmRSS:")
}

pub(crate) fn peak_rss_kib() -> Option<u64> {
    status_kib("/proc/self/status", "VmHWM:")
}
