//! The consent information sheet: a printable page, generated from the
//! policy and the case's recording purposes, that answers what staff and
//! families ask before they agree to a recording being kept and used.
//!
//! The sheet is written as a plain HTML file, so it carries no patient or
//! participant name and no case title: only the unit, the date, the purposes
//! and what the policy says. It is the same for everyone in the case.

use std::fmt::Write as _;

use super::Purpose;
use super::consent::ConsentStage;
use super::policy::{OnRefusal, Policy};

/// What the sheet needs to know about a case.
#[derive(Clone, Debug, Default)]
pub struct SheetInput {
    /// The unit (ward, lab) named on the sheet.
    pub unit: Option<String>,
    /// The case date (YYYY-MM-DD).
    pub date: Option<String>,
    /// The purposes of the case's recordings; empty when nothing is imported
    /// yet (the sheet then describes the default purpose).
    pub purposes: Vec<Purpose>,
    /// Whether any recording has sound; `None` when not known yet.
    pub sound: Option<bool>,
}

/// Why a recording is kept, in plain words.
fn purpose_text(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::ClinicalCare => {
            "to support the care given: the team can look back at exactly what happened and when"
        }
        Purpose::Education => {
            "for teaching: so that staff can learn from real care, in reviews led by trained instructors"
        }
        Purpose::QualityImprovement => {
            "to improve the care we give: the team reviews what went well and what could be done better"
        }
        Purpose::Research => {
            "for research or public education, as approved by the hospital's ethics committee"
        }
    }
}

