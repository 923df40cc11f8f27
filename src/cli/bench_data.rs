//! `debrief bench data`: a day of device data on one recording — import
//! time, vault size, and the cost of drawing the lanes at the
//! whole-recording and at frame-level zoom.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;

use super::bench_app::headless_frames;
use super::figures::{pct, print};
use crate::app::review::data_lanes::{DataState, LanesInput};
use crate::app::timeline::{self, TimeView, TimelineState};
use crate::device_data::edf::{WriteSignal, write_edf_plus};
use crate::media::{self, FrameTable};

/// `debrief bench data`.
#[derive(Debug, Args)]
pub struct DataBenchArgs {
    /// Hours of data.
    #[arg(long, default_value_t = 24.0)]
    hours: f64,
    /// Samples a second of the waveform (airway pressure).
    #[arg(long, default_value_t = 500)]
    waveform_hz: usize,
    /// Frames to time at each zoom (after 5 warm-up frames).
    #[arg(long, default_value_t = 60)]
    frames: u32,
    /// Work in this folder (default: a new folder in the temp directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs the benchmark.
pub fn data(args: &DataBenchArgs) -> anyhow::Result<()> {
    let own = args.dir.is_none();
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("debrief-bench-data-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let result = (|| -> anyhow::Result<serde_json::Value> {
        let seconds = (args.hours * 3600.0).round() as usize;
        let hz = args.waveform_hz.max(1);
        // A breathing-like airway pressure and slow trends; synthetic, no patient.
        let paw = |i: usize| {
            let t = i as f64 / hz as f64;
            5.0 + 20.0 * ((t * std::f64::consts::TAU / 1.5).sin().max(0.0))
        };
        let hr = |i: usize| 120.0 + 20.0 * (i as f64 / 600.0).sin();
        let spo2 = |i: usize| 90.0 + 5.0 * (i as f64 / 900.0).cos();
        let edf = dir.join("day.edf");
        let t = Instant::now();
        {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&edf)?);
            write_edf_plus(
                &mut out,
                chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .unwrap_or_default(),
                1.0,
                &[
                    WriteSignal {
                        label: "Paw",
                        unit: "cmH2O",
                        per_record: hz,
                        range: (-10.0, 60.0),
                        samples: seconds * hz,
                        value: &paw,
                    },
                    WriteSignal {
                        label: "HR",
                        unit: "/min",
                        per_record: 1,
                        range: (0.0, 300.0),
                        samples: seconds,
                        value: &hr,
                    },
                    WriteSignal {
                        label: "SpO2",
                        unit: "%",
                        per_record: 1,
                        range: (0.0, 100.0),
                        samples: seconds,
                        value: &spo2,
                    },
                ],
                &[],
            )?;
            std::io::Write::flush(&mut out)?;
        }
        let write_s = t.elapsed().as_secs_f64();
        let edf_mib = std::fs::metadata(&edf)?.len() as f64 / 1048576.0;
        // A short recording to hang the data on (the lanes below use a day-long frame table).
        let spec = media::testsrc::TestSrcSpec {
            frames: 30,
            width: 160,
            height: 120,
            ..Default::default()
        };
        let (mut vault, rec) =
            super::bench_app::vault_with_recording(&dir, "Data benchmark", &spec)?;
        let t = Instant::now();
        let (source, set) = vault.import_data(&rec, &edf, None, &Default::default())?;
        let import_s = t.elapsed().as_secs_f64();
        let samples = set.samples();
        drop(set);
        let stored = crate::vault::media_store::media_path(vault.dir(), &source.source_id);
        let vault_mib = std::fs::metadata(&stored)?.len() as f64 / 1048576.0;
        let t = Instant::now();
        let (mut data, notice) = DataState::open(&mut vault, &rec);
        if let Some(n) = notice {
            anyhow::bail!(n);
        }
        let load_s = t.elapsed().as_secs_f64();
        // The lanes under a timeline of a day-long 30 fps recording.
        let frames = (seconds as u64) * 30;
        let table = FrameTable::constant(frames, crate::time::FrameRate::FPS_30, 30);
        let mut timeline = TimelineState::default();
        let mut measure = |view: Option<TimeView>, timeline: &mut TimelineState| {
            let mut times = headless_frames(5, args.frames, Duration::ZERO, |ui| {
                if let Some(v) = view {
                    timeline.view = Some(v);
                }
                let lanes = [timeline::Lane {
                    name: "codes".into(),
                    colour: egui::Color32::GRAY,
                }];
                let tl = timeline::TimelineInput {
                    lanes: &lanes,
                    events: &[],
                    frames,
                    rate: crate::time::FrameRate::FPS_30,
                    playhead: frames / 2,
                    in_out: (None, None),
                    selected: None,
                };
                timeline::timeline_ui(ui, timeline, &tl, &mut Vec::new());
                let lanes_input = LanesInput {
                    table: &table,
                    frame_ns: 33_333_333,
                    playhead: frames / 2,
                    birth_ns: None,
                    targets: &[],
                };
                crate::app::review::data_lanes::lanes_ui(
                    ui,
                    &mut data,
                    timeline,
                    &lanes_input,
                    &mut Vec::new(),
                );
            });
            let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
            serde_json::json!({
                "frame_ms_mean": (mean * 100.0).round() / 100.0,
                "frame_ms_p95": pct(&mut times, 95),
            })
        };
        let whole = measure(None, &mut timeline);
        // Frame level: 40 points a frame around the middle of the day.
        let close = TimeView {
            first: (frames / 2) as f64 - 20.0,
            frames_per_point: 1.0 / 40.0,
        };
        let frame_level = measure(Some(close), &mut timeline);
        Ok(serde_json::json!({
            "hours": args.hours,
            "waveform_hz": hz,
            "samples": samples,
            "edf_mib": (edf_mib * 10.0).round() / 10.0,
            "edf_write_s": (write_s * 100.0).round() / 100.0,
            "import_s": (import_s * 100.0).round() / 100.0,
            "vault_mib": (vault_mib * 10.0).round() / 10.0,
            "load_s": (load_s * 100.0).round() / 100.0,
            "lanes_whole": whole,
            "lanes_frame_level": frame_level,
        }))
    })();
    if own {
        let _ = std::fs::remove_dir_all(&dir);
    }
    print(&result?, args.json)
}
