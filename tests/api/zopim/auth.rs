//! Auth: bearer tokens, HTTP Basic, roles, and the 401 / 403 bodies.

use super::*;

/// One request of each kind, with a valid body where there is one.
const EVERY_ROUTE: [(Method, &str, Option<&str>); 20] = [
    (Method::GET, "/departments", None),
    (Method::POST, "/departments", Some(r#"{"name": "New"}"#)),
    (Method::GET, "/departments/1", None),
    (Method::PUT, "/departments/1", Some(r#"{"name": "New"}"#)),
    (Method::DELETE, "/departments/1", None),
    (Method::GET, "/departments/name/Sales", None),
    (
        Method::PUT,
        "/departments/name/Sales",
        Some(r#"{"name": "New"}"#),
    ),
    (Method::DELETE, "/departments/name/Sales", None),
    (Method::GET, "/agents", None),
    (Method::GET, "/agents/1", None),
    (Method::GET, "/agents/2", None),
    (Method::GET, "/agents/email/admin%40example.com", None),
    (Method::GET, "/agents/me", None),
    (
        Method::POST,
        "/agents",
        Some(r#"{"email": "new@example.com", "password": "pw-123456"}"#),
    ),
    (Method::PUT, "/agents/3", Some(r#"{"display_name": "New"}"#)),
    // An agent may change its own names on `me`, never its role: this body is refused to one.
    (Method::PUT, "/agents/me", Some(r#"{"role_id": 1}"#)),
    (Method::DELETE, "/agents/3", None),
    (Method::GET, "/account", None),
    (Method::GET, "/roles", None),
    (Method::GET, "/roles/1", None),
];

#[tokio::test]
async fn a_request_without_a_valid_bearer_token_or_password_is_401_with_zopims_own_body() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;
    let credentials = [
        ("no Authorization header", None),
        (
            "Basic auth with a wrong password",
            Some("Basic YWRtaW5AZXhhbXBsZS5jb206cGFzc3dvcmQ="),
        ),
        (
            "Basic auth naming the token",
            Some("Basic deskbridge-admin-token"),
        ),
        ("an empty bearer token", Some("Bearer ")),
        ("the scheme alone", Some("Bearer")),
        ("an unknown token", Some("Bearer not-a-known-token")),
        ("the token without a scheme", Some("deskbridge-admin-token")),
        ("another scheme", Some("Token deskbridge-admin-token")),
        (
            "the token with a suffix",
            Some("Bearer deskbridge-admin-token2"),
        ),
    ];

    for prefix in PREFIXES {
        for (method, path, body) in EVERY_ROUTE {
            for (case, authorization) in credentials {
                let case = format!("{method} {prefix}{path} with {case}");

                let reply = call(
                    &app,
                    method.clone(),
                    &format!("{prefix}{path}"),
                    authorization,
                    body,
                )
                .await;

                // See: spec A6, the one Zopim error body on record (facetoe/zenpy#466).
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{case}");
                assert_eq!(reply.content_type(), Some("application/json"), "{case}");
                assert_eq!(
                    reply.body,
                    r#"{"error":"Unauthorized","description":"The server could not verify that you are authorized to access the requested resource"}"#,
                    "{case}"
                );
                assert_eq!(
                    reply.headers.get(WWW_AUTHENTICATE).map(|v| v.as_bytes()),
                    Some(&b"Bearer"[..]),
                    "{case}: WWW-Authenticate"
                );
            }
        }
    }
    assert_unchanged(&app, &before, "after every refusal").await;
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = spawn_app().await;

    for scheme in ["bearer", "BEARER", "Bearer"] {
        let authorization = format!("{scheme} {ADMIN_TOKEN}");

        let reply = call(
            &app,
            Method::GET,
            "/api/v2/agents/me",
            Some(&authorization),
            None,
        )
        .await;

        assert_json(&reply, StatusCode::OK, alex(), scheme);
    }
}

#[tokio::test]
async fn a_non_administrator_is_403_everywhere_but_on_me_and_may_not_raise_its_own_role() {
    // Departments are "Allowed for: Owner, Administrator" (spec A3, A5).
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;

    for prefix in PREFIXES {
        for (method, path, body) in EVERY_ROUTE {
            let case = format!("{method} {prefix}{path}");

            let reply = call(
                &app,
                method.clone(),
                &format!("{prefix}{path}"),
                Some(&format!("Bearer {AGENT_TOKEN}")),
                body,
            )
            .await;

            if path == "/agents/me" && method == Method::GET {
                assert_json(&reply, StatusCode::OK, sam(), &case);
            } else {
                assert_error(&reply, StatusCode::FORBIDDEN, FORBIDDEN, &case);
            }
        }
    }
    // Even a department that does not exist is refused before it is looked up.
    let missing = app.zopim().with_agent_token().get("/departments/99").await;
    assert_error(
        &missing,
        StatusCode::FORBIDDEN,
        FORBIDDEN,
        "a missing department",
    );
    assert_unchanged(&app, &before, "after every refusal").await;
}

#[tokio::test]
async fn an_end_user_is_403_even_on_me_and_a_deactivated_agent_is_401() {
    let app = spawn_app_on(MIXED_FIXTURE).await;

    for prefix in PREFIXES {
        for (method, path, body) in EVERY_ROUTE {
            let path = format!("{prefix}{path}");
            let case = format!("{method} {path}");

            let end_user = call(
                &app,
                method.clone(),
                &path,
                Some("Bearer visitor-token-0001"),
                body,
            )
            .await;
            let deactivated = call(
                &app,
                method.clone(),
                &path,
                Some("Bearer inactive-token-0001"),
                body,
            )
            .await;

            assert_error(
                &end_user,
                StatusCode::FORBIDDEN,
                FORBIDDEN,
                &format!("{case} as an end user"),
            );
            assert_error(
                &deactivated,
                StatusCode::UNAUTHORIZED,
                UNAUTHORIZED,
                &format!("{case} as a deactivated agent"),
            );
        }
    }
    app.assert_invariants();
}
