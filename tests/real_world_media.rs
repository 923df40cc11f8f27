//! Files as cameras, phones, trimming tools and old archives write them:
//! edit lists, display matrices, packed B-frames, damaged frames. Each test
//! builds its file from generated media (the frame code in every picture says
//! which source frame it is) and checks what a reviewer would see.

mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use common::{TIMEOUT, code_of, generate, open_player};
use debrief::deid::Rect;
use debrief::export::{self, ClipSettings};
use debrief::media::testsrc::{TestSrcSpec, faces};
use debrief::media::{MediaSource, Orientation, frame_code};

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

/// Gives the MP4 at `path` the display matrix a phone writes for a picture to be
/// turned 90° counter-clockwise (`ffmpeg -metadata:s:v rotate=90` writes the same).
fn set_display_matrix_ccw(path: &Path) {
    let mut d = std::fs::read(path).unwrap();
    let (tkhd, _) = box_path(&d, &[b"moov", b"trak", b"tkhd"]);
    assert_eq!(d[tkhd + 8], 0, "tkhd version 0");
    let matrix: [i32; 9] = [0, -0x10000, 0, 0x10000, 0, 0, 0, 0, 0x4000_0000];
    for (i, v) in matrix.iter().enumerate() {
        d[tkhd + 48 + i * 4..][..4].copy_from_slice(&v.to_be_bytes());
    }
    std::fs::write(path, d).unwrap();
}

/// The frame code of a picture shown turned 90° counter-clockwise (turned back first).
fn code_of_ccw(frame: &debrief::media::Frame) -> Option<u64> {
    let (w, h, rgba) = Orientation::Rotate90.apply_rgba(frame.width, frame.height, &frame.rgba);
    frame_code::read_rgba(&rgba, w, h, w as usize * 4)
}

#[test]
fn a_phone_video_is_shown_extracted_and_exported_upright() {
    let dir = tempfile::tempdir().unwrap();
    let path = generate(dir.path(), "phone.mp4", &TestSrcSpec::default());
    set_display_matrix_ccw(&path);

    let (player, info) = open_player(&path);
    assert_eq!(info.orientation, Orientation::Rotate270);
    assert_eq!(
        (info.width, info.height),
        (240, 320),
        "probe: size as shown"
    );
    for n in [0, 17, 89] {
        let f = player.seek_wait(n, TIMEOUT).unwrap();
        assert_eq!((f.width, f.height), (240, 320), "player: frame {n} upright");
        assert_eq!(code_of_ccw(&f), Some(n), "player: frame {n}");
    }
    let f = player.step_wait(-1, TIMEOUT).unwrap();
    assert_eq!((f.width, f.height, code_of_ccw(&f)), (240, 320, Some(88)));
    drop(player);

    // `debrief frame` writes the picture as shown.
    let png = dir.path().join("f.png");
    let out = std::process::Command::new(common::bin())
        .args(["frame", path.to_str().unwrap(), "--index", "42", "--out"])
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, rgba) = debrief::media::still::read_png(&png).unwrap();
    assert_eq!((w, h), (240, 320), "frame: PNG upright");
    let (w, h, rgba) = Orientation::Rotate90.apply_rgba(w, h, &rgba);
    assert_eq!(frame_code::read_rgba(&rgba, w, h, w as usize * 4), Some(42));

    // The export writes upright pictures (and no display matrix to turn them again).
    let clip = dir.path().join("clip.mp4");
    let mut settings = ClipSettings::new(10, 30);
    settings.detect_faces = false;
    export::export_clip(
        &MediaSource::file(&path),
        &info,
        &clip,
        &settings,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let (player, out_info) = open_player(&clip);
    assert_eq!(out_info.orientation, Orientation::Identity);
    assert_eq!(
        (out_info.width, out_info.height, out_info.frames()),
        (240, 320, 21)
    );
    for n in [0, 20] {
        let f = player.seek_wait(n, TIMEOUT).unwrap();
        assert_eq!(code_of_ccw(&f), Some(10 + n), "clip frame {n}");
    }
}

#[test]
fn faces_in_a_phone_video_are_found_upright() {
    const W: u32 = 640;
    const H: u32 = 360;
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 30,
        width: W,
        height: H,
        faces: 2,
        gop: 30,
        ..Default::default()
    };
    let path = generate(dir.path(), "phone-faces.mp4", &spec);
    set_display_matrix_ccw(&path);
    let source = MediaSource::file(&path);
    let info = debrief::media::probe(&source).unwrap();
    assert_eq!((info.width, info.height), (H, W));
    let mut settings = ClipSettings::new(0, 29);
    settings.threshold = 0.2;
    let (boxes, _) = export::detect_faces(
        &source,
        &info,
        &settings,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    for index in (0..30).step_by(7) {
        for k in 0..2 {
            // Where face k is drawn in the stored picture, turned as shown:
            // a stored (x, y) is shown at (y, W - 1 - x).
            let (x, y, w, h) = faces::face_box(W, H, 2, k, index);
            let shown = Rect {
                x: y as f32,
                y: (W - x - w) as f32,
                w: h as f32,
                h: w as f32,
            };
            assert!(
                boxes[index as usize].iter().any(|b| b.iou(shown) > 0.3),
                "frame {index}: face {k} not covered where it is shown ({shown:?}); boxes {:?}",
                boxes[index as usize]
            );
        }
    }
}

#[test]
fn a_phone_video_in_the_vault_keeps_its_orientation() {
    use common::vault::new_vault;
    use debrief::vault::{ImportOptions, NewCase};
    let dir = tempfile::tempdir().unwrap();
    let mut vault = new_vault(dir.path());
    let path = generate(dir.path(), "phone.mp4", &TestSrcSpec::default());
    set_display_matrix_ccw(&path);
    let case_id = vault
        .create_case(NewCase {
            title: "Case one".into(),
            ..Default::default()
        })
        .unwrap();
    let id = vault
        .import(&case_id, &path, ImportOptions::default(), &mut |_, _| true)
        .unwrap()
        .recording_id;
    let info = vault.media_info(&id).unwrap();
    assert_eq!(info.orientation, Orientation::Rotate270);
    assert_eq!((info.width, info.height), (240, 320));
}
