//! An agent (a user of the help desk) and its credentials.
//!
//! Secrets are stored only as digests or password hashes; making them is `auth`'s job.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::ids::{AgentId, Timestamp, UserUid};

/// What a user may do, in vendor-neutral terms. Facades map their vendor's role names onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The account owner: everything an administrator may do.
    Owner,
    Administrator,
    /// Manages chat departments and agents without being an administrator.
    Manager,
    /// Watches chat departments (Rocket.Chat's monitor).
    Monitor,
    /// Answers chats and tickets.
    Agent,
    /// A customer: no agent rights at all.
    EndUser,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Owner,
        Role::Administrator,
        Role::Manager,
        Role::Monitor,
        Role::Agent,
        Role::EndUser,
    ];

    /// The role's name in fixtures and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Administrator => "administrator",
            Role::Manager => "manager",
            Role::Monitor => "monitor",
            Role::Agent => "agent",
            Role::EndUser => "end-user",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of roles, one bit each.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RoleSet(u8);

impl RoleSet {
    pub fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    pub fn insert(&mut self, role: Role) {
        self.0 |= role.bit();
    }

    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.contains(*r))
    }

    /// Owner or administrator.
    pub fn is_admin(self) -> bool {
        self.contains(Role::Owner) || self.contains(Role::Administrator)
    }

    /// Anyone who works the help desk (everyone but an end user).
    pub fn is_staff(self) -> bool {
        self.iter().any(|r| r != Role::EndUser)
    }
}

impl FromIterator<Role> for RoleSet {
    fn from_iter<I: IntoIterator<Item = Role>>(iter: I) -> Self {
        let mut set = RoleSet::default();
        for role in iter {
            set.insert(role);
        }
        set
    }
}

impl fmt::Debug for RoleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// An email address: one `@` with text on both sides, no white space, at most 254 bytes.
/// Compared without regard to ASCII case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(Arc<str>);

impl Email {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let valid = s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && matches!(s.split_once('@'), Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
        if !valid {
            return Err("is not a valid email address");
        }
        Ok(Self(Arc::from(s)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key the store indexes emails by.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// A login name: 1 to 64 characters of letters, digits, `.`, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(Arc<str>);

impl Username {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let valid = !s.is_empty()
            && s.chars().count() <= 64
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid {
            return Err("must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        Ok(Self(Arc::from(s)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The SHA-256 digest of an access token. High-entropy tokens need no slow hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenDigest(pub [u8; 32]);

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenDigest(..)")
    }
}

/// Which front door a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenKind {
    /// An OAuth bearer token (`Authorization: Bearer`).
    Bearer,
    /// A long-lived API token used with a user name (`email/token:TOKEN`).
    Api,
    /// A login session token issued by a login call.
    Session,
}

/// One token an agent holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    pub kind: TokenKind,
    pub digest: TokenDigest,
}

/// A password hash in PHC string form (`$argon2id$...`). Only [`PasswordHash::parse`] makes one
/// (`auth::hash_password` hashes, then parses its own output), so a value of this type is never a
/// clear password, and nothing that stores one (the journal, a snapshot) has to check again.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

/// Why a string is not a [`PasswordHash`]: the PHC parser's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hash: {0}")]
pub struct InvalidPasswordHash(String);

impl PasswordHash {
    /// Accepts a PHC string this build can verify against (`$argon2id$v=19$m=...$salt$hash`).
    pub fn parse(phc: &str) -> Result<Self, InvalidPasswordHash> {
        argon2::password_hash::PasswordHash::new(phc)
            .map_err(|e| InvalidPasswordHash(e.to_string()))?;
        Ok(Self(phc.to_owned()))
    }

    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// An agent's secrets, never in the clear (so a journal or snapshot holds none either).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub password: Option<PasswordHash>,
    pub tokens: Vec<AccessToken>,
}

/// Whether a user is at their desk, as chat presence shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Presence {
    Online,
    Away,
    Busy,
    #[default]
    Offline,
}

impl Presence {
    pub const ALL: [Presence; 4] = [
        Presence::Online,
        Presence::Away,
        Presence::Busy,
        Presence::Offline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Busy => "busy",
            Presence::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<Presence> {
        Presence::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A user of the help desk. Departments it belongs to live in the store's membership indexes.
/// (`Eq`: see [`Department`](super::department::Department).)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Integer id; never reused.
    pub id: AgentId,
    /// String id for facades that address users by string.
    pub uid: UserUid,
    pub username: Username,
    /// The name people see.
    pub display_name: String,
    pub email: Email,
    pub roles: RoleSet,
    /// False once deactivated.
    pub active: bool,
    pub time_zone: Option<String>,
    pub presence: Presence,
    /// Whether the agent takes new chats when present.
    pub accepts_chats: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub credentials: Credentials,
}
