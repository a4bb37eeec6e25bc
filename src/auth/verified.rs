//! A bounded memory of passwords that verified recently, so that a front door whose clients send
//! their password with every request (HTTP Basic) pays the Argon2 cost once per password and not
//! once per request.
//!
//! Safe by construction:
//! - an entry binds the agent, the password presented and the stored hash string, so a password
//!   change (a new hash, with a new salt) can never match an old entry, and nothing has to be
//!   invalidated by hand;
//! - only successes are remembered, so every wrong guess still pays the full Argon2 cost;
//! - what is kept is a SHA-256 keyed with a random per-process secret, never the password nor a
//!   plain fast hash of it that could be brute-forced from a memory dump;
//! - the size is bounded: when full, an arbitrary entry makes room (the price of an eviction is
//!   one more Argon2 verification).
//!
//! `dashmap` (the user's suggested container) fits here: lookups from many requests at once, no
//! need to publish several changes together as the store must.

use dashmap::DashSet;
use sha2::{Digest, Sha256};

use super::verify_password;
use crate::model::{AgentId, PasswordHash};

/// Most entries kept by default: 40 bytes each.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// Passwords known to match their agent's current hash.
pub struct VerifiedPasswords {
    /// Keys the digests, so that they are useless outside this process.
    secret: [u8; 32],
    entries: DashSet<(AgentId, [u8; 32])>,
    capacity: usize,
}

impl VerifiedPasswords {
    /// An empty memory holding at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            secret: rand::random(),
            entries: DashSet::new(),
            capacity: capacity.max(1),
        }
    }

    /// Whether `password` was verified against exactly this stored hash of this agent, without
    /// running Argon2. Cheap; safe to call on an async worker.
    pub fn remembers(&self, agent: AgentId, hash: &PasswordHash, password: &str) -> bool {
        self.entries.contains(&self.entry(agent, hash, password))
    }

    /// Whether `password` matches the stored hash: from memory when it verified before, otherwise
    /// by Argon2 (tens of milliseconds: call it off the async workers), remembering a success.
    pub fn verify(&self, agent: AgentId, hash: &PasswordHash, password: &str) -> bool {
        let entry = self.entry(agent, hash, password);
        if self.entries.contains(&entry) {
            return true;
        }
        if !verify_password(hash, password) {
            return false;
        }
        if self.entries.len() >= self.capacity {
            // Copied out first: removing while a shard's read guard is held would deadlock.
            let victim = self.entries.iter().next().map(|e| *e);
            if let Some(victim) = victim {
                self.entries.remove(&victim);
            }
        }
        self.entries.insert(entry);
        true
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// SHA-256 over the secret, the stored hash (length-prefixed, so that no stored hash and
    /// password can be shifted into another pair) and the password.
    fn entry(&self, agent: AgentId, hash: &PasswordHash, password: &str) -> (AgentId, [u8; 32]) {
        let mut digest = Sha256::new();
        digest.update(self.secret);
        digest.update((hash.as_str().len() as u64).to_be_bytes());
        digest.update(hash.as_str().as_bytes());
        digest.update(password.as_bytes());
        (agent, digest.finalize().into())
    }
}

impl Default for VerifiedPasswords {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::hash_password;

    #[test]
    fn a_verified_password_is_remembered_and_a_wrong_one_never_is() {
        let memory = VerifiedPasswords::default();
        let hash = hash_password("s3cret").unwrap();

        assert!(!memory.verify(AgentId(1), &hash, "wrong"));
        assert!(memory.is_empty());
        assert!(!memory.remembers(AgentId(1), &hash, "s3cret"));
        assert!(memory.verify(AgentId(1), &hash, "s3cret"));

        assert!(memory.remembers(AgentId(1), &hash, "s3cret"));
        assert!(!memory.remembers(AgentId(2), &hash, "s3cret"));
        assert!(!memory.remembers(AgentId(1), &hash, "s3cret "));
    }

    #[test]
    fn a_changed_password_no_longer_matches_what_was_remembered() {
        let memory = VerifiedPasswords::default();
        let old = hash_password("old").unwrap();
        assert!(memory.verify(AgentId(1), &old, "old"));

        let new = hash_password("new").unwrap();

        assert!(!memory.remembers(AgentId(1), &new, "old"));
        assert!(!memory.verify(AgentId(1), &new, "old"));
        assert!(memory.verify(AgentId(1), &new, "new"));
    }

    #[test]
    fn the_memory_never_grows_past_its_capacity() {
        let memory = VerifiedPasswords::new(2);
        let hash = hash_password("pw").unwrap();

        for agent in 1..=5 {
            assert!(memory.verify(AgentId(agent), &hash, "pw"));
        }

        assert_eq!(memory.len(), 2);
        assert!(memory.remembers(AgentId(5), &hash, "pw"));
    }
}
