//! The store: the canonical state, its indexes, and the one path every write takes.
//!
//! Readers take a [`View`], an immutable snapshot behind an `Arc`; they never lock and never see a
//! half-applied write, because a writer builds the next state beside the current one and publishes
//! it with one atomic swap. The persistent maps (`imbl`) share all untouched structure between the
//! two, so a write costs `O(log n)` and not a copy. Writers are serialized by one mutex, which also
//! gives the journal (when there is one) its commit order.
//!
//! `dashmap` was considered and not used here: a set of independent concurrent maps cannot publish
//! a department, its name index entry and both membership directions as one change.

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use imbl::{HashMap, OrdMap, OrdSet};

use super::agent::{AccessToken, Agent, TokenDigest};
use super::command::{
    AgentPatch, Command, DepartmentPatch, MembersChange, NamePolicy, NewAgent, NewDepartment,
    Outcome, UnknownAgents, WritePolicy,
};
use super::department::{Department, DepartmentName};
use super::error::ModelError;
use super::ids::{AgentId, DepartmentId, ObjectId, Timestamp, UserUid};
use super::membership::{MemberSpec, Membership};

/// The shared handle to the state. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    current: ArcSwap<State>,
    /// Serializes writers; readers never take it.
    writer: Mutex<()>,
}

/// A consistent, immutable snapshot of the whole state.
pub type View = Arc<State>;

impl Store {
    pub fn new(state: State) -> Self {
        Self {
            inner: Arc::new(Inner {
                current: ArcSwap::from_pointee(state),
                writer: Mutex::new(()),
            }),
        }
    }

    /// The current state. Everything a response shows should come from one view.
    pub fn view(&self) -> View {
        self.inner.current.load_full()
    }

    /// Applies one command atomically: on success the new state is published and returned with
    /// the outcome; on error nothing changes.
    pub fn apply(&self, command: Command) -> Result<(View, Outcome), ModelError> {
        // A poisoned lock only means another writer panicked mid-build; the published state is
        // still whole, since publication is the last step.
        let _guard = self.inner.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut next = State::clone(&self.inner.current.load());
        let outcome = next.apply(command, Timestamp::now())?;
        next.version += 1;
        let next = Arc::new(next);
        self.inner.current.store(Arc::clone(&next));
        Ok((next, outcome))
    }
}

/// Department ids sharing one name, ascending. Almost always one.
type IdList = Vec<DepartmentId>;

/// The canonical state with every index. Cloning is cheap (structure is shared).
#[derive(Clone, Default)]
pub struct State {
    /// Bumped by every write; lets encoders cache per version.
    version: u64,
    next_department_id: u64,
    next_agent_id: u64,
    departments: OrdMap<DepartmentId, Arc<Department>>,
    department_by_uid: HashMap<ObjectId, DepartmentId>,
    /// Name (byte order) -> ids with that name.
    departments_by_name: OrdMap<Arc<str>, IdList>,
    agents: OrdMap<AgentId, Arc<Agent>>,
    agent_by_uid: HashMap<UserUid, AgentId>,
    /// Lower-cased email -> agent.
    agent_by_email: HashMap<String, AgentId>,
    agent_by_username: HashMap<Arc<str>, AgentId>,
    agent_by_token: HashMap<TokenDigest, AgentId>,
    /// Department -> its members, in agent id order.
    members: OrdMap<(DepartmentId, AgentId), Arc<Membership>>,
    /// Agent -> its departments, in department id order.
    agent_departments: OrdSet<(AgentId, DepartmentId)>,
    membership_by_uid: HashMap<ObjectId, (DepartmentId, AgentId)>,
    /// Named settings (a facade's switches, permission lists); absent = the reader's default.
    settings: OrdMap<Arc<str>, serde_json::Value>,
}

impl State {
    pub fn empty() -> Self {
        Self {
            next_department_id: 1,
            next_agent_id: 1,
            ..Self::default()
        }
    }

