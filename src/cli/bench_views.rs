//! `debrief bench views`: several camera views moving together, as the
//! review screen moves them (`views::players::Players`): random seeks and
//! single-frame steps of every view at once, then playback at 1× with the
//! other views following the reference frame by frame.
//!
//! The views are generated (H.264 with B-frames and a 60-frame GOP); view k
//! starts k × 0.5 s after the reference with a clock k × 20 ppm fast, so no
//! two views show the same frame number at once.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use super::bench::Move;
use crate::media::testsrc::{self, TestSrcSpec};
use crate::media::{self, MediaSource, Player, PlayerCommand, PlayerConfig, PlayerEvent};
use crate::time::FrameRate;
use crate::views::players::{Players, ViewPlayer, cache_bytes};
use crate::views::{Mapping, Shown, SyncSource, View, view_frame};

/// `debrief bench views`.
#[derive(Debug, Args)]
pub struct ViewsArgs {
    /// Camera views (2–4).
    #[arg(long, default_value_t = 4)]
    views: usize,
    /// Seconds of each generated view.
    #[arg(long, default_value_t = 30)]
    seconds: u32,
    /// Picture size of the views that are seeked and stepped.
    #[arg(long, default_value = "1920x1080")]
    size: String,
    /// Picture size of the views that are played.
    #[arg(long, default_value = "1280x720")]
    play_size: String,
    /// Random positions; each is a seek of every view, one step forward and three back.
    #[arg(long, default_value_t = 100)]
    samples: u32,
    /// Seconds of playback at 1×.
    #[arg(long, default_value_t = 20)]
    play_seconds: u32,
    /// Decoded frames each view's player keeps for stepping back, in MiB
    /// (default: the review screen's share, `views::players::cache_bytes`).
    #[arg(long, value_name = "MIB")]
    cache_mib: Option<usize>,
    /// Keep the generated views in this folder (default: a new folder in the temp directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Print one JSON object: views, samples, exact, checked, seek_ms_p50/p95 (all views landed),
    /// step_forward_ms_p50/p95, step_back_ms_p50/p95, play {reference_frames, samples, late, max_off_frames}, peak_rss_mib.
    #[arg(long)]
    json: bool,
}

fn size(text: &str) -> anyhow::Result<(u32, u32)> {
    let (w, h) = text
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        .ok_or_else(|| {
            anyhow::anyhow!("'{text}' is not a size: give WIDTHxHEIGHT, e.g. 1920x1080")
        })?;
    Ok((w, h))
}

/// Generates (or reuses) `views` camera files of `width`×`height` in `dir`.
fn cameras(
    dir: &Path,
    views: usize,
    (width, height): (u32, u32),
    seconds: u32,
) -> anyhow::Result<Vec<PathBuf>> {
    let rate = FrameRate { num: 30, den: 1 };
    (0..views)
        .map(|k| {
            let path = dir.join(format!("view{k}-{width}x{height}-{seconds}s.mp4"));
            if !path.exists() {
                let spec = TestSrcSpec {
                    frames: u64::from(seconds) * 30,
                    rate,
                    width,
                    height,
                    gop: 60,
                    bframes: true,
                    ..Default::default()
                };
                testsrc::write(&path, &spec, &mut |_| {})?;
            }
            Ok(path)
        })
        .collect()
}

/// View k's mapping: started k × 0.5 s later, its clock k × 20 ppm fast.
fn mapping(k: usize) -> Mapping {
    Mapping::starting_at(k as i64 * 500_000_000, k as f64 * 20.0)
}

/// Opens `files` as the views of one recording, the first the reference.
fn open(
    files: &[PathBuf],
    max_size: Option<(u32, u32)>,
    cache_mib: Option<usize>,
) -> anyhow::Result<Players> {
    let mut players = Vec::with_capacity(files.len());
    for (k, file) in files.iter().enumerate() {
        let source = MediaSource::file(file);
        let info = Arc::new(media::probe(&source)?);
        let view = View {
            view_id: format!("view-{k}"),
            camera: Some(format!("camera {}", k + 1)),
            reference: k == 0,
            mapping: if k == 0 {
                Mapping::default()
            } else {
                mapping(k)
            },
            source: if k == 0 {
                SyncSource::Reference
            } else {
                SyncSource::Manual
            },
            score: None,
            frames: info.frames(),
            duration_ns: info.duration_ns,
        };
        let player = Player::open(
            source,
            info,
            PlayerConfig {
                audio: false,
                max_size,
                cache_bytes: cache_mib.map_or(cache_bytes(files.len()), |m| m << 20),
                ..Default::default()
            },
        )?;
        players.push(ViewPlayer { view, player });
    }
    Ok(Players::new(players)?)
}

