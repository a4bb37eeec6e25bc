//! Pages and groups are kept encoded per state version, without the request's origin (issue 17,
//! speed): a write through any facade makes the next answer new, and each answer carries the
//! URLs of the host and tenant mount that asked, whoever asked for the same page before.

use super::*;

/// A default group as the store holds it now (its name and times may have changed), with
/// `origin` in its `url`.
fn group_now(app: &TestApp, id: u64, name: &str, origin: &str) -> Value {
    let mut group = group(app, id);
    let (created_at, updated_at) = times(app, id);
    group["url"] = json!(format!("{origin}/api/v2/groups/{id}.json"));
    group["name"] = json!(name);
    group["created_at"] = json!(created_at);
    group["updated_at"] = json!(updated_at);
    group
}

/// An offset page of every default group, as `origin` sees it.
fn offset_page(groups: Vec<Value>) -> Value {
    let count = groups.len();
    json!({"groups": groups, "next_page": null, "previous_page": null, "count": count})
}

/// Sends a Support `GET` with this `Host` (or the test client's own).
async fn get_via(app: &TestApp, host: Option<&str>, path: &str) -> Reply {
    let mut request = app
        .client
        .get(app.url(path))
        .basic_auth(format!("{}/token", ZD_ADMIN.0), Some(ZD_ADMIN_API_TOKEN));
    if let Some(host) = host {
        request = request.header(reqwest::header::HOST, host);
    }
    app.send(request).await
}

