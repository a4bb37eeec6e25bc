//! Security across the three front doors.
//!
//! - Every route of every facade's route table (the tables the facades route with, not a copy)
//!   is sent without credentials, with garbage ones, with another vendor's valid ones, and with a
//!   token of the right vendor but the wrong kind: each answers its vendor's 401 and nothing
//!   changes. Only `GET /_gateway/health` and Rocket.Chat's `login` and `livechat/config` answer
//!   without credentials.
//! - Roles, walked over the same tables with valid credentials of every role (owner,
//!   administrator, manager, monitor, agent, end user):
//!   - Zopim: every route but `GET /agents/me` answers an agent, a manager, a monitor and an end
//!     user Zopim's exact 403 (the end user gets it on `me` too) and changes nothing; the owner and
//!     administrators get past authorization on every route.
//!   - Rocket.Chat: each route's `permissionsRequired` (spec §3, docs/rocketchat.md), written out
//!     here with the default role lists of spec §2.2, not read from the facade. A user lacking
//!     them gets the exact `error-unauthorized` 403 (`livechat/users/:type`'s own check: the bare
//!     `unauthorized` 403) and nothing changes; a user holding them gets through. With one
//!     permission's stored role list emptied (as `permissions.update` leaves it), the
//!     administrator is refused exactly the routes no other permission of theirs opens.
//!   - Classic XML: agents, managers and monitors are refused every write, end users everything
//!     but `users/current.xml`, with the exact `Access denied` document, and nothing changes;
//!     administrators and the owner get through every route.

use base64::Engine;
use deskbridge::facades::{rocketchat, zendesk, zopim};
use reqwest::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_TOKEN, AGENT_TOKEN, RC_ADMIN_ID, RC_AGENT_ID, Reply, TestApp, ZD_ADMIN,
    ZD_ADMIN_API_TOKEN, spawn_app_on,
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
    /// The classic API's `.xml` paths and those without an extension (XML without `Accept`).
    Xml,
    /// The classic API's `.json` paths (issue 16).
    XmlJson,
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
        routes.push(Route {
            door: Door::Rc,
            method: method.clone(),
            path: rc_path(template, "agent"),
        });
    }
    for prefix in zendesk::PREFIXES {
        for (method, template, _) in zendesk::ROUTES {
            // The collections without an extension are not served under `/api/v1`
            // (docs/zendesk.md, "Routes").
            if !prefix.is_empty() && matches!(*template, "/groups" | "/users") {
                continue;
            }
            // Element routes take `<id>.xml`, `<id>.json` or `<id>` as their segment; a group's
            // users take the bare id.
            let ids: &[&str] = if template.ends_with("{id}") {
                &["3.xml", "3.json", "3"]
            } else {
                &["3"]
            };
            for id in ids {
                let path = format!("{prefix}{}", fill(template, &[("id", id)]));
                let door = if path.ends_with(".json") {
                    Door::XmlJson
                } else {
                    Door::Xml
                };
                routes.push(Route {
                    door,
                    method: method.clone(),
                    path,
                });
            }
        }
    }
    routes
}

