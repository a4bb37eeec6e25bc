//! The canonical state: its records, every index over them, and the reads.
//!
//! A [`State`] is immutable once published; it changes only inside the model, by the files that
//! own each kind of change: commands (`apply.rs`), loading (`load.rs`, the [`StateBuilder`]) and
//! replay (`replay.rs`). Those build on the index primitives at the end of this file (`link`,
//! `index_name`, ...), which keep both directions of a membership and the name index in step.
//! Cloning is cheap: the persistent maps (`imbl`) share all untouched structure.
//!
//! [`StateBuilder`]: super::load::StateBuilder

use std::sync::Arc;

use imbl::{OrdMap, OrdSet};

use super::agent::{Agent, TokenDigest, Username};
use super::department::{Department, DepartmentName};
use super::department_map::DepartmentMap;
use super::error::ModelError;
use super::ids::{AgentId, DepartmentId, MembershipId, ObjectId, UserUid};
use super::membership::Membership;

/// A consistent, immutable snapshot of the whole state.
pub type View = Arc<State>;

/// Department ids sharing one name, ascending. Almost always one, which needs no allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum IdList {
    One(DepartmentId),
    Many(Arc<[DepartmentId]>),
}

impl IdList {
    pub(super) fn as_slice(&self) -> &[DepartmentId] {
        match self {
            IdList::One(id) => std::slice::from_ref(id),
            IdList::Many(ids) => ids,
        }
    }

    pub(super) fn from_sorted(ids: &[DepartmentId]) -> Self {
        match ids {
            [id] => IdList::One(*id),
            _ => IdList::Many(Arc::from(ids)),
        }
    }

    pub(super) fn with(&self, id: DepartmentId) -> Self {
        let ids = self.as_slice();
        match ids.binary_search(&id) {
            Ok(_) => self.clone(),
            Err(at) => IdList::from_sorted(&[&ids[..at], &[id], &ids[at..]].concat()),
        }
    }

