//! The machine-readable frame code that `debrief testsrc` burns into every frame.
//!
//! Tests must know which frame is on screen without trusting timestamps (a
//! wrong timestamp is exactly the bug they hunt), so each generated frame
//! carries its own index in its pixels: a strip across the top of the picture
//! split into [`CELLS`] cells, each black (0) or white (1). 24 bits hold the
//! index, 8 bits a check byte, so a misread strip decodes to `None`, never to
//! a wrong frame. Cells are large (a 32nd of the width, an eighth of the
//! height) and read by averaging their centres, so lossy codecs (H.264, VP9,
//! MJPEG at ordinary quality) keep the code intact.

/// Number of cells in the strip.
pub const CELLS: usize = 32;
/// Bits of the strip that carry the frame index.
pub const INDEX_BITS: usize = 24;
/// Largest index the strip can carry.
pub const MAX_INDEX: u64 = (1 << INDEX_BITS) - 1;

/// The 32-bit word a frame index is written as: index bits then a check byte.
pub fn encode(index: u64) -> u32 {
    let index = (index & MAX_INDEX) as u32;
    (index << 8) | u32::from(check_byte(index))
}

/// The frame index in a 32-bit word, if its check byte matches.
pub fn decode(word: u32) -> Option<u64> {
    let index = word >> 8;
    (check_byte(index) == (word & 0xff) as u8).then_some(u64::from(index))
}

fn check_byte(index: u32) -> u8 {
    let [_, a, b, c] = index.to_be_bytes();
    // Not a plain XOR: an all-black or all-white strip must not decode.
    (a ^ b.rotate_left(3) ^ c.rotate_left(5)) ^ 0x5a
}

/// Height of the code strip for a picture of height `height`.
pub fn strip_height(height: u32) -> u32 {
    (height / 8).max(8).min(height)
}

/// Horizontal span `[x0, x1)` of cell `cell` for a picture of width `width`.
pub fn cell_span(cell: usize, width: u32) -> (u32, u32) {
    let w = u64::from(width);
    let x0 = (cell as u64 * w / CELLS as u64) as u32;
    let x1 = ((cell as u64 + 1) * w / CELLS as u64) as u32;
    (x0, x1)
}

/// Reads the frame index from a tightly packed RGBA picture (`stride` bytes per row).
pub fn read_rgba(rgba: &[u8], width: u32, height: u32, stride: usize) -> Option<u64> {
    read_with(width, height, |x, y| {
        let at = y as usize * stride + x as usize * 4;
        let px = rgba.get(at..at + 3)?;
        Some((u32::from(px[0]) + u32::from(px[1]) + u32::from(px[2])) / 3)
    })
}

/// Reads the frame index from a luma (Y) plane.
pub fn read_luma(luma: &[u8], width: u32, height: u32, stride: usize) -> Option<u64> {
    read_with(width, height, |x, y| {
        luma.get(y as usize * stride + x as usize)
            .map(|&v| u32::from(v))
    })
}

fn read_with(width: u32, height: u32, sample: impl Fn(u32, u32) -> Option<u32>) -> Option<u64> {
    if width < CELLS as u32 * 2 || height < 16 {
        return None;
    }
    let strip = strip_height(height);
    // Sample the middle half of each cell in both directions.
    let (y0, y1) = (strip / 4, strip * 3 / 4);
    let mut word: u32 = 0;
    for cell in 0..CELLS {
        let (x0, x1) = cell_span(cell, width);
        let (cx0, cx1) = (x0 + (x1 - x0) / 4, x1 - (x1 - x0) / 4);
        let (mut sum, mut n) = (0u64, 0u64);
        for y in (y0..y1.max(y0 + 1)).step_by(2) {
            for x in cx0..cx1.max(cx0 + 1) {
                sum += u64::from(sample(x, y)?);
                n += 1;
            }
        }
        let bit = u32::from(sum / n.max(1) >= 128);
        word = (word << 1) | bit;
    }
    decode(word)
}

/// Paints the code for `index` into a luma plane (values 16 = black, 235 = white,
/// video range); chroma under the strip must be neutral (128).
pub fn paint_luma(luma: &mut [u8], width: u32, height: u32, stride: usize, index: u64) {
    let word = encode(index);
    let strip = strip_height(height) as usize;
    for cell in 0..CELLS {
        let bit = (word >> (CELLS - 1 - cell)) & 1;
        let value = if bit == 1 { 235 } else { 16 };
        let (x0, x1) = cell_span(cell, width);
        for y in 0..strip {
            if let Some(row) = luma.get_mut(y * stride + x0 as usize..y * stride + x1 as usize) {
                row.fill(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_damage() {
        for index in [0, 1, 2, 255, 256, 65_535, 1_000_000, MAX_INDEX] {
            assert_eq!(decode(encode(index)), Some(index));
            // Any single flipped bit is caught.
            for bit in 0..32 {
                assert_ne!(
                    decode(encode(index) ^ (1 << bit)),
                    Some(index),
                    "index {index} bit {bit}"
                );
            }
        }
        assert_eq!(decode(0), None, "all black");
        assert_eq!(decode(u32::MAX), None, "all white");
    }

    #[test]
    fn paints_and_reads_luma() {
        let (w, h) = (320u32, 240u32);
        let mut luma = vec![100u8; (w * h) as usize];
        for index in [0, 7, 12_345, 999_999] {
            paint_luma(&mut luma, w, h, w as usize, index);
            assert_eq!(read_luma(&luma, w, h, w as usize), Some(index));
        }
        // A picture without a strip reads as nothing.
        assert_eq!(
            read_luma(&vec![100u8; (w * h) as usize], w, h, w as usize),
            None
        );
        assert_eq!(
            read_luma(&luma, 16, 8, 16),
            None,
            "too small to carry a code"
        );
    }
}
