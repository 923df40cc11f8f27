//! The reviewer's manual regions: shapes with keyframes, interpolated between them.
//!
//! Stored as JSON (`schemas/regions.schema.json`), coordinates as fractions
//! of the picture (0–1), so a region drawn on a scaled preview applies to
//! the full-size frame. A region is active from its first keyframe to its
//! last; one with a single keyframe stays put for the whole clip. Between
//! keyframes the box moves linearly. `invert` covers everything *except*
//! the region (for a recording where only one area may be shown).

use serde::{Deserialize, Serialize};

use super::Rect;

/// The outline of a region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// The whole box.
    #[default]
    Rect,
    /// The ellipse inscribed in the box.
    Ellipse,
}

impl Shape {
    /// Whether the point (`x`, `y`) lies inside `r` with this outline.
    #[inline]
    pub fn contains(self, r: Rect, x: f32, y: f32) -> bool {
        match self {
            Self::Rect => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h,
            Self::Ellipse => {
                let (cx, cy) = r.centre();
                let (rx, ry) = (r.w / 2.0, r.h / 2.0);
                if rx <= 0.0 || ry <= 0.0 {
                    return false;
                }
                let (dx, dy) = ((x - cx) / rx, (y - cy) / ry);
                dx * dx + dy * dy <= 1.0
            }
        }
    }
}

/// Where a region is on one frame (fractions of the picture).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyframe {
    /// Frame index in the recording.
    pub frame: u64,
    /// Left edge, 0–1.
    pub x: f32,
    /// Top edge, 0–1.
    pub y: f32,
    /// Width, 0–1.
    pub w: f32,
    /// Height, 0–1.
    pub h: f32,
}

/// One manual region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualRegion {
    /// Outline.
    #[serde(default)]
    pub shape: Shape,
    /// Cover everything except this region.
    #[serde(default)]
    pub invert: bool,
    /// Positions, in frame order.
    pub keyframes: Vec<Keyframe>,
}

impl ManualRegion {
    /// The region's box on `frame` in pixels of a `width`×`height` picture, if active there.
    pub fn at(&self, frame: u64, width: u32, height: u32) -> Option<Rect> {
        let first = self.keyframes.first()?;
        let last = self.keyframes.last()?;
        let k = if self.keyframes.len() == 1 {
            *first
        } else if frame < first.frame || frame > last.frame {
            return None;
        } else {
            let i = self.keyframes.partition_point(|k| k.frame <= frame);
            let a = self.keyframes[i.saturating_sub(1)];
            match self.keyframes.get(i) {
                Some(b) if b.frame > a.frame => {
                    let t = (frame - a.frame) as f32 / (b.frame - a.frame) as f32;
                    let r = Rect {
                        x: a.x,
                        y: a.y,
                        w: a.w,
                        h: a.h,
                    }
                    .lerp(
                        Rect {
                            x: b.x,
                            y: b.y,
                            w: b.w,
                            h: b.h,
                        },
                        t,
                    );
                    Keyframe {
                        frame,
                        x: r.x,
                        y: r.y,
                        w: r.w,
                        h: r.h,
                    }
                }
                _ => a,
            }
        };
        let (fw, fh) = (width as f32, height as f32);
        Some(Rect {
            x: k.x * fw,
            y: k.y * fh,
            w: k.w * fw,
            h: k.h * fh,
        })
    }

    /// Adds or replaces the keyframe at `k.frame`, keeping frame order.
    pub fn set_keyframe(&mut self, k: Keyframe) {
        match self.keyframes.binary_search_by_key(&k.frame, |x| x.frame) {
            Ok(i) => self.keyframes[i] = k,
            Err(i) => self.keyframes.insert(i, k),
        }
    }

    /// Removes the keyframe at `frame`; returns whether there was one.
    pub fn remove_keyframe(&mut self, frame: u64) -> bool {
        match self.keyframes.binary_search_by_key(&frame, |x| x.frame) {
            Ok(i) => {
                self.keyframes.remove(i);
                true
            }
            Err(_) => false,
        }
    }
}

/// Every manual region of one export (the `--regions` file).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSet {
    /// Format version (1).
    #[serde(default = "one")]
    pub version: u32,
    /// The regions.
    #[serde(default)]
    pub regions: Vec<ManualRegion>,
}

fn one() -> u32 {
    1
}

impl RegionSet {
    /// The regions active on `frame`, each with its box in pixels of a
    /// `width`×`height` picture.
    pub fn active_at(&self, frame: u64, width: u32, height: u32) -> Vec<(&ManualRegion, Rect)> {
        self.regions
            .iter()
            .filter_map(|r| Some((r, r.at(frame, width, height)?)))
            .collect()
    }