    /// Increases with every write.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn department(&self, id: DepartmentId) -> Option<&Arc<Department>> {
        self.departments.get(&id)
    }

    pub fn department_by_uid(&self, uid: &ObjectId) -> Option<&Arc<Department>> {
        self.department_by_uid
            .get(uid)
            .and_then(|id| self.departments.get(id))
    }

    /// All departments in id order.
    pub fn departments(&self) -> impl Iterator<Item = &Arc<Department>> {
        self.departments.values()
    }

    pub fn department_count(&self) -> usize {
        self.departments.len()
    }

    /// Departments with exactly this name, lowest id first.
    pub fn departments_named<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = &'a Arc<Department>> {
        self.departments_by_name
            .get(name)
            .into_iter()
            .flatten()
            .filter_map(|id| self.departments.get(id))
    }

    /// All departments ordered by name (byte order), then id.
    pub fn departments_by_name(&self) -> impl Iterator<Item = &Arc<Department>> {
        self.departments_by_name
            .values()
            .flatten()
            .filter_map(|id| self.departments.get(id))
    }

    /// A department's memberships, in agent id order.
    pub fn members_of(&self, id: DepartmentId) -> impl Iterator<Item = &Arc<Membership>> {
        self.members
            .range((id, AgentId(0))..=(id, AgentId(u64::MAX)))
            .map(|(_, m)| m)
    }

    /// The departments an agent belongs to, in id order.
    pub fn departments_of(&self, agent: AgentId) -> impl Iterator<Item = &Arc<Department>> {
        self.agent_departments
            .range((agent, DepartmentId(0))..=(agent, DepartmentId(u64::MAX)))
            .filter_map(|(_, d)| self.departments.get(d))
    }

    pub fn membership(&self, department: DepartmentId, agent: AgentId) -> Option<&Arc<Membership>> {
        self.members.get(&(department, agent))
    }

    pub fn membership_by_uid(&self, uid: &ObjectId) -> Option<&Arc<Membership>> {
        self.membership_by_uid
            .get(uid)
            .and_then(|key| self.members.get(key))
    }

    pub fn agent(&self, id: AgentId) -> Option<&Arc<Agent>> {
        self.agents.get(&id)
    }

    pub fn agent_by_uid(&self, uid: &UserUid) -> Option<&Arc<Agent>> {
        self.agent_by_uid
            .get(uid)
            .and_then(|id| self.agents.get(id))
    }

    /// Case-insensitive.
    pub fn agent_by_email(&self, email: &str) -> Option<&Arc<Agent>> {
        self.agent_by_email
            .get(&email.to_ascii_lowercase())
            .and_then(|id| self.agents.get(id))
    }

    pub fn agent_by_username(&self, username: &str) -> Option<&Arc<Agent>> {
        self.agent_by_username
            .get(username)
            .and_then(|id| self.agents.get(id))
    }

    /// The agent holding a token with this digest.
    pub fn agent_by_token(&self, digest: &TokenDigest) -> Option<&Arc<Agent>> {
        self.agent_by_token
            .get(digest)
            .and_then(|id| self.agents.get(id))
    }

    /// All agents in id order.
    pub fn agents(&self) -> impl Iterator<Item = &Arc<Agent>> {
        self.agents.values()
    }

    /// Agents with ids in `range`, in id order.
    pub fn agents_in<R: std::ops::RangeBounds<AgentId>>(
        &self,
        range: R,
    ) -> impl DoubleEndedIterator<Item = &Arc<Agent>> {
        self.agents.range(range).map(|(_, a)| a)
    }

    fn apply(&mut self, command: Command, now: Timestamp) -> Result<Outcome, ModelError> {
        match command {
            Command::CreateDepartment {
                department,
                members,
                policy,
            } => self.create_department(department, members, policy, now),
            Command::UpdateDepartment {
                id,
                patch,
                members,
                policy,
            } => self.update_department(id, patch, members, policy, now),
            Command::DeleteDepartment { id } => self.delete_department(id),
            Command::SetDepartmentActive { id, active } => self.set_active(id, active, now),
            Command::ChangeMembers { id, change, policy } => {
                let department = self.require_department(id)?;
                if !department.active {
                    return Err(ModelError::Inactive(id));
                }
                self.change_members(id, change, policy, now)?;
                Ok(Outcome::Department(id))
            }
            Command::CreateAgent { agent } => self.create_agent(agent, now),
            Command::UpdateAgent { id, patch } => self.update_agent(id, patch, now),
            Command::DeleteAgent { id } => self.delete_agent(id),
            Command::AddToken { id, token } => self.add_token(id, token),
            Command::RevokeToken { id, digest } => self.revoke_token(id, digest),
            Command::SetSetting { name, value } => {
                match value {
                    Some(value) => self.settings.insert(Arc::from(name), value),
                    None => self.settings.remove(name.as_str()),
                };
                Ok(Outcome::Setting)
            }
        }
    }

    fn require_department(&self, id: DepartmentId) -> Result<Arc<Department>, ModelError> {
        self.departments
            .get(&id)
            .cloned()
            .ok_or(ModelError::DepartmentNotFound(id))
    }

    fn check_name(
        &self,
        name: &DepartmentName,
        policy: NamePolicy,
        except: Option<DepartmentId>,
    ) -> Result<(), ModelError> {
        match policy {
            NamePolicy::AllowDuplicates => Ok(()),
            NamePolicy::UniqueAmongActive => {
                let taken = self
                    .departments_named(name.as_str())
                    .any(|d| d.active && Some(d.id) != except);
                if taken {
                    Err(ModelError::DuplicateName {
                        name: name.as_str().to_owned(),
                    })
                } else {
                    Ok(())
                }
            }
        }
    }

    fn create_department(
        &mut self,
        new: NewDepartment,
        members: Option<MembersChange>,
        policy: WritePolicy,
        now: Timestamp,
    ) -> Result<Outcome, ModelError> {
        self.check_name(&new.name, policy.names, None)?;
        let id = DepartmentId(self.next_department_id);
        let mut uid = ObjectId::generate(now);
        while self.department_by_uid.contains_key(&uid) {
            uid = ObjectId::generate(now);
        }
        self.insert_department(Department {
            id,
            uid,
            name: new.name,
            description: new.description,
            enabled: new.enabled,
            email: new.email,
            show_on_registration: new.show_on_registration,
            show_on_offline_form: new.show_on_offline_form,
            settings: new.settings,
            routing: new.routing,
            active: true,
            created_at: now,
            updated_at: now,
        })?;
        if let Some(change) = members {
            self.change_members(id, change, policy, now)?;
        }
        Ok(Outcome::Department(id))
    }

    fn update_department(
        &mut self,
        id: DepartmentId,
        patch: DepartmentPatch,
        members: Option<MembersChange>,
        policy: WritePolicy,
        now: Timestamp,
    ) -> Result<Outcome, ModelError> {
        let old = self.require_department(id)?;
        if !old.active {
            return Err(ModelError::Inactive(id));
        }
        let mut department = Department::clone(&old);
        if let Some(name) = patch.name
            && name != department.name
        {
            self.check_name(&name, policy.names, Some(id))?;
            self.unindex_name(&department.name, id);
            self.index_name(&name, id);
            department.name = name;
        }
        if let Some(description) = patch.description {
            department.description = description;
        }
        if let Some(enabled) = patch.enabled {
            department.enabled = enabled;
        }
        if let Some(email) = patch.email {
            department.email = email;
        }
        if let Some(v) = patch.show_on_registration {
            department.show_on_registration = v;
        }
        if let Some(v) = patch.show_on_offline_form {
            department.show_on_offline_form = v;
        }
        for edit in patch.settings {
            edit.apply_to(&mut department.settings);
        }
        if let Some(routing) = patch.routing {
            if routing.fallback_department == Some(id) {
                return Err(ModelError::CircularFallback(id));
            }
            department.routing = routing;
        }
        department.updated_at = now;
        self.departments.insert(id, Arc::new(department));
        if let Some(change) = members {
            self.change_members(id, change, policy, now)?;
        }
        Ok(Outcome::Department(id))
    }

    fn delete_department(&mut self, id: DepartmentId) -> Result<Outcome, ModelError> {
        let department = self.require_department(id)?;
        let agents: Vec<AgentId> = self.members_of(id).map(|m| m.agent).collect();
        for agent in agents {
            self.unlink(id, agent);
        }
        self.unindex_name(&department.name, id);
        self.department_by_uid.remove(&department.uid);
        self.departments.remove(&id);
        Ok(Outcome::Deleted)
    }

    fn set_active(
        &mut self,
        id: DepartmentId,
        active: bool,
        now: Timestamp,
    ) -> Result<Outcome, ModelError> {
        let mut department = Department::clone(&*self.require_department(id)?);
        department.active = active;
        if !active {
            department.enabled = false;
        }
        department.updated_at = now;
        self.departments.insert(id, Arc::new(department));
        Ok(Outcome::Department(id))
    }

    fn change_members(
        &mut self,
        id: DepartmentId,
        change: MembersChange,
        policy: WritePolicy,
        now: Timestamp,
    ) -> Result<(), ModelError> {
        let (unknown, staff_only) = (policy.unknown_agents, policy.staff_only);
        let (upsert, remove): (Vec<MemberSpec>, Vec<AgentId>) = match change {
            MembersChange::Replace(agents) => {
                let keep: std::collections::BTreeSet<AgentId> = agents.iter().copied().collect();
                let remove = self
                    .members_of(id)
                    .map(|m| m.agent)
                    .filter(|a| !keep.contains(a))
                    .collect();
                // A kept member keeps its link as it is; only newcomers are upserted.
                let upsert = keep
                    .into_iter()
                    .filter(|a| self.members.get(&(id, *a)).is_none())
                    .map(|agent| MemberSpec {
                        agent,
                        order: None,
                        count: None,
                    })
                    .collect();
                (upsert, remove)
            }
            MembersChange::Edit { upsert, remove } => (upsert, remove),
        };
        for spec in upsert {
            let eligible = self
                .agents
                .get(&spec.agent)
                .is_some_and(|a| !staff_only || a.roles.is_staff());
            if !eligible {
                match unknown {
                    UnknownAgents::Reject => return Err(ModelError::UnknownAgent(spec.agent)),
                    UnknownAgents::Skip => continue,
                }
            }
            let uid = match self.members.get(&(id, spec.agent)) {
                Some(existing) => existing.uid,
                None => {
                    let mut uid = ObjectId::generate(now);
                    while self.membership_by_uid.contains_key(&uid) {
                        uid = ObjectId::generate(now);
                    }
                    uid
                }
            };
            self.link(Membership {
                uid,
                department: id,
                agent: spec.agent,
                order: spec.order.unwrap_or(0),
                count: spec.count.unwrap_or(0),
                updated_at: now,
            });
        }
        for agent in remove {
            self.unlink(id, agent);
        }
        Ok(())
    }

    fn link(&mut self, membership: Membership) {
        let key = (membership.department, membership.agent);
        self.membership_by_uid.insert(membership.uid, key);
        self.agent_departments.insert((key.1, key.0));
        self.members.insert(key, Arc::new(membership));
    }

    fn unlink(&mut self, department: DepartmentId, agent: AgentId) {
        if let Some(m) = self.members.remove(&(department, agent)) {
            self.membership_by_uid.remove(&m.uid);
            self.agent_departments.remove(&(agent, department));
        }
    }

    fn index_name(&mut self, name: &DepartmentName, id: DepartmentId) {
        let ids = self.departments_by_name.entry(name.shared()).or_default();
        if let Err(at) = ids.binary_search(&id) {
            ids.insert(at, id);
        }
    }

    fn unindex_name(&mut self, name: &DepartmentName, id: DepartmentId) {
        if let Some(ids) = self.departments_by_name.get_mut(name.as_str()) {
            ids.retain(|d| *d != id);
            if ids.is_empty() {
                self.departments_by_name.remove(name.as_str());
            }
        }
    }

    fn create_agent(&mut self, new: NewAgent, now: Timestamp) -> Result<Outcome, ModelError> {
        let id = AgentId(self.next_agent_id);
        let mut uid = UserUid::generate();
        while self.agent_by_uid.contains_key(&uid) {
            uid = UserUid::generate();
        }
        self.insert_agent(Agent {
            id,
            uid,
            username: new.username,
            display_name: new.display_name,
            email: new.email,
            roles: new.roles,
            active: true,
            time_zone: new.time_zone,
            presence: Default::default(),
            accepts_chats: true,
            created_at: now,
            updated_at: now,
            credentials: new.credentials,
        })?;
        Ok(Outcome::Agent(id))
    }

    fn require_agent(&self, id: AgentId) -> Result<Arc<Agent>, ModelError> {
        self.agents
            .get(&id)
            .cloned()
            .ok_or(ModelError::AgentNotFound(id))
    }

    fn update_agent(
        &mut self,
        id: AgentId,
        patch: AgentPatch,
        now: Timestamp,
    ) -> Result<Outcome, ModelError> {
        let old = self.require_agent(id)?;
        let mut agent = Agent::clone(&old);
        if let Some(username) = patch.username
            && username != agent.username
        {
            if self.agent_by_username.contains_key(username.as_str()) {
                return Err(ModelError::DuplicateAgent { field: "username" });
            }
            self.agent_by_username.remove(agent.username.as_str());
            self.agent_by_username
                .insert(Arc::from(username.as_str()), id);
            agent.username = username;
        }
        if let Some(email) = patch.email {
            // A change of case only is not a change of address.
            if email.key() != agent.email.key() {
                if self.agent_by_email.contains_key(&email.key()) {
                    return Err(ModelError::DuplicateAgent { field: "email" });
                }
                self.agent_by_email.remove(&agent.email.key());
                self.agent_by_email.insert(email.key(), id);
            }
            agent.email = email;
        }
        if let Some(name) = patch.display_name {
            agent.display_name = name;
        }
        if let Some(roles) = patch.roles {
            agent.roles = roles;
        }
        if let Some(active) = patch.active {
            agent.active = active;
        }
        if let Some(zone) = patch.time_zone {
            agent.time_zone = zone;
        }
        if let Some(presence) = patch.presence {
            agent.presence = presence;
        }
        if let Some(accepts) = patch.accepts_chats {
            agent.accepts_chats = accepts;
        }
        if let Some(password) = patch.password {
            agent.credentials.password = Some(password);
        }
        if patch.leave_departments {
            let departments: Vec<DepartmentId> = self
                .agent_departments
                .range((id, DepartmentId(0))..=(id, DepartmentId(u64::MAX)))
                .map(|(_, d)| *d)
                .collect();
            for department in departments {
                self.unlink(department, id);
            }
        }
        agent.updated_at = now;
        self.agents.insert(id, Arc::new(agent));
        Ok(Outcome::Agent(id))
    }

    fn delete_agent(&mut self, id: AgentId) -> Result<Outcome, ModelError> {
        let agent = self.require_agent(id)?;
        let departments: Vec<DepartmentId> = self
            .agent_departments
            .range((id, DepartmentId(0))..=(id, DepartmentId(u64::MAX)))
            .map(|(_, d)| *d)
            .collect();
        for department in departments {
            self.unlink(department, id);
        }
        for token in &agent.credentials.tokens {
            self.agent_by_token.remove(&token.digest);
        }
        self.agent_by_uid.remove(&agent.uid);
        self.agent_by_email.remove(&agent.email.key());
        self.agent_by_username.remove(agent.username.as_str());
        self.agents.remove(&id);
        Ok(Outcome::Deleted)
    }

    fn add_token(&mut self, id: AgentId, token: AccessToken) -> Result<Outcome, ModelError> {
        let mut agent = Agent::clone(&*self.require_agent(id)?);
        if self.agent_by_token.contains_key(&token.digest) {
            return Err(ModelError::Invalid {
                field: "token",
                reason: "is already in use".into(),
            });
        }
        self.agent_by_token.insert(token.digest, id);
        agent.credentials.tokens.push(token);
        self.agents.insert(id, Arc::new(agent));
        Ok(Outcome::Agent(id))
    }

    fn revoke_token(&mut self, id: AgentId, digest: TokenDigest) -> Result<Outcome, ModelError> {
        let mut agent = Agent::clone(&*self.require_agent(id)?);
        let before = agent.credentials.tokens.len();
        agent.credentials.tokens.retain(|t| t.digest != digest);
        if agent.credentials.tokens.len() != before {
            self.agent_by_token.remove(&digest);
            self.agents.insert(id, Arc::new(agent));
        }
        Ok(Outcome::Agent(id))
    }

    /// A named setting, if set.
    pub fn setting(&self, name: &str) -> Option<&serde_json::Value> {
        self.settings.get(name)
    }

    /// Sets a named setting while building a state (fixtures, snapshots).
    pub fn insert_setting(&mut self, name: &str, value: serde_json::Value) {
        self.settings.insert(Arc::from(name), value);
    }

    /// All named settings, by name.
    pub fn settings(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.settings.iter().map(|(k, v)| (&**k, v))
    }

    /// Adds a department with its ids already chosen (fixtures, snapshots). Fails if either id
    /// is taken or a fallback department does not exist yet.
    pub fn insert_department(&mut self, department: Department) -> Result<(), ModelError> {
        if self.departments.contains_key(&department.id) {
            return Err(ModelError::Invalid {
                field: "id",
                reason: format!("{} is already taken", department.id),
            });
        }
        if self.department_by_uid.contains_key(&department.uid) {
            return Err(ModelError::Invalid {
                field: "uid",
                reason: format!("{} is already taken", department.uid),
            });
        }
        let id = department.id;
        self.next_department_id = self.next_department_id.max(id.0 + 1);
        self.department_by_uid.insert(department.uid, id);
        self.index_name(&department.name, id);
        self.departments.insert(id, Arc::new(department));
        Ok(())
    }

    /// Adds an agent with its ids already chosen (fixtures, snapshots).
    pub fn insert_agent(&mut self, agent: Agent) -> Result<(), ModelError> {
        let taken = |field: &'static str, what: String| ModelError::Invalid {
            field,
            reason: format!("{what} is already taken"),
        };
        if self.agents.contains_key(&agent.id) {
            return Err(taken("id", agent.id.to_string()));
        }
        if self.agent_by_uid.contains_key(&agent.uid) {
            return Err(taken("uid", agent.uid.to_string()));
        }
        if self.agent_by_email.contains_key(&agent.email.key()) {
            return Err(ModelError::DuplicateAgent { field: "email" });
        }
        if self.agent_by_username.contains_key(agent.username.as_str()) {
            return Err(ModelError::DuplicateAgent { field: "username" });
        }
        let mut seen = std::collections::HashSet::new();
        for token in &agent.credentials.tokens {
            if self.agent_by_token.contains_key(&token.digest) || !seen.insert(token.digest) {
                return Err(ModelError::Invalid {
                    field: "tokens",
                    reason: "hold a token another agent (or this one) already holds".into(),
                });
            }
        }
        let id = agent.id;
        self.next_agent_id = self.next_agent_id.max(id.0 + 1);
        self.agent_by_uid.insert(agent.uid, id);
        self.agent_by_email.insert(agent.email.key(), id);
        self.agent_by_username
            .insert(Arc::from(agent.username.as_str()), id);
        for token in &agent.credentials.tokens {
            self.agent_by_token.insert(token.digest, id);
        }
        self.agents.insert(id, Arc::new(agent));
        Ok(())
    }

    /// Adds a membership with its id already chosen (fixtures, snapshots).
    pub fn insert_membership(&mut self, membership: Membership) -> Result<(), ModelError> {
        let department = self.require_department(membership.department)?;
        if !self.agents.contains_key(&membership.agent) {
            return Err(ModelError::UnknownAgent(membership.agent));
        }
        if !department.active {
            return Err(ModelError::Inactive(department.id));
        }
        if self
            .members
            .contains_key(&(membership.department, membership.agent))
        {
            return Err(ModelError::Invalid {
                field: "members",
                reason: format!("list agent {} twice", membership.agent),
            });
        }
        if self.membership_by_uid.contains_key(&membership.uid) {
            return Err(ModelError::Invalid {
                field: "uid",
                reason: format!("{} is already taken", membership.uid),
            });
        }
        self.link(membership);
        Ok(())
    }

    /// Checks every index against the records. For tests and start-up; `O(n)`.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut named = 0;
        for (name, ids) in self.departments_by_name.iter() {
            for id in ids {
                let d = self
                    .departments
                    .get(id)
                    .ok_or(format!("name index names missing {id}"))?;
                if d.name.as_str() != &**name {
                    return Err(format!("name index puts {id} under {name:?}"));
                }
                named += 1;
            }
        }
        if named != self.departments.len() || self.department_by_uid.len() != self.departments.len()
        {
            return Err("department indexes and records differ in size".into());
        }
        for d in self.departments.values() {
            if d.id.0 >= self.next_department_id {
                return Err(format!("department {} is at or past the next id", d.id));
            }
            if self.department_by_uid.get(&d.uid) != Some(&d.id) {
                return Err(format!("uid index misses department {}", d.id));
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
        let tokens: usize = self
            .agents
            .values()
            .map(|a| a.credentials.tokens.len())
            .sum();
        if tokens != self.agent_by_token.len() {
            return Err("token index and agents' tokens differ in size".into());
        }
        if self.members.len() != self.agent_departments.len()
            || self.members.len() != self.membership_by_uid.len()
        {
            return Err("membership indexes differ in size".into());
        }
        for ((d, a), m) in self.members.iter() {
            if m.department != *d || m.agent != *a {
                return Err(format!(
                    "membership ({d}, {a}) holds ({}, {})",
                    m.department, m.agent
                ));
            }
            if !self.departments.contains_key(d) || !self.agents.contains_key(a) {
                return Err(format!("membership ({d}, {a}) dangles"));
            }
            if !self.agent_departments.contains(&(*a, *d)) {
                return Err(format!("membership ({d}, {a}) is on one side only"));
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("version", &self.version)
            .field("departments", &self.departments.len())
            .field("agents", &self.agents.len())
            .field("memberships", &self.members.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Credentials, DepartmentName, Email, MemberSpec, NewAgent, NewDepartment, Role, RoleSet,
        RoutingOptions, TokenKind, Username,
    };

    fn agent(store: &Store, name: &str) -> AgentId {
        let (_, outcome) = store
            .apply(Command::CreateAgent {
                agent: NewAgent {
                    username: Username::parse(name).unwrap(),
                    display_name: name.into(),
                    email: Email::parse(&format!("{name}@example.com")).unwrap(),
                    roles: [Role::Agent].into_iter().collect::<RoleSet>(),
                    time_zone: None,
                    credentials: Credentials::default(),
                },
            })
            .unwrap();
        let Outcome::Agent(id) = outcome else {
            panic!("{outcome:?}")
        };
        id
    }

    fn department(
        store: &Store,
        name: &str,
        members: &[AgentId],
        policy: WritePolicy,
    ) -> Result<DepartmentId, ModelError> {
        let (_, outcome) = store.apply(Command::CreateDepartment {
            department: NewDepartment::named(DepartmentName::parse(name).unwrap()),
            members: Some(MembersChange::Replace(members.to_vec())),
            policy,
        })?;
        let Outcome::Department(id) = outcome else {
            panic!("{outcome:?}")
        };
        Ok(id)
    }

    fn departments_of(store: &Store, agent: AgentId) -> Vec<u64> {
        store.view().departments_of(agent).map(|d| d.id.0).collect()
    }

    fn members_of(store: &Store, id: DepartmentId) -> Vec<u64> {
        store.view().members_of(id).map(|m| m.agent.0).collect()
    }

    #[test]
    fn memberships_are_visible_from_both_sides_and_ids_are_never_reused() {
        let store = Store::new(State::empty());
        let (a, b) = (agent(&store, "a"), agent(&store, "b"));
        let sales = department(&store, "Sales", &[a, b], WritePolicy::default()).unwrap();
        assert_eq!(members_of(&store, sales), vec![a.0, b.0]);
        assert_eq!(departments_of(&store, b), vec![sales.0]);

        store
            .apply(Command::DeleteDepartment { id: sales })
            .unwrap();
        let next = department(&store, "Sales", &[], WritePolicy::default()).unwrap();

        assert!(departments_of(&store, b).is_empty());
        assert!(next.0 > sales.0);
        store.view().check_invariants().unwrap();
    }

    #[test]
    fn a_failed_command_changes_nothing() {
        let store = Store::new(State::empty());
        let a = agent(&store, "a");
        let sales = department(&store, "Sales", &[a], WritePolicy::default()).unwrap();
        let before = store.view();

        let err = store
            .apply(Command::UpdateDepartment {
                id: sales,
                patch: DepartmentPatch {
                    name: Some(DepartmentName::parse("Renamed").unwrap()),
                    ..Default::default()
                },
                members: Some(MembersChange::Replace(vec![a, AgentId(99)])),
                policy: WritePolicy::default(),
            })
            .unwrap_err();

        assert_eq!(err, ModelError::UnknownAgent(AgentId(99)));
        let after = store.view();
        assert!(Arc::ptr_eq(&before, &after));
        assert_eq!(after.department(sales).unwrap().name.as_str(), "Sales");
        assert!(after.departments_named("Renamed").next().is_none());
    }

    #[test]
    fn unique_names_are_checked_among_active_departments_only() {
        let store = Store::new(State::empty());
        let unique = WritePolicy {
            names: NamePolicy::UniqueAmongActive,
            ..Default::default()
        };
        let first = department(&store, "Sales", &[], unique).unwrap();
        assert_eq!(
            department(&store, "Sales", &[], unique),
            Err(ModelError::DuplicateName {
                name: "Sales".into()
            })
        );
        assert!(department(&store, "Sales", &[], WritePolicy::default()).is_ok());

        store
            .apply(Command::SetDepartmentActive {
                id: first,
                active: false,
            })
            .unwrap();
        let view = store.view();
        assert!(!view.department(first).unwrap().enabled);
        assert_eq!(view.departments_named("Sales").count(), 2);
    }

    #[test]
    fn an_inactive_department_takes_no_members() {
        let store = Store::new(State::empty());
        let a = agent(&store, "a");
        let sales = department(&store, "Sales", &[], WritePolicy::default()).unwrap();
        store
            .apply(Command::SetDepartmentActive {
                id: sales,
                active: false,
            })
            .unwrap();

        let err = store
            .apply(Command::ChangeMembers {
                id: sales,
                change: MembersChange::Replace(vec![a]),
                policy: WritePolicy::default(),
            })
            .unwrap_err();

        assert_eq!(err, ModelError::Inactive(sales));
    }

    #[test]
    fn a_department_cannot_be_its_own_fallback() {
        let store = Store::new(State::empty());
        let sales = department(&store, "Sales", &[], WritePolicy::default()).unwrap();
        let before = store.view();

        let err = store
            .apply(Command::UpdateDepartment {
                id: sales,
                patch: DepartmentPatch {
                    routing: Some(RoutingOptions {
                        fallback_department: Some(sales),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                members: None,
                policy: WritePolicy::default(),
            })
            .unwrap_err();

        assert_eq!(err, ModelError::CircularFallback(sales));
        assert!(Arc::ptr_eq(&before, &store.view()));
    }

    #[test]
    fn an_upsert_keeps_the_link_id_and_skips_unknown_agents_when_asked() {
        let store = Store::new(State::empty());
        let a = agent(&store, "a");
        let sales = department(&store, "Sales", &[a], WritePolicy::default()).unwrap();
        let uid = store.view().membership(sales, a).unwrap().uid;

        store
            .apply(Command::ChangeMembers {
                id: sales,
                change: MembersChange::Edit {
                    upsert: vec![
                        MemberSpec {
                            agent: a,
                            order: Some(3),
                            count: None,
                        },
                        MemberSpec {
                            agent: AgentId(77),
                            order: None,
                            count: None,
                        },
                    ],
                    remove: vec![],
                },
                policy: WritePolicy {
                    unknown_agents: UnknownAgents::Skip,
                    ..Default::default()
                },
            })
            .unwrap();

        let view = store.view();
        let link = view.membership(sales, a).unwrap();
        assert_eq!((link.uid, link.order), (uid, 3));
        assert_eq!(members_of(&store, sales), vec![a.0]);
    }

    #[test]
    fn deleting_an_agent_drops_its_memberships_and_tokens() {
        let store = Store::new(State::empty());
        let (a, b) = (agent(&store, "a"), agent(&store, "b"));
        let sales = department(&store, "Sales", &[a, b], WritePolicy::default()).unwrap();
        let digest = TokenDigest([7; 32]);
        store
            .apply(Command::AddToken {
                id: a,
                token: AccessToken {
                    kind: TokenKind::Session,
                    digest,
                },
            })
            .unwrap();
        assert_eq!(store.view().agent_by_token(&digest).unwrap().id, a);

        store.apply(Command::DeleteAgent { id: a }).unwrap();

        let view = store.view();
        assert_eq!(members_of(&store, sales), vec![b.0]);
        assert!(view.agent_by_token(&digest).is_none());
        assert!(view.agent_by_email("a@example.com").is_none());
        view.check_invariants().unwrap();
    }

    #[test]
    fn an_agent_leaving_its_departments_leaves_inactive_ones_too() {
        let store = Store::new(State::empty());
        let (a, b) = (agent(&store, "a"), agent(&store, "b"));
        let sales = department(&store, "Sales", &[a, b], WritePolicy::default()).unwrap();
        let archive = department(&store, "Archive", &[a], WritePolicy::default()).unwrap();
        store
            .apply(Command::SetDepartmentActive {
                id: archive,
                active: false,
            })
            .unwrap();

        store
            .apply(Command::UpdateAgent {
                id: a,
                patch: AgentPatch {
                    leave_departments: true,
                    ..Default::default()
                },
            })
            .unwrap();

        assert!(departments_of(&store, a).is_empty());
        assert_eq!(members_of(&store, sales), vec![b.0]);
        assert!(members_of(&store, archive).is_empty());
        store.view().check_invariants().unwrap();
    }

    #[test]
    fn dotted_settings_paths_build_nested_objects_and_keep_siblings() {
        let store = Store::new(State::empty());
        let sales = department(&store, "Sales", &[], WritePolicy::default()).unwrap();
        let edit = |edits| DepartmentPatch {
            settings: edits,
            ..Default::default()
        };
        store
            .apply(Command::UpdateDepartment {
                id: sales,
                patch: edit(vec![
                    crate::model::SettingsEdit::Merge(
                        serde_json::json!({"a": 1}).as_object().unwrap().clone(),
                    ),
                    crate::model::SettingsEdit::SetPath(
                        vec!["b".into(), "c".into()],
                        serde_json::json!(true),
                    ),
                ]),
                members: None,
                policy: WritePolicy::default(),
            })
            .unwrap();
        let view = store.view();
        assert_eq!(
            serde_json::Value::Object(view.department(sales).unwrap().settings.clone()),
            serde_json::json!({"a": 1, "b": {"c": true}})
        );
    }
}
