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
    DuplicateAgent { field: AgentField },
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

/// An agent field that must be unique among agents: what [`ModelError::DuplicateAgent`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentField {
    Email,
    Username,
}

impl AgentField {
    /// The field's name as the model spells it (`email`, `username`); vendors' tables start
    /// from it.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentField::Email => "email",
            AgentField::Username => "username",
        }
    }
}

impl std::fmt::Display for AgentField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// As its name, so that a vendor body that echoes the field (Rocket.Chat's `details.field`) is
// built from the same text.
impl serde::Serialize for AgentField {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
