//! The Rocket.Chat facade (spec `rocketchat.md`): Rocket.Chat's own department e2e cases
//! (`apps/meteor/tests/end-to-end/api/livechat/10-departments.ts` and the department part of
//! `01-agents.ts`, spec §6) re-written as black-box tests with the same requests and
//! assertions, then every error row of spec §1.3 and §3.1 with its exact body and the state
//! unchanged.

use crate::helpers::{
    RC_ADMIN_ID, RC_AGENT, RC_AGENT_ID, Rc, Reply, TestApp, spawn_app, spawn_app_with,
};
use deskbridge::facades::rocketchat::{Edition, RocketchatOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// `.expect('Content-Type', 'application/json')` plus the router's cache headers (spec §0).
#[track_caller]
pub(crate) fn assert_headers(reply: &Reply, case: &str) {
    assert_eq!(
        reply.content_type(),
        Some("application/json"),
        "{case}: content type"
    );
    let header = |name: &str| reply.headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(
        header("cache-control"),
        Some("no-store"),
        "{case}: cache-control"
    );
    assert_eq!(header("pragma"), Some("no-cache"), "{case}: pragma");
}

/// Asserts a reply whole: status, headers and body.
#[track_caller]
pub(crate) fn assert_rc(reply: &Reply, status: StatusCode, body: Value, case: &str) {
    assert_eq!(reply.status, status, "{case}: status (body {})", reply.body);
    assert_headers(reply, case);
    assert_eq!(reply.json(), body, "{case}: body");
}

/// Asserts a status and JSON headers, returning the body.
#[track_caller]
fn expect(reply: &Reply, status: StatusCode) -> Value {
    assert_eq!(reply.status, status, "body {}", reply.body);
    assert_headers(reply, "reply");
    reply.json()
}

const FORBIDDEN: &str =
    "User does not have the permissions required for this action [error-unauthorized]";

fn forbidden() -> Value {
    json!({"success": false, "error": FORBIDDEN})
}

fn invalid_params(message: &str) -> Value {
    json!({"success": false, "error": format!("{message} [invalid-params]"), "errorType": "invalid-params"})
}

fn save_error(code: &str, reason: &str) -> Value {
    json!({"success": false, "error": format!("{reason} [{code}]"), "errorType": code,
           "details": {"method": "livechat:saveDepartment"}})
}

/// Everything Rocket.Chat shows of departments, archived ones included, for "unchanged" checks.
async fn snapshot(rc: &Rc<'_>) -> (Value, Value) {
    let list = rc
        .get("livechat/department?showArchived=true&count=0")
        .await
        .json();
    let links: Vec<Value> = futures_links(rc, &list).await;
    (list, Value::Array(links))
}

async fn futures_links(rc: &Rc<'_>, list: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for d in list["departments"].as_array().unwrap() {
        let id = d["_id"].as_str().unwrap();
        out.push(
            rc.get(&format!("livechat/department/{id}/agents"))
                .await
                .json(),
        );
    }
    out
}

#[track_caller]
fn assert_unchanged(app: &TestApp, before: &(Value, Value), after: &(Value, Value), case: &str) {
    assert_eq!(before, after, "{case}: the state changed");
    app.assert_invariants();
}

/// The e2e before-hooks: `Livechat_enabled`, `view-livechat-manager` for admin, `createAgent()`,
/// `makeAgentAvailable()`, removal enabled.
async fn before_hooks(rc: &Rc<'_>, manager_roles: &[&str]) {
    rc.setting("Livechat_enabled", json!(true)).await;
    rc.perm("view-livechat-manager", manager_roles).await;
    let agent = rc
        .post("livechat/users/agent", json!({"username": "admin"}))
        .await;
    assert_eq!(agent.status, StatusCode::OK, "{}", agent.body);
    make_agent_available(rc).await;
    rc.setting("Omnichannel_enable_department_removal", json!(true))
        .await;
}

