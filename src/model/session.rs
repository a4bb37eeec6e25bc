//! Login sessions: the tokens a login call issues, kept apart from an agent's record.
//!
//! An agent may log in many times (a CI suite logs in once per test), so its sessions are not
//! part of the [`Agent`](super::Agent) record: were they, every login would copy, journal and
//! snapshot the agent's whole session list, and the cost of a login would grow with every
//! earlier one. Here a login adds one [`Session`] and is journaled as that one session
//! ([`Change::PutSession`](super::Change::PutSession)); a logout removes one.
//!
//! An agent holds at most [`MAX_SESSIONS_PER_AGENT`] sessions: a login past the bound ends the
//! oldest first (docs/rocketchat.md, "Sessions"). Sessions also end by age, which the facade
//! that issued them decides (Rocket.Chat's `Accounts_LoginExpiration`): a login may drop every
//! session started before a time it names, and a facade refuses a session older than its limit.
//! Session digests share the token index with the agent's other tokens, so a digest opens at
//! most one door.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::agent::{Agent, TokenDigest, TokenKind};
use super::command::Outcome;
use super::error::ModelError;
use super::ids::{AgentId, Timestamp};
use super::state::State;

/// The most sessions one agent holds; a login past it ends the agent's oldest session. Large
/// enough for one person's browsers, phones and scripts, small enough that a client logging in
/// in a loop keeps memory and the data directory flat (each session is about 50 bytes in memory
/// and one journal record of about 200 bytes).
pub const MAX_SESSIONS_PER_AGENT: usize = 64;

/// One login session: the digest of its token and when it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub digest: TokenDigest,
    pub started_at: Timestamp,
}

/// An agent's sessions, oldest first; never empty in the store (an agent without sessions has
/// no entry).
pub(super) type Sessions = Arc<[Session]>;

impl State {
    /// An agent's sessions, oldest first.
    pub fn sessions_of(&self, agent: AgentId) -> &[Session] {
        self.sessions.get(&agent).map_or(&[][..], |list| list)
    }

    /// The session with this token digest and the agent holding it.
    pub fn session(&self, digest: &TokenDigest) -> Option<(AgentId, Session)> {
        let agent = *self.agent_by_token.get(digest)?;
        self.sessions_of(agent)
            .iter()
            .find(|s| s.digest == *digest)
            .map(|s| (agent, *s))
    }

    /// How many sessions all agents hold; `O(agents with sessions)`.
    pub fn session_count(&self) -> usize {
        self.sessions.values().map(|list| list.len()).sum()
    }

