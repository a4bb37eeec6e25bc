//! What every request goes through, outermost first:
//!
//! 1. **trace**: one span per request (facade, method, path), closed with status and latency at
//!    debug level, so logging a line per request is never what limits throughput;
//! 2. **route**: the prefix table picks the facade, which from here on answers every failure;
//! 3. **body limit**: a declared `Content-Length` over the limit (hyper's size hint of the body)
//!    is refused before a byte is read, and the body is wrapped so that a chunked body over the
//!    limit fails while being read;
//! 4. **deadline + isolation**: the request timeout is a deadline for receiving the body, which
//!    [`read_body`] enforces; a client too slow to send it gets the facade's 408 before anything
//!    is written. A panic in the facade's call, or in the work it leaves for later, is caught and
//!    ends in the facade's 500. Most requests are answered during the call
//!    ([`Answer::Now`](super::Answer)), so nothing else happens to them. Work left for later
//!    that has its body only does bounded work (in memory, and with `--data-dir` waiting for its
//!    write's journal commit) and is let finish, so a write that commits is never reported as
//!    failed; a guard one grace period past the deadline stops (drops) work that hangs all the
//!    same (a dropped write still commits or fails whole: the commit thread owns it).
//!
//! [`Gateway`] is the tower service made of these steps; the server drives it through hyper.

use std::convert::Infallible;
use std::future::Future;
use std::ops::Not;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use http_body_util::{BodyExt, Limited};
use tracing::Instrument;

use super::router::Router;
use super::{Answer, Body, LayerError, Request, Response};

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

    /// Runs one request through the layers. A facade's [`Answer::Now`] is passed on as it is:
    /// nothing per request is allocated for it. The body is boxed once, here, with the limit.
    pub fn handle<B>(&self, request: http::Request<B>) -> Answer
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<super::BoxError>,
    {
        let facade = self.router.facade_for(request.uri().path());
        let span = tracing::debug_span!(
            "request",
            facade = facade.name(),
            method = %request.method(),
            path = %request.uri().path(),
        );
        // The clock is read only when the closing line will be written.
        let started = span.is_disabled().not().then(Instant::now);
        let (answer, deadline) = span.in_scope(|| self.limited(&**facade, request));
        match answer {
            Answer::Now(response) => {
                answered(&span, started, &response);
                Answer::Now(response)
            }
            Answer::Later(work) => {
                let deadline = deadline
                    .unwrap_or_else(|| tokio::time::Instant::now() + self.limits.request_timeout);
                let facade = Arc::clone(facade);
                let guarded = async move {
                    let response = guard(&*facade, work, deadline).await;
                    answered(&tracing::Span::current(), started, &response);
                    response
                };
                Answer::later(guarded.instrument(span))
            }
        }
    }

    /// The body limit, the deadline, and the facade's call, a panic in it caught. Also gives the
    /// deadline when the request has a body, which [`guard`] needs if the answer is left for
    /// later. A request without one (most reads) reads no clock here: what it is answered with
    /// at once needs no deadline, and work left for later takes its deadline when it is left.
    fn limited<B>(
        &self,
        facade: &dyn super::Facade,
        request: http::Request<B>,
    ) -> (Answer, Option<tokio::time::Instant>)
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<super::BoxError>,
    {
        let limit = self.limits.max_body_bytes;
        // hyper's size hint is the `Content-Length` it parsed (a chunked body's is 0): no
        // second parse of the header here.
        let declared = request.body().size_hint().lower();
        if declared > limit as u64 {
            return (facade.rescue(&LayerError::PayloadTooLarge).into(), None);
        }
        let deadline = (!request.body().is_end_stream())
            .then(|| tokio::time::Instant::now() + self.limits.request_timeout);
        let request: Request = request.map(|body| match deadline {
            Some(due) => {
                Body::new(Limited::new(body, limit).map_err(Into::into).boxed_unsync()).due_by(due)
            }
            None => Body::empty(),
        });
        // The facade runs on the connection's task, not a spawned one: a spawn per request cost a
        // cross-thread wake-up and a context switch per request (docs/performance.md).
        let answer = std::panic::catch_unwind(AssertUnwindSafe(|| facade.handle(request)))
            .unwrap_or_else(|panic| Answer::Now(panicked(facade, &*panic)));
        (answer, deadline)
    }
}

