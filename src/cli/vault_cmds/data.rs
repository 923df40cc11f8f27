//! `debrief data …`: device data (monitor CSV/TSV, EDF+) beside a recording.

use super::*;
use crate::device_data::Format;
use crate::device_data::csv::{CsvOptions, TimeFormat};
use crate::views::marks::Mark;

/// `debrief data …`.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Import a device file into a recording, encrypted (instructors; the file is only read).
    Import {
        /// The device file: CSV/TSV with a time column, or EDF/EDF+.
        file: PathBuf,
        /// The recording it belongs to.
        #[arg(long)]
        recording: String,
        /// csv, tsv or edf [default: from the file's name and first bytes].
        #[arg(long)]
        format: Option<Format>,
        /// CSV/TSV: the time column, by name or number (1 = first) [default: one named
        /// "time"/"timestamp"/"t", else the first].
        #[arg(long, value_name = "C")]
        time_column: Option<String>,
        /// CSV/TSV: seconds, ms, clock (HH:MM:SS[.fff]) or datetime [default: guessed].
        #[arg(long, value_name = "F")]
        time_format: Option<TimeFormat>,
        /// CSV/TSV: a column's unit, over the file's (repeatable).
        #[arg(long, value_name = "COLUMN=UNIT")]
        unit: Vec<String>,
        /// CSV/TSV: draw this column as a waveform (repeatable) [default: 10 Hz or more].
        #[arg(long, value_name = "COLUMN")]
        waveform: Vec<String>,
        /// CSV/TSV: draw this column as a trend (repeatable).
        #[arg(long, value_name = "COLUMN")]
        trend: Vec<String>,
        /// Print `{"source_id", "signals": [{"name", "unit", "rate_hz", "samples"}]}`.
        #[arg(long)]
        json: bool,
    },
    /// A recording's data sources, their signals and alignment.
    List {
        /// The recording.
        #[arg(long)]
        recording: String,
        /// Print `{"sources": [...]}`.
        #[arg(long)]
        json: bool,
    },
    /// Align a data source with the video: pair events seen on both (one pair sets the
    /// offset, two or more fit the drift too), set it by hand, or undo the last change.
    Align {
        /// The data source.
        #[arg(long)]
        source: String,
        /// One event: its time on the recording and in the data, both in ms (repeatable).
        #[arg(long, value_name = "VIDEO_MS=DATA_MS")]
        pair: Vec<String>,
        /// Where the data's time 0 falls on the recording, in ms (by hand).
        #[arg(
            long,
            value_name = "MS",
            allow_negative_numbers = true,
            conflicts_with = "pair"
        )]
        offset_ms: Option<f64>,
        /// The data clock's drift in ppm (by hand, with --offset-ms).
        #[arg(long, requires = "offset_ms", allow_negative_numbers = true)]
        ppm: Option<f64>,
        /// Put back the alignment before the last change.
        #[arg(long, conflicts_with_all = ["pair", "offset_ms"])]
        undo: bool,
        /// Print `{"offset_ms", "ppm", "residual_ms", ...}`.
        #[arg(long)]
        json: bool,
    },
}

fn pairs_of(text: &[String]) -> Result<Vec<(String, String)>, BadInput> {
    text.iter()
        .map(|p| {
            p.split_once('=')
                .map(|(a, b)| (a.trim().to_owned(), b.trim().to_owned()))
                .ok_or_else(|| BadInput(format!("'{p}' is not NAME=VALUE")))
        })
        .collect()
}

fn ms_to_ns(text: &str) -> Result<i64, BadInput> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| (v * 1e6).round() as i64)
        .ok_or_else(|| BadInput(format!("'{text}' is not a time in milliseconds")))
}

pub fn data(cmd: &DataCommand, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    match cmd {
        DataCommand::Import {
            file,
            recording,
            format,
            time_column,
            time_format,
            unit,
            waveform,
            trend,
            json,
        } => {
            let options = CsvOptions {
                time_column: time_column.clone(),
                time_format: *time_format,
                units: pairs_of(unit)?,
                waveforms: waveform.clone(),
                trends: trend.clone(),
            };
            let (source, _) = vault.import_data(recording, file, *format, &options)?;
            if *json {
                print_json(&serde_json::json!({
                    "source_id": source.source_id,
                    "signals": source.signals,
                    "events": source.events,
                    "alignment": source.alignment_json(),
                }))?;
            } else {
                outln!("{}", source.source_id)?;
            }
        }
        DataCommand::List { recording, json } => {
            let sources = vault.data_sources(recording)?;
            if *json {
                let list: Vec<_> = sources.iter().map(|s| s.to_json()).collect();
                print_json(&serde_json::json!({ "sources": list }))?;
            } else {
                for s in sources {
                    let names: Vec<&str> = s.signals.iter().map(|x| x.name.as_str()).collect();
                    outln!(
                        "{}\t{}\t{}\toffset {:+.1} ms, {:+.1} ppm ({})",
                        s.source_id,
                        s.format,
                        names.join(","),
                        -(s.mapping.offset_ns as f64) / 1e6,
                        s.mapping.drift_ppm,
                        s.sync_source
                    )?;
                }
            }
        }
        DataCommand::Align {
            source,
            pair,
            offset_ms,
            ppm,
            undo,
            json,
        } => {
            let aligned = if *undo {
                vault.undo_data_alignment(source)?
            } else if let Some(offset) = offset_ms {
                let offset_ns = ms_to_ns(&offset.to_string())?;
                vault.set_data_mapping(
                    source,
                    crate::views::Mapping {
                        offset_ns: -offset_ns,
                        drift_ppm: ppm.unwrap_or(0.0),
                    },
                    "manual",
                    &[],
                )?
            } else if pair.is_empty() {
                return Err(BadInput(
                    "say how to align: --pair VIDEO_MS=DATA_MS (one or more), --offset-ms, or --undo"
                        .into(),
                )
                .into());
            } else {
                let marks = pairs_of(pair)?
                    .into_iter()
                    .map(|(video, data)| {
                        Ok(Mark {
                            ref_ns: ms_to_ns(&video)?,
                            view_ns: ms_to_ns(&data)?,
                        })
                    })
                    .collect::<Result<Vec<_>, BadInput>>()?;
                vault.align_data(source, &marks)?
            };
            if *json {
                print_json(&aligned.alignment_json())?;
            } else {
                let a = aligned.alignment_json();
                outln!(
                    "offset {} ms, {} ppm, largest residual {} ms ({})",
                    a["offset_ms"],
                    a["ppm"],
                    a["residual_ms"],
                    aligned.sync_source
                )?;
            }
        }
    }
    Ok(())
}
