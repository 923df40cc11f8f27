//! What the room sees: the playlist, the annotation strip, the picture with
//! its overlays (annotations, the large counter, the drawing), the control
//! bar and the key sheet. Everything here only sends [`PresentCmd`]s.

use egui::{Color32, FontId, Pos2, Rect, Vec2};

use super::keys::{KEYS, PresentCmd};
use super::screens::Screens;
use super::show::Show;
use crate::app::shortcuts;
use crate::media::PlayState;

impl Show {
    pub(super) fn playlist_ui(&self, ui: &mut egui::Ui, cmds: &mut Vec<PresentCmd>) {
        ui.heading(&self.manifest.title);
        ui.label(format!(
            "{} clips · shown until {}",
            self.manifest.clips.len(),
            self.manifest.expires
        ));
        ui.separator();
        for (i, clip) in self.manifest.clips.iter().enumerate() {
            let secs = clip.duration_ms as f64 / 1000.0;
            let title = if clip.title.is_empty() {
                format!("Clip {}", i + 1)
            } else {
                clip.title.clone()
            };
            let text = format!(
                "{}. {title}\n{}:{:04.1} · {} annotations{}",
                i + 1,
                (secs / 60.0) as u64,
                secs % 60.0,
                clip.annotations.len(),
                if clip.deidentification.audio == "disguise" {
                    " · voice obscured"
                } else {
                    ""
                }
            );
            if ui.selectable_label(i == self.clip, text).clicked() {
                cmds.push(PresentCmd::OpenClip(i));
            }
        }
    }

    pub(super) fn strip_ui(&self, ui: &mut egui::Ui, cmds: &mut Vec<PresentCmd>) {
        ui.strong("Annotations");
        let here = self.shown_frame();
        for a in self.annotations() {
            let active = a.start_frame <= here && a.end_frame.unwrap_or(a.start_frame) >= here;
            let colour = self.colour(&a.code);
            ui.horizontal(|ui| {
                let (r, _) = ui.allocate_exact_size(Vec2::new(10.0, 14.0), egui::Sense::hover());
                ui.painter().rect_filled(r, 2.0, colour);
                let text = format!("{}  frame {}", a.label, a.start_frame);
                let label = if active {
                    egui::RichText::new(text).strong()
                } else {
                    egui::RichText::new(text)
                };
                if ui.selectable_label(active, label).clicked() {
                    cmds.push(PresentCmd::Seek(a.start_frame));
                }
            });
        }
    }

    pub(super) fn picture_ui(&mut self, ui: &mut egui::Ui) {
        let here = self.shown_frame();
        let paused = self.state() != PlayState::Playing;
        let Some(host) = self.host.as_mut() else {
            return;
        };
        let response = host.view.ui(ui);
        let picture = host.view.picture_rect(response.rect);
        let rate = host.info.rate;
        let painter = ui.painter().with_clip_rect(response.rect);
        if !self.strip {
            let mut y = picture.min.y + 12.0;
            for a in self.annotations() {
                if a.start_frame <= here && a.end_frame.unwrap_or(a.start_frame) >= here {
                    let colour = self.colour(&a.code);
                    let galley = painter.layout_no_wrap(
                        a.label.clone(),
                        FontId::proportional(26.0),
                        Color32::WHITE,
                    );
                    let r = Rect::from_min_size(
                        Pos2::new(picture.min.x + 12.0, y),
                        galley.size() + Vec2::new(16.0, 8.0),
                    );
                    painter.rect_filled(r, 4.0, colour.gamma_multiply(0.85));
                    painter.galley(r.min + Vec2::new(8.0, 4.0), galley, Color32::WHITE);
                    y += r.height() + 6.0;
                }
            }
        }
        if self.big_counter {
            let text = format!("frame {here}   {}", crate::time::timecode(here, rate));
            let galley = painter.layout_no_wrap(text, FontId::monospace(44.0), Color32::WHITE);
            let r = Rect::from_min_size(
                Pos2::new(
                    picture.max.x - galley.size().x - 36.0,
                    picture.max.y - galley.size().y - 36.0,
                ),
                galley.size() + Vec2::new(24.0, 16.0),
            );
            painter.rect_filled(r, 6.0, Color32::from_black_alpha(190));
            painter.galley(r.min + Vec2::new(12.0, 8.0), galley, Color32::WHITE);
        }
        // Telestration on the paused frame.
        self.drawing.ui(ui, picture, here, paused);
    }

