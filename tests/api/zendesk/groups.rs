//! Groups: reading and writing.

use super::*;

// ---------------------------------------------------------------------------------------------
// Groups: reading.

#[tokio::test]
async fn listing_groups_returns_every_group_as_a_typed_array_with_its_count() {
    let app = spawn_app().await;

    let reply = app.zendesk().get("/groups.xml").await;

    assert_xml(
        &reply,
        StatusCode::OK,
        &list("groups", 3, &[SALES.into(), SUPPORT.into(), BILLING.into()]),
        "GET /groups.xml",
    );
}

#[tokio::test]
async fn showing_a_group_nests_its_agents_as_users() {
    let app = spawn_app().await;

    let reply = app.zendesk().get("/groups/1.xml").await;

    assert_xml(
        &reply,
        StatusCode::OK,
        &document(&group_with_users(SALES, &[ALEX, SAM])),
        "GET /groups/1.xml",
    );
}

#[tokio::test]
async fn every_read_route_answers_the_same_under_the_api_v1_prefix() {
    let app = spawn_app().await;

    let maria = user_with_groups(MARIA, &[SUPPORT, BILLING]);
    for (path, expected) in [
        (
            "/groups.xml",
            list(
                "groups",
                3,
                &[SALES.to_owned(), SUPPORT.to_owned(), BILLING.to_owned()],
            ),
        ),
        (
            "/groups/2.xml",
            document(&group_with_users(SUPPORT, &[SAM, MARIA])),
        ),
        (
            "/groups/2/users.xml",
            list(
                "users",
                2,
                &[user_with_groups(SAM, &[SALES, SUPPORT]), maria.clone()],
            ),
        ),
        ("/users.xml", list("users", 3, &default_users())),
        ("/users/3.xml", document(&maria)),
        (
            "/users/current.xml",
            document(&user_with_groups(ALEX, &[SALES])),
        ),
    ] {
        let plain = app.zendesk().get(path).await;
        let prefixed = app.zendesk().api_v1().get(path).await;

        assert_xml(&plain, StatusCode::OK, &expected, path);
        assert_xml(
            &prefixed,
            StatusCode::OK,
            &expected,
            &format!("/api/v1{path}"),
        );
    }
}

#[tokio::test]
async fn a_head_request_is_answered_like_a_get_without_a_body() {
    let app = spawn_app().await;

    let reply = app.zendesk().call(Method::HEAD, "/groups.xml", None).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), Some(XML));
    assert_eq!(reply.body, "");
}

#[tokio::test]
async fn listing_a_groups_users_returns_its_agents_with_their_groups() {
    let app = spawn_app().await;

    let reply = app.zendesk().get("/groups/2/users.xml").await;

    assert_xml(
        &reply,
        StatusCode::OK,
        &list(
            "users",
            2,
            &[
                user_with_groups(SAM, &[SALES, SUPPORT]),
                user_with_groups(MARIA, &[SUPPORT, BILLING]),
            ],
        ),
        "GET /groups/2/users.xml",
    );
    let filtered = app.zendesk().get("/groups/2/users.xml?query=maria").await;
    assert_xml(
        &filtered,
        StatusCode::OK,
        &list("users", 1, &[user_with_groups(MARIA, &[SUPPORT, BILLING])]),
        "?query=maria",
    );
}

// ---------------------------------------------------------------------------------------------
// Groups: writing.

#[tokio::test]
async fn creating_a_group_returns_201_with_an_absolute_location_and_the_group() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .post(
            "/groups.xml",
            "<group>\n  <name>Hardware</name>\n  <agents type='array'>\n    <agent>2</agent>\n    <agent>3</agent>\n  </agents>\n</group>",
        )
        .await;

    let hardware = group_fragment(4, "Hardware", true, group_times(&app, 4));
    assert_xml(
        &reply,
        StatusCode::CREATED,
        &document(&group_with_users(&hardware, &[SAM, MARIA])),
        "POST /groups.xml",
    );
    let port = app.handle.addr().port();
    assert_eq!(
        location(&reply),
        Some(format!("http://127.0.0.1:{port}/groups/4.xml").as_str())
    );
    let shown = app.zendesk().get("/groups/4.xml").await;
    assert_xml(&shown, StatusCode::OK, &reply.body, "the Location shows it");
}

#[tokio::test]
async fn a_group_created_under_api_v1_is_located_under_api_v1_from_the_host_header() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .api_v1()
        .with_header("host", "account.zendesk.com")
        .post("/groups.xml", "<group><name>Hardware</name></group>")
        .await;

    assert_eq!(
        location(&reply),
        Some("http://account.zendesk.com/api/v1/groups/4.xml")
    );
    let times = group_times(&app, 4);
    assert_xml(
        &reply,
        StatusCode::CREATED,
        &document(&group_with_users(
            &group_fragment(4, "Hardware", true, times),
            &[],
        )),
        "POST /api/v1/groups.xml",
    );
}

