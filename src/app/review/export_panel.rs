//! The export window: clip range and past clips, de-identification options,
//! the redaction preview drawn over the video (with manual regions edited
//! right on the picture), the reviewer's confirmation, and the export job
//! with progress and cancel.
//!
//! Jobs run on their own thread with a decrypting source the vault handed
//! out after its consent gate; the result comes back over a channel and the
//! vault records the clip (settings, confirmation, SHA-256) on the UI thread.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use egui::{Color32, Pos2, Rect as ScreenRect, Stroke, Vec2};

use super::{ReviewCmd, ReviewState};
use crate::deid::regions::Keyframe;
use crate::deid::{CoverStyle, ManualRegion, Rect, Shape};
use crate::export::{
    self, AudioMode, ClipSettings, ClipViews, DEFAULT_PITCH, DISGUISE_LABEL, ExportReport, Phase,
};
use crate::plenary::ClipJob;
use crate::vault::{Clip, Vault};

/// What a finished job hands back.
enum Done {
    Preview(Result<export::Faces, String>),
    /// The export's outcome, and the granted job to record it (or abandon it) with.
    Export(Result<ExportReport, String>, Box<ClipJob>),
    /// The job's thread ended without a word.
    Lost,
}

/// What a job thread does.
enum Work {
    Export(Box<ClipJob>),
    Preview(crate::media::MediaSource, crate::media::MediaInfo),
}

/// A running preview or export.
struct Job {
    progress: Arc<Mutex<Option<export::Progress>>>,
    cancel: Arc<AtomicBool>,
    done: Receiver<Done>,
    exporting: bool,
    settings: ClipSettings,
    /// The clip file being written (noted in the vault while it is).
    out: PathBuf,
}

/// Faces found by the preview, for the range they were found on.
struct Preview {
    from: u64,
    boxes: Vec<Vec<Rect>>,
    frames_with_faces: u64,
    settings: ClipSettings,
}

/// What the pointer is doing to a region on the picture.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Drag {
    Move { region: usize, grab: Vec2 },
    Resize { region: usize },
}

/// State of the export window.
pub struct ExportState {
    /// The panel is showing.
    pub open: bool,
    settings: ClipSettings,
    /// Where the clip goes.
    pub out: String,
    confirm_keep: bool,
    /// The reviewer's "I reviewed the redaction".
    pub reviewed: bool,
    preview: Option<Preview>,
    job: Option<Job>,
    selected_region: Option<usize>,
    drag: Option<Drag>,
    clips: Option<Vec<Clip>>,
    /// The last result or error.
    pub message: Option<String>,
}

impl Default for ExportState {
    fn default() -> Self {
        Self {
            open: false,
            settings: ClipSettings::new(0, 0),
            out: String::new(),
            confirm_keep: false,
            reviewed: false,
            preview: None,
            job: None,
            selected_region: None,
            drag: None,
            clips: None,
            message: None,
        }
    }
}

/// Which engine found the faces, for the messages (tract is the slow fallback).
fn engine_note(engine: Option<crate::deid::detector::Engine>) -> String {
    match engine {
        Some(crate::deid::detector::Engine::Tract) => {
            " (with tract: ONNX Runtime is not installed, so this is slower)".into()
        }
        Some(crate::deid::detector::Engine::Onnxruntime) => " (with ONNX Runtime)".into(),
        None => String::new(),
    }
}

/// A neutral default file name in the user's videos folder.
fn default_out(n: usize) -> String {
    let dir = directories::UserDirs::new()
        .and_then(|d| {
            d.video_dir()
                .map(PathBuf::from)
                .or_else(|| Some(d.home_dir().to_path_buf()))
        })
        .unwrap_or_else(|| PathBuf::from("."));
    let mut i = n.max(1);
    loop {
        let path = dir.join(format!("clip-{i}.mp4"));
        if !path.exists() {
            return path.display().to_string();
        }
        i += 1;
    }
}

