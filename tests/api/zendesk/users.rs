//! Users: lists, pages and filters, create, update, delete, roles.

use super::*;

#[tokio::test]
async fn listing_users_returns_every_user_with_their_groups() {
    let app = spawn_app().await;

    let reply = app.zendesk().get("/users.xml").await;

    assert_xml(
        &reply,
        StatusCode::OK,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<users type="array" count="3">
  <user>
    <created-at type="datetime">2024-01-15T09:00:00Z</created-at>
    <email>admin@example.com</email>
    <id type="integer">1</id>
    <is-active type="boolean">true</is-active>
    <name>Alex Admin</name>
    <roles type="integer">2</roles>
    <time-zone>Europe/Paris</time-zone>
    <updated-at type="datetime">2024-01-15T09:00:00Z</updated-at>
    <groups type="array">
      <group>
        <created-at type="datetime">2024-01-15T09:10:00Z</created-at>
        <id type="integer">1</id>
        <is-active type="boolean">true</is-active>
        <name>Sales</name>
        <updated-at type="datetime">2024-01-15T09:10:00Z</updated-at>
      </group>
    </groups>
  </user>
  <user>
    <created-at type="datetime">2024-01-15T09:05:00Z</created-at>
    <email>agent@example.com</email>
    <id type="integer">2</id>
    <is-active type="boolean">true</is-active>
    <name>Sam Agent</name>
    <roles type="integer">4</roles>
    <time-zone>America/New_York</time-zone>
    <updated-at type="datetime">2024-01-15T09:05:00Z</updated-at>
    <groups type="array">
      <group>
        <created-at type="datetime">2024-01-15T09:10:00Z</created-at>
        <id type="integer">1</id>
        <is-active type="boolean">true</is-active>
        <name>Sales</name>
        <updated-at type="datetime">2024-01-15T09:10:00Z</updated-at>
      </group>
      <group>
        <created-at type="datetime">2024-01-15T09:11:00Z</created-at>
        <id type="integer">2</id>
        <is-active type="boolean">true</is-active>
        <name>Support</name>
        <updated-at type="datetime">2024-01-15T09:11:00Z</updated-at>
      </group>
    </groups>
  </user>
  <user>
    <created-at type="datetime">2024-02-01T08:30:00Z</created-at>
    <email>maria@example.com</email>
    <id type="integer">3</id>
    <is-active type="boolean">true</is-active>
    <name>Maria Lopez</name>
    <roles type="integer">4</roles>
    <time-zone>Europe/Madrid</time-zone>
    <updated-at type="datetime">2024-02-01T08:30:00Z</updated-at>
    <groups type="array">
      <group>
        <created-at type="datetime">2024-01-15T09:11:00Z</created-at>
        <id type="integer">2</id>
        <is-active type="boolean">true</is-active>
        <name>Support</name>
        <updated-at type="datetime">2024-01-15T09:11:00Z</updated-at>
      </group>
      <group>
        <created-at type="datetime">2024-01-15T09:12:00Z</created-at>
        <id type="integer">3</id>
        <is-active type="boolean">true</is-active>
        <name>Billing</name>
        <updated-at type="datetime">2024-01-15T09:12:00Z</updated-at>
      </group>
    </groups>
  </user>
</users>
"#,
        "GET /users.xml",
    );
    assert_eq!(reply.body, list("users", 3, &default_users()));
}

/// User `n` of [`many_users`] (4 and up) as listed: no groups.
fn person(n: u64) -> String {
    let at = "2024-03-01T10:00:00Z".to_owned();
    let name = format!("Person {n}");
    let email = format!("person{n}@example.org");
    let roles = if n.is_multiple_of(2) { 4 } else { 0 };
    let user = user_fragment(n, (&name, &email), roles, true, None, (at.clone(), at));
    user_with_groups(&user, &[])
}

/// The users of [`many_users`] with these ids, as listed.
fn listed_users(ids: &[u64]) -> Vec<String> {
    let defaults = default_users();
    ids.iter()
        .map(|&id| match id {
            1..=3 => defaults[id as usize - 1].clone(),
            n => person(n),
        })
        .collect()
}

