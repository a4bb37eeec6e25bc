//! A state as record-level changes and back: the diff that journals a write
//! ([`State::changes_since`]), the changes that rebuild a whole state for a snapshot
//! ([`State::to_changes`]), and their replay on recovery ([`State::with_changes`]).
//!
//! The [`Change`] type and its on-disk form are in `change.rs`; this file is what the store does
//! with them.

use std::sync::Arc;

use imbl::OrdMap;
use imbl::ordmap::DiffItem;

use super::agent::Agent;
use super::change::Change;
use super::department::Department;
use super::error::ModelError;
use super::ids::{AgentId, DepartmentId};
use super::membership::Membership;
use super::session::{Session, split_sessions};
use super::state::State;
use super::unit::Unit;

impl State {
    /// What changed from `before` to `self`, as record-level changes that
    /// [`with_changes`](Self::with_changes) replays onto `before`. Costs `O(changes * log n)`:
    /// the maps' diff skips the structure the two states share, and unchanged records compare by
    /// pointer. Ordered so that replay never sees a dangling link: records first, then links
    /// removed and added, then the records that lost their last link are deleted.
    pub fn changes_since(&self, before: &State) -> Vec<Change> {
        let (put_departments, mut deleted_departments) = record_changes(
            &before.departments,
            &self.departments,
            |d| Change::PutDepartment(Department::clone(d)),
            |id| Change::DeleteDepartment(*id),
        );
        let (mut put_agents, mut deleted_agents) = record_changes(
            &before.agents,
            &self.agents,
            |a| Change::PutAgent(Agent::clone(a)),
            |id| Change::DeleteAgent(*id),
        );
        let mut sessions = Vec::new();
        for item in before.sessions.diff(&self.sessions) {
            let (agent, old, new): (AgentId, &[Session], &[Session]) = match &item {
                DiffItem::Add(agent, new) => (**agent, &[], new),
                DiffItem::Update {
                    old: (agent, old),
                    new: (_, new),
                } => (**agent, old, new),
                DiffItem::Remove(agent, old) => (**agent, old, &[]),
            };
            // At most MAX_SESSIONS_PER_AGENT each: a scan is cheaper than a set.
            for s in old.iter().filter(|s| !new.contains(s)) {
                sessions.push(Change::DeleteSession(agent, s.digest));
            }
            for s in new.iter().filter(|s| !old.contains(s)) {
                sessions.push(Change::PutSession(agent, *s));
            }
        }
        let (mut put_units, mut deleted_units) = record_changes(
            &before.units,
            &self.units,
            |u| Change::PutUnit(Unit::clone(u)),
            |uid| Change::DeleteUnit(*uid),
        );
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
        changes.append(&mut sessions);
        changes.append(&mut put_units);
        changes.append(&mut deleted_units);
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
        changes.append(&mut self.contact_changes_since(before));
        if (
            before.next_department_id,
            before.next_agent_id,
            before.next_membership_id,
        ) != (
            self.next_department_id,
            self.next_agent_id,
            self.next_membership_id,
        ) {
            changes.push(self.next_ids());
        }
        changes
    }

