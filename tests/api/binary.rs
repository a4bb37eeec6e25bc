//! The `deskbridge` binary as an operator runs it: flags, environment, bad fixtures, SIGTERM, and
//! what it logs (no credential, even at `--log trace`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn deskbridge() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deskbridge"));
    command.env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("DESKBRIDGE_") {
            command.env_remove(key);
        }
    }
    command
}

#[test]
fn a_bad_listen_address_exits_2_naming_the_value() {
    let out = deskbridge().args(["--listen", "nowhere"]).output().unwrap();

    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "deskbridge: invalid --listen \"nowhere\": expected HOST:PORT with an IP address, e.g. 127.0.0.1:8080 or [::1]:0\n"
    );
}

#[test]
fn a_fixture_file_with_a_dangling_member_stops_start_up_naming_the_entry() {
    let dir = std::env::temp_dir().join(format!("deskbridge-fixture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.json");
    std::fs::write(
        &path,
        r#"{"departments":[{"name":"Sales"},{"name":"Ghosts","members":[42]}]}"#,
    )
    .unwrap();

    let out = deskbridge()
        .args(["serve", "--listen", "127.0.0.1:0", "--fixtures"])
        .arg(&path)
        .output()
        .unwrap();

    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains(r#"fixtures: departments[1] ("Ghosts"): member 42: agent 42 does not exist"#),
        "{stderr}"
    );
}

#[test]
fn the_binary_serves_from_its_environment_and_stops_on_sigterm() {
    // Arrange: listen address from the environment; port 0, read back from the log.
    let mut child = deskbridge()
        .env("DESKBRIDGE_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("the gateway logs its address").unwrap();
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };

    // Act
    let health = std::net::TcpStream::connect(&addr).map(|mut s| {
        use std::io::{Read, Write};
        s.write_all(b"GET /_gateway/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        text
    });
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();

    // Assert
    assert!(health.unwrap().starts_with("HTTP/1.1 200 OK"));
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
}

/// Every secret a client can hand the gateway, sent through every front door to the binary
/// logging at `trace`, and none of them (nor the base64 of a Basic header carrying one) in its
/// stdout or stderr: Zopim bearer tokens, Rocket.Chat passwords (login, `users.create`), the
/// session token a login hands out and the preset ones, XML passwords and API tokens, good and
/// bad, in headers, bodies and query strings.
#[tokio::test]
async fn no_credential_reaches_the_log_even_at_trace_level() {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde_json::{Value, json};
    use std::io::Read;
    use std::sync::{Arc, Mutex};

    const BEARER: &str = "SECRETbearer7Qx";
    const API: &str = "SECRETapi8Wv";
    const SESSION: &str = "SECRETsession9Zt";
    const XML_PASSWORD: &str = "SECRETxmlpw3Kd";
    const XML_NEW_PASSWORD: &str = "SECRETxmlpw4Lp";
    const RC_PASSWORD: &str = "SECRETrcpw5Mn";
    const WRONG: &str = "SECRETwrong6Bb";
    let basic = |user: &str, secret: &str| STANDARD.encode(format!("{user}:{secret}"));

    // Arrange: the default data's admin with distinct tokens of every kind, and a data directory
    // so that the journal's paths log too.
    let dir = tempfile::tempdir().unwrap();
    let mut data: Value = serde_json::from_str(deskbridge::fixtures::DEFAULT).unwrap();
    data["agents"][0]["tokens"] = json!({"bearer": [BEARER], "api": [API], "session": [SESSION]});
    let fixtures = dir.path().join("fixtures.json");
    std::fs::write(&fixtures, data.to_string()).unwrap();
    let mut child = deskbridge()
        .args(["serve", "--listen", "127.0.0.1:0", "--log", "trace"])
        .arg("--fixtures")
        .arg(&fixtures)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let mut readers = Vec::new();
    for (stream, tx) in [
        (
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Some(tx),
        ),
        (Box::new(child.stderr.take().unwrap()), None),
    ] {
        let log = Arc::clone(&log);
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if let (Some(tx), Some(rest)) = (&tx, line.split("addr=").nth(1)) {
                    let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_owned());
                }
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        }));
    }
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the gateway logs its address");
    let client = reqwest::Client::new();
    let url = |path: &str| format!("http://{addr}{path}");
    let mut secrets = vec![
        BEARER.to_owned(),
        API.to_owned(),
        SESSION.to_owned(),
        XML_PASSWORD.to_owned(),
        XML_NEW_PASSWORD.to_owned(),
        RC_PASSWORD.to_owned(),
        WRONG.to_owned(),
    ];
    let mut statuses = Vec::new();

    // Act: Zopim, a good and a bad bearer token, one also in the query string.
    for token in [BEARER, WRONG] {
        let request = client
            .get(url(&format!("/api/v2/departments?access_token={token}")))
            .bearer_auth(token);
        statuses.push(status_of(request).await);
    }
    let request = client
        .post(url("/api/v2/departments"))
        .bearer_auth(BEARER)
        .header("content-type", "application/json")
        .body(r#"{"name":"Logged"}"#);
    statuses.push(status_of(request).await);

    // Classic XML: a user created with a password through an API token, then signed in with the
    // password (good and bad), given a new one, and with the token through the other prefix.
    let as_api = format!("Basic {}", basic("admin@example.com/token", API));
    secrets.push(basic("admin@example.com/token", API));
    let user = format!(
        "<user><name>Leak Test</name><email>leak@example.com</email>\
         <password>{XML_PASSWORD}</password><roles type=\"integer\">2</roles></user>"
    );
    let reply = client
        .post(url("/users.xml"))
        .header("authorization", &as_api)
        .header("content-type", "application/xml")
        .body(user)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201, "{}", reply.text().await.unwrap());
    let location = reply.headers()["location"].to_str().unwrap().to_owned();
    let user_path = location.split_once("://").unwrap().1;
    let user_path = &user_path[user_path.find('/').unwrap()..];
    for password in [XML_PASSWORD, WRONG] {
        let credentials = basic("leak@example.com", password);
        secrets.push(credentials.clone());
        let request = client
            .get(url(&format!("/users/current.xml?password={password}")))
            .header("authorization", format!("Basic {credentials}"));
        statuses.push(status_of(request).await);
    }
    let request = client
        .put(url(user_path))
        .header(
            "authorization",
            format!("Basic {}", basic("leak@example.com", XML_PASSWORD)),
        )
        .header("content-type", "application/xml")
        .body(format!(
            "<user><password>{XML_NEW_PASSWORD}</password></user>"
        ));
    statuses.push(status_of(request).await);
    secrets.push(basic("leak@example.com", XML_NEW_PASSWORD));
    let request = client
        .get(url("/api/v1/groups.xml"))
        .header("authorization", &as_api)
        .header("x-on-behalf-of", "leak@example.com");
    statuses.push(status_of(request).await);

    // Rocket.Chat: the preset session creates a user with a password; that user logs in (and
    // fails to with a wrong one), uses the token handed out, and logs out.
    let preset = [
        ("x-auth-token", SESSION),
        ("x-user-id", "rbAXPnMktTFbNpwtJ"),
    ];
    let mut create = client.post(url("/api/v1/users.create")).json(&json!({
        "email": "rc-leak@example.com", "name": "RC Leak", "username": "rcleak",
        "password": RC_PASSWORD, "roles": ["user", "livechat-agent"],
    }));
    for (name, value) in preset {
        create = create.header(name, value);
    }
    let reply = create.send().await.unwrap();
    assert_eq!(reply.status(), 200, "{}", reply.text().await.unwrap());
    for password in [WRONG, RC_PASSWORD] {
        let request = client
            .post(url("/api/v1/login"))
            .json(&json!({"user": "rcleak", "password": password}));
        statuses.push(status_of(request).await);
    }
    let reply = client
        .post(url("/api/v1/login"))
        .json(&json!({"user": "rc-leak@example.com", "password": RC_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let login: Value = reply.json().await.unwrap();
    let token = login["data"]["authToken"].as_str().unwrap().to_owned();
    let user_id = login["data"]["userId"].as_str().unwrap().to_owned();
    secrets.push(token.clone());
    for path in [
        format!("/api/v1/permissions.listAll?authToken={token}"),
        "/api/v1/livechat/department".to_owned(),
    ] {
        let request = client
            .get(url(&path))
            .header("x-auth-token", &token)
            .header("x-user-id", &user_id);
        statuses.push(status_of(request).await);
    }
    let request = client
        .post(url("/api/v1/login"))
        .json(&json!({"resume": token}));
    statuses.push(status_of(request).await);
    let request = client
        .post(url("/api/v1/logout"))
        .header("x-auth-token", &token)
        .header("x-user-id", &user_id);
    statuses.push(status_of(request).await);
    let mut wrong = client.get(url("/api/v1/livechat/department"));
    for (name, value) in [("x-auth-token", WRONG), ("x-user-id", user_id.as_str())] {
        wrong = wrong.header(name, value);
    }
    statuses.push(wrong.send().await.unwrap().status().as_u16());

    // Stop the gateway and read the rest of its output.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success());
    for reader in readers {
        reader.join().unwrap();
    }

    // Assert: every request was answered and logged, none with a secret.
    let log = log.lock().unwrap().clone();
    assert_eq!(
        statuses,
        [
            200, 401, 201, 200, 401, 200, 200, 401, 200, 200, 200, 200, 200, 401
        ],
        "{log}"
    );
    let answered = log.matches("answered").count();
    assert!(
        answered == statuses.len() + 3,
        "{answered} answered lines:\n{log}"
    );
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "{secret} in the log:\n{log}"
        );
    }
}

/// The status a request gets.
async fn status_of(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}
