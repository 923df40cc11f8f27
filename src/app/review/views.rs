//! Camera views on the review screen (issue 16): the other views of a
//! recording shown beside the reference, each following the frame the
//! reference shows through its mapping, in four layouts; moving a view's
//! sync (sound, marks, nudges) with undo; and each view's coverage under the
//! timeline.
//!
//! The reference keeps its own player (the review screen's, with sound);
//! every other view gets a silent [`PlayerHost`] that is only ever asked for
//! single frames. A view follows the frame the reference *shows* (never the
//! one requested), so the pictures on screen belong to one moment, paused,
//! stepping or playing. Which frame that is comes from
//! [`crate::views::view_frame`], the same function the CLI and the engine's
//! `Players` use. Annotations stay on the reference: changing a view's sync
//! never moves one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use egui::{Color32, FontId, Rect, Sense, UiBuilder, pos2, vec2};

use super::ReviewCmd;
use crate::app::player_host::PlayerHost;
use crate::app::timeline::TimelineState;
use crate::media::{FrameTable, PlayerCommand};
use crate::vault::{Vault, VaultError};
use crate::views::audio::{AudioSync, CONFIRM_BELOW};
use crate::views::marks::{self, Mark};
use crate::views::{Mapping, Shown, SyncSource, View, coverage, view_frame};

/// How the views share the picture area.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// One view, with a strip of thumbnails of the others to switch.
    Single,
    /// All views in one row.
    #[default]
    SideBySide,
    /// The chosen view large, up to three small beside it.
    LargeSmall,
    /// Two by two.
    Grid,
}

impl Layout {
    /// Every layout, in the order the buttons and Alt+V go through them.
    pub const ALL: [Layout; 4] = [
        Layout::Single,
        Layout::SideBySide,
        Layout::LargeSmall,
        Layout::Grid,
    ];

    /// Its button's label.
    pub fn label(self) -> &'static str {
        match self {
            Layout::Single => "Single",
            Layout::SideBySide => "Side by side",
            Layout::LargeSmall => "Large + small",
            Layout::Grid => "2 × 2",
        }
    }

    /// The next layout (Alt+V).
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|l| *l == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// Where one view goes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tile {
    /// The view: 0 is the reference.
    pub view: usize,
    /// Its area.
    pub rect: Rect,
    /// The chosen view (drawn large where the layout has a large one).
    pub chosen: bool,
}

/// Space between tiles, in points.
const GAP: f32 = 4.0;

/// How long a voiced view's seek gets to land before it is judged out of step.
const RESYNC_AFTER: Duration = Duration::from_millis(300);

/// Where each of `views` views goes in `area` under `layout`, `chosen`
/// being the large (or highlighted) one. Every view gets exactly one tile;
/// tiles never overlap.
pub fn tiles(layout: Layout, views: usize, chosen: usize, area: Rect) -> Vec<Tile> {
    let chosen = chosen.min(views.saturating_sub(1));
    if views <= 1 {
        return vec![Tile {
            view: 0,
            rect: area,
            chosen: true,
        }];
    }
    let tile = |view: usize, rect: Rect| Tile {
        view,
        rect,
        chosen: view == chosen,
    };
    let others: Vec<usize> = (0..views).filter(|&v| v != chosen).collect();
    match layout {
        Layout::Single => {
            let strip = (area.height() * 0.2).clamp(40.0, 120.0);
            let main = Rect::from_min_max(area.min, pos2(area.max.x, area.max.y - strip));
            let height = strip - GAP;
            let width = (height * 16.0 / 9.0).min(area.width() / others.len() as f32 - GAP);
            let mut out = vec![tile(chosen, main)];
            for (i, &v) in others.iter().enumerate() {
                let min = pos2(area.min.x + i as f32 * (width + GAP), main.max.y + GAP);
                out.push(tile(v, Rect::from_min_size(min, vec2(width, height))));
            }
            out
        }
        Layout::SideBySide => {
            let width = (area.width() - GAP * (views - 1) as f32) / views as f32;
            (0..views)
                .map(|v| {
                    let min = pos2(area.min.x + v as f32 * (width + GAP), area.min.y);
                    tile(v, Rect::from_min_size(min, vec2(width, area.height())))
                })
                .collect()
        }
        Layout::LargeSmall => {
            let small_w = ((area.width() - GAP) * 0.25).max(1.0);
            let large = Rect::from_min_max(area.min, pos2(area.max.x - small_w - GAP, area.max.y));
            let small_h = (area.height() - 2.0 * GAP) / 3.0;
            let mut out = vec![tile(chosen, large)];
            for (i, &v) in others.iter().enumerate() {
                let min = pos2(large.max.x + GAP, area.min.y + i as f32 * (small_h + GAP));
                out.push(tile(v, Rect::from_min_size(min, vec2(small_w, small_h))));
            }
            out
        }
        Layout::Grid => {
            let rows = views.div_ceil(2);
            let width = (area.width() - GAP) / 2.0;
            let height = (area.height() - GAP * (rows - 1) as f32) / rows as f32;
            (0..views)
                .map(|v| {
                    let (row, col) = (v / 2, v % 2);
                    let min = pos2(
                        area.min.x + col as f32 * (width + GAP),
                        area.min.y + row as f32 * (height + GAP),
                    );
                    tile(v, Rect::from_min_size(min, vec2(width, height)))
                })
                .collect()
        }
    }
}

