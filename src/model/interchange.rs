//! Annotation exports other tools read: Debrief JSON, CSV, ELAN EAF 3.0,
//! WebVTT, SubRip and BORIS (in [`super::boris`]).
//!
//! Every format is rendered from the same resolved spans, so frames and
//! milliseconds agree everywhere:
//! - a span covers whole frames: `start_frame..=last_frame`;
//! - `start_ms` is when the first frame starts, `end_ms` when the last one
//!   ends (the next frame's PTS, or the end of the recording), both rounded
//!   with [`time::ns_to_ms_round`];
//! - a point event is a one-frame span; a duration that was started and
//!   never stopped runs to the end of the recording (`open` in JSON/CSV).
//!
//! Private notes are never exported; shared notes and ratings are.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::codebook::{CodeKind, Codebook};
use super::{Annotation, string_enum};
use crate::time::{self, FrameRate};

string_enum!(
    /// An export format.
    ExportFormat, "supported format" {
        /// Debrief's own JSON (`schemas/annotations.schema.json`), frame-exact.
        Json => "json",
        /// One row per annotation.
        Csv => "csv",
        /// ELAN 3.0: a tier per category and rater, the codebook as controlled vocabularies.
        Eaf => "eaf",
        /// WebVTT subtitles.
        Vtt => "vtt",
        /// SubRip subtitles.
        Srt => "srt",
        /// A BORIS project: the codebook as ethogram, one observation per rater.
        Boris => "boris",
    }
);

impl ExportFormat {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        self.as_str()
    }
}

/// What an export is made from.
pub struct ExportInput<'a> {
    /// The recording's id.
    pub recording_id: &'a str,
    /// Its nominal frame rate.
    pub rate: FrameRate,
    /// The PTS (ns) of every frame, in presentation order.
    pub pts: &'a [i64],
    /// When the last frame ends (ns).
    pub end_ns: i64,
    /// The case's codebook.
    pub codebook: &'a Codebook,
    /// The annotations (any order).
    pub annotations: &'a [Annotation],
    /// When the export is made (RFC 3339), written into EAF and JSON.
    pub exported_at: &'a str,
    /// The recording's camera views, the reference first; empty or one for
    /// a single-camera recording (then nothing about views is written).
    pub views: &'a [crate::views::View],
}

/// One annotation, resolved to frames and times.
#[derive(Clone, Debug, PartialEq)]
pub struct Span<'a> {
    /// The annotation.
    pub annotation: &'a Annotation,
    /// Its code's label (the code id when the codebook lacks it).
    pub label: String,
    /// Its code's category id (`uncategorised` when unknown).
    pub category: String,
    /// First frame.
    pub start_frame: u64,
    /// Last frame (inclusive).
    pub last_frame: u64,
    /// When the first frame starts (ns).
    pub start_ns: i64,
    /// When the last frame ends (ns).
    pub end_ns: i64,
    /// A duration started and never stopped.
    pub open: bool,
}

impl Span<'_> {
    /// `start_ns` in milliseconds.
    pub fn start_ms(&self) -> i64 {
        time::ns_to_ms_round(self.start_ns)
    }
    /// `end_ns` in milliseconds.
    pub fn end_ms(&self) -> i64 {
        time::ns_to_ms_round(self.end_ns)
    }
}

