//! Syncing a view to the reference by its sound: the reference's audio in
//! several windows spread through the recording is found in the view's audio
//! by FFT cross-correlation; each window's match is a sync mark, and the marks
//! are fitted as the reviewer's would be ([`super::marks::fit`]): offset, a
//! drift across the windows, and a confidence (the median of the matching
//! windows' normalised correlations: lossy audio codecs lower a quiet
//! window's correlation without making its match wrong).
//!
//! Windows are short (1–2 s): a clock 100 ppm fast stretches a 4 s window by
//! 0.4 ms, enough to blur the correlation of broadband sound. Works on mono
//! samples at one rate (the caller decodes and resamples); no media is opened
//! here.

use std::sync::Arc;

use realfft::RealFftPlanner;
use realfft::num_complex::Complex;

use super::Mapping;
use super::marks::{Mark, fit};

/// What the audio says about a view.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioSync {
    /// The mapping fitted through the windows that matched.
    pub mapping: Mapping,
    /// The median normalised correlation of the windows that matched (0–1).
    pub confidence: f64,
    /// Windows that matched, of those tried.
    pub windows: (usize, usize),
}

/// Why the audio gives no mapping.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AudioSyncError {
    /// One of the two has no sound to compare.
    #[error("cannot sync by audio: the {0} has no audio (or only silence); set sync marks instead")]
    NoAudio(&'static str),
    /// Nothing matched well enough.
    #[error(
        "cannot sync by audio: no part of the reference's sound was found in the view \
         (best correlation {0:.2}); set sync marks instead"
    )]
    NoMatch(f64),
}

/// Below this normalised correlation a window is not a match.
pub const MIN_CORRELATION: f64 = 0.5;

/// Below this confidence a match is shown for the reviewer to confirm, not kept by itself.
pub const CONFIRM_BELOW: f64 = 0.7;

