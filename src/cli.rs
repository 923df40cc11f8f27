//! The `debrief` command line: every headless operation, one subcommand each.
//!
//! Raw arguments are parsed once by clap into checked settings; each
//! subcommand is a function returning `anyhow::Result`. Errors are printed
//! once, here, as one line; the exit code says whose fault it was (2: bad
//! input or a refused operation; 1: an internal failure). See `CLI.md`.

/// `println!` that returns an error instead of panicking when standard output
/// is closed or full (`debrief … | head -1`, `> /dev/full`).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*))
    };
}

mod analysis_cmds;
mod bench;
mod bench_app;
mod bench_data;
mod bench_export;
mod bench_mpv;
mod bench_record;
mod bench_views;
mod export_cmds;
mod figures;
mod media_cmds;
mod vault_cmds;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

use crate::media::MediaError;

/// Debrief: frame-accurate review of clinical recordings.
#[derive(Debug, Parser)]
#[command(name = "debrief", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    gui: GuiArgs,
    #[command(flatten)]
    vault: vault_cmds::VaultArgs,
}

/// Options shared by every command that opens a window (before or after its name).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GuiArgs {
    /// Render the window, save a PNG of it to this file and exit (for docs and checks under Xvfb).
    #[arg(long, value_name = "F.png")]
    pub screenshot: Option<PathBuf>,
    /// With --screenshot: how many frames to render before taking it.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub screenshot_after_frames: u32,
    /// After unlocking, select this case in the library.
    #[arg(long, value_name = "C")]
    pub open_case: Option<String>,
    /// After unlocking, open this recording for review.
    #[arg(long, value_name = "R")]
    pub open_recording: Option<String>,
    /// Lock the vault after this many minutes without input.
    #[arg(long, value_name = "MIN", default_value_t = 10)]
    pub idle_lock_minutes: u64,
    /// With --open-recording: set the clip range to frames A–B and open the export
    /// window, running the face preview (for docs and checks).
    #[arg(long, value_name = "A-B", value_parser = parse_range)]
    pub export_range: Option<(u64, u64)>,
    /// After unlocking, open the codebook editor on a copy of this codebook (for docs and checks).
    #[arg(long, value_name = "ID")]
    pub copy_codebook: Option<String>,
    /// With --open-recording: show this frame (for docs and checks).
    #[arg(long, value_name = "N")]
    pub go_to: Option<u64>,
    /// After unlocking, open the Record screen on the case (--open-case; the demo's case by default).
    #[arg(long)]
    pub record: bool,
    /// With --record: start recording the screen's test cameras at once (for docs and checks).
    #[arg(long, requires = "record")]
    pub start_recording: bool,
}

/// `WIDTHxHEIGHT` (`x` or `X`), as every `--size` takes it.
pub(crate) fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let err = || format!("'{s}' is not a size: write WIDTHxHEIGHT, e.g. 1280x720");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(err)?;
    Ok((
        w.trim().parse().map_err(|_| err())?,
        h.trim().parse().map_err(|_| err())?,
    ))
}

fn parse_range(s: &str) -> Result<(u64, u64), String> {
    let err = || format!("'{s}' is not a frame range: write FIRST-LAST, e.g. 120-300");
    let (a, b) = s.split_once('-').ok_or_else(err)?;
    let (a, b): (u64, u64) = (
        a.trim().parse().map_err(|_| err())?,
        b.trim().parse().map_err(|_| err())?,
    );
    if a > b {
        return Err(err());
    }
    Ok((a, b))
}

