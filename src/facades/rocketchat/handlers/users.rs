//! Agents and users: `livechat/users/:type` (list, add, show, remove; the typed routes of
//! `apps/meteor/app/livechat/imports/server/rest/users.ts`), `livechat/agent.status`
//! (`apps/meteor/app/livechat/server/api/v1/agent.ts`), `users.create`, `users.delete` and
//! `users.setStatus`, the user routes the e2e suites lean on (spec §6, with the default roles of
//! §2.2).

use std::sync::Arc;

use super::common::{Req, Result, apply, contains_ci, ok, sorted_page};
use crate::facades::rocketchat::Context;
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::mapping;
use crate::facades::rocketchat::permissions::Permission;
use crate::facades::rocketchat::query;
use crate::facades::rocketchat::wire::requests::{
    self, AgentStatusBody, SetStatus, UserCreate, UserKey, UserSelector, UsersAdd, params,
};
use crate::facades::rocketchat::wire::{self, Json};
use crate::http::{LayerError, Response};
use crate::model::{
    Agent, AgentPatch, Command, Credentials, Email, NewAgent, Outcome, Presence, Role, State,
    Username, View,
};

pub(super) fn list_users(view: &View, req: &Req<'_>) -> Result<Response> {
    let page = query::page(&req.query);
    let sort = query::sort(&req.query)?;
    let role = match req.param("type") {
        "agent" => {
            if !(req.may(Permission::TransferLivechatGuest)
                || req.may(Permission::EditOmnichannelContact))
            {
                return Err(RcError::NotAuthorized);
            }
            Role::Agent
        }
        "manager" => {
            if !req.may(Permission::ViewLivechatManager) {
                return Err(RcError::NotAuthorized);
            }
            Role::Manager
        }
        _ => return Err(RcError::InvalidType),
    };
    let text = query::string(&req.query, params::TEXT).filter(|t| !t.is_empty());
    let only_available = req.query.get(params::ONLY_AVAILABLE) == Some(&Json::Bool(true));
    let show_idle = req.query.get(params::SHOW_IDLE_AGENTS) != Some(&Json::Bool(false));
    let exclude = query::string(&req.query, params::EXCLUDE_ID);
    let users: Vec<_> = view
        .agents()
        .filter(|a| a.roles.contains(role))
        .filter(|a| {
            text.is_none_or(|t| {
                contains_ci(a.username.as_str(), t)
                    || contains_ci(&a.display_name, t)
                    || contains_ci(a.email.as_str(), t)
            })
        })
        .filter(|a| !only_available || a.accepts_chats)
        .filter(|a| show_idle || a.presence != Presence::Offline)
        .filter(|a| exclude != Some(a.uid.as_str()))
        .map(|a| wire::AgentListItem {
            id: a.uid.as_str(),
            username: a.username.as_str(),
            name: &a.display_name,
            status: mapping::status(a),
            status_livechat: mapping::status_livechat(a),
            emails: mapping::emails(a),
            departments: view
                .departments_of(a.id)
                .map(|d| d.uid.to_string())
                .collect(),
        })
        .collect();
    let sort = sort.unwrap_or_else(|| vec![("name".to_owned(), 1)]);
    let (users, total) = sorted_page(users, page, Some(sort));
    ok(&wire::Page {
        count: users.len(),
        items: wire::Named {
            name: "users",
            items: users,
        },
        offset: page.offset,
        total,
        success: true,
    })
}

fn user_type(req: &Req<'_>) -> Result<Role> {
    match req.param("type") {
        "agent" => Ok(Role::Agent),
        "manager" => Ok(Role::Manager),
        _ => Err(RcError::InvalidType),
    }
}

