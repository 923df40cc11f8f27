//! A walk over the top-level boxes of an MP4/MOV file, before any pipeline runs.
//!
//! A camera that loses power mid-recording leaves an MP4 whose sample index
//! (`moov`) was never written: the media data is there but nothing says where
//! the frames are. GStreamer's demuxer reports that, but `parsebin` discards
//! errors raised while it is still bringing the demuxer up, so on a busy
//! machine the report can be lost and the pipeline just waits. Walking the box
//! headers (a few reads of 8–16 bytes) answers the question exactly and at once.
//!
//! The same walk finds what GStreamer 1.22's `qtdemux` gets wrong about edit
//! lists (see [`edit_list_patch`]), so the pipelines can read a corrected view.

use std::io::{self, Cursor, Read, Seek, SeekFrom};

/// Boxes to walk before giving up on finding the index (a real file has a handful).
const MAX_BOXES: usize = 10_000;

/// What the top-level box walk found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Not an ISO-BMFF file starting with `ftyp` (or an unreadable header): not judged here.
    NotIsoBmff,
    /// A `moov` (or, for fragmented files, `moof`) box is present.
    Indexed,
    /// Starts with `ftyp` but has no `moov`/`moof`: cut off before the index was written.
    NoIndex,
    /// Has an index that lists no sample at all (no track, or only empty ones):
    /// a recording that stopped before its first frame.
    Empty,
}

/// Walks the top-level boxes of `reader` (`len` bytes long).
pub fn scan(reader: &mut (impl Read + Seek + ?Sized), len: u64) -> io::Result<Layout> {
    let mut pos = 0u64;
    for n in 0..MAX_BOXES {
        if pos + 8 > len {
            break;
        }
        reader.seek(SeekFrom::Start(pos))?;
        let mut head = [0u8; 8];
        reader.read_exact(&mut head)?;
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let kind = [head[4], head[5], head[6], head[7]];
        if n == 0 && &kind != b"ftyp" {
            return Ok(Layout::NotIsoBmff);
        }
        if !kind.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
            // Not a box header: the structure is damaged past here; let the demuxer judge.
            return Ok(Layout::NotIsoBmff);
        }
        if &kind == b"moof" {
            return Ok(Layout::Indexed);
        }
        if &kind == b"moov" {
            // GStreamer reports an empty index only while parsebin is still
            // setting up, where the report can be lost: answer it here.
            let end = (pos + u64::from(size32).max(8)).min(len);
            return Ok(match samples(reader, pos + 8, end)? {
                Some(0) => Layout::Empty,
                _ => Layout::Indexed,
            });
        }
        let size = match size32 {
            // The box runs to the end of the file.
            0 => break,
            1 => {
                let mut large = [0u8; 8];
                if pos + 16 > len {
                    break;
                }
                reader.read_exact(&mut large)?;
                u64::from_be_bytes(large)
            }
            s => u64::from(s),
        };
        if size < 8 {
            return Ok(Layout::NotIsoBmff);
        }
        pos = pos.saturating_add(size);
    }
    Ok(Layout::NoIndex)
}

/// How many samples the `moov` body between `start` and `end` lists over all
/// its tracks; `None` when that is not known from it (a fragmented file keeps
/// its samples in `moof` boxes, or a box is damaged).
fn samples(
    reader: &mut (impl Read + Seek + ?Sized),
    start: u64,
    end: u64,
) -> io::Result<Option<u64>> {
    let boxes = children(reader, start, end)?;
    if child(&boxes, b"mvex").is_some() || child(&boxes, b"mvhd").is_none() {
        return Ok(None);
    }
    let mut total = 0u64;
    for trak in boxes.iter().filter(|b| &b.kind == b"trak") {
        let mut level = *trak;
        for kind in [b"mdia", b"minf", b"stbl"] {
            let (s, e) = level.body();
            let Some(next) = child(&children(reader, s, e)?, kind) else {
                return Ok(None);
            };
            level = next;
        }
        let (s, e) = level.body();
        let tables = children(reader, s, e)?;
        let Some(stsz) = child(&tables, b"stsz").or_else(|| child(&tables, b"stz2")) else {
            return Ok(None);
        };
        // Full box header (4), then sample size (4, or reserved + field size), then the count.
        let (body, body_end) = stsz.body();
        if body + 12 > body_end {
            return Ok(None);
        }
        total += u64::from(u32::from_be_bytes(read_at(reader, body + 8)?));
    }
    Ok(Some(total))
}

