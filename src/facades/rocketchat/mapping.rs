//! Rocket.Chat documents <-> model: role names, departments and links out, the department body
//! (`LivechatDepartmentDTO`) and agent lists in. Wire types become model values only here.

use std::collections::BTreeMap;

use serde_json::{Number, Value};

use super::Edition;
use super::check::Mismatch;
use super::error::RcError;
use super::permissions::Roles;
use super::settings;
use super::wire::requests::{AgentLink, DepartmentBody, DepartmentField};
use super::wire::{
    AgentDepartmentOut, DepartmentOut, EmailOut, LinkOut, Me, MeServices, MeSettings, Ordered,
    PasswordExists,
};
use crate::model::{
    Agent, AgentId, Department, DepartmentId, DepartmentName, MemberSpec, Membership, ObjectId,
    Presence, Role, RoleSet, RoutingOptions, State, Timestamp, UserUid, department,
};

// ---------------------------------------------------------------------------------------------
// Roles (docs/rocketchat.md, "Roles").

/// The Rocket.Chat roles of a user: everyone has `user`; owners and administrators are `admin`;
/// managers, monitors and agents are `livechat-manager`, `livechat-monitor`, `livechat-agent`.
pub fn rc_roles(roles: RoleSet) -> Roles {
    let mut out = Roles::USER;
    if roles.is_admin() {
        out = out.with(Roles::ADMIN);
    }
    for (role, rc) in [
        (Role::Manager, Roles::LIVECHAT_MANAGER),
        (Role::Monitor, Roles::LIVECHAT_MONITOR),
        (Role::Agent, Roles::LIVECHAT_AGENT),
    ] {
        if roles.contains(role) {
            out = out.with(rc);
        }
    }
    out
}

/// The model roles for Rocket.Chat role names (`users.create`'s `roles`); `None` names the first
/// role the model cannot hold. A user with none of the livechat or admin roles is an end user.
pub fn model_roles(names: &[String]) -> Result<RoleSet, &str> {
    let mut roles = RoleSet::default();
    for name in names {
        match name.as_str() {
            "user" => {}
            "admin" => roles.insert(Role::Administrator),
            "livechat-manager" => roles.insert(Role::Manager),
            "livechat-monitor" => roles.insert(Role::Monitor),
            "livechat-agent" => roles.insert(Role::Agent),
            other => return Err(other),
        }
    }
    if roles.iter().next().is_none() {
        roles.insert(Role::EndUser);
    }
    Ok(roles)
}

/// `roles` with `role` added; an end user who gains a staff role is no longer an end user.
pub fn with_role(roles: RoleSet, role: Role) -> RoleSet {
    let mut out: RoleSet = roles.iter().filter(|r| *r != Role::EndUser).collect();
    out.insert(role);
    out
}

/// `roles` without `role`; a user left with nothing is an end user.
pub fn without_role(roles: RoleSet, role: Role) -> RoleSet {
    let mut out: RoleSet = roles.iter().filter(|r| *r != role).collect();
    if out.iter().next().is_none() {
        out.insert(Role::EndUser);
    }
    out
}

/// `status`: the user's presence.
pub fn status(agent: &Agent) -> &'static str {
    agent.presence.as_str()
}

/// `statusLivechat`: whether an agent takes chats (`available`) or not (`not-available`).
pub fn status_livechat(agent: &Agent) -> &'static str {
    if agent.accepts_chats {
        "available"
    } else {
        "not-available"
    }
}

/// `me` of the login answer: `getUserInfo(me)` (docs/rocketchat.md, "Login").
pub fn me<'a>(view: &State, agent: &'a Agent, host: &str) -> Me<'a> {
    Me {
        id: agent.uid.as_str(),
        username: agent.username.as_str(),
        name: &agent.display_name,
        emails: emails(agent),
        status: status(agent),
        status_connection: status(agent),
        status_livechat: agent
            .roles
            .contains(Role::Agent)
            .then(|| status_livechat(agent)),
        active: agent.active,
        roles: rc_roles(agent.roles).names().collect(),
        updated_at: rc_time(agent.updated_at),
        // The verified email's address; every address here is shown verified.
        email: agent.email.as_str(),
        settings: MeSettings {
            profile: Default::default(),
            // The user keeps no preferences of its own here: every one is the default.
            preferences: Ordered(settings::user_preference_defaults(view)),
            calendar: Default::default(),
        },
        avatar_url: format!("http://{host}/avatar/{}", agent.username.as_str()),
        // `isOAuthUser`: only password logins exist here.
        is_oauth_user: false,
        services: MeServices {
            password: PasswordExists {
                exists: agent.credentials.password.is_some(),
            },
        },
    }
}

