//! Rocket.Chat's JSON: the documents it sends (spec §2.1, §4, §7) and the order-preserving reader
//! for what it receives. The only place Rocket.Chat's field names appear.
//!
//! Every struct here serializes its fields in declaration order and ends with `success`, because
//! `API.v1.success()` appends `success` to the handler's object last (spec §0).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::http::{JSON, Response, respond};

pub mod config;
mod deserializer;
pub mod requests;
pub mod units;

/// Writes `value` as JSON with the headers Rocket.Chat's router sets on every answer: exactly
/// `application/json` (supertest compares the whole string), `Cache-Control: no-store` and
/// `Pragma: no-cache` (spec §0, `router.ts`).
pub fn json_response(status: http::StatusCode, value: &impl Serialize) -> Response {
    match encode(value) {
        Ok(bytes) => bytes_response(status, bytes),
        Err(()) => bytes_response(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            Bytes::from_static(br#"{"success":false,"error":"Internal server error"}"#),
        ),
    }
}

/// A value as Rocket.Chat's JSON; a failure is logged (it is a bug: every body type encodes).
pub fn encode(value: &impl Serialize) -> Result<Bytes, ()> {
    serde_json::to_vec(value).map(Bytes::from).map_err(|e| {
        tracing::error!(error = %e, "encoding a response failed");
    })
}

/// An encoded JSON body with the headers Rocket.Chat's API sends with every answer.
pub fn bytes_response(status: http::StatusCode, bytes: Bytes) -> Response {
    let mut response = respond(status, JSON, bytes);
    let headers = response.headers_mut();
    const NO_STORE: http::HeaderValue = http::HeaderValue::from_static("no-store");
    const NO_CACHE: http::HeaderValue = http::HeaderValue::from_static("no-cache");
    headers.insert(http::header::CACHE_CONTROL, NO_STORE);
    headers.insert(http::header::PRAGMA, NO_CACHE);
    response
}

// ---------------------------------------------------------------------------------------------
// Input: JSON that remembers key order.

/// A JSON value whose objects keep their keys in document order. Meteor's `check()` walks an
/// object's own keys in that order and reports the first bad one, and ajv reports the first
/// additional property it meets, so the order decides which error a client sees.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        match self {
            Json::Object(entries) => entries
                .iter_mut()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Json)] {
        match self {
            Json::Object(entries) => entries,
            _ => &[],
        }
    }

    /// The JavaScript `typeof` of this value, as Meteor's error messages name it.
    pub fn type_of(&self) -> &'static str {
        match self {
            Json::Null | Json::Array(_) | Json::Object(_) => "object",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
        }
    }

    /// The same value as a plain `serde_json::Value` (key order no longer matters there).
    pub fn to_value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.clone()),
            Json::String(s) => Value::String(s.clone()),
            Json::Array(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Object(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    map.insert(k.clone(), v.to_value());
                }
                Value::Object(map)
            }
        }
    }

    /// From a plain value (query strings are parsed into those).
    pub fn from_value(value: Value) -> Json {
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Number(n) => Json::Number(n),
            Value::String(s) => Json::String(s),
            Value::Array(items) => Json::Array(items.into_iter().map(Json::from_value).collect()),
            Value::Object(map) => Json::Object(
                map.into_iter()
                    .map(|(k, v)| (k, Json::from_value(v)))
                    .collect(),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct JsonVisitor;

        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
                Number::from_f64(v)
                    .map(Json::Number)
                    .ok_or_else(|| E::custom("not a finite number"))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::String(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Json, E> {
                Ok(Json::String(v))
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut entries: Vec<(String, Json)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Json>()? {
                    // As JSON.parse: a repeated key keeps its first place and its last value.
                    match entries.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = value,
                        None => entries.push((key, value)),
                    }
                }
                Ok(Json::Object(entries))
            }
        }

        deserializer.deserialize_any(JsonVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Output: departments and links (spec §4).

/// `ILivechatDepartment` as the collection stores it: `_id` first (MongoDB puts it there), the
/// saved fields, the extra scalar fields a client stored, then the counters and `_updatedAt`.
#[derive(Debug, Serialize)]
pub struct DepartmentOut<'a> {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: &'a str,
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(rename = "showOnRegistration")]
    pub show_on_registration: bool,
    #[serde(rename = "showOnOfflineForm")]
    pub show_on_offline_form: bool,
    /// Always a string: `saveDepartment` checks `email: String`; a department made through
    /// another facade without one shows `""`.
    pub email: &'a str,
    #[serde(
        rename = "requestTagBeforeClosingChat",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_tag_before_closing_chat: Option<bool>,
    #[serde(rename = "chatClosingTags", skip_serializing_if = "Option::is_none")]
    pub chat_closing_tags: Option<&'a [String]>,
    #[serde(
        rename = "fallbackForwardDepartment",
        skip_serializing_if = "Option::is_none"
    )]
    pub fallback_forward_department: Option<String>,
    #[serde(
        rename = "offlineMessageChannelName",
        skip_serializing_if = "Option::is_none"
    )]
    pub offline_message_channel_name: Option<&'a str>,
    #[serde(flatten)]
    pub custom: Cow<'a, BTreeMap<String, Value>>,
    /// `"d"`: the Enterprise model's `createOrUpdateDepartment` sets it on every save.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(rename = "numAgents", skip_serializing_if = "Option::is_none")]
    pub num_agents: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    #[serde(rename = "_updatedAt")]
    pub updated_at: String,
    /// The unit the department belongs to (Enterprise), `$set` after the department was saved.
    #[serde(rename = "parentId", skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ancestors: Option<[String; 1]>,
}

