//! The media engine on generated media: exact frame counts, exact seeks and
//! steps (checked against the code burned into the pixels, not timestamps),
//! the decoded-frame cache, seek coalescing, readers, and playback.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Rng, TIMEOUT, code_of, generate, open_player};
use debrief::media::testsrc::{TestSrcSpec, VideoCodec};
use debrief::media::{
    self, MediaSource, PlayState, Player, PlayerCommand, PlayerConfig, PlayerEvent,
};

/// Probe, then 100 random seeks, 50 forward and 50 backward steps, first and last frame.
fn exercise(name: &str, spec: TestSrcSpec) {
    let dir = tempfile::tempdir().unwrap();
    let path = generate(dir.path(), name, &spec);
    let (player, info) = open_player(&path);

    assert_eq!(info.frames(), spec.frames, "{name}: frame count");
    assert_eq!(info.vfr, spec.vfr, "{name}: vfr flag");
    assert_eq!((info.width, info.height), (spec.width, spec.height));
    // The table holds the timestamps written, up to the container's rounding (1 ms in Matroska).
    for (i, (&got, want)) in info
        .table
        .all_pts()
        .iter()
        .zip(spec.frame_pts())
        .enumerate()
    {
        assert!(
            (got - want).abs() <= 1_000_000,
            "{name}: frame {i} pts {got} != {want}"
        );
    }

    let last = spec.frames - 1;
    let shown = |f: &media::Frame| (f.index, code_of(f));
    let f = player.seek_wait(0, TIMEOUT).unwrap();
    assert_eq!(shown(&f), (0, Some(0)), "{name}: first frame");
    let f = player.seek_wait(last, TIMEOUT).unwrap();
    assert_eq!(shown(&f), (last, Some(last)), "{name}: last frame");

    let mut rng = Rng(0xdeb1ef ^ spec.frames);
    for _ in 0..100 {
        let target = rng.below(spec.frames);
        let f = player.seek_wait(target, TIMEOUT).unwrap();
        assert_eq!(
            shown(&f),
            (target, Some(target)),
            "{name}: seek to {target}"
        );
        assert_eq!(
            Some(f.pts_ns),
            info.table.pts(target),
            "{name}: pts of {target}"
        );
    }
    for _ in 0..50 {
        let from = rng.below(last);
        player.seek_wait(from, TIMEOUT).unwrap();
        let f = player.step_wait(1, TIMEOUT).unwrap();
        assert_eq!(
            shown(&f),
            (from + 1, Some(from + 1)),
            "{name}: step forward from {from}"
        );
    }
    for _ in 0..50 {
        let from = 1 + rng.below(last);
        player.seek_wait(from, TIMEOUT).unwrap();
        let f = player.step_wait(-1, TIMEOUT).unwrap();
        assert_eq!(
            shown(&f),
            (from - 1, Some(from - 1)),
            "{name}: step back from {from}"
        );
    }
}

#[test]
fn h264_mp4_with_bframes_and_gop_60() {
    exercise(
        "bframes.mp4",
        TestSrcSpec {
            frames: 300,
            bframes: true,
            gop: 60,
            ..Default::default()
        },
    );
}

#[test]
fn vp9_webm() {
    exercise(
        "vp9.webm",
        TestSrcSpec {
            frames: 150,
            codec: VideoCodec::Vp9,
            gop: 50,
            ..Default::default()
        },
    );
}

#[test]
fn mjpeg_avi() {
    exercise(
        "mjpeg.avi",
        TestSrcSpec {
            frames: 120,
            codec: VideoCodec::Mjpeg,
            ..Default::default()
        },
    );
}

#[test]
fn h264_mkv_variable_frame_rate() {
    exercise(
        "vfr.mkv",
        TestSrcSpec {
            frames: 240,
            vfr: true,
            gop: 45,
            ..Default::default()
        },
    );
}

#[test]
fn h264_mp4_with_audio() {
    exercise(
        "audio.mp4",
        TestSrcSpec {
            frames: 150,
            audio: true,
            bframes: true,
            ..Default::default()
        },
    );
}

