//! One model behind three vendors, checked two ways.
//!
//! - A property test runs random sequences of the writes each facade makes (Zopim's create,
//!   rename, member replace and hard delete; Rocket.Chat's create, agent upsert/remove, archive,
//!   unarchive, delete, `users.create` and `users.delete`; classic XML's create, update, soft
//!   destroy, user create and user delete) and reads from all three, against the gateway and
//!   against [`Reference`], a deliberately simple model of what each vendor should show. Every
//!   read, and every write's own answer, is compared with the reference. Many cases run in
//!   process (the facades' own services over one store, no sockets); a few run over HTTP.
//!   `PROPTEST_CASES` raises both counts.
//! - A stress test runs many concurrent clients of all three facades for a bounded time, checks
//!   every answer's status and every answer that shows both sides of a membership, then compares
//!   the final state across the facades.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use deskbridge::facades::rocketchat::{Rocketchat, RocketchatOptions};
use deskbridge::facades::zendesk::Zendesk;
use deskbridge::facades::zendesk::xml::{Limits, XmlDocument, XmlValue};
use deskbridge::facades::zopim::{EnabledFormat, Zopim, ZopimOptions};
use deskbridge::fixtures::FixtureFile;
use deskbridge::http::{BoxError, Facade};
use deskbridge::model::{Store, Timestamp};
use http_body_util::{BodyExt, Full};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_TOKEN, RC_ADMIN_ID, TestApp, ZD_ADMIN, ZD_ADMIN_API_TOKEN, spawn_app_on,
};

/// A Rocket.Chat session of the default administrator, preset in the fixtures so that no case
/// pays for an Argon2 login.
const SESSION: &str = "consistency-admin-session-token";

/// The default data plus [`SESSION`].
fn fixtures() -> String {
    let mut data: Value = serde_json::from_str(deskbridge::fixtures::DEFAULT).unwrap();
    data["agents"][0]["tokens"]["session"] = json!([SESSION]);
    data.to_string()
}

// ---------------------------------------------------------------------------------------------
// The wire: the facades in process, or the whole gateway over HTTP.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vendor {
    Zopim,
    Rc,
    Xml,
}

/// An answer: status and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    fn xml(&self) -> XmlValue {
        XmlDocument::parse(self.body.as_bytes(), &Limits::default())
            .unwrap_or_else(|e| panic!("not XML ({e:?}): {:?}", self.body))
            .value
    }
}

enum Wire {
    /// The three facades' services over one store, called directly.
    InProcess {
        store: Store,
        zopim: Arc<dyn Facade>,
        rc: Arc<dyn Facade>,
        xml: Arc<dyn Facade>,
    },
    Http(TestApp),
}

/// The administrator's credentials for each vendor, and the vendor's body type.
fn headers(vendor: Vendor) -> Vec<(&'static str, String)> {
    match vendor {
        Vendor::Zopim => vec![
            ("authorization", format!("Bearer {ADMIN_TOKEN}")),
            ("content-type", "application/json".into()),
        ],
        Vendor::Rc => vec![
            ("x-auth-token", SESSION.into()),
            ("x-user-id", RC_ADMIN_ID.into()),
            ("content-type", "application/json".into()),
        ],
        Vendor::Xml => vec![
            (
                "authorization",
                basic(&format!("{}/token", ZD_ADMIN.0), ZD_ADMIN_API_TOKEN),
            ),
            ("content-type", "application/xml".into()),
        ],
    }
}

fn basic(user: &str, secret: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"));
    format!("Basic {encoded}")
}

impl Wire {
    fn in_process() -> Self {
        let state = FixtureFile::parse(&fixtures(), Timestamp::now())
            .and_then(|f| f.into_state())
            .expect("fixtures load");
        let store = Store::new(state);
        Wire::InProcess {
            zopim: Zopim::service(
                store.clone(),
                ZopimOptions {
                    enabled: EnabledFormat::Integer,
                },
            ),
            rc: Rocketchat::service(store.clone(), RocketchatOptions::default()),
            xml: Zendesk::service(store.clone()),
            store,
        }
    }

    async fn http() -> Self {
        Wire::Http(spawn_app_on(&fixtures()).await)
    }

