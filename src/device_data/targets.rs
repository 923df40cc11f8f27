//! Target bands drawn behind a lane: where the value should be.
//!
//! Newborn resuscitation guidance (ERC 2021, NRP 2020) gives a preductal
//! SpO2 target by minute of life (60–65 % at 1 min rising to 85–95 % at 10
//! min) and a heart rate above 100/min. A signal is matched by its usual
//! names; minutes of life count from the `birth` code when one is coded.

use crate::model::codebook::DataTarget;

/// A band of wanted values (either side open).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    /// Lowest wanted value.
    pub low: Option<f32>,
    /// Highest wanted value.
    pub high: Option<f32>,
}

impl Band {
    /// True when `v` is inside the band.
    pub fn contains(&self, v: f32) -> bool {
        self.low.is_none_or(|l| v >= l) && self.high.is_none_or(|h| v <= h)
    }
}

/// What a signal's name says it measures, for the bands and the overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// Heart rate.
    HeartRate,
    /// Oxygen saturation.
    SpO2,
    /// Inspired oxygen fraction.
    FiO2,
    /// Peak inflation pressure.
    Pip,
    /// End-expiratory pressure.
    Peep,
    /// Tidal volume.
    TidalVolume,
}

impl Quantity {
    /// The quantity a signal named `name` measures, if it is one of these.
    pub fn of(name: &str) -> Option<Self> {
        let n: String = name
            .to_ascii_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        Some(match n.as_str() {
            "hr" | "heartrate" | "pulse" | "pr" | "pulserate" | "ecghr" => Self::HeartRate,
            "spo2" | "sao2" | "sat" | "spo2preductal" => Self::SpO2,
            "fio2" | "o2" => Self::FiO2,
            "pip" | "ppeak" | "peakpressure" => Self::Pip,
            "peep" => Self::Peep,
            "vt" | "vte" | "vti" | "tidalvolume" => Self::TidalVolume,
            _ => return None,
        })
    }

    /// The short label the overlay shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::HeartRate => "HR",
            Self::SpO2 => "SpO2",
            Self::FiO2 => "FiO2",
            Self::Pip => "PIP",
            Self::Peep => "PEEP",
            Self::TidalVolume => "Vt",
        }
    }
}

/// (minute of life, low %, high %), ERC 2021 / NRP 2020.
const SPO2_BY_MINUTE: &[(f64, f32, f32)] = &[
    (1.0, 60.0, 65.0),
    (2.0, 65.0, 70.0),
    (3.0, 70.0, 75.0),
    (4.0, 75.0, 80.0),
    (5.0, 80.0, 85.0),
    (10.0, 85.0, 95.0),
];

/// The band at minute `m` of rows (minute, low, high): none before the
/// first row, the last row's after it, linear between rows.
fn by_minute(rows: &[(f64, f32, f32)], m: f64) -> Option<Band> {
    if m < rows.first()?.0 {
        return None;
    }
    let after = rows.iter().position(|&(at, ..)| at >= m);
    let (lo, hi) = match after {
        None => rows.last().map(|&(_, l, h)| (l, h))?,
        Some(0) => rows.first().map(|&(_, l, h)| (l, h))?,
        Some(i) => {
            let (a, la, ha) = *rows.get(i - 1)?;
            let (b, lb, hb) = *rows.get(i)?;
            let f = ((m - a) / (b - a)) as f32;
            (la + (lb - la) * f, ha + (hb - ha) * f)
        }
    };
    Some(Band {
        low: Some(lo),
        high: Some(hi),
    })
}

/// The target band of a signal named `name` at `minutes_of_life` (when a
/// birth is coded): the codebook's (`targets`, by name or usual name) when
/// it sets one for the signal, else the built-in guidance's, if any.
pub fn band_in(targets: &[DataTarget], name: &str, minutes_of_life: Option<f64>) -> Option<Band> {
    let q = Quantity::of(name);
    let own = targets.iter().find(|t| {
        t.signal.trim().eq_ignore_ascii_case(name.trim())
            || (q.is_some() && Quantity::of(&t.signal) == q)
    });
    let Some(t) = own else {
        return band(name, minutes_of_life);
    };
    if t.by_minute.is_empty() {
        return Some(Band {
            low: t.low.map(|v| v as f32),
            high: t.high.map(|v| v as f32),
        });
    }
    let rows: Vec<(f64, f32, f32)> = t
        .by_minute
        .iter()
        .map(|r| (r[0], r[1] as f32, r[2] as f32))
        .collect();
    by_minute(&rows, minutes_of_life?)
}

/// The built-in guidance band of a signal named `name` at `minutes_of_life`.
pub fn band(name: &str, minutes_of_life: Option<f64>) -> Option<Band> {
    match Quantity::of(name)? {
        Quantity::HeartRate => Some(Band {
            low: Some(100.0),
            high: None,
        }),
        Quantity::SpO2 => by_minute(SPO2_BY_MINUTE, minutes_of_life?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spo2_targets_rise_by_minute_of_life_and_hr_wants_100() {
        assert_eq!(band("SpO2", None), None);
        assert_eq!(band("SpO2 ", Some(0.5)), None);
        let at = |m| band("SpO2", Some(m)).unwrap();
        assert_eq!(at(1.0).low, Some(60.0));
        assert_eq!(at(5.0).high, Some(85.0));
        assert_eq!(at(7.5).low, Some(82.5));
        assert_eq!(at(30.0).low, Some(85.0));
        let hr = band("Heart rate", None).unwrap();
        assert!(hr.contains(100.0) && !hr.contains(99.0));
        assert_eq!(band("Paw", Some(3.0)), None);
        assert_eq!(Quantity::of("Vte"), Some(Quantity::TidalVolume));
    }

    #[test]
    fn a_codebooks_targets_come_before_the_built_in_ones() {
        let own = [
            DataTarget {
                signal: "SpO2".into(),
                low: None,
                high: None,
                by_minute: vec![[2.0, 50.0, 60.0], [4.0, 70.0, 80.0]],
            },
            DataTarget {
                signal: "Pulse".into(),
                low: Some(120.0),
                high: Some(160.0),
                by_minute: Vec::new(),
            },
        ];
        assert_eq!(
            band_in(&own, "SpO2", Some(1.0)),
            None,
            "before the first row"
        );
        assert_eq!(band_in(&own, "SpO2", Some(3.0)).unwrap().low, Some(60.0));
        // "HR" is the same quantity as "Pulse".
        assert_eq!(band_in(&own, "HR", None).unwrap().low, Some(120.0));
        assert_eq!(band_in(&[], "HR", None).unwrap().low, Some(100.0));
        assert_eq!(band_in(&own, "FiO2", None), None);
    }
}
