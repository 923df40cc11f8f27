//! The `debrief` command line: every headless operation, one subcommand each.
//!
//! Raw arguments are parsed once by clap into checked settings; each
//! subcommand is a function returning `anyhow::Result`. Errors are printed
//! once, here, as one line; the exit code says whose fault it was (2: bad
//! input or a refused operation; 1: an internal failure). See `CLI.md`.

mod bench;
mod media_cmds;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::media::MediaError;

/// Debrief: frame-accurate review of clinical recordings.
#[derive(Debug, Parser)]
#[command(name = "debrief", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    gui: GuiArgs,
}

/// Options shared by every command that opens a window.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GuiArgs {
    /// Render the window, save a PNG of it to this file and exit (for docs and checks under Xvfb).
    #[arg(long, value_name = "F.png", global = true)]
    pub screenshot: Option<PathBuf>,
    /// With --screenshot: how many frames to render before taking it.
    #[arg(long, value_name = "N", default_value_t = 10, global = true)]
    pub screenshot_after_frames: u32,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write synthetic media whose every frame carries its own index as a machine-readable code.
    Testsrc(media_cmds::TestsrcArgs),
    /// Describe a media file: streams, codecs, size, exact frame count, frame rate.
    Probe(media_cmds::ProbeArgs),
    /// Write exactly one frame of a media file as PNG.
    Frame(media_cmds::FrameArgs),
    /// Benchmarks that print figures (never pass/fail).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Open a plain player window on a media file: play/pause, frame steps, scrubber.
    Play(media_cmds::PlayArgs),
}

/// An error that is the user's to fix (exit code 2): bad arguments, refused operations.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Some(Command::Testsrc(args)) => media_cmds::testsrc(&args),
        Some(Command::Probe(args)) => media_cmds::probe(&args),
        Some(Command::Frame(args)) => media_cmds::frame(&args),
        Some(Command::Bench(cmd)) => bench::run(&cmd),
        Some(Command::Play(args)) => media_cmds::play(&args, &cli.gui),
        None => Err(BadInput(
            "the review app is not built yet: open a recording with `debrief play FILE`, or see `debrief --help`".into(),
        )
        .into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("debrief: error: {err:#}");
            ExitCode::from(exit_code(&err))
        }
    }
}

/// 2 when the error is the input's fault, 1 otherwise.
fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.downcast_ref::<BadInput>().is_some() {
            return 2;
        }
        if let Some(media) = cause.downcast_ref::<MediaError>() {
            return if media.is_bad_input() { 2 } else { 1 };
        }
    }
    1
}

fn init_logging() {
    // Logs go to stderr, off by default (RUST_LOG=debrief=debug to see them); never PHI.
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    use std::io::IsTerminal as _;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

/// A progress bar on a terminal, nothing otherwise (CLI.md).
pub(crate) fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal as _;
    if !std::io::stdout().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}
