//! The one request pipeline: a tower stack that every request goes through, from the server
//! ([`super::server`]) and from in-process tests alike. Its layers, outermost first, each in
//! [`super::layer`]:
//!
//! 1. **tenant**: which tenant's facades answer (by path prefix, header or host); first, since
//!    routing takes the tenant's prefix table and the path without the tenant's prefix;
//! 2. **route**: the prefix table picks the facade, which from here on answers every failure
//!    (the layers below need it);
//! 3. **metrics**: each request counted by facade, route and status, timed, and counted in
//!    flight; right after routing (its labels name the facade), so that it measures every layer
//!    below, the faults' delays included;
//! 4. **trace**: one span per request, named after the facade the route picked;
//! 5. **journal**: the tenant's request journal gets the request and its answer; after routing
//!    (an entry names the facade) and before the body limit, so that a refused body is journaled
//!    too, with the client's bytes;
//! 6. **faults**: the tenant's fault rules may answer in the facade's shape, delay, or drop the
//!    connection; after the journal, so that a faulted request is journaled with what it got,
//!    and before everything that reads the body or calls the facade, so that a faulted write
//!    changes nothing;
//! 7. **body limit**: an oversized body is refused, and every body is due by the request timeout;
//! 8. **isolate**: a panic becomes the facade's 500, and work that hangs past the deadline and a
//!    grace period is stopped with the facade's 408 (it must see the body's deadline, so it comes
//!    after the body limit);
//! 9. **dispatch**: the facade's own [`Facade::handle`](super::Facade::handle).
//!
//! A layer that must answer in a vendor's shape asks the routed facade for the body
//! ([`Facade::rescue`](super::Facade::rescue)). Each layer answers synchronously ([`Answered`]): a read is
//! answered during the call and builds no future at all, which for an `async` chain of facade,
//! layers and connection was several kilobytes moved several times per request
//! (docs/decisions.md, "Answers now or later").

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::sync::Arc;

use tower::ServiceBuilder;

use super::layer::{
    AnswerService, Answered, Arrived, BodyLimit, BodyLimitLayer, FaultsLayer, Faulty, Isolate,
    IsolateLayer, Journal, JournalLayer, Measured, MetricsLayer, RequestLimits, Route, RouteLayer,
    Routed, Tenancy, Tenant, TenantLayer, Trace, TraceLayer,
};
use super::metrics::Metrics;
use super::{Answer, Body, BoxError, RequestClock, Response};

/// The stack [`Pipeline::new`] builds, innermost last.
type Stack = Tenant<Route<Measured<Trace<Journal<Faulty<BodyLimit<Isolate<Dispatch>>>>>>>>;

/// The gateway's request pipeline. Cloning it is cheap (the tenants' prefix tables are shared);
/// the server keeps one per connection.
#[derive(Clone)]
pub struct Pipeline {
    stack: Stack,
}

impl Pipeline {
    /// The stack over `tenancy`'s facades, in the order the module doc gives and explains.
    pub fn new(tenancy: Tenancy, limits: RequestLimits) -> Self {
        Self::with_metrics(tenancy, limits, Arc::default())
    }

    /// As [`Pipeline::new`], counting into `metrics`.
    pub fn with_metrics(tenancy: Tenancy, limits: RequestLimits, metrics: Arc<Metrics>) -> Self {
        let stack = ServiceBuilder::new()
            .layer(TenantLayer::new(tenancy))
            .layer(RouteLayer)
            .layer(MetricsLayer::new(Arc::clone(&metrics)))
            .layer(TraceLayer)
            .layer(JournalLayer)
            .layer(FaultsLayer::new(metrics))
            .layer(BodyLimitLayer::new(limits))
            .layer(IsolateLayer::new(limits.request_timeout))
            .service(Dispatch);
        Self { stack }
    }

    /// Runs one request, timed by `clock`, through the stack. A facade's [`Answer::Now`] is
    /// passed on as it is: nothing per request is allocated for it.
    pub fn answer<B>(&mut self, request: http::Request<B>, clock: &RequestClock) -> Answer
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + Unpin + 'static,
        B::Error: Into<BoxError>,
    {
        self.stack.answer(Arrived { clock, request })
    }
}

/// The pipeline as a plain HTTP service, whose response is always made: for in-process callers
/// (tests, `tower::ServiceExt::oneshot`). The server uses [`Pipeline::answer`], which keeps a
/// read's answer free of any future.
impl<B> tower::Service<http::Request<B>> for Pipeline
where
    B: hyper::body::Body<Data = bytes::Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let answer = self.answer(request, &RequestClock::now());
        Box::pin(async move { Ok(answer.response().await) })
    }
}

/// The innermost service: the routed facade answers.
#[derive(Debug, Clone, Copy)]
pub struct Dispatch;

impl<'f> tower::Service<Routed<'f, Body>> for Dispatch {
    type Response = Answer;
    type Error = Infallible;
    type Future = Answered;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(
        &mut self,
        Routed {
            facade, request, ..
        }: Routed<'f, Body>,
    ) -> Answered {
        std::future::ready(Ok(facade.handle(request)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::http::PrefixTable;
    use crate::http::{Facade, LayerError, Request, read_body, respond};
    use http::StatusCode;
    use http_body_util::combinators::UnsyncBoxBody;
    use http_body_util::{BodyExt, Full};
    use tower::ServiceExt;

    const TEXT: http::HeaderValue = http::HeaderValue::from_static("text/plain");

    /// A facade whose behaviour depends on the path, and whose rescue names the error it got.
    struct Fake(&'static str, &'static [&'static str]);

    impl Facade for Fake {
        fn name(&self) -> &'static str {
            self.0
        }

        fn claims(&self) -> &'static [&'static str] {
            self.1
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

    fn gateway() -> Pipeline {
        let table = PrefixTable::new(Arc::new(Fake("fallback", &[])))
            .facade(Arc::new(Fake("short", &["/api/v2/"])))
            .facade(Arc::new(Fake("long", &["/api/v2/chat/"])));
        Pipeline::new(
            Tenancy::single(table),
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
