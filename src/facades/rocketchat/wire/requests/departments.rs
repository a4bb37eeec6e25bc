//! The department bodies: `POST livechat/department` (#2), `PUT livechat/department/:_id` (#5),
//! `livechat:saveDepartment`'s department and agents, and `POST livechat/department/:_id/agents`
//! (#12), each with the ajv schema or Meteor `check()` pattern Rocket.Chat runs on it
//! (spec §3.1).
//!
//! Rocket.Chat checks the parts of a department write one after the other, interleaved with
//! look-ups (spec §3.1 #2 steps 3-12), so [`DepartmentWrite`] splits the body into its parts as
//! sent, and each part is decoded once its own check has passed.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, de::IgnoredAny};
use serde_json::{Number, Value};

use crate::facades::rocketchat::check::{Mismatch, Pattern, Schema, Ty, matches, nullable, prop};
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::wire::Json;

use super::PAGINATION;

/// `LivechatDepartmentSchema` (#1, #7): no `fields`, no unknown keys.
pub static DEPARTMENT_LIST_QUERY: Schema = Schema {
    properties: &[
        nullable("text", Ty::String),
        nullable("onlyMyDepartments", Ty::Enum(&["true", "false"])),
        nullable("enabled", Ty::String),
        nullable("excludeDepartmentId", Ty::String),
        nullable("showArchived", Ty::String),
        PAGINATION[0],
        PAGINATION[1],
        PAGINATION[2],
        PAGINATION[3],
    ],
    required: &[],
    additional: false,
};

static DEPARTMENT_DTO: Schema = Schema {
    properties: &[
        prop("enabled", Ty::Boolean),
        prop("name", Ty::String),
        nullable("description", Ty::String),
        prop("showOnRegistration", Ty::Boolean),
        prop("showOnOfflineForm", Ty::Boolean),
        nullable("requestTagBeforeClosingChat", Ty::Boolean),
        nullable("chatClosingTags", Ty::Strings),
        nullable("fallbackForwardDepartment", Ty::String),
        prop("email", Ty::String),
        nullable("departmentsAllowedToForward", Ty::Strings),
        nullable("allowReceiveForwardOffline", Ty::Boolean),
        nullable("offlineMessageChannelName", Ty::String),
        nullable("abandonedRoomsCloseCustomMessage", Ty::String),
        nullable("waitingQueueMessage", Ty::String),
    ],
    required: &[
        "name",
        "email",
        "enabled",
        "showOnRegistration",
        "showOnOfflineForm",
    ],
    additional: true,
};

static AGENT_ITEM: Schema = Schema {
    properties: &[
        prop("agentId", Ty::String),
        nullable("count", Ty::Number),
        nullable("order", Ty::Number),
    ],
    required: &["agentId"],
    additional: false,
};

static DEPARTMENT_UNIT: Schema = Schema {
    properties: &[prop("_id", Ty::String)],
    required: &[],
    additional: false,
};

/// `POSTLivechatDepartmentSchema` (#2, spec §3.1).
pub static DEPARTMENT_CREATE_BODY: Schema = Schema {
    properties: &[
        prop("department", Ty::Object(&DEPARTMENT_DTO)),
        nullable("agents", Ty::ObjectArray(&AGENT_ITEM)),
        prop("departmentUnit", Ty::Object(&DEPARTMENT_UNIT)),
    ],
    required: &["department"],
    additional: false,
};

/// The typed #14 route's query.
pub static AGENT_DEPARTMENTS_QUERY: Schema = Schema {
    properties: &[nullable("enabledDepartmentsOnly", Ty::String)],
    required: &[],
    additional: false,
};

/// `GETLivechatConfigParamsSchema` of `livechat/config` (`apps/meteor/app/livechat/server/api/v1/
/// config.ts`): `token`, `department`, `businessUnit`, nothing else.
pub static CONFIG_QUERY: Schema = Schema {
    properties: &[
        nullable("token", Ty::String),
        nullable("department", Ty::String),
        nullable("businessUnit", Ty::String),
    ],
    required: &[],
    additional: false,
};

