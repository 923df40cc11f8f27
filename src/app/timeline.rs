//! The review timeline: a ruler, one lane per codebook category, events as
//! bars (durations) and diamonds (points), the clip's in/out range, and the
//! playhead at the frame actually displayed.
//!
//! Interactions, all snapping to whole frames:
//! - press or drag on the ruler: scrub (the player keeps one seek in flight);
//! - click an event: select it; double-click: jump to it;
//! - drag an event: move it; drag its left or right edge: change start or end;
//! - drag empty space, or scroll sideways: pan; scroll up/down: zoom at the pointer;
//! - double-click empty space: show the whole recording.
//!
//! The widget only pushes [`TimelineAction`]s; the review screen applies them.

pub mod view;

use egui::{
    Align2, Color32, CursorIcon, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, pos2, vec2,
};

use crate::time::FrameRate;
pub use view::TimeView;

/// A lane (one codebook category).
#[derive(Clone, Debug)]
pub struct Lane {
    /// Display name.
    pub name: String,
    /// Colour of its events.
    pub colour: Color32,
}

/// An event drawn on the timeline.
#[derive(Clone, Debug)]
pub struct Event {
    /// Annotation id.
    pub id: String,
    /// Lane index.
    pub lane: usize,
    /// First frame.
    pub start: u64,
    /// Last frame (inclusive) of a duration; `None` for a point or an open duration.
    pub end: Option<u64>,
    /// A duration still open (drawn up to the playhead).
    pub open: bool,
    /// Short label.
    pub label: String,
}

/// What the timeline shows this frame. Events must be sorted by start (the
/// level-of-detail drawing merges neighbours).
pub struct TimelineInput<'a> {
    /// Lanes, top to bottom.
    pub lanes: &'a [Lane],
    /// Events.
    pub events: &'a [Event],
    /// Frames in the recording.
    pub frames: u64,
    /// Nominal rate (labels).
    pub rate: FrameRate,
    /// The frame on screen.
    pub playhead: u64,
    /// Clip range, inclusive.
    pub in_out: (Option<u64>, Option<u64>),
    /// Selected annotation.
    pub selected: Option<&'a str>,
}