/// One view other than the reference, with its silent player.
pub struct Angle {
    /// The view as stored (its mapping is the one in use).
    pub view: View,
    /// Its player and picture.
    pub host: PlayerHost,
    /// What it was last asked to show; `None` asks again on the next frame.
    pub target: Option<Shown>,
    /// The reference frames it covers.
    pub covers: Option<(u64, u64)>,
    /// Playing by itself with its sound (the chosen view while the
    /// reference plays), at this rate; seeked only when it falls behind.
    voiced: Option<f64>,
    /// When it was last seeked back into step while voiced.
    resynced: Option<Instant>,
}

impl Angle {
    /// Plays with its sound in step with the reference, now at its frame `n`.
    fn voice(&mut self, n: u64, rate: f64) {
        match self.voiced {
            None => {
                let _ = self.host.send(PlayerCommand::Seek(n));
                let _ = self.host.send(PlayerCommand::SetRate(rate));
                let _ = self.host.send(PlayerCommand::Play);
                self.voiced = Some(rate);
                self.resynced = Some(Instant::now());
            }
            Some(was) => {
                if was != rate {
                    let _ = self.host.send(PlayerCommand::SetRate(rate));
                    self.voiced = Some(rate);
                }
                // Its own clock drifts from the reference's, and a seek of
                // the reference moves the target: back into step when more
                // than a frame off (not more often than the seek settles).
                let settled = self.resynced.is_none_or(|t| t.elapsed() >= RESYNC_AFTER);
                if settled && self.host.shown_frame().abs_diff(n) > 1 {
                    let _ = self.host.send(PlayerCommand::Seek(n));
                    self.resynced = Some(Instant::now());
                }
            }
        }
    }

    /// Its camera label, or "view N" (N as Alt+N chooses it: the reference
    /// is view 1, angle `index` view `index + 2`).
    pub fn name(&self, index: usize) -> String {
        self.view
            .camera
            .clone()
            .unwrap_or_else(|| format!("view {}", index + 2))
    }
}

/// A sync change, for undo: the view and what it had before.
#[derive(Clone, Debug)]
struct SyncUndo {
    angle: usize,
    before: View,
}

/// A running "sync by sound".
struct SyncJob {
    angle: usize,
    done: Arc<AtomicI64>,
    total: Arc<AtomicI64>,
    cancel: Arc<AtomicBool>,
    result: Receiver<Result<AudioSync, VaultError>>,
}

/// The camera views of the recording under review.
#[derive(Default)]
pub struct ViewsState {
    /// The reference's camera label.
    pub reference_camera: Option<String>,
    /// The other views, in the order they were added.
    pub angles: Vec<Angle>,
    /// How they share the picture area.
    pub layout: Layout,
    /// The chosen view (0: the reference): drawn large, nudged by Alt+arrows.
    pub chosen: usize,
    /// The sync window is open.
    pub sync_open: bool,
    /// A weak sound match waiting for the reviewer: the view and the match.
    pub weak: Option<(usize, AudioSync)>,
    /// Sync marks being collected for a view: the view and the marks.
    pub marks: Option<(usize, Vec<Mark>)>,
    undo: Vec<SyncUndo>,
    job: Option<SyncJob>,
}