impl ExportInput<'_> {
    fn frame_start(&self, frame: u64, fallback: i64) -> i64 {
        self.pts.get(frame as usize).copied().unwrap_or(fallback)
    }

    fn frame_end(&self, frame: u64) -> i64 {
        self.pts
            .get(frame as usize + 1)
            .copied()
            .unwrap_or(self.end_ns)
    }

    /// Every annotation resolved, sorted by start, then code, then id.
    pub fn spans(&self) -> Vec<Span<'_>> {
        let last = (self.pts.len() as u64).saturating_sub(1);
        let mut spans: Vec<Span> = self
            .annotations
            .iter()
            .map(|a| {
                let code = self.codebook.code(&a.code);
                // A code the codebook no longer has is taken as a point: its span is not known.
                let point = code.is_none_or(|c| c.kind == CodeKind::Point);
                let (last_frame, open) = match a.end_frame {
                    Some(end) => (end.max(a.start_frame), false),
                    None if point => (a.start_frame, false),
                    None => (last.max(a.start_frame), true),
                };
                Span {
                    annotation: a,
                    label: code.map_or_else(|| a.code.clone(), |c| c.label.clone()),
                    category: code.map_or_else(|| "uncategorised".into(), |c| c.category.clone()),
                    start_frame: a.start_frame,
                    last_frame,
                    start_ns: self.frame_start(a.start_frame, a.start_pts_ns),
                    end_ns: if open {
                        self.end_ns
                    } else {
                        self.frame_end(last_frame)
                    },
                    open,
                }
            })
            .collect();
        spans.sort_by(|a, b| {
            (a.start_frame, &a.annotation.code, &a.annotation.id).cmp(&(
                b.start_frame,
                &b.annotation.code,
                &b.annotation.id,
            ))
        });
        spans
    }

    /// Renders the export.
    pub fn render(&self, format: ExportFormat) -> String {
        match format {
            ExportFormat::Json => self.json(),
            ExportFormat::Csv => self.csv(),
            ExportFormat::Eaf => self.eaf(),
            ExportFormat::Vtt => subtitles(&self.spans(), '.', true),
            ExportFormat::Srt => subtitles(&self.spans(), ',', false),
            ExportFormat::Boris => self.boris(),
        }
    }

    pub(super) fn category_name(&self, id: &str) -> String {
        self.codebook
            .categories
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_owned(), |c| c.name.clone())
    }

    fn json(&self) -> String {
        let items: Vec<serde_json::Value> = self
            .spans()
            .iter()
            .map(|s| {
                let a = s.annotation;
                serde_json::json!({
                    "id": a.id,
                    "code": a.code,
                    "category": s.category,
                    "start_frame": s.start_frame,
                    "end_frame": a.end_frame,
                    "last_frame": s.last_frame,
                    "start_pts_ns": s.start_ns,
                    "end_ns": s.end_ns,
                    "start_ms": s.start_ms(),
                    "end_ms": s.end_ms(),
                    "open": s.open,
                    "rating": a.rating,
                    "note": a.note,
                    "rater": a.author,
                    "created_at": a.created_at,
                    "edited_at": a.edited_at,
                })
            })
            .collect();
        let mut doc = serde_json::json!({
            "format": "debrief-annotations",
            "version": 1,
            "exported_at": self.exported_at,
            "recording_id": self.recording_id,
            "fps_num": self.rate.num,
            "fps_den": self.rate.den,
            "frames": self.pts.len(),
            "codebook": { "id": self.codebook.id, "version": self.codebook.version },
            "annotations": items,
        });
        if self.views.len() > 1 {
            // Annotations are on the reference's frames; each view's mapping says where it falls.
            doc["views"] = self.views.iter().map(crate::views::View::to_json).collect();
        }
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    fn csv(&self) -> String {
        let mut out = String::from(
            "recording,tier,code,start_frame,end_frame,start_ms,end_ms,rater,rating,note\n",
        );
        for s in self.spans() {
            let a = s.annotation;
            let row = [
                csv_field(self.recording_id),
                csv_field(&self.category_name(&s.category)),
                csv_field(&a.code),
                s.start_frame.to_string(),
                s.last_frame.to_string(),
                s.start_ms().to_string(),
                s.end_ms().to_string(),
                csv_field(&a.author),
                a.rating.map(number).unwrap_or_default(),
                csv_field(a.note.as_deref().unwrap_or("")),
            ];
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out
    }

    /// One MEDIA_DESCRIPTOR per camera view (several views only): the media
    /// stay in the vault, so each names the file a reviewer would place
    /// beside the EAF, `<camera>.mp4`, and its TIME_ORIGIN, the ms into that
    /// file at the document's time 0 (ELAN has no drift: the
    /// `debrief:view:` property keeps the whole mapping).
    fn eaf_media(&self) -> String {
        let mut out = String::new();
        if self.views.len() < 2 {
            return out;
        }
        for (i, v) in self.views.iter().enumerate() {
            let name = view_media_name(v, i);
            let origin = time::ns_to_ms_round(v.mapping.view_ns(0));
            let _ = writeln!(
                out,
                "        <MEDIA_DESCRIPTOR MEDIA_URL=\"file:///{0}.mp4\" RELATIVE_MEDIA_URL=\"./{0}.mp4\" MIME_TYPE=\"video/mp4\"{1}/>",
                xml(&name),
                if origin != 0 {
                    format!(" TIME_ORIGIN=\"{origin}\"")
                } else {
                    String::new()
                }
            );
        }
        for v in self.views {
            let _ = writeln!(
                out,
                "        <PROPERTY NAME=\"debrief:view:{}\">camera={} reference={} offset_ms={:.3} ppm={:.3} source={}</PROPERTY>",
                xml(&v.view_id),
                xml(v.camera.as_deref().unwrap_or("")),
                v.reference,
                v.mapping.start_ns() as f64 / 1e6,
                v.mapping.drift_ppm,
                v.source.as_str()
            );
        }
        out
    }

    fn eaf(&self) -> String {
        let spans = self.spans();
        // Time slots: one per distinct millisecond, in order.
        let mut times: Vec<i64> = spans
            .iter()
            .flat_map(|s| [s.start_ms(), s.end_ms()])
            .collect();
        times.sort_unstable();
        times.dedup();
        let slot = |ms: i64| times.binary_search(&ms).map_or(0, |i| i + 1);

        // Tiers: per category and rater; ELAN wants no overlap within a tier,
        // so overlapping events go to a numbered sibling tier.
        let mut tiers: BTreeMap<(String, String), Vec<Vec<&Span>>> = BTreeMap::new();
        for s in &spans {
            let rows = tiers
                .entry((s.category.clone(), s.annotation.author.clone()))
                .or_default();
            let free = rows.iter_mut().find(|row| {
                row.last()
                    .is_none_or(|prev: &&Span| prev.end_ms() <= s.start_ms())
            });
            match free {
                Some(row) => row.push(s),
                None => rows.push(vec![s]),
            }
        }

        let mut x = String::new();
        let _ = write!(
            x,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <ANNOTATION_DOCUMENT AUTHOR=\"Debrief\" DATE=\"{}\" FORMAT=\"3.0\" VERSION=\"3.0\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:noNamespaceSchemaLocation=\"http://www.mpi.nl/tools/elan/EAFv3.0.xsd\">\n\
             \x20   <HEADER MEDIA_FILE=\"\" TIME_UNITS=\"milliseconds\">\n{}\
             \x20       <PROPERTY NAME=\"debrief:recording\">{}</PROPERTY>\n\
             \x20       <PROPERTY NAME=\"lastUsedAnnotationId\">{}</PROPERTY>\n\
             \x20   </HEADER>\n\
             \x20   <TIME_ORDER>\n",
            xml(self.exported_at),
            self.eaf_media(),
            xml(self.recording_id),
            spans.len()
                + spans
                    .iter()
                    .filter(|s| note_text(s.annotation).is_some())
                    .count(),
        );
        for (i, ms) in times.iter().enumerate() {
            let _ = writeln!(
                x,
                "        <TIME_SLOT TIME_SLOT_ID=\"ts{}\" TIME_VALUE=\"{ms}\"/>",
                i + 1
            );
        }
        x.push_str("    </TIME_ORDER>\n");
        let mut next_id = 0usize;
        let mut note_tiers = String::new();
        for ((category, rater), rows) in &tiers {
            let name = self.category_name(category);
            for (n, row) in rows.iter().enumerate() {
                let suffix = if n == 0 {
                    String::new()
                } else {
                    format!(" ({})", n + 1)
                };
                let tier_id = format!("{name}{suffix} - {rater}");
                let _ = writeln!(
                    x,
                    "    <TIER LINGUISTIC_TYPE_REF=\"code-{}\" TIER_ID=\"{}\" ANNOTATOR=\"{}\">",
                    xml(category),
                    xml(&tier_id),
                    xml(rater)
                );
                let mut notes = String::new();
                for s in row {
                    next_id += 1;
                    let (t1, t2) = (slot(s.start_ms()), slot(s.end_ms()));
                    let _ = write!(
                        x,
                        "        <ANNOTATION>\n            <ALIGNABLE_ANNOTATION ANNOTATION_ID=\"a{next_id}\" \
                         TIME_SLOT_REF1=\"ts{t1}\" TIME_SLOT_REF2=\"ts{t2}\" CVE_REF=\"{}\">\n                \
                         <ANNOTATION_VALUE>{}</ANNOTATION_VALUE>\n            </ALIGNABLE_ANNOTATION>\n        </ANNOTATION>\n",
                        xml(&cve_id(&s.annotation.code)),
                        xml(&s.label)
                    );
                    if let Some(text) = note_text(s.annotation) {
                        next_id += 1;
                        let _ = write!(
                            notes,
                            "        <ANNOTATION>\n            <ALIGNABLE_ANNOTATION ANNOTATION_ID=\"a{next_id}\" \
                             TIME_SLOT_REF1=\"ts{t1}\" TIME_SLOT_REF2=\"ts{t2}\">\n                \
                             <ANNOTATION_VALUE>{}</ANNOTATION_VALUE>\n            </ALIGNABLE_ANNOTATION>\n        </ANNOTATION>\n",
                            xml(&text)
                        );
                    }
                }
                x.push_str("    </TIER>\n");
                if !notes.is_empty() {
                    let _ = write!(
                        note_tiers,
                        "    <TIER LINGUISTIC_TYPE_REF=\"note\" TIER_ID=\"{}\" ANNOTATOR=\"{}\">\n{notes}    </TIER>\n",
                        xml(&format!("Notes: {tier_id}")),
                        xml(rater)
                    );
                }
            }
        }
        x.push_str(&note_tiers);
        let used: Vec<&String> = {
            let mut c: Vec<&String> = tiers.keys().map(|(c, _)| c).collect();
            c.dedup();
            c
        };
        for category in &used {
            let _ = writeln!(
                x,
                "    <LINGUISTIC_TYPE LINGUISTIC_TYPE_ID=\"code-{0}\" TIME_ALIGNABLE=\"true\" \
                 GRAPHIC_REFERENCES=\"false\" CONTROLLED_VOCABULARY_REF=\"cv-{0}\"/>",
                xml(category)
            );
        }
        x.push_str(
            "    <LINGUISTIC_TYPE LINGUISTIC_TYPE_ID=\"note\" TIME_ALIGNABLE=\"true\" GRAPHIC_REFERENCES=\"false\"/>\n\
             \x20   <LANGUAGE LANG_ID=\"eng\" LANG_LABEL=\"English (eng)\"/>\n",
        );
        for category in &used {
            let _ = writeln!(
                x,
                "    <CONTROLLED_VOCABULARY CV_ID=\"cv-{}\">\n        <DESCRIPTION LANG_REF=\"eng\">{}</DESCRIPTION>",
                xml(category),
                xml(&self.category_name(category))
            );
            let mut codes: Vec<(String, String, String)> = self
                .codebook
                .codes
                .iter()
                .filter(|c| &&c.category == category)
                .map(|c| (c.id.clone(), c.label.clone(), c.description.clone()))
                .collect();
            // Codes the codebook no longer has still need an entry.
            for s in spans.iter().filter(|s| &&s.category == category) {
                if !codes.iter().any(|(id, _, _)| id == &s.annotation.code) {
                    codes.push((s.annotation.code.clone(), s.label.clone(), String::new()));
                }
            }
            for (id, label, description) in codes {
                let _ = writeln!(
                    x,
                    "        <CV_ENTRY_ML CVE_ID=\"{}\">\n            <CVE_VALUE LANG_REF=\"eng\" DESCRIPTION=\"{}\">{}</CVE_VALUE>\n        </CV_ENTRY_ML>",
                    xml(&cve_id(&id)),
                    xml(&description),
                    xml(&label)
                );
            }
            x.push_str("    </CONTROLLED_VOCABULARY>\n");
        }
        x.push_str("</ANNOTATION_DOCUMENT>\n");
        x
    }
}

/// Subtitles: a cue per annotation, `label [rating]: note`.
fn subtitles(spans: &[Span], decimal: char, vtt: bool) -> String {
    let mut out = String::new();
    if vtt {
        out.push_str("WEBVTT\n\n");
    }
    for (i, s) in spans.iter().enumerate() {
        let mut text = s.label.clone();
        if let Some(r) = s.annotation.rating {
            let _ = write!(text, " [{}]", number(r));
        }
        if let Some(note) = s
            .annotation
            .note
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            let _ = write!(text, ": {}", one_line(note));
        }
        if vtt {
            // `-->` may not appear in a cue, and `&` `<` start markup.
            text = text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
        }
        let _ = write!(
            out,
            "{}\n{} --> {}\n{text}\n\n",
            i + 1,
            cue_time(s.start_ms(), decimal),
            cue_time(s.end_ms(), decimal)
        );
    }
    out
}

