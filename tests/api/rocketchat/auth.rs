//! Auth (spec §1.3, §2.1).

use super::*;

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
            json!({"status": "success", "data": {"userId": RC_ADMIN_ID, "authToken": token,
                "me": admin_me(&app)}, "success": true}),
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

/// The default admin's `me` after login: `getUserInfo(me)` of the newest Rocket.Chat
/// (`apps/meteor/app/api/server/helpers/getUserInfo.ts`): the default user fields, the verified
/// `email`, `settings` with every `Accounts_Default_User_Preferences_*` default
/// (`apps/meteor/server/settings/accounts.ts`) and an empty `calendar`, `avatarUrl`,
/// `isOAuthUser`, and `services.password.exists` instead of the hash.
pub(super) fn admin_me(app: &TestApp) -> Value {
    let preferences = json!({
        "enableAutoAway": true, "idleTimeLimit": 300,
        "desktopNotificationRequireInteraction": false, "desktopNotifications": "all",
        "desktopNotificationVoiceCalls": true, "pushNotifications": "all",
        "unreadAlert": true, "useEmojis": true, "convertAsciiEmoji": true,
        "autoImageLoad": true, "saveMobileBandwidth": true, "collapseMediaByDefault": false,
        "hideUsernames": false, "hideRoles": false, "hideFlexTab": false,
        "displayAvatars": true, "sidebarGroupByType": true, "themeAppearence": "auto",
        "sidebarViewMode": "medium", "sidebarDisplayAvatar": true, "sidebarShowUnread": false,
        "sidebarSortby": "activity", "showThreadsInMainChannel": false,
        "alsoSendThreadToChannel": "default", "sidebarShowFavorites": true,
        "sendOnEnter": "normal", "emailNotificationMode": "mentions",
        "newRoomNotification": "door", "newMessageNotification": "chime",
        "muteFocusedConversations": true, "masterVolume": 100,
        "notificationsSoundVolume": 100, "voipRingerVolume": 100,
        "omnichannelTranscriptEmail": false, "notifyCalendarEvents": true,
        "enableMobileRinging": true,
        "sidebarSectionsOrder": ["Incoming_Calls", "Incoming_Livechats", "Open_Livechats",
            "On_Hold_Chats", "Unread", "Favorites", "Teams", "Discussions", "Channels",
            "Direct_Messages", "Conversations"],
        "featuresPreview": "[]", "omnichannelTranscriptPDF": false,
    });
    json!({
        "_id": RC_ADMIN_ID, "username": "admin", "name": "Alex Admin",
        "emails": [{"address": "admin@example.com", "verified": true}],
        "status": "offline", "statusConnection": "offline", "statusLivechat": "available",
        "active": true, "roles": ["user", "admin", "livechat-agent"],
        "_updatedAt": "2024-01-15T09:00:00.000Z",
        "email": "admin@example.com",
        "settings": {"profile": {}, "preferences": preferences, "calendar": {}},
        "avatarUrl": format!("http://{}/avatar/admin", app.handle.addr()),
        "isOAuthUser": false,
        "services": {"password": {"exists": true}},
    })
}

#[tokio::test]
async fn a_preference_default_changed_in_the_settings_shows_in_the_next_logins_me() {
    // `getUserPreferences` reads the `Accounts_Default_User_Preferences_*` settings.
    let app = spawn_app().await;
    let rc = app.rc().await;
    rc.setting(
        "Accounts_Default_User_Preferences_sidebarViewMode",
        json!("condensed"),
    )
    .await;
    let reply = app
        .rc_login_raw(r#"{"user":"admin","password":"admin"}"#)
        .await;
    let body = expect(&reply, StatusCode::OK);
    // In the order the settings are registered (`settings.getByRegexp`).
    assert!(
        reply.body.contains(
            r#""preferences":{"enableAutoAway":true,"idleTimeLimit":300,"desktopNotificationRequireInteraction":false,"#
        ),
        "{}",
        reply.body
    );
    let mut me = admin_me(&app);
    me["settings"]["preferences"]["sidebarViewMode"] = json!("condensed");
    assert_eq!(body["data"]["me"], me);
}