impl ExportState {
    /// Opens the window for the current in/out range.
    pub fn open_for(&mut self, range: (u64, u64), vault: &Vault, recording_id: &str) {
        self.open = true;
        if (self.settings.from, self.settings.to) != range {
            self.settings.from = range.0;
            self.settings.to = range.1;
            self.reviewed = false;
        }
        self.clips = vault.clips(recording_id).ok();
        if self.out.is_empty() {
            self.out = default_out(self.clips.as_ref().map_or(0, Vec::len) + 1);
        }
    }

    /// Whether a job is running (the app repaints while it does).
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// The preview matches the current settings and range.
    fn preview_current(&self) -> bool {
        self.preview.as_ref().is_some_and(|p| {
            let s = &p.settings;
            p.from == self.settings.from
                && s.to == self.settings.to
                && s.threshold == self.settings.threshold
                && s.detector_width == self.settings.detector_width
                && s.tracks == self.settings.tracks
        })
    }

    /// Collects a finished job.
    pub fn poll(&mut self, vault: &mut Vault, recording_id: &str) {
        let Some(job) = &self.job else { return };
        let done = match job.done.try_recv() {
            Ok(done) => done,
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => Done::Lost,
        };
        let Some(job) = self.job.take() else { return };
        match done {
            Done::Preview(Ok(faces)) => {
                self.message = Some(format!(
                    "Faces found on {} of {} frames{}: check every covered box, then confirm.",
                    faces.frames_with_faces,
                    faces.boxes.len(),
                    engine_note(faces.engine)
                ));
                self.preview = Some(Preview {
                    from: job.settings.from,
                    boxes: faces.boxes,
                    frames_with_faces: faces.frames_with_faces,
                    settings: job.settings,
                });
            }
            Done::Export(Ok(report), clip) => match clip.record(vault, &report, true) {
                Ok(id) => {
                    self.message = Some(format!(
                        "Exported clip {} to {} ({} frames, SHA-256 {}…){}.",
                        crate::model::redacted(&id),
                        report.out.display(),
                        report.frames,
                        &report.sha256[..12],
                        engine_note(report.detector_engine)
                    ));
                    self.clips = vault.clips(recording_id).ok();
                    self.out = default_out(self.clips.as_ref().map_or(0, Vec::len) + 1);
                    self.reviewed = false;
                }
                Err(err) => {
                    self.message = Some(format!(
                        "The clip could not be recorded, so it was removed: {err:#}"
                    ));
                }
            },
            Done::Export(Err(e), clip) => {
                clip.abandon(vault);
                self.message = Some(e);
            }
            Done::Preview(Err(e)) => self.message = Some(e),
            Done::Lost => {
                if job.exporting {
                    vault.forget_output(&job.out);
                }
                self.message = Some("the export stopped unexpectedly".into());
            }
        }
    }

    /// Runs the face preview over the clip range.
    pub fn preview(&mut self, vault: &mut Vault, recording_id: &str) {
        self.start(vault, recording_id, false);
    }

