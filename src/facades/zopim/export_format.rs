//! The `zopim` export format: `departments.json`, the body of `GET /api/v2/departments`, and
//! `agents.json`, the body of `GET /api/v2/agents` (or, past one page of 100, the pages' bodies
//! as one array), written by the facade's own encoders (docs/migration.md).
//!
//! Zopim shows only what its list routes show: active departments, staff agents. It has no
//! login names (made from the email on reading, as the facade does on a create), no Rocket.Chat
//! ids, no department times, and one role number.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::EnabledFormat;
use super::mapping::{ZopimRole, agent_out, department_out};
use crate::migration::build::Names;
use crate::migration::{
    Builder, Carries, Files, Format, MigrationError, Site, is_paged, json_file, label, parse_time,
};
use crate::model::{
    Agent, AgentId, Credentials, Department, DepartmentId, DepartmentName, Email, ObjectId,
    Presence, Role, RoleSet, Routing, State, UserUid,
};

const DEPARTMENTS: &str = "departments.json";
const AGENTS: &str = "agents.json";
/// `GET /api/v2/agents` answers at most this many (the facade's `AGENT_PAGE`).
const AGENT_PAGE: usize = 100;

const NAMES: Names = Names {
    id: "id",
    uid: "id",
    email: "email",
    username: "email",
};

pub struct ZopimFormat;

static CARRIES: Carries = Carries {
    department: &["id", "name", "description", "enabled", "settings"],
    agent: &["id", "display_name", "email", "active", "created_at"],
    membership: &[],
};

/// A department as `GET /departments` lists it; other keys are ignored, as the facade does.
#[derive(Deserialize)]
struct DepartmentIn {
    id: u64,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    enabled: Option<Value>,
    #[serde(default)]
    members: Vec<u64>,
    #[serde(default)]
    settings: Map<String, Value>,
}

#[derive(Deserialize)]
struct AgentIn {
    id: u64,
    email: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    enabled: Option<Value>,
    #[serde(default)]
    role_id: Option<u64>,
    #[serde(default)]
    roles: Option<RolesIn>,
    #[serde(default)]
    create_date: Option<String>,
}

#[derive(Deserialize)]
struct RolesIn {
    #[serde(default)]
    owner: bool,
}

/// `enabled` as Zopim writes it: 1/0 or a boolean (spec A2).
fn flag(value: Option<&Value>) -> Option<bool> {
    match value {
        None => Some(true),
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => match v.as_u64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
    }
}

impl Format for ZopimFormat {
    fn name(&self) -> &'static str {
        "zopim"
    }

    fn summary(&self) -> &'static str {
        "departments.json, agents.json: Zendesk Chat API v2 list bodies"
    }

    fn carries(&self) -> &'static Carries {
        &CARRIES
    }

    fn recognizes(&self, files: &Files) -> bool {
        files.get(AGENTS).is_some() && files.get(DEPARTMENTS).is_some_and(starts_with_bracket)
    }

    fn read(&self, files: &Files) -> Result<State, MigrationError> {
        let mut builder = Builder::new(crate::model::Timestamp::now());
        let now = builder.now();
        let bytes = files.require(AGENTS)?;
        let agents: Vec<AgentIn> = if is_paged(bytes) {
            json_file::<Vec<Vec<AgentIn>>>(AGENTS, bytes)?
                .into_iter()
                .flatten()
                .collect()
        } else {
            json_file(AGENTS, bytes)?
        };
        for (i, a) in agents.into_iter().enumerate() {
            let record = label(i, &a.email);
            let bad =
                |field: &str, reason: &str| MigrationError::invalid(AGENTS, &record, field, reason);
            if a.id == 0 {
                return Err(bad("id", "must be a positive integer"));
            }
            let email = Email::parse(&a.email).map_err(|r| bad("email", r))?;
            let display_name = a
                .display_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| {
                    let first = a.first_name.unwrap_or_default();
                    let last = a.last_name.unwrap_or_default();
                    format!("{first} {last}").trim().to_owned()
                });
            let active = flag(a.enabled.as_ref())
                .ok_or_else(|| bad("enabled", "must be 0, 1, true or false"))?;
            let role = match a.role_id {
                None => ZopimRole::Agent,
                Some(id) => {
                    ZopimRole::from_id(id).ok_or_else(|| bad("role_id", "must be 1 or 2"))?
                }
            };
            let mut roles: RoleSet = role.roles();
            if a.roles.is_some_and(|r| r.owner) {
                roles.insert(Role::Owner);
            }
            let created_at = match a.create_date {
                Some(text) => parse_time(AGENTS, &record, "create_date", &text)?,
                None => now,
            };
            let agent = Agent {
                id: AgentId(a.id),
                uid: UserUid::generate(),
                username: builder.username_for(email.as_str()),
                display_name,
                email,
                roles,
                active,
                time_zone: None,
                presence: Presence::Offline,
                accepts_chats: true,
                created_at,
                updated_at: created_at,
                credentials: Credentials::default(),
            };
            builder.add_agent(AGENTS, &record, NAMES, agent)?;
        }
        let departments: Vec<DepartmentIn> = json_file(DEPARTMENTS, files.require(DEPARTMENTS)?)?;
        for (i, d) in departments.into_iter().enumerate() {
            let record = label(i, &d.name);
            let bad = |field: &str, reason: &str| {
                MigrationError::invalid(DEPARTMENTS, &record, field, reason)
            };
            let name = DepartmentName::parse(&d.name).map_err(|r| bad("name", r))?;
            let enabled = flag(d.enabled.as_ref())
                .ok_or_else(|| bad("enabled", "must be 0, 1, true or false"))?;
            let id = DepartmentId(d.id);
            let department = Department {
                id,
                uid: ObjectId::generate(now),
                name,
                // Zopim shows a missing description as "".
                description: d.description.filter(|s| !s.is_empty()),
                enabled,
                email: None,
                show_on_registration: true,
                show_on_offline_form: true,
                public: true,
                settings: d.settings.into(),
                routing: Routing::default(),
                active: true,
                ever_inactive: false,
                members_changed_at: None,
                created_at: now,
                updated_at: now,
            };
            builder.add_department(DEPARTMENTS, &record, NAMES, department)?;
            for agent in d.members {
                builder.add_member(
                    DEPARTMENTS,
                    &record,
                    "members",
                    id,
                    AgentId(agent),
                    None,
                    0,
                    0,
                    None,
                )?;
            }
        }
        builder.finish()
    }

    fn write(&self, state: &State, _: &Site) -> Result<Files, MigrationError> {
        let format = EnabledFormat::Integer;
        let departments: Vec<_> = state
            .departments()
            .filter(|d| d.active)
            .map(|d| department_out(state, d, format))
            .collect();
        let agents: Vec<_> = state
            .agents()
            .filter(|a| a.roles.is_staff())
            .map(|a| agent_out(state, a, format))
            .collect();
        let mut files = Files::new();
        files.insert(DEPARTMENTS, encode(&departments)?);
        let agents_body = if agents.len() <= AGENT_PAGE {
            encode(&agents)?
        } else {
            let pages: Vec<&[_]> = agents.chunks(AGENT_PAGE).collect();
            encode(&pages)?
        };
        files.insert(AGENTS, agents_body);
        Ok(files)
    }
}

/// A list body (`[...]`), as Zopim's; Rocket.Chat's are objects.
fn starts_with_bracket(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// JSON bytes, as the facade encodes its answers.
fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, MigrationError> {
    serde_json::to_vec(value).map_err(|e| MigrationError::Io(format!("encoding: {e}")))
}
