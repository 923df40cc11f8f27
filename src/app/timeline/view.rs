//! The timeline's mapping between frames and screen x, and its ticks.
//!
//! Frames are integers; the mapping is f64 so it stays precise from a whole
//! three-hour recording down to a single frame 200 points wide. Like rerun's
//! time ruler, `pan` and `zoom_at` return a new view instead of mutating,
//! and ticks fade in with their on-screen spacing; labels appear only where
//! there is room. The axis counts frames (uniform in frames, which for
//! constant-rate recordings is uniform in time); labels show timecodes.

use crate::time::{self, FrameRate};

/// Which frames are visible: frame `first` at the left edge, `frames_per_point` per screen point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeView {
    /// Frame (fractional) at the left edge.
    pub first: f64,
    /// Frames per screen point.
    pub frames_per_point: f64,
}

/// The most zoomed-in view: one frame spans this many points.
pub const MAX_POINTS_PER_FRAME: f64 = 400.0;

impl TimeView {
    /// The whole recording (`frames` frames) across `width` points.
    pub fn fit(frames: u64, width: f64) -> Self {
        Self {
            first: 0.0,
            frames_per_point: (frames.max(1) as f64 / width.max(1.0))
                .max(1.0 / MAX_POINTS_PER_FRAME),
        }
    }

    /// Screen x of the left edge of frame `frame`, for a timeline starting at `left`.
    pub fn x_of(&self, frame: f64, left: f64) -> f64 {
        left + (frame - self.first) / self.frames_per_point
    }

    /// Fractional frame at screen x.
    pub fn frame_at(&self, x: f64, left: f64) -> f64 {
        self.first + (x - left) * self.frames_per_point
    }

    /// The frame whose cell `[n, n + 1)` contains screen x, clamped to `0..frames`.
    pub fn snapped_frame_at(&self, x: f64, left: f64, frames: u64) -> u64 {
        let f = self.frame_at(x, left).floor();
        (f.max(0.0) as u64).min(frames.saturating_sub(1))
    }

    /// The frame boundary nearest to screen x (for dragging edges), clamped to `0..=frames`.
    pub fn nearest_boundary(&self, x: f64, left: f64, frames: u64) -> u64 {
        let f = self.frame_at(x, left).round();
        (f.max(0.0) as u64).min(frames)
    }

    /// Points one frame spans.
    pub fn points_per_frame(&self) -> f64 {
        1.0 / self.frames_per_point
    }

    /// This view moved right by `dx` points (content moves left).
    #[must_use]
    pub fn pan(&self, dx: f64) -> Self {
        Self {
            first: self.first + dx * self.frames_per_point,
            ..*self
        }
    }

    /// This view zoomed by `factor` (>1 zooms in) keeping the frame under `x` fixed.
    #[must_use]
    pub fn zoom_at(&self, x: f64, left: f64, factor: f64, frames: u64, width: f64) -> Self {
        let anchor = self.frame_at(x, left);
        let max_fpp = (frames.max(1) as f64 / width.max(1.0)).max(1.0 / MAX_POINTS_PER_FRAME) * 1.5;
        let fpp =
            (self.frames_per_point / factor.max(1e-6)).clamp(1.0 / MAX_POINTS_PER_FRAME, max_fpp);
        Self {
            first: anchor - (x - left) * fpp,
            frames_per_point: fpp,
        }
    }

    /// This view, shifted so `frame` is visible (with a margin), width `width` points.
    #[must_use]
    pub fn follow(&self, frame: u64, width: f64) -> Self {
        let visible = width * self.frames_per_point;
        let f = frame as f64;
        if f < self.first || f + 1.0 > self.first + visible {
            Self {
                first: (f - visible * 0.2).max(0.0),
                ..*self
            }
        } else {
            *self
        }
    }

    /// The view with its left edge kept inside the recording.
    #[must_use]
    pub fn clamped(&self, frames: u64, width: f64) -> Self {
        let visible = width * self.frames_per_point;
        let max_first = (frames as f64 - visible).max(0.0);
        Self {
            first: self
                .first
                .clamp(-visible * 0.05, max_first + visible * 0.05),
            ..*self
        }
    }
}

/// A tick on the ruler.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    /// The frame it marks.
    pub frame: u64,
    /// 0..1: how prominent (small ticks fade in as they spread out).
    pub strength: f32,
    /// Label, where there is room for one.
    pub label: Option<String>,
}

