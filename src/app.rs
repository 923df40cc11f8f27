//! The desktop application (eframe/egui). The only module that uses egui.
//!
//! Windows talk to the engine through its facades (`media::Player`,
//! `vault::Vault`): UI code collects commands while laying out, and one place
//! per frame applies them. Repaints happen on demand: when the player wakes
//! us with a new frame, on input, or while something is pending.

pub mod codebooks;
pub mod library;
pub mod main_app;
pub mod opening;
pub mod packages;
pub mod play_window;
pub mod player_host;
pub mod present;
pub mod record;
pub mod review;
pub mod screenshot;
pub mod secret;
pub mod shortcuts;
pub mod timeline;
mod transport_controls;
pub mod unlock;
pub mod video_view;
pub mod window;

pub use main_app::{AppOptions, DebriefApp};
pub use window::APP_ID;

/// A player waker that repaints the window whose context lands in `cell`.
pub(crate) fn repaint_waker(
    cell: &std::sync::Arc<std::sync::OnceLock<egui::Context>>,
) -> crate::media::player::Wake {
    let cell = std::sync::Arc::clone(cell);
    std::sync::Arc::new(move || {
        if let Some(ctx) = cell.get() {
            ctx.request_repaint();
        }
    })
}

/// Opens the application window and blocks until it closes.
pub fn run(options: AppOptions) -> anyhow::Result<()> {
    let screenshot = options.screenshot.clone();
    window::run(window::native_options("Debrief"), screenshot, |ctx| {
        DebriefApp::new(ctx, options)
    })
}
