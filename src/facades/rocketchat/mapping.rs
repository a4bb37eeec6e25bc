//! Rocket.Chat documents <-> model: role names, departments and links out, the department body
//! (`LivechatDepartmentDTO`) and agent lists in. Wire types become model values only here.

use std::collections::BTreeMap;

use serde_json::{Number, Value};

use super::check::{Mismatch, Pattern, matches};
use super::error::RcError;
use super::permissions::Roles;
use super::wire::requests::AgentLink;
use super::wire::{AgentDepartmentOut, DepartmentOut, EmailOut, Json, LinkOut};
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
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.to_offset_date_time().format(&format).unwrap_or_default()
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

/// A department as the collection holds it. `numAgents` is written by link changes only, so it
/// shows once the department has agents; `archived` once it is archived (spec §4).
pub fn department_out<'a>(
    view: &State,
    department: &'a Department,
    with_num_agents: bool,
) -> DepartmentOut<'a> {
    let members = view.members_of(department.id).count();
    let routing = &department.routing;
    DepartmentOut {
        id: department.uid.to_string(),
        name: department.name.as_str(),
        enabled: department.enabled,
        description: department.description.as_deref(),
        show_on_registration: department.show_on_registration,
        show_on_offline_form: department.show_on_offline_form,
        email: department.email.as_deref(),
        request_tag_before_closing_chat: routing.request_tag_before_closing,
        chat_closing_tags: routing.closing_tags.as_deref(),
        fallback_forward_department: routing
            .fallback_department
            .and_then(|id| view.department(id))
            .map(|d| d.uid.to_string()),
        offline_message_channel_name: routing.offline_message_channel.as_deref(),
        custom: &routing.custom,
        num_agents: (with_num_agents && members > 0).then_some(members),
        archived: (!department.active).then_some(true),
        updated_at: rc_time(department.updated_at),
    }
}

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

/// Keys that describe the stored document rather than the department; the test helper
/// `disableDepartment` sends a fetched document back with them, and they are never saved.
const COMPUTED_KEYS: &[&str] = &[
    "_id",
    "_updatedAt",
    "numAgents",
    "archived",
    "type",
    "parentId",
    "ancestors",
    "businessHourId",
];

fn maybe(pattern: Pattern) -> Pattern {
    Pattern::Optional(Box::new(pattern))
}

fn strings() -> Pattern {
    Pattern::ArrayOf(Box::new(Pattern::String))
}

/// `saveDepartment`'s `check(department, defaultValidations)` (spec §3.1 #2 step 5): the known
/// fields typed, every other key a string, an integer or a boolean. Like `check()`, it walks the
/// body's keys in document order and reports the first bad one, then the first missing key.
pub fn check_department(department: &Json) -> Result<(), RcError> {
    let known: [(&str, Pattern); 11] = [
        ("enabled", Pattern::Boolean),
        ("name", Pattern::String),
        ("description", maybe(Pattern::String)),
        ("showOnRegistration", Pattern::Boolean),
        ("email", Pattern::String),
        ("showOnOfflineForm", Pattern::Boolean),
        ("requestTagBeforeClosingChat", maybe(Pattern::Boolean)),
        ("chatClosingTags", maybe(strings())),
        ("fallbackForwardDepartment", maybe(Pattern::String)),
        ("departmentsAllowedToForward", maybe(strings())),
        ("allowReceiveForwardOffline", maybe(Pattern::Boolean)),
    ];
    let scalar = Pattern::OneOf(vec![Pattern::String, Pattern::Integer, Pattern::Boolean]);
    let Json::Object(entries) = department else {
        return matches(Some(department), &Pattern::AnyObject).map_err(RcError::Match);
    };
    for (key, value) in entries {
        let pattern = known
            .iter()
            .find(|(k, _)| k == key)
            .map_or(&scalar, |(_, p)| p);
        matches(Some(value), pattern).map_err(|m| m.under_field(&field_path(key)))?;
    }
    let missing = known.iter().find(|(k, p)| {
        !matches!(p, Pattern::Optional(_)) && !entries.iter().any(|(key, _)| key == k)
    });
    match missing {
        Some((key, _)) => Err(Mismatch::missing_key(key).into()),
        None => Ok(()),
    }
}

