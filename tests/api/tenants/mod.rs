//! Tenants: the control plane under `/_gateway/` (every route and error), choosing a tenant by
//! path, header and host through every facade, and isolation between tenants.

mod control_plane;
mod dashboard;
mod durable;
mod selection;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

/// `POST /_gateway/tenants` with `body`.
async fn create(app: &TestApp, body: Value) -> Reply {
    app.request(
        Method::POST,
        "/_gateway/tenants",
        None,
        Some(&body.to_string()),
    )
    .await
}

/// Creates `name` from `from` and asserts it was created.
pub(crate) async fn create_ok(app: &TestApp, name: &str, from: Value) -> Value {
    let reply = create(app, json!({ "name": name, "from": from })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()
}

/// A control-plane call without a body.
async fn call(app: &TestApp, method: Method, path: &str) -> Reply {
    app.request(method, path, None, None).await
}

/// A control-plane call with a JSON body.
async fn call_with(app: &TestApp, method: Method, path: &str, body: Value) -> Reply {
    app.request(method, path, None, Some(&body.to_string()))
        .await
}

/// The gateway's own error body.
fn gateway_error(error: &str, description: &str) -> Value {
    json!({ "error": error, "description": description })
}

/// Asserts a control-plane error, whole.
fn assert_gateway_error(reply: &Reply, status: StatusCode, description: &str) {
    assert_eq!(
        (reply.status, reply.content_type(), reply.json()),
        (
            status,
            Some("application/json"),
            gateway_error(status.canonical_reason().unwrap(), description)
        ),
        "{}",
        reply.body
    );
}

/// The tenant body the control plane answers with, its creation time taken from `actual`.
pub(crate) fn tenant_body(
    app: &TestApp,
    actual: &Value,
    name: &str,
    origin: Value,
    version: u64,
    counts: (u64, u64, u64),
) -> Value {
    let host = app.base.trim_start_matches("http://");
    let mount = if name == "default" {
        String::new()
    } else {
        format!("/t/{name}")
    };
    json!({
        "name": name,
        "created_at": actual["created_at"],
        "origin": origin,
        "options": {},
        "version": version,
        "counts": {"departments": counts.0, "agents": counts.1, "memberships": counts.2},
        "urls": {
            "rocketchat": format!("http://{host}{mount}/api/v1"),
            "support": format!("http://{host}{mount}/api/v2"),
            "zendesk": format!("http://{host}{mount}"),
            "zopim": format!("http://{host}{mount}/api/v2/chat"),
        },
    })
}

/// The default data's counts: departments, agents, memberships.
pub(crate) const DEFAULT_COUNTS: (u64, u64, u64) = (3, 3, 5);
