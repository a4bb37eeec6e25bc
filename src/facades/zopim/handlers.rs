//! One function per Zopim action: decode -> command -> encode. Routing, authentication and
//! authorization happen once, in [`dispatch`], in that order.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::{Map, Value};

use super::Context;
use super::auth::{Caller, authenticate, authorize, verify};
use super::error::ZopimError;
use super::mapping::{
    AgentCreate, AgentUpdate, Create, Update, ZopimRole, account_out, agent_out, department_out,
    role_out, roles_out,
};
use super::routes::Action;
use super::wire::{AgentBody, DepartmentBody, FieldError};
use crate::auth::Principal;
use crate::auth::basic::hash_blocking;
use crate::http::cache::{BodyCache, CacheKey};
use crate::http::json::{self as strict_json, JsonError};
use crate::http::read_body;
use crate::http::routing::decimal;
use crate::http::{Answer, JSON, LayerError, Request, Response, respond, respond_empty};
use crate::model::{
    AgentId, AgentPatch, Command, Credentials, Department, DepartmentId, NamePolicy, NewAgent,
    Outcome, PasswordHash, Role, State, UnknownAgents, View, WritePolicy,
};

type Result<T, E = ZopimError> = std::result::Result<T, E>;

/// Zopim keeps department names unique among the departments it can see, and refuses members
/// that are not agents: an end user is no agent to Zopim (`GET /agents/{id}` is 404 for one).
const POLICY: WritePolicy = WritePolicy {
    names: NamePolicy::UniqueAmongActive,
    unknown_agents: UnknownAgents::Reject,
    staff_only: true,
    write_inactive: false,
};

/// Most agents one list call returns, and the default.
const AGENT_PAGE: usize = 100;

/// Routes, authenticates, authorizes, then runs the action: a read at once, a write as work for
/// later that owns the context and the request. A password not yet verified sends the whole
/// request to later, behind the Argon2 check.
pub fn dispatch(ctx: &Arc<Context>, request: Request) -> Result<Answer> {
    let resolved = ctx.routes.resolve(request.method(), request.uri().path())?;
    let action = resolved.action;
    let param = resolved
        .params
        .iter()
        .next()
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default();

    let view = ctx.store.read();
    match authenticate(&ctx.passwords, &view, request.headers())? {
        Caller::Known(principal) => act(ctx, &view, principal, action, &param, request),
        Caller::Unverified(check) => {
            let ctx = Arc::clone(ctx);
            let admitted = async move {
                let principal = verify(check).await?;
                let view = ctx.store.read();
                act(&ctx, &view, principal, action, &param, request)
            };
            Ok(Answer::later_then(admitted, ZopimError::into_response))
        }
    }
}

/// Authorizes, then runs the action for `principal`.
fn act(
    ctx: &Arc<Context>,
    view: &View,
    principal: Principal,
    action: Action,
    param: &str,
    request: Request,
) -> Result<Answer> {
    authorize(principal, action)?;
    let response = match action {
        Action::ListDepartments => list_departments(ctx, view),
        // Not `department_id`: a body kept for this id and version is only ever one of a visible
        // department, so a cached answer needs no look-up of its own (`show_department` looks it
        // up when it encodes).
        Action::ShowDepartment => show_department(ctx, view, department_number(param)?),
        Action::ShowDepartmentByName => show_department(ctx, view, department_named(view, param)?),
        Action::CreateDepartment => {
            return later(
                ctx,
                |ctx| async move { create_department(&ctx, request).await },
            );
        }
        Action::UpdateDepartment | Action::UpdateDepartmentByName => {
            let id = match action {
                Action::UpdateDepartment => department_id(view, param)?,
                _ => department_named(view, param)?,
            };
            return later(ctx, |ctx| async move {
                update_department(&ctx, id, request).await
            });
        }
        Action::DeleteDepartment | Action::DeleteDepartmentByName => {
            let id = match action {
                Action::DeleteDepartment => department_id(view, param)?,
                _ => department_named(view, param)?,
            };
            return later(ctx, |ctx| async move { delete_department(&ctx, id).await });
        }
        Action::ListAgents => {
            let query = request.uri().query().unwrap_or("");
            respond_cached(&ctx.agent_list, view, query, || {
                list_agents(ctx, view, query)
            })
        }
        Action::ShowAgent => show_agent(ctx, view, agent_id(view, param)?),
        Action::ShowAgentByEmail => {
            let email = decode_segment(param).ok_or(ZopimError::AgentNotFound)?;
            let agent = view
                .agent_by_email(&email)
                .filter(|a| a.roles.is_staff())
                .ok_or(ZopimError::AgentNotFound)?;
            show_agent(ctx, view, agent.id)
        }
        Action::ShowMe => show_agent(ctx, view, principal.agent),
        Action::CreateAgent => {
            return later(ctx, |ctx| async move { create_agent(&ctx, request).await });
        }
        Action::UpdateAgent | Action::UpdateMe => {
            let id = match action {
                Action::UpdateAgent => agent_id(view, param)?,
                _ => principal.agent,
            };
            return later(ctx, |ctx| async move {
                update_agent(&ctx, principal, id, request).await
            });
        }
        Action::DeleteAgent => {
            let id = agent_id(view, param)?;
            return later(ctx, |ctx| async move { delete_agent(&ctx, id).await });
        }
        Action::ShowAccount => json(StatusCode::OK, &account_out(view)),
        Action::ListRoles => json(StatusCode::OK, &roles_out(view)),
        Action::ShowRole => {
            let role = decimal(param)
                .and_then(ZopimRole::from_id)
                .ok_or(ZopimError::RoleNotFound)?;
            json(StatusCode::OK, &role_out(view, role))
        }
    };
    response.map(Answer::Now)
}

