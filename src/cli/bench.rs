//! `debrief bench …`: figures for the README, never pass/fail.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};

use super::figures::{ms, pct};

use crate::media::testsrc::splitmix64;
use crate::media::{self, MediaSource, Player, PlayerConfig};

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Random seeks and single-frame steps in one warm player.
    Seek(SeekArgs),
    /// `debrief frame` as a whole process against `ffmpeg -ss T -i FILE -frames:v 1 F.png`.
    Frame(FrameArgs),
    /// Vault figures: import throughput, unlock and listing with many annotations.
    Vault(VaultBenchArgs),
    /// CPU time of one review-screen frame with many annotations (headless).
    Ui(super::bench_app::UiArgs),
    /// CPU use of the paused app (run under a display, e.g. xvfb-run).
    Idle(super::bench_app::IdleArgs),
    /// Plays a file at 1×: frames shown late, peak memory.
    Play(super::bench_app::PlayArgs),
    /// De-identified export speed (× real time), with and without face detection, against ffmpeg.
    Export(super::bench_export::ExportBenchArgs),
    /// Several camera views moving together: seeks and steps of all, playback with the others following.
    Views(super::bench_views::ViewsArgs),
    /// Recording test cameras and a microphone into a vault: CPU, dropped frames, Stop to sealed.
    Record(super::bench_record::RecordBenchArgs),
    /// A day of device data on one recording: import time, vault size, lane frame time.
    Data(super::bench_data::DataBenchArgs),
}

/// `debrief bench vault`.
#[derive(Debug, Args)]
pub struct VaultBenchArgs {
    /// Size of the generated recording to import, in MiB.
    #[arg(long, default_value_t = 1024)]
    size_mib: u64,
    /// Annotations to add before timing unlock and listing.
    #[arg(long, default_value_t = 100_000)]
    annotations: u64,
    /// Work in this folder (default: a new folder in the temp directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Print one JSON object: import_mib, import_s, import_mib_s, annotations, unlock_ms, wrong_passphrase_ms, list_ms.
    #[arg(long)]
    json: bool,
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
    /// Time the same seeks and steps in a peer player in the same run
    /// (mpv, the player BORIS builds on, through its JSON IPC with exact seeks).
    #[arg(long, value_enum)]
    peer: Option<Peer>,
    /// Print one JSON object: samples, exact, seek_ms_p50/p95, step_forward_ms_p50/p95,
    /// step_back_ms_p50/p95 (and `peer` with the same figures for the peer).
    #[arg(long)]
    json: bool,
}

/// A player `bench seek` compares with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Peer {
    /// mpv with `--vo=null --ao=null --hr-seek=yes`, driven over `--input-ipc-server`.
    Mpv,
}

pub fn run(command: &BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Seek(args) => seek(args),
        BenchCommand::Frame(args) => frame(args),
        BenchCommand::Vault(args) => vault(args),
        BenchCommand::Ui(args) => super::bench_app::ui(args),
        BenchCommand::Idle(args) => super::bench_app::idle(args),
        BenchCommand::Play(args) => super::bench_app::play(args),
        BenchCommand::Export(args) => super::bench_export::export(args),
        BenchCommand::Views(args) => super::bench_views::views(args),
        BenchCommand::Record(args) => super::bench_record::record(args),
        BenchCommand::Data(args) => super::bench_data::data(args),
    }
}

/// Steps back timed after each seek and forward step.
pub(crate) const BACK_STEPS: usize = 3;

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

    let landed = |frame: &media::Frame, want: u64| {
        let exact = info.table.pts(want) == Some(frame.pts_ns) && frame.index == want;
        Ok((u64::from(exact), 1))
    };
    let figures = seek_and_step(
        &targets(args.seed, args.samples, frames),
        "seeking",
        &mut |step| match step {
            Move::Seek(t) => landed(&*player.seek_wait(t, timeout)?, t),
            Move::Forward(t) => landed(&*player.step_wait(1, timeout)?, t),
            Move::Back(t) => landed(&*player.step_wait(-1, timeout)?, t),
        },
    )?;
    drop(player);
    let peer = match args.peer {
        Some(Peer::Mpv) => Some(seek_mpv(args, &info)?),
        None => None,
    };
    let mut out = figures;
    out["samples"] = args.samples.into();
    out["frames"] = frames.into();
    if let Some(peer) = peer {
        out["peer"] = peer;
    }
    super::figures::print(&out, args.json)
}