impl ViewsState {
    /// Opens every other view of `recording_id` (consent-checked, verified
    /// and audited by the vault, as the reference was). A view that cannot
    /// be opened is left out and named in the returned notice; the review
    /// goes on with the others.
    pub fn open(
        vault: &mut Vault,
        recording_id: &str,
        wake: &crate::media::player::Wake,
    ) -> (Self, Option<String>) {
        let mut state = Self::default();
        let views = match vault.views(recording_id) {
            Ok(v) => v,
            Err(e) => return (state, Some(format!("{e:#}"))),
        };
        let mut problems = Vec::new();
        let cache = crate::views::players::cache_bytes(views.len());
        for view in views {
            if view.reference {
                state.reference_camera = view.camera.clone();
                continue;
            }
            let name = view.camera.clone().unwrap_or_else(|| "a view".into());
            let opened = vault
                .open_media(&view.view_id, true)
                .map_err(|e| format!("{e:#}"))
                .and_then(|(source, info)| {
                    // Its sound is decoded only while it is the chosen view and playing.
                    let audio = info.has_audio();
                    PlayerHost::open_with_cache(source, info, Arc::clone(wake), audio, cache)
                });
            match opened {
                Ok(host) => state.angles.push(Angle {
                    view,
                    host,
                    target: None,
                    covers: None,
                    voiced: None,
                    resynced: None,
                }),
                Err(e) => problems.push(format!("{name}: {e}")),
            }
        }
        let notice = (!problems.is_empty()).then(|| {
            format!(
                "Some camera views could not be opened: {}",
                problems.join("; ")
            )
        });
        (state, notice)
    }

    /// Each camera view's own frame at reference frame `frame`, one line
    /// each, for the frame counter's hover text; `None` with one view.
    pub fn frames_text(&self, frame: u64) -> Option<String> {
        if self.angles.is_empty() {
            return None;
        }
        let reference = self.reference_camera.as_deref().unwrap_or("reference");
        let mut lines = vec![format!("{reference} (reference): frame {frame}")];
        for (i, a) in self.angles.iter().enumerate() {
            lines.push(match a.target {
                Some(Shown::Frame(n)) => format!("{}: frame {n}", a.name(i)),
                Some(Shown::Outside) => format!("{}: no video here", a.name(i)),
                None => format!("{}: …", a.name(i)),
            });
        }
        Some(lines.join("\n"))
    }

    /// Views in all, the reference included.
    pub fn count(&self) -> usize {
        1 + self.angles.len()
    }

    /// Drains every view's player; returns the first error.
    pub fn pump(&mut self, ctx: &egui::Context) -> Option<String> {
        let mut error = None;
        for (i, a) in self.angles.iter_mut().enumerate() {
            if let Some(e) = a.host.pump(ctx).error {
                error.get_or_insert(format!("{}: {e}", a.name(i)));
            }
        }
        error
    }

    /// The angle whose sound plays while the reference plays: the chosen
    /// view when it has sound (none: the reference's own).
    pub fn sound_angle(&self) -> Option<usize> {
        let i = self.chosen.checked_sub(1)?;
        self.angles
            .get(i)
            .filter(|a| a.host.info.has_audio())
            .map(|_| i)
    }

    /// Sends `command` to every view's player.
    pub fn send_all(&self, command: PlayerCommand) {
        for a in &self.angles {
            let _ = a.host.send(command.clone());
        }
    }

    /// The angle playing its sound now, if any (the reference is muted then).
    pub fn voiced(&self) -> Option<usize> {
        self.angles.iter().position(|a| a.voiced.is_some())
    }

    /// Asks every view for its frame at the reference frame on screen.
    /// While the reference plays (at `rate`), the view whose sound is
    /// chosen plays by itself, with its sound, and is seeked back into step
    /// only when more than a frame off; every other view is sent seeks.
    pub fn follow(&mut self, reference: &FrameTable, frame: u64, playing: Option<f64>) {
        let sound = playing.and(self.sound_angle());
        for (i, a) in self.angles.iter_mut().enumerate() {
            if a.covers.is_none() {
                a.covers = coverage(reference, &a.host.info.table, a.view.mapping);
            }
            let target = view_frame(reference, &a.host.info.table, a.view.mapping, frame);
            if let (Some(rate), Shown::Frame(n)) = (playing.filter(|_| sound == Some(i)), target) {
                a.voice(n, rate);
                a.target = Some(target);
                continue;
            }
            if a.voiced.take().is_some() {
                let _ = a.host.send(PlayerCommand::Pause);
                a.target = None;
            }
            if a.target != Some(target) {
                if let Shown::Frame(n) = target {
                    let _ = a.host.send(PlayerCommand::Seek(n));
                }
                a.target = Some(target);
            }
        }
    }

