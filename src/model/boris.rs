//! BORIS project export (`.boris`, project format 7.0): the codebook as the
//! ethogram, one observation per rater, so BORIS's own inter-rater tools
//! compare reviewers the way Debrief's agreement table does.
//!
//! BORIS keeps times in seconds; they are the same rounded milliseconds as
//! every other export ([`Span::start_ms`], [`Span::end_ms`]) divided by
//! 1000. A duration code becomes a state event (a START at the first frame's
//! start, a STOP when the last frame ends), a point code a point event. BORIS
//! pairs START and STOP per code, so a rater's overlapping spans of one code
//! go to a sibling observation (`… (2)`), as overlapping events go to a
//! sibling tier in EAF. Ratings are a numeric modifier named `rating`;
//! shared notes are the event comment; private notes are never exported.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::codebook::CodeKind;
use super::interchange::{ExportInput, Span, one_line, view_media_name};

/// BORIS's project format version this export follows.
pub const PROJECT_FORMAT_VERSION: &str = "7.0";

/// BORIS holds up to eight players per observation: one per camera view,
/// the reference first.
const PLAYERS: usize = 8;

impl ExportInput<'_> {
    /// The BORIS project JSON.
    pub(super) fn boris(&self) -> String {
        let spans = self.spans();
        // (file, length s, fps, offset s) per player. BORIS shows player n at
        // observation time − its offset, so a view's offset is where its
        // time 0 falls on the reference's timeline (`offset_ms` of `debrief
        // sync`); BORIS has no drift, so a drifting view is exact at its start.
        // With several views each file is named as in the EAF export.
        let several = self.views.len() > 1;
        let mut players = vec![(
            match self.views.first() {
                Some(v) if several => format!("{}.mp4", view_media_name(v, 0)),
                _ => format!("{}.mp4", self.recording_id),
            },
            ms_to_s(crate::time::ns_to_ms_round(self.end_ns)),
            self.rate.as_f64(),
            0.0,
        )];
        for (i, view) in self.views.iter().enumerate().skip(1) {
            let length = ms_to_s(crate::time::ns_to_ms_round(view.duration_ns));
            players.push((
                format!("{}.mp4", view_media_name(view, i)),
                length,
                if length > 0.0 {
                    view.frames as f64 / length
                } else {
                    0.0
                },
                ms_to_s(crate::time::ns_to_ms_round(view.mapping.start_ns())),
            ));
        }
        players.truncate(PLAYERS);

        // A code gets the rating modifier when its scale says so or an annotation is rated.
        let rated = |code: &str| {
            self.codebook.code(code).is_some_and(|c| c.rating.is_some())
                || spans
                    .iter()
                    .any(|s| s.annotation.code == code && s.annotation.rating.is_some())
        };
        let mut ethogram = serde_json::Map::new();
        for (i, code) in self.codebook.codes.iter().enumerate() {
            let modifiers = modifiers(rated(&code.id));
            let description = if code.description.is_empty() {
                code.label.clone()
            } else {
                format!("{}: {}", code.label, code.description)
            };
            ethogram.insert(
                i.to_string(),
                json!({
                    "type": match code.kind {
                        CodeKind::Point => "Point event",
                        CodeKind::Duration => "State event",
                    },
                    "key": code.hotkey.clone().unwrap_or_default(),
                    "code": code.id,
                    "description": description,
                    "color": self.codebook.categories.iter()
                        .find(|c| c.id == code.category)
                        .map_or("", |c| c.colour.as_str()),
                    "category": self.category_name(&code.category),
                    "modifiers": modifiers,
                    "excluded": "",
                    "coding map": "",
                }),
            );
        }
        // Codes the codebook no longer has still need an ethogram entry.
        let mut next = self.codebook.codes.len();
        for s in &spans {
            if self.codebook.code(&s.annotation.code).is_none()
                && !ethogram
                    .values()
                    .any(|b| b["code"] == s.annotation.code.as_str())
            {
                ethogram.insert(
                    next.to_string(),
                    json!({
                        "type": "Point event", "key": "", "code": s.annotation.code,
                        "description": "not in the codebook", "color": "",
                        "category": "",
                        "modifiers": modifiers(rated(&s.annotation.code)),
                        "excluded": "", "coding map": "",
                    }),
                );
                next += 1;
            }
        }

        let categories: Vec<&str> = self
            .codebook
            .categories
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let categories_config: serde_json::Map<String, Value> = self
            .codebook
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| (i.to_string(), json!({"name": c.name, "color": c.colour})))
            .collect();

        let mut observations = serde_json::Map::new();
        for (name, rows) in self.observation_rows(&spans) {
            let mut files = serde_json::Map::new();
            let mut length = serde_json::Map::new();
            let mut fps = serde_json::Map::new();
            let mut has_video = serde_json::Map::new();
            let mut offset = serde_json::Map::new();
            for n in 1..=PLAYERS {
                let list = match players.get(n - 1) {
                    Some((file, secs, rate, start)) => {
                        length.insert(file.clone(), json!(secs));
                        fps.insert(file.clone(), json!(rate));
                        has_video.insert(file.clone(), json!(true));
                        offset.insert(n.to_string(), json!(start));
                        json!([file])
                    }
                    None => json!([]),
                };
                files.insert(n.to_string(), list);
            }
            observations.insert(
                name.clone(),
                json!({
                    "file": files,
                    "type": "MEDIA",
                    "date": self.exported_at.trim_end_matches('Z'),
                    "description": format!("Debrief recording {}", self.recording_id),
                    "time offset": 0.0,
                    "events": events(&rows, |s| {
                        self.codebook
                            .code(&s.annotation.code)
                            .is_some_and(|c| c.kind == CodeKind::Duration)
                    }),
                    "observation time interval": [0, 0],
                    "independent_variables": {},
                    "visualize_spectrogram": false,
                    "visualize_waveform": false,
                    "media_creation_date_as_offset": false,
                    "media_scan_sampling_duration": 0,
                    "image_display_duration": 1,
                    "close_behaviors_between_videos": false,
                    "media_info": {
                        "length": length,
                        "fps": fps,
                        "hasVideo": has_video,
                        "hasAudio": players.iter().map(|p| (p.0.clone(), json!(false))).collect::<serde_json::Map<_, _>>(),
                        "offset": offset,
                    },
                }),
            );
        }

        let doc = json!({
            "project_name": format!("{} - {}", self.codebook.name, self.recording_id),
            "project_date": self.exported_at.trim_end_matches('Z'),
            "project_description": format!(
                "Exported from Debrief: codebook {} {}. Times in seconds from the start of the recording.",
                self.codebook.id, self.codebook.version
            ),
            "project_format_version": PROJECT_FORMAT_VERSION,
            "time_format": "hh:mm:ss",
            "subjects_conf": {},
            "behaviors_conf": ethogram,
            "behavioral_categories": categories,
            "behavioral_categories_config": categories_config,
            "observations": observations,
            "independent_variables": {},
            "coding_map": {},
            "behaviors_coding_map": [],
            "converters": {},
        });
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Observation name → the spans it holds: per rater, a span goes to the
    /// first observation where no span of the same code overlaps it.
    fn observation_rows<'s>(&self, spans: &'s [Span<'s>]) -> BTreeMap<String, Vec<&'s Span<'s>>> {
        let mut per_rater: BTreeMap<&str, Vec<Vec<&Span>>> = BTreeMap::new();
        for s in spans {
            let rows = per_rater.entry(s.annotation.author.as_str()).or_default();
            let free = rows.iter_mut().find(|row| {
                !row.iter().any(|o| {
                    o.annotation.code == s.annotation.code
                        && o.start_ms() < s.end_ms()
                        && s.start_ms() < o.end_ms()
                })
            });
            match free {
                Some(row) => row.push(s),
                None => rows.push(vec![s]),
            }
        }
        let mut out = BTreeMap::new();
        for (rater, rows) in per_rater {
            for (n, row) in rows.into_iter().enumerate() {
                let suffix = if n == 0 {
                    String::new()
                } else {
                    format!(" ({})", n + 1)
                };
                out.insert(format!("{} - {rater}{suffix}", self.recording_id), row);
            }
        }
        out
    }
}

