//! User passwords: an administrator sets one, a user changes their own with the previous one,
//! the requirements are listed; the new password then opens Support and classic Zendesk (one
//! model), and every refused request leaves the old password working and the record unchanged.

use super::users::user;
use super::*;
use crate::helpers::ZD_AGENT;
use deskbridge::model::{Agent, AgentId};

const MARIA: &str = "maria@example.com";

/// The record as the store holds it (credentials included), for "unchanged" checks.
fn record(app: &TestApp, id: u64) -> Agent {
    let view = app.handle.store().view();
    let agent = view.agent(AgentId(id)).expect("the user exists");
    Agent::clone(agent.as_ref())
}

/// 200, Zendesk's content type, and no body at all.
#[track_caller]
fn assert_empty_ok(reply: &Reply, case: &str) {
    assert_eq!(reply.status, StatusCode::OK, "{case}: {:?}", reply.body);
    assert_eq!(
        reply.content_type(),
        Some(JSON_UTF8),
        "{case}: content type"
    );
    assert_eq!(reply.body, "", "{case}: body");
}

/// Whether `email:password` opens Support's `users/me` (whole body) and classic Zendesk's
/// `users/current.xml` (the same bytes as the administrator's view of that user); `false` when
/// both refuse it with their 401s.
async fn opens(app: &TestApp, id: u64, email: &'static str, password: &'static str) -> bool {
    let support = call(
        app,
        Auth::Password(email, password),
        Method::GET,
        "/api/v2/users/me.json",
        None,
    )
    .await;
    let classic = app
        .zendesk()
        .signed_in_as(email, password)
        .get("/users/current.xml")
        .await;
    if support.status == StatusCode::UNAUTHORIZED {
        assert_json(
            &support,
            StatusCode::UNAUTHORIZED,
            json!({"error": "Couldn't authenticate you"}),
            "Support refuses",
        );
        assert_eq!(
            classic.status,
            StatusCode::UNAUTHORIZED,
            "classic refuses too: {}",
            classic.body
        );
        return false;
    }
    // The default data's default groups: Sales for Alex and Sam, Support for Maria.
    let default_group = if id == 3 { 2 } else { 1 };
    assert_json(
        &support,
        StatusCode::OK,
        json!({"user": user(app, id, Some(default_group))}),
        "Support users/me",
    );
    assert_eq!(classic.status, StatusCode::OK, "classic: {}", classic.body);
    // The administrator by API token: a test may have changed the administrator's password.
    let seen_by_admin = app
        .zendesk()
        .signed_in_as(&format!("{}/token", ZD_ADMIN.0), ZD_ADMIN_API_TOKEN)
        .get(&format!("/users/{id}.xml"))
        .await;
    assert_eq!(
        seen_by_admin.status,
        StatusCode::OK,
        "{}",
        seen_by_admin.body
    );
    assert_eq!(classic.body, seen_by_admin.body, "classic users/current");
    true
}

