//! The classic Zendesk XML facade, route by route (spec part B): groups and users as ActiveResource
//! clients see them, HTTP Basic (password and API token), `X-On-Behalf-Of`,
//! `X-Http-Method-Override`, and the XML error for every bad input, with the state unchanged.
//!
//! Bodies are compared whole, byte for byte: the default data's documents are written out below
//! as the gateway must send them.

use std::time::Duration;

use crate::helpers::{
    Reply, TestApp, ZD_ADMIN, ZD_ADMIN_API_TOKEN, ZD_AGENT, spawn_app, spawn_app_on, spawn_app_with,
};
use crate::zopim::{self, assert_json, with};
use deskbridge::facades::zendesk::xml::{Limits, XmlDocument};
use deskbridge::model::{AgentId, DepartmentId, Timestamp};
use reqwest::header::{ALLOW, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const XML: &str = "application/xml; charset=utf-8";
const PROLOG: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

// ---------------------------------------------------------------------------------------------
// The default data as the classic XML API shows it (fixtures/default.json). Fragments are written
// at indent 0; `nest` indents them for where they appear.

pub(crate) const SALES: &str = r#"<group>
  <created-at type="datetime">2024-01-15T09:10:00Z</created-at>
  <id type="integer">1</id>
  <is-active type="boolean">true</is-active>
  <name>Sales</name>
  <updated-at type="datetime">2024-01-15T09:10:00Z</updated-at>
</group>
"#;

pub(crate) const SUPPORT: &str = r#"<group>
  <created-at type="datetime">2024-01-15T09:11:00Z</created-at>
  <id type="integer">2</id>
  <is-active type="boolean">true</is-active>
  <name>Support</name>
  <updated-at type="datetime">2024-01-15T09:11:00Z</updated-at>
</group>
"#;

pub(crate) const BILLING: &str = r#"<group>
  <created-at type="datetime">2024-01-15T09:12:00Z</created-at>
  <id type="integer">3</id>
  <is-active type="boolean">true</is-active>
  <name>Billing</name>
  <updated-at type="datetime">2024-01-15T09:12:00Z</updated-at>
</group>
"#;

/// User 1, the owner: an administrator to Zendesk.
pub(crate) const ALEX: &str = r#"<user>
  <created-at type="datetime">2024-01-15T09:00:00Z</created-at>
  <email>admin@example.com</email>
  <id type="integer">1</id>
  <is-active type="boolean">true</is-active>
  <name>Alex Admin</name>
  <roles type="integer">2</roles>
  <time-zone>Europe/Paris</time-zone>
  <updated-at type="datetime">2024-01-15T09:00:00Z</updated-at>
</user>
"#;

/// User 2, an agent.
pub(crate) const SAM: &str = r#"<user>
  <created-at type="datetime">2024-01-15T09:05:00Z</created-at>
  <email>agent@example.com</email>
  <id type="integer">2</id>
  <is-active type="boolean">true</is-active>
  <name>Sam Agent</name>
  <roles type="integer">4</roles>
  <time-zone>America/New_York</time-zone>
  <updated-at type="datetime">2024-01-15T09:05:00Z</updated-at>
</user>
"#;

/// User 3, an agent without a password.
pub(crate) const MARIA: &str = r#"<user>
  <created-at type="datetime">2024-02-01T08:30:00Z</created-at>
  <email>maria@example.com</email>
  <id type="integer">3</id>
  <is-active type="boolean">true</is-active>
  <name>Maria Lopez</name>
  <roles type="integer">4</roles>
  <time-zone>Europe/Madrid</time-zone>
  <updated-at type="datetime">2024-02-01T08:30:00Z</updated-at>
</user>
"#;

/// `fragment` with every line indented by `spaces`.
fn nest(fragment: &str, spaces: usize) -> String {
    fragment
        .lines()
        .map(|line| format!("{}{line}\n", " ".repeat(spaces)))
        .collect()
}

/// A record fragment with a typed array of children (`<users type="array">…`) as its last field.
fn with_array(record: &str, name: &str, children: &[&str]) -> String {
    let (body, close) = record
        .trim_end()
        .rsplit_once('\n')
        .expect("a record of several lines");
    let array = if children.is_empty() {
        format!("  <{name} type=\"array\"/>\n")
    } else {
        let items: String = children.iter().map(|c| nest(c, 4)).collect();
        format!("  <{name} type=\"array\">\n{items}  </{name}>\n")
    };
    format!("{body}\n{array}{close}\n")
}

/// A whole document: the prolog and the root fragment.
pub(crate) fn document(root: &str) -> String {
    format!("{PROLOG}{root}")
}

/// A typed list document with `count`.
pub(crate) fn list(root: &str, count: usize, items: &[String]) -> String {
    if items.is_empty() {
        return document(&format!("<{root} type=\"array\" count=\"{count}\"/>\n"));
    }
    let items: String = items.iter().map(|i| nest(i, 2)).collect();
    document(&format!(
        "<{root} type=\"array\" count=\"{count}\">\n{items}</{root}>\n"
    ))
}

/// A user as listed or shown alone: with its groups.
pub(crate) fn user_with_groups(user: &str, groups: &[&str]) -> String {
    with_array(user, "groups", groups)
}

/// A group as shown alone: with its agents as users.
pub(crate) fn group_with_users(group: &str, users: &[&str]) -> String {
    with_array(group, "users", users)
}

/// The default users as `/users.xml` lists them.
fn default_users() -> Vec<String> {
    vec![
        user_with_groups(ALEX, &[SALES]),
        user_with_groups(SAM, &[SALES, SUPPORT]),
        user_with_groups(MARIA, &[SUPPORT, BILLING]),
    ]
}

/// A timestamp as the gateway writes it: `2026-11-23T11:19:34Z`.
fn xml_time(at: Timestamp) -> String {
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

/// A group's `created-at` and `updated-at`, read from the store (made during the test).
pub(crate) fn group_times(app: &TestApp, id: u64) -> (String, String) {
    let view = app.handle.store().view();
    let group = view.department(DepartmentId(id)).expect("the group exists");
    (xml_time(group.created_at), xml_time(group.updated_at))
}

pub(crate) fn user_times(app: &TestApp, id: u64) -> (String, String) {
    let view = app.handle.store().view();
    let user = view.agent(AgentId(id)).expect("the user exists");
    (xml_time(user.created_at), xml_time(user.updated_at))
}

/// A group fragment with the given values.
pub(crate) fn group_fragment(
    id: u64,
    name: &str,
    active: bool,
    (created, updated): (String, String),
) -> String {
    format!(
        "<group>\n  <created-at type=\"datetime\">{created}</created-at>\n  <id type=\"integer\">{id}</id>\n  \
         <is-active type=\"boolean\">{active}</is-active>\n  <name>{name}</name>\n  \
         <updated-at type=\"datetime\">{updated}</updated-at>\n</group>\n"
    )
}

/// A user fragment with the given values; a `time_zone` of `None` is written as a nil.
pub(crate) fn user_fragment(
    id: u64,
    (name, email): (&str, &str),
    roles: u8,
    active: bool,
    time_zone: Option<&str>,
    (created, updated): (String, String),
) -> String {
    let time_zone = match time_zone {
        Some(zone) => format!("<time-zone>{zone}</time-zone>"),
        None => "<time-zone nil=\"true\"></time-zone>".to_owned(),
    };
    format!(
        "<user>\n  <created-at type=\"datetime\">{created}</created-at>\n  <email>{email}</email>\n  \
         <id type=\"integer\">{id}</id>\n  <is-active type=\"boolean\">{active}</is-active>\n  \
         <name>{name}</name>\n  <roles type=\"integer\">{roles}</roles>\n  {time_zone}\n  \
         <updated-at type=\"datetime\">{updated}</updated-at>\n</user>\n"
    )
}

// ---------------------------------------------------------------------------------------------
// Assertions on whole replies.

#[track_caller]
pub(crate) fn assert_xml(reply: &Reply, status: StatusCode, body: &str, case: &str) {
    assert_eq!(
        reply.status, status,
        "{case}: status (body {:?})",
        reply.body
    );
    assert_eq!(reply.content_type(), Some(XML), "{case}: content type");
    assert_eq!(reply.body, body, "{case}: body");
}

/// `<error>message</error>` with the prolog.
#[track_caller]
pub(crate) fn assert_error(reply: &Reply, status: StatusCode, message: &str, case: &str) {
    assert_xml(
        reply,
        status,
        &document(&format!("<error>{message}</error>\n")),
        case,
    );
}

/// 422 with Rails' `<errors>`.
#[track_caller]
pub(crate) fn assert_invalid(reply: &Reply, messages: &[&str], case: &str) {
    let errors: String = messages
        .iter()
        .map(|m| format!("  <error>{m}</error>\n"))
        .collect();
    assert_xml(
        reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        &document(&format!("<errors>\n{errors}</errors>\n")),
        case,
    );
}

/// The 401 of spec B5, byte for byte, with its challenge.
#[track_caller]
fn assert_unauthenticated(reply: &Reply, case: &str) {
    assert_xml(
        reply,
        StatusCode::UNAUTHORIZED,
        "<error>Couldn't authenticate you</error>",
        case,
    );
    assert_eq!(
        reply
            .headers
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok()),
        Some("Basic realm=\"Web Password\""),
        "{case}: challenge"
    );
}

#[track_caller]
fn assert_forbidden(reply: &Reply, case: &str) {
    assert_error(reply, StatusCode::FORBIDDEN, "Access denied", case);
}

#[track_caller]
pub(crate) fn assert_not_found(reply: &Reply, case: &str) {
    assert_error(reply, StatusCode::NOT_FOUND, "Not found", case);
}

/// A 200 with nothing at all: DELETE's answer (spec B1).
#[track_caller]
pub(crate) fn assert_empty_ok(reply: &Reply, case: &str) {
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{case}: status (body {:?})",
        reply.body
    );
    assert_eq!(reply.body, "", "{case}: body");
}

