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
use imbl::ordmap::DiffItem;
use imbl::{OrdMap, OrdSet};
use tokio::sync::oneshot;

use super::agent::{AccessToken, Agent, TokenDigest};
use super::change::{Batch, Change};
use super::command::{
    AgentPatch, Command, DepartmentPatch, MembersChange, NamePolicy, NewAgent, NewDepartment,
    Outcome, UnknownAgents, WritePolicy,
};
use super::commit::{self, Journal, Pending};
use super::department::{Department, DepartmentName};
use super::department_map::DepartmentMap;
use super::error::ModelError;
use super::ids::{AgentId, DepartmentId, ObjectId, Timestamp, UserUid};
use super::membership::{MemberSpec, Membership};

/// The shared handle to the state. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    /// The commit task's queue, when writes are journaled.
    queue: Option<std::sync::mpsc::Sender<commit::Message>>,
}

/// What the store and its commit task (if any) share.
pub(super) struct Shared {
    /// The published state: what readers see. With a journal, only durable writes are in it.
    pub(super) current: ArcSwap<State>,
    /// Serializes writers; readers never take it.
    pub(super) writer: Mutex<Writer>,
}

/// The writers' side of the store.
pub(super) struct Writer {
    /// The newest state, on which the next write builds. Without a journal it is the published
    /// one; with a journal it may hold writes still on their way to the disk.
    pub(super) head: Arc<State>,
    /// The sequence number of the newest journaled batch.
    pub(super) seq: u64,
}

/// A consistent, immutable snapshot of the whole state.
pub type View = Arc<State>;

impl Store {
    /// A store held in memory only.
    pub fn new(state: State) -> Self {
        Self {
            inner: Arc::new(Inner {
                shared: Shared::new(state, 0),
                queue: None,
            }),
        }
    }

    /// A store whose writes go to `journal` and are acknowledged only once it has them. `seq` is
    /// the number of the last batch `state` already contains; the next write is `seq + 1`.
    /// Starts the commit task (a thread, since the journal does blocking file I/O).
    pub fn with_journal(
        state: State,
        seq: u64,
        journal: Box<dyn Journal>,
    ) -> std::io::Result<Self> {
        let shared = Shared::new(state, seq);
        let queue = commit::spawn(Arc::clone(&shared), seq, journal)?;
        Ok(Self {
            inner: Arc::new(Inner {
                shared,
                queue: Some(queue),
            }),
        })
    }

    /// The current state. Everything a response shows should come from one view.
    pub fn view(&self) -> View {
        self.inner.shared.current.load_full()
    }

    /// The current state for the length of one request: derefs to a [`View`] but takes no
    /// reference count on it (arc-swap's thread-local debt slots), since every request's count
    /// on the one shared state would bounce its cache line between the cores.
    pub fn read(&self) -> arc_swap::Guard<View> {
        self.inner.shared.current.load()
    }

    /// Applies one command atomically: on success the new state is published and returned with
    /// the outcome; on error nothing changes. With a journal, success means the write's changes
    /// are in the journal (fsynced, if so configured), and [`ModelError::Storage`] means they
    /// could not be put there: the write is undone, as is every write queued behind it.
    pub async fn apply(&self, command: Command) -> Result<(View, Outcome), ModelError> {
        let (next, outcome, done) = {
            // A poisoned lock only means another writer panicked mid-build; the head is still
            // whole, since it is replaced only by a finished state.
            let mut writer = self
                .inner
                .shared
                .writer
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let mut next = State::clone(&writer.head);
            let outcome = next.apply(command, Timestamp::now())?;
            next.version += 1;
            let next = Arc::new(next);
            let done = match &self.inner.queue {
                None => {
                    self.inner.shared.current.store(Arc::clone(&next));
                    None
                }
                Some(queue) => {
                    let changes = next.changes_since(&writer.head);
                    // A write that changed no record (revoking an unknown token) needs no batch,
                    // but still queues behind the others so that it never publishes their
                    // un-durable changes early.
                    let batch = (!changes.is_empty()).then(|| {
                        writer.seq += 1;
                        Batch {
                            seq: writer.seq,
                            changes,
                        }
                    });
                    let (tx, rx) = oneshot::channel();
                    // Sent under the lock, so the queue holds batches in sequence order.
                    let pending = Pending {
                        batch,
                        state: Arc::clone(&next),
                        done: tx,
                    };
                    if queue.send(commit::Message::Commit(pending)).is_err() {
                        tracing::error!("write refused: the journal is closed");
                        return Err(ModelError::Storage);
                    }
                    Some(rx)
                }
            };
            writer.head = Arc::clone(&next);
            (next, outcome, done)
        };
        if let Some(done) = done {
            // The commit task answers every pending write; a dropped sender means it is gone.
            done.await.unwrap_or(Err(ModelError::Storage))?;
        }
        Ok((next, outcome))
    }

    /// Flushes the journal and stops the commit task; later writes fail with
    /// [`ModelError::Storage`]. Nothing to do for a store held in memory.
    pub async fn close(&self) {
        if let Some(queue) = &self.inner.queue {
            let (tx, rx) = oneshot::channel();
            if queue.send(commit::Message::Close(tx)).is_ok() {
                let _ = rx.await;
            }
        }
    }
}

impl Shared {
    fn new(state: State, seq: u64) -> Arc<Self> {
        let state = Arc::new(state);
        Arc::new(Self {
            current: ArcSwap::new(Arc::clone(&state)),
            writer: Mutex::new(Writer { head: state, seq }),
        })
    }
}

/// Department ids sharing one name, ascending. Almost always one, which needs no allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
enum IdList {
    One(DepartmentId),
    Many(Arc<[DepartmentId]>),
}

impl IdList {
    fn as_slice(&self) -> &[DepartmentId] {
        match self {
            IdList::One(id) => std::slice::from_ref(id),
            IdList::Many(ids) => ids,
        }
    }