/// `ILivechatDepartmentAgents`, a department-agent link (spec §4).
#[derive(Debug, Serialize)]
pub struct LinkOut<'a> {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "agentId")]
    pub agent_id: &'a str,
    #[serde(rename = "departmentId")]
    pub department_id: String,
    pub username: &'a str,
    #[serde(rename = "departmentEnabled")]
    pub department_enabled: bool,
    pub count: i64,
    pub order: i64,
    #[serde(rename = "_updatedAt")]
    pub updated_at: String,
}

/// A link with its department's name, as `findDepartmentsOfAgent` projects it (spec §3.1 #14).
#[derive(Debug, Serialize)]
pub struct AgentDepartmentOut<'a> {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "agentId")]
    pub agent_id: &'a str,
    #[serde(rename = "departmentId")]
    pub department_id: String,
    #[serde(rename = "departmentName")]
    pub department_name: &'a str,
    pub username: &'a str,
    pub count: i64,
    pub order: i64,
    #[serde(rename = "departmentEnabled")]
    pub department_enabled: bool,
    #[serde(rename = "_updatedAt")]
    pub updated_at: String,
}

/// `{_id, name}`, the autocomplete projection.
#[derive(Debug, Serialize)]
pub struct NameOut<'a> {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: &'a str,
}

// ---------------------------------------------------------------------------------------------
// Output: users.

/// One address of `emails`.
#[derive(Debug, Serialize)]
pub struct EmailOut<'a> {
    pub address: &'a str,
    pub verified: bool,
}

/// A livechat agent as `findAgentsWithDepartments` projects it.
#[derive(Debug, Serialize)]
pub struct AgentListItem<'a> {
    #[serde(rename = "_id")]
    pub id: &'a str,
    pub username: &'a str,
    pub name: &'a str,
    pub status: &'a str,
    #[serde(rename = "statusLivechat")]
    pub status_livechat: &'a str,
    pub emails: [EmailOut<'a>; 1],
    pub departments: Vec<String>,
}

