//! `Authorization: Bearer <token>` (RFC 6750), for every front door that takes a bearer token
//! (Zopim, Zendesk Support).

use http::HeaderMap;
use http::header::AUTHORIZATION;

const SCHEME: &str = "bearer";

/// The token of `Authorization: Bearer <token>`: the scheme in any case, then a space, then the
/// token with the whitespace around it trimmed. `None` for no header, another scheme, or no token.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_at_checked(SCHEME.len())?;
    let token = token.strip_prefix(' ')?.trim_ascii();
    (scheme.eq_ignore_ascii_case(SCHEME) && !token.is_empty()).then_some(token)
}
