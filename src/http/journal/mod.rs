//! The request journal: per tenant, a bounded ring of what the tenant's facades were asked and
//! answered (`--request-journal N`, 10 000 entries by default, 0 for none), for a test or an
//! operator to check against ("did my integration really send that PUT, and what did it
//! change?"). The ring writes each new entry over its oldest past its size, so its memory is
//! bounded (docs/operations.md gives it, measured).
//!
//! An entry ([`Entry`]) is made by the journal layer (`super::layer::journal`) once the answer is
//! ready; secrets are taken out before it is stored (`redact.rs`). Readers filter it with
//! [`Criteria`] (`query.rs`) and may wait for new entries ([`RequestJournal::changed`]), which the
//! control plane's live tail does.
//!
//! Every request of a tenant is recorded, so an entry is kept small and in one place: its fixed
//! part in a ring slot (three cache lines, written over in place) of the ring of the core that
//! answered it ([`RequestJournal`]), the path and headers in one string that a connection
//! repeating its request shares ([`HeadWriter`]), and a read's answer shared with the read cache.
//! What the journal costs a request is then mostly those three lines, last touched by the same
//! core a lap of its ring before: nothing it writes is written by the other core too, not even
//! its number, which it is given when the journal is next read (bench/profiles/journal-cost.md,
//! "Sixth pass" and "Eighth pass").

mod query;
mod redact;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use serde::{Serialize, Serializer};
use tokio::time::Instant;

pub use query::{Criteria, CriteriaError};
pub use redact::{REDACTED, redact_body, redact_header, redact_path};

use crate::http::cores::PerCore;

/// How much of each body an entry keeps.
pub const BODY_LIMIT: usize = 16 * 1024;

/// One request and its answer. Shown (serialized, [`Entry::shown`]) with its tenant and its
/// `route`, the method and the path with its ids replaced (`GET /api/v2/chat/departments/{id}`)
/// as the metrics label it, made when shown rather than per request.
///
/// Aligned to a cache line so that an entry, written over in place once the ring is full, takes
/// three lines of the ring and shares none with its neighbours.
#[derive(Debug, Clone, Default)]
#[repr(align(64))]
pub struct Entry {
    /// Numbered from 1 in the order the answers were ready, per tenant; never reused, not even
    /// after the journal is cleared. 0 until the journal is first read after the entry was
    /// kept, which numbers every entry kept since ([`RequestJournal`]).
    pub seq: u64,
    /// When the request arrived, in milliseconds since the epoch; shown as RFC 3339.
    pub time_ms: i64,
    pub facade: &'static str,
    pub method: http::Method,
    pub status: u16,
    /// Saturated at `u32::MAX` (71 minutes), which no request is let near.
    pub duration_us: u32,
    /// When the answer was ready, in nanoseconds of the journal's monotonic clock: the order in
    /// which entries are numbered. Set by [`RequestJournal::record`].
    pub(crate) ready_ns: u64,
    /// The request's path and query and its headers ([`Head`]).
    pub head: Head,
    pub request_body: Captured,
    pub response_body: Captured,
    /// What the request changed, in words, in commit order (`model::observe`).
    pub changes: Vec<String>,
}

/// The path and query as the client sent them (a tenant's `/t/{name}` included), then a line
/// each of the request's headers, `name: value`, secrets replaced by [`REDACTED`]; the headers
/// are shown as `[name, value]` pairs. One string a request, shared by the requests of a
/// connection that repeat it ([`HeadWriter`]).
#[derive(Debug, Clone, Default)]
pub struct Head(Arc<str>);

impl Head {
    /// The path and query.
    pub fn path(&self) -> &str {
        self.0.split_once('\n').map_or(&self.0, |(path, _)| path)
    }

    /// The header lines.
    pub fn header_lines(&self) -> &str {
        self.0.split_once('\n').map_or("", |(_, lines)| lines)
    }
}

/// Writes the [`Head`]s of one connection's requests, reusing one buffer, and the last head
/// itself when a request repeats it (a client polling one resource sends the same path and
/// headers each time).
#[derive(Debug, Clone, Default)]
pub struct HeadWriter {
    text: String,
    last: Head,
}

