//! The layer errors in Rocket.Chat's shape.

use super::*;

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_rocket_chats_shape() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    for path in [
        "nothing",
        "livechat/departmentz",
        "livechat/department/a/b/c",
    ] {
        assert_rc(
            &rc.get(path).await,
            StatusCode::NOT_FOUND,
            json!({"success": false, "error": "Resource not found"}),
            path,
        );
    }
    let patch = rc
        .call(Method::PATCH, "livechat/department", Some("{}"))
        .await;
    assert_rc(
        &patch,
        StatusCode::METHOD_NOT_ALLOWED,
        json!({"status": "error", "message": "API endpoint does not exist"}),
        "PATCH",
    );
    assert_eq!(patch.headers.get("allow").unwrap(), "GET, HEAD, POST");
    let unknown_query = rc.get("livechat/department?fields=%7B%7D").await;
    assert_rc(
        &unknown_query,
        StatusCode::BAD_REQUEST,
        invalid_params("must NOT have additional properties"),
        "fields",
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_in_rocket_chats_shape() {
    let app = spawn_app_with(|c| c.request.max_body_bytes = 1024).await;
    let rc = app.rc().await;
    let big = json!({"department": {"name": "x".repeat(2000)}});
    let reply = rc.post("livechat/department", big).await;
    assert_rc(
        &reply,
        StatusCode::PAYLOAD_TOO_LARGE,
        json!({"success": false, "error": "request entity too large"}),
        "413",
    );
}

#[tokio::test]
async fn method_call_saves_a_department_and_reports_unknown_methods_inside_the_result() {
    let app = spawn_app().await;
    let rc = app.rc().await;
    let message = json!({"method": "livechat:saveDepartment", "params": ["", {"enabled": true, "email": "m@example.com",
        "showOnRegistration": true, "showOnOfflineForm": true, "name": "By method", "description": "created from api"}, []],
        "id": "id", "msg": "method"});
    let reply = expect(
        &rc.post(
            "method.call/livechat:saveDepartment",
            json!({"message": message.to_string()}),
        )
        .await,
        StatusCode::OK,
    );
    let result: Value = serde_json::from_str(reply["message"].as_str().unwrap()).unwrap();
    assert_eq!(
        reply,
        json!({"message": reply["message"], "success": true}),
        "saveDepartment: the envelope"
    );
    // Generated: the ObjectId and the EJSON date (spec §0), taken from the answer and checked.
    let department_id = result["result"]["_id"].as_str().unwrap();
    assert!(
        department_id.len() == 24 && department_id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{department_id}"
    );
    assert!(result["result"]["_updatedAt"]["$date"].is_i64());
    assert_eq!(
        result,
        json!({"id": "id", "msg": "result", "result": {"_id": department_id,
            "_updatedAt": result["result"]["_updatedAt"], "description": "created from api",
            "email": "m@example.com", "enabled": true, "name": "By method",
            "showOnOfflineForm": true, "showOnRegistration": true, "type": "d"}}),
        "saveDepartment: the result"
    );
    let unknown = json!({"method": "nope", "params": [], "id": "7", "msg": "method"});
    let reply = expect(
        &rc.post("method.call/nope", json!({"message": unknown.to_string()}))
            .await,
        StatusCode::OK,
    );
    let result: Value = serde_json::from_str(reply["message"].as_str().unwrap()).unwrap();
    assert_eq!(
        result,
        json!({"msg": "result", "id": "7", "error": {"isClientSafe": true, "error": 404,
        "reason": "Method 'nope' not found", "message": "Method 'nope' not found [404]", "errorType": "Meteor.Error"}})
    );
    let no_message = rc.post("method.call/nope", json!({})).await;
    assert_rc(
        &no_message,
        StatusCode::BAD_REQUEST,
        json!({"success": false, "error": "Match error: Missing key 'message'"}),
        "no message",
    );
}

#[tokio::test]
async fn a_polled_department_page_shows_every_write_whichever_facade_made_it() {
    // Pages are kept encoded per state version and query: each read here follows one that kept it.
    let app = spawn_app().await;
    let rc = app.rc().await;
    let page = |path: &'static str| {
        let rc = &rc;
        async move {
            let first = expect(&rc.get(path).await, StatusCode::OK);
            let again = expect(&rc.get(path).await, StatusCode::OK);
            assert_eq!(first, again, "{path}");
            let names: Vec<String> = first["departments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (names, first["total"].as_u64().unwrap())
        }
    };
    let names = |n: &[&str]| -> Vec<String> { n.iter().map(|s| (*s).to_owned()).collect() };
    let (all, total) = page("livechat/department?count=2").await;
    assert_eq!(total, 3);
    assert_eq!(all, names(&["Billing", "Sales"]));
    assert_eq!(page("livechat/departments/archived").await, (vec![], 0));

    let created = rc.create_department(None, "Accounts", true).await;
    assert_eq!(
        page("livechat/department?count=2").await,
        (names(&["Accounts", "Billing"]), 4)
    );

    let renamed = app
        .zopim()
        .put("/departments/1", r#"{"name": "Aardvark"}"#)
        .await;
    crate::zopim::assert_json(
        &renamed,
        StatusCode::OK,
        crate::zopim::with(crate::zopim::sales(), json!({"name": "Aardvark"})),
        "Zopim renames 1",
    );
    assert_eq!(
        page("livechat/department?count=2").await,
        (names(&["Aardvark", "Accounts"]), 4)
    );

    let archive = rc
        .call(
            Method::POST,
            &format!("livechat/department/{}/archive", id(&created)),
            None,
        )
        .await;
    assert_rc(
        &archive,
        StatusCode::OK,
        json!({"success": true}),
        "archive",
    );
    assert_eq!(
        page("livechat/department?count=2").await,
        (names(&["Aardvark", "Billing"]), 3)
    );
    assert_eq!(
        page("livechat/departments/archived").await,
        (names(&["Accounts"]), 1)
    );
}