/// Finds `view` (mono samples at `rate` Hz) in `reference`'s time: `windows`
/// windows of `window_s` seconds spread through the reference, each searched
/// for within ±`max_lag_s` of where the view's sound would be with no offset.
pub fn sync(
    reference: &[f32],
    view: &[f32],
    rate: u32,
    windows: usize,
    window_s: f64,
    max_lag_s: f64,
) -> Result<AudioSync, AudioSyncError> {
    let rate_f = f64::from(rate);
    let w = (window_s * rate_f) as usize;
    let lag = (max_lag_s * rate_f) as usize;
    if silent(reference) || reference.len() < w {
        return Err(AudioSyncError::NoAudio("reference"));
    }
    if silent(view) {
        return Err(AudioSyncError::NoAudio("view"));
    }
    let n = (w + 2 * lag).next_power_of_two() * 2;
    let mut planner = RealFftPlanner::<f64>::new();
    let (forward, inverse) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
    let span = reference.len() - w;
    let mut marks = Vec::new();
    let mut scores = Vec::new();
    let mut best = 0f64;
    let tried = windows.max(1);
    for k in 0..tried {
        let start = if tried == 1 {
            span / 2
        } else {
            span * k / (tried - 1)
        };
        let piece = &reference[start..start + w];
        if energy(piece) < 1e-9 * w as f64 {
            continue; // silence here says nothing
        }
        // The view's samples that could hold the piece: start ± lag.
        let from = start.saturating_sub(lag);
        let to = (start + w + lag).min(view.len());
        if to <= from + w {
            continue;
        }
        let segment = &view[from..to];
        let Some((at, ncc)) = locate(piece, segment, n, &forward, &inverse) else {
            continue;
        };
        best = best.max(ncc);
        if ncc < MIN_CORRELATION {
            continue;
        }
        scores.push(ncc);
        let ns = |samples: usize| (samples as f64 * 1e9 / rate_f).round() as i64;
        marks.push(Mark {
            ref_ns: ns(start),
            view_ns: ns(from + at),
        });
    }
    let fitted = fit(&marks).map_err(|_| AudioSyncError::NoMatch(best))?;
    Ok(AudioSync {
        mapping: fitted.mapping,
        confidence: median(&mut scores),
        windows: (marks.len(), tried),
    })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Quieter than -80 dBFS throughout (a codec's idea of silence need not be zeros).
fn silent(samples: &[f32]) -> bool {
    energy(samples) <= 1e-8 * samples.len() as f64
}

fn energy(samples: &[f32]) -> f64 {
    samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum()
}

/// Where `piece` lies in `segment` (its start) and the normalised correlation there.
fn locate(
    piece: &[f32],
    segment: &[f32],
    n: usize,
    forward: &Arc<dyn realfft::RealToComplex<f64>>,
    inverse: &Arc<dyn realfft::ComplexToReal<f64>>,
) -> Option<(usize, f64)> {
    let spectrum = |samples: &[f32]| -> Option<Vec<Complex<f64>>> {
        let mut input = vec![0f64; n];
        for (slot, &s) in input.iter_mut().zip(samples) {
            *slot = f64::from(s);
        }
        let mut out = forward.make_output_vec();
        forward.process(&mut input, &mut out).ok()?;
        Some(out)
    };
    let (a, b) = (spectrum(segment)?, spectrum(piece)?);
    // Cross-correlation: segment ⋆ piece = IFFT(A · conj(B)).
    let mut product: Vec<Complex<f64>> = a.iter().zip(&b).map(|(x, y)| x * y.conj()).collect();
    let mut corr = inverse.make_output_vec();
    inverse.process(&mut product, &mut corr).ok()?;
    let last = segment.len() - piece.len();
    let (at, _) = corr[..=last]
        .iter()
        .enumerate()
        .max_by(|x, y| x.1.total_cmp(y.1))?;
    let dot: f64 = piece
        .iter()
        .zip(&segment[at..at + piece.len()])
        .map(|(&p, &s)| f64::from(p) * f64::from(s))
        .sum();
    let norm = (energy(piece) * energy(&segment[at..at + piece.len()])).sqrt();
    (norm > 0.0).then(|| (at, dot / norm))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 8000;

    /// Reproducible noise bursts and tones: sound that correlates in one place only.
    fn sound(seconds: f64, seed: u64) -> Vec<f32> {
        let mut state = seed;
        let n = (seconds * f64::from(RATE)) as usize;
        (0..n)
            .map(|i| {
                state = crate::media::testsrc::splitmix64(state);
                let noise = (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                let t = i as f32 / RATE as f32;
                let burst = if (t * 3.0).fract() < 0.4 { 1.0 } else { 0.2 };
                noise * burst + 0.2 * (t * 440.0 * std::f32::consts::TAU).sin()
            })
            .collect()
    }

    /// What a camera that started `offset_s` later and runs `ppm` fast heard.
    fn heard(source: &[f32], offset_s: f64, ppm: f64) -> Vec<f32> {
        let truth = Mapping {
            offset_ns: (-offset_s * 1e9) as i64,
            drift_ppm: ppm,
        };
        let rate = f64::from(RATE);
        let len = source.len() - (offset_s * rate) as usize;
        (0..len)
            .map(|j| {
                // The view's sample j is at view time j/rate: reference time from the inverse.
                let t_ref = truth.ref_ns((j as f64 / rate * 1e9) as i64) as f64 / 1e9;
                let i = (t_ref * rate).round() as usize;
                source.get(i).copied().unwrap_or(0.0)
            })
            .collect()
    }

    #[test]
    fn a_later_faster_camera_is_found_within_a_frame_and_20_ppm() {
        let reference = sound(60.0, 7);
        let view = heard(&reference, 1.234, 100.0);
        let found = sync(&reference, &view, RATE, 8, 1.5, 5.0).unwrap();
        let offset_err = (found.mapping.offset_ns + 1_234_000_000).abs();
        assert!(
            offset_err < 33_000_000,
            "offset off by {offset_err} ns: {found:?}"
        );
        assert!((found.mapping.drift_ppm - 100.0).abs() <= 20.0, "{found:?}");
        assert!(found.confidence > 0.6, "{found:?}");
        assert!(found.windows.0 >= 6, "{found:?}");
    }

    #[test]
    fn silence_and_unrelated_sound_are_refused() {
        let reference = sound(20.0, 1);
        let silent = vec![0f32; reference.len()];
        assert_eq!(
            sync(&reference, &silent, RATE, 4, 2.0, 3.0),
            Err(AudioSyncError::NoAudio("view"))
        );
        assert_eq!(
            sync(&silent, &reference, RATE, 4, 2.0, 3.0),
            Err(AudioSyncError::NoAudio("reference"))
        );
        let other = sound(20.0, 99);
        assert!(matches!(
            sync(&reference, &other, RATE, 4, 2.0, 3.0),
            Err(AudioSyncError::NoMatch(best)) if best < MIN_CORRELATION
        ));
    }
}
