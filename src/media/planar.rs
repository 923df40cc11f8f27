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

    /// Draws `src` into the rectangle at (`x`, `y`) of `w` × `h` luma pixels
    /// (even numbers, inside this frame), scaled to fill it: each sample is
    /// the mean of the source samples it covers (an area filter, so fine
    /// detail averages out rather than aliasing), the nearest one when enlarging.
    pub fn draw_scaled(&mut self, src: &PlanarFrame, x: u32, y: u32, w: u32, h: u32) {
        for p in 0..3 {
            let sub = if p == 0 { 1 } else { 2 };
            let (dst, from) = (self.planes[p], src.planes[p]);
            let (x0, y0) = ((x / sub) as usize, (y / sub) as usize);
            let dw = (w.div_ceil(sub) as usize).min(dst.width.saturating_sub(x0));
            let dh = (h.div_ceil(sub) as usize).min(dst.height.saturating_sub(y0));
            let (sw, sh) = (from.width, from.height);
            if dw == 0 || dh == 0 || sw == 0 || sh == 0 {
                continue;
            }
            let span = |d: usize, dn: usize, sn: usize| {
                let a = d * sn / dn;
                (a, ((d + 1) * sn / dn).max(a + 1).min(sn))
            };
            let columns: Vec<(usize, usize)> = (0..dw).map(|dx| span(dx, dw, sw)).collect();
            for dy in 0..dh {
                let (sy0, sy1) = span(dy, dh, sh);
                let row = dst.offset + (y0 + dy) * dst.stride + x0;
                for (dx, &(sx0, sx1)) in columns.iter().enumerate() {
                    let mut sum = 0u32;
                    for sy in sy0..sy1 {
                        let line = from.offset + sy * from.stride;
                        sum += src.data[line + sx0..line + sx1]
                            .iter()
                            .map(|&v| u32::from(v))
                            .sum::<u32>();
                    }
                    let n = ((sy1 - sy0) * (sx1 - sx0)) as u32;
                    self.data[row + dx] = ((sum + n / 2) / n) as u8;
                }
            }
        }
    }
}

/// Where a `width` × `height` picture goes inside a `tile_w` × `tile_h`
/// tile: as large as fits with its shape kept, centred (black bars on two
/// sides), every number even so the chroma planes line up.
pub fn fit(width: u32, height: u32, tile_w: u32, tile_h: u32) -> (u32, u32, u32, u32) {
    let even = |v: f64| ((v / 2.0).floor() as u32 * 2).max(2);
    let scale = (f64::from(tile_w) / f64::from(width.max(1)))
        .min(f64::from(tile_h) / f64::from(height.max(1)));
    let w = even(f64::from(width) * scale).min(tile_w);
    let h = even(f64::from(height) * scale).min(tile_h);
    let x = (tile_w - w) / 4 * 2;
    let y = (tile_h - h) / 4 * 2;
    (x, y, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_averages_each_two_by_two_block() {
        let mut src = PlanarFrame::black(4, 4);
        for y in 0..4 {
            for x in 0..4 {
                src.set(0, x, y, (x * 10 + y * 40) as u8);
            }
        }
        let mut dst = PlanarFrame::black(8, 6);
        dst.draw_scaled(&src, 2, 2, 2, 2);
        // (0+10+40+50)/4 = 25, (20+30+60+70)/4 = 45, …
        assert_eq!(dst.at(0, 2, 2), 25);
        assert_eq!(dst.at(0, 3, 2), 45);
        assert_eq!(dst.at(0, 2, 3), 105);
        assert_eq!(dst.at(0, 3, 3), 125);
        // Nothing outside the rectangle changed.
        assert_eq!(dst.at(0, 1, 2), 16);
        assert_eq!(dst.at(0, 4, 3), 16);
        assert_eq!(dst.at(0, 2, 4), 16);
    }

    #[test]
    fn a_picture_fits_its_tile_with_its_shape_kept_and_centred() {
        // 16:9 into a 4:3 tile: full width, bars above and below.
        assert_eq!(fit(1280, 720, 640, 480), (0, 60, 640, 360));
        // 4:3 into a 16:9 tile: full height, bars left and right.
        assert_eq!(fit(640, 480, 1280, 720), (160, 0, 960, 720));
        // Same shape: the whole tile.
        assert_eq!(fit(1920, 1080, 960, 540), (0, 0, 960, 540));
        for (w, h, tw, th) in [(854, 480, 640, 360), (333, 777, 320, 180), (7, 3, 100, 100)] {
            let (x, y, fw, fh) = fit(w, h, tw, th);
            assert!(x % 2 == 0 && y % 2 == 0 && fw % 2 == 0 && fh % 2 == 0);
            assert!(x + fw <= tw && y + fh <= th, "{w}x{h} in {tw}x{th}");
        }
    }
}
