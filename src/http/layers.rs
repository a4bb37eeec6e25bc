//! What every request goes through, outermost first:
//!
//! 1. **trace**: one span per request (facade, method, path), closed with status and latency at
//!    debug level, so logging a line per request is never what limits throughput;
//! 2. **route**: the prefix table picks the facade, which from here on answers every failure;
//! 3. **body limit**: a declared `Content-Length` over the limit is refused before a byte is read,
//!    and the body is wrapped so that a chunked body over the limit fails while being read;
//! 4. **timeout + isolation**: the facade runs in its own task under the request timeout, so a
//!    slow request and a panicking handler both end in the facade's own error shape.
//!
//! [`Gateway`] is the tower service made of these steps; the server drives it through hyper.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Limited};
use tracing::Instrument;

use super::router::Router;
use super::{LayerError, Request, Response};

/// Limits applied to each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Largest body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take from its head being read to its response being ready.
    pub request_timeout: Duration,
}

/// The gateway as one tower service.
#[derive(Clone)]
pub struct Gateway {
    router: Arc<Router>,
    limits: RequestLimits,
}

impl Gateway {
    pub fn new(router: Router, limits: RequestLimits) -> Self {
        Self {
            router: Arc::new(router),
            limits,
        }
    }

    /// Runs one request through the layers.
    pub async fn handle(&self, request: Request) -> Response {
        let started = Instant::now();
        let facade = Arc::clone(self.router.facade_for(request.uri().path()));
        let span = tracing::debug_span!(
            "request",
            facade = facade.name(),
            method = %request.method(),
            path = %request.uri().path(),
        );
        let response = self.limited(facade, request).instrument(span.clone()).await;
        span.in_scope(|| {
            tracing::debug!(
                status = response.status().as_u16(),
                latency_us = started.elapsed().as_micros() as u64,
                "answered"
            )
        });
        response
    }

    async fn limited(&self, facade: Arc<dyn super::Facade>, request: Request) -> Response {
        let limit = self.limits.max_body_bytes;
        let declared = request
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return facade.rescue(&LayerError::PayloadTooLarge);
        }
        let request = request.map(|body| Limited::new(body, limit).boxed_unsync());

        let worker = Arc::clone(&facade);
        let task = tokio::spawn(async move { worker.handle(request).await }.in_current_span());
        match tokio::time::timeout(self.limits.request_timeout, task).await {
            Ok(Ok(response)) => response,
            Ok(Err(join)) => {
                tracing::error!(error = %join, "handler failed");
                facade.rescue(&LayerError::Internal)
            }
            Err(_) => facade.rescue(&LayerError::Timeout),
        }
    }
}

/// Reads a whole body, turning the body-limit layer's failure into a [`LayerError`].
pub async fn read_body(request: Request) -> Result<bytes::Bytes, LayerError> {
    match request.into_body().collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) => Err(match e.downcast_ref::<http_body_util::LengthLimitError>() {
            Some(_) => LayerError::PayloadTooLarge,
            None => LayerError::BodyUnreadable,
        }),
    }
}

impl tower::Service<Request> for Gateway {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let gateway = self.clone();
        Box::pin(async move { Ok(gateway.handle(request).await) })
    }
}