/// `makeAgentAvailable()`: `users.setStatus` then `method.call/livechat/changeLivechatStatus`.
async fn make_agent_available(rc: &Rc<'_>) {
    let status = rc
        .post(
            "users.setStatus",
            json!({"message": "", "status": "online"}),
        )
        .await;
    assert_rc(
        &status,
        StatusCode::OK,
        json!({"success": true}),
        "users.setStatus",
    );
    let message = json!({"method": "livechat/changeLivechatStatus", "params": ["available"], "id": "id", "msg": "method"});
    let call = rc
        .post(
            "method.call/livechat/changeLivechatStatus",
            json!({"message": message.to_string()}),
        )
        .await;
    assert_rc(
        &call,
        StatusCode::OK,
        json!({"message": r#"{"id":"id","msg":"result"}"#, "success": true}),
        "changeLivechatStatus",
    );
}

async fn delete_department(rc: &Rc<'_>, id: &str) {
    let reply = rc.delete(&format!("livechat/department/{id}")).await;
    assert_rc(
        &reply,
        StatusCode::OK,
        json!({"success": true}),
        "deleteDepartment",
    );
}

fn id(value: &Value) -> &str {
    value["_id"].as_str().expect("an _id")
}

// ---------------------------------------------------------------------------------------------
// Suite "LIVECHAT - Departments[CE]" (spec §6), against --rocketchat-edition community.

#[tokio::test]
async fn community_edition_creates_one_department_refuses_a_second_and_lists_one() {
    let app = spawn_app_with(|c| {
        c.rocketchat = RocketchatOptions {
            edition: Edition::Community,
        }
    })
    .await;
    let rc = app.rc().await;
    // `restorePermissionToRoles` drops the EE-only monitor role outside EE.
    before_hooks(&rc, &["livechat-manager", "admin"]).await;
    let list = expect(&rc.get("livechat/department").await, StatusCode::OK);
    for department in list["departments"].as_array().unwrap() {
        delete_department(&rc, id(department)).await;
    }

    let created = rc
        .post(
            "livechat/department",
            json!({"department": {"name": "Test", "enabled": true, "showOnOfflineForm": true,
                   "showOnRegistration": true, "email": "bla@bla", "allowReceiveForwardOffline": true}}),
        )
        .await;
    let body = expect(&created, StatusCode::OK);
    assert_eq!(body["success"], true);
    let department = &body["department"];
    assert_eq!(
        department,
        &json!({"_id": id(department), "name": "Test", "enabled": true, "showOnRegistration": true,
                "showOnOfflineForm": true, "email": "bla@bla", "allowReceiveForwardOffline": true,
                "_updatedAt": department["_updatedAt"]})
    );
    assert_eq!(id(department).len(), 24);

    let before = snapshot(&rc).await;
    let second = rc
        .post(
            "livechat/department",
            json!({"department": {"name": "Test", "enabled": true, "showOnOfflineForm": true,
                   "showOnRegistration": true, "email": "bla@bla"}}),
        )
        .await;
    assert_rc(
        &second,
        StatusCode::BAD_REQUEST,
        save_error(
            "error-max-departments-number-reached",
            "Maximum number of departments reached",
        ),
        "a second department",
    );
    assert_unchanged(&app, &before, &snapshot(&rc).await, "a second department");

    let list = expect(&rc.get("livechat/department").await, StatusCode::OK);
    assert_eq!(list["success"], true);
    assert_eq!(list["departments"].as_array().unwrap().len(), 1);
    let available = rc
        .get("livechat/department/isDepartmentCreationAvailable")
        .await;
    assert_rc(
        &available,
        StatusCode::OK,
        json!({"isDepartmentCreationAvailable": false, "success": true}),
        "creation available",
    );
}

#[tokio::test]
async fn community_edition_reports_the_limit_before_not_found_for_a_put_to_an_unknown_id() {
    // Spec §3.1 #5: CE with one department says "maximum" where EE says "not found".
    let app = spawn_app_with(|c| c.rocketchat.edition = Edition::Community).await;
    let rc = app.rc().await;
    let body = json!({"department": {"name": "X", "enabled": false, "showOnOfflineForm": true,
                      "showOnRegistration": true, "email": "x@y"}});
    let reply = rc
        .put("livechat/department/665f1d0eb1d2c3e4f5a6b7ca", body)
        .await;
    assert_rc(
        &reply,
        StatusCode::BAD_REQUEST,
        save_error(
            "error-max-departments-number-reached",
            "Maximum number of departments reached",
        ),
        "CE put to an unknown id",
    );
}

// ---------------------------------------------------------------------------------------------
// Suite "LIVECHAT - Departments" (EE, spec §6).

async fn ee(app: &TestApp) -> Rc<'_> {
    let rc = app.rc().await;
    before_hooks(&rc, &["admin"]).await;
    rc
}

#[tokio::test]
async fn listing_departments_follows_the_e2e_cases_for_permissions_pagination_and_order() {
    let app = spawn_app().await;
    let rc = ee(&app).await;

    // a. no view permission at all -> 403.
    rc.perm("view-livechat-departments", &[]).await;
    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get("livechat/department").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );

    // b. view-departments for admin -> 200 with an array.
    rc.perm("view-livechat-departments", &["admin"]).await;
    let list = expect(&rc.get("livechat/department").await, StatusCode::OK);
    assert_eq!(list["success"], true);
    assert!(list["departments"].is_array());

    // c. count=invalid -> 400.
    assert_rc(
        &rc.get("livechat/department?count=invalid").await,
        StatusCode::BAD_REQUEST,
        invalid_params("must be number"),
        "c",
    );

    // d. count=1&offset=0 -> exactly one.
    let page = expect(
        &rc.get("livechat/department?count=1&offset=0").await,
        StatusCode::OK,
    );
    assert_eq!(page["departments"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            page["count"].clone(),
            page["offset"].clone(),
            page["total"].clone()
        ),
        (json!(1), json!(0), json!(3))
    );

    // e. "A test" sorts before "a test" (byte order, no collation).
    let upper = rc.create_department(None, "A test", true).await;
    let lower = rc.create_department(None, "a test", true).await;
    let sorted = expect(
        &rc.get("livechat/department?count=2&offset=0&text=test")
            .await,
        StatusCode::OK,
    );
    let ids: Vec<&str> = sorted["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(ids, [id(&upper), id(&lower)]);
    delete_department(&rc, id(&upper)).await;
    delete_department(&rc, id(&lower)).await;

    // f. text matches the name as a case-insensitive substring.
    let first = rc.create_department(None, "A test 123", true).await;
    let second = rc.create_department(None, "a test 456", true).await;
    let matched = expect(
        &rc.get("livechat/department?count=2&offset=0&text=A%20test%20123")
            .await,
        StatusCode::OK,
    );
    let departments = matched["departments"].as_array().unwrap();
    assert_eq!(departments.len(), 1);
    assert_eq!(id(&departments[0]), id(&first));
    assert!(departments.iter().all(|d| id(d) != id(&second)));
}

#[tokio::test]
async fn creating_departments_follows_the_e2e_cases_with_exact_error_bodies() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let valid = || json!({"name": "Test", "enabled": true, "showOnOfflineForm": true, "showOnRegistration": true, "email": "bla@bla"});
    let with = |extra: Value| {
        let mut d = valid();
        for (k, v) in extra.as_object().unwrap() {
            d[k] = v.clone();
        }
        json!({ "department": d })
    };

    // a. manage permission removed -> 403.
    rc.perm("manage-livechat-departments", &[]).await;
    let before = snapshot(&rc).await;
    let reply = rc
        .post("livechat/department", json!({"department": {"name": "TestUnauthorized", "enabled": true, "showOnOfflineForm": true, "showOnRegistration": true, "email": "bla@bla"}}))
        .await;
    assert_rc(&reply, StatusCode::FORBIDDEN, forbidden(), "a");
    rc.perm("manage-livechat-departments", &["admin"]).await;

    let cases = [
        (
            "b. no keys",
            json!({"department": {}}),
            invalid_params("must have required property 'name'"),
        ),
        (
            "c. tags required but missing",
            with(json!({"requestTagBeforeClosingChat": true})),
            save_error(
                "error-validating-department-chat-closing-tags",
                "At least one closing tag is required when the department requires tag(s) on closing conversations.",
            ),
        ),
        (
            "d. tags not an array",
            with(json!({"requestTagBeforeClosingChat": true, "chatClosingTags": "not an array"})),
            invalid_params("must be array"),
        ),
        (
            "f/g. fallback not a department",
            with(json!({"fallbackForwardDepartment": "not a department id"})),
            save_error(
                "error-fallback-department-not-found",
                "Fallback department not found",
            ),
        ),
        (
            "no body",
            json!({}),
            invalid_params("must have required property 'department'"),
        ),
        (
            "unknown top-level key",
            json!({"department": valid(), "extra": 1}),
            invalid_params("must NOT have additional properties"),
        ),
        (
            "agents item with username",
            json!({"department": valid(), "agents": [{"agentId": RC_ADMIN_ID, "username": "admin"}]}),
            invalid_params("must NOT have additional properties"),
        ),
        (
            "enabled not a boolean",
            with(json!({"enabled": "yes"})),
            invalid_params("must be boolean"),
        ),
        (
            "an object in a custom field",
            with(json!({"custom": {"a": 1}})),
            json!({"success": false, "error": "Match error: Failed Match.OneOf, Match.Maybe or Match.Optional validation in field custom"}),
        ),
        (
            "a blank name",
            with(json!({"name": "  "})),
            json!({"success": false, "error": "Match error: Failed Match.Where validation in field name"}),
        ),
    ];
    for (case, body, error) in cases {
        let reply = rc.post("livechat/department", body).await;
        assert_rc(&reply, StatusCode::BAD_REQUEST, error, case);
        assert_unchanged(&app, &before, &snapshot(&rc).await, case);
    }

    // e. tags given -> 200, echoed.
    let tagged = expect(
        &rc.post(
            "livechat/department",
            with(json!({"requestTagBeforeClosingChat": true, "chatClosingTags": ["tagA", "tagB"]})),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(tagged["department"]["requestTagBeforeClosingChat"], true);
    assert_eq!(
        tagged["department"]["chatClosingTags"],
        json!(["tagA", "tagB"])
    );
    delete_department(&rc, id(&tagged["department"])).await;

    // h. a valid department, whole; `success` is the last key on the wire.
    let reply = rc
        .post("livechat/department", json!({"department": valid()}))
        .await;
    assert!(
        reply.body.ends_with(r#"],"success":true}"#),
        "{}",
        reply.body
    );
    let created = expect(&reply, StatusCode::OK);
    let department = &created["department"];
    assert_eq!(
        created,
        json!({"department": {"_id": id(department), "name": "Test", "enabled": true,
                "showOnRegistration": true, "showOnOfflineForm": true, "email": "bla@bla",
                "_updatedAt": department["_updatedAt"]}, "agents": [], "success": true})
    );
    let updated_at = department["_updatedAt"].as_str().unwrap();
    assert!(
        updated_at.len() == 24 && updated_at.ends_with('Z'),
        "{updated_at}"
    );
    delete_department(&rc, id(department)).await;

    // i. a disabled department.
    let disabled = expect(
        &rc.post(
            "livechat/department",
            with(json!({"name": "adjective", "enabled": false})),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(disabled["department"]["enabled"], false);
    // Coerced by ajv: "true" is a boolean, a number a string.
    let coerced = expect(
        &rc.post(
            "livechat/department",
            with(json!({"enabled": "true", "name": 42})),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(
        (
            coerced["department"]["enabled"].clone(),
            coerced["department"]["name"].clone()
        ),
        (json!(true), json!("42"))
    );
}

#[tokio::test]
async fn a_department_created_with_agents_answers_its_links_but_no_num_agents_yet() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let body = json!({"department": {"name": "Linked", "enabled": true, "showOnOfflineForm": true,
                      "showOnRegistration": true, "email": "a@b.com", "custom": "kept", "level": 3},
                      "agents": [{"agentId": RC_AGENT_ID, "count": 2, "order": 1}, {"agentId": "nobodyXXXXXXXXXXX"}]});
    let created = expect(&rc.post("livechat/department", body).await, StatusCode::OK);
    let department = &created["department"];
    assert_eq!(department.get("numAgents"), None);
    assert_eq!(
        (department["custom"].clone(), department["level"].clone()),
        (json!("kept"), json!(3))
    );
    let links = created["agents"].as_array().unwrap();
    assert_eq!(links.len(), 1, "unknown users are skipped");
    let link = &links[0];
    assert_eq!(
        link,
        &json!({"_id": id(link), "agentId": RC_AGENT_ID, "departmentId": id(department),
                "username": "agent", "departmentEnabled": true, "count": 2, "order": 1,
                "_updatedAt": link["_updatedAt"]})
    );
    let shown = expect(
        &rc.get(&format!("livechat/department/{}", id(department)))
            .await,
        StatusCode::OK,
    );
    assert_eq!(shown["department"]["numAgents"], 1);
    assert_eq!(shown["agents"], json!(links));
}

#[tokio::test]
async fn showing_a_department_follows_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    // a. view-departments removed (view-l-room too) -> 403.
    rc.perm("view-livechat-departments", &[]).await;
    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get("livechat/department/testetetetstetete").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm("view-livechat-departments", &["admin"]).await;
    // b. unknown -> 200 with department null.
    assert_rc(
        &rc.get("livechat/department/testesteteste").await,
        StatusCode::OK,
        json!({"department": null, "agents": [], "success": true}),
        "b",
    );
    // c. the department's fields.
    let department = rc.create_department(None, "Department 1", true).await;
    let shown = expect(
        &rc.get(&format!("livechat/department/{}", id(&department)))
            .await,
        StatusCode::OK,
    );
    assert_eq!(
        shown,
        json!({"department": department, "agents": [], "success": true})
    );
    // includeAgents=false leaves the agents out.
    let without = expect(
        &rc.get(&format!(
            "livechat/department/{}?includeAgents=false",
            id(&department)
        ))
        .await,
        StatusCode::OK,
    );
    assert_eq!(without, json!({"department": department, "success": true}));
}

#[tokio::test]
async fn updating_a_department_follows_the_e2e_cases_and_upserts_agents() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let department = rc
        .create_department(
            Some(json!([{"agentId": RC_ADMIN_ID}])),
            "Department 2",
            true,
        )
        .await;
    let path = format!("livechat/department/{}", id(&department));
    let fields = json!({"name": "adjective", "enabled": true, "showOnOfflineForm": true, "showOnRegistration": true, "email": "x@example.com"});
    let before = snapshot(&rc).await;
    let mut circular = fields.clone();
    circular["fallbackForwardDepartment"] = json!(id(&department));
    rc.perm("add-livechat-department-agents", &["admin"]).await;
    let cases = [
        (
            "a. fallback is itself",
            json!({"department": circular}),
            json!({"success": false,
            "error": "Cannot save department. Circular reference between fallback department and department [error-fallback-department-circular]",
            "errorType": "error-fallback-department-circular"}),
        ),
        (
            "b. agents not an array",
            json!({"department": fields, "agents": "not an array"}),
            json!({"success": false, "error": "Match error: Expected Array in field agents"}),
        ),
        (
            "c. agents with a wrong key",
            json!({"department": fields, "agents": [{"notAValidKey": "string"}]}),
            json!({"success": false, "error": "Match error: Missing key 'agentId' in field upsert[0]"}),
        ),
        (
            "d. agents nesting upsert",
            json!({"department": fields, "agents": [{"upsert": [{"notAValidKey": "string"}]}]}),
            json!({"success": false, "error": "Match error: Missing key 'agentId' in field upsert[0]"}),
        ),
        (
            "missing department",
            json!({"agents": []}),
            json!({"success": false, "error": "Match error: Missing key 'department'"}),
        ),
        (
            "an unknown key",
            json!({"department": fields, "x": 1}),
            json!({"success": false, "error": "Match error: Unknown key in field x"}),
        ),
        (
            "enabled as a string",
            json!({"department": {"name": "n", "enabled": "true", "showOnOfflineForm": true, "showOnRegistration": true, "email": "e"}}),
            json!({"success": false, "error": "Match error: Expected boolean, got string in field enabled"}),
        ),
        (
            "email missing",
            json!({"department": {"name": "n", "enabled": true, "showOnOfflineForm": true, "showOnRegistration": true}}),
            json!({"success": false, "error": "Match error: Missing key 'email'"}),
        ),
    ];
    for (case, body, error) in cases {
        let reply = rc.put(&path, body).await;
        assert_rc(&reply, StatusCode::BAD_REQUEST, error, case);
        assert_unchanged(&app, &before, &snapshot(&rc).await, case);
    }
    // An unknown id in EE is "not found" (after the body checks).
    let unknown = rc
        .put(
            "livechat/department/665f1d0eb1d2c3e4f5a6b7ca",
            json!({"department": fields}),
        )
        .await;
    assert_rc(
        &unknown,
        StatusCode::BAD_REQUEST,
        save_error("error-department-not-found", "Department not found"),
        "unknown id",
    );
    // Without manage-livechat-departments, add-agents alone is not enough (spec §3.1 #5 step 3).
    rc.perm("manage-livechat-departments", &[]).await;
    let not_allowed = rc.put(&path, json!({"department": fields})).await;
    assert_rc(
        &not_allowed,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "error-not-allowed"}),
        "add-agents only",
    );
    rc.perm("manage-livechat-departments", &["admin"]).await;
    assert_unchanged(&app, &before, &snapshot(&rc).await, "add-agents only");

    // A whole fetched document is accepted back (`disableDepartment`), agents are upserted.
    let mut document = department.clone();
    document.as_object_mut().unwrap().remove("_updatedAt");
    document["enabled"] = json!(false);
    document["numAgents"] = json!(1);
    let updated = expect(
        &rc.put(&path, json!({"department": document, "agents": [{"agentId": RC_AGENT_ID, "username": "agent"}]})).await,
        StatusCode::OK,
    );
    let saved = &updated["department"];
    assert_eq!(saved["enabled"], false);
    assert_eq!(saved["numAgents"], 2);
    let agents: Vec<&str> = updated["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["agentId"].as_str().unwrap())
        .collect();
    assert_eq!(
        agents,
        [RC_ADMIN_ID, RC_AGENT_ID],
        "upserted, never replaced"
    );
    assert!(
        updated["agents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["departmentEnabled"] == false)
    );
}

#[tokio::test]
async fn deleting_a_department_follows_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let department = rc.create_department(None, "Department 3", true).await;
    let path = format!("livechat/department/{}", id(&department));
    let before = snapshot(&rc).await;

    // a. setting disabled.
    rc.setting("Omnichannel_enable_department_removal", json!(false))
        .await;
    assert_rc(
        &rc.delete(&path).await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "error-department-removal-disabled"}),
        "a",
    );
    rc.setting("Omnichannel_enable_department_removal", json!(true))
        .await;
    // b. no permission.
    rc.perm("manage-livechat-departments", &[]).await;
    rc.perm("remove-livechat-department", &[]).await;
    assert_rc(
        &rc.delete("livechat/department/testetetetstetete").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "b",
    );
    rc.perm("manage-livechat-departments", &["admin"]).await;
    // c. unknown.
    assert_rc(
        &rc.delete("livechat/department/testesteteste").await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "error-department-not-found"}),
        "c",
    );
    assert_unchanged(&app, &before, &snapshot(&rc).await, "a-c");
    // d. removed.
    delete_department(&rc, id(&department)).await;
    assert_rc(
        &rc.get(&path).await,
        StatusCode::OK,
        json!({"department": null, "agents": [], "success": true}),
        "gone",
    );
}

