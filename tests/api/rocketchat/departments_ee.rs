//! Suite "LIVECHAT - Departments" (EE, spec §6).

use super::*;

async fn ee(app: &TestApp) -> Rc<'_> {
    let rc = app.rc().await;
    before_hooks(&rc, &["admin"]).await;
    rc
}

#[tokio::test]
async fn listing_departments_follows_the_e2e_cases_for_permissions_pagination_and_order() {
    let app = spawn_app().await;
    let rc = ee(&app).await;

    // a. no view permission at all -> 403.
    rc.perm("view-livechat-departments", &[]).await;
    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get("livechat/department").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );

    // b. view-departments for admin -> 200 with an array.
    rc.perm("view-livechat-departments", &["admin"]).await;
    let list = expect(&rc.get("livechat/department").await, StatusCode::OK);
    assert_eq!(list["success"], true);
    assert!(list["departments"].is_array());

    // c. count=invalid -> 400.
    assert_rc(
        &rc.get("livechat/department?count=invalid").await,
        StatusCode::BAD_REQUEST,
        invalid_params("must be number"),
        "c",
    );

    // d. count=1&offset=0 -> exactly one.
    let page = expect(
        &rc.get("livechat/department?count=1&offset=0").await,
        StatusCode::OK,
    );
    assert_eq!(page["departments"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            page["count"].clone(),
            page["offset"].clone(),
            page["total"].clone()
        ),
        (json!(1), json!(0), json!(3))
    );

    // e. "A test" sorts before "a test" (byte order, no collation).
    let upper = rc.create_department(None, "A test", true).await;
    let lower = rc.create_department(None, "a test", true).await;
    let sorted = expect(
        &rc.get("livechat/department?count=2&offset=0&text=test")
            .await,
        StatusCode::OK,
    );
    let ids: Vec<&str> = sorted["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(ids, [id(&upper), id(&lower)]);
    delete_department(&rc, id(&upper)).await;
    delete_department(&rc, id(&lower)).await;

    // f. text matches the name as a case-insensitive substring.
    let first = rc.create_department(None, "A test 123", true).await;
    let second = rc.create_department(None, "a test 456", true).await;
    let matched = expect(
        &rc.get("livechat/department?count=2&offset=0&text=A%20test%20123")
            .await,
        StatusCode::OK,
    );
    let departments = matched["departments"].as_array().unwrap();
    assert_eq!(departments.len(), 1);
    assert_eq!(id(&departments[0]), id(&first));
    assert!(departments.iter().all(|d| id(d) != id(&second)));
}

