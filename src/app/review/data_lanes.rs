//! Device data on the review screen: one lane per signal under the
//! annotation lanes (sharing their zoom, pan and playhead), the current
//! values over the video, and the "Device data" window (add a file, show,
//! hide and order lanes, align the data with the video by pairing events).
//!
//! Waveforms are drawn as the lowest and highest sample of each pixel
//! column (`device_data::lanes`), so no peak is lost at any zoom; when the
//! samples are fewer than the pixels, trends are a step line through every
//! sample and waveforms a line. Lanes only read; every change to the vault
//! (import, alignment, undo) goes out as a [`ReviewCmd`].

use std::path::PathBuf;

use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, pos2, vec2};

use super::ReviewCmd;
use crate::app::timeline::TimelineState;
use crate::device_data::lanes::{Extremes, column_extremes};
use crate::device_data::targets;
use crate::device_data::{DataSet, Mapping, Reading, Signal, SignalKind, format_value};
use crate::media::FrameTable;
use crate::vault::{DataSource, Vault};
use crate::views::marks::Mark;

/// What the device data widgets ask for ([`DataState::apply`] does it).
#[derive(Clone, Debug, PartialEq)]
pub enum DataCmd {
    /// Import this device file into the recording.
    Add(PathBuf),
    /// Set a source's alignment by hand (the ±100 ms / ±1 s buttons).
    SetMapping(String, Mapping),
    /// Pair the frame on screen with a data time, for a source.
    Pair(String, Mark),
    /// Align a source from its pairs.
    Fit(String),
    /// Forget a source's pairs.
    ForgetPairs(String),
    /// Show or hide lane n.
    LaneVisible(usize, bool),
    /// Values over the video on or off.
    ToggleOverlay,
}

/// One imported data source with its samples.
pub struct Loaded {
    /// As stored.
    pub source: DataSource,
    /// Its samples.
    pub set: DataSet,
    extremes: Vec<Extremes>,
}

/// One lane on screen: which signal, shown or hidden, how tall.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaneView {
    /// Index into [`DataState::sources`].
    pub source: usize,
    /// Index of the signal in that source.
    pub signal: usize,
    /// Drawn under the timeline.
    pub visible: bool,
    /// Height in points.
    pub height: f32,
}

/// Device data of the recording under review.
#[derive(Default)]
pub struct DataState {
    /// The recording's data sources, loaded.
    pub sources: Vec<Loaded>,
    /// The lanes, top to bottom.
    pub lanes: Vec<LaneView>,
    /// Values over the video.
    pub overlay: bool,
    /// The "Device data" window is open.
    pub window_open: bool,
    /// The file typed (or picked) to add.
    pub path: String,
    /// The data time typed for the next pair, in seconds.
    pub pair_data_s: String,
    /// Pairs made this session, per source id: video time and data time.
    pub pairs: Vec<(String, Mark)>,
    /// Sources whose alignment this session changed, newest last (Ctrl+Z).
    pub aligned: Vec<String>,
    /// Where each visible lane's strip was drawn last (lane index, rect): for tests.
    pub drawn: Vec<(usize, Rect)>,
}

const NAME_WIDTH: f32 = 150.0;
const LANE_COLOURS: [Color32; 6] = [
    Color32::from_rgb(232, 93, 93),
    Color32::from_rgb(80, 170, 230),
    Color32::from_rgb(120, 200, 120),
    Color32::from_rgb(230, 180, 70),
    Color32::from_rgb(190, 130, 230),
    Color32::from_rgb(90, 210, 200),
];

impl Loaded {
    fn new(source: DataSource, set: DataSet) -> Self {
        let extremes = set
            .signals
            .iter()
            .map(|s| Extremes::new(&s.values))
            .collect();
        Self {
            source,
            set,
            extremes,
        }
    }
}

