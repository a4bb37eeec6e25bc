//! The vendor-neutral HTTP plumbing: the accept loop and its limits ([`server`], with the
//! header-read timeout in [`head_timeout`]), the prefix table
//! that picks a facade ([`router`]), method + path resolution inside a facade ([`routing`]), what
//! every request goes through on the way ([`layers`]), the trait through which a facade answers
//! and keeps even layer errors in its vendor's shape ([`rescue`]), the strict JSON reader the JSON
//! facades share ([`json`]), encoded bodies kept per state version ([`cache`]), and the gateway's
//! own routes ([`admin`]). Nothing here names a vendor.

pub mod admin;
pub mod cache;
pub mod head_timeout;
pub mod json;
pub mod layers;
pub mod rescue;
pub mod router;
pub mod routing;
pub mod server;

use bytes::Bytes;
use http_body_util::Full;
use http_body_util::combinators::UnsyncBoxBody;

pub use rescue::{Answer, Facade, LayerError};

/// Errors from reading a request body.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request as facades receive it.
pub type Request = http::Request<Body>;

/// A request body as facades receive it: boxed, so that tests can build one in process, and with
/// the instant by which it must have arrived ([`layers::read_body`] enforces it). Kept in the body
/// rather than in the request's extensions, which would cost a map per request. A request that
/// declares no body (most `GET`s) has none here, and costs no box.
pub struct Body {
    inner: Option<UnsyncBoxBody<Bytes, BoxError>>,
    deadline: Option<tokio::time::Instant>,
}

impl Body {
    /// A body with no deadline of its own.
    pub fn new(inner: UnsyncBoxBody<Bytes, BoxError>) -> Self {
        Self {
            inner: Some(inner),
            deadline: None,
        }
    }

    /// No body at all.
    pub fn empty() -> Self {
        Self {
            inner: None,
            deadline: None,
        }
    }

    /// The same body, due by `deadline`.
    pub fn due_by(self, deadline: tokio::time::Instant) -> Self {
        Self {
            deadline: Some(deadline),
            ..self
        }
    }
}

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
