//! Loading: building a state from records whose ids are already chosen (fixtures, tests), one
//! at a time or, for departments, in bulk.
//!
//! A [`StateBuilder`] is the only public way to put records into a state; it checks what the
//! indexes need (no taken id, no dangling link) and hands out the finished [`State`]. The bulk
//! path ([`StateBuilder::insert_many`], fed by a [`DepartmentBatch`]) is a speed trick for large
//! fixture files; its types stay in this file.

use std::sync::Arc;

use imbl::OrdSet;

use super::agent::Agent;
use super::department::Department;
use super::error::{AgentField, ModelError};
use super::ids::{AgentId, DepartmentId, MembershipId, ObjectId};
use super::membership::Membership;
use super::session::{Session, split_sessions};
use super::state::{IdList, Links, State};
use super::unit::Unit;

/// Builds a [`State`] from records with their ids already chosen. Each `insert_*` refuses what
/// would break an index and then leaves the state as it was.
#[derive(Debug, Clone)]
pub struct StateBuilder {
    state: State,
}

impl Default for StateBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl StateBuilder {
    /// A builder starting from [`State::empty`].
    pub fn new() -> Self {
        Self {
            state: State::empty(),
        }
    }

    /// Sets a named setting.
    pub fn insert_setting(&mut self, name: &str, value: serde_json::Value) {
        self.state.settings.insert(Arc::from(name), value);
    }

    /// Adds an agent. Fails if its id, uid, email, username or a token is taken. Session tokens
    /// among its tokens become its sessions, started when the agent was last updated.
    pub fn insert_agent(&mut self, agent: Agent) -> Result<(), ModelError> {
        self.state.insert_agent(agent)
    }

    /// Adds a unit whose departments and supervisors were already added. Fails if its id is
    /// taken, a department or supervisor is missing or repeated, or a department is in another
    /// unit.
    pub fn insert_unit(&mut self, mut unit: Unit) -> Result<(), ModelError> {
        let refuse = |reason: String| ModelError::Invalid {
            field: "unit",
            reason,
        };
        if self.state.units.contains_key(&unit.uid) {
            return Err(refuse(format!("uid {} is already taken", unit.uid)));
        }
        unit.departments.sort_unstable();
        unit.supervisors.sort_unstable();
        if unit.departments.windows(2).any(|w| w[0] == w[1])
            || unit.supervisors.windows(2).any(|w| w[0] == w[1])
        {
            return Err(refuse("lists a department or supervisor twice".into()));
        }
        for d in &unit.departments {
            self.state.require_department(*d)?;
            if self.state.unit_of_department.contains_key(d) {
                return Err(refuse(format!("department {d} is already in another unit")));
            }
        }
        for a in &unit.supervisors {
            self.state.require_agent(*a)?;
        }
        self.state.put_unit(unit);
        Ok(())
    }

    /// Adds a login session to an agent already added. Fails if the digest is taken.
    pub fn insert_session(&mut self, agent: AgentId, session: Session) -> Result<(), ModelError> {
        self.state.put_session(agent, session)
    }

    /// Adds a department. Fails if its id or uid is taken.
    pub fn insert_department(&mut self, department: Department) -> Result<(), ModelError> {
        self.state.insert_department(department)
    }

    /// Adds a membership between a department and an agent already added. The department may
    /// be inactive: archiving one keeps its links, so a state being rebuilt can hold such links.
    pub fn insert_membership(&mut self, membership: Membership) -> Result<(), ModelError> {
        self.state.insert_membership(membership)
    }

    /// Adds every department of `batch` with its links, to a builder holding no department
    /// yet: see [`DepartmentBatch`]. On error nothing was added and the batch is as it was.
    pub fn insert_many(&mut self, batch: &mut DepartmentBatch) -> Result<(), ModelError> {
        self.state.insert_many(&mut batch.entries)
    }

    /// Sets the id the next department created gets (see [`State::next_department_id`]), for
    /// a state whose departments with higher ids were deleted. Fails, changing nothing, below
    /// the next id of the departments added so far (which would reuse an id) and at 0.
    pub fn set_next_department_id(&mut self, next: DepartmentId) -> Result<(), ModelError> {
        let current = &mut self.state.next_department_id;
        *current = next_id("next_department_id", next.0, *current, "a department")?;
        Ok(())
    }

    /// Sets the id the next agent created gets; as
    /// [`set_next_department_id`](Self::set_next_department_id).
    pub fn set_next_agent_id(&mut self, next: AgentId) -> Result<(), ModelError> {
        let current = &mut self.state.next_agent_id;
        *current = next_id("next_agent_id", next.0, *current, "an agent")?;
        Ok(())
    }

    /// Sets the id the next membership gets (and the first that links added without one get);
    /// as [`set_next_department_id`](Self::set_next_department_id).
    pub fn set_next_membership_id(&mut self, next: MembershipId) -> Result<(), ModelError> {
        let current = &mut self.state.next_membership_id;
        *current = next_id("next_membership_id", next.0, *current, "a membership")?;
        Ok(())
    }

    /// The state built.
    pub fn build(self) -> State {
        self.state
    }
}

