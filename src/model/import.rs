//! Reading annotations back from Debrief JSON and ELAN EAF.
//!
//! Debrief JSON carries exact frames, so it comes back exactly. EAF carries
//! milliseconds; since the export rounds each frame boundary to the nearest
//! millisecond, a time maps back to the first frame whose PTS lies at or
//! after it, less half a millisecond. Codes come from the CVE reference
//! (`code-<id>`) or else the label; ratings and notes from the note tier
//! the export writes beside each code tier ("rating R; note"). Open
//! durations come back closed at the recording's end. Authors are not
//! imported: the annotations belong to the user who imports them.

use std::collections::HashMap;

use super::codebook::Codebook;

/// One annotation read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// Code id.
    pub code: String,
    /// First frame.
    pub start_frame: u64,
    /// Last frame (durations).
    pub end_frame: Option<u64>,
    /// Rating.
    pub rating: Option<f64>,
    /// Shared note.
    pub note: Option<String>,
    /// Who coded it, as the file says.
    pub rater: String,
}

/// Reads a Debrief JSON annotation export (checked against its schema).
pub fn from_json(text: &str, file: &str) -> Result<Vec<Imported>, Vec<String>> {
    let doc = super::schema::Bundled::Annotations.parse(text, file)?;
    let items = doc["annotations"].as_array().cloned().unwrap_or_default();
    Ok(items
        .iter()
        .map(|a| Imported {
            code: a["code"].as_str().unwrap_or_default().to_owned(),
            start_frame: a["start_frame"].as_u64().unwrap_or(0),
            end_frame: a["end_frame"].as_u64().or_else(|| {
                // An open duration: it ran to the recording's end.
                a["open"]
                    .as_bool()
                    .filter(|o| *o)
                    .and(a["last_frame"].as_u64())
            }),
            rating: a["rating"].as_f64(),
            note: a["note"].as_str().map(str::to_owned),
            rater: a["rater"].as_str().unwrap_or_default().to_owned(),
        })
        .collect())
}

/// Splits the export's note text ("rating R; note", "rating R", "note").
fn split_note(text: &str) -> (Option<f64>, Option<String>) {
    if let Some(rest) = text.strip_prefix("rating ") {
        let (num, note) = match rest.split_once("; ") {
            Some((n, note)) => (n, Some(note.to_owned())),
            None => (rest, None),
        };
        if let Ok(r) = num.trim().parse::<f64>() {
            return (Some(r), note);
        }
    }
    (None, Some(text.to_owned()))
}

