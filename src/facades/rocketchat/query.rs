//! Query strings as Rocket.Chat reads them: parsed like the `qs` package (so `ids[]=a&ids[]=b`,
//! `ids=a&ids=b` and `selector[name]=x` become arrays and objects, spec §1.1), then paginated by
//! `getPaginationItems` and sorted by `parseJsonQuery` (spec §1.4).

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::error::RcError;
use super::wire::Json;

/// `API_Default_Count` and `API_Upper_Count_Limit` as Rocket.Chat ships them (spec §1.4).
pub const DEFAULT_COUNT: usize = 50;
pub const UPPER_COUNT: usize = 100;

/// `qs`'s default `depth`: brackets past the fifth are kept as one literal key, so that
/// `a[b][c][d][e][f][g][h]` is `{a:{b:{c:{d:{e:{f:{"[g][h]":…}}}}}}}`. Besides matching Rocket.Chat,
/// it bounds the nesting a query string can ask for, which [`insert`] walks by recursion.
const MAX_DEPTH: usize = 5;

/// `qs`'s default `parameterLimit`: parameters past the thousandth are dropped.
const MAX_PARAMETERS: usize = 1000;

/// Parses a query string the way `qs.parse` does for the shapes clients send.
pub fn parse(query: Option<&str>) -> Json {
    // Most requests have none.
    if query.is_none_or(str::is_empty) {
        return Json::Object(Vec::new());
    }
    let mut root = Map::new();
    let pairs = form_urlencoded::parse(query.unwrap_or("").as_bytes()).take(MAX_PARAMETERS);
    for (key, value) in pairs {
        let (base, path) = split_key(&key);
        if base.is_empty() {
            continue;
        }
        insert(&mut root, base, &path, Value::String(value.into_owned()));
    }
    Json::from_value(Value::Object(root))
}

/// `a[b][]` -> (`a`, [`b`, ``]); past [`MAX_DEPTH`] brackets, the rest of the key is one segment.
fn split_key(key: &str) -> (&str, Vec<String>) {
    let Some(open) = key.find('[') else {
        return (key, Vec::new());
    };
    let (base, mut rest) = key.split_at(open);
    let mut path = Vec::new();
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(close) = stripped.find(']') else {
            break;
        };
        if path.len() == MAX_DEPTH {
            path.push(rest.to_owned());
            break;
        }
        path.push(stripped[..close].to_owned());
        rest = &stripped[close + 1..];
    }
    if path.is_empty() {
        return (key, Vec::new());
    }
    (base, path)
}

fn insert(map: &mut Map<String, Value>, key: &str, path: &[String], value: Value) {
    match path.split_first() {
        None => {
            // A repeated plain key turns into an array, as in qs.
            match map.get_mut(key) {
                Some(Value::Array(items)) => items.push(value),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, value]);
                }
                None => {
                    map.insert(key.to_owned(), value);
                }
            }
        }
        Some((next, rest)) if next.is_empty() || next.bytes().all(|b| b.is_ascii_digit()) => {
            // `a[]` and `a[0]` append to an array.
            let slot = map
                .entry(key.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            if !slot.is_array() {
                let first = slot.take();
                *slot = Value::Array(vec![first]);
            }
            if let Value::Array(items) = slot {
                if rest.is_empty() {
                    items.push(value);
                } else {
                    let mut inner = Map::new();
                    insert(&mut inner, &rest[0], &rest[1..], value);
                    items.push(Value::Object(inner));
                }
            }
        }
        Some((next, rest)) => {
            let slot = map
                .entry(key.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                insert(inner, next, rest, value);
            }
        }
    }
}

/// A query parameter as a plain string, if it is one.
pub fn string<'a>(query: &'a Json, key: &str) -> Option<&'a str> {
    query.get(key).and_then(Json::as_str)
}

/// `offset` and `count` after `getPaginationItems`; `count == None` means no limit (`count=0`,
/// allowed because `API_Allow_Infinite_Count` defaults to true).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: usize,
    pub count: Option<usize>,
}

/// JavaScript's `parseInt` of a query value, already checked numeric by ajv.
fn parse_int(value: &Json) -> i64 {
    match value {
        Json::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f.trunc() as i64))
            .unwrap_or(0),
        Json::String(s) => {
            let digits: String = s
                .trim()
                .chars()
                .enumerate()
                .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && (*c == '-' || *c == '+')))
                .map(|(_, c)| c)
                .collect();
            digits.parse().unwrap_or(0)
        }
        _ => 0,
    }
}

