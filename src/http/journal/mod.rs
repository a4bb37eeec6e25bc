//! The request journal: per tenant, a bounded ring of what the tenant's facades were asked and
//! answered (`--request-journal N`, 10 000 entries by default, 0 for none), for a test or an
//! operator to check against ("did my integration really send that PUT, and what did it
//! change?"). The ring drops its oldest entry for each new one past its size, so its memory is
//! bounded (docs/operations.md gives it, measured).
//!
//! An entry ([`Entry`]) is made by the journal layer (`super::layer::journal`) once the answer is
//! ready; secrets are taken out before it is stored (`redact.rs`). Readers filter it with
//! [`Criteria`] (`query.rs`) and may wait for new entries ([`RequestJournal::changed`]), which the
//! control plane's live tail does.

mod query;
mod redact;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde::{Serialize, Serializer};

pub use query::{Criteria, CriteriaError};
pub use redact::{REDACTED, redact_body, redact_header, redact_path};

/// How much of each body an entry keeps.
pub const BODY_LIMIT: usize = 16 * 1024;

/// One request and its answer. Shown (serialized) with its `route`, the method and the path with
/// its ids replaced (`GET /api/v2/chat/departments/{id}`) as the metrics label it, made when shown
/// rather than per request.
#[derive(Debug)]
pub struct Entry {
    /// Numbered from 1 in the order the answers were ready, per tenant; never reused, not even
    /// after the journal is cleared.
    pub seq: u64,
    /// When the request arrived, in milliseconds since the epoch; shown as RFC 3339.
    pub time_ms: i64,
    pub tenant: Arc<str>,
    pub facade: &'static str,
    pub method: http::Method,
    /// The path and query as the client sent them (a tenant's `/t/{name}` included).
    pub path: String,
    pub status: u16,
    pub duration_us: u64,
    /// The request's headers, `name: value` a line, secrets replaced by [`REDACTED`]: one
    /// allocation a request rather than two a header; shown as `[name, value]` pairs.
    pub request_headers: String,
    pub request_body: Captured,
    pub response_body: Captured,
    /// What the request changed, in words, in commit order (`model::observe`).
    pub changes: Vec<String>,
}

/// An entry as it is shown.
#[derive(Serialize)]
struct Shown<'e> {
    seq: u64,
    #[serde(serialize_with = "rfc3339")]
    time: i64,
    tenant: &'e str,
    facade: &'static str,
    route: String,
    method: &'e str,
    path: &'e str,
    status: u16,
    duration_us: u64,
    #[serde(serialize_with = "header_lines")]
    request_headers: &'e str,
    request_body: &'e Captured,
    response_body: &'e Captured,
    changes: &'e [String],
}

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Shown {
            seq: self.seq,
            time: self.time_ms,
            tenant: &self.tenant,
            facade: self.facade,
            route: crate::http::metrics::route_of(&self.method, self.path_only()),
            method: self.method.as_str(),
            path: &self.path,
            status: self.status,
            duration_us: self.duration_us,
            request_headers: &self.request_headers,
            request_body: &self.request_body,
            response_body: &self.response_body,
            changes: &self.changes,
        }
        .serialize(serializer)
    }
}

impl Entry {
    /// The path without its query.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }
}

/// The path and query as the client sent them (`/` when it has none) after `mount` (a tenant's
/// `/t/{name}`), secrets redacted ([`redact_path`]). The request's own `PathAndQuery` knows
/// where its query starts, so a path without a secret-like query is copied as it is, without
/// searching it for `?` (callgrind, a Zopim GET one: about 150 instructions a request fewer). It is
/// copied rather than shared: the shared bytes would keep the request's whole head, credentials
/// included, alive in the journal.
pub fn asked_path(asked: Option<&http::uri::PathAndQuery>, mount: Option<&str>) -> String {
    let (text, query) = asked.map_or(("/", None), |pq| (pq.as_str(), pq.query()));
    let asked = match query {
        Some(query) if redact::may_hold_secret(query.as_bytes()) => redact_path(text),
        _ => text.to_owned(),
    };
    match mount {
        Some(mount) => format!("{mount}{asked}"),
        None => asked,
    }
}

/// The first [`BODY_LIMIT`] bytes of a body, secrets taken out.
#[derive(Debug, Default)]
pub struct Captured {
    pub bytes: Bytes,
    /// The body was longer than what is kept.
    pub truncated: bool,
}

impl Captured {
    /// The first [`BODY_LIMIT`] bytes of `body`, redacted.
    pub fn of(body: &Bytes) -> Self {
        Self::kept(body, true)
    }

    /// The first [`BODY_LIMIT`] bytes of the answer to a read (`GET`, `HEAD`), kept as they are:
    /// no read answers a credential (the model holds only password hashes and token digests,
    /// and no facade shows even those), so the secret scan is spared where it would cost most,
    /// the repeated read (callgrind, a Zopim GET one: about 800 instructions).
    pub fn read(body: &Bytes) -> Self {
        Self::kept(body, false)
    }

