//! Per-tenant faults: each vendor's shape for a server error and its exact throttle, and what
//! rules do (after, times, a seeded probability, delay, drop), under
//! `/_gateway/tenants/{t}/faults` (docs/faults.md).

mod rules;
mod vendors;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::TestApp;

/// Adds a fault rule to the default tenant; panics unless it is taken.
pub async fn fault(app: &TestApp, rule: Value) -> Value {
    let reply = app
        .request(
            Method::POST,
            "/_gateway/tenants/default/faults",
            None,
            Some(&rule.to_string()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()
}
