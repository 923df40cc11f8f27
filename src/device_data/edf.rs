//! EDF and EDF+ (European Data Format), as the specification at edfplus.info
//! writes them: a 256-byte header, 256 bytes per signal, then data records
//! of 16-bit little-endian samples, each signal's samples of a record
//! together. EDF+ adds "EDF Annotations" signals holding time-stamped
//! annotation lists (TALs): the first TAL of each record gives the record's
//! start (which is how EDF+D files leave gaps), the others are events.
//!
//! Checked against files written by EDFlib (through pyedflib): see
//! `tests/data/` and its generating script. No crate for EDF+ that we
//! found was past an early version, so this small reader follows the
//! specification and refuses, by field or by record, whatever breaks it.

use chrono::{NaiveDate, NaiveTime};

use super::{DataError, DataEvent, DataSet, DataStart, Signal, SignalKind, Times};

const ANNOTATIONS: &str = "EDF Annotations";

struct SignalHeader {
    label: String,
    unit: String,
    physical: (f64, f64),
    digital: (i64, i64),
    samples_per_record: usize,
}

/// A fixed-width ASCII header field.
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Fields<'a> {
    fn take(&mut self, width: usize, name: &str) -> Result<&'a str, DataError> {
        let field = self.bytes.get(self.at..self.at + width).ok_or_else(|| {
            DataError::at(
                format!("EDF header field '{name}'"),
                format!(
                    "the header ends at byte {} before this field; the file is cut short or not EDF",
                    self.bytes.len()
                ),
            )
        })?;
        self.at += width;
        std::str::from_utf8(field).map(str::trim).map_err(|_| {
            DataError::at(format!("EDF header field '{name}'"), "it is not ASCII text")
        })
    }

    fn number<T: std::str::FromStr>(&mut self, width: usize, name: &str) -> Result<T, DataError> {
        let text = self.take(width, name)?;
        text.parse().map_err(|_| {
            DataError::at(
                format!("EDF header field '{name}'"),
                format!("'{text}' is not a number"),
            )
        })
    }
}

fn start_of(date: &str, time: &str) -> Result<chrono::NaiveDateTime, DataError> {
    let parts = |s: &str| -> Option<(u32, u32, u32)> {
        let mut it = s.split(['.', ':']).map(|p| p.trim().parse::<u32>().ok());
        Some((it.next()??, it.next()??, it.next()??))
    };
    let (d, m, y) = parts(date).ok_or_else(|| {
        DataError::at(
            "EDF header field 'startdate'",
            format!("'{date}' is not dd.mm.yy"),
        )
    })?;
    // The specification's clipping date: 85–99 is 1985–1999, 00–84 is 2000–2084.
    let year = if y >= 85 { 1900 + y } else { 2000 + y };
    let date = NaiveDate::from_ymd_opt(year as i32, m, d).ok_or_else(|| {
        DataError::at(
            "EDF header field 'startdate'",
            format!("'{date}' is not a date"),
        )
    })?;
    let (h, mi, s) = parts(time).ok_or_else(|| {
        DataError::at(
            "EDF header field 'starttime'",
            format!("'{time}' is not hh.mm.ss"),
        )
    })?;
    let time = NaiveTime::from_hms_opt(h, mi, s).ok_or_else(|| {
        DataError::at(
            "EDF header field 'starttime'",
            format!("'{time}' is not a time of day"),
        )
    })?;
    Ok(date.and_time(time))
}

/// Seconds as written in a TAL ("+12.5", "-0.25") → ns.
fn tal_seconds(text: &str) -> Option<i64> {
    let ok = text.starts_with(['+', '-'])
        && text
            .get(1..)
            .is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_digit() || c == '.'));
    ok.then(|| text.parse::<f64>().ok())
        .flatten()
        .map(|s| (s * 1e9).round() as i64)
}

/// One TAL: onset, duration, texts (empty for a record's time-keeping TAL).
type Tal = (i64, Option<i64>, Vec<String>);

fn parse_tals(bytes: &[u8], record: usize) -> Result<Vec<Tal>, DataError> {
    let place = || format!("data record {record}, EDF Annotations");
    let mut out = Vec::new();
    for tal in bytes.split(|&b| b == 0).filter(|t| !t.is_empty()) {
        let text = String::from_utf8_lossy(tal);
        let mut parts = text.split('\u{14}');
        let head = parts.next().unwrap_or_default();
        let (onset, duration) = match head.split_once('\u{15}') {
            Some((o, d)) => (o, Some(d)),
            None => (head, None),
        };
        let onset = tal_seconds(onset).ok_or_else(|| {
            DataError::at(place(), format!("'{onset}' is not an onset (+seconds)"))
        })?;
        let duration = match duration {
            Some(d) => Some(
                d.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .map(|v| (v * 1e9).round() as i64)
                    .ok_or_else(|| DataError::at(place(), format!("'{d}' is not a duration")))?,
            ),
            None => None,
        };
        let texts: Vec<String> = parts.filter(|t| !t.is_empty()).map(str::to_owned).collect();
        out.push((onset, duration, texts));
    }
    Ok(out)
}

