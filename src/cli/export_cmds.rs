//! `debrief export clip` and `debrief package create`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::vault_cmds::{VaultArgs, read_passphrase};
use super::{BadInput, progress_bar};
use crate::deid::{CoverStyle, RegionSet};
use crate::export::{AudioMode, ClipSettings, ClipViews, DEFAULT_PITCH, Phase};
use crate::package::Protection;

/// Faces: covered or left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FacesArg {
    /// Detect faces on every frame and cover them.
    Redact,
    /// No detection (manual regions only).
    None,
}

/// What happens to the sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AudioArg {
    /// No audio stream (default).
    Drop,
    /// Pitch-shifted and band-limited: obscured, NOT anonymised.
    Disguise,
    /// The original sound (needs --confirm-keep-audio).
    Keep,
}

/// `debrief export …`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Cut a de-identified clip (faces covered, audio dropped, metadata scrubbed).
    Clip(Box<ClipArgs>),
}

/// `debrief export clip`.
#[derive(Debug, Args)]
pub struct ClipArgs {
    /// Recording id.
    #[arg(long)]
    recording: String,
    /// First frame of the clip (0-based).
    #[arg(long, value_name = "A")]
    from_frame: u64,
    /// Last frame of the clip (inclusive).
    #[arg(long, value_name = "B")]
    to_frame: u64,
    /// Output file: .mp4 (H.264) or .webm (VP9). Choose a neutral name (e.g. clip-1.mp4).
    #[arg(long, value_name = "F")]
    out: PathBuf,
    /// Cover detected faces (redact) or not (none).
    #[arg(long, value_enum, default_value = "redact")]
    faces: FacesArg,
    /// Manual regions (JSON, schemas/regions.schema.json): keyframed rectangles/ellipses.
    #[arg(long, value_name = "F.json")]
    regions: Option<PathBuf>,
    /// Sound: drop (default), disguise (obscured, not anonymised) or keep.
    #[arg(long, value_enum, default_value = "drop")]
    audio: AudioArg,
    /// Pitch ratio for --audio disguise.
    #[arg(long, value_name = "R", default_value_t = DEFAULT_PITCH)]
    pitch: f32,
    /// Confirm that voices may be heard in the clip (required by --audio keep).
    #[arg(long)]
    confirm_keep_audio: bool,
    /// How regions are covered: fill (default) or pixelate (coarse blocks).
    #[arg(long, value_name = "STYLE", default_value = "fill")]
    cover: CoverStyle,
    /// Face detector threshold (lower finds more; default 0.3).
    #[arg(long, value_name = "T", default_value_t = crate::deid::detector::DEFAULT_THRESHOLD)]
    threshold: f32,
    /// Face boxes are enlarged by this factor (default 1.3).
    #[arg(long, value_name = "X", default_value_t = 1.3)]
    enlarge: f32,
    /// Width the detector sees, in pixels (larger finds smaller faces; default 640).
    #[arg(long, value_name = "PX", default_value_t = crate::deid::detector::DEFAULT_WIDTH)]
    detector_width: u32,
    /// Quality, x264 CRF scale (lower is better; default 20).
    #[arg(long, value_name = "N", default_value_t = 20)]
    crf: u32,
    /// x264 speed preset (default veryfast).
    #[arg(long, value_name = "P", default_value = "veryfast")]
    preset: String,
    /// Show this camera view (its id or camera label) instead of the reference;
    /// its frames follow the reference's, black where it has no video.
    #[arg(long, value_name = "V", conflicts_with = "layout")]
    view: Option<String>,
    /// A composite of every camera view, each de-identified on its own:
    /// side-by-side (one row) or grid (two to a row).
    #[arg(long, value_enum)]
    layout: Option<LayoutArg>,
    /// Burn the recording's device data values (HR, SpO2, FiO2, PIP, PEEP, Vt) into
    /// the picture, bottom left; they are not identifying.
    #[arg(long)]
    data_values: bool,
    /// Print `{"clip_id", "out", "frames", "sha256", …}`.
    #[arg(long)]
    json: bool,
}

/// `--layout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutArg {
    /// Every view in one row.
    SideBySide,
    /// Two views to a row.
    Grid,
}

