//! The `deskbridge` binary as an operator runs it: flags, environment, bad fixtures, SIGTERM.

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
