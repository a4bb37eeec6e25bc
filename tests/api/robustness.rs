//! Hostile and malformed requests (issue 5, "Hostile input and limits"): for each facade, a table
//! of what a careless or hostile client sends (broken and deeply nested JSON, numbers no type
//! holds, invalid UTF-8, control characters, megabyte names, repeated keys, DTDs and entity bombs,
//! odd percent-encodings in paths, missing and malformed credentials). Every case must be answered
//! within [`PROMPT`] with its vendor's 4xx, and leave the state as it was: the store's version
//! (which every committed write bumps), what Zopim and the classic XML API list, and the store's
//! invariants.
//!
//! Requests go over a raw TCP connection, so that any byte can be sent: a body that is not UTF-8,
//! a header value with bytes above 0x7f, a path with a lone `%`.

use std::time::{Duration, Instant};

use deskbridge::facades::zendesk::xml::{Limits, XmlDocument, XmlValue};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{ADMIN_TOKEN, AGENT_TOKEN, TestApp, spawn_app};

/// The longest any malformed request may take to be answered.
const PROMPT: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------------------------
// The table: one malformed request and what it must get.

/// What the body must be, beyond the vendor's shape, which is always checked. Every case fixes
/// the text: exactly where the error table does, by its start where a parser's message follows.
#[derive(Clone)]
enum Want {
    /// Exactly these bytes.
    Exact(String),
    /// The message (Zopim's `description`, Rocket.Chat's `error`, the XML `<error>` text) starts
    /// with this; for parser messages whose positions are not the point.
    Starts(String),
}

struct Case {
    name: String,
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, Vec<u8>)>,
    /// Sent as it is, with a `Content-Length` (unless one is set in `headers`).
    body: Vec<u8>,
    status: u16,
    want: Want,
}

impl Case {
    fn new(name: impl Into<String>, method: &'static str, path: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            method,
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            status: 0,
            want: Want::Starts(String::new()),
        }
    }

    /// Replaces any header of this name (case-insensitively).
    fn set(mut self, name: &'static str, value: impl AsRef<[u8]>) -> Self {
        self = self.unset(name);
        self.add(name, value)
    }

    /// Adds a header, even a second one of the same name.
    fn add(mut self, name: &'static str, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((name, value.as_ref().to_vec()));
        self
    }

    fn unset(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn body(mut self, body: impl AsRef<[u8]>) -> Self {
        self.body = body.as_ref().to_vec();
        self
    }

    /// A body sent as `application/json`.
    fn json(self, body: impl AsRef<[u8]>) -> Self {
        self.set("Content-Type", "application/json").body(body)
    }

    fn expect(mut self, status: u16, want: Want) -> Self {
        self.status = status;
        self.want = want;
        self
    }
}

fn exact(body: impl Into<String>) -> Want {
    Want::Exact(body.into())
}

fn starts(text: impl Into<String>) -> Want {
    Want::Starts(text.into())
}

// ---------------------------------------------------------------------------------------------
// Sending raw requests.

/// An answer as it came off the wire.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    took: Duration,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request on a fresh connection (`Connection: close`) and reads the answer to the end.
async fn send(app: &TestApp, case: &Case) -> Answer {
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
        case.method, case.path
    )
    .into_bytes();
    for (name, value) in &case.headers {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    let declared = case
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
    if !declared && (!case.body.is_empty() || matches!(case.method, "POST" | "PUT")) {
        head.extend_from_slice(format!("Content-Length: {}\r\n", case.body.len()).as_bytes());
    }
    head.extend_from_slice(b"\r\n");

    let started = Instant::now();
    let stream = TcpStream::connect(app.handle.addr())
        .await
        .expect("the gateway accepts");
    let (mut reader, mut writer) = stream.into_split();
    let body = case.body.clone();
    // Written alongside the read: a server may answer (413) before it has read everything.
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&head).await;
        let _ = writer.write_all(&body).await;
        writer
    });
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match tokio::time::timeout(PROMPT * 3, reader.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => raw.extend_from_slice(&buf[..n]),
            Err(_) => panic!("{}: no answer within {:?}", case.name, PROMPT * 3),
        }
    }
    let took = started.elapsed();
    drop(writing.await);

    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "{}: no response head in {:?}",
                case.name,
                String::from_utf8_lossy(&raw)
            )
        });
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{}: no status line in {head:?}", case.name));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
        took,
    }
}

/// Everything a client can see, and the store's version.
async fn state(app: &TestApp) -> (u64, (Value, Value), (String, String, u64)) {
    let version = app.handle.store().view().version();
    (
        version,
        app.zopim_snapshot().await,
        app.zendesk_snapshot().await,
    )
}

/// Runs a table: each case promptly answered, in its vendor's shape, changing nothing.
async fn run(app: &TestApp, facade: &str, cases: Vec<Case>, shape: fn(&Case, &Answer) -> String) {
    let mut slowest = (Duration::ZERO, String::new());
    let count = cases.len();
    for case in &cases {
        let before = state(app).await;

        let answer = send(app, case).await;

        let body = answer.text();
        assert_eq!(
            answer.status, case.status,
            "{}: status; body {body:?}",
            case.name
        );
        assert!(
            answer.took < PROMPT,
            "{}: took {:?}, more than {PROMPT:?}",
            case.name,
            answer.took
        );
        let message = shape(case, &answer);
        match &case.want {
            Want::Exact(expected) => assert_eq!(&body, expected, "{}: body", case.name),
            Want::Starts(prefix) => assert!(
                message.starts_with(prefix.as_str()),
                "{}: message {message:?} does not start with {prefix:?}",
                case.name
            ),
        }
        let after = state(app).await;
        assert!(before == after, "{}: the state changed", case.name);
        app.assert_invariants();
        if answer.took > slowest.0 {
            slowest = (answer.took, case.name.clone());
        }
    }
    eprintln!(
        "{facade}: {count} malformed requests; slowest {:?} ({})",
        slowest.0, slowest.1
    );
}

/// A JSON string literal, for writing expected bodies byte for byte.
fn lit(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

// ---------------------------------------------------------------------------------------------
// Zopim: `{"error": <reason phrase>, "description": <text>}`, `application/json`.

const ZOPIM: &str = "/api/v2/chat";

fn zopim_body(status: u16, description: &str) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .expect("a status")
        .canonical_reason()
        .expect("a reason phrase");
    format!(
        r#"{{"error":{},"description":{}}}"#,
        lit(reason),
        lit(description)
    )
}

