//! One function per classic Zendesk action: decode -> command -> encode. Routing, authentication
//! and authorization happen once, in [`dispatch`], in that order (docs/zendesk-errors.md, "Order
//! of checks").

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{HOST, LOCATION};
use http::{HeaderMap, HeaderValue, Method, StatusCode};

use super::auth::{Caller, authenticate, authorize, verify};
use super::error::{ZendeskError, content_type};
use super::format::{Format, answer_format, body_format};
use super::mapping::{
    GroupCreate, GroupUpdate, UserCreate, UserUpdate, ZendeskRole, group_out, inactive_agents,
    user_out,
};
use super::routes::{Action, record_id};
use super::wire::{Document, GroupBody, UserBody};
use super::xml::{Limits, XmlDocument};
use super::{Context, cached};
use crate::auth::Principal;
use crate::auth::basic::hash_blocking;
use crate::http::cache::CacheKey;
use crate::http::{Answer, LayerError, Request, Response, respond, respond_empty};
use crate::http::{json, read_body};
use crate::model::{
    Agent, AgentId, AgentPatch, Command, Credentials, DepartmentId, DepartmentPatch, NamePolicy,
    NewAgent, NewDepartment, Outcome, PasswordHash, Role, State, UnknownAgents, View, WritePolicy,
};

type Result<T, E = ZendeskError> = std::result::Result<T, E>;

/// Classic Zendesk did not enforce unique group names (Rails validated presence only) [I], so
/// names may repeat, as the model allows. Members must be agents: an end user named in `<agents>`
/// is refused inside the write, like an unknown id.
const POLICY: WritePolicy = WritePolicy {
    names: NamePolicy::AllowDuplicates,
    unknown_agents: UnknownAgents::Reject,
    staff_only: true,
    write_inactive: false,
};

/// Users per page: "If 100 elements are returned (the page limit), use ?page=2" (spec B5, the
/// later docs; the earliest said 15).
pub const PAGE_SIZE: usize = 100;

/// The `X-Http-Method-Override` header (spec B5: the pgericson gem sends PUTs as POSTs).
const METHOD_OVERRIDE: &str = "x-http-method-override";

/// What [`dispatch`] learns from the method and the path, before authenticating.
#[derive(Debug, Clone, Copy)]
struct Routed {
    action: Action,
    /// The record's id in the path; 0 where the path has none.
    id: u64,
    /// The Location of a created record keeps the prefix the client used.
    prefix: &'static str,
    /// The answer's format; `None` when the `Accept` of a path without extension names neither.
    format: Option<Format>,
    /// The path's extension (`.xml`, `.json` or none), which a created record's Location keeps.
    extension: &'static str,
}

/// A failure of work done later, with the format to answer it in.
type Failed = (ZendeskError, Format);

fn answer_failed((error, format): Failed) -> Response {
    error.into_response_as(format)
}

/// Routes, authenticates, authorizes, then runs the action: a read at once, a write as work for
/// later that owns the context and the request. A password not yet verified sends the whole
/// request to later, behind the Argon2 check. Every answer, failures included, is in the
/// request's format (XML when its `Accept` names none).
pub fn dispatch(ctx: &Arc<Context>, request: Request) -> Answer {
    let format = answer_format(request.uri().path(), request.headers());
    route(ctx, request, format)
        .unwrap_or_else(|e| Answer::Now(e.into_response_as(format.unwrap_or(Format::Xml))))
}

fn route(ctx: &Arc<Context>, request: Request, format: Option<Format>) -> Result<Answer> {
    let method = effective_method(&request);
    let path = request.uri().path();
    let matched = ctx.routes.resolve(&method, path)?;
    let action = matched.action;
    // `/groups/abc.xml` is no route, whoever asks.
    let id = match matched.params.get("id") {
        Some(segment) => record_id(action, segment).ok_or(LayerError::NotFound)?,
        None => 0,
    };
    let prefix = if path.starts_with("/api/v1/") {
        "/api/v1"
    } else {
        ""
    };
    let extension = Format::of_path(path).map_or("", Format::extension);
    let routed = Routed {
        action,
        id,
        prefix,
        format,
        extension,
    };

    let view = ctx.store.read();
    match authenticate(&ctx.passwords, &view, request.headers())? {
        Caller::Known(principal) => act(ctx, &view, principal, routed, request),
        Caller::Unverified(check) => {
            let ctx = Arc::clone(ctx);
            let admitted = async move {
                let (principal, view) = verify(check, &ctx.store, request.headers()).await?;
                act(&ctx, &view, principal, routed, request)
            };
            let failed_in = format.unwrap_or(Format::Xml);
            Ok(Answer::later_then(
                async move { admitted.await.map_err(|e| (e, failed_in)) },
                answer_failed,
            ))
        }
    }
}

