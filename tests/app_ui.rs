//! The application driven headless with egui_kittest: a real vault, a real
//! player, real keys and pointer events, found by their AccessKit labels.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::vault::{Fixture, fixture, pass};
use debrief::app::{AppOptions, DebriefApp};
use debrief::media::testsrc::TestSrcSpec;
use debrief::model::{ConsentMethod, ConsentStage, ConsentStatus, Role};
use debrief::vault::{NewAnnotation, NewCase, NewConsent, Vault};
use egui::{Key, Modifiers, Pos2, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn video() -> TestSrcSpec {
    // No audio: the headless player needs no sound device.
    TestSrcSpec {
        frames: 90,
        bframes: true,
        gop: 30,
        ..Default::default()
    }
}

fn harness(options: AppOptions) -> Harness<'static, DebriefApp> {
    Harness::builder()
        .with_size(vec2(1600.0, 1000.0))
        .build_eframe(move |cc| DebriefApp::new(&cc.egui_ctx, options))
}

fn options(dir: &Path, user: Option<&str>, recording: Option<&str>) -> AppOptions {
    AppOptions {
        vault_dir: dir.to_path_buf(),
        user: user.map(str::to_owned),
        passphrase: user.map(pass),
        open_recording: recording.map(str::to_owned),
        ..Default::default()
    }
}

/// Steps the app (with real time passing, for the threads) until `cond` holds.
fn run_until(h: &mut Harness<'static, DebriefApp>, what: &str, cond: impl Fn(&DebriefApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        h.step();
        if cond(h.state()) {
            return;
        }
        if Instant::now() >= deadline {
            let app = h.state();
            let review = app.session.as_ref().and_then(|s| s.review.as_ref());
            panic!(
                "timed out waiting for: {what} (shown frame {:?}, message {:?}, unlock error {:?})",
                shown(app),
                review.and_then(|r| r.message.clone()),
                app.unlock.error
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn shown(app: &DebriefApp) -> Option<u64> {
    let review = app.session.as_ref()?.review.as_ref()?;
    review.host.view.has_frame().then(|| review.shown_frame())
}

fn annotations(app: &DebriefApp, rec: &str) -> Vec<debrief::model::Annotation> {
    app.session
        .as_ref()
        .map(|s| s.vault.annotations(rec).unwrap())
        .unwrap_or_default()
}

fn press_times(h: &mut Harness<'static, DebriefApp>, key: Key, n: usize) {
    for _ in 0..n {
        h.key_press(key);
        h.step();
    }
}

fn open_review(dir: &Path, rec: &str) -> Harness<'static, DebriefApp> {
    let mut h = harness(options(dir, Some("alice"), Some(rec)));
    run_until(&mut h, "the first frame", |a| shown(a) == Some(0));
    h
}

#[test]
fn unlock_refuses_a_wrong_passphrase_then_opens_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let Fixture { vault, .. } = fixture(dir.path(), &video(), true);
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut h = harness(options(&vdir, None, None));
    h.step();
    h.get_by_label("User name").focus();
    h.get_by_label("User name").type_text("alice");
    h.step();
    h.get_by_label("Passphrase").focus();
    h.get_by_label("Passphrase").type_text("not it");
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Unlock")
        .click();
    run_until(&mut h, "the error", |a| a.unlock.error.is_some());
    assert!(h.state().session.is_none());
    assert!(
        h.state()
            .unlock
            .error
            .as_deref()
            .unwrap()
            .contains("wrong passphrase, or no user 'alice' in this vault")
    );
    h.step();
    assert!(
        h.query_by_label_contains("wrong passphrase").is_some(),
        "the error is on screen"
    );
    h.get_by_label("Passphrase").focus();
    h.get_by_label("Passphrase")
        .type_text("correct horse alice");
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Unlock")
        .click();
    run_until(&mut h, "the library", |a| a.session.is_some());
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("Case one").is_some(),
        "the library lists the case"
    );
}

#[test]
fn code_hotkeys_land_on_the_displayed_frame_and_undo_redo() {
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        vault,
        recording_id: rec,
        ..
    } = fixture(dir.path(), &video(), true);
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut h = open_review(&vdir, &rec);
    press_times(&mut h, Key::ArrowRight, 5);
    run_until(&mut h, "frame 5", |a| shown(a) == Some(5));
    h.key_press(Key::B); // birth: a point
    run_until(&mut h, "the birth event", |a| {
        annotations(a, &rec).iter().any(|x| x.code == "birth")
    });
    let birth = annotations(h.state(), &rec)
        .into_iter()
        .find(|x| x.code == "birth")
        .unwrap();
    assert_eq!(
        (birth.start_frame, birth.end_frame),
        (5, None),
        "on the frame that was displayed"
    );

    press_times(&mut h, Key::ArrowRight, 7);
    run_until(&mut h, "frame 12", |a| shown(a) == Some(12));
    h.key_press(Key::P); // ventilation: a duration starts...
    run_until(&mut h, "an open ventilation", |a| {
        annotations(a, &rec).iter().any(|x| x.code == "ppv")
    });
    assert_eq!(
        annotations(h.state(), &rec)
            .iter()
            .find(|x| x.code == "ppv")
            .unwrap()
            .end_frame,
        None
    );
    h.key_press_modifiers(Modifiers::SHIFT, Key::ArrowRight); // one second = 30 frames
    run_until(&mut h, "frame 42", |a| shown(a) == Some(42));
    h.key_press(Key::P); // ...and stops
    run_until(&mut h, "a closed ventilation", |a| {
        annotations(a, &rec)
            .iter()
            .any(|x| x.code == "ppv" && x.end_frame.is_some())
    });
    let ppv = annotations(h.state(), &rec)
        .into_iter()
        .find(|x| x.code == "ppv")
        .unwrap();
    assert_eq!((ppv.start_frame, ppv.end_frame), (12, Some(42)));

    // Ctrl+Z reopens the duration, Ctrl+Shift+Z closes it again.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    run_until(&mut h, "undo", |a| {
        annotations(a, &rec)
            .iter()
            .any(|x| x.code == "ppv" && x.end_frame.is_none())
    });
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    run_until(&mut h, "second undo", |a| {
        !annotations(a, &rec).iter().any(|x| x.code == "ppv")
    });
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    run_until(&mut h, "redo", |a| {
        annotations(a, &rec)
            .iter()
            .any(|x| x.code == "ppv" && x.end_frame.is_none())
    });
    assert_eq!(annotations(h.state(), &rec).len(), 2);
}