#[tokio::test]
async fn creating_departments_follows_the_e2e_cases_with_exact_error_bodies() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let valid = || json!({"name": "Test", "enabled": true, "showOnOfflineForm": true, "showOnRegistration": true, "email": "bla@bla"});
    let with = |extra: Value| {
        let mut d = valid();
        for (k, v) in extra.as_object().unwrap() {
            d[k] = v.clone();
        }
        json!({ "department": d })
    };

    // a. manage permission removed -> 403.
    rc.perm("manage-livechat-departments", &[]).await;
    let before = snapshot(&rc).await;
    let reply = rc
        .post("livechat/department", json!({"department": {"name": "TestUnauthorized", "enabled": true, "showOnOfflineForm": true, "showOnRegistration": true, "email": "bla@bla"}}))
        .await;
    assert_rc(&reply, StatusCode::FORBIDDEN, forbidden(), "a");
    rc.perm("manage-livechat-departments", &["admin"]).await;

    let cases = [
        (
            "b. no keys",
            json!({"department": {}}),
            invalid_params("must have required property 'name'"),
        ),
        (
            "c. tags required but missing",
            with(json!({"requestTagBeforeClosingChat": true})),
            save_error(
                "error-validating-department-chat-closing-tags",
                "At least one closing tag is required when the department requires tag(s) on closing conversations.",
            ),
        ),
        (
            "d. tags not an array",
            with(json!({"requestTagBeforeClosingChat": true, "chatClosingTags": "not an array"})),
            invalid_params("must be array"),
        ),
        (
            "f/g. fallback not a department",
            with(json!({"fallbackForwardDepartment": "not a department id"})),
            save_error(
                "error-fallback-department-not-found",
                "Fallback department not found",
            ),
        ),
        (
            "no body",
            json!({}),
            invalid_params("must have required property 'department'"),
        ),
        (
            "unknown top-level key",
            json!({"department": valid(), "extra": 1}),
            invalid_params("must NOT have additional properties"),
        ),
        (
            "agents item with username",
            json!({"department": valid(), "agents": [{"agentId": RC_ADMIN_ID, "username": "admin"}]}),
            invalid_params("must NOT have additional properties"),
        ),
        (
            "enabled not a boolean",
            with(json!({"enabled": "yes"})),
            invalid_params("must be boolean"),
        ),
        (
            "an object in a custom field",
            with(json!({"custom": {"a": 1}})),
            json!({"success": false, "error": "Match error: Failed Match.OneOf, Match.Maybe or Match.Optional validation in field custom"}),
        ),
        (
            "a blank name",
            with(json!({"name": "  "})),
            json!({"success": false, "error": "Match error: Failed Match.Where validation in field name"}),
        ),
    ];
    for (case, body, error) in cases {
        let reply = rc.post("livechat/department", body).await;
        assert_rc(&reply, StatusCode::BAD_REQUEST, error, case);
        assert_unchanged(&app, &before, &snapshot(&rc).await, case);
    }

    // e. tags given -> 200, echoed.
    let tagged = expect(
        &rc.post(
            "livechat/department",
            with(json!({"requestTagBeforeClosingChat": true, "chatClosingTags": ["tagA", "tagB"]})),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(tagged["department"]["requestTagBeforeClosingChat"], true);
    assert_eq!(
        tagged["department"]["chatClosingTags"],
        json!(["tagA", "tagB"])
    );
    delete_department(&rc, id(&tagged["department"])).await;

    // h. a valid department, whole; `success` is the last key on the wire.
    let reply = rc
        .post("livechat/department", json!({"department": valid()}))
        .await;
    assert!(
        reply.body.ends_with(r#"],"success":true}"#),
        "{}",
        reply.body
    );
    let created = expect(&reply, StatusCode::OK);
    let department = &created["department"];
    assert_eq!(
        created,
        json!({"department": {"_id": id(department), "name": "Test", "enabled": true,
                "showOnRegistration": true, "showOnOfflineForm": true, "email": "bla@bla",
                "type": "d", "_updatedAt": department["_updatedAt"]}, "agents": [], "success": true})
    );
    let updated_at = department["_updatedAt"].as_str().unwrap();
    assert!(
        updated_at.len() == 24 && updated_at.ends_with('Z'),
        "{updated_at}"
    );
    delete_department(&rc, id(department)).await;

    // i. a disabled department.
    let disabled = expect(
        &rc.post(
            "livechat/department",
            with(json!({"name": "adjective", "enabled": false})),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(disabled["department"]["enabled"], false);
    // Coerced by ajv: "true" is a boolean, a number a string.
    let coerced = expect(
        &rc.post(
            "livechat/department",
            with(json!({"enabled": "true", "name": 42})),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(
        (
            coerced["department"]["enabled"].clone(),
            coerced["department"]["name"].clone()
        ),
        (json!(true), json!("42"))
    );
}

#[tokio::test]
async fn a_department_created_with_agents_answers_its_links_but_no_num_agents_yet() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let body = json!({"department": {"name": "Linked", "enabled": true, "showOnOfflineForm": true,
                      "showOnRegistration": true, "email": "a@b.com", "custom": "kept", "level": 3},
                      "agents": [{"agentId": RC_AGENT_ID, "count": 2, "order": 1}, {"agentId": "nobodyXXXXXXXXXXX"}]});
    let created = expect(&rc.post("livechat/department", body).await, StatusCode::OK);
    let department = &created["department"];
    assert_eq!(department.get("numAgents"), None);
    assert_eq!(
        (department["custom"].clone(), department["level"].clone()),
        (json!("kept"), json!(3))
    );
    let links = created["agents"].as_array().unwrap();
    assert_eq!(links.len(), 1, "unknown users are skipped");
    let link = &links[0];
    assert_eq!(
        link,
        &json!({"_id": id(link), "agentId": RC_AGENT_ID, "departmentId": id(department),
                "username": "agent", "departmentEnabled": true, "count": 2, "order": 1,
                "_updatedAt": link["_updatedAt"]})
    );
    let shown = expect(
        &rc.get(&format!("livechat/department/{}", id(department)))
            .await,
        StatusCode::OK,
    );
    assert_eq!(shown["department"]["numAgents"], 1);
    assert_eq!(shown["agents"], json!(links));
}

#[tokio::test]
async fn showing_a_department_follows_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    // a. view-departments removed (view-l-room too) -> 403.
    rc.perm("view-livechat-departments", &[]).await;
    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get("livechat/department/testetetetstetete").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm("view-livechat-departments", &["admin"]).await;
    // b. unknown -> 200 with department null.
    assert_rc(
        &rc.get("livechat/department/testesteteste").await,
        StatusCode::OK,
        json!({"department": null, "agents": [], "success": true}),
        "b",
    );
    // c. the department's fields.
    let department = rc.create_department(None, "Department 1", true).await;
    let shown = expect(
        &rc.get(&format!("livechat/department/{}", id(&department)))
            .await,
        StatusCode::OK,
    );
    assert_eq!(
        shown,
        json!({"department": department, "agents": [], "success": true})
    );
    // includeAgents=false leaves the agents out.
    let without = expect(
        &rc.get(&format!(
            "livechat/department/{}?includeAgents=false",
            id(&department)
        ))
        .await,
        StatusCode::OK,
    );
    assert_eq!(without, json!({"department": department, "success": true}));
}

#[tokio::test]
async fn updating_a_department_follows_the_e2e_cases_and_upserts_agents() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let department = rc
        .create_department(
            Some(json!([{"agentId": RC_ADMIN_ID}])),
            "Department 2",
            true,
        )
        .await;
    let path = format!("livechat/department/{}", id(&department));
    let fields = json!({"name": "adjective", "enabled": true, "showOnOfflineForm": true, "showOnRegistration": true, "email": "x@example.com"});
    let before = snapshot(&rc).await;
    let mut circular = fields.clone();
    circular["fallbackForwardDepartment"] = json!(id(&department));
    rc.perm("add-livechat-department-agents", &["admin"]).await;
    let cases = [
        (
            "a. fallback is itself",
            json!({"department": circular}),
            json!({"success": false,
            "error": "Cannot save department. Circular reference between fallback department and department [error-fallback-department-circular]",
            "errorType": "error-fallback-department-circular"}),
        ),
        (
            "b. agents not an array",
            json!({"department": fields, "agents": "not an array"}),
            json!({"success": false, "error": "Match error: Expected Array in field agents"}),
        ),
        (
            "c. agents with a wrong key",
            json!({"department": fields, "agents": [{"notAValidKey": "string"}]}),
            json!({"success": false, "error": "Match error: Missing key 'agentId' in field upsert[0]"}),
        ),
        (
            "d. agents nesting upsert",
            json!({"department": fields, "agents": [{"upsert": [{"notAValidKey": "string"}]}]}),
            json!({"success": false, "error": "Match error: Missing key 'agentId' in field upsert[0]"}),
        ),
        (
            "missing department",
            json!({"agents": []}),
            json!({"success": false, "error": "Match error: Missing key 'department'"}),
        ),
        (
            "an unknown key",
            json!({"department": fields, "x": 1}),
            json!({"success": false, "error": "Match error: Unknown key in field x"}),
        ),
        (
            "enabled as a string",
            json!({"department": {"name": "n", "enabled": "true", "showOnOfflineForm": true, "showOnRegistration": true, "email": "e"}}),
            json!({"success": false, "error": "Match error: Expected boolean, got string in field enabled"}),
        ),
        (
            "email missing",
            json!({"department": {"name": "n", "enabled": true, "showOnOfflineForm": true, "showOnRegistration": true}}),
            json!({"success": false, "error": "Match error: Missing key 'email'"}),
        ),
    ];
    for (case, body, error) in cases {
        let reply = rc.put(&path, body).await;
        assert_rc(&reply, StatusCode::BAD_REQUEST, error, case);
        assert_unchanged(&app, &before, &snapshot(&rc).await, case);
    }
    // An unknown id in EE is "not found" (after the body checks).
    let unknown = rc
        .put(
            "livechat/department/665f1d0eb1d2c3e4f5a6b7ca",
            json!({"department": fields}),
        )
        .await;
    assert_rc(
        &unknown,
        StatusCode::BAD_REQUEST,
        save_error("error-department-not-found", "Department not found"),
        "unknown id",
    );
    // Without manage-livechat-departments, add-agents alone is not enough (spec §3.1 #5 step 3).
    rc.perm("manage-livechat-departments", &[]).await;
    let not_allowed = rc.put(&path, json!({"department": fields})).await;
    assert_rc(
        &not_allowed,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "error-not-allowed"}),
        "add-agents only",
    );
    rc.perm("manage-livechat-departments", &["admin"]).await;
    assert_unchanged(&app, &before, &snapshot(&rc).await, "add-agents only");

    // A whole fetched document is accepted back (`disableDepartment`), agents are upserted.
    let mut document = department.clone();
    document.as_object_mut().unwrap().remove("_updatedAt");
    document["enabled"] = json!(false);
    document["numAgents"] = json!(1);
    let updated = expect(
        &rc.put(&path, json!({"department": document, "agents": [{"agentId": RC_AGENT_ID, "username": "agent"}]})).await,
        StatusCode::OK,
    );
    let saved = &updated["department"];
    assert_eq!(saved["enabled"], false);
    assert_eq!(saved["numAgents"], 2);
    let agents: Vec<&str> = updated["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["agentId"].as_str().unwrap())
        .collect();
    assert_eq!(
        agents,
        [RC_ADMIN_ID, RC_AGENT_ID],
        "upserted, never replaced"
    );
    assert!(
        updated["agents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["departmentEnabled"] == false)
    );
}

#[tokio::test]
async fn deleting_a_department_follows_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let department = rc.create_department(None, "Department 3", true).await;
    let path = format!("livechat/department/{}", id(&department));
    let before = snapshot(&rc).await;

    // a. setting disabled.
    rc.setting("Omnichannel_enable_department_removal", json!(false))
        .await;
    assert_rc(
        &rc.delete(&path).await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "error-department-removal-disabled"}),
        "a",
    );
    rc.setting("Omnichannel_enable_department_removal", json!(true))
        .await;
    // b. no permission.
    rc.perm("manage-livechat-departments", &[]).await;
    rc.perm("remove-livechat-department", &[]).await;
    assert_rc(
        &rc.delete("livechat/department/testetetetstetete").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "b",
    );
    rc.perm("manage-livechat-departments", &["admin"]).await;
    // c. unknown.
    assert_rc(
        &rc.delete("livechat/department/testesteteste").await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "error-department-not-found"}),
        "c",
    );
    assert_unchanged(&app, &before, &snapshot(&rc).await, "a-c");
    // d. removed.
    delete_department(&rc, id(&department)).await;
    assert_rc(
        &rc.get(&path).await,
        StatusCode::OK,
        json!({"department": null, "agents": [], "success": true}),
        "gone",
    );
}

