//! Checking JSON files against the schemas in `schemas/`, with messages
//! that say where (file, line, column, JSON pointer) and what was expected.
//!
//! A small validator for the subset of JSON Schema our schemas use: `type`,
//! `const`, `enum`, `required`, `properties`, `additionalProperties`,
//! `items`, `minItems`, `uniqueItems`, `minLength`, `pattern`, `minimum`,
//! `maximum`, `exclusiveMinimum`, and `$ref` to the schema's own `$defs`.
//! A pattern's `x-expected` words the expected form in its message.
//! `format` is left to the typed parse that follows. Positions come from a
//! scan of the text that records where every value starts.

use std::collections::HashMap;

use serde_json::Value;

/// One problem: JSON pointer and what is wrong.
pub type Problem = (String, String);

/// The schemas Debrief publishes in `schemas/`, compiled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundled {
    /// `codebook.schema.json`.
    Codebook,
    /// `policy.schema.json` (version 2).
    Policy,
    /// `policy.v1.schema.json` (version 1, read and upgraded).
    PolicyV1,
    /// `annotations.schema.json`.
    Annotations,
    /// `regions.schema.json`.
    Regions,
    /// `package.schema.json` (a package's `manifest.json`).
    Package,
}

impl Bundled {
    /// Every bundled schema.
    pub const ALL: [Self; 6] = [
        Self::Codebook,
        Self::Policy,
        Self::PolicyV1,
        Self::Annotations,
        Self::Regions,
        Self::Package,
    ];

    fn text(self) -> &'static str {
        match self {
            Self::Codebook => include_str!("../../schemas/codebook.schema.json"),
            Self::Policy => include_str!("../../schemas/policy.schema.json"),
            Self::PolicyV1 => include_str!("../../schemas/policy.v1.schema.json"),
            Self::Annotations => include_str!("../../schemas/annotations.schema.json"),
            Self::Regions => include_str!("../../schemas/regions.schema.json"),
            Self::Package => include_str!("../../schemas/package.schema.json"),
        }
    }

    /// The schema itself (a unit test proves each one parses).
    pub fn schema(self) -> Value {
        serde_json::from_str(self.text()).unwrap_or_default()
    }

    /// Every way `value` breaks this schema.
    pub fn check(self, value: &Value) -> Vec<Problem> {
        check(&self.schema(), value)
    }

    /// Parses `text` (the file `file`) and checks it against this schema, as
    /// [`parse_checked`] does.
    pub fn parse(self, text: &str, file: &str) -> Result<Value, Vec<String>> {
        parse_checked(text, &self.schema(), file)
    }
}

/// Where every value in `text` starts, by JSON pointer: (line, column), 1-based.
/// `text` must be valid JSON (parse it first).
pub fn locate(text: &str) -> HashMap<String, (usize, usize)> {
    struct Scan<'a> {
        b: &'a [u8],
        i: usize,
        line: usize,
        col: usize,
        out: HashMap<String, (usize, usize)>,
    }
    impl Scan<'_> {
        fn bump(&mut self) {
            if self.b.get(self.i) == Some(&b'\n') {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
            self.i += 1;
        }
        fn ws(&mut self) {
            while self.b.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
                self.bump();
            }
        }
        fn string(&mut self) -> String {
            let start = self.i + 1;
            self.bump();
            while let Some(&c) = self.b.get(self.i) {
                if c == b'\\' {
                    self.bump();
                } else if c == b'"' {
                    break;
                }
                self.bump();
            }
            let raw = std::str::from_utf8(&self.b[start..self.i.min(self.b.len())]).unwrap_or("");
            self.bump();
            serde_json::from_str::<String>(&format!("\"{raw}\"")).unwrap_or_else(|_| raw.to_owned())
        }
        fn value(&mut self, at: &str) {
            self.ws();
            self.out.insert(at.to_owned(), (self.line, self.col));
            match self.b.get(self.i) {
                Some(b'{') => {
                    self.bump();
                    loop {
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b'}') | None => {
                                self.bump();
                                return;
                            }
                            Some(b',') => self.bump(),
                            Some(b'"') => {
                                let key = self.string();
                                self.ws();
                                self.bump(); // ':'
                                let escaped = key.replace('~', "~0").replace('/', "~1");
                                self.value(&format!("{at}/{escaped}"));
                            }
                            Some(_) => self.bump(),
                        }
                    }
                }
                Some(b'[') => {
                    self.bump();
                    let mut n = 0;
                    loop {
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b']') | None => {
                                self.bump();
                                return;
                            }
                            Some(b',') => self.bump(),
                            Some(_) => {
                                self.value(&format!("{at}/{n}"));
                                n += 1;
                            }
                        }
                    }
                }
                Some(b'"') => {
                    self.string();
                }
                Some(_) => {
                    while self.b.get(self.i).is_some_and(|c| {
                        !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace()
                    }) {
                        self.bump();
                    }
                }
                None => {}
            }
        }
    }
    let mut scan = Scan {
        b: text.as_bytes(),
        i: 0,
        line: 1,
        col: 1,
        out: HashMap::new(),
    };
    scan.value("");
    scan.out
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    }
}

