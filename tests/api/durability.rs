//! Durable state with `--data-dir`: a restart keeps every acknowledged write, secrets reach the
//! disk only hashed, a disk that refuses a write gets each vendor's 500 and changes nothing, a
//! damaged journal stops start-up naming the file and offset, and the real binary loses no
//! acknowledged write when it is SIGKILLed mid-load, again and again.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deskbridge::config::Config;
use deskbridge::persist::{self, FaultSwitch};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_TOKEN, AGENT_TOKEN, RC_AGENT_ID, Rc, TestApp, ZD_ADMIN, ZD_ADMIN_API_TOKEN,
    spawn_app_with,
};

const XML: &str = "application/xml; charset=utf-8";

/// The configuration change that keeps the state in `dir`.
fn durable(dir: &Path, faults: &FaultSwitch) -> impl FnOnce(&mut Config) + use<> {
    let options = persist::Options {
        faults: faults.clone(),
        ..persist::Options::new(dir)
    };
    move |config| config.durability = Some(options)
}

async fn spawn_durable(dir: &Path) -> TestApp {
    spawn_app_with(durable(dir, &FaultSwitch::default())).await
}

/// The `<id type="integer">` of a classic XML record.
fn xml_id(body: &str) -> u64 {
    let start = body.find("<id type=\"integer\">").expect("an id") + 19;
    body[start..]
        .split('<')
        .next()
        .unwrap()
        .parse()
        .expect("an integer id")
}

/// Groups and users as the classic XML API shows them (without the store's version, which a
/// restart resets).
async fn zendesk_view(app: &TestApp) -> (String, String) {
    let (groups, users, _) = app.zendesk_snapshot().await;
    (groups, users)
}

