//! The reference model: plain maps and sets, and each vendor's rules written out plainly; and
//! reading the wire into the reference's shapes.

use super::*;

// ---------------------------------------------------------------------------------------------
// The reference model: plain maps and sets, and each vendor's rules written out plainly.

pub(super) const NAMES: [&str; 6] = ["Sales", "Support", "Billing", "Ops", "Tier 2", "Ünï"];

/// A department id that never existed, under both spellings.
pub(super) const NO_DEPARTMENT: (u64, &str) = (999_999, "0123456789abcdef01234567");
/// A user that never existed.
pub(super) const NO_AGENT: (u64, &str) = (999_999, "NeverExisted23456");

#[derive(Debug, Clone, PartialEq)]
pub(super) struct RefDepartment {
    pub(super) uid: String,
    pub(super) name: String,
    pub(super) enabled: bool,
    pub(super) active: bool,
    pub(super) members: BTreeSet<u64>,
    /// Whether a link was ever written or removed: Rocket.Chat's `numAgents` shows from then on.
    pub(super) links_changed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct RefAgent {
    pub(super) uid: String,
    pub(super) email: String,
    pub(super) active: bool,
}

/// What Zopim shows of a department: id, name, members, enabled.
pub(super) type ZopimDepartment = (u64, String, Vec<u64>, bool);
/// What Zopim shows of an agent: id, departments, enabled.
pub(super) type ZopimAgent = (u64, Vec<u64>, bool);
/// What the XML API shows of a group: id, name, is-active, and its users when shown alone.
pub(super) type Group = (u64, String, bool, Option<Vec<u64>>);
/// What the XML API shows of a user: id, is-active, groups.
pub(super) type User = (u64, bool, Vec<u64>);
/// What Rocket.Chat shows of a department: _id, name, enabled, archived, numAgents.
pub(super) type RcDepartment = (String, String, bool, bool, Option<u64>);

pub(super) struct Reference {
    pub(super) departments: BTreeMap<u64, RefDepartment>,
    pub(super) agents: BTreeMap<u64, RefAgent>,
    /// Every department and agent ever made, deleted ones too: (id, string id).
    pub(super) seen_departments: Vec<(u64, String)>,
    pub(super) seen_agents: Vec<(u64, String)>,
    pub(super) users_made: usize,
}

impl Reference {
    /// fixtures/default.json.
    pub(super) fn default_data() -> Self {
        let mut model = Reference {
            departments: BTreeMap::new(),
            agents: BTreeMap::new(),
            seen_departments: Vec::new(),
            seen_agents: Vec::new(),
            users_made: 0,
        };
        for (id, uid, email) in [
            (1, "rbAXPnMktTFbNpwtJ", "admin@example.com"),
            (2, "Ha7kS4XbQ9mZtCfPe", "agent@example.com"),
            (3, "Kq3WzYd8NfR2sTgHx", "maria@example.com"),
        ] {
            model.add_agent(id, uid.into(), email.into());
        }
        for (id, name, enabled, members) in [
            (1, "Sales", true, vec![1, 2]),
            (2, "Support", true, vec![2, 3]),
            (3, "Billing", false, vec![3]),
        ] {
            let uid = format!("65a4f0c2e4b0a1b2c3d4e5f{id}");
            model.add_department(id, uid, name, &members);
            model.departments.get_mut(&id).unwrap().enabled = enabled;
        }
        model
    }

    pub(super) fn department(&self, r: DeptRef) -> (u64, String) {
        let i = r.0 as usize % (self.seen_departments.len() + 1);
        self.seen_departments
            .get(i)
            .cloned()
            .unwrap_or((NO_DEPARTMENT.0, NO_DEPARTMENT.1.into()))
    }

    pub(super) fn agent(&self, r: AgentRef) -> (u64, String) {
        let i = r.0 as usize % (self.seen_agents.len() + 1);
        self.seen_agents
            .get(i)
            .cloned()
            .unwrap_or((NO_AGENT.0, NO_AGENT.1.into()))
    }

    /// An agent to delete: never the administrator the test acts as.
    pub(super) fn deletable_agent(&self, r: AgentRef) -> (u64, String) {
        let others: Vec<_> = self.seen_agents.iter().filter(|(id, _)| *id != 1).collect();
        let i = r.0 as usize % (others.len() + 1);
        others
            .get(i)
            .map(|a| (*a).clone())
            .unwrap_or((NO_AGENT.0, NO_AGENT.1.into()))
    }