    fn from_sorted(ids: &[DepartmentId]) -> Self {
        match ids {
            [id] => IdList::One(*id),
            _ => IdList::Many(Arc::from(ids)),
        }
    }

    fn with(&self, id: DepartmentId) -> Self {
        let ids = self.as_slice();
        match ids.binary_search(&id) {
            Ok(_) => self.clone(),
            Err(at) => IdList::from_sorted(&[&ids[..at], &[id], &ids[at..]].concat()),
        }
    }

    /// `None` when no id is left.
    fn without(&self, id: DepartmentId) -> Option<Self> {
        let ids: Vec<DepartmentId> = self
            .as_slice()
            .iter()
            .copied()
            .filter(|d| *d != id)
            .collect();
        (!ids.is_empty()).then(|| IdList::from_sorted(&ids))
    }
}

/// A department's memberships, in agent id order; never empty in the store (a department without
/// members has no entry). One allocation per department rather than one per link plus a map
/// entry per link: see docs/decisions.md, "Store".
type Links = Arc<[Membership]>;

/// A department and its links, for [`State::insert_many`]: each link names this department.
#[derive(Debug, Clone)]
pub struct BulkDepartment {
    pub department: Arc<Department>,
    pub links: Links,
}

/// An index by hash: imbl's persistent map with foldhash in place of SipHash. Lookups hash on
/// every request (a token's digest, an email, a username), and foldhash does it in a fraction of
/// the time while still seeding each process at random.
type FastHashMap<K, V> =
    imbl::GenericHashMap<K, V, foldhash::fast::RandomState, imbl::shared_ptr::DefaultSharedPtr>;

/// The canonical state with every index. Cloning is cheap (structure is shared).
#[derive(Clone, Default)]
pub struct State {
    /// Bumped by every write; lets encoders cache per version.
    pub(super) version: u64,
    next_department_id: u64,
    next_agent_id: u64,
    /// By id, with the count of active ones (department_map.rs).
    departments: DepartmentMap,
    /// An ordered map rather than a hash map: a third of the memory (the HAMT's nodes are sparse
    /// arrays), and generated ids ascend, so inserts stay on one path.
    department_by_uid: OrdMap<ObjectId, DepartmentId>,
    /// Name (byte order) -> ids with that name.
    departments_by_name: OrdMap<Arc<str>, IdList>,
    agents: OrdMap<AgentId, Arc<Agent>>,
    agent_by_uid: FastHashMap<UserUid, AgentId>,
    /// Lower-cased email -> agent.
    agent_by_email: FastHashMap<String, AgentId>,
    agent_by_username: FastHashMap<Arc<str>, AgentId>,
    agent_by_token: FastHashMap<TokenDigest, AgentId>,
    /// Department -> its members, in agent id order.
    members: OrdMap<DepartmentId, Links>,
    /// Agent -> its departments, in department id order; no entry for an agent in none. A set
    /// per agent rather than one set of pairs: half the bytes per link, and shallower trees to
    /// fill at start-up.
    agent_departments: OrdMap<AgentId, OrdSet<DepartmentId>>,
    membership_by_uid: OrdMap<ObjectId, (DepartmentId, AgentId)>,
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

    /// How many departments are active; kept by every write, so `O(1)`.
    pub fn active_department_count(&self) -> usize {
        self.departments.active_count()
    }