/// What the user asked of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineAction {
    /// Show this frame.
    Seek(u64),
    /// Select an annotation (or nothing).
    Select(Option<String>),
    /// Move an annotation to new frames (inclusive end; `None` keeps a point a point).
    Move {
        /// Annotation id.
        id: String,
        /// New first frame.
        start: u64,
        /// New last frame.
        end: Option<u64>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grip {
    Body,
    Start,
    End,
}

#[derive(Clone, Debug)]
enum Drag {
    Scrub,
    Pan,
    Event {
        id: String,
        grip: Grip,
        grab_frame: f64,
        start: u64,
        end: Option<u64>,
        preview: (u64, Option<u64>),
    },
}

/// Timeline state kept between frames.
#[derive(Clone, Debug, Default)]
pub struct TimelineState {
    /// The visible range; `None` until first shown (then: the whole recording).
    pub view: Option<TimeView>,
    drag: Option<Drag>,
    /// Where the frames were drawn last (for tests and hit testing): left edge and width.
    pub track: Option<Rect>,
}

const RULER_HEIGHT: f32 = 24.0;
const LANE_HEIGHT: f32 = 26.0;
const NAME_WIDTH: f32 = 150.0;
const EDGE_GRAB: f64 = 5.0;

impl TimelineState {
    /// Screen x of frame `frame`'s left edge, as last drawn.
    pub fn x_of(&self, frame: f64) -> Option<f32> {
        Some(self.view?.x_of(frame, f64::from(self.track?.left())) as f32)
    }

    /// Vertical centre of lane `lane`, as last drawn.
    pub fn lane_y(&self, lane: usize) -> Option<f32> {
        Some(self.track?.top() + RULER_HEIGHT + LANE_HEIGHT * (lane as f32 + 0.5))
    }

    /// Shows the whole recording again.
    pub fn reset(&mut self) {
        self.view = None;
    }
}

/// Draws the timeline and pushes what the user did into `actions`.
pub fn timeline_ui(
    ui: &mut egui::Ui,
    state: &mut TimelineState,
    input: &TimelineInput<'_>,
    actions: &mut Vec<TimelineAction>,
) -> egui::Response {
    let height = RULER_HEIGHT + LANE_HEIGHT * input.lanes.len().max(1) as f32 + 6.0;
    let (outer, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Slider, true, "Timeline"));
    let track = Rect::from_min_max(pos2(outer.left() + NAME_WIDTH, outer.top()), outer.max);
    state.track = Some(track);
    let width = f64::from(track.width());
    let left = f64::from(track.left());
    let mut view = state
        .view
        .unwrap_or_else(|| TimeView::fit(input.frames, width));
    let frames = input.frames.max(1);

    // ---- interaction ----------------------------------------------------------------------
    let pointer = response.interact_pointer_pos().or(response.hover_pos());
    let hit = pointer.and_then(|p| hit_event(&view, track, input, p));
    if response.hovered() {
        let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta()));
        if let Some(p) = pointer {
            let factor = f64::from(zoom) * (f64::from(scroll.y) * 0.004).exp();
            if (factor - 1.0).abs() > 1e-6 {
                view = view.zoom_at(f64::from(p.x), left, factor, frames, width);
            }
        }
        if scroll.x != 0.0 {
            view = view.pan(-f64::from(scroll.x));
        }
        match hit.as_ref().map(|(_, g)| *g) {
            Some(Grip::Start | Grip::End) => ui.ctx().set_cursor_icon(CursorIcon::ResizeHorizontal),
            Some(Grip::Body) => ui.ctx().set_cursor_icon(CursorIcon::Grab),
            None => {}
        }
    }
    let in_ruler = |p: Pos2| p.y < track.top() + RULER_HEIGHT && p.x >= track.left();
    if response.drag_started()
        && let Some(p) = ui
            .input(|i| i.pointer.press_origin())
            .or(response.interact_pointer_pos())
    {
        // What was under the pointer when the button went down, not where it is now:
        // egui recognises a drag only after some movement, by then past a 5-point edge.
        let grabbed = hit_event(&view, track, input, p);
        state.drag = Some(if in_ruler(p) {
            Drag::Scrub
        } else if let Some((idx, grip)) = grabbed {
            let e = &input.events[idx];
            actions.push(TimelineAction::Select(Some(e.id.clone())));
            Drag::Event {
                id: e.id.clone(),
                grip,
                grab_frame: view.frame_at(f64::from(p.x), left),
                start: e.start,
                end: e.end,
                preview: (e.start, e.end),
            }
        } else {
            Drag::Pan
        });
    }
    if let (Some(drag), Some(p)) = (state.drag.as_mut(), response.interact_pointer_pos()) {
        match drag {
            Drag::Scrub => actions.push(TimelineAction::Seek(view.snapped_frame_at(
                f64::from(p.x),
                left,
                frames,
            ))),
            Drag::Pan => view = view.pan(-f64::from(response.drag_delta().x)),
            Drag::Event {
                grip,
                grab_frame,
                start,
                end,
                preview,
                ..
            } => {
                let x = f64::from(p.x);
                *preview = match grip {
                    Grip::Body => {
                        let delta = (view.frame_at(x, left) - *grab_frame).round() as i64;
                        let span = end.map_or(0, |e| e - *start);
                        let new_start = start.saturating_add_signed(delta).min(frames - 1 - span);
                        (new_start, end.map(|_| new_start + span))
                    }
                    Grip::Start => {
                        let limit = end.unwrap_or(*start);
                        (view.nearest_boundary(x, left, frames).min(limit), *end)
                    }
                    Grip::End => {
                        // The right edge sits after the last frame: boundary b means last frame b - 1.
                        let b = view.nearest_boundary(x, left, frames).max(*start + 1);
                        (*start, Some(b - 1))
                    }
                };
            }
        }
    }
    if response.drag_stopped() {
        if let Some(Drag::Event {
            id,
            start,
            end,
            preview,
            ..
        }) = state.drag.take()
            && preview != (start, end)
        {
            actions.push(TimelineAction::Move {
                id,
                start: preview.0,
                end: preview.1,
            });
        }
        state.drag = None;
    }
    if response.clicked()
        && let Some(p) = response.interact_pointer_pos()
    {
        if in_ruler(p) {
            actions.push(TimelineAction::Seek(view.snapped_frame_at(
                f64::from(p.x),
                left,
                frames,
            )));
        } else if let Some((idx, _)) = &hit {
            actions.push(TimelineAction::Select(Some(input.events[*idx].id.clone())));
        } else if p.x >= track.left() {
            actions.push(TimelineAction::Select(None));
        }
    }
    if response.double_clicked() {
        match &hit {
            Some((idx, _)) => actions.push(TimelineAction::Seek(input.events[*idx].start)),
            None => view = TimeView::fit(frames, width),
        }
    }
    view = view.clamped(frames, width);
    state.view = Some(view);

    // ---- drawing ---------------------------------------------------------------------------
    let painter = ui.painter_at(outer);
    let visuals = ui.visuals();
    let text = visuals.text_color();
    let weak = visuals.weak_text_color();
    painter.rect_filled(outer, 2.0, visuals.extreme_bg_color);
    let ruler = Rect::from_min_size(track.min, vec2(track.width(), RULER_HEIGHT));
    painter.rect_filled(ruler, 0.0, visuals.faint_bg_color);
    let x_at = |frame: f64| view.x_of(frame, left) as f32;
    // In/out range.
    if let (Some(a), Some(b)) = input.in_out {
        let (a, b) = (a.min(b), a.max(b));
        let r = Rect::from_x_y_ranges(x_at(a as f64)..=x_at(b as f64 + 1.0), track.y_range());
        painter.rect_filled(
            r.intersect(track),
            0.0,
            visuals.selection.bg_fill.gamma_multiply(0.25),
        );
    }
    for (marker, label) in [(input.in_out.0, "IN"), (input.in_out.1, "OUT")] {
        if let Some(f) = marker {
            let x = if label == "IN" {
                x_at(f as f64)
            } else {
                x_at(f as f64 + 1.0)
            };
            if track.x_range().contains(x) {
                painter.line_segment(
                    [pos2(x, track.top()), pos2(x, track.bottom())],
                    Stroke::new(1.5, visuals.selection.bg_fill),
                );
                painter.text(
                    pos2(x + 2.0, track.top() + 1.0),
                    Align2::LEFT_TOP,
                    label,
                    FontId::monospace(9.0),
                    visuals.selection.bg_fill,
                );
            }
        }
    }
    // Ticks.
    for tick in view::ticks(&view, width, frames, input.rate) {
        let x = x_at(tick.frame as f64);
        let colour = weak.gamma_multiply(tick.strength);
        let len = if tick.label.is_some() {
            RULER_HEIGHT * 0.6
        } else {
            RULER_HEIGHT * 0.3 * tick.strength.max(0.5)
        };
        painter.line_segment(
            [pos2(x, ruler.bottom() - len), pos2(x, ruler.bottom())],
            Stroke::new(1.0, colour),
        );
        if tick.strength > 0.9 {
            painter.line_segment(
                [pos2(x, ruler.bottom()), pos2(x, track.bottom())],
                Stroke::new(1.0, weak.gamma_multiply(0.12)),
            );
        }
        if let Some(label) = &tick.label {
            painter.text(
                pos2(x + 3.0, ruler.top() + 2.0),
                Align2::LEFT_TOP,
                label,
                FontId::monospace(10.0),
                text.gamma_multiply(0.8),
            );
        }
    }
    // Lanes.
    let mut hover_text: Option<String> = None;
    for (i, lane) in input.lanes.iter().enumerate() {
        let top = track.top() + RULER_HEIGHT + LANE_HEIGHT * i as f32;
        let row = Rect::from_min_max(
            pos2(outer.left(), top),
            pos2(outer.right(), top + LANE_HEIGHT),
        );
        if i % 2 == 1 {
            painter.rect_filled(row, 0.0, visuals.faint_bg_color.gamma_multiply(0.6));
        }
        painter.rect_filled(
            Rect::from_min_size(
                pos2(outer.left() + 4.0, top + 7.0),
                vec2(4.0, LANE_HEIGHT - 14.0),
            ),
            1.0,
            lane.colour,
        );
        let name = elided(
            &painter,
            &lane.name,
            FontId::proportional(12.0),
            text,
            NAME_WIDTH - 18.0,
        );
        if name.elided && pointer.is_some_and(|p| p.x < track.left() && row.contains(p)) {
            hover_text = Some(lane.name.clone());
        }
        let at = pos2(
            outer.left() + 14.0,
            top + (LANE_HEIGHT - name.size().y) / 2.0,
        );
        painter.galley(at, name, text);
    }
    // Events, with level of detail ([`marks`] decides what to draw).
    let track_painter = painter.with_clip_rect(track);
    let lanes = input.lanes.len();
    let lane_top = |lane: usize| track.top() + RULER_HEIGHT + LANE_HEIGHT * lane as f32;
    let draw_bar = |x0: f32, x1: f32, lane: usize, single: Option<&Event>, stroke: Stroke| {
        let Some(l) = input.lanes.get(lane) else {
            return;
        };
        let top = lane_top(lane);
        let r = Rect::from_min_max(
            pos2(x0, top + 5.0),
            pos2(x1.max(x0 + 2.0), top + LANE_HEIGHT - 5.0),
        );
        let open = single.is_some_and(|e| e.open);
        track_painter.rect(
            r,
            2.0,
            l.colour.gamma_multiply(if open { 0.35 } else { 0.75 }),
            stroke,
            StrokeKind::Inside,
        );
        if let Some(e) = single
            && r.width() > 40.0
        {
            // Inside its bar, cut with "…" where the bar ends.
            let label = elided(
                &track_painter,
                &e.label,
                FontId::proportional(11.0),
                Color32::WHITE,
                r.width() - 8.0,
            );
            let at = pos2(r.left() + 4.0, r.center().y - label.size().y / 2.0);
            track_painter.galley(at, label, Color32::WHITE);
        }
    };
    let draw_point = |cx: f32, lane: usize, stroke: Stroke| {
        let Some(l) = input.lanes.get(lane) else {
            return;
        };
        let cy = lane_top(lane) + LANE_HEIGHT / 2.0;
        let s = 6.0;
        let pts = vec![
            pos2(cx, cy - s),
            pos2(cx + s, cy),
            pos2(cx, cy + s),
            pos2(cx - s, cy),
        ];
        track_painter.add(egui::Shape::convex_polygon(pts, l.colour, stroke));
    };
    let dragged = match &state.drag {
        Some(Drag::Event { id, preview, .. }) => Some((id.as_str(), *preview)),
        _ => None,
    };
    let view = MarkView {
        x_at: &x_at,
        left: track.left() - 8.0,
        right: track.right() + 8.0,
        lanes,
        playhead: input.playhead,
        selected: input.selected,
        dragged,
    };
    for mark in marks(input.events, &view) {
        match mark {
            Mark::Bar {
                x0,
                x1,
                lane,
                single,
                chosen,
            } => {
                let stroke = if chosen {
                    Stroke::new(2.0, text)
                } else {
                    Stroke::new(1.0, input.lanes[lane].colour.gamma_multiply(0.6))
                };
                draw_bar(x0, x1, lane, single.map(|i| &input.events[i]), stroke);
            }
            Mark::Point { x, lane, chosen } => {
                let stroke = if chosen {
                    Stroke::new(2.0, text)
                } else {
                    Stroke::new(1.0, input.lanes[lane].colour.gamma_multiply(0.6))
                };
                draw_point(x, lane, stroke);
            }
        }
    }
    // Playhead: the frame actually displayed.
    let ph = x_at(input.playhead as f64);
    let cell = (x_at(input.playhead as f64 + 1.0) - ph).max(0.0);
    let red = Color32::from_rgb(230, 60, 60);
    if cell > 6.0 {
        track_painter.rect_filled(
            Rect::from_x_y_ranges(ph..=ph + cell, track.y_range()),
            0.0,
            red.gamma_multiply(0.12),
        );
    }
    if track.x_range().contains(ph) {
        painter.line_segment(
            [pos2(ph, track.top()), pos2(ph, track.bottom())],
            Stroke::new(1.5, red),
        );
        let tri = vec![
            pos2(ph - 5.0, track.top()),
            pos2(ph + 5.0, track.top()),
            pos2(ph, track.top() + 7.0),
        ];
        painter.add(egui::Shape::convex_polygon(tri, red, Stroke::NONE));
    }
    painter.rect_stroke(
        outer,
        2.0,
        Stroke::new(1.0, visuals.widgets.noninteractive.bg_stroke.color),
        StrokeKind::Inside,
    );
    // The full text of what is shown cut short: a lane's name, or the event under the pointer.
    let hover_text = hover_text.or_else(|| {
        hit.as_ref()
            .filter(|_| state.drag.is_none())
            .and_then(|(i, _)| input.events.get(*i))
            .map(|e| e.label.clone())
    });
    match hover_text {
        Some(text) => response.on_hover_text_at_pointer(text),
        None => response,
    }
}