/// Reads an EDF or EDF+ file's bytes.
pub fn parse(bytes: &[u8]) -> Result<DataSet, DataError> {
    let mut f = Fields { bytes, at: 0 };
    let version = f.take(8, "version")?;
    if version != "0" {
        return Err(DataError::at(
            "EDF header field 'version'",
            format!("'{version}' is not 0: this is not an EDF file (BDF and others are not read)"),
        ));
    }
    f.take(80, "patient")?; // identifying: read past, never kept
    f.take(80, "recording")?;
    let date = f.take(8, "startdate")?;
    let time = f.take(8, "starttime")?;
    let start = start_of(date, time)?;
    let header_bytes: usize = f.number(8, "number of bytes in header record")?;
    let reserved = f.take(44, "reserved")?;
    let plus = reserved.starts_with("EDF+");
    let discontinuous = reserved.starts_with("EDF+D");
    let declared_records: i64 = f.number(8, "number of data records")?;
    let record_s: f64 = f.number(8, "duration of a data record")?;
    let ns: usize = f.number(4, "number of signals")?;
    if ns == 0 || ns > 4096 {
        return Err(DataError::at(
            "EDF header field 'number of signals'",
            format!("{ns} signals; a file holds 1 to 4096"),
        ));
    }
    if header_bytes != 256 * (ns + 1) {
        return Err(DataError::at(
            "EDF header field 'number of bytes in header record'",
            format!("{header_bytes}, but {ns} signals need {}", 256 * (ns + 1)),
        ));
    }
    if !record_s.is_finite() || record_s < 0.0 {
        return Err(DataError::at(
            "EDF header field 'duration of a data record'",
            format!("{record_s} is not a duration"),
        ));
    }
    let column = |f: &mut Fields<'_>, width: usize, name: &str| -> Result<Vec<String>, DataError> {
        (0..ns)
            .map(|i| {
                f.take(width, &format!("{name} of signal {}", i + 1))
                    .map(str::to_owned)
            })
            .collect()
    };
    let numbers = |f: &mut Fields<'_>, name: &str| -> Result<Vec<f64>, DataError> {
        (0..ns)
            .map(|i| f.number::<f64>(8, &format!("{name} of signal {}", i + 1)))
            .collect()
    };
    let labels = column(&mut f, 16, "label")?;
    column(&mut f, 80, "transducer type")?;
    let units = column(&mut f, 8, "physical dimension")?;
    let pmin = numbers(&mut f, "physical minimum")?;
    let pmax = numbers(&mut f, "physical maximum")?;
    let dmin = numbers(&mut f, "digital minimum")?;
    let dmax = numbers(&mut f, "digital maximum")?;
    column(&mut f, 80, "prefiltering")?;
    let spr = numbers(&mut f, "nr of samples in each data record")?;
    column(&mut f, 32, "reserved")?;
    let mut signals = Vec::with_capacity(ns);
    for i in 0..ns {
        let get = |v: &[f64]| v.get(i).copied().unwrap_or_default();
        let samples = get(&spr);
        let name = |what: &str| format!("EDF header field '{what} of signal {}'", i + 1);
        if samples < 1.0 || samples.fract() != 0.0 || samples > 10_000_000.0 {
            return Err(DataError::at(
                name("nr of samples in each data record"),
                format!("{samples} is not a count of samples"),
            ));
        }
        let (lo, hi) = (get(&dmin), get(&dmax));
        if lo.fract() != 0.0 || hi.fract() != 0.0 || lo >= hi || lo < -32768.0 || hi > 32767.0 {
            return Err(DataError::at(
                name("digital minimum/maximum"),
                format!("{lo}..{hi} is not a range of 16-bit samples"),
            ));
        }
        let label = labels.get(i).cloned().unwrap_or_default();
        if label != ANNOTATIONS && get(&pmin) == get(&pmax) {
            return Err(DataError::at(
                name("physical minimum/maximum"),
                "the minimum equals the maximum, so no sample can be scaled",
            ));
        }
        signals.push(SignalHeader {
            label,
            unit: units.get(i).cloned().unwrap_or_default(),
            physical: (get(&pmin), get(&pmax)),
            digital: (lo as i64, hi as i64),
            samples_per_record: samples as usize,
        });
    }
    let record_bytes: usize = signals.iter().map(|s| s.samples_per_record * 2).sum();
    let data = bytes.get(header_bytes..).unwrap_or_default();
    let records = if declared_records == -1 {
        if data.len() % record_bytes != 0 {
            return Err(DataError::at(
                format!("data record {}", data.len() / record_bytes + 1),
                format!(
                    "the last record is cut short ({} of {record_bytes} bytes)",
                    data.len() % record_bytes
                ),
            ));
        }
        data.len() / record_bytes
    } else if declared_records < 0 {
        return Err(DataError::at(
            "EDF header field 'number of data records'",
            format!("{declared_records} is not a count"),
        ));
    } else {
        let n = declared_records as usize;
        let want = n.saturating_mul(record_bytes);
        if data.len() != want {
            let whole = data.len() / record_bytes;
            return Err(DataError::at(
                format!("data record {}", whole.min(n) + 1),
                format!(
                    "the header says {n} data records of {record_bytes} bytes, but the file holds \
                     {} bytes of data ({whole} whole records{}); the file is cut short or damaged",
                    data.len(),
                    if data.len() % record_bytes == 0 {
                        ""
                    } else {
                        " and a part"
                    }
                ),
            ));
        }
        n
    };
    let record_ns = (record_s * 1e9).round() as i64;
    // Each record's start: from its time-keeping TAL in EDF+, else end to end.
    let mut starts: Vec<i64> = (0..records).map(|r| r as i64 * record_ns).collect();
    let mut events = Vec::new();
    let mut offset_in_record = 0usize;
    let mut layout = Vec::with_capacity(signals.len());
    for s in &signals {
        layout.push(offset_in_record);
        offset_in_record += s.samples_per_record * 2;
    }
    let record = |r: usize| {
        data.get(r * record_bytes..(r + 1) * record_bytes)
            .unwrap_or_default()
    };
    if plus {
        for r in 0..records {
            let mut keeping = None;
            for (s, &at) in signals.iter().zip(&layout) {
                if s.label != ANNOTATIONS {
                    continue;
                }
                let part = record(r)
                    .get(at..at + s.samples_per_record * 2)
                    .unwrap_or_default();
                for (i, (onset, duration, texts)) in
                    parse_tals(part, r + 1)?.into_iter().enumerate()
                {
                    if i == 0 && keeping.is_none() {
                        keeping = Some(onset);
                    }
                    for text in texts {
                        events.push(DataEvent {
                            at_ns: onset,
                            duration_ns: duration,
                            text,
                        });
                    }
                }
            }
            match (keeping, starts.get_mut(r)) {
                (Some(at), Some(slot)) => *slot = at,
                (None, _) => {
                    return Err(DataError::at(
                        format!("data record {}", r + 1),
                        "an EDF+ record without its time-keeping annotation",
                    ));
                }
                _ => {}
            }
        }
        if starts.windows(2).any(|w| w[1] < w[0] + record_ns) {
            let bad = starts
                .windows(2)
                .position(|w| w[1] < w[0] + record_ns)
                .unwrap_or(0);
            return Err(DataError::at(
                format!("data record {}", bad + 2),
                "it starts before the previous record ends",
            ));
        }
        if !discontinuous
            && starts
                .iter()
                .enumerate()
                .any(|(r, &s)| s != starts[0] + r as i64 * record_ns)
        {
            return Err(DataError::at(
                "EDF header field 'reserved'",
                "an EDF+C (continuous) file whose records are not end to end; it should say EDF+D",
            ));
        }
    }
    events.sort_by_key(|e| e.at_ns);
    let contiguous = starts
        .iter()
        .enumerate()
        .all(|(r, &s)| s == starts.first().copied().unwrap_or(0) + r as i64 * record_ns);
    let mut out = Vec::new();
    for (s, &at) in signals.iter().zip(&layout) {
        if s.label == ANNOTATIONS {
            continue;
        }
        let n = s.samples_per_record;
        let (pmin, pmax) = s.physical;
        let (dmin, dmax) = s.digital;
        let gain = (pmax - pmin) / (dmax - dmin) as f64;
        let mut values = Vec::with_capacity(records * n);
        for r in 0..records {
            let part = record(r).get(at..at + n * 2).unwrap_or_default();
            values.extend(part.chunks_exact(2).map(|b| {
                let d = i16::from_le_bytes([b[0], b[1]]);
                (pmin + (f64::from(d) - dmin as f64) * gain) as f32
            }));
        }
        let rate_hz = if record_ns > 0 {
            n as f64 * 1e9 / record_ns as f64
        } else {
            0.0
        };
        let times = if contiguous && rate_hz > 0.0 {
            Times::Regular {
                start_ns: starts.first().copied().unwrap_or(0),
                rate_hz,
            }
        } else {
            let period = if n > 0 {
                record_ns as f64 / n as f64
            } else {
                0.0
            };
            Times::Listed(
                starts
                    .iter()
                    .flat_map(|&r0| (0..n).map(move |i| r0 + (i as f64 * period).round() as i64))
                    .collect(),
            )
        };
        out.push(Signal {
            name: s.label.clone(),
            unit: s.unit.clone(),
            kind: SignalKind::by_rate(rate_hz),
            times,
            values,
        });
    }
    Ok(DataSet {
        start: Some(DataStart::At(start)),
        signals: out,
        events,
    })
}