async fn assert_unchanged(app: &TestApp, before: &(String, String, u64), case: &str) {
    assert_eq!(
        &app.zendesk_snapshot().await,
        before,
        "{case}: the state changed"
    );
    app.assert_invariants();
}

fn location(reply: &Reply) -> Option<&str> {
    reply.headers.get(LOCATION).and_then(|v| v.to_str().ok())
}

/// The default data plus more users (JSON agent entries).
fn fixtures_with(extra: Vec<Value>) -> String {
    let mut data: Value = serde_json::from_str(deskbridge::fixtures::DEFAULT).unwrap();
    data["agents"].as_array_mut().unwrap().extend(extra);
    data.to_string()
}

/// User 4: an end user who can sign in.
fn eve() -> Value {
    json!({"id": 4, "username": "eve", "name": "Eve Enduser", "email": "eve@example.com",
           "roles": ["end-user"], "password": "eve", "created_at": "2024-03-01T10:00:00Z"})
}

/// [`eve`] as shown alone: an end user, in no group.
fn eve_document() -> String {
    let at = || "2024-03-01T10:00:00Z".to_owned();
    let user = user_fragment(
        4,
        ("Eve Enduser", "eve@example.com"),
        0,
        true,
        None,
        (at(), at()),
    );
    document(&user_with_groups(&user, &[]))
}

/// User 5: a deleted (inactive) agent who still has a password.
fn gone() -> Value {
    json!({"id": 5, "username": "gone", "name": "Gone Agent", "email": "gone@example.com",
           "roles": ["agent"], "password": "gone", "active": false,
           "created_at": "2024-03-01T11:00:00Z"})
}

/// Every value of the header `name` (lower case) in a raw exchange's headers.
fn header_values<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .collect()
}