// ---------------------------------------------------------------------------------------------
// The write, split.

/// `{department, agents, departmentUnit}` of create (#2, checked by [`DEPARTMENT_CREATE_BODY`])
/// and update (#5, checked by [`DepartmentWrite::check_update`]), split into its parts as sent.
#[derive(Debug, Clone, Copy)]
pub struct DepartmentWrite<'a> {
    /// The department fields; Rocket.Chat's `null` when absent.
    pub department: &'a Json,
    /// Whether the body had a `department` at all (an update reads its agents only then).
    pub has_department: bool,
    /// The agents to upsert; `null` is no list.
    pub agents: Option<&'a Json>,
}

static NULL: Json = Json::Null;

impl<'a> DepartmentWrite<'a> {
    pub fn split(body: &'a Json) -> Self {
        let department = body.get("department");
        DepartmentWrite {
            department: department.unwrap_or(&NULL),
            has_department: department.is_some(),
            agents: body.get("agents").filter(|a| **a != Json::Null),
        }
    }

    /// The update route's `check(this.bodyParams, {department: Object, agents: Match.Maybe(Array),
    /// departmentUnit: Match.Maybe({_id: Match.Optional(String)})})` (spec §3.1 #5 step 1).
    pub fn check_update(body: &Json) -> Result<(), RcError> {
        let pattern = Pattern::Object {
            keys: vec![
                ("department", Pattern::AnyObject),
                ("agents", Pattern::Maybe(Box::new(Pattern::AnyArray))),
                (
                    "departmentUnit",
                    Pattern::Maybe(Box::new(Pattern::Object {
                        keys: vec![("_id", Pattern::Optional(Box::new(Pattern::String)))],
                        including: false,
                    })),
                ),
            ],
            including: false,
        };
        Ok(matches(Some(body), &pattern)?)
    }
}

// ---------------------------------------------------------------------------------------------
// The department fields.

/// Keys that describe the stored document rather than the department; the test helper
/// `disableDepartment` sends a fetched document back with them, and they are never saved.
const COMPUTED_KEYS: &[&str] = &[
    "_id",
    "_updatedAt",
    "numAgents",
    "archived",
    "type",
    "parentId",
    "ancestors",
    "businessHourId",
];

/// `LivechatDepartmentDTO` as `saveDepartment` reads it once [`DepartmentBody::check`] has
/// passed: its fields in document order, so that the first field the model refuses is the
/// first one sent (Rocket.Chat's `Match.Where`s run in that order).
#[derive(Debug, Default)]
pub struct DepartmentBody<'a>(pub Vec<DepartmentField<'a>>);

