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

/// What a refusal or withdrawal does, stage by stage.
///
/// The guidance Debrief follows: accept a refusal without consequence and
/// offer alternatives such as individual review, since a recording "doesn't
/// always have to be used for plenary video review". So by default a refusal
/// before or after recording deletes the recording, while a refusal of review
/// use keeps it for the linked providers' individual review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalActions {
    /// A refusal before recording.
    #[serde(rename = "before-recording")]
    pub before_recording: OnRefusal,
    /// A refusal after recording.
    #[serde(rename = "after-recording")]
    pub after_recording: OnRefusal,
    /// A refusal of review use (plenary and teaching).
    #[serde(rename = "before-review-use")]
    pub before_review_use: OnRefusal,
}

impl std::fmt::Display for RefusalActions {
    /// "before recording: delete; after recording: delete; before review use: individual-review-only".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = ConsentStage::ALL
            .iter()
            .map(|&s| format!("{}: {}", s.as_str().replace('-', " "), self.at(s)))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl RefusalActions {
    /// The same action at every stage (how a version-1 policy reads).
    pub fn all(action: OnRefusal) -> Self {
        Self {
            before_recording: action,
            after_recording: action,
            before_review_use: action,
        }
    }

    /// What a refusal at `stage` does.
    pub fn at(&self, stage: ConsentStage) -> OnRefusal {
        match stage {
            ConsentStage::BeforeRecording => self.before_recording,
            ConsentStage::AfterRecording => self.after_recording,
            ConsentStage::BeforeReviewUse => self.before_review_use,
        }
    }
}

/// The policy.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Format version (2; version-1 files are upgraded when read).
    pub version: u32,
    /// Days a raw recording is kept after import.
    pub retention_days: u32,
    /// What a refusal or withdrawal at each stage does.
    pub on_refusal: RefusalActions,
    /// Consent needed per purpose.
    pub purposes: BTreeMap<String, PurposeRule>,
    /// The rules for recording straight into the vault.
    #[serde(default)]
    pub recording: RecordingRules,
}

/// What the unit decided about recording (`debrief record`, the Record screen).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecordingRules {
    /// Situations, rooms or case types the unit never records; the recorder
    /// confirms the situation is none of them before the first frame.
    pub do_not_record: Vec<String>,
    /// A recording stops by itself after this many minutes.
    pub max_minutes: u32,
    /// Days a recording made under deferred consent (emergencies) is kept
    /// without the patient's or family's consent; 0: deferred consent is not allowed.
    pub deferred_consent_days: u32,
    /// Recording stops when the vault's disk has less free space than this (MiB).
    pub disk_reserve_mib: u32,
}

impl Default for RecordingRules {
    fn default() -> Self {
        Self {
            do_not_record: Vec::new(),
            max_minutes: 60,
            deferred_consent_days: 28,
            disk_reserve_mib: 1024,
        }
    }
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

/// Situations a unit might never record (the demo vault's list; each unit
/// writes its own into its policy, which starts with none).
pub const EXAMPLE_DO_NOT_RECORD: &[&str] = &[
    "a patient or family who declined recording in advance",
    "intimate examinations and procedures",
    "bereavement conversations",
];

impl Policy {
    /// This policy as JSON with `do_not_record` replaced (the demo, tests).
    pub fn with_do_not_record(text: &str, list: &[&str]) -> String {
        let quoted: Vec<String> = list
            .iter()
            .map(|s| serde_json::to_string(s).unwrap_or_default())
            .collect();
        text.replace(
            "\"do_not_record\": []",
            &format!("\"do_not_record\": [{}]", quoted.join(", ")),
        )
    }
}

impl Policy {
    /// Parses and checks a policy; the error names line, column, JSON
    /// pointer and what is wrong.
    pub fn from_json(text: &str) -> Result<Self, String> {
        Self::validate(text, "policy").map_err(|problems| problems.join("; "))
    }

