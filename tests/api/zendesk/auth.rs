//! Authentication and permissions: Basic, API tokens, `X-On-Behalf-Of`,
//! `X-Http-Method-Override`.

use super::*;

#[tokio::test]
async fn a_request_that_does_not_authenticate_is_401_with_zendesks_exact_body() {
    let app = spawn_app_on(&fixtures_with(vec![gone()])).await;
    let before = app.zendesk_snapshot().await;
    let basic = |credentials: &str| {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    };

    for (case, authorization) in [
        ("no credentials", None),
        ("a wrong password", Some(basic("admin@example.com:Admin"))),
        ("an unknown email", Some(basic("nobody@example.com:admin"))),
        (
            "a user without a password",
            Some(basic("maria@example.com:")),
        ),
        ("a deleted user", Some(basic("gone@example.com:gone"))),
        ("no colon", Some(basic("admin@example.com"))),
        ("not base64", Some("Basic ***".to_owned())),
        (
            "a bearer token",
            Some("Bearer deskbridge-admin-token".to_owned()),
        ),
        (
            "a wrong API token",
            Some(basic("admin@example.com/token:deskbridge-admin-token")),
        ),
        (
            "another user's API token",
            Some(basic(&format!(
                "agent@example.com/token:{ZD_ADMIN_API_TOKEN}"
            ))),
        ),
        (
            "an API token as a password",
            Some(basic(&format!("admin@example.com:{ZD_ADMIN_API_TOKEN}"))),
        ),
    ] {
        for (method, path, body) in [
            (Method::GET, "/groups.xml", None),
            (
                Method::POST,
                "/groups.xml",
                Some("<group><name>X</name></group>"),
            ),
            (Method::DELETE, "/users/2.xml", None),
        ] {
            let mut request = app.client.request(method.clone(), app.url(path));
            if let Some(authorization) = &authorization {
                request = request.header("authorization", authorization);
            }
            if let Some(body) = body {
                request = request.body(body);
            }
            let reply = app.send(request).await;

            assert_unauthenticated(&reply, &format!("{case}: {method} {path}"));
        }
    }
    assert_unchanged(&app, &before, "after 401s").await;
}

#[tokio::test]
async fn an_api_token_authenticates_as_email_slash_token_and_emails_ignore_case() {
    let app = spawn_app().await;

    let token = app
        .zendesk()
        .signed_in_as("admin@example.com/token", ZD_ADMIN_API_TOKEN)
        .get("/users/current.xml")
        .await;
    let upper = app
        .zendesk()
        .signed_in_as("ADMIN@Example.com", ZD_ADMIN.1)
        .get("/users/current.xml")
        .await;
    let token_upper = app
        .zendesk()
        .signed_in_as("Admin@Example.COM/token", ZD_ADMIN_API_TOKEN)
        .post("/groups.xml", "<group><name>Via token</name></group>")
        .await;

    let alex = document(&user_with_groups(ALEX, &[SALES]));
    assert_xml(&token, StatusCode::OK, &alex, "email/token");
    assert_xml(&upper, StatusCode::OK, &alex, "upper-case email");
    let via_token = group_fragment(4, "Via token", true, group_times(&app, 4));
    assert_xml(
        &token_upper,
        StatusCode::CREATED,
        &document(&group_with_users(&via_token, &[])),
        "upper-case email with a token",
    );
}

#[tokio::test]
async fn an_agent_may_read_but_not_change_groups_or_users() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;
    let sam = app.zendesk().signed_in_as(ZD_AGENT.0, ZD_AGENT.1);

    let alex = user_with_groups(ALEX, &[SALES]);
    for (path, expected) in [
        (
            "/groups.xml",
            list(
                "groups",
                3,
                &[SALES.to_owned(), SUPPORT.to_owned(), BILLING.to_owned()],
            ),
        ),
        (
            "/groups/1.xml",
            document(&group_with_users(SALES, &[ALEX, SAM])),
        ),
        (
            "/groups/1/users.xml",
            list(
                "users",
                2,
                &[alex.clone(), user_with_groups(SAM, &[SALES, SUPPORT])],
            ),
        ),
        ("/users.xml", list("users", 3, &default_users())),
        ("/users/1.xml", document(&alex)),
    ] {
        assert_xml(&sam.get(path).await, StatusCode::OK, &expected, path);
    }
    for (method, path, body) in [
        (
            Method::POST,
            "/groups.xml",
            Some("<group><name>X</name></group>"),
        ),
        (
            Method::PUT,
            "/groups/1.xml",
            Some("<group><name>X</name></group>"),
        ),
        (Method::DELETE, "/groups/1.xml", None),
        (
            Method::POST,
            "/users.xml",
            Some("<user><name>X</name><email>x@y.z</email></user>"),
        ),
        (
            Method::PUT,
            "/users/2.xml",
            Some("<user><roles>2</roles></user>"),
        ),
        (Method::DELETE, "/users/3.xml", None),
    ] {
        let reply = sam.call(method.clone(), path, body).await;

        assert_forbidden(&reply, &format!("{method} {path}"));
    }
    assert_unchanged(&app, &before, "after 403s").await;
}

