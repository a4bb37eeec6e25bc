//! The findings of the route-by-route audit against the newest Rocket.Chat (issue 16), one test
//! each, with the whole answer and, for a refusal, the state unchanged. The vendor source of each
//! is named in its test.

use super::auth::admin_me;
use super::*;

/// Agent availability as the widget's config and the agent's record show it.
async fn availability(app: &TestApp, rc: &Rc<'_>) -> (Value, Value) {
    let config = app.rc_anonymous(Method::GET, "livechat/config", None).await;
    let shown = rc.get(&format!("livechat/users/agent/{RC_ADMIN_ID}")).await;
    (
        config.json()["config"]["online"].clone(),
        shown.json()["user"]["statusLivechat"].clone(),
    )
}

// See: apps/meteor/app/livechat/server/api/v1/agent.ts (`livechat/agent.status`) and
// `POSTLivechatAgentStatusPropsSchema` in packages/rest-typings/src/v1/omnichannel.ts.
#[tokio::test]
async fn agent_status_toggles_or_sets_the_status_and_refuses_what_rocket_chat_refuses() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    rc.post("users.setStatus", json!({"status": "online"}))
        .await;
    assert_eq!(
        availability(&app, &rc).await,
        (json!(true), json!("available"))
    );

    // No status: a toggle.
    let toggled = rc.post("livechat/agent.status", json!({})).await;
    assert_rc(
        &toggled,
        StatusCode::OK,
        json!({"status": "not-available", "success": true}),
        "toggle",
    );
    assert_eq!(
        availability(&app, &rc).await,
        (json!(false), json!("not-available"))
    );

    // A status equal to the current one answers it and changes nothing.
    let same = rc
        .post("livechat/agent.status", json!({"status": "not-available"}))
        .await;
    assert_rc(
        &same,
        StatusCode::OK,
        json!({"status": "not-available", "success": true}),
        "same",
    );

    // `{status, agentId}` of the caller itself.
    let set = rc
        .post(
            "livechat/agent.status",
            json!({"status": "available", "agentId": RC_ADMIN_ID}),
        )
        .await;
    assert_rc(
        &set,
        StatusCode::OK,
        json!({"status": "available", "success": true}),
        "set",
    );
    assert_eq!(
        availability(&app, &rc).await,
        (json!(true), json!("available"))
    );

    // Another agent's status, with `manage-livechat-agents` (admin has it).
    let other = rc
        .post(
            "livechat/agent.status",
            json!({"status": "not-available", "agentId": RC_AGENT_ID}),
        )
        .await;
    assert_rc(
        &other,
        StatusCode::OK,
        json!({"status": "not-available", "success": true}),
        "other",
    );

    // The refusals, each leaving the state as it was.
    let before = snapshot(&rc).await;
    let version = app.handle.store().view().version();
    let agent = app.rc_as(RC_AGENT).await;
    let version_after_login = app.handle.store().view().version();
    let created = rc
        .post(
            "users.create",
            json!({"email": "off@example.com", "name": "Off", "username": "off",
            "password": "pw", "active": false, "roles": ["user", "livechat-agent"]}),
        )
        .await;
    let off = created.json()["user"]["_id"].as_str().unwrap().to_owned();
    let plain = rc
        .post(
            "users.create",
            json!({"email": "plain@example.com", "name": "Plain", "username": "plain",
            "password": "pw"}),
        )
        .await;
    let plain = plain.json()["user"]["_id"].as_str().unwrap().to_owned();
    let version_with_off = app.handle.store().view().version();
    let cases: Vec<(&Rc<'_>, Value, StatusCode, Value)> = vec![
        (
            &rc,
            json!({"status": "busy"}),
            StatusCode::BAD_REQUEST,
            invalid_params("must be equal to one of the allowed values"),
        ),
        (
            &rc,
            json!({"status": "available", "colour": "red"}),
            StatusCode::BAD_REQUEST,
            invalid_params("must NOT have additional properties"),
        ),
        (
            &rc,
            json!({"agentId": "nobodyNobodyNobod"}),
            StatusCode::NOT_FOUND,
            json!({"success": false, "error": "Agent not found"}),
        ),
        // A user without the agent role is no agent (`Users.findOneAgentById`).
        (
            &rc,
            json!({"agentId": plain, "status": "available"}),
            StatusCode::NOT_FOUND,
            json!({"success": false, "error": "Agent not found"}),
        ),
        (
            &rc,
            json!({"agentId": off}),
            StatusCode::BAD_REQUEST,
            json!({"success": false, "error": "error-user-deactivated"}),
        ),
        // Another agent's status without `manage-livechat-agents`: `API.v1.unauthorized()`.
        (
            &agent,
            json!({"agentId": RC_ADMIN_ID}),
            StatusCode::UNAUTHORIZED,
            json!({"success": false, "error": "unauthorized"}),
        ),
    ];
    for (client, body, status, expected) in cases {
        let case = body.to_string();
        let reply = client.post("livechat/agent.status", body).await;
        assert_rc(&reply, status, expected, &case);
    }
    assert!(version_after_login > version);
    assert_eq!(
        app.handle.store().view().version(),
        version_with_off,
        "a refusal wrote"
    );
    assert_unchanged(&app, &before, &snapshot(&rc).await, "agent.status refusals");
    let anonymous = app
        .rc_anonymous(Method::POST, "livechat/agent.status", Some("{}"))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

