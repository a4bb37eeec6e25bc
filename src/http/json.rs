//! JSON from clients, read strictly: what serde_json refuses (a syntax error, nesting deeper than
//! its limit of 128, a number beyond `f64`) and, on top of it, an object that names a key twice,
//! at any depth (docs/decisions.md, "Duplicate JSON keys"). serde_json would keep the last value
//! without a word, while another reader of the same bytes (a proxy, an audit log, Go's
//! `encoding/json` keeping the first) may act on another one.
//!
//! The check is a first pass over the bytes that keeps nothing but one object's keys at a time;
//! the value is then read by serde_json as usual. Both passes are iterative in the input's
//! length and bounded in depth by serde_json's recursion limit, so a hostile body costs a few
//! milliseconds per mebibyte and never the thread's stack.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON serde_json can read: its message (which ends with the line and column) and the
    /// 1-based column, which JavaScript-style messages turn into a position.
    #[error("{message}")]
    Syntax { message: String, column: usize },
    /// An object names this key twice; the key's path from the root, `department.name` or
    /// `agents[0].agentId`.
    #[error("duplicate key '{0}'")]
    DuplicateKey(String),
}

/// Reads `bytes` as one JSON document, refusing duplicate keys at any depth.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    check_unique_keys(bytes)?;
    serde_json::from_slice(bytes).map_err(syntax)
}

/// [`parse`] for text.
pub fn parse_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    parse(text.as_bytes())
}

/// The first pass: syntax, and every object's keys unique.
fn check_unique_keys(bytes: &[u8]) -> Result<(), JsonError> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let checked = Unique {
        path: &Path::Root,
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match (checked, duplicate.into_inner()) {
        (_, Some(path)) => Err(JsonError::DuplicateKey(path)),
        (Err(e), None) => Err(syntax(e)),
        (Ok(()), None) => Ok(()),
    }
}

fn syntax(e: serde_json::Error) -> JsonError {
    JsonError::Syntax {
        message: e.to_string(),
        column: e.column(),
    }
}

