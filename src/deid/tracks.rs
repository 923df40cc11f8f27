//! Joining per-frame face boxes into tracks, so one missed frame exposes nothing.
//!
//! A detector misses a face now and then (motion blur, a hand in front, a
//! turned head). Boxes on neighbouring frames that overlap, or whose centres
//! are close, join one track; inside a track a gap of up to `max_gap` frames
//! is filled by moving the box linearly between the detections either side,
//! and every track is held `hold` frames before its first and after its last
//! detection. Finally every box is enlarged (`enlarge`, 1.3× by default) so
//! hair, ears and chin are covered too.

use serde::{Deserialize, Serialize};

use super::Rect;

/// How boxes become covered regions.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackSettings {
    /// Growth of every box about its centre.
    pub enlarge: f32,
    /// Frames a track is held before its first and after its last detection.
    pub hold: u32,
    /// Longest run of missed frames bridged inside a track.
    pub max_gap: u32,
}

impl Default for TrackSettings {
    fn default() -> Self {
        Self {
            enlarge: 1.3,
            hold: 5,
            max_gap: 15,
        }
    }
}

impl TrackSettings {
    /// Warnings for settings that cover less than the defaults (shown before export).
    pub fn warnings(&self) -> Vec<String> {
        let d = Self::default();
        let mut out = Vec::new();
        if self.enlarge < d.enlarge {
            out.push(format!(
                "boxes enlarged {:.2}× (default {:.2}×): hair, ears and chin may show",
                self.enlarge, d.enlarge
            ));
        }
        if self.hold < d.hold || self.max_gap < d.max_gap {
            out.push(format!(
                "tracks held {} frames and gaps bridged up to {} (defaults {} and {}): a missed frame may expose a face",
                self.hold, self.max_gap, d.hold, d.max_gap
            ));
        }
        out
    }
}

struct Track {
    /// (frame offset, box) in frame order.
    boxes: Vec<(usize, Rect)>,
}

impl Track {
    fn last(&self) -> (usize, Rect) {
        self.boxes[self.boxes.len() - 1]
    }
}

/// Whether `b` on a later frame continues the track whose last box is `a`.
fn continues(a: Rect, b: Rect) -> bool {
    if a.iou(b) > 0.1 {
        return true;
    }
    let ((ax, ay), (bx, by)) = (a.centre(), b.centre());
    let reach = a.w.max(a.h).max(b.w.max(b.h));
    ((ax - bx).powi(2) + (ay - by).powi(2)).sqrt() < reach
}

/// The covered boxes of every frame, given the detections of every frame
/// (`detections[i]` = boxes on the `i`-th frame of the range).
pub fn build(detections: &[Vec<Rect>], settings: &TrackSettings) -> Vec<Vec<Rect>> {
    let frames = detections.len();
    let mut tracks: Vec<Track> = Vec::new();
    for (f, boxes) in detections.iter().enumerate() {
        // Larger boxes first: they are the more certain faces.
        let mut order: Vec<&Rect> = boxes.iter().collect();
        order.sort_by(|a, b| (b.w * b.h).total_cmp(&(a.w * a.h)));
        let mut taken = vec![false; tracks.len()];
        for &b in order {
            let mut best: Option<(usize, f32)> = None;
            for (t, track) in tracks.iter().enumerate() {
                let (lf, lb) = track.last();
                if taken[t] || lf >= f || f - lf > settings.max_gap as usize + 1 {
                    continue;
                }
                if continues(lb, b) {
                    let score = lb.iou(b);
                    if best.is_none_or(|(_, s)| score > s) {
                        best = Some((t, score));
                    }
                }
            }
            match best {
                Some((t, _)) => {
                    taken[t] = true;
                    tracks[t].boxes.push((f, b));
                }
                None => {
                    tracks.push(Track {
                        boxes: vec![(f, b)],
                    });
                    taken.push(true);
                }
            }
        }
    }
    let mut out = vec![Vec::new(); frames];
    let hold = settings.hold as usize;
    for track in &tracks {
        let (first_f, first_b) = track.boxes[0];
        let (last_f, last_b) = track.last();
        for slot in &mut out[first_f.saturating_sub(hold)..first_f] {
            slot.push(first_b);
        }
        for pair in track.boxes.windows(2) {
            let ((fa, a), (fb, b)) = (pair[0], pair[1]);
            out[fa].push(a);
            for (step, slot) in out[fa + 1..fb].iter_mut().enumerate() {
                let t = (step + 1) as f32 / (fb - fa) as f32;
                slot.push(a.lerp(b, t));
            }
        }
        out[last_f].push(last_b);
        for slot in out
            .iter_mut()
            .take((last_f + hold + 1).min(frames))
            .skip(last_f + 1)
        {
            slot.push(last_b);
        }
    }
    for boxes in &mut out {
        for b in boxes.iter_mut() {
            *b = b.scaled(settings.enlarge);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(x: f32) -> Rect {
        Rect {
            x,
            y: 10.0,
            w: 20.0,
            h: 20.0,
        }
    }

    #[test]
    fn a_missed_frame_is_bridged_and_ends_are_held() {
        let mut det = vec![Vec::new(); 30];
        det[10] = vec![r(0.0)];
        det[11] = vec![r(2.0)];
        // 12, 13 missed
        det[14] = vec![r(8.0)];
        let s = TrackSettings {
            enlarge: 1.0,
            hold: 3,
            max_gap: 5,
        };
        let out = build(&det, &s);
        assert!(out[6].is_empty());
        assert_eq!(out[7], vec![r(0.0)]);
        assert_eq!(out[12], vec![r(4.0)]);
        assert_eq!(out[13], vec![r(6.0)]);
        assert_eq!(out[17], vec![r(8.0)]);
        assert!(out[18].is_empty());
    }

    #[test]
    fn far_apart_faces_make_separate_tracks_and_long_gaps_are_not_bridged() {
        let mut det = vec![Vec::new(); 40];
        det[0] = vec![r(0.0), r(200.0)];
        det[1] = vec![r(1.0), r(201.0)];
        det[30] = vec![r(2.0)];
        let s = TrackSettings {
            enlarge: 1.0,
            hold: 0,
            max_gap: 5,
        };
        let out = build(&det, &s);
        assert_eq!(out[1].len(), 2);
        assert!(
            out[15].is_empty(),
            "a 28-frame gap is a new face, not a bridge"
        );
        assert_eq!(out[30], vec![r(2.0)]);
    }

    #[test]
    fn boxes_are_enlarged_and_weaker_settings_warn() {
        let det = vec![vec![r(0.0)]];
        let out = build(&det, &TrackSettings::default());
        assert_eq!(out[0][0].w, 26.0);
        assert!(TrackSettings::default().warnings().is_empty());
        let weak = TrackSettings {
            enlarge: 1.0,
            ..Default::default()
        };
        assert_eq!(weak.warnings().len(), 1);
    }
}