impl GuiArgs {
    /// These options, or `other`'s where these are not set.
    fn or(&self, other: &Self) -> Self {
        Self {
            screenshot: self.screenshot.clone().or_else(|| other.screenshot.clone()),
            screenshot_after_frames: if self.screenshot.is_some() {
                self.screenshot_after_frames
            } else {
                other.screenshot_after_frames
            },
            open_case: self.open_case.clone().or_else(|| other.open_case.clone()),
            open_recording: self
                .open_recording
                .clone()
                .or_else(|| other.open_recording.clone()),
            idle_lock_minutes: self.idle_lock_minutes.min(other.idle_lock_minutes),
            export_range: self.export_range.or(other.export_range),
            copy_codebook: self
                .copy_codebook
                .clone()
                .or_else(|| other.copy_codebook.clone()),
            go_to: self.go_to.or(other.go_to),
            record: self.record || other.record,
            start_recording: self.start_recording || other.start_recording,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write synthetic media whose every frame carries its own index as a machine-readable code.
    Testsrc(media_cmds::TestsrcArgs),
    /// Describe a media file: streams, codecs, size, exact frame count, frame rate.
    Probe(media_cmds::ProbeArgs),
    /// Write exactly one frame of a media file (or a vault recording) as PNG.
    Frame(media_cmds::FrameArgs),
    /// Create a vault; --user names its first instructor.
    Init(vault_cmds::InitArgs),
    /// Manage vault members.
    User(vault_cmds::Group<vault_cmds::UserCommand>),
    /// Create and list cases.
    Case(vault_cmds::Group<vault_cmds::CaseCommand>),
    /// Codebooks in the vault.
    Codebook(vault_cmds::Group<vault_cmds::CodebookCommand>),
    /// Participants of a case.
    Participant(vault_cmds::Group<vault_cmds::ParticipantCommand, vault_cmds::SecretOnly>),
    /// The consent and retention policy: show, validate, replace.
    Policy(vault_cmds::Group<vault_cmds::PolicyCommand>),
    /// The triple-consent ledger.
    Consent(vault_cmds::Group<vault_cmds::ConsentCommand>),
    /// The unit's roster of standing staff consent (who may be recorded, until when).
    Staff(vault_cmds::Group<vault_cmds::StaffCommand>),
    /// Encrypt a recording into the vault.
    Import(vault_cmds::ImportArgs),
    /// Record cameras and a microphone straight into the vault (encrypted from the first
    /// byte; a crash keeps all but the last moments, sealed at the next unlock).
    Record(vault_cmds::RecordArgs),
    /// A recording's camera views: how each follows the reference (offset, drift, what set
    /// it); set one by hand, nudge it, or find every view's by its sound (--auto).
    Sync(vault_cmds::SyncArgs),
    /// A case's recordings.
    Recording(vault_cmds::Group<vault_cmds::RecordingCommand>),
    /// Device data beside a recording (monitor CSV/TSV, EDF+): import, list, align.
    Data(vault_cmds::Group<vault_cmds::DataCommand>),
    /// Annotations on a recording.
    Annotate(vault_cmds::Group<vault_cmds::AnnotateCommand>),
    /// Export a recording's annotations for other tools (JSON, CSV, ELAN, subtitles).
    Annotations(vault_cmds::Group<vault_cmds::AnnotationsCommand>),
    /// Interval metrics from the codebook (e.g. birth to ventilation ≤ 60 s) on a recording.
    Metrics(analysis_cmds::MetricsArgs),
    /// Agreement between two raters on a recording: Cohen's κ per category, event matching.
    Agreement(analysis_cmds::AgreementArgs),
    /// A printable debrief report of a recording (HTML): summary, timeline, time targets, events.
    Report(analysis_cmds::ReportArgs),
    /// Cut de-identified clips for plenary review.
    Export(vault_cmds::Group<export_cmds::ExportCommand>),
    /// Plenary packages: encrypted files of clips for the presenter.
    Package(vault_cmds::Group<export_cmds::PackageCommand, vault_cmds::UserOnly>),
    /// The tamper-evident audit log.
    Audit(vault_cmds::Group<vault_cmds::AuditCommand>),
    /// Crypto-shred what the retention policy says is due.
    Retention(vault_cmds::Group<vault_cmds::RetentionCommand>),
    /// Crypto-shred now.
    Delete(vault_cmds::Group<vault_cmds::DeleteCommand>),
    /// Which engine the face detector runs on (ONNX Runtime, or tract when its library is
    /// missing), and the library it loaded.
    Detector(export_cmds::DetectorArgs),
    /// Benchmarks that print figures (never pass/fail).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Open a plain player window on a media file: play/pause, frame steps, scrubber.
    Play(media_cmds::PlayArgs),
    /// Presenter mode on a plenary package: playlist, exact steps, slow motion, loop,
    /// annotations, black screen, drawing. The package's passphrase from env
    /// DEBRIEF_PACKAGE_PASSPHRASE (or DEBRIEF_PASSPHRASE, its older name here; a wrong one
    /// exits 2 before any window), an age identity file, or the window's prompt.
    Present(PresentArgs),
    /// Create (once) and open a demo vault: passphrase `demo`, a generated recording with
    /// consent and annotations, opened on the review screen.
    Demo(DemoArgs),
}

/// `debrief present`.
#[derive(Debug, clap::Args)]
struct PresentArgs {
    /// The plenary package (.dbpkg).
    #[arg(value_name = "F.dbpkg")]
    file: PathBuf,
    /// Open with this age identity file (AGE-SECRET-KEY-1…) instead of a passphrase.
    #[arg(long, value_name = "F")]
    identity: Option<PathBuf>,
    /// Record this presentation in the local vault's audit log (--vault, --user; the
    /// vault passphrase from --vault-passphrase-file (or --passphrase-file), env
    /// DEBRIEF_VAULT_PASSPHRASE or a prompt). Without it the presenter keeps no record.
    #[arg(long)]
    audit: bool,
    /// With --audit: read the vault passphrase from this file (the same as --vault-passphrase-file).
    #[arg(long, value_name = "F")]
    passphrase_file: Option<std::path::PathBuf>,
    /// Open full screen on screen N (1 is the first; the projector is usually 2).
    /// In the window, M moves the presentation to the next screen.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    monitor: Option<u16>,
    #[command(flatten)]
    gui: GuiArgs,
}

fn present(args: &PresentArgs, gui: &GuiArgs, vault: &vault_cmds::VaultArgs) -> anyhow::Result<()> {
    use crate::app::present::{self, PresentOptions};
    if !args.file.is_file() {
        return Err(BadInput(format!(
            "no plenary package here; check the path: {}",
            args.file.display()
        ))
        .into());
    }
    // Nothing of a session may be written: not even the GL driver's shader cache.
    // SAFETY: no other thread exists yet (GStreamer and the window start later).
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("MESA_SHADER_CACHE_DISABLE", "true");
    }
    let today = chrono::Local::now().date_naive();
    let opened = if let Some(file) = &args.identity {
        Some(present::open_with_key_file(&args.file, file, today).map_err(BadInput)?)
    } else if let Some(pass) = package_passphrase_from_env() {
        let pass = age::secrecy::SecretString::from(pass);
        Some(present::open_package(&args.file, &pass, today).map_err(BadInput)?)
    } else {
        None
    };
    if args.audit {
        let Some((package, _)) = &opened else {
            return Err(BadInput(
                "--audit needs the package opened before the window: give its passphrase in \
                 DEBRIEF_PASSPHRASE or use --identity"
                    .into(),
            )
            .into());
        };
        let vault = vault_cmds::VaultArgs {
            passphrase_file: args
                .passphrase_file
                .clone()
                .or_else(|| vault.passphrase_file.clone()),
            ..vault.clone()
        };
        let user = vault.user()?;
        // Not DEBRIEF_PASSPHRASE: here it is the package's.
        let pass = vault_cmds::read_passphrase(
            vault.vault_passphrase_file()?,
            &["DEBRIEF_VAULT_PASSPHRASE"],
            &format!("Vault passphrase for {user}: "),
            false,
        )?;
        let mut v = crate::vault::Vault::unlock(&vault.dir(), user, &pass)?;
        let (sha256, _) = crate::export::hash_file(&args.file)?;
        let clips: Vec<String> = package
            .manifest()
            .map(|m| m.clips.into_iter().map(|c| c.id).collect())
            .unwrap_or_default();
        v.record_presentation(&sha256, &clips)?;
    }
    present::run(PresentOptions {
        path: args.file.clone(),
        opened,
        today,
        screenshot: gui
            .screenshot
            .clone()
            .map(|p| (p, gui.screenshot_after_frames)),
        monitor: args.monitor.map(|n| usize::from(n) - 1),
    })
}

/// The package's passphrase from the environment: DEBRIEF_PACKAGE_PASSPHRASE, or
/// DEBRIEF_PASSPHRASE, its older name here (`present` never reads the vault's
/// passphrase from it: that one is DEBRIEF_VAULT_PASSPHRASE).
fn package_passphrase_from_env() -> Option<String> {
    ["DEBRIEF_PACKAGE_PASSPHRASE", "DEBRIEF_PASSPHRASE"]
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|p| !p.is_empty()))
}

