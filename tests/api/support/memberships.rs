//! Group memberships: lists (all, a group's, a user's), show both ways, create (201; an existing
//! one is a 422), delete (204, both ways), `make_default`, and the bulk `create_many` /
//! `destroy_many` with their job statuses.
//!
//! The default data's memberships, numbered in department then agent order: 1 (Sales, Alex),
//! 2 (Sales, Sam), 3 (Support, Sam), 4 (Support, Maria), 5 (Billing, Maria). Each user's default
//! is its oldest: 1 for Alex, 2 for Sam, 4 for Maria.

use super::*;
use crate::helpers::{Reply, ZD_ADMIN, ZD_ADMIN_API_TOKEN};
use deskbridge::model::MembershipId;

/// A membership as the store holds it (its time was given at load), with the `default` the
/// test expects.
pub(crate) fn membership(app: &TestApp, id: u64, default: bool) -> Value {
    let view = app.handle.store().view();
    let m = view
        .membership_by_id(MembershipId(id))
        .expect("the membership exists");
    json!({
        "url": app.url(&format!("/api/v2/group_memberships/{id}.json")),
        "id": id,
        "user_id": m.agent.0,
        "group_id": m.department.0,
        "default": default,
        "created_at": show_time(m.created_at),
        "updated_at": show_time(m.updated_at),
    })
}

/// An offset page holding every record.
fn all(records: Vec<Value>) -> Value {
    let count = records.len();
    json!({"group_memberships": records, "next_page": null, "previous_page": null, "count": count})
}

fn invalid(field: &str, description: &str, error: &str) -> Value {
    json!({"error": "RecordInvalid", "description": "Record validation errors",
           "details": {field: [{"description": description, "error": error}]}})
}

#[tokio::test]
async fn every_membership_is_listed_in_id_order_with_each_users_default() {
    let app = spawn_app().await;

    for path in [
        "/api/v2/group_memberships",
        "/api/v2/group_memberships.json",
    ] {
        let reply = get(&app, path).await;
        assert_json(
            &reply,
            StatusCode::OK,
            all(vec![
                membership(&app, 1, true),
                membership(&app, 2, true),
                membership(&app, 3, false),
                membership(&app, 4, true),
                membership(&app, 5, false),
            ]),
            path,
        );
    }
    let assignable = get(&app, "/api/v2/group_memberships/assignable.json").await;
    assert_eq!(assignable.json()["count"], 5, "{}", assignable.body);
    let cursor = get(&app, "/api/v2/group_memberships.json?page[size]=2").await;
    assert_eq!(
        cursor.json()["group_memberships"],
        json!([membership(&app, 1, true), membership(&app, 2, true)])
    );
    assert_eq!(cursor.json()["meta"]["has_more"], true);
}

#[tokio::test]
async fn a_deleted_users_memberships_are_shown_nowhere() {
    // Arrange: Maria (3) deleted in the data, her links (4, 5) kept by the model.
    let mut data: Value = serde_json::from_str(deskbridge::fixtures::DEFAULT).unwrap();
    data["agents"][2]["active"] = json!(false);
    let app = crate::helpers::spawn_app_on(&data.to_string()).await;

    // Act
    let listed = get(&app, "/api/v2/group_memberships.json").await;
    let of_group = get(&app, "/api/v2/groups/2/memberships.json").await;
    let of_user = get(&app, "/api/v2/users/3/group_memberships.json").await;
    let shown = get(&app, "/api/v2/group_memberships/4.json").await;

    // Assert
    assert_json(
        &listed,
        StatusCode::OK,
        all(vec![
            membership(&app, 1, true),
            membership(&app, 2, true),
            membership(&app, 3, false),
        ]),
        "the list",
    );
    assert_json(
        &of_group,
        StatusCode::OK,
        all(vec![membership(&app, 3, false)]),
        "the group's",
    );
    assert_json(&of_user, StatusCode::OK, all(vec![]), "the user's");
    assert_json(&shown, StatusCode::NOT_FOUND, not_found(), "by id");
    assert!(
        app.handle
            .store()
            .view()
            .membership_by_id(MembershipId(4))
            .is_some()
    );
}

