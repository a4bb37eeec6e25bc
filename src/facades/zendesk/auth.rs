//! Zendesk's front door (spec B5): HTTP Basic with `email:password`, or `email/token:API_TOKEN`
//! (the later v1's API tokens), then `X-On-Behalf-Of: <email>` to act as another user.
//!
//! Reading Basic and checking a password are shared with Zopim (`crate::auth::basic`): through
//! [`VerifiedPasswords`], with the Argon2 work on the blocking pool, never on an async worker.

use std::sync::Arc;

use http::HeaderMap;

use super::error::ZendeskError;
use super::routes::Action;
use crate::auth::Principal;
pub use crate::auth::basic::Caller;
use crate::auth::basic::{PasswordCheck, api_token_login, basic_credentials, password_login};
use crate::auth::verified::VerifiedPasswords;
use crate::http::LayerError;
use crate::model::{State, Store, View};

/// The header that names the user to act as (spec B5; pgericson's `:on_behalf_of`).
const ON_BEHALF_OF: &str = "x-on-behalf-of";

/// The user name suffix that marks an API token as the password (`email/token:TOKEN`).
const TOKEN_SUFFIX: &str = "/token";

/// The user the request acts as. Anything that does not authenticate (no header, another scheme,
/// bad base64, an unknown email, a wrong password or token, an inactive user, a user without a
/// password) is the same 401, so a client learns nothing about which part was wrong. API tokens
/// and passwords [`VerifiedPasswords`] remembers are checked during the call.
pub fn authenticate(
    passwords: &Arc<VerifiedPasswords>,
    view: &State,
    headers: &HeaderMap,
) -> Result<Caller, ZendeskError> {
    let (user, secret) = basic_credentials(headers).ok_or(ZendeskError::Unauthorized)?;
    let caller = match user.strip_suffix(TOKEN_SUFFIX) {
        Some(email) => api_token_login(view, email, &secret).ok_or(ZendeskError::Unauthorized)?,
        None => match password_login(passwords, view, &user, secret) {
            Ok(caller) => caller,
            Err(check) => return Ok(Caller::Unverified(check)),
        },
    };
    on_behalf_of(view, headers, caller).map(Caller::Known)
}

/// Runs a password check, then applies `X-On-Behalf-Of` as [`authenticate`] does for a caller
/// known at once, against the state as it is then, which it gives back.
pub async fn verify(
    check: PasswordCheck,
    store: &Store,
    headers: &HeaderMap,
) -> Result<(Principal, View), ZendeskError> {
    let principal = check
        .verify()
        .await
        .map_err(|_| ZendeskError::Layer(LayerError::Internal))?
        .ok_or(ZendeskError::Unauthorized)?;
    let view = store.view();
    let principal = on_behalf_of(&view, headers, principal)?;
    Ok((principal, view))
}

/// `X-On-Behalf-Of: <email>`: "authenticate as an agent and act as that user" (spec B5). Only
/// staff may use it (an end user: 403), and never to gain rights: an agent may not act as an
/// administrator (403). A user that does not exist or is inactive cannot be acted as (401, as
/// for any identity that does not authenticate). An empty header is no header.
fn on_behalf_of(
    view: &State,
    headers: &HeaderMap,
    caller: Principal,
) -> Result<Principal, ZendeskError> {
    let Some(value) = headers.get(ON_BEHALF_OF) else {
        return Ok(caller);
    };
    let email = value
        .to_str()
        .map_err(|_| ZendeskError::Unauthorized)?
        .trim();
    if email.is_empty() {
        return Ok(caller);
    }
    if !caller.roles.is_staff() {
        return Err(ZendeskError::Forbidden);
    }
    let target = view
        .agent_by_email(email)
        .filter(|a| a.active)
        .ok_or(ZendeskError::Unauthorized)?;
    if target.roles.is_admin() && !caller.roles.is_admin() {
        return Err(ZendeskError::Forbidden);
    }
    Ok(Principal {
        agent: target.id,
        roles: target.roles,
    })
}

