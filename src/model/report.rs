//! The debrief report: one self-contained, printable HTML page per recording
//! (`debrief report`) — a case summary without names, the coded events as a
//! timeline (inline SVG), the interval metrics and the events with their
//! shared notes.
//!
//! Nothing in the page is fetched from elsewhere (no scripts, fonts, images
//! or links), so it opens the same on an offline ward computer and prints as
//! it shows. People appear only as "Rater A", "Rater B": the page may be
//! handed round at a debriefing, where a rater's name is not needed. Private
//! notes are never included; shared notes only when asked for.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Purpose;
use super::consent_sheet::esc;
use super::interchange::{ExportInput, Span, number};
use super::metrics::{DataMetricResult, MetricResult};
use crate::time;

/// What the report is made from.
pub struct ReportInput<'a> {
    /// The recording's annotations, codebook, frame table and length.
    pub export: ExportInput<'a>,
    /// The case's unit (ward), if recorded.
    pub unit: Option<&'a str>,
    /// The case date (YYYY-MM-DD), if recorded.
    pub date: Option<&'a str>,
    /// Why the recording was made.
    pub purpose: Purpose,
    /// The codebook's interval metrics on this recording.
    pub metrics: &'a [MetricResult],
    /// The codebook's data metrics on this recording's device data.
    pub data_metrics: &'a [DataMetricResult],
    /// The device data to plot under the timeline (empty: no such section).
    pub data_plots: &'a [DataPlot],
    /// Whether shared notes are printed beside their events.
    pub include_notes: bool,
}

/// Width of the timeline drawing, in SVG units (it scales to the page).
const PLOT_WIDTH: f64 = 960.0;
/// Left margin for the lane names.
const LABEL_WIDTH: f64 = 190.0;
const LANE_HEIGHT: f64 = 26.0;
const AXIS_HEIGHT: f64 = 28.0;

const STYLE: &str = "body{font-family:sans-serif;max-width:62em;margin:2em auto;line-height:1.4;color:#111}\
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em}\
table{border-collapse:collapse;width:100%;font-size:.92em}td,th{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}\
th{background:#eee}.num{text-align:right;font-variant-numeric:tabular-nums}.small{font-size:.85em;color:#333}\
.met{color:#155724;font-weight:bold}.missed{color:#a00;font-weight:bold}.incomplete{color:#555}\
svg{width:100%;height:auto}svg text{font-family:sans-serif;font-size:12px}\
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr,svg{break-inside:avoid}}";

