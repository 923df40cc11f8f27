//! The Record screen (instructors) and the REC banner.
//!
//! ```text
//! library "Record…" ─► RecordSetup: cameras, microphone, purpose, the policy's "do not record"
//!                      list (confirmed), who is present (the staff roster), deferred consent
//!        Start ─► capture::Recorder (Vault::check_before_recording refuses by name) ─► LiveRecording
//! every screen while recording: red banner "REC 00:01:23", Pause (F9), Privacy (F10), Stop (F12)
//! Stop (or a limit) ─► sealing on a thread ─► the library, with the new recording
//! ```
//!
//! The recording belongs to the session, not to a screen: the library and the
//! review stay usable while it runs, with the banner on top. Idle lock waits
//! while recording; Lock and quitting stop it first (sealed, nothing lost).

use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Duration;

use egui::{Color32, Key, KeyboardShortcut, Modifiers, RichText};

use super::shortcuts::{self, Binding};
use crate::capture::{CameraSpec, MicSpec, RecordOptions, Recorder, StopReason};
use crate::model::Purpose;
use crate::model::policy::RecordingRules;
use crate::vault::{BeforeRecording, Captured, StaffMember, Vault, VaultError};

/// What the banner's keys do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordCmd {
    /// Pause or resume (nothing is captured while paused).
    Pause,
    /// Privacy on or off (black pictures, no sound, the timeline runs on).
    Privacy,
    /// Stop and seal.
    Stop,
}

/// The recording keys: they work on every screen while recording.
pub const KEYS: &[Binding<RecordCmd>] = &[
    (
        RecordCmd::Pause,
        KeyboardShortcut::new(Modifiers::NONE, Key::F9),
        "Recording: pause / resume",
    ),
    (
        RecordCmd::Privacy,
        KeyboardShortcut::new(Modifiers::NONE, Key::F10),
        "Recording: privacy (black picture, no sound) on / off",
    ),
    (
        RecordCmd::Stop,
        KeyboardShortcut::new(Modifiers::NONE, Key::F12),
        "Recording: stop and seal",
    ),
];

/// One camera row of the setup.
#[derive(Clone, Debug)]
pub struct CameraRow {
    /// `test`, `v4l2:/dev/videoN` or `rtsp://…`.
    pub spec: String,
    /// Its label.
    pub label: String,
}

/// The Record screen before recording starts.
pub struct RecordSetup {
    /// The case recorded into.
    pub case_id: String,
    /// Its title (shown).
    pub case_title: String,
    /// Cameras, the reference first.
    pub cameras: Vec<CameraRow>,
    /// `test`, `default`, `pulse:NAME`, or empty for none.
    pub mic: String,
    /// Why it is recorded.
    pub purpose: Purpose,
    /// Roster ids ticked as present.
    pub present: BTreeSet<String>,
    /// Record under deferred consent.
    pub deferred: bool,
    /// The "do not record" list confirmed.
    pub confirmed: bool,
    /// The unit's roster.
    pub roster: Vec<StaffMember>,
    /// The policy's recording rules.
    pub rules: RecordingRules,
    /// The last refusal, in words.
    pub message: Option<String>,
}

/// What the setup asks of the app.
pub enum SetupAction {
    /// Back to the library.
    Close,
    /// Start with these options.
    Start(Box<RecordOptions>),
}

impl RecordSetup {
    /// The setup for a case, with one test camera and the test tone (the
    /// demo's; a workstation picks its own devices).
    pub fn new(vault: &Vault, case_id: &str, case_title: &str) -> Self {
        Self {
            case_id: case_id.to_owned(),
            case_title: case_title.to_owned(),
            cameras: vec![
                CameraRow {
                    spec: "test".into(),
                    label: "overhead".into(),
                },
                CameraRow {
                    spec: "test".into(),
                    label: "team".into(),
                },
            ],
            mic: "test".into(),
            purpose: Purpose::QualityImprovement,
            present: BTreeSet::new(),
            deferred: false,
            confirmed: false,
            roster: vault.staff().unwrap_or_default(),
            rules: vault.policy().recording.clone(),
            message: None,
        }
    }

