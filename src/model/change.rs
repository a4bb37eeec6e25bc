//! Record-level changes: what a write did, as data that can be stored and replayed.
//!
//! A [`Command`](super::Command) cannot be replayed faithfully: applying one reads the clock and
//! draws random string ids. So the store journals what a command *did* instead: the records it
//! put or deleted, as [`Change`]s, computed by diffing the state after the write against the state
//! before it (the persistent maps share all untouched structure, so the diff only visits what the
//! write copied). Replaying the changes of every write in order, or the changes that rebuild a
//! whole state ([`State::to_changes`](super::State::to_changes)), gives the same records and the
//! same indexes.
//!
//! The serde forms here are the on-disk forms. Newtypes decode through their `parse`
//! constructors, so a journal cannot smuggle in a value the model would refuse, and secrets only
//! ever appear as digests and password hashes: a [`PasswordHash`] is a parsed PHC string, and
//! one that does not parse is refused on the way in.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::agent::{Agent, Email, PasswordHash, Presence, Role, RoleSet, TokenDigest, Username};
use super::department::{Department, DepartmentName};
use super::ids::{AgentId, DepartmentId, ObjectId, UserUid};
use super::membership::Membership;
use super::session::Session;
use super::unit::Unit;

/// One record-level change. A batch of them is one write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Change {
    /// Adds the department, or replaces the one with its id.
    PutDepartment(Department),
    /// Removes a department that has no members left.
    DeleteDepartment(DepartmentId),
    /// Adds the agent, or replaces the one with its id; its sessions are changes of their own
    /// and stay as they are. (A new tag: `PutAgent` records, which carried the sessions, are
    /// [`Change::LegacyPutAgent`].)
    #[serde(rename = "PutAgentRecord")]
    PutAgent(Agent),
    /// Read, never written: an agent as journals and snapshots written before sessions had
    /// changes of their own hold it, its whole session list among its tokens. Replay takes those
    /// tokens as the agent's sessions, started when the record was last updated.
    #[serde(rename = "PutAgent")]
    LegacyPutAgent(Agent),
    /// Adds one login session to an agent (a login).
    PutSession(AgentId, Session),
    /// Ends one session of an agent (a logout, an expiry, the oldest past the bound).
    DeleteSession(AgentId, TokenDigest),
    /// Removes an agent that belongs to no department any more.
    DeleteAgent(AgentId),
    /// Adds the link, or replaces the one between the same department and agent.
    PutMembership(Membership),
    DeleteMembership(DepartmentId, AgentId),
    /// Adds the unit, or replaces the one with its id.
    PutUnit(Unit),
    DeleteUnit(ObjectId),
    PutSetting(String, Value),
    RemoveSetting(String),
    /// Adds the contact, or replaces the one with its token.
    PutContact(super::contact::Contact),
    /// Appends a left message.
    AddOfflineMessage(super::contact::OfflineMessage),
    /// The id counters, which may run ahead of the records (ids are never reused).
    NextIds {
        department: u64,
        agent: u64,
        /// Absent (0) in journals written before memberships had ids; replay then keeps the
        /// counter the links it took in left.
        #[serde(default)]
        membership: u64,
    },
}

/// The changes of one write, numbered in commit order from 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub seq: u64,
    /// The state's version after the write, so that recovery gives back the same version
    /// (writes that change no record and failed writes also take a version, so versions do not
    /// follow batch numbers). Absent in journals written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    pub changes: Vec<Change>,
}

/// Serde through the type's string form and its `parse` constructor.
macro_rules! serde_as_str {
    ($ty:ty, |$s:ident| $parse:expr, |$v:ident| $show:expr) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let $v = self;
                serializer.collect_str(&$show)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let $s = String::deserialize(deserializer)?;
                let parsed: Result<$ty, String> = $parse;
                parsed.map_err(D::Error::custom)
            }
        }
    };
}

serde_as_str!(
    ObjectId,
    |s| ObjectId::parse(&s).map_err(|e| e.to_string()),
    |v| v
);
serde_as_str!(
    UserUid,
    |s| UserUid::parse(&s).map_err(|e| e.to_string()),
    |v| v
);
serde_as_str!(
    DepartmentName,
    |s| DepartmentName::parse(&s).map_err(|e| format!("name {e}")),
    |v| v.as_str()
);
serde_as_str!(
    Username,
    |s| Username::parse(&s).map_err(|e| format!("username {e}")),
    |v| v.as_str()
);
serde_as_str!(
    Email,
    |s| Email::parse(&s).map_err(|e| format!("email {e}")),
    |v| v.as_str()
);
serde_as_str!(
    Role,
    |s| Role::parse(&s).ok_or_else(|| format!("unknown role {s:?}")),
    |v| v.as_str()
);
serde_as_str!(
    Presence,
    |s| Presence::parse(&s).ok_or_else(|| format!("unknown presence {s:?}")),
    |v| v.as_str()
);
serde_as_str!(
    TokenDigest,
    |s| {
        let mut out = [0u8; 32];
        hex::decode_to_slice(&s, &mut out)
            .map(|()| TokenDigest(out))
            .map_err(|e| format!("token digest: {e}"))
    },
    |v| hex::encode(v.0)
);

impl Serialize for RoleSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for RoleSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<Role>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

// A clear password cannot reach the disk: a `PasswordHash` is a parsed PHC string, and one read
// back is parsed again.
impl Serialize for PasswordHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PasswordHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        PasswordHash::parse(&s).map_err(|_| D::Error::custom("password hash is not a PHC string"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newtypes_are_checked_when_decoded() {
        assert!(serde_json::from_str::<Email>(r#""no-at-sign""#).is_err());
        assert!(serde_json::from_str::<ObjectId>(r#""XYZ""#).is_err());
        assert!(serde_json::from_str::<DepartmentName>(r#""  ""#).is_err());
        let roles: RoleSet = serde_json::from_str(r#"["owner","agent"]"#).unwrap();
        assert_eq!(
            serde_json::to_string(&roles).unwrap(),
            r#"["owner","agent"]"#
        );
    }

    #[test]
    fn a_password_that_is_not_a_hash_is_neither_made_nor_read() {
        assert!(PasswordHash::parse("admin").is_err());
        assert!(serde_json::from_str::<PasswordHash>(r#""admin""#).is_err());
        let phc = PasswordHash::parse(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        )
        .unwrap();
        let text = serde_json::to_string(&phc).unwrap();
        assert_eq!(serde_json::from_str::<PasswordHash>(&text).unwrap(), phc);
    }
}
