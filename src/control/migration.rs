//! The control plane's migration routes (docs/migration.md): a tenant's state imported from an
//! export (a zip body), exported as one, and two states reconciled. The formats come from
//! `app.rs` (`ControlOptions::formats`); this file names none.

use std::sync::Arc;

use http::StatusCode;
use serde_json::{Map, Value};

use super::Context;
use super::error::ControlError;
use super::wire::TenantBody;
use crate::http::{Answer, LayerError, Request, Response, read_body, respond};
use crate::migration::compare::{self, Fields, Options, Side};
use crate::migration::{Carries, Files, Format, MigrationError, Site};
use crate::model::State;
use crate::tenants::{Source, Tenant, TenantName};

type Result<T> = std::result::Result<T, ControlError>;

/// The `format` query parameter, looked up.
fn format(ctx: &Context, query: Option<&str>) -> Result<Arc<dyn Format>> {
    let given = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| {
            ControlError::bad(
                "format",
                format!(
                    "is required: one of {}",
                    ctx.options.formats.names().join(", ")
                ),
            )
        })?;
    lookup(ctx, &given, "format")
}

fn lookup(ctx: &Context, name: &str, field: &str) -> Result<Arc<dyn Format>> {
    ctx.options.formats.get(name).cloned().map_err(|_| {
        ControlError::bad(
            field,
            format!(
                "{name:?} is not one of {}",
                ctx.options.formats.names().join(", ")
            ),
        )
    })
}

/// An export refused: 400 naming the file, record and field.
fn refused(e: MigrationError) -> ControlError {
    ControlError::bad("body", e.to_string())
}

/// Runs CPU-heavy work (a whole export read or written) off the request threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ControlError::Layer(LayerError::Internal))
}

/// Where a tenant's bodies say they come from.
fn site(base: &str, tenant: &TenantName) -> Site {
    let mount = if tenant.is_default() {
        String::new()
    } else {
        format!("/t/{tenant}")
    };
    Site {
        origin: format!("{base}{mount}"),
    }
}

/// `POST /_gateway/tenants/{name}/import?format=F`: the zip's state replaces the tenant's, or
/// makes the tenant (201). A bad export changes nothing.
pub fn import(ctx: &Arc<Context>, request: Request, name: String, base: String) -> Result<Answer> {
    let name = TenantName::parse(&name).map_err(|e| ControlError::bad("name", e.to_string()))?;
    let format = format(ctx, request.uri().query())?;
    let ctx = Arc::clone(ctx);
    Ok(later(async move {
        let bytes = read_body(request.into_body()).await?;
        let state = blocking(move || Files::from_zip(&bytes).and_then(|files| format.read(&files)))
            .await?
            .map_err(refused)?;
        let (tenant, status) = match ctx.registry.get(name.as_str()) {
            Some(tenant) => {
                tenant.replace(state).await?;
                (tenant, StatusCode::OK)
            }
            None => (
                ctx.registry
                    .create(name, Source::State(Box::new(state)), None)
                    .await?,
                StatusCode::CREATED,
            ),
        };
        Ok(json(
            status,
            &TenantBody::of(&tenant, &base, &ctx.options.vendors),
        ))
    }))
}

/// `GET /_gateway/tenants/{name}/export?format=F`: the tenant's state as a zip.
pub fn export(ctx: &Context, tenant: &Tenant, query: Option<&str>, base: &str) -> Result<Answer> {
    let format = format(ctx, query)?;
    let state = tenant.store().view();
    let site = site(base, &tenant.name);
    Ok(later(async move {
        let zip = blocking(move || format.write(&state, &site).and_then(|files| files.to_zip()))
            .await?
            .map_err(|e| {
                tracing::error!(error = %e, "writing an export failed");
                ControlError::Layer(LayerError::Internal)
            })?;
        Ok(respond(
            StatusCode::OK,
            http::HeaderValue::from_static("application/zip"),
            zip,
        ))
    }))
}

