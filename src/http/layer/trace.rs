//! Tracing: one span per request (facade, method, path), closed with status and latency at debug
//! level, so that logging a line per request is never what limits throughput.

use std::task::{Context, Poll};
use std::time::Duration;

use tracing::Instrument;

use super::{AnswerService, Answered, Routed, always_ready, answered};
use crate::http::{Answer, Response};

/// Gives each request its span.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer;

impl<S> tower::Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Trace<S> {
        Trace { inner }
    }
}

/// The service [`TraceLayer`] makes.
#[derive(Clone)]
pub struct Trace<S> {
    inner: S,
}

impl<'f, B, S> tower::Service<Routed<'f, B>> for Trace<S>
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
        let span = tracing::debug_span!(
            "request",
            facade = routed.facade.name(),
            method = %routed.request.method(),
            path = %routed.request.uri().path(),
        );
        // Without debug logging the span is disabled: work left for later is passed on as it
        // is, without a wrapper of its own.
        if span.is_disabled() {
            return answered(self.inner.answer(routed));
        }
        let clock = routed.clock;
        let answer = span.in_scope(|| self.inner.answer(routed));
        answered(match answer {
            Answer::Now(response) => {
                closed(&span, clock.took(), &response);
                Answer::Now(response)
            }
            Answer::Later(work) => {
                let arrived = clock.arrived();
                Answer::later(
                    async move {
                        let response = work.await;
                        closed(&tracing::Span::current(), arrived.elapsed(), &response);
                        response
                    }
                    .instrument(span),
                )
            }
        })
    }
}

/// The request's closing line.
fn closed(span: &tracing::Span, took: Duration, response: &Response) {
    span.in_scope(|| {
        tracing::debug!(
            status = response.status().as_u16(),
            latency_us = took.as_micros() as u64,
            "answered"
        )
    });
}