/// "after the recording" and the like, for a list of stages.
fn stage_list(stages: &[ConsentStage]) -> String {
    let words: Vec<&str> = stages
        .iter()
        .map(|s| match s {
            ConsentStage::BeforeRecording => "before the recording",
            ConsentStage::AfterRecording => "after the recording",
            ConsentStage::BeforeReviewUse => "before it is used for teaching",
        })
        .collect();
    match words.as_slice() {
        [] => "no further agreement".to_owned(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Escapes text for HTML.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;max-width:42em;margin:2em auto;line-height:1.45;color:#111}\
h1{font-size:1.5em}h2{font-size:1.1em;margin-top:1.4em}\
table{border-collapse:collapse;width:100%}td,th{border:1px solid #555;padding:.5em;text-align:left;vertical-align:top}\
td.blank{height:2.2em}.small{font-size:.85em;color:#333}\
@media print{body{margin:0}a{color:inherit}}";

/// Renders the sheet as a complete HTML page.
pub fn render(input: &SheetInput, policy: &Policy) -> String {
    let mut purposes = input.purposes.clone();
    purposes.sort_by_key(|p| p.as_str());
    purposes.dedup();
    if purposes.is_empty() {
        purposes.push(Purpose::QualityImprovement);
    }
    let place = match (&input.unit, &input.date) {
        (Some(u), Some(d)) => format!("{} · {}", esc(u), esc(d)),
        (Some(u), None) => esc(u),
        (None, Some(d)) => esc(d),
        (None, None) => String::new(),
    };
    let what = match input.sound {
        Some(false) => "Video (pictures, no sound)",
        Some(true) | None => "Video and sound",
    };

    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>About the video recording of this care</title><style>{STYLE}</style></head><body>\n\
         <h1>About the video recording of this care</h1>\n"
    );
    if !place.is_empty() {
        let _ = writeln!(h, "<p class=\"small\">{place}</p>");
    }
    let _ = writeln!(
        h,
        "<h2>What is recorded</h2>\n<p>{what} of the care team during the procedure. \
         The camera is aimed at the care being given; people in view may include the \
         team, the patient and family members.</p>"
    );

    let _ = writeln!(h, "<h2>Why</h2>\n<ul>");
    for p in &purposes {
        let _ = writeln!(h, "<li>{}</li>", purpose_text(*p));
    }
    let _ = writeln!(h, "</ul>");

    let _ = writeln!(h, "<h2>Who may see it</h2>\n<ul>");
    let _ = writeln!(
        h,
        "<li>Each member of the care team may watch the case they took part in, in private.</li>"
    );
    for p in &purposes {
        let Some(rule) = policy.purposes.get(p.as_str()) else {
            continue;
        };
        // "For a recording made for research: trained …" when the case mixes
        // purposes; a sentence of its own otherwise.
        let lead = |rest: &str| {
            if purposes.len() > 1 {
                format!("For a recording made {}: {rest}", purpose_short(*p))
            } else {
                let mut chars = rest.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_uppercase().chain(chars).collect()
                })
            }
        };
        let _ = writeln!(
            h,
            "<li>{}</li>",
            lead(&format!(
                "trained instructors may review it with the team, only with agreement given {}.",
                stage_list(&rule.instructor_review)
            ))
        );
        let _ = writeln!(
            h,
            "<li>{}</li>",
            lead(&format!(
                "short clips may be shown in teaching sessions, only with agreement given {}. \
                 Before any clip is shown, faces are covered, voices are removed or disguised \
                 and names, dates and device details are taken out.",
                stage_list(&rule.plenary)
            ))
        );
        if rule.written_only {
            let _ = writeln!(h, "<li>{}</li>", lead("only written agreement counts."));
        }
    }
    let _ = writeln!(h, "</ul>");

    let _ = writeln!(
        h,
        "<h2>Where it is kept</h2>\n<p>Encrypted, on the hospital's review workstation; it is \
         not sent to any outside service. Only named instructors with their own passphrase can \
         open it, and every viewing, change and deletion is recorded in a log that cannot be \
         altered unnoticed.</p>"
    );
    let days = policy.retention_days;
    let _ = writeln!(
        h,
        "<h2>How long it is kept</h2>\n<p>The recording is deleted {days} day{} after it is \
         made, or sooner if you ask. Deleting destroys the key that unlocks it, so no remaining \
         copy can be read.</p>",
        if days == 1 { "" } else { "s" }
    );
    let consequence = |action: OnRefusal| match action {
        OnRefusal::Delete => "the recording is deleted at once",
        OnRefusal::IndividualReviewOnly => {
            "the recording is kept only for each team member to watch their own part in private, \
             and is never used for teaching"
        }
    };
    // One sentence per action, naming the moments it follows.
    let moment = |stage: ConsentStage| match stage {
        ConsentStage::BeforeRecording => "before the recording",
        ConsentStage::AfterRecording => "after it",
        ConsentStage::BeforeReviewUse => "to its use for teaching",
    };
    let mut sentences = Vec::new();
    for action in [OnRefusal::Delete, OnRefusal::IndividualReviewOnly] {
        let stages: Vec<&str> = ConsentStage::ALL
            .iter()
            .filter(|&&s| policy.on_refusal.at(s) == action)
            .map(|&s| moment(s))
            .collect();
        if stages.is_empty() {
            continue;
        }
        let when = if stages.len() == ConsentStage::ALL.len() {
            String::new()
        } else {
            format!(" {}", stages.join(" or "))
        };
        sentences.push(format!(
            "If you say no{when} or withdraw it, {}.",
            consequence(action)
        ));
    }
    let _ = writeln!(
        h,
        "<h2>Saying no, or changing your mind</h2>\n<p>You will be asked at three moments: \
         before the recording, after it, and before it is used for teaching. You can say no at \
         any of them, and you can withdraw your agreement at any time by telling the staff of \
         the unit. {} Saying no is accepted as it is: it does not change the care anyone \
         receives, and nobody has to give a reason.</p>",
        sentences.join(" ")
    );

    let _ = writeln!(
        h,
        "<h2>Record of agreement</h2>\n<table>\n<tr><th>When</th><th>Agree / do not agree</th>\
         <th>How (spoken / written)</th><th>Date</th><th>Signature</th></tr>"
    );
    for stage in ConsentStage::ALL {
        let label = match stage {
            ConsentStage::BeforeRecording => "Before the recording",
            ConsentStage::AfterRecording => "After the recording",
            ConsentStage::BeforeReviewUse => "Before use for teaching",
        };
        let _ = writeln!(
            h,
            "<tr><td>{label}</td><td class=\"blank\"></td><td></td><td></td><td></td></tr>"
        );
    }
    let _ = writeln!(
        h,
        "</table>\n<p class=\"small\">Every answer, yes or no, is recorded in the case's consent \
         ledger.</p>\n</body></html>"
    );
    h
}

/// "for quality improvement" and the like.
fn purpose_short(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::ClinicalCare => "as part of care",
        Purpose::Education => "for teaching",
        Purpose::QualityImprovement => "for quality improvement",
        Purpose::Research => "for research",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::from_json(super::super::policy::DEFAULT).unwrap()
    }

    #[test]
    fn the_sheet_follows_the_policy() {
        let mut p = policy();
        p.retention_days = 14;
        let input = SheetInput {
            unit: Some("NICU <B>".into()),
            date: Some("2026-11-22".into()),
            purposes: vec![Purpose::Education],
            sound: Some(true),
        };
        let html = render(&input, &p);
        assert!(html.contains("deleted 14 days after"));
        assert!(html.contains("for teaching: so that staff"));
        // Education needs all three stages for plenary use, two for instructors.
        assert!(
            html.contains(
                "only with agreement given before the recording and after the recording."
            )
        );
        assert!(html.contains(
            "before the recording, after the recording and before it is used for teaching."
        ));
        // The default: no before or after the recording deletes it; no to teaching use keeps
        // it for each member's own private review.
        assert!(
            html.contains(
                "If you say no before the recording or after it or withdraw it, the recording is \
             deleted at once."
            ),
            "{html}"
        );
        assert!(html.contains(
            "If you say no to its use for teaching or withdraw it, the recording is kept only \
             for each team member to watch their own part in private"
        ));
        assert!(html.contains("NICU &lt;B&gt;"), "unit is escaped");
        assert!(html.contains("Video and sound"));
        assert!(html.contains("<li>Trained instructors may review it"));
        assert_eq!(html.matches("<td class=\"blank\">").count(), 3);

        p.on_refusal = crate::model::policy::RefusalActions::all(OnRefusal::IndividualReviewOnly);
        let html = render(
            &SheetInput {
                sound: Some(false),
                ..input
            },
            &p,
        );
        assert!(html.contains("never used for teaching"));
        assert!(html.contains("no sound"));
    }

    #[test]
    fn several_purposes_are_each_explained() {
        let html = render(
            &SheetInput {
                purposes: vec![Purpose::Research, Purpose::ClinicalCare, Purpose::Research],
                ..Default::default()
            },
            &policy(),
        );
        assert!(html.contains("For a recording made for research: only written agreement counts."));
        assert!(html.contains("For a recording made as part of care: trained instructors"));
        assert_eq!(
            html.matches("ethics committee").count(),
            1,
            "purposes deduplicated"
        );
    }

    #[test]
    fn with_nothing_imported_the_default_purpose_is_described() {
        let html = render(&SheetInput::default(), &policy());
        assert!(html.contains("to improve the care we give"));
        assert!(html.contains("Video and sound"));
    }
}