/// Recording time (ns) at fractional frame `f` of `table` (between frames by
/// their PTS, beyond the ends by the nominal frame duration `frame_ns`).
pub fn recording_ns_at(table: &FrameTable, frame_ns: i64, f: f64) -> i64 {
    let step = frame_ns.max(1) as f64;
    let last = table.len().saturating_sub(1);
    let first_pts = table.pts(0).unwrap_or(0);
    if f < 0.0 || table.is_empty() {
        return first_pts + (f * step).round() as i64;
    }
    let i = (f.floor() as u64).min(last);
    let pts = table.pts(i).unwrap_or(first_pts);
    let span = table.pts(i + 1).map_or(step, |next| (next - pts) as f64);
    pts + ((f - i as f64) * span).round() as i64
}

/// The fractional frame at recording time `ns` (the inverse of [`recording_ns_at`]).
pub fn frame_of_ns(table: &FrameTable, frame_ns: i64, ns: i64) -> f64 {
    let step = frame_ns.max(1) as f64;
    let first_pts = table.pts(0).unwrap_or(0);
    if ns < first_pts || table.is_empty() {
        return (ns - first_pts) as f64 / step;
    }
    let i = table.frame_at(ns).unwrap_or(table.len().saturating_sub(1));
    let pts = table.pts(i).unwrap_or(first_pts);
    let span = table
        .pts(i + 1)
        .map_or(step, |next| ((next - pts) as f64).max(1.0));
    i as f64 + (ns - pts) as f64 / span
}

impl DataState {
    /// Loads every data source of `recording_id` (a failure is the notice returned).
    pub fn open(vault: &mut Vault, recording_id: &str) -> (Self, Option<String>) {
        let mut state = Self::default();
        let notice = state.reload(vault, recording_id).err();
        // A recording with device data shows its values from the start (Alt+D hides them).
        state.overlay = !state.sources.is_empty();
        (state, notice)
    }

    /// Loads the sources again (after an import), keeping lanes already arranged.
    pub fn reload(&mut self, vault: &mut Vault, recording_id: &str) -> Result<(), String> {
        let sources = vault
            .data_sources(recording_id)
            .map_err(|e| format!("{e:#}"))?;
        let mut loaded = Vec::new();
        for source in sources {
            let set = vault
                .load_data(&source.source_id)
                .map_err(|e| format!("{e:#}"))?;
            loaded.push(Loaded::new(source, set));
        }
        let old: Vec<(String, usize, LaneView)> = self
            .lanes
            .iter()
            .filter_map(|l| {
                let id = self.sources.get(l.source)?.source.source_id.clone();
                Some((id, l.signal, *l))
            })
            .collect();
        let mut lanes: Vec<LaneView> = old
            .iter()
            .filter_map(|(id, signal, lane)| {
                let source = loaded.iter().position(|s| &s.source.source_id == id)?;
                Some(LaneView { source, ..*lane })
                    .filter(|_| *signal < loaded[source].set.signals.len())
            })
            .collect();
        for (si, s) in loaded.iter().enumerate() {
            for (gi, g) in s.set.signals.iter().enumerate() {
                if !lanes.iter().any(|l| l.source == si && l.signal == gi) {
                    lanes.push(LaneView {
                        source: si,
                        signal: gi,
                        visible: true,
                        height: if g.kind == SignalKind::Waveform {
                            44.0
                        } else {
                            34.0
                        },
                    });
                }
            }
        }
        self.sources = loaded;
        self.lanes = lanes;
        Ok(())
    }

    /// Takes a source's new alignment.
    pub fn set_source(&mut self, source: DataSource) {
        if let Some(l) = self
            .sources
            .iter_mut()
            .find(|l| l.source.source_id == source.source_id)
        {
            l.source = source;
        }
    }

    /// Height the visible lanes take.
    pub fn height(&self) -> f32 {
        self.lanes
            .iter()
            .filter(|l| l.visible)
            .map(|l| l.height + 2.0)
            .sum()
    }

    fn signal(&self, lane: &LaneView) -> Option<(&Loaded, &Signal, &Extremes)> {
        let loaded = self.sources.get(lane.source)?;
        Some((
            loaded,
            loaded.set.signals.get(lane.signal)?,
            loaded.extremes.get(lane.signal)?,
        ))
    }