/// Sends raw bytes and reads the answer until the gateway closes: (status line, headers, body).
async fn raw_exchange(app: &TestApp, request: &[u8]) -> (String, Vec<(String, String)>, String) {
    let mut stream = tokio::net::TcpStream::connect(app.handle.addr())
        .await
        .expect("the gateway accepts");
    stream
        .write_all(request)
        .await
        .expect("the request is sent");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the gateway answers and closes")
        .expect("the answer is readable");
    let answer = String::from_utf8(answer).expect("a UTF-8 answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Groups: reading.

#[tokio::test]
async fn listing_groups_returns_every_group_as_a_typed_array_with_its_count() {
    let app = spawn_app().await;

    let reply = app.zendesk().get("/groups.xml").await;

    assert_xml(
        &reply,
        StatusCode::OK,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<groups type="array" count="3">
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
  <group>
    <created-at type="datetime">2024-01-15T09:12:00Z</created-at>
    <id type="integer">3</id>
    <is-active type="boolean">true</is-active>
    <name>Billing</name>
    <updated-at type="datetime">2024-01-15T09:12:00Z</updated-at>
  </group>
</groups>
"#,
        "GET /groups.xml",
    );
}

#[tokio::test]
async fn showing_a_group_nests_its_agents_as_users() {
    let app = spawn_app().await;

    let reply = app.zendesk().get("/groups/1.xml").await;

    assert_xml(
        &reply,
        StatusCode::OK,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<group>
  <created-at type="datetime">2024-01-15T09:10:00Z</created-at>
  <id type="integer">1</id>
  <is-active type="boolean">true</is-active>
  <name>Sales</name>
  <updated-at type="datetime">2024-01-15T09:10:00Z</updated-at>
  <users type="array">
    <user>
      <created-at type="datetime">2024-01-15T09:00:00Z</created-at>
      <email>admin@example.com</email>
      <id type="integer">1</id>
      <is-active type="boolean">true</is-active>
      <name>Alex Admin</name>
      <roles type="integer">2</roles>
      <time-zone>Europe/Paris</time-zone>
      <updated-at type="datetime">2024-01-15T09:00:00Z</updated-at>
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
    </user>
  </users>
</group>
"#,
        "GET /groups/1.xml",
    );
}

#[tokio::test]
async fn every_read_route_answers_the_same_under_the_api_v1_prefix() {
    let app = spawn_app().await;

    for path in [
        "/groups.xml",
        "/groups/2.xml",
        "/groups/2/users.xml",
        "/users.xml",
        "/users/3.xml",
        "/users/current.xml",
    ] {
        let plain = app.zendesk().get(path).await;
        let prefixed = app.zendesk().api_v1().get(path).await;

        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert_xml(&prefixed, StatusCode::OK, &plain.body, path);
    }
}

#[tokio::test]
async fn a_head_request_is_answered_like_a_get_without_a_body() {
    let app = spawn_app().await;

    let reply = app.zendesk().call(Method::HEAD, "/groups.xml", None).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), Some(XML));
    assert_eq!(reply.body, "");
}

#[tokio::test]
async fn listing_a_groups_users_returns_its_agents_with_their_groups() {
    let app = spawn_app().await;

    let reply = app.zendesk().get("/groups/2/users.xml").await;

    assert_xml(
        &reply,
        StatusCode::OK,
        &list(
            "users",
            2,
            &[
                user_with_groups(SAM, &[SALES, SUPPORT]),
                user_with_groups(MARIA, &[SUPPORT, BILLING]),
            ],
        ),
        "GET /groups/2/users.xml",
    );
    let filtered = app.zendesk().get("/groups/2/users.xml?query=maria").await;
    assert_xml(
        &filtered,
        StatusCode::OK,
        &list("users", 1, &[user_with_groups(MARIA, &[SUPPORT, BILLING])]),
        "?query=maria",
    );
}

// ---------------------------------------------------------------------------------------------
// Groups: writing.

#[tokio::test]
async fn creating_a_group_returns_201_with_an_absolute_location_and_the_group() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .post(
            "/groups.xml",
            "<group>\n  <name>Hardware</name>\n  <agents type='array'>\n    <agent>2</agent>\n    <agent>3</agent>\n  </agents>\n</group>",
        )
        .await;

    let (created, updated) = group_times(&app, 4);
    assert_xml(
        &reply,
        StatusCode::CREATED,
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<group>
  <created-at type="datetime">{created}</created-at>
  <id type="integer">4</id>
  <is-active type="boolean">true</is-active>
  <name>Hardware</name>
  <updated-at type="datetime">{updated}</updated-at>
  <users type="array">
    <user>
      <created-at type="datetime">2024-01-15T09:05:00Z</created-at>
      <email>agent@example.com</email>
      <id type="integer">2</id>
      <is-active type="boolean">true</is-active>
      <name>Sam Agent</name>
      <roles type="integer">4</roles>
      <time-zone>America/New_York</time-zone>
      <updated-at type="datetime">2024-01-15T09:05:00Z</updated-at>
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
    </user>
  </users>
</group>
"#
        ),
        "POST /groups.xml",
    );
    let port = app.handle.addr().port();
    assert_eq!(
        location(&reply),
        Some(format!("http://127.0.0.1:{port}/groups/4.xml").as_str())
    );
    let shown = app.zendesk().get("/groups/4.xml").await;
    assert_xml(&shown, StatusCode::OK, &reply.body, "the Location shows it");
}

#[tokio::test]
async fn a_group_created_under_api_v1_is_located_under_api_v1_from_the_host_header() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .api_v1()
        .with_header("host", "account.zendesk.com")
        .post("/groups.xml", "<group><name>Hardware</name></group>")
        .await;

    assert_eq!(
        location(&reply),
        Some("http://account.zendesk.com/api/v1/groups/4.xml")
    );
    let times = group_times(&app, 4);
    assert_xml(
        &reply,
        StatusCode::CREATED,
        &document(&group_with_users(
            &group_fragment(4, "Hardware", true, times),
            &[],
        )),
        "POST /api/v1/groups.xml",
    );
}

#[tokio::test]
async fn xml_written_by_rails_and_pyactiveresource_creates_a_group() {
    // Rails 6 `Hash#to_xml(root: "group", children: "agent")` (tests/data/xml) and
    // pyactiveresource's own body (spec B8), typed items and `<?xml?>` prolog included.
    let app = spawn_app().await;
    let rails = include_str!("../data/xml/rails_group_create.xml")
        .replace("43", "2")
        .replace("67", "3");
    let pyactiveresource = r#"<?xml version="1.0" encoding="UTF-8"?><group><name>Py</name><agents type="array"><agent type="integer">3</agent></agents></group>"#;

    let from_rails = app.zendesk().post("/groups.xml", &rails).await;
    let from_python = app.zendesk().post("/groups.xml", pyactiveresource).await;

    assert_eq!(
        from_rails.status,
        StatusCode::CREATED,
        "{}",
        from_rails.body
    );
    assert_eq!(
        from_python.status,
        StatusCode::CREATED,
        "{}",
        from_python.body
    );
    let hardware = group_fragment(4, "Hardware", true, group_times(&app, 4));
    let py = group_fragment(5, "Py", true, group_times(&app, 5));
    let maria = user_with_groups(MARIA, &[SUPPORT, BILLING, &hardware, &py]);
    assert_xml(
        &app.zendesk().get("/groups/4/users.xml").await,
        StatusCode::OK,
        &list(
            "users",
            2,
            &[
                user_with_groups(SAM, &[SALES, SUPPORT, &hardware]),
                maria.clone(),
            ],
        ),
        "the group from Rails",
    );
    assert_xml(
        &app.zendesk().get("/groups/5/users.xml").await,
        StatusCode::OK,
        &list("users", 1, &[maria]),
        "the group from pyactiveresource",
    );
}

