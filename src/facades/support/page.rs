//! Zendesk's two kinds of pagination (Zendesk, "Pagination"), for every list of the facade:
//!
//! - **offset**: `?page=N&per_page=M` (M at most 100, default 100), answered with `next_page`,
//!   `previous_page` (absolute URLs or null) and `count`. As Zendesk does since 2023, an offset
//!   past the first 10 000 records is refused (400): a deep page would cost its offset in
//!   records skipped, and cursors exist for that;
//! - **cursor**: `?page[size]=M` with `page[after]` or `page[before]`, answered with `meta`
//!   (`has_more`, `after_cursor`, `before_cursor`) and `links` (`next`, `prev`).
//!
//! A list hands [`window`] a function that walks its records in id order from a bound, forward or
//! backward, so a cursor page starts with one index descent and costs its size, whatever the data
//! set's size. Cursors are opaque to clients: the id of the page's first or last record, in
//! URL-safe base64.

use std::ops::Bound;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::SupportError;
use super::wire::{Links, Meta, Paging};

/// Most records on one page, and the default.
pub const MAX_PAGE: usize = 100;

/// Offset pagination reaches this many records at most.
const OFFSET_LIMIT: usize = 10_000;

/// What the query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Offset {
        page: usize,
        per_page: usize,
        /// Whether the client named `per_page`, so the links name it too.
        explicit: bool,
    },
    Cursor {
        size: usize,
        from: Option<Cursor>,
    },
}

/// Where a cursor page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    After(u64),
    Before(u64),
}

/// The query's paging parameters, and its other parameters (kept in the links).
pub fn read(query: Option<&str>) -> Result<(Request, Vec<(String, String)>), SupportError> {
    let mut offset_page = None;
    let mut per_page = None;
    let mut cursor_size = None;
    let mut cursor = None;
    let mut cursor_mode = false;
    let mut rest = Vec::new();
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "page" => offset_page = Some(count(&value, "page")?),
            "per_page" => per_page = Some(count(&value, "per_page")?),
            "page[size]" => {
                cursor_mode = true;
                cursor_size = Some(count(&value, "page[size]")?);
            }
            "page[after]" => {
                cursor_mode = true;
                cursor = Some(Cursor::After(decode(&value)?));
            }
            "page[before]" => {
                cursor_mode = true;
                cursor = Some(Cursor::Before(decode(&value)?));
            }
            _ => rest.push((key.into_owned(), value.into_owned())),
        }
    }
    let request = if cursor_mode {
        Request::Cursor {
            size: cursor_size.unwrap_or(MAX_PAGE).min(MAX_PAGE),
            from: cursor,
        }
    } else {
        let page = offset_page.unwrap_or(1);
        let size = per_page.unwrap_or(MAX_PAGE).min(MAX_PAGE);
        if (page - 1).saturating_mul(size) >= OFFSET_LIMIT {
            return Err(SupportError::BadPagination(format!(
                "Offset pagination is limited to the first {OFFSET_LIMIT} records; use cursor pagination (page[size], page[after]) beyond it"
            )));
        }
        Request::Offset {
            page,
            per_page: size,
            explicit: per_page.is_some(),
        }
    };
    Ok((request, rest))
}

/// A positive integer parameter.
fn count(value: &str, name: &str) -> Result<usize, SupportError> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| *n >= 1 && value.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| SupportError::BadPagination(format!("{name} must be a positive integer")))
}

pub fn encode(id: u64) -> String {
    URL_SAFE_NO_PAD.encode(id.to_be_bytes())
}

fn decode(cursor: &str) -> Result<u64, SupportError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| <[u8; 8]>::try_from(bytes).ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| SupportError::BadPagination("The cursor is not valid".into()))
}

/// Records in id order from a bound: `walk(low, high)` yields `(id, record)` with ids within the
/// bounds, ascending, and can be walked backward.
pub type Walk<'a, T> = Box<dyn DoubleEndedIterator<Item = (u64, T)> + 'a>;

/// Where the links point: the list's absolute URL and the query's other parameters.
pub struct LinkBase<'a> {
    pub url: &'a str,
    pub rest: &'a [(String, String)],
}

impl LinkBase<'_> {
    fn link(&self, paging: &[(&str, String)]) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.rest {
            query.append_pair(key, value);
        }
        for (key, value) in paging {
            query.append_pair(key, value);
        }
        format!("{}?{}", self.url, query.finish())
    }
}

/// [`window`] over records collected in id order (`id` gives each one's): for the few records
/// of one user or one group, walked like an index.
pub fn window_of<'a, T: Copy + 'a>(
    request: &Request,
    links: &LinkBase<'_>,
    records: &'a [T],
    id: impl Fn(&T) -> u64 + Copy + 'a,
) -> (Vec<T>, Paging) {
    window(
        request,
        links,
        || records.len(),
        |low, high| {
            Box::new(
                records
                    .iter()
                    .copied()
                    .filter(move |r| std::ops::RangeBounds::contains(&(low, high), &id(r)))
                    .map(move |r| (id(&r), r)),
            )
        },
    )
}

