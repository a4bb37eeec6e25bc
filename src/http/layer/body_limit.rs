//! The body limit and the deadline for receiving the body. A declared `Content-Length` over the
//! limit (hyper's size hint of the body) is refused before a byte is read, and the body is
//! wrapped so that a chunked body over the limit fails while being read. A body is due by the
//! request timeout; [`read_body`](crate::http::read_body) enforces it, so a client too slow to
//! send it gets the facade's 408 before anything is written.

use std::sync::Arc;
use std::task::{Context, Poll};

use http_body_util::{BodyExt, Limited};

use super::{AnswerService, Answered, RequestLimits, Routed, always_ready, answered};
use crate::http::{Answer, Body, BoxError, LayerError};

/// Limits each request's body.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimitLayer {
    limits: RequestLimits,
}

impl BodyLimitLayer {
    pub fn new(limits: RequestLimits) -> Self {
        Self { limits }
    }
}

impl<S> tower::Layer<S> for BodyLimitLayer {
    type Service = BodyLimit<S>;

    fn layer(&self, inner: S) -> BodyLimit<S> {
        BodyLimit {
            limits: self.limits,
            inner,
        }
    }
}

/// The service [`BodyLimitLayer`] makes.
#[derive(Clone)]
pub struct BodyLimit<S> {
    limits: RequestLimits,
    inner: S,
}

impl<'f, B, S> tower::Service<Routed<'f, B>> for BodyLimit<S>
where
    B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    S: AnswerService<Routed<'f, Body>>,
{
    type Response = Answer;
    type Error = std::convert::Infallible;
    type Future = Answered;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        always_ready()
    }

    fn call(
        &mut self,
        Routed {
            facade,
            watch,
            mount,
            clock,
            request,
        }: Routed<'f, B>,
    ) -> Answered {
        // A request without a body (most reads) reads no clock, and asks the facade for no
        // larger limit: only a body has a deadline and a size.
        let mut request = if request.body().is_end_stream() {
            request.map(|_| Body::empty())
        } else {
            let limit = facade
                .larger_body_limit(request.method(), request.uri().path())
                .map_or(self.limits.max_body_bytes, |larger| {
                    larger.max(self.limits.max_body_bytes)
                });
            // hyper's size hint is the `Content-Length` it parsed (a chunked body's is 0): no
            // second parse of the header here.
            if request.body().size_hint().lower() > limit as u64 {
                return answered(facade.rescue(&LayerError::PayloadTooLarge).into());
            }
            let due = tokio::time::Instant::now() + self.limits.request_timeout;
            request.map(|body| {
                Body::new(Limited::new(body, limit).map_err(Into::into).boxed_unsync()).due_by(due)
            })
        };
        if let Some(mount) = &mount {
            request.body_mut().mounted_at(Arc::clone(mount));
        }
        answered(self.inner.answer(Routed {
            facade,
            watch,
            mount,
            clock,
            request,
        }))
    }
}