/// Minimum spacing (points) before a tick level is drawn at all.
pub const MIN_TICK_SPACING: f64 = 5.0;
/// Spacing (points) at which ticks are drawn fully.
pub const FULL_TICK_SPACING: f64 = 40.0;
/// Spacing (points) needed for labels.
pub const LABEL_SPACING: f64 = 80.0;

/// Candidate tick steps in frames for `rate`: single frames, then whole seconds and minutes.
pub fn tick_steps(rate: FrameRate) -> Vec<u64> {
    let fps = rate.nominal_fps().max(1);
    let mut steps: Vec<u64> = [1, 2, 5, 10].into_iter().filter(|&s| s < fps).collect();
    for secs in [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
    ] {
        steps.push(secs * fps);
    }
    steps
}

/// The ticks of `view` across `width` points for a recording of `frames` frames.
///
/// The finest level is the smallest step at least [`MIN_TICK_SPACING`]
/// apart. Each tick's strength grows with the spacing of the coarsest step
/// it falls on; labels go on multiples of the smallest step at least
/// [`LABEL_SPACING`] apart, however coarse that is.
pub fn ticks(view: &TimeView, width: f64, frames: u64, rate: FrameRate) -> Vec<Tick> {
    let ppf = view.points_per_frame();
    let steps = tick_steps(rate);
    let Some(fine) = steps
        .iter()
        .position(|&s| s as f64 * ppf >= MIN_TICK_SPACING)
    else {
        return Vec::new();
    };
    let levels: Vec<u64> = steps.iter().skip(fine).copied().collect();
    let Some(&step) = levels.first() else {
        return Vec::new();
    };
    let label_step = levels
        .iter()
        .copied()
        .find(|&s| s as f64 * ppf >= LABEL_SPACING);
    let first_visible = view.first.max(0.0).floor() as u64;
    let last_visible = (view.first + width * view.frames_per_point).ceil().max(0.0) as u64;
    let last_visible = last_visible.min(frames);
    let mut out = Vec::new();
    let mut frame = first_visible.div_ceil(step) * step;
    while frame <= last_visible {
        // The coarsest level this tick belongs to decides how it looks.
        let level = levels
            .iter()
            .rev()
            .find(|&&s| frame % s == 0)
            .copied()
            .unwrap_or(step);
        let spacing = level as f64 * ppf;
        let strength = ((spacing - MIN_TICK_SPACING) / (FULL_TICK_SPACING - MIN_TICK_SPACING))
            .clamp(0.15, 1.0) as f32;
        let label = label_step
            .filter(|&ls| frame % ls == 0)
            .map(|ls| label_for(frame, ls, rate));
        out.push(Tick {
            frame,
            strength,
            label,
        });
        frame += step;
        if out.len() > 10_000 {
            break; // never more ticks than pixels
        }
    }
    out
}

