//! User passwords (Zendesk, "User Passwords"): an administrator sets anyone's password
//! (`POST /users/{id}/password`), a user changes their own, giving the previous one
//! (`PUT /users/{id}/password`), and the policy a new one must meet is listed
//! (`GET /users/{id}/password/requirements`). docs/support.md, "Passwords", has the sources.
//!
//! A password is hashed (and a previous one checked) with Argon2 on the blocking pool, never on
//! an async worker, and reaches the model only as a hash: the write is the agent's ordinary
//! update, journaled as the agent record, as classic Zendesk's password writes are.

use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;

use super::Context;
use super::common::{json, read_json, user};
use super::error::{Invalid, JSON_UTF8, SupportError};
use super::wire::{PasswordIn, Requirements};
use crate::auth::Principal;
use crate::auth::basic::{blocking, hash_blocking};
use crate::http::{LayerError, Request, Response, respond};
use crate::model::{AgentId, AgentPatch, Command, Email, PasswordHash, State};

type Result<T, E = SupportError> = std::result::Result<T, E>;

/// Zendesk's default policy ("Low": "Each password must have at least 5 characters. This is the
/// default security level"), as its reference's example answer lists it.
pub const REQUIREMENTS: [&str; 2] = [TOO_SHORT, SAME_AS_EMAIL];
const TOO_SHORT: &str = "must be at least 5 characters";
const SAME_AS_EMAIL: &str = "must be different from email address";
const MIN_CHARS: usize = 5;

/// The policy a user's new password must meet. Staff may read anyone's; an end user only their
/// own (403 otherwise, before the record: an end user learns nothing of other ids).
pub fn requirements(view: &State, principal: Principal, id: u64) -> Result<Response> {
    if !principal.roles.is_staff() && principal.agent.0 != id {
        return Err(SupportError::Forbidden);
    }
    user(view, id)?;
    json(
        StatusCode::OK,
        &Requirements {
            requirements: &REQUIREMENTS,
        },
    )
}

/// The path's user, who must be the caller: "You can only change your own password" (an
/// administrator too, who sets others' with `POST`). Any other id, known or not, is a 403.
pub fn own(principal: Principal, id: u64) -> Result<AgentId> {
    if principal.agent.0 == id {
        Ok(principal.agent)
    } else {
        Err(SupportError::Forbidden)
    }
}

/// `POST`: an administrator sets the user's password without knowing the old one.
pub async fn set(ctx: &Context, id: AgentId, request: Request) -> Result<Response> {
    let body: PasswordIn = read_json(request).await?;
    let password = required(body.password, "password")?;
    let email = ctx
        .store
        .view()
        .agent(id)
        .map(|a| a.email.clone())
        .ok_or(SupportError::NotFound)?;
    meets_policy(&password, &email)?;
    let hash = hash(password).await?;
    write(ctx, id, hash).await
}

/// `PUT`: the caller changes their own password, proving the previous one.
pub async fn change(ctx: &Context, id: AgentId, request: Request) -> Result<Response> {
    let body: PasswordIn = read_json(request).await?;
    let previous = required(body.previous_password, "previous_password")?;
    let password = required(body.password, "password")?;
    let (email, stored) = ctx
        .store
        .view()
        .agent(id)
        .map(|a| (a.email.clone(), a.credentials.password.clone()))
        .ok_or(SupportError::NotFound)?;
    meets_policy(&password, &email)?;
    // A user without a password (one who signs in with a token only) has no previous one to give.
    let Some(current) = stored else {
        return Err(incorrect());
    };
    let passwords = Arc::clone(&ctx.passwords);
    let checked = current.clone();
    let matches = blocking(move || passwords.verify(id, &checked, &previous))
        .await
        .map_err(|_| internal())?;
    if !matches {
        return Err(incorrect());
    }
    let hash = hash(password).await?;
    // Another write may have changed the password while Argon2 ran: the previous one given is
    // then no longer the current one.
    let unchanged = ctx
        .store
        .view()
        .agent(id)
        .is_some_and(|a| a.credentials.password.as_ref() == Some(&current));
    if !unchanged {
        return Err(incorrect());
    }
    write(ctx, id, hash).await
}

/// A field the body must carry: absent, `null` or empty is Rails' `ParameterMissing`, as for a
/// missing body root (docs/support-errors.md).
fn required(value: Option<String>, field: &'static str) -> Result<String> {
    value
        .filter(|v| !v.is_empty())
        .ok_or(SupportError::MissingParameter(field))
}

/// Every requirement the password fails, as one 422.
fn meets_policy(password: &str, email: &Email) -> Result<()> {
    let mut problems = Vec::new();
    if password.chars().count() < MIN_CHARS {
        problems.push(Invalid::new("password", TOO_SHORT, "InvalidValue"));
    }
    // Compared as the model keys emails: regardless of ASCII case.
    if password.eq_ignore_ascii_case(email.as_str()) {
        problems.push(Invalid::new("password", SAME_AS_EMAIL, "InvalidValue"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SupportError::Invalid(problems))
    }
}

fn incorrect() -> SupportError {
    SupportError::Invalid(vec![Invalid::new(
        "previous_password",
        "is incorrect",
        "InvalidValue",
    )])
}

fn internal() -> SupportError {
    SupportError::Layer(LayerError::Internal)
}

/// Hashes a new password on the blocking pool (Argon2).
async fn hash(password: String) -> Result<PasswordHash> {
    hash_blocking(password).await.map_err(|_| internal())
}

/// The model's agent update with only the hash: 200 and an empty body, as Zendesk answers
/// (its reference: "Status 200 OK" and no body; its OpenAPI document: an empty string).
async fn write(ctx: &Context, id: AgentId, hash: PasswordHash) -> Result<Response> {
    let patch = AgentPatch {
        password: Some(hash),
        ..AgentPatch::default()
    };
    ctx.store.apply(Command::UpdateAgent { id, patch }).await?;
    tracing::info!(agent = id.0, "password set");
    Ok(respond(StatusCode::OK, JSON_UTF8, Bytes::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(password: &str) -> Vec<String> {
        let email = Email::parse("maria@example.com").unwrap();
        match meets_policy(password, &email) {
            Ok(()) => Vec::new(),
            Err(SupportError::Invalid(found)) => found.into_iter().map(|p| p.description).collect(),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_policy_counts_characters_and_refuses_the_email() {
        assert!(problems("abcde").is_empty());
        // Five characters, ten bytes.
        assert!(problems("ééééé").is_empty());
        assert_eq!(
            problems("abcd"),
            ["Password: must be at least 5 characters"]
        );
        assert_eq!(
            problems("Maria@Example.com"),
            ["Password: must be different from email address"]
        );
    }
}
