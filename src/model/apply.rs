//! Commands: how each write of [`Command`] changes a state, with the business rules it checks
//! (unique names when asked, no write to an inactive department, members that exist, ...).
//!
//! The store calls [`State::apply`] on a copy of its head under the writer lock and publishes
//! the copy only if it succeeds; what is indexed how is left to the primitives in `state.rs`.

use std::sync::Arc;

use super::agent::{AccessToken, Agent, TokenDigest, TokenKind};
use super::command::{
    AgentPatch, Command, DepartmentPatch, MembersChange, NamePolicy, NewAgent, NewDepartment,
    Outcome, UnknownAgents, WritePolicy,
};
use super::department::{Department, DepartmentName};
use super::error::{AgentField, ModelError};
use super::ids::{AgentId, DepartmentId, MembershipId, ObjectId, Timestamp, UserUid};
use super::membership::{MemberSpec, Membership};
use super::state::State;

impl State {
    /// Applies one command to this state (a copy of the head, under the writer lock): on error
    /// the copy is dropped, so a command that fails half-way changes nothing anyone sees.
    pub(super) fn apply(
        &mut self,
        command: Command,
        now: Timestamp,
    ) -> Result<Outcome, ModelError> {
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
            Command::DeleteDepartment { id } => {
                self.leave_unit(id, now);
                self.delete_department(id)
            }
            Command::SetDepartmentActive { id, active } => self.set_active(id, active, now),
            Command::ChangeMembers { id, change, policy } => {
                let department = self.require_department(id)?;
                if !department.active && !policy.write_inactive {
                    return Err(ModelError::Inactive(id));
                }
                self.change_members(id, change, policy, now)?;
                Ok(Outcome::Department(id))
            }
            Command::CreateAgent { agent } => self.create_agent(agent, now),
            Command::UpdateAgent { id, patch } => self.update_agent(id, patch, now),
            Command::DeleteAgent { id } => self.delete_agent(id, now),
            Command::AddToken { id, token } if token.kind == TokenKind::Session => {
                self.start_session(id, token.digest, None, now)
            }
            Command::AddToken { id, token } => self.add_token(id, token),
            Command::StartSession {
                id,
                digest,
                drop_started_before,
            } => self.start_session(id, digest, drop_started_before, now),
            Command::SetPrimaryDepartment { agent, department } => {
                self.set_primary(agent, department, now)
            }
            Command::RevokeToken { id, digest } => self.revoke_token(id, digest),
            Command::SaveUnit { uid, unit } => self.save_unit(uid, unit, now),
            Command::DeleteUnit { uid } => self.delete_unit(uid),
            Command::SetDepartmentUnit { id, unit } => self.set_department_unit(id, unit, now),
            Command::SetSetting { name, value } => {
                match value {
                    Some(value) => self.settings.insert(Arc::from(name), value),
                    None => self.settings.remove(name.as_str()),
                };
                Ok(Outcome::Setting)
            }
            Command::SaveContact { token, details } => self.save_contact(token, details, now),
            Command::RecordOfflineMessage(message) => self.record_offline_message(message),
        }
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
        if !old.active && !policy.write_inactive {
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
        if let Some(v) = patch.public {
            department.public = v;
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
                self.membership_by_id.remove(&m.id);
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
            department.ever_inactive = true;
        }
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
        // Whether a link was written or removed.
        let mut touched = false;
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
            // An upsert of a link that exists keeps its ids, its creation time and whether it
            // is primary.
            let (uid, link_id, created_at, primary) = match at {
                Ok(i) => (
                    links[i].uid,
                    links[i].id,
                    links[i].created_at,
                    links[i].primary,
                ),
                Err(_) => {
                    let mut uid = ObjectId::generate(now);
                    while self.membership_by_uid.contains_key(&uid) {
                        uid = ObjectId::generate(now);
                    }
                    self.membership_by_uid.insert(uid, (id, spec.agent));
                    self.add_side(spec.agent, id);
                    (uid, MembershipId(0), now, false)
                }
            };
            let mut link = Membership {
                id: link_id,
                uid,
                department: id,
                agent: spec.agent,
                order: spec.order.unwrap_or(0),
                count: spec.count.unwrap_or(0),
                created_at,
                updated_at: now,
                primary,
            };
            match at {
                Ok(i) => links[i] = link,
                Err(i) => {
                    self.index_link_id(&mut link);
                    links.insert(i, link)
                }
            }
            touched = true;
        }
        for agent in remove {
            if let Ok(i) = links.binary_search_by_key(&agent, |m| m.agent) {
                let gone = links.remove(i);
                self.membership_by_uid.remove(&gone.uid);
                self.membership_by_id.remove(&gone.id);
                self.remove_side(agent, id);
                touched = true;
            }
        }
        self.set_links(id, links);
        if touched {
            let mut department = Department::clone(&*self.require_department(id)?);
            department.members_changed_at = Some(now);
            self.departments.insert(id, Arc::new(department));
        }
        Ok(())
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
            active: new.active,
            time_zone: new.time_zone,
            presence: Default::default(),
            accepts_chats: true,
            created_at: now,
            updated_at: now,
            credentials: new.credentials,
        })?;
        Ok(Outcome::Agent(id))
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
                return Err(ModelError::DuplicateAgent {
                    field: AgentField::Username,
                });
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
                    return Err(ModelError::DuplicateAgent {
                        field: AgentField::Email,
                    });
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
            self.leave_departments(id, now)?;
        }
        agent.updated_at = now;
        self.agents.insert(id, Arc::new(agent));
        Ok(Outcome::Agent(id))
    }

    /// Takes the agent out of every department it is in; each of them lost a member `now`.
    fn leave_departments(&mut self, id: AgentId, now: Timestamp) -> Result<(), ModelError> {
        let departments: Vec<DepartmentId> = self.department_ids_of(id).collect();
        for department in departments {
            self.unlink(department, id);
            let mut record = Department::clone(&*self.require_department(department)?);
            record.members_changed_at = Some(now);
            self.departments.insert(department, Arc::new(record));
        }
        Ok(())
    }

    fn delete_agent(&mut self, id: AgentId, now: Timestamp) -> Result<Outcome, ModelError> {
        let agent = self.require_agent(id)?;
        self.leave_departments(id, now)?;
        for token in &agent.credentials.tokens {
            self.agent_by_token.remove(&token.digest);
        }
        self.end_sessions_of(id);
        self.stop_supervising(id, now);
        self.agent_by_uid.remove(&agent.uid);
        self.agent_by_email.remove(&agent.email.key());
        self.agent_by_username.remove(agent.username.as_str());
        self.agents.remove(&id);
        Ok(Outcome::Deleted)
    }

    /// Marks the agent's link to `department` primary and its other links not.
    fn set_primary(
        &mut self,
        agent: AgentId,
        department: DepartmentId,
        now: Timestamp,
    ) -> Result<Outcome, ModelError> {
        self.require_agent(agent)?;
        if self.membership(department, agent).is_none() {
            return Err(ModelError::Invalid {
                field: "membership",
                reason: format!("agent {agent} is not a member of department {department}"),
            });
        }
        let departments: Vec<DepartmentId> = self.department_ids_of(agent).collect();
        for d in departments {
            let primary = d == department;
            let Some(link) = self.membership(d, agent) else {
                continue;
            };
            if link.primary == primary {
                continue;
            }
            let mut links: Vec<Membership> = self.members_of(d).cloned().collect();
            if let Ok(i) = links.binary_search_by_key(&agent, |m| m.agent) {
                links[i].primary = primary;
                links[i].updated_at = now;
            }
            self.set_links(d, links);
        }
        Ok(Outcome::Department(department))
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
        if self.end_session(id, &digest) {
            return Ok(Outcome::Agent(id));
        }
        let before = agent.credentials.tokens.len();
        agent.credentials.tokens.retain(|t| t.digest != digest);
        if agent.credentials.tokens.len() != before {
            self.agent_by_token.remove(&digest);
            self.agents.insert(id, Arc::new(agent));
        }
        Ok(Outcome::Agent(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::agent::TokenKind;
    use crate::model::department::RoutingOptions;
    use crate::model::store::Store;
    use crate::model::test_support::{agent, department, departments_of, members_of};

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
    async fn an_inactive_department_takes_members_when_the_policy_says_so_and_remembers_both() {
        let store = Store::new(State::empty());
        let a = agent(&store, "a").await;
        let sales = department(&store, "Sales", &[], WritePolicy::default())
            .await
            .unwrap();
        let created = store.view().department(sales).unwrap().updated_at;
        assert_eq!(
            store.view().department(sales).unwrap().members_changed_at,
            None
        );
        for active in [false, true, false] {
            store
                .apply(Command::SetDepartmentActive { id: sales, active })
                .await
                .unwrap();
        }
        let policy = WritePolicy {
            write_inactive: true,
            ..Default::default()
        };

        for change in [
            MembersChange::Replace(vec![a]),
            MembersChange::Replace(vec![]),
        ] {
            store
                .apply(Command::ChangeMembers {
                    id: sales,
                    change,
                    policy,
                })
                .await
                .unwrap();
        }

        let view = store.view();
        let department = view.department(sales).unwrap();
        assert!(department.ever_inactive && !department.active);
        assert!(
            department
                .members_changed_at
                .is_some_and(|at| at >= created)
        );
        assert_eq!(view.members_of(sales).count(), 0);
        // A change that touches no link leaves the time alone.
        let before = department.members_changed_at;
        store
            .apply(Command::ChangeMembers {
                id: sales,
                change: MembersChange::Replace(vec![]),
                policy,
            })
            .await
            .unwrap();
        assert_eq!(
            store.view().department(sales).unwrap().members_changed_at,
            before
        );
        store.view().check_invariants().unwrap();
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
}
