//! One model behind two vendors: what Zopim writes Rocket.Chat reads and the other way round
//! (docs/mapping.md).

use crate::helpers::{RC_ADMIN_ID, RC_AGENT_ID, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn find<'a>(list: &'a Value, key: &str, name: &str) -> &'a Value {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in {list}"))
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
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let zopim_id = created.json()["id"].clone();

    let list = rc.get("livechat/department?text=From%20Zopim").await.json();
    let department = find(&list, "departments", "From Zopim").clone();
    let uid = department["_id"].as_str().unwrap().to_owned();
    assert_eq!(
        department,
        json!({"_id": uid, "name": "From Zopim", "enabled": true, "description": "zd",
               "showOnRegistration": true, "showOnOfflineForm": true, "numAgents": 1,
               "_updatedAt": department["_updatedAt"]})
    );
    let agents = rc
        .get(&format!("livechat/department/{uid}/agents"))
        .await
        .json();
    assert_eq!(agents["agents"][0]["agentId"], RC_AGENT_ID);

    let updated = rc
        .put(
            &format!("livechat/department/{uid}"),
            json!({"department": {"name": "Renamed in RC", "enabled": false, "showOnOfflineForm": true,
                   "showOnRegistration": true, "email": "rc@example.com"},
                   "agents": [{"agentId": RC_ADMIN_ID}]}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);

    let shown = app.zopim().get(&format!("/departments/{zopim_id}")).await;
    assert_eq!(
        shown.json(),
        json!({"description": "zd", "enabled": 0, "id": zopim_id, "members": [1, 2],
               "name": "Renamed in RC", "settings": {}})
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
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let support = app.zopim().get("/departments/2").await.json();
    assert_eq!(support["members"], json!([1, 3]));
    let admin = app.zopim().get("/agents/1").await.json();
    assert_eq!(admin["departments"], json!([1, 2]));
    let agent = app.zopim().get("/agents/2").await.json();
    assert_eq!(agent["departments"], json!([1]));
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
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let ids: Vec<Value> = app
        .zopim()
        .get("/departments")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();
    assert_eq!(ids, [json!(2), json!(3)]);
    assert_eq!(
        app.zopim().get("/departments/1").await.status,
        StatusCode::NOT_FOUND
    );
    let archived = rc.get("livechat/departments/archived").await.json();
    assert_eq!(find(&archived, "departments", "Sales")["archived"], true);
}

#[tokio::test]
async fn a_department_made_through_rocket_chat_appears_in_zopim_and_zopim_deletes_it() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let department = rc
        .create_department(Some(json!([{"agentId": RC_AGENT_ID}])), "From RC", true)
        .await;
    let list = app.zopim().get("/departments").await.json();
    let made = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "From RC")
        .unwrap()
        .clone();
    assert_eq!(made["members"], json!([2]));
    let deleted = app
        .zopim()
        .delete(&format!("/departments/{}", made["id"]))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let shown = rc
        .get(&format!(
            "livechat/department/{}",
            department["_id"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(
        shown,
        json!({"department": null, "agents": [], "success": true})
    );
}

/// The classic Zendesk XML facade beside the other two: a group is a department, its agents are
/// Zopim `members` and Rocket.Chat links, and a destroyed group is archived (docs/mapping.md).
mod classic_xml {
    use super::find;
    use crate::helpers::{RC_ADMIN_ID, RC_AGENT_ID, spawn_app};
    use deskbridge::facades::zendesk::xml::{Limits, XmlDocument, XmlValue};
    use reqwest::StatusCode;
    use serde_json::json;

    /// A field of an XML document's root record, as text.
    fn field(body: &str, name: &str) -> String {
        let doc = XmlDocument::parse(body.as_bytes(), &Limits::default()).expect("XML");
        match doc.value.get(name) {
            Some(XmlValue::Text(text)) => text.clone(),
            Some(XmlValue::Integer(n)) => n.to_string(),
            Some(XmlValue::Boolean(b)) => b.to_string(),
            other => panic!("no scalar <{name}>: {other:?} in {body}"),
        }
    }

    /// The `id`s of the records in an array field of the root (`users` of a group).
    fn nested_ids(body: &str, name: &str) -> Vec<i64> {
        let doc = XmlDocument::parse(body.as_bytes(), &Limits::default()).expect("XML");
        let Some(XmlValue::Array { items, .. }) = doc.value.get(name) else {
            panic!("no <{name} type=\"array\"> in {body}");
        };
        items
            .iter()
            .map(|item| match item.value.get("id") {
                Some(XmlValue::Integer(id)) => *id,
                other => panic!("no id: {other:?}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn a_group_destroyed_through_classic_xml_disappears_from_zopim_and_is_archived_in_rocket_chat()
     {
        let app = spawn_app().await;
        let rc = app.rc().await;

        let reply = app.zendesk().delete("/groups/1.xml").await;

        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(
            app.zopim().get("/departments/1").await.status,
            StatusCode::NOT_FOUND
        );
        let zopim_ids: Vec<_> = app
            .zopim()
            .get("/departments")
            .await
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].clone())
            .collect();
        assert_eq!(zopim_ids, [json!(2), json!(3)]);
        assert_eq!(
            app.zopim().get("/agents/1").await.json()["departments"],
            json!([])
        );
        let archived = rc.get("livechat/departments/archived").await.json();
        assert_eq!(find(&archived, "departments", "Sales")["archived"], true);
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

        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let support = app.zopim().get("/departments/2").await.json();
        assert_eq!(support["members"], json!([1, 2]));
        assert_eq!(
            app.zopim().get("/agents/3").await.json()["departments"],
            json!([3])
        );
        let links = rc
            .get("livechat/department/65a4f0c2e4b0a1b2c3d4e5f2/agents")
            .await
            .json();
        let mut agents: Vec<_> = links["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["agentId"].clone())
            .collect();
        agents.sort_by_key(|a| a.to_string());
        let mut expected = vec![json!(RC_ADMIN_ID), json!(RC_AGENT_ID)];
        expected.sort_by_key(|a| a.to_string());
        assert_eq!(agents, expected);
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

        assert_eq!(zopim.status, StatusCode::OK, "{}", zopim.body);
        assert_eq!(rocket.status, StatusCode::OK, "{}", rocket.body);
        let sales = app.zendesk().get("/groups/1.xml").await;
        assert_eq!(nested_ids(&sales.body, "users"), [3]);
        let billing = app.zendesk().get("/groups/3.xml").await;
        assert_eq!(nested_ids(&billing.body, "users"), [1, 3]);
        let maria = app.zendesk().get("/users/3.xml").await;
        assert_eq!(nested_ids(&maria.body, "groups"), [1, 2, 3]);
    }

    #[tokio::test]
    async fn a_department_made_through_zopim_is_a_group_and_a_group_made_here_is_a_department() {
        let app = spawn_app().await;
        let rc = app.rc().await;
        let from_zopim = app
            .zopim()
            .post("/departments", r#"{"name": "From Zopim", "members": [2]}"#)
            .await;
        assert_eq!(
            from_zopim.status,
            StatusCode::CREATED,
            "{}",
            from_zopim.body
        );

        let group = app.zendesk().get("/groups/4.xml").await;
        let made_here = app
            .zendesk()
            .post(
                "/groups.xml",
                "<group><name>From XML</name><agents type=\"array\"><agent>3</agent></agents></group>",
            )
            .await;

        assert_eq!(group.status, StatusCode::OK, "{}", group.body);
        assert_eq!(field(&group.body, "name"), "From Zopim");
        assert_eq!(field(&group.body, "is-active"), "true");
        assert_eq!(nested_ids(&group.body, "users"), [2]);
        assert_eq!(made_here.status, StatusCode::CREATED, "{}", made_here.body);
        assert_eq!(
            app.zopim().get("/departments/5").await.json(),
            json!({"description": "", "enabled": 1, "id": 5, "members": [3],
                   "name": "From XML", "settings": {}})
        );
        let list = rc.get("livechat/department?text=From%20XML").await.json();
        assert_eq!(find(&list, "departments", "From XML")["numAgents"], 1);
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

        assert_eq!(archive.status, StatusCode::OK, "{}", archive.body);
        assert_eq!(delete.status, StatusCode::NO_CONTENT);
        let support = app.zendesk().get("/groups/2.xml").await;
        assert_eq!(field(&support.body, "is-active"), "false");
        assert_eq!(
            app.zendesk().get("/groups/3.xml").await.status,
            StatusCode::NOT_FOUND
        );
        let assign = app
            .zendesk()
            .put(
                "/groups/2.xml",
                "<group><agents type=\"array\"><agent>1</agent></agents></group>",
            )
            .await;
        assert_eq!(
            assign.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            assign.body
        );
    }
}

/// Each facade keeps its one-department answer encoded until the next write (issue 6): a write
/// through any facade, even to another record (a member's username), is seen by the next read.
#[tokio::test]
async fn a_cached_department_answer_never_outlives_a_write_through_any_facade() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let support = "65a4f0c2e4b0a1b2c3d4e5f2";
    let read_all = || async {
        let zopim = app.zopim().get("/departments/2").await.json();
        let rc = rc
            .get(&format!("livechat/department/{support}"))
            .await
            .json();
        let xml = app.zendesk().get("/groups/2.xml").await.body;
        (zopim, rc, xml)
    };
    // Twice, so that the second read comes from the cache.
    let first = read_all().await;
    assert_eq!(read_all().await, first);
    assert!(
        !first.2.contains("<email>admin@example.com</email>"),
        "{}",
        first.2
    );

    let renamed = app
        .zopim()
        .put("/departments/2", r#"{"name": "Support EMEA"}"#)
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let (zopim, rc_shown, xml) = read_all().await;
    assert_eq!(zopim["name"], "Support EMEA");
    assert_eq!(rc_shown["department"]["name"], "Support EMEA");
    assert!(xml.contains("<name>Support EMEA</name>"), "{xml}");

    let agents = rc
        .post(
            &format!("livechat/department/{support}/agents"),
            json!({"upsert": [{"agentId": RC_ADMIN_ID, "username": "admin"}], "remove": []}),
        )
        .await;
    assert_eq!(agents.status, StatusCode::OK, "{}", agents.body);
    let (zopim, rc_shown, xml) = read_all().await;
    assert!(
        zopim["members"].as_array().unwrap().contains(&json!(1)),
        "{zopim}"
    );
    assert!(
        rc_shown["agents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["agentId"] == RC_ADMIN_ID),
        "{rc_shown}"
    );
    assert!(xml.contains("<email>admin@example.com</email>"), "{xml}");

    let without_agents = rc
        .get(&format!(
            "livechat/department/{support}?includeAgents=false"
        ))
        .await
        .json();
    assert_eq!(without_agents["agents"], Value::Null, "{without_agents}");
    assert_eq!(without_agents["department"], rc_shown["department"]);
}
