//! Group memberships (Zendesk, "Group Memberships"): the model's links between an agent and a
//! department, each with its stable integer id. Lists, show, create, delete, `make_default`,
//! and the bulk `create_many` / `destroy_many`, which answer with a job status (`jobs.rs`).
//!
//! A membership of a deleted group, or of a deleted (inactive) user, is gone for this API
//! (Zendesk removes a deleted group's or user's memberships); the model keeps the link, so
//! restoring the group or the user through another facade brings it back with its id.

use std::ops::Bound;

use http::StatusCode;

use super::Context;
use super::common::{POLICY, json, live_group, read_json, user};
use super::error::{Invalid, SupportError};
use super::jobs::{Job, JobId, Outcome};
use super::mapping::{Site, membership_out};
use super::page::{self, LinkBase};
use super::wire::{
    List, MembershipEnvelope, MembershipIn, MembershipOut, MembershipsEnvelope, One,
};
use crate::http::{Request, Response, respond_empty};
use crate::model::{
    AgentId, Command, DepartmentId, MemberSpec, MembersChange, Membership, MembershipId, State,
    Timestamp,
};

type Result<T, E = SupportError> = std::result::Result<T, E>;

/// Most items in one `create_many` or `destroy_many` (Zendesk accepts up to 100).
const BULK_LIMIT: usize = 100;

/// Whether the membership's group is not deleted.
fn shown_group(view: &State, m: &Membership) -> bool {
    view.department(m.department).is_some_and(|d| d.active)
}

/// Whether neither the membership's group nor its user is deleted: the only memberships this
/// API shows (also the `zendesk-support` export's).
pub fn shown(view: &State, m: &Membership) -> bool {
    shown_group(view, m) && view.agent(m.agent).is_some_and(|a| a.active)
}

/// A membership this API shows, by id.
pub fn membership(view: &State, id: u64) -> Result<&Membership> {
    view.membership_by_id(MembershipId(id))
        .filter(|m| shown(view, m))
        .ok_or(SupportError::NotFound)
}

/// A membership of `user`, by id (`/users/{user_id}/group_memberships/{id}`).
pub fn user_membership(view: &State, user_id: u64, id: u64) -> Result<&Membership> {
    user(view, user_id)?;
    membership(view, id).and_then(|m| {
        if m.agent == AgentId(user_id) {
            Ok(m)
        } else {
            Err(SupportError::NotFound)
        }
    })
}

fn page_of(
    view: &State,
    site: &Site,
    records: Vec<&Membership>,
    paging: super::wire::Paging,
) -> Result<Response> {
    let out: Vec<MembershipOut> = records
        .into_iter()
        .map(|m| membership_out(site, view, m))
        .collect();
    json(
        StatusCode::OK,
        &List {
            key: "group_memberships",
            records: &out,
            paging,
        },
    )
}

/// Every membership shown, in id order (also `assignable`: every group shown can be assigned).
pub fn list(view: &State, site: &Site, url: &str, query: Option<&str>) -> Result<Response> {
    let (request, rest) = page::read(query)?;
    let links = LinkBase { url, rest: &rest };
    let (records, paging) = page::window(
        &request,
        &links,
        // Every link but those of deleted groups and deleted users: a walk of the groups and
        // the users, not of the links.
        || {
            let of_deleted_groups: usize = view
                .departments()
                .filter(|d| !d.active)
                .map(|d| view.members_of(d.id).len())
                .sum();
            let of_deleted_users: usize = view
                .agents()
                .filter(|a| !a.active)
                .map(|a| view.links_of(a.id).filter(|m| shown_group(view, m)).count())
                .sum();
            view.membership_count() - of_deleted_groups - of_deleted_users
        },
        |low: Bound<u64>, high: Bound<u64>| {
            Box::new(
                view.memberships_in((low.map(MembershipId), high.map(MembershipId)))
                    .filter(|m| shown(view, m))
                    .map(|m| (m.id.0, m)),
            )
        },
    );
    page_of(view, site, records, paging)
}

/// A few memberships (one group's, one user's), collected once and paged in id order.
pub fn list_some<'a>(
    view: &'a State,
    site: &Site,
    url: &str,
    query: Option<&str>,
    mut records: Vec<&'a Membership>,
) -> Result<Response> {
    let (request, rest) = page::read(query)?;
    let links = LinkBase { url, rest: &rest };
    records.retain(|m| shown(view, m));
    records.sort_unstable_by_key(|m| m.id);
    let (records, paging) = page::window_of(&request, &links, &records, |m| m.id.0);
    page_of(view, site, records, paging)
}

