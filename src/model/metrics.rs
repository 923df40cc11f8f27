//! Interval metrics from a codebook: time from one code to another against a target.
//!
//! "Birth → first ventilation ≤ 60 s": the interval starts at the first
//! event of the `from` code and ends at the first event of the `to` code
//! that starts at or after it. Times come from the frames' PTS, so they are
//! exact. A metric whose `to` never happens is **missed** once the recording
//! runs past the target (the team did not get there in time), otherwise
//! **incomplete**, as is one whose `from` never happens.

use serde::Serialize;

use super::Annotation;
use super::codebook::Codebook;

/// One metric on one recording.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricResult {
    /// The metric's name.
    pub name: String,
    /// Code the interval starts at.
    pub from: String,
    /// Code it ends at.
    pub to: String,
    /// Target in seconds.
    pub target_seconds: f64,
    /// Frame of the starting event.
    pub from_frame: Option<u64>,
    /// Frame of the ending event.
    pub to_frame: Option<u64>,
    /// The interval in seconds (when both happened).
    pub seconds: Option<f64>,
    /// `met`, `missed` or `incomplete`.
    pub status: &'static str,
}

/// One data metric (a codebook's `data_metrics`) on one recording.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DataMetricResult {
    /// The metric's name.
    pub name: String,
    /// `time_to`, `time_outside_target` or `fraction_in_range`.
    pub kind: &'static str,
    /// The signal it was computed on, as named in the data (or as asked when none matched).
    pub signal: String,
    /// Seconds (`time_to`, `time_outside_target`) or a share from 0 to 1 (`fraction_in_range`).
    pub value: Option<f64>,
    /// `s` or `fraction`.
    pub unit: &'static str,
    /// The target (≤ seconds, or ≥ share), when the codebook sets one.
    pub target: Option<f64>,
    /// Samples it was computed from.
    pub samples: usize,
    /// `met`, `missed`, `measured` (no target), `incomplete` (the start is
    /// not coded, or the data ends first) or `no data` (no such signal).
    pub status: &'static str,
}

/// Every metric of `book` on `annotations` of a recording lasting `end_ns`.
pub fn interval_metrics(
    book: &Codebook,
    annotations: &[Annotation],
    end_ns: i64,
) -> Vec<MetricResult> {
    book.metrics
        .iter()
        .map(|m| {
            let first = |code: &str, not_before: i64| {
                annotations
                    .iter()
                    .filter(|a| a.code == code && a.start_pts_ns >= not_before)
                    .min_by_key(|a| (a.start_pts_ns, a.start_frame))
            };
            let from = first(&m.from, i64::MIN);
            let to = from.and_then(|f| first(&m.to, f.start_pts_ns));
            let seconds = match (from, to) {
                (Some(f), Some(t)) => Some((t.start_pts_ns - f.start_pts_ns) as f64 / 1e9),
                _ => None,
            };
            let status = match (from, seconds) {
                (_, Some(s)) if s <= m.target_seconds + 1e-9 => "met",
                (_, Some(_)) => "missed",
                (Some(f), None) if (end_ns - f.start_pts_ns) as f64 / 1e9 > m.target_seconds => {
                    "missed"
                }
                _ => "incomplete",
            };
            MetricResult {
                name: m.name.clone(),
                from: m.from.clone(),
                to: m.to.clone(),
                target_seconds: m.target_seconds,
                from_frame: from.map(|a| a.start_frame),
                to_frame: to.map(|a| a.start_frame),
                seconds: seconds.map(|s| (s * 1000.0).round() / 1000.0),
                status,
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::codebook::{Metric, NEONATAL};

    /// A point event of `code` at `seconds` (30 fps), by `author`.
    pub(crate) fn event(code: &str, seconds: f64, end: Option<f64>, author: &str) -> Annotation {
        let frame = |s: f64| (s * 30.0).round() as u64;
        let ns = |s: f64| (frame(s) as i64) * 1_000_000_000 / 30;
        Annotation {
            id: format!("{code}-{seconds}-{author}"),
            recording_id: "r".into(),
            code: code.into(),
            start_frame: frame(seconds),
            end_frame: end.map(frame),
            start_pts_ns: ns(seconds),
            end_pts_ns: end.map(ns),
            rating: None,
            note: None,
            private_note: None,
            has_private_note: false,
            author: author.into(),
            created_at: String::new(),
            edited_at: None,
        }
    }

    fn book() -> Codebook {
        let mut b = Codebook::from_json(NEONATAL).unwrap();
        b.metrics = vec![Metric {
            name: "Golden minute".into(),
            from: "birth".into(),
            to: "ppv".into(),
            target_seconds: 60.0,
        }];
        b
    }

    #[test]
    fn met_missed_and_incomplete() {
        let s = 1_000_000_000i64;
        // PPV 45 s after birth (an earlier PPV, before birth, does not count).
        let a = vec![
            event("ppv", 2.0, Some(3.0), "x"),
            event("birth", 10.0, None, "x"),
            event("ppv", 55.0, Some(70.0), "x"),
        ];
        let r = &interval_metrics(&book(), &a, 300 * s)[0];
        assert_eq!(
            (r.status, r.seconds, r.from_frame, r.to_frame),
            ("met", Some(45.0), Some(300), Some(1650))
        );
        // 75 s: missed.
        let a = vec![
            event("birth", 10.0, None, "x"),
            event("ppv", 85.0, None, "x"),
        ];
        assert_eq!(interval_metrics(&book(), &a, 300 * s)[0].status, "missed");
        // Never ventilated, recording ran 2 minutes past birth: missed; only 30 s recorded: incomplete.
        let a = vec![event("birth", 10.0, None, "x")];
        assert_eq!(interval_metrics(&book(), &a, 130 * s)[0].status, "missed");
        assert_eq!(
            interval_metrics(&book(), &a, 40 * s)[0].status,
            "incomplete"
        );
        assert_eq!(
            interval_metrics(&book(), &[], 400 * s)[0].status,
            "incomplete"
        );
        // Exactly on target is met.
        let a = vec![
            event("birth", 10.0, None, "x"),
            event("ppv", 70.0, None, "x"),
        ];
        assert_eq!(interval_metrics(&book(), &a, 300 * s)[0].status, "met");
    }
}
