//! Clips of a camera view other than the reference, and composites of
//! every view (side by side or two to a row), frames following the reference.
//!
//! ```text
//! pass 1, per view: the view frames the clip shows ─► export::detect_faces ─► covered boxes per view frame
//! pass 2, per reference frame i:
//!   each view: views::view_frame(i) ─► decode up to it ─► cover its faces (and, on the reference, the manual regions)
//!              └─► scaled into its tile (black where the view has no video) ─► ClipWriter ◄─ the reference's sound
//! ```
//!
//! Each view is de-identified on its own, at its own resolution, before it
//! is scaled: a face is looked for where the detector sees it best. The
//! clip has exactly the reference's frames `from..=to` and their times, so
//! a composite's first and last frames are the requested ones.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{
    ClipFormat, ClipSettings, ClipWriter, ExportReport, Faces, Phase, Picture, Progress, cover,
    detect_faces, hash_file,
};
use crate::deid::{PlanarFrame, RegionSet};
use crate::media::planar;
use crate::media::reader::VideoRange;
use crate::media::{MediaError, MediaInfo, MediaSource};
use crate::views::{Mapping, Shown, view_frame};

/// The widest composite written: tiles are made smaller, never the picture wider.
pub const MAX_WIDTH: u32 = 1920;

/// One camera view in a clip.
pub struct Tile<'a> {
    /// Its decrypting source.
    pub source: &'a MediaSource,
    /// Its frame table and size.
    pub info: &'a MediaInfo,
    /// Its mapping onto the reference's time.
    pub mapping: Mapping,
    /// True for the reference view: the manual regions are drawn on it.
    pub reference: bool,
}

/// How the views of a clip are placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrangement {
    /// One view, at its own size.
    One,
    /// Every view in one row.
    SideBySide,
    /// Two views to a row.
    Grid,
}

impl Arrangement {
    /// Columns and rows for `views` views.
    pub fn cells(self, views: usize) -> (u32, u32) {
        let n = views.max(1) as u32;
        match self {
            Self::One => (1, 1),
            Self::SideBySide => (n, 1),
            Self::Grid => (n.min(2), n.div_ceil(2)),
        }
    }
}

/// The size of one tile of a composite with `columns` columns of a
/// `width` × `height` reference: the reference's shape, as large as keeps
/// the whole picture at most [`MAX_WIDTH`] wide, never enlarged; even.
pub fn tile_size(width: u32, height: u32, columns: u32) -> (u32, u32) {
    let scale = (f64::from(MAX_WIDTH) / f64::from((width * columns).max(1))).min(1.0);
    let even = |v: u32| (f64::from(v) * scale / 2.0).floor() as u32 * 2;
    (even(width).max(2), even(height).max(2))
}

/// Where each tile of a composite lies, how large each is, and the picture's size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    /// Each tile's top-left corner, in view order.
    pub origins: Vec<(u32, u32)>,
    /// One tile's width and height.
    pub tile: (u32, u32),
    /// The whole picture's width and height.
    pub size: (u32, u32),
}

/// The grid of `views` tiles of a `reference`-sized recording.
pub fn layout(arrangement: Arrangement, reference: (u32, u32), views: usize) -> Grid {
    let (columns, rows) = arrangement.cells(views);
    let (tw, th) = tile_size(reference.0, reference.1, columns);
    let origins = (0..views as u32)
        .map(|k| ((k % columns) * tw, (k / columns) * th))
        .collect();
    Grid {
        origins,
        tile: (tw, th),
        size: (tw * columns, th * rows),
    }
}

/// A view's part of the export: the frames it shows, their covered boxes,
/// its decoder and the last picture it produced (covered), kept while the
/// reference runs faster than the view.
struct Lane<'a> {
    tile: &'a Tile<'a>,
    shown: Vec<Shown>,
    first: u64,
    faces: Faces,
    video: Option<VideoRange>,
    current: Option<(u64, PlanarFrame)>,
}

impl Lane<'_> {
    /// The view's frame `n`, covered; `Ok(None)` if its decoder ended first.
    fn frame(
        &mut self,
        n: u64,
        index: u64,
        settings: &ClipSettings,
        covered: &mut u64,
    ) -> Result<Option<&PlanarFrame>, MediaError> {
        if self.current.as_ref().is_some_and(|(at, _)| *at == n) {
            return Ok(self.current.as_ref().map(|(_, f)| f));
        }
        let Some(video) = self.video.as_mut() else {
            return Ok(None);
        };
        while let Some((at, decoded)) = video.next_decoded()? {
            if at < n {
                continue;
            }
            let mut frame = decoded.to_planar()?;
            let boxes = self
                .faces
                .boxes
                .get((at - self.first) as usize)
                .map_or(&[][..], Vec::as_slice);
            let info = self.tile.info;
            let regions = if self.tile.reference {
                settings.regions.active_at(index, info.width, info.height)
            } else {
                Vec::new()
            };
            *covered += cover(&mut frame, boxes, &regions, settings.cover);
            self.current = Some((at, frame));
            return Ok(self.current.as_ref().map(|(_, f)| f));
        }
        Err(MediaError::pipeline(format!(
            "the camera view ended before its frame {n}"
        )))
    }
}