/// Authorizes, then runs the action for `principal`.
fn act(
    ctx: &Arc<Context>,
    view: &View,
    principal: Principal,
    routed: Routed,
    request: Request,
) -> Result<Answer> {
    let Routed {
        action,
        id,
        prefix,
        format,
        extension,
    } = routed;
    authorize(principal, action)?;
    // Rails' `respond_to` ran in the action, after the filters that authenticate and authorize.
    let format = format.ok_or(ZendeskError::NotAcceptable)?;
    let link = Link { prefix, extension };
    let query = request.uri().query();
    let response = match action {
        Action::ListGroups => list_groups(view, format),
        Action::ShowGroup => show_group(ctx, view, group_id(view, id)?, format),
        Action::ListGroupUsers => list_group_users(view, group_id(view, id)?, query, format),
        Action::ListUsers => list_users(view, query, format),
        Action::ShowUser => show_user(view, user_id(view, id)?, format),
        Action::ShowCurrentUser => show_user(view, principal.agent, format),
        Action::CreateGroup => {
            return later(ctx, format, move |c| create_group(c, request, format, link));
        }
        Action::UpdateGroup => {
            let id = group_id(view, id)?;
            return later(ctx, format, move |c| update_group(c, id, request, format));
        }
        Action::DeleteGroup => {
            let id = group_id(view, id)?;
            return later(ctx, format, move |c| delete_group(c, id));
        }
        Action::CreateUser => {
            return later(ctx, format, move |c| create_user(c, request, format, link));
        }
        Action::UpdateUser => {
            let id = user_id(view, id)?;
            return later(ctx, format, move |c| update_user(c, id, request, format));
        }
        Action::DeleteUser => {
            let id = user_id(view, id)?;
            return later(ctx, format, move |c| delete_user(c, id));
        }
    };
    response.map(Answer::Now)
}

/// A write, left for later ([`Answer::later_with`]), its failure answered in `format`.
fn later<F>(
    ctx: &Arc<Context>,
    format: Format,
    write: impl FnOnce(Arc<Context>) -> F,
) -> Result<Answer>
where
    F: Future<Output = Result<Response>> + Send + 'static,
{
    Ok(Answer::later_with(
        ctx,
        move |ctx| {
            let work = write(ctx);
            async move { work.await.map_err(|e| (e, format)) }
        },
        answer_failed,
    ))
}

/// How a created record's Location is written: the prefix and extension the client used.
#[derive(Debug, Clone, Copy)]
struct Link {
    prefix: &'static str,
    extension: &'static str,
}

/// The method the request stands for: HEAD is answered as GET (hyper drops the body), and a POST
/// may say it is a PUT or a DELETE with `X-Http-Method-Override`, as Rack's `MethodOverride`
/// allows (any standard method; other values are ignored and it stays a POST).
fn effective_method(request: &Request) -> Method {
    let mut method = request.method().clone();
    if method == Method::POST
        && let Some(value) = request.headers().get(METHOD_OVERRIDE)
        && let Ok(wanted) = Method::from_bytes(value.as_bytes().to_ascii_uppercase().as_slice())
        && [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::POST,
            Method::DELETE,
            Method::PATCH,
            Method::OPTIONS,
        ]
        .contains(&wanted)
    {
        method = wanted;
    }
    if method == Method::HEAD {
        Method::GET
    } else {
        method
    }
}

/// Any group, active or not: destroyed groups are still shown (spec B1, soft delete).
fn group_id(view: &State, id: u64) -> Result<DepartmentId> {
    let id = DepartmentId(id);
    view.department(id)
        .map(|_| id)
        .ok_or(ZendeskError::NotFound)
}

