//! Zopim's JSON: the department and agent objects it sends (spec A2, A4) and the department body it
//! accepts. The only place Zopim's field names appear.

use serde::Serialize;
use serde_json::{Map, Value};

/// A flag written as the documented integer or as a JSON boolean (spec A2), by configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Integer(bool),
    Boolean(bool),
}

impl Serialize for Flag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Flag::Integer(b) => s.serialize_u8(u8::from(b)),
            Flag::Boolean(b) => s.serialize_bool(b),
        }
    }
}

/// A department as Zopim sends it. Keys in the order of the documentation's example.
#[derive(Debug, Serialize)]
pub struct DepartmentOut<'a> {
    pub description: &'a str,
    pub enabled: Flag,
    pub id: u64,
    pub members: Vec<u64>,
    pub name: &'a str,
    pub settings: &'a Map<String, Value>,
}

/// The deprecated `roles` object of an agent.
#[derive(Debug, Serialize)]
pub struct AgentRolesOut {
    pub administrator: bool,
    pub owner: bool,
}

/// An agent as Zopim sends it (spec A4). `departments` and `enabled_departments` are derived
/// from memberships.
#[derive(Debug, Serialize)]
pub struct AgentOut<'a> {
    pub create_date: String,
    pub departments: Vec<u64>,
    pub display_name: &'a str,
    pub email: &'a str,
    pub enabled: Flag,
    pub enabled_departments: Vec<u64>,
    pub first_name: &'a str,
    pub id: u64,
    pub last_name: &'a str,
    pub role_id: u8,
    pub roles: AgentRolesOut,
    pub skills: [u64; 0],
}

/// A department body as sent to create or update. Absent keys are `None`.
#[derive(Debug, Default, PartialEq)]
pub struct DepartmentBody {
    /// `Some(None)` for an explicit `null`.
    pub name: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub members: Option<Vec<u64>>,
    pub settings: Option<Map<String, Value>>,
    /// zenpy's flattened keys: `"settings.chat_enabled": true` (spec A3, A9), in key order (serde_json
    /// keeps object keys sorted), so conflicting paths resolve the same way every time.
    pub settings_paths: Vec<(Vec<String>, Value)>,
}

/// A field with a value of the wrong type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: &'static str,
}

impl DepartmentBody {
    /// Reads the known keys of a JSON object; unknown keys (and the read-only `id`) are ignored.
    pub fn from_object(object: Map<String, Value>) -> Result<Self, FieldError> {
        let mut body = DepartmentBody::default();
        for (key, value) in object {
            let bad = |reason| FieldError {
                field: key.clone(),
                reason,
            };
            match key.as_str() {
                "name" => {
                    body.name = Some(optional_string(value).map_err(|_| bad("must be a string"))?)
                }
                "description" => {
                    body.description =
                        Some(optional_string(value).map_err(|_| bad("must be a string or null"))?)
                }
                "enabled" => {
                    body.enabled =
                        Some(flag(&value).ok_or_else(|| bad("must be 0, 1, true or false"))?)
                }
                "members" => {
                    body.members =
                        Some(ids(&value).ok_or_else(|| bad("must be an array of agent ids"))?)
                }
                "settings" => match value {
                    Value::Object(map) => body.settings = Some(map),
                    _ => return Err(bad("must be an object")),
                },
                dotted if dotted.starts_with("settings.") => {
                    let path: Vec<String> = dotted["settings.".len()..]
                        .split('.')
                        .map(str::to_owned)
                        .collect();
                    if path.iter().any(String::is_empty) {
                        return Err(bad("is not a valid settings key path"));
                    }
                    body.settings_paths.push((path, value));
                }
                _ => {}
            }
        }
        Ok(body)
    }
}

/// An agent body as sent to create or update (spec A4): the writable fields, and `password` (the
/// docs: "required during creation"). Absent keys are `None`. The read-only fields (`id`,
/// `departments`, `enabled_departments`, `roles`, `skills`, `create_date`, ...) and unknown keys
/// are ignored, as for departments: zenpy strips `id` but sends whatever else was set.
#[derive(Debug, Default, PartialEq)]
pub struct AgentBody {
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub enabled: Option<bool>,
    pub role_id: Option<u64>,
    pub password: Option<String>,
}