#[tokio::test]
async fn group_names_may_repeat_as_classic_zendesk_only_required_one() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .post("/groups.xml", "<group><name>Sales</name></group>")
        .await;

    let second_sales = group_fragment(4, "Sales", true, group_times(&app, 4));
    assert_xml(
        &reply,
        StatusCode::CREATED,
        &document(&group_with_users(&second_sales, &[])),
        "POST a second Sales",
    );
    assert_xml(
        &app.zendesk().get("/groups.xml").await,
        StatusCode::OK,
        &list(
            "groups",
            4,
            &[
                SALES.to_owned(),
                SUPPORT.to_owned(),
                BILLING.to_owned(),
                second_sales,
            ],
        ),
        "the list after",
    );
}

#[tokio::test]
async fn updating_a_group_renames_it_replaces_its_agents_and_answers_200_with_it() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .put(
            "/groups/1.xml",
            "<group><name>Hardware and ICP</name><agents type='array'><agent>3</agent><agent>2</agent><agent>3</agent></agents></group>",
        )
        .await;

    let times = group_times(&app, 1);
    assert_eq!(times.0, "2024-01-15T09:10:00Z", "created-at is kept");
    assert_xml(
        &reply,
        StatusCode::OK,
        &document(&group_with_users(
            &group_fragment(1, "Hardware and ICP", true, times),
            &[SAM, MARIA],
        )),
        "PUT /groups/1.xml",
    );
    assert_xml(
        &app.zendesk().get("/groups/1.xml").await,
        StatusCode::OK,
        &reply.body,
        "GET after PUT",
    );
}

#[tokio::test]
async fn an_update_without_agents_keeps_them_and_any_empty_agents_element_removes_them_all() {
    let app = spawn_app().await;
    let z = app.zendesk();

    let renamed = z
        .put("/groups/2.xml", "<group><name>Help</name></group>")
        .await;
    let help = group_fragment(2, "Help", true, group_times(&app, 2));
    assert_xml(
        &renamed,
        StatusCode::OK,
        &document(&group_with_users(&help, &[SAM, MARIA])),
        "renamed",
    );
    assert_xml(
        &z.get("/groups/2/users.xml").await,
        StatusCode::OK,
        &list(
            "users",
            2,
            &[
                user_with_groups(SAM, &[SALES, &help]),
                user_with_groups(MARIA, &[&help, BILLING]),
            ],
        ),
        "its users after the rename",
    );

    // Spec B4: "If you submit an empty array, all agents get removed from the group", in each
    // empty form a client may write.
    for (group, empty) in [
        (1, "<agents type='array'></agents>"),
        (2, "<agents type=\"array\"/>"),
        (3, "<agents/>"),
    ] {
        let reply = z
            .put(
                &format!("/groups/{group}.xml"),
                &format!("<group><name>The now empty group</name>{empty}</group>"),
            )
            .await;

        let emptied = group_fragment(group, "The now empty group", true, group_times(&app, group));
        assert_xml(
            &reply,
            StatusCode::OK,
            &document(&group_with_users(&emptied, &[])),
            empty,
        );
        assert_xml(
            &z.get(&format!("/groups/{group}/users.xml")).await,
            StatusCode::OK,
            &list("users", 0, &[]),
            empty,
        );
    }
    // The agents' own groups follow.
    assert_xml(
        &z.get("/users/2.xml").await,
        StatusCode::OK,
        &document(&user_with_groups(SAM, &[])),
        "user 2 after",
    );
}

#[tokio::test]
async fn an_update_as_pyactiveresource_sends_it_ignores_the_id_timestamps_and_nested_users() {
    // Spec B4 rule 5 and B8: the whole resource comes back, `id` and what was read included.
    let app = spawn_app().await;
    let body = r#"<?xml version="1.0" encoding="UTF-8"?><group><created-at type="datetime">2024-01-15T09:10:00+00:00</created-at><id type="integer">99</id><is-active type="boolean">false</is-active><name>Sales EU</name><updated-at type="datetime">2024-01-15T09:10:00+00:00</updated-at><users type="array"><user><id type="integer">1</id><email>admin@example.com</email></user></users><agents type="array"><agent type="integer">1</agent></agents></group>"#;

    let reply = app.zendesk().put("/groups/1.xml", body).await;

    assert_xml(
        &reply,
        StatusCode::OK,
        &document(&group_with_users(
            &group_fragment(1, "Sales EU", true, group_times(&app, 1)),
            &[ALEX],
        )),
        "PUT with pyactiveresource's body",
    );
    assert_xml(
        &app.zendesk().get("/groups.xml").await,
        StatusCode::OK,
        &list(
            "groups",
            3,
            &[
                group_fragment(1, "Sales EU", true, group_times(&app, 1)),
                SUPPORT.to_owned(),
                BILLING.to_owned(),
            ],
        ),
        "the list after",
    );
}

#[tokio::test]
async fn destroying_a_group_answers_an_empty_200_and_keeps_it_listed_as_inactive() {
    let app = spawn_app().await;

    let reply = app.zendesk().delete("/groups/3.xml").await;

    assert_empty_ok(&reply, "DELETE /groups/3.xml");
    let times = group_times(&app, 3);
    let inactive = group_fragment(3, "Billing", false, times);
    assert_xml(
        &app.zendesk().get("/groups.xml").await,
        StatusCode::OK,
        &list(
            "groups",
            3,
            &[SALES.to_owned(), SUPPORT.to_owned(), inactive.clone()],
        ),
        "the list after",
    );
    // Its member keeps the link, but a destroyed group is no longer one of its groups.
    assert_xml(
        &app.zendesk().get("/groups/3.xml").await,
        StatusCode::OK,
        &document(&group_with_users(&inactive, &[MARIA])),
        "the group after",
    );
    assert_xml(
        &app.zendesk().get("/users/3.xml").await,
        StatusCode::OK,
        &document(&user_with_groups(MARIA, &[SUPPORT])),
        "its agent after",
    );
    // Destroying it again is still a 200, and it stays inactive.
    let again = app.zendesk().delete("/groups/3.xml").await;
    assert_empty_ok(&again, "DELETE again");
    let inactive = group_fragment(3, "Billing", false, group_times(&app, 3));
    assert_xml(
        &app.zendesk().get("/groups/3.xml").await,
        StatusCode::OK,
        &document(&group_with_users(&inactive, &[MARIA])),
        "the group after DELETE again",
    );
}