/// The default data plus users 4..=`last`, alternately agents and end users.
fn many_users(last: u64) -> String {
    fixtures_with(
        (4..=last)
            .map(|n| {
                let role = if n % 2 == 0 { "agent" } else { "end-user" };
                json!({"id": n, "username": format!("person{n}"), "name": format!("Person {n}"),
                       "email": format!("person{n}@example.org"), "roles": [role],
                       "created_at": "2024-03-01T10:00:00Z"})
            })
            .collect(),
    )
}

#[tokio::test]
async fn listing_users_pages_by_100_and_counts_every_match() {
    let app = spawn_app_on(&many_users(205)).await;
    let z = app.zendesk();

    let first = z.get("/users.xml").await;
    let second = z.get("/users.xml?page=2").await;
    let third = z.get("/users.xml?page=3").await;
    let past = z.get("/users.xml?page=4").await;

    for (reply, page) in [(&first, 1..=100), (&second, 101..=200), (&third, 201..=205)] {
        let expected = list(
            "users",
            205,
            &listed_users(&page.clone().collect::<Vec<_>>()),
        );
        assert_xml(reply, StatusCode::OK, &expected, &format!("users {page:?}"));
    }
    assert_xml(&past, StatusCode::OK, &list("users", 205, &[]), "page 4");
}

#[tokio::test]
async fn listing_users_filters_by_role_and_by_a_case_insensitive_query_on_name_or_email() {
    let app = spawn_app_on(&many_users(12)).await;
    let z = app.zendesk();

    for (query, expected) in [
        ("role=2", vec![1]),
        ("role=4", vec![2, 3, 4, 6, 8, 10, 12]),
        ("role=0", vec![5, 7, 9, 11]),
        ("query=MARIA", vec![3]),
        ("query=example.org&role=0", vec![5, 7, 9, 11]),
        ("query=person%201", vec![10, 11, 12]),
        ("query=agent", vec![2]),
        ("query=nobody", vec![]),
        ("query=&page=1", (1..=12).collect()),
    ] {
        let reply = z.get(&format!("/users.xml?{query}")).await;

        let users = listed_users(&expected);
        assert_xml(
            &reply,
            StatusCode::OK,
            &list("users", users.len(), &users),
            query,
        );
    }
}

#[tokio::test]
async fn a_blank_page_or_role_is_no_parameter_at_all() {
    // See: issue 16, "A blank `page` or `role` query parameter (`?page=`) is treated as absent";
    // a Rails action reads it through `params[:page].presence` [I].
    let app = spawn_app().await;

    for query in ["page=", "role=", "page=&role=", "role=&query=&page="] {
        let users = app.zendesk().get(&format!("/users.xml?{query}")).await;
        let members = app
            .zendesk()
            .get(&format!("/groups/2/users.xml?{query}"))
            .await;

        assert_eq!(users.status, StatusCode::OK, "{query}: {}", users.body);
        assert_eq!(users.body, list("users", 3, &default_users()), "{query}");
        assert_eq!(members.status, StatusCode::OK, "{query}: {}", members.body);
        assert_eq!(
            members.body,
            list("users", 2, &default_users()[1..]),
            "{query}: Support's users"
        );
    }
}

#[tokio::test]
async fn a_query_string_is_split_on_semicolons_too_as_rack_split_it() {
    // See: the eventbrite client (PyPI `zendesk` 1.0, `endpoints.py`, 2011) searches with
    // `/users.xml?query={{query}}&amp;role={{role}}&amp;page={{page}}`; Rack, which parsed Rails
    // 2.3's query strings, splits on `&` and `;` (`DEFAULT_SEP = /[&;] */`), so Zendesk read
    // `query`, `amp`, `role`, `amp` and `page` (docs/zendesk.md, "Users").
    let app = spawn_app().await;

    let searched = app
        .zendesk()
        .get("/users.xml?query=example.com&amp;role=4&amp;page=")
        .await;
    let second_page = app.zendesk().get("/users.xml?role=4;page=2").await;

    assert_xml(
        &searched,
        StatusCode::OK,
        &list("users", 2, &default_users()[1..]),
        "eventbrite's search",
    );
    assert_xml(
        &second_page,
        StatusCode::OK,
        &list("users", 2, &[]),
        "role=4;page=2",
    );
}