/// A few bytes of a file replaced while a pipeline reads it (the file itself is never changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    /// Where the replaced bytes start.
    pub offset: u64,
    /// The bytes read there instead.
    pub bytes: Vec<u8>,
}

/// One box: its type, where it starts, its whole size and its header's size.
#[derive(Debug, Clone, Copy)]
struct BoxAt {
    kind: [u8; 4],
    pos: u64,
    size: u64,
    header: u64,
}

impl BoxAt {
    fn body(&self) -> (u64, u64) {
        (self.pos + self.header, self.pos + self.size)
    }
}

/// The boxes between `start` and `end` (a parent's body), headers only.
fn children(
    reader: &mut (impl Read + Seek + ?Sized),
    start: u64,
    end: u64,
) -> io::Result<Vec<BoxAt>> {
    let mut out = Vec::new();
    let mut pos = start;
    while pos + 8 <= end && out.len() < MAX_BOXES {
        let head: [u8; 8] = read_at(reader, pos)?;
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let kind = [head[4], head[5], head[6], head[7]];
        let (size, header) = match size32 {
            0 => (end - pos, 8),
            1 if pos + 16 <= end => (u64::from_be_bytes(read_at(reader, pos + 8)?), 16),
            s => (u64::from(s), 8),
        };
        if size < header || pos.saturating_add(size) > end {
            break; // damaged: stop here and let the demuxer judge
        }
        out.push(BoxAt {
            kind,
            pos,
            size,
            header,
        });
        pos += size;
    }
    Ok(out)
}

/// Where a fragmented MP4 stream cut off mid-write (a recorder killed) can
/// be cut so that it holds only whole fragments: the end of its last whole
/// `mdat` within the first `len` readable bytes, or 0 when none is whole.
/// A stream that continues an earlier piece starts with `moof`; the first
/// piece also has `ftyp` and `moov` before its first fragment.
pub fn whole_fragments_end(reader: &mut (impl Read + Seek + ?Sized), len: u64) -> io::Result<u64> {
    let boxes = children(reader, 0, len)?;
    Ok(boxes
        .iter()
        .rev()
        .find(|b| &b.kind == b"mdat")
        .map_or(0, |b| b.pos + b.size))
}

/// The track id of the first video track (`hdlr` `vide`) in a whole `moov` box.
pub fn video_track_id(moov: &[u8]) -> Option<u32> {
    let mut r = Cursor::new(moov);
    let len = moov.len() as u64;
    let top = children(&mut r, 8, len).ok()?;
    for trak in top.iter().filter(|b| &b.kind == b"trak") {
        let (start, end) = trak.body();
        let kids = children(&mut r, start, end).ok()?;
        let Some(mdia) = child(&kids, b"mdia") else {
            continue;
        };
        let (ms, me) = mdia.body();
        let media = children(&mut r, ms, me).ok()?;
        let handler =
            child(&media, b"hdlr").and_then(|h| read_at::<4>(&mut r, h.body().0 + 8).ok());
        if handler != Some(*b"vide") {
            continue;
        }
        let tkhd = child(&kids, b"tkhd")?;
        let (body, _) = tkhd.body();
        let [version] = read_at::<1>(&mut r, body).ok()?;
        // version 1: 8-byte creation and modification times before the id.
        let at = body + if version == 1 { 4 + 16 } else { 4 + 8 };
        return read_at::<4>(&mut r, at).ok().map(u32::from_be_bytes);
    }
    None
}

