//! A walk over the top-level boxes of an MP4/MOV file, before any pipeline runs.
//!
//! A camera that loses power mid-recording leaves an MP4 whose sample index
//! (`moov`) was never written: the media data is there but nothing says where
//! the frames are. GStreamer's demuxer reports that, but `parsebin` discards
//! errors raised while it is still bringing the demuxer up, so on a busy
//! machine the report can be lost and the pipeline just waits. Walking the box
//! headers (a few reads of 8–16 bytes) answers the question exactly and at once.

use std::io::{self, Read, Seek, SeekFrom};

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
        if &kind == b"moov" || &kind == b"moof" {
            return Ok(Layout::Indexed);
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
}
