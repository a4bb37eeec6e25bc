//! Real client libraries against the real gateway: each test runs a script under
//! `tests/clients/` with an interpreter named by an environment variable.
//!
//! | variable | what it names |
//! |---|---|
//! | `DESKBRIDGE_ZENPY_PYTHON` | a python with zenpy 2.0.57 (`/api/v2/chat/` URLs) |
//! | `DESKBRIDGE_ZENPY_LEGACY_PYTHON` | a python with zenpy 2.0.53 (legacy `/api/v2/` URLs) |
//! | `DESKBRIDGE_ROCKETCHAT_PYTHON` | a python with rocketchat_API 3.7.1 (`/api/v1/`) |
//! | `DESKBRIDGE_ACTIVERESOURCE_PYTHON` | a python with pyactiveresource 2.2.2 and python-dateutil (classic XML) |
//! | `DESKBRIDGE_RUBY` | a ruby with ActiveSupport (Debian's ruby-activesupport), to cross-check the XML |
//!
//! Each test is `#[ignore]`d, so a plain `cargo test` reports it as ignored rather than passed.
//! `.ci/run` builds the virtualenvs, sets the variables and runs them with
//! `cargo test -- --include-ignored`; by hand, set the variables and run
//! `cargo test --test api clients -- --ignored`. A test that runs without its variable fails,
//! naming it.

use std::process::Stdio;
use std::time::Duration;

use crate::helpers::{TestApp, spawn_app};
use crate::zendesk;
use reqwest::StatusCode;
use serde_json::json;

const ZENPY_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/clients/zenpy_departments.py"
);

const ZENPY_AGENTS_SCRIPT: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/zenpy_agents.py");

const ROCKETCHAT_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/clients/rocketchat_departments.py"
);

/// Longest a client script may run; it makes about a dozen requests.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// The interpreter named by `var`; panics naming `var` and what it must name when it is unset,
/// so that a client test run without its client fails instead of passing.
fn client_interpreter(var: &str, what: &str) -> String {
    match std::env::var(var) {
        Ok(path) if !path.trim().is_empty() => path,
        _ => panic!("{var} is not set: it must name {what} (.ci/run provides one and sets it)"),
    }
}