/// Whether an agent can take a chat now, as the widget's `online` reads it.
pub fn is_available(agent: &Agent) -> bool {
    agent.active
        && agent.roles.contains(Role::Agent)
        && agent.presence != Presence::Offline
        && agent.accepts_chats
}

pub fn emails(agent: &Agent) -> [EmailOut<'_>; 1] {
    [EmailOut {
        address: agent.email.as_str(),
        verified: true,
    }]
}

// ---------------------------------------------------------------------------------------------
// Times and ids.

/// `JSON.stringify(new Date())`: ISO-8601 UTC with milliseconds (spec §0), e.g.
/// `2024-06-04T13:45:46.123Z`. By the `time` crate: about 340 ns a call, paid only when a body is
/// encoded, which the body caches do once per state version (docs/decisions.md).
pub fn rc_time(at: Timestamp) -> String {
    // Lists often date their records alike (an export's million links): the last time
    // written is kept and copied rather than formatted again.
    thread_local! {
        static LAST: std::cell::RefCell<Option<(Timestamp, String)>> =
            const { std::cell::RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| match last {
        Some((seen, text)) if *seen == at => text.clone(),
        _ => {
            let format = time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
            );
            let text = at.to_offset_date_time().format(&format).unwrap_or_default();
            *last = Some((at, text.clone()));
            text
        }
    })
}

/// The department with this Rocket.Chat `_id`; ids not of ObjectId form name nothing.
pub fn department_by_id<'a>(view: &'a State, id: &str) -> Option<&'a std::sync::Arc<Department>> {
    ObjectId::parse(id)
        .ok()
        .and_then(|uid| view.department_by_uid(&uid))
}

/// The user with this Rocket.Chat `_id`.
pub fn agent_by_id<'a>(view: &'a State, id: &str) -> Option<&'a std::sync::Arc<Agent>> {
    UserUid::parse(id)
        .ok()
        .and_then(|uid| view.agent_by_uid(&uid))
}

// ---------------------------------------------------------------------------------------------
// Departments and links out.

/// A department as the collection holds it (spec §4). `numAgents` is written by link changes
/// only (`updateDepartmentAgents`), so it shows once a link was ever added or removed, 0 when the
/// last agent left; that write moves `_updatedAt` too. `archived` shows once the department
/// was ever archived: `false` after an unarchive.
pub fn department_out<'a>(
    view: &State,
    department: &'a Department,
    with_num_agents: bool,
    edition: Edition,
) -> DepartmentOut<'a> {
    let members = view.members_of(department.id).count();
    let routing = &department.routing;
    let updated_at = updated_at(department);
    DepartmentOut {
        id: department.uid.to_string(),
        name: department.name.as_str(),
        enabled: department.enabled,
        description: department.description.as_deref(),
        show_on_registration: department.show_on_registration,
        show_on_offline_form: department.show_on_offline_form,
        email: department.email.as_deref().unwrap_or(""),
        request_tag_before_closing_chat: routing.request_tag_before_closing,
        chat_closing_tags: routing.closing_tags.as_deref(),
        fallback_forward_department: routing
            .fallback_department
            .and_then(|id| view.department(id))
            .map(|d| d.uid.to_string()),
        offline_message_channel_name: routing.offline_message_channel.as_deref(),
        custom: forward_list_without_deleted(view, &routing.custom),
        // The Enterprise model's `createOrUpdateDepartment` sets it; the Community one does not.
        kind: (edition == Edition::Enterprise).then_some("d"),
        // Links exist only through that write (a fixture's too), so any link means it ran.
        num_agents: (with_num_agents && (members > 0 || department.members_changed_at.is_some()))
            .then_some(members),
        archived: match (department.active, department.ever_inactive) {
            (false, _) => Some(true),
            (true, true) => Some(false),
            (true, false) => None,
        },
        updated_at: rc_time(updated_at),
        parent_id: view.unit_of(department.id).map(|u| u.uid.to_string()),
        ancestors: view.unit_of(department.id).map(|u| [u.uid.to_string()]),
    }
}

