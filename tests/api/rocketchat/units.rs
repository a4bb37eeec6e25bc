//! Units and monitors (Enterprise, issue 16): `livechat/units` and its sub-routes
//! (`apps/meteor/ee/app/livechat-enterprise/server/api/units.ts`, `lib/LivechatEnterprise.ts`
//! `saveUnit`/`removeUnit`), `departmentUnit` on department saves (`departmentsLib.ts`,
//! `hooks/manageDepartmentUnit.ts`) and a monitor's `onlyMyDepartments`
//! (`hooks/applyDepartmentRestrictions.ts`). Every answer whole; every refusal leaves the state
//! as it was.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{assert_rc, expect, forbidden, save_error};
use crate::helpers::{RC_ADMIN_ID, RC_AGENT_ID, Rc, TestApp, spawn_app_on, spawn_app_with};
use deskbridge::facades::rocketchat::Edition;

const SALES: &str = "65a4f0c2e4b0a1b2c3d4e5f1";
const SUPPORT: &str = "65a4f0c2e4b0a1b2c3d4e5f2";
const BILLING: &str = "65a4f0c2e4b0a1b2c3d4e5f3";
const MONITOR_ID: &str = "Mn7kS4XbQ9mZtCfPe";
const NO_UNIT: &str = "65a4f0c2e4b0a1b2c3d4e5ff";

/// The default data with a monitor (`monitor`, session `session-monitor`) and the admin's
/// session `session-admin`.
fn fixtures() -> String {
    let mut data: Value = serde_json::from_str(deskbridge::fixtures::DEFAULT).unwrap();
    let agents = data["agents"].as_array_mut().unwrap();
    agents[0]["tokens"]["session"] = json!(["session-admin"]);
    agents.push(json!({
        "id": 10, "uid": MONITOR_ID, "username": "monitor", "name": "Mo Monitor",
        "email": "monitor@example.com", "roles": ["monitor"],
        "tokens": {"session": ["session-monitor"]},
    }));
    data.to_string()
}

fn session<'a>(app: &'a TestApp, token: &str, user_id: &str) -> Rc<'a> {
    Rc {
        app,
        token: token.to_owned(),
        user_id: user_id.to_owned(),
    }
}

async fn spawn() -> TestApp {
    spawn_app_on(&fixtures()).await
}

/// Everything the units routes and the department list show, for "unchanged" checks.
async fn snapshot(admin: &Rc<'_>) -> (Value, Value) {
    let units = expect(&admin.get("livechat/units").await, StatusCode::OK);
    let departments = expect(
        &admin.get("livechat/department?showArchived=true").await,
        StatusCode::OK,
    );
    (units, departments)
}

/// Creates a unit with the monitor and these departments; its `_id`.
async fn create_unit(admin: &Rc<'_>, name: &str, departments: &[&str]) -> String {
    let body = json!({
        "unitData": {"name": name, "visibility": "public"},
        "unitMonitors": [{"monitorId": MONITOR_ID, "username": "monitor"}],
        "unitDepartments": departments.iter().map(|d| json!({"departmentId": d})).collect::<Vec<_>>(),
    });
    let reply = admin.post("livechat/units", body).await;
    let saved = expect(&reply, StatusCode::OK);
    saved["_id"].as_str().expect("an _id").to_owned()
}

