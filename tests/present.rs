//! Presenter mode: the package opens only with its passphrase and before its
//! expiry date, plays its clips, moves between them, blacks the screen; and
//! a presenting process writes no file anywhere.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::vault::fixture;
use debrief::app::present::{PresentApp, PresentOptions};
use debrief::media::PlayState;
use debrief::media::testsrc::TestSrcSpec;
use debrief::package::Protection;
use debrief::vault::NewAnnotation;
use egui::{Key, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

const PASS: &str = "plenary pass";

/// A package of two clips (frames 0–19 and 20–39 of a generated recording) in `dir`.
fn package(dir: &Path) -> PathBuf {
    let spec = TestSrcSpec {
        frames: 40,
        ..Default::default()
    };
    let mut fx = fixture(dir, &spec, true);
    fx.vault
        .add_annotation(NewAnnotation {
            recording_id: fx.recording_id.clone(),
            code: "birth".into(),
            start_frame: 25,
            ..Default::default()
        })
        .unwrap();
    let ids: Vec<String> = [(0, 19), (20, 39)]
        .into_iter()
        .enumerate()
        .map(|(n, (from, to))| {
            let out = dir.join(format!("clip-{n}.mp4"));
            common::vault::export_plain(&mut fx.vault, &fx.recording_id, &out, from, to)
        })
        .collect();
    let pkg = dir.join("session.dbpkg");
    let expires = chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();
    debrief::plenary::create_package(
        &mut fx.vault,
        &ids,
        &["The first minutes".to_owned()],
        &pkg,
        "Morning plenary",
        expires,
        &Protection::Passphrase(PASS.to_owned().into()),
    )
    .unwrap();
    pkg
}

fn harness(path: &Path, today: chrono::NaiveDate) -> Harness<'static, PresentApp> {
    let path = path.to_path_buf();
    Harness::builder()
        .with_size(vec2(1400.0, 900.0))
        .build_eframe(move |cc| {
            PresentApp::new(
                &cc.egui_ctx,
                PresentOptions {
                    path,
                    opened: None,
                    today,
                    screenshot: None,
                    monitor: None,
                },
            )
        })
}