#[test]
fn other_codecs_probe_exactly_and_seek() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "h265.mp4",
            TestSrcSpec {
                frames: 70,
                codec: VideoCodec::H265,
                bframes: true,
                gop: 30,
                ..Default::default()
            },
        ),
        (
            "vp8.mkv",
            TestSrcSpec {
                frames: 70,
                codec: VideoCodec::Vp8,
                gop: 30,
                ..Default::default()
            },
        ),
        (
            "mpeg4.avi",
            TestSrcSpec {
                frames: 70,
                codec: VideoCodec::Mpeg4,
                gop: 30,
                ..Default::default()
            },
        ),
        (
            "faststart.mov",
            TestSrcSpec {
                frames: 70,
                faststart: true,
                audio: true,
                ..Default::default()
            },
        ),
        (
            "mjpeg.mkv",
            TestSrcSpec {
                frames: 40,
                codec: VideoCodec::Mjpeg,
                audio: true,
                ..Default::default()
            },
        ),
    ];
    for (name, spec) in cases {
        let path = generate(dir.path(), name, &spec);
        let (player, info) = open_player(&path);
        assert_eq!(info.frames(), spec.frames, "{name}");
        for target in [0, 33, spec.frames / 2 + 3, spec.frames - 1] {
            let f = player.seek_wait(target, TIMEOUT).unwrap();
            assert_eq!(code_of(&f), Some(target), "{name}: seek to {target}");
        }
    }
}

#[test]
fn probe_reports_codecs_and_containers() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 30,
        audio: true,
        ..Default::default()
    };
    let info = media::probe(&MediaSource::file(generate(dir.path(), "a.mp4", &spec))).unwrap();
    assert_eq!(
        (
            info.container.as_str(),
            info.video_codec.as_str(),
            info.audio_codec.as_deref()
        ),
        ("mp4", "h264", Some("aac"))
    );
    assert_eq!((info.rate.num, info.rate.den), (30, 1));
    // 30 frames of 1/30 s, each rounded down to whole nanoseconds.
    assert!(
        (info.duration_ns - 1_000_000_000).abs() < 1_000,
        "{}",
        info.duration_ns
    );
    let spec = TestSrcSpec {
        frames: 30,
        codec: VideoCodec::Vp9,
        audio: true,
        ..Default::default()
    };
    let info = media::probe(&MediaSource::file(generate(dir.path(), "b.webm", &spec))).unwrap();
    assert_eq!(
        (
            info.container.as_str(),
            info.video_codec.as_str(),
            info.audio_codec.as_deref()
        ),
        ("webm", "vp9", Some("opus"))
    );
    let spec = TestSrcSpec {
        frames: 30,
        codec: VideoCodec::Mjpeg,
        ..Default::default()
    };
    let info = media::probe(&MediaSource::file(generate(dir.path(), "c.avi", &spec))).unwrap();
    assert_eq!(
        (
            info.container.as_str(),
            info.video_codec.as_str(),
            info.audio_codec
        ),
        ("avi", "mjpeg", None)
    );
    assert_eq!(
        info.table.keyframes().len(),
        30,
        "every MJPEG frame is a keyframe"
    );
    let spec = TestSrcSpec {
        frames: 30,
        rate: debrief::time::FrameRate::new(30000, 1001).unwrap(),
        ..Default::default()
    };
    let info = media::probe(&MediaSource::file(generate(dir.path(), "ntsc.mp4", &spec))).unwrap();
    assert_eq!((info.rate.num, info.rate.den), (30000, 1001));
}

#[test]
fn seeking_past_the_end_is_an_error_not_a_wait() {
    let dir = tempfile::tempdir().unwrap();
    let path = generate(
        dir.path(),
        "short.mp4",
        &TestSrcSpec {
            frames: 10,
            ..Default::default()
        },
    );
    let (player, _) = open_player(&path);
    let started = Instant::now();
    let err = player.seek_wait(10, TIMEOUT).unwrap_err();
    assert!(
        matches!(
            err,
            media::MediaError::FrameOutOfRange {
                index: 10,
                frames: 10
            }
        ),
        "{err:#}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        err.to_string(),
        "frame 10 does not exist: the recording has 10 frames (0 to 9)"
    );
}

