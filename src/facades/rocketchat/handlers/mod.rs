//! One function per Rocket.Chat action: decode -> command -> encode. [`dispatch`] runs the steps
//! every route shares in Rocket.Chat's order (spec §1.1): route, authentication (401), ajv
//! `validateParams` (400), `permissionsRequired` (403), then the handler, whose own checks
//! (`check()`, `Meteor.Error`s) come in the order the Rocket.Chat handler makes them.
//!
//! The actions live in one file per concern: [`session`] (login, logout), [`department_reads`],
//! [`department_writes`] (`saveDepartment` and the routes built on it), [`widget`] (the
//! livechat config), [`users`] (agents and users), [`methods`] (DDP over REST) and [`admin`]
//! (permissions and settings). This file keeps what every route shares.

mod admin;
mod common;
mod department_reads;
mod department_writes;
mod methods;
mod session;
mod units;
mod users;
mod widget;

use std::borrow::Cow;
use std::sync::Arc;

use http::request::Parts;
use http::{HeaderMap, Method, header};
use percent_encoding::percent_decode_str;
use smallvec::SmallVec;

use super::Context;
use super::auth::{self, Caller};
use super::check;
use super::error::RcError;
use super::mapping;
use super::query;
use super::routes::{Action, Later, Now};
use super::wire::requests::{
    AGENT_DEPARTMENTS_QUERY, AGENT_STATUS_BODY, CONFIG_QUERY, DEPARTMENT_CREATE_BODY,
    DEPARTMENT_LIST_QUERY, USER_CREATE_BODY, USERS_ADD_BODY, USERS_LIST_QUERY,
};
use super::wire::{self, Json};
use crate::http::json::{self as strict_json, JsonError};
use crate::http::{Answer, Body, Request, Response};
use crate::http::{LayerError, read_body};
use crate::model::View;
use admin::{permission_list, save_setting, show_setting, update_permissions};
use common::{Req, Result, ok};
use department_reads::{
    agent_departments, autocomplete, creation_available, department_agents, list_by_ids,
    list_departments, show_department,
};
use department_writes::{
    archive, create_department, delete_department, save_department_agents, update_department,
};
use methods::method_call;
use session::{login, logout};
use users::{
    add_user_of_type, agent_status, create_user, delete_user, list_users, remove_user_of_type,
    set_status, show_user_of_type,
};
use widget::widget_config;

/// Routes, authenticates, validates, authorizes, then runs the action. A `GET` (or `HEAD`) whose
/// route answers [`Action::Now`] is answered during the call; a request with a body to read, or
/// whose route answers [`Action::Later`] (a write, login, logout), is left for later, as work
/// that owns the request.
pub fn dispatch(ctx: &Arc<Context>, request: Request) -> Result<Answer> {
    let (parts, body) = request.into_parts();
    // GET (and HEAD, answered as GET) carry no body to read.
    if matches!(parts.method, Method::GET | Method::HEAD) {
        let view = ctx.store.read();
        let admitted = admit(ctx, &view, &parts)?;
        let (action, req) = complete(ctx, &view, admitted, Json::Object(Vec::new()))?;
        if let Action::Now(action) = action {
            return read(ctx, action, &view, &req).map(Answer::Now);
        }
    }
    Ok(Answer::later_with(
        ctx,
        |ctx| async move { steps(&ctx, parts, body).await },
        RcError::into_response,
    ))
}

/// Every step, the body's reading among them.
async fn steps(ctx: &Context, parts: Parts, body: Body) -> Result<Response> {
    let view = ctx.store.view();
    let admitted = admit(ctx, &view, &parts)?;
    let mut body = if matches!(parts.method, Method::GET | Method::HEAD) {
        Json::Object(Vec::new())
    } else {
        json_body(body, BodyKind::of(&parts.headers)).await?
    };
    let admitted = typed_body(&view, admitted, &mut body)?;
    let (action, req) = complete(ctx, &view, admitted, body)?;
    match action {
        Action::Now(action) => read(ctx, action, &view, &req),
        Action::Later(action) => wait(ctx, action, &view, req).await,
    }
}

/// A request as far as the steps before its body take it: routed, its typed query checked, its
/// caller authenticated.
struct Admitted<'r> {
    action: Action,
    params: SmallVec<[(&'r str, Cow<'r, str>); 2]>,
    query: Json,
    headers: &'r HeaderMap,
    caller: Option<Caller<'r>>,
}

