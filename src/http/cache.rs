//! Encoded response bodies, kept for as long as the state they were encoded from is the current
//! one: a body is encoded once per change, not once per request (issue 6).
//!
//! An entry is the body, the version of the state it was encoded from (the model bumps the version
//! with every write) and a key for whatever else the body depends on (the record, a query, whether
//! a part of the answer is included). A body is served only for exactly its version and key, so a
//! request never sees a state older, or newer, than the view it took; a request that took an older
//! view and finishes late never pushes a newer body out. Reads are one atomic load and a reference
//! count, never a lock. A caller-dependent answer puts what it depends on in the key or is not
//! cached.
//!
//! - [`BodyCache`]: one entry, for a read whose body grows with the data set and that clients poll
//!   (a whole list, a page of one). A facade keeps one per such route. What it keeps is `Bytes`
//!   unless the facade names another cheaply cloned body (a body with parts left to fill in per
//!   request, behind an `Arc`).
//! - [`EncodedCache`]: a fixed array of such entries picked by a [`CacheKey`]'s hash, for
//!   answers about one record (`GET` one department) where many records are read in turn: memory
//!   stays bounded whatever the data set, and a collision only costs a re-encode.

use std::borrow::Borrow;
use std::hash::BuildHasher;
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use bytes::Bytes;

/// One encoded body, its version and its key.
pub struct BodyCache<K, B = Bytes> {
    slot: ArcSwapOption<Entry<K, B>>,
}

struct Entry<K, B> {
    version: u64,
    key: K,
    body: B,
}

impl<K, B> Default for BodyCache<K, B> {
    fn default() -> Self {
        Self {
            slot: ArcSwapOption::empty(),
        }
    }
}

impl<K, B: Clone> BodyCache<K, B> {
    /// The body encoded from `version` for `key`, if it is the one kept.
    pub fn get<Q>(&self, version: u64, key: &Q) -> Option<B>
    where
        K: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        self.slot
            .load()
            .as_ref()
            .filter(|e| e.version == version && e.key.borrow() == key)
            .map(|e| e.body.clone())
    }

    /// The body encoded from `version`, if the key kept is one that `wanted` accepts: for a key
    /// that a request holds in borrowed pieces, looked up without building it.
    pub fn get_if(&self, version: u64, wanted: impl FnOnce(&K) -> bool) -> Option<B> {
        self.slot
            .load()
            .as_ref()
            .filter(|e| e.version == version && wanted(&e.key))
            .map(|e| e.body.clone())
    }

    /// The body kept for `version` and `key`, or what `encode` makes now, kept for the next
    /// caller. An error from `encode` is passed on and nothing is kept.
    pub fn get_or_encode<Q, E>(
        &self,
        version: u64,
        key: &Q,
        encode: impl FnOnce() -> Result<B, E>,
    ) -> Result<B, E>
    where
        K: Borrow<Q>,
        Q: PartialEq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(body) = self.get(version, key) {
            return Ok(body);
        }
        let body = encode()?;
        self.put(version, key.to_owned(), body.clone());
        Ok(body)
    }

    /// Keeps `body`, unless the entry kept is of a newer version: a request that took an older
    /// view finishing late must not push the newer body out. At the same version the newest key
    /// wins.
    pub fn put(&self, version: u64, key: K, body: B) {
        let fresh = Arc::new(Entry { version, key, body });
        self.slot.rcu(|kept| match kept {
            Some(kept) if kept.version > version => Some(Arc::clone(kept)),
            _ => Some(Arc::clone(&fresh)),
        });
    }
}

/// What a cached body answers: `kind` tells a facade's answers apart (its own constants), `id`
/// is the record, `variant` anything else the bytes depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub kind: u32,
    pub variant: u32,
    pub id: u64,
}

/// Bodies by key, each valid for one state version.
pub struct EncodedCache {
    /// Made on the first body kept: a tenant that is made and never read costs a few words, not
    /// the array (32 KiB at 4 096 slots, per cache, per facade, per tenant).
    slots: std::sync::OnceLock<Box<[BodyCache<CacheKey>]>>,
    len: usize,
    hasher: foldhash::fast::RandomState,
}

impl EncodedCache {
    /// A cache of `slots` entries (rounded up to a power of two, at least one).
    pub fn new(slots: usize) -> Self {
        Self {
            slots: std::sync::OnceLock::new(),
            len: slots.max(1).next_power_of_two(),
            hasher: foldhash::fast::RandomState::default(),
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
        let slots = self
            .slots
            .get_or_init(|| (0..self.len).map(|_| BodyCache::default()).collect());
        slots[self.slot_of(&key)].get_or_encode(version, &key, encode)
    }

    fn slot_of(&self, key: &CacheKey) -> usize {
        (self.hasher.hash_one(key) as usize) & (self.len - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_served_for_its_version_and_key_only_and_never_replaced_by_an_older_one() {
        let cache = BodyCache::default();
        assert_eq!(cache.get(1, &"a"), None);

        cache.put(2, "a", Bytes::from_static(b"two"));
        assert_eq!(cache.get(2, &"a"), Some(Bytes::from_static(b"two")));
        assert_eq!(cache.get(2, &"b"), None);
        assert_eq!(cache.get(1, &"a"), None);
        assert_eq!(cache.get(3, &"a"), None);

        cache.put(1, "a", Bytes::from_static(b"one"));
        assert_eq!(cache.get(1, &"a"), None);
        assert_eq!(cache.get(2, &"a"), Some(Bytes::from_static(b"two")));

        cache.put(2, "b", Bytes::from_static(b"two b"));
        assert_eq!(cache.get(2, &"b"), Some(Bytes::from_static(b"two b")));
        cache.put(3, "a", Bytes::from_static(b"three"));
        assert_eq!(cache.get(3, &"a"), Some(Bytes::from_static(b"three")));
        assert_eq!(cache.get(2, &"b"), None);
    }

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
