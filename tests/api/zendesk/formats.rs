//! JSON and content negotiation (issue 16, "Classic Zendesk"): every classic route also answers
//! as `.json`, and a path without an extension by its `Accept` header, as Rails' `respond_to`
//! did. Bodies are compared whole; docs/zendesk.md ("Formats") names the sources.

use super::*;

const JSON: &str = "application/json; charset=utf-8";

/// What the 2010-era gems send to a path without an extension (rest-client 1.x's default, used
/// by jg-zendesk/zendesk `lib/zendesk/base.rb`).
const OLD_GEM_ACCEPT: &str = "*/*; q=0.5, application/xml";

const SALES_JSON: &str = r#"{"created_at":"2024-01-15T09:10:00Z","id":1,"is_active":true,"name":"Sales","updated_at":"2024-01-15T09:10:00Z"}"#;
const SUPPORT_JSON: &str = r#"{"created_at":"2024-01-15T09:11:00Z","id":2,"is_active":true,"name":"Support","updated_at":"2024-01-15T09:11:00Z"}"#;
const BILLING_JSON: &str = r#"{"created_at":"2024-01-15T09:12:00Z","id":3,"is_active":true,"name":"Billing","updated_at":"2024-01-15T09:12:00Z"}"#;
const ALEX_JSON: &str = r#"{"created_at":"2024-01-15T09:00:00Z","email":"admin@example.com","id":1,"is_active":true,"name":"Alex Admin","roles":2,"time_zone":"Europe/Paris","updated_at":"2024-01-15T09:00:00Z"}"#;
const SAM_JSON: &str = r#"{"created_at":"2024-01-15T09:05:00Z","email":"agent@example.com","id":2,"is_active":true,"name":"Sam Agent","roles":4,"time_zone":"America/New_York","updated_at":"2024-01-15T09:05:00Z"}"#;
const MARIA_JSON: &str = r#"{"created_at":"2024-02-01T08:30:00Z","email":"maria@example.com","id":3,"is_active":true,"name":"Maria Lopez","roles":4,"time_zone":"Europe/Madrid","updated_at":"2024-02-01T08:30:00Z"}"#;

/// `record` with one more, last, key holding `items`.
fn json_with(record: &str, key: &str, items: &[&str]) -> String {
    let open = record.strip_suffix('}').expect("an object");
    format!("{open},\"{key}\":[{}]}}", items.join(","))
}

fn json_array(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}

fn default_users_json() -> Vec<String> {
    vec![
        json_with(ALEX_JSON, "groups", &[SALES_JSON]),
        json_with(SAM_JSON, "groups", &[SALES_JSON, SUPPORT_JSON]),
        json_with(MARIA_JSON, "groups", &[SUPPORT_JSON, BILLING_JSON]),
    ]
}

/// A request as the administrator, with whatever headers the test adds.
fn admin(app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .basic_auth(ZD_ADMIN.0, Some(ZD_ADMIN.1))
}

fn json_body(request: reqwest::RequestBuilder, body: &str) -> reqwest::RequestBuilder {
    request
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_owned())
}

#[track_caller]
fn assert_json_body(reply: &Reply, status: StatusCode, body: &str, case: &str) {
    assert_eq!(
        reply.status, status,
        "{case}: status (body {:?})",
        reply.body
    );
    assert_eq!(reply.content_type(), Some(JSON), "{case}: content type");
    assert_eq!(reply.body, body, "{case}: body");
}

