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
    /// Metrics from device data (heart rate, SpO2, tidal volume), with targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_metrics: Vec<DataMetric>,
    /// Target bands of device data signals (lanes, values, metrics); a signal
    /// not named here has the built-in guidance bands.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_targets: Vec<DataTarget>,
}

/// Where a device data signal should be: a fixed band, or one that moves
/// with minute of life (counted from the `birth` code).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataTarget {
    /// The signal, by its name in the data or a usual name ("HR", "SpO2").
    pub signal: String,
    /// Lowest wanted value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// Highest wanted value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Rows of (minute of life, low, high), minutes rising; between rows the band moves linearly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_minute: Vec<[f64; 3]>,
}

impl DataTarget {
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.by_minute.is_empty() && self.low.is_none() && self.high.is_none() {
            out.push(("low", "a target needs low, high or by_minute".into()));
        }
        if let (Some(l), Some(h)) = (self.low, self.high)
            && l >= h
        {
            out.push(("low", "low must be below high".into()));
        }
        for (i, w) in self.by_minute.windows(2).enumerate() {
            if w[1][0] <= w[0][0] {
                out.push(("by_minute", format!("row {}: the minutes must rise", i + 2)));
            }
        }
        if self.by_minute.iter().any(|r| r[1] >= r[2]) {
            out.push(("by_minute", "in every row low must be below high".into()));
        }
        out
    }
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotkey: Option<String>,
    /// What the code means.
    #[serde(default)]
    pub description: String,
    /// Optional rating scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<RatingScale>,
}

impl Code {
    /// Checks a rating given to an event of this code: only a code with a
    /// scale takes one, and only a finite number on that scale.
    pub fn check_rating(&self, rating: Option<f64>) -> Result<(), String> {
        let Some(rating) = rating else {
            return Ok(());
        };
        let Some(scale) = &self.rating else {
            return Err(format!(
                "'{}' has no rating scale: leave the rating out, or give the code a scale in the codebook",
                self.id
            ));
        };
        if !rating.is_finite() || !(scale.min..=scale.max).contains(&rating) {
            // 1e300 as written, not as three hundred digits.
            let shown = if rating.abs() < 1e9 {
                rating.to_string()
            } else {
                format!("{rating:e}")
            };
            return Err(format!(
                "rating {shown} is outside {}'s scale {} to {}: give a number on the scale",
                self.id, scale.min, scale.max
            ));
        }
        Ok(())
    }
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

/// What a data metric measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataMetricKind {
    /// Seconds from the `from` code until the signal first reaches `at_least`.
    TimeTo,
    /// Seconds the signal spends outside its target band (SpO2 by minute of
    /// life, HR ≥ 100) from `after_seconds` past the `from` code.
    TimeOutsideTarget,
    /// Share of the signal's samples (one per breath for tidal volume) within
    /// `low`–`high`, from `after_seconds` past the `from` code.
    FractionInRange,
}

impl DataMetricKind {
    /// The name stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TimeTo => "time_to",
            Self::TimeOutsideTarget => "time_outside_target",
            Self::FractionInRange => "fraction_in_range",
        }
    }
}