// See: packages/http-router/src/Router.ts, `parseBodyParams`: a URL-encoded form is
// `Object.fromEntries(formData.entries())`.
#[tokio::test]
async fn a_form_encoded_login_is_read_as_the_router_reads_it() {
    let app = spawn_app().await;
    let reply = app
        .send(
            app.client
                .post(app.url("/api/v1/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("user=admin&password=wrong&password=admin"),
        )
        .await;
    let body = expect(&reply, StatusCode::OK);
    let token = body["data"]["authToken"].as_str().unwrap();
    assert_eq!(
        body,
        json!({"status": "success", "data": {"userId": RC_ADMIN_ID, "authToken": token,
            "me": admin_me(&app)}, "success": true})
    );
    // Form fields are strings: a form department body fails the department's own checks.
    let rc = app.rc().await;
    let before = snapshot(&rc).await;
    let form = app
        .send(
            app.client
                .post(app.url("/api/v1/livechat/department"))
                .header("X-Auth-Token", &rc.token)
                .header("X-User-Id", &rc.user_id)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("name=Form"),
        )
        .await;
    assert_rc(
        &form,
        StatusCode::BAD_REQUEST,
        invalid_params("must have required property 'department'"),
        "form department",
    );
    assert_unchanged(&app, &before, &snapshot(&rc).await, "form department");
}

// See: apps/meteor/server/lib/omnichannel/departmentsLib.ts, `saveDepartment` (only an update
// that is archived and enabled is refused), `saveDepartmentAgents` (no archive check),
// `unarchiveDepartment` (`archived: false`).
#[tokio::test]
async fn archived_departments_take_updates_and_agents_but_cannot_be_enabled() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let department = rc.create_department(None, "Archived", true).await;
    let id = id(&department).to_owned();
    let archived = rc
        .post(&format!("livechat/department/{id}/archive"), json!({}))
        .await;
    assert_rc(
        &archived,
        StatusCode::OK,
        json!({"success": true}),
        "archive",
    );

    // Enabling it is refused, and changes nothing.
    let before = snapshot(&rc).await;
    let enable = rc
        .put(
            &format!("livechat/department/{id}"),
            json!({"department": {"name": "Archived",
            "enabled": true, "showOnRegistration": true, "showOnOfflineForm": true,
            "email": "a@b.com"}}),
        )
        .await;
    assert_rc(
        &enable,
        StatusCode::BAD_REQUEST,
        save_error(
            "error-archived-department-cant-be-enabled",
            "Archived departments cant be enabled",
        ),
        "enable an archived department",
    );
    assert_unchanged(
        &app,
        &before,
        &snapshot(&rc).await,
        "enable an archived department",
    );

    // Any other update is saved.
    let renamed = rc
        .put(
            &format!("livechat/department/{id}"),
            json!({"department": {"name": "Renamed",
            "enabled": false, "showOnRegistration": true, "showOnOfflineForm": true,
            "email": "a@b.com"}}),
        )
        .await;
    let renamed = expect(&renamed, StatusCode::OK);
    assert_eq!(renamed["department"]["name"], "Renamed");
    assert_eq!(renamed["department"]["archived"], true);
    // Agents too.
    let agents = rc
        .post(
            &format!("livechat/department/{id}/agents"),
            json!({"upsert": [{"agentId": RC_AGENT_ID, "username": "agent"}], "remove": []}),
        )
        .await;
    assert_rc(
        &agents,
        StatusCode::OK,
        json!({"success": true}),
        "agents of an archived department",
    );

    // Unarchived, it says so.
    rc.post(&format!("livechat/department/{id}/unarchive"), json!({}))
        .await;
    let shown = expect(
        &rc.get(&format!("livechat/department/{id}")).await,
        StatusCode::OK,
    );
    let d = &shown["department"];
    assert_eq!(
        d,
        &json!({"_id": id, "name": "Renamed", "enabled": false, "showOnRegistration": true,
            "showOnOfflineForm": true, "email": "a@b.com", "type": "d", "numAgents": 1,
            "archived": false, "_updatedAt": d["_updatedAt"]})
    );
}

// See: apps/meteor/app/livechat/imports/server/rest/users.ts (the typed routes) and
// apps/meteor/server/lib/omnichannel/omni-users.ts.
#[tokio::test]
async fn livechat_users_routes_check_before_login_and_answer_as_the_typed_routes() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let before = snapshot(&rc).await;
    // Query and body are checked before the credentials.
    let query = app
        .rc_anonymous(Method::GET, "livechat/users/agent?colour=red", None)
        .await;
    assert_rc(
        &query,
        StatusCode::BAD_REQUEST,
        json!({"success": false,
        "errorType": "error-invalid-params", "error": "must NOT have additional properties"}),
        "query before login",
    );
    let body = app
        .rc_anonymous(
            Method::POST,
            "livechat/users/agent",
            Some(r#"{"user":"x"}"#),
        )
        .await;
    assert_rc(
        &body,
        StatusCode::BAD_REQUEST,
        json!({"success": false,
        "errorType": "invalid-params", "error": "must have required property 'username'"}),
        "body before login",
    );
    // An unknown id is `{"user": null}`.
    assert_rc(
        &rc.get("livechat/users/agent/nobodyNobodyNobod").await,
        StatusCode::OK,
        json!({"user": null, "success": true}),
        "unknown id",
    );
    // Removing an unknown id: `error-invalid-user`.
    assert_rc(
        &rc.delete("livechat/users/manager/nobodyNobodyNobod").await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "error-invalid-user"}),
        "remove unknown",
    );
    // The list's own permission check: `forbidden('error-not-authorized')`.
    let agent = app.rc_as(RC_AGENT).await;
    assert_rc(
        &agent.get("livechat/users/manager").await,
        StatusCode::FORBIDDEN,
        json!({"success": false, "error": "error-not-authorized"}),
        "managers by an agent",
    );
    assert_unchanged(
        &app,
        &before,
        &snapshot(&rc).await,
        "livechat/users refusals",
    );
}

