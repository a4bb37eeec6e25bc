//! The header-read timeout, kept per connection without a timer per request.
//!
//! A connection owes a request head from the moment it opens and again once each response is
//! ready; it stops owing one when a head has been read. A connection that has owed a head for
//! longer than the limit, with no bytes of the last response written in that time either, is
//! closed without an answer: a client trickling its head, and an idle keep-alive connection.
//!
//! hyper has this built in, but arms a fresh timer for every request (an allocation, a
//! registration in the timer wheel and its removal): measured with callgrind at 1 500
//! instructions a request, 6 % of a whole Rocket.Chat `GET` (docs/decisions.md). Here a request
//! costs a few relaxed atomic stores, restarting the wait from the moment its answer was ready as
//! its [`RequestClock`](super::RequestClock) read it, and each connection has one timer,
//! which wakes only when the limit could have passed. Writing counts as progress, so a client
//! slowly reading a large answer is not cut off (hyper starts its timer as soon as the answer is
//! queued); the first write of an answer is counted as made when the answer became ready, which
//! it follows at once unless the client has stopped reading.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::rt::{Read, ReadBufCursor, Write};
use tokio::time::Instant;

/// When a connection began owing a request head, if it does.
#[derive(Debug)]
pub struct HeadClock {
    opened: Instant,
    /// Nanoseconds after `opened` of the last change that restarted the wait (nanoseconds, not
    /// milliseconds: no division per request).
    since_ns: AtomicU64,
    owes_head: AtomicBool,
    /// A response became ready and none of its bytes has been written yet: the first write
    /// follows at once and restarts nothing that `response_ready` did not just restart.
    fresh: AtomicBool,
}

impl HeadClock {
    /// A connection that has just opened, and owes its first head.
    pub fn new() -> Self {
        Self {
            opened: Instant::now(),
            since_ns: AtomicU64::new(0),
            owes_head: AtomicBool::new(true),
            fresh: AtomicBool::new(false),
        }
    }

    /// A request head has been read: nothing is owed until its response is ready.
    pub fn head_read(&self) {
        self.owes_head.store(false, Ordering::Relaxed);
    }

    /// A response is ready: the next head is owed from now.
    pub fn response_ready(&self) {
        self.response_ready_at(Instant::now());
    }

    /// A response was ready at `at`, read from the clock by the request's
    /// [`RequestClock`](super::RequestClock): the next head is owed from then.
    pub fn response_ready_at(&self, at: Instant) {
        self.restart_at(at);
        self.fresh.store(true, Ordering::Relaxed);
        self.owes_head.store(true, Ordering::Release);
    }

    /// Bytes of a response went out: the wait for the next head starts again. The first write
    /// after [`response_ready_at`](Self::response_ready_at) comes microseconds after the restart
    /// it made, so it reads no clock of its own (a small answer is one write, and its restart
    /// the request's own answer time: no clock read at all); every later write of the same
    /// answer restarts the wait.
    fn wrote(&self) {
        if self.owes_head.load(Ordering::Relaxed) {
            if self.fresh.load(Ordering::Relaxed) {
                self.fresh.store(false, Ordering::Relaxed);
            } else {
                self.restart();
            }
        }
    }

    fn restart(&self) {
        self.restart_at(Instant::now());
    }

    fn restart_at(&self, at: Instant) {
        let ns = at.saturating_duration_since(self.opened).as_nanos();
        self.since_ns
            .store(u64::try_from(ns).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// When the connection will have owed a head for `limit`, if nothing happens before: a
    /// limit from now while a request is being answered, since none is owed then.
    pub fn deadline(&self, limit: Duration) -> Instant {
        if self.owes_head.load(Ordering::Acquire) {
            let since = Duration::from_nanos(self.since_ns.load(Ordering::Relaxed));
            self.opened + since + limit
        } else {
            Instant::now() + limit
        }
    }
}

impl Default for HeadClock {
    fn default() -> Self {
        Self::new()
    }
}

/// A connection's I/O that tells its [`HeadClock`] (which the connection shares with its
/// requests) when response bytes go out.
pub struct Watched<T> {
    inner: T,
    clock: std::sync::Arc<HeadClock>,
}

impl<T> Watched<T> {
    pub fn new(inner: T, clock: std::sync::Arc<HeadClock>) -> Self {
        Self { inner, clock }
    }

    fn noted(&self, written: Poll<std::io::Result<usize>>) -> Poll<std::io::Result<usize>> {
        if let Poll::Ready(Ok(n)) = written
            && n > 0
        {
            self.clock.wrote();
        }
        written
    }
}

impl<T: Read + Unpin> Read for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> Write for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.noted(written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.noted(written)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::connection::{Ended, Served, tests::Idle};

    /// Serves a connection that never ends by itself until `clock` has owed a head for `limit`.
    async fn expired(clock: &std::sync::Arc<HeadClock>, limit: Duration) {
        let served = Served::new(
            Idle::default(),
            std::sync::Arc::clone(clock),
            limit,
            Default::default(),
        );
        assert!(matches!(served.await, Ended::HeadTimedOut));
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_connection_expires_after_the_limit() {
        let clock = std::sync::Arc::new(HeadClock::new());
        let started = Instant::now();
        expired(&clock, Duration::from_secs(10)).await;
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_progress_never_expires_and_the_wait_restarts_when_it_is_answered() {
        let clock = std::sync::Arc::new(HeadClock::new());
        clock.head_read();
        let waiting = tokio::spawn({
            let clock = std::sync::Arc::clone(&clock);
            async move { expired(&clock, Duration::from_secs(10)).await }
        });

        tokio::time::sleep(Duration::from_secs(25)).await;
        assert!(
            !waiting.is_finished(),
            "expired while a request was answered"
        );

        let answered = Instant::now();
        clock.response_ready();
        waiting.await.unwrap();
        assert!(answered.elapsed() >= Duration::from_secs(10));
        assert!(answered.elapsed() <= Duration::from_secs(11));
    }

    #[tokio::test(start_paused = true)]
    async fn writing_a_response_counts_as_progress_reading_does_not() {
        let clock = std::sync::Arc::new(HeadClock::new());
        let waiting = tokio::spawn({
            let clock = std::sync::Arc::clone(&clock);
            async move { expired(&clock, Duration::from_secs(10)).await }
        });
        // A slow reader of a large answer: a write every 6 s.
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_secs(6)).await;
            clock.wrote();
        }
        assert!(
            !waiting.is_finished(),
            "expired while an answer was being written"
        );
        let last_write = Instant::now();
        waiting.await.unwrap();
        assert_eq!(last_write.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn an_answers_first_write_counts_from_when_it_was_ready_and_later_writes_restart() {
        let clock = std::sync::Arc::new(HeadClock::new());
        clock.head_read();
        let ready = Instant::now();
        clock.response_ready();
        // A client that stopped reading: the first write only gets out 4 s later.
        tokio::time::sleep(Duration::from_secs(4)).await;
        clock.wrote();
        let waiting = tokio::spawn({
            let clock = std::sync::Arc::clone(&clock);
            async move { expired(&clock, Duration::from_secs(10)).await }
        });
        waiting.await.unwrap();
        assert_eq!(ready.elapsed(), Duration::from_secs(10));

        // The next answer: its second write restarts the wait, as every write after it does.
        clock.head_read();
        clock.response_ready();
        clock.wrote();
        tokio::time::sleep(Duration::from_secs(7)).await;
        clock.wrote();
        let second_write = Instant::now();
        expired(&clock, Duration::from_secs(10)).await;
        assert_eq!(second_write.elapsed(), Duration::from_secs(10));
    }
}
