//! Skipping non-reference pictures before a seek target.
//!
//! A random seek must decode from the keyframe up to the target: up to a
//! whole GOP (60 frames, 170 ms at 1080p here). But no picture depends on a
//! non-reference picture (x264's default B-frames are a third of all
//! frames), so those that come before the target can be dropped before the
//! decoder ever sees them. A probe on the decoder's sink pad reads each
//! access unit's NAL headers and drops non-reference ones whose time is
//! before the threshold the worker set for this seek. Nothing at or after
//! the target is touched, so the target and everything after it decode
//! exactly as before. libav's own `skip_frame` cannot do this: gst-libav's
//! `skip-frame` property only offers legacy values that libav ignores.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use gstreamer as gst;
use gstreamer::prelude::*;

/// Shared between the worker (sets the threshold) and the probe (reads it).
#[derive(Debug)]
pub(super) struct SkipControl {
    /// Drop non-reference pictures before this stream time (ns); `i64::MIN` drops none.
    threshold_ns: AtomicI64,
    /// Pictures dropped so far.
    pub dropped: AtomicU64,
}

impl Default for SkipControl {
    fn default() -> Self {
        Self {
            threshold_ns: AtomicI64::new(i64::MIN),
            dropped: AtomicU64::new(0),
        }
    }
}

impl SkipControl {
    /// Drop non-reference pictures before `pts_ns` (stream time), or none with `None`.
    pub fn set(&self, before_pts_ns: Option<i64>) {
        self.threshold_ns
            .store(before_pts_ns.unwrap_or(i64::MIN), Ordering::SeqCst);
    }
}

/// The bitstream syntax the probe understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Syntax {
    /// H.264, NAL units prefixed by their length in this many bytes (avc).
    H264Length(usize),
    /// H.264 with start codes (byte-stream).
    H264StartCodes,
    /// H.265, length-prefixed (hvc1/hev1).
    H265Length(usize),
    /// H.265 with start codes.
    H265StartCodes,
    /// Anything else: never drop.
    Other,
}

struct ProbeState {
    syntax: Syntax,
    segment: Option<gst::FormattedSegment<gst::ClockTime>>,
}

/// Installs the probe on a video decoder's sink pad.
pub(super) fn install(decoder: &gst::Element, control: Arc<SkipControl>) {
    let Some(pad) = decoder.static_pad("sink") else {
        return;
    };
    let state = Mutex::new(ProbeState {
        syntax: Syntax::Other,
        segment: None,
    });
    pad.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
        move |_, info| {
            let Ok(mut st) = state.lock() else {
                return gst::PadProbeReturn::Ok;
            };
            match &info.data {
                Some(gst::PadProbeData::Event(event)) => {
                    match event.view() {
                        gst::EventView::Caps(caps) => st.syntax = syntax_of(caps.caps()),
                        gst::EventView::Segment(seg) => {
                            st.segment = seg.segment().downcast_ref::<gst::ClockTime>().cloned();
                        }
                        _ => {}
                    }
                    gst::PadProbeReturn::Ok
                }
                Some(gst::PadProbeData::Buffer(buffer)) => {
                    let threshold = control.threshold_ns.load(Ordering::SeqCst);
                    if threshold == i64::MIN || st.syntax == Syntax::Other {
                        return gst::PadProbeReturn::Ok;
                    }
                    let Some(pts) = buffer.pts() else {
                        return gst::PadProbeReturn::Ok;
                    };
                    let stream_ns = crate::media::frame_table::stream_ns(st.segment.as_ref(), pts)
                        .unwrap_or(pts.nseconds() as i64);
                    if stream_ns >= threshold {
                        return gst::PadProbeReturn::Ok;
                    }
                    let Ok(map) = buffer.map_readable() else {
                        return gst::PadProbeReturn::Ok;
                    };
                    if is_non_reference(st.syntax, map.as_slice()) {
                        control.dropped.fetch_add(1, Ordering::Relaxed);
                        // `Handled` consumes the buffer: the decoder never sees it.
                        // (`Drop` makes core release it a second time: GStreamer-CRITICALs.)
                        gst::PadProbeReturn::Handled
                    } else {
                        gst::PadProbeReturn::Ok
                    }
                }
                _ => gst::PadProbeReturn::Ok,
            }
        },
    );
}

fn syntax_of(caps: &gst::CapsRef) -> Syntax {
    let Some(s) = caps.structure(0) else {
        return Syntax::Other;
    };
    let format = s.get::<&str>("stream-format").unwrap_or("");
    let codec_data = s.get::<gst::Buffer>("codec_data").ok();
    let byte = |at: usize| {
        codec_data.as_ref().and_then(|b| {
            b.map_readable()
                .ok()
                .and_then(|m| m.as_slice().get(at).copied())
        })
    };
    match (s.name().as_str(), format) {
        ("video/x-h264", "avc" | "avc3") => byte(4).map_or(Syntax::Other, |b| {
            Syntax::H264Length(usize::from(b & 3) + 1)
        }),
        ("video/x-h264", "byte-stream") => Syntax::H264StartCodes,
        ("video/x-h265", "hvc1" | "hev1") => byte(21).map_or(Syntax::Other, |b| {
            Syntax::H265Length(usize::from(b & 3) + 1)
        }),
        ("video/x-h265", "byte-stream") => Syntax::H265StartCodes,
        _ => Syntax::Other,
    }
}