    /// `None` when no id is left.
    pub(super) fn without(&self, id: DepartmentId) -> Option<Self> {
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
pub(super) type Links = Arc<[Membership]>;

/// An index by hash: imbl's persistent map with foldhash in place of SipHash. Lookups hash on
/// every request (a token's digest, an email, a username), and foldhash does it in a fraction of
/// the time while still seeding each process at random.
pub(super) type FastHashMap<K, V> =
    imbl::GenericHashMap<K, V, foldhash::fast::RandomState, imbl::shared_ptr::DefaultSharedPtr>;

/// The canonical state with every index. Cloning is cheap (structure is shared).
#[derive(Clone, Default)]
pub struct State {
    /// Bumped by every write; lets encoders cache per version.
    pub(super) version: u64,
    pub(super) next_department_id: u64,
    pub(super) next_agent_id: u64,
    pub(super) next_membership_id: u64,
    /// By id, with the count of active ones (department_map.rs).
    pub(super) departments: DepartmentMap,
    /// An ordered map rather than a hash map: a third of the memory (the HAMT's nodes are sparse
    /// arrays), and generated ids ascend, so inserts stay on one path.
    pub(super) department_by_uid: OrdMap<ObjectId, DepartmentId>,
    /// Name (byte order) -> ids with that name.
    pub(super) departments_by_name: OrdMap<Arc<str>, IdList>,
    pub(super) agents: OrdMap<AgentId, Arc<Agent>>,
    pub(super) agent_by_uid: FastHashMap<UserUid, AgentId>,
    /// Lower-cased email -> agent.
    pub(super) agent_by_email: FastHashMap<String, AgentId>,
    pub(super) agent_by_username: FastHashMap<Arc<str>, AgentId>,
    pub(super) agent_by_token: FastHashMap<TokenDigest, AgentId>,
    /// Department -> its members, in agent id order.
    pub(super) members: OrdMap<DepartmentId, Links>,
    /// Agent -> its departments, in department id order; no entry for an agent in none. A set
    /// per agent rather than one set of pairs: half the bytes per link, and shallower trees to
    /// fill at start-up.
    pub(super) agent_departments: OrdMap<AgentId, OrdSet<DepartmentId>>,
    pub(super) membership_by_uid: OrdMap<ObjectId, (DepartmentId, AgentId)>,
    /// Membership id -> its link's department, in id order. The department alone: its links are
    /// few and one of them holds the id, and an entry of 16 bytes rather than 24 saves about 25
    /// bytes a department at the benchmark's three links each (docs/decisions.md, "Store").
    pub(super) membership_by_id: OrdMap<MembershipId, DepartmentId>,
    /// Named settings (a facade's switches, permission lists); absent = the reader's default.
    pub(super) settings: OrdMap<Arc<str>, serde_json::Value>,
    /// Agent -> its login sessions, oldest first (session.rs); their digests are in
    /// `agent_by_token` with the agents' other tokens.
    pub(super) sessions: OrdMap<AgentId, super::session::Sessions>,
    /// Units by string id (unit.rs), and the unit each department in one belongs to.
    pub(super) units: OrdMap<ObjectId, Arc<super::unit::Unit>>,
    pub(super) unit_of_department: OrdMap<DepartmentId, ObjectId>,
    /// Contacts by token (contacts.rs).
    pub(super) contacts: OrdMap<Arc<str>, Arc<super::contact::Contact>>,
    /// Messages left while no agent was there, oldest first.
    pub(super) offline_messages: imbl::Vector<Arc<super::contact::OfflineMessage>>,
}

impl State {
    pub fn empty() -> Self {
        Self {
            next_department_id: 1,
            next_agent_id: 1,
            next_membership_id: 1,
            ..Self::default()
        }
    }

    /// Increases with every write.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The id the next department created gets: above every id ever given, including those of
    /// departments deleted since (ids are never reused).
    pub fn next_department_id(&self) -> DepartmentId {
        DepartmentId(self.next_department_id)
    }

    /// The id the next agent created gets; as [`next_department_id`](Self::next_department_id).
    pub fn next_agent_id(&self) -> AgentId {
        AgentId(self.next_agent_id)
    }

    /// The id the next membership made gets; as [`next_department_id`](Self::next_department_id).
    pub fn next_membership_id(&self) -> MembershipId {
        MembershipId(self.next_membership_id)
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

    /// Departments with ids in `range`, in id order: a page starts with one index descent
    /// rather than a walk from the first department.
    pub fn departments_in<R: std::ops::RangeBounds<DepartmentId>>(
        &self,
        range: R,
    ) -> impl DoubleEndedIterator<Item = &Arc<Department>> {
        self.departments.range(range).map(|(_, d)| d)
    }

    pub fn department_count(&self) -> usize {
        self.departments.len()
    }

    /// How many agents there are, inactive ones included; `O(1)`.
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }

    /// How many memberships (department x agent links) there are; `O(1)`.
    pub fn membership_count(&self) -> usize {
        self.membership_by_uid.len()
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

    pub fn membership_by_id(&self, id: MembershipId) -> Option<&Membership> {
        self.membership_by_id
            .get(&id)
            .and_then(|d| self.link_with_id(*d, id))
    }

    /// The link of `department` with this id: a walk of the department's links.
    fn link_with_id(&self, department: DepartmentId, id: MembershipId) -> Option<&Membership> {
        self.members_of(department).find(|m| m.id == id)
    }

    /// Memberships with ids in `range`, in id order.
    pub fn memberships_in<R: std::ops::RangeBounds<MembershipId>>(
        &self,
        range: R,
    ) -> impl DoubleEndedIterator<Item = &Membership> {
        self.membership_by_id
            .range(range)
            .filter_map(|(id, d)| self.link_with_id(*d, *id))
    }

    /// An agent's memberships, in department id order.
    pub fn links_of(&self, agent: AgentId) -> impl Iterator<Item = &Membership> {
        self.department_ids_of(agent)
            .filter_map(move |d| self.membership(d, agent))
    }

    /// The agent's primary link among its active departments (an archived department is no
    /// one's primary): the one marked primary, else its oldest (lowest id); `None` for an agent
    /// in no active department.
    pub fn primary_link_of(&self, agent: AgentId) -> Option<&Membership> {
        let mut oldest: Option<&Membership> = None;
        let active = |m: &&Membership| {
            self.departments
                .get(&m.department)
                .is_some_and(|d| d.active)
        };
        for m in self.links_of(agent).filter(active) {
            if m.primary {
                return Some(m);
            }
            if oldest.is_none_or(|o| m.id < o.id) {
                oldest = Some(m);
            }
        }
        oldest
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
        // Most clients send the address as it is stored, in lower case: looked up as it is,
        // without a lowercased copy (a Basic password login asks this on every request).
        let key = if email.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(email.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(email)
        };
        self.agent_by_email
            .get(&*key)
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

    /// A named setting, if set.
    pub fn setting(&self, name: &str) -> Option<&serde_json::Value> {
        self.settings.get(name)
    }

    /// All named settings, by name.
    pub fn settings(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.settings.iter().map(|(k, v)| (&**k, v))
    }

    /// A login name no agent holds yet, for a facade whose vendor has none (classic Zendesk,
    /// Zopim): the email's local part, lower-cased (emails compare without case) and kept to the
    /// characters a username may hold, made unique with a number. Another write may take it
    /// before the create lands; the create then fails with `DuplicateAgent`, and the caller
    /// picks again.
    pub fn unused_username(&self, email: &str) -> Option<Username> {
        let base = username_base(email);
        (1u64..)
            .map(|n| match n {
                1 => base.clone(),
                n => format!("{base}{n}"),
            })
            .find(|name| self.agent_by_username(name).is_none())
            .and_then(|name| Username::parse(&name).ok())
    }
}

/// The email's local part as a username's base: lower-cased, username characters only, at most
/// 56 of them (so a number still fits in 64), `user` when nothing is left.
/// `Howard.Schultz+x@starbucks.com` -> `howard.schultzx`.
fn username_base(email: &str) -> String {
    let local = email.split('@').next().unwrap_or("");
    let base: String = local
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(56)
        .collect();
    if base.is_empty() {
        "user".to_owned()
    } else {
        base
    }
}

/// The primitives the files that change a state (`apply.rs`, `load.rs`, `replay.rs`) build on:
/// each keeps one index in step with the records, or both directions of a membership.
impl State {
    pub(super) fn department_ids_of(&self, agent: AgentId) -> impl Iterator<Item = DepartmentId> {
        self.agent_departments
            .get(&agent)
            .into_iter()
            .flat_map(|ids| ids.iter().copied())
    }

    pub(super) fn add_side(&mut self, agent: AgentId, department: DepartmentId) {
        self.agent_departments
            .entry(agent)
            .or_default()
            .insert(department);
    }

    pub(super) fn remove_side(&mut self, agent: AgentId, department: DepartmentId) {
        if let Some(ids) = self.agent_departments.get_mut(&agent) {
            ids.remove(&department);
            if ids.is_empty() {
                self.agent_departments.remove(&agent);
            }
        }
    }

    pub(super) fn require_department(
        &self,
        id: DepartmentId,
    ) -> Result<Arc<Department>, ModelError> {
        self.departments
            .get(&id)
            .cloned()
            .ok_or(ModelError::DepartmentNotFound(id))
    }

    pub(super) fn require_agent(&self, id: AgentId) -> Result<Arc<Agent>, ModelError> {
        self.agents
            .get(&id)
            .cloned()
            .ok_or(ModelError::AgentNotFound(id))
    }

    /// Replaces a department's links (their other indexes are the caller's business).
    pub(super) fn set_links(&mut self, department: DepartmentId, links: Vec<Membership>) {
        if links.is_empty() {
            self.members.remove(&department);
        } else {
            self.members.insert(department, Links::from(links));
        }
    }

    /// Gives a link without an id (0) the next one, or moves the counter past the id it has,
    /// and indexes it. Ids of links that are replaced are the caller's to unindex.
    pub(super) fn index_link_id(&mut self, membership: &mut Membership) {
        if membership.id.0 == 0 {
            membership.id = MembershipId(self.next_membership_id);
        }
        self.next_membership_id = self.next_membership_id.max(membership.id.0 + 1);
        self.membership_by_id
            .insert(membership.id, membership.department);
    }

    pub(super) fn link(&mut self, mut membership: Membership) {
        let (department, agent) = (membership.department, membership.agent);
        self.index_link_id(&mut membership);
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

    pub(super) fn unlink(&mut self, department: DepartmentId, agent: AgentId) {
        let mut links: Vec<Membership> = self.members_of(department).cloned().collect();
        if let Ok(i) = links.binary_search_by_key(&agent, |m| m.agent) {
            let gone = links.remove(i);
            self.membership_by_uid.remove(&gone.uid);
            self.membership_by_id.remove(&gone.id);
            self.remove_side(agent, department);
            self.set_links(department, links);
        }
    }

    pub(super) fn index_name(&mut self, name: &DepartmentName, id: DepartmentId) {
        let ids = match self.departments_by_name.get(name.as_str()) {
            Some(ids) => ids.with(id),
            None => IdList::One(id),
        };
        self.departments_by_name.insert(name.shared(), ids);
    }

    pub(super) fn unindex_name(&mut self, name: &DepartmentName, id: DepartmentId) {
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

    #[tokio::test]
    async fn an_unused_username_is_the_emails_local_part_made_unique() {
        assert_eq!(
            username_base("Howard.Schultz+x@starbucks.com"),
            "howard.schultzx"
        );
        assert_eq!(username_base("+++@example.com"), "user");
        let store = super::super::Store::new(State::empty());
        assert_eq!(
            store.view().unused_username("sam@x.org").unwrap().as_str(),
            "sam"
        );
        super::super::test_support::agent(&store, "sam").await;

        let next = store.view().unused_username("Sam@y.org").unwrap();

        assert_eq!(next.as_str(), "sam2");
    }
}