/// Checks Zopim's shape; returns the description.
fn zopim_shape(case: &Case, answer: &Answer) -> String {
    let name = &case.name;
    assert_eq!(
        answer.header("content-type"),
        Some("application/json"),
        "{name}: content type"
    );
    let text = answer.text();
    assert!(
        text.starts_with(r#"{"error":"#),
        "{name}: `error` first in {text:?}"
    );
    let value: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {text:?}"));
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{name}: not an object"));
    assert_eq!(object.len(), 2, "{name}: exactly two keys in {text:?}");
    let reason = reqwest::StatusCode::from_u16(answer.status)
        .unwrap()
        .canonical_reason();
    assert_eq!(
        object["error"].as_str(),
        reason,
        "{name}: `error` is the reason phrase"
    );
    let description = object["description"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: no description"));
    assert!(!description.is_empty(), "{name}: empty description");
    if answer.status == 401 {
        assert_eq!(
            answer.header("www-authenticate"),
            Some("Bearer"),
            "{name}: WWW-Authenticate"
        );
    }
    description.to_owned()
}

fn zopim(name: &str, method: &'static str, path: &str) -> Case {
    Case::new(name, method, format!("{ZOPIM}{path}"))
        .set("Authorization", format!("Bearer {ADMIN_TOKEN}"))
}

fn zopim_cases() -> Vec<Case> {
    let not_json = "The request body is not valid JSON: ";
    let bad = |d: &str| exact(zopim_body(400, d));
    let not_found = exact(zopim_body(404, "Department not found"));
    let unauthorized = exact(zopim_body(
        401,
        "The server could not verify that you are authorized to access the requested resource",
    ));
    let create = |name: &str| zopim(name, "POST", "/departments");
    let update = |name: &str| zopim(name, "PUT", "/departments/1");
    let megabyte = "a".repeat(1_000_000);
    let mut cases = vec![
        // Broken JSON.
        create("an empty body").json("").expect(400, bad(&format!("{not_json}EOF while parsing a value at line 1 column 0"))),
        create("a truncated object").json(r#"{"name":"Sa"#).expect(400, bad(&format!("{not_json}EOF while parsing a string at line 1 column 11"))),
        update("a truncated array of members").json(r#"{"members":[1,"#).expect(400, starts(format!("{not_json}EOF while parsing"))),
        create("100 000 open brackets").json("[".repeat(100_000)).expect(400, starts(format!("{not_json}recursion limit exceeded"))),
        create("100 000 nested objects").json(r#"{"a":"#.repeat(100_000)).expect(400, starts(format!("{not_json}recursion limit exceeded"))),
        update("100 000 brackets inside settings").json(format!(r#"{{"settings":{}"#, "[".repeat(100_000))).expect(400, starts(format!("{not_json}recursion limit exceeded"))),
        create("trailing garbage after the object").json(r#"{"name":"X"} x"#).expect(400, starts(format!("{not_json}trailing characters"))),
        create("two objects").json(r#"{"name":"X"}{"name":"Y"}"#).expect(400, starts(format!("{not_json}trailing characters"))),
        create("single quotes").json("{'name':'X'}").expect(400, starts(not_json)),
        create("a comment").json(r#"{"name":"X" /* hi */}"#).expect(400, starts(not_json)),
        create("a byte order mark").json(b"\xef\xbb\xbf{\"name\":\"X\"}").expect(400, starts(not_json)),
        create("NaN").json(r#"{"name":"X","enabled":NaN}"#).expect(400, starts(not_json)),
        create("a trailing comma").json(r#"{"name":"X",}"#).expect(400, starts(not_json)),
        // Numbers.
        create("an exponent no float holds").json(r#"{"name":"X","members":[1e999999]}"#).expect(400, starts(format!("{not_json}number out of range"))),
        create("a 400-digit integer").json(format!(r#"{{"name":"X","members":[{}]}}"#, "9".repeat(400))).expect(400, starts(format!("{not_json}number out of range"))),
        create("a 300-digit integer member").json(format!(r#"{{"name":"X","members":[{}]}}"#, "9".repeat(300))).expect(400, bad("'members' must be an array of agent ids")),
        create("one past u64 as a member").json(r#"{"name":"X","members":[18446744073709551616]}"#).expect(400, bad("'members' must be an array of agent ids")),
        create("a fractional member").json(r#"{"name":"X","members":[1.5]}"#).expect(400, bad("'members' must be an array of agent ids")),
        create("a negative member").json(r#"{"name":"X","members":[-1]}"#).expect(400, bad("'members' must be an array of agent ids")),
        update("enabled as 1.0").json(r#"{"enabled":1.0}"#).expect(400, bad("'enabled' must be 0, 1, true or false")),
        update("enabled as 1e999").json(r#"{"enabled":1e999}"#).expect(400, starts(format!("{not_json}number out of range"))),
        update("enabled as 2").json(r#"{"enabled":2}"#).expect(400, bad("'enabled' must be 0, 1, true or false")),
        update("a number as the name").json(r#"{"name":12345678901234567890123}"#).expect(400, bad("'name' must be a string")),
        // Text.
        create("invalid UTF-8 in a string").json(b"{\"name\":\"\xff\xfe\"}").expect(400, starts(not_json)),
        create("invalid UTF-8 outside strings").json(b"{\"name\":\"X\"\xc3\x28}").expect(400, starts(not_json)),
        create("a lone surrogate escape").json(r#"{"name":"\ud800"}"#).expect(400, starts(not_json)),
        create("a raw control character in a string").json(b"{\"name\":\"a\x01b\"}").expect(400, starts(format!("{not_json}control character"))),
        create("an escaped control character in the name").json(r#"{"name":"a\u0001b"}"#).expect(400, bad("'name' must not contain control characters")),
        create("an escaped NUL in the name").json(r#"{"name":"Sales\u0000"}"#).expect(400, bad("'name' must not contain control characters")),
        create("a 1 MB name").json(format!(r#"{{"name":"{megabyte}"}}"#)).expect(400, bad("'name' is too long (maximum is 255 characters)")),
        update("a 1 MB description").json(format!(r#"{{"description":"{megabyte}"}}"#)).expect(400, bad("'description' is too long (maximum is 65535 characters)")),
        create("a declared body over the limit").json("").set("Content-Length", "2000000").expect(413, exact(zopim_body(413, "The data value transmitted exceeds the capacity limit."))),
        // Repeated keys (docs/decisions.md, "Duplicate JSON keys").
        create("a repeated name").json(r#"{"name":"A","name":"B"}"#).expect(400, bad("'name' is given more than once")),
        update("a repeated key spelled with an escape").json(r#"{"name":"A","n\u0061me":"B"}"#).expect(400, bad("'name' is given more than once")),
        update("a repeated key inside settings").json(r#"{"settings":{"chat_enabled":true,"chat_enabled":false}}"#).expect(400, bad("'settings.chat_enabled' is given more than once")),
        update("a repeated key deep in settings").json(r#"{"settings":{"a":[{"b":1,"b":2}]}}"#).expect(400, bad("'settings.a[0].b' is given more than once")),
        update("a repeated members key").json(r#"{"members":[1],"members":[]}"#).expect(400, bad("'members' is given more than once")),
        // Wrong shapes and values.
        create("an array body").json("[]").expect(400, bad("The request body must be a JSON object")),
        create("a null body").json("null").expect(400, bad("The request body must be a JSON object")),
        create("a string body").json(r#""name""#).expect(400, bad("The request body must be a JSON object")),
        update("settings as an array").json(r#"{"settings":[]}"#).expect(400, bad("'settings' must be an object")),
        update("an empty settings path").json(r#"{"settings..x":1}"#).expect(400, bad("'settings..x' is not a valid settings key path")),
        create("no name").json("{}").expect(400, bad("'name' is required")),
        create("a blank name").json(r#"{"name":" \t "}"#).expect(400, bad("'name' can't be blank")),
        create("a taken name").json(r#"{"name":"Sales"}"#).expect(400, bad(r#"'name' "Sales" is already used by another department"#)),
        create("an unknown member").json(r#"{"name":"X","members":[99]}"#).expect(400, bad("'members' names agent 99, which does not exist")),
        create("JSON sent as text/plain").body(r#"{"name":"X"}"#).set("Content-Type", "text/plain").expect(415, exact(zopim_body(415, "The server does not support the media type transmitted in the request."))),
        create("a body without a content type").body(r#"{"name":"X"}"#).expect(415, exact(zopim_body(415, "The server does not support the media type transmitted in the request."))),
        // Credentials: each on a create that would succeed, so a hole would show as a change.
        create("no Authorization header").json(r#"{"name":"X"}"#).unset("Authorization").expect(401, unauthorized.clone()),
        create("Bearer without a token").json(r#"{"name":"X"}"#).set("Authorization", "Bearer").expect(401, unauthorized.clone()),
        create("Bearer with a blank token").json(r#"{"name":"X"}"#).set("Authorization", "Bearer    ").expect(401, unauthorized.clone()),
        create("a token with a suffix").json(r#"{"name":"X"}"#).set("Authorization", format!("Bearer {ADMIN_TOKEN}x")).expect(401, unauthorized.clone()),
        create("a token prefix").json(r#"{"name":"X"}"#).set("Authorization", "Bearer deskbridge-admin").expect(401, unauthorized.clone()),
        create("Basic credentials with a wrong password").json(r#"{"name":"X"}"#).set("Authorization", "Basic YWRtaW5AZXhhbXBsZS5jb206d3Jvbmc=").expect(401, unauthorized.clone()),
        create("the token without a scheme").json(r#"{"name":"X"}"#).set("Authorization", ADMIN_TOKEN).expect(401, unauthorized.clone()),
        create("a tab instead of a space").json(r#"{"name":"X"}"#).set("Authorization", format!("Bearer\t{ADMIN_TOKEN}")).expect(401, unauthorized.clone()),
        create("bytes above 0x7f in the token").json(r#"{"name":"X"}"#).set("Authorization", b"Bearer \xff\xfe\xfd").expect(401, unauthorized.clone()),
        create("an 8 KB token").json(r#"{"name":"X"}"#).set("Authorization", format!("Bearer {}", "t".repeat(8192))).expect(401, unauthorized.clone()),
        create("a bad Authorization before a good one").json(r#"{"name":"X"}"#).set("Authorization", "Bearer nope").add("Authorization", format!("Bearer {ADMIN_TOKEN}")).expect(401, unauthorized.clone()),
        create("an agent's token").json(r#"{"name":"X"}"#).set("Authorization", format!("Bearer {AGENT_TOKEN}")).expect(403, exact(zopim_body(403, "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server."))),
        // Paths: by-name and by-id lookups with odd encodings, on DELETE so a hole would show.
        zopim("a lone percent sign as a name", "DELETE", "/departments/name/%").expect(404, not_found.clone()),
        zopim("%ZZ as a name", "DELETE", "/departments/name/%ZZ").expect(404, not_found.clone()),
        zopim("%00 as a name", "DELETE", "/departments/name/%00").expect(404, not_found.clone()),
        zopim("a name with %00 after it", "DELETE", "/departments/name/Sales%00").expect(404, not_found.clone()),
        zopim("%C3%28 (invalid UTF-8) as a name", "DELETE", "/departments/name/%C3%28").expect(404, not_found.clone()),
        zopim("an encoded slash in a name", "DELETE", "/departments/name/Sales%2F").expect(404, not_found.clone()),
        zopim("an encoded trailing space", "DELETE", "/departments/name/Sales%20").expect(404, not_found.clone()),
        zopim("another case", "DELETE", "/departments/name/sales").expect(404, not_found.clone()),
        zopim("a double-encoded name", "DELETE", "/departments/name/%2553ales").expect(404, not_found.clone()),
        zopim("a 60 000-character name", "DELETE", &format!("/departments/name/{}", "S".repeat(60_000))).expect(404, not_found.clone()),
        zopim("a percent-encoded id", "DELETE", "/departments/%31").expect(404, not_found.clone()),
        zopim("a signed id", "DELETE", "/departments/+1").expect(404, not_found.clone()),
        zopim("a negative id", "DELETE", "/departments/-1").expect(404, not_found.clone()),
        zopim("a fractional id", "DELETE", "/departments/1.0").expect(404, not_found.clone()),
        zopim("an id past u64", "DELETE", "/departments/99999999999999999999999").expect(404, not_found.clone()),
        zopim("an empty name segment", "DELETE", "/departments/name/").expect(404, exact(zopim_body(404, "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."))),
        zopim("PATCH", "PATCH", "/departments/1").json(r#"{"name":"X"}"#).expect(405, exact(zopim_body(405, "The method is not allowed for the requested URL."))),
        // Query strings.
        zopim("a negative limit", "GET", "/agents?limit=-1").expect(400, bad("'limit' must be a non-negative integer")),
        zopim("an invalid UTF-8 since_id", "GET", "/agents?since_id=%FF").expect(400, bad("'since_id' must be a non-negative integer")),
        zopim("a max_id past u64", "GET", "/agents?max_id=99999999999999999999999").expect(400, bad("'max_id' must be a non-negative integer")),
        zopim("an exponent limit", "GET", "/agents?limit=1e3").expect(400, bad("'limit' must be a non-negative integer")),
    ];
    // The same through the older prefix, once.
    cases.push(
        Case::new(
            "a repeated key under /api/v2",
            "POST",
            "/api/v2/departments",
        )
        .set("Authorization", format!("Bearer {ADMIN_TOKEN}"))
        .json(r#"{"name":"A","name":"B"}"#)
        .expect(400, bad("'name' is given more than once")),
    );
    cases
}

#[tokio::test]
async fn every_malformed_zopim_request_gets_a_prompt_zopim_4xx_and_changes_nothing() {
    let app = spawn_app().await;
    let cases = zopim_cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());

    run(&app, "zopim", cases, zopim_shape).await;
}

// ---------------------------------------------------------------------------------------------
// Rocket.Chat: `{"success":false,"error":…}` (`success` first), `application/json`. An unparsable
// body is `{}` there (spec §1.1), so each bad body goes to a route that needs one and fails its
// checks; a repeated key is refused outright (docs/decisions.md, "Duplicate JSON keys").

/// The default admin's and agent's sessions, logged in before the table runs.
struct Sessions {
    admin: (String, String),
    agent: (String, String),
}

fn rc_failure(error: &str) -> String {
    format!(r#"{{"success":false,"error":{}}}"#, lit(error))
}

fn rc_invalid(message: &str) -> String {
    format!(
        r#"{{"success":false,"error":{},"errorType":"invalid-params"}}"#,
        lit(&format!("{message} [invalid-params]"))
    )
}

fn rc_meteor(reason: Option<&str>, code: &str, details: Option<&str>) -> String {
    let error = match reason {
        Some(reason) => format!("{reason} [{code}]"),
        None => format!("[{code}]"),
    };
    let details = details
        .map(|d| format!(r#","details":{d}"#))
        .unwrap_or_default();
    format!(
        r#"{{"success":false,"error":{},"errorType":{}{details}}}"#,
        lit(&error),
        lit(code)
    )
}

/// Checks Rocket.Chat's shape; returns `error`.
fn rc_shape(case: &Case, answer: &Answer) -> String {
    let name = &case.name;
    assert_eq!(
        answer.header("content-type"),
        Some("application/json"),
        "{name}: content type"
    );
    let text = answer.text();
    assert!(
        text.starts_with(r#"{"success":false"#),
        "{name}: `success` first in {text:?}"
    );
    let value: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {text:?}"));
    value["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: no `error` in {text:?}"))
        .to_owned()
}

const SALES_ID: &str = "65a4f0c2e4b0a1b2c3d4e5f1";
const A_DEPARTMENT: &str = r#"{"name":"Intruder","enabled":true,"showOnRegistration":true,"showOnOfflineForm":true,"email":"a@b.c"}"#;

fn rocketchat_cases(sessions: &Sessions) -> Vec<Case> {
    let (token, user) = sessions.admin.clone();
    let rc = move |name: &str, method: &'static str, path: &str| {
        Case::new(name, method, format!("/api/v1/{path}"))
            .set("X-Auth-Token", &token)
            .set("X-User-Id", &user)
    };
    let create = |name: &str| rc(name, "POST", "livechat/department");
    let update = |name: &str| rc(name, "PUT", &format!("livechat/department/{SALES_ID}"));
    let archive =
        |name: &str, id: &str| rc(name, "POST", &format!("livechat/department/{id}/archive"));
    let valid = format!(r#"{{"department":{A_DEPARTMENT}}}"#);
    let no_department = exact(rc_invalid("must have required property 'department'"));
    let no_department_key = exact(rc_failure("Match error: Missing key 'department'"));
    let duplicate = |path: &str| {
        exact(rc_invalid(&format!(
            "must NOT have duplicate property '{path}'"
        )))
    };
    let logged_out = exact(
        r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#,
    );
    let login_failed = exact(
        r#"{"success":false,"error":"Unauthorized","status":"error","message":"Unauthorized"}"#,
    );
    let not_found = exact(rc_failure("department-not-found"));
    let name_refused = exact(rc_failure(
        "Match error: Failed Match.Where validation in field name",
    ));
    let megabyte = "a".repeat(1_000_000);
    let nested_text = format!("text{}=x", "[a]".repeat(20_000));
    let nested_array = format!("text{}=x", "[]".repeat(30_000));

    vec![
        // Bodies that do not parse are `{}`: the create's ajv schema then wants `department`.
        create("an empty body").json("").expect(400, no_department.clone()),
        create("a truncated object").json(r#"{"department":{"name":"Sa"#).expect(400, no_department.clone()),
        create("100 000 open brackets").json("[".repeat(100_000)).expect(400, no_department.clone()),
        create("100 000 nested objects").json(r#"{"a":"#.repeat(100_000)).expect(400, no_department.clone()),
        create("an exponent no float holds").json(format!(r#"{{"department":{A_DEPARTMENT},"agents":[{{"agentId":"x","count":1e999999}}]}}"#)).expect(400, no_department.clone()),
        create("a 400-digit integer").json(format!(r#"{{"department":{A_DEPARTMENT},"agents":[{{"agentId":"x","order":{}}}]}}"#, "9".repeat(400))).expect(400, no_department.clone()),
        create("invalid UTF-8 in a string").json(b"{\"department\":{\"name\":\"\xff\xfe\"}}").expect(400, no_department.clone()),
        create("a raw control character in a string").json(b"{\"department\":{\"name\":\"a\x01b\"}}").expect(400, no_department.clone()),
        create("a byte order mark").json(format!("\u{feff}{valid}")).expect(400, no_department.clone()),
        create("NaN").json(r#"{"department":{"enabled":NaN}}"#).expect(400, no_department.clone()),
        create("single quotes").json("{'department':{}}").expect(400, no_department.clone()),
        create("trailing garbage").json(format!("{valid} x")).expect(400, no_department.clone()),
        create("JSON sent as text/plain").body(&valid).set("Content-Type", "text/plain").expect(400, no_department.clone()),
        update("a truncated update").json(r#"{"department":{"name":"#).expect(400, no_department_key.clone()),
        update("100 000 brackets in an update").json("[".repeat(100_000)).expect(400, no_department_key.clone()),
        // Repeated keys.
        create("a repeated department").json(format!(r#"{{"department":{A_DEPARTMENT},"department":{A_DEPARTMENT}}}"#)).expect(400, duplicate("department")),
        create("a repeated name inside the department").json(r#"{"department":{"name":"A","enabled":true,"name":"B"}}"#).expect(400, duplicate("department.name")),
        create("a repeated key spelled with an escape").json(r#"{"department":{"name":"A","n\u0061me":"B"}}"#).expect(400, duplicate("department.name")),
        create("a repeated agentId in an agent").json(format!(r#"{{"department":{A_DEPARTMENT},"agents":[{{"agentId":"a"}},{{"agentId":"a","agentId":"b"}}]}}"#)).expect(400, duplicate("agents[1].agentId")),
        update("a repeated key in an update").json(r#"{"department":{"enabled":false,"enabled":true}}"#).expect(400, duplicate("department.enabled")),
        rc("repeated roles in users.create", "POST", "users.create").json(r#"{"email":"e@x.io","name":"E","password":"p","username":"e","roles":["user"],"roles":["admin"]}"#).expect(400, duplicate("roles")),
        rc("a repeated value in settings", "POST", "settings/Omnichannel_enable_department_removal").json(r#"{"value":false,"value":true}"#).expect(400, duplicate("value")),
        rc("a repeated _id in permissions.update", "POST", "permissions.update").json(r#"{"permissions":[{"_id":"view-l-room","_id":"create-user","roles":["admin"]}]}"#).expect(400, duplicate("permissions[0]._id")),
        rc("a repeated key in a DDP message", "POST", "method.call/livechat:saveDepartment").json(serde_json::json!({"message": format!(r#"{{"msg":"method","id":"1","method":"livechat:saveDepartment","params":[null,{A_DEPARTMENT},[]],"params":[]}}"#)}).to_string()).expect(400, duplicate("message.params")),
        rc("a truncated DDP message", "POST", "method.call/livechat:saveDepartment").json(r#"{"message":"{\"msg\":\"method\","}"#).expect(400, exact(rc_failure("Unexpected token in JSON at position 15"))),
        // Wrong shapes and values.
        create("an array body").json("[]").expect(400, exact(rc_invalid("must be object"))),
        create("a null body").json("null").expect(400, exact(rc_invalid("must be object"))),
        create("the department as an array").json(r#"{"department":[]}"#).expect(400, exact(rc_invalid("must be object"))),
        create("an object as the name").json(r#"{"department":{"name":{"$ne":null},"enabled":true,"showOnRegistration":true,"showOnOfflineForm":true,"email":"a@b.c"}}"#).expect(400, exact(rc_invalid("must be string"))),
        create("enabled as a word").json(r#"{"department":{"name":"X","enabled":"yes","showOnRegistration":true,"showOnOfflineForm":true,"email":"a@b.c"}}"#).expect(400, exact(rc_invalid("must be boolean"))),
        create("enabled as 1e308").json(r#"{"department":{"name":"X","enabled":1e308,"showOnRegistration":true,"showOnOfflineForm":true,"email":"a@b.c"}}"#).expect(400, exact(rc_invalid("must be boolean"))),
        create("an unknown top-level key").json(format!(r#"{{"department":{A_DEPARTMENT},"x":1}}"#)).expect(400, exact(rc_invalid("must NOT have additional properties"))),
        create("agents as an object").json(format!(r#"{{"department":{A_DEPARTMENT},"agents":{{}}}}"#)).expect(400, exact(rc_invalid("must be array"))),
        create("an agent without agentId").json(format!(r#"{{"department":{A_DEPARTMENT},"agents":[{{}}]}}"#)).expect(400, exact(rc_invalid("must have required property 'agentId'"))),
        create("an escaped control character in the name").json(r#"{"department":{"name":"a\u0001b","enabled":true,"showOnRegistration":true,"showOnOfflineForm":true,"email":"a@b.c"}}"#).expect(400, name_refused.clone()),
        create("a 1 MB name").json(format!(r#"{{"department":{{"name":"{megabyte}","enabled":true,"showOnRegistration":true,"showOnOfflineForm":true,"email":"a@b.c"}}}}"#)).expect(400, name_refused.clone()),
        create("a declared body over the limit").json("").set("Content-Length", "2000000").expect(413, exact(rc_failure("request entity too large"))),
        // Odd `_id`s: archive would change the state if one were taken for a department.
        archive("%00 as an _id", "%00").expect(400, not_found.clone()),
        archive("%ZZ as an _id", "%ZZ").expect(400, not_found.clone()),
        archive("a lone percent sign as an _id", "%").expect(400, not_found.clone()),
        archive("%C3%28 (invalid UTF-8) as an _id", "%C3%28").expect(400, not_found.clone()),
        archive("an encoded path traversal as an _id", "..%2F..%2F").expect(400, not_found.clone()),
        archive("an upper-case _id", &SALES_ID.to_uppercase()).expect(400, not_found.clone()),
        archive("an _id with an encoded space", &format!("{SALES_ID}%20")).expect(400, not_found.clone()),
        archive("an _id with an encoded NUL", &format!("{SALES_ID}%00")).expect(400, not_found.clone()),
        archive("a double-encoded _id", &format!("%25{}", &SALES_ID)).expect(400, not_found.clone()),
        archive("a query operator as an _id", "%7B%22%24ne%22%3Anull%7D").expect(400, not_found.clone()),
        archive("a 10 000-character _id", &"a".repeat(10_000)).expect(400, not_found.clone()),
        archive("an ObjectId no department has", "000000000000000000000000").expect(400, not_found.clone()),
        rc("unarchive of an odd _id", "POST", "livechat/department/%00/unarchive").expect(400, exact(rc_meteor(None, "department-not-found", None))),
        rc("agents of an odd _id", "POST", "livechat/department/%C3%28/agents").json(r#"{"upsert":[],"remove":[]}"#).expect(400, exact(rc_meteor(Some("Department not found"), "error-department-not-found", None))),
        // Credentials, on a create that would succeed.
        create("no credentials").json(&valid).unset("X-Auth-Token").unset("X-User-Id").expect(401, logged_out.clone()),
        create("a token without a user id").json(&valid).unset("X-User-Id").expect(401, logged_out.clone()),
        create("a user id without a token").json(&valid).unset("X-Auth-Token").expect(401, logged_out.clone()),
        create("empty credentials").json(&valid).set("X-Auth-Token", "").set("X-User-Id", "").expect(401, logged_out.clone()),
        create("another user's id").json(&valid).set("X-User-Id", &sessions.agent.1).expect(401, logged_out.clone()),
        create("a token with a suffix").json(&valid).set("X-Auth-Token", format!("{}x", sessions.admin.0)).expect(401, logged_out.clone()),
        create("bytes above 0x7f in the token").json(&valid).set("X-Auth-Token", b"\xff\xfe\xfd").expect(401, logged_out.clone()),
        create("bytes above 0x7f in the user id").json(&valid).set("X-User-Id", b"rbAXPnMktTFbNpwt\xc3").expect(401, logged_out.clone()),
        create("an 8 KB token").json(&valid).set("X-Auth-Token", "t".repeat(8192)).expect(401, logged_out.clone()),
        create("a bad token before a good one").json(&valid).set("X-Auth-Token", "nope").add("X-Auth-Token", &sessions.admin.0).expect(401, logged_out.clone()),
        create("a bearer token instead").json(&valid).unset("X-Auth-Token").unset("X-User-Id").set("Authorization", format!("Bearer {}", sessions.admin.0)).expect(401, logged_out.clone()),
        create("an agent's session").json(&valid).set("X-Auth-Token", &sessions.agent.0).set("X-User-Id", &sessions.agent.1).expect(403, exact(rc_failure("User does not have the permissions required for this action [error-unauthorized]"))),
        // Login: what does not parse logs nobody in; a repeated key is refused.
        Case::new("a truncated login", "POST", "/api/v1/login").json(r#"{"user":"admin","password":"adm"#).expect(401, login_failed.clone()),
        Case::new("a login with a huge number as password", "POST", "/api/v1/login").json(r#"{"user":"admin","password":1e999999}"#).expect(401, login_failed.clone()),
        Case::new("a login with a 1 MB user", "POST", "/api/v1/login").json(format!(r#"{{"user":"{megabyte}","password":"admin"}}"#)).expect(401, login_failed.clone()),
        Case::new("a login with a repeated user", "POST", "/api/v1/login").json(r#"{"user":"agent","password":"admin","user":"admin"}"#).expect(400, duplicate("user")),
        // Query strings.
        rc("a count that is no number", "GET", "livechat/department?count=abc").expect(400, exact(rc_invalid("must be number"))),
        rc("an offset of invalid UTF-8", "GET", "livechat/department?offset=%FF").expect(400, exact(rc_invalid("must be number"))),
        rc("a sort that does not parse", "GET", "livechat/department?sort=%7B").expect(400, exact(rc_meteor(Some(r#"Invalid sort parameter provided: "{""#), "error-invalid-sort", Some(r#"{"helperMethod":"parseJsonQuery"}"#)))),
        rc("a sort with a repeated key", "GET", "livechat/department?sort=%7B%22name%22%3A1%2C%22name%22%3A-1%7D").expect(400, exact(rc_meteor(Some(r#"Invalid sort parameter provided: "{"name":1,"name":-1}""#), "error-invalid-sort", Some(r#"{"helperMethod":"parseJsonQuery"}"#)))),
        rc("a selector with a repeated key", "GET", "livechat/department.autocomplete?selector=%7B%22term%22%3A%22a%22%2C%22term%22%3A%22b%22%7D").expect(400, duplicate("selector.term")),
        rc("a truncated selector", "GET", "livechat/department.autocomplete?selector=%7B%22term%22%3A").expect(400, exact(rc_failure("Unexpected token in JSON at position 7"))),
        // See: src/facades/rocketchat/query.rs, twenty_thousand_nested_brackets_do_not_overflow_the_stack.
        rc("20 000 nested brackets in a parameter", "GET", &format!("livechat/department?{nested_text}")).expect(400, exact(rc_invalid("must be string"))),
        rc("30 000 empty brackets in a parameter", "GET", &format!("livechat/department?{nested_array}")).expect(400, exact(rc_invalid("must be string"))),
        rc("5 000 unknown parameters", "GET", &format!("livechat/department?{}", "a=1&".repeat(5_000))).expect(400, exact(rc_invalid("must NOT have additional properties"))),
    ]
}

#[tokio::test]
async fn every_malformed_rocketchat_request_gets_a_prompt_rocketchat_4xx_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.rc().await;
    let agent = app.rc_as(crate::helpers::RC_AGENT).await;
    let sessions = Sessions {
        admin: (admin.token.clone(), admin.user_id.clone()),
        agent: (agent.token.clone(), agent.user_id.clone()),
    };
    let cases = rocketchat_cases(&sessions);
    assert!(cases.len() >= 40, "only {} cases", cases.len());

    run(&app, "rocketchat", cases, rc_shape).await;
}

// ---------------------------------------------------------------------------------------------
// Classic Zendesk XML: `<error>…</error>` or a 422's `<errors>`, `application/xml; charset=utf-8`;
// the 401 is exactly `<error>Couldn't authenticate you</error>`.

const XML: &str = "application/xml; charset=utf-8";
const UNAUTHENTICATED: &str = "<error>Couldn't authenticate you</error>";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn zd_error(text: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>{}</error>\n",
        escape(text)
    )
}

fn zd_errors(messages: &[&str]) -> String {
    let items: String = messages
        .iter()
        .map(|m| format!("  <error>{}</error>\n", escape(m)))
        .collect();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors>\n{items}</errors>\n")
}

fn basic(credentials: &[u8]) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    )
}

/// Checks the classic XML shape; returns the (first) error text.
fn zendesk_shape(case: &Case, answer: &Answer) -> String {
    let name = &case.name;
    assert_eq!(
        answer.header("content-type"),
        Some(XML),
        "{name}: content type"
    );
    let text = answer.text();
    if answer.status == 401 {
        assert_eq!(text, UNAUTHENTICATED, "{name}: the 401 body");
        assert_eq!(
            answer.header("www-authenticate"),
            Some(r#"Basic realm="Web Password""#),
            "{name}: WWW-Authenticate"
        );
        return "Couldn't authenticate you".into();
    }
    let doc = XmlDocument::parse(&answer.body, &Limits::default())
        .unwrap_or_else(|e| panic!("{name}: the error body does not read ({e}): {text:?}"));
    match (doc.root.as_str(), &doc.value) {
        ("error", XmlValue::Text(message)) => message.clone(),
        ("errors", XmlValue::Record(errors)) if answer.status == 422 => {
            assert!(
                errors
                    .iter()
                    .all(|e| e.name == "error" && matches!(e.value, XmlValue::Text(_))),
                "{name}: <errors> holds only <error> texts: {text:?}"
            );
            match &errors[0].value {
                XmlValue::Text(message) => message.clone(),
                _ => unreachable!(),
            }
        }
        _ => panic!("{name}: not an <error> or a 422's <errors>: {text:?}"),
    }
}

fn zd(name: &str, method: &'static str, path: &str) -> Case {
    Case::new(name, method, path).set("Authorization", basic(b"admin@example.com:admin"))
}

fn zendesk_cases() -> Vec<Case> {
    let bad = |text: &str| exact(zd_error(text));
    let invalid = |messages: &[&str]| exact(zd_errors(messages));
    let doctype = bad("Document type declarations are not allowed");
    let malformed = starts("Malformed XML at byte ");
    let not_found = bad("Not found");
    let unauthenticated = exact(UNAUTHENTICATED);
    let create =
        |name: &str| zd(name, "POST", "/groups.xml").set("Content-Type", "application/xml");
    let update =
        |name: &str| zd(name, "PUT", "/groups/1.xml").set("Content-Type", "application/xml");
    let valid = "<group><name>Intruder</name></group>";
    let megabyte = "a".repeat(1_000_000);
    let billion_laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<group><name>&lol9;</name></group>"#;
    let mut invalid_utf8 = b"<group><name>".to_vec();
    invalid_utf8.extend_from_slice(b"\xc3\x28</name></group>");
    let mut utf16 = vec![0xff, 0xfe];
    for unit in "<group><name>X</name></group>".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }

    vec![
        // DTDs and entities.
        create("a DOCTYPE with a system id").body(r#"<!DOCTYPE group SYSTEM "http://evil.example/g.dtd"><group><name>X</name></group>"#).expect(400, doctype.clone()),
        create("an external entity (XXE)").body(r#"<?xml version="1.0"?><!DOCTYPE group [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><group><name>&xxe;</name></group>"#).expect(400, doctype.clone()),
        create("a parameter entity").body(r#"<!DOCTYPE group [<!ENTITY % p SYSTEM "http://evil.example/p.dtd"> %p;]><group><name>X</name></group>"#).expect(400, doctype.clone()),
        create("the billion laughs").body(billion_laughs).expect(400, doctype.clone()),
        update("the billion laughs in an update").body(billion_laughs).expect(400, doctype.clone()),
        create("a DOCTYPE inside the root").body("<group><!DOCTYPE group><name>X</name></group>").expect(400, doctype.clone()),
        create("an undeclared entity").body("<group><name>&xxe;</name></group>").expect(400, bad("Entity &xxe; is not allowed; only &lt; &gt; &amp; &quot; &apos; and &#N; are")),
        create("an HTML entity").body("<group><name>a&nbsp;b</name></group>").expect(400, bad("Entity &nbsp; is not allowed; only &lt; &gt; &amp; &quot; &apos; and &#N; are")),
        create("an entity in an attribute").body(r#"<group><name type="&xxe;">X</name></group>"#).expect(400, bad("Entity &xxe; is not allowed; only &lt; &gt; &amp; &quot; &apos; and &#N; are")),
        create("a PHP processing instruction").body("<group><?php system('id'); ?><name>X</name></group>").expect(400, bad("Processing instruction <?php ...?> is not allowed")),
        create("an xml-stylesheet instruction").body(r#"<?xml-stylesheet href="http://evil.example/x.xsl"?><group><name>X</name></group>"#).expect(400, bad("Processing instruction <?xml-stylesheet ...?> is not allowed")),
        // Not well-formed.
        create("mismatched tags").body("<group><name>X</nam></group>").expect(400, malformed.clone()),
        create("crossed tags").body("<group><name>X</group></name>").expect(400, malformed.clone()),
        create("an unclosed root").body("<group><name>X</name>").expect(400, bad("Malformed XML at byte 21: the document ends inside <group>")),
        create("two roots").body("<group><name>X</name></group><group/>").expect(400, malformed.clone()),
        create("text after the root").body("<group><name>X</name></group>junk").expect(400, malformed.clone()),
        create("an empty body").body("").expect(400, malformed.clone()),
        create("only a prolog").body(r#"<?xml version="1.0"?>"#).expect(400, malformed.clone()),
        create("an unquoted attribute").body("<group><agents type=array/></group>").expect(400, malformed.clone()),
        create("a repeated attribute").body(r#"<group><agents type="array" type="integer"/></group>"#).expect(400, malformed.clone()),
        create("an unterminated CDATA section").body("<group><name><![CDATA[X</name></group>").expect(400, malformed.clone()),
        create("an unterminated comment").body("<group><!-- <name>X</name></group>").expect(400, malformed.clone()),
        // Bytes and characters.
        create("invalid UTF-8").body(&invalid_utf8).expect(400, bad("Malformed XML at byte 13: invalid UTF-8")),
        create("UTF-16 with a byte order mark").body(&utf16).expect(400, bad("Malformed XML at byte 0: invalid UTF-8")),
        create("another declared encoding").body(r#"<?xml version="1.0" encoding="ISO-8859-1"?><group><name>X</name></group>"#).expect(400, malformed.clone()),
        create("a raw control character in the name").body(b"<group><name>a\x01b</name></group>").expect(422, invalid(&["Name must not contain control characters"])),
        create("a control character reference in the name").body("<group><name>a&#1;b</name></group>").expect(422, invalid(&["Name must not contain control characters"])),
        create("a NUL character reference").body("<group><name>a&#0;b</name></group>").expect(400, malformed.clone()),
        create("a surrogate character reference").body("<group><name>&#xD800;</name></group>").expect(400, malformed.clone()),
        create("a character reference past Unicode").body("<group><name>&#99999999999;</name></group>").expect(400, malformed.clone()),
        create("a 1 MB name").body(format!("<group><name>{megabyte}</name></group>")).expect(422, invalid(&["Name is too long (maximum is 255 characters)"])),
        // Size and depth.
        create("100 000 nested elements").body(format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000))).expect(400, bad("Elements are nested more than 32 deep")),
        create("100 000 unclosed elements").body("<group>".repeat(100_000)).expect(400, bad("Elements are nested more than 32 deep")),
        create("10 001 elements").body(format!("<group><agents type=\"array\">{}</agents></group>", "<agent/>".repeat(10_000))).expect(413, bad("The document has more than 10000 elements")),
        create("a declared body over the limit").body("").set("Content-Length", "2000000").expect(413, bad("Request entity too large")),
        // Numbers and types.
        create("an exponent as an integer").body(r#"<group><name>X</name><agents type="array"><agent type="integer">1e999</agent></agents></group>"#).expect(400, bad("<agent> must be an integer")),
        create("a 400-digit integer").body(format!(r#"<group><name>X</name><agents type="array"><agent type="integer">{}</agent></agents></group>"#, "9".repeat(400))).expect(400, bad("<agent> must be an integer")),
        create("a negative agent").body(r#"<group><name>X</name><agents type="array"><agent type="integer">-2</agent></agents></group>"#).expect(422, invalid(&["Agents is invalid: -2 is not an agent id"])),
        create("an agent that is a word").body(r#"<group><name>X</name><agents type="array"><agent>abc</agent></agents></group>"#).expect(422, invalid(&[r#"Agents is invalid: "abc" is not an agent id"#])),
        create("an unknown agent").body(r#"<group><name>X</name><agents type="array"><agent type="integer">99</agent></agents></group>"#).expect(422, invalid(&["Agents is invalid: no agent has id 99"])),
        create("a boolean that is a word").body(r#"<group><name>X</name><is-active type="boolean">yes</is-active></group>"#).expect(400, bad("<is-active> must be a boolean: true, false, 1 or 0")),
        create("a date that is no date").body(r#"<group><name>X</name><created-at type="datetime">2009-13-45T99:00:00Z</created-at></group>"#).expect(400, bad("<created-at> must be an ISO 8601 date and time")),
        // Roots and repeated fields.
        create("a user to the groups").body("<user><name>X</name></user>").expect(400, bad("The root element must be <group>, not <user>")),
        create("a list to the groups").body(r#"<groups type="array"><group><name>X</name></group></groups>"#).expect(400, bad("The root element must be <group>, not <groups>")),
        create("a namespaced root").body(r#"<x:group xmlns:x="urn:x"><name>X</name></x:group>"#).expect(400, bad("The root element must be <group>, not <x:group>")),
        create("text as the root's content").body("<group>Sales</group>").expect(400, bad("<group> must contain elements")),
        create("a repeated name").body("<group><name>A</name><name>B</name></group>").expect(422, invalid(&["Name is invalid"])),
        update("a repeated agents list").body(r#"<group><agents type="array"/><agents type="array"><agent type="integer">2</agent></agents></group>"#).expect(422, invalid(&["Agents is invalid"])),
        zd("a time zone given twice, once underscored", "PUT", "/users/2.xml").set("Content-Type", "application/xml").body("<user><time-zone>UTC</time-zone><time_zone>CET</time_zone></user>").expect(422, invalid(&["Time zone is invalid"])),
        // Credentials, on a create that would succeed.
        create("no Authorization header").body(valid).unset("Authorization").expect(401, unauthenticated.clone()),
        create("Basic with no base64").body(valid).set("Authorization", "Basic !!!").expect(401, unauthenticated.clone()),
        create("Basic without a colon").body(valid).set("Authorization", basic(b"admin@example.com")).expect(401, unauthenticated.clone()),
        create("Basic with an empty user").body(valid).set("Authorization", basic(b":admin")).expect(401, unauthenticated.clone()),
        create("Basic of invalid UTF-8").body(valid).set("Authorization", basic(b"admin@example.com:\xff\xfe")).expect(401, unauthenticated.clone()),
        create("Basic without padding").body(valid).set("Authorization", "Basic YWRtaW5AZXhhbXBsZS5jb206YWRtaW4").expect(401, unauthenticated.clone()),
        create("Basic with no credentials").body(valid).set("Authorization", "Basic").expect(401, unauthenticated.clone()),
        create("a wrong password").body(valid).set("Authorization", basic(b"admin@example.com:admin ")).expect(401, unauthenticated.clone()),
        create("a bearer token").body(valid).set("Authorization", format!("Bearer {ADMIN_TOKEN}")).expect(401, unauthenticated.clone()),
        create("bytes above 0x7f in the header").body(valid).set("Authorization", b"Basic \xff\xfe").expect(401, unauthenticated.clone()),
        create("an 8 KB password").body(valid).set("Authorization", basic(format!("admin@example.com:{}", "p".repeat(6000)).as_bytes())).expect(401, unauthenticated.clone()),
        create("a wrong API token").body(valid).set("Authorization", basic(b"admin@example.com/token:nope")).expect(401, unauthenticated.clone()),
        create("an empty API token").body(valid).set("Authorization", basic(b"admin@example.com/token:")).expect(401, unauthenticated.clone()),
        create("the password as an API token").body(valid).set("Authorization", basic(b"admin@example.com/token:admin")).expect(401, unauthenticated.clone()),
        create("the admin's API token for the agent").body(valid).set("Authorization", basic(b"agent@example.com/token:deskbridge-admin-api-token")).expect(401, unauthenticated.clone()),
        create("acting on behalf of nobody").body(valid).set("X-On-Behalf-Of", "nobody@example.com").expect(401, unauthenticated.clone()),
        create("acting on behalf of invalid UTF-8").body(valid).set("X-On-Behalf-Of", b"admin@example.com\xff").expect(401, unauthenticated.clone()),
        create("an agent's credentials").body(valid).set("Authorization", basic(b"agent@example.com:agent")).expect(403, bad("Access denied")),
        create("an agent acting as the administrator").body(valid).set("Authorization", basic(b"agent@example.com:agent")).set("X-On-Behalf-Of", "admin@example.com").expect(403, bad("Access denied")),
        // Ids in paths: DELETE (a soft delete) would change the state if one were taken.
        zd("a percent-encoded id", "DELETE", "/groups/%31.xml").expect(404, not_found.clone()),
        zd("a doubled suffix", "DELETE", "/groups/1.xml.xml").expect(404, not_found.clone()),
        zd("an encoded dot", "DELETE", "/groups/1%2Exml").expect(404, not_found.clone()),
        zd("an upper-case suffix", "DELETE", "/groups/1.XML").expect(404, not_found.clone()),
        zd("another suffix", "DELETE", "/groups/1.yaml").expect(404, not_found.clone()),
        zd("a JSON suffix before the XML one", "DELETE", "/groups/1.json.xml").expect(404, not_found.clone()),
        zd("a signed id", "DELETE", "/groups/+1.xml").expect(404, not_found.clone()),
        zd("a negative id", "DELETE", "/groups/-1.xml").expect(404, not_found.clone()),
        zd("an id past u64", "DELETE", "/groups/99999999999999999999999.xml").expect(404, not_found.clone()),
        zd("an encoded NUL id", "DELETE", "/groups/%00.xml").expect(404, not_found.clone()),
        zd("an encoded NUL after the suffix", "DELETE", "/groups/1.xml%00").expect(404, not_found.clone()),
        zd("an empty segment before the id", "DELETE", "/groups//1.xml").expect(404, not_found.clone()),
        zd("a trailing slash", "DELETE", "/groups/1.xml/").expect(404, not_found.clone()),
        zd("an encoded slash in the id", "DELETE", "/groups/1%2F2.xml").expect(404, not_found.clone()),
        zd("an id no group has", "DELETE", "/groups/0.xml").expect(404, not_found.clone()),
        zd("a percent-encoded user id", "DELETE", "/users/%32.xml").expect(404, not_found.clone()),
        zd("a percent-encoded id under /api/v1", "DELETE", "/api/v1/groups/%31.xml").expect(404, not_found.clone()),
        // Query strings.
        zd("page 0", "GET", "/users.xml?page=0").expect(400, bad("page must be a positive integer")),
        zd("a page of invalid UTF-8", "GET", "/users.xml?page=%FF").expect(400, bad("page must be a positive integer")),
        zd("a page past u64", "GET", "/users.xml?page=99999999999999999999999").expect(400, bad("page must be a positive integer")),
        zd("an unknown role", "GET", "/users.xml?role=9").expect(400, bad("role must be 0 (end user), 2 (administrator) or 4 (agent)")),
    ]
}

#[tokio::test]
async fn every_malformed_classic_xml_request_gets_a_prompt_xml_4xx_and_changes_nothing() {
    let app = spawn_app().await;
    let cases = zendesk_cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());

    run(&app, "zendesk", cases, zendesk_shape).await;
}