/// Reads an ELAN EAF file; `pts` are the recording's frame PTS (ns).
pub fn from_eaf(
    text: &str,
    file: &str,
    book: &Codebook,
    pts: &[i64],
) -> Result<Vec<Imported>, String> {
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| format!("{file}: not a readable EAF (XML) file: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "ANNOTATION_DOCUMENT" {
        return Err(format!(
            "{file}: not an ELAN file (the root element is <{}>, expected <ANNOTATION_DOCUMENT>)",
            root.tag_name().name()
        ));
    }
    let mut slots: HashMap<&str, i64> = HashMap::new();
    for s in root.descendants().filter(|n| n.has_tag_name("TIME_SLOT")) {
        if let (Some(id), Some(v)) = (s.attribute("TIME_SLOT_ID"), s.attribute("TIME_VALUE")) {
            let ms: i64 = v
                .parse()
                .map_err(|_| format!("{file}: time slot {id} has no valid TIME_VALUE ('{v}')"))?;
            if ms < 0 {
                return Err(format!(
                    "{file}: time slot {id} is negative ({ms} ms): times start at 0"
                ));
            }
            slots.insert(id, ms);
        }
    }
    // The recording's end: its last frame's start plus one frame interval.
    let end_ns = match pts {
        [.., a, b] => b + (b - a),
        [a] => *a,
        [] => 0,
    };
    let end_ms = end_ns.div_euclid(1_000_000) + 1;
    let frame_at = |ms: i64| {
        let ns = ms.saturating_mul(1_000_000).saturating_sub(500_000);
        pts.partition_point(|&p| p < ns) as u64
    };
    // Notes by (code tier id, start slot, end slot).
    let mut notes: HashMap<(String, String, String), String> = HashMap::new();
    let tiers: Vec<_> = root.children().filter(|n| n.has_tag_name("TIER")).collect();
    for tier in &tiers {
        let (Some(id), Some("note")) = (
            tier.attribute("TIER_ID"),
            tier.attribute("LINGUISTIC_TYPE_REF"),
        ) else {
            continue;
        };
        let Some(code_tier) = id.strip_prefix("Notes: ") else {
            continue;
        };
        for a in tier
            .descendants()
            .filter(|n| n.has_tag_name("ALIGNABLE_ANNOTATION"))
        {
            let value = a
                .descendants()
                .find(|n| n.has_tag_name("ANNOTATION_VALUE"))
                .and_then(|n| n.text())
                .unwrap_or("");
            notes.insert(
                (
                    code_tier.to_owned(),
                    a.attribute("TIME_SLOT_REF1").unwrap_or("").into(),
                    a.attribute("TIME_SLOT_REF2").unwrap_or("").into(),
                ),
                value.to_owned(),
            );
        }
    }
    let mut out = Vec::new();
    for tier in &tiers {
        if tier.attribute("LINGUISTIC_TYPE_REF") == Some("note") {
            continue;
        }
        let tier_id = tier.attribute("TIER_ID").unwrap_or("");
        let rater = tier.attribute("ANNOTATOR").unwrap_or("").to_owned();
        for a in tier
            .descendants()
            .filter(|n| n.has_tag_name("ALIGNABLE_ANNOTATION"))
        {
            let id = a.attribute("ANNOTATION_ID").unwrap_or("?");
            let value = a
                .descendants()
                .find(|n| n.has_tag_name("ANNOTATION_VALUE"))
                .and_then(|n| n.text())
                .unwrap_or("")
                .trim();
            let code = a
                .attribute("CVE_REF")
                .and_then(|r| r.strip_prefix("code-"))
                .and_then(|c| book.code(c))
                .or_else(|| book.codes.iter().find(|c| c.label == value || c.id == value))
                .ok_or_else(|| format!("{file}: annotation {id} on tier '{tier_id}' is '{value}', which is not a code of codebook '{}'", book.id))?;
            let (r1, r2) = (
                a.attribute("TIME_SLOT_REF1").unwrap_or(""),
                a.attribute("TIME_SLOT_REF2").unwrap_or(""),
            );
            let (Some(&t1), Some(&t2)) = (slots.get(r1), slots.get(r2)) else {
                return Err(format!(
                    "{file}: annotation {id} refers to a time slot that does not exist"
                ));
            };
            let place = format!("{file}: annotation {id} on tier '{tier_id}'");
            if t2 < t1 {
                return Err(format!(
                    "{place} ends (slot {r2}, {t2} ms) before it starts (slot {r1}, {t1} ms); \
                     correct its time slots"
                ));
            }
            for (slot, t) in [(r1, t1), (r2, t2)] {
                if t > end_ms {
                    return Err(format!(
                        "{place}: slot {slot} ({t} ms) lies after the end of the recording \
                         ({end_ms} ms); is this file for another recording?"
                    ));
                }
            }
            let start = frame_at(t1);
            if start >= pts.len() as u64 {
                return Err(format!(
                    "{place} starts (slot {r1}, {t1} ms) at the very end of the recording, \
                     after its last frame"
                ));
            }
            let end = frame_at(t2).saturating_sub(1).max(start);
            let (rating, note) = notes
                .get(&(tier_id.to_owned(), r1.to_owned(), r2.to_owned()))
                .map_or((None, None), |t| split_note(t));
            out.push(Imported {
                code: code.id.clone(),
                start_frame: start,
                end_frame: (code.kind == super::CodeKind::Duration).then_some(end),
                rating,
                note,
                rater: rater.clone(),
            });
        }
    }
    out.sort_by(|a, b| (a.start_frame, &a.code).cmp(&(b.start_frame, &b.code)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_split_back_into_rating_and_text() {
        assert_eq!(
            split_note("rating 3; loop closed"),
            (Some(3.0), Some("loop closed".into()))
        );
        assert_eq!(split_note("rating 0.5"), (Some(0.5), None));
        assert_eq!(split_note("good seal"), (None, Some("good seal".into())));
        assert_eq!(
            split_note("rating high"),
            (None, Some("rating high".into()))
        );
    }
}