#[tokio::test]
async fn autocomplete_follows_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    rc.perm("view-livechat-departments", &[]).await;
    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get("livechat/department.autocomplete").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm("view-livechat-departments", &["admin"]).await;
    rc.perm("view-l-room", &["admin"]).await;
    let required = json!({"success": false, "error": "The 'selector' param is required"});
    assert_rc(
        &rc.get("livechat/department.autocomplete").await,
        StatusCode::BAD_REQUEST,
        required.clone(),
        "b",
    );
    assert_rc(
        &rc.get("livechat/department.autocomplete?selector=").await,
        StatusCode::BAD_REQUEST,
        required,
        "c",
    );
    for (case, query) in [
        ("d. an object", "selector[name]=test"),
        ("e. bad JSON", "selector=%7Bname%3A%20%22test%22"),
    ] {
        let body = expect(
            &rc.get(&format!("livechat/department.autocomplete?{query}"))
                .await,
            StatusCode::BAD_REQUEST,
        );
        assert_eq!(body["success"], false, "{case}");
        assert!(body["error"].is_string(), "{case}");
    }
    // f. a term matches name prefixes, case-insensitively.
    let test = rc.create_department(None, "test", true).await;
    let found = expect(
        &rc.get("livechat/department.autocomplete?selector=%7B%22term%22%3A%22test%22%7D")
            .await,
        StatusCode::OK,
    );
    assert_eq!(
        found,
        json!({"items": [{"_id": id(&test), "name": "test"}], "success": true})
    );
    // g. exceptions leave departments out.
    let query = format!(
        "selector={}",
        urlencode(&json!({"exceptions": [id(&test)]}).to_string())
    );
    let rest = expect(
        &rc.get(&format!("livechat/department.autocomplete?{query}"))
            .await,
        StatusCode::OK,
    );
    let names: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Billing", "Sales", "Support"]);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn list_by_ids_follows_the_e2e_cases_and_accepts_both_array_forms() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    rc.perm("view-livechat-departments", &[]).await;
    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get("livechat/department.listByIds").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm("view-livechat-departments", &["admin"]).await;
    rc.perm("view-l-room", &["admin"]).await;
    assert_rc(
        &rc.get("livechat/department.listByIds").await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "The 'ids' param is required"}),
        "b",
    );
    assert_rc(
        &rc.get("livechat/department.listByIds?ids=test").await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "The 'ids' param must be an array"}),
        "c",
    );
    for query in [
        "ids[]=65a4f0c2e4b0a1b2c3d4e5f1&ids[]=65a4f0c2e4b0a1b2c3d4e5f3",
        "ids=65a4f0c2e4b0a1b2c3d4e5f1&ids=65a4f0c2e4b0a1b2c3d4e5f3",
    ] {
        let found = expect(
            &rc.get(&format!("livechat/department.listByIds?{query}"))
                .await,
            StatusCode::OK,
        );
        let names: Vec<&str> = found["departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Sales", "Billing"], "{query}");
    }
}