/// A group's memberships.
pub fn of_group(
    view: &State,
    site: &Site,
    url: &str,
    query: Option<&str>,
    id: u64,
) -> Result<Response> {
    let group = live_group(view, id)?;
    list_some(view, site, url, query, view.members_of(group).collect())
}

/// A user's memberships.
pub fn of_user(
    view: &State,
    site: &Site,
    url: &str,
    query: Option<&str>,
    id: u64,
) -> Result<Response> {
    let agent = user(view, id)?;
    list_some(view, site, url, query, view.links_of(agent).collect())
}

pub fn show(view: &State, site: &Site, m: &Membership) -> Result<Response> {
    json(
        StatusCode::OK,
        &One {
            key: "group_membership",
            record: &membership_out(site, view, m),
        },
    )
}

/// The user and group a body names, each checked: blank ones are listed together (422), an
/// unknown or deleted group or an unknown user is `RecordNotFound`, and a membership that exists
/// is a 422 (docs/support-errors.md).
fn wanted(view: &State, body: &MembershipIn) -> Result<(AgentId, DepartmentId)> {
    let blank = |field: &str, given: Option<u64>| {
        given.ok_or_else(|| Invalid::new(field, "cannot be blank", "BlankValue"))
    };
    let (user_id, group_id) = match (
        blank("user_id", body.user_id),
        blank("group_id", body.group_id),
    ) {
        (Ok(u), Ok(g)) => (u, g),
        (u, g) => {
            return Err(SupportError::Invalid(
                u.err().into_iter().chain(g.err()).collect(),
            ));
        }
    };
    let agent = user(view, user_id)?;
    let group = live_group(view, group_id)?;
    if view.membership(group, agent).is_some() {
        return Err(SupportError::Invalid(vec![Invalid::new(
            "user_id",
            "has already been taken",
            "DuplicateValue",
        )]));
    }
    Ok((agent, group))
}

/// Adds one link through the model; gives its id.
async fn add(ctx: &Context, agent: AgentId, group: DepartmentId) -> Result<MembershipId> {
    let (view, _) = ctx
        .store
        .apply(Command::ChangeMembers {
            id: group,
            change: MembersChange::Edit {
                upsert: vec![MemberSpec {
                    agent,
                    order: None,
                    count: None,
                }],
                remove: vec![],
            },
            policy: POLICY,
        })
        .await?;
    view.membership(group, agent)
        .map(|m| m.id)
        .ok_or(SupportError::NotFound)
}

async fn remove(ctx: &Context, m: &Membership) -> Result<()> {
    ctx.store
        .apply(Command::ChangeMembers {
            id: m.department,
            change: MembersChange::Edit {
                upsert: vec![],
                remove: vec![m.agent],
            },
            policy: POLICY,
        })
        .await?;
    Ok(())
}

/// `POST /group_memberships` (and `/users/{id}/group_memberships`, whose path names the user):
/// 201 with the membership.
pub async fn create(
    ctx: &Context,
    site: Site,
    request: Request,
    path_user: Option<u64>,
) -> Result<Response> {
    let body: MembershipEnvelope = read_json(request).await?;
    let mut body = body
        .group_membership
        .ok_or(SupportError::MissingParameter("group_membership"))?;
    if path_user.is_some() {
        body.user_id = path_user;
    }
    let (agent, group) = wanted(&ctx.store.view(), &body)?;
    let id = add(ctx, agent, group).await?;
    tracing::info!(membership = id.0, "group membership created");
    let view = ctx.store.view();
    let m = view.membership_by_id(id).ok_or(SupportError::NotFound)?;
    json(
        StatusCode::CREATED,
        &One {
            key: "group_membership",
            record: &membership_out(&site, &view, m),
        },
    )
}

/// `DELETE`: 204, no body.
pub async fn delete(ctx: &Context, id: MembershipId) -> Result<Response> {
    let view = ctx.store.view();
    let m = membership(&view, id.0)?.clone();
    remove(ctx, &m).await?;
    tracing::info!(membership = id.0, "group membership deleted");
    Ok(respond_empty(StatusCode::NO_CONTENT))
}

