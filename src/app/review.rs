//! The review screen: video, transport, timeline, code window, annotation
//! list and consent panel for one recording.
//!
//! Widgets push [`ReviewCmd`]s while laying out; [`ReviewState::apply`] is the
//! one place they reach the player and the vault. Every vault change is
//! saved at once (nothing to lose on a crash or an auto-lock) and the
//! annotation list is reloaded from the vault afterwards, so what is shown is
//! what is stored.

mod annotation_list;
mod code_panel;
mod consent_panel;
pub mod data_lanes;
mod export_panel;
mod transport;
pub mod views;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::Color32;

use super::player_host::PlayerHost;
use super::shortcuts::{self, Action};
use super::timeline::{self, Event, Lane, TimelineAction, TimelineState};
use super::transport_controls::Transport;
use crate::media::{PlayerCommand, PlayerConfig};
use crate::model::interchange::ExportFormat;
use crate::model::{Annotation, Case, CodeKind, Codebook, Recording};
use crate::vault::{AnnotationEdit, ImportFormat, NewAnnotation, NewConsent, Vault};

/// What a widget on the review screen asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum ReviewCmd {
    /// A player command.
    Player(PlayerCommand),
    /// A code button or hotkey: add a point, or start/stop a duration.
    Code(String),
    /// Select an annotation (or nothing).
    Select(Option<String>),
    /// Select and jump to an annotation.
    Jump(String),
    /// Move an annotation to new frames.
    Move {
        /// Annotation id.
        id: String,
        /// New first frame.
        start: u64,
        /// New last frame.
        end: Option<u64>,
    },
    /// Save the editor's fields into the selected annotation.
    SaveEdit,
    /// Delete an annotation.
    Delete(String),
    /// Undo the last change.
    Undo,
    /// Redo.
    Redo,
    /// Clip in point at the displayed frame.
    SetIn,
    /// Clip out point at the displayed frame.
    SetOut,
    /// Clear the clip range.
    ClearInOut,
    /// Shuttle: positive forwards, negative backwards, 0 stops.
    Shuttle(i32),
    /// Record a consent event.
    Consent(NewConsent),
    /// Open the export window for the clip range.
    OpenExport,
    /// Run the face preview over the export window's range.
    FindFaces,
    /// Export the clip with the export window's settings.
    ExportClip,
    /// Write the annotations in a format for other tools to this file.
    ExportAnnotations(ExportFormat, PathBuf),
    /// Add the annotations in this file (Debrief JSON or ELAN EAF, by extension).
    ImportAnnotations(PathBuf),
    /// Write the printable debrief report (HTML) to this file.
    Report(PathBuf),
    /// Write the case's printable consent information sheet (HTML) to this file.
    ConsentSheet(PathBuf),
    /// Choose a camera view (0: the reference): drawn large, nudged by Alt+arrows.
    ChooseView(usize),
    /// Arrange the camera views.
    SetLayout(views::Layout),
    /// Move the chosen view's pictures this many ns later (negative: earlier).
    Nudge(i64),
    /// Open or close the sync window.
    SyncWindow(bool),
    /// Match this view's sound with the reference's (index among the other views).
    SyncBySound(usize),
    /// Use (true) or drop the weak sound match waiting for an answer.
    AcceptWeak(bool),
    /// Add a sync mark for this view at the frames on screen.
    AddMark(usize),
    /// Set this view's sync from its marks.
    FitMarks(usize),
    /// Forget the sync marks.
    ClearMarks,
    /// Device data: add a file, align, arrange lanes.
    Data(data_lanes::DataCmd),
    /// Open or close the Device data window.
    DataWindow(bool),
    /// Back to the library.
    Back,
}

/// What an undo step undoes: the review keeps the order of both kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edit {
    /// An annotation change (undone by the vault).
    Annotation,
    /// A camera view's sync.
    Sync,
    /// A device data source's alignment.
    Data,
}

/// What the review screen tells the app after applying commands.
#[derive(Debug, Default)]
pub struct ReviewOutcome {
    /// Leave the review screen (with a message, if any).
    pub close: Option<Option<String>>,
}

/// The editor fields of the selected annotation.
#[derive(Clone, Debug, Default)]
pub(crate) struct Editor {
    pub id: Option<String>,
    pub note: String,
    pub private_note: String,
    pub rating: Option<f64>,
    pub dirty: bool,
}