/// `HH:MM:SS.mmm` (or with a comma) from milliseconds.
fn cue_time(ms: i64, decimal: char) -> String {
    let ms = ms.max(0);
    format!(
        "{:02}:{:02}:{:02}{decimal}{:03}",
        ms / 3_600_000,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000
    )
}

/// The note tier's text: rating and shared note.
fn note_text(a: &Annotation) -> Option<String> {
    let note = a.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    match (a.rating, note) {
        (None, None) => None,
        (Some(r), None) => Some(format!("rating {}", number(r))),
        (None, Some(n)) => Some(n.to_owned()),
        (Some(r), Some(n)) => Some(format!("rating {}; {n}", number(r))),
    }
}

/// A number without a needless `.0`.
pub(super) fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Text on one line, runs of white space as one space.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A controlled-vocabulary entry id: ELAN ids are XML ids, which may not start with a digit.
fn cve_id(code: &str) -> String {
    format!("code-{code}")
}

/// A CSV field (RFC 4180); a text starting with `= + - @` gets a leading `'`
/// so a spreadsheet shows it instead of running it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Escapes text for XML content and attributes.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The file name (without `.mp4`) exports give camera view `i` of several:
/// its camera label, else `view-N`. The media stay in the vault; this is
/// what a reviewer names the copy placed beside the export.
pub(super) fn view_media_name(view: &crate::views::View, i: usize) -> String {
    view.camera
        .clone()
        .unwrap_or_else(|| format!("view-{}", i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"ok\""), "\"say \"\"ok\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn cue_times_and_numbers() {
        assert_eq!(cue_time(3_723_004, '.'), "01:02:03.004");
        assert_eq!(cue_time(59_999, ','), "00:00:59,999");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot; ");
    }
}