#[test]
fn dragging_an_edge_moves_it_by_whole_frames() {
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        mut vault,
        recording_id: rec,
        ..
    } = fixture(dir.path(), &video(), true);
    let id = vault
        .add_annotation(NewAnnotation {
            recording_id: rec.clone(),
            code: "ppv".into(),
            start_frame: 10,
            end_frame: Some(30),
            ..Default::default()
        })
        .unwrap();
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut h = open_review(&vdir, &rec);
    h.step();
    let (from, to, y) = {
        let t = &h
            .state()
            .session
            .as_ref()
            .unwrap()
            .review
            .as_ref()
            .unwrap()
            .timeline;
        // Airway and breathing is the second lane; the right edge of frame 30 is x(31).
        (
            t.x_of(31.0).unwrap(),
            t.x_of(41.0).unwrap() + 3.0,
            t.lane_y(1).unwrap(),
        )
    };
    assert!(to - from > 40.0, "frames are wide enough to aim at");
    h.hover_at(Pos2::new(from, y));
    h.step();
    h.drag_at(Pos2::new(from, y));
    h.step();
    for k in 1..=10 {
        h.hover_at(Pos2::new(from + (to - from) * k as f32 / 10.0, y));
        h.step();
    }
    h.drop_at(Pos2::new(to, y));
    run_until(&mut h, "the moved edge", |a| {
        annotations(a, &rec)
            .iter()
            .any(|x| x.id == id && x.end_frame != Some(30))
    });
    let moved = annotations(h.state(), &rec)
        .into_iter()
        .find(|x| x.id == id)
        .unwrap();
    assert_eq!(
        (moved.start_frame, moved.end_frame),
        (10, Some(40)),
        "the end snapped to the frame boundary under the pointer"
    );
    // The move is one undoable change.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    run_until(&mut h, "undo of the drag", |a| {
        annotations(a, &rec)
            .iter()
            .any(|x| x.id == id && x.end_frame == Some(30))
    });
}

#[test]
fn a_provider_sees_only_their_cases() {
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        mut vault, case_id, ..
    } = fixture(dir.path(), &video(), true);
    vault.add_user("bob", Role::Provider, &pass("bob")).unwrap();
    vault
        .add_participant(&case_id, "Dr B", None, Some("bob"))
        .unwrap();
    vault
        .create_case(NewCase {
            title: "Somebody else's case".into(),
            ..Default::default()
        })
        .unwrap();
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut h = harness(options(&vdir, Some("bob"), None));
    run_until(&mut h, "bob's library", |a| a.session.is_some());
    h.step();
    h.step();
    assert!(h.query_by_label_contains("Case one").is_some());
    assert!(
        h.query_by_label_contains("Somebody else").is_none(),
        "another case is not even listed"
    );
    assert!(
        h.query_by_label("New case…").is_none(),
        "providers do not create cases"
    );
}

#[test]
fn the_consent_window_reads_the_ledger_when_it_opens_not_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        mut vault,
        participant_id,
        recording_id: rec,
        ..
    } = fixture(dir.path(), &video(), false);
    let granted = |stage| NewConsent {
        participant_id: participant_id.clone(),
        stage,
        status: ConsentStatus::Granted,
        method: Some(ConsentMethod::Written),
        note: None,
    };
    vault
        .set_consent(granted(ConsentStage::AfterRecording))
        .unwrap();
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut h = open_review(&vdir, &rec);
    h.get_by_label("Consent").click();
    h.step();
    h.step();
    assert!(h.query_by_label("Plenary use: no").is_some());
    // An answer recorded behind the window's back (as another instructor's
    // CLI would) is not read again frame after frame…
    let vault = &mut h.state_mut().session.as_mut().unwrap().vault;
    vault
        .set_consent(granted(ConsentStage::BeforeReviewUse))
        .unwrap();
    for _ in 0..3 {
        h.step();
    }
    assert!(h.query_by_label("Plenary use: no").is_some());
    // …but when the window opens again.
    let review = h.state_mut().session.as_mut().unwrap().review.as_mut();
    review.unwrap().consent_open = false;
    h.step();
    h.get_by_label("Consent").click();
    h.step();
    h.step();
    assert!(
        h.query_by_label("Plenary use: yes").is_some(),
        "reopening the window reads the ledger"
    );
}

#[test]
fn consent_changes_show_up_in_the_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        mut vault,
        participant_id,
        recording_id: rec,
        ..
    } = fixture(dir.path(), &video(), false);
    // Enough for instructors to review, not yet for plenary use.
    vault
        .set_consent(NewConsent {
            participant_id,
            stage: ConsentStage::AfterRecording,
            status: ConsentStatus::Granted,
            method: Some(ConsentMethod::Written),
            note: None,
        })
        .unwrap();
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut h = open_review(&vdir, &rec);
    h.get_by_label("Consent").click();
    h.step();
    h.step();
    assert!(h.query_by_label("Plenary use: no").is_some());
    // Grant before-review-use: the third "Grant" button on the participant's row.
    let grants = h.get_all_by_label("Grant").collect::<Vec<_>>();
    assert_eq!(grants.len(), 3);
    grants[2].click();
    h.step();
    h.step();
    h.step();
    assert!(
        h.query_by_label("Plenary use: yes").is_some(),
        "the permission follows the ledger"
    );
    let vault = &h.state().session.as_ref().unwrap().vault;
    assert!(vault.permissions(&rec).unwrap().plenary);

    // Refusing review use: the confirmation says the recording stays for individual
    // review; refusing after recording: that it is deleted. Each as the policy says.
    let refuse = h.get_all_by_label("Refuse").collect::<Vec<_>>();
    assert_eq!(refuse.len(), 3);
    refuse[2].click();
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("kept for the linked providers' individual review only")
            .is_some(),
        "the review-use refusal keeps the recording"
    );
    h.get_by_label("Cancel").click();
    h.step();
    h.step();
    h.get_all_by_label("Refuse").nth(1).unwrap().click();
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("this deletes the case's recordings at once")
            .is_some(),
        "the after-recording refusal deletes it"
    );
    h.get_by_label("Cancel").click();
    h.step();
    let vault = &h.state().session.as_ref().unwrap().vault;
    assert!(
        vault.permissions(&rec).unwrap().plenary,
        "nothing recorded by Cancel"
    );
}

