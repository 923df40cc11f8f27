//! Manual redaction regions that would cover nothing are refused by name,
//! never exported silently as if they had covered something.

mod common;

use std::sync::atomic::AtomicBool;

use common::generate;
use debrief::deid::RegionSet;
use debrief::export::{self, ClipSettings};
use debrief::media::testsrc::TestSrcSpec;
use debrief::media::{self, MediaSource};

fn regions(keyframes: &str) -> RegionSet {
    let text = format!(r#"{{"version":1,"regions":[{{"keyframes":[{keyframes}]}}]}}"#);
    RegionSet::parse(&text, "regions.json").unwrap()
}

#[test]
fn regions_that_cover_nothing_are_refused_naming_the_region() {
    let dir = tempfile::tempdir().unwrap();
    let path = generate(dir.path(), "src.mp4", &TestSrcSpec::default());
    let source = MediaSource::file(&path);
    let info = media::probe(&source).unwrap();
    assert_eq!((info.frames(), info.width, info.height), (90, 320, 240));
    let cases = [
        (
            r#"{"frame":5000,"x":0.1,"y":0.1,"w":0.2,"h":0.2}"#,
            "region 1, keyframe 1 (frame 5000) lies outside the recording (frames 0 to 89)",
        ),
        (
            r#"{"frame":10,"x":1,"y":1,"w":1,"h":1}"#,
            "region 1, keyframe 1 (frame 10) reaches outside the picture",
        ),
        (
            r#"{"frame":10,"x":0.5,"y":0.5,"w":1e-300,"h":1e-300}"#,
            "region 1, keyframe 1 (frame 10) is smaller than a pixel",
        ),
        (
            r#"{"frame":10,"x":0.5,"y":0.5,"w":0.001,"h":0.5}"#,
            "is smaller than a pixel (0.32 × 120.00 pixels of a 320×240 picture)",
        ),
        (
            r#"{"frame":60,"x":0.1,"y":0.1,"w":0.2,"h":0.2},{"frame":80,"x":0.1,"y":0.1,"w":0.2,"h":0.2}"#,
            "region 1 is active on frames 60 to 80, outside the clip (frames 0 to 29)",
        ),
    ];
    // Frames 0 to 29 with `keyframes` as the one region, no face detection.
    let export = |name: &str, keyframes: &str| {
        let out = dir.path().join(name);
        let mut settings = ClipSettings::new(0, 29);
        settings.detect_faces = false;
        settings.regions = regions(keyframes);
        let result = export::export_clip(
            &source,
            &info,
            &out,
            &settings,
            &mut |_| {},
            &AtomicBool::new(false),
        );
        (out, result)
    };
    for (n, (keyframes, expect)) in cases.into_iter().enumerate() {
        let (out, result) = export(&format!("clip-{n}.mp4"), keyframes);
        let err = result.unwrap_err().to_string();
        assert!(err.contains(expect), "'{expect}' not in: {err}");
        assert!(!out.exists(), "nothing written");
    }
    // A region on the picture covers every frame of the clip, and is counted so.
    let (_, result) = export("ok.mp4", r#"{"frame":0,"x":0.25,"y":0.25,"w":0.5,"h":0.5}"#);
    let report = result.unwrap();
    assert_eq!(report.boxes_covered, 30);
}
