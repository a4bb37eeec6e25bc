//! The model's one error type. Each facade maps every variant (without a catch-all arm) to its
//! vendor's status and body.

use super::ids::{AgentId, DepartmentId};

/// Why the store refused a command or a lookup. The state is unchanged whenever one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The department the command addresses does not exist.
    #[error("department {0} does not exist")]
    DepartmentNotFound(DepartmentId),
    /// The agent the command addresses does not exist.
    #[error("agent {0} does not exist")]
    AgentNotFound(AgentId),
    /// A member list names an agent that does not exist.
    #[error("agent {0} does not exist")]
    UnknownAgent(AgentId),
    /// Another active department already has this name (under [`NamePolicy::UniqueAmongActive`]).
    ///
    /// [`NamePolicy::UniqueAmongActive`]: super::command::NamePolicy::UniqueAmongActive
    #[error("a department named {name:?} already exists")]
    DuplicateName { name: String },
    /// An agent with this email or username already exists.
    #[error("an agent with this {field} already exists")]
    DuplicateAgent { field: &'static str },
    /// The department is archived or destroyed and can no longer be assigned or changed.
    #[error("department {0} is not active")]
    Inactive(DepartmentId),
    /// A department named as its own fallback.
    #[error("department {0} can't be its own fallback department")]
    CircularFallback(DepartmentId),
    /// A value breaks a model rule.
    #[error("{field} {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The write could not be made durable (the journal could not be written or synced). The
    /// cause is logged where it happened; clients get their vendor's opaque 5xx.
    #[error("the write could not be stored")]
    Storage,
}
