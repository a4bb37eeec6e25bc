//! One function per control-plane action: read the request, act on the registry, answer.

use std::sync::Arc;

use http::header::{AUTHORIZATION, HOST};
use http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Context;
use super::error::ControlError;
use super::routes::Action;
use super::wire::{self, CreateTenant, SnapshotBody, TenantBody};
use super::{assets, dashboard};
use super::{faults, metrics, requests};
use crate::fixtures::FixtureFile;
use crate::http::{Answer, JSON, LayerError, Request, Response, read_body, respond, respond_empty};
use crate::model::{State, Timestamp};
use crate::tenants::{SnapshotName, Source, Tenant, TenantName};

type Result<T> = std::result::Result<T, ControlError>;

/// Routes, checks the admin token, then runs the action: at once, or later when it reads a body
/// or writes a tenant's state.
pub fn dispatch(ctx: &Arc<Context>, request: Request) -> Result<Answer> {
    let resolved = ctx.routes.resolve(request.method(), request.uri().path())?;
    let action = resolved.action;
    if !action.is_open() {
        authorize(ctx, request.headers())?;
    }
    let named = match resolved.params.get("name") {
        // An import makes the tenant it names when there is none.
        Some(_) if action == Action::ImportTenant => None,
        Some(name) => Some(find_tenant(ctx, name)?),
        None => None,
    };
    let name = resolved.params.get("name").map(str::to_owned);
    // Every route with a tenant in its action names it in its path.
    let tenant = || {
        named
            .clone()
            .ok_or(ControlError::Layer(LayerError::Internal))
    };
    let snapshot = resolved.params.get("snapshot").map(str::to_owned);
    let base = base_url(request.headers());
    let response = match action {
        Action::ImportTenant => {
            let name = name.ok_or(ControlError::Layer(LayerError::Internal))?;
            return super::migration::import(ctx, request, name, base);
        }
        Action::ExportTenant => {
            return super::migration::export(ctx, &*tenant()?, request.uri().query(), &base);
        }
        Action::Reconcile => return Ok(super::migration::reconcile(ctx, request)),
        Action::Health => respond(StatusCode::OK, JSON, r#"{"status":"ok"}"#),
        Action::DashboardRedirect => assets::redirect(),
        Action::Dashboard => assets::serve("index.html")?,
        Action::DashboardAsset => assets::serve(resolved.params.get("file").unwrap_or_default())?,
        Action::Records => {
            let tenant = tenant()?;
            let state = tenant.store().view();
            json(
                StatusCode::OK,
                &dashboard::records(tenant.name.as_str(), &state),
            )
        }
        Action::DepartmentViews => {
            let id = dashboard::department_id(resolved.params.get("id").unwrap_or_default())?;
            let tenant = tenant()?;
            // The facades write their own URLs under the tenant's base, as they do for a client.
            let origin = if tenant.name.is_default() {
                base
            } else {
                format!("{base}/t/{}", tenant.name.as_str())
            };
            return Ok(later(async move {
                let views = dashboard::views(&tenant, id.0, &origin).await?;
                Ok(json(StatusCode::OK, &views))
            }));
        }
        Action::Info => json(StatusCode::OK, &info(ctx)),
        Action::Metrics => metrics::scrape(&ctx.registry, &ctx.options.metrics),
        Action::ListTenants => {
            let tenants: Vec<TenantBody> = ctx
                .registry
                .list()
                .iter()
                .map(|t| TenantBody::of(t, &base, &ctx.options.vendors))
                .collect();
            json(StatusCode::OK, &serde_json::json!({ "tenants": tenants }))
        }
        Action::ShowTenant => json(
            StatusCode::OK,
            &TenantBody::of(&*tenant()?, &base, &ctx.options.vendors),
        ),
        // The whole state as a fixture document: secrets as hashes and digests only.
        Action::ShowState => {
            let state = tenant()?.store().view();
            let document = crate::fixtures::export(&state);
            json(StatusCode::OK, &document)
        }
        Action::ShowContacts => {
            let state = tenant()?.store().view();
            json(StatusCode::OK, &super::contacts::ContactsBody::of(&state))
        }
        Action::ReplaceState => {
            let (ctx, tenant) = (Arc::clone(ctx), tenant()?);
            return Ok(later(async move {
                let bytes = read_body(request.into_body()).await?;
                let text = std::str::from_utf8(&bytes)
                    .map_err(|_| ControlError::bad("body", "must be UTF-8"))?;
                tenant.replace(load(text, "body")?).await?;
                Ok(json(
                    StatusCode::OK,
                    &TenantBody::of(&tenant, &base, &ctx.options.vendors),
                ))
            }));
        }
        Action::DeleteTenant => {
            let (ctx, tenant) = (Arc::clone(ctx), tenant()?);
            return Ok(later(async move {
                ctx.registry.delete(&tenant.name).await?;
                Ok(respond_empty(StatusCode::NO_CONTENT))
            }));
        }
        Action::ListSnapshots => {
            let snapshots: Vec<SnapshotBody> = tenant()?
                .snapshots()
                .iter()
                .map(|(name, snapshot)| SnapshotBody::of(name, snapshot))
                .collect();
            json(
                StatusCode::OK,
                &serde_json::json!({ "snapshots": snapshots }),
            )
        }
        Action::DeleteSnapshot => {
            let name = SnapshotName::parse(snapshot.as_deref().unwrap_or_default())
                .map_err(|_| ControlError::Layer(LayerError::NotFound))?;
            let tenant = tenant()?;
            return Ok(later(async move {
                tenant.delete_snapshot(&name).await?;
                Ok(respond_empty(StatusCode::NO_CONTENT))
            }));
        }
        Action::CreateTenant => {
            let ctx = Arc::clone(ctx);
            return Ok(later(async move { create(&ctx, request, &base).await }));
        }
        Action::ResetTenant => {
            let (ctx, tenant) = (Arc::clone(ctx), tenant()?);
            return Ok(later(async move {
                tenant.reset().await?;
                Ok(json(
                    StatusCode::OK,
                    &TenantBody::of(&tenant, &base, &ctx.options.vendors),
                ))
            }));
        }
        Action::TakeSnapshot => {
            let tenant = tenant()?;
            return Ok(later(async move {
                let name = wire::snapshot_request(json_body(request).await?)?;
                let snapshot = tenant.snapshot(name.clone()).await?;
                Ok(json(
                    StatusCode::CREATED,
                    &SnapshotBody::of(&name, &snapshot),
                ))
            }));
        }
        Action::ListRequests => return requests::list(&*tenant()?, &request),
        Action::CountRequests => return requests::count(tenant()?, request),
        Action::ClearRequests => return requests::clear(&*tenant()?),
        Action::StreamRequests => return requests::stream(&*tenant()?, &request),
        Action::AddFault => return faults::add(tenant()?, request),
        Action::ListFaults => return faults::list(&*tenant()?),
        Action::ClearFaults => return faults::clear(&*tenant()?),
        Action::DeleteFault => {
            return faults::delete(&*tenant()?, resolved.params.get("fault").unwrap_or(""));
        }
        Action::Restore => {
            let (ctx, tenant) = (Arc::clone(ctx), tenant()?);
            return Ok(later(async move {
                let name = wire::restore_request(json_body(request).await?)?;
                tenant.restore(&name).await?;
                Ok(json(
                    StatusCode::OK,
                    &TenantBody::of(&tenant, &base, &ctx.options.vendors),
                ))
            }));
        }
    };
    Ok(Answer::Now(response))
}

/// `POST /_gateway/tenants`.
async fn create(ctx: &Context, request: Request, base: &str) -> Result<Response> {
    let CreateTenant {
        name,
        from,
        options,
    } = CreateTenant::read(json_body(request).await?, ctx.options.tenant_options)?;
    let source = match from {
        wire::From::Fixtures => Source::Fixtures,
        wire::From::Tenant(tenant) => Source::Fork(tenant),
        wire::From::Snapshot { tenant, snapshot } => Source::Snapshot { tenant, snapshot },
        wire::From::Empty => Source::Empty,
        wire::From::State(document) => {
            Source::State(Box::new(load(&document.to_string(), "from.state")?))
        }
    };
    let tenant = ctx.registry.create(name, source, options).await?;
    Ok(json(
        StatusCode::CREATED,
        &TenantBody::of(&tenant, base, &ctx.options.vendors),
    ))
}

/// A fixture document, loaded and validated whole; a bad one is a 400 naming `field` and the
/// entry.
fn load(text: &str, field: &str) -> Result<State> {
    FixtureFile::parse(text, Timestamp::now())
        .and_then(FixtureFile::into_state)
        .map_err(|e| ControlError::bad(field, e.to_string()))
}

/// The tenant a path names; a name that is no DNS label names none.
fn find_tenant(ctx: &Context, name: &str) -> Result<Arc<Tenant>> {
    match TenantName::parse(name) {
        Ok(name) => Ok(ctx.registry.find(&name)?),
        Err(_) => Err(ControlError::Layer(LayerError::NotFound)),
    }
}

/// With `--admin-token`, the request must carry `Authorization: Bearer <token>`.
fn authorize(ctx: &Context, headers: &HeaderMap) -> Result<()> {
    let Some(wanted) = &ctx.admin_digest else {
        return Ok(());
    };
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ControlError::Unauthorized)?;
    // Digests are compared, not the tokens: a comparison that stops early tells an attacker
    // only how much of a SHA-256 digest they matched, which does not help find the token.
    if Sha256::digest(given.as_bytes()).as_slice() == wanted.as_slice() {
        Ok(())
    } else {
        Err(ControlError::Unauthorized)
    }
}

/// `http://{Host}`, the base of the URLs the control plane writes.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

#[derive(Serialize)]
struct Info<'a> {
    version: &'static str,
    uptime_s: u64,
    tenants: usize,
    max_tenants: usize,
    options: &'a Value,
}

fn info(ctx: &Context) -> Info<'_> {
    Info {
        version: env!("CARGO_PKG_VERSION"),
        uptime_s: ctx.started.elapsed().as_secs(),
        tenants: ctx.registry.len(),
        max_tenants: ctx.registry.options().max_tenants,
        options: &ctx.options.summary,
    }
}

/// The body, read as strict JSON (duplicate keys refused).
async fn json_body(request: Request) -> Result<Value> {
    let bytes = read_body(request.into_body()).await?;
    crate::http::json::parse(&bytes).map_err(|e| ControlError::bad("body", e.to_string()))
}

fn json(status: StatusCode, body: &impl Serialize) -> Response {
    respond(status, JSON, serde_json::to_vec(body).unwrap_or_default())
}

fn later(work: impl Future<Output = Result<Response>> + Send + 'static) -> Answer {
    Answer::later(async move { work.await.unwrap_or_else(ControlError::into_response) })
}