/// BORIS media events, `[time, subject, code, modifier, comment, frame index]`,
/// sorted by time; at equal times a STOP comes before the next START. A STOP's
/// frame index is the frame shown when the span ends (the one after its last).
fn events(spans: &[&Span], is_state: impl Fn(&Span) -> bool) -> Vec<Value> {
    let mut events: Vec<(i64, u8, u64, Value)> = Vec::new();
    for s in spans {
        let a = s.annotation;
        let modifier = a.rating.map(|r| format!("{r}")).unwrap_or_default();
        let comment = a.note.as_deref().map(one_line).unwrap_or_default();
        events.push((
            s.start_ms(),
            1,
            s.start_frame,
            json!([
                ms_to_s(s.start_ms()),
                "",
                a.code,
                modifier,
                comment,
                s.start_frame
            ]),
        ));
        if is_state(s) {
            let after = s.last_frame + 1;
            events.push((
                s.end_ms(),
                0,
                after,
                json!([ms_to_s(s.end_ms()), "", a.code, modifier, "", after]),
            ));
        }
    }
    events.sort_by_key(|e| (e.0, e.1, e.2));
    events.into_iter().map(|e| e.3).collect()
}

/// A behaviour's modifiers: a numeric one named `rating` (BORIS type 2), or none.
fn modifiers(rated: bool) -> Value {
    if rated {
        json!({"0": {"name": "rating", "type": 2, "values": []}})
    } else {
        json!({})
    }
}

/// Milliseconds as seconds (BORIS rounds to milliseconds too).
fn ms_to_s(ms: i64) -> f64 {
    ms as f64 / 1000.0
}