pub(super) async fn add_user_of_type(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
) -> Result<Response> {
    let role = user_type(req)?;
    let body: UsersAdd = requests::decode(&req.body)?;
    let agent = view
        .agent_by_username(&body.username)
        .ok_or(RcError::InvalidUser)?;
    let mut patch = AgentPatch {
        roles: Some(mapping::with_role(agent.roles, role)),
        ..AgentPatch::default()
    };
    if role == Role::Agent {
        // `afterAgentAdded` makes the new agent available (its lookup never reads `status`, so
        // it always picks "available").
        patch.accepts_chats = Some(true);
    }
    let (view, _) = apply(
        ctx,
        Command::UpdateAgent {
            id: agent.id,
            patch,
        },
    )
    .await?;
    let agent = view.agent(agent.id).ok_or(LayerError::Internal)?;
    ok(&wire::UserAnswer {
        user: Some(wire::UserRef {
            id: agent.uid.as_str(),
            username: agent.username.as_str(),
        }),
        success: true,
    })
}

/// `Users.findOneByIdAndRole`: an unknown id, or a user without the type's role, is
/// `{"user": null}` (the route's "TODO: throw error instead of returning null").
pub(super) fn show_user_of_type(view: &View, req: &Req<'_>) -> Result<Response> {
    let role = user_type(req)?;
    let agent = mapping::agent_by_id(view, req.param("_id")).filter(|a| a.roles.contains(role));
    let user = agent.map(|agent| wire::AgentOut {
        id: agent.uid.as_str(),
        username: agent.username.as_str(),
        name: &agent.display_name,
        status: mapping::status(agent),
        status_livechat: agent
            .roles
            .contains(Role::Agent)
            .then(|| mapping::status_livechat(agent)),
        emails: mapping::emails(agent),
    });
    ok(&wire::UserAnswer {
        user,
        success: true,
    })
}

pub(super) async fn remove_user_of_type(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
) -> Result<Response> {
    let role = user_type(req)?;
    // `removeAgent` / `removeManager` look the user up by id and throw `error-invalid-user`;
    // removing a role the user lacks succeeds (`removeUserFromRolesAsync` returns true), so
    // the route's `error-removing-user` is never reached here.
    let agent = mapping::agent_by_id(view, req.param("_id")).ok_or(RcError::InvalidUser)?;
    let patch = AgentPatch {
        roles: Some(mapping::without_role(agent.roles, role)),
        // `livechat.afterAgentRemoved` deletes the agent's department links.
        leave_departments: role == Role::Agent,
        ..AgentPatch::default()
    };
    apply(
        ctx,
        Command::UpdateAgent {
            id: agent.id,
            patch,
        },
    )
    .await?;
    ok(&wire::SUCCESS)
}

pub(super) async fn create_user(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    let UserCreate {
        email,
        name,
        password,
        username,
        active,
        roles,
    } = requests::decode(&req.body)?;
    let username = Username::parse(&username).map_err(|_| RcError::InvalidUsername(username))?;
    let email = Email::parse(&email).map_err(|_| RcError::InvalidEmail(email))?;
    if view.agent_by_username(username.as_str()).is_some() {
        return Err(RcError::FieldUnavailable(username.as_str().to_owned()));
    }
    if view.agent_by_email(email.as_str()).is_some() {
        return Err(RcError::FieldUnavailable(email.as_str().to_owned()));
    }
    let role_names = roles.unwrap_or_else(|| vec!["user".to_owned()]);
    let roles = mapping::model_roles(&role_names).map_err(|_| RcError::InvalidRole)?;
    // Argon2 takes a while; keep it off the async workers.
    let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
        .await
        .map_err(|_| LayerError::Internal)?
        .map_err(|e| {
            tracing::error!(error = %e, "hashing a password failed");
            LayerError::Internal
        })?;
    let (view, outcome) = apply(
        ctx,
        Command::CreateAgent {
            agent: NewAgent {
                username,
                display_name: name,
                email,
                roles,
                active: true,
                time_zone: None,
                credentials: Credentials {
                    password: Some(hash),
                    tokens: Vec::new(),
                },
            },
        },
    )
    .await?;
    let Outcome::Agent(id) = outcome else {
        return Err(LayerError::Internal.into());
    };
    let view = if active == Some(false) {
        let patch = AgentPatch {
            active: Some(false),
            ..AgentPatch::default()
        };
        apply(ctx, Command::UpdateAgent { id, patch }).await?.0
    } else {
        view
    };
    let agent = view.agent(id).ok_or(LayerError::Internal)?;
    ok(&wire::UserAnswer {
        user: Some(wire::CreatedUser {
            id: agent.uid.as_str(),
            created_at: mapping::rc_time(agent.created_at),
            username: agent.username.as_str(),
            emails: mapping::emails(agent),
            kind: "user",
            status: mapping::status(agent),
            active: agent.active,
            roles: mapping::rc_roles(agent.roles).names().collect(),
            name: &agent.display_name,
            updated_at: mapping::rc_time(agent.updated_at),
            settings: serde_json::Map::new(),
        }),
        success: true,
    })
}

