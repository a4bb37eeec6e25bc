//! The contract between the plumbing and a facade. A layer that fails a request (too large, too
//! slow, no such route) does not answer itself: it hands a [`LayerError`] to the facade that owns
//! the path, which answers in its vendor's shape, so a client never sees another vendor's error.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::Method;

use super::faults::Fault;
use super::{Request, Response};

/// A failure raised outside a facade's handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerError {
    /// No route matches the path.
    NotFound,
    /// The path exists but not for this method; `allow` lists the methods it takes.
    MethodNotAllowed { allow: Vec<Method> },
    /// The body is larger than the configured limit.
    PayloadTooLarge,
    /// The request did not complete within the request timeout.
    Timeout,
    /// The body could not be read (the client broke off, or sent a malformed chunk).
    BodyUnreadable,
    /// A bug: a handler panicked. The cause is logged, never sent.
    Internal,
}

/// A vendor's front door: it answers requests under its prefixes, and layer errors too.
pub trait Facade: Send + Sync + 'static {
    /// A short name for logs (`zopim`, `admin`, ...).
    fn name(&self) -> &'static str;

    /// The path prefixes this facade answers under; the [`PrefixTable`](super::PrefixTable)
    /// sends it every path that starts with one of them (the longest claim wins).
    fn claims(&self) -> &'static [&'static str];

    /// Answers one request. Every failure must already be a response in the vendor's shape.
    /// What needs no waiting (routing, authentication, reads, refusals) is done during the call;
    /// only the rest (reading a body, a write's commit, a password hash) is left in an
    /// [`Answer::Later`].
    fn handle(&self, request: Request) -> Answer;

    /// Answers a failure that a layer raised for a request under this facade.
    fn rescue(&self, error: &LayerError) -> Response;

    /// How this facade shows the department `id` (the model's integer id): the answer its own
    /// read of that one department gives an administrator, made by its own encoder, with the
    /// path it answers at under `origin` (`http://host` plus a tenant's `/t/{name}`). The
    /// dashboard's side-by-side view (docs/dashboard.md) puts these next to each other. `None`
    /// when the facade has no department read, or no such department exists.
    fn show_department(&self, id: u64, origin: &str) -> Option<Shown> {
        let _ = (id, origin);
        None
    }

    /// A body limit larger than the gateway's `--max-body-bytes` for the request `method`
    /// `path`, when this facade takes larger bodies there (the control plane's import of a
    /// whole export); `None` (the default) for the gateway's limit.
    fn larger_body_limit(&self, _method: &http::Method, _path: &str) -> Option<usize> {
        None
    }

    /// Answers a fault (`super::faults`): a server error or a throttle, as the vendor sends it
    /// (docs/faults.md). By default, the facade's internal error with the fault's status.
    fn fault(&self, fault: &Fault) -> Response {
        let mut response = self.rescue(&LayerError::Internal);
        *response.status_mut() = match fault {
            Fault::Status(status) => *status,
            Fault::Throttle(_) => http::StatusCode::TOO_MANY_REQUESTS,
        };
        response
    }
}

/// One record as a facade serves it ([`Facade::show_department`]).
pub struct Shown {
    /// The URL of the read that answers it: the origin it was given, then the facade's path.
    pub url: String,
    /// The state version the answer was made from.
    pub version: u64,
    /// The whole answer: status, headers and the exact body.
    pub response: Response,
}

/// What [`Facade::handle`] gives back.
///
/// Most requests are reads the state answers at once. Answering them during the call means a
/// read costs no future: no allocation, and no copy of a state machine from layer to layer,
/// which for an `async` chain of facade, layers and connection was several kilobytes moved
/// several times per request (docs/decisions.md, "Answers now or later").
pub enum Answer {
    /// The response, made during the call.
    Now(Response),
    /// Work that waits (for the body, a commit, a blocking hash). It owns what it needs, and the
    /// layers run it under the request's deadline.
    Later(Pin<Box<dyn Future<Output = Response> + Send>>),
}

impl Answer {
    /// Work to finish later.
    pub fn later(work: impl Future<Output = Response> + Send + 'static) -> Self {
        Answer::Later(Box::pin(work))
    }

    /// Work for later that needs the facade's context and may fail: `work` gets its own handle on
    /// the context, so the future owns everything it uses, and `failed` answers its error in the
    /// vendor's shape.
    pub fn later_with<C, E, F>(
        context: &Arc<C>,
        work: impl FnOnce(Arc<C>) -> F,
        failed: fn(E) -> Response,
    ) -> Self
    where
        C: Send + Sync + 'static,
        E: 'static,
        F: Future<Output = Result<Response, E>> + Send + 'static,
    {
        let work = work(Arc::clone(context));
        Answer::later(async move { work.await.unwrap_or_else(failed) })
    }

    /// Work for later that ends in another answer (a password check, then the action it
    /// admits): the answer's own work runs next, and a failure anywhere is answered by `failed`
    /// in the vendor's shape.
    pub fn later_then<E: Send + 'static>(
        work: impl Future<Output = Result<Answer, E>> + Send + 'static,
        failed: fn(E) -> Response,
    ) -> Self {
        Answer::later(async move {
            match work.await {
                Ok(answer) => answer.response().await,
                Err(e) => failed(e),
            }
        })
    }

    /// The response, waiting for it if it is not made yet.
    pub async fn response(self) -> Response {
        match self {
            Answer::Now(response) => response,
            Answer::Later(work) => work.await,
        }
    }
}

impl From<Response> for Answer {
    fn from(response: Response) -> Self {
        Answer::Now(response)
    }
}