/// Renders the report as a complete HTML page.
pub fn render(input: &ReportInput) -> String {
    let ex = &input.export;
    let spans = ex.spans();
    let raters = rater_letters(&spans);
    let duration_ns = ex.end_ns.max(0);

    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Debrief report</title><style>{STYLE}</style></head><body>\n\
         <h1>Debrief report</h1>\n"
    );
    let mut facts = Vec::new();
    if let Some(unit) = input.unit {
        facts.push(esc(unit));
    }
    if let Some(date) = input.date {
        facts.push(esc(date));
    }
    facts.push(format!("purpose: {}", input.purpose));
    let _ = writeln!(
        h,
        "<p class=\"small\">{} · generated {}</p>",
        facts.join(" · "),
        esc(ex.exported_at)
    );

    let _ = writeln!(h, "<h2>Summary</h2>\n<table>");
    let row = |h: &mut String, k: &str, v: String| {
        let _ = writeln!(h, "<tr><th>{k}</th><td>{v}</td></tr>");
    };
    row(
        &mut h,
        "Recording",
        format!(
            "{} long, {} frames at {:.3} fps (reference {})",
            time::clock_ms(duration_ns),
            ex.pts.len(),
            ex.rate.as_f64(),
            esc(ex.recording_id)
        ),
    );
    row(
        &mut h,
        "Codebook",
        format!(
            "{} (version {})",
            esc(&ex.codebook.name),
            esc(&ex.codebook.version)
        ),
    );
    let per_rater: Vec<String> = raters
        .iter()
        .map(|(author, letter)| {
            let n = spans
                .iter()
                .filter(|s| &s.annotation.author == author)
                .count();
            format!("Rater {letter}: {n} event{}", if n == 1 { "" } else { "s" })
        })
        .collect();
    row(
        &mut h,
        "Coded events",
        if per_rater.is_empty() {
            "none".to_owned()
        } else {
            format!("{} ({})", spans.len(), per_rater.join(", "))
        },
    );
    let met = input.metrics.iter().filter(|m| m.status == "met").count();
    row(
        &mut h,
        "Time targets",
        if input.metrics.is_empty() {
            "the codebook sets none".to_owned()
        } else {
            format!("{met} of {} met", input.metrics.len())
        },
    );
    let _ = writeln!(h, "</table>");

    let _ = writeln!(h, "<h2>Timeline</h2>");
    if spans.is_empty() {
        let _ = writeln!(h, "<p>No events were coded on this recording.</p>");
    } else {
        h.push_str(&timeline_svg(ex, &spans, &raters, duration_ns));
    }

    let _ = writeln!(h, "<h2>Time targets</h2>");
    if input.metrics.is_empty() {
        let _ = writeln!(h, "<p>The codebook sets no time targets.</p>");
    } else {
        let _ = writeln!(
            h,
            "<table><tr><th>Target</th><th>From</th><th>To</th><th class=\"num\">Goal</th>\
             <th class=\"num\">Took</th><th>Result</th></tr>"
        );
        for m in input.metrics {
            let label = |code: &str| {
                ex.codebook
                    .code(code)
                    .map_or_else(|| esc(code), |c| esc(&c.label))
            };
            let at = |frame: Option<u64>| {
                frame.map_or_else(
                    || "not coded".to_owned(),
                    |f| {
                        let ns = ex.pts.get(f as usize).copied().unwrap_or_default();
                        format!("{} ({})", label_time(ns), time::timecode(f, ex.rate))
                    },
                )
            };
            let took = m
                .seconds
                .map_or_else(|| "–".to_owned(), |s| format!("{s:.1} s"));
            let result = match m.status {
                "met" => "Met",
                "missed" => "Missed",
                _ => "Incomplete",
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{} at {}</td><td>{} at {}</td><td class=\"num\">≤ {} s</td>\
                 <td class=\"num\">{took}</td><td class=\"{}\">{result}</td></tr>",
                esc(&m.name),
                label(&m.from),
                at(m.from_frame),
                label(&m.to),
                at(m.to_frame),
                number(m.target_seconds),
                m.status,
            );
        }
        let _ = writeln!(h, "</table>");
    }

    data_section(&mut h, input, duration_ns);

    let _ = writeln!(h, "<h2>Events</h2>");
    if spans.is_empty() {
        let _ = writeln!(h, "<p>None.</p>");
    } else {
        let _ = write!(
            h,
            "<table><tr><th class=\"num\">Time</th><th>Timecode</th><th>Event</th><th>Category</th>\
             <th class=\"num\">Lasted</th><th class=\"num\">Rating</th><th>Rater</th>"
        );
        if input.include_notes {
            h.push_str("<th>Note</th>");
        }
        h.push_str("</tr>\n");
        for s in &spans {
            let a = s.annotation;
            let lasted = if s.last_frame > s.start_frame || s.open {
                format!(
                    "{:.1} s{}",
                    (s.end_ns - s.start_ns) as f64 / 1e9,
                    if s.open { " (not stopped)" } else { "" }
                )
            } else {
                String::new()
            };
            let _ = write!(
                h,
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td class=\"num\">{lasted}</td><td class=\"num\">{}</td><td>{}</td>",
                label_time(s.start_ns),
                time::timecode(s.start_frame, ex.rate),
                esc(&s.label),
                esc(&ex.category_name(&s.category)),
                a.rating.map(number).unwrap_or_default(),
                raters.get(&a.author).copied().unwrap_or('?'),
            );
            if input.include_notes {
                let note = a.note.as_deref().map(str::trim).unwrap_or_default();
                let _ = write!(h, "<td>{}</td>", esc(note));
            }
            h.push_str("</tr>\n");
        }
        let _ = writeln!(h, "</table>");
    }
    let _ = writeln!(
        h,
        "<p class=\"small\">Times are from the start of the recording. Raters are shown by \
         letter; private notes are never printed{}. Made with Debrief.</p>\n</body></html>",
        if input.include_notes {
            ""
        } else {
            " and shared notes were left out"
        }
    );
    h
}

/// One signal of the device data, reduced for the report: per slice of the
/// recording, its time (s from the start) and lowest and highest value.
#[derive(Clone, Debug, PartialEq)]
pub struct DataPlot {
    /// The signal's name.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// (seconds, min, max) per slice, in time order.
    pub points: Vec<(f64, f32, f32)>,
}