/// One page of records and the list's tail. `count` is asked only for an offset page.
pub fn window<'a, T>(
    request: &Request,
    links: &LinkBase<'_>,
    count: impl FnOnce() -> usize,
    walk: impl Fn(Bound<u64>, Bound<u64>) -> Walk<'a, T>,
) -> (Vec<T>, Paging) {
    match *request {
        Request::Offset {
            page,
            per_page,
            explicit,
        } => {
            let records: Vec<T> = walk(Bound::Unbounded, Bound::Unbounded)
                .skip((page - 1) * per_page)
                .take(per_page)
                .map(|(_, r)| r)
                .collect();
            let count = count();
            let page_link = |n: usize| {
                let mut paging = vec![("page", n.to_string())];
                if explicit {
                    paging.push(("per_page", per_page.to_string()));
                }
                links.link(&paging)
            };
            let next_page = (page * per_page < count).then(|| page_link(page + 1));
            let previous_page = (page > 1).then(|| page_link(page - 1));
            (
                records,
                Paging::Offset {
                    next_page,
                    previous_page,
                    count,
                },
            )
        }
        Request::Cursor { size, from } => {
            let (mut found, backward): (Vec<(u64, T)>, bool) = match from {
                None => (
                    walk(Bound::Unbounded, Bound::Unbounded)
                        .take(size + 1)
                        .collect(),
                    false,
                ),
                Some(Cursor::After(id)) => (
                    walk(Bound::Excluded(id), Bound::Unbounded)
                        .take(size + 1)
                        .collect(),
                    false,
                ),
                Some(Cursor::Before(id)) => (
                    walk(Bound::Unbounded, Bound::Excluded(id))
                        .rev()
                        .take(size + 1)
                        .collect(),
                    true,
                ),
            };
            // One record more than the page tells whether there are more in this direction.
            let has_more = found.len() > size;
            found.truncate(size);
            if backward {
                found.reverse();
            }
            let first = found.first().map(|(id, _)| encode(*id));
            let last = found.last().map(|(id, _)| encode(*id));
            let size_param = ("page[size]", size.to_string());
            let links = Links {
                prev: first
                    .clone()
                    .map(|c| links.link(&[("page[before]", c), size_param.clone()])),
                next: last
                    .clone()
                    .map(|c| links.link(&[("page[after]", c), size_param.clone()])),
            };
            let meta = Meta {
                has_more,
                after_cursor: last,
                before_cursor: first,
            };
            (
                found.into_iter().map(|(_, r)| r).collect(),
                Paging::Cursor { meta, links },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::RangeBounds;

    fn walk_over<'a>(ids: &'a [u64]) -> impl Fn(Bound<u64>, Bound<u64>) -> Walk<'a, u64> + 'a {
        move |low, high| {
            Box::new(
                ids.iter()
                    .copied()
                    .filter(move |id| (low, high).contains(id))
                    .map(|id| (id, id)),
            )
        }
    }

    const BASE: LinkBase<'static> = LinkBase {
        url: "http://h/api/v2/groups.json",
        rest: &[],
    };

    #[test]
    fn the_query_picks_the_kind_and_clamps_the_size() {
        assert_eq!(
            read(Some("per_page=500&x=1")).unwrap(),
            (
                Request::Offset {
                    page: 1,
                    per_page: 100,
                    explicit: true
                },
                vec![("x".into(), "1".into())]
            )
        );
        assert_eq!(
            read(Some("page%5Bsize%5D=2")).unwrap().0,
            Request::Cursor {
                size: 2,
                from: None
            }
        );
        let after = encode(7);
        assert_eq!(
            read(Some(&format!("page[after]={after}"))).unwrap().0,
            Request::Cursor {
                size: 100,
                from: Some(Cursor::After(7))
            }
        );
        for bad in [
            "page=0",
            "page=x",
            "per_page=-1",
            "page[after]=zz",
            "page=101",
        ] {
            assert!(read(Some(bad)).is_err(), "{bad}");
        }
        assert!(read(Some("page=101&per_page=99")).is_ok());
    }

    #[test]
    fn cursor_pages_walk_both_ways_and_say_whether_there_is_more() {
        let ids: Vec<u64> = (1..=5).collect();
        let first = Request::Cursor {
            size: 2,
            from: None,
        };
        let (records, paging) = window(&first, &BASE, || 5, walk_over(&ids));
        assert_eq!(records, [1, 2]);
        let Paging::Cursor { meta, links } = paging else {
            panic!("a cursor page")
        };
        assert!(meta.has_more);
        assert_eq!(
            links.next.as_deref(),
            Some(
                format!(
                    "http://h/api/v2/groups.json?page%5Bafter%5D={}&page%5Bsize%5D=2",
                    encode(2)
                )
                .as_str()
            )
        );
        let last = Request::Cursor {
            size: 2,
            from: Some(Cursor::After(4)),
        };
        let (records, paging) = window(&last, &BASE, || 5, walk_over(&ids));
        assert_eq!(records, [5]);
        assert!(matches!(
            paging,
            Paging::Cursor {
                meta: Meta {
                    has_more: false,
                    ..
                },
                ..
            }
        ));
        let back = Request::Cursor {
            size: 2,
            from: Some(Cursor::Before(5)),
        };
        let (records, paging) = window(&back, &BASE, || 5, walk_over(&ids));
        assert_eq!(records, [3, 4]);
        assert!(matches!(
            paging,
            Paging::Cursor {
                meta: Meta { has_more: true, .. },
                ..
            }
        ));
    }

    #[test]
    fn offset_pages_link_to_their_neighbours() {
        let ids: Vec<u64> = (1..=5).collect();
        let second = Request::Offset {
            page: 2,
            per_page: 2,
            explicit: true,
        };
        let (records, paging) = window(&second, &BASE, || 5, walk_over(&ids));
        assert_eq!(records, [3, 4]);
        let Paging::Offset {
            next_page,
            previous_page,
            count,
        } = paging
        else {
            panic!("an offset page")
        };
        assert_eq!(count, 5);
        assert_eq!(
            next_page.as_deref(),
            Some("http://h/api/v2/groups.json?page=3&per_page=2")
        );
        assert_eq!(
            previous_page.as_deref(),
            Some("http://h/api/v2/groups.json?page=1&per_page=2")
        );
    }
}