    pub(super) fn control_bar(
        &self,
        ctx: &egui::Context,
        screens: &Screens,
        cmds: &mut Vec<PresentCmd>,
    ) {
        let playing = self.state() == PlayState::Playing;
        let hint = |cmd: PresentCmd, what: &str| shortcuts::hint(ctx, KEYS, &cmd, what);
        egui::Area::new(egui::Id::unique("present-controls"))
            .anchor(egui::Align2::CENTER_BOTTOM, Vec2::new(0.0, -16.0))
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.horizontal(|ui| {
                        let buttons = [
                            ("|< Clip", PresentCmd::PreviousClip, "Previous clip"),
                            ("< 1", PresentCmd::FrameBack, "One frame back"),
                            (
                                if playing { "Pause" } else { "Play" },
                                PresentCmd::TogglePlay,
                                "Play / pause",
                            ),
                            ("1 >", PresentCmd::FrameForward, "One frame forward"),
                            ("Clip >|", PresentCmd::NextClip, "Next clip"),
                        ];
                        for (label, cmd, what) in buttons {
                            if ui.button(label).on_hover_text(hint(cmd, what)).clicked() {
                                cmds.push(cmd);
                            }
                        }
                        ui.separator();
                        for (label, rate) in [("1×", 1.0), ("0.5×", 0.5), ("0.25×", 0.25)] {
                            if ui
                                .selectable_label((self.rate() - rate).abs() < 1e-6, label)
                                .on_hover_text(hint(PresentCmd::Rate(rate), "Speed"))
                                .clicked()
                            {
                                cmds.push(PresentCmd::Rate(rate));
                            }
                        }
                        ui.separator();
                        let toggles = [
                            (
                                self.looping,
                                "Loop",
                                PresentCmd::ToggleLoop,
                                "Loop the I–O range",
                            ),
                            (
                                self.big_counter,
                                "Counter",
                                PresentCmd::Counter,
                                "Large frame counter",
                            ),
                            (
                                self.strip,
                                "Strip",
                                PresentCmd::Strip,
                                "Annotations beside the video, else over it",
                            ),
                        ];
                        for (mut on, label, cmd, what) in toggles {
                            if ui
                                .checkbox(&mut on, label)
                                .on_hover_text(hint(cmd, what))
                                .changed()
                            {
                                cmds.push(cmd);
                            }
                        }
                        let screen = hint(
                            PresentCmd::NextScreen,
                            "Full screen on the next screen, e.g. the projector",
                        );
                        if ui
                            .button(format!("Screen {}", screens.next() + 1))
                            .on_hover_text(screen)
                            .clicked()
                        {
                            cmds.push(PresentCmd::NextScreen);
                        }
                        if ui
                            .button("Keys")
                            .on_hover_text(hint(PresentCmd::Keys, "All the keys"))
                            .clicked()
                        {
                            cmds.push(PresentCmd::Keys);
                        }
                        if let Some(host) = &self.host {
                            ui.monospace(format!(
                                "{} / {}",
                                self.shown_frame(),
                                host.info.frames().saturating_sub(1)
                            ));
                        }
                    });
                });
            });
    }

    pub(super) fn key_sheet(ctx: &egui::Context) {
        egui::Window::new("Presenter keys")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, Vec2::ZERO)
            .show(ctx, |ui| shortcuts::sheet_ui(ui, KEYS, &[]));
    }
}