fn run_until(h: &mut Harness<'static, PresentApp>, what: &str, cond: impl Fn(&PresentApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond(h.state()) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what} (refused: {:?})",
            h.state().refused
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn press_n(h: &mut Harness<'static, PresentApp>, key: Key, n: usize) {
    for _ in 0..n {
        h.key_press(key);
        h.step();
    }
}

fn type_passphrase(h: &mut Harness<'static, PresentApp>, pass: &str) {
    h.get_by_label("Package passphrase").focus();
    h.get_by_label("Package passphrase").type_text(pass);
    h.step();
    h.get_by_label("Open").click();
    h.step();
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

#[test]
fn presenter_opens_plays_moves_between_clips_and_blacks_out() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = package(dir.path());
    let mut h = harness(&pkg, today());
    h.step();
    type_passphrase(&mut h, "not it");
    run_until(&mut h, "the refusal", |a| a.refused.is_some());
    assert!(
        h.state()
            .refused
            .as_deref()
            .unwrap()
            .contains("wrong passphrase")
    );
    assert!(h.state().show.is_none(), "nothing shown");
    type_passphrase(&mut h, PASS);
    run_until(&mut h, "the first frame", |a| {
        a.show.as_ref().is_some_and(|s| s.has_frame())
    });
    assert!(
        h.query_by_label_contains("Morning plenary").is_some(),
        "the title is shown"
    );
    assert!(
        h.query_by_label_contains("1. The first minutes\n")
            .is_some()
            && h.query_by_label_contains("2. Birth").is_some(),
        "the playlist lists both clips by title (given, or from the codes)"
    );
    // The key sheet: F1 shows it, Esc closes it (and nothing else).
    h.key_press(Key::F1);
    h.step();
    assert!(
        h.query_by_label("Presenter keys").is_some(),
        "the sheet opens"
    );
    // Drawn from the key table: every action with all its keys.
    assert!(h.query_by_label_contains("Next clip (clickers)").is_some());
    assert!(h.query_by_label("Space / K").is_some());
    h.key_press(Key::Escape);
    h.step();
    assert!(
        h.query_by_label("Presenter keys").is_none(),
        "Esc closes it"
    );
    // Slow motion: the player itself confirms each rate.
    for (key, rate) in [(Key::Num2, 0.5), (Key::Num3, 0.25), (Key::Num1, 1.0)] {
        h.key_press(key);
        run_until(&mut h, &format!("rate {rate}"), |a| {
            (a.show.as_ref().unwrap().rate() - rate).abs() < 1e-9
        });
    }
    h.key_press(Key::Space);
    run_until(&mut h, "playing", |a| {
        a.show.as_ref().unwrap().state() == PlayState::Playing
    });
    h.key_press(Key::Space);
    run_until(&mut h, "paused", |a| {
        a.show.as_ref().unwrap().state() == PlayState::Paused
    });
    h.key_press(Key::PageDown);
    run_until(&mut h, "the second clip", |a| {
        a.show
            .as_ref()
            .is_some_and(|s| s.clip == 1 && s.has_frame() && s.shown_frame() == 0)
    });
    // The birth at recording frame 25 is frame 5 of clip 2: the strip lists it there.
    assert!(h.query_by_label_contains("frame 5").is_some());
    h.key_press(Key::CloseBracket);
    run_until(&mut h, "the annotation", |a| {
        a.show.as_ref().unwrap().shown_frame() == 5
    });
    h.key_press(Key::ArrowRight);
    run_until(&mut h, "one frame on", |a| {
        a.show.as_ref().unwrap().shown_frame() == 6
    });
    // Draw on the paused frame: kept while the frame stays, gone when it changes.
    h.key_press(Key::D);
    h.step();
    let (x, y) = (700.0, 450.0);
    h.hover_at(egui::Pos2::new(x, y));
    h.step();
    h.drag_at(egui::Pos2::new(x, y));
    h.step();
    for k in 1..=5 {
        h.hover_at(egui::Pos2::new(x + 10.0 * k as f32, y + 5.0 * k as f32));
        h.step();
    }
    h.drop_at(egui::Pos2::new(x + 60.0, y + 30.0));
    h.step();
    assert_eq!(
        h.state().show.as_ref().unwrap().strokes(),
        1,
        "a stroke on the paused frame"
    );
    h.key_press(Key::Escape);
    h.key_press(Key::ArrowRight);
    run_until(&mut h, "the next frame", |a| {
        a.show.as_ref().unwrap().shown_frame() == 7
    });
    assert_eq!(
        h.state().show.as_ref().unwrap().strokes(),
        0,
        "drawings go with their frame"
    );
    // Loop frames 2–6: playing comes back to 2.
    h.key_press(Key::Home);
    run_until(&mut h, "frame 0", |a| {
        a.show.as_ref().unwrap().shown_frame() == 0
    });
    press_n(&mut h, Key::ArrowRight, 2);
    run_until(&mut h, "frame 2", |a| {
        a.show.as_ref().unwrap().shown_frame() == 2
    });
    h.key_press(Key::I);
    press_n(&mut h, Key::ArrowRight, 4);
    run_until(&mut h, "frame 6", |a| {
        a.show.as_ref().unwrap().shown_frame() == 6
    });
    h.key_press(Key::O);
    h.key_press(Key::L);
    h.step();
    assert!(h.state().show.as_ref().unwrap().looping);
    h.key_press(Key::Space);
    let mut wrapped = false;
    let mut past = false;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !wrapped && Instant::now() < deadline {
        h.step();
        let f = h.state().show.as_ref().unwrap().shown_frame();
        assert!(f <= 8, "played past the loop: frame {f}");
        past |= f >= 5;
        wrapped = past && f <= 3;
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(wrapped, "the loop came back to its start");
    h.key_press(Key::Space);
    h.key_press(Key::B);
    h.step();
    assert!(h.state().show.as_ref().unwrap().black);
    assert!(
        h.query_by_label_contains("Morning plenary").is_none(),
        "nothing but black"
    );
    h.key_press(Key::B);
    h.step();
    assert!(h.query_by_label_contains("Morning plenary").is_some());
    // The control bar sends the same commands as the keys (it used to fake key
    // presses): it shows while the pointer moves.
    h.hover_at(egui::Pos2::new(640.0, 300.0));
    h.hover_at(egui::Pos2::new(650.0, 310.0));
    h.step();
    h.get_by_label("|< Clip").click();
    run_until(&mut h, "the first clip, from the bar", |a| {
        a.show
            .as_ref()
            .is_some_and(|s| s.clip == 0 && s.has_frame())
    });
    h.get_by_label("0.5×").click();
    run_until(&mut h, "half speed, from the bar", |a| {
        (a.show.as_ref().unwrap().rate() - 0.5).abs() < 1e-9
    });
    h.get_by_label("Counter").click();
    h.step();
    assert!(h.state().show.as_ref().unwrap().big_counter);
}

#[test]
fn an_expired_package_shows_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = package(dir.path());
    let mut h = harness(&pkg, chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap());
    h.step();
    type_passphrase(&mut h, PASS);
    run_until(&mut h, "the refusal", |a| a.refused.is_some());
    assert!(
        h.state()
            .refused
            .as_deref()
            .unwrap()
            .contains("expired on 2099-12-31")
    );
    assert!(h.state().show.is_none());
    assert!(h.query_by_label_contains("Morning plenary").is_none());
}

/// Runs `debrief present pkg` with `pass` in the environment and no display:
/// it must refuse with exit 2 and a message containing `needle` (had it tried
/// to open a window, it would fail differently).
fn refused_before_any_window(pkg: &Path, pass: &str, needle: &str) {
    let out = Command::new(common::bin())
        .args(["present", pkg.to_str().unwrap()])
        .env("DEBRIEF_PASSPHRASE", pass)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "{err}");
}

