//! What Rocket.Chat clients send: each route's ajv schema (`packages/rest-typings`, checked by
//! `check::ajv` so that a bad body gets ajv's exact `invalid-params` message) next to the typed
//! body a handler decodes once the schema, or the route's Meteor `check()`, has passed. Vendor
//! field names of requests appear here (and in `mapping`), not in the handlers.
//!
//! Decoding happens only on writes, after validation, so it cannot refuse what validation let
//! through; reads keep their query as the order-preserving [`Json`] and borrow from it.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Number;

use super::Json;
use crate::facades::rocketchat::check::{Prop, Schema, Ty, nullable, prop};
use crate::facades::rocketchat::error::RcError;
use crate::http::LayerError;

/// A validated body (or part of one) as its typed form. A failure is a bug (the validation
/// before it and the type disagree): logged, and answered as Rocket.Chat's internal error.
pub fn decode<T: DeserializeOwned>(json: &Json) -> Result<T, RcError> {
    serde_json::from_value(json.to_value()).map_err(|e| {
        tracing::error!(error = %e, "a validated Rocket.Chat body did not decode");
        RcError::Layer(LayerError::Internal)
    })
}

const PAGINATION: [Prop; 4] = [
    nullable("count", Ty::Number),
    nullable("offset", Ty::Number),
    nullable("sort", Ty::String),
    nullable("query", Ty::String),
];

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

/// `LivechatUsersManagerGETSchema`.
pub static USERS_LIST_QUERY: Schema = Schema {
    properties: &[
        nullable("text", Ty::String),
        nullable("onlyAvailable", Ty::Boolean),
        nullable("excludeId", Ty::String),
        nullable("showIdleAgents", Ty::Boolean),
        PAGINATION[0],
        PAGINATION[1],
        PAGINATION[2],
        PAGINATION[3],
        nullable("fields", Ty::String),
    ],
    required: &[],
    additional: false,
};

/// `POSTLivechatUsersTypeProps`.
pub static USERS_ADD_BODY: Schema = Schema {
    properties: &[prop("username", Ty::String)],
    required: &["username"],
    additional: false,
};

/// `isUserCreateParamsPOST`.
pub static USER_CREATE_BODY: Schema = Schema {
    properties: &[
        prop("email", Ty::String),
        prop("name", Ty::String),
        prop("password", Ty::String),
        prop("username", Ty::String),
        nullable("active", Ty::Boolean),
        nullable("bio", Ty::String),
        nullable("nickname", Ty::String),
        nullable("statusText", Ty::String),
        nullable("roles", Ty::Strings),
        nullable("joinDefaultChannels", Ty::Boolean),
        nullable("requirePasswordChange", Ty::Boolean),
        nullable("setRandomPassword", Ty::Boolean),
        nullable("sendWelcomeEmail", Ty::Boolean),
        nullable("verified", Ty::Boolean),
        nullable("customFields", Ty::Object(&ANY_OBJECT)),
        nullable("fields", Ty::String),
    ],
    required: &["email", "name", "password", "username"],
    additional: false,
};

static ANY_OBJECT: Schema = Schema {
    properties: &[],
    required: &[],
    additional: true,
};

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

/// `POST livechat/department/:_id/agents` (#12), checked by `Match.ObjectIncluding({upsert:
/// Array, remove: Array})`.
#[derive(Debug, Deserialize)]
pub struct AgentsChange {
    pub upsert: Vec<AgentLink>,
    pub remove: Vec<AgentLink>,
}

/// `POST livechat/users/:type`, checked by [`USERS_ADD_BODY`].
#[derive(Debug, Deserialize)]
pub struct UsersAdd {
    pub username: String,
}

/// `users.create`, checked (and coerced) by [`USER_CREATE_BODY`]: the fields this gateway keeps.
#[derive(Debug, Deserialize)]
pub struct UserCreate {
    pub email: String,
    pub name: String,
    pub password: String,
    pub username: String,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub roles: Option<Vec<String>>,
}

/// `method.call/:method`, checked by `check(body, {message: String})`: the DDP message as text.
#[derive(Debug, Deserialize)]
pub struct MethodCall {
    pub message: String,
}