#[tokio::test]
async fn an_administrator_sets_a_password_that_opens_support_and_classic_zendesk() {
    let app = spawn_app().await;
    assert!(!opens(&app, 3, MARIA, "maria-pass-1").await);

    let set = admin(
        &app,
        Method::POST,
        "/api/v2/users/3/password.json",
        Some(r#"{"password": "maria-pass-1"}"#),
    )
    .await;

    assert_empty_ok(&set, "POST password.json");
    assert!(opens(&app, 3, MARIA, "maria-pass-1").await);
    assert!(!opens(&app, 3, MARIA, "maria-pass-X").await);

    // Again without `.json`: the new one opens, the old one no longer does.
    let again = admin(
        &app,
        Method::POST,
        "/api/v2/users/3/password",
        Some(r#"{"password": "maria-pass-2"}"#),
    )
    .await;
    assert_empty_ok(&again, "POST password");
    assert!(opens(&app, 3, MARIA, "maria-pass-2").await);
    assert!(!opens(&app, 3, MARIA, "maria-pass-1").await);
    app.assert_invariants();
}

#[tokio::test]
async fn a_user_changes_their_own_password_only_with_the_previous_one() {
    let app = spawn_app().await;
    let sam = Auth::Password(ZD_AGENT.0, ZD_AGENT.1);

    let changed = call(
        &app,
        sam,
        Method::PUT,
        "/api/v2/users/2/password.json",
        Some(r#"{"previous_password": "agent", "password": "sam-pass-1"}"#),
    )
    .await;

    assert_empty_ok(&changed, "PUT password.json");
    assert!(opens(&app, 2, ZD_AGENT.0, "sam-pass-1").await);
    assert!(!opens(&app, 2, ZD_AGENT.0, ZD_AGENT.1).await);

    // A wrong previous password: Zendesk's 422, nothing changed.
    let before = record(&app, 2);
    let wrong = call(
        &app,
        Auth::Password(ZD_AGENT.0, "sam-pass-1"),
        Method::PUT,
        "/api/v2/users/2/password",
        Some(r#"{"previous_password": "agent", "password": "sam-pass-2"}"#),
    )
    .await;
    assert_json(
        &wrong,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"error": "RecordInvalid", "description": "Record validation errors",
               "details": {"previous_password": [{"description": "Previous password: is incorrect", "error": "InvalidValue"}]}}),
        "wrong previous password",
    );
    assert_eq!(record(&app, 2), before, "the record after a refused change");
    assert!(opens(&app, 2, ZD_AGENT.0, "sam-pass-1").await);
    assert!(!opens(&app, 2, ZD_AGENT.0, "sam-pass-2").await);

    // The right one, without `.json`, under an API token's caller: the administrator's own.
    let own = admin(
        &app,
        Method::PUT,
        "/api/v2/users/1/password",
        Some(r#"{"previous_password": "admin", "password": "admin-pass-1"}"#),
    )
    .await;
    assert_empty_ok(&own, "PUT password (the administrator's own)");
    assert!(opens(&app, 1, "admin@example.com", "admin-pass-1").await);
    app.assert_invariants();
}

#[tokio::test]
async fn the_requirements_are_zendesks_default_policy() {
    let app = spawn_app().await;
    let expected = requirements();

    for (auth, path) in [
        (Auth::ApiToken, "/api/v2/users/3/password/requirements.json"),
        (Auth::ApiToken, "/api/v2/users/3/password/requirements"),
        (
            Auth::Bearer(AGENT_TOKEN),
            "/api/v2/users/1/password/requirements",
        ),
        (
            Auth::Password(ZD_AGENT.0, ZD_AGENT.1),
            "/api/v2/users/2/password/requirements.json",
        ),
    ] {
        let reply = call(&app, auth, Method::GET, path, None).await;
        assert_json(&reply, StatusCode::OK, expected.clone(), path);
    }

    let unknown = get(&app, "/api/v2/users/999/password/requirements").await;
    assert_json(&unknown, StatusCode::NOT_FOUND, not_found(), "unknown user");
    let anonymous = call(
        &app,
        Auth::Nobody,
        Method::GET,
        "/api/v2/users/3/password/requirements",
        None,
    )
    .await;
    assert_json(
        &anonymous,
        StatusCode::UNAUTHORIZED,
        json!({"error": "Couldn't authenticate you"}),
        "no credentials",
    );
}

#[tokio::test]
async fn an_end_user_reads_and_changes_only_their_own() {
    let app = spawn_app().await;
    let made = admin(
        &app,
        Method::POST,
        "/api/v2/users.json",
        Some(r#"{"user": {"name": "Eve End", "email": "eve@example.com"}}"#),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let id = made.json()["user"]["id"].as_u64().unwrap();
    assert_empty_ok(
        &admin(
            &app,
            Method::POST,
            &format!("/api/v2/users/{id}/password"),
            Some(r#"{"password": "eve-pass-1"}"#),
        )
        .await,
        "the administrator sets Eve's",
    );
    let eve = Auth::Password("eve@example.com", "eve-pass-1");

    let own = call(
        &app,
        eve,
        Method::GET,
        &format!("/api/v2/users/{id}/password/requirements"),
        None,
    )
    .await;
    assert_json(&own, StatusCode::OK, requirements(), "her own requirements");
    let other = call(
        &app,
        eve,
        Method::GET,
        "/api/v2/users/3/password/requirements",
        None,
    )
    .await;
    assert_json(
        &other,
        StatusCode::FORBIDDEN,
        forbidden(),
        "another's requirements",
    );
    let changed = call(
        &app,
        eve,
        Method::PUT,
        &format!("/api/v2/users/{id}/password"),
        Some(r#"{"previous_password": "eve-pass-1", "password": "eve-pass-2"}"#),
    )
    .await;
    assert_empty_ok(&changed, "Eve changes her own");
    let with_new = call(
        &app,
        Auth::Password("eve@example.com", "eve-pass-2"),
        Method::GET,
        &format!("/api/v2/users/{id}/password/requirements"),
        None,
    )
    .await;
    assert_json(
        &with_new,
        StatusCode::OK,
        requirements(),
        "signed in with the new one",
    );
}

/// Zendesk's default policy, as its reference's example lists it.
fn requirements() -> Value {
    json!({"requirements": ["must be at least 5 characters", "must be different from email address"]})
}

fn forbidden() -> Value {
    json!({"error": "Forbidden", "description": "You do not have access to this page. Please contact the account owner of this help desk for further help."})
}

fn missing(field: &str) -> Value {
    json!({"error": "ParameterMissing", "description": format!("param is missing or the value is empty: {field}")})
}

fn invalid(field: &str, descriptions: &[&str]) -> Value {
    let problems: Vec<Value> = descriptions
        .iter()
        .map(|d| json!({"description": d, "error": "InvalidValue"}))
        .collect();
    json!({"error": "RecordInvalid", "description": "Record validation errors", "details": {field: problems}})
}

#[tokio::test]
async fn each_bad_request_gets_zendesks_error_and_the_old_password_still_opens() {
    let app = spawn_app().await;
    assert_empty_ok(
        &admin(
            &app,
            Method::POST,
            "/api/v2/users/3/password",
            Some(r#"{"password": "maria-pass-1"}"#),
        )
        .await,
        "setup",
    );
    let maria = Auth::Password(MARIA, "maria-pass-1");
    let sam = Auth::Password(ZD_AGENT.0, ZD_AGENT.1);
    let too_short = invalid("password", &["Password: must be at least 5 characters"]);
    let like_email = invalid(
        "password",
        &["Password: must be different from email address"],
    );

    #[rustfmt::skip]
    let cases: Vec<(&str, Auth, Method, &str, &str, StatusCode, Value)> = vec![
        ("set: no password", Auth::ApiToken, Method::POST, "/api/v2/users/3/password", r#"{}"#, StatusCode::BAD_REQUEST, missing("password")),
        ("set: an empty password", Auth::ApiToken, Method::POST, "/api/v2/users/3/password.json", r#"{"password": ""}"#, StatusCode::BAD_REQUEST, missing("password")),
        ("set: a null password", Auth::ApiToken, Method::POST, "/api/v2/users/3/password", r#"{"password": null}"#, StatusCode::BAD_REQUEST, missing("password")),
        ("set: too short", Auth::ApiToken, Method::POST, "/api/v2/users/3/password", r#"{"password": "abcd"}"#, StatusCode::UNPROCESSABLE_ENTITY, too_short.clone()),
        ("set: the email", Auth::ApiToken, Method::POST, "/api/v2/users/3/password", r#"{"password": "Maria@Example.com"}"#, StatusCode::UNPROCESSABLE_ENTITY, like_email.clone()),
        ("set: an unknown user", Auth::ApiToken, Method::POST, "/api/v2/users/999/password", r#"{"password": "ghost-pass"}"#, StatusCode::NOT_FOUND, not_found()),
        ("set: an agent, another's", sam, Method::POST, "/api/v2/users/3/password", r#"{"password": "sam-sets-it"}"#, StatusCode::FORBIDDEN, forbidden()),
        ("set: an agent, their own", maria, Method::POST, "/api/v2/users/3/password", r#"{"password": "maria-sets-it"}"#, StatusCode::FORBIDDEN, forbidden()),
        ("set: no credentials", Auth::Nobody, Method::POST, "/api/v2/users/3/password", r#"{"password": "nobody-pass"}"#, StatusCode::UNAUTHORIZED, json!({"error": "Couldn't authenticate you"})),
        ("change: an agent, another's", sam, Method::PUT, "/api/v2/users/3/password", r#"{"previous_password": "maria-pass-1", "password": "sam-changes-it"}"#, StatusCode::FORBIDDEN, forbidden()),
        ("change: an administrator, another's", Auth::ApiToken, Method::PUT, "/api/v2/users/3/password", r#"{"previous_password": "maria-pass-1", "password": "admin-changes-it"}"#, StatusCode::FORBIDDEN, forbidden()),
        ("change: an unknown user", maria, Method::PUT, "/api/v2/users/999/password", r#"{"previous_password": "maria-pass-1", "password": "ghost-pass"}"#, StatusCode::FORBIDDEN, forbidden()),
        ("change: no previous password", maria, Method::PUT, "/api/v2/users/3/password", r#"{"password": "maria-pass-2"}"#, StatusCode::BAD_REQUEST, missing("previous_password")),
        ("change: no password", maria, Method::PUT, "/api/v2/users/3/password", r#"{"previous_password": "maria-pass-1"}"#, StatusCode::BAD_REQUEST, missing("password")),
        ("change: too short", maria, Method::PUT, "/api/v2/users/3/password.json", r#"{"previous_password": "maria-pass-1", "password": "abcd"}"#, StatusCode::UNPROCESSABLE_ENTITY, too_short.clone()),
        ("change: the email", maria, Method::PUT, "/api/v2/users/3/password", r#"{"previous_password": "maria-pass-1", "password": "maria@example.com"}"#, StatusCode::UNPROCESSABLE_ENTITY, like_email.clone()),
        ("change: a wrong previous password", maria, Method::PUT, "/api/v2/users/3/password", r#"{"previous_password": "maria-pass-X", "password": "maria-pass-2"}"#, StatusCode::UNPROCESSABLE_ENTITY, invalid("previous_password", &["Previous password: is incorrect"])),
    ];

    for (case, auth, method, path, body, status, expected) in cases {
        let before = record(&app, 3);
        let version = app.handle.store().view().version();

        let reply = call(&app, auth, method, path, Some(body)).await;

        assert_json(&reply, status, expected, case);
        assert_eq!(record(&app, 3), before, "{case}: Maria's record");
        assert_eq!(
            app.handle.store().view().version(),
            version,
            "{case}: the state's version"
        );
        assert!(opens(&app, 3, MARIA, "maria-pass-1").await, "{case}");
    }
    for refused in [
        "sam-sets-it",
        "maria-sets-it",
        "sam-changes-it",
        "admin-changes-it",
        "maria-pass-2",
    ] {
        assert!(!opens(&app, 3, MARIA, refused).await, "{refused}");
    }
    app.assert_invariants();
}

/// Every byte under `dir`, files in any folder.
fn disk_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            bytes.extend(disk_bytes(&path));
        } else {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

#[tokio::test]
async fn a_password_set_or_changed_survives_a_restart_and_reaches_the_disk_only_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let durable = |config: &mut deskbridge::config::Config| {
        config.durability = Some(deskbridge::persist::Options::new(dir.path()));
    };
    let app = crate::helpers::spawn_app_with(durable).await;
    assert_empty_ok(
        &admin(
            &app,
            Method::POST,
            "/api/v2/users/3/password",
            Some(r#"{"password": "maria-disk-1"}"#),
        )
        .await,
        "set",
    );
    assert_empty_ok(
        &call(
            &app,
            Auth::Password(MARIA, "maria-disk-1"),
            Method::PUT,
            "/api/v2/users/3/password",
            Some(r#"{"previous_password": "maria-disk-1", "password": "maria-disk-2"}"#),
        )
        .await,
        "change",
    );
    let before = record(&app, 3);
    app.handle.shutdown().await;

    let bytes = String::from_utf8_lossy(&disk_bytes(dir.path())).into_owned();
    for secret in ["maria-disk-1", "maria-disk-2"] {
        assert!(!bytes.contains(secret), "{secret} is on disk in the clear");
    }
    let app = crate::helpers::spawn_app_with(durable).await;

    assert_eq!(record(&app, 3), before, "Maria's record after the restart");
    assert!(opens(&app, 3, MARIA, "maria-disk-2").await);
    assert!(!opens(&app, 3, MARIA, "maria-disk-1").await);
    app.assert_invariants();
}
