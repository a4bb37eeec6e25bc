//! The two validators Rocket.Chat runs on a request, reproduced for the schemas these routes use,
//! because clients and tests match their messages word for word (spec §1.1, §1.3):
//!
//! - **ajv** (`validateParams`), with `coerceTypes: true` and without `allErrors`: the first
//!   failing keyword wins, checked in ajv's order (`required`, then `additionalProperties`, then
//!   `properties` in schema order); the data is coerced in place as ajv does.
//! - **Meteor's `check()`** (`Match`), which walks the value's own keys in document order, then
//!   reports the first missing required key, with the field path (`upsert[0]`) Meteor builds.

use serde_json::Number;

use super::wire::Json;

// ---------------------------------------------------------------------------------------------
// ajv

/// An ajv type keyword (the subset the schemas here use).
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    String,
    Number,
    Boolean,
    /// `{type: 'string', enum: [...]}`.
    Enum(&'static [&'static str]),
    /// `{type: 'array', items: {type: 'string'}}`.
    Strings,
    Object(&'static Schema),
    /// `{type: 'array', items: <object schema>}`.
    ObjectArray(&'static Schema),
}

/// One entry of `properties`.
#[derive(Debug, Clone, Copy)]
pub struct Prop {
    pub name: &'static str,
    pub ty: Ty,
    pub nullable: bool,
}

/// An object schema.
#[derive(Debug)]
pub struct Schema {
    pub properties: &'static [Prop],
    pub required: &'static [&'static str],
    pub additional: bool,
}

pub const fn prop(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        nullable: false,
    }
}

pub const fn nullable(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        nullable: true,
    }
}

/// Validates (and coerces) `data` against an object schema; the error is ajv's message.
pub fn ajv(schema: &Schema, data: &mut Json) -> Result<(), String> {
    object(schema, data)
}

fn object(schema: &Schema, data: &mut Json) -> Result<(), String> {
    let Json::Object(entries) = data else {
        return Err("must be object".into());
    };
    for name in schema.required {
        if !entries.iter().any(|(k, _)| k == name) {
            return Err(format!("must have required property '{name}'"));
        }
    }
    if !schema.additional
        && entries
            .iter()
            .any(|(k, _)| !schema.properties.iter().any(|p| p.name == k))
    {
        return Err("must NOT have additional properties".into());
    }
    for prop in schema.properties {
        if let Some(value) = data.get_mut(prop.name) {
            typed(prop.ty, prop.nullable, value)?;
        }
    }
    Ok(())
}

fn typed(ty: Ty, nullable: bool, value: &mut Json) -> Result<(), String> {
    if nullable && *value == Json::Null {
        return Ok(());
    }
    match ty {
        Ty::String => coerce_string(value)
            .then_some(())
            .ok_or("must be string".into()),
        Ty::Number => coerce_number(value)
            .then_some(())
            .ok_or("must be number".into()),
        Ty::Boolean => coerce_bool(value)
            .then_some(())
            .ok_or("must be boolean".into()),
        Ty::Enum(allowed) => {
            if !coerce_string(value) {
                return Err("must be string".into());
            }
            match value {
                Json::String(s) if allowed.contains(&s.as_str()) => Ok(()),
                _ => Err("must be equal to one of the allowed values".into()),
            }
        }
        Ty::Strings => {
            let Json::Array(items) = value else {
                return Err("must be array".into());
            };
            for item in items {
                if !coerce_string(item) {
                    return Err("must be string".into());
                }
            }
            Ok(())
        }
        Ty::Object(schema) => object(schema, value),
        Ty::ObjectArray(schema) => {
            let Json::Array(items) = value else {
                return Err("must be array".into());
            };
            for item in items {
                object(schema, item)?;
            }
            Ok(())
        }
    }
}

/// ajv's scalar coercions to string: numbers and booleans print, `null` becomes `""`.
fn coerce_string(value: &mut Json) -> bool {
    let coerced = match value {
        Json::String(_) => return true,
        Json::Number(n) => n.to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Null => String::new(),
        _ => return false,
    };
    *value = Json::String(coerced);
    true
}

