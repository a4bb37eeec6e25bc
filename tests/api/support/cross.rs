//! The Support API beside the three other facades, in every direction: a membership made through
//! Support is a Zopim `members` entry, a Rocket.Chat link and a classic group's user, and each
//! of those made elsewhere is a Support membership with its own stable id; users likewise.
//! Every answer is compared whole, in the shape its own facade's tests write it out.

use super::memberships::membership;
use super::users::user;
use super::*;
use crate::helpers::{RC_ADMIN_ID, RC_AGENT_ID};
use crate::rocketchat::assert_rc;
use crate::zendesk::{
    ALEX, BILLING, MARIA, SALES, SUPPORT, assert_xml, document, group_fragment, group_times,
    group_with_users, list as xml_list, user_with_groups,
};
use crate::zopim::{alex, assert_json as assert_zopim, billing, sam, with};

const BILLING_UID: &str = "65a4f0c2e4b0a1b2c3d4e5f3";
const RC_MARIA_ID: &str = "Kq3WzYd8NfR2sTgHx";

fn page(records: Vec<Value>) -> Value {
    let count = records.len();
    json!({"group_memberships": records, "next_page": null, "previous_page": null, "count": count})
}

/// Rocket.Chat's agents of a department, whole, with each link's generated `_id` and
/// `_updatedAt` taken from the answer; `agents` are (id, username) in the order shown.
fn rc_agents(shown: &Value, department: &str, enabled: bool, agents: &[(&str, &str)]) -> Value {
    let links: Vec<Value> = agents
        .iter()
        .enumerate()
        .map(|(i, (id, username))| {
            let s = &shown["agents"][i];
            json!({"_id": s["_id"], "_updatedAt": s["_updatedAt"], "agentId": id, "count": 0,
                   "departmentEnabled": enabled, "departmentId": department, "order": 0,
                   "username": username})
        })
        .collect();
    let n = links.len();
    json!({"agents": links, "count": n, "offset": 0, "success": true, "total": n})
}

