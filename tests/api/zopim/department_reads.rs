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
    assert_json(
        &created,
        StatusCode::CREATED,
        aardvark(4),
        "create Aardvark",
    );

    for prefix in PREFIXES {
        let reply = app.zopim().at(prefix).get("/departments").await;

        assert_json(
            &reply,
            StatusCode::OK,
            json!([sales(), support(), billing(), aardvark(4)]),
            prefix,
        );
    }
}

#[tokio::test]
async fn a_list_after_a_write_shows_the_write_whichever_facade_made_it() {
    // The list is kept encoded per state version: each list here follows one that filled it.
    let app = spawn_app().await;
    let assert_list = |expected: Value, case: &'static str| {
        let app = &app;
        async move {
            for (n, prefix) in [PREFIXES[0], PREFIXES[1], PREFIXES[0]]
                .into_iter()
                .enumerate()
            {
                let reply = app.zopim().at(prefix).get("/departments").await;
                assert_json(
                    &reply,
                    StatusCode::OK,
                    expected.clone(),
                    &format!("{case}: list {n} under {prefix}"),
                );
            }
        }
    };
    assert_list(json!([sales(), support(), billing()]), "at first").await;

    let renamed = app
        .zopim()
        .put("/departments/2", r#"{"name": "Help"}"#)
        .await;
    let help = with(support(), json!({"name": "Help"}));
    assert_json(&renamed, StatusCode::OK, help.clone(), "rename 2");
    assert_list(json!([sales(), help, billing()]), "after the rename").await;

    // A soft delete through the classic XML API hides the department from Zopim.
    let destroyed = app.zendesk().delete("/groups/1.xml").await;
    crate::zendesk::assert_empty_ok(&destroyed, "DELETE /groups/1.xml");
    assert_list(json!([help, billing()]), "after the XML destroy").await;

    let created = app
        .zopim()
        .post("/departments", r#"{"name": "Aardvark"}"#)
        .await;
    assert_json(&created, StatusCode::CREATED, aardvark(4), "create 4");
    let deleted = app.zopim().delete("/departments/3").await;
    assert_no_content(&deleted, "delete 3");
    assert_list(json!([help, aardvark(4)]), "after the create and delete").await;
}

/// A department made with only a name: `Aardvark` with this id.
fn aardvark(id: u64) -> Value {
    created_with_name(id, "Aardvark")
}

/// What a create with only `name` answers (and lists): no description, members or settings.
fn created_with_name(id: u64, name: &str) -> Value {
    json!({"description": "", "enabled": 1, "id": id, "members": [], "name": name, "settings": {}})
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
    for (id, name) in (4..).zip(names) {
        let reply = app
            .zopim()
            .post("/departments", &json!({ "name": name }).to_string())
            .await;
        let created = created_with_name(id, name);
        assert_json(&reply, StatusCode::CREATED, created.clone(), name);
        shown.push(created);
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

    assert_each_department_not_found(&app, &before, &cases).await;
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