#[tokio::test]
async fn autocomplete_follows_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    rc.perm("view-livechat-departments", &[]).await;
    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get("livechat/department.autocomplete").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm("view-livechat-departments", &["admin"]).await;
    rc.perm("view-l-room", &["admin"]).await;
    let required = json!({"success": false, "error": "The 'selector' param is required"});
    assert_rc(
        &rc.get("livechat/department.autocomplete").await,
        StatusCode::BAD_REQUEST,
        required.clone(),
        "b",
    );
    assert_rc(
        &rc.get("livechat/department.autocomplete?selector=").await,
        StatusCode::BAD_REQUEST,
        required,
        "c",
    );
    for (case, query) in [
        ("d. an object", "selector[name]=test"),
        ("e. bad JSON", "selector=%7Bname%3A%20%22test%22"),
    ] {
        let reply = rc
            .get(&format!("livechat/department.autocomplete?{query}"))
            .await;
        // Today's text; V8's own names the token ("Unexpected token o in JSON at position 1"),
        // which spec §8 leaves unverified.
        assert_rc(
            &reply,
            StatusCode::BAD_REQUEST,
            json!({"success": false, "error": "Unexpected token in JSON at position 1"}),
            case,
        );
    }
    // f. a term matches name prefixes, case-insensitively.
    let test = rc.create_department(None, "test", true).await;
    let found = expect(
        &rc.get("livechat/department.autocomplete?selector=%7B%22term%22%3A%22test%22%7D")
            .await,
        StatusCode::OK,
    );
    assert_eq!(
        found,
        json!({"items": [{"_id": id(&test), "name": "test"}], "success": true})
    );
    // g. exceptions leave departments out.
    let query = format!(
        "selector={}",
        urlencode(&json!({"exceptions": [id(&test)]}).to_string())
    );
    let rest = expect(
        &rc.get(&format!("livechat/department.autocomplete?{query}"))
            .await,
        StatusCode::OK,
    );
    let names: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Billing", "Sales", "Support"]);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn list_by_ids_follows_the_e2e_cases_and_accepts_both_array_forms() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    rc.perm("view-livechat-departments", &[]).await;
    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get("livechat/department.listByIds").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm("view-livechat-departments", &["admin"]).await;
    rc.perm("view-l-room", &["admin"]).await;
    assert_rc(
        &rc.get("livechat/department.listByIds").await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "The 'ids' param is required"}),
        "b",
    );
    assert_rc(
        &rc.get("livechat/department.listByIds?ids=test").await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "The 'ids' param must be an array"}),
        "c",
    );
    for query in [
        "ids[]=65a4f0c2e4b0a1b2c3d4e5f1&ids[]=65a4f0c2e4b0a1b2c3d4e5f3",
        "ids=65a4f0c2e4b0a1b2c3d4e5f1&ids=65a4f0c2e4b0a1b2c3d4e5f3",
    ] {
        let found = expect(
            &rc.get(&format!("livechat/department.listByIds?{query}"))
                .await,
            StatusCode::OK,
        );
        let names: Vec<&str> = found["departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Sales", "Billing"], "{query}");
    }
}

