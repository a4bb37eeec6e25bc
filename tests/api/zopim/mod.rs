//! The Zopim v2 facade, route by route (spec part A): departments and agents under both URL
//! generations, auth, and the Zopim-shaped error for every bad input, with the state unchanged.

mod agent_writes;
mod agents;
mod auth;
mod bad_input;
mod department_reads;
mod department_writes;
mod membership;

use crate::helpers::{
    ADMIN_TOKEN, AGENT_TOKEN, Reply, TestApp, raw_exchange, spawn_app, spawn_app_on, spawn_app_with,
};
use deskbridge::facades::zopim::EnabledFormat;
use reqwest::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Both URL generations: www.zopim.com's and {subdomain}.zendesk.com's (spec A1).
const PREFIXES: [&str; 2] = ["/api/v2", "/api/v2/chat"];

// Werkzeug's standard descriptions, which Zopim's 401 shows it uses (spec A6).
const UNAUTHORIZED: &str =
    "The server could not verify that you are authorized to access the requested resource";
const FORBIDDEN: &str = "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server.";
const NO_ROUTE: &str = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
const NO_METHOD: &str = "The method is not allowed for the requested URL.";
const TOO_LARGE: &str = "The data value transmitted exceeds the capacity limit.";
const UNSUPPORTED_MEDIA: &str =
    "The server does not support the media type transmitted in the request.";

// ---------------------------------------------------------------------------------------------
// The default data as Zopim shows it (fixtures/default.json).

pub(crate) fn sales() -> Value {
    json!({"description": "Questions before buying", "enabled": 1, "id": 1, "members": [1, 2], "name": "Sales", "settings": {"chat_enabled": true, "support_group_id": null}})
}

pub(crate) fn support() -> Value {
    json!({"description": "Help with the product", "enabled": 1, "id": 2, "members": [2, 3], "name": "Support", "settings": {"chat_enabled": true, "support_group_id": null}})
}

pub(crate) fn billing() -> Value {
    json!({"description": "Invoices and refunds", "enabled": 0, "id": 3, "members": [3], "name": "Billing", "settings": {}})
}

/// Agent 1, the owner and administrator.
pub(crate) fn alex() -> Value {
    json!({
        "create_date": "2024-01-15T09:00:00Z", "departments": [1], "display_name": "Alex Admin",
        "email": "admin@example.com", "enabled": 1, "enabled_departments": [1],
        "first_name": "Alex", "id": 1, "last_name": "Admin", "role_id": 1,
        "roles": {"administrator": true, "owner": true}, "skills": []
    })
}

/// Agent 2, a plain agent holding the agent token.
pub(crate) fn sam() -> Value {
    json!({
        "create_date": "2024-01-15T09:05:00Z", "departments": [1, 2], "display_name": "Sam Agent",
        "email": "agent@example.com", "enabled": 1, "enabled_departments": [1, 2],
        "first_name": "Sam", "id": 2, "last_name": "Agent", "role_id": 2,
        "roles": {"administrator": false, "owner": false}, "skills": []
    })
}

/// Agent 3, a member of the disabled Billing department.
pub(crate) fn maria() -> Value {
    json!({
        "create_date": "2024-02-01T08:30:00Z", "departments": [2, 3], "display_name": "Maria Lopez",
        "email": "maria@example.com", "enabled": 1, "enabled_departments": [2],
        "first_name": "Maria", "id": 3, "last_name": "Lopez", "role_id": 2,
        "roles": {"administrator": false, "owner": false}, "skills": []
    })
}

/// `value` with some top-level keys replaced.
pub(crate) fn with(mut value: Value, changes: Value) -> Value {
    for (key, v) in changes.as_object().expect("changes are an object") {
        value[key] = v.clone();
    }
    value
}