    fn next_ids(&self) -> Change {
        Change::NextIds {
            department: self.next_department_id,
            agent: self.next_agent_id,
            membership: self.next_membership_id,
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
        let sessions = self
            .sessions
            .iter()
            .flat_map(|(agent, list)| list.iter().map(|s| Change::PutSession(*agent, *s)));
        let units = self.units.values().map(|u| Change::PutUnit(Unit::clone(u)));
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
            .chain(sessions)
            .chain(links)
            .chain(units)
            .chain(settings)
            .chain(self.contact_records())
            .chain(std::iter::once(self.next_ids()))
            .collect()
    }

    /// This state with changes replayed onto it (a journaled batch, a snapshot), keeping every
    /// index consistent. It enforces what keeps the indexes sound (no taken id, no dangling link)
    /// and none of the business rules, which were checked when the write was made. Takes the
    /// state by value: on error it may be half-changed, so it is dropped.
    pub fn with_changes(mut self, changes: Vec<Change>) -> Result<State, ModelError> {
        self.replay(changes)?;
        Ok(self)
    }

    /// This state, numbered `version` (a recovered state takes the version it was written at).
    pub fn with_version(mut self, version: u64) -> State {
        self.version = version;
        self
    }

    fn replay(&mut self, changes: Vec<Change>) -> Result<(), ModelError> {
        let mut changes = changes.into_iter().peekable();
        while let Some(change) = changes.next() {
            match change {
                Change::PutDepartment(d) => self.put_department(d)?,
                Change::DeleteDepartment(id) => self.remove_department(id)?,
                Change::PutAgent(a) => self.put_agent(a)?,
                Change::LegacyPutAgent(mut a) => {
                    let sessions = split_sessions(&mut a);
                    let id = a.id;
                    self.end_sessions_of(id);
                    self.put_agent(a)?;
                    for session in sessions {
                        self.put_session(id, session)?;
                    }
                }
                Change::PutSession(agent, session) => self.put_session(agent, session)?,
                Change::PutUnit(unit) => {
                    if let Some(d) = unit
                        .departments
                        .iter()
                        .find(|d| !self.departments.contains_key(*d))
                    {
                        return Err(corrupt(format!(
                            "unit {} holds a missing department {d}",
                            unit.uid
                        )));
                    }
                    if let Some(a) = unit
                        .supervisors
                        .iter()
                        .find(|a| !self.agents.contains_key(*a))
                    {
                        return Err(corrupt(format!(
                            "unit {} has a missing supervisor {a}",
                            unit.uid
                        )));
                    }
                    self.put_unit(unit);
                }
                Change::DeleteUnit(uid) => {
                    if !self.drop_unit(&uid) {
                        return Err(corrupt(format!("no unit {uid} to delete")));
                    }
                }
                Change::DeleteSession(agent, digest) => {
                    if !self.end_session(agent, &digest) {
                        return Err(corrupt(format!("no session of agent {agent} to end")));
                    }
                }
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
                Change::PutSetting(name, value) => {
                    self.settings.insert(Arc::from(name), value);
                }
                Change::RemoveSetting(name) => {
                    self.settings.remove(name.as_str());
                }
                Change::PutContact(contact) => self.put_contact(contact),
                Change::AddOfflineMessage(message) => self.add_offline_message(message),
                Change::NextIds {
                    department,
                    agent,
                    membership,
                } => {
                    self.next_department_id = department;
                    self.next_agent_id = agent;
                    // 0: journaled before links had ids; the counter is the one the links
                    // taken in left.
                    if membership != 0 {
                        self.next_membership_id = membership;
                    }
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
        self.end_sessions_of(id);
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
        for mut m in run {
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
            let at = links.binary_search_by_key(&m.agent, |l| l.agent);
            // A link journaled before links had ids keeps the id it was given when taken in.
            if m.id.0 == 0
                && let Ok(i) = at
            {
                m.id = links[i].id;
            }
            let held_elsewhere = match self.membership_by_id.get(&m.id) {
                Some(d) if *d != m.department => true,
                Some(_) => links.iter().any(|l| l.id == m.id && l.agent != m.agent),
                None => false,
            };
            if held_elsewhere {
                return Err(corrupt(format!("link id {} is held by another link", m.id)));
            }
            self.membership_by_uid.insert(m.uid, key);
            self.add_side(m.agent, m.department);
            match at {
                Ok(i) => {
                    // An old uid or id of the same link goes.
                    if links[i].uid != m.uid {
                        self.membership_by_uid.remove(&links[i].uid);
                    }
                    if links[i].id != m.id {
                        self.membership_by_id.remove(&links[i].id);
                    }
                    self.index_link_id(&mut m);
                    links[i] = m;
                }
                Err(i) => {
                    self.index_link_id(&mut m);
                    links.insert(i, m)
                }
            }
        }
        self.set_links(department, links);
        Ok(())
    }
}

/// A replayed change that would break an index: the data it came from is corrupt.
/// The records added or changed between two versions of one map, each as the change that puts
/// it, and those removed, each as the change that deletes it; both in key order.
fn record_changes<K: Ord + Clone, V: Clone + PartialEq>(
    before: &OrdMap<K, V>,
    after: &OrdMap<K, V>,
    put: impl Fn(&V) -> Change,
    delete: impl Fn(&K) -> Change,
) -> (Vec<Change>, Vec<Change>) {
    let (mut puts, mut deletes) = (Vec::new(), Vec::new());
    for item in before.diff(after) {
        match item {
            DiffItem::Add(_, v) | DiffItem::Update { new: (_, v), .. } => puts.push(put(v)),
            DiffItem::Remove(k, _) => deletes.push(delete(k)),
        }
    }
    (puts, deletes)
}

fn corrupt(reason: String) -> ModelError {
    ModelError::Invalid {
        field: "change",
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::agent::{AccessToken, Email, TokenDigest, TokenKind, Username};
    use crate::model::command::{AgentPatch, Command, DepartmentPatch, MembersChange, WritePolicy};
    use crate::model::department::DepartmentName;
    use crate::model::membership::MemberSpec;
    use crate::model::store::Store;
    use crate::model::test_support::{agent, department};

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
        let replayed = State::clone(&before).with_changes(decoded).unwrap();
        replayed.check_invariants().unwrap();
        assert!(
            replayed.same_records(&after),
            "replay differs after {changes:?}"
        );
        let rebuilt = State::empty().with_changes(after.to_changes()).unwrap();
        rebuilt.check_invariants().unwrap();
        assert!(rebuilt.same_records(&after));
    }

    /// A store with agents a and b, Sales (a and b) and Support (a).
    async fn sales_and_support() -> (Store, (AgentId, AgentId), (DepartmentId, DepartmentId)) {
        let store = Store::new(State::empty());
        let (a, b) = (agent(&store, "a").await, agent(&store, "b").await);
        let sales = department(&store, "Sales", &[a, b], WritePolicy::default())
            .await
            .unwrap();
        let support = department(&store, "Support", &[a], WritePolicy::default())
            .await
            .unwrap();
        (store, (a, b), (sales, support))
    }

    #[tokio::test]
    async fn the_changes_of_every_kind_of_write_replay_to_the_same_state() {
        let (store, (a, b), (sales, support)) = sales_and_support().await;
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
            Command::SetPrimaryDepartment {
                agent: b,
                department: support,
            },
            Command::SetPrimaryDepartment {
                agent: b,
                department: sales,
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
            Command::StartSession {
                id: b,
                digest: TokenDigest([7; 32]),
                drop_started_before: None,
            },
            Command::StartSession {
                id: a,
                digest,
                drop_started_before: None,
            },
            Command::StartSession {
                id: a,
                digest: TokenDigest([8; 32]),
                drop_started_before: Some(crate::model::Timestamp::from_unix_millis(i64::MAX)),
            },
            Command::SetSetting {
                name: "x".into(),
                value: Some(serde_json::json!({"on": true})),
            },
            Command::SaveUnit {
                uid: None,
                unit: crate::model::UnitSpec {
                    name: "North".into(),
                    visibility: "public".into(),
                    supervisors: vec![a, AgentId(99)],
                    departments: vec![sales, DepartmentId(99)],
                },
            },
            Command::SaveUnit {
                uid: None,
                unit: crate::model::UnitSpec {
                    name: "South".into(),
                    visibility: "private".into(),
                    supervisors: vec![b],
                    departments: vec![sales, support],
                },
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
            Command::DeleteAgent { id: b },
            // A refused command journals nothing.
            Command::DeleteAgent { id: a },
        ];
        for command in commands {
            check_replay(&store, command).await;
        }
    }

    #[tokio::test]
    async fn a_login_is_journaled_as_its_one_session() {
        let store = Store::new(State::empty());
        let a = agent(&store, "a").await;
        for n in 0..10u8 {
            let before = store.view();
            store
                .apply(Command::StartSession {
                    id: a,
                    digest: TokenDigest([n; 32]),
                    drop_started_before: None,
                })
                .await
                .unwrap();

            let changes = store.view().changes_since(&before);

            assert!(
                matches!(&changes[..], [Change::PutSession(id, s)] if *id == a && s.digest == TokenDigest([n; 32])),
                "{changes:?}"
            );
        }
    }

    #[tokio::test]
    async fn an_agent_record_of_an_old_journal_brings_its_sessions_with_it() {
        // See: issue 16 — journals written before sessions had changes of their own.
        let store = Store::new(State::empty());
        let a = agent(&store, "a").await;
        let mut old = Agent::clone(store.view().agent(a).unwrap());
        old.credentials.tokens.push(AccessToken {
            kind: TokenKind::Session,
            digest: TokenDigest([5; 32]),
        });
        let record = serde_json::to_string(&Change::LegacyPutAgent(old.clone())).unwrap();
        assert!(record.starts_with(r#"{"PutAgent":"#), "{record}");
        let decoded: Change = serde_json::from_str(&record).unwrap();

        let state = State::clone(&store.view())
            .with_changes(vec![decoded])
            .unwrap();

        state.check_invariants().unwrap();
        assert!(state.agent(a).unwrap().credentials.tokens.is_empty());
        let session = state.session(&TokenDigest([5; 32])).unwrap();
        assert_eq!(
            session,
            (
                a,
                crate::model::Session {
                    digest: TokenDigest([5; 32]),
                    started_at: old.updated_at
                }
            )
        );
        // A later record of the same agent without sessions ends them: the old journal logged out.
        old.credentials.tokens.clear();
        let state = state
            .with_changes(vec![Change::LegacyPutAgent(old)])
            .unwrap();
        assert!(state.sessions_of(a).is_empty());
        state.check_invariants().unwrap();
    }

    #[tokio::test]
    async fn a_membership_id_is_never_reused_and_one_primary_link_per_agent_is_kept() {
        let (store, (a, b), (sales, support)) = sales_and_support().await;
        let view = store.view();
        let ids = |v: &State| -> Vec<(u64, u64, u64)> {
            v.memberships_in(..)
                .map(|m| (m.id.0, m.department.0, m.agent.0))
                .collect()
        };
        assert_eq!(
            ids(&view),
            [(1, sales.0, a.0), (2, sales.0, b.0), (3, support.0, a.0)]
        );
        // The oldest link stands in while none is marked.
        assert_eq!(view.primary_link_of(a).map(|m| m.id.0), Some(1));

        store
            .apply(Command::SetPrimaryDepartment {
                agent: a,
                department: support,
            })
            .await
            .unwrap();
        store
            .apply(Command::DeleteDepartment { id: sales })
            .await
            .unwrap();
        department(&store, "Again", &[b], WritePolicy::default())
            .await
            .unwrap();

        let view = store.view();
        view.check_invariants().unwrap();
        assert_eq!(view.primary_link_of(a).map(|m| m.id.0), Some(3));
        assert_eq!(
            view.memberships_in(..).map(|m| m.id.0).collect::<Vec<_>>(),
            [3, 4]
        );
        assert!(
            store
                .apply(Command::SetPrimaryDepartment {
                    agent: b,
                    department: support,
                })
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn links_journaled_before_they_had_ids_are_numbered_when_replayed() {
        let store = Store::new(State::empty());
        let (a, b) = (agent(&store, "a").await, agent(&store, "b").await);
        department(&store, "Sales", &[a, b], WritePolicy::default())
            .await
            .unwrap();
        department(&store, "Support", &[b], WritePolicy::default())
            .await
            .unwrap();
        // The old on-disk form: links without `id`, the counters without `membership`.
        let mut old = serde_json::to_value(store.view().to_changes()).unwrap();
        for change in old.as_array_mut().unwrap() {
            if let Some(link) = change.get_mut("PutMembership") {
                link.as_object_mut().unwrap().remove("id").unwrap();
            }
            if let Some(next) = change.get_mut("NextIds") {
                next.as_object_mut().unwrap().remove("membership").unwrap();
            }
        }
        let old: Vec<Change> = serde_json::from_value(old).unwrap();

        let state = State::empty().with_changes(old).unwrap();

        state.check_invariants().unwrap();
        assert!(state.same_records(&store.view()));
        assert_eq!(state.next_membership_id().0, 4);
    }

    #[test]
    fn a_change_that_would_break_an_index_is_refused() {
        let err = State::empty()
            .with_changes(vec![Change::DeleteMembership(DepartmentId(1), AgentId(1))])
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
