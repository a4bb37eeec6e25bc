//! Helpers shared by the model's unit tests: a store with agents and departments made through
//! commands, as a facade would make them.

use super::agent::{Credentials, Email, Role, RoleSet, Username};
use super::command::{Command, MembersChange, NewAgent, NewDepartment, Outcome, WritePolicy};
use super::department::DepartmentName;
use super::error::ModelError;
use super::ids::{AgentId, DepartmentId};
use super::store::Store;

pub(super) async fn agent(store: &Store, name: &str) -> AgentId {
    let (_, outcome) = store
        .apply(Command::CreateAgent {
            agent: NewAgent {
                username: Username::parse(name).unwrap(),
                display_name: name.into(),
                email: Email::parse(&format!("{name}@example.com")).unwrap(),
                roles: [Role::Agent].into_iter().collect::<RoleSet>(),
                active: true,
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

pub(super) async fn department(
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

pub(super) async fn departments_of(store: &Store, agent: AgentId) -> Vec<u64> {
    store.view().departments_of(agent).map(|d| d.id.0).collect()
}

pub(super) async fn members_of(store: &Store, id: DepartmentId) -> Vec<u64> {
    store.view().members_of(id).map(|m| m.agent.0).collect()
}