    /// Starts the face preview (`exporting` false) or the export on a thread.
    pub(crate) fn start(&mut self, vault: &mut Vault, recording_id: &str, exporting: bool) {
        let settings = self.settings.clone();
        let out = PathBuf::from(self.out.trim());
        // An export is granted by the plenary layer (and noted as being written);
        // the preview needs only the recording's source.
        let work = if exporting {
            ClipJob::permit(vault, recording_id, &out, &settings)
                .map(|job| Work::Export(Box::new(job)))
        } else {
            vault
                .source_for_clip(recording_id)
                .map(|(source, info)| Work::Preview(source, info))
        };
        let work = match work {
            Ok(work) => work,
            Err(err) => {
                self.message = Some(format!("{err:#}"));
                return;
            }
        };
        let progress = Arc::new(Mutex::new(None));
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let (p, c, s) = (Arc::clone(&progress), Arc::clone(&cancel), settings.clone());
        let spawned = std::thread::Builder::new()
            .name("export".into())
            .spawn(move || {
                let mut report = |update: export::Progress| {
                    if let Ok(mut slot) = p.lock() {
                        *slot = Some(update);
                    }
                };
                let done = match work {
                    Work::Export(job) => {
                        let result = job.run(&mut report, &c).map_err(|e| format!("{e:#}"));
                        Done::Export(result, job)
                    }
                    Work::Preview(source, info) => Done::Preview(
                        export::detect_faces(&source, &info, &s, &mut report, &c)
                            .map_err(|e| format!("{e:#}")),
                    ),
                };
                let _ = tx.send(done);
            });
        match spawned {
            Ok(_) => {
                self.message = None;
                self.job = Some(Job {
                    progress,
                    cancel,
                    done: rx,
                    exporting,
                    settings,
                    out,
                });
            }
            Err(e) => {
                if exporting {
                    vault.forget_output(&out);
                }
                self.message = Some(format!("cannot start the export: {e}"));
            }
        }
    }
}

/// The pictures a clip can show, named (empty for a single-camera recording).
fn picture_choices(views: &super::views::ViewsState) -> Vec<(ClipViews, String)> {
    if views.angles.is_empty() {
        return Vec::new();
    }
    let reference = views.reference_camera.as_deref().unwrap_or("reference");
    let mut out = vec![(ClipViews::Reference, format!("{reference} (reference)"))];
    for (i, angle) in views.angles.iter().enumerate() {
        out.push((ClipViews::View(angle.view.view_id.clone()), angle.name(i)));
    }
    out.push((ClipViews::SideBySide, "all cameras side by side".into()));
    out.push((ClipViews::Grid, "all cameras, two to a row".into()));
    out
}

