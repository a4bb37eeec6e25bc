//! One function per Support action: decode -> command -> encode. Routing, authentication and
//! authorization happen once, in [`dispatch`], in that order (docs/support-errors.md, "Order of
//! checks").

use std::future::Future;

use bytes::Bytes;
use std::ops::Bound;
use std::sync::Arc;

use http::header::HOST;
use http::{Method, StatusCode};

use super::Context;
use super::auth::{self, Caller, authenticate, authorize};
use super::common::{POLICY, encode, group, json, live_group, read_json, user};
use super::error::{Invalid, JSON_UTF8, SupportError};
use super::jobs::JobId;
use super::mapping::{Site, default_group, group_out};
use super::memberships;
use super::page::{self, LinkBase, Walk};
use super::passwords;
use super::routes::{Action, record_id};
use super::spliced::{self, Origin, Spliced};
use super::users;
use super::wire::{GroupEnvelope, GroupOut, List, One};
use crate::auth::Principal;
use crate::http::cache::CacheKey;
use crate::http::{Answer, LayerError, Request, Response, respond, respond_empty};
use crate::model::{
    AgentId, Command, Department, DepartmentId, DepartmentPatch, NewDepartment, Outcome, State,
    View,
};

type Result<T, E = SupportError> = std::result::Result<T, E>;

/// What [`dispatch`] learns from the method and the path, before authenticating.
#[derive(Debug, Clone, Copy)]
struct Routed {
    action: Action,
    /// The path's `{id}`; 0 where the path has none.
    id: u64,
    /// The path's `{membership}` (`/users/{id}/group_memberships/{membership}`); 0 elsewhere.
    membership: u64,
    /// The path's `{job}`.
    job: Option<JobId>,
}