pub fn page(query: &Json) -> Page {
    let offset = query.get("offset").map(parse_int).unwrap_or(0).max(0) as usize;
    let count = match query.get("count") {
        None | Some(Json::Null) => DEFAULT_COUNT as i64,
        Some(value) => parse_int(value),
    };
    // MongoDB reads a negative limit as its absolute value.
    let count = count.unsigned_abs() as usize;
    Page {
        offset,
        count: (count != 0).then_some(count.min(UPPER_COUNT)),
    }
}

impl Page {
    /// The page's slice of `items`.
    pub fn apply<T>(&self, items: Vec<T>) -> Vec<T> {
        let rest = items.into_iter().skip(self.offset);
        match self.count {
            Some(count) => rest.take(count).collect(),
            None => rest.collect(),
        }
    }
}

/// `sort={"name":1}`: field names with 1 or -1, in the order given.
pub type Sort = Vec<(String, i8)>;

/// `parseJsonQuery`'s sort: JSON whose every value is 1 or -1, else `error-invalid-sort`.
pub fn sort(query: &Json) -> Result<Option<Sort>, RcError> {
    let Some(raw) = query.get("sort") else {
        return Ok(None);
    };
    let raw = match raw {
        Json::String(s) if s.is_empty() => return Ok(None),
        Json::String(s) => s.as_str(),
        _ => "[object Object]",
    };
    let invalid = || RcError::InvalidSort(raw.to_owned());
    // `{"name":1,"name":-1}` has no one reading: refused like any other bad sort.
    let parsed: Json = crate::http::json::parse_str(raw).map_err(|_| invalid())?;
    let mut fields = Vec::new();
    for (key, value) in parsed.entries() {
        match value {
            Json::Number(n) if n.as_f64() == Some(1.0) => fields.push((key.clone(), 1)),
            Json::Number(n) if n.as_f64() == Some(-1.0) => fields.push((key.clone(), -1)),
            _ => return Err(invalid()),
        }
    }
    Ok(Some(fields))
}

/// Sorts items as MongoDB would sort their documents by these fields; ties keep their order.
/// The items themselves are kept (not their `Value`s), so their keys stay in wire order.
pub fn sort_items<T: serde::Serialize>(items: Vec<T>, sort: &Sort) -> Vec<T> {
    let keys: Vec<Value> = items
        .iter()
        .map(|i| serde_json::to_value(i).unwrap_or(Value::Null))
        .collect();
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|a, b| compare(&keys[*a], &keys[*b], sort));
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