    /// The values the overlay shows at recording time `rec_ns` (see
    /// [`crate::device_data::readings_at`]).
    pub fn values_at(
        &self,
        rec_ns: i64,
        birth_ns: Option<i64>,
        targets: &[crate::model::codebook::DataTarget],
    ) -> Vec<Reading> {
        let sources: Vec<_> = self
            .sources
            .iter()
            .map(|l| (l.source.mapping, &l.set))
            .collect();
        crate::device_data::readings_at(&sources, rec_ns, birth_ns, targets)
    }
}

/// What the lanes need to know of the recording.
pub struct LanesInput<'a> {
    /// The reference's frame table (frames ↔ recording time).
    pub table: &'a FrameTable,
    /// Its nominal frame duration in ns (beyond its ends).
    pub frame_ns: i64,
    /// The frame on screen.
    pub playhead: u64,
    /// Recording time of the `birth` code, if coded (SpO2 targets by minute of life).
    pub birth_ns: Option<i64>,
    /// The codebook's target bands (signals it does not name have the built-in ones).
    pub targets: &'a [crate::model::codebook::DataTarget],
}

/// Draws the visible lanes under the timeline; a click seeks there.
pub fn lanes_ui(
    ui: &mut egui::Ui,
    data: &mut DataState,
    timeline: &TimelineState,
    input: &LanesInput<'_>,
    cmds: &mut Vec<ReviewCmd>,
) {
    let (Some(track), Some(view)) = (timeline.track, timeline.view) else {
        return;
    };
    let mut menu: Option<(usize, LaneMenu)> = None;
    let mut drawn = Vec::new();
    let visible: Vec<usize> = (0..data.lanes.len())
        .filter(|&i| data.lanes.get(i).is_some_and(|l| l.visible))
        .collect();
    for (row_no, &i) in visible.iter().enumerate() {
        let Some(lane) = data.lanes.get(i).copied() else {
            continue;
        };
        let Some((loaded, signal, extremes)) = data.signal(&lane) else {
            continue;
        };
        let colour = LANE_COLOURS[i % LANE_COLOURS.len()];
        let (outer, response) = ui.allocate_exact_size(
            vec2(ui.available_width(), lane.height),
            Sense::click_and_drag(),
        );
        let strip = Rect::from_min_max(
            pos2(track.left(), outer.top() + 1.0),
            pos2(track.right(), outer.bottom() - 1.0),
        );
        drawn.push((i, strip));
        let painter = ui.painter_at(outer);
        let visuals = ui.visuals();
        painter.rect_filled(outer, 0.0, visuals.extreme_bg_color);
        if row_no % 2 == 1 {
            painter.rect_filled(outer, 0.0, visuals.faint_bg_color.gamma_multiply(0.5));
        }
        let mapping = loaded.source.mapping;
        let rec_ns_at_x = |x: f32| {
            recording_ns_at(
                input.table,
                input.frame_ns,
                view.frame_at(f64::from(x), f64::from(track.left())),
            )
        };
        let minutes_at = |rec_ns: i64| input.birth_ns.map(|b| (rec_ns - b) as f64 / 60e9);
        // Vertical scale: the whole signal's range, widened to its target band.
        let (mut lo, mut hi) = extremes
            .min_max(&signal.values, 0..signal.len())
            .unwrap_or((0.0, 1.0));
        if let Some(band) = targets::band_in(input.targets, &signal.name, Some(10.0)) {
            lo = lo.min(band.low.unwrap_or(lo));
            hi = hi.max(band.high.unwrap_or(hi));
        }
        let pad = ((hi - lo) * 0.08).max(0.5);
        let (lo, hi) = (lo - pad, hi + pad);
        let y_of = |v: f32| strip.bottom() - (v - lo) / (hi - lo) * strip.height();
        // Target band, column by column (SpO2's moves with minute of life).
        let band_fill = Color32::from_rgba_unmultiplied(90, 200, 120, 40);
        let mut x = strip.left();
        while x < strip.right() {
            let rec = rec_ns_at_x(x);
            if let Some(band) = targets::band_in(input.targets, &signal.name, minutes_at(rec)) {
                let top = band.high.map_or(strip.top(), y_of).max(strip.top());
                let bottom = band.low.map_or(strip.bottom(), y_of).min(strip.bottom());
                if bottom > top {
                    painter.rect_filled(
                        Rect::from_min_max(
                            pos2(x, top),
                            pos2((x + 4.0).min(strip.right()), bottom),
                        ),
                        0.0,
                        band_fill,
                    );
                }
            }
            x += 4.0;
        }
        // Column edges in data time.
        let columns = strip.width().max(1.0) as usize;
        let edges: Vec<i64> = (0..=columns)
            .map(|c| mapping.view_ns(rec_ns_at_x(strip.left() + c as f32)))
            .collect();
        let (first, last) = (
            edges.first().copied().unwrap_or(0),
            edges.last().copied().unwrap_or(0),
        );
        let in_view = signal.range(first, last);
        let clip = painter.with_clip_rect(strip);
        let stroke = Stroke::new(1.3, colour);
        if in_view.len() < columns / 2 {
            // Every sample: a step line for trends, a line for waveforms (one sample either side).
            let from = in_view.start.saturating_sub(1);
            let to = (in_view.end + 1).min(signal.len());
            let x_of_data = |t: i64| {
                let f = frame_of_ns(input.table, input.frame_ns, mapping.ref_ns(t));
                view.x_of(f, f64::from(track.left())) as f32
            };
            let mut points: Vec<Pos2> = Vec::new();
            let mut prev: Option<(f32, f32)> = None;
            for k in from..to {
                let (Some(t), Some(&v)) = (signal.time_ns(k), signal.values.get(k)) else {
                    continue;
                };
                let (px, py) = (x_of_data(t), y_of(v));
                // A gap longer than the hold breaks the line.
                if let Some((_, _)) = prev
                    && k > 0
                    && signal
                        .time_ns(k - 1)
                        .is_some_and(|p| t - p > signal.hold_ns())
                {
                    clip.add(egui::Shape::line(std::mem::take(&mut points), stroke));
                }
                if signal.kind == SignalKind::Trend
                    && let Some((_, last_y)) = prev
                    && !points.is_empty()
                {
                    points.push(pos2(px, last_y));
                }
                points.push(pos2(px, py));
                prev = Some((px, py));
                if in_view.len() < 200 && signal.kind == SignalKind::Trend {
                    clip.circle_filled(pos2(px, py), 1.8, colour);
                }
            }
            clip.add(egui::Shape::line(points, stroke));
        } else {
            // One mesh of one-point-wide bars: thousands of columns cost one shape.
            let cols = column_extremes(signal, extremes, &edges);
            let mut mesh = egui::Mesh::default();
            let mut prev: Option<(f32, f32)> = None;
            for (c, mm) in cols.iter().enumerate() {
                let Some((min, max)) = *mm else {
                    prev = None;
                    continue;
                };
                let px = strip.left() + c as f32;
                let (y0, y1) = (y_of(max), y_of(min));
                // Joined to the column before, so a steep edge is not a dotted line.
                let (top, bottom) = match prev {
                    Some((pt, pb)) => (y0.min(pb), y1.max(pt)),
                    None => (y0, y1),
                };
                mesh.add_colored_rect(
                    Rect::from_min_max(pos2(px, top), pos2(px + 1.3, bottom.max(top + 1.3))),
                    colour,
                );
                prev = Some((y0, y1));
            }
            clip.add(egui::Shape::mesh(mesh));
        }
        // Playhead.
        let ph = timeline.x_of(input.playhead as f64);
        if let Some(ph) = ph.filter(|x| strip.x_range().contains(*x)) {
            painter.line_segment(
                [pos2(ph, outer.top()), pos2(ph, outer.bottom())],
                Stroke::new(1.5, Color32::from_rgb(230, 60, 60)),
            );
        }
        // Name, unit and the value under the playhead.
        let play_rec = input.table.pts(input.playhead).unwrap_or(0);
        let value = signal.value_at(mapping.view_ns(play_rec));
        let out_of_band = value.is_some_and(|v| {
            targets::band_in(input.targets, &signal.name, minutes_at(play_rec))
                .is_some_and(|b| !b.contains(v))
        });
        let text = visuals.text_color();
        painter.rect_filled(
            Rect::from_min_size(
                pos2(outer.left() + 4.0, outer.top() + 6.0),
                vec2(4.0, lane.height - 12.0),
            ),
            1.0,
            colour,
        );
        let name = crate::app::timeline::elided(
            &painter,
            &signal.name,
            FontId::proportional(12.0),
            text,
            NAME_WIDTH - 70.0,
        );
        painter.galley(pos2(outer.left() + 14.0, outer.top() + 4.0), name, text);
        painter.text(
            pos2(outer.left() + 14.0, outer.bottom() - 3.0),
            Align2::LEFT_BOTTOM,
            &signal.unit,
            FontId::proportional(10.0),
            visuals.weak_text_color(),
        );
        painter.text(
            pos2(track.left() - 6.0, outer.center().y),
            Align2::RIGHT_CENTER,
            value.map_or_else(|| "–".to_owned(), format_value),
            FontId::monospace(14.0),
            if out_of_band {
                Color32::from_rgb(240, 90, 90)
            } else {
                text
            },
        );
        // Interaction: click seeks, the pointer shows the value there, right-click arranges.
        let hover = response.hover_pos().filter(|p| strip.contains(*p));
        if response.clicked()
            && let Some(p) = response
                .interact_pointer_pos()
                .filter(|p| strip.contains(*p))
        {
            let f =
                view.snapped_frame_at(f64::from(p.x), f64::from(track.left()), input.table.len());
            cmds.push(ReviewCmd::Player(crate::media::PlayerCommand::Seek(f)));
        }
        let response = match hover {
            Some(p) => {
                let t = mapping.view_ns(rec_ns_at_x(p.x));
                let v = signal
                    .value_at(t)
                    .map_or_else(|| "no value".to_owned(), format_value);
                response.on_hover_text_at_pointer(format!(
                    "{} {v} {} · data time {:.3} s",
                    signal.name,
                    signal.unit,
                    t as f64 / 1e9
                ))
            }
            None => response.on_hover_text(format!(
                "{} ({}) from {} · right-click to arrange",
                signal.name,
                signal.kind.as_str(),
                loaded.source.label
            )),
        };
        response.context_menu(|ui| {
            for (label, what) in [
                ("Hide", LaneMenu::Hide),
                ("Move up", LaneMenu::Up),
                ("Move down", LaneMenu::Down),
                ("Taller", LaneMenu::Taller),
                ("Shorter", LaneMenu::Shorter),
            ] {
                if ui.button(label).clicked() {
                    menu = Some((i, what));
                    ui.close();
                }
            }
        });
    }
    data.drawn = drawn;
    if let Some((i, what)) = menu {
        data.arrange(i, what);
    }
}

