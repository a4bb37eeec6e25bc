//! Reconciliation: one test per kind of difference, the options, the exit codes of
//! `deskbridge reconcile`, and `POST /_gateway/reconcile`.

use std::process::Command;

use deskbridge::migration::compare::{self, Fields, Options, Report, Side};
use deskbridge::migration::{Carries, Files};
use deskbridge::model::State;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{format, write};
use crate::helpers::spawn_app;

fn state(document: Value) -> State {
    let mut files = Files::new();
    files.insert("state.json", document.to_string().into_bytes());
    format("canonical").read(&files).unwrap()
}

/// Two agents in two departments: what each test changes one thing of.
fn base() -> Value {
    json!({
        "agents": [
            {"id": 1, "username": "ann", "name": "Ann Lee", "email": "ann@example.com"},
            {"id": 2, "username": "bob", "name": "Bob Ray", "email": "bob@example.com"}
        ],
        "departments": [
            {"id": 1, "name": "Sales", "description": "Before buying", "members": [1, 2]},
            {"id": 2, "name": "Support", "members": [2]}
        ]
    })
}

fn compare(a: &State, b: &State, options: Options) -> Report {
    compare::compare(
        Side {
            label: "a",
            state: a,
            carries: &Carries::ALL,
        },
        Side {
            label: "b",
            state: b,
            carries: &Carries::ALL,
        },
        options,
        Fields::Common,
    )
}

fn json_of(report: &Report) -> Value {
    serde_json::to_value(report).unwrap()
}

#[test]
fn equal_states_report_their_counts_and_nothing_else() {
    let report = compare(&state(base()), &state(base()), Options::default());
    assert_eq!(
        json_of(&report),
        json!({
            "a": {"label": "a", "departments": 2, "agents": 2, "memberships": 3},
            "b": {"label": "b", "departments": 2, "agents": 2, "memberships": 3},
            "options": {"match_ids": false, "fold_case": false, "times": false},
            "only_in_a": [], "only_in_b": [], "fields": [], "memberships": [], "not_compared": [],
            "equal": true
        })
    );
}

