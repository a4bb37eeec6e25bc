//! Real clients of the journal, faults and metrics (`.ci/run` provides the interpreters, as for
//! `clients.rs`): zenpy's retry on a 429 waits out `Retry-After`, and a real Prometheus parser
//! reads `GET /_gateway/metrics` with counters matching the requests sent.
//!
//! | variable | what it names |
//! |---|---|
//! | `DESKBRIDGE_ZENPY_PYTHON` | a python with zenpy 2.0.57 |
//! | `DESKBRIDGE_PROMETHEUS_PYTHON` | a python with prometheus-client 0.26.0 |

use std::process::Stdio;
use std::time::Duration;

use crate::helpers::spawn_app;

/// Runs `python script port`; panics with its output unless it exits 0 within a minute.
async fn run(var: &str, what: &str, script: &str) -> String {
    let python = match std::env::var(var) {
        Ok(path) if !path.trim().is_empty() => path,
        _ => panic!("{var} is not set: it must name {what} (.ci/run provides one and sets it)"),
    };
    let app = spawn_app().await;
    let port = app.handle.addr().port().to_string();
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(&python)
            .arg(script)
            .arg(&port)
            .stdin(Stdio::null())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{script} ran past a minute"))
    .unwrap_or_else(|e| panic!("cannot run {python} {script}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{python} {script} {port} failed ({}).\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{stdout}");
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ZENPY_PYTHON (a python with zenpy 2.0.57; .ci/run builds it)"]
async fn zenpys_retry_on_a_429_waits_out_retry_after() {
    let stdout = run(
        "DESKBRIDGE_ZENPY_PYTHON",
        "a python with zenpy 2.0.57",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/clients/zenpy_throttle.py"
        ),
    )
    .await;
    assert!(stdout.contains("OK: zenpy waited"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_PROMETHEUS_PYTHON (a python with prometheus-client 0.26.0; .ci/run builds it)"]
async fn a_prometheus_parser_reads_the_metrics_and_the_counters_match_the_requests_sent() {
    let stdout = run(
        "DESKBRIDGE_PROMETHEUS_PYTHON",
        "a python with prometheus-client 0.26.0",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/clients/metrics_parse.py"
        ),
    )
    .await;
    assert!(stdout.contains("OK: "), "{stdout}");
}
