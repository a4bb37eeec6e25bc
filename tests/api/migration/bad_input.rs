//! The table of bad exports: each refused whole with the file, record and field named, through
//! `POST /_gateway/tenants/{name}/import`, and the tenant left as it was (or not made).

use deskbridge::migration::Files;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Reply, TestApp, spawn_app};

async fn import(app: &TestApp, tenant: &str, format: &str, body: Vec<u8>) -> Reply {
    app.send(
        app.client
            .post(app.url(&format!(
                "/_gateway/tenants/{tenant}/import?format={format}"
            )))
            .header("content-type", "application/zip")
            .body(body),
    )
    .await
}

async fn get(app: &TestApp, path: &str) -> Reply {
    app.request(reqwest::Method::GET, path, None, None).await
}

fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Files::new();
    for (path, text) in files {
        out.insert(*path, text.as_bytes().to_vec());
    }
    out.to_zip().unwrap()
}

const ZOPIM_AGENTS: &str = r#"[{"id": 1, "email": "ann@example.com", "display_name": "Ann Lee", "enabled": 1, "role_id": 2}]"#;
const RC_AGENTS: &str = r#"{"users": [{"_id": "rbAXPnMktTFbNpwtJ", "username": "ann", "name": "Ann Lee", "status": "offline", "statusLivechat": "available", "emails": [{"address": "ann@example.com", "verified": true}], "departments": []}], "count": 1, "offset": 0, "total": 1, "success": true}"#;
const RC_TWO_DEPARTMENTS: &str = r#"{"departments": [{"_id": "65a4f0c2e4b0a1b2c3d4e5f1", "name": "Sales", "enabled": true, "_updatedAt": "2024-01-15T09:10:00.000Z"}, {"_id": "65a4f0c2e4b0a1b2c3d4e5f2", "name": "Support", "enabled": true, "_updatedAt": "2024-01-15T09:10:00.000Z"}], "count": 2, "offset": 0, "total": 2, "success": true}"#;
const RC_DEPARTMENTS: &str = r#"{"departments": [{"_id": "65a4f0c2e4b0a1b2c3d4e5f1", "name": "Sales", "enabled": true, "showOnRegistration": true, "showOnOfflineForm": true, "_updatedAt": "2024-01-15T09:10:00.000Z"}], "count": 1, "offset": 0, "total": 1, "success": true}"#;

