//! How the widget reaches the gateway (docs/widget.md): its files under `/livechat`
//! (`--livechat-dir`), its DDP websocket at `/websocket`, and Rocket.Chat's CORS in front of
//! `/api/`.

use std::path::Path;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use deskbridge::facades::rocketchat::RocketchatOptions;
use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const INDEX: &str = r#"<!doctype html><html><head></head><body><script src="livechat/bundle.js"></script></body></html>"#;

async fn get(app: &TestApp, path: &str) -> crate::helpers::Reply {
    app.request(Method::GET, path, None, None).await
}

/// A GET sent as written, path and all; the whole answer.
async fn raw_get(app: &TestApp, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.handle.addr())
        .await
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

/// A widget build folder with an index and one script.
fn widget_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), INDEX).unwrap();
    std::fs::write(dir.path().join("bundle.js"), "console.log(1)").unwrap();
    dir
}

async fn serving(dir: &Path) -> TestApp {
    let dir = std::sync::Arc::from(dir);
    spawn_app_with(move |config| {
        config.rocketchat = RocketchatOptions {
            livechat_dir: Some(dir),
            ..RocketchatOptions::default()
        }
    })
    .await
}

#[tokio::test]
async fn the_widget_page_carries_the_server_url_the_client_reached() {
    let dir = widget_dir();
    let app = serving(dir.path()).await;
    let host = app.base.trim_start_matches("http://").to_owned();

    for path in ["/livechat", "/livechat/", "/livechat/index.html"] {
        let reply = get(&app, path).await;

        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(
            reply.content_type(),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert_eq!(
            reply.body,
            INDEX.replace(
                "<body>",
                &format!("<body><script> SERVER_URL = 'http://{host}'; </script>")
            ),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_tenant_s_widget_page_points_at_the_tenant() {
    let dir = widget_dir();
    let app = serving(dir.path()).await;
    let created = app
        .request(
            Method::POST,
            "/_gateway/tenants",
            None,
            Some(r#"{"name": "acme"}"#),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);

    let reply = get(&app, "/t/acme/livechat").await;

    let host = app.base.trim_start_matches("http://");
    assert!(
        reply
            .body
            .contains(&format!("SERVER_URL = 'http://{host}/t/acme';")),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn the_widget_s_files_are_served_with_their_content_type_and_nothing_outside_its_folder() {
    let dir = widget_dir();
    std::fs::write(dir.path().join(".secret"), "no").unwrap();
    let app = serving(dir.path()).await;

    let script = get(&app, "/livechat/bundle.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert_eq!(script.content_type(), Some("text/javascript"));
    assert_eq!(script.body, "console.log(1)");

    for path in ["/livechat/missing.js", "/livechat/.secret"] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.body, "Not found\n", "{path}");
    }
    // A client that does not normalise dot segments, as HTTP clients do.
    for path in ["/livechat/../Cargo.toml", "/livechat/%2e%2e/Cargo.toml"] {
        let raw = raw_get(&app, path).await;
        assert!(raw.starts_with("HTTP/1.1 404 "), "{path}: {raw}");
        assert!(raw.ends_with("\r\n\r\nNot found\n"), "{path}: {raw}");
    }
    let post = app
        .request(Method::POST, "/livechat/bundle.js", None, None)
        .await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn without_a_widget_folder_the_page_says_how_to_serve_it() {
    let app = spawn_app().await;

    let reply = get(&app, "/livechat").await;

    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.body,
        "The livechat widget is not served here: start the gateway with --livechat-dir \
         (docs/widget.md).\n"
    );
}

#[tokio::test]
async fn the_sound_the_config_names_is_served_with_or_without_a_widget_folder() {
    // `livechat/config`'s `resources.sound` is `<site>/sounds/chime.mp3`
    // (apps/meteor/app/livechat/server/api/lib/livechat.ts); the widget fetches it on start.
    let app = spawn_app().await;
    let config = get(&app, "/api/v1/livechat/config").await.json();
    let sound = config["config"]["resources"]["sound"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = sound.split_once("://").unwrap().1;
    let path = &path[path.find('/').unwrap()..];
    assert_eq!(path, "/sounds/chime.mp3");

    let reply = app.request(Method::GET, path, None, None).await;
    let head = app.request(Method::HEAD, path, None, None).await;
    let other = get(&app, "/sounds/beep.mp3").await;
    let post = app.request(Method::POST, path, None, Some("")).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-type"], "audio/mpeg");
    assert_eq!(reply.headers["content-length"], "4170");
    // Its frames are checked byte for byte by the unit test in livechat/sound.rs.
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(other.body, "Not found\n");
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// Reads the next DDP message.
async fn next<S>(socket: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
        .await
        .expect("a message in time")
        .expect("the socket is open")
        .expect("a frame");
    serde_json::from_str(frame.to_text().unwrap()).unwrap()
}

#[tokio::test]
async fn the_realtime_connection_answers_the_widget_s_ddp_messages() {
    // Arrange: a websocket, as the widget's `@rocket.chat/sdk` opens it.
    let app = spawn_app().await;
    let stream = tokio::net::TcpStream::connect(app.handle.addr())
        .await
        .unwrap();
    let url = format!("ws://{}/websocket", app.handle.addr());
    let (mut socket, response) = tokio_tungstenite::client_async(url, stream)
        .await
        .expect("the websocket handshake succeeds");
    assert_eq!(response.status(), 101);
    assert_eq!(next(&mut socket).await, json!({"server_id": "0"}));

    // Act and assert, message by message, in the order the widget sends them.
    let send = |v: Value| Message::text(v.to_string());
    socket
        .send(send(
            json!({"msg": "connect", "version": "1", "support": ["1", "pre2", "pre1"]}),
        ))
        .await
        .unwrap();
    let connected = next(&mut socket).await;
    assert_eq!(connected["msg"], "connected");
    assert_eq!(connected["session"].as_str().unwrap().len(), 17);

    socket
        .send(send(
            json!({"msg": "method", "method": "livechat:setUpConnection",
            "params": [{"token": "tok"}], "id": "ddp-1"}),
        ))
        .await
        .unwrap();
    assert_eq!(
        next(&mut socket).await,
        json!({"msg": "result", "id": "ddp-1"})
    );
    assert_eq!(
        next(&mut socket).await,
        json!({"msg": "updated", "methods": ["ddp-1"]})
    );

    socket
        .send(send(
            json!({"msg": "sub", "id": "ddp-2", "name": "stream-livechat-room",
            "params": ["room", {"useCollection": false, "args": [{"token": "tok"}]}]}),
        ))
        .await
        .unwrap();
    assert_eq!(
        next(&mut socket).await,
        json!({"msg": "ready", "subs": ["ddp-2"]})
    );

    socket
        .send(send(json!({"msg": "ping", "id": "p1"})))
        .await
        .unwrap();
    assert_eq!(next(&mut socket).await, json!({"msg": "pong", "id": "p1"}));

    socket
        .send(send(
            json!({"msg": "method", "method": "sendMessage", "params": [], "id": "ddp-3"}),
        ))
        .await
        .unwrap();
    assert_eq!(
        next(&mut socket).await,
        json!({"msg": "result", "id": "ddp-3", "error": {"isClientSafe": true, "error": 404,
            "reason": "Method 'sendMessage' not found",
            "message": "Method 'sendMessage' not found [404]", "errorType": "Meteor.Error"}})
    );
}

#[tokio::test]
async fn a_plain_request_to_the_websocket_path_is_refused() {
    let app = spawn_app().await;

    let reply = get(&app, "/websocket").await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, "Not a valid websocket request");
}

/// A request under `/api/v1/` from `origin`.
async fn from_origin(app: &TestApp, method: Method, origin: &str) -> crate::helpers::Reply {
    app.send(
        app.client
            .request(method, app.url("/api/v1/livechat/config"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET"),
    )
    .await
}

fn cors_headers(reply: &crate::helpers::Reply) -> Vec<Option<String>> {
    [
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-headers",
    ]
    .iter()
    .map(|h| {
        reply
            .headers
            .get(*h)
            .map(|v| v.to_str().unwrap().to_owned())
    })
    .collect()
}

fn allowed(origin: &str) -> Vec<Option<String>> {
    vec![
        Some(origin.to_owned()),
        Some("GET, POST, PUT, DELETE, HEAD, PATCH".into()),
        Some(
            "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token, \
             x-visitor-token, Authorization"
                .into(),
        ),
    ]
}

#[tokio::test]
async fn cors_is_off_until_api_enable_cors_is_set() {
    let app = spawn_app().await;

    let reply = from_origin(&app, Method::GET, "http://site.example").await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(cors_headers(&reply), vec![None, None, None]);
}

#[tokio::test]
async fn cors_allows_any_origin_with_a_star_and_only_listed_ones_otherwise() {
    // Arrange
    let app = spawn_app().await;
    let rc = app.rc().await;
    let set = |id: &'static str, value: Value| {
        let rc = &rc;
        async move {
            let reply = rc
                .post(&format!("settings/{id}"), json!({"value": value}))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{id}: {}", reply.body);
        }
    };
    set("API_Enable_CORS", json!(true)).await;

    // Any origin, the default `*`: a read gets the headers, a preflight a bare 200.
    let read = from_origin(&app, Method::GET, "http://site.example").await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(cors_headers(&read), allowed("*"));
    let preflight = from_origin(&app, Method::OPTIONS, "http://site.example").await;
    assert_eq!(preflight.status, StatusCode::OK);
    assert_eq!(preflight.body, "");
    assert_eq!(cors_headers(&preflight), allowed("*"));

    // A list: a listed origin (in any case) is echoed; any other is refused with an empty 403.
    set(
        "API_CORS_Origin",
        json!("http://other.example, HTTP://Site.Example"),
    )
    .await;
    let listed = from_origin(&app, Method::GET, "http://site.example").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(cors_headers(&listed), allowed("http://site.example"));
    let refused = from_origin(&app, Method::POST, "http://evil.example").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body, "");
    assert_eq!(cors_headers(&refused), vec![None, None, None]);

    // The widget's visitor routes are behind it too.
    let visitor = app
        .send(
            app.client
                .request(Method::OPTIONS, app.url("/api/v1/livechat/visitor"))
                .header("Origin", "http://site.example")
                .header("Access-Control-Request-Method", "POST"),
        )
        .await;
    assert_eq!(visitor.status, StatusCode::OK);
    assert_eq!(cors_headers(&visitor), allowed("http://site.example"));

    // The widget's own files are not behind the API's CORS.
    let page = app
        .send(
            app.client
                .get(app.url("/livechat"))
                .header("Origin", "http://evil.example"),
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}
