//! XML or JSON: which format a classic request answers in, and which one its body is read as, as
//! Rails 2.x chose them for Zendesk (docs/zendesk.md, "Formats").
//!
//! - The answer: the path's extension (`/groups.xml`, `/groups/1.json`) decides, as Rails'
//!   `params[:format]` did. A path without one (`/users/2`, `/groups`) is answered by its `Accept`
//!   header, as `respond_to` did: the ranges in order of `q` (ties in the order written), the
//!   first that names XML or JSON wins; `*/*` (and a missing or blank header) gives XML, where
//!   Rails gave the first format of `respond_to` (Zendesk's HTML pages, which this gateway does
//!   not have); a header that names neither gives 406, as Rails' `respond_to` did.
//! - The body: its `Content-Type`, as Rails' params parser read it (so the pgericson gem's XML
//!   bodies to `/users.json` are read as XML); without a JSON or XML type, the answer's format.
//!
//! The header is split with the `mediatype` crate; only the choice among the ranges is ours.

use http::HeaderMap;
use http::header::{ACCEPT, CONTENT_TYPE};
use mediatype::{MediaType, MediaTypeList, ReadParams, names};

/// The two formats of the classic API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// The format a path's last segment names by its extension, if it names one.
    pub fn of_path(path: &str) -> Option<Format> {
        let last = path.rsplit('/').next().unwrap_or(path);
        if last.ends_with(".xml") {
            Some(Format::Xml)
        } else if last.ends_with(".json") {
            Some(Format::Json)
        } else {
            None
        }
    }

    /// The extension that names this format in a URL, dot included.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xml => ".xml",
            Format::Json => ".json",
        }
    }

    /// The format a media type names: Rails' `Mime::XML` and `Mime::JSON` with their synonyms
    /// (`text/xml`, `application/x-xml`; `text/x-json`, `application/jsonrequest`).
    fn of_media_type(media: &MediaType<'_>) -> Option<Format> {
        let (ty, subty) = (media.ty.as_str(), media.subty.as_str());
        let is = |t: &str, s: &str| ty.eq_ignore_ascii_case(t) && subty.eq_ignore_ascii_case(s);
        if is("application", "xml") || is("text", "xml") || is("application", "x-xml") {
            Some(Format::Xml)
        } else if is("application", "json")
            || is("text", "x-json")
            || is("application", "jsonrequest")
        {
            Some(Format::Json)
        } else {
            None
        }
    }
}

/// The format of the answer: the path's extension, else the `Accept` header. `None` when the
/// header accepts neither format (a 406).
pub fn answer_format(path: &str, headers: &HeaderMap) -> Option<Format> {
    match Format::of_path(path) {
        Some(format) => Some(format),
        None => negotiate(headers),
    }
}