/// A write, left for later ([`Answer::later_with`]).
fn later<F>(ctx: &Arc<Context>, write: impl FnOnce(Arc<Context>) -> F) -> Result<Answer>
where
    F: Future<Output = Result<Response>> + Send + 'static,
{
    Ok(Answer::later_with(ctx, write, ZopimError::into_response))
}

fn json(status: StatusCode, value: &impl Serialize) -> Result<Response> {
    Ok(respond(status, JSON, encode(value)?))
}

fn encode(value: &impl Serialize) -> Result<Bytes> {
    let bytes = serde_json::to_vec(value).map_err(|e| {
        tracing::error!(error = %e, "encoding a response failed");
        ZopimError::Layer(LayerError::Internal)
    })?;
    Ok(Bytes::from(bytes))
}

/// A path segment, percent-decoded (zenpy sends `Sales%20Team`, spec A3).
fn decode_segment(raw: &str) -> Option<String> {
    percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// The department with this id, if Zopim can see it (inactive ones are hidden).
fn department_id(view: &State, raw: &str) -> Result<DepartmentId> {
    let id = department_number(raw)?;
    visible_department(view, id).map(|_| id)
}

/// A department id as Zopim writes one, not yet looked up.
fn department_number(raw: &str) -> Result<DepartmentId> {
    decimal(raw)
        .map(DepartmentId)
        .ok_or(ZopimError::DepartmentNotFound)
}

/// The department, if Zopim can see it (inactive ones are hidden).
fn visible_department(view: &State, id: DepartmentId) -> Result<&Arc<Department>> {
    view.department(id)
        .filter(|d| d.active)
        .ok_or(ZopimError::DepartmentNotFound)
}

/// The visible department with this name; the lowest id if several share it.
fn department_named(view: &State, raw: &str) -> Result<DepartmentId> {
    let name = decode_segment(raw).ok_or(ZopimError::DepartmentNotFound)?;
    view.departments_named(&name)
        .find(|d| d.active)
        .map(|d| d.id)
        .ok_or(ZopimError::DepartmentNotFound)
}

fn agent_id(view: &State, raw: &str) -> Result<AgentId> {
    decimal(raw)
        .map(AgentId)
        .filter(|id| view.agent(*id).is_some_and(|a| a.roles.is_staff()))
        .ok_or(ZopimError::AgentNotFound)
}

/// Reads a department body.
async fn department_body(request: Request) -> Result<DepartmentBody> {
    DepartmentBody::from_object(json_object(request).await?).map_err(invalid_field)
}

/// Reads an agent body.
async fn agent_body(request: Request) -> Result<AgentBody> {
    AgentBody::from_object(json_object(request).await?).map_err(invalid_field)
}

fn invalid_field(e: FieldError) -> ZopimError {
    ZopimError::InvalidField {
        field: e.field,
        reason: e.reason.into(),
    }
}

/// Reads a JSON object body: `application/json`, within the size limit, parsed with no key given
/// twice at any depth, an object.
async fn json_object(request: Request) -> Result<Map<String, Value>> {
    require_json(request.headers())?;
    let bytes: Bytes = read_body(request.into_body()).await?;
    let value: Value = strict_json::parse(&bytes).map_err(|e| match e {
        JsonError::Syntax { message, .. } => ZopimError::MalformedJson(message),
        // serde_json's map would keep the last value silently (docs/decisions.md).
        JsonError::DuplicateKey(path) => ZopimError::InvalidField {
            field: path,
            reason: "is given more than once".into(),
        },
    })?;
    let Value::Object(object) = value else {
        return Err(ZopimError::NotAnObject);
    };
    Ok(object)
}

fn require_json(headers: &HeaderMap) -> Result<()> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or("");
    if media.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ZopimError::UnsupportedMediaType)
    }
}