fn compare(a: &Value, b: &Value, sort: &Sort) -> Ordering {
    for (field, direction) in sort {
        let ordering = mongo_cmp(a.get(field), b.get(field));
        let ordering = if *direction < 0 {
            ordering.reverse()
        } else {
            ordering
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// BSON comparison order: missing/null, numbers, strings (byte order), objects, arrays, booleans.
fn mongo_cmp(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    fn rank(v: Option<&Value>) -> u8 {
        match v {
            None | Some(Value::Null) => 0,
            Some(Value::Number(_)) => 1,
            Some(Value::String(_)) => 2,
            Some(Value::Object(_)) => 3,
            Some(Value::Array(_)) => 4,
            Some(Value::Bool(_)) => 5,
        }
    }
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.as_bytes().cmp(y.as_bytes()),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(query: &str) -> Value {
        parse(Some(query)).to_value()
    }

    #[test]
    fn no_query_is_the_empty_object_a_query_of_only_separators_makes() {
        let empty = Json::from_value(Value::Object(Map::new()));
        assert_eq!(parse(None), empty);
        assert_eq!(parse(Some("")), empty);
        assert_eq!(parse(Some("&&")), empty);
    }

    #[test]
    fn brackets_and_repeats_become_arrays_and_objects_as_qs_makes_them() {
        assert_eq!(
            value("ids[]=a&ids[]=b"),
            serde_json::json!({"ids": ["a", "b"]})
        );
        assert_eq!(value("ids=a&ids=b"), serde_json::json!({"ids": ["a", "b"]}));
        assert_eq!(value("ids=test"), serde_json::json!({"ids": "test"}));
        assert_eq!(
            value("selector[name]=test&text=A+test"),
            serde_json::json!({"selector": {"name": "test"}, "text": "A test"})
        );
    }

    #[test]
    fn brackets_past_the_fifth_are_one_literal_key_as_qs_keeps_them() {
        assert_eq!(
            value("a[b][c][d][e][f][g][h]=x"),
            serde_json::json!({"a": {"b": {"c": {"d": {"e": {"f": {"[g][h]": "x"}}}}}}})
        );
    }

    #[test]
    fn twenty_thousand_nested_brackets_do_not_overflow_the_stack() {
        // See: tests/api/robustness.rs, "20 000 nested brackets in a parameter", which aborted the
        // whole process with a stack overflow before the depth was capped.
        for key in ["[a]".repeat(20_000), "[]".repeat(30_000)] {
            let parsed = parse(Some(&format!("text{key}=x")));

            assert!(parsed.get("text").is_some());
        }
    }

    #[test]
    fn parameters_past_the_thousandth_are_dropped_as_qs_drops_them() {
        let query = (0..1500)
            .map(|i| format!("p{i}=x"))
            .collect::<Vec<_>>()
            .join("&");

        let parsed = parse(Some(&query));

        assert_eq!(parsed.entries().len(), 1000);
        assert!(parsed.get("p999").is_some() && parsed.get("p1000").is_none());
    }

    #[test]
    fn pagination_defaults_to_50_caps_at_100_and_zero_means_all() {
        assert_eq!(
            page(&parse(None)),
            Page {
                offset: 0,
                count: Some(50)
            }
        );
        assert_eq!(
            page(&parse(Some("count=500&offset=3"))),
            Page {
                offset: 3,
                count: Some(100)
            }
        );
        assert_eq!(
            page(&parse(Some("count=0"))),
            Page {
                offset: 0,
                count: None
            }
        );
    }

    #[test]
    fn a_sort_value_other_than_one_or_minus_one_is_refused() {
        assert_eq!(
            sort(&parse(Some("sort=%7B%22name%22%3A-1%7D"))).unwrap(),
            Some(vec![("name".into(), -1)])
        );
        assert!(sort(&parse(Some("sort=%7B%22name%22%3A2%7D"))).is_err());
        assert!(sort(&parse(Some("sort=nope"))).is_err());
    }
}

/// Query strings, arbitrary and `qs`-shaped. Run with `PROPTEST_CASES=N cargo test --lib fuzz_`.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    /// Everything a handler reads from a parsed query; none of it may panic.
    fn read_all(query: &str) -> Json {
        let parsed = parse(Some(query));
        let _ = page(&parsed);
        let _ = sort(&parsed);
        for key in ["text", "ids", "selector", "count", "offset", "sort"] {
            let _ = string(&parsed, key);
        }
        parsed
    }

    proptest! {
        #[test]
        fn fuzz_query_arbitrary_text_parses_to_an_object_without_a_panic(query in ".{0,128}") {
            prop_assert!(read_all(&query).to_value().is_object());
        }

        #[test]
        fn fuzz_query_qs_shaped_text_parses_to_an_object_without_a_panic(
            query in "([a-c]{0,2}(\\[[a-c0-9]{0,2}\\]){0,8}(=[a-c%0-9+{}\":,\\[\\]-]{0,8})?&?){0,12}"
        ) {
            prop_assert!(read_all(&query).to_value().is_object());
        }

        #[test]
        fn fuzz_query_distinct_plain_keys_read_back_as_encoded(
            pairs in proptest::collection::btree_map("[a-z]{1,6}", ".{0,8}", 0..8)
        ) {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (key, value) in &pairs {
                query.append_pair(key, value);
            }

            let parsed = parse(Some(&query.finish())).to_value();

            let expected: Map<String, Value> = pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            prop_assert_eq!(parsed, Value::Object(expected));
        }

        #[test]
        fn fuzz_query_sort_and_page_take_any_value_without_a_panic(
            sort_text in ".{0,32}",
            count in ".{0,12}",
            offset in "-?[0-9]{0,24}",
        ) {
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.append_pair("sort", &sort_text);
            query.append_pair("count", &count);
            query.append_pair("offset", &offset);

            let parsed = read_all(&query.finish());

            prop_assert!(page(&parsed).apply((0..200).collect::<Vec<_>>()).len() <= 200);
        }
    }
}