/// State of the review screen for one recording.
pub struct ReviewState {
    /// The recording.
    pub recording: Recording,
    /// Its case.
    pub case: Case,
    /// The case's codebook.
    pub codebook: Codebook,
    /// The reference view's player (with sound), its probe data and frame table, and the picture.
    pub host: PlayerHost,
    /// The recording's other camera views, following the reference.
    pub views: views::ViewsState,
    /// The recording's device data: lanes, values over the video, alignment.
    pub data: data_lanes::DataState,
    /// This session's edits, newest last: what Ctrl+Z undoes next.
    edits: Vec<Edit>,
    /// Go-to field and volume.
    pub(crate) transport: Transport,
    /// The reference's sound is muted (by the reviewer, or while another
    /// view's sound plays), as last sent to its player.
    reference_muted: bool,
    /// Annotations, as stored.
    pub annotations: Vec<Annotation>,
    /// Selected annotation.
    pub selected: Option<String>,
    /// Timeline view and drag state.
    pub timeline: TimelineState,
    /// Clip range.
    pub in_out: (Option<u64>, Option<u64>),
    pub(crate) editor: Editor,
    pub(crate) list: annotation_list::ListState,
    pub(crate) consent: consent_panel::ConsentState,
    /// The export panel.
    pub export: export_panel::ExportState,
    /// The consent window is open.
    pub consent_open: bool,
    /// The shortcut sheet is open.
    pub sheet_open: bool,
    /// Last error or notice, shown under the transport.
    pub message: Option<String>,
    shuttle: i32,
    last_shuttle_step: Instant,
    lanes: Vec<Lane>,
    /// Timeline events derived from `annotations`, sorted by start; rebuilt on reload.
    events: Vec<Event>,
    /// The codebook's interval metrics on the annotations, rebuilt with the events.
    pub metrics: Vec<crate::model::metrics::MetricResult>,
    /// The codebook's data metrics on the device data, rebuilt with the events and the data.
    pub data_metrics: Vec<crate::model::metrics::DataMetricResult>,
    /// The two raters compared in the agreement table, and its result (dropped on reload).
    pub(crate) agreement: code_panel::AgreementView,
}

impl ReviewState {
    /// Opens `recording_id` for review: consent-checked and audited by the vault.
    pub fn open(
        vault: &mut Vault,
        recording_id: &str,
        wake: crate::media::player::Wake,
    ) -> Result<Self, String> {
        let recording = vault
            .recording(recording_id)
            .map_err(|e| format!("{e:#}"))?;
        let case = vault
            .case(&recording.case_id)
            .map_err(|e| format!("{e:#}"))?;
        let codebook = vault
            .codebook(&case.codebook_id)
            .map_err(|e| format!("{e:#}"))?;
        // The SHA-256 check reads the whole file: worth it, a damaged recording shows nothing.
        let (source, info) = vault
            .open_media(recording_id, true)
            .map_err(|e| format!("{e:#}"))?;
        let audio = PlayerConfig::default().audio;
        // Every camera view's player shares one budget of cached frames.
        let views = vault.views(recording_id).map_or(1, |v| v.len());
        let host = PlayerHost::open_with_cache(
            source,
            info,
            std::sync::Arc::clone(&wake),
            audio,
            crate::views::players::cache_bytes(views),
        )?;
        let (views, notice) = views::ViewsState::open(vault, recording_id, &wake);
        let (data, data_notice) = data_lanes::DataState::open(vault, recording_id);
        let notice = notice.or(data_notice);
        let lanes = codebook
            .categories
            .iter()
            .map(|c| Lane {
                name: c.name.clone(),
                colour: timeline::parse_colour(&c.colour),
            })
            .collect();
        let annotations = vault
            .annotations(recording_id)
            .map_err(|e| format!("{e:#}"))?;
        let consent = consent_panel::ConsentState::default();
        Ok(Self {
            recording,
            case,
            codebook,
            host,
            views,
            data,
            edits: Vec::new(),
            transport: Transport::default(),
            reference_muted: false,
            annotations,
            selected: None,
            timeline: TimelineState::default(),
            in_out: (None, None),
            editor: Editor::default(),
            list: annotation_list::ListState::default(),
            consent,
            export: export_panel::ExportState::default(),
            consent_open: false,
            sheet_open: false,
            message: notice,
            shuttle: 0,
            last_shuttle_step: Instant::now(),
            lanes,
            events: Vec::new(),
            metrics: Vec::new(),
            data_metrics: Vec::new(),
            agreement: code_panel::AgreementView::default(),
        }
        .with_events())
    }

    /// Derives the timeline's events from the annotations (once per change, not per frame).
    fn with_events(mut self) -> Self {
        self.rebuild_events();
        self
    }

    fn rebuild_events(&mut self) {
        let book = &self.codebook;
        let mut events: Vec<Event> = self
            .annotations
            .iter()
            .filter_map(|a| {
                let code = book.code(&a.code)?;
                let lane = book.categories.iter().position(|c| c.id == code.category)?;
                Some(Event {
                    id: a.id.clone(),
                    lane,
                    start: a.start_frame,
                    end: a.end_frame,
                    open: code.kind == CodeKind::Duration && a.end_frame.is_none(),
                    label: code.label.clone(),
                })
            })
            .collect();
        events.sort_by_key(|e| (e.start, e.end));
        self.events = events;
        self.agreement.result = None;
        self.metrics = crate::model::metrics::interval_metrics(
            &self.codebook,
            &self.annotations,
            self.host.info.table.end_ns(),
        );
        self.rebuild_data_metrics();
    }

    /// The data metrics again (after the annotations, the data or its alignment changed).
    fn rebuild_data_metrics(&mut self) {
        let sources: Vec<_> = self
            .data
            .sources
            .iter()
            .map(|l| (l.source.mapping, &l.set))
            .collect();
        self.data_metrics = crate::device_data::metrics::data_metrics(
            &self.codebook,
            &self.annotations,
            &sources,
            self.host.info.table.end_ns(),
        );
    }

