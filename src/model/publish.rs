//! Publishing: the state readers see, the writers' head beside it, and the only code that moves
//! either.
//!
//! Two states are kept. The *published* one is what readers load (one atomic swap replaces it,
//! so no reader ever sees half a write). The *head* is the newest state, on which the next write
//! builds; without a journal the two are the same, with a journal the head may hold writes still
//! on their way to the disk. The invariant this file owns: the published state is always a state
//! the head was at, and once published (durable) a state is never taken back; a failed journal
//! write moves the head back to the published state, never the other way round.

use std::sync::{Arc, Mutex, MutexGuard};

use arc_swap::{ArcSwap, Guard};

use super::state::{State, View};

/// What the store handle and its commit task (if any) share.
pub(super) struct Shared {
    /// The published state: what readers see. With a journal, only durable writes are in it.
    current: ArcSwap<State>,
    /// Serializes writers; readers never take it.
    writer: Mutex<Writer>,
}

/// The writers' side of the store, reached only under [`Shared::writer`]'s lock.
pub(super) struct Writer {
    /// The newest state, on which the next write builds.
    head: Arc<State>,
    /// The sequence number of the newest journaled batch.
    seq: u64,
}

impl Writer {
    /// The newest state, on which the next write builds.
    pub(super) fn head(&self) -> &View {
        &self.head
    }

    /// Numbers the next journaled batch.
    pub(super) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Makes `next`, built on the head, the new head. It is published by the caller at once
    /// (no journal) or by the commit task once durable.
    pub(super) fn advance(&mut self, next: View) {
        self.head = next;
    }
}

impl Shared {
    /// Publishes `state` as both the head and what readers see; `seq` is the number of the last
    /// journaled batch it contains.
    pub(super) fn new(state: State, seq: u64) -> Arc<Self> {
        let state = Arc::new(state);
        Arc::new(Self {
            current: ArcSwap::new(Arc::clone(&state)),
            writer: Mutex::new(Writer { head: state, seq }),
        })
    }

    /// The published state, with a reference count of its own.
    pub(super) fn load_full(&self) -> View {
        self.current.load_full()
    }

    /// The published state, borrowed without a reference count (see `Store::read`).
    #[inline]
    pub(super) fn load(&self) -> Guard<View> {
        self.current.load()
    }

    /// Shows readers `state`, the head or one the head has moved past.
    pub(super) fn publish(&self, state: View) {
        self.current.store(state);
    }

    /// The writer lock. A poisoned lock only means another writer panicked mid-build; the head
    /// is still whole, since it is replaced only by a finished state.
    pub(super) fn writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// After a failed journal write: under the writer lock, runs `drain` (which empties the
    /// commit queue, so that nothing built on the failed head survives), then puts the head back
    /// to the published (durable) state and the batch number back to `durable_seq`. The head's
    /// version counter stays ahead, so that a version number never names two different states.
    pub(super) fn roll_back<R>(&self, durable_seq: u64, drain: impl FnOnce() -> R) -> R {
        let mut writer = self.writer();
        let drained = drain();
        let mut head = State::clone(&self.current.load());
        head.version = head.version.max(writer.head.version());
        writer.head = Arc::new(head);
        writer.seq = durable_seq;
        drained
    }
}