    fn kept(body: &Bytes, redact: bool) -> Self {
        let truncated = body.len() > BODY_LIMIT;
        let kept = if truncated {
            body.slice(..BODY_LIMIT)
        } else {
            body.clone()
        };
        Self {
            bytes: if redact {
                redact_body(kept, truncated)
            } else {
                kept
            },
            truncated,
        }
    }
}

impl Serialize for Captured {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Captured", 2)?;
        s.serialize_field("text", &String::from_utf8_lossy(&self.bytes))?;
        s.serialize_field("truncated", &self.truncated)?;
        s.end()
    }
}

fn rfc3339<S: Serializer>(ms: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(*ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let text = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    serializer.serialize_str(&text)
}

fn header_lines<S: Serializer>(lines: &&str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(lines.lines().filter_map(|line| line.split_once(": ")))
}

/// What an entry is made from, before it has its number.
pub struct Draft {
    pub time_ms: i64,
    pub facade: &'static str,
    pub method: http::Method,
    pub path: String,
    pub status: u16,
    pub duration_us: u64,
    pub request_headers: String,
    pub request_body: Captured,
    pub response_body: Captured,
    pub changes: Vec<String>,
}

/// One tenant's request journal.
pub struct RequestJournal {
    tenant: Arc<str>,
    capacity: usize,
    ring: Mutex<Ring>,
    /// Woken for every new entry while a live tail waits on it.
    changed: tokio::sync::Notify,
    /// How many live tails there are: without one, a new entry wakes nobody and takes no
    /// second lock.
    tails: AtomicUsize,
}

/// A live tail's presence: while it is held, new entries wake [`RequestJournal::changed`].
pub struct Tail(Arc<RequestJournal>);

impl Tail {
    pub fn journal(&self) -> &RequestJournal {
        &self.0
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        self.0.tails.fetch_sub(1, Ordering::Relaxed);
    }
}

struct Ring {
    entries: VecDeque<Arc<Entry>>,
    /// The number the next entry takes.
    next_seq: u64,
}

impl RequestJournal {
    /// A journal of at most `capacity` entries (at least one).
    pub fn new(tenant: Arc<str>, capacity: usize) -> Self {
        Self {
            tenant,
            capacity: capacity.max(1),
            ring: Mutex::new(Ring {
                entries: VecDeque::new(),
                next_seq: 1,
            }),
            changed: tokio::sync::Notify::new(),
            tails: AtomicUsize::new(0),
        }
    }

    /// Starts a live tail of `journal`.
    pub fn tail(journal: &Arc<Self>) -> Tail {
        journal.tails.fetch_add(1, Ordering::Relaxed);
        Tail(Arc::clone(journal))
    }

    /// The number of the newest entry (0 before the first).
    pub fn last_seq(&self) -> u64 {
        self.ring().next_seq - 1
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Numbers and keeps `draft`, dropping the oldest entry past the capacity.
    pub fn record(&self, draft: Draft) {
        let evicted = {
            let mut ring = self.ring();
            let entry = Arc::new(Entry {
                seq: ring.next_seq,
                time_ms: draft.time_ms,
                tenant: Arc::clone(&self.tenant),
                facade: draft.facade,
                method: draft.method,
                path: draft.path,
                status: draft.status,
                duration_us: draft.duration_us,
                request_headers: draft.request_headers,
                request_body: draft.request_body,
                response_body: draft.response_body,
                changes: draft.changes,
            });
            ring.next_seq += 1;
            let evicted = (ring.entries.len() >= self.capacity)
                .then(|| ring.entries.pop_front())
                .flatten();
            ring.entries.push_back(entry);
            evicted
        };
        // Freed outside the lock.
        drop(evicted);
        if self.tails.load(Ordering::Relaxed) > 0 {
            self.changed.notify_waiters();
        }
    }

    /// The entries that match `criteria`, oldest first: without `since`, the newest `limit`;
    /// with it, the first `limit` after it (so that a reader pages forward by the last `seq`
    /// it saw).
    pub fn matching(&self, criteria: &Criteria) -> Vec<Arc<Entry>> {
        let ring = self.ring();
        let matched = ring.entries.iter().filter(|e| criteria.matches(e));
        let limit = criteria.limit();
        if criteria.since.is_some() {
            matched.take(limit).cloned().collect()
        } else {
            let mut newest: Vec<_> = ring
                .entries
                .iter()
                .rev()
                .filter(|e| criteria.matches(e))
                .take(limit)
                .cloned()
                .collect();
            drop(matched);
            newest.reverse();
            newest
        }
    }

    /// How many entries match `criteria` (its limit is not applied).
    pub fn count(&self, criteria: &Criteria) -> usize {
        self.ring()
            .entries
            .iter()
            .filter(|e| criteria.matches(e))
            .count()
    }

    /// Forgets every entry; numbering goes on.
    pub fn clear(&self) {
        let entries = std::mem::take(&mut self.ring().entries);
        drop(entries);
    }

    /// Resolves at the next new entry; make the future before reading, so that none is missed.
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }
}