#[tokio::test]
async fn department_agents_follow_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    rc.perm("view-livechat-departments", &[]).await;
    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get("livechat/department/test/agents").await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm("view-livechat-departments", &["admin"]).await;
    rc.perm("view-l-room", &["admin", "livechat-agent"]).await;
    let empty = json!({"agents": [], "count": 0, "offset": 0, "total": 0, "success": true});
    assert_rc(
        &rc.get("livechat/department/test/agents").await,
        StatusCode::OK,
        empty.clone(),
        "b",
    );
    let bare = rc.create_department(None, "Bare", true).await;
    assert_rc(
        &rc.get(&format!("livechat/department/{}/agents", id(&bare)))
            .await,
        StatusCode::OK,
        empty,
        "c",
    );
    let agent = expect(
        &rc.post("livechat/users/agent", json!({"username": "admin"}))
            .await,
        StatusCode::OK,
    );
    assert_eq!(
        agent,
        json!({"user": {"_id": RC_ADMIN_ID, "username": "admin"}, "success": true})
    );
    let dep = rc
        .create_department(
            Some(json!([{"agentId": agent["user"]["_id"]}])),
            "With agent",
            true,
        )
        .await;
    let agents = expect(
        &rc.get(&format!("livechat/department/{}/agents", id(&dep)))
            .await,
        StatusCode::OK,
    );
    assert_eq!(agents["agents"].as_array().unwrap().len(), 1);
    assert_eq!(agents["agents"][0]["departmentId"], id(&dep));
    assert_eq!(agents["agents"][0]["departmentEnabled"], true);
    assert_eq!(agents["count"], 1);
    // sort must be JSON of 1 / -1.
    let bad_sort = rc
        .get(&format!(
            "livechat/department/{}/agents?sort=%7B%22username%22%3A2%7D",
            id(&dep)
        ))
        .await;
    assert_rc(
        &bad_sort,
        StatusCode::BAD_REQUEST,
        json!({"success": false,
        "error": r#"Invalid sort parameter provided: "{"username":2}" [error-invalid-sort]"#,
        "errorType": "error-invalid-sort", "details": {"helperMethod": "parseJsonQuery"}}),
        "sort",
    );
}

