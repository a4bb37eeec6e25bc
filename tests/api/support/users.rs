//! Users: list with role filters, show, `me`, create, update, search; `default_group_id`
//! following `make_default`; and the same users through the classic facade.

use super::*;
use deskbridge::model::AgentId;

/// A user as Zendesk shows it, built from the store's record (times, name, email, roles) and
/// the `default_group_id` the test expects.
pub(crate) fn user(app: &TestApp, id: u64, default_group: Option<u64>) -> Value {
    let view = app.handle.store().view();
    let agent = view.agent(AgentId(id)).expect("the user exists");
    let role = if agent.roles.is_admin() {
        "admin"
    } else if agent.roles.is_staff() {
        "agent"
    } else {
        "end-user"
    };
    let admin = role == "admin";
    json!({
        "id": id,
        "url": app.url(&format!("/api/v2/users/{id}.json")),
        "name": agent.display_name,
        "email": agent.email.as_str(),
        "created_at": show_time(agent.created_at),
        "updated_at": show_time(agent.updated_at),
        "time_zone": agent.time_zone,
        "iana_time_zone": agent.time_zone,
        "phone": null,
        "shared_phone_number": null,
        "photo": null,
        "locale_id": 1,
        "locale": "en-US",
        "organization_id": null,
        "role": role,
        "verified": true,
        "external_id": null,
        "tags": [],
        "alias": "",
        "active": agent.active,
        "shared": false,
        "shared_agent": false,
        "last_login_at": null,
        "two_factor_auth_enabled": null,
        "signature": "",
        "details": "",
        "notes": "",
        "role_type": if admin { json!(4) } else { json!(null) },
        "custom_role_id": null,
        "moderator": admin,
        "ticket_restriction": null,
        "only_private_comments": false,
        "restricted_agent": false,
        "suspended": false,
        "default_group_id": default_group,
        "report_csv": admin,
        "user_fields": {},
    })
}

fn users_page(records: Vec<Value>) -> Value {
    let count = records.len();
    json!({"users": records, "next_page": null, "previous_page": null, "count": count})
}

#[tokio::test]
async fn users_are_listed_in_id_order_and_filtered_by_role() {
    let app = spawn_app().await;
    let (alex, sam, maria) = (
        user(&app, 1, Some(1)),
        user(&app, 2, Some(1)),
        user(&app, 3, Some(2)),
    );

    let cases = [
        (
            "/api/v2/users.json",
            vec![alex.clone(), sam.clone(), maria.clone()],
        ),
        ("/api/v2/users?role=agent", vec![sam.clone(), maria.clone()]),
        ("/api/v2/users?role=admin", vec![alex.clone()]),
        (
            "/api/v2/users.json?role[]=admin&role[]=agent",
            vec![alex.clone(), sam.clone(), maria.clone()],
        ),
        ("/api/v2/users?role=end-user", vec![]),
    ];
    for (path, records) in cases {
        assert_json(
            &get(&app, path).await,
            StatusCode::OK,
            users_page(records),
            path,
        );
    }
}

#[tokio::test]
async fn a_user_is_shown_by_id_and_me_is_the_caller() {
    let app = spawn_app().await;

    for path in ["/api/v2/users/3.json", "/api/v2/users/3"] {
        assert_json(
            &get(&app, path).await,
            StatusCode::OK,
            json!({"user": user(&app, 3, Some(2))}),
            path,
        );
    }
    assert_json(
        &get(&app, "/api/v2/users/me.json").await,
        StatusCode::OK,
        json!({"user": user(&app, 1, Some(1))}),
        "me as the admin",
    );
    let me = call(
        &app,
        Auth::Bearer(AGENT_TOKEN),
        Method::GET,
        "/api/v2/users/me",
        None,
    )
    .await;
    assert_json(
        &me,
        StatusCode::OK,
        json!({"user": user(&app, 2, Some(1))}),
        "me as the agent",
    );
    assert_json(
        &get(&app, "/api/v2/users/99.json").await,
        StatusCode::NOT_FOUND,
        not_found(),
        "unknown user",
    );
}

#[tokio::test]
async fn default_group_id_follows_make_default() {
    let app = spawn_app().await;

    let made = admin(
        &app,
        Method::PUT,
        "/api/v2/users/3/group_memberships/5/make_default",
        None,
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);

    assert_json(
        &get(&app, "/api/v2/users/3").await,
        StatusCode::OK,
        json!({"user": user(&app, 3, Some(3))}),
        "after make_default",
    );
}

#[tokio::test]
async fn creating_a_user_answers_201_and_the_classic_facade_sees_it() {
    let app = spawn_app().await;

    let reply = admin(
        &app,
        Method::POST,
        "/api/v2/users.json",
        Some(
            r#"{"user": {"name": "Kim Lee", "email": "kim@example.com", "role": "agent",
                          "time_zone": "Asia/Seoul"}}"#,
        ),
    )
    .await;

    assert_json(
        &reply,
        StatusCode::CREATED,
        json!({"user": user(&app, 4, None)}),
        "create",
    );
    assert_eq!(reply.json()["user"]["role"], "agent");
    assert_eq!(reply.json()["user"]["iana_time_zone"], "Asia/Seoul");
    let classic = app.zendesk().get("/users/4.xml").await;
    assert!(
        classic.body.contains("<email>kim@example.com</email>"),
        "{}",
        classic.body
    );
    // Without a role, Zendesk makes an end user.
    let end_user = admin(
        &app,
        Method::POST,
        "/api/v2/users",
        Some(r#"{"user": {"name": "Customer", "email": "c@example.com"}}"#),
    )
    .await;
    assert_eq!(
        end_user.json()["user"]["role"],
        "end-user",
        "{}",
        end_user.body
    );
    app.assert_invariants();
}