#[tokio::test]
async fn every_read_answers_as_json_without_a_root_and_lists_as_bare_arrays() {
    // See: issue 16 ("Every classic route also answers as JSON"); the C# client
    // eneifert/ZenDeskApi (2011) read these straight into its classes (docs/zendesk.md, "Formats").
    let app = spawn_app().await;
    let z = app.zendesk();
    let sales = json_with(SALES_JSON, "users", &[ALEX_JSON, SAM_JSON]);
    let sam = json_with(SAM_JSON, "groups", &[SALES_JSON, SUPPORT_JSON]);
    let alex = json_with(ALEX_JSON, "groups", &[SALES_JSON]);

    for (path, body) in [
        (
            "/groups.json",
            json_array(&[SALES_JSON.into(), SUPPORT_JSON.into(), BILLING_JSON.into()]),
        ),
        ("/groups/1.json", sales.clone()),
        ("/api/v1/groups/1.json", sales),
        (
            "/groups/2/users.json",
            json_array(&default_users_json()[1..]),
        ),
        ("/users.json", json_array(&default_users_json())),
        ("/api/v1/users.json", json_array(&default_users_json())),
        ("/users.json?role=2", json_array(&default_users_json()[..1])),
        ("/users.json?page=2", "[]".to_owned()),
        ("/users/2.json", sam),
        ("/users/current.json", alex),
    ] {
        assert_json_body(&z.get(path).await, StatusCode::OK, &body, path);
    }
}