/// Any user, deleted (inactive) ones included.
fn user_id(view: &State, id: u64) -> Result<AgentId> {
    let id = AgentId(id);
    view.agent(id).map(|_| id).ok_or(ZendeskError::NotFound)
}

fn render(status: StatusCode, format: Format, doc: &Document<'_>) -> Response {
    respond(status, content_type(format), doc.render(format))
}

/// A request body, read within the size limit in the format its `Content-Type` names (else the
/// answer's, `format.rs`): XML through the hardened reader (no DTD, no entities but the five
/// predefined, bounded depth and size), JSON through the strict one (no key given twice).
enum Body {
    Xml(XmlDocument),
    Json(serde_json::Value),
}

async fn read(request: Request, answer: Format) -> Result<Body> {
    let format = body_format(request.headers(), answer);
    let bytes = read_body(request.into_body()).await?;
    Ok(match format {
        Format::Xml => Body::Xml(XmlDocument::parse(&bytes, &Limits::default())?),
        Format::Json => Body::Json(json::parse(&bytes)?),
    })
}

async fn read_group(request: Request, answer: Format) -> Result<GroupBody> {
    Ok(match read(request, answer).await? {
        Body::Xml(doc) => GroupBody::from_document(doc)?,
        Body::Json(value) => GroupBody::from_json(value)?,
    })
}

async fn read_user(request: Request, answer: Format) -> Result<UserBody> {
    Ok(match read(request, answer).await? {
        Body::Xml(doc) => UserBody::from_document(doc)?,
        Body::Json(value) => UserBody::from_json(value)?,
    })
}

/// The request's `Host`, for an absolute `Location` (spec B5: "Emit the absolute form").
/// Checked before anything changes, so a create without one changes nothing.
fn host(headers: &HeaderMap) -> Result<String> {
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .ok_or(ZendeskError::MissingHost)?;
    let authority: http::uri::Authority = host.parse().map_err(|_| ZendeskError::MissingHost)?;
    if authority.as_str().contains('@') {
        return Err(ZendeskError::MissingHost);
    }
    Ok(authority.as_str().to_owned())
}

/// `http://{host}{prefix}/{collection}/{id}{extension}`, `prefix` holding the tenant's mount if
/// any, the extension the one the client used (`.xml`, `.json` or none, as Rails' `url_for`
/// wrote it). Both client regexes need the slash before the id (spec B5).
fn location(
    host: &str,
    prefix: &str,
    collection: &str,
    id: u64,
    extension: &str,
) -> Result<HeaderValue> {
    HeaderValue::from_str(&format!(
        "http://{host}{prefix}/{collection}/{id}{extension}"
    ))
    .map_err(|_| ZendeskError::MissingHost)
}

fn created(format: Format, doc: &Document<'_>, location: HeaderValue) -> Response {
    let mut response = render(StatusCode::CREATED, format, doc);
    response.headers_mut().insert(LOCATION, location);
    response
}

/// Every group, inactive ones included, in id order, with `count` (spec B1). Not paginated.
fn list_groups(view: &View, format: Format) -> Result<Response> {
    let groups: Vec<_> = view
        .departments()
        .map(|d| group_out(view, d, false))
        .collect();
    Ok(render(StatusCode::OK, format, &Document::Groups(groups)))
}

/// One group with its agents nested as `<users>` (spec B2).
fn show_group(ctx: &Context, view: &View, id: DepartmentId, format: Format) -> Result<Response> {
    let key = CacheKey {
        kind: cached::GROUP,
        variant: match format {
            Format::Xml => 0,
            Format::Json => 1,
        },
        id: id.0,
    };
    let body = ctx.bodies.get_or_encode(key, view.version(), || {
        let group = view.department(id).ok_or(ZendeskError::NotFound)?;
        Ok::<_, ZendeskError>(Bytes::from(
            Document::Group(group_out(view, group, true)).render(format),
        ))
    })?;
    Ok(respond(StatusCode::OK, content_type(format), body))
}