/// Writes the reference frames `settings.from..=settings.to` of a clip
/// showing `tiles` placed by `arrangement` to `partial` (checked and made
/// atomic by the caller), with `reference`'s sound as the settings say.
#[allow(clippy::too_many_arguments)]
pub(crate) fn export_tiles(
    reference: &MediaSource,
    reference_info: &MediaInfo,
    tiles: &[Tile],
    arrangement: Arrangement,
    partial: &Path,
    format: ClipFormat,
    settings: &ClipSettings,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<ExportReport, MediaError> {
    if tiles.is_empty() || tiles.len() > 4 {
        return Err(MediaError::InvalidArgument(format!(
            "a clip shows one to four camera views, not {}",
            tiles.len()
        )));
    }
    if arrangement == Arrangement::One && tiles.len() != 1 {
        return Err(MediaError::InvalidArgument(
            "one view at a time, or a side-by-side or grid composite of all".into(),
        ));
    }
    let (from, to) = (settings.from, settings.to);
    let total = to - from + 1;
    // Pass 1: which view frames the clip shows, and their faces.
    let mut lanes = Vec::with_capacity(tiles.len());
    let mut detecting = 0u64;
    let mut detected = 0u64;
    let mut planned = Vec::with_capacity(tiles.len());
    for tile in tiles {
        let shown: Vec<Shown> = (from..=to)
            .map(|i| view_frame(&reference_info.table, &tile.info.table, tile.mapping, i))
            .collect();
        let frames = shown.iter().filter_map(|s| match s {
            Shown::Frame(n) => Some(*n),
            Shown::Outside => None,
        });
        let span = frames.clone().min().zip(frames.max());
        detecting += span.map_or(0, |(a, b)| b - a + 1);
        planned.push((tile, shown, span));
    }
    for (tile, shown, span) in planned {
        let Some((first, last)) = span else {
            lanes.push(Lane {
                tile,
                shown,
                first: 0,
                faces: Faces::default(),
                video: None,
                current: None,
            });
            continue;
        };
        let view_settings = ClipSettings {
            from: first,
            to: last,
            regions: RegionSet::default(),
            ..settings.clone()
        };
        let faces = detect_faces(
            tile.source,
            tile.info,
            &view_settings,
            &mut |p| {
                progress(Progress {
                    phase: Phase::Detecting,
                    done: detected + p.done,
                    total: detecting,
                })
            },
            cancel,
        )?;
        detected += last - first + 1;
        lanes.push(Lane {
            tile,
            shown,
            first,
            faces,
            video: Some(VideoRange::open(tile.source, tile.info, first, last)?),
            current: None,
        });
    }
    // Pass 2: every reference frame, each view's picture in its tile.
    let reference_size = (reference_info.width, reference_info.height);
    let Grid {
        origins,
        tile: (tw, th),
        size,
    } = match arrangement {
        Arrangement::One => {
            let own = (tiles[0].info.width, tiles[0].info.height);
            Grid {
                origins: vec![(0, 0)],
                tile: own,
                size: own,
            }
        }
        _ => layout(arrangement, reference_size, tiles.len()),
    };
    let mut writer = ClipWriter::open(reference, reference_info, partial, format, size, settings)?;
    let mut boxes_covered = 0u64;
    for (k, index) in (from..=to).enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(MediaError::Cancelled);
        }
        let mut picture = PlanarFrame::black(size.0, size.1);
        for (lane, &(x, y)) in lanes.iter_mut().zip(&origins) {
            let Shown::Frame(n) = lane.shown[k] else {
                continue;
            };
            let Some(frame) = lane.frame(n, index, settings, &mut boxes_covered)? else {
                continue;
            };
            if arrangement == Arrangement::One {
                picture = frame.clone();
            } else {
                let (fx, fy, fw, fh) = planar::fit(frame.width, frame.height, tw, th);
                picture.draw_scaled(frame, x + fx, y + fy, fw, fh);
            }
        }
        writer.push(index, Picture::Planar(picture))?;
        progress(Progress {
            phase: Phase::Encoding,
            done: k as u64 + 1,
            total,
        });
    }
    let frames_with_faces = lanes.iter().map(|l| l.faces.frames_with_faces).sum();
    let engine = lanes.iter().find_map(|l| l.faces.engine);
    drop(lanes);
    writer.finish()?;
    let (sha256, bytes) = hash_file(partial)?;
    Ok(ExportReport {
        out: partial.to_path_buf(),
        frames: total,
        sha256,
        bytes,
        frames_with_faces,
        boxes_covered,
        detector_engine: engine,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_keep_the_reference_shape_and_the_picture_stays_within_1920() {
        let g = layout(Arrangement::SideBySide, (1280, 720), 2);
        assert_eq!(g.tile, (960, 540));
        assert_eq!(g.size, (1920, 540));
        assert_eq!(g.origins, vec![(0, 0), (960, 0)]);
        let g = layout(Arrangement::Grid, (1920, 1080), 4);
        assert_eq!((g.tile, g.size), ((960, 540), (1920, 1080)));
        assert_eq!(g.origins, vec![(0, 0), (960, 0), (0, 540), (960, 540)]);
        // Three in a grid: two rows, the fourth cell black.
        let g = layout(Arrangement::Grid, (640, 360), 3);
        assert_eq!(g.size, (1280, 720));
        assert_eq!(g.origins[2], (0, 360));
        // Small references are never enlarged.
        assert_eq!(tile_size(320, 180, 2), (320, 180));
        // Odd sizes become even.
        let (w, h) = tile_size(1921, 1081, 3);
        assert!(w % 2 == 0 && h % 2 == 0 && w * 3 <= MAX_WIDTH);
    }
}
