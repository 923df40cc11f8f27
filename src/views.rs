//! Several camera views of one recording, in step (issue 16, first part).
//!
//! A recording's first view is its **reference**: its frames are the
//! recording's frames, and annotations stay on them. Every other view has a
//! [`Mapping`] from the reference's time to its own: an offset and a drift in
//! parts per million. From a mapping and the view's frame table follows which
//! of the view's frames shows at a reference frame ([`view_frame`]), and from
//! marks of the same event on both views follows the mapping itself
//! ([`marks::fit`]).
//!
//! Pure logic over frame tables: no media is opened here.

pub mod audio;
pub mod marks;
pub mod players;

use serde::{Deserialize, Serialize};

use crate::media::FrameTable;

/// How a view's time follows the reference's: `view = offset + ref × (1 + ppm / 10⁶)`.
///
/// A view that started recording 1.2 s after the reference shows, at
/// reference time t, its own time t − 1.2 s: its offset is −1.2 s. A camera
/// whose clock runs 100 ppm fast has drift +100.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    /// The view's time at reference time 0, in ns.
    pub offset_ns: i64,
    /// How much faster the view's clock runs, in parts per million.
    pub drift_ppm: f64,
}

impl Mapping {
    /// The view's time (ns) at reference time `ref_ns`.
    pub fn view_ns(&self, ref_ns: i64) -> i64 {
        let scaled = ref_ns as f64 * (1.0 + self.drift_ppm / 1e6);
        self.offset_ns + scaled.round() as i64
    }

    /// The reference time (ns) at view time `view_ns` (the inverse of [`Mapping::view_ns`]).
    pub fn ref_ns(&self, view_ns: i64) -> i64 {
        ((view_ns - self.offset_ns) as f64 / (1.0 + self.drift_ppm / 1e6)).round() as i64
    }

    /// The mapping moved by `delta_ns` (a nudge: ±10 ms, or ± one frame period).
    pub fn nudged(self, delta_ns: i64) -> Self {
        Self {
            offset_ns: self.offset_ns + delta_ns,
            ..self
        }
    }
}

/// What set a view's mapping (the reviewer always sees which).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncSource {
    /// The reference view itself: its time is the recording's.
    Reference,
    /// Added and not synchronised yet (offset 0, no drift).
    Unsynced,
    /// Found by matching the view's sound with the reference's.
    Audio,
    /// Fitted from sync marks of the same events on both views.
    Marks,
    /// Typed in or nudged by a reviewer.
    Manual,
    /// Recorded together with the reference, on one clock.
    Capture,
}

impl SyncSource {
    /// The name stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reference => "reference",
            Self::Unsynced => "unsynced",
            Self::Audio => "audio",
            Self::Marks => "marks",
            Self::Manual => "manual",
            Self::Capture => "capture",
        }
    }
}

impl std::str::FromStr for SyncSource {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        [
            Self::Reference,
            Self::Unsynced,
            Self::Audio,
            Self::Marks,
            Self::Manual,
            Self::Capture,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("'{s}' is not a sync source"))
    }
}

/// One camera view of a recording, as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct View {
    /// The view's id (the reference view's is the recording's own).
    pub view_id: String,
    /// Camera label ("overhead", "team", "monitor").
    pub camera: Option<String>,
    /// True for the reference view (the first).
    pub reference: bool,
    /// Its mapping onto the reference's time (zero for the reference).
    pub mapping: Mapping,
    /// What set the mapping.
    pub source: SyncSource,
    /// How sure that was (audio: the weakest window's correlation, 0–1).
    pub score: Option<f64>,
    /// The view's own frames.
    pub frames: u64,
    /// Its length by its own clock, in ns.
    pub duration_ns: i64,
}

impl View {
    /// The view as `debrief sync --json` and the JSON annotation export
    /// write it: `offset_ms` is where it starts on the reference's timeline.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "view_id": self.view_id,
            "camera": self.camera,
            "reference": self.reference,
            "offset_ms": self.mapping.start_ns() as f64 / 1e6,
            "ppm": self.mapping.drift_ppm,
            "source": self.source.as_str(),
            "score": self.score,
            "frames": self.frames,
        })
    }
}

impl Mapping {
    /// Where the view's time 0 falls on the reference's timeline, in ns
    /// (positive: the view started later). What `debrief sync` prints as `offset_ms`.
    pub fn start_ns(&self) -> i64 {
        self.ref_ns(0)
    }

    /// The mapping of a view whose time 0 falls at reference time `start_ns`
    /// and whose clock runs `drift_ppm` fast (the inverse of [`Mapping::start_ns`]).
    pub fn starting_at(start_ns: i64, drift_ppm: f64) -> Self {
        let offset = -(start_ns as f64) * (1.0 + drift_ppm / 1e6);
        Self {
            offset_ns: offset.round() as i64,
            drift_ppm,
        }
    }
}

/// What a view shows at a reference frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// This frame of the view.
    Frame(u64),
    /// The reference time falls before the view's first frame or after its last.
    Outside,
}

