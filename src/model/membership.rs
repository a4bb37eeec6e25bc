//! A membership: one agent in one department.

use serde::{Deserialize, Serialize};

use super::ids::{AgentId, DepartmentId, MembershipId, ObjectId, Timestamp};

/// An agent's link to a department. The store indexes it in both directions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// Integer id, never reused. Absent (0) in journals and fixtures written before links had
    /// one: the state gives such a link the next id when it takes it in.
    #[serde(default)]
    pub id: MembershipId,
    /// String id for facades that address links by string.
    pub uid: ObjectId,
    pub department: DepartmentId,
    pub agent: AgentId,
    /// Routing priority among the department's agents.
    pub order: i64,
    /// Routing counter: chats handed to this agent through this department.
    pub count: i64,
    pub updated_at: Timestamp,
    /// The agent's primary department: where work addressed to the agent alone is filed. At
    /// most one of an agent's links holds it; when none does, the agent's oldest link (lowest
    /// id) stands in ([`State::primary_link_of`](super::State::primary_link_of)).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary: bool,
}

/// What a client says about one member when adding or updating it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSpec {
    pub agent: AgentId,
    /// `None` resets the order to 0, as an upsert that omits it does.
    pub order: Option<i64>,
    /// `None` resets the count to 0, as an upsert that omits it does.
    pub count: Option<i64>,
}