    /// True when every view shows what the reference frame asks of it.
    pub fn settled(&self) -> bool {
        self.angles.iter().all(|a| match a.target {
            Some(Shown::Frame(n)) => a.host.view.shown.is_some_and(|(i, _)| i == n),
            Some(Shown::Outside) => true,
            None => false,
        })
    }

    /// The angle the sync tools act on: the chosen view, or the first other
    /// one while the reference is chosen.
    pub fn target_angle(&self) -> Option<usize> {
        match self.chosen {
            0 if self.angles.is_empty() => None,
            0 => Some(0),
            n => Some(n - 1),
        }
    }

    /// Stores a new mapping for angle `i` (audited by the vault) and keeps
    /// the old one for undo.
    pub fn set_mapping(
        &mut self,
        vault: &mut Vault,
        i: usize,
        mapping: Mapping,
        source: SyncSource,
        score: Option<f64>,
    ) -> Result<(), String> {
        let a = self.angles.get_mut(i).ok_or("no such view")?;
        vault
            .set_view_mapping(&a.view.view_id, mapping, source, score)
            .map_err(|e| format!("{e:#}"))?;
        self.undo.push(SyncUndo {
            angle: i,
            before: a.view.clone(),
        });
        a.view.mapping = mapping;
        a.view.source = source;
        a.view.score = score;
        a.target = None;
        a.covers = None;
        Ok(())
    }

    /// Moves angle `i`'s pictures `delta_ns` later (negative: earlier),
    /// keeping its drift: the CLI's `--nudge-ms`.
    pub fn nudge(&mut self, vault: &mut Vault, i: usize, delta_ns: i64) -> Result<(), String> {
        let a = self.angles.get(i).ok_or("no such view")?;
        let m = a.view.mapping;
        let moved = Mapping::starting_at(m.start_ns() + delta_ns, m.drift_ppm);
        self.set_mapping(vault, i, moved, SyncSource::Manual, None)
    }

    /// One frame period of angle `i`, in ns.
    pub fn frame_ns(&self, i: usize) -> i64 {
        self.angles.get(i).map_or(33_333_333, |a| {
            (1e9 / a.host.info.rate.as_f64().max(1.0)).round() as i64
        })
    }

    /// Undoes the newest sync change (stored again, so the history keeps it).
    pub fn undo(&mut self, vault: &mut Vault) -> Result<(), String> {
        let Some(u) = self.undo.pop() else {
            return Err("nothing to undo".into());
        };
        // Back to "not synchronised" is stored as a manual setting of the same mapping.
        let source = match u.before.source {
            SyncSource::Unsynced | SyncSource::Reference => SyncSource::Manual,
            s => s,
        };
        let a = self.angles.get_mut(u.angle).ok_or("no such view")?;
        vault
            .set_view_mapping(&a.view.view_id, u.before.mapping, source, u.before.score)
            .map_err(|e| format!("{e:#}"))?;
        a.view.mapping = u.before.mapping;
        a.view.source = source;
        a.view.score = u.before.score;
        a.target = None;
        a.covers = None;
        Ok(())
    }

    /// True while a sound match runs.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Starts matching angle `i`'s sound with the reference's, on a second
    /// handle on the vault, in the background.
    pub fn start_sync(&mut self, vault: &Vault, i: usize) -> Result<(), String> {
        if self.job.is_some() {
            return Err("a sound match is already running".into());
        }
        let view_id = self
            .angles
            .get(i)
            .ok_or("no such view")?
            .view
            .view_id
            .clone();
        let mut handle = vault.reopen().map_err(|e| format!("{e:#}"))?;
        let (done, total) = (Arc::new(AtomicI64::new(0)), Arc::new(AtomicI64::new(1)));
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (d, t, c) = (Arc::clone(&done), Arc::clone(&total), Arc::clone(&cancel));
        std::thread::Builder::new()
            .name("debrief-sync".into())
            .spawn(move || {
                let result = handle.sync_view_by_audio(&view_id, &mut |at, all| {
                    d.store(at, Ordering::Relaxed);
                    t.store(all.max(1), Ordering::Relaxed);
                    !c.load(Ordering::Relaxed)
                });
                let _ = tx.send(result);
            })
            .map_err(|e| format!("cannot start the sound match: {e}"))?;
        self.weak = None;
        self.job = Some(SyncJob {
            angle: i,
            done,
            total,
            cancel,
            result: rx,
        });
        Ok(())
    }