/// Routes, checks the typed query and authenticates: the refusals that come before the body.
fn admit<'r>(ctx: &'r Context, view: &'r View, parts: &'r Parts) -> Result<Admitted<'r>> {
    let matched = ctx.routes.resolve(&parts.method, parts.uri.path())?;
    let action = matched.action;
    // Enterprise routes on a Community server: the router's `license` middleware, first.
    if action.enterprise_only() && ctx.options.edition != super::Edition::Enterprise {
        return Err(RcError::NoLicense);
    }
    let params = matched
        .params
        .iter()
        .map(|(k, v)| match v.contains('%') {
            true => (k, percent_decode_str(v).decode_utf8_lossy()),
            false => (k, Cow::Borrowed(v)),
        })
        .collect();
    let mut query = query::parse(parts.uri.query());

    // The typed routes validate their query before authenticating (spec §1.1, last para;
    // `packages/http-router/src/Router.ts`).
    match action {
        Action::Now(Now::AgentDepartments) => {
            let mut q = query.clone();
            check::ajv(&AGENT_DEPARTMENTS_QUERY, &mut q).map_err(RcError::TypedInvalidParams)?;
        }
        // The handler reads this query as the schema coerced it (`"true"` is `true`).
        Action::Now(Now::ListUsersOfType) => {
            check::ajv(&USERS_LIST_QUERY, &mut query).map_err(RcError::TypedInvalidParams)?;
        }
        _ => {}
    }

    // A typed route with a body checks it first, then authenticates ([`typed_body`]).
    let caller = if action.needs_auth() && !action.typed_body() {
        Some(auth::authenticate(view, &parts.headers)?)
    } else {
        None
    };
    Ok(Admitted {
        action,
        params,
        query,
        headers: &parts.headers,
        caller,
    })
}

/// A typed route's body is checked as its router does, after the query and before
/// authentication (`Router.ts`: the router validates, then the action authenticates).
fn typed_body<'r>(
    view: &'r View,
    mut admitted: Admitted<'r>,
    body: &mut Json,
) -> Result<Admitted<'r>> {
    if !admitted.action.typed_body() {
        return Ok(admitted);
    }
    let schema = match admitted.action {
        Action::Later(Later::AddUserOfType) => &USERS_ADD_BODY,
        _ => return Err(LayerError::Internal.into()),
    };
    check::ajv(schema, body).map_err(RcError::TypedInvalidBody)?;
    if admitted.action.needs_auth() {
        admitted.caller = Some(auth::authenticate(view, admitted.headers)?);
    }
    Ok(admitted)
}

/// With the body: validates the parameters (ajv), then checks the route's permissions.
fn complete<'r>(
    ctx: &Context,
    view: &View,
    admitted: Admitted<'r>,
    body: Json,
) -> Result<(Action, Req<'r>)> {
    let Admitted {
        action,
        params,
        query,
        headers,
        caller,
    } = admitted;
    let grants = caller
        .as_ref()
        .map(|c| {
            ctx.permissions
                .grants(view, mapping::rc_roles(c.agent.roles))
        })
        .unwrap_or_default();
    let mut req = Req {
        params,
        query,
        body,
        headers,
        caller,
        grants,
    };
    validate(action, &mut req)?;
    if action.needs_auth() && !action.permissions().allows(req.grants) {
        return Err(RcError::Forbidden);
    }
    Ok((action, req))
}

/// A request body as Rocket.Chat's router parses it (`packages/http-router/src/Router.ts`,
/// `parseBodyParams`): JSON when the content type says so, a form's fields (each a string, the
/// last of a repeated name winning, as `Object.fromEntries(formData.entries())` keeps it) when it
/// is `application/x-www-form-urlencoded`; an empty, unparsable or other body is `{}` (spec §1.1).
/// A JSON key given twice is refused instead, where `JSON.parse` would keep the last value
/// (docs/decisions.md, "Duplicate JSON keys").
async fn json_body(body: Body, kind: BodyKind) -> Result<Json> {
    let bytes = read_body(body).await?;
    match kind {
        BodyKind::Other => Ok(Json::Object(Vec::new())),
        BodyKind::Form => Ok(form_fields(&bytes)),
        BodyKind::Json => match strict_json::parse(&bytes) {
            Ok(body) => Ok(body),
            Err(JsonError::DuplicateKey(path)) => Err(RcError::DuplicateProperty(path)),
            Err(JsonError::Syntax { .. }) => Ok(Json::Object(Vec::new())),
        },
    }
}

/// How the router reads a body, by its declared content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Other,
}

impl BodyKind {
    /// `contentType?.includes(...)`, in the router's order: `application/json` first, then
    /// (after `multipart/form-data`, whose `FormData` spreads to `{}`) the URL-encoded form.
    fn of(headers: &HeaderMap) -> Self {
        let Some(value) = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
        else {
            return BodyKind::Other;
        };
        // `includes` is case-sensitive; the gateway also accepts any case, as it always has
        // for JSON (a client sending `Application/JSON` means it).
        let value = value.to_ascii_lowercase();
        if value.contains("application/json") {
            BodyKind::Json
        } else if value.contains("multipart/form-data") {
            BodyKind::Other
        } else if value.contains("application/x-www-form-urlencoded") {
            BodyKind::Form
        } else {
            BodyKind::Other
        }
    }
}