    /// Starts a session for an agent (a login): drops the agent's sessions started before
    /// `drop_started_before` (expired ones), then the oldest while the agent holds the most.
    pub(super) fn start_session(
        &mut self,
        id: AgentId,
        digest: TokenDigest,
        drop_started_before: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Outcome, ModelError> {
        self.require_agent(id)?;
        if self.agent_by_token.contains_key(&digest) {
            return Err(ModelError::Invalid {
                field: "token",
                reason: "is already in use".into(),
            });
        }
        let mut list: Vec<Session> = self.sessions_of(id).to_vec();
        let mut gone: Vec<TokenDigest> = Vec::new();
        if let Some(cutoff) = drop_started_before {
            list.retain(|s| {
                let keep = s.started_at >= cutoff;
                if !keep {
                    gone.push(s.digest);
                }
                keep
            });
        }
        while list.len() >= MAX_SESSIONS_PER_AGENT {
            gone.push(list.remove(0).digest);
        }
        for digest in gone {
            self.agent_by_token.remove(&digest);
        }
        list.push(Session {
            digest,
            started_at: now,
        });
        self.agent_by_token.insert(digest, id);
        self.set_sessions(id, list);
        Ok(Outcome::Agent(id))
    }

    /// Ends one session of an agent; whether it held it.
    pub(super) fn end_session(&mut self, id: AgentId, digest: &TokenDigest) -> bool {
        let list = self.sessions_of(id);
        let Some(at) = list.iter().position(|s| s.digest == *digest) else {
            return false;
        };
        let mut list = list.to_vec();
        list.remove(at);
        self.agent_by_token.remove(digest);
        self.set_sessions(id, list);
        true
    }

    /// Ends every session of an agent (it is deleted).
    pub(super) fn end_sessions_of(&mut self, id: AgentId) {
        if let Some(list) = self.sessions.remove(&id) {
            for s in list.iter() {
                self.agent_by_token.remove(&s.digest);
            }
        }
    }

    /// Puts a session with its start time already chosen (replay, loading), in start order.
    /// Fails if another agent, or another of this agent's tokens, holds the digest.
    pub(super) fn put_session(&mut self, id: AgentId, session: Session) -> Result<(), ModelError> {
        self.require_agent(id)?;
        let mut list: Vec<Session> = self.sessions_of(id).to_vec();
        match self.agent_by_token.get(&session.digest) {
            Some(holder) if *holder != id || !list.iter().any(|s| s.digest == session.digest) => {
                return Err(ModelError::Invalid {
                    field: "tokens",
                    reason: "hold a token another agent (or this one) already holds".into(),
                });
            }
            _ => {}
        }
        list.retain(|s| s.digest != session.digest);
        let at = list.partition_point(|s| s.started_at <= session.started_at);
        list.insert(at, session);
        self.agent_by_token.insert(session.digest, id);
        self.set_sessions(id, list);
        Ok(())
    }

    fn set_sessions(&mut self, id: AgentId, list: Vec<Session>) {
        if list.is_empty() {
            self.sessions.remove(&id);
        } else {
            self.sessions.insert(id, Sessions::from(list));
        }
    }
}

/// Takes the session tokens out of an agent record (a record as fixtures give it, or as
/// journals written before sessions were kept apart hold it), as sessions started when the
/// record was last updated (the latest the record tells).
pub(super) fn split_sessions(agent: &mut Agent) -> Vec<Session> {
    let started_at = agent.updated_at;
    let mut sessions = Vec::new();
    agent.credentials.tokens.retain(|t| {
        let session = t.kind == TokenKind::Session;
        if session {
            sessions.push(Session {
                digest: t.digest,
                started_at,
            });
        }
        !session
    });
    sessions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::command::Command;
    use crate::model::store::Store;
    use crate::model::test_support::agent;

    fn digest(n: u32) -> TokenDigest {
        let mut bytes = [0u8; 32];
        bytes[..4].copy_from_slice(&n.to_be_bytes());
        TokenDigest(bytes)
    }

    #[tokio::test]
    async fn a_login_past_the_bound_ends_the_oldest_session() {
        let store = Store::new(State::empty());
        let a = agent(&store, "a").await;
        let total = MAX_SESSIONS_PER_AGENT as u32 + 3;
        for n in 0..total {
            store
                .apply(Command::StartSession {
                    id: a,
                    digest: digest(n),
                    drop_started_before: None,
                })
                .await
                .unwrap();
        }

        let view = store.view();

        let held: Vec<TokenDigest> = view.sessions_of(a).iter().map(|s| s.digest).collect();
        let expected: Vec<TokenDigest> = (3..total).map(digest).collect();
        assert_eq!(held, expected);
        assert!(view.session(&digest(0)).is_none());
        assert!(view.agent_by_token(&digest(0)).is_none());
        assert_eq!(view.session(&digest(3)).map(|(id, _)| id), Some(a));
        view.check_invariants().unwrap();
    }

    #[tokio::test]
    async fn a_login_drops_the_sessions_started_before_its_cutoff() {
        let store = Store::new(State::empty());
        let a = agent(&store, "a").await;
        for n in 0..3 {
            store
                .apply(Command::StartSession {
                    id: a,
                    digest: digest(n),
                    drop_started_before: None,
                })
                .await
                .unwrap();
        }
        let cutoff = Timestamp::from_unix_millis(i64::MAX);

        store
            .apply(Command::StartSession {
                id: a,
                digest: digest(9),
                drop_started_before: Some(cutoff),
            })
            .await
            .unwrap();

        let view = store.view();
        let held: Vec<TokenDigest> = view.sessions_of(a).iter().map(|s| s.digest).collect();
        assert_eq!(held, vec![digest(9)]);
        assert!(view.agent_by_token(&digest(1)).is_none());
        view.check_invariants().unwrap();
    }
}