/// One field of a department body.
#[derive(Debug, PartialEq)]
pub enum DepartmentField<'a> {
    Name(&'a str),
    Enabled(bool),
    Description(&'a str),
    ShowOnRegistration(bool),
    ShowOnOfflineForm(bool),
    Email(&'a str),
    RequestTagBeforeClosingChat(bool),
    ChatClosingTags(Vec<&'a str>),
    /// The fallback department's `_id` as sent.
    FallbackForwardDepartment(&'a str),
    OfflineMessageChannelName(&'a str),
    /// Any other key, stored as sent (an `offlineMessageChannelName` that is not a string, which
    /// only the DDP method lets through, is one of these).
    Custom(&'a str, Value),
}

impl<'a> DepartmentBody<'a> {
    /// `saveDepartment`'s `check(department, defaultValidations)` (spec §3.1 #2 step 5): the
    /// known fields typed, every other key a string, an integer or a boolean. Like `check()`, it
    /// walks the body's keys in document order and reports the first bad one, then the first
    /// missing key.
    pub fn check(department: &Json) -> Result<(), RcError> {
        let strings = || Pattern::ArrayOf(Box::new(Pattern::String));
        let maybe = |pattern| Pattern::Optional(Box::new(pattern));
        let known: [(&str, Pattern); 11] = [
            ("enabled", Pattern::Boolean),
            ("name", Pattern::String),
            ("description", maybe(Pattern::String)),
            ("showOnRegistration", Pattern::Boolean),
            ("email", Pattern::String),
            ("showOnOfflineForm", Pattern::Boolean),
            ("requestTagBeforeClosingChat", maybe(Pattern::Boolean)),
            ("chatClosingTags", maybe(strings())),
            ("fallbackForwardDepartment", maybe(Pattern::String)),
            ("departmentsAllowedToForward", maybe(strings())),
            ("allowReceiveForwardOffline", maybe(Pattern::Boolean)),
        ];
        let scalar = Pattern::OneOf(vec![Pattern::String, Pattern::Integer, Pattern::Boolean]);
        let Json::Object(entries) = department else {
            return matches(Some(department), &Pattern::AnyObject).map_err(RcError::Match);
        };
        for (key, value) in entries {
            let pattern = known
                .iter()
                .find(|(k, _)| k == key)
                .map_or(&scalar, |(_, p)| p);
            matches(Some(value), pattern).map_err(|m| m.under_field(&field_path(key)))?;
        }
        let missing = known.iter().find(|(k, p)| {
            !matches!(p, Pattern::Optional(_)) && !entries.iter().any(|(key, _)| key == k)
        });
        match missing {
            Some((key, _)) => Err(Mismatch::missing_key(key).into()),
            None => Ok(()),
        }
    }

    /// `department.enabled` as JavaScript's truthiness reads it: `saveDepartment` tests it
    /// against an archived department before it checks the body (spec §3.1 #2 step 4).
    pub fn enabled_is_truthy(department: &Json) -> bool {
        match department.get("enabled") {
            Some(Json::Bool(b)) => *b,
            Some(Json::String(s)) => !s.is_empty(),
            Some(Json::Number(n)) => n.as_f64() != Some(0.0),
            Some(Json::Array(_) | Json::Object(_)) => true,
            Some(Json::Null) | None => false,
        }
    }
}

/// A key as Meteor's `check()` names it in a path: identifiers bare, anything else quoted.
fn field_path(key: &str) -> String {
    let identifier = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if identifier {
        key.to_owned()
    } else {
        serde_json::to_string(&[key]).unwrap_or_default()
    }
}

impl<'de> Deserialize<'de> for DepartmentBody<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;

        impl<'de> Visitor<'de> for Fields {
            type Value = DepartmentBody<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a checked department body")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                use DepartmentField as F;
                let mut fields = Vec::new();
                while let Some(key) = map.next_key::<&'de str>()? {
                    let field = match key {
                        "name" => F::Name(map.next_value()?),
                        "enabled" => F::Enabled(map.next_value()?),
                        "description" => F::Description(map.next_value()?),
                        "showOnRegistration" => F::ShowOnRegistration(map.next_value()?),
                        "showOnOfflineForm" => F::ShowOnOfflineForm(map.next_value()?),
                        "email" => F::Email(map.next_value()?),
                        "requestTagBeforeClosingChat" => {
                            F::RequestTagBeforeClosingChat(map.next_value()?)
                        }
                        "chatClosingTags" => F::ChatClosingTags(map.next_value()?),
                        "fallbackForwardDepartment" => {
                            F::FallbackForwardDepartment(map.next_value()?)
                        }
                        "offlineMessageChannelName" => match map.next_value()? {
                            Channel::Name(name) => F::OfflineMessageChannelName(name),
                            Channel::Other(value) => F::Custom(key, value),
                        },
                        computed if COMPUTED_KEYS.contains(&computed) => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                        other => F::Custom(other, map.next_value()?),
                    };
                    fields.push(field);
                }
                Ok(DepartmentBody(fields))
            }
        }

        deserializer.deserialize_map(Fields)
    }
}

/// `offlineMessageChannelName`: kept as the channel only when it is a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Channel<'a> {
    Name(&'a str),
    Other(Value),
}

// ---------------------------------------------------------------------------------------------
// Agent lists.

/// One item of a department's agent list (`agents` of #2 / #5, `upsert` / `remove` of #12),
/// after `updateDepartmentAgents`'s check (spec §3.1 #12 step 3): `agentId` a string, `count` and
/// `order` integers or absent; other keys (`username`) are allowed and not used.
#[derive(Debug, Deserialize)]
pub struct AgentLink {
    #[serde(rename = "agentId")]
    pub agent_id: String,
    #[serde(default)]
    pub count: Option<Number>,
    #[serde(default)]
    pub order: Option<Number>,
}

impl AgentLink {
    /// `updateDepartmentAgents`'s check of `{upsert, remove}` (spec §3.1 #12 step 3), the lists
    /// as sent (absent or `null` is no list).
    pub fn check_lists(upsert: Option<&Json>, remove: Option<&Json>) -> Result<(), RcError> {
        let item = Pattern::Object {
            keys: vec![
                ("agentId", Pattern::String),
                ("username", Pattern::Maybe(Box::new(Pattern::String))),
                ("count", Pattern::Maybe(Box::new(Pattern::Integer))),
                ("order", Pattern::Maybe(Box::new(Pattern::Integer))),
            ],
            including: true,
        };
        let list = Pattern::Maybe(Box::new(Pattern::ArrayOf(Box::new(item))));
        matches(upsert, &list).map_err(|m| m.under_field("upsert"))?;
        matches(remove, &list).map_err(|m| m.under_field("remove"))?;
        Ok(())
    }
}

/// `POST livechat/department/:_id/agents` (#12), checked by [`AgentsChange::check`].
#[derive(Debug, Deserialize)]
pub struct AgentsChange {
    pub upsert: Vec<AgentLink>,
    pub remove: Vec<AgentLink>,
}

impl AgentsChange {
    /// The route's `check(this.bodyParams, Match.ObjectIncluding({upsert: Array, remove:
    /// Array}))`, then `saveDepartmentAgents`'s strict `{upsert, remove}`, then
    /// `updateDepartmentAgents`'s check of the items (spec §3.1 #12 steps 1-3).
    pub fn check(body: &Json) -> Result<(), RcError> {
        let including = Pattern::Object {
            keys: vec![("upsert", Pattern::AnyArray), ("remove", Pattern::AnyArray)],
            including: true,
        };
        matches(Some(body), &including)?;
        if let Some((key, _)) = body
            .entries()
            .iter()
            .find(|(k, _)| k != "upsert" && k != "remove")
        {
            return Err(Mismatch::unknown_key(key).into());
        }
        AgentLink::check_lists(body.get("upsert"), body.get("remove"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facades::rocketchat::wire::requests::decode;

    fn json(text: &str) -> Json {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn an_unknown_key_of_the_department_must_be_a_scalar() {
        let body = json(
            r#"{"name":"a","enabled":true,"showOnRegistration":true,"email":"e","showOnOfflineForm":true,"extra":[1]}"#,
        );
        assert_eq!(
            DepartmentBody::check(&body),
            Err(RcError::Match(Mismatch::in_field(
                "Failed Match.OneOf, Match.Maybe or Match.Optional validation",
                "extra"
            )))
        );
    }

    #[test]
    fn a_department_body_keeps_document_order_skips_computed_keys_and_keeps_the_rest() {
        let body = json(
            r#"{"description":"d","_id":"x","name":"n","offlineMessageChannelName":5,"color":"red"}"#,
        );
        let decoded: DepartmentBody = decode(&body).unwrap();
        assert_eq!(
            decoded.0,
            [
                DepartmentField::Description("d"),
                DepartmentField::Name("n"),
                DepartmentField::Custom("offlineMessageChannelName", Value::from(5)),
                DepartmentField::Custom("color", Value::from("red")),
            ]
        );
    }
}
