//! Zopim's front door: `Authorization: Bearer <token>` (spec A5).

use http::HeaderMap;
use http::header::AUTHORIZATION;

use super::error::ZopimError;
use super::routes::Action;
use crate::auth::{Principal, authenticate_token};
use crate::model::{State, TokenKind};

/// The caller, from the bearer token. Anything else (no header, another scheme, an unknown or
/// revoked token, an inactive agent) is the same 401.
pub fn authenticate(view: &State, headers: &HeaderMap) -> Result<Principal, ZopimError> {
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ZopimError::Unauthorized)?;
    let (scheme, token) = value.split_once(' ').ok_or(ZopimError::Unauthorized)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ZopimError::Unauthorized);
    }
    authenticate_token(view, TokenKind::Bearer, token).ok_or(ZopimError::Unauthorized)
}

/// Whether the caller may take this action: departments and other agents need the administrator
/// or owner role; everyone on staff may read themselves.
pub fn authorize(principal: Principal, action: Action) -> Result<(), ZopimError> {
    let allowed = if action.needs_admin() {
        principal.roles.is_admin()
    } else {
        principal.roles.is_staff()
    };
    if allowed {
        Ok(())
    } else {
        Err(ZopimError::Forbidden)
    }
}