#[tokio::test]
async fn a_destroyed_group_can_no_longer_be_changed_or_assigned() {
    let app = spawn_app().await;
    app.zendesk().delete("/groups/1.xml").await;
    let before = app.zendesk_snapshot().await;

    for body in [
        "<group><agents type='array'><agent>3</agent></agents></group>",
        "<group><name>Back</name></group>",
    ] {
        let reply = app.zendesk().put("/groups/1.xml", body).await;

        assert_invalid(
            &reply,
            &["Group is inactive and can no longer be changed or assigned"],
            body,
        );
        assert_unchanged(&app, &before, body).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Users.

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
    let roles = if n % 2 == 0 { 4 } else { 0 };
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

    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
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
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.body);
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
    assert_eq!(before_delete.status, StatusCode::OK);

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
    assert_eq!(sam.get("/users/current.xml").await.status, StatusCode::OK);
    assert_eq!(sam.get("/users/current.xml").await.status, StatusCode::OK);

    let reply = app
        .zendesk()
        .put(
            "/users/2.xml",
            "<user><password>n3w-secret</password></user>",
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_unauthenticated(&sam.get("/users/current.xml").await, "the old password");
    let renewed = app.zendesk().signed_in_as(ZD_AGENT.0, "n3w-secret");
    assert_eq!(
        renewed.get("/users/current.xml").await.status,
        StatusCode::OK
    );
    assert_eq!(
        renewed.get("/users/current.xml").await.status,
        StatusCode::OK
    );
    assert_unauthenticated(
        &sam.get("/users/current.xml").await,
        "the old password again",
    );
}

// ---------------------------------------------------------------------------------------------
// Agents of a group: every bad reference is a 422, and nothing changes.

#[tokio::test]
async fn an_unknown_or_non_integer_agent_an_end_user_or_a_deleted_user_is_422_and_changes_nothing()
{
    let app = spawn_app_on(&fixtures_with(vec![eve(), gone()])).await;
    let before = app.zendesk_snapshot().await;

    for (agents, messages) in [
        (
            "<agent>99</agent>",
            vec!["Agents is invalid: no agent has id 99"],
        ),
        (
            "<agent>4</agent>",
            vec!["Agents is invalid: no agent has id 4"],
        ),
        (
            "<agent>5</agent>",
            vec!["Agents is invalid: no agent has id 5"],
        ),
        (
            "<agent>2</agent><agent>abc</agent><agent>-1</agent>",
            vec![
                "Agents is invalid: \"abc\" is not an agent id",
                "Agents is invalid: \"-1\" is not an agent id",
            ],
        ),
        (
            "<agent><id>2</id></agent>",
            vec!["Agents is invalid: an agent must be an integer id"],
        ),
    ] {
        for (method, path) in [
            (Method::POST, "/groups.xml"),
            (Method::PUT, "/groups/1.xml"),
        ] {
            let body =
                format!("<group><name>X</name><agents type='array'>{agents}</agents></group>");
            let case = format!("{method} {agents}");

            let reply = app.zendesk().call(method, path, Some(&body)).await;

            assert_invalid(&reply, &messages, &case);
            assert_unchanged(&app, &before, &case).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bad bodies: 400 for what cannot be read, 413 for too much, 422 for what Rails would refuse.

/// (case, body, status, message): `message` is the `<error>` text, or the `<errors>` of a 422.
fn bad_group_bodies() -> Vec<(&'static str, String, StatusCode, Vec<String>)> {
    let bad = StatusCode::BAD_REQUEST;
    let read_error = |body: &str| {
        let error = XmlDocument::parse(body.as_bytes(), &Limits::default())
            .expect_err("the body does not read")
            .to_string();
        let mut chars = error.chars();
        let first = chars.next().unwrap().to_uppercase().collect::<String>();
        let text = format!("{first}{}", chars.as_str());
        vec![
            text.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        ]
    };
    let malformed = "<group><name>Hardware</group>".to_owned();
    let empty = String::new();
    let mismatched = "<group><name>x</name></group><agents>1</agents>".to_owned();
    let typed = "<group><name>x</name><agents type=\"array\"><agent type=\"integer\">abc</agent></agents></group>".to_owned();
    let deep = format!("<group>{}x{}</group>", "<a>".repeat(40), "</a>".repeat(40));
    vec![
        ("malformed", malformed.clone(), bad, read_error(&malformed)),
        ("empty", empty.clone(), bad, read_error(&empty)),
        ("two roots", mismatched.clone(), bad, read_error(&mismatched)),
        ("typed non-integer agent", typed.clone(), bad, read_error(&typed)),
        (
            "doctype",
            "<!DOCTYPE group [<!ENTITY x \"y\">]><group><name>&x;</name></group>".into(),
            bad,
            vec!["Document type declarations are not allowed".into()],
        ),
        (
            "billion laughs",
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><group><name>&lol2;</name></group>".into(),
            bad,
            vec!["Document type declarations are not allowed".into()],
        ),
        (
            "unknown entity",
            "<group><name>Caf&eacute;</name></group>".into(),
            bad,
            vec!["Entity &amp;eacute; is not allowed; only &amp;lt; &amp;gt; &amp;amp; &amp;quot; &amp;apos; and &amp;#N; are".into()],
        ),
        (
            "processing instruction",
            "<group><?php echo 1; ?><name>x</name></group>".into(),
            bad,
            vec!["Processing instruction &lt;?php ...?&gt; is not allowed".into()],
        ),
        (
            "wrong root",
            "<user><name>Hardware</name></user>".into(),
            bad,
            vec!["The root element must be &lt;group&gt;, not &lt;user&gt;".into()],
        ),
        (
            "text root",
            "<group>Hardware</group>".into(),
            bad,
            vec!["&lt;group&gt; must contain elements".into()],
        ),
        (
            "array root",
            "<group type=\"array\"><group><name>x</name></group></group>".into(),
            bad,
            vec!["&lt;group&gt; must contain elements".into()],
        ),
        (
            "too deep",
            deep.clone(),
            bad,
            vec!["Elements are nested more than 32 deep".into()],
        ),
        (
            "too many elements",
            format!(
                "<group><name>x</name><agents type=\"array\">{}</agents></group>",
                "<agent>1</agent>".repeat(10_000)
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            vec!["The document has more than 10000 elements".into()],
        ),
        (
            "blank name",
            "<group><name>  </name></group>".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Name can't be blank".into()],
        ),
        (
            "self-closed name",
            "<group><name /></group>".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Name can't be blank".into()],
        ),
        (
            "long name",
            format!("<group><name>{}</name></group>", "é".repeat(256)),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Name is too long (maximum is 255 characters)".into()],
        ),
        (
            "control character",
            "<group><name>a&#1;b</name></group>".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Name must not contain control characters".into()],
        ),
        (
            "name with elements",
            "<group><name><en>x</en></name></group>".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Name is invalid".into()],
        ),
        (
            "agents not a list",
            "<group><name>x</name><agents type=\"integer\">4</agents></group>".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["Agents is invalid".into()],
        ),
    ]
}

#[track_caller]
fn assert_bad(reply: &Reply, status: StatusCode, messages: &[String], case: &str) {
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        let messages: Vec<&str> = messages.iter().map(String::as_str).collect();
        assert_invalid(reply, &messages, case);
    } else {
        assert_error(reply, status, &messages[0], case);
    }
}

#[tokio::test]
async fn creating_a_group_from_a_bad_body_gets_the_right_status_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;

    for (case, body, status, messages) in bad_group_bodies() {
        let reply = app.zendesk().post("/groups.xml", &body).await;

        assert_bad(&reply, status, &messages, case);
        assert_unchanged(&app, &before, case).await;
    }
}

#[tokio::test]
async fn updating_a_group_with_a_bad_body_gets_the_right_status_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;

    for (case, body, status, messages) in bad_group_bodies() {
        let reply = app.zendesk().put("/groups/2.xml", &body).await;

        assert_bad(&reply, status, &messages, case);
        assert_unchanged(&app, &before, case).await;
    }
}

#[tokio::test]
async fn a_user_body_with_the_wrong_root_or_hostile_xml_is_400_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;

    for (path, method, body, message) in [
        (
            "/users.xml",
            Method::POST,
            "<group><name>x</name></group>",
            "The root element must be &lt;user&gt;, not &lt;group&gt;",
        ),
        (
            "/users/2.xml",
            Method::PUT,
            "<!DOCTYPE user SYSTEM \"file:///etc/passwd\"><user><name>x</name></user>",
            "Document type declarations are not allowed",
        ),
        (
            "/users/2.xml",
            Method::PUT,
            "<user>Sam</user>",
            "&lt;user&gt; must contain elements",
        ),
    ] {
        let reply = app.zendesk().call(method, path, Some(body)).await;

        assert_error(&reply, StatusCode::BAD_REQUEST, message, body);
        assert_unchanged(&app, &before, body).await;
    }
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_413_and_changes_nothing() {
    let app = spawn_app_with(|c| c.request.max_body_bytes = 1024).await;
    let before = app.zendesk_snapshot().await;
    let body = format!("<group><name>{}</name></group>", "x".repeat(2000));

    for (method, path) in [(Method::POST, "/groups.xml"), (Method::PUT, "/users/2.xml")] {
        let reply = app.zendesk().call(method.clone(), path, Some(&body)).await;

        assert_error(
            &reply,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request entity too large",
            path,
        );
        assert_unchanged(&app, &before, path).await;
    }
}

#[tokio::test]
async fn a_chunked_body_over_the_size_limit_is_413_and_changes_nothing() {
    let app = spawn_app_with(|c| c.request.max_body_bytes = 1024).await;
    let before = app.zendesk_snapshot().await;
    let body = format!("<group><name>{}</name></group>", "x".repeat(2048 - 28));
    assert_eq!(body.len(), 0x800);
    let request = format!(
        "POST /groups.xml HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic YWRtaW5AZXhhbXBsZS5jb206YWRtaW4=\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n800\r\n{body}\r\n0\r\n\r\n"
    );

    let (status, headers, reply) = raw_exchange(&app, request.as_bytes()).await;

    assert_eq!(status, "HTTP/1.1 413 Payload Too Large");
    assert_eq!(header_values(&headers, "content-type"), [XML]);
    assert_eq!(reply, document("<error>Request entity too large</error>\n"));
    assert_unchanged(&app, &before, "chunked").await;
}

#[tokio::test]
async fn a_body_slower_than_the_request_timeout_gets_the_xml_408_and_changes_nothing() {
    let app = spawn_app_with(|c| c.request.request_timeout = Duration::from_millis(500)).await;
    let before = app.zendesk_snapshot().await;
    let request = "POST /groups.xml HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW5AZXhhbXBsZS5jb206YWRtaW4=\r\n\
                   Content-Length: 40\r\nConnection: close\r\n\r\n<group><name>";

    let (status, headers, reply) = raw_exchange(&app, request.as_bytes()).await;

    assert_eq!(status, "HTTP/1.1 408 Request Timeout");
    assert_eq!(header_values(&headers, "content-type"), [XML]);
    assert_eq!(reply, document("<error>Request timeout</error>\n"));
    assert_unchanged(&app, &before, "slow body").await;
}

#[tokio::test]
async fn a_create_without_a_host_header_is_400_since_no_location_can_be_built() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;
    let body = "<group><name>Hostless</name></group>";
    let request = format!(
        "POST /groups.xml HTTP/1.0\r\nAuthorization: Basic YWRtaW5AZXhhbXBsZS5jb206YWRtaW4=\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );

    let (status, headers, reply) = raw_exchange(&app, request.as_bytes()).await;

    assert_eq!(status, "HTTP/1.0 400 Bad Request");
    assert_eq!(header_values(&headers, "content-type"), [XML]);
    assert_eq!(
        reply,
        document("<error>A Host header is required to create a resource</error>\n")
    );
    assert_unchanged(&app, &before, "no Host").await;
}

// ---------------------------------------------------------------------------------------------
// Authentication and permissions.

#[tokio::test]
async fn a_request_that_does_not_authenticate_is_401_with_zendesks_exact_body() {
    let app = spawn_app_on(&fixtures_with(vec![gone()])).await;
    let before = app.zendesk_snapshot().await;
    let basic = |credentials: &str| {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    };

    for (case, authorization) in [
        ("no credentials", None),
        ("a wrong password", Some(basic("admin@example.com:Admin"))),
        ("an unknown email", Some(basic("nobody@example.com:admin"))),
        (
            "a user without a password",
            Some(basic("maria@example.com:")),
        ),
        ("a deleted user", Some(basic("gone@example.com:gone"))),
        ("no colon", Some(basic("admin@example.com"))),
        ("not base64", Some("Basic ***".to_owned())),
        (
            "a bearer token",
            Some("Bearer deskbridge-admin-token".to_owned()),
        ),
        (
            "a wrong API token",
            Some(basic("admin@example.com/token:deskbridge-admin-token")),
        ),
        (
            "another user's API token",
            Some(basic(&format!(
                "agent@example.com/token:{ZD_ADMIN_API_TOKEN}"
            ))),
        ),
        (
            "an API token as a password",
            Some(basic(&format!("admin@example.com:{ZD_ADMIN_API_TOKEN}"))),
        ),
    ] {
        for (method, path, body) in [
            (Method::GET, "/groups.xml", None),
            (
                Method::POST,
                "/groups.xml",
                Some("<group><name>X</name></group>"),
            ),
            (Method::DELETE, "/users/2.xml", None),
        ] {
            let mut request = app.client.request(method.clone(), app.url(path));
            if let Some(authorization) = &authorization {
                request = request.header("authorization", authorization);
            }
            if let Some(body) = body {
                request = request.body(body);
            }
            let reply = app.send(request).await;

            assert_unauthenticated(&reply, &format!("{case}: {method} {path}"));
        }
    }
    assert_unchanged(&app, &before, "after 401s").await;
}

#[tokio::test]
async fn an_api_token_authenticates_as_email_slash_token_and_emails_ignore_case() {
    let app = spawn_app().await;

    let token = app
        .zendesk()
        .signed_in_as("admin@example.com/token", ZD_ADMIN_API_TOKEN)
        .get("/users/current.xml")
        .await;
    let upper = app
        .zendesk()
        .signed_in_as("ADMIN@Example.com", ZD_ADMIN.1)
        .get("/users/current.xml")
        .await;
    let token_upper = app
        .zendesk()
        .signed_in_as("Admin@Example.COM/token", ZD_ADMIN_API_TOKEN)
        .post("/groups.xml", "<group><name>Via token</name></group>")
        .await;

    let alex = document(&user_with_groups(ALEX, &[SALES]));
    assert_xml(&token, StatusCode::OK, &alex, "email/token");
    assert_xml(&upper, StatusCode::OK, &alex, "upper-case email");
    assert_eq!(
        token_upper.status,
        StatusCode::CREATED,
        "{}",
        token_upper.body
    );
}

#[tokio::test]
async fn an_agent_may_read_but_not_change_groups_or_users() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;
    let sam = app.zendesk().signed_in_as(ZD_AGENT.0, ZD_AGENT.1);

    for path in [
        "/groups.xml",
        "/groups/1.xml",
        "/groups/1/users.xml",
        "/users.xml",
        "/users/1.xml",
    ] {
        assert_eq!(sam.get(path).await.status, StatusCode::OK, "{path}");
    }
    for (method, path, body) in [
        (
            Method::POST,
            "/groups.xml",
            Some("<group><name>X</name></group>"),
        ),
        (
            Method::PUT,
            "/groups/1.xml",
            Some("<group><name>X</name></group>"),
        ),
        (Method::DELETE, "/groups/1.xml", None),
        (
            Method::POST,
            "/users.xml",
            Some("<user><name>X</name><email>x@y.z</email></user>"),
        ),
        (
            Method::PUT,
            "/users/2.xml",
            Some("<user><roles>2</roles></user>"),
        ),
        (Method::DELETE, "/users/3.xml", None),
    ] {
        let reply = sam.call(method.clone(), path, body).await;

        assert_forbidden(&reply, &format!("{method} {path}"));
    }
    assert_unchanged(&app, &before, "after 403s").await;
}

#[tokio::test]
async fn an_end_user_sees_only_itself() {
    let app = spawn_app_on(&fixtures_with(vec![eve()])).await;
    let eve_client = app.zendesk().signed_in_as("eve@example.com", "eve");

    let me = eve_client.get("/users/current.xml").await;

    assert_xml(
        &me,
        StatusCode::OK,
        &eve_document(),
        "GET /users/current.xml",
    );
    for path in ["/groups.xml", "/groups/1.xml", "/users.xml", "/users/4.xml"] {
        assert_forbidden(&eve_client.get(path).await, path);
    }
}

#[tokio::test]
async fn x_on_behalf_of_acts_as_that_user_with_its_rights_and_never_more() {
    let app = spawn_app_on(&fixtures_with(vec![eve(), gone()])).await;
    let before = app.zendesk_snapshot().await;
    let admin = app.zendesk();
    let agent = app.zendesk().signed_in_as(ZD_AGENT.0, ZD_AGENT.1);

    // An administrator acting as an agent: the agent's view and rights.
    let as_sam = admin
        .clone()
        .with_header("x-on-behalf-of", "AGENT@example.com");
    let me = as_sam.get("/users/current.xml").await;
    assert_xml(
        &me,
        StatusCode::OK,
        &document(&user_with_groups(SAM, &[SALES, SUPPORT])),
        "admin as agent",
    );
    assert_forbidden(
        &as_sam
            .post("/groups.xml", "<group><name>X</name></group>")
            .await,
        "admin as agent creates",
    );
    // An agent acting as another agent, and as an end user.
    let as_maria = agent
        .clone()
        .with_header("x-on-behalf-of", "maria@example.com");
    assert_xml(
        &as_maria.get("/users/current.xml").await,
        StatusCode::OK,
        &document(&user_with_groups(MARIA, &[SUPPORT, BILLING])),
        "agent as agent",
    );
    let as_eve = agent
        .clone()
        .with_header("x-on-behalf-of", "eve@example.com");
    assert_xml(
        &as_eve.get("/users/current.xml").await,
        StatusCode::OK,
        &eve_document(),
        "agent as end user",
    );
    assert_forbidden(&as_eve.get("/groups.xml").await, "agent as end user lists");
    // Never to gain rights: an agent may not act as an administrator.
    assert_forbidden(
        &agent
            .clone()
            .with_header("x-on-behalf-of", "admin@example.com")
            .get("/groups.xml")
            .await,
        "agent as admin",
    );
    // An end user may not act as anyone.
    assert_forbidden(
        &app.zendesk()
            .signed_in_as("eve@example.com", "eve")
            .with_header("x-on-behalf-of", "agent@example.com")
            .get("/users/current.xml")
            .await,
        "end user as agent",
    );
    // A user that does not exist or was deleted cannot be acted as.
    for nobody in ["nobody@example.com", "gone@example.com"] {
        assert_unauthenticated(
            &admin
                .clone()
                .with_header("x-on-behalf-of", nobody)
                .get("/groups.xml")
                .await,
            nobody,
        );
    }
    // An empty header is no header.
    assert_xml(
        &admin
            .clone()
            .with_header("x-on-behalf-of", "")
            .get("/users/current.xml")
            .await,
        StatusCode::OK,
        &document(&user_with_groups(ALEX, &[SALES])),
        "an empty X-On-Behalf-Of",
    );
    assert_unchanged(&app, &before, "on behalf of").await;
}

#[tokio::test]
async fn x_http_method_override_on_a_post_is_honoured_as_put_and_delete() {
    let app = spawn_app().await;

    let put = app
        .zendesk()
        .with_header("x-http-method-override", "put")
        .post("/groups/1.xml", "<group><name>Overridden</name></group>")
        .await;
    let delete = app
        .zendesk()
        .with_header("X-Http-Method-Override", "DELETE")
        .call(Method::POST, "/groups/2.xml", None)
        .await;
    let not_on_get = app
        .zendesk()
        .with_header("x-http-method-override", "delete")
        .get("/groups/3.xml")
        .await;
    let unknown = app
        .zendesk()
        .with_header("x-http-method-override", "frobnicate")
        .post("/groups.xml", "<group><name>Plain POST</name></group>")
        .await;

    let overridden = group_fragment(1, "Overridden", true, group_times(&app, 1));
    assert_xml(
        &put,
        StatusCode::OK,
        &document(&group_with_users(&overridden, &[ALEX, SAM])),
        "override put",
    );
    assert_empty_ok(&delete, "override delete");
    let destroyed = group_fragment(2, "Support", false, group_times(&app, 2));
    assert_xml(
        &app.zendesk().get("/groups/2.xml").await,
        StatusCode::OK,
        &document(&group_with_users(&destroyed, &[SAM, MARIA])),
        "group 2 after the override delete",
    );
    let billing = document(&group_with_users(BILLING, &[MARIA]));
    assert_xml(&not_on_get, StatusCode::OK, &billing, "override on a GET");
    assert_xml(
        &app.zendesk().get("/groups/3.xml").await,
        StatusCode::OK,
        &billing,
        "group 3 after the override on a GET",
    );
    let plain_post = group_fragment(4, "Plain POST", true, group_times(&app, 4));
    assert_xml(
        &unknown,
        StatusCode::CREATED,
        &document(&group_with_users(&plain_post, &[])),
        "an unknown override",
    );
}

// ---------------------------------------------------------------------------------------------
// Routes.

#[tokio::test]
async fn an_unknown_record_or_path_is_404_with_a_small_xml_body() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;

    for (method, path) in [
        (Method::GET, "/groups/99.xml"),
        (Method::PUT, "/groups/99.xml"),
        (Method::DELETE, "/groups/99.xml"),
        (Method::GET, "/groups/99/users.xml"),
        (Method::GET, "/users/99.xml"),
        (Method::PUT, "/users/99.xml"),
        (Method::DELETE, "/users/99.xml"),
        (Method::GET, "/groups/abc.xml"),
        (Method::GET, "/groups/1.json"),
        (Method::GET, "/groups/1"),
        (Method::GET, "/groups/+1.xml"),
        (Method::GET, "/groups/1.xml/"),
        (Method::GET, "/groups"),
        (Method::GET, "/groups.json"),
        (Method::GET, "/groupsx.xml"),
        (Method::GET, "/users/me.xml"),
        (Method::GET, "/users/1/groups.xml"),
        (Method::GET, "/api/v1/groups/99.xml"),
        (Method::GET, "/api/v1/users/abc.xml"),
    ] {
        let body = (method != Method::GET).then_some("<group><name>X</name></group>");
        let reply = app.zendesk().call(method.clone(), path, body).await;

        assert_not_found(&reply, &format!("{method} {path}"));
    }
    // No route is no route, whoever asks.
    assert_not_found(
        &app.zendesk().anonymous().get("/groups/abc.xml").await,
        "anonymous",
    );
    assert_unchanged(&app, &before, "after 404s").await;
}