    /// The reference's sound is muted now (by the reviewer, or because
    /// another camera view's sound is playing).
    pub fn reference_muted(&self) -> bool {
        self.reference_muted
    }

    /// The frame on screen (the playhead shows this, not the requested one).
    pub fn shown_frame(&self) -> u64 {
        self.host.shown_frame()
    }

    /// Drains player events and takes the newest frame (call once per frame, before `ui`).
    pub fn logic(&mut self, ctx: &egui::Context) {
        let pumped = self.host.pump(ctx);
        if let Some(e) = pumped.error {
            self.message = Some(e);
        }
        if pumped.eos {
            self.shuttle = 0;
        }
        if let Some(e) = self.views.pump(ctx) {
            self.message = Some(e);
        }
        if self.host.view.has_frame() {
            let playing = self.host.playing().then_some(self.host.rate);
            self.views
                .follow(&self.host.info.table, self.shown_frame(), playing);
        }
        let muted = self.transport.muted || self.views.voiced().is_some();
        if muted != self.reference_muted && self.host.send(PlayerCommand::SetMute(muted)).is_ok() {
            self.reference_muted = muted;
        }
        // Backward shuttle: the player plays forwards only, so step back on a timer
        // (cached backward steps make this smooth after the first GOP).
        if self.shuttle < 0 {
            let period = Duration::from_secs_f64(
                1.0 / self.host.info.rate.as_f64().max(1.0)
                    / f64::from(self.shuttle.unsigned_abs()),
            );
            if self.shown_frame() == 0 {
                self.shuttle = 0;
            } else if self.last_shuttle_step.elapsed() >= period {
                self.last_shuttle_step = Instant::now();
                let _ = self.host.send(PlayerCommand::Step(-1));
            }
            ctx.request_repaint_after(period);
        }
    }

