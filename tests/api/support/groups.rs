//! Groups: list, show, create, update, soft delete, assignable, a user's groups; and the same
//! groups through the Zopim and classic facades.

use super::*;

#[tokio::test]
async fn listing_groups_gives_every_group_that_is_not_deleted_with_offset_paging() {
    let app = spawn_app().await;

    let reply = get(&app, "/api/v2/groups.json").await;

    assert_json(
        &reply,
        StatusCode::OK,
        json!({
            "groups": [group(&app, 1), group(&app, 2), group(&app, 3)],
            "next_page": null,
            "previous_page": null,
            "count": 3,
        }),
        "GET /groups.json",
    );
}

#[tokio::test]
async fn showing_a_group_with_or_without_the_suffix_gives_it_under_group() {
    let app = spawn_app().await;

    for path in ["/api/v2/groups/2.json", "/api/v2/groups/2"] {
        let reply = get(&app, path).await;
        assert_json(
            &reply,
            StatusCode::OK,
            json!({"group": group(&app, 2)}),
            path,
        );
    }
}

#[tokio::test]
async fn an_unknown_or_malformed_group_id_is_record_not_found_or_no_route() {
    let app = spawn_app().await;

    let reply = get(&app, "/api/v2/groups/99.json").await;
    assert_json(&reply, StatusCode::NOT_FOUND, not_found(), "unknown id");

    for path in [
        "/api/v2/groups/x.json",
        "/api/v2/groups/1.xml",
        "/api/v2/groups/+1",
    ] {
        let reply = get(&app, path).await;
        assert_json(
            &reply,
            StatusCode::NOT_FOUND,
            json!({"error": "InvalidEndpoint", "description": "Not found"}),
            path,
        );
    }
}