/// The export window's contents. Starting the preview or the export is a
/// command for [`ReviewState::apply`]; the panel only edits its settings.
pub(crate) fn export_ui(ui: &mut egui::Ui, state: &mut ReviewState, cmds: &mut Vec<ReviewCmd>) {
    let shown = state.shown_frame();
    let (width, height) = (state.host.info.width, state.host.info.height);
    let pictures = picture_choices(&state.views);
    let ex = &mut state.export;
    ui.strong("Clip");
    if !pictures.is_empty() {
        let selected = pictures
            .iter()
            .find(|(v, _)| *v == ex.settings.views)
            .map_or_else(String::new, |(_, name)| name.clone());
        egui::ComboBox::from_label("Picture")
            .selected_text(selected)
            .show_ui(ui, |ui| {
                for (value, name) in &pictures {
                    ui.selectable_value(&mut ex.settings.views, value.clone(), name);
                }
            });
        if !ex.settings.views.is_reference() {
            ui.label(
                "Frames follow the reference camera; each camera's faces are found and covered on its own picture. The preview draws the reference camera's.",
            );
        }
    }
    ui.label(format!(
        "Frames {} to {} ({} frames, {:.1} s). Set the range with I and O on the timeline.",
        ex.settings.from,
        ex.settings.to,
        ex.settings.to - ex.settings.from + 1,
        (ex.settings.to - ex.settings.from + 1) as f64 / state.host.info.rate.as_f64().max(1.0)
    ));
    if let Some(clips) = &ex.clips
        && !clips.is_empty()
    {
        egui::CollapsingHeader::new(format!("Exported from this recording ({})", clips.len()))
            .show(ui, |ui| {
                for clip in clips {
                    ui.horizontal(|ui| {
                        ui.label(format!(
                            "{} · frames {}–{} · {} · {}",
                            crate::model::redacted(&clip.id),
                            clip.from_frame,
                            clip.to_frame,
                            std::path::Path::new(&clip.out_path)
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                            clip.created_at
                        ));
                        if ui.small_button("Use range").clicked() {
                            state.in_out = (Some(clip.from_frame), Some(clip.to_frame));
                        }
                    });
                }
            });
    }
    let ex = &mut state.export;
    ui.separator();
    ui.strong("Preview and export");
    ui.horizontal(|ui| {
        ui.label("Save as");
        ui.add(egui::TextEdit::singleline(&mut ex.out).desired_width(360.0));
        if ui.button("Choose…").clicked()
            && let Some(path) = rfd::FileDialog::new()
                .add_filter("H.264 MP4", &["mp4"])
                .add_filter("VP9 WebM", &["webm"])
                .set_file_name("clip.mp4")
                .save_file()
        {
            ex.out = path.display().to_string();
        }
    });
    let preview_ok = !ex.settings.detect_faces || ex.preview_current();
    match &ex.job {
        Some(job) => {
            let p = job.progress.lock().ok().and_then(|p| *p);
            let (text, fraction) = match p {
                Some(p) => (
                    format!(
                        "{} {} of {} frames",
                        if p.phase == Phase::Detecting {
                            "Finding faces:"
                        } else {
                            "Covering and encoding:"
                        },
                        p.done,
                        p.total
                    ),
                    p.done as f32 / p.total.max(1) as f32,
                ),
                None => ("Starting…".into(), 0.0),
            };
            ui.horizontal(|ui| {
                ui.add(
                    egui::ProgressBar::new(fraction)
                        .text(text)
                        .desired_width(360.0),
                );
                if ui.button("Cancel").clicked() {
                    job.cancel.store(true, Ordering::Relaxed);
                }
            });
            let _ = job.exporting;
        }
        None => {
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(ex.settings.detect_faces, egui::Button::new("Find faces (preview)"))
                    .on_hover_text("Runs the detector over the clip and draws what will be covered on the video")
                    .clicked()
                {
                    cmds.push(ReviewCmd::FindFaces);
                }
                if let Some(p) = &ex.preview {
                    ui.label(format!("faces on {} frames", p.frames_with_faces));
                }
            });
            ui.add_enabled(
                preview_ok,
                egui::Checkbox::new(
                    &mut ex.reviewed,
                    "I reviewed the redaction on every part of this clip",
                ),
            )
            .on_disabled_hover_text("Run the preview first: it shows what will be covered");
            let keep_ok = ex.settings.audio != AudioMode::Keep || ex.confirm_keep;
            let can = ex.reviewed && preview_ok && keep_ok && !ex.out.trim().is_empty();
            if ui
                .add_enabled(can, egui::Button::new("Export clip"))
                .clicked()
            {
                cmds.push(ReviewCmd::ExportClip);
            }
        }
    }
    if let Some(m) = &ex.message {
        ui.label(m);
    }
    ui.separator();
    ui.strong("De-identification");
    let before = ex.settings.clone();
    ui.checkbox(
        &mut ex.settings.detect_faces,
        "Find and cover faces on every frame",
    );
    ui.add_enabled_ui(ex.settings.detect_faces, |ui| {
        ui.add(
            egui::Slider::new(&mut ex.settings.threshold, 0.1..=0.9)
                .text("detector threshold (lower finds more)"),
        );
        ui.add(
            egui::Slider::new(&mut ex.settings.tracks.enlarge, 1.0..=2.5).text("box enlargement"),
        );
        egui::ComboBox::from_label("detector width")
            .selected_text(format!("{} px", ex.settings.detector_width))
            .show_ui(ui, |ui| {
                for w in [320u32, 480, 640, 960, 1280] {
                    ui.selectable_value(&mut ex.settings.detector_width, w, format!("{w} px"));
                }
            });
    });
    ui.horizontal(|ui| {
        ui.label("Cover with");
        ui.radio_value(&mut ex.settings.cover, CoverStyle::Fill, "solid fill");
        ui.radio_value(
            &mut ex.settings.cover,
            CoverStyle::Pixelate,
            "coarse pixelation",
        );
    });
    ui.horizontal(|ui| {
        ui.label("Sound");
        ui.radio_value(&mut ex.settings.audio, AudioMode::Drop, "remove");
        if ui
            .radio(
                matches!(ex.settings.audio, AudioMode::Disguise { .. }),
                "disguise voices",
            )
            .on_hover_text(DISGUISE_LABEL)
            .clicked()
        {
            ex.settings.audio = AudioMode::Disguise {
                pitch: DEFAULT_PITCH,
            };
        }
        ui.radio_value(&mut ex.settings.audio, AudioMode::Keep, "keep");
    });
    if ex.settings.audio == AudioMode::Keep {
        ui.checkbox(
            &mut ex.confirm_keep,
            "Voices and names may be heard: consent allows it",
        );
    }
    ui.checkbox(
        &mut ex.settings.data_values,
        "Burn in the device data values (HR, SpO2 …; not identifying)",
    )
    .on_hover_text("The values at each frame, bottom left, as in the review (reference view only)");
    for warning in ex.settings.warnings() {
        ui.colored_label(
            Color32::from_rgb(0xd0, 0x80, 0x00),
            format!("Warning: {warning}"),
        );
    }
    if ex.settings != before {
        ex.reviewed = false;
    }
    ui.separator();
    ui.strong("Manual regions");
    ui.label("Drag a region on the video to move it, its corner to resize: that sets a keyframe on this frame.");
    ui.horizontal(|ui| {
        if ui.button("Add region here").clicked() {
            ex.settings.regions.regions.push(ManualRegion {
                shape: Shape::Rect,
                invert: false,
                keyframes: vec![Keyframe {
                    frame: shown,
                    x: 0.4,
                    y: 0.4,
                    w: 0.2,
                    h: 0.2,
                }],
            });
            ex.selected_region = Some(ex.settings.regions.regions.len() - 1);
            ex.reviewed = false;
        }
    });
    let mut remove = None;
    for (i, region) in ex.settings.regions.regions.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            if ui
                .selectable_label(ex.selected_region == Some(i), format!("Region {}", i + 1))
                .clicked()
            {
                ex.selected_region = Some(i);
            }
            egui::ComboBox::from_id_salt(("shape", i))
                .selected_text(if region.shape == Shape::Rect {
                    "rectangle"
                } else {
                    "ellipse"
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut region.shape, Shape::Rect, "rectangle");
                    ui.selectable_value(&mut region.shape, Shape::Ellipse, "ellipse");
                });
            ui.checkbox(&mut region.invert, "cover all but this");
            ui.label(format!("{} keyframes", region.keyframes.len()));
            let here = region.keyframes.iter().any(|k| k.frame == shown);
            if ui
                .add_enabled(
                    here && region.keyframes.len() > 1,
                    egui::Button::new("Remove keyframe here"),
                )
                .clicked()
            {
                region.remove_keyframe(shown);
            }
            if ui.button("Delete").clicked() {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        ex.settings.regions.regions.remove(i);
        ex.selected_region = None;
        ex.reviewed = false;
    }
    let _ = (width, height);
}

