//! Tenants with `--data-dir`: a restart brings every tenant back exactly (records, version,
//! origin, creation time, named snapshots, base), its files are private (`0600` in `0700`), a
//! data directory others can write stops the binary, and the real binary SIGKILLed during a
//! storm of creates, forks, writes, snapshots, restores and deletes loses nothing acknowledged
//! and leaves no half-made tenant (`storm.rs`).

mod storm;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use deskbridge::persist;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::durability::deskbridge;
use crate::helpers::{ADMIN_TOKEN, ZD_ADMIN, spawn_app_with};

async fn spawn_durable(dir: &Path) -> TestApp {
    let options = persist::Options::new(dir);
    spawn_app_with(move |c| c.durability = Some(options)).await
}

/// `/t/{name}`, or nothing for `default`.
fn mount(tenant: &str) -> String {
    if tenant == "default" {
        String::new()
    } else {
        format!("/t/{tenant}")
    }
}

/// A request in `tenant`.
fn in_tenant(app: &TestApp, tenant: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(&format!("{}{path}", mount(tenant))))
}

/// A Rocket.Chat session in `tenant`: (token, user id).
async fn rc_login(app: &TestApp, tenant: &str) -> (String, String) {
    let login = app
        .send(
            in_tenant(app, tenant, Method::POST, "/api/v1/login")
                .json(&json!({"user": "admin", "password": "admin"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let data = &login.json()["data"];
    (
        data["authToken"].as_str().unwrap().to_owned(),
        data["userId"].as_str().unwrap().to_owned(),
    )
}

/// One write through each facade in `tenant`.
async fn write_everywhere(app: &TestApp, tenant: &str, session: &(String, String), tag: &str) {
    let zopim = app
        .send(
            in_tenant(app, tenant, Method::POST, "/api/v2/chat/departments")
                .bearer_auth(ADMIN_TOKEN)
                .json(&json!({"name": format!("Zopim {tag}"), "members": [1, 2]})),
        )
        .await;
    assert_eq!(zopim.status, StatusCode::CREATED, "{}", zopim.body);
    let rocketchat = app
        .send(
            in_tenant(app, tenant, Method::POST, "/api/v1/livechat/department")
                .header("X-Auth-Token", &session.0)
                .header("X-User-Id", &session.1)
                .json(&json!({"department": {"name": format!("Rocket.Chat {tag}"), "enabled": true,
                               "showOnRegistration": true, "showOnOfflineForm": true, "email": "a@b.c"}})),
        )
        .await;
    assert_eq!(rocketchat.status, StatusCode::OK, "{}", rocketchat.body);
    let classic = app
        .send(
            in_tenant(app, tenant, Method::POST, "/groups.xml")
                .basic_auth(ZD_ADMIN.0, Some(ZD_ADMIN.1))
                .header("Content-Type", "application/xml")
                .body(format!("<group><name>Classic {tag}</name><agents type=\"array\"><agent type=\"integer\">3</agent></agents></group>")),
        )
        .await;
    assert_eq!(classic.status, StatusCode::CREATED, "{}", classic.body);
}

/// Everything a tenant shows: the control plane's view of it and of its snapshots, and its
/// records through each facade, whole.
async fn everything(app: &TestApp, tenant: &str, session: &(String, String)) -> Value {
    let shown = call(app, Method::GET, &format!("/_gateway/tenants/{tenant}")).await;
    let snapshots = call(
        app,
        Method::GET,
        &format!("/_gateway/tenants/{tenant}/snapshots"),
    )
    .await;
    // The base URLs name the port, which a restart changes.
    let body = |reply: Reply| {
        assert_eq!(reply.status, StatusCode::OK, "{tenant}: {}", reply.body);
        Value::String(reply.body.replace(&app.base, "http://BASE"))
    };
    let mut all = json!({ "tenant": body(shown), "snapshots": body(snapshots) });
    for path in ["/api/v2/chat/departments", "/api/v2/chat/agents"] {
        let reply = app
            .send(in_tenant(app, tenant, Method::GET, path).bearer_auth(ADMIN_TOKEN))
            .await;
        all[path] = body(reply);
    }
    for path in ["/groups.xml", "/users.xml"] {
        let reply = app
            .send(
                in_tenant(app, tenant, Method::GET, path).basic_auth(ZD_ADMIN.0, Some(ZD_ADMIN.1)),
            )
            .await;
        all[path] = body(reply);
    }
    let reply = app
        .send(
            in_tenant(app, tenant, Method::GET, "/api/v1/livechat/department")
                .header("X-Auth-Token", &session.0)
                .header("X-User-Id", &session.1),
        )
        .await;
    all["rocketchat"] = body(reply);
    all
}

/// Every tenant's [`everything`], by name, and the list the control plane shows.
async fn whole_gateway(app: &TestApp, sessions: &BTreeMap<&str, (String, String)>) -> Value {
    let list = call(app, Method::GET, "/_gateway/tenants").await;
    let list = list.body.replace(&app.base, "http://BASE");
    let mut all = json!({ "list": serde_json::from_str::<Value>(&list).unwrap() });
    for (tenant, session) in sessions {
        all[*tenant] = everything(app, tenant, session).await;
    }
    all
}

/// Asserts two [`whole_gateway`]s are equal, naming the first part that differs.
fn assert_same(after: &Value, before: &Value) {
    for (key, part) in before.as_object().unwrap() {
        if let Some(parts) = part.as_object() {
            for (inner, value) in parts {
                assert_eq!(&after[key][inner], value, "{key} {inner}");
            }
        }
        assert_eq!(&after[key], part, "{key}");
    }
    assert_eq!(after, before);
}

/// The mode bits of every file and directory under `dir` (not itself: the test made it), by
/// path.
fn modes(dir: &Path) -> Vec<(String, bool, u32)> {
    let mut found = Vec::new();
    let mut stack: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        found.push((
            path.display().to_string(),
            meta.is_dir(),
            meta.permissions().mode() & 0o777,
        ));
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
        }
    }
    found
}

/// Asserts every file under `dir` is `0600` and every directory `0700`.
pub(super) fn assert_private(dir: &Path) {
    assert!(modes(dir).len() > 4, "nothing to check");
    for (path, is_dir, mode) in modes(dir) {
        let wanted = if is_dir { 0o700 } else { 0o600 };
        assert_eq!(mode, wanted, "{path} is {mode:04o}");
    }
}

async fn snapshot(app: &TestApp, tenant: &str, name: &str) {
    let reply = call_with(
        app,
        Method::POST,
        &format!("/_gateway/tenants/{tenant}/snapshots"),
        json!({ "name": name }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

async fn ok(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Reply {
    let reply = match body {
        Some(body) => call_with(app, method, path, body).await,
        None => call(app, method, path).await,
    };
    assert!(reply.status.is_success(), "{path}: {}", reply.body);
    reply
}

#[tokio::test]
async fn a_restart_brings_back_every_tenant_exactly_with_its_snapshots_and_its_base() {
    // Arrange: tenants of every origin, written through every facade, with snapshots, a
    // restore, a reset and a delete among them.
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_durable(dir.path()).await;
    let mut sessions = BTreeMap::new();
    sessions.insert("default", rc_login(&app, "default").await);
    write_everywhere(&app, "default", &sessions["default"], "in default").await;
    snapshot(&app, "default", "first").await;

    create_ok(&app, "acme", json!({"fixtures": true})).await;
    sessions.insert("acme", rc_login(&app, "acme").await);
    write_everywhere(&app, "acme", &sessions["acme"], "in acme").await;
    create_ok(&app, "fork", json!({"tenant": "acme"})).await;
    let fork_base = everything(&app, "fork", &sessions["acme"]).await;
    sessions.insert("fork", sessions["acme"].clone());
    snapshot(&app, "fork", "before").await;
    write_everywhere(&app, "fork", &sessions["fork"], "after before").await;
    snapshot(&app, "fork", "after").await;
    write_everywhere(&app, "fork", &sessions["fork"], "lost by the restore").await;
    ok(
        &app,
        Method::POST,
        "/_gateway/tenants/fork/restore",
        Some(json!({"snapshot": "after"})),
    )
    .await;
    write_everywhere(&app, "fork", &sessions["fork"], "after the restore").await;

    create_ok(
        &app,
        "pinned",
        json!({"snapshot": {"tenant": "fork", "name": "before"}}),
    )
    .await;
    sessions.insert("pinned", sessions["acme"].clone());
    create_ok(&app, "blank", json!({"empty": true})).await;
    create_ok(&app, "reset", json!({"fixtures": true})).await;
    let undone = rc_login(&app, "reset").await;
    write_everywhere(&app, "reset", &undone, "undone").await;
    ok(&app, Method::POST, "/_gateway/tenants/reset/reset", None).await;
    sessions.insert("reset", rc_login(&app, "reset").await);
    create_ok(&app, "gone", json!({"tenant": "acme"})).await;
    snapshot(&app, "gone", "with-it").await;
    ok(&app, Method::DELETE, "/_gateway/tenants/gone", None).await;
    // A snapshot deleted and taken again under its name holds the second state.
    ok(
        &app,
        Method::DELETE,
        "/_gateway/tenants/fork/snapshots/before",
        None,
    )
    .await;
    snapshot(&app, "fork", "before").await;
    let at_before = everything(&app, "fork", &sessions["fork"]).await;
    write_everywhere(&app, "fork", &sessions["fork"], "after the second before").await;

    let before = whole_gateway(&app, &sessions).await;
    let blank = |app: &TestApp, reply: Reply| reply.body.replace(&app.base, "http://BASE");
    let blank_before = blank(
        &app,
        call(&app, Method::GET, "/_gateway/tenants/blank").await,
    );
    app.handle.shutdown().await;

    // Act
    let app = spawn_durable(dir.path()).await;

    // Assert: everything the control plane and the facades show, whole, sessions included.
    let after = whole_gateway(&app, &sessions).await;
    assert_same(&after, &before);
    let blank_after = blank(
        &app,
        call(&app, Method::GET, "/_gateway/tenants/blank").await,
    );
    assert_eq!(blank_after, blank_before);
    let list: Vec<Value> = after["list"]["tenants"].as_array().unwrap().clone();
    let names: Vec<&str> = list.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["acme", "blank", "default", "fork", "pinned", "reset"]
    );
    assert_eq!(list[3]["origin"]["tenant"], "acme");
    let gone = call(&app, Method::GET, "/_gateway/tenants/gone").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let leftovers: Vec<String> = std::fs::read_dir(dir.path().join("tenants"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers.len(), 5, "{leftovers:?}");

    // A snapshot taken before the restart restores after it, and a reset still goes back to
    // the tenant's base (the fork point), both recorded anew.
    ok(
        &app,
        Method::POST,
        "/_gateway/tenants/fork/restore",
        Some(json!({"snapshot": "before"})),
    )
    .await;
    let restored = everything(&app, "fork", &sessions["fork"]).await;
    for part in ["/api/v2/chat/departments", "/groups.xml", "rocketchat"] {
        assert_eq!(restored[part], at_before[part], "{part}");
    }
    ok(&app, Method::POST, "/_gateway/tenants/fork/reset", None).await;
    let reset = everything(&app, "fork", &sessions["fork"]).await;
    for part in ["/api/v2/chat/departments", "/groups.xml", "/users.xml"] {
        assert_eq!(reset[part], fork_base[part], "{part}");
    }
    ok(
        &app,
        Method::POST,
        "/_gateway/tenants/default/restore",
        Some(json!({"snapshot": "first"})),
    )
    .await;
    app.handle.shutdown().await;
    assert_private(dir.path());
}

#[test]
fn a_data_directory_others_can_write_stops_the_binary_naming_it_and_the_fix() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o770)).unwrap();

    // Act
    let out = deskbridge()
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();

    // Assert: it stops before it writes anything.
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let shown = dir.path().display();
    let expected = format!(
        "{shown} can be written by group or others (mode 0770), and it holds password hashes and \
         token digests; make it private with `chmod 700 {shown}`"
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_tenants_folder_others_can_write_is_refused_too() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_durable(dir.path()).await;
    create_ok(&app, "acme", json!({"fixtures": true})).await;
    app.handle.shutdown().await;
    let tenants = dir.path().join("tenants");
    std::fs::set_permissions(&tenants, std::fs::Permissions::from_mode(0o777)).unwrap();

    let options = persist::Options::new(dir.path());
    let refused = deskbridge::app::App::spawn_with_state(
        {
            let mut config = deskbridge::config::Config::for_tests();
            config.durability = Some(options);
            config
        },
        deskbridge::model::State::empty(),
    )
    .await;

    let err = format!("{:#}", refused.err().expect("refused"));
    assert!(
        err.contains(&format!(
            "{} can be written by group or others (mode 0777)",
            tenants.display()
        )),
        "{err}"
    );
}

#[tokio::test]
async fn an_idle_tenant_is_removed_from_disk_too_and_stays_gone_after_a_restart() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let options = persist::Options::new(dir.path());
    let app = spawn_app_with(move |c| {
        c.durability = Some(options);
        c.tenants.idle_ttl = Some(std::time::Duration::from_millis(300));
    })
    .await;
    create_ok(&app, "idle", json!({"fixtures": true})).await;
    assert!(dir.path().join("tenants/idle").is_dir());

    // Act: nobody chooses it for a while.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let gone = |app: &TestApp| {
        let listed = app.handle.registry().get("idle").is_some();
        !listed && !dir.path().join("tenants/idle").exists()
    };
    while !gone(&app) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Assert
    assert!(gone(&app), "still there");
    app.handle.shutdown().await;
    let app = spawn_durable(dir.path()).await;
    let shown = call(&app, Method::GET, "/_gateway/tenants/idle").await;
    assert_eq!(shown.status, StatusCode::NOT_FOUND, "{}", shown.body);
    let left: Vec<_> = std::fs::read_dir(dir.path().join("tenants"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_tenants_own_options_come_back_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let options = json!({"zopim_enabled": "boolean"});
    {
        let app = spawn_durable(dir.path()).await;
        let made = ok(
            &app,
            Method::POST,
            "/_gateway/tenants",
            Some(json!({"name": "own", "options": options})),
        )
        .await;
        assert_eq!(made.json()["options"], options);
        app.handle.shutdown().await;
    }
    let app = spawn_durable(dir.path()).await;
    let shown = ok(&app, Method::GET, "/_gateway/tenants/own", None).await;
    assert_eq!(shown.json()["options"], options);
    let reply = app
        .send(
            in_tenant(&app, "own", Method::GET, "/api/v2/chat/departments/1")
                .bearer_auth(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(reply.json()["enabled"], json!(true), "{}", reply.body);
}
