//! The accept loop: HTTP/1.1 with keep-alive, a cap on open connections, a header-read timeout,
//! and graceful shutdown (stop accepting, let in-flight requests finish, then close).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::Either;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::connection::{Drain, Ended, Served};
use super::head_timeout::{HeadClock, Watched};
use super::request_clock::{RequestClock, WallAnchor};
use bytes::Bytes;
use http_body_util::Full;

use super::{Answer, Pipeline, Response, special};

/// Limits on connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Most connections open at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Longest a client may take to send a request's head; slower clients are cut off.
    pub header_read_timeout: Duration,
    /// Longest graceful shutdown waits for in-flight requests before closing anyway.
    pub shutdown_grace: Duration,
}

/// One connection's service: its own copy of the pipeline, and the connection's [`HeadClock`].
///
/// hyper calls a service through `&self`, tower through `&mut self`. An HTTP/1 connection runs
/// its requests one at a time and the pipeline answers synchronously (the call returns an
/// [`Answer`]), so the `RefCell` is borrowed only for that call and never twice at once. A copy
/// per connection also means a request takes a reference on nothing that every connection
/// shares, whose count both cores would write.
struct ConnectionService {
    pipeline: RefCell<Pipeline>,
    clock: Arc<HeadClock>,
    /// The wall-clock time of the connection's requests' arrival, from their monotonic one.
    wall: Cell<WallAnchor>,
}

/// What the server sends: the pipeline's whole body, or a streamed one ([`special`]).
type Sent = http::Response<http_body_util::Either<Full<Bytes>, special::StreamBody>>;

/// The answer was [`special::dropped`]: hyper closes the connection without a response.
#[derive(Debug)]
struct DroppedOnPurpose;

impl std::fmt::Display for DroppedOnPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault")
    }
}

impl std::error::Error for DroppedOnPurpose {}

/// The response as sent: an ordinary one pays one emptiness check of its extensions.
fn sent(response: Response) -> Result<Sent, DroppedOnPurpose> {
    if !response.extensions().is_empty() {
        if special::is_dropped(&response) {
            return Err(DroppedOnPurpose);
        }
        if let Some(stream) = special::take_stream(&response) {
            return Ok(response.map(|_| http_body_util::Either::Right(stream)));
        }
    }
    Ok(response.map(http_body_util::Either::Left))
}

impl hyper::service::Service<hyper::Request<Incoming>> for ConnectionService {
    type Response = Sent;
    type Error = DroppedOnPurpose;
    type Future = Either<
        std::future::Ready<Result<Sent, DroppedOnPurpose>>,
        futures_util::future::Map<
            Pin<Box<dyn Future<Output = Response> + Send>>,
            Box<dyn FnOnce(Response) -> Result<Sent, DroppedOnPurpose> + Send>,
        >,
    >;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        let timed = RequestClock::arriving(&self.wall);
        self.clock.head_read();
        match self.pipeline.borrow_mut().answer(request, &timed) {
            // A read: answered during the call, so the future hyper polls is a ready one.
            Answer::Now(response) => {
                self.clock.response_ready_at(timed.answered());
                Either::Left(std::future::ready(sent(response)))
            }
            Answer::Later(work) => {
                let clock = Arc::clone(&self.clock);
                Either::Right(work.map(Box::new(move |response| {
                    clock.response_ready();
                    sent(response)
                })))
            }
        }
    }
}

/// Serves `pipeline` on `listener` until `shutdown` completes, then drains.
pub async fn serve(
    listener: TcpListener,
    pipeline: Pipeline,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let drain = Arc::new(Drain::default());
    // HTTP/1 connections that can be upgraded (a websocket, which the Rocket.Chat widget's
    // realtime connection is). The header-read timeout is the connection's [`HeadClock`], not
    // hyper's timer per request.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.header_read_timeout(None).keep_alive(true);
    tokio::pin!(shutdown);

    loop {
        // Take a permit before accepting, so at most `max_connections` are ever open.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Usually EMFILE or a reset before accept; back off briefly and go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let clock = Arc::new(HeadClock::new());
        let service = ConnectionService {
            pipeline: RefCell::new(pipeline.clone()),
            clock: Arc::clone(&clock),
            wall: Cell::new(WallAnchor::now()),
        };
        let io = Watched::new(TokioIo::new(stream), Arc::clone(&clock));
        let connection = Served::new(
            builder.serve_connection(io, service).with_upgrades(),
            clock,
            limits.header_read_timeout,
            Arc::clone(&drain),
        );
        tokio::spawn(async move {
            match connection.await {
                Ended::Served(Ok(())) => {}
                Ended::Served(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                Ended::HeadTimedOut => {
                    tracing::debug!(%peer, "no request head within the header-read timeout; closed");
                }
            }
            drop(permit);
        });
    }

    drop(listener);
    tracing::info!("shutting down: waiting for in-flight requests");
    drain.begin();
    // Every connection holds a permit until it has closed.
    let all_closed =
        permits.acquire_many(u32::try_from(limits.max_connections).unwrap_or(u32::MAX));
    if tokio::time::timeout(limits.shutdown_grace, all_closed)
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace period over; closing remaining connections");
    }
}
