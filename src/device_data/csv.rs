//! CSV and TSV exports of monitors and respiratory function monitors.
//!
//! One header row names the columns, optionally with units in brackets
//! ("HR (/min)", "Paw [cmH2O]") or in a second row of units; one column is
//! the time: seconds (or milliseconds) from the start, a clock time of day
//! ("14:03:07.250") or a date and time ("2026-03-01 14:03:07"). An empty
//! cell (or `NA`, `-`, `NaN`) is a sample the device did not take. Anything
//! else that is not a number, a row with the wrong number of cells or a time
//! going backwards refuses the whole file, naming the line.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike as _};

use super::{DataError, DataSet, DataStart, Signal, SignalKind, Times};

/// How the time column is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    /// Seconds from the start (decimals allowed).
    Seconds,
    /// Milliseconds from the start.
    Millis,
    /// A clock time of day, `HH:MM:SS[.fff]` (past midnight it carries on).
    Clock,
    /// A date and time, `YYYY-MM-DD[T ]HH:MM:SS[.fff]` with an optional zone.
    DateTime,
}

impl std::str::FromStr for TimeFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "seconds" | "s" => Ok(Self::Seconds),
            "ms" | "milliseconds" => Ok(Self::Millis),
            "clock" | "hh:mm:ss" => Ok(Self::Clock),
            "datetime" | "iso" => Ok(Self::DateTime),
            _ => Err(format!(
                "'{s}' is not a time format: use seconds, ms, clock (HH:MM:SS) or datetime"
            )),
        }
    }
}

/// What the reader is told beyond the file itself.
#[derive(Clone, Debug, Default)]
pub struct CsvOptions {
    /// The time column: its name or its number (1 = first); default a column
    /// named like a time ("time", "timestamp", "t", "seconds"), else the first.
    pub time_column: Option<String>,
    /// How times are written; default guessed from the first row.
    pub time_format: Option<TimeFormat>,
    /// Units per column name, over what the file says.
    pub units: Vec<(String, String)>,
    /// Columns drawn as waveforms whatever their rate.
    pub waveforms: Vec<String>,
    /// Columns drawn as trends whatever their rate.
    pub trends: Vec<String>,
}

/// Splits one line into cells; double quotes protect separators (`""` is a quote).
fn cells(line: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == sep && !quoted => out.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    out.push(cell);
    out.into_iter().map(|c| c.trim().to_owned()).collect()
}

/// "HR (/min)" → ("HR", "/min"); "Paw [cmH2O]" → ("Paw", "cmH2O").
fn name_and_unit(header: &str) -> (String, String) {
    for (open, close) in [('(', ')'), ('[', ']')] {
        if let Some(rest) = header.strip_suffix(close)
            && let Some(at) = rest.rfind(open)
        {
            let name = rest.get(..at).unwrap_or_default().trim();
            let unit = rest.get(at + 1..).unwrap_or_default().trim();
            if !name.is_empty() {
                return (name.to_owned(), unit.to_owned());
            }
        }
    }
    (header.to_owned(), String::new())
}

fn is_missing(cell: &str) -> bool {
    matches!(
        cell.to_ascii_lowercase().as_str(),
        "" | "na" | "n/a" | "nan" | "-" | "--" | "null"
    )
}

fn number(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn guess_format(cell: &str) -> Option<TimeFormat> {
    if number(cell).is_some() {
        Some(TimeFormat::Seconds)
    } else if parse_datetime(cell).is_some() {
        Some(TimeFormat::DateTime)
    } else if parse_clock(cell).is_some() {
        Some(TimeFormat::Clock)
    } else {
        None
    }
}

fn parse_clock(cell: &str) -> Option<NaiveTime> {
    ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(cell, f).ok())
}

fn parse_datetime(cell: &str) -> Option<NaiveDateTime> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(cell) {
        return Some(t.with_timezone(&chrono::Local).naive_local());
    }
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(cell, f).ok())
}

fn time_of_day_ns(t: NaiveTime) -> i64 {
    i64::from(t.num_seconds_from_midnight()) * 1_000_000_000 + i64::from(t.nanosecond())
}

