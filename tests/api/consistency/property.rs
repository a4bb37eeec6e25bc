//! Operations, as the facades' clients issue them, and the property tests that run random
//! sequences of them against the reference.

use super::*;

/// A department among those made so far (deleted ones too), or one that never existed.
#[derive(Debug, Clone, Copy)]
pub(super) struct DeptRef(pub(super) u8);
/// A user among those made so far (deleted ones too), or one that never existed.
#[derive(Debug, Clone, Copy)]
pub(super) struct AgentRef(pub(super) u8);
/// One of [`NAMES`]: few, so that they collide.
#[derive(Debug, Clone, Copy)]
pub(super) struct Name(pub(super) u8);

impl Name {
    pub(super) fn text(self) -> &'static str {
        NAMES[self.0 as usize % NAMES.len()]
    }
}

#[derive(Debug, Clone)]
pub(super) enum Op {
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

pub(super) fn op() -> impl Strategy<Value = Op> {
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

pub(super) const Z: &str = "/api/v2/chat";
pub(super) const RC: &str = "/api/v1";

/// Runs one operation against the wire and the reference, and compares what they show.
pub(super) async fn step(wire: &Wire, model: &mut Reference, case: &str, op: &Op) {
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
                let members: BTreeSet<u64> = members.into_iter().collect();
                department.links_changed |= members != department.members;
                department.members = members;
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
            // Archived departments take agents too (`saveDepartmentAgents`, departmentsLib.ts).
            if !model.departments.contains_key(&id) {
                return expect_status(&answer, 400, case);
            }
            expect_status(&answer, 200, case);
            let known = |a: &&(u64, String)| model.agents.contains_key(&a.0);
            let up: BTreeSet<u64> = upsert.iter().filter(known).map(|a| a.0).collect();
            let out: BTreeSet<u64> = remove.iter().filter(known).map(|a| a.0).collect();
            let department = model.departments.get_mut(&id).unwrap();
            department.links_changed |=
                !up.is_empty() || department.members.iter().any(|a| out.contains(a));
            let members = &mut department.members;
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
                let members: BTreeSet<u64> = agents.into_iter().collect();
                department.links_changed |= members != department.members;
                department.members = members;
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
pub(super) async fn new_department_uid(wire: &Wire, model: &Reference, case: &str) -> String {
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
pub(super) async fn new_department_id(wire: &Wire, model: &Reference, case: &str) -> u64 {
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

pub(super) async fn compare_zopim_departments(wire: &Wire, model: &Reference, case: &str) {
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

pub(super) async fn compare_zopim_department(wire: &Wire, model: &Reference, id: u64, case: &str) {
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

pub(super) async fn compare_zopim_agents(wire: &Wire, model: &Reference, case: &str) {
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

pub(super) async fn compare_groups(wire: &Wire, model: &Reference, case: &str) {
    let answer = wire.get(Vendor::Xml, "/groups.xml").await;
    expect_status(&answer, 200, case);
    let shown: Vec<_> = xml_items(&answer.xml()).into_iter().map(group).collect();
    assert_eq!(shown, model.groups(), "{case}: XML groups");
}

pub(super) async fn compare_group(wire: &Wire, model: &Reference, id: u64, case: &str) {
    let answer = wire.get(Vendor::Xml, &format!("/groups/{id}.xml")).await;
    let shown = (answer.status == 200).then(|| group(&answer.xml()));
    if shown.is_none() {
        expect_status(&answer, 404, case);
    }
    assert_eq!(shown, model.group(id, true), "{case}: XML group {id}");
}

pub(super) async fn compare_user(wire: &Wire, model: &Reference, id: u64, case: &str) {
    let answer = wire.get(Vendor::Xml, &format!("/users/{id}.xml")).await;
    let shown = (answer.status == 200).then(|| user(&answer.xml()));
    if shown.is_none() {
        expect_status(&answer, 404, case);
    }
    assert_eq!(shown, model.user(id), "{case}: XML user {id}");
}

pub(super) async fn compare_rc_departments(wire: &Wire, model: &Reference, case: &str) {
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

pub(super) async fn compare_rc_department(
    wire: &Wire,
    model: &Reference,
    id: u64,
    uid: &str,
    case: &str,
) {
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

pub(super) async fn compare_rc_agent_departments(
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
pub(super) async fn compare_everything(wire: &Wire, model: &Reference, case: &str) {
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
pub(super) async fn run_case(wire: &Wire, ops: &[Op]) {
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
pub(super) fn cases(default: u32) -> u32 {
    env_number("PROPTEST_CASES").unwrap_or(default)
}

/// The number in the environment variable `var`, `None` when it is unset; panics naming `var`
/// when it holds something else, so that a mistyped count never quietly runs the default.
pub(super) fn env_number<T: std::str::FromStr>(var: &str) -> Option<T> {
    let value = std::env::var(var).ok()?;
    match value.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{var}={value:?} is not a number"),
    }
}

pub(super) fn runner(cases: u32) -> TestRunner {
    TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    })
}

pub(super) fn runtime() -> tokio::runtime::Runtime {
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
