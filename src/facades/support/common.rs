//! What the handlers of every Support resource share: the write policy, JSON in and out, and
//! the lookups of the records a path names.

use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::SupportError;
use crate::http::json::{self as strict_json, JsonError};
use crate::http::{LayerError, Request, Response, read_body, respond};
use crate::model::{
    AgentId, Department, DepartmentId, NamePolicy, State, UnknownAgents, WritePolicy,
};

use super::error::JSON_UTF8;

type Result<T, E = SupportError> = std::result::Result<T, E>;

/// Zendesk keeps group names unique ("Name: has already been taken"); deleted groups free their
/// name. Members must be agents.
pub const POLICY: WritePolicy = WritePolicy {
    names: NamePolicy::UniqueAmongActive,
    unknown_agents: UnknownAgents::Reject,
    staff_only: true,
    write_inactive: false,
};

pub fn json(status: StatusCode, value: &impl Serialize) -> Result<Response> {
    Ok(respond(status, JSON_UTF8, Bytes::from(encode(value)?)))
}

/// `value` as compact JSON.
pub fn encode(value: &impl Serialize) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| {
        tracing::error!(error = %e, "encoding a response failed");
        SupportError::Layer(LayerError::Internal)
    })
}

/// Reads a JSON body within the size limit, refusing duplicate keys, into `T`.
pub async fn read_json<T: DeserializeOwned>(request: Request) -> Result<T> {
    let bytes = read_body(request.into_body()).await?;
    strict_json::parse(&bytes).map_err(|e| match e {
        JsonError::Syntax { message, .. } => SupportError::MalformedJson(message),
        JsonError::DuplicateKey(path) => {
            SupportError::MalformedJson(format!("the key '{path}' is given more than once"))
        }
    })
}

/// Any group, deleted ones included (they are shown with `deleted: true`).
pub fn group(view: &State, id: u64) -> Result<&Arc<Department>> {
    view.department(DepartmentId(id))
        .ok_or(SupportError::NotFound)
}

/// A group that is not deleted: a deleted group can no longer be changed.
pub fn live_group(view: &State, id: u64) -> Result<DepartmentId> {
    view.department(DepartmentId(id))
        .filter(|d| d.active)
        .map(|d| d.id)
        .ok_or(SupportError::NotFound)
}

/// A user the Support API shows: any agent or administrator record of the model.
pub fn user(view: &State, id: u64) -> Result<AgentId> {
    view.agent(AgentId(id))
        .map(|a| a.id)
        .ok_or(SupportError::NotFound)
}
