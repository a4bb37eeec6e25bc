//! What a rule does and when: after, times, a seeded probability, delay, drop; and the routes'
//! listing, removal and refusals.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::fault;
use crate::helpers::{TestApp, spawn_app};

/// The statuses of `n` Zopim reads.
async fn statuses(app: &TestApp, n: usize) -> Vec<u16> {
    let mut seen = Vec::new();
    for _ in 0..n {
        seen.push(app.zopim().get("/departments/1").await.status.as_u16());
    }
    seen
}

async fn clear(app: &TestApp) {
    let reply = app
        .request(
            Method::DELETE,
            "/_gateway/tenants/default/faults",
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_rule_lets_after_requests_pass_then_fires_times_times() {
    let app = spawn_app().await;
    let shown = fault(
        &app,
        json!({"match": {"facade": "zopim", "method": "GET", "path": "/api/v2/chat/departments/*"}, "action": {"status": 504}, "after": 1, "times": 2}),
    )
    .await;
    assert_eq!(
        shown,
        json!({"id": 1, "match": {"facade": "zopim", "method": "GET", "path": "/api/v2/chat/departments/*"}, "action": {"status": 504}, "after": 1, "times": 2, "probability": 1.0, "seed": null, "seen": 0, "fired": 0})
    );
    assert_eq!(statuses(&app, 5).await, [200, 504, 504, 200, 200]);
    // Another path does not match.
    assert_eq!(app.zopim().get("/departments").await.status, StatusCode::OK);

    let listed = app
        .request(Method::GET, "/_gateway/tenants/default/faults", None, None)
        .await;
    assert_eq!(listed.json()["faults"][0]["seen"], 5);
    assert_eq!(listed.json()["faults"][0]["fired"], 2);
}

#[tokio::test]
async fn a_seeded_probability_replays_identically() {
    let app = spawn_app().await;
    let rule = json!({"match": {"facade": "zopim"}, "action": {"status": 500}, "probability": 0.5, "seed": 42});
    fault(&app, rule.clone()).await;
    let first = statuses(&app, 24).await;
    clear(&app).await;
    fault(&app, rule.clone()).await;
    let second = statuses(&app, 24).await;
    assert_eq!(first, second);
    assert!(first.contains(&500) && first.contains(&200), "{first:?}");

    // And on another gateway.
    let other = spawn_app().await;
    fault(&other, rule).await;
    assert_eq!(statuses(&other, 24).await, first);
}

#[tokio::test]
async fn a_delay_holds_the_answer_and_a_range_draws_within_it() {
    let app = spawn_app().await;
    fault(
        &app,
        json!({"match": {"facade": "zopim"}, "action": {"delay_ms": 300}, "times": 1}),
    )
    .await;
    let started = Instant::now();
    let reply = app.zopim().get("/departments/1").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    clear(&app).await;

    fault(
        &app,
        json!({"match": {"facade": "zopim"}, "action": {"delay_ms": [50, 100]}, "times": 3}),
    )
    .await;
    for _ in 0..3 {
        let started = Instant::now();
        app.zopim().get("/departments/1").await;
        assert!(started.elapsed() >= Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_drop_closes_the_connection_without_an_answer_and_changes_nothing() {
    let app = spawn_app().await;
    fault(
        &app,
        json!({"match": {"method": "PUT"}, "action": {"drop": true}, "times": 1}),
    )
    .await;
    let sent = app
        .client
        .put(app.url("/api/v2/chat/departments/1"))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body(r#"{"name":"Gone"}"#)
        .send()
        .await;
    assert!(sent.is_err(), "an answer came: {sent:?}");
    assert_eq!(
        app.zopim().get("/departments/1").await.json()["name"],
        "Sales"
    );
}

#[tokio::test]
async fn rules_are_listed_removed_one_by_one_and_refused_with_the_field() {
    let app = spawn_app().await;
    fault(&app, json!({"action": {"status": 503}, "probability": 0})).await;
    fault(
        &app,
        json!({"action": {"rate_limit": {"limit": 5, "per_s": 1}}, "probability": 0}),
    )
    .await;
    let reply = app
        .request(
            Method::DELETE,
            "/_gateway/tenants/default/faults/1",
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let listed = app
        .request(Method::GET, "/_gateway/tenants/default/faults", None, None)
        .await
        .json();
    let ids: Vec<&Value> = listed["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(ids, [&json!(2)]);
    assert_eq!(
        listed["faults"][0]["action"],
        json!({"rate_limit": {"limit": 5, "per_s": 1}})
    );
    let reply = app
        .request(
            Method::DELETE,
            "/_gateway/tenants/default/faults/1",
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    for (rule, description) in [
        (json!({}), "action: is required"),
        (
            json!({"action": {"status": 404}}),
            "action.status: must be 500, 502, 503 or 504",
        ),
        (
            json!({"action": {"status": 503, "drop": true}}),
            "action: must have exactly one of status, delay_ms, drop, rate_limit",
        ),
        (
            json!({"action": {"delay_ms": [9, 3]}}),
            "action.delay_ms: must be [min, max] with 0 <= min <= max",
        ),
        (
            json!({"action": {"drop": false}}),
            "action.drop: must be true",
        ),
        (
            json!({"action": {"rate_limit": {"limit": 0, "per_s": 1}}}),
            "action.rate_limit.limit: must be a positive integer",
        ),
        (
            json!({"action": {"drop": true}, "probability": 2}),
            "probability: must be a number from 0 to 1",
        ),
        (
            json!({"action": {"drop": true}, "after": -1}),
            "after: must be a non-negative integer",
        ),
        (
            json!({"action": {"drop": true}, "match": {"colour": "red"}}),
            "match.colour: is not a criterion (facade, method, path)",
        ),
        (
            json!({"action": {"drop": true}, "when": 1}),
            "when: is not a field of a fault (match, action, after, times, probability, seed)",
        ),
    ] {
        let reply = app
            .request(
                Method::POST,
                "/_gateway/tenants/default/faults",
                None,
                Some(&rule.to_string()),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{rule}");
        assert_eq!(
            reply.json(),
            json!({"error": "Bad Request", "description": description}),
            "{rule}"
        );
    }
    // Nothing was added by the refusals.
    let listed = app
        .request(Method::GET, "/_gateway/tenants/default/faults", None, None)
        .await
        .json();
    assert_eq!(listed["faults"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_faulted_request_is_journaled_with_the_answer_it_got() {
    let app = spawn_app().await;
    fault(
        &app,
        json!({"match": {"method": "PUT"}, "action": {"status": 503}}),
    )
    .await;
    app.zopim()
        .put("/departments/1", r#"{"name":"Gone"}"#)
        .await;
    let entry = crate::journal::only(&app, "method=PUT").await;
    assert_eq!(entry["status"], 503);
    assert_eq!(entry["changes"], json!([]));
}