/// `settings()` of apps/meteor/app/livechat/server/api/lib/livechat.ts with the shipped
/// defaults, and `online` after it (apps/meteor/app/livechat/server/api/v1/config.ts).
fn default_config(app: &TestApp, departments: Value, online: bool) -> Value {
    json!({"config": {
        "enabled": true,
        "settings": {
            "registrationForm": true, "allowSwitchingDepartments": true,
            "nameFieldRegistrationForm": true, "emailFieldRegistrationForm": true,
            "displayOfflineForm": true, "videoCall": false, "fileUpload": true, "language": "",
            "transcript": false, "historyMonitorType": "url",
            "forceAcceptDataProcessingConsent": false, "showConnecting": false,
            "agentHiddenInfo": false, "clearLocalStorageWhenChatEnded": false,
            "limitTextLength": false, "hiddenSystemMessages": ["uj", "ul", "livechat-close"],
            "livechatLogo": {}, "hideWatermark": false, "visitorsCanCloseChat": true,
        },
        "theme": {
            "title": "Rocket.Chat", "color": "#C1272D", "offlineTitle": "Leave a message",
            "offlineColor": "#666666", "position": "right", "background": "",
            "actionLinks": {
                "webrtc": [
                    {"actionLinksAlignment": "flex-start", "i18nLabel": "Join_call",
                        "label": "Join call", "method_id": "joinLivechatWebRTCCall"},
                    {"i18nLabel": "End_call", "label": "End call",
                        "method_id": "endLivechatWebRTCCall", "danger": true},
                ],
                "jitsi": [
                    {"icon": "icon-videocam", "i18nLabel": "Accept"},
                    {"icon": "icon-cancel", "i18nLabel": "Decline"},
                ],
            },
        },
        "messages": {
            "offlineMessage": "", "offlineSuccessMessage": "", "offlineUnavailableMessage": "",
            "conversationFinishedMessage": "Conversation finished", "conversationFinishedText": "",
            "transcriptMessage": "Would you like a copy of this chat emailed?",
            "registrationFormMessage": "", "dataProcessingConsentText": "",
        },
        "survey": {
            "items": ["satisfaction", "agentKnowledge", "agentResposiveness", "agentFriendliness"],
            "values": ["1", "2", "3", "4", "5"],
        },
        "triggers": [],
        "departments": departments,
        "resources": {"sound": format!("http://{}/sounds/chime.mp3", app.handle.addr()), "emojis": []},
        "online": online,
    }, "success": true})
}

