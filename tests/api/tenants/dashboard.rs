//! The dashboard's routes (docs/dashboard.md): its embedded files under a strict
//! Content-Security-Policy, open without the admin token; a tenant's records; and one department
//! as each facade serves it, compared byte for byte with each facade's own read.

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::helpers::{ADMIN_TOKEN, spawn_app, spawn_app_with};

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                      connect-src 'self'; base-uri 'none'; form-action 'none'; \
                      frame-ancestors 'none'";

/// Every file the page loads, with its type.
const FILES: [(&str, &str); 12] = [
    ("", "text/html; charset=utf-8"),
    ("style.css", "text/css; charset=utf-8"),
    ("app.js", "text/javascript; charset=utf-8"),
    ("api.js", "text/javascript; charset=utf-8"),
    ("dom.js", "text/javascript; charset=utf-8"),
    ("tenants.js", "text/javascript; charset=utf-8"),
    ("records.js", "text/javascript; charset=utf-8"),
    ("views.js", "text/javascript; charset=utf-8"),
    ("journal.js", "text/javascript; charset=utf-8"),
    ("reconcile.js", "text/javascript; charset=utf-8"),
    ("mapping.json", "application/json"),
    ("icon.svg", "image/svg+xml"),
];

#[tokio::test]
async fn the_dashboard_files_are_served_open_under_a_strict_policy_and_load_nothing_from_elsewhere()
{
    // Arrange: a gateway whose control plane needs a token; the files hold no data.
    let app = spawn_app_with(|config| config.admin_token = Some("s3cret".into())).await;
    for (file, kind) in FILES {
        // Act
        let reply = call(&app, Method::GET, &format!("/_gateway/ui/{file}")).await;
        // Assert
        let header = |name: &str| reply.headers.get(name).map(|v| v.to_str().unwrap());
        assert_eq!(
            (
                reply.status,
                reply.content_type(),
                header("content-security-policy"),
                header("x-content-type-options"),
                header("x-frame-options"),
            ),
            (
                StatusCode::OK,
                Some(kind),
                Some(POLICY),
                Some("nosniff"),
                Some("DENY")
            ),
            "{file}"
        );
        // No CDN, no remote font, no inline script or style the policy would refuse.
        // (An SVG's namespace is a name, not a load.)
        let body = reply
            .body
            .replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!body.contains("https://"), "{file} names a remote URL");
        assert!(!body.contains("http://"), "{file} names a remote URL");
        assert!(
            !reply.body.contains("style=\""),
            "{file} has an inline style"
        );
        assert!(
            !reply.body.contains(" onclick=\""),
            "{file} has an inline handler"
        );
    }
    let page = call(&app, Method::GET, "/_gateway/ui/").await.body;
    assert!(
        !page.contains("<script>") && !page.contains("<style"),
        "inline script or style"
    );
}

#[tokio::test]
async fn the_dashboard_without_its_slash_redirects_and_an_unknown_file_is_the_gateways_404() {
    let app = spawn_app().await;
    let not_following = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let reply = app.send(not_following.get(app.url("/_gateway/ui"))).await;
    assert_eq!(
        (
            reply.status,
            reply.headers.get("location").map(|v| v.to_str().unwrap())
        ),
        (StatusCode::PERMANENT_REDIRECT, Some("/_gateway/ui/"))
    );
    for path in ["/_gateway/ui/secret.txt", "/_gateway/ui/..%2Fmain.rs"] {
        let reply = call(&app, Method::GET, path).await;
        assert_gateway_error(&reply, StatusCode::NOT_FOUND, "No route matches this path");
    }
}

