//! Drawing on a paused frame: pen, arrow, circle. Strokes live in memory
//! only, in fractions of the picture, and belong to the frame they were
//! drawn on: they are gone when another frame shows.

use egui::{Color32, Pos2, Rect, Stroke};

/// Drawing tools for a paused frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tool {
    /// Not drawing.
    #[default]
    Off,
    /// Free hand.
    Pen,
    /// An arrow from press to release.
    Arrow,
    /// A circle (ellipse) in the dragged box.
    Circle,
}

impl Tool {
    /// The next tool: pen, arrow, circle, off.
    pub fn next(self) -> Self {
        match self {
            Tool::Off => Tool::Pen,
            Tool::Pen => Tool::Arrow,
            Tool::Arrow => Tool::Circle,
            Tool::Circle => Tool::Off,
        }
    }
}

/// One stroke, in fractions of the picture.
#[derive(Clone, Debug)]
struct Mark {
    tool: Tool,
    points: Vec<Pos2>,
}

/// The tool in hand and what has been drawn.
#[derive(Default)]
pub struct Drawing {
    /// The tool in hand.
    pub tool: Tool,
    marks: Vec<Mark>,
    drawn_on: Option<u64>,
}

impl Drawing {
    /// Strokes on the frame.
    pub fn len(&self) -> usize {
        self.marks.len()
    }

    /// Nothing drawn.
    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// Wipes the drawing.
    pub fn clear(&mut self) {
        self.marks.clear();
        self.drawn_on = None;
    }

    /// Wipes the drawing when `frame` is not the one it was drawn on.
    pub fn keep_only_on(&mut self, frame: u64) {
        if self.drawn_on.is_some_and(|f| f != frame) {
            self.clear();
        }
    }

    /// Takes the pointer over `picture` (frame `here`, paused) and paints the strokes.
    pub fn ui(&mut self, ui: &egui::Ui, picture: Rect, here: u64, paused: bool) {
        let to_frac = |p: Pos2| {
            Pos2::new(
                (p.x - picture.min.x) / picture.width(),
                (p.y - picture.min.y) / picture.height(),
            )
        };
        if self.tool != Tool::Off && paused {
            let draw = ui.interact(
                picture,
                ui.make_persistent_id("telestration"),
                egui::Sense::drag(),
            );
            if let Some(pos) = draw.interact_pointer_pos() {
                if draw.drag_started() {
                    self.marks.push(Mark {
                        tool: self.tool,
                        points: vec![to_frac(pos)],
                    });
                    self.drawn_on = Some(here);
                } else if draw.dragged()
                    && let Some(s) = self.marks.last_mut()
                {
                    if s.tool == Tool::Pen || s.points.len() < 2 {
                        s.points.push(to_frac(pos));
                    } else if let Some(last) = s.points.last_mut() {
                        *last = to_frac(pos);
                    }
                }
            }
        }
        self.paint(&ui.painter().with_clip_rect(picture), picture);
    }

    fn paint(&self, painter: &egui::Painter, picture: Rect) {
        let to_screen = |p: Pos2| {
            Pos2::new(
                picture.min.x + p.x * picture.width(),
                picture.min.y + p.y * picture.height(),
            )
        };
        let pen = Stroke::new(5.0, Color32::from_rgb(0xff, 0xd0, 0x00));
        for s in &self.marks {
            let pts: Vec<Pos2> = s.points.iter().map(|&p| to_screen(p)).collect();
            match (s.tool, pts.first(), pts.last()) {
                (Tool::Pen, _, _) => {
                    painter.add(egui::Shape::line(pts.clone(), pen));
                }
                (Tool::Arrow, Some(&a), Some(&b)) if pts.len() > 1 => {
                    painter.arrow(a, b - a, pen);
                }
                (Tool::Circle, Some(&a), Some(&b)) if pts.len() > 1 => {
                    let r = Rect::from_two_pos(a, b);
                    painter.add(egui::Shape::ellipse_stroke(r.center(), r.size() / 2.0, pen));
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_cycle_back_to_off() {
        let mut t = Tool::Off;
        let mut seen = Vec::new();
        for _ in 0..4 {
            t = t.next();
            seen.push(t);
        }
        assert_eq!(seen, [Tool::Pen, Tool::Arrow, Tool::Circle, Tool::Off]);
    }

    #[test]
    fn a_drawing_belongs_to_its_frame() {
        let mut d = Drawing {
            marks: vec![Mark {
                tool: Tool::Pen,
                points: vec![Pos2::ZERO],
            }],
            drawn_on: Some(7),
            ..Default::default()
        };
        d.keep_only_on(7);
        assert_eq!(d.len(), 1);
        d.keep_only_on(8);
        assert!(d.is_empty());
    }
}