/// Whether a whole `moof` box's fragment of track `track` starts with a
/// sync sample (a keyframe): `Some(true)` or `Some(false)`, `None` when the
/// fragment carries no sample of that track or says nothing about it.
pub fn fragment_starts_with_sync(moof: &[u8], track: u32) -> Option<bool> {
    let mut r = Cursor::new(moof);
    let len = moof.len() as u64;
    for traf in children(&mut r, 8, len)
        .ok()?
        .iter()
        .filter(|b| &b.kind == b"traf")
    {
        let (start, end) = traf.body();
        let kids = children(&mut r, start, end).ok()?;
        let tfhd = child(&kids, b"tfhd")?;
        let (th, _) = tfhd.body();
        let head = u32::from_be_bytes(read_at::<4>(&mut r, th).ok()?);
        let tf_flags = head & 0x00ff_ffff;
        if u32::from_be_bytes(read_at::<4>(&mut r, th + 4).ok()?) != track {
            continue;
        }
        // tfhd: track id, then optional base offset (8), description (4),
        // duration (4), size (4), flags (4).
        let mut at = th + 8;
        for (bit, width) in [(0x1, 8), (0x2, 4), (0x8, 4), (0x10, 4)] {
            if tf_flags & bit != 0 {
                at += width;
            }
        }
        let default_flags = (tf_flags & 0x20 != 0)
            .then(|| read_at::<4>(&mut r, at).ok().map(u32::from_be_bytes))
            .flatten();
        let trun = child(&kids, b"trun")?;
        let (tr, _) = trun.body();
        let run = u32::from_be_bytes(read_at::<4>(&mut r, tr).ok()?) & 0x00ff_ffff;
        let count = u32::from_be_bytes(read_at::<4>(&mut r, tr + 4).ok()?);
        if count == 0 {
            return None;
        }
        let mut at = tr + 8;
        if run & 0x1 != 0 {
            at += 4; // data offset
        }
        let flags = if run & 0x4 != 0 {
            Some(u32::from_be_bytes(read_at::<4>(&mut r, at).ok()?))
        } else if run & 0x400 != 0 {
            // The first sample's own flags, after its duration and size if present.
            let skip = [(0x100, 4), (0x200, 4)]
                .iter()
                .filter(|(bit, _)| run & bit != 0)
                .map(|(_, w)| w)
                .sum::<u64>();
            Some(u32::from_be_bytes(read_at::<4>(&mut r, at + skip).ok()?))
        } else {
            default_flags
        }?;
        // sample_is_non_sync_sample is bit 16.
        return Some(flags & 0x0001_0000 == 0);
    }
    None
}

/// Splits a byte stream (a muxer's output, arriving in buffers of any size)
/// into whole top-level boxes, so a writer can cut a recording between
/// fragments and keep a fragment whole or not at all.
#[derive(Debug, Default)]
pub struct BoxSplitter {
    pending: Vec<u8>,
}

impl BoxSplitter {
    /// Takes the next bytes of the stream and returns the boxes they complete.
    /// A box header that cannot be one (size under 8, or `size 0`, "to the
    /// end of the file", which a streaming muxer never writes) is an error.
    pub fn push(&mut self, bytes: &[u8]) -> io::Result<Vec<Vec<u8>>> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(size) = box_size(&self.pending)? {
            if (self.pending.len() as u64) < size {
                break;
            }
            let rest = self.pending.split_off(size as usize);
            out.push(std::mem::replace(&mut self.pending, rest));
        }
        Ok(out)
    }

    /// Bytes held back: the start of a box not complete yet.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

/// The size of the box whose header starts `data`, once the header is there.
fn box_size(data: &[u8]) -> io::Result<Option<u64>> {
    let Some(head) = data.get(..8) else {
        return Ok(None);
    };
    let size = match u32::from_be_bytes([head[0], head[1], head[2], head[3]]) {
        1 => match data.get(8..16) {
            Some(large) => u64::from_be_bytes(large.try_into().unwrap_or_default()),
            None => return Ok(None),
        },
        s => u64::from(s),
    };
    if size < 8 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a box of {size} bytes in the muxer's output"),
        ));
    }
    Ok(Some(size))
}

/// The type of a whole box (its bytes 4..8).
pub fn box_kind(whole: &[u8]) -> [u8; 4] {
    let mut kind = [0u8; 4];
    if let Some(k) = whole.get(4..8) {
        kind.copy_from_slice(k);
    }
    kind
}

