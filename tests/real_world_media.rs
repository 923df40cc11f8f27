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
    let export::Faces { boxes, .. } = export::detect_faces(
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

/// Little-endian u32 at `at`.
fn le32(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(d[at..at + 4].try_into().unwrap())
}

/// The RIFF chunks between `start` and `end`: (fourcc, position of the header, body size).
fn riff_chunks(d: &[u8], start: usize, end: usize) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut pos = start;
    while pos + 8 <= end {
        let size = le32(d, pos + 4) as usize;
        out.push((d[pos..pos + 4].try_into().unwrap(), pos, size));
        pos += 8 + size + (size & 1);
    }
    out
}

/// Where each `00 00 01 B6` VOP header starts in `data`.
fn vop_starts(data: &[u8]) -> Vec<usize> {
    data.windows(4)
        .enumerate()
        .filter(|(_, w)| *w == [0, 0, 1, 0xb6])
        .map(|(i, _)| i)
        .collect()
}

/// A not-coded VOP: the header of `vop` (a VOP, start code first) with its type
/// made P and `vop_coded` cleared, `tib` being the time increment's width.
fn not_coded_copy(vop: &[u8], tib: u32) -> Vec<u8> {
    let bit = |i: usize| (vop[4 + i / 8] >> (7 - i % 8)) & 1;
    let mut i = 2; // coding type
    while bit(i) == 1 {
        i += 1; // modulo_time_base
    }
    i += 1; // its closing 0
    let header_end = i + 1 + tib as usize + 1; // marker, time increment, marker
    let mut bits = vec![0u8, 1]; // P
    bits.extend((2..header_end).map(bit));
    bits.push(0); // vop_coded = 0
    bits.push(0); // stuffing: a 0, then 1s to the byte
    while bits.len() % 8 != 0 {
        bits.push(1);
    }
    let mut out = vec![0, 0, 1, 0xb6];
    out.extend(
        bits.chunks(8)
            .map(|b| b.iter().fold(0u8, |acc, &x| acc << 1 | x)),
    );
    out
}

/// Repacks an MPEG-4 part 2 AVI as DivX and Xvid write "packed bitstream": each
/// B-VOP that follows an anchor moves into the anchor's chunk, and its own chunk
/// gets a not-coded placeholder; the DivX user data says "packed" ('p'). Returns
/// how many chunks became placeholders.
fn pack_b_frames(path: &Path) -> usize {
    let d = std::fs::read(path).unwrap();
    assert_eq!(&d[..4], b"RIFF");
    let top = riff_chunks(&d, 12, d.len());
    let &(_, movi, movi_size) = top
        .iter()
        .find(|(id, p, _)| id == b"LIST" && &d[p + 8..p + 12] == b"movi")
        .expect("movi");
    let &(_, idx1, idx1_size) = top.iter().find(|(id, ..)| id == b"idx1").expect("idx1");
    let video: Vec<([u8; 4], Vec<u8>)> = riff_chunks(&d, movi + 12, movi + 8 + movi_size)
        .into_iter()
        .filter(|(id, ..)| &id[2..] == b"dc" || &id[2..] == b"db")
        .map(|(id, p, size)| (id, d[p + 8..p + 8 + size].to_vec()))
        .collect();
    let flags: Vec<u32> = (0..idx1_size / 16)
        .map(|i| le32(&d, idx1 + 8 + 16 * i + 4))
        .collect();
    assert_eq!(flags.len(), video.len(), "one index entry per video chunk");
    let tib = debrief::media::mpeg4::time_increment_bits(&video[0].1).expect("a VOL first");
    let kind = |c: &[u8]| vop_starts(c).first().map(|&i| c[i + 4] >> 6);
    let mut chunks: Vec<Vec<u8>> = video.iter().map(|(_, c)| c.clone()).collect();
    let mut placeholders = 0;
    let mut k = 1;
    while k + 1 < chunks.len() {
        if matches!(kind(&chunks[k]), Some(0 | 1)) && kind(&chunks[k + 1]) == Some(2) {
            let b = chunks[k + 1].clone();
            chunks[k].extend_from_slice(&b);
            chunks[k + 1] = not_coded_copy(&b[vop_starts(&b)[0]..], tib);
            placeholders += 1;
            k += 2;
        } else {
            k += 1;
        }
    }
    let first_vop = vop_starts(&chunks[0])[0];
    chunks[0].splice(
        first_vop..first_vop,
        b"\x00\x00\x01\xb2DivX503b1393p".iter().copied(),
    );
    let mut movi_body = b"movi".to_vec();
    let mut index = Vec::new();
    for ((id, _), (chunk, flag)) in video.iter().zip(chunks.iter().zip(&flags)) {
        let offset = movi_body.len() as u32;
        movi_body.extend_from_slice(id);
        movi_body.extend((chunk.len() as u32).to_le_bytes());
        movi_body.extend_from_slice(chunk);
        if chunk.len() % 2 == 1 {
            movi_body.push(0);
        }
        index.extend_from_slice(id);
        index.extend(flag.to_le_bytes());
        index.extend(offset.to_le_bytes());
        index.extend((chunk.len() as u32).to_le_bytes());
    }
    let mut out = d[..movi].to_vec();
    out.extend_from_slice(b"LIST");
    out.extend((movi_body.len() as u32).to_le_bytes());
    out.extend(movi_body);
    out.extend_from_slice(b"idx1");
    out.extend((index.len() as u32).to_le_bytes());
    out.extend(index);
    let riff_size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    std::fs::write(path, out).unwrap();
    placeholders
}