/// `_updatedAt`: the department's own last change, or the last link change if later (that
/// write, `updateNumAgentsById`, moves it too).
pub fn updated_at(department: &Department) -> Timestamp {
    department
        .members_changed_at
        .map_or(department.updated_at, |at| at.max(department.updated_at))
}

/// `departmentsAllowedToForward` without the departments deleted since it was saved: the
/// Enterprise hook `afterRemoveDepartment` pulls a deleted department from every list
/// (`removeDepartmentFromForwardListById`). Ids are never reused, so leaving a deleted one out
/// when answering is the same as removing it when deleting, from every facade's deletes.
fn forward_list_without_deleted<'a>(
    view: &State,
    custom: &'a BTreeMap<String, Value>,
) -> std::borrow::Cow<'a, BTreeMap<String, Value>> {
    let deleted = |v: &Value| {
        v.as_str()
            .and_then(|id| ObjectId::parse(id).ok())
            .is_some_and(|uid| view.department_by_uid(&uid).is_none())
    };
    match custom.get(FORWARD_LIST) {
        Some(Value::Array(ids)) if ids.iter().any(deleted) => {
            let mut custom = custom.clone();
            let kept = ids.iter().filter(|v| !deleted(v)).cloned().collect();
            custom.insert(FORWARD_LIST.to_owned(), Value::Array(kept));
            std::borrow::Cow::Owned(custom)
        }
        _ => std::borrow::Cow::Borrowed(custom),
    }
}

/// The Enterprise field naming the departments a chat may be forwarded to.
pub const FORWARD_LIST: &str = "departmentsAllowedToForward";

/// A link; `departmentEnabled` follows the department.
pub fn link_out<'a>(view: &'a State, link: &Membership) -> Option<LinkOut<'a>> {
    let agent = view.agent(link.agent)?;
    let department = view.department(link.department)?;
    Some(LinkOut {
        id: link.uid.to_string(),
        agent_id: agent.uid.as_str(),
        department_id: department.uid.to_string(),
        username: agent.username.as_str(),
        department_enabled: department.enabled,
        count: link.count,
        order: link.order,
        updated_at: rc_time(link.updated_at),
    })
}

/// A department's links, unsorted as `find({departmentId})` returns them (agent id order here).
pub fn links_of(view: &State, id: DepartmentId) -> Vec<LinkOut<'_>> {
    view.members_of(id)
        .filter_map(|m| link_out(view, m))
        .collect()
}

/// An agent's link with its department's name (spec §3.1 #14).
pub fn agent_department_out<'a>(
    view: &'a State,
    agent: &'a Agent,
    department: &'a Department,
) -> Option<AgentDepartmentOut<'a>> {
    let link = view.membership(department.id, agent.id)?;
    Some(AgentDepartmentOut {
        id: link.uid.to_string(),
        agent_id: agent.uid.as_str(),
        department_id: department.uid.to_string(),
        department_name: department.name.as_str(),
        username: agent.username.as_str(),
        count: link.count,
        order: link.order,
        department_enabled: department.enabled,
        updated_at: rc_time(link.updated_at),
    })
}

// ---------------------------------------------------------------------------------------------
// The department body in.

/// The department fields of a checked body, as the model takes them. `None` = not sent.
#[derive(Debug, Default)]
pub struct DepartmentFields {
    pub name: Option<DepartmentName>,
    pub enabled: Option<bool>,
    pub description: Option<String>,
    pub show_on_registration: Option<bool>,
    pub show_on_offline_form: Option<bool>,
    pub email: Option<String>,
    pub request_tag: Option<bool>,
    pub closing_tags: Option<Vec<String>>,
    /// The `_id` as sent; resolved by the handler.
    pub fallback: Option<String>,
    pub offline_channel: Option<String>,
    pub custom: BTreeMap<String, Value>,
}