#[tokio::test]
async fn a_membership_made_through_support_is_a_zopim_member_a_rocket_chat_link_and_a_classic_user()
{
    let app = spawn_app().await;
    let rc = app.rc().await;

    let made = admin(
        &app,
        Method::POST,
        "/api/v2/group_memberships",
        Some(r#"{"group_membership": {"user_id": 1, "group_id": 3}}"#),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);

    assert_zopim(
        &app.zopim().get("/departments/3").await,
        StatusCode::OK,
        with(billing(), json!({"members": [1, 3]})),
        "Billing in Zopim",
    );
    assert_zopim(
        &app.zopim().get("/agents/1").await,
        StatusCode::OK,
        with(alex(), json!({"departments": [1, 3]})),
        "the admin in Zopim (Billing is disabled: not in enabled_departments)",
    );
    let links = rc
        .get(&format!("livechat/department/{BILLING_UID}/agents"))
        .await;
    assert_rc(
        &links,
        StatusCode::OK,
        rc_agents(
            &links.json(),
            BILLING_UID,
            false,
            &[(RC_ADMIN_ID, "admin"), (RC_MARIA_ID, "maria")],
        ),
        "Billing's links in Rocket.Chat",
    );
    assert_xml(
        &app.zendesk().get("/groups/3/users.xml").await,
        StatusCode::OK,
        &xml_list(
            "users",
            2,
            &[
                user_with_groups(ALEX, &[SALES, BILLING]),
                user_with_groups(MARIA, &[SUPPORT, BILLING]),
            ],
        ),
        "Billing's users in classic XML",
    );

    // And deleting it through Support takes it away everywhere.
    let deleted = admin(&app, Method::DELETE, "/api/v2/group_memberships/6", None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_zopim(
        &app.zopim().get("/departments/3").await,
        StatusCode::OK,
        billing(),
        "Billing in Zopim after the delete",
    );
    let links = rc
        .get(&format!("livechat/department/{BILLING_UID}/agents"))
        .await;
    assert_rc(
        &links,
        StatusCode::OK,
        rc_agents(&links.json(), BILLING_UID, false, &[(RC_MARIA_ID, "maria")]),
        "Billing's links after the delete",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn a_rocket_chat_link_is_a_support_membership_with_a_new_id_and_leaves_with_it() {
    let app = spawn_app().await;
    let rc = app.rc().await;

    let reply = rc
        .post(
            &format!("livechat/department/{BILLING_UID}/agents"),
            json!({"upsert": [{"agentId": RC_AGENT_ID, "username": "agent"}], "remove": []}),
        )
        .await;
    assert_rc(&reply, StatusCode::OK, json!({"success": true}), "upsert");

    assert_json(
        &get(&app, "/api/v2/groups/3/memberships.json").await,
        StatusCode::OK,
        page(vec![membership(&app, 5, false), membership(&app, 6, false)]),
        "Billing's memberships",
    );
    assert_eq!(
        get(&app, "/api/v2/group_memberships/6").await.json()["group_membership"]["user_id"],
        2
    );

    let reply = rc
        .post(
            &format!("livechat/department/{BILLING_UID}/agents"),
            json!({"upsert": [], "remove": [{"agentId": RC_AGENT_ID}]}),
        )
        .await;
    assert_rc(&reply, StatusCode::OK, json!({"success": true}), "remove");
    assert_json(
        &get(&app, "/api/v2/group_memberships/6").await,
        StatusCode::NOT_FOUND,
        not_found(),
        "the membership after the link went",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn a_rocket_chat_upsert_of_a_link_keeps_its_membership_id_and_default() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let made = admin(
        &app,
        Method::PUT,
        "/api/v2/users/3/group_memberships/5/make_default",
        None,
    )
    .await;
    assert_eq!(made.status, StatusCode::OK);

    // Maria's Billing link again, with an order: the same link, upserted.
    let reply = rc
        .post(
            &format!("livechat/department/{BILLING_UID}/agents"),
            json!({"upsert": [{"agentId": RC_MARIA_ID, "username": "maria", "order": 2}],
                   "remove": []}),
        )
        .await;
    assert_rc(&reply, StatusCode::OK, json!({"success": true}), "upsert");

    assert_json(
        &get(&app, "/api/v2/users/3/group_memberships").await,
        StatusCode::OK,
        page(vec![membership(&app, 4, false), membership(&app, 5, true)]),
        "Maria's memberships",
    );
}

#[tokio::test]
async fn zopim_members_are_support_memberships_and_support_memberships_are_zopim_departments() {
    let app = spawn_app().await;

    let reply = app
        .zopim()
        .put("/departments/3", r#"{"members": [1, 3]}"#)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    assert_json(
        &get(&app, "/api/v2/users/1/group_memberships.json").await,
        StatusCode::OK,
        page(vec![membership(&app, 1, true), membership(&app, 6, false)]),
        "the admin's memberships",
    );

    // The other way: Sam joins Billing through Support; Zopim lists the department under Sam.
    let made = admin(
        &app,
        Method::POST,
        "/api/v2/users/2/group_memberships",
        Some(r#"{"group_membership": {"group_id": 3}}"#),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_zopim(
        &app.zopim().get("/agents/2").await,
        StatusCode::OK,
        with(sam(), json!({"departments": [1, 2, 3]})),
        "Sam in Zopim",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn classic_group_agents_are_support_memberships() {
    let app = spawn_app().await;

    let reply = app
        .zendesk()
        .put(
            "/groups/2.xml",
            "<group><agents type=\"array\"><agent>1</agent><agent>3</agent></agents></group>",
        )
        .await;
    let support_group = group_fragment(2, "Support", true, group_times(&app, 2));
    assert_xml(
        &reply,
        StatusCode::OK,
        &document(&group_with_users(&support_group, &[ALEX, MARIA])),
        "PUT /groups/2.xml",
    );

    // Sam left Support (membership 3 is gone), the admin joined (a new membership, 6).
    assert_json(
        &get(&app, "/api/v2/groups/2/memberships").await,
        StatusCode::OK,
        page(vec![membership(&app, 4, true), membership(&app, 6, false)]),
        "Support's memberships",
    );
    assert_json(
        &get(&app, "/api/v2/group_memberships/3").await,
        StatusCode::NOT_FOUND,
        not_found(),
        "Sam's old membership",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn users_made_through_support_are_zopim_agents_and_rocket_chat_users_and_back() {
    let app = spawn_app().await;
    let rc = app.rc().await;

    let made = admin(
        &app,
        Method::POST,
        "/api/v2/users",
        Some(r#"{"user": {"name": "Kim Lee", "email": "kim@example.com", "role": "agent"}}"#),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);

    let zopim = app.zopim().get("/agents/4").await;
    assert_zopim(
        &zopim,
        StatusCode::OK,
        json!({"create_date": zopim.json()["create_date"], "departments": [],
               "display_name": "Kim Lee", "email": "kim@example.com", "enabled": 1,
               "enabled_departments": [], "first_name": "Kim", "id": 4, "last_name": "Lee",
               "role_id": 2, "roles": {"administrator": false, "owner": false}, "skills": []}),
        "the new user in Zopim",
    );
    let (uid, status, livechat) = {
        let view = app.handle.store().view();
        let kim = view
            .agent(deskbridge::model::AgentId(4))
            .expect("Kim exists");
        let livechat = if kim.accepts_chats {
            "available"
        } else {
            "not-available"
        };
        (kim.uid.to_string(), kim.presence.as_str(), livechat)
    };
    assert_rc(
        &rc.get(&format!("livechat/users/agent/{uid}")).await,
        StatusCode::OK,
        json!({"user": {"_id": uid, "username": "kim", "name": "Kim Lee", "status": status,
                        "statusLivechat": livechat,
                        "emails": [{"address": "kim@example.com", "verified": true}]},
               "success": true}),
        "the new user as a Rocket.Chat livechat agent",
    );

    // The other way: an agent made through Zopim is a Support user.
    let zopim_made = app
        .zopim()
        .post(
            "/agents",
            r#"{"display_name": "Lou Z", "email": "lou@example.com", "password": "s3cret-pass", "role_id": 2}"#,
        )
        .await;
    assert_eq!(
        zopim_made.status,
        StatusCode::CREATED,
        "{}",
        zopim_made.body
    );
    assert_json(
        &get(&app, "/api/v2/users/5.json").await,
        StatusCode::OK,
        json!({"user": user(&app, 5, None)}),
        "the Zopim agent in Support",
    );
    assert_eq!(
        get(&app, "/api/v2/users/5").await.json()["user"]["role"],
        "agent"
    );
    app.assert_invariants();
}
