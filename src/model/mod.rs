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
//!
//! # Layout
//! * records and their newtypes: `department`, `agent`, `membership`, `ids`; writes as data:
//!   `command`; the one error type: `error`.
//! * `state`: [`State`], its indexes and every read.
//! * `apply`: how each [`Command`] changes a state, with the business rules.
//! * `load`: [`StateBuilder`], the only public way to put records with chosen ids into a state.
//! * `change` (the record-level [`Change`] and its on-disk form) and `replay` (diffing states
//!   into changes and replaying them), for the journal and snapshots.
//! * `session`: login sessions, kept apart from the agent records so that a login is one small
//!   change.
//! * `unit`: units, named groups of departments with supervising agents.
//! * `invariants`: the full index check, for tests and recovery.
//! * `observe` (a request's [`observe::Watcher`] on its writes) and `describe` (a write's changes
//!   in words), for the request journal.
//! * `store`: the [`Store`] handle and its write path; `publish`: the published state and the
//!   writers' head; `commit`: the group-commit task that makes journaled writes durable.

pub mod agent;
mod apply;
pub mod change;
pub mod command;
pub mod commit;
pub mod contact;
mod contacts;
pub mod department;
mod department_map;
mod describe;
pub mod error;
pub mod ids;
mod invariants;
pub mod load;
pub mod membership;
pub mod observe;
mod publish;
mod replay;
pub mod session;
pub mod state;
pub mod store;
#[cfg(test)]
mod test_support;
pub mod unit;

pub use agent::{
    AccessToken, Agent, Credentials, Email, InvalidPasswordHash, PasswordHash, Presence, Role,
    RoleSet, TokenDigest, TokenKind, Username,
};
pub use change::{Batch, Change};
pub use command::{
    AgentPatch, Command, DepartmentPatch, MembersChange, NamePolicy, NewAgent, NewDepartment,
    Outcome, SettingsEdit, UnitSpec, UnknownAgents, WritePolicy,
};
pub use commit::{Journal, JournalError};
pub use contact::{Contact, ContactDetails, ContactToken, OfflineMessage};
pub use department::{Department, DepartmentName, Routing, RoutingOptions, Settings};
pub use error::{AgentField, ModelError};
pub use ids::{AgentId, DepartmentId, MembershipId, ObjectId, Timestamp, UserUid};
pub use load::{DepartmentBatch, StateBuilder};
pub use membership::{MemberSpec, Membership};
pub use session::{MAX_SESSIONS_PER_AGENT, Session};
pub use state::{State, View};
pub use store::{Read, Store};
pub use unit::Unit;