/// ajv's coercions to number: a non-empty numeric string, a boolean, `null` (as 0).
fn coerce_number(value: &mut Json) -> bool {
    let coerced = match value {
        Json::Number(_) => return true,
        Json::String(s) => match js_number(s) {
            Some(n) => n,
            None => return false,
        },
        Json::Bool(b) => Number::from(u8::from(*b)),
        Json::Null => Number::from(0),
        _ => return false,
    };
    *value = Json::Number(coerced);
    true
}

/// `+s` in JavaScript for the strings a client plausibly sends ("1", "-2", "1.5", "1e3").
fn js_number(s: &str) -> Option<Number> {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Ok(i) = trimmed.parse::<i64>() {
        return Some(Number::from(i));
    }
    let f: f64 = trimmed.parse().ok().filter(|f: &f64| f.is_finite())?;
    if trimmed
        .chars()
        .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
    {
        return None;
    }
    Number::from_f64(f)
}

/// ajv's coercions to boolean: `"true"`/`"false"`, `1`/`0`, `null` (as false).
fn coerce_bool(value: &mut Json) -> bool {
    let coerced = match value {
        Json::Bool(_) => return true,
        Json::String(s) if s == "true" => true,
        Json::String(s) if s == "false" => false,
        Json::Number(n) if n.as_f64() == Some(1.0) => true,
        Json::Number(n) if n.as_f64() == Some(0.0) => false,
        Json::Null => false,
        _ => return false,
    };
    *value = Json::Bool(coerced);
    true
}

// ---------------------------------------------------------------------------------------------
// Meteor's check()

/// A `Match` pattern (the subset these routes use).
#[derive(Debug, Clone)]
pub enum Pattern {
    String,
    Boolean,
    /// `Match.Integer`.
    Integer,
    /// `Object`: any plain object (`Match.ObjectIncluding({})`).
    AnyObject,
    /// `Array` used as a constructor pattern: any array.
    AnyArray,
    /// `[pattern]`: an array whose every item matches.
    ArrayOf(Box<Pattern>),
    /// `Match.Maybe`: absent, `null` or the pattern.
    Maybe(Box<Pattern>),
    /// `Match.Optional`: absent or the pattern.
    Optional(Box<Pattern>),
    /// `Match.OneOf(...)`.
    OneOf(Vec<Pattern>),
    /// `{key: pattern, ...}`; `including` is `Match.ObjectIncluding`.
    Object {
        keys: Vec<(&'static str, Pattern)>,
        including: bool,
    },
}

/// Why a value does not match: Meteor's message and the path to the bad field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub message: String,
    pub path: String,
}

impl Mismatch {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            path: String::new(),
        }
    }

    /// `message` about the field at `path` (a model rule the store enforced, in `check`'s words).
    pub fn in_field(message: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            path: path.into(),
        }
    }

    /// A required key that is absent: `Missing key '<key>'`.
    pub fn missing_key(key: &str) -> Self {
        Self::new(format!("Missing key '{key}'"))
    }

    /// A key a strict pattern does not know, by its name as sent.
    pub fn unknown_key(key: &str) -> Self {
        Self::in_field("Unknown key", key)
    }

    /// A `Match.Where` predicate that refused the value of `field`.
    pub fn failed_where(field: &str) -> Self {
        Self::in_field("Failed Match.Where validation", field)
    }

    /// The same mismatch seen from the parent of `field` (a field path already written in
    /// Meteor's form): `x in field a` becomes `x in field <field>.a`.
    pub fn under_field(mut self, field: &str) -> Self {
        self.path = if self.path.is_empty() {
            field.to_owned()
        } else if self.path.starts_with('[') {
            format!("{field}{}", self.path)
        } else {
            format!("{field}.{}", self.path)
        };
        self
    }

    /// What `check()` throws: `Match error: <message>[ in field <path>]`.
    pub fn text(&self) -> String {
        if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("{} in field {}", self.message, self.path)
        }
    }

    fn under(mut self, key: PathKey<'_>) -> Self {
        self.path = prepend_path(key, &self.path);
        self
    }
}

