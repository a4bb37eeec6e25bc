//! The `zendesk-support` export is what the Support facade serves: for a tenant with more than
//! a page of groups, users and memberships (so the files are cursor pages), a deleted group, a
//! deleted user with memberships and a default moved by `make_default`, the export's three files
//! are byte for byte the bodies of `GET /api/v2/groups.json`, `/group_memberships.json` and
//! `/users.json` fetched over HTTP with an administrator's API token (one offset page when it
//! holds everything, else `?page[size]=100` and each `links.next`, joined as an array). Import
//! then export keeps them, membership ids and defaults included.

use deskbridge::migration::Files;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_on};
use crate::support::{admin, get};

/// The default data, with Maria deleted (she keeps her links), 120 more agents and 105 more
/// groups (one of them deleted), two members each.
fn large() -> String {
    let mut state: Value = serde_json::from_str(deskbridge::fixtures::DEFAULT).unwrap();
    state["agents"][2]["active"] = json!(false);
    let agents = state["agents"].as_array_mut().unwrap();
    for n in 10..130u64 {
        agents.push(
            json!({"id": n, "username": format!("a{n}"), "name": format!("Agent {n}"),
                           "email": format!("a{n}@example.com"), "roles": ["agent"],
                           "created_at": "2024-03-01T08:00:00Z"}),
        );
    }
    let departments = state["departments"].as_array_mut().unwrap();
    for n in 10..115u64 {
        departments.push(
            json!({"id": n, "name": format!("Group {n}"), "members": [n, 3],
                                "active": n != 50, "created_at": "2024-03-02T08:00:00Z"}),
        );
    }
    state.to_string()
}

/// The body a client saving the list gets: the offset page when it holds every record, else
/// the cursor pages' bodies as one array.
async fn saved(app: &TestApp, list: &str) -> Vec<u8> {
    let first = get(app, &format!("/api/v2/{list}.json")).await;
    assert_eq!(first.status, StatusCode::OK, "{list}: {}", first.body);
    let body: Value = serde_json::from_str(&first.body).unwrap();
    if body["next_page"].is_null() {
        return first.body.into_bytes();
    }
    let mut pages = Vec::new();
    let mut next = app.url(&format!("/api/v2/{list}.json?page[size]=100"));
    loop {
        let path = next.strip_prefix(&app.base).unwrap().to_owned();
        let page = get(app, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        let body: Value = serde_json::from_str(&page.body).unwrap();
        pages.push(page.body);
        if body["meta"]["has_more"] != json!(true) {
            break;
        }
        next = body["links"]["next"].as_str().unwrap().to_owned();
    }
    assert!(pages.len() > 1, "{list}: {} page(s)", pages.len());
    format!("[{}]", pages.join(",")).into_bytes()
}

async fn export(app: &TestApp) -> Files {
    let response = app
        .client
        .get(app.url("/_gateway/tenants/default/export?format=zendesk-support"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    Files::from_zip(&response.bytes().await.unwrap()).unwrap()
}

fn text(files: &Files, path: &str) -> String {
    String::from_utf8(files.get(path).unwrap().to_vec()).unwrap()
}

#[tokio::test]
async fn the_support_export_is_byte_for_byte_what_the_facade_serves() {
    // Arrange: Sam's default moved from his oldest membership (Sales, 2) to Support (3).
    let app = spawn_app_on(&large()).await;
    let moved = admin(
        &app,
        Method::PUT,
        "/api/v2/users/2/group_memberships/3/make_default.json",
        None,
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);

    // Act
    let files = export(&app).await;

    // Assert
    for (file, list) in [
        ("groups.json", "groups"),
        ("group_memberships.json", "group_memberships"),
        ("users.json", "users"),
    ] {
        let served = String::from_utf8(saved(&app, list).await).unwrap();
        assert_eq!(text(&files, file), served, "{file}");
    }
    // Neither the deleted user (3) nor the deleted group (50) nor their memberships are there.
    let memberships: Vec<Value> =
        serde_json::from_str::<Vec<Value>>(&text(&files, "group_memberships.json"))
            .unwrap()
            .into_iter()
            .flat_map(|page| page["group_memberships"].as_array().unwrap().clone())
            .collect();
    assert_eq!(memberships.len(), 2 + 1 + 104);
    assert!(
        memberships
            .iter()
            .all(|m| m["user_id"] != json!(3) && m["group_id"] != json!(50))
    );
    let sam: Vec<&Value> = memberships
        .iter()
        .filter(|m| m["user_id"] == json!(2))
        .collect();
    assert_eq!(
        sam.iter()
            .map(|m| (m["id"].clone(), m["default"].clone()))
            .collect::<Vec<_>>(),
        [(json!(2), json!(false)), (json!(3), json!(true))]
    );
}

#[tokio::test]
async fn importing_a_support_export_keeps_membership_ids_and_defaults() {
    // Arrange: an export whose membership ids are not in the order a state would number them,
    // and whose defaults are not the users' oldest memberships.
    let app = spawn_app_on(&large()).await;
    admin(
        &app,
        Method::PUT,
        "/api/v2/users/2/group_memberships/3/make_default.json",
        None,
    )
    .await;
    let first = export(&app).await;

    // Act
    let imported = app
        .client
        .post(app.url("/_gateway/tenants/copy/import?format=zendesk-support"))
        .body(first.to_zip().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::CREATED);
    let again = Files::from_zip(
        &app.client
            .get(app.url("/_gateway/tenants/copy/export?format=zendesk-support"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();

    // Assert: the same files, but for the URLs' tenant mount.
    for file in ["groups.json", "group_memberships.json", "users.json"] {
        let moved = text(&again, file).replace("/t/copy/api/v2/", "/api/v2/");
        assert_eq!(moved, text(&first, file), "{file}");
    }
    let view = app.handle.registry().get("copy").unwrap().store().view();
    let sam = view.primary_link_of(deskbridge::model::AgentId(2)).unwrap();
    assert_eq!((sam.id.0, sam.department.0, sam.primary), (3, 2, true));
}