/// `make_default`: the membership becomes the user's default; answers the user's memberships.
pub async fn make_default(ctx: &Context, site: Site, user_id: u64, id: u64) -> Result<Response> {
    let m = user_membership(&ctx.store.view(), user_id, id)?.clone();
    let (view, _) = ctx
        .store
        .apply(Command::SetPrimaryDepartment {
            agent: m.agent,
            department: m.department,
        })
        .await?;
    let mut mine: Vec<&Membership> = view.links_of(m.agent).filter(|l| shown(&view, l)).collect();
    mine.sort_unstable_by_key(|l| l.id);
    let out: Vec<MembershipOut> = mine
        .into_iter()
        .map(|l| membership_out(&site, &view, l))
        .collect();
    json(
        StatusCode::OK,
        &serde_json::json!({ "group_memberships": out }),
    )
}

/// One refused item of a bulk request, as its job reports it.
fn failed(id: Option<u64>, e: &SupportError) -> Outcome {
    let (error, details) = e.summary();
    Outcome::Failed { id, error, details }
}

fn job_answer(site: &Site, job: &Job) -> Result<Response> {
    json(
        StatusCode::OK,
        &One {
            key: "job_status",
            record: &job.out(site),
        },
    )
}

/// `create_many`: each item in order, as its own write; the job reports each.
pub async fn create_many(ctx: &Context, site: Site, request: Request) -> Result<Response> {
    let body: MembershipsEnvelope = read_json(request).await?;
    let items = body
        .group_memberships
        .ok_or(SupportError::MissingParameter("group_memberships"))?;
    if items.len() > BULK_LIMIT {
        return Err(too_many());
    }
    let mut outcomes = Vec::with_capacity(items.len());
    for item in &items {
        let outcome = match wanted(&ctx.store.view(), item) {
            Ok((agent, group)) => match add(ctx, agent, group).await {
                Ok(id) => Outcome::Done(id.0),
                Err(e) => failed(None, &e),
            },
            Err(e) => failed(None, &e),
        };
        outcomes.push(outcome);
    }
    let job = ctx.jobs.finish("create", outcomes, Timestamp::now());
    job_answer(&site, &job)
}

/// `destroy_many?ids=1,2,3`: each id in order; an unknown one is reported, not fatal.
pub async fn destroy_many(ctx: &Context, site: Site, query: Option<String>) -> Result<Response> {
    let ids = ids_param(query.as_deref())?;
    let mut outcomes = Vec::with_capacity(ids.len());
    for id in ids {
        let found = membership(&ctx.store.view(), id).cloned();
        let outcome = match found {
            Ok(m) => match remove(ctx, &m).await {
                Ok(()) => Outcome::Done(id),
                Err(e) => failed(Some(id), &e),
            },
            Err(e) => failed(Some(id), &e),
        };
        outcomes.push(outcome);
    }
    let job = ctx.jobs.finish("delete", outcomes, Timestamp::now());
    job_answer(&site, &job)
}

fn too_many() -> SupportError {
    SupportError::TooManyValues(BULK_LIMIT)
}

/// `ids=1,2,3`: at least one, at most [`BULK_LIMIT`], each a positive integer.
fn ids_param(query: Option<&str>) -> Result<Vec<u64>> {
    let raw = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "ids")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if raw.trim().is_empty() {
        return Err(SupportError::MissingParameter("ids"));
    }
    let ids: Option<Vec<u64>> = raw
        .split(',')
        .map(|s| s.trim().parse::<u64>().ok().filter(|n| *n > 0))
        .collect();
    let ids = ids.ok_or_else(|| {
        SupportError::Invalid(vec![Invalid::new(
            "ids",
            "must be a list of positive integers",
            "InvalidValue",
        )])
    })?;
    if ids.len() > BULK_LIMIT {
        return Err(too_many());
    }
    Ok(ids)
}

/// `GET /job_statuses/{id}`.
pub fn show_job(ctx: &Context, site: &Site, id: JobId) -> Result<Response> {
    let job = ctx.jobs.get(id).ok_or(SupportError::NotFound)?;
    job_answer(site, &job)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_a_comma_list_of_positive_integers() {
        assert_eq!(ids_param(Some("ids=1,2,%203")).unwrap(), [1, 2, 3]);
        assert!(matches!(
            ids_param(None),
            Err(SupportError::MissingParameter("ids"))
        ));
        assert!(matches!(
            ids_param(Some("ids=1,x")),
            Err(SupportError::Invalid(_))
        ));
        assert!(matches!(
            ids_param(Some("ids=0")),
            Err(SupportError::Invalid(_))
        ));
        let many = (1..=101)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert!(matches!(
            ids_param(Some(&format!("ids={many}"))),
            Err(SupportError::TooManyValues(100))
        ));
    }
}