    /// Lays out the screen and applies what the user did.
    pub fn ui(&mut self, ui: &mut egui::Ui, vault: &mut Vault) -> ReviewOutcome {
        let mut cmds = Vec::new();
        self.keyboard(ui.ctx(), &mut cmds);
        egui::Panel::top("review-top").show(ui, |ui| {
            ui.horizontal(|ui| {
                if ui
                    .button("< Library")
                    .on_hover_text("Back to the case library (Esc)")
                    .clicked()
                {
                    cmds.push(ReviewCmd::Back);
                }
                ui.separator();
                ui.strong(&self.case.title);
                ui.label(format!(
                    "{} · {} · {}×{} · {} frames",
                    self.recording.camera.as_deref().unwrap_or("camera"),
                    self.recording.purpose,
                    self.recording.width,
                    self.recording.height,
                    self.recording.frames
                ));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button("Shortcuts (?)").clicked() {
                        self.sheet_open = !self.sheet_open;
                    }
                    if ui
                        .selectable_label(self.export.open, "Export clip…")
                        .on_hover_text("Cut a de-identified clip of the I–O range (Ctrl+E)")
                        .clicked()
                    {
                        if self.export.open {
                            self.export.open = false;
                        } else {
                            cmds.push(ReviewCmd::OpenExport);
                        }
                    }
                    annotations_menu(ui, &mut cmds);
                    if ui
                        .selectable_label(self.data.window_open, "Device data")
                        .on_hover_text(
                            "Monitor and ventilator data beside the video: add a file, show lanes, align",
                        )
                        .clicked()
                    {
                        cmds.push(ReviewCmd::DataWindow(!self.data.window_open));
                    }
                    if ui
                        .selectable_label(self.consent_open, "Consent")
                        .on_hover_text("Participants and their consent")
                        .clicked()
                    {
                        self.consent_open = !self.consent_open;
                        self.consent.reload();
                    }
                });
            });
        });
        egui::Panel::bottom("review-bottom")
            .resizable(true)
            .default_size(360.0 + self.data.height().min(170.0))
            .show(ui, |ui| {
                transport::transport_ui(ui, self, &mut cmds);
                ui.add_space(4.0);
                self.timeline_ui(ui, &mut cmds);
                ui.add_space(4.0);
                annotation_list::list_ui(ui, self, &mut cmds);
            });
        if self.export.open {
            egui::Panel::right("review-export")
                .resizable(true)
                .default_size(470.0)
                .show(ui, |ui| {
                    ui.horizontal(|ui| {
                        ui.heading("Export de-identified clip");
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            // Closing never stops a running export: the panel stays while it runs.
                            if ui
                                .add_enabled(!self.export.busy(), egui::Button::new("Close"))
                                .clicked()
                            {
                                self.export.open = false;
                            }
                        });
                    });
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        export_panel::export_ui(ui, self, &mut cmds);
                    });
                });
        } else {
            egui::Panel::right("review-codes")
                .resizable(true)
                .default_size(300.0)
                .show(ui, |ui| {
                    code_panel::code_panel_ui(ui, self, vault.user().id, &mut cmds);
                });
        }
        egui::CentralPanel::no_frame().show(ui, |ui| {
            let area = ui.available_rect_before_wrap();
            self.pictures_ui(ui, &mut cmds);
            // The monitors' values over the picture(s), drawn after them.
            if self.data.overlay && !self.export.open {
                let shown = self.host.view.shown.map_or(0, |(_, pts)| pts);
                let values =
                    self.data
                        .values_at(shown, self.birth_ns(), &self.codebook.data_targets);
                data_lanes::overlay_ui(ui.painter(), area, &values);
            }
        });
        if let Some((result, stored)) = self.views.poll(vault) {
            if stored {
                self.edits.push(Edit::Sync);
            }
            self.message = Some(result.unwrap_or_else(|e| e));
        }
        if self.views.busy() {
            ui.ctx().request_repaint_after(Duration::from_millis(100));
        }
        if self.data.window_open {
            data_lanes::window_ui(
                ui.ctx(),
                &mut self.data,
                &self.host.info.table,
                self.host.shown_frame(),
                &mut cmds,
            );
        }
        if self.views.sync_open && !self.views.angles.is_empty() {
            views::sync_window_ui(ui.ctx(), &self.views, &mut cmds);
        }
        self.export.poll(vault, &self.recording.id);
        if self.export.busy() {
            ui.ctx().request_repaint_after(Duration::from_millis(100));
        }

        if self.consent_open {
            let mut open = true;
            egui::Window::new("Consent")
                .open(&mut open)
                .default_width(560.0)
                .show(ui.ctx(), |ui| {
                    consent_panel::consent_ui(ui, self, vault, &mut cmds);
                });
            self.consent_open = open;
        }
        if self.sheet_open {
            let codes: Vec<(String, String)> = self
                .codebook
                .codes
                .iter()
                .filter_map(|c| Some((c.hotkey.clone()?, c.label.clone())))
                .collect();
            let mut open = true;
            egui::Window::new("Keyboard shortcuts")
                .open(&mut open)
                .show(ui.ctx(), |ui| {
                    shortcuts::sheet_ui(ui, shortcuts::BINDINGS, &codes)
                });
            self.sheet_open = open;
        }
        self.apply(vault, cmds)
    }

    /// Recording time of the first `birth` code, if coded (minutes of life count from it).
    fn birth_ns(&self) -> Option<i64> {
        self.annotations
            .iter()
            .filter(|a| a.code == "birth")
            .map(|a| a.start_pts_ns)
            .min()
    }

    /// The reference's picture, or every camera view's in their layout.
    fn pictures_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<ReviewCmd>) {
        // The export panel works on the reference's picture alone.
        if self.views.angles.is_empty() || self.export.open {
            let response = self.host.view.ui(ui);
            if self.export.open && self.host.view.has_frame() {
                let picture = self.host.view.picture_rect(response.rect);
                export_panel::overlay(ui, picture, self);
            } else if response.clicked() {
                cmds.push(ReviewCmd::Player(PlayerCommand::TogglePlay));
            }
            return;
        }
        views::bar_ui(ui, &self.views, cmds);
        match views::pictures_ui(ui, &self.host, &self.views) {
            Some(views::PictureClick::TogglePlay) => {
                cmds.push(ReviewCmd::Player(PlayerCommand::TogglePlay));
            }
            Some(views::PictureClick::Choose(n)) => cmds.push(ReviewCmd::ChooseView(n)),
            None => {}
        }
    }

    fn timeline_ui(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<ReviewCmd>) {
        let events = &self.events;
        let input = timeline::TimelineInput {
            lanes: &self.lanes,
            events,
            frames: self.host.info.frames(),
            rate: self.host.info.rate,
            playhead: self.shown_frame(),
            in_out: self.in_out,
            selected: self.selected.as_deref(),
        };
        // Keep the playhead in view while playing.
        if self.host.playing()
            && let (Some(view), Some(track)) = (self.timeline.view, self.timeline.track)
        {
            self.timeline.view = Some(view.follow(self.shown_frame(), f64::from(track.width())));
        }
        let mut actions = Vec::new();
        timeline::timeline_ui(ui, &mut self.timeline, &input, &mut actions);
        views::coverage_ui(ui, &self.timeline, &self.views, self.host.info.frames());
        let input = data_lanes::LanesInput {
            table: &self.host.info.table,
            frame_ns: (1e9 / self.host.info.rate.as_f64().max(1e-3)) as i64,
            playhead: self.shown_frame(),
            birth_ns: self.birth_ns(),
            targets: &self.codebook.data_targets,
        };
        // Many lanes scroll, so the picture keeps its room; the export panel
        // needs all of the picture's room and none of the data.
        if !self.export.open {
            egui::ScrollArea::vertical()
                .id_salt("data-lanes")
                .max_height(170.0)
                .show(ui, |ui| {
                    data_lanes::lanes_ui(ui, &mut self.data, &self.timeline, &input, cmds);
                });
        }
        for action in actions {
            cmds.push(match action {
                TimelineAction::Seek(f) => ReviewCmd::Player(PlayerCommand::Seek(f)),
                TimelineAction::Select(id) => ReviewCmd::Select(id),
                TimelineAction::Move { id, start, end } => ReviewCmd::Move { id, start, end },
            });
        }
    }

    fn keyboard(&mut self, ctx: &egui::Context, cmds: &mut Vec<ReviewCmd>) {
        // While a text field has focus, keys type into it; only Escape leaves it.
        // While a menu is open, keys are the menu's (Escape closes it, and only it).
        if ctx.memory(|m| m.focused().is_some()) || egui::Popup::is_any_open(ctx) {
            return;
        }
        let second = self.host.second();
        for action in shortcuts::pressed(ctx, shortcuts::BINDINGS) {
            cmds.push(match action {
                Action::PlayPause => ReviewCmd::Player(PlayerCommand::TogglePlay),
                Action::ShuttleBack => ReviewCmd::Shuttle(if self.shuttle >= 0 {
                    -1
                } else {
                    (self.shuttle * 2).max(-4)
                }),
                Action::ShuttleStop => ReviewCmd::Shuttle(0),
                Action::ShuttleForward => ReviewCmd::Shuttle(if self.shuttle <= 0 {
                    1
                } else {
                    (self.shuttle * 2).min(4)
                }),
                Action::FrameBack => ReviewCmd::Player(PlayerCommand::Step(-1)),
                Action::FrameForward => ReviewCmd::Player(PlayerCommand::Step(1)),
                Action::SecondBack => ReviewCmd::Player(PlayerCommand::Step(-second)),
                Action::SecondForward => ReviewCmd::Player(PlayerCommand::Step(second)),
                Action::GoToStart => ReviewCmd::Player(PlayerCommand::GoToStart),
                Action::GoToEnd => ReviewCmd::Player(PlayerCommand::GoToEnd),
                Action::SetIn => ReviewCmd::SetIn,
                Action::SetOut => ReviewCmd::SetOut,
                Action::ExportClip => ReviewCmd::OpenExport,
                Action::Undo => ReviewCmd::Undo,
                Action::Redo => ReviewCmd::Redo,
                Action::Find => {
                    self.list.focus_filter = true;
                    continue;
                }
                Action::Fullscreen => {
                    let full = ctx.input(|i| i.viewport().fullscreen.unwrap_or(false));
                    ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(!full));
                    continue;
                }
                Action::DeleteSelected => match &self.selected {
                    Some(id) => ReviewCmd::Delete(id.clone()),
                    None => continue,
                },
                Action::ShortcutSheet => {
                    self.sheet_open = !self.sheet_open;
                    continue;
                }
                Action::Back => {
                    if self.sheet_open || self.consent_open || self.views.sync_open {
                        self.sheet_open = false;
                        self.consent_open = false;
                        self.views.sync_open = false;
                        continue;
                    }
                    ReviewCmd::Back
                }
                Action::NudgeViewFrameBack | Action::NudgeViewFrameForward => {
                    let Some(i) = self.views.target_angle() else {
                        continue;
                    };
                    let frame = self.views.frame_ns(i);
                    ReviewCmd::Nudge(if action == Action::NudgeViewFrameBack {
                        -frame
                    } else {
                        frame
                    })
                }
                Action::NudgeView10msBack => ReviewCmd::Nudge(-10_000_000),
                Action::NudgeView10msForward => ReviewCmd::Nudge(10_000_000),
                Action::ChooseView(n) => ReviewCmd::ChooseView(usize::from(n)),
                Action::NextLayout => ReviewCmd::SetLayout(self.views.layout.next()),
                Action::DataOverlay => ReviewCmd::Data(data_lanes::DataCmd::ToggleOverlay),
            });
        }
        // Codebook hotkeys.
        let keys: Vec<(egui::Key, String)> = self
            .codebook
            .codes
            .iter()
            .filter_map(|c| Some((shortcuts::code_key(c.hotkey.as_deref()?)?, c.id.clone())))
            .collect();
        ctx.input_mut(|input| {
            for (key, id) in keys {
                if input.consume_key(egui::Modifiers::NONE, key) {
                    cmds.push(ReviewCmd::Code(id));
                }
            }
        });
    }

    /// Applies commands: the one place that changes the player and the vault.
    pub fn apply(&mut self, vault: &mut Vault, cmds: Vec<ReviewCmd>) -> ReviewOutcome {
        let mut outcome = ReviewOutcome::default();
        let mut reload = false;
        for cmd in cmds {
            let result: Result<(), String> = match cmd {
                ReviewCmd::Player(c) => {
                    if matches!(
                        c,
                        PlayerCommand::Step(_)
                            | PlayerCommand::Seek(_)
                            | PlayerCommand::GoToStart
                            | PlayerCommand::GoToEnd
                    ) {
                        self.shuttle = self.shuttle.max(0);
                    }
                    match c {
                        // The sound controls act on every view's sound; the
                        // reference stays silent while another view's plays.
                        PlayerCommand::SetMute(m) => {
                            self.views.send_all(PlayerCommand::SetMute(m));
                            let muted = m || self.views.voiced().is_some();
                            self.reference_muted = muted;
                            self.host.send(PlayerCommand::SetMute(muted))
                        }
                        PlayerCommand::SetVolume(_) => {
                            self.views.send_all(c.clone());
                            self.host.send(c)
                        }
                        c => self.host.send(c),
                    }
                }
                ReviewCmd::Code(code) => {
                    reload = true;
                    self.edits.push(Edit::Annotation);
                    self.add_code(vault, &code)
                }
                ReviewCmd::Select(id) => {
                    self.select(id);
                    Ok(())
                }
                ReviewCmd::Jump(id) => {
                    let start = self
                        .annotations
                        .iter()
                        .find(|a| a.id == id)
                        .map(|a| a.start_frame);
                    self.select(Some(id));
                    match start {
                        Some(f) => self.host.send(PlayerCommand::Seek(f)),
                        None => Ok(()),
                    }
                }
                ReviewCmd::Move { id, start, end } => {
                    reload = true;
                    self.edits.push(Edit::Annotation);
                    let edit = AnnotationEdit {
                        start_frame: Some(start),
                        end_frame: end.map(Some),
                        ..Default::default()
                    };
                    vault
                        .update_annotation(&id, edit)
                        .map_err(|e| format!("{e:#}"))
                }
                ReviewCmd::SaveEdit => {
                    reload = true;
                    self.edits.push(Edit::Annotation);
                    self.save_edit(vault)
                }
                ReviewCmd::Delete(id) => {
                    reload = true;
                    self.edits.push(Edit::Annotation);
                    if self.selected.as_deref() == Some(id.as_str()) {
                        self.select(None);
                    }
                    vault.delete_annotation(&id).map_err(|e| format!("{e:#}"))
                }
                ReviewCmd::Undo => {
                    reload = true;
                    // The newest edit first, sync or annotation; annotations
                    // from earlier sessions after this session's edits.
                    match self.edits.pop() {
                        Some(Edit::Sync) => self
                            .views
                            .undo(vault)
                            .map(|()| self.message = Some("Undid the sync change.".into())),
                        Some(Edit::Data) => self.data.undo(vault).map(|()| {
                            self.rebuild_data_metrics();
                            self.message = Some("Undid the device data alignment.".into());
                        }),
                        _ => match vault.undo(&self.recording.id) {
                            Ok(Some(_)) => Ok(()),
                            Ok(None) => Err("nothing to undo".into()),
                            Err(e) => Err(format!("{e:#}")),
                        },
                    }
                }
                ReviewCmd::Redo => {
                    reload = true;
                    match vault.redo(&self.recording.id) {
                        Ok(Some(_)) => {
                            self.edits.push(Edit::Annotation);
                            Ok(())
                        }
                        Ok(None) => Err("nothing to redo".into()),
                        Err(e) => Err(format!("{e:#}")),
                    }
                }
                ReviewCmd::SetIn => {
                    self.in_out.0 = Some(self.shown_frame());
                    Ok(())
                }
                ReviewCmd::SetOut => {
                    self.in_out.1 = Some(self.shown_frame());
                    Ok(())
                }
                ReviewCmd::ClearInOut => {
                    self.in_out = (None, None);
                    Ok(())
                }
                ReviewCmd::OpenExport => {
                    match self.in_out {
                        (Some(a), Some(b)) if a <= b => {
                            self.export.open_for((a, b), vault, &self.recording.id);
                            let _ = self.host.send(PlayerCommand::Seek(a));
                        }
                        _ => {
                            self.message = Some(
                                "Set the clip's first frame with I and its last with O, then export.".into(),
                            );
                        }
                    }
                    Ok(())
                }
                ReviewCmd::FindFaces => {
                    self.export.start(vault, &self.recording.id, false);
                    Ok(())
                }
                ReviewCmd::ExportClip => {
                    self.export.start(vault, &self.recording.id, true);
                    Ok(())
                }
                ReviewCmd::Shuttle(speed) => self.shuttle(speed),
                ReviewCmd::Consent(new) => {
                    self.consent.reload();
                    match vault.set_consent(new) {
                        Ok(shredded) if shredded.contains(&self.recording.id) => {
                            outcome.close = Some(Some("The policy deleted this recording after the refusal or withdrawal.".into()));
                            Ok(())
                        }
                        Ok(_) => Ok(()),
                        Err(e) => Err(format!("{e:#}")),
                    }
                }
                ReviewCmd::ExportAnnotations(format, path) => {
                    let text = vault.export_annotations(&self.recording.id, format);
                    self.save(text, &path, "Wrote")
                }
                ReviewCmd::ImportAnnotations(path) => {
                    let format = match path.extension().and_then(|e| e.to_str()) {
                        Some(e) if e.eq_ignore_ascii_case("eaf") => Ok(ImportFormat::Eaf),
                        Some(e) if e.eq_ignore_ascii_case("json") => Ok(ImportFormat::Json),
                        _ => Err(format!(
                            "{}: pick a Debrief JSON (.json) or ELAN (.eaf) file",
                            path.display()
                        )),
                    };
                    let imported = format.and_then(|format| {
                        let text = std::fs::read_to_string(&path)
                            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                        let name = path.display().to_string();
                        vault
                            .import_annotations(&self.recording.id, format, &text, &name)
                            .map_err(|e| format!("Nothing imported: {e:#}"))
                    });
                    imported.map(|n| {
                        self.message = Some(format!(
                            "Imported {n} annotation{} from {}.",
                            if n == 1 { "" } else { "s" },
                            path.display()
                        ));
                        reload = true;
                    })
                }
                ReviewCmd::Report(path) => {
                    self.commit_pending(vault);
                    let html = vault.report(&self.recording.id, true);
                    self.save(html, &path, "Wrote the debrief report:")
                }
                ReviewCmd::ConsentSheet(path) => {
                    let html = vault.consent_sheet(&self.case.id);
                    self.save(html, &path, "Wrote the consent information sheet:")
                }
                ReviewCmd::Back => {
                    self.commit_pending(vault);
                    outcome.close = Some(None);
                    Ok(())
                }
                ReviewCmd::ChooseView(n) => {
                    if n < self.views.count() {
                        self.views.chosen = n;
                    }
                    Ok(())
                }
                ReviewCmd::SetLayout(layout) => {
                    self.views.layout = layout;
                    Ok(())
                }
                ReviewCmd::SyncWindow(open) => {
                    self.views.sync_open = open && !self.views.angles.is_empty();
                    Ok(())
                }
                ReviewCmd::Nudge(delta_ns) => match self.views.target_angle() {
                    Some(i) => self.views.nudge(vault, i, delta_ns).map(|()| self.edits.push(Edit::Sync)),
                    None => Err("This recording has one camera view: add another from the library to nudge it.".into()),
                },
                ReviewCmd::SyncBySound(i) => self.views.start_sync(vault, i),
                ReviewCmd::AcceptWeak(accept) => match self.views.weak.take() {
                    Some((i, found)) if accept => self
                        .views
                        .set_mapping(vault, i, found.mapping, crate::views::SyncSource::Audio, Some(found.confidence))
                        .map(|()| self.edits.push(Edit::Sync)),
                    _ => Ok(()),
                },
                ReviewCmd::AddMark(i) => match self.host.view.shown {
                    Some((_, ref_ns)) => self.views.add_mark(i, ref_ns),
                    None => Ok(()),
                },
                ReviewCmd::FitMarks(i) => {
                    let marks = match &self.views.marks {
                        Some((j, m)) if *j == i => m.clone(),
                        _ => Vec::new(),
                    };
                    match crate::views::marks::fit(&marks) {
                        Ok(fit) => self
                            .views
                            .set_mapping(vault, i, fit.mapping, crate::views::SyncSource::Marks, None)
                            .map(|()| {
                                self.edits.push(Edit::Sync);
                                let worst = fit.residuals_ns.iter().map(|r| r.abs()).max().unwrap_or(0);
                                self.message = Some(format!(
                                    "Synchronised from {} mark{} (largest residual {:.1} ms).",
                                    marks.len(),
                                    if marks.len() == 1 { "" } else { "s" },
                                    worst as f64 / 1e6
                                ));
                            }),
                        Err(e) => Err(e.to_string()),
                    }
                }
                ReviewCmd::ClearMarks => {
                    self.views.marks = None;
                    Ok(())
                }
                ReviewCmd::Data(c) => {
                    let mut notice = None;
                    let result = self.data.apply(vault, &self.recording.id, c, &mut notice);
                    if let Some(n) = notice {
                        self.message = Some(n);
                    }
                    self.rebuild_data_metrics();
                    result.map(|changed| {
                        if changed {
                            self.edits.push(Edit::Data);
                        }
                    })
                }
                ReviewCmd::DataWindow(open) => {
                    self.data.window_open = open;
                    Ok(())
                }
            };
            match result {
                Ok(()) => {}
                Err(e) => self.message = Some(e),
            }
        }
        if reload && outcome.close.is_none() {
            self.reload(vault);
        }
        outcome
    }

    /// Writes what the vault produced to `path` (owner-only) and says so.
    fn save(
        &mut self,
        made: Result<String, crate::vault::VaultError>,
        path: &std::path::Path,
        done: &str,
    ) -> Result<(), String> {
        let text = made.map_err(|e| format!("{e:#}"))?;
        crate::vault::fsutil::write_private(path, text.as_bytes()).map_err(|e| format!("{e:#}"))?;
        self.message = Some(format!("{done} {}.", path.display()));
        Ok(())
    }

    fn shuttle(&mut self, speed: i32) -> Result<(), String> {
        self.shuttle = speed;
        let send = |c| self.host.send(c);
        match speed {
            0 => send(PlayerCommand::Pause),
            s if s > 0 => {
                send(PlayerCommand::SetRate(f64::from(s)))?;
                send(PlayerCommand::Play)
            }
            _ => send(PlayerCommand::Pause),
        }
    }

    /// A code button or hotkey: a point lands on the displayed frame; a
    /// duration starts there, or, if this user has one open, ends there.
    fn add_code(&mut self, vault: &mut Vault, code_id: &str) -> Result<(), String> {
        let Some(code) = self.codebook.code(code_id) else {
            return Err(format!("unknown code {code_id}"));
        };
        let frame = self.shown_frame();
        let me = vault.user().name.clone();
        if code.kind == CodeKind::Duration
            && let Some(open) = self
                .annotations
                .iter()
                .find(|a| a.code == code_id && a.end_frame.is_none() && a.author == me)
        {
            let id = open.id.clone();
            let start = open.start_frame;
            // Stopping before the start swaps the ends: the span is what was marked.
            let (start, end) = (start.min(frame), start.max(frame));
            let edit = AnnotationEdit {
                start_frame: Some(start),
                end_frame: Some(Some(end)),
                ..Default::default()
            };
            vault
                .update_annotation(&id, edit)
                .map_err(|e| format!("{e:#}"))?;
            self.select(Some(id));
            return Ok(());
        }
        let new = NewAnnotation {
            recording_id: self.recording.id.clone(),
            code: code_id.to_owned(),
            start_frame: frame,
            ..Default::default()
        };
        let id = vault.add_annotation(new).map_err(|e| format!("{e:#}"))?;
        self.select(Some(id));
        Ok(())
    }

    fn select(&mut self, id: Option<String>) {
        if self.selected == id {
            return;
        }
        self.selected = id.clone();
        let a = id
            .as_ref()
            .and_then(|id| self.annotations.iter().find(|a| &a.id == id));
        self.editor = Editor {
            id,
            note: a.and_then(|a| a.note.clone()).unwrap_or_default(),
            private_note: a.and_then(|a| a.private_note.clone()).unwrap_or_default(),
            rating: a.and_then(|a| a.rating),
            dirty: false,
        };
    }

    fn save_edit(&mut self, vault: &mut Vault) -> Result<(), String> {
        let Some(id) = self.editor.id.clone() else {
            return Ok(());
        };
        let Some(a) = self.annotations.iter().find(|a| a.id == id) else {
            return Ok(());
        };
        let mine = a.author == vault.user().name;
        let edit = AnnotationEdit {
            note: Some(Some(self.editor.note.clone())),
            rating: Some(self.editor.rating),
            private_note: mine.then(|| Some(self.editor.private_note.clone())),
            ..Default::default()
        };
        vault
            .update_annotation(&id, edit)
            .map_err(|e| format!("{e:#}"))?;
        self.editor.dirty = false;
        Ok(())
    }

    /// Saves an edit in progress (before leaving or locking: nothing typed is lost).
    pub fn commit_pending(&mut self, vault: &mut Vault) {
        if self.editor.dirty
            && let Err(e) = self.save_edit(vault)
        {
            self.message = Some(e);
        }
    }

    fn reload(&mut self, vault: &Vault) {
        match vault.annotations(&self.recording.id) {
            Ok(list) => {
                self.annotations = list;
                self.rebuild_events();
                if let Some(id) = &self.selected
                    && !self.annotations.iter().any(|a| &a.id == id)
                {
                    self.select(None);
                }
                // Refresh the editor from what was stored, unless the user is typing.
                if !self.editor.dirty
                    && let Some(id) = self.selected.clone()
                {
                    self.selected = None;
                    self.select(Some(id));
                }
            }
            Err(e) => self.message = Some(format!("{e:#}")),
        }
    }

    /// The colour of a code's lane.
    pub(crate) fn code_colour(&self, code_id: &str) -> Color32 {
        self.codebook
            .code(code_id)
            .and_then(|c| {
                self.codebook
                    .categories
                    .iter()
                    .position(|cat| cat.id == c.category)
            })
            .and_then(|i| self.lanes.get(i))
            .map_or(Color32::GRAY, |l| l.colour)
    }
}

