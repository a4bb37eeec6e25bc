//! Membership, seen from the agents: `departments` follows what department writes set.

use super::*;

#[tokio::test]
async fn agents_departments_follow_the_members_set_through_department_updates() {
    let app = spawn_app().await;
    let z = app.zopim();
    let steps = [
        (
            "members replace the set: Billing gets Alex and Sam, Maria leaves",
            "/departments/3",
            r#"{"members": [1, 2]}"#,
            with(billing(), json!({"members": [1, 2]})),
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
            with(billing(), json!({"members": [1, 2], "enabled": 1})),
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
            with(support(), json!({"enabled": 0})),
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
            with(billing(), json!({"members": [], "enabled": 1})),
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
            with(sales(), json!({"members": [1, 3]})),
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

    for (case, path, body, answer, billing_change, agents) in steps {
        let reply = z.put(path, body).await;
        assert_json(
            &reply,
            StatusCode::OK,
            answer,
            &format!("{case}: PUT {path}"),
        );

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
