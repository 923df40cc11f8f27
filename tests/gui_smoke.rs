//! The first window under a real X server: `debrief play FILE --screenshot`
//! opens eframe (glow), shows the decoded video and saves a PNG.
//!
//! Needs a display: `make test` runs the suite under xvfb-run when there is
//! none. Set DEBRIEF_SKIP_GUI_TESTS=1 to skip deliberately (the test then
//! says so); without a display and without that variable it fails, so a
//! missing Xvfb can never pass silently.

mod common;

use std::process::Command;

use common::{bin, generate};
use debrief::media::testsrc::TestSrcSpec;

fn have_display() -> bool {
    if std::env::var_os("DEBRIEF_SKIP_GUI_TESTS").is_some() {
        eprintln!("SKIPPED: DEBRIEF_SKIP_GUI_TESTS is set");
        return false;
    }
    assert!(
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
        "no display: run under xvfb-run (make test does), or set DEBRIEF_SKIP_GUI_TESTS=1"
    );
    true
}

#[test]
fn play_window_screenshot_shows_the_video() {
    if !have_display() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = generate(
        dir.path(),
        "clip.mp4",
        &TestSrcSpec {
            frames: 60,
            width: 640,
            height: 360,
            audio: true,
            ..Default::default()
        },
    );
    let shot = dir.path().join("shot.png");
    let out = Command::new(bin())
        .args([
            "play",
            file.to_str().unwrap(),
            "--screenshot",
            shot.to_str().unwrap(),
            "--screenshot-after-frames",
            "3",
        ])
        .env("DEBRIEF_AUDIO_SINK", "fakeaudiosink")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, rgba) = debrief::media::still::read_png(&shot).unwrap();
    // The window's size in physical pixels (1280×800 at scale 1).
    assert!(w >= 1280 && h >= 800, "{w}x{h}");
    // Not blank: the video's gradient gives thousands of distinct colours,
    // an empty window or a black video area a handful.
    let mut colours: Vec<u32> = rgba
        .chunks_exact(4)
        .map(|p| u32::from_be_bytes([p[0], p[1], p[2], 0]))
        .collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        colours.len() > 2000,
        "only {} colours: the video is not showing",
        colours.len()
    );
    // The frame's white code cells are drawn: the picture is the decoded frame, not a placeholder.
    let white = rgba
        .chunks_exact(4)
        .filter(|p| p[0] > 230 && p[1] > 230 && p[2] > 230)
        .count();
    assert!(white > 1000, "no white code cells ({white} white pixels)");
}

#[test]
fn play_refuses_a_bad_file_before_opening_a_window() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.mp4");
    std::fs::write(&bad, b"not a video").unwrap();
    let out = Command::new(bin())
        .args(["play", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a media file"));
}

#[test]
fn demo_opens_the_review_screen_in_a_real_window() {
    if !have_display() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("demo.png");
    let out = Command::new(bin())
        .args(["demo", "--vault"])
        .arg(dir.path().join("demo"))
        .args([
            "--screenshot",
            shot.to_str().unwrap(),
            "--screenshot-after-frames",
            "3",
        ])
        .env("DEBRIEF_AUDIO_SINK", "fakeaudiosink")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, rgba) = debrief::media::still::read_png(&shot).unwrap();
    assert!(w >= 1280 && h >= 800, "{w}x{h}");
    let mut colours: Vec<u32> = rgba
        .chunks_exact(4)
        .map(|p| u32::from_be_bytes([p[0], p[1], p[2], 0]))
        .collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        colours.len() > 2000,
        "only {} colours: the video is not showing",
        colours.len()
    );
    // The timeline's playhead is drawn in its red.
    let red = rgba
        .chunks_exact(4)
        .filter(|p| p[0] > 200 && p[1] < 90 && p[2] < 90)
        .count();
    assert!(red > 20, "no playhead ({red} red pixels)");
    // A second run reuses the vault instead of generating it again.
    let again = Command::new(bin())
        .args(["demo", "--vault"])
        .arg(dir.path().join("demo"))
        .args([
            "--screenshot",
            shot.to_str().unwrap(),
            "--screenshot-after-frames",
            "2",
        ])
        .env("DEBRIEF_AUDIO_SINK", "fakeaudiosink")
        .output()
        .unwrap();
    assert!(again.status.success());
}