/// The device data section: the data metrics, then one strip per signal on
/// the timeline's time axis.
fn data_section(h: &mut String, input: &ReportInput<'_>, duration_ns: i64) {
    if input.data_plots.is_empty() && input.data_metrics.is_empty() {
        return;
    }
    let _ = writeln!(h, "<h2>Device data</h2>");
    if !input.data_metrics.is_empty() {
        let _ = writeln!(
            h,
            "<table><tr><th>Measure</th><th>Signal</th><th class=\"num\">Goal</th>\
             <th class=\"num\">Value</th><th>Result</th></tr>"
        );
        for m in input.data_metrics {
            let show = |v: f64| {
                if m.unit == "fraction" {
                    format!("{:.0} %", v * 100.0)
                } else {
                    format!("{v:.1} s")
                }
            };
            let goal = m.target.map_or_else(String::new, |t| {
                format!(
                    "{} {}",
                    if m.unit == "fraction" { "≥" } else { "≤" },
                    show(t)
                )
            });
            let value = m.value.map_or_else(|| "–".to_owned(), show);
            let result = match m.status {
                "met" => "Met",
                "missed" => "Missed",
                "measured" => "Measured",
                "no data" => "No such signal",
                _ => "Incomplete",
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{goal}</td><td class=\"num\">{value}</td>\
                 <td class=\"{}\">{result}</td></tr>",
                esc(&m.name),
                esc(&m.signal),
                m.status.replace(' ', "-"),
            );
        }
        let _ = writeln!(h, "</table>");
    }
    if input.data_plots.is_empty() {
        return;
    }
    let strip = 44.0;
    let plot = PLOT_WIDTH - LABEL_WIDTH - 10.0;
    let seconds = (duration_ns as f64 / 1e9).max(1e-3);
    let height = strip * input.data_plots.len() as f64 + 4.0;
    let _ = writeln!(
        h,
        "<svg viewBox=\"0 0 {PLOT_WIDTH} {height}\" role=\"img\" aria-label=\"Device data over the recording\">"
    );
    for (i, p) in input.data_plots.iter().enumerate() {
        let top = strip * i as f64;
        let fill = if i % 2 == 0 { "#f4f4f4" } else { "#ffffff" };
        let (lo, hi) = p
            .points
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &(_, l, u)| {
                (a.min(l), b.max(u))
            });
        let span = f64::from((hi - lo).max(1e-3));
        let y = |v: f32| top + strip - 6.0 - f64::from(v - lo) / span * (strip - 12.0);
        let x = |t: f64| LABEL_WIDTH + (t / seconds).clamp(0.0, 1.0) * plot;
        let _ = writeln!(
            h,
            "<rect x=\"0\" y=\"{top}\" width=\"{PLOT_WIDTH}\" height=\"{strip}\" fill=\"{fill}\"/>\
             <text x=\"4\" y=\"{:.1}\">{} ({})</text><text x=\"4\" y=\"{:.1}\" class=\"small\">{}–{}</text>",
            top + 18.0,
            esc(&shorten(&p.name, 20)),
            esc(&p.unit),
            top + 34.0,
            number(f64::from(lo)),
            number(f64::from(hi)),
        );
        let mut d = String::new();
        for (k, &(t, l, u)) in p.points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1} {:.1}V{:.1}",
                if k == 0 { "M" } else { "L" },
                x(t),
                y(l),
                y(u)
            );
        }
        let _ = writeln!(
            h,
            "<path d=\"{d}\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1\"/>"
        );
    }
    h.push_str("</svg>\n");
}

/// Rater → letter (A, B, …) in order of first name, so the same vault gives the same letters.
fn rater_letters(spans: &[Span]) -> BTreeMap<String, char> {
    let mut authors: Vec<&str> = spans.iter().map(|s| s.annotation.author.as_str()).collect();
    authors.sort_unstable();
    authors.dedup();
    authors
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let letter = char::from_u32('A' as u32 + (i as u32 % 26)).unwrap_or('?');
            (a.to_owned(), letter)
        })
        .collect()
}