// See: apps/meteor/app/livechat/server/api/lib/livechat.ts (`settings`, `findDepartments`),
// apps/meteor/app/livechat/server/api/v1/config.ts (`GETLivechatConfigParamsSchema`).
#[tokio::test]
async fn the_widget_config_has_every_field_the_widget_reads_and_refuses_unknown_parameters() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let forwarding = rc
        .post(
            "livechat/department",
            json!({"department": {"name": "Forwarding", "enabled": true,
            "showOnRegistration": true, "showOnOfflineForm": false, "email": "f@example.com",
            "departmentsAllowedToForward": ["65a4f0c2e4b0a1b2c3d4e5f1"]},
            "agents": [{"agentId": RC_AGENT_ID}]}),
        )
        .await;
    let forwarding = expect(&forwarding, StatusCode::OK)["department"]["_id"].clone();
    let config = app.rc_anonymous(Method::GET, "livechat/config", None).await;
    let departments = json!([
        {"_id": forwarding, "name": "Forwarding", "showOnRegistration": true,
            "showOnOfflineForm": false, "departmentsAllowedToForward": ["65a4f0c2e4b0a1b2c3d4e5f1"]},
        {"_id": "65a4f0c2e4b0a1b2c3d4e5f1", "name": "Sales", "showOnRegistration": true,
            "showOnOfflineForm": true},
        {"_id": "65a4f0c2e4b0a1b2c3d4e5f2", "name": "Support", "showOnRegistration": true,
            "showOnOfflineForm": true},
    ]);
    assert_rc(
        &config,
        StatusCode::OK,
        default_config(&app, departments, false),
        "config",
    );
    // Keys in the order `settings()` writes them, `online` after the config's own.
    let order = [
        r#"{"config":{"enabled":true,"settings":{"registrationForm":true,"#,
        r#""visitorsCanCloseChat":true},"theme":{"title":"Rocket.Chat","#,
        r#""actionLinks":{"webrtc":[{"actionLinksAlignment":"flex-start","i18nLabel":"Join_call","#,
        r#""messages":{"offlineMessage":"#,
        r#""departments":[{"_id":"#,
        r#""showOnOfflineForm":false,"departmentsAllowedToForward":["65a4f0c2e4b0a1b2c3d4e5f1"]},"#,
        r#""resources":{"sound":"#,
        r#""emojis":[]},"online":false},"success":true}"#,
    ];
    let mut at = 0;
    for part in order {
        let found = config.body[at..].find(part);
        assert!(found.is_some(), "{part} after {at} in {}", config.body);
        at += found.unwrap() + part.len();
    }

    for query in ["colour=red", "token=t&extra=1"] {
        let reply = app
            .rc_anonymous(Method::GET, &format!("livechat/config?{query}"), None)
            .await;
        assert_rc(
            &reply,
            StatusCode::BAD_REQUEST,
            invalid_params("must NOT have additional properties"),
            query,
        );
    }
    let known = app
        .rc_anonymous(
            Method::GET,
            "livechat/config?token=t&department=x&businessUnit=u",
            None,
        )
        .await;
    assert_eq!(known.status, StatusCode::OK);
}