#[test]
fn idle_lock_drops_the_keys_and_keeps_the_note_being_typed() {
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        mut vault,
        recording_id: rec,
        ..
    } = fixture(dir.path(), &video(), true);
    let id = vault
        .add_annotation(NewAnnotation {
            recording_id: rec.clone(),
            code: "birth".into(),
            start_frame: 3,
            ..Default::default()
        })
        .unwrap();
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut opts = options(&vdir, Some("alice"), Some(&rec));
    opts.idle_lock = Duration::from_millis(1500);
    let mut h = harness(opts);
    run_until(&mut h, "the first frame", |a| shown(a) == Some(0));
    // Select the event from the list and start typing a note.
    h.get_by_label("00:00:00:03").click();
    run_until(&mut h, "the selection", |a| {
        a.session
            .as_ref()
            .and_then(|s| s.review.as_ref())
            .is_some_and(|r| r.selected.is_some())
    });
    h.step();
    h.get_by_label("Note (shared)").focus();
    h.get_by_label("Note (shared)")
        .type_text("typed before the lock");
    h.step();
    // Then nobody touches anything.
    h.remove_cursor();
    run_until(&mut h, "the idle lock", |a| a.session.is_none());
    assert!(
        h.state()
            .unlock
            .notice
            .as_deref()
            .unwrap()
            .starts_with("Locked after")
    );
    let vault = Vault::unlock(&vdir, "alice", &pass("alice")).unwrap();
    let note = vault
        .annotations(&rec)
        .unwrap()
        .into_iter()
        .find(|a| a.id == id)
        .unwrap()
        .note;
    assert_eq!(
        note.as_deref(),
        Some("typed before the lock"),
        "nothing typed was lost"
    );
}

#[test]
fn bundled_hotkeys_do_not_collide_with_the_app_shortcuts() {
    for text in debrief::model::codebook::BUNDLED {
        let book = debrief::model::Codebook::from_json(text).unwrap();
        for code in &book.codes {
            let key = debrief::app::shortcuts::code_key(code.hotkey.as_deref().unwrap()).unwrap();
            for (_, shortcut, what) in debrief::app::shortcuts::BINDINGS {
                assert!(
                    !(shortcut.logical_key == key && shortcut.modifiers.is_none()),
                    "{} collides with {what}",
                    code.id
                );
            }
        }
    }
}

#[test]
fn export_panel_previews_faces_and_exports_only_after_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSrcSpec {
        frames: 40,
        faces: 1,
        ..Default::default()
    };
    let Fixture {
        vault,
        recording_id: rec,
        ..
    } = fixture(dir.path(), &spec, true);
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut h = open_review(&vdir, &rec);
    h.key_press(Key::I);
    press_times(&mut h, Key::ArrowRight, 12);
    run_until(&mut h, "frame 12", |a| shown(a) == Some(12));
    h.key_press(Key::O);
    h.step();
    h.key_press_modifiers(Modifiers::COMMAND, Key::E);
    run_until(&mut h, "the export panel", |a| {
        a.session
            .as_ref()
            .and_then(|s| s.review.as_ref())
            .is_some_and(|r| r.export.open)
    });
    let out = dir.path().join("clip-ui.mp4");
    h.state_mut()
        .session
        .as_mut()
        .unwrap()
        .review
        .as_mut()
        .unwrap()
        .export
        .out = out.display().to_string();
    h.step();
    // Export stays disabled until the preview ran and the reviewer confirmed.
    h.get_by_label("Export clip").click();
    h.step();
    assert!(!out.exists());
    h.get_by_label("Find faces (preview)").click();
    let review = |a: &DebriefApp| {
        a.session
            .as_ref()
            .and_then(|s| s.review.as_ref())
            .map(|r| (r.export.busy(), r.export.message.clone()))
    };
    run_until(&mut h, "the preview", |a| {
        review(a).is_some_and(|(busy, m)| !busy && m.is_some_and(|m| m.contains("Faces found")))
    });
    let message = review(h.state()).unwrap().1.unwrap();
    assert!(message.contains("on 13 of 13 frames"), "{message}");
    h.step();
    h.get_by_label_contains("I reviewed the redaction").click();
    h.step();
    h.get_by_label("Export clip").click();
    run_until(&mut h, "the export", |a| {
        review(a).is_some_and(|(busy, m)| !busy && m.is_some_and(|m| m.contains("Exported clip")))
    });
    assert!(out.exists());
    let clips = h
        .state()
        .session
        .as_ref()
        .unwrap()
        .vault
        .clips(&rec)
        .unwrap();
    assert_eq!(clips.len(), 1);
    assert!(clips[0].reviewed, "the confirmation is recorded");
    assert_eq!((clips[0].from_frame, clips[0].to_frame), (0, 12));
}

#[test]
fn agreement_table_compares_two_raters() {
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        mut vault,
        recording_id: rec,
        ..
    } = fixture(dir.path(), &video(), true);
    vault
        .add_user("bob", Role::Instructor, &pass("bob"))
        .unwrap();
    let vdir = vault.dir().to_path_buf();
    for (who, frame) in [("alice", 10), ("bob", 12)] {
        let mut v = if who == "alice" {
            None
        } else {
            Some(Vault::unlock(&vdir, who, &pass(who)).unwrap())
        };
        let target = v.as_mut().unwrap_or(&mut vault);
        target
            .add_annotation(NewAnnotation {
                recording_id: rec.clone(),
                code: "birth".into(),
                start_frame: frame,
                ..Default::default()
            })
            .unwrap();
    }
    drop(vault);
    let mut h = open_review(&vdir, &rec);
    h.get_by_label("Agreement between raters").click();
    h.step();
    h.step();
    assert!(
        h.query_by_label("κ (1 s units)").is_some(),
        "the table is shown"
    );
    assert!(
        h.query_by_label_contains("Events within ±1 s: 1 matched of 1 and 1")
            .is_some(),
        "alice's and bob's births 2 frames apart match"
    );
}