impl DataState {
    /// Does what a widget asked. `Ok(Some(true))` when the vault's alignment
    /// changed (an undo step), with the notice to show in `notice`.
    pub fn apply(
        &mut self,
        vault: &mut Vault,
        recording_id: &str,
        cmd: DataCmd,
        notice: &mut Option<String>,
    ) -> Result<bool, String> {
        match cmd {
            DataCmd::Add(path) => {
                let options = crate::device_data::csv::CsvOptions::default();
                let (source, set) = vault
                    .import_data(recording_id, &path, None, &options)
                    .map_err(|e| format!("{e:#}"))?;
                *notice = Some(format!(
                    "Added {} signal{} ({} samples) from {}; {}.",
                    source.signals.len(),
                    if source.signals.len() == 1 { "" } else { "s" },
                    set.samples(),
                    source.label,
                    if source.sync_source == "clock" {
                        "placed by the clocks: pair an event to check"
                    } else {
                        "placed at the video's start: pair an event to align it"
                    }
                ));
                self.path.clear();
                self.reload(vault, recording_id)?;
                Ok(false)
            }
            DataCmd::SetMapping(id, mapping) => {
                let source = vault
                    .set_data_mapping(&id, mapping, "manual", &[])
                    .map_err(|e| format!("{e:#}"))?;
                self.set_source(source);
                self.aligned.push(id);
                Ok(true)
            }
            DataCmd::Pair(id, mark) => {
                self.pairs.push((id, mark));
                Ok(false)
            }
            DataCmd::Fit(id) => {
                let marks: Vec<Mark> = self
                    .pairs
                    .iter()
                    .filter(|(s, _)| *s == id)
                    .map(|(_, m)| *m)
                    .collect();
                let source = vault
                    .align_data(&id, &marks)
                    .map_err(|e| format!("{e:#}"))?;
                let worst = source
                    .residuals_ms
                    .iter()
                    .fold(0.0f64, |m, r| m.max(r.abs()));
                *notice = Some(format!(
                    "Aligned {} from {} pair{} (largest residual {worst:.1} ms).",
                    source.label,
                    marks.len(),
                    if marks.len() == 1 { "" } else { "s" }
                ));
                self.set_source(source);
                self.aligned.push(id);
                Ok(true)
            }
            DataCmd::ForgetPairs(id) => {
                self.pairs.retain(|(s, _)| *s != id);
                Ok(false)
            }
            DataCmd::LaneVisible(i, shown) => {
                if let Some(l) = self.lanes.get_mut(i) {
                    l.visible = shown;
                }
                Ok(false)
            }
            DataCmd::ToggleOverlay => {
                self.overlay = !self.overlay;
                Ok(false)
            }
        }
    }