/// `debrief demo`.
#[derive(Debug, clap::Args)]
struct DemoArgs {
    /// Where the demo vault lives [default: next to the default vault, in `debrief/demo`].
    #[arg(long, value_name = "DIR")]
    vault: Option<PathBuf>,
    #[command(flatten)]
    gui: GuiArgs,
}

fn app_options(gui: &GuiArgs) -> crate::app::AppOptions {
    crate::app::AppOptions {
        open_case: gui.open_case.clone(),
        open_recording: gui.open_recording.clone(),
        export_range: gui.export_range,
        go_to: gui.go_to,
        record: gui.record,
        start_recording: gui.start_recording,
        copy_codebook: gui.copy_codebook.clone(),
        idle_lock: std::time::Duration::from_secs(gui.idle_lock_minutes.max(1) * 60),
        screenshot: gui
            .screenshot
            .clone()
            .map(|p| (p, gui.screenshot_after_frames)),
        ..Default::default()
    }
}

/// `debrief`: the application on the default (or given) vault. With
/// DEBRIEF_USER and DEBRIEF_PASSPHRASE set it unlocks at start.
fn app(gui: &GuiArgs, vault: &vault_cmds::VaultArgs) -> anyhow::Result<()> {
    let passphrase = std::env::var("DEBRIEF_PASSPHRASE")
        .ok()
        .filter(|p| !p.is_empty())
        .map(age::secrecy::SecretString::from);
    let options = crate::app::AppOptions {
        vault_dir: vault.dir(),
        user: vault.user.clone(),
        passphrase,
        ..app_options(gui)
    };
    crate::app::run(options)
}

