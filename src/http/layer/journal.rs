//! The request journal's layer: once a request's answer is ready, it is written to the tenant's
//! journal ([`crate::http::journal`]) with the request's first bytes, the answer's, and the
//! changes the request's writes made, which the store reports to the [`Watcher`] set around the
//! request's work (`model::observe`). It comes after routing (an entry names the facade) and
//! before the faults (a faulted request is journaled with the answer the fault gave) and the body
//! limit (a refused body is journaled too): the body it sees is the client's, which it copies as
//! it is read ([`Tapped`]).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_util::FutureExt;
use http_body_util::{BodyExt, Full};

use super::{AnswerService, Answered, Routed, always_ready, answered};
use crate::http::journal::{BODY_LIMIT, Captured, Entry, HeadWriter, RequestJournal};
use crate::http::{Answer, Response};
use crate::model::observe::Watcher;

/// Journals each request of a tenant that has a journal.
#[derive(Debug, Clone, Copy, Default)]
pub struct JournalLayer;

impl<S> tower::Layer<S> for JournalLayer {
    type Service = Journal<S>;

    fn layer(&self, inner: S) -> Journal<S> {
        Journal {
            inner,
            heads: HeadWriter::default(),
        }
    }
}

/// The service [`JournalLayer`] makes; the server keeps one per connection, with the
/// connection's [`HeadWriter`].
#[derive(Clone)]
pub struct Journal<S> {
    inner: S,
    heads: HeadWriter,
}

/// A request body whose first [`BODY_LIMIT`] bytes are copied as it is read, when it is
/// journaled.
pub struct Tapped<B> {
    inner: B,
    copy: Option<Arc<Mutex<BytesMut>>>,
}

impl<B> Tapped<B> {
    fn plain(inner: B) -> Self {
        Self { inner, copy: None }
    }
}

impl<B> hyper::body::Body for Tapped<B>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, B::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let (Poll::Ready(Some(Ok(frame))), Some(copy)) = (&polled, &self.copy)
            && let Some(data) = frame.data_ref()
        {
            let mut copy = copy.lock().unwrap_or_else(|e| e.into_inner());
            // One byte past the limit, so that the entry knows the body was longer.
            let room = (BODY_LIMIT + 1).saturating_sub(copy.len());
            copy.extend_from_slice(&data[..data.len().min(room)]);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

impl<'f, B, S> tower::Service<Routed<'f, B>> for Journal<S>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    S: AnswerService<Routed<'f, Tapped<B>>>,
{
    type Response = Answer;
    type Error = std::convert::Infallible;
    type Future = Answered;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        always_ready()
    }

    fn call(&mut self, routed: Routed<'f, B>) -> Answered {
        let Routed {
            facade,
            watch,
            mount,
            clock,
            request,
        } = routed;
        let Some(journal) = watch.and_then(|w| w.journal.as_ref()) else {
            return answered(self.inner.answer(Routed {
                facade,
                watch,
                mount,
                clock,
                request: request.map(Tapped::plain),
            }));
        };
        let entry = Entry {
            time_ms: clock.arrived_unix_ms(),
            facade: facade.name(),
            method: request.method().clone(),
            head: self.heads.head(
                request.uri().path_and_query(),
                mount.as_deref(),
                request.headers(),
            ),
            ..Entry::default()
        };
        let copy = (!request.body().is_end_stream()).then(|| Arc::new(Mutex::new(BytesMut::new())));
        let request = request.map(|inner| Tapped {
            inner,
            copy: copy.clone(),
        });
        let answer = self.inner.answer(Routed {
            facade,
            watch,
            mount,
            clock,
            request,
        });
        answered(match answer {
            Answer::Now(mut response) => {
                let ready = clock.answered();
                record(
                    journal,
                    entry,
                    (clock.arrived(), ready),
                    copy.as_ref(),
                    &mut response,
                );
                Answer::Now(response)
            }
            Answer::Later(work) => {
                let journal = Arc::clone(journal);
                let arrived = clock.arrived();
                Answer::later(async move {
                    let watcher = Watcher::new();
                    let mut response = watcher.scope(work).await;
                    let entry = Entry {
                        changes: watcher.take(),
                        ..entry
                    };
                    let ready = tokio::time::Instant::now();
                    record(
                        &journal,
                        entry,
                        (arrived, ready),
                        copy.as_ref(),
                        &mut response,
                    );
                    response
                })
            }
        })
    }
}

/// Completes `entry`, whose request arrived and whose answer was ready at the two instants given,
/// with the answer and writes it to `journal`.
fn record(
    journal: &RequestJournal,
    mut entry: Entry,
    (arrived, ready): (tokio::time::Instant, tokio::time::Instant),
    copy: Option<&Arc<Mutex<BytesMut>>>,
    response: &mut Response,
) {
    entry.status = response.status().as_u16();
    let took = ready.saturating_duration_since(arrived);
    entry.duration_us = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
    if let Some(copy) = copy {
        let bytes = std::mem::take(&mut *copy.lock().unwrap_or_else(|e| e.into_inner())).freeze();
        entry.request_body = Captured::of(&bytes);
    }
    // The body is taken out and put back rather than copied, so that the journal's look moves
    // the count of the read cache's shared body only once.
    let answer = take_body(response);
    entry.response_body = if entry.method == http::Method::GET || entry.method == http::Method::HEAD
    {
        Captured::read(&answer)
    } else {
        Captured::of(&answer)
    };
    *response.body_mut() = Full::new(answer);
    journal.record(entry, ready);
}

/// The bytes of a whole-in-memory response body, taken out of it.
fn take_body(response: &mut Response) -> Bytes {
    match std::mem::take(response.body_mut()).frame().now_or_never() {
        Some(Some(Ok(frame))) => frame.into_data().unwrap_or_default(),
        _ => Bytes::new(),
    }
}