#[tokio::test]
async fn a_groups_and_a_users_memberships_are_theirs_alone() {
    let app = spawn_app().await;

    let by_group = get(&app, "/api/v2/groups/2/memberships.json").await;
    let by_user = get(&app, "/api/v2/users/3/group_memberships").await;

    assert_json(
        &by_group,
        StatusCode::OK,
        all(vec![membership(&app, 3, false), membership(&app, 4, true)]),
        "group 2",
    );
    assert_json(
        &by_user,
        StatusCode::OK,
        all(vec![membership(&app, 4, true), membership(&app, 5, false)]),
        "user 3",
    );
    // zenpy's `groups.memberships_assignable`: every membership of a group not deleted.
    assert_json(
        &get(&app, "/api/v2/groups/2/memberships/assignable.json").await,
        StatusCode::OK,
        all(vec![membership(&app, 3, false), membership(&app, 4, true)]),
        "group 2, assignable",
    );
    for path in [
        "/api/v2/groups/99/memberships.json",
        "/api/v2/users/99/group_memberships.json",
    ] {
        assert_json(
            &get(&app, path).await,
            StatusCode::NOT_FOUND,
            not_found(),
            path,
        );
    }
}

#[tokio::test]
async fn a_membership_is_shown_by_its_id_or_under_its_user() {
    let app = spawn_app().await;

    for path in [
        "/api/v2/group_memberships/3.json",
        "/api/v2/group_memberships/3",
        "/api/v2/users/2/group_memberships/3.json",
        "/api/v2/users/2/group_memberships/3",
    ] {
        assert_json(
            &get(&app, path).await,
            StatusCode::OK,
            json!({"group_membership": membership(&app, 3, false)}),
            path,
        );
    }
    for path in [
        "/api/v2/group_memberships/99.json",
        // Membership 3 is Sam's, not Maria's.
        "/api/v2/users/3/group_memberships/3.json",
        "/api/v2/users/99/group_memberships/3.json",
    ] {
        assert_json(
            &get(&app, path).await,
            StatusCode::NOT_FOUND,
            not_found(),
            path,
        );
    }
}

