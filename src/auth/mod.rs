//! Credentials to principals, the same for every vendor's front door.
//!
//! Tokens are stored as SHA-256 digests and looked up by digest, so the secret is never held or
//! compared in the clear. Passwords are stored as Argon2id hashes. Nothing here logs a secret. [`verified`] remembers passwords that
//! verified, for front doors that receive one with every request.

pub mod basic;
pub mod bearer;
pub mod verified;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use sha2::{Digest, Sha256};

use crate::model::{AgentId, PasswordHash, RoleSet, State, TokenDigest, TokenKind};

/// Who is calling, once a front door has checked their credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub agent: AgentId,
    pub roles: RoleSet,
}

/// Who may take an action, for a front door that grades its callers by role alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who authenticated, end users included.
    Anyone,
    /// Agents and administrators.
    Staff,
    /// Administrators (and the account owner).
    Admin,
}

impl Principal {
    /// Whether the caller's roles reach `access`.
    pub fn may(self, access: Access) -> bool {
        match access {
            Access::Anyone => true,
            Access::Staff => self.roles.is_staff(),
            Access::Admin => self.roles.is_admin(),
        }
    }
}

/// The digest a token is stored and looked up by.
pub fn token_digest(secret: &str) -> TokenDigest {
    TokenDigest(Sha256::digest(secret.as_bytes()).into())
}

/// The active agent holding this token for this front door, if any.
pub fn authenticate_token(view: &State, kind: TokenKind, secret: &str) -> Option<Principal> {
    authenticate_digest(view, kind, &token_digest(secret))
}

/// [`authenticate_token`] for a caller that already holds the token's digest.
pub fn authenticate_digest(
    view: &State,
    kind: TokenKind,
    digest: &TokenDigest,
) -> Option<Principal> {
    let agent = view.agent_by_token(digest)?;
    // The look-up already matched the whole digest; this only finds which of the agent's tokens
    // it is, for its kind. No constant-time compare, here or in the look-up: what is compared is
    // a SHA-256 digest, not the secret, and the time taken to find where two digests differ tells
    // a caller nothing about a secret that would hash to the stored one.
    let held = match kind {
        // Login sessions are kept apart from the agent's record (model/session.rs).
        TokenKind::Session => view
            .sessions_of(agent.id)
            .iter()
            .any(|s| s.digest == *digest),
        _ => agent
            .credentials
            .tokens
            .iter()
            .any(|t| t.kind == kind && t.digest == *digest),
    };
    (held && agent.active).then_some(Principal {
        agent: agent.id,
        roles: agent.roles,
    })
}

/// Why a password could not be hashed or a stored hash read.
#[derive(Debug, thiserror::Error)]
#[error("password hash: {0}")]
pub struct PasswordError(String);

/// Hashes a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<PasswordHash, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    let phc = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| PasswordError(e.to_string()))?
        .to_string();
    PasswordHash::parse(&phc).map_err(|e| PasswordError(e.to_string()))
}

/// Whether `password` matches the stored hash. Verification time does not depend on where the
/// first differing byte is.
pub fn verify_password(hash: &PasswordHash, password: &str) -> bool {
    match argon2::password_hash::PasswordHash::new(hash.as_str()) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_its_own_door_and_no_digest_a_bit_away_does() {
        let now = crate::model::Timestamp::from_unix_millis(0);
        let mut state = crate::model::StateBuilder::new();
        state
            .insert_agent(crate::model::Agent {
                id: AgentId(1),
                uid: crate::model::UserUid::generate(),
                username: crate::model::Username::parse("a").unwrap(),
                display_name: "A".into(),
                email: crate::model::Email::parse("a@example.com").unwrap(),
                roles: RoleSet::default(),
                active: true,
                time_zone: None,
                presence: Default::default(),
                accepts_chats: true,
                created_at: now,
                updated_at: now,
                credentials: crate::model::Credentials {
                    password: None,
                    tokens: vec![crate::model::AccessToken {
                        kind: TokenKind::Bearer,
                        digest: token_digest("a token"),
                    }],
                },
            })
            .unwrap();
        let state = state.build();
        let digest = token_digest("a token");

        assert!(authenticate_digest(&state, TokenKind::Bearer, &digest).is_some());
        assert!(authenticate_digest(&state, TokenKind::Api, &digest).is_none());
        assert!(authenticate_token(&state, TokenKind::Bearer, "another token").is_none());
        for byte in 0..32 {
            for bit in 0..8 {
                let mut other = digest;
                other.0[byte] ^= 1 << bit;
                assert!(
                    authenticate_digest(&state, TokenKind::Bearer, &other).is_none(),
                    "byte {byte}, bit {bit}"
                );
            }
        }
    }

    #[test]
    fn a_hashed_password_verifies_only_with_itself() {
        let hash = hash_password("s3cret").unwrap();
        assert!(!hash.as_str().contains("s3cret"));
        assert!(verify_password(&hash, "s3cret"));
        assert!(!verify_password(&hash, "s3creT"));
    }
}