/// A metric computed from device data, e.g. "birth to HR ≥ 100 within 120 s".
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataMetric {
    /// Display name.
    pub name: String,
    /// What it measures.
    pub kind: DataMetricKind,
    /// The signal, by its name in the data or a usual name ("HR", "SpO2", "Vt").
    pub signal: String,
    /// The code it counts from (e.g. `birth`; minutes of life count from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Seconds past `from` (or the recording's start) where counting starts.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub after_seconds: f64,
    /// `time_to`: the value to reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    /// `fraction_in_range`: the range's lower end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// `fraction_in_range`: the range's upper end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// `time_to`, `time_outside_target`: met at or under this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_seconds: Option<f64>,
    /// `fraction_in_range`: met at or over this share (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_fraction: Option<f64>,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl DataMetric {
    /// What is missing or wrong in it, as (field, problem).
    fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        match self.kind {
            DataMetricKind::TimeTo => {
                if self.from.is_none() {
                    out.push((
                        "from",
                        "a time_to metric needs the code it counts from".into(),
                    ));
                }
                if self.at_least.is_none() {
                    out.push((
                        "at_least",
                        "a time_to metric needs the value to reach".into(),
                    ));
                }
            }
            DataMetricKind::TimeOutsideTarget => {}
            DataMetricKind::FractionInRange => match (self.low, self.high) {
                (Some(l), Some(h)) if l < h => {}
                (Some(_), Some(_)) => out.push(("low", "low must be below high".into())),
                _ => out.push((
                    "low",
                    "a fraction_in_range metric needs low and high".into(),
                )),
            },
        }
        if self.after_seconds < 0.0 || !self.after_seconds.is_finite() {
            out.push(("after_seconds", "must be 0 or more seconds".into()));
        }
        if self
            .target_seconds
            .is_some_and(|t| t <= 0.0 || !t.is_finite())
        {
            out.push((
                "target_seconds",
                "the target must be above 0 seconds".into(),
            ));
        }
        if self
            .target_fraction
            .is_some_and(|t| !(0.0..=1.0).contains(&t))
        {
            out.push((
                "target_fraction",
                "the target is a share from 0 to 1".into(),
            ));
        }
        out
    }
}

/// The codebook bundled in every vault.
pub const NEONATAL: &str = include_str!("../../assets/codebooks/neonatal-resuscitation.json");

/// Every bundled codebook, in the order the app lists them.
pub const BUNDLED: &[&str] = &[
    NEONATAL,
    include_str!("../../assets/codebooks/team.json"),
    include_str!("../../assets/codebooks/team-communication.json"),
];

