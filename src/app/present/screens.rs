//! Moving the presentation between screens (`M`, the bar's "Screen N").

use std::time::{Duration, Instant};

use egui::Rect;

/// Moving the presentation between screens.
///
/// winit tells the app neither how many screens there are nor which one the
/// window is on; a request for a screen that does not exist is ignored. So a
/// request is watched: if the window has not moved within a second, that
/// screen does not exist and the count is known from then on.
#[derive(Default)]
pub struct Screens {
    /// The screen the presentation was last put on.
    pub current: Option<usize>,
    /// How many screens there are, once a request past the last one failed.
    pub count: Option<usize>,
    pending: Option<(usize, Option<Rect>, Instant)>,
    /// What the chair is told, and since when.
    pub notice: Option<(String, Instant)>,
}

impl Screens {
    /// The presentation starting on `monitor` (full screen there), or in a window.
    pub fn starting_on(monitor: Option<usize>) -> Self {
        Self {
            current: monitor,
            ..Self::default()
        }
    }

    /// The screen the next request goes to.
    pub fn next(&self) -> usize {
        let n = self.current.map_or(0, |c| c + 1);
        match self.count {
            Some(count) if n >= count => 0,
            _ => n,
        }
    }

    /// Asks for full screen on the next screen.
    pub fn advance(&mut self, ctx: &egui::Context) {
        let n = self.next();
        let before = ctx.input(|i| i.viewport().outer_rect);
        ctx.send_viewport_cmd(egui::ViewportCommand::SetMonitor(n));
        self.pending = Some((n, before, Instant::now()));
    }

    /// Watches a pending request; true while one is pending.
    pub(super) fn watch(&mut self, ctx: &egui::Context) -> bool {
        let Some((n, before, since)) = self.pending else {
            return false;
        };
        let now = ctx.input(|i| i.viewport().outer_rect);
        if now != before || n == 0 || since.elapsed() >= Duration::from_secs(1) {
            self.pending = None;
            let moved = now != before || n == 0;
            let text = if moved {
                self.current = Some(n);
                format!("Screen {}", n + 1)
            } else {
                self.count = Some(n);
                format!(
                    "There is no screen {}; staying on screen {}",
                    n + 1,
                    self.current.map_or(1, |c| c + 1)
                )
            };
            self.notice = Some((text, Instant::now()));
            return false;
        }
        true
    }
}
