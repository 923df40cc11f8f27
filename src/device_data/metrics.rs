//! The codebook's data metrics on a recording's device data: time from a
//! code until a signal reaches a value ("birth to HR ≥ 100"), time outside
//! the target band ("SpO2 outside target after 5 min") and the share of
//! samples in a range ("inflations with Vt 4–8 ml/kg"). Times are the
//! recording's: each sample is placed on it by its source's mapping.

use super::targets::{self, Quantity};
use super::{DataSet, Mapping, Signal};
use crate::model::codebook::{Codebook, DataMetric, DataMetricKind};
use crate::model::metrics::DataMetricResult;
use crate::model::{Annotation, report::DataPlot};

/// The signal a metric names: the same name, else the same quantity.
fn find<'a>(sources: &[(Mapping, &'a DataSet)], name: &str) -> Option<(Mapping, &'a Signal)> {
    let wanted = Quantity::of(name);
    let all = || {
        sources
            .iter()
            .flat_map(|(m, set)| set.signals.iter().map(move |s| (*m, s)))
    };
    all()
        .find(|(_, s)| s.name.eq_ignore_ascii_case(name.trim()))
        .or_else(|| all().find(|(_, s)| wanted.is_some() && Quantity::of(&s.name) == wanted))
}

/// Every data metric of `book` on the recording's `annotations` and data
/// `sources` (each with its mapping), the recording lasting `end_ns`.
pub fn data_metrics(
    book: &Codebook,
    annotations: &[Annotation],
    sources: &[(Mapping, &DataSet)],
    end_ns: i64,
) -> Vec<DataMetricResult> {
    book.data_metrics
        .iter()
        .map(|m| one(m, &book.data_targets, annotations, sources, end_ns))
        .collect()
}

fn one(
    m: &DataMetric,
    own_targets: &[crate::model::codebook::DataTarget],
    annotations: &[Annotation],
    sources: &[(Mapping, &DataSet)],
    end_ns: i64,
) -> DataMetricResult {
    let (unit, target) = match m.kind {
        DataMetricKind::FractionInRange => ("fraction", m.target_fraction),
        _ => ("s", m.target_seconds),
    };
    let mut result = DataMetricResult {
        name: m.name.clone(),
        kind: m.kind.as_str(),
        signal: m.signal.clone(),
        value: None,
        unit,
        target,
        samples: 0,
        status: "incomplete",
    };
    let Some((mapping, signal)) = find(sources, &m.signal) else {
        result.status = "no data";
        return result;
    };
    result.signal.clone_from(&signal.name);
    let anchor = match &m.from {
        Some(code) => match annotations
            .iter()
            .filter(|a| &a.code == code)
            .map(|a| a.start_pts_ns)
            .min()
        {
            Some(at) => at,
            None => return result,
        },
        None => 0,
    };
    let start = anchor + (m.after_seconds * 1e9).round() as i64;
    // Samples on the recording's time, from the start to the recording's end.
    let samples: Vec<(i64, f32)> = (0..signal.len())
        .filter_map(|i| Some((mapping.ref_ns(signal.time_ns(i)?), *signal.values.get(i)?)))
        .filter(|(t, _)| *t >= start && *t <= end_ns)
        .collect();
    result.samples = samples.len();
    let data_end = samples.last().map_or(start, |(t, _)| *t);
    match m.kind {
        DataMetricKind::TimeTo => {
            let goal = m.at_least.unwrap_or(f64::INFINITY);
            match samples.iter().find(|(_, v)| f64::from(*v) >= goal) {
                Some((t, _)) => {
                    let s = (t - anchor) as f64 / 1e9;
                    result.value = Some((s * 1000.0).round() / 1000.0);
                    result.status = match target {
                        Some(limit) if s <= limit + 1e-9 => "met",
                        Some(_) => "missed",
                        None => "measured",
                    };
                }
                // Never reached: missed once the data runs past the target.
                None => {
                    if target.is_some_and(|limit| (data_end - anchor) as f64 / 1e9 > limit) {
                        result.status = "missed";
                    }
                }
            }
        }
        DataMetricKind::TimeOutsideTarget => {
            let hold = signal.hold_ns();
            let mut outside_ns = 0i64;
            let mut judged = false;
            for (k, (t, v)) in samples.iter().enumerate() {
                let minutes = m.from.as_ref().map(|_| (t - anchor) as f64 / 60e9);
                let band = targets::band_in(own_targets, &signal.name, minutes)
                    .or_else(|| targets::band_in(own_targets, &m.signal, minutes));
                let Some(band) = band else {
                    continue;
                };
                judged = true;
                let next = samples.get(k + 1).map_or(end_ns, |(n, _)| *n);
                if !band.contains(*v) {
                    outside_ns += (next - t).clamp(0, hold);
                }
            }
            if judged {
                let s = outside_ns as f64 / 1e9;
                result.value = Some((s * 1000.0).round() / 1000.0);
                result.status = match target {
                    Some(limit) if s <= limit + 1e-9 => "met",
                    Some(_) => "missed",
                    None => "measured",
                };
            }
        }
        DataMetricKind::FractionInRange => {
            if let (Some(low), Some(high), false) = (m.low, m.high, samples.is_empty()) {
                let inside = samples
                    .iter()
                    .filter(|(_, v)| (low..=high).contains(&f64::from(*v)))
                    .count();
                let share = inside as f64 / samples.len() as f64;
                result.value = Some((share * 1000.0).round() / 1000.0);
                result.status = match target {
                    Some(want) if share + 1e-9 >= want => "met",
                    Some(_) => "missed",
                    None => "measured",
                };
            }
        }
    }
    result
}