/// The positions `bench seek` visits: a seek target per sample, with room
/// for the forward step and the back steps.
pub(crate) fn targets(seed: u64, samples: u32, frames: u64) -> Vec<u64> {
    let mut state = seed;
    (0..samples)
        .map(|_| {
            state = splitmix64(state);
            BACK_STEPS as u64 + state % frames.saturating_sub(BACK_STEPS as u64 + 1).max(1)
        })
        .collect()
}

/// The same seeks and steps in mpv: its figures, and how many landed on the
/// frame asked for (by its reported time against the frame table).
fn seek_mpv(args: &SeekArgs, info: &media::MediaInfo) -> anyhow::Result<serde_json::Value> {
    let table = &info.table;
    let half_frame = 0.5 / info.rate.as_f64().max(1.0);
    let mut mpv = super::bench_mpv::Mpv::open(&args.file)?;
    // mpv's clock against the table's: it opened on frame 0.
    let origin = mpv.seek(0.0)? - table.pts(0).unwrap_or(0) as f64 / 1e9;
    let at = |frame: u64| table.pts(frame).unwrap_or(0) as f64 / 1e9 + origin;
    let landed =
        |seconds: f64, want: u64| Ok((u64::from((seconds - at(want)).abs() < half_frame), 1));
    let mut figures = seek_and_step(
        &targets(args.seed, args.samples, info.frames()),
        "seeking in mpv",
        &mut |step| match step {
            Move::Seek(t) => landed(mpv.seek(at(t))?, t),
            Move::Forward(t) => landed(mpv.step(1)?, t),
            Move::Back(t) => landed(mpv.step(-1)?, t),
        },
    )?;
    figures["name"] = "mpv".into();
    Ok(figures)
}

/// One timed move of a seek-and-step round, with the frame it should land on.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Move {
    /// A seek.
    Seek(u64),
    /// One frame forward.
    Forward(u64),
    /// One frame back.
    Back(u64),
}

