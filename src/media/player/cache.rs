//! Decoded frames kept for backward stepping, bounded in bytes.
//!
//! Long-GOP codecs decode forward only: showing the frame before the current
//! one means decoding from the previous keyframe. The worker keeps every
//! frame it decodes here, in the decoder's own format (a 1080p I420 frame is
//! 3 MB, a third of RGBA, so a 60-frame GOP fits in the default 256 MiB), and
//! evicts the least recently used when over budget.

use std::collections::{BTreeMap, HashMap};

/// One decoded picture as the decoder produced it (no copy is kept).
pub(super) use crate::media::decoded::DecodedFrame as CachedFrame;

/// Frames by index, least recently used evicted first.
pub(super) struct FrameCache {
    frames: HashMap<u64, (CachedFrame, u64)>,
    /// Use stamp → frame index, oldest first.
    by_use: BTreeMap<u64, u64>,
    stamp: u64,
    bytes: usize,
    limit: usize,
}

impl FrameCache {
    pub fn new(limit: usize) -> Self {
        Self {
            frames: HashMap::new(),
            by_use: BTreeMap::new(),
            stamp: 0,
            bytes: 0,
            limit,
        }
    }

    pub fn insert(&mut self, index: u64, frame: CachedFrame) {
        let size = frame.buffer.size();
        if size > self.limit {
            return;
        }
        self.remove(index);
        self.stamp += 1;
        self.by_use.insert(self.stamp, index);
        self.frames.insert(index, (frame, self.stamp));
        self.bytes += size;
        while self.bytes > self.limit {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            if let Some((f, _)) = self.frames.remove(&oldest) {
                self.bytes -= f.buffer.size();
            }
        }
    }

    /// The frame, marked as recently used.
    pub fn get(&mut self, index: u64) -> Option<&CachedFrame> {
        let (_, stamp) = self.frames.get(&index)?;
        let old = *stamp;
        self.stamp += 1;
        let new = self.stamp;
        self.by_use.remove(&old);
        self.by_use.insert(new, index);
        let entry = self.frames.get_mut(&index)?;
        entry.1 = new;
        Some(&entry.0)
    }

    pub fn contains(&self, index: u64) -> bool {
        self.frames.contains_key(&index)
    }

    fn remove(&mut self, index: u64) {
        if let Some((f, stamp)) = self.frames.remove(&index) {
            self.by_use.remove(&stamp);
            self.bytes -= f.buffer.size();
        }
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }
}

#[cfg(test)]
mod tests {
    use gstreamer as gst;
    use gstreamer_video as gst_video;

    use super::*;

    fn frame(size: usize) -> CachedFrame {
        crate::media::init().unwrap();
        let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Gray8, 8, 8)
            .build()
            .unwrap();
        CachedFrame {
            buffer: gst::Buffer::with_size(size).unwrap(),
            info,
            pts_ns: 0,
        }
    }

    #[test]
    fn evicts_least_recently_used_within_budget() {
        let mut cache = FrameCache::new(300);
        for i in 0..3 {
            cache.insert(i, frame(100));
        }
        assert_eq!(cache.bytes(), 300);
        // Touch 0 so 1 is now the oldest.
        assert!(cache.get(0).is_some());
        cache.insert(3, frame(100));
        assert!(cache.contains(0) && !cache.contains(1) && cache.contains(2) && cache.contains(3));
        assert_eq!(cache.bytes(), 300);
        // Replacing an entry does not double-count it.
        cache.insert(3, frame(100));
        assert_eq!((cache.len(), cache.bytes()), (3, 300));
        // A frame larger than the whole budget is not kept.
        cache.insert(9, frame(1000));
        assert!(!cache.contains(9));
    }
}