#[test]
fn divx_packed_b_frames_in_avi_are_counted_and_shown_exactly() {
    let dir = tempfile::tempdir().unwrap();
    // The file: 720×528, 23.976 fps, 270 frames of MPEG-4 part 2 with B-frames.
    let spec = TestSrcSpec {
        frames: 270,
        width: 720,
        height: 528,
        rate: debrief::time::FrameRate::new(24000, 1001).unwrap(),
        codec: debrief::media::testsrc::VideoCodec::Mpeg4,
        bframes: true,
        gop: 48,
        ..Default::default()
    };
    let plain = generate(dir.path(), "plain.avi", &spec);
    let packed = dir.path().join("packed.avi");
    std::fs::copy(&plain, &packed).unwrap();
    let placeholders = pack_b_frames(&packed);
    assert!(
        (80..=100).contains(&placeholders),
        "about a third of the chunks are placeholders: {placeholders}"
    );
    for path in [&plain, &packed] {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (player, info) = open_player(path);
        assert_eq!(info.frames(), 270, "{name}: frames");
        assert!(!info.vfr, "{name}: constant rate");
        assert_eq!(
            info.frame_order,
            debrief::media::FrameOrder::Counted,
            "{name}"
        );
        for n in (0..270).step_by(7).chain([49, 50, 100, 265, 269]) {
            let f = player.seek_wait(n, TIMEOUT).unwrap();
            assert_eq!((f.index, code_of(&f)), (n, Some(n)), "{name}: frame {n}");
        }
        player.seek_wait(40, TIMEOUT).unwrap();
        for n in 41..60 {
            let f = player.step_wait(1, TIMEOUT).unwrap();
            assert_eq!(code_of(&f), Some(n), "{name}: step to {n}");
        }
        for n in (30..59).rev() {
            let f = player.step_wait(-1, TIMEOUT).unwrap();
            assert_eq!(code_of(&f), Some(n), "{name}: step back to {n}");
        }
        drop(player);
        // The whole range exports, every frame in place.
        let clip = dir.path().join(format!("{name}.mp4"));
        let mut settings = ClipSettings::new(0, 269);
        settings.detect_faces = false;
        let report = export::export_clip(
            &MediaSource::file(path),
            &info,
            &clip,
            &settings,
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap_or_else(|e| panic!("{name}: export: {e}"));
        assert_eq!(report.frames, 270);
        let (player, _) = open_player(&clip);
        for n in [0, 26, 27, 100, 269] {
            let f = player.seek_wait(n, TIMEOUT).unwrap();
            assert_eq!(code_of(&f), Some(n), "{name}: exported frame {n}");
        }
    }
}

#[test]
fn a_damaged_frame_is_reported_at_once_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 90,
        width: 640,
        height: 360,
        codec: debrief::media::testsrc::VideoCodec::Vp9,
        gop: 45,
        ..Default::default()
    };
    let path = generate(dir.path(), "damaged.mkv", &spec);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() / 10;
    for b in &mut bytes[at..at + 64] {
        *b ^= 0xff;
    }
    std::fs::write(&path, bytes).unwrap();
    let frame = |index: u64| {
        std::process::Command::new(common::bin())
            .args([
                "frame",
                path.to_str().unwrap(),
                "--index",
                &index.to_string(),
                "--out",
            ])
            .arg(dir.path().join(format!("f{index}.png")))
            .output()
            .unwrap()
    };
    // The decoder cannot get from the damage to frame 30: a clear error now (it
    // used to wait the full 60 s for a frame that never came, then time out).
    let out = frame(30);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("frame 30 could not be decoded, the recording is damaged there")
            && err.contains("frame 45 is the next one that can be shown"),
        "{err}"
    );
    // Past the damage (the next keyframe) all is well.
    let out = frame(45);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, rgba) = debrief::media::still::read_png(&dir.path().join("f45.png")).unwrap();
    assert_eq!(frame_code::read_rgba(&rgba, w, h, w as usize * 4), Some(45));
}