#[tokio::test]
async fn a_bad_export_is_refused_naming_file_record_and_field_and_nothing_is_imported() {
    let table: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "a membership naming an unknown agent",
            "zopim",
            zip(&[
                (
                    "departments.json",
                    r#"[{"id": 1, "name": "Sales", "members": [1, 99]}]"#,
                ),
                ("agents.json", ZOPIM_AGENTS),
            ]),
            r#"body: departments.json: [0] ("Sales"): members: names agent 99, which the export does not hold"#,
        ),
        (
            "a file missing",
            "zopim",
            zip(&[("departments.json", "[]")]),
            "body: agents.json: missing: the export has no such file",
        ),
        (
            "a wrong root",
            "zendesk-xml",
            zip(&[
                (
                    "groups.xml",
                    r#"<?xml version="1.0" encoding="UTF-8"?><users type="array"></users>"#,
                ),
                ("users.xml", r#"<users type="array"></users>"#),
            ]),
            "body: groups.xml: the root element is <users>, not <groups>",
        ),
        (
            "a duplicate id",
            "zendesk-support",
            zip(&[
                (
                    "groups.json",
                    r#"{"groups": [{"id": 5, "name": "A"}, {"id": 5, "name": "B"}], "next_page": null, "previous_page": null, "count": 2}"#,
                ),
                (
                    "users.json",
                    r#"{"users": [], "next_page": null, "previous_page": null, "count": 0}"#,
                ),
                (
                    "group_memberships.json",
                    r#"{"group_memberships": [], "next_page": null, "previous_page": null, "count": 0}"#,
                ),
            ]),
            r#"body: groups.json: [1] ("B"): id: 5 is repeated"#,
        ),
        (
            "a group membership naming an unknown user",
            "zendesk-support",
            zip(&[
                ("groups.json", r#"{"groups": [{"id": 5, "name": "A"}]}"#),
                ("users.json", r#"{"users": []}"#),
                (
                    "group_memberships.json",
                    r#"{"group_memberships": [{"id": 1, "user_id": 9, "group_id": 5}]}"#,
                ),
            ]),
            "body: group_memberships.json: [0] (user 9, group 5): user_id: 9 is not a user of users.json",
        ),
        (
            "a group membership id repeated",
            "zendesk-support",
            zip(&[
                (
                    "groups.json",
                    r#"{"groups": [{"id": 5, "name": "A"}, {"id": 6, "name": "B"}]}"#,
                ),
                (
                    "users.json",
                    r#"{"users": [{"id": 9, "email": "ann@example.com"}]}"#,
                ),
                (
                    "group_memberships.json",
                    r#"{"group_memberships": [{"id": 4, "user_id": 9, "group_id": 5}, {"id": 4, "user_id": 9, "group_id": 6}]}"#,
                ),
            ]),
            "body: group_memberships.json: [1] (user 9, group 6): id: 4 is repeated",
        ),
        (
            "two default group memberships of one user",
            "zendesk-support",
            zip(&[
                (
                    "groups.json",
                    r#"{"groups": [{"id": 5, "name": "A"}, {"id": 6, "name": "B"}]}"#,
                ),
                (
                    "users.json",
                    r#"{"users": [{"id": 9, "email": "ann@example.com"}]}"#,
                ),
                (
                    "group_memberships.json",
                    r#"{"group_memberships": [{"id": 1, "user_id": 9, "group_id": 5, "default": true}, {"id": 2, "user_id": 9, "group_id": 6, "default": true}]}"#,
                ),
            ]),
            "body: group_memberships.json: [1] (user 9, group 6): default: user 9 already has a default membership (group 5)",
        ),
        (
            "a default_group_id that is not the default membership's group",
            "zendesk-support",
            zip(&[
                (
                    "groups.json",
                    r#"{"groups": [{"id": 5, "name": "A"}, {"id": 6, "name": "B"}]}"#,
                ),
                (
                    "users.json",
                    r#"{"users": [{"id": 9, "email": "ann@example.com", "default_group_id": 6}]}"#,
                ),
                (
                    "group_memberships.json",
                    r#"{"group_memberships": [{"id": 1, "user_id": 9, "group_id": 5, "default": true}, {"id": 2, "user_id": 9, "group_id": 6}]}"#,
                ),
            ]),
            r#"body: users.json: [0] ("ann@example.com"): default_group_id: 6 is not the group of the user's default membership (5) in group_memberships.json"#,
        ),
        (
            "a default_group_id of a group the user is not in",
            "zendesk-support",
            zip(&[
                (
                    "groups.json",
                    r#"{"groups": [{"id": 5, "name": "A"}, {"id": 6, "name": "B"}]}"#,
                ),
                (
                    "users.json",
                    r#"{"users": [{"id": 9, "email": "ann@example.com", "default_group_id": 6}]}"#,
                ),
                (
                    "group_memberships.json",
                    r#"{"group_memberships": [{"id": 1, "user_id": 9, "group_id": 5}]}"#,
                ),
            ]),
            r#"body: users.json: [0] ("ann@example.com"): default_group_id: 6 is not a group of the user's memberships in group_memberships.json"#,
        ),
        (
            "a Rocket.Chat link to a user who is not an agent of the export",
            "rocketchat",
            zip(&[
                ("departments.json", RC_DEPARTMENTS),
                ("agents.json", RC_AGENTS),
                (
                    "department_agents/65a4f0c2e4b0a1b2c3d4e5f1.json",
                    r#"{"agents": [{"_id": "65a4f0c2e4b0a1b2c3d4e6a1", "agentId": "Ha7kS4XbQ9mZtCfPe", "departmentId": "65a4f0c2e4b0a1b2c3d4e5f1", "username": "sam", "count": 0, "order": 0}], "count": 1, "offset": 0, "total": 1, "success": true}"#,
                ),
            ]),
            r#"body: department_agents/65a4f0c2e4b0a1b2c3d4e5f1.json: [0] ("Ha7kS4XbQ9mZtCfPe"): agentId: Ha7kS4XbQ9mZtCfPe is not an agent of agents.json"#,
        ),
        (
            "a department's agents file missing",
            "rocketchat",
            zip(&[
                ("departments.json", RC_DEPARTMENTS),
                ("agents.json", RC_AGENTS),
            ]),
            "body: department_agents/65a4f0c2e4b0a1b2c3d4e5f1.json: missing: the export has no such file",
        ),
        (
            "a bad classic user before a later page that is not XML (pages are parsed ahead)",
            "zendesk-xml",
            zip(&[
                ("groups.xml", r#"<groups type="array"></groups>"#),
                (
                    "users.xml",
                    r#"<users type="array"><user><id type="integer">1</id><email>ann@example.com</email><roles type="integer">7</roles></user></users>"#,
                ),
                ("users.2.xml", "<users"),
            ]),
            r#"body: users.xml: [0] ("ann@example.com"): roles: must be 0, 2 or 4"#,
        ),
        (
            "a classic user page after two good ones with the wrong root",
            "zendesk-xml",
            zip(&[
                ("groups.xml", r#"<groups type="array"></groups>"#),
                (
                    "users.xml",
                    r#"<users type="array"><user><id type="integer">1</id><email>ann@example.com</email><roles type="integer">4</roles></user></users>"#,
                ),
                (
                    "users.2.xml",
                    r#"<users type="array"><user><id type="integer">2</id><email>bo@example.com</email><roles type="integer">4</roles></user></users>"#,
                ),
                ("users.3.xml", r#"<groups type="array"></groups>"#),
            ]),
            "body: users.3.xml: the root element is <groups>, not <users>",
        ),
        (
            "a Rocket.Chat link to an unknown agent before a later agents file that is not JSON",
            "rocketchat",
            zip(&[
                ("departments.json", RC_TWO_DEPARTMENTS),
                ("agents.json", RC_AGENTS),
                (
                    "department_agents/65a4f0c2e4b0a1b2c3d4e5f1.json",
                    r#"{"agents": [{"_id": "65a4f0c2e4b0a1b2c3d4e6a1", "agentId": "Ha7kS4XbQ9mZtCfPe", "departmentId": "65a4f0c2e4b0a1b2c3d4e5f1", "username": "sam", "count": 0, "order": 0}], "count": 1, "offset": 0, "total": 1, "success": true}"#,
                ),
                ("department_agents/65a4f0c2e4b0a1b2c3d4e5f2.json", "{"),
            ]),
            r#"body: department_agents/65a4f0c2e4b0a1b2c3d4e5f1.json: [0] ("Ha7kS4XbQ9mZtCfPe"): agentId: Ha7kS4XbQ9mZtCfPe is not an agent of agents.json"#,
        ),
        (
            "a Rocket.Chat agents file that is not JSON after a good one",
            "rocketchat",
            zip(&[
                ("departments.json", RC_TWO_DEPARTMENTS),
                ("agents.json", RC_AGENTS),
                (
                    "department_agents/65a4f0c2e4b0a1b2c3d4e5f1.json",
                    r#"{"agents": [], "count": 0, "offset": 0, "total": 0, "success": true}"#,
                ),
                (
                    "department_agents/65a4f0c2e4b0a1b2c3d4e5f2.json",
                    r#"{"agents": 5}"#,
                ),
            ]),
            "body: department_agents/65a4f0c2e4b0a1b2c3d4e5f2.json: at agents: invalid type: integer `5`, expected a sequence at line 1 column 12",
        ),
        (
            "a duplicate email",
            "zopim",
            zip(&[
                ("departments.json", "[]"),
                (
                    "agents.json",
                    r#"[{"id": 1, "email": "ann@example.com"}, {"id": 2, "email": "ANN@example.com"}]"#,
                ),
            ]),
            r#"body: agents.json: [1] ("ANN@example.com"): email: ANN@example.com is repeated"#,
        ),
        (
            "a value of the wrong type",
            "zopim",
            zip(&[
                (
                    "departments.json",
                    r#"[{"id": 1, "name": "Sales", "enabled": "yes"}]"#,
                ),
                ("agents.json", "[]"),
            ]),
            r#"body: departments.json: [0] ("Sales"): enabled: must be 0, 1, true or false"#,
        ),
        (
            "a file that is not JSON",
            "zopim",
            zip(&[("departments.json", "[{"), ("agents.json", "[]")]),
            "body: departments.json: at [0].?: EOF while parsing an object at line 1 column 2",
        ),
        (
            "a canonical document with a dangling member",
            "canonical",
            zip(&[(
                "state.json",
                r#"{"departments": [{"name": "Sales", "members": [4]}]}"#,
            )]),
            r#"body: state.json: departments[0] ("Sales"): member 4: agent 4 does not exist"#,
        ),
        (
            "an unknown format",
            "csv",
            zip(&[("departments.json", "[]")]),
            "format: \"csv\" is not one of canonical, zopim, rocketchat, zendesk-xml, zendesk-support",
        ),
    ];
    let app = spawn_app().await;
    let before = get(&app, "/_gateway/tenants/default/state").await.body;
    for (case, format, body, message) in table {
        // Act: into the default tenant, and into one that does not exist yet.
        let replace = import(&app, "default", format, body.clone()).await;
        let create = import(&app, "fresh", format, body).await;

        // Assert
        for reply in [&replace, &create] {
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{case}: {}",
                reply.body
            );
            assert_eq!(
                reply.json(),
                json!({"error": "Bad Request", "description": message}),
                "{case}"
            );
        }
        assert_eq!(
            get(&app, "/_gateway/tenants/default/state").await.body,
            before,
            "{case}"
        );
        assert_eq!(
            get(&app, "/_gateway/tenants/fresh").await.status,
            StatusCode::NOT_FOUND,
            "{case}"
        );
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_zip_is_refused() {
    let app = spawn_app().await;
    let reply = import(&app, "default", "zopim", b"departments".to_vec()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.json()["description"]
            .as_str()
            .unwrap()
            .starts_with("body: not a zip archive: "),
        "{}",
        reply.body
    );
}
