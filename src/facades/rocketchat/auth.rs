//! Rocket.Chat's front door: `X-Auth-Token` + `X-User-Id` on every route but login (spec §0), and
//! the credentials `POST /api/v1/login` accepts (spec §2.1).

use std::sync::Arc;

use http::HeaderMap;
use http::header::HeaderName;

use super::error::RcError;
use super::settings;
use super::wire::requests::{LoginBody, LoginForm, LoginUser, PasswordForm};
use crate::auth::{authenticate_digest, token_digest, verify_password};
use crate::model::{Agent, State, Timestamp, TokenDigest, TokenKind};

/// The caller and the digest of the token they came with (logout revokes it).
pub struct Caller<'v> {
    /// Borrowed from the view the request is answered from: a reference count taken on it
    /// would be a write to a line that every request of that user, on every core, writes too.
    pub agent: &'v Arc<Agent>,
    pub token: TokenDigest,
}

const X_AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");
const X_USER_ID: HeaderName = HeaderName::from_static("x-user-id");

/// The user whose session token is `X-Auth-Token`, if `X-User-Id` names that same user.
/// Anything else (a header missing, an unknown or revoked token, another user's id, a
/// deactivated user) is the same 401.
pub fn authenticate<'v>(view: &'v State, headers: &HeaderMap) -> Result<Caller<'v>, RcError> {
    let header = |name: &HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim_ascii)
            .filter(|v| !v.is_empty())
    };
    let (Some(token), Some(user_id)) = (header(&X_AUTH_TOKEN), header(&X_USER_ID)) else {
        return Err(RcError::Unauthorized);
    };
    let digest = token_digest(token);
    let agent = authenticate_digest(view, TokenKind::Session, &digest)
        .filter(|_| session_is_live(view, &digest, Timestamp::now()))
        .and_then(|principal| view.agent(principal.agent))
        .filter(|a| a.uid == *user_id);
    match agent {
        Some(agent) => Ok(Caller {
            agent,
            token: digest,
        }),
        None => Err(RcError::Unauthorized),
    }
}

/// Whether the session with this digest exists and has not outlived `Accounts_LoginExpiration`
/// (Meteor's `_tokenExpiration(when)`: its start plus the lifetime). An expired session is the
/// same 401 as an unknown one: Meteor's `_expireTokens` removes it from the user.
pub fn session_is_live(view: &State, digest: &TokenDigest, now: Timestamp) -> bool {
    view.session(digest)
        .is_some_and(|(_, s)| s.started_at >= settings::sessions_expired_before(view, now))
}

/// Meteor's `Random.secret()`: 43 characters of the URL-safe base64 alphabet (256 bits).
pub fn new_session_token() -> String {
    const ALPHABET: &[u8; 64] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    rand::random::<[u8; 43]>()
        .iter()
        .map(|b| ALPHABET[usize::from(b & 63)] as char)
        .collect()
}

/// What a login body asks for, its user looked up.
pub enum Login<'a> {
    /// A password login of the user the body names, if they exist.
    Password {
        user: Option<Arc<Agent>>,
        password: PasswordForm<'a>,
    },
    /// A session token logging in again (Meteor's resume login).
    Resume(&'a str),
}

/// The login a body asks for (spec §2.1); `None` is a body Meteor's `login` would refuse
/// outright.
pub fn login_request<'a>(view: &State, body: &LoginBody<'a>) -> Option<Login<'a>> {
    let (user, password) = match body.form()? {
        LoginForm::Resume(token) => return Some(Login::Resume(token)),
        LoginForm::Password { user, password } => (user, password),
    };
    let user = match user {
        LoginUser::Username(username) => view.agent_by_username(username),
        LoginUser::Email(email) => view.agent_by_email(email),
        LoginUser::Id(id) => super::mapping::agent_by_id(view, id),
        LoginUser::Nobody => None,
    };
    Some(Login::Password {
        user: user.cloned(),
        password,
    })
}

/// Whether this password opens this user's account. Unknown users, wrong passwords, users
/// without a password and deactivated users are all refused alike.
pub fn password_opens(agent: &Agent, password: &PasswordForm<'_>) -> bool {
    let PasswordForm::Plain(clear) = password else {
        return false;
    };
    agent.active
        && agent
            .credentials
            .password
            .as_ref()
            .is_some_and(|hash| verify_password(hash, clear))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_tokens_are_43_url_safe_characters_and_differ() {
        let a = new_session_token();
        let b = new_session_token();
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(a, b);
    }
}

/// `X-Auth-Token` + `X-User-Id` as Rocket.Chat reads them. Run with
/// `PROPTEST_CASES=N cargo test --lib fuzz_`.
#[cfg(test)]
mod fuzz {
    use std::sync::LazyLock;

    use http::HeaderValue;
    use proptest::prelude::*;

    use super::*;
    use crate::fixtures::{DEFAULT, FixtureFile};
    use crate::model::Timestamp;

    const SESSION: &str = "fuzz-session-token";
    const ADMIN: &str = "rbAXPnMktTFbNpwtJ";
    const AGENT: &str = "Ha7kS4XbQ9mZtCfPe";

    /// The default data with a session for the admin.
    static STATE: LazyLock<State> = LazyLock::new(|| {
        let mut data: serde_json::Value = serde_json::from_str(DEFAULT).unwrap();
        data["agents"][0]["tokens"]["session"] = serde_json::json!([SESSION]);
        FixtureFile::parse(&data.to_string(), Timestamp::now())
            .and_then(|f| f.into_state())
            .unwrap()
    });

    fn headers(pairs: &[(&'static str, &[u8])]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, bytes) in pairs {
            if let Ok(value) = HeaderValue::from_bytes(bytes) {
                headers.insert(*name, value);
            }
        }
        headers
    }

    proptest! {
        #[test]
        fn fuzz_auth_rocketchat_arbitrary_header_bytes_open_nothing(
            token in proptest::collection::vec(any::<u8>(), 0..64),
            user in proptest::collection::vec(any::<u8>(), 0..32),
        ) {
            let headers = headers(&[("x-auth-token", &token), ("x-user-id", &user)]);
            prop_assert!(matches!(authenticate(&STATE, &headers), Err(RcError::Unauthorized)));
        }

        #[test]
        fn fuzz_auth_rocketchat_only_the_session_with_its_own_user_id_opens(
            token in prop_oneof![
                proptest::sample::select(vec![SESSION, "deskbridge-admin-token", "deskbridge-admin-api-token", "", " "]).prop_map(str::to_owned),
                Just(SESSION.to_uppercase()),
                Just(format!("  {SESSION}\t")),
                "[ -~]{0,24}",
            ],
            user in prop_oneof![
                proptest::sample::select(vec![ADMIN, AGENT, "", "admin"]).prop_map(str::to_owned),
                Just(ADMIN.to_lowercase()),
                Just(format!(" {ADMIN} ")),
                "[ -~]{0,20}",
            ],
        ) {
            let headers = headers(&[("x-auth-token", token.as_bytes()), ("x-user-id", user.as_bytes())]);

            let result = authenticate(&STATE, &headers);

            let opens = token.trim() == SESSION && user.trim() == ADMIN;
            prop_assert_eq!(result.is_ok(), opens, "{:?} {:?}", token, user);
            if let Ok(caller) = result {
                prop_assert_eq!(caller.agent.uid.as_str(), ADMIN);
            } else {
                prop_assert!(matches!(result, Err(RcError::Unauthorized)));
            }
        }
    }
}
