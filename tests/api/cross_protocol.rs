//! One model behind two vendors: what Zopim writes Rocket.Chat reads and the other way round
//! (docs/mapping.md).
//!
//! Every answer is compared whole: status, content type and body, each in the shape its own
//! facade's tests write it out (`zopim`, `rocketchat`, `zendesk`). Rocket.Chat's generated values
//! (a new department's `_id`, each agent link's `_id` and every `_updatedAt`) are taken from the
//! answer itself and everything around them is compared.

use crate::helpers::{RC_ADMIN_ID, RC_AGENT_ID, Reply, spawn_app};
use crate::rocketchat::assert_rc;
use crate::zopim::{
    alex, assert_json, assert_no_content, assert_no_department, assert_zopim_shows, billing, sales,
    sam, support, with,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The default Maria's Rocket.Chat user id (fixtures/default.json).
const RC_MARIA_ID: &str = "Kq3WzYd8NfR2sTgHx";

/// A Rocket.Chat page (`count`, `offset`, `total`) of `items` under `key`.
fn page(key: &str, items: Value) -> Value {
    let n = items.as_array().expect("an array of items").len();
    json!({key: items, "count": n, "offset": 0, "success": true, "total": n})
}

/// A Rocket.Chat agent link to `department`, as shown in `shown`: its generated `_id` and its
/// `_updatedAt` are taken from `shown`, every other field is the expected one.
fn link(
    shown: &Value,
    (agent_id, username): (&str, &str),
    department: &str,
    enabled: bool,
) -> Value {
    json!({"_id": shown["_id"], "_updatedAt": shown["_updatedAt"], "agentId": agent_id,
           "count": 0, "departmentEnabled": enabled, "departmentId": department, "order": 0,
           "username": username})
}

/// Sales as Rocket.Chat lists it once archived (`enabled` false); `_updatedAt` from `shown`.
fn archived_sales(shown: &Value) -> Value {
    json!({"_id": "65a4f0c2e4b0a1b2c3d4e5f1", "_updatedAt": shown["_updatedAt"], "archived": true,
           "description": "Questions before buying", "email": "sales@example.com",
           "enabled": false, "name": "Sales", "numAgents": 2, "showOnOfflineForm": true,
           "showOnRegistration": true, "type": "d"})
}

/// Rocket.Chat's `{"success": true}`.
#[track_caller]
fn assert_rc_success(reply: &Reply, case: &str) {
    assert_rc(reply, StatusCode::OK, json!({"success": true}), case);
}

#[tokio::test]
async fn a_department_made_through_zopim_is_read_and_updated_through_rocket_chat() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let created = app
        .zopim()
        .post(
            "/departments",
            r#"{"name": "From Zopim", "description": "zd", "members": [2]}"#,
        )
        .await;
    assert_json(
        &created,
        StatusCode::CREATED,
        json!({"description": "zd", "enabled": 1, "id": 4, "members": [2],
               "name": "From Zopim", "settings": {}}),
        "POST /departments",
    );
    let zopim_id = created.json()["id"].clone();

    let list = rc.get("livechat/department?text=From%20Zopim").await;
    let department = list.json()["departments"][0].clone();
    let uid = department["_id"].as_str().unwrap().to_owned();
    assert_rc(
        &list,
        StatusCode::OK,
        page(
            "departments",
            json!([{"_id": uid, "name": "From Zopim", "enabled": true, "description": "zd",
                    "showOnRegistration": true, "showOnOfflineForm": true, "numAgents": 1,
                    // Every department has an email string and the Enterprise `type`.
                    "email": "", "type": "d", "_updatedAt": department["_updatedAt"]}]),
        ),
        "the Rocket.Chat list",
    );
    let agents = rc.get(&format!("livechat/department/{uid}/agents")).await;
    let shown = agents.json();
    assert_rc(
        &agents,
        StatusCode::OK,
        page(
            "agents",
            json!([link(
                &shown["agents"][0],
                (RC_AGENT_ID, "agent"),
                &uid,
                true
            )]),
        ),
        "its agents",
    );

    let updated = rc
        .put(
            &format!("livechat/department/{uid}"),
            json!({"department": {"name": "Renamed in RC", "enabled": false, "showOnOfflineForm": true,
                   "showOnRegistration": true, "email": "rc@example.com"},
                   "agents": [{"agentId": RC_ADMIN_ID}]}),
        )
        .await;
    let answer = updated.json();
    assert_rc(
        &updated,
        StatusCode::OK,
        json!({"department": {"_id": uid, "name": "Renamed in RC", "enabled": false,
                              "description": "zd", "showOnRegistration": true,
                              "showOnOfflineForm": true, "email": "rc@example.com",
                              "numAgents": 2, "type": "d",
                              "_updatedAt": answer["department"]["_updatedAt"]},
               "agents": [link(&answer["agents"][0], (RC_ADMIN_ID, "admin"), &uid, false),
                          link(&answer["agents"][1], (RC_AGENT_ID, "agent"), &uid, false)],
               "success": true}),
        "PUT through Rocket.Chat",
    );

    let shown = app.zopim().get(&format!("/departments/{zopim_id}")).await;
    assert_json(
        &shown,
        StatusCode::OK,
        json!({"description": "zd", "enabled": 0, "id": zopim_id, "members": [1, 2],
               "name": "Renamed in RC", "settings": {}}),
        "Zopim after",
    );
    app.assert_invariants();
}