#[tokio::test]
async fn saving_department_agents_follows_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let dep = rc.create_department(None, "Agents", true).await;
    let path = format!("livechat/department/{}/agents", id(&dep));
    let before = snapshot(&rc).await;
    rc.perm("manage-livechat-departments", &[]).await;
    rc.perm("add-livechat-department-agents", &[]).await;
    assert_rc(
        &rc.call(Method::POST, "livechat/department/test/agents", None)
            .await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm("manage-livechat-departments", &["admin"]).await;
    rc.perm(
        "add-livechat-department-agents",
        &["admin", "livechat-manager"],
    )
    .await;
    let cases = [
        (
            "b. unknown department",
            "livechat/department/test/agents".to_owned(),
            Some(json!({"upsert": [], "remove": []})),
            json!({"success": false, "error": "Department not found [error-department-not-found]", "errorType": "error-department-not-found"}),
        ),
        (
            "c. no body",
            path.clone(),
            None,
            json!({"success": false, "error": "Match error: Missing key 'upsert'"}),
        ),
        (
            "d. an item without agentId",
            path.clone(),
            Some(json!({"upsert": [{}], "remove": []})),
            json!({"success": false, "error": "Match error: Missing key 'agentId' in field upsert[0]"}),
        ),
        (
            "remove missing",
            path.clone(),
            Some(json!({"upsert": []})),
            json!({"success": false, "error": "Match error: Missing key 'remove'"}),
        ),
        (
            "count not an integer",
            path.clone(),
            Some(json!({"upsert": [{"agentId": RC_AGENT_ID, "count": 1.5}], "remove": []})),
            json!({"success": false, "error": "Match error: Expected Integer, got 1.5 in field upsert[0].count"}),
        ),
    ];
    for (case, path, body, error) in cases {
        let reply = match body {
            Some(body) => rc.post(&path, body).await,
            None => rc.call(Method::POST, &path, None).await,
        };
        assert_rc(&reply, StatusCode::BAD_REQUEST, error, case);
        assert_unchanged(&app, &before, &snapshot(&rc).await, case);
    }
    // e. valid.
    let added = rc
        .post(
            &path,
            json!({"upsert": [{"agentId": RC_AGENT_ID, "username": "agent"}], "remove": []}),
        )
        .await;
    assert_rc(&added, StatusCode::OK, json!({"success": true}), "e");
    let removed = rc
        .post(
            &path,
            json!({"upsert": [], "remove": [{"agentId": RC_AGENT_ID, "username": "agent"}]}),
        )
        .await;
    assert_rc(&removed, StatusCode::OK, json!({"success": true}), "remove");
    assert_eq!(rc.get(&path).await.json()["total"], 0);
}

