//! De-identification: finding faces and covering regions of video frames.
//!
//! Engine code (no egui, no GStreamer pipelines): the exporter in
//! [`crate::export`] drives it frame by frame.
//!
//! ```text
//! pass 1: frame ──► [detector::FaceDetector] ──► boxes per frame ──► [tracks::build] ──► covered boxes per frame
//! manual regions (keyframed, interpolated) ──────────────────────────────────────┘
//! pass 2: frame ──► [redact::cover] (solid fill or coarse pixelation) ──► encoder
//! ```

pub mod detector;
pub mod redact;
pub mod regions;
pub mod tracks;

pub use detector::{DetectorError, FaceBox, FaceDetector};
pub use redact::{CoverStyle, PlanarFrame, Plane};
pub use regions::{ManualRegion, RegionSet, Shape};
pub use tracks::TrackSettings;

/// An axis-aligned box in source pixels (floating point, may extend past the frame).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rect {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl Rect {
    /// The box grown (or shrunk) about its centre by `factor`.
    pub fn scaled(self, factor: f32) -> Self {
        let (cx, cy) = (self.x + self.w / 2.0, self.y + self.h / 2.0);
        let (w, h) = (self.w * factor, self.h * factor);
        Self {
            x: cx - w / 2.0,
            y: cy - h / 2.0,
            w,
            h,
        }
    }

    /// Intersection over union of two boxes (0 when either is empty).
    pub fn iou(self, other: Self) -> f32 {
        let x0 = self.x.max(other.x);
        let y0 = self.y.max(other.y);
        let x1 = (self.x + self.w).min(other.x + other.w);
        let y1 = (self.y + self.h).min(other.y + other.h);
        let inter = (x1 - x0).max(0.0) * (y1 - y0).max(0.0);
        let union = self.w * self.h + other.w * other.h - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }

    /// Linear interpolation between two boxes, `t` in 0..=1.
    pub fn lerp(self, other: Self, t: f32) -> Self {
        let l = |a: f32, b: f32| a + (b - a) * t;
        Self {
            x: l(self.x, other.x),
            y: l(self.y, other.y),
            w: l(self.w, other.w),
            h: l(self.h, other.h),
        }
    }

    /// Centre point.
    pub fn centre(self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Rect;

    #[test]
    fn iou_and_scale() {
        let a = Rect {
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        let b = Rect {
            x: 5.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        assert!((a.iou(b) - 50.0 / 150.0).abs() < 1e-6);
        assert_eq!(a.iou(Rect { x: 20.0, ..a }), 0.0);
        let s = a.scaled(1.5);
        assert_eq!((s.x, s.y, s.w, s.h), (-2.5, -2.5, 15.0, 15.0));
        assert_eq!(a.lerp(b, 0.5).x, 2.5);
    }
}