    /// Departments with exactly this name, lowest id first.
    pub fn departments_named<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = &'a Arc<Department>> {
        self.departments_by_name
            .get(name)
            .into_iter()
            .flat_map(IdList::as_slice)
            .filter_map(|id| self.departments.get(id))
    }

    /// All departments ordered by name (byte order), then id.
    pub fn departments_by_name(&self) -> impl Iterator<Item = &Arc<Department>> {
        self.departments_by_name
            .values()
            .flat_map(IdList::as_slice)
            .filter_map(|id| self.departments.get(id))
    }

    /// A department's memberships, in agent id order.
    pub fn members_of(&self, id: DepartmentId) -> std::slice::Iter<'_, Membership> {
        self.members.get(&id).map_or(&[][..], |links| links).iter()
    }

    /// The departments an agent belongs to, in id order.
    pub fn departments_of(&self, agent: AgentId) -> impl Iterator<Item = &Arc<Department>> {
        self.department_ids_of(agent)
            .filter_map(|d| self.departments.get(&d))
    }

    fn department_ids_of(&self, agent: AgentId) -> impl Iterator<Item = DepartmentId> {
        self.agent_departments
            .get(&agent)
            .into_iter()
            .flat_map(|ids| ids.iter().copied())
    }

    fn add_side(&mut self, agent: AgentId, department: DepartmentId) {
        self.agent_departments
            .entry(agent)
            .or_default()
            .insert(department);
    }

    fn remove_side(&mut self, agent: AgentId, department: DepartmentId) {
        if let Some(ids) = self.agent_departments.get_mut(&agent) {
            ids.remove(&department);
            if ids.is_empty() {
                self.agent_departments.remove(&agent);
            }
        }
    }

    pub fn membership(&self, department: DepartmentId, agent: AgentId) -> Option<&Membership> {
        let links = self.members.get(&department)?;
        let at = links.binary_search_by_key(&agent, |m| m.agent).ok()?;
        Some(&links[at])
    }

    pub fn membership_by_uid(&self, uid: &ObjectId) -> Option<&Membership> {
        self.membership_by_uid
            .get(uid)
            .and_then(|(d, a)| self.membership(*d, *a))
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
        self.insert_department(new.into_department(id, uid, now))?;
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
            department.routing = routing.into();
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
        if let Some(links) = self.members.remove(&id) {
            for m in links.iter() {
                self.membership_by_uid.remove(&m.uid);
                self.remove_side(m.agent, id);
            }
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
                    .filter(|a| self.membership(id, *a).is_none())
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
        // One copy of the department's links for the whole change, not one per member.
        let mut links: Vec<Membership> = self.members_of(id).cloned().collect();
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
            let at = links.binary_search_by_key(&spec.agent, |m| m.agent);
            let uid = match at {
                Ok(i) => links[i].uid,
                Err(_) => {
                    let mut uid = ObjectId::generate(now);
                    while self.membership_by_uid.contains_key(&uid) {
                        uid = ObjectId::generate(now);
                    }
                    self.membership_by_uid.insert(uid, (id, spec.agent));
                    self.add_side(spec.agent, id);
                    uid
                }
            };
            let link = Membership {
                uid,
                department: id,
                agent: spec.agent,
                order: spec.order.unwrap_or(0),
                count: spec.count.unwrap_or(0),
                updated_at: now,
            };
            match at {
                Ok(i) => links[i] = link,
                Err(i) => links.insert(i, link),
            }
        }
        for agent in remove {
            if let Ok(i) = links.binary_search_by_key(&agent, |m| m.agent) {
                let gone = links.remove(i);
                self.membership_by_uid.remove(&gone.uid);
                self.remove_side(agent, id);
            }
        }
        self.set_links(id, links);
        Ok(())
    }

    /// Replaces a department's links (their other indexes are the caller's business).
    fn set_links(&mut self, department: DepartmentId, links: Vec<Membership>) {
        if links.is_empty() {
            self.members.remove(&department);
        } else {
            self.members.insert(department, Links::from(links));
        }
    }

    fn link(&mut self, membership: Membership) {
        let (department, agent) = (membership.department, membership.agent);
        self.membership_by_uid
            .insert(membership.uid, (department, agent));
        self.add_side(agent, department);
        let mut links: Vec<Membership> = self.members_of(department).cloned().collect();
        match links.binary_search_by_key(&agent, |m| m.agent) {
            Ok(i) => links[i] = membership,
            Err(i) => links.insert(i, membership),
        }
        self.set_links(department, links);
    }

    fn unlink(&mut self, department: DepartmentId, agent: AgentId) {
        let mut links: Vec<Membership> = self.members_of(department).cloned().collect();
        if let Ok(i) = links.binary_search_by_key(&agent, |m| m.agent) {
            let gone = links.remove(i);
            self.membership_by_uid.remove(&gone.uid);
            self.remove_side(agent, department);
            self.set_links(department, links);
        }
    }

    fn index_name(&mut self, name: &DepartmentName, id: DepartmentId) {
        let ids = match self.departments_by_name.get(name.as_str()) {
            Some(ids) => ids.with(id),
            None => IdList::One(id),
        };
        self.departments_by_name.insert(name.shared(), ids);
    }

    fn unindex_name(&mut self, name: &DepartmentName, id: DepartmentId) {
        if let Some(ids) = self.departments_by_name.get(name.as_str()) {
            match ids.without(id) {
                Some(rest) => {
                    self.departments_by_name.insert(name.shared(), rest);
                }
                None => {
                    self.departments_by_name.remove(name.as_str());
                }
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
            let departments: Vec<DepartmentId> = self.department_ids_of(id).collect();
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
        let departments: Vec<DepartmentId> = self.department_ids_of(id).collect();
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
            .membership(membership.department, membership.agent)
            .is_some()
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

    /// Adds many departments and their links at once to a state that has no department yet
    /// (fixtures): what [`insert_department`](Self::insert_department) and
    /// [`insert_membership`](Self::insert_membership) do one at a time, in `O(n log n)` sorts and
    /// one ordered pass per index instead of `O(n)` tree walks, which at a million departments
    /// is seconds rather than tens of seconds. Each entry is a department with its own links (in
    /// any agent order), both already in the shared form the state keeps, so that loading does
    /// not copy a million records once more. It refuses what those would refuse, but without
    /// saying which record is at fault; then it has changed nothing and the list is as it was,
    /// so the caller can find the culprit one record at a time. On success the list is left
    /// empty.
    pub fn insert_many(&mut self, batch: &mut Vec<BulkDepartment>) -> Result<(), ModelError> {
        let refused = |reason: &str| ModelError::Invalid {
            field: "departments",
            reason: reason.into(),
        };
        if !self.departments.is_empty() {
            return Err(refused("are added in bulk only to a state without any"));
        }
        // Check everything before changing anything. The department keys and the link keys are
        // sorted on two threads: at a million departments each side is a quarter of a second.
        let (department_keys, link_keys) = std::thread::scope(|scope| {
            let department_side = scope.spawn(|| {
                let mut ids: Vec<DepartmentId> = batch.iter().map(|b| b.department.id).collect();
                ids.sort_unstable();
                if ids.windows(2).any(|w| w[0] == w[1]) {
                    return Err(refused("repeat an id"));
                }
                let mut uids: Vec<(ObjectId, DepartmentId)> = batch
                    .iter()
                    .map(|b| (b.department.uid, b.department.id))
                    .collect();
                uids.sort_unstable();
                if uids.windows(2).any(|w| w[0].0 == w[1].0) {
                    return Err(refused("repeat a uid"));
                }
                Ok(uids)
            });
            let links = || batch.iter().flat_map(|b| b.links.iter());
            let mut link_uids: Vec<(ObjectId, (DepartmentId, AgentId))> =
                links().map(|m| (m.uid, (m.department, m.agent))).collect();
            link_uids.sort_unstable();
            let mut sides: Vec<(AgentId, DepartmentId)> =
                links().map(|m| (m.agent, m.department)).collect();
            sides.sort_unstable();
            let department_keys = department_side
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (department_keys, (link_uids, sides))
        });
        let uids = department_keys?;
        let (link_uids, sides) = link_keys;
        for BulkDepartment { department, links } in batch.iter() {
            if links.iter().any(|m| m.department != department.id) {
                return Err(refused("give a department another's link"));
            }
            if !links.is_empty() && !department.active {
                return Err(refused("link an inactive department"));
            }
        }
        // Sorted by agent, then department: an agent listed twice in one department is a pair.
        if sides.windows(2).any(|w| w[0] == w[1]) {
            return Err(refused("list an agent twice"));
        }
        if sides
            .chunk_by(|a, b| a.0 == b.0)
            .any(|group| !self.agents.contains_key(&group[0].0))
        {
            return Err(refused("link an unknown agent"));
        }
        if link_uids.windows(2).any(|w| w[0].0 == w[1].0)
            || link_uids
                .iter()
                .any(|(uid, _)| self.membership_by_uid.contains_key(uid))
        {
            return Err(refused("repeat a link uid"));
        }

        // Links are kept in agent order (sorted in place: each list is the caller's only copy).
        for b in batch.iter_mut() {
            if b.links.windows(2).any(|w| w[0].agent > w[1].agent) {
                Arc::make_mut(&mut b.links).sort_unstable_by_key(|m| m.agent);
            }
        }
        batch.sort_unstable_by_key(|b| b.department.id);
        if let Some(last) = batch.last() {
            self.next_department_id = self.next_department_id.max(last.department.id.0 + 1);
        }
        let State {
            departments: records,
            department_by_uid,
            departments_by_name,
            members,
            agent_departments,
            membership_by_uid,
            ..
        } = self;
        // The department indexes and the link indexes are independent: two threads build them
        // side by side, which on two cores nearly halves the time.
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let mut names: Vec<(Arc<str>, DepartmentId)> = batch
                    .iter()
                    .map(|b| (b.department.name.shared(), b.department.id))
                    .collect();
                names.sort_unstable();
                let arcs: Vec<(DepartmentId, Arc<Department>)> = batch
                    .iter()
                    .map(|b| (b.department.id, Arc::clone(&b.department)))
                    .collect();
                fill_sorted(arcs, |(id, d)| {
                    records.insert(id, d);
                });
                fill_sorted(uids, |(uid, id)| {
                    department_by_uid.insert(uid, id);
                });
                let names = names
                    .chunk_by(|a, b| a.0 == b.0)
                    .map(|group| {
                        let ids: Vec<DepartmentId> = group.iter().map(|(_, id)| *id).collect();
                        (Arc::clone(&group[0].0), IdList::from_sorted(&ids))
                    })
                    .collect();
                fill_sorted(names, |(name, ids)| {
                    departments_by_name.insert(name, ids);
                });
            });
            let grouped: Vec<(DepartmentId, Links)> = batch
                .iter()
                .filter(|b| !b.links.is_empty())
                .map(|b| (b.department.id, Arc::clone(&b.links)))
                .collect();
            fill_sorted(grouped, |(id, links)| {
                members.insert(id, links);
            });
            for group in sides.chunk_by(|a, b| a.0 == b.0) {
                let mut ids = OrdSet::new();
                fill_sorted(group.iter().map(|(_, d)| *d).collect(), |d| {
                    ids.insert(d);
                });
                agent_departments.insert(group[0].0, ids);
            }
            fill_sorted(link_uids, |(uid, key)| {
                membership_by_uid.insert(uid, key);
            });
        });
        batch.clear();
        Ok(())
    }

    /// What changed from `before` to `self`, as record-level changes that
    /// [`apply_changes`](Self::apply_changes) replays onto `before`. Costs `O(changes * log n)`:
    /// the maps' diff skips the structure the two states share, and unchanged records compare by
    /// pointer. Ordered so that replay never sees a dangling link: records first, then links
    /// removed and added, then the records that lost their last link are deleted.
    pub fn changes_since(&self, before: &State) -> Vec<Change> {
        let mut put_departments = Vec::new();
        let mut deleted_departments = Vec::new();
        for item in before.departments.diff(&self.departments) {
            match item {
                DiffItem::Add(_, d) | DiffItem::Update { new: (_, d), .. } => {
                    put_departments.push(Change::PutDepartment(Department::clone(d)))
                }
                DiffItem::Remove(id, _) => deleted_departments.push(Change::DeleteDepartment(*id)),
            }
        }
        let mut put_agents = Vec::new();
        let mut deleted_agents = Vec::new();
        for item in before.agents.diff(&self.agents) {
            match item {
                DiffItem::Add(_, a) | DiffItem::Update { new: (_, a), .. } => {
                    put_agents.push(Change::PutAgent(Agent::clone(a)))
                }
                DiffItem::Remove(id, _) => deleted_agents.push(Change::DeleteAgent(*id)),
            }
        }
        let mut put_links = Vec::new();
        let mut deleted_links = Vec::new();
        for item in before.members.diff(&self.members) {
            let (old, new): (&[Membership], &[Membership]) = match &item {
                DiffItem::Add(_, new) => (&[], new),
                DiffItem::Update {
                    old: (_, old),
                    new: (_, new),
                } => (old, new),
                DiffItem::Remove(_, old) => (old, &[]),
            };
            // Both in agent order: one merge finds the links added, changed and removed.
            let (mut i, mut j) = (0, 0);
            while i < old.len() || j < new.len() {
                match (old.get(i), new.get(j)) {
                    (Some(o), Some(n)) if o.agent == n.agent => {
                        if o != n {
                            put_links.push(Change::PutMembership(n.clone()));
                        }
                        (i, j) = (i + 1, j + 1);
                    }
                    (Some(o), n) if n.is_none_or(|n| o.agent < n.agent) => {
                        deleted_links.push(Change::DeleteMembership(o.department, o.agent));
                        i += 1;
                    }
                    (_, Some(n)) => {
                        put_links.push(Change::PutMembership(n.clone()));
                        j += 1;
                    }
                    (_, None) => unreachable!("the arms above take every remaining link"),
                }
            }
        }
        let mut changes = put_departments;
        changes.append(&mut put_agents);
        changes.append(&mut deleted_links);
        changes.append(&mut put_links);
        changes.append(&mut deleted_agents);
        changes.append(&mut deleted_departments);
        for item in before.settings.diff(&self.settings) {
            changes.push(match item {
                DiffItem::Add(name, value)
                | DiffItem::Update {
                    new: (name, value), ..
                } => Change::PutSetting(name.to_string(), value.clone()),
                DiffItem::Remove(name, _) => Change::RemoveSetting(name.to_string()),
            });
        }
        if (before.next_department_id, before.next_agent_id)
            != (self.next_department_id, self.next_agent_id)
        {
            changes.push(self.next_ids());
        }
        changes
    }

    fn next_ids(&self) -> Change {
        Change::NextIds {
            department: self.next_department_id,
            agent: self.next_agent_id,
        }
    }

    /// The changes that rebuild this state from [`State::empty`]: a snapshot's contents.
    pub fn to_changes(&self) -> Vec<Change> {
        let departments = self
            .departments
            .values()
            .map(|d| Change::PutDepartment(Department::clone(d)));
        let agents = self
            .agents
            .values()
            .map(|a| Change::PutAgent(Agent::clone(a)));
        let links = self
            .members
            .values()
            .flat_map(|links| links.iter())
            .map(|m| Change::PutMembership(m.clone()));
        let settings = self
            .settings
            .iter()
            .map(|(name, value)| Change::PutSetting(name.to_string(), value.clone()));
        departments
            .chain(agents)
            .chain(links)
            .chain(settings)
            .chain(std::iter::once(self.next_ids()))
            .collect()
    }

    /// Replays changes (a journaled batch, a snapshot), keeping every index consistent. It
    /// enforces what keeps the indexes sound (no taken id, no dangling link) and none of the
    /// business rules, which were checked when the write was made. On error the state may be
    /// half-changed: the caller drops it.
    pub fn apply_changes(&mut self, changes: Vec<Change>) -> Result<(), ModelError> {
        let mut changes = changes.into_iter().peekable();
        while let Some(change) = changes.next() {
            match change {
                Change::PutDepartment(d) => self.put_department(d)?,
                Change::DeleteDepartment(id) => self.remove_department(id)?,
                Change::PutAgent(a) => self.put_agent(a)?,
                Change::DeleteAgent(id) => self.remove_agent(id)?,
                Change::PutMembership(m) => {
                    // A department's links are put together (a snapshot lists them so), since
                    // each put copies the department's list.
                    let mut run = vec![m];
                    while let Some(Change::PutMembership(next)) = changes.peek()
                        && next.department == run[0].department
                    {
                        if let Some(Change::PutMembership(next)) = changes.next() {
                            run.push(next);
                        }
                    }
                    self.put_memberships(run)?
                }
                Change::DeleteMembership(department, agent) => {
                    if self.membership(department, agent).is_none() {
                        return Err(corrupt(format!(
                            "no link ({department}, {agent}) to delete"
                        )));
                    }
                    self.unlink(department, agent);
                }
                Change::PutSetting(name, value) => self.insert_setting(&name, value),
                Change::RemoveSetting(name) => {
                    self.settings.remove(name.as_str());
                }
                Change::NextIds { department, agent } => {
                    self.next_department_id = department;
                    self.next_agent_id = agent;
                }
            }
        }
        self.version += 1;
        Ok(())
    }

    fn put_department(&mut self, d: Department) -> Result<(), ModelError> {
        if let Some(holder) = self.department_by_uid.get(&d.uid)
            && *holder != d.id
        {
            return Err(corrupt(format!(
                "uid {} is held by department {holder}",
                d.uid
            )));
        }
        if let Some(old) = self.departments.get(&d.id).cloned() {
            self.department_by_uid.remove(&old.uid);
            self.unindex_name(&old.name, d.id);
        }
        self.next_department_id = self.next_department_id.max(d.id.0 + 1);
        self.department_by_uid.insert(d.uid, d.id);
        self.index_name(&d.name, d.id);
        self.departments.insert(d.id, Arc::new(d));
        Ok(())
    }

    fn remove_department(&mut self, id: DepartmentId) -> Result<(), ModelError> {
        let department = self.require_department(id)?;
        if self.members_of(id).next().is_some() {
            return Err(corrupt(format!("department {id} is deleted with members")));
        }
        self.unindex_name(&department.name, id);
        self.department_by_uid.remove(&department.uid);
        self.departments.remove(&id);
        Ok(())
    }

    fn put_agent(&mut self, a: Agent) -> Result<(), ModelError> {
        let id = a.id;
        let other = |holder: Option<&AgentId>| holder.is_some_and(|h| *h != id);
        if other(self.agent_by_uid.get(&a.uid))
            || other(self.agent_by_email.get(&a.email.key()))
            || other(self.agent_by_username.get(a.username.as_str()))
            || a.credentials
                .tokens
                .iter()
                .any(|t| other(self.agent_by_token.get(&t.digest)))
        {
            return Err(corrupt(format!(
                "agent {id} reuses another agent's uid, email, username or token"
            )));
        }
        if let Some(old) = self.agents.get(&id).cloned() {
            self.agent_by_uid.remove(&old.uid);
            self.agent_by_email.remove(&old.email.key());
            self.agent_by_username.remove(old.username.as_str());
            for token in &old.credentials.tokens {
                self.agent_by_token.remove(&token.digest);
            }
        }
        self.next_agent_id = self.next_agent_id.max(id.0 + 1);
        self.agent_by_uid.insert(a.uid, id);
        self.agent_by_email.insert(a.email.key(), id);
        self.agent_by_username
            .insert(Arc::from(a.username.as_str()), id);
        for token in &a.credentials.tokens {
            self.agent_by_token.insert(token.digest, id);
        }
        self.agents.insert(id, Arc::new(a));
        Ok(())
    }

    fn remove_agent(&mut self, id: AgentId) -> Result<(), ModelError> {
        let agent = self.require_agent(id)?;
        if self.departments_of(id).next().is_some() {
            return Err(corrupt(format!("agent {id} is deleted with departments")));
        }
        for token in &agent.credentials.tokens {
            self.agent_by_token.remove(&token.digest);
        }
        self.agent_by_uid.remove(&agent.uid);
        self.agent_by_email.remove(&agent.email.key());
        self.agent_by_username.remove(agent.username.as_str());
        self.agents.remove(&id);
        Ok(())
    }

    /// Puts links of one department.
    fn put_memberships(&mut self, run: Vec<Membership>) -> Result<(), ModelError> {
        let Some(department) = run.first().map(|m| m.department) else {
            return Ok(());
        };
        self.require_department(department)?;
        let mut links: Vec<Membership> = self.members_of(department).cloned().collect();
        for m in run {
            let key = (m.department, m.agent);
            self.require_agent(m.agent)?;
            if let Some(holder) = self.membership_by_uid.get(&m.uid)
                && *holder != key
            {
                return Err(corrupt(format!(
                    "link uid {} is held by another link",
                    m.uid
                )));
            }
            self.membership_by_uid.insert(m.uid, key);
            self.add_side(m.agent, m.department);
            match links.binary_search_by_key(&m.agent, |l| l.agent) {
                Ok(i) => {
                    // An old uid of the same link goes.
                    if links[i].uid != m.uid {
                        self.membership_by_uid.remove(&links[i].uid);
                    }
                    links[i] = m;
                }
                Err(i) => links.insert(i, m),
            }
        }
        self.set_links(department, links);
        Ok(())
    }

    /// Whether both states hold the same records and counters (their indexes follow from
    /// those). For tests and recovery checks; `O(n)`.
    pub fn same_records(&self, other: &State) -> bool {
        self.next_department_id == other.next_department_id
            && self.next_agent_id == other.next_agent_id
            && self.departments == other.departments
            && self.agents == other.agents
            && self.members == other.members
            && self.settings == other.settings
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
        if tokens != self.agent_by_token.len() {
            return Err("token index and agents' tokens differ in size".into());
        }
        let links = self.members.values().map(|l| l.len()).sum::<usize>();
        let sides_count = self
            .agent_departments
            .values()
            .map(|s| s.len())
            .sum::<usize>();
        if links != sides_count || links != self.membership_by_uid.len() {
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
                sides.push((m.agent, *d));
                uids.push((m.uid, *d, m.agent));
            }
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

/// Inserts sorted, distinct entries into an empty `imbl` tree so that its leaves end up full.
/// Inserted in ascending order, `imbl`'s B-tree splits each full leaf in two halves and never
/// comes back to the left one, so every leaf stays half empty. Inserting every other entry
/// first and the rest after fills each of those halves up again: a quarter less memory for the
/// tree at the same cost. Only memory depends on this; any order gives the same map.
fn fill_sorted<T>(sorted: Vec<T>, mut insert: impl FnMut(T)) {
    let mut second = Vec::with_capacity(sorted.len() / 2);
    for (i, item) in sorted.into_iter().enumerate() {
        if i % 2 == 0 {
            insert(item);
        } else {
            second.push(item);
        }
    }
    second.into_iter().for_each(insert);
}

/// A replayed change that would break an index: the data it came from is corrupt.
fn corrupt(reason: String) -> ModelError {
    ModelError::Invalid {
        field: "change",
        reason,
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

    async fn agent(store: &Store, name: &str) -> AgentId {
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
            .await
            .unwrap();
        let Outcome::Agent(id) = outcome else {
            panic!("{outcome:?}")
        };
        id
    }

    async fn department(
        store: &Store,
        name: &str,
        members: &[AgentId],
        policy: WritePolicy,
    ) -> Result<DepartmentId, ModelError> {
        let (_, outcome) = store
            .apply(Command::CreateDepartment {
                department: NewDepartment::named(DepartmentName::parse(name).unwrap()),
                members: Some(MembersChange::Replace(members.to_vec())),
                policy,
            })
            .await?;
        let Outcome::Department(id) = outcome else {
            panic!("{outcome:?}")
        };
        Ok(id)
    }

    async fn departments_of(store: &Store, agent: AgentId) -> Vec<u64> {
        store.view().departments_of(agent).map(|d| d.id.0).collect()
    }

    async fn members_of(store: &Store, id: DepartmentId) -> Vec<u64> {
        store.view().members_of(id).map(|m| m.agent.0).collect()
    }

    #[tokio::test]
    async fn memberships_are_visible_from_both_sides_and_ids_are_never_reused() {
        let store = Store::new(State::empty());
        let (a, b) = (agent(&store, "a").await, agent(&store, "b").await);
        let sales = department(&store, "Sales", &[a, b], WritePolicy::default())
            .await
            .unwrap();
        assert_eq!(members_of(&store, sales).await, vec![a.0, b.0]);
        assert_eq!(departments_of(&store, b).await, vec![sales.0]);

        store
            .apply(Command::DeleteDepartment { id: sales })
            .await
            .unwrap();
        let next = department(&store, "Sales", &[], WritePolicy::default())
            .await
            .unwrap();

        assert!(departments_of(&store, b).await.is_empty());
        assert!(next.0 > sales.0);
        store.view().check_invariants().unwrap();
    }

    #[tokio::test]
    async fn a_failed_command_changes_nothing() {
        let store = Store::new(State::empty());
        let a = agent(&store, "a").await;
        let sales = department(&store, "Sales", &[a], WritePolicy::default())
            .await
            .unwrap();
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
            .await
            .unwrap_err();

        assert_eq!(err, ModelError::UnknownAgent(AgentId(99)));
        let after = store.view();
        assert!(Arc::ptr_eq(&before, &after));
        assert_eq!(after.department(sales).unwrap().name.as_str(), "Sales");
        assert!(after.departments_named("Renamed").next().is_none());
    }

    #[tokio::test]
    async fn unique_names_are_checked_among_active_departments_only() {
        let store = Store::new(State::empty());
        let unique = WritePolicy {
            names: NamePolicy::UniqueAmongActive,
            ..Default::default()
        };
        let first = department(&store, "Sales", &[], unique).await.unwrap();
        assert_eq!(
            department(&store, "Sales", &[], unique).await,
            Err(ModelError::DuplicateName {
                name: "Sales".into()
            })
        );
        assert!(
            department(&store, "Sales", &[], WritePolicy::default())
                .await
                .is_ok()
        );

        store
            .apply(Command::SetDepartmentActive {
                id: first,
                active: false,
            })
            .await
            .unwrap();
        let view = store.view();
        assert!(!view.department(first).unwrap().enabled);
        assert_eq!(view.departments_named("Sales").count(), 2);
    }

    #[tokio::test]
    async fn an_inactive_department_takes_no_members() {
        let store = Store::new(State::empty());
        let a = agent(&store, "a").await;
        let sales = department(&store, "Sales", &[], WritePolicy::default())
            .await
            .unwrap();
        store
            .apply(Command::SetDepartmentActive {
                id: sales,
                active: false,
            })
            .await
            .unwrap();

        let err = store
            .apply(Command::ChangeMembers {
                id: sales,
                change: MembersChange::Replace(vec![a]),
                policy: WritePolicy::default(),
            })
            .await
            .unwrap_err();

        assert_eq!(err, ModelError::Inactive(sales));
    }

    #[tokio::test]
    async fn a_department_cannot_be_its_own_fallback() {
        let store = Store::new(State::empty());
        let sales = department(&store, "Sales", &[], WritePolicy::default())
            .await
            .unwrap();
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
            .await
            .unwrap_err();

        assert_eq!(err, ModelError::CircularFallback(sales));
        assert!(Arc::ptr_eq(&before, &store.view()));
    }

    #[tokio::test]
    async fn an_upsert_keeps_the_link_id_and_skips_unknown_agents_when_asked() {
        let store = Store::new(State::empty());
        let a = agent(&store, "a").await;
        let sales = department(&store, "Sales", &[a], WritePolicy::default())
            .await
            .unwrap();
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
            .await
            .unwrap();

        let view = store.view();
        let link = view.membership(sales, a).unwrap();
        assert_eq!((link.uid, link.order), (uid, 3));
        assert_eq!(members_of(&store, sales).await, vec![a.0]);
    }

    #[tokio::test]
    async fn deleting_an_agent_drops_its_memberships_and_tokens() {
        let store = Store::new(State::empty());
        let (a, b) = (agent(&store, "a").await, agent(&store, "b").await);
        let sales = department(&store, "Sales", &[a, b], WritePolicy::default())
            .await
            .unwrap();
        let digest = TokenDigest([7; 32]);
        store
            .apply(Command::AddToken {
                id: a,
                token: AccessToken {
                    kind: TokenKind::Session,
                    digest,
                },
            })
            .await
            .unwrap();
        assert_eq!(store.view().agent_by_token(&digest).unwrap().id, a);

        store.apply(Command::DeleteAgent { id: a }).await.unwrap();

        let view = store.view();
        assert_eq!(members_of(&store, sales).await, vec![b.0]);
        assert!(view.agent_by_token(&digest).is_none());
        assert!(view.agent_by_email("a@example.com").is_none());
        view.check_invariants().unwrap();
    }

    #[tokio::test]
    async fn an_agent_leaving_its_departments_leaves_inactive_ones_too() {
        let store = Store::new(State::empty());
        let (a, b) = (agent(&store, "a").await, agent(&store, "b").await);
        let sales = department(&store, "Sales", &[a, b], WritePolicy::default())
            .await
            .unwrap();
        let archive = department(&store, "Archive", &[a], WritePolicy::default())
            .await
            .unwrap();
        store
            .apply(Command::SetDepartmentActive {
                id: archive,
                active: false,
            })
            .await
            .unwrap();

        store
            .apply(Command::UpdateAgent {
                id: a,
                patch: AgentPatch {
                    leave_departments: true,
                    ..Default::default()
                },
            })
            .await
            .unwrap();

        assert!(departments_of(&store, a).await.is_empty());
        assert_eq!(members_of(&store, sales).await, vec![b.0]);
        assert!(members_of(&store, archive).await.is_empty());
        store.view().check_invariants().unwrap();
    }

    #[tokio::test]
    async fn dotted_settings_paths_build_nested_objects_and_keep_siblings() {
        let store = Store::new(State::empty());
        let sales = department(&store, "Sales", &[], WritePolicy::default())
            .await
            .unwrap();
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
            .await
            .unwrap();
        let view = store.view();
        assert_eq!(
            serde_json::Value::Object(
                view.department(sales)
                    .unwrap()
                    .settings
                    .shared()
                    .as_ref()
                    .clone()
            ),
            serde_json::json!({"a": 1, "b": {"c": true}})
        );
    }

    /// Runs `command` and checks that its journaled changes, through their on-disk form, turn
    /// the state before into the state after.
    async fn check_replay(store: &Store, command: Command) {
        let before = store.view();
        let _ = store.apply(command).await;
        let after = store.view();
        let changes = after.changes_since(&before);
        let text = serde_json::to_string(&changes).unwrap();
        let decoded: Vec<Change> = serde_json::from_str(&text).unwrap();
        assert_eq!(decoded, changes);
        let mut replayed = State::clone(&before);
        replayed.apply_changes(decoded).unwrap();
        replayed.check_invariants().unwrap();
        assert!(
            replayed.same_records(&after),
            "replay differs after {changes:?}"
        );
        let mut rebuilt = State::empty();
        rebuilt.apply_changes(after.to_changes()).unwrap();
        rebuilt.check_invariants().unwrap();
        assert!(rebuilt.same_records(&after));
    }

    #[tokio::test]
    async fn the_changes_of_every_kind_of_write_replay_to_the_same_state() {
        let store = Store::new(State::empty());
        let (a, b) = (agent(&store, "a").await, agent(&store, "b").await);
        let sales = department(&store, "Sales", &[a, b], WritePolicy::default())
            .await
            .unwrap();
        let support = department(&store, "Support", &[a], WritePolicy::default())
            .await
            .unwrap();
        let digest = TokenDigest([9; 32]);
        let commands = vec![
            Command::UpdateDepartment {
                id: sales,
                patch: DepartmentPatch {
                    name: Some(DepartmentName::parse("Sales EU").unwrap()),
                    description: Some(Some("d".into())),
                    ..Default::default()
                },
                members: Some(MembersChange::Replace(vec![b])),
                policy: WritePolicy::default(),
            },
            Command::ChangeMembers {
                id: support,
                change: MembersChange::Edit {
                    upsert: vec![MemberSpec {
                        agent: b,
                        order: Some(2),
                        count: Some(5),
                    }],
                    remove: vec![a],
                },
                policy: WritePolicy::default(),
            },
            Command::AddToken {
                id: a,
                token: AccessToken {
                    kind: TokenKind::Session,
                    digest,
                },
            },
            Command::RevokeToken { id: a, digest },
            Command::RevokeToken { id: a, digest },
            Command::SetSetting {
                name: "x".into(),
                value: Some(serde_json::json!({"on": true})),
            },
            Command::SetSetting {
                name: "x".into(),
                value: None,
            },
            Command::UpdateAgent {
                id: b,
                patch: AgentPatch {
                    username: Some(Username::parse("bee").unwrap()),
                    email: Some(Email::parse("bee@example.com").unwrap()),
                    ..Default::default()
                },
            },
            Command::SetDepartmentActive {
                id: support,
                active: false,
            },
            Command::UpdateAgent {
                id: b,
                patch: AgentPatch {
                    leave_departments: true,
                    ..Default::default()
                },
            },
            Command::DeleteDepartment { id: sales },
            Command::DeleteAgent { id: a },
            // A refused command journals nothing.
            Command::DeleteAgent { id: a },
        ];
        for command in commands {
            check_replay(&store, command).await;
        }
    }

    #[test]
    fn adding_in_bulk_gives_the_state_that_adding_one_at_a_time_gives() {
        let now = Timestamp::from_unix_millis(1_700_000_000_000);
        let mut base = State::empty();
        for (id, name) in [(1, "a"), (2, "b"), (3, "c")] {
            base.insert_agent(Agent {
                id: AgentId(id),
                uid: UserUid::generate(),
                username: Username::parse(name).unwrap(),
                display_name: name.into(),
                email: Email::parse(&format!("{name}@example.com")).unwrap(),
                roles: [Role::Agent].into_iter().collect(),
                active: true,
                time_zone: None,
                presence: Default::default(),
                accepts_chats: true,
                created_at: now,
                updated_at: now,
                credentials: Credentials::default(),
            })
            .unwrap();
        }
        // Out of id order, two names shared, one department without members.
        let department = |id: u64, name: &str| {
            NewDepartment::named(DepartmentName::parse(name).unwrap()).into_department(
                DepartmentId(id),
                ObjectId::generate(now),
                now,
            )
        };
        let departments = vec![
            department(5, "Sales"),
            department(2, "Support"),
            department(9, "Sales"),
            department(3, "Empty"),
        ];
        let link = |d: u64, a: u64| Membership {
            uid: ObjectId::generate(now),
            department: DepartmentId(d),
            agent: AgentId(a),
            order: 0,
            count: 0,
            updated_at: now,
        };
        let links = vec![link(5, 3), link(5, 1), link(2, 2), link(9, 1), link(9, 2)];

        let mut one_by_one = base.clone();
        for d in departments.clone() {
            one_by_one.insert_department(d).unwrap();
        }
        for m in links.clone() {
            one_by_one.insert_membership(m).unwrap();
        }
        let mut bulk = base.clone();
        let batch = |departments: &[Department], links: &[Membership]| -> Vec<BulkDepartment> {
            departments
                .iter()
                .map(|d| BulkDepartment {
                    department: Arc::new(d.clone()),
                    links: links
                        .iter()
                        .filter(|m| m.department == d.id)
                        .cloned()
                        .collect(),
                })
                .collect()
        };
        let mut all = batch(&departments, &links);
        bulk.insert_many(&mut all).unwrap();

        assert!(all.is_empty());
        bulk.check_invariants().unwrap();
        assert!(bulk.same_records(&one_by_one));
        let sales: Vec<u64> = bulk.departments_named("Sales").map(|d| d.id.0).collect();
        assert_eq!(sales, vec![5, 9]);
        assert_eq!(
            bulk.members_of(DepartmentId(5))
                .map(|m| m.agent.0)
                .collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(
            bulk.departments_of(AgentId(1))
                .map(|d| d.id.0)
                .collect::<Vec<_>>(),
            vec![5, 9]
        );
        let uid = links[3].uid;
        assert_eq!(
            bulk.membership_by_uid(&uid).map(|m| m.department),
            Some(DepartmentId(9))
        );

        // A repeated link is refused, and nothing changes.
        let mut refused = base.clone();
        let mut twice = batch(&departments, &[link(5, 1), link(5, 1)]);
        assert!(refused.insert_many(&mut twice).is_err());
        assert_eq!(twice.len(), 4);
        assert_eq!(twice.iter().map(|b| b.links.len()).sum::<usize>(), 2);
        assert_eq!(refused.department_count(), 0);
        // So are a link to an unknown agent, a link given to another department, and a
        // repeated department id; each time nothing changes.
        for mut wrong in [
            batch(&departments, &[link(5, 99)]),
            {
                let mut b = batch(&departments, &links);
                b[1].links = b[0].links.clone();
                b
            },
            batch(&[departments[0].clone(), departments[0].clone()], &[]),
        ] {
            let before = wrong.len();
            assert!(refused.insert_many(&mut wrong).is_err());
            assert_eq!(wrong.len(), before);
            assert_eq!(refused.department_count(), 0);
        }
    }

    #[test]
    fn a_change_that_would_break_an_index_is_refused() {
        let mut state = State::empty();
        let err = state
            .apply_changes(vec![Change::DeleteMembership(DepartmentId(1), AgentId(1))])
            .unwrap_err();
        assert!(
            matches!(
                err,
                ModelError::Invalid {
                    field: "change",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
