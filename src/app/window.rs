//! One way to open a window: the options every Debrief window shares, the
//! message when no window can open, and `--screenshot` for any of them.
//!
//! A window is an [`eframe::App`] that also says when what it shows is worth a
//! picture ([`Window::ready`]). [`run`] wraps it so that, in screenshot mode,
//! the picture is taken after the window's own `logic`, once it is ready, and
//! a failure to save it becomes the command's error.

use std::path::PathBuf;

use super::screenshot::Screenshot;

/// The application id: the desktop entry's name, the Wayland app id and the
/// X11 window class, so the desktop shows the right icon and name.
pub const APP_ID: &str = "org.debrief.Debrief";

/// A Debrief window.
pub trait Window: eframe::App {
    /// What the window shows is worth a screenshot: its picture is up, or an
    /// error says why there is none.
    fn ready(&self) -> bool {
        true
    }
}

/// Window options shared by every Debrief window.
pub fn native_options(title: &str) -> eframe::NativeOptions {
    static ICON: &[u8] = include_bytes!("../../packaging/linux/icons/256/org.debrief.Debrief.png");
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(title)
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([640.0, 400.0])
        .with_app_id(APP_ID)
        .with_drag_and_drop(true);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON) {
        viewport = viewport.with_icon(icon);
    }
    eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    }
}

/// Opens a window made by `make` and blocks until it closes. With
/// `screenshot` (a PNG and the frames to render first), saves the window there
/// once it is ready and closes it.
pub fn run<W: Window + 'static>(
    native: eframe::NativeOptions,
    screenshot: Option<(PathBuf, u32)>,
    make: impl FnOnce(&egui::Context) -> W,
) -> anyhow::Result<()> {
    crate::media::preload_decoders();
    let shot = screenshot.map(|(path, frames)| Screenshot::new(&path, frames));
    let shot_error = shot.as_ref().map(|s| std::sync::Arc::clone(&s.error));
    eframe::run_native(
        "debrief",
        native,
        Box::new(move |cc| {
            let window = make(&cc.egui_ctx);
            cc.egui_ctx.request_repaint();
            Ok(Box::new(Shooting { window, shot }))
        }),
    )
    .map_err(|err| {
        anyhow::anyhow!(
            "cannot open a window ({err}); on a machine without a display run the command \
             under xvfb-run"
        )
    })?;
    if let Some(err) = shot_error.and_then(|e| e.lock().ok().and_then(|mut e| e.take())) {
        anyhow::bail!(err);
    }
    Ok(())
}

/// A window, and the screenshot it is to leave behind.
struct Shooting<W> {
    window: W,
    shot: Option<Screenshot>,
}

impl<W: Window> eframe::App for Shooting<W> {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        self.window.logic(ctx, frame);
        if let Some(shot) = self.shot.as_mut() {
            shot.tick(ctx, self.window.ready());
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.window.ui(ui, frame);
    }
}
