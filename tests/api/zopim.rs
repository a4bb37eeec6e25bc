//! The Zopim v2 facade, route by route (spec part A).

use crate::helpers::spawn_app;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn listing_departments_returns_the_bare_array_of_the_default_data() {
    let app = spawn_app().await;

    let reply = app.zopim().get("/departments").await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), Some("application/json"));
    assert_eq!(
        reply.json(),
        json!([
            {"description": "Questions before buying", "enabled": 1, "id": 1, "members": [1, 2], "name": "Sales", "settings": {"chat_enabled": true, "support_group_id": null}},
            {"description": "Help with the product", "enabled": 1, "id": 2, "members": [2, 3], "name": "Support", "settings": {"chat_enabled": true, "support_group_id": null}},
            {"description": "Invoices and refunds", "enabled": 0, "id": 3, "members": [3], "name": "Billing", "settings": {}}
        ])
    );
}