#[tokio::test]
async fn agents_changed_through_rocket_chat_show_in_zopim_members_and_agent_departments() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    // Support (Zopim id 2) has agents 2 and 3; add the admin, remove the agent.
    let reply = rc
        .post(
            "livechat/department/65a4f0c2e4b0a1b2c3d4e5f2/agents",
            json!({"upsert": [{"agentId": RC_ADMIN_ID, "username": "admin"}],
                   "remove": [{"agentId": RC_AGENT_ID}]}),
        )
        .await;
    assert_rc_success(&reply, "the agents' change");

    assert_zopim_shows(
        &app,
        "/departments/2",
        with(support(), json!({"members": [1, 3]})),
        "Support",
    )
    .await;
    assert_zopim_shows(
        &app,
        "/agents/1",
        with(
            alex(),
            json!({"departments": [1, 2], "enabled_departments": [1, 2]}),
        ),
        "the admin",
    )
    .await;
    assert_zopim_shows(
        &app,
        "/agents/2",
        with(
            sam(),
            json!({"departments": [1], "enabled_departments": [1]}),
        ),
        "the agent",
    )
    .await;
    app.assert_invariants();
}

#[tokio::test]
async fn a_department_archived_through_rocket_chat_is_hidden_from_zopim() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let reply = rc
        .call(
            reqwest::Method::POST,
            "livechat/department/65a4f0c2e4b0a1b2c3d4e5f1/archive",
            None,
        )
        .await;
    assert_rc_success(&reply, "archive");

    assert_zopim_shows(
        &app,
        "/departments",
        json!([support(), billing()]),
        "the Zopim list",
    )
    .await;
    assert_no_department(&app, "/departments/1", "the archived department in Zopim").await;
    let archived = rc.get("livechat/departments/archived").await;
    let shown = archived.json();
    assert_rc(
        &archived,
        StatusCode::OK,
        page(
            "departments",
            json!([archived_sales(&shown["departments"][0])]),
        ),
        "the archived list",
    );
}

#[tokio::test]
async fn a_department_made_through_rocket_chat_appears_in_zopim_and_zopim_deletes_it() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let department = rc
        .create_department(Some(json!([{"agentId": RC_AGENT_ID}])), "From RC", true)
        .await;
    assert_eq!(
        department,
        json!({"_id": department["_id"], "_updatedAt": department["_updatedAt"],
               "email": "a@b.com", "enabled": true, "name": "From RC",
               "showOnOfflineForm": true, "showOnRegistration": true, "type": "d"}),
        "the created department"
    );
    let made = json!({"description": "", "enabled": 1, "id": 4, "members": [2],
                      "name": "From RC", "settings": {}});
    assert_zopim_shows(
        &app,
        "/departments",
        json!([sales(), support(), billing(), made]),
        "the Zopim list",
    )
    .await;
    let deleted = app
        .zopim()
        .delete(&format!("/departments/{}", made["id"]))
        .await;
    assert_no_content(&deleted, "DELETE through Zopim");
    let shown = rc
        .get(&format!(
            "livechat/department/{}",
            department["_id"].as_str().unwrap()
        ))
        .await;
    assert_rc(
        &shown,
        StatusCode::OK,
        json!({"department": null, "agents": [], "success": true}),
        "the deleted department in Rocket.Chat",
    );
}