/// Routes, authenticates, authorizes, then runs the action: a read at once, a write as work for
/// later that owns the context and the request. A password not yet verified sends the whole
/// request to later, behind the Argon2 check.
pub fn dispatch(ctx: &Arc<Context>, request: Request) -> Result<Answer> {
    let method = if request.method() == Method::HEAD {
        Method::GET
    } else {
        request.method().clone()
    };
    let path = request.uri().path();
    let matched = ctx.routes.resolve(&method, path)?;
    let action = matched.action;
    let segment = |name: &str, last: bool| match matched.params.get(name) {
        Some(raw) => record_id(raw, last).ok_or(SupportError::Layer(LayerError::NotFound)),
        None => Ok(0),
    };
    let job = match matched.params.get("job") {
        Some(raw) => Some(JobId::parse(raw).ok_or(SupportError::Layer(LayerError::NotFound))?),
        None => None,
    };
    let routed = Routed {
        action,
        id: segment("id", action.id_ends_path())?,
        membership: segment("membership", action.membership_ends_path())?,
        job,
    };

    let view = ctx.store.read();
    match authenticate(&ctx.passwords, &view, request.headers())? {
        Caller::Known(principal) => act(ctx, &view, principal, routed, request),
        Caller::Unverified(check) => {
            let ctx = Arc::clone(ctx);
            let admitted = async move {
                let (principal, view) = auth::verify(check, &ctx.store).await?;
                act(&ctx, &view, principal, routed, request)
            };
            Ok(Answer::later_then(admitted, SupportError::into_response))
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
        membership,
        job,
    } = routed;
    authorize(principal, action)?;
    let origin = origin(&request)?;
    // The kept answers splice the origin in; the others build it whole.
    let site = || origin.site();
    let query = request.uri().query();
    let path = request.uri().path();
    // Only a list needs its own URL (for its links).
    let list_url = || list_url(&site(), path);
    let page = Page {
        path,
        target: request
            .uri()
            .path_and_query()
            .map_or(path, |target| target.as_str()),
        query,
    };
    let response = match action {
        Action::ListGroups | Action::AssignableGroups => list_groups(ctx, view, origin, &page),
        Action::ShowGroup => show_group(ctx, view, origin, group(view, id)?),
        Action::UserGroups => user_groups(ctx, view, origin, &page, user(view, id)?),
        Action::CreateGroup => {
            let site = site();
            return later(
                ctx,
                |ctx| async move { create_group(&ctx, site, request).await },
            );
        }
        Action::UpdateGroup => {
            let id = live_group(view, id)?;
            let site = site();
            return later(ctx, |ctx| async move {
                update_group(&ctx, site, id, request).await
            });
        }
        Action::DeleteGroup => {
            let id = live_group(view, id)?;
            return later(ctx, |ctx| async move { delete_group(&ctx, id).await });
        }
        Action::ListMemberships | Action::AssignableMemberships => {
            memberships::list(view, &site(), &list_url(), query)
        }
        Action::GroupMemberships => memberships::of_group(view, &site(), &list_url(), query, id),
        Action::UserMemberships => memberships::of_user(view, &site(), &list_url(), query, id),
        Action::ShowMembership => {
            memberships::show(view, &site(), memberships::membership(view, id)?)
        }
        Action::ShowUserMembership => memberships::show(
            view,
            &site(),
            memberships::user_membership(view, id, membership)?,
        ),
        Action::CreateMembership | Action::CreateUserMembership => {
            let path_user = (action == Action::CreateUserMembership).then_some(id);
            if let Some(user_id) = path_user {
                user(view, user_id)?;
            }
            let site = site();
            return later(ctx, |ctx| async move {
                memberships::create(&ctx, site, request, path_user).await
            });
        }
        Action::DeleteMembership | Action::DeleteUserMembership => {
            let found = if action == Action::DeleteUserMembership {
                memberships::user_membership(view, id, membership)?
            } else {
                memberships::membership(view, id)?
            };
            let found = found.id;
            return later(
                ctx,
                |ctx| async move { memberships::delete(&ctx, found).await },
            );
        }
        Action::MakeDefault => {
            memberships::user_membership(view, id, membership)?;
            let site = site();
            return later(ctx, |ctx| async move {
                memberships::make_default(&ctx, site, id, membership).await
            });
        }
        Action::CreateManyMemberships => {
            let site = site();
            return later(ctx, |ctx| async move {
                memberships::create_many(&ctx, site, request).await
            });
        }
        Action::DestroyManyMemberships => {
            let query = query.map(str::to_owned);
            let site = site();
            return later(ctx, |ctx| async move {
                memberships::destroy_many(&ctx, site, query).await
            });
        }
        Action::ListUsers => users::list(view, &site(), &list_url(), query),
        Action::SearchUsers => users::search(view, &site(), &list_url(), query),
        Action::ShowUser => users::show(view, &site(), id),
        Action::ShowMe => users::show(view, &site(), principal.agent.0),
        Action::CreateUser => {
            let site = site();
            return later(ctx, |ctx| async move {
                users::create(&ctx, site, request).await
            });
        }
        Action::UpdateUser => {
            let id = user(view, id)?;
            let site = site();
            return later(ctx, |ctx| async move {
                users::update(&ctx, site, id, request).await
            });
        }
        Action::SetPassword => {
            let id = user(view, id)?;
            return later(
                ctx,
                |ctx| async move { passwords::set(&ctx, id, request).await },
            );
        }
        Action::ChangePassword => {
            let id = passwords::own(principal, id)?;
            return later(ctx, |ctx| async move {
                passwords::change(&ctx, id, request).await
            });
        }
        Action::PasswordRequirements => passwords::requirements(view, principal, id),
        Action::ShowJobStatus => {
            let job = job.ok_or(SupportError::Layer(LayerError::Internal))?;
            memberships::show_job(ctx, &site(), job)
        }
    };
    response.map(Answer::Now)
}

/// A write, left for later ([`Answer::later_with`]).
fn later<F>(ctx: &Arc<Context>, write: impl FnOnce(Arc<Context>) -> F) -> Result<Answer>
where
    F: Future<Output = Result<Response>> + Send + 'static,
{
    Ok(Answer::later_with(ctx, write, SupportError::into_response))
}

/// `http://{Host}{tenant mount}`: records' `url` and the lists' links point back the way the
/// client came (the tenant's `/t/{name}`, which the gateway took off the path, goes back in).
fn origin(request: &Request) -> Result<Origin<'_>> {
    let host = request
        .headers()
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .ok_or(SupportError::MissingHost)?;
    // `Authority` parses a host as itself or refuses it; a plain one needs no parser (which
    // copies it).
    if !plain_host(host) {
        let authority: http::uri::Authority =
            host.parse().map_err(|_| SupportError::MissingHost)?;
        if authority.as_str().contains('@') {
            return Err(SupportError::MissingHost);
        }
    }
    Ok(Origin {
        authority: host,
        mount: request.body().mount(),
    })
}

/// `name` or `name:port` (letters, digits, `.` and `-`; a port of digits): what nearly every
/// client sends, and what `Authority` accepts as it is.
fn plain_host(host: &str) -> bool {
    let bytes = host.as_bytes();
    let (name, port) = match bytes.iter().position(|b| *b == b':') {
        Some(colon) => (&bytes[..colon], &bytes[colon + 1..]),
        None => (bytes, &b"80"[..]),
    };
    !name.is_empty()
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        && (1..=5).contains(&port.len())
        && port.iter().all(u8::is_ascii_digit)
}

