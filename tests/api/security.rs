//! Security across the three front doors.
//!
//! - Every route of every facade's route table (the tables the facades route with, not a copy)
//!   is sent without credentials, with garbage ones, with another vendor's valid ones, and with a
//!   token of the right vendor but the wrong kind: each answers its vendor's 401 and nothing
//!   changes. Only `GET /_gateway/health` and Rocket.Chat's `login` and `livechat/config` answer
//!   without credentials.

use base64::Engine;
use deskbridge::facades::{rocketchat, zendesk, zopim};
use reqwest::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_TOKEN, RC_ADMIN_ID, RC_AGENT_ID, Reply, TestApp, ZD_ADMIN, ZD_ADMIN_API_TOKEN,
    spawn_app_on,
};

/// The default data's Sales department, as Rocket.Chat names it.
const SALES_UID: &str = "65a4f0c2e4b0a1b2c3d4e5f1";

/// Staff of every role besides the default data's, each with a Zopim bearer token, an XML API
/// token and a Rocket.Chat session preset, so that no test pays for Argon2: (username, model
/// roles, Rocket.Chat user id).
const ROLES: [(&str, &str, &str); 5] = [
    ("owner", "owner", "SecRxAAAAAAAAAAA2"),
    ("administrator", "administrator", "SecRxAAAAAAAAAAA3"),
    ("manager", "manager", "SecRxAAAAAAAAAAA4"),
    ("monitor", "monitor", "SecRxAAAAAAAAAAA5"),
    ("visitor", "end-user", "SecRxAAAAAAAAAAA6"),
];

/// The default data plus [`ROLES`], and sessions and API tokens for the default admin and agent.
/// Everyone's credentials are `bearer-<username>`, `api-<username>` and `session-<username>`.
fn fixtures() -> String {
    let mut data: Value = serde_json::from_str(deskbridge::fixtures::DEFAULT).unwrap();
    let agents = data["agents"].as_array_mut().unwrap();
    agents[0]["tokens"]["session"] = json!(["session-admin"]);
    agents[1]["tokens"]["session"] = json!(["session-agent"]);
    agents[1]["tokens"]["api"] = json!(["api-agent"]);
    for (i, (username, role, uid)) in ROLES.into_iter().enumerate() {
        agents.push(json!({
            "id": 10 + i, "uid": uid, "username": username, "name": username,
            "email": format!("{username}@example.com"), "roles": [role],
            "tokens": {"bearer": [format!("bearer-{username}")], "api": [format!("api-{username}")],
                       "session": [format!("session-{username}")]},
        }));
    }
    data.to_string()
}

fn basic(user: &str, secret: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"));
    format!("Basic {encoded}")
}

/// A request with exactly these headers.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, String)],
    body: Option<(&str, String)>,
) -> Reply {
    let mut request = app.client.request(method, app.url(path));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    if let Some((content_type, body)) = body {
        request = request.header(CONTENT_TYPE, content_type).body(body);
    }
    app.send(request).await
}

// ---------------------------------------------------------------------------------------------
// Every route needs credentials.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Door {
    Zopim,
    Rc,
    Xml,
}

/// A route of a facade's table with its path parameters filled with real ids.
struct Route {
    door: Door,
    method: Method,
    path: String,
}

fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut path = template.to_owned();
    for (name, value) in values {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    assert!(!path.contains('{'), "unfilled parameter in {template}");
    path
}

/// Every route of the three tables, under every prefix.
fn every_route() -> Vec<Route> {
    let mut routes = Vec::new();
    for prefix in zopim::PREFIXES {
        for (method, template, _) in zopim::ROUTES {
            let path = fill(
                template,
                &[
                    ("id", "1"),
                    ("name", "Sales"),
                    ("email", "admin%40example.com"),
                ],
            );
            let (door, method) = (Door::Zopim, method.clone());
            routes.push(Route {
                door,
                method,
                path: format!("{prefix}{path}"),
            });
        }
    }
    for (method, template, _) in rocketchat::ROUTES {
        let id = if template.starts_with("/settings") {
            "Livechat_enabled"
        } else if template.starts_with("/livechat/users") {
            RC_AGENT_ID
        } else {
            SALES_UID
        };
        let path = fill(
            &template.replace("{namespace}/{method}", "livechat/changeLivechatStatus"),
            &[
                ("_id", id),
                ("agentId", RC_AGENT_ID),
                ("type", "agent"),
                ("method", "livechat:changeLivechatStatus"),
            ],
        );
        routes.push(Route {
            door: Door::Rc,
            method: method.clone(),
            path: format!("{}{path}", rocketchat::PREFIX),
        });
    }
    for prefix in zendesk::PREFIXES {
        for (method, template, _) in zendesk::ROUTES {
            // Element routes take `<id>.xml` as their segment; a group's users take the bare id.
            let id = if template.ends_with("{id}") {
                "3.xml"
            } else {
                "3"
            };
            let path = fill(template, &[("id", id)]);
            routes.push(Route {
                door: Door::Xml,
                method: method.clone(),
                path: format!("{prefix}{path}"),
            });
        }
    }
    routes
}