/// The classic Zendesk XML facade beside the other two: a group is a department, its agents are
/// Zopim `members` and Rocket.Chat links, and a destroyed group is archived (docs/mapping.md).
mod classic_xml {
    use super::{archived_sales, assert_rc_success, link, page};
    use crate::helpers::{RC_ADMIN_ID, RC_AGENT_ID, spawn_app};
    use crate::rocketchat::assert_rc;
    use crate::zendesk::{
        ALEX, MARIA, SAM, SUPPORT, assert_empty_ok, assert_invalid, assert_not_found, assert_xml,
        document, group_fragment, group_times, group_with_users, user_with_groups,
    };
    use crate::zopim::{
        alex, assert_json, assert_no_content, assert_no_department, assert_zopim_shows, billing,
        maria, sales, support, with,
    };
    use reqwest::StatusCode;
    use serde_json::{Value, json};

    #[tokio::test]
    async fn a_group_destroyed_through_classic_xml_disappears_from_zopim_and_is_archived_in_rocket_chat()
     {
        let app = spawn_app().await;
        let rc = app.rc().await;

        let reply = app.zendesk().delete("/groups/1.xml").await;

        assert_empty_ok(&reply, "DELETE /groups/1.xml");
        assert_no_department(&app, "/departments/1", "the destroyed group in Zopim").await;
        assert_zopim_shows(
            &app,
            "/departments",
            json!([support(), billing()]),
            "the Zopim list",
        )
        .await;
        assert_zopim_shows(
            &app,
            "/agents/1",
            with(
                alex(),
                json!({"departments": [], "enabled_departments": []}),
            ),
            "its only agent in Zopim",
        )
        .await;
        let archived = rc.get("livechat/departments/archived").await;
        let shown = archived.json();
        assert_rc(
            &archived,
            StatusCode::OK,
            page(
                "departments",
                json!([archived_sales(&shown["departments"][0])]),
            ),
            "the archived list",
        );
        app.assert_invariants();
    }

    #[tokio::test]
    async fn agents_set_through_classic_xml_are_zopim_members_and_rocket_chat_links() {
        let app = spawn_app().await;
        let rc = app.rc().await;

        let reply = app
            .zendesk()
            .put(
                "/groups/2.xml",
                "<group><agents type=\"array\"><agent>1</agent><agent>2</agent></agents></group>",
            )
            .await;

        let support_group = group_fragment(2, "Support", true, group_times(&app, 2));
        assert_xml(
            &reply,
            StatusCode::OK,
            &document(&group_with_users(&support_group, &[ALEX, SAM])),
            "PUT /groups/2.xml",
        );
        assert_zopim_shows(
            &app,
            "/departments/2",
            with(support(), json!({"members": [1, 2]})),
            "Support in Zopim",
        )
        .await;
        assert_zopim_shows(
            &app,
            "/agents/3",
            with(
                maria(),
                json!({"departments": [3], "enabled_departments": []}),
            ),
            "the agent who left, in Zopim",
        )
        .await;
        let links = rc
            .get("livechat/department/65a4f0c2e4b0a1b2c3d4e5f2/agents")
            .await;
        // The links' order is not part of the contract: compared sorted by agent.
        let mut shown = links.json();
        shown["agents"]
            .as_array_mut()
            .unwrap()
            .sort_by_key(|l| l["agentId"].to_string());
        let support_id = "65a4f0c2e4b0a1b2c3d4e5f2";
        let mut expected = vec![(RC_ADMIN_ID, "admin"), (RC_AGENT_ID, "agent")];
        expected.sort_by_key(|(id, _)| json!(id).to_string());
        let expected: Vec<Value> = expected
            .into_iter()
            .enumerate()
            .map(|(i, agent)| link(&shown["agents"][i], agent, support_id, true))
            .collect();
        assert_eq!(links.status, StatusCode::OK, "{}", links.body);
        crate::rocketchat::assert_headers(&links, "the links");
        assert_eq!(shown, page("agents", json!(expected)), "the links");
        app.assert_invariants();
    }

