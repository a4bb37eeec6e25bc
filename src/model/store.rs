//! The store handle: the one path every write takes, and the reads' way in.
//!
//! Readers take a [`View`] (or, for one request, a [`Read`]), an immutable snapshot; they never
//! lock and never see a half-applied write, because a writer builds the next state beside the
//! current one (`apply.rs`) and publishes it with one atomic swap (`publish.rs`). The persistent
//! maps (`imbl`) share all untouched structure between the two, so a write costs `O(log n)` and
//! not a copy. Writers are serialized by one mutex, which also gives the journal (when there is
//! one, through the commit task of `commit.rs`) its commit order.
//!
//! `dashmap` was considered and not used here: a set of independent concurrent maps cannot publish
//! a department, its name index entry and both membership directions as one change.

use std::sync::Arc;

use tokio::sync::oneshot;

use super::agent::Username;
use super::change::Batch;
use super::command::{Command, NewAgent, Outcome};
use super::commit::{self, Journal, Pending};
use super::describe;
use super::error::{AgentField, ModelError};
use super::ids::{AgentId, Timestamp};
use super::observe;
use super::publish::Shared;
use super::state::{State, View};

/// How often [`Store::create_agent`] picks a username when other writes keep taking the one it
/// picked.
const USERNAME_TRIES: usize = 8;

/// The shared handle to the state. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    /// The commit task's queue, when writes are journaled.
    queue: Option<std::sync::mpsc::Sender<commit::Message>>,
}

/// The published state, borrowed for the length of one request (see [`Store::read`]). Derefs to
/// the [`View`], and through it to the [`State`].
pub struct Read(arc_swap::Guard<View>);

impl std::ops::Deref for Read {
    type Target = View;

    #[inline]
    fn deref(&self) -> &View {
        &self.0
    }
}

impl Store {
    /// A store held in memory only.
    pub fn new(state: State) -> Self {
        Self {
            inner: Arc::new(Inner {
                shared: Shared::new(state, 0),
                queue: None,
            }),
        }
    }

    /// A store whose writes go to `journal` and are acknowledged only once it has them. `seq` is
    /// the number of the last batch `state` already contains; the next write is `seq + 1`.
    /// Starts the commit task (a thread, since the journal does blocking file I/O).
    pub fn with_journal(
        state: State,
        seq: u64,
        journal: Box<dyn Journal>,
    ) -> std::io::Result<Self> {
        let shared = Shared::new(state, seq);
        let queue = commit::spawn(Arc::clone(&shared), seq, journal)?;
        Ok(Self {
            inner: Arc::new(Inner {
                shared,
                queue: Some(queue),
            }),
        })
    }

    /// The current state. Everything a response shows should come from one view.
    pub fn view(&self) -> View {
        self.inner.shared.load_full()
    }

    /// The current state for the length of one request: derefs to a [`View`] but takes no
    /// reference count on it (arc-swap's thread-local debt slots), since every request's count
    /// on the one shared state would bounce its cache line between the cores.
    #[inline]
    pub fn read(&self) -> Read {
        Read(self.inner.shared.load())
    }

    /// Applies one command atomically: on success the new state is published and returned with
    /// the outcome; on error nothing changes. With a journal, success means the write's changes
    /// are in the journal (fsynced, if so configured), and [`ModelError::Storage`] means they
    /// could not be put there: the write is undone, as is every write queued behind it.
    pub async fn apply(&self, command: Command) -> Result<(View, Outcome), ModelError> {
        self.write(|head| {
            let mut next = State::clone(head);
            let outcome = next.apply(command, Timestamp::now())?;
            Ok((next, outcome))
        })
        .await
    }

    /// Creates an agent for a vendor that has no login names (classic Zendesk, Zopim): `agent`
    /// makes it from a username no agent holds yet ([`State::unused_username`] of `email`).
    /// Another write may take that name between the look and the write; the create then picks
    /// again, up to [`USERNAME_TRIES`] times. `Ok(None)` when the email gives no username (or the
    /// write named no agent, which a create always does): the caller's internal error.
    pub async fn create_agent(
        &self,
        email: &str,
        agent: impl Fn(Username) -> NewAgent,
    ) -> Result<Option<(View, AgentId)>, ModelError> {
        let mut tries = 1;
        loop {
            let Some(username) = self.view().unused_username(email) else {
                return Ok(None);
            };
            let agent = agent(username);
            match self.apply(Command::CreateAgent { agent }).await {
                Err(ModelError::DuplicateAgent {
                    field: AgentField::Username,
                }) if tries < USERNAME_TRIES => tries += 1,
                Err(e) => return Err(e),
                Ok((view, Outcome::Agent(id))) => return Ok(Some((view, id))),
                Ok(_) => return Ok(None),
            }
        }
    }

    /// Replaces the whole state with `state`, atomically and as one write: journaled as the
    /// changes between the two (a diff over shared structure, so going back to a close state is
    /// cheap), and given the next version, so that no cache keyed by version can take it for an
    /// older state.
    pub async fn replace(&self, state: State) -> Result<View, ModelError> {
        let (view, ()) = self.write(|_| Ok((state, ()))).await?;
        Ok(view)
    }

    /// The one path of every write: `build` makes the next state from the writers' head; it is
    /// then versioned, journaled (when there is a journal) and published, under the same
    /// guarantees as [`Store::apply`].
    async fn write<T>(
        &self,
        build: impl FnOnce(&State) -> Result<(State, T), ModelError>,
    ) -> Result<(View, T), ModelError> {
        let (next, outcome, done, described) = {
            let mut writer = self.inner.shared.writer();
            let (mut next, outcome) = build(writer.head())?;
            next.version = writer.head().version + 1;
            let next = Arc::new(next);
            // For the request journal, when the request is watched (`observe.rs`); reported
            // once the write is committed.
            let described = observe::watched().then(|| describe::changes(writer.head(), &next));
            let done = match &self.inner.queue {
                None => {
                    self.inner.shared.publish(Arc::clone(&next));
                    None
                }
                Some(queue) => {
                    let changes = next.changes_since(writer.head());
                    // A write that changed no record (revoking an unknown token) needs no batch,
                    // but still queues behind the others so that it never publishes their
                    // un-durable changes early.
                    let batch = (!changes.is_empty()).then(|| Batch {
                        seq: writer.next_seq(),
                        version: Some(next.version),
                        changes,
                    });
                    let (tx, rx) = oneshot::channel();
                    // Sent under the lock, so the queue holds batches in sequence order.
                    let pending = Pending {
                        batch,
                        state: Arc::clone(&next),
                        done: tx,
                    };
                    if queue.send(commit::Message::Commit(pending)).is_err() {
                        tracing::error!("write refused: the journal is closed");
                        return Err(ModelError::Storage);
                    }
                    Some(rx)
                }
            };
            writer.advance(Arc::clone(&next));
            (next, outcome, done, described)
        };
        if let Some(done) = done {
            // The commit task answers every pending write; a dropped sender means it is gone.
            done.await.unwrap_or(Err(ModelError::Storage))?;
        }
        if let Some(lines) = described {
            observe::report(lines);
        }
        Ok((next, outcome))
    }

    /// Flushes the journal and stops the commit task; later writes fail with
    /// [`ModelError::Storage`]. Nothing to do for a store held in memory.
    pub async fn close(&self) {
        if let Some(queue) = &self.inner.queue {
            let (tx, rx) = oneshot::channel();
            if queue.send(commit::Message::Close(tx)).is_ok() {
                let _ = rx.await;
            }
        }
    }
}
