//! Contacts (the people who reach a site's chat widget) and the messages they leave while no one
//! is there. A contact is known by the token its browser made up, may have chosen a department,
//! and is never reused; a left message is kept in the order it arrived.

use serde::{Deserialize, Serialize};

use super::ids::{DepartmentId, Timestamp, UserUid};

/// A contact's token: what its browser made up to know itself again; not blank (its length is
/// bounded by the request body limit, as every other field's).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContactToken(String);

impl ContactToken {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        if s.trim().is_empty() {
            return Err("is blank");
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ContactToken {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ContactToken> for String {
    fn from(t: ContactToken) -> String {
        t.0
    }
}

/// A contact, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub token: ContactToken,
    /// Its string id, unique among contacts.
    pub uid: UserUid,
    /// Its number among the contacts of this state, from 1, never reused.
    pub number: u64,
    pub name: Option<String>,
    /// Lower-cased.
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The department it chose last, if any.
    pub department: Option<DepartmentId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a contact says about itself: `None` leaves a field as it is (or unset, for a new one).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactDetails {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub department: Option<DepartmentId>,
}

/// A message left for a department (or for anyone) while no agent was there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfflineMessage {
    pub name: String,
    pub email: String,
    pub message: String,
    pub department: Option<DepartmentId>,
    /// The site it was left from, when the widget said.
    pub host: Option<String>,
    pub received_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_token_is_refused() {
        assert!(ContactToken::parse("  ").is_err());
        assert!(ContactToken::parse(" x ").is_ok());
        assert_eq!(ContactToken::parse("abc").unwrap().as_str(), "abc");
        assert!(serde_json::from_str::<ContactToken>(r#""""#).is_err());
    }
}
