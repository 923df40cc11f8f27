//! `debrief import`, `debrief recording …`, `debrief retention run` and `debrief delete …`.

use super::*;

/// `debrief import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub who: Who,
    /// The recording to import (it is only read, never changed).
    file: PathBuf,
    /// Case id (not with --view-of: a view joins its recording's case).
    #[arg(long, required_unless_present = "view_of", conflicts_with = "view_of")]
    case: Option<String>,
    /// Add the file as another camera view of this recording (with --camera),
    /// not as a recording of its own. At most 4 views per recording.
    #[arg(long, value_name = "R", requires = "camera")]
    view_of: Option<String>,
    /// Why it was recorded: quality-improvement, education, clinical-care or research.
    #[arg(long, value_parser = parse::<Purpose>, default_value = "quality-improvement")]
    purpose: Purpose,
    /// Camera label.
    #[arg(long)]
    camera: Option<String>,
    /// Offset in ns from the case's first recording (multi-camera sync).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    offset_ns: i64,
    /// Print `{"recording_id", "frames"}` (with --view-of also `"view_id"`).
    #[arg(long)]
    json: bool,
}

pub fn import(args: &ImportArgs, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(size, "encrypting");
    let cancel = crate::cli::cancel_on_signals();
    let mut progress = |done, _| {
        bar.set_position(done);
        !cancel.load(std::sync::atomic::Ordering::Relaxed)
    };
    let imported = match (&args.view_of, &args.case) {
        (Some(recording), _) => {
            let camera = args.camera.as_deref().unwrap_or_default();
            vault.add_view(recording, &args.file, camera, &mut progress)?
        }
        (None, Some(case)) => {
            let options = ImportOptions {
                purpose: args.purpose,
                camera: args.camera.clone(),
                offset_ns: args.offset_ns,
            };
            vault.import(case, &args.file, options, &mut progress)?
        }
        (None, None) => return Err(BadInput("name the case: --case C".into()).into()),
    };
    bar.finish_and_clear();
    if args.json {
        print_json(&serde_json::to_value(&imported)?)?;
    } else {
        outln!(
            "{}",
            imported
                .view_id
                .as_deref()
                .unwrap_or(&imported.recording_id)
        )?;
    }
    Ok(())
}

/// `debrief recording …`.
#[derive(Debug, Subcommand)]
pub enum RecordingCommand {
    /// List a case's recordings.
    List {
        /// Case id.
        #[arg(long)]
        case: String,
        /// Print `{"recordings": [...]}`.
        #[arg(long)]
        json: bool,
    },
}

pub fn recording(cmd: &RecordingCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let vault = v.unlock()?;
    let RecordingCommand::List { case, json } = cmd;
    let list = vault.recordings(case)?;
    if *json {
        let items: Vec<_> = list
            .iter()
            .map(|r| {
                let mut value = serde_json::to_value(r).unwrap_or_default();
                value["days_until_deletion"] = serde_json::json!(vault.days_until_deletion(r));
                value
            })
            .collect();
        print_json(&serde_json::json!({ "recordings": items }))?;
    } else {
        for r in list {
            let state = match &r.shredded {
                Some((_, why)) => format!("deleted ({why})"),
                None => format!(
                    "deleted in {} days",
                    vault.days_until_deletion(&r).unwrap_or(0)
                ),
            };
            outln!("{}\t{}\t{} frames\t{}", r.id, r.purpose, r.frames, state)?;
        }
    }
    Ok(())
}

/// `debrief retention run`.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Crypto-shred what the policy says is due.
    Run {
        /// Print `{"shredded": [recording ids]}`.
        #[arg(long)]
        json: bool,
    },
}

pub fn retention(cmd: &RetentionCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    let RetentionCommand::Run { json } = cmd;
    let shredded = vault.run_retention()?;
    if *json {
        print_json(&serde_json::json!({ "shredded": shredded }))?;
    } else {
        outln!("{} recording(s) crypto-shredded", shredded.len())?;
    }
    Ok(())
}

/// `debrief delete …`.
#[derive(Debug, Subcommand)]
pub enum DeleteCommand {
    /// Crypto-shred a recording now (instructors).
    Recording {
        /// Recording id.
        id: String,
        /// Why (kept in the audit log).
        #[arg(long, default_value = "deleted by an instructor")]
        reason: String,
    },
}

pub fn delete(cmd: &DeleteCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    let DeleteCommand::Recording { id, reason } = cmd;
    vault.delete_recording(id, reason)?;
    Ok(())
}