/// Two departments share a name (the model allows it; Zopim only refuses to make more), one is
/// archived (hidden from Zopim), one end user and one deactivated agent.
const MIXED_FIXTURE: &str = r#"{
  "agents": [
    {"id": 1, "username": "admin", "name": "Alex Admin", "email": "admin@example.com",
     "roles": ["owner", "administrator", "agent"], "tokens": {"bearer": ["deskbridge-admin-token"]},
     "created_at": "2024-01-15T09:00:00Z"},
    {"id": 2, "username": "visitor", "name": "Vera Visitor", "email": "visitor@example.com",
     "roles": ["end-user"], "tokens": {"bearer": ["visitor-token-0001"]},
     "created_at": "2024-01-16T10:00:00Z"},
    {"id": 3, "username": "gone", "name": "Gus Gone", "email": "gone@example.com",
     "roles": ["agent"], "active": false, "tokens": {"bearer": ["inactive-token-0001"]},
     "created_at": "2024-01-17T11:00:00Z"}
  ],
  "departments": [
    {"id": 1, "name": "Sales", "description": "First Sales", "members": [1]},
    {"id": 2, "name": "Archive", "description": "Archived", "active": false},
    {"id": 3, "name": "Sales", "description": "Second Sales", "members": [3]}
  ]
}"#;

// ---------------------------------------------------------------------------------------------
// Assertions on whole replies.

/// Asserts a JSON reply whole: status, content type and body.
#[track_caller]
pub(crate) fn assert_json(reply: &Reply, status: StatusCode, body: Value, case: &str) {
    assert_eq!(
        reply.status, status,
        "{case}: status (body {:?})",
        reply.body
    );
    assert_eq!(
        reply.content_type(),
        Some("application/json"),
        "{case}: content type"
    );
    assert_eq!(reply.json(), body, "{case}: body");
}

/// `GET {path}` through Zopim (its current prefix, as the admin) answers 200 with exactly `body`.
pub(crate) async fn assert_zopim_shows(app: &TestApp, path: &str, body: Value, case: &str) {
    assert_json(&app.zopim().get(path).await, StatusCode::OK, body, case);
}

/// `GET {path}` through Zopim answers Zopim's 404 for a department: none there, or not active.
pub(crate) async fn assert_no_department(app: &TestApp, path: &str, case: &str) {
    let reply = app.zopim().get(path).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "Department not found", case);
}

/// Asserts a Zopim error reply: `{"error": <reason phrase>, "description": ...}`.
#[track_caller]
pub(crate) fn assert_error(reply: &Reply, status: StatusCode, description: &str, case: &str) {
    let reason = match status.as_u16() {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        other => panic!("{case}: no reason phrase written down for {other}"),
    };
    assert_json(
        reply,
        status,
        json!({"error": reason, "description": description}),
        case,
    );
}

/// Asserts a 204 with nothing at all: no body and no content type (zenpy needs that, spec A9).
#[track_caller]
pub(crate) fn assert_no_content(reply: &Reply, case: &str) {
    assert_eq!(
        reply.status,
        StatusCode::NO_CONTENT,
        "{case}: status (body {:?})",
        reply.body
    );
    assert_eq!(reply.body, "", "{case}: body");
    assert_eq!(reply.content_type(), None, "{case}: content type");
}

/// Asserts that what Zopim shows is still `before`, and that the store is consistent.
async fn assert_unchanged(app: &TestApp, before: &(Value, Value), case: &str) {
    assert_eq!(
        &app.zopim_snapshot().await,
        before,
        "{case}: the state changed"
    );
    app.assert_invariants();
}

/// Each `(method, path, body)`, under both URL generations, answers Zopim's 404 for a department
/// and changes nothing.
async fn assert_each_department_not_found(
    app: &TestApp,
    before: &(Value, Value),
    cases: &[(Method, &str, Option<&str>)],
) {
    for prefix in PREFIXES {
        for (method, path, body) in cases.iter().cloned() {
            let case = format!("{method} {prefix}{path}");

            let reply = app.zopim().at(prefix).method(method, path, body).await;

            assert_error(&reply, StatusCode::NOT_FOUND, "Department not found", &case);
            assert_unchanged(app, before, &case).await;
        }
    }
}

/// A request with a raw `Authorization` header (or none) and an optional JSON body.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    authorization: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let mut request = app.client.request(method, app.url(path));
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    if let Some(body) = body {
        request = request
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_owned());
    }
    app.send(request).await
}
