//! The reads behind the dashboard (docs/dashboard.md): one tenant's records in one answer (for its
//! tables and membership matrix), and one department as every facade of the tenant serves it,
//! each made by that facade's own encoder
//! ([`Facade::show_department`](crate::http::Facade::show_department)), never re-encoded here.

use http::header::CONTENT_TYPE;
use http_body_util::BodyExt;
use serde::Serialize;

use super::error::ControlError;
use crate::http::Shown;
use crate::model::{DepartmentId, State};
use crate::tenants::Tenant;

/// `GET /_gateway/tenants/{name}/records`.
#[derive(Serialize)]
pub struct Records<'a> {
    tenant: &'a str,
    version: u64,
    departments: Vec<DepartmentRow<'a>>,
    agents: Vec<AgentRow<'a>>,
    memberships: usize,
}

#[derive(Serialize)]
struct DepartmentRow<'a> {
    id: u64,
    uid: String,
    name: &'a str,
    enabled: bool,
    active: bool,
    /// Agent ids, ascending.
    members: Vec<u64>,
}

#[derive(Serialize)]
struct AgentRow<'a> {
    id: u64,
    uid: String,
    username: &'a str,
    display_name: &'a str,
    email: &'a str,
    roles: Vec<&'static str>,
    active: bool,
}

/// Every department and agent of `state`, by id, with each department's members.
pub fn records<'a>(tenant: &'a str, state: &'a State) -> Records<'a> {
    Records {
        tenant,
        version: state.version(),
        departments: state
            .departments()
            .map(|d| DepartmentRow {
                id: d.id.0,
                uid: d.uid.to_string(),
                name: d.name.as_str(),
                enabled: d.enabled,
                active: d.active,
                members: state.members_of(d.id).map(|m| m.agent.0).collect(),
            })
            .collect(),
        agents: state
            .agents()
            .map(|a| AgentRow {
                id: a.id.0,
                uid: a.uid.to_string(),
                username: a.username.as_str(),
                display_name: &a.display_name,
                email: a.email.as_str(),
                roles: a.roles.iter().map(|r| r.as_str()).collect(),
                active: a.active,
            })
            .collect(),
        memberships: state.membership_count(),
    }
}

/// `GET /_gateway/tenants/{name}/departments/{id}/views`.
#[derive(Serialize)]
pub struct Views {
    department: u64,
    version: u64,
    views: Vec<View>,
}

/// One facade's answer: its exact body as a string (every facade writes UTF-8).
#[derive(Serialize)]
struct View {
    facade: &'static str,
    url: String,
    status: u16,
    content_type: String,
    body: String,
}

/// How many times the views are made again when a write lands between two facades' reads.
const CONSISTENT_TRIES: usize = 5;

/// The department `id` as each of the tenant's facades serves it, all from one state version.
pub async fn views(tenant: &Tenant, id: u64, origin: &str) -> Result<Views, ControlError> {
    let facades = tenant.facades().facades().facades();
    for _ in 0..CONSISTENT_TRIES {
        let shown: Vec<(&'static str, Shown)> = facades
            .iter()
            .filter_map(|f| Some((f.name(), f.show_department(id, origin)?)))
            .collect();
        if shown.is_empty() {
            return Err(ControlError::NoSuchDepartment(id));
        }
        let version = shown[0].1.version;
        if shown.iter().any(|(_, s)| s.version != version) {
            continue;
        }
        let mut views = Vec::with_capacity(shown.len());
        for (facade, Shown { url, response, .. }) in shown {
            views.push(view(facade, url, response).await?);
        }
        return Ok(Views {
            department: id,
            version,
            views,
        });
    }
    // Writes kept landing between the reads: a busy tenant, not an error of the caller's.
    Err(ControlError::Layer(crate::http::LayerError::Timeout))
}

async fn view(
    facade: &'static str,
    url: String,
    response: crate::http::Response,
) -> Result<View, ControlError> {
    let (parts, body) = response.into_parts();
    let internal = || ControlError::Layer(crate::http::LayerError::Internal);
    let bytes = body.collect().await.map_err(|_| internal())?.to_bytes();
    Ok(View {
        facade,
        url,
        status: parts.status.as_u16(),
        content_type: parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body: String::from_utf8(bytes.to_vec()).map_err(|_| internal())?,
    })
}

/// The department id in a path: digits only.
pub fn department_id(raw: &str) -> Result<DepartmentId, ControlError> {
    raw.parse()
        .ok()
        .filter(|_| raw.bytes().all(|b| b.is_ascii_digit()))
        .map(DepartmentId)
        .ok_or(ControlError::Layer(crate::http::LayerError::NotFound))
}