#[tokio::test]
async fn a_bad_page_or_role_is_400_naming_the_parameter() {
    let app = spawn_app().await;

    for (query, message) in [
        ("page=0", "page must be a positive integer"),
        ("page=two", "page must be a positive integer"),
        ("page=-1", "page must be a positive integer"),
        (
            "role=1",
            "role must be 0 (end user), 2 (administrator) or 4 (agent)",
        ),
        (
            "role=admin",
            "role must be 0 (end user), 2 (administrator) or 4 (agent)",
        ),
    ] {
        let reply = app.zendesk().get(&format!("/users.xml?{query}")).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, message, query);
        let members = app
            .zendesk()
            .get(&format!("/groups/1/users.xml?{query}"))
            .await;
        assert_error(&members, StatusCode::BAD_REQUEST, message, query);
    }
}

#[tokio::test]
async fn showing_a_user_and_the_current_user_includes_their_groups() {
    let app = spawn_app().await;

    let maria = app.zendesk().get("/users/3.xml").await;
    let me = app.zendesk().get("/users/current.xml").await;
    let sam = app
        .zendesk()
        .signed_in_as(ZD_AGENT.0, ZD_AGENT.1)
        .get("/users/current.xml")
        .await;

    assert_xml(
        &maria,
        StatusCode::OK,
        &document(&user_with_groups(MARIA, &[SUPPORT, BILLING])),
        "user 3",
    );
    assert_xml(
        &me,
        StatusCode::OK,
        &document(&user_with_groups(ALEX, &[SALES])),
        "the admin's current",
    );
    assert_xml(
        &sam,
        StatusCode::OK,
        &document(&user_with_groups(SAM, &[SALES, SUPPORT])),
        "the agent's current",
    );
}

#[tokio::test]
async fn creating_a_user_returns_201_with_its_location_and_derives_a_unique_username() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .post(
            "/users.xml",
            "<user><name>Howard Schultz</name><email>howard@starbucks.com</email><roles>4</roles></user>",
        )
        .await;
    let namesake = app
        .zendesk()
        .post(
            "/users.xml",
            "<user><name>Howard Two</name><email>Howard@elsewhere.com</email></user>",
        )
        .await;

    let (created, updated) = user_times(&app, 4);
    assert_xml(
        &reply,
        StatusCode::CREATED,
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<user>
  <created-at type="datetime">{created}</created-at>
  <email>howard@starbucks.com</email>
  <id type="integer">4</id>
  <is-active type="boolean">true</is-active>
  <name>Howard Schultz</name>
  <roles type="integer">4</roles>
  <time-zone nil="true"></time-zone>
  <updated-at type="datetime">{updated}</updated-at>
  <groups type="array"/>
</user>
"#
        ),
        "POST /users.xml",
    );
    let port = app.handle.addr().port();
    assert_eq!(
        location(&reply),
        Some(format!("http://127.0.0.1:{port}/users/4.xml").as_str())
    );
    let namesake_user = user_fragment(
        5,
        ("Howard Two", "Howard@elsewhere.com"),
        0,
        true,
        None,
        user_times(&app, 5),
    );
    assert_xml(
        &namesake,
        StatusCode::CREATED,
        &document(&user_with_groups(&namesake_user, &[])),
        "POST the namesake",
    );
    // The model needs a username; classic Zendesk has none, so it is the email's local part.
    let view = app.handle.store().view();
    assert_eq!(view.agent(AgentId(4)).unwrap().username.as_str(), "howard");
    assert_eq!(view.agent(AgentId(5)).unwrap().username.as_str(), "howard2");
}

