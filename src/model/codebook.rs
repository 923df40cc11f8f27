//! Codebooks: the codes a recording is annotated with.
//!
//! Read from JSON (bundled ones from `assets/codebooks/`, users' own from
//! the vault). Parsing reports line and column of the first problem.

use std::collections::BTreeMap;

use super::string_enum;

string_enum!(
    /// A code marks an instant or a span.
    CodeKind, "code kind" {
        /// One frame.
        Point => "point",
        /// A start and an end frame.
        Duration => "duration",
    }
);

/// A coding scheme.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Codebook {
    /// Stable id (`neonatal-resuscitation`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Version of this codebook.
    pub version: String,
    /// What it is and where it comes from.
    #[serde(default)]
    pub description: String,
    /// Lanes on the timeline.
    pub categories: Vec<Category>,
    /// The codes.
    pub codes: Vec<Code>,
    /// Interval metrics (from one code to another, with a target).
    #[serde(default)]
    pub metrics: Vec<Metric>,
}

/// A lane of related codes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Colour as `#RRGGBB`.
    pub colour: String,
}

/// One code.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// Stable id (`ppv`).
    pub id: String,
    /// Display label.
    pub label: String,
    /// Category id.
    pub category: String,
    /// Point or duration.
    pub kind: CodeKind,
    /// Keyboard shortcut.
    #[serde(default)]
    pub hotkey: Option<String>,
    /// What the code means.
    #[serde(default)]
    pub description: String,
    /// Optional rating scale.
    #[serde(default)]
    pub rating: Option<RatingScale>,
}

/// A numeric rating scale with labelled anchors.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingScale {
    /// Lowest value.
    pub min: f64,
    /// Highest value.
    pub max: f64,
    /// Labels for some values.
    #[serde(default)]
    pub anchors: BTreeMap<String, String>,
}

/// An interval metric, e.g. birth → first ventilation ≤ 60 s.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    /// Display name.
    pub name: String,
    /// Code the interval starts at.
    pub from: String,
    /// Code the interval ends at.
    pub to: String,
    /// Target in seconds.
    pub target_seconds: f64,
}

/// The codebook bundled in every vault.
pub const NEONATAL: &str = include_str!("../../assets/codebooks/neonatal-resuscitation.json");

impl Codebook {
    /// Parses and checks a codebook; the error names line, column and what is wrong.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let book: Self = serde_json::from_str(text)
            .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?;
        book.check()?;
        Ok(book)
    }

    /// Consistency checks serde cannot express.
    pub fn check(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for code in &self.codes {
            if !seen.insert(code.id.as_str()) {
                return Err(format!("code '{}' appears twice", code.id));
            }
            if !self.categories.iter().any(|c| c.id == code.category) {
                return Err(format!(
                    "code '{}' names category '{}', which is not defined",
                    code.id, code.category
                ));
            }
        }
        for m in &self.metrics {
            for end in [&m.from, &m.to] {
                if self.code(end).is_none() {
                    return Err(format!(
                        "metric '{}' names code '{end}', which is not defined",
                        m.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// The code with this id.
    pub fn code(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.id == id)
    }

    /// The bundled neonatal resuscitation codebook.
    pub fn neonatal() -> Self {
        // The bundled file is checked by a unit test; an empty book is the safe fallback.
        Self::from_json(NEONATAL).unwrap_or_else(|_| Self {
            id: "neonatal-resuscitation".into(),
            name: "Neonatal resuscitation".into(),
            version: "0".into(),
            description: String::new(),
            categories: Vec::new(),
            codes: Vec::new(),
            metrics: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_codebook_has_the_stable_ids() {
        let book = Codebook::from_json(NEONATAL).unwrap();
        for (id, kind) in [
            ("birth", CodeKind::Point),
            ("ppv", CodeKind::Duration),
            ("intubation", CodeKind::Point),
            ("compressions", CodeKind::Duration),
            ("epinephrine", CodeKind::Point),
        ] {
            assert_eq!(book.code(id).map(|c| c.kind), Some(kind), "{id}");
        }
    }

    #[test]
    fn errors_name_the_place_and_the_problem() {
        let err = Codebook::from_json("{\n  \"id\": 3\n}").unwrap_err();
        assert!(err.starts_with("line 2, column"), "{err}");
        let mut book = Codebook::neonatal();
        book.codes[0].category = "nowhere".into();
        assert!(book.check().unwrap_err().contains("category 'nowhere'"));
    }
}
