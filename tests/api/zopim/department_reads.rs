//! Reading departments: lists, one by id, under both URL generations.

use super::*;

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
