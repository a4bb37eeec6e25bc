//! The invariant checker: every index against the records, for tests, start-up and recovery.
//! The read path never runs it.

use super::ids::{AgentId, DepartmentId, ObjectId};
use super::state::State;

impl State {
    /// Whether both states hold the same records and counters (their indexes follow from
    /// those). For tests and recovery checks; `O(n)`.
    pub fn same_records(&self, other: &State) -> bool {
        self.next_department_id == other.next_department_id
            && self.next_agent_id == other.next_agent_id
            && self.next_membership_id == other.next_membership_id
            && self.departments == other.departments
            && self.agents == other.agents
            && self.members == other.members
            && self.settings == other.settings
            && self.sessions == other.sessions
            && self.units == other.units
    }

    /// Checks every index against the records. For tests, start-up and recovery. `O(n log n)`
    /// but cache-friendly: each index is read in its own order, sorted into the records' order
    /// and walked beside them, rather than probed once per record (which at a million
    /// departments cost seconds in cache misses).
    pub fn check_invariants(&self) -> Result<(), String> {
        let count = self.departments.len();
        let mut named: Vec<(DepartmentId, &str)> = Vec::with_capacity(count);
        for (name, ids) in self.departments_by_name.iter() {
            let ids = ids.as_slice();
            if ids.is_empty() || !ids.is_sorted_by(|a, b| a < b) {
                return Err(format!("name index holds {ids:?} under {name:?}"));
            }
            named.extend(ids.iter().map(|id| (*id, &**name)));
        }
        let mut by_uid: Vec<(DepartmentId, ObjectId)> = self
            .department_by_uid
            .iter()
            .map(|(u, d)| (*d, *u))
            .collect();
        if named.len() != count || by_uid.len() != count {
            return Err("department indexes and records differ in size".into());
        }
        if self.departments.active_count() != self.departments.values().filter(|d| d.active).count()
        {
            return Err("the count of active departments is wrong".into());
        }
        named.sort_unstable();
        by_uid.sort_unstable();
        let records = self.departments.iter().zip(named).zip(by_uid);
        for (((key, d), (id, name)), (uid_holder, uid)) in records {
            if id != d.id || id != *key {
                return Err(format!("name index names {id}, not {}", d.id));
            }
            if d.name.as_str() != name {
                return Err(format!("name index puts {id} under {name:?}"));
            }
            if uid_holder != d.id || uid != d.uid {
                return Err(format!("uid index misses department {}", d.id));
            }
            if d.id.0 >= self.next_department_id {
                return Err(format!("department {} is at or past the next id", d.id));
            }
        }
        for a in self.agents.values() {
            if a.id.0 >= self.next_agent_id {
                return Err(format!("agent {} is at or past the next id", a.id));
            }
            if self.agent_by_uid.get(&a.uid) != Some(&a.id)
                || self.agent_by_email.get(&a.email.key()) != Some(&a.id)
                || self.agent_by_username.get(a.username.as_str()) != Some(&a.id)
            {
                return Err(format!("an index misses agent {}", a.id));
            }
        }
        if self.agent_by_uid.len() != self.agents.len()
            || self.agent_by_email.len() != self.agents.len()
            || self.agent_by_username.len() != self.agents.len()
        {
            return Err("agent indexes and records differ in size".into());
        }
        let tokens: usize = self
            .agents
            .values()
            .map(|a| a.credentials.tokens.len())
            .sum();
        if tokens + self.session_count() != self.agent_by_token.len() {
            return Err("token index and agents' tokens differ in size".into());
        }
        self.check_sessions()?;
        self.check_units()?;
        let links = self.members.values().map(|l| l.len()).sum::<usize>();
        let sides_count = self
            .agent_departments
            .values()
            .map(|s| s.len())
            .sum::<usize>();
        if links != sides_count
            || links != self.membership_by_uid.len()
            || links != self.membership_by_id.len()
        {
            return Err("membership indexes differ in size".into());
        }
        let mut sides: Vec<(AgentId, DepartmentId)> = Vec::with_capacity(links);
        let mut uids: Vec<(ObjectId, DepartmentId, AgentId)> = Vec::with_capacity(links);
        let mut departments = self.departments.keys().peekable();
        for (d, list) in self.members.iter() {
            // Both maps are in department order: one walk finds a dangling department.
            while departments.next_if(|id| *id < d).is_some() {}
            if departments.peek() != Some(&d) {
                return Err(format!("links of department {d}, which does not exist"));
            }
            if list.is_empty() || !list.is_sorted_by(|a, b| a.agent < b.agent) {
                return Err(format!("links of department {d} are empty or out of order"));
            }
            for m in list.iter() {
                if m.department != *d {
                    return Err(format!("links of {d} hold ({}, {})", m.department, m.agent));
                }
                if !self.agents.contains_key(&m.agent) {
                    return Err(format!("membership ({d}, {}) dangles", m.agent));
                }
                if m.id.0 == 0 || m.id.0 >= self.next_membership_id {
                    return Err(format!("link ({d}, {}) has id {}", m.agent, m.id));
                }
                if self.membership_by_id.get(&m.id) != Some(d) {
                    return Err(format!("the link id index misses link {}", m.id));
                }
                sides.push((m.agent, *d));
                uids.push((m.uid, *d, m.agent));
            }
        }
        let mut primaries: Vec<AgentId> = self
            .members
            .values()
            .flat_map(|l| l.iter())
            .filter(|m| m.primary)
            .map(|m| m.agent)
            .collect();
        primaries.sort_unstable();
        if primaries.windows(2).any(|w| w[0] == w[1]) {
            return Err("an agent has more than one primary link".into());
        }
        sides.sort_unstable();
        let indexed = self
            .agent_departments
            .iter()
            .flat_map(|(a, ids)| ids.iter().map(move |d| (*a, *d)));
        if !sides.iter().copied().eq(indexed) {
            return Err("a membership is on one side only".into());
        }
        uids.sort_unstable();
        if !uids
            .iter()
            .map(|(u, d, a)| (u, (d, a)))
            .eq(self.membership_by_uid.iter().map(|(u, (d, a))| (u, (d, a))))
        {
            return Err("the link uid index misses a link".into());
        }
        Ok(())
    }
}

/// The sessions' part of [`State::check_invariants`].
impl State {
    fn check_sessions(&self) -> Result<(), String> {
        let session = |t: &super::agent::AccessToken| t.kind == super::agent::TokenKind::Session;
        if let Some(a) = self
            .agents
            .values()
            .find(|a| a.credentials.tokens.iter().any(session))
        {
            return Err(format!("agent {} holds a session among its tokens", a.id));
        }
        for (agent, list) in self.sessions.iter() {
            if !self.agents.contains_key(agent) {
                return Err(format!("sessions of a missing agent {agent}"));
            }
            if list.is_empty() || !list.is_sorted_by_key(|s| s.started_at) {
                return Err(format!(
                    "agent {agent}'s sessions are empty or out of order"
                ));
            }
            if list
                .iter()
                .any(|s| self.agent_by_token.get(&s.digest) != Some(agent))
            {
                return Err(format!("the token index misses a session of agent {agent}"));
            }
        }
        Ok(())
    }
}
