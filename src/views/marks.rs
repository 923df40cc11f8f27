//! A mapping from sync marks: the same event (a clap, a light, the baby's
//! arrival) marked on the reference and on a view. One mark sets the offset;
//! two or more also fit the drift, by least squares, with each mark's
//! residual shown so a wrong mark stands out.

use super::Mapping;

/// One event marked on both: reference time and view time, in ns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    /// When it happens on the reference.
    pub ref_ns: i64,
    /// When it happens on the view.
    pub view_ns: i64,
}

/// A fitted mapping and how well each mark agrees with it.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// The mapping.
    pub mapping: Mapping,
    /// View time predicted minus marked, per mark (ns).
    pub residuals_ns: Vec<i64>,
}

/// Why marks give no mapping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// No mark at all.
    #[error("mark the same event on both views first")]
    NoMarks,
    /// Two or more marks, all at one reference time: no drift follows.
    #[error("the marks are all at the same moment: mark events at least a few seconds apart")]
    SameMoment,
}

/// The mapping the marks ask for: with one mark the offset alone (drift 0),
/// with more the least-squares line through them.
pub fn fit(marks: &[Mark]) -> Result<Fit, FitError> {
    let mapping = match marks {
        [] => return Err(FitError::NoMarks),
        [one] => Mapping {
            offset_ns: one.view_ns - one.ref_ns,
            drift_ppm: 0.0,
        },
        _ => {
            // Centred on the first mark, in seconds, so the sums stay well conditioned.
            let x0 = marks[0].ref_ns;
            let xs: Vec<f64> = marks.iter().map(|m| (m.ref_ns - x0) as f64 / 1e9).collect();
            let ys: Vec<f64> = marks
                .iter()
                .map(|m| (m.view_ns - m.ref_ns) as f64 / 1e9)
                .collect();
            let n = marks.len() as f64;
            let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
            let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
            if sxx < 1e-12 {
                return Err(FitError::SameMoment);
            }
            let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
            // (view − ref) = a + b·(ref − x0): the drift is b, the offset a − b·x0.
            let b = sxy / sxx;
            let a = my - b * mx;
            Mapping {
                offset_ns: ((a - b * x0 as f64 / 1e9) * 1e9).round() as i64,
                drift_ppm: b * 1e6,
            }
        }
    };
    let residuals_ns = marks
        .iter()
        .map(|m| mapping.view_ns(m.ref_ns) - m.view_ns)
        .collect();
    Ok(Fit {
        mapping,
        residuals_ns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(truth: Mapping, ref_s: f64) -> Mark {
        let ref_ns = (ref_s * 1e9) as i64;
        Mark {
            ref_ns,
            view_ns: truth.view_ns(ref_ns),
        }
    }

    #[test]
    fn one_mark_sets_the_offset() {
        let f = fit(&[Mark {
            ref_ns: 5_000_000_000,
            view_ns: 3_766_000_000,
        }])
        .unwrap();
        assert_eq!(f.mapping.offset_ns, -1_234_000_000);
        assert_eq!(f.mapping.drift_ppm, 0.0);
        assert_eq!(f.residuals_ns, vec![0]);
    }

    #[test]
    fn marks_spread_over_a_minute_recover_offset_and_drift() {
        let truth = Mapping {
            offset_ns: -1_234_000_000,
            drift_ppm: 100.0,
        };
        let marks: Vec<Mark> = [2.0, 17.5, 40.0, 58.0]
            .iter()
            .map(|&s| mark(truth, s))
            .collect();
        let f = fit(&marks).unwrap();
        assert!((f.mapping.offset_ns - truth.offset_ns).abs() <= 2, "{f:?}");
        assert!(
            (f.mapping.drift_ppm - truth.drift_ppm).abs() < 0.01,
            "{f:?}"
        );
        assert!(f.residuals_ns.iter().all(|r| r.abs() <= 2), "{f:?}");
    }

    #[test]
    fn a_wrong_mark_shows_in_its_residual() {
        let truth = Mapping {
            offset_ns: 500_000_000,
            drift_ppm: 0.0,
        };
        let mut marks: Vec<Mark> = [1.0, 20.0, 40.0].iter().map(|&s| mark(truth, s)).collect();
        marks[1].view_ns += 200_000_000; // marked 6 frames late
        let f = fit(&marks).unwrap();
        let worst = f
            .residuals_ns
            .iter()
            .enumerate()
            .max_by_key(|(_, r)| r.abs())
            .map(|(i, _)| i);
        assert_eq!(worst, Some(1), "{f:?}");
    }

    #[test]
    fn no_marks_or_one_moment_give_no_drift() {
        assert_eq!(fit(&[]), Err(FitError::NoMarks));
        let m = Mark {
            ref_ns: 1,
            view_ns: 2,
        };
        assert_eq!(fit(&[m, m]), Err(FitError::SameMoment));
    }
}