enum PathKey<'a> {
    Index(usize),
    Key(&'a str),
}

/// Meteor's `_prependPath`: indexes in brackets, identifiers dotted, anything else quoted.
fn prepend_path(key: PathKey<'_>, base: &str) -> String {
    let key = match key {
        PathKey::Index(i) => format!("[{i}]"),
        PathKey::Key(k) if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => {
            format!("[{k}]")
        }
        PathKey::Key(k) => {
            let identifier = k
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
            if identifier {
                k.to_owned()
            } else {
                serde_json::to_string(&[k]).unwrap_or_default()
            }
        }
    };
    if !base.is_empty() && !base.starts_with('[') {
        format!("{key}.{base}")
    } else {
        format!("{key}{base}")
    }
}

/// `check(value, pattern)`: `None` is "absent" (`undefined`).
pub fn matches(value: Option<&Json>, pattern: &Pattern) -> Result<(), Mismatch> {
    match pattern {
        Pattern::Maybe(inner) => match value {
            None | Some(Json::Null) => Ok(()),
            Some(_) => one_of(value, &[(**inner).clone()]),
        },
        Pattern::Optional(inner) => match value {
            None => Ok(()),
            Some(_) => one_of(value, &[(**inner).clone()]),
        },
        Pattern::OneOf(choices) => one_of(value, choices),
        _ => {
            let Some(value) = value else {
                return Err(Mismatch::new(format!(
                    "Expected {}, got undefined",
                    expected(pattern)
                )));
            };
            present(value, pattern)
        }
    }
}

fn one_of(value: Option<&Json>, choices: &[Pattern]) -> Result<(), Mismatch> {
    if choices.len() == 1 {
        // A single choice reports its own error, as the wrapped pattern would.
        return matches(value, &choices[0]);
    }
    if choices.iter().any(|c| matches(value, c).is_ok()) {
        Ok(())
    } else {
        Err(Mismatch::new(
            "Failed Match.OneOf, Match.Maybe or Match.Optional validation",
        ))
    }
}

fn expected(pattern: &Pattern) -> &'static str {
    match pattern {
        Pattern::String => "string",
        Pattern::Boolean => "boolean",
        Pattern::Integer => "Integer",
        Pattern::AnyArray => "Array",
        // `[pattern]` of an undefined value: Meteor's "Expected array, got undefined".
        Pattern::ArrayOf(_) => "array",
        _ => "object",
    }
}

fn shown(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        other => other.type_of(),
    }
}

fn present(value: &Json, pattern: &Pattern) -> Result<(), Mismatch> {
    match pattern {
        Pattern::String | Pattern::Boolean => {
            let ok = matches!(
                (pattern, value),
                (Pattern::String, Json::String(_)) | (Pattern::Boolean, Json::Bool(_))
            );
            if ok {
                Ok(())
            } else {
                Err(Mismatch::new(format!(
                    "Expected {}, got {}",
                    expected(pattern),
                    shown(value)
                )))
            }
        }
        Pattern::Integer => match value {
            Json::Number(n) if n.is_i64() || n.is_u64() => Ok(()),
            Json::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => Ok(()),
            other => Err(Mismatch::new(format!(
                "Expected Integer, got {}",
                match other {
                    Json::Number(n) => n.to_string(),
                    Json::String(s) => serde_json::to_string(s).unwrap_or_default(),
                    other => shown(other).to_owned(),
                }
            ))),
        },
        Pattern::AnyArray => match value {
            Json::Array(_) => Ok(()),
            _ => Err(Mismatch::new("Expected Array")),
        },
        Pattern::ArrayOf(item) => {
            let Json::Array(items) = value else {
                return Err(Mismatch::new(format!(
                    "Expected array, got {}",
                    shown(value)
                )));
            };
            for (i, v) in items.iter().enumerate() {
                matches(Some(v), item).map_err(|m| m.under(PathKey::Index(i)))?;
            }
            Ok(())
        }
        Pattern::AnyObject => object_shape(value).map(|_| ()),
        Pattern::Object { keys, including } => {
            let entries = object_shape(value)?;
            let mut missing: Vec<&'static str> = keys
                .iter()
                .filter(|(_, p)| !matches!(p, Pattern::Maybe(_) | Pattern::Optional(_)))
                .map(|(k, _)| *k)
                .collect();
            for (key, sub) in entries {
                match keys.iter().find(|(k, _)| k == key) {
                    Some((name, p)) => {
                        matches(Some(sub), p).map_err(|m| m.under(PathKey::Key(key)))?;
                        missing.retain(|k| k != name);
                    }
                    None if *including => {}
                    None => {
                        return Err(Mismatch {
                            message: "Unknown key".into(),
                            path: prepend_path(PathKey::Key(key), ""),
                        });
                    }
                }
            }
            match missing.first() {
                Some(key) => Err(Mismatch::missing_key(key)),
                None => Ok(()),
            }
        }
        Pattern::Maybe(_) | Pattern::Optional(_) | Pattern::OneOf(_) => {
            matches(Some(value), pattern)
        }
    }
}

