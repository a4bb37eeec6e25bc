//! The Support API's JSON: request and response types, the only place its field names appear.
//! Field order follows Zendesk's documented examples (Groups, Group Memberships, Users).

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

/// A group (`GET /api/v2/groups/{id}`).
#[derive(Debug, Serialize)]
pub struct GroupOut {
    pub url: String,
    pub id: u64,
    pub is_public: bool,
    pub name: String,
    pub description: String,
    pub default: bool,
    pub deleted: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// `{"group": {...}}` as a client sends it. Unknown fields are ignored, as Zendesk does.
#[derive(Debug, Deserialize)]
pub struct GroupEnvelope {
    pub group: Option<GroupIn>,
}

/// The writable fields of a group. `description: null` clears it.
#[derive(Debug, Default, Deserialize)]
pub struct GroupIn {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub description: Option<Option<String>>,
    pub is_public: Option<bool>,
}

/// A group membership (`GET /api/v2/group_memberships/{id}`).
#[derive(Debug, Serialize)]
pub struct MembershipOut {
    pub url: String,
    pub id: u64,
    pub user_id: u64,
    pub group_id: u64,
    pub default: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// `{"group_membership": {...}}` as a client sends it.
#[derive(Debug, Deserialize)]
pub struct MembershipEnvelope {
    pub group_membership: Option<MembershipIn>,
}

/// The fields a client gives to make a membership.
#[derive(Debug, Default, Deserialize)]
pub struct MembershipIn {
    pub user_id: Option<u64>,
    pub group_id: Option<u64>,
}

/// `{"group_memberships": [...]}` for `create_many`.
#[derive(Debug, Deserialize)]
pub struct MembershipsEnvelope {
    pub group_memberships: Option<Vec<MembershipIn>>,
}

/// A job status (`GET /api/v2/job_statuses/{id}`), field order as Zendesk's example.
#[derive(Debug, Serialize)]
pub struct JobStatusOut {
    pub id: String,
    pub url: String,
    pub total: usize,
    pub progress: usize,
    pub status: &'static str,
    pub message: String,
    pub results: Vec<JobResultOut>,
}

/// One item of a job's `results`.
#[derive(Debug, Serialize)]
pub struct JobResultOut {
    pub id: Option<u64>,
    pub index: usize,
    pub action: &'static str,
    pub success: bool,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// A user (`GET /api/v2/users/{id}`): every field of Zendesk's reference, in the order of a
/// captured Zendesk answer (docs/support.md, "Users"). What the model does not keep has
/// Zendesk's value for a user who never set it.
#[derive(Debug, Serialize)]
pub struct UserOut {
    pub id: u64,
    pub url: String,
    pub name: String,
    pub email: String,
    pub created_at: String,
    pub updated_at: String,
    pub time_zone: Option<String>,
    pub iana_time_zone: Option<String>,
    pub phone: Option<String>,
    pub shared_phone_number: Option<bool>,
    pub photo: Option<serde_json::Value>,
    pub locale_id: u64,
    pub locale: &'static str,
    pub organization_id: Option<u64>,
    pub role: &'static str,
    pub verified: bool,
    pub external_id: Option<String>,
    pub tags: [&'static str; 0],
    pub alias: &'static str,
    pub active: bool,
    pub shared: bool,
    pub shared_agent: bool,
    pub last_login_at: Option<String>,
    pub two_factor_auth_enabled: Option<bool>,
    pub signature: &'static str,
    pub details: &'static str,
    pub notes: &'static str,
    pub role_type: Option<u8>,
    pub custom_role_id: Option<u64>,
    pub moderator: bool,
    pub ticket_restriction: Option<&'static str>,
    pub only_private_comments: bool,
    pub restricted_agent: bool,
    pub suspended: bool,
    pub default_group_id: Option<u64>,
    pub report_csv: bool,
    pub user_fields: serde_json::Map<String, serde_json::Value>,
}

/// `{"user": {...}}` as a client sends it. Unknown fields are ignored, as Zendesk does.
#[derive(Debug, Deserialize)]
pub struct UserEnvelope {
    pub user: Option<UserIn>,
}

/// The writable fields of a user this facade keeps. `time_zone: null` clears it.
#[derive(Debug, Default, Deserialize)]
pub struct UserIn {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Option<String>>,
    pub role: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub time_zone: Option<Option<String>>,
    pub default_group_id: Option<u64>,
}

/// A field that was given, as `Some(value)`, `null` being `Some(None)`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `{"group": {...}}`, `{"group_membership": {...}}`: one record under its name.
pub struct One<'a, T> {
    pub key: &'a str,
    pub record: &'a T,
}

impl<T: Serialize> Serialize for One<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.key, self.record)?;
        map.end()
    }
}

/// A list under its name, then how to reach the next page.
pub struct List<'a, T> {
    pub key: &'a str,
    pub records: &'a [T],
    pub paging: Paging,
}

/// The tail of a list: offset pagination's or cursor pagination's (Zendesk, "Pagination").
pub enum Paging {
    /// `next_page`, `previous_page`, `count`.
    Offset {
        next_page: Option<String>,
        previous_page: Option<String>,
        count: usize,
    },
    /// `meta` and `links`.
    Cursor { meta: Meta, links: Links },
}

#[derive(Debug, Serialize)]
pub struct Meta {
    pub has_more: bool,
    pub after_cursor: Option<String>,
    pub before_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Links {
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl<T: Serialize> Serialize for List<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(self.key, self.records)?;
        match &self.paging {
            Paging::Offset {
                next_page,
                previous_page,
                count,
            } => {
                map.serialize_entry("next_page", next_page)?;
                map.serialize_entry("previous_page", previous_page)?;
                map.serialize_entry("count", count)?;
            }
            Paging::Cursor { meta, links } => {
                map.serialize_entry("meta", meta)?;
                map.serialize_entry("links", links)?;
            }
        }
        map.end()
    }
}

/// `{"password": …}` (set) or `{"previous_password": …, "password": …}` (change), as a client
/// sends it (Zendesk, "User Passwords"). No `Debug`: the values are secrets, never logged.
#[derive(Deserialize)]
pub struct PasswordIn {
    pub password: Option<String>,
    pub previous_password: Option<String>,
}

/// `GET /api/v2/users/{id}/password/requirements`.
#[derive(Debug, Serialize)]
pub struct Requirements<'a> {
    pub requirements: &'a [&'a str],
}