#[test]
fn a_department_and_an_agent_on_one_side_only_are_named() {
    let mut b = base();
    b["departments"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": 3, "name": "Billing"}));
    b["agents"].as_array_mut().unwrap().remove(0);
    b["departments"][0]["members"] = json!([2]);

    let report = compare(&state(base()), &state(b), Options::default());

    assert_eq!(
        json_of(&report)["only_in_a"],
        json!([{"kind": "agent", "key": "ann@example.com", "id": 1}])
    );
    assert_eq!(
        json_of(&report)["only_in_b"],
        json!([{"kind": "department", "key": "Billing", "id": 3}])
    );
    assert!(!report.equal);
}

#[test]
fn a_field_that_differs_is_named_with_both_values() {
    let mut b = base();
    b["departments"][0]["description"] = json!("Before you buy");
    b["agents"][1]["name"] = json!("Robert Ray");

    let report = compare(&state(base()), &state(b), Options::default());

    assert_eq!(
        json_of(&report)["fields"],
        json!([
            {"kind": "agent", "record": "bob@example.com", "field": "display_name", "a": "Bob Ray", "b": "Robert Ray"},
            {"kind": "department", "record": "Sales", "field": "description", "a": "Before buying", "b": "Before you buy"}
        ])
    );
}

#[test]
fn a_membership_on_one_side_only_is_named_by_department_and_email() {
    let mut b = base();
    b["departments"][0]["members"] = json!([2]);
    b["departments"][1]["members"] = json!([1, 2]);

    let report = compare(&state(base()), &state(b), Options::default());

    assert_eq!(
        json_of(&report)["memberships"],
        json!([
            {"department": "Sales", "only_in_a": ["ann@example.com"], "only_in_b": []},
            {"department": "Support", "only_in_a": [], "only_in_b": ["ann@example.com"]}
        ])
    );
}

#[test]
fn a_link_field_that_differs_is_named_by_department_and_email() {
    let mut b = base();
    b["departments"][1]["members"] = json!([{"agent": 2, "order": 3}]);

    let report = compare(&state(base()), &state(b), Options::default());

    assert_eq!(
        json_of(&report)["fields"],
        json!([{"kind": "membership", "record": "Support / bob@example.com", "field": "order", "a": 0, "b": 3}])
    );
}

#[test]
fn what_only_one_side_carries_is_listed_as_not_compared() {
    let (zopim, rocketchat) = (format("zopim"), format("rocketchat"));
    let s = state(base());
    let (a, b) = (
        super::through("zopim", &s),
        super::through("rocketchat", &s),
    );

    let report = compare::compare(
        Side {
            label: "zopim",
            state: &a,
            carries: zopim.carries(),
        },
        Side {
            label: "rocketchat",
            state: &b,
            carries: rocketchat.carries(),
        },
        Options::default(),
        Fields::Common,
    );

    let not: Vec<String> = report
        .not_compared
        .iter()
        .map(|n| format!("{:?}.{}:{}", n.kind, n.field, n.carried_by))
        .collect();
    assert_eq!(
        not,
        [
            "Department.id:a",
            "Department.uid:b",
            "Department.email:b",
            "Department.show_on_registration:b",
            "Department.show_on_offline_form:b",
            "Department.settings:a",
            "Department.routing:b",
            "Department.updated_at:b",
            "Agent.id:a",
            "Agent.uid:b",
            "Agent.username:b",
            "Agent.active:a",
            "Agent.presence:b",
            "Agent.accepts_chats:b",
            "Agent.created_at:a",
            "Membership.uid:b",
            "Membership.order:b",
            "Membership.count:b",
            "Membership.updated_at:b"
        ]
    );
    assert!(report.equal, "{}", report.table());
}

#[test]
fn matching_by_id_finds_a_renamed_department_and_fold_case_a_recased_one() {
    let mut b = base();
    b["departments"][0]["name"] = json!("SALES");

    let by_name = compare(&state(base()), &state(b.clone()), Options::default());
    let folded = compare(
        &state(base()),
        &state(b.clone()),
        Options {
            fold_case: true,
            ..Options::default()
        },
    );
    let by_id = compare(
        &state(base()),
        &state(b),
        Options {
            match_ids: true,
            ..Options::default()
        },
    );

    assert_eq!(by_name.only_in_a.len(), 1);
    assert!(folded.equal, "{}", folded.table());
    assert_eq!(
        json_of(&by_id)["fields"],
        json!([{"kind": "department", "record": "Sales", "field": "name", "a": "Sales", "b": "SALES"}])
    );
}

fn deskbridge() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deskbridge"));
    for (key, _) in std::env::vars() {
        if key.starts_with("DESKBRIDGE_") {
            command.env_remove(key);
        }
    }
    command
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "deskbridge-reconcile-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_command_exits_0_when_equal_1_when_different_and_2_on_error() {
    // Arrange: the same state as a Zopim and a Rocket.Chat export, and one with a rename.
    let s = state(base());
    let (zopim, rocketchat, renamed) = (temp("zopim"), temp("rocketchat.zip"), temp("renamed"));
    write("zopim", &s).write(&zopim).unwrap();
    write("rocketchat", &s).write(&rocketchat).unwrap();
    let mut b = base();
    b["departments"][1]["name"] = json!("Help");
    write("zopim", &state(b)).write(&renamed).unwrap();

    // Act
    let equal = deskbridge()
        .arg("reconcile")
        .arg(&zopim)
        .arg(&rocketchat)
        .output()
        .unwrap();
    let differ = deskbridge()
        .arg("reconcile")
        .arg(&zopim)
        .arg(&renamed)
        .output()
        .unwrap();
    let error = deskbridge()
        .arg("reconcile")
        .arg(&zopim)
        .arg(temp("nowhere"))
        .output()
        .unwrap();

    // Assert
    assert_eq!(
        equal.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&equal.stdout)
    );
    assert!(String::from_utf8_lossy(&equal.stdout).ends_with("equal\n"));
    assert_eq!(differ.status.code(), Some(1));
    let table = String::from_utf8_lossy(&differ.stdout);
    assert!(
        table.contains("only in A: department \"Support\" (id 2)\n"),
        "{table}"
    );
    assert!(
        table.contains("only in B: department \"Help\" (id 2)\n"),
        "{table}"
    );
    assert!(table.ends_with("2 difference(s)\n"), "{table}");
    assert_eq!(error.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&error.stderr).starts_with("deskbridge: "));
}