impl Codebook {
    /// Parses and checks a codebook; the error names line, column and what is wrong.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let book: Self = serde_json::from_str(text)
            .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?;
        book.check()?;
        Ok(book)
    }

    /// Checks a codebook file against `schemas/codebook.schema.json` and for
    /// consistency, reporting every problem as `file:line:column: /pointer: what`.
    pub fn validate(text: &str, file: &str) -> Result<Self, Vec<String>> {
        let value = super::schema::Bundled::Codebook.parse(text, file)?;
        let book: Self = serde_json::from_value(value).map_err(|e| vec![format!("{file}: {e}")])?;
        let problems = book.problems();
        if problems.is_empty() {
            Ok(book)
        } else {
            Err(super::schema::format_problems(text, file, problems))
        }
    }

    /// Consistency problems serde and the schema cannot express, by JSON pointer.
    pub fn problems(&self) -> Vec<super::schema::Problem> {
        let mut out = Vec::new();
        let id_ok = |id: &str| {
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !id.starts_with('-')
        };
        if !id_ok(&self.id) {
            out.push((
                "/id".into(),
                format!(
                    "'{}' is not a codebook id: use lowercase letters, digits and '-'",
                    self.id
                ),
            ));
        }
        let mut categories = std::collections::HashSet::new();
        for (i, c) in self.categories.iter().enumerate() {
            if !categories.insert(c.id.as_str()) {
                out.push((
                    format!("/categories/{i}/id"),
                    format!("category '{}' appears twice", c.id),
                ));
            }
            let hex = c.colour.strip_prefix('#').unwrap_or("");
            if hex.len() != 6 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                out.push((
                    format!("/categories/{i}/colour"),
                    format!(
                        "'{}' is not a colour: write #RRGGBB, e.g. #4C78A8",
                        c.colour
                    ),
                ));
            }
        }
        let known: Vec<&str> = self.categories.iter().map(|c| c.id.as_str()).collect();
        let mut codes = std::collections::HashMap::new();
        let mut hotkeys = std::collections::HashMap::new();
        for (i, code) in self.codes.iter().enumerate() {
            if codes.insert(code.id.as_str(), i).is_some() {
                out.push((
                    format!("/codes/{i}/id"),
                    format!("code '{}' appears twice", code.id),
                ));
            }
            if !known.contains(&code.category.as_str()) {
                out.push((
                    format!("/codes/{i}/category"),
                    format!(
                        "'{}' is not a category of this codebook: expected one of {}",
                        code.category,
                        known.join(", ")
                    ),
                ));
            }
            if let Some(key) = code.hotkey.as_deref() {
                let key = key.trim().to_ascii_uppercase();
                if let Some(other) = hotkeys.insert(key.clone(), code.id.as_str()) {
                    out.push((
                        format!("/codes/{i}/hotkey"),
                        format!("hotkey '{key}' is also code '{other}''s"),
                    ));
                }
            }
            if let Some(r) = &code.rating
                && r.min >= r.max
            {
                out.push((
                    format!("/codes/{i}/rating"),
                    format!(
                        "the scale's min ({}) must be below its max ({})",
                        r.min, r.max
                    ),
                ));
            }
        }
        for (i, m) in self.metrics.iter().enumerate() {
            for (field, end) in [("from", &m.from), ("to", &m.to)] {
                if !codes.contains_key(end.as_str()) {
                    out.push((
                        format!("/metrics/{i}/{field}"),
                        format!("'{end}' is not a code of this codebook"),
                    ));
                }
            }
            if m.target_seconds <= 0.0 {
                out.push((
                    format!("/metrics/{i}/target_seconds"),
                    "the target must be above 0 seconds".into(),
                ));
            }
        }
        for (i, m) in self.data_metrics.iter().enumerate() {
            if let Some(from) = &m.from
                && !codes.contains_key(from.as_str())
            {
                out.push((
                    format!("/data_metrics/{i}/from"),
                    format!("'{from}' is not a code of this codebook"),
                ));
            }
            for (field, problem) in m.problems() {
                out.push((format!("/data_metrics/{i}/{field}"), problem));
            }
        }
        for (i, t) in self.data_targets.iter().enumerate() {
            for (field, problem) in t.problems() {
                out.push((format!("/data_targets/{i}/{field}"), problem));
            }
        }
        out
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
        for m in &self.data_metrics {
            if let Some(from) = &m.from
                && self.code(from).is_none()
            {
                return Err(format!(
                    "data metric '{}' names code '{from}', which is not defined",
                    m.name
                ));
            }
            if let Some((field, problem)) = m.problems().into_iter().next() {
                return Err(format!("data metric '{}', {field}: {problem}", m.name));
            }
        }
        for t in &self.data_targets {
            if let Some((field, problem)) = t.problems().into_iter().next() {
                return Err(format!("the target of '{}', {field}: {problem}", t.signal));
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
            data_metrics: Vec::new(),
            data_targets: Vec::new(),
        })
    }
}

/// An id not yet used by `taken`: `base`, `base-2`, `base-3`, …
pub fn free_id(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .unwrap_or_else(|| base.to_owned())
}

/// An id from a label: lowercase letters, digits and '-'.
pub fn slug(label: &str) -> String {
    let mut out = String::new();
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() { "code".into() } else { out }
}

impl Codebook {
    /// A new codebook to start editing from: one category, one point code.
    pub fn template(id: String) -> Self {
        Self {
            id,
            name: "New codebook".into(),
            version: "1".into(),
            description: String::new(),
            categories: vec![Category {
                id: "events".into(),
                name: "Events".into(),
                colour: "#4C78A8".into(),
            }],
            codes: vec![Code {
                id: "event".into(),
                label: "Event".into(),
                category: "events".into(),
                kind: super::CodeKind::Point,
                hotkey: None,
                description: String::new(),
                rating: None,
            }],
            metrics: Vec::new(),
            data_metrics: Vec::new(),
            data_targets: Vec::new(),
        }
    }

