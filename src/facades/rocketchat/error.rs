//! Rocket.Chat's error table: every failure -> status -> the exact body `ApiClass.ts` builds
//! (spec §1.3). The shapes differ by how Rocket.Chat raised the failure, so the variants follow
//! Rocket.Chat's own helpers (`unauthorized`, `forbidden`, `failure`, a thrown `Meteor.Error`, a
//! thrown `Error`, a `check()` failure) rather than HTTP semantics.

use http::StatusCode;
use serde::Serialize;
use serde_json::Value;

use super::wire::json_response;
use crate::http::routing::set_allow;
use crate::http::{LayerError, Response};
use crate::model::ModelError;

/// `details` of every error `saveDepartment` raises (spec §3.1 #2).
pub const SAVE_DEPARTMENT: &str = "livechat:saveDepartment";

/// Everything the Rocket.Chat facade answers with instead of a result.
#[derive(Debug, Clone, PartialEq)]
pub enum RcError {
    /// Raised by the plumbing (route, method, size, time, a bug).
    Layer(LayerError),
    /// No or unknown `X-Auth-Token` / `X-User-Id` (spec §1.3, first row).
    Unauthorized,
    /// `POST /login` with credentials that open nothing (spec §2.1).
    LoginFailed,
    /// The caller's roles lack the route's permissions (spec §1.3, second row).
    Forbidden,
    /// `API.v1.forbidden()` with no message: `{"success":false,"error":"unauthorized"}`.
    ForbiddenBare,
    /// ajv `validateParams` failed; carries ajv's message (spec §1.3, third row).
    InvalidParams(String),
    /// A thrown `Meteor.Error(code, reason, details)`.
    Meteor {
        code: &'static str,
        reason: Option<String>,
        details: Option<Value>,
    },
    /// A thrown `Error(msg)`, a `check()` failure or `API.v1.failure(msg)`: `{"success":false,"error":msg}`.
    Plain(String),
    /// `API.v1.failure()` with nothing: `{"success":false}`.
    Bare,
    /// `API.v1.failure(text, errorType)`: `{"success":false,"error":text,"errorType":type}`.
    FailureTyped {
        error: &'static str,
        error_type: &'static str,
    },
    /// A typed route's query failed ajv before authentication: the router's own body, with
    /// `errorType` before `error` (spec §1.1).
    TypedInvalidParams(String),
    /// The store refused the command.
    Model(ModelError),
}

impl From<LayerError> for RcError {
    fn from(e: LayerError) -> Self {
        RcError::Layer(e)
    }
}

impl From<ModelError> for RcError {
    fn from(e: ModelError) -> Self {
        RcError::Model(e)
    }
}

impl RcError {
    /// A `Meteor.Error` raised by `saveDepartment`, which always carries its method in `details`.
    pub fn save_department(code: &'static str, reason: &str) -> Self {
        RcError::Meteor {
            code,
            reason: Some(reason.to_owned()),
            details: Some(serde_json::json!({ "method": SAVE_DEPARTMENT })),
        }
    }

    /// A `Meteor.Error` with a reason and no details.
    pub fn meteor(code: &'static str, reason: &str) -> Self {
        RcError::Meteor {
            code,
            reason: Some(reason.to_owned()),
            details: None,
        }
    }

    /// A `check()` failure: `Match error: <message>[ in field <path>]` (Meteor's `check` package).
    pub fn matching(message: impl Into<String>) -> Self {
        RcError::Plain(format!("Match error: {}", message.into()))
    }
}

/// The failure bodies, with keys in the order `ApiClass.ts` writes them.
#[derive(Serialize)]
struct Failure<'a> {
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(rename = "errorType", skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a Value>,
}

/// The typed router's 400: `errorType` comes before `error` there.
#[derive(Serialize)]
struct TypedFailure<'a> {
    success: bool,
    #[serde(rename = "errorType")]
    error_type: &'a str,
    error: &'a str,
}

/// `unauthorized()` plus the `status` / `message` pair kept "for compatibility" until 8.0.0.
#[derive(Serialize)]
struct Unauthorized<'a> {
    success: bool,
    error: &'a str,
    status: &'a str,
    message: &'a str,
}

/// Restivus's answer to a method a route does not define (RC 6.x; the newest router answers
/// Hono's plain-text 404 instead, docs/rocketchat.md).
#[derive(Serialize)]
struct NoEndpoint<'a> {
    status: &'a str,
    message: &'a str,
}

const LOGGED_OUT: &str = "You must be logged in to do this.";
const NO_PERMISSION: &str =
    "User does not have the permissions required for this action [error-unauthorized]";

fn failure(status: StatusCode, error: Option<&str>, error_type: Option<&str>) -> Response {
    json_response(
        status,
        &Failure {
            success: false,
            error,
            error_type,
            details: None,
        },
    )
}

