//! De-identified export: faces covered on every frame, exact boundaries,
//! manual regions, scrubbed metadata, audio modes, the consent gate, no
//! partial files, and the plenary package round trip.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use common::vault::{Fixture, fixture};
use debrief::deid::{FaceDetector, PlanarFrame, Rect, RegionSet};
use debrief::export::{self, AudioMode, ClipSettings};
use debrief::media::reader::{AudioRange, VideoRange};
use debrief::media::testsrc::{TestSrcSpec, faces, tags};
use debrief::media::{self, MediaSource, frame_code};
use debrief::vault::VaultError;

const W: u32 = 640;
const H: u32 = 360;

fn face_spec(frames: u64) -> TestSrcSpec {
    TestSrcSpec {
        frames,
        width: W,
        height: H,
        faces: 2,
        gop: 30,
        ..Default::default()
    }
}

/// Every frame of `path` with its burned-in index.
fn decode_all(path: &Path) -> Vec<(u64, PlanarFrame)> {
    let source = MediaSource::file(path);
    let info = media::probe(&source).expect("probe the output");
    let mut range = VideoRange::open(&source, &info, 0, info.frames() - 1).expect("open output");
    let mut out = Vec::new();
    while let Some((_, frame)) = range.next_frame().expect("decode output") {
        let code = frame_code::read_luma(
            &frame.data,
            frame.width,
            frame.height,
            frame.planes[0].stride,
        )
        .expect("frame code readable");
        out.push((code, frame));
    }
    out
}

/// Frames `from..=to` of a source file, decoded.
fn source_frames(path: &Path, from: u64, to: u64) -> Vec<PlanarFrame> {
    let source = MediaSource::file(path);
    let info = media::probe(&source).unwrap();
    let mut range = VideoRange::open(&source, &info, from, to).unwrap();
    let mut out = Vec::new();
    while let Some((_, f)) = range.next_frame().unwrap() {
        out.push(f);
    }
    out
}

/// Mean absolute luma difference inside `r`.
fn mean_diff(a: &PlanarFrame, b: &PlanarFrame, r: Rect) -> f64 {
    let (x0, y0) = (r.x.max(0.0) as usize, r.y.max(0.0) as usize);
    let x1 = ((r.x + r.w) as usize).min(a.width as usize);
    let y1 = ((r.y + r.h) as usize).min(a.height as usize);
    let mut sum = 0u64;
    let mut n = 0u64;
    for y in y0..y1 {
        for x in x0..x1 {
            sum += u64::from(a.at(0, x, y).abs_diff(b.at(0, x, y)));
            n += 1;
        }
    }
    sum as f64 / n.max(1) as f64
}

/// PSNR of luma outside every box in `keep_out`.
fn psnr_outside(a: &PlanarFrame, b: &PlanarFrame, keep_out: &[Rect]) -> f64 {
    let mut se = 0f64;
    let mut n = 0u64;
    for y in 0..a.height as usize {
        for x in 0..a.width as usize {
            let (fx, fy) = (x as f32, y as f32);
            if keep_out
                .iter()
                .any(|r| fx >= r.x && fx < r.x + r.w && fy >= r.y && fy < r.y + r.h)
            {
                continue;
            }
            let d = f64::from(a.at(0, x, y)) - f64::from(b.at(0, x, y));
            se += d * d;
            n += 1;
        }
    }
    let mse = se / n.max(1) as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
}

fn truth(index: u64, k: u32) -> Rect {
    let (x, y, w, h) = faces::face_box(W, H, 2, k, index);
    Rect {
        x: x as f32,
        y: y as f32,
        w: w as f32,
        h: h as f32,
    }
}

fn never_cancel() -> AtomicBool {
    AtomicBool::new(false)
}

fn export_fixture(
    fx: &mut Fixture,
    out: &Path,
    settings: &ClipSettings,
) -> Result<(String, export::ExportReport), VaultError> {
    let cancel = never_cancel();
    debrief::plenary::export_clip(
        &mut fx.vault,
        &fx.recording_id,
        out,
        settings,
        true,
        &mut |_| {},
        &cancel,
    )
}

