//! `debrief record`: cameras and microphones straight into the vault.

use std::io::Write as _;
use std::time::Duration;

use super::*;
use crate::capture::{CameraSpec, MicSpec, RecordOptions, Recorder, StopReason};

/// `debrief record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    #[command(flatten)]
    pub who: Who,
    /// Case id.
    #[arg(long)]
    case: String,
    /// A camera: `test` (a live test pattern), `v4l2:/dev/videoN` or `rtsp://…`; repeat for up
    /// to 4 cameras, the first being the reference. An address's credentials are never stored or shown.
    #[arg(long = "camera", value_name = "SPEC", required = true, value_parser = parse::<CameraSpec>)]
    cameras: Vec<CameraSpec>,
    /// Camera labels, in the cameras' order (default: camera 1, camera 2, …).
    #[arg(long = "label", value_name = "LABEL")]
    labels: Vec<String>,
    /// A microphone: `test`, `default` or `pulse:SOURCE` (its sound goes with the first camera).
    #[arg(long, value_name = "SPEC", value_parser = parse::<MicSpec>)]
    mic: Option<MicSpec>,
    /// Why it is recorded: quality-improvement, education, clinical-care or research.
    #[arg(long, value_parser = parse::<Purpose>, default_value = "quality-improvement")]
    purpose: Purpose,
    /// Stop after S seconds (else at Ctrl+C, or at --max-minutes).
    #[arg(long, value_name = "S")]
    duration: Option<f64>,
    /// Stop by itself after N minutes [default: the policy's, 60].
    #[arg(long, value_name = "N")]
    max_minutes: Option<u64>,
    /// A team member present (roster name or id); repeat for each. Recording starts only when
    /// everyone present has standing consent (`debrief staff add`).
    #[arg(long = "present", value_name = "WHO")]
    present: Vec<String>,
    /// The patient or family has not consented yet (an emergency): record under deferred
    /// consent, kept only until the policy's deadline without it, then crypto-shredded.
    #[arg(long)]
    deferred_consent: bool,
    /// Confirm the situation is none on the policy's "do not record" list (`policy show`).
    #[arg(long)]
    confirm_not_listed: bool,
    /// Picture size, WxH.
    #[arg(long, value_name = "WxH", default_value = "1280x720", value_parser = crate::cli::parse_size)]
    size: (u32, u32),
    /// Frames per second.
    #[arg(long, default_value_t = 30)]
    fps: u32,
    /// Start a new segment after this many seconds (and at every pause).
    #[arg(long, value_name = "S", default_value_t = 300)]
    segment_seconds: u64,
    /// Print `{"recording_id", "views", "frames", "segments", "recovered", …}` when sealed.
    #[arg(long)]
    json: bool,
}

/// A picture size the encoder takes: even, 64×64 to 3840×2160.
fn check_size((w, h): (u32, u32)) -> Result<(u32, u32), BadInput> {
    if (64..=3840).contains(&w) && (64..=2160).contains(&h) && w % 2 == 0 && h % 2 == 0 {
        Ok((w, h))
    } else {
        Err(BadInput(format!(
            "{w}x{h} is not a picture size to record: even numbers from 64x64 to 3840x2160"
        )))
    }
}

pub fn record(args: &RecordArgs, v: &VaultArgs) -> anyhow::Result<()> {
    if args.cameras.len() > vault::MAX_VIEWS {
        return Err(BadInput(format!(
            "at most {} cameras per recording",
            vault::MAX_VIEWS
        ))
        .into());
    }
    if !(1..=60).contains(&args.fps) {
        return Err(BadInput(format!("{} frames per second: use 1 to 60", args.fps)).into());
    }
    let (width, height) = check_size(args.size)?;
    if let Some(s) = args.duration
        && !(s.is_finite() && s > 0.0 && s <= 24.0 * 3600.0)
    {
        return Err(BadInput(format!("--duration {s}: give seconds, more than 0")).into());
    }
    let vault = v.unlock()?;
    let cameras = args
        .cameras
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let label = args
                .labels
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("camera {}", i + 1));
            (c.clone(), Some(label))
        })
        .collect();
    let mut options = RecordOptions::new(&args.case, cameras);
    options.purpose = args.purpose;
    options.mic = args.mic.clone();
    let rules = vault.policy().recording.clone();
    let minutes = args.max_minutes.unwrap_or(u64::from(rules.max_minutes));
    options.max_length = Duration::from_secs(minutes.max(1) * 60);
    options.reserve_bytes = u64::from(rules.disk_reserve_mib) << 20;
    options.before = vault::BeforeRecording {
        present: args.present.clone(),
        deferred_consent: args.deferred_consent,
        confirmed_not_listed: args.confirm_not_listed,
    };
    options.segment = Duration::from_secs(args.segment_seconds.max(1));
    options.settings.width = width;
    options.settings.height = height;
    options.settings.fps = args.fps;
    let cancel = crate::cli::cancel_on_signals();
    let mut recorder = Recorder::start(&vault, options)?;
    // The line a supervisor (or a test) waits for; stdout stays for the result.
    eprintln!("recording started (capture {})", recorder.capture_id());
    let limit = args.duration.map(Duration::from_secs_f64);
    let mut last_shown = Duration::ZERO;
    let tty = std::io::stderr().is_terminal();
    let reason = loop {
        std::thread::sleep(Duration::from_millis(100));
        if let Some(reason) = recorder.poll() {
            break reason;
        }
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            break StopReason::Asked;
        }
        let elapsed = recorder.elapsed();
        if limit.is_some_and(|l| elapsed >= l) {
            break StopReason::Asked;
        }
        if tty && elapsed - last_shown >= Duration::from_secs(1) {
            last_shown = elapsed;
            let s = elapsed.as_secs();
            eprint!(
                "\r● REC {:02}:{:02}:{:02}  {} MiB",
                s / 3600,
                s / 60 % 60,
                s % 60,
                recorder.bytes() >> 20
            );
            let _ = std::io::stderr().flush();
        }
    };
    if tty {
        eprintln!();
    }
    let lost = recorder.lost();
    let (captured, stopped) = recorder.stop()?;
    for (camera, at) in &lost {
        let s = at.as_secs();
        eprintln!(
            "camera {camera} was lost at {:02}:{:02}:{:02}: its view ends there; the others recorded on",
            s / 3600,
            s / 60 % 60,
            s % 60
        );
    }
    if !matches!(stopped, StopReason::Asked) && reason != StopReason::Asked {
        eprintln!("recording stopped by itself: {stopped}");
    }
    if args.json {
        let mut value = serde_json::to_value(&captured)?;
        value["stopped"] = serde_json::json!(stopped.to_string());
        value["lost"] = lost
            .iter()
            .map(|(camera, at)| serde_json::json!({ "camera": camera, "at_ms": at.as_millis() as u64 }))
            .collect();
        print_json(&value)?;
    } else {
        outln!(
            "{}\t{} frames\t{} views\t{}",
            captured.recording_id,
            captured.frames,
            captured.views.len(),
            captured.length_text()
        )?;
    }
    Ok(())
}
