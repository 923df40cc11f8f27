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
pub mod present;
pub mod review;
pub mod screenshot;
pub mod secret;
pub mod shortcuts;
pub mod timeline;
mod transport_controls;
pub mod unlock;
pub mod video_view;

pub use main_app::{AppOptions, DebriefApp};

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

/// A player for a screen: frames at most 2560×1440 (a screen shows no more;
/// smaller frames convert and upload faster), waking the window, on frame 0.
pub(crate) fn screen_player(
    source: crate::media::MediaSource,
    info: &std::sync::Arc<crate::media::MediaInfo>,
    wake: crate::media::player::Wake,
    audio: bool,
) -> Result<crate::media::Player, String> {
    let config = crate::media::PlayerConfig {
        wake: Some(wake),
        audio,
        max_size: Some((2560, 1440)),
        ..Default::default()
    };
    let player = crate::media::Player::open(source, std::sync::Arc::clone(info), config)
        .map_err(|e| format!("{e:#}"))?;
    player
        .send(crate::media::PlayerCommand::Seek(0))
        .map_err(|e| format!("{e:#}"))?;
    Ok(player)
}

/// The application id: the desktop entry's name, the Wayland app id and the
/// X11 window class, so the desktop shows the right icon and name.
pub const APP_ID: &str = "org.debrief.Debrief";

/// Window options shared by every Debrief window.
pub(crate) fn native_options(title: &str) -> eframe::NativeOptions {
    static ICON: &[u8] = include_bytes!("../packaging/linux/icons/256/org.debrief.Debrief.png");
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

/// Turns an eframe start-up failure into an actionable message.
pub(crate) fn window_error(err: eframe::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot open a window ({err}); on a machine without a display run the command under xvfb-run"
    )
}

/// Opens the application window and blocks until it closes.
pub fn run(options: AppOptions) -> anyhow::Result<()> {
    crate::media::preload_decoders();
    let mut shot_error = None;
    eframe::run_native(
        "debrief",
        native_options("Debrief"),
        Box::new(|cc| {
            let app = DebriefApp::new(&cc.egui_ctx, options);
            shot_error = app.screenshot_error();
            Ok(Box::new(app))
        }),
    )
    .map_err(window_error)?;
    if let Some(err) = shot_error.and_then(|e| e.lock().ok().and_then(|mut e| e.take())) {
        anyhow::bail!(err);
    }
    Ok(())
}