/// The "Annotations" menu: exports for other tools, imports, the debrief
/// report. File dialogs run here; the work is done in `apply`.
fn annotations_menu(ui: &mut egui::Ui, cmds: &mut Vec<ReviewCmd>) {
    ui.menu_button("Annotations", |ui| {
        ui.label(egui::RichText::new("Export for other tools").weak());
        for (format, what) in [
            (ExportFormat::Json, "Debrief JSON…"),
            (ExportFormat::Csv, "CSV…"),
            (ExportFormat::Eaf, "ELAN (EAF)…"),
            (ExportFormat::Boris, "BORIS project…"),
            (ExportFormat::Vtt, "WebVTT subtitles…"),
            (ExportFormat::Srt, "SubRip subtitles…"),
        ] {
            if ui.button(what).clicked() {
                ui.close();
                if let Some(path) = rfd::FileDialog::new()
                    .set_file_name(format!("annotations.{}", format.extension()))
                    .add_filter(what.trim_end_matches('…'), &[format.extension()])
                    .save_file()
                {
                    cmds.push(ReviewCmd::ExportAnnotations(format, path));
                }
            }
        }
        ui.separator();
        if ui
            .button("Import annotations…")
            .on_hover_text("Add annotations from Debrief JSON or ELAN EAF, as you")
            .clicked()
        {
            ui.close();
            if let Some(path) = rfd::FileDialog::new()
                .add_filter("Debrief JSON or ELAN", &["json", "eaf"])
                .pick_file()
            {
                cmds.push(ReviewCmd::ImportAnnotations(path));
            }
        }
        if ui
            .button("Debrief report…")
            .on_hover_text("A printable page: summary, timeline, time targets, events (no names)")
            .clicked()
        {
            ui.close();
            if let Some(path) = rfd::FileDialog::new()
                .set_file_name("debrief-report.html")
                .add_filter("HTML page", &["html"])
                .save_file()
            {
                cmds.push(ReviewCmd::Report(path));
            }
        }
    });
}