    /// Undoes this session's newest alignment change.
    pub fn undo(&mut self, vault: &mut Vault) -> Result<(), String> {
        let id = self
            .aligned
            .pop()
            .ok_or_else(|| "nothing to undo".to_owned())?;
        let source = vault
            .undo_data_alignment(&id)
            .map_err(|e| format!("{e:#}"))?;
        self.set_source(source);
        Ok(())
    }
}

/// What a lane's menu asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneMenu {
    /// Hide it (the Device data window shows it again).
    Hide,
    /// One place up.
    Up,
    /// One place down.
    Down,
    /// Taller.
    Taller,
    /// Shorter.
    Shorter,
}

impl DataState {
    /// Applies a lane menu choice to lane `i`.
    pub fn arrange(&mut self, i: usize, what: LaneMenu) {
        match what {
            LaneMenu::Hide => {
                if let Some(l) = self.lanes.get_mut(i) {
                    l.visible = false;
                }
            }
            LaneMenu::Up if i > 0 && i < self.lanes.len() => self.lanes.swap(i, i - 1),
            LaneMenu::Down if i + 1 < self.lanes.len() => self.lanes.swap(i, i + 1),
            LaneMenu::Taller | LaneMenu::Shorter => {
                if let Some(l) = self.lanes.get_mut(i) {
                    let step = if what == LaneMenu::Taller {
                        14.0
                    } else {
                        -14.0
                    };
                    l.height = (l.height + step).clamp(24.0, 160.0);
                }
            }
            _ => {}
        }
    }
}

