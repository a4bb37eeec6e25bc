//! The gateway's own behaviour: health, unclaimed paths, shutdown.

use crate::helpers::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn health_answers_200_once_the_server_accepts_requests() {
    let app = spawn_app().await;

    let reply = app
        .request(reqwest::Method::GET, "/_gateway/health", None, None)
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), Some("application/json"));
    assert_eq!(reply.body, r#"{"status":"ok"}"#);
}