#[test]
fn faces_are_covered_on_every_frame_and_the_range_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = fixture(dir.path(), &face_spec(75), true);
    let (from, to) = (7u64, 66u64);
    // The detector does find the faces on the unredacted source.
    let detector = FaceDetector::new(W, H, 640, 0.2).unwrap();
    let src = source_frames(&fx.source, from, to);
    for (i, frame) in src.iter().enumerate().step_by(10) {
        let found = detector.detect(frame).unwrap();
        for k in 0..2 {
            let t = truth(from + i as u64, k);
            assert!(
                found.iter().any(|f| f.rect.iou(t) > 0.3),
                "source frame {}: face {k} not found",
                from + i as u64
            );
        }
    }
    let out = dir.path().join("clip-1.mp4");
    let (clip_id, report) =
        export_fixture(&mut fx, &out, &ClipSettings::new(from, to)).expect("export");
    assert_eq!(report.frames, to - from + 1);
    assert!(
        report.frames_with_faces >= (to - from + 1) * 9 / 10,
        "{report:?}"
    );
    // ONNX Runtime where its library is installed (tract otherwise), and the report says which.
    let engine = match debrief::deid::detector::onnxruntime() {
        Ok(_) => debrief::deid::detector::Engine::Onnxruntime,
        Err(_) => debrief::deid::detector::Engine::Tract,
    };
    assert_eq!(report.detector_engine, Some(engine));
    let frames = decode_all(&out);
    assert_eq!(frames.len() as u64, to - from + 1, "output frame count");
    assert_eq!(frames.first().map(|f| f.0), Some(from), "first frame");
    assert_eq!(frames.last().map(|f| f.0), Some(to), "last frame");
    for (i, (code, frame)) in frames.iter().enumerate() {
        assert_eq!(*code, from + i as u64, "frames in order, none dropped");
        let found = detector.detect(frame).unwrap();
        assert!(
            found.is_empty(),
            "frame {code}: a face is still visible: {found:?}"
        );
        let boxes = [truth(*code, 0), truth(*code, 1)];
        for b in boxes {
            let d = mean_diff(frame, &src[i], b);
            assert!(
                d > 25.0,
                "frame {code}: face region barely changed (mean diff {d:.1})"
            );
        }
        let margin: Vec<Rect> = boxes.iter().map(|b| b.scaled(1.8)).collect();
        let psnr = psnr_outside(frame, &src[i], &margin);
        assert!(
            psnr > 30.0,
            "frame {code}: picture away from faces damaged (PSNR {psnr:.1} dB)"
        );
    }
    // Recorded and audited with its hash.
    let clip = fx.vault.clip(&clip_id).unwrap();
    assert_eq!(clip.sha256, report.sha256);
    let audit = fx.vault.audit_recent(5).unwrap();
    assert!(audit.iter().any(|e| {
        e.action == "clip.export"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains(&report.sha256))
    }));
}

#[test]
fn manual_regions_are_interpolated_between_keyframes() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 40,
        width: W,
        height: H,
        ..Default::default()
    };
    let mut fx = fixture(dir.path(), &spec, true);
    let regions = RegionSet::parse(
        r#"{"version":1,"regions":[{"shape":"rect","keyframes":[
            {"frame":10,"x":0.1,"y":0.4,"w":0.2,"h":0.2},
            {"frame":30,"x":0.5,"y":0.4,"w":0.2,"h":0.2}]}]}"#,
        "regions.json",
    )
    .unwrap();
    let mut settings = ClipSettings::new(0, 39);
    settings.detect_faces = false;
    settings.regions = regions;
    let out = dir.path().join("clip.webm");
    export_fixture(&mut fx, &out, &settings).expect("export");
    let frames = decode_all(&out);
    let src = source_frames(&fx.source, 0, 39);
    assert_eq!(frames.len(), 40);
    let px = |x: f32, y: f32, w: f32, h: f32| Rect {
        x: x * W as f32,
        y: y * H as f32,
        w: w * W as f32,
        h: h * H as f32,
    };
    // Halfway between the keyframes the box is halfway along: covered there…
    let mid = px(0.3, 0.4, 0.2, 0.2).scaled(0.8);
    let (_, f20) = &frames[20];
    assert!(
        mean_diff(f20, &src[20], mid) > 15.0,
        "interpolated region not covered on frame 20"
    );
    let mut flat = 0;
    for y in mid.y as usize..(mid.y + mid.h) as usize {
        for x in mid.x as usize..(mid.x + mid.w) as usize {
            if f20.at(0, x, y).abs_diff(40) <= 6 {
                flat += 1;
            }
        }
    }
    assert!(
        flat as f32 > mid.w * mid.h * 0.9,
        "the cover is a flat fill"
    );
    // …and not where either keyframe put it.
    assert!(
        mean_diff(f20, &src[20], px(0.1, 0.4, 0.08, 0.2)) < 6.0,
        "frame 20 covered at the first keyframe's place"
    );
    // Before the first keyframe the region is not active.
    assert!(
        mean_diff(&frames[5].1, &src[5], px(0.1, 0.4, 0.2, 0.2)) < 6.0,
        "region active before its first keyframe"
    );
    assert!(
        mean_diff(&frames[10].1, &src[10], px(0.1, 0.4, 0.2, 0.2).scaled(0.8)) > 15.0,
        "region missing on its keyframe"
    );
}

