//! Covering regions of an I420 picture: solid fill or coarse pixelation.
//!
//! Never a blur: a light blur can be partly reversed, and a face under a
//! blur can still be recognised. Pixelation uses blocks of at least an
//! eighth of the region's larger side (and at least 8 pixels), so a face
//! becomes at most 8×8 flat tiles.

use super::Rect;
use super::regions::Shape;
pub use crate::media::planar::{PlanarFrame, Plane};

/// How a region is covered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoverStyle {
    /// A flat dark grey fill (the default: nothing of the picture survives).
    #[default]
    Fill,
    /// Flat blocks, each the average of what it covers; at most 8 across.
    Pixelate,
}

impl std::str::FromStr for CoverStyle {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fill" => Ok(Self::Fill),
            "pixelate" => Ok(Self::Pixelate),
            other => Err(format!(
                "'{other}' is not a cover style: use fill or pixelate"
            )),
        }
    }
}

impl CoverStyle {
    /// The name used in settings and manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fill => "fill",
            Self::Pixelate => "pixelate",
        }
    }
}

/// Y, U, V of the fill colour (BT.601 limited range dark grey).
const FILL: [u8; 3] = [40, 128, 128];

/// Covering, drawn straight into the picture's planes.
impl PlanarFrame {
    /// Covers `region` (source pixels, clipped to the frame) shaped as `shape`;
    /// returns how many luma pixels it covered (0: the region missed the picture).
    pub fn cover(&mut self, region: Rect, shape: Shape, style: CoverStyle) -> u64 {
        let Some(bounds) = self.clip(region) else {
            return 0;
        };
        match style {
            CoverStyle::Fill => self.fill(bounds, region, shape),
            CoverStyle::Pixelate => self.pixelate(bounds, region, shape),
        }
    }

    /// Covers everything outside `region` with a solid fill; returns the luma pixels covered.
    pub fn cover_outside(&mut self, region: Rect, shape: Shape) -> u64 {
        let mut covered = 0u64;
        for (p, &fill) in FILL.iter().enumerate() {
            let pl = self.planes[p];
            let sub = if p == 0 { 1.0 } else { 2.0 };
            for y in 0..pl.height {
                for x in 0..pl.width {
                    let (lx, ly) = ((x as f32 + 0.5) * sub, (y as f32 + 0.5) * sub);
                    if !shape.contains(region, lx, ly) {
                        self.set(p, x, y, fill);
                        covered += u64::from(p == 0);
                    }
                }
            }
        }
        covered
    }

    /// The integer luma bounds `(x0, y0, x1, y1)` of `r` inside the frame, if any.
    fn clip(&self, r: Rect) -> Option<(usize, usize, usize, usize)> {
        let x0 = r.x.floor().max(0.0) as usize;
        let y0 = r.y.floor().max(0.0) as usize;
        let x1 = ((r.x + r.w).ceil().max(0.0) as usize).min(self.width as usize);
        let y1 = ((r.y + r.h).ceil().max(0.0) as usize).min(self.height as usize);
        (x1 > x0 && y1 > y0).then_some((x0, y0, x1, y1))
    }

    fn fill(
        &mut self,
        (x0, y0, x1, y1): (usize, usize, usize, usize),
        r: Rect,
        shape: Shape,
    ) -> u64 {
        let mut covered = 0u64;
        for (p, &fill) in FILL.iter().enumerate() {
            let sub = if p == 0 { 1 } else { 2 };
            let pl = self.planes[p];
            let (px0, py0) = (x0 / sub, y0 / sub);
            let (px1, py1) = (
                x1.div_ceil(sub).min(pl.width),
                y1.div_ceil(sub).min(pl.height),
            );
            for y in py0..py1 {
                for x in px0..px1 {
                    if self.inside(shape, r, x, y, sub) {
                        self.set(p, x, y, fill);
                        covered += u64::from(p == 0);
                    }
                }
            }
        }
        covered
    }

    fn pixelate(
        &mut self,
        (x0, y0, x1, y1): (usize, usize, usize, usize),
        r: Rect,
        shape: Shape,
    ) -> u64 {
        let mut covered = 0u64;
        // Block side in luma pixels: an eighth of the larger side, at least 8, even.
        let side = ((r.w.max(r.h) / 8.0).ceil() as usize)
            .max(8)
            .next_multiple_of(2);
        for p in 0..3 {
            let sub = if p == 0 { 1 } else { 2 };
            let pl = self.planes[p];
            let block = side / sub;
            let (px0, py0) = (x0 / sub, y0 / sub);
            let (px1, py1) = (
                x1.div_ceil(sub).min(pl.width),
                y1.div_ceil(sub).min(pl.height),
            );
            let mut by = py0;
            while by < py1 {
                let bye = (by + block).min(py1);
                let mut bx = px0;
                while bx < px1 {
                    let bxe = (bx + block).min(px1);
                    let (mut sum, mut n) = (0u32, 0u32);
                    for y in by..bye {
                        for x in bx..bxe {
                            sum += u32::from(self.at(p, x, y));
                            n += 1;
                        }
                    }
                    let mean = (sum / n.max(1)) as u8;
                    for y in by..bye {
                        for x in bx..bxe {
                            if self.inside(shape, r, x, y, sub) {
                                self.set(p, x, y, mean);
                                covered += u64::from(p == 0);
                            }
                        }
                    }
                    bx = bxe;
                }
                by = bye;
            }
        }
        covered
    }

