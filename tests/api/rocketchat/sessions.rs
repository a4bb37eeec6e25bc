//! Login sessions (issue 16): `logout` (POST and GET) ends the calling session only, sessions
//! expire after `Accounts_LoginExpiration` days, an agent keeps at most
//! `MAX_SESSIONS_PER_AGENT` sessions, and a login costs the data directory one small record.
//! Bodies: `apps/meteor/app/api/server/ApiClass.ts` (`logout`, `authenticatedRoute`).

use std::path::Path;

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use deskbridge::model::{AgentId, MAX_SESSIONS_PER_AGENT};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{assert_rc, expect};
use crate::helpers::{RC_ADMIN, RC_ADMIN_ID, Rc, TestApp, spawn_app_on};

fn logged_out() -> Value {
    json!({"success": false, "error": "You must be logged in to do this.",
           "status": "error", "message": "You must be logged in to do this."})
}

fn login_failed() -> Value {
    json!({"success": false, "error": "Unauthorized", "status": "error", "message": "Unauthorized"})
}

fn logout_body() -> Value {
    json!({"status": "success", "data": {"message": "You've been logged out!"}, "success": true})
}

/// The default data, the admin's password hashed with Argon2's cheapest parameters (so that a
/// test can log in thousands of times) and, if given, session digests preset for the admin.
fn fixtures(sessions: Value) -> String {
    let mut data: Value = serde_json::from_str(deskbridge::fixtures::DEFAULT).unwrap();
    let params = argon2::Params::new(8, 1, 1, None).unwrap();
    let cheap = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(b"admin", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
    data["agents"][0]["password_hash"] = json!(cheap);
    data["agents"][0]["token_digests"] = sessions;
    data.to_string()
}

/// A session given by its clear token, as the headers carry it.
fn preset<'a>(app: &'a TestApp, token: &str) -> Rc<'a> {
    Rc {
        app,
        token: token.to_owned(),
        user_id: RC_ADMIN_ID.to_owned(),
    }
}

/// The digest entry of a clear session token, started at `started_at`.
fn digest_entry(token: &str, started_at: &str) -> Value {
    let digest = deskbridge::auth::token_digest(token);
    json!({"kind": "session", "digest": hex::encode(digest.0), "started_at": started_at})
}

fn days_ago(days: i64) -> String {
    let at = time::OffsetDateTime::now_utc() - time::Duration::days(days);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[tokio::test]
async fn a_logout_ends_the_calling_session_only_through_post_and_get() {
    let app = spawn_app_on(&fixtures(json!([]))).await;
    let (first, second, third) = (app.rc().await, app.rc().await, app.rc().await);

    let out = first.call(Method::POST, "logout", None).await;

    assert_rc(&out, StatusCode::OK, logout_body(), "POST logout");
    assert_rc(
        &first.get("livechat/department").await,
        StatusCode::UNAUTHORIZED,
        logged_out(),
        "the ended session",
    );
    expect(&second.get("livechat/department").await, StatusCode::OK);
    // Restivus's deprecated GET logout does the same.
    let out = second.call(Method::GET, "logout", None).await;
    assert_rc(&out, StatusCode::OK, logout_body(), "GET logout");
    assert_rc(
        &second.get("livechat/department").await,
        StatusCode::UNAUTHORIZED,
        logged_out(),
        "the session ended by GET",
    );
    // A logout of an ended session, or with none, is the 401 of any route.
    assert_rc(
        &first.call(Method::POST, "logout", None).await,
        StatusCode::UNAUTHORIZED,
        logged_out(),
        "logout again",
    );
    assert_rc(
        &app.rc_anonymous(Method::POST, "logout", None).await,
        StatusCode::UNAUTHORIZED,
        logged_out(),
        "logout without a session",
    );
    expect(&third.get("livechat/department").await, StatusCode::OK);
    let held = app.handle.store().view().sessions_of(AgentId(1)).len();
    assert_eq!(held, 1);
    app.assert_invariants();
}

#[tokio::test]
async fn a_session_older_than_accounts_login_expiration_is_the_logged_out_401() {
    // Arrange: sessions preset as digests, started 2 and 91 days ago.
    let app = spawn_app_on(&fixtures(json!([
        digest_entry("two-days-old-session", &days_ago(2)),
        digest_entry("ninety-one-days-old-session", &days_ago(91)),
    ])))
    .await;
    let recent = preset(&app, "two-days-old-session");
    let old = preset(&app, "ninety-one-days-old-session");

    // Act / Assert: 90 days by default.
    expect(&recent.get("livechat/department").await, StatusCode::OK);
    assert_rc(
        &old.get("livechat/department").await,
        StatusCode::UNAUTHORIZED,
        logged_out(),
        "a session past 90 days",
    );
    assert_rc(
        &app.rc_login_raw(r#"{"resume": "ninety-one-days-old-session"}"#)
            .await,
        StatusCode::UNAUTHORIZED,
        login_failed(),
        "a resume login with an expired session",
    );
    // The setting is Rocket.Chat's, and the settings route changes it.
    let admin = app.rc_as(RC_ADMIN).await;
    let shown = admin.get("settings/Accounts_LoginExpiration").await;
    assert_rc(
        &shown,
        StatusCode::OK,
        json!({"_id": "Accounts_LoginExpiration", "value": 90, "success": true}),
        "the default",
    );
    admin.setting("Accounts_LoginExpiration", json!(1)).await;
    assert_rc(
        &recent.get("livechat/department").await,
        StatusCode::UNAUTHORIZED,
        logged_out(),
        "a 2-day-old session with a 1-day limit",
    );
    expect(&admin.get("livechat/department").await, StatusCode::OK);
    // A login ends the agent's expired sessions with it.
    let again = app.rc_as(RC_ADMIN).await;
    expect(&again.get("livechat/department").await, StatusCode::OK);
    let view = app.handle.store().view();
    let digests: Vec<_> = view
        .sessions_of(AgentId(1))
        .iter()
        .map(|s| s.digest)
        .collect();
    assert_eq!(
        digests,
        [&admin.token, &again.token].map(|t| deskbridge::auth::token_digest(t))
    );
    app.assert_invariants();
}

#[tokio::test]
async fn a_login_past_the_bound_ends_the_oldest_session() {
    let app = spawn_app_on(&fixtures(json!([]))).await;
    let first = app.rc().await;
    let mut last = None;
    for _ in 0..MAX_SESSIONS_PER_AGENT {
        last = Some(app.rc().await);
    }
    let last = last.unwrap();

    assert_rc(
        &first.get("livechat/department").await,
        StatusCode::UNAUTHORIZED,
        logged_out(),
        "the oldest session",
    );
    expect(&last.get("livechat/department").await, StatusCode::OK);
    let held = app.handle.store().view().sessions_of(AgentId(1)).len();
    assert_eq!(held, MAX_SESSIONS_PER_AGENT);
    app.assert_invariants();
}

/// Bytes of every file under `dir`.
fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                size_of(&entry.path())
            } else {
                meta.len()
            }
        })
        .sum()
}

