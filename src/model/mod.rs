//! The canonical department/membership model. It knows no vendor and no HTTP.
//!
//! What the store guarantees, whichever facade wrote:
//! - integer ids are never reused, even after a delete;
//! - every department, agent and membership also has a string id, unique among its kind;
//! - lookups by id, string id, name, email, username and token are index hits;
//! - a membership is indexed in both directions (a department's members, an agent's departments),
//!   and the two never disagree in any published view;
//! - a command that fails changes nothing;
//! - with a journal, a write is acknowledged (and seen by readers) only once it is durable.

pub mod agent;
pub mod change;
pub mod command;
pub mod commit;
pub mod department;
mod department_map;
pub mod error;
pub mod ids;
pub mod membership;
pub mod store;

pub use agent::{
    AccessToken, Agent, Credentials, Email, PasswordHash, Presence, Role, RoleSet, TokenDigest,
    TokenKind, Username,
};
pub use change::{Batch, Change};
pub use command::{
    AgentPatch, Command, DepartmentPatch, MembersChange, NamePolicy, NewAgent, NewDepartment,
    Outcome, SettingsEdit, UnknownAgents, WritePolicy,
};
pub use commit::{Journal, JournalError};
pub use department::{
    Department, DepartmentName, Routing, RoutingOptions, Settings, SettingsInterner,
};
pub use error::ModelError;
pub use ids::{AgentId, DepartmentId, ObjectId, Timestamp, UserUid};
pub use membership::{MemberSpec, Membership};
pub use store::{BulkDepartment, State, Store, View};
