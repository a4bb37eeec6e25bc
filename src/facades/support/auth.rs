//! The Support API's front door (Zendesk, "Security and authentication"): HTTP Basic with
//! `email:password` or `email/token:API_TOKEN`, or an OAuth access token as
//! `Authorization: Bearer <token>` (the model's bearer tokens, which Zopim's clients send too).
//!
//! Password checks go through [`VerifiedPasswords`], as in the classic facade: Basic clients send
//! the password with every request and Argon2 costs tens of milliseconds, so only the first
//! request with a password pays it, on the blocking pool.

use std::sync::{Arc, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use http::header::AUTHORIZATION;

use super::error::SupportError;
use super::routes::{Access, Action};
use crate::auth::verified::VerifiedPasswords;
use crate::auth::{Principal, authenticate_token, hash_password, verify_password};
use crate::http::LayerError;
use crate::model::{PasswordHash, State, Store, TokenKind, View};

/// The user name suffix that marks an API token as the password (`email/token:TOKEN`).
const TOKEN_SUFFIX: &str = "/token";

/// Who a request acts as, as far as is known without waiting.
pub enum Caller {
    Known(Principal),
    /// An `email:password` this process has not verified yet: Argon2 runs first.
    Unverified(PasswordCheck),
}

/// The caller. Anything that does not authenticate (no header, another scheme, bad base64, an
/// unknown email, a wrong password or token, an inactive user) is the same 401.
pub fn authenticate(
    passwords: &Arc<VerifiedPasswords>,
    view: &State,
    headers: &HeaderMap,
) -> Result<Caller, SupportError> {
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(SupportError::Unauthorized)?;
    let (scheme, rest) = value.split_once(' ').ok_or(SupportError::Unauthorized)?;
    if scheme.eq_ignore_ascii_case("bearer") {
        let token = rest.trim_ascii();
        return authenticate_token(view, TokenKind::Bearer, token)
            .map(Caller::Known)
            .ok_or(SupportError::Unauthorized);
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(SupportError::Unauthorized);
    }
    let (user, secret) = basic_credentials(rest).ok_or(SupportError::Unauthorized)?;
    match user.strip_suffix(TOKEN_SUFFIX) {
        Some(email) => token_user(view, email, &secret).map(Caller::Known),
        None => Ok(password_user(passwords, view, &user, secret)),
    }
}

/// `base64(user:secret)`, split at the first colon (RFC 7617).
fn basic_credentials(encoded: &str) -> Option<(String, String)> {
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, secret) = decoded.split_once(':')?;
    if user.is_empty() {
        return None;
    }
    Some((user.to_owned(), secret.to_owned()))
}

/// `email/token:TOKEN`: an API token, belonging to the user named.
fn token_user(view: &State, email: &str, token: &str) -> Result<Principal, SupportError> {
    let principal =
        authenticate_token(view, TokenKind::Api, token).ok_or(SupportError::Unauthorized)?;
    let holder = view
        .agent(principal.agent)
        .ok_or(SupportError::Unauthorized)?;
    if holder.email.key() != email.to_ascii_lowercase() {
        return Err(SupportError::Unauthorized);
    }
    Ok(principal)
}

/// `email:password`: known at once when the password is remembered as verified.
fn password_user(
    passwords: &Arc<VerifiedPasswords>,
    view: &State,
    email: &str,
    password: String,
) -> Caller {
    let found = view
        .agent_by_email(email)
        .filter(|a| a.active)
        .and_then(|a| a.credentials.password.clone().map(|hash| (a, hash)));
    let against = found.map(|(agent, hash)| {
        (
            Principal {
                agent: agent.id,
                roles: agent.roles,
            },
            hash,
        )
    });
    if let Some((principal, hash)) = &against
        && passwords.remembers(principal.agent, hash, &password)
    {
        return Caller::Known(*principal);
    }
    Caller::Unverified(PasswordCheck {
        passwords: Arc::clone(passwords),
        password,
        against,
    })
}

/// A password to check with Argon2, and the user it would authenticate (none for an unknown
/// email: a check is made all the same, so the time taken tells nothing).
pub struct PasswordCheck {
    passwords: Arc<VerifiedPasswords>,
    password: String,
    against: Option<(Principal, PasswordHash)>,
}

impl PasswordCheck {
    /// Runs the check on the blocking pool; gives back the caller and the state as it is then.
    pub async fn verify(self, store: &Store) -> Result<(Principal, View), SupportError> {
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
            return Err(SupportError::Unauthorized);
        };
        let id = principal.agent;
        if !blocking(move || passwords.verify(id, &hash, &password)).await? {
            return Err(SupportError::Unauthorized);
        }
        // The user may have been deactivated while Argon2 ran.
        let view = store.view();
        let agent = view
            .agent(id)
            .filter(|a| a.active)
            .ok_or(SupportError::Unauthorized)?;
        let principal = Principal {
            agent: id,
            roles: agent.roles,
        };
        Ok((principal, view))
    }
}

fn dummy_hash() -> Option<&'static PasswordHash> {
    static DUMMY: OnceLock<Option<PasswordHash>> = OnceLock::new();
    DUMMY
        .get_or_init(|| hash_password("deskbridge: no such user").ok())
        .as_ref()
}

/// Runs Argon2 work on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SupportError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "password work failed");
        SupportError::Layer(LayerError::Internal)
    })
}

/// Administrators (and the owner) write; agents read.
pub fn authorize(principal: Principal, action: Action) -> Result<(), SupportError> {
    let allowed = match action.access() {
        Access::Staff => principal.roles.is_staff(),
        Access::Admin => principal.roles.is_admin(),
    };
    if allowed {
        Ok(())
    } else {
        Err(SupportError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use std::sync::LazyLock;

    static STATE: LazyLock<State> = LazyLock::new(|| crate::fixtures::default_state().unwrap());

    fn caller(authorization: &str) -> Result<Caller, SupportError> {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(authorization).unwrap());
        authenticate(&Arc::new(VerifiedPasswords::default()), &STATE, &headers)
    }

    fn known(result: Result<Caller, SupportError>) -> Option<u64> {
        match result {
            Ok(Caller::Known(p)) => Some(p.agent.0),
            _ => None,
        }
    }

    #[test]
    fn a_bearer_token_or_an_api_token_for_its_own_email_opens() {
        assert_eq!(known(caller("Bearer deskbridge-admin-token")), Some(1));
        assert_eq!(known(caller("bearer  deskbridge-agent-token ")), Some(2));
        // admin@example.com/token:deskbridge-admin-api-token
        let basic = STANDARD.encode("admin@example.com/token:deskbridge-admin-api-token");
        assert_eq!(known(caller(&format!("Basic {basic}"))), Some(1));
        let other = STANDARD.encode("agent@example.com/token:deskbridge-admin-api-token");
        assert!(matches!(
            caller(&format!("Basic {other}")),
            Err(SupportError::Unauthorized)
        ));
        for bad in [
            "Bearer nope",
            "Token deskbridge-admin-token",
            "Basic !!!",
            "Bearer",
        ] {
            assert!(
                matches!(caller(bad), Err(SupportError::Unauthorized)),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_password_waits_for_its_check() {
        let basic = STANDARD.encode("admin@example.com:whatever");
        assert!(matches!(
            caller(&format!("Basic {basic}")),
            Ok(Caller::Unverified(_))
        ));
    }
}