async fn create_group(
    ctx: Arc<Context>,
    request: Request,
    format: Format,
    link: Link,
) -> Result<Response> {
    let host = host(request.headers())?;
    // A tenant's `/t/{name}`, which the gateway took off the path, goes back into the Location.
    let prefix = format!("{}{}", request.body().mount(), link.prefix);
    let body = read_group(request, format).await?;
    let GroupCreate { name, members } = GroupCreate::try_from(body)?;
    inactive_agents(&ctx.store.view(), members.as_ref())?;
    let (view, outcome) = ctx
        .store
        .apply(Command::CreateDepartment {
            department: NewDepartment::named(name),
            members,
            policy: POLICY,
        })
        .await?;
    let Outcome::Department(id) = outcome else {
        return Err(LayerError::Internal.into());
    };
    let group = view.department(id).ok_or(ZendeskError::NotFound)?;
    tracing::info!(department = id.0, "group created");
    Ok(created(
        format,
        &Document::Group(group_out(&view, group, true)),
        location(&host, &prefix, "groups", id.0, link.extension)?,
    ))
}

/// 200 with the group as it now is. The docs show no body; ActiveResource and pyactiveresource
/// load one when present and accept an empty one (spec B5, B6), so the body saves a GET.
async fn update_group(
    ctx: Arc<Context>,
    id: DepartmentId,
    request: Request,
    format: Format,
) -> Result<Response> {
    let body = read_group(request, format).await?;
    let GroupUpdate { name, members } = GroupUpdate::try_from(body)?;
    inactive_agents(&ctx.store.view(), members.as_ref())?;
    let (view, _) = ctx
        .store
        .apply(Command::UpdateDepartment {
            id,
            patch: DepartmentPatch {
                name,
                ..DepartmentPatch::default()
            },
            members,
            policy: POLICY,
        })
        .await?;
    // As a GET would show it (and now cached for one).
    show_group(&ctx, &view, id, format)
}

/// Soft delete (spec B1): "The group is not actually deleted from the system, but is set inactive
/// and can no longer be assigned." 200 with an empty body: strict clients accept nothing else
/// (spec B1, eventbrite's status table).
async fn delete_group(ctx: Arc<Context>, id: DepartmentId) -> Result<Response> {
    ctx.store
        .apply(Command::SetDepartmentActive { id, active: false })
        .await?;
    tracing::info!(department = id.0, "group destroyed (set inactive)");
    Ok(respond_empty(StatusCode::OK))
}

/// `?page=N` (1-based), `role` and `query` (spec B1), for both user lists.
#[derive(Debug, PartialEq, Eq)]
struct ListQuery {
    page: usize,
    role: Option<ZendeskRole>,
    /// Lower-cased; matched against names and emails.
    query: Option<String>,
}

fn list_query(raw: Option<&str>) -> Result<ListQuery> {
    let mut list = ListQuery {
        page: 1,
        role: None,
        query: None,
    };
    // Rack, which read Rails 2.3's query strings, split them on `&` and on `;` (`DEFAULT_SEP =
    // /[&;] */`): the eventbrite client's search (PyPI `zendesk` 1.0, `endpoints.py`) asks for
    // `/users.xml?query=…&amp;role=…&amp;page=…`, which Rack read as `query`, `amp`, `role`, `amp`,
    // `page`. Each piece is then decoded as a form pair.
    let pieces = raw
        .unwrap_or("")
        .split(['&', ';'])
        .map(|piece| piece.trim_start_matches(' '));
    for (key, value) in pieces.flat_map(|piece| form_urlencoded::parse(piece.as_bytes())) {
        // A blank `page` or `role` (`?page=`, as a form with an empty field sends it) is no
        // parameter at all, as a Rails action reads one through `params[:page].presence` (issue
        // 16; docs/zendesk.md) [I].
        if value.is_empty() && matches!(key.as_ref(), "page" | "role") {
            continue;
        }
        match key.as_ref() {
            "page" => {
                list.page = value
                    .parse::<usize>()
                    .ok()
                    .filter(|p| *p >= 1 && value.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or(ZendeskError::BadParameter {
                        name: "page",
                        reason: "must be a positive integer",
                    })?
            }
            "role" => {
                list.role = Some(
                    value
                        .parse::<i64>()
                        .ok()
                        .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
                        .and_then(ZendeskRole::from_number)
                        .ok_or(ZendeskError::BadParameter {
                            name: "role",
                            reason: "must be 0 (end user), 2 (administrator) or 4 (agent)",
                        })?,
                )
            }
            "query" => {
                let query = value.trim().to_lowercase();
                list.query = (!query.is_empty()).then_some(query);
            }
            _ => {}
        }
    }
    Ok(list)
}

impl ListQuery {
    fn matches(&self, agent: &Agent) -> bool {
        let role = self.role.is_none_or(|r| ZendeskRole::of(agent.roles) == r);
        let query = self.query.as_deref().is_none_or(|q| {
            agent.display_name.to_lowercase().contains(q)
                || agent.email.as_str().to_lowercase().contains(q)
        });
        role && query
    }

    /// One page of the matching users, with the number matching in all.
    fn page<'a>(
        &self,
        view: &'a State,
        users: impl Iterator<Item = &'a Arc<Agent>>,
        format: Format,
    ) -> Result<Response> {
        let matching: Vec<&Arc<Agent>> = users.filter(|a| self.matches(a)).collect();
        let start = (self.page - 1).saturating_mul(PAGE_SIZE);
        let page: Vec<_> = matching
            .iter()
            .skip(start)
            .take(PAGE_SIZE)
            .map(|a| user_out(view, a, true))
            .collect();
        let total = matching.len();
        Ok(render(
            StatusCode::OK,
            format,
            &Document::Users { page, total },
        ))
    }
}