    /// Checks on a running sound match: a strong match is stored at once, a
    /// weak one waits for the reviewer. Returns a notice or an error, and
    /// whether a mapping was stored (an edit to undo).
    pub fn poll(&mut self, vault: &mut Vault) -> Option<(Result<String, String>, bool)> {
        let job = self.job.as_ref()?;
        let result = match job.result.try_recv() {
            Ok(r) => r,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => {
                Err(VaultError::Invalid("the sound match stopped".into()))
            }
        };
        let i = job.angle;
        let cancelled = job.cancel.load(Ordering::Relaxed);
        self.job = None;
        let name = self.angles.get(i).map(|a| a.name(i)).unwrap_or_default();
        Some(match result {
            Err(_) if cancelled => (
                Ok(format!(
                    "Sound match for {name} cancelled; its sync is unchanged."
                )),
                false,
            ),
            Err(e) => (Err(format!("{e:#}")), false),
            Ok(found) if found.confidence >= CONFIRM_BELOW => {
                let stored = self
                    .set_mapping(
                        vault,
                        i,
                        found.mapping,
                        SyncSource::Audio,
                        Some(found.confidence),
                    )
                    .map(|()| {
                        format!(
                            "{name} synchronised by sound (score {:.2}, {} of {} windows matched).",
                            found.confidence, found.windows.0, found.windows.1
                        )
                    });
                let changed = stored.is_ok();
                (stored, changed)
            }
            Ok(found) => {
                self.weak = Some((i, found));
                self.sync_open = true;
                (
                    Ok(format!(
                        "The sound of {name} matched only weakly: confirm it in the sync window."
                    )),
                    false,
                )
            }
        })
    }

    /// Adds a mark for angle `i`: the reference frame on screen and the
    /// view's frame on screen show the same moment.
    pub fn add_mark(&mut self, i: usize, ref_ns: i64) -> Result<(), String> {
        let a = self.angles.get(i).ok_or("no such view")?;
        let Some((_, view_ns)) = a.host.view.shown else {
            return Err(format!(
                "{} shows no frame here: move to a moment both views show",
                a.name(i)
            ));
        };
        match &mut self.marks {
            Some((j, marks)) if *j == i => marks.push(Mark { ref_ns, view_ns }),
            _ => self.marks = Some((i, vec![Mark { ref_ns, view_ns }])),
        }
        Ok(())
    }
}

/// What a click on the pictures asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PictureClick {
    /// The chosen view was clicked: play or pause.
    TogglePlay,
    /// Another view was clicked: choose it.
    Choose(usize),
}

/// The views' pictures in `ui`'s remaining space; clicking the chosen view
/// plays or pauses, clicking another chooses it.
pub fn pictures_ui(
    ui: &mut egui::Ui,
    reference: &PlayerHost,
    views: &ViewsState,
) -> Option<PictureClick> {
    let area = ui.available_rect_before_wrap();
    let mut click = None;
    for tile in tiles(views.layout, views.count(), views.chosen, area) {
        let host = match tile.view {
            0 => reference,
            n => &views.angles[n - 1].host,
        };
        let response = ui
            .scope_builder(UiBuilder::new().max_rect(tile.rect), |ui| host.view.ui(ui))
            .inner;
        let painter = ui.painter_at(tile.rect);
        let (name, detail) = match tile.view {
            0 => (
                views
                    .reference_camera
                    .clone()
                    .unwrap_or_else(|| "reference".into()),
                format!("frame {} · reference", host.shown_frame()),
            ),
            n => {
                let a = &views.angles[n - 1];
                let set_by = match (a.view.source, a.view.score) {
                    (SyncSource::Audio, Some(s)) => format!("sound {s:.2}"),
                    (s, _) => s.as_str().to_owned(),
                };
                if a.target == Some(Shown::Outside) {
                    painter.rect_filled(tile.rect, 0.0, Color32::BLACK);
                    let covers = a
                        .covers
                        .map_or("nothing of this recording".to_owned(), |(f, l)| {
                            format!("frames {f}–{l}")
                        });
                    painter.text(
                        tile.rect.center(),
                        egui::Align2::CENTER_CENTER,
                        format!("No video here\n{} covers {covers}", a.name(n - 1)),
                        FontId::proportional(15.0),
                        Color32::GRAY,
                    );
                    (a.name(n - 1), format!("no frame · {set_by}"))
                } else {
                    (
                        a.name(n - 1),
                        format!("frame {} · {set_by}", a.host.shown_frame()),
                    )
                }
            }
        };
        if views.count() > 1 {
            let caption = format!("{} {name} · {detail}", tile.view + 1);
            let galley =
                painter.layout_no_wrap(caption, FontId::proportional(13.0), Color32::WHITE);
            let at = tile.rect.left_top() + vec2(6.0, 4.0);
            painter.rect_filled(
                Rect::from_min_size(at, galley.size()).expand(3.0),
                3.0,
                Color32::from_black_alpha(170),
            );
            painter.galley(at, galley, Color32::WHITE);
            if tile.chosen {
                painter.rect_stroke(
                    tile.rect.shrink(1.0),
                    0.0,
                    egui::Stroke::new(2.0, ui.visuals().selection.stroke.color),
                    egui::StrokeKind::Inside,
                );
            }
        }
        let response = response.on_hover_text(format!(
            "View {}: {name} (Alt+{}{})",
            tile.view + 1,
            tile.view + 1,
            if tile.chosen {
                "; click to play or pause"
            } else {
                "; click to choose it"
            }
        ));
        if response.clicked() {
            click = Some(if tile.chosen {
                PictureClick::TogglePlay
            } else {
                PictureClick::Choose(tile.view)
            });
        }
    }
    click
}

