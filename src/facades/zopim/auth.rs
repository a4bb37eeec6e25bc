//! Zopim's front door (spec A5): `Authorization: Bearer <token>`, or HTTP Basic
//! `email:password`, which the Chat API's docs show on every example (`curl -u
//! {email}:{password}`) and old clients send. Basic goes through the shared password check
//! (`crate::auth::basic`), so Argon2 runs once per password, not once per request.

use std::sync::Arc;

use http::HeaderMap;

use super::error::ZopimError;
use super::routes::Action;
pub use crate::auth::basic::Caller;
use crate::auth::basic::{PasswordCheck, basic_credentials, password_login};
use crate::auth::bearer::bearer_token;
use crate::auth::verified::VerifiedPasswords;
use crate::auth::{Access, Principal, authenticate_token};
use crate::model::{State, TokenKind};

/// The caller, from the bearer token or from Basic credentials. Anything else (no header,
/// another scheme, an unknown or revoked token, an inactive agent) is the same 401; so is a
/// wrong password, once checked.
pub fn authenticate(
    passwords: &Arc<VerifiedPasswords>,
    view: &State,
    headers: &HeaderMap,
) -> Result<Caller, ZopimError> {
    if let Some(token) = bearer_token(headers) {
        return authenticate_token(view, TokenKind::Bearer, token)
            .map(Caller::Known)
            .ok_or(ZopimError::Unauthorized);
    }
    let (email, password) = basic_credentials(headers).ok_or(ZopimError::Unauthorized)?;
    Ok(password_login(passwords, view, &email, password).into())
}

/// Runs a password check: the principal, or 401.
pub async fn verify(check: PasswordCheck) -> Result<Principal, ZopimError> {
    check
        .verify()
        .await
        .map_err(|_| ZopimError::Layer(crate::http::LayerError::Internal))?
        .ok_or(ZopimError::Unauthorized)
}

/// Whether the caller may take this action: departments and other agents need the administrator
/// or owner role; everyone on staff may read themselves.
pub fn authorize(principal: Principal, action: Action) -> Result<(), ZopimError> {
    let access = if action.needs_admin() {
        Access::Admin
    } else {
        Access::Staff
    };
    principal
        .may(access)
        .then_some(())
        .ok_or(ZopimError::Forbidden)
}

/// `Authorization` as Zopim reads it. Run with `PROPTEST_CASES=N cargo test --lib fuzz_`.
#[cfg(test)]
mod fuzz {
    use std::sync::LazyLock;

    use http::HeaderValue;
    use proptest::prelude::*;

    use super::*;
    use http::header::AUTHORIZATION;

    static STATE: LazyLock<State> = LazyLock::new(|| crate::fixtures::default_state().unwrap());
    static PASSWORDS: LazyLock<Arc<VerifiedPasswords>> = LazyLock::new(Default::default);

    /// The default data's bearer tokens.
    const TOKENS: [&str; 2] = ["deskbridge-admin-token", "deskbridge-agent-token"];

    fn authorization(value: HeaderValue) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, value);
        headers
    }

    proptest! {
        #[test]
        fn fuzz_auth_zopim_arbitrary_authorization_bytes_open_nothing(
            bytes in proptest::collection::vec(any::<u8>(), 0..96)
        ) {
            if let Ok(value) = HeaderValue::from_bytes(&bytes) {
                // Random bytes may decode as Basic credentials, which only a check could open.
                let result = authenticate(&PASSWORDS, &STATE, &authorization(value));
                prop_assert!(matches!(result, Err(ZopimError::Unauthorized) | Ok(Caller::Unverified(_))));
            }
        }

        #[test]
        fn fuzz_auth_zopim_only_a_known_token_under_the_bearer_scheme_opens(
            scheme in proptest::sample::select(vec!["Bearer", "bearer", "BEARER", "Basic", "Token", "", "Bearer:"]),
            gap in " {1,3}",
            token in prop_oneof![
                proptest::sample::select(TOKENS.to_vec()).prop_map(str::to_owned),
                proptest::sample::select(TOKENS.to_vec()).prop_map(|t| t.to_uppercase()),
                proptest::sample::select(TOKENS.to_vec()).prop_map(|t| t[1..].to_owned()),
                "[ -~]{0,24}",
            ],
            trailing in " {0,2}",
        ) {
            let Ok(value) = HeaderValue::from_str(&format!("{scheme}{gap}{token}{trailing}")) else {
                return Ok(());
            };

            let result = authenticate(&PASSWORDS, &STATE, &authorization(value));
            if scheme.eq_ignore_ascii_case("basic") {
                // Basic is a password check's business, tested black-box.
                return Ok(());
            }
            let result = result.map(|caller| match caller {
                Caller::Known(principal) => principal,
                Caller::Unverified(_) => panic!("a bearer token needs no check"),
            });

            let opens = scheme.eq_ignore_ascii_case("bearer") && TOKENS.contains(&token.trim());
            prop_assert_eq!(result.is_ok(), opens, "{:?} {:?}", scheme, token);
            if !opens {
                prop_assert!(matches!(result, Err(ZopimError::Unauthorized)));
            }
        }
    }
}
