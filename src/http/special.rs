//! Answers the server treats specially, marked in the response's extensions so that the pipeline
//! keeps one response type (a whole body in memory) and an ordinary answer pays one emptiness
//! check for them:
//!
//! - [`streamed`]: a body sent as it is made (the request journal's live tail, server-sent
//!   events);
//! - [`dropped`]: no answer at all, the connection closed (the `drop` fault).

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;

use super::{Response, respond_empty};

/// A body sent as it is made.
pub type StreamBody = UnsyncBoxBody<Bytes, Infallible>;

/// The mark of a streamed answer: the body, for the server to take.
#[derive(Clone)]
struct Streamed(Arc<Mutex<Option<StreamBody>>>);

/// The mark of an answer never to be sent.
#[derive(Clone, Copy)]
struct Dropped;

/// An answer whose body is `body`, sent as it is made. In process (tests through
/// [`Pipeline`](super::Pipeline)'s `oneshot`), the body is empty.
pub fn streamed(
    status: http::StatusCode,
    content_type: http::HeaderValue,
    body: StreamBody,
) -> Response {
    let mut response = respond_empty(status);
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, content_type);
    response
        .extensions_mut()
        .insert(Streamed(Arc::new(Mutex::new(Some(body)))));
    response
}

/// No answer: the server closes the connection instead.
pub fn dropped() -> Response {
    let mut response = respond_empty(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.extensions_mut().insert(Dropped);
    response
}

/// Whether `response` is [`dropped`].
pub fn is_dropped(response: &Response) -> bool {
    response.extensions().get::<Dropped>().is_some()
}

/// The body of a [`streamed`] answer, taken out of it.
pub fn take_stream(response: &Response) -> Option<StreamBody> {
    response
        .extensions()
        .get::<Streamed>()
        .and_then(|s| s.0.lock().unwrap_or_else(|e| e.into_inner()).take())
}
