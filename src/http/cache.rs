//! Encoded response bodies, kept for as long as the state they were encoded from is the current
//! one: a body is encoded once per change, not once per request (issue 6).
//!
//! A facade owns one [`EncodedCache`] and asks it for a body by a [`CacheKey`] of its choosing
//! (what kind of answer, which record, which variant of the answer) and the version of the view
//! it answers from. The cache hands back the bytes encoded earlier from the same version, or
//! encodes them now. Every write bumps the state's version, so no entry outlives the state it
//! was made from, and a view never gets bytes of another version, older or newer.
//!
//! The key must name everything the bytes depend on besides the state: a caller-dependent answer
//! (one that depends on the caller's roles, say) puts that in `variant` or is not cached.
//!
//! The cache is a fixed array of slots, each holding at most one entry, picked by the key's
//! hash: memory is bounded whatever the data set, lookups take no lock (one atomic load), and a
//! collision only costs a re-encode.

use std::hash::{BuildHasher, Hash};

use arc_swap::ArcSwapOption;
use bytes::Bytes;
use std::sync::Arc;

/// What a cached body answers: `kind` tells a facade's answers apart (its own constants), `id`
/// is the record, `variant` anything else the bytes depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub kind: u32,
    pub variant: u32,
    pub id: u64,
}

struct Entry {
    key: CacheKey,
    version: u64,
    body: Bytes,
}

/// Bodies by key, each valid for one state version.
pub struct EncodedCache {
    slots: Box<[ArcSwapOption<Entry>]>,
    hasher: std::hash::RandomState,
}

impl EncodedCache {
    /// A cache of `slots` entries (rounded up to a power of two, at least one).
    pub fn new(slots: usize) -> Self {
        let slots = slots.max(1).next_power_of_two();
        Self {
            slots: (0..slots).map(|_| ArcSwapOption::empty()).collect(),
            hasher: std::hash::RandomState::new(),
        }
    }

    /// The body for `key` as encoded from state `version`: the cached one when it was encoded
    /// from that version, otherwise what `encode` makes now (kept for the next caller). An error
    /// from `encode` is passed on and nothing is kept.
    pub fn get_or_encode<E>(
        &self,
        key: CacheKey,
        version: u64,
        encode: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        let slot = &self.slots[self.slot_of(&key)];
        if let Some(entry) = slot.load().as_ref()
            && entry.key == key
            && entry.version == version
        {
            return Ok(entry.body.clone());
        }
        let body = encode()?;
        // A reader still on an older view must not evict what a newer one cached.
        let newer_there = slot
            .load()
            .as_ref()
            .is_some_and(|e| e.key == key && e.version > version);
        if !newer_there {
            slot.store(Some(Arc::new(Entry {
                key,
                version,
                body: body.clone(),
            })));
        }
        Ok(body)
    }

    fn slot_of(&self, key: &CacheKey) -> usize {
        (self.hasher.hash_one(key) as usize) & (self.slots.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::convert::Infallible;

    fn key(id: u64) -> CacheKey {
        CacheKey {
            kind: 1,
            variant: 0,
            id,
        }
    }

    /// Encodes `text`, counting the encodings.
    fn encoder<'a>(
        count: &'a Cell<u32>,
        text: &'static str,
    ) -> impl FnOnce() -> Result<Bytes, Infallible> + 'a {
        move || {
            count.set(count.get() + 1);
            Ok(Bytes::from_static(text.as_bytes()))
        }
    }

    #[test]
    fn a_body_is_encoded_once_per_version() {
        let cache = EncodedCache::new(8);
        let count = Cell::new(0);

        for _ in 0..3 {
            let body = cache.get_or_encode(key(1), 7, encoder(&count, "v7"));
            assert_eq!(body.unwrap(), "v7");
        }
        assert_eq!(count.get(), 1);

        let body = cache.get_or_encode(key(1), 8, encoder(&count, "v8"));
        assert_eq!(body.unwrap(), "v8");
        assert_eq!(count.get(), 2);
    }

    #[test]
    fn a_view_never_gets_the_bytes_of_another_version_or_key() {
        let cache = EncodedCache::new(1);
        let count = Cell::new(0);
        cache
            .get_or_encode(key(1), 8, encoder(&count, "one at 8"))
            .unwrap();

        let older = cache.get_or_encode(key(1), 7, encoder(&count, "one at 7"));
        let other = cache.get_or_encode(key(2), 8, encoder(&count, "two at 8"));
        let variant = cache.get_or_encode(
            CacheKey {
                variant: 1,
                ..key(1)
            },
            8,
            encoder(&count, "one, variant 1"),
        );

        assert_eq!(older.unwrap(), "one at 7");
        assert_eq!(other.unwrap(), "two at 8");
        assert_eq!(variant.unwrap(), "one, variant 1");
        assert_eq!(count.get(), 4);
    }

    #[test]
    fn an_older_view_does_not_evict_a_newer_entry_of_its_key() {
        let cache = EncodedCache::new(1);
        let count = Cell::new(0);
        cache
            .get_or_encode(key(1), 8, encoder(&count, "v8"))
            .unwrap();

        cache
            .get_or_encode(key(1), 7, encoder(&count, "v7"))
            .unwrap();
        let again = cache.get_or_encode(key(1), 8, encoder(&count, "v8 again"));

        assert_eq!(again.unwrap(), "v8");
        assert_eq!(count.get(), 2);
    }

    #[test]
    fn a_failed_encoding_is_passed_on_and_not_kept() {
        let cache = EncodedCache::new(4);

        let failed: Result<Bytes, &str> = cache.get_or_encode(key(1), 1, || Err("boom"));
        let count = Cell::new(0);
        let body = cache.get_or_encode(key(1), 1, encoder(&count, "ok"));

        assert_eq!(failed, Err("boom"));
        assert_eq!(body.unwrap(), "ok");
        assert_eq!(count.get(), 1);
    }
}