    /// The options the setup describes, or what is wrong with it.
    pub fn options(&self) -> Result<RecordOptions, String> {
        let cameras = self
            .cameras
            .iter()
            .map(|row| {
                let spec: CameraSpec = row.spec.trim().parse()?;
                let label = row.label.trim();
                Ok((spec, (!label.is_empty()).then(|| label.to_owned())))
            })
            .collect::<Result<Vec<_>, String>>()?;
        if cameras.is_empty() {
            return Err("add a camera".into());
        }
        let mut options = RecordOptions::new(&self.case_id, cameras);
        options.purpose = self.purpose;
        options.mic = match self.mic.trim() {
            "" => None,
            text => Some(text.parse::<MicSpec>()?),
        };
        options.max_length = Duration::from_secs(u64::from(self.rules.max_minutes.max(1)) * 60);
        options.reserve_bytes = u64::from(self.rules.disk_reserve_mib) << 20;
        options.before = BeforeRecording {
            present: self.present.iter().cloned().collect(),
            deferred_consent: self.deferred,
            confirmed_not_listed: self.confirmed,
        };
        Ok(options)
    }

    /// Lays the screen out.
    pub fn ui(&mut self, ui: &mut egui::Ui, today: chrono::NaiveDate) -> Option<SetupAction> {
        let mut action = None;
        egui::Panel::top("record-top").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Record");
                ui.label(RichText::new(&self.case_title).strong());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button("Back to the library").clicked() {
                        action = Some(SetupAction::Close);
                    }
                });
            });
        });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                self.sources_ui(ui);
                ui.separator();
                self.rules_ui(ui, today);
                ui.separator();
                let ready = self.confirmed || self.rules.do_not_record.is_empty();
                ui.horizontal(|ui| {
                    let start = ui
                        .add_enabled(
                            ready,
                            egui::Button::new(
                                RichText::new("Start recording")
                                    .strong()
                                    .color(Color32::from_rgb(0xd0, 0x20, 0x20)),
                            ),
                        )
                        .on_disabled_hover_text(
                            "Confirm the situation is none the unit never records",
                        );
                    if start.clicked() {
                        match self.options() {
                            Ok(options) => action = Some(SetupAction::Start(Box::new(options))),
                            Err(e) => self.message = Some(e),
                        }
                    }
                    ui.label(
                        RichText::new(format!(
                            "Stops by itself after {} minutes or when the disk is nearly full. \
                             Encrypted from the first byte.",
                            self.rules.max_minutes
                        ))
                        .weak(),
                    );
                });
                if let Some(msg) = &self.message {
                    ui.colored_label(ui.visuals().error_fg_color, msg);
                }
            });
        });
        action
    }

    fn sources_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("Cameras");
        ui.label(
            RichText::new(
                "test (a test pattern), v4l2:/dev/video0, or rtsp://camera/stream. The first is \
                 the reference; all are recorded on one clock, in step.",
            )
            .weak(),
        );
        let mut remove = None;
        for (i, row) in self.cameras.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                let label = ui.label(format!("Camera {}", i + 1));
                ui.add(
                    egui::TextEdit::singleline(&mut row.spec)
                        .desired_width(280.0)
                        .hint_text("test"),
                )
                .labelled_by(label.id);
                let named = ui.label("label");
                ui.add(
                    egui::TextEdit::singleline(&mut row.label)
                        .desired_width(140.0)
                        .hint_text("overhead, team, monitor"),
                )
                .labelled_by(named.id);
                if ui.small_button("Remove").clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            self.cameras.remove(i);
        }
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    self.cameras.len() < crate::vault::MAX_VIEWS,
                    egui::Button::new("Add camera"),
                )
                .clicked()
            {
                self.cameras.push(CameraRow {
                    spec: "test".into(),
                    label: String::new(),
                });
            }
            let label = ui.label("Microphone");
            ui.add(
                egui::TextEdit::singleline(&mut self.mic)
                    .desired_width(160.0)
                    .hint_text("none"),
            )
            .labelled_by(label.id)
            .on_hover_text("test, default, pulse:SOURCE, or empty for none");
            egui::ComboBox::from_label("Purpose")
                .selected_text(self.purpose.as_str())
                .show_ui(ui, |ui| {
                    for p in Purpose::ALL {
                        ui.selectable_value(&mut self.purpose, *p, p.as_str());
                    }
                });
        });
    }

    fn rules_ui(&mut self, ui: &mut egui::Ui, today: chrono::NaiveDate) {
        if !self.rules.do_not_record.is_empty() {
            ui.strong("The unit never records");
            for item in &self.rules.do_not_record {
                ui.label(format!("• {item}"));
            }
            ui.checkbox(&mut self.confirmed, "This situation is none of these");
            ui.add_space(6.0);
        }
        ui.strong("Who is present");
        ui.label(
            RichText::new(
                "Tick everyone in the room. Recording starts only when each has standing consent; \
                 anyone else must leave the cameras' view.",
            )
            .weak(),
        );
        let current: Vec<&StaffMember> = self
            .roster
            .iter()
            .filter(|m| m.withdrawn_at.is_none())
            .collect();
        if current.is_empty() {
            ui.label("No one is on the staff roster (debrief staff add).");
        }
        for m in current {
            let holds = chrono::NaiveDate::parse_from_str(&m.expires_on, "%Y-%m-%d")
                .is_ok_and(|end| end >= today);
            let mut ticked = self.present.contains(&m.id);
            let text = if holds {
                format!(
                    "{} ({}), consent through {}",
                    m.name, m.team_role, m.expires_on
                )
            } else {
                format!(
                    "{} ({}), consent expired {}",
                    m.name, m.team_role, m.expires_on
                )
            };
            if ui.checkbox(&mut ticked, text).changed() {
                if ticked {
                    self.present.insert(m.id.clone());
                } else {
                    self.present.remove(&m.id);
                }
            }
        }
        ui.add_space(6.0);
        if self.rules.deferred_consent_days > 0 {
            ui.checkbox(
                &mut self.deferred,
                format!(
                    "Deferred consent (emergency): the patient or family has not consented yet; \
                     without their consent within {} days the recording is deleted",
                    self.rules.deferred_consent_days
                ),
            );
        }
    }
}

