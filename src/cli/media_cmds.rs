//! Media commands that need no vault: testsrc, probe, frame, play.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{BadInput, GuiArgs, progress_bar};
use crate::media::testsrc::{TestSrcSpec, VideoCodec};
use crate::media::{self, MediaSource, Player, PlayerConfig};
use crate::time::FrameRate;

/// `debrief testsrc`.
#[derive(Debug, Args)]
pub struct TestsrcArgs {
    /// Output file; its extension picks the container (.mp4, .mov, .mkv, .webm, .avi).
    #[arg(value_name = "OUT")]
    out: PathBuf,
    /// Number of video frames.
    #[arg(long, value_name = "N")]
    frames: u64,
    /// Frame rate as N/D or N.
    #[arg(long, value_name = "N/D", default_value = "30/1", value_parser = parse_rate)]
    fps: FrameRate,
    /// Picture size as WIDTHxHEIGHT (even numbers).
    #[arg(long, value_name = "WxH", default_value = "1280x720", value_parser = super::parse_size)]
    size: (u32, u32),
    /// Video codec: h264, vp9, mjpeg (also h265, vp8, mpeg4).
    #[arg(long, value_name = "CODEC", default_value = "h264", value_parser = parse_codec)]
    codec: VideoCodec,
    /// Maximum distance between keyframes, in frames.
    #[arg(long, value_name = "N", default_value_t = 60)]
    gop: u32,
    /// Use B-frames (decode order differs from presentation order).
    #[arg(long)]
    bframes: bool,
    /// Variable frame rate: frame durations vary between 0.5× and 1.5× the nominal interval.
    #[arg(long)]
    vfr: bool,
    /// Add a 440 Hz audio tone.
    #[arg(long)]
    audio: bool,
    /// MP4/MOV: put the index (moov) at the start instead of the end.
    #[arg(long)]
    faststart: bool,
    /// Paste N moving real faces (a public-domain portrait) into every frame (0-8).
    #[arg(long, value_name = "N", default_value_t = 0)]
    faces: u32,
    /// Plant sentinel metadata (title, comment, artist, date, GPS, make, model;
    /// MP4/MOV also QuickTime mdta keys) for testing that export scrubs it.
    #[arg(long)]
    plant_tags: bool,
}

/// `debrief probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The media file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print one JSON object: frames, fps_num, fps_den, vfr, duration_ns, width, height,
    /// video_codec, audio_codec, container.
    #[arg(long)]
    json: bool,
}

/// `debrief frame`.
#[derive(Debug, Args)]
pub struct FrameArgs {
    /// The media file (or use --recording).
    #[arg(
        value_name = "FILE",
        required_unless_present = "recording",
        conflicts_with = "recording"
    )]
    file: Option<PathBuf>,
    /// A vault recording instead of a file (its consent must permit viewing; the view is audited).
    #[arg(long, value_name = "R")]
    recording: Option<String>,
    /// With --recording: the frame this camera view (id or camera label) shows at
    /// reference frame --index, by its mapping (exit 2 where the view has no video).
    #[arg(long, value_name = "V", requires = "recording")]
    view: Option<String>,
    #[command(flatten)]
    who: super::vault_cmds::Who,
    /// Frame number (0-based, presentation order; with --view, the reference's).
    #[arg(long, value_name = "N")]
    index: u64,
    /// Where to write the PNG.
    #[arg(long, value_name = "F.png")]
    out: PathBuf,
}

/// `debrief play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// The media file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    pub gui: GuiArgs,
}

fn parse_rate(s: &str) -> Result<FrameRate, String> {
    FrameRate::parse(s).map_err(|e| e.to_string())
}

fn parse_codec(s: &str) -> Result<VideoCodec, String> {
    s.parse()
}