#[test]
fn backward_steps_decode_each_gop_at_most_once() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 180,
        bframes: true,
        gop: 60,
        ..Default::default()
    };
    let path = generate(dir.path(), "cache.mp4", &spec);
    let (player, _) = open_player(&path);
    // A random seek lands mid-GOP and spares the decoder what it can before frame 100.
    player.seek_wait(100, TIMEOUT).unwrap();
    let (decoded, seeks, hits, _) = player.stats().snapshot();
    // Forty steps back stay inside the GOP 60..119: one decode of it at most, then the cache.
    for expect in (60..100).rev() {
        let f = player.step_wait(-1, TIMEOUT).unwrap();
        assert_eq!(code_of(&f), Some(expect));
    }
    let (decoded2, seeks2, hits2, _) = player.stats().snapshot();
    assert!(
        seeks2 - seeks <= 1,
        "{} seeks for 40 backward steps",
        seeks2 - seeks
    );
    assert!(
        decoded2 - decoded <= 60 + 4,
        "{} frames decoded for 40 backward steps",
        decoded2 - decoded
    );
    assert!(
        hits2 - hits >= 38,
        "only {} of 40 backward steps came from the cache",
        hits2 - hits
    );
    // Stepping back again through the same stretch decodes nothing at all.
    player.seek_wait(99, TIMEOUT).unwrap();
    let (decoded3, seeks3, _, _) = player.stats().snapshot();
    for expect in (60..99).rev() {
        assert_eq!(
            code_of(&player.step_wait(-1, TIMEOUT).unwrap()),
            Some(expect)
        );
    }
    assert_eq!(
        player.stats().snapshot().0,
        decoded3,
        "cached backward steps decode nothing"
    );
    assert_eq!(
        player.stats().snapshot().1,
        seeks3,
        "cached backward steps seek nowhere"
    );
    // Stepping into the previous GOP decodes that one (once).
    assert_eq!(code_of(&player.step_wait(-1, TIMEOUT).unwrap()), Some(59));
    assert_eq!(player.stats().snapshot().1, seeks3 + 1);
}

#[test]
fn random_seeks_spare_the_decoder_non_reference_frames() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 120,
        bframes: true,
        gop: 60,
        ..Default::default()
    };
    let path = generate(dir.path(), "skip.mp4", &spec);
    let (player, _) = open_player(&path);
    player.seek_wait(0, TIMEOUT).unwrap();
    let before = player
        .stats()
        .skipped
        .load(std::sync::atomic::Ordering::Relaxed);
    let f = player.seek_wait(118, TIMEOUT).unwrap();
    assert_eq!(code_of(&f), Some(118));
    // x264's B-frames with b-pyramid: about a third of the frames are never referenced.
    let skipped = player
        .stats()
        .skipped
        .load(std::sync::atomic::Ordering::Relaxed)
        - before;
    assert!(
        skipped >= 10,
        "only {skipped} non-reference frames skipped on the way to 118"
    );
    // Every frame is still reachable exactly, the skipped ones included.
    for target in (60..118).rev().step_by(7) {
        assert_eq!(
            code_of(&player.seek_wait(target, TIMEOUT).unwrap()),
            Some(target)
        );
    }
}

#[test]
fn forward_steps_pull_without_seeking() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 120,
        bframes: true,
        gop: 60,
        ..Default::default()
    };
    let path = generate(dir.path(), "fwd.mp4", &spec);
    let (player, _) = open_player(&path);
    player.seek_wait(10, TIMEOUT).unwrap();
    let seeks = player.stats().snapshot().1;
    for expect in 11..70 {
        let f = player.step_wait(1, TIMEOUT).unwrap();
        assert_eq!(code_of(&f), Some(expect));
    }
    // Crossing the keyframe at 60 by stepping is still a pull, never a seek.
    assert_eq!(player.stats().snapshot().1, seeks);
    // Multi-frame steps both ways land exactly.
    assert_eq!(code_of(&player.step_wait(25, TIMEOUT).unwrap()), Some(94));
    assert_eq!(code_of(&player.step_wait(-50, TIMEOUT).unwrap()), Some(44));
    assert_eq!(
        code_of(&player.step_wait(-100, TIMEOUT).unwrap()),
        Some(0),
        "clamped at the start"
    );
    assert_eq!(
        code_of(&player.step_wait(500, TIMEOUT).unwrap()),
        Some(119),
        "clamped at the end"
    );
}

