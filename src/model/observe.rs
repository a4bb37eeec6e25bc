//! A request's window on the writes it makes: a [`Watcher`] set around a request's work (the
//! request journal's layer does it, `crate::http::layer::journal`) receives, for every write that
//! work commits, its record-level changes described in words (`describe.rs`). The store's one
//! write path reports into the watcher of the task it runs in, so no facade knows about it; a
//! write made outside a watcher costs one task-local look-up.

use std::future::Future;
use std::sync::{Arc, Mutex};

tokio::task_local! {
    static WATCHER: Watcher;
}

/// Collects the described changes of the writes made inside [`Watcher::scope`].
#[derive(Clone, Default)]
pub struct Watcher(Arc<Mutex<Vec<String>>>);

impl Watcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// `work`, with every write it commits reported to this watcher.
    pub fn scope<F: Future>(&self, work: F) -> impl Future<Output = F::Output> {
        WATCHER.scope(self.clone(), work)
    }

    /// `work` (synchronous), with every write it commits reported to this watcher.
    pub fn sync_scope<R>(&self, work: impl FnOnce() -> R) -> R {
        WATCHER.sync_scope(self.clone(), work)
    }

    /// What was reported so far, in commit order; the watcher is left empty.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Whether the running work is watched (then a write describes its changes).
pub(super) fn watched() -> bool {
    WATCHER.try_with(|_| ()).is_ok()
}

/// Reports a committed write's described changes to the running work's watcher, if any.
pub(super) fn report(lines: Vec<String>) {
    let _ = WATCHER.try_with(|watcher| {
        watcher
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(lines)
    });
}
