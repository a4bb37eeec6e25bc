//! Identifiers of the canonical model.
//!
//! Integer ids (`DepartmentId`, `AgentId`) are handed out by the store from counters that only grow,
//! so an id is never reused, even after a delete. The opaque string ids exist so that a facade whose
//! vendor addresses records by string can do so: an [`ObjectId`] is 12 bytes shown as 24 lowercase
//! hex digits (a MongoDB ObjectId's form), a [`UserUid`] is 17 characters of Meteor's id alphabet.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};

/// A department's integer id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DepartmentId(pub u64);

/// An agent's (user's) integer id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AgentId(pub u64);

/// A membership's integer id (a link between one agent and one department); 0 only in records
/// written before memberships had ids, which get theirs when loaded.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct MembershipId(pub u64);

impl fmt::Display for MembershipId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for DepartmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A 12-byte object id, written as 24 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectId([u8; 12]);

/// The bytes' order, compared as two big-endian integers: the derived order calls `memcmp`,
/// which was the top entry of the start-up profile (sorting and filling the uid indexes).
impl Ord for ObjectId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let key = |id: &ObjectId| {
            let [a, b, c, d, e, f, g, h, i, j, k, l] = id.0;
            (
                u64::from_be_bytes([a, b, c, d, e, f, g, h]),
                u32::from_be_bytes([i, j, k, l]),
            )
        };
        key(self).cmp(&key(other))
    }
}

impl PartialOrd for ObjectId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Why a string is not an id of the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IdError(&'static str);

impl ObjectId {
    /// Parses exactly 24 lowercase hex digits.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const BAD: IdError = IdError("must be 24 lowercase hexadecimal digits");
        // One pass, digit by digit: ids are parsed on every request that names one.
        fn digit(b: u8) -> Option<u8> {
            match b {
                b'0'..=b'9' => Some(b - b'0'),
                b'a'..=b'f' => Some(b - b'a' + 10),
                _ => None,
            }
        }
        let bytes = s.as_bytes();
        if bytes.len() != 24 {
            return Err(BAD);
        }
        let mut out = [0u8; 12];
        for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            *byte = (digit(pair[0]).ok_or(BAD)? << 4) | digit(pair[1]).ok_or(BAD)?;
        }
        Ok(Self(out))
    }

    /// A new id laid out as MongoDB lays out its ObjectIds: 4 bytes of seconds since the epoch,
    /// 5 random bytes fixed per process, a 3-byte counter. Ids made in one process sort by time.
    pub fn generate(now: Timestamp) -> Self {
        static PROCESS: std::sync::OnceLock<[u8; 5]> = std::sync::OnceLock::new();
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let process = PROCESS.get_or_init(rand::random);
        let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
        let secs = (now.unix_millis() / 1000) as u32;
        let mut out = [0u8; 12];
        out[..4].copy_from_slice(&secs.to_be_bytes());
        out[4..9].copy_from_slice(process);
        out[9..].copy_from_slice(&counter.to_be_bytes()[1..]);
        Self(out)
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 24];
        hex::encode_to_slice(self.0, &mut buf).map_err(|_| fmt::Error)?;
        // hex output is always ASCII.
        f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({self})")
    }
}

/// Meteor's `Random.id()` alphabet (`UNMISTAKABLE_CHARS`): no 0, 1, I, O, U, V or l.
const UID_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
const UID_LEN: usize = 17;

/// A user's string id: 17 characters of Meteor's alphabet.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserUid([u8; UID_LEN]);

impl UserUid {
    /// Parses exactly 17 characters of the alphabet.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let bytes = s.as_bytes();
        if bytes.len() != UID_LEN || !bytes.iter().all(|b| UID_ALPHABET.contains(b)) {
            return Err(IdError(
                "must be 17 characters of 23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz",
            ));
        }
        let mut out = [0u8; UID_LEN];
        out.copy_from_slice(bytes);
        Ok(Self(out))
    }

    /// A new random id. Rejection sampling keeps every character equally likely.
    pub fn generate() -> Self {
        let mut out = [0u8; UID_LEN];
        let mut filled = 0;
        while filled < UID_LEN {
            for b in rand::random::<[u8; 32]>() {
                // 55 characters; 220 = 4 * 55 is the largest multiple below 256.
                if b < 220 && filled < UID_LEN {
                    out[filled] = UID_ALPHABET[(b % 55) as usize];
                    filled += 1;
                }
            }
        }
        Self(out)
    }

    pub fn as_str(&self) -> &str {
        // Only alphabet bytes (ASCII) are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The id as a client sends it, compared byte for byte: no UTF-8 check of the stored bytes.
impl PartialEq<str> for UserUid {
    fn eq(&self, other: &str) -> bool {
        self.0[..] == *other.as_bytes()
    }
}

impl fmt::Display for UserUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for UserUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserUid({self})")
    }
}

/// A point in time, in milliseconds since the Unix epoch (UTC). Facades format it as their vendor does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_unix_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub fn now() -> Self {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Self(ms)
    }

    pub fn unix_millis(self) -> i64 {
        self.0
    }

    /// As a `time` value, for formatting; out-of-range values clamp to the epoch.
    pub fn to_offset_date_time(self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_id_round_trips_through_its_hex_form() {
        let id = ObjectId::generate(Timestamp::from_unix_millis(1_700_000_000_000));
        let text = id.to_string();
        assert_eq!(text.len(), 24);
        assert_eq!(ObjectId::parse(&text), Ok(id));
    }

    #[test]
    fn object_ids_sort_as_their_hex_forms_do() {
        let ids: Vec<ObjectId> = [
            "000000000000000000000001",
            "0000000000000000000000ff",
            "00000000000000ff00000000",
            "0000000000000100000000ff",
            "ff0000000000000000000000",
        ]
        .iter()
        .map(|s| ObjectId::parse(s).unwrap())
        .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn object_id_rejects_uppercase_and_wrong_length() {
        assert!(ObjectId::parse("665F1D0EB1D2C3E4F5A6B7CA").is_err());
        assert!(ObjectId::parse("665f1d0eb1d2c3e4f5a6b7c").is_err());
        assert!(ObjectId::parse("test").is_err());
        assert!(ObjectId::parse("665f1d0eb1d2c3e4f5a6b7cg").is_err());
        assert!(ObjectId::parse("g65f1d0eb1d2c3e4f5a6b7ca").is_err());
        // 24 bytes, 12 characters.
        assert!(ObjectId::parse(&"é".repeat(12)).is_err());
    }

    #[test]
    fn generated_user_uids_use_only_meteors_alphabet() {
        for _ in 0..100 {
            let uid = UserUid::generate();
            assert_eq!(UserUid::parse(uid.as_str()), Ok(uid));
        }
    }
}
