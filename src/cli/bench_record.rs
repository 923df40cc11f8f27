//! `debrief bench record`: what recording costs on this machine — CPU,
//! dropped frames, and the time from Stop to a sealed, reviewable recording.

use std::time::{Duration, Instant};

use clap::Args;

use crate::capture::{CameraSpec, MicSpec, RecordOptions, Recorder};

/// `debrief bench record`.
#[derive(Debug, Args)]
pub struct RecordBenchArgs {
    /// Test cameras recorded together.
    #[arg(long, default_value_t = 2)]
    cameras: usize,
    /// Picture size, WxH.
    #[arg(long, value_name = "WxH", default_value = "1280x720", value_parser = super::parse_size)]
    size: (u32, u32),
    /// Frames per second.
    #[arg(long, default_value_t = 30)]
    fps: u32,
    /// Seconds recorded per preset.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// A new segment after this many seconds (each is indexed as it is sealed,
    /// so Stop reads only the last).
    #[arg(long, default_value_t = 300)]
    segment_seconds: u64,
    /// x264 speed presets to compare, in order.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "ultrafast,superfast,veryfast"
    )]
    presets: Vec<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// CPU time (user + system) this process has used.
fn cpu_time() -> Duration {
    // SAFETY: getrusage writes into the zeroed struct we own.
    #[allow(unsafe_code)]
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// An x264 preset by name (a `&'static str` for the recorder's settings).
fn preset(name: &str) -> Option<&'static str> {
    crate::export::X264_PRESETS
        .iter()
        .copied()
        .find(|p| *p == name)
}

pub(crate) fn record(args: &RecordBenchArgs) -> anyhow::Result<()> {
    use crate::vault::{NewCase, Vault};
    let (width, height) = args.size;
    let root = std::env::temp_dir().join(format!("debrief-bench-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let pass = age::secrecy::SecretString::from("benchmark passphrase".to_owned());
    let mut vault = Vault::init(&root.join("vault"), "bench", &pass, None)?;
    let case = vault.create_case(NewCase {
        title: "Benchmark".into(),
        ..Default::default()
    })?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut runs = Vec::new();
    let result = (|| -> anyhow::Result<()> {
        for name in &args.presets {
            let preset = preset(name)
                .ok_or_else(|| super::BadInput(format!("'{name}' is not an x264 preset")))?;
            let cameras = (0..args.cameras.max(1))
                .map(|i| (CameraSpec::Test, Some(format!("camera {}", i + 1))))
                .collect();
            let mut options = RecordOptions::new(&case, cameras);
            options.mic = Some(MicSpec::Test);
            options.reserve_bytes = 0;
            options.segment = Duration::from_secs(args.segment_seconds.max(1));
            // A benchmark of test patterns is no situation the unit never records.
            options.before.confirmed_not_listed = true;
            options.settings.width = width;
            options.settings.height = height;
            options.settings.fps = args.fps;
            options.settings.preset = preset;
            eprintln!("recording {} s with preset {preset}…", args.seconds);
            let recorder = Recorder::start(&vault, options)?;
            let (cpu0, wall0) = (cpu_time(), Instant::now());
            while wall0.elapsed() < Duration::from_secs(args.seconds) {
                std::thread::sleep(Duration::from_millis(200));
            }
            let cpu = cpu_time().saturating_sub(cpu0).as_secs_f64();
            let wall = wall0.elapsed().as_secs_f64();
            let delivered = recorder.frames();
            let stop = Instant::now();
            let (captured, _) = recorder.stop()?;
            let stop_to_sealed_ms = super::figures::ms(stop);
            let seconds = captured.duration_ns as f64 / 1e9;
            let period = 1e9 / f64::from(args.fps);
            let mut views = Vec::new();
            for (v, &n) in captured.views.iter().zip(&delivered) {
                // A dropped frame is a hole in the stored frame times (a live
                // source that had to wait skips its timestamps), or a frame
                // the source gave that is not stored.
                let table = vault.media_info(&v.view_id)?.table;
                let holes: f64 = table
                    .all_pts()
                    .windows(2)
                    .map(|w| ((w[1] - w[0]) as f64 / period).round() - 1.0)
                    .filter(|&missing| missing > 0.0)
                    .sum();
                views.push(serde_json::json!({
                    "camera": v.camera,
                    "frames": v.frames,
                    "source_frames": n,
                    "dropped": holes as u64 + n.saturating_sub(v.frames),
                }));
            }
            runs.push(serde_json::json!({
                "preset": preset,
                "seconds": (seconds * 10.0).round() / 10.0,
                "cpu_percent_of_machine": (cpu / wall / cores as f64 * 1000.0).round() / 10.0,
                "views": views,
                "stop_to_sealed_ms": (stop_to_sealed_ms * 10.0).round() / 10.0,
                "segments": captured.segments,
                "mib_per_minute": (vault_bytes(&root) as f64 / 1048576.0 / seconds * 60.0).round(),
            }));
            let _ = vault.delete_recording(&captured.recording_id, "benchmark");
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&root);
    result?;
    let value = serde_json::json!({
        "cameras": args.cameras,
        "size": format!("{width}x{height}"),
        "fps": args.fps,
        "cores": cores,
        "runs": runs,
    });
    super::figures::print(&value, args.json)
}

/// Bytes under the vault's media folder.
fn vault_bytes(root: &std::path::Path) -> u64 {
    std::fs::read_dir(root.join("vault").join("media"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