/// `debrief package …`.
#[derive(Debug, Subcommand)]
pub enum PackageCommand {
    /// Write an encrypted plenary package of exported clips.
    Create(PackageArgs),
}

/// `debrief package create`.
#[derive(Debug, Args)]
pub struct PackageArgs {
    /// Clip ids, comma-separated, in presentation order.
    #[arg(long, value_delimiter = ',', required = true)]
    clips: Vec<String>,
    /// The package file (.dbpkg).
    #[arg(long, value_name = "F.dbpkg")]
    out: PathBuf,
    /// Read the package's passphrase from this file [else env DEBRIEF_PACKAGE_PASSPHRASE,
    /// else a prompt]. Here --passphrase-file is this file too; the vault's passphrase
    /// comes from --vault-passphrase-file, env DEBRIEF_PASSPHRASE or a prompt.
    #[arg(
        long = "package-passphrase-file",
        visible_alias = "passphrase-file",
        value_name = "F",
        conflicts_with = "recipient"
    )]
    passphrase_file: Option<PathBuf>,
    /// Encrypt to these age recipients (age1…) instead of a passphrase.
    #[arg(long, value_name = "age1…")]
    recipient: Vec<String>,
    /// Session title.
    #[arg(long, default_value = "Debrief plenary session")]
    title: String,
    /// A clip's title in the presenter's playlist; repeat once per clip, in the order of
    /// --clips (default: the labels of the clip's annotations). Titles naming a
    /// participant are refused.
    #[arg(long = "clip-title", value_name = "TEXT")]
    clip_titles: Vec<String>,
    /// Last day the package may be shown (YYYY-MM-DD; default 30 days from today).
    #[arg(long, value_name = "DATE", value_parser = date)]
    expires: Option<chrono::NaiveDate>,
    /// Print `{"out", "clips", "bytes", "sha256"}`.
    #[arg(long)]
    json: bool,
}

fn settings(args: &ClipArgs) -> anyhow::Result<ClipSettings> {
    let mut s = ClipSettings::new(args.from_frame, args.to_frame);
    s.detect_faces = args.faces == FacesArg::Redact;
    s.threshold = args.threshold;
    s.tracks.enlarge = args.enlarge;
    s.detector_width = args.detector_width;
    s.cover = args.cover;
    s.crf = args.crf;
    s.preset = args.preset.clone();
    s.data_values = args.data_values;
    s.views = match args.layout {
        Some(LayoutArg::SideBySide) => ClipViews::SideBySide,
        Some(LayoutArg::Grid) => ClipViews::Grid,
        None => ClipViews::Reference,
    };
    s.audio = match args.audio {
        AudioArg::Drop => AudioMode::Drop,
        AudioArg::Disguise => AudioMode::Disguise { pitch: args.pitch },
        AudioArg::Keep if !args.confirm_keep_audio => {
            return Err(BadInput(
                "--audio keep exports voices that can identify people: add --confirm-keep-audio \
                 if consent allows it, or use --audio drop (default) or disguise"
                    .into(),
            )
            .into());
        }
        AudioArg::Keep => AudioMode::Keep,
    };
    if let Some(path) = &args.regions {
        let text = std::fs::read_to_string(path).map_err(|e| {
            BadInput(format!(
                "cannot read the regions file ({e}): {}",
                path.display()
            ))
        })?;
        s.regions = RegionSet::parse(&text, &path.display().to_string()).map_err(BadInput)?;
    }
    Ok(s)
}