#[tokio::test]
async fn creating_a_membership_answers_201_and_the_other_facades_see_the_link() {
    let app = spawn_app().await;

    let reply = admin(
        &app,
        Method::POST,
        "/api/v2/group_memberships.json",
        Some(r#"{"group_membership": {"user_id": 1, "group_id": 3}}"#),
    )
    .await;

    assert_json(
        &reply,
        StatusCode::CREATED,
        json!({"group_membership": membership(&app, 6, false)}),
        "create",
    );
    let zopim = app.zopim().get("/departments/3").await;
    assert_eq!(zopim.json()["members"], json!([1, 3]), "{}", zopim.body);
    // Under the user's path, the path names the user.
    let under_user = admin(
        &app,
        Method::POST,
        "/api/v2/users/1/group_memberships",
        Some(r#"{"group_membership": {"group_id": 2}}"#),
    )
    .await;
    assert_json(
        &under_user,
        StatusCode::CREATED,
        json!({"group_membership": membership(&app, 7, false)}),
        "create under the user",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn a_membership_that_exists_or_a_bad_body_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let before = get(&app, "/api/v2/group_memberships").await.json();

    let cases: Vec<(&str, StatusCode, Value)> = vec![
        (
            r#"{"group_membership": {"user_id": 2, "group_id": 1}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid("user_id", "User: has already been taken", "DuplicateValue"),
        ),
        (
            r#"{"group_membership": {}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": "RecordInvalid", "description": "Record validation errors",
                   "details": {"user_id": [{"description": "User: cannot be blank", "error": "BlankValue"}],
                               "group_id": [{"description": "Group: cannot be blank", "error": "BlankValue"}]}}),
        ),
        (
            r#"{"group_membership": {"user_id": 99, "group_id": 1}}"#,
            StatusCode::NOT_FOUND,
            not_found(),
        ),
        (
            r#"{"group_membership": {"user_id": 1, "group_id": 99}}"#,
            StatusCode::NOT_FOUND,
            not_found(),
        ),
        (
            r#"{"user_id": 1, "group_id": 3}"#,
            StatusCode::BAD_REQUEST,
            json!({"error": "ParameterMissing",
                   "description": "param is missing or the value is empty: group_membership"}),
        ),
    ];
    for (body, status, expected) in cases {
        let reply = admin(&app, Method::POST, "/api/v2/group_memberships", Some(body)).await;
        assert_json(&reply, status, expected, body);
    }
    // An agent reads but does not write.
    let agent = call(
        &app,
        Auth::Bearer(AGENT_TOKEN),
        Method::POST,
        "/api/v2/group_memberships",
        Some(r#"{"group_membership": {"user_id": 1, "group_id": 3}}"#),
    )
    .await;
    assert_eq!(agent.status, StatusCode::FORBIDDEN, "{}", agent.body);

    assert_eq!(get(&app, "/api/v2/group_memberships").await.json(), before);
    app.assert_invariants();
}

#[tokio::test]
async fn deleting_a_membership_is_204_and_the_user_gets_its_next_default() {
    let app = spawn_app().await;

    let plain = admin(
        &app,
        Method::DELETE,
        "/api/v2/group_memberships/2.json",
        None,
    )
    .await;
    let under_user = admin(
        &app,
        Method::DELETE,
        "/api/v2/users/3/group_memberships/5",
        None,
    )
    .await;

    for reply in [&plain, &under_user] {
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
        assert_eq!(reply.body, "");
    }
    assert_json(
        &get(&app, "/api/v2/group_memberships").await,
        StatusCode::OK,
        all(vec![
            membership(&app, 1, true),
            membership(&app, 3, true),
            membership(&app, 4, true),
        ]),
        "after the deletes",
    );
    let zopim = app.zopim().get("/departments/1").await;
    assert_eq!(zopim.json()["members"], json!([1]), "{}", zopim.body);
    let again = admin(&app, Method::DELETE, "/api/v2/group_memberships/2", None).await;
    assert_json(&again, StatusCode::NOT_FOUND, not_found(), "delete twice");
    let not_hers = admin(
        &app,
        Method::DELETE,
        "/api/v2/users/3/group_memberships/1",
        None,
    )
    .await;
    assert_json(&not_hers, StatusCode::NOT_FOUND, not_found(), "another's");
    app.assert_invariants();
}

#[tokio::test]
async fn make_default_moves_the_default_and_answers_the_users_memberships() {
    let app = spawn_app().await;

    let reply = admin(
        &app,
        Method::PUT,
        "/api/v2/users/3/group_memberships/5/make_default.json",
        Some("{}"),
    )
    .await;

    assert_json(
        &reply,
        StatusCode::OK,
        json!({"group_memberships": [membership(&app, 4, false), membership(&app, 5, true)]}),
        "make_default",
    );
    assert_json(
        &get(&app, "/api/v2/users/3/group_memberships").await,
        StatusCode::OK,
        all(vec![membership(&app, 4, false), membership(&app, 5, true)]),
        "the user's memberships after",
    );
    let not_hers = admin(
        &app,
        Method::PUT,
        "/api/v2/users/3/group_memberships/1/make_default",
        None,
    )
    .await;
    assert_json(&not_hers, StatusCode::NOT_FOUND, not_found(), "another's");
    let agent = call(
        &app,
        Auth::Bearer(AGENT_TOKEN),
        Method::PUT,
        "/api/v2/users/3/group_memberships/4/make_default",
        None,
    )
    .await;
    assert_eq!(agent.status, StatusCode::FORBIDDEN);
    assert_eq!(
        get(&app, "/api/v2/group_memberships/5").await.json()["group_membership"]["default"],
        true
    );
}

/// The job status a bulk answer holds, as `GET /job_statuses/{id}` shows it too.
fn job(app: &TestApp, answer: &Value, results: Value) -> Value {
    let id = answer["job_status"]["id"].as_str().expect("a job id");
    assert_eq!(id.len(), 32, "{id}");
    let total = results.as_array().unwrap().len();
    json!({"job_status": {
        "id": id,
        "url": app.url(&format!("/api/v2/job_statuses/{id}.json")),
        "total": total,
        "progress": total,
        "status": "completed",
        "message": answer["job_status"]["message"],
        "results": results,
    }})
}

#[tokio::test]
async fn create_many_and_destroy_many_answer_job_statuses_that_can_be_read_back() {
    let app = spawn_app().await;

    let created = admin(
        &app,
        Method::POST,
        "/api/v2/group_memberships/create_many.json",
        Some(
            r#"{"group_memberships": [{"user_id": 1, "group_id": 3},
                                      {"user_id": 2, "group_id": 1},
                                      {"user_id": 1, "group_id": 2}]}"#,
        ),
    )
    .await;

    let expected = job(
        &app,
        &created.json(),
        json!([
            {"id": 6, "index": 0, "action": "create", "success": true, "status": "Created"},
            {"id": null, "index": 1, "action": "create", "success": false, "status": "Failed",
             "error": "RecordInvalid", "details": "User: has already been taken"},
            {"id": 7, "index": 2, "action": "create", "success": true, "status": "Created"},
        ]),
    );
    assert_json(&created, StatusCode::OK, expected.clone(), "create_many");
    let message = expected["job_status"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Completed at ") && message.ends_with(" +0000"),
        "{message}"
    );
    let id = expected["job_status"]["id"].as_str().unwrap();
    assert_json(
        &get(&app, &format!("/api/v2/job_statuses/{id}.json")).await,
        StatusCode::OK,
        expected,
        "the job read back",
    );

    let destroyed = admin(
        &app,
        Method::DELETE,
        "/api/v2/group_memberships/destroy_many.json?ids=6,99",
        None,
    )
    .await;
    let expected = job(
        &app,
        &destroyed.json(),
        json!([
            {"id": 6, "index": 0, "action": "delete", "success": true, "status": "Deleted"},
            {"id": 99, "index": 1, "action": "delete", "success": false, "status": "Failed",
             "error": "RecordNotFound", "details": "Not found"},
        ]),
    );
    assert_json(&destroyed, StatusCode::OK, expected, "destroy_many");
    assert_eq!(
        get(&app, "/api/v2/group_memberships").await.json()["count"],
        6
    );

    let unknown = get(
        &app,
        "/api/v2/job_statuses/00000000000000000000000000000000",
    )
    .await;
    assert_json(&unknown, StatusCode::NOT_FOUND, not_found(), "unknown job");
    let malformed = get(&app, "/api/v2/job_statuses/nope").await;
    assert_json(
        &malformed,
        StatusCode::NOT_FOUND,
        json!({"error": "InvalidEndpoint", "description": "Not found"}),
        "malformed job id",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn a_bulk_request_without_items_or_with_too_many_changes_nothing() {
    let app = spawn_app().await;
    let before = get(&app, "/api/v2/group_memberships").await.json();
    let many: Vec<String> = (1..=101)
        .map(|_| r#"{"user_id": 1, "group_id": 3}"#.to_owned())
        .collect();
    let too_many = format!(r#"{{"group_memberships": [{}]}}"#, many.join(","));
    let ids: Vec<String> = (1..=101).map(|n| n.to_string()).collect();

    let cases = [
        (
            Method::POST,
            "/api/v2/group_memberships/create_many".to_owned(),
            Some(too_many.as_str()),
            StatusCode::BAD_REQUEST,
            json!({"error": "TooManyValues", "description": "Too many values: at most 100 may be given"}),
        ),
        (
            Method::POST,
            "/api/v2/group_memberships/create_many".to_owned(),
            Some("{}"),
            StatusCode::BAD_REQUEST,
            json!({"error": "ParameterMissing",
                   "description": "param is missing or the value is empty: group_memberships"}),
        ),
        (
            Method::DELETE,
            "/api/v2/group_memberships/destroy_many".to_owned(),
            None,
            StatusCode::BAD_REQUEST,
            json!({"error": "ParameterMissing", "description": "param is missing or the value is empty: ids"}),
        ),
        (
            Method::DELETE,
            format!(
                "/api/v2/group_memberships/destroy_many?ids={}",
                ids.join(",")
            ),
            None,
            StatusCode::BAD_REQUEST,
            json!({"error": "TooManyValues", "description": "Too many values: at most 100 may be given"}),
        ),
        (
            Method::DELETE,
            "/api/v2/group_memberships/destroy_many?ids=1,x".to_owned(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid(
                "ids",
                "Ids: must be a list of positive integers",
                "InvalidValue",
            ),
        ),
    ];
    for (method, path, body, status, expected) in cases {
        let reply = admin(&app, method, &path, body).await;
        assert_json(&reply, status, expected, &path);
    }
    assert_eq!(get(&app, "/api/v2/group_memberships").await.json(), before);
}

#[tokio::test]
async fn a_deleted_groups_memberships_are_gone_from_this_api_but_kept_by_the_model() {
    let app = spawn_app().await;

    let deleted = admin(&app, Method::DELETE, "/api/v2/groups/3", None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    assert_json(
        &get(&app, "/api/v2/group_memberships").await,
        StatusCode::OK,
        all(vec![
            membership(&app, 1, true),
            membership(&app, 2, true),
            membership(&app, 3, false),
            membership(&app, 4, true),
        ]),
        "after the group's delete",
    );
    for path in [
        "/api/v2/group_memberships/5",
        "/api/v2/groups/3/memberships",
    ] {
        assert_json(
            &get(&app, path).await,
            StatusCode::NOT_FOUND,
            not_found(),
            path,
        );
    }
    // Rocket.Chat unarchives the group: its membership comes back with its id.
    let rc = app.rc().await;
    let restored = rc
        .call(
            Method::POST,
            "livechat/department/65a4f0c2e4b0a1b2c3d4e5f3/unarchive",
            None,
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    assert_json(
        &get(&app, "/api/v2/group_memberships/5.json").await,
        StatusCode::OK,
        json!({"group_membership": membership(&app, 5, false)}),
        "after the restore",
    );
}

#[tokio::test]
async fn a_membership_keeps_when_it_was_made_through_make_default_and_upserts() {
    let app = spawn_app().await;
    // A tenant whose links carry their own times: link 7 joined before its last change, link 8
    // gives only `updated_at`, which stands for both.
    let state = json!({
        "agents": [{"id": 1, "username": "admin", "name": "Alex Admin", "email": ZD_ADMIN.0,
                    "roles": ["owner", "administrator", "agent"],
                    "uid": "rbAXPnMktTFbNpwtJ",
                    "tokens": {"api": [ZD_ADMIN_API_TOKEN], "bearer": ["joined-token"],
                               "session": ["joined-session"]}}],
        "departments": [
            {"id": 1, "uid": "65a4f0c2e4b0a1b2c3d4e5f1", "name": "Sales", "members": [{"id": 7, "agent": 1,
                "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-02-01T00:00:00Z"}]},
            {"id": 2, "name": "Support", "members": [{"id": 8, "agent": 1,
                "updated_at": "2024-03-01T00:00:00Z"}]}
        ]
    });
    crate::tenants::create_ok(&app, "joined", json!({ "state": state })).await;
    let times = |reply: &Reply| {
        let m = &reply.json()["group_membership"];
        (m["created_at"].clone(), m["updated_at"].clone())
    };
    let seven = "/t/joined/api/v2/group_memberships/7.json";
    let eight = "/t/joined/api/v2/group_memberships/8.json";
    assert_eq!(
        times(&get(&app, seven).await),
        (json!("2024-01-01T00:00:00Z"), json!("2024-02-01T00:00:00Z"))
    );
    assert_eq!(
        times(&get(&app, eight).await),
        (json!("2024-03-01T00:00:00Z"), json!("2024-03-01T00:00:00Z"))
    );

    // make_default changes link 8 (it becomes the primary one): only its `updated_at` moves.
    let moved = admin(
        &app,
        Method::PUT,
        "/t/joined/api/v2/users/1/group_memberships/8/make_default",
        None,
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let (created, updated) = times(&get(&app, eight).await);
    assert_eq!(created, json!("2024-03-01T00:00:00Z"));
    assert_ne!(
        updated,
        json!("2024-03-01T00:00:00Z"),
        "make_default moved it"
    );

    // A Zopim PUT that keeps agent 1 in Sales leaves link 7 as it is.
    let put = app
        .client
        .put(app.url("/t/joined/api/v2/chat/departments/1"))
        .bearer_auth("joined-token")
        .json(&json!({"members": [1]}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(
        times(&get(&app, seven).await),
        (json!("2024-01-01T00:00:00Z"), json!("2024-02-01T00:00:00Z"))
    );
    // A Rocket.Chat upsert of the same agent with another order changes the same link: it
    // joined as before.
    let upsert = app
        .client
        .post(app.url("/t/joined/api/v1/livechat/department/65a4f0c2e4b0a1b2c3d4e5f1/agents"))
        .header("X-User-Id", "rbAXPnMktTFbNpwtJ")
        .header("X-Auth-Token", "joined-session")
        .json(
            &json!({"upsert": [{"agentId": "rbAXPnMktTFbNpwtJ", "username": "admin", "order": 3}],
                      "remove": []}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(upsert.status(), StatusCode::OK);
    let (created, updated) = times(&get(&app, seven).await);
    assert_eq!(created, json!("2024-01-01T00:00:00Z"));
    assert_ne!(
        updated,
        json!("2024-02-01T00:00:00Z"),
        "the upsert moved it"
    );
}