/// A URL-encoded form as `Object.fromEntries`: each field a string, a repeated name keeping its
/// first place and its last value.
fn form_fields(bytes: &[u8]) -> Json {
    let mut entries: Vec<(String, Json)> = Vec::new();
    // Where each name sits, so that a body of many fields costs one pass.
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        let value = Json::String(value.into_owned());
        match at.get(name.as_ref()) {
            Some(&i) => entries[i].1 = value,
            None => {
                at.insert(name.clone().into_owned(), entries.len());
                entries.push((name.into_owned(), value));
            }
        }
    }
    Json::Object(entries)
}

/// ajv `validateParams` (`packages/rest-typings`), between authentication and permissions: the
/// routes that declare a schema, and the part of the request it checks.
fn validate(action: Action, req: &mut Req) -> Result<()> {
    let (schema, data) = match action {
        Action::Now(Now::ListDepartments | Now::ListArchived) => {
            (&DEPARTMENT_LIST_QUERY, &mut req.query)
        }
        Action::Later(Later::CreateDepartment) => (&DEPARTMENT_CREATE_BODY, &mut req.body),
        Action::Later(Later::AgentStatus) => (&AGENT_STATUS_BODY, &mut req.body),
        Action::Now(Now::WidgetConfig) => (&CONFIG_QUERY, &mut req.query),
        Action::Later(Later::CreateUser) => (&USER_CREATE_BODY, &mut req.body),
        _ => return Ok(()),
    };
    check::ajv(schema, data).map_err(RcError::InvalidParams)
}

// ---------------------------------------------------------------------------------------------

/// The actions answered from the state alone, during the call.
fn read(ctx: &Context, action: Now, view: &View, req: &Req) -> Result<Response> {
    match action {
        Now::ListDepartments => list_departments(ctx, view, req, false),
        Now::ListArchived => list_departments(ctx, view, req, true),
        Now::CreationAvailable => ok(&wire::CreationAvailable {
            available: creation_available(ctx, view),
            success: true,
        }),
        Now::ShowDepartment => show_department(ctx, view, req),
        Now::Autocomplete => autocomplete(view, req),
        Now::DepartmentAgents => department_agents(view, req),
        Now::ListByIds => list_by_ids(ctx, view, req),
        Now::AgentDepartments => agent_departments(view, req),
        Now::WidgetConfig => widget_config(ctx, view, req),
        Now::ListUsersOfType => list_users(view, req),
        Now::ShowUserOfType => show_user_of_type(view, req),
        Now::ListPermissions => ok(&wire::PermissionsListOut {
            update: permission_list(view),
            remove: [],
            success: true,
        }),
        Now::ShowSetting => show_setting(view, req),
        Now::ListUnits => units::list_units(view, req),
        Now::ShowUnit => units::show_unit(view, req),
        Now::UnitDepartments => units::unit_departments(view, req),
        Now::UnitAvailableDepartments => units::available_departments(ctx, view, req),
        Now::UnitMonitors => units::unit_monitors(view, req),
    }
}

/// The actions that wait: for a commit, or a password hash.
async fn wait(ctx: &Context, action: Later, view: &View, req: Req<'_>) -> Result<Response> {
    match action {
        Later::Login => login(ctx, view, &req).await,
        Later::Logout => logout(ctx, &req).await,
        Later::CreateDepartment => create_department(ctx, view, &req).await,
        Later::UpdateDepartment => update_department(ctx, view, &req).await,
        Later::DeleteDepartment => delete_department(ctx, view, &req).await,
        Later::Archive => archive(ctx, view, &req, false).await,
        Later::Unarchive => archive(ctx, view, &req, true).await,
        Later::SaveDepartmentAgents => save_department_agents(ctx, view, &req).await,
        Later::AddUserOfType => add_user_of_type(ctx, view, &req).await,
        Later::RemoveUserOfType => remove_user_of_type(ctx, view, &req).await,
        Later::CreateUser => create_user(ctx, view, &req).await,
        Later::DeleteUser => delete_user(ctx, view, &req).await,
        Later::SetStatus => set_status(ctx, view, &req).await,
        Later::MethodCall => method_call(ctx, view, &req).await,
        Later::UpdatePermissions => update_permissions(ctx, view, &req).await,
        Later::SaveSetting => save_setting(ctx, &req).await,
        Later::CreateUnit => units::save_unit(ctx, view, &req, None).await,
        Later::UpdateUnit => units::save_unit(ctx, view, &req, Some(req.param("id"))).await,
        Later::DeleteUnit => units::delete_unit(ctx, view, &req).await,
        Later::AgentStatus => agent_status(ctx, view, &req).await,
    }
}
