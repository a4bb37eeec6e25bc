//! One connection served to its end: until the client closes it, it has owed a request head
//! for longer than the header-read timeout ([`HeadClock`]), or the server drains ([`Drain`]).
//!
//! Both watches cost a request nothing but an atomic load each time the connection's task is
//! woken. The header-read timer is polled only once it has fired (`Sleep::is_elapsed`), and the
//! drain is a flag that wakes the connections once, when it is raised. `tokio::select!` over the
//! connection and a sleep, and hyper-util's `GracefulShutdown` (a watch channel polled with
//! the connection), polled both on every wake-up: callgrind, a Support GET one, 355 instructions
//! a request in the connection's task outside hyper, against 53 now.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use super::head_timeout::HeadClock;

/// A connection that can be asked to finish its request in progress and close.
pub trait Drainable: Future {
    /// Finish the request in progress, if any, then close.
    fn drain(self: Pin<&mut Self>);
}

impl<I, S, B> Drainable for hyper::server::conn::http1::UpgradeableConnection<I, S>
where
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    B: hyper::body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn drain(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

/// The server's side of graceful shutdown: a flag, and the wakers of the connections open.
#[derive(Default)]
pub struct Drain {
    draining: AtomicBool,
    next_key: AtomicU64,
    open: Mutex<HashMap<u64, Waker>>,
}

impl Drain {
    /// Asks every connection open, and every one served from now on, to finish its request in
    /// progress and close.
    pub fn begin(&self) {
        self.draining.store(true, Ordering::Release);
        let open = std::mem::take(&mut *self.open.lock().unwrap_or_else(|e| e.into_inner()));
        for waker in open.into_values() {
            waker.wake();
        }
    }

    fn draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }
}

/// How a connection ended.
#[derive(Debug)]
pub enum Ended<E> {
    /// hyper finished it: the client closed it, or it was drained, or it failed.
    Served(Result<(), E>),
    /// It owed a request head for longer than the header-read timeout.
    HeadTimedOut,
}

/// A connection served until it ends ([`Ended`]).
pub struct Served<C> {
    connection: Pin<Box<C>>,
    clock: Arc<HeadClock>,
    limit: Duration,
    timer: Pin<Box<Sleep>>,
    /// The timer has been polled once, so the runtime wakes the task when it fires.
    armed: bool,
    drain: Arc<Drain>,
    /// This connection's waker in `drain`, once registered; `None` again once it drains.
    key: Option<u64>,
    drained: bool,
}

impl<C: Drainable> Served<C> {
    /// `connection`, closed once `clock` has owed a head for `limit` or `drain` begins.
    pub fn new(connection: C, clock: Arc<HeadClock>, limit: Duration, drain: Arc<Drain>) -> Self {
        let timer = Box::pin(tokio::time::sleep_until(clock.deadline(limit)));
        Self {
            connection: Box::pin(connection),
            clock,
            limit,
            timer,
            armed: false,
            drain,
            key: None,
            drained: false,
        }
    }

    /// Registers the task's waker with the drain once (a spawned task's waker never changes),
    /// and passes the drain on to the connection once it begins.
    fn watch_drain(&mut self, cx: &Context<'_>) {
        if self.drained {
            return;
        }
        if self.key.is_none() && !self.drain.draining() {
            let key = self.drain.next_key.fetch_add(1, Ordering::Relaxed);
            let mut open = self.drain.open.lock().unwrap_or_else(|e| e.into_inner());
            // Checked again under the lock: `begin` empties the map under it after raising
            // the flag, so a connection either sees the flag or is woken.
            if !self.drain.draining() {
                open.insert(key, cx.waker().clone());
                self.key = Some(key);
            }
        }
        if self.drain.draining() {
            self.drained = true;
            self.key = None;
            self.connection.as_mut().drain();
        }
    }

    /// Whether the header-read timeout has passed; re-arms the timer when it fired early (the
    /// connection made progress since it was set).
    fn head_timed_out(&mut self, cx: &mut Context<'_>) -> bool {
        if self.armed && !self.timer.is_elapsed() {
            return false;
        }
        loop {
            let due = self.clock.deadline(self.limit);
            if due <= Instant::now() {
                return true;
            }
            self.timer.as_mut().reset(due);
            if self.timer.as_mut().poll(cx).is_pending() {
                self.armed = true;
                return false;
            }
        }
    }
}

impl<C, E> Future for Served<C>
where
    C: Drainable<Output = Result<(), E>>,
{
    type Output = Ended<E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Ended<E>> {
        let this = self.get_mut();
        this.watch_drain(cx);
        if let Poll::Ready(ended) = this.connection.as_mut().poll(cx) {
            return Poll::Ready(Ended::Served(ended));
        }
        if this.head_timed_out(cx) {
            return Poll::Ready(Ended::HeadTimedOut);
        }
        Poll::Pending
    }
}

impl<C> Drop for Served<C> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.drain
                .open
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
        }
    }
}

/// The header-read timeout's own tests, through [`Served`], are beside [`HeadClock`].
#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A connection that never ends by itself and closes once drained.
    #[derive(Default)]
    pub(crate) struct Idle {
        drained: bool,
    }

    impl Future for Idle {
        type Output = Result<(), ()>;
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            if self.drained {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        }
    }

    impl Drainable for Idle {
        fn drain(mut self: Pin<&mut Self>) {
            self.drained = true;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn draining_closes_open_connections_and_those_served_after() {
        let drain = Arc::new(Drain::default());
        let clock = || {
            let clock = Arc::new(HeadClock::new());
            clock.head_read();
            clock
        };
        let limit = Duration::from_secs(3600);
        let open: Vec<_> = (0..3)
            .map(|_| {
                tokio::spawn(Served::new(
                    Idle::default(),
                    clock(),
                    limit,
                    Arc::clone(&drain),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(drain.open.lock().unwrap().len(), 3);
        assert!(open.iter().all(|c| !c.is_finished()));

        drain.begin();
        for served in open {
            assert!(matches!(served.await.unwrap(), Ended::Served(Ok(()))));
        }
        let later = Served::new(Idle::default(), clock(), limit, Arc::clone(&drain)).await;
        assert!(matches!(later, Ended::Served(Ok(()))));
        assert!(drain.open.lock().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_ends_leaves_the_drain() {
        let drain = Arc::new(Drain::default());
        let clock = Arc::new(HeadClock::new());
        clock.head_read();
        let served = tokio::spawn(Served::new(
            Idle::default(),
            clock,
            Duration::from_secs(10),
            Arc::clone(&drain),
        ));
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(drain.open.lock().unwrap().len(), 1);
        served.abort();
        let _ = served.await;
        assert!(drain.open.lock().unwrap().is_empty());
    }
}
