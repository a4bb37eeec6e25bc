//! Zopim wire types <-> model: bodies become commands only through these conversions, and model
//! records become wire objects only through them.

use serde_json::Map;

use super::EnabledFormat;
use super::error::ZopimError;
use super::wire::{
    AccountOut, AgentBody, AgentOut, AgentRolesOut, DepartmentBody, DepartmentOut, Flag, RoleOut,
    RolePermissions,
};
use crate::model::{
    Agent, AgentId, Department, DepartmentName, DepartmentPatch, Email, MembersChange,
    NewDepartment, Role, RoleSet, SettingsEdit, State, department,
};

/// A create request, decoded.
pub struct Create {
    pub department: NewDepartment,
    pub members: Option<MembersChange>,
}

/// An update request, decoded.
pub struct Update {
    pub patch: DepartmentPatch,
    pub members: Option<MembersChange>,
}

fn name(value: Option<String>) -> Result<DepartmentName, ZopimError> {
    DepartmentName::parse(value.as_deref().unwrap_or("")).map_err(|reason| {
        ZopimError::InvalidField {
            field: "name".into(),
            reason: reason.into(),
        }
    })
}

fn description(value: Option<String>) -> Result<Option<String>, ZopimError> {
    value
        .map(|d| department::parse_description(&d))
        .transpose()
        .map_err(|reason| ZopimError::InvalidField {
            field: "description".into(),
            reason: reason.into(),
        })
}

/// `members` replaces the whole set (spec A3: there is no add/remove endpoint).
fn members(value: Option<Vec<u64>>) -> Option<MembersChange> {
    value.map(|ids| MembersChange::Replace(ids.into_iter().map(AgentId).collect()))
}

fn settings_edits(
    body_settings: Option<Map<String, serde_json::Value>>,
    paths: Vec<(Vec<String>, serde_json::Value)>,
) -> Vec<SettingsEdit> {
    body_settings
        .map(SettingsEdit::Merge)
        .into_iter()
        .chain(
            paths
                .into_iter()
                .map(|(path, value)| SettingsEdit::SetPath(path, value)),
        )
        .collect()
}

impl TryFrom<DepartmentBody> for Create {
    type Error = ZopimError;

    fn try_from(body: DepartmentBody) -> Result<Self, ZopimError> {
        let given_name = body.name.ok_or(ZopimError::MissingField("name"))?;
        let mut department = NewDepartment::named(name(given_name)?);
        department.description = description(body.description.flatten())?;
        department.enabled = body.enabled.unwrap_or(true);
        for edit in settings_edits(body.settings, body.settings_paths) {
            edit.apply_to(&mut department.settings);
        }
        Ok(Create {
            department,
            members: members(body.members),
        })
    }
}

impl TryFrom<DepartmentBody> for Update {
    type Error = ZopimError;

    fn try_from(body: DepartmentBody) -> Result<Self, ZopimError> {
        let patch = DepartmentPatch {
            name: body.name.map(name).transpose()?,
            description: body.description.map(description).transpose()?,
            enabled: body.enabled,
            settings: settings_edits(body.settings, body.settings_paths),
            ..DepartmentPatch::default()
        };
        Ok(Update {
            patch,
            members: members(body.members),
        })
    }
}

fn flag(format: EnabledFormat, value: bool) -> Flag {
    match format {
        EnabledFormat::Integer => Flag::Integer(value),
        EnabledFormat::Boolean => Flag::Boolean(value),
    }
}

/// A department as Zopim shows it; `members` from the membership index.
pub fn department_out<'a>(
    view: &'a State,
    department: &'a Department,
    format: EnabledFormat,
) -> DepartmentOut<'a> {
    DepartmentOut {
        description: department.description.as_deref().unwrap_or(""),
        enabled: flag(format, department.enabled),
        id: department.id.0,
        members: view.members_of(department.id).map(|m| m.agent.0).collect(),
        name: department.name.as_str(),
        settings: &department.settings,
    }
}

/// Zopim's built-in roles, by `role_id`: 1 administrator (the owner too, whom the deprecated
/// `roles.owner` flag marks), 2 agent (docs/decisions.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZopimRole {
    Administrator = 1,
    Agent = 2,
}

impl ZopimRole {
    pub const ALL: [ZopimRole; 2] = [ZopimRole::Administrator, ZopimRole::Agent];

    /// How Zopim sees a staff member's roles.
    pub fn of(roles: RoleSet) -> Self {
        if roles.is_admin() {
            ZopimRole::Administrator
        } else {
            ZopimRole::Agent
        }
    }

