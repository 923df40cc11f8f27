//! The desktop application (eframe/egui). The only module that uses egui.
//!
//! Windows talk to the engine through its facades (`media::Player` now, the
//! vault later): UI code collects commands while laying out, and one place per
//! frame applies them. Repaints happen on demand: when the player wakes us
//! with a new frame, on input, or while something is pending.

pub mod play_window;
pub mod screenshot;
pub mod video_view;

/// Window options shared by every Debrief window.
pub(crate) fn native_options(title: &str) -> eframe::NativeOptions {
    eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(title)
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([640.0, 400.0])
            .with_app_id("debrief"),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    }
}

/// Turns an eframe start-up failure into an actionable message.
pub(crate) fn window_error(err: eframe::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot open a window ({err}); on a machine without a display run the command under xvfb-run"
    )
}
