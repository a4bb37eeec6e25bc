//! The administration bodies: `permissions.update` (spec §1.2), `settings/:_id` (spec §6) and
//! DDP over REST, `method.call/:method` with the two methods the e2e suites call (spec §3).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{Loose, decode_lenient};
use crate::facades::rocketchat::check::{Pattern, matches};
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::wire::Json;

/// `permissions.update`, validated by `isBodyParamsValidPermissionUpdate`, an ajv schema without
/// type coercion: `{permissions: [{_id: string, roles: [string]}]}`, every key required and no
/// other allowed. These types are that schema (no defaults, unknown fields denied, a struct read
/// only from an object), so [`PermissionsUpdate::read`] is the validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionsUpdate<'a> {
    #[serde(borrow)]
    pub permissions: Vec<PermissionRoles<'a>>,
}

/// One permission's new role list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionRoles<'a> {
    #[serde(rename = "_id")]
    pub id: &'a str,
    #[serde(borrow)]
    pub roles: Vec<&'a str>,
}

impl<'a> PermissionsUpdate<'a> {
    /// The body, or `error-invalid-body-params`.
    pub fn read(body: &'a Json) -> Result<Self, RcError> {
        Self::deserialize(body).map_err(|_| RcError::InvalidBodyParams)
    }
}

/// `POST settings/:_id {value}`: any value, `null` included; other keys are ignored and the body
/// is not validated.
#[derive(Debug, Default, Deserialize)]
pub struct SettingChange {
    /// `None` when the body has no `value`.
    #[serde(default, deserialize_with = "present")]
    pub value: Option<Value>,
}

/// A field that is there, whatever its value (`null` too).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

// ---------------------------------------------------------------------------------------------
// DDP over REST.

/// `method.call/:method`, checked by [`MethodCall::check`]: the DDP message as text.
#[derive(Debug, Deserialize)]
pub struct MethodCall {
    pub message: String,
}

impl MethodCall {
    /// `check(this.bodyParams, {message: String})`.
    pub fn check(body: &Json) -> Result<(), RcError> {
        let pattern = Pattern::Object {
            keys: vec![("message", Pattern::String)],
            including: false,
        };
        Ok(matches(Some(body), &pattern)?)
    }
}

/// The DDP method message inside [`MethodCall::message`], read as DDP reads it, leniently: `id`
/// is echoed whatever it is, `params` that is not an array is no parameters, and a `method`
/// that is not a string names no method.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DdpMessage<'a> {
    pub id: Value,
    #[serde(deserialize_with = "array_or_nothing")]
    pub params: Vec<Json>,
    #[serde(borrow)]
    method: Loose<'a>,
}

impl<'a> DdpMessage<'a> {
    /// The method's name, `""` if there is none.
    pub fn method(&self) -> &'a str {
        self.method.as_str().unwrap_or_default()
    }
}

fn array_or_nothing<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Json>, D::Error> {
    match Json::deserialize(deserializer)? {
        Json::Array(items) => Ok(items),
        _ => Ok(Vec::new()),
    }
}

/// `livechat:changeLivechatStatus`'s parameter, `{status, agentId}`, which older clients send
/// as the status alone; unchecked, so a field that is not a string is absent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LivechatStatus<'a> {
    #[serde(borrow)]
    status: Loose<'a>,
    #[serde(rename = "agentId", borrow)]
    agent_id: Loose<'a>,
}

impl<'a> LivechatStatus<'a> {
    /// From the method's parameters.
    pub fn read(params: &'a [Json]) -> Result<Self, RcError> {
        match params.first() {
            Some(Json::String(status)) => Ok(LivechatStatus {
                status: Loose::Str(status),
                agent_id: Loose::Other,
            }),
            Some(param) => decode_lenient(param),
            None => Ok(LivechatStatus::default()),
        }
    }

    pub fn status(&self) -> Option<&'a str> {
        self.status.as_str()
    }

    pub fn agent_id(&self) -> Option<&'a str> {
        self.agent_id.as_str()
    }
}