fn field_path(key: &str) -> String {
    let identifier = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if identifier {
        key.to_owned()
    } else {
        serde_json::to_string(&[key]).unwrap_or_default()
    }
}

/// The department fields of a checked body. `None` = not sent.
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
    /// Reads a body that passed [`check_department`].
    pub fn read(department: &Json) -> Result<Self, RcError> {
        let mut out = DepartmentFields::default();
        for (key, value) in department.entries() {
            match key.as_str() {
                "name" => {
                    let text = value.as_str().unwrap_or_default();
                    out.name = Some(
                        DepartmentName::parse(text).map_err(|_| Mismatch::failed_where("name"))?,
                    );
                }
                "enabled" => out.enabled = value.as_bool(),
                "description" => {
                    if let Some(text) = value.as_str() {
                        out.description = Some(
                            department::parse_description(text)
                                .map_err(|_| Mismatch::failed_where("description"))?,
                        );
                    }
                }
                "showOnRegistration" => out.show_on_registration = value.as_bool(),
                "showOnOfflineForm" => out.show_on_offline_form = value.as_bool(),
                "email" => out.email = value.as_str().map(str::to_owned),
                "requestTagBeforeClosingChat" => out.request_tag = value.as_bool(),
                "chatClosingTags" => {
                    out.closing_tags = match value {
                        Json::Array(items) => Some(
                            items
                                .iter()
                                .filter_map(|t| t.as_str().map(str::to_owned))
                                .collect(),
                        ),
                        _ => None,
                    }
                }
                "fallbackForwardDepartment" => {
                    out.fallback = value.as_str().map(str::to_owned);
                }
                "offlineMessageChannelName" if value.as_str().is_some() => {
                    out.offline_channel = value.as_str().map(str::to_owned);
                }
                computed if COMPUTED_KEYS.contains(&computed) => {}
                other => {
                    out.custom.insert(other.to_owned(), value.to_value());
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

fn link_item() -> Pattern {
    Pattern::Object {
        keys: vec![
            ("agentId", Pattern::String),
            ("username", Pattern::Maybe(Box::new(Pattern::String))),
            ("count", Pattern::Maybe(Box::new(Pattern::Integer))),
            ("order", Pattern::Maybe(Box::new(Pattern::Integer))),
        ],
        including: true,
    }
}

/// `updateDepartmentAgents`'s check of a `{upsert, remove}` body (spec §3.1 #12 step 3).
pub fn check_agents_change(body: &Json) -> Result<(), RcError> {
    check_agents(body.get("upsert"), body.get("remove"))
}

/// `updateDepartmentAgents`'s check of `{upsert, remove}` (spec §3.1 #12 step 3).
pub fn check_agents(upsert: Option<&Json>, remove: Option<&Json>) -> Result<(), RcError> {
    let list = Pattern::Maybe(Box::new(Pattern::ArrayOf(Box::new(link_item()))));
    matches(upsert, &list).map_err(|m| m.under_field("upsert"))?;
    matches(remove, &list).map_err(|m| m.under_field("remove"))?;
    Ok(())
}

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

    #[test]
    fn an_unknown_key_of_the_department_must_be_a_scalar() {
        let body: Json = serde_json::from_str(
            r#"{"name":"a","enabled":true,"showOnRegistration":true,"email":"e","showOnOfflineForm":true,"extra":[1]}"#,
        )
        .unwrap();
        assert_eq!(
            check_department(&body),
            Err(RcError::Match(Mismatch::in_field(
                "Failed Match.OneOf, Match.Maybe or Match.Optional validation",
                "extra"
            )))
        );
    }
}
