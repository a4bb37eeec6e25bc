//! Routes: unknown paths and methods, in the XML error shape.

use super::*;

#[tokio::test]
async fn an_unknown_record_or_path_is_404_with_a_small_xml_body() {
    let app = spawn_app().await;
    let before = app.zendesk_snapshot().await;

    for (method, path) in [
        (Method::GET, "/groups/99.xml"),
        (Method::PUT, "/groups/99.xml"),
        (Method::DELETE, "/groups/99.xml"),
        (Method::GET, "/groups/99/users.xml"),
        (Method::GET, "/users/99.xml"),
        (Method::PUT, "/users/99.xml"),
        (Method::DELETE, "/users/99.xml"),
        (Method::GET, "/groups/abc.xml"),
        (Method::GET, "/groups/1.yaml"),
        (Method::GET, "/groups/1.json.xml"),
        (Method::GET, "/groups/+1.xml"),
        (Method::GET, "/groups/1.xml/"),
        (Method::GET, "/groups.yaml"),
        (Method::GET, "/groups/1/users.yaml"),
        (Method::GET, "/groupsx.xml"),
        (Method::GET, "/users/me.xml"),
        (Method::GET, "/users/1/groups.xml"),
        (Method::GET, "/api/v1/groups/99.xml"),
        (Method::GET, "/api/v1/users/abc.xml"),
    ] {
        let body = (method != Method::GET).then_some("<group><name>X</name></group>");
        let reply = app.zendesk().call(method.clone(), path, body).await;

        assert_not_found(&reply, &format!("{method} {path}"));
    }
    // No route is no route, whoever asks.
    assert_not_found(
        &app.zendesk().anonymous().get("/groups/abc.xml").await,
        "anonymous",
    );
    assert_unchanged(&app, &before, "after 404s").await;
}

#[tokio::test]
async fn a_method_a_path_does_not_take_is_405_with_allow() {
    let app = spawn_app().await;

    for (method, path, allow) in [
        (Method::DELETE, "/groups.xml", "GET, HEAD, POST"),
        (Method::POST, "/groups/1.xml", "GET, HEAD, PUT, DELETE"),
        (Method::PUT, "/groups/1/users.xml", "GET, HEAD"),
        (Method::PUT, "/users/current.xml", "GET, HEAD"),
        (Method::PATCH, "/users/2.xml", "GET, HEAD, PUT, DELETE"),
        (Method::OPTIONS, "/api/v1/users.xml", "GET, HEAD, POST"),
    ] {
        let reply = app.zendesk().call(method.clone(), path, None).await;

        let case = format!("{method} {path}");
        assert_error(
            &reply,
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            &case,
        );
        assert_eq!(
            reply.headers.get(ALLOW).and_then(|v| v.to_str().ok()),
            Some(allow),
            "{case}"
        );
    }
}

#[tokio::test]
async fn rocket_chat_keeps_its_own_api_v1_routes_beside_the_classic_xml_ones() {
    let app = spawn_app().await;

    let rocketchat = app
        .client
        .post(app.url("/api/v1/users.create"))
        .header(CONTENT_TYPE, "application/json")
        .body("{}");
    let reply = app.send(rocketchat).await;

    // Rocket.Chat's own JSON answer (no token: 401, rocketchat spec §1.3), not the XML facade's.
    crate::rocketchat::assert_rc(
        &reply,
        StatusCode::UNAUTHORIZED,
        json!({"success": false, "error": "You must be logged in to do this.",
               "status": "error", "message": "You must be logged in to do this."}),
        "POST /api/v1/users.create without a token",
    );
}

#[tokio::test]
async fn every_layer_error_is_rescued_in_the_xml_shape() {
    // The layers hand their failures to the facade that owns the path (src/http/rescue.rs); a
    // panic (500) cannot be caused from outside, so the rescue is called directly.
    use deskbridge::facades::zendesk::Zendesk;
    use deskbridge::http::LayerError;
    use deskbridge::model::{State, Store};
    use http_body_util::BodyExt;

    let facade = Zendesk::service(Store::new(State::empty()));

    for (error, status, message, allow) in [
        (
            LayerError::NotFound,
            StatusCode::NOT_FOUND,
            "Not found",
            None,
        ),
        (
            LayerError::MethodNotAllowed {
                allow: vec![Method::GET, Method::HEAD],
            },
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            Some("GET, HEAD"),
        ),
        (
            LayerError::PayloadTooLarge,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request entity too large",
            None,
        ),
        (
            LayerError::Timeout,
            StatusCode::REQUEST_TIMEOUT,
            "Request timeout",
            None,
        ),
        (
            LayerError::BodyUnreadable,
            StatusCode::BAD_REQUEST,
            "The request body could not be read",
            None,
        ),
        (
            LayerError::Internal,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
            None,
        ),
    ] {
        let case = format!("{error:?}");

        let response = facade.rescue(&error);

        assert_eq!(response.status().as_u16(), status.as_u16(), "{case}");
        let headers = response.headers().clone();
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some(XML),
            "{case}"
        );
        assert_eq!(
            headers.get("allow").and_then(|v| v.to_str().ok()),
            allow,
            "{case}"
        );
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(
            String::from_utf8(body.to_vec()).unwrap(),
            document(&format!("<error>{message}</error>\n")),
            "{case}"
        );
    }
}