/// The values over the video: one strip along the bottom of `area`, each
/// value red when outside its target band.
pub fn overlay_ui(painter: &egui::Painter, area: Rect, values: &[Reading]) {
    if values.is_empty() {
        return;
    }
    let painter = painter.with_clip_rect(area);
    let label_font = FontId::proportional(11.0);
    let value_font = FontId::monospace(17.0);
    let galleys: Vec<_> = values
        .iter()
        .map(|v| {
            let colour = if v.outside {
                Color32::from_rgb(255, 110, 110)
            } else {
                Color32::WHITE
            };
            (
                painter.layout_no_wrap(
                    v.label.clone(),
                    label_font.clone(),
                    Color32::from_gray(185),
                ),
                painter.layout_no_wrap(
                    format!("{} {}", v.value, v.unit),
                    value_font.clone(),
                    colour,
                ),
            )
        })
        .collect();
    let width: f32 = galleys
        .iter()
        .map(|(l, v)| l.size().x + v.size().x + 22.0)
        .sum::<f32>()
        + 8.0;
    let height = 28.0;
    let rect = Rect::from_min_size(
        pos2(area.left() + 8.0, area.bottom() - height - 8.0),
        vec2(width.min(area.width() - 16.0), height),
    );
    painter.rect_filled(rect, 5.0, Color32::from_black_alpha(180));
    let mut x = rect.left() + 10.0;
    for (label, value) in galleys {
        let (lw, vw) = (label.size().x, value.size().x);
        painter.galley(
            pos2(x, rect.center().y - label.size().y / 2.0),
            label,
            Color32::WHITE,
        );
        x += lw + 5.0;
        painter.galley(
            pos2(x, rect.center().y - value.size().y / 2.0),
            value,
            Color32::WHITE,
        );
        x += vw + 17.0;
    }
}