/// A recording running, or being sealed.
pub struct LiveRecording {
    recorder: Option<Recorder>,
    sealing: Option<Receiver<Result<(Captured, StopReason), VaultError>>>,
    /// What happened, for the library once sealed.
    pub finished: Option<String>,
}

impl LiveRecording {
    /// Takes over a started recorder.
    pub fn new(recorder: Recorder) -> Self {
        Self {
            recorder: Some(recorder),
            sealing: None,
            finished: None,
        }
    }

    /// True until the recording is sealed (or failed).
    pub fn running(&self) -> bool {
        self.recorder.is_some() || self.sealing.is_some()
    }

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        self.recorder.as_ref().is_some_and(Recorder::is_paused)
    }

    /// True while the pictures are blacked out.
    pub fn is_private(&self) -> bool {
        self.recorder.as_ref().is_some_and(Recorder::is_private)
    }

    /// Acts on a key or a banner button.
    pub fn apply(&mut self, cmd: RecordCmd) {
        let Some(recorder) = self.recorder.as_mut() else {
            return;
        };
        let result = match cmd {
            RecordCmd::Pause => {
                let pause = !recorder.is_paused();
                recorder.set_paused(pause)
            }
            RecordCmd::Privacy => {
                let on = !recorder.is_private();
                recorder.set_privacy(on)
            }
            RecordCmd::Stop => {
                self.stop();
                Ok(())
            }
        };
        if let Err(e) = result {
            self.finished = Some(format!("Recording: {e}"));
        }
    }

    /// Stops and seals on a thread.
    pub fn stop(&mut self) {
        if let Some(recorder) = self.recorder.take() {
            let (tx, rx) = std::sync::mpsc::channel();
            let spawned = std::thread::Builder::new()
                .name("capture-seal".into())
                .spawn(move || {
                    let _ = tx.send(recorder.stop());
                });
            match spawned {
                Ok(_) => self.sealing = Some(rx),
                Err(e) => self.finished = Some(format!("Stopping the recording failed: {e}")),
            }
        }
    }

    /// Stops and waits until sealed (locking, quitting).
    pub fn stop_and_wait(&mut self) {
        self.stop();
        while self.sealing.is_some() {
            self.poll();
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Checks the limits and the sealing; true when the recording just ended.
    pub fn poll(&mut self) -> bool {
        if let Some(recorder) = self.recorder.as_mut()
            && recorder.poll().is_some()
        {
            self.stop();
        }
        let Some(rx) = &self.sealing else {
            return false;
        };
        let result = match rx.try_recv() {
            Ok(result) => result,
            Err(TryRecvError::Empty) => return false,
            Err(TryRecvError::Disconnected) => Err(VaultError::Invalid(
                "the recording thread ended without sealing".into(),
            )),
        };
        self.sealing = None;
        self.finished = Some(match result {
            Ok((captured, reason)) => {
                let why = match reason {
                    StopReason::Asked => String::new(),
                    other => format!(" (stopped by itself: {other})"),
                };
                format!(
                    "Recorded {} ({} frames, {} camera(s)){why}.",
                    captured.length_text(),
                    captured.frames,
                    captured.views.len()
                )
            }
            Err(e) => format!("Recording failed: {e}"),
        });
        true
    }

    /// The red banner, on every screen.
    pub fn banner(&mut self, ui: &mut egui::Ui) {
        let red = Color32::from_rgb(0xb0, 0x10, 0x10);
        let mut clicked = None;
        egui::Panel::top("rec-banner")
            .frame(egui::Frame::default().fill(red).inner_margin(6.0))
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    let white = |t: String| RichText::new(t).color(Color32::WHITE).strong();
                    match &self.recorder {
                        Some(recorder) => {
                            let s = recorder.elapsed().as_secs();
                            // A white dot (the fonts have no record symbol).
                            let (dot, _) = ui
                                .allocate_exact_size(egui::vec2(14.0, 14.0), egui::Sense::hover());
                            ui.painter()
                                .circle_filled(dot.center(), 6.0, Color32::WHITE);
                            ui.label(white(format!(
                                "REC {:02}:{:02}:{:02}",
                                s / 3600,
                                s / 60 % 60,
                                s % 60
                            )));
                            if recorder.is_paused() {
                                ui.label(white("PAUSED: nothing is recorded".into()));
                            }
                            if recorder.is_private() {
                                ui.label(white("PRIVACY: picture black, sound off".into()));
                            }
                            for (camera, at) in recorder.lost() {
                                let s = at.as_secs();
                                ui.label(white(format!(
                                    "{camera} lost at {:02}:{:02}:{:02}",
                                    s / 3600,
                                    s / 60 % 60,
                                    s % 60
                                )));
                            }
                            let ctx = ui.ctx().clone();
                            for (cmd, text) in [
                                (
                                    RecordCmd::Pause,
                                    if recorder.is_paused() {
                                        "Resume"
                                    } else {
                                        "Pause"
                                    },
                                ),
                                (
                                    RecordCmd::Privacy,
                                    if recorder.is_private() {
                                        "Privacy off"
                                    } else {
                                        "Privacy"
                                    },
                                ),
                                (RecordCmd::Stop, "Stop"),
                            ] {
                                if ui
                                    .button(text)
                                    .on_hover_text(shortcuts::hint(&ctx, KEYS, &cmd, text))
                                    .clicked()
                                {
                                    clicked = Some(cmd);
                                }
                            }
                        }
                        None => {
                            ui.spinner();
                            ui.label(white("Sealing the recording…".into()));
                        }
                    }
                });
            });
        if let Some(cmd) = clicked {
            self.apply(cmd);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recording keys work on every screen: none may mean something else there.
    #[test]
    fn the_recording_keys_are_their_own() {
        assert_eq!(shortcuts::table_problems(KEYS), Vec::<String>::new());
        for (_, key, what) in KEYS {
            for (_, other, meaning) in shortcuts::BINDINGS {
                assert_ne!(key, other, "{what} is also the review's {meaning}");
            }
            for (_, other, meaning) in crate::app::play_window::KEYS {
                assert_ne!(key, other, "{what} is also the player's {meaning}");
            }
        }
    }

    #[test]
    fn the_setup_refuses_a_camera_it_cannot_name() {
        let mut setup = RecordSetup {
            case_id: "c".into(),
            case_title: "t".into(),
            cameras: vec![CameraRow {
                spec: "webcam".into(),
                label: "x".into(),
            }],
            mic: String::new(),
            purpose: Purpose::Education,
            present: BTreeSet::new(),
            deferred: false,
            confirmed: true,
            roster: Vec::new(),
            rules: RecordingRules::default(),
            message: None,
        };
        let err = setup.options().map(|_| ()).unwrap_err();
        assert!(err.contains("not a camera"), "{err}");
        setup.cameras[0].spec = " v4l2:/dev/video0 ".into();
        setup.mic = "pulse:usb".into();
        let options = setup.options().unwrap();
        assert_eq!(options.cameras[0].0, CameraSpec::V4l2("/dev/video0".into()));
        assert_eq!(options.mic, Some(MicSpec::Pulse(Some("usb".into()))));
        assert!(options.before.confirmed_not_listed);
        assert_eq!(options.max_length, Duration::from_secs(60 * 60));
    }
}
