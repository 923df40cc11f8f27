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

    pub fn convert(&mut self, index: u64, cached: &CachedFrame) -> Result<Frame, MediaError> {
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
        let out = gst::Buffer::from_mut_slice(vec![0u8; out_info.size()]);
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
    use super::fit;

    #[test]
    fn fits_inside_box() {
        assert_eq!(fit(1920, 1080, None), (1920, 1080));
        assert_eq!(fit(1920, 1080, Some((1280, 1280))), (1280, 720));
        assert_eq!(fit(640, 480, Some((1280, 720))), (640, 480));
        assert_eq!(fit(1080, 1920, Some((1000, 1000))), (562, 1000));
    }
}
