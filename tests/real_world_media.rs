//! Files as cameras, phones, trimming tools and old archives write them:
//! edit lists, display matrices, packed B-frames, damaged frames. Each test
//! builds its file from generated media (the frame code in every picture says
//! which source frame it is) and checks what a reviewer would see.

mod common;

use std::path::Path;

use common::{TIMEOUT, code_of, generate, open_player};
use debrief::media::testsrc::TestSrcSpec;

/// Big-endian helpers over a file's bytes.
fn be32(d: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(d[at..at + 4].try_into().unwrap())
}

fn put32(d: &mut [u8], at: usize, v: u32) {
    d[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// The first box of type `kind` between `start` and `end`: (position, size).
fn find_box(d: &[u8], start: usize, end: usize, kind: &[u8; 4]) -> Option<(usize, usize)> {
    let mut pos = start;
    while pos + 8 <= end {
        let size = be32(d, pos) as usize;
        if &d[pos + 4..pos + 8] == kind {
            return Some((pos, size));
        }
        assert!(size >= 8, "box walk");
        pos += size;
    }
    None
}

/// A path of nested boxes, e.g. `[moov, trak, mdia, mdhd]`: (position, size) of the last.
fn box_path(d: &[u8], path: &[&[u8; 4]]) -> (usize, usize) {
    let (mut start, mut end) = (0, d.len());
    let mut found = (0, 0);
    for kind in path {
        found = find_box(d, start, end, kind).unwrap_or_else(|| panic!("no {kind:?} box"));
        (start, end) = (found.0 + 8, found.0 + found.1);
    }
    found
}

/// Rewrites the single-track MP4 at `path` the way `ffmpeg -ss CUT -c copy` trims:
/// the media stays, the edit list starts `cut_s` seconds in and runs `keep_s`.
fn trim_with_edit_list(path: &Path, cut_ms: u32, keep_ms: u32) {
    let mut d = std::fs::read(path).unwrap();
    let (mvhd, _) = box_path(&d, &[b"moov", b"mvhd"]);
    assert_eq!(d[mvhd + 8], 0, "mvhd version 0");
    let movie_scale = be32(&d, mvhd + 20);
    let keep = (u64::from(keep_ms) * u64::from(movie_scale) / 1000) as u32;
    put32(&mut d, mvhd + 24, keep);
    let (tkhd, _) = box_path(&d, &[b"moov", b"trak", b"tkhd"]);
    assert_eq!(d[tkhd + 8], 0, "tkhd version 0");
    put32(&mut d, tkhd + 28, keep);
    let (mdhd, _) = box_path(&d, &[b"moov", b"trak", b"mdia", b"mdhd"]);
    let media_scale = be32(&d, mdhd + 20);
    // mp4mux already writes one edit (its B-frame delay): move its start.
    let (elst, _) = box_path(&d, &[b"moov", b"trak", b"edts", b"elst"]);
    assert_eq!((d[elst + 8], be32(&d, elst + 12)), (0, 1), "one v0 edit");
    let delay = be32(&d, elst + 20);
    put32(&mut d, elst + 16, keep);
    put32(
        &mut d,
        elst + 20,
        delay + (u64::from(cut_ms) * u64::from(media_scale) / 1000) as u32,
    );
    std::fs::write(path, d).unwrap();
}

#[test]
fn an_edit_list_starting_between_keyframes_shows_every_frame_it_presents() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 90,
        gop: 60,
        bframes: true,
        ..Default::default()
    };
    let path = generate(dir.path(), "trimmed.mp4", &spec);
    // Cut at 1.1 s, between the keyframes at 0 and 2 s; keep 1.9 s (to the end).
    trim_with_edit_list(&path, 1100, 1900);

    let (player, info) = open_player(&path);
    // ffmpeg decodes 57 frames here (1.9 s at 30 fps): source frames 33..=89.
    assert_eq!(info.frames(), 57, "frames the edit list presents");
    assert_eq!(info.table.pts(0), Some(0));
    for n in [0, 1, 2, 20, 26, 27, 28, 29, 40, 55, 56] {
        let f = player.seek_wait(n, TIMEOUT).unwrap();
        assert_eq!((f.index, code_of(&f)), (n, Some(33 + n)), "frame {n}");
    }
    let f = player.seek_wait(30, TIMEOUT).unwrap();
    assert_eq!(code_of(&f), Some(63));
    let f = player.step_wait(1, TIMEOUT).unwrap();
    assert_eq!(
        (f.index, code_of(&f)),
        (31, Some(64)),
        "step across the cut"
    );
}