/// A 200 with the body kept in `cache` for this view's version and `key`, encoding and keeping
/// it first if need be.
fn respond_cached<K, Q>(
    cache: &BodyCache<K>,
    view: &View,
    key: &Q,
    encode: impl FnOnce() -> Result<Bytes>,
) -> Result<Response>
where
    K: std::borrow::Borrow<Q>,
    Q: PartialEq + ToOwned<Owned = K> + ?Sized,
{
    let body = cache.get_or_encode(view.version(), key, encode)?;
    Ok(respond(StatusCode::OK, JSON, body))
}

/// Every visible department. Clients poll this and its body grows with the data set, so the body
/// is kept per state version (`Context::department_list`).
fn list_departments(ctx: &Context, view: &View) -> Result<Response> {
    respond_cached(&ctx.department_list, view, &(), || {
        let list: Vec<_> = view
            .departments()
            .filter(|d| d.active)
            .map(|d| department_out(view, d, ctx.options.enabled))
            .collect();
        encode(&list)
    })
}

fn show_department(ctx: &Context, view: &View, id: DepartmentId) -> Result<Response> {
    let key = CacheKey {
        kind: cached::DEPARTMENT,
        variant: 0,
        id: id.0,
    };
    let body = ctx.bodies.get_or_encode(key, view.version(), || {
        encode(&department_out(
            view,
            visible_department(view, id)?,
            ctx.options.enabled,
        ))
    })?;
    Ok(respond(StatusCode::OK, JSON, body))
}

/// The kinds of body kept in the facade's [`EncodedCache`](crate::http::cache::EncodedCache).
mod cached {
    /// One department, as `GET /departments/{id}` answers it.
    pub const DEPARTMENT: u32 = 1;
}

async fn create_department(ctx: &Context, request: Request) -> Result<Response> {
    let Create {
        department,
        members,
    } = Create::try_from(department_body(request).await?)?;
    let (view, outcome) = ctx
        .store
        .apply(Command::CreateDepartment {
            department,
            members,
            policy: POLICY,
        })
        .await?;
    let Outcome::Department(id) = outcome else {
        return Err(LayerError::Internal.into());
    };
    let department = view.department(id).ok_or(ZopimError::DepartmentNotFound)?;
    tracing::info!(department = id.0, "department created");
    json(
        StatusCode::CREATED,
        &department_out(&view, department, ctx.options.enabled),
    )
}

async fn update_department(ctx: &Context, id: DepartmentId, request: Request) -> Result<Response> {
    let Update { patch, members } = Update::try_from(department_body(request).await?)?;
    let (view, _) = ctx
        .store
        .apply(Command::UpdateDepartment {
            id,
            patch,
            members,
            policy: POLICY,
        })
        .await?;
    let department = view.department(id).ok_or(ZopimError::DepartmentNotFound)?;
    json(
        StatusCode::OK,
        &department_out(&view, department, ctx.options.enabled),
    )
}

/// Zopim's delete is a hard delete answered with 204 and no body; zenpy accepts nothing else
/// (spec A9).
async fn delete_department(ctx: &Context, id: DepartmentId) -> Result<Response> {
    ctx.store.apply(Command::DeleteDepartment { id }).await?;
    tracing::info!(department = id.0, "department deleted");
    Ok(respond_empty(StatusCode::NO_CONTENT))
}

/// The agent list's cursors (spec A4): `since_id` forward and `max_id` backward, both inclusive.
#[derive(Debug, Default, PartialEq, Eq)]
struct AgentCursor {
    since_id: Option<u64>,
    max_id: Option<u64>,
    limit: usize,
}

