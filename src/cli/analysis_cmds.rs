//! `debrief metrics`, `debrief agreement` and `debrief report`.

use clap::Args;

use super::vault_cmds::{VaultArgs, Who};

/// `debrief metrics`.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(flatten)]
    pub who: Who,
    /// Recording id.
    #[arg(long)]
    recording: String,
    /// Only this rater's annotations (a vault user name).
    #[arg(long, value_name = "NAME")]
    rater: Option<String>,
    /// Print `{"recording_id", "metrics": [{name, from, to, target_seconds, from_frame, to_frame, seconds, status}]}`.
    #[arg(long)]
    json: bool,
}

/// `debrief agreement`.
#[derive(Debug, Args)]
pub struct AgreementArgs {
    #[command(flatten)]
    pub who: Who,
    /// Recording id.
    #[arg(long)]
    recording: String,
    /// The two raters (vault user names), the first as the reference: A,B.
    #[arg(long, value_delimiter = ',', num_args = 1, required = true)]
    raters: Vec<String>,
    /// Time unit for Cohen's κ, seconds.
    #[arg(long, value_name = "S", default_value_t = 1.0)]
    unit_seconds: f64,
    /// Tolerance for matching events, seconds.
    #[arg(long, value_name = "S", default_value_t = 1.0)]
    tolerance_seconds: f64,
    /// Print `{"recording_id", "raters", "unit_seconds", "tolerance_seconds", "kappa": [...], "events": [...]}`.
    #[arg(long)]
    json: bool,
}

/// `debrief report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub who: Who,
    /// Recording id.
    #[arg(long)]
    recording: String,
    /// Where to write the page (`.html`).
    #[arg(long, value_name = "F.html")]
    out: std::path::PathBuf,
    /// Leave shared notes out (private notes are never printed).
    #[arg(long)]
    no_notes: bool,
}

pub fn report(args: &ReportArgs, v: &VaultArgs) -> anyhow::Result<()> {
    let is_html = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    if !is_html {
        return Err(super::BadInput(format!(
            "{}: the report is an HTML page: name the file with .html",
            args.out.display()
        ))
        .into());
    }
    let mut vault = v.unlock()?;
    let html = vault.report(&args.recording, !args.no_notes)?;
    crate::vault::fsutil::write_private(&args.out, html.as_bytes())?;
    eprintln!("Wrote the debrief report: {}", args.out.display());
    Ok(())
}

pub fn metrics(args: &MetricsArgs, v: &VaultArgs) -> anyhow::Result<()> {
    let vault = v.unlock()?;
    let results = vault.metrics(&args.recording, args.rater.as_deref())?;
    let from_data = vault.data_metrics(&args.recording, args.rater.as_deref())?;
    if args.json {
        outln!(
            "{}",
            serde_json::json!({
                "recording_id": args.recording,
                "metrics": results,
                "data_metrics": from_data,
            })
        )?;
    } else {
        for m in &from_data {
            let value = m.value.map_or("—".to_owned(), |v| {
                if m.unit == "fraction" {
                    format!("{:.0} %", v * 100.0)
                } else {
                    format!("{v:.1} s")
                }
            });
            outln!("{} ({}): {value} — {}", m.name, m.signal, m.status)?;
        }
        for m in &results {
            let took = m.seconds.map_or("—".to_owned(), |s| format!("{s:.1} s"));
            outln!(
                "{}: {took} (target {} s) — {}",
                m.name,
                m.target_seconds,
                m.status
            )?;
        }
        if results.is_empty() {
            outln!("The codebook defines no interval metrics.")?;
        }
    }
    Ok(())
}

pub fn agreement(args: &AgreementArgs, v: &VaultArgs) -> anyhow::Result<()> {
    let [a, b] = args.raters.as_slice() else {
        return Err(super::BadInput("name exactly two raters: --raters A,B".into()).into());
    };
    let vault = v.unlock()?;
    let report = vault.agreement(
        &args.recording,
        a,
        b,
        args.unit_seconds,
        args.tolerance_seconds,
    )?;
    if args.json {
        outln!("{}", serde_json::to_string(&report)?)?;
    } else {
        outln!("Cohen's κ per category ({} s units):", args.unit_seconds)?;
        for k in &report.kappa {
            let kappa = k
                .kappa
                .map_or("undefined".to_owned(), |x| format!("{x:.3}"));
            outln!(
                "  {:<24} κ = {kappa}  (observed {:.3}, chance {:.3})",
                k.category,
                k.observed,
                k.expected
            )?;
        }
        outln!(
            "Events matched within ±{} s ({a} as reference):",
            args.tolerance_seconds
        )?;
        for e in &report.events {
            let pct =
                |x: Option<f64>| x.map_or("—".to_owned(), |v| format!("{:.0} %", v * 100.0));
            outln!(
                "  {:<24} {a}: {}  {b}: {}  matched {}  precision {}  recall {}",
                e.code,
                e.a,
                e.b,
                e.matched,
                pct(e.precision),
                pct(e.recall)
            )?;
        }
    }
    Ok(())
}