/// `respond_to` over XML and JSON: the most preferred range that names one of them.
fn negotiate(headers: &HeaderMap) -> Option<Format> {
    let values: Vec<&str> = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .collect();
    if values.is_empty() {
        // Rails read a missing Accept as `*/*`.
        return Some(Format::Xml);
    }
    // (q, what the range gives). An entry that is no media type is skipped, as Rails looked it up
    // and found no format.
    let mut ranges: Vec<(f32, Option<Format>)> = Vec::new();
    for value in values {
        for media in MediaTypeList::new(value).filter_map(Result::ok) {
            let q = media
                .get_param(names::Q)
                .and_then(|q| q.unquoted_str().trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            // q=0 is "not acceptable" (RFC 9110 §12.4.2).
            if q.is_nan() || q <= 0.0 {
                continue;
            }
            let any = media.ty == names::_STAR && media.subty == names::_STAR;
            let format = if any {
                Some(Format::Xml)
            } else {
                Format::of_media_type(&media)
            };
            ranges.push((q, format));
        }
    }
    // A stable sort: equal preferences keep the order they were written in.
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranges.into_iter().find_map(|(_, format)| format)
}

/// The format a body is read in: its `Content-Type` when that names XML or JSON, else `answer`.
pub fn body_format(headers: &HeaderMap, answer: Format) -> Format {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| MediaType::parse(v.trim()).ok())
        .and_then(|media| Format::of_media_type(&media))
        .unwrap_or(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn accept(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(ACCEPT, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn the_extension_decides_whatever_accept_says() {
        let json = accept(&["application/json"]);
        assert_eq!(answer_format("/groups.xml", &json), Some(Format::Xml));
        assert_eq!(
            answer_format("/groups/1.json", &accept(&[])),
            Some(Format::Json)
        );
        assert_eq!(
            answer_format("/api/v1/users/current.json", &json),
            Some(Format::Json)
        );
        assert_eq!(Format::of_path("/groups/1.json/users"), None);
    }

    #[test]
    fn accept_is_read_as_rails_respond_to_read_it() {
        for (values, wanted) in [
            // The 2010-era gems (rest-client 1.x's default): XML.
            (vec!["*/*; q=0.5, application/xml"], Some(Format::Xml)),
            (vec!["application/json"], Some(Format::Json)),
            // RestSharp's default lists JSON first.
            (
                vec![
                    "application/json, application/xml, text/json, text/x-json, text/javascript, text/xml",
                ],
                Some(Format::Json),
            ),
            (
                vec!["application/xml;q=0.4, application/json;q=0.9"],
                Some(Format::Json),
            ),
            (vec!["text/html", "application/json"], Some(Format::Json)),
            (vec!["TEXT/XML"], Some(Format::Xml)),
            (vec!["*/*"], Some(Format::Xml)),
            (vec![], Some(Format::Xml)),
            (vec!["   "], Some(Format::Xml)),
            (vec!["*/*, application/json"], Some(Format::Xml)),
            (vec!["text/html"], None),
            (vec!["application/*"], None),
            (vec!["application/json;q=0"], None),
            (vec!["garbage"], None),
        ] {
            assert_eq!(
                answer_format("/users/2", &accept(&values)),
                wanted,
                "{values:?}"
            );
        }
    }

    #[test]
    fn a_body_is_read_by_its_content_type_else_in_the_answer_format() {
        let mut headers = HeaderMap::new();
        assert_eq!(body_format(&headers, Format::Json), Format::Json);
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=utf-8"),
        );
        assert_eq!(body_format(&headers, Format::Json), Format::Xml);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert_eq!(body_format(&headers, Format::Xml), Format::Json);
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert_eq!(body_format(&headers, Format::Xml), Format::Xml);
    }
}

/// `Accept` and `Content-Type` as any client may write them. Run with
/// `PROPTEST_CASES=N cargo test --lib fuzz_`.
#[cfg(test)]
mod fuzz {
    use http::HeaderValue;
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn fuzz_zendesk_accept_any_header_gives_a_format_or_406_and_never_panics(
            value in "[ -~]{0,64}",
        ) {
            let Ok(value) = HeaderValue::from_str(&value) else {
                return Ok(());
            };
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT, value.clone());
            headers.insert(CONTENT_TYPE, value);

            let _ = answer_format("/users/2", &headers);
            let _ = body_format(&headers, Format::Xml);
            prop_assert_eq!(answer_format("/users/2.json", &headers), Some(Format::Json));
        }

        #[test]
        fn fuzz_zendesk_accept_ranges_naming_one_format_choose_it(
            q in 1u32..=1000,
            json_first in any::<bool>(),
        ) {
            let q = f64::from(q) / 1000.0;
            let (first, second, wanted) = if json_first {
                ("application/json", "application/xml", Format::Json)
            } else {
                ("application/xml", "application/json", Format::Xml)
            };
            let value = format!("text/html, {first}, {second};q={}", q / 2.0);
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT, HeaderValue::from_str(&value).unwrap());

            prop_assert_eq!(answer_format("/users/2", &headers), Some(wanted));
        }
    }
}