/// Codebooks in the app: a bundled one copied, edited (a problem blocks
/// saving until fixed), saved into the vault, then used for a new case.
#[test]
fn a_codebook_is_copied_edited_saved_and_used_for_a_new_case() {
    use egui::accesskit::Role as A;
    let dir = tempfile::tempdir().unwrap();
    let Fixture { vault, .. } = fixture(dir.path(), &video(), true);
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut h = harness(options(&vdir, Some("alice"), None));
    run_until(&mut h, "the library", |a| a.session.is_some());
    h.step();
    h.get_by_role_and_label(A::Button, "Codebooks…").click();
    h.step();
    h.step();
    // Rows: neonatal-resuscitation, team, team-communication (bundled first, by id).
    h.query_all_by_role_and_label(A::Button, "Copy")
        .nth(1)
        .expect("a Copy button per codebook")
        .click();
    h.step();
    h.step();
    assert!(
        h.query_by_role_and_label(A::Button, "Save").is_some(),
        "the editor opened"
    );
    let name = h
        .query_all_by_role_and_label(A::TextInput, "Name")
        .next()
        .unwrap();
    name.focus();
    name.type_text(" local");
    h.step();
    h.get_by_role_and_label(A::Button, "Add code").click();
    h.step();
    h.step();
    // The new code takes J, which is the app's shuttle key: a problem, and Save does nothing.
    let key = h.get_by_role_and_label(A::TextInput, "Hotkey of code 13");
    key.focus();
    key.type_text("j");
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("is the app's key for").is_some(),
        "the clash is listed"
    );
    h.get_by_role_and_label(A::Button, "Save").click();
    h.step();
    let saved = |a: &DebriefApp| {
        a.session
            .as_ref()
            .and_then(|s| s.vault.codebook("team-copy").ok())
    };
    assert!(
        saved(h.state()).is_none(),
        "nothing saved while a problem is listed"
    );
    let key = h.get_by_role_and_label(A::TextInput, "Hotkey of code 13");
    key.focus();
    h.step();
    h.key_press(Key::End);
    h.key_press(Key::Backspace);
    h.step();
    h.get_by_role_and_label(A::TextInput, "Hotkey of code 13")
        .type_text("w");
    h.step();
    h.step();
    assert!(
        h.query_by_label("No problems found.").is_some(),
        "the problem went away"
    );
    h.get_by_role_and_label(A::Button, "Save").click();
    run_until(&mut h, "the saved copy", |a| saved(a).is_some());
    let book = saved(h.state()).unwrap();
    assert_eq!(
        book.name,
        "Team Emergency Assessment Measure (TEAM) (copy) local"
    );
    assert_eq!(book.codes.len(), 13);
    let added = book.codes.last().unwrap();
    assert_eq!(
        (added.id.as_str(), added.hotkey.as_deref()),
        ("new-code", Some("W"))
    );

    // A new case on the copy (the codebooks window closed first: it covers the top bar).
    h.state_mut()
        .session
        .as_mut()
        .unwrap()
        .library
        .codebooks
        .open = false;
    h.step();
    h.get_by_role_and_label(A::Button, "New case…").click();
    h.step();
    h.step();
    let title = h.get_by_role_and_label(A::TextInput, "Title");
    title.focus();
    title.type_text("TEAM rating");
    h.step();
    h.get_by_label("Codebook").click();
    h.step();
    h.step();
    h.get_by_label("Team Emergency Assessment Measure (TEAM) (copy) local")
        .click();
    h.step();
    h.get_by_role_and_label(A::Button, "Create").click();
    run_until(&mut h, "the new case", |a| {
        a.session.as_ref().is_some_and(|s| {
            s.vault
                .cases()
                .unwrap()
                .iter()
                .any(|c| c.title == "TEAM rating" && c.codebook_id == "team-copy")
        })
    });
}

/// The review screen's Annotations menu: an export for other tools, the same
/// file imported back (as the current user), and the debrief report.
#[test]
fn annotations_menu_exports_imports_and_writes_the_report() {
    use debrief::app::review::ReviewCmd;
    use debrief::model::interchange::ExportFormat;
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        mut vault,
        recording_id: rec,
        ..
    } = fixture(dir.path(), &video(), true);
    vault
        .add_annotation(NewAnnotation {
            recording_id: rec.clone(),
            code: "ppv".into(),
            start_frame: 10,
            end_frame: Some(30),
            note: Some("chest rise".into()),
            ..Default::default()
        })
        .unwrap();
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut h = open_review(&vdir, &rec);
    h.get_by_label("Annotations").click();
    h.step();
    h.step();
    for item in [
        "ELAN (EAF)…",
        "BORIS project…",
        "Import annotations…",
        "Debrief report…",
    ] {
        assert!(h.query_by_label(item).is_some(), "{item} in the menu");
    }
    // Escape closes the menu; it does not leave the review screen.
    h.key_press(Key::Escape);
    for _ in 0..5 {
        h.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        h.query_by_label("Debrief report…").is_none(),
        "the menu closed"
    );
    assert!(
        h.state().session.as_ref().unwrap().review.is_some(),
        "still reviewing"
    );

    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let (eaf, report) = (out.join("a.eaf"), out.join("report.html"));
    let apply = |h: &mut Harness<'static, DebriefApp>, cmd: ReviewCmd| {
        let session = h.state_mut().session.as_mut().unwrap();
        let review = session.review.as_mut().unwrap();
        review.apply(&mut session.vault, vec![cmd]);
        review.message.clone().unwrap_or_default()
    };
    let msg = apply(
        &mut h,
        ReviewCmd::ExportAnnotations(ExportFormat::Eaf, eaf.clone()),
    );
    assert!(msg.starts_with("Wrote"), "{msg}");
    assert!(
        std::fs::read_to_string(&eaf)
            .unwrap()
            .contains("Positive-pressure ventilation")
    );
    let msg = apply(&mut h, ReviewCmd::ImportAnnotations(eaf.clone()));
    assert_eq!(
        msg,
        format!("Imported 1 annotation from {}.", eaf.display())
    );
    let ppv: Vec<_> = annotations(h.state(), &rec)
        .into_iter()
        .filter(|a| a.code == "ppv")
        .collect();
    assert_eq!(ppv.len(), 2, "the import added a copy");
    assert!(
        ppv.iter()
            .all(|a| (a.start_frame, a.end_frame) == (10, Some(30)))
    );
    let msg = apply(&mut h, ReviewCmd::ImportAnnotations(out.join("notes.txt")));
    assert!(
        msg.contains("pick a Debrief JSON (.json) or ELAN (.eaf) file"),
        "{msg}"
    );
    let msg = apply(&mut h, ReviewCmd::Report(report.clone()));
    assert!(msg.starts_with("Wrote the debrief report"), "{msg}");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<svg") && html.contains("chest rise"));
    assert!(!html.contains("alice") && !html.contains("Case one"));
    let sheet = out.join("sheet.html");
    let msg = apply(&mut h, ReviewCmd::ConsentSheet(sheet.clone()));
    assert!(
        msg.starts_with("Wrote the consent information sheet"),
        "{msg}"
    );
    let html = std::fs::read_to_string(&sheet).unwrap();
    assert!(html.contains("About the video recording of this care"));
    assert!(
        !html.contains("Parent") && !html.contains("Case one"),
        "names nobody"
    );
}

