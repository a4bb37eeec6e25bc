//! The journal records the canonical changes of a write made through each facade.

use reqwest::Method;
use serde_json::json;

use super::{changes, ok, only};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_zopim_rename_is_journaled_with_its_change_in_words() {
    let app = spawn_app().await;
    let reply = app
        .zopim()
        .put("/departments/1", r#"{"name":"Sales EU"}"#)
        .await;
    ok(&reply);

    let entry = only(&app, "method=PUT").await;
    assert_eq!(entry["facade"], "zopim");
    assert_eq!(entry["tenant"], "default");
    assert_eq!(entry["method"], "PUT");
    assert_eq!(entry["path"], "/api/v2/chat/departments/1");
    assert_eq!(entry["status"], 200);
    assert_eq!(changes(&entry), ["department 1: name Sales → Sales EU"]);
    assert_eq!(entry["request_body"]["text"], r#"{"name":"Sales EU"}"#);
    assert_eq!(entry["response_body"]["text"], reply.body.as_str());
    let authorization = entry["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "authorization")
        .unwrap();
    assert_eq!(authorization[1], "[redacted]");
}

#[tokio::test]
async fn a_classic_membership_change_is_journaled_as_joins_and_leaves() {
    let app = spawn_app().await;
    // Sales (1) has agents 1 and 2; make it agent 3 alone.
    let reply = app
        .zendesk()
        .put(
            "/groups/1.xml",
            r#"<group><agents type="array"><agent type="integer">3</agent></agents></group>"#,
        )
        .await;
    ok(&reply);

    let entry = only(&app, "method=PUT&facade=zendesk").await;
    let mut lines = changes(&entry);
    lines.sort();
    assert_eq!(
        lines,
        [
            "agent 1 left department 1",
            "agent 2 left department 1",
            "agent 3 joined department 1",
        ]
    );
}

#[tokio::test]
async fn a_rocketchat_create_is_journaled_as_a_created_department() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let reply = rc
        .post(
            "livechat/department",
            json!({"department": {"enabled": true, "name": "Billing", "showOnRegistration": true, "showOnOfflineForm": false, "email": "billing@example.com"}}),
        )
        .await;
    ok(&reply);

    let entry = only(
        &app,
        "method=POST&facade=rocketchat&path=/api/v1/livechat/department",
    )
    .await;
    assert_eq!(changes(&entry), ["department 4 created: name Billing"]);
}

#[tokio::test]
async fn a_support_group_update_is_journaled_with_its_change() {
    let app = spawn_app().await;
    let reply = crate::support::admin(
        &app,
        Method::PUT,
        "/api/v2/groups/2.json",
        Some(r#"{"group":{"name":"Support EU"}}"#),
    )
    .await;
    ok(&reply);

    let entry = only(&app, "method=PUT&facade=support").await;
    assert_eq!(changes(&entry), ["department 2: name Support → Support EU"]);
}

#[tokio::test]
async fn a_read_and_a_refused_write_change_nothing() {
    let app = spawn_app().await;
    app.zopim().get("/departments/1").await;
    let refused = app.zopim().put("/departments/1", r#"{"name": 5}"#).await;
    assert_eq!(refused.status, 400);

    let read = only(&app, "method=GET&facade=zopim").await;
    assert_eq!(changes(&read), Vec::<String>::new());
    let write = only(&app, "method=PUT").await;
    assert_eq!(write["status"], 400);
    assert_eq!(changes(&write), Vec::<String>::new());
}
