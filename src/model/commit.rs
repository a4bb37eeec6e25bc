//! Group commit: the one task that puts writes in the journal and publishes them.
//!
//! A writer applies its command under the store's writer lock to the newest state (the *head*),
//! queues the resulting [`Batch`] here, and waits. This task takes everything queued, hands it to
//! the [`Journal`] in one call (one write, one fsync for the lot), then publishes the newest state
//! to readers and answers every writer. So readers never see a write that is not durable, a write
//! is acknowledged only once it is, and concurrent writers share one fsync instead of queueing
//! behind the disk one by one.
//!
//! If the journal fails, the writes of that group and every write queued behind them (which were
//! built on top of them) are refused with [`ModelError::Storage`], and the head goes back to the
//! last published (durable) state. Taking the writer lock for that stops new writes from queueing
//! on a head that is being thrown away.
//!
//! The task is an OS thread rather than a tokio task: the journal does blocking file I/O and fsync,
//! which must not hold up the request workers.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};

use tokio::sync::oneshot;

use super::change::Batch;
use super::error::ModelError;
use super::publish::Shared;
use super::state::View;

/// Why a journal could not take a group of batches: any error, logged with its cause chain.
pub type JournalError = Box<dyn std::error::Error + Send + Sync>;

/// Where committed batches go to become durable (the persist layer's journal).
pub trait Journal: Send + 'static {
    /// Appends the batches, in sequence order, and makes them as durable as configured before
    /// returning. `state` is the state they lead to (for compaction). On error none of them may
    /// count: the implementation cuts the log back to where it was before the call, or refuses
    /// every later call.
    fn commit(&mut self, batches: &[&Batch], state: &View) -> Result<(), JournalError>;

    /// Flushes everything appended so far; called once, when the store closes.
    fn close(&mut self) -> Result<(), JournalError>;
}

/// One write waiting for the journal.
pub(super) struct Pending {
    /// `None` for a write that changed no record: it only waits for the writes before it.
    pub(super) batch: Option<Batch>,
    /// The state after this write.
    pub(super) state: View,
    pub(super) done: oneshot::Sender<Result<(), ModelError>>,
}

pub(super) enum Message {
    Commit(Pending),
    /// Flush and stop; the sender learns when that is done.
    Close(oneshot::Sender<()>),
}

/// The most writes committed as one group, so that one huge burst cannot delay its first
/// writer's answer without bound.
const MAX_GROUP: usize = 1024;

/// Starts the commit task for a store whose published state contains batches up to `seq`.
pub(super) fn spawn(
    shared: Arc<Shared>,
    seq: u64,
    journal: Box<dyn Journal>,
) -> std::io::Result<Sender<Message>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("deskbridge-commit".into())
        .spawn(move || run(shared, seq, rx, journal))?;
    Ok(tx)
}

fn run(
    shared: Arc<Shared>,
    mut durable_seq: u64,
    rx: Receiver<Message>,
    mut journal: Box<dyn Journal>,
) {
    let mut close = None;
    // Runs until a close message, or until every store handle is gone (the queue disconnects).
    while close.is_none() {
        let Ok(first) = rx.recv() else { break };
        let mut group = Vec::new();
        match first {
            Message::Commit(pending) => group.push(pending),
            Message::Close(tx) => close = Some(tx),
        }
        while close.is_none() && group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(Message::Commit(pending)) => group.push(pending),
                Ok(Message::Close(tx)) => close = Some(tx),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let Some(last) = group.last() else { continue };
        let newest = Arc::clone(&last.state);
        let batches: Vec<&Batch> = group.iter().filter_map(|p| p.batch.as_ref()).collect();
        let last_seq = batches.last().map(|b| b.seq);
        let written = if batches.is_empty() {
            Ok(())
        } else {
            journal.commit(&batches, &newest)
        };
        match written {
            Ok(()) => {
                durable_seq = last_seq.unwrap_or(durable_seq);
                shared.publish(newest);
                for pending in group {
                    let _ = pending.done.send(Ok(()));
                }
            }
            Err(error) => {
                tracing::error!(
                    error = &*error as &dyn std::error::Error,
                    writes = group.len(),
                    "the journal refused a write; it and the writes queued behind it fail"
                );
                if let Some(tx) = roll_back(&shared, durable_seq, &rx, group) {
                    close = Some(tx);
                }
            }
        }
    }
    if let Err(error) = journal.close() {
        tracing::error!(
            error = &*error as &dyn std::error::Error,
            "flushing the journal at close failed"
        );
    }
    // Dropped before answering, so that whatever the journal holds (its files, their lock) is
    // released by the time `close` returns.
    drop(journal);
    if let Some(tx) = close {
        let _ = tx.send(());
    }
}

