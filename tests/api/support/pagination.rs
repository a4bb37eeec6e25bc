//! Both of Zendesk's paginations over 150 groups: offset (`page`, `per_page`) and cursor
//! (`page[size]`, `page[after]`, `page[before]`), walked to the end and back by their links.

use super::*;

/// The gateway with 150 more groups (ids 4 to 153).
async fn with_groups() -> TestApp {
    let mut data: Value = serde_json::from_str(deskbridge::fixtures::DEFAULT).unwrap();
    let groups = data["departments"].as_array_mut().unwrap();
    for n in 4..=153 {
        groups.push(
            json!({"id": n, "name": format!("Group {n}"), "created_at": "2024-03-01T00:00:00Z"}),
        );
    }
    crate::helpers::spawn_app_on(&data.to_string()).await
}

/// The ids of a list's groups.
fn ids(reply: &Reply) -> Vec<u64> {
    reply.json()["groups"]
        .as_array()
        .expect("a list of groups")
        .iter()
        .map(|g| g["id"].as_u64().unwrap())
        .collect()
}

/// A link, as a path the test client can follow.
fn path_of(app: &TestApp, link: &Value) -> String {
    link.as_str()
        .expect("a link")
        .strip_prefix(&app.base)
        .expect("an absolute link to the gateway")
        .to_owned()
}

#[tokio::test]
async fn offset_pages_link_forward_and_back_with_the_count() {
    let app = with_groups().await;

    let first = get(&app, "/api/v2/groups.json?per_page=100").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(ids(&first), (1..=100).collect::<Vec<_>>());
    let body = first.json();
    assert_eq!(body["count"], 153);
    assert_eq!(body["previous_page"], Value::Null);
    assert_eq!(
        body["next_page"],
        json!(app.url("/api/v2/groups.json?page=2&per_page=100"))
    );

    let second = get(&app, &path_of(&app, &body["next_page"])).await;
    assert_eq!(ids(&second), (101..=153).collect::<Vec<_>>());
    let body = second.json();
    assert_eq!(body["next_page"], Value::Null);
    assert_eq!(
        body["previous_page"],
        json!(app.url("/api/v2/groups.json?page=1&per_page=100"))
    );

    let huge = get(&app, "/api/v2/groups.json?per_page=1000").await;
    assert_eq!(ids(&huge).len(), 100, "per_page is at most 100");
}

#[tokio::test]
async fn cursor_pages_walk_to_the_end_and_back_by_their_links() {
    let app = with_groups().await;

    let mut seen = Vec::new();
    let mut path = "/api/v2/groups.json?page[size]=40".to_owned();
    let mut pages = 0;
    let last = loop {
        let reply = get(&app, &path).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        seen.extend(ids(&reply));
        pages += 1;
        let body = reply.json();
        assert_eq!(
            body.as_object().unwrap().len(),
            3,
            "groups, meta and links only"
        );
        if body["meta"]["has_more"] == json!(false) {
            break body;
        }
        path = path_of(&app, &body["links"]["next"]);
    };
    assert_eq!(pages, 4);
    assert_eq!(seen, (1..=153).collect::<Vec<_>>());

    let mut back = Vec::new();
    let mut body = last;
    loop {
        let prev = path_of(&app, &body["links"]["prev"]);
        let reply = get(&app, &prev).await;
        let mut page = ids(&reply);
        page.extend(back);
        back = page;
        body = reply.json();
        if body["meta"]["has_more"] == json!(false) {
            break;
        }
    }
    assert_eq!(back, (1..=120).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_cursor_page_is_shaped_as_zendesk_documents_it() {
    let app = spawn_app().await;

    let reply = get(&app, "/api/v2/groups?page%5Bsize%5D=2").await;

    let first = reply.json()["meta"]["before_cursor"].clone();
    let after = reply.json()["meta"]["after_cursor"].clone();
    let (before_text, after_text) = (first.as_str().unwrap(), after.as_str().unwrap());
    assert_json(
        &reply,
        StatusCode::OK,
        json!({
            "groups": [group(&app, 1), group(&app, 2)],
            "meta": {"has_more": true, "after_cursor": after_text, "before_cursor": before_text},
            "links": {
                "prev": app.url(&format!("/api/v2/groups.json?page%5Bbefore%5D={before_text}&page%5Bsize%5D=2")),
                "next": app.url(&format!("/api/v2/groups.json?page%5Bafter%5D={after_text}&page%5Bsize%5D=2")),
            },
        }),
        "first cursor page",
    );
}

#[tokio::test]
async fn links_keep_the_tenant_mount() {
    let app = spawn_app().await;
    app.create_tenant_from_fixtures("acme").await;

    let reply = get(&app, "/t/acme/api/v2/groups.json?per_page=1").await;

    let body = reply.json();
    assert_eq!(
        body["groups"][0]["url"],
        json!(app.url("/t/acme/api/v2/groups/1.json"))
    );
    assert_eq!(
        body["next_page"],
        json!(app.url("/t/acme/api/v2/groups.json?page=2&per_page=1"))
    );
}

#[tokio::test]
async fn bad_paging_parameters_are_400() {
    let app = spawn_app().await;

    for query in ["page=0", "per_page=x", "page%5Bafter%5D=%21%21", "page=101"] {
        let reply = get(&app, &format!("/api/v2/groups.json?{query}")).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.body
        );
        assert_eq!(
            reply.json()["error"],
            "InvalidPaginationParameter",
            "{query}"
        );
    }
}