#[tokio::test]
async fn a_user_created_with_a_password_signs_in_with_it() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .post(
            "/users.xml",
            "<user><name>New Admin</name><email>boss@example.com</email><roles type=\"integer\">2</roles><password>s3cret!</password><time-zone>Europe/Berlin</time-zone></user>",
        )
        .await;

    let boss = user_fragment(
        4,
        ("New Admin", "boss@example.com"),
        2,
        true,
        Some("Europe/Berlin"),
        user_times(&app, 4),
    );
    assert_xml(
        &reply,
        StatusCode::CREATED,
        &document(&user_with_groups(&boss, &[])),
        "POST /users.xml with a password",
    );
    let me = app
        .zendesk()
        .signed_in_as("boss@example.com", "s3cret!")
        .get("/users/current.xml")
        .await;
    assert_xml(&me, StatusCode::OK, &reply.body, "the new user's current");
    // An administrator: it may create groups.
    let group = app
        .zendesk()
        .signed_in_as("boss@example.com", "s3cret!")
        .post("/groups.xml", "<group><name>Boss</name></group>")
        .await;
    let boss_group = group_fragment(4, "Boss", true, group_times(&app, 4));
    assert_xml(
        &group,
        StatusCode::CREATED,
        &document(&group_with_users(&boss_group, &[])),
        "the new administrator creates a group",
    );
}

#[tokio::test]
async fn a_user_create_that_fails_validation_is_422_with_every_message_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;
    let long = format!(
        "<user><name>{}</name><email>x@y.z</email></user>",
        "n".repeat(256)
    );

    for (body, messages) in [
        (
            "<user/>",
            vec!["Name can't be blank", "Email can't be blank"],
        ),
        (
            "<user><name> </name><email>not-an-email</email><roles>3</roles></user>",
            vec![
                "Name can't be blank",
                "Email is invalid",
                "Roles is invalid",
            ],
        ),
        (
            "<user><name>Sam Again</name><email>AGENT@example.com</email></user>",
            vec!["Email has already been taken"],
        ),
        (
            long.as_str(),
            vec!["Name is too long (maximum is 255 characters)"],
        ),
        (
            "<user><name><first>A</first></name><email type=\"integer\">1</email><time-zone type=\"boolean\">true</time-zone></user>",
            vec![
                "Name is invalid",
                "Email is invalid",
                "Time zone is invalid",
            ],
        ),
    ] {
        let reply = app.zendesk().post("/users.xml", body).await;

        assert_invalid(&reply, &messages, body);
        assert_unchanged(&app, &before, body).await;
    }
}

#[tokio::test]
async fn updating_a_user_changes_name_email_role_and_time_zone_and_answers_with_it() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .put(
            "/users/3.xml",
            "<user><id type=\"integer\">77</id><name>María López</name><email>maria.lopez@example.com</email><roles>2</roles><time-zone>(GMT +01:00) Brussels, Copenhagen, Madrid, Paris</time-zone><restriction-id>1</restriction-id></user>",
        )
        .await;

    let (created, updated) = user_times(&app, 3);
    assert_eq!(created, "2024-02-01T08:30:00Z");
    let expected = format!(
        r#"<user>
  <created-at type="datetime">{created}</created-at>
  <email>maria.lopez@example.com</email>
  <id type="integer">3</id>
  <is-active type="boolean">true</is-active>
  <name>María López</name>
  <roles type="integer">2</roles>
  <time-zone>(GMT +01:00) Brussels, Copenhagen, Madrid, Paris</time-zone>
  <updated-at type="datetime">{updated}</updated-at>
</user>
"#
    );
    assert_xml(
        &reply,
        StatusCode::OK,
        &document(&user_with_groups(&expected, &[SUPPORT, BILLING])),
        "PUT /users/3.xml",
    );
    // A nil time zone clears it; an update without fields changes none.
    let cleared = app
        .zendesk()
        .put("/users/3.xml", "<user><time-zone nil=\"true\"/></user>")
        .await;
    let maria = |app: &TestApp| {
        let user = user_fragment(
            3,
            ("María López", "maria.lopez@example.com"),
            2,
            true,
            None,
            user_times(app, 3),
        );
        document(&user_with_groups(&user, &[SUPPORT, BILLING]))
    };
    assert_xml(&cleared, StatusCode::OK, &maria(&app), "a nil time zone");
    let untouched = app.zendesk().put("/users/3.xml", "<user/>").await;
    assert_xml(&untouched, StatusCode::OK, &maria(&app), "an empty <user/>");
}

