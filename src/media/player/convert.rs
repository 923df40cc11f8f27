//! Decoded picture → tightly packed RGBA, for the one frame being shown.

use gstreamer as gst;
use gstreamer_video as gst_video;

use super::Frame;
use super::cache::CachedFrame;
use crate::media::{MediaError, Orientation};

/// Converts decoder output to RGBA, reusing one `VideoConverter` while the
/// format stays the same, and turns it as the recording is meant to be shown.
pub(super) struct RgbaConverter {
    max_size: Option<(u32, u32)>,
    orientation: Orientation,
    current: Option<(
        gst_video::VideoInfo,
        gst_video::VideoInfo,
        gst_video::VideoConverter,
    )>,
}

impl RgbaConverter {
    pub fn new(max_size: Option<(u32, u32)>, orientation: Orientation) -> Self {
        Self {
            max_size,
            orientation,
            current: None,
        }
    }

    /// Converts `cached` into a new RGBA frame, writing into `spare` (a
    /// shown frame's memory nobody holds any more) when it is given.
    pub fn convert(
        &mut self,
        index: u64,
        cached: &CachedFrame,
        mut spare: Option<Vec<u8>>,
    ) -> Result<Frame, MediaError> {
        let in_info = &cached.info;
        let reuse = self.current.as_ref().is_some_and(|(i, _, _)| i == in_info);
        if !reuse {
            // Fit the picture as shown, then convert at the stored picture's axes.
            let (dw, dh) = self
                .orientation
                .display_size(in_info.width(), in_info.height());
            let (fw, fh) = fit(dw, dh, self.max_size);
            let (w, h) = self.orientation.display_size(fw, fh);
            let out_info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Rgba, w, h)
                .fps(in_info.fps())
                .interlace_mode(in_info.interlace_mode())
                .build()
                .map_err(MediaError::pipeline)?;
            let mut config = gst_video::VideoConverterConfig::new();
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
            config.set_threads(threads);
            config.set_dither_method(gst_video::VideoDitherMethod::None);
            let converter = gst_video::VideoConverter::new(in_info, &out_info, Some(config))
                .map_err(MediaError::pipeline)?;
            self.current = Some((in_info.clone(), out_info, converter));
        }
        let Some((_, out_info, converter)) = self.current.as_ref() else {
            return Err(MediaError::pipeline("no converter"));
        };
        let src = gst_video::VideoFrame::from_buffer_readable(cached.buffer.clone(), in_info)
            .map_err(|_| MediaError::pipeline("cannot map a decoded frame"))?;
        if self.orientation == Orientation::Identity
            && (out_info.width(), out_info.height()) == (in_info.width(), in_info.height())
            && let Some(rgba) = i420_to_rgba(&src, &mut spare)
        {
            return Ok(Frame {
                index,
                pts_ns: cached.pts_ns,
                width: in_info.width(),
                height: in_info.height(),
                rgba,
            });
        }
        let out = gst::Buffer::from_mut_slice(sized(&mut spare, out_info.size()));
        let mut dst = gst_video::VideoFrame::from_buffer_writable(out, out_info)
            .map_err(|_| MediaError::pipeline("cannot map the RGBA frame"))?;
        converter.frame(&src, &mut dst);
        let rgba = dst
            .into_buffer()
            .try_into_inner::<Vec<u8>>()
            .map_err(|_| MediaError::pipeline("cannot take back the RGBA frame"))?;
        let (width, height, rgba) = if self.orientation == Orientation::Identity {
            (out_info.width(), out_info.height(), rgba)
        } else {
            self.orientation
                .apply_rgba(out_info.width(), out_info.height(), &rgba)
        };
        Ok(Frame {
            index,
            pts_ns: cached.pts_ns,
            width,
            height,
            rgba,
        })
    }
}

