//! Odd bodies for the routes whose handlers read their body without an ajv schema (login,
//! `permissions.update`, `settings/:_id`, `users.delete`, `users.setStatus`, `method.call`) and
//! for the department body: which form wins, what is ignored, and the exact answer to each.

use super::*;

fn unauthorized() -> Value {
    json!({"success": false, "error": "Unauthorized", "status": "error", "message": "Unauthorized"})
}

#[tokio::test]
async fn login_reads_each_credential_form_in_rocket_chats_order_and_ignores_wrong_types() {
    let app = spawn_app().await;
    let admin = [
        (
            "a number as user falls back to username",
            json!({"user": 5, "username": "admin", "password": "admin"}),
        ),
        (
            "null as user falls back to username",
            json!({"user": null, "username": "admin", "password": "admin"}),
        ),
        (
            "a user object by id",
            json!({"user": {"id": RC_ADMIN_ID}, "password": "admin"}),
        ),
        (
            "a user object whose username is not a string uses its email",
            json!({"user": {"username": 5, "email": "admin@example.com"}, "password": "admin"}),
        ),
        (
            "a user object: username before email",
            json!({"user": {"email": "agent@example.com", "username": "admin"}, "password": "admin"}),
        ),
        (
            "a number as username falls back to email",
            json!({"username": 5, "email": "admin@example.com", "password": "admin"}),
        ),
        (
            "user before username",
            json!({"username": "agent", "user": "admin", "password": "admin"}),
        ),
        (
            "a resume that is not a string is ignored",
            json!({"resume": 5, "user": "admin", "password": "admin"}),
        ),
    ];
    for (case, body) in admin {
        let reply = app.rc_login_raw(&body.to_string()).await;
        let answer = expect(&reply, StatusCode::OK);
        assert_eq!(answer["data"]["userId"], RC_ADMIN_ID, "{case}");
    }
    let refused = [
        (
            "an empty user object does not fall back",
            r#"{"user": {}, "username": "admin", "password": "admin"}"#,
        ),
        (
            "an array as user",
            r#"{"user": ["admin"], "password": "admin"}"#,
        ),
        (
            "a number as password",
            r#"{"user": "admin", "password": 5}"#,
        ),
        ("null as password", r#"{"user": "admin", "password": null}"#),
        ("no user", r#"{"password": "admin"}"#),
        (
            "an array body",
            r#"[{"user": "admin", "password": "admin"}]"#,
        ),
        ("a string body", r#""admin""#),
        (
            "a hashed password",
            r#"{"user": "admin", "password": {"hashed": "x"}}"#,
        ),
    ];
    for (case, body) in refused {
        assert_rc(
            &app.rc_login_raw(body).await,
            StatusCode::UNAUTHORIZED,
            unauthorized(),
            case,
        );
    }
}

#[tokio::test]
async fn permissions_update_refuses_every_body_that_is_not_exactly_its_shape() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let invalid = json!({"success": false, "error": "Invalid body params", "errorType": "error-invalid-body-params"});
    let cases = [
        ("another top-level key", r#"{"permissions": [], "x": 1}"#),
        ("permissions not an array", r#"{"permissions": {}}"#),
        ("permissions null", r#"{"permissions": null}"#),
        (
            "an item with another key",
            r#"{"permissions": [{"_id": "view-l-room", "roles": [], "x": 1}]}"#,
        ),
        (
            "a number as _id",
            r#"{"permissions": [{"_id": 5, "roles": []}]}"#,
        ),
        (
            "null as _id",
            r#"{"permissions": [{"_id": null, "roles": []}]}"#,
        ),
        ("no _id", r#"{"permissions": [{"roles": []}]}"#),
        ("no roles", r#"{"permissions": [{"_id": "view-l-room"}]}"#),
        (
            "roles not an array",
            r#"{"permissions": [{"_id": "view-l-room", "roles": "admin"}]}"#,
        ),
        (
            "a null role",
            r#"{"permissions": [{"_id": "view-l-room", "roles": [null]}]}"#,
        ),
        (
            "an item that is a string",
            r#"{"permissions": ["view-l-room"]}"#,
        ),
        (
            "an item that is an array",
            r#"{"permissions": [["view-l-room", ["admin"]]]}"#,
        ),
        (
            "an array body",
            r#"[{"permissions": [{"_id": "view-l-room", "roles": ["admin"]}]}]"#,
        ),
        (
            "a bad item after an unknown permission",
            r#"{"permissions": [{"_id": "fly", "roles": []}, {"_id": 1, "roles": []}]}"#,
        ),
    ];
    for (case, body) in cases {
        assert_rc(
            &rc.call(Method::POST, "permissions.update", Some(body))
                .await,
            StatusCode::BAD_REQUEST,
            invalid.clone(),
            case,
        );
    }
    assert_rc(
        &rc.post(
            "permissions.update",
            json!({"permissions": [{"_id": "view-l-room", "roles": ["wizard"]}, {"_id": "fly", "roles": []}]}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "Invalid permission", "errorType": "error-invalid-permission"}),
        "an unknown permission before an unknown role",
    );
    let listed = expect(&rc.get("permissions.listAll").await, StatusCode::OK);
    let ok = expect(
        &rc.post("permissions.update", json!({"permissions": []}))
            .await,
        StatusCode::OK,
    );
    assert_eq!(ok["permissions"], listed["update"], "an empty list");
}

#[tokio::test]
async fn saving_a_setting_takes_any_value_even_null_and_refuses_a_bad_id_or_body() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let bare = json!({"success": false});
    for (case, path, body) in [
        ("a bad id", "settings/bad%20id", r#"{"value": 1}"#),
        ("an array body", "settings/My_Setting", r#"[{"value": 1}]"#),
        ("no value", "settings/My_Setting", r#"{"other": 1}"#),
    ] {
        assert_rc(
            &rc.call(Method::POST, path, Some(body)).await,
            StatusCode::BAD_REQUEST,
            bare.clone(),
            case,
        );
    }
    for (case, body, value) in [
        ("null", json!({"value": null}), json!(null)),
        (
            "an object, other keys ignored",
            json!({"value": {"a": [1, "b"]}, "other": 2}),
            json!({"a": [1, "b"]}),
        ),
    ] {
        assert_rc(
            &rc.post("settings/My_Setting", body).await,
            StatusCode::OK,
            json!({"success": true}),
            case,
        );
        assert_rc(
            &rc.get("settings/My_Setting").await,
            StatusCode::OK,
            json!({"_id": "My_Setting", "value": value, "success": true}),
            case,
        );
    }
}

#[tokio::test]
async fn users_delete_finds_its_user_by_a_string_user_id_then_a_string_username() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let no_match = json!({"success": false,
        "error": "The required \"userId\" or \"username\" param provided does not match any users [error-invalid-user]",
        "errorType": "error-invalid-user"});
    for (case, body) in [
        ("no body", "{}"),
        (
            "a user id naming nobody wins over a username",
            r#"{"userId": "nobody", "username": "agent"}"#,
        ),
        ("a number as username", r#"{"username": 5}"#),
        ("an array body", r#"[{"username": "agent"}]"#),
        ("a string body", r#""agent""#),
    ] {
        assert_rc(
            &rc.call(Method::POST, "users.delete", Some(body)).await,
            StatusCode::BAD_REQUEST,
            no_match.clone(),
            case,
        );
    }
    assert_rc(
        &rc.post("users.delete", json!({"userId": 5, "username": "agent"}))
            .await,
        StatusCode::OK,
        json!({"success": true}),
        "a number as user id falls back to the username",
    );
    assert_rc(
        &app.rc_login_raw(&json!({"user": "agent", "password": "agent"}).to_string())
            .await,
        StatusCode::UNAUTHORIZED,
        unauthorized(),
        "the agent is gone",
    );
}

#[tokio::test]
async fn users_set_status_checks_status_then_picks_its_user_as_rocket_chat_does() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let agent = app.rc_as(RC_AGENT).await;
    let status_of = |id: &'static str| {
        let rc = &rc;
        async move {
            let reply = rc.get(&format!("livechat/users/agent/{id}")).await;
            expect(&reply, StatusCode::OK)["user"]["status"].clone()
        }
    };
    for (case, body, error) in [
        (
            "a number as status",
            r#"{"status": 5}"#,
            "Match error: Expected string, got number in field status",
        ),
        (
            "an array body",
            r#"[{"status": "away"}]"#,
            "Match error: Expected plain object",
        ),
    ] {
        assert_rc(
            &rc.call(Method::POST, "users.setStatus", Some(body)).await,
            StatusCode::BAD_REQUEST,
            json!({"success": false, "error": error}),
            case,
        );
    }
    assert_rc(
        &agent
            .post(
                "users.setStatus",
                json!({"userId": RC_ADMIN_ID, "status": "away"}),
            )
            .await,
        StatusCode::FORBIDDEN,
        json!({"success": false, "error": "unauthorized"}),
        "another user without edit-other-user-info",
    );
    let ok = json!({"success": true});
    assert_rc(
        &rc.post("users.setStatus", json!({"userId": 5, "status": "away"}))
            .await,
        StatusCode::OK,
        ok.clone(),
        "a number as user id: the caller",
    );
    assert_eq!(status_of(RC_ADMIN_ID).await, "away");
    assert_rc(
        &rc.post(
            "users.setStatus",
            json!({"username": "agent", "status": "busy", "message": null}),
        )
        .await,
        StatusCode::OK,
        ok.clone(),
        "by username",
    );
    assert_eq!(status_of(RC_AGENT_ID).await, "busy");
    for (case, body) in [
        (
            "a null status changes nothing",
            json!({"userId": RC_AGENT_ID, "status": null}),
        ),
        (
            "an empty status changes nothing",
            json!({"userId": RC_AGENT_ID, "status": ""}),
        ),
    ] {
        assert_rc(
            &rc.post("users.setStatus", body).await,
            StatusCode::OK,
            ok.clone(),
            case,
        );
        assert_eq!(status_of(RC_AGENT_ID).await, "busy", "{case}");
    }
}

/// The DDP result message of `method.call/nope` for `message`.
async fn ddp(rc: &Rc<'_>, message: &str) -> Value {
    let reply = rc
        .post("method.call/nope", json!({"message": message}))
        .await;
    let answer = expect(&reply, StatusCode::OK);
    serde_json::from_str(answer["message"].as_str().unwrap()).unwrap()
}

fn not_found(id: Value, method: &str) -> Value {
    json!({"msg": "result", "id": id, "error": {"isClientSafe": true, "error": 404,
        "reason": format!("Method '{method}' not found"),
        "message": format!("Method '{method}' not found [404]"), "errorType": "Meteor.Error"}})
}

#[tokio::test]
async fn method_call_reads_the_ddp_message_leniently() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    for (case, message, expected) in [
        ("no id", r#"{"method": "x"}"#, not_found(json!(null), "x")),
        (
            "an object id is echoed",
            r#"{"id": {"a": 1}, "method": "x"}"#,
            not_found(json!({"a": 1}), "x"),
        ),
        (
            "a number as method",
            r#"{"id": 7, "method": 5}"#,
            not_found(json!(7), ""),
        ),
        (
            "slashes become colons",
            r#"{"id": "1", "method": "a/b/c"}"#,
            not_found(json!("1"), "a:b:c"),
        ),
        (
            "a message that is an array",
            r#"[{"id": "1", "method": "x"}]"#,
            not_found(json!(null), ""),
        ),
    ] {
        assert_eq!(ddp(&rc, message).await, expected, "{case}");
    }
    for (case, message, error) in [
        (
            "a syntax error",
            r#"{"id": 1,"#,
            "Unexpected token in JSON at position 8",
        ),
        (
            "a repeated key",
            r#"{"id": 1, "id": 2}"#,
            "must NOT have duplicate property 'message.id' [invalid-params]",
        ),
    ] {
        let reply = rc
            .post("method.call/nope", json!({"message": message}))
            .await;
        let mut expected = json!({"success": false, "error": error});
        if error.ends_with("[invalid-params]") {
            expected["errorType"] = json!("invalid-params");
        }
        assert_rc(&reply, StatusCode::BAD_REQUEST, expected, case);
    }
    // `params` that is not an array is no params: the status toggles.
    let toggled = ddp(
        &rc,
        r#"{"id": "t", "method": "livechat:changeLivechatStatus", "params": {"status": "available"}}"#,
    )
    .await;
    assert_eq!(toggled, json!({"msg": "result", "id": "t"}));
    let me = expect(
        &rc.get(&format!("livechat/users/agent/{RC_ADMIN_ID}")).await,
        StatusCode::OK,
    );
    assert_eq!(me["user"]["statusLivechat"], "not-available");
    for (case, params, expected) in [
        ("a bare status", r#"["available"]"#, "available"),
        (
            "a number as status toggles",
            r#"[{"status": 5}]"#,
            "not-available",
        ),
        (
            "a number as agent id is the caller",
            r#"[{"status": "available", "agentId": 5}]"#,
            "available",
        ),
    ] {
        let message = format!(
            r#"{{"id": "s", "method": "livechat/changeLivechatStatus", "params": {params}}}"#
        );
        assert_eq!(
            ddp(&rc, &message).await,
            json!({"msg": "result", "id": "s"}),
            "{case}"
        );
        let me = expect(
            &rc.get(&format!("livechat/users/agent/{RC_ADMIN_ID}")).await,
            StatusCode::OK,
        );
        assert_eq!(me["user"]["statusLivechat"], expected, "{case}");
    }
}

#[tokio::test]
async fn a_department_body_reports_its_first_bad_field_in_document_order_and_keeps_odd_fields() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let long = "d".repeat(65_536);
    let where_failed = |field: &str| json!({"success": false, "error": format!("Match error: Failed Match.Where validation in field {field}")});
    for (case, body, expected) in [
        (
            "a blank name before a long description",
            format!(
                r#"{{"department": {{"name": " ", "description": "{long}", "enabled": true, "showOnRegistration": true, "showOnOfflineForm": true, "email": "e@example.com"}}}}"#
            ),
            where_failed("name"),
        ),
        (
            "a long description before a blank name",
            format!(
                r#"{{"department": {{"description": "{long}", "name": " ", "enabled": true, "showOnRegistration": true, "showOnOfflineForm": true, "email": "e@example.com"}}}}"#
            ),
            where_failed("description"),
        ),
    ] {
        assert_rc(
            &rc.call(Method::POST, "livechat/department", Some(&body))
                .await,
            StatusCode::BAD_REQUEST,
            expected,
            case,
        );
    }
    let created = expect(
        &rc.post(
            "livechat/department",
            json!({"department": {"name": "Odd", "enabled": true, "showOnRegistration": true,
                "showOnOfflineForm": false, "email": "odd@example.com",
                "offlineMessageChannelName": 5, "_id": "ignored", "numAgents": 9, "archived": false,
                "allowReceiveForwardOffline": true, "departmentsAllowedToForward": ["a"],
                "color": "red", "priority": 2}}),
        )
        .await,
        StatusCode::OK,
    );
    let department = &created["department"];
    assert_eq!(
        department,
        &json!({"_id": department["_id"], "name": "Odd", "enabled": true,
            "showOnRegistration": true, "showOnOfflineForm": false, "email": "odd@example.com",
            "allowReceiveForwardOffline": true, "color": "red", "departmentsAllowedToForward": ["a"],
            "offlineMessageChannelName": "5", "priority": 2, "type": "d",
            "_updatedAt": department["_updatedAt"]}),
        "ajv coerces the channel name to a string"
    );
    // Without ajv (the DDP method), a channel name that is not a string is kept as it was sent.
    let message = json!({"id": "d", "method": "livechat:saveDepartment", "params": ["", {"name": "Odd 2",
        "enabled": false, "showOnRegistration": true, "showOnOfflineForm": true, "email": "o@example.com",
        "offlineMessageChannelName": 5}, "not agents"]});
    let reply = expect(
        &rc.post(
            "method.call/livechat:saveDepartment",
            json!({"message": message.to_string()}),
        )
        .await,
        StatusCode::OK,
    );
    let result: Value = serde_json::from_str(reply["message"].as_str().unwrap()).unwrap();
    let saved = &result["result"];
    assert_eq!(
        saved,
        &json!({"_id": saved["_id"], "name": "Odd 2", "enabled": false, "showOnRegistration": true,
            "showOnOfflineForm": true, "email": "o@example.com", "offlineMessageChannelName": 5,
            "type": "d", "_updatedAt": saved["_updatedAt"]})
    );
}

#[tokio::test]
async fn an_update_reads_enabled_as_javascript_truthiness_before_checking_it_and_agents_by_permission()
 {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let department = rc.create_department(None, "Truthy", true).await;
    let path = format!("livechat/department/{}", id(&department));
    let fields = |enabled: Value| {
        json!({"department": {"name": "x", "enabled": enabled, "showOnOfflineForm": true,
            "showOnRegistration": true, "email": "e@example.com"}})
    };
    let archived = save_error(
        "error-archived-department-cant-be-enabled",
        "Archived departments cant be enabled",
    );
    let archive = rc
        .call(Method::POST, &format!("{path}/archive"), None)
        .await;
    assert_rc(
        &archive,
        StatusCode::OK,
        json!({"success": true}),
        "archive",
    );
    for (case, enabled, expected) in [
        ("a non-empty string", json!("no"), archived.clone()),
        ("a non-zero number", json!(2), archived.clone()),
        ("an empty array", json!([]), archived.clone()),
        (
            "an empty string",
            json!(""),
            json!({"success": false, "error": "Match error: Expected boolean, got string in field enabled"}),
        ),
        (
            "zero",
            json!(0),
            json!({"success": false, "error": "Match error: Expected boolean, got number in field enabled"}),
        ),
        (
            "null",
            json!(null),
            json!({"success": false, "error": "Match error: Expected boolean, got null in field enabled"}),
        ),
    ] {
        assert_rc(
            &rc.put(&path, fields(enabled)).await,
            StatusCode::BAD_REQUEST,
            expected,
            case,
        );
    }
    let unarchive = rc
        .call(Method::POST, &format!("{path}/unarchive"), None)
        .await;
    assert_rc(
        &unarchive,
        StatusCode::OK,
        json!({"success": true}),
        "unarchive",
    );

    // Without add-livechat-department-agents, an update's agents are ignored.
    rc.perm("add-livechat-department-agents", &[]).await;
    let mut body = fields(json!(true));
    body["agents"] = json!([{"agentId": RC_AGENT_ID}]);
    let updated = expect(&rc.put(&path, body.clone()).await, StatusCode::OK);
    assert_eq!(updated["agents"], json!([]), "ignored");
    rc.perm("add-livechat-department-agents", &["admin"]).await;
    let updated = expect(&rc.put(&path, body).await, StatusCode::OK);
    assert_eq!(updated["agents"][0]["agentId"], RC_AGENT_ID, "upserted");
}
