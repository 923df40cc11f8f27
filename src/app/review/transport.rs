//! Transport: play/pause, steps, position, go-to field, rate, volume, clip range, zoom.

use super::{ReviewCmd, ReviewState};
use crate::app::transport_controls::Shown;
use crate::app::video_view::Zoom;

pub(super) fn transport_ui(ui: &mut egui::Ui, s: &mut ReviewState, cmds: &mut Vec<ReviewCmd>) {
    ui.horizontal_wrapped(|ui| {
        let shown = Shown {
            playing: s.host.playing(),
            frame: s.host.view.shown,
            frames: s.host.info.frames(),
            rate: s.host.info.rate,
            speed: s.host.rate,
            has_audio: s.host.info.has_audio(),
            frame_detail: s.views.frames_text(s.host.shown_frame()),
        };
        if let Some(message) = s
            .transport
            .ui(ui, &shown, &mut |c| cmds.push(ReviewCmd::Player(c)))
        {
            s.message = Some(message);
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
        ui.selectable_value(&mut s.host.view.zoom, Zoom::Fit, "Fit")
            .on_hover_text("Fit the video in the window");
        ui.selectable_value(&mut s.host.view.zoom, Zoom::Actual, "100%")
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
