//! Permissions, settings, users.

use super::*;

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
        // `addAgent` (`apps/meteor/server/lib/omnichannel/omni-users.ts`): `throw new Error`.
        json!({"success": false, "error": "error-invalid-user"}),
        "unknown username",
    );
    assert_rc(
        &rc.post("livechat/users/agent", json!({})).await,
        StatusCode::BAD_REQUEST,
        // The typed route's body check (`packages/http-router/src/Router.ts`).
        json!({"success": false, "errorType": "invalid-params",
               "error": "must have required property 'username'"}),
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
        // `removeAgent`: `throw new Error('error-invalid-user')` (omni-users.ts).
        json!({"success": false, "error": "error-invalid-user"}),
        "remove unknown",
    );
    assert_rc(
        &rc.get("livechat/users/agent/invalid-id").await,
        // `Users.findOneByIdAndRole` finds nothing: `{user: null}` (users.ts).
        StatusCode::OK,
        json!({"user": null, "success": true}),
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
        // `API.v1.forbidden('error-not-authorized')` of the typed route (users.ts).
        json!({"success": false, "error": "error-not-authorized"}),
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
