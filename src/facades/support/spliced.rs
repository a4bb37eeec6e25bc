//! Bodies kept without the request's origin (`http://{Host}{tenant mount}`), which every URL of
//! the Support API starts with: a body is encoded once per state version with every URL relative
//! to the origin, and each answer writes the origin back in where the URLs start. So a cache key
//! holds no host and no tenant mount, two hosts asking for the same page share one encoding, and
//! an answer costs copying its bytes (a page: nothing, when its last answer was for the same
//! origin).
//!
//! JSON escapes a string character by character, so the escaped origin followed by the escaped
//! rest of a URL is exactly the escaped URL: a spliced body is, byte for byte, the body encoded
//! with the origin (`the_spliced_body_is_the_body_encoded_with_the_origin` below).

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use bytes::Bytes;

use super::mapping::Site;

/// The keys whose string values are URLs in the Support API's groups and pages: a record's
/// `url`, offset paging's `next_page` and `previous_page`, cursor paging's `links`.
const URL_KEYS: [&[u8]; 5] = [
    br#""url":""#,
    br#""next_page":""#,
    br#""previous_page":""#,
    br#""prev":""#,
    br#""next":""#,
];

/// A body encoded with an empty origin, where the origin goes, and the last answer made.
pub struct Spliced {
    bytes: Bytes,
    at: Box<[usize]>,
    /// The last answer made, and the origin it was made for: a page is mostly polled by way of
    /// one host, and that host's next answer is then these bytes again, not a copy.
    last: ArcSwapOption<Rendered>,
}

struct Rendered {
    origin: KeptOrigin,
    body: Bytes,
}

impl Spliced {
    /// `encoded` (compact JSON, from a [`Site::bare`]): the origin goes at the start of the value
    /// of each of [`URL_KEYS`]. Only a key can match: inside a string every `"` is escaped, so
    /// `":"` never occurs there, and a null link has no `"` after its colon.
    pub fn new(encoded: Vec<u8>) -> Self {
        let mut at = Vec::new();
        for (i, byte) in encoded.iter().enumerate() {
            if *byte == b'"'
                && let Some(key) = URL_KEYS.iter().find(|k| encoded[i..].starts_with(k))
            {
                at.push(i + key.len());
            }
        }
        Self {
            bytes: Bytes::from(encoded),
            at: at.into_boxed_slice(),
            last: ArcSwapOption::empty(),
        }
    }

    /// The body for a request that came by `origin`.
    pub fn render(&self, origin: Origin<'_>) -> Bytes {
        if let Some(last) = self.last.load().as_ref()
            && last.origin.is(origin)
        {
            return last.body.clone();
        }
        let body = render(&self.bytes, &self.at, origin);
        self.last.store(Some(Arc::new(Rendered {
            origin: KeptOrigin::new(origin),
            body: body.clone(),
        })));
        body
    }
}

/// What an answer kept whole was for: a record's id and the origin written into it.
pub struct Answered {
    id: u64,
    origin: KeptOrigin,
}

impl Answered {
    pub fn new(id: u64, origin: Origin<'_>) -> Self {
        Self {
            id,
            origin: KeptOrigin::new(origin),
        }
    }

    /// Whether this is the answer for record `id` asked for by way of `origin`.
    pub fn is(&self, id: u64, origin: Origin<'_>) -> bool {
        self.id == id && self.origin.is(origin)
    }
}

/// An [`Origin`] kept beside an answer, to be compared with each request's.
///
/// No mount is `None`, not an empty string: an empty `Box<str>` points nowhere, and comparing it
/// with the request's empty mount called the C library's short compare, which loads through the
/// pointer with every byte masked out, and the processor completes such a load from an unmapped
/// address only by a slow assist (`perf`, a Support GET one: 0.7 % of the server's CPU in that
/// compare of nothing; its CPU a request fell from 9.38 to 8.66 µs without it).
struct KeptOrigin {
    authority: Box<str>,
    mount: Option<Box<str>>,
}

impl KeptOrigin {
    fn new(origin: Origin<'_>) -> Self {
        Self {
            authority: origin.authority.into(),
            mount: (!origin.mount.is_empty()).then(|| origin.mount.into()),
        }
    }

    fn is(&self, origin: Origin<'_>) -> bool {
        *self.authority == *origin.authority
            && match &self.mount {
                Some(mount) => **mount == *origin.mount,
                None => origin.mount.is_empty(),
            }
    }
}

/// Where a request came from, borrowed from it: `http://{authority}{mount}`, the start of every
/// URL in its answer. Kept in pieces so that a kept body is answered without building it.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'r> {
    /// The `Host`, checked.
    pub authority: &'r str,
    /// The tenant's `/t/{name}`, or `""`.
    pub mount: &'r str,
}

