//! The transport controls both windows show: first/step/play/step/last,
//! the displayed frame's number and times, a go-to field, rate and volume.
//!
//! The controls only report [`PlayerCommand`]s; the window sends them.

use egui::Key;

use crate::media::PlayerCommand;
use crate::time::{self, FrameRate, Position};

/// Playback rates offered, slowest first (pitch is kept).
pub(crate) const RATES: [f64; 8] = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0];

/// What the controls edit, mirrored from the player's events.
pub(crate) struct Transport {
    /// The go-to field's text.
    pub goto_text: String,
    /// Volume, 0–1.
    pub volume: f64,
    /// Sound muted.
    pub muted: bool,
}

impl Default for Transport {
    fn default() -> Self {
        Self {
            goto_text: String::new(),
            volume: 1.0,
            muted: false,
        }
    }
}

/// What the controls are showing.
pub(crate) struct Shown {
    /// Playing (the button offers Pause).
    pub playing: bool,
    /// The displayed frame's index and PTS.
    pub frame: Option<(u64, i64)>,
    /// Frames in the recording.
    pub frames: u64,
    /// Its frame rate.
    pub rate: FrameRate,
    /// The playback rate, as the player last confirmed it.
    pub speed: f64,
    /// Volume controls are shown only for recordings with sound.
    pub has_audio: bool,
    /// Lines added to the frame counter's hover text (each camera view's own frame).
    pub frame_detail: Option<String>,
}

impl Transport {
    /// Lays the controls out in the current row. Returns a message when the
    /// go-to field holds something that is not a position.
    pub(crate) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        shown: &Shown,
        send: &mut dyn FnMut(PlayerCommand),
    ) -> Option<String> {
        let mut message = None;
        let buttons = [
            ("|<", "First frame (Home)", PlayerCommand::GoToStart),
            (
                "< 1",
                "Back one frame (Left arrow)",
                PlayerCommand::Step(-1),
            ),
            (
                if shown.playing { "Pause" } else { "Play" },
                "Play / pause (Space)",
                PlayerCommand::TogglePlay,
            ),
            (
                "1 >",
                "Forward one frame (Right arrow)",
                PlayerCommand::Step(1),
            ),
            (">|", "Last frame (End)", PlayerCommand::GoToEnd),
        ];
        for (label, hover, command) in buttons {
            if ui.button(label).on_hover_text(hover).clicked() {
                send(command);
            }
        }
        ui.separator();
        let (index, pts) = shown.frame.unwrap_or((0, 0));
        let last = shown.frames.saturating_sub(1);
        ui.monospace(format!("frame {index} / {last}"))
            .on_hover_text(match &shown.frame_detail {
                Some(detail) => format!("The frame on screen\n{detail}"),
                None => "The frame on screen".into(),
            });
        ui.monospace(time::timecode(index, shown.rate));
        ui.monospace(time::clock_ms(pts))
            .on_hover_text("Time of the displayed frame");
        ui.separator();
        let label = ui.label("Go to");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut self.goto_text)
                    .desired_width(80.0)
                    .hint_text("frame, 1:02.5"),
            )
            .labelled_by(label.id);
        if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
            match time::parse_position(&self.goto_text, shown.rate) {
                Some(Position::Frame(f)) => send(PlayerCommand::Seek(f)),
                Some(Position::Ns(ns)) => send(PlayerCommand::SeekNs(ns)),
                None => {
                    message = Some(format!(
                        "'{}' is not a frame number, timecode or time",
                        self.goto_text
                    ))
                }
            }
        }
        ui.separator();
        let mut rate = shown.speed;
        egui::ComboBox::from_id_salt("transport-rate")
            .selected_text(format!("{rate}×"))
            .width(64.0)
            .show_ui(ui, |ui| {
                for r in RATES {
                    ui.selectable_value(&mut rate, r, format!("{r}×"));
                }
            })
            .response
            .on_hover_text("Playback rate (pitch kept)");
        if rate != shown.speed {
            send(PlayerCommand::SetRate(rate));
        }
        if shown.has_audio {
            let mute = if self.muted { "Unmute" } else { "Mute" };
            if ui
                .button(mute)
                .on_hover_text("Mute or unmute the sound")
                .clicked()
            {
                self.muted = !self.muted;
                send(PlayerCommand::SetMute(self.muted));
            }
            let mut volume = self.volume;
            ui.spacing_mut().slider_width = 80.0;
            if ui
                .add(egui::Slider::new(&mut volume, 0.0..=1.0).show_value(false))
                .on_hover_text("Volume")
                .changed()
            {
                self.volume = volume;
                send(PlayerCommand::SetVolume(volume));
            }
        }
        message
    }
}
