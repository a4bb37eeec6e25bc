//! Bad input: a Zopim-shaped error, and nothing changes.

use super::*;

/// Bodies that are refused on create and on update alike, with the description each gets.
fn bad_department_bodies() -> Vec<(&'static str, String, String)> {
    let must = |field: &str, what: &str| format!("'{field}' {what}");
    let json_error = |why: &str| format!("The request body is not valid JSON: {why}");
    let long_name = json!({ "name": "x".repeat(256) }).to_string();
    let long_description = json!({ "name": "X", "description": "d".repeat(65_536) }).to_string();
    // Each description, with the cases that get it.
    let groups: Vec<(String, Vec<(&'static str, &str)>)> = vec![
        (
            json_error("EOF while parsing an object at line 1 column 12"),
            vec![("malformed JSON", r#"{"name": "X""#)],
        ),
        (
            json_error("EOF while parsing a value at line 1 column 0"),
            vec![("an empty body", "")],
        ),
        (
            json_error("trailing comma at line 1 column 14"),
            vec![("a trailing comma", r#"{"name": "X",}"#)],
        ),
        (
            json_error("trailing characters at line 1 column 15"),
            vec![("trailing characters", r#"{"name": "X"} {}"#)],
        ),
        (
            json_error("key must be a string at line 1 column 2"),
            vec![("a single-quoted key", "{'name': 'X'}")],
        ),
        (
            "The request body must be a JSON object".to_owned(),
            vec![
                ("a JSON array", r#"[{"name": "X"}]"#),
                ("a JSON string", r#""X""#),
                ("a JSON number", "4"),
                ("JSON null", "null"),
            ],
        ),
        (
            must("name", "can't be blank"),
            vec![
                ("a blank name", r#"{"name": "   "}"#),
                ("an empty name", r#"{"name": ""}"#),
                ("a null name", r#"{"name": null}"#),
            ],
        ),
        (
            must("name", "is too long (maximum is 255 characters)"),
            vec![("a name of 256 characters", &long_name)],
        ),
        (
            must("name", "must not contain control characters"),
            vec![
                (
                    "a name with a control character",
                    r#"{"name": "Sales\u0007Team"}"#,
                ),
                ("a name with a newline", r#"{"name": "Sales\nTeam"}"#),
            ],
        ),
        (
            must("name", "must be a string"),
            vec![
                ("a numeric name", r#"{"name": 5}"#),
                ("a boolean name", r#"{"name": true}"#),
                ("an array name", r#"{"name": ["X"]}"#),
            ],
        ),
        (
            must("description", "must be a string or null"),
            vec![
                (
                    "a numeric description",
                    r#"{"name": "X", "description": 5}"#,
                ),
                (
                    "an object description",
                    r#"{"name": "X", "description": {}}"#,
                ),
            ],
        ),
        (
            must("description", "is too long (maximum is 65535 characters)"),
            vec![("a description of 65536 characters", &long_description)],
        ),
        (
            must("enabled", "must be 0, 1, true or false"),
            vec![
                ("enabled 2", r#"{"name": "X", "enabled": 2}"#),
                ("enabled -1", r#"{"name": "X", "enabled": -1}"#),
                ("enabled 1.0", r#"{"name": "X", "enabled": 1.0}"#),
                ("enabled \"yes\"", r#"{"name": "X", "enabled": "yes"}"#),
                ("enabled \"2\"", r#"{"name": "X", "enabled": "2"}"#),
                ("enabled null", r#"{"name": "X", "enabled": null}"#),
                ("enabled as an array", r#"{"name": "X", "enabled": [1]}"#),
            ],
        ),
        (
            must("members", "must be an array of agent ids"),
            vec![
                ("members as a string", r#"{"name": "X", "members": "1"}"#),
                ("members as a number", r#"{"name": "X", "members": 1}"#),
                ("members null", r#"{"name": "X", "members": null}"#),
                (
                    "members as an object",
                    r#"{"name": "X", "members": {"1": true}}"#,
                ),
                (
                    "a string member id",
                    r#"{"name": "X", "members": [1, "2"]}"#,
                ),
                ("a negative member id", r#"{"name": "X", "members": [-1]}"#),
                (
                    "a fractional member id",
                    r#"{"name": "X", "members": [1.5]}"#,
                ),
                ("a null member id", r#"{"name": "X", "members": [null]}"#),
            ],
        ),
        (
            must("settings", "must be an object"),
            vec![
                ("settings as an array", r#"{"name": "X", "settings": []}"#),
                ("settings as a string", r#"{"name": "X", "settings": "{}"}"#),
                ("settings null", r#"{"name": "X", "settings": null}"#),
            ],
        ),
        (
            must("settings.", "is not a valid settings key path"),
            vec![(
                "an empty dotted settings key",
                r#"{"name": "X", "settings.": true}"#,
            )],
        ),
        (
            must("settings.a..b", "is not a valid settings key path"),
            vec![(
                "a dotted settings key with an empty part",
                r#"{"name": "X", "settings.a..b": true}"#,
            )],
        ),
        (
            "'members' names agent 99, which does not exist".to_owned(),
            vec![(
                "a member who is not an agent",
                r#"{"name": "X", "members": [1, 99]}"#,
            )],
        ),
        (
            "'members' names agent 18446744073709551615, which does not exist".to_owned(),
            vec![(
                "a huge member id",
                r#"{"name": "X", "members": [18446744073709551615]}"#,
            )],
        ),
    ];
    groups
        .into_iter()
        .flat_map(|(description, cases)| {
            cases
                .into_iter()
                .map(move |(case, body)| (case, body.to_owned(), description.clone()))
        })
        .collect()
}

#[tokio::test]
async fn creating_a_department_from_a_bad_body_returns_400_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;
    let mut cases = bad_department_bodies();
    cases.extend([
        (
            "no name",
            r#"{"description": "No name"}"#.to_owned(),
            "'name' is required".to_owned(),
        ),
        (
            "an empty object",
            "{}".to_owned(),
            "'name' is required".to_owned(),
        ),
        (
            "a duplicate name",
            r#"{"name": "Sales"}"#.to_owned(),
            r#"'name' "Sales" is already used by another department"#.to_owned(),
        ),
    ]);

    for prefix in PREFIXES {
        for (case, body, description) in &cases {
            let case = format!("{prefix} {case}");

            let reply = app.zopim().at(prefix).post("/departments", body).await;

            assert_error(&reply, StatusCode::BAD_REQUEST, description, &case);
            assert_unchanged(&app, &before, &case).await;
        }
    }
}

#[tokio::test]
async fn updating_a_department_with_a_bad_body_returns_400_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;
    let mut cases = bad_department_bodies();
    cases.push((
        "a rename to another department's name",
        r#"{"name": "Support"}"#.to_owned(),
        r#"'name' "Support" is already used by another department"#.to_owned(),
    ));

    for prefix in PREFIXES {
        for path in ["/departments/1", "/departments/name/Sales"] {
            for (case, body, description) in &cases {
                let case = format!("{prefix}{path} {case}");

                let reply = app.zopim().at(prefix).put(path, body).await;

                assert_error(&reply, StatusCode::BAD_REQUEST, description, &case);
                assert_unchanged(&app, &before, &case).await;
            }
        }
    }
}

#[tokio::test]
async fn a_body_that_is_not_declared_as_json_returns_415_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;
    let body = r#"{"name": "New"}"#;
    let content_types = [
        ("no Content-Type", None),
        ("text/plain", Some("text/plain")),
        ("a form", Some("application/x-www-form-urlencoded")),
        ("a JSON lookalike", Some("application/jsonp")),
    ];

    for prefix in PREFIXES {
        for (method, path) in [
            (Method::POST, "/departments"),
            (Method::PUT, "/departments/1"),
            (Method::PUT, "/departments/name/Sales"),
        ] {
            for (case, content_type) in content_types {
                let case = format!("{method} {prefix}{path} with {case}");

                let reply = app
                    .zopim()
                    .at(prefix)
                    .raw(method.clone(), path, content_type, body)
                    .await;

                assert_error(
                    &reply,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    UNSUPPORTED_MEDIA,
                    &case,
                );
                assert_unchanged(&app, &before, &case).await;
            }
        }
    }
}

#[tokio::test]
async fn a_body_over_the_size_limit_returns_413_and_changes_nothing() {
    let app = spawn_app_with(|c| c.request.max_body_bytes = 1024).await;
    let before = app.zopim_snapshot().await;
    let body = json!({"name": "Big", "description": "d".repeat(2048)}).to_string();
    assert!(body.len() > 2048);

    for prefix in PREFIXES {
        for (method, path) in [
            (Method::POST, "/departments"),
            (Method::PUT, "/departments/1"),
            (Method::PUT, "/departments/name/Sales"),
        ] {
            let case = format!("{method} {prefix}{path}");

            let reply = app
                .zopim()
                .at(prefix)
                .method(method, path, Some(&body))
                .await;

            assert_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE, &case);
            assert_unchanged(&app, &before, &case).await;
        }
    }
}

#[tokio::test]
async fn a_department_that_does_not_exist_is_404_and_nothing_changes() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;
    let body = Some(r#"{"description": "x"}"#);
    let cases = [
        (Method::GET, "/departments/99", None),
        (Method::GET, "/departments/0", None),
        (Method::GET, "/departments/abc", None),
        (Method::GET, "/departments/-1", None),
        (Method::GET, "/departments/1.0", None),
        (Method::GET, "/departments/18446744073709551616", None),
        (Method::GET, "/departments/name/Nope", None),
        (Method::GET, "/departments/name/Sales%20", None),
        (Method::GET, "/departments/name/%FF", None),
        (Method::PUT, "/departments/99", body),
        (Method::PUT, "/departments/abc", body),
        (Method::PUT, "/departments/name/Nope", body),
        (Method::DELETE, "/departments/99", None),
        (Method::DELETE, "/departments/abc", None),
        (Method::DELETE, "/departments/name/Nope", None),
    ];

    assert_each_department_not_found(&app, &before, &cases).await;
}

#[tokio::test]
async fn an_unknown_path_under_a_zopim_prefix_is_404_with_werkzeugs_description() {
    let app = spawn_app().await;
    let paths = [
        "/api/v2/",
        "/api/v2/nothing",
        "/api/v2/chat",
        "/api/v2/chat/",
        "/api/v2/chat/nothing",
        "/api/v2/chat/chat/departments",
        "/api/v2/departments/",
        "/api/v2/departments/1/members",
        "/api/v2/chat/departments/name/",
        "/api/v2/agents/email/",
        "/api/v2/chat/agents/me/departments",
        "/api/v2/Departments",
    ];

    for path in paths {
        for (who, token) in [("admin", Some(ADMIN_TOKEN)), ("anonymous", None)] {
            let case = format!("{path} as {who}");

            let reply = app.request(Method::GET, path, token, None).await;

            assert_error(&reply, StatusCode::NOT_FOUND, NO_ROUTE, &case);
        }
    }
}

#[tokio::test]
async fn a_method_a_path_does_not_take_is_405_with_allow_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;
    let body = Some(r#"{"name": "New"}"#);
    let cases = [
        (
            Method::PATCH,
            "/departments/1",
            body,
            "GET, HEAD, PUT, DELETE",
        ),
        (
            Method::POST,
            "/departments/1",
            body,
            "GET, HEAD, PUT, DELETE",
        ),
        (
            Method::PATCH,
            "/departments/name/Sales",
            body,
            "GET, HEAD, PUT, DELETE",
        ),
        (
            Method::POST,
            "/departments/name/Sales",
            body,
            "GET, HEAD, PUT, DELETE",
        ),
        (Method::PUT, "/departments", body, "GET, HEAD, POST"),
        (Method::DELETE, "/departments", None, "GET, HEAD, POST"),
        (Method::PUT, "/agents", body, "GET, HEAD, POST"),
        (Method::POST, "/agents/1", body, "GET, HEAD, PUT, DELETE"),
        (Method::DELETE, "/agents/me", None, "GET, HEAD, PUT"),
        (Method::POST, "/account", body, "GET, HEAD"),
        (Method::POST, "/roles", body, "GET, HEAD"),
        (
            Method::DELETE,
            "/agents/email/admin%40example.com",
            None,
            "GET, HEAD",
        ),
    ];

    for prefix in PREFIXES {
        for (method, path, body, allow) in cases.clone() {
            let case = format!("{method} {prefix}{path}");

            let reply = app.zopim().at(prefix).method(method, path, body).await;

            assert_error(&reply, StatusCode::METHOD_NOT_ALLOWED, NO_METHOD, &case);
            assert_eq!(
                reply.headers.get(ALLOW).and_then(|v| v.to_str().ok()),
                Some(allow),
                "{case}: Allow"
            );
            assert_unchanged(&app, &before, &case).await;
        }
    }
}

#[tokio::test]
async fn a_chunked_body_over_the_size_limit_returns_413_and_changes_nothing() {
    // No Content-Length to refuse up front: the limit trips while the body is read.
    let app = spawn_app_with(|c| c.request.max_body_bytes = 1024).await;
    let before = app.zopim_snapshot().await;
    let opening = r#"{"name": "Big", "description": ""#;
    let body = format!("{opening}{}\"}}", "d".repeat(2048 - opening.len() - 2));
    assert_eq!(body.len(), 0x800);

    for path in ["/api/v2/departments", "/api/v2/chat/departments/1"] {
        let method = if path.ends_with('1') { "PUT" } else { "POST" };
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
             800\r\n{body}\r\n0\r\n\r\n"
        );
        let case = format!("{method} {path}");

        let (status, headers, reply) = raw_exchange(&app, request.as_bytes()).await;

        assert_eq!(status, "HTTP/1.1 413 Payload Too Large", "{case}");
        let content_type = headers
            .iter()
            .find(|(name, _)| name == "content-type")
            .map(|(_, value)| value.as_str());
        assert_eq!(
            content_type,
            Some("application/json"),
            "{case}: content type"
        );
        let reply: Value = serde_json::from_str(&reply).expect("a JSON body");
        assert_eq!(
            reply,
            json!({"error": "Payload Too Large", "description": TOO_LARGE}),
            "{case}"
        );
        assert_unchanged(&app, &before, &case).await;
    }
}

#[tokio::test]
async fn ids_and_cursors_take_decimal_digits_only() {
    // See: helper review of the first Zopim suite: `u64::from_str` accepted `+1`.
    let app = spawn_app().await;

    for path in ["/departments/+1", "/departments/%2B1", "/departments/ 1"] {
        let reply = app.zopim().get(path).await;
        assert_error(&reply, StatusCode::NOT_FOUND, "Department not found", path);
    }
    for path in ["/agents/+1"] {
        let reply = app.zopim().get(path).await;
        assert_error(&reply, StatusCode::NOT_FOUND, "Agent not found", path);
    }
    for (query, name) in [
        ("limit=%2B5", "limit"),
        ("since_id=+1", "since_id"),
        ("max_id=-1", "max_id"),
    ] {
        let reply = app.zopim().get(&format!("/agents?{query}")).await;
        let description = format!("'{name}' must be a non-negative integer");
        assert_error(&reply, StatusCode::BAD_REQUEST, &description, query);
    }
}
