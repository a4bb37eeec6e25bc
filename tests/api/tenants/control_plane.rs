//! The control plane's routes and errors (docs/tenants.md), each answer compared whole.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::helpers::{ADMIN_TOKEN, spawn_app, spawn_app_with};

/// A department created through Zopim in the tenant under `mount` (`""` or `/t/{name}`).
async fn zopim_create(app: &TestApp, mount: &str, name: &str) -> Value {
    let reply = app
        .request(
            Method::POST,
            &format!("{mount}/api/v2/chat/departments"),
            Some(ADMIN_TOKEN),
            Some(&json!({ "name": name }).to_string()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()
}

/// The department names Zopim lists in the tenant under `mount`.
async fn zopim_names(app: &TestApp, mount: &str) -> Vec<String> {
    let reply = app
        .request(
            Method::GET,
            &format!("{mount}/api/v2/chat/departments"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect()
}

const DEFAULT_NAMES: [&str; 3] = ["Sales", "Support", "Billing"];

#[tokio::test]
async fn the_default_tenant_is_listed_from_the_start() {
    let app = spawn_app().await;
    let reply = call(&app, Method::GET, "/_gateway/tenants").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), Some("application/json"));
    let body = reply.json();
    let default = &body["tenants"][0];
    assert_eq!(
        body,
        json!({ "tenants": [tenant_body(&app, default, "default", json!({"fixtures": true}), 0, DEFAULT_COUNTS)] })
    );
}

#[tokio::test]
async fn a_tenant_made_from_the_fixtures_is_answered_with_its_base_urls_and_shown_and_listed() {
    // Arrange
    let app = spawn_app().await;
    // Act: `from` absent means the fixtures.
    let reply = create(&app, json!({ "name": "acme" })).await;
    // Assert
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let created = reply.json();
    let expected = tenant_body(
        &app,
        &created,
        "acme",
        json!({"fixtures": true}),
        0,
        DEFAULT_COUNTS,
    );
    assert_eq!(created, expected);
    let shown = call(&app, Method::GET, "/_gateway/tenants/acme").await;
    assert_eq!(
        (shown.status, shown.json()),
        (StatusCode::OK, expected.clone())
    );
    let list = call(&app, Method::GET, "/_gateway/tenants").await.json();
    assert_eq!(list["tenants"].as_array().unwrap().len(), 2);
    assert_eq!(list["tenants"][0]["name"], "acme", "listed by name");
    assert_eq!(list["tenants"][1]["name"], "default");
    assert_eq!(zopim_names(&app, "/t/acme").await, DEFAULT_NAMES);
}

#[tokio::test]
async fn every_source_of_a_new_tenant_gives_the_state_it_names() {
    let app = spawn_app().await;
    zopim_create(&app, "", "Written in default").await;
    let mut forked_names = DEFAULT_NAMES.map(String::from).to_vec();
    forked_names.push("Written in default".into());

    let fork = create_ok(&app, "fork", json!({"tenant": "default"})).await;
    assert_eq!(
        fork,
        tenant_body(
            &app,
            &fork,
            "fork",
            json!({"tenant": "default", "version": 1}),
            1,
            (4, 3, 5)
        )
    );
    assert_eq!(zopim_names(&app, "/t/fork").await, forked_names);

    let snap = call_with(
        &app,
        Method::POST,
        "/_gateway/tenants/fork/snapshots",
        json!({"name": "before"}),
    )
    .await;
    assert_eq!(snap.status, StatusCode::CREATED, "{}", snap.body);
    zopim_create(&app, "/t/fork", "After the snapshot").await;
    let from_snapshot = create_ok(
        &app,
        "again",
        json!({"snapshot": {"tenant": "fork", "name": "before"}}),
    )
    .await;
    assert_eq!(
        from_snapshot,
        tenant_body(
            &app,
            &from_snapshot,
            "again",
            json!({"snapshot": {"tenant": "fork", "name": "before"}}),
            1,
            (4, 3, 5)
        )
    );
    assert_eq!(zopim_names(&app, "/t/again").await, forked_names);

    let empty = create_ok(&app, "nothing", json!({"empty": true})).await;
    assert_eq!(
        empty,
        tenant_body(
            &app,
            &empty,
            "nothing",
            json!({"empty": true}),
            0,
            (0, 0, 0)
        )
    );

    let document = json!({
        "agents": [{"id": 7, "username": "solo", "name": "Solo Admin", "email": "solo@example.com",
                    "roles": ["owner"], "tokens": {"bearer": ["solo-bearer-token"]}}],
        "departments": [{"id": 40, "name": "Only", "members": [7]}]
    });
    let given = create_ok(&app, "given", json!({"state": document})).await;
    assert_eq!(
        given,
        tenant_body(&app, &given, "given", json!({"state": true}), 0, (1, 1, 1))
    );
    let reply = app
        .request(
            Method::GET,
            "/t/given/api/v2/chat/departments/40",
            Some("solo-bearer-token"),
            None,
        )
        .await;
    assert_eq!(
        (reply.status, reply.json()["name"].clone()),
        (StatusCode::OK, json!("Only"))
    );

    // The default tenant was written once and has only that write.
    assert_eq!(zopim_names(&app, "").await, forked_names);
}

#[tokio::test]
async fn a_forks_writes_and_its_sources_writes_stay_apart() {
    let app = spawn_app().await;
    create_ok(&app, "fork", json!({"tenant": "default"})).await;
    zopim_create(&app, "/t/fork", "Only in the fork").await;
    zopim_create(&app, "", "Only in default").await;
    assert_eq!(
        zopim_names(&app, "/t/fork").await,
        ["Sales", "Support", "Billing", "Only in the fork"]
    );
    assert_eq!(
        zopim_names(&app, "").await,
        ["Sales", "Support", "Billing", "Only in default"]
    );
    app.assert_invariants();
}

#[tokio::test]
async fn a_reset_goes_back_to_what_the_tenant_was_made_from() {
    let app = spawn_app().await;
    zopim_create(&app, "", "Before the fork").await;
    create_ok(&app, "fork", json!({"tenant": "default"})).await;
    create_ok(&app, "plain", json!({"fixtures": true})).await;
    create_ok(&app, "bare", json!({"empty": true})).await;
    for (mount, _) in [("/t/fork", ()), ("/t/plain", ()), ("", ())] {
        zopim_create(&app, mount, "Written before the reset").await;
    }

    for (tenant, names) in [
        (
            "fork",
            vec!["Sales", "Support", "Billing", "Before the fork"],
        ),
        ("plain", DEFAULT_NAMES.to_vec()),
        ("default", DEFAULT_NAMES.to_vec()),
    ] {
        let reply = call(
            &app,
            Method::POST,
            &format!("/_gateway/tenants/{tenant}/reset"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let body = reply.json();
        assert_eq!(body["name"], tenant);
        assert_eq!(body["counts"]["departments"], names.len());
        let mount = if tenant == "default" {
            String::new()
        } else {
            format!("/t/{tenant}")
        };
        assert_eq!(zopim_names(&app, &mount).await, names, "{tenant}");
    }
    let bare = call(&app, Method::POST, "/_gateway/tenants/bare/reset")
        .await
        .json();
    assert_eq!(
        bare["counts"],
        json!({"departments": 0, "agents": 0, "memberships": 0})
    );
    app.assert_invariants();
}

#[tokio::test]
async fn a_reset_is_a_new_version_so_no_cached_answer_outlives_it() {
    let app = spawn_app().await;
    let department = zopim_create(&app, "", "Short-lived").await;
    let path = format!("/api/v2/chat/departments/{}", department["id"]);
    let before = app
        .request(Method::GET, &path, Some(ADMIN_TOKEN), None)
        .await;
    assert_eq!(before.status, StatusCode::OK);
    let reset = call(&app, Method::POST, "/_gateway/tenants/default/reset")
        .await
        .json();
    assert_eq!(
        reset["version"], 2,
        "the write was version 1, the reset version 2"
    );
    let after = app
        .request(Method::GET, &path, Some(ADMIN_TOKEN), None)
        .await;
    assert_eq!(after.status, StatusCode::NOT_FOUND, "{}", after.body);
}

#[tokio::test]
async fn snapshots_are_taken_listed_restored_again_and_deleted() {
    let app = spawn_app().await;
    let taken = call_with(
        &app,
        Method::POST,
        "/_gateway/tenants/default/snapshots",
        json!({"name": "before"}),
    )
    .await;
    assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.body);
    let body = taken.json();
    assert_eq!(
        body,
        json!({"name": "before", "created_at": body["created_at"], "version": 0,
               "counts": {"departments": 3, "agents": 3, "memberships": 5}})
    );
    let list = call(&app, Method::GET, "/_gateway/tenants/default/snapshots").await;
    assert_eq!(
        (list.status, list.json()),
        (StatusCode::OK, json!({"snapshots": [body]}))
    );

    for round in 0..2 {
        zopim_create(&app, "", &format!("Rehearsal {round}")).await;
        let restored = call_with(
            &app,
            Method::POST,
            "/_gateway/tenants/default/restore",
            json!({"snapshot": "before"}),
        )
        .await;
        assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
        assert_eq!(zopim_names(&app, "").await, DEFAULT_NAMES, "round {round}");
    }

    let deleted = call(
        &app,
        Method::DELETE,
        "/_gateway/tenants/default/snapshots/before",
    )
    .await;
    assert_eq!(
        (deleted.status, deleted.body.as_str()),
        (StatusCode::NO_CONTENT, "")
    );
    let list = call(&app, Method::GET, "/_gateway/tenants/default/snapshots").await;
    assert_eq!(list.json(), json!({"snapshots": []}));
    app.assert_invariants();
}

#[tokio::test]
async fn a_deleted_tenant_is_gone_and_its_name_free_again() {
    let app = spawn_app().await;
    create_ok(&app, "acme", json!({"empty": true})).await;
    let deleted = call(&app, Method::DELETE, "/_gateway/tenants/acme").await;
    assert_eq!(
        (deleted.status, deleted.body.as_str()),
        (StatusCode::NO_CONTENT, "")
    );
    assert_gateway_error(
        &call(&app, Method::GET, "/_gateway/tenants/acme").await,
        StatusCode::NOT_FOUND,
        "there is no tenant named acme",
    );
    let reply = app
        .request(
            Method::GET,
            "/t/acme/api/v2/chat/departments",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    create_ok(&app, "acme", json!({"fixtures": true})).await;
    assert_eq!(zopim_names(&app, "/t/acme").await, DEFAULT_NAMES);
}

#[tokio::test]
async fn refusals_name_the_reason_and_change_nothing() {
    let app = spawn_app().await;
    create_ok(&app, "taken", json!({"empty": true})).await;
    call_with(
        &app,
        Method::POST,
        "/_gateway/tenants/taken/snapshots",
        json!({"name": "snap"}),
    )
    .await;
    let before = call(&app, Method::GET, "/_gateway/tenants").await.body;

    for (method, path, body, status, description) in [
        (
            Method::POST,
            "/_gateway/tenants",
            json!({"name": "taken"}),
            StatusCode::CONFLICT,
            "a tenant named taken already exists",
        ),
        (
            Method::DELETE,
            "/_gateway/tenants/default",
            Value::Null,
            StatusCode::CONFLICT,
            "the default tenant cannot be deleted",
        ),
        (
            Method::GET,
            "/_gateway/tenants/ghost",
            Value::Null,
            StatusCode::NOT_FOUND,
            "there is no tenant named ghost",
        ),
        (
            Method::DELETE,
            "/_gateway/tenants/ghost",
            Value::Null,
            StatusCode::NOT_FOUND,
            "there is no tenant named ghost",
        ),
        (
            Method::POST,
            "/_gateway/tenants/ghost/reset",
            Value::Null,
            StatusCode::NOT_FOUND,
            "there is no tenant named ghost",
        ),
        (
            Method::GET,
            "/_gateway/tenants/ghost/snapshots",
            Value::Null,
            StatusCode::NOT_FOUND,
            "there is no tenant named ghost",
        ),
        (
            Method::POST,
            "/_gateway/tenants",
            json!({"name": "x", "from": {"tenant": "ghost"}}),
            StatusCode::NOT_FOUND,
            "there is no tenant named ghost",
        ),
        (
            Method::POST,
            "/_gateway/tenants",
            json!({"name": "x", "from": {"snapshot": {"tenant": "taken", "name": "nope"}}}),
            StatusCode::NOT_FOUND,
            "there is no snapshot named nope",
        ),
        (
            Method::POST,
            "/_gateway/tenants/taken/snapshots",
            json!({"name": "snap"}),
            StatusCode::CONFLICT,
            "a snapshot named snap already exists",
        ),
        (
            Method::POST,
            "/_gateway/tenants/taken/restore",
            json!({"snapshot": "nope"}),
            StatusCode::NOT_FOUND,
            "there is no snapshot named nope",
        ),
        (
            Method::DELETE,
            "/_gateway/tenants/taken/snapshots/nope",
            Value::Null,
            StatusCode::NOT_FOUND,
            "there is no snapshot named nope",
        ),
        (
            Method::GET,
            "/_gateway/tenants/Not%20A%20Name",
            Value::Null,
            StatusCode::NOT_FOUND,
            "No route matches this path",
        ),
        (
            Method::GET,
            "/_gateway/nowhere",
            Value::Null,
            StatusCode::NOT_FOUND,
            "No route matches this path",
        ),
    ] {
        let reply = if body.is_null() {
            call(&app, method.clone(), path).await
        } else {
            call_with(&app, method.clone(), path, body.clone()).await
        };
        assert_gateway_error(&reply, status, description);
        assert_eq!(
            call(&app, Method::GET, "/_gateway/tenants").await.body,
            before,
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn a_bad_body_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    let before = call(&app, Method::GET, "/_gateway/tenants").await.body;
    let dns = "must be a DNS label: 1 to 63 characters of a-z and 0-9, with inner hyphens";
    let long = "x".repeat(64);
    for (body, description) in [
        (r#"{"name": "#.to_owned(), "body: EOF while parsing a value at line 1 column 9".to_owned()),
        (r#"{"name": "a", "name": "b"}"#.to_owned(), "body: duplicate key 'name'".to_owned()),
        ("[]".to_owned(), "body: must be an object".to_owned()),
        ("{}".to_owned(), "name: is required".to_owned()),
        (r#"{"name": 7}"#.to_owned(), "name: must be a string".to_owned()),
        (r#"{"name": "Acme"}"#.to_owned(), format!("name: {dns}")),
        (format!(r#"{{"name": "{long}"}}"#), format!("name: {dns}")),
        (r#"{"name": "-acme"}"#.to_owned(), format!("name: {dns}")),
        (r#"{"name": "a", "colour": "red"}"#.to_owned(), "colour: is not a known field (known: name, from, options)".to_owned()),
        (r#"{"name": "a", "from": "default"}"#.to_owned(), "from: must be an object".to_owned()),
        (r#"{"name": "a", "options": []}"#.to_owned(), "options: must be an object".to_owned()),
        (
            r#"{"name": "a", "options": {"zopim_enabled": "yes"}}"#.to_owned(),
            "options.zopim_enabled: must be one of integer, boolean".to_owned(),
        ),
        (
            r#"{"name": "a", "options": {"rocketchat_edition": 1}}"#.to_owned(),
            "options.rocketchat_edition: must be one of community, enterprise".to_owned(),
        ),
        (
            r#"{"name": "a", "options": {"colour": "red"}}"#.to_owned(),
            "options.colour: is not a known field (known: zopim_enabled, rocketchat_edition)".to_owned(),
        ),
        (r#"{"name": "a", "from": {}}"#.to_owned(), "from: must have exactly one of fixtures, tenant, snapshot, empty, state".to_owned()),
        (r#"{"name": "a", "from": {"empty": true, "fixtures": true}}"#.to_owned(), "from: must have exactly one of fixtures, tenant, snapshot, empty, state".to_owned()),
        (r#"{"name": "a", "from": {"copy": "default"}}"#.to_owned(), "from.copy: is not a known field (known: fixtures, tenant, snapshot, empty, state)".to_owned()),
        (r#"{"name": "a", "from": {"fixtures": false}}"#.to_owned(), "from.fixtures: must be true".to_owned()),
        (r#"{"name": "a", "from": {"tenant": 1}}"#.to_owned(), "from.tenant: must be a string".to_owned()),
        (r#"{"name": "a", "from": {"tenant": "No"}}"#.to_owned(), format!("from.tenant: {dns}")),
        (r#"{"name": "a", "from": {"snapshot": {"tenant": "default"}}}"#.to_owned(), "from.snapshot.name: is required".to_owned()),
        (r#"{"name": "a", "from": {"snapshot": {"tenant": "default", "name": "s", "at": 1}}}"#.to_owned(), "from.snapshot.at: is not a known field (known: tenant, name)".to_owned()),
        (
            r#"{"name": "a", "from": {"state": {"departments": [{"name": "X", "members": [9]}]}}}"#.to_owned(),
            r#"from.state: fixtures: departments[0] ("X"): member 9: agent 9 does not exist"#.to_owned(),
        ),
        (
            r#"{"name": "a", "from": {"state": {"groups": []}}}"#.to_owned(),
            "from.state: fixtures: groups: unknown field `groups`, expected one of `agents`, `departments`, `settings`, `units`, `next_agent_id`, `next_department_id`, `next_membership_id` at line 1 column 9".to_owned(),
        ),
    ] {
        let reply = app.request(Method::POST, "/_gateway/tenants", None, Some(&body)).await;
        assert_gateway_error(&reply, StatusCode::BAD_REQUEST, &description);
        assert_eq!(call(&app, Method::GET, "/_gateway/tenants").await.body, before, "{body}");
    }
    for (path, body, description) in [
        (
            "/_gateway/tenants/default/snapshots",
            json!({}),
            "name: is required",
        ),
        (
            "/_gateway/tenants/default/snapshots",
            json!({"name": "Before"}),
            "name: must be a DNS label: 1 to 63 characters of a-z and 0-9, with inner hyphens",
        ),
        (
            "/_gateway/tenants/default/restore",
            json!({"name": "before"}),
            "name: is not a known field (known: snapshot)",
        ),
    ] {
        assert_gateway_error(
            &call_with(&app, Method::POST, path, body).await,
            StatusCode::BAD_REQUEST,
            description,
        );
    }
}

#[tokio::test]
async fn the_tenant_limit_is_a_conflict_and_creates_nothing() {
    let app = spawn_app_with(|config| config.tenants.max_tenants = 2).await;
    create_ok(&app, "one", json!({"empty": true})).await;
    assert_gateway_error(
        &create(&app, json!({"name": "two"})).await,
        StatusCode::CONFLICT,
        "the gateway holds its maximum of 2 tenants",
    );
    assert_gateway_error(
        &call(&app, Method::GET, "/_gateway/tenants/two").await,
        StatusCode::NOT_FOUND,
        "there is no tenant named two",
    );
    call(&app, Method::DELETE, "/_gateway/tenants/one").await;
    create_ok(&app, "two", json!({"empty": true})).await;
}

#[tokio::test]
async fn info_reports_the_version_the_tenant_count_and_the_options() {
    let app = spawn_app().await;
    create_ok(&app, "acme", json!({"empty": true})).await;
    let reply = call(&app, Method::GET, "/_gateway/info").await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert!(body["uptime_s"].is_u64(), "{body}");
    assert_eq!(
        body,
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "uptime_s": body["uptime_s"],
            "tenants": 2,
            "max_tenants": 1000,
            "options": {
                "listen": "127.0.0.1:0",
                "zopim_enabled": "integer",
                "rocketchat_edition": "enterprise",
                "max_body_bytes": 1048576,
                "max_import_bytes": 268435456,
                "request_timeout_ms": 30000,
                "max_connections": 1024,
                "durable": false,
                "max_tenants": 1000,
                "tenant_host_suffix": null,
                "tenant_idle_ttl_s": null,
                "request_journal": 10000,
                "admin_token_required": false,
            }
        })
    );
}

#[tokio::test]
async fn with_an_admin_token_every_route_but_health_needs_it_and_no_vendor_credential_opens_one() {
    let app = spawn_app_with(|config| config.admin_token = Some("s3cret-admin-token".into())).await;
    let health = call(&app, Method::GET, "/_gateway/health").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, r#"{"status":"ok"}"#)
    );
    for token in [None, Some("wrong-token"), Some(ADMIN_TOKEN)] {
        for (method, path) in [
            (Method::GET, "/_gateway/tenants"),
            (Method::GET, "/_gateway/info"),
            (Method::POST, "/_gateway/tenants/default/reset"),
        ] {
            let reply = app.request(method, path, token, None).await;
            assert_gateway_error(
                &reply,
                StatusCode::UNAUTHORIZED,
                "This route needs Authorization: Bearer <the admin token>",
            );
            assert_eq!(reply.headers.get("www-authenticate").unwrap(), "Bearer");
        }
    }
    let reply = app
        .request(
            Method::GET,
            "/_gateway/tenants",
            Some("s3cret-admin-token"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // The vendor APIs do not take it, and keep their own credentials.
    assert_eq!(zopim_names(&app, "").await, DEFAULT_NAMES);
}

#[tokio::test]
async fn a_tenant_deleted_while_its_request_runs_answers_that_request_from_the_view_it_holds() {
    let app = spawn_app().await;
    create_ok(&app, "brief", json!({"fixtures": true})).await;
    let tenant = app.handle.registry().get("brief").expect("created");
    call(&app, Method::DELETE, "/_gateway/tenants/brief").await;
    // What a request that chose the tenant before the delete still holds: its store, whole.
    assert_eq!(tenant.store().view().department_count(), 3);
    tenant.store().view().check_invariants().unwrap();
}

/// `GET /_gateway/tenants/{tenant}/state`, as text.
async fn state_of(app: &TestApp, tenant: &str) -> String {
    let reply = call(
        app,
        Method::GET,
        &format!("/_gateway/tenants/{tenant}/state"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.content_type(), Some("application/json"));
    reply.body
}

#[tokio::test]
async fn a_tenants_state_is_a_fixture_document_that_round_trips_exactly_and_holds_no_secret() {
    // Arrange: a state with writes of every kind on top of the fixtures.
    let app = spawn_app().await;
    zopim_create(&app, "", "Escalations").await;
    let login = app.rc_as(crate::helpers::RC_ADMIN).await;
    // Act
    let exported = state_of(&app, "default").await;
    let copy = create_ok(
        &app,
        "copy",
        json!({"state": serde_json::from_str::<Value>(&exported).unwrap()}),
    )
    .await;
    // Assert: the copy's document is the same bytes, and its credentials open it.
    assert_eq!(
        copy["counts"],
        json!({"departments": 4, "agents": 3, "memberships": 5})
    );
    assert_eq!(state_of(&app, "copy").await, exported);
    for secret in [
        ADMIN_TOKEN,
        "deskbridge-agent-token",
        "deskbridge-admin-api-token",
        login.token.as_str(),
    ] {
        assert!(!exported.contains(secret), "{secret} is in the export");
    }
    assert_eq!(
        zopim_names(&app, "/t/copy").await,
        ["Sales", "Support", "Billing", "Escalations"]
    );
    let session = app
        .send(
            app.client
                .get(app.url("/t/copy/api/v1/livechat/department"))
                .header("X-Auth-Token", &login.token)
                .header("X-User-Id", &login.user_id),
        )
        .await;
    assert_eq!(
        session.status,
        StatusCode::OK,
        "the session's digest came along: {}",
        session.body
    );
}

#[tokio::test]
async fn a_put_state_replaces_the_whole_state_at_once_and_a_bad_one_changes_nothing() {
    let app = spawn_app().await;
    create_ok(&app, "acme", json!({"fixtures": true})).await;
    let document = json!({
        "agents": [{"id": 1, "username": "admin", "name": "Alex Admin", "email": "admin@example.com",
                    "roles": ["owner"], "tokens": {"bearer": [ADMIN_TOKEN]}}],
        "departments": [{"id": 9, "name": "Replaced", "members": [1]}]
    });
    let reply = app
        .request(
            Method::PUT,
            "/_gateway/tenants/acme/state",
            None,
            Some(&document.to_string()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = reply.json();
    assert_eq!(
        body,
        tenant_body(&app, &body, "acme", json!({"fixtures": true}), 1, (1, 1, 1))
    );
    assert_eq!(zopim_names(&app, "/t/acme").await, ["Replaced"]);

    let before = state_of(&app, "acme").await;
    for (bad, description) in [
        (
            json!({"departments": [{"name": "Ghosts", "members": [42]}]}).to_string(),
            r#"body: fixtures: departments[0] ("Ghosts"): member 42: agent 42 does not exist"#,
        ),
        (
            "{".to_owned(),
            "body: fixtures: ?: EOF while parsing an object at line 1 column 1",
        ),
    ] {
        let reply = app
            .request(
                Method::PUT,
                "/_gateway/tenants/acme/state",
                None,
                Some(&bad),
            )
            .await;
        assert_gateway_error(&reply, StatusCode::BAD_REQUEST, description);
        assert_eq!(state_of(&app, "acme").await, before);
    }
    assert_eq!(
        zopim_names(&app, "").await,
        DEFAULT_NAMES,
        "no other tenant changed"
    );
}

#[tokio::test]
async fn an_idle_tenant_is_removed_and_a_used_one_and_default_stay() {
    let app = spawn_app_with(|config| {
        config.tenants.idle_ttl = Some(std::time::Duration::from_millis(400))
    })
    .await;
    create_ok(&app, "idle", json!({"empty": true})).await;
    create_ok(&app, "busy", json!({"fixtures": true})).await;
    // `busy` is chosen by a request every 100 ms; `idle` and `default` by none.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.handle.registry().get("idle").is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "idle was never removed"
        );
        zopim_names(&app, "/t/busy").await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_gateway_error(
        &call(&app, Method::GET, "/_gateway/tenants/idle").await,
        StatusCode::NOT_FOUND,
        "there is no tenant named idle",
    );
    assert_eq!(zopim_names(&app, "/t/busy").await, DEFAULT_NAMES);
    assert_eq!(
        zopim_names(&app, "").await,
        DEFAULT_NAMES,
        "default is never removed"
    );
}

#[tokio::test]
async fn listening_beyond_loopback_without_a_token_closes_the_control_plane_but_health() {
    // Arrange: every address, no --admin-token: the gateway makes one and logs it once.
    let app = spawn_app_with(|config| {
        config.listen = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    })
    .await;
    let app = crate::helpers::TestApp {
        base: format!("http://127.0.0.1:{}", app.handle.addr().port()),
        ..app
    };
    // Act / Assert
    let health = call(&app, Method::GET, "/_gateway/health").await;
    assert_eq!(health.status, StatusCode::OK);
    for path in ["/_gateway/tenants", "/_gateway/info"] {
        assert_gateway_error(
            &call(&app, Method::GET, path).await,
            StatusCode::UNAUTHORIZED,
            "This route needs Authorization: Bearer <the admin token>",
        );
    }
    // The vendor APIs keep their own credentials.
    assert_eq!(zopim_names(&app, "").await, DEFAULT_NAMES);
}

#[tokio::test]
async fn a_tenant_has_its_own_options_and_a_fork_takes_its_sources() {
    let app = spawn_app().await;
    // Arrange / Act: booleans in Zopim, and Rocket.Chat's Community Edition, in `ce` only.
    let created = create_ok(&app, "ce", json!({"fixtures": true})).await;
    assert_eq!(created["options"], json!({}));
    let reply = create(
        &app,
        json!({"name": "own", "options": {"zopim_enabled": "boolean", "rocketchat_edition": "community"}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body = reply.json();
    let mut expected = tenant_body(
        &app,
        &body,
        "own",
        json!({"fixtures": true}),
        0,
        DEFAULT_COUNTS,
    );
    expected["options"] = json!({"rocketchat_edition": "community", "zopim_enabled": "boolean"});
    assert_eq!(body, expected);

    // Assert: Zopim writes `enabled` as a boolean in `own`, as an integer elsewhere.
    let enabled = |mount: &'static str| {
        let app = &app;
        async move {
            let reply = app
                .request(
                    Method::GET,
                    &format!("{mount}/api/v2/chat/departments/1"),
                    Some(ADMIN_TOKEN),
                    None,
                )
                .await;
            reply.json()["enabled"].clone()
        }
    };
    assert_eq!(enabled("/t/own").await, json!(true));
    assert_eq!(enabled("").await, json!(1));
    assert_eq!(enabled("/t/ce").await, json!(1));

    // Rocket.Chat Community Edition allows one department at most: the fixtures hold three, so
    // a create is refused in `own` and accepted in `default` (Enterprise, the gateway's flag).
    let department = json!({"department": {"name": "Another", "enabled": true,
                            "showOnRegistration": true, "showOnOfflineForm": true, "email": "a@b.c"}});
    for (mount, status) in [("/t/own", StatusCode::BAD_REQUEST), ("", StatusCode::OK)] {
        let login = app
            .send(
                app.client
                    .post(app.url(&format!("{mount}/api/v1/login")))
                    .json(&json!({"user": "admin", "password": "admin"})),
            )
            .await
            .json();
        let reply = app
            .send(
                app.client
                    .post(app.url(&format!("{mount}/api/v1/livechat/department")))
                    .header("X-Auth-Token", login["data"]["authToken"].as_str().unwrap())
                    .header("X-User-Id", login["data"]["userId"].as_str().unwrap())
                    .json(&department),
            )
            .await;
        assert_eq!(reply.status, status, "{mount}: {}", reply.body);
    }

    // A fork takes its source's options.
    let fork = create_ok(&app, "fork", json!({"tenant": "own"})).await;
    assert_eq!(
        fork["options"],
        json!({"rocketchat_edition": "community", "zopim_enabled": "boolean"})
    );
    assert_eq!(enabled("/t/fork").await, json!(true));
}