/// What [`marks`] needs to know of the track.
pub struct MarkView<'a> {
    /// Screen x of a frame position.
    pub x_at: &'a dyn Fn(f64) -> f32,
    /// Left edge of what is visible (a little past the track).
    pub left: f32,
    /// Right edge of what is visible.
    pub right: f32,
    /// Lanes on the track.
    pub lanes: usize,
    /// The frame on screen (an open duration reaches it).
    pub playhead: u64,
    /// The selected event's id.
    pub selected: Option<&'a str>,
    /// The event being dragged, and where it is being dragged to.
    pub dragged: Option<(&'a str, (u64, Option<u64>))>,
}

/// One thing to draw on the track, in screen x.
#[derive(Clone, Debug, PartialEq)]
pub enum Mark {
    /// A span; `single` is the event's index when it stands for one event.
    Bar {
        /// Left edge.
        x0: f32,
        /// Right edge.
        x1: f32,
        /// Lane.
        lane: usize,
        /// The one event drawn (labelled), or `None` for a merged run.
        single: Option<usize>,
        /// Selected or dragged: drawn on top, outlined.
        chosen: bool,
    },
    /// A point event's marker.
    Point {
        /// Centre.
        x: f32,
        /// Lane.
        lane: usize,
        /// Selected or dragged.
        chosen: bool,
    },
}

