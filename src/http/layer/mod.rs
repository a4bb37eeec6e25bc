//! The tower layers of the request pipeline, one concern each; [`super::pipeline`] stacks them in
//! order. Every layer answers synchronously: its service's future is [`Answered`], a ready
//! future holding an [`Answer`], which is either the response (most reads: no future is ever
//! built for them) or the work left for later, which a layer may wrap. A layer that fails a
//! request asks the facade that owns the path for the vendor's body ([`Facade::rescue`]).

mod body_limit;
mod faults;
mod isolate;
mod journal;
mod metrics;
mod route;
mod tenant;
mod trace;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

pub use body_limit::{BodyLimit, BodyLimitLayer};
pub use faults::{FaultsLayer, Faulty};
pub use isolate::{Isolate, IsolateLayer};
pub use journal::{Journal, JournalLayer, Tapped};
pub use metrics::{Measured, MetricsLayer};
pub use route::{Route, RouteLayer};
pub use tenant::{
    NoTenants, TENANT_HEADER, Tenancy, Tenant, TenantDirectory, TenantLayer, TenantTable,
};
pub use trace::{Trace, TraceLayer};

use super::{Answer, Facade, PrefixTable, RequestClock, TenantWatch};

/// Limits applied to each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Largest body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take from its head being read to its response being ready.
    pub request_timeout: Duration,
}

/// What every layer's service returns: the answer, already made (see the module doc).
pub type Answered = std::future::Ready<Result<Answer, Infallible>>;

/// A request as it arrived, with its [`RequestClock`], lent for the request's synchronous part.
pub struct Arrived<'c, B> {
    pub clock: &'c RequestClock,
    pub request: http::Request<B>,
}

/// A request whose tenant is chosen: the tenant's facades, borrowed for the request's
/// synchronous part.
pub struct Tenanted<'t, B> {
    pub facades: &'t PrefixTable,
    /// The tenant's journal and faults; `None` for the global facades (the control plane).
    pub watch: Option<&'t TenantWatch>,
    /// The path prefix taken off the request's path (`/t/{name}`), if one was.
    pub mount: Option<Arc<str>>,
    pub clock: &'t RequestClock,
    pub request: http::Request<B>,
}

/// A request after routing: the facade that owns its path, borrowed from the prefix table for the
/// request's synchronous part, so that routing takes no reference count (a write that every
/// core would contend on).
pub struct Routed<'f, B> {
    pub facade: &'f Arc<dyn Facade>,
    /// As [`Tenanted::watch`].
    pub watch: Option<&'f TenantWatch>,
    /// As [`Tenanted::mount`], until the body limit puts it in the body.
    pub mount: Option<Arc<str>>,
    pub clock: &'f RequestClock,
    pub request: http::Request<B>,
}

/// A service of the pipeline: one whose future is [`Answered`].
pub trait AnswerService<R>:
    tower::Service<R, Response = Answer, Error = Infallible, Future = Answered>
{
    /// Runs the request through this service and takes the answer out of its ready future.
    fn answer(&mut self, request: R) -> Answer {
        match self.call(request).into_inner() {
            Ok(answer) => answer,
            Err(never) => match never {},
        }
    }
}

impl<R, S> AnswerService<R> for S where
    S: tower::Service<R, Response = Answer, Error = Infallible, Future = Answered>
{
}

/// `Poll::Ready(Ok(()))`: no layer of the pipeline ever applies back-pressure through
/// `poll_ready` (the server's connection cap does that before a request exists).
fn always_ready() -> std::task::Poll<Result<(), Infallible>> {
    std::task::Poll::Ready(Ok(()))
}

/// The answer, as a layer's future.
fn answered(answer: Answer) -> Answered {
    std::future::ready(Ok(answer))
}