/// Whether any planted sentinel occurs in `bytes`.
fn sentinels_in(bytes: &[u8]) -> Vec<&'static str> {
    tags::SENTINELS
        .iter()
        .copied()
        .filter(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
        .collect()
}

#[test]
fn planted_metadata_never_reaches_the_clip() {
    let dir = tempfile::tempdir().unwrap();
    for (name, out_ext) in [
        ("tags.mp4", "mp4"),
        ("tags.mov", "mp4"),
        ("tags.mkv", "webm"),
    ] {
        let spec = TestSrcSpec {
            frames: 30,
            plant_tags: true,
            audio: true,
            ..Default::default()
        };
        let source = common::generate(dir.path(), name, &spec);
        let planted = sentinels_in(&std::fs::read(&source).unwrap());
        assert!(planted.len() >= 3, "{name}: only {planted:?} planted");
        let src = MediaSource::file(&source);
        let info = media::probe(&src).unwrap();
        for audio in [AudioMode::Drop, AudioMode::Keep] {
            let mut settings = ClipSettings::new(3, 26);
            settings.audio = audio;
            let out = dir
                .path()
                .join(format!("{name}-{}.{out_ext}", audio.as_str()));
            export::export_clip(&src, &info, &out, &settings, &mut |_| {}, &never_cancel())
                .expect("export");
            let bytes = std::fs::read(&out).unwrap();
            assert_eq!(
                sentinels_in(&bytes),
                Vec::<&str>::new(),
                "{name} → {}: planted metadata survived",
                out.display()
            );
        }
    }
}

/// Fundamental frequency of the first channel of a clip's audio (zero crossings).
fn fundamental(path: &Path) -> f64 {
    let info = media::probe(&MediaSource::file(path)).unwrap();
    let mut audio = AudioRange::open(&MediaSource::file(path), 0, info.duration_ns).unwrap();
    let mut samples = Vec::new();
    let mut rate_channels = None;
    while let Some(chunk) = audio.next_chunk().unwrap() {
        let s = chunk.caps.structure(0).unwrap();
        let (rate, ch) = (
            s.get::<i32>("rate").unwrap(),
            s.get::<i32>("channels").unwrap() as usize,
        );
        rate_channels = Some((rate, ch));
        for frame in chunk.bytes.chunks_exact(4 * ch) {
            samples.push(f32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]));
        }
    }
    let (rate, _) = rate_channels.expect("the clip has audio");
    // The middle half, away from encoder start-up and the end.
    let mid = &samples[samples.len() / 4..samples.len() * 3 / 4];
    let crossings = mid
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    crossings as f64 / 2.0 / (mid.len() as f64 / f64::from(rate))
}

#[test]
fn audio_is_dropped_by_default_and_disguise_shifts_the_pitch() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 90,
        audio: true,
        ..Default::default()
    };
    let source = common::generate(dir.path(), "tone.mp4", &spec);
    let src = MediaSource::file(&source);
    let info = media::probe(&src).unwrap();
    let mut settings = ClipSettings::new(0, 89);
    settings.detect_faces = false;
    let dropped = dir.path().join("drop.mp4");
    export::export_clip(
        &src,
        &info,
        &dropped,
        &settings,
        &mut |_| {},
        &never_cancel(),
    )
    .unwrap();
    assert_eq!(
        media::probe(&MediaSource::file(&dropped))
            .unwrap()
            .audio_codec,
        None,
        "drop leaves no audio stream"
    );
    let kept = dir.path().join("keep.mp4");
    settings.audio = AudioMode::Keep;
    export::export_clip(&src, &info, &kept, &settings, &mut |_| {}, &never_cancel()).unwrap();
    let f_keep = fundamental(&kept);
    assert!(
        (f_keep / 440.0 - 1.0).abs() < 0.02,
        "kept tone at {f_keep:.1} Hz"
    );
    for (pitch, ext) in [(0.8f32, "mp4"), (1.25, "webm")] {
        let out = dir.path().join(format!("disguise-{pitch}.{ext}"));
        settings.audio = AudioMode::Disguise { pitch };
        export::export_clip(&src, &info, &out, &settings, &mut |_| {}, &never_cancel()).unwrap();
        let f = fundamental(&out);
        let want = 440.0 * f64::from(pitch);
        assert!(
            (f / want - 1.0).abs() < 0.02,
            "pitch {pitch}: {f:.1} Hz, want {want:.1} Hz"
        );
    }
}