impl AgentBody {
    /// Reads the known keys of a JSON object. A `null` counts as absent: none of these fields can
    /// be cleared, and zenpy sends `null` only for an attribute its caller set to `None`.
    pub fn from_object(object: Map<String, Value>) -> Result<Self, FieldError> {
        let mut body = AgentBody::default();
        for (key, value) in object {
            if value.is_null() {
                continue;
            }
            let bad = |reason| FieldError {
                field: key.clone(),
                reason,
            };
            let text = |value: Value| match value {
                Value::String(s) => Ok(Some(s)),
                _ => Err(bad("must be a string")),
            };
            match key.as_str() {
                "display_name" => body.display_name = text(value)?,
                "first_name" => body.first_name = text(value)?,
                "last_name" => body.last_name = text(value)?,
                "email" => body.email = text(value)?,
                "password" => body.password = text(value)?,
                "enabled" => {
                    body.enabled =
                        Some(flag(&value).ok_or_else(|| bad("must be 0, 1, true or false"))?)
                }
                "role_id" => {
                    body.role_id = Some(value.as_u64().ok_or_else(|| bad("must be a role id"))?)
                }
                _ => {}
            }
        }
        Ok(body)
    }
}

/// A role as `GET /roles` shows it (the Chat API's Roles page): the built-in roles only.
#[derive(Debug, Serialize)]
pub struct RoleOut {
    pub description: &'static str,
    pub enabled: bool,
    pub id: u64,
    pub members_count: usize,
    pub name: &'static str,
    pub permissions: &'static RolePermissions,
}

/// A role's permissions object (the Chat API's Roles page, "Permissions"), as the built-in
/// roles hold them. Only the permissions whose names and types the page shows in the copies read
/// (docs/decisions.md); the model has no chats, bans or visitors, so none of them is enforced.
#[derive(Debug, Serialize)]
pub struct RolePermissions {
    pub visitors_seen: &'static str,
    pub proactive_chatting: &'static str,
    pub edit_visitor_information: bool,
    pub edit_visitor_notes: bool,
    pub view_past_chats: &'static str,
    pub edit_chat_tags: bool,
    pub manage_bans: &'static str,
    pub access_analytics: &'static str,
    pub view_monitor: &'static str,
}

/// The account as `GET /account` shows it (the Chat API's Accounts page). Keys in the order of
/// the documentation's example.
#[derive(Debug, Serialize)]
pub struct AccountOut {
    pub account_key: String,
    pub billing: Map<String, Value>,
    pub create_date: String,
    pub plan: Map<String, Value>,
    pub status: &'static str,
}

fn optional_string(value: Value) -> Result<Option<String>, ()> {
    match value {
        Value::String(s) => Ok(Some(s)),
        Value::Null => Ok(None),
        _ => Err(()),
    }
}

/// `enabled` is documented as 0/1 but sent as a boolean by real clients (spec A2); the string forms
/// come from form-minded clients.
fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.as_str() {
            "0" | "false" => Some(false),
            "1" | "true" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

fn ids(value: &Value) -> Option<Vec<u64>> {
    value.as_array()?.iter().map(Value::as_u64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Result<DepartmentBody, FieldError> {
        DepartmentBody::from_object(v.as_object().unwrap().clone())
    }

    #[test]
    fn enabled_is_read_from_integers_booleans_and_their_strings() {
        for (given, read) in [
            (json!(1), true),
            (json!(0), false),
            (json!(true), true),
            (json!("0"), false),
        ] {
            assert_eq!(
                body(json!({ "enabled": given })).unwrap().enabled,
                Some(read)
            );
        }
        assert_eq!(
            body(json!({"enabled": 2})).unwrap_err(),
            FieldError {
                field: "enabled".into(),
                reason: "must be 0, 1, true or false"
            }
        );
    }

    #[test]
    fn dotted_settings_keys_become_paths_and_unknown_keys_are_ignored() {
        let parsed =
            body(json!({"settings.chat_enabled": true, "id": 9, "colour": "red"})).unwrap();
        assert_eq!(
            parsed.settings_paths,
            vec![(vec!["chat_enabled".to_owned()], json!(true))]
        );
        assert_eq!(parsed.name, None);
    }

    #[test]
    fn members_must_be_non_negative_integers() {
        assert!(body(json!({"members": [1, "2"]})).is_err());
        assert!(body(json!({"members": [-1]})).is_err());
        assert_eq!(body(json!({"members": []})).unwrap().members, Some(vec![]));
    }
}
