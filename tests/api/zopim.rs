//! The Zopim v2 facade, route by route (spec part A): departments and agents under both URL
//! generations, auth, and the Zopim-shaped error for every bad input, with the state unchanged.

use crate::helpers::{
    ADMIN_TOKEN, AGENT_TOKEN, Reply, TestApp, spawn_app, spawn_app_on, spawn_app_with,
};
use deskbridge::facades::zopim::EnabledFormat;
use reqwest::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Both URL generations: www.zopim.com's and {subdomain}.zendesk.com's (spec A1).
const PREFIXES: [&str; 2] = ["/api/v2", "/api/v2/chat"];

// Werkzeug's standard descriptions, which Zopim's 401 shows it uses (spec A6).
const UNAUTHORIZED: &str =
    "The server could not verify that you are authorized to access the requested resource";
const FORBIDDEN: &str = "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server.";
const NO_ROUTE: &str = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
const NO_METHOD: &str = "The method is not allowed for the requested URL.";
const TOO_LARGE: &str = "The data value transmitted exceeds the capacity limit.";
const UNSUPPORTED_MEDIA: &str =
    "The server does not support the media type transmitted in the request.";

// ---------------------------------------------------------------------------------------------
// The default data as Zopim shows it (fixtures/default.json).

pub(crate) fn sales() -> Value {
    json!({"description": "Questions before buying", "enabled": 1, "id": 1, "members": [1, 2], "name": "Sales", "settings": {"chat_enabled": true, "support_group_id": null}})
}

pub(crate) fn support() -> Value {
    json!({"description": "Help with the product", "enabled": 1, "id": 2, "members": [2, 3], "name": "Support", "settings": {"chat_enabled": true, "support_group_id": null}})
}

pub(crate) fn billing() -> Value {
    json!({"description": "Invoices and refunds", "enabled": 0, "id": 3, "members": [3], "name": "Billing", "settings": {}})
}

/// Agent 1, the owner and administrator.
pub(crate) fn alex() -> Value {
    json!({
        "create_date": "2024-01-15T09:00:00Z", "departments": [1], "display_name": "Alex Admin",
        "email": "admin@example.com", "enabled": 1, "enabled_departments": [1],
        "first_name": "Alex", "id": 1, "last_name": "Admin", "role_id": 1,
        "roles": {"administrator": true, "owner": true}, "skills": []
    })
}

/// Agent 2, a plain agent holding the agent token.
pub(crate) fn sam() -> Value {
    json!({
        "create_date": "2024-01-15T09:05:00Z", "departments": [1, 2], "display_name": "Sam Agent",
        "email": "agent@example.com", "enabled": 1, "enabled_departments": [1, 2],
        "first_name": "Sam", "id": 2, "last_name": "Agent", "role_id": 2,
        "roles": {"administrator": false, "owner": false}, "skills": []
    })
}

/// Agent 3, a member of the disabled Billing department.
pub(crate) fn maria() -> Value {
    json!({
        "create_date": "2024-02-01T08:30:00Z", "departments": [2, 3], "display_name": "Maria Lopez",
        "email": "maria@example.com", "enabled": 1, "enabled_departments": [2],
        "first_name": "Maria", "id": 3, "last_name": "Lopez", "role_id": 2,
        "roles": {"administrator": false, "owner": false}, "skills": []
    })
}

/// `value` with some top-level keys replaced.
pub(crate) fn with(mut value: Value, changes: Value) -> Value {
    for (key, v) in changes.as_object().expect("changes are an object") {
        value[key] = v.clone();
    }
    value
}

// ---------------------------------------------------------------------------------------------
// Assertions on whole replies.

/// Asserts a JSON reply whole: status, content type and body.
#[track_caller]
pub(crate) fn assert_json(reply: &Reply, status: StatusCode, body: Value, case: &str) {
    assert_eq!(
        reply.status, status,
        "{case}: status (body {:?})",
        reply.body
    );
    assert_eq!(
        reply.content_type(),
        Some("application/json"),
        "{case}: content type"
    );
    assert_eq!(reply.json(), body, "{case}: body");
}

/// Asserts a Zopim error reply: `{"error": <reason phrase>, "description": ...}`.
#[track_caller]
pub(crate) fn assert_error(reply: &Reply, status: StatusCode, description: &str, case: &str) {
    let reason = match status.as_u16() {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        other => panic!("{case}: no reason phrase written down for {other}"),
    };
    assert_json(
        reply,
        status,
        json!({"error": reason, "description": description}),
        case,
    );
}

/// Asserts a 204 with nothing at all: no body and no content type (zenpy needs that, spec A9).
#[track_caller]
pub(crate) fn assert_no_content(reply: &Reply, case: &str) {
    assert_eq!(
        reply.status,
        StatusCode::NO_CONTENT,
        "{case}: status (body {:?})",
        reply.body
    );
    assert_eq!(reply.body, "", "{case}: body");
    assert_eq!(reply.content_type(), None, "{case}: content type");
}

/// Asserts that what Zopim shows is still `before`, and that the store is consistent.
async fn assert_unchanged(app: &TestApp, before: &(Value, Value), case: &str) {
    assert_eq!(
        &app.zopim_snapshot().await,
        before,
        "{case}: the state changed"
    );
    app.assert_invariants();
}

/// A request with a raw `Authorization` header (or none) and an optional JSON body.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    authorization: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let mut request = app.client.request(method, app.url(path));
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    if let Some(body) = body {
        request = request
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_owned());
    }
    app.send(request).await
}

// ---------------------------------------------------------------------------------------------
// Department reads.

#[tokio::test]
async fn listing_departments_returns_the_bare_array_of_the_default_data() {
    let app = spawn_app().await;

    let reply = app.zopim().get("/departments").await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), Some("application/json"));
    assert_eq!(
        reply.json(),
        json!([
            {"description": "Questions before buying", "enabled": 1, "id": 1, "members": [1, 2], "name": "Sales", "settings": {"chat_enabled": true, "support_group_id": null}},
            {"description": "Help with the product", "enabled": 1, "id": 2, "members": [2, 3], "name": "Support", "settings": {"chat_enabled": true, "support_group_id": null}},
            {"description": "Invoices and refunds", "enabled": 0, "id": 3, "members": [3], "name": "Billing", "settings": {}}
        ])
    );
}

#[tokio::test]
async fn listing_departments_under_either_prefix_returns_the_same_bare_array_in_id_order() {
    let app = spawn_app().await;
    // Created out of name order, to show the list is in id order.
    let created = app
        .zopim()
        .post("/departments", r#"{"name": "Aardvark"}"#)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    for prefix in PREFIXES {
        let reply = app.zopim().at(prefix).get("/departments").await;

        assert_json(
            &reply,
            StatusCode::OK,
            json!([
                sales(),
                support(),
                billing(),
                {"description": "", "enabled": 1, "id": 4, "members": [], "name": "Aardvark", "settings": {}}
            ]),
            prefix,
        );
    }
}