/// The user a `users.*` body names (`getUserFromParams`).
fn user_from_params<'a>(view: &'a State, selector: &UserSelector<'_>) -> Option<&'a Arc<Agent>> {
    match selector.key()? {
        UserKey::Id(id) => mapping::agent_by_id(view, id),
        UserKey::Username(username) => view.agent_by_username(username),
    }
}

pub(super) async fn delete_user(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    let selector: UserSelector = requests::decode_lenient(&req.body)?;
    let agent = user_from_params(view, &selector).ok_or(RcError::NoMatchingUser)?;
    apply(ctx, Command::DeleteAgent { id: agent.id }).await?;
    ok(&wire::SUCCESS)
}

pub(super) async fn set_status(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    SetStatus::check(&req.body)?;
    let body: SetStatus = requests::decode(&req.body)?;
    let caller = req.caller()?;
    let target = match user_from_params(view, &body.user) {
        Some(user) if user.id != caller.id => {
            if !req.may(Permission::EditOtherUserInfo) {
                return Err(RcError::ForbiddenBare);
            }
            Arc::clone(user)
        }
        _ => Arc::clone(caller),
    };
    let presence = match body.status {
        None | Some("") => None,
        Some(status) => Some(Presence::parse(status).ok_or(RcError::InvalidStatus)?),
    };
    if presence.is_some() {
        let patch = AgentPatch {
            presence,
            ..AgentPatch::default()
        };
        apply(
            ctx,
            Command::UpdateAgent {
                id: target.id,
                patch,
            },
        )
        .await?;
    }
    ok(&wire::SUCCESS)
}

/// `POST livechat/agent.status` (`agent.ts`): sets `{status}` of the caller or of `agentId`, or
/// toggles it. Business hours are not modelled, so `allowAgentChangeServiceStatus` always allows
/// the change (docs/rocketchat.md, "agent.status").
pub(super) async fn agent_status(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    let body: AgentStatusBody = requests::decode(&req.body)?;
    let caller = req.caller()?;
    // `inputAgentId || this.userId`: an empty id is the caller.
    let agent = match body.agent_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => mapping::agent_by_id(view, id),
        None => Some(caller),
    };
    // `Users.findOneAgentById`: a user with the `livechat-agent` role.
    let agent = agent
        .filter(|a| a.roles.contains(Role::Agent))
        .ok_or(RcError::AgentNotFound)?;
    if !agent.active {
        return Err(RcError::UserDeactivated);
    }
    let current = mapping::status_livechat(agent);
    let wanted = match body.status.as_deref().filter(|s| !s.is_empty()) {
        Some(status) => status == "available",
        None => !agent.accepts_chats,
    };
    let answer = |accepts: bool| wire::AgentStatusOut {
        status: if accepts {
            "available"
        } else {
            "not-available"
        },
        success: true,
    };
    if wanted == agent.accepts_chats {
        return ok(&wire::AgentStatusOut {
            status: current,
            success: true,
        });
    }
    if agent.id != caller.id && !req.may(Permission::ManageLivechatAgents) {
        return Err(RcError::StatusUnauthorized);
    }
    let patch = AgentPatch {
        accepts_chats: Some(wanted),
        ..AgentPatch::default()
    };
    apply(
        ctx,
        Command::UpdateAgent {
            id: agent.id,
            patch,
        },
    )
    .await?;
    ok(&answer(wanted))
}