const HTTP: &str = "http://";

impl Origin<'_> {
    /// The origin as one string, for the answers built whole.
    pub fn site(&self) -> Site {
        let mut origin =
            String::with_capacity(HTTP.len() + self.authority.len() + self.mount.len());
        origin.push_str(HTTP);
        origin.push_str(self.authority);
        origin.push_str(self.mount);
        Site { origin }
    }
}

/// `bytes` with `origin`, as it appears inside a JSON string, written in before each of the
/// offsets `at`.
pub fn render(bytes: &[u8], at: &[usize], origin: Origin<'_>) -> Bytes {
    // A Host header is visible ASCII and a mount a tenant's name, so the origin is its own
    // JSON unless it holds a `"` or a `\`.
    let plain = |s: &str| !s.bytes().any(|b| matches!(b, b'"' | b'\\') || b < 0x20);
    let escaped;
    let pieces: [&[u8]; 3] = if plain(origin.authority) && plain(origin.mount) {
        [
            HTTP.as_bytes(),
            origin.authority.as_bytes(),
            origin.mount.as_bytes(),
        ]
    } else {
        let quoted = serde_json::to_vec(&origin.site().origin).unwrap_or_default();
        escaped = quoted
            .get(1..quoted.len().saturating_sub(1))
            .unwrap_or_default()
            .to_vec();
        [&escaped, b"", b""]
    };
    let length: usize = pieces.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(bytes.len() + at.len() * length);
    let mut from = 0;
    for &to in at {
        out.extend_from_slice(&bytes[from..to]);
        for piece in pieces {
            out.extend_from_slice(piece);
        }
        from = to;
    }
    out.extend_from_slice(&bytes[from..]);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facades::support::wire::{GroupOut, Links, List, Meta, Paging};

    fn group(site: &Site, id: u64, name: &str) -> GroupOut {
        GroupOut {
            url: site.record("groups", id),
            id,
            is_public: true,
            name: name.to_owned(),
            description: r#"url":"/x "next":"y" \"prev\":\" ü"#.to_owned(),
            default: id == 1,
            deleted: false,
            created_at: "2024-01-15T09:10:00Z".to_owned(),
            updated_at: "2024-01-15T09:10:00Z".to_owned(),
        }
    }

    fn page(site: &Site, cursor: bool) -> Vec<u8> {
        let link = |rest: &str| Some(format!("{}/api/v2/groups.json?{rest}", site.origin));
        let paging = if cursor {
            Paging::Cursor {
                meta: Meta {
                    has_more: true,
                    after_cursor: Some("AAAAAAAAAAI".into()),
                    before_cursor: Some("AAAAAAAAAAE".into()),
                },
                links: Links {
                    prev: link("page%5Bbefore%5D=AAAAAAAAAAE&x=%22"),
                    next: link("page%5Bafter%5D=AAAAAAAAAAI"),
                },
            }
        } else {
            Paging::Offset {
                next_page: link("page=3"),
                previous_page: None,
                count: 7,
            }
        };
        let groups = [
            group(site, 1, r#"a "url":"b"#),
            group(site, 2, r#"/api/v2/ \ "next":"#),
        ];
        serde_json::to_vec(&List {
            key: "groups",
            records: &groups,
            paging,
        })
        .unwrap()
    }

    #[test]
    fn an_answer_is_kept_for_exactly_its_record_host_and_mount() {
        let by = |authority, mount| Origin { authority, mount };
        let bare = Answered::new(7, by("a.test", ""));
        let mounted = Answered::new(7, by("a.test", "/t/one"));

        assert!(bare.is(7, by("a.test", "")));
        assert!(!bare.is(8, by("a.test", "")));
        assert!(!bare.is(7, by("b.test", "")));
        assert!(!bare.is(7, by("a.test", "/t/one")));
        assert!(mounted.is(7, by("a.test", "/t/one")));
        assert!(!mounted.is(7, by("a.test", "/t/two")));
        assert!(!mounted.is(7, by("a.test", "")));
    }

    #[test]
    fn the_spliced_body_is_the_body_encoded_with_the_origin() {
        let bare = Site::bare();
        for cursor in [false, true] {
            let spliced = Spliced::new(page(&bare, cursor));
            for (authority, mount) in [
                ("127.0.0.1:8080", ""),
                ("h.example", "/t/acme"),
                (r#"we"ird\host"#, ""),
                ("h", r#"/t/"\"#),
            ] {
                let origin = Origin { authority, mount };
                let expected = page(&origin.site(), cursor);
                assert_eq!(spliced.render(origin), expected, "{origin:?}, {cursor}");
                assert_eq!(spliced.render(origin), expected, "{origin:?} again");
            }
        }
    }
}
