//! How a data set is laid out inside its encrypted vault file.
//!
//! ```text
//! "DBDATA01" · u64 LE length · JSON header (start, signals' names/units/kinds/counts/times, events)
//! then per signal: [i64 LE time × count, for listed times] · f32 LE value × count
//! ```
//!
//! Binary samples keep a day of 500 Hz waveform at 4 bytes a sample; the
//! whole file is age-encrypted by the vault, never written in plain.

use serde::{Deserialize, Serialize};

use super::{DataError, DataEvent, DataSet, DataStart, Signal, SignalKind, Times};

const MAGIC: &[u8; 8] = b"DBDATA01";

#[derive(Serialize, Deserialize)]
struct Header {
    start: Option<String>,
    start_is_time_of_day: bool,
    signals: Vec<SignalHeader>,
    events: Vec<DataEvent>,
}

#[derive(Serialize, Deserialize)]
struct SignalHeader {
    name: String,
    unit: String,
    kind: SignalKind,
    count: u64,
    /// `Some((start_ns, rate_hz))` for regular times; `None` when listed.
    regular: Option<(i64, f64)>,
}

/// The bytes of `set`.
pub fn encode(set: &DataSet) -> Vec<u8> {
    let (start, time_of_day) = match set.start {
        Some(DataStart::At(t)) => (Some(t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()), false),
        Some(DataStart::TimeOfDay(t)) => (Some(t.format("%H:%M:%S%.f").to_string()), true),
        None => (None, false),
    };
    let header = Header {
        start,
        start_is_time_of_day: time_of_day,
        signals: set
            .signals
            .iter()
            .map(|s| SignalHeader {
                name: s.name.clone(),
                unit: s.unit.clone(),
                kind: s.kind,
                count: s.values.len() as u64,
                regular: match s.times {
                    Times::Regular { start_ns, rate_hz } => Some((start_ns, rate_hz)),
                    Times::Listed(_) => None,
                },
            })
            .collect(),
        events: set.events.clone(),
    };
    let json = serde_json::to_vec(&header).unwrap_or_default();
    let mut out = Vec::with_capacity(16 + json.len() + set.samples() * 12);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    for s in &set.signals {
        if let Times::Listed(times) = &s.times {
            for t in times {
                out.extend_from_slice(&t.to_le_bytes());
            }
        }
        for v in &s.values {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], DataError> {
    if bytes.len() < n {
        return Err(DataError::Damaged("it ends early".into()));
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Ok(head)
}

/// The data set in `bytes` (as [`encode`] wrote it).
pub fn decode(mut bytes: &[u8]) -> Result<DataSet, DataError> {
    if take(&mut bytes, 8)? != MAGIC {
        return Err(DataError::Damaged(
            "it does not start as device data".into(),
        ));
    }
    let len = u64::from_le_bytes(
        take(&mut bytes, 8)?
            .try_into()
            .map_err(|_| DataError::Damaged("bad length".into()))?,
    );
    let len = usize::try_from(len).map_err(|_| DataError::Damaged("bad length".into()))?;
    let header: Header = serde_json::from_slice(take(&mut bytes, len)?)
        .map_err(|e| DataError::Damaged(format!("its header: {e}")))?;
    let start = match header.start {
        None => None,
        Some(s) if header.start_is_time_of_day => Some(DataStart::TimeOfDay(
            chrono::NaiveTime::parse_from_str(&s, "%H:%M:%S%.f")
                .map_err(|e| DataError::Damaged(e.to_string()))?,
        )),
        Some(s) => Some(DataStart::At(
            chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S%.f")
                .map_err(|e| DataError::Damaged(e.to_string()))?,
        )),
    };
    let mut signals = Vec::with_capacity(header.signals.len());
    for s in header.signals {
        let count = usize::try_from(s.count).map_err(|_| DataError::Damaged("bad count".into()))?;
        let times = match s.regular {
            Some((start_ns, rate_hz)) if rate_hz > 0.0 && rate_hz.is_finite() => {
                Times::Regular { start_ns, rate_hz }
            }
            Some(_) => return Err(DataError::Damaged("a signal without a rate".into())),
            None => Times::Listed(
                take(&mut bytes, count.saturating_mul(8))?
                    .chunks_exact(8)
                    .map(|c| i64::from_le_bytes(c.try_into().unwrap_or_default()))
                    .collect(),
            ),
        };
        let values = take(&mut bytes, count.saturating_mul(4))?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        signals.push(Signal {
            name: s.name,
            unit: s.unit,
            kind: s.kind,
            times,
            values,
        });
    }
    if !bytes.is_empty() {
        return Err(DataError::Damaged(
            "it has bytes past its last signal".into(),
        ));
    }
    Ok(DataSet {
        start,
        signals,
        events: header.events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damage() {
        let set = DataSet {
            start: Some(DataStart::At(
                chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
                    .unwrap()
                    .and_hms_milli_opt(10, 0, 0, 250)
                    .unwrap(),
            )),
            signals: vec![
                Signal {
                    name: "HR".into(),
                    unit: "/min".into(),
                    kind: SignalKind::Trend,
                    times: Times::Listed(vec![0, 5, 9]),
                    values: vec![1.0, 2.5, -3.0],
                },
                Signal {
                    name: "Paw".into(),
                    unit: "cmH2O".into(),
                    kind: SignalKind::Waveform,
                    times: Times::Regular {
                        start_ns: 7,
                        rate_hz: 500.0,
                    },
                    values: vec![0.5; 1000],
                },
            ],
            events: vec![DataEvent {
                at_ns: 3,
                duration_ns: None,
                text: "shock".into(),
            }],
        };
        let bytes = encode(&set);
        assert_eq!(decode(&bytes).unwrap(), set);
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        assert!(decode(b"nonsense").is_err());
    }
}