/// Runs `python script port` against `app` and returns its stdout; panics with the script's
/// stdout and stderr unless it exits 0 within the time limit.
async fn run_script(app: &TestApp, python: &str, script: &str) -> String {
    let port = app.handle.addr().port();
    let child = tokio::process::Command::new(python)
        .arg(script)
        .arg(port.to_string())
        .stdin(Stdio::null())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(SCRIPT_TIMEOUT, child)
        .await
        .unwrap_or_else(|_| panic!("`{python} {script} {port}` ran past {SCRIPT_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("cannot run `{python} {script} {port}`: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "`{python} {script} {port}` failed ({}).\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        output.status
    );
    // Shown by `cargo test -- --nocapture`.
    println!("{stdout}");
    stdout
}

/// zenpy drives one department through create, list, show by id and by name, update (with a
/// flattened `settings.chat_enabled`), re-read and delete; then the gateway is checked over HTTP.
async fn zenpy_drives_departments(var: &str, what: &str, url_style: &str) {
    let python = client_interpreter(var, what);
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;

    let stdout = run_script(&app, &python, ZENPY_SCRIPT).await;

    assert!(
        stdout.contains(url_style),
        "{var} should name a python whose zenpy uses {url_style}; the script said:\n{stdout}"
    );
    app.assert_invariants();
    // The script deletes what it made, so both URL generations see the starting state again,
    // agents' derived `departments` included.
    let after = app.zopim_snapshot().await;
    assert_eq!(after, before, "the state after the zenpy run");
    let legacy = app.zopim().legacy().get("/departments").await;
    crate::zopim::assert_json(
        &legacy,
        StatusCode::OK,
        json!([
            crate::zopim::sales(),
            crate::zopim::support(),
            crate::zopim::billing()
        ]),
        "the legacy prefix's department list",
    );
    app.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ZENPY_PYTHON (a python with zenpy 2.0.57; .ci/run builds it)"]
async fn zenpy_current_drives_departments_through_the_chat_prefix() {
    zenpy_drives_departments(
        "DESKBRIDGE_ZENPY_PYTHON",
        "a python with zenpy 2.0.57",
        "current /api/v2/chat/ URLs",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ZENPY_LEGACY_PYTHON (a python with zenpy 2.0.53; .ci/run builds it)"]
async fn zenpy_legacy_drives_departments_through_the_zopim_prefix() {
    zenpy_drives_departments(
        "DESKBRIDGE_ZENPY_LEGACY_PYTHON",
        "a python with zenpy 2.0.53",
        "legacy /api/v2/ URLs",
    )
    .await;
}

/// zenpy reads the account, creates an agent, shows it by id and by email, updates it, signs in
/// as it with HTTP Basic and deletes it (issue 16); then the gateway is checked over HTTP.
async fn zenpy_drives_agents(var: &str, what: &str) {
    let python = client_interpreter(var, what);
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;

    let stdout = run_script(&app, &python, ZENPY_AGENTS_SCRIPT).await;

    assert!(
        stdout.contains("agents: account, create, show, update, Basic me, delete"),
        "the script said:\n{stdout}"
    );
    app.assert_invariants();
    // The script deletes the agent it made.
    assert_eq!(
        app.zopim_snapshot().await,
        before,
        "the state after the zenpy run"
    );
    app.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ZENPY_PYTHON (a python with zenpy 2.0.57; .ci/run builds it)"]
async fn zenpy_current_drives_agents_account_and_basic_auth() {
    zenpy_drives_agents("DESKBRIDGE_ZENPY_PYTHON", "a python with zenpy 2.0.57").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ZENPY_LEGACY_PYTHON (a python with zenpy 2.0.53; .ci/run builds it)"]
async fn zenpy_legacy_drives_agents_account_and_basic_auth() {
    zenpy_drives_agents(
        "DESKBRIDGE_ZENPY_LEGACY_PYTHON",
        "a python with zenpy 2.0.53",
    )
    .await;
}

/// rocketchat_API logs in, lists and creates livechat agents, then through its authenticated
/// session creates, updates, lists and deletes a department; the gateway is checked after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ROCKETCHAT_PYTHON (a python with rocketchat_API 3.7.1; .ci/run builds it)"]
async fn rocketchat_api_drives_agents_and_departments_through_its_session() {
    let python = client_interpreter(
        "DESKBRIDGE_ROCKETCHAT_PYTHON",
        "a python with rocketchat_API 3.7.1",
    );
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;

    let stdout = run_script(&app, &python, ROCKETCHAT_SCRIPT).await;

    assert!(
        stdout.contains("created, updated, listed and deleted department"),
        "the script said:\n{stdout}"
    );
    app.assert_invariants();
    // The script removes the department and the user it made.
    assert_eq!(
        app.zopim_snapshot().await,
        before,
        "the state after the rocketchat_API run"
    );
    app.handle.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Classic Zendesk XML: pyactiveresource, and Rails' own XML codec (spec B7, B8).

const ACTIVERESOURCE_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/clients/activeresource_groups.py"
);

const RUBY_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/clients/rails_xml_roundtrip.rb"
);

/// pyactiveresource finds all groups and one with its nested users, creates one (its id read from
/// `Location`), updates its name and agents, destroys it (soft), and reads the 422's errors, the
/// 404 and the 401; then the gateway is checked over HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ACTIVERESOURCE_PYTHON (a python with pyactiveresource 2.2.2 and python-dateutil; .ci/run builds it)"]
async fn pyactiveresource_finds_creates_updates_and_destroys_groups_and_reads_the_422() {
    let python = client_interpreter(
        "DESKBRIDGE_ACTIVERESOURCE_PYTHON",
        "a python with pyactiveresource 2.2.2 and python-dateutil",
    );
    let app = spawn_app().await;

    let stdout = run_script(&app, &python, ACTIVERESOURCE_SCRIPT).await;

    assert!(
        stdout.contains(
            "OK pyactiveresource: find, create (Location id 4), update, destroy, 422, 404, 401"
        ),
        "the script said:\n{stdout}"
    );
    app.assert_invariants();
    // The group it made is destroyed softly: still listed, inactive, without agents.
    let group = app.zendesk().get("/groups/4.xml").await;
    let hardware = zendesk::group_fragment(4, "Hardware", false, zendesk::group_times(&app, 4));
    zendesk::assert_xml(
        &group,
        StatusCode::OK,
        &zendesk::document(&zendesk::group_with_users(&hardware, &[])),
        "the destroyed group",
    );
    crate::zopim::assert_error(
        &app.zopim().get("/departments/4").await,
        StatusCode::NOT_FOUND,
        "Department not found",
        "Zopim's department 4",
    );
    app.handle.shutdown().await;
}

/// Debian's ActiveSupport reads what the gateway writes (`Hash.from_xml`: integers, booleans,
/// datetimes, nils, nested arrays, the 422 and the 401), and the gateway accepts what it writes
/// (`Hash#to_xml`: a group with an agents array, an empty array, a user with a nil field).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_RUBY (a ruby with ActiveSupport and builder; .ci/run installs it)"]
async fn rails_hash_from_xml_reads_the_gateway_and_the_gateway_reads_hash_to_xml() {
    let ruby = client_interpreter(
        "DESKBRIDGE_RUBY",
        "a ruby that can `require \"active_support/all\"` and `\"builder\"`",
    );
    let app = spawn_app().await;

    let stdout = run_script(&app, &ruby, RUBY_SCRIPT).await;

    assert!(
        stdout.contains("from_xml reads the gateway, the gateway reads to_xml"),
        "the script said:\n{stdout}"
    );
    app.assert_invariants();
    let user = app.zendesk().get("/users/4.xml").await;
    let ruby_user = zendesk::user_fragment(
        4,
        ("Ruby User", "ruby@example.com"),
        4,
        true,
        None,
        zendesk::user_times(&app, 4),
    );
    zendesk::assert_xml(
        &user,
        StatusCode::OK,
        &zendesk::document(&zendesk::user_with_groups(&ruby_user, &[])),
        "the user Ruby made",
    );
    app.handle.shutdown().await;
}
