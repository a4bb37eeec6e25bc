//! Agents, and the `enabled` format switch.

use super::*;

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