#[test]
fn consent_gate_refuses_and_names_who_and_which_stage() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 30,
        ..Default::default()
    };
    let mut fx = fixture(dir.path(), &spec, false);
    // Enough for instructor review, not for plenary use.
    fx.vault
        .set_consent(debrief::vault::NewConsent {
            participant_id: fx.participant_id.clone(),
            stage: debrief::model::ConsentStage::AfterRecording,
            status: debrief::model::ConsentStatus::Granted,
            method: Some(debrief::model::ConsentMethod::Written),
            note: None,
        })
        .unwrap();
    let out = dir.path().join("clip.mp4");
    let err = export_fixture(&mut fx, &out, &ClipSettings::new(0, 29)).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, VaultError::Consent(_)), "{msg}");
    assert!(
        msg.contains("Parent") && msg.contains("before-review-use"),
        "{msg}"
    );
    assert!(
        !out.exists() && !export::partial_path(&out).exists(),
        "nothing written"
    );
}

#[test]
fn widths_that_need_padded_rows_export_exactly() {
    // 326 px: luma rows pad to 328 bytes, chroma rows (163 px) to 164.
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 20,
        width: 326,
        height: 242,
        faces: 1,
        ..Default::default()
    };
    let source = common::generate(dir.path(), "odd.mp4", &spec);
    let src = MediaSource::file(&source);
    let info = media::probe(&src).unwrap();
    for ext in ["mp4", "webm"] {
        let out = dir.path().join(format!("odd-clip.{ext}"));
        let report = export::export_clip(
            &src,
            &info,
            &out,
            &ClipSettings::new(4, 15),
            &mut |_| {},
            &never_cancel(),
        )
        .unwrap();
        assert!(report.frames_with_faces >= 10, "{report:?}");
        let codes: Vec<u64> = decode_all(&out).into_iter().map(|(c, _)| c).collect();
        assert_eq!(codes, (4..=15).collect::<Vec<_>>(), "{ext}");
    }
}

/// With nothing to cover, decoded pictures go to the encoder without a copy:
/// padded rows must still come out right, and keyframes every two seconds.
#[test]
fn uncovered_frames_pass_through_intact_with_two_second_keyframes() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 150,
        width: 326,
        height: 242,
        gop: 150,
        ..Default::default()
    };
    let source = common::generate(dir.path(), "plain.mp4", &spec);
    let src = MediaSource::file(&source);
    let info = media::probe(&src).unwrap();
    let originals = source_frames(&source, 0, 149);
    for ext in ["mp4", "webm"] {
        let out = dir.path().join(format!("plain-clip.{ext}"));
        let mut settings = ClipSettings::new(0, 149);
        settings.detect_faces = false;
        let report =
            export::export_clip(&src, &info, &out, &settings, &mut |_| {}, &never_cancel())
                .unwrap();
        assert_eq!(report.boxes_covered, 0);
        let frames = decode_all(&out);
        let codes: Vec<u64> = frames.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, (0..=149).collect::<Vec<_>>(), "{ext}");
        for (code, frame) in frames.iter().step_by(7) {
            let psnr = psnr_outside(frame, &originals[*code as usize], &[]);
            assert!(psnr > 30.0, "{ext} frame {code}: PSNR {psnr:.1} dB");
        }
        let out_info = media::probe(&MediaSource::file(&out)).unwrap();
        let keys = out_info.table.keyframes().to_vec();
        assert!(keys.len() >= 3, "{ext}: keyframes {keys:?}");
        assert!(
            keys.windows(2).all(|w| w[1] - w[0] <= 60) && 149 - keys[keys.len() - 1] <= 60,
            "{ext}: keyframes more than 2 s apart: {keys:?}"
        );
    }
}

