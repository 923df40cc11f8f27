//! Transport: play/pause, steps, position, go-to field, rate, volume, clip range, zoom.

use egui::Key;

use super::{ReviewCmd, ReviewState};
use crate::app::video_view::Zoom;
use crate::media::{PlayState, PlayerCommand};
use crate::time::{self, Position};

/// Playback rates offered (pitch is kept).
const RATES: [f64; 8] = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0];

pub(super) fn transport_ui(ui: &mut egui::Ui, s: &mut ReviewState, cmds: &mut Vec<ReviewCmd>) {
    let last = s.info.frames().saturating_sub(1);
    ui.horizontal_wrapped(|ui| {
        let player = |c| ReviewCmd::Player(c);
        if ui
            .button("|<")
            .on_hover_text("First frame (Home)")
            .clicked()
        {
            cmds.push(player(PlayerCommand::GoToStart));
        }
        if ui
            .button("< 1")
            .on_hover_text("Back one frame (Left arrow)")
            .clicked()
        {
            cmds.push(player(PlayerCommand::Step(-1)));
        }
        let label = if s.play_state == PlayState::Playing {
            "Pause"
        } else {
            "Play"
        };
        if ui
            .button(label)
            .on_hover_text("Play / pause (Space)")
            .clicked()
        {
            cmds.push(player(PlayerCommand::TogglePlay));
        }
        if ui
            .button("1 >")
            .on_hover_text("Forward one frame (Right arrow)")
            .clicked()
        {
            cmds.push(player(PlayerCommand::Step(1)));
        }
        if ui.button(">|").on_hover_text("Last frame (End)").clicked() {
            cmds.push(player(PlayerCommand::GoToEnd));
        }
        ui.separator();
        let (index, pts) = s.view.shown.unwrap_or((0, 0));
        ui.monospace(format!("frame {index} / {last}"))
            .on_hover_text("The frame on screen");
        ui.monospace(time::timecode(index, s.info.rate));
        ui.monospace(time::clock_ms(pts));
        ui.separator();
        let label = ui.label("Go to");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut s.goto_text)
                    .desired_width(80.0)
                    .hint_text("frame, 1:02.5"),
            )
            .labelled_by(label.id);
        if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
            match time::parse_position(&s.goto_text, s.info.rate) {
                Some(Position::Frame(f)) => cmds.push(player(PlayerCommand::Seek(f))),
                Some(Position::Ns(ns)) => cmds.push(player(PlayerCommand::SeekNs(ns))),
                None => {
                    s.message = Some(format!(
                        "'{}' is not a frame number, timecode or time",
                        s.goto_text
                    ))
                }
            }
        }
        ui.separator();
        let mut rate = s.rate;
        egui::ComboBox::from_id_salt("review-rate")
            .selected_text(format!("{rate}×"))
            .width(64.0)
            .show_ui(ui, |ui| {
                for r in RATES {
                    ui.selectable_value(&mut rate, r, format!("{r}×"));
                }
            })
            .response
            .on_hover_text("Playback rate (pitch kept)");
        if rate != s.rate {
            s.rate = rate;
            cmds.push(player(PlayerCommand::SetRate(rate)));
        }
        if s.info.has_audio() {
            if ui.button(if s.muted { "Unmute" } else { "Mute" }).clicked() {
                s.muted = !s.muted;
                cmds.push(player(PlayerCommand::SetMute(s.muted)));
            }
            let mut volume = s.volume;
            ui.spacing_mut().slider_width = 80.0;
            if ui
                .add(egui::Slider::new(&mut volume, 0.0..=1.0).show_value(false))
                .on_hover_text("Volume")
                .changed()
            {
                s.volume = volume;
                cmds.push(player(PlayerCommand::SetVolume(volume)));
            }
        }
        ui.separator();
        let fmt = |f: Option<u64>| f.map_or("–".to_owned(), |f| f.to_string());
        ui.label(format!("Clip {} – {}", fmt(s.in_out.0), fmt(s.in_out.1)))
            .on_hover_text("Set with I and O");
        if ui
            .small_button("In")
            .on_hover_text("Clip starts at this frame (I)")
            .clicked()
        {
            cmds.push(ReviewCmd::SetIn);
        }
        if ui
            .small_button("Out")
            .on_hover_text("Clip ends at this frame (O)")
            .clicked()
        {
            cmds.push(ReviewCmd::SetOut);
        }
        if (s.in_out.0.is_some() || s.in_out.1.is_some()) && ui.small_button("Clear").clicked() {
            cmds.push(ReviewCmd::ClearInOut);
        }
        ui.separator();
        ui.selectable_value(&mut s.view.zoom, Zoom::Fit, "Fit")
            .on_hover_text("Fit the video in the window");
        ui.selectable_value(&mut s.view.zoom, Zoom::Actual, "100%")
            .on_hover_text("One video pixel per screen pixel");
        if ui.button("Full screen").on_hover_text("F11").clicked() {
            let full = ui.input(|i| i.viewport().fullscreen.unwrap_or(false));
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::Fullscreen(!full));
        }
    });
    if let Some(msg) = s.message.clone() {
        ui.horizontal(|ui| {
            ui.colored_label(ui.visuals().warn_fg_color, msg);
            if ui.small_button("Dismiss").clicked() {
                s.message = None;
            }
        });
    }
}
