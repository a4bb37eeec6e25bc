//! One value a core, each on cache lines of its own, for state that every request writes: a
//! request then writes only lines its own core owns. On the benchmark's machine a line written
//! by the other core takes about 170 ns to come over (a two-thread ping-pong of one atomic: 330 ns
//! the round trip), against a request's 9 µs of CPU in all.

use std::sync::atomic::{AtomicUsize, Ordering};

/// One `T` a core, each on cache lines of its own; a thread uses its own ([`PerCore::mine`]).
pub struct PerCore<T>(Box<[Padded<T>]>);

#[repr(align(128))]
#[derive(Default)]
struct Padded<T>(T);

impl<T: Default> Default for PerCore<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Default> PerCore<T> {
    /// A default `T` for each core the process may run on.
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self((0..cores).map(|_| Padded::default()).collect())
    }
}

impl<T> PerCore<T> {
    /// The current thread's: threads are numbered as they first count and take the cores' cells
    /// in turn, so each worker thread of the runtime has one of its own.
    pub fn mine(&self) -> &T {
        static THREADS: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static NUMBER: usize = THREADS.fetch_add(1, Ordering::Relaxed);
        }
        &self.0[NUMBER.with(|n| *n) % self.0.len()].0
    }

    /// Every core's, in a fixed order.
    pub fn all(&self) -> impl Iterator<Item = &T> {
        self.0.iter().map(|padded| &padded.0)
    }
}