/// An 8-bit I420 picture at its own size, as RGBA, with SIMD (the common
/// case: H.264 shown unscaled); `None` for anything else, which the
/// `VideoConverter` handles. The frame's own matrix and range are used.
fn i420_to_rgba(
    src: &gst_video::VideoFrame<gst_video::video_frame::Readable>,
    spare: &mut Option<Vec<u8>>,
) -> Option<Vec<u8>> {
    use gst_video::prelude::VideoFrameExt;
    use yuvutils_rs::{YuvPlanarImage, YuvRange, YuvStandardMatrix};
    let info = src.info();
    if info.format() != gst_video::VideoFormat::I420 {
        return None;
    }
    let colorimetry = info.colorimetry();
    let matrix = match colorimetry.matrix() {
        gst_video::VideoColorMatrix::Bt709 => YuvStandardMatrix::Bt709,
        gst_video::VideoColorMatrix::Bt601 => YuvStandardMatrix::Bt601,
        gst_video::VideoColorMatrix::Bt2020 => YuvStandardMatrix::Bt2020,
        _ => return None,
    };
    let range = match colorimetry.range() {
        gst_video::VideoColorRange::Range16_235 => YuvRange::Limited,
        gst_video::VideoColorRange::Range0_255 => YuvRange::Full,
        _ => return None,
    };
    let stride = |p: u32| u32::try_from(*src.plane_stride().get(p as usize)?).ok();
    let image = YuvPlanarImage {
        y_plane: src.plane_data(0).ok()?,
        y_stride: stride(0)?,
        u_plane: src.plane_data(1).ok()?,
        u_stride: stride(1)?,
        v_plane: src.plane_data(2).ok()?,
        v_stride: stride(2)?,
        width: info.width(),
        height: info.height(),
    };
    let mut rgba = sized(spare, info.width() as usize * info.height() as usize * 4);
    yuvutils_rs::yuv420_to_rgba(&image, &mut rgba, info.width() * 4, range, matrix).ok()?;
    Some(rgba)
}

/// `len` bytes to write every one of: `spare`'s memory when it has room
/// (already mapped, so writing it costs no page faults: a fresh 8 MB frame
/// took 4 ms of faults, more than the conversion), else a new buffer.
fn sized(spare: &mut Option<Vec<u8>>, len: usize) -> Vec<u8> {
    match spare.take() {
        Some(mut v) if v.capacity() >= len => {
            v.resize(len, 0);
            v.truncate(len);
            v
        }
        _ => vec![0u8; len],
    }
}

