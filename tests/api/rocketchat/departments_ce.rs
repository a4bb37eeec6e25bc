//! Suite "LIVECHAT - Departments[CE]" (spec §6), against --rocketchat-edition community.

use super::*;

#[tokio::test]
async fn community_edition_creates_one_department_refuses_a_second_and_lists_one() {
    let app = spawn_app_with(|c| {
        c.rocketchat = RocketchatOptions {
            edition: Edition::Community,
            ..RocketchatOptions::default()
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
                // No `type`: only the Enterprise department model sets it.
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