/// The "Device data" window: add a file, lanes, alignment.
pub fn window_ui(
    ctx: &egui::Context,
    data: &mut DataState,
    table: &FrameTable,
    playhead: u64,
    cmds: &mut Vec<ReviewCmd>,
) {
    let mut open = data.window_open;
    egui::Window::new("Device data")
        .open(&mut open)
        .default_width(520.0)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                let label = ui.label("Device file");
                ui.add(
                    egui::TextEdit::singleline(&mut data.path)
                        .hint_text("monitor CSV/TSV or EDF+")
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
                if ui.button("Browse…").clicked()
                    && let Some(file) = rfd::FileDialog::new()
                        .add_filter("Device data", &["csv", "tsv", "txt", "edf"])
                        .pick_file()
                {
                    data.path = file.display().to_string();
                }
                if ui
                    .add_enabled(!data.path.trim().is_empty(), egui::Button::new("Add device data…"))
                    .on_hover_text("Encrypt the file's samples into the vault beside this recording (the file is only read)")
                    .clicked()
                {
                    cmds.push(ReviewCmd::Data(DataCmd::Add(PathBuf::from(data.path.trim()))));
                }
            });
            ui.checkbox(&mut data.overlay, "Values over the video (Alt+D)");
            ui.separator();
            if data.sources.is_empty() {
                ui.label("No device data yet: add a monitor's CSV/TSV export or an EDF+ file.");
                return;
            }
            let play_rec = table.pts(playhead).unwrap_or(0);
            for (si, loaded) in data.sources.iter().enumerate() {
                let s = &loaded.source;
                ui.strong(&s.label);
                let a = s.alignment_json();
                ui.label(format!(
                    "data time 0 at {:+.3} s on the video · drift {:+.1} ppm · set by {}{}",
                    a["offset_ms"].as_f64().unwrap_or(0.0) / 1000.0,
                    s.mapping.drift_ppm,
                    s.sync_source,
                    if s.residuals_ms.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " · residuals {} ms",
                            s.residuals_ms.iter().map(|r| format!("{r:+.1}")).collect::<Vec<_>>().join(", ")
                        )
                    }
                ));
                let data_now = s.mapping.view_ns(play_rec);
                ui.label(format!("At the playhead: data time {:.3} s", data_now as f64 / 1e9));
                ui.horizontal(|ui| {
                    for (label, delta) in [("−1 s", -1_000_000_000i64), ("−100 ms", -100_000_000), ("+100 ms", 100_000_000), ("+1 s", 1_000_000_000)] {
                        if ui.small_button(label).on_hover_text("Move the data on the video").clicked() {
                            cmds.push(ReviewCmd::Data(DataCmd::SetMapping(s.source_id.clone(), Mapping { offset_ns: s.mapping.offset_ns - delta, ..s.mapping })));
                        }
                    }
                });
                ui.horizontal(|ui| {
                    let label = ui.label("Pair the frame on screen with data time (s)");
                    ui.add(egui::TextEdit::singleline(&mut data.pair_data_s).desired_width(80.0))
                        .labelled_by(label.id);
                    let parsed = data.pair_data_s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
                    if ui.add_enabled(parsed.is_some(), egui::Button::new("Add pair")).clicked()
                        && let Some(sec) = parsed
                    {
                        cmds.push(ReviewCmd::Data(DataCmd::Pair(
                            s.source_id.clone(),
                            Mark { ref_ns: play_rec, view_ns: (sec * 1e9).round() as i64 },
                        )));
                    }
                });
                if !loaded.set.events.is_empty() {
                    ui.horizontal_wrapped(|ui| {
                        ui.label("Device events:");
                        for e in loaded.set.events.iter().take(12) {
                            if ui
                                .small_button(format!("{} @ {:.2} s", e.text, e.at_ns as f64 / 1e9))
                                .on_hover_text("Use this event's data time for the next pair")
                                .clicked()
                            {
                                data.pair_data_s = format!("{:.3}", e.at_ns as f64 / 1e9);
                            }
                        }
                    });
                }
                let pairs: Vec<&Mark> = data.pairs.iter().filter(|(id, _)| id == &s.source_id).map(|(_, m)| m).collect();
                if !pairs.is_empty() {
                    for m in &pairs {
                        ui.label(format!(
                            "  video {:.3} s = data {:.3} s",
                            m.ref_ns as f64 / 1e9,
                            m.view_ns as f64 / 1e9
                        ));
                    }
                    ui.horizontal(|ui| {
                        if ui
                            .button(format!("Align from {} pair{}", pairs.len(), if pairs.len() == 1 { "" } else { "s" }))
                            .on_hover_text("One pair sets the offset; two or more also fit the drift")
                            .clicked()
                        {
                            cmds.push(ReviewCmd::Data(DataCmd::Fit(s.source_id.clone())));
                        }
                        if ui.button("Forget pairs").clicked() {
                            cmds.push(ReviewCmd::Data(DataCmd::ForgetPairs(s.source_id.clone())));
                        }
                    });
                }
                ui.collapsing(format!("Lanes of {}", s.label), |ui| {
                    let lanes: Vec<usize> = (0..data.lanes.len()).filter(|&i| data.lanes[i].source == si).collect();
                    for i in lanes {
                        let Some(name) = loaded.set.signals.get(data.lanes[i].signal).map(|g| format!("{} ({})", g.name, g.unit)) else {
                            continue;
                        };
                        let mut shown = data.lanes[i].visible;
                        if ui.checkbox(&mut shown, name).changed() {
                            cmds.push(ReviewCmd::Data(DataCmd::LaneVisible(i, shown)));
                        }
                    }
                });
                ui.separator();
            }
        });
    data.window_open = open;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::FrameRate;

    #[test]
    fn fractional_frames_map_to_recording_time_between_pts() {
        let table = FrameTable::constant(30, FrameRate::new(30, 1).unwrap(), 10);
        let step = 33_333_333;
        let near = |f: f64, ns: i64| (recording_ns_at(&table, step, f) - ns).abs() <= 1;
        assert!(near(0.0, 0) && near(3.0, 100_000_000) && near(1.5, 50_000_000));
        // Past the last frame and before the first: by the frame duration.
        assert!(near(30.0, 1_000_000_000) && near(-3.0, -100_000_000));
        for f in [0.0, 1.5, 2.25, 29.0, 31.5, -2.0] {
            let back = frame_of_ns(&table, step, recording_ns_at(&table, step, f));
            assert!((back - f).abs() < 1e-6, "{f} → {back}");
        }
    }

    #[test]
    fn lanes_move_hide_and_resize_within_bounds() {
        let lane = |signal| LaneView {
            source: 0,
            signal,
            visible: true,
            height: 30.0,
        };
        let mut data = DataState {
            lanes: vec![lane(0), lane(1)],
            ..DataState::default()
        };
        data.arrange(1, LaneMenu::Up);
        assert_eq!(data.lanes[0].signal, 1);
        data.arrange(1, LaneMenu::Down);
        assert_eq!(data.lanes[1].signal, 0, "the last lane stays last");
        data.arrange(0, LaneMenu::Hide);
        assert!(!data.lanes[0].visible);
        for _ in 0..20 {
            data.arrange(1, LaneMenu::Taller);
        }
        assert_eq!(data.lanes[1].height, 160.0);
        assert!(
            (data.height() - 162.0).abs() < 1e-3,
            "hidden lanes take no room"
        );
    }
}