#[tokio::test]
async fn department_agents_follow_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    rc.perm("view-livechat-departments", &[]).await;
    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get("livechat/department/test/agents").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm("view-livechat-departments", &["admin"]).await;
    rc.perm("view-l-room", &["admin", "livechat-agent"]).await;
    let empty = json!({"agents": [], "count": 0, "offset": 0, "total": 0, "success": true});
    assert_rc(
        &rc.get("livechat/department/test/agents").await,
        StatusCode::OK,
        empty.clone(),
        "b",
    );
    let bare = rc.create_department(None, "Bare", true).await;
    assert_rc(
        &rc.get(&format!("livechat/department/{}/agents", id(&bare)))
            .await,
        StatusCode::OK,
        empty,
        "c",
    );
    let agent = expect(
        &rc.post("livechat/users/agent", json!({"username": "admin"}))
            .await,
        StatusCode::OK,
    );
    assert_eq!(
        agent,
        json!({"user": {"_id": RC_ADMIN_ID, "username": "admin"}, "success": true})
    );
    let dep = rc
        .create_department(
            Some(json!([{"agentId": agent["user"]["_id"]}])),
            "With agent",
            true,
        )
        .await;
    let agents = expect(
        &rc.get(&format!("livechat/department/{}/agents", id(&dep)))
            .await,
        StatusCode::OK,
    );
    assert_eq!(agents["agents"].as_array().unwrap().len(), 1);
    assert_eq!(agents["agents"][0]["departmentId"], id(&dep));
    assert_eq!(agents["agents"][0]["departmentEnabled"], true);
    assert_eq!(agents["count"], 1);
    // sort must be JSON of 1 / -1.
    let bad_sort = rc
        .get(&format!(
            "livechat/department/{}/agents?sort=%7B%22username%22%3A2%7D",
            id(&dep)
        ))
        .await;
    assert_rc(
        &bad_sort,
        StatusCode::BAD_REQUEST,
        json!({"success": false,
        "error": r#"Invalid sort parameter provided: "{"username":2}" [error-invalid-sort]"#,
        "errorType": "error-invalid-sort", "details": {"helperMethod": "parseJsonQuery"}}),
        "sort",
    );
}