// See: apps/meteor/ee/app/livechat-enterprise/server/hooks/afterRemoveDepartment.ts
// (`removeDepartmentFromForwardListById`), `updateDepartmentAgents` in
// apps/meteor/server/lib/omnichannel/Helper.ts (`numAgents`), the Enterprise department model
// (`type: 'd'`), `saveDepartment`'s `email: String`.
#[tokio::test]
async fn enterprise_bookkeeping_follows_deletes_link_changes_and_other_facades() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    rc.setting("Omnichannel_enable_department_removal", json!(true))
        .await;
    let target = rc.create_department(None, "Target", true).await;
    let target_id = id(&target).to_owned();
    let source = rc
        .post(
            "livechat/department",
            json!({"department": {"name": "Source", "enabled": true,
            "showOnRegistration": true, "showOnOfflineForm": true, "email": "s@example.com",
            "departmentsAllowedToForward": [target_id, "65a4f0c2e4b0a1b2c3d4e5f1"]}}),
        )
        .await;
    let source_id = expect(&source, StatusCode::OK)["department"]["_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A link change writes `numAgents` and moves `_updatedAt`; 0 once the last agent left.
    let first = shown(&rc, &source_id).await["department"].clone();
    assert_eq!(first.get("numAgents"), None);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    rc.post(
        &format!("livechat/department/{source_id}/agents"),
        json!({"upsert": [{"agentId": RC_AGENT_ID}], "remove": []}),
    )
    .await;
    rc.post(
        &format!("livechat/department/{source_id}/agents"),
        json!({"upsert": [], "remove": [{"agentId": RC_AGENT_ID}]}),
    )
    .await;
    let after = shown(&rc, &source_id).await["department"].clone();
    assert!(
        after["_updatedAt"].as_str() > first["_updatedAt"].as_str(),
        "{after}"
    );

    // Deleting the target takes it out of the source's forward list.
    rc.delete(&format!("livechat/department/{target_id}")).await;
    let last = shown(&rc, &source_id).await;
    assert_eq!(
        last,
        json!({"department": {"_id": source_id, "name": "Source", "enabled": true,
            "showOnRegistration": true, "showOnOfflineForm": true, "email": "s@example.com",
            "departmentsAllowedToForward": ["65a4f0c2e4b0a1b2c3d4e5f1"], "type": "d",
            "numAgents": 0, "_updatedAt": last["department"]["_updatedAt"]},
            "agents": [], "success": true})
    );

    // A department made through Zopim, without an email, has every field Rocket.Chat always has.
    let made = app
        .zopim()
        .post("/departments", r#"{"name": "From Zopim"}"#)
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let list = expect(
        &rc.get("livechat/department?text=From%20Zopim").await,
        StatusCode::OK,
    );
    let d = &list["departments"][0];
    assert_eq!(
        d,
        &json!({"_id": d["_id"], "name": "From Zopim", "enabled": true,
            "showOnRegistration": true, "showOnOfflineForm": true, "email": "", "type": "d",
            "_updatedAt": d["_updatedAt"]})
    );
}

async fn shown(rc: &Rc<'_>, id: &str) -> Value {
    expect(
        &rc.get(&format!("livechat/department/{id}")).await,
        StatusCode::OK,
    )
}

// The bookkeeping survives a restart: the journal keeps the department record whole
// (`members_changed_at`, `ever_inactive`).
#[tokio::test]
async fn the_bookkeeping_survives_a_restart_on_the_same_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let durable = |dir: &std::path::Path| {
        let options = deskbridge::persist::Options::new(dir);
        move |config: &mut deskbridge::config::Config| config.durability = Some(options)
    };
    let app = spawn_app_with(durable(dir.path())).await;
    let rc = app.rc().await;
    let department = rc.create_department(None, "Kept", true).await;
    let id = id(&department).to_owned();
    let path = format!("livechat/department/{id}");
    rc.post(
        &format!("{path}/agents"),
        json!({"upsert": [{"agentId": RC_AGENT_ID}], "remove": []}),
    )
    .await;
    rc.post(
        &format!("{path}/agents"),
        json!({"upsert": [], "remove": [{"agentId": RC_AGENT_ID}]}),
    )
    .await;
    rc.post(&format!("{path}/archive"), json!({})).await;
    rc.post(&format!("{path}/unarchive"), json!({})).await;
    let before = shown(&rc, &id).await;
    assert_eq!(
        (
            &before["department"]["numAgents"],
            &before["department"]["archived"]
        ),
        (&json!(0), &json!(false))
    );
    let (token, user_id) = (rc.token.clone(), rc.user_id.clone());
    app.handle.shutdown().await;

    let app = spawn_app_with(durable(dir.path())).await;
    let rc = Rc {
        app: &app,
        token,
        user_id,
    };
    assert_eq!(shown(&rc, &id).await, before);
    app.assert_invariants();
}