/// `_.pick(user, '_id', 'username', 'name', 'status', 'statusLivechat', 'emails', 'livechat')`.
#[derive(Debug, Serialize)]
pub struct AgentOut<'a> {
    #[serde(rename = "_id")]
    pub id: &'a str,
    pub username: &'a str,
    pub name: &'a str,
    pub status: &'a str,
    #[serde(rename = "statusLivechat", skip_serializing_if = "Option::is_none")]
    pub status_livechat: Option<&'a str>,
    pub emails: [EmailOut<'a>; 1],
}

/// `{_id, username}`, what `addAgent` returns (its lookup projects only those).
#[derive(Debug, Serialize)]
pub struct UserRef<'a> {
    #[serde(rename = "_id")]
    pub id: &'a str,
    pub username: &'a str,
}

/// A user as `users.create` returns it (services stripped).
#[derive(Debug, Serialize)]
pub struct CreatedUser<'a> {
    #[serde(rename = "_id")]
    pub id: &'a str,
    #[serde(rename = "createdAt")]
    pub created_at: String,
    pub username: &'a str,
    pub emails: [EmailOut<'a>; 1],
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub status: &'a str,
    pub active: bool,
    pub roles: Vec<&'static str>,
    pub name: &'a str,
    #[serde(rename = "_updatedAt")]
    pub updated_at: String,
    pub settings: Map<String, Value>,
}

/// `me` of the login answer: `getUserInfo` (`apps/meteor/app/api/server/helpers/getUserInfo.ts`)
/// of the user's default fields (`getDefaultUserFields`, spec §2.1): the document's fields, then
/// `email`, `settings`, `avatarUrl`, `isOAuthUser` and `services` in that order.
#[derive(Debug, Serialize)]
pub struct Me<'a> {
    #[serde(rename = "_id")]
    pub id: &'a str,
    pub username: &'a str,
    pub name: &'a str,
    pub emails: [EmailOut<'a>; 1],
    pub status: &'a str,
    #[serde(rename = "statusConnection")]
    pub status_connection: &'a str,
    #[serde(rename = "statusLivechat", skip_serializing_if = "Option::is_none")]
    pub status_livechat: Option<&'a str>,
    pub active: bool,
    pub roles: Vec<&'static str>,
    #[serde(rename = "_updatedAt")]
    pub updated_at: String,
    pub email: &'a str,
    pub settings: MeSettings,
    #[serde(rename = "avatarUrl")]
    pub avatar_url: String,
    #[serde(rename = "isOAuthUser")]
    pub is_oauth_user: bool,
    pub services: MeServices,
}

/// `settings` of `me`: the user's preferences over the `Accounts_Default_User_Preferences_*`
/// settings, and the calendar settings (`{}` while Outlook's calendar is off).
#[derive(Debug, Serialize)]
pub struct MeSettings {
    pub profile: serde_json::Map<String, Value>,
    pub preferences: Ordered,
    pub calendar: serde_json::Map<String, Value>,
}

/// An object whose keys keep the order they were given in (a `serde_json` map sorts them).
#[derive(Debug, Default)]
pub struct Ordered(pub Vec<(&'static str, Value)>);

impl Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// `services` of `me`: whether a password is set, never the hash.
#[derive(Debug, Serialize)]
pub struct MeServices {
    pub password: PasswordExists,
}

/// `{exists}`.
#[derive(Debug, Serialize)]
pub struct PasswordExists {
    pub exists: bool,
}

/// `data` of the login answer.
#[derive(Debug, Serialize)]
pub struct LoginData<'a> {
    #[serde(rename = "userId")]
    pub user_id: &'a str,
    #[serde(rename = "authToken")]
    pub auth_token: &'a str,
    pub me: Me<'a>,
}

/// The whole login answer (spec §2.1).
#[derive(Debug, Serialize)]
pub struct LoginOut<'a> {
    pub status: &'static str,
    pub data: LoginData<'a>,
    pub success: bool,
}

