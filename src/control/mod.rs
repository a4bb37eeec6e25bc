//! The control plane: the gateway's own JSON API under `/_gateway/`, which manages tenants (list,
//! create from fixtures, a fork, a snapshot, nothing or a given state; delete; reset; snapshots
//! and restore) and reports the gateway's health and settings. It is a facade like the vendors'
//! ones, with its own error shape (`{"error", "description"}`, `error.rs`) and its own access rule
//! (`--admin-token`), and it names no vendor: the vendors' base paths come from `app.rs` as data.
//! Every route and error is in `docs/tenants.md`.
//!
//! [`Unclaimed`] answers, in the same shape, the paths no facade of a tenant claims.

mod assets;
mod contacts;
mod dashboard;
mod error;
mod faults;
mod handlers;
mod metrics;
mod migration;
mod reply;
mod requests;
mod routes;
mod wire;

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::http::routing::RouteTable;
use crate::http::{Answer, Facade, LayerError, Request, Response};
use crate::tenants::Registry;

pub use error::error_response;

/// The control plane's settings.
#[derive(Debug, Clone, Default)]
pub struct ControlOptions {
    /// The token every route but health needs, when set.
    pub admin_token: Option<String>,
    /// Each vendor API's name and base path (`("zopim", "/api/v2/chat")`), for the base URLs a
    /// tenant is shown with.
    pub vendors: Vec<(&'static str, &'static str)>,
    /// The options a tenant may set, each with the values it takes (from `app.rs`).
    pub tenant_options: &'static [(&'static str, &'static [&'static str])],
    /// The gateway's options, as `GET /_gateway/info` reports them.
    pub summary: Value,
    /// The export formats of import and export (from `app.rs`).
    pub formats: crate::migration::Formats,
    /// The request metrics the pipeline keeps, for `GET /_gateway/metrics`.
    pub metrics: Arc<crate::http::metrics::Metrics>,
    /// The largest body an import or a reconcile takes (`--max-import-bytes`): a whole export,
    /// larger than any vendor request (`--max-body-bytes`, which still applies if larger).
    pub max_import_bytes: usize,
}

/// What every handler needs.
pub(crate) struct Context {
    registry: Arc<Registry>,
    options: ControlOptions,
    /// SHA-256 of the admin token.
    admin_digest: Option<[u8; 32]>,
    routes: RouteTable<routes::Action>,
    started: Instant,
}

/// The control-plane facade.
pub struct Control {
    context: Arc<Context>,
}

impl Control {
    /// The control plane over `registry`.
    pub fn service(registry: Arc<Registry>, options: ControlOptions) -> Arc<dyn Facade> {
        let admin_digest = options
            .admin_token
            .as_deref()
            .map(|token| Sha256::digest(token.as_bytes()).into());
        Arc::new(Control {
            context: Arc::new(Context {
                registry,
                options,
                admin_digest,
                routes: routes::table(),
                started: Instant::now(),
            }),
        })
    }
}

impl Facade for Control {
    fn name(&self) -> &'static str {
        "gateway"
    }

    /// `/_gateway/`; as the prefix table's fallback it also answers every path no vendor
    /// claims.
    fn claims(&self) -> &'static [&'static str] {
        &["/_gateway/"]
    }

    fn handle(&self, request: Request) -> Answer {
        handlers::dispatch(&self.context, request)
            .unwrap_or_else(|e| Answer::Now(e.into_response()))
    }

    fn rescue(&self, error: &LayerError) -> Response {
        error::ControlError::Layer(error.clone()).into_response()
    }

    /// An import's zip and a reconcile's sides are whole exports.
    fn larger_body_limit(&self, method: &http::Method, path: &str) -> Option<usize> {
        let whole_export = path == "/_gateway/reconcile"
            || path
                .strip_prefix("/_gateway/tenants/")
                .is_some_and(|rest| rest.ends_with("/import"));
        (method == http::Method::POST && whole_export)
            .then_some(self.context.options.max_import_bytes)
    }
}

/// The answer, in the control plane's shape, for a path no facade of a tenant claims.
pub struct Unclaimed;

impl Facade for Unclaimed {
    fn name(&self) -> &'static str {
        "gateway"
    }

    fn claims(&self) -> &'static [&'static str] {
        &[]
    }

    fn handle(&self, _: Request) -> Answer {
        Answer::Now(self.rescue(&LayerError::NotFound))
    }

    fn rescue(&self, error: &LayerError) -> Response {
        error::ControlError::Layer(error.clone()).into_response()
    }
}