#[tokio::test]
async fn a_group_is_created_updated_and_destroyed_in_json() {
    let app = spawn_app().await;
    let port = app.handle.addr().port();

    // Rails' params: the record under its root, `agents` a plain array (eventbrite's README also
    // wrote `[{"agent": 123}]`, taken too).
    let created = app
        .send(json_body(
            admin(&app, Method::POST, "/groups.json"),
            r#"{"group":{"name":"Hardware","agents":[2,{"agent":3}]}}"#,
        ))
        .await;
    let times = group_times(&app, 4);
    let hardware = |name: &str, times: (String, String), users: &[&str]| {
        let group = format!(
            r#"{{"created_at":"{}","id":4,"is_active":true,"name":"{name}","updated_at":"{}"}}"#,
            times.0, times.1
        );
        json_with(&group, "users", users)
    };
    assert_json_body(
        &created,
        StatusCode::CREATED,
        &hardware("Hardware", times, &[SAM_JSON, MARIA_JSON]),
        "POST /groups.json",
    );
    assert_eq!(
        location(&created),
        Some(format!("http://127.0.0.1:{port}/groups/4.json").as_str())
    );

    // The record alone, as these answers write it, is read too.
    let updated = app
        .send(json_body(
            admin(&app, Method::PUT, "/groups/4.json"),
            r#"{"name":"Hardware and ICP","agents":[]}"#,
        ))
        .await;
    assert_json_body(
        &updated,
        StatusCode::OK,
        &hardware("Hardware and ICP", group_times(&app, 4), &[]),
        "PUT /groups/4.json",
    );

    let destroyed = app
        .send(admin(&app, Method::DELETE, "/groups/4.json"))
        .await;
    assert_empty_ok(&destroyed, "DELETE /groups/4.json");
    let shown = app.zendesk().get("/groups/4.json").await;
    assert!(
        shown.body.contains(r#""is_active":false"#),
        "{}",
        shown.body
    );
    app.assert_invariants();
}

#[tokio::test]
async fn a_user_is_created_and_updated_in_json() {
    let app = spawn_app().await;
    let port = app.handle.addr().port();

    let created = app
        .send(json_body(
            admin(&app, Method::POST, "/users.json"),
            r#"{"user":{"name":"Howard Schultz","email":"howard@starbucks.com","roles":4,"time_zone":null}}"#,
        ))
        .await;
    let (c, u) = user_times(&app, 4);
    let howard = |name: &str, u: &str| {
        format!(
            r#"{{"created_at":"{c}","email":"howard@starbucks.com","id":4,"is_active":true,"name":"{name}","roles":4,"time_zone":null,"updated_at":"{u}","groups":[]}}"#
        )
    };
    assert_json_body(
        &created,
        StatusCode::CREATED,
        &howard("Howard Schultz", &u),
        "POST",
    );
    assert_eq!(
        location(&created),
        Some(format!("http://127.0.0.1:{port}/users/4.json").as_str())
    );

    let updated = app
        .send(json_body(
            admin(&app, Method::PUT, "/users/4.json"),
            r#"{"user":{"name":"Howard S."}}"#,
        ))
        .await;
    let (_, u) = user_times(&app, 4);
    assert_json_body(&updated, StatusCode::OK, &howard("Howard S.", &u), "PUT");
}

#[tokio::test]
async fn a_body_is_read_by_its_content_type_and_answered_in_the_url_format() {
    // See: pgericson/zendesk-api (2010) `:format => 'json'` posts `Content-Type: application/xml`
    // bodies to `/users.json`; Rails read params by Content-Type.
    let app = spawn_app().await;

    let xml_to_json = app
        .zendesk()
        .post("/groups.json", "<group><name>Hardware</name></group>")
        .await;
    let json_to_xml = app
        .send(json_body(
            admin(&app, Method::PUT, "/groups/4.xml"),
            r#"{"group":{"name":"Hardware 2"}}"#,
        ))
        .await;

    assert_eq!(
        xml_to_json.status,
        StatusCode::CREATED,
        "{}",
        xml_to_json.body
    );
    assert_eq!(xml_to_json.content_type(), Some(JSON));
    assert!(
        xml_to_json.body.contains(r#""name":"Hardware""#),
        "{}",
        xml_to_json.body
    );
    assert_xml(
        &json_to_xml,
        StatusCode::OK,
        &document(&group_with_users(
            &group_fragment(4, "Hardware 2", true, group_times(&app, 4)),
            &[],
        )),
        "JSON body to .xml",
    );
}

#[tokio::test]
async fn every_error_is_written_in_json_on_a_json_route() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;

    // The 401 Zendesk sends on `/api/v1/users.json` (docs/zendesk.md, "Formats").
    let anonymous = app
        .send(app.client.get(app.url("/api/v1/users.json")))
        .await;
    assert_json_body(
        &anonymous,
        StatusCode::UNAUTHORIZED,
        r#"{"error":"Couldn't authenticate you"}"#,
        "401",
    );
    assert_eq!(
        anonymous
            .headers
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok()),
        Some("Basic realm=\"Web Password\"")
    );
    let agent = app
        .send(
            app.client
                .delete(app.url("/groups/1.json"))
                .basic_auth(ZD_AGENT.0, Some(ZD_AGENT.1)),
        )
        .await;
    assert_json_body(
        &agent,
        StatusCode::FORBIDDEN,
        r#"{"error":"Access denied"}"#,
        "403",
    );

    for (method, path, body, status, expected) in [
        (
            Method::GET,
            "/groups/99.json",
            None,
            StatusCode::NOT_FOUND,
            r#"{"error":"Not found"}"#,
        ),
        (
            Method::GET,
            "/groups/abc.json",
            None,
            StatusCode::NOT_FOUND,
            r#"{"error":"Not found"}"#,
        ),
        (
            Method::GET,
            "/users.json?page=0",
            None,
            StatusCode::BAD_REQUEST,
            r#"{"error":"page must be a positive integer"}"#,
        ),
        // ActiveResource's `from_json` reads Rails' full messages under "errors".
        (
            Method::POST,
            "/groups.json",
            Some(r#"{"group":{"name":""}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"errors":["Name can't be blank"]}"#,
        ),
        (
            Method::POST,
            "/users.json",
            Some(r#"{"user":{"email":"nope","roles":3}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"errors":["Name can't be blank","Email is invalid","Roles is invalid"]}"#,
        ),
        (
            Method::PUT,
            "/groups/1.json",
            Some(r#"{"group":{"agents":[99]}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"errors":["Agents is invalid: no agent has id 99"]}"#,
        ),
        (
            Method::POST,
            "/groups.json",
            Some(r#"{"group":{"name":"A""#),
            StatusCode::BAD_REQUEST,
            r#"{"error":"Malformed JSON: EOF while parsing an object at line 1 column 20"}"#,
        ),
        (
            Method::POST,
            "/groups.json",
            Some(r#"{"group":{"name":"A","name":"B"}}"#),
            StatusCode::BAD_REQUEST,
            r#"{"error":"'group.name' is given more than once"}"#,
        ),
        (
            Method::POST,
            "/groups.json",
            Some(r#"{"group":"Sales"}"#),
            StatusCode::BAD_REQUEST,
            r#"{"error":"The body must be a JSON object: {\"group\": {...}} or the group's fields"}"#,
        ),
    ] {
        let mut request = admin(&app, method.clone(), path);
        if let Some(body) = body {
            request = json_body(request, body);
        }
        let reply = app.send(request).await;

        assert_json_body(
            &reply,
            status,
            expected,
            &format!("{method} {path} {body:?}"),
        );
    }
    assert_unchanged(&app, &before, "after the JSON errors").await;
}

#[tokio::test]
async fn a_path_without_extension_is_answered_by_its_accept_header() {
    // See: issue 16 ("the 2010-era gems send `Accept: */*; q=0.5, application/xml` to exactly
    // such paths, and today get 404"); Rails' `respond_to` chose by Accept.
    let app = spawn_app().await;
    let sam = document(&user_with_groups(SAM, &[SALES, SUPPORT]));

    for (path, accept, expected_xml) in [
        ("/users/2", Some(OLD_GEM_ACCEPT), sam.clone()),
        ("/users/2", None, sam.clone()),
        ("/users/2", Some("*/*"), sam.clone()),
        ("/api/v1/users/2", Some("text/xml"), sam),
        (
            "/groups/1/users",
            Some(OLD_GEM_ACCEPT),
            list("users", 2, &default_users()[..2]),
        ),
        (
            "/users/current",
            Some(OLD_GEM_ACCEPT),
            document(&user_with_groups(ALEX, &[SALES])),
        ),
        (
            "/groups",
            Some(OLD_GEM_ACCEPT),
            list(
                "groups",
                3,
                &[SALES.to_owned(), SUPPORT.to_owned(), BILLING.to_owned()],
            ),
        ),
        (
            "/users",
            Some(OLD_GEM_ACCEPT),
            list("users", 3, &default_users()),
        ),
    ] {
        let z = app.zendesk();
        let z = match accept {
            Some(accept) => z.with_header("accept", accept),
            None => z,
        };
        let reply = z.get(path).await;

        assert_xml(
            &reply,
            StatusCode::OK,
            &expected_xml,
            &format!("{path} {accept:?}"),
        );
    }

    // RestSharp's default Accept names JSON first (the C# client eneifert/ZenDeskApi, 2011).
    let restsharp = app
        .zendesk()
        .with_header(
            "accept",
            "application/json, application/xml, text/json, text/x-json, text/javascript, text/xml",
        )
        .get("/users/current")
        .await;
    assert_json_body(
        &restsharp,
        StatusCode::OK,
        &json_with(ALEX_JSON, "groups", &[SALES_JSON]),
        "RestSharp",
    );
}

#[tokio::test]
async fn an_accept_naming_neither_format_is_406_without_a_body_after_authentication() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;

    for accept in ["text/html", "application/*", "application/json;q=0"] {
        let read = app
            .zendesk()
            .with_header("accept", accept)
            .get("/users/2")
            .await;
        let write = app
            .zendesk()
            .with_header("accept", accept)
            .post("/groups", "<group><name>Hardware</name></group>")
            .await;

        for (reply, case) in [(read, "GET"), (write, "POST")] {
            assert_eq!(reply.status, StatusCode::NOT_ACCEPTABLE, "{accept} {case}");
            assert_eq!(reply.body, "", "{accept} {case}");
        }
    }
    // Rails' filters ran before `respond_to`: no credentials is still a 401 (in XML, the format
    // when Accept names none).
    let anonymous = app
        .zendesk()
        .anonymous()
        .with_header("accept", "text/html")
        .get("/users/2")
        .await;
    assert_unauthenticated(&anonymous, "anonymous, text/html");
    assert_unchanged(&app, &before, "after the 406s").await;
}

#[tokio::test]
async fn a_record_created_without_extension_is_located_without_one() {
    let app = spawn_app().await;
    let port = app.handle.addr().port();

    let reply = app
        .zendesk()
        .with_header("accept", OLD_GEM_ACCEPT)
        .post("/groups", "<group><name>Hardware</name></group>")
        .await;

    assert_xml(
        &reply,
        StatusCode::CREATED,
        &document(&group_with_users(
            &group_fragment(4, "Hardware", true, group_times(&app, 4)),
            &[],
        )),
        "POST /groups",
    );
    assert_eq!(
        location(&reply),
        Some(format!("http://127.0.0.1:{port}/groups/4").as_str())
    );
}
