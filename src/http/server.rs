//! The accept loop: HTTP/1.1 with keep-alive, a cap on open connections, a header-read timeout,
//! and graceful shutdown (stop accepting, let in-flight requests finish, then close).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::Either;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::Answer;
use super::head_timeout::{HeadClock, Watched};
use super::layers::Gateway;

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

/// One connection's share of the server: the gateway and the connection's [`HeadClock`].
struct PerConnection {
    gateway: Gateway,
    clock: HeadClock,
}

impl AsRef<HeadClock> for PerConnection {
    fn as_ref(&self) -> &HeadClock {
        &self.clock
    }
}

/// Serves `gateway` on `listener` until `shutdown` completes, then drains.
pub async fn serve(
    listener: TcpListener,
    gateway: Gateway,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The header-read timeout is the connection's [`HeadClock`], not hyper's timer per request.
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
        // What the connection's requests share is the connection's own: a request takes a
        // reference on it, not on anything all connections share, whose count both cores would
        // write.
        let connection = Arc::new(PerConnection {
            gateway: gateway.clone(),
            clock: HeadClock::new(),
        });
        let service = hyper::service::service_fn({
            let connection = Arc::clone(&connection);
            move |request: hyper::Request<Incoming>| {
                connection.clock.head_read();
                match connection.gateway.handle(request) {
                    // A read: answered during the call, so the future hyper polls is a ready one.
                    Answer::Now(response) => {
                        connection.clock.response_ready();
                        Either::Left(std::future::ready(Ok::<_, Infallible>(response)))
                    }
                    Answer::Later(work) => {
                        let connection = Arc::clone(&connection);
                        Either::Right(work.map(move |response| {
                            connection.clock.response_ready();
                            Ok(response)
                        }))
                    }
                }
            }
        });
        let clock = Arc::clone(&connection);
        let io = Watched::new(TokioIo::new(stream), Arc::clone(&connection));
        let connection = graceful.watch(builder.serve_connection(io, service));
        let header_read_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            tokio::select! {
                // The connection first: it is what wakes this task, almost always.
                biased;
                ended = connection => if let Err(e) = ended {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                },
                () = clock.clock.expired(header_read_timeout) => {
                    tracing::debug!(%peer, "no request head within the header-read timeout; closed");
                }
            }
            drop(permit);
        });
    }

    drop(listener);
    tracing::info!("shutting down: waiting for in-flight requests");
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace period over; closing remaining connections");
    }
}