/// Runs the benchmark.
pub fn views(args: &ViewsArgs) -> anyhow::Result<()> {
    if !(2..=4).contains(&args.views) {
        return Err(super::BadInput("--views must be 2, 3 or 4".into()).into());
    }
    media::preload_decoders();
    let own = std::env::temp_dir().join(format!("debrief-bench-views-{}", std::process::id()));
    let dir = args.dir.clone().unwrap_or_else(|| own.clone());
    std::fs::create_dir_all(&dir)?;
    let result = run(args, &dir);
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&own);
    }
    let out = result?;
    super::figures::print(&out, args.json)
}

fn run(args: &ViewsArgs, dir: &Path) -> anyhow::Result<serde_json::Value> {
    let timeout = Duration::from_secs(30);
    // The review screen's players scale to at most 2560×1440, as here.
    let screen = Some((2560, 1440));

    // Seeks and steps: every view asked at once, timed until all have landed.
    let files = cameras(dir, args.views, size(&args.size)?, args.seconds)?;
    let mut players = open(&files, screen, args.cache_mib)?;
    let frames = players.reference().frames();
    players.show_wait(0, timeout)?;
    let mut figures = super::bench::seek_and_step(
        &super::bench::targets(7, args.samples, frames),
        "seeking every view",
        &mut |step| {
            let (Move::Seek(at) | Move::Forward(at) | Move::Back(at)) = step;
            let shown = players.show_wait(at, timeout)?;
            let (mut exact, mut checked) = (0, 0);
            for (frame, want) in shown.iter().zip(players.targets(at)) {
                if let (Some(frame), Shown::Frame(n)) = (frame, want) {
                    checked += 1;
                    exact += u64::from(frame.index == n);
                }
            }
            Ok((exact, checked))
        },
    )?;
    drop(players);

    // Playback: the reference plays at 1×; each other view is sent a seek to
    // its mapped frame whenever the reference shows a new one (as the review
    // screen does). Sampled at every reference frame after the first second.
    let files = cameras(dir, args.views, size(&args.play_size)?, args.seconds)?;
    let players = open(&files, screen, args.cache_mib)?;
    let views = players.views();
    let reference = &views[0];
    for v in views {
        v.player.seek_wait(0, timeout)?;
    }
    let mut shown: Vec<Option<u64>> = vec![None; views.len()];
    let mut sent: Vec<Option<u64>> = vec![None; views.len()];
    reference.player.send(PlayerCommand::Play)?;
    let started = Instant::now();
    let until = started + Duration::from_secs(u64::from(args.play_seconds));
    let (mut reference_frames, mut samples, mut late, mut max_off) = (0u64, 0u64, 0u64, 0u64);
    let ref_table = &reference.player.info().table;
    while Instant::now() < until {
        let mut moved = None;
        while let Some(event) = reference.player.next_event(Duration::from_millis(2)) {
            match event {
                PlayerEvent::Position { frame, .. } => moved = Some(frame),
                PlayerEvent::Eos => break,
                PlayerEvent::Error(e) => return Err(anyhow::anyhow!("{e:#}")),
                _ => {}
            }
        }
        for (k, v) in views.iter().enumerate().skip(1) {
            while let Some(event) = v.player.try_event() {
                if let PlayerEvent::Position { frame, .. } = event {
                    shown[k] = Some(frame);
                }
            }
        }
        let Some(r) = moved else { continue };
        reference_frames += 1;
        for (k, v) in views.iter().enumerate().skip(1) {
            let Shown::Frame(n) = view_frame(ref_table, &v.player.info().table, v.view.mapping, r)
            else {
                continue;
            };
            if sent[k] != Some(n) {
                v.player.send(PlayerCommand::Seek(n))?;
                sent[k] = Some(n);
            }
            if started.elapsed() >= Duration::from_secs(1)
                && let Some(s) = shown[k]
            {
                samples += 1;
                let off = s.abs_diff(n);
                max_off = max_off.max(off);
                late += u64::from(off > 1);
            }
        }
    }
    let _ = reference.player.send(PlayerCommand::Pause);
    drop(players);
    figures["views"] = args.views.into();
    figures["size"] = args.size.clone().into();
    figures["samples"] = args.samples.into();
    figures["play"] = serde_json::json!({
            "size": args.play_size,
            "seconds": args.play_seconds,
            "reference_frames": reference_frames,
            "samples": samples,
            "late": late,
            "max_off_frames": max_off,
    });
    figures["peak_rss_mib"] =
        serde_json::json!(super::bench_app::peak_rss_kib().map(|k| (k as f64 / 1024.0).round()));
    Ok(figures)
}
