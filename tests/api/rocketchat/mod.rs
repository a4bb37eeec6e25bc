//! The Rocket.Chat facade (spec `rocketchat.md`): Rocket.Chat's own department e2e cases
//! (`apps/meteor/tests/end-to-end/api/livechat/10-departments.ts` and the department part of
//! `01-agents.ts`, spec §6) re-written as black-box tests with the same requests and
//! assertions, then every error row of spec §1.3 and §3.1 with its exact body and the state
//! unchanged.

mod audit;
mod auth;
mod bodies;
mod departments_ce;
mod departments_ee;
mod layer_errors;
mod permissions;
mod sessions;
mod units;
mod widget_transport;
mod widget_visitors;

use crate::helpers::{
    RC_ADMIN_ID, RC_AGENT, RC_AGENT_ID, Rc, Reply, TestApp, spawn_app, spawn_app_with,
};
use deskbridge::facades::rocketchat::{Edition, RocketchatOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// `.expect('Content-Type', 'application/json')` plus the router's cache headers (spec §0).
#[track_caller]
pub(crate) fn assert_headers(reply: &Reply, case: &str) {
    assert_eq!(
        reply.content_type(),
        Some("application/json"),
        "{case}: content type"
    );
    let header = |name: &str| reply.headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(
        header("cache-control"),
        Some("no-store"),
        "{case}: cache-control"
    );
    assert_eq!(header("pragma"), Some("no-cache"), "{case}: pragma");
}

/// Asserts a reply whole: status, headers and body.
#[track_caller]
pub(crate) fn assert_rc(reply: &Reply, status: StatusCode, body: Value, case: &str) {
    assert_eq!(reply.status, status, "{case}: status (body {})", reply.body);
    assert_headers(reply, case);
    assert_eq!(reply.json(), body, "{case}: body");
}

/// Asserts a status and JSON headers, returning the body.
#[track_caller]
fn expect(reply: &Reply, status: StatusCode) -> Value {
    assert_eq!(reply.status, status, "body {}", reply.body);
    assert_headers(reply, "reply");
    reply.json()
}

const FORBIDDEN: &str =
    "User does not have the permissions required for this action [error-unauthorized]";

fn forbidden() -> Value {
    json!({"success": false, "error": FORBIDDEN})
}

fn invalid_params(message: &str) -> Value {
    json!({"success": false, "error": format!("{message} [invalid-params]"), "errorType": "invalid-params"})
}

fn save_error(code: &str, reason: &str) -> Value {
    json!({"success": false, "error": format!("{reason} [{code}]"), "errorType": code,
           "details": {"method": "livechat:saveDepartment"}})
}

/// Everything Rocket.Chat shows of departments, archived ones included, for "unchanged" checks.
async fn snapshot(rc: &Rc<'_>) -> (Value, Value) {
    let list = rc
        .get("livechat/department?showArchived=true&count=0")
        .await
        .json();
    let links: Vec<Value> = futures_links(rc, &list).await;
    (list, Value::Array(links))
}

async fn futures_links(rc: &Rc<'_>, list: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for d in list["departments"].as_array().unwrap() {
        let id = d["_id"].as_str().unwrap();
        out.push(
            rc.get(&format!("livechat/department/{id}/agents"))
                .await
                .json(),
        );
    }
    out
}

#[track_caller]
fn assert_unchanged(app: &TestApp, before: &(Value, Value), after: &(Value, Value), case: &str) {
    assert_eq!(before, after, "{case}: the state changed");
    app.assert_invariants();
}

/// The e2e before-hooks: `Livechat_enabled`, `view-livechat-manager` for admin, `createAgent()`,
/// `makeAgentAvailable()`, removal enabled.
async fn before_hooks(rc: &Rc<'_>, manager_roles: &[&str]) {
    rc.setting("Livechat_enabled", json!(true)).await;
    rc.perm("view-livechat-manager", manager_roles).await;
    let agent = rc
        .post("livechat/users/agent", json!({"username": "admin"}))
        .await;
    assert_rc(
        &agent,
        StatusCode::OK,
        json!({"user": {"_id": RC_ADMIN_ID, "username": "admin"}, "success": true}),
        "createAgent",
    );
    make_agent_available(rc).await;
    rc.setting("Omnichannel_enable_department_removal", json!(true))
        .await;
}

/// `makeAgentAvailable()`: `users.setStatus` then `method.call/livechat/changeLivechatStatus`.
async fn make_agent_available(rc: &Rc<'_>) {
    let status = rc
        .post(
            "users.setStatus",
            json!({"message": "", "status": "online"}),
        )
        .await;
    assert_rc(
        &status,
        StatusCode::OK,
        json!({"success": true}),
        "users.setStatus",
    );
    let message = json!({"method": "livechat/changeLivechatStatus", "params": ["available"], "id": "id", "msg": "method"});
    let call = rc
        .post(
            "method.call/livechat/changeLivechatStatus",
            json!({"message": message.to_string()}),
        )
        .await;
    assert_rc(
        &call,
        StatusCode::OK,
        json!({"message": r#"{"id":"id","msg":"result"}"#, "success": true}),
        "changeLivechatStatus",
    );
}

async fn delete_department(rc: &Rc<'_>, id: &str) {
    let reply = rc.delete(&format!("livechat/department/{id}")).await;
    assert_rc(
        &reply,
        StatusCode::OK,
        json!({"success": true}),
        "deleteDepartment",
    );
}

fn id(value: &Value) -> &str {
    value["_id"].as_str().expect("an _id")
}