#[tokio::test]
async fn a_method_a_path_does_not_take_is_405_with_allow() {
    let app = spawn_app().await;

    for (method, path, allow) in [
        (Method::DELETE, "/groups.xml", "GET, HEAD, POST"),
        (Method::POST, "/groups/1.xml", "GET, HEAD, PUT, DELETE"),
        (Method::PUT, "/groups/1/users.xml", "GET, HEAD"),
        (Method::PUT, "/users/current.xml", "GET, HEAD"),
        (Method::PATCH, "/users/2.xml", "GET, HEAD, PUT, DELETE"),
        (Method::OPTIONS, "/api/v1/users.xml", "GET, HEAD, POST"),
    ] {
        let reply = app.zendesk().call(method.clone(), path, None).await;

        let case = format!("{method} {path}");
        assert_error(
            &reply,
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            &case,
        );
        assert_eq!(
            reply.headers.get(ALLOW).and_then(|v| v.to_str().ok()),
            Some(allow),
            "{case}"
        );
    }
}

#[tokio::test]
async fn rocket_chat_keeps_its_own_api_v1_routes_beside_the_classic_xml_ones() {
    let app = spawn_app().await;

    let rocketchat = app
        .client
        .post(app.url("/api/v1/users.create"))
        .header(CONTENT_TYPE, "application/json")
        .body("{}");
    let reply = app.send(rocketchat).await;

    // Rocket.Chat's own JSON answer (no token: 401), not the XML facade's.
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.content_type(), Some("application/json"));
}