/// The library's plenary package window: clips from the vault ticked,
/// reordered and titled, a title naming a participant refused, the package
/// written and readable with its passphrase.
#[test]
fn a_plenary_package_is_made_in_the_app() {
    use egui::accesskit::Role as A;
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        mut vault,
        recording_id: rec,
        case_id,
        ..
    } = fixture(dir.path(), &video(), true);
    let anna = vault
        .add_participant(&case_id, "Anna Berg", Some("team lead"), None)
        .unwrap();
    common::vault::grant_all(&mut vault, &anna);
    let ids: Vec<String> = [(0, 9), (30, 44)]
        .into_iter()
        .enumerate()
        .map(|(n, (from, to))| {
            let out = dir.path().join(format!("clip-{n}.mp4"));
            common::vault::export_plain(&mut vault, &rec, &out, from, to)
        })
        .collect();
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut h = harness(options(&vdir, Some("alice"), None));
    run_until(&mut h, "the library", |a| a.session.is_some());
    h.step();
    h.get_by_role_and_label(A::Button, "Plenary package…")
        .click();
    h.step();
    h.step();
    assert!(
        h.query_by_label_contains("frames 0–9").is_some(),
        "the vault's clips are listed"
    );
    // Tick the later clip first, then the earlier; then move the earlier up.
    h.get_by_label_contains("frames 30–44").click();
    h.step();
    h.get_by_label_contains("frames 0–9").click();
    h.step();
    h.step();
    h.query_all_by_role_and_label(A::Button, "Up")
        .nth(1)
        .expect("an Up button per chosen clip")
        .click();
    h.step();
    h.step();
    fn window<'h>(
        h: &'h Harness<'static, DebriefApp>,
    ) -> &'h debrief::app::packages::PackagesState {
        &h.state().session.as_ref().unwrap().library.packages
    }
    let chosen: Vec<String> = window(&h).chosen.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(chosen, ids, "presentation order follows Up");
    let type_into = |h: &mut Harness<'static, DebriefApp>, label: &str, text: &str| {
        let field = h.get_by_label(label);
        field.focus();
        field.type_text(text);
        h.step();
    };
    type_into(&mut h, "Title of clip 1", "Berg leads the airway");
    type_into(&mut h, "Package passphrase", "plenary pass");
    assert!(
        h.query_by_label_contains("The two passphrases differ")
            .is_some(),
        "Create waits for the repeat"
    );
    type_into(&mut h, "Passphrase again", "plenary pass");
    let out = dir.path().join("session.dbpkg");
    h.state_mut().session.as_mut().unwrap().library.packages.out = out.display().to_string();
    h.step();
    let message = |h: &Harness<'static, DebriefApp>| window(h).message.clone().unwrap_or_default();
    h.get_by_role_and_label(A::Button, "Create package").click();
    h.step();
    assert!(
        message(&h).contains("participant's name"),
        "{}",
        message(&h)
    );
    assert!(!out.exists(), "nothing written");
    let title = h.get_by_role_and_label(A::TextInput, "Title of clip 1");
    title.focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.step();
    h.get_by_role_and_label(A::TextInput, "Title of clip 1")
        .type_text("The first minutes");
    h.step();
    h.get_by_role_and_label(A::Button, "Create package").click();
    h.step();
    assert!(message(&h).starts_with("Wrote"), "{}", message(&h));
    let package = debrief::package::Package::open_with_passphrase(
        &out,
        &secrecy::SecretString::from("plenary pass".to_owned()),
    )
    .unwrap();
    let manifest = package.manifest().unwrap();
    let got: Vec<(&str, &str)> = manifest
        .clips
        .iter()
        .map(|c| (c.id.as_str(), c.title.as_str()))
        .collect();
    assert_eq!(got[0], (ids[0].as_str(), "The first minutes"));
    assert_eq!(got[1].0, ids[1]);
    assert_eq!(manifest.title, "Plenary session");
    assert!(
        window(&h).passphrase.is_empty(),
        "the passphrase is not kept after writing"
    );
}

/// The state of the second camera view on the review screen: the frame it
/// shows and the frame it was asked for.
fn angle(app: &DebriefApp) -> Option<(Option<u64>, Option<debrief::views::Shown>)> {
    let review = app.session.as_ref()?.review.as_ref()?;
    let a = review.views.angles.first()?;
    Some((a.host.view.shown.map(|(i, _)| i), a.target))
}

/// A recording with a second camera view, "team" (its own file: longer
/// than the reference), mapped by `mapping` when given; returns the vault
/// folder and the recording.
fn with_team(dir: &Path, mapping: Option<debrief::views::Mapping>) -> (std::path::PathBuf, String) {
    let team = TestSrcSpec {
        frames: 120,
        ..video()
    };
    with_camera(dir, &team, mapping)
}

/// [`with_team`] with the team camera's file made from `team_spec`.
fn with_camera(
    dir: &Path,
    team_spec: &TestSrcSpec,
    mapping: Option<debrief::views::Mapping>,
) -> (std::path::PathBuf, String) {
    let Fixture {
        mut vault,
        recording_id: rec,
        ..
    } = fixture(dir, &video(), true);
    let team = common::generate(dir, "team.mp4", team_spec);
    let view_id = vault
        .add_view(&rec, &team, "team", &mut |_, _| true)
        .unwrap()
        .view_id
        .unwrap();
    if let Some(mapping) = mapping {
        vault
            .set_view_mapping(&view_id, mapping, debrief::views::SyncSource::Manual, None)
            .unwrap();
    }
    (vault.dir().to_path_buf(), rec)
}