#[tokio::test]
async fn archivation_follows_the_e2e_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let unauthenticated = app
        .rc_anonymous(Method::POST, "livechat/department/123/archive", None)
        .await;
    assert_rc(
        &unauthenticated,
        StatusCode::UNAUTHORIZED,
        json!({"success": false, "error": "You must be logged in to do this.", "status": "error", "message": "You must be logged in to do this."}),
        "a",
    );
    rc.perm("manage-livechat-departments", &[]).await;
    assert_rc(
        &rc.call(Method::POST, "livechat/department/123/archive", None)
            .await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "b",
    );
    rc.perm("manage-livechat-departments", &["admin"]).await;
    assert_rc(
        &rc.call(Method::POST, "livechat/department/123/archive", None)
            .await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "department-not-found"}),
        "c",
    );
    assert_rc(
        &rc.call(Method::POST, "livechat/department/123/unarchive", None)
            .await,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "[department-not-found]", "errorType": "department-not-found"}),
        "c, unarchive",
    );

    let department = rc.create_department(None, "To archive", true).await;
    let archive = rc
        .call(
            Method::POST,
            &format!("livechat/department/{}/archive", id(&department)),
            None,
        )
        .await;
    assert_rc(&archive, StatusCode::OK, json!({"success": true}), "d");
    let archived = expect(
        &rc.get("livechat/departments/archived").await,
        StatusCode::OK,
    );
    assert_eq!(archived["departments"].as_array().unwrap().len(), 1);
    assert_eq!(id(&archived["departments"][0]), id(&department));
    assert_eq!(
        (
            archived["departments"][0]["archived"].clone(),
            archived["departments"][0]["enabled"].clone()
        ),
        (json!(true), json!(false))
    );
    // Hidden from the default list, shown with showArchived.
    let listed = rc.get("livechat/department").await.json();
    assert!(
        listed["departments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| id(d) != id(&department))
    );
    // An archived department cannot be enabled.
    let enable = rc.put(&format!("livechat/department/{}", id(&department)), json!({"department": {"name": "x", "enabled": true, "showOnOfflineForm": true, "showOnRegistration": true, "email": "e"}})).await;
    assert_rc(
        &enable,
        StatusCode::BAD_REQUEST,
        save_error(
            "error-archived-department-cant-be-enabled",
            "Archived departments cant be enabled",
        ),
        "enable archived",
    );
    let unarchive = rc
        .call(
            Method::POST,
            &format!("livechat/department/{}/unarchive", id(&department)),
            None,
        )
        .await;
    assert_rc(&unarchive, StatusCode::OK, json!({"success": true}), "f");
    let shown = rc
        .get(&format!("livechat/department/{}", id(&department)))
        .await
        .json();
    assert_eq!(
        shown["department"]["enabled"], false,
        "unarchiving leaves it disabled"
    );
}

