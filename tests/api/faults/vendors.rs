//! Each vendor's answer to a status fault and its throttle, whole: status, headers and body.

use reqwest::StatusCode;
use serde_json::json;

use super::fault;
use crate::helpers::{Reply, TestApp, spawn_app};

fn header<'r>(reply: &'r Reply, name: &str) -> &'r str {
    reply
        .headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header: {:?}", reply.headers))
        .to_str()
        .unwrap()
}

/// A 60-second window of one request: the second request is throttled. Its seconds to wait,
/// 59 or 60 depending on the milliseconds already gone.
async fn throttled(app: &TestApp, facade: &str) {
    fault(
        app,
        json!({"match": {"facade": facade}, "action": {"rate_limit": {"limit": 1, "per_s": 60}}}),
    )
    .await;
}

/// A reply whole: status, content type and body.
#[track_caller]
fn assert_reply(reply: &Reply, status: StatusCode, content_type: &str, body: &str) {
    assert_eq!(reply.status, status);
    assert_eq!(reply.content_type(), Some(content_type));
    assert_eq!(reply.body, body);
}

/// A throttled reply: status and content type, a `Retry-After` of 59 or 60 seconds (depending on
/// the milliseconds already gone), then the body, whole.
#[track_caller]
fn assert_throttled(reply: &Reply, status: StatusCode, content_type: &str, body: &str) {
    assert_eq!(reply.status, status);
    assert_eq!(reply.content_type(), Some(content_type));
    assert!(
        ["59", "60"].contains(&header(reply, "retry-after")),
        "{reply:?}"
    );
    assert_eq!(reply.body, body);
}

/// Takes the default tenant's fault rules away.
async fn clear_faults(app: &TestApp) {
    app.request(
        reqwest::Method::DELETE,
        "/_gateway/tenants/default/faults",
        None,
        None,
    )
    .await;
}

#[tokio::test]
async fn zopim_answers_a_503_and_its_throttle_in_werkzeugs_shape_with_retry_after() {
    let app = spawn_app().await;
    fault(
        &app,
        json!({"match": {"facade": "zopim", "method": "PUT"}, "action": {"status": 503}}),
    )
    .await;
    let reply = app
        .zopim()
        .put("/departments/1", r#"{"name":"Gone"}"#)
        .await;
    assert_reply(
        &reply,
        StatusCode::SERVICE_UNAVAILABLE,
        "application/json",
        r#"{"error":"Service Unavailable","description":"The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later."}"#,
    );
    // A faulted write changes nothing.
    let department = app.zopim().get("/departments/1").await;
    assert_eq!(department.json()["name"], "Sales");

    throttled(&app, "zopim").await;
    assert_eq!(
        app.zopim().get("/departments/1").await.status,
        StatusCode::OK
    );
    let reply = app.zopim().get("/departments/1").await;
    assert_throttled(
        &reply,
        StatusCode::TOO_MANY_REQUESTS,
        "application/json",
        r#"{"error":"Too Many Requests","description":"This user has exceeded an allotted request count. Try again later."}"#,
    );
}

#[tokio::test]
async fn support_answers_a_500_and_its_throttle_as_zendesk_with_retry_after() {
    let app = spawn_app().await;
    fault(
        &app,
        json!({"match": {"facade": "support"}, "action": {"status": 500}}),
    )
    .await;
    let reply = crate::support::get(&app, "/api/v2/groups.json").await;
    assert_reply(
        &reply,
        StatusCode::INTERNAL_SERVER_ERROR,
        "application/json; charset=utf-8",
        r#"{"error":"InternalServerError","description":"Internal server error"}"#,
    );
    clear_faults(&app).await;

    throttled(&app, "support").await;
    assert_eq!(
        crate::support::get(&app, "/api/v2/groups.json")
            .await
            .status,
        StatusCode::OK
    );
    let reply = crate::support::get(&app, "/api/v2/groups.json").await;
    assert_throttled(
        &reply,
        StatusCode::TOO_MANY_REQUESTS,
        "application/json; charset=utf-8",
        r#"{"error":"APIRateLimitExceeded","description":"Number of allowed API requests per minute exceeded"}"#,
    );
    assert_eq!(header(&reply, "x-rate-limit"), "1");
    assert_eq!(header(&reply, "x-rate-limit-remaining"), "0");
}

#[tokio::test]
async fn classic_zendesk_answers_a_502_in_xml_and_throttles_with_its_503_text() {
    let app = spawn_app().await;
    fault(
        &app,
        json!({"match": {"facade": "zendesk"}, "action": {"status": 502}}),
    )
    .await;
    let reply = app.zendesk().get("/groups.xml").await;
    assert_reply(
        &reply,
        StatusCode::BAD_GATEWAY,
        "application/xml; charset=utf-8",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>Bad gateway</error>\n",
    );
    clear_faults(&app).await;

    throttled(&app, "zendesk").await;
    assert_eq!(
        app.zendesk().get("/groups.xml").await.status,
        StatusCode::OK
    );
    let reply = app.zendesk().get("/groups.xml").await;
    assert_throttled(
        &reply,
        StatusCode::SERVICE_UNAVAILABLE,
        "text/plain; charset=utf-8",
        "Number of allowed API requests per minute exceeded",
    );
}

#[tokio::test]
async fn rocketchat_answers_a_503_and_throttles_as_its_rest_rate_limiter() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    fault(
        &app,
        json!({"match": {"facade": "rocketchat"}, "action": {"status": 503}}),
    )
    .await;
    let reply = rc.get("livechat/department").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.json(),
        json!({"success": false, "error": "Service Unavailable"})
    );
    clear_faults(&app).await;

    throttled(&app, "rocketchat").await;
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert_eq!(rc.get("livechat/department").await.status, StatusCode::OK);
    let reply = rc.get("livechat/department").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&reply, "x-ratelimit-limit"), "1");
    assert_eq!(header(&reply, "x-ratelimit-remaining"), "0");
    let reset: i64 = header(&reply, "x-ratelimit-reset").parse().unwrap();
    assert!(
        (before + 59_000..=before + 61_000).contains(&reset),
        "reset {reset}, before {before}"
    );
    let seconds = if reply.body.contains("wait 60 ") {
        60
    } else {
        59
    };
    assert_eq!(
        reply.json(),
        json!({"success": false, "error": format!("Error, too many requests. Please slow down. You must wait {seconds} seconds before trying this endpoint again. [error-too-many-requests]")})
    );
}
