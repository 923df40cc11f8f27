//! Small helpers the benchmarks share for their figures.

use std::time::Instant;

/// Milliseconds since `since`.
pub(crate) fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// The `p`th percentile (nearest rank), rounded to 0.01 ms.
pub(crate) fn pct(values: &mut [f64], p: usize) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = (p * values.len()).div_ceil(100).clamp(1, values.len());
    (values.get(rank - 1).copied().unwrap_or(0.0) * 100.0).round() / 100.0
}

/// Prints a benchmark's figures: one line of JSON with `--json`, else indented.
pub(crate) fn print(value: &serde_json::Value, json: bool) -> anyhow::Result<()> {
    if json {
        outln!("{value}")?;
    } else {
        outln!("{}", serde_json::to_string_pretty(value)?)?;
    }
    Ok(())
}