#[test]
fn rapid_seeks_coalesce_and_the_newest_wins() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 300,
        bframes: true,
        gop: 60,
        ..Default::default()
    };
    let path = generate(dir.path(), "scrub.mp4", &spec);
    let (player, _) = open_player(&path);
    player.seek_wait(0, TIMEOUT).unwrap();
    let shown_before = player.stats().snapshot().3;
    // A scrubbing drag: 40 targets sent faster than they can be served.
    let targets: Vec<u64> = (0..40).map(|i| (i * 37 + 11) % 300).collect();
    for &t in &targets {
        player.send(PlayerCommand::Seek(t)).unwrap();
    }
    let last = *targets.last().unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match player.next_event(Duration::from_millis(200)) {
            Some(PlayerEvent::Position { frame, .. }) if frame == last => break,
            Some(PlayerEvent::Error(e)) => panic!("{e:#}"),
            _ => assert!(Instant::now() < deadline, "the last target never arrived"),
        }
    }
    // Let any straggler finish; the newest target must be what stays on screen.
    std::thread::sleep(Duration::from_millis(300));
    let f = player.mailbox().latest().unwrap();
    assert_eq!(code_of(&f), Some(last));
    let shown = player.stats().snapshot().3 - shown_before;
    assert!(
        shown < targets.len() as u64,
        "{shown} frames shown for {} requests: nothing was merged",
        targets.len()
    );
}

#[test]
fn reader_source_plays_moov_at_end_mp4_through_appsrc() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 150,
        bframes: true,
        audio: true,
        ..Default::default()
    };
    let path = generate(dir.path(), "reader.mp4", &spec);
    let file_path = path.clone();
    let source = MediaSource::reader(
        "recording-1",
        Arc::new(
            move || Ok(Box::new(std::fs::File::open(&file_path)?) as Box<dyn media::ReadSeek>),
        ),
    );
    let info = Arc::new(media::probe(&source).unwrap());
    assert_eq!(info.frames(), 150);
    assert_eq!(info.container, "mp4");
    let player = Player::open(
        source,
        info,
        PlayerConfig {
            audio: false,
            ..Default::default()
        },
    )
    .unwrap();
    for target in [149, 0, 77, 78, 13] {
        assert_eq!(
            code_of(&player.seek_wait(target, TIMEOUT).unwrap()),
            Some(target)
        );
    }
    assert_eq!(code_of(&player.step_wait(-1, TIMEOUT).unwrap()), Some(12));
}

/// A player with sound on `path`, into a fake (but clocked) sink: silent and
/// independent of sound devices.
fn sound_player(path: &std::path::Path) -> Player {
    let source = MediaSource::file(path);
    let info = Arc::new(media::probe(&source).unwrap());
    let config = PlayerConfig {
        audio_sink: Some("fakeaudiosink".into()),
        ..Default::default()
    };
    Player::open(source, info, config).unwrap()
}

#[test]
fn playback_advances_in_order_with_audio_clock_and_rates() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 90,
        audio: true,
        ..Default::default()
    };
    let player = sound_player(&generate(dir.path(), "play.mp4", &spec));
    player.seek_wait(0, TIMEOUT).unwrap();
    player.send(PlayerCommand::SetRate(4.0)).unwrap();
    player.send(PlayerCommand::Play).unwrap();
    let mut positions = Vec::new();
    let (mut playing, mut eos) = (false, false);
    let deadline = Instant::now() + TIMEOUT;
    while !eos && Instant::now() < deadline {
        match player.next_event(Duration::from_millis(100)) {
            Some(PlayerEvent::Position { frame, .. }) => positions.push(frame),
            Some(PlayerEvent::State(PlayState::Playing)) => playing = true,
            Some(PlayerEvent::Eos) => eos = true,
            Some(PlayerEvent::Error(e)) => panic!("{e:#}"),
            _ => {}
        }
    }
    assert!(playing && eos, "playing={playing} eos={eos}");
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "positions go forward: {positions:?}"
    );
    assert_eq!(
        positions.last(),
        Some(&89),
        "playback reaches the last frame"
    );
    assert!(
        positions.len() > 20,
        "most frames were shown: {}",
        positions.len()
    );
    // Paused at the end: the picture is the last frame.
    assert_eq!(code_of(&player.mailbox().latest().unwrap()), Some(89));
}