/// Whether the acting user may take this action: administrators (and the owner) change groups
/// and users, agents read, end users only see themselves (`current.xml`).
pub fn authorize(principal: Principal, action: Action) -> Result<(), ZendeskError> {
    principal
        .may(action.access())
        .then_some(())
        .ok_or(ZendeskError::Forbidden)
}

/// HTTP Basic (`email:password`, `email/token:TOKEN`) and `X-On-Behalf-Of` as the classic API reads
/// them. Run with `PROPTEST_CASES=N cargo test --lib fuzz_`.
#[cfg(test)]
mod fuzz {
    use std::sync::LazyLock;

    use http::HeaderValue;
    use proptest::prelude::*;

    use super::*;
    use crate::auth::authenticate_token;
    use crate::model::TokenKind;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use http::header::AUTHORIZATION;

    static STATE: LazyLock<State> = LazyLock::new(|| crate::fixtures::default_state().unwrap());

    const API_TOKEN: &str = "deskbridge-admin-api-token";

    fn authorization(value: &str) -> Option<HeaderMap> {
        let value = HeaderValue::from_str(value).ok()?;
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, value);
        Some(headers)
    }

    proptest! {
        #[test]
        fn fuzz_auth_zendesk_arbitrary_authorization_bytes_decode_or_not_without_a_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..96)
        ) {
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_bytes(&bytes) {
                headers.insert(AUTHORIZATION, value);
            }
            if let Some((user, _)) = basic_credentials(&headers) {
                prop_assert!(!user.is_empty() && !user.contains(':'));
            }
        }

        #[test]
        fn fuzz_auth_zendesk_basic_reads_back_any_user_and_secret(
            scheme in proptest::sample::select(vec!["Basic", "basic", "BASIC"]),
            user in "[^:\u{0}]{1,24}",
            secret in ".{0,24}",
        ) {
            let encoded = STANDARD.encode(format!("{user}:{secret}"));
            let headers = authorization(&format!("{scheme} {encoded}")).unwrap();

            prop_assert_eq!(basic_credentials(&headers), Some((user, secret)));
        }

        #[test]
        fn fuzz_auth_zendesk_basic_with_damaged_base64_decodes_or_not_without_a_panic(
            text in "[A-Za-z0-9+/=!:. -]{0,40}",
        ) {
            if let Some(headers) = authorization(&format!("Basic {text}")) {
                let _ = basic_credentials(&headers);
            }
        }

        #[test]
        fn fuzz_auth_zendesk_an_api_token_opens_only_for_its_own_email(
            email in prop_oneof![
                proptest::sample::select(vec!["admin@example.com", "ADMIN@example.com", "agent@example.com", ""]).prop_map(str::to_owned),
                ".{0,24}",
            ],
            token in prop_oneof![
                Just(API_TOKEN.to_owned()),
                Just(API_TOKEN.to_uppercase()),
                Just("deskbridge-admin-token".to_owned()),
                ".{0,32}",
            ],
        ) {
            let result = api_token_login(&STATE, &email, &token).ok_or(());

            let opens = token == API_TOKEN && email.eq_ignore_ascii_case("admin@example.com");
            prop_assert_eq!(result.is_ok(), opens, "{:?} {:?}", email, token);
            if let Ok(principal) = result {
                prop_assert_eq!(principal.agent, crate::model::AgentId(1));
            }
        }

        #[test]
        fn fuzz_auth_zendesk_on_behalf_of_any_value_acts_as_a_real_user_or_refuses(
            bytes in prop_oneof![
                proptest::sample::select(vec!["agent@example.com", " AGENT@example.com ", "nobody@example.com", ""]).prop_map(|s| s.as_bytes().to_vec()),
                proptest::collection::vec(any::<u8>(), 0..40),
            ],
        ) {
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_bytes(&bytes) {
                headers.insert(ON_BEHALF_OF, value);
            }
            let caller = authenticate_token(&STATE, TokenKind::Api, API_TOKEN).unwrap();

            match on_behalf_of(&STATE, &headers, caller) {
                Ok(acting) => prop_assert!(STATE.agent(acting.agent).is_some_and(|a| a.active)),
                Err(e) => prop_assert!(matches!(e, ZendeskError::Unauthorized | ZendeskError::Forbidden)),
            }
        }
    }
}
