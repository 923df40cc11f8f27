//! `debrief sync`: a recording's camera views and how each follows the reference.

use super::*;
use crate::views::audio::CONFIRM_BELOW;
use crate::views::{Mapping, SyncSource, View};

/// `debrief sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub who: Who,
    /// The recording.
    #[arg(long, value_name = "R")]
    recording: String,
    /// Find each view's mapping by its sound (or only --view's) and keep it when the
    /// match is sure (score ≥ 0.70); a weaker match is printed, not kept.
    #[arg(long, conflicts_with_all = ["offset_ms", "nudge_ms"])]
    auto: bool,
    /// The view to set: its id or camera label.
    #[arg(long, value_name = "V")]
    view: Option<String>,
    /// Where the view's start falls on the recording's timeline, in ms (positive: the
    /// camera started later than the reference).
    #[arg(
        long,
        value_name = "X",
        requires = "view",
        allow_negative_numbers = true
    )]
    offset_ms: Option<f64>,
    /// How fast the view's clock runs against the reference's, in parts per million
    /// [default: the view's current drift].
    #[arg(
        long,
        value_name = "Y",
        requires = "view",
        allow_negative_numbers = true
    )]
    ppm: Option<f64>,
    /// Move the view by X ms (positive: its pictures come later), keeping its drift.
    #[arg(
        long,
        value_name = "X",
        requires = "view",
        allow_negative_numbers = true,
        conflicts_with = "offset_ms"
    )]
    nudge_ms: Option<f64>,
    /// Print `{"recording_id", "views": [{"view_id", "camera", "reference", "offset_ms",
    /// "ppm", "source", "score"}]}`.
    #[arg(long)]
    json: bool,
}

fn ms_to_ns(ms: f64) -> Result<i64, BadInput> {
    if !ms.is_finite() || ms.abs() > 86_400_000.0 {
        return Err(BadInput(format!(
            "{ms} ms is not an offset: give milliseconds within a day"
        )));
    }
    Ok((ms * 1e6).round() as i64)
}

pub fn sync(args: &SyncArgs, v: &VaultArgs) -> anyhow::Result<()> {
    let mut vault = v.unlock()?;
    let mut refused = Vec::new();
    if let Some(name) = &args.view
        && !args.auto
    {
        let view = vault.view(&args.recording, name)?;
        let drift = args.ppm.unwrap_or(view.mapping.drift_ppm);
        let start = match (args.offset_ms, args.nudge_ms) {
            (Some(ms), _) => ms_to_ns(ms)?,
            (None, Some(ms)) => view.mapping.start_ns() + ms_to_ns(ms)?,
            (None, None) if args.ppm.is_some() => view.mapping.start_ns(),
            (None, None) => {
                return Err(BadInput(
                    "say what to set: --offset-ms X [--ppm Y], --nudge-ms X, or --auto".into(),
                )
                .into());
            }
        };
        let mapping = Mapping::starting_at(start, drift);
        vault.set_view_mapping(&view.view_id, mapping, SyncSource::Manual, None)?;
    }
    if args.auto {
        let views = vault.views(&args.recording)?;
        let chosen = match &args.view {
            Some(name) => vec![vault.view(&args.recording, name)?],
            None => views.into_iter().filter(|v| !v.reference).collect(),
        };
        if chosen.iter().all(|v| v.reference) {
            return Err(BadInput(
                "this recording has only its reference view: add another with \
                 `debrief import FILE --view-of R --camera LABEL`"
                    .into(),
            )
            .into());
        }
        for view in chosen.iter().filter(|v| !v.reference) {
            let name = view.camera.clone().unwrap_or_else(|| view.view_id.clone());
            let bar = progress_bar(1000, &format!("matching the sound of {name}"));
            let found = vault.sync_view_by_audio(&view.view_id, &mut |done, total| {
                bar.set_position((done.max(0) * 1000 / total.max(1)) as u64);
                true
            });
            bar.finish_and_clear();
            match found {
                Ok(found) if found.confidence >= CONFIRM_BELOW => {
                    vault.set_view_mapping(
                        &view.view_id,
                        found.mapping,
                        SyncSource::Audio,
                        Some(found.confidence),
                    )?;
                }
                Ok(found) => refused.push(format!(
                    "{name}: the sound matched only weakly (score {:.2} < {CONFIRM_BELOW:.2}; \
                     offset {:.1} ms, {:.1} ppm, {} of {} windows): check it on screen, then set it \
                     with --view {name} --offset-ms X --ppm Y, or use sync marks",
                    found.confidence,
                    found.mapping.start_ns() as f64 / 1e6,
                    found.mapping.drift_ppm,
                    found.windows.0,
                    found.windows.1
                )),
                Err(e) => refused.push(format!("{name}: {e}")),
            }
        }
    }
    let views = vault.views(&args.recording)?;
    if args.json {
        print_json(&serde_json::json!({
            "recording_id": args.recording,
            "views": views.iter().map(View::to_json).collect::<Vec<_>>(),
        }))?;
    } else {
        for v in &views {
            outln!(
                "{}\t{}\t{:+.1} ms\t{:+.1} ppm\t{}{}",
                v.camera.as_deref().unwrap_or("-"),
                if v.reference { "reference" } else { &v.view_id },
                v.mapping.start_ns() as f64 / 1e6,
                v.mapping.drift_ppm,
                v.source.as_str(),
                v.score
                    .map(|s| format!(" (score {s:.2})"))
                    .unwrap_or_default()
            )?;
        }
    }
    if !refused.is_empty() {
        return Err(BadInput(format!("not changed — {}", refused.join("; "))).into());
    }
    Ok(())
}
