//! Isolation: a panic in the facade's call, or in the work it leaves for later, is caught and
//! ends in the facade's 500. Work left for later that has its body only does bounded work (in
//! memory, and with `--data-dir` waiting for its write's journal commit) and is let finish, so a
//! write that commits is never reported as failed; a guard one grace period past the deadline
//! stops (drops) work that hangs all the same (a dropped write still commits or fails whole: the
//! commit thread owns it).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::FutureExt;

use super::{AnswerService, Answered, Routed, always_ready, answered};
use crate::http::{Answer, Body, Facade, LayerError, Response};

/// How long past the request deadline a handler that already has its body may run.
const HANDLER_GRACE: Duration = Duration::from_secs(5);

/// Catches panics and stops work that hangs.
#[derive(Debug, Clone, Copy)]
pub struct IsolateLayer {
    request_timeout: Duration,
}

impl IsolateLayer {
    pub fn new(request_timeout: Duration) -> Self {
        Self { request_timeout }
    }
}

impl<S> tower::Layer<S> for IsolateLayer {
    type Service = Isolate<S>;

    fn layer(&self, inner: S) -> Isolate<S> {
        Isolate {
            request_timeout: self.request_timeout,
            inner,
        }
    }
}

/// The service [`IsolateLayer`] makes.
#[derive(Clone)]
pub struct Isolate<S> {
    request_timeout: Duration,
    inner: S,
}

impl<'f, S> tower::Service<Routed<'f, Body>> for Isolate<S>
where
    S: AnswerService<Routed<'f, Body>>,
{
    type Response = Answer;
    type Error = std::convert::Infallible;
    type Future = Answered;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        always_ready()
    }

    fn call(&mut self, routed: Routed<'f, Body>) -> Answered {
        let facade = routed.facade;
        let deadline = routed.request.body().deadline();
        let inner = &mut self.inner;
        // The facade runs on the connection's task, not a spawned one: a spawn per request cost a
        // cross-thread wake-up and a context switch per request (docs/performance.md).
        let answer = std::panic::catch_unwind(AssertUnwindSafe(|| inner.answer(routed)))
            .unwrap_or_else(|panic| Answer::Now(panicked(&**facade, &*panic)));
        answered(match answer {
            Answer::Now(response) => Answer::Now(response),
            Answer::Later(work) => {
                // A request without a body takes its deadline when its work is left for later.
                let deadline =
                    deadline.unwrap_or_else(|| tokio::time::Instant::now() + self.request_timeout);
                let facade = Arc::clone(facade);
                Answer::later(async move { guard(&*facade, work, deadline).await })
            }
        })
    }
}

/// Runs work a facade left for later: a panic in it is caught, and a guard one grace period past
/// the deadline stops it if it hangs. Most of it is ready on its first poll (an in-memory write
/// with its body already read); only work that has to wait gets the guard's timer.
async fn guard(
    facade: &dyn Facade,
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
fn panicked(facade: &dyn Facade, panic: &(dyn std::any::Any + Send)) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-string panic payload");
    tracing::error!(panic = message, "handler panicked");
    facade.rescue(&LayerError::Internal)
}
