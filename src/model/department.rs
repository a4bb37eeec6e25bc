//! A department (a Zendesk group, a Rocket.Chat livechat department) and its value types.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ids::{DepartmentId, ObjectId, Timestamp};

/// The longest name accepted, in characters. Classic Zendesk stored names in a 255-character column.
pub const MAX_NAME_CHARS: usize = 255;

/// The longest description accepted, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 65_535;

/// A department's name: not blank, at most [`MAX_NAME_CHARS`] characters, no control characters.
/// Names are not unique in the model (Rocket.Chat allows duplicates); a facade that wants them
/// unique says so in its command's [`NamePolicy`](super::command::NamePolicy).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DepartmentName(Arc<str>);

impl DepartmentName {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        if s.trim().is_empty() {
            return Err("can't be blank");
        }
        if s.chars().count() > MAX_NAME_CHARS {
            return Err("is too long (maximum is 255 characters)");
        }
        if s.chars().any(char::is_control) {
            return Err("must not contain control characters");
        }
        Ok(Self(Arc::from(s)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn shared(&self) -> Arc<str> {
        Arc::clone(&self.0)
    }
}

/// A free-text description: at most [`MAX_DESCRIPTION_CHARS`] characters.
pub fn parse_description(s: &str) -> Result<String, &'static str> {
    description_from(s.to_owned())
}

/// As [`parse_description`], keeping the string it is given.
pub fn description_from(s: String) -> Result<String, &'static str> {
    if s.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err("is too long (maximum is 65535 characters)");
    }
    Ok(s)
}

/// Options that only chat routing uses (closing tags, fallback department, custom fields, unit).
/// Kept in one record so that facades that do not route chats can carry them along untouched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingOptions {
    /// Whether an agent must tag a chat before closing it.
    pub request_tag_before_closing: Option<bool>,
    /// Tags offered when closing a chat.
    pub closing_tags: Option<Vec<String>>,
    /// Where chats go when no agent of this department is available.
    pub fallback_department: Option<DepartmentId>,
    /// Channel that receives offline messages.
    pub offline_message_channel: Option<String>,
    /// The organisational unit this department belongs to.
    pub unit: Option<String>,
    /// Extra scalar fields a client stored on the department, kept verbatim.
    pub custom: BTreeMap<String, Value>,
}

/// A department's settings object, shared between the departments that hold the same one (most
/// hold their vendor's defaults: a fixture of a million departments has a handful of distinct
/// objects). Reads see the map through `Deref`; a write copies it first if it is shared.
///
/// Why shared: a `serde_json` map of even two keys costs about 700 bytes (a whole B-tree node),
/// which was a quarter of a department's memory (docs/decisions.md, "Store").
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Settings(Arc<Map<String, Value>>);

// Serialized as the map itself, so the journal's form is unchanged.
impl Serialize for Settings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Settings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Settings::from)
    }
}

impl Settings {
    /// The shared map, for sharing it with another department.
    pub fn shared(&self) -> &Arc<Map<String, Value>> {
        &self.0
    }
}

impl From<Map<String, Value>> for Settings {
    fn from(map: Map<String, Value>) -> Self {
        Self(Arc::new(map))
    }
}

impl From<Arc<Map<String, Value>>> for Settings {
    fn from(map: Arc<Map<String, Value>>) -> Self {
        Self(map)
    }
}

impl std::ops::Deref for Settings {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Settings {
    fn deref_mut(&mut self) -> &mut Self::Target {
        Arc::make_mut(&mut self.0)
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A department's [`RoutingOptions`], boxed and left out when they are all unset, as they are
/// for every department no routing client has touched: inline they cost 120 bytes per
/// department. Reads see the options through `Deref` (all unset when absent).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Routing(Option<Box<RoutingOptions>>);

/// What an absent [`Routing`] reads as.
static NO_ROUTING: RoutingOptions = RoutingOptions {
    request_tag_before_closing: None,
    closing_tags: None,
    fallback_department: None,
    offline_message_channel: None,
    unit: None,
    custom: BTreeMap::new(),
};

impl From<RoutingOptions> for Routing {
    fn from(options: RoutingOptions) -> Self {
        if options == NO_ROUTING {
            Self(None)
        } else {
            Self(Some(Box::new(options)))
        }
    }
}

impl std::ops::Deref for Routing {
    type Target = RoutingOptions;

    fn deref(&self) -> &RoutingOptions {
        self.0.as_deref().unwrap_or(&NO_ROUTING)
    }
}

impl std::fmt::Debug for Routing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        RoutingOptions::fmt(self, f)
    }
}

// Serialized as the options themselves, so the journal's form is unchanged.
impl Serialize for Routing {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RoutingOptions::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for Routing {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RoutingOptions::deserialize(deserializer).map(Routing::from)
    }
}

/// A department as the store keeps it. Membership is not here: it lives in the store's two
/// membership indexes so that both directions stay one lookup.
///
/// `Eq` matters beyond tests: the store diffs states to journal a write, and `Arc<T: Eq>` compares
/// pointers first, so unchanged records cost nothing to compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Integer id, shared by every facade that uses integers; never reused.
    pub id: DepartmentId,
    /// String id for facades that address records by string.
    pub uid: ObjectId,
    pub name: DepartmentName,
    pub description: Option<String>,
    /// Whether the department takes chats.
    pub enabled: bool,
    /// Contact address; free text, not validated (Rocket.Chat's tests store `bla@bla`).
    pub email: Option<String>,
    /// Offered in the pre-chat registration form.
    pub show_on_registration: bool,
    /// Offered in the offline-message form.
    pub show_on_offline_form: bool,
    /// Whether the department is public: seen by everyone on staff, not only its members. True
    /// unless a client made it private; records stored before the field existed are public.
    #[serde(default = "public_by_default")]
    pub public: bool,
    /// An opaque settings object that clients read back as they wrote it.
    pub settings: Settings,
    pub routing: Routing,
    /// False once destroyed softly or archived: kept, listed where a vendor lists such records,
    /// but no longer assignable.
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When a member was last added or removed (a link written, or an agent leaving or deleted),
    /// if ever: a department's members are not its
    /// fields, so this leaves `updated_at` alone; a vendor that counts members on the record
    /// (Rocket.Chat's `numAgents`) shows the count once it was ever kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_changed_at: Option<Timestamp>,
    /// Whether it was ever made inactive, even if it is active again (Rocket.Chat shows
    /// `archived: false` on a department that was unarchived).
    #[serde(default, skip_serializing_if = "is_false")]
    pub ever_inactive: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn public_by_default() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_may_not_be_blank_too_long_or_hold_control_characters() {
        assert!(DepartmentName::parse("").is_err());
        assert!(DepartmentName::parse("   ").is_err());
        assert!(DepartmentName::parse(&"x".repeat(256)).is_err());
        assert!(DepartmentName::parse("a\u{0}b").is_err());
        assert!(DepartmentName::parse(&"é".repeat(255)).is_ok());
        assert_eq!(
            DepartmentName::parse(" Sales ").unwrap().as_str(),
            " Sales "
        );
    }
}