impl HeadWriter {
    /// The head of a request asking for `asked` after `mount` (a tenant's `/t/{name}`) with
    /// `headers`. The request's own `PathAndQuery` knows where its query starts, so a path
    /// without a secret-like query is copied as it is, without searching it for `?`
    /// (callgrind, a Zopim GET one: about 150 instructions a request fewer). The head is copied
    /// rather than shared with the request: the shared bytes would keep the request's whole
    /// head, credentials included, alive in the journal.
    pub fn head(
        &mut self,
        asked: Option<&http::uri::PathAndQuery>,
        mount: Option<&str>,
        headers: &http::HeaderMap,
    ) -> Head {
        let text = &mut self.text;
        text.clear();
        if let Some(mount) = mount {
            text.push_str(mount);
        }
        let (asked, query) = asked.map_or(("/", None), |pq| (pq.as_str(), pq.query()));
        match query {
            Some(query) if redact::may_hold_secret(query.as_bytes()) => {
                text.push_str(&redact_path(asked));
            }
            _ => text.push_str(asked),
        }
        for (name, value) in headers {
            text.push('\n');
            text.push_str(name.as_str());
            text.push_str(": ");
            text.push_str(&redact_header(name, value));
        }
        if *self.last.0 != **text {
            self.last = Head(Arc::from(text.as_str()));
        }
        self.last.clone()
    }
}

/// An entry as it is shown.
#[derive(Serialize)]
struct Wire<'e> {
    seq: u64,
    #[serde(serialize_with = "rfc3339")]
    time: i64,
    tenant: &'e str,
    facade: &'static str,
    route: String,
    method: &'e str,
    path: &'e str,
    status: u16,
    duration_us: u32,
    #[serde(serialize_with = "header_lines")]
    request_headers: &'e str,
    request_body: &'e Captured,
    response_body: &'e Captured,
    changes: &'e [String],
}

/// An entry of a tenant's journal, as the journal's routes show it.
pub struct Shown<'e> {
    tenant: &'e str,
    entry: &'e Entry,
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Shown { tenant, entry } = self;
        Wire {
            seq: entry.seq,
            time: entry.time_ms,
            tenant,
            facade: entry.facade,
            route: crate::http::metrics::route_of(&entry.method, entry.path_only()),
            method: entry.method.as_str(),
            path: entry.head.path(),
            status: entry.status,
            duration_us: entry.duration_us,
            request_headers: entry.head.header_lines(),
            request_body: &entry.request_body,
            response_body: &entry.response_body,
            changes: &entry.changes,
        }
        .serialize(serializer)
    }
}

impl Entry {
    /// The path without its query.
    pub fn path_only(&self) -> &str {
        self.head.path().split('?').next().unwrap_or("")
    }

    /// The entry as shown, in `tenant`'s journal.
    pub fn shown<'e>(&'e self, tenant: &'e str) -> Shown<'e> {
        Shown {
            tenant,
            entry: self,
        }
    }
}

/// The first [`BODY_LIMIT`] bytes of a body, secrets taken out.
#[derive(Debug, Clone, Default)]
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

/// One tenant's request journal.
///
/// Its entries are kept in one ring a core ([`PerCore`]): a request writes its entry into its
/// own core's ring, whose lock, slots and evicted entries its core alone touches. One ring for
/// all, under one lock, moved the lock's line, the slot's three lines and the evicted entry's
/// shared head between the cores on most requests, and a number taken from a counter both
/// cores shared moved that counter's line, at about 170 ns a line on the benchmark's machine
/// (bench/profiles/journal-cost.md, "Eighth pass"). So an entry is numbered when the journal is
/// next read: a reader locks every ring, and numbers the entries kept since the last reading in
/// the order their answers were ready, after as many numbers as its rings evicted unnumbered
/// entries, so that numbers still count every request. Each ring keeps its core's newest
/// `capacity` entries, so the journal's newest `capacity`, which is all a reader is shown, are
/// always among them; the memory is then at most `capacity` entries a core.
pub struct RequestJournal {
    tenant: Arc<str>,
    capacity: usize,
    rings: PerCore<Mutex<Ring>>,
    /// The number the next entry numbered takes; read and written only with every ring locked.
    next_seq: AtomicU64,
    /// What an entry's `ready_ns` counts from.
    epoch: Instant,
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

/// One core's entries, oldest first from `oldest`: slots written in turn, each written over in
/// place once the ring is full, so that recording allocates nothing and touches one entry's
/// lines.
#[derive(Default)]
struct Ring {
    slots: Vec<Entry>,
    /// The slot the next entry takes once the ring is full: the oldest entry's.
    oldest: usize,
    /// Entries ever kept here, and how many of them have had their numbers (or, evicted before
    /// they were read, had numbers counted for them).
    kept: u64,
    numbered: u64,
}

impl Ring {
    /// The entries, oldest first.
    fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> {
        let (newer, older) = self.slots.split_at(self.oldest);
        older.iter().chain(newer)
    }

