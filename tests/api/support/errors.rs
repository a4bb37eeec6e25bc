//! Authentication, authorization and every error body, as Zendesk sends them, with the state
//! unchanged.

use super::*;
use reqwest::header::{ALLOW, WWW_AUTHENTICATE};

#[tokio::test]
async fn every_way_to_authenticate_opens_and_anything_else_is_couldnt_authenticate_you() {
    let app = spawn_app().await;

    for auth in [
        Auth::ApiToken,
        Auth::Password(ZD_ADMIN.0, ZD_ADMIN.1),
        Auth::Bearer(ADMIN_TOKEN),
        Auth::Bearer(AGENT_TOKEN),
        Auth::Password("agent@example.com", "agent"),
    ] {
        let reply = call(&app, auth, Method::GET, "/api/v2/groups/1.json", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    for auth in [
        Auth::Nobody,
        Auth::Password(ZD_ADMIN.0, "wrong"),
        Auth::Password("nobody@example.com", "admin"),
        Auth::Bearer("nope"),
    ] {
        let reply = call(&app, auth, Method::GET, "/api/v2/groups/1.json", None).await;
        assert_json(
            &reply,
            StatusCode::UNAUTHORIZED,
            json!({"error": "Couldn't authenticate you"}),
            "bad credentials",
        );
        assert_eq!(
            reply
                .headers
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok()),
            Some("Basic realm=\"Web Password\"")
        );
    }
}

#[tokio::test]
async fn an_agent_reads_but_may_not_write() {
    let app = spawn_app().await;
    let agent = Auth::Bearer(AGENT_TOKEN);

    let list = call(&app, agent, Method::GET, "/api/v2/groups", None).await;
    assert_eq!(list.status, StatusCode::OK);
    for (method, path, body) in [
        (
            Method::POST,
            "/api/v2/groups",
            Some(r#"{"group": {"name": "X"}}"#),
        ),
        (
            Method::PUT,
            "/api/v2/groups/1",
            Some(r#"{"group": {"name": "X"}}"#),
        ),
        (Method::DELETE, "/api/v2/groups/1", None),
    ] {
        let reply = call(&app, agent, method, path, body).await;
        assert_json(
            &reply,
            StatusCode::FORBIDDEN,
            json!({"error": "Forbidden", "description": "You do not have access to this page. Please contact the account owner of this help desk for further help."}),
            path,
        );
    }
    assert_eq!(get(&app, "/api/v2/groups").await.json()["count"], 3);
}

#[tokio::test]
async fn invalid_groups_are_record_invalid_with_every_field_in_details() {
    let app = spawn_app().await;
    let long = "x".repeat(256);
    let cases = [
        (
            r#"{"group": {"description": "d"}}"#.to_owned(),
            json!({"name": [{"description": "Name: cannot be blank", "error": "BlankValue"}]}),
        ),
        (
            r#"{"group": {"name": "  "}}"#.to_owned(),
            json!({"name": [{"description": "Name: cannot be blank", "error": "BlankValue"}]}),
        ),
        (
            format!(r#"{{"group": {{"name": "{long}"}}}}"#),
            json!({"name": [{"description": "Name: is too long (maximum is 255 characters)", "error": "InvalidValue"}]}),
        ),
        (
            r#"{"group": {"name": "Sales"}}"#.to_owned(),
            json!({"name": [{"description": "Name: has already been taken", "error": "DuplicateValue"}]}),
        ),
    ];
    for (body, details) in cases {
        let reply = admin(&app, Method::POST, "/api/v2/groups", Some(&body)).await;
        assert_json(
            &reply,
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": "RecordInvalid", "description": "Record validation errors", "details": details}),
            &body,
        );
    }
    assert_eq!(get(&app, "/api/v2/groups").await.json()["count"], 3);
}

#[tokio::test]
async fn bodies_that_are_not_a_group_are_400() {
    let app = spawn_app().await;

    let malformed = admin(&app, Method::POST, "/api/v2/groups", Some("{\"group\": ")).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.content_type(), Some(JSON_UTF8));
    assert_eq!(
        malformed.json()["error"],
        "BadRequest",
        "{}",
        malformed.body
    );

    let missing = admin(
        &app,
        Method::POST,
        "/api/v2/groups",
        Some(r#"{"name": "X"}"#),
    )
    .await;
    assert_json(
        &missing,
        StatusCode::BAD_REQUEST,
        json!({"error": "ParameterMissing", "description": "param is missing or the value is empty: group"}),
        "no root",
    );
    assert_eq!(get(&app, "/api/v2/groups").await.json()["count"], 3);
}

#[tokio::test]
async fn the_layers_answer_in_zendesks_shape() {
    let app = crate::helpers::spawn_app_with(|c| c.request.max_body_bytes = 1024).await;

    let big = format!(r#"{{"group": {{"name": "{}"}}}}"#, "x".repeat(2000));
    let too_large = admin(&app, Method::POST, "/api/v2/groups", Some(&big)).await;
    assert_json(
        &too_large,
        StatusCode::PAYLOAD_TOO_LARGE,
        json!({"error": "RequestTooLarge", "description": "The request body is too large"}),
        "413",
    );

    let wrong = admin(&app, Method::PATCH, "/api/v2/groups", None).await;
    assert_json(
        &wrong,
        StatusCode::METHOD_NOT_ALLOWED,
        json!({"error": "MethodNotAllowed", "description": "Method not allowed"}),
        "405",
    );
    assert_eq!(
        wrong.headers.get(ALLOW).and_then(|v| v.to_str().ok()),
        Some("GET, HEAD, POST")
    );
}