/// Where a value sits, kept as borrowed links up to the root and written out only for an error.
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => write!(f, "{key}"),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// A value whose objects must not repeat a key. The duplicate's path goes into `duplicate`, so
/// that it is told apart from serde_json's own errors.
#[derive(Clone, Copy)]
struct Unique<'a> {
    path: &'a Path<'a>,
    duplicate: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Unique<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            let path = Path::Index(self.path, index);
            let item = Unique {
                path: &path,
                ..self
            };
            if seq.next_element_seed(item)?.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        // Keys arrive unescaped, so `"n\u0061me"` and `"name"` are the same key.
        while let Some(key) = map.next_key::<String>()? {
            let path = Path::Key(self.path, &key);
            if seen.contains(key.as_str()) {
                *self.duplicate.borrow_mut() = Some(path.to_string());
                return Err(de::Error::custom("duplicate key"));
            }
            map.next_value_seed(Unique {
                path: &path,
                ..self
            })?;
            seen.insert(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    fn read(text: &str) -> Result<Value, JsonError> {
        parse_str(text)
    }

    #[test]
    fn a_document_without_repeated_keys_reads_as_serde_json_reads_it() {
        let text = r#"{"name":"Sales","settings":{"a":1,"b":[{"a":1},{"a":2}]},"a":null}"#;

        assert_eq!(read(text), Ok(serde_json::from_str(text).unwrap()));
    }

    #[test]
    fn a_repeated_key_is_named_by_its_path_at_any_depth() {
        for (text, path) in [
            (r#"{"name":"A","name":"B"}"#, "name"),
            (
                r#"{"department":{"name":"A","email":"e","name":"B"}}"#,
                "department.name",
            ),
            (
                r#"{"agents":[{"agentId":"a"},{"agentId":"b","agentId":"c"}]}"#,
                "agents[1].agentId",
            ),
            (r#"[[{"x":1}],[{"y":1,"y":1}]]"#, "[1][0].y"),
            // The same key, escaped differently.
            (r#"{"name":"A","n\u0061me":"B"}"#, "name"),
            (r#"{"":1,"":2}"#, ""),
        ] {
            assert_eq!(
                read(text),
                Err(JsonError::DuplicateKey(path.into())),
                "{text}"
            );
        }
    }

    #[test]
    fn keys_are_unique_per_object_not_per_document() {
        assert!(read(r#"{"a":{"a":{"a":1}},"b":[{"a":1},{"a":1}]}"#).is_ok());
    }

    #[test]
    fn what_serde_json_refuses_is_a_syntax_error_with_its_message() {
        for (text, message) in [
            ("", "EOF while parsing a value at line 1 column 0"),
            (
                r#"{"name":"Sa"#,
                "EOF while parsing a string at line 1 column 11",
            ),
            ("{} x", "trailing characters at line 1 column 4"),
            (
                r#"{"n":1e999999}"#,
                "number out of range at line 1 column 13",
            ),
            ("NaN", "expected value at line 1 column 1"),
        ] {
            let refused = read(text).map_err(|e| e.to_string());
            assert_eq!(refused, Err(message.to_owned()), "{text}");
        }
    }

    #[test]
    fn a_hundred_thousand_open_brackets_fail_fast_at_the_recursion_limit() {
        // See: issue 5, "deeply nested JSON (100 000 `[`)".
        for text in ["[".repeat(100_000), r#"{"a":"#.repeat(100_000)] {
            let started = std::time::Instant::now();

            let result = read(&text);

            assert!(
                matches!(&result, Err(JsonError::Syntax { message, .. }) if message.starts_with("recursion limit exceeded")),
                "{result:?}"
            );
            assert!(started.elapsed() < std::time::Duration::from_secs(1));
        }
    }

    #[test]
    fn a_four_hundred_digit_integer_is_out_of_range() {
        let text = format!("[{}]", "9".repeat(400));

        assert!(
            matches!(read(&text), Err(JsonError::Syntax { message, .. }) if message.starts_with("number out of range"))
        );
    }

    /// JSON-ish text: the characters that matter to the grammar, and a few keys that repeat.
    fn jsonish() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("{"),
                Just("}"),
                Just("["),
                Just("]"),
                Just(","),
                Just(":"),
                Just("\"a\""),
                Just("\"b\""),
                Just("\"\\u0061\""),
                Just("1"),
                Just("-0.5e3"),
                Just("null"),
                Just("true"),
                Just(" "),
                Just("\"\\ud800\""),
                Just("1e400"),
            ],
            0..48,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn fuzz_json_arbitrary_bytes_are_read_or_refused_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse::<Value>(&bytes);
        }

        #[test]
        fn fuzz_json_jsonish_text_is_accepted_exactly_when_serde_json_accepts_it_and_no_key_repeats(text in jsonish()) {
            let strict = read(&text);
            let lenient = serde_json::from_str::<Value>(&text);
            match strict {
                Ok(value) => prop_assert_eq!(Ok(value), lenient.map_err(|e| e.to_string())),
                Err(JsonError::Syntax { .. }) => prop_assert!(lenient.is_err()),
                // serde_json may still accept it: a repeated key is legal JSON.
                Err(JsonError::DuplicateKey(_)) => {}
            }
        }

        #[test]
        fn fuzz_json_any_value_serde_json_writes_is_read_as_serde_json_reads_it(value in any_json()) {
            // Compared with serde_json's own reading: without `float_roundtrip`, a float's
            // last digit may differ from the value written.
            let text = value.to_string();
            prop_assert_eq!(read(&text), Ok(serde_json::from_str::<Value>(&text).unwrap()));
        }
    }

    /// Values as serde_json holds them: objects cannot repeat a key.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e300f64..1e300).prop_map(Value::from),
            ".{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(".{0,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