impl RcError {
    /// The response a client sees: the whole table.
    pub fn into_response(self) -> Response {
        use StatusCode as S;
        match self {
            RcError::Layer(layer) => match layer {
                // `API.v1.notFound()`'s body, which RC 5.x/6.x sent for unknown endpoints too.
                LayerError::NotFound => failure(S::NOT_FOUND, Some("Resource not found"), None),
                LayerError::MethodNotAllowed { allow } => {
                    let mut response = json_response(
                        S::METHOD_NOT_ALLOWED,
                        &NoEndpoint {
                            status: "error",
                            message: "API endpoint does not exist",
                        },
                    );
                    set_allow(&mut response, &allow);
                    response
                }
                LayerError::PayloadTooLarge => {
                    failure(S::PAYLOAD_TOO_LARGE, Some("request entity too large"), None)
                }
                LayerError::Timeout => failure(S::REQUEST_TIMEOUT, Some("Request timeout"), None),
                LayerError::BodyUnreadable => failure(
                    S::BAD_REQUEST,
                    Some("The request body could not be read"),
                    None,
                ),
                // `API.v1.internalError()`; the cause is logged where it happened.
                LayerError::Internal => failure(
                    S::INTERNAL_SERVER_ERROR,
                    Some("Internal server error"),
                    None,
                ),
            },
            RcError::Unauthorized => json_response(
                S::UNAUTHORIZED,
                &Unauthorized {
                    success: false,
                    error: LOGGED_OUT,
                    status: "error",
                    message: LOGGED_OUT,
                },
            ),
            RcError::LoginFailed => json_response(
                S::UNAUTHORIZED,
                &Unauthorized {
                    success: false,
                    error: "Unauthorized",
                    status: "error",
                    message: "Unauthorized",
                },
            ),
            RcError::Forbidden => failure(S::FORBIDDEN, Some(NO_PERMISSION), None),
            RcError::ForbiddenBare => failure(S::FORBIDDEN, Some("unauthorized"), None),
            RcError::InvalidParams(message) => failure(
                S::BAD_REQUEST,
                Some(&format!("{message} [invalid-params]")),
                Some("invalid-params"),
            ),
            RcError::Meteor {
                code,
                reason,
                details,
            } => {
                let error = match reason {
                    Some(reason) => format!("{reason} [{code}]"),
                    None => format!("[{code}]"),
                };
                json_response(
                    S::BAD_REQUEST,
                    &Failure {
                        success: false,
                        error: Some(&error),
                        error_type: Some(code),
                        details: details.as_ref(),
                    },
                )
            }
            RcError::Plain(message) => failure(S::BAD_REQUEST, Some(&message), None),
            RcError::Bare => failure(S::BAD_REQUEST, None, None),
            RcError::FailureTyped { error, error_type } => {
                failure(S::BAD_REQUEST, Some(error), Some(error_type))
            }
            RcError::TypedInvalidParams(message) => json_response(
                S::BAD_REQUEST,
                &TypedFailure {
                    success: false,
                    error_type: "error-invalid-params",
                    error: &message,
                },
            ),
            RcError::Model(model) => model_error(model).into_response(),
        }
    }
}

/// The store's refusals, in the words `saveDepartment` and friends would have used. Handlers
/// check the common cases first (with the route's own wording); this is the backstop for a write
/// that raced another one.
fn model_error(error: ModelError) -> RcError {
    match error {
        ModelError::DepartmentNotFound(_) => {
            RcError::save_department("error-department-not-found", "Department not found")
        }
        ModelError::AgentNotFound(_) | ModelError::UnknownAgent(_) => RcError::Meteor {
            code: "error-invalid-user",
            reason: None,
            details: None,
        },
        // Rocket.Chat names may repeat; the facade never asks for unique names.
        ModelError::DuplicateName { name } => RcError::save_department(
            "error-duplicate-department-name",
            &format!("{name} is already in use"),
        ),
        ModelError::DuplicateAgent { field } => RcError::Meteor {
            code: "error-field-unavailable",
            reason: Some(format!("{field} is already in use :(")),
            details: Some(serde_json::json!({ "method": "insertOrUpdateUser", "field": field })),
        },
        // The model keeps archived (and Zendesk-destroyed) departments read-only; Rocket.Chat
        // would let some edits through (docs/rocketchat.md, "Archived departments").
        ModelError::Inactive(_) => RcError::save_department(
            "error-department-archived",
            "Archived departments can't be changed",
        ),
        ModelError::CircularFallback(_) => RcError::meteor(
            "error-fallback-department-circular",
            "Cannot save department. Circular reference between fallback department and department",
        ),
        ModelError::Invalid { field, reason } => {
            RcError::matching(format!("{reason} in field {field}"))
        }
        // `API.v1.internalError()`, as for any other internal failure; the store logs the cause.
        ModelError::Storage => RcError::Layer(LayerError::Internal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_of(e: RcError) -> (StatusCode, String) {
        let response = e.into_response();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn the_401_body_keeps_the_compatibility_keys_in_rocket_chats_order() {
        // See: shared/specs/rocketchat.md §1.3, first row.
        let (status, body) = body_of(RcError::Unauthorized).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            body,
            r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#
        );
    }

    #[tokio::test]
    async fn a_meteor_error_puts_its_code_in_brackets_and_in_error_type() {
        let (status, body) = body_of(RcError::save_department(
            "error-max-departments-number-reached",
            "Maximum number of departments reached",
        ))
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            r#"{"success":false,"error":"Maximum number of departments reached [error-max-departments-number-reached]","errorType":"error-max-departments-number-reached","details":{"method":"livechat:saveDepartment"}}"#
        );
    }
}