#[tokio::test]
async fn a_list_after_a_write_shows_the_write_whichever_facade_made_it() {
    // The list is kept encoded per state version: each list here follows one that filled it.
    let app = spawn_app().await;
    let ids = |reply: &Reply| -> Vec<(u64, String)> {
        reply
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["id"].as_u64().unwrap(),
                    d["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let list = || async {
        let replies = [
            app.zopim().at(PREFIXES[0]).get("/departments").await,
            app.zopim().at(PREFIXES[1]).get("/departments").await,
            app.zopim().at(PREFIXES[0]).get("/departments").await,
        ];
        for reply in &replies {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            assert_eq!(reply.body, replies[0].body);
        }
        ids(&replies[0])
    };
    let named = |pairs: &[(u64, &str)]| -> Vec<(u64, String)> {
        pairs.iter().map(|(i, n)| (*i, (*n).to_owned())).collect()
    };
    assert_eq!(
        list().await,
        named(&[(1, "Sales"), (2, "Support"), (3, "Billing")])
    );

    let renamed = app
        .zopim()
        .put("/departments/2", r#"{"name": "Help"}"#)
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(
        list().await,
        named(&[(1, "Sales"), (2, "Help"), (3, "Billing")])
    );

    // A soft delete through the classic XML API hides the department from Zopim.
    let destroyed = app.zendesk().delete("/groups/1.xml").await;
    assert_eq!(destroyed.status, StatusCode::OK, "{}", destroyed.body);
    assert_eq!(list().await, named(&[(2, "Help"), (3, "Billing")]));

    let created = app
        .zopim()
        .post("/departments", r#"{"name": "Aardvark"}"#)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let deleted = app.zopim().delete("/departments/3").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(list().await, named(&[(2, "Help"), (4, "Aardvark")]));
}

#[tokio::test]
async fn a_head_request_is_answered_like_a_get_without_a_body() {
    let app = spawn_app().await;

    for prefix in PREFIXES {
        for path in [
            "/departments",
            "/departments/name/Sales",
            "/agents",
            "/agents/me",
        ] {
            let case = format!("HEAD {prefix}{path}");

            let reply = app
                .zopim()
                .at(prefix)
                .method(Method::HEAD, path, None)
                .await;

            assert_eq!(reply.status, StatusCode::OK, "{case}");
            assert_eq!(reply.content_type(), Some("application/json"), "{case}");
            assert_eq!(reply.body, "", "{case}");
        }
    }
}

#[tokio::test]
async fn showing_a_department_by_id_returns_the_bare_object() {
    let app = spawn_app().await;

    for prefix in PREFIXES {
        for (id, expected) in [(1, sales()), (2, support()), (3, billing())] {
            let reply = app
                .zopim()
                .at(prefix)
                .get(&format!("/departments/{id}"))
                .await;

            assert_json(
                &reply,
                StatusCode::OK,
                expected,
                &format!("{prefix} department {id}"),
            );
        }
    }
}

#[tokio::test]
async fn showing_a_department_by_name_finds_it_by_its_exact_name() {
    let app = spawn_app().await;

    for prefix in PREFIXES {
        for (name, expected) in [
            ("Sales", sales()),
            ("Support", support()),
            ("Billing", billing()),
        ] {
            let reply = app
                .zopim()
                .at(prefix)
                .get(&format!("/departments/name/{name}"))
                .await;

            assert_json(
                &reply,
                StatusCode::OK,
                expected,
                &format!("{prefix} {name}"),
            );
        }
    }
}

#[tokio::test]
async fn showing_a_department_by_a_percent_encoded_name_decodes_spaces_unicode_and_plus_signs() {
    // zenpy lets `requests` encode the name: `GET /api/v2/departments/name/Sales%20Team` (spec A3).
    let app = spawn_app().await;
    let names = ["Sales Team", "Café ☕ Soporte", "C++ Help", "Sales/EU"];
    let mut shown = Vec::new();
    for name in names {
        let reply = app
            .zopim()
            .post("/departments", &json!({ "name": name }).to_string())
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{name}: {}", reply.body);
        shown.push(reply.json());
    }
    let cases = [
        ("a space as %20", "Sales%20Team", 0),
        (
            "unicode as UTF-8 percent escapes",
            "Caf%C3%A9%20%E2%98%95%20Soporte",
            1,
        ),
        ("plus signs escaped", "C%2B%2B%20Help", 2),
        // In a path `+` is a plus sign, not a space.
        ("plus signs as they are", "C++%20Help", 2),
        // zenpy would send a bare `/` and miss (spec A3); an escaped one stays in the segment.
        ("a slash as %2F", "Sales%2FEU", 3),
    ];

    for prefix in PREFIXES {
        for (case, segment, index) in cases {
            let reply = app
                .zopim()
                .at(prefix)
                .get(&format!("/departments/name/{segment}"))
                .await;

            assert_json(
                &reply,
                StatusCode::OK,
                shown[index].clone(),
                &format!("{prefix} {case}"),
            );
        }
    }
}

/// Two departments share a name (the model allows it; Zopim only refuses to make more), one is
/// archived (hidden from Zopim), one end user and one deactivated agent.
const MIXED_FIXTURE: &str = r#"{
  "agents": [
    {"id": 1, "username": "admin", "name": "Alex Admin", "email": "admin@example.com",
     "roles": ["owner", "administrator", "agent"], "tokens": {"bearer": ["deskbridge-admin-token"]},
     "created_at": "2024-01-15T09:00:00Z"},
    {"id": 2, "username": "visitor", "name": "Vera Visitor", "email": "visitor@example.com",
     "roles": ["end-user"], "tokens": {"bearer": ["visitor-token-0001"]},
     "created_at": "2024-01-16T10:00:00Z"},
    {"id": 3, "username": "gone", "name": "Gus Gone", "email": "gone@example.com",
     "roles": ["agent"], "active": false, "tokens": {"bearer": ["inactive-token-0001"]},
     "created_at": "2024-01-17T11:00:00Z"}
  ],
  "departments": [
    {"id": 1, "name": "Sales", "description": "First Sales", "members": [1]},
    {"id": 2, "name": "Archive", "description": "Archived", "active": false},
    {"id": 3, "name": "Sales", "description": "Second Sales", "members": [3]}
  ]
}"#;

fn first_sales() -> Value {
    json!({"description": "First Sales", "enabled": 1, "id": 1, "members": [1], "name": "Sales", "settings": {}})
}

fn second_sales() -> Value {
    json!({"description": "Second Sales", "enabled": 1, "id": 3, "members": [3], "name": "Sales", "settings": {}})
}

#[tokio::test]
async fn listing_departments_hides_inactive_departments() {
    let app = spawn_app_on(MIXED_FIXTURE).await;

    for prefix in PREFIXES {
        let reply = app.zopim().at(prefix).get("/departments").await;

        assert_json(
            &reply,
            StatusCode::OK,
            json!([first_sales(), second_sales()]),
            prefix,
        );
    }
}

#[tokio::test]
async fn an_inactive_department_cannot_be_shown_updated_or_deleted_by_id_or_by_name() {
    let app = spawn_app_on(MIXED_FIXTURE).await;
    let before = app.zopim_snapshot().await;
    let cases = [
        (Method::GET, "/departments/2", None),
        (Method::GET, "/departments/name/Archive", None),
        (
            Method::PUT,
            "/departments/2",
            Some(r#"{"description": "x"}"#),
        ),
        (
            Method::PUT,
            "/departments/name/Archive",
            Some(r#"{"description": "x"}"#),
        ),
        (Method::DELETE, "/departments/2", None),
        (Method::DELETE, "/departments/name/Archive", None),
    ];

    for prefix in PREFIXES {
        for (method, path, body) in cases.clone() {
            let case = format!("{method} {prefix}{path}");

            let reply = app.zopim().at(prefix).method(method, path, body).await;

            assert_error(&reply, StatusCode::NOT_FOUND, "Department not found", &case);
            assert_unchanged(&app, &before, &case).await;
        }
    }
}

#[tokio::test]
async fn the_name_of_an_inactive_department_is_free_for_a_new_one() {
    let app = spawn_app_on(MIXED_FIXTURE).await;

    let reply = app
        .zopim()
        .post("/departments", r#"{"name": "Archive"}"#)
        .await;

    assert_json(
        &reply,
        StatusCode::CREATED,
        json!({"description": "", "enabled": 1, "id": 4, "members": [], "name": "Archive", "settings": {}}),
        "create",
    );
    let by_name = app.zopim().get("/departments/name/Archive").await;
    assert_json(&by_name, StatusCode::OK, reply.json(), "show by name");
    app.assert_invariants();
}

#[tokio::test]
async fn a_name_two_departments_share_resolves_to_the_lowest_id() {
    let app = spawn_app_on(MIXED_FIXTURE).await;

    for prefix in PREFIXES {
        let reply = app.zopim().at(prefix).get("/departments/name/Sales").await;

        assert_json(&reply, StatusCode::OK, first_sales(), prefix);
    }

    // Updating and deleting by that name also reach the lowest id only.
    let updated = app
        .zopim()
        .put(
            "/departments/name/Sales",
            r#"{"description": "Still first"}"#,
        )
        .await;
    assert_json(
        &updated,
        StatusCode::OK,
        with(first_sales(), json!({"description": "Still first"})),
        "update by the shared name",
    );
    assert_no_content(
        &app.zopim().delete("/departments/name/Sales").await,
        "delete by the shared name",
    );
    let reply = app.zopim().get("/departments/name/Sales").await;
    assert_json(&reply, StatusCode::OK, second_sales(), "after the delete");
    app.assert_invariants();
}

#[tokio::test]
async fn department_names_compare_exactly_so_case_and_spaces_make_another_name() {
    let app = spawn_app().await;

    let lower = app
        .zopim()
        .post("/departments", r#"{"name": "sales"}"#)
        .await;
    let padded = app
        .zopim()
        .post("/departments", r#"{"name": " Sales "}"#)
        .await;

    assert_json(
        &lower,
        StatusCode::CREATED,
        json!({"description": "", "enabled": 1, "id": 4, "members": [], "name": "sales", "settings": {}}),
        "lower case",
    );
    assert_json(
        &padded,
        StatusCode::CREATED,
        json!({"description": "", "enabled": 1, "id": 5, "members": [], "name": " Sales ", "settings": {}}),
        "padded",
    );
    for (segment, expected) in [
        ("Sales", sales()),
        ("sales", lower.json()),
        ("%20Sales%20", padded.json()),
    ] {
        let reply = app
            .zopim()
            .get(&format!("/departments/name/{segment}"))
            .await;
        assert_json(&reply, StatusCode::OK, expected, segment);
    }
    let missing = app.zopim().get("/departments/name/SALES").await;
    assert_error(
        &missing,
        StatusCode::NOT_FOUND,
        "Department not found",
        "SALES",
    );
    app.assert_invariants();
}

// ---------------------------------------------------------------------------------------------
// Create.

#[tokio::test]
async fn creating_a_department_returns_201_with_the_object_and_shows_it_everywhere() {
    for prefix in PREFIXES {
        let app = spawn_app().await;
        let body = r#"{"name": "Sales Team", "description": "Team sales", "enabled": 1, "members": [1, 3], "settings": {"chat_enabled": false}}"#;
        let expected = json!({"description": "Team sales", "enabled": 1, "id": 4, "members": [1, 3], "name": "Sales Team", "settings": {"chat_enabled": false}});

        let reply = app.zopim().at(prefix).post("/departments", body).await;

        assert_json(&reply, StatusCode::CREATED, expected.clone(), prefix);
        let z = app.zopim().at(prefix);
        assert_json(
            &z.get("/departments/4").await,
            StatusCode::OK,
            expected.clone(),
            &format!("{prefix} show"),
        );
        assert_json(
            &z.get("/departments").await,
            StatusCode::OK,
            json!([sales(), support(), billing(), expected]),
            &format!("{prefix} list"),
        );
        assert_json(
            &z.get("/agents").await,
            StatusCode::OK,
            json!([
                with(
                    alex(),
                    json!({"departments": [1, 4], "enabled_departments": [1, 4]})
                ),
                sam(),
                with(
                    maria(),
                    json!({"departments": [2, 3, 4], "enabled_departments": [2, 4]})
                ),
            ]),
            &format!("{prefix} agents"),
        );
        app.assert_invariants();
    }
}

#[tokio::test]
async fn creating_a_department_with_only_a_name_fills_in_the_defaults() {
    let app = spawn_app().await;

    let reply = app
        .zopim()
        .post("/departments", r#"{"name": "Bare"}"#)
        .await;

    assert_json(
        &reply,
        StatusCode::CREATED,
        json!({"description": "", "enabled": 1, "id": 4, "members": [], "name": "Bare", "settings": {}}),
        "create",
    );
}

#[tokio::test]
async fn creating_a_department_accepts_every_spelling_of_enabled() {
    // Documented as 0/1, sent as booleans by real clients, as strings by form-minded ones (spec A2).
    let app = spawn_app().await;
    let cases = [
        ("integer 1", json!(1), 1),
        ("integer 0", json!(0), 0),
        ("true", json!(true), 1),
        ("false", json!(false), 0),
        ("string \"1\"", json!("1"), 1),
        ("string \"0\"", json!("0"), 0),
    ];

    for (i, (case, given, shown)) in cases.into_iter().enumerate() {
        let name = format!("Flag {i}");
        let body = json!({"name": name, "enabled": given}).to_string();

        let reply = app.zopim().post("/departments", &body).await;

        assert_json(
            &reply,
            StatusCode::CREATED,
            json!({"description": "", "enabled": shown, "id": 4 + i, "members": [], "name": name, "settings": {}}),
            case,
        );
    }
}

#[tokio::test]
async fn creating_a_department_ignores_the_id_and_unknown_fields_it_is_sent() {
    let app = spawn_app().await;

    let reply = app
        .zopim()
        .post(
            "/departments",
            r#"{"id": 50, "name": "Ignored extras", "colour": "red", "nested": {"a": 1}}"#,
        )
        .await;

    assert_json(
        &reply,
        StatusCode::CREATED,
        json!({"description": "", "enabled": 1, "id": 4, "members": [], "name": "Ignored extras", "settings": {}}),
        "create",
    );
    let fifty = app.zopim().get("/departments/50").await;
    assert_error(
        &fifty,
        StatusCode::NOT_FOUND,
        "Department not found",
        "id 50",
    );
}

#[tokio::test]
async fn creating_a_department_takes_dotted_settings_keys_a_charset_and_a_255_character_name() {
    let app = spawn_app().await;
    let long_name = "é".repeat(255);
    let body = json!({"name": long_name, "settings.chat_enabled": true, "settings.routing.mode": "assigned"})
        .to_string();

    let reply = app
        .zopim()
        .raw(
            Method::POST,
            "/departments",
            Some("application/json; charset=utf-8"),
            &body,
        )
        .await;

    assert_json(
        &reply,
        StatusCode::CREATED,
        json!({"description": "", "enabled": 1, "id": 4, "members": [], "name": long_name, "settings": {"chat_enabled": true, "routing": {"mode": "assigned"}}}),
        "create",
    );
}

#[tokio::test]
async fn a_deleted_departments_id_is_never_reused_and_its_name_is_free_again() {
    let app = spawn_app().await;
    assert_no_content(&app.zopim().delete("/departments/3").await, "delete");

    let reply = app
        .zopim()
        .post("/departments", r#"{"name": "Billing"}"#)
        .await;

    assert_json(
        &reply,
        StatusCode::CREATED,
        json!({"description": "", "enabled": 1, "id": 4, "members": [], "name": "Billing", "settings": {}}),
        "create",
    );
    app.assert_invariants();
}

// ---------------------------------------------------------------------------------------------
// Update.

#[tokio::test]
async fn updating_a_department_by_id_changes_only_the_fields_sent() {
    for prefix in PREFIXES {
        let app = spawn_app().await;
        let z = app.zopim().at(prefix);
        let cases = [
            (
                "description",
                r#"{"description": "Before you buy"}"#,
                json!({"description": "Before you buy"}),
            ),
            ("enabled", r#"{"enabled": false}"#, json!({"enabled": 0})),
            (
                "name",
                r#"{"name": "Sales EU"}"#,
                json!({"name": "Sales EU"}),
            ),
            (
                "description cleared with null",
                r#"{"description": null}"#,
                json!({"description": ""}),
            ),
            ("an empty body", r#"{}"#, json!({})),
        ];
        let mut expected = sales();

        for (case, body, change) in cases {
            let case = format!("{prefix} {case}");
            expected = with(expected, change);

            let reply = z.put("/departments/1", body).await;

            assert_json(&reply, StatusCode::OK, expected.clone(), &case);
            assert_json(
                &z.get("/departments/1").await,
                StatusCode::OK,
                expected.clone(),
                &format!("{case}, read back"),
            );
        }
        app.assert_invariants();
    }
}

#[tokio::test]
async fn updating_every_field_at_once_merges_settings_and_frees_the_old_name() {
    let app = spawn_app().await;
    let body = r#"{"name": "Help Desk", "description": "New", "enabled": 0, "members": [1], "settings": {"support_group_id": 7}}"#;
    let expected = json!({"description": "New", "enabled": 0, "id": 2, "members": [1], "name": "Help Desk", "settings": {"chat_enabled": true, "support_group_id": 7}});

    let reply = app.zopim().put("/departments/2", body).await;

    assert_json(&reply, StatusCode::OK, expected.clone(), "update");
    let z = app.zopim();
    assert_json(
        &z.get("/departments/name/Help%20Desk").await,
        StatusCode::OK,
        expected,
        "new name",
    );
    assert_error(
        &z.get("/departments/name/Support").await,
        StatusCode::NOT_FOUND,
        "Department not found",
        "old name",
    );
    assert_json(
        &z.get("/agents").await,
        StatusCode::OK,
        json!([
            with(
                alex(),
                json!({"departments": [1, 2], "enabled_departments": [1]})
            ),
            with(
                sam(),
                json!({"departments": [1], "enabled_departments": [1]})
            ),
            with(
                maria(),
                json!({"departments": [3], "enabled_departments": []})
            ),
        ]),
        "agents",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn updating_a_department_by_name_changes_only_the_fields_sent() {
    for prefix in PREFIXES {
        let app = spawn_app().await;
        let z = app.zopim().at(prefix);
        let created = z
            .post("/departments", r#"{"name": "Café Team", "members": [2]}"#)
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

        let by_plain_name = z
            .put("/departments/name/Support", r#"{"description": "By name"}"#)
            .await;
        let by_encoded_name = z
            .put(
                "/departments/name/Caf%C3%A9%20Team",
                r#"{"enabled": "0", "settings.chat_enabled": false}"#,
            )
            .await;

        assert_json(
            &by_plain_name,
            StatusCode::OK,
            with(support(), json!({"description": "By name"})),
            &format!("{prefix} Support"),
        );
        assert_json(
            &by_encoded_name,
            StatusCode::OK,
            json!({"description": "", "enabled": 0, "id": 4, "members": [2], "name": "Café Team", "settings": {"chat_enabled": false}}),
            &format!("{prefix} Café Team"),
        );
        app.assert_invariants();
    }
}

#[tokio::test]
async fn renaming_a_department_by_name_moves_it_to_the_new_name() {
    let app = spawn_app().await;

    let reply = app
        .zopim()
        .put(
            "/departments/name/Billing",
            r#"{"name": "Billing & Refunds"}"#,
        )
        .await;

    let expected = with(billing(), json!({"name": "Billing & Refunds"}));
    assert_json(&reply, StatusCode::OK, expected.clone(), "rename");
    assert_json(
        &app.zopim()
            .get("/departments/name/Billing%20%26%20Refunds")
            .await,
        StatusCode::OK,
        expected,
        "new name",
    );
    assert_error(
        &app.zopim().get("/departments/name/Billing").await,
        StatusCode::NOT_FOUND,
        "Department not found",
        "old name",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn zenpys_dotted_settings_keys_set_nested_settings_and_keep_the_other_keys() {
    // zenpy flattens nested objects on update: {"settings.chat_enabled": true} (spec A3, A9).
    let app = spawn_app().await;
    let cases = [
        (
            "zenpy's own example",
            r#"{"description": "Renamed", "settings.chat_enabled": false}"#,
            json!({"description": "Renamed", "settings": {"chat_enabled": false, "support_group_id": null}}),
        ),
        (
            "a second key",
            r#"{"settings.support_group_id": 42}"#,
            json!({"settings": {"chat_enabled": false, "support_group_id": 42}}),
        ),
        (
            "a deeper path makes the objects on the way",
            r#"{"settings.routing.mode": "assigned", "settings.routing.max": 3}"#,
            json!({"settings": {"chat_enabled": false, "routing": {"max": 3, "mode": "assigned"}, "support_group_id": 42}}),
        ),
        (
            "a nested object merges with the dotted keys",
            r#"{"settings": {"chat_enabled": true}, "settings.routing.mode": "broadcast"}"#,
            json!({"settings": {"chat_enabled": true, "routing": {"max": 3, "mode": "broadcast"}, "support_group_id": 42}}),
        ),
        (
            "an empty settings object changes nothing",
            r#"{"settings": {}}"#,
            json!({}),
        ),
        (
            "a nested object replaces a top-level value whole, without a deeper merge",
            r#"{"settings": {"routing": {"max": 5}}}"#,
            json!({"settings": {"chat_enabled": true, "routing": {"max": 5}, "support_group_id": 42}}),
        ),
        (
            "null is stored as null",
            r#"{"settings.support_group_id": null}"#,
            json!({"settings": {"chat_enabled": true, "routing": {"max": 5}, "support_group_id": null}}),
        ),
        (
            "a non-object in the way is replaced by an object",
            r#"{"settings.chat_enabled.web": true}"#,
            json!({"settings": {"chat_enabled": {"web": true}, "routing": {"max": 5}, "support_group_id": null}}),
        ),
    ];
    let mut expected = sales();

    for (case, body, change) in cases {
        expected = with(expected, change);

        let reply = app.zopim().put("/departments/1", body).await;

        assert_json(&reply, StatusCode::OK, expected.clone(), case);
    }
    app.assert_invariants();
}

#[tokio::test]
async fn updating_a_department_ignores_the_id_and_unknown_fields_in_the_body() {
    // zenpy strips `id`; other clients may send the whole object back (spec A9).
    let app = spawn_app().await;

    let reply = app
        .zopim()
        .put(
            "/departments/1",
            r#"{"id": 99, "colour": "red", "name": "Sales EU", "departments": [2]}"#,
        )
        .await;

    let expected = with(sales(), json!({"name": "Sales EU"}));
    assert_json(&reply, StatusCode::OK, expected.clone(), "update");
    assert_json(
        &app.zopim().get("/departments").await,
        StatusCode::OK,
        json!([expected, support(), billing()]),
        "list",
    );
    assert_error(
        &app.zopim().get("/departments/99").await,
        StatusCode::NOT_FOUND,
        "Department not found",
        "id 99",
    );
}

#[tokio::test]
async fn sending_the_whole_object_back_unchanged_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;

    for (id, department) in [(1, sales()), (2, support()), (3, billing())] {
        let reply = app
            .zopim()
            .put(&format!("/departments/{id}"), &department.to_string())
            .await;

        assert_json(
            &reply,
            StatusCode::OK,
            department,
            &format!("department {id}"),
        );
    }
    assert_unchanged(&app, &before, "after the round trips").await;
}

#[tokio::test]
async fn renaming_a_department_to_its_own_current_name_succeeds() {
    let app = spawn_app().await;

    let by_id = app
        .zopim()
        .put("/departments/1", r#"{"name": "Sales"}"#)
        .await;
    let by_name = app
        .zopim()
        .legacy()
        .put("/departments/name/Support", r#"{"name": "Support"}"#)
        .await;

    assert_json(&by_id, StatusCode::OK, sales(), "by id");
    assert_json(&by_name, StatusCode::OK, support(), "by name");
    app.assert_invariants();
}

#[tokio::test]
async fn an_update_after_a_failed_update_still_works() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;
    for (case, body) in [
        ("a duplicate name", r#"{"name": "Support"}"#),
        (
            "an unknown member",
            r#"{"description": "x", "members": [1, 99]}"#,
        ),
        ("a bad flag", r#"{"description": "x", "enabled": 2}"#),
    ] {
        let reply = app.zopim().put("/departments/1", body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{case}: {}",
            reply.body
        );
    }
    assert_unchanged(&app, &before, "after the failures").await;

    let reply = app
        .zopim()
        .put(
            "/departments/1",
            r#"{"name": "Sales West", "members": [3]}"#,
        )
        .await;

    assert_json(
        &reply,
        StatusCode::OK,
        with(sales(), json!({"name": "Sales West", "members": [3]})),
        "the good update",
    );
    app.assert_invariants();
}

// ---------------------------------------------------------------------------------------------
// Membership, seen from the agents.

#[tokio::test]
async fn agents_departments_follow_the_members_set_through_department_updates() {
    let app = spawn_app().await;
    let z = app.zopim();
    let steps = [
        (
            "members replace the set: Billing gets Alex and Sam, Maria leaves",
            "/departments/3",
            r#"{"members": [1, 2]}"#,
            json!({"members": [1, 2]}),
            json!([
                with(alex(), json!({"departments": [1, 3]})),
                with(sam(), json!({"departments": [1, 2, 3]})),
                with(
                    maria(),
                    json!({"departments": [2], "enabled_departments": [2]})
                ),
            ]),
        ),
        (
            "enabling Billing adds it to enabled_departments",
            "/departments/3",
            r#"{"enabled": true}"#,
            json!({"members": [1, 2], "enabled": 1}),
            json!([
                with(
                    alex(),
                    json!({"departments": [1, 3], "enabled_departments": [1, 3]})
                ),
                with(
                    sam(),
                    json!({"departments": [1, 2, 3], "enabled_departments": [1, 2, 3]})
                ),
                with(
                    maria(),
                    json!({"departments": [2], "enabled_departments": [2]})
                ),
            ]),
        ),
        (
            "disabling Support removes it from enabled_departments only",
            "/departments/2",
            r#"{"enabled": 0}"#,
            json!({"members": [1, 2], "enabled": 1}),
            json!([
                with(
                    alex(),
                    json!({"departments": [1, 3], "enabled_departments": [1, 3]})
                ),
                with(
                    sam(),
                    json!({"departments": [1, 2, 3], "enabled_departments": [1, 3]})
                ),
                with(
                    maria(),
                    json!({"departments": [2], "enabled_departments": []})
                ),
            ]),
        ),
        (
            "an empty list removes every member",
            "/departments/3",
            r#"{"members": []}"#,
            json!({"members": [], "enabled": 1}),
            json!([
                with(
                    alex(),
                    json!({"departments": [1], "enabled_departments": [1]})
                ),
                with(
                    sam(),
                    json!({"departments": [1, 2], "enabled_departments": [1]})
                ),
                with(
                    maria(),
                    json!({"departments": [2], "enabled_departments": []})
                ),
            ]),
        ),
        (
            "repeated ids count once",
            "/departments/1",
            r#"{"members": [3, 3, 1]}"#,
            json!({"members": [], "enabled": 1}),
            json!([
                with(
                    alex(),
                    json!({"departments": [1], "enabled_departments": [1]})
                ),
                with(
                    sam(),
                    json!({"departments": [2], "enabled_departments": []})
                ),
                with(
                    maria(),
                    json!({"departments": [1, 2], "enabled_departments": [1]})
                ),
            ]),
        ),
    ];

    for (case, path, body, billing_change, agents) in steps {
        let reply = z.put(path, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{case}: {}", reply.body);

        assert_json(
            &z.get("/departments/3").await,
            StatusCode::OK,
            with(billing(), billing_change),
            &format!("{case}: Billing"),
        );
        assert_json(
            &z.get("/agents").await,
            StatusCode::OK,
            agents.clone(),
            &format!("{case}: agents"),
        );
        for agent in agents.as_array().unwrap() {
            let id = &agent["id"];
            assert_json(
                &z.get(&format!("/agents/{id}")).await,
                StatusCode::OK,
                agent.clone(),
                &format!("{case}: agent {id}"),
            );
        }
        app.assert_invariants();
    }
}

// ---------------------------------------------------------------------------------------------
// Delete.

#[tokio::test]
async fn deleting_a_department_by_id_returns_an_empty_204_and_removes_it_from_its_agents() {
    for prefix in PREFIXES {
        let app = spawn_app().await;
        let z = app.zopim().at(prefix);

        let reply = z.delete("/departments/2").await;

        assert_no_content(&reply, prefix);
        assert_error(
            &z.get("/departments/2").await,
            StatusCode::NOT_FOUND,
            "Department not found",
            &format!("{prefix} show"),
        );
        assert_json(
            &z.get("/departments").await,
            StatusCode::OK,
            json!([sales(), billing()]),
            &format!("{prefix} list"),
        );
        assert_json(
            &z.get("/agents").await,
            StatusCode::OK,
            json!([
                alex(),
                with(
                    sam(),
                    json!({"departments": [1], "enabled_departments": [1]})
                ),
                with(
                    maria(),
                    json!({"departments": [3], "enabled_departments": []})
                ),
            ]),
            &format!("{prefix} agents"),
        );
        assert_error(
            &z.delete("/departments/2").await,
            StatusCode::NOT_FOUND,
            "Department not found",
            &format!("{prefix} second delete"),
        );
        app.assert_invariants();
    }
}

#[tokio::test]
async fn deleting_a_department_by_name_returns_an_empty_204_and_removes_it_from_its_agents() {
    for prefix in PREFIXES {
        let app = spawn_app().await;
        let z = app.zopim().at(prefix);
        let created = z
            .post("/departments", r#"{"name": "Sales Team", "members": [3]}"#)
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

        let plain = z.delete("/departments/name/Sales").await;
        let encoded = z.delete("/departments/name/Sales%20Team").await;

        assert_no_content(&plain, &format!("{prefix} Sales"));
        assert_no_content(&encoded, &format!("{prefix} Sales Team"));
        assert_json(
            &z.get("/departments").await,
            StatusCode::OK,
            json!([support(), billing()]),
            &format!("{prefix} list"),
        );
        assert_json(
            &z.get("/agents").await,
            StatusCode::OK,
            json!([
                with(
                    alex(),
                    json!({"departments": [], "enabled_departments": []})
                ),
                with(
                    sam(),
                    json!({"departments": [2], "enabled_departments": [2]})
                ),
                maria(),
            ]),
            &format!("{prefix} agents"),
        );
        assert_error(
            &z.get("/departments/name/Sales").await,
            StatusCode::NOT_FOUND,
            "Department not found",
            &format!("{prefix} show by the deleted name"),
        );
        app.assert_invariants();
    }
}

// ---------------------------------------------------------------------------------------------
// Agents.

#[tokio::test]
async fn listing_agents_returns_the_bare_array_in_id_order() {
    let app = spawn_app().await;

    for prefix in PREFIXES {
        let reply = app.zopim().at(prefix).get("/agents").await;

        assert_json(
            &reply,
            StatusCode::OK,
            json!([alex(), sam(), maria()]),
            prefix,
        );
    }
}

#[tokio::test]
async fn listing_agents_pages_with_inclusive_since_id_and_max_id_and_a_limit() {
    let app = spawn_app().await;
    let all = [alex(), sam(), maria()];
    let cases: [(&str, &[usize]); 17] = [
        ("", &[1, 2, 3]),
        ("since_id=2", &[2, 3]),
        ("since_id=3", &[3]),
        ("since_id=4", &[]),
        ("since_id=0", &[1, 2, 3]),
        ("max_id=2", &[1, 2]),
        ("max_id=1", &[1]),
        ("max_id=0", &[]),
        ("since_id=2&max_id=2", &[2]),
        ("since_id=3&max_id=2", &[]),
        ("limit=2", &[1, 2]),
        ("since_id=2&limit=1", &[2]),
        // Backward from max_id: the highest ids up to it, still in ascending order.
        ("max_id=3&limit=2", &[2, 3]),
        ("since_id=1&max_id=3&limit=2", &[1, 2]),
        ("limit=100", &[1, 2, 3]),
        ("limit=101", &[1, 2, 3]),
        ("other=ignored", &[1, 2, 3]),
    ];

    for prefix in PREFIXES {
        for (query, ids) in cases {
            let expected: Vec<Value> = ids.iter().map(|id| all[id - 1].clone()).collect();

            let reply = app
                .zopim()
                .at(prefix)
                .get(&format!("/agents?{query}"))
                .await;

            assert_json(
                &reply,
                StatusCode::OK,
                Value::Array(expected),
                &format!("{prefix} ?{query}"),
            );
        }
    }
}

/// An administrator and 119 more agents, for the page size limit.
fn many_agents_fixture() -> String {
    let agents: Vec<Value> = (1..=120)
        .map(|id| {
            let mut agent = json!({
                "id": id, "username": format!("agent{id:03}"), "name": format!("Agent {id:03}"),
                "email": format!("agent{id:03}@example.com"), "created_at": "2024-03-01T00:00:00Z"
            });
            if id == 1 {
                agent["roles"] = json!(["administrator", "agent"]);
                agent["tokens"] = json!({"bearer": [ADMIN_TOKEN]});
            }
            agent
        })
        .collect();
    json!({ "agents": agents }).to_string()
}

/// Agent `id` of [`many_agents_fixture`] as Zopim shows it.
fn numbered_agent(id: u64) -> Value {
    json!({
        "create_date": "2024-03-01T00:00:00Z", "departments": [], "display_name": format!("Agent {id:03}"),
        "email": format!("agent{id:03}@example.com"), "enabled": 1, "enabled_departments": [],
        "first_name": "Agent", "id": id, "last_name": format!("{id:03}"),
        "role_id": if id == 1 { 1 } else { 2 },
        "roles": {"administrator": id == 1, "owner": false}, "skills": []
    })
}

#[tokio::test]
async fn listing_agents_returns_at_most_100_whatever_the_limit_asked() {
    let app = spawn_app_on(&many_agents_fixture()).await;
    let cases = [
        ("no limit", "", 1..=100),
        ("a limit above 100", "?limit=500", 1..=100),
        ("the next page", "?since_id=101&limit=100", 101..=120),
        ("backward from the end", "?max_id=120&limit=500", 21..=120),
        ("a small page", "?since_id=50&limit=3", 50..=52),
    ];

    for (case, query, ids) in cases {
        let reply = app.zopim().get(&format!("/agents{query}")).await;

        assert_json(
            &reply,
            StatusCode::OK,
            ids.map(numbered_agent).collect(),
            case,
        );
    }
}

#[tokio::test]
async fn listing_agents_with_a_bad_parameter_returns_400_naming_it() {
    let app = spawn_app().await;
    let not_an_integer = |name: &str| format!("'{name}' must be a non-negative integer");
    let cases = [
        ("limit=0", "'limit' must be at least 1".to_owned()),
        ("limit=abc", not_an_integer("limit")),
        ("limit=-1", not_an_integer("limit")),
        ("limit=1.5", not_an_integer("limit")),
        ("limit=", not_an_integer("limit")),
        ("since_id=x", not_an_integer("since_id")),
        ("since_id=-1", not_an_integer("since_id")),
        ("since_id=18446744073709551616", not_an_integer("since_id")),
        ("max_id=2.0", not_an_integer("max_id")),
        ("max_id=", not_an_integer("max_id")),
        (
            "since_id=1&limit=0",
            "'limit' must be at least 1".to_owned(),
        ),
    ];

    for prefix in PREFIXES {
        for (query, description) in &cases {
            let reply = app
                .zopim()
                .at(prefix)
                .get(&format!("/agents?{query}"))
                .await;

            assert_error(
                &reply,
                StatusCode::BAD_REQUEST,
                description,
                &format!("{prefix} ?{query}"),
            );
        }
    }
}

#[tokio::test]
async fn showing_an_agent_by_id_returns_the_bare_object() {
    let app = spawn_app().await;

    for prefix in PREFIXES {
        for (id, expected) in [(1, alex()), (2, sam()), (3, maria())] {
            let reply = app.zopim().at(prefix).get(&format!("/agents/{id}")).await;

            assert_json(
                &reply,
                StatusCode::OK,
                expected,
                &format!("{prefix} agent {id}"),
            );
        }
    }
}

#[tokio::test]
async fn showing_an_agent_by_email_ignores_case_and_decodes_the_at_sign() {
    let app = spawn_app().await;
    let cases = [
        ("an encoded @", "admin%40example.com", alex()),
        ("a bare @", "agent@example.com", sam()),
        ("another case", "ADMIN%40Example.COM", alex()),
        ("mixed case, bare @", "Maria@EXAMPLE.com", maria()),
    ];

    for prefix in PREFIXES {
        for (case, email, expected) in cases.clone() {
            let reply = app
                .zopim()
                .at(prefix)
                .get(&format!("/agents/email/{email}"))
                .await;

            assert_json(
                &reply,
                StatusCode::OK,
                expected,
                &format!("{prefix} {case}"),
            );
        }
    }
}

#[tokio::test]
async fn me_returns_the_agent_the_token_belongs_to() {
    let app = spawn_app().await;

    for prefix in PREFIXES {
        let admin = app.zopim().at(prefix).get("/agents/me").await;
        let agent = app
            .zopim()
            .at(prefix)
            .with_agent_token()
            .get("/agents/me")
            .await;

        assert_json(&admin, StatusCode::OK, alex(), &format!("{prefix} admin"));
        assert_json(&agent, StatusCode::OK, sam(), &format!("{prefix} agent"));
    }
}

#[tokio::test]
async fn an_unknown_agent_is_404() {
    let app = spawn_app().await;
    let cases = [
        ("an unknown id", "/agents/99"),
        ("id 0", "/agents/0"),
        ("a non-integer id", "/agents/abc"),
        ("a negative id", "/agents/-1"),
        ("an unknown email", "/agents/email/nobody%40example.com"),
        ("an email without @", "/agents/email/admin"),
        ("a username, not an email", "/agents/email/agent"),
    ];

    for prefix in PREFIXES {
        for (case, path) in cases {
            let reply = app.zopim().at(prefix).get(path).await;

            assert_error(
                &reply,
                StatusCode::NOT_FOUND,
                "Agent not found",
                &format!("{prefix} {case}"),
            );
        }
    }
}

#[tokio::test]
async fn end_users_are_not_agents_and_deactivated_agents_are_listed_as_disabled() {
    let app = spawn_app_on(MIXED_FIXTURE).await;
    let admin = json!({
        "create_date": "2024-01-15T09:00:00Z", "departments": [1], "display_name": "Alex Admin",
        "email": "admin@example.com", "enabled": 1, "enabled_departments": [1],
        "first_name": "Alex", "id": 1, "last_name": "Admin", "role_id": 1,
        "roles": {"administrator": true, "owner": true}, "skills": []
    });
    let gone = json!({
        "create_date": "2024-01-17T11:00:00Z", "departments": [3], "display_name": "Gus Gone",
        "email": "gone@example.com", "enabled": 0, "enabled_departments": [3],
        "first_name": "Gus", "id": 3, "last_name": "Gone", "role_id": 2,
        "roles": {"administrator": false, "owner": false}, "skills": []
    });

    let list = app.zopim().get("/agents").await;
    let by_id = app.zopim().get("/agents/2").await;
    let by_email = app.zopim().get("/agents/email/visitor%40example.com").await;

    assert_json(&list, StatusCode::OK, json!([admin, gone]), "list");
    assert_error(&by_id, StatusCode::NOT_FOUND, "Agent not found", "by id");
    assert_error(
        &by_email,
        StatusCode::NOT_FOUND,
        "Agent not found",
        "by email",
    );
}

#[tokio::test]
async fn an_end_user_cannot_be_made_a_department_member() {
    let app = spawn_app_on(MIXED_FIXTURE).await;
    let before = app.zopim_snapshot().await;
    let description = "'members' names agent 2, which does not exist";

    let create = app
        .zopim()
        .post("/departments", r#"{"name": "New", "members": [1, 2]}"#)
        .await;
    let update = app
        .zopim()
        .put("/departments/1", r#"{"members": [2]}"#)
        .await;

    assert_error(&create, StatusCode::BAD_REQUEST, description, "create");
    assert_error(&update, StatusCode::BAD_REQUEST, description, "update");
    assert_unchanged(&app, &before, "after both").await;
}

// ---------------------------------------------------------------------------------------------
// The `enabled` format switch.

#[tokio::test]
async fn with_boolean_flags_enabled_is_written_as_a_json_boolean() {
    let app = spawn_app_with(|c| c.zopim.enabled = EnabledFormat::Boolean).await;
    let flag = |v: Value| {
        let mut v = v;
        v["enabled"] = json!(v["enabled"] == json!(1));
        v
    };

    for prefix in PREFIXES {
        let z = app.zopim().at(prefix);

        assert_json(
            &z.get("/departments").await,
            StatusCode::OK,
            json!([flag(sales()), flag(support()), flag(billing())]),
            &format!("{prefix} departments"),
        );
        assert_json(
            &z.get("/departments/3").await,
            StatusCode::OK,
            flag(billing()),
            &format!("{prefix} department 3"),
        );
        assert_json(
            &z.get("/agents").await,
            StatusCode::OK,
            json!([flag(alex()), flag(sam()), flag(maria())]),
            &format!("{prefix} agents"),
        );
        assert_json(
            &z.get("/agents/me").await,
            StatusCode::OK,
            flag(alex()),
            &format!("{prefix} me"),
        );
    }
    let created = app
        .zopim()
        .post("/departments", r#"{"name": "Off", "enabled": 0}"#)
        .await;
    assert_json(
        &created,
        StatusCode::CREATED,
        json!({"description": "", "enabled": false, "id": 4, "members": [], "name": "Off", "settings": {}}),
        "create",
    );
    let updated = app.zopim().put("/departments/4", r#"{"enabled": 1}"#).await;
    assert_json(
        &updated,
        StatusCode::OK,
        json!({"description": "", "enabled": true, "id": 4, "members": [], "name": "Off", "settings": {}}),
        "update",
    );
}

// ---------------------------------------------------------------------------------------------
// Auth.

/// One request of each kind, with a valid body where there is one.
const EVERY_ROUTE: [(Method, &str, Option<&str>); 13] = [
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
];

#[tokio::test]
async fn a_request_without_a_valid_bearer_token_is_401_with_zopims_own_body() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;
    let credentials = [
        ("no Authorization header", None),
        (
            "Basic auth",
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
async fn a_non_administrator_is_403_everywhere_but_on_me() {
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

            if path == "/agents/me" {
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

// ---------------------------------------------------------------------------------------------
// Bad input: a Zopim-shaped error, and nothing changes.

/// Bodies that are refused on create and on update alike, with the description each gets.
fn bad_department_bodies() -> Vec<(&'static str, String, String)> {
    let must = |field: &str, what: &str| format!("'{field}' {what}");
    let flag = must("enabled", "must be 0, 1, true or false");
    let ids = must("members", "must be an array of agent ids");
    let object = must("settings", "must be an object");
    let text = must("description", "must be a string or null");
    let not_object = "The request body must be a JSON object".to_owned();
    let json_error = |why: &str| format!("The request body is not valid JSON: {why}");
    vec![
        (
            "malformed JSON",
            r#"{"name": "X""#.into(),
            json_error("EOF while parsing an object at line 1 column 12"),
        ),
        (
            "an empty body",
            "".into(),
            json_error("EOF while parsing a value at line 1 column 0"),
        ),
        (
            "a trailing comma",
            r#"{"name": "X",}"#.into(),
            json_error("trailing comma at line 1 column 14"),
        ),
        (
            "trailing characters",
            r#"{"name": "X"} {}"#.into(),
            json_error("trailing characters at line 1 column 15"),
        ),
        (
            "a single-quoted key",
            "{'name': 'X'}".into(),
            json_error("key must be a string at line 1 column 2"),
        ),
        (
            "a JSON array",
            r#"[{"name": "X"}]"#.into(),
            not_object.clone(),
        ),
        ("a JSON string", r#""X""#.into(), not_object.clone()),
        ("a JSON number", "4".into(), not_object.clone()),
        ("JSON null", "null".into(), not_object),
        (
            "a blank name",
            r#"{"name": "   "}"#.into(),
            must("name", "can't be blank"),
        ),
        (
            "an empty name",
            r#"{"name": ""}"#.into(),
            must("name", "can't be blank"),
        ),
        (
            "a null name",
            r#"{"name": null}"#.into(),
            must("name", "can't be blank"),
        ),
        (
            "a name of 256 characters",
            json!({ "name": "x".repeat(256) }).to_string(),
            must("name", "is too long (maximum is 255 characters)"),
        ),
        (
            "a name with a control character",
            r#"{"name": "Sales\u0007Team"}"#.into(),
            must("name", "must not contain control characters"),
        ),
        (
            "a name with a newline",
            r#"{"name": "Sales\nTeam"}"#.into(),
            must("name", "must not contain control characters"),
        ),
        (
            "a numeric name",
            r#"{"name": 5}"#.into(),
            must("name", "must be a string"),
        ),
        (
            "a boolean name",
            r#"{"name": true}"#.into(),
            must("name", "must be a string"),
        ),
        (
            "an array name",
            r#"{"name": ["X"]}"#.into(),
            must("name", "must be a string"),
        ),
        (
            "a numeric description",
            r#"{"name": "X", "description": 5}"#.into(),
            text.clone(),
        ),
        (
            "an object description",
            r#"{"name": "X", "description": {}}"#.into(),
            text,
        ),
        (
            "a description of 65536 characters",
            json!({ "name": "X", "description": "d".repeat(65_536) }).to_string(),
            must("description", "is too long (maximum is 65535 characters)"),
        ),
        (
            "enabled 2",
            r#"{"name": "X", "enabled": 2}"#.into(),
            flag.clone(),
        ),
        (
            "enabled -1",
            r#"{"name": "X", "enabled": -1}"#.into(),
            flag.clone(),
        ),
        (
            "enabled 1.0",
            r#"{"name": "X", "enabled": 1.0}"#.into(),
            flag.clone(),
        ),
        (
            "enabled \"yes\"",
            r#"{"name": "X", "enabled": "yes"}"#.into(),
            flag.clone(),
        ),
        (
            "enabled \"2\"",
            r#"{"name": "X", "enabled": "2"}"#.into(),
            flag.clone(),
        ),
        (
            "enabled null",
            r#"{"name": "X", "enabled": null}"#.into(),
            flag.clone(),
        ),
        (
            "enabled as an array",
            r#"{"name": "X", "enabled": [1]}"#.into(),
            flag,
        ),
        (
            "members as a string",
            r#"{"name": "X", "members": "1"}"#.into(),
            ids.clone(),
        ),
        (
            "members as a number",
            r#"{"name": "X", "members": 1}"#.into(),
            ids.clone(),
        ),
        (
            "members null",
            r#"{"name": "X", "members": null}"#.into(),
            ids.clone(),
        ),
        (
            "members as an object",
            r#"{"name": "X", "members": {"1": true}}"#.into(),
            ids.clone(),
        ),
        (
            "a string member id",
            r#"{"name": "X", "members": [1, "2"]}"#.into(),
            ids.clone(),
        ),
        (
            "a negative member id",
            r#"{"name": "X", "members": [-1]}"#.into(),
            ids.clone(),
        ),
        (
            "a fractional member id",
            r#"{"name": "X", "members": [1.5]}"#.into(),
            ids.clone(),
        ),
        (
            "a null member id",
            r#"{"name": "X", "members": [null]}"#.into(),
            ids,
        ),
        (
            "settings as an array",
            r#"{"name": "X", "settings": []}"#.into(),
            object.clone(),
        ),
        (
            "settings as a string",
            r#"{"name": "X", "settings": "{}"}"#.into(),
            object.clone(),
        ),
        (
            "settings null",
            r#"{"name": "X", "settings": null}"#.into(),
            object,
        ),
        (
            "an empty dotted settings key",
            r#"{"name": "X", "settings.": true}"#.into(),
            must("settings.", "is not a valid settings key path"),
        ),
        (
            "a dotted settings key with an empty part",
            r#"{"name": "X", "settings.a..b": true}"#.into(),
            must("settings.a..b", "is not a valid settings key path"),
        ),
        (
            "a member who is not an agent",
            r#"{"name": "X", "members": [1, 99]}"#.into(),
            "'members' names agent 99, which does not exist".into(),
        ),
        (
            "a huge member id",
            r#"{"name": "X", "members": [18446744073709551615]}"#.into(),
            "'members' names agent 18446744073709551615, which does not exist".into(),
        ),
    ]
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

    for prefix in PREFIXES {
        for (method, path, body) in cases.clone() {
            let case = format!("{method} {prefix}{path}");

            let reply = app.zopim().at(prefix).method(method, path, body).await;

            assert_error(&reply, StatusCode::NOT_FOUND, "Department not found", &case);
            assert_unchanged(&app, &before, &case).await;
        }
    }
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
        (Method::POST, "/agents", body, "GET, HEAD"),
        (Method::PUT, "/agents/1", body, "GET, HEAD"),
        (Method::DELETE, "/agents/1", None, "GET, HEAD"),
        (Method::PUT, "/agents/me", body, "GET, HEAD"),
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

/// Sends raw bytes on a fresh connection and returns the status line, the headers (lower-cased
/// names) and the body of the answer.
async fn raw_exchange(app: &TestApp, request: &[u8]) -> (String, Vec<(String, String)>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut stream = tokio::net::TcpStream::connect(app.handle.addr())
        .await
        .expect("the gateway accepts");
    stream
        .write_all(request)
        .await
        .expect("the request is sent");
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the gateway answers and closes")
    .expect("the answer is readable");
    let answer = String::from_utf8(answer).expect("a UTF-8 answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
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