#[tokio::test]
async fn xml_written_by_rails_and_pyactiveresource_creates_a_group() {
    // Rails 6 `Hash#to_xml(root: "group", children: "agent")` (tests/data/xml) and
    // pyactiveresource's own body (spec B8), typed items and `<?xml?>` prolog included.
    let app = spawn_app().await;
    let rails = include_str!("../../data/xml/rails_group_create.xml")
        .replace("43", "2")
        .replace("67", "3");
    let pyactiveresource = r#"<?xml version="1.0" encoding="UTF-8"?><group><name>Py</name><agents type="array"><agent type="integer">3</agent></agents></group>"#;

    let from_rails = app.zendesk().post("/groups.xml", &rails).await;
    let from_python = app.zendesk().post("/groups.xml", pyactiveresource).await;

    let hardware = group_fragment(4, "Hardware", true, group_times(&app, 4));
    let py = group_fragment(5, "Py", true, group_times(&app, 5));
    assert_xml(
        &from_rails,
        StatusCode::CREATED,
        &document(&group_with_users(&hardware, &[SAM, MARIA])),
        "POST from Rails",
    );
    assert_xml(
        &from_python,
        StatusCode::CREATED,
        &document(&group_with_users(&py, &[MARIA])),
        "POST from pyactiveresource",
    );
    let port = app.handle.addr().port();
    assert_eq!(
        location(&from_rails),
        Some(format!("http://127.0.0.1:{port}/groups/4.xml").as_str())
    );
    assert_eq!(
        location(&from_python),
        Some(format!("http://127.0.0.1:{port}/groups/5.xml").as_str())
    );
    let maria = user_with_groups(MARIA, &[SUPPORT, BILLING, &hardware, &py]);
    assert_xml(
        &app.zendesk().get("/groups/4/users.xml").await,
        StatusCode::OK,
        &list(
            "users",
            2,
            &[
                user_with_groups(SAM, &[SALES, SUPPORT, &hardware]),
                maria.clone(),
            ],
        ),
        "the group from Rails",
    );
    assert_xml(
        &app.zendesk().get("/groups/5/users.xml").await,
        StatusCode::OK,
        &list("users", 1, &[maria]),
        "the group from pyactiveresource",
    );
}

#[tokio::test]
async fn group_names_may_repeat_as_classic_zendesk_only_required_one() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .post("/groups.xml", "<group><name>Sales</name></group>")
        .await;

    let second_sales = group_fragment(4, "Sales", true, group_times(&app, 4));
    assert_xml(
        &reply,
        StatusCode::CREATED,
        &document(&group_with_users(&second_sales, &[])),
        "POST a second Sales",
    );
    assert_xml(
        &app.zendesk().get("/groups.xml").await,
        StatusCode::OK,
        &list(
            "groups",
            4,
            &[
                SALES.to_owned(),
                SUPPORT.to_owned(),
                BILLING.to_owned(),
                second_sales,
            ],
        ),
        "the list after",
    );
}

#[tokio::test]
async fn updating_a_group_renames_it_replaces_its_agents_and_answers_200_with_it() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .put(
            "/groups/1.xml",
            "<group><name>Hardware and ICP</name><agents type='array'><agent>3</agent><agent>2</agent><agent>3</agent></agents></group>",
        )
        .await;

    let times = group_times(&app, 1);
    assert_eq!(times.0, "2024-01-15T09:10:00Z", "created-at is kept");
    assert_xml(
        &reply,
        StatusCode::OK,
        &document(&group_with_users(
            &group_fragment(1, "Hardware and ICP", true, times),
            &[SAM, MARIA],
        )),
        "PUT /groups/1.xml",
    );
    assert_xml(
        &app.zendesk().get("/groups/1.xml").await,
        StatusCode::OK,
        &reply.body,
        "GET after PUT",
    );
}

