//! [`Builder`]: the records a format reader finds, checked as they come (a repeated id, a
//! membership naming an agent or department the export does not hold) with the file, record
//! and field named, and made into one state at the end. Nothing is kept from a refused export.

use std::collections::{HashMap as StdMap, HashSet as StdSet};

use super::MigrationError;
use crate::model::{
    Agent, AgentId, Department, DepartmentBatch, DepartmentId, Membership, MembershipId, ObjectId,
    State, StateBuilder, Timestamp, UserUid, Username,
};

/// The builder's indexes hash with foldhash, as the model's do: a million links are checked
/// against them (SipHash took a tenth of reading an export back).
type HashMap<K, V> = StdMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = StdSet<K, foldhash::fast::RandomState>;

/// What a vendor calls the identifying fields, for messages.
#[derive(Debug, Clone, Copy)]
pub struct Names {
    pub id: &'static str,
    pub uid: &'static str,
    pub email: &'static str,
    pub username: &'static str,
}

/// Records read so far.
#[derive(Debug)]
pub struct Builder {
    now: Timestamp,
    agents: Vec<Agent>,
    agent_ids: HashSet<AgentId>,
    agent_uids: HashSet<UserUid>,
    agents_by_uid: HashMap<String, AgentId>,
    emails: HashMap<String, AgentId>,
    usernames: HashSet<String>,
    departments: Vec<(Department, Vec<Membership>)>,
    department_places: HashMap<DepartmentId, usize>,
    department_uids: HashMap<ObjectId, DepartmentId>,
    link_uids: HashSet<ObjectId>,
    link_ids: HashSet<MembershipId>,
    largest_department: u64,
    largest_agent: u64,
}

