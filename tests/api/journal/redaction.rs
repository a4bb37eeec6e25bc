//! No secret is ever recorded: writes through every facade and every credential route, then
//! every journal entry is searched for every secret the traffic carried.

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::ok;
use crate::helpers::{ADMIN_TOKEN, ZD_ADMIN_API_TOKEN, spawn_app};

#[tokio::test]
async fn no_journal_entry_holds_any_secret_the_traffic_carried() {
    let app = spawn_app().await;
    let mut secrets: Vec<String> = vec![
        ADMIN_TOKEN.to_owned(),
        ZD_ADMIN_API_TOKEN.to_owned(),
        "zopim-secret-1".to_owned(),
        "classic-secret-2".to_owned(),
        "rc-secret-3".to_owned(),
    ];

    // Zopim: an agent made with a password, under the bearer token.
    ok(&app
        .zopim()
        .post(
            "/agents",
            r#"{"display_name": "Jo Writer", "email": "jo@example.com", "password": "zopim-secret-1", "role_id": 2}"#,
        )
        .await);
    // Classic: a user made with a <password>, who then signs in with it (Basic).
    ok(&app
        .zendesk()
        .post(
            "/users.xml",
            "<user><name>Boss</name><email>boss@example.com</email><roles type=\"integer\">2</roles><password>classic-secret-2</password></user>",
        )
        .await);
    ok(&app
        .zendesk()
        .signed_in_as("boss@example.com", "classic-secret-2")
        .get("/users/current.xml")
        .await);
    // Support: the API token in Basic.
    let support = crate::support::get(&app, "/api/v2/groups.json").await;
    assert_eq!(support.status, StatusCode::OK);
    let engine = base64::engine::general_purpose::STANDARD;
    secrets.push(engine.encode(format!("admin@example.com/token:{ZD_ADMIN_API_TOKEN}")));
    secrets.push(engine.encode("boss@example.com:classic-secret-2"));
    // Support's password routes: an administrator sets Maria's, Maria changes it with the
    // previous one (Basic with it), and a change refused for a wrong previous one.
    let set = crate::support::admin(
        &app,
        Method::POST,
        "/api/v2/users/3/password.json",
        Some(r#"{"password": "support-secret-4"}"#),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let change = |body: &'static str| {
        crate::support::call(
            &app,
            crate::support::Auth::Password("maria@example.com", "support-secret-4"),
            Method::PUT,
            "/api/v2/users/3/password",
            Some(body),
        )
    };
    let refused = change(
        r#"{"previous_password": "support-secret-6-wrong", "password": "support-secret-7"}"#,
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let changed =
        change(r#"{"previous_password": "support-secret-4", "password": "support-secret-5"}"#)
            .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    for secret in [
        "support-secret-4",
        "support-secret-5",
        "support-secret-6-wrong",
        "support-secret-7",
    ] {
        secrets.push(secret.to_owned());
    }
    secrets.push(engine.encode("maria@example.com:support-secret-4"));
    // Rocket.Chat: users.create with a password, a login with it (the answer's authToken), and a
    // write under X-Auth-Token.
    let admin = app.rc().await;
    secrets.push(admin.token.clone());
    ok(&admin
        .post(
            "users.create",
            json!({"email": "new@example.com", "name": "New Person", "username": "newbie", "password": "rc-secret-3"}),
        )
        .await);
    let newbie = app.rc_as(("newbie", "rc-secret-3")).await;
    secrets.push(newbie.token.clone());
    ok(&admin
        .post(
            "livechat/department",
            json!({"department": {"enabled": true, "name": "Billing EU", "showOnRegistration": true, "showOnOfflineForm": false, "email": "b@example.com"}}),
        )
        .await);
    // A failed login's body holds the password it tried.
    let refused = app
        .rc_login_raw(r#"{"user": "newbie", "password": "rc-secret-3-wrong"}"#)
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

    let reply = app
        .request(
            Method::GET,
            "/_gateway/tenants/default/requests?limit=10000",
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let entries = reply.json()["requests"].as_array().unwrap().clone();
    assert!(entries.len() >= 12, "{entries:#?}");
    for entry in &entries {
        let text = entry.to_string();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "entry {} holds the secret {secret}: {text}",
                entry["seq"]
            );
        }
    }
    // What was redacted says so, and the rest is kept: the password writes are journaled, with
    // the change they made named but not shown.
    let written: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| {
            e["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/api/v2/users/3/password"))
        })
        .collect();
    let seen: Vec<(String, u64, String, Vec<String>)> = written
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_owned(),
                e["status"].as_u64().unwrap(),
                e["request_body"]["text"].as_str().unwrap().to_owned(),
                super::changes(e),
            )
        })
        .collect();
    let hidden = r#"{"password":"[redacted]","previous_password":"[redacted]"}"#;
    let changed = vec!["agent 3: password changed".to_owned()];
    assert_eq!(
        seen,
        [
            (
                "POST".to_owned(),
                200,
                r#"{"password":"[redacted]"}"#.to_owned(),
                changed.clone()
            ),
            ("PUT".to_owned(), 422, hidden.to_owned(), Vec::new()),
            ("PUT".to_owned(), 200, hidden.to_owned(), changed),
        ]
    );

    let login = entries
        .iter()
        .find(|e| e["path"] == "/api/v1/login" && e["status"] == 200)
        .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(login["response_body"]["text"].as_str().unwrap())
            .unwrap()["data"]["authToken"],
        "[redacted]"
    );
}
