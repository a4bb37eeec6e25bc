//! Credentials to principals, the same for every vendor's front door.
//!
//! Tokens are stored as SHA-256 digests and looked up by digest, so the secret is never held or
//! compared in the clear; the digest found is compared once more in constant time. Passwords are
//! stored as Argon2id hashes. Nothing here logs a secret. [`verified`] remembers passwords that
//! verified, for front doors that receive one with every request.

pub mod verified;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::model::{AgentId, PasswordHash, RoleSet, State, TokenDigest, TokenKind};

/// Who is calling, once a front door has checked their credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub agent: AgentId,
    pub roles: RoleSet,
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
    let held = agent
        .credentials
        .tokens
        .iter()
        .any(|t| t.kind == kind && same_digest(&t.digest, digest));
    (held && agent.active).then_some(Principal {
        agent: agent.id,
        roles: agent.roles,
    })
}

/// Whether two digests are equal, in a time that does not depend on where they differ: the
/// differences of their four words are folded together without a branch, and only the fold is
/// compared, through `subtle`. (Byte by byte, `ct_eq` puts an optimization barrier around each of
/// the 32 bytes: ~400 instructions per request, the most expensive step of a token check after
/// the hash.)
fn same_digest(a: &TokenDigest, b: &TokenDigest) -> bool {
    let (a, b) = (a.0.as_chunks::<8>().0, b.0.as_chunks::<8>().0);
    let difference = a.iter().zip(b).fold(0u64, |folded, (x, y)| {
        folded | (u64::from_ne_bytes(*x) ^ u64::from_ne_bytes(*y))
    });
    bool::from(difference.ct_eq(&0))
}

/// Why a password could not be hashed or a stored hash read.
#[derive(Debug, thiserror::Error)]
#[error("password hash: {0}")]
pub struct PasswordError(String);

/// Hashes a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<PasswordHash, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|e| PasswordError(e.to_string()))
}

/// Checks that a stored hash is a PHC string this build can verify.
pub fn parse_password_hash(phc: &str) -> Result<PasswordHash, PasswordError> {
    argon2::password_hash::PasswordHash::new(phc).map_err(|e| PasswordError(e.to_string()))?;
    Ok(PasswordHash(phc.to_owned()))
}

/// Whether `password` matches the stored hash. Verification time does not depend on where the
/// first differing byte is.
pub fn verify_password(hash: &PasswordHash, password: &str) -> bool {
    match argon2::password_hash::PasswordHash::new(&hash.0) {
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
    fn digests_are_the_same_only_when_every_byte_is() {
        let digest = token_digest("a token");
        assert!(same_digest(&digest, &token_digest("a token")));
        assert!(!same_digest(&digest, &token_digest("another token")));
        for byte in 0..32 {
            for bit in 0..8 {
                let mut other = digest;
                other.0[byte] ^= 1 << bit;
                assert!(!same_digest(&digest, &other), "byte {byte}, bit {bit}");
            }
        }
    }

    #[test]
    fn a_hashed_password_verifies_only_with_itself() {
        let hash = hash_password("s3cret").unwrap();
        assert!(!hash.0.contains("s3cret"));
        assert!(verify_password(&hash, "s3cret"));
        assert!(!verify_password(&hash, "s3creT"));
    }
}