#[tokio::test]
async fn a_user_update_that_fails_validation_is_422_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;

    for (path, body, messages) in [
        (
            "/users/3.xml",
            "<user><name/><email></email></user>",
            vec!["Name can't be blank", "Email can't be blank"],
        ),
        (
            "/users/3.xml",
            "<user><email>admin@EXAMPLE.com</email></user>",
            vec!["Email has already been taken"],
        ),
        (
            "/users/3.xml",
            "<user><roles type=\"integer\">1</roles></user>",
            vec!["Roles is invalid"],
        ),
        // The owner stays an administrator and cannot be deleted [I].
        (
            "/users/1.xml",
            "<user><roles>4</roles></user>",
            vec!["Roles can't be changed for the account owner"],
        ),
    ] {
        let reply = app.zendesk().put(path, body).await;

        assert_invalid(&reply, &messages, body);
        assert_unchanged(&app, &before, body).await;
    }
    let owner = app.zendesk().delete("/users/1.xml").await;
    assert_invalid(
        &owner,
        &["The account owner can't be deleted"],
        "DELETE /users/1.xml",
    );
    assert_unchanged(&app, &before, "DELETE the owner").await;
}

#[tokio::test]
async fn roles_0_2_and_4_map_onto_the_models_roles_as_the_other_facades_see_them() {
    let app = spawn_app().await;
    let z = app.zendesk();

    let made_admin = z.put("/users/2.xml", "<user><roles>2</roles></user>").await;
    let sam_admin = user_with_groups(
        &user_fragment(
            2,
            ("Sam Agent", "agent@example.com"),
            2,
            true,
            Some("America/New_York"),
            user_times(&app, 2),
        ),
        &[SALES, SUPPORT],
    );
    assert_xml(
        &made_admin,
        StatusCode::OK,
        &document(&sam_admin),
        "roles 2",
    );
    assert_json(
        &app.zopim().get("/agents/2").await,
        StatusCode::OK,
        with(
            zopim::sam(),
            json!({"role_id": 1, "roles": {"administrator": true, "owner": false}}),
        ),
        "Zopim's agent 2",
    );

    // An end user is no agent: it leaves its groups, and Zopim no longer lists it.
    let made_end_user = z.put("/users/3.xml", "<user><roles>0</roles></user>").await;
    let maria_as = |app: &TestApp, roles: u8| {
        let user = user_fragment(
            3,
            ("Maria Lopez", "maria@example.com"),
            roles,
            true,
            Some("Europe/Madrid"),
            user_times(app, 3),
        );
        document(&user_with_groups(&user, &[]))
    };
    assert_xml(
        &made_end_user,
        StatusCode::OK,
        &maria_as(&app, 0),
        "roles 0",
    );
    assert_xml(
        &z.get("/groups/2/users.xml").await,
        StatusCode::OK,
        &list("users", 1, &[sam_admin]),
        "group 2's users",
    );
    zopim::assert_error(
        &app.zopim().get("/agents/3").await,
        StatusCode::NOT_FOUND,
        "Agent not found",
        "Zopim's agent 3",
    );

    // Back to an agent; an administrator "set" to administrator keeps every role it had.
    let made_agent = z.put("/users/3.xml", "<user><roles>4</roles></user>").await;
    assert_xml(&made_agent, StatusCode::OK, &maria_as(&app, 4), "roles 4");
    let owner = z.put("/users/1.xml", "<user><roles>2</roles></user>").await;
    let alex = user_fragment(
        1,
        ("Alex Admin", "admin@example.com"),
        2,
        true,
        Some("Europe/Paris"),
        user_times(&app, 1),
    );
    assert_xml(
        &owner,
        StatusCode::OK,
        &document(&user_with_groups(&alex, &[SALES])),
        "the owner set to roles 2",
    );
    assert_json(
        &app.zopim().get("/agents/1").await,
        StatusCode::OK,
        zopim::alex(),
        "Zopim's agent 1",
    );
}