/// The view's frame at reference frame `ref_index`: the one whose
/// presentation interval contains the mapped time of the reference frame's
/// start, or [`Shown::Outside`] beyond the view's recording.
pub fn view_frame(
    reference: &FrameTable,
    view: &FrameTable,
    mapping: Mapping,
    ref_index: u64,
) -> Shown {
    let Some(ref_ns) = reference.pts(ref_index) else {
        return Shown::Outside;
    };
    view_frame_at(view, mapping.view_ns(ref_ns))
}

/// The view's frame whose presentation interval contains view time `view_ns`.
pub fn view_frame_at(view: &FrameTable, view_ns: i64) -> Shown {
    let Some(first) = view.pts(0) else {
        return Shown::Outside;
    };
    if view_ns < first || view_ns >= view.end_ns() {
        return Shown::Outside;
    }
    view.frame_at(view_ns).map_or(Shown::Outside, Shown::Frame)
}

/// The reference frames a view covers (first and last), for the timeline's
/// coverage bar; `None` when the two never overlap.
pub fn coverage(reference: &FrameTable, view: &FrameTable, mapping: Mapping) -> Option<(u64, u64)> {
    let first = view.pts(0)?;
    let (start, end) = (mapping.ref_ns(first), mapping.ref_ns(view.end_ns()));
    let pts = reference.all_pts();
    let from = pts.partition_point(|&p| p < start);
    let to = pts.partition_point(|&p| p < end).checked_sub(1)?;
    (from <= to).then_some((from as u64, to as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::FrameRate;

    fn table(frames: u64) -> FrameTable {
        FrameTable::constant(frames, FrameRate::new(30, 1).unwrap(), 30)
    }

    #[test]
    fn a_view_that_started_later_shows_earlier_frames() {
        let (reference, view) = (table(300), table(300));
        // The view started 1 s (30 frames) after the reference.
        let later = Mapping {
            offset_ns: -1_000_000_000,
            drift_ppm: 0.0,
        };
        assert_eq!(view_frame(&reference, &view, later, 29), Shown::Outside);
        assert_eq!(view_frame(&reference, &view, later, 30), Shown::Frame(0));
        assert_eq!(view_frame(&reference, &view, later, 100), Shown::Frame(70));
        assert_eq!(coverage(&reference, &view, later), Some((30, 299)));
    }

    #[test]
    fn a_frame_is_the_one_whose_interval_holds_the_time() {
        let (reference, view) = (table(300), table(300));
        // Half a frame late: still the same frame index, not the next one.
        let half = Mapping {
            offset_ns: 16_000_000,
            drift_ppm: 0.0,
        };
        assert_eq!(view_frame(&reference, &view, half, 10), Shown::Frame(10));
        let past_end = Mapping {
            offset_ns: 34_000_000,
            drift_ppm: 0.0,
        };
        assert_eq!(view_frame(&reference, &view, past_end, 299), Shown::Outside);
    }

    #[test]
    fn drift_accumulates_and_the_inverse_undoes_it() {
        let fast = Mapping {
            offset_ns: 0,
            drift_ppm: 100.0,
        };
        // 100 ppm over 100 s is 10 ms.
        assert_eq!(fast.view_ns(100_000_000_000), 100_010_000_000);
        for t in [0i64, 1, 33_366_667, 59_999_999_999] {
            assert!((fast.ref_ns(fast.view_ns(t)) - t).abs() <= 1);
        }
        let reference = table(3600);
        // At 100 s the fast view is 0.3 of a frame ahead: frame 3000 still; at 400 s it
        // would be 1.2 frames ahead.
        let view = table(20_000);
        assert_eq!(
            view_frame(&reference, &view, fast, 3000),
            Shown::Frame(3000)
        );
        assert_eq!(
            fast.nudged(-10_000_000).view_ns(100_000_000_000),
            100_000_000_000
        );
    }

    #[test]
    fn the_start_on_the_reference_is_the_printed_offset() {
        let later = Mapping::starting_at(1_234_000_000, 100.0);
        assert_eq!(later.start_ns(), 1_234_000_000);
        // At reference 1.234 s the view is at its own 0; 10 s later its clock reads 10.001 s.
        assert_eq!(later.view_ns(1_234_000_000), 0);
        assert_eq!(later.view_ns(11_234_000_000), 10_001_000_000);
        for source in [
            "reference",
            "unsynced",
            "audio",
            "marks",
            "manual",
            "capture",
        ] {
            assert_eq!(source.parse::<SyncSource>().unwrap().as_str(), source);
        }
        assert!("guess".parse::<SyncSource>().is_err());
    }

    #[test]
    fn an_empty_view_shows_nothing() {
        let empty = FrameTable::new(Vec::new(), Vec::new());
        assert_eq!(
            view_frame(&table(10), &empty, Mapping::default(), 0),
            Shown::Outside
        );
        assert_eq!(coverage(&table(10), &empty, Mapping::default()), None);
    }
}
