//! Device data beside the video (issue 18): heart rate, SpO2 and ventilation
//! read from the monitors' own files and shown as lanes on the timeline.
//!
//! ```text
//! CSV/TSV (csv.rs) ─┐                       ┌─► encoding.rs ─► age file in the vault (vault::data_store)
//! EDF/EDF+ (edf.rs) ┴─► DataSet (signals, ──┤
//!                       events, start)      └─► lanes.rs: min/max per pixel column, values under the playhead
//! ```
//!
//! A data set keeps its own time ("data time", ns from the device's start)
//! and is placed on the recording's timeline by a [`Mapping`] exactly like a
//! camera view: `data = offset + recording × (1 + ppm / 10⁶)`, fitted from
//! pairs of one event seen on the video and in the data
//! ([`crate::views::marks::fit`]). Pure logic over bytes and numbers: no file
//! is opened here, so every reader can be fuzzed as a function.

pub mod csv;
pub mod edf;
pub mod encoding;
pub mod lanes;
pub mod metrics;
pub mod targets;

use serde::Serialize;

pub use crate::views::Mapping;

/// How a signal is drawn: a strip of every sample, or a step line of values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignalKind {
    /// Slowly changing values (HR, SpO2, FiO2): a step line with the current value.
    Trend,
    /// A curve sampled many times a second (pressure, flow): min/max per pixel column.
    Waveform,
}

impl SignalKind {
    /// The name stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trend => "trend",
            Self::Waveform => "waveform",
        }
    }

    /// The kind a signal sampled at `rate_hz` gets unless told otherwise:
    /// ten or more samples a second is a waveform.
    pub fn by_rate(rate_hz: f64) -> Self {
        if rate_hz >= 10.0 {
            Self::Waveform
        } else {
            Self::Trend
        }
    }
}

/// When a signal's samples were taken, in data time (ns).
#[derive(Clone, Debug, PartialEq)]
pub enum Times {
    /// Evenly spaced: sample `i` at `start_ns + i × 10⁹ / rate_hz`.
    Regular {
        /// The first sample's time.
        start_ns: i64,
        /// Samples per second (above 0).
        rate_hz: f64,
    },
    /// Each sample's own time, never decreasing.
    Listed(Vec<i64>),
}

/// One measured quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    /// Its name in the source file ("HR", "SpO2", "Paw").
    pub name: String,
    /// Physical unit ("/min", "%", "cmH2O"); empty when the file gave none.
    pub unit: String,
    /// How it is drawn.
    pub kind: SignalKind,
    /// When the samples were taken.
    pub times: Times,
    /// The samples' values, one per time.
    pub values: Vec<f32>,
}

impl Signal {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when it holds no sample.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Data time (ns) of sample `i`.
    pub fn time_ns(&self, i: usize) -> Option<i64> {
        match &self.times {
            Times::Regular { start_ns, rate_hz } => (i < self.values.len())
                .then(|| start_ns + (i as f64 * 1e9 / rate_hz).round() as i64),
            Times::Listed(t) => t.get(i).copied(),
        }
    }

    /// The first sample at or after `t_ns` (may be `len()`).
    pub fn first_at_or_after(&self, t_ns: i64) -> usize {
        match &self.times {
            Times::Regular { start_ns, rate_hz } => {
                let pos = ((t_ns - start_ns) as f64 * rate_hz / 1e9).ceil();
                let mut i = pos.clamp(0.0, self.values.len() as f64) as usize;
                // Rounding of the times themselves: step to the exact boundary.
                while i > 0 && self.time_ns(i - 1).is_some_and(|t| t >= t_ns) {
                    i -= 1;
                }
                while self.time_ns(i).is_some_and(|t| t < t_ns) {
                    i += 1;
                }
                i
            }
            Times::Listed(t) => t.partition_point(|&x| x < t_ns),
        }
    }

    /// Samples with `t0_ns ≤ time < t1_ns`.
    pub fn range(&self, t0_ns: i64, t1_ns: i64) -> std::ops::Range<usize> {
        let a = self.first_at_or_after(t0_ns);
        let b = self.first_at_or_after(t1_ns).max(a);
        a..b
    }

    /// Samples a second (for listed times: over the whole signal).
    pub fn rate_hz(&self) -> Option<f64> {
        match &self.times {
            Times::Regular { rate_hz, .. } => Some(*rate_hz),
            Times::Listed(t) => match (t.first(), t.last()) {
                (Some(a), Some(b)) if b > a => Some((t.len() - 1) as f64 * 1e9 / (b - a) as f64),
                _ => None,
            },
        }
    }

    /// First and last sample times.
    pub fn span_ns(&self) -> Option<(i64, i64)> {
        Some((self.time_ns(0)?, self.time_ns(self.len().checked_sub(1)?)?))
    }

