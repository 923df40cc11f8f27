//! `debrief annotations …` and `debrief annotate …`.

use super::*;

/// `debrief annotations …`.
#[derive(Debug, Subcommand)]
pub enum AnnotationsCommand {
    /// Write a recording's annotations in an interchange format (audited; private
    /// notes are never exported). Frames are exact; milliseconds are rounded the
    /// same way in every format.
    Export {
        /// Recording id.
        #[arg(long)]
        recording: String,
        /// json (Debrief, frame-exact), csv, eaf (ELAN 3.0), vtt (WebVTT) or srt (SubRip).
        #[arg(long, value_parser = parse::<ExportFormat>)]
        format: ExportFormat,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Add annotations from a Debrief JSON export or an ELAN EAF file to a
    /// recording, as you (one audited batch; nothing is added if any item is invalid).
    Import {
        /// Recording id.
        #[arg(long)]
        recording: String,
        /// json (Debrief) or eaf (ELAN 3.0).
        #[arg(long, value_parser = parse::<crate::vault::ImportFormat>)]
        format: crate::vault::ImportFormat,
        /// The file to read.
        #[arg(long = "in", value_name = "F")]
        input: PathBuf,
        /// Print `{"imported"}`.
        #[arg(long)]
        json: bool,
    },
}

pub fn annotations(cmd: &AnnotationsCommand, v: &VaultArgs) -> anyhow::Result<()> {
    if let AnnotationsCommand::Import {
        recording,
        format,
        input,
        json,
    } = cmd
    {
        let text = std::fs::read_to_string(input)
            .map_err(|e| BadInput(format!("cannot read {} ({e})", input.display())))?;
        let mut vault = v.unlock()?;
        let n =
            vault.import_annotations(recording, *format, &text, &input.display().to_string())?;
        if *json {
            print_json(&serde_json::json!({ "imported": n }))?;
        } else {
            eprintln!("Imported {n} annotations.");
        }
        return Ok(());
    }
    let AnnotationsCommand::Export {
        recording,
        format,
        out,
    } = cmd
    else {
        return Ok(());
    };
    let mut vault = v.unlock()?;
    let text = vault.export_annotations(recording, *format)?;
    crate::vault::fsutil::write_private(out, text.as_bytes())?;
    eprintln!("Wrote {} ({format}).", out.display());
    Ok(())
}

/// `debrief annotate …`.
#[derive(Debug, Subcommand)]
pub enum AnnotateCommand {
    /// Add an annotation at exact frames.
    Add {
        /// Recording id.
        #[arg(long)]
        recording: String,
        /// Code id from the case's codebook.
        #[arg(long)]
        code: String,
        /// First frame (0-based).
        #[arg(long)]
        frame: u64,
        /// Last frame, for duration codes (a duration without one stays open).
        #[arg(long)]
        end_frame: Option<u64>,
        /// Rating on the code's scale.
        #[arg(long)]
        rating: Option<f64>,
        /// Note.
        #[arg(long)]
        note: Option<String>,
        /// Keep the note private: encrypted so only you can read it.
        #[arg(long)]
        private: bool,
        /// Print `{"annotation_id"}`.
        #[arg(long)]
        json: bool,
    },
    /// List a recording's annotations.
    List {
        /// Recording id.
        #[arg(long)]
        recording: String,
        /// Print `{"annotations": [...]}`.
        #[arg(long)]
        json: bool,
    },
    /// Change an annotation (its author or an instructor).
    Edit {
        /// Annotation id.
        id: String,
        /// New first frame.
        #[arg(long)]
        frame: Option<u64>,
        /// New last frame.
        #[arg(long)]
        end_frame: Option<u64>,
        /// New rating.
        #[arg(long)]
        rating: Option<f64>,
        /// New note.
        #[arg(long)]
        note: Option<String>,
    },
    /// Delete an annotation (undo brings it back).
    Delete {
        /// Annotation id.
        id: String,
    },
    /// Undo your latest change on a recording.
    Undo {
        /// Recording id.
        #[arg(long)]
        recording: String,
    },
    /// Redo your latest undone change on a recording.
    Redo {
        /// Recording id.
        #[arg(long)]
        recording: String,
    },
}

pub fn annotate(cmd: &AnnotateCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    match cmd {
        AnnotateCommand::Add {
            recording,
            code,
            frame,
            end_frame,
            rating,
            note,
            private,
            json,
        } => {
            let (note, private_note) = if *private {
                (None, note.clone())
            } else {
                (note.clone(), None)
            };
            let id = vault.add_annotation(NewAnnotation {
                recording_id: recording.clone(),
                code: code.clone(),
                start_frame: *frame,
                end_frame: *end_frame,
                rating: *rating,
                note,
                private_note,
            })?;
            if *json {
                print_json(&serde_json::json!({ "annotation_id": id }))?;
            } else {
                outln!("{id}")?;
            }
        }
        AnnotateCommand::List { recording, json } => {
            let list = vault.annotations(recording)?;
            if *json {
                print_json(&serde_json::json!({ "recording_id": recording, "annotations": list }))?;
            } else {
                for a in list {
                    let end = a.end_frame.map_or(String::new(), |e| format!("-{e}"));
                    outln!(
                        "{}\t{}{}\t{}\t{}",
                        a.id,
                        a.start_frame,
                        end,
                        a.code,
                        a.note.as_deref().unwrap_or("")
                    )?;
                }
            }
        }
        AnnotateCommand::Edit {
            id,
            frame,
            end_frame,
            rating,
            note,
        } => {
            vault.update_annotation(
                id,
                AnnotationEdit {
                    start_frame: *frame,
                    end_frame: end_frame.map(Some),
                    rating: rating.map(Some),
                    note: note.clone().map(Some),
                    ..Default::default()
                },
            )?;
        }
        AnnotateCommand::Delete { id } => vault.delete_annotation(id)?,
        AnnotateCommand::Undo { recording } => {
            if vault.undo(recording)?.is_none() {
                return Err(BadInput("nothing to undo".into()).into());
            }
        }
        AnnotateCommand::Redo { recording } => {
            if vault.redo(recording)?.is_none() {
                return Err(BadInput("nothing to redo".into()).into());
            }
        }
    }
    Ok(())
}
