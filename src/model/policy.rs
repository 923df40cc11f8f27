//! The consent and retention policy (`schemas/policy.schema.json`).
//!
//! A hospital's privacy office decides how long raw recordings are kept,
//! what a refusal does, and which consent stages each use needs for each
//! purpose. The default is `assets/policy.default.json`.

use std::collections::BTreeMap;

use super::consent::ConsentStage;
use super::{Purpose, string_enum};

string_enum!(
    /// What a refusal or withdrawal does to a recording.
    OnRefusal, "refusal action" {
        /// Crypto-shred the recording.
        Delete => "delete",
        /// Keep it for the linked providers' private review only.
        IndividualReviewOnly => "individual-review-only",
    }
);

/// The policy.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Format version (1).
    pub version: u32,
    /// Days a raw recording is kept after import.
    pub retention_days: u32,
    /// What a refusal or withdrawal does.
    pub on_refusal: OnRefusal,
    /// Consent needed per purpose.
    pub purposes: BTreeMap<String, PurposeRule>,
}

/// The consent one purpose needs for each use.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurposeRule {
    /// Stages every participant must have granted for instructor review.
    pub instructor_review: Vec<ConsentStage>,
    /// Stages every participant must have granted for plenary use.
    pub plenary: Vec<ConsentStage>,
    /// Only written consent counts.
    #[serde(default)]
    pub written_only: bool,
}

/// The default policy file.
pub const DEFAULT: &str = include_str!("../../assets/policy.default.json");

impl Policy {
    /// Parses and checks a policy; the error names line, column, JSON
    /// pointer and what is wrong.
    pub fn from_json(text: &str) -> Result<Self, String> {
        Self::validate(text, "policy").map_err(|problems| problems.join("; "))
    }

    /// Checks a policy file against `schemas/policy.schema.json` (which
    /// names every purpose and the version; a test keeps it in step with
    /// [`Purpose`]), reporting every problem as `file:line:column: /pointer: what`.
    pub fn validate(text: &str, file: &str) -> Result<Self, Vec<String>> {
        let value = super::schema::Bundled::Policy.parse(text, file)?;
        serde_json::from_value(value).map_err(|e| vec![format!("{file}: {e}")])
    }

    /// The bundled default.
    pub fn default_policy() -> Self {
        Self::from_json(DEFAULT).unwrap_or_else(|_| Self {
            version: 1,
            retention_days: 30,
            on_refusal: OnRefusal::Delete,
            purposes: BTreeMap::new(),
        })
    }

    /// The rule for a purpose (an empty, permissive-free rule if missing: nothing needs nothing,
    /// but `from_json` guarantees every purpose has one).
    pub fn rule(&self, purpose: Purpose) -> PurposeRule {
        self.purposes
            .get(purpose.as_str())
            .cloned()
            .unwrap_or_else(|| PurposeRule {
                instructor_review: ConsentStage::ALL.to_vec(),
                plenary: ConsentStage::ALL.to_vec(),
                written_only: true,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema requires a rule for exactly the purposes Debrief knows.
    #[test]
    fn the_schema_names_every_purpose() {
        let schema = crate::model::schema::Bundled::Policy.schema();
        let required: Vec<&str> = schema["properties"]["purposes"]["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let known: Vec<&str> = Purpose::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(required, known);
        assert_eq!(
            schema["properties"]["purposes"]["additionalProperties"],
            false
        );
        assert_eq!(schema["properties"]["retention_days"]["minimum"], 1);
    }

    #[test]
    fn default_policy_parses_and_bad_ones_say_why() {
        let p = Policy::from_json(DEFAULT).unwrap();
        assert_eq!((p.retention_days, p.on_refusal), (30, OnRefusal::Delete));
        let empty = Policy::validate("{}", "p.json").unwrap_err();
        assert_eq!(empty.len(), 4, "{empty:?}");
        assert_eq!(empty[0], "p.json:1:1: /: missing required field 'version'");
        let no_research = DEFAULT.replace("\"research\"", "\"reserch\"");
        let problems = Policy::from_json(&no_research).unwrap_err();
        assert!(
            problems.contains("missing required field 'research'")
                && problems.contains("unknown field 'reserch'"),
            "{problems}"
        );
        let bad_stage = DEFAULT.replacen("after-recording", "afterwards", 1);
        let problems = Policy::validate(&bad_stage, "p.json").unwrap_err();
        assert!(
            problems[0].contains("\"afterwards\" is not allowed: expected one of"),
            "{problems:?}"
        );
        assert!(problems[0].starts_with("p.json:"), "{problems:?}");
        let twice = DEFAULT.replacen(
            "\"before-review-use\"",
            "\"before-review-use\", \"before-review-use\"",
            1,
        );
        let problems = Policy::from_json(&twice).unwrap_err();
        assert!(problems.contains("is listed twice"), "{problems}");
        assert!(
            Policy::from_json("{ \"version\": 1,")
                .unwrap_err()
                .contains("not valid JSON")
        );
    }
}
