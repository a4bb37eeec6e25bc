//! The classic Zendesk XML facade, route by route (spec part B): groups and users as ActiveResource
//! clients see them, HTTP Basic (password and API token), `X-On-Behalf-Of`,
//! `X-Http-Method-Override`, and the XML error for every bad input, with the state unchanged.
//!
//! Bodies are compared whole, byte for byte: the default data's documents are written out below
//! as the gateway must send them.

mod auth;
mod bad_input;
mod formats;
mod groups;
mod routes;
mod users;

use std::time::Duration;

use crate::helpers::{
    Reply, TestApp, ZD_ADMIN, ZD_ADMIN_API_TOKEN, ZD_AGENT, raw_exchange, spawn_app, spawn_app_on,
    spawn_app_with,
};
use crate::zopim::{self, assert_json, with};
use deskbridge::facades::zendesk::xml::{Limits, XmlDocument};
use deskbridge::model::{AgentId, DepartmentId, Store, Timestamp};
use reqwest::header::{ALLOW, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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
    group_times_in(app.handle.store(), id)
}

/// The same, from a given store (a tenant's).
pub(crate) fn group_times_in(store: &Store, id: u64) -> (String, String) {
    let view = store.view();
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
