//! A membership: one agent in one department.

use serde::{Deserialize, Serialize};

use super::ids::{AgentId, DepartmentId, MembershipId, ObjectId, Timestamp};

/// An agent's link to a department. The store indexes it in both directions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Stored")]
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
    /// When the agent joined the department: kept by an upsert of the link and by a change of
    /// its primary mark, which move `updated_at`.
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The agent's primary department: where work addressed to the agent alone is filed. At
    /// most one of an agent's links holds it; when none does, the agent's oldest link (lowest
    /// id) stands in ([`State::primary_link_of`](super::State::primary_link_of)).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary: bool,
}

/// A membership as journals and snapshots hold it: those written before links kept their
/// creation time have none, and take their `updated_at` for it.
#[derive(Deserialize)]
struct Stored {
    #[serde(default)]
    id: MembershipId,
    uid: ObjectId,
    department: DepartmentId,
    agent: AgentId,
    order: i64,
    count: i64,
    created_at: Option<Timestamp>,
    updated_at: Timestamp,
    #[serde(default)]
    primary: bool,
}

impl From<Stored> for Membership {
    fn from(stored: Stored) -> Self {
        Self {
            id: stored.id,
            uid: stored.uid,
            department: stored.department,
            agent: stored.agent,
            order: stored.order,
            count: stored.count,
            created_at: stored.created_at.unwrap_or(stored.updated_at),
            updated_at: stored.updated_at,
            primary: stored.primary,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_link_without_a_creation_time_takes_its_updated_at() {
        let old = r#"{"id":3,"uid":"65a4f0c2e4b0a1b2c3d4e5a0","department":1,"agent":2,"order":0,"count":0,"updated_at":1700000000000}"#;
        let link: Membership = serde_json::from_str(old).unwrap();
        assert_eq!(
            link.created_at,
            Timestamp::from_unix_millis(1_700_000_000_000)
        );
        assert_eq!(link.updated_at, link.created_at);

        // A link written now keeps both, and reads back as it was.
        let joined = Membership {
            created_at: Timestamp::from_unix_millis(1_600_000_000_000),
            ..link
        };
        let text = serde_json::to_string(&joined).unwrap();
        assert_eq!(serde_json::from_str::<Membership>(&text).unwrap(), joined);
    }
}
