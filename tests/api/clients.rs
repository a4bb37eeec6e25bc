//! Real client libraries against the real gateway: each test runs a script under
//! `tests/clients/` with an interpreter named by an environment variable.
//!
//! | variable | what it names |
//! |---|---|
//! | `DESKBRIDGE_ZENPY_PYTHON` | a python with zenpy 2.0.57 (`/api/v2/chat/` URLs; the Support API) |
//! | `DESKBRIDGE_ZENPY_LEGACY_PYTHON` | a python with zenpy 2.0.53 (legacy `/api/v2/` URLs) |
//! | `DESKBRIDGE_ROCKETCHAT_PYTHON` | a python with rocketchat_API 3.7.1 (`/api/v1/`) |
//! | `DESKBRIDGE_ACTIVERESOURCE_PYTHON` | a python with pyactiveresource 2.2.2 and python-dateutil (classic XML) |
//! | `DESKBRIDGE_RUBY` | a ruby with ActiveSupport (Debian's ruby-activesupport), to cross-check the XML |
//!
//! Each Python client also runs inside a tenant made for the test (the `..._in_a_tenant_...`
//! tests: the script's optional second argument names it), and the default tenant must come out
//! unchanged; docs/tenants.md, "Real clients in a tenant", says how each client is pointed there.
//!
//! Each test is `#[ignore]`d, so a plain `cargo test` reports it as ignored rather than passed.
//! `.ci/run` builds the virtualenvs, sets the variables and runs them with
//! `cargo test -- --include-ignored`; by hand, set the variables and run
//! `cargo test --test api clients -- --ignored`. A test that runs without its variable fails,
//! naming it.

use std::process::Stdio;
use std::time::Duration;

use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_app};
use crate::zendesk;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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

/// A real client: the variable naming its interpreter, and what that interpreter must be.
#[derive(Clone, Copy)]
struct Client {
    var: &'static str,
    what: &'static str,
}

const ZENPY: Client = Client::new("DESKBRIDGE_ZENPY_PYTHON", "a python with zenpy 2.0.57");

const ZENPY_LEGACY: Client = Client::new(
    "DESKBRIDGE_ZENPY_LEGACY_PYTHON",
    "a python with zenpy 2.0.53",
);

const ROCKETCHAT_API: Client = Client::new(
    "DESKBRIDGE_ROCKETCHAT_PYTHON",
    "a python with rocketchat_API 3.7.1",
);

const ACTIVERESOURCE: Client = Client::new(
    "DESKBRIDGE_ACTIVERESOURCE_PYTHON",
    "a python with pyactiveresource 2.2.2 and python-dateutil",
);

const RUBY: Client = Client::new(
    "DESKBRIDGE_RUBY",
    "a ruby that can `require \"active_support/all\"` and `\"builder\"`",
);

impl Client {
    const fn new(var: &'static str, what: &'static str) -> Self {
        Client { var, what }
    }

    /// Runs `script` with this client's interpreter against `app` (`args` after the port: a
    /// tenant's name) and asserts that its stdout says `said`.
    async fn run(self, app: &TestApp, script: &str, args: &[&str], said: &str) {
        self.run_saying(app, script, args, &[said]).await;
    }

    /// [`Client::run`], asserting that the stdout says each of `said`.
    async fn run_saying(self, app: &TestApp, script: &str, args: &[&str], said: &[&str]) {
        let interpreter = client_interpreter(self.var, self.what);
        let stdout = run_script_with(app, &interpreter, script, args).await;
        for said in said {
            assert!(
                stdout.contains(said),
                "{} ({}) should have said {said:?}; the script said:\n{stdout}",
                self.var,
                self.what
            );
        }
    }

    /// [`Client::run`] in the default tenant, then the store's invariants are checked.
    async fn drive(self, app: &TestApp, script: &str, said: &str) {
        self.run(app, script, &[], said).await;
        app.assert_invariants();
    }
}

