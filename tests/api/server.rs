//! The gateway's own behaviour: health, unclaimed paths, limits, timeouts, shutdown.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{ADMIN_TOKEN, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_answers_200_once_the_server_accepts_requests() {
    let app = spawn_app().await;

    let reply = app
        .request(Method::GET, "/_gateway/health", None, None)
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), Some("application/json"));
    assert_eq!(reply.body, r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn a_path_no_facade_claims_gets_the_gateways_own_404() {
    let app = spawn_app().await;

    let reply = app.request(Method::GET, "/nothing/here", None, None).await;

    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.content_type(), Some("application/json"));
    assert_eq!(
        reply.json(),
        json!({"error": "Not Found", "description": "No route matches this path"})
    );
}

#[tokio::test]
async fn health_refuses_other_methods_with_405_and_allow() {
    let app = spawn_app().await;

    let reply = app
        .request(Method::POST, "/_gateway/health", None, Some("{}"))
        .await;

    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.headers.get("allow").unwrap(), "GET, HEAD");
}

/// Reads from a raw connection until it closes or `limit` passes; returns what came and whether
/// it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut seen = Vec::new();
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&seen).into_owned(), true),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&seen).into_owned(), false),
        }
    }
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off_while_others_are_served() {
    // Arrange: a short header-read timeout.
    let app =
        spawn_app_with(|c| c.connections.header_read_timeout = Duration::from_millis(400)).await;
    let mut slow = TcpStream::connect(app.handle.addr()).await.unwrap();
    slow.write_all(b"GET /_gateway/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();

    // Act: trickle a header byte every 100 ms while a normal client is served.
    let started = Instant::now();
    let trickle = async {
        for byte in b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter() {
            if slow.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let served = async {
        for _ in 0..5 {
            let reply = app
                .request(Method::GET, "/_gateway/health", None, None)
                .await;
            assert_eq!(reply.status, StatusCode::OK);
        }
    };
    tokio::join!(trickle, served);
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(2)).await;

    // Assert: the slow connection was closed, long before its headers could have finished.
    assert!(closed, "the trickling connection is still open");
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[tokio::test]
async fn a_keep_alive_connection_lives_while_it_asks_and_is_closed_once_idle_for_the_header_timeout()
 {
    // Arrange: a short header-read timeout, and one keep-alive connection.
    let limit = Duration::from_millis(400);
    let app = spawn_app_with(|c| c.connections.header_read_timeout = limit).await;
    let mut stream = TcpStream::connect(app.handle.addr()).await.unwrap();

    // Act: a request every 250 ms for well past the limit, then nothing.
    let mut last_answer = Instant::now();
    for _ in 0..6 {
        stream
            .write_all(b"GET /_gateway/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf))
            .await
            .expect("no answer")
            .unwrap();
        let answer = String::from_utf8_lossy(&buf[..n]);
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        last_answer = Instant::now();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (seen, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;

    // Assert: every request was answered on the one connection, which was then closed without
    // a word about one limit after its last answer.
    assert!(closed, "the idle connection is still open");
    assert_eq!(seen, "");
    // (The server counts from its write, a little before this client read the answer.)
    let idle = last_answer.elapsed();
    assert!(
        idle >= limit - Duration::from_millis(50),
        "closed after {idle:?} idle"
    );
    assert!(idle < limit * 4, "closed only after {idle:?} idle");
}

#[tokio::test]
async fn a_body_slower_than_the_request_timeout_gets_the_facades_408() {
    let app = spawn_app_with(|c| c.request.request_timeout = Duration::from_millis(300)).await;
    let mut stream = TcpStream::connect(app.handle.addr()).await.unwrap();
    let head = format!(
        "POST /api/v2/departments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{{\"name\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();

    let (seen, _) = read_until_closed(&mut stream, Duration::from_secs(3)).await;

    assert!(
        seen.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{seen}"
    );
    let body = seen.split("\r\n\r\n").nth(1).unwrap_or_default();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(body).unwrap(),
        json!({"error": "Request Timeout", "description": "The server closed the network connection because the browser didn't finish the request within the specified time."})
    );
    crate::zopim::assert_json(
        &app.zopim().get("/departments").await,
        StatusCode::OK,
        json!([
            crate::zopim::sales(),
            crate::zopim::support(),
            crate::zopim::billing()
        ]),
        "the departments after the timeout",
    );
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_stops_accepting() {
    // Arrange: a create whose body is only half sent.
    let app = spawn_app().await;
    let addr = app.handle.addr();
    let body = r#"{"name":"Late arrival"}"#;
    let (first, rest) = body.split_at(8);
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v2/departments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Act: shut down, then finish the request.
    let shutdown = tokio::spawn(app.handle.shutdown());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = TcpStream::connect(addr).await.is_err();
    stream.write_all(rest.as_bytes()).await.unwrap();
    let (seen, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;

    // Assert
    assert!(
        refused,
        "a new connection was accepted after shutdown began"
    );
    let (head, body) = seen.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 201 Created\r\n"), "{seen}");
    assert!(
        head.lines()
            .any(|l| l.eq_ignore_ascii_case("content-type: application/json")),
        "{seen}"
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(body).unwrap(),
        json!({"description": "", "enabled": 1, "id": 4, "members": [], "name": "Late arrival", "settings": {}}),
        "{seen}"
    );
    tokio::time::timeout(Duration::from_secs(5), shutdown)
        .await
        .expect("shutdown completes once the request is answered")
        .unwrap();
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    // Arrange: room for one connection only.
    let app = spawn_app_with(|c| c.connections.max_connections = 1).await;
    let mut first = TcpStream::connect(app.handle.addr()).await.unwrap();
    first
        .write_all(b"GET /_gateway/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = first.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200 OK"));

    // Act: a second client asks while the first keeps its connection open.
    let second = tokio::spawn({
        let url = app.url("/_gateway/health");
        async move { reqwest::get(url).await.map(|r| r.status()) }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let waited = !second.is_finished();
    drop(first);

    // Assert: it waited, then was served.
    assert!(waited, "the second connection was served beyond the cap");
    let status = tokio::time::timeout(Duration::from_secs(5), second)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(status, StatusCode::OK);
}
