//! The routes the livechat widget calls (docs/widget.md): registering and reading a visitor,
//! `visitor.status`, `page.visited` and the offline form, each answered whole, each bad input with
//! Rocket.Chat's error and the contacts left as they were (`GET /_gateway/tenants/{name}/contacts`).

use super::assert_rc;
use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const SALES: &str = "65a4f0c2e4b0a1b2c3d4e5f1";

async fn post(app: &TestApp, path: &str, body: Value) -> crate::helpers::Reply {
    app.rc_anonymous(Method::POST, path, Some(&body.to_string()))
        .await
}

/// What the gateway keeps of the tenant's widgets.
async fn contacts(app: &TestApp, tenant: &str) -> Value {
    let reply = app
        .request(
            Method::GET,
            &format!("/_gateway/tenants/{tenant}/contacts"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// The fields a visitor answer has besides the ones that vary (`_id`, times).
fn stable(visitor: &Value) -> Value {
    let mut visitor = visitor.clone();
    let object = visitor.as_object_mut().unwrap();
    let id = object.remove("_id").unwrap();
    assert_eq!(id.as_str().unwrap().len(), 17, "a Meteor id: {id}");
    for time in ["ts", "_updatedAt"] {
        let at = object.remove(time).unwrap();
        assert!(at.as_str().unwrap().ends_with('Z'), "{time}: {at}");
    }
    visitor
}

#[tokio::test]
async fn a_registered_visitor_is_answered_as_rocket_chat_stores_it_and_found_by_its_token() {
    // Arrange
    let app = spawn_app().await;
    let body = json!({"visitor": {"token": "tok-1", "name": "Ada", "email": " Ada@Example.COM ",
        "department": "Sales", "phone": "+33 1 23"}});

    // Act
    let registered = post(&app, "livechat/visitor", body).await;
    let found = app
        .rc_anonymous(Method::GET, "livechat/visitor/tok-1", None)
        .await;

    // Assert: the department named by its name is kept by its `_id`; `success` comes last.
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    assert_eq!(registered.body, found.body);
    assert!(
        registered.body.starts_with(r#"{"visitor":{"_id":""#),
        "{}",
        registered.body
    );
    assert!(
        registered.body.ends_with(r#"},"success":true}"#),
        "{}",
        registered.body
    );
    let answer = registered.json();
    assert_eq!(
        stable(&answer["visitor"]),
        json!({"token": "tok-1", "status": "online", "phone": [{"phoneNumber": "+33 1 23"}],
            "name": "Ada", "visitorEmails": [{"address": "ada@example.com"}],
            "department": SALES, "username": "guest-1"})
    );
    let kept = contacts(&app, "default").await;
    assert_eq!(kept["contacts"][0]["department"], json!(1));
    assert_eq!(kept["contacts"][0]["number"], json!(1));
}

#[tokio::test]
async fn the_widget_config_for_a_registered_token_carries_its_guest() {
    let app = spawn_app().await;
    post(
        &app,
        "livechat/visitor",
        json!({"visitor": {"token": "tok-1", "name": "Ada", "email": "ada@example.com",
            "department": SALES}}),
    )
    .await;

    let known = app
        .rc_anonymous(Method::GET, "livechat/config?token=tok-1", None)
        .await;
    let unknown = app
        .rc_anonymous(Method::GET, "livechat/config?token=nobody", None)
        .await;

    let mut guest = known.json()["config"]["guest"].clone();
    assert_eq!(guest["_id"].as_str().unwrap().len(), 17, "{guest}");
    guest.as_object_mut().unwrap().remove("_id");
    assert_eq!(
        guest,
        json!({"token": "tok-1", "name": "Ada", "visitorEmails": [{"address": "ada@example.com"}],
            "department": SALES, "username": "guest-1"})
    );
    assert_eq!(unknown.json()["config"].get("guest"), None);
}

#[tokio::test]
async fn registering_again_with_the_same_token_updates_the_visitor_and_keeps_its_number() {
    let app = spawn_app().await;
    let first = post(
        &app,
        "livechat/visitor",
        json!({"visitor": {"token": "tok-1", "name": "Ada"}}),
    )
    .await
    .json();
    post(
        &app,
        "livechat/visitor",
        json!({"visitor": {"token": "tok-2"}}),
    )
    .await;

    let again = post(
        &app,
        "livechat/visitor",
        json!({"visitor": {"token": "tok-1", "department": SALES}}),
    )
    .await
    .json();

    assert_eq!(again["visitor"]["_id"], first["visitor"]["_id"]);
    assert_eq!(
        stable(&again["visitor"]),
        json!({"token": "tok-1", "status": "online", "name": "Ada", "department": SALES,
            "username": "guest-1"})
    );
    assert_eq!(
        contacts(&app, "default").await["contacts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn each_bad_registration_gets_rocket_chat_s_error_and_registers_no_one() {
    let app = spawn_app().await;
    let before = contacts(&app, "default").await;
    let cases: &[(&str, Value, Value)] = &[
        (
            "no visitor",
            json!({}),
            json!({"success": false, "error": "Match error: Missing key 'visitor'"}),
        ),
        (
            "a key beside the visitor",
            json!({"visitor": {"token": "t"}, "x": 1}),
            json!({"success": false, "error": "Match error: Unknown key in field x"}),
        ),
        (
            "a token that is not a string",
            json!({"visitor": {"token": 5}}),
            json!({"success": false,
                "error": "Match error: Expected string, got number in field visitor.token"}),
        ),
        (
            "a blank token",
            json!({"visitor": {"token": "  "}}),
            json!({"success": false, "error": "Token cannot be empty [error-invalid-token]",
                "errorType": "error-invalid-token"}),
        ),
        (
            "a department by neither id nor name",
            json!({"visitor": {"token": "t", "department": "Nowhere"}}),
            json!({"success": false, "error": "error-invalid-department"}),
        ),
    ];
    for (case, body, expected) in cases {
        let reply = post(&app, "livechat/visitor", body.clone()).await;
        assert_rc(&reply, StatusCode::BAD_REQUEST, expected.clone(), case);
    }
    assert_eq!(contacts(&app, "default").await, before);
}

#[tokio::test]
async fn an_unknown_token_is_an_invalid_token_for_the_read_and_the_status() {
    let app = spawn_app().await;
    let invalid =
        json!({"success": false, "error": "[invalid-token]", "errorType": "invalid-token"});

    let read = app
        .rc_anonymous(Method::GET, "livechat/visitor/nobody", None)
        .await;
    let status = post(
        &app,
        "livechat/visitor.status",
        json!({"token": "nobody", "status": "away"}),
    )
    .await;

    assert_rc(&read, StatusCode::BAD_REQUEST, invalid.clone(), "read");
    assert_rc(&status, StatusCode::BAD_REQUEST, invalid, "status");
}

#[tokio::test]
async fn a_known_visitor_s_status_is_echoed() {
    let app = spawn_app().await;
    post(&app, "livechat/visitor", json!({"visitor": {"token": "t"}})).await;

    let reply = post(
        &app,
        "livechat/visitor.status",
        json!({"token": "t", "status": "away"}),
    )
    .await;

    assert_rc(
        &reply,
        StatusCode::OK,
        json!({"token": "t", "status": "away", "success": true}),
        "status",
    );
}

#[tokio::test]
async fn a_url_change_is_answered_as_a_navigation_message_any_other_change_bare_and_a_bad_one_an_ajv_error()
 {
    let app = spawn_app().await;
    let url = r#"{"token": "t", "pageInfo": {"title": "Home", "location": {"href": "http://site/"}, "change": "url"}}"#;
    let title = r#"{"token": "t", "pageInfo": {"change": "title", "title": "Home", "location": {"href": "http://site/"}}}"#;

    let navigation = app
        .rc_anonymous(Method::POST, "livechat/page.visited", Some(url))
        .await;
    let other = app
        .rc_anonymous(Method::POST, "livechat/page.visited", Some(title))
        .await;
    let bad = post(&app, "livechat/page.visited", json!({"token": "t"})).await;

    // The page info comes back in the order it was sent.
    assert_eq!(navigation.status, StatusCode::OK);
    assert_eq!(
        navigation.body,
        r#"{"page":{"msg":"Home - http://site/","navigation":{"page":{"title":"Home","location":{"href":"http://site/"},"change":"url"},"token":"t"}},"success":true}"#
    );
    assert_rc(
        &other,
        StatusCode::OK,
        json!({"success": true}),
        "title change",
    );
    assert_rc(
        &bad,
        StatusCode::BAD_REQUEST,
        json!({"success": false,
            "error": "must have required property 'pageInfo' [invalid-params]",
            "errorType": "invalid-params"}),
        "no pageInfo",
    );
}

#[tokio::test]
async fn an_offline_message_is_recorded_with_its_department() {
    let app = spawn_app().await;

    let reply = post(
        &app,
        "livechat/offline.message",
        json!({"name": "Bea", "email": "bea@example.com", "message": "Call me",
            "department": SALES, "host": "http://site.example"}),
    )
    .await;

    assert_rc(
        &reply,
        StatusCode::OK,
        json!({"message": "Livechat offline message sent", "success": true}),
        "sent",
    );
    let mut kept = contacts(&app, "default").await["offline_messages"].clone();
    assert!(kept[0]["received_at"].as_str().unwrap().ends_with('Z'));
    kept[0].as_object_mut().unwrap().remove("received_at");
    assert_eq!(
        kept,
        json!([{"name": "Bea", "email": "bea@example.com", "message": "Call me",
            "department": 1, "host": "http://site.example"}])
    );
}

#[tokio::test]
async fn an_offline_message_for_an_unknown_department_is_kept_without_one() {
    let app = spawn_app().await;

    let reply = post(
        &app,
        "livechat/offline.message",
        json!({"name": "Bea", "email": "b@e.com", "message": "m", "department": "Nowhere"}),
    )
    .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let kept = contacts(&app, "default").await["offline_messages"].clone();
    assert_eq!(kept[0]["department"], Value::Null);
}

#[tokio::test]
async fn an_email_rocket_chat_would_not_validate_is_kept_as_given() {
    let app = spawn_app().await;

    let reply = post(
        &app,
        "livechat/visitor",
        json!({"visitor": {"token": "t", "email": "Not An Email"}}),
    )
    .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.json()["visitor"]["visitorEmails"],
        json!([{"address": "not an email"}])
    );
}

#[tokio::test]
async fn each_bad_offline_message_is_refused_and_nothing_is_recorded() {
    let app = spawn_app().await;
    let not_sent = json!({"success": false, "error": "Error sending Omnichannel offline message"});
    let cases: &[(&str, Value, Value)] = &[
        (
            "no message",
            json!({"name": "Bea", "email": "bea@example.com"}),
            json!({"success": false,
                "error": "must have required property 'message' [invalid-params]",
                "errorType": "invalid-params"}),
        ),
        (
            "an unknown field",
            json!({"name": "Bea", "email": "b@e.com", "message": "m", "x": 1}),
            json!({"success": false,
                "error": "must NOT have additional properties [invalid-params]",
                "errorType": "invalid-params"}),
        ),
        (
            "an empty email",
            json!({"name": "Bea", "email": "", "message": "m"}),
            not_sent.clone(),
        ),
    ];
    for (case, body, expected) in cases {
        let reply = post(&app, "livechat/offline.message", body.clone()).await;
        assert_rc(&reply, StatusCode::BAD_REQUEST, expected.clone(), case);
    }

    // The form switched off (`Livechat_display_offline_form`).
    let rc = app.rc().await;
    let off = rc
        .post(
            "settings/Livechat_display_offline_form",
            json!({"value": false}),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    let reply = post(
        &app,
        "livechat/offline.message",
        json!({"name": "Bea", "email": "b@e.com", "message": "m"}),
    )
    .await;
    assert_rc(&reply, StatusCode::BAD_REQUEST, not_sent, "form off");

    assert_eq!(
        contacts(&app, "default").await["offline_messages"],
        json!([])
    );
}

#[tokio::test]
async fn visitors_are_kept_per_tenant() {
    let app = spawn_app().await;
    let created = app
        .request(
            Method::POST,
            "/_gateway/tenants",
            None,
            Some(r#"{"name": "acme"}"#),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let reply = app
        .send(
            app.client
                .post(app.url("/t/acme/api/v1/livechat/visitor"))
                .header("content-type", "application/json")
                .body(r#"{"visitor": {"token": "acme-visitor"}}"#),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        contacts(&app, "acme").await["contacts"][0]["token"],
        "acme-visitor"
    );
    assert_eq!(contacts(&app, "default").await["contacts"], json!([]));
    let elsewhere = app
        .rc_anonymous(Method::GET, "livechat/visitor/acme-visitor", None)
        .await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn visitors_and_offline_messages_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let durable = |dir: &std::path::Path| {
        let options = deskbridge::persist::Options::new(dir);
        move |config: &mut deskbridge::config::Config| config.durability = Some(options)
    };
    let app = spawn_app_with(durable(dir.path())).await;
    post(
        &app,
        "livechat/visitor",
        json!({"visitor": {"token": "t", "name": "Ada", "department": SALES}}),
    )
    .await;
    post(
        &app,
        "livechat/offline.message",
        json!({"name": "Bea", "email": "b@e.com", "message": "m"}),
    )
    .await;
    let before = contacts(&app, "default").await;
    app.handle.shutdown().await;

    let app = spawn_app_with(durable(dir.path())).await;

    assert_eq!(contacts(&app, "default").await, before);
    let found = app
        .rc_anonymous(Method::GET, "livechat/visitor/t", None)
        .await;
    assert_eq!(found.json()["visitor"]["department"], SALES);
}
