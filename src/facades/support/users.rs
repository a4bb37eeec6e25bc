//! Users (Zendesk, "Users"): the model's agents, administrators and end users. List with `role`
//! / `role[]` filters, show, `me`, create, update, search; `default_group_id` is the user's
//! default membership's group (`make_default`, or set here).

use std::ops::Bound;

use http::StatusCode;

use super::Context;
use super::common::{json, read_json, user};
use super::error::{Invalid, SupportError};
use super::mapping::{Site, time};
use super::page::{self, LinkBase};
use super::wire::{List, One, UserEnvelope, UserIn, UserOut};
use crate::http::{LayerError, Request, Response};
use crate::model::{
    Agent, AgentId, AgentPatch, Command, Credentials, DepartmentId, Email, Membership, ModelError,
    NewAgent, Outcome, Role, RoleSet, State,
};

type Result<T, E = SupportError> = std::result::Result<T, E>;

/// Zendesk's three roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZendeskRole {
    EndUser,
    Agent,
    Admin,
}

impl ZendeskRole {
    fn of(roles: RoleSet) -> Self {
        if roles.is_admin() {
            ZendeskRole::Admin
        } else if roles.is_staff() {
            ZendeskRole::Agent
        } else {
            ZendeskRole::EndUser
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "end-user" => Some(ZendeskRole::EndUser),
            "agent" => Some(ZendeskRole::Agent),
            "admin" => Some(ZendeskRole::Admin),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ZendeskRole::EndUser => "end-user",
            ZendeskRole::Agent => "agent",
            ZendeskRole::Admin => "admin",
        }
    }

    /// The model's roles for a user given this role (administrators are agents too).
    fn roles(self) -> RoleSet {
        match self {
            ZendeskRole::EndUser => [Role::EndUser].into_iter().collect(),
            ZendeskRole::Agent => [Role::Agent].into_iter().collect(),
            ZendeskRole::Admin => [Role::Administrator, Role::Agent].into_iter().collect(),
        }
    }
}

/// The model's roles for a Zendesk role name (`admin`, `agent`, `end-user`), as a write gives
/// them; `None` for another name.
pub fn roles_named(name: &str) -> Option<RoleSet> {
    ZendeskRole::parse(name).map(ZendeskRole::roles)
}

/// The user as Zendesk shows it (docs/support.md, "Users").
pub fn user_out(site: &Site, view: &State, agent: &Agent) -> UserOut {
    user_out_with(site, agent, view.primary_link_of(agent.id))
}

/// [`user_out`] given the user's primary link (`State::primary_link_of`), for an export that
/// finds each user's once for both the users and their memberships.
pub fn user_out_with(site: &Site, agent: &Agent, primary: Option<&Membership>) -> UserOut {
    let role = ZendeskRole::of(agent.roles);
    let admin = role == ZendeskRole::Admin;
    UserOut {
        id: agent.id.0,
        url: site.record("users", agent.id.0),
        name: agent.display_name.clone(),
        email: agent.email.as_str().to_owned(),
        created_at: time(agent.created_at),
        updated_at: time(agent.updated_at),
        time_zone: agent.time_zone.clone(),
        iana_time_zone: agent.time_zone.clone(),
        phone: None,
        shared_phone_number: None,
        photo: None,
        locale_id: 1,
        locale: "en-US",
        organization_id: None,
        role: role.as_str(),
        verified: true,
        external_id: None,
        tags: [],
        alias: "",
        active: agent.active,
        shared: false,
        shared_agent: false,
        last_login_at: None,
        two_factor_auth_enabled: None,
        signature: "",
        details: "",
        notes: "",
        role_type: admin.then_some(4),
        custom_role_id: None,
        moderator: admin,
        ticket_restriction: None,
        only_private_comments: false,
        restricted_agent: false,
        suspended: false,
        default_group_id: primary.map(|m| m.department.0),
        report_csv: admin,
        user_fields: serde_json::Map::new(),
    }
}

fn one(status: StatusCode, site: &Site, view: &State, agent: &Agent) -> Result<Response> {
    json(
        status,
        &One {
            key: "user",
            record: &user_out(site, view, agent),
        },
    )
}

pub fn show(view: &State, site: &Site, id: u64) -> Result<Response> {
    let agent = view.agent(user(view, id)?).ok_or(SupportError::NotFound)?;
    one(StatusCode::OK, site, view, agent)
}

