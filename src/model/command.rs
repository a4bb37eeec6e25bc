//! The writes, as data. A facade decodes its vendor's request into one [`Command`]; the store applies
//! it whole or not at all.

use serde_json::{Map, Value};

use super::agent::{
    AccessToken, Credentials, Email, PasswordHash, Presence, RoleSet, TokenDigest, Username,
};
use super::department::{Department, DepartmentName, RoutingOptions};
use super::ids::{AgentId, DepartmentId, ObjectId, Timestamp};
use super::membership::MemberSpec;

/// Every change the store knows how to make.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    CreateDepartment {
        department: NewDepartment,
        members: Option<MembersChange>,
        policy: WritePolicy,
    },
    UpdateDepartment {
        id: DepartmentId,
        patch: DepartmentPatch,
        members: Option<MembersChange>,
        policy: WritePolicy,
    },
    /// Removes the department and all its memberships. Its id is not reused.
    DeleteDepartment {
        id: DepartmentId,
    },
    /// Archives (`false`) or restores (`true`) a department. Archiving also disables it.
    SetDepartmentActive {
        id: DepartmentId,
        active: bool,
    },
    /// Changes a department's members and nothing else.
    ChangeMembers {
        id: DepartmentId,
        change: MembersChange,
        policy: WritePolicy,
    },
    CreateAgent {
        agent: NewAgent,
    },
    UpdateAgent {
        id: AgentId,
        patch: AgentPatch,
    },
    /// Removes the agent, its memberships and its tokens. Its id is not reused.
    DeleteAgent {
        id: AgentId,
    },
    /// Gives an agent one more token; a session token starts a session (as
    /// [`Command::StartSession`] without a cutoff).
    AddToken {
        id: AgentId,
        token: AccessToken,
    },
    /// Starts a login session for an agent: drops its sessions started before
    /// `drop_started_before` (expired), then its oldest while it holds
    /// [`MAX_SESSIONS_PER_AGENT`](super::MAX_SESSIONS_PER_AGENT).
    StartSession {
        id: AgentId,
        digest: TokenDigest,
        drop_started_before: Option<Timestamp>,
    },
    /// Makes the agent's link to the department its primary one (and no other link primary).
    /// The agent must be a member.
    SetPrimaryDepartment {
        agent: AgentId,
        department: DepartmentId,
    },
    /// Takes a token or a session away (a logout); unknown digests are ignored.
    RevokeToken {
        id: AgentId,
        digest: TokenDigest,
    },
    /// Creates a unit (`uid` `None`) or replaces the one with this id.
    SaveUnit {
        uid: Option<ObjectId>,
        unit: UnitSpec,
    },
    /// Deletes a unit; its departments belong to none afterwards.
    DeleteUnit {
        uid: ObjectId,
    },
    /// Moves a department into a unit, or out of its unit (`None`).
    SetDepartmentUnit {
        id: DepartmentId,
        unit: Option<ObjectId>,
    },
    /// Sets a named setting; `None` removes it (back to the reader's default).
    SetSetting {
        name: String,
        value: Option<Value>,
    },
    /// Adds the contact with this token, or updates the one that has it (contacts.rs).
    SaveContact {
        token: super::contact::ContactToken,
        details: super::contact::ContactDetails,
    },
    /// Keeps a message left while no agent was there.
    RecordOfflineMessage(super::contact::OfflineMessage),
}

/// The rules a facade asks the store to enforce for it, atomically with the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WritePolicy {
    pub names: NamePolicy,
    pub unknown_agents: UnknownAgents,
    /// Treat a user with no staff role (an end user) as no agent at all when adding members.
    pub staff_only: bool,
    /// Let the write change an inactive department (its fields and its members). Without it an
    /// inactive department is read-only ([`ModelError::Inactive`](super::ModelError::Inactive)).
    pub write_inactive: bool,
}

/// Whether a department name may repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NamePolicy {
    /// Any number of departments may share a name.
    #[default]
    AllowDuplicates,
    /// No two active departments may share a name.
    UniqueAmongActive,
}

/// What to do with a member id that names no agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownAgents {
    /// Fail the whole command.
    #[default]
    Reject,
    /// Leave that member out and apply the rest.
    Skip,
}