/// Every way `value` breaks `schema`.
pub fn check(schema: &Value, value: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    walk(schema, schema, value, "", &mut out);
    out
}

fn walk(root: &Value, s: &Value, v: &Value, at: &str, out: &mut Vec<Problem>) {
    if let Some(target) = s.get("$ref").and_then(Value::as_str) {
        match target.strip_prefix('#').and_then(|p| root.pointer(p)) {
            Some(def) => walk(root, def, v, at, out),
            None => out.push((
                at.to_owned(),
                format!("the schema's $ref {target} is unknown"),
            )),
        }
    }
    let mut bad = |m: String| out.push((at.to_owned(), m));
    if let Some(t) = s.get("type") {
        let names: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !names.is_empty() && !names.iter().any(|t| type_ok(t, v)) {
            bad(format!(
                "expected {}, found {}",
                names.join(" or "),
                type_name(v)
            ));
            return;
        }
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        bad(format!("expected {c}, found {v}"));
    }
    if let Some(Value::Array(options)) = s.get("enum")
        && !options.contains(v)
    {
        let list: Vec<String> = options.iter().map(Value::to_string).collect();
        bad(format!(
            "{v} is not allowed: expected one of {}",
            list.join(", ")
        ));
    }
    if let Some(n) = v.as_f64() {
        if let Some(min) = s.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            bad(format!("{n} is below the minimum {min}"));
        }
        if let Some(max) = s.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            bad(format!("{n} is above the maximum {max}"));
        }
        if let Some(min) = s.get("exclusiveMinimum").and_then(Value::as_f64)
            && n <= min
        {
            bad(format!("expected more than {min}, found {n}"));
        }
    }
    if let (Some(min), Some(text)) = (s.get("minLength").and_then(Value::as_u64), v.as_str())
        && (text.chars().count() as u64) < min
    {
        bad(format!("expected at least {min} characters"));
    }
    if let (Some(pattern), Some(text)) = (s.get("pattern").and_then(Value::as_str), v.as_str())
        && regex_automata::meta::Regex::new(pattern).is_ok_and(|re| !re.is_match(text))
    {
        // `x-expected` (ignored by other validators) words the form for people.
        bad(match s.get("x-expected").and_then(Value::as_str) {
            Some(expected) => format!("'{text}' is not {expected}"),
            None => format!("'{text}' does not have the expected form {pattern}"),
        });
    }
    if let Some(obj) = v.as_object() {
        for key in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(k) = key.as_str()
                && !obj.contains_key(k)
            {
                out.push((at.to_owned(), format!("missing required field '{k}'")));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, child) in obj {
            let escaped = k.replace('~', "~0").replace('/', "~1");
            let here = format!("{at}/{escaped}");
            match (props.and_then(|p| p.get(k)), s.get("additionalProperties")) {
                (Some(ps), _) => walk(root, ps, child, &here, out),
                (None, Some(Value::Bool(false))) => {
                    let known: Vec<&str> = props
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    out.push((
                        here,
                        format!("unknown field '{k}': expected one of {}", known.join(", ")),
                    ));
                }
                (None, Some(extra @ Value::Object(_))) => walk(root, extra, child, &here, out),
                _ => {}
            }
        }
    }
    if let Some(items) = v.as_array() {
        if let Some(min) = s.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            out.push((at.to_owned(), format!("expected at least {min} items")));
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, item) in items.iter().enumerate() {
                if items[..i].contains(item) {
                    out.push((format!("{at}/{i}"), format!("{item} is listed twice")));
                }
            }
        }
        if let Some(is) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                walk(root, is, item, &format!("{at}/{i}"), out);
            }
        }
    }
}

/// Parses `text` and checks it against `schema`; problems are formatted as
/// `file:line:column: /pointer: what is wrong`.
pub fn parse_checked(text: &str, schema: &Value, file: &str) -> Result<Value, Vec<String>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![format!(
            "{file}:{}:{}: not valid JSON: {e}",
            e.line(),
            e.column()
        )]
    })?;
    let problems = check(schema, &value);
    if problems.is_empty() {
        return Ok(value);
    }
    Err(format_problems(text, file, problems))
}

/// `file:line:column: /pointer: message` for each problem.
pub fn format_problems(text: &str, file: &str, problems: Vec<Problem>) -> Vec<String> {
    let places = locate(text);
    problems
        .into_iter()
        .map(|(at, m)| {
            let (line, col) = places.get(&at).copied().unwrap_or((1, 1));
            let pointer = if at.is_empty() { "/" } else { at.as_str() };
            format!("{file}:{line}:{col}: {pointer}: {m}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_schema_parses() {
        for s in Bundled::ALL {
            assert!(s.schema().get("properties").is_some(), "{s:?}");
        }
    }

    #[test]
    fn locates_values_by_pointer() {
        let text = "{\n  \"a\": [1,\n    {\"b/c\": \"x\"}],\n  \"d\": true\n}";
        let at = locate(text);
        assert_eq!(at["/a"], (2, 8));
        assert_eq!(at["/a/0"], (2, 9));
        assert_eq!(at["/a/1/b~1c"], (3, 13));
        assert_eq!(at["/d"], (4, 8));
    }
}