/// `next` if it may follow `current` (the next id of the records added so far).
fn next_id(field: &'static str, next: u64, current: u64, what: &str) -> Result<u64, ModelError> {
    if next == 0 {
        return Err(ModelError::Invalid {
            field,
            reason: "must be a positive integer".into(),
        });
    }
    if next < current {
        return Err(ModelError::Invalid {
            field,
            reason: format!("{next} is not above {what} id {}", current - 1),
        });
    }
    Ok(next)
}

/// Departments with their links, for [`StateBuilder::insert_many`] (which says why in bulk),
/// each already in the shared form the state keeps.
#[derive(Debug, Default)]
pub struct DepartmentBatch {
    entries: Vec<BulkDepartment>,
}

impl DepartmentBatch {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Adds a department and its links (in any agent order); each link must name it.
    pub fn push(&mut self, department: Department, links: Vec<Membership>) {
        self.entries.push(BulkDepartment {
            department: Arc::new(department),
            links: links.into(),
        });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Gives the department at `place` (in push order) the id `id`, and its links with it.
    pub fn renumber(&mut self, place: usize, id: DepartmentId) {
        let entry = &mut self.entries[place];
        Arc::make_mut(&mut entry.department).id = id;
        for link in Arc::make_mut(&mut entry.links) {
            link.department = id;
        }
    }

    /// The departments and their links, in push order: for adding them one at a time.
    pub fn into_entries(self) -> impl Iterator<Item = (Department, Vec<Membership>)> {
        self.entries
            .into_iter()
            .map(|b| (Arc::unwrap_or_clone(b.department), b.links.to_vec()))
    }
}

/// A department and its links, for `State::insert_many`: each link names this department.
#[derive(Debug, Clone)]
struct BulkDepartment {
    department: Arc<Department>,
    links: Links,
}

impl State {
    /// Adds a department with its ids already chosen (fixtures, snapshots). Fails if either id
    /// is taken or a fallback department does not exist yet.
    pub(super) fn insert_department(&mut self, department: Department) -> Result<(), ModelError> {
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
    pub(super) fn insert_agent(&mut self, mut agent: Agent) -> Result<(), ModelError> {
        let sessions = split_sessions(&mut agent);
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
            return Err(ModelError::DuplicateAgent {
                field: AgentField::Email,
            });
        }
        if self.agent_by_username.contains_key(agent.username.as_str()) {
            return Err(ModelError::DuplicateAgent {
                field: AgentField::Username,
            });
        }
        let mut seen = std::collections::HashSet::new();
        let digests = agent
            .credentials
            .tokens
            .iter()
            .map(|t| t.digest)
            .chain(sessions.iter().map(|s| s.digest));
        for digest in digests {
            if self.agent_by_token.contains_key(&digest) || !seen.insert(digest) {
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
        for session in sessions {
            self.put_session(id, session)?;
        }
        Ok(())
    }

    /// Adds a membership with its id already chosen (fixtures, snapshots), to an active or an
    /// inactive department alike (archiving keeps a department's links).
    fn insert_membership(&mut self, membership: Membership) -> Result<(), ModelError> {
        self.require_department(membership.department)?;
        if !self.agents.contains_key(&membership.agent) {
            return Err(ModelError::UnknownAgent(membership.agent));
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
        if membership.id.0 != 0 && self.membership_by_id.contains_key(&membership.id) {
            return Err(ModelError::Invalid {
                field: "id",
                reason: format!("membership {} is already taken", membership.id),
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
    fn insert_many(&mut self, batch: &mut Vec<BulkDepartment>) -> Result<(), ModelError> {
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
        let mut given: Vec<MembershipId> = batch
            .iter()
            .flat_map(|b| b.links.iter())
            .map(|m| m.id)
            .filter(|id| id.0 != 0)
            .collect();
        given.sort_unstable();
        if given.windows(2).any(|w| w[0] == w[1])
            || given
                .iter()
                .any(|id| self.membership_by_id.contains_key(id))
        {
            return Err(refused("repeat a link id"));
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
        // Links without an id get theirs in department, then agent order, after every id given.
        let mut next_link = self
            .next_membership_id
            .max(given.last().map_or(0, |id| id.0 + 1));
        for b in batch.iter_mut() {
            if b.links.iter().any(|m| m.id.0 == 0) {
                for m in Arc::make_mut(&mut b.links)
                    .iter_mut()
                    .filter(|m| m.id.0 == 0)
                {
                    m.id = MembershipId(next_link);
                    next_link += 1;
                }
            }
        }
        self.next_membership_id = next_link;
        let State {
            departments: records,
            department_by_uid,
            departments_by_name,
            members,
            agent_departments,
            membership_by_uid,
            membership_by_id,
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
                // The link id index is built here rather than with the other link indexes:
                // that side is the longer one (measured: start-up at a million departments).
                let mut link_ids: Vec<(MembershipId, DepartmentId)> = batch
                    .iter()
                    .flat_map(|b| b.links.iter().map(|m| (m.id, m.department)))
                    .collect();
                link_ids.sort_unstable();
                fill_sorted(link_ids, |(id, department)| {
                    membership_by_id.insert(id, department);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::agent::{Credentials, Email, Role, Username};
    use crate::model::command::NewDepartment;
    use crate::model::department::DepartmentName;
    use crate::model::ids::{Timestamp, UserUid};

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
            id: MembershipId(d * 10 + a),
            primary: false,
            uid: ObjectId::generate(now),
            department: DepartmentId(d),
            agent: AgentId(a),
            order: 0,
            count: 0,
            created_at: now,
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
}