    /// Keeps `entry`, in place of the oldest one once `capacity` are kept; gives back the
    /// evicted one.
    fn keep(&mut self, entry: Entry, capacity: usize) -> Option<Entry> {
        self.kept += 1;
        if self.slots.len() < capacity {
            if self.slots.len() == self.slots.capacity() {
                // Doubling, but never past the capacity: a full ring holds no spare slots.
                let more = self.slots.len().max(16).min(capacity - self.slots.len());
                self.slots.reserve_exact(more);
            }
            self.slots.push(entry);
            None
        } else {
            let at = self.oldest;
            self.oldest = (at + 1) % self.slots.len();
            Some(std::mem::replace(&mut self.slots[at], entry))
        }
    }
}

/// Every ring, locked: the journal as one, still.
struct Locked<'j> {
    rings: Vec<MutexGuard<'j, Ring>>,
    capacity: usize,
}

impl Locked<'_> {
    /// The journal's newest `capacity` entries, oldest first.
    fn entries(&self) -> Vec<&Entry> {
        let mut all: Vec<&Entry> = self.rings.iter().flat_map(|ring| ring.iter()).collect();
        all.sort_unstable_by_key(|e| e.seq);
        let older = all.len().saturating_sub(self.capacity);
        all.drain(..older);
        all
    }
}

impl RequestJournal {
    /// A journal of at most `capacity` entries (at least one).
    pub fn new(tenant: Arc<str>, capacity: usize) -> Self {
        Self {
            tenant,
            capacity: capacity.max(1),
            rings: PerCore::new(),
            next_seq: AtomicU64::new(1),
            epoch: Instant::now(),
            changed: tokio::sync::Notify::new(),
            tails: AtomicUsize::new(0),
        }
    }

    /// Starts a live tail of `journal`.
    pub fn tail(journal: &Arc<Self>) -> Tail {
        journal.tails.fetch_add(1, Ordering::Relaxed);
        Tail(Arc::clone(journal))
    }

    /// The tenant whose journal this is.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The number of the newest entry (0 before the first).
    pub fn last_seq(&self) -> u64 {
        let _numbered = self.locked();
        self.next_seq.load(Ordering::Relaxed) - 1
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Keeps `entry`, whose answer was ready at `ready`, in place of its core's oldest once
    /// that core's ring is full; it is numbered when the journal is next read.
    pub fn record(&self, mut entry: Entry, ready: Instant) {
        entry.seq = 0;
        entry.ready_ns = u64::try_from(ready.saturating_duration_since(self.epoch).as_nanos())
            .unwrap_or(u64::MAX);
        let evicted = lock(self.rings.mine()).keep(entry, self.capacity);
        // Dropped outside the lock.
        drop(evicted);
        if self.tails.load(Ordering::Relaxed) > 0 {
            self.changed.notify_waiters();
        }
    }

    /// The entries that match `criteria`, oldest first: without `since`, the newest `limit`;
    /// with it, the first `limit` after it (so that a reader pages forward by the last `seq`
    /// it saw).
    pub fn matching(&self, criteria: &Criteria) -> Vec<Entry> {
        let locked = self.locked();
        let entries = locked.entries();
        let limit = criteria.limit();
        if criteria.since.is_some() {
            entries
                .into_iter()
                .filter(|e| criteria.matches(e))
                .take(limit)
                .cloned()
                .collect()
        } else {
            let mut newest: Vec<_> = entries
                .into_iter()
                .rev()
                .filter(|e| criteria.matches(e))
                .take(limit)
                .cloned()
                .collect();
            newest.reverse();
            newest
        }
    }

    /// How many entries match `criteria` (its limit is not applied).
    pub fn count(&self, criteria: &Criteria) -> usize {
        let locked = self.locked();
        locked
            .entries()
            .into_iter()
            .filter(|e| criteria.matches(e))
            .count()
    }

    /// Forgets every entry; numbering goes on.
    pub fn clear(&self) {
        let entries: Vec<Vec<Entry>> = {
            let mut locked = self.locked();
            locked
                .rings
                .iter_mut()
                .map(|ring| {
                    ring.oldest = 0;
                    std::mem::take(&mut ring.slots)
                })
                .collect()
        };
        drop(entries);
    }

    /// Resolves at the next new entry; make the future before reading, so that none is missed.
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    /// Every ring, locked in the same order by every reader, its entries numbered.
    fn locked(&self) -> Locked<'_> {
        let mut rings: Vec<_> = self.rings.all().map(lock).collect();
        self.number(&mut rings);
        Locked {
            rings,
            capacity: self.capacity,
        }
    }