/// A list's own absolute URL, with `.json` as Zendesk's links have it.
fn list_url(site: &Site, path: &str) -> String {
    let path = path.strip_suffix(JSON_SUFFIX).unwrap_or(path);
    let mut url = String::with_capacity(site.origin.len() + path.len() + JSON_SUFFIX.len());
    url.push_str(&site.origin);
    url.push_str(path);
    url.push_str(JSON_SUFFIX);
    url
}

const JSON_SUFFIX: &str = ".json";

/// What a list's answer depends on besides the state and the origin.
struct Page<'r> {
    /// The request's path, for the list's URL.
    path: &'r str,
    /// Its path and query as the client sent them: the key its page is kept under.
    target: &'r str,
    query: Option<&'r str>,
}

/// A page's body as kept for this view's version and the request's path and query
/// (`Context::group_pages`), or as `encode` makes it for a [`Site::bare`], then kept; answered
/// with the request's origin spliced in. A bad query fails in `encode` and keeps nothing.
fn cached_page(
    ctx: &Context,
    view: &View,
    origin: Origin<'_>,
    page: &Page<'_>,
    encode: impl FnOnce(&Site, &str) -> Result<Vec<u8>>,
) -> Result<Response> {
    let kept = ctx
        .group_pages
        .get_or_encode(view.version(), page.target, || {
            let bare = Site::bare();
            let url = list_url(&bare, page.path);
            encode(&bare, &url).map(|bytes| Arc::new(Spliced::new(bytes)))
        })?;
    Ok(respond(StatusCode::OK, JSON_UTF8, kept.render(origin)))
}

/// Departments from a bound, in id order, as a walk for [`page::window`].
fn departments_walk<'a>(
    view: &'a State,
    keep: fn(&Department) -> bool,
) -> impl Fn(Bound<u64>, Bound<u64>) -> Walk<'a, &'a Arc<Department>> {
    move |low, high| {
        let low = low.map(DepartmentId);
        let high = high.map(DepartmentId);
        Box::new(
            view.departments_in((low, high))
                .filter(move |d| keep(d))
                .map(|d| (d.id.0, d)),
        )
    }
}

fn groups_page(
    view: &View,
    site: &Site,
    records: Vec<&Arc<Department>>,
    paging: super::wire::Paging,
) -> Result<Vec<u8>> {
    let default = default_group(view);
    let groups: Vec<GroupOut> = records
        .into_iter()
        .map(|d| group_out(site, default, d))
        .collect();
    encode(&List {
        key: "groups",
        records: &groups,
        paging,
    })
}

/// The groups that are not deleted, in id order (also `assignable`: every such group can be
/// assigned). Its count is the model's and its walk starts with an index descent, so a page
/// costs its size, whatever the number of groups; and it is kept ([`cached_page`]).
fn list_groups(
    ctx: &Context,
    view: &View,
    origin: Origin<'_>,
    page: &Page<'_>,
) -> Result<Response> {
    cached_page(ctx, view, origin, page, |bare, url| {
        let (request, rest) = page::read(page.query)?;
        let links = LinkBase { url, rest: &rest };
        let (records, paging) = page::window(
            &request,
            &links,
            || view.active_department_count(),
            departments_walk(view, |d| d.active),
        );
        groups_page(view, bare, records, paging)
    })
}

/// The groups a user belongs to, not deleted, in id order; kept as [`list_groups`] is.
fn user_groups(
    ctx: &Context,
    view: &View,
    origin: Origin<'_>,
    page: &Page<'_>,
    user: AgentId,
) -> Result<Response> {
    cached_page(ctx, view, origin, page, |bare, url| {
        let (request, rest) = page::read(page.query)?;
        let links = LinkBase { url, rest: &rest };
        // A user's groups are few: collected once, then walked like an index.
        let mine: Vec<&Arc<Department>> = view.departments_of(user).filter(|d| d.active).collect();
        let (records, paging) = page::window_of(&request, &links, &mine, |d| d.id.0);
        groups_page(view, bare, records, paging)
    })
}

/// What [`show_group`] keeps in the facade's body cache.
const GROUP_BODY: u32 = 1;