    /// Parses and checks a regions file's text; `what` names it in messages.
    pub fn parse(text: &str, what: &str) -> Result<Self, String> {
        let invalid = |problems: Vec<String>| {
            format!(
                "{what} is not a valid regions file (schemas/regions.schema.json): {}",
                problems.join("; ")
            )
        };
        let value = crate::model::schema::Bundled::Regions
            .parse(text, what)
            .map_err(invalid)?;
        let mut set: Self =
            serde_json::from_value(value).map_err(|e| invalid(vec![format!("{what}: {e}")]))?;
        // The schema holds the version, at least one keyframe and every
        // coordinate in 0–1 with a width and height above 0; what it cannot
        // say is checked here.
        for (i, region) in set.regions.iter_mut().enumerate() {
            region.keyframes.sort_by_key(|k| k.frame);
            if region
                .keyframes
                .windows(2)
                .any(|w| w[0].frame == w[1].frame)
            {
                return Err(format!(
                    "{what}: /regions/{i} has two keyframes on the same frame"
                ));
            }
        }
        Ok(set)
    }

    /// Refuses regions that would cover nothing in a clip of frames `from..=to`
    /// of a recording of `frames` frames of `width`×`height` pixels: keyframes
    /// outside the recording, boxes reaching outside the picture or smaller
    /// than a pixel, regions active only outside the clip. Each problem names
    /// the region and keyframe (1-based, as people count).
    pub fn check(
        &self,
        from: u64,
        to: u64,
        frames: u64,
        width: u32,
        height: u32,
    ) -> Result<(), String> {
        // A rounding allowance: 1.0000001 is the edge, not beyond it.
        const EDGE: f32 = 1e-4;
        let last = frames.saturating_sub(1);
        for (i, region) in self.regions.iter().enumerate() {
            let name = format!("region {}", i + 1);
            for (j, k) in region.keyframes.iter().enumerate() {
                let at = format!("{name}, keyframe {} (frame {})", j + 1, k.frame);
                if k.frame > last {
                    return Err(format!(
                        "{at} lies outside the recording (frames 0 to {last}): move it onto \
                         the recording"
                    ));
                }
                let finite = [k.x, k.y, k.w, k.h].iter().all(|v| v.is_finite());
                if !finite || k.x + k.w > 1.0 + EDGE || k.y + k.h > 1.0 + EDGE {
                    return Err(format!(
                        "{at} reaches outside the picture (x {} + w {} and y {} + h {} must \
                         each be at most 1): draw it inside the picture",
                        k.x, k.w, k.y, k.h
                    ));
                }
                let (pw, ph) = (k.w * width as f32, k.h * height as f32);
                if pw < 1.0 || ph < 1.0 {
                    return Err(format!(
                        "{at} is smaller than a pixel ({pw:.2} × {ph:.2} pixels of a \
                         {width}×{height} picture): it would cover nothing"
                    ));
                }
            }
            if let (Some(first), Some(end)) = (region.keyframes.first(), region.keyframes.last())
                && region.keyframes.len() > 1
                && (end.frame < from || first.frame > to)
            {
                return Err(format!(
                    "{name} is active on frames {} to {}, outside the clip (frames {from} to \
                     {to}): it would cover nothing; move its keyframes into the clip",
                    first.frame, end.frame
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_between_keyframes_and_is_inactive_outside() {
        let text = r#"{"regions":[{"shape":"ellipse","keyframes":[
            {"frame":20,"x":0.5,"y":0.0,"w":0.1,"h":0.1},
            {"frame":10,"x":0.0,"y":0.0,"w":0.1,"h":0.1}]}]}"#;
        let set = RegionSet::parse(text, "r.json").unwrap();
        let r = &set.regions[0];
        assert_eq!(r.at(15, 100, 100).unwrap().x, 25.0);
        assert_eq!(r.at(10, 100, 100).unwrap().x, 0.0);
        assert_eq!(r.at(20, 100, 100).unwrap().x, 50.0);
        assert!(r.at(9, 100, 100).is_none());
        assert!(r.at(21, 100, 100).is_none());
    }

    #[test]
    fn rejects_bad_files_with_a_pointer() {
        let err = RegionSet::parse(r#"{"regions":[{"keyframes":[]}]}"#, "r.json").unwrap_err();
        assert!(err.contains("/regions/0"), "{err}");
        let err = RegionSet::parse(
            r#"{"regions":[{"keyframes":[{"frame":1,"x":2,"y":0,"w":0.1,"h":0.1}]}]}"#,
            "r.json",
        )
        .unwrap_err();
        assert!(err.contains("/regions/0/keyframes/0"), "{err}");
        let err = RegionSet::parse("{", "r.json").unwrap_err();
        assert!(err.contains("r.json:1:"), "{err}");
        let err = RegionSet::parse(
            r#"{"regions":[{"shape":"circle","keyframes":[{"frame":1,"x":0,"y":0,"w":0,"h":0.1}]}]}"#,
            "r.json",
        )
        .unwrap_err();
        assert!(
            err.contains("r.json:1:22: /regions/0/shape: \"circle\" is not allowed")
                && err.contains("/regions/0/keyframes/0/w: expected more than 0, found 0"),
            "{err}"
        );
    }

    #[test]
    fn ellipse_contains_centre_not_corner() {
        let r = Rect {
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        assert!(Shape::Ellipse.contains(r, 5.0, 5.0));
        assert!(!Shape::Ellipse.contains(r, 0.5, 0.5));
        assert!(Shape::Rect.contains(r, 0.5, 0.5));
    }
}