    /// Checks a policy file against `schemas/policy.schema.json` (which
    /// names every purpose and the version; a test keeps it in step with
    /// [`Purpose`]), reporting every problem as `file:line:column: /pointer: what`.
    ///
    /// A version-1 file (one `on_refusal` for every stage) is checked against
    /// its own schema and read as version 2 with that action at each stage.
    pub fn validate(text: &str, file: &str) -> Result<Self, Vec<String>> {
        use super::schema::Bundled;
        let version = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("version").and_then(serde_json::Value::as_u64));
        if version == Some(1) {
            let mut value = Bundled::PolicyV1.parse(text, file)?;
            let action: OnRefusal = value["on_refusal"]
                .as_str()
                .unwrap_or_default()
                .parse()
                .map_err(|e: String| vec![format!("{file}: {e}")])?;
            value["on_refusal"] = serde_json::to_value(RefusalActions::all(action))
                .map_err(|e| vec![format!("{file}: {e}")])?;
            value["version"] = 2.into();
            return serde_json::from_value(value).map_err(|e| vec![format!("{file}: {e}")]);
        }
        let value = Bundled::Policy.parse(text, file)?;
        serde_json::from_value(value).map_err(|e| vec![format!("{file}: {e}")])
    }

    /// The bundled default.
    pub fn default_policy() -> Self {
        Self::from_json(DEFAULT).unwrap_or_else(|_| Self {
            version: 2,
            retention_days: 30,
            on_refusal: RefusalActions::all(OnRefusal::Delete),
            purposes: BTreeMap::new(),
            recording: RecordingRules::default(),
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
    fn a_version_1_policy_is_read_as_version_2_with_one_action_everywhere() {
        // Version 1 had no recording rules: they read as the defaults.
        let without_recording = DEFAULT
            .find(",\n  \"recording\"")
            .map_or(DEFAULT.to_owned(), |at| format!("{}\n}}\n", &DEFAULT[..at]));
        let v1 = without_recording.replace("\"version\": 2", "\"version\": 1").replace(
            "{\n    \"before-recording\": \"delete\",\n    \"after-recording\": \"delete\",\n    \"before-review-use\": \"individual-review-only\"\n  }",
            "\"individual-review-only\"",
        );
        assert!(
            v1.contains("\"on_refusal\": \"individual-review-only\""),
            "{v1}"
        );
        let p = Policy::from_json(&v1).unwrap();
        assert_eq!(p.version, 2);
        assert_eq!(p.recording, RecordingRules::default());
        assert_eq!(
            p.on_refusal,
            RefusalActions::all(OnRefusal::IndividualReviewOnly)
        );
        // A version-1 file is checked against its own schema.
        let bad = v1.replace("\"individual-review-only\"", "\"shred\"");
        let problems = Policy::validate(&bad, "old.json").unwrap_err();
        assert!(problems[0].contains("/on_refusal"), "{problems:?}");
        // A version-2 file needs an action for every stage.
        let partial = DEFAULT.replace("    \"after-recording\": \"delete\",\n", "");
        let problems = Policy::validate(&partial, "p.json").unwrap_err();
        assert!(
            problems[0].contains("missing required field 'after-recording'"),
            "{problems:?}"
        );
    }

    #[test]
    fn default_policy_parses_and_bad_ones_say_why() {
        let p = Policy::from_json(DEFAULT).unwrap();
        assert_eq!(p.retention_days, 30);
        assert_eq!(
            p.on_refusal.at(ConsentStage::BeforeRecording),
            OnRefusal::Delete
        );
        assert_eq!(
            p.on_refusal.at(ConsentStage::AfterRecording),
            OnRefusal::Delete
        );
        assert_eq!(
            p.on_refusal.at(ConsentStage::BeforeReviewUse),
            OnRefusal::IndividualReviewOnly
        );
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
        let bad_stage = DEFAULT.replacen(
            "\"instructor_review\": [\"after-recording\"]",
            "\"instructor_review\": [\"afterwards\"]",
            1,
        );
        let problems = Policy::validate(&bad_stage, "p.json").unwrap_err();
        assert!(
            problems[0].contains("\"afterwards\" is not allowed: expected one of"),
            "{problems:?}"
        );
        assert!(problems[0].starts_with("p.json:"), "{problems:?}");
        let twice = DEFAULT.replacen(
            "\"after-recording\", \"before-review-use\"]",
            "\"after-recording\", \"before-review-use\", \"before-review-use\"]",
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