/// A tick label: frame numbers when ticks are frames apart, timecodes otherwise.
fn label_for(frame: u64, step: u64, rate: FrameRate) -> String {
    if step < rate.nominal_fps().max(1) {
        format!("#{frame}")
    } else {
        let tc = time::timecode(frame, rate);
        // Whole seconds: drop the frame field.
        tc.get(..8).map(str::to_owned).unwrap_or(tc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEFT: f64 = 100.0;

    #[test]
    fn mapping_round_trips_at_extreme_zooms() {
        // One frame per 200 points.
        let v = TimeView {
            first: 5_000.0,
            frames_per_point: 1.0 / 200.0,
        };
        assert_eq!(v.x_of(5_000.0, LEFT), LEFT);
        assert_eq!(v.x_of(5_001.0, LEFT), LEFT + 200.0);
        assert_eq!(v.snapped_frame_at(LEFT + 199.9, LEFT, 10_000), 5_000);
        assert_eq!(v.snapped_frame_at(LEFT + 200.0, LEFT, 10_000), 5_001);
        assert_eq!(v.nearest_boundary(LEFT + 99.0, LEFT, 10_000), 5_000);
        assert_eq!(v.nearest_boundary(LEFT + 101.0, LEFT, 10_000), 5_001);
        // Three hours at 30 fps across 800 points.
        let frames = 3 * 3600 * 30;
        let v = TimeView::fit(frames, 800.0);
        assert!((v.x_of(frames as f64, LEFT) - (LEFT + 800.0)).abs() < 1e-6);
        assert_eq!(v.snapped_frame_at(LEFT, LEFT, frames), 0);
        assert_eq!(
            v.snapped_frame_at(LEFT + 800.0, LEFT, frames),
            frames - 1,
            "clamped to the last frame"
        );
        let mid = v.snapped_frame_at(LEFT + 400.0, LEFT, frames);
        assert_eq!(mid, frames / 2);
        for f in [0, 1, 12_345, frames - 1] {
            let x = v.x_of(f as f64 + 0.5, LEFT);
            assert_eq!(v.snapped_frame_at(x, LEFT, frames), f, "frame {f}");
        }
    }

    #[test]
    fn pan_and_zoom_return_new_views_and_keep_the_anchor() {
        let v = TimeView::fit(9_000, 900.0);
        assert_eq!(v.frames_per_point, 10.0);
        let p = v.pan(50.0);
        assert_eq!(p.first, 500.0);
        assert_eq!(
            p.frames_per_point, v.frames_per_point,
            "panning keeps the zoom"
        );
        assert_eq!(p.pan(-50.0), v, "panning back returns to the start");
        let z = v.zoom_at(LEFT + 300.0, LEFT, 4.0, 9_000, 900.0);
        assert!(
            (z.frame_at(LEFT + 300.0, LEFT) - 3_000.0).abs() < 1e-9,
            "the frame under the pointer stays"
        );
        assert_eq!(z.frames_per_point, 2.5);
        // Zoom stops at MAX_POINTS_PER_FRAME and at a little past the whole recording.
        let deep = (0..40).fold(v, |v, _| v.zoom_at(LEFT, LEFT, 2.0, 9_000, 900.0));
        assert_eq!(deep.points_per_frame(), MAX_POINTS_PER_FRAME);
        let wide = (0..40).fold(v, |v, _| v.zoom_at(LEFT, LEFT, 0.5, 9_000, 900.0));
        assert!(wide.frames_per_point <= 15.0 + 1e-9);
    }

    #[test]
    fn ticks_space_out_and_label_only_with_room() {
        let rate = FrameRate::FPS_30;
        // Zoomed in: frame ticks, labelled with frame numbers.
        let v = TimeView {
            first: 0.0,
            frames_per_point: 1.0 / 100.0,
        };
        let t = ticks(&v, 800.0, 10_000, rate);
        assert_eq!(
            t.iter().map(|t| t.frame).take(3).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert!(t.iter().all(|t| t.label.is_some()));
        assert_eq!(t[1].label.as_deref(), Some("#1"));
        // Zoomed out: 3 hours in 800 points, ticks minutes apart, labels hours:minutes.
        let frames = 3 * 3600 * 30;
        let v = TimeView::fit(frames, 800.0);
        let t = ticks(&v, 800.0, frames, rate);
        let step = t[1].frame - t[0].frame;
        assert!(
            step as f64 / v.frames_per_point >= MIN_TICK_SPACING,
            "ticks at least {MIN_TICK_SPACING} points apart"
        );
        assert!(step.is_multiple_of(30 * 60), "whole minutes: {step}");
        let labels: Vec<&str> = t.iter().filter_map(|t| t.label.as_deref()).collect();
        assert!(labels.contains(&"01:00:00"), "{labels:?}");
        for pair in t
            .iter()
            .filter(|t| t.label.is_some())
            .collect::<Vec<_>>()
            .windows(2)
        {
            assert!((pair[1].frame - pair[0].frame) as f64 / v.frames_per_point >= LABEL_SPACING);
        }
        // Labelled ticks are the strongest.
        assert!(
            t.iter()
                .filter(|t| t.label.is_some())
                .all(|t| t.strength >= 0.99)
        );
        // Two minutes across 1100 points: labels every ten seconds, not none.
        let v = TimeView::fit(3600, 1100.0);
        let labels: Vec<String> = ticks(&v, 1100.0, 3600, rate)
            .into_iter()
            .filter_map(|t| t.label)
            .collect();
        assert_eq!(labels.first().map(String::as_str), Some("00:00:00"));
        assert_eq!(labels.get(1).map(String::as_str), Some("00:00:10"));
    }
}
