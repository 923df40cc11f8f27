//! The video picture: one texture, uploaded once per new frame, drawn aspect-correct.

use std::sync::Arc;

use egui::{Color32, ColorImage, Rect, TextureHandle, TextureOptions, Vec2};

use crate::media::Frame;

/// How the picture is scaled into its area.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Zoom {
    /// As large as fits, aspect kept.
    #[default]
    Fit,
    /// One video pixel per screen point (cropped when larger than the area).
    Actual,
}

/// The displayed frame and its texture.
#[derive(Default)]
pub struct VideoView {
    texture: Option<TextureHandle>,
    /// Index and PTS of the frame in the texture: the playhead shows this, not the requested frame.
    pub shown: Option<(u64, i64)>,
    size: [usize; 2],
    /// Fit or 100 %.
    pub zoom: Zoom,
}

impl VideoView {
    /// Uploads `frame` (one texture upload per new frame).
    pub fn set_frame(&mut self, ctx: &egui::Context, frame: &Arc<Frame>) {
        let size = [frame.width as usize, frame.height as usize];
        let image = ColorImage::from_rgba_premultiplied(size, &frame.rgba);
        match self.texture.as_mut() {
            Some(tex) => tex.set(image, TextureOptions::LINEAR),
            None => self.texture = Some(ctx.load_texture("video", image, TextureOptions::LINEAR)),
        }
        self.size = size;
        self.shown = Some((frame.index, frame.pts_ns));
    }

    /// True once a frame is showing.
    pub fn has_frame(&self) -> bool {
        self.texture.is_some()
    }

    /// Draws the picture into all of `ui`'s available space; returns where it went.
    pub fn ui(&self, ui: &mut egui::Ui) -> egui::Response {
        let area = ui.available_rect_before_wrap();
        let response = ui.allocate_rect(area, egui::Sense::click());
        ui.painter().rect_filled(area, 0.0, Color32::BLACK);
        let Some(tex) = &self.texture else {
            ui.painter().text(
                area.center(),
                egui::Align2::CENTER_CENTER,
                "Loading video…",
                egui::FontId::proportional(18.0),
                Color32::GRAY,
            );
            return response;
        };
        let rect = self.picture_rect(area);
        let uv = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
        ui.painter()
            .with_clip_rect(area)
            .image(tex.id(), rect, uv, Color32::WHITE);
        response
    }
}

impl VideoView {
    /// Where the picture is drawn inside `area` (what [`VideoView::ui`] used).
    pub fn picture_rect(&self, area: Rect) -> Rect {
        let picture = Vec2::new(self.size[0] as f32, self.size[1] as f32);
        match self.zoom {
            Zoom::Fit => fit_rect(area, picture),
            Zoom::Actual => Rect::from_center_size(area.center(), picture),
        }
    }
}

/// The largest rect of `picture`'s aspect centred in `area`.
pub fn fit_rect(area: Rect, picture: Vec2) -> Rect {
    if picture.x <= 0.0 || picture.y <= 0.0 {
        return area;
    }
    let scale = (area.width() / picture.x).min(area.height() / picture.y);
    Rect::from_center_size(area.center(), picture * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_aspect() {
        let area = Rect::from_min_size(egui::pos2(0.0, 0.0), Vec2::new(1000.0, 500.0));
        let r = fit_rect(area, Vec2::new(1920.0, 1080.0));
        assert!((r.width() / r.height() - 16.0 / 9.0).abs() < 1e-3);
        assert!((r.height() - 500.0).abs() < 1e-3);
        assert!((r.center().x - 500.0).abs() < 1e-3);
    }
}
