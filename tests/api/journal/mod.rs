//! The request journal: what each tenant's facades were asked and answered, and what each
//! request changed, under `/_gateway/tenants/{t}/requests` (docs/journal.md).

mod changes;
mod redaction;
mod routes;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{Reply, TestApp};

/// The journal's entries that match `query` (`method=PUT&facade=zopim`), oldest first.
pub async fn entries(app: &TestApp, tenant: &str, query: &str) -> Vec<Value> {
    let reply = app
        .request(
            Method::GET,
            &format!("/_gateway/tenants/{tenant}/requests?{query}"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["requests"].as_array().unwrap().clone()
}

/// The one entry that matches `query`.
pub async fn only(app: &TestApp, query: &str) -> Value {
    let found = entries(app, "default", query).await;
    assert_eq!(found.len(), 1, "{query}: {found:#?}");
    found.into_iter().next().unwrap()
}

/// The changes an entry records.
pub fn changes(entry: &Value) -> Vec<String> {
    entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

/// Asserts a write succeeded.
pub fn ok(reply: &Reply) {
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
}