/// One plot per trend (and waveform) for the report: the min and max of
/// each of `columns` slices of the recording, on its own time.
pub fn plots(sources: &[(Mapping, &DataSet)], end_ns: i64, columns: usize) -> Vec<DataPlot> {
    let mut out = Vec::new();
    for (mapping, set) in sources {
        for s in &set.signals {
            let extremes = super::lanes::Extremes::new(&s.values);
            let edges: Vec<i64> = (0..=columns)
                .map(|c| mapping.view_ns((end_ns as f64 * c as f64 / columns as f64) as i64))
                .collect();
            let points: Vec<(f64, f32, f32)> = super::lanes::column_extremes(s, &extremes, &edges)
                .into_iter()
                .enumerate()
                .filter_map(|(c, mm)| {
                    let (lo, hi) = mm?;
                    Some((
                        end_ns as f64 / 1e9 * (c as f64 + 0.5) / columns as f64,
                        lo,
                        hi,
                    ))
                })
                .collect();
            if !points.is_empty() {
                out.push(DataPlot {
                    name: s.name.clone(),
                    unit: s.unit.clone(),
                    points,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device_data::{SignalKind, Times};

    fn trend(name: &str, values: &[f32]) -> Signal {
        Signal {
            name: name.into(),
            unit: String::new(),
            kind: SignalKind::Trend,
            times: Times::Regular {
                start_ns: 0,
                rate_hz: 1.0,
            },
            values: values.to_vec(),
        }
    }

    fn birth_at(s: i64) -> Annotation {
        crate::model::metrics::tests::event("birth", s as f64, None, "a")
    }

    fn metric(json: serde_json::Value) -> DataMetric {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn time_to_a_heart_rate_counts_from_birth_on_the_recordings_time() {
        let mut hr: Vec<f32> = vec![60.0; 100];
        hr[70] = 101.0;
        let set = DataSet {
            signals: vec![trend("Pulse rate", &hr)],
            ..DataSet::default()
        };
        // The device started 5 s before the video: data time = recording time + 5 s.
        let mapping = Mapping {
            offset_ns: 5_000_000_000,
            drift_ppm: 0.0,
        };
        let m = metric(serde_json::json!({
            "name": "Birth to HR ≥ 100", "kind": "time_to", "signal": "HR",
            "from": "birth", "at_least": 100, "target_seconds": 60
        }));
        let r = one(
            &m,
            &[],
            &[birth_at(10)],
            &[(mapping, &set)],
            200_000_000_000,
        );
        // Sample 70 is at recording time 65 s: 55 s after birth.
        assert_eq!(
            (r.value, r.status, r.signal.as_str()),
            (Some(55.0), "met", "Pulse rate")
        );
        let r = one(&m, &[], &[], &[(mapping, &set)], 200_000_000_000);
        assert_eq!(r.status, "incomplete", "no birth coded");
        let late = metric(serde_json::json!({
            "name": "x", "kind": "time_to", "signal": "HR", "from": "birth",
            "at_least": 200, "target_seconds": 30
        }));
        assert_eq!(
            one(
                &late,
                &[],
                &[birth_at(10)],
                &[(mapping, &set)],
                200_000_000_000
            )
            .status,
            "missed"
        );
        let none = one(&m, &[], &[birth_at(10)], &[], 1);
        assert_eq!(none.status, "no data");
    }

    #[test]
    fn time_outside_the_spo2_band_and_share_of_tidal_volumes_in_range() {
        let spo2 = vec![70.0f32; 900];
        let set = DataSet {
            signals: vec![trend("SpO2", &spo2), trend("Vt", &[3.0, 5.0, 6.0, 9.0])],
            ..DataSet::default()
        };
        let m = metric(serde_json::json!({
            "name": "SpO2 outside target after 5 min", "kind": "time_outside_target",
            "signal": "SpO2", "from": "birth", "after_seconds": 300, "target_seconds": 60
        }));
        let end = 900_000_000_000;
        let r = one(&m, &[], &[birth_at(0)], &[(Mapping::default(), &set)], end);
        // 70 % is under the band (80–85 % at 5 min and rising) from 300 s to the end: 600 s.
        assert_eq!((r.value, r.status), (Some(600.0), "missed"));
        let vt = metric(serde_json::json!({
            "name": "Vt 4–8", "kind": "fraction_in_range", "signal": "Vt",
            "low": 4, "high": 8, "target_fraction": 0.5
        }));
        let r = one(&vt, &[], &[], &[(Mapping::default(), &set)], end);
        assert_eq!((r.value, r.status, r.samples), (Some(0.5), "met", 4));
    }
}