/// Reads CSV (`sep` `,`) or TSV (`sep` tab) bytes.
pub fn parse(bytes: &[u8], sep: u8, options: &CsvOptions) -> Result<DataSet, DataError> {
    let sep = char::from(sep);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes
            .get(..e.valid_up_to())
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
            + 1;
        DataError::at(
            format!("line {line}"),
            "the file is not UTF-8 text; export it as CSV (UTF-8) from the device software",
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Numbered lines, blank ones and `#` comments skipped.
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((header_line, header)) = lines.next() else {
        return Err(DataError::at(
            "line 1",
            "the file is empty: it needs a header row naming the columns",
        ));
    };
    let header = cells(header, sep);
    if header.len() < 2 {
        return Err(DataError::at(
            format!("line {header_line}"),
            format!(
                "the header has one column; a time column and at least one signal are needed \
                 (is this {}?)",
                if sep == ',' {
                    "TSV: give --format tsv"
                } else {
                    "CSV: give --format csv"
                }
            ),
        ));
    }
    let named: Vec<(String, String)> = header.iter().map(|h| name_and_unit(h)).collect();
    let time_col = match &options.time_column {
        Some(want) => match want.parse::<usize>() {
            Ok(n) if (1..=header.len()).contains(&n) => n - 1,
            _ => named
                .iter()
                .zip(&header)
                .position(|((n, _), h)| n.eq_ignore_ascii_case(want) || h == want)
                .ok_or_else(|| {
                    DataError::at(
                        format!("line {header_line}"),
                        format!(
                            "there is no column '{want}'; the columns are: {}",
                            header.join(", ")
                        ),
                    )
                })?,
        },
        None => named
            .iter()
            .position(|(n, _)| {
                matches!(
                    n.to_ascii_lowercase().as_str(),
                    "time" | "timestamp" | "t" | "seconds" | "elapsed" | "datetime" | "clock"
                )
            })
            .unwrap_or(0),
    };
    let time_name = header.get(time_col).cloned().unwrap_or_default();
    let width = header.len();
    let mut units: Vec<String> = named.iter().map(|(_, u)| u.clone()).collect();
    let mut rows = lines.peekable();
    // A row of units under the header: no cell of it is a number or a time.
    if let Some((_, l)) = rows.peek() {
        let row = cells(l, sep);
        let is_units = row.len() == width
            && row.iter().enumerate().all(|(i, c)| {
                is_missing(c)
                    || (number(c).is_none() && (i != time_col || guess_format(c).is_none()))
            })
            && row.iter().any(|c| !is_missing(c));
        if is_units {
            for (unit, cell) in units.iter_mut().zip(&row) {
                if !cell.is_empty() {
                    *unit = cell.trim_matches(['(', ')', '[', ']']).to_owned();
                }
            }
            rows.next();
        }
    }
    for (name, unit) in &options.units {
        let Some(i) = named.iter().position(|(n, _)| n == name) else {
            return Err(DataError::at(
                "--unit",
                format!("there is no column '{name}' to give the unit '{unit}'"),
            ));
        };
        if let Some(u) = units.get_mut(i) {
            unit.clone_into(u);
        }
    }
    let mut format = options.time_format;
    let mut columns: Vec<(Vec<i64>, Vec<f32>)> = vec![(Vec::new(), Vec::new()); width];
    let mut first: Option<(i64, Option<NaiveDateTime>, Option<NaiveTime>)> = None;
    let mut last_ns: Option<(usize, i64)> = None;
    let mut day_ns = 0i64;
    let mut last_clock_ns: Option<i64> = None;
    for (line, l) in rows {
        let row = cells(l, sep);
        if row.len() != width {
            return Err(DataError::at(
                format!("line {line}"),
                format!(
                    "this row has {} cells but the header has {width}; fix the row or the separator",
                    row.len()
                ),
            ));
        }
        let cell = row.get(time_col).map(String::as_str).unwrap_or_default();
        let place = || format!("line {line}, column '{time_name}'");
        if is_missing(cell) {
            return Err(DataError::at(
                place(),
                "the time is empty; every row needs its time",
            ));
        }
        let fmt = match format {
            Some(f) => f,
            None => {
                let f = guess_format(cell).ok_or_else(|| {
                    DataError::at(
                        place(),
                        format!(
                            "'{cell}' is not a time; write seconds, HH:MM:SS or a date and time, \
                             or name the time column with --time-column"
                        ),
                    )
                })?;
                format = Some(f);
                f
            }
        };
        let bad = |what: &str| {
            DataError::at(
                place(),
                format!("'{cell}' is not {what}; give --time-format to say how times are written"),
            )
        };
        let (raw_ns, datetime, clock) = match fmt {
            TimeFormat::Seconds => (
                number(cell)
                    .map(|s| (s * 1e9).round() as i64)
                    .ok_or_else(|| bad("a time in seconds"))?,
                None,
                None,
            ),
            TimeFormat::Millis => (
                number(cell)
                    .map(|s| (s * 1e6).round() as i64)
                    .ok_or_else(|| bad("a time in milliseconds"))?,
                None,
                None,
            ),
            TimeFormat::Clock => {
                let t = parse_clock(cell).ok_or_else(|| bad("a clock time HH:MM:SS"))?;
                let mut ns = time_of_day_ns(t) + day_ns;
                // Past midnight: a clock time more than 12 h before the last is the next day.
                if let Some(prev) = last_clock_ns
                    && ns + 43_200_000_000_000 < prev
                {
                    day_ns += 86_400_000_000_000;
                    ns += 86_400_000_000_000;
                }
                last_clock_ns = Some(ns);
                (ns, None, Some(t))
            }
            TimeFormat::DateTime => {
                let t = parse_datetime(cell).ok_or_else(|| bad("a date and time"))?;
                let ns = t
                    .signed_duration_since(NaiveDate::default().and_time(NaiveTime::MIN))
                    .num_nanoseconds()
                    .ok_or_else(|| bad("a date and time this side of the year 2262"))?;
                (ns, Some(t), None)
            }
        };
        let (origin, _, _) = *first.get_or_insert((raw_ns, datetime, clock));
        // Seconds and milliseconds are the device's own "from start"; clock times count from the first row.
        let t_ns = match fmt {
            TimeFormat::Seconds | TimeFormat::Millis => raw_ns,
            TimeFormat::Clock | TimeFormat::DateTime => raw_ns - origin,
        };
        if let Some((prev_line, prev)) = last_ns
            && t_ns < prev
        {
            return Err(DataError::at(
                place(),
                format!(
                    "the time goes backwards (from line {prev_line}); sort the file by time \
                     or check it is one recording"
                ),
            ));
        }
        last_ns = Some((line, t_ns));
        for (i, c) in row.iter().enumerate() {
            if i == time_col || is_missing(c) {
                continue;
            }
            let name = named.get(i).map(|(n, _)| n.as_str()).unwrap_or_default();
            let value = number(c)
                .filter(|v| v.abs() <= f64::from(f32::MAX))
                .ok_or_else(|| {
                    DataError::at(
                        format!("line {line}, column '{name}'"),
                        format!("'{c}' is not a number; fix the cell or leave it empty"),
                    )
                })?;
            if let Some((times, values)) = columns.get_mut(i) {
                times.push(t_ns);
                values.push(value as f32);
            }
        }
    }
    let start = first.and_then(|(_, dt, clock)| match (dt, clock) {
        (Some(dt), _) => Some(DataStart::At(dt)),
        (None, Some(t)) => Some(DataStart::TimeOfDay(t)),
        _ => None,
    });
    let mut signals = Vec::new();
    for (i, (times, values)) in columns.into_iter().enumerate() {
        if i == time_col {
            continue;
        }
        let (name, _) = named.get(i).cloned().unwrap_or_default();
        let times = regular_or_listed(times);
        let mut signal = Signal {
            unit: units.get(i).cloned().unwrap_or_default(),
            kind: SignalKind::Trend,
            times,
            values,
            name,
        };
        signal.kind = if options.waveforms.contains(&signal.name) {
            SignalKind::Waveform
        } else if options.trends.contains(&signal.name) {
            SignalKind::Trend
        } else {
            signal
                .rate_hz()
                .map_or(SignalKind::Trend, SignalKind::by_rate)
        };
        signals.push(signal);
    }
    for wanted in options.waveforms.iter().chain(&options.trends) {
        if !signals.iter().any(|s| &s.name == wanted) {
            return Err(DataError::at(
                "--waveform/--trend",
                format!("there is no signal column '{wanted}'"),
            ));
        }
    }
    if first.is_none() {
        return Err(DataError::Empty(
            "there is a header but no row of values under it".into(),
        ));
    }
    Ok(DataSet {
        start,
        signals,
        events: Vec::new(),
    })
}

/// Evenly spaced times (within a microsecond) become [`Times::Regular`].
pub(super) fn regular_or_listed(times: Vec<i64>) -> Times {
    if let (Some(&a), Some(&b)) = (times.first(), times.last())
        && times.len() >= 3
        && b > a
    {
        let n = times.len() - 1;
        let period = (b - a) as f64 / n as f64;
        let even = times
            .iter()
            .enumerate()
            .all(|(i, &t)| ((a as f64 + i as f64 * period) - t as f64).abs() < 1_000.0);
        if even {
            return Times::Regular {
                start_ns: a,
                rate_hz: 1e9 / period,
            };
        }
    }
    Times::Listed(times)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_csv(text: &str) -> Result<DataSet, DataError> {
        parse(text.as_bytes(), b',', &CsvOptions::default())
    }

    #[test]
    fn units_in_brackets_a_units_row_and_missing_cells() {
        let set = parse_csv("time,HR (/min),SpO2 [%]\n0,120,\n1,118,85\n2,,87\n").unwrap();
        assert_eq!(set.signals.len(), 2);
        let hr = &set.signals[0];
        assert_eq!((hr.name.as_str(), hr.unit.as_str()), ("HR", "/min"));
        assert_eq!(hr.values, vec![120.0, 118.0]);
        assert_eq!(set.signals[1].unit, "%");
        assert_eq!(set.signals[1].time_ns(0), Some(1_000_000_000));
        let set = parse_csv("t,HR,Paw\ns,bpm,cmH2O\n0,1,2\n0.5,1,2\n1.0,1,2\n").unwrap();
        assert_eq!(set.signals[1].unit, "cmH2O");
        assert_eq!(set.signals[0].rate_hz(), Some(2.0));
        assert!(matches!(set.signals[0].times, Times::Regular { .. }));
    }

    #[test]
    fn clock_times_count_from_the_first_row_and_carry_past_midnight() {
        let set = parse_csv("Time,HR\n23:59:59.5,100\n00:00:00.5,101\n").unwrap();
        assert_eq!(set.signals[0].time_ns(1), Some(1_000_000_000));
        assert_eq!(
            set.start,
            Some(DataStart::TimeOfDay(
                NaiveTime::from_hms_milli_opt(23, 59, 59, 500).unwrap()
            ))
        );
        let set =
            parse_csv("timestamp,HR\n2026-03-01 10:00:00,1\n2026-03-01T10:00:02.25,2\n").unwrap();
        assert_eq!(set.signals[0].time_ns(1), Some(2_250_000_000));
        assert!(matches!(set.start, Some(DataStart::At(_))));
    }

    #[test]
    fn waveforms_by_rate_unless_told() {
        let mut text = String::from("time\tPaw\tHR\n");
        for i in 0..100 {
            text.push_str(&format!("{}\t{}\t120\n", f64::from(i) * 0.01, i));
        }
        let set = parse(text.as_bytes(), b'\t', &CsvOptions::default()).unwrap();
        assert_eq!(set.signals[0].kind, SignalKind::Waveform);
        let told = CsvOptions {
            trends: vec!["Paw".into()],
            ..CsvOptions::default()
        };
        let set = parse(text.as_bytes(), b'\t', &told).unwrap();
        assert_eq!(set.signals[0].kind, SignalKind::Trend);
    }

    #[test]
    fn bad_files_name_the_line_and_column() {
        for (text, expect) in [
            ("", "line 1"),
            (
                "time,HR\n0,1\n1,abc\n",
                "line 3, column 'HR': 'abc' is not a number",
            ),
            ("time,HR\n0,1\n1,2,3\n", "line 3: this row has 3 cells"),
            (
                "time,HR\n5,1\n4,2\n",
                "line 3, column 'time': the time goes backwards",
            ),
            (
                "time,HR\n0,1\nsoon,2\n",
                "line 3, column 'time': 'soon' is not a time in seconds",
            ),
            ("time,HR\n", "no row of values"),
            ("time;HR\n0;1\n", "line 1: the header has one column"),
        ] {
            let err = parse_csv(text).unwrap_err().to_string();
            assert!(err.contains(expect), "{text:?}: {err}");
        }
        let err = parse(b"time,HR\n\xff,1\n", b',', &CsvOptions::default()).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn the_time_column_is_found_by_name_or_number() {
        let text = "HR,clock\n100,0\n101,1\n";
        let set = parse_csv(text).unwrap();
        assert_eq!(set.signals[0].name, "HR");
        let by_number = CsvOptions {
            time_column: Some("2".into()),
            ..CsvOptions::default()
        };
        assert_eq!(parse(text.as_bytes(), b',', &by_number).unwrap(), set);
        let missing = CsvOptions {
            time_column: Some("when".into()),
            ..CsvOptions::default()
        };
        assert!(
            parse(text.as_bytes(), b',', &missing)
                .unwrap_err()
                .to_string()
                .contains("no column 'when'")
        );
    }

    #[test]
    fn quoted_cells_keep_their_separators() {
        assert_eq!(cells(r#"a,"b,c","d""e""#, ','), vec!["a", "b,c", "d\"e"]);
    }
}