/// Resident memory of this process (the test and the gateway), from `/proc/self/status`.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

// See: issue 16 — 500 logins of one agent wrote 12 MB to the data directory, 1 000 wrote 48 MB.
#[tokio::test]
#[ignore = "slow: 10 000 logins, each a journaled write; .ci/run runs it"]
async fn ten_thousand_logins_add_at_most_a_kibibyte_each_to_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let options = deskbridge::persist::Options::new(dir.path());
    let text = fixtures(json!([]));
    let app = {
        // The durable gateway on the cheap-hash data.
        let state =
            deskbridge::fixtures::FixtureFile::parse(&text, deskbridge::model::Timestamp::now())
                .and_then(|f| f.into_state())
                .unwrap();
        let mut config = deskbridge::config::Config::for_tests();
        config.durability = Some(options);
        let handle = deskbridge::app::App::spawn_with_state(config, state)
            .await
            .unwrap();
        let base = format!("http://{}", handle.addr());
        TestApp {
            handle,
            base,
            client: reqwest::Client::new(),
        }
    };
    const LOGINS: u64 = 10_000;
    let before = size_of(dir.path());
    let mut resident_at_bound = None;

    for n in 0..LOGINS {
        let rc = app.rc().await;
        if n + 1 == MAX_SESSIONS_PER_AGENT as u64 * 2 {
            resident_at_bound = resident_kib();
        }
        if n + 1 == LOGINS {
            expect(&rc.get("livechat/department").await, StatusCode::OK);
        }
    }

    let grown = size_of(dir.path()).saturating_sub(before);
    let resident_after = resident_kib();
    eprintln!(
        "{LOGINS} logins: data directory +{grown} bytes ({} per login); resident memory {resident_at_bound:?} KiB at {} logins, {resident_after:?} KiB after",
        grown / LOGINS,
        MAX_SESSIONS_PER_AGENT * 2
    );
    assert!(grown <= LOGINS * 1024, "{grown} bytes for {LOGINS} logins");
    let view = app.handle.store().view();
    assert_eq!(view.sessions_of(AgentId(1)).len(), MAX_SESSIONS_PER_AGENT);
    view.check_invariants().unwrap();
}

#[tokio::test]
async fn a_restart_keeps_the_sessions_their_ends_and_the_units() {
    // Arrange: two sessions, one ended; a unit with a department.
    let dir = tempfile::tempdir().unwrap();
    let durable = |config: &mut deskbridge::config::Config| {
        config.durability = Some(deskbridge::persist::Options::new(dir.path()));
    };
    let app = crate::helpers::spawn_app_with(durable).await;
    let (kept, ended) = (app.rc().await, app.rc().await);
    let (kept_token, ended_token) = (kept.token.clone(), ended.token.clone());
    expect(
        &ended.call(Method::POST, "logout", None).await,
        StatusCode::OK,
    );
    let unit = expect(
        &kept
            .post(
                "livechat/units",
                json!({"unitData": {"name": "North", "visibility": "public"}, "unitMonitors": [],
                       "unitDepartments": [{"departmentId": "65a4f0c2e4b0a1b2c3d4e5f1"}]}),
            )
            .await,
        StatusCode::OK,
    );
    let before = app.handle.store().view();
    app.handle.shutdown().await;

    // Act
    let app = crate::helpers::spawn_app_with(durable).await;

    // Assert
    let view = app.handle.store().view();
    assert!(
        view.same_records(&before),
        "the records differ after a restart"
    );
    view.check_invariants().unwrap();
    let kept = preset(&app, &kept_token);
    let shown = expect(
        &kept
            .get(&format!("livechat/units/{}", unit["_id"].as_str().unwrap()))
            .await,
        StatusCode::OK,
    );
    assert_eq!(shown["numDepartments"], 1);
    assert_rc(
        &preset(&app, &ended_token).get("livechat/department").await,
        StatusCode::UNAUTHORIZED,
        logged_out(),
        "the session ended before the restart",
    );
}
