//! `GET /_gateway/metrics`: the request counters against the requests sent, the histograms, the
//! tenants and their records, faults fired; under the control plane's access rule.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn scrape(app: &TestApp) -> String {
    let reply = app
        .request(Method::GET, "/_gateway/metrics", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.content_type(),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    reply.body
}

/// The value of the sample line that starts with `series` (name and labels, exactly).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.trim().parse().unwrap())
}

#[tokio::test]
async fn requests_are_counted_by_facade_route_and_status_and_timed_by_route() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.zopim().get("/departments/1").await;
    }
    app.zopim().get("/departments/2").await;
    app.zopim().get("/departments/99").await;
    app.zopim()
        .put("/departments/1", r#"{"name":"Sales EU"}"#)
        .await;
    app.zendesk().get("/groups.xml").await;

    let text = scrape(&app).await;
    for (series, value) in [
        (
            r#"deskbridge_requests_total{facade="zopim",route="GET /api/v2/chat/departments/{id}",status="200"}"#,
            4.0,
        ),
        (
            r#"deskbridge_requests_total{facade="zopim",route="unmatched",status="404"}"#,
            1.0,
        ),
        (
            r#"deskbridge_requests_total{facade="zopim",route="PUT /api/v2/chat/departments/{id}",status="200"}"#,
            1.0,
        ),
        (
            r#"deskbridge_requests_total{facade="zendesk",route="GET /groups.xml",status="200"}"#,
            1.0,
        ),
        (
            r#"deskbridge_request_duration_seconds_count{facade="zopim",route="GET /api/v2/chat/departments/{id}"}"#,
            4.0,
        ),
        ("deskbridge_requests_in_flight", 1.0),
        ("deskbridge_tenants", 1.0),
        (r#"deskbridge_departments{tenant="default"}"#, 3.0),
        (r#"deskbridge_agents{tenant="default"}"#, 3.0),
        (r#"deskbridge_memberships{tenant="default"}"#, 5.0),
    ] {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
    assert!(text.ends_with("# EOF\n"), "{text}");
}

#[tokio::test]
async fn faults_fired_are_counted_by_facade_and_action() {
    let app = spawn_app().await;
    let reply = app
        .request(
            Method::POST,
            "/_gateway/tenants/default/faults",
            None,
            Some(
                &json!({"match": {"facade": "zopim"}, "action": {"status": 503}, "times": 2})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    for _ in 0..3 {
        app.zopim().get("/departments/1").await;
    }
    let text = scrape(&app).await;
    assert_eq!(
        sample(
            &text,
            r#"deskbridge_faults_fired_total{facade="zopim",action="status"}"#
        ),
        Some(2.0),
        "{text}"
    );
}

#[tokio::test]
async fn each_tenant_has_its_label_until_the_limit_and_the_rest_are_summed() {
    let app = spawn_app().await;
    for name in ["acme", "beta"] {
        let made = app
            .request(
                Method::POST,
                "/_gateway/tenants",
                None,
                Some(&json!({"name": name, "from": {"tenant": "default"}}).to_string()),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    }
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "deskbridge_tenants"), Some(3.0));
    assert_eq!(
        sample(&text, r#"deskbridge_departments{tenant="acme"}"#),
        Some(3.0)
    );
    assert_eq!(
        sample(&text, r#"deskbridge_departments{tenant="beta"}"#),
        Some(3.0)
    );
}

#[tokio::test]
async fn the_metrics_need_the_admin_token_when_one_is_set() {
    let app = spawn_app_with(|config| config.admin_token = Some("s3cret-admin-token".into())).await;
    let reply = app
        .request(Method::GET, "/_gateway/metrics", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = app
        .request(
            Method::GET,
            "/_gateway/metrics",
            Some("s3cret-admin-token"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}
