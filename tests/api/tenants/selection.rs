//! Choosing a tenant: by path prefix `/t/{name}`, by the `X-Deskbridge-Tenant` header, by host,
//! in that order, through every facade; an unknown tenant is the asked vendor's own 404.

use reqwest::header::HOST;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::helpers::{ADMIN_TOKEN, ZD_ADMIN, spawn_app, spawn_app_with};

/// How a request names the tenant `acme`.
#[derive(Debug, Clone, Copy)]
enum By {
    Path,
    Header,
    Host,
}

/// A request for `path` in tenant `tenant`, named the `by` way.
fn request(
    app: &TestApp,
    by: By,
    tenant: &str,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    let port = app.handle.addr().port();
    match by {
        By::Path => app
            .client
            .request(method, app.url(&format!("/t/{tenant}{path}"))),
        By::Header => app
            .client
            .request(method, app.url(path))
            .header("X-Deskbridge-Tenant", tenant),
        By::Host => app
            .client
            .request(method, app.url(path))
            .header(HOST, format!("{tenant}.localhost:{port}")),
    }
}

async fn zopim_count(app: &TestApp, request: reqwest::RequestBuilder) -> usize {
    let reply = app.send(request.bearer_auth(ADMIN_TOKEN)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json().as_array().unwrap().len()
}

#[tokio::test]
async fn each_way_of_naming_a_tenant_reaches_it_through_every_facade() {
    for by in [By::Path, By::Header, By::Host] {
        // Arrange
        let app = spawn_app().await;
        create_ok(&app, "acme", json!({"fixtures": true})).await;

        // Act: one write through each facade, in acme.
        let zopim = app
            .send(
                request(&app, by, "acme", Method::POST, "/api/v2/chat/departments")
                    .bearer_auth(ADMIN_TOKEN)
                    .json(&json!({"name": "Zopim in acme"})),
            )
            .await;
        let login = app
            .send(
                request(&app, by, "acme", Method::POST, "/api/v1/login")
                    .json(&json!({"user": "admin", "password": "admin"})),
            )
            .await;
        let session = login.json()["data"].clone();
        let rocketchat = app
            .send(
                request(&app, by, "acme", Method::POST, "/api/v1/livechat/department")
                    .header("X-Auth-Token", session["authToken"].as_str().unwrap())
                    .header("X-User-Id", session["userId"].as_str().unwrap())
                    .json(&json!({"department": {"name": "Rocket.Chat in acme", "enabled": true,
                                   "showOnRegistration": true, "showOnOfflineForm": true, "email": "a@b.c"}})),
            )
            .await;
        let classic = app
            .send(
                request(&app, by, "acme", Method::POST, "/groups.xml")
                    .basic_auth(ZD_ADMIN.0, Some(ZD_ADMIN.1))
                    .header("Content-Type", "application/xml")
                    .body("<group><name>Classic in acme</name></group>"),
            )
            .await;

        // Assert
        assert_eq!(zopim.status, StatusCode::CREATED, "{by:?} {}", zopim.body);
        assert_eq!(login.status, StatusCode::OK, "{by:?} {}", login.body);
        assert_eq!(
            rocketchat.status,
            StatusCode::OK,
            "{by:?} {}",
            rocketchat.body
        );
        assert_eq!(
            classic.status,
            StatusCode::CREATED,
            "{by:?} {}",
            classic.body
        );
        let host = match by {
            By::Host => format!("acme.localhost:{}", app.handle.addr().port()),
            By::Path | By::Header => app.handle.addr().to_string(),
        };
        let mount = if matches!(by, By::Path) {
            "/t/acme"
        } else {
            ""
        };
        assert_eq!(
            classic.headers.get("location").unwrap(),
            &format!("http://{host}{mount}/groups/6.xml"),
            "{by:?}: the Location brings the client back to its tenant"
        );
        let in_acme = request(&app, by, "acme", Method::GET, "/api/v2/chat/departments");
        assert_eq!(zopim_count(&app, in_acme).await, 6, "{by:?}");
        let in_default = app.client.get(app.url("/api/v2/chat/departments"));
        assert_eq!(
            zopim_count(&app, in_default).await,
            3,
            "{by:?}: default unchanged"
        );
        app.assert_invariants();
    }
}

#[tokio::test]
async fn an_unknown_tenant_is_the_asked_vendors_own_404_and_changes_nothing() {
    let app = spawn_app().await;
    // What each facade answers for a path it has no route for.
    let own_404 = [
        ("/api/v2/chat/departments", "/api/v2/chat/no-such-route"),
        ("/api/v1/livechat/department", "/api/v1/no-such-route"),
        ("/groups.xml", "/groups/no-such-route"),
    ];
    for (path, unrouted) in own_404 {
        let expected = app.send(app.client.get(app.url(unrouted))).await;
        assert_eq!(expected.status, StatusCode::NOT_FOUND, "{unrouted}");
        for by in [By::Path, By::Header, By::Host] {
            for method in [Method::GET, Method::POST] {
                let reply = app
                    .send(request(&app, by, "ghost", method.clone(), path).bearer_auth(ADMIN_TOKEN))
                    .await;
                assert_eq!(
                    (reply.status, reply.content_type(), reply.body.as_str()),
                    (
                        expected.status,
                        expected.content_type(),
                        expected.body.as_str()
                    ),
                    "{by:?} {method} {path}"
                );
            }
        }
    }
    let list = call(&app, Method::GET, "/_gateway/tenants").await.json();
    assert_eq!(list["tenants"].as_array().unwrap().len(), 1);
    assert_eq!(app.handle.store().view().version(), 0);
}

#[tokio::test]
async fn the_path_prefix_wins_over_the_header_and_the_header_over_the_host() {
    let app = spawn_app().await;
    create_ok(&app, "one", json!({"empty": true})).await;
    create_ok(&app, "two", json!({"fixtures": true})).await;
    let port = app.handle.addr().port();
    // `one` is empty: its Zopim answers 401 to the default token; `two` has the default data.
    let both = app
        .client
        .get(app.url("/t/two/api/v2/chat/departments"))
        .header("X-Deskbridge-Tenant", "one")
        .header(HOST, format!("one.localhost:{port}"));
    assert_eq!(zopim_count(&app, both).await, 3);
    let header_and_host = app
        .client
        .get(app.url("/api/v2/chat/departments"))
        .header("X-Deskbridge-Tenant", "two")
        .header(HOST, format!("one.localhost:{port}"));
    assert_eq!(zopim_count(&app, header_and_host).await, 3);
    let in_one = app.send(
        app.client
            .get(app.url("/api/v2/chat/departments"))
            .header(HOST, format!("one.localhost:{port}"))
            .bearer_auth(ADMIN_TOKEN),
    );
    assert_eq!(in_one.await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_configured_host_suffix_names_tenants_as_localhost_does() {
    let app =
        spawn_app_with(|config| config.tenant_host_suffix = Some("zendesk.test".into())).await;
    create_ok(&app, "acme", json!({"empty": true})).await;
    for (host, status) in [
        ("acme.zendesk.test", StatusCode::UNAUTHORIZED),
        ("acme.localhost", StatusCode::UNAUTHORIZED),
        ("ghost.zendesk.test", StatusCode::NOT_FOUND),
        ("zendesk.test", StatusCode::OK),
        ("acme.example.com", StatusCode::OK),
    ] {
        let reply = app
            .send(
                app.client
                    .get(app.url("/api/v2/chat/departments"))
                    .header(HOST, host)
                    .bearer_auth(ADMIN_TOKEN),
            )
            .await;
        assert_eq!(reply.status, status, "{host}: {}", reply.body);
    }
}

#[tokio::test]
async fn the_control_plane_is_outside_every_tenant() {
    let app = spawn_app().await;
    let reply = app
        .send(
            app.client
                .get(app.url("/_gateway/tenants"))
                .header("X-Deskbridge-Tenant", "ghost"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // Under a tenant's mount, `/_gateway/` is no route of that tenant.
    create_ok(&app, "acme", json!({"empty": true})).await;
    let reply = app
        .send(app.client.get(app.url("/t/acme/_gateway/tenants")))
        .await;
    assert_gateway_error(&reply, StatusCode::NOT_FOUND, "No route matches this path");
}

#[tokio::test]
async fn a_connection_that_used_a_tenant_finds_it_gone_once_deleted_and_finds_its_successor() {
    // One client, so one keep-alive connection, which keeps the tenant it last named.
    let app = spawn_app().await;
    create_ok(&app, "acme", json!({"fixtures": true})).await;
    for by in [By::Path, By::Header] {
        let count = request(&app, by, "acme", Method::GET, "/api/v2/chat/departments");
        assert_eq!(zopim_count(&app, count).await, 3, "{by:?}");
    }
    let deleted = call(&app, Method::DELETE, "/_gateway/tenants/acme").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    for by in [By::Path, By::Header] {
        let reply = app
            .send(
                request(&app, by, "acme", Method::GET, "/api/v2/chat/departments")
                    .bearer_auth(ADMIN_TOKEN),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{by:?}: {}",
            reply.body
        );
    }
    // A new tenant of the same name is a new tenant, not the one the connection kept.
    create_ok(&app, "acme", json!({"fixtures": true})).await;
    app.send(
        request(
            &app,
            By::Path,
            "acme",
            Method::POST,
            "/api/v2/chat/departments",
        )
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"name": "Only in the new acme"})),
    )
    .await;
    for by in [By::Path, By::Header] {
        let count = request(&app, by, "acme", Method::GET, "/api/v2/chat/departments");
        assert_eq!(zopim_count(&app, count).await, 4, "{by:?}");
    }
}
