//! The widget's realtime connection: Meteor's DDP over a websocket at `/websocket`, answered as
//! far as the widget needs to register a visitor and send the offline form (docs/widget.md).
//!
//! What the widget (`@rocket.chat/sdk`'s `drivers/ddp.js`) sends, and what it gets here:
//! - `connect` → `connected` with a session id (after Meteor's greeting `{"server_id":"0"}`);
//! - `ping` → `pong` (with the ping's `id`, when it had one); a `pong` needs no answer;
//! - `method` `livechat:setUpConnection` `[{token}]` → an empty `result`, then `updated`, as
//!   Rocket.Chat's method returns nothing; any other method → Meteor's 404 `result`;
//! - `sub` to one of the streams the widget listens on (room messages, typing, agent changes) →
//!   `ready`; nothing is ever published on them, since no chat happens here. Any other `sub` →
//!   `nosub` with Meteor's 404;
//! - `unsub` → `nosub`; a message that is not a DDP message → Meteor's `error` `Bad request`.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, StatusCode, header};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Message, Role};

use super::Context;
use crate::http::{Request, Response, respond, respond_empty};
use crate::model::UserUid;

/// The streams the widget subscribes to (`@rocket.chat/sdk` `clients/Livechat.js` and
/// `drivers/ddp.js`); Rocket.Chat's streamer answers each with `ready`.
const STREAMS: &[&str] = &[
    "stream-livechat-room",
    "stream-notify-room",
    "stream-room-messages",
    "stream-notify-user",
    "stream-notify-all",
    "stream-notify-logged",
];

/// Answers the websocket handshake (101) and runs the DDP session on the upgraded connection; a
/// request that is not a websocket handshake gets Meteor's plain 400.
pub(super) fn upgrade(_ctx: &Arc<Context>, mut request: Request) -> Response {
    let headers = request.headers();
    let is_websocket = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let key = headers.get(header::SEC_WEBSOCKET_KEY).cloned();
    let (true, Some(key)) = (is_websocket, key) else {
        return respond(
            StatusCode::BAD_REQUEST,
            HeaderValue::from_static("text/plain; charset=utf-8"),
            "Not a valid websocket request",
        );
    };
    let on_upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let socket =
                    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None)
                        .await;
                session(socket).await;
            }
            Err(e) => tracing::debug!(error = %e, "websocket upgrade failed"),
        }
    });
    let mut response = respond_empty(StatusCode::SWITCHING_PROTOCOLS);
    let h = response.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    response
}

/// One DDP session, until the client closes the socket.
async fn session<S>(mut socket: WebSocketStream<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    if socket
        .send(Message::text(r#"{"server_id":"0"}"#))
        .await
        .is_err()
    {
        return;
    }
    while let Some(Ok(frame)) = socket.next().await {
        let text = match frame {
            Message::Text(text) => text,
            Message::Close(_) => break,
            // Pings are answered by the websocket library; binary frames are not DDP.
            _ => continue,
        };
        for reply in answer(text.as_str()) {
            if socket.send(Message::text(reply.to_string())).await.is_err() {
                return;
            }
        }
    }
}

/// The messages that answer one DDP message from the client.
fn answer(text: &str) -> Vec<Value> {
    let Ok(message) = serde_json::from_str::<Value>(text) else {
        return vec![bad_request(text)];
    };
    let id = message.get("id").cloned();
    match message.get("msg").and_then(Value::as_str) {
        Some("connect") => {
            vec![json!({"msg": "connected", "session": UserUid::generate().as_str()})]
        }
        Some("ping") => vec![match id {
            Some(id) => json!({"msg": "pong", "id": id}),
            None => json!({"msg": "pong"}),
        }],
        Some("pong") => vec![],
        Some("method") => {
            let name = message.get("method").and_then(Value::as_str).unwrap_or("");
            let id = id.unwrap_or(Value::Null);
            method(name, message.get("params"), id)
        }
        Some("sub") => {
            let name = message.get("name").and_then(Value::as_str).unwrap_or("");
            let id = id.unwrap_or(Value::Null);
            tracing::debug!(stream = name, "DDP subscription");
            if STREAMS.contains(&name) {
                vec![json!({"msg": "ready", "subs": [id]})]
            } else {
                let reason = format!("Subscription '{name}' not found");
                vec![json!({"msg": "nosub", "id": id, "error": meteor_error(json!(404), &reason)})]
            }
        }
        Some("unsub") => vec![json!({"msg": "nosub", "id": id.unwrap_or(Value::Null)})],
        _ => vec![bad_request(text)],
    }
}

/// A method call's `result` (and `updated`, which Meteor sends once the method's writes are
/// visible; these write nothing).
fn method(name: &str, params: Option<&Value>, id: Value) -> Vec<Value> {
    tracing::debug!(method = name, "DDP method called");
    let result = match name {
        // `check(data, {token: String})`; the method keeps the token on the connection and
        // returns nothing.
        "livechat:setUpConnection" => {
            let token = params
                .and_then(|p| p.get(0))
                .and_then(|p| p.get("token"))
                .and_then(Value::as_str);
            match token {
                Some(_) => json!({"msg": "result", "id": id}),
                None => {
                    json!({"msg": "result", "id": id, "error": meteor_error(json!(400), "Match failed")})
                }
            }
        }
        other => {
            let reason = format!("Method '{other}' not found");
            json!({"msg": "result", "id": id, "error": meteor_error(json!(404), &reason)})
        }
    };
    vec![result, json!({"msg": "updated", "methods": [id]})]
}

/// A `Meteor.Error` as DDP carries it.
fn meteor_error(code: Value, reason: &str) -> Value {
    json!({
        "isClientSafe": true,
        "error": code,
        "reason": reason,
        "message": format!("{reason} [{code}]"),
        "errorType": "Meteor.Error"
    })
}

/// Meteor's answer to a message it cannot read.
fn bad_request(text: &str) -> Value {
    json!({"msg": "error", "reason": "Bad request", "offendingMessage": text})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widget_s_messages_get_meteor_s_answers() {
        let connected = answer(r#"{"msg":"connect","version":"1","support":["1","pre2","pre1"]}"#);
        assert_eq!(connected[0]["msg"], "connected");
        assert_eq!(connected[0]["session"].as_str().unwrap().len(), 17);
        assert_eq!(
            answer(r#"{"msg":"ping","id":"7"}"#),
            vec![json!({"msg":"pong","id":"7"})]
        );
        assert_eq!(answer(r#"{"msg":"ping"}"#), vec![json!({"msg":"pong"})]);
        assert_eq!(
            answer(
                r#"{"msg":"method","method":"livechat:setUpConnection","params":[{"token":"t"}],"id":"ddp-1"}"#
            ),
            vec![
                json!({"msg":"result","id":"ddp-1"}),
                json!({"msg":"updated","methods":["ddp-1"]})
            ]
        );
        assert_eq!(
            answer(r#"{"msg":"sub","id":"ddp-2","name":"stream-livechat-room","params":["r",{}]}"#),
            vec![json!({"msg":"ready","subs":["ddp-2"]})]
        );
        assert_eq!(
            answer(r#"{"msg":"sub","id":"s","name":"nope","params":[]}"#),
            vec![json!({"msg":"nosub","id":"s","error":{
                "isClientSafe":true,"error":404,"reason":"Subscription 'nope' not found",
                "message":"Subscription 'nope' not found [404]","errorType":"Meteor.Error"}})]
        );
        assert_eq!(
            answer("not json"),
            vec![json!({"msg":"error","reason":"Bad request","offendingMessage":"not json"})]
        );
    }
}