/// A `free` box of exactly `size` bytes (at least 8): padding a reader skips.
pub fn free_box(size: usize) -> Vec<u8> {
    let size = size.max(8);
    let mut out = vec![0u8; size];
    out[..4].copy_from_slice(&(size as u32).to_be_bytes());
    out[4..8].copy_from_slice(b"free");
    out
}

fn read_at<const N: usize>(
    reader: &mut (impl Read + Seek + ?Sized),
    pos: u64,
) -> io::Result<[u8; N]> {
    reader.seek(SeekFrom::Start(pos))?;
    let mut buf = [0u8; N];
    reader.read_exact(&mut buf)?;
    Ok(buf)
}

fn child(boxes: &[BoxAt], kind: &[u8; 4]) -> Option<BoxAt> {
    boxes.iter().find(|b| &b.kind == kind).copied()
}

/// The timescale and the duration field's position and width of an `mvhd`/`mdhd` box.
fn header_times(
    reader: &mut (impl Read + Seek + ?Sized),
    b: BoxAt,
) -> io::Result<Option<(u64, u64, u64, bool)>> {
    let (body, end) = b.body();
    let [version] = read_at::<1>(reader, body)?;
    // version 0: creation, modification (4 bytes each); version 1: 8 bytes each.
    let (ts_at, wide) = if version == 1 {
        (body + 20, true)
    } else {
        (body + 12, false)
    };
    let dur_at = ts_at + 4;
    if dur_at + if wide { 8 } else { 4 } > end {
        return Ok(None);
    }
    let timescale = u64::from(u32::from_be_bytes(read_at(reader, ts_at)?));
    let duration = if wide {
        u64::from_be_bytes(read_at(reader, dur_at)?)
    } else {
        u64::from(u32::from_be_bytes(read_at(reader, dur_at)?))
    };
    Ok((timescale > 0).then_some((timescale, duration, dur_at, wide)))
}

/// The largest `media_time` of a track's edit list, in seconds as (numerator, timescale).
fn largest_media_time(
    reader: &mut (impl Read + Seek + ?Sized),
    trak: BoxAt,
) -> io::Result<Option<(u64, u64)>> {
    let (start, end) = trak.body();
    let boxes = children(reader, start, end)?;
    let (Some(edts), Some(mdia)) = (child(&boxes, b"edts"), child(&boxes, b"mdia")) else {
        return Ok(None);
    };
    let (ms, me) = mdia.body();
    let Some(mdhd) = child(&children(reader, ms, me)?, b"mdhd") else {
        return Ok(None);
    };
    let Some((media_scale, ..)) = header_times(reader, mdhd)? else {
        return Ok(None);
    };
    let (es, ee) = edts.body();
    let Some(elst) = child(&children(reader, es, ee)?, b"elst") else {
        return Ok(None);
    };
    let (body, end) = elst.body();
    let [version] = read_at::<1>(reader, body)?;
    let count = u32::from_be_bytes(read_at(reader, body + 4)?);
    let entry = if version == 1 { 20 } else { 12 };
    let mut largest = 0u64;
    for i in 0..u64::from(count.min(1024)) {
        let at = body + 8 + i * entry;
        if at + entry > end {
            break;
        }
        let media_time = if version == 1 {
            i64::from_be_bytes(read_at(reader, at + 8)?)
        } else {
            i64::from(i32::from_be_bytes(read_at(reader, at + 4)?))
        };
        // -1 marks an empty edit (a gap), not a start inside the media.
        largest = largest.max(u64::try_from(media_time).unwrap_or(0));
    }
    Ok((largest > 0).then_some((largest, media_scale)))
}