pub fn testsrc(args: &TestsrcArgs) -> anyhow::Result<()> {
    let spec = TestSrcSpec {
        frames: args.frames,
        rate: args.fps,
        width: args.size.0,
        height: args.size.1,
        codec: args.codec,
        gop: args.gop,
        bframes: args.bframes,
        vfr: args.vfr,
        audio: args.audio,
        faststart: args.faststart,
        faces: args.faces,
        plant_tags: args.plant_tags,
        scene_sound: None,
    };
    let bar = progress_bar(args.frames, "encoding");
    media::testsrc::write(&args.out, &spec, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    Ok(())
}

pub fn probe(args: &ProbeArgs) -> anyhow::Result<()> {
    let info = media::probe(&MediaSource::file(&args.file))?;
    if args.json {
        outln!("{}", info.to_json())?;
    } else {
        outln!("container    {}", info.container)?;
        outln!(
            "video        {} {}x{}",
            info.video_codec,
            info.width,
            info.height
        )?;
        outln!(
            "audio        {}",
            info.audio_codec.as_deref().unwrap_or("none")
        )?;
        outln!(
            "frames       {} ({} keyframes)",
            info.frames(),
            info.table.keyframes().len()
        )?;
        outln!(
            "frame rate   {} ({:.3} fps){}",
            info.rate,
            info.rate.as_f64(),
            if info.vfr { ", variable" } else { "" }
        )?;
        outln!("duration     {}", crate::time::clock_ms(info.duration_ns))?;
    }
    Ok(())
}

pub fn frame(args: &FrameArgs, vault_args: &super::vault_cmds::VaultArgs) -> anyhow::Result<()> {
    if args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .is_none_or(|e| !e.eq_ignore_ascii_case("png"))
    {
        return Err(BadInput(format!(
            "--out must name a .png file: {}",
            args.out.display()
        ))
        .into());
    }
    let t = std::time::Instant::now();
    let mut index = args.index;
    media::preload_decoders();
    // One frame: no audio, and a cache just big enough for the GOP being decoded.
    let config = PlayerConfig {
        audio: false,
        cache_bytes: 64 * 1024 * 1024,
        ..Default::default()
    };
    let player = match (&args.file, &args.recording) {
        (Some(file), _) => Player::probe_and_open(MediaSource::file(file), config)?,
        (None, Some(recording)) => {
            let mut vault = vault_args.acting(&args.who).unlock()?;
            let id = match &args.view {
                Some(view) => {
                    let (id, shown) = view_frame(&vault, recording, view, args.index)?;
                    index = shown;
                    id
                }
                None => recording.clone(),
            };
            // Check the whole ciphertext first: a damaged file shows no frame at all.
            let (source, info) = vault.open_media(&id, true)?;
            Player::open(source, info, config)?
        }
        (None, None) => return Err(BadInput("name a FILE or --recording R".into()).into()),
    };
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "probed and opened");
    let frames = player.info().frames();
    if index >= frames {
        return Err(media::MediaError::FrameOutOfRange { index, frames }.into());
    }
    let frame = player.seek_wait(index, Duration::from_secs(60))?;
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "decoded");
    media::still::write_png(&args.out, &frame)?;
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "written");
    Ok(())
}

/// The view's id and its frame at reference frame `index`, or why it has none.
fn view_frame(
    vault: &crate::vault::Vault,
    recording: &str,
    view: &str,
    index: u64,
) -> anyhow::Result<(String, u64)> {
    use crate::views::{self, Shown};
    let view = vault.view(recording, view)?;
    let reference = vault.media_info(recording)?;
    if index >= reference.frames() {
        return Err(media::MediaError::FrameOutOfRange {
            index,
            frames: reference.frames(),
        }
        .into());
    }
    if view.reference {
        return Ok((view.view_id, index));
    }
    let own = vault.media_info(&view.view_id)?;
    match views::view_frame(&reference.table, &own.table, view.mapping, index) {
        Shown::Frame(n) => Ok((view.view_id, n)),
        Shown::Outside => {
            let covered = views::coverage(&reference.table, &own.table, view.mapping)
                .map(|(a, b)| format!("it covers reference frames {a}–{b}"))
                .unwrap_or_else(|| "it overlaps the reference nowhere: check its sync".into());
            Err(BadInput(format!(
                "view '{}' has no video at reference frame {index} ({covered})",
                view.camera.as_deref().unwrap_or(&view.view_id)
            ))
            .into())
        }
    }
}

pub fn play(args: &PlayArgs, gui: &GuiArgs) -> anyhow::Result<()> {
    let screenshot = gui
        .screenshot
        .clone()
        .map(|p| (p, gui.screenshot_after_frames));
    crate::app::play_window::run(&args.file, screenshot)
}