#[tokio::test]
async fn saving_department_agents_follows_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let dep = rc.create_department(None, "Agents", true).await;
    let path = format!("livechat/department/{}/agents", id(&dep));
    let before = snapshot(&rc).await;
    rc.perm("manage-livechat-departments", &[]).await;
    rc.perm("add-livechat-department-agents", &[]).await;
    assert_rc(
        &rc.call(Method::POST, "livechat/department/test/agents", None)
            .await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm("manage-livechat-departments", &["admin"]).await;
    rc.perm(
        "add-livechat-department-agents",
        &["admin", "livechat-manager"],
    )
    .await;
    let cases = [
        (
            "b. unknown department",
            "livechat/department/test/agents".to_owned(),
            Some(json!({"upsert": [], "remove": []})),
            json!({"success": false, "error": "Department not found [error-department-not-found]", "errorType": "error-department-not-found"}),
        ),
        (
            "c. no body",
            path.clone(),
            None,
            json!({"success": false, "error": "Match error: Missing key 'upsert'"}),
        ),
        (
            "d. an item without agentId",
            path.clone(),
            Some(json!({"upsert": [{}], "remove": []})),
            json!({"success": false, "error": "Match error: Missing key 'agentId' in field upsert[0]"}),
        ),
        (
            "remove missing",
            path.clone(),
            Some(json!({"upsert": []})),
            json!({"success": false, "error": "Match error: Missing key 'remove'"}),
        ),
        (
            "count not an integer",
            path.clone(),
            Some(json!({"upsert": [{"agentId": RC_AGENT_ID, "count": 1.5}], "remove": []})),
            json!({"success": false, "error": "Match error: Expected Integer, got 1.5 in field upsert[0].count"}),
        ),
    ];
    for (case, path, body, error) in cases {
        let reply = match body {
            Some(body) => rc.post(&path, body).await,
            None => rc.call(Method::POST, &path, None).await,
        };
        assert_rc(&reply, StatusCode::BAD_REQUEST, error, case);
        assert_unchanged(&app, &before, &snapshot(&rc).await, case);
    }
    // e. valid.
    let added = rc
        .post(
            &path,
            json!({"upsert": [{"agentId": RC_AGENT_ID, "username": "agent"}], "remove": []}),
        )
        .await;
    assert_rc(&added, StatusCode::OK, json!({"success": true}), "e");
    let removed = rc
        .post(
            &path,
            json!({"upsert": [], "remove": [{"agentId": RC_AGENT_ID, "username": "agent"}]}),
        )
        .await;
    assert_rc(&removed, StatusCode::OK, json!({"success": true}), "remove");
    assert_eq!(rc.get(&path).await.json()["total"], 0);
}

#[tokio::test]
async fn archivation_follows_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let unauthenticated = app
        .rc_anonymous(Method::POST, "livechat/department/123/archive", None)
        .await;
    assert_rc(
        &unauthenticated,
        StatusCode::UNAUTHORIZED,
        json!({"success": false, "error": "You must be logged in to do this.", "status": "error", "message": "You must be logged in to do this."}),
        "a",
    );
    rc.perm("manage-livechat-departments", &[]).await;
    assert_rc(
        &rc.call(Method::POST, "livechat/department/123/archive", None)
            .await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "b",
    );
    rc.perm("manage-livechat-departments", &["admin"]).await;
    assert_rc(
        &rc.call(Method::POST, "livechat/department/123/archive", None)
            .await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "department-not-found"}),
        "c",
    );
    assert_rc(
        &rc.call(Method::POST, "livechat/department/123/unarchive", None)
            .await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "[department-not-found]", "errorType": "department-not-found"}),
        "c, unarchive",
    );

    let department = rc.create_department(None, "To archive", true).await;
    let archive = rc
        .call(
            Method::POST,
            &format!("livechat/department/{}/archive", id(&department)),
            None,
        )
        .await;
    assert_rc(&archive, StatusCode::OK, json!({"success": true}), "d");
    let archived = expect(
        &rc.get("livechat/departments/archived").await,
        StatusCode::OK,
    );
    assert_eq!(archived["departments"].as_array().unwrap().len(), 1);
    assert_eq!(id(&archived["departments"][0]), id(&department));
    assert_eq!(
        (
            archived["departments"][0]["archived"].clone(),
            archived["departments"][0]["enabled"].clone()
        ),
        (json!(true), json!(false))
    );
    // Hidden from the default list, shown with showArchived.
    let listed = rc.get("livechat/department").await.json();
    assert!(
        listed["departments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| id(d) != id(&department))
    );
    // An archived department cannot be enabled.
    let enable = rc.put(&format!("livechat/department/{}", id(&department)), json!({"department": {"name": "x", "enabled": true, "showOnOfflineForm": true, "showOnRegistration": true, "email": "e"}})).await;
    assert_rc(
        &enable,
        StatusCode::BAD_REQUEST,
        save_error(
            "error-archived-department-cant-be-enabled",
            "Archived departments cant be enabled",
        ),
        "enable archived",
    );
    let unarchive = rc
        .call(
            Method::POST,
            &format!("livechat/department/{}/unarchive", id(&department)),
            None,
        )
        .await;
    assert_rc(&unarchive, StatusCode::OK, json!({"success": true}), "f");
    let shown = rc
        .get(&format!("livechat/department/{}", id(&department)))
        .await
        .json();
    assert_eq!(
        shown["department"]["enabled"], false,
        "unarchiving leaves it disabled"
    );
}

#[tokio::test]
async fn with_multiple_business_hours_an_agent_can_be_removed_from_a_department() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    rc.setting("Livechat_enable_business_hours", json!(true))
        .await;
    rc.setting("Livechat_business_hour_type", json!("Multiple"))
        .await;
    let user = expect(
        &rc.post("users.create", json!({"email": "user.test.1@rocket.chat", "name": "user.test.1", "username": "user.test.1", "password": "rocket.chat"})).await,
        StatusCode::OK,
    );
    let user_id = user["user"]["_id"].as_str().unwrap().to_owned();
    assert_eq!(user["user"]["roles"], json!(["user"]));
    rc.post("livechat/users/agent", json!({"username": "user.test.1"}))
        .await;
    let agent = app.rc_as(("user.test.1", "rocket.chat")).await;
    assert_eq!(agent.user_id, user_id);
    make_agent_available(&agent).await;
    let department = rc
        .create_department(
            Some(json!([{"agentId": user_id}])),
            "2026-01-01T00:00:00.000Z-department",
            true,
        )
        .await;
    let reply = rc
        .post(
            &format!("livechat/department/{}/agents", id(&department)),
            json!({"upsert": [], "remove": [{"agentId": user_id, "username": "user.test.1"}]}),
        )
        .await;
    assert_rc(
        &reply,
        StatusCode::OK,
        json!({"success": true}),
        "remove with business hours",
    );
}

