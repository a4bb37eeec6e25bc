//! A request body as facades receive it, and [`read_body`], the one way a facade reads it: whole,
//! within the body limit, by the request's deadline.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;

use super::{BoxError, LayerError};

/// A request body: boxed, so that tests can build one in process, and with the instant by which
/// it must have arrived ([`read_body`] enforces it). Kept in the body rather than in the
/// request's extensions, which would cost a map per request. A request that declares no body
/// (most `GET`s) has none here, and costs no box.
pub struct Body {
    inner: Option<UnsyncBoxBody<Bytes, BoxError>>,
    deadline: Option<tokio::time::Instant>,
    /// The path prefix the gateway took off the request's path before routing (a tenant's
    /// `/t/{name}`), kept here for the same reason as the deadline.
    mount: Option<Arc<str>>,
}

impl Body {
    /// A body with no deadline of its own.
    pub fn new(inner: UnsyncBoxBody<Bytes, BoxError>) -> Self {
        Self {
            inner: Some(inner),
            deadline: None,
            mount: None,
        }
    }

    /// No body at all.
    pub fn empty() -> Self {
        Self {
            inner: None,
            deadline: None,
            mount: None,
        }
    }

    /// The same body, due by `deadline`.
    pub fn due_by(self, deadline: tokio::time::Instant) -> Self {
        Self {
            deadline: Some(deadline),
            ..self
        }
    }

    /// Notes that the client reached the facade under `mount` (`/t/acme`).
    pub fn mounted_at(&mut self, mount: Arc<str>) {
        self.mount = Some(mount);
    }

    /// The path prefix under which the client reached the facade, or `""`: a facade that writes
    /// a URL back (a `Location`) puts it before its own path, so that the client's next request
    /// comes back the same way.
    pub fn mount(&self) -> &str {
        self.mount.as_deref().unwrap_or("")
    }

    /// When the body must have arrived, if it has a deadline.
    pub fn deadline(&self) -> Option<tokio::time::Instant> {
        self.deadline
    }
}

/// Reads a whole body by its deadline, turning the body limit's and the deadline's failures into
/// [`LayerError`]s.
pub async fn read_body(body: Body) -> Result<Bytes, LayerError> {
    let Body {
        inner, deadline, ..
    } = body;
    let Some(inner) = inner else {
        return Ok(Bytes::new());
    };
    let collect = inner.collect();
    let collected = match deadline {
        Some(at) => tokio::time::timeout_at(at, collect)
            .await
            .map_err(|_| LayerError::Timeout)?,
        None => collect.await,
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) => Err(match e.downcast_ref::<http_body_util::LengthLimitError>() {
            Some(_) => LayerError::PayloadTooLarge,
            None => LayerError::BodyUnreadable,
        }),
    }
}
