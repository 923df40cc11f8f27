//! Opening a recording for review: its integrity check runs off the UI thread.
//!
//! The SHA-256 of a long recording takes seconds. It runs once per session on a
//! second vault handle, with a progress bar and Cancel, and the vault remembers
//! a recording that matched, so the review screen, the redaction preview and
//! the export do not read the whole file again (and never on the UI thread).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use crate::vault::Vault;

/// A recording being checked before its review opens.
pub struct Opening {
    /// The recording.
    pub recording: String,
    progress: Arc<Mutex<(u64, u64)>>,
    cancel: Arc<AtomicBool>,
    done: Receiver<Result<(), String>>,
}

impl Opening {
    /// Starts checking `recording` (after the cheap checks: role, consent, not deleted).
    pub fn start(vault: &Vault, recording: &str) -> Result<Self, String> {
        vault
            .check_may_view(recording)
            .map_err(|e| format!("{e:#}"))?;
        let handle = vault.reopen().map_err(|e| format!("{e:#}"))?;
        let progress = Arc::new(Mutex::new((0, 0)));
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (p, c, id) = (
            Arc::clone(&progress),
            Arc::clone(&cancel),
            recording.to_owned(),
        );
        std::thread::Builder::new()
            .name("debrief-verify".into())
            .spawn(move || {
                let result = handle
                    .verify_media_with(&id, &mut |done, total| {
                        if let Ok(mut slot) = p.lock() {
                            *slot = (done, total);
                        }
                        !c.load(Ordering::Relaxed)
                    })
                    .map_err(|e| format!("{e:#}"));
                let _ = tx.send(result);
            })
            .map_err(|e| format!("cannot start checking the recording: {e}"))?;
        Ok(Self {
            recording: recording.to_owned(),
            progress,
            cancel,
            done: rx,
        })
    }

    /// The check's outcome once it has finished.
    pub fn poll(&self) -> Option<Result<(), String>> {
        match self.done.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err("the check stopped unexpectedly".into())),
        }
    }

    /// The progress window; Cancel stops the check.
    pub fn ui(&self, ctx: &egui::Context) {
        let (done, total) = self.progress.lock().map_or((0, 0), |p| *p);
        egui::Window::new("Opening the recording")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
            .show(ctx, |ui| {
                ui.label("Checking that the encrypted recording is intact…");
                let fraction = if total > 0 {
                    done as f32 / total as f32
                } else {
                    0.0
                };
                ui.add(egui::ProgressBar::new(fraction).show_percentage());
                if ui.button("Cancel").clicked() {
                    self.cancel.store(true, Ordering::Relaxed);
                }
            });
    }
}
