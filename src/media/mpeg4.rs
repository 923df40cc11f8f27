//! MPEG-4 part 2 (DivX, Xvid) in AVI: which chunk shows which picture.
//!
//! AVI stores one chunk per frame slot and no presentation times: with
//! B-frames the chunks are in decode order (I0 P3 B1 B2 …), and the index's
//! keyframe flag marks the chunk of the I-VOP, not its place on screen. DivX
//! and Xvid "packed bitstream" files go further: a P-VOP and the B-VOP after
//! it share one chunk and the next chunk holds a few-byte not-coded
//! placeholder. libav's decoder (as ffmpeg) unpacks that and puts out one
//! picture per chunk, in display order; but the timestamps GStreamer gives
//! those pictures depend on where decoding started, so after a seek they no
//! longer say which picture is which.
//!
//! This module reads just enough of each chunk (VOP start codes, coding
//! type, the `vop_coded` bit) to work out the display order, so the probe
//! knows where each keyframe is shown and the player can count pictures from
//! the keyframe it seeked to (see `FrameOrder::Counted`).

/// VOP start code suffix (`00 00 01 B6`).
const VOP: u8 = 0xb6;

/// The coding type of a video object plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VopType {
    /// Intra (a keyframe).
    I,
    /// Predicted.
    P,
    /// Bidirectional: shown before the anchor decoded just before it.
    B,
    /// Sprite (GMC): an anchor like P.
    S,
}

/// One VOP header: its type and whether it carries a picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vop {
    /// Coding type.
    pub kind: VopType,
    /// False for a not-coded VOP (a placeholder or a repeated frame).
    pub coded: bool,
}

/// Reads bits most significant first.
struct Bits<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn bit(&mut self) -> Option<u32> {
        let byte = *self.data.get(self.at / 8)?;
        let v = (byte >> (7 - (self.at % 8))) & 1;
        self.at += 1;
        Some(u32::from(v))
    }

    fn bits(&mut self, n: u32) -> Option<u32> {
        let mut v = 0;
        for _ in 0..n {
            v = (v << 1) | self.bit()?;
        }
        Some(v)
    }
}

/// Positions just after each `00 00 01 xx` start code whose `xx` satisfies `want`.
fn start_codes<'a>(
    data: &'a [u8],
    want: impl Fn(u8) -> bool + 'a,
) -> impl Iterator<Item = (u8, usize)> + 'a {
    data.windows(4).enumerate().filter_map(move |(i, w)| {
        (w[0] == 0 && w[1] == 0 && w[2] == 1 && want(w[3])).then_some((w[3], i + 4))
    })
}

/// The number of bits of `vop_time_increment`, from a video object layer header in `data`.
pub fn time_increment_bits(data: &[u8]) -> Option<u32> {
    let (_, at) = start_codes(data, |c| (0x20..=0x2f).contains(&c)).next()?;
    let mut r = Bits {
        data: data.get(at..)?,
        at: 0,
    };
    r.bits(1)?; // random_accessible_vol
    r.bits(8)?; // video_object_type_indication
    let mut verid = 1;
    if r.bit()? == 1 {
        verid = r.bits(4)?;
        r.bits(3)?; // priority
    }
    if r.bits(4)? == 0xf {
        r.bits(16)?; // extended pixel aspect ratio
    }
    if r.bit()? == 1 {
        r.bits(3)?; // chroma_format, low_delay
        if r.bit()? == 1 {
            r.bits(79)?; // vbv_parameters
        }
    }
    let shape = r.bits(2)?;
    if shape == 3 && verid != 1 {
        r.bits(4)?;
    }
    r.bit()?; // marker
    let resolution = r.bits(16)?;
    Some((32 - resolution.saturating_sub(1).leading_zeros()).max(1))
}

/// The VOPs in one chunk, in order. `tib` is [`time_increment_bits`] (needed
/// to reach the `vop_coded` bit); without it every VOP counts as coded.
pub fn vops(data: &[u8], tib: Option<u32>) -> Vec<Vop> {
    start_codes(data, |c| c == VOP)
        .filter_map(|(_, at)| {
            let mut r = Bits {
                data: data.get(at..)?,
                at: 0,
            };
            let kind = match r.bits(2)? {
                0 => VopType::I,
                1 => VopType::P,
                2 => VopType::B,
                _ => VopType::S,
            };
            let coded = match tib {
                Some(bits) => {
                    while r.bit()? == 1 {} // modulo_time_base
                    r.bit()?; // marker
                    r.bits(bits)?; // vop_time_increment
                    r.bit()?; // marker
                    r.bit()? == 1
                }
                None => true,
            };
            Some(Vop { kind, coded })
        })
        .collect()
}