#[test]
fn a_cancelled_or_failed_export_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 60,
        ..Default::default()
    };
    let source = common::generate(dir.path(), "src.mp4", &spec);
    let src = MediaSource::file(&source);
    let info = media::probe(&src).unwrap();
    let out = dir.path().join("clip.mp4");
    let cancel = AtomicBool::new(false);
    let err = export::export_clip(
        &src,
        &info,
        &out,
        &ClipSettings::new(0, 59),
        &mut |p| {
            if p.done >= 20 && p.phase == export::Phase::Encoding {
                cancel.store(true, Ordering::Relaxed);
            }
        },
        &cancel,
    )
    .unwrap_err();
    assert!(matches!(err, media::MediaError::Cancelled), "{err}");
    assert!(
        !out.exists() && !export::partial_path(&out).exists(),
        "cancel left a file"
    );
    // A range past the end fails before anything is written.
    let err = export::export_clip(
        &src,
        &info,
        &out,
        &ClipSettings::new(10, 60),
        &mut |_| {},
        &never_cancel(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("frame 60"), "{err}");
    assert!(!out.exists() && !export::partial_path(&out).exists());
    // An existing file is never overwritten.
    std::fs::write(&out, b"precious").unwrap();
    assert!(
        export::export_clip(
            &src,
            &info,
            &out,
            &ClipSettings::new(0, 5),
            &mut |_| {},
            &never_cancel()
        )
        .is_err()
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
}

#[test]
fn package_round_trip_plays_clips_from_the_encrypted_file() {
    use debrief::package::{Package, PackageError, Protection};
    use debrief::vault::NewAnnotation;
    use secrecy::SecretString;
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 60,
        ..Default::default()
    };
    let mut fx = fixture(dir.path(), &spec, true);
    let anna = fx
        .vault
        .add_participant(&fx.case_id, "Dr Anna Smith", Some("team lead"), None)
        .unwrap();
    common::vault::grant_all(&mut fx.vault, &anna);
    for (code, start, end) in [
        ("birth", 12, None),
        ("ppv", 20, Some(50)),
        ("epinephrine", 5, None),
    ] {
        fx.vault
            .add_annotation(NewAnnotation {
                recording_id: fx.recording_id.clone(),
                code: code.into(),
                start_frame: start,
                end_frame: end,
                note: Some("Dr Smith said the name".into()),
                ..Default::default()
            })
            .unwrap();
    }
    let mut settings = ClipSettings::new(10, 39);
    settings.detect_faces = false;
    let (c1, _) = export_fixture(&mut fx, &dir.path().join("a.mp4"), &settings).unwrap();
    let mut settings = ClipSettings::new(40, 59);
    settings.detect_faces = false;
    let (c2, _) = export_fixture(&mut fx, &dir.path().join("b.webm"), &settings).unwrap();
    let pkg = dir.path().join("session.dbpkg");
    let pass = SecretString::from("plenary pass".to_owned());
    let expires = chrono::NaiveDate::from_ymd_opt(2099, 1, 1).unwrap();
    // Titles are shown to the room: one naming a participant is refused.
    for (session, clip) in [
        ("Morning plenary", "Smith intubates"),
        ("Anna's case", "Airway"),
    ] {
        let err = debrief::plenary::create_package(
            &mut fx.vault,
            &[c1.clone(), c2.clone()],
            &[clip.to_owned()],
            &pkg,
            session,
            expires,
            &Protection::Passphrase(pass.clone()),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("participant's name"), "{err}");
        assert!(!pkg.exists(), "nothing written");
    }
    debrief::plenary::create_package(
        &mut fx.vault,
        &[c1.clone(), c2.clone()],
        &["Positive pressure ventilation".to_owned()],
        &pkg,
        "Morning plenary",
        expires,
        &Protection::Passphrase(pass.clone()),
    )
    .expect("create package");
    // Nothing readable in the file.
    let bytes = std::fs::read(&pkg).unwrap();
    for needle in ["Morning plenary", "manifest", "birth", "ftyp"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "'{needle}' in plaintext"
        );
    }
    let wrong =
        Package::open_with_passphrase(&pkg, &SecretString::from("nope".to_owned())).unwrap_err();
    assert!(matches!(wrong, PackageError::WrongPassphrase), "{wrong}");
    let package = Package::open_with_passphrase(&pkg, &pass).unwrap();
    package.verify().unwrap();
    let raw: serde_json::Value =
        serde_json::from_slice(&package.read("manifest.json").unwrap()).unwrap();
    let errors = debrief::model::schema::check(&common::schema("package.schema.json"), &raw);
    assert!(errors.is_empty(), "{errors:#?}");
    let manifest = package.manifest().unwrap();
    assert_eq!(manifest.title, "Morning plenary");
    assert_eq!(manifest.clips.len(), 2);
    let first = &manifest.clips[0];
    assert_eq!((first.id.as_str(), first.frames), (c1.as_str(), 30));
    assert_eq!(first.title, "Positive pressure ventilation");
    // The second clip has no title given: its annotations' labels make one.
    let second_labels: Vec<&str> = manifest.clips[1]
        .annotations
        .iter()
        .map(|a| a.label.as_str())
        .collect();
    assert!(!second_labels.is_empty());
    assert_eq!(manifest.clips[1].title, second_labels.join(" · "));
    // Annotations relative to the clip; the one before it is left out; no notes.
    let got: Vec<(&str, u64, Option<u64>)> = first
        .annotations
        .iter()
        .map(|a| (a.code.as_str(), a.start_frame, a.end_frame))
        .collect();
    assert_eq!(got, vec![("birth", 2, None), ("ppv", 10, Some(29))]);
    assert!(!String::from_utf8_lossy(&package.read("manifest.json").unwrap()).contains("Smith"));
    let vtt = String::from_utf8(package.read(&first.vtt).unwrap()).unwrap();
    assert!(
        vtt.starts_with("WEBVTT") && vtt.contains("00:00:00.067") && !vtt.contains("Smith"),
        "{vtt}"
    );
    // Clips play straight from the package, exact frames, random access.
    for (clip, from) in [(&manifest.clips[0], 10u64), (&manifest.clips[1], 40)] {
        let source = package.media_source(&clip.file).unwrap();
        let info = media::probe(&source).unwrap();
        assert_eq!(info.frames(), clip.frames);
        let mut range = VideoRange::open(&source, &info, clip.frames / 2, clip.frames - 1).unwrap();
        let (_, frame) = range.next_frame().unwrap().unwrap();
        let code = frame_code::read_luma(
            &frame.data,
            frame.width,
            frame.height,
            frame.planes[0].stride,
        );
        assert_eq!(code, Some(from + clip.frames / 2));
    }
    // Recipients instead of a passphrase.
    let id = age::x25519::Identity::generate();
    let pkg2 = dir.path().join("to-recipient.dbpkg");
    debrief::plenary::create_package(
        &mut fx.vault,
        &[c2],
        &[],
        &pkg2,
        "T",
        expires,
        &Protection::Recipients(vec![id.to_public().to_string()]),
    )
    .unwrap();
    assert_eq!(
        Package::open_with_identity(&pkg2, &id)
            .unwrap()
            .manifest()
            .unwrap()
            .clips
            .len(),
        1
    );
    let other = age::x25519::Identity::generate();
    assert!(matches!(
        Package::open_with_identity(&pkg2, &other),
        Err(PackageError::NotARecipient)
    ));
    // Each lock asks for its own key, by name.
    assert!(matches!(
        Package::open_with_identity(&pkg, &id),
        Err(PackageError::NeedsPassphrase)
    ));
    assert!(matches!(
        Package::open_with_passphrase(&pkg2, &pass),
        Err(PackageError::NeedsKeyFile)
    ));
    // Damage to the sealed header is damage, not a wrong passphrase: its MAC line,
    // and the length field before it.
    let bytes = std::fs::read(&pkg).unwrap();
    let header_len = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
    let header = &bytes[16..16 + header_len];
    let mac = 16 + header.windows(4).position(|w| w == b"--- ").unwrap() + 6;
    type Damage = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: [(&str, Damage); 3] = [
        ("mac", Box::new(move |b: &mut Vec<u8>| b[mac] ^= 0x01)),
        (
            "longer",
            Box::new(move |b: &mut Vec<u8>| {
                b[8..16].copy_from_slice(&(header_len as u64 + 7).to_le_bytes())
            }),
        ),
        (
            "shorter",
            Box::new(move |b: &mut Vec<u8>| {
                b[8..16].copy_from_slice(&(header_len as u64 - 9).to_le_bytes())
            }),
        ),
    ];
    for (what, damage) in cases {
        let mut b = bytes.clone();
        damage(&mut b);
        let broken = dir.path().join(format!("broken-{what}.dbpkg"));
        std::fs::write(&broken, &b).unwrap();
        let err = Package::open_with_passphrase(&broken, &pass).unwrap_err();
        assert!(matches!(err, PackageError::Damaged(..)), "{what}: {err}");
    }
}