/// Every user, deleted (inactive) ones included, in id order, a page at a time.
fn list_users(view: &View, query: Option<&str>, format: Format) -> Result<Response> {
    list_query(query)?.page(view, view.agents(), format)
}

/// A group's agents, paginated and filtered like the user list (spec B1).
fn list_group_users(
    view: &View,
    id: DepartmentId,
    query: Option<&str>,
    format: Format,
) -> Result<Response> {
    let members = view.members_of(id).filter_map(|m| view.agent(m.agent));
    list_query(query)?.page(view, members, format)
}

fn show_user(view: &View, id: AgentId, format: Format) -> Result<Response> {
    let agent = view.agent(id).ok_or(ZendeskError::NotFound)?;
    Ok(render(
        StatusCode::OK,
        format,
        &Document::User(user_out(view, agent, true)),
    ))
}

/// Hashes a new password on the blocking pool (Argon2).
async fn hash(password: Option<String>) -> Result<Option<PasswordHash>> {
    let Some(password) = password else {
        return Ok(None);
    };
    hash_blocking(password)
        .await
        .map(Some)
        .map_err(|_| ZendeskError::Layer(LayerError::Internal))
}

async fn create_user(
    ctx: Arc<Context>,
    request: Request,
    format: Format,
    link: Link,
) -> Result<Response> {
    let host = host(request.headers())?;
    // A tenant's `/t/{name}`, which the gateway took off the path, goes back into the Location.
    let prefix = format!("{}{}", request.body().mount(), link.prefix);
    let body = read_user(request, format).await?;
    let new = UserCreate::try_from(body)?;
    let credentials = Credentials {
        password: hash(new.password).await?,
        tokens: Vec::new(),
    };
    let (view, id) = ctx
        .store
        // Classic users have no login name; the model's is made from the email.
        .create_agent(new.email.as_str(), |username| NewAgent {
            username,
            display_name: new.name.clone(),
            email: new.email.clone(),
            roles: new.role.roles(),
            active: true,
            time_zone: new.time_zone.clone(),
            credentials: credentials.clone(),
        })
        .await?
        .ok_or(ZendeskError::Layer(LayerError::Internal))?;
    let agent = view.agent(id).ok_or(ZendeskError::NotFound)?;
    tracing::info!(agent = id.0, "user created");
    Ok(created(
        format,
        &Document::User(user_out(&view, agent, true)),
        location(&host, &prefix, "users", id.0, link.extension)?,
    ))
}

/// The account owner stays an administrator and cannot be deleted, so that the help desk always
/// keeps someone who may change it [I].
const OWNER_ROLES: &str = "Roles can't be changed for the account owner";
const OWNER_DELETE: &str = "The account owner can't be deleted";