/// Runs work a facade left for later: a panic in it is caught, and a guard one grace period past
/// the deadline stops it if it hangs. Most of it is ready on its first poll (an in-memory write
/// with its body already read); only work that has to wait gets the guard's timer.
async fn guard(
    facade: &dyn super::Facade,
    work: Pin<Box<dyn Future<Output = Response> + Send>>,
    deadline: tokio::time::Instant,
) -> Response {
    let mut work = std::pin::pin!(AssertUnwindSafe(work).catch_unwind());
    let first = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
    let outcome = match first {
        Poll::Ready(outcome) => Ok(outcome),
        Poll::Pending => tokio::time::timeout_at(deadline + HANDLER_GRACE, work).await,
    };
    match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(panic)) => panicked(facade, &*panic),
        Err(_) => {
            tracing::error!("handler still running past the request deadline; stopped");
            facade.rescue(&LayerError::Timeout)
        }
    }
}

/// Logs a handler's panic and answers with the facade's internal error.
fn panicked(facade: &dyn super::Facade, panic: &(dyn std::any::Any + Send)) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-string panic payload");
    tracing::error!(panic = message, "handler panicked");
    facade.rescue(&LayerError::Internal)
}

/// The request's closing line, when debug logging is on.
fn answered(span: &tracing::Span, started: Option<Instant>, response: &Response) {
    if let Some(started) = started {
        span.in_scope(|| {
            tracing::debug!(
                status = response.status().as_u16(),
                latency_us = started.elapsed().as_micros() as u64,
                "answered"
            )
        });
    }
}

/// How long past the request deadline a handler that already has its body may run.
const HANDLER_GRACE: Duration = Duration::from_secs(5);