/// The timeline: a lane per category (and rater, when there are several),
/// durations as bars, point events as ticks, in the category's colour.
fn timeline_svg(
    ex: &ExportInput,
    spans: &[Span],
    raters: &BTreeMap<String, char>,
    duration_ns: i64,
) -> String {
    // Lanes in codebook category order, then rater letter.
    let rank = |category: &str| {
        ex.codebook
            .categories
            .iter()
            .position(|c| c.id == category)
            .unwrap_or(usize::MAX)
    };
    let mut lanes: Vec<(usize, String, char)> = spans
        .iter()
        .map(|s| {
            (
                rank(&s.category),
                s.category.clone(),
                raters.get(&s.annotation.author).copied().unwrap_or('?'),
            )
        })
        .collect();
    lanes.sort();
    lanes.dedup();
    let several = raters.len() > 1;
    let lane_of = |s: &Span| {
        let letter = raters.get(&s.annotation.author).copied().unwrap_or('?');
        lanes
            .iter()
            .position(|(_, c, l)| *c == s.category && *l == letter)
            .unwrap_or(0)
    };

    let plot = PLOT_WIDTH - LABEL_WIDTH - 10.0;
    let seconds = (duration_ns as f64 / 1e9).max(1e-3);
    let x = |ns: i64| LABEL_WIDTH + (ns as f64 / 1e9 / seconds).clamp(0.0, 1.0) * plot;
    let height = AXIS_HEIGHT + LANE_HEIGHT * lanes.len() as f64 + 6.0;

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg viewBox=\"0 0 {PLOT_WIDTH} {height}\" role=\"img\" aria-label=\"Timeline of coded events\">"
    );
    // Lanes with their names.
    for (i, (_, category, letter)) in lanes.iter().enumerate() {
        let y = AXIS_HEIGHT + LANE_HEIGHT * i as f64;
        let fill = if i % 2 == 0 { "#f4f4f4" } else { "#ffffff" };
        let name = ex.category_name(category);
        let name = if several {
            format!("{name} ({letter})")
        } else {
            name
        };
        let _ = writeln!(
            s,
            "<rect x=\"0\" y=\"{y}\" width=\"{PLOT_WIDTH}\" height=\"{LANE_HEIGHT}\" fill=\"{fill}\"/>\
             <text x=\"4\" y=\"{:.1}\">{}</text>",
            y + LANE_HEIGHT * 0.65,
            esc(&shorten(&name, 28))
        );
    }
    // Time axis: about eight ticks at a round step.
    let step = tick_step(seconds);
    let mut t = 0.0;
    while t <= seconds + 1e-9 {
        let xt = x((t * 1e9) as i64);
        let _ = writeln!(
            s,
            "<line x1=\"{xt:.1}\" y1=\"{:.1}\" x2=\"{xt:.1}\" y2=\"{height:.1}\" stroke=\"#ccc\"/>\
             <text x=\"{xt:.1}\" y=\"14\" text-anchor=\"middle\">{}</text>",
            AXIS_HEIGHT - 6.0,
            axis_label(t)
        );
        t += step;
    }
    // Events.
    for span in spans {
        let lane = lane_of(span);
        let y = AXIS_HEIGHT + LANE_HEIGHT * lane as f64;
        let colour = colour(ex, &span.category);
        let title = format!(
            "{} at {}{}",
            span.label,
            label_time(span.start_ns),
            if span.last_frame > span.start_frame || span.open {
                format!(" to {}", label_time(span.end_ns))
            } else {
                String::new()
            }
        );
        let (x0, x1) = (x(span.start_ns), x(span.end_ns));
        if span.last_frame > span.start_frame || span.open {
            let _ = writeln!(
                s,
                "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"3\" \
                 fill=\"{colour}\" fill-opacity=\"0.75\"><title>{}</title></rect>",
                y + 5.0,
                (x1 - x0).max(2.0),
                LANE_HEIGHT - 10.0,
                esc(&title)
            );
        } else {
            let _ = writeln!(
                s,
                "<path d=\"M{x0:.1} {:.1}l-5 -8h10z\" fill=\"{colour}\" stroke=\"#222\" \
                 stroke-width=\"0.6\"><title>{}</title></path>",
                y + LANE_HEIGHT - 5.0,
                esc(&title)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// The category's colour when it is a plain `#rrggbb`, otherwise grey: a
/// codebook's text never reaches an SVG attribute unchecked.
fn colour(ex: &ExportInput, category: &str) -> String {
    ex.codebook
        .categories
        .iter()
        .find(|c| c.id == category)
        .map(|c| c.colour.as_str())
        .filter(|c| {
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|d| d.is_ascii_hexdigit())
        })
        .unwrap_or("#888888")
        .to_owned()
}

/// A round step giving about eight ticks over `seconds`.
fn tick_step(seconds: f64) -> f64 {
    const STEPS: [f64; 12] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
    ];
    STEPS
        .into_iter()
        .find(|s| seconds / s <= 10.0)
        .unwrap_or(3600.0)
}

fn axis_label(seconds: f64) -> String {
    let s = seconds.round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// `M:SS.s` from the start, the way clinicians read elapsed time.
fn label_time(ns: i64) -> String {
    let tenths = (ns.max(0) as f64 / 1e8).round() as u64;
    format!("{}:{:02}.{}", tenths / 600, (tenths / 10) % 60, tenths % 10)
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_and_labels() {
        assert_eq!(tick_step(9.0), 1.0);
        assert_eq!(tick_step(120.0), 15.0);
        assert_eq!(tick_step(600.0), 60.0);
        assert_eq!(axis_label(75.0), "1:15");
        assert_eq!(label_time(61_250_000_000), "1:01.3");
        assert_eq!(shorten("Airway and breathing", 8), "Airway …");
    }
}