/// True when every picture slice in the access unit is a non-reference one
/// (and there is at least one). Anything unparsable counts as a reference.
fn is_non_reference(syntax: Syntax, data: &[u8]) -> bool {
    let mut saw_slice = false;
    let mut all_non_ref = true;
    let mut visit = |nal: &[u8], h265: bool| {
        let Some(&b0) = nal.first() else { return };
        if h265 {
            let kind = (b0 >> 1) & 0x3f;
            if kind <= 31 {
                saw_slice = true;
                // Sub-layer non-reference picture types are the even ones up to 14.
                all_non_ref &= kind <= 14 && kind % 2 == 0;
            }
        } else {
            let kind = b0 & 0x1f;
            if kind == 1 || kind == 5 {
                saw_slice = true;
                all_non_ref &= (b0 >> 5) & 3 == 0;
            }
        }
    };
    let parsed = match syntax {
        Syntax::H264Length(n) => for_each_length_prefixed(data, n, |nal| visit(nal, false)),
        Syntax::H265Length(n) => for_each_length_prefixed(data, n, |nal| visit(nal, true)),
        Syntax::H264StartCodes => {
            for_each_start_coded(data, |nal| visit(nal, false));
            true
        }
        Syntax::H265StartCodes => {
            for_each_start_coded(data, |nal| visit(nal, true));
            true
        }
        Syntax::Other => false,
    };
    parsed && saw_slice && all_non_ref
}

/// Calls `f` on each NAL unit; false when the lengths do not add up.
fn for_each_length_prefixed(data: &[u8], len_size: usize, mut f: impl FnMut(&[u8])) -> bool {
    let mut at = 0usize;
    while at < data.len() {
        let Some(prefix) = data.get(at..at + len_size) else {
            return false;
        };
        let len = prefix
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        at += len_size;
        let Some(nal) = data.get(at..at + len) else {
            return false;
        };
        f(nal);
        at += len;
    }
    true
}

fn for_each_start_coded(data: &[u8], mut f: impl FnMut(&[u8])) {
    let mut starts = Vec::new();
    let mut i = 0usize;
    while i + 3 <= data.len() {
        if data.get(i..i + 3) == Some(&[0, 0, 1]) {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(data.len(), |&next| next - 3);
        if let Some(nal) = data.get(s..end.max(s)) {
            f(nal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avc(nals: &[&[u8]]) -> Vec<u8> {
        nals.iter()
            .flat_map(|n| {
                (n.len() as u32)
                    .to_be_bytes()
                    .into_iter()
                    .chain(n.iter().copied())
            })
            .collect()
    }

    #[test]
    fn h264_reference_flags() {
        // nal_ref_idc in bits 5-6, type in bits 0-4.
        let idr = [0x65u8, 0x88];
        let p_ref = [0x41u8, 0x9a];
        let b_nonref = [0x01u8, 0x9e];
        let sei = [0x06u8, 0x05];
        assert!(!is_non_reference(
            Syntax::H264Length(4),
            &avc(&[&sei, &idr])
        ));
        assert!(!is_non_reference(Syntax::H264Length(4), &avc(&[&p_ref])));
        assert!(is_non_reference(
            Syntax::H264Length(4),
            &avc(&[&sei, &b_nonref])
        ));
        // Two slices, one of them a reference: keep.
        assert!(!is_non_reference(
            Syntax::H264Length(4),
            &avc(&[&b_nonref, &p_ref])
        ));
        // No slice at all, or a length past the end: keep.
        assert!(!is_non_reference(Syntax::H264Length(4), &avc(&[&sei])));
        let mut broken = avc(&[&b_nonref]);
        broken[3] = 200;
        assert!(!is_non_reference(Syntax::H264Length(4), &broken));
        let annex_b = [0, 0, 0, 1, 0x06, 0x05, 0, 0, 1, 0x01, 0x9e];
        assert!(is_non_reference(Syntax::H264StartCodes, &annex_b));
        let annex_b_ref = [0, 0, 1, 0x41, 0x9a];
        assert!(!is_non_reference(Syntax::H264StartCodes, &annex_b_ref));
    }

    #[test]
    fn h265_reference_types() {
        // TRAIL_N = 0, TRAIL_R = 1, IDR_W_RADL = 19; type in bits 1-6 of the first byte.
        let trail_n = [0u8 << 1, 1];
        let trail_r = [1u8 << 1, 1];
        let idr = [19u8 << 1, 1];
        assert!(is_non_reference(Syntax::H265Length(4), &avc(&[&trail_n])));
        assert!(!is_non_reference(Syntax::H265Length(4), &avc(&[&trail_r])));
        assert!(!is_non_reference(Syntax::H265Length(4), &avc(&[&idr])));
        assert!(!is_non_reference(Syntax::Other, &avc(&[&trail_n])));
    }
}