    /// Numbers the entries kept since the last reading: first as many numbers as were evicted
    /// unnumbered, then the others in the order their answers were ready.
    fn number(&self, rings: &mut [MutexGuard<'_, Ring>]) {
        let mut next = self.next_seq.load(Ordering::Relaxed);
        let mut fresh: Vec<(u64, usize, usize)> = Vec::new();
        for (r, ring) in rings.iter_mut().enumerate() {
            let unread = ring.kept - ring.numbered;
            let before = fresh.len();
            fresh.extend(
                ring.slots
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.seq == 0)
                    .map(|(at, e)| (e.ready_ns, r, at)),
            );
            next += unread - (fresh.len() - before) as u64;
            ring.numbered = ring.kept;
        }
        fresh.sort_unstable();
        for (_, r, at) in fresh {
            rings[r].slots[at].seq = next;
            next += 1;
        }
        self.next_seq.store(next, Ordering::Relaxed);
    }
}

fn lock(ring: &Mutex<Ring>) -> MutexGuard<'_, Ring> {
    ring.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn journal_of(capacity: usize, requests: u64) -> RequestJournal {
        let journal = RequestJournal::new(Arc::from("t"), capacity);
        for n in 1..=requests {
            journal.record(
                Entry {
                    head: Head(Arc::from(
                        format!("/departments/{n}\nhost: example").as_str(),
                    )),
                    ..Entry::default()
                },
                Instant::now(),
            );
        }
        journal
    }

    fn seqs(entries: &[Entry]) -> Vec<u64> {
        entries.iter().map(|e| e.seq).collect()
    }

    fn since(since: Option<u64>, limit: Option<usize>) -> Criteria {
        let mut query = Vec::new();
        query.extend(since.map(|s| format!("since={s}")));
        query.extend(limit.map(|l| format!("limit={l}")));
        Criteria::from_query(Some(&query.join("&"))).unwrap()
    }

    #[test]
    fn a_full_ring_keeps_the_newest_entries_in_order_however_often_it_wrapped() {
        for requests in [0, 1, 3, 4, 7, 9, 10] {
            let journal = journal_of(3, requests);
            let newest: Vec<u64> = (requests.saturating_sub(3) + 1..=requests).collect();
            assert_eq!(
                seqs(&journal.matching(&since(None, None))),
                newest,
                "{requests}"
            );
            assert_eq!(journal.count(&Criteria::default()), newest.len());
            assert_eq!(journal.last_seq(), requests);
        }
    }

    #[test]
    fn since_and_limit_page_forward_and_take_the_newest() {
        let journal = journal_of(4, 10);
        assert_eq!(seqs(&journal.matching(&since(Some(7), Some(2)))), [8, 9]);
        assert_eq!(seqs(&journal.matching(&since(Some(2), Some(2)))), [7, 8]);
        assert_eq!(seqs(&journal.matching(&since(None, Some(2)))), [9, 10]);
        let last = &journal.matching(&since(Some(9), None))[0];
        assert_eq!(last.head.path(), "/departments/10");
        assert_eq!(last.head.header_lines(), "host: example");
    }

    #[test]
    fn a_cleared_ring_fills_again_and_numbering_goes_on() {
        let journal = journal_of(2, 5);
        journal.clear();
        assert_eq!(journal.count(&Criteria::default()), 0);
        for _ in 0..3 {
            journal.record(Entry::default(), Instant::now());
        }
        assert_eq!(seqs(&journal.matching(&Criteria::default())), [7, 8]);
    }

    #[test]
    fn entries_recorded_on_many_threads_are_shown_as_one_journal() {
        let journal = Arc::new(RequestJournal::new(Arc::from("t"), 50));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let journal = Arc::clone(&journal);
                std::thread::spawn(move || {
                    for _ in 0..40 {
                        journal.record(Entry::default(), Instant::now());
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        // Whatever ring each thread wrote to, the newest 50 of the 160, in order.
        let newest: Vec<u64> = (111..=160).collect();
        assert_eq!(seqs(&journal.matching(&since(None, Some(500)))), newest);
        assert_eq!(journal.count(&Criteria::default()), 50);
        assert_eq!(journal.last_seq(), 160);
        assert_eq!(
            seqs(&journal.matching(&since(Some(150), Some(3)))),
            [151, 152, 153]
        );
        journal.clear();
        assert_eq!(journal.count(&Criteria::default()), 0);
        journal.record(Entry::default(), Instant::now());
        assert_eq!(seqs(&journal.matching(&Criteria::default())), [161]);
    }

    #[test]
    fn entries_are_numbered_in_the_order_their_answers_were_ready_whichever_core_kept_them() {
        let journal = Arc::new(RequestJournal::new(Arc::from("t"), 10));
        let at = Instant::now();
        let path = |n: u64| Head(Arc::from(format!("/{n}").as_str()));
        // Kept on other threads (so, on this machine, possibly other rings) out of their order.
        for n in [3u64, 1, 2] {
            let journal = Arc::clone(&journal);
            let head = path(n);
            std::thread::spawn(move || {
                let entry = Entry {
                    head,
                    ..Entry::default()
                };
                journal.record(entry, at + Duration::from_millis(n));
            })
            .join()
            .unwrap();
        }
        let shown = journal.matching(&Criteria::default());
        let paths: Vec<&str> = shown.iter().map(|e| e.head.path()).collect();
        assert_eq!(paths, ["/1", "/2", "/3"]);
        assert_eq!(seqs(&shown), [1, 2, 3]);
        // A reader paging forward sees what is kept after it read, numbered after what it saw.
        journal.record(Entry::default(), at);
        assert_eq!(seqs(&journal.matching(&since(Some(3), None))), [4]);
    }

    #[test]
    fn an_entry_takes_three_cache_lines() {
        assert_eq!(std::mem::size_of::<Entry>(), 192);
    }

    #[test]
    fn a_connection_repeating_its_request_shares_its_head() {
        let mut heads = HeadWriter::default();
        let mut headers = http::HeaderMap::new();
        headers.insert("host", http::HeaderValue::from_static("example"));
        headers.insert("x-auth-token", http::HeaderValue::from_static("secret"));
        let asked = http::uri::PathAndQuery::from_static("/api/v1/me?x=1");
        let first = heads.head(Some(&asked), Some("/t/acme"), &headers);
        let again = heads.head(Some(&asked), Some("/t/acme"), &headers);
        assert!(Arc::ptr_eq(&first.0, &again.0));
        assert_eq!(first.path(), "/t/acme/api/v1/me?x=1");
        assert_eq!(
            first.header_lines(),
            "host: example\nx-auth-token: [redacted]"
        );
        let other = heads.head(Some(&asked), None, &headers);
        assert_eq!(other.path(), "/api/v1/me?x=1");
        assert_eq!(first.path(), "/t/acme/api/v1/me?x=1");
        let bare = heads.head(None, None, &http::HeaderMap::new());
        assert_eq!((bare.path(), bare.header_lines()), ("/", ""));
    }
}
