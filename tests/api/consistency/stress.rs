//! Stress: many clients of all three facades at once, for a bounded time.

use super::*;

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
                    // Archived departments take agents (`saveDepartmentAgents`): only a
                    // department deleted meanwhile is refused.
                    if kind != "error-department-not-found" {
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