/// One thin bar per view under the timeline: the reference frames it covers,
/// on the timeline's scale.
pub fn coverage_ui(ui: &mut egui::Ui, timeline: &TimelineState, views: &ViewsState, frames: u64) {
    let (Some(track), true) = (timeline.track, !views.angles.is_empty()) else {
        return;
    };
    for (i, a) in views.angles.iter().enumerate() {
        let (row, response) =
            ui.allocate_exact_size(vec2(ui.available_width(), 12.0), Sense::hover());
        let painter = ui.painter_at(row);
        painter.text(
            pos2(row.left() + 4.0, row.center().y),
            egui::Align2::LEFT_CENTER,
            a.name(i),
            FontId::proportional(11.0),
            ui.visuals().weak_text_color(),
        );
        let bar = Rect::from_min_max(
            pos2(track.left(), row.top() + 3.0),
            pos2(track.right(), row.bottom() - 3.0),
        );
        painter.rect_filled(bar, 2.0, ui.visuals().extreme_bg_color);
        let text = match a.covers {
            Some((first, last)) => {
                let x0 = timeline
                    .x_of(first as f64)
                    .unwrap_or(bar.left())
                    .max(bar.left());
                let x1 = timeline
                    .x_of((last + 1).min(frames) as f64)
                    .unwrap_or(bar.right())
                    .min(bar.right());
                if x1 > x0 {
                    painter.rect_filled(
                        Rect::from_min_max(pos2(x0, bar.top()), pos2(x1, bar.bottom())),
                        2.0,
                        Color32::from_rgb(70, 130, 180),
                    );
                }
                format!("{} has video for frames {first}–{last}", a.name(i))
            }
            None => format!("{} has no video within this recording", a.name(i)),
        };
        response.on_hover_text(text);
    }
}

/// The row above the pictures: layouts, the chosen view's nudges, the sync window.
pub fn bar_ui(ui: &mut egui::Ui, views: &ViewsState, cmds: &mut Vec<ReviewCmd>) {
    ui.horizontal(|ui| {
        ui.label("Views");
        for layout in Layout::ALL {
            if ui
                .selectable_label(views.layout == layout, layout.label())
                .on_hover_text("Arrange the camera views (Alt+V: next layout)")
                .clicked()
            {
                cmds.push(ReviewCmd::SetLayout(layout));
            }
        }
        ui.separator();
        if let Some(i) = views.target_angle() {
            let a = &views.angles[i];
            let frame = views.frame_ns(i);
            ui.label(a.name(i));
            for (text, delta, hint) in [
                ("−1 frame", -frame, "Its pictures one frame earlier (Alt+←)"),
                ("+1 frame", frame, "Its pictures one frame later (Alt+→)"),
                (
                    "−10 ms",
                    -10_000_000,
                    "Its pictures 10 ms earlier (Alt+Shift+←)",
                ),
                (
                    "+10 ms",
                    10_000_000,
                    "Its pictures 10 ms later (Alt+Shift+→)",
                ),
            ] {
                if ui.small_button(text).on_hover_text(hint).clicked() {
                    cmds.push(ReviewCmd::Nudge(delta));
                }
            }
            ui.label(
                egui::RichText::new(format!(
                    "{:+.1} ms · {:+.1} ppm · {}",
                    a.view.mapping.start_ns() as f64 / 1e6,
                    a.view.mapping.drift_ppm,
                    a.view.source.as_str()
                ))
                .weak(),
            );
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .selectable_label(views.sync_open, "Sync…")
                .on_hover_text("Synchronise the views by sound or by marks")
                .clicked()
            {
                cmds.push(ReviewCmd::SyncWindow(!views.sync_open));
            }
        });
    });
}