#[tokio::test]
async fn the_dashboards_data_routes_need_the_admin_token() {
    let app = spawn_app_with(|config| config.admin_token = Some("s3cret".into())).await;
    for path in [
        "/_gateway/tenants/default/records",
        "/_gateway/tenants/default/departments/1/views",
    ] {
        let reply = call(&app, Method::GET, path).await;
        assert_gateway_error(
            &reply,
            StatusCode::UNAUTHORIZED,
            "This route needs Authorization: Bearer <the admin token>",
        );
        let reply = app.request(Method::GET, path, Some("s3cret"), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
}

#[tokio::test]
async fn the_records_route_gives_every_department_and_agent_with_the_memberships() {
    let app = spawn_app().await;
    let reply = call(&app, Method::GET, "/_gateway/tenants/default/records").await;
    assert_eq!(
        (reply.status, reply.content_type()),
        (StatusCode::OK, Some("application/json"))
    );
    let body = reply.json();
    let agent = |id: u64, uid: &str, username: &str, name: &str, roles: Value| {
        json!({"id": id, "uid": uid, "username": username, "display_name": name,
               "email": format!("{username}@example.com"), "roles": roles, "active": true})
    };
    assert_eq!(
        body,
        json!({
            "tenant": "default",
            "version": 0,
            "departments": [
                {"id": 1, "uid": "65a4f0c2e4b0a1b2c3d4e5f1", "name": "Sales", "enabled": true, "active": true, "members": [1, 2]},
                {"id": 2, "uid": "65a4f0c2e4b0a1b2c3d4e5f2", "name": "Support", "enabled": true, "active": true, "members": [2, 3]},
                {"id": 3, "uid": "65a4f0c2e4b0a1b2c3d4e5f3", "name": "Billing", "enabled": false, "active": true, "members": [3]},
            ],
            "agents": [
                agent(1, body["agents"][0]["uid"].as_str().unwrap(), "admin", "Alex Admin", json!(["owner", "administrator", "agent"])),
                agent(2, body["agents"][1]["uid"].as_str().unwrap(), "agent", "Sam Agent", json!(["agent"])),
                agent(3, body["agents"][2]["uid"].as_str().unwrap(), "maria", "Maria Lopez", json!(["agent"])),
            ],
            "memberships": 5,
        })
    );
}

/// The views of department `id` in `tenant`, each with the facade's own read of it.
async fn views_and_direct_reads(app: &TestApp, tenant: &str, id: u64) -> Vec<(Value, Reply)> {
    let reply = call(
        app,
        Method::GET,
        &format!("/_gateway/tenants/{tenant}/departments/{id}/views"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = reply.json();
    let mount = if tenant == "default" {
        String::new()
    } else {
        format!("/t/{tenant}")
    };
    // A Rocket.Chat session of the tenant's own.
    let login = app
        .request(
            Method::POST,
            &format!("{mount}/api/v1/login"),
            None,
            Some(r#"{"user": "admin", "password": "admin"}"#),
        )
        .await;
    let session = &login.json()["data"];
    let (token, user_id) = (
        session["authToken"].as_str().unwrap(),
        session["userId"].as_str().unwrap(),
    );
    let mut out = Vec::new();
    for view in body["views"].as_array().unwrap() {
        let url = view["url"].as_str().unwrap();
        let path = url.strip_prefix(&app.base).unwrap().to_owned();
        assert!(path.starts_with(&mount), "{path}");
        let direct = match view["facade"].as_str().unwrap() {
            "zopim" => {
                app.request(Method::GET, &path, Some(ADMIN_TOKEN), None)
                    .await
            }
            "rocketchat" => {
                let request = app
                    .client
                    .get(url)
                    .header("X-Auth-Token", token)
                    .header("X-User-Id", user_id);
                app.send(request).await
            }
            "zendesk" | "support" => {
                let request = app
                    .client
                    .get(url)
                    .basic_auth("admin@example.com", Some("admin"));
                app.send(request).await
            }
            other => panic!("an unexpected facade {other}"),
        };
        out.push((view.clone(), direct));
    }
    out
}

#[tokio::test]
async fn each_view_is_byte_for_byte_the_facades_own_read_in_a_fork() {
    // Arrange: a fork with a department renamed through the classic API.
    let app = spawn_app().await;
    create_ok(&app, "acme", json!({"tenant": "default"})).await;
    let mut classic = app.zendesk();
    classic.prefix = "/t/acme";
    let put = classic
        .put("/groups/2.xml", "<group><name>Support EU</name></group>")
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);

    // Act
    let views = views_and_direct_reads(&app, "acme", 2).await;

    // Assert: four facades, each the same status, type and bytes as its own read.
    let names: Vec<&str> = views
        .iter()
        .map(|(v, _)| v["facade"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["zendesk", "zopim", "support", "rocketchat"]);
    for (view, direct) in &views {
        assert_eq!(
            (
                view["status"].as_u64().unwrap(),
                view["content_type"].as_str(),
                view["body"].as_str().unwrap()
            ),
            (
                u64::from(direct.status.as_u16()),
                direct
                    .headers
                    .get(CONTENT_TYPE)
                    .map(|v| v.to_str().unwrap()),
                direct.body.as_str()
            ),
            "{}",
            view["facade"]
        );
        assert!(direct.body.contains("Support EU"), "{}", direct.body);
    }
}

#[tokio::test]
async fn a_department_zopim_hides_is_shown_as_zopims_own_404_beside_the_others() {
    // Arrange: a group destroyed softly through the classic API is inactive.
    let app = spawn_app().await;
    let deleted = app.zendesk().delete("/groups/3.xml").await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);

    let views = views_and_direct_reads(&app, "default", 3).await;
    for (view, direct) in &views {
        assert_eq!(
            (
                view["status"].as_u64().unwrap(),
                view["body"].as_str().unwrap()
            ),
            (u64::from(direct.status.as_u16()), direct.body.as_str()),
            "{}",
            view["facade"]
        );
    }
    let zopim = &views
        .iter()
        .find(|(v, _)| v["facade"] == "zopim")
        .unwrap()
        .0;
    assert_eq!(zopim["status"], 404);
}

#[tokio::test]
async fn views_of_an_unknown_department_or_tenant_are_the_gateways_404_and_change_nothing() {
    let app = spawn_app().await;
    let cases = [
        (
            "/_gateway/tenants/default/departments/99/views",
            "there is no department 99",
        ),
        (
            "/_gateway/tenants/default/departments/x1/views",
            "No route matches this path",
        ),
        (
            "/_gateway/tenants/default/departments/-1/views",
            "No route matches this path",
        ),
        (
            "/_gateway/tenants/nobody/departments/1/views",
            "there is no tenant named nobody",
        ),
        (
            "/_gateway/tenants/nobody/records",
            "there is no tenant named nobody",
        ),
    ];
    for (path, description) in cases {
        let reply = call(&app, Method::GET, path).await;
        assert_gateway_error(&reply, StatusCode::NOT_FOUND, description);
    }
    assert_eq!(app.handle.store().view().version(), 0);
}

#[tokio::test]
async fn the_mapping_names_only_fields_the_facades_serve() {
    // Every path mapping.json names for a department is a field in that facade's view of the
    // fully set department of the default data (Sales), or one that only appears in some states.
    let app = spawn_app().await;
    let mapping = call(&app, Method::GET, "/_gateway/ui/mapping.json")
        .await
        .json();
    let views = views_and_direct_reads(&app, "default", 1).await;
    let sometimes = [
        "department.archived",
        "department.requestTagBeforeClosingChat",
        "department.chatClosingTags",
        "department.fallbackForwardDepartment",
        "department.offlineMessageChannelName",
        "department.departmentsAllowedToForward",
    ];
    for field in mapping["fields"].as_array().unwrap() {
        for (view, _) in &views {
            let facade = view["facade"].as_str().unwrap();
            for path in field[facade].as_array().into_iter().flatten() {
                let path = path.as_str().unwrap();
                if sometimes.contains(&path) {
                    continue;
                }
                let last = path.rsplit(['.', ']']).next().unwrap();
                let body = view["body"].as_str().unwrap();
                let present =
                    body.contains(&format!("\"{last}\"")) || body.contains(&format!("<{last}"));
                assert!(present, "{facade}: {path} is not in {body}");
            }
        }
    }
}

#[test]
fn the_mapping_served_to_the_page_follows_docs_mapping_md() {
    // Each field of mapping.json has its row in docs/mapping.md, and each name the page lights
    // for it is named in that row: the page's correspondence is the document's.
    let mapping: Value = serde_json::from_str(include_str!("../../../ui/mapping.json")).unwrap();
    let doc = include_str!("../../../docs/mapping.md");
    for field in mapping["fields"].as_array().unwrap() {
        let name = field["field"].as_str().unwrap();
        let row = doc
            .lines()
            .find(|line| {
                line.starts_with(&format!("| `{name}` "))
                    || line.starts_with(&format!("| {name} ("))
            })
            .unwrap_or_else(|| panic!("docs/mapping.md has no row for {name}"));
        for facade in ["zopim", "rocketchat", "zendesk", "support"] {
            for path in field[facade].as_array().into_iter().flatten() {
                let last = path.as_str().unwrap().rsplit('.').next().unwrap();
                assert!(
                    row.contains(last),
                    "{name}: {facade}'s {last} is not in its row: {row}"
                );
            }
        }
    }
}
