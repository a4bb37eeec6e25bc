//! Routing: the prefix table picks the facade that owns the path, which from here on answers
//! every failure of the request.

use std::sync::Arc;
use std::task::{Context, Poll};

use super::{AnswerService, Answered, Routed, always_ready, answered};
use crate::http::PrefixTable;

/// Routes each request to its facade ([`Routed`]).
#[derive(Clone)]
pub struct RouteLayer {
    table: Arc<PrefixTable>,
}

impl RouteLayer {
    pub fn new(table: PrefixTable) -> Self {
        Self {
            table: Arc::new(table),
        }
    }
}

impl<S> tower::Layer<S> for RouteLayer {
    type Service = Route<S>;

    fn layer(&self, inner: S) -> Route<S> {
        Route {
            table: Arc::clone(&self.table),
            inner,
        }
    }
}

/// The service [`RouteLayer`] makes.
#[derive(Clone)]
pub struct Route<S> {
    table: Arc<PrefixTable>,
    inner: S,
}

impl<B, S> tower::Service<http::Request<B>> for Route<S>
where
    S: for<'f> AnswerService<Routed<'f, B>>,
{
    type Response = crate::http::Answer;
    type Error = std::convert::Infallible;
    type Future = Answered;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        always_ready()
    }

    fn call(&mut self, request: http::Request<B>) -> Answered {
        let facade = self.table.facade_for(request.uri().path());
        answered(self.inner.answer(Routed { facade, request }))
    }
}