#[tokio::test]
async fn the_control_plane_reconciles_a_tenant_with_an_export() {
    // Arrange: the default tenant against a Zopim export of the default data less a member.
    let app = spawn_app().await;
    let mut departments: Value =
        serde_json::from_str(&app.zopim().get("/departments").await.body).unwrap();
    departments[0]["members"] = json!([1]);
    let agents: Value = serde_json::from_str(&app.zopim().get("/agents").await.body).unwrap();

    // Act
    let reply = app
        .request(
            Method::POST,
            "/_gateway/reconcile",
            None,
            Some(&json!({"a": "default", "b": {"format": "zopim", "files": {"departments.json": departments, "agents.json": agents}}}).to_string()),
        )
        .await;

    // Assert
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let report = reply.json();
    assert_eq!(report["equal"], json!(false));
    assert_eq!(
        report["memberships"],
        json!([{"department": "Sales", "only_in_a": ["agent@example.com"], "only_in_b": []}])
    );
    assert_eq!(report["fields"], json!([]));
    assert_eq!(report["b"]["label"], json!("zopim export"));

    let bad = app
        .request(
            Method::POST,
            "/_gateway/reconcile",
            None,
            Some(r#"{"a": "default", "b": "nobody"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.json(),
        json!({"error": "Bad Request", "description": "b: no tenant is called \"nobody\""})
    );
}

#[tokio::test]
async fn the_control_plane_reconciles_an_export_sent_as_its_zip() {
    // Arrange: a Zopim export of the default data less a member, once as files, once zipped
    // (as `GET .../export` gives it; the dashboard sends an uploaded zip so).
    use base64::Engine;
    let app = spawn_app().await;
    let mut departments: Value =
        serde_json::from_str(&app.zopim().get("/departments").await.body).unwrap();
    departments[0]["members"] = json!([1]);
    let agents: Value = serde_json::from_str(&app.zopim().get("/agents").await.body).unwrap();
    let mut files = Files::new();
    files.insert(
        "export/departments.json",
        departments.to_string().into_bytes(),
    );
    files.insert("export/agents.json", agents.to_string().into_bytes());
    let zip = base64::engine::general_purpose::STANDARD.encode(files.to_zip().unwrap());
    let reconcile = |b: Value| {
        let body = json!({"a": "default", "b": b}).to_string();
        let app = &app;
        async move {
            app.request(Method::POST, "/_gateway/reconcile", None, Some(&body))
                .await
        }
    };

    // Act
    let zipped = reconcile(json!({"format": "zopim", "zip": zip})).await;
    let inline = reconcile(json!({"format": "zopim", "files": {
        "departments.json": departments, "agents.json": agents}}))
    .await;

    // Assert: the same report either way, the missing member named.
    assert_eq!(zipped.status, StatusCode::OK, "{}", zipped.body);
    assert_eq!(zipped.json(), inline.json());
    assert_eq!(
        zipped.json()["memberships"],
        json!([{"department": "Sales", "only_in_a": ["agent@example.com"], "only_in_b": []}])
    );

    // Bad zips: each a 400 naming the side's field.
    let not_base64 = reconcile(json!({"format": "zopim", "zip": "%%%"})).await;
    assert_eq!(not_base64.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        not_base64.json(),
        json!({"error": "Bad Request", "description": "b.zip: must be a zip archive in base64"})
    );
    let not_a_zip = reconcile(json!({"format": "zopim", "zip": "bm90IGEgemlw"})).await;
    assert_eq!(not_a_zip.status, StatusCode::BAD_REQUEST);
    let description = not_a_zip.json()["description"].as_str().unwrap().to_owned();
    assert!(
        description.starts_with("b: not a zip archive: "),
        "{description}"
    );
    let both = reconcile(json!({"format": "zopim", "zip": zip, "files": {}})).await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        both.json(),
        json!({"error": "Bad Request",
               "description": "b: give the export as \"files\" or as \"zip\", not both"})
    );
}
