//! The metrics' layer ([`crate::http::metrics`]): each request is counted by facade, route and
//! status, timed from its arrival to its answer ([`RequestClock`](crate::http::RequestClock))
//! into its route's histogram, and counted in flight while it is answered. It comes
//! right after routing (the labels name the facade), before everything it measures. A connection
//! keeps the handles of the route it last used, so a client repeating a request (the common case)
//! makes no label and takes no look-up.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{AnswerService, Answered, Routed, always_ready, answered};
use crate::http::metrics::{Metrics, Series};
use crate::http::{Answer, Response};

/// Counts and times every request.
#[derive(Clone)]
pub struct MetricsLayer {
    metrics: Arc<Metrics>,
}

impl MetricsLayer {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = Measured<S>;

    fn layer(&self, inner: S) -> Measured<S> {
        Measured {
            metrics: Arc::clone(&self.metrics),
            last: None,
            inner,
        }
    }
}

/// The service [`MetricsLayer`] makes; the server keeps one per connection.
#[derive(Clone)]
pub struct Measured<S> {
    metrics: Arc<Metrics>,
    last: Option<Handles>,
    inner: S,
}

/// The series of one (facade, method, path, status).
#[derive(Clone)]
struct Handles {
    facade: &'static str,
    method: http::Method,
    path: Box<str>,
    status: u16,
    series: Arc<Series>,
}

impl Handles {
    fn same_request(&self, facade: &'static str, method: &http::Method, path: &str) -> bool {
        std::ptr::eq(self.facade, facade) && self.method == *method && *self.path == *path
    }

    fn make(
        metrics: &Metrics,
        facade: &'static str,
        method: &http::Method,
        path: &str,
        status: u16,
    ) -> Self {
        Self {
            facade,
            method: method.clone(),
            path: path.into(),
            status,
            series: metrics.series(facade, method, path, status),
        }
    }

    fn observe(&self, took: Duration) {
        self.series.observe(took);
    }
}

impl<'f, B, S> tower::Service<Routed<'f, B>> for Measured<S>
where
    S: AnswerService<Routed<'f, B>>,
{
    type Response = Answer;
    type Error = std::convert::Infallible;
    type Future = Answered;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        always_ready()
    }

    fn call(&mut self, routed: Routed<'f, B>) -> Answered {
        let clock = routed.clock;
        let facade = routed.facade.name();
        let method = routed.request.method().clone();
        // A connection that repeats its last request reuses its handles without copying the
        // path; any other copies it, for the labels it will need.
        let (path, known) = match &self.last {
            Some(h) if h.same_request(facade, &method, routed.request.uri().path()) => (None, true),
            _ => (Some(Box::<str>::from(routed.request.uri().path())), false),
        };
        self.metrics.in_flight.inc();
        let answer = self.inner.answer(routed);
        // The path, when `path` did not copy it: the connection's last request's, the same.
        let last_path =
            |last: &Option<Handles>| last.as_ref().map_or_else(Box::default, |h| h.path.clone());
        answered(match answer {
            Answer::Now(response) => {
                let status = response.status().as_u16();
                let reuse = known && self.last.as_ref().is_some_and(|h| h.status == status);
                if !reuse {
                    let path = path.unwrap_or_else(|| last_path(&self.last));
                    self.last = Some(Handles::make(&self.metrics, facade, &method, &path, status));
                }
                if let Some(handles) = &self.last {
                    handles.observe(clock.took());
                }
                self.metrics.in_flight.dec();
                Answer::Now(response)
            }
            Answer::Later(work) => {
                let metrics = Arc::clone(&self.metrics);
                let path = path.unwrap_or_else(|| last_path(&self.last));
                let arrived = clock.arrived();
                Answer::later(async move {
                    let response: Response = work.await;
                    let status = response.status().as_u16();
                    Handles::make(&metrics, facade, &method, &path, status)
                        .observe(arrived.elapsed());
                    metrics.in_flight.dec();
                    response
                })
            }
        })
    }
}
