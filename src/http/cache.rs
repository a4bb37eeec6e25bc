//! A one-entry cache of an encoded response body, for reads whose body grows with the data set and
//! that clients poll (a whole list, a page of one). A facade keeps one per such route.
//!
//! An entry is the body, the version of the state it was encoded from (the model bumps the version
//! with every write) and a key for whatever else the body depends on (a query). A body is served
//! only for exactly its version and key, so a request never sees a state older, or newer, than the
//! view it took. Reads are one atomic load and a reference count, never a lock.

use std::borrow::Borrow;
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use bytes::Bytes;

pub struct BodyCache<K> {
    slot: ArcSwapOption<Entry<K>>,
}

struct Entry<K> {
    version: u64,
    key: K,
    body: Bytes,
}

impl<K> Default for BodyCache<K> {
    fn default() -> Self {
        Self {
            slot: ArcSwapOption::empty(),
        }
    }
}

impl<K> BodyCache<K> {
    /// The body encoded from `version` for `key`, if it is the one kept.
    pub fn get<Q>(&self, version: u64, key: &Q) -> Option<Bytes>
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

    /// Keeps `body`, unless the entry kept is of a newer version: a request that took an older
    /// view finishing late must not push the newer body out. At the same version the newest key
    /// wins.
    pub fn put(&self, version: u64, key: K, body: Bytes) {
        let fresh = Arc::new(Entry { version, key, body });
        self.slot.rcu(|kept| match kept {
            Some(kept) if kept.version > version => Some(Arc::clone(kept)),
            _ => Some(Arc::clone(&fresh)),
        });
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
}