/// Reads a whole body by the request's deadline, turning the body limit's and the deadline's
/// failures into [`LayerError`]s.
pub async fn read_body(body: Body) -> Result<bytes::Bytes, LayerError> {
    let Body { inner, deadline } = body;
    let Some(inner) = inner else {
        return Ok(bytes::Bytes::new());
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

impl<B> tower::Service<http::Request<B>> for Gateway
where
    B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<super::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let answer = self.handle(request);
        Box::pin(async move { Ok(answer.response().await) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Facade, respond};
    use http::StatusCode;
    use http_body_util::combinators::UnsyncBoxBody;
    use http_body_util::{BodyExt, Full};
    use tower::ServiceExt;

    const TEXT: http::HeaderValue = http::HeaderValue::from_static("text/plain");

    /// A facade whose behaviour depends on the path, and whose rescue names the error it got.
    struct Fake(&'static str);

    impl Facade for Fake {
        fn name(&self) -> &'static str {
            self.0
        }

        fn handle(&self, request: Request) -> Answer {
            let name = self.0;
            let last = request.uri().path().rsplit('/').next().unwrap_or("");
            match last {
                "slow" => Answer::later(async {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    respond(StatusCode::OK, TEXT, "late")
                }),
                "hang" => Answer::later(async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    respond(StatusCode::OK, TEXT, "never")
                }),
                "panic" => panic!("handler bug"),
                "panic-later" => Answer::later(async {
                    tokio::task::yield_now().await;
                    panic!("handler bug, after waiting")
                }),
                "echo" => Answer::later(async move {
                    match read_body(request.into_body()).await {
                        Ok(bytes) => respond(StatusCode::OK, TEXT, bytes),
                        Err(e) => respond(StatusCode::IM_A_TEAPOT, TEXT, format!("{e:?}")),
                    }
                }),
                _ => respond(StatusCode::OK, TEXT, name).into(),
            }
        }

        fn rescue(&self, error: &LayerError) -> Response {
            respond(
                StatusCode::IM_A_TEAPOT,
                TEXT,
                format!("{} rescued {error:?}", self.0),
            )
        }
    }

    fn gateway() -> Gateway {
        let router = Router::new(Arc::new(Fake("fallback")))
            .route("/api/v2/", Arc::new(Fake("short")))
            .route("/api/v2/chat/", Arc::new(Fake("long")));
        Gateway::new(
            router,
            RequestLimits {
                max_body_bytes: 16,
                request_timeout: Duration::from_millis(100),
            },
        )
    }

    fn request(
        path: &str,
        body: &'static str,
    ) -> http::Request<UnsyncBoxBody<bytes::Bytes, crate::http::BoxError>> {
        http::Request::builder()
            .uri(path)
            .body(
                Full::new(bytes::Bytes::from_static(body.as_bytes()))
                    .map_err(|e| match e {})
                    .boxed_unsync(),
            )
            .unwrap()
    }

    async fn text(response: Response) -> String {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// The text the gateway answers `request` with.
    async fn answer(
        request: http::Request<UnsyncBoxBody<bytes::Bytes, crate::http::BoxError>>,
    ) -> String {
        text(gateway().oneshot(request).await.unwrap()).await
    }

    #[tokio::test]
    async fn the_longest_matching_prefix_wins_and_the_rest_falls_back() {
        for (path, facade) in [
            ("/api/v2/chat/x", "long"),
            ("/api/v2/x", "short"),
            ("/api/v1/x", "fallback"),
        ] {
            assert_eq!(answer(request(path, "")).await, facade, "{path}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_handler_hanging_past_the_deadline_and_grace_is_answered_by_its_facades_rescue() {
        assert_eq!(
            answer(request("/api/v2/hang", "")).await,
            "short rescued Timeout"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_handler_slower_than_the_deadline_but_within_the_grace_is_let_finish() {
        assert_eq!(answer(request("/api/v2/slow", "")).await, "late");
    }

    #[tokio::test]
    async fn a_panicking_handler_becomes_an_internal_error_in_the_facades_shape() {
        // During the call, and in work left for later.
        for path in ["/api/v2/chat/panic", "/api/v2/chat/panic-later"] {
            assert_eq!(
                answer(request(path, "")).await,
                "long rescued Internal",
                "{path}"
            );
        }
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_is_refused_before_reading() {
        /// A body that declares its length, as hyper's does from `Content-Length`, and must not
        /// be read.
        struct Declared(u64);
        impl hyper::body::Body for Declared {
            type Data = bytes::Bytes;
            type Error = crate::http::BoxError;
            fn poll_frame(
                self: Pin<&mut Self>,
                _: &mut Context<'_>,
            ) -> Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, Self::Error>>> {
                panic!("a body over the limit was read")
            }
            fn size_hint(&self) -> hyper::body::SizeHint {
                hyper::body::SizeHint::with_exact(self.0)
            }
        }
        let req = http::Request::builder()
            .uri("/api/v2/echo")
            .body(Declared(17).boxed_unsync())
            .unwrap();
        assert_eq!(answer(req).await, "short rescued PayloadTooLarge");
        let req = http::Request::builder()
            .uri("/api/v2/echo")
            .body(
                Full::new(bytes::Bytes::from_static(b"0123456789abcdef"))
                    .map_err(|e| match e {})
                    .boxed_unsync(),
            )
            .unwrap();
        assert_eq!(
            answer(req).await,
            "0123456789abcdef",
            "the limit itself is allowed"
        );
    }

    #[tokio::test]
    async fn an_undeclared_body_over_the_limit_fails_while_being_read() {
        // Chunked: two frames, no length declared.
        let frames = ["01234567", "89abcdefg"].map(|chunk| {
            Ok(hyper::body::Frame::data(bytes::Bytes::from_static(
                chunk.as_bytes(),
            )))
        });
        let req = http::Request::builder()
            .uri("/api/v2/echo")
            .body(
                http_body_util::StreamBody::new(futures_util::stream::iter(frames)).boxed_unsync(),
            )
            .unwrap();
        assert_eq!(answer(req).await, "PayloadTooLarge");
        assert_eq!(
            answer(request("/api/v2/echo", "0123456789abcdef")).await,
            "0123456789abcdef"
        );
    }

    #[tokio::test]
    async fn a_request_without_a_body_reads_as_no_bytes() {
        assert_eq!(answer(request("/api/v2/echo", "")).await, "");
    }
}