/// The logout answer (restivus's `{status, data: {message}}`).
#[derive(Debug, Serialize)]
pub struct LogoutOut {
    pub status: &'static str,
    pub data: LogoutMessage,
    pub success: bool,
}

#[derive(Debug, Serialize)]
pub struct LogoutMessage {
    pub message: &'static str,
}

// ---------------------------------------------------------------------------------------------
// Envelopes: the handler's object, then `success`.

#[derive(Debug, Serialize)]
pub struct Success {
    pub success: bool,
}

pub const SUCCESS: Success = Success { success: true };

/// `{departments, count, offset, total, success}` and the like.
#[derive(Debug, Serialize)]
pub struct Page<T: Serialize> {
    #[serde(flatten)]
    pub items: Named<T>,
    pub count: usize,
    pub offset: usize,
    pub total: usize,
    pub success: bool,
}

/// One list under its vendor name (`departments`, `agents`, `users`).
#[derive(Debug)]
pub struct Named<T> {
    pub name: &'static str,
    pub items: Vec<T>,
}

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.name, &self.items)?;
        map.end()
    }
}

/// `{<name>: <list>, success}` without pagination.
#[derive(Debug, Serialize)]
pub struct List<T: Serialize> {
    #[serde(flatten)]
    pub items: Named<T>,
    pub success: bool,
}

/// `{department, agents?, success}` (#2, #4, #5).
#[derive(Debug, Serialize)]
pub struct DepartmentAnswer<'a> {
    pub department: Option<DepartmentOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agents: Option<Vec<LinkOut<'a>>>,
    pub success: bool,
}

#[derive(Debug, Serialize)]
pub struct CreationAvailable {
    #[serde(rename = "isDepartmentCreationAvailable")]
    pub available: bool,
    pub success: bool,
}

#[derive(Debug, Serialize)]
pub struct UserAnswer<T: Serialize> {
    pub user: Option<T>,
    pub success: bool,
}

/// `{_id, value, success}` of `GET settings/:_id`.
#[derive(Debug, Serialize)]
pub struct SettingOut<'a> {
    #[serde(rename = "_id")]
    pub id: &'a str,
    pub value: &'a Value,
    pub success: bool,
}

/// One permission document.
#[derive(Debug, Serialize)]
pub struct PermissionOut<'a> {
    #[serde(rename = "_id")]
    pub id: &'a str,
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct PermissionsOut<'a> {
    pub permissions: Vec<PermissionOut<'a>>,
    pub success: bool,
}

/// `permissions.listAll`: `{update, remove, success}`.
#[derive(Debug, Serialize)]
pub struct PermissionsListOut<'a> {
    pub update: Vec<PermissionOut<'a>>,
    pub remove: [u8; 0],
    pub success: bool,
}

/// The DDP-over-REST answer: the DDP result message as a string (spec §3, `method.call`).
#[derive(Debug, Serialize)]
pub struct MethodOut {
    pub message: String,
    pub success: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_their_key_order_and_a_repeated_key_its_first_place() {
        let parsed: Json =
            serde_json::from_str(r#"{"b": 1, "a": {"z": 1, "y": 2}, "b": 3}"#).unwrap();
        let keys: Vec<&str> = parsed.entries().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(parsed.get("b"), Some(&Json::Number(3.into())));
        let inner: Vec<&str> = parsed
            .get("a")
            .unwrap()
            .entries()
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(inner, ["z", "y"]);
    }

    #[test]
    fn a_page_puts_success_last() {
        let page = Page {
            items: Named {
                name: "departments",
                items: vec![1, 2],
            },
            count: 2,
            offset: 0,
            total: 2,
            success: true,
        };
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"departments":[1,2],"count":2,"offset":0,"total":2,"success":true}"#
        );
    }
}

/// `POST livechat/agent.status`'s answer: the agent's `statusLivechat` after the call.
#[derive(Debug, Serialize)]
pub struct AgentStatusOut {
    pub status: &'static str,
    pub success: bool,
}