/// `pkg` with one byte flipped inside its second clip's encrypted bytes.
fn damaged_copy(pkg: &Path) -> PathBuf {
    let mut bytes = std::fs::read(pkg).unwrap();
    let at = bytes.len() - 2000;
    bytes[at] ^= 0x40;
    let out = pkg.with_file_name("damaged.dbpkg");
    std::fs::write(&out, bytes).unwrap();
    out
}

#[test]
fn a_damaged_package_shows_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = damaged_copy(&package(dir.path()));
    let mut h = harness(&pkg, today());
    h.step();
    type_passphrase(&mut h, PASS);
    run_until(&mut h, "the refusal", |a| a.refused.is_some());
    let why = h.state().refused.clone().unwrap();
    assert!(why.contains("damaged"), "{why}");
    assert!(why.contains("new copy"), "the fix is named: {why}");
    assert!(h.state().show.is_none());
    assert!(h.query_by_label_contains("Morning plenary").is_none());
    // From the command line it is a clear exit 2 before any window.
    refused_before_any_window(&pkg, PASS, "damaged");
}

/// A package locked to an age recipient asks for a key file, not a
/// passphrase; another key is refused by name; a file that is no package
/// shows only why.
#[test]
fn a_package_locked_to_key_files_asks_for_one() {
    use debrief::package::{Locking, Package};
    let dir = tempfile::tempdir().unwrap();
    let pkg = package(dir.path());
    // The same clips again, to a recipient (the vault lives in dir).
    debrief::vault::keys::set_test_work_factor(10);
    let mut vault = debrief::vault::Vault::unlock(
        &dir.path().join("vault"),
        "alice",
        &common::vault::pass("alice"),
    )
    .unwrap();
    let ids: Vec<String> = vault
        .all_clips()
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let key = age::x25519::Identity::generate();
    let locked = dir.path().join("to-key.dbpkg");
    debrief::plenary::create_package(
        &mut vault,
        &ids,
        &[],
        &locked,
        "Morning plenary",
        chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
        &Protection::Recipients(vec![key.to_public().to_string()]),
    )
    .unwrap();
    drop(vault);
    assert_eq!(Package::locking(&pkg).unwrap(), Locking::Passphrase);
    assert_eq!(Package::locking(&locked).unwrap(), Locking::KeyFile);
    let write_key = |name: &str, id: &age::x25519::Identity| {
        use age::secrecy::ExposeSecret;
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!("# key\n{}\n", id.to_string().expose_secret()),
        )
        .unwrap();
        path
    };
    let mine = write_key("mine.key", &key);
    let other = write_key("other.key", &age::x25519::Identity::generate());
    let mut h = harness(&locked, today());
    h.step();
    assert!(h.query_by_label("Choose key file…").is_some());
    assert!(h.query_by_label("Package passphrase").is_none());
    h.state_mut().unlock_with_key_file(&other);
    h.step();
    let why = h.state().refused.clone().unwrap();
    assert!(why.contains("does not open this package"), "{why}");
    assert!(h.state().show.is_none());
    h.state_mut().unlock_with_key_file(&mine);
    run_until(&mut h, "the first frame", |a| {
        a.show.as_ref().is_some_and(|s| s.has_frame())
    });
    // A passphrase from the environment is refused with the way in.
    refused_before_any_window(&locked, PASS, "--identity");
    // Not a package at all: the reason, and no prompt.
    let junk = dir.path().join("junk.dbpkg");
    std::fs::write(&junk, b"not a package at all").unwrap();
    let mut h = harness(&junk, today());
    h.step();
    assert!(
        h.state()
            .refused
            .as_deref()
            .is_some_and(|w| w.contains("not a Debrief plenary package"))
    );
    assert!(h.query_by_label("Package passphrase").is_none());
    assert!(h.query_by_label("Choose key file…").is_none());
}