fn object_shape(value: &Json) -> Result<&[(String, Json)], Mismatch> {
    match value {
        Json::Object(entries) => Ok(entries),
        Json::Null => Err(Mismatch::new("Expected object, got null")),
        Json::Array(_) => Err(Mismatch::new("Expected plain object")),
        other => Err(Mismatch::new(format!(
            "Expected object, got {}",
            other.type_of()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json {
        serde_json::from_str(text).unwrap()
    }

    static INNER: Schema = Schema {
        properties: &[prop("name", Ty::String), prop("enabled", Ty::Boolean)],
        required: &["name", "enabled"],
        additional: true,
    };
    static OUTER: Schema = Schema {
        properties: &[
            prop("department", Ty::Object(&INNER)),
            nullable("count", Ty::Number),
        ],
        required: &["department"],
        additional: false,
    };

    #[test]
    fn ajv_reports_required_then_additional_then_types_and_coerces() {
        let cases = [
            ("{}", "must have required property 'department'"),
            (
                r#"{"department": {}, "x": 1}"#,
                "must NOT have additional properties",
            ),
            (
                r#"{"department": {}}"#,
                "must have required property 'name'",
            ),
            (r#"{"department": 1}"#, "must be object"),
            (
                r#"{"department": {"name": [], "enabled": true}}"#,
                "must be string",
            ),
            (
                r#"{"department": {"name": "a", "enabled": true}, "count": "x"}"#,
                "must be number",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(
                ajv(&OUTER, &mut json(text)),
                Err(message.to_owned()),
                "{text}"
            );
        }
        let mut data = json(r#"{"department": {"name": 5, "enabled": "true"}, "count": "2"}"#);
        ajv(&OUTER, &mut data).unwrap();
        assert_eq!(
            data,
            json(r#"{"department": {"name": "5", "enabled": true}, "count": 2}"#)
        );
    }

    #[test]
    fn check_names_the_first_bad_key_in_document_order_with_meteors_path() {
        let item = Pattern::Object {
            keys: vec![
                ("agentId", Pattern::String),
                ("username", Pattern::Maybe(Box::new(Pattern::String))),
            ],
            including: true,
        };
        let body = Pattern::Object {
            keys: vec![
                ("upsert", Pattern::ArrayOf(Box::new(item))),
                ("remove", Pattern::AnyArray),
            ],
            including: true,
        };
        let text = |s: &str| matches(Some(&json(s)), &body).unwrap_err().text();
        assert_eq!(text("{}"), "Missing key 'upsert'");
        assert_eq!(
            text(r#"{"upsert": [{}], "remove": []}"#),
            "Missing key 'agentId' in field upsert[0]"
        );
        assert_eq!(
            text(r#"{"upsert": [{"agentId": "a", "username": 1}], "remove": []}"#),
            "Expected string, got number in field upsert[0].username"
        );
        assert_eq!(
            text(r#"{"upsert": [], "remove": "x"}"#),
            "Expected Array in field remove"
        );
    }
}