/// A Rocket.Chat route template with real ids, `{type}` being `user_type`.
fn rc_path(template: &str, user_type: &str) -> String {
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
            ("id", id),
            ("agentId", RC_AGENT_ID),
            ("type", user_type),
            ("method", "livechat:changeLivechatStatus"),
        ],
    );
    format!("{}{path}", rocketchat::PREFIX)
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
                // Zopim takes Basic `email:password` too (issue 16), so only a wrong one here.
                (
                    "Basic with a wrong password",
                    vec![("authorization", basic(ZD_ADMIN.0, "not-the-password"))],
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
        Door::Xml | Door::XmlJson => (
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
        Door::XmlJson => (
            "application/json; charset=utf-8",
            r#"{"error":"Couldn't authenticate you"}"#,
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
        // The typed `POST livechat/users/:type` checks its body before the credentials
        // (`packages/http-router/src/Router.ts`), so it gets one that passes.
        Door::Rc if route.path.contains("/livechat/users/") => {
            ("application/json", r#"{"username":"maria"}"#.into())
        }
        Door::Rc => ("application/json", r#"{"value":true}"#.into()),
        Door::Xml => (
            "application/xml",
            "<group><name>Intruders</name></group>".into(),
        ),
        Door::XmlJson => (
            "application/json",
            r#"{"group":{"name":"Intruders"}}"#.into(),
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

// ---------------------------------------------------------------------------------------------
// Roles: a caller who authenticates but may not take the action.

/// The Rocket.Chat user id of a user of [`fixtures`].
fn uid(username: &str) -> &'static str {
    match username {
        "admin" => RC_ADMIN_ID,
        "agent" => RC_AGENT_ID,
        _ => {
            ROLES
                .iter()
                .find(|(name, _, _)| *name == username)
                .unwrap_or_else(|| panic!("no user {username}"))
                .2
        }
    }
}

/// `username`'s credentials at `door`: a bearer token, a session, or an API token in Basic.
fn credentials(door: Door, username: &str) -> Vec<(&'static str, String)> {
    match door {
        Door::Zopim => {
            let token = match username {
                "admin" => ADMIN_TOKEN.to_owned(),
                "agent" => AGENT_TOKEN.to_owned(),
                _ => format!("bearer-{username}"),
            };
            vec![("authorization", format!("Bearer {token}"))]
        }
        Door::Rc => vec![
            ("x-auth-token", format!("session-{username}")),
            ("x-user-id", uid(username).to_owned()),
        ],
        Door::Xml | Door::XmlJson => {
            let token = match username {
                "admin" => ZD_ADMIN_API_TOKEN.to_owned(),
                _ => format!("api-{username}"),
            };
            let user = format!("{username}@example.com/token");
            vec![("authorization", basic(&user, &token))]
        }
    }
}

/// GET and, answered as GET, HEAD; any other method alone.
fn with_head(method: &Method) -> Vec<Method> {
    if *method == Method::GET {
        vec![Method::GET, Method::HEAD]
    } else {
        vec![method.clone()]
    }
}

/// The Rocket.Chat refusal for a missing `permissionsRequired` (spec §1.3).
const RC_NO_PERMISSION: &str = r#"{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}"#;

/// `API.v1.forbidden('error-not-authorized')`, as the typed `GET livechat/users/:type` answers
/// (`apps/meteor/app/livechat/imports/server/rest/users.ts`).
const RC_FORBIDDEN_BARE: &str = r#"{"success":false,"error":"error-not-authorized"}"#;

/// Asserts the vendor's 403, whole: `body` for Rocket.Chat, the door's only 403 otherwise.
#[track_caller]
fn assert_forbidden(door: Door, method: &Method, reply: &Reply, rc_body: &str, case: &str) {
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "{case}: status (body {:?})",
        reply.body
    );
    let (content_type, body) = match door {
        // docs/zopim-errors.md: "token valid, role not enough".
        Door::Zopim => (
            "application/json",
            r#"{"error":"Forbidden","description":"You don't have the permission to access the requested resource. It is either read-protected or not readable by the server."}"#.to_owned(),
        ),
        Door::Rc => ("application/json", rc_body.to_owned()),
        // docs/zendesk-errors.md: "signed in, role not enough".
        Door::Xml => (
            "application/xml; charset=utf-8",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>Access denied</error>\n".to_owned(),
        ),
        Door::XmlJson => (
            "application/json; charset=utf-8",
            r#"{"error":"Access denied"}"#.to_owned(),
        ),
    };
    assert_eq!(
        reply.content_type(),
        Some(content_type),
        "{case}: content type"
    );
    assert!(
        reply.headers.get(WWW_AUTHENTICATE).is_none(),
        "{case}: a 403 challenges nobody"
    );
    let body = if *method == Method::HEAD { "" } else { &body };
    assert_eq!(reply.body, body, "{case}: body");
}

/// Asserts the request got past authentication and authorization.
#[track_caller]
fn assert_let_through(reply: &Reply, case: &str) {
    assert!(
        reply.status != StatusCode::UNAUTHORIZED && reply.status != StatusCode::FORBIDDEN,
        "{case}: {} {:?}",
        reply.status,
        reply.body
    );
}

/// Every route of one facade's table.
fn routes_of(door: Door) -> Vec<Route> {
    every_route()
        .into_iter()
        .filter(|r| r.door == door)
        .collect()
}

// ---- Zopim: only the owner and administrators (spec A3), `agents/me` for all staff.

/// docs/zopim-errors.md, order of checks 5: everything but `/agents/me` needs the owner or
/// administrator role; `/agents/me` needs any role but end user (its PUT here sends no field
/// Zopim knows, so it changes nothing).
fn zopim_allows(username: &str, route: &Route) -> bool {
    let admin = matches!(username, "admin" | "owner" | "administrator");
    admin || (route.path.ends_with("/agents/me") && username != "visitor")
}

/// Sends every route of `door`'s table (and HEAD beside each GET) as each non-admin user: what
/// `allows` lets through must answer 200, the rest the vendor's exact 403. Nothing may change.
/// Returns how many were refused.
async fn walk_non_admins(door: Door, allows: fn(&str, &Route) -> bool) -> usize {
    // Arrange
    let app = spawn_app_on(&fixtures()).await;
    let before = app.handle.store().view().version();
    let mut refused = 0;

    for username in ["agent", "manager", "monitor", "visitor"] {
        for route in routes_of(door) {
            for method in with_head(&route.method) {
                let case = format!("{username}: {method} {}", route.path);

                // Act
                let reply = send(
                    &app,
                    method.clone(),
                    &route.path,
                    &credentials(door, username),
                    plausible_body(&route),
                )
                .await;

                // Assert
                if allows(username, &route) {
                    assert_eq!(reply.status, StatusCode::OK, "{case}: {}", reply.body);
                } else {
                    assert_forbidden(door, &method, &reply, "", &case);
                    refused += 1;
                }
            }
        }
    }

    assert_eq!(
        app.handle.store().view().version(),
        before,
        "a refused request changed the state"
    );
    app.assert_invariants();
    refused
}

#[tokio::test]
async fn zopim_refuses_every_route_to_agents_managers_monitors_and_end_users() {
    let refused = walk_non_admins(Door::Zopim, zopim_allows).await;

    // (19 routes + 10 HEAD) x 2 prefixes x 4 users, but for 3 staff x 3 methods (GET, HEAD, PUT)
    // x 2 prefixes on `me`.
    assert_eq!(refused, 29 * 2 * 4 - 3 * 3 * 2);
}

/// Sends every route of `door`'s table (and HEAD beside each GET) as the owner and each
/// administrator: none may be refused.
async fn walk_admins(door: Door) {
    let app = spawn_app_on(&fixtures()).await;

    for username in ["owner", "administrator", "admin"] {
        for route in routes_of(door) {
            for method in with_head(&route.method) {
                let case = format!("{username}: {method} {}", route.path);
                let reply = send(
                    &app,
                    method,
                    &route.path,
                    &credentials(door, username),
                    plausible_body(&route),
                )
                .await;
                assert_let_through(&reply, &case);
            }
        }
    }
    app.assert_invariants();
}

#[tokio::test]
async fn zopim_lets_the_owner_and_administrators_through_every_route() {
    walk_admins(Door::Zopim).await;
}

// ---- Classic XML: administrators write, agents read, end users see themselves.

/// docs/zendesk.md "who may call", docs/zendesk-errors.md: writes need an administrator (or the
/// owner), reads any staff role (managers and monitors are agents, `role` 4, there), and
/// `current.xml` anyone who signs in.
fn xml_allows(username: &str, route: &Route) -> bool {
    let admin = matches!(username, "admin" | "owner" | "administrator");
    let read = route.method == Method::GET;
    admin || route.path.contains("/users/current") || (read && username != "visitor")
}

#[tokio::test]
async fn classic_xml_refuses_writes_to_agents_and_everything_but_current_to_end_users() {
    let refused = walk_non_admins(Door::Xml, xml_allows).await;

    // `.xml` and no extension. Unprefixed: 12 writes for each of 3 staff, and all 36 requests but
    // the 4 to `current.xml` and `current` (GET and HEAD) for the end user; under `/api/v1`,
    // without the 2 collections' GET and POST: 10 writes, 30 requests.
    assert_eq!(refused, (12 * 3 + 32) + (10 * 3 + 26));
}

#[tokio::test]
async fn classic_json_refuses_writes_to_agents_and_everything_but_current_to_end_users() {
    let refused = walk_non_admins(Door::XmlJson, xml_allows).await;

    // Per prefix: 6 writes for each of 3 staff; 16 of 18 requests (all but current.json's GET
    // and HEAD) for the end user.
    assert_eq!(refused, 2 * (6 * 3 + 16));
}

#[tokio::test]
async fn classic_xml_lets_administrators_take_every_action() {
    walk_admins(Door::Xml).await;
}

#[tokio::test]
async fn classic_json_lets_administrators_take_every_action() {
    walk_admins(Door::XmlJson).await;
}

// ---- Rocket.Chat: `permissionsRequired` per route over the stored permission matrix.

/// Rocket.Chat's default role lists (spec §2.2; docs/rocketchat.md "Permissions" for the
/// admin-only ones), written here rather than read from the facade.
const RC_DEFAULT_ROLES: &[(&str, &[&str])] = &[
    ("view-l-room", &[MANAGER, MONITOR, AGENT, ADMIN]),
    ("view-livechat-departments", &[MANAGER, MONITOR, ADMIN]),
    ("manage-livechat-departments", &[MANAGER, MONITOR, ADMIN]),
    ("add-livechat-department-agents", &[MANAGER, MONITOR, ADMIN]),
    ("view-livechat-manager", &[MANAGER, MONITOR, ADMIN]),
    ("manage-livechat-agents", &[MANAGER, MONITOR, ADMIN]),
    ("transfer-livechat-guest", &[MANAGER, MONITOR, ADMIN]),
    ("remove-livechat-department", &[MANAGER, ADMIN]),
    ("edit-omnichannel-contact", &[MANAGER, AGENT, ADMIN]),
    ("access-permissions", &[ADMIN]),
    ("edit-privileged-setting", &[ADMIN]),
    ("view-privileged-setting", &[ADMIN]),
    ("create-user", &[ADMIN]),
    ("delete-user", &[ADMIN]),
    ("edit-other-user-info", &[ADMIN]),
    // Enterprise: `apps/meteor/ee/app/livechat-enterprise/server/permissions.ts`.
    ("manage-livechat-units", &[ADMIN, MANAGER]),
    ("manage-livechat-monitors", &[ADMIN, MANAGER]),
];
const ADMIN: &str = "admin";
const MANAGER: &str = "livechat-manager";
const MONITOR: &str = "livechat-monitor";
const AGENT: &str = "livechat-agent";

/// Each user's Rocket.Chat roles (docs/rocketchat.md "Roles"; the edition is Enterprise).
fn rc_roles(username: &str) -> &'static [&'static str] {
    match username {
        "admin" => &["user", ADMIN, AGENT],
        "owner" | "administrator" => &["user", ADMIN],
        "manager" => &["user", MANAGER],
        "monitor" => &["user", MONITOR],
        "agent" => &["user", AGENT],
        "visitor" => &["user"],
        other => panic!("no user {other}"),
    }
}

/// What a Rocket.Chat route needs beyond a session.
#[derive(Debug, Clone, Copy)]
enum Needs {
    /// No credentials at all.
    Public,
    /// A session and nothing more.
    Session,
    /// `permissionsRequired` with `hasAny`: refused with [`RC_NO_PERMISSION`].
    Any(&'static [&'static str]),
    /// `permissionsRequired` with `hasAll`: refused with [`RC_NO_PERMISSION`].
    All(&'static [&'static str]),
    /// The handler's own `hasAtLeastOnePermission` check: refused with [`RC_FORBIDDEN_BARE`].
    Handler(&'static [&'static str]),
}