#[tokio::test]
async fn a_restart_on_the_same_directory_keeps_every_acknowledged_write_from_every_facade() {
    // Arrange: writes through all three facades, then a graceful stop.
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_durable(dir.path()).await;
    let created = app
        .zopim()
        .post(
            "/departments",
            r#"{"name": "Durable Zopim", "members": [1, 2]}"#,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let zopim_id = created.json()["id"].as_u64().unwrap();
    let updated = app
        .zopim()
        .put(
            &format!("/departments/{zopim_id}"),
            r#"{"description": "kept", "members": [2]}"#,
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    let rc = app.rc().await;
    let rc_department = rc
        .create_department(Some(json!([{"agentId": RC_AGENT_ID}])), "Durable RC", true)
        .await;
    let rc_id = rc_department["_id"].as_str().unwrap().to_owned();
    let (token, user_id) = (rc.token.clone(), rc.user_id.clone());
    let group = app
        .zendesk()
        .post(
            "/groups.xml",
            "<group><name>Durable XML</name><agents type=\"array\"><agent type=\"integer\">3</agent></agents></group>",
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.body);
    let group_id = xml_id(&group.body);
    let destroyed = app.zendesk().delete("/groups/3.xml").await;
    assert_eq!(destroyed.status, StatusCode::OK);
    let zopim_before = app.zopim_snapshot().await;
    let zendesk_before = zendesk_view(&app).await;
    let rc_before = rc.get(&format!("livechat/department/{rc_id}")).await;
    app.handle.shutdown().await;

    // Act
    let app = spawn_durable(dir.path()).await;

    // Assert: everything reads back the same, the Rocket.Chat session included.
    assert_eq!(app.zopim_snapshot().await, zopim_before);
    assert_eq!(zendesk_view(&app).await, zendesk_before);
    let rc = Rc {
        app: &app,
        token,
        user_id,
    };
    let rc_after = rc.get(&format!("livechat/department/{rc_id}")).await;
    assert_eq!(rc_after.status, StatusCode::OK, "{}", rc_after.body);
    assert_eq!(rc_after.body, rc_before.body);
    app.assert_invariants();
    // No id is reused: the next department comes after every one made before the restart.
    let next = app
        .zopim()
        .post("/departments", r#"{"name": "After restart"}"#)
        .await;
    assert_eq!(next.json()["id"].as_u64(), Some(group_id + 1));
    assert!(group_id > zopim_id);
}

/// Every file of the data directory, concatenated.
fn disk_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn passwords_and_tokens_reach_the_disk_only_as_hashes_and_digests() {
    // Arrange: a small compaction size, so that snapshots (not only the journal) hold it all.
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_with(|c| {
        c.durability = Some(persist::Options {
            compact_bytes: 1024,
            ..persist::Options::new(dir.path())
        })
    })
    .await;
    let rc = app.rc().await;
    let user = app
        .zendesk()
        .post(
            "/users.xml",
            "<user><name>Pat Secret</name><email>pat@example.com</email><password>pat-clear-password</password></user>",
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.body);
    for i in 0..20 {
        let body = format!(
            r#"{{"name": "Filler {i}", "description": "{}"}}"#,
            "x".repeat(100)
        );
        app.zopim().post("/departments", &body).await;
    }
    let session = rc.token.clone();
    app.handle.shutdown().await;

    // Act
    let bytes = disk_bytes(dir.path());

    // Assert: no clear secret; the tokens are there as SHA-256 digests and passwords as PHC.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("snapshot-") && n != "snapshot-00000000000000000000.snap"),
        "never compacted: {names:?}"
    );
    for secret in [
        ADMIN_TOKEN,
        AGENT_TOKEN,
        ZD_ADMIN_API_TOKEN,
        session.as_str(),
        "pat-clear-password",
    ] {
        assert!(
            !contains(&bytes, secret),
            "{secret} is on disk in the clear"
        );
    }
    let digest = hex::encode(deskbridge::auth::token_digest(ADMIN_TOKEN).0);
    assert!(
        contains(&bytes, &digest),
        "the admin token's digest is missing"
    );
    let text = String::from_utf8_lossy(&bytes);
    let passwords: Vec<&str> = text
        .match_indices("\"password\":")
        .map(|(at, key)| &text[at + key.len()..at + key.len() + 11])
        .collect();
    assert!(passwords.len() >= 3, "{passwords:?}");
    for password in passwords {
        assert!(
            password == "null,\"token" || password.starts_with("\"$argon2id$"),
            "a password not stored as a PHC hash: {password}"
        );
    }
}

#[tokio::test]
async fn a_write_the_disk_refuses_gets_each_vendors_500_and_changes_nothing() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let faults = FaultSwitch::default();
    let app = spawn_app_with(durable(dir.path(), &faults)).await;
    let rc = app.rc().await;
    let zopim_before = app.zopim_snapshot().await;
    let zendesk_before = app.zendesk_snapshot().await;

    // Act: one write per facade while the disk refuses them.
    faults.fail_writes(true);
    let zopim = app
        .zopim()
        .post("/departments", r#"{"name": "Refused", "members": [1]}"#)
        .await;
    let rocketchat = rc
        .post(
            "livechat/department",
            json!({"department": {"name": "Refused", "enabled": true, "showOnOfflineForm": true,
                   "showOnRegistration": true, "email": "a@b.com"}}),
        )
        .await;
    let zendesk = app
        .zendesk()
        .post("/groups.xml", "<group><name>Refused</name></group>")
        .await;
    let support = app
        .send(
            app.client
                .post(app.url("/api/v2/group_memberships.json"))
                .basic_auth(format!("{}/token", ZD_ADMIN.0), Some(ZD_ADMIN_API_TOKEN))
                .header("Content-Type", "application/json")
                .body(r#"{"group_membership": {"user_id": 1, "group_id": 3}}"#),
        )
        .await;
    faults.fail_writes(false);

    // Assert: the vendors' opaque 500s, and nothing changed.
    assert_eq!(zopim.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(zopim.content_type(), Some("application/json"));
    assert_eq!(
        zopim.body,
        r#"{"error":"Internal Server Error","description":"The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application."}"#
    );
    assert_eq!(rocketchat.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        rocketchat.body,
        r#"{"success":false,"error":"Internal server error"}"#
    );
    assert_eq!(zendesk.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(zendesk.content_type(), Some(XML));
    assert_eq!(
        zendesk.body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>Internal server error</error>\n"
    );
    assert_eq!(support.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        support.content_type(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        support.body,
        r#"{"error":"InternalServerError","description":"Internal server error"}"#
    );
    assert_eq!(app.zopim_snapshot().await, zopim_before);
    assert_eq!(app.zendesk_snapshot().await, zendesk_before);
    app.assert_invariants();

    // And once the disk takes writes again, they work and survive a restart.
    let created = app
        .zopim()
        .post("/departments", r#"{"name": "Accepted", "members": [1]}"#)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let expected = app.zopim_snapshot().await;
    app.handle.shutdown().await;
    let app = spawn_durable(dir.path()).await;
    assert_eq!(app.zopim_snapshot().await, expected);
}

/// A Support API request as the administrator (API token).
async fn support(app: &TestApp, method: reqwest::Method, path: &str, body: Option<&str>) -> Value {
    let mut request = app
        .client
        .request(method, app.url(path))
        .basic_auth(format!("{}/token", ZD_ADMIN.0), Some(ZD_ADMIN_API_TOKEN));
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_owned());
    }
    let reply = app.send(request).await;
    assert!(
        reply.status.is_success(),
        "{path}: {} {}",
        reply.status,
        reply.body
    );
    if reply.body.is_empty() {
        Value::Null
    } else {
        reply.json()
    }
}

#[tokio::test]
async fn membership_ids_and_defaults_made_through_support_survive_a_restart() {
    // Arrange: a membership made, another made the default, one deleted; then a stop.
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_durable(dir.path()).await;
    let post = reqwest::Method::POST;
    support(
        &app,
        post.clone(),
        "/api/v2/group_memberships",
        Some(r#"{"group_membership": {"user_id": 1, "group_id": 3}}"#),
    )
    .await;
    support(
        &app,
        reqwest::Method::PUT,
        "/api/v2/users/3/group_memberships/5/make_default",
        None,
    )
    .await;
    support(
        &app,
        reqwest::Method::DELETE,
        "/api/v2/group_memberships/2",
        None,
    )
    .await;
    // The records' urls name the port, which a restart changes.
    let memberships = |app: &TestApp, body: Value| body.to_string().replace(&app.url(""), "BASE");
    let get = reqwest::Method::GET;
    let listed = support(&app, get.clone(), "/api/v2/group_memberships", None).await;
    let before = memberships(&app, listed);
    app.handle.shutdown().await;

    // Act
    let app = spawn_durable(dir.path()).await;

    // Assert: the same memberships, ids and defaults; the next id is never one used before.
    let listed = support(&app, get, "/api/v2/group_memberships", None).await;
    assert_eq!(memberships(&app, listed), before);
    let next = support(
        &app,
        post,
        "/api/v2/group_memberships",
        Some(r#"{"group_membership": {"user_id": 2, "group_id": 1}}"#),
    )
    .await;
    assert_eq!(next["group_membership"]["id"], 7);
    app.assert_invariants();
}

// ---------------------------------------------------------------------------------------------
// The real binary.

pub(crate) fn deskbridge() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deskbridge"));
    command.env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("DESKBRIDGE_") {
            command.env_remove(key);
        }
    }
    command
}

/// A gateway child process, SIGKILLed when dropped (a failing test leaves none behind).
pub(crate) struct Gateway {
    child: Child,
    pub(crate) base: String,
}

impl Gateway {
    pub(crate) fn start(dir: &Path) -> Gateway {
        let mut child = deskbridge()
            .args([
                "--listen",
                "127.0.0.1:0",
                "--compact-bytes",
                "65536",
                "--data-dir",
            ])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the address, then keeps draining the log so that the child never blocks on a
        // full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("addr=").nth(1) {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_owned());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the gateway logs its address");
        Gateway {
            child,
            base: format!("http://{addr}"),
        }
    }

    /// SIGKILL: no shutdown, no flush.
    pub(crate) fn kill(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every write that got a success answer, across all rounds.
#[derive(Clone, Default)]
struct Acked {
    /// Department id -> name, from Zopim and classic XML creates.
    by_id: BTreeMap<u64, String>,
    /// Rocket.Chat `_id` -> name.
    by_uid: BTreeMap<String, String>,
    /// Department id -> the highest description version acknowledged.
    descriptions: HashMap<u64, u64>,
    writes: usize,
}

impl Acked {
    fn created(&mut self, id: u64, name: String) {
        if let Some(other) = self.by_id.insert(id, name.clone()) {
            panic!("id {id} was given to {other:?} and again to {name:?}");
        }
        self.writes += 1;
    }
}

type Shared = Arc<Mutex<Acked>>;

/// `request`'s answer when it comes with `status`; `None` once the gateway stops answering (or
/// answers anything else), which ends a load.
async fn answered(
    request: reqwest::RequestBuilder,
    status: StatusCode,
) -> Option<reqwest::Response> {
    let reply = request.send().await.ok()?;
    (reply.status() == status).then_some(reply)
}

/// Creates Zopim departments with members and updates each one's description, until the
/// gateway stops answering.
async fn zopim_load(
    client: reqwest::Client,
    base: String,
    acked: Shared,
    tag: String,
) -> Option<()> {
    let url = |path: &str| format!("{base}/api/v2{path}");
    for i in 0.. {
        let name = format!("{tag}-{i}");
        let body = json!({"name": name, "members": [1 + i % 3, 2]});
        let request = client
            .post(url("/departments"))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body);
        let created: Value = answered(request, StatusCode::CREATED)
            .await?
            .json()
            .await
            .ok()?;
        let id = created["id"].as_u64().unwrap();
        acked.lock().unwrap().created(id, name);
        for version in 1..=2 {
            let body = json!({"description": format!("v{version}"), "members": [2]});
            let path = format!("/departments/{id}");
            let request = client.put(url(&path)).bearer_auth(ADMIN_TOKEN).json(&body);
            answered(request, StatusCode::OK).await?;
            let mut acked = acked.lock().unwrap();
            acked.descriptions.insert(id, version);
            acked.writes += 1;
        }
    }
    None
}

/// Logs in to Rocket.Chat and creates departments until the gateway stops answering.
async fn rocketchat_load(
    client: reqwest::Client,
    base: String,
    acked: Shared,
    tag: String,
) -> Option<()> {
    let request = client
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"user": "admin", "password": "admin"}));
    let login: Value = request.send().await.ok()?.json().await.ok()?;
    let token = login["data"]["authToken"].as_str()?;
    let user = login["data"]["userId"].as_str()?;
    for i in 0.. {
        let name = format!("{tag}-{i}");
        let body = json!({"department": {"name": name, "enabled": true, "showOnOfflineForm": true,
                          "showOnRegistration": true, "email": "a@b.com"}});
        let request = client
            .post(format!("{base}/api/v1/livechat/department"))
            .header("X-Auth-Token", token)
            .header("X-User-Id", user)
            .json(&body);
        let created: Value = answered(request, StatusCode::OK).await?.json().await.ok()?;
        let uid = created["department"]["_id"].as_str().unwrap().to_owned();
        let mut acked = acked.lock().unwrap();
        acked.by_uid.insert(uid, name);
        acked.writes += 1;
    }
    None
}

/// Creates classic XML groups with an agent until the gateway stops answering.
async fn zendesk_load(
    client: reqwest::Client,
    base: String,
    acked: Shared,
    tag: String,
) -> Option<()> {
    for i in 0.. {
        let name = format!("{tag}-{i}");
        let body = format!(
            "<group><name>{name}</name><agents type=\"array\"><agent type=\"integer\">{}</agent></agents></group>",
            1 + i % 3
        );
        let request = client
            .post(format!("{base}/groups.xml"))
            .basic_auth(ZD_ADMIN.0, Some(ZD_ADMIN.1))
            .header("content-type", "application/xml")
            .body(body);
        let text = answered(request, StatusCode::CREATED)
            .await?
            .text()
            .await
            .ok()?;
        acked.lock().unwrap().created(xml_id(&text), name);
    }
    None
}

/// Checks, through the APIs, that every acknowledged write is there, that no id was given to
/// two departments, and that members and agents' departments agree.
async fn verify(client: &reqwest::Client, base: &str, acked: &Acked) {
    let get = |path: String| {
        client
            .get(format!("{base}{path}"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
    };
    let departments: Vec<Value> = get("/api/v2/departments".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let agents: Vec<Value> = get("/api/v2/agents".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let by_id: BTreeMap<u64, &Value> = departments
        .iter()
        .map(|d| (d["id"].as_u64().unwrap(), d))
        .collect();
    assert_eq!(by_id.len(), departments.len(), "an id listed twice");

    for (id, name) in &acked.by_id {
        let department = by_id
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged department {id} ({name}) is lost"));
        assert_eq!(department["name"], json!(name), "department {id}");
    }
    for (id, version) in &acked.descriptions {
        let description = by_id[id]["description"].as_str().unwrap();
        let seen: u64 = description.trim_start_matches('v').parse().unwrap();
        assert!(
            seen >= *version,
            "department {id}: {description} after v{version} was acknowledged"
        );
    }
    let names: HashMap<&str, usize> = departments.iter().fold(HashMap::new(), |mut m, d| {
        *m.entry(d["name"].as_str().unwrap()).or_default() += 1;
        m
    });
    let login: Value = client
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"user": "admin", "password": "admin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (token, user) = (&login["data"]["authToken"], &login["data"]["userId"]);
    for (uid, name) in &acked.by_uid {
        assert_eq!(
            names.get(name.as_str()),
            Some(&1),
            "Rocket.Chat department {name}"
        );
        let shown: Value = client
            .get(format!("{base}/api/v1/livechat/department/{uid}"))
            .header("X-Auth-Token", token.as_str().unwrap())
            .header("X-User-Id", user.as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            shown["department"]["name"],
            json!(name),
            "Rocket.Chat department {uid}"
        );
    }
    // Both membership directions agree.
    for agent in &agents {
        let agent_id = agent["id"].as_u64().unwrap();
        for department in agent["departments"].as_array().unwrap() {
            let department = by_id[&department.as_u64().unwrap()];
            assert!(
                department["members"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(agent_id)),
                "agent {agent_id} lists department {} which does not list it",
                department["id"]
            );
        }
    }
    for department in &departments {
        for member in department["members"].as_array().unwrap() {
            let agent = agents
                .iter()
                .find(|a| a["id"] == *member)
                .unwrap_or_else(|| panic!("member {member} is no agent"));
            assert!(
                agent["departments"]
                    .as_array()
                    .unwrap()
                    .contains(&department["id"]),
                "department {} lists agent {member} which does not list it",
                department["id"]
            );
        }
    }
    // The three default departments plus at least every acknowledged create.
    assert!(departments.len() >= 3 + acked.by_id.len() + acked.by_uid.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_sigkilled_mid_load_again_and_again_loses_no_acknowledged_write() {
    const ROUNDS: usize = 5;
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let acked: Shared = Arc::default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut per_round = Vec::new();

    for round in 0..ROUNDS {
        // Arrange: a (re)start on the same directory, checked before new load.
        let mut gateway = Gateway::start(dir.path());
        let so_far = acked.lock().unwrap().clone();
        verify(&client, &gateway.base, &so_far).await;
        let before = acked.lock().unwrap().writes;

        // Act: two writers per facade, and a SIGKILL while they run.
        let mut load = Vec::new();
        for w in 0..2 {
            let (c, b, a) = (client.clone(), gateway.base.clone(), Arc::clone(&acked));
            load.push(tokio::spawn(zopim_load(c, b, a, format!("z{round}.{w}"))));
            let (c, b, a) = (client.clone(), gateway.base.clone(), Arc::clone(&acked));
            load.push(tokio::spawn(rocketchat_load(
                c,
                b,
                a,
                format!("rc{round}.{w}"),
            )));
            let (c, b, a) = (client.clone(), gateway.base.clone(), Arc::clone(&acked));
            load.push(tokio::spawn(zendesk_load(
                c,
                b,
                a,
                format!("zd{round}.{w}"),
            )));
        }
        // Killed once the load is surely under way (the machine may be busy with other tests),
        // at a point that moves from round to round.
        let deadline = Instant::now() + Duration::from_secs(15);
        while acked.lock().unwrap().writes - before < 20 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(40 * round as u64)).await;
        gateway.kill();
        for task in load {
            task.await.unwrap();
        }
        per_round.push(acked.lock().unwrap().writes - before);
    }

    // Assert: a last restart has everything; so has the directory read in-process, where the
    // store's own invariant check can run.
    let gateway = Gateway::start(dir.path());
    let all = acked.lock().unwrap().clone();
    verify(&client, &gateway.base, &all).await;
    drop(gateway);
    let store = persist::open(&persist::Options::new(dir.path()), || {
        Err::<deskbridge::model::State, _>("the directory holds a state")
    })
    .unwrap();
    let view = store.view();
    view.check_invariants().unwrap();
    let acked = acked.lock().unwrap();
    for (id, name) in &acked.by_id {
        let department = view
            .department(deskbridge::model::DepartmentId(*id))
            .unwrap();
        assert_eq!(department.name.as_str(), name);
    }
    for (uid, name) in &acked.by_uid {
        let uid = deskbridge::model::ObjectId::parse(uid).unwrap();
        assert_eq!(view.department_by_uid(&uid).unwrap().name.as_str(), name);
    }
    assert!(
        per_round.iter().all(|n| *n > 0),
        "a round acknowledged no write: {per_round:?}"
    );
    eprintln!(
        "crash test: {ROUNDS} SIGKILLs, acknowledged writes per round {per_round:?}, {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_journal_damaged_before_its_end_stops_the_binary_naming_the_file_and_offset() {
    // Arrange: a data directory with a few writes, then a bad record followed by a good one.
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_durable(dir.path()).await;
    app.zopim().post("/departments", r#"{"name": "One"}"#).await;
    app.handle.shutdown().await;
    let journal = dir.path().join("journal-00000000000000000001.log");
    let mut bytes = std::fs::read(&journal).unwrap();
    let damaged_at = bytes.len();
    bytes.extend_from_slice(&[5, 0, 0, 0, 0, 0, 0, 0]);
    bytes.extend_from_slice(b"hello");
    let payload = b"{}";
    bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    std::fs::write(&journal, &bytes).unwrap();

    // Act
    let out = deskbridge()
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();

    // Assert: start-up stops, says where, and leaves the file as it was.
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "{} is corrupt at byte {damaged_at}: a record failing its checksum, followed by a whole record at byte {}",
        journal.display(),
        damaged_at + 13
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert_eq!(std::fs::read(&journal).unwrap(), bytes);
}