#[tokio::test]
async fn a_kept_page_shows_a_zopim_rename_and_a_zopim_delete_on_the_next_read() {
    let app = spawn_app().await;
    let origin = app.url("");
    let first = get(&app, "/api/v2/groups.json").await;
    let again = get(&app, "/api/v2/groups.json").await;
    assert_json(
        &first,
        StatusCode::OK,
        offset_page(vec![group(&app, 1), group(&app, 2), group(&app, 3)]),
        "before",
    );
    assert_eq!(again.body, first.body, "the kept page");

    let renamed = app
        .zopim()
        .put("/departments/2", r#"{"name": "Care"}"#)
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let after_rename = get(&app, "/api/v2/groups.json").await;

    let deleted = app.zopim().delete("/departments/3").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let after_delete = get(&app, "/api/v2/groups.json").await;

    assert_json(
        &after_rename,
        StatusCode::OK,
        offset_page(vec![
            group(&app, 1),
            group_now(&app, 2, "Care", &origin),
            group(&app, 3),
        ]),
        "after the Zopim rename",
    );
    assert_json(
        &after_delete,
        StatusCode::OK,
        offset_page(vec![group(&app, 1), group_now(&app, 2, "Care", &origin)]),
        "after the Zopim delete",
    );
}

#[tokio::test]
async fn a_kept_cursor_page_and_a_kept_group_show_a_rename_through_classic_zendesk() {
    let app = spawn_app().await;
    let origin = app.url("");
    let path = "/api/v2/groups.json?page%5Bsize%5D=2";
    let before = get(&app, path).await;
    let shown_before = get(&app, "/api/v2/groups/1.json").await;
    assert_eq!(before.json()["groups"][0], group(&app, 1));
    assert_json(
        &shown_before,
        StatusCode::OK,
        json!({"group": group(&app, 1)}),
        "group 1 before",
    );

    let renamed = app
        .zendesk()
        .call(
            Method::PUT,
            "/groups/1.xml",
            Some("<group><name>Presales</name></group>"),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let after = get(&app, path).await;
    let shown_after = get(&app, "/api/v2/groups/1.json").await;

    let presales = group_now(&app, 1, "Presales", &origin);
    let mut expected = before.json();
    expected["groups"][0] = presales.clone();
    assert_json(&after, StatusCode::OK, expected, "the cursor page after");
    assert_json(
        &shown_after,
        StatusCode::OK,
        json!({"group": presales}),
        "group 1 after",
    );
}

#[tokio::test]
async fn a_users_kept_groups_follow_a_zopim_change_of_members() {
    let app = spawn_app().await;
    let origin = app.url("");
    let before = get(&app, "/api/v2/users/3/groups.json").await;
    assert_json(
        &before,
        StatusCode::OK,
        offset_page(vec![group(&app, 2), group(&app, 3)]),
        "user 3's groups before",
    );

    let moved = app
        .zopim()
        .put("/departments/1", r#"{"members": [1, 2, 3]}"#)
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let after = get(&app, "/api/v2/users/3/groups.json").await;

    assert_json(
        &after,
        StatusCode::OK,
        offset_page(vec![
            group_now(&app, 1, "Sales", &origin),
            group(&app, 2),
            group(&app, 3),
        ]),
        "user 3's groups after",
    );
}

#[tokio::test]
async fn two_hosts_and_a_tenant_mount_asking_for_the_same_page_each_get_their_own_urls() {
    let app = spawn_app().await;
    app.create_tenant_from_fixtures("acme").await;
    let path = "/api/v2/groups.json?page%5Bsize%5D=1&x=%22y%22";
    let expect = |origin: &str| {
        let mut group = group(&app, 1);
        group["url"] = json!(format!("{origin}/api/v2/groups/1.json"));
        let after = cursor_of(1);
        json!({
            "groups": [group],
            "meta": {"has_more": true, "after_cursor": after, "before_cursor": after},
            "links": {
                "prev": format!("{origin}/api/v2/groups.json?x=%22y%22&page%5Bbefore%5D={after}&page%5Bsize%5D=1"),
                "next": format!("{origin}/api/v2/groups.json?x=%22y%22&page%5Bafter%5D={after}&page%5Bsize%5D=1"),
            },
        })
    };

    let own = get_via(&app, None, path).await;
    let other = get_via(&app, Some("support.example.test:8080"), path).await;
    let own_again = get_via(&app, None, path).await;
    let mounted = get_via(
        &app,
        Some("support.example.test:8080"),
        &format!("/t/acme{path}"),
    )
    .await;
    let other_again = get_via(&app, Some("support.example.test:8080"), path).await;

    assert_json(
        &own,
        StatusCode::OK,
        expect(&app.url("")),
        "the test's host",
    );
    assert_json(
        &other,
        StatusCode::OK,
        expect("http://support.example.test:8080"),
        "another host",
    );
    assert_eq!(own_again.body, own.body, "the first host again");
    assert_json(
        &mounted,
        StatusCode::OK,
        expect("http://support.example.test:8080/t/acme"),
        "another host, under the tenant's mount",
    );
    assert_eq!(other_again.body, other.body, "the other host again");
}

/// A group's cursor: its id, big-endian, in URL-safe base64 without padding (docs/support.md).
fn cursor_of(id: u64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.to_be_bytes())
}

#[tokio::test]
async fn a_page_is_kept_per_path_and_query_and_a_bad_query_is_not_kept() {
    let app = spawn_app().await;

    let bad = get(&app, "/api/v2/groups.json?per_page=0").await;
    let two = get(&app, "/api/v2/groups.json?per_page=2").await;
    let bad_again = get(&app, "/api/v2/groups.json?per_page=0").await;
    let assignable = get(&app, "/api/v2/groups/assignable.json?per_page=2").await;
    let one = get(&app, "/api/v2/groups.json?per_page=1").await;

    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(bad_again.body, bad.body, "refused again");
    assert_json(
        &two,
        StatusCode::OK,
        json!({"groups": [group(&app, 1), group(&app, 2)],
               "next_page": app.url("/api/v2/groups.json?page=2&per_page=2"),
               "previous_page": null, "count": 3}),
        "two per page",
    );
    assert_json(
        &assignable,
        StatusCode::OK,
        json!({"groups": [group(&app, 1), group(&app, 2)],
               "next_page": app.url("/api/v2/groups/assignable.json?page=2&per_page=2"),
               "previous_page": null, "count": 3}),
        "assignable, two per page",
    );
    assert_json(
        &one,
        StatusCode::OK,
        json!({"groups": [group(&app, 1)],
               "next_page": app.url("/api/v2/groups.json?page=2&per_page=1"),
               "previous_page": null, "count": 3}),
        "one per page",
    );
}
