//! HTTP Basic `email:password` (RFC 7617), for every front door that takes it: classic Zendesk
//! on every request, Zopim beside its bearer token (the Chat API's docs show `curl -u
//! {email}:{password}` on every example).
//!
//! A password is checked through [`VerifiedPasswords`], because Basic clients send it with every
//! request and Argon2 costs tens of milliseconds: a password this process has verified before
//! opens at once; any other becomes a [`PasswordCheck`] that runs Argon2 on the blocking pool,
//! never on an async worker.

use std::sync::{Arc, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use http::header::AUTHORIZATION;

use super::verified::VerifiedPasswords;
use super::{Principal, hash_password, verify_password};
use crate::model::{PasswordHash, State, TokenKind};

/// Who a request acts as, as far as is known without waiting.
pub enum Caller {
    /// Authenticated at once: a token, or a password verified before.
    Known(Principal),
    /// An `email:password` this process has not verified yet: Argon2 has to run first, on the
    /// blocking pool.
    Unverified(PasswordCheck),
}

impl From<Result<Principal, PasswordCheck>> for Caller {
    /// What [`password_login`] found: the principal, or the check still to run.
    fn from(login: Result<Principal, PasswordCheck>) -> Self {
        match login {
            Ok(principal) => Caller::Known(principal),
            Err(check) => Caller::Unverified(check),
        }
    }
}

/// `Authorization: Basic base64(user:secret)`, split at the first colon (RFC 7617). `None` for
/// anything else: no header, another scheme, bad base64 or UTF-8, no colon, an empty user.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let mut user = String::from_utf8(decoded).ok()?;
    let colon = user.find(':')?;
    if colon == 0 {
        return None;
    }
    // The decoded text becomes the user, and only the secret is copied out of it: one
    // allocation fewer than copying both halves, on every Basic request.
    let secret = user.split_off(colon + 1);
    user.truncate(colon);
    Some((user, secret))
}

/// `email:password` against the active agent's stored hash: the principal when `passwords`
/// remembers this password as verified, else the check to run.
pub fn password_login(
    passwords: &Arc<VerifiedPasswords>,
    view: &State,
    email: &str,
    password: String,
) -> Result<Principal, PasswordCheck> {
    let found = view
        .agent_by_email(email)
        .filter(|a| a.active)
        .and_then(|a| a.credentials.password.clone().map(|hash| (a, hash)));
    let Some((agent, hash)) = found else {
        return Err(PasswordCheck {
            passwords: Arc::clone(passwords),
            password,
            against: None,
        });
    };
    let principal = Principal {
        agent: agent.id,
        roles: agent.roles,
    };
    if passwords.remembers(agent.id, &hash, &password) {
        return Ok(principal);
    }
    Err(PasswordCheck {
        passwords: Arc::clone(passwords),
        password,
        against: Some((principal, hash)),
    })
}

/// `email/token:TOKEN`: the principal when the token is an API token that belongs to the user the
/// email names (compared regardless of ASCII case).
pub fn api_token_login(view: &State, email: &str, token: &str) -> Option<Principal> {
    let principal = super::authenticate_token(view, TokenKind::Api, token)?;
    let holder = view.agent(principal.agent)?;
    // Compared as the store keys emails (ASCII case aside), without a lowercased copy of either.
    holder
        .email
        .as_str()
        .eq_ignore_ascii_case(email)
        .then_some(principal)
}

/// A password to check with Argon2, and the agent it would authenticate (none for an unknown
/// email: the check is made all the same).
pub struct PasswordCheck {
    passwords: Arc<VerifiedPasswords>,
    password: String,
    against: Option<(Principal, PasswordHash)>,
}

impl PasswordCheck {
    /// Runs the check on the blocking pool: the principal if the password matches, `None` if
    /// not. An unknown email takes as long as a real check, so that the time taken does not tell
    /// which emails exist.
    pub async fn verify(self) -> Result<Option<Principal>, BlockingFailed> {
        let PasswordCheck {
            passwords,
            password,
            against,
        } = self;
        let Some((principal, hash)) = against else {
            blocking(move || {
                if let Some(dummy) = dummy_hash() {
                    verify_password(dummy, &password);
                }
            })
            .await?;
            return Ok(None);
        };
        let id = principal.agent;
        let matches = blocking(move || passwords.verify(id, &hash, &password)).await?;
        Ok(matches.then_some(principal))
    }
}

/// A hash no password is checked against for real; made once, on the first unknown email.
fn dummy_hash() -> Option<&'static PasswordHash> {
    static DUMMY: OnceLock<Option<PasswordHash>> = OnceLock::new();
    DUMMY
        .get_or_init(|| hash_password("deskbridge: no such user").ok())
        .as_ref()
}

/// Work on the blocking pool panicked or was cancelled; logged where it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password work on the blocking pool failed")]
pub struct BlockingFailed;

/// Runs Argon2 work (a check, a hash) on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, BlockingFailed> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "password work failed");
        BlockingFailed
    })
}

/// Hashes a new password with Argon2 on the blocking pool, never on an async worker; a failure
/// is logged here, and is the gateway's own for the facade that asked.
pub async fn hash_blocking(password: String) -> Result<PasswordHash, BlockingFailed> {
    blocking(move || hash_password(&password))
        .await?
        .map_err(|e| {
            tracing::error!(error = %e, "hashing a password failed");
            BlockingFailed
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(authorization).unwrap());
        headers
    }

    #[test]
    fn basic_credentials_split_at_the_first_colon_and_take_any_scheme_case() {
        // "a@b.c:pa:ss" and "x/token:t"
        assert_eq!(
            basic_credentials(&headers("Basic YUBiLmM6cGE6c3M=")),
            Some(("a@b.c".into(), "pa:ss".into()))
        );
        assert_eq!(
            basic_credentials(&headers("basic eC90b2tlbjp0")),
            Some(("x/token".into(), "t".into()))
        );
        for bad in [
            "Bearer YUBiLmM6cGE6c3M=",
            "Basic !!!",
            "Basic YWJj",
            "Basic OnB3",
            "Basic",
        ] {
            assert_eq!(basic_credentials(&headers(bad)), None, "{bad}");
        }
    }
}
