//! What a lane draws at any zoom: the lowest and highest sample in each
//! pixel column, so no peak is ever lost, however far out the view is.
//!
//! A pyramid of block extremes (blocks of 16, 256, 4096 … samples) answers
//! each column from at most a few dozen numbers, so a day of 500 Hz
//! waveform (43 million samples) is drawn at the whole-recording zoom
//! without reading every sample each frame.

use std::ops::Range;

use super::Signal;

const FAN: usize = 16;

/// Block extremes of one signal's values.
#[derive(Clone, Debug, Default)]
pub struct Extremes {
    /// Level `k` holds the (min, max) of each block of `16^(k+1)` samples.
    levels: Vec<Vec<(f32, f32)>>,
}

fn merge(a: (f32, f32), b: (f32, f32)) -> (f32, f32) {
    (a.0.min(b.0), a.1.max(b.1))
}

impl Extremes {
    /// Builds the pyramid over `values`.
    pub fn new(values: &[f32]) -> Self {
        let mut levels: Vec<Vec<(f32, f32)>> = Vec::new();
        let mut below: Vec<(f32, f32)> = values.iter().map(|&v| (v, v)).collect();
        while below.len() >= FAN {
            let level: Vec<(f32, f32)> = below
                .chunks_exact(FAN)
                .map(|c| {
                    c.iter()
                        .copied()
                        .fold((f32::INFINITY, f32::NEG_INFINITY), merge)
                })
                .collect();
            below.clone_from(&level);
            levels.push(level);
        }
        Self { levels }
    }

    /// The lowest and highest of `values[range]` (`None` for an empty range).
    pub fn min_max(&self, values: &[f32], range: Range<usize>) -> Option<(f32, f32)> {
        let end = range.end.min(values.len());
        let mut i = range.start;
        let mut acc = (f32::INFINITY, f32::NEG_INFINITY);
        while i < end {
            // The largest whole block starting at i and ending by `end`: blocks
            // of 16^k start where i has 4k trailing zero bits.
            let aligned = if i == 0 {
                self.levels.len()
            } else {
                (i.trailing_zeros() / 4) as usize
            };
            let mut level = aligned.min(self.levels.len());
            while level > 0 && i + FAN.pow(level as u32) > end {
                level -= 1;
            }
            let block = match level.checked_sub(1) {
                Some(l) => self
                    .levels
                    .get(l)
                    .and_then(|blocks| blocks.get(i / FAN.pow(level as u32)))
                    .copied(),
                None => None,
            };
            match block {
                Some(b) => {
                    acc = merge(acc, b);
                    i += FAN.pow(level as u32);
                }
                None => {
                    if let Some(&v) = values.get(i) {
                        acc = merge(acc, (v, v));
                    }
                    i += 1;
                }
            }
        }
        (acc.0 <= acc.1).then_some(acc)
    }
}

/// The (min, max) of each pixel column, column `c` covering data times
/// `[edges[c], edges[c + 1])` (edges ascending, one more than columns);
/// `None` where a column holds no sample. Every sample between the first
/// and last edge falls in exactly one column.
pub fn column_extremes(
    signal: &Signal,
    extremes: &Extremes,
    edges_ns: &[i64],
) -> Vec<Option<(f32, f32)>> {
    let mut out = Vec::with_capacity(edges_ns.len().saturating_sub(1));
    let Some(&first) = edges_ns.first() else {
        return out;
    };
    let mut from = signal.first_at_or_after(first);
    for &edge in edges_ns.iter().skip(1) {
        let to = signal.first_at_or_after(edge).max(from);
        out.push(extremes.min_max(&signal.values, from..to));
        from = to;
    }
    out
}

#[cfg(test)]
mod tests {
    use rand::{Rng as _, SeedableRng as _};

    use super::*;
    use crate::device_data::{SignalKind, Times};

    /// Property: at any zoom and pan, every sample lies within its column's
    /// extremes, and each column's extremes are values of samples in it.
    #[test]
    fn no_extreme_is_ever_dropped_at_any_zoom() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(18);
        for round in 0..300 {
            let n = rng.gen_range(0..5000);
            let values: Vec<f32> = (0..n)
                .map(|_| {
                    if rng.gen_bool(0.01) {
                        rng.gen_range(-1000.0..1000.0)
                    } else {
                        rng.gen_range(-1.0..1.0)
                    }
                })
                .collect();
            let times = if round % 2 == 0 {
                Times::Regular {
                    start_ns: rng.gen_range(-1_000_000..1_000_000),
                    rate_hz: rng.gen_range(0.5..2000.0),
                }
            } else {
                let mut t = rng.gen_range(-1_000_000_000i64..1_000_000_000);
                Times::Listed(
                    (0..n)
                        .map(|_| {
                            t += rng.gen_range(0..50_000_000);
                            t
                        })
                        .collect(),
                )
            };
            let signal = Signal {
                name: "x".into(),
                unit: String::new(),
                kind: SignalKind::Waveform,
                times,
                values,
            };
            let extremes = Extremes::new(&signal.values);
            let (first, last) = signal.span_ns().unwrap_or((0, 1));
            let span = (last - first).max(1) as f64;
            let columns = rng.gen_range(1..2000);
            // From far out (the whole signal in a few pixels) to one sample over many pixels.
            let zoom = 10f64.powf(rng.gen_range(-4.0..1.5));
            let w = span * zoom / columns as f64 + 0.001;
            let t0 = first as f64 + rng.gen_range(-0.2..1.0) * span;
            let edges: Vec<i64> = (0..=columns)
                .map(|c| (t0 + c as f64 * w).floor() as i64)
                .collect();
            let got = column_extremes(&signal, &extremes, &edges);
            assert_eq!(got.len(), columns);
            let mut expect: Vec<Option<(f32, f32)>> = vec![None; columns];
            for (i, &v) in signal.values.iter().enumerate() {
                let t = signal.time_ns(i).unwrap();
                // The column by division, checked against its edges either side.
                let guess = ((t as f64 - t0) / w).floor() as i64;
                let c = (guess - 1..=guess + 1)
                    .filter(|&k| k >= 0 && (k as usize) < columns)
                    .map(|k| k as usize)
                    .find(|&k| {
                        let a = (t0 + k as f64 * w).floor() as i64;
                        let b = (t0 + (k + 1) as f64 * w).floor() as i64;
                        a <= t && t < b
                    });
                if let Some(c) = c {
                    expect[c] = Some(expect[c].map_or((v, v), |e: (f32, f32)| merge(e, (v, v))));
                }
            }
            assert_eq!(
                got, expect,
                "round {round}: n {n}, {columns} columns, zoom {zoom}"
            );
        }
    }

    #[test]
    fn block_extremes_answer_any_range() {
        let values: Vec<f32> = (0..10_000).map(|i| ((i * 7919) % 1000) as f32).collect();
        let ex = Extremes::new(&values);
        for (a, b) in [(0, 10_000), (1, 9_999), (15, 17), (4095, 8193), (500, 500)] {
            let slice = &values[a..b];
            let expect = (!slice.is_empty()).then(|| {
                slice
                    .iter()
                    .fold((f32::INFINITY, f32::NEG_INFINITY), |m, &v| merge(m, (v, v)))
            });
            assert_eq!(ex.min_max(&values, a..b), expect, "{a}..{b}");
        }
    }
}