#[tokio::test]
async fn an_agents_departments_follow_the_01_agents_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let agent = rc
        .post("livechat/users/agent", json!({"username": "admin"}))
        .await
        .json();
    let agent_id = agent["user"]["_id"].as_str().unwrap().to_owned();
    let dep1 = rc
        .create_department(Some(json!([{"agentId": rc.user_id}])), "Dep1", true)
        .await;
    let dep2 = rc
        .create_department(Some(json!([{"agentId": rc.user_id}])), "Dep2", false)
        .await;
    let path = format!("livechat/agents/{agent_id}/departments");

    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get(&path).await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm(
        "view-l-room",
        &["livechat-manager", "livechat-agent", "admin"],
    )
    .await;
    assert_rc(
        &rc.get("livechat/agents/invalid-id/departments").await,
        StatusCode::OK,
        json!({"departments": [], "success": true}),
        "b",
    );
    let all = expect(&rc.get(&path).await, StatusCode::OK);
    // The admin is also a member of Sales in the default data.
    let mine: Vec<&Value> = all["departments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["departmentId"] == id(&dep1) || d["departmentId"] == id(&dep2))
        .collect();
    assert_eq!(mine.len(), 2);
    for d in all["departments"].as_array().unwrap() {
        assert_eq!(d["agentId"], agent_id.as_str());
        assert!(d["departmentName"].is_string());
    }
    let enabled = expect(
        &rc.get(&format!("{path}?enabledDepartmentsOnly=true")).await,
        StatusCode::OK,
    );
    assert!(
        enabled["departments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["departmentEnabled"] == true)
    );
    assert!(
        enabled["departments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["departmentId"] != id(&dep2))
    );
    // The typed route checks its query before authentication.
    let typed = app
        .rc_anonymous(Method::GET, &format!("{path}?other=1"), None)
        .await;
    assert_rc(
        &typed,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "errorType": "error-invalid-params", "error": "must NOT have additional properties"}),
        "typed query",
    );
}

// ---------------------------------------------------------------------------------------------
// Auth (spec §1.3, §2.1).

#[tokio::test]
async fn login_accepts_every_body_form_of_the_spec_and_answers_the_session() {
    let app = spawn_app().await;
    let forms = [
        json!({"user": "admin", "password": "admin"}),
        json!({"user": "admin@example.com", "password": "admin"}),
        json!({"username": "admin", "password": "admin"}),
        json!({"email": "admin@example.com", "password": "admin"}),
        json!({"user": {"username": "admin"}, "password": "admin"}),
        json!({"user": {"email": "admin@example.com"}, "password": "admin", "code": "123456"}),
    ];
    for form in forms {
        let reply = app.rc_login_raw(&form.to_string()).await;
        let body = expect(&reply, StatusCode::OK);
        let token = body["data"]["authToken"].as_str().unwrap();
        assert_eq!(token.len(), 43, "{form}");
        assert_eq!(
            body,
            json!({"status": "success", "data": {"userId": RC_ADMIN_ID, "authToken": token, "me": {
                "_id": RC_ADMIN_ID, "username": "admin", "name": "Alex Admin",
                "emails": [{"address": "admin@example.com", "verified": true}],
                "status": "offline", "statusConnection": "offline", "statusLivechat": "available",
                "active": true, "roles": ["user", "admin", "livechat-agent"],
                "settings": {"profile": {}, "preferences": {}},
                "avatarUrl": format!("http://{}/avatar/admin", app.handle.addr()),
                "email": "admin@example.com"}}, "success": true}),
            "{form}"
        );
    }
    // A resume login answers the same token.
    let rc = app.rc().await;
    let resumed = expect(
        &app.rc_login_raw(&json!({"resume": rc.token}).to_string())
            .await,
        StatusCode::OK,
    );
    assert_eq!(resumed["data"]["authToken"], rc.token.as_str());
}

#[tokio::test]
async fn a_failed_login_answers_rocket_chats_unauthorized_body_for_every_cause() {
    let app = spawn_app().await;
    let unauthorized = json!({"success": false, "error": "Unauthorized", "status": "error", "message": "Unauthorized"});
    let digest = "8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918";
    let cases = [
        ("unknown user", json!({"user": "nobody", "password": "x"})),
        (
            "wrong password",
            json!({"user": "admin", "password": "nope"}),
        ),
        (
            "a user without a password",
            json!({"user": "maria", "password": ""}),
        ),
        (
            "a sha-256 digest",
            json!({"user": "admin", "password": {"digest": digest, "algorithm": "sha-256"}}),
        ),
        ("no password", json!({"user": "admin"})),
        ("an unknown resume token", json!({"resume": "nope"})),
        ("no body", json!({})),
    ];
    for (case, body) in cases {
        assert_rc(
            &app.rc_login_raw(&body.to_string()).await,
            StatusCode::UNAUTHORIZED,
            unauthorized.clone(),
            case,
        );
    }
}

#[tokio::test]
async fn every_route_but_login_needs_both_headers_of_the_same_user() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let agent = app.rc_as(RC_AGENT).await;
    let logged_out = json!({"success": false, "error": "You must be logged in to do this.", "status": "error", "message": "You must be logged in to do this."});
    let headers: [(&str, Option<&str>, Option<&str>); 5] = [
        ("no headers", None, None),
        ("no user id", Some(&rc.token), None),
        ("no token", None, Some(RC_ADMIN_ID)),
        ("another user's id", Some(&rc.token), Some(RC_AGENT_ID)),
        (
            "an unknown token",
            Some("x".repeat(43).leak()),
            Some(RC_ADMIN_ID),
        ),
    ];
    for (case, token, user) in headers {
        let mut request = app.client.get(app.url("/api/v1/livechat/department"));
        if let Some(token) = token {
            request = request.header("X-Auth-Token", token);
        }
        if let Some(user) = user {
            request = request.header("X-User-Id", user);
        }
        assert_rc(
            &app.send(request).await,
            StatusCode::UNAUTHORIZED,
            logged_out.clone(),
            case,
        );
    }
    // Authentication comes before validation: bad params without a session are still 401.
    let bad = app
        .rc_anonymous(Method::GET, "livechat/department?count=x", None)
        .await;
    assert_rc(
        &bad,
        StatusCode::UNAUTHORIZED,
        logged_out.clone(),
        "401 before 400",
    );
    // Validation comes before permissions: the agent lacks view-livechat-departments... but has
    // view-l-room; take it away to see 400 win over 403.
    rc.perm("view-l-room", &[]).await;
    let order = agent.get("livechat/department?count=x").await;
    assert_rc(
        &order,
        StatusCode::BAD_REQUEST,
        invalid_params("must be number"),
        "400 before 403",
    );
    assert_rc(
        &agent.get("livechat/department").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "then 403",
    );
    // Logout revokes the token.
    let out = agent.call(Method::POST, "logout", None).await;
    assert_rc(
        &out,
        StatusCode::OK,
        json!({"status": "success", "data": {"message": "You've been logged out!"}, "success": true}),
        "logout",
    );
    assert_rc(
        &agent.get("livechat/department").await,
        StatusCode::UNAUTHORIZED,
        logged_out,
        "after logout",
    );
}