#[test]
fn the_next_screen_is_asked_for_and_a_missing_one_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = package(dir.path());
    let mut h = harness(&pkg, today());
    h.step();
    type_passphrase(&mut h, PASS);
    run_until(&mut h, "the first frame", |a| {
        a.show.as_ref().is_some_and(|s| s.has_frame())
    });
    // Presses M and returns the screens the frame that handled it asked for.
    let press_m = |h: &mut Harness<'static, PresentApp>| -> Vec<usize> {
        let key = |pressed| egui::Event::Key {
            key: Key::M,
            physical_key: None,
            pressed,
            repeat: false,
            modifiers: egui::Modifiers::NONE,
        };
        h.event(key(true));
        h.step();
        let asked = h
            .output()
            .viewport_output
            .values()
            .flat_map(|v| v.commands.iter())
            .filter_map(|c| match c {
                egui::ViewportCommand::SetMonitor(n) => Some(*n),
                _ => None,
            })
            .collect();
        h.event(key(false));
        h.step();
        asked
    };
    // The first press puts the presentation full screen on screen 1.
    assert_eq!(press_m(&mut h), vec![0]);
    assert_eq!(h.state().screens.current, Some(0));
    // The second asks for screen 2; the test window has nowhere to go, so it stays.
    assert_eq!(press_m(&mut h), vec![1]);
    run_until(&mut h, "the notice", |a| {
        a.screens
            .notice
            .as_ref()
            .is_some_and(|(t, _)| t.contains("no screen 2"))
    });
    assert_eq!(h.state().screens.count, Some(1));
    assert_eq!(h.state().screens.current, Some(0));
    // From then on M stays on the one screen there is.
    assert_eq!(press_m(&mut h), vec![0]);
}