#[test]
fn a_second_camera_follows_the_reference_and_nudges_undo_without_moving_annotations() {
    use debrief::views::{Mapping, Shown, SyncSource};
    let dir = tempfile::tempdir().unwrap();
    // The team camera started one second (30 frames) after the reference.
    let (vdir, rec) = with_team(dir.path(), Some(Mapping::starting_at(1_000_000_000, 0.0)));
    let mut h = open_review(&vdir, &rec);
    run_until(&mut h, "no team video before it started", |a| {
        angle(a).map(|x| x.1) == Some(Some(Shown::Outside))
    });
    {
        let review = h.state().session.as_ref().unwrap().review.as_ref().unwrap();
        let text = review.views.frames_text(0).unwrap();
        assert!(text.contains("team: no video here"), "{text}");
    }

    h.key_press_modifiers(Modifiers::SHIFT, Key::ArrowRight);
    h.step();
    h.key_press_modifiers(Modifiers::SHIFT, Key::ArrowRight);
    run_until(&mut h, "reference 60, team 30", |a| {
        shown(a) == Some(60) && angle(a).and_then(|x| x.0) == Some(30)
    });
    // The frame counter's hover names each view's own frame.
    let views_text = |a: &DebriefApp, frame| {
        let review = a.session.as_ref().unwrap().review.as_ref().unwrap();
        review.views.frames_text(frame).unwrap()
    };
    let text = views_text(h.state(), 60);
    assert!(
        text.contains("(reference): frame 60") && text.contains("team: frame 30"),
        "{text}"
    );
    // Stepping keeps them in step, backwards too.
    press_times(&mut h, Key::ArrowLeft, 3);
    run_until(&mut h, "reference 57, team 27", |a| {
        shown(a) == Some(57) && angle(a).and_then(|x| x.0) == Some(27)
    });

    // Alt+2 chooses the team view; Alt+→ shows its pictures a frame later.
    h.key_press_modifiers(Modifiers::ALT, Key::Num2);
    h.step();
    assert_eq!(
        h.state()
            .session
            .as_ref()
            .unwrap()
            .review
            .as_ref()
            .unwrap()
            .views
            .chosen,
        1
    );
    h.key_press_modifiers(Modifiers::ALT, Key::ArrowRight);
    run_until(&mut h, "team one frame later: 26", |a| {
        angle(a).and_then(|x| x.0) == Some(26)
    });
    assert_eq!(shown(h.state()), Some(57), "the reference did not move");
    let stored = h
        .state()
        .session
        .as_ref()
        .unwrap()
        .vault
        .view(&rec, "team")
        .unwrap();
    assert_eq!(stored.source, SyncSource::Manual);
    assert!(
        (stored.mapping.start_ns() - 1_033_333_333).abs() < 1_000,
        "{:?}",
        stored.mapping
    );

    // A code lands on the reference frame, whatever the team view shows.
    h.key_press(Key::B);
    run_until(&mut h, "the birth event", |a| {
        annotations(a, &rec).iter().any(|x| x.code == "birth")
    });
    let birth = annotations(h.state(), &rec)
        .into_iter()
        .find(|x| x.code == "birth")
        .unwrap();
    assert_eq!(birth.start_frame, 57);

    // Undo takes the newest edit first: the annotation, then the nudge.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    run_until(&mut h, "the birth event undone", |a| {
        annotations(a, &rec).is_empty()
    });
    assert_eq!(
        angle(h.state()).and_then(|x| x.0),
        Some(26),
        "the nudge stays"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    run_until(&mut h, "the nudge undone: team 27", |a| {
        angle(a).and_then(|x| x.0) == Some(27)
    });
    let stored = h
        .state()
        .session
        .as_ref()
        .unwrap()
        .vault
        .view(&rec, "team")
        .unwrap();
    assert!((stored.mapping.start_ns() - 1_000_000_000).abs() < 1_000);

    // Alt+V goes through the layouts.
    let layout = |h: &Harness<'static, DebriefApp>| {
        h.state()
            .session
            .as_ref()
            .unwrap()
            .review
            .as_ref()
            .unwrap()
            .views
            .layout
    };
    let before = layout(&h);
    h.key_press_modifiers(Modifiers::ALT, Key::V);
    h.step();
    assert_ne!(layout(&h), before);
    h.get_by_label("2 × 2").click();
    h.step();
    h.step();
    assert_eq!(layout(&h), debrief::app::review::views::Layout::Grid);

    // The sync window's sound match runs in the background and refuses a
    // camera without sound by name, leaving the sync as it was.
    h.get_by_label("Sync…").click();
    run_until(&mut h, "the sync window", |a| {
        a.session
            .as_ref()
            .and_then(|s| s.review.as_ref())
            .is_some_and(|r| r.views.sync_open)
    });
    for _ in 0..3 {
        h.step(); // a new window is sized on its first frame, shown on the next
    }
    h.get_by_label("Sync by sound").click();
    let message = |a: &DebriefApp| {
        a.session
            .as_ref()
            .and_then(|s| s.review.as_ref())
            .and_then(|r| r.message.clone())
    };
    run_until(&mut h, "the sound match's answer", |a| {
        message(a).is_some_and(|m| m.contains("cannot sync by audio"))
    });
    let stored = h
        .state()
        .session
        .as_ref()
        .unwrap()
        .vault
        .view(&rec, "team")
        .unwrap();
    assert!((stored.mapping.start_ns() - 1_000_000_000).abs() < 1_000);
}

#[test]
fn sync_marks_from_the_app_set_the_mapping_and_show_their_residuals() {
    use debrief::views::SyncSource;
    let dir = tempfile::tempdir().unwrap();
    let (vdir, rec) = with_team(dir.path(), None);
    let mut h = open_review(&vdir, &rec);
    let review = |h: &Harness<'static, DebriefApp>| {
        h.state()
            .session
            .as_ref()
            .unwrap()
            .review
            .as_ref()
            .unwrap()
            .views
            .target_angle()
    };
    assert_eq!(
        review(&h),
        Some(0),
        "the team view is the one the sync tools act on"
    );
    h.key_press_modifiers(Modifiers::SHIFT, Key::ArrowRight);
    run_until(&mut h, "both at 30", |a| {
        shown(a) == Some(30) && angle(a).and_then(|x| x.0) == Some(30)
    });
    // The reviewer sees the team camera is 3 frames late for the same moment.
    for _ in 0..3 {
        h.key_press_modifiers(Modifiers::ALT, Key::ArrowRight);
        h.step();
    }
    run_until(&mut h, "team at 27", |a| {
        angle(a).and_then(|x| x.0) == Some(27)
    });
    h.get_by_label("Sync…").click();
    for _ in 0..4 {
        h.step();
    }
    h.get_by_label("Add mark for team").click();
    h.step();
    h.key_press_modifiers(Modifiers::SHIFT, Key::ArrowRight);
    run_until(&mut h, "reference 60, team 57", |a| {
        shown(a) == Some(60) && angle(a).and_then(|x| x.0) == Some(57)
    });
    h.get_by_label("Add mark for team").click();
    h.step();
    h.step();
    assert_eq!(
        h.query_all_by_label_contains("residual +0.0 ms").count(),
        2,
        "each mark's residual is shown"
    );
    h.get_by_label("Sync team from 2 marks").click();
    run_until(&mut h, "the fitted sync", |a| {
        a.session
            .as_ref()
            .and_then(|s| s.review.as_ref())
            .and_then(|r| r.message.clone())
            .is_some_and(|m| m.contains("Synchronised from 2 marks"))
    });
    let stored = h
        .state()
        .session
        .as_ref()
        .unwrap()
        .vault
        .view(&rec, "team")
        .unwrap();
    assert_eq!(stored.source, SyncSource::Marks);
    assert!(
        (stored.mapping.start_ns() - 100_000_000).abs() < 1_000,
        "{:?}",
        stored.mapping
    );
    assert!(stored.mapping.drift_ppm.abs() < 1e-6);
    assert_eq!(
        angle(h.state()).and_then(|x| x.0),
        Some(57),
        "the picture stays"
    );
}