#[tokio::test]
async fn every_layer_error_is_rescued_in_the_xml_shape() {
    // The layers hand their failures to the facade that owns the path (src/http/rescue.rs); a
    // panic (500) cannot be caused from outside, so the rescue is called directly.
    use deskbridge::facades::zendesk::Zendesk;
    use deskbridge::http::LayerError;
    use deskbridge::model::{State, Store};
    use http_body_util::BodyExt;

    let facade = Zendesk::service(Store::new(State::empty()));

    for (error, status, message, allow) in [
        (
            LayerError::NotFound,
            StatusCode::NOT_FOUND,
            "Not found",
            None,
        ),
        (
            LayerError::MethodNotAllowed {
                allow: vec![Method::GET, Method::HEAD],
            },
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            Some("GET, HEAD"),
        ),
        (
            LayerError::PayloadTooLarge,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request entity too large",
            None,
        ),
        (
            LayerError::Timeout,
            StatusCode::REQUEST_TIMEOUT,
            "Request timeout",
            None,
        ),
        (
            LayerError::BodyUnreadable,
            StatusCode::BAD_REQUEST,
            "The request body could not be read",
            None,
        ),
        (
            LayerError::Internal,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
            None,
        ),
    ] {
        let case = format!("{error:?}");

        let response = facade.rescue(&error);

        assert_eq!(response.status().as_u16(), status.as_u16(), "{case}");
        let headers = response.headers().clone();
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some(XML),
            "{case}"
        );
        assert_eq!(
            headers.get("allow").and_then(|v| v.to_str().ok()),
            allow,
            "{case}"
        );
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(
            String::from_utf8(body.to_vec()).unwrap(),
            document(&format!("<error>{message}</error>\n")),
            "{case}"
        );
    }
}