    pub fn id(self) -> u8 {
        self as u8
    }

    pub fn from_id(id: u64) -> Option<Self> {
        ZopimRole::ALL.into_iter().find(|r| u64::from(r.id()) == id)
    }

    /// The model's roles for an agent given this role; an administrator is also an agent.
    pub fn roles(self) -> RoleSet {
        match self {
            ZopimRole::Administrator => [Role::Administrator, Role::Agent].into_iter().collect(),
            ZopimRole::Agent => [Role::Agent].into_iter().collect(),
        }
    }

    /// The roles after giving this role to an agent who has `current`: unchanged when Zopim
    /// already sees the agent so (an owner stays owner, a Rocket.Chat manager stays manager when
    /// "set" to agent), otherwise this role's own set. `None` means no change.
    pub fn replacing(self, current: RoleSet) -> Option<RoleSet> {
        (ZopimRole::of(current) != self).then(|| self.roles())
    }

    fn name(self) -> &'static str {
        match self {
            ZopimRole::Administrator => "Administrator",
            ZopimRole::Agent => "Agent",
        }
    }

    // The descriptions paraphrase Zendesk's "Understanding default roles in Zendesk Chat"
    // (support.zendesk.com article 4408882929946) [I]: the API docs show none.
    fn description(self) -> &'static str {
        match self {
            ZopimRole::Administrator => {
                "Has all agent privileges, and manages settings, agents, triggers and departments"
            }
            ZopimRole::Agent => {
                "Chats with visitors, creates shortcuts, bans visitors and views past chats"
            }
        }
    }

    fn permissions(self) -> &'static RolePermissions {
        const ADMINISTRATOR: RolePermissions = RolePermissions {
            visitors_seen: "account",
            proactive_chatting: "listen-join",
            edit_visitor_information: true,
            edit_visitor_notes: true,
            view_past_chats: "account",
            edit_chat_tags: true,
            manage_bans: "account",
            access_analytics: "account",
            view_monitor: "account",
        };
        // The same, less what the article keeps for administrators (analytics, the monitor).
        const AGENT: RolePermissions = RolePermissions {
            access_analytics: "none",
            view_monitor: "none",
            ..ADMINISTRATOR
        };
        match self {
            ZopimRole::Administrator => &ADMINISTRATOR,
            ZopimRole::Agent => &AGENT,
        }
    }
}

fn role_id(agent: &Agent) -> u8 {
    ZopimRole::of(agent.roles).id()
}

/// The built-in roles as `GET /roles` lists them; `members_count` counts the staff holding each.
pub fn roles_out(view: &State) -> Vec<RoleOut> {
    ZopimRole::ALL
        .into_iter()
        .map(|role| role_out(view, role))
        .collect()
}

pub fn role_out(view: &State, role: ZopimRole) -> RoleOut {
    RoleOut {
        description: role.description(),
        enabled: true,
        id: role.id().into(),
        members_count: view
            .agents()
            .filter(|a| a.roles.is_staff() && ZopimRole::of(a.roles) == role)
            .count(),
        name: role.name(),
        permissions: role.permissions(),
    }
}

/// The account (`GET /account`): the model has one account per tenant, whose owner made it.
/// Its key is the owner's string id and it dates from the owner's creation (docs/decisions.md);
/// `billing` and `plan` are empty objects, as in the documentation's example.
pub fn account_out(view: &State) -> AccountOut {
    let owner = view
        .agents()
        .find(|a| a.roles.contains(Role::Owner))
        .or_else(|| view.agents().next());
    AccountOut {
        account_key: owner.map(|a| a.uid.as_str().to_owned()).unwrap_or_default(),
        billing: Map::new(),
        create_date: owner.map(|a| zopim_time(a.created_at)).unwrap_or_default(),
        plan: Map::new(),
        status: "active",
    }
}

/// An agent to create, decoded: everything the model needs but the login name, which the
/// handler picks, and the password in the clear, which it hashes.
pub struct AgentCreate {
    pub display_name: String,
    pub email: Email,
    pub roles: RoleSet,
    pub active: bool,
    pub password: String,
}

/// An agent update, decoded: `None` leaves a field as it is.
pub struct AgentUpdate {
    pub display_name: Option<String>,
    pub email: Option<Email>,
    pub role: Option<ZopimRole>,
    pub enabled: Option<bool>,
    pub password: Option<String>,
}

fn email(value: String) -> Result<Email, ZopimError> {
    Email::parse(value.trim()).map_err(|reason| ZopimError::InvalidField {
        field: "email".into(),
        reason: reason.into(),
    })
}