    /// The value shown at data time `t_ns`: the last sample at or before it,
    /// held for at most `hold_ns` (then the device had stopped measuring).
    pub fn value_at(&self, t_ns: i64) -> Option<f32> {
        let i = self
            .first_at_or_after(t_ns.saturating_add(1))
            .checked_sub(1)?;
        let at = self.time_ns(i)?;
        (t_ns - at <= self.hold_ns())
            .then(|| self.values.get(i).copied())
            .flatten()
    }

    /// How long a value stands: three sample periods, at least two seconds.
    pub fn hold_ns(&self) -> i64 {
        let period = self.rate_hz().map_or(0.0, |r| 1e9 / r);
        ((3.0 * period) as i64).max(2_000_000_000)
    }
}

/// The device's clock at data time 0, in local time as devices write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataStart {
    /// A date and a time.
    At(chrono::NaiveDateTime),
    /// A time of day only (the recording's date is assumed).
    TimeOfDay(chrono::NaiveTime),
}

/// An event the device noted (EDF+ annotations: "shock", "probe on").
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct DataEvent {
    /// When, in data time (ns).
    pub at_ns: i64,
    /// How long, when given.
    pub duration_ns: Option<i64>,
    /// The device's text.
    pub text: String,
}

/// Everything one device file holds.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DataSet {
    /// The device's clock at data time 0, when the file says.
    pub start: Option<DataStart>,
    /// The signals, in file order.
    pub signals: Vec<Signal>,
    /// Events, by time.
    pub events: Vec<DataEvent>,
}

/// A signal as `data import --json` and `data list` print it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignalSummary {
    /// Its name.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// `trend` or `waveform`.
    pub kind: &'static str,
    /// Samples a second.
    pub rate_hz: Option<f64>,
    /// Number of samples.
    pub samples: usize,
}

impl DataSet {
    /// One summary per signal.
    pub fn summaries(&self) -> Vec<SignalSummary> {
        self.signals
            .iter()
            .map(|s| SignalSummary {
                name: s.name.clone(),
                unit: s.unit.clone(),
                kind: s.kind.as_str(),
                rate_hz: s.rate_hz().map(|r| (r * 1000.0).round() / 1000.0),
                samples: s.len(),
            })
            .collect()
    }

    /// First and last sample time over every signal and event.
    pub fn span_ns(&self) -> Option<(i64, i64)> {
        let spans = self
            .signals
            .iter()
            .filter_map(Signal::span_ns)
            .chain(self.events.iter().map(|e| (e.at_ns, e.at_ns)));
        spans.fold(None, |acc, (a, b)| match acc {
            None => Some((a, b)),
            Some((x, y)) => Some((x.min(a), y.max(b))),
        })
    }

    /// Samples over every signal.
    pub fn samples(&self) -> usize {
        self.signals.iter().map(Signal::len).sum()
    }
}

/// Why a device file was refused: where, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file breaks its format at a named place (a line, a header field, a record).
    #[error("{place}: {problem}")]
    Malformed {
        /// "line 14, column 'SpO2'", "EDF header field 'number of data records'", "data record 12".
        place: String,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// The file parses but holds nothing to show.
    #[error("the file holds no samples: {0}")]
    Empty(String),
    /// Stored data that does not decode (a damaged vault file).
    #[error("stored device data is damaged: {0}")]
    Damaged(String),
}

impl DataError {
    pub(crate) fn at(place: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Malformed {
            place: place.into(),
            problem: problem.into(),
        }
    }
}

/// A device file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// European Data Format, EDF or EDF+.
    Edf,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "tsv" | "tab" => Ok(Self::Tsv),
            "edf" | "edf+" => Ok(Self::Edf),
            _ => Err(format!(
                "'{s}' is not a device data format: use csv, tsv or edf"
            )),
        }
    }
}

impl Format {
    /// The format a file name suggests (`.edf`, `.tsv`/`.tab`, else CSV).
    pub fn guess(name: &str, head: &[u8]) -> Self {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".edf") || head.starts_with(b"0       ") {
            Self::Edf
        } else if lower.ends_with(".tsv")
            || lower.ends_with(".tab")
            || head
                .split(|&b| b == b'\n')
                .next()
                .is_some_and(|l| l.contains(&b'\t') && !l.contains(&b','))
        {
            Self::Tsv
        } else {
            Self::Csv
        }
    }

    /// The name stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Tsv => "tsv",
            Self::Edf => "edf",
        }
    }
}

/// One value shown at a moment: on the video, or burned into a clip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    /// "HR", or the signal's own name.
    pub label: String,
    /// The value, rounded for reading.
    pub value: String,
    /// Its unit.
    pub unit: String,
    /// Outside its target band.
    pub outside: bool,
}