/// Runs `python script port args…` against `app` and returns its stdout; panics with the
/// script's stdout and stderr unless it exits 0 within the time limit.
async fn run_script_with(app: &TestApp, python: &str, script: &str, args: &[&str]) -> String {
    let port = app.handle.addr().port();
    // For messages: the command line as it would be typed.
    let command = format!("{python} {script} {port} {}", args.join(" "))
        .trim_end()
        .to_owned();
    let child = tokio::process::Command::new(python)
        .arg(script)
        .arg(port.to_string())
        .args(args)
        .stdin(Stdio::null())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(SCRIPT_TIMEOUT, child)
        .await
        .unwrap_or_else(|_| panic!("`{command}` ran past {SCRIPT_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("cannot run `{command}`: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "`{command}` failed ({}).\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        output.status
    );
    // Shown by `cargo test -- --nocapture`.
    println!("{stdout}");
    stdout
}

/// zenpy drives one department through create, list, show by id and by name, update (with a
/// flattened `settings.chat_enabled`), re-read and delete; then the gateway is checked over HTTP.
async fn zenpy_drives_departments(client: Client, url_style: &str) {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;

    client.drive(&app, ZENPY_SCRIPT, url_style).await;

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
    zenpy_drives_departments(ZENPY, "current /api/v2/chat/ URLs").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ZENPY_LEGACY_PYTHON (a python with zenpy 2.0.53; .ci/run builds it)"]
async fn zenpy_legacy_drives_departments_through_the_zopim_prefix() {
    zenpy_drives_departments(ZENPY_LEGACY, "legacy /api/v2/ URLs").await;
}

/// zenpy reads the account, creates an agent, shows it by id and by email, updates it, signs in
/// as it with HTTP Basic and deletes it (issue 16); then the gateway is checked over HTTP.
async fn zenpy_drives_agents(client: Client) {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;

    let said = "agents: account, create, show, update, Basic me, delete";
    client.drive(&app, ZENPY_AGENTS_SCRIPT, said).await;

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
    zenpy_drives_agents(ZENPY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ZENPY_LEGACY_PYTHON (a python with zenpy 2.0.53; .ci/run builds it)"]
async fn zenpy_legacy_drives_agents_account_and_basic_auth() {
    zenpy_drives_agents(ZENPY_LEGACY).await;
}

const ZENPY_SUPPORT_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/clients/zenpy_support.py"
);

/// zenpy's Support API (issue 17): a group, a membership made the default, memberships by user
/// and by group, a bulk job read back, 150 groups paged with offsets and with cursors, deletes,
/// `RecordNotFoundException` for unknown ids, and `users.set_password` then a sign-in with the
/// new password (a wrong one refused); then the gateway is checked over HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ZENPY_PYTHON (a python with zenpy 2.0.57; .ci/run builds it)"]
async fn zenpy_drives_the_support_api_groups_memberships_and_paging() {
    let app = spawn_app().await;
    let memberships_before = app
        .request(
            Method::GET,
            "/api/v2/group_memberships.json",
            Some(ADMIN_TOKEN),
            None,
        )
        .await
        .json();

    ZENPY
        .run_saying(
            &app,
            ZENPY_SUPPORT_SCRIPT,
            &[],
            &[
                "OK: zenpy 2.0.57 support: group, membership, make_default",
                "RecordNotFound, set_password and sign-in",
            ],
        )
        .await;
    app.assert_invariants();
    // The script deletes what it made: the groups are deleted (soft), so the memberships left
    // are the fixtures' again, and no group it made is listed.
    let memberships_after = app
        .request(
            Method::GET,
            "/api/v2/group_memberships.json",
            Some(ADMIN_TOKEN),
            None,
        )
        .await
        .json();
    assert_eq!(memberships_after, memberships_before);
    let groups = app
        .request(Method::GET, "/api/v2/groups.json", Some(ADMIN_TOKEN), None)
        .await
        .json();
    assert_eq!(groups["count"], 3, "{groups}");
    app.handle.shutdown().await;
}

/// rocketchat_API logs in, lists and creates livechat agents, then through its authenticated
/// session creates, updates, lists and deletes a department; the gateway is checked after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ROCKETCHAT_PYTHON (a python with rocketchat_API 3.7.1; .ci/run builds it)"]
async fn rocketchat_api_drives_agents_and_departments_through_its_session() {
    let app = spawn_app().await;
    let before = app.zopim_snapshot().await;

    let said = "created, updated, listed and deleted department";
    ROCKETCHAT_API.drive(&app, ROCKETCHAT_SCRIPT, said).await;
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

const ACTIVERESOURCE_JSON_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/clients/activeresource_json.py"
);

/// pyactiveresource finds all groups and one with its nested users, creates one (its id read from
/// `Location`), updates its name and agents, destroys it (soft), and reads the 422's errors, the
/// 404 and the 401; then the gateway is checked over HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ACTIVERESOURCE_PYTHON (a python with pyactiveresource 2.2.2 and python-dateutil; .ci/run builds it)"]
async fn pyactiveresource_finds_creates_updates_and_destroys_groups_and_reads_the_422() {
    let app = spawn_app().await;

    let said = "OK pyactiveresource: find, create (Location id 4), update, destroy, 422, 404, 401";
    ACTIVERESOURCE
        .drive(&app, ACTIVERESOURCE_SCRIPT, said)
        .await;
    // The group it made is destroyed softly: still listed, inactive, without agents.
    let times = zendesk::group_times(&app, 4);
    let destroyed = ("Hardware", times, &[][..]);
    assert_group_4(&app, "/groups/4.xml", destroyed, "the destroyed group").await;
    crate::zopim::assert_error(
        &app.zopim().get("/departments/4").await,
        StatusCode::NOT_FOUND,
        "Department not found",
        "Zopim's department 4",
    );
    app.handle.shutdown().await;
}

/// pyactiveresource's JSONFormat on the `.json` routes (find, create with the id from a `.json`
/// Location, update with the whole rooted resource, the 422's `{"errors": [...]}`, destroy), then
/// its connection on paths without an extension with the 2010-era gems' `Accept` (XML), with
/// `application/json` (JSON) and with `text/html` (406). See: issue 16, "Classic Zendesk".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ACTIVERESOURCE_PYTHON (a python with pyactiveresource 2.2.2 and python-dateutil; .ci/run builds it)"]
async fn pyactiveresource_speaks_json_and_old_gems_accept_to_paths_without_extension() {
    let app = spawn_app().await;

    let said = "OK pyactiveresource JSON: find, create (Location id 4, .json), update, 422, destroy; Accept: xml, json, 406";
    ACTIVERESOURCE
        .drive(&app, ACTIVERESOURCE_JSON_SCRIPT, said)
        .await;
    // The group it made, renamed, left with agent 3 and then destroyed softly (agents kept).
    let times = zendesk::group_times(&app, 4);
    let destroyed = ("Hardware and ICP", times, &[zendesk::MARIA][..]);
    let what = "the group pyactiveresource made in JSON";
    assert_group_4(&app, "/groups/4.xml", destroyed, what).await;
    app.handle.shutdown().await;
}

/// Debian's ActiveSupport reads what the gateway writes (`Hash.from_xml`: integers, booleans,
/// datetimes, nils, nested arrays, the 422 and the 401), and the gateway accepts what it writes
/// (`Hash#to_xml`: a group with an agents array, an empty array, a user with a nil field).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_RUBY (a ruby with ActiveSupport and builder; .ci/run installs it)"]
async fn rails_hash_from_xml_reads_the_gateway_and_the_gateway_reads_hash_to_xml() {
    let app = spawn_app().await;

    let said = "from_xml reads the gateway, the gateway reads to_xml";
    RUBY.drive(&app, RUBY_SCRIPT, said).await;
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

/// `GET {path}` shows group 4, which a pyactiveresource script made and destroyed (soft: kept,
/// inactive), whole: its `name`, its own times and the `users` it kept.
async fn assert_group_4(
    app: &TestApp,
    path: &str,
    (name, times, users): (&str, (String, String), &[&str]),
    what: &str,
) {
    let group = zendesk::group_fragment(4, name, false, times);
    zendesk::assert_xml(
        &app.zendesk().get(path).await,
        StatusCode::OK,
        &zendesk::document(&zendesk::group_with_users(&group, users)),
        what,
    );
}

// ---------------------------------------------------------------------------------------------
// The same clients inside a named tenant (docs/tenants.md, "Real clients in a tenant"): each
// runs in a tenant made from the fixtures, and the default tenant must not change at all.

/// The tenant these tests make.
const TENANT: &str = "acme";

/// Makes [`TENANT`] from the fixtures.
async fn create_tenant(app: &TestApp) {
    crate::tenants::create_ok(app, TENANT, json!({"fixtures": true})).await;
}

/// What [`default_tenant`] reads: the tenant, its Zopim snapshot, and its classic Zendesk view.
type DefaultTenant = (Value, (Value, Value), (String, String, u64));

/// An app with [`TENANT`] made from the fixtures, and the default tenant as it then is.
async fn app_with_tenant() -> (TestApp, DefaultTenant) {
    let app = spawn_app().await;
    create_tenant(&app).await;
    let default_before = default_tenant(&app).await;
    (app, default_before)
}

/// After a client that deletes what it made: [`TENANT`] shows the fixtures again at the version of
/// its `writes` writes, its invariants hold, and the default tenant is as it was.
async fn assert_tenant_back_to_fixtures(
    app: &TestApp,
    default_before: &DefaultTenant,
    writes: u64,
    client: &str,
) {
    let after = tenant(app, TENANT).await;
    assert_eq!(
        after,
        tenant_after(app, &after, writes),
        "the tenant after {client}"
    );
    assert_eq!(
        zopim_snapshot_in(app, TENANT).await,
        default_before.1,
        "the tenant's departments and agents after {client}: the fixtures'"
    );
    assert_tenant_invariants(app, TENANT);
    assert_eq!(
        &default_tenant(app).await,
        default_before,
        "the default tenant"
    );
    app.assert_invariants();
}

/// `GET /_gateway/tenants/{name}`, whole: its version tells whether anything wrote to it.
async fn tenant(app: &TestApp, name: &str) -> Value {
    let reply = app
        .request(
            Method::GET,
            &format!("/_gateway/tenants/{name}"),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// What the control plane should show of [`TENANT`] after `writes` writes, with the fixtures' counts.
fn tenant_after(app: &TestApp, actual: &Value, writes: u64) -> Value {
    crate::tenants::tenant_body(
        app,
        actual,
        TENANT,
        json!({"fixtures": true}),
        writes,
        crate::tenants::DEFAULT_COUNTS,
    )
}

/// The default tenant as the control plane, Zopim and the classic XML show it: for "the default
/// tenant is unchanged" checks (its version moves with any write, even one undone).
async fn default_tenant(app: &TestApp) -> DefaultTenant {
    (
        tenant(app, "default").await,
        app.zopim_snapshot().await,
        app.zendesk_snapshot().await,
    )
}

/// Zopim's departments and agents in `tenant`, through its path prefix.
async fn zopim_snapshot_in(app: &TestApp, tenant: &str) -> (Value, Value) {
    let mut lists = Vec::new();
    for path in ["departments", "agents"] {
        let reply = app
            .request(
                Method::GET,
                &format!("/t/{tenant}/api/v2/chat/{path}"),
                Some(ADMIN_TOKEN),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        lists.push(reply.json());
    }
    let agents = lists.pop().unwrap();
    (lists.pop().unwrap(), agents)
}

/// Asserts the store of `tenant` keeps its invariants.
fn assert_tenant_invariants(app: &TestApp, tenant: &str) {
    let tenant = app
        .handle
        .registry()
        .get(tenant)
        .expect("the tenant exists");
    tenant
        .store()
        .view()
        .check_invariants()
        .expect("the tenant's store invariants hold");
}

/// zenpy, given a `requests.Session` with `X-Deskbridge-Tenant`, drives one department in the
/// tenant through the same steps as in the default one.
async fn zenpy_drives_departments_in_a_tenant(client: Client) {
    // Arrange
    let (app, default_before) = app_with_tenant().await;

    // Act
    let said = "requests in tenant acme";
    client.run(&app, ZENPY_SCRIPT, &[TENANT], said).await;

    // Assert: the script deletes what it made, so the tenant shows the fixtures again, at the
    // version of its three writes: the create, the update and the delete.
    assert_tenant_back_to_fixtures(&app, &default_before, 3, "zenpy").await;
    app.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ZENPY_PYTHON (a python with zenpy 2.0.57; .ci/run builds it)"]
async fn zenpy_current_drives_departments_in_a_tenant_through_a_session_header() {
    zenpy_drives_departments_in_a_tenant(ZENPY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ZENPY_LEGACY_PYTHON (a python with zenpy 2.0.53; .ci/run builds it)"]
async fn zenpy_legacy_drives_departments_in_a_tenant_through_a_session_header() {
    zenpy_drives_departments_in_a_tenant(ZENPY_LEGACY).await;
}

/// rocketchat_API with `server_url` ending in `/t/acme` logs in and works in the tenant; the
/// setting it leaves on is on there only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ROCKETCHAT_PYTHON (a python with rocketchat_API 3.7.1; .ci/run builds it)"]
async fn rocketchat_api_drives_agents_and_departments_in_a_tenant_through_its_server_url() {
    // Arrange
    let (app, default_before) = app_with_tenant().await;

    // Act
    let port = app.handle.addr().port();
    let said = format!("at http://127.0.0.1:{port}/t/acme\n");
    ROCKETCHAT_API
        .run(&app, ROCKETCHAT_SCRIPT, &[TENANT], &said)
        .await;

    // Assert: the department and the user it made are gone; the removal setting it turned on
    // stays.
    assert_tenant_back_to_fixtures(&app, &default_before, ROCKETCHAT_WRITES, "rocketchat_API")
        .await;
    // Read last: a login is a write.
    assert_eq!(
        removal_setting(&app, "/t/acme").await,
        json!({"_id": "Omnichannel_enable_department_removal", "value": true, "success": true}),
        "the removal setting in the tenant"
    );
    assert_eq!(
        removal_setting(&app, "").await,
        json!({"_id": "Omnichannel_enable_department_removal", "value": false, "success": true}),
        "the removal setting in the default tenant"
    );
    app.handle.shutdown().await;
}

/// The writes the rocketchat_API script makes: the login, the user, the agent, the setting, the
/// department's create, update and delete, the agent's and the user's removal, the logout.
const ROCKETCHAT_WRITES: u64 = 10;

/// `GET {mount}/api/v1/settings/Omnichannel_enable_department_removal` as the admin, logged in
/// under `mount` (a tenant's `/t/{name}`, or nothing for the default tenant).
async fn removal_setting(app: &TestApp, mount: &str) -> Value {
    let login = app
        .send(
            app.client
                .post(app.url(&format!("{mount}/api/v1/login")))
                .json(&json!({"user": "admin", "password": "admin"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "login: {}", login.body);
    let session = login.json()["data"].clone();
    let reply = app
        .send(
            app.client
                .get(app.url(&format!(
                    "{mount}/api/v1/settings/Omnichannel_enable_department_removal"
                )))
                .header("X-Auth-Token", session["authToken"].as_str().unwrap())
                .header("X-User-Id", session["userId"].as_str().unwrap()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// pyactiveresource with `site` ending in `/t/acme` works in the tenant, reading the new group's
/// id from a `Location` that keeps the prefix; the group it destroys stays there only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ACTIVERESOURCE_PYTHON (a python with pyactiveresource 2.2.2 and python-dateutil; .ci/run builds it)"]
async fn pyactiveresource_finds_creates_updates_and_destroys_groups_in_a_tenant_through_its_site() {
    // Arrange
    let (app, default_before) = app_with_tenant().await;

    // Act
    let said = "OK pyactiveresource: find, create (Location id 4), update, destroy, 422, 404, 401 in /t/acme";
    ACTIVERESOURCE
        .run(&app, ACTIVERESOURCE_SCRIPT, &[TENANT], said)
        .await;

    // Assert
    // Five writes: the create, three updates, the destroy (the two refused saves write nothing).
    // The destroyed group is kept, so the tenant counts four departments.
    let after = tenant(&app, TENANT).await;
    let mut expected = tenant_after(&app, &after, 5);
    expected["counts"]["departments"] = json!(4);
    assert_eq!(after, expected, "the tenant after pyactiveresource");
    let store = app
        .handle
        .registry()
        .get(TENANT)
        .expect("the tenant exists");
    let times = zendesk::group_times_in(store.store(), 4);
    let destroyed = ("Hardware", times, &[][..]);
    let what = "the destroyed group in the tenant";
    assert_group_4(&app, "/t/acme/groups/4.xml", destroyed, what).await;
    assert_tenant_invariants(&app, TENANT);
    assert_eq!(
        default_tenant(&app).await,
        default_before,
        "the default tenant"
    );
    zendesk::assert_not_found(
        &app.zendesk().get("/groups/4.xml").await,
        "group 4 in the default tenant",
    );
    app.assert_invariants();
    app.handle.shutdown().await;
}

/// The same zenpy Support run inside a tenant named by header: the tenant gets the writes, the
/// default tenant is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs DESKBRIDGE_ZENPY_PYTHON (a python with zenpy 2.0.57; .ci/run builds it)"]
async fn zenpy_drives_the_support_api_in_a_tenant() {
    let (app, default_before) = app_with_tenant().await;

    let said = "in tenant acme: OK: zenpy 2.0.57 support";
    ZENPY.run(&app, ZENPY_SUPPORT_SCRIPT, &[TENANT], said).await;
    assert_eq!(default_tenant(&app).await, default_before);
    assert_tenant_invariants(&app, TENANT);
    let groups = app
        .request(
            Method::GET,
            &format!("/t/{TENANT}/api/v2/groups.json"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await
        .json();
    assert_eq!(groups["count"], 3, "{groups}");
    app.handle.shutdown().await;
}