/// Credentials that must open nothing at `door`: none, garbage, every other vendor's valid
/// credential, and the right vendor's header carrying a valid token of another kind.
fn refused_credentials(door: Door) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let bearer = |token: &str| vec![("authorization", format!("Bearer {token}"))];
    let session = |token: &str| {
        vec![
            ("x-auth-token", token.to_owned()),
            ("x-user-id", RC_ADMIN_ID.to_owned()),
        ]
    };
    let api = |token: &str| {
        vec![(
            "authorization",
            basic(&format!("{}/token", ZD_ADMIN.0), token),
        )]
    };
    let mut cases = vec![("no credentials", vec![])];
    let (garbage, foreign, wrong_kind) = match door {
        Door::Zopim => (
            bearer("garbage-token"),
            vec![
                ("a Rocket.Chat session", session("session-admin")),
                ("an XML API token", api(ZD_ADMIN_API_TOKEN)),
                (
                    "an XML password",
                    vec![("authorization", basic(ZD_ADMIN.0, ZD_ADMIN.1))],
                ),
            ],
            vec![
                ("a session token as a bearer token", bearer("session-admin")),
                ("an API token as a bearer token", bearer(ZD_ADMIN_API_TOKEN)),
            ],
        ),
        Door::Rc => (
            session("garbage-token"),
            vec![
                ("a Zopim bearer token", bearer(ADMIN_TOKEN)),
                ("an XML API token", api(ZD_ADMIN_API_TOKEN)),
                (
                    "an XML password",
                    vec![("authorization", basic(ZD_ADMIN.0, ZD_ADMIN.1))],
                ),
            ],
            vec![
                ("a bearer token as a session", session(ADMIN_TOKEN)),
                ("an API token as a session", session(ZD_ADMIN_API_TOKEN)),
            ],
        ),
        Door::Xml => (
            api("garbage-token"),
            vec![
                ("a Zopim bearer token", bearer(ADMIN_TOKEN)),
                ("a Rocket.Chat session", session("session-admin")),
            ],
            vec![
                ("a bearer token as an API token", api(ADMIN_TOKEN)),
                ("a session token as an API token", api("session-admin")),
            ],
        ),
    };
    cases.push(("garbage credentials", garbage));
    cases.extend(foreign);
    cases.extend(wrong_kind);
    cases
}

/// Asserts the vendor's 401, whole.
#[track_caller]
fn assert_unauthorized(door: Door, method: &Method, reply: &Reply, case: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "{case}: status (body {:?})",
        reply.body
    );
    let challenge = reply
        .headers
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok());
    let (content_type, body, expected_challenge) = match door {
        Door::Zopim => (
            "application/json",
            r#"{"error":"Unauthorized","description":"The server could not verify that you are authorized to access the requested resource"}"#,
            Some("Bearer"),
        ),
        Door::Rc => (
            "application/json",
            r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#,
            None,
        ),
        Door::Xml => (
            "application/xml; charset=utf-8",
            "<error>Couldn't authenticate you</error>",
            Some("Basic realm=\"Web Password\""),
        ),
    };
    assert_eq!(
        reply.content_type(),
        Some(content_type),
        "{case}: content type"
    );
    assert_eq!(challenge, expected_challenge, "{case}: challenge");
    // HEAD is answered like GET, without the body.
    let body = if *method == Method::HEAD { "" } else { body };
    assert_eq!(reply.body, body, "{case}: body");
}

/// A body the route could take, so that nothing but the credentials is wrong.
fn plausible_body(route: &Route) -> Option<(&'static str, String)> {
    if matches!(route.method, Method::GET | Method::HEAD | Method::DELETE) {
        return None;
    }
    Some(match route.door {
        Door::Zopim => ("application/json", r#"{"name":"Intruders"}"#.into()),
        Door::Rc => ("application/json", r#"{"value":true}"#.into()),
        Door::Xml => (
            "application/xml",
            "<group><name>Intruders</name></group>".into(),
        ),
    })
}

#[tokio::test]
async fn every_route_of_every_facade_refuses_missing_garbage_foreign_and_wrong_kind_credentials() {
    // Arrange
    let app = spawn_app_on(&fixtures()).await;
    let before = app.handle.store().view().version();
    let mut walked = 0;

    for route in every_route() {
        let public = route.door == Door::Rc
            && (route.path.ends_with("/login") || route.path.ends_with("/livechat/config"));
        if public {
            continue;
        }
        let mut methods = vec![route.method.clone()];
        if route.method == Method::GET {
            methods.push(Method::HEAD);
        }
        for method in methods {
            for (credentials, headers) in refused_credentials(route.door) {
                let case = format!("{method} {} with {credentials}", route.path);

                // Act
                let reply = send(
                    &app,
                    method.clone(),
                    &route.path,
                    &headers,
                    plausible_body(&route),
                )
                .await;

                // Assert
                assert_unauthorized(route.door, &method, &reply, &case);
                walked += 1;
            }
        }
    }

    let after = app.handle.store().view().version();
    assert_eq!(before, after, "a refused request changed the state");
    app.assert_invariants();
    // 24 Zopim, 28 Rocket.Chat and 24 XML routes, HEAD beside each GET.
    assert!(walked > 500, "only {walked} requests walked");
}

#[tokio::test]
async fn only_health_login_and_the_widget_config_answer_without_credentials() {
    let app = spawn_app_on(&fixtures()).await;

    let health = send(&app, Method::GET, "/_gateway/health", &[], None).await;
    let config = send(&app, Method::GET, "/api/v1/livechat/config", &[], None).await;
    let login_body = json!({"user": "admin", "password": "admin"}).to_string();
    let login = send(
        &app,
        Method::POST,
        "/api/v1/login",
        &[],
        Some(("application/json", login_body)),
    )
    .await;

    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, r#"{"status":"ok"}"#)
    );
    assert_eq!(config.status, StatusCode::OK, "{}", config.body);
    assert_eq!(config.json()["success"], true, "{}", config.body);
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.json()["data"]["userId"], RC_ADMIN_ID);
    let routes = every_route();
    let public: Vec<_> = routes
        .iter()
        .filter(|r| r.door == Door::Rc)
        .filter(|r| r.path.ends_with("/login") || r.path.ends_with("/livechat/config"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        public,
        ["POST /api/v1/login", "GET /api/v1/livechat/config"]
    );
}