#[test]
fn playback_without_audio_follows_the_system_clock() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 60,
        ..Default::default()
    };
    let path = generate(dir.path(), "silent.mp4", &spec);
    let (player, _) = open_player(&path);
    player.seek_wait(0, TIMEOUT).unwrap();
    player.send(PlayerCommand::SetRate(2.0)).unwrap();
    let started = Instant::now();
    player.send(PlayerCommand::Play).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match player.next_event(Duration::from_millis(100)) {
            Some(PlayerEvent::Eos) => break,
            Some(PlayerEvent::Error(e)) => panic!("{e:#}"),
            _ => assert!(Instant::now() < deadline, "no end of stream"),
        }
    }
    // 2 s of video at 2×: about a second; it must not rush through unsynchronised.
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "played too fast: {:?}",
        started.elapsed()
    );
}

#[test]
fn pause_stops_on_a_frame_and_play_resumes_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 300,
        ..Default::default()
    };
    let path = generate(dir.path(), "pause.mp4", &spec);
    let (player, _) = open_player(&path);
    player.seek_wait(0, TIMEOUT).unwrap();
    player.send(PlayerCommand::Play).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    player.send(PlayerCommand::Pause).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match player.next_event(Duration::from_millis(100)) {
            Some(PlayerEvent::State(PlayState::Paused)) => break,
            _ => assert!(Instant::now() < deadline),
        }
    }
    let paused_at = player.mailbox().latest().unwrap();
    assert!(
        paused_at.index > 0 && paused_at.index < 299,
        "{}",
        paused_at.index
    );
    assert_eq!(
        code_of(&paused_at),
        Some(paused_at.index),
        "picture matches the position"
    );
    // Stepping from a paused position is relative to the frame on screen.
    let f = player.step_wait(1, TIMEOUT).unwrap();
    assert_eq!(code_of(&f), Some(paused_at.index + 1));
}

#[test]
fn stepping_from_the_first_frame_after_opening_is_exact() {
    // Regression: the preroll spares the decoder non-reference frames; pulling
    // forward from there once skipped B-frames (a step from 0 showed frame 3).
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 90,
        bframes: true,
        gop: 30,
        ..Default::default()
    };
    let path = generate(dir.path(), "open.mp4", &spec);
    let (player, _) = open_player(&path);
    assert_eq!(code_of(&player.seek_wait(0, TIMEOUT).unwrap()), Some(0));
    for expect in 1..=40 {
        assert_eq!(
            code_of(&player.step_wait(1, TIMEOUT).unwrap()),
            Some(expect)
        );
    }
    // A target that moves backwards while a seek is being served lands exactly too.
    player.send(PlayerCommand::Seek(80)).unwrap();
    player.send(PlayerCommand::Seek(71)).unwrap();
    assert_eq!(code_of(&player.seek_wait(71, TIMEOUT).unwrap()), Some(71));
}

#[test]
fn playback_with_sound_starts_from_the_frame_on_screen() {
    // The audio clock must start at the displayed frame, not run ahead of it.
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 150,
        audio: true,
        bframes: true,
        gop: 30,
        ..Default::default()
    };
    let player = sound_player(&generate(dir.path(), "middle.mp4", &spec));
    player.seek_wait(60, TIMEOUT).unwrap();
    let started = Instant::now();
    player.send(PlayerCommand::Play).unwrap();
    let mut first = None;
    let deadline = Instant::now() + TIMEOUT;
    while Instant::now() < deadline {
        match player.next_event(Duration::from_millis(100)) {
            Some(PlayerEvent::Position { frame, .. }) => {
                let elapsed = started.elapsed().as_secs_f64();
                first.get_or_insert((frame, elapsed));
                // At 30 fps: frame 60 plus the time played, give or take a few frames.
                let expected = 60.0 + elapsed * 30.0;
                assert!(
                    (frame as f64 - expected).abs() <= 6.0,
                    "frame {frame} after {elapsed:.2} s from frame 60 (first {first:?})"
                );
                if frame >= 100 {
                    return;
                }
            }
            Some(PlayerEvent::Error(e)) => panic!("{e:#}"),
            _ => {}
        }
    }
    panic!("playback did not reach frame 100: first {first:?}");
}
