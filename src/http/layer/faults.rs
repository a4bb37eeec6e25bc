//! The faults' layer: a tenant's fault rules ([`crate::http::faults`]) decide, per request,
//! whether it is answered with a server error or a throttle in the facade's shape
//! ([`Facade::fault`](crate::http::Facade::fault)), answered later, or not answered at all
//! ([`dropped`]). A tenant without rules costs a request one load.

use std::sync::Arc;
use std::task::{Context, Poll};

use super::{AnswerService, Answered, Routed, always_ready, answered};
use crate::http::Answer;
use crate::http::faults::Decision;
use crate::http::metrics::{FaultLabels, Metrics};
use crate::http::special::dropped;

/// Applies each tenant's fault rules.
#[derive(Clone)]
pub struct FaultsLayer {
    metrics: Arc<Metrics>,
}

impl FaultsLayer {
    /// Faults fired are counted in `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

impl<S> tower::Layer<S> for FaultsLayer {
    type Service = Faulty<S>;

    fn layer(&self, inner: S) -> Faulty<S> {
        Faulty {
            metrics: Arc::clone(&self.metrics),
            inner,
        }
    }
}

/// The service [`FaultsLayer`] makes.
#[derive(Clone)]
pub struct Faulty<S> {
    metrics: Arc<Metrics>,
    inner: S,
}

impl<'f, B, S> tower::Service<Routed<'f, B>> for Faulty<S>
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
        let Some(faults) = routed.watch.map(|w| &w.faults).filter(|f| f.any()) else {
            return answered(self.inner.answer(routed));
        };
        let decided = faults.decide(
            routed.facade.name(),
            routed.request.method(),
            routed.request.uri().path(),
        );
        let Some((decision, action)) = decided else {
            return answered(self.inner.answer(routed));
        };
        self.metrics
            .faults
            .get_or_create(&FaultLabels {
                facade: routed.facade.name(),
                action,
            })
            .inc();
        answered(match decision {
            Decision::Answer(fault) => Answer::Now(routed.facade.fault(&fault)),
            Decision::Drop => Answer::Now(dropped()),
            Decision::Delay(delay) => {
                let answer = self.inner.answer(routed);
                Answer::later(async move {
                    tokio::time::sleep(delay).await;
                    answer.response().await
                })
            }
        })
    }
}
