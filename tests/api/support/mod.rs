//! The Zendesk Support API v2 facade, route by route: groups, both paginations, the three ways
//! to authenticate, Zendesk's error bodies, the prefixes it shares with Zopim, and the same
//! records seen through the other facades. Bodies are compared whole.

mod cross;
mod errors;
mod groups;
mod kept;
mod memberships;
mod pagination;
mod passwords;
mod users;

use crate::helpers::{
    ADMIN_TOKEN, AGENT_TOKEN, Reply, TestApp, ZD_ADMIN, ZD_ADMIN_API_TOKEN, spawn_app,
};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";

/// How a test client authenticates.
#[derive(Clone, Copy)]
pub(crate) enum Auth {
    /// `email/token:API_TOKEN`, the administrator's.
    ApiToken,
    /// `email:password`.
    Password(&'static str, &'static str),
    /// OAuth `Authorization: Bearer`.
    Bearer(&'static str),
    Nobody,
}

/// Sends a Support API request; `body` is sent as JSON.
pub(crate) async fn call(
    app: &TestApp,
    auth: Auth,
    method: Method,
    path: &str,
    body: Option<&str>,
) -> Reply {
    let mut request = app.client.request(method, app.url(path));
    request = match auth {
        Auth::ApiToken => {
            request.basic_auth(format!("{}/token", ZD_ADMIN.0), Some(ZD_ADMIN_API_TOKEN))
        }
        Auth::Password(user, password) => request.basic_auth(user, Some(password)),
        Auth::Bearer(token) => request.bearer_auth(token),
        Auth::Nobody => request,
    };
    if let Some(body) = body {
        request = request
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_owned());
    }
    app.send(request).await
}

/// As the administrator, with the API token.
pub(crate) async fn admin(app: &TestApp, method: Method, path: &str, body: Option<&str>) -> Reply {
    call(app, Auth::ApiToken, method, path, body).await
}

pub(crate) async fn get(app: &TestApp, path: &str) -> Reply {
    admin(app, Method::GET, path, None).await
}

/// Asserts status, content type and the whole body.
#[track_caller]
pub(crate) fn assert_json(reply: &Reply, status: StatusCode, body: Value, case: &str) {
    assert_eq!(
        reply.status, status,
        "{case}: status (body {:?})",
        reply.body
    );
    assert_eq!(
        reply.content_type(),
        Some(JSON_UTF8),
        "{case}: content type"
    );
    assert_eq!(reply.json(), body, "{case}: body");
}

/// A group as the default data holds it, for `app`'s address.
pub(crate) fn group(app: &TestApp, id: u64) -> Value {
    let (name, description, minute) = match id {
        1 => ("Sales", "Questions before buying", 10),
        2 => ("Support", "Help with the product", 11),
        3 => ("Billing", "Invoices and refunds", 12),
        _ => panic!("no default group {id}"),
    };
    let at = format!("2024-01-15T09:{minute}:00Z");
    json!({
        "url": app.url(&format!("/api/v2/groups/{id}.json")),
        "id": id,
        "is_public": true,
        "name": name,
        "description": description,
        "default": id == 1,
        "deleted": false,
        "created_at": at,
        "updated_at": at,
    })
}

/// A group's times, read from the store (made during the test), as Zendesk writes them.
pub(crate) fn times(app: &TestApp, id: u64) -> (String, String) {
    let view = app.handle.store().view();
    let group = view
        .department(deskbridge::model::DepartmentId(id))
        .expect("the group exists");
    (show_time(group.created_at), show_time(group.updated_at))
}

/// A time as Zendesk writes it: UTC, whole seconds.
pub(crate) fn show_time(at: deskbridge::model::Timestamp) -> String {
    let t = at.to_offset_date_time();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Zendesk's 404 for an unknown record.
pub(crate) fn not_found() -> Value {
    json!({"error": "RecordNotFound", "description": "Not found"})
}

#[tokio::test]
async fn the_support_facade_answers_under_its_own_prefixes_and_zopim_keeps_its_routes() {
    let app = spawn_app().await;

    // Zopim's legacy routes under /api/v2/ still answer as Zopim (a bare array, its 401).
    let departments = app.zopim().legacy().get("/departments").await;
    assert_eq!(departments.status, StatusCode::OK);
    assert!(departments.json().is_array(), "{}", departments.body);
    let agents = app.zopim().legacy().get("/agents").await;
    assert_eq!(agents.status, StatusCode::OK);
    assert!(agents.json().is_array(), "{}", agents.body);
    let me = app.zopim().legacy().get("/agents/me").await;
    assert_eq!(me.json()["id"], 1);
    let anonymous = app.zopim().legacy().anonymous().get("/departments").await;
    assert_eq!(anonymous.json()["error"], "Unauthorized");
    // An unknown path under /api/v2/ is Zopim's 404, not Support's.
    let unknown = app.zopim().legacy().get("/tickets").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["error"], "Not Found");

    // Support's collections are Support's, with and without `.json`.
    for path in ["/api/v2/groups", "/api/v2/groups.json"] {
        let groups = get(&app, path).await;
        assert_eq!(groups.status, StatusCode::OK, "{path}");
        assert!(groups.json()["groups"].is_array(), "{path}");
    }
    let nothing = get(&app, "/api/v2/groups/1/nothing").await;
    assert_json(
        &nothing,
        StatusCode::NOT_FOUND,
        json!({"error": "InvalidEndpoint", "description": "Not found"}),
        "unknown Support path",
    );
}