/// A department to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDepartment {
    pub name: DepartmentName,
    pub description: Option<String>,
    pub enabled: bool,
    pub email: Option<String>,
    pub show_on_registration: bool,
    pub show_on_offline_form: bool,
    pub public: bool,
    pub settings: Map<String, Value>,
    pub routing: RoutingOptions,
}

impl NewDepartment {
    /// A department with this name and every other field at its default.
    pub fn named(name: DepartmentName) -> Self {
        Self {
            name,
            description: None,
            enabled: true,
            email: None,
            show_on_registration: true,
            show_on_offline_form: true,
            public: true,
            settings: Map::new(),
            routing: RoutingOptions::default(),
        }
    }

    /// The record this makes: active, created and last updated `now`.
    pub fn into_department(self, id: DepartmentId, uid: ObjectId, now: Timestamp) -> Department {
        Department {
            id,
            uid,
            name: self.name,
            description: self.description,
            enabled: self.enabled,
            email: self.email,
            show_on_registration: self.show_on_registration,
            show_on_offline_form: self.show_on_offline_form,
            public: self.public,
            settings: self.settings.into(),
            routing: self.routing.into(),
            active: true,
            created_at: now,
            updated_at: now,
            members_changed_at: None,
            ever_inactive: false,
        }
    }
}

/// A partial update: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DepartmentPatch {
    pub name: Option<DepartmentName>,
    /// `Some(None)` clears the description.
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub email: Option<Option<String>>,
    pub show_on_registration: Option<bool>,
    pub show_on_offline_form: Option<bool>,
    pub public: Option<bool>,
    /// Applied in order.
    pub settings: Vec<SettingsEdit>,
    pub routing: Option<RoutingOptions>,
}

/// One change to a department's settings object.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsEdit {
    /// Sets each top-level key given, keeping the others.
    Merge(Map<String, Value>),
    /// Sets the value at a path of keys, making the objects on the way.
    SetPath(Vec<String>, Value),
}

impl SettingsEdit {
    /// Applies this edit to a settings object.
    pub fn apply_to(self, settings: &mut Map<String, Value>) {
        match self {
            SettingsEdit::Merge(values) => settings.extend(values),
            SettingsEdit::SetPath(path, value) => {
                let Some((last, parents)) = path.split_last() else {
                    return;
                };
                let mut object = settings;
                for key in parents {
                    let slot = object
                        .entry(key.clone())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if !slot.is_object() {
                        *slot = Value::Object(Map::new());
                    }
                    let Value::Object(inner) = slot else {
                        unreachable!("made an object just above")
                    };
                    object = inner;
                }
                object.insert(last.clone(), value);
            }
        }
    }
}

/// How a department's members change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MembersChange {
    /// Exactly these agents afterwards. Kept links keep their order, count and id.
    Replace(Vec<AgentId>),
    /// Adds or updates `upsert`, then removes `remove`; everyone else stays.
    Edit {
        upsert: Vec<MemberSpec>,
        remove: Vec<AgentId>,
    },
}

/// An agent to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAgent {
    pub username: Username,
    pub display_name: String,
    pub email: Email,
    pub roles: RoleSet,
    /// False to create the agent already deactivated (Zopim's `"enabled": 0` on create).
    pub active: bool,
    pub time_zone: Option<String>,
    pub credentials: Credentials,
}

/// A partial update of an agent: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentPatch {
    pub username: Option<Username>,
    pub display_name: Option<String>,
    pub email: Option<Email>,
    pub roles: Option<RoleSet>,
    pub active: Option<bool>,
    pub time_zone: Option<Option<String>>,
    pub presence: Option<Presence>,
    pub accepts_chats: Option<bool>,
    pub password: Option<PasswordHash>,
    /// Drops every membership of the agent, in active and inactive departments alike (a
    /// Rocket.Chat agent who loses the agent role loses its department links with it).
    pub leave_departments: bool,
}

/// What a successful command did, so the facade can find what to encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Department(DepartmentId),
    Agent(AgentId),
    Deleted,
    Setting,
    Unit(ObjectId),
    /// The contact the command named.
    Contact,
    OfflineMessage,
}

/// A unit to create or replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSpec {
    pub name: String,
    pub visibility: String,
    /// Ids that name no agent are left out.
    pub supervisors: Vec<AgentId>,
    /// Ids that name no department are left out; a department in another unit moves here.
    pub departments: Vec<DepartmentId>,
}