#[tokio::test]
async fn an_end_user_sees_only_itself() {
    let app = spawn_app_on(&fixtures_with(vec![eve()])).await;
    let eve_client = app.zendesk().signed_in_as("eve@example.com", "eve");

    let me = eve_client.get("/users/current.xml").await;

    assert_xml(
        &me,
        StatusCode::OK,
        &eve_document(),
        "GET /users/current.xml",
    );
    for path in ["/groups.xml", "/groups/1.xml", "/users.xml", "/users/4.xml"] {
        assert_forbidden(&eve_client.get(path).await, path);
    }
}

#[tokio::test]
async fn x_on_behalf_of_acts_as_that_user_with_its_rights_and_never_more() {
    let app = spawn_app_on(&fixtures_with(vec![eve(), gone()])).await;
    let before = app.zendesk_snapshot().await;
    let admin = app.zendesk();
    let agent = app.zendesk().signed_in_as(ZD_AGENT.0, ZD_AGENT.1);

    // An administrator acting as an agent: the agent's view and rights.
    let as_sam = admin
        .clone()
        .with_header("x-on-behalf-of", "AGENT@example.com");
    let me = as_sam.get("/users/current.xml").await;
    assert_xml(
        &me,
        StatusCode::OK,
        &document(&user_with_groups(SAM, &[SALES, SUPPORT])),
        "admin as agent",
    );
    assert_forbidden(
        &as_sam
            .post("/groups.xml", "<group><name>X</name></group>")
            .await,
        "admin as agent creates",
    );
    // An agent acting as another agent, and as an end user.
    let as_maria = agent
        .clone()
        .with_header("x-on-behalf-of", "maria@example.com");
    assert_xml(
        &as_maria.get("/users/current.xml").await,
        StatusCode::OK,
        &document(&user_with_groups(MARIA, &[SUPPORT, BILLING])),
        "agent as agent",
    );
    let as_eve = agent
        .clone()
        .with_header("x-on-behalf-of", "eve@example.com");
    assert_xml(
        &as_eve.get("/users/current.xml").await,
        StatusCode::OK,
        &eve_document(),
        "agent as end user",
    );
    assert_forbidden(&as_eve.get("/groups.xml").await, "agent as end user lists");
    // Never to gain rights: an agent may not act as an administrator.
    assert_forbidden(
        &agent
            .clone()
            .with_header("x-on-behalf-of", "admin@example.com")
            .get("/groups.xml")
            .await,
        "agent as admin",
    );
    // An end user may not act as anyone.
    assert_forbidden(
        &app.zendesk()
            .signed_in_as("eve@example.com", "eve")
            .with_header("x-on-behalf-of", "agent@example.com")
            .get("/users/current.xml")
            .await,
        "end user as agent",
    );
    // A user that does not exist or was deleted cannot be acted as.
    for nobody in ["nobody@example.com", "gone@example.com"] {
        assert_unauthenticated(
            &admin
                .clone()
                .with_header("x-on-behalf-of", nobody)
                .get("/groups.xml")
                .await,
            nobody,
        );
    }
    // An empty header is no header.
    assert_xml(
        &admin
            .clone()
            .with_header("x-on-behalf-of", "")
            .get("/users/current.xml")
            .await,
        StatusCode::OK,
        &document(&user_with_groups(ALEX, &[SALES])),
        "an empty X-On-Behalf-Of",
    );
    assert_unchanged(&app, &before, "on behalf of").await;
}

#[tokio::test]
async fn x_http_method_override_on_a_post_is_honoured_as_put_and_delete() {
    let app = spawn_app().await;

    let put = app
        .zendesk()
        .with_header("x-http-method-override", "put")
        .post("/groups/1.xml", "<group><name>Overridden</name></group>")
        .await;
    let delete = app
        .zendesk()
        .with_header("X-Http-Method-Override", "DELETE")
        .call(Method::POST, "/groups/2.xml", None)
        .await;
    let not_on_get = app
        .zendesk()
        .with_header("x-http-method-override", "delete")
        .get("/groups/3.xml")
        .await;
    let unknown = app
        .zendesk()
        .with_header("x-http-method-override", "frobnicate")
        .post("/groups.xml", "<group><name>Plain POST</name></group>")
        .await;

    let overridden = group_fragment(1, "Overridden", true, group_times(&app, 1));
    assert_xml(
        &put,
        StatusCode::OK,
        &document(&group_with_users(&overridden, &[ALEX, SAM])),
        "override put",
    );
    assert_empty_ok(&delete, "override delete");
    let destroyed = group_fragment(2, "Support", false, group_times(&app, 2));
    assert_xml(
        &app.zendesk().get("/groups/2.xml").await,
        StatusCode::OK,
        &document(&group_with_users(&destroyed, &[SAM, MARIA])),
        "group 2 after the override delete",
    );
    let billing = document(&group_with_users(BILLING, &[MARIA]));
    assert_xml(&not_on_get, StatusCode::OK, &billing, "override on a GET");
    assert_xml(
        &app.zendesk().get("/groups/3.xml").await,
        StatusCode::OK,
        &billing,
        "group 3 after the override on a GET",
    );
    let plain_post = group_fragment(4, "Plain POST", true, group_times(&app, 4));
    assert_xml(
        &unknown,
        StatusCode::CREATED,
        &document(&group_with_users(&plain_post, &[])),
        "an unknown override",
    );
}