impl Builder {
    /// `now` dates what the export does not.
    pub fn new(now: Timestamp) -> Self {
        Builder {
            now,
            agents: Vec::new(),
            agent_ids: HashSet::default(),
            agent_uids: HashSet::default(),
            agents_by_uid: HashMap::default(),
            emails: HashMap::default(),
            usernames: HashSet::default(),
            departments: Vec::new(),
            department_places: HashMap::default(),
            department_uids: HashMap::default(),
            link_uids: HashSet::default(),
            link_ids: HashSet::default(),
            largest_department: 0,
            largest_agent: 0,
        }
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The id a department without one gets: one past the largest so far.
    pub fn fresh_department_id(&self) -> DepartmentId {
        DepartmentId(self.largest_department + 1)
    }

    pub fn fresh_agent_id(&self) -> AgentId {
        AgentId(self.largest_agent + 1)
    }

    /// A login name for a vendor that has none: the email's local part, lower-cased, numbered
    /// when taken (as the gateway names agents created through such a vendor).
    pub fn username_for(&self, email: &str) -> Username {
        let local: String = email
            .split('@')
            .next()
            .unwrap_or("")
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .take(56)
            .collect();
        let base = if local.is_empty() {
            "user".into()
        } else {
            local
        };
        (1u64..)
            .map(|n| match n {
                1 => base.clone(),
                n => format!("{base}{n}"),
            })
            .find(|name| !self.usernames.contains(name))
            .and_then(|name| Username::parse(&name).ok())
            .unwrap_or_else(|| Username::parse("user").expect("a valid username"))
    }

    pub fn agent_by_email(&self, email: &str) -> Option<AgentId> {
        self.emails.get(&email.to_ascii_lowercase()).copied()
    }

    pub fn agent_by_uid(&self, uid: &str) -> Option<AgentId> {
        self.agents_by_uid.get(uid).copied()
    }

    pub fn has_agent(&self, id: AgentId) -> bool {
        self.agent_ids.contains(&id)
    }

    pub fn department_by_uid(&self, uid: &ObjectId) -> Option<DepartmentId> {
        self.department_uids.get(uid).copied()
    }

    pub fn has_department(&self, id: DepartmentId) -> bool {
        self.department_places.contains_key(&id)
    }

    pub fn add_agent(
        &mut self,
        file: &str,
        record: &str,
        names: Names,
        agent: Agent,
    ) -> Result<(), MigrationError> {
        let clash = |field: &str, value: &str| {
            MigrationError::invalid(file, record, field, format!("{value} is repeated"))
        };
        if self.agent_ids.contains(&agent.id) {
            return Err(clash(names.id, &agent.id.0.to_string()));
        }
        if self.agent_uids.contains(&agent.uid) {
            return Err(clash(names.uid, agent.uid.as_str()));
        }
        if self.emails.contains_key(&agent.email.key()) {
            return Err(clash(names.email, agent.email.as_str()));
        }
        if self.usernames.contains(agent.username.as_str()) {
            return Err(clash(names.username, agent.username.as_str()));
        }
        self.largest_agent = self.largest_agent.max(agent.id.0);
        self.agent_ids.insert(agent.id);
        self.agent_uids.insert(agent.uid);
        self.agents_by_uid
            .insert(agent.uid.as_str().to_owned(), agent.id);
        self.emails.insert(agent.email.key(), agent.id);
        self.usernames.insert(agent.username.as_str().to_owned());
        self.agents.push(agent);
        Ok(())
    }

    pub fn add_department(
        &mut self,
        file: &str,
        record: &str,
        names: Names,
        department: Department,
    ) -> Result<(), MigrationError> {
        let clash = |field: &str, value: String| {
            MigrationError::invalid(file, record, field, format!("{value} is repeated"))
        };
        if department.id.0 == 0 {
            return Err(MigrationError::invalid(
                file,
                record,
                names.id,
                "must be a positive integer",
            ));
        }
        if self.department_places.contains_key(&department.id) {
            return Err(clash(names.id, department.id.0.to_string()));
        }
        if self.department_uids.contains_key(&department.uid) {
            return Err(clash(names.uid, department.uid.to_string()));
        }
        self.largest_department = self.largest_department.max(department.id.0);
        self.department_places
            .insert(department.id, self.departments.len());
        self.department_uids.insert(department.uid, department.id);
        self.departments.push((department, Vec::new()));
        Ok(())
    }

    /// Links `agent` to `department`; both must have been read. `uid` and `updated_at` are made
    /// when the export does not give them. Gives the link, for a format that carries its id
    /// ([`Builder::link_id`]) or whether it is its agent's primary one.
    #[allow(clippy::too_many_arguments)]
    pub fn add_member(
        &mut self,
        file: &str,
        record: &str,
        field: &str,
        department: DepartmentId,
        agent: AgentId,
        uid: Option<ObjectId>,
        order: i64,
        count: i64,
        updated_at: Option<Timestamp>,
    ) -> Result<&mut Membership, MigrationError> {
        let fail = |reason: String| MigrationError::invalid(file, record, field, reason);
        let Some(&place) = self.department_places.get(&department) else {
            return Err(fail(format!(
                "names department {}, which the export does not hold",
                department.0
            )));
        };
        if !self.agent_ids.contains(&agent) {
            return Err(fail(format!(
                "names agent {}, which the export does not hold",
                agent.0
            )));
        }
        let links = &mut self.departments[place].1;
        if links.iter().any(|m| m.agent == agent) {
            return Err(fail(format!(
                "links agent {} to department {} twice",
                agent.0, department.0
            )));
        }
        let uid = uid.unwrap_or_else(|| ObjectId::generate(self.now));
        if !self.link_uids.insert(uid) {
            return Err(fail(format!("{uid} is repeated")));
        }
        links.push(Membership {
            // Numbered when the state takes the link in, in the order read.
            id: MembershipId(0),
            primary: false,
            uid,
            department,
            agent,
            order,
            count,
            created_at: updated_at.unwrap_or(self.now),
            updated_at: updated_at.unwrap_or(self.now),
        });
        Ok(links.last_mut().expect("the link just pushed"))
    }

    /// The link of `agent` to `department` read so far.
    pub fn link_mut(
        &mut self,
        department: DepartmentId,
        agent: AgentId,
    ) -> Option<&mut Membership> {
        let place = *self.department_places.get(&department)?;
        self.departments[place]
            .1
            .iter_mut()
            .find(|m| m.agent == agent)
    }

    /// A membership id an export gives, checked: positive and not repeated.
    pub fn link_id(
        &mut self,
        file: &str,
        record: &str,
        field: &str,
        id: u64,
    ) -> Result<MembershipId, MigrationError> {
        let fail = |reason: String| MigrationError::invalid(file, record, field, reason);
        if id == 0 {
            return Err(fail("must be a positive integer".into()));
        }
        if !self.link_ids.insert(MembershipId(id)) {
            return Err(fail(format!("{id} is repeated")));
        }
        Ok(MembershipId(id))
    }

    /// The state of every record read.
    pub fn finish(self) -> Result<State, MigrationError> {
        let internal =
            |e: crate::model::ModelError| MigrationError::Io(format!("building the state: {e}"));
        let mut state = StateBuilder::new();
        for agent in self.agents {
            state.insert_agent(agent).map_err(internal)?;
        }
        let mut batch = DepartmentBatch::with_capacity(self.departments.len());
        for (department, links) in self.departments {
            batch.push(department, links);
        }
        state.insert_many(&mut batch).map_err(internal)?;
        Ok(state.build())
    }
}