    /// Whether the plane sample (`x`, `y`) (subsampled by `sub`) touches the region.
    #[inline]
    fn inside(&self, shape: Shape, r: Rect, x: usize, y: usize, sub: usize) -> bool {
        match shape {
            Shape::Rect => true,
            Shape::Ellipse => {
                // A chroma sample covers `sub`×`sub` luma pixels: cover it if its
                // centre is inside, erring towards covering.
                let s = sub as f32;
                let (lx, ly) = ((x as f32 + 0.5) * s, (y as f32 + 0.5) * s);
                shape.contains(r.scaled(1.0 + 2.0 * s / r.w.max(r.h).max(1.0)), lx, ly)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy(w: u32, h: u32) -> PlanarFrame {
        let mut f = PlanarFrame::black(w, h);
        for (i, b) in f.data.iter_mut().enumerate() {
            *b = (crate::media::testsrc::splitmix64(i as u64) % 200 + 20) as u8;
        }
        f
    }

    #[test]
    fn fill_covers_exactly_the_box() {
        let mut f = noisy(64, 48);
        let before = f.clone();
        let r = Rect {
            x: 10.0,
            y: 8.0,
            w: 20.0,
            h: 16.0,
        };
        assert_eq!(
            f.cover(r, Shape::Rect, CoverStyle::Fill),
            20 * 16,
            "pixels covered"
        );
        // A box beside the picture covers nothing, and says so.
        let beside = Rect {
            x: 64.0,
            y: 48.0,
            w: 64.0,
            h: 48.0,
        };
        assert_eq!(
            f.clone().cover(beside, Shape::Rect, CoverStyle::Pixelate),
            0
        );
        for y in 0..48 {
            for x in 0..64 {
                let inside = (10..30).contains(&x) && (8..24).contains(&y);
                if inside {
                    assert_eq!(f.at(0, x, y), FILL[0]);
                } else {
                    assert_eq!(f.at(0, x, y), before.at(0, x, y), "({x},{y}) changed");
                }
            }
        }
    }

    #[test]
    fn pixelation_leaves_at_most_eight_blocks_across() {
        let mut f = noisy(128, 128);
        let r = Rect {
            x: 0.0,
            y: 0.0,
            w: 128.0,
            h: 128.0,
        };
        f.cover(r, Shape::Rect, CoverStyle::Pixelate);
        let mut distinct_runs = 0;
        let mut last = None;
        for x in 0..128 {
            let v = f.at(0, x, 5);
            if last != Some(v) {
                distinct_runs += 1;
                last = Some(v);
            }
        }
        assert!(
            distinct_runs <= 8,
            "{distinct_runs} runs across a pixelated row"
        );
    }

    #[test]
    fn ellipse_spares_corners_and_outside_inverts() {
        let mut f = noisy(64, 64);
        let before = f.clone();
        let r = Rect {
            x: 0.0,
            y: 0.0,
            w: 64.0,
            h: 64.0,
        };
        f.cover(r, Shape::Ellipse, CoverStyle::Fill);
        assert_eq!(f.at(0, 32, 32), FILL[0]);
        assert_eq!(f.at(0, 0, 0), before.at(0, 0, 0));
        let mut g = before.clone();
        g.cover_outside(
            Rect {
                x: 16.0,
                y: 16.0,
                w: 32.0,
                h: 32.0,
            },
            Shape::Rect,
        );
        assert_eq!(g.at(0, 2, 2), FILL[0]);
        assert_eq!(g.at(0, 30, 30), before.at(0, 30, 30));
    }

    #[test]
    fn boxes_outside_the_frame_are_ignored() {
        let mut f = noisy(32, 32);
        let before = f.data.clone();
        f.cover(
            Rect {
                x: 40.0,
                y: -5.0,
                w: 10.0,
                h: 10.0,
            },
            Shape::Rect,
            CoverStyle::Fill,
        );
        assert_eq!(f.data, before);
    }
}
