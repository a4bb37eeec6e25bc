//! Every journal route: list with each criterion, count, clear, the live tail, and their errors.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::entries;
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Three reads and a refused write through Zopim, a classic read, and a Rocket.Chat login.
async fn traffic(app: &TestApp) {
    let zopim = app.zopim();
    zopim.get("/departments").await;
    zopim.get("/departments/1").await;
    zopim.get("/departments/99").await;
    zopim.put("/departments/1", r#"{"name": 5}"#).await;
    app.zendesk().get("/groups.xml").await;
    app.rc().await;
}

/// `(method, path, status)` of each entry.
fn summary(entries: &[Value]) -> Vec<(String, String, u64)> {
    entries
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_owned(),
                e["path"].as_str().unwrap().to_owned(),
                e["status"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn owned(rows: &[(&str, &str, u64)]) -> Vec<(String, String, u64)> {
    rows.iter()
        .map(|(m, p, s)| (m.to_string(), p.to_string(), *s))
        .collect()
}

async fn count(app: &TestApp, criteria: Value) -> Value {
    let reply = app
        .request(
            Method::POST,
            "/_gateway/tenants/default/requests/count",
            None,
            Some(&criteria.to_string()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

#[tokio::test]
async fn each_criterion_narrows_the_listing() {
    let app = spawn_app().await;
    traffic(&app).await;

    let all = entries(&app, "default", "").await;
    assert_eq!(
        summary(&all),
        owned(&[
            ("GET", "/api/v2/chat/departments", 200),
            ("GET", "/api/v2/chat/departments/1", 200),
            ("GET", "/api/v2/chat/departments/99", 404),
            ("PUT", "/api/v2/chat/departments/1", 400),
            ("GET", "/groups.xml", 200),
            ("POST", "/api/v1/login", 200),
        ])
    );
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);

    for (query, expected) in [
        ("facade=zendesk", vec![("GET", "/groups.xml", 200)]),
        (
            "method=put",
            vec![("PUT", "/api/v2/chat/departments/1", 400)],
        ),
        (
            "path=/api/v2/chat/departments/*",
            vec![
                ("GET", "/api/v2/chat/departments/1", 200),
                ("GET", "/api/v2/chat/departments/99", 404),
                ("PUT", "/api/v2/chat/departments/1", 400),
            ],
        ),
        (
            "status=404",
            vec![("GET", "/api/v2/chat/departments/99", 404)],
        ),
        (
            "status=4xx",
            vec![
                ("GET", "/api/v2/chat/departments/99", 404),
                ("PUT", "/api/v2/chat/departments/1", 400),
            ],
        ),
        (
            "since=4",
            vec![("GET", "/groups.xml", 200), ("POST", "/api/v1/login", 200)],
        ),
        // Without `since`, the newest; with it, the first after it.
        (
            "limit=2",
            vec![("GET", "/groups.xml", 200), ("POST", "/api/v1/login", 200)],
        ),
        (
            "since=1&limit=2",
            vec![
                ("GET", "/api/v2/chat/departments/1", 200),
                ("GET", "/api/v2/chat/departments/99", 404),
            ],
        ),
        (
            "facade=zopim&method=GET&status=200",
            vec![
                ("GET", "/api/v2/chat/departments", 200),
                ("GET", "/api/v2/chat/departments/1", 200),
            ],
        ),
    ] {
        assert_eq!(
            summary(&entries(&app, "default", query).await),
            owned(&expected),
            "{query}"
        );
    }
}

#[tokio::test]
async fn count_takes_the_same_criteria_in_a_json_body() {
    let app = spawn_app().await;
    traffic(&app).await;

    assert_eq!(count(&app, json!({})).await, json!({"count": 6}));
    assert_eq!(
        count(&app, json!({"facade": "zopim", "status": "4xx"})).await,
        json!({"count": 2})
    );
    assert_eq!(
        count(
            &app,
            json!({"path": "/api/v2/chat/departments/1", "status": 200, "since": 1})
        )
        .await,
        json!({"count": 1})
    );
}

#[tokio::test]
async fn a_bad_criterion_is_a_400_naming_it_and_lists_nothing() {
    let app = spawn_app().await;
    for (query, description) in [
        (
            "status=abc",
            "status: must be a status (404) or a class (4xx)",
        ),
        ("since=-1", "since: must be a sequence number"),
        ("limit=0", "limit: must be a positive integer"),
        ("path=[", "path: invalid range pattern"),
        (
            "colour=red",
            "query: unknown criterion \"colour\"; the criteria are facade, method, path, status, since and limit",
        ),
    ] {
        let reply = app
            .request(
                Method::GET,
                &format!("/_gateway/tenants/default/requests?{query}"),
                None,
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            reply.json(),
            json!({"error": "Bad Request", "description": description}),
            "{query}"
        );
    }
    let reply = app
        .request(
            Method::POST,
            "/_gateway/tenants/default/requests/count",
            None,
            Some(r#"{"status": true}"#),
        )
        .await;
    assert_eq!(
        reply.json(),
        json!({"error": "Bad Request", "description": "status: must be a string or a number"})
    );
    // The control plane's own requests are never journaled.
    assert_eq!(entries(&app, "default", "").await, Vec::<Value>::new());
}

#[tokio::test]
async fn delete_forgets_every_entry_and_numbering_goes_on() {
    let app = spawn_app().await;
    traffic(&app).await;
    let reply = app
        .request(
            Method::DELETE,
            "/_gateway/tenants/default/requests",
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, "");
    assert_eq!(count(&app, json!({})).await, json!({"count": 0}));

    app.zopim().get("/departments/2").await;
    let after = entries(&app, "default", "").await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["seq"], 7);
}

#[tokio::test]
async fn the_ring_keeps_only_the_newest_entries() {
    let app = spawn_app_with(|config| config.tenants.request_journal = 2).await;
    traffic(&app).await;
    assert_eq!(
        summary(&entries(&app, "default", "").await),
        owned(&[("GET", "/groups.xml", 200), ("POST", "/api/v1/login", 200)])
    );
}

#[tokio::test]
async fn with_the_journal_off_the_routes_say_so() {
    let app = spawn_app_with(|config| config.tenants.request_journal = 0).await;
    traffic(&app).await;
    for (method, path) in [
        (Method::GET, "/_gateway/tenants/default/requests"),
        (Method::POST, "/_gateway/tenants/default/requests/count"),
        (Method::DELETE, "/_gateway/tenants/default/requests"),
        (Method::GET, "/_gateway/tenants/default/requests/stream"),
    ] {
        let reply = app.request(method.clone(), path, None, None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{method} {path}");
        assert_eq!(
            reply.json(),
            json!({"error": "Bad Request", "description": "request_journal: the request journal is off (--request-journal 0)"})
        );
    }
}

#[tokio::test]
async fn each_tenant_has_its_own_journal_and_an_unknown_one_is_a_404() {
    let app = spawn_app().await;
    let made = app
        .request(
            Method::POST,
            "/_gateway/tenants",
            None,
            Some(r#"{"name": "acme", "from": {"tenant": "default"}}"#),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    app.zopim()
        .at("/t/acme/api/v2/chat")
        .get("/departments/1")
        .await;

    let acme = entries(&app, "acme", "").await;
    assert_eq!(
        summary(&acme),
        owned(&[("GET", "/t/acme/api/v2/chat/departments/1", 200)])
    );
    assert_eq!(acme[0]["tenant"], "acme");
    assert_eq!(entries(&app, "default", "").await, Vec::<Value>::new());

    let reply = app
        .request(Method::GET, "/_gateway/tenants/nope/requests", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_control_planes_access_rule_covers_the_journal_routes() {
    let app = spawn_app_with(|config| config.admin_token = Some("s3cret-admin-token".into())).await;
    for (method, path) in [
        (Method::GET, "/_gateway/tenants/default/requests"),
        (Method::POST, "/_gateway/tenants/default/requests/count"),
        (Method::DELETE, "/_gateway/tenants/default/requests"),
        (Method::GET, "/_gateway/tenants/default/requests/stream"),
    ] {
        let reply = app.request(method.clone(), path, None, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        // Only the status: the live tail's body never ends.
        let admitted = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth("s3cret-admin-token")
            .send()
            .await
            .unwrap();
        assert!(
            admitted.status().is_success(),
            "{method} {path}: {}",
            admitted.status()
        );
    }
}

#[tokio::test]
async fn the_live_tail_sends_each_new_matching_entry_as_an_event() {
    let app = spawn_app().await;
    app.zopim().get("/departments/1").await;
    let mut stream = app
        .client
        .get(app.url("/_gateway/tenants/default/requests/stream?method=GET&facade=zopim"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");

    // Only what comes after the tail began, and only what matches.
    app.zendesk().get("/groups.xml").await;
    app.zopim().get("/departments/2").await;
    let text = first_event(&mut stream).await;
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id: 3"));
    assert_eq!(lines.next(), Some("event: request"));
    let data: Value =
        serde_json::from_str(lines.next().unwrap().strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(data["seq"], 3);
    assert_eq!(data["path"], "/api/v2/chat/departments/2");
    assert_eq!(lines.next(), Some(""));
}

/// The first event of `stream`, whole (up to its blank line).
async fn first_event(stream: &mut reqwest::Response) -> String {
    let mut text = String::new();
    while !text.ends_with("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
            .await
            .expect("an event within 5 s")
            .unwrap()
            .expect("the stream goes on");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    text
}

#[tokio::test]
async fn a_reconnecting_event_source_resumes_after_its_last_event_id() {
    let app = spawn_app().await;
    for id in 1..=3 {
        app.zopim().get(&format!("/departments/{id}")).await;
    }
    // What an EventSource sends when it reconnects: the stream's URL (its `since` now stale)
    // and the id of the last event it saw. Entries 2 and 3 came while it was away.
    let mut stream = app
        .client
        .get(app.url("/_gateway/tenants/default/requests/stream?since=0"))
        .header("Last-Event-ID", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let text = first_event(&mut stream).await;
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("id: "))
        .collect();
    assert_eq!(ids, ["2", "3"], "{text}");
    let paths: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|data| serde_json::from_str::<Value>(data).unwrap()["path"].to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "\"/api/v2/chat/departments/2\"",
            "\"/api/v2/chat/departments/3\""
        ]
    );
}

#[tokio::test]
async fn a_last_event_id_that_is_no_sequence_number_is_refused() {
    let app = spawn_app().await;
    for bad in ["abc", "-1", "1.5", ""] {
        let response = app
            .client
            .get(app.url("/_gateway/tenants/default/requests/stream"))
            .header("Last-Event-ID", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            json!({
                "error": "Bad Request",
                "description": "Last-Event-ID: must be the id of an event of this stream (a sequence number)"
            }),
            "{bad:?}"
        );
    }
}