#[tokio::test]
async fn creating_a_group_answers_201_with_it_and_the_other_facades_see_the_same_id() {
    let app = spawn_app().await;

    let reply = admin(
        &app,
        Method::POST,
        "/api/v2/groups.json",
        Some(r#"{"group": {"name": "Escalations", "description": "Tier 2", "is_public": false}}"#),
    )
    .await;

    let (created, updated) = times(&app, 4);
    let expected = json!({
        "url": app.url("/api/v2/groups/4.json"),
        "id": 4,
        "is_public": false,
        "name": "Escalations",
        "description": "Tier 2",
        "default": false,
        "deleted": false,
        "created_at": created,
        "updated_at": updated,
    });
    assert_json(
        &reply,
        StatusCode::CREATED,
        json!({"group": expected.clone()}),
        "create",
    );
    assert_json(
        &get(&app, "/api/v2/groups/4").await,
        StatusCode::OK,
        json!({"group": expected}),
        "show after create",
    );
    let zopim = app.zopim().get("/departments/4").await;
    assert_eq!(zopim.json()["name"], "Escalations", "{}", zopim.body);
    assert_eq!(zopim.json()["description"], "Tier 2");
    let classic = app.zendesk().get("/groups/4.xml").await;
    assert!(
        classic.body.contains("<name>Escalations</name>"),
        "{}",
        classic.body
    );
    app.assert_invariants();
}

#[tokio::test]
async fn a_department_made_through_zopim_or_classic_is_a_support_group() {
    let app = spawn_app().await;
    let made = app
        .zopim()
        .post(
            "/departments",
            r#"{"name": "From Zopim", "description": "z"}"#,
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let classic = app
        .zendesk()
        .post("/groups.xml", "<group><name>From Classic</name></group>")
        .await;
    assert_eq!(classic.status, StatusCode::CREATED, "{}", classic.body);

    let zopim_group = get(&app, "/api/v2/groups/4.json").await;
    let classic_group = get(&app, "/api/v2/groups/5.json").await;

    assert_eq!(zopim_group.json()["group"]["name"], "From Zopim");
    assert_eq!(zopim_group.json()["group"]["description"], "z");
    assert_eq!(classic_group.json()["group"]["name"], "From Classic");
    assert_eq!(classic_group.json()["group"]["description"], "");
}

#[tokio::test]
async fn updating_a_group_changes_only_what_is_given() {
    let app = spawn_app().await;

    let reply = admin(
        &app,
        Method::PUT,
        "/api/v2/groups/2.json",
        Some(r#"{"group": {"name": "Customer Care"}}"#),
    )
    .await;

    let mut expected = group(&app, 2);
    expected["name"] = json!("Customer Care");
    expected["updated_at"] = json!(times(&app, 2).1);
    assert_json(&reply, StatusCode::OK, json!({"group": expected}), "update");
    let zopim = app.zopim().get("/departments/2").await;
    assert_eq!(zopim.json()["name"], "Customer Care");
}

#[tokio::test]
async fn a_private_group_cannot_be_made_public() {
    let app = spawn_app().await;
    let made = admin(
        &app,
        Method::POST,
        "/api/v2/groups",
        Some(r#"{"group": {"name": "Private", "is_public": false}}"#),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED);

    let reply = admin(
        &app,
        Method::PUT,
        "/api/v2/groups/4",
        Some(r#"{"group": {"is_public": true}}"#),
    )
    .await;

    assert_json(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"error": "RecordInvalid", "description": "Record validation errors",
               "details": {"is_public": [{"description": "Is public: a private group can't be made public",
                                          "error": "InvalidValue"}]}}),
        "private to public",
    );
}

#[tokio::test]
async fn deleting_a_group_is_soft_204_and_it_leaves_the_lists() {
    let app = spawn_app().await;

    let reply = admin(&app, Method::DELETE, "/api/v2/groups/3.json", None).await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, "");
    let list = get(&app, "/api/v2/groups").await;
    assert_json(
        &list,
        StatusCode::OK,
        json!({"groups": [group(&app, 1), group(&app, 2)], "next_page": null,
               "previous_page": null, "count": 2}),
        "list after delete",
    );
    let assignable = get(&app, "/api/v2/groups/assignable.json").await;
    assert_eq!(assignable.json()["count"], 2);
    let shown = get(&app, "/api/v2/groups/3.json").await;
    assert_eq!(shown.json()["group"]["deleted"], true, "{}", shown.body);
    // Deleted is the model's inactive: hidden from Zopim, `is-active` false in classic XML.
    assert_eq!(
        app.zopim().get("/departments/3").await.status,
        StatusCode::NOT_FOUND
    );
    let classic = app.zendesk().get("/groups/3.xml").await;
    assert!(
        classic
            .body
            .contains("<is-active type=\"boolean\">false</is-active>")
    );
    // A deleted group can no longer be changed or deleted again.
    let again = admin(&app, Method::DELETE, "/api/v2/groups/3.json", None).await;
    assert_json(&again, StatusCode::NOT_FOUND, not_found(), "delete twice");
    app.assert_invariants();
}

#[tokio::test]
async fn a_users_groups_are_the_groups_it_belongs_to() {
    let app = spawn_app().await;

    let reply = get(&app, "/api/v2/users/3/groups.json").await;

    assert_json(
        &reply,
        StatusCode::OK,
        json!({"groups": [group(&app, 2), group(&app, 3)], "next_page": null,
               "previous_page": null, "count": 2}),
        "user 3's groups",
    );
    let unknown = get(&app, "/api/v2/users/99/groups").await;
    assert_json(&unknown, StatusCode::NOT_FOUND, not_found(), "unknown user");
}

#[tokio::test]
async fn a_shown_group_is_cached_per_version_but_its_url_follows_each_requests_host() {
    let app = spawn_app().await;
    let show_via = |host: &'static str| {
        let request = app
            .client
            .get(app.url("/api/v2/groups/2.json"))
            .basic_auth(format!("{}/token", ZD_ADMIN.0), Some(ZD_ADMIN_API_TOKEN))
            .header(reqwest::header::HOST, host);
        app.send(request)
    };

    let first = get(&app, "/api/v2/groups/2.json").await;
    let other_host = show_via("support.example.test:8080").await;
    let again = get(&app, "/api/v2/groups/2").await;

    assert_json(
        &first,
        StatusCode::OK,
        json!({"group": group(&app, 2)}),
        "first",
    );
    let mut elsewhere = group(&app, 2);
    elsewhere["url"] = json!("http://support.example.test:8080/api/v2/groups/2.json");
    assert_json(
        &other_host,
        StatusCode::OK,
        json!({"group": elsewhere}),
        "another host",
    );
    assert_eq!(again.body, first.body, "the same body from the cache");
    // Another group by way of the same host, then the first again: each its own body.
    let one = get(&app, "/api/v2/groups/1.json").await;
    assert_json(
        &one,
        StatusCode::OK,
        json!({"group": group(&app, 1)}),
        "group 1",
    );
    let back = get(&app, "/api/v2/groups/2.json").await;
    assert_eq!(back.body, first.body, "group 2 again");

    // A write makes a new version: the next show encodes the group again.
    let renamed = admin(
        &app,
        Method::PUT,
        "/api/v2/groups/2.json",
        Some(r#"{"group": {"name": "Care"}}"#),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK);
    let after = get(&app, "/api/v2/groups/2.json").await;
    assert_json(&after, StatusCode::OK, renamed.json(), "after the update");
}