/// Level of detail: what to draw for `events` (sorted by start) so that
/// thousands of them stay cheap in a few hundred pixels. Overlapping bars in
/// a lane merge into one; points closer than two points to the last one
/// drawn in their lane are skipped; what lies off the track is dropped.
/// Bars come first, then points (a marker is never hidden under a span),
/// then the selected or dragged event on its own, on top.
pub fn marks(events: &[Event], view: &MarkView<'_>) -> Vec<Mark> {
    let x_at = view.x_at;
    let mut bars = Vec::new();
    let mut points = Vec::new();
    let mut chosen = Vec::new();
    let mut run: Vec<Option<(f32, f32, usize, usize)>> = vec![None; view.lanes];
    let mut last_point = vec![f32::NEG_INFINITY; view.lanes];
    let bar = |(x0, x1, n, idx): (f32, f32, usize, usize), lane| Mark::Bar {
        x0,
        x1,
        lane,
        single: (n == 1).then_some(idx),
        chosen: false,
    };
    for (idx, event) in events.iter().enumerate() {
        if event.lane >= view.lanes {
            continue;
        }
        let (start, end, dragged) = match view.dragged {
            Some((id, (s, e))) if id == event.id => (s, e, true),
            _ => (event.start, event.end, false),
        };
        let is_bar = end.is_some() || event.open;
        let last = end.unwrap_or_else(|| view.playhead.max(start));
        if dragged || view.selected == Some(event.id.as_str()) {
            chosen.push(if is_bar {
                Mark::Bar {
                    x0: x_at(start as f64),
                    x1: x_at(last as f64 + 1.0),
                    lane: event.lane,
                    single: Some(idx),
                    chosen: true,
                }
            } else {
                Mark::Point {
                    x: x_at(start as f64 + 0.5),
                    lane: event.lane,
                    chosen: true,
                }
            });
            continue;
        }
        if is_bar {
            let (x0, x1) = (x_at(start as f64), x_at(last as f64 + 1.0));
            if x1 < view.left || x0 > view.right {
                continue;
            }
            match &mut run[event.lane] {
                Some((_, rx1, n, _)) if x0 <= *rx1 + 1.0 => {
                    *rx1 = rx1.max(x1);
                    *n += 1;
                }
                slot => {
                    if let Some(done) = slot.take() {
                        bars.push(bar(done, event.lane));
                    }
                    *slot = Some((x0, x1, 1, idx));
                }
            }
        } else {
            let x = x_at(start as f64 + 0.5);
            if x < view.left || x > view.right || (x - last_point[event.lane]).abs() < 2.0 {
                continue;
            }
            last_point[event.lane] = x;
            points.push(Mark::Point {
                x,
                lane: event.lane,
                chosen: false,
            });
        }
    }
    for (lane, slot) in run.into_iter().enumerate() {
        if let Some(done) = slot {
            bars.push(bar(done, lane));
        }
    }
    bars.extend(points);
    bars.extend(chosen);
    bars
}