/// Works out the display order of an AVI's MPEG-4 chunks, fed one by one.
#[derive(Debug, Default)]
pub struct ChunkOrder {
    tib: Option<u32>,
    /// Coded pictures in decode order, after unpacking: their types.
    decode: Vec<VopType>,
    /// The chunk before held two VOPs: its placeholder is coming.
    packed: bool,
    chunks: u64,
}

impl ChunkOrder {
    /// Takes the next chunk (codec data first, if the container has it).
    pub fn push(&mut self, data: &[u8]) {
        if self.tib.is_none() {
            self.tib = time_increment_bits(data);
        }
        let vops = vops(data, self.tib);
        if vops.is_empty() {
            return; // codec data, or a chunk with no picture
        }
        self.chunks += 1;
        if vops.len() == 1 && !vops[0].coded && std::mem::take(&mut self.packed) {
            // The placeholder after a packed chunk: its slot shows the B-VOP unpacked from it.
            return;
        }
        self.packed = vops.len() > 1;
        for vop in vops {
            // A not-coded VOP outside packing repeats the last picture: an anchor.
            self.decode
                .push(if vop.coded { vop.kind } else { VopType::P });
        }
    }

    /// True when there were B-VOPs (decode order differs from display order).
    pub fn has_b_frames(&self) -> bool {
        self.decode.contains(&VopType::B)
    }

    /// Where each I-VOP is shown: display indices, ascending.
    pub fn keyframes(&self) -> Vec<u64> {
        let mut display = Vec::with_capacity(self.decode.len());
        let mut held: Option<usize> = None;
        for (i, &kind) in self.decode.iter().enumerate() {
            if kind == VopType::B {
                display.push(i);
            } else {
                display.extend(held.replace(i));
            }
        }
        display.extend(held);
        display
            .iter()
            .enumerate()
            .filter(|&(_, &i)| self.decode.get(i) == Some(&VopType::I))
            .map(|(shown, _)| shown as u64)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A VOP header: start code, type, modulo_time_base 0, marker, a 4-bit
    /// time increment, marker, vop_coded, then stuffing.
    fn vop(kind: u8, coded: bool) -> Vec<u8> {
        let mut bits = vec![
            kind >> 1 & 1,
            kind & 1,
            0,
            1,
            0,
            1,
            1,
            0,
            1,
            u8::from(coded),
            0,
        ];
        while bits.len() % 8 != 0 {
            bits.push(1);
        }
        let mut v = vec![0, 0, 1, VOP];
        v.extend(
            bits.chunks(8)
                .map(|b| b.iter().fold(0u8, |acc, &x| acc << 1 | x)),
        );
        v
    }

    #[test]
    fn reads_types_and_the_coded_bit() {
        let mut chunk = vop(1, true);
        chunk.extend(vop(2, true));
        let got = vops(&chunk, Some(4));
        assert_eq!(
            got,
            vec![
                Vop {
                    kind: VopType::P,
                    coded: true
                },
                Vop {
                    kind: VopType::B,
                    coded: true
                }
            ]
        );
        assert!(!vops(&vop(1, false), Some(4))[0].coded);
    }

    #[test]
    fn packed_and_plain_b_frames_give_the_same_display_order() {
        // Decode order I0 P3 B1 B2 I6 B4 B5 P9 B7 B8, plain and packed.
        let plain: Vec<Vec<u8>> = [0, 1, 2, 2, 0, 2, 2, 1, 2, 2]
            .iter()
            .map(|&k| vop(k, true))
            .collect();
        let mut packed = Vec::new();
        let mut i = 0;
        while i < plain.len() {
            let anchor = i > 0 && plain.get(i + 1).is_some_and(|n| n[4] >> 6 == 2);
            if anchor && plain[i][4] >> 6 != 2 {
                packed.push([plain[i].clone(), plain[i + 1].clone()].concat());
                packed.push(vop(1, false));
                i += 2;
            } else {
                packed.push(plain[i].clone());
                i += 1;
            }
        }
        assert_eq!(packed.len(), plain.len(), "one chunk per frame either way");
        for chunks in [&plain, &packed] {
            let mut order = ChunkOrder {
                tib: Some(4),
                ..Default::default()
            };
            for c in chunks {
                order.push(c);
            }
            assert!(order.has_b_frames());
            assert_eq!(order.chunks, 10);
            // I0 is shown first, I6 sixth: after B4 and B5, which it is decoded before.
            assert_eq!(order.keyframes(), vec![0, 6]);
        }
    }
}