/// Video pixels → screen points inside the drawn picture.
fn to_screen(picture: ScreenRect, r: Rect, width: u32, height: u32) -> ScreenRect {
    let sx = picture.width() / width.max(1) as f32;
    let sy = picture.height() / height.max(1) as f32;
    ScreenRect::from_min_size(
        Pos2::new(picture.min.x + r.x * sx, picture.min.y + r.y * sy),
        Vec2::new(r.w * sx, r.h * sy),
    )
}

/// Draws the covered boxes and the manual regions over the picture, and lets
/// the pointer move or resize the selected region (a keyframe on this frame).
pub(crate) fn overlay(ui: &mut egui::Ui, picture: ScreenRect, state: &mut ReviewState) {
    let frame = state.shown_frame();
    let (width, height) = (state.host.info.width, state.host.info.height);
    let ex = &mut state.export;
    let painter = ui.painter().with_clip_rect(picture);
    if let Some(p) = &ex.preview
        && frame >= p.from
        && let Some(boxes) = p.boxes.get((frame - p.from) as usize)
    {
        for b in boxes {
            let r = to_screen(picture, *b, width, height);
            painter.rect_filled(r, 0.0, Color32::from_rgba_unmultiplied(40, 40, 40, 200));
            painter.rect_stroke(
                r,
                0.0,
                Stroke::new(2.0, Color32::RED),
                egui::StrokeKind::Outside,
            );
        }
    }
    let response = ui.interact(
        picture,
        ui.make_persistent_id("export-regions"),
        egui::Sense::drag(),
    );
    let pointer = response.interact_pointer_pos();
    for (i, region) in ex.settings.regions.regions.iter().enumerate() {
        let Some(r) = region.at(frame, width, height) else {
            continue;
        };
        let screen = to_screen(picture, r, width, height);
        let selected = ex.selected_region == Some(i);
        let colour = if selected {
            Color32::YELLOW
        } else {
            Color32::from_rgb(0xff, 0xc0, 0x40)
        };
        painter.rect_stroke(
            screen,
            0.0,
            Stroke::new(if selected { 3.0 } else { 1.5 }, colour),
            egui::StrokeKind::Outside,
        );
        if region.shape == Shape::Ellipse {
            painter.add(egui::Shape::ellipse_stroke(
                screen.center(),
                screen.size() / 2.0,
                Stroke::new(1.0, colour),
            ));
        }
        painter.rect_filled(
            ScreenRect::from_center_size(screen.max, Vec2::splat(10.0)),
            0.0,
            colour,
        );
        if response.drag_started()
            && let Some(pos) = pointer
            && ex.drag.is_none()
        {
            if ScreenRect::from_center_size(screen.max, Vec2::splat(16.0)).contains(pos) {
                ex.drag = Some(Drag::Resize { region: i });
                ex.selected_region = Some(i);
            } else if screen.contains(pos) {
                ex.drag = Some(Drag::Move {
                    region: i,
                    grab: pos - screen.min,
                });
                ex.selected_region = Some(i);
            }
        }
    }
    if let (Some(drag), Some(pos)) = (ex.drag, pointer)
        && response.dragged()
    {
        let region = match drag {
            Drag::Move { region, .. } | Drag::Resize { region } => region,
        };
        let Some(r) = ex
            .settings
            .regions
            .regions
            .get(region)
            .and_then(|g| g.at(frame, width, height))
        else {
            return;
        };
        let s = to_screen(picture, r, width, height);
        let (i, screen_box) = match drag {
            Drag::Move { grab, .. } => (region, ScreenRect::from_min_size(pos - grab, s.size())),
            Drag::Resize { .. } => (
                region,
                ScreenRect::from_min_max(
                    s.min,
                    Pos2::new(pos.x.max(s.min.x + 8.0), pos.y.max(s.min.y + 8.0)),
                ),
            ),
        };
        let fx = |x: f32| ((x - picture.min.x) / picture.width()).clamp(0.0, 1.0);
        let fy = |y: f32| ((y - picture.min.y) / picture.height()).clamp(0.0, 1.0);
        let (x0, y0) = (fx(screen_box.min.x), fy(screen_box.min.y));
        let k = Keyframe {
            frame,
            x: x0,
            y: y0,
            w: (fx(screen_box.max.x) - x0).max(0.005),
            h: (fy(screen_box.max.y) - y0).max(0.005),
        };
        if let Some(region) = ex.settings.regions.regions.get_mut(i) {
            region.set_keyframe(k);
            ex.reviewed = false;
        }
    }
    if response.drag_stopped() {
        ex.drag = None;
    }
}
