//! Routing: the tenant's prefix table picks the facade that owns the path, which from here on
//! answers every failure of the request.

use std::task::{Context, Poll};

use super::{AnswerService, Answered, Routed, Tenanted, always_ready, answered};

/// Routes each request to its facade ([`Routed`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct RouteLayer;

impl<S> tower::Layer<S> for RouteLayer {
    type Service = Route<S>;

    fn layer(&self, inner: S) -> Route<S> {
        Route { inner }
    }
}

/// The service [`RouteLayer`] makes.
#[derive(Clone)]
pub struct Route<S> {
    inner: S,
}

impl<'t, B, S> tower::Service<Tenanted<'t, B>> for Route<S>
where
    S: AnswerService<Routed<'t, B>>,
{
    type Response = crate::http::Answer;
    type Error = std::convert::Infallible;
    type Future = Answered;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        always_ready()
    }

    fn call(
        &mut self,
        Tenanted {
            facades,
            watch,
            mount,
            clock,
            request,
        }: Tenanted<'t, B>,
    ) -> Answered {
        let facade = facades.facade_for(request.uri().path());
        answered(self.inner.answer(Routed {
            facade,
            watch,
            mount,
            clock,
            request,
        }))
    }
}