#[tokio::test]
async fn the_default_agent_has_the_livechat_agent_role_and_its_permissions_only() {
    let app = spawn_app().await;
    let agent = app.rc_as(RC_AGENT).await;
    // view-l-room lets an agent list and read departments...
    let list = expect(&agent.get("livechat/department").await, StatusCode::OK);
    assert_eq!(list["total"], 3);
    // ...but not create them, nor change permissions or settings.
    let create = agent.post("livechat/department", json!({"department": {"name": "N", "enabled": true, "showOnOfflineForm": true, "showOnRegistration": true, "email": "e"}})).await;
    assert_rc(&create, StatusCode::FORBIDDEN, forbidden(), "create");
    let perm = agent
        .post(
            "permissions.update",
            json!({"permissions": [{"_id": "view-l-room", "roles": []}]}),
        )
        .await;
    assert_rc(
        &perm,
        StatusCode::FORBIDDEN,
        forbidden(),
        "permissions.update",
    );
    let setting = agent
        .post("settings/Livechat_enabled", json!({"value": false}))
        .await;
    assert_rc(&setting, StatusCode::FORBIDDEN, forbidden(), "settings");
}

// ---------------------------------------------------------------------------------------------
// Permissions, settings, users.

#[tokio::test]
async fn permissions_update_refuses_bad_bodies_unknown_permissions_and_roles() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let cases = [
        (
            "no permissions",
            json!({}),
            "Invalid body params",
            "error-invalid-body-params",
        ),
        (
            "roles not strings",
            json!({"permissions": [{"_id": "view-l-room", "roles": [1]}]}),
            "Invalid body params",
            "error-invalid-body-params",
        ),
        (
            "unknown permission",
            json!({"permissions": [{"_id": "fly", "roles": []}]}),
            "Invalid permission",
            "error-invalid-permission",
        ),
        (
            "unknown role",
            json!({"permissions": [{"_id": "view-l-room", "roles": ["wizard"]}]}),
            "Invalid role",
            "error-invalid-role",
        ),
    ];
    for (case, body, error, error_type) in cases {
        let reply = rc.post("permissions.update", body).await;
        assert_rc(
            &reply,
            StatusCode::BAD_REQUEST,
            json!({"success": false, "error": error, "errorType": error_type}),
            case,
        );
    }
    let ok = expect(
        &rc.post(
            "permissions.update",
            json!({"permissions": [{"_id": "view-l-room", "roles": ["admin"]}]}),
        )
        .await,
        StatusCode::OK,
    );
    let updated = ok["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["_id"] == "view-l-room")
        .unwrap();
    assert_eq!(updated, &json!({"_id": "view-l-room", "roles": ["admin"]}));
    let listed = expect(&rc.get("permissions.listAll").await, StatusCode::OK);
    assert_eq!(listed["update"], ok["permissions"]);
}

#[tokio::test]
async fn settings_have_rocket_chats_defaults_and_can_be_changed() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    assert_rc(
        &rc.get("settings/Omnichannel_enable_department_removal")
            .await,
        StatusCode::OK,
        json!({"_id": "Omnichannel_enable_department_removal", "value": false, "success": true}),
        "removal default",
    );
    assert_rc(
        &rc.get("settings/Livechat_enabled").await,
        StatusCode::OK,
        json!({"_id": "Livechat_enabled", "value": true, "success": true}),
        "livechat default",
    );
    assert_rc(
        &rc.get("settings/Not_A_Setting").await,
        StatusCode::BAD_REQUEST,
        json!({"success": false}),
        "unknown",
    );
    assert_rc(
        &rc.post("settings/Livechat_enabled", json!({})).await,
        StatusCode::BAD_REQUEST,
        json!({"success": false}),
        "no value",
    );
    rc.setting("Livechat_enabled", json!(false)).await;
    let config = app.rc_anonymous(Method::GET, "livechat/config", None).await;
    assert_rc(
        &config,
        StatusCode::OK,
        json!({"config": {"enabled": false}, "success": true}),
        "config disabled",
    );
}

#[tokio::test]
async fn the_widget_config_offers_enabled_departments_with_agents() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let config = expect(
        &app.rc_anonymous(Method::GET, "livechat/config", None).await,
        StatusCode::OK,
    );
    // Billing is disabled; Sales and Support have agents.
    assert_eq!(
        config["config"]["departments"],
        json!([
            {"_id": "65a4f0c2e4b0a1b2c3d4e5f1", "name": "Sales", "showOnRegistration": true, "showOnOfflineForm": true},
            {"_id": "65a4f0c2e4b0a1b2c3d4e5f2", "name": "Support", "showOnRegistration": true, "showOnOfflineForm": true}
        ])
    );
    assert_eq!(config["config"]["online"], false, "nobody is online yet");
    make_agent_available(&rc).await;
    let config = expect(
        &app.rc_anonymous(Method::GET, "livechat/config", None).await,
        StatusCode::OK,
    );
    assert_eq!(config["config"]["online"], true);
}

#[tokio::test]
async fn livechat_agents_can_be_added_listed_shown_and_removed() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    // An unknown username.
    assert_rc(
        &rc.post("livechat/users/agent", json!({"username": "mr-not-valid"}))
            .await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "[error-invalid-user]", "errorType": "error-invalid-user"}),
        "unknown username",
    );
    assert_rc(
        &rc.post("livechat/users/agent", json!({})).await,
        StatusCode::BAD_REQUEST,
        invalid_params("must have required property 'username'"),
        "no username",
    );
    assert_rc(
        &rc.post("livechat/users/invalid-type", json!({"username": "admin"}))
            .await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "Invalid type"}),
        "invalid type",
    );

    let created = expect(&rc.post("users.create", json!({"email": "new@example.com", "name": "New Person", "username": "newbie", "password": "pw"})).await, StatusCode::OK);
    let user = &created["user"];
    let uid = user["_id"].as_str().unwrap();
    assert_eq!(uid.len(), 17);
    assert_eq!(
        (
            user["roles"].clone(),
            user["type"].clone(),
            user["active"].clone()
        ),
        (json!(["user"]), json!("user"), json!(true))
    );
    assert_rc(
        &rc.get(&format!("livechat/users/agent/{uid}")).await,
        StatusCode::OK,
        json!({"user": null, "success": true}),
        "not an agent yet",
    );
    let added = rc
        .post("livechat/users/agent", json!({"username": "newbie"}))
        .await;
    assert_rc(
        &added,
        StatusCode::OK,
        json!({"user": {"_id": uid, "username": "newbie"}, "success": true}),
        "add",
    );
    assert_rc(
        &rc.get(&format!("livechat/users/agent/{uid}")).await,
        StatusCode::OK,
        json!({"user": {"_id": uid, "username": "newbie", "name": "New Person",
        "status": "offline", "statusLivechat": "available", "emails": [{"address": "new@example.com", "verified": true}]}, "success": true}),
        "show",
    );
    let list = expect(
        &rc.get("livechat/users/agent?text=newb").await,
        StatusCode::OK,
    );
    assert_eq!(
        list,
        json!({"users": [{"_id": uid, "username": "newbie", "name": "New Person", "status": "offline", "statusLivechat": "available",
        "emails": [{"address": "new@example.com", "verified": true}], "departments": []}], "count": 1, "offset": 0, "total": 1, "success": true})
    );
    let all = expect(&rc.get("livechat/users/agent").await, StatusCode::OK);
    assert_eq!(all["total"], 4);

    // Removing the role removes the agent's links too.
    let dep = rc
        .create_department(Some(json!([{"agentId": uid}])), "Newbie's", true)
        .await;
    assert_rc(
        &rc.delete(&format!("livechat/users/agent/{uid}")).await,
        StatusCode::OK,
        json!({"success": true}),
        "remove",
    );
    assert_eq!(
        rc.get(&format!("livechat/department/{}/agents", id(&dep)))
            .await
            .json()["total"],
        0
    );
    assert_rc(
        &rc.delete("livechat/users/agent/invalid-id").await,
        StatusCode::BAD_REQUEST,
        json!({"success": false}),
        "remove unknown",
    );
    assert_rc(
        &rc.get("livechat/users/agent/invalid-id").await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "User not found"}),
        "show unknown",
    );

    // Permissions of the list route (01-agents: all three removed -> 403).
    for p in [
        "edit-omnichannel-contact",
        "transfer-livechat-guest",
        "manage-livechat-agents",
    ] {
        rc.perm(p, &[]).await;
    }
    assert_rc(
        &rc.get("livechat/users/agent").await,
        StatusCode::FORBIDDEN,
        json!({"success": false, "error": "unauthorized"}),
        "list forbidden",
    );
}