#[tokio::test]
async fn updating_a_user_changes_only_what_is_given() {
    let app = spawn_app().await;

    let reply = admin(
        &app,
        Method::PUT,
        "/api/v2/users/3.json",
        Some(r#"{"user": {"name": "Maria L.", "role": "admin", "default_group_id": 3}}"#),
    )
    .await;

    let expected = user(&app, 3, Some(3));
    assert_eq!(expected["name"], "Maria L.");
    assert_eq!(expected["role"], "admin");
    assert_json(&reply, StatusCode::OK, json!({"user": expected}), "update");
    app.assert_invariants();
}

#[tokio::test]
async fn bad_user_writes_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let before = get(&app, "/api/v2/users").await.json();
    let invalid = |field: &str, description: &str, error: &str| {
        json!({"error": "RecordInvalid", "description": "Record validation errors",
               "details": {field: [{"description": description, "error": error}]}})
    };

    let cases = [
        (
            Method::POST,
            "/api/v2/users",
            r#"{"user": {"email": "x@example.com"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid(
                "name",
                "Name: is too short (minimum one character)",
                "ValueTooShort",
            ),
        ),
        (
            Method::POST,
            "/api/v2/users",
            r#"{"user": {"name": "X", "email": "agent@example.com"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid(
                "email",
                "Email: is already being used by another user",
                "DuplicateValue",
            ),
        ),
        (
            Method::POST,
            "/api/v2/users",
            r#"{"user": {"name": "X", "email": "nope"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid(
                "email",
                "Email: nope is not properly formatted",
                "InvalidFormat",
            ),
        ),
        (
            Method::POST,
            "/api/v2/users",
            r#"{"user": {"name": "X", "email": "y@example.com", "role": "boss"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid("role", "Role: is not a valid role", "InvalidValue"),
        ),
        (
            Method::POST,
            "/api/v2/users",
            r#"{"name": "X"}"#,
            StatusCode::BAD_REQUEST,
            json!({"error": "ParameterMissing",
                   "description": "param is missing or the value is empty: user"}),
        ),
        (
            Method::PUT,
            "/api/v2/users/1",
            r#"{"user": {"role": "agent"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid(
                "role",
                "Role: the account owner's role can't be changed",
                "InvalidValue",
            ),
        ),
        (
            Method::PUT,
            "/api/v2/users/2",
            r#"{"user": {"default_group_id": 3}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid(
                "default_group_id",
                "Default group: is not one of the user's groups",
                "InvalidValue",
            ),
        ),
        (
            Method::PUT,
            "/api/v2/users/99",
            r#"{"user": {"name": "X"}}"#,
            StatusCode::NOT_FOUND,
            not_found(),
        ),
    ];
    for (method, path, body, status, expected) in cases {
        let reply = admin(&app, method, path, Some(body)).await;
        assert_json(&reply, status, expected, body);
    }
    let agent = call(
        &app,
        Auth::Bearer(AGENT_TOKEN),
        Method::POST,
        "/api/v2/users",
        Some(r#"{"user": {"name": "X", "email": "z@example.com"}}"#),
    )
    .await;
    assert_eq!(agent.status, StatusCode::FORBIDDEN);

    assert_eq!(get(&app, "/api/v2/users").await.json(), before);
}

#[tokio::test]
async fn search_finds_users_by_email_or_name() {
    let app = spawn_app().await;

    let cases = [
        (
            "/api/v2/users/search.json?query=maria%40example.com",
            vec![3],
        ),
        (
            "/api/v2/users/search?query=email:AGENT%40example.com",
            vec![2],
        ),
        ("/api/v2/users/search?query=name:lopez", vec![3]),
        ("/api/v2/users/search?query=example.com", vec![1, 2, 3]),
        ("/api/v2/users/search?query=nobody", vec![]),
    ];
    for (path, ids) in cases {
        let defaults = [Some(1), Some(1), Some(2)];
        let records = ids
            .into_iter()
            .map(|id| user(&app, id, defaults[id as usize - 1]))
            .collect();
        assert_json(
            &get(&app, path).await,
            StatusCode::OK,
            users_page(records),
            path,
        );
    }
    assert_json(
        &get(&app, "/api/v2/users/search").await,
        StatusCode::BAD_REQUEST,
        json!({"error": "ParameterMissing",
               "description": "param is missing or the value is empty: query"}),
        "no query",
    );
}

#[tokio::test]
async fn a_user_deleted_through_classic_is_listed_nowhere_but_shown_inactive() {
    let app = spawn_app().await;

    let deleted = app.zendesk().delete("/users/3.xml").await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);

    let listed = get(&app, "/api/v2/users").await;
    assert_json(
        &listed,
        StatusCode::OK,
        users_page(vec![user(&app, 1, Some(1)), user(&app, 2, Some(1))]),
        "the list",
    );
    let found = get(&app, "/api/v2/users/search?query=maria").await;
    assert_json(&found, StatusCode::OK, users_page(vec![]), "search");
    let shown = get(&app, "/api/v2/users/3.json").await;
    let mut expected = user(&app, 3, None);
    assert_eq!(expected["active"], false);
    expected["active"] = json!(false);
    assert_json(
        &shown,
        StatusCode::OK,
        json!({"user": expected}),
        "shown by id",
    );
}
