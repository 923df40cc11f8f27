//! How a picture is meant to be shown: a phone's display matrix.
//!
//! Phones record the sensor's picture as it comes and store how to turn it
//! for display (an MP4 `tkhd` matrix, which GStreamer reports as the
//! `image-orientation` tag). Players apply it; so must every place Debrief
//! shows or writes pixels, or a portrait video is reviewed, searched for
//! faces and exported lying on its side. The probe records the orientation
//! with the recording; the player turns the frame it shows, and the export
//! reader turns every frame before faces are found and regions drawn.

use std::fmt;
use std::str::FromStr;

/// A display transform: one of the four rotations, possibly after a mirror.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Orientation {
    /// Shown as stored.
    #[default]
    Identity,
    /// Turned 90° clockwise.
    Rotate90,
    /// Turned half a turn.
    Rotate180,
    /// Turned 90° counter-clockwise.
    Rotate270,
    /// Mirrored left to right.
    FlipHorizontal,
    /// Mirrored top to bottom.
    FlipVertical,
    /// Mirrored across the diagonal from the upper left to the lower right.
    Transpose,
    /// Mirrored across the diagonal from the upper right to the lower left.
    AntiTranspose,
}

impl Orientation {
    /// Every orientation.
    pub const ALL: [Self; 8] = [
        Self::Identity,
        Self::Rotate90,
        Self::Rotate180,
        Self::Rotate270,
        Self::FlipHorizontal,
        Self::FlipVertical,
        Self::Transpose,
        Self::AntiTranspose,
    ];

    /// The orientation a GStreamer `image-orientation` tag value names.
    pub fn from_tag(tag: &str) -> Option<Self> {
        Some(match tag {
            "rotate-0" => Self::Identity,
            "rotate-90" => Self::Rotate90,
            "rotate-180" => Self::Rotate180,
            "rotate-270" => Self::Rotate270,
            "flip-rotate-0" => Self::FlipHorizontal,
            "flip-rotate-90" => Self::Transpose,
            "flip-rotate-180" => Self::FlipVertical,
            "flip-rotate-270" => Self::AntiTranspose,
            _ => return None,
        })
    }

    /// The stored name (the vault's `orientation` column, `probe --json`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Rotate90 => "rotate-90",
            Self::Rotate180 => "rotate-180",
            Self::Rotate270 => "rotate-270",
            Self::FlipHorizontal => "flip-horizontal",
            Self::FlipVertical => "flip-vertical",
            Self::Transpose => "transpose",
            Self::AntiTranspose => "anti-transpose",
        }
    }

    /// The matching `videoflip` method.
    pub(crate) fn videoflip_method(self) -> &'static str {
        match self {
            Self::Identity => "none",
            Self::Rotate90 => "clockwise",
            Self::Rotate180 => "rotate-180",
            Self::Rotate270 => "counterclockwise",
            Self::FlipHorizontal => "horizontal-flip",
            Self::FlipVertical => "vertical-flip",
            Self::Transpose => "upper-left-diagonal",
            Self::AntiTranspose => "upper-right-diagonal",
        }
    }

    /// True when width and height trade places.
    pub fn swaps_axes(self) -> bool {
        matches!(
            self,
            Self::Rotate90 | Self::Rotate270 | Self::Transpose | Self::AntiTranspose
        )
    }

    /// The size shown for a stored picture of `width`×`height`.
    pub fn display_size(self, width: u32, height: u32) -> (u32, u32) {
        if self.swaps_axes() {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// Where the shown pixel `(x, y)` comes from in a stored picture of `width`×`height`.
    fn source(self, x: usize, y: usize, width: usize, height: usize) -> (usize, usize) {
        let (w1, h1) = (width - 1, height - 1);
        match self {
            Self::Identity => (x, y),
            Self::Rotate90 => (y, h1 - x),
            Self::Rotate180 => (w1 - x, h1 - y),
            Self::Rotate270 => (w1 - y, x),
            Self::FlipHorizontal => (w1 - x, y),
            Self::FlipVertical => (x, h1 - y),
            Self::Transpose => (y, x),
            Self::AntiTranspose => (w1 - y, h1 - x),
        }
    }

    /// A tightly packed RGBA picture turned for display: `(width, height, pixels)`.
    pub fn apply_rgba(self, width: u32, height: u32, rgba: &[u8]) -> (u32, u32, Vec<u8>) {
        let (w, h) = (width as usize, height as usize);
        if self == Self::Identity || w == 0 || h == 0 || rgba.len() < w * h * 4 {
            return (width, height, rgba.to_vec());
        }
        let (out_w, out_h) = self.display_size(width, height);
        let (ow, oh) = (out_w as usize, out_h as usize);
        let mut out = vec![0u8; ow * oh * 4];
        for (y, row) in out.chunks_exact_mut(ow * 4).enumerate() {
            for (x, px) in row.chunks_exact_mut(4).enumerate() {
                let (sx, sy) = self.source(x, y, w, h);
                let at = (sy * w + sx) * 4;
                if let Some(src) = rgba.get(at..at + 4) {
                    px.copy_from_slice(src);
                }
            }
        }
        (out_w, out_h, out)
    }
}

impl fmt::Display for Orientation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Orientation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| format!("unknown orientation '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×2 picture whose pixels are numbered 0..6 in their red byte.
    fn numbered() -> Vec<u8> {
        (0u8..6).flat_map(|i| [i, 0, 0, 255]).collect()
    }

    fn reds(rgba: &[u8]) -> Vec<u8> {
        rgba.chunks_exact(4).map(|p| p[0]).collect()
    }

    #[test]
    fn turns_pictures_as_players_do() {
        // 0 1 2
        // 3 4 5
        let cases = [
            (Orientation::Identity, (3, 2), vec![0, 1, 2, 3, 4, 5]),
            // Clockwise: the left column, read bottom-up, becomes the top row.
            (Orientation::Rotate90, (2, 3), vec![3, 0, 4, 1, 5, 2]),
            (Orientation::Rotate180, (3, 2), vec![5, 4, 3, 2, 1, 0]),
            (Orientation::Rotate270, (2, 3), vec![2, 5, 1, 4, 0, 3]),
            (Orientation::FlipHorizontal, (3, 2), vec![2, 1, 0, 5, 4, 3]),
            (Orientation::FlipVertical, (3, 2), vec![3, 4, 5, 0, 1, 2]),
            (Orientation::Transpose, (2, 3), vec![0, 3, 1, 4, 2, 5]),
            (Orientation::AntiTranspose, (2, 3), vec![5, 2, 4, 1, 3, 0]),
        ];
        for (o, size, want) in cases {
            let (w, h, out) = o.apply_rgba(3, 2, &numbered());
            assert_eq!(((w, h), reds(&out)), (size, want), "{o}");
            assert_eq!(o.display_size(3, 2), size, "{o}");
        }
    }

    #[test]
    fn names_round_trip_and_tags_map() {
        for o in Orientation::ALL {
            assert_eq!(o.as_str().parse::<Orientation>(), Ok(o));
        }
        assert_eq!(
            Orientation::from_tag("rotate-90"),
            Some(Orientation::Rotate90)
        );
        assert_eq!(
            Orientation::from_tag("flip-rotate-90"),
            Some(Orientation::Transpose)
        );
        assert_eq!(Orientation::from_tag("sideways"), None);
    }
}
