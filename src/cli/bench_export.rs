//! `debrief bench export`: de-identified export speed as a multiple of real time.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;

use crate::deid::detector::{self, Engine};
use crate::export::{self, ClipSettings};
use crate::media::testsrc::{self, TestSrcSpec};
use crate::media::{self, MediaSource};

/// `debrief bench export`.
#[derive(Debug, Args)]
pub struct ExportBenchArgs {
    /// Seconds of 1280×720 30 fps video (with two moving faces) to export.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// x264 preset, for us and for ffmpeg.
    #[arg(long, default_value = "veryfast")]
    preset: String,
    /// Detector widths to time face detection at (640 is the default setting; smaller is
    /// faster but misses small faces). `--detector-widths` with no value skips the runs
    /// with detection.
    #[arg(long, value_delimiter = ',', num_args = 0.., default_value = "640,320")]
    detector_widths: Vec<u32>,
    /// Engines to time face detection on (`onnxruntime`, `tract`); one whose library is
    /// missing is skipped with a note.
    #[arg(long, value_delimiter = ',', default_value = "onnxruntime,tract", value_parser = engine)]
    engines: Vec<Engine>,
    /// How the detection is spread over the cores, as INSTANCESxTHREADS (`2x1`: two
    /// single-threaded detectors on alternating frames; `1x2`: one detector with two
    /// threads); `auto` is the export's own choice.
    #[arg(long, value_delimiter = ',', default_value = "auto", value_parser = layout)]
    detectors: Vec<Option<(usize, usize)>>,
    /// Runs of the plain export and of ffmpeg, alternating (one run each varies by ±5 %
    /// here); the medians are reported.
    #[arg(long, default_value_t = 3)]
    repeat: u32,
    /// Also time deface 1.5.0 (PyPI: the same CenterFace model on ONNX Runtime) on the same
    /// clip, threshold and detector size, installed with ONNX Runtime 1.31.1 in a virtual
    /// environment in the work folder (`--dir` keeps it between runs).
    #[arg(long)]
    deface: bool,
    /// Work in this folder (default: a new folder in the temp directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Print one JSON object: seconds, frames, plain_s, plain_x_realtime, ffmpeg_s,
    /// plain_vs_ffmpeg (medians), plain_runs_s, ffmpeg_runs_s,
    /// faces [{detector_width, engine, detectors, s, x_realtime, frames_with_faces}],
    /// deface {s, x_realtime, frames, ours_s, deface_vs_ours} (with --deface).
    #[arg(long)]
    json: bool,
}

fn engine(text: &str) -> Result<Engine, String> {
    match text {
        "onnxruntime" => Ok(Engine::Onnxruntime),
        "tract" => Ok(Engine::Tract),
        other => Err(format!(
            "'{other}' is not an engine: use onnxruntime or tract"
        )),
    }
}

fn layout(text: &str) -> Result<Option<(usize, usize)>, String> {
    if text == "auto" {
        return Ok(None);
    }
    let parsed = text
        .split_once('x')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .filter(|&(a, b): &(usize, usize)| (1..=16).contains(&a) && (1..=16).contains(&b));
    match parsed {
        Some(p) => Ok(Some(p)),
        None => Err(format!(
            "'{text}' is not a layout: write INSTANCESxTHREADS like 2x1, or auto"
        )),
    }
}

pub fn export(args: &ExportBenchArgs) -> anyhow::Result<()> {
    let own = std::env::temp_dir().join(format!("debrief-bench-export-{}", std::process::id()));
    let dir = args.dir.clone().unwrap_or_else(|| own.clone());
    std::fs::create_dir_all(&dir)?;
    let result = measure(args, &dir);
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&own);
    }
    result
}