/// The sync window: each view's mapping and what set it, sync by sound
/// (with progress and cancel, and a question when the match is weak), and
/// sync marks with their residuals.
pub fn sync_window_ui(ctx: &egui::Context, views: &ViewsState, cmds: &mut Vec<ReviewCmd>) {
    let mut open = views.sync_open;
    egui::Window::new("Sync views")
        .open(&mut open)
        .default_width(620.0)
        .show(ctx, |ui| {
            ui.label(
                egui::RichText::new(
                    "Annotations stay on the reference view's frames: changing a view's sync never moves one.",
                )
                .weak(),
            );
            egui::Grid::new("sync-views").striped(true).show(ui, |ui| {
                for h in ["View", "Starts at", "Drift", "Set by", "Covers", ""] {
                    ui.strong(h);
                }
                ui.end_row();
                ui.label(format!(
                    "1 {} (reference)",
                    views.reference_camera.as_deref().unwrap_or("reference")
                ));
                ui.label("0.0 ms");
                ui.label("—");
                ui.label("reference");
                ui.label("all");
                ui.end_row();
                for (i, a) in views.angles.iter().enumerate() {
                    ui.label(format!("{} {}", i + 2, a.name(i)));
                    ui.label(format!("{:+.1} ms", a.view.mapping.start_ns() as f64 / 1e6));
                    ui.label(format!("{:+.1} ppm", a.view.mapping.drift_ppm));
                    ui.label(match a.view.score {
                        Some(s) => format!("{} (score {s:.2})", a.view.source.as_str()),
                        None => a.view.source.as_str().to_owned(),
                    });
                    ui.label(a.covers.map_or("nothing".into(), |(f, l)| format!("frames {f}–{l}")));
                    if ui
                        .add_enabled(!views.busy(), egui::Button::new("Sync by sound"))
                        .on_hover_text("Match this view's sound with the reference's")
                        .clicked()
                    {
                        cmds.push(ReviewCmd::SyncBySound(i));
                    }
                    ui.end_row();
                }
            });
            if let Some(job) = &views.job {
                ui.horizontal(|ui| {
                    let (done, total) = (job.done.load(Ordering::Relaxed), job.total.load(Ordering::Relaxed));
                    ui.label(format!("Listening to {}…", views.angles[job.angle].name(job.angle)));
                    ui.add(
                        egui::ProgressBar::new((done as f32 / total.max(1) as f32).clamp(0.0, 1.0))
                            .desired_width(240.0)
                            .show_percentage(),
                    );
                    if ui.button("Cancel").clicked() {
                        job.cancel.store(true, Ordering::Relaxed);
                    }
                });
                ctx.request_repaint_after(std::time::Duration::from_millis(100));
            }
            if let Some((i, found)) = &views.weak {
                ui.separator();
                ui.colored_label(
                    Color32::from_rgb(200, 150, 40),
                    format!(
                        "The sound of {} matched only weakly (score {:.2}, {} of {} windows): it would start at {:+.1} ms, drift {:+.1} ppm. Check a clap or an alarm before using it.",
                        views.angles[*i].name(*i),
                        found.confidence,
                        found.windows.0,
                        found.windows.1,
                        found.mapping.start_ns() as f64 / 1e6,
                        found.mapping.drift_ppm
                    ),
                );
                ui.horizontal(|ui| {
                    if ui.button("Use it").clicked() {
                        cmds.push(ReviewCmd::AcceptWeak(true));
                    }
                    if ui.button("Keep the current sync").clicked() {
                        cmds.push(ReviewCmd::AcceptWeak(false));
                    }
                });
            }
            ui.separator();
            ui.strong("Sync marks");
            let Some(i) = views.target_angle() else { return };
            let name = views.angles[i].name(i);
            ui.label(format!(
                "Show a moment both views saw (a clap, a light, the baby's arrival) on the reference, nudge {name} until it shows the same moment, then add a mark. One mark sets the offset; marks some seconds apart also fit the drift."
            ));
            let marks: &[Mark] = match &views.marks {
                Some((j, m)) if *j == i => m,
                _ => &[],
            };
            let fit = marks::fit(marks);
            for (n, m) in marks.iter().enumerate() {
                let residual = fit
                    .as_ref()
                    .ok()
                    .and_then(|f| f.residuals_ns.get(n))
                    .map_or(String::new(), |r| format!(" · residual {:+.1} ms", *r as f64 / 1e6));
                ui.label(format!(
                    "mark {}: reference {:.3} s = {name} {:.3} s{residual}",
                    n + 1,
                    m.ref_ns as f64 / 1e9,
                    m.view_ns as f64 / 1e9
                ));
            }
            ui.horizontal(|ui| {
                if ui.button(format!("Add mark for {name}")).clicked() {
                    cmds.push(ReviewCmd::AddMark(i));
                }
                let label = format!("Sync {name} from {} mark{}", marks.len(), if marks.len() == 1 { "" } else { "s" });
                if ui.add_enabled(fit.is_ok(), egui::Button::new(label)).clicked() {
                    cmds.push(ReviewCmd::FitMarks(i));
                }
                if ui.add_enabled(!marks.is_empty(), egui::Button::new("Clear marks")).clicked() {
                    cmds.push(ReviewCmd::ClearMarks);
                }
            });
            if let (Err(e), false) = (&fit, marks.is_empty()) {
                ui.label(egui::RichText::new(e.to_string()).weak());
            }
        });
    if open != views.sync_open {
        cmds.push(ReviewCmd::SyncWindow(open));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area() -> Rect {
        Rect::from_min_size(pos2(10.0, 20.0), vec2(1600.0, 900.0))
    }

    fn check(layout: Layout, views: usize, chosen: usize) -> Vec<Tile> {
        let tiles = tiles(layout, views, chosen, area());
        let mut seen: Vec<usize> = tiles.iter().map(|t| t.view).collect();
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..views).collect::<Vec<_>>(),
            "{layout:?}: every view once"
        );
        for (i, a) in tiles.iter().enumerate() {
            assert!(
                area().expand(0.01).contains_rect(a.rect),
                "{layout:?} {a:?} inside"
            );
            assert!(
                a.rect.width() > 10.0 && a.rect.height() > 10.0,
                "{layout:?} {a:?} visible"
            );
            for b in &tiles[i + 1..] {
                assert!(
                    !a.rect.shrink(0.01).intersects(b.rect.shrink(0.01)),
                    "{layout:?}: {a:?} overlaps {b:?}"
                );
            }
        }
        assert_eq!(tiles.iter().filter(|t| t.chosen).count(), 1);
        tiles
    }

    #[test]
    fn every_layout_shows_every_view_once_without_overlap() {
        for layout in Layout::ALL {
            for views in 1..=4 {
                for chosen in 0..views {
                    check(layout, views, chosen);
                }
            }
        }
    }

    #[test]
    fn the_chosen_view_is_the_large_one_in_single_and_large_small() {
        for layout in [Layout::Single, Layout::LargeSmall] {
            let tiles = check(layout, 4, 2);
            let largest = tiles
                .iter()
                .max_by(|a, b| a.rect.area().total_cmp(&b.rect.area()))
                .unwrap();
            assert_eq!(largest.view, 2, "{layout:?}");
            assert!(largest.chosen);
            let others: f32 = tiles
                .iter()
                .filter(|t| !t.chosen)
                .map(|t| t.rect.area())
                .sum();
            assert!(
                largest.rect.area() > others,
                "{layout:?}: the large view dominates"
            );
        }
    }

    #[test]
    fn side_by_side_and_grid_keep_the_views_in_order_and_equal() {
        let row = check(Layout::SideBySide, 3, 1);
        assert!(row.windows(2).all(|w| w[0].rect.left() < w[1].rect.left()));
        assert!(
            row.iter()
                .all(|t| (t.rect.area() - row[0].rect.area()).abs() < 1.0)
        );
        let grid = check(Layout::Grid, 4, 0);
        assert_eq!(
            grid[2].rect.left(),
            grid[0].rect.left(),
            "view 3 starts the second row"
        );
        assert!(grid[2].rect.top() > grid[0].rect.bottom());
    }

    #[test]
    fn alt_v_goes_through_every_layout() {
        let mut l = Layout::Single;
        let mut seen = vec![l];
        for _ in 0..3 {
            l = l.next();
            seen.push(l);
        }
        assert_eq!(seen, Layout::ALL.to_vec());
        assert_eq!(l.next(), Layout::Single);
    }
}
