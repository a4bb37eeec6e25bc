//! The contract between the plumbing and a facade. A layer that fails a request (too large, too
//! slow, no such route) does not answer itself: it hands a [`LayerError`] to the facade that owns
//! the path, which answers in its vendor's shape, so a client never sees another vendor's error.

use std::future::Future;
use std::pin::Pin;

use http::Method;

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

    /// Answers one request. Every failure must already be a response in the vendor's shape.
    fn handle(&self, request: Request) -> Pin<Box<dyn Future<Output = Response> + Send + '_>>;

    /// Answers a failure that a layer raised for a request under this facade.
    fn rescue(&self, error: &LayerError) -> Response;
}