fn measure(args: &ExportBenchArgs, dir: &std::path::Path) -> anyhow::Result<()> {
    let frames = args.seconds.max(1) * 30;
    let spec = TestSrcSpec {
        frames,
        width: 1280,
        height: 720,
        faces: 2,
        gop: 60,
        ..Default::default()
    };
    let input = dir.join("bench-export-source.mp4");
    if !input.exists() {
        eprintln!("Writing {frames} frames of 1280×720 test video…");
        testsrc::write(&input, &spec, &mut |_| {})?;
    }
    let source = MediaSource::file(&input);
    let info = media::probe(&source)?;
    let media_s = info.duration_ns as f64 / 1e9;
    type Detection = (u32, Engine, Option<(usize, usize)>);
    let run = |faces: Option<Detection>| -> anyhow::Result<(f64, u64)> {
        let out = dir.join(match faces {
            Some((w, engine, _)) => format!("faces-{w}-{engine}.mp4"),
            None => "plain.mp4".into(),
        });
        let _ = std::fs::remove_file(&out);
        let mut settings = ClipSettings::new(0, info.frames() - 1);
        settings.detect_faces = faces.is_some();
        if let Some((width, engine, detectors)) = faces {
            settings.detector_width = width;
            settings.engine = Some(engine);
            settings.detectors = detectors;
        }
        settings.preset = args.preset.clone();
        let t = Instant::now();
        let report = export::export_clip(
            &source,
            &info,
            &out,
            &settings,
            &mut |_| {},
            &AtomicBool::new(false),
        )?;
        Ok((t.elapsed().as_secs_f64(), report.frames_with_faces))
    };
    let ffmpeg_out = dir.join("ffmpeg.mp4");
    let ffmpeg = || -> Option<f64> {
        let t = Instant::now();
        let status = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(&input)
            .args([
                "-an",
                "-map_metadata",
                "-1",
                "-c:v",
                "libx264",
                "-preset",
                &args.preset,
                "-crf",
                "20",
            ])
            .arg(&ffmpeg_out)
            .status();
        match status {
            Ok(s) if s.success() => Some(t.elapsed().as_secs_f64()),
            _ => None,
        }
    };
    // Alternating runs, so a slow spell of the machine hits both sides.
    let mut plain_runs = Vec::new();
    let mut ffmpeg_runs = Vec::new();
    for _ in 0..args.repeat.max(1) {
        plain_runs.push(run(None)?.0);
        match ffmpeg() {
            Some(s) => ffmpeg_runs.push(s),
            None if ffmpeg_runs.is_empty() => {
                eprintln!(
                    "ffmpeg not found or failed: install it with packaging/install-deps.sh --with-ffmpeg for the comparison"
                );
            }
            None => {}
        }
    }
    let median = |v: &mut Vec<f64>| -> Option<f64> {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let plain_s = median(&mut plain_runs).context("no plain run")?;
    let ffmpeg_s = median(&mut ffmpeg_runs);
    let mut faces = Vec::new();
    let mut engines = args.engines.clone();
    if let Err(why) = detector::onnxruntime() {
        engines.retain(|&e| e != Engine::Onnxruntime);
        eprintln!("note: {why}: skipping the onnxruntime runs");
    }
    for &width in &args.detector_widths {
        for &engine in &engines {
            for &detectors in &args.detectors {
                let (s, found) = run(Some((width, engine, detectors)))?;
                faces.push(serde_json::json!({
                    "detector_width": width,
                    "engine": engine,
                    "detectors": detectors.map_or("auto".to_owned(), |(n, t)| format!("{n}x{t}")),
                    "s": round(s),
                    "x_realtime": round(media_s / s),
                    "frames_with_faces": found,
                }));
            }
        }
    }
    let deface = if args.deface {
        let ours = faces
            .iter()
            .find(|f| f["detector_width"] == 640)
            .and_then(|f| f["s"].as_f64());
        match run_deface(dir, &input, &args.preset) {
            Ok((s, out)) => {
                let frames = media::probe(&MediaSource::file(&out))
                    .map(|i| i.frames())
                    .ok();
                serde_json::json!({
                    "s": round(s),
                    "x_realtime": round(media_s / s),
                    "frames": frames,
                    "ours_s": ours,
                    "deface_vs_ours": ours.map(|o| round(s / o)),
                })
            }
            Err(why) => {
                eprintln!("note: deface was not timed: {why:#}");
                serde_json::Value::Null
            }
        }
    } else {
        serde_json::Value::Null
    };
    let result = serde_json::json!({
        "seconds": round(media_s),
        "frames": info.frames(),
        "preset": args.preset,
        "plain_s": round(plain_s),
        "plain_x_realtime": round(media_s / plain_s),
        "ffmpeg_s": ffmpeg_s.map(round),
        "plain_vs_ffmpeg": ffmpeg_s.map(|f| round(f / plain_s)),
        "plain_runs_s": plain_runs.iter().map(|&v| round(v)).collect::<Vec<_>>(),
        "ffmpeg_runs_s": ffmpeg_runs.iter().map(|&v| round(v)).collect::<Vec<_>>(),
        "faces": faces,
        "deface": deface,
    });
    if args.json {
        outln!("{result}")?;
    } else {
        outln!(
            "{}",
            serde_json::to_string_pretty(&result).context("formatting")?
        )?;
    }
    Ok(())
}

/// deface with ONNX Runtime in a virtual environment under `dir` (made once).
fn deface_venv(dir: &std::path::Path) -> anyhow::Result<PathBuf> {
    let venv = dir.join("deface-venv");
    let deface = venv.join("bin").join("deface");
    if deface.exists() {
        return Ok(deface);
    }
    eprintln!(
        "Installing deface 1.5.0 and onnxruntime 1.31.1 in {}…",
        venv.display()
    );
    let ok = |cmd: &mut std::process::Command| cmd.status().is_ok_and(|s| s.success());
    if !ok(std::process::Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&venv))
    {
        anyhow::bail!("python3 -m venv failed: install python3-venv");
    }
    if !ok(
        std::process::Command::new(venv.join("bin").join("pip")).args([
            "install",
            "--quiet",
            "deface==1.5.0",
            "onnxruntime==1.31.1",
            // deface loads the model with the onnx package before handing it to onnxruntime.
            "onnx",
        ]),
    ) {
        anyhow::bail!("pip could not install deface (no network?)");
    }
    Ok(deface)
}

/// Times deface on `input` as we run: threshold 0.3, the picture at 640 px wide
/// for the network, solid boxes, libx264 at `preset` and CRF 20. Returns the
/// seconds and the output file.
fn run_deface(
    dir: &std::path::Path,
    input: &std::path::Path,
    preset: &str,
) -> anyhow::Result<(f64, PathBuf)> {
    let deface = deface_venv(dir)?;
    let out = dir.join("deface.mp4");
    let _ = std::fs::remove_file(&out);
    let config = serde_json::json!({
        "codec": "libx264",
        "ffmpeg_params": ["-preset", preset, "-crf", "20"],
    });
    let t = Instant::now();
    let status = std::process::Command::new(&deface)
        .arg(input)
        .arg("--output")
        .arg(&out)
        .args([
            "--thresh",
            "0.3",
            "--scale",
            "640x360",
            "--replacewith",
            "solid",
            "--boxes",
        ])
        .args([
            "--backend",
            "onnxrt",
            "--ffmpeg-config",
            &config.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()?;
    let s = t.elapsed().as_secs_f64();
    if !status.success() {
        anyhow::bail!("deface failed ({status})");
    }
    Ok((s, out))
}