/// One signal for [`write_edf_plus`]: its sample `i` is `value(i)`.
pub struct WriteSignal<'a> {
    /// Label ("HR").
    pub label: &'a str,
    /// Physical unit.
    pub unit: &'a str,
    /// Samples in each data record.
    pub per_record: usize,
    /// Physical minimum and maximum (16-bit digital range mapped onto it).
    pub range: (f64, f64),
    /// Samples in all.
    pub samples: usize,
    /// Sample `i`'s value.
    pub value: &'a dyn Fn(usize) -> f64,
}

/// Writes an EDF+C file (for tests and benchmarks; Debrief never writes
/// device data out): `signals`, records of `record_s` seconds, and
/// annotations `(onset s, text)`. Streams record by record.
pub fn write_edf_plus(
    out: &mut dyn std::io::Write,
    start: chrono::NaiveDateTime,
    record_s: f64,
    signals: &[WriteSignal<'_>],
    annotations: &[(f64, &str)],
) -> std::io::Result<()> {
    let records = signals
        .iter()
        .map(|s| s.samples.div_ceil(s.per_record.max(1)))
        .max()
        .unwrap_or(0)
        .max(1);
    let tal_bytes = 120usize;
    let ns = signals.len() + 1;
    let mut h = String::new();
    let field = |h: &mut String, text: &str, width: usize| {
        let mut t: String = text.chars().take(width).collect();
        while t.len() < width {
            t.push(' ');
        }
        h.push_str(&t);
    };
    field(&mut h, "0", 8);
    field(&mut h, "X X X X", 80);
    field(
        &mut h,
        &format!(
            "Startdate {} X X X",
            start.format("%d-%b-%Y").to_string().to_uppercase()
        ),
        80,
    );
    field(&mut h, &start.format("%d.%m.%y").to_string(), 8);
    field(&mut h, &start.format("%H.%M.%S").to_string(), 8);
    field(&mut h, &(256 * (ns + 1)).to_string(), 8);
    field(&mut h, "EDF+C", 44);
    field(&mut h, &records.to_string(), 8);
    field(&mut h, &record_s.to_string(), 8);
    field(&mut h, &ns.to_string(), 4);
    let all: Vec<(&str, &str, usize, (f64, f64))> = signals
        .iter()
        .map(|s| (s.label, s.unit, s.per_record, s.range))
        .chain(std::iter::once((
            ANNOTATIONS,
            "",
            tal_bytes / 2,
            (-1.0, 1.0),
        )))
        .collect();
    for (l, ..) in &all {
        field(&mut h, l, 16);
    }
    for _ in &all {
        field(&mut h, "", 80);
    }
    for (_, u, ..) in &all {
        field(&mut h, u, 8);
    }
    for (.., (lo, _)) in &all {
        field(&mut h, &lo.to_string(), 8);
    }
    for (.., (_, hi)) in &all {
        field(&mut h, &hi.to_string(), 8);
    }
    for _ in &all {
        field(&mut h, "-32768", 8);
    }
    for _ in &all {
        field(&mut h, "32767", 8);
    }
    for _ in &all {
        field(&mut h, "", 80);
    }
    for (_, _, n, _) in &all {
        field(&mut h, &n.to_string(), 8);
    }
    for _ in &all {
        field(&mut h, "", 32);
    }
    out.write_all(h.as_bytes())?;
    let mut record = Vec::new();
    for r in 0..records {
        record.clear();
        for s in signals {
            let (lo, hi) = s.range;
            for i in r * s.per_record..(r + 1) * s.per_record {
                let v = if i < s.samples { (s.value)(i) } else { lo };
                let d = ((v - lo) / (hi - lo) * 65535.0 - 32768.0)
                    .round()
                    .clamp(-32768.0, 32767.0);
                record.extend_from_slice(&(d as i16).to_le_bytes());
            }
        }
        let t0 = r as f64 * record_s;
        let mut tal = format!("+{t0}\u{14}\u{14}\0").into_bytes();
        for (at, text) in annotations {
            if *at >= t0 && *at < t0 + record_s {
                tal.extend(format!("+{at}\u{14}{text}\u{14}\0").into_bytes());
            }
        }
        tal.resize(tal_bytes, 0);
        record.extend(tal);
        out.write_all(&record)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    fn sample_file() -> Vec<u8> {
        let hr = |i: usize| if i < 10 { 80.0 } else { 130.0 };
        let paw = |i: usize| (i % 100) as f64 / 4.0;
        let mut out = Vec::new();
        write_edf_plus(
            &mut out,
            start(),
            1.0,
            &[
                WriteSignal {
                    label: "HR",
                    unit: "/min",
                    per_record: 1,
                    range: (0.0, 300.0),
                    samples: 20,
                    value: &hr,
                },
                WriteSignal {
                    label: "Paw",
                    unit: "cmH2O",
                    per_record: 100,
                    range: (-10.0, 60.0),
                    samples: 2000,
                    value: &paw,
                },
            ],
            &[(10.0, "shock")],
        )
        .unwrap();
        out
    }

    #[test]
    fn reads_what_it_writes_within_one_digital_step() {
        let set = parse(&sample_file()).unwrap();
        assert_eq!(set.start, Some(DataStart::At(start())));
        assert_eq!(set.signals.len(), 2);
        let hr = &set.signals[0];
        assert_eq!(hr.kind, SignalKind::Trend);
        assert_eq!(hr.len(), 20);
        assert!((hr.values[10] - 130.0).abs() < 300.0 / 65535.0 * 2.0);
        assert_eq!(hr.time_ns(10), Some(10_000_000_000));
        let paw = &set.signals[1];
        assert_eq!(paw.kind, SignalKind::Waveform);
        assert_eq!(paw.rate_hz(), Some(100.0));
        assert_eq!(set.events.len(), 1);
        assert_eq!(set.events[0].at_ns, 10_000_000_000);
        assert_eq!(set.events[0].text, "shock");
    }

    #[test]
    fn broken_files_are_refused_by_field_or_record() {
        let good = sample_file();
        let cut = &good[..good.len() - 7];
        let err = parse(cut).unwrap_err().to_string();
        assert!(
            err.contains("data record 20") && err.contains("cut short"),
            "{err}"
        );
        let err = parse(&good[..300]).unwrap_err().to_string();
        assert!(err.contains("EDF header field"), "{err}");
        let mut wrong_count = good.clone();
        wrong_count[236..244].copy_from_slice(b"25      ");
        let err = parse(&wrong_count).unwrap_err().to_string();
        assert!(err.contains("the header says 25 data records"), "{err}");
        let mut letters = good.clone();
        letters[236..244].copy_from_slice(b"twenty  ");
        let err = parse(&letters).unwrap_err().to_string();
        assert!(
            err.contains("'number of data records'") && err.contains("'twenty'"),
            "{err}"
        );
        let mut version = good;
        version[0] = b'X';
        assert!(
            parse(&version)
                .unwrap_err()
                .to_string()
                .contains("not an EDF file")
        );
        assert!(parse(b"").is_err());
    }

    #[test]
    fn discontinuous_records_keep_their_gaps() {
        let mut file = sample_file();
        // EDF+D, and record 2 onwards five seconds later.
        file[192..197].copy_from_slice(b"EDF+D");
        let header = 256 * 4;
        let record = 2 + 200 + 120;
        for r in 1..20usize {
            let at = header + r * record + 202;
            let onset = format!("+{}\u{14}\u{14}\0", r + 5);
            let mut tal = onset.into_bytes();
            let rest = file[at..at + 120]
                .iter()
                .skip_while(|&&b| b != 0)
                .skip(1)
                .copied()
                .collect::<Vec<_>>();
            tal.extend(rest);
            tal.resize(120, 0);
            file[at..at + 120].copy_from_slice(&tal);
        }
        let set = parse(&file).unwrap();
        let hr = &set.signals[0];
        assert!(matches!(hr.times, Times::Listed(_)));
        assert_eq!(hr.time_ns(0), Some(0));
        assert_eq!(hr.time_ns(1), Some(6_000_000_000));
    }
}
