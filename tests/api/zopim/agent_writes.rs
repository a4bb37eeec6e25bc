//! Agent writes (`POST /agents`, `PUT /agents/{id}`, `PUT /agents/me`, `DELETE /agents/{id}`),
//! HTTP Basic, the account and the roles. The fields are the Chat API's Agents page's
//! (developer.zendesk.com/api-reference/live-chat/chat-api/agents/, spec A4): `display_name`,
//! `first_name`, `last_name`, `email`, `enabled`, `role_id`, and `password` "required during
//! creation".

use super::*;

/// The agent the create below makes: id 4, the next after the default data's three.
fn jo() -> Value {
    json!({
        "create_date": "<now>", "departments": [], "display_name": "Jo Writer",
        "email": "jo@example.com", "enabled": 1, "enabled_departments": [],
        "first_name": "Jo", "id": 4, "last_name": "Writer", "role_id": 2,
        "roles": {"administrator": false, "owner": false}, "skills": []
    })
}

/// The body with its `create_date` checked for Zopim's format and replaced by `<now>`.
#[track_caller]
fn dated(mut body: Value) -> Value {
    let date = body["create_date"]
        .as_str()
        .expect("a create_date")
        .to_owned();
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    assert!(
        time::PrimitiveDateTime::parse(&date, &format).is_ok(),
        "create_date {date:?} is not Zopim's 2014-09-30T08:25:09Z"
    );
    body["create_date"] = json!("<now>");
    body
}

#[track_caller]
fn assert_agent(reply: &Reply, status: StatusCode, expected: Value, case: &str) {
    assert_eq!(
        reply.status, status,
        "{case}: status (body {:?})",
        reply.body
    );
    assert_eq!(reply.content_type(), Some("application/json"), "{case}");
    assert_eq!(dated(reply.json()), expected, "{case}: body");
}

/// A request with HTTP Basic `user:password`, as `curl -u` sends it.
async fn basic(app: &TestApp, method: Method, path: &str, user: &str, password: &str) -> Reply {
    let request = app
        .client
        .request(method, app.url(path))
        .basic_auth(user, Some(password));
    app.send(request).await
}

const CREATE_JO: &str = r#"{"display_name": "Jo Writer", "email": "jo@example.com", "password": "s3cret-pass", "role_id": 2}"#;

#[tokio::test]
async fn creating_an_agent_answers_201_with_the_agent_which_is_then_listed_and_shown() {
    // POST /api/v2/agents, "password: required during creation" (the Chat API's Agents page).
    for prefix in PREFIXES {
        let app = spawn_app().await;

        let created = app.zopim().at(prefix).post("/agents", CREATE_JO).await;

        assert_agent(&created, StatusCode::CREATED, jo(), prefix);
        let shown = app.zopim().at(prefix).get("/agents/4").await;
        assert_agent(&shown, StatusCode::OK, jo(), prefix);
        let by_email = app.zopim().get("/agents/email/jo%40example.com").await;
        assert_agent(&by_email, StatusCode::OK, jo(), prefix);
        let listed = app.zopim().get("/agents?since_id=4").await;
        assert_eq!(listed.json().as_array().map(Vec::len), Some(1), "{prefix}");
        app.assert_invariants();
    }
}

#[tokio::test]
async fn a_create_with_first_and_last_names_makes_the_display_name_and_may_be_an_administrator() {
    // zenpy sends the attributes set on `Agent(...)`, nested JSON, unflattened (PersonRequest.post).
    let app = spawn_app().await;

    let created = app
        .zopim()
        .post(
            "/agents",
            r#"{"first_name": "Jo", "last_name": "Writer", "email": "Jo@Example.com", "password": "s3cret-pass", "role_id": 1, "enabled": true}"#,
        )
        .await;

    let expected = with(
        jo(),
        json!({"email": "Jo@Example.com", "role_id": 1, "roles": {"administrator": true, "owner": false}}),
    );
    assert_agent(&created, StatusCode::CREATED, expected.clone(), "create");
    let listed = app.zopim().get("/roles").await.json();
    assert_eq!(listed[0]["members_count"], json!(2), "administrators now");
}

#[tokio::test]
async fn an_agent_created_disabled_is_shown_disabled_and_cannot_sign_in() {
    let app = spawn_app().await;

    let created = app
        .zopim()
        .post(
            "/agents",
            r#"{"display_name": "Jo Writer", "email": "jo@example.com", "password": "s3cret-pass", "enabled": 0}"#,
        )
        .await;

    assert_agent(
        &created,
        StatusCode::CREATED,
        with(jo(), json!({"enabled": 0})),
        "create",
    );
    let reply = basic(
        &app,
        Method::GET,
        "/api/v2/agents/me",
        "jo@example.com",
        "s3cret-pass",
    )
    .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, UNAUTHORIZED, "signing in");
}

