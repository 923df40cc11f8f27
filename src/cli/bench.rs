//! `debrief bench …`: figures for the README, never pass/fail.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};

use crate::media::testsrc::splitmix64;
use crate::media::{self, MediaSource, Player, PlayerConfig};

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Random seeks and single-frame steps in one warm player.
    Seek(SeekArgs),
    /// `debrief frame` as a whole process against `ffmpeg -ss T -i FILE -frames:v 1 F.png`.
    Frame(FrameArgs),
}

/// `debrief bench frame`.
#[derive(Debug, Args)]
pub struct FrameArgs {
    /// The media file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Frames to extract, comma-separated (default: the last frame of the first GOP, the middle, near the end).
    #[arg(long, value_delimiter = ',')]
    indices: Vec<u64>,
    /// Timed runs of each command per frame (after one warm-up run).
    #[arg(long, default_value_t = 10)]
    runs: u32,
    /// Print one JSON object: runs, results [{index, debrief_ms, ffmpeg_ms, ratio}] (medians).
    #[arg(long)]
    json: bool,
}

/// `debrief bench seek`.
#[derive(Debug, Args)]
pub struct SeekArgs {
    /// The media file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Number of random positions; each is a seek, one step forward and three steps back.
    #[arg(long, default_value_t = 200)]
    samples: u32,
    /// Seed for the random positions (the same seed gives the same positions).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object: samples, exact, seek_ms_p50/p95, step_forward_ms_p50/p95, step_back_ms_p50/p95.
    #[arg(long)]
    json: bool,
}

pub fn run(command: &BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Seek(args) => seek(args),
        BenchCommand::Frame(args) => frame(args),
    }
}

/// Steps back timed after each seek and forward step.
const BACK_STEPS: usize = 3;

fn seek(args: &SeekArgs) -> anyhow::Result<()> {
    media::preload_decoders();
    let source = MediaSource::file(&args.file);
    let info = Arc::new(media::probe(&source)?);
    let frames = info.frames();
    let player = Player::open(
        source,
        Arc::clone(&info),
        PlayerConfig {
            audio: false,
            ..Default::default()
        },
    )?;
    let timeout = Duration::from_secs(30);
    player.seek_wait(0, timeout)?;

    let (mut seek_ms, mut fwd_ms, mut back_ms) = (Vec::new(), Vec::new(), Vec::new());
    let (mut exact, mut checked) = (0u64, 0u64);
    let mut check = |frame: &media::Frame, want: u64| {
        checked += 1;
        if info.table.pts(want) == Some(frame.pts_ns) && frame.index == want {
            exact += 1;
        }
    };
    let bar = super::progress_bar(u64::from(args.samples), "seeking");
    let mut state = args.seed;
    for _ in 0..args.samples {
        state = splitmix64(state);
        // Leave room for the forward step and the back steps.
        let target =
            BACK_STEPS as u64 + state % frames.saturating_sub(BACK_STEPS as u64 + 1).max(1);
        let t = Instant::now();
        let f = player.seek_wait(target, timeout)?;
        seek_ms.push(ms(t));
        check(&f, target);
        let t = Instant::now();
        let f = player.step_wait(1, timeout)?;
        fwd_ms.push(ms(t));
        check(&f, target + 1);
        for k in 0..BACK_STEPS as u64 {
            let t = Instant::now();
            let f = player.step_wait(-1, timeout)?;
            back_ms.push(ms(t));
            check(&f, target - k);
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let out = serde_json::json!({
        "samples": args.samples,
        "exact": exact,
        "checked": checked,
        "seek_ms_p50": pct(&mut seek_ms, 50),
        "seek_ms_p95": pct(&mut seek_ms, 95),
        "step_forward_ms_p50": pct(&mut fwd_ms, 50),
        "step_forward_ms_p95": pct(&mut fwd_ms, 95),
        "step_back_ms_p50": pct(&mut back_ms, 50),
        "step_back_ms_p95": pct(&mut back_ms, 95),
        "frames": frames,
    });
    if args.json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}

fn frame(args: &FrameArgs) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let info = media::probe(&MediaSource::file(&args.file))?;
    let frames = info.frames();
    let indices = if args.indices.is_empty() {
        let first_gop_end = info
            .table
            .keyframes()
            .get(1)
            .map_or(frames / 2, |&k| k.saturating_sub(1));
        vec![first_gop_end, frames / 2, frames.saturating_sub(11)]
    } else {
        args.indices.clone()
    };
    if let Some(&bad) = indices.iter().find(|&&i| i >= frames) {
        return Err(media::MediaError::FrameOutOfRange { index: bad, frames }.into());
    }
    let me = std::env::current_exe().context("cannot find the debrief executable")?;
    let dir = std::env::temp_dir().join(format!("debrief-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let ours_png = dir.join("debrief.png");
    let ffmpeg_png = dir.join("ffmpeg.png");
    let mut results = Vec::new();
    for &index in &indices {
        let pts = info.table.pts(index).unwrap_or(0);
        // ffmpeg's -ss takes seconds; the frame's own PTS lands it on the same frame.
        let seconds = format!("{}.{:09}", pts / 1_000_000_000, pts % 1_000_000_000);
        let ours = || {
            std::process::Command::new(&me)
                .arg("frame")
                .arg(&args.file)
                .args(["--index", &index.to_string(), "--out"])
                .arg(&ours_png)
                .status()
        };
        let theirs = || {
            std::process::Command::new("ffmpeg")
                .args(["-loglevel", "error", "-y", "-ss", &seconds, "-i"])
                .arg(&args.file)
                .args(["-frames:v", "1"])
                .arg(&ffmpeg_png)
                .status()
        };
        let ours_ms = time_runs(args.runs, &ours).context("running debrief frame")?;
        let ffmpeg_ms = time_runs(args.runs, &theirs)
            .context("running ffmpeg (install it with packaging/install-deps.sh --with-ffmpeg)")?;
        results.push(serde_json::json!({
            "index": index,
            "debrief_ms": ours_ms,
            "ffmpeg_ms": ffmpeg_ms,
            "ratio": (ours_ms / ffmpeg_ms * 100.0).round() / 100.0,
        }));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let out = serde_json::json!({ "runs": args.runs, "results": results });
    if args.json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}

/// Median wall time of `runs` runs after one warm-up, in ms; fails if any run fails.
fn time_runs(
    runs: u32,
    run: &dyn Fn() -> std::io::Result<std::process::ExitStatus>,
) -> anyhow::Result<f64> {
    let check = |status: std::process::ExitStatus| {
        if status.success() {
            Ok(())
        } else {
            Err(anyhow::anyhow!("exited with {status}"))
        }
    };
    check(run()?)?;
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        check(run()?)?;
        times.push(ms(t));
    }
    Ok(pct(&mut times, 50))
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// The `p`th percentile (nearest rank), rounded to 0.01 ms.
fn pct(values: &mut [f64], p: usize) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = (p * values.len()).div_ceil(100).clamp(1, values.len());
    (values.get(rank - 1).copied().unwrap_or(0.0) * 100.0).round() / 100.0
}