/// `(w, h)` scaled down to fit `max` (never up), even, aspect kept.
fn fit(w: u32, h: u32, max: Option<(u32, u32)>) -> (u32, u32) {
    let Some((mw, mh)) = max else { return (w, h) };
    if w <= mw && h <= mh {
        return (w, h);
    }
    let scale = (f64::from(mw) / f64::from(w)).min(f64::from(mh) / f64::from(h));
    let even = |v: f64| ((v as u32) & !1).max(2);
    (even(f64::from(w) * scale), even(f64::from(h) * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SIMD path's RGBA for one 64×48 I420 picture (luma 16 + 2x + y),
    /// and (worst, mean) channel difference from GStreamer's converter.
    fn compare(
        colorimetry: &str,
        chroma: impl Fn(usize, usize, usize) -> u8,
    ) -> (Vec<u8>, u8, f64) {
        crate::media::init().unwrap();
        let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, 64, 48)
            .colorimetry(&colorimetry.parse().unwrap())
            .build()
            .unwrap();
        let mut bytes = vec![0u8; info.size()];
        for p in 0..3 {
            let (offset, stride) = (info.offset()[p], info.stride()[p] as usize);
            let (w, h) = if p == 0 { (64, 48) } else { (32, 24) };
            for y in 0..h {
                for x in 0..w {
                    bytes[offset + y * stride + x] = match p {
                        0 => (16 + x * 2 + y) as u8,
                        _ => chroma(p, x, y),
                    };
                }
            }
        }
        let buffer = gst::Buffer::from_mut_slice(bytes);
        let src = gst_video::VideoFrame::from_buffer_readable(buffer, &info).unwrap();
        let fast = i420_to_rgba(&src, &mut None).expect("I420 takes the SIMD path");
        // Spare memory of another size is resized, never written past.
        assert_eq!(i420_to_rgba(&src, &mut Some(vec![7u8; 10])).unwrap(), fast);
        let out_info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Rgba, 64, 48)
            .build()
            .unwrap();
        let mut config = gst_video::VideoConverterConfig::new();
        config.set_dither_method(gst_video::VideoDitherMethod::None);
        let converter = gst_video::VideoConverter::new(&info, &out_info, Some(config)).unwrap();
        let out = gst::Buffer::from_mut_slice(vec![0u8; out_info.size()]);
        let mut dst = gst_video::VideoFrame::from_buffer_writable(out, &out_info).unwrap();
        converter.frame(&src, &mut dst);
        let reference = dst.into_buffer().try_into_inner::<Vec<u8>>().unwrap();
        assert_eq!(fast.len(), reference.len());
        let diffs: Vec<u8> = fast
            .iter()
            .zip(&reference)
            .map(|(a, b)| a.abs_diff(*b))
            .collect();
        let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / diffs.len() as f64;
        (fast, diffs.into_iter().max().unwrap_or(0), mean)
    }

    #[test]
    fn the_simd_path_follows_the_frames_matrix_and_range() {
        // (Kr, Kb) of each matrix.
        for (colorimetry, kr, kb) in [("bt709", 0.2126, 0.0722), ("bt601", 0.299, 0.114)] {
            // Even chroma: every pixel exactly as the standard's formula gives
            // it for limited range (GStreamer's own converter is off by up to 5).
            let (u, v) = (100.0, 150.0);
            let (fast, _, _) = compare(colorimetry, |p, _, _| if p == 1 { 100 } else { 150 });
            let kg = 1.0 - kr - kb;
            for y in 0..48 {
                for x in 0..64 {
                    let luma = 255.0 / 219.0 * (f64::from(16 + 2 * x + y) - 16.0);
                    let (cb, cr) = (255.0 / 224.0 * (u - 128.0), 255.0 / 224.0 * (v - 128.0));
                    let r = luma + 2.0 * (1.0 - kr) * cr;
                    let b = luma + 2.0 * (1.0 - kb) * cb;
                    let g = (luma - kr * r - kb * b) / kg;
                    let at = (y as usize * 64 + x as usize) * 4;
                    for (c, want) in [r, g, b].into_iter().enumerate() {
                        let want = want.round().clamp(0.0, 255.0) as u8;
                        let got = fast[at + c];
                        assert!(
                            got.abs_diff(want) <= 1,
                            "{colorimetry} ({x}, {y}) channel {c}: {got}, the formula gives {want}"
                        );
                    }
                    assert_eq!(fast[at + 3], 255);
                }
            }
            // Chroma changing across the picture: close to GStreamer's
            // converter too (which also interpolates chroma).
            let (_, worst, mean) = compare(colorimetry, |p, x, y| {
                if p == 1 {
                    (80 + x * 2 + y) as u8
                } else {
                    (170 - x - y * 2) as u8
                }
            });
            assert!(
                worst <= 10 && mean <= 3.0,
                "{colorimetry}: worst {worst}, mean {mean:.2}"
            );
        }
    }

    #[test]
    fn fits_inside_box() {
        assert_eq!(fit(1920, 1080, None), (1920, 1080));
        assert_eq!(fit(1920, 1080, Some((1280, 1280))), (1280, 720));
        assert_eq!(fit(640, 480, Some((1280, 720))), (640, 480));
        assert_eq!(fit(1080, 1920, Some((1000, 1000))), (562, 1000));
    }
}