#[tokio::test]
async fn users_create_refuses_taken_names_and_bad_bodies() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let cases = [
        (
            "taken username",
            json!({"email": "x@example.com", "name": "X", "username": "admin", "password": "p"}),
            json!({"success": false, "error": "admin is already in use :( [error-field-unavailable]", "errorType": "error-field-unavailable", "details": {"method": "insertOrUpdateUser", "field": "admin"}}),
        ),
        (
            "taken email",
            json!({"email": "agent@example.com", "name": "X", "username": "x", "password": "p"}),
            json!({"success": false, "error": "agent@example.com is already in use :( [error-field-unavailable]", "errorType": "error-field-unavailable", "details": {"method": "insertOrUpdateUser", "field": "agent@example.com"}}),
        ),
        (
            "no password",
            json!({"email": "x@example.com", "name": "X", "username": "x"}),
            invalid_params("must have required property 'password'"),
        ),
    ];
    for (case, body, error) in cases {
        assert_rc(
            &rc.post("users.create", body).await,
            StatusCode::BAD_REQUEST,
            error,
            case,
        );
    }
    let status = rc
        .post("users.setStatus", json!({"status": "sleeping"}))
        .await;
    assert_rc(
        &status,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "Valid status types include online | away | offline | busy [error-invalid-status]",
        "errorType": "error-invalid-status", "details": {"method": "users.setStatus"}}),
        "bad status",
    );
}

// ---------------------------------------------------------------------------------------------
// The layer errors in Rocket.Chat's shape.

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_rocket_chats_shape() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    for path in [
        "nothing",
        "livechat/departmentz",
        "livechat/department/a/b/c",
    ] {
        assert_rc(
            &rc.get(path).await,
            StatusCode::NOT_FOUND,
            json!({"success": false, "error": "Resource not found"}),
            path,
        );
    }
    let patch = rc
        .call(Method::PATCH, "livechat/department", Some("{}"))
        .await;
    assert_rc(
        &patch,
        StatusCode::METHOD_NOT_ALLOWED,
        json!({"status": "error", "message": "API endpoint does not exist"}),
        "PATCH",
    );
    assert_eq!(patch.headers.get("allow").unwrap(), "GET, HEAD, POST");
    let unknown_query = rc.get("livechat/department?fields=%7B%7D").await;
    assert_rc(
        &unknown_query,
        StatusCode::BAD_REQUEST,
        invalid_params("must NOT have additional properties"),
        "fields",
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_in_rocket_chats_shape() {
    let app = spawn_app_with(|c| c.request.max_body_bytes = 1024).await;
    let rc = app.rc().await;
    let big = json!({"department": {"name": "x".repeat(2000)}});
    let reply = rc.post("livechat/department", big).await;
    assert_rc(
        &reply,
        StatusCode::PAYLOAD_TOO_LARGE,
        json!({"success": false, "error": "request entity too large"}),
        "413",
    );
}

#[tokio::test]
async fn method_call_saves_a_department_and_reports_unknown_methods_inside_the_result() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let message = json!({"method": "livechat:saveDepartment", "params": ["", {"enabled": true, "email": "m@example.com",
        "showOnRegistration": true, "showOnOfflineForm": true, "name": "By method", "description": "created from api"}, []],
        "id": "id", "msg": "method"});
    let reply = expect(
        &rc.post(
            "method.call/livechat:saveDepartment",
            json!({"message": message.to_string()}),
        )
        .await,
        StatusCode::OK,
    );
    let result: Value = serde_json::from_str(reply["message"].as_str().unwrap()).unwrap();
    assert_eq!(result["msg"], "result");
    assert_eq!(result["result"]["name"], "By method");
    assert!(result["result"]["_updatedAt"]["$date"].is_i64());
    let unknown = json!({"method": "nope", "params": [], "id": "7", "msg": "method"});
    let reply = expect(
        &rc.post("method.call/nope", json!({"message": unknown.to_string()}))
            .await,
        StatusCode::OK,
    );
    let result: Value = serde_json::from_str(reply["message"].as_str().unwrap()).unwrap();
    assert_eq!(
        result,
        json!({"msg": "result", "id": "7", "error": {"isClientSafe": true, "error": 404,
        "reason": "Method 'nope' not found", "message": "Method 'nope' not found [404]", "errorType": "Meteor.Error"}})
    );
    let no_message = rc.post("method.call/nope", json!({})).await;
    assert_rc(
        &no_message,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "Match error: Missing key 'message'"}),
        "no message",
    );
}

#[tokio::test]
async fn a_polled_department_page_shows_every_write_whichever_facade_made_it() {
    // Pages are kept encoded per state version and query: each read here follows one that kept it.
    let app = spawn_app().await;
    let rc = app.rc().await;
    let page = |path: &'static str| {
        let rc = &rc;
        async move {
            let first = expect(&rc.get(path).await, StatusCode::OK);
            let again = expect(&rc.get(path).await, StatusCode::OK);
            assert_eq!(first, again, "{path}");
            let names: Vec<String> = first["departments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (names, first["total"].as_u64().unwrap())
        }
    };
    let names = |n: &[&str]| -> Vec<String> { n.iter().map(|s| (*s).to_owned()).collect() };
    let (all, total) = page("livechat/department?count=2").await;
    assert_eq!(total, 3);
    assert_eq!(all, names(&["Billing", "Sales"]));
    assert_eq!(page("livechat/departments/archived").await, (vec![], 0));

    let created = rc.create_department(None, "Accounts", true).await;
    assert_eq!(
        page("livechat/department?count=2").await,
        (names(&["Accounts", "Billing"]), 4)
    );

    let renamed = app
        .zopim()
        .put("/departments/1", r#"{"name": "Aardvark"}"#)
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(
        page("livechat/department?count=2").await,
        (names(&["Aardvark", "Accounts"]), 4)
    );

    let archive = rc
        .call(
            Method::POST,
            &format!("livechat/department/{}/archive", id(&created)),
            None,
        )
        .await;
    assert_rc(
        &archive,
        StatusCode::OK,
        json!({"success": true}),
        "archive",
    );
    assert_eq!(
        page("livechat/department?count=2").await,
        (names(&["Aardvark", "Billing"]), 3)
    );
    assert_eq!(
        page("livechat/departments/archived").await,
        (names(&["Accounts"]), 1)
    );
}