fn agent_cursor(query: Option<&str>) -> Result<AgentCursor> {
    let mut cursor = AgentCursor {
        limit: AGENT_PAGE,
        ..AgentCursor::default()
    };
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let parse = || {
            decimal(&value).ok_or(ZopimError::InvalidParameter {
                name: match key.as_ref() {
                    "since_id" => "since_id",
                    "max_id" => "max_id",
                    _ => "limit",
                },
                reason: "must be a non-negative integer",
            })
        };
        match key.as_ref() {
            "since_id" => cursor.since_id = Some(parse()?),
            "max_id" => cursor.max_id = Some(parse()?),
            "limit" => {
                let limit = parse()?;
                if limit == 0 {
                    return Err(ZopimError::InvalidParameter {
                        name: "limit",
                        reason: "must be at least 1",
                    });
                }
                // Larger pages are cut to the maximum, as cursor clients expect.
                cursor.limit = (limit as usize).min(AGENT_PAGE);
            }
            _ => {}
        }
    }
    Ok(cursor)
}

/// A page of agents, encoded. Its body depends on the state and the query only, so `dispatch`
/// keeps it per version and query string (`Context::agent_list`).
fn list_agents(ctx: &Context, view: &View, query: &str) -> Result<Bytes> {
    let cursor = agent_cursor(Some(query))?;
    let low = AgentId(cursor.since_id.unwrap_or(0));
    let high = AgentId(cursor.max_id.unwrap_or(u64::MAX));
    let staff = |a: &&std::sync::Arc<crate::model::Agent>| a.roles.is_staff();
    let mut page: Vec<_> = if low > high {
        Vec::new()
    } else if cursor.max_id.is_some() && cursor.since_id.is_none() {
        // Backward from max_id: the `limit` highest ids, shown in ascending order.
        let mut back: Vec<_> = view
            .agents_in(low..=high)
            .rev()
            .filter(staff)
            .take(cursor.limit)
            .collect();
        back.reverse();
        back
    } else {
        view.agents_in(low..=high)
            .filter(staff)
            .take(cursor.limit)
            .collect()
    };
    let list: Vec<_> = page
        .drain(..)
        .map(|a| agent_out(view, a, ctx.options.enabled))
        .collect();
    encode(&list)
}

fn show_agent(ctx: &Context, view: &View, id: AgentId) -> Result<Response> {
    let agent = view.agent(id).ok_or(ZopimError::AgentNotFound)?;
    json(StatusCode::OK, &agent_out(view, agent, ctx.options.enabled))
}

/// `POST /agents`: 201 with the agent, as a department create answers. The model needs a login
/// name Zopim agents do not have: it is made from the email, as for classic Zendesk users.
async fn create_agent(ctx: &Context, request: Request) -> Result<Response> {
    let new = AgentCreate::try_from(agent_body(request).await?)?;
    let credentials = Credentials {
        password: Some(hash(new.password).await?),
        tokens: Vec::new(),
    };
    let (view, id) = ctx
        .store
        .create_agent(new.email.as_str(), |username| NewAgent {
            username,
            display_name: new.display_name.clone(),
            email: new.email.clone(),
            roles: new.roles,
            active: new.active,
            time_zone: None,
            credentials: credentials.clone(),
        })
        .await?
        .ok_or(ZopimError::Layer(LayerError::Internal))?;
    let agent = view.agent(id).ok_or(ZopimError::AgentNotFound)?;
    tracing::info!(agent = id.0, "agent created");
    json(
        StatusCode::CREATED,
        &agent_out(&view, agent, ctx.options.enabled),
    )
}

/// The account owner stays an enabled administrator, so that the account always keeps someone
/// who may change it (as the classic facade keeps it; docs/decisions.md).
const OWNER_ROLE: &str = "The account owner's role can't be changed";
const OWNER_DISABLE: &str = "The account owner can't be disabled";
const OWNER_DELETE: &str = "The account owner can't be deleted";

