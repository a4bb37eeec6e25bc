//! Secrets never enter the request journal: credential headers, and every field whose name says
//! it holds a password, a token or a secret (JSON keys at any depth, XML elements, form and
//! query parameters: Rocket.Chat's `login` and `users.create`, the classic `<password>`, the
//! Support and Zopim users' `password`, the `authToken` a login answers), are replaced by
//! [`REDACTED`] before an entry is stored (the answer to a read is kept as it is: no read answers
//! a credential, `Captured::read`). A body is only parsed when a fast scan finds a
//! secret-like name in it, so a department's JSON costs a few vector compares; a body with such
//! a name that cannot be parsed (cut at the size limit, or malformed) is not kept at all.

use bytes::Bytes;
use serde_json::Value;

/// What a secret is replaced by.
pub const REDACTED: &str = "[redacted]";

/// What a body with a secret-like name that could not be parsed is replaced by.
const UNPARSED: &str = "[redacted: a body with a secret-like field that could not be parsed]";

/// Header names whose value is a credential.
const SECRET_HEADERS: [http::HeaderName; 5] = [
    http::header::AUTHORIZATION,
    http::header::PROXY_AUTHORIZATION,
    http::HeaderName::from_static("x-auth-token"),
    http::header::COOKIE,
    http::header::SET_COOKIE,
];

/// The value to keep for a header. Names are compared as `HeaderName`s (a standard one is an
/// enum) and a UTF-8 value is borrowed without the lossy decoder's chunking: callgrind, about 30
/// instructions a request fewer for a Zopim GET one (two headers), 70 for a Rocket.Chat one.
pub fn redact_header<'v>(
    name: &http::HeaderName,
    value: &'v http::HeaderValue,
) -> std::borrow::Cow<'v, str> {
    if SECRET_HEADERS.contains(name) {
        std::borrow::Cow::Borrowed(REDACTED)
    } else {
        match std::str::from_utf8(value.as_bytes()) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(value.as_bytes()),
        }
    }
}

/// Whether a field name says its value is a secret.
fn secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("password")
        || lower.contains("token")
        || lower.contains("secret")
        || lower == "pass"
        || lower.ends_with("pass")
}

/// The cores of the secret-like names in their usual cases (`ass` for `password`, `Pass`,
/// `ldapPass`; `oken` for `token`, `authToken`), each searcher built once: callgrind, a Zopim GET
/// one, building them per request cost about 2 000 instructions.
static CORES: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 6]> =
    std::sync::LazyLock::new(|| {
        [
            b"ass" as &[u8],
            b"ASS",
            b"oken",
            b"OKEN",
            b"ecret",
            b"ECRET",
        ]
        .map(memchr::memmem::Finder::new)
    });

/// Whether `bytes` may hold a secret-like name: a vector scan for the names' cores.
pub(super) fn may_hold_secret(bytes: &[u8]) -> bool {
    CORES.iter().any(|core| core.find(bytes).is_some())
}

/// `body` with its secrets replaced; `truncated`: the body was cut at the size limit.
pub fn redact_body(body: Bytes, truncated: bool) -> Bytes {
    if body.is_empty() || !may_hold_secret(&body) {
        return body;
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let redacted = match first {
        Some(b'{' | b'[') if !truncated => {
            serde_json::from_slice::<Value>(&body)
                .ok()
                .map(|mut value| {
                    redact_json(&mut value);
                    serde_json::to_vec(&value).unwrap_or_default()
                })
        }
        Some(b'<') => std::str::from_utf8(&body)
            .ok()
            .map(|text| redact_xml(text).into_bytes()),
        Some(b'{' | b'[') => None,
        _ => std::str::from_utf8(&body)
            .ok()
            .map(|text| redact_form(text).into_bytes()),
    };
    redacted.map_or(Bytes::from_static(UNPARSED.as_bytes()), Bytes::from)
}

/// A path and query, the values of secret-like query parameters replaced.
pub fn redact_path(path_and_query: &str) -> String {
    match path_and_query.split_once('?') {
        Some((path, query)) if may_hold_secret(query.as_bytes()) => {
            format!("{path}?{}", redact_form(query))
        }
        _ => path_and_query.to_owned(),
    }
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if secret_name(key) {
                    *value = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// `a=1&password=x` → `a=1&password=[redacted]` (names such as `user[password]` too).
fn redact_form(text: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(text.as_bytes()) {
        if secret_name(&name) {
            out.append_pair(&name, REDACTED);
        } else {
            out.append_pair(&name, &value);
        }
    }
    out.finish()
}

/// The text of every element whose name is secret-like replaced (`<password>x</password>`,
/// `<crypted-password>`); an element left open at the end loses the rest of the text.
fn redact_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|i| open + i) else {
            break;
        };
        let tag = &rest[open + 1..close];
        out.push_str(&rest[..=close]);
        rest = &rest[close + 1..];
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let self_closing = tag.ends_with('/');
        if !tag.starts_with(['/', '?', '!']) && !self_closing && secret_name(name) {
            match rest.find("</") {
                Some(end) => {
                    out.push_str(REDACTED);
                    rest = &rest[end..];
                }
                None => {
                    out.push_str(REDACTED);
                    return out;
                }
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(body: &str) -> String {
        String::from_utf8(redact_body(Bytes::from(body.to_owned()), false).to_vec()).unwrap()
    }

    #[test]
    fn secrets_are_replaced_in_json_xml_forms_and_queries() {
        assert_eq!(
            redacted(r#"{"user":"a","password":"s3cret","data":{"authToken":"t","me":{"x":1}}}"#),
            r#"{"data":{"authToken":"[redacted]","me":{"x":1}},"password":"[redacted]","user":"a"}"#
        );
        assert_eq!(
            redacted("<user><name>A</name><password>s3cret</password></user>"),
            "<user><name>A</name><password>[redacted]</password></user>"
        );
        assert_eq!(
            redacted("user=a&password=s3cret"),
            "user=a&password=%5Bredacted%5D"
        );
        assert_eq!(
            redact_path("/api/v1/x?authToken=abc&q=1"),
            "/api/v1/x?authToken=%5Bredacted%5D&q=1"
        );
        assert_eq!(
            redact_path("/api/v2/chat/departments/1"),
            "/api/v2/chat/departments/1"
        );
    }

    #[test]
    fn a_body_without_a_secret_like_name_is_kept_as_it_is() {
        let body = Bytes::from_static(br#"{"name":"Sales","enabled":true}"#);
        assert_eq!(redact_body(body.clone(), false), body);
    }

    #[test]
    fn an_unparsable_body_with_a_secret_like_name_is_not_kept() {
        assert_eq!(redacted(r#"{"password":"s3cr"#), UNPARSED);
        let cut = redact_body(Bytes::from_static(br#"{"password":"x"}"#), true);
        assert_eq!(cut, UNPARSED.as_bytes());
    }
}