fn demo(args: &DemoArgs, gui: &GuiArgs) -> anyhow::Result<()> {
    let dir = args.vault.clone().unwrap_or_else(|| {
        let default = crate::vault::default_dir();
        default
            .parent()
            .map_or_else(|| PathBuf::from("debrief-demo"), |p| p.join("demo"))
    });
    let bar = progress_bar(100, "preparing the demo");
    let ids = crate::demo::ensure(&dir, &mut |step, done, total| {
        bar.set_message(step.to_owned());
        bar.set_length(total.max(1));
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    let options = crate::app::AppOptions {
        vault_dir: dir,
        user: Some(crate::demo::USER.into()),
        passphrase: Some(crate::demo::passphrase()),
        open_case: Some(gui.open_case.clone().unwrap_or(ids.case_id)),
        open_recording: gui
            .open_recording
            .clone()
            .or(Some(ids.recording_id))
            .filter(|_| (gui.open_case.is_none() && !gui.record) || gui.open_recording.is_some()),
        ..app_options(gui)
    };
    crate::app::run(options)
}

/// An error that is the user's to fix (exit code 2): bad arguments, refused operations.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Standard output could not be written (exit 2, or quietly 0 when the reader went away).
#[derive(Debug, thiserror::Error)]
#[error("cannot write the output ({0}): free some disk space or send the output elsewhere")]
pub struct StdoutFailed(std::io::Error);

/// Writes one line to standard output and flushes it, so a failure is seen here.
pub(crate) fn write_stdout(line: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_fmt(line)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| StdoutFailed(e).into())
}

/// Parses the arguments; a mistake is one line on stderr and exit 2 (`--help` has the long form).
fn parse_args() -> Result<Cli, ExitCode> {
    match Cli::try_parse() {
        Ok(cli) => Ok(cli),
        Err(err) if !err.use_stderr() => {
            // --help and --version: clap prints them as asked.
            let _ = err.print();
            Err(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("debrief: error: {}", one_line_usage_error(&err));
            Err(ExitCode::from(2))
        }
    }
}

/// Clap's several-line argument error as one line: the problem, its tip, where help is.
fn one_line_usage_error(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let mut problem = String::new();
    let mut tip = String::new();
    let mut in_problem = false;
    for raw in text.lines() {
        let line = raw.trim();
        if in_problem && raw.starts_with(' ') && !line.is_empty() {
            // The list under "the following required arguments were not provided:".
            problem.push_str(if problem.ends_with(':') { " " } else { ", " });
            problem.push_str(line);
            continue;
        }
        in_problem = false;
        if let Some(rest) = line.strip_prefix("error:") {
            problem = rest.trim().to_owned();
            in_problem = true;
        } else if let Some(rest) = line.strip_prefix("tip:") {
            tip = rest.trim().to_owned();
        }
    }
    if problem.is_empty() {
        problem = text
            .lines()
            .next()
            .unwrap_or("bad arguments")
            .trim()
            .to_owned();
    }
    // The subcommand the arguments name, for the pointer to its help.
    let mut command = Cli::command();
    let mut path = vec!["debrief".to_owned()];
    for arg in std::env::args().skip(1) {
        let Some(sub) = command.find_subcommand(&arg).cloned() else {
            continue;
        };
        path.push(arg);
        command = sub;
    }
    let command = path.join(" ");
    let mut line = problem;
    if !tip.is_empty() {
        line.push_str(&format!("; {tip}"));
    }
    line.push_str(&format!(" (see '{command} --help')"));
    line
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    init_logging();
    let result = match cli.command {
        Some(Command::Testsrc(args)) => media_cmds::testsrc(&args),
        Some(Command::Probe(args)) => media_cmds::probe(&args),
        Some(Command::Detector(args)) => export_cmds::detector(&args),
        Some(Command::Frame(args)) => media_cmds::frame(&args, &cli.vault),
        Some(Command::Init(args)) => vault_cmds::init(&args, &cli.vault.acting(&args.who)),
        Some(Command::User(g)) => vault_cmds::user(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Case(g)) => vault_cmds::case(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Codebook(g)) => vault_cmds::codebook(&g.cmd, &cli.vault.acting(&g.who)),
        // `participant add --user U` names the provider to link: the acting user comes
        // from DEBRIEF_USER or `debrief --user NAME participant …`.
        Some(Command::Participant(g)) => {
            vault_cmds::participant(&g.cmd, &cli.vault.acting(&(&g.who).into()))
        }
        Some(Command::Policy(g)) => vault_cmds::policy(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Consent(g)) => vault_cmds::consent(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Staff(g)) => vault_cmds::staff(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Import(args)) => vault_cmds::import(&args, &cli.vault.acting(&args.who)),
        Some(Command::Record(args)) => vault_cmds::record(&args, &cli.vault.acting(&args.who)),
        Some(Command::Sync(args)) => vault_cmds::sync(&args, &cli.vault.acting(&args.who)),
        Some(Command::Recording(g)) => vault_cmds::recording(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Data(g)) => vault_cmds::data(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Annotate(g)) => vault_cmds::annotate(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Annotations(g)) => vault_cmds::annotations(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Metrics(args)) => analysis_cmds::metrics(&args, &cli.vault.acting(&args.who)),
        Some(Command::Agreement(args)) => {
            analysis_cmds::agreement(&args, &cli.vault.acting(&args.who))
        }
        Some(Command::Report(args)) => analysis_cmds::report(&args, &cli.vault.acting(&args.who)),
        Some(Command::Export(g)) => export_cmds::export(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Package(g)) => {
            export_cmds::package(&g.cmd, &cli.vault.acting(&(&g.who).into()))
        }
        Some(Command::Audit(g)) => vault_cmds::audit(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Retention(g)) => vault_cmds::retention(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Delete(g)) => vault_cmds::delete(&g.cmd, &cli.vault.acting(&g.who)),
        Some(Command::Bench(cmd)) => bench::run(&cmd),
        Some(Command::Play(args)) => media_cmds::play(&args, &cli.gui.or(&args.gui)),
        Some(Command::Demo(args)) => demo(&args, &cli.gui.or(&args.gui)),
        Some(Command::Present(args)) => present(&args, &cli.gui.or(&args.gui), &cli.vault),
        None => app(&cli.gui, &cli.vault),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if reader_went_away(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("debrief: error: {err:#}");
            ExitCode::from(exit_code(&err))
        }
    }
}

/// True when standard output's reader closed it (`| head -1`): nothing to report, as ripgrep does.
fn reader_went_away(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<StdoutFailed>()
            .is_some_and(|e| e.0.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// 2 when the error is the input's fault, 1 otherwise.
fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.downcast_ref::<BadInput>().is_some()
            || cause.downcast_ref::<StdoutFailed>().is_some()
        {
            return 2;
        }
        if let Some(media) = cause.downcast_ref::<MediaError>() {
            return if media.is_bad_input() { 2 } else { 1 };
        }
        if let Some(vault) = cause.downcast_ref::<crate::vault::VaultError>() {
            return if vault.is_bad_input() { 2 } else { 1 };
        }
    }
    1
}

fn init_logging() {
    // Logs go to stderr, off by default so a failure prints exactly one line
    // (RUST_LOG=debrief=debug to see them); they never hold PHI.
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "off".into());
    use std::io::IsTerminal as _;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

/// Sets the returned flag on Ctrl-C, `kill` (SIGTERM) or a closed terminal
/// (SIGHUP), so a long export or import stops cleanly and removes its partial
/// file; the same signal again exits at once. (SIGKILL cannot be caught: the
/// next start removes what such a process left, see `crate::files`.)
pub(crate) fn cancel_on_signals() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let flag = std::sync::Arc::new(AtomicBool::new(false));
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let handler = std::sync::Arc::clone(&flag);
        let action = move || {
            if handler.swap(true, Ordering::SeqCst) {
                // SAFETY: _exit is async-signal-safe.
                #[allow(unsafe_code)]
                unsafe {
                    libc::_exit(130)
                };
            }
        };
        // SAFETY: the action only swaps an atomic flag or exits: both async-signal-safe.
        #[allow(unsafe_code)]
        let _ = unsafe { signal_hook_registry::register(signal, action) };
    }
    flag
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