#[tokio::test]
async fn with_multiple_business_hours_an_agent_can_be_removed_from_a_department() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    rc.setting("Livechat_enable_business_hours", json!(true))
        .await;
    rc.setting("Livechat_business_hour_type", json!("Multiple"))
        .await;
    let user = expect(
        &rc.post("users.create", json!({"email": "user.test.1@rocket.chat", "name": "user.test.1", "username": "user.test.1", "password": "rocket.chat"})).await,
        StatusCode::OK,
    );
    let user_id = user["user"]["_id"].as_str().unwrap().to_owned();
    assert_eq!(user["user"]["roles"], json!(["user"]));
    rc.post("livechat/users/agent", json!({"username": "user.test.1"}))
        .await;
    let agent = app.rc_as(("user.test.1", "rocket.chat")).await;
    assert_eq!(agent.user_id, user_id);
    make_agent_available(&agent).await;
    let department = rc
        .create_department(
            Some(json!([{"agentId": user_id}])),
            "2026-01-01T00:00:00.000Z-department",
            true,
        )
        .await;
    let reply = rc
        .post(
            &format!("livechat/department/{}/agents", id(&department)),
            json!({"upsert": [], "remove": [{"agentId": user_id, "username": "user.test.1"}]}),
        )
        .await;
    assert_rc(
        &reply,
        StatusCode::OK,
        json!({"success": true}),
        "remove with business hours",
    );
}

#[tokio::test]
async fn an_agents_departments_follow_the_01_agents_cases() {
    let app = spawn_app().await;
    let rc = ee(&app).await;
    let agent = rc
        .post("livechat/users/agent", json!({"username": "admin"}))
        .await
        .json();
    let agent_id = agent["user"]["_id"].as_str().unwrap().to_owned();
    let dep1 = rc
        .create_department(Some(json!([{"agentId": rc.user_id}])), "Dep1", true)
        .await;
    let dep2 = rc
        .create_department(Some(json!([{"agentId": rc.user_id}])), "Dep2", false)
        .await;
    let path = format!("livechat/agents/{agent_id}/departments");

    rc.perm("view-l-room", &[]).await;
    assert_rc(
        &rc.get(&path).await,
        StatusCode::FORBIDDEN,
        forbidden(),
        "a",
    );
    rc.perm(
        "view-l-room",
        &["livechat-manager", "livechat-agent", "admin"],
    )
    .await;
    assert_rc(
        &rc.get("livechat/agents/invalid-id/departments").await,
        StatusCode::OK,
        json!({"departments": [], "success": true}),
        "b",
    );
    let all = expect(&rc.get(&path).await, StatusCode::OK);
    // The admin is also a member of Sales in the default data.
    let mine: Vec<&Value> = all["departments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["departmentId"] == id(&dep1) || d["departmentId"] == id(&dep2))
        .collect();
    assert_eq!(mine.len(), 2);
    for d in all["departments"].as_array().unwrap() {
        assert_eq!(d["agentId"], agent_id.as_str());
        assert!(d["departmentName"].is_string());
    }
    let enabled = expect(
        &rc.get(&format!("{path}?enabledDepartmentsOnly=true")).await,
        StatusCode::OK,
    );
    assert!(
        enabled["departments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["departmentEnabled"] == true)
    );
    assert!(
        enabled["departments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["departmentId"] != id(&dep2))
    );
    // The typed route checks its query before authentication.
    let typed = app
        .rc_anonymous(Method::GET, &format!("{path}?other=1"), None)
        .await;
    assert_rc(
        &typed,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "errorType": "error-invalid-params", "error": "must NOT have additional properties"}),
        "typed query",
    );
}
