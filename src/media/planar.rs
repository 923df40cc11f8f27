//! An 8-bit I420 picture in memory: what the media engine decodes into and
//! hands on (to the face detector, the redaction, the encoder), in
//! GStreamer's default layout so it can be pushed back as a buffer as is.
//! Redaction draws on it from `deid`, which sits above `media`.

/// One plane's layout inside a [`PlanarFrame`]'s bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plane {
    /// Where the plane starts.
    pub offset: usize,
    /// Bytes from one row to the next.
    pub stride: usize,
    /// Pixels across.
    pub width: usize,
    /// Rows.
    pub height: usize,
}

/// An 8-bit 4:2:0 picture (Y, U, V planes), with rows possibly padded.
#[derive(Clone, Debug)]
pub struct PlanarFrame {
    /// Luma width in pixels.
    pub width: u32,
    /// Luma height in pixels.
    pub height: u32,
    /// Y, U, V layouts.
    pub planes: [Plane; 3],
    /// The bytes.
    pub data: Vec<u8>,
}

impl PlanarFrame {
    /// A black frame in GStreamer's default I420 layout (rows padded to 4
    /// bytes, chroma rounded up), so it can be pushed as a buffer as is.
    pub fn black(width: u32, height: u32) -> Self {
        let mut frame = Self::zeroed(width, height);
        let split = frame.planes[1].offset;
        frame.data[..split].fill(16);
        frame.data[split..].fill(128);
        frame
    }

    /// A frame of zeros in GStreamer's default I420 layout (to be overwritten).
    pub fn zeroed(width: u32, height: u32) -> Self {
        let (w, h) = (width as usize, height as usize);
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let (ys, cs) = (w.next_multiple_of(4), cw.next_multiple_of(4));
        let y_rows = h.next_multiple_of(2);
        let planes = [
            Plane {
                offset: 0,
                stride: ys,
                width: w,
                height: h,
            },
            Plane {
                offset: ys * y_rows,
                stride: cs,
                width: cw,
                height: ch,
            },
            Plane {
                offset: ys * y_rows + cs * ch,
                stride: cs,
                width: cw,
                height: ch,
            },
        ];
        let data = vec![0u8; ys * y_rows + 2 * cs * ch];
        Self {
            width,
            height,
            planes,
            data,
        }
    }

    /// The sample of plane `p` at (`x`, `y`) in that plane's pixels.
    #[inline]
    pub fn at(&self, p: usize, x: usize, y: usize) -> u8 {
        let pl = self.planes[p];
        self.data[pl.offset + y * pl.stride + x]
    }

    /// Sets the sample of plane `p` at (`x`, `y`).
    #[inline]
    pub fn set(&mut self, p: usize, x: usize, y: usize, value: u8) {
        let pl = self.planes[p];
        self.data[pl.offset + y * pl.stride + x] = value;
    }
}