/// A page of the users `keep` accepts, in id order. Lists and searches keep only active users:
/// an inactive one is a deleted user for Zendesk (the classic API's delete deactivates), shown
/// by id with `active: false` but listed nowhere.
fn page_of(
    view: &State,
    site: &Site,
    url: &str,
    request: &page::Request,
    rest: &[(String, String)],
    keep: &dyn Fn(&Agent) -> bool,
) -> Result<Response> {
    let links = LinkBase { url, rest };
    let (records, paging) = page::window(
        request,
        &links,
        || view.agents().filter(|a| keep(a)).count(),
        |low: Bound<u64>, high: Bound<u64>| {
            Box::new(
                view.agents_in((low.map(AgentId), high.map(AgentId)))
                    .filter(move |a| keep(a))
                    .map(|a| (a.id.0, a)),
            )
        },
    );
    let users: Vec<UserOut> = records
        .into_iter()
        .map(|a| user_out(site, view, a))
        .collect();
    json(
        StatusCode::OK,
        &List {
            key: "users",
            records: &users,
            paging,
        },
    )
}

/// Whether `GET /users` lists the user: an inactive one is a deleted one, listed nowhere.
pub fn listed(agent: &Agent) -> bool {
    agent.active
}

/// `GET /users`, with `role=agent` or `role[]=agent&role[]=admin` filters.
pub fn list(view: &State, site: &Site, url: &str, query: Option<&str>) -> Result<Response> {
    let (request, rest) = page::read(query)?;
    let wanted: Vec<Option<ZendeskRole>> = rest
        .iter()
        .filter(|(k, _)| k == "role" || k == "role[]")
        .map(|(_, v)| ZendeskRole::parse(v))
        .collect();
    let keep = |a: &Agent| {
        listed(a) && (wanted.is_empty() || wanted.contains(&Some(ZendeskRole::of(a.roles))))
    };
    page_of(view, site, url, &request, &rest, &keep)
}

/// `GET /users/search?query=`: `email:` or `name:` a term, or a term found in either (case
/// does not matter); an exact email when the term is one.
pub fn search(view: &State, site: &Site, url: &str, query: Option<&str>) -> Result<Response> {
    let (request, rest) = page::read(query)?;
    let term = rest
        .iter()
        .find(|(k, _)| k == "query")
        .map(|(_, v)| v.trim().to_lowercase())
        .filter(|v| !v.is_empty())
        .ok_or(SupportError::MissingParameter("query"))?;
    let keep = move |a: &Agent| {
        if !a.active {
            return false;
        }
        let email = a.email.as_str().to_lowercase();
        let name = a.display_name.to_lowercase();
        match term.split_once(':') {
            Some(("email", e)) => email == e.trim(),
            Some(("name", n)) => name.contains(n.trim()),
            _ => email.contains(&term) || name.contains(&term),
        }
    };
    page_of(view, site, url, &request, &rest, &keep)
}

/// The body's `user`, or 400 when it has none.
async fn user_body(request: Request) -> Result<UserIn> {
    let body: UserEnvelope = read_json(request).await?;
    body.user.ok_or(SupportError::MissingParameter("user"))
}

fn name(value: Option<Option<String>>) -> Result<Option<String>, Invalid> {
    match value {
        None => Ok(None),
        Some(n) => {
            let n = n.unwrap_or_default();
            if n.trim().is_empty() {
                Err(Invalid::new(
                    "name",
                    "is too short (minimum one character)",
                    "ValueTooShort",
                ))
            } else {
                Ok(Some(n.trim().to_owned()))
            }
        }
    }
}

fn email(value: Option<Option<String>>) -> Result<Option<Email>, Invalid> {
    match value {
        None => Ok(None),
        Some(None) => Err(Invalid::new("email", "cannot be blank", "BlankValue")),
        Some(Some(e)) if e.trim().is_empty() => {
            Err(Invalid::new("email", "cannot be blank", "BlankValue"))
        }
        Some(Some(e)) => Email::parse(e.trim()).map(Some).map_err(|_| {
            Invalid::new(
                "email",
                &format!("{} is not properly formatted", e.trim()),
                "InvalidFormat",
            )
        }),
    }
}

fn role(value: Option<&str>) -> Result<Option<ZendeskRole>, Invalid> {
    value
        .map(|r| {
            ZendeskRole::parse(r)
                .ok_or_else(|| Invalid::new("role", "is not a valid role", "InvalidValue"))
        })
        .transpose()
}

fn time_zone(value: Option<Option<String>>) -> Option<Option<String>> {
    value.map(|tz| tz.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()))
}

/// What a user body says, every problem at once.
struct Parsed {
    name: Option<String>,
    email: Option<Email>,
    role: Option<ZendeskRole>,
    time_zone: Option<Option<String>>,
    default_group_id: Option<u64>,
}