/// `PUT /agents/{id}` and `PUT /agents/me`: 200 with the agent as it now is. On `me`, an agent
/// who is no administrator may change its names, email and password, but not its role or whether
/// it is enabled (403): the route is open to every agent, so these would be a way up.
async fn update_agent(
    ctx: &Context,
    principal: Principal,
    id: AgentId,
    request: Request,
) -> Result<Response> {
    let body = agent_body(request).await?;
    let current = ctx
        .store
        .view()
        .agent(id)
        .cloned()
        .ok_or(ZopimError::AgentNotFound)?;
    let update = AgentUpdate::decode(body, &current)?;
    if !principal.roles.is_admin() && (update.role.is_some() || update.enabled.is_some()) {
        return Err(ZopimError::Forbidden);
    }
    let roles = update.role.and_then(|r| r.replacing(current.roles));
    let owner = current.roles.contains(Role::Owner);
    if owner && roles.is_some() {
        return Err(ZopimError::Owner(OWNER_ROLE));
    }
    if owner && update.enabled == Some(false) {
        return Err(ZopimError::Owner(OWNER_DISABLE));
    }
    let password = match update.password {
        Some(password) => Some(hash(password).await?),
        None => None,
    };
    let patch = AgentPatch {
        display_name: update.display_name,
        email: update.email,
        roles,
        active: update.enabled,
        password,
        ..AgentPatch::default()
    };
    if patch == AgentPatch::default() {
        // Nothing Zopim knows was sent (zenpy's PUT of an unchanged agent is `{}`): no write.
        let view = ctx.store.read();
        let agent = view.agent(id).ok_or(ZopimError::AgentNotFound)?;
        return json(
            StatusCode::OK,
            &agent_out(&view, agent, ctx.options.enabled),
        );
    }
    let (view, _) = ctx.store.apply(Command::UpdateAgent { id, patch }).await?;
    let agent = view.agent(id).ok_or(ZopimError::AgentNotFound)?;
    json(
        StatusCode::OK,
        &agent_out(&view, agent, ctx.options.enabled),
    )
}

/// `DELETE /agents/{id}`: a hard delete, as for departments, answered 204 with no body (zenpy
/// accepts nothing else, spec A9). The agent leaves every department and its tokens stop
/// working, in the same write; its id is not reused.
async fn delete_agent(ctx: &Context, id: AgentId) -> Result<Response> {
    let owner = ctx
        .store
        .read()
        .agent(id)
        .ok_or(ZopimError::AgentNotFound)?
        .roles
        .contains(Role::Owner);
    if owner {
        return Err(ZopimError::Owner(OWNER_DELETE));
    }
    ctx.store.apply(Command::DeleteAgent { id }).await?;
    tracing::info!(agent = id.0, "agent deleted");
    Ok(respond_empty(StatusCode::NO_CONTENT))
}

/// Hashes a new password on the blocking pool (Argon2).
async fn hash(password: String) -> Result<PasswordHash> {
    hash_blocking(password)
        .await
        .map_err(|_| ZopimError::Layer(LayerError::Internal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_cursors_are_read_and_capped() {
        let c = agent_cursor(Some("since_id=100&limit=500")).unwrap();
        assert_eq!(
            c,
            AgentCursor {
                since_id: Some(100),
                max_id: None,
                limit: 100
            }
        );
        assert!(agent_cursor(Some("max_id=x")).is_err());
        assert!(agent_cursor(Some("limit=0")).is_err());
        assert_eq!(agent_cursor(None).unwrap().limit, 100);
    }
}

/// The agent list's query string. Run with `PROPTEST_CASES=N cargo test --lib fuzz_`.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn fuzz_zopim_query_any_text_is_a_cursor_or_a_typed_error(query in ".{0,96}") {
            match agent_cursor(Some(&query)) {
                Ok(cursor) => prop_assert!((1..=AGENT_PAGE).contains(&cursor.limit)),
                Err(e) => {
                    let typed = matches!(e, ZopimError::InvalidParameter { .. });
                    prop_assert!(typed, "{:?}", e);
                }
            }
        }

        #[test]
        fn fuzz_zopim_query_cursors_read_back_as_written(
            since in proptest::option::of(any::<u64>()),
            max in proptest::option::of(any::<u64>()),
            limit in 1u64..1000,
        ) {
            let mut query = form_urlencoded::Serializer::new(String::new());
            if let Some(since) = since {
                query.append_pair("since_id", &since.to_string());
            }
            if let Some(max) = max {
                query.append_pair("max_id", &max.to_string());
            }
            query.append_pair("limit", &limit.to_string());
            query.append_pair("other", "ignored");

            let cursor = agent_cursor(Some(&query.finish()));

            prop_assert_eq!(
                cursor.ok(),
                Some(AgentCursor {
                    since_id: since,
                    max_id: max,
                    limit: (limit as usize).min(AGENT_PAGE),
                })
            );
        }
    }
}