#[tokio::test]
async fn deleting_a_user_deactivates_it_removes_it_from_its_groups_and_stops_its_sign_in() {
    let app = spawn_app().await;
    let z = app.zendesk();
    let before_delete = z
        .clone()
        .signed_in_as(ZD_AGENT.0, ZD_AGENT.1)
        .get("/groups.xml")
        .await;
    assert_xml(
        &before_delete,
        StatusCode::OK,
        &list(
            "groups",
            3,
            &[SALES.to_owned(), SUPPORT.to_owned(), BILLING.to_owned()],
        ),
        "the agent lists groups before its deletion",
    );

    let reply = z.delete("/users/2.xml").await;

    assert_empty_ok(&reply, "DELETE /users/2.xml");
    let (created, updated) = user_times(&app, 2);
    let deleted = format!(
        "<user>\n  <created-at type=\"datetime\">{created}</created-at>\n  <email>agent@example.com</email>\n  \
         <id type=\"integer\">2</id>\n  <is-active type=\"boolean\">false</is-active>\n  <name>Sam Agent</name>\n  \
         <roles type=\"integer\">4</roles>\n  <time-zone>America/New_York</time-zone>\n  \
         <updated-at type=\"datetime\">{updated}</updated-at>\n</user>\n"
    );
    assert_xml(
        &z.get("/users/2.xml").await,
        StatusCode::OK,
        &document(&user_with_groups(&deleted, &[])),
        "the deleted user",
    );
    assert_xml(
        &z.get("/users.xml").await,
        StatusCode::OK,
        &list(
            "users",
            3,
            &[
                user_with_groups(ALEX, &[SALES]),
                user_with_groups(&deleted, &[]),
                user_with_groups(MARIA, &[SUPPORT, BILLING]),
            ],
        ),
        "the users after",
    );
    assert_xml(
        &z.get("/groups/1/users.xml").await,
        StatusCode::OK,
        &list("users", 1, &[user_with_groups(ALEX, &[SALES])]),
        "group 1's users after",
    );
    assert_unauthenticated(
        &z.clone()
            .signed_in_as(ZD_AGENT.0, ZD_AGENT.1)
            .get("/groups.xml")
            .await,
        "the deleted user signs in",
    );
    // A deleted user can no longer be assigned.
    let before = app.zendesk_snapshot().await;
    let assign = z
        .put(
            "/groups/1.xml",
            "<group><agents type='array'><agent>2</agent></agents></group>",
        )
        .await;
    assert_invalid(
        &assign,
        &["Agents is invalid: no agent has id 2"],
        "assign user 2",
    );
    assert_unchanged(&app, &before, "assign user 2").await;
}

#[tokio::test]
async fn a_changed_password_is_refused_at_once_and_the_new_one_accepted() {
    // The verified-password memory is keyed by the stored hash, so a change invalidates it.
    let app = spawn_app().await;
    let sam = app.zendesk().signed_in_as(ZD_AGENT.0, ZD_AGENT.1);
    let sam_document = document(&user_with_groups(SAM, &[SALES, SUPPORT]));
    for case in ["the first sign-in", "the remembered sign-in"] {
        let me = sam.get("/users/current.xml").await;
        assert_xml(&me, StatusCode::OK, &sam_document, case);
    }

    let reply = app
        .zendesk()
        .put(
            "/users/2.xml",
            "<user><password>n3w-secret</password></user>",
        )
        .await;

    let sam_renewed = user_fragment(
        2,
        ("Sam Agent", "agent@example.com"),
        4,
        true,
        Some("America/New_York"),
        user_times(&app, 2),
    );
    let sam_renewed = document(&user_with_groups(&sam_renewed, &[SALES, SUPPORT]));
    assert_xml(&reply, StatusCode::OK, &sam_renewed, "PUT a new password");
    assert_unauthenticated(&sam.get("/users/current.xml").await, "the old password");
    let renewed = app.zendesk().signed_in_as(ZD_AGENT.0, "n3w-secret");
    for case in ["the new password", "the new password, remembered"] {
        let me = renewed.get("/users/current.xml").await;
        assert_xml(&me, StatusCode::OK, &sam_renewed, case);
    }
    assert_unauthenticated(
        &sam.get("/users/current.xml").await,
        "the old password again",
    );
}