#[tokio::test]
async fn an_update_without_agents_keeps_them_and_any_empty_agents_element_removes_them_all() {
    let app = spawn_app().await;
    let z = app.zendesk();

    let renamed = z
        .put("/groups/2.xml", "<group><name>Help</name></group>")
        .await;
    let help = group_fragment(2, "Help", true, group_times(&app, 2));
    assert_xml(
        &renamed,
        StatusCode::OK,
        &document(&group_with_users(&help, &[SAM, MARIA])),
        "renamed",
    );
    assert_xml(
        &z.get("/groups/2/users.xml").await,
        StatusCode::OK,
        &list(
            "users",
            2,
            &[
                user_with_groups(SAM, &[SALES, &help]),
                user_with_groups(MARIA, &[&help, BILLING]),
            ],
        ),
        "its users after the rename",
    );

    // Spec B4: "If you submit an empty array, all agents get removed from the group", in each
    // empty form a client may write.
    for (group, empty) in [
        (1, "<agents type='array'></agents>"),
        (2, "<agents type=\"array\"/>"),
        (3, "<agents/>"),
    ] {
        let reply = z
            .put(
                &format!("/groups/{group}.xml"),
                &format!("<group><name>The now empty group</name>{empty}</group>"),
            )
            .await;

        let emptied = group_fragment(group, "The now empty group", true, group_times(&app, group));
        assert_xml(
            &reply,
            StatusCode::OK,
            &document(&group_with_users(&emptied, &[])),
            empty,
        );
        assert_xml(
            &z.get(&format!("/groups/{group}/users.xml")).await,
            StatusCode::OK,
            &list("users", 0, &[]),
            empty,
        );
    }
    // The agents' own groups follow.
    assert_xml(
        &z.get("/users/2.xml").await,
        StatusCode::OK,
        &document(&user_with_groups(SAM, &[])),
        "user 2 after",
    );
}

#[tokio::test]
async fn an_update_as_pyactiveresource_sends_it_ignores_the_id_timestamps_and_nested_users() {
    // Spec B4 rule 5 and B8: the whole resource comes back, `id` and what was read included.
    let app = spawn_app().await;
    let body = r#"<?xml version="1.0" encoding="UTF-8"?><group><created-at type="datetime">2024-01-15T09:10:00+00:00</created-at><id type="integer">99</id><is-active type="boolean">false</is-active><name>Sales EU</name><updated-at type="datetime">2024-01-15T09:10:00+00:00</updated-at><users type="array"><user><id type="integer">1</id><email>admin@example.com</email></user></users><agents type="array"><agent type="integer">1</agent></agents></group>"#;

    let reply = app.zendesk().put("/groups/1.xml", body).await;

    assert_xml(
        &reply,
        StatusCode::OK,
        &document(&group_with_users(
            &group_fragment(1, "Sales EU", true, group_times(&app, 1)),
            &[ALEX],
        )),
        "PUT with pyactiveresource's body",
    );
    assert_xml(
        &app.zendesk().get("/groups.xml").await,
        StatusCode::OK,
        &list(
            "groups",
            3,
            &[
                group_fragment(1, "Sales EU", true, group_times(&app, 1)),
                SUPPORT.to_owned(),
                BILLING.to_owned(),
            ],
        ),
        "the list after",
    );
}

#[tokio::test]
async fn destroying_a_group_answers_an_empty_200_and_keeps_it_listed_as_inactive() {
    let app = spawn_app().await;

    let reply = app.zendesk().delete("/groups/3.xml").await;

    assert_empty_ok(&reply, "DELETE /groups/3.xml");
    let times = group_times(&app, 3);
    let inactive = group_fragment(3, "Billing", false, times);
    assert_xml(
        &app.zendesk().get("/groups.xml").await,
        StatusCode::OK,
        &list(
            "groups",
            3,
            &[SALES.to_owned(), SUPPORT.to_owned(), inactive.clone()],
        ),
        "the list after",
    );
    // Its member keeps the link, but a destroyed group is no longer one of its groups.
    assert_xml(
        &app.zendesk().get("/groups/3.xml").await,
        StatusCode::OK,
        &document(&group_with_users(&inactive, &[MARIA])),
        "the group after",
    );
    assert_xml(
        &app.zendesk().get("/users/3.xml").await,
        StatusCode::OK,
        &document(&user_with_groups(MARIA, &[SUPPORT])),
        "its agent after",
    );
    // Destroying it again is still a 200, and it stays inactive.
    let again = app.zendesk().delete("/groups/3.xml").await;
    assert_empty_ok(&again, "DELETE again");
    let inactive = group_fragment(3, "Billing", false, group_times(&app, 3));
    assert_xml(
        &app.zendesk().get("/groups/3.xml").await,
        StatusCode::OK,
        &document(&group_with_users(&inactive, &[MARIA])),
        "the group after DELETE again",
    );
}

#[tokio::test]
async fn a_destroyed_group_can_no_longer_be_changed_or_assigned() {
    let app = spawn_app().await;
    assert_empty_ok(
        &app.zendesk().delete("/groups/1.xml").await,
        "DELETE /groups/1.xml",
    );
    let before = app.zendesk_snapshot().await;

    for body in [
        "<group><agents type='array'><agent>3</agent></agents></group>",
        "<group><name>Back</name></group>",
    ] {
        let reply = app.zendesk().put("/groups/1.xml", body).await;

        assert_invalid(
            &reply,
            &["Group is inactive and can no longer be changed or assigned"],
            body,
        );
        assert_unchanged(&app, &before, body).await;
    }
}