fn is_object_id(id: &str) -> bool {
    id.len() == 24
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[tokio::test]
async fn a_unit_is_created_shown_listed_updated_and_deleted_as_rocket_chat_answers() {
    let app = spawn().await;
    let admin = session(&app, "session-admin", RC_ADMIN_ID);

    // Create: `createOrUpdateUnit`'s record with its `_id`, then `success`.
    let reply = admin
        .post(
            "livechat/units",
            json!({
                "unitData": {"name": "North", "visibility": "public"},
                "unitMonitors": [{"monitorId": MONITOR_ID, "username": "monitor"}],
                "unitDepartments": [{"departmentId": SALES}, {"departmentId": SUPPORT}],
            }),
        )
        .await;
    let created = expect(&reply, StatusCode::OK);
    let id = created["_id"].as_str().unwrap().to_owned();
    assert!(is_object_id(&id), "{id}");
    assert_rc(
        &reply,
        StatusCode::OK,
        json!({"name": "North", "visibility": "public", "type": "u", "numMonitors": 1,
               "numDepartments": 2, "_id": id, "success": true}),
        "create",
    );

    // Show: the stored document.
    let shown = expect(
        &admin.get(&format!("livechat/units/{id}")).await,
        StatusCode::OK,
    );
    let updated_at = shown["_updatedAt"].as_str().unwrap().to_owned();
    let document = json!({"_id": id, "name": "North", "visibility": "public", "type": "u",
                          "numMonitors": 1, "numDepartments": 2, "_updatedAt": updated_at});
    let mut with_success = document.clone();
    with_success["success"] = json!(true);
    assert_eq!(shown, with_success);
    // List: paginated, by name.
    create_unit(&admin, "East", &[]).await;
    let list = expect(&admin.get("livechat/units?text=nor").await, StatusCode::OK);
    assert_eq!(
        list,
        json!({"units": [document], "count": 1, "offset": 0, "total": 1, "success": true})
    );
    let names: Vec<Value> = expect(&admin.get("livechat/units").await, StatusCode::OK)["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].clone())
        .collect();
    assert_eq!(names, [json!("East"), json!("North")]);

    // A unit's departments carry it as parent and ancestor.
    let departments = expect(
        &admin.get(&format!("livechat/units/{id}/departments")).await,
        StatusCode::OK,
    );
    let ids: Vec<&str> = departments["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SALES, SUPPORT]);
    assert_eq!(
        (departments["count"].clone(), departments["total"].clone()),
        (json!(2), json!(2))
    );
    let sales = &departments["departments"][0];
    assert_eq!(
        (&sales["parentId"], &sales["ancestors"]),
        (&json!(id), &json!([id]))
    );
    let one = expect(
        &admin.get(&format!("livechat/department/{SALES}")).await,
        StatusCode::OK,
    );
    assert_eq!(one["department"]["parentId"], json!(id));

    // Its monitors.
    let monitors = expect(
        &admin.get(&format!("livechat/units/{id}/monitors")).await,
        StatusCode::OK,
    );
    let monitor = &monitors["monitors"][0];
    assert!(is_object_id(monitor["_id"].as_str().unwrap()));
    assert_eq!(
        monitors,
        json!({"monitors": [{"_id": monitor["_id"], "monitorId": MONITOR_ID, "unitId": id,
                             "username": "monitor", "_updatedAt": monitor["_updatedAt"]}],
               "success": true})
    );

    // Available: the unit's departments and those in no unit, by name.
    let available = expect(
        &admin
            .get(&format!("livechat/units/{id}/departments/available"))
            .await,
        StatusCode::OK,
    );
    let names: Vec<&str> = available["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Billing", "Sales", "Support"]);

    // Update: the departments are replaced; Support leaves the unit.
    let reply = admin
        .post(
            &format!("livechat/units/{id}"),
            json!({"unitData": {"name": "North EU", "visibility": "private"},
                   "unitMonitors": [], "unitDepartments": [{"departmentId": SALES}]}),
        )
        .await;
    assert_rc(
        &reply,
        StatusCode::OK,
        json!({"name": "North EU", "visibility": "private", "type": "u", "numMonitors": 0,
               "numDepartments": 1, "_id": id, "success": true}),
        "update",
    );
    let support = expect(
        &admin.get(&format!("livechat/department/{SUPPORT}")).await,
        StatusCode::OK,
    );
    assert!(support["department"].get("parentId").is_none(), "{support}");

    // Delete: `deletedCount` as the body; the departments belong to no unit any more.
    let reply = admin.delete(&format!("livechat/units/{id}")).await;
    assert_rc(&reply, StatusCode::OK, json!(1), "delete");
    let sales = expect(
        &admin.get(&format!("livechat/department/{SALES}")).await,
        StatusCode::OK,
    );
    assert!(sales["department"].get("parentId").is_none(), "{sales}");
    // An unknown unit: `success(null)`, a body of `null`; no departments, no monitors.
    assert_rc(
        &admin.get(&format!("livechat/units/{id}")).await,
        StatusCode::OK,
        Value::Null,
        "show a deleted unit",
    );
    assert_rc(
        &admin.get(&format!("livechat/units/{id}/departments")).await,
        StatusCode::OK,
        json!({"departments": [], "count": 0, "offset": 0, "total": 0, "success": true}),
        "departments of a deleted unit",
    );
    assert_rc(
        &admin.get(&format!("livechat/units/{id}/monitors")).await,
        StatusCode::OK,
        json!({"monitors": [], "success": true}),
        "monitors of a deleted unit",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn each_bad_unit_write_is_refused_in_rocket_chats_words_and_changes_nothing() {
    let app = spawn().await;
    let admin = session(&app, "session-admin", RC_ADMIN_ID);
    let id = create_unit(&admin, "North", &[SALES]).await;
    let before = snapshot(&admin).await;
    let meteor = |code: &str, reason: &str, method: &str| {
        json!({"success": false, "error": format!("{reason} [{code}]"), "errorType": code,
               "details": {"method": method}})
    };
    let matched = |text: &str| json!({"success": false, "error": format!("Match error: {text}")});
    let good_monitors = json!([]);
    let good_departments = json!([]);
    let cases: Vec<(Method, String, Value, Value, &str)> = vec![
        (
            Method::POST,
            "livechat/units".into(),
            json!({}),
            matched("Expected object, got undefined"),
            "no unitData",
        ),
        (
            Method::POST,
            "livechat/units".into(),
            json!({"unitData": {"visibility": "public"}, "unitMonitors": good_monitors, "unitDepartments": good_departments}),
            matched("Missing key 'name'"),
            "no name",
        ),
        (
            Method::POST,
            "livechat/units".into(),
            json!({"unitData": {"name": "N", "visibility": "public", "colour": "red"}, "unitMonitors": [], "unitDepartments": []}),
            matched("Unknown key in field colour"),
            "an unknown unitData key",
        ),
        (
            Method::POST,
            "livechat/units".into(),
            json!({"unitData": {"name": "N", "visibility": "public"}, "unitDepartments": []}),
            matched("Expected array, got undefined"),
            "no unitMonitors",
        ),
        (
            Method::POST,
            "livechat/units".into(),
            json!({"unitData": {"name": "N", "visibility": "public"}, "unitMonitors": [{"monitorId": MONITOR_ID}], "unitDepartments": []}),
            matched("Missing key 'username' in field [0]"),
            "a monitor without a username",
        ),
        (
            Method::POST,
            "livechat/units".into(),
            json!({"unitData": {"name": "N", "visibility": "public"}, "unitMonitors": [], "unitDepartments": [{"departmentId": 5}]}),
            matched("Expected string, got number in field [0].departmentId"),
            "a department id that is not a string",
        ),
        (
            Method::POST,
            format!("livechat/units/{NO_UNIT}"),
            json!({"unitData": {"name": "N", "visibility": "public"}, "unitMonitors": [], "unitDepartments": []}),
            meteor(
                "error-unit-not-found",
                "Unit not found",
                "livechat:saveUnit",
            ),
            "update of an unknown unit",
        ),
        (
            Method::DELETE,
            format!("livechat/units/{NO_UNIT}"),
            Value::Null,
            meteor("unit-not-found", "Unit not found", "livechat:removeUnit"),
            "delete of an unknown unit",
        ),
    ];
    for (method, path, body, expected, case) in cases {
        let body = (!body.is_null()).then(|| body.to_string());
        let reply = admin.call(method, &path, body.as_deref()).await;

        assert_rc(&reply, StatusCode::BAD_REQUEST, expected, case);
        assert_eq!(snapshot(&admin).await, before, "{case}: state changed");
    }
    let _ = id;
    app.assert_invariants();
}

#[tokio::test]
async fn the_unit_routes_need_their_permissions_and_a_monitor_lists_its_own_units() {
    let app = spawn().await;
    let admin = session(&app, "session-admin", RC_ADMIN_ID);
    let monitor = session(&app, "session-monitor", MONITOR_ID);
    let north = create_unit(&admin, "North", &[SALES]).await;
    let south = {
        let body = json!({"unitData": {"name": "South", "visibility": "public"},
                          "unitMonitors": [], "unitDepartments": [{"departmentId": BILLING}]});
        expect(&admin.post("livechat/units", body).await, StatusCode::OK)["_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let before = snapshot(&admin).await;

    // `livechat-monitor` lacks manage-livechat-units and manage-livechat-monitors by default.
    for (method, path) in [
        (Method::POST, "livechat/units".to_owned()),
        (Method::GET, format!("livechat/units/{north}")),
        (Method::POST, format!("livechat/units/{north}")),
        (Method::DELETE, format!("livechat/units/{north}")),
        (Method::GET, format!("livechat/units/{north}/departments")),
        (
            Method::GET,
            format!("livechat/units/{north}/departments/available"),
        ),
        (Method::GET, format!("livechat/units/{north}/monitors")),
    ] {
        let body = (method == Method::POST).then_some("{}");
        let reply = monitor.call(method.clone(), &path, body).await;
        assert_rc(
            &reply,
            StatusCode::FORBIDDEN,
            forbidden(),
            &format!("{method} {path}"),
        );
    }
    assert_eq!(snapshot(&admin).await, before);

    // The list needs no permission: a monitor sees the units it monitors.
    let mine = expect(&monitor.get("livechat/units").await, StatusCode::OK);
    let names: Vec<&str> = mine["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["North"]);
    assert_eq!(mine["total"], 1);
    let _ = south;
    // Without a session, the 401 of every route.
    let anonymous = app.rc_anonymous(Method::GET, "livechat/units", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_monitor_with_only_my_departments_sees_the_departments_of_its_units() {
    let app = spawn().await;
    let admin = session(&app, "session-admin", RC_ADMIN_ID);
    let monitor = session(&app, "session-monitor", MONITOR_ID);
    create_unit(&admin, "North", &[SALES, BILLING]).await;
    let names = |list: &Value| -> Vec<String> {
        list["departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect()
    };

    let mine = expect(
        &monitor
            .get("livechat/department?onlyMyDepartments=true")
            .await,
        StatusCode::OK,
    );
    let all = expect(&monitor.get("livechat/department").await, StatusCode::OK);
    let admins = expect(
        &admin
            .get("livechat/department?onlyMyDepartments=true")
            .await,
        StatusCode::OK,
    );

    assert_eq!(names(&mine), ["Billing", "Sales"]);
    assert_eq!(
        (mine["count"].clone(), mine["total"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(names(&all), ["Billing", "Sales", "Support"]);
    // The admin is no monitor: no restriction.
    assert_eq!(names(&admins), ["Billing", "Sales", "Support"]);
    // One department outside the monitor's units is `null` for it.
    let support = expect(
        &monitor
            .get(&format!(
                "livechat/department/{SUPPORT}?onlyMyDepartments=true"
            ))
            .await,
        StatusCode::OK,
    );
    assert_eq!(support["department"], Value::Null);
    let sales = expect(
        &monitor
            .get(&format!(
                "livechat/department/{SALES}?onlyMyDepartments=true"
            ))
            .await,
        StatusCode::OK,
    );
    assert_eq!(sales["department"]["name"], "Sales");
}

fn department_body(name: &str) -> Value {
    json!({"name": name, "enabled": true, "showOnRegistration": true,
           "showOnOfflineForm": true, "email": "a@b.com"})
}

#[tokio::test]
async fn department_unit_moves_a_department_as_the_manage_department_unit_hook_does() {
    // See: the user's seed 002 (Update Department) sends `"departmentUnit": {"_id": ...}`.
    let app = spawn().await;
    let admin = session(&app, "session-admin", RC_ADMIN_ID);
    let north = create_unit(&admin, "North", &[SUPPORT]).await;

    // Create with a unit: the answer is the document read before the hook ran.
    let created = expect(
        &admin
            .post(
                "livechat/department",
                json!({"department": department_body("Field"), "departmentUnit": {"_id": north}}),
            )
            .await,
        StatusCode::OK,
    );
    let field = created["department"]["_id"].as_str().unwrap().to_owned();
    assert!(created["department"].get("parentId").is_none(), "{created}");
    let shown = expect(
        &admin.get(&format!("livechat/department/{field}")).await,
        StatusCode::OK,
    );
    assert_eq!(
        (
            &shown["department"]["parentId"],
            &shown["department"]["ancestors"]
        ),
        (&json!(north), &json!([north]))
    );

    // Update, as the seed does: the answer is read again, with the unit.
    let updated = expect(
        &admin
            .put(
                &format!("livechat/department/{SALES}"),
                json!({"department": department_body("Sales"),
                       "agents": [{"agentId": RC_AGENT_ID, "username": "agent"}],
                       "departmentUnit": {"_id": north}}),
            )
            .await,
        StatusCode::OK,
    );
    assert_eq!(updated["department"]["parentId"], json!(north));
    assert_eq!(updated["department"]["ancestors"], json!([north]));
    let unit = expect(
        &admin.get(&format!("livechat/units/{north}")).await,
        StatusCode::OK,
    );
    assert_eq!(unit["numDepartments"], 3);

    // A unit that does not exist changes nothing, without an error (the hook returns).
    let unknown = expect(
        &admin
            .put(
                &format!("livechat/department/{SALES}"),
                json!({"department": department_body("Sales"), "departmentUnit": {"_id": NO_UNIT}}),
            )
            .await,
        StatusCode::OK,
    );
    assert_eq!(unknown["department"]["parentId"], json!(north));

    // No `departmentUnit` (the route passes `{}`) takes the department out of its unit...
    let out = expect(
        &admin
            .put(
                &format!("livechat/department/{SALES}"),
                json!({"department": department_body("Sales")}),
            )
            .await,
        StatusCode::OK,
    );
    assert!(out["department"].get("parentId").is_none(), "{out}");

    // ...unless it is the unit's last department.
    let lonely = create_unit(&admin, "Lonely", &[BILLING]).await;
    let before = snapshot(&admin).await;
    let refused = admin
        .put(
            &format!("livechat/department/{BILLING}"),
            json!({"department": department_body("Billing"), "departmentUnit": {}}),
        )
        .await;
    assert_rc(
        &refused,
        StatusCode::BAD_REQUEST,
        save_error(
            "error-unit-cant-be-empty",
            "The last department in a unit can't be removed",
        ),
        "the last department of a unit",
    );
    assert_eq!(snapshot(&admin).await, before);
    let billing = expect(
        &admin.get(&format!("livechat/department/{BILLING}")).await,
        StatusCode::OK,
    );
    assert_eq!(billing["department"]["parentId"], json!(lonely));

    // `_id` not a string: the route's check() refuses it before saveDepartment...
    let refused = admin
        .put(
            &format!("livechat/department/{BILLING}"),
            json!({"department": department_body("Billing"), "departmentUnit": {"_id": 5}}),
        )
        .await;
    assert_rc(
        &refused,
        StatusCode::BAD_REQUEST,
        json!({"success": false,
               "error": "Match error: Expected string, got number in field departmentUnit._id"}),
        "a unit id that is not a string",
    );
    // ...and `livechat:saveDepartment` meets saveDepartment's own check.
    let message = json!({"msg": "method", "id": "7", "method": "livechat:saveDepartment",
                         "params": ["", department_body("Fail-Test"), [], {"_id": true}]});
    let reply = admin
        .post(
            "method.call/livechat:saveDepartment",
            json!({"message": message.to_string()}),
        )
        .await;
    let answer = expect(&reply, StatusCode::OK);
    let inner: Value = serde_json::from_str(answer["message"].as_str().unwrap()).unwrap();
    assert_eq!(inner["error"]["error"], "error-invalid-department-unit");
    assert_eq!(
        inner["error"]["reason"],
        "Invalid department unit id provided"
    );
    assert_eq!(snapshot(&admin).await, before);
    app.assert_invariants();
}

#[tokio::test]
async fn a_monitor_moves_departments_only_between_units_it_monitors() {
    let app = spawn().await;
    let admin = session(&app, "session-admin", RC_ADMIN_ID);
    let monitor = session(&app, "session-monitor", MONITOR_ID);
    let mine = create_unit(&admin, "Mine", &[SUPPORT]).await;
    let theirs = expect(
        &admin
            .post(
                "livechat/units",
                json!({"unitData": {"name": "Theirs", "visibility": "public"},
                       "unitMonitors": [], "unitDepartments": [{"departmentId": BILLING}]}),
            )
            .await,
        StatusCode::OK,
    )["_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Into a unit it does not monitor: saved, the unit unchanged.
    let put = |unit: &str| json!({"department": department_body("Sales"), "departmentUnit": {"_id": unit}});
    let reply = monitor
        .put(&format!("livechat/department/{SALES}"), put(&theirs))
        .await;
    let answer = expect(&reply, StatusCode::OK);
    assert!(answer["department"].get("parentId").is_none(), "{answer}");
    // Into its own unit: moved.
    let reply = monitor
        .put(&format!("livechat/department/{SALES}"), put(&mine))
        .await;
    assert_eq!(
        expect(&reply, StatusCode::OK)["department"]["parentId"],
        json!(mine)
    );
    app.assert_invariants();
}

#[tokio::test]
async fn the_community_edition_answers_the_unit_routes_with_the_license_middlewares_404() {
    let app = spawn_app_with(|c| c.rocketchat.edition = Edition::Community).await;
    let admin = app.rc().await;
    for (method, path) in [
        (Method::GET, "livechat/units".to_owned()),
        (Method::POST, "livechat/units".to_owned()),
        (Method::GET, format!("livechat/units/{NO_UNIT}")),
        (Method::DELETE, format!("livechat/units/{NO_UNIT}")),
        (Method::GET, format!("livechat/units/{NO_UNIT}/monitors")),
    ] {
        let reply = admin.call(method.clone(), &path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(reply.content_type(), Some("text/plain;charset=UTF-8"));
        assert_eq!(reply.body, "404 Not Found");
    }
}

#[tokio::test]
async fn a_tenants_own_edition_decides_whether_it_serves_units() {
    // See: docs/tenants.md, a tenant's `rocketchat_edition`.
    let app = spawn().await;
    let created = app
        .request(
            Method::POST,
            "/_gateway/tenants",
            None,
            Some(r#"{"name": "ce", "options": {"rocketchat_edition": "community"}}"#),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let community = app
        .send(app.client.get(app.url("/t/ce/api/v1/livechat/units")))
        .await;
    let enterprise = app
        .send(app.client.get(app.url("/api/v1/livechat/units")))
        .await;

    assert_eq!(
        (community.status, community.body.as_str()),
        (StatusCode::NOT_FOUND, "404 Not Found")
    );
    // The default tenant is Enterprise: the route is there, and wants a session.
    assert_eq!(enterprise.status, StatusCode::UNAUTHORIZED);
}