/// `text` laid out on one line, cut with "…" to fit `max_width` (`Galley::elided` tells).
pub(crate) fn elided(
    painter: &egui::Painter,
    text: &str,
    font: FontId,
    colour: Color32,
    max_width: f32,
) -> std::sync::Arc<egui::Galley> {
    let mut job = egui::text::LayoutJob::simple_singleline(text.to_owned(), font, colour);
    job.wrap = egui::text::TextWrapping::truncate_at_width(max_width.max(0.0));
    painter.layout_job(job)
}

/// The event under `p`, and which part of it.
fn hit_event(
    view: &TimeView,
    track: Rect,
    input: &TimelineInput<'_>,
    p: Pos2,
) -> Option<(usize, Grip)> {
    if !track.contains(p) || p.y < track.top() + RULER_HEIGHT {
        return None;
    }
    let lane = ((p.y - track.top() - RULER_HEIGHT) / LANE_HEIGHT).floor() as usize;
    let left = f64::from(track.left());
    let x = f64::from(p.x);
    let mut best = None;
    for (i, e) in input
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.lane == lane)
    {
        let x0 = view.x_of(e.start as f64, left);
        if let Some(end) = e.end {
            let x1 = view.x_of(end as f64 + 1.0, left);
            if (x - x1).abs() <= EDGE_GRAB && x1 - x0 > 2.0 * EDGE_GRAB {
                return Some((i, Grip::End));
            }
            if (x - x0).abs() <= EDGE_GRAB && x1 - x0 > 2.0 * EDGE_GRAB {
                return Some((i, Grip::Start));
            }
            if x >= x0 && x <= x1 {
                best = Some((i, Grip::Body));
            }
        } else {
            let cx = view.x_of(e.start as f64 + 0.5, left);
            if (x - cx).abs() <= 7.0 {
                best = Some((i, Grip::Body));
            }
        }
    }
    best
}

