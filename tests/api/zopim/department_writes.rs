//! Writing departments: create, update (with its members) and delete.

use super::*;

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
        assert_json(
            &created,
            StatusCode::CREATED,
            json!({"description": "", "enabled": 1, "id": 4, "members": [2], "name": "Café Team", "settings": {}}),
            &format!("{prefix} create Café Team"),
        );

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
    assert_no_department(&app, "/departments/name/Billing", "old name").await;
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
    assert_zopim_shows(
        &app,
        "/departments",
        json!([expected, support(), billing()]),
        "list",
    )
    .await;
    assert_no_department(&app, "/departments/99", "id 99").await;
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
    for (case, body, description) in [
        (
            "a duplicate name",
            r#"{"name": "Support"}"#,
            r#"'name' "Support" is already used by another department"#,
        ),
        (
            "an unknown member",
            r#"{"description": "x", "members": [1, 99]}"#,
            "'members' names agent 99, which does not exist",
        ),
        (
            "a bad flag",
            r#"{"description": "x", "enabled": 2}"#,
            "'enabled' must be 0, 1, true or false",
        ),
    ] {
        let reply = app.zopim().put("/departments/1", body).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, description, case);
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
        assert_json(
            &created,
            StatusCode::CREATED,
            json!({"description": "", "enabled": 1, "id": 4, "members": [3], "name": "Sales Team", "settings": {}}),
            &format!("{prefix} create Sales Team"),
        );

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