fn parse(body: UserIn, creating: bool) -> Result<Parsed> {
    let mut problems = Vec::new();
    let name_given = if creating {
        Some(body.name.unwrap_or(None))
    } else {
        body.name
    };
    let email_given = if creating {
        Some(body.email.unwrap_or(None))
    } else {
        body.email
    };
    let name = name(name_given)
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    let email = email(email_given)
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    let role = role(body.role.as_deref())
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    if !problems.is_empty() {
        return Err(SupportError::Invalid(problems));
    }
    Ok(Parsed {
        name,
        email,
        role,
        time_zone: time_zone(body.time_zone),
        default_group_id: body.default_group_id,
    })
}

/// `default_group_id` in a body: a group the user is a member of.
fn default_group(view: &State, agent: AgentId, group: u64) -> Result<DepartmentId> {
    let department = DepartmentId(group);
    let member = view.membership(department, agent).is_some()
        && view.department(department).is_some_and(|d| d.active);
    if member {
        Ok(department)
    } else {
        Err(SupportError::Invalid(vec![Invalid::new(
            "default_group_id",
            "is not one of the user's groups",
            "InvalidValue",
        )]))
    }
}

/// `POST /users`: 201 with the user. An end user unless a `role` is given, as Zendesk makes them.
pub async fn create(ctx: &Context, site: Site, request: Request) -> Result<Response> {
    let parsed = parse(user_body(request).await?, true)?;
    let (Some(name), Some(email)) = (parsed.name, parsed.email) else {
        return Err(SupportError::Layer(LayerError::Internal));
    };
    if parsed.default_group_id.is_some() {
        return Err(SupportError::Invalid(vec![Invalid::new(
            "default_group_id",
            "is not one of the user's groups",
            "InvalidValue",
        )]));
    }
    let roles = parsed.role.unwrap_or(ZendeskRole::EndUser).roles();
    // Another write may take the chosen username first: pick again (`unused_username`).
    let mut attempts = 0;
    let id = loop {
        let username = ctx
            .store
            .view()
            .unused_username(email.as_str())
            .ok_or(SupportError::Layer(LayerError::Internal))?;
        let result = ctx
            .store
            .apply(Command::CreateAgent {
                agent: NewAgent {
                    username,
                    display_name: name.clone(),
                    email: email.clone(),
                    roles,
                    active: true,
                    time_zone: parsed.time_zone.clone().flatten(),
                    credentials: Credentials::default(),
                },
            })
            .await;
        match result {
            Ok((_, Outcome::Agent(id))) => break id,
            Ok(_) => return Err(SupportError::Layer(LayerError::Internal)),
            Err(ModelError::DuplicateAgent {
                field: crate::model::AgentField::Username,
            }) if attempts < 3 => attempts += 1,
            Err(e) => return Err(e.into()),
        }
    };
    tracing::info!(agent = id.0, "user created");
    let view = ctx.store.view();
    let agent = view.agent(id).ok_or(SupportError::NotFound)?;
    one(StatusCode::CREATED, &site, &view, agent)
}

/// `PUT /users/{id}`: only the fields given.
pub async fn update(ctx: &Context, site: Site, id: AgentId, request: Request) -> Result<Response> {
    let parsed = parse(user_body(request).await?, false)?;
    let view = ctx.store.view();
    let current = view.agent(id).ok_or(SupportError::NotFound)?;
    let roles = match parsed.role {
        Some(role) if role != ZendeskRole::of(current.roles) => {
            // Zendesk: the account owner's role can't be changed.
            if current.roles.contains(Role::Owner) {
                return Err(SupportError::Invalid(vec![Invalid::new(
                    "role",
                    "the account owner's role can't be changed",
                    "InvalidValue",
                )]));
            }
            Some(role.roles())
        }
        _ => None,
    };
    let primary = parsed
        .default_group_id
        .map(|g| default_group(&view, id, g))
        .transpose()?;
    let leave = roles.is_some_and(|r| !r.is_staff());
    ctx.store
        .apply(Command::UpdateAgent {
            id,
            patch: AgentPatch {
                display_name: parsed.name,
                email: parsed.email,
                roles,
                time_zone: parsed.time_zone,
                leave_departments: leave,
                ..AgentPatch::default()
            },
        })
        .await?;
    if let Some(department) = primary {
        ctx.store
            .apply(Command::SetPrimaryDepartment {
                agent: id,
                department,
            })
            .await?;
    }
    let view = ctx.store.view();
    let agent = view.agent(id).ok_or(SupportError::NotFound)?;
    one(StatusCode::OK, &site, &view, agent)
}