/// Refuses `group` and everything queued behind it, and puts the head back to the published
/// state. Returns a close request found in the queue.
fn roll_back(
    shared: &Shared,
    durable_seq: u64,
    rx: &Receiver<Message>,
    group: Vec<Pending>,
) -> Option<oneshot::Sender<()>> {
    // Under the writer lock nothing new can be queued, so this empties the queue for good.
    let (refused, close) = shared.roll_back(durable_seq, || {
        let mut refused = group;
        let mut close = None;
        loop {
            match rx.try_recv() {
                Ok(Message::Commit(pending)) => refused.push(pending),
                Ok(Message::Close(tx)) => close = Some(tx),
                Err(_) => break,
            }
        }
        (refused, close)
    });
    for pending in refused {
        let _ = pending.done.send(Err(ModelError::Storage));
    }
    close
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::model::command::Command;
    use crate::model::state::State;
    use crate::model::store::Store;

    /// A journal in memory: remembers each group's sequence numbers, can be told to fail, and
    /// takes a while per group, as an fsync does.
    #[derive(Clone, Default)]
    struct FakeJournal {
        groups: Arc<Mutex<Vec<Vec<u64>>>>,
        fail: Arc<AtomicBool>,
    }

    impl Journal for FakeJournal {
        fn commit(&mut self, batches: &[&Batch], _state: &View) -> Result<(), JournalError> {
            std::thread::sleep(Duration::from_millis(5));
            if self.fail.load(Ordering::SeqCst) {
                return Err("disk full".into());
            }
            let seqs = batches.iter().map(|b| b.seq).collect();
            self.groups.lock().unwrap().push(seqs);
            Ok(())
        }

        fn close(&mut self) -> Result<(), JournalError> {
            Ok(())
        }
    }

    fn setting(i: usize) -> Command {
        Command::SetSetting {
            name: format!("s{i}"),
            value: Some(serde_json::json!(i)),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_share_a_commit_and_keep_sequence_order() {
        let journal = FakeJournal::default();
        let store = Store::with_journal(State::empty(), 0, Box::new(journal.clone())).unwrap();

        let writes = (0..64).map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.apply(setting(i)).await.map(|_| ()) })
        });
        for write in writes.collect::<Vec<_>>() {
            write.await.unwrap().unwrap();
        }

        let groups = journal.groups.lock().unwrap().clone();
        let seqs: Vec<u64> = groups.iter().flatten().copied().collect();
        assert_eq!(seqs, (1..=64).collect::<Vec<_>>());
        assert!(
            groups.len() < 64,
            "no two writes shared a commit: {groups:?}"
        );
        assert_eq!(store.view().settings().count(), 64);
    }

    #[tokio::test]
    async fn a_failed_journal_write_is_refused_and_leaves_the_state_as_it_was() {
        let journal = FakeJournal::default();
        let store = Store::with_journal(State::empty(), 0, Box::new(journal.clone())).unwrap();
        store.apply(setting(1)).await.unwrap();
        let before = store.view();

        journal.fail.store(true, Ordering::SeqCst);
        let refused = store.apply(setting(2)).await;
        journal.fail.store(false, Ordering::SeqCst);
        store.apply(setting(3)).await.unwrap();

        assert_eq!(refused.unwrap_err(), ModelError::Storage);
        assert_eq!(before.settings().count(), 1);
        let after = store.view();
        let names: Vec<&str> = after.settings().map(|(k, _)| k).collect();
        assert_eq!(names, ["s1", "s3"]);
        // The refused write's number is given again: the journal never skips one.
        let seqs: Vec<u64> = journal
            .groups
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .copied()
            .collect();
        assert_eq!(seqs, [1, 2]);
    }

    #[tokio::test]
    async fn a_closed_store_refuses_writes() {
        let store =
            Store::with_journal(State::empty(), 0, Box::new(FakeJournal::default())).unwrap();
        store.close().await;
        assert_eq!(
            store.apply(setting(1)).await.unwrap_err(),
            ModelError::Storage
        );
    }
}