/// `{"group": …}`. Its `url` depends on the request's host and tenant mount, which a cache key
/// does not hold, so the cache keeps the body with the URL relative to the origin, encoded once
/// per state version, and each answer writes the origin in (`spliced`).
fn show_group(
    ctx: &Context,
    view: &View,
    origin: Origin<'_>,
    group: &Arc<Department>,
) -> Result<Response> {
    // The same group asked for again by way of the same origin is the last answer's bytes:
    // callgrind, 21 045 -> 20 239 instructions a request (no splice, no allocation, and the
    // journal's entry shares the bytes instead of freeing a copy later).
    let id = group.id.0;
    if let Some(body) = ctx
        .last_group
        .get_if(view.version(), |last| last.is(id, origin))
    {
        return Ok(respond(StatusCode::OK, JSON_UTF8, body));
    }
    let key = CacheKey {
        kind: GROUP_BODY,
        variant: 0,
        id,
    };
    let body = ctx.bodies.get_or_encode(key, view.version(), || {
        let out = group_out(&Site::bare(), default_group(view), group);
        let body = encode(&One {
            key: "group",
            record: &out,
        })?;
        // Where the origin goes: `render` below relies on it.
        if !body.starts_with(GROUP_URL) {
            return Err(SupportError::Layer(LayerError::Internal));
        }
        Ok(Bytes::from(body))
    })?;
    let body = spliced::render(&body, &[GROUP_URL.len()], origin);
    ctx.last_group.put(
        view.version(),
        spliced::Answered::new(id, origin),
        body.clone(),
    );
    Ok(respond(StatusCode::OK, JSON_UTF8, body))
}

/// How every shown group starts, up to its `url`'s value.
const GROUP_URL: &[u8] = br#"{"group":{"url":""#;

/// The body's `group`, or 400 when it has none.
async fn group_body(request: Request) -> Result<super::wire::GroupIn> {
    let body: GroupEnvelope = read_json(request).await?;
    body.group.ok_or(SupportError::MissingParameter("group"))
}

async fn create_group(ctx: &Context, site: Site, request: Request) -> Result<Response> {
    let department = NewDepartment::try_from(group_body(request).await?)?;
    let (view, outcome) = ctx
        .store
        .apply(Command::CreateDepartment {
            department,
            members: None,
            policy: POLICY,
        })
        .await?;
    let Outcome::Department(id) = outcome else {
        return Err(LayerError::Internal.into());
    };
    let group = view.department(id).ok_or(SupportError::NotFound)?;
    tracing::info!(department = id.0, "group created");
    let group = group_out(&site, default_group(&view), group);
    json(
        StatusCode::CREATED,
        &One {
            key: "group",
            record: &group,
        },
    )
}

async fn update_group(
    ctx: &Context,
    site: Site,
    id: DepartmentId,
    request: Request,
) -> Result<Response> {
    let patch = DepartmentPatch::try_from(group_body(request).await?)?;
    // Zendesk: "You can't change a private group to a public group" (Groups, `is_public`).
    if patch.public == Some(true) && ctx.store.view().department(id).is_some_and(|d| !d.public) {
        return Err(SupportError::Invalid(vec![Invalid::new(
            "is_public",
            "a private group can't be made public",
            "InvalidValue",
        )]));
    }
    let (view, _) = ctx
        .store
        .apply(Command::UpdateDepartment {
            id,
            patch,
            members: None,
            policy: POLICY,
        })
        .await?;
    let group = view.department(id).ok_or(SupportError::NotFound)?;
    let group = group_out(&site, default_group(&view), group);
    json(
        StatusCode::OK,
        &One {
            key: "group",
            record: &group,
        },
    )
}

/// Soft delete: the group stays, `deleted: true`, left out of lists and no longer assignable;
/// 204 with no body (Groups, "Delete Group").
async fn delete_group(ctx: &Context, id: DepartmentId) -> Result<Response> {
    ctx.store
        .apply(Command::SetDepartmentActive { id, active: false })
        .await?;
    tracing::info!(department = id.0, "group deleted (set inactive)");
    Ok(respond_empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::plain_host;

    #[test]
    fn a_plain_host_is_one_that_authority_accepts_as_it_is() {
        for host in [
            "localhost",
            "127.0.0.1:8080",
            "a-b.example.test:65535",
            "h:99999",
        ] {
            assert!(plain_host(host), "{host}");
            let parsed: http::uri::Authority = host.parse().unwrap();
            assert_eq!(parsed.as_str(), host);
        }
        for host in [
            "", ":80", "h:", "h:8a", "user@h", "[::1]:80", "h:1:2", "h_1", "h:123456", "h/x",
        ] {
            assert!(!plain_host(host), "{host}");
        }
    }
}