    /// The schema's problems, or (when there are none) the consistency
    /// problems: what `codebook validate` reports, for a codebook in memory.
    pub fn all_problems(&self) -> Vec<super::schema::Problem> {
        let value = serde_json::to_value(self).unwrap_or_default();
        let problems = super::schema::Bundled::Codebook.check(&value);
        if problems.is_empty() {
            self.problems()
        } else {
            problems
        }
    }

    /// The row a JSON pointer names, for people: "Code 3 (Call-out), hotkey"
    /// for `/codes/2/hotkey`.
    pub fn place(&self, pointer: &str) -> String {
        let mut parts = pointer.trim_start_matches('/').split('/');
        let list = parts.next().unwrap_or_default();
        let index: Option<usize> = parts.next().and_then(|i| i.parse().ok());
        let field = parts.next();
        let row = match (list, index) {
            ("codes", Some(i)) => format!(
                "Code {} ({})",
                i + 1,
                self.codes.get(i).map_or("", |c| c.label.as_str())
            ),
            ("categories", Some(i)) => format!(
                "Category {} ({})",
                i + 1,
                self.categories.get(i).map_or("", |c| c.name.as_str())
            ),
            ("metrics", Some(i)) => format!(
                "Metric {} ({})",
                i + 1,
                self.metrics.get(i).map_or("", |m| m.name.as_str())
            ),
            ("data_metrics", Some(i)) => format!(
                "Data metric {} ({})",
                i + 1,
                self.data_metrics.get(i).map_or("", |m| m.name.as_str())
            ),
            ("", _) => "Codebook".to_owned(),
            (other, _) => other.to_owned(),
        };
        match field {
            Some(f) => format!("{row}, {f}"),
            None => row,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_slugs_and_free() {
        assert_eq!(slug("Call-out: HR > 100!"), "call-out-hr-100");
        assert_eq!(slug("  "), "code");
        let taken = ["team-copy", "team-copy-2"];
        assert_eq!(free_id("team-copy", |c| taken.contains(&c)), "team-copy-3");
        assert_eq!(free_id("x", |_| false), "x");
    }

    #[test]
    fn the_template_is_a_valid_codebook() {
        let book = Codebook::template("mine".into());
        assert_eq!(book.all_problems(), Vec::new());
        let text = serde_json::to_string(&book).unwrap();
        assert!(Codebook::validate(&text, "t.json").is_ok());
    }

    #[test]
    fn pointers_are_placed_by_row() {
        let book = Codebook::from_json(NEONATAL).unwrap();
        let label = &book.codes[2].label;
        assert_eq!(
            book.place("/codes/2/hotkey"),
            format!("Code 3 ({label}), hotkey")
        );
        assert_eq!(book.place(""), "Codebook");
        let mut bad = book.clone();
        bad.categories[0].colour = "blue".into();
        let problems = bad.all_problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, "/categories/0/colour");
    }

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

    /// A valid codebook with one field replaced (`patch` edits the JSON value).
    fn variant(patch: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v: serde_json::Value = serde_json::from_str(NEONATAL).unwrap();
        patch(&mut v);
        serde_json::to_string_pretty(&v).unwrap()
    }

    fn problems_of(text: &str) -> Vec<String> {
        Codebook::validate(text, "book.json").expect_err("should be refused")
    }

    #[test]
    fn every_bundled_codebook_is_valid() {
        let ids: Vec<String> = BUNDLED
            .iter()
            .map(|text| {
                Codebook::validate(text, "bundled")
                    .unwrap_or_else(|p| panic!("{p:#?}"))
                    .id
            })
            .collect();
        assert_eq!(
            ids,
            ["neonatal-resuscitation", "team", "team-communication"]
        );
        let team = Codebook::validate(BUNDLED[1], "team.json").unwrap();
        let rated = team
            .codes
            .iter()
            .filter(|c| {
                c.rating
                    .as_ref()
                    .is_some_and(|r| (r.min, r.max) == (0.0, 4.0))
            })
            .count();
        assert_eq!(rated, 11, "TEAM's eleven items are rated 0-4");
        assert!(
            team.code("team-global")
                .unwrap()
                .rating
                .as_ref()
                .is_some_and(|r| (r.min, r.max) == (1.0, 10.0))
        );
    }

    #[test]
    fn validation_names_file_line_column_pointer_and_expectation() {
        assert!(Codebook::validate(NEONATAL, "n.json").is_ok());
        let cases: Vec<(String, &str)> = vec![
            ("{ \"id\": ".into(), "book.json:1:8: not valid JSON"),
            (
                variant(|v| {
                    v.as_object_mut().unwrap().remove("codes");
                }),
                "/: missing required field 'codes'",
            ),
            (
                variant(|v| v["colr"] = "x".into()),
                "/colr: unknown field 'colr'",
            ),
            (
                variant(|v| v["codes"][0]["kind"] = "instant".into()),
                "/codes/0/kind: \"instant\" is not allowed: expected one of \"point\", \"duration\"",
            ),
            (
                variant(|v| v["codes"] = 3.into()),
                "/codes: expected array, found an integer",
            ),
            (
                variant(|v| v["codes"][1]["id"] = "birth".into()),
                "/codes/1/id: code 'birth' appears twice",
            ),
            (
                variant(|v| v["codes"][2]["category"] = "vitals".into()),
                "/codes/2/category: 'vitals' is not a category of this codebook: expected one of milestones",
            ),
            (
                variant(|v| v["categories"][0]["colour"] = "blue".into()),
                "/categories/0/colour: 'blue' is not a colour",
            ),
            (
                variant(|v| v["metrics"][0]["to"] = "breathing".into()),
                "/metrics/0/to: 'breathing' is not a code",
            ),
            (
                variant(|v| v["metrics"][0]["target_seconds"] = 0.into()),
                "/metrics/0/target_seconds: the target must be above 0",
            ),
            (
                variant(|v| v["data_metrics"][1]["from"] = "breathing".into()),
                "/data_metrics/1/from: 'breathing' is not a code",
            ),
            (
                variant(|v| v["data_metrics"][2]["low"] = 9.into()),
                "/data_metrics/2/low: low must be below high",
            ),
            (
                variant(|v| v["data_metrics"][0]["target_seconds"] = (-1).into()),
                "/data_metrics/0/target_seconds",
            ),
            (
                variant(|v| v["data_targets"][0]["by_minute"][1][0] = 0.into()),
                "/data_targets/0/by_minute: row 2: the minutes must rise",
            ),
            (
                variant(|v| v["codes"][1]["hotkey"] = "b".into()),
                "/codes/1/hotkey: hotkey 'B' is also code 'birth''s",
            ),
            (
                variant(|v| {
                    v["codes"][8]["rating"]["min"] = 5.into();
                }),
                "/codes/8/rating: the scale's min (5) must be below its max (1)",
            ),
            (
                variant(|v| v["id"] = "Neo Natal".into()),
                "/id: 'Neo Natal' is not a codebook id",
            ),
            (
                variant(|v| v["categories"][0]["name"] = 7.into()),
                "/categories/0/name: expected string, found an integer",
            ),
        ];
        for (text, expect) in cases {
            let problems = problems_of(&text);
            assert!(
                problems.iter().any(|p| p.contains(expect)),
                "expected '{expect}' in {problems:#?}"
            );
            // Every message starts with the file and a real line and column.
            for p in &problems {
                let mut parts = p.splitn(4, ':');
                assert_eq!(parts.next(), Some("book.json"), "{p}");
                let line: usize = parts.next().unwrap().parse().unwrap();
                let col: usize = parts.next().unwrap().parse().unwrap();
                assert!(line >= 1 && col >= 1, "{p}");
            }
        }
        // The line and column point at the offending value.
        let text = variant(|v| v["codes"][2]["category"] = "vitals".into());
        let p = &problems_of(&text)[0];
        let line: usize = p.split(':').nth(1).unwrap().parse().unwrap();
        assert!(
            text.lines().nth(line - 1).unwrap().contains("\"vitals\""),
            "{p}"
        );
    }
}