/// The correction GStreamer 1.22's `qtdemux` needs to play an edit list to its end.
///
/// A trimmed MP4 (`ffmpeg -ss 1.1 -c copy`, and some cameras) keeps the media
/// from the keyframe before the cut and says where presentation starts in an
/// edit list: `media_time` 1.1 s, duration 1.9 s. `qtdemux` before 1.24 checks
/// for the end of the movie by comparing the movie's duration (1.9 s) with a
/// position that has the edit's `media_time` added (up to 3.0 s), so it stops
/// at the first keyframe past 1.9 − 1.1 s and about half of what the edit
/// list presents never comes out. Lengthening the movie duration in `mvhd`
/// by the largest `media_time` moves that false end past the real one; the
/// edit list itself still ends each track where it should. `None` when the
/// file needs nothing (no edit list starting inside the media, or no room in
/// a 32-bit duration).
pub fn edit_list_patch(
    reader: &mut (impl Read + Seek + ?Sized),
    len: u64,
) -> io::Result<Option<Patch>> {
    if scan(reader, len)? != Layout::Indexed {
        return Ok(None);
    }
    let top = children(reader, 0, len)?;
    let Some(moov) = child(&top, b"moov") else {
        return Ok(None);
    };
    let (start, end) = moov.body();
    let boxes = children(reader, start, end)?;
    let Some(mvhd) = child(&boxes, b"mvhd") else {
        return Ok(None);
    };
    let Some((movie_scale, duration, dur_at, wide)) = header_times(reader, mvhd)? else {
        return Ok(None);
    };
    let mut extension = 0u64;
    for trak in boxes.iter().filter(|b| &b.kind == b"trak") {
        if let Some((media_time, media_scale)) = largest_media_time(reader, *trak)? {
            let ext = u128::from(media_time) * u128::from(movie_scale);
            let ext = ext.div_ceil(u128::from(media_scale.max(1)));
            extension = extension.max(u64::try_from(ext).unwrap_or(u64::MAX));
        }
    }
    if extension == 0 {
        return Ok(None);
    }
    let Some(longer) = duration.checked_add(extension + 1) else {
        return Ok(None);
    };
    let bytes = if wide {
        longer.to_be_bytes().to_vec()
    } else {
        match u32::try_from(longer) {
            Ok(v) => v.to_be_bytes().to_vec(),
            Err(_) => return Ok(None),
        }
    };
    Ok(Some(Patch {
        offset: dur_at,
        bytes,
    }))
}

/// A reader that shows `patch` in place of the bytes beneath it.
pub struct Patched<R> {
    inner: R,
    patch: Patch,
    pos: u64,
}

impl<R: Read + Seek> Patched<R> {
    /// `inner`, read with `patch` applied.
    pub fn new(inner: R, patch: Patch) -> Self {
        Self {
            inner,
            patch,
            pos: 0,
        }
    }
}

