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
