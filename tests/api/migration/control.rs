//! Import and export through the control plane and the command line: for every format, export,
//! import and export again give identical files; an import makes a tenant that every facade
//! then serves; `deskbridge import`, `export` and `reconcile` against a running gateway.

use std::process::Command;

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{RICH, all_formats};
use crate::helpers::{TestApp, spawn_app_on};

async fn export(
    app: &TestApp,
    tenant: &str,
    format: &str,
) -> (StatusCode, Option<String>, Vec<u8>) {
    let response = app
        .client
        .get(app.url(&format!(
            "/_gateway/tenants/{tenant}/export?format={format}"
        )))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, kind, response.bytes().await.unwrap().to_vec())
}

async fn import(app: &TestApp, tenant: &str, format: &str, zip: Vec<u8>) -> crate::helpers::Reply {
    app.send(
        app.client
            .post(app.url(&format!(
                "/_gateway/tenants/{tenant}/import?format={format}"
            )))
            .body(zip),
    )
    .await
}

#[tokio::test]
async fn export_import_export_gives_identical_files_for_every_format() {
    let app = spawn_app_on(RICH).await;
    for format in all_formats() {
        // Arrange: the tenant holds what this format carries.
        let (status, kind, zip) = export(&app, "default", format).await;
        assert_eq!(
            (status, kind.as_deref()),
            (StatusCode::OK, Some("application/zip")),
            "{format}"
        );
        let replaced = import(&app, "default", format, zip).await;
        assert_eq!(
            replaced.status,
            StatusCode::OK,
            "{format}: {}",
            replaced.body
        );
        let (_, _, first) = export(&app, "default", format).await;

        // Act
        let again = import(&app, "default", format, first.clone()).await;
        let (_, _, second) = export(&app, "default", format).await;

        // Assert
        assert_eq!(again.status, StatusCode::OK, "{format}");
        assert_eq!(first, second, "{format}");
        app.assert_invariants();
    }
}

#[tokio::test]
async fn an_import_makes_the_tenant_it_names_and_every_facade_serves_it() {
    let app = spawn_app_on(RICH).await;
    let (_, _, zip) = export(&app, "default", "zopim").await;

    let created = import(&app, "copy", "zopim", zip).await;

    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["name"], json!("copy"));
    assert_eq!(
        created.json()["counts"],
        json!({"departments": 3, "agents": 3, "memberships": 5})
    );
    let groups = app
        .request(Method::GET, "/t/copy/groups.xml", None, None)
        .await;
    assert_eq!(
        groups.status,
        StatusCode::UNAUTHORIZED,
        "the imported tenant has no passwords"
    );
    let missing = app
        .request(
            Method::GET,
            "/_gateway/tenants/nobody/export?format=zopim",
            None,
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
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

#[tokio::test]
async fn the_command_line_imports_exports_and_reconciles_against_a_running_gateway() {
    // Arrange: a Zopim export on disk.
    let app = spawn_app_on(RICH).await;
    let dir = std::env::temp_dir().join(format!("deskbridge-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (_, _, zip) = export(&app, "default", "zopim").await;
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("zopim.zip"), zip).unwrap();
    let base = app.base.clone();

    // Act: import it into `source`, export that as Rocket.Chat, reconcile both ways.
    let run = move |args: Vec<String>| {
        let out = deskbridge().args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let d = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let s = |x: &str| x.to_owned();
    let commands = vec![
        vec![
            s("import"),
            s("--format"),
            s("zopim"),
            d("zopim.zip"),
            s("--gateway"),
            base.clone(),
            s("--tenant"),
            s("source"),
        ],
        vec![
            s("export"),
            s("--format"),
            s("rocketchat"),
            d("rc.zip"),
            s("--gateway"),
            base.clone(),
            s("--tenant"),
            s("source"),
        ],
        vec![s("reconcile"), d("zopim.zip"), format!("{base}/t/source")],
        vec![s("reconcile"), d("rc.zip"), d("zopim.zip")],
    ];
    let outcomes =
        tokio::task::spawn_blocking(move || commands.into_iter().map(run).collect::<Vec<_>>())
            .await
            .unwrap();

    // Assert
    for (code, stdout, stderr) in &outcomes {
        assert_eq!(*code, Some(0), "{stdout}{stderr}");
    }
    assert!(
        outcomes[0].1.contains(r#""name":"source""#),
        "{}",
        outcomes[0].1
    );
    assert_eq!(
        outcomes[1].1,
        format!("5 file(s) written to {}\n", dir.join("rc.zip").display())
    );
    assert!(outcomes[2].1.ends_with("equal\n"));
}

#[tokio::test]
async fn with_an_admin_token_the_migration_routes_need_it() {
    let app =
        crate::helpers::spawn_app_with(|c| c.admin_token = Some("migration-admin".into())).await;
    let paths = [
        (Method::POST, "/_gateway/tenants/x/import?format=zopim"),
        (Method::GET, "/_gateway/tenants/default/export?format=zopim"),
        (Method::POST, "/_gateway/reconcile"),
    ];
    for (method, path) in paths {
        let reply = app.request(method.clone(), path, None, Some("{}")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(
            reply.json(),
            json!({"error": "Unauthorized", "description": "This route needs Authorization: Bearer <the admin token>"})
        );
    }
    let (status, _, _) = {
        let response = app
            .client
            .get(app.url("/_gateway/tenants/default/export?format=zopim"))
            .bearer_auth("migration-admin")
            .send()
            .await
            .unwrap();
        (response.status(), (), ())
    };
    assert_eq!(status, StatusCode::OK);
}