    pub(super) fn active(&self, id: u64) -> Option<&RefDepartment> {
        self.departments.get(&id).filter(|d| d.active)
    }

    /// Whether another active department has this name (Zopim's rule).
    pub(super) fn name_taken(&self, name: &str, except: Option<u64>) -> bool {
        self.departments
            .iter()
            .any(|(id, d)| d.active && d.name == name && Some(*id) != except)
    }

    pub(super) fn all_exist(&self, agents: &[u64]) -> bool {
        agents.iter().all(|a| self.agents.contains_key(a))
    }

    pub(super) fn any_inactive(&self, agents: &[u64]) -> bool {
        agents
            .iter()
            .any(|a| self.agents.get(a).is_some_and(|a| !a.active))
    }

    #[track_caller]
    pub(super) fn check_fresh_department(&self, id: u64, case: &str) {
        let newest = self.seen_departments.iter().map(|d| d.0).max().unwrap_or(0);
        assert!(
            id > newest,
            "{case}: department id {id} is not past {newest}"
        );
    }

    #[track_caller]
    pub(super) fn check_fresh_agent(&self, id: u64, case: &str) {
        let newest = self.seen_agents.iter().map(|a| a.0).max().unwrap_or(0);
        assert!(id > newest, "{case}: agent id {id} is not past {newest}");
    }

    pub(super) fn add_department(&mut self, id: u64, uid: String, name: &str, members: &[u64]) {
        self.seen_departments.push((id, uid.clone()));
        let department = RefDepartment {
            uid,
            name: name.into(),
            enabled: true,
            active: true,
            members: members.iter().copied().collect(),
            links_changed: !members.is_empty(),
        };
        self.departments.insert(id, department);
    }

    pub(super) fn add_agent(&mut self, id: u64, uid: String, email: String) {
        self.seen_agents.push((id, uid.clone()));
        let agent = RefAgent {
            uid,
            email,
            active: true,
        };
        self.agents.insert(id, agent);
    }

    pub(super) fn leave_all(&mut self, agent: u64) {
        for d in self.departments.values_mut() {
            d.links_changed |= d.members.remove(&agent);
        }
    }

    pub(super) fn members(&self, id: u64) -> Vec<u64> {
        self.departments[&id].members.iter().copied().collect()
    }

    /// The departments an agent is in; only the active ones when `active_only`.
    pub(super) fn departments_of(&self, agent: u64, active_only: bool) -> Vec<u64> {
        self.departments
            .iter()
            .filter(|(_, d)| d.members.contains(&agent) && (d.active || !active_only))
            .map(|(id, _)| *id)
            .collect()
    }

    pub(super) fn uid_of_agent(&self, id: u64) -> String {
        self.agents[&id].uid.clone()
    }

    // What each vendor shows.

    pub(super) fn zopim_department(&self, id: u64) -> Option<ZopimDepartment> {
        let d = self.active(id)?;
        Some((id, d.name.clone(), self.members(id), d.enabled))
    }

    pub(super) fn zopim_departments(&self) -> Vec<ZopimDepartment> {
        let ids = self.departments.keys();
        ids.filter_map(|id| self.zopim_department(*id)).collect()
    }

    pub(super) fn zopim_agents(&self) -> Vec<ZopimAgent> {
        let agents = self.agents.iter();
        agents
            .map(|(id, a)| (*id, self.departments_of(*id, true), a.active))
            .collect()
    }

    pub(super) fn group(&self, id: u64, with_users: bool) -> Option<Group> {
        let d = self.departments.get(&id)?;
        let users = with_users.then(|| self.members(id));
        Some((id, d.name.clone(), d.active, users))
    }

    pub(super) fn groups(&self) -> Vec<Group> {
        let ids = self.departments.keys();
        ids.filter_map(|id| self.group(*id, false)).collect()
    }

    pub(super) fn user(&self, id: u64) -> Option<User> {
        let a = self.agents.get(&id)?;
        Some((id, a.active, self.departments_of(id, true)))
    }

    pub(super) fn rc_department(&self, id: u64) -> RcDepartment {
        let d = &self.departments[&id];
        let links = d.members.len() as u64;
        (
            d.uid.clone(),
            d.name.clone(),
            d.enabled,
            !d.active,
            (links > 0 || d.links_changed).then_some(links),
        )
    }

    /// Rocket.Chat's list, archived ones included: by name (bytes), then id.
    pub(super) fn rc_departments(&self) -> Vec<RcDepartment> {
        let mut ids: Vec<_> = self.departments.keys().copied().collect();
        ids.sort_by(|a, b| {
            self.departments[a]
                .name
                .cmp(&self.departments[b].name)
                .then(a.cmp(b))
        });
        ids.into_iter().map(|id| self.rc_department(id)).collect()
    }