const VIEW_DEPARTMENTS: &[&str] = &["view-livechat-departments", "view-l-room"];
const MANAGE_DEPARTMENTS: &[&str] = &["manage-livechat-departments"];

/// The permissions of each route: spec §3's table (#1-#15), docs/rocketchat.md "Routes" for the
/// others. `user_type` is `:type` of `livechat/users/:type`.
fn rc_needs(method: &Method, template: &str, user_type: &str) -> Needs {
    use Needs::*;
    match (method.as_str(), template) {
        ("POST", "/login") | ("GET", "/livechat/config") => Public,
        ("POST" | "GET", "/logout")
        | ("POST", "/users.setStatus")
        | ("POST", "/method.call/{method}")
        | ("POST", "/method.call/{namespace}/{method}")
        | ("GET", "/permissions.listAll") => Session,
        (
            "GET",
            "/livechat/department"
            | "/livechat/department/{_id}"
            | "/livechat/departments/archived"
            | "/livechat/department.autocomplete"
            | "/livechat/department/{_id}/agents"
            | "/livechat/department.listByIds",
        ) => Any(VIEW_DEPARTMENTS),
        (
            "POST",
            "/livechat/department"
            | "/livechat/department/{_id}/archive"
            | "/livechat/department/{_id}/unarchive",
        ) => All(MANAGE_DEPARTMENTS),
        ("GET", "/livechat/department/isDepartmentCreationAvailable") => {
            Any(&["view-livechat-departments", "manage-livechat-departments"])
        }
        ("PUT", "/livechat/department/{_id}") | ("POST", "/livechat/department/{_id}/agents") => {
            Any(&[
                "manage-livechat-departments",
                "add-livechat-department-agents",
            ])
        }
        ("DELETE", "/livechat/department/{_id}") => {
            Any(&["manage-livechat-departments", "remove-livechat-department"])
        }
        ("GET", "/livechat/agents/{agentId}/departments") => All(&["view-l-room"]),
        // `apps/meteor/app/livechat/imports/server/rest/users.ts`: the GET checks per type.
        ("GET", "/livechat/users/{type}") if user_type == "agent" => {
            Handler(&["transfer-livechat-guest", "edit-omnichannel-contact"])
        }
        ("GET", "/livechat/users/{type}") => Handler(&["view-livechat-manager"]),
        ("POST", "/livechat/users/{type}") | ("GET" | "DELETE", "/livechat/users/{type}/{_id}") => {
            All(&["view-livechat-manager"])
        }
        ("POST", "/users.create") => All(&["create-user"]),
        ("POST", "/users.delete") => All(&["delete-user"]),
        ("POST", "/permissions.update") => All(&["access-permissions"]),
        ("GET", "/settings/{_id}") => All(&["view-privileged-setting"]),
        ("POST", "/settings/{_id}") => All(&["edit-privileged-setting"]),
        // `units.ts`: `{POST: ['manage-livechat-units'], GET: []}` for the list.
        ("GET", "/livechat/units") => Session,
        ("POST", "/livechat/units")
        | ("GET" | "POST" | "DELETE", "/livechat/units/{id}")
        | (
            "GET",
            "/livechat/units/{id}/departments" | "/livechat/units/{id}/departments/available",
        ) => All(&["manage-livechat-units"]),
        ("GET", "/livechat/units/{id}/monitors") => All(&["manage-livechat-monitors"]),
        // `apps/meteor/app/livechat/server/api/v1/agent.ts`.
        ("POST", "/livechat/agent.status") => All(&["view-l-room"]),
        _ => panic!("{method} {template}: no expected permissions; add them from the spec"),
    }
}

