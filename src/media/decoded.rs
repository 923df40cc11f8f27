//! A picture as the decoder produced it: its buffer (reference-counted, never
//! copied to be kept), its format with strides, and its stream time. The
//! player caches these for backward steps and converts them for the screen;
//! the export reader hands them to the encoder as they are, or copies one
//! into a [`PlanarFrame`] when something on it must be covered.

use gstreamer as gst;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;

use super::MediaError;
use super::planar::{PlanarFrame, Plane};

/// One decoded picture.
#[derive(Clone, Debug)]
pub struct DecodedFrame {
    /// The decoder's buffer.
    pub buffer: gst::Buffer,
    /// Its format, size and strides (from the caps).
    pub info: gst_video::VideoInfo,
    /// Its PTS in stream time (ns).
    pub pts_ns: i64,
}

/// The video info of the last caps seen, so a run of frames with the same
/// caps parses them once.
pub type CapsCache = Option<(gst::Caps, gst_video::VideoInfo)>;

impl DecodedFrame {
    /// The picture in an appsink `sample`.
    pub fn from_sample(sample: &gst::Sample, caps: &mut CapsCache) -> Result<Self, MediaError> {
        let buffer = sample
            .buffer_owned()
            .ok_or_else(|| MediaError::pipeline("decoded sample without a buffer"))?;
        let sample_caps = sample
            .caps()
            .ok_or_else(|| MediaError::pipeline("decoded sample without caps"))?;
        let info = match caps {
            Some((c, info)) if c.as_ref() == sample_caps => info.clone(),
            _ => {
                let info =
                    gst_video::VideoInfo::from_caps(sample_caps).map_err(MediaError::pipeline)?;
                *caps = Some((sample_caps.to_owned(), info.clone()));
                info
            }
        };
        let pts = buffer
            .pts()
            .ok_or_else(|| MediaError::pipeline("decoded frame without a timestamp"))?;
        Ok(Self {
            buffer,
            info,
            pts_ns: super::frame_table::sample_stream_ns(sample, pts),
        })
    }

    /// A copy in GStreamer's default I420 layout, to draw on (an I420 picture only).
    pub fn to_planar(&self) -> Result<PlanarFrame, MediaError> {
        let vframe = gst_video::VideoFrameRef::from_buffer_ref_readable(&self.buffer, &self.info)
            .map_err(|_| MediaError::pipeline("cannot map a decoded frame"))?;
        copy_i420(&vframe)
    }
}

/// Copies a mapped I420 frame into a [`PlanarFrame`], row by row (strides differ).
fn copy_i420(
    vframe: &gst_video::VideoFrameRef<&gst::BufferRef>,
) -> Result<PlanarFrame, MediaError> {
    let (w, h) = (vframe.width(), vframe.height());
    let mut out = PlanarFrame::zeroed(w, h);
    for p in 0..3u32 {
        let src = vframe
            .plane_data(p)
            .map_err(|_| MediaError::pipeline("cannot read a plane of a decoded frame"))?;
        let stride = vframe.plane_stride()[p as usize] as usize;
        let Plane {
            offset,
            stride: dst_stride,
            width,
            height,
        } = out.planes[p as usize];
        for y in 0..height {
            let s = src.get(y * stride..y * stride + width).ok_or_else(|| {
                MediaError::pipeline("a decoded frame is smaller than its caps say")
            })?;
            out.data[offset + y * dst_stride..offset + y * dst_stride + width].copy_from_slice(s);
        }
    }
    Ok(out)
}