/// `debrief export …`.
pub fn export(cmd: &ExportCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let ExportCommand::Clip(args) = cmd;
    let settings = settings(args)?;
    // Impossible settings are refused before the vault is opened or anything warned about.
    settings.check()?;
    let mut vault = v.unlock()?;
    let mut settings = settings;
    if let Some(view) = &args.view {
        let view = vault.view(&args.recording, view)?;
        if !view.reference {
            settings.views = ClipViews::View(view.view_id);
        }
    }
    crate::plenary::check_views(&vault, &args.recording, &settings.views)?;
    for warning in settings.warnings() {
        eprintln!("warning: {warning}");
    }
    let total = args.to_frame.saturating_sub(args.from_frame) + 1;
    let bar = progress_bar(total, "finding faces");
    let mut phase = Phase::Detecting;
    let cancel = super::cancel_on_signals();
    let (clip_id, report) = crate::plenary::export_clip(
        &mut vault,
        &args.recording,
        &args.out,
        &settings,
        false,
        &mut |p| {
            if p.phase != phase {
                phase = p.phase;
                bar.set_message("encoding");
                bar.set_position(0);
            }
            bar.set_length(p.total);
            bar.set_position(p.done);
        },
        &cancel,
    )?;
    bar.finish_and_clear();
    if args.json {
        outln!(
            "{}",
            serde_json::json!({
                "clip_id": clip_id,
                "out": report.out.display().to_string(),
                "frames": report.frames,
                "sha256": report.sha256,
                "bytes": report.bytes,
                "frames_with_faces": report.frames_with_faces,
                "boxes_covered": report.boxes_covered,
                "detector_engine": report.detector_engine,
                "warnings": settings.warnings(),
                "data_values": settings.data_values,
            })
        )?;
    } else {
        let engine = match report.detector_engine {
            Some(crate::deid::detector::Engine::Tract) => {
                " with tract: ONNX Runtime is not installed, run packaging/fetch-onnxruntime.sh \
                 for twice the speed"
                    .to_owned()
            }
            Some(engine) => format!(" with {engine}"),
            None => String::new(),
        };
        eprintln!(
            "Wrote clip {clip_id}: {} ({} frames, faces found on {} frames{engine}).",
            report.out.display(),
            report.frames,
            report.frames_with_faces
        );
        if settings.data_values {
            eprintln!(
                "The device data values are burned in, bottom left (they are not identifying)."
            );
        }
    }
    Ok(())
}

/// `debrief detector`.
#[derive(Debug, Args)]
pub struct DetectorArgs {
    /// Print one JSON object: engine ("onnxruntime" or "tract"), library (the ONNX
    /// Runtime file loaded, or null), why_not (why it is not used, or null), model_sha256.
    #[arg(long)]
    json: bool,
}

/// `debrief detector`: the face detector's engine, loaded as an export would.
pub fn detector(args: &DetectorArgs) -> anyhow::Result<()> {
    use crate::deid::detector::{self, Engine, FaceDetector};
    // Loading a detector checks the bundled model and starts the engine for real.
    let det = FaceDetector::new(
        640,
        360,
        detector::DEFAULT_WIDTH,
        detector::DEFAULT_THRESHOLD,
    )?;
    let (library, why_not) = match detector::onnxruntime() {
        Ok(path) => (Some(path.display().to_string()), None),
        Err(why) => (None, Some(why.to_owned())),
    };
    if args.json {
        outln!(
            "{}",
            serde_json::json!({
                "engine": det.engine(),
                "library": library,
                "why_not": why_not,
                "model_sha256": detector::MODEL_SHA256,
            })
        )?;
    } else {
        match (det.engine(), library, why_not) {
            (Engine::Onnxruntime, Some(lib), _) => outln!("onnxruntime ({lib})")?,
            (engine, _, why) => outln!("{engine} ({})", why.unwrap_or_default())?,
        }
    }
    Ok(())
}

/// A calendar day as the command line writes it, parsed once.
fn date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("'{text}' is not a date: write YYYY-MM-DD"))
}

/// `debrief package …`.
pub fn package(cmd: &PackageCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let PackageCommand::Create(args) = cmd;
    let expires = args
        .expires
        .unwrap_or_else(|| (chrono::Utc::now() + chrono::Duration::days(30)).date_naive());
    let protection = if args.recipient.is_empty() {
        Protection::Passphrase(read_passphrase(
            args.passphrase_file.as_deref(),
            &["DEBRIEF_PACKAGE_PASSPHRASE"],
            "Passphrase for the package: ",
            true,
        )?)
    } else {
        Protection::Recipients(args.recipient.clone())
    };
    let mut vault = v.unlock()?;
    let report = crate::plenary::create_package(
        &mut vault,
        &args.clips,
        &args.clip_titles,
        &args.out,
        &args.title,
        expires,
        &protection,
    )?;
    if args.json {
        outln!("{}", serde_json::to_string(&report)?)?;
    } else {
        eprintln!("Wrote {} ({} clips).", report.out, report.clips);
    }
    Ok(())
}