/// One side of `POST /_gateway/reconcile`: a tenant's name, or `{"format": F, "files": {path:
/// content}}` with each file's text (or its JSON, written out), or `{"format": F, "zip": B64}`.
fn side(ctx: &Context, value: &Value, field: &str) -> Result<(State, &'static Carries, String)> {
    match value {
        Value::String(name) => {
            let tenant = TenantName::parse(name)
                .ok()
                .and_then(|n| ctx.registry.get(n.as_str()))
                .ok_or_else(|| ControlError::bad(field, format!("no tenant is called {name:?}")))?;
            Ok((
                (*tenant.store().view()).clone(),
                &Carries::ALL,
                format!("tenant {name}"),
            ))
        }
        Value::Object(object) => {
            let format_name = object
                .get("format")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ControlError::bad(format!("{field}.format"), "must be a format's name")
                })?;
            let format = lookup(ctx, format_name, &format!("{field}.format"))?;
            let files = inline_files(object, field)?;
            let state = format
                .read(&files)
                .map_err(|e| ControlError::bad(field, e.to_string()))?;
            Ok((state, format.carries(), format!("{format_name} export")))
        }
        _ => Err(ControlError::bad(
            field,
            "must be a tenant's name or {\"format\", \"files\" or \"zip\"}",
        )),
    }
}

/// An inline export's files: `"files": {path: content}`, or `"zip": "<the zip in base64>"` (as
/// `GET .../export` gives it, so that a browser can send the file it holds unopened).
fn inline_files(object: &Map<String, Value>, field: &str) -> Result<Files> {
    match (object.get("files"), object.get("zip")) {
        (Some(_), Some(_)) => Err(ControlError::bad(
            field,
            "give the export as \"files\" or as \"zip\", not both",
        )),
        (None, Some(zip)) => {
            use base64::Engine;
            let bytes = zip
                .as_str()
                .and_then(|text| base64::engine::general_purpose::STANDARD.decode(text).ok())
                .ok_or_else(|| {
                    ControlError::bad(format!("{field}.zip"), "must be a zip archive in base64")
                })?;
            Files::from_zip(&bytes).map_err(|e| ControlError::bad(field, e.to_string()))
        }
        (Some(Value::Object(given)), None) => {
            let mut files = Files::new();
            for (path, content) in given {
                let text = match content {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                files.insert(path.clone(), text.into_bytes());
            }
            Ok(files)
        }
        _ => Err(ControlError::bad(
            format!("{field}.files"),
            "must be an object of file contents",
        )),
    }
}

/// `POST /_gateway/reconcile {"a": ..., "b": ..., "match_ids", "fold_case", "times"}`: the
/// report, whether the two are equal or not (its `equal` says which).
pub fn reconcile(ctx: &Arc<Context>, request: Request) -> Answer {
    let ctx = Arc::clone(ctx);
    later(async move {
        let bytes = read_body(request.into_body()).await?;
        let body = crate::http::json::parse(&bytes)
            .map_err(|e| ControlError::bad("body", e.to_string()))?;
        let Value::Object(body) = body else {
            return Err(ControlError::bad("body", "must be an object"));
        };
        for key in body.keys() {
            if !["a", "b", "match_ids", "fold_case", "times"].contains(&key.as_str()) {
                return Err(ControlError::bad(
                    key.as_str(),
                    "is not a field of a reconcile request",
                ));
            }
        }
        let flag = |key: &str| match body.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(ControlError::bad(key, "must be true or false")),
        };
        let options = Options {
            match_ids: flag("match_ids")?,
            fold_case: flag("fold_case")?,
            times: flag("times")?,
        };
        let missing = |key: &str| ControlError::bad(key, "is required");
        let (a, carries_a, label_a) = side(&ctx, body.get("a").ok_or_else(|| missing("a"))?, "a")?;
        let (b, carries_b, label_b) = side(&ctx, body.get("b").ok_or_else(|| missing("b"))?, "b")?;
        let report = blocking(move || {
            compare::compare(
                Side {
                    label: &label_a,
                    state: &a,
                    carries: carries_a,
                },
                Side {
                    label: &label_b,
                    state: &b,
                    carries: carries_b,
                },
                options,
                Fields::Common,
            )
        })
        .await?;
        Ok(json(StatusCode::OK, &report))
    })
}

fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    respond(
        status,
        crate::http::JSON,
        serde_json::to_vec(body).unwrap_or_default(),
    )
}

fn later(work: impl Future<Output = Result<Response>> + Send + 'static) -> Answer {
    Answer::later(async move { work.await.unwrap_or_else(ControlError::into_response) })
}
