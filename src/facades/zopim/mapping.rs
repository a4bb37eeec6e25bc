//! Zopim wire types <-> model: bodies become commands only through these conversions, and model
//! records become wire objects only through them.

use serde_json::Map;

use super::EnabledFormat;
use super::error::ZopimError;
use super::wire::{AgentOut, AgentRolesOut, DepartmentBody, DepartmentOut, Flag};
use crate::model::{
    Agent, AgentId, Department, DepartmentName, DepartmentPatch, MembersChange, NewDepartment,
    Role, SettingsEdit, State, department,
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

/// Zopim's built-in role ids: 1 administrator, 2 agent (docs/decisions.md).
fn role_id(agent: &Agent) -> u8 {
    if agent.roles.is_admin() { 1 } else { 2 }
}

/// An agent as Zopim shows it; its departments are the active ones it is a member of.
pub fn agent_out<'a>(view: &'a State, agent: &'a Agent, format: EnabledFormat) -> AgentOut<'a> {
    let departments: Vec<&Department> = view
        .departments_of(agent.id)
        .map(|d| &**d)
        .filter(|d| d.active)
        .collect();
    let (first_name, last_name) = agent
        .display_name
        .split_once(' ')
        .unwrap_or((agent.display_name.as_str(), ""));
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