/// At each of `targets`: a seek, one step forward and [`BACK_STEPS`] back,
/// each timed around `go`, which makes the move and returns how many of the
/// pictures it checked landed exactly, and how many it checked. Returns
/// an object of `exact`, `checked` and the p50/p95 of each kind of move, in ms.
pub(crate) fn seek_and_step(
    targets: &[u64],
    what: &str,
    go: &mut dyn FnMut(Move) -> anyhow::Result<(u64, u64)>,
) -> anyhow::Result<serde_json::Value> {
    let (mut seek_ms, mut fwd_ms, mut back_ms) = (Vec::new(), Vec::new(), Vec::new());
    let (mut exact, mut checked) = (0u64, 0u64);
    let bar = super::progress_bar(targets.len() as u64, what);
    for &target in targets {
        let back = (0..BACK_STEPS as u64).map(|k| (Move::Back(target - k), 2));
        for (step, kind) in [(Move::Seek(target), 0), (Move::Forward(target + 1), 1)]
            .into_iter()
            .chain(back)
        {
            let t = Instant::now();
            let (e, c) = go(step)?;
            [&mut seek_ms, &mut fwd_ms, &mut back_ms][kind].push(ms(t));
            exact += e;
            checked += c;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(serde_json::json!({
        "exact": exact,
        "checked": checked,
        "seek_ms_p50": pct(&mut seek_ms, 50),
        "seek_ms_p95": pct(&mut seek_ms, 95),
        "step_forward_ms_p50": pct(&mut fwd_ms, 50),
        "step_forward_ms_p95": pct(&mut fwd_ms, 95),
        "step_back_ms_p50": pct(&mut back_ms, 50),
        "step_back_ms_p95": pct(&mut back_ms, 95),
    }))
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
    super::figures::print(&out, args.json)
}

fn vault(args: &VaultBenchArgs) -> anyhow::Result<()> {
    use crate::vault::{NewAnnotation, NewCase, Vault};
    use anyhow::Context as _;
    let (root, temporary) = match &args.dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("debrief-bench-vault-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    let result = (|| -> anyhow::Result<serde_json::Value> {
        let media = root.join("big.avi");
        if !media.exists() {
            eprintln!(
                "generating a {} MiB recording (incompressible MJPEG)…",
                args.size_mib
            );
            write_big_mjpeg(&media, args.size_mib)?;
        }
        let size = std::fs::metadata(&media)?.len();
        let vdir = root.join("vault");
        let _ = std::fs::remove_dir_all(&vdir);
        let pass = age::secrecy::SecretString::from("benchmark passphrase".to_owned());
        let mut vault = Vault::init(&vdir, "bench", &pass, None)?;
        let case = vault.create_case(NewCase {
            title: "Benchmark".into(),
            ..Default::default()
        })?;
        let bar = super::progress_bar(size, "importing");
        let t = Instant::now();
        let imported = vault.import(&case, &media, Default::default(), &mut |done, _| {
            bar.set_position(done);
            true
        })?;
        let import_s = t.elapsed().as_secs_f64();
        bar.finish_and_clear();
        let participant = vault.add_participant(&case, "Bench", None, None)?;
        vault.grant_all_stages(&participant, None)?;
        let frames = imported.frames.max(1);
        let mut added = 0u64;
        while added < args.annotations {
            let batch = (args.annotations - added).min(10_000);
            let items = (0..batch)
                .map(|i| {
                    let n = added + i;
                    let (code, end) = if n.is_multiple_of(2) {
                        ("birth", None)
                    } else {
                        ("ppv", Some(((n % frames) + 1).min(frames - 1)))
                    };
                    NewAnnotation {
                        recording_id: imported.recording_id.clone(),
                        code: code.into(),
                        start_frame: n % frames,
                        end_frame: end.filter(|&e| e >= n % frames),
                        note: Some(format!("note {n}")),
                        ..Default::default()
                    }
                })
                .collect();
            vault.add_annotations(&imported.recording_id, items)?;
            added += batch;
        }
        drop(vault);
        let wrong = age::secrecy::SecretString::from("not the passphrase".to_owned());
        let t = Instant::now();
        anyhow::ensure!(
            Vault::unlock(&vdir, "bench", &wrong).is_err(),
            "a wrong passphrase unlocked the vault"
        );
        let wrong_passphrase_ms = ms(t);
        let t = Instant::now();
        let vault = Vault::unlock(&vdir, "bench", &pass)?;
        let unlock_ms = ms(t);
        let t = Instant::now();
        let listed = vault.annotations(&imported.recording_id)?.len();
        let list_ms = ms(t);
        Ok(serde_json::json!({
            "import_mib": (size as f64 / 1048576.0).round(),
            "import_s": (import_s * 100.0).round() / 100.0,
            "import_mib_s": (size as f64 / 1048576.0 / import_s).round(),
            "annotations": listed,
            "unlock_ms": (unlock_ms * 10.0).round() / 10.0,
            "wrong_passphrase_ms": (wrong_passphrase_ms * 10.0).round() / 10.0,
            "list_ms": (list_ms * 10.0).round() / 10.0,
        }))
    })();
    if temporary {
        let _ = std::fs::remove_dir_all(&root);
    }
    let out = result?;
    super::figures::print(&out, args.json)
}

/// Writes an MJPEG AVI of random noise (incompressible, so the size is what it says).
fn write_big_mjpeg(path: &std::path::Path, size_mib: u64) -> anyhow::Result<()> {
    use gstreamer as gst;
    use gstreamer::prelude::*;
    media::init()?;
    // About 1.58 MB per 1920x1080 noise frame at quality 90 (measured).
    let frames = (size_mib * 1048576 / 1_580_000).max(10);
    let desc = format!(
        "videotestsrc pattern=snow num-buffers={frames} ! video/x-raw,width=1920,height=1080,framerate=30/1 ! jpegenc quality=90 ! avimux ! filesink location=\"{}\"",
        path.display()
    );
    let pipeline = gst::parse::launch(&desc)?;
    pipeline.set_state(gst::State::Playing)?;
    let bus = pipeline.bus().ok_or_else(|| anyhow::anyhow!("no bus"))?;
    let msg = bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(3600),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    pipeline.set_state(gst::State::Null)?;
    match msg.map(|m| m.type_()) {
        Some(gst::MessageType::Eos) => Ok(()),
        _ => Err(anyhow::anyhow!("generating the benchmark recording failed")),
    }
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