/// The trend values at recording time `rec_ns` of every source (each with
/// its mapping): known quantities (HR, SpO2, FiO2, PIP, PEEP, Vt) first, at
/// most six, each marked when outside its target band (`targets`, the
/// codebook's, else the built-in ones; minutes of life from `birth_ns`).
pub fn readings_at(
    sources: &[(Mapping, &DataSet)],
    rec_ns: i64,
    birth_ns: Option<i64>,
    targets: &[crate::model::codebook::DataTarget],
) -> Vec<Reading> {
    let minutes = birth_ns.map(|b| (rec_ns - b) as f64 / 60e9);
    let mut out: Vec<(usize, Reading)> = Vec::new();
    for (mapping, set) in sources {
        let data_ns = mapping.view_ns(rec_ns);
        for s in set.signals.iter().filter(|s| s.kind == SignalKind::Trend) {
            let Some(v) = s.value_at(data_ns) else {
                continue;
            };
            let (rank, label) = match targets::Quantity::of(&s.name) {
                Some(q) => (q as usize, q.label().to_owned()),
                None => (100 + out.len(), s.name.clone()),
            };
            let outside =
                targets::band_in(targets, &s.name, minutes).is_some_and(|b| !b.contains(v));
            let value = format_value(v);
            out.push((
                rank,
                Reading {
                    label,
                    value,
                    unit: s.unit.clone(),
                    outside,
                },
            ));
        }
    }
    out.sort_by_key(|(rank, _)| *rank);
    out.into_iter().take(6).map(|(_, r)| r).collect()
}

/// A value as people read it off a monitor: whole from 100 up, else one
/// decimal, without a trailing ".0" (16-bit EDF samples are rarely exact).
pub fn format_value(v: f32) -> String {
    let text = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    };
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_owned(),
        None => text,
    }
}

/// Readings as one line of text ("HR 91 /min  SpO2 78 %"), for a clip.
pub fn readings_line(readings: &[Reading]) -> String {
    readings
        .iter()
        .map(|r| {
            if r.unit.is_empty() {
                format!("{} {}", r.label, r.value)
            } else {
                format!("{} {} {}", r.label, r.value, r.unit)
            }
        })
        .collect::<Vec<_>>()
        .join("  ")
}

/// Reads a device file's bytes in `format` (`options` apply to CSV/TSV).
pub fn parse(
    bytes: &[u8],
    format: Format,
    options: &csv::CsvOptions,
) -> Result<DataSet, DataError> {
    let set = match format {
        Format::Csv => csv::parse(bytes, b',', options)?,
        Format::Tsv => csv::parse(bytes, b'\t', options)?,
        Format::Edf => edf::parse(bytes)?,
    };
    if set.signals.iter().all(Signal::is_empty) && set.events.is_empty() {
        return Err(DataError::Empty(
            "no signal has a value; check the file is the device's export".into(),
        ));
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regular(n: usize, rate_hz: f64) -> Signal {
        Signal {
            name: "x".into(),
            unit: String::new(),
            kind: SignalKind::Waveform,
            times: Times::Regular {
                start_ns: 1_000,
                rate_hz,
            },
            values: (0..n).map(|i| i as f32).collect(),
        }
    }

    #[test]
    fn ranges_of_regular_and_listed_times_agree() {
        let reg = regular(1000, 300.0);
        let listed = Signal {
            times: Times::Listed((0..1000).map(|i| reg.time_ns(i).unwrap_or(0)).collect()),
            ..reg.clone()
        };
        for (t0, t1) in [
            (0, 10),
            (1_000, 1_001),
            (3_334_333, 3_334_334),
            (3_334_334, 500_000_000),
            (-5, 5_000_000_000),
            (2_000_000_000, 1_000),
        ] {
            assert_eq!(reg.range(t0, t1), listed.range(t0, t1), "{t0}..{t1}");
        }
        assert_eq!(reg.range(1_000, 1_001), 0..1);
    }

    #[test]
    fn a_trend_value_holds_until_the_next_sample_and_then_goes_stale() {
        let hr = Signal {
            name: "HR".into(),
            unit: "/min".into(),
            kind: SignalKind::Trend,
            times: Times::Listed(vec![0, 1_000_000_000, 2_000_000_000]),
            values: vec![80.0, 95.0, 110.0],
        };
        assert_eq!(hr.value_at(-1), None);
        assert_eq!(hr.value_at(0), Some(80.0));
        assert_eq!(hr.value_at(999_999_999), Some(80.0));
        assert_eq!(hr.value_at(1_000_000_000), Some(95.0));
        assert_eq!(hr.value_at(4_000_000_000), Some(110.0));
        assert_eq!(hr.value_at(9_000_000_000), None, "stale after the hold");
    }

    #[test]
    fn formats_are_guessed_from_names_and_first_bytes() {
        assert_eq!(Format::guess("a.EDF", b""), Format::Edf);
        assert_eq!(Format::guess("a.dat", b"0       x"), Format::Edf);
        assert_eq!(Format::guess("a.txt", b"time\tHR\n0\t1"), Format::Tsv);
        assert_eq!(Format::guess("a.txt", b"time,HR\n0,1"), Format::Csv);
        assert!("xls".parse::<Format>().is_err());
    }
}