#[test]
fn the_chosen_cameras_sound_plays_in_step_and_the_reference_falls_silent() {
    use debrief::views::{Mapping, Shown};
    let dir = tempfile::tempdir().unwrap();
    // A team camera with sound, started a second (30 frames) before the reference.
    let team = TestSrcSpec {
        frames: 150,
        audio: true,
        ..video()
    };
    let (vdir, rec) = with_camera(
        dir.path(),
        &team,
        Some(Mapping::starting_at(-1_000_000_000, 0.0)),
    );
    let mut h = open_review(&vdir, &rec);
    let review = |a: &DebriefApp| -> (Option<usize>, bool, bool, bool) {
        let r = a.session.as_ref().unwrap().review.as_ref().unwrap();
        (
            r.views.voiced(),
            r.views.angles[0].host.playing(),
            r.reference_muted(),
            r.host.playing(),
        )
    };

    // The reference chosen: playing leaves the team camera silent, following by seeks.
    h.key_press(Key::Space);
    run_until(&mut h, "the reference playing", |a| review(a).3);
    let t0 = Instant::now();
    let (mut worst, mut samples) = (0u64, 0);
    while review(h.state()).3 && shown(h.state()).is_some_and(|f| f < 50) {
        h.step();
        assert_eq!(review(h.state()).0, None, "no other view's sound");
        assert!(!review(h.state()).2, "the reference's sound on");
        let app = h.state();
        if let (Some(reference), Some((Some(team), Some(Shown::Frame(_))))) =
            (shown(app), angle(app))
            && t0.elapsed() >= Duration::from_millis(100)
        {
            worst = worst.max(team.abs_diff(reference + 30));
            samples += 1;
        }
    }
    eprintln!(
        "silent team camera: {samples} samples, at most {worst} frames from its mapped frame"
    );
    assert!(
        samples > 5 && worst <= 2,
        "{samples} samples, {worst} frames off"
    );
    h.key_press(Key::Space);
    run_until(&mut h, "paused", |a| !review(a).3);
    h.key_press(Key::Home);
    run_until(&mut h, "back at 0, team at 30", |a| {
        shown(a) == Some(0) && angle(a).and_then(|x| x.0) == Some(30)
    });

    // Alt+2 chooses the team camera: playing now plays its sound, in step,
    // and the reference falls silent.
    h.key_press_modifiers(Modifiers::ALT, Key::Num2);
    h.step();
    h.key_press(Key::Space);
    run_until(&mut h, "the team camera voiced and playing", |a| {
        let (voiced, team_playing, muted, playing) = review(a);
        voiced == Some(0) && team_playing && muted && playing
    });
    let mut worst = 0u64;
    let mut samples = 0;
    let t0 = Instant::now();
    while review(h.state()).3 && shown(h.state()).is_some_and(|f| f < 80) {
        h.step();
        let app = h.state();
        if let (Some(reference), Some((Some(team), Some(Shown::Frame(_))))) =
            (shown(app), angle(app))
        {
            // The first 100 ms is the two players starting; after that each
            // shows the frame of its own clock, so a drift under one frame
            // period reads as at most two frames apart when sampled.
            if t0.elapsed() >= Duration::from_millis(100) {
                worst = worst.max(team.abs_diff(reference + 30));
                samples += 1;
            }
        }
    }
    eprintln!(
        "voiced team camera: {samples} samples, at most {worst} frames from its mapped frame"
    );
    assert!(samples > 5, "{samples} samples while playing");
    assert!(worst <= 2, "the voiced camera drifted {worst} frames");

    // Paused: the team camera stops and the reference's sound returns.
    if review(h.state()).3 {
        h.key_press(Key::Space);
    }
    run_until(&mut h, "paused, the reference's sound back", |a| {
        let (voiced, team_playing, muted, playing) = review(a);
        voiced.is_none() && !team_playing && !muted && !playing
    });
    // …and the team view shows exactly its mapped frame again.
    run_until(
        &mut h,
        "team settled on its mapped frame",
        |a| matches!((shown(a), angle(a)), (Some(r), Some((Some(t), _))) if t == r + 30),
    );
}

#[test]
fn a_weak_sound_match_waits_for_the_reviewer_to_keep_the_sync_or_use_it() {
    use debrief::views::audio::AudioSync;
    use debrief::views::{Mapping, SyncSource};
    let dir = tempfile::tempdir().unwrap();
    let before = Mapping::starting_at(1_000_000_000, 0.0);
    let (vdir, rec) = with_team(dir.path(), Some(before));
    let mut h = open_review(&vdir, &rec);
    h.get_by_label("Sync…").click();
    for _ in 0..4 {
        h.step();
    }
    // A sound match below the threshold, as the sound job hands one back.
    let weak = AudioSync {
        mapping: Mapping::starting_at(2_500_000_000, 30.0),
        confidence: 0.42,
        windows: (3, 8),
    };
    let offer = |h: &mut Harness<'static, DebriefApp>| {
        let review = h
            .state_mut()
            .session
            .as_mut()
            .unwrap()
            .review
            .as_mut()
            .unwrap();
        review.views.weak = Some((0, weak.clone()));
        for _ in 0..3 {
            h.step();
        }
    };
    let stored = |h: &Harness<'static, DebriefApp>| {
        h.state()
            .session
            .as_ref()
            .unwrap()
            .vault
            .view(&rec, "team")
            .unwrap()
    };
    offer(&mut h);
    assert!(
        h.query_by_label_contains("matched only weakly (score 0.42, 3 of 8 windows)")
            .is_some(),
        "the question names the score"
    );
    // Keep the current sync: nothing stored, the question gone.
    h.get_by_label("Keep the current sync").click();
    for _ in 0..3 {
        h.step();
    }
    assert!(h.query_by_label_contains("matched only weakly").is_none());
    assert_eq!(stored(&h).mapping, before);
    assert_eq!(stored(&h).source, SyncSource::Manual);

    // Use it: stored as a sound sync with its score, and Ctrl+Z takes it back.
    offer(&mut h);
    h.get_by_label("Use it").click();
    run_until(&mut h, "the weak match stored", |a| {
        a.session
            .as_ref()
            .unwrap()
            .vault
            .view(&rec, "team")
            .is_ok_and(|v| v.source == SyncSource::Audio)
    });
    assert_eq!(stored(&h).mapping, weak.mapping);
    assert_eq!(stored(&h).score, Some(0.42));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    run_until(&mut h, "the sound sync undone", |a| {
        a.session
            .as_ref()
            .unwrap()
            .vault
            .view(&rec, "team")
            .is_ok_and(|v| v.mapping == before)
    });
}

#[test]
fn go_to_opens_the_review_on_the_frame_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        vault,
        recording_id: rec,
        ..
    } = fixture(dir.path(), &video(), true);
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let mut h = harness(AppOptions {
        go_to: Some(47),
        ..options(&vdir, Some("alice"), Some(&rec))
    });
    run_until(&mut h, "frame 47 on screen", |a| shown(a) == Some(47));
}