impl DepartmentFields {
    /// The fields of a department body, in the order they were sent: the first field the model
    /// refuses is reported as `check()`'s `Match.Where` would (spec §3.1 #2 step 5).
    pub fn from_body(body: DepartmentBody<'_>) -> Result<Self, RcError> {
        use DepartmentField as F;
        let mut out = DepartmentFields::default();
        for field in body.0 {
            match field {
                F::Name(text) => {
                    out.name = Some(
                        DepartmentName::parse(text).map_err(|_| Mismatch::failed_where("name"))?,
                    );
                }
                F::Enabled(enabled) => out.enabled = Some(enabled),
                F::Description(text) => {
                    out.description = Some(
                        department::parse_description(text)
                            .map_err(|_| Mismatch::failed_where("description"))?,
                    );
                }
                F::ShowOnRegistration(show) => out.show_on_registration = Some(show),
                F::ShowOnOfflineForm(show) => out.show_on_offline_form = Some(show),
                F::Email(email) => out.email = Some(email.to_owned()),
                F::RequestTagBeforeClosingChat(required) => out.request_tag = Some(required),
                F::ChatClosingTags(tags) => {
                    out.closing_tags = Some(tags.into_iter().map(str::to_owned).collect());
                }
                F::FallbackForwardDepartment(id) => out.fallback = Some(id.to_owned()),
                F::OfflineMessageChannelName(name) => out.offline_channel = Some(name.to_owned()),
                F::Custom(key, value) => {
                    out.custom.insert(key.to_owned(), value);
                }
            }
        }
        Ok(out)
    }

    /// The routing options after this body: `base` with every field sent replaced (a PUT
    /// `$set`s the fields it is given, spec §5.1).
    pub fn routing(
        &self,
        base: &RoutingOptions,
        fallback: Option<Option<DepartmentId>>,
    ) -> RoutingOptions {
        let mut routing = base.clone();
        if self.request_tag.is_some() {
            routing.request_tag_before_closing = self.request_tag;
        }
        if self.closing_tags.is_some() {
            routing.closing_tags = self.closing_tags.clone();
        }
        if let Some(fallback) = fallback {
            routing.fallback_department = fallback;
        }
        if self.offline_channel.is_some() {
            routing.offline_message_channel = self.offline_channel.clone();
        }
        for (k, v) in &self.custom {
            routing.custom.insert(k.clone(), v.clone());
        }
        routing
    }
}

// ---------------------------------------------------------------------------------------------
// Agent lists in.

/// `parseInt(x) || 0` of a link's `count` / `order`.
fn int_or_zero(value: Option<&Number>) -> i64 {
    value
        .and_then(|n| n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)))
        .unwrap_or(0)
}

/// The upserts of a checked list, for the agents that exist; unknown users are skipped, as
/// `updateDepartmentAgents` skips them (spec §5.2).
pub fn upserts(view: &State, items: &[AgentLink]) -> Vec<MemberSpec> {
    items
        .iter()
        .filter_map(|item| {
            let agent = agent_by_id(view, &item.agent_id)?;
            Some(MemberSpec {
                agent: agent.id,
                order: Some(int_or_zero(item.order.as_ref())),
                count: Some(int_or_zero(item.count.as_ref())),
            })
        })
        .collect()
}

/// The agents of a checked removal list that exist.
pub fn removals(view: &State, items: &[AgentLink]) -> Vec<AgentId> {
    items
        .iter()
        .filter_map(|item| agent_by_id(view, &item.agent_id).map(|a| a.id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_user_has_the_user_role_and_staff_roles_map_to_livechat_names() {
        let roles: RoleSet = [Role::Owner, Role::Administrator, Role::Agent]
            .into_iter()
            .collect();
        assert_eq!(
            rc_roles(roles).names().collect::<Vec<_>>(),
            ["user", "admin", "livechat-agent"]
        );
        let end_user: RoleSet = [Role::EndUser].into_iter().collect();
        assert_eq!(rc_roles(end_user).names().collect::<Vec<_>>(), ["user"]);
        assert_eq!(model_roles(&["user".into()]).unwrap(), end_user);
        assert_eq!(model_roles(&["bot".into()]), Err("bot"));
    }

    #[test]
    fn times_are_iso_8601_utc_with_milliseconds() {
        assert_eq!(
            rc_time(Timestamp::from_unix_millis(1_717_508_746_123)),
            "2024-06-04T13:45:46.123Z"
        );
    }

    #[test]
    fn times_keep_four_year_digits_leap_days_and_the_last_millisecond() {
        for (ms, text) in [
            (0, "1970-01-01T00:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ] {
            assert_eq!(rc_time(Timestamp::from_unix_millis(ms)), text, "{ms}");
        }
        // Out of any real range: written somehow, never a panic.
        for ms in [i64::MIN, i64::MAX] {
            rc_time(Timestamp::from_unix_millis(ms));
        }
    }
}