#[test]
fn a_wrong_passphrase_from_the_environment_exits_2_before_any_window() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = package(dir.path());
    refused_before_any_window(&pkg, "wrong", "wrong passphrase");
}

/// True when a real window can open; false (with a note) when GUI tests are skipped on purpose.
fn display_or_skip() -> bool {
    if std::env::var_os("DEBRIEF_SKIP_GUI_TESTS").is_some() {
        eprintln!("SKIPPED: DEBRIEF_SKIP_GUI_TESTS is set");
        return false;
    }
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no display: run under xvfb-run (make test does)"
    );
    true
}

/// Every file under `dirs` with its size and modification time.
fn snapshot(dirs: &[&Path]) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    for d in dirs {
        for f in common::vault::files(d) {
            if let Ok(m) = std::fs::metadata(&f) {
                out.push((f, m.len(), m.modified().unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn presenting_writes_no_file() {
    if !display_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pkg = package(dir.path());
    let (home, tmp) = (dir.path().join("home"), dir.path().join("tmp"));
    let shots = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let run = |args: &[&str]| {
        Command::new(common::bin())
            .args(args)
            .env("HOME", &home)
            .env("TMPDIR", &tmp)
            .env_remove("XDG_CACHE_HOME")
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_CONFIG_HOME")
            .env("DEBRIEF_PASSPHRASE", PASS)
            .env("DEBRIEF_AUDIO_SINK", "fakeaudiosink")
            .output()
            .unwrap()
    };
    // GStreamer keeps its plugin registry in ~/.cache: let it write that first.
    assert!(
        run(&["probe", dir.path().join("clip-0.mp4").to_str().unwrap()])
            .status
            .success()
    );
    let pkg_dir = pkg.parent().unwrap().to_path_buf();
    let before = snapshot(&[&home, &tmp, &pkg_dir]);
    let shot = shots.path().join("present.png");
    let out = run(&[
        "present",
        pkg.to_str().unwrap(),
        "--screenshot",
        shot.to_str().unwrap(),
        "--screenshot-after-frames",
        "5",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(shot.exists(), "the screenshot asked for is written");
    let after = snapshot(&[&home, &tmp, &pkg_dir]);
    assert_eq!(before, after, "presenting wrote or changed files");
}

#[test]
fn a_presentation_is_audited_in_a_local_vault_only_when_asked() {
    if !display_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pkg = package(dir.path());
    let vault_dir = dir.path().join("vault");
    let pass_file = dir.path().join("alice.pass");
    std::fs::write(&pass_file, "correct horse alice\n").unwrap();
    let presentations = || {
        debrief::vault::keys::set_test_work_factor(10);
        let v = debrief::vault::Vault::unlock(&vault_dir, "alice", &common::vault::pass("alice"))
            .unwrap();
        v.audit_recent(50)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "package.present")
            .count()
    };
    let shot = dir.path().join("shot.png");
    let present = |audit: bool| {
        let mut cmd = Command::new(common::bin());
        cmd.args([
            "--vault",
            vault_dir.to_str().unwrap(),
            "--user",
            "alice",
            "--passphrase-file",
        ])
        .arg(&pass_file)
        .args([
            "present",
            pkg.to_str().unwrap(),
            "--screenshot",
            shot.to_str().unwrap(),
            "--screenshot-after-frames",
            "3",
        ])
        .env("DEBRIEF_PASSPHRASE", PASS)
        .env("DEBRIEF_TEST_SCRYPT_LOG_N", "10")
        .env("DEBRIEF_AUDIO_SINK", "fakeaudiosink");
        if audit {
            cmd.arg("--audit");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    present(false);
    assert_eq!(presentations(), 0, "no record unless asked");
    present(true);
    assert_eq!(presentations(), 1);
}