#[test]
fn recording_from_the_app_shows_the_banner_everywhere_and_pause_privacy_stop_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        mut vault, case_id, ..
    } = fixture(dir.path(), &video(), true);
    let until = vault.today() + chrono::Duration::days(30);
    vault.add_staff("Nurse A", "nurse", until).unwrap();
    let policy = debrief::model::policy::Policy::with_do_not_record(
        debrief::model::policy::DEFAULT,
        debrief::model::policy::EXAMPLE_DO_NOT_RECORD,
    );
    vault.set_policy(&policy, "policy.json").unwrap();
    drop(vault);
    let mut h = harness(AppOptions {
        open_case: Some(case_id.clone()),
        ..options(&dir.path().join("vault"), Some("alice"), None)
    });
    run_until(&mut h, "the library", |a| a.session.is_some());
    h.run_ok();
    h.get_by_label("Record…").click();
    run_until(&mut h, "the Record screen", |a| {
        a.session.as_ref().is_some_and(|s| s.record.is_some())
    });
    // One small camera keeps the test light.
    if let Some(setup) = h
        .state_mut()
        .session
        .as_mut()
        .and_then(|s| s.record.as_mut())
    {
        setup.cameras.truncate(1);
    }
    h.step();
    // Not before the "do not record" list is confirmed.
    h.get_by_label("Start recording").click();
    h.step();
    h.step();
    assert!(
        recording(h.state()).is_none(),
        "started without the confirmation"
    );
    h.get_by_label("This situation is none of these").click();
    h.get_by_label(&format!("Nurse A (nurse), consent through {until}"))
        .click();
    h.step();
    h.get_by_label("Start recording").click();
    run_until(&mut h, "recording", |a| recording(a).is_some());
    // The banner is on the library too, with the keys working there.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(h.query_by_label("Stop").is_some(), "the banner's Stop");
    assert!(h.query_by_label("Cases").is_some(), "on the library");
    h.key_press(Key::F9);
    h.step();
    assert!(recording(h.state()).unwrap().is_paused());
    h.key_press(Key::F9);
    h.step();
    assert!(!recording(h.state()).unwrap().is_paused());
    h.key_press(Key::F10);
    h.step();
    assert!(recording(h.state()).unwrap().is_private());
    h.key_press(Key::F12);
    run_until(&mut h, "sealed", |a| {
        a.session.as_ref().is_some_and(|s| s.recording.is_none())
    });
    let session = h.state().session.as_ref().unwrap();
    let message = session.library.message.clone().unwrap_or_default();
    assert!(message.starts_with("Recorded 00:00:0"), "{message}");
    assert_eq!(session.vault.recordings(&case_id).unwrap().len(), 2);
    let actions: Vec<String> = session
        .vault
        .audit_recent(50)
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.detail.unwrap_or_default()))
        .collect();
    for expected in [
        "capture.start views=1 purpose=quality-improvement present=1",
        "capture.pause",
        "capture.resume",
        "capture.privacy on",
        "capture.stop",
    ] {
        assert!(
            actions.iter().any(|a| a.starts_with(expected)),
            "{expected} not in {actions:#?}"
        );
    }
}

fn recording(a: &DebriefApp) -> Option<&debrief::app::record::LiveRecording> {
    a.session.as_ref().and_then(|s| s.recording.as_ref())
}

fn review(a: &DebriefApp) -> Option<&debrief::app::review::ReviewState> {
    a.session.as_ref()?.review.as_ref()
}

#[test]
fn device_data_is_added_drawn_aligned_and_undone_in_the_review() {
    let dir = tempfile::tempdir().unwrap();
    let Fixture {
        vault,
        recording_id: rec,
        ..
    } = fixture(dir.path(), &video(), true);
    let vdir = vault.dir().to_path_buf();
    drop(vault);
    let csv = dir.path().join("monitor.csv");
    std::fs::write(
        &csv,
        "time,HR (/min),SpO2 (%)\n0,80,70\n1,85,72\n1.5,130,75\n2,131,77\n2.9,132,80\n",
    )
    .unwrap();
    let mut h = open_review(&vdir, &rec);
    h.get_by_label("Device data").click();
    run_until(&mut h, "the Device data window", |a| {
        review(a).is_some_and(|r| r.data.window_open)
    });
    // A new window shows its content from its second frame.
    h.step();
    h.step();
    h.get_by_label("Device file").focus();
    h.get_by_label("Device file")
        .type_text(csv.to_str().unwrap());
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Add device data…")
        .click();
    run_until(&mut h, "two lanes drawn", |a| {
        review(a).is_some_and(|r| r.data.sources.len() == 1 && r.data.drawn.len() == 2)
    });
    let message = review(h.state()).and_then(|r| r.message.clone()).unwrap();
    assert!(message.contains("Added 2 signals"), "{message}");
    // A click in a lane seeks there, like the ruler.
    let (x, y) = {
        let r = review(h.state()).unwrap();
        let strip = r.data.drawn[0].1;
        (r.timeline.x_of(60.5).unwrap(), strip.center().y)
    };
    h.hover_at(Pos2::new(x, y));
    h.step();
    h.drag_at(Pos2::new(x, y));
    h.step();
    h.drop_at(Pos2::new(x, y));
    run_until(&mut h, "frame 60 shown", |a| shown(a) == Some(60));
    // Values over the video at 2.0 s.
    h.key_press_modifiers(Modifiers::ALT, Key::D);
    h.step();
    let r = review(h.state()).unwrap();
    assert!(r.data.overlay);
    let values = r.data.values_at(2_000_000_000, None, &[]);
    assert_eq!(
        (
            values[0].label.as_str(),
            values[0].value.as_str(),
            values[0].unit.as_str()
        ),
        ("HR", "131", "/min")
    );
    assert!(!values[0].outside, "131/min is above 100");
    // Pair the frame on screen with data time 0.5 s: the data moves 1.5 s earlier.
    h.get_by_label("Pair the frame on screen with data time (s)")
        .focus();
    h.get_by_label("Pair the frame on screen with data time (s)")
        .type_text("0.5");
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Add pair")
        .click();
    run_until(&mut h, "the pair", |a| {
        review(a).is_some_and(|r| r.data.pairs.len() == 1)
    });
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Align from 1 pair")
        .click();
    run_until(&mut h, "aligned", |a| {
        review(a).is_some_and(|r| r.data.sources[0].source.sync_source == "pairs")
    });
    let stored = |a: &DebriefApp| {
        let s = a.session.as_ref().unwrap();
        s.vault.data_sources(&rec).unwrap()[0].mapping
    };
    assert_eq!(stored(h.state()).offset_ns, -1_500_000_000);
    // Ctrl+Z puts the first guess back, in the vault too.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    run_until(&mut h, "undone", |a| {
        review(a).is_some_and(|r| r.data.sources[0].source.sync_source == "start")
    });
    assert_eq!(stored(h.state()).offset_ns, 0);
}