/// 200 with the user as it now is (as for groups).
async fn update_user(
    ctx: Arc<Context>,
    id: AgentId,
    request: Request,
    format: Format,
) -> Result<Response> {
    let body = read_user(request, format).await?;
    let update = UserUpdate::try_from(body)?;
    let current = ctx
        .store
        .view()
        .agent(id)
        .cloned()
        .ok_or(ZendeskError::NotFound)?;
    let roles = update.role.and_then(|r| r.replacing(current.roles));
    if roles.is_some() && current.roles.contains(Role::Owner) {
        return Err(ZendeskError::Invalid(vec![OWNER_ROLES.into()]));
    }
    // An end user is no agent and belongs to no group (spec B3's roles): made one, a user leaves
    // its groups in the same write.
    let leave_departments = roles.is_some_and(|r| !r.is_staff());
    let patch = AgentPatch {
        display_name: update.name,
        email: update.email,
        roles,
        time_zone: update.time_zone,
        password: hash(update.password).await?,
        leave_departments,
        ..AgentPatch::default()
    };
    let (view, _) = ctx.store.apply(Command::UpdateAgent { id, patch }).await?;
    show_user(&view, id, format)
}

/// Deleting a user deactivates it: classic Zendesk kept users (and their tickets) and showed
/// `is-active` false, as the v2 API still documents `active` ("false if the user has been
/// deleted"). A deleted user cannot sign in, leaves its groups in the same write and can no
/// longer be assigned; it stays listed and shown.
async fn delete_user(ctx: Arc<Context>, id: AgentId) -> Result<Response> {
    let owner = ctx
        .store
        .read()
        .agent(id)
        .ok_or(ZendeskError::NotFound)?
        .roles
        .contains(Role::Owner);
    if owner {
        return Err(ZendeskError::Invalid(vec![OWNER_DELETE.into()]));
    }
    let patch = AgentPatch {
        active: Some(false),
        leave_departments: true,
        ..AgentPatch::default()
    };
    ctx.store.apply(Command::UpdateAgent { id, patch }).await?;
    tracing::info!(agent = id.0, "user deleted (deactivated)");
    Ok(respond_empty(StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_parameters_are_read_and_checked() {
        assert_eq!(
            list_query(Some("page=3&role=4&query=%20Sam%20&other=x")).unwrap(),
            ListQuery {
                page: 3,
                role: Some(ZendeskRole::Agent),
                query: Some("sam".into())
            }
        );
        assert_eq!(list_query(None).unwrap().page, 1);
        for bad in [
            "page=0", "page=-1", "page=+2", "page=x", "role=1", "role=+2", "page= ",
        ] {
            assert!(list_query(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            list_query(Some("page=&role=")).unwrap(),
            list_query(None).unwrap()
        );
        assert_eq!(
            list_query(Some("query=Sam&amp;role=4&amp;page=;page=2")).unwrap(),
            ListQuery {
                page: 2,
                role: Some(ZendeskRole::Agent),
                query: Some("sam".into())
            }
        );
    }
}

/// The user lists' query string. Run with `PROPTEST_CASES=N cargo test --lib fuzz_`.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn fuzz_zendesk_query_any_text_is_a_list_query_or_a_typed_error(query in ".{0,96}") {
            match list_query(Some(&query)) {
                Ok(list) => prop_assert!(list.page >= 1),
                Err(e) => {
                    let typed = matches!(e, ZendeskError::BadParameter { .. });
                    prop_assert!(typed, "{:?}", e);
                }
            }
        }

        #[test]
        fn fuzz_zendesk_query_page_role_and_text_read_back_as_written(
            page in 1usize..1_000_000,
            role in proptest::sample::select(vec![0i64, 2, 4]),
            text in ".{0,12}",
        ) {
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.append_pair("page", &page.to_string());
            query.append_pair("role", &role.to_string());
            query.append_pair("query", &text);

            let list = list_query(Some(&query.finish()));

            let text = text.trim().to_lowercase();
            prop_assert_eq!(
                list.ok(),
                Some(ListQuery {
                    page,
                    role: ZendeskRole::from_number(role),
                    query: (!text.is_empty()).then_some(text),
                })
            );
        }
    }
}