    pub(super) fn rc_show(&self, id: u64) -> Option<(RcDepartment, Vec<String>)> {
        self.departments.get(&id)?;
        let links = self.members(id).into_iter().map(|a| self.uid_of_agent(a));
        Some((self.rc_department(id), links.collect()))
    }

    pub(super) fn rc_agent_departments(&self, agent: u64) -> Vec<String> {
        if !self.agents.contains_key(&agent) {
            return Vec::new();
        }
        let ids = self.departments_of(agent, false);
        ids.into_iter()
            .map(|id| self.departments[&id].uid.clone())
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the wire into the reference's shapes.

pub(super) fn zopim_department(v: &Value) -> ZopimDepartment {
    let members = v["members"].as_array().expect("members");
    (
        v["id"].as_u64().expect("id"),
        v["name"].as_str().expect("name").to_owned(),
        members
            .iter()
            .map(|m| m.as_u64().expect("member id"))
            .collect(),
        v["enabled"] == 1,
    )
}

pub(super) fn zopim_agent(v: &Value) -> ZopimAgent {
    let departments = v["departments"].as_array().expect("departments");
    (
        v["id"].as_u64().expect("id"),
        departments.iter().map(|d| d.as_u64().unwrap()).collect(),
        v["enabled"] == 1,
    )
}

pub(super) fn xml_items(value: &XmlValue) -> Vec<&XmlValue> {
    match value {
        XmlValue::Array { items, .. } => items.iter().map(|e| &e.value).collect(),
        other => panic!("not an XML array: {other:?}"),
    }
}

pub(super) fn xml_int(value: &XmlValue, field: &str) -> u64 {
    match value.get(field) {
        Some(XmlValue::Integer(n)) => *n as u64,
        other => panic!("{field} is no integer: {other:?}"),
    }
}

pub(super) fn xml_bool(value: &XmlValue, field: &str) -> bool {
    match value.get(field) {
        Some(XmlValue::Boolean(b)) => *b,
        other => panic!("{field} is no boolean: {other:?}"),
    }
}

pub(super) fn xml_text(value: &XmlValue, field: &str) -> String {
    match value.get(field) {
        Some(XmlValue::Text(t)) => t.clone(),
        other => panic!("{field} is no text: {other:?}"),
    }
}

pub(super) fn xml_ids(value: &XmlValue, field: &str) -> Vec<u64> {
    let list = value.get(field).unwrap_or_else(|| panic!("no {field}"));
    xml_items(list)
        .into_iter()
        .map(|i| xml_int(i, "id"))
        .collect()
}

pub(super) fn group(value: &XmlValue) -> Group {
    let users = value.get("users").map(|_| xml_ids(value, "users"));
    (
        xml_int(value, "id"),
        xml_text(value, "name"),
        xml_bool(value, "is-active"),
        users,
    )
}

pub(super) fn user(value: &XmlValue) -> User {
    (
        xml_int(value, "id"),
        xml_bool(value, "is-active"),
        xml_ids(value, "groups"),
    )
}

pub(super) fn rc_department(v: &Value) -> RcDepartment {
    (
        v["_id"].as_str().expect("_id").to_owned(),
        v["name"].as_str().expect("name").to_owned(),
        v["enabled"].as_bool().expect("enabled"),
        v.get("archived") == Some(&json!(true)),
        v.get("numAgents").map(|n| n.as_u64().expect("numAgents")),
    )
}

pub(super) fn rc_links(v: &Value) -> Vec<String> {
    let links = v.as_array().expect("agents");
    let uid = |l: &Value| l["agentId"].as_str().expect("agentId").to_owned();
    links.iter().map(uid).collect()
}

pub(super) fn xml_group_body(name: Option<&str>, agents: Option<&[u64]>) -> String {
    let mut body = String::from("<group>");
    if let Some(name) = name {
        body.push_str(&format!("<name>{name}</name>"));
    }
    if let Some(agents) = agents {
        body.push_str("<agents type=\"array\">");
        for a in agents {
            body.push_str(&format!("<agent type=\"integer\">{a}</agent>"));
        }
        body.push_str("</agents>");
    }
    body.push_str("</group>");
    body
}

pub(super) fn rc_items(uids: &[String]) -> Value {
    Value::Array(uids.iter().map(|u| json!({"agentId": u})).collect())
}