    #[tokio::test]
    async fn members_set_through_zopim_and_rocket_chat_are_the_groups_users_in_classic_xml() {
        let app = spawn_app().await;
        let rc = app.rc().await;

        let zopim = app
            .zopim()
            .put("/departments/1", r#"{"members": [3]}"#)
            .await;
        let rocket = rc
            .post(
                "livechat/department/65a4f0c2e4b0a1b2c3d4e5f3/agents",
                json!({"upsert": [{"agentId": RC_ADMIN_ID, "username": "admin"}], "remove": []}),
            )
            .await;

        assert_json(
            &zopim,
            StatusCode::OK,
            with(sales(), json!({"members": [3]})),
            "PUT through Zopim",
        );
        assert_rc_success(&rocket, "the agents' change through Rocket.Chat");
        let sales_group = group_fragment(1, "Sales", true, group_times(&app, 1));
        let billing_group = group_fragment(3, "Billing", true, group_times(&app, 3));
        assert_xml(
            &app.zendesk().get("/groups/1.xml").await,
            StatusCode::OK,
            &document(&group_with_users(&sales_group, &[MARIA])),
            "Sales",
        );
        assert_xml(
            &app.zendesk().get("/groups/3.xml").await,
            StatusCode::OK,
            &document(&group_with_users(&billing_group, &[ALEX, MARIA])),
            "Billing",
        );
        assert_xml(
            &app.zendesk().get("/users/3.xml").await,
            StatusCode::OK,
            &document(&user_with_groups(
                MARIA,
                &[&sales_group, SUPPORT, &billing_group],
            )),
            "Maria",
        );
    }

    #[tokio::test]
    async fn a_department_made_through_zopim_is_a_group_and_a_group_made_here_is_a_department() {
        let app = spawn_app().await;
        let rc = app.rc().await;
        let from_zopim = app
            .zopim()
            .post("/departments", r#"{"name": "From Zopim", "members": [2]}"#)
            .await;
        assert_json(
            &from_zopim,
            StatusCode::CREATED,
            json!({"description": "", "enabled": 1, "id": 4, "members": [2],
                   "name": "From Zopim", "settings": {}}),
            "POST through Zopim",
        );

        let group = app.zendesk().get("/groups/4.xml").await;
        let made_here = app
            .zendesk()
            .post(
                "/groups.xml",
                "<group><name>From XML</name><agents type=\"array\"><agent>3</agent></agents></group>",
            )
            .await;

        let from_zopim_group = group_fragment(4, "From Zopim", true, group_times(&app, 4));
        assert_xml(
            &group,
            StatusCode::OK,
            &document(&group_with_users(&from_zopim_group, &[SAM])),
            "the Zopim department as a group",
        );
        let from_xml_group = group_fragment(5, "From XML", true, group_times(&app, 5));
        assert_xml(
            &made_here,
            StatusCode::CREATED,
            &document(&group_with_users(&from_xml_group, &[MARIA])),
            "POST /groups.xml",
        );
        assert_zopim_shows(
            &app,
            "/departments/5",
            json!({"description": "", "enabled": 1, "id": 5, "members": [3],
                   "name": "From XML", "settings": {}}),
            "the group as a Zopim department",
        )
        .await;
        let list = rc.get("livechat/department?text=From%20XML").await;
        let department = list.json()["departments"][0].clone();
        assert_rc(
            &list,
            StatusCode::OK,
            page(
                "departments",
                json!([{"_id": department["_id"], "_updatedAt": department["_updatedAt"],
                        "enabled": true, "name": "From XML", "numAgents": 1, "email": "",
                        "showOnOfflineForm": true, "showOnRegistration": true, "type": "d"}]),
            ),
            "the group in Rocket.Chat",
        );
    }

    #[tokio::test]
    async fn a_department_archived_in_rocket_chat_is_an_inactive_group_and_zopim_deletes_are_gone()
    {
        let app = spawn_app().await;
        let rc = app.rc().await;

        let archive = rc
            .call(
                reqwest::Method::POST,
                "livechat/department/65a4f0c2e4b0a1b2c3d4e5f2/archive",
                None,
            )
            .await;
        let delete = app.zopim().delete("/departments/3").await;

        assert_rc_success(&archive, "archive through Rocket.Chat");
        assert_no_content(&delete, "DELETE through Zopim");
        let support_group = group_fragment(2, "Support", false, group_times(&app, 2));
        assert_xml(
            &app.zendesk().get("/groups/2.xml").await,
            StatusCode::OK,
            &document(&group_with_users(&support_group, &[SAM, MARIA])),
            "the archived department as a group",
        );
        assert_not_found(
            &app.zendesk().get("/groups/3.xml").await,
            "the deleted department as a group",
        );
        let assign = app
            .zendesk()
            .put(
                "/groups/2.xml",
                "<group><agents type=\"array\"><agent>1</agent></agents></group>",
            )
            .await;
        assert_invalid(
            &assign,
            &["Group is inactive and can no longer be changed or assigned"],
            "assigning to the inactive group",
        );
    }
}

/// Each facade keeps its one-department answer encoded until the next write (issue 6): a write
/// through any facade, even to another record (a member's username), is seen by the next read.
#[tokio::test]
async fn a_cached_department_answer_never_outlives_a_write_through_any_facade() {
    use crate::zendesk::{
        ALEX, MARIA, SAM, SUPPORT, document, group_fragment, group_times, group_with_users,
    };

    let app = spawn_app().await;
    let rc = app.rc().await;
    let support_id = "65a4f0c2e4b0a1b2c3d4e5f2";
    // The three answers' bodies, each after its status and content type are checked.
    let read_all = || async {
        let zopim = app.zopim().get("/departments/2").await;
        let rc = rc.get(&format!("livechat/department/{support_id}")).await;
        let xml = app.zendesk().get("/groups/2.xml").await;
        for (reply, content_type) in [
            (&zopim, "application/json"),
            (&rc, "application/json"),
            (&xml, "application/xml; charset=utf-8"),
        ] {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            assert_eq!(reply.content_type(), Some(content_type), "{}", reply.body);
        }
        (zopim.json(), rc.json(), xml.body)
    };
    // Support as Rocket.Chat shows it with these links; the generated values from `shown`.
    let rc_support = |shown: &Value, name: &str, agents: &[(&str, &str)]| {
        let links: Vec<Value> = agents
            .iter()
            .enumerate()
            .map(|(i, &agent)| link(&shown["agents"][i], agent, support_id, true))
            .collect();
        json!({"agents": links,
               "department": {"_id": support_id, "_updatedAt": shown["department"]["_updatedAt"],
                              "description": "Help with the product",
                              "email": "support@example.com", "enabled": true, "name": name,
                              "numAgents": agents.len(), "showOnOfflineForm": true,
                              "showOnRegistration": true, "type": "d"},
               "success": true})
    };
    // Twice, so that the second read comes from the cache.
    let first = read_all().await;
    assert_eq!(read_all().await, first);
    assert_eq!(first.0, support(), "Zopim, first");
    assert_eq!(
        first.1,
        rc_support(
            &first.1,
            "Support",
            &[(RC_AGENT_ID, "agent"), (RC_MARIA_ID, "maria")]
        ),
        "Rocket.Chat, first"
    );
    assert_eq!(
        first.2,
        document(&group_with_users(SUPPORT, &[SAM, MARIA])),
        "XML, first"
    );

    let renamed = app
        .zopim()
        .put("/departments/2", r#"{"name": "Support EMEA"}"#)
        .await;
    let emea = with(support(), json!({"name": "Support EMEA"}));
    assert_json(&renamed, StatusCode::OK, emea.clone(), "the rename");
    let (zopim, rc_shown, xml) = read_all().await;
    assert_eq!(zopim, emea, "Zopim, renamed");
    assert_eq!(
        rc_shown,
        rc_support(
            &rc_shown,
            "Support EMEA",
            &[(RC_AGENT_ID, "agent"), (RC_MARIA_ID, "maria")]
        ),
        "Rocket.Chat, renamed"
    );
    let emea_group = group_fragment(2, "Support EMEA", true, group_times(&app, 2));
    assert_eq!(
        xml,
        document(&group_with_users(&emea_group, &[SAM, MARIA])),
        "XML, renamed"
    );

    let agents = rc
        .post(
            &format!("livechat/department/{support_id}/agents"),
            json!({"upsert": [{"agentId": RC_ADMIN_ID, "username": "admin"}], "remove": []}),
        )
        .await;
    assert_rc_success(&agents, "the agents' change");
    let (zopim, rc_shown, xml) = read_all().await;
    assert_eq!(
        zopim,
        with(emea, json!({"members": [1, 2, 3]})),
        "Zopim, with the admin"
    );
    assert_eq!(
        rc_shown,
        rc_support(
            &rc_shown,
            "Support EMEA",
            &[
                (RC_ADMIN_ID, "admin"),
                (RC_AGENT_ID, "agent"),
                (RC_MARIA_ID, "maria")
            ]
        ),
        "Rocket.Chat, with the admin"
    );
    let emea_group = group_fragment(2, "Support EMEA", true, group_times(&app, 2));
    assert_eq!(
        xml,
        document(&group_with_users(&emea_group, &[ALEX, SAM, MARIA])),
        "XML, with the admin"
    );

    let without_agents = rc
        .get(&format!(
            "livechat/department/{support_id}?includeAgents=false"
        ))
        .await;
    assert_rc(
        &without_agents,
        StatusCode::OK,
        json!({"department": rc_shown["department"], "success": true}),
        "?includeAgents=false",
    );
}

/// Agents written through Zopim (`POST`/`PUT`/`DELETE /agents`, issue 16) are the classic
/// facade's users and Rocket.Chat's users, and a classic rename shows in Zopim.
mod zopim_agents {
    use crate::helpers::spawn_app;
    use crate::zendesk::{
        assert_not_found, assert_xml, document, group_fragment, group_times, user_fragment,
        user_times, user_with_groups,
    };
    use crate::zopim::{assert_zopim_shows, sales, with};
    use reqwest::StatusCode;
    use serde_json::json;

    #[tokio::test]
    async fn an_agent_written_through_zopim_is_read_changed_and_lost_through_the_other_facades() {
        let app = spawn_app().await;
        let created = app
            .zopim()
            .post(
                "/agents",
                r#"{"first_name": "Jo", "last_name": "Writer", "email": "jo@example.com", "password": "s3cret-pass", "role_id": 1}"#,
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let joined = app
            .zopim()
            .put("/departments/1", r#"{"members": [1, 2, 4]}"#)
            .await;
        assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);

        // Classic XML: an administrator (roles 2) in Sales, no time zone.
        let user = app.zendesk().get("/users/4.xml").await;
        let jo = user_fragment(
            4,
            ("Jo Writer", "jo@example.com"),
            2,
            true,
            None,
            user_times(&app, 4),
        );
        // Sales was just changed, so its `updated-at` is now.
        let sales_group = group_fragment(1, "Sales", true, group_times(&app, 1));
        assert_xml(
            &user,
            StatusCode::OK,
            &document(&user_with_groups(&jo, &[&sales_group])),
            "classic",
        );
        // Rocket.Chat: the user logs in with its password, under the username made from the
        // email.
        let login = app
            .rc_login_raw(r#"{"user": "jo", "password": "s3cret-pass"}"#)
            .await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.body);
        let me = &login.json()["data"]["me"];
        assert_eq!(
            (&me["name"], &me["emails"][0]["address"]),
            (&json!("Jo Writer"), &json!("jo@example.com"))
        );

        // Renamed through classic XML, shown so in Zopim.
        let renamed = app
            .zendesk()
            .put("/users/4.xml", "<user><name>Joanna Writer</name></user>")
            .await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
        let shown = app.zopim().get("/agents/4").await.json();
        assert_eq!(
            (
                &shown["display_name"],
                &shown["first_name"],
                &shown["last_name"]
            ),
            (&json!("Joanna Writer"), &json!("Joanna"), &json!("Writer"))
        );

        // Deleted through Zopim: gone everywhere, and out of Sales.
        let deleted = app.zopim().delete("/agents/4").await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_not_found(
            &app.zendesk().get("/users/4.xml").await,
            "classic after delete",
        );
        let gone = app
            .rc_login_raw(r#"{"user": "jo", "password": "s3cret-pass"}"#)
            .await;
        assert_eq!(gone.status, StatusCode::UNAUTHORIZED, "{}", gone.body);
        assert_zopim_shows(
            &app,
            "/departments/1",
            with(sales(), json!({"members": [1, 2]})),
            "Sales after the delete",
        )
        .await;
        app.assert_invariants();
    }
}
