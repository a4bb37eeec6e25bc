//! The Support API's front door (Zendesk, "Security and authentication"): HTTP Basic with
//! `email:password` or `email/token:API_TOKEN`, or an OAuth access token as
//! `Authorization: Bearer <token>` (the model's bearer tokens, which Zopim's clients send too).
//!
//! Reading Basic, checking a password and an API token are shared with the classic and Zopim
//! facades (`crate::auth::basic`), and so is the memory of verified passwords: Basic clients send
//! the password with every request and Argon2 costs tens of milliseconds, so only the first
//! request with a password pays it, on the blocking pool.

use std::sync::Arc;

use http::HeaderMap;

use super::error::SupportError;
use super::routes::Action;
pub use crate::auth::basic::Caller;
use crate::auth::basic::{PasswordCheck, api_token_login, basic_credentials, password_login};
use crate::auth::bearer::bearer_token;
use crate::auth::verified::VerifiedPasswords;
use crate::auth::{Principal, authenticate_token};
use crate::http::LayerError;
use crate::model::{State, Store, TokenKind, View};

/// The user name suffix that marks an API token as the password (`email/token:TOKEN`).
const TOKEN_SUFFIX: &str = "/token";

/// The caller. Anything that does not authenticate (no header, another scheme, bad base64, an
/// unknown email, a wrong password or token, an inactive user) is the same 401.
pub fn authenticate(
    passwords: &Arc<VerifiedPasswords>,
    view: &State,
    headers: &HeaderMap,
) -> Result<Caller, SupportError> {
    if let Some(token) = bearer_token(headers) {
        return authenticate_token(view, TokenKind::Bearer, token)
            .map(Caller::Known)
            .ok_or(SupportError::Unauthorized);
    }
    let (user, secret) = basic_credentials(headers).ok_or(SupportError::Unauthorized)?;
    match user.strip_suffix(TOKEN_SUFFIX) {
        Some(email) => api_token_login(view, email, &secret)
            .map(Caller::Known)
            .ok_or(SupportError::Unauthorized),
        None => Ok(password_login(passwords, view, &user, secret).into()),
    }
}

/// Runs a password check on the blocking pool; gives back the caller and the state as it is
/// then (the user may have been deactivated while Argon2 ran).
pub async fn verify(
    check: PasswordCheck,
    store: &Store,
) -> Result<(Principal, View), SupportError> {
    let principal = check
        .verify()
        .await
        .map_err(|_| SupportError::Layer(LayerError::Internal))?
        .ok_or(SupportError::Unauthorized)?;
    let view = store.view();
    let agent = view
        .agent(principal.agent)
        .filter(|a| a.active)
        .ok_or(SupportError::Unauthorized)?;
    let principal = Principal {
        agent: agent.id,
        roles: agent.roles,
    };
    Ok((principal, view))
}

/// Administrators (and the owner) write; agents read; anyone signed in reaches their own
/// password.
pub fn authorize(principal: Principal, action: Action) -> Result<(), SupportError> {
    principal
        .may(action.access())
        .then_some(())
        .ok_or(SupportError::Forbidden)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use http::HeaderValue;
    use http::header::AUTHORIZATION;
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
