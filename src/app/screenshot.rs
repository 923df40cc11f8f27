//! `--screenshot F.png`: render, save the window as PNG, exit.
//!
//! For docs and for checks under Xvfb. The window renders a few frames first
//! (and waits for whatever it is showing to be ready), then asks the
//! renderer for the image of the next frame and closes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egui::ColorImage;

/// Longest a screenshot waits for the window's content to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// State of one pending screenshot.
pub struct Screenshot {
    path: PathBuf,
    after_frames: u32,
    frames: u32,
    started: Instant,
    requested: bool,
    image: Arc<Mutex<Option<Arc<ColorImage>>>>,
    /// What went wrong saving it (reported at exit).
    pub error: Arc<Mutex<Option<String>>>,
}

impl Screenshot {
    /// A screenshot saved to `path` after `after_frames` rendered frames.
    pub fn new(path: &Path, after_frames: u32) -> Self {
        Self {
            path: path.to_path_buf(),
            after_frames,
            frames: 0,
            started: Instant::now(),
            requested: false,
            image: Arc::default(),
            error: Arc::default(),
        }
    }

    /// Call once per frame from `logic`; `ready` says the content is worth a picture.
    pub fn tick(&mut self, ctx: &egui::Context, ready: bool) {
        self.frames += 1;
        let taken = self.image.lock().ok().and_then(|mut slot| slot.take());
        if let Some(image) = taken {
            if let Err(err) = save(&self.path, &image)
                && let Ok(mut slot) = self.error.lock()
            {
                *slot = Some(err);
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        let due =
            self.frames >= self.after_frames && (ready || self.started.elapsed() > READY_TIMEOUT);
        if due && !self.requested {
            self.requested = true;
            let slot = Arc::clone(&self.image);
            ctx.request_screenshot(move |image| {
                if let Ok(mut s) = slot.lock() {
                    *s = Some(image);
                }
            });
        }
        // Keep frames coming until the picture is saved.
        ctx.request_repaint_after(Duration::from_millis(16));
    }
}

/// Saves an egui image as an RGBA PNG.
pub fn save(path: &Path, image: &ColorImage) -> Result<(), String> {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot write the screenshot ({e}): {}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w as u32, h as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&rgba).map_err(|e| e.to_string())
}
