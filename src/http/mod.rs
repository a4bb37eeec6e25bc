//! The vendor-neutral HTTP plumbing. Nothing here names a vendor.
//!
//! - [`server`]: the accept loop and the connection cap; [`connection`]: a connection served
//!   until it ends, its header-read timeout passes ([`head_timeout`]) or the server drains;
//! - [`pipeline`]: the one tower stack every request goes through, whose layers are in [`layer`];
//! - [`prefixes`]: the table that picks a facade by path prefix;
//! - [`facade`]: the [`Facade`] trait through which a vendor answers, layer errors included, and
//!   the [`Answer`] it gives;
//! - [`body`]: the request body and [`read_body`];
//! - [`routing`]: method + path resolution inside a facade;
//! - [`journal`]: the per-tenant request journal; [`faults`]: the per-tenant faults; [`watch`]: what is kept per tenant to see and
//!   perturb its traffic;
//! - [`metrics`]: the Prometheus metrics the layers keep;
//! - [`special`]: answers the server treats specially (streamed, or dropped);
//! - [`json`]: the strict JSON reader the JSON facades share; [`cache`]: encoded bodies kept per
//!   state version. The gateway's own routes are a facade of their own (`crate::control`).

pub mod body;
pub mod cache;
pub mod connection;
pub mod cores;
pub mod facade;
pub mod faults;
pub mod head_timeout;
pub mod journal;
pub mod json;
pub mod layer;
pub mod metrics;
pub mod pipeline;
pub mod prefixes;
pub mod request_clock;
pub mod routing;
pub mod server;
pub mod special;
pub mod watch;

use bytes::Bytes;
use http_body_util::Full;

pub use body::{Body, read_body};
pub use facade::{Answer, Facade, LayerError, Shown};
pub use layer::RequestLimits;
pub use layer::{Tenancy, TenantDirectory, TenantTable};
pub use pipeline::Pipeline;
pub use prefixes::PrefixTable;
pub use request_clock::RequestClock;
pub use watch::TenantWatch;

/// Errors from reading a request body.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request as facades receive it.
pub type Request = http::Request<Body>;

/// Every response body is whole in memory.
pub type Response = http::Response<Full<Bytes>>;

/// `Content-Type: application/json`, the JSON facades' and the gateway's own.
pub const JSON: http::HeaderValue = http::HeaderValue::from_static("application/json");

/// A response with a status, a content type and a body. The content type is a `HeaderValue`
/// made in a `const` (as [`JSON`]), so no request checks its bytes again.
pub fn respond(
    status: http::StatusCode,
    content_type: http::HeaderValue,
    body: impl Into<Bytes>,
) -> Response {
    let mut response = http::Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, content_type);
    response
}

/// A response with no body and no content type (204, or 200 where a vendor sends nothing).
pub fn respond_empty(status: http::StatusCode) -> Response {
    let mut response = http::Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}