/// Whether `username` holds `permission` when the permissions in `emptied` have no roles left.
fn rc_has(username: &str, permission: &str, emptied: &[&str]) -> bool {
    if emptied.contains(&permission) {
        return false;
    }
    let (_, roles) = RC_DEFAULT_ROLES
        .iter()
        .find(|(p, _)| *p == permission)
        .unwrap_or_else(|| panic!("{permission}: not in the default table"));
    roles.iter().any(|r| rc_roles(username).contains(r))
}

/// `None` when `username` may call a route needing `needs`; otherwise the 403 body expected.
fn rc_refusal(username: &str, needs: Needs, emptied: &[&str]) -> Option<&'static str> {
    let has = |p: &&str| rc_has(username, p, emptied);
    match needs {
        Needs::Public | Needs::Session => None,
        Needs::Any(list) => (!list.iter().any(has)).then_some(RC_NO_PERMISSION),
        Needs::All(list) => (!list.iter().all(has)).then_some(RC_NO_PERMISSION),
        Needs::Handler(list) => (!list.iter().any(has)).then_some(RC_FORBIDDEN_BARE),
    }
}

/// A Rocket.Chat route with what it needs and a request that passes its ajv schema, so that only
/// the permissions can fail.
struct RcCall {
    method: Method,
    path: String,
    body: Option<(&'static str, String)>,
    needs: Needs,
}

/// Every route of the table (`livechat/users/:type` as `agent` and `manager`), logout last.
fn rc_calls() -> Vec<RcCall> {
    let department = json!({
        "name": "Intruders", "email": "intruders@example.com", "enabled": true,
        "showOnRegistration": true, "showOnOfflineForm": true,
    });
    let mut calls = Vec::new();
    for (method, template, _) in rocketchat::ROUTES {
        // `GET logout` is `POST logout` again, and only one logout can come last.
        if *method == Method::GET && *template == "/logout" {
            continue;
        }
        let types: &[&str] = if template.contains("{type}") {
            &["agent", "manager"]
        } else {
            &["agent"]
        };
        for user_type in types {
            let mut path = rc_path(template, user_type);
            let body = match (method.as_str(), *template) {
                ("POST", "/livechat/department") => json!({"department": department}),
                ("PUT", "/livechat/department/{_id}") => json!({"department": department}),
                ("POST", "/livechat/department/{_id}/agents") => {
                    json!({"upsert": [], "remove": []})
                }
                ("POST", "/livechat/users/{type}") => json!({"username": "maria"}),
                ("POST", "/users.create") => json!({
                    "email": "intruder@example.com", "name": "Intruder",
                    "password": "intruder-password", "username": "intruder",
                }),
                ("POST", "/users.delete") => json!({"userId": "Kq3WzYd8NfR2sTgHx"}),
                ("POST", "/users.setStatus") => json!({"status": "away"}),
                ("POST", "/login") => json!({"user": "admin", "password": "admin"}),
                ("POST", t) if t.starts_with("/method.call") => json!({
                    "message": json!({"msg": "method", "id": "1",
                        "method": "livechat:changeLivechatStatus", "params": ["available"]})
                        .to_string(),
                }),
                ("POST", "/permissions.update") => json!({"permissions": [
                    {"_id": "view-l-room", "roles": [MANAGER, MONITOR, AGENT, ADMIN]},
                ]}),
                ("POST", "/settings/{_id}") => json!({"value": true}),
                // Sets the caller's own status: no second permission is asked for.
                ("POST", "/livechat/agent.status") => json!({"status": "available"}),
                _ => Value::Null,
            };
            match *template {
                "/livechat/department.autocomplete" => path.push_str("?selector=%7B%7D"),
                "/livechat/department.listByIds" => {
                    path.push_str(&format!("?ids%5B%5D={SALES_UID}"));
                }
                _ => {}
            }
            calls.push(RcCall {
                method: method.clone(),
                path,
                body: (!body.is_null()).then(|| ("application/json", body.to_string())),
                needs: rc_needs(method, template, user_type),
            });
        }
    }
    calls.sort_by_key(|c| c.path.ends_with("/logout"));
    calls
}

/// Walks every Rocket.Chat route as `username`, the permissions in `emptied` having no roles:
/// each route it lacks a permission for answers the exact 403 and changes nothing; every other
/// route whose method `let_through` picks passes authorization. Returns how many were refused.
async fn rc_walk(
    app: &TestApp,
    username: &str,
    emptied: &[&str],
    let_through: impl Fn(&Method) -> bool,
) -> usize {
    let mut refused = 0;
    for call in rc_calls() {
        if matches!(call.needs, Needs::Public) {
            continue;
        }
        let refusal = rc_refusal(username, call.needs, emptied);
        if refusal.is_none() && !let_through(&call.method) {
            continue;
        }
        for method in with_head(&call.method) {
            let case = format!("{username} without {emptied:?}: {method} {}", call.path);
            let before = app.handle.store().view().version();

            let reply = send(
                app,
                method.clone(),
                &call.path,
                &credentials(Door::Rc, username),
                call.body.clone(),
            )
            .await;

            match refusal {
                Some(body) => {
                    assert_forbidden(Door::Rc, &method, &reply, body, &case);
                    let after = app.handle.store().view().version();
                    assert_eq!(after, before, "{case}: the refusal changed the state");
                    refused += 1;
                }
                None => assert_let_through(&reply, &case),
            }
        }
    }
    refused
}

#[tokio::test]
async fn rocketchat_refuses_each_route_to_users_without_its_default_permissions() {
    let app = spawn_app_on(&fixtures()).await;
    let before = app.handle.store().view().version();

    let mut refused = 0;
    for username in ["agent", "manager", "monitor", "visitor"] {
        refused += rc_walk(&app, username, &[], |_| false).await;
    }

    assert_eq!(app.handle.store().view().version(), before);
    app.assert_invariants();
    // The end user alone is refused every route with a permission, 8 of them GETs with HEAD.
    assert!(refused > 40, "only {refused} refusals");
}

#[tokio::test]
async fn rocketchat_lets_each_role_through_the_routes_its_default_permissions_open() {
    for username in [
        "admin",
        "owner",
        "administrator",
        "manager",
        "monitor",
        "agent",
        "visitor",
    ] {
        // A gateway of its own for each user, whose writes (deleting users, removing agents)
        // must not change what the next one may do.
        let app = spawn_app_on(&fixtures()).await;
        rc_walk(&app, username, &[], |_| true).await;
        app.assert_invariants();
    }
}

#[tokio::test]
async fn rocketchat_refuses_the_administrator_a_permission_whose_roles_were_removed() {
    for (permission, _) in RC_DEFAULT_ROLES {
        // Arrange: the permission's stored role list is empty (as `permissions.update` leaves it).
        let mut data: Value = serde_json::from_str(&fixtures()).unwrap();
        data["settings"][format!("rocketchat.permission.{permission}")] = json!([]);
        let app = spawn_app_on(&data.to_string()).await;
        let before = app.handle.store().view().version();

        // Act + Assert: refused exactly the routes no other permission of theirs opens; the
        // reads another one opens still answer (writes would change the state checked here).
        let refused = rc_walk(&app, "admin", &[permission], |m| *m == Method::GET).await;

        assert_eq!(app.handle.store().view().version(), before, "{permission}");
        let alone = rc_calls()
            .iter()
            .any(|c| rc_refusal("admin", c.needs, &[permission]).is_some());
        assert_eq!(refused > 0, alone, "{permission}: {refused} refusals");
    }
}