    async fn send(
        &self,
        vendor: Vendor,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Answer {
        match self {
            Wire::InProcess { zopim, rc, xml, .. } => {
                let facade = match vendor {
                    Vendor::Zopim => zopim,
                    Vendor::Rc => rc,
                    Vendor::Xml => xml,
                };
                let mut request = http::Request::builder()
                    .method(method)
                    .uri(path)
                    .header("host", "127.0.0.1");
                for (name, value) in headers(vendor) {
                    request = request.header(name, value);
                }
                let body = Full::new(Bytes::from(body.unwrap_or_default()))
                    .map_err(|never: Infallible| -> BoxError { match never {} })
                    .boxed_unsync();
                let response = facade
                    .handle(request.body(deskbridge::http::Body::new(body)).unwrap())
                    .response()
                    .await;
                let status = response.status().as_u16();
                let bytes = response.into_body().collect().await.unwrap().to_bytes();
                Answer {
                    status,
                    body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
                }
            }
            Wire::Http(app) => {
                let mut request = app.client.request(method, app.url(path));
                for (name, value) in headers(vendor) {
                    request = request.header(name, value);
                }
                if let Some(body) = body {
                    request = request.body(body);
                }
                let reply = app.send(request).await;
                Answer {
                    status: reply.status.as_u16(),
                    body: reply.body,
                }
            }
        }
    }

    async fn get(&self, vendor: Vendor, path: &str) -> Answer {
        self.send(vendor, Method::GET, path, None).await
    }

    fn check_invariants(&self) {
        let store = match self {
            Wire::InProcess { store, .. } => store,
            Wire::Http(app) => app.handle.store(),
        };
        store
            .view()
            .check_invariants()
            .expect("the store's invariants hold");
    }
}

#[track_caller]
fn expect_status(answer: &Answer, status: u16, case: &str) {
    assert_eq!(
        answer.status, status,
        "{case}: status (body {:?})",
        answer.body
    );
}

// ---------------------------------------------------------------------------------------------
// The reference model: plain maps and sets, and each vendor's rules written out plainly.

const NAMES: [&str; 6] = ["Sales", "Support", "Billing", "Ops", "Tier 2", "Ünï"];

/// A department id that never existed, under both spellings.
const NO_DEPARTMENT: (u64, &str) = (999_999, "0123456789abcdef01234567");
/// A user that never existed.
const NO_AGENT: (u64, &str) = (999_999, "NeverExisted23456");

#[derive(Debug, Clone, PartialEq)]
struct RefDepartment {
    uid: String,
    name: String,
    enabled: bool,
    active: bool,
    members: BTreeSet<u64>,
}

#[derive(Debug, Clone, PartialEq)]
struct RefAgent {
    uid: String,
    email: String,
    active: bool,
}

/// What Zopim shows of a department: id, name, members, enabled.
type ZopimDepartment = (u64, String, Vec<u64>, bool);
/// What Zopim shows of an agent: id, departments, enabled.
type ZopimAgent = (u64, Vec<u64>, bool);
/// What the XML API shows of a group: id, name, is-active, and its users when shown alone.
type Group = (u64, String, bool, Option<Vec<u64>>);
/// What the XML API shows of a user: id, is-active, groups.
type User = (u64, bool, Vec<u64>);
/// What Rocket.Chat shows of a department: _id, name, enabled, archived, numAgents.
type RcDepartment = (String, String, bool, bool, Option<u64>);

struct Reference {
    departments: BTreeMap<u64, RefDepartment>,
    agents: BTreeMap<u64, RefAgent>,
    /// Every department and agent ever made, deleted ones too: (id, string id).
    seen_departments: Vec<(u64, String)>,
    seen_agents: Vec<(u64, String)>,
    users_made: usize,
}

impl Reference {
    /// fixtures/default.json.
    fn default_data() -> Self {
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

    fn department(&self, r: DeptRef) -> (u64, String) {
        let i = r.0 as usize % (self.seen_departments.len() + 1);
        self.seen_departments
            .get(i)
            .cloned()
            .unwrap_or((NO_DEPARTMENT.0, NO_DEPARTMENT.1.into()))
    }

    fn agent(&self, r: AgentRef) -> (u64, String) {
        let i = r.0 as usize % (self.seen_agents.len() + 1);
        self.seen_agents
            .get(i)
            .cloned()
            .unwrap_or((NO_AGENT.0, NO_AGENT.1.into()))
    }

    /// An agent to delete: never the administrator the test acts as.
    fn deletable_agent(&self, r: AgentRef) -> (u64, String) {
        let others: Vec<_> = self.seen_agents.iter().filter(|(id, _)| *id != 1).collect();
        let i = r.0 as usize % (others.len() + 1);
        others
            .get(i)
            .map(|a| (*a).clone())
            .unwrap_or((NO_AGENT.0, NO_AGENT.1.into()))
    }

    fn active(&self, id: u64) -> Option<&RefDepartment> {
        self.departments.get(&id).filter(|d| d.active)
    }

    /// Whether another active department has this name (Zopim's rule).
    fn name_taken(&self, name: &str, except: Option<u64>) -> bool {
        self.departments
            .iter()
            .any(|(id, d)| d.active && d.name == name && Some(*id) != except)
    }

    fn all_exist(&self, agents: &[u64]) -> bool {
        agents.iter().all(|a| self.agents.contains_key(a))
    }

    fn any_inactive(&self, agents: &[u64]) -> bool {
        agents
            .iter()
            .any(|a| self.agents.get(a).is_some_and(|a| !a.active))
    }

    #[track_caller]
    fn check_fresh_department(&self, id: u64, case: &str) {
        let newest = self.seen_departments.iter().map(|d| d.0).max().unwrap_or(0);
        assert!(
            id > newest,
            "{case}: department id {id} is not past {newest}"
        );
    }

    #[track_caller]
    fn check_fresh_agent(&self, id: u64, case: &str) {
        let newest = self.seen_agents.iter().map(|a| a.0).max().unwrap_or(0);
        assert!(id > newest, "{case}: agent id {id} is not past {newest}");
    }

    fn add_department(&mut self, id: u64, uid: String, name: &str, members: &[u64]) {
        self.seen_departments.push((id, uid.clone()));
        let department = RefDepartment {
            uid,
            name: name.into(),
            enabled: true,
            active: true,
            members: members.iter().copied().collect(),
        };
        self.departments.insert(id, department);
    }

    fn add_agent(&mut self, id: u64, uid: String, email: String) {
        self.seen_agents.push((id, uid.clone()));
        let agent = RefAgent {
            uid,
            email,
            active: true,
        };
        self.agents.insert(id, agent);
    }

    fn leave_all(&mut self, agent: u64) {
        for d in self.departments.values_mut() {
            d.members.remove(&agent);
        }
    }

    fn members(&self, id: u64) -> Vec<u64> {
        self.departments[&id].members.iter().copied().collect()
    }

    /// The departments an agent is in; only the active ones when `active_only`.
    fn departments_of(&self, agent: u64, active_only: bool) -> Vec<u64> {
        self.departments
            .iter()
            .filter(|(_, d)| d.members.contains(&agent) && (d.active || !active_only))
            .map(|(id, _)| *id)
            .collect()
    }

    fn uid_of_agent(&self, id: u64) -> String {
        self.agents[&id].uid.clone()
    }

    // What each vendor shows.

    fn zopim_department(&self, id: u64) -> Option<ZopimDepartment> {
        let d = self.active(id)?;
        Some((id, d.name.clone(), self.members(id), d.enabled))
    }

    fn zopim_departments(&self) -> Vec<ZopimDepartment> {
        let ids = self.departments.keys();
        ids.filter_map(|id| self.zopim_department(*id)).collect()
    }

    fn zopim_agents(&self) -> Vec<ZopimAgent> {
        let agents = self.agents.iter();
        agents
            .map(|(id, a)| (*id, self.departments_of(*id, true), a.active))
            .collect()
    }

    fn group(&self, id: u64, with_users: bool) -> Option<Group> {
        let d = self.departments.get(&id)?;
        let users = with_users.then(|| self.members(id));
        Some((id, d.name.clone(), d.active, users))
    }

    fn groups(&self) -> Vec<Group> {
        let ids = self.departments.keys();
        ids.filter_map(|id| self.group(*id, false)).collect()
    }

    fn user(&self, id: u64) -> Option<User> {
        let a = self.agents.get(&id)?;
        Some((id, a.active, self.departments_of(id, true)))
    }

    fn rc_department(&self, id: u64) -> RcDepartment {
        let d = &self.departments[&id];
        let links = d.members.len() as u64;
        (
            d.uid.clone(),
            d.name.clone(),
            d.enabled,
            !d.active,
            (links > 0).then_some(links),
        )
    }

    /// Rocket.Chat's list, archived ones included: by name (bytes), then id.
    fn rc_departments(&self) -> Vec<RcDepartment> {
        let mut ids: Vec<_> = self.departments.keys().copied().collect();
        ids.sort_by(|a, b| {
            self.departments[a]
                .name
                .cmp(&self.departments[b].name)
                .then(a.cmp(b))
        });
        ids.into_iter().map(|id| self.rc_department(id)).collect()
    }

    fn rc_show(&self, id: u64) -> Option<(RcDepartment, Vec<String>)> {
        self.departments.get(&id)?;
        let links = self.members(id).into_iter().map(|a| self.uid_of_agent(a));
        Some((self.rc_department(id), links.collect()))
    }

    fn rc_agent_departments(&self, agent: u64) -> Vec<String> {
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

fn zopim_department(v: &Value) -> ZopimDepartment {
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

fn zopim_agent(v: &Value) -> ZopimAgent {
    let departments = v["departments"].as_array().expect("departments");
    (
        v["id"].as_u64().expect("id"),
        departments.iter().map(|d| d.as_u64().unwrap()).collect(),
        v["enabled"] == 1,
    )
}

fn xml_items(value: &XmlValue) -> Vec<&XmlValue> {
    match value {
        XmlValue::Array { items, .. } => items.iter().map(|e| &e.value).collect(),
        other => panic!("not an XML array: {other:?}"),
    }
}

fn xml_int(value: &XmlValue, field: &str) -> u64 {
    match value.get(field) {
        Some(XmlValue::Integer(n)) => *n as u64,
        other => panic!("{field} is no integer: {other:?}"),
    }
}

fn xml_bool(value: &XmlValue, field: &str) -> bool {
    match value.get(field) {
        Some(XmlValue::Boolean(b)) => *b,
        other => panic!("{field} is no boolean: {other:?}"),
    }
}

fn xml_text(value: &XmlValue, field: &str) -> String {
    match value.get(field) {
        Some(XmlValue::Text(t)) => t.clone(),
        other => panic!("{field} is no text: {other:?}"),
    }
}

fn xml_ids(value: &XmlValue, field: &str) -> Vec<u64> {
    let list = value.get(field).unwrap_or_else(|| panic!("no {field}"));
    xml_items(list)
        .into_iter()
        .map(|i| xml_int(i, "id"))
        .collect()
}

fn group(value: &XmlValue) -> Group {
    let users = value.get("users").map(|_| xml_ids(value, "users"));
    (
        xml_int(value, "id"),
        xml_text(value, "name"),
        xml_bool(value, "is-active"),
        users,
    )
}

fn user(value: &XmlValue) -> User {
    (
        xml_int(value, "id"),
        xml_bool(value, "is-active"),
        xml_ids(value, "groups"),
    )
}

fn rc_department(v: &Value) -> RcDepartment {
    (
        v["_id"].as_str().expect("_id").to_owned(),
        v["name"].as_str().expect("name").to_owned(),
        v["enabled"].as_bool().expect("enabled"),
        v.get("archived") == Some(&json!(true)),
        v.get("numAgents").map(|n| n.as_u64().expect("numAgents")),
    )
}

fn rc_links(v: &Value) -> Vec<String> {
    let links = v.as_array().expect("agents");
    let uid = |l: &Value| l["agentId"].as_str().expect("agentId").to_owned();
    links.iter().map(uid).collect()
}

fn xml_group_body(name: Option<&str>, agents: Option<&[u64]>) -> String {
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

fn rc_items(uids: &[String]) -> Value {
    Value::Array(uids.iter().map(|u| json!({"agentId": u})).collect())
}

// ---------------------------------------------------------------------------------------------
// Operations, as the facades' clients issue them.

/// A department among those made so far (deleted ones too), or one that never existed.
#[derive(Debug, Clone, Copy)]
struct DeptRef(u8);
/// A user among those made so far (deleted ones too), or one that never existed.
#[derive(Debug, Clone, Copy)]
struct AgentRef(u8);
/// One of [`NAMES`]: few, so that they collide.
#[derive(Debug, Clone, Copy)]
struct Name(u8);

impl Name {
    fn text(self) -> &'static str {
        NAMES[self.0 as usize % NAMES.len()]
    }
}

#[derive(Debug, Clone)]
enum Op {
    ZopimCreate(Name, Vec<AgentRef>),
    ZopimUpdate(DeptRef, Option<Name>, Option<Vec<AgentRef>>),
    ZopimDelete(DeptRef),
    RcCreate(Name, Vec<AgentRef>),
    RcAgents(DeptRef, Vec<AgentRef>, Vec<AgentRef>),
    RcArchive(DeptRef),
    RcUnarchive(DeptRef),
    RcDelete(DeptRef),
    XmlCreate(Name, Option<Vec<AgentRef>>),
    XmlUpdate(DeptRef, Option<Name>, Option<Vec<AgentRef>>),
    XmlDestroy(DeptRef),
    XmlCreateUser,
    RcCreateUser,
    RcDeleteUser(AgentRef),
    XmlDeleteUser(AgentRef),
    ZopimList,
    ZopimAgents,
    ZopimShow(DeptRef),
    XmlGroups,
    XmlGroup(DeptRef),
    XmlUser(AgentRef),
    RcList,
    RcShow(DeptRef),
    RcAgentDepartments(AgentRef),
}

fn op() -> impl Strategy<Value = Op> {
    let d = || any::<u8>().prop_map(DeptRef);
    let a = || any::<u8>().prop_map(AgentRef);
    let n = || any::<u8>().prop_map(Name);
    let agents = move || prop::collection::vec(a(), 0..4);
    prop_oneof![
        4 => (n(), agents()).prop_map(|(n, m)| Op::ZopimCreate(n, m)),
        4 => (d(), prop::option::of(n()), prop::option::of(agents()))
            .prop_map(|(d, n, m)| Op::ZopimUpdate(d, n, m)),
        2 => d().prop_map(Op::ZopimDelete),
        4 => (n(), agents()).prop_map(|(n, m)| Op::RcCreate(n, m)),
        4 => (d(), agents(), agents()).prop_map(|(d, u, r)| Op::RcAgents(d, u, r)),
        2 => d().prop_map(Op::RcArchive),
        2 => d().prop_map(Op::RcUnarchive),
        2 => d().prop_map(Op::RcDelete),
        4 => (n(), prop::option::of(agents())).prop_map(|(n, m)| Op::XmlCreate(n, m)),
        4 => (d(), prop::option::of(n()), prop::option::of(agents()))
            .prop_map(|(d, n, m)| Op::XmlUpdate(d, n, m)),
        2 => d().prop_map(Op::XmlDestroy),
        2 => Just(Op::XmlCreateUser),
        // Argon2 hashes the password: rarer.
        1 => Just(Op::RcCreateUser),
        1 => a().prop_map(Op::RcDeleteUser),
        1 => a().prop_map(Op::XmlDeleteUser),
        2 => Just(Op::ZopimList),
        2 => Just(Op::ZopimAgents),
        2 => d().prop_map(Op::ZopimShow),
        2 => Just(Op::XmlGroups),
        2 => d().prop_map(Op::XmlGroup),
        2 => a().prop_map(Op::XmlUser),
        2 => Just(Op::RcList),
        2 => d().prop_map(Op::RcShow),
        2 => a().prop_map(Op::RcAgentDepartments),
    ]
}

const Z: &str = "/api/v2/chat";
const RC: &str = "/api/v1";

/// Runs one operation against the wire and the reference, and compares what they show.
async fn step(wire: &Wire, model: &mut Reference, case: &str, op: &Op) {
    let ids = |refs: &[AgentRef]| -> Vec<(u64, String)> {
        refs.iter().map(|r| model.agent(*r)).collect()
    };
    match op {
        Op::ZopimCreate(name, refs) => {
            let members: Vec<u64> = ids(refs).into_iter().map(|a| a.0).collect();
            let body = json!({"name": name.text(), "members": members}).to_string();
            let answer = wire
                .send(
                    Vendor::Zopim,
                    Method::POST,
                    &format!("{Z}/departments"),
                    Some(body),
                )
                .await;
            if model.name_taken(name.text(), None) || !model.all_exist(&members) {
                return expect_status(&answer, 400, case);
            }
            expect_status(&answer, 201, case);
            let shown = zopim_department(&answer.json());
            model.check_fresh_department(shown.0, case);
            let uid = new_department_uid(wire, model, case).await;
            model.add_department(shown.0, uid, name.text(), &members);
            assert_eq!(
                Some(shown.clone()),
                model.zopim_department(shown.0),
                "{case}"
            );
        }
        Op::ZopimUpdate(d, name, refs) => {
            let (id, _) = model.department(*d);
            let members: Option<Vec<u64>> = refs
                .as_ref()
                .map(|r| ids(r).into_iter().map(|a| a.0).collect());
            let mut body = json!({});
            if let Some(name) = name {
                body["name"] = json!(name.text());
            }
            if let Some(members) = &members {
                body["members"] = json!(members);
            }
            let path = format!("{Z}/departments/{id}");
            let answer = wire
                .send(Vendor::Zopim, Method::PUT, &path, Some(body.to_string()))
                .await;
            let Some(current) = model.active(id) else {
                return expect_status(&answer, 404, case);
            };
            let renamed = name.filter(|n| n.text() != current.name);
            let taken = renamed.is_some_and(|n| model.name_taken(n.text(), Some(id)));
            if taken || members.as_ref().is_some_and(|m| !model.all_exist(m)) {
                return expect_status(&answer, 400, case);
            }
            expect_status(&answer, 200, case);
            let department = model.departments.get_mut(&id).unwrap();
            if let Some(name) = name {
                department.name = name.text().into();
            }
            if let Some(members) = members {
                department.members = members.into_iter().collect();
            }
            let shown = zopim_department(&answer.json());
            assert_eq!(Some(shown), model.zopim_department(id), "{case}");
        }
        Op::ZopimDelete(d) => {
            let (id, _) = model.department(*d);
            let path = format!("{Z}/departments/{id}");
            let answer = wire.send(Vendor::Zopim, Method::DELETE, &path, None).await;
            if model.active(id).is_none() {
                return expect_status(&answer, 404, case);
            }
            expect_status(&answer, 204, case);
            model.departments.remove(&id);
        }
        Op::RcCreate(name, refs) => {
            let agents = ids(refs);
            let uids: Vec<String> = agents.iter().map(|a| a.1.clone()).collect();
            let body = json!({"department": {"name": name.text(), "enabled": true,
                "showOnRegistration": true, "showOnOfflineForm": true, "email": "d@example.com"},
                "agents": rc_items(&uids)});
            let path = format!("{RC}/livechat/department");
            let answer = wire
                .send(Vendor::Rc, Method::POST, &path, Some(body.to_string()))
                .await;
            expect_status(&answer, 200, case);
            let reply = answer.json();
            let uid = reply["department"]["_id"].as_str().expect("_id").to_owned();
            let id = new_department_id(wire, model, case).await;
            // Unknown users are skipped (spec §5.2).
            let members: Vec<u64> = agents
                .iter()
                .map(|a| a.0)
                .filter(|a| model.agents.contains_key(a))
                .collect();
            model.add_department(id, uid, name.text(), &members);
            let (mut expected, links) = model.rc_show(id).unwrap();
            // The create answer is the department read before its agents were saved.
            expected.4 = None;
            assert_eq!(rc_department(&reply["department"]), expected, "{case}");
            assert_eq!(rc_links(&reply["agents"]), links, "{case}: links");
        }
        Op::RcAgents(d, upsert, remove) => {
            let (id, uid) = model.department(*d);
            let (upsert, remove) = (ids(upsert), ids(remove));
            let uids =
                |list: &[(u64, String)]| list.iter().map(|a| a.1.clone()).collect::<Vec<_>>();
            let body =
                json!({"upsert": rc_items(&uids(&upsert)), "remove": rc_items(&uids(&remove))});
            let path = format!("{RC}/livechat/department/{uid}/agents");
            let answer = wire
                .send(Vendor::Rc, Method::POST, &path, Some(body.to_string()))
                .await;
            if model.active(id).is_none() {
                return expect_status(&answer, 400, case);
            }
            expect_status(&answer, 200, case);
            let known = |a: &&(u64, String)| model.agents.contains_key(&a.0);
            let up: BTreeSet<u64> = upsert.iter().filter(known).map(|a| a.0).collect();
            let out: BTreeSet<u64> = remove.iter().filter(known).map(|a| a.0).collect();
            let members = &mut model.departments.get_mut(&id).unwrap().members;
            // Removed first, then upserted: an agent in both lists stays.
            members.retain(|a| !out.contains(a));
            members.extend(up);
        }
        Op::RcArchive(d) | Op::RcUnarchive(d) => {
            let restore = matches!(op, Op::RcUnarchive(_));
            let (id, uid) = model.department(*d);
            let verb = if restore { "unarchive" } else { "archive" };
            let path = format!("{RC}/livechat/department/{uid}/{verb}");
            let answer = wire.send(Vendor::Rc, Method::POST, &path, None).await;
            let Some(department) = model.departments.get_mut(&id) else {
                return expect_status(&answer, 400, case);
            };
            expect_status(&answer, 200, case);
            department.active = restore;
            // Archiving also disables; restoring does not enable again.
            department.enabled &= restore;
        }
        Op::RcDelete(d) => {
            let (id, uid) = model.department(*d);
            let path = format!("{RC}/livechat/department/{uid}");
            let answer = wire.send(Vendor::Rc, Method::DELETE, &path, None).await;
            if model.departments.remove(&id).is_none() {
                return expect_status(&answer, 400, case);
            }
            expect_status(&answer, 200, case);
        }
        Op::XmlCreate(name, refs) => {
            let agents: Option<Vec<u64>> = refs
                .as_ref()
                .map(|r| ids(r).into_iter().map(|a| a.0).collect());
            let body = xml_group_body(Some(name.text()), agents.as_deref());
            let answer = wire
                .send(Vendor::Xml, Method::POST, "/groups.xml", Some(body))
                .await;
            let agents = agents.unwrap_or_default();
            if !model.all_exist(&agents) || model.any_inactive(&agents) {
                return expect_status(&answer, 422, case);
            }
            expect_status(&answer, 201, case);
            let shown = group(&answer.xml());
            model.check_fresh_department(shown.0, case);
            let uid = new_department_uid(wire, model, case).await;
            model.add_department(shown.0, uid, name.text(), &agents);
            assert_eq!(Some(shown.clone()), model.group(shown.0, true), "{case}");
        }
        Op::XmlUpdate(d, name, refs) => {
            let (id, _) = model.department(*d);
            let agents: Option<Vec<u64>> = refs
                .as_ref()
                .map(|r| ids(r).into_iter().map(|a| a.0).collect());
            let body = xml_group_body(name.map(Name::text), agents.as_deref());
            let path = format!("/groups/{id}.xml");
            let answer = wire.send(Vendor::Xml, Method::PUT, &path, Some(body)).await;
            let Some(current) = model.departments.get(&id) else {
                return expect_status(&answer, 404, case);
            };
            let list = agents.clone().unwrap_or_default();
            if !current.active || !model.all_exist(&list) || model.any_inactive(&list) {
                return expect_status(&answer, 422, case);
            }
            expect_status(&answer, 200, case);
            let department = model.departments.get_mut(&id).unwrap();
            if let Some(name) = name {
                department.name = name.text().into();
            }
            if let Some(agents) = agents {
                department.members = agents.into_iter().collect();
            }
            assert_eq!(Some(group(&answer.xml())), model.group(id, true), "{case}");
        }
        Op::XmlDestroy(d) => {
            let (id, _) = model.department(*d);
            let path = format!("/groups/{id}.xml");
            let answer = wire.send(Vendor::Xml, Method::DELETE, &path, None).await;
            let Some(department) = model.departments.get_mut(&id) else {
                return expect_status(&answer, 404, case);
            };
            expect_status(&answer, 200, case);
            department.active = false;
            department.enabled = false;
        }
        Op::XmlCreateUser => {
            model.users_made += 1;
            let email = format!("x{}@example.com", model.users_made);
            let body =
                format!("<user><name>Xml User</name><email>{email}</email><roles>4</roles></user>");
            let answer = wire
                .send(Vendor::Xml, Method::POST, "/users.xml", Some(body))
                .await;
            expect_status(&answer, 201, case);
            let shown = user(&answer.xml());
            model.check_fresh_agent(shown.0, case);
            let agents = wire
                .get(Vendor::Rc, &format!("{RC}/livechat/users/agent?count=0"))
                .await;
            let listed = agents.json()["users"].as_array().unwrap().clone();
            let found = listed
                .iter()
                .find(|u| u["emails"][0]["address"] == email.as_str())
                .unwrap_or_else(|| panic!("{case}: {email} is no Rocket.Chat agent"));
            model.add_agent(shown.0, found["_id"].as_str().unwrap().into(), email);
            assert_eq!(
                Some(shown),
                model.user(model.seen_agents.last().unwrap().0),
                "{case}"
            );
        }
        Op::RcCreateUser => {
            model.users_made += 1;
            let n = model.users_made;
            let email = format!("r{n}@example.com");
            let body = json!({"email": email, "name": "Rc User", "username": format!("r{n}"),
                "password": "pw", "roles": ["user", "livechat-agent"]});
            let path = format!("{RC}/users.create");
            let answer = wire
                .send(Vendor::Rc, Method::POST, &path, Some(body.to_string()))
                .await;
            expect_status(&answer, 200, case);
            let uid = answer.json()["user"]["_id"].as_str().unwrap().to_owned();
            let users = wire.get(Vendor::Xml, "/users.xml").await;
            let listed = users.xml();
            let found = xml_items(&listed)
                .into_iter()
                .find(|u| xml_text(u, "email") == email)
                .unwrap_or_else(|| panic!("{case}: {email} is no XML user"));
            let id = xml_int(found, "id");
            model.check_fresh_agent(id, case);
            model.add_agent(id, uid, email);
        }
        Op::RcDeleteUser(a) => {
            let (id, uid) = model.deletable_agent(*a);
            let body = json!({"userId": uid}).to_string();
            let path = format!("{RC}/users.delete");
            let answer = wire.send(Vendor::Rc, Method::POST, &path, Some(body)).await;
            if model.agents.remove(&id).is_none() {
                return expect_status(&answer, 400, case);
            }
            expect_status(&answer, 200, case);
            model.leave_all(id);
        }
        Op::XmlDeleteUser(a) => {
            let (id, _) = model.deletable_agent(*a);
            let path = format!("/users/{id}.xml");
            let answer = wire.send(Vendor::Xml, Method::DELETE, &path, None).await;
            let Some(agent) = model.agents.get_mut(&id) else {
                return expect_status(&answer, 404, case);
            };
            expect_status(&answer, 200, case);
            agent.active = false;
            model.leave_all(id);
        }
        Op::ZopimList => compare_zopim_departments(wire, model, case).await,
        Op::ZopimAgents => compare_zopim_agents(wire, model, case).await,
        Op::ZopimShow(d) => {
            let (id, _) = model.department(*d);
            compare_zopim_department(wire, model, id, case).await;
        }
        Op::XmlGroups => compare_groups(wire, model, case).await,
        Op::XmlGroup(d) => {
            let (id, _) = model.department(*d);
            compare_group(wire, model, id, case).await;
        }
        Op::XmlUser(a) => {
            let (id, _) = model.agent(*a);
            compare_user(wire, model, id, case).await;
        }
        Op::RcList => compare_rc_departments(wire, model, case).await,
        Op::RcShow(d) => {
            let (id, uid) = model.department(*d);
            compare_rc_department(wire, model, id, &uid, case).await;
        }
        Op::RcAgentDepartments(a) => {
            let (id, uid) = model.agent(*a);
            compare_rc_agent_departments(wire, model, id, &uid, case).await;
        }
    }
}

/// The Rocket.Chat `_id` of the one department made since the reference last looked.
async fn new_department_uid(wire: &Wire, model: &Reference, case: &str) -> String {
    let list = wire
        .get(
            Vendor::Rc,
            &format!("{RC}/livechat/department?showArchived=true&count=0"),
        )
        .await
        .json();
    let known: BTreeSet<&str> = model
        .seen_departments
        .iter()
        .map(|d| d.1.as_str())
        .collect();
    let new: Vec<&str> = list["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["_id"].as_str().unwrap())
        .filter(|uid| !known.contains(uid))
        .collect();
    assert_eq!(new.len(), 1, "{case}: new Rocket.Chat departments {new:?}");
    new[0].to_owned()
}

/// The integer id of the one department made since the reference last looked.
async fn new_department_id(wire: &Wire, model: &Reference, case: &str) -> u64 {
    let groups = wire.get(Vendor::Xml, "/groups.xml").await.xml();
    let known: BTreeSet<u64> = model.seen_departments.iter().map(|d| d.0).collect();
    let new: Vec<u64> = xml_items(&groups)
        .into_iter()
        .map(|g| xml_int(g, "id"))
        .filter(|id| !known.contains(id))
        .collect();
    assert_eq!(new.len(), 1, "{case}: new XML groups {new:?}");
    model.check_fresh_department(new[0], case);
    new[0]
}

async fn compare_zopim_departments(wire: &Wire, model: &Reference, case: &str) {
    let answer = wire.get(Vendor::Zopim, &format!("{Z}/departments")).await;
    expect_status(&answer, 200, case);
    let shown: Vec<_> = answer
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(zopim_department)
        .collect();
    assert_eq!(
        shown,
        model.zopim_departments(),
        "{case}: Zopim's departments"
    );
}

async fn compare_zopim_department(wire: &Wire, model: &Reference, id: u64, case: &str) {
    let answer = wire
        .get(Vendor::Zopim, &format!("{Z}/departments/{id}"))
        .await;
    let shown = (answer.status == 200).then(|| zopim_department(&answer.json()));
    if shown.is_none() {
        expect_status(&answer, 404, case);
    }
    assert_eq!(
        shown,
        model.zopim_department(id),
        "{case}: Zopim department {id}"
    );
}

async fn compare_zopim_agents(wire: &Wire, model: &Reference, case: &str) {
    let answer = wire.get(Vendor::Zopim, &format!("{Z}/agents")).await;
    expect_status(&answer, 200, case);
    let shown: Vec<_> = answer
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(zopim_agent)
        .collect();
    assert_eq!(shown, model.zopim_agents(), "{case}: Zopim's agents");
}

async fn compare_groups(wire: &Wire, model: &Reference, case: &str) {
    let answer = wire.get(Vendor::Xml, "/groups.xml").await;
    expect_status(&answer, 200, case);
    let shown: Vec<_> = xml_items(&answer.xml()).into_iter().map(group).collect();
    assert_eq!(shown, model.groups(), "{case}: XML groups");
}

async fn compare_group(wire: &Wire, model: &Reference, id: u64, case: &str) {
    let answer = wire.get(Vendor::Xml, &format!("/groups/{id}.xml")).await;
    let shown = (answer.status == 200).then(|| group(&answer.xml()));
    if shown.is_none() {
        expect_status(&answer, 404, case);
    }
    assert_eq!(shown, model.group(id, true), "{case}: XML group {id}");
}

async fn compare_user(wire: &Wire, model: &Reference, id: u64, case: &str) {
    let answer = wire.get(Vendor::Xml, &format!("/users/{id}.xml")).await;
    let shown = (answer.status == 200).then(|| user(&answer.xml()));
    if shown.is_none() {
        expect_status(&answer, 404, case);
    }
    assert_eq!(shown, model.user(id), "{case}: XML user {id}");
}

async fn compare_rc_departments(wire: &Wire, model: &Reference, case: &str) {
    let path = format!("{RC}/livechat/department?showArchived=true&count=0");
    let answer = wire.get(Vendor::Rc, &path).await;
    expect_status(&answer, 200, case);
    let list = answer.json();
    let shown: Vec<_> = list["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(rc_department)
        .collect();
    assert_eq!(
        shown,
        model.rc_departments(),
        "{case}: Rocket.Chat's departments"
    );
}

async fn compare_rc_department(wire: &Wire, model: &Reference, id: u64, uid: &str, case: &str) {
    let answer = wire
        .get(Vendor::Rc, &format!("{RC}/livechat/department/{uid}"))
        .await;
    expect_status(&answer, 200, case);
    let reply = answer.json();
    let shown = (!reply["department"].is_null()).then(|| {
        (
            rc_department(&reply["department"]),
            rc_links(&reply["agents"]),
        )
    });
    assert_eq!(
        shown,
        model.rc_show(id),
        "{case}: Rocket.Chat department {uid}"
    );
}

async fn compare_rc_agent_departments(
    wire: &Wire,
    model: &Reference,
    id: u64,
    uid: &str,
    case: &str,
) {
    let path = format!("{RC}/livechat/agents/{uid}/departments");
    let answer = wire.get(Vendor::Rc, &path).await;
    expect_status(&answer, 200, case);
    let reply = answer.json();
    let shown: Vec<String> = reply["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["departmentId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        shown,
        model.rc_agent_departments(id),
        "{case}: Rocket.Chat agent {uid}'s departments"
    );
}

/// Every read of every facade, for every record ever made.
async fn compare_everything(wire: &Wire, model: &Reference, case: &str) {
    compare_zopim_departments(wire, model, case).await;
    compare_zopim_agents(wire, model, case).await;
    compare_groups(wire, model, case).await;
    compare_rc_departments(wire, model, case).await;
    for (id, uid) in &model.seen_departments {
        compare_zopim_department(wire, model, *id, case).await;
        compare_group(wire, model, *id, case).await;
        compare_rc_department(wire, model, *id, uid, case).await;
    }
    for (id, uid) in &model.seen_agents {
        compare_user(wire, model, *id, case).await;
        compare_rc_agent_departments(wire, model, *id, uid, case).await;
    }
    wire.check_invariants();
}

/// Runs `ops` from the default data, then compares everything.
async fn run_case(wire: &Wire, ops: &[Op]) {
    let mut model = Reference::default_data();
    // Rocket.Chat deletes departments only with this setting on (spec §3.1 #6).
    let setting = json!({"value": true}).to_string();
    let path = format!("{RC}/settings/Omnichannel_enable_department_removal");
    let answer = wire
        .send(Vendor::Rc, Method::POST, &path, Some(setting))
        .await;
    expect_status(&answer, 200, "enabling department removal");
    for (i, op) in ops.iter().enumerate() {
        step(wire, &mut model, &format!("op {i} {op:?}"), op).await;
    }
    compare_everything(wire, &model, "after the last op").await;
}

/// `PROPTEST_CASES` if set, else `default`.
fn cases(default: u32) -> u32 {
    env_number("PROPTEST_CASES").unwrap_or(default)
}

/// The number in the environment variable `var`, `None` when it is unset; panics naming `var`
/// when it holds something else, so that a mistyped count never quietly runs the default.
fn env_number<T: std::str::FromStr>(var: &str) -> Option<T> {
    let value = std::env::var(var).ok()?;
    match value.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{var}={value:?} is not a number"),
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn random_operations_from_every_facade_show_what_the_reference_model_shows_in_process() {
    let ops = prop::collection::vec(op(), 1..40);
    runner(cases(64))
        .run(&ops, |ops| {
            runtime().block_on(run_case(&Wire::in_process(), &ops));
            Ok(())
        })
        .unwrap();
}

#[test]
fn random_operations_from_every_facade_show_what_the_reference_model_shows_over_http() {
    let ops = prop::collection::vec(op(), 20..=20);
    runner((cases(64) / 4).max(1))
        .run(&ops, |ops| {
            runtime().block_on(async { run_case(&Wire::http().await, &ops).await });
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Stress: many clients of all three facades at once, for a bounded time.

/// How long the stress test runs: `DESKBRIDGE_STRESS_SECS`, else 5 s.
fn stress_duration() -> std::time::Duration {
    let secs = env_number("DESKBRIDGE_STRESS_SECS").unwrap_or(5.0_f64);
    std::time::Duration::from_secs_f64(secs)
}

/// How many clients: `DESKBRIDGE_STRESS_CLIENTS`, else 24.
fn stress_clients() -> usize {
    env_number("DESKBRIDGE_STRESS_CLIENTS").unwrap_or(24)
}

/// xorshift64*: a seeded, dependency-free generator, so a client's mix is reproducible.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A few of `items`, possibly none.
    fn some<T: Clone>(&mut self, items: &[T]) -> Vec<T> {
        let n = self.below(4);
        (0..n).map(|_| self.pick(items).clone()).collect()
    }
}

/// What every client may use: departments no client hard-deletes (but any may archive,
/// destroy or restore), and agents no client deletes.
struct Pool {
    departments: Vec<(u64, String)>,
    agents: Vec<(u64, String)>,
}

/// What the clients report back.
#[derive(Default)]
struct Tally {
    requests: usize,
    by_status: BTreeMap<u16, usize>,
    /// Answers whose status was not among the expected ones, or that contradicted themselves.
    problems: Vec<String>,
}

impl Tally {
    /// Counts an answer and checks its status; `true` when it is one of `allowed`.
    fn status(&mut self, what: &str, answer: &Answer, allowed: &[u16]) -> bool {
        self.requests += 1;
        *self.by_status.entry(answer.status).or_default() += 1;
        let ok = allowed.contains(&answer.status);
        if !ok {
            self.problem(format!(
                "{what}: status {} not in {allowed:?} (body {:?})",
                answer.status, answer.body
            ));
        }
        ok
    }

    fn problem(&mut self, text: String) {
        if self.problems.len() < 20 {
            self.problems.push(text);
        }
    }
}

/// One client: a random mix of reads and writes across the three facades until `until`.
async fn client(wire: Arc<Wire>, pool: Arc<Pool>, k: usize, until: tokio::time::Instant) -> Tally {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (k as u64 + 1).wrapping_mul(0x1000_0000_01b3));
    let mut tally = Tally::default();
    // Records this client made: departments by integer id (Zopim, XML) and by _id (Rocket.Chat),
    // and its own short-lived agents (by integer id from XML, by _id from Rocket.Chat).
    let (mut own_ids, mut own_uids) = (Vec::<u64>::new(), Vec::<String>::new());
    let (mut churn_ids, mut churn_uids) = (Vec::<u64>::new(), Vec::<String>::new());
    let mut n = 0;
    while tokio::time::Instant::now() < until {
        n += 1;
        let name = format!("c{k}-{n}");
        let ids: Vec<u64> = pool
            .departments
            .iter()
            .map(|d| d.0)
            .chain(own_ids.iter().copied())
            .collect();
        let uids: Vec<String> = pool
            .departments
            .iter()
            .map(|d| d.1.clone())
            .chain(own_uids.iter().cloned())
            .collect();
        let agent_ids: Vec<u64> = pool
            .agents
            .iter()
            .map(|a| a.0)
            .chain(churn_ids.iter().copied())
            .collect();
        let agent_uids: Vec<String> = pool
            .agents
            .iter()
            .map(|a| a.1.clone())
            .chain(churn_uids.iter().cloned())
            .collect();
        let id = *rng.pick(&ids);
        let uid = rng.pick(&uids).clone();
        match rng.below(26) {
            // Zopim.
            0 => {
                let members = rng.some(&agent_ids);
                let body = json!({"name": name, "members": members}).to_string();
                let a = wire
                    .send(
                        Vendor::Zopim,
                        Method::POST,
                        &format!("{Z}/departments"),
                        Some(body),
                    )
                    .await;
                if tally.status("Zopim create", &a, &[201]) {
                    own_ids.push(a.json()["id"].as_u64().unwrap());
                }
            }
            1 | 2 => {
                let mut members = rng.some(&agent_ids);
                let body = json!({"members": members}).to_string();
                let path = format!("{Z}/departments/{id}");
                let a = wire
                    .send(Vendor::Zopim, Method::PUT, &path, Some(body))
                    .await;
                if tally.status("Zopim members", &a, &[200, 404]) && a.status == 200 {
                    // The answer is the state right after this very write.
                    members.sort_unstable();
                    members.dedup();
                    if zopim_department(&a.json()).2 != members {
                        tally.problem(format!("Zopim PUT {id} {members:?} answered {}", a.body));
                    }
                }
            }
            3 => {
                let body = json!({"name": name}).to_string();
                let path = format!("{Z}/departments/{id}");
                let a = wire
                    .send(Vendor::Zopim, Method::PUT, &path, Some(body))
                    .await;
                tally.status("Zopim rename", &a, &[200, 404]);
            }
            4 if !own_ids.is_empty() => {
                let victim = own_ids.swap_remove(rng.below(own_ids.len()));
                let path = format!("{Z}/departments/{victim}");
                let a = wire.send(Vendor::Zopim, Method::DELETE, &path, None).await;
                tally.status("Zopim delete", &a, &[204, 404]);
            }
            5 => {
                let a = wire.get(Vendor::Zopim, &format!("{Z}/departments")).await;
                tally.status("Zopim list", &a, &[200]);
            }
            6 => {
                let a = wire
                    .get(Vendor::Zopim, &format!("{Z}/departments/{id}"))
                    .await;
                tally.status("Zopim show", &a, &[200, 404]);
            }
            7 => {
                let a = wire.get(Vendor::Zopim, &format!("{Z}/agents")).await;
                if tally.status("Zopim agents", &a, &[200]) {
                    for agent in a.json().as_array().unwrap() {
                        let all = &agent["departments"];
                        let enabled = agent["enabled_departments"].as_array().unwrap();
                        if enabled.iter().any(|d| !all.as_array().unwrap().contains(d)) {
                            tally.problem(format!("Zopim agent with enabled departments outside its departments: {agent}"));
                        }
                    }
                }
            }
            // Rocket.Chat.
            8 => {
                let agents = rc_items(&rng.some(&agent_uids));
                let body = json!({"department": {"name": name, "enabled": true,
                    "showOnRegistration": true, "showOnOfflineForm": true, "email": "s@example.com"},
                    "agents": agents});
                let path = format!("{RC}/livechat/department");
                let a = wire
                    .send(Vendor::Rc, Method::POST, &path, Some(body.to_string()))
                    .await;
                if tally.status("Rocket.Chat create", &a, &[200]) {
                    own_uids.push(a.json()["department"]["_id"].as_str().unwrap().to_owned());
                }
            }
            9..=11 => {
                let (upsert, remove) = (rng.some(&agent_uids), rng.some(&agent_uids));
                let body = json!({"upsert": rc_items(&upsert), "remove": rc_items(&remove)});
                let path = format!("{RC}/livechat/department/{uid}/agents");
                let a = wire
                    .send(Vendor::Rc, Method::POST, &path, Some(body.to_string()))
                    .await;
                if tally.status("Rocket.Chat agents", &a, &[200, 400]) && a.status == 400 {
                    let kind = a.json()["errorType"].clone();
                    if kind != "error-department-archived" && kind != "error-department-not-found" {
                        tally.problem(format!("Rocket.Chat agents on {uid}: {}", a.body));
                    }
                }
            }
            12 => {
                let verb = *rng.pick(&["archive", "unarchive", "unarchive"]);
                let path = format!("{RC}/livechat/department/{uid}/{verb}");
                let a = wire.send(Vendor::Rc, Method::POST, &path, None).await;
                tally.status("Rocket.Chat archive", &a, &[200, 400]);
            }
            13 if !own_uids.is_empty() => {
                let victim = own_uids.swap_remove(rng.below(own_uids.len()));
                let path = format!("{RC}/livechat/department/{victim}");
                let a = wire.send(Vendor::Rc, Method::DELETE, &path, None).await;
                tally.status("Rocket.Chat delete", &a, &[200, 400]);
            }
            14 | 15 => {
                let a = wire
                    .get(Vendor::Rc, &format!("{RC}/livechat/department/{uid}"))
                    .await;
                if tally.status("Rocket.Chat show", &a, &[200]) {
                    check_rc_department(&a.json(), &uid, &mut tally);
                }
            }
            16 => {
                let path = format!("{RC}/livechat/department?showArchived=true&count=0");
                let a = wire.get(Vendor::Rc, &path).await;
                tally.status("Rocket.Chat list", &a, &[200]);
            }
            17 => {
                let agent = rng.pick(&agent_uids).clone();
                let path = format!("{RC}/livechat/agents/{agent}/departments");
                let a = wire.get(Vendor::Rc, &path).await;
                if tally.status("Rocket.Chat agent departments", &a, &[200]) {
                    for link in a.json()["departments"].as_array().unwrap() {
                        if link["agentId"] != agent.as_str() {
                            tally.problem(format!("agent {agent}'s departments show {link}"));
                        }
                    }
                }
            }
            // Classic XML.
            18 => {
                let agents = rng.some(&agent_ids);
                let body = xml_group_body(Some(&name), Some(&agents));
                let a = wire
                    .send(Vendor::Xml, Method::POST, "/groups.xml", Some(body))
                    .await;
                if tally.status("XML create", &a, &[201]) {
                    own_ids.push(xml_int(&a.xml(), "id"));
                }
            }
            19 | 20 => {
                let mut agents = rng.some(&agent_ids);
                let body = xml_group_body(None, Some(&agents));
                let path = format!("/groups/{id}.xml");
                let a = wire.send(Vendor::Xml, Method::PUT, &path, Some(body)).await;
                if tally.status("XML update", &a, &[200, 404, 422]) && a.status == 200 {
                    agents.sort_unstable();
                    agents.dedup();
                    if group(&a.xml()).3 != Some(agents.clone()) {
                        tally.problem(format!("XML PUT {id} {agents:?} answered {}", a.body));
                    }
                }
            }
            21 => {
                let a = wire
                    .send(
                        Vendor::Xml,
                        Method::DELETE,
                        &format!("/groups/{id}.xml"),
                        None,
                    )
                    .await;
                tally.status("XML destroy", &a, &[200, 404]);
            }
            22 => {
                let a = wire
                    .get(Vendor::Xml, &format!("/groups/{id}/users.xml"))
                    .await;
                if tally.status("XML group users", &a, &[200, 404]) && a.status == 200 {
                    // Within one answer: every user lists the group (active) or none does.
                    let users = xml_items(&a.xml())
                        .into_iter()
                        .map(user)
                        .collect::<Vec<_>>();
                    let listing = users.iter().filter(|u| u.2.contains(&id)).count();
                    if listing != 0 && listing != users.len() {
                        tally.problem(format!("XML group {id}'s users disagree: {users:?}"));
                    }
                }
            }
            23 => {
                let a = wire.get(Vendor::Xml, &format!("/groups/{id}.xml")).await;
                tally.status("XML show", &a, &[200, 404]);
            }
            // Short-lived agents: made and deleted through XML and Rocket.Chat.
            24 => {
                if churn_ids.len() < 3 {
                    let body = format!(
                        "<user><name>Churn</name><email>{name}@example.com</email><roles>4</roles></user>"
                    );
                    let a = wire
                        .send(Vendor::Xml, Method::POST, "/users.xml", Some(body))
                        .await;
                    if tally.status("XML user create", &a, &[201]) {
                        churn_ids.push(xml_int(&a.xml(), "id"));
                    }
                } else {
                    let victim = churn_ids.swap_remove(rng.below(churn_ids.len()));
                    let a = wire
                        .send(
                            Vendor::Xml,
                            Method::DELETE,
                            &format!("/users/{victim}.xml"),
                            None,
                        )
                        .await;
                    tally.status("XML user delete", &a, &[200]);
                }
            }
            25 => {
                if churn_uids.is_empty() {
                    let body = json!({"email": format!("{name}@example.com"), "name": "Churn",
                        "username": name, "password": "pw", "roles": ["user", "livechat-agent"]});
                    let a = wire
                        .send(
                            Vendor::Rc,
                            Method::POST,
                            &format!("{RC}/users.create"),
                            Some(body.to_string()),
                        )
                        .await;
                    if tally.status("Rocket.Chat user create", &a, &[200]) {
                        churn_uids.push(a.json()["user"]["_id"].as_str().unwrap().to_owned());
                    }
                } else {
                    let victim = churn_uids.swap_remove(rng.below(churn_uids.len()));
                    let body = json!({"userId": victim}).to_string();
                    let a = wire
                        .send(
                            Vendor::Rc,
                            Method::POST,
                            &format!("{RC}/users.delete"),
                            Some(body),
                        )
                        .await;
                    tally.status("Rocket.Chat user delete", &a, &[200]);
                }
            }
            _ => {}
        }
    }
    tally
}

/// One Rocket.Chat department answer against itself: its links are its own, `numAgents` counts
/// them, and each link's `departmentEnabled` is the department's `enabled`.
fn check_rc_department(reply: &Value, uid: &str, tally: &mut Tally) {
    let department = &reply["department"];
    let links = reply["agents"].as_array().unwrap();
    if department.is_null() {
        if !links.is_empty() {
            tally.problem(format!("no department {uid}, yet links: {reply}"));
        }
        return;
    }
    let counted = department
        .get("numAgents")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let own = links
        .iter()
        .all(|l| l["departmentId"] == uid && l["departmentEnabled"] == department["enabled"]);
    if counted != links.len() as u64 || !own {
        tally.problem(format!(
            "Rocket.Chat department {uid} disagrees with itself: {reply}"
        ));
    }
}

/// Sets up the pool: three more departments per facade and six more agents.
async fn stress_pool(wire: &Wire) -> Pool {
    let setting = json!({"value": true}).to_string();
    let path = format!("{RC}/settings/Omnichannel_enable_department_removal");
    let answer = wire
        .send(Vendor::Rc, Method::POST, &path, Some(setting))
        .await;
    expect_status(&answer, 200, "enabling department removal");
    for i in 0..6 {
        let body = format!(
            "<user><name>Pool</name><email>pool{i}@example.com</email><roles>4</roles></user>"
        );
        let answer = wire
            .send(Vendor::Xml, Method::POST, "/users.xml", Some(body))
            .await;
        expect_status(&answer, 201, "a pool agent");
    }
    for i in 0..3 {
        let body = json!({"name": format!("pool-z{i}")}).to_string();
        let answer = wire
            .send(
                Vendor::Zopim,
                Method::POST,
                &format!("{Z}/departments"),
                Some(body),
            )
            .await;
        expect_status(&answer, 201, "a Zopim pool department");
        let body = xml_group_body(Some(&format!("pool-x{i}")), None);
        let answer = wire
            .send(Vendor::Xml, Method::POST, "/groups.xml", Some(body))
            .await;
        expect_status(&answer, 201, "an XML pool department");
        let body = json!({"department": {"name": format!("pool-r{i}"), "enabled": true,
            "showOnRegistration": true, "showOnOfflineForm": true, "email": "p@example.com"}});
        let path = format!("{RC}/livechat/department");
        let answer = wire
            .send(Vendor::Rc, Method::POST, &path, Some(body.to_string()))
            .await;
        expect_status(&answer, 200, "a Rocket.Chat pool department");
    }
    let state = final_state(wire).await;
    Pool {
        departments: state
            .departments
            .values()
            .map(|d| (d.id, d.uid.clone()))
            .collect(),
        agents: state
            .agents
            .iter()
            .map(|(id, a)| (*id, a.uid.clone()))
            .collect(),
    }
}

/// A department as the three facades show it at the end.
#[derive(Debug)]
struct Seen {
    id: u64,
    uid: String,
    active: bool,
    /// Zopim's members (active departments only).
    zopim: Option<Vec<u64>>,
    /// The XML group's users.
    xml: Vec<u64>,
    /// Rocket.Chat's links, as integer ids.
    rc: Vec<u64>,
}

#[derive(Debug)]
struct SeenAgent {
    uid: String,
    /// Zopim's `departments`, the XML user's `<groups>`, and the active departments among
    /// Rocket.Chat's links.
    zopim: Vec<u64>,
    xml: Vec<u64>,
    rc: Vec<u64>,
}

struct Final {
    departments: BTreeMap<u64, Seen>,
    agents: BTreeMap<u64, SeenAgent>,
}

/// Reads everything from all three facades; names tie Rocket.Chat's departments to the others'
/// (every name in the stress run is unique), emails tie the agents.
async fn final_state(wire: &Wire) -> Final {
    let ok = |a: Answer, what: &str| {
        expect_status(&a, 200, what);
        a
    };
    // Classic XML pages users by 100 (spec B5); a five-second run can make more than that.
    let mut xml_user_pages = Vec::new();
    for page in 1.. {
        let users = ok(
            wire.get(Vendor::Xml, &format!("/users.xml?page={page}"))
                .await,
            "XML users",
        )
        .xml();
        let full = xml_items(&users).len() == 100;
        xml_user_pages.push(users);
        if !full {
            break;
        }
    }
    let rc_users = ok(
        wire.get(Vendor::Rc, &format!("{RC}/livechat/users/agent?count=0"))
            .await,
        "RC agents",
    )
    .json();
    // Zopim pages agents by 100 too, forward from `since_id` (spec A4).
    let mut zopim_agents = Vec::new();
    loop {
        let since = zopim_agents
            .last()
            .map_or(0, |a: &Value| a["id"].as_u64().unwrap() + 1);
        let page = ok(
            wire.get(Vendor::Zopim, &format!("{Z}/agents?since_id={since}"))
                .await,
            "Zopim agents",
        )
        .json();
        let page = page.as_array().unwrap().clone();
        let full = page.len() == 100;
        zopim_agents.extend(page);
        if !full {
            break;
        }
    }
    let mut uid_of_email = BTreeMap::new();
    for u in rc_users["users"].as_array().unwrap() {
        let email = u["emails"][0]["address"].as_str().unwrap().to_owned();
        uid_of_email.insert(email, u["_id"].as_str().unwrap().to_owned());
    }
    let mut agents = BTreeMap::new();
    let mut id_of_uid = BTreeMap::new();
    for u in xml_user_pages.iter().flat_map(xml_items) {
        let (id, _, groups) = user(u);
        let uid = uid_of_email[&xml_text(u, "email")].clone();
        id_of_uid.insert(uid.clone(), id);
        agents.insert(
            id,
            SeenAgent {
                uid,
                zopim: Vec::new(),
                xml: groups,
                rc: Vec::new(),
            },
        );
    }
    for a in &zopim_agents {
        let (id, departments, _) = zopim_agent(a);
        agents
            .get_mut(&id)
            .expect("a Zopim agent the XML API lists")
            .zopim = departments;
    }

    let groups = ok(wire.get(Vendor::Xml, "/groups.xml").await, "XML groups").xml();
    let rc_list = ok(
        wire.get(
            Vendor::Rc,
            &format!("{RC}/livechat/department?showArchived=true&count=0"),
        )
        .await,
        "RC departments",
    )
    .json();
    let mut uid_of_name = BTreeMap::new();
    for d in rc_list["departments"].as_array().unwrap() {
        let name = d["name"].as_str().unwrap().to_owned();
        let uid = d["_id"].as_str().unwrap().to_owned();
        assert!(
            uid_of_name.insert(name.clone(), uid).is_none(),
            "two departments named {name}"
        );
    }
    let zopim: BTreeMap<u64, ZopimDepartment> = ok(
        wire.get(Vendor::Zopim, &format!("{Z}/departments")).await,
        "Zopim departments",
    )
    .json()
    .as_array()
    .unwrap()
    .iter()
    .map(|d| (d["id"].as_u64().unwrap(), zopim_department(d)))
    .collect();
    let mut departments = BTreeMap::new();
    for g in xml_items(&groups) {
        let (id, name, active, _) = group(g);
        let shown = ok(
            wire.get(Vendor::Xml, &format!("/groups/{id}.xml")).await,
            "XML group",
        )
        .xml();
        let uid = uid_of_name
            .remove(&name)
            .unwrap_or_else(|| panic!("group {name} is not in Rocket.Chat"));
        let rc = ok(
            wire.get(Vendor::Rc, &format!("{RC}/livechat/department/{uid}"))
                .await,
            "RC department",
        )
        .json();
        let rc: Vec<u64> = rc_links(&rc["agents"])
            .iter()
            .map(|u| id_of_uid[u])
            .collect();
        departments.insert(
            id,
            Seen {
                id,
                uid,
                active,
                zopim: zopim.get(&id).map(|d| d.2.clone()),
                xml: group(&shown).3.unwrap(),
                rc,
            },
        );
    }
    assert!(
        uid_of_name.is_empty(),
        "Rocket.Chat departments no group shows: {uid_of_name:?}"
    );
    let id_of_department: BTreeMap<&str, u64> = departments
        .values()
        .map(|d| (d.uid.as_str(), d.id))
        .collect();
    for agent in agents.values_mut() {
        let path = format!("{RC}/livechat/agents/{}/departments", agent.uid);
        let links = ok(wire.get(Vendor::Rc, &path).await, "RC agent departments").json();
        agent.rc = links["departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| id_of_department[l["departmentId"].as_str().unwrap()])
            .filter(|id| departments[id].active)
            .collect();
    }
    Final {
        departments,
        agents,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_of_all_three_facades_leave_one_consistent_state() {
    // Arrange
    let wire = Arc::new(Wire::http().await);
    let pool = Arc::new(stress_pool(&wire).await);
    let until = tokio::time::Instant::now() + stress_duration();
    let Wire::Http(app) = &*wire else {
        unreachable!()
    };
    let store = app.handle.store().clone();
    // An observer: every published view it catches mid-run is whole.
    let observer = tokio::spawn(async move {
        let mut views = 0usize;
        while tokio::time::Instant::now() < until {
            let view = store.view();
            if let Err(e) = view.check_invariants() {
                return Err(format!("a published view broke an invariant: {e}"));
            }
            views += 1;
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        Ok(views)
    });

    // Act
    let clients: Vec<_> = (0..stress_clients())
        .map(|k| tokio::spawn(client(Arc::clone(&wire), Arc::clone(&pool), k, until)))
        .collect();
    let mut tally = Tally::default();
    for c in clients {
        let t = c.await.expect("a client finished");
        tally.requests += t.requests;
        for (status, n) in t.by_status {
            *tally.by_status.entry(status).or_default() += n;
        }
        tally.problems.extend(t.problems);
    }
    let views = observer.await.unwrap();

    // Assert
    eprintln!(
        "stress: {} requests, by status {:?}, {views:?} views checked",
        tally.requests, tally.by_status
    );
    assert!(
        tally.problems.is_empty(),
        "{} problems, first ones:\n{}",
        tally.problems.len(),
        tally.problems.join("\n")
    );
    assert!(
        tally.by_status.keys().all(|s| *s < 500),
        "{:?}",
        tally.by_status
    );
    assert!(
        tally.requests > 100,
        "only {} requests in the run",
        tally.requests
    );
    views.unwrap();
    wire.check_invariants();
    let state = final_state(&wire).await;
    for d in state.departments.values() {
        let case = format!("department {} ({})", d.id, d.uid);
        assert_eq!(
            d.zopim.is_some(),
            d.active,
            "{case}: Zopim shows exactly the active ones"
        );
        assert_eq!(d.xml, d.rc, "{case}: XML users and Rocket.Chat links");
        if let Some(members) = &d.zopim {
            assert_eq!(members, &d.xml, "{case}: Zopim members and XML users");
        }
    }
    for (id, agent) in &state.agents {
        let expected: Vec<u64> = state
            .departments
            .values()
            .filter(|d| d.active && d.xml.contains(id))
            .map(|d| d.id)
            .collect();
        let case = format!("agent {id} ({})", agent.uid);
        assert_eq!(agent.zopim, expected, "{case}: Zopim departments");
        assert_eq!(agent.xml, expected, "{case}: XML groups");
        assert_eq!(
            agent.rc, expected,
            "{case}: Rocket.Chat's links to active departments"
        );
    }
}
