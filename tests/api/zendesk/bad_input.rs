//! Bad input: every bad agent reference is a 422; 400 for what cannot be read, 413 for too
//! much, 422 for what Rails would refuse; nothing changes.

use super::*;

// ---------------------------------------------------------------------------------------------
// Agents of a group: every bad reference is a 422, and nothing changes.

#[tokio::test]
async fn an_unknown_or_non_integer_agent_an_end_user_or_a_deleted_user_is_422_and_changes_nothing()
{
    let app = spawn_app_on(&fixtures_with(vec![eve(), gone()])).await;
    let before = app.zendesk_snapshot().await;

    for (agents, messages) in [
        (
            "<agent>99</agent>",
            vec!["Agents is invalid: no agent has id 99"],
        ),
        (
            "<agent>4</agent>",
            vec!["Agents is invalid: no agent has id 4"],
        ),
        (
            "<agent>5</agent>",
            vec!["Agents is invalid: no agent has id 5"],
        ),
        (
            "<agent>2</agent><agent>abc</agent><agent>-1</agent>",
            vec![
                "Agents is invalid: \"abc\" is not an agent id",
                "Agents is invalid: \"-1\" is not an agent id",
            ],
        ),
        (
            "<agent><id>2</id></agent>",
            vec!["Agents is invalid: an agent must be an integer id"],
        ),
    ] {
        for (method, path) in [
            (Method::POST, "/groups.xml"),
            (Method::PUT, "/groups/1.xml"),
        ] {
            let body =
                format!("<group><name>X</name><agents type='array'>{agents}</agents></group>");
            let case = format!("{method} {agents}");

            let reply = app.zendesk().call(method, path, Some(&body)).await;

            assert_invalid(&reply, &messages, &case);
            assert_unchanged(&app, &before, &case).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bad bodies: 400 for what cannot be read, 413 for too much, 422 for what Rails would refuse.

/// (case, body, status, message): `message` is the `<error>` text, or the `<errors>` of a 422.
fn bad_group_bodies() -> Vec<(&'static str, String, StatusCode, Vec<String>)> {
    let bad = StatusCode::BAD_REQUEST;
    let read_error = |body: &str| {
        let error = XmlDocument::parse(body.as_bytes(), &Limits::default())
            .expect_err("the body does not read")
            .to_string();
        let mut chars = error.chars();
        let first = chars.next().unwrap().to_uppercase().collect::<String>();
        let text = format!("{first}{}", chars.as_str());
        vec![
            text.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        ]
    };
    let malformed = "<group><name>Hardware</group>".to_owned();
    let empty = String::new();
    let mismatched = "<group><name>x</name></group><agents>1</agents>".to_owned();
    let typed = "<group><name>x</name><agents type=\"array\"><agent type=\"integer\">abc</agent></agents></group>".to_owned();
    let deep = format!("<group>{}x{}</group>", "<a>".repeat(40), "</a>".repeat(40));
    vec![
        ("malformed", malformed.clone(), bad, read_error(&malformed)),
        ("empty", empty.clone(), bad, read_error(&empty)),
        ("two roots", mismatched.clone(), bad, read_error(&mismatched)),
        ("typed non-integer agent", typed.clone(), bad, read_error(&typed)),
        (
            "doctype",
            "<!DOCTYPE group [<!ENTITY x \"y\">]><group><name>&x;</name></group>".into(),
            bad,
            vec!["Document type declarations are not allowed".into()],
        ),
        (
            "billion laughs",
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><group><name>&lol2;</name></group>".into(),
            bad,
            vec!["Document type declarations are not allowed".into()],
        ),
        (
            "unknown entity",
            "<group><name>Caf&eacute;</name></group>".into(),
            bad,
            vec!["Entity &amp;eacute; is not allowed; only &amp;lt; &amp;gt; &amp;amp; &amp;quot; &amp;apos; and &amp;#N; are".into()],
        ),
        (
            "processing instruction",
            "<group><?php echo 1; ?><name>x</name></group>".into(),
            bad,
            vec!["Processing instruction &lt;?php ...?&gt; is not allowed".into()],
        ),
        (
            "wrong root",
            "<user><name>Hardware</name></user>".into(),
            bad,
            vec!["The root element must be &lt;group&gt;, not &lt;user&gt;".into()],
        ),
        (
            "text root",
            "<group>Hardware</group>".into(),
            bad,
            vec!["&lt;group&gt; must contain elements".into()],
        ),
        (
            "array root",
            "<group type=\"array\"><group><name>x</name></group></group>".into(),
            bad,
            vec!["&lt;group&gt; must contain elements".into()],
        ),
        (
            "too deep",
            deep.clone(),
            bad,
            vec!["Elements are nested more than 32 deep".into()],
        ),
        (
            "too many elements",
            format!(
                "<group><name>x</name><agents type=\"array\">{}</agents></group>",
                "<agent>1</agent>".repeat(10_000)
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            vec!["The document has more than 10000 elements".into()],
        ),
        (
            "blank name",
            "<group><name>  </name></group>".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Name can't be blank".into()],
        ),
        (
            "self-closed name",
            "<group><name /></group>".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Name can't be blank".into()],
        ),
        (
            "long name",
            format!("<group><name>{}</name></group>", "é".repeat(256)),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Name is too long (maximum is 255 characters)".into()],
        ),
        (
            "control character",
            "<group><name>a&#1;b</name></group>".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Name must not contain control characters".into()],
        ),
        (
            "name with elements",
            "<group><name><en>x</en></name></group>".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Name is invalid".into()],
        ),
        (
            "agents not a list",
            "<group><name>x</name><agents type=\"integer\">4</agents></group>".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Agents is invalid".into()],
        ),
    ]
}

#[track_caller]
fn assert_bad(reply: &Reply, status: StatusCode, messages: &[String], case: &str) {
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        let messages: Vec<&str> = messages.iter().map(String::as_str).collect();
        assert_invalid(reply, &messages, case);
    } else {
        assert_error(reply, status, &messages[0], case);
    }
}

#[tokio::test]
async fn creating_a_group_from_a_bad_body_gets_the_right_status_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;

    for (case, body, status, messages) in bad_group_bodies() {
        let reply = app.zendesk().post("/groups.xml", &body).await;

        assert_bad(&reply, status, &messages, case);
        assert_unchanged(&app, &before, case).await;
    }
}

#[tokio::test]
async fn updating_a_group_with_a_bad_body_gets_the_right_status_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;

    for (case, body, status, messages) in bad_group_bodies() {
        let reply = app.zendesk().put("/groups/2.xml", &body).await;

        assert_bad(&reply, status, &messages, case);
        assert_unchanged(&app, &before, case).await;
    }
}

#[tokio::test]
async fn a_user_body_with_the_wrong_root_or_hostile_xml_is_400_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;

    for (path, method, body, message) in [
        (
            "/users.xml",
            Method::POST,
            "<group><name>x</name></group>",
            "The root element must be &lt;user&gt;, not &lt;group&gt;",
        ),
        (
            "/users/2.xml",
            Method::PUT,
            "<!DOCTYPE user SYSTEM \"file:///etc/passwd\"><user><name>x</name></user>",
            "Document type declarations are not allowed",
        ),
        (
            "/users/2.xml",
            Method::PUT,
            "<user>Sam</user>",
            "&lt;user&gt; must contain elements",
        ),
    ] {
        let reply = app.zendesk().call(method, path, Some(body)).await;

        assert_error(&reply, StatusCode::BAD_REQUEST, message, body);
        assert_unchanged(&app, &before, body).await;
    }
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_413_and_changes_nothing() {
    let app = spawn_app_with(|c| c.request.max_body_bytes = 1024).await;
    let before = app.zendesk_snapshot().await;
    let body = format!("<group><name>{}</name></group>", "x".repeat(2000));

    for (method, path) in [(Method::POST, "/groups.xml"), (Method::PUT, "/users/2.xml")] {
        let reply = app.zendesk().call(method.clone(), path, Some(&body)).await;

        assert_error(
            &reply,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request entity too large",
            path,
        );
        assert_unchanged(&app, &before, path).await;
    }
}

#[tokio::test]
async fn a_chunked_body_over_the_size_limit_is_413_and_changes_nothing() {
    let app = spawn_app_with(|c| c.request.max_body_bytes = 1024).await;
    let before = app.zendesk_snapshot().await;
    let body = format!("<group><name>{}</name></group>", "x".repeat(2048 - 28));
    assert_eq!(body.len(), 0x800);
    let request = format!(
        "POST /groups.xml HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic YWRtaW5AZXhhbXBsZS5jb206YWRtaW4=\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n800\r\n{body}\r\n0\r\n\r\n"
    );

    let (status, headers, reply) = raw_exchange(&app, request.as_bytes()).await;

    assert_eq!(status, "HTTP/1.1 413 Payload Too Large");
    assert_eq!(header_values(&headers, "content-type"), [XML]);
    assert_eq!(reply, document("<error>Request entity too large</error>\n"));
    assert_unchanged(&app, &before, "chunked").await;
}

#[tokio::test]
async fn a_body_slower_than_the_request_timeout_gets_the_xml_408_and_changes_nothing() {
    let app = spawn_app_with(|c| c.request.request_timeout = Duration::from_millis(500)).await;
    let before = app.zendesk_snapshot().await;
    let request = "POST /groups.xml HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW5AZXhhbXBsZS5jb206YWRtaW4=\r\n\
                   Content-Length: 40\r\nConnection: close\r\n\r\n<group><name>";

    let (status, headers, reply) = raw_exchange(&app, request.as_bytes()).await;

    assert_eq!(status, "HTTP/1.1 408 Request Timeout");
    assert_eq!(header_values(&headers, "content-type"), [XML]);
    assert_eq!(reply, document("<error>Request timeout</error>\n"));
    assert_unchanged(&app, &before, "slow body").await;
}

#[tokio::test]
async fn a_create_without_a_host_header_is_400_since_no_location_can_be_built() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;
    let body = "<group><name>Hostless</name></group>";
    let request = format!(
        "POST /groups.xml HTTP/1.0\r\nAuthorization: Basic YWRtaW5AZXhhbXBsZS5jb206YWRtaW4=\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );

    let (status, headers, reply) = raw_exchange(&app, request.as_bytes()).await;

    assert_eq!(status, "HTTP/1.0 400 Bad Request");
    assert_eq!(header_values(&headers, "content-type"), [XML]);
    assert_eq!(
        reply,
        document("<error>A Host header is required to create a resource</error>\n")
    );
    assert_unchanged(&app, &before, "no Host").await;
}