#[tokio::test]
async fn updating_an_agent_changes_only_the_fields_sent() {
    // zenpy's PUT carries the dirty attributes only, `id` stripped, not flattened (PersonRequest.put).
    let app = spawn_app().await;
    let cases = [
        (
            r#"{"display_name": "Samuel Agent"}"#,
            json!({"display_name": "Samuel Agent", "first_name": "Samuel"}),
        ),
        (
            r#"{"last_name": "Smith"}"#,
            json!({"display_name": "Samuel Smith", "first_name": "Samuel", "last_name": "Smith"}),
        ),
        (
            r#"{"role_id": 1}"#,
            json!({"display_name": "Samuel Smith", "first_name": "Samuel", "last_name": "Smith", "role_id": 1, "roles": {"administrator": true, "owner": false}}),
        ),
        (
            r#"{"email": "samuel@example.com", "enabled": false, "departments": [3], "id": 9}"#,
            json!({"display_name": "Samuel Smith", "first_name": "Samuel", "last_name": "Smith", "role_id": 1, "roles": {"administrator": true, "owner": false}, "email": "samuel@example.com", "enabled": 0}),
        ),
    ];

    for (body, changes) in cases {
        let reply = app.zopim().put("/agents/2", body).await;

        let expected = with(sam(), changes);
        assert_json(&reply, StatusCode::OK, expected.clone(), body);
        assert_zopim_shows(&app, "/agents/2", expected, body).await;
    }
    // `departments` is read-only (spec A4): sent, it changed nothing.
    assert_zopim_shows(&app, "/departments/3", billing(), "Billing's members").await;
    // Disabled, the agent's token opens nothing.
    let mine = app.zopim().with_agent_token().get("/agents/me").await;
    assert_error(
        &mine,
        StatusCode::UNAUTHORIZED,
        UNAUTHORIZED,
        "the disabled agent's token",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn an_agent_changes_its_own_names_on_me_but_not_its_role_or_enabled() {
    let app = spawn_app().await;

    let renamed = app
        .zopim()
        .with_agent_token()
        .put(
            "/agents/me",
            r#"{"first_name": "Samantha", "password": "n3w-password"}"#,
        )
        .await;

    let expected = with(
        sam(),
        json!({"display_name": "Samantha Agent", "first_name": "Samantha"}),
    );
    assert_json(&renamed, StatusCode::OK, expected.clone(), "rename");
    let signed_in = basic(
        &app,
        Method::GET,
        "/api/v2/agents/me",
        "agent@example.com",
        "n3w-password",
    )
    .await;
    assert_json(
        &signed_in,
        StatusCode::OK,
        expected.clone(),
        "the new password",
    );
    let before = app.zopim_snapshot().await;
    for body in [
        r#"{"role_id": 1}"#,
        r#"{"enabled": 0}"#,
        r#"{"role_id": 2, "display_name": "X"}"#,
    ] {
        let reply = app.zopim().with_agent_token().put("/agents/me", body).await;

        assert_error(&reply, StatusCode::FORBIDDEN, FORBIDDEN, body);
        assert_unchanged(&app, &before, body).await;
    }
}

#[tokio::test]
async fn deleting_an_agent_answers_204_and_removes_it_from_every_department() {
    let app = spawn_app().await;

    let reply = app.zopim().delete("/agents/2").await;

    // zenpy accepts only a 204 for a delete (spec A9).
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, "");
    assert_error(
        &app.zopim().get("/agents/2").await,
        StatusCode::NOT_FOUND,
        "Agent not found",
        "show after delete",
    );
    assert_zopim_shows(&app, "/agents", json!([alex(), maria()]), "list").await;
    let departments = app.zopim().get("/departments").await;
    assert_json(
        &departments,
        StatusCode::OK,
        json!([
            with(sales(), json!({"members": [1]})),
            with(support(), json!({"members": [3]})),
            billing()
        ]),
        "members",
    );
    let token = app.zopim().with_agent_token().get("/agents/me").await;
    assert_error(
        &token,
        StatusCode::UNAUTHORIZED,
        UNAUTHORIZED,
        "the deleted agent's token",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn the_account_owner_stays_an_enabled_administrator() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;
    let cases = [
        (
            Method::PUT,
            "/agents/1",
            Some(r#"{"role_id": 2}"#),
            "The account owner's role can't be changed",
        ),
        (
            Method::PUT,
            "/agents/me",
            Some(r#"{"enabled": 0}"#),
            "The account owner can't be disabled",
        ),
        (
            Method::DELETE,
            "/agents/1",
            None,
            "The account owner can't be deleted",
        ),
    ];

    for (method, path, body, description) in cases {
        let reply = app.zopim().method(method, path, body).await;

        assert_error(&reply, StatusCode::BAD_REQUEST, description, path);
        assert_unchanged(&app, &before, path).await;
    }
    // Setting what the owner already is changes nothing and is no error.
    let same = app
        .zopim()
        .put("/agents/1", r#"{"role_id": 1, "enabled": 1}"#)
        .await;
    assert_json(&same, StatusCode::OK, alex(), "the owner's own role");
}

#[tokio::test]
async fn bad_agent_writes_get_zopims_error_and_change_nothing() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;
    let bad = StatusCode::BAD_REQUEST;
    let cases: [(Method, &str, &str, StatusCode, &str); 16] = [
        (
            Method::POST,
            "/agents",
            r#"{"display_name": "X", "password": "pw-123456"}"#,
            bad,
            "'email' is required",
        ),
        (
            Method::POST,
            "/agents",
            r#"{"email": "x@example.com"}"#,
            bad,
            "'password' is required",
        ),
        (
            Method::POST,
            "/agents",
            r#"{"email": "x@example.com", "password": ""}"#,
            bad,
            "'password' can't be blank",
        ),
        (
            Method::POST,
            "/agents",
            r#"{"email": "not-an-email", "password": "pw-123456"}"#,
            bad,
            "'email' is not a valid email address",
        ),
        (
            Method::POST,
            "/agents",
            r#"{"email": "AGENT@example.com", "password": "pw-123456"}"#,
            bad,
            "'email' is already used by another agent",
        ),
        (
            Method::POST,
            "/agents",
            r#"{"email": "x@example.com", "password": "pw-123456", "role_id": 3}"#,
            bad,
            "'role_id' must be 1 (Administrator) or 2 (Agent)",
        ),
        (
            Method::POST,
            "/agents",
            r#"{"email": "x@example.com", "password": "pw-123456", "role_id": "1"}"#,
            bad,
            "'role_id' must be a role id",
        ),
        (
            Method::POST,
            "/agents",
            r#"{"email": "x@example.com", "password": "pw-123456", "enabled": 2}"#,
            bad,
            "'enabled' must be 0, 1, true or false",
        ),
        (
            Method::POST,
            "/agents",
            r#"{"email": "x@example.com", "password": 123456}"#,
            bad,
            "'password' must be a string",
        ),
        (
            Method::POST,
            "/agents",
            r#"[]"#,
            bad,
            "The request body must be a JSON object",
        ),
        (
            Method::PUT,
            "/agents/2",
            r#"{"display_name": "  "}"#,
            bad,
            "'display_name' can't be blank",
        ),
        (
            Method::PUT,
            "/agents/2",
            r#"{"first_name": "", "last_name": ""}"#,
            bad,
            "'first_name' can't be blank",
        ),
        (
            Method::PUT,
            "/agents/2",
            r#"{"email": "maria@example.com"}"#,
            bad,
            "'email' is already used by another agent",
        ),
        (
            Method::PUT,
            "/agents/99",
            r#"{"display_name": "X"}"#,
            StatusCode::NOT_FOUND,
            "Agent not found",
        ),
        (
            Method::DELETE,
            "/agents/99",
            "",
            StatusCode::NOT_FOUND,
            "Agent not found",
        ),
        (
            Method::DELETE,
            "/agents/abc",
            "",
            StatusCode::NOT_FOUND,
            "Agent not found",
        ),
    ];

    for (method, path, body, status, description) in cases {
        let case = format!("{method} {path} {body}");
        let body = (!body.is_empty()).then_some(body);

        let reply = app.zopim().method(method, path, body).await;

        assert_error(&reply, status, description, &case);
        assert_unchanged(&app, &before, &case).await;
    }
}

#[tokio::test]
async fn http_basic_email_password_opens_zopim_beside_the_bearer_token() {
    // "curl -u {email}:{password} https://www.zopim.com/api/v2/…" (spec A5, the old docs).
    let app = spawn_app().await;

    for prefix in PREFIXES {
        for _ in 0..2 {
            // The second time from the verified-password memory, without Argon2.
            let reply = basic(
                &app,
                Method::GET,
                &format!("{prefix}/departments"),
                "admin@example.com",
                "admin",
            )
            .await;

            assert_json(
                &reply,
                StatusCode::OK,
                json!([sales(), support(), billing()]),
                prefix,
            );
        }
        let me = basic(
            &app,
            Method::GET,
            &format!("{prefix}/agents/me"),
            "agent@example.com",
            "agent",
        )
        .await;
        assert_json(&me, StatusCode::OK, sam(), "an agent on me");
        let departments = basic(
            &app,
            Method::GET,
            &format!("{prefix}/departments"),
            "agent@example.com",
            "agent",
        )
        .await;
        assert_error(
            &departments,
            StatusCode::FORBIDDEN,
            FORBIDDEN,
            "an agent on departments",
        );
        for (user, password) in [
            ("admin@example.com", "Admin"),
            ("nobody@example.com", "admin"),
            ("ADMIN@example.com", ""),
        ] {
            let reply = basic(
                &app,
                Method::GET,
                &format!("{prefix}/departments"),
                user,
                password,
            )
            .await;

            assert_error(&reply, StatusCode::UNAUTHORIZED, UNAUTHORIZED, user);
        }
    }
}

#[tokio::test]
async fn an_agent_created_through_zopim_signs_in_with_its_password_through_zopim_and_classic_xml() {
    let app = spawn_app().await;
    let created = app.zopim().post("/agents", CREATE_JO).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let zopim = basic(
        &app,
        Method::GET,
        "/api/v2/chat/agents/me",
        "jo@example.com",
        "s3cret-pass",
    )
    .await;
    let classic = app
        .zendesk()
        .signed_in_as("jo@example.com", "s3cret-pass")
        .get("/users/current.xml")
        .await;

    assert_agent(&zopim, StatusCode::OK, jo(), "Zopim");
    assert_eq!(classic.status, StatusCode::OK, "{}", classic.body);
    assert!(
        classic.body.contains("<name>Jo Writer</name>"),
        "{}",
        classic.body
    );
}

#[tokio::test]
async fn the_account_is_served_from_the_model() {
    // GET /api/v2/account, the Chat API's Accounts page example: account_key, billing,
    // create_date, plan, status. The key is the owner's string id; the date the owner's creation.
    let app = spawn_app().await;

    for prefix in PREFIXES {
        let reply = app.zopim().at(prefix).get("/account").await;

        assert_json(
            &reply,
            StatusCode::OK,
            json!({"account_key": "rbAXPnMktTFbNpwtJ", "billing": {}, "create_date": "2024-01-15T09:00:00Z", "plan": {}, "status": "active"}),
            prefix,
        );
    }
}

/// The built-in roles as `GET /roles` shows them on the default data.
fn roles() -> Value {
    let administrator = json!({
        "visitors_seen": "account", "proactive_chatting": "listen-join",
        "edit_visitor_information": true, "edit_visitor_notes": true,
        "view_past_chats": "account", "edit_chat_tags": true, "manage_bans": "account",
        "access_analytics": "account", "view_monitor": "account"
    });
    let agent = with(
        administrator.clone(),
        json!({"access_analytics": "none", "view_monitor": "none"}),
    );
    json!([
        {"description": "Has all agent privileges, and manages settings, agents, triggers and departments",
         "enabled": true, "id": 1, "members_count": 1, "name": "Administrator", "permissions": administrator},
        {"description": "Chats with visitors, creates shortcuts, bans visitors and views past chats",
         "enabled": true, "id": 2, "members_count": 2, "name": "Agent", "permissions": agent}
    ])
}

#[tokio::test]
async fn the_roles_give_role_id_its_meaning() {
    // GET /api/v2/roles (the Chat API's Roles page): id, name, description, enabled,
    // members_count, permissions; the role ids are the agents' role_id.
    let app = spawn_app().await;

    for prefix in PREFIXES {
        let list = app.zopim().at(prefix).get("/roles").await;
        let one = app.zopim().at(prefix).get("/roles/2").await;
        let none = app.zopim().at(prefix).get("/roles/3").await;

        assert_json(&list, StatusCode::OK, roles(), prefix);
        assert_json(&one, StatusCode::OK, roles()[1].clone(), prefix);
        assert_error(&none, StatusCode::NOT_FOUND, "Role not found", prefix);
    }
}