impl<R: Read + Seek> Read for Patched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let (start, end) = (self.pos, self.pos + n as u64);
        let (p_start, p_end) = (
            self.patch.offset,
            self.patch.offset + self.patch.bytes.len() as u64,
        );
        for at in start.max(p_start)..end.min(p_end) {
            if let (Some(dst), Some(src)) = (
                buf.get_mut((at - start) as usize),
                self.patch.bytes.get((at - p_start) as usize),
            ) {
                *dst = *src;
            }
        }
        self.pos = end;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for Patched<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = self.inner.seek(to)?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn boxed(kind: &[u8; 4], body: usize) -> Vec<u8> {
        let mut b = ((body + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.resize(body + 8, 0);
        b
    }

    #[test]
    fn the_splitter_returns_whole_boxes_however_the_bytes_arrive() {
        let mut stream = boxed(b"ftyp", 16);
        stream.extend(boxed(b"moov", 300));
        stream.extend(boxed(b"moof", 40));
        stream.extend(boxed(b"mdat", 5000));
        stream.extend(free_box(9));
        let whole: Vec<Vec<u8>> = {
            let mut s = BoxSplitter::default();
            s.push(&stream).unwrap()
        };
        assert_eq!(whole.len(), 5);
        for step in [1usize, 3, 7, 8, 13, 4096] {
            let mut s = BoxSplitter::default();
            let mut got = Vec::new();
            for piece in stream.chunks(step) {
                got.extend(s.push(piece).unwrap());
            }
            assert_eq!(got, whole, "pieces of {step} bytes");
            assert_eq!(s.pending(), 0);
        }
        let kinds: Vec<[u8; 4]> = whole.iter().map(|b| box_kind(b)).collect();
        assert_eq!(kinds, [*b"ftyp", *b"moov", *b"moof", *b"mdat", *b"free"]);
        // A header that cannot be a box is an error, not a wait for more.
        assert!(
            BoxSplitter::default()
                .push(&[0, 0, 0, 3, b'f', b'r', b'e', b'e'])
                .is_err()
        );
    }

    #[test]
    fn a_cut_off_stream_keeps_only_its_whole_fragments() {
        let mut stream = boxed(b"ftyp", 16);
        stream.extend(boxed(b"moov", 300));
        let first = stream.len() as u64;
        stream.extend(boxed(b"moof", 40));
        stream.extend(boxed(b"mdat", 5000));
        let whole = stream.len() as u64;
        stream.extend(boxed(b"moof", 40));
        stream.extend(boxed(b"mdat", 5000));
        let end =
            |len: usize| whole_fragments_end(&mut Cursor::new(&stream[..len]), len as u64).unwrap();
        assert_eq!(end(stream.len()), stream.len() as u64);
        // Cut inside the second fragment's mdat, or between its moof and mdat.
        assert_eq!(end(stream.len() - 1), whole);
        assert_eq!(end(whole as usize + 48), whole);
        // Nothing whole yet: only the index.
        assert_eq!(end(first as usize + 20), 0);
    }

    fn layout(bytes: &[u8]) -> Layout {
        scan(&mut Cursor::new(bytes), bytes.len() as u64).unwrap()
    }

    #[test]
    fn finds_the_index_wherever_it_is() {
        let mut f = boxed(b"ftyp", 16);
        f.extend(boxed(b"mdat", 1000));
        f.extend(boxed(b"moov", 50));
        assert_eq!(layout(&f), Layout::Indexed);
        let mut f = boxed(b"ftyp", 16);
        f.extend(boxed(b"moov", 50));
        f.extend(boxed(b"mdat", 1000));
        // Cut inside mdat: the index is still there.
        assert_eq!(layout(&f[..200]), Layout::Indexed);
    }

    #[test]
    fn a_file_cut_before_its_index_has_none() {
        let mut f = boxed(b"ftyp", 16);
        f.extend(boxed(b"mdat", 1000));
        f.extend(boxed(b"moov", 50));
        assert_eq!(layout(&f[..600]), Layout::NoIndex);
        assert_eq!(layout(&f[..1024]), Layout::NoIndex);
    }

    #[test]
    fn large_sizes_are_followed() {
        let mut f = boxed(b"ftyp", 16);
        let mut mdat = 1u32.to_be_bytes().to_vec();
        mdat.extend_from_slice(b"mdat");
        mdat.extend_from_slice(&116u64.to_be_bytes());
        mdat.resize(116, 7);
        f.extend(mdat);
        f.extend(boxed(b"moov", 8));
        assert_eq!(layout(&f), Layout::Indexed);
    }

    #[test]
    fn other_files_are_not_judged() {
        assert_eq!(layout(b"This is a consent form"), Layout::NotIsoBmff);
        assert_eq!(layout(&boxed(b"RIFF", 40)), Layout::NotIsoBmff);
        let mut f = boxed(b"ftyp", 16);
        f.extend([0xff; 64]);
        assert_eq!(layout(&f), Layout::NotIsoBmff);
    }

    fn full_box(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 12) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(&[version, 0, 0, 0]);
        b.extend_from_slice(body);
        b
    }

    fn container(kind: &[u8; 4], kids: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = kids.concat();
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend(body);
        b
    }

    /// ftyp, mdat, moov{mvhd(timescale 1000, 1.9 s), trak{edts{elst(media_time)}, mdia{mdhd(12800)}}}.
    fn trimmed(media_time: i32) -> Vec<u8> {
        let mut mvhd = vec![0u8; 8];
        mvhd.extend(1000u32.to_be_bytes());
        mvhd.extend(1900u32.to_be_bytes());
        mvhd.resize(96, 0);
        let mut mdhd = vec![0u8; 8];
        mdhd.extend(12800u32.to_be_bytes());
        mdhd.extend(38400u32.to_be_bytes());
        mdhd.extend([0u8; 4]);
        let mut elst = 1u32.to_be_bytes().to_vec();
        elst.extend(1900u32.to_be_bytes());
        elst.extend(media_time.to_be_bytes());
        elst.extend([0, 1, 0, 0]);
        let trak = container(
            b"trak",
            &[
                container(b"edts", &[full_box(b"elst", 0, &elst)]),
                container(b"mdia", &[full_box(b"mdhd", 0, &mdhd)]),
            ],
        );
        let mut f = boxed(b"ftyp", 16);
        f.extend(boxed(b"mdat", 100));
        f.extend(container(b"moov", &[full_box(b"mvhd", 0, &mvhd), trak]));
        f
    }

    #[test]
    fn an_edit_starting_inside_the_media_lengthens_the_movie() {
        // 1.1 s into a 12800 Hz track: 14080 ticks; the movie runs 1.9 s at 1000 Hz.
        let f = trimmed(14080);
        let patch = edit_list_patch(&mut Cursor::new(&f), f.len() as u64)
            .unwrap()
            .expect("a patch");
        // mvhd's duration field: ftyp 24 + mdat 108 + moov header 8 + mvhd header 12 + 12.
        assert_eq!(patch.offset, 24 + 108 + 8 + 12 + 12);
        assert_eq!(&f[patch.offset as usize..][..4], &1900u32.to_be_bytes());
        assert_eq!(patch.bytes, (1900u32 + 1100 + 1).to_be_bytes());
        let mut read = Vec::new();
        Patched::new(Cursor::new(&f), patch.clone())
            .read_to_end(&mut read)
            .unwrap();
        assert_eq!(read.len(), f.len());
        assert_eq!(&read[patch.offset as usize..][..4], &patch.bytes[..]);
        assert_eq!(read[..patch.offset as usize], f[..patch.offset as usize]);
        // Reads that start inside the patch see only its tail.
        let mut p = Patched::new(Cursor::new(&f), patch.clone());
        p.seek(SeekFrom::Start(patch.offset + 2)).unwrap();
        let mut two = [0u8; 4];
        p.read_exact(&mut two).unwrap();
        assert_eq!(&two[..2], &patch.bytes[2..]);
    }

    #[test]
    fn an_index_that_lists_no_sample_is_empty() {
        let mvhd = full_box(b"mvhd", 0, &[0; 96]);
        // No track at all (what ffmpeg writes for zero frames).
        let mut f = boxed(b"ftyp", 16);
        f.extend(boxed(b"mdat", 0));
        f.extend(container(b"moov", std::slice::from_ref(&mvhd)));
        assert_eq!(layout(&f), Layout::Empty);
        // A track whose sample table is empty, and one with five samples.
        let track = |count: u32| {
            let mut stsz = 0u32.to_be_bytes().to_vec();
            stsz.extend(count.to_be_bytes());
            let stbl = container(b"stbl", &[full_box(b"stsz", 0, &stsz)]);
            container(
                b"trak",
                &[container(b"mdia", &[container(b"minf", &[stbl])])],
            )
        };
        for (count, want) in [(0, Layout::Empty), (5, Layout::Indexed)] {
            let mut f = boxed(b"ftyp", 16);
            f.extend(container(b"moov", &[mvhd.clone(), track(count)]));
            assert_eq!(layout(&f), want, "{count} samples");
        }
        // Fragmented: the samples are in the fragments, not judged here.
        let mut f = boxed(b"ftyp", 16);
        f.extend(container(b"moov", &[mvhd, boxed(b"mvex", 8)]));
        assert_eq!(layout(&f), Layout::Indexed);
    }

    #[test]
    fn files_without_such_an_edit_are_left_alone() {
        for media_time in [0, -1] {
            let f = trimmed(media_time);
            assert_eq!(
                edit_list_patch(&mut Cursor::new(&f), f.len() as u64).unwrap(),
                None
            );
        }
        let f = boxed(b"RIFF", 40);
        assert_eq!(
            edit_list_patch(&mut Cursor::new(&f), f.len() as u64).unwrap(),
            None
        );
    }
}