/// A colour from `#RRGGBB` (grey for anything else).
pub fn parse_colour(hex: &str) -> Color32 {
    let h = hex.trim_start_matches('#');
    let byte = |i: usize| h.get(i..i + 2).and_then(|s| u8::from_str_radix(s, 16).ok());
    match (byte(0), byte(2), byte(4)) {
        (Some(r), Some(g), Some(b)) if h.len() == 6 => Color32::from_rgb(r, g, b),
        _ => Color32::GRAY,
    }
}

/// Size the timeline needs for `lanes` lanes.
pub fn desired_height(lanes: usize) -> f32 {
    RULER_HEIGHT + LANE_HEIGHT * lanes.max(1) as f32 + 6.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, lane: usize, start: u64, end: Option<u64>) -> Event {
        Event {
            id: id.into(),
            lane,
            start,
            end,
            open: false,
            label: id.into(),
        }
    }

    fn view<'a>(x_at: &'a dyn Fn(f64) -> f32, selected: Option<&'a str>) -> MarkView<'a> {
        MarkView {
            x_at,
            left: 0.0,
            right: 1000.0,
            lanes: 2,
            playhead: 0,
            selected,
            dragged: None,
        }
    }

    #[test]
    fn thousands_of_overlapping_spans_are_one_bar() {
        // 10,000 frames in 1,000 px: a frame is a tenth of a pixel.
        let x_at = |f: f64| (f / 10.0) as f32;
        let events: Vec<Event> = (0..5_000)
            .map(|i| event(&format!("e{i}"), 0, i * 2, Some(i * 2 + 5)))
            .collect();
        let marks = marks(&events, &view(&x_at, None));
        assert_eq!(marks.len(), 1, "{:?}", &marks[..marks.len().min(3)]);
        assert!(matches!(marks[0], Mark::Bar { single: None, .. }));
    }

    #[test]
    fn close_points_are_drawn_once_and_far_ones_each() {
        let x_at = |f: f64| f as f32;
        let events = vec![
            event("a", 1, 10, None),
            event("b", 1, 11, None),
            event("c", 1, 20, None),
            event("off", 1, 5_000, None),
        ];
        let marks = marks(&events, &view(&x_at, None));
        let xs: Vec<f32> = marks
            .iter()
            .map(|m| match m {
                Mark::Point { x, .. } => *x,
                Mark::Bar { .. } => panic!("no bars here"),
            })
            .collect();
        assert_eq!(
            xs,
            vec![10.5, 20.5],
            "b is within 2 px of a; off is off the track"
        );
    }

    #[test]
    fn the_selected_event_is_drawn_alone_and_last() {
        let x_at = |f: f64| f as f32;
        let events = vec![
            event("a", 0, 0, Some(50)),
            event("sel", 0, 10, Some(20)),
            event("b", 0, 30, Some(60)),
            event("p", 1, 40, None),
        ];
        let marks = marks(&events, &view(&x_at, Some("sel")));
        assert_eq!(
            marks.last(),
            Some(&Mark::Bar {
                x0: 10.0,
                x1: 21.0,
                lane: 0,
                single: Some(1),
                chosen: true
            })
        );
        // a and b still merge under it; the point comes after the bars.
        assert!(matches!(
            marks[0],
            Mark::Bar {
                x0: 0.0,
                x1: 61.0,
                single: None,
                ..
            }
        ));
        assert!(matches!(marks[1], Mark::Point { lane: 1, .. }));
    }

    #[test]
    fn colours_parse_and_fall_back() {
        assert_eq!(parse_colour("#4C78A8"), Color32::from_rgb(0x4c, 0x78, 0xa8));
        assert_eq!(parse_colour("red"), Color32::GRAY);
    }

    #[test]
    fn long_labels_are_cut_to_fit_and_short_ones_are_not() {
        let ctx = egui::Context::default();
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            let painter = ui.painter();
            let long = "Positive-pressure ventilation through a face mask with a T-piece \
                        resuscitator at 30 cmH2O";
            let cut = elided(
                painter,
                long,
                FontId::proportional(12.0),
                Color32::WHITE,
                132.0,
            );
            assert!(cut.elided, "cut");
            assert!(cut.size().x <= 132.5, "fits: {}", cut.size().x);
            assert_eq!(cut.rows.len(), 1, "one line");
            let short = elided(
                painter,
                "PPV",
                FontId::proportional(12.0),
                Color32::WHITE,
                132.0,
            );
            assert!(!short.elided);
            assert_eq!(short.text(), "PPV");
        });
        out.textures_delta.clear();
    }
}
