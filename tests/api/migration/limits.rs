//! An import's zip and a reconcile's sides are whole exports: they are held to
//! `--max-import-bytes` (256 MiB by default), not to the vendor requests' `--max-body-bytes`.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app_with};

/// The default tenant's Zopim export, after 40 departments with descriptions that deflate
/// poorly were added: a few kilobytes.
async fn zopim_export(app: &TestApp) -> Vec<u8> {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for n in 0..40 {
        let description: String = (0..40)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                format!("{:x}", seed >> 60)
            })
            .collect();
        let created = app
            .client
            .post(app.url("/api/v2/chat/departments"))
            .bearer_auth(crate::helpers::ADMIN_TOKEN)
            .json(&json!({"name": format!("Team {n}"), "description": description}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let response = app
        .client
        .get(app.url("/_gateway/tenants/default/export?format=zopim"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

async fn import(app: &TestApp, tenant: &str, zip: Vec<u8>) -> crate::helpers::Reply {
    app.send(
        app.client
            .post(app.url(&format!("/_gateway/tenants/{tenant}/import?format=zopim")))
            .body(zip),
    )
    .await
}

#[tokio::test]
async fn an_import_larger_than_the_body_limit_is_taken_up_to_the_import_limit() {
    let app = spawn_app_with(|config| config.request.max_body_bytes = 1024).await;
    let zip = zopim_export(&app).await;
    assert!(
        zip.len() > 1024,
        "the export ({} bytes) passes the body limit",
        zip.len()
    );

    let imported = import(&app, "copy", zip.clone()).await;

    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
    // A reconcile of two whole exports, in base64, is a whole export too.
    let side = json!({"format": "zopim", "zip": base64_of(&zip)});
    let reconciled = app
        .request(
            Method::POST,
            "/_gateway/reconcile",
            None,
            Some(&json!({"a": side, "b": "copy"}).to_string()),
        )
        .await;
    assert_eq!(reconciled.status, StatusCode::OK, "{}", reconciled.body);
    assert_eq!(reconciled.json()["equal"], json!(true));
    // A vendor request as large is still refused, in its vendor's shape.
    let put = app
        .client
        .put(app.url("/api/v2/chat/departments/1"))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body(format!(r#"{{"description": "{}"}}"#, "x".repeat(2000)))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn an_import_over_the_import_limit_is_a_413_and_makes_no_tenant() {
    let app = spawn_app_with(|config| {
        config.request.max_body_bytes = 1024;
        config.max_import_bytes = 1100;
    })
    .await;
    let zip = zopim_export(&app).await;
    assert!(
        zip.len() > 1100,
        "the export ({} bytes) passes the import limit",
        zip.len()
    );

    let refused = import(&app, "copy", zip).await;

    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        refused.json(),
        json!({"error": "Payload Too Large", "description": "The request body is too large"})
    );
    let missing = app
        .request(Method::GET, "/_gateway/tenants/copy", None, None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "no tenant was made");
    let info = app.request(Method::GET, "/_gateway/info", None, None).await;
    assert_eq!(
        info.json()["options"]["max_import_bytes"],
        json!(1100),
        "{}",
        info.body
    );
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