fn role(value: u64) -> Result<ZopimRole, ZopimError> {
    ZopimRole::from_id(value).ok_or(ZopimError::InvalidField {
        field: "role_id".into(),
        reason: "must be 1 (Administrator) or 2 (Agent)".into(),
    })
}

fn password(value: String) -> Result<String, ZopimError> {
    if value.is_empty() {
        return Err(ZopimError::InvalidField {
            field: "password".into(),
            reason: "can't be blank".into(),
        });
    }
    Ok(value)
}

/// The model keeps one name, `display_name`; Zopim's `first_name` and `last_name` are its two
/// halves at the first space (docs/decisions.md). A `display_name` given wins; otherwise a first
/// or last name given replaces that half of `current` (the name now, or empty on create).
/// `None` when no name was given.
fn display_name(
    given: Option<String>,
    first: Option<String>,
    last: Option<String>,
    current: &str,
) -> Result<Option<String>, ZopimError> {
    let blank = |field: &str| ZopimError::InvalidField {
        field: field.into(),
        reason: "can't be blank".into(),
    };
    if let Some(name) = given {
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(blank("display_name"));
        }
        return Ok(Some(name));
    }
    if first.is_none() && last.is_none() {
        return Ok(None);
    }
    let (first_now, last_now) = split_name(current);
    let first = first.as_deref().unwrap_or(first_now).trim();
    let last = last.as_deref().unwrap_or(last_now).trim();
    let name = format!("{first} {last}").trim().to_owned();
    if name.is_empty() {
        return Err(blank("first_name"));
    }
    Ok(Some(name))
}

/// A display name's halves at the first space; with none, the whole name and "".
fn split_name(name: &str) -> (&str, &str) {
    name.split_once(' ').unwrap_or((name, ""))
}

impl TryFrom<AgentBody> for AgentCreate {
    type Error = ZopimError;

    fn try_from(body: AgentBody) -> Result<Self, ZopimError> {
        let email = email(body.email.ok_or(ZopimError::MissingField("email"))?)?;
        // "password: required during creation" (the Chat API's Agents page).
        let password = password(body.password.ok_or(ZopimError::MissingField("password"))?)?;
        let role = body
            .role_id
            .map(role)
            .transpose()?
            .unwrap_or(ZopimRole::Agent);
        // With no name at all, the email's local part, as a new agent shows before it sets one.
        let display_name = display_name(body.display_name, body.first_name, body.last_name, "")?
            .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("").to_owned());
        Ok(AgentCreate {
            display_name,
            email,
            roles: role.roles(),
            active: body.enabled.unwrap_or(true),
            password,
        })
    }
}

impl AgentUpdate {
    /// Decodes an update of `current`, whose name the first and last names are halves of.
    pub fn decode(body: AgentBody, current: &Agent) -> Result<Self, ZopimError> {
        Ok(AgentUpdate {
            display_name: display_name(
                body.display_name,
                body.first_name,
                body.last_name,
                &current.display_name,
            )?,
            email: body.email.map(email).transpose()?,
            role: body.role_id.map(role).transpose()?,
            enabled: body.enabled,
            password: body.password.map(password).transpose()?,
        })
    }
}

/// An agent as Zopim shows it; its departments are the active ones it is a member of.
pub fn agent_out<'a>(view: &'a State, agent: &'a Agent, format: EnabledFormat) -> AgentOut<'a> {
    let departments: Vec<&Department> = view
        .departments_of(agent.id)
        .map(|d| &**d)
        .filter(|d| d.active)
        .collect();
    let (first_name, last_name) = split_name(&agent.display_name);
    AgentOut {
        create_date: zopim_time(agent.created_at),
        departments: departments.iter().map(|d| d.id.0).collect(),
        display_name: &agent.display_name,
        email: agent.email.as_str(),
        enabled: flag(format, agent.active),
        enabled_departments: departments
            .iter()
            .filter(|d| d.enabled)
            .map(|d| d.id.0)
            .collect(),
        first_name,
        id: agent.id.0,
        last_name,
        role_id: role_id(agent),
        roles: AgentRolesOut {
            administrator: agent.roles.is_admin(),
            owner: agent.roles.contains(Role::Owner),
        },
        skills: [],
    }
}

/// Zopim's timestamps: `2014-09-30T08:25:09Z`, seconds, UTC (spec A4).
fn zopim_time(at: crate::model::Timestamp) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.to_offset_date_time().format(&format).unwrap_or_default()
}
