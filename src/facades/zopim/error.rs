//! Zopim's error table: every failure -> status -> `{"error": <reason phrase>, "description": <text>}`.
//!
//! The one body on record is the 401 (spec A6), a Flask/Werkzeug-style pair; the rest follow that
//! shape, using Werkzeug's standard descriptions where the failure is generic and naming the field
//! or id where it is the client's data. The table is written out in `docs/zopim-errors.md`.

use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::http::routing::set_allow;
use crate::http::{JSON, LayerError, Response, respond};
use crate::model::ModelError;

/// Everything the Zopim facade can answer with instead of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZopimError {
    /// Raised by the plumbing (route, method, size, time).
    Layer(LayerError),
    /// No bearer token, or one that opens nothing.
    Unauthorized,
    /// Authenticated, but not an administrator or owner.
    Forbidden,
    /// A body that is not `application/json`.
    UnsupportedMediaType,
    /// A body that does not parse as JSON; carries the parser's message.
    MalformedJson(String),
    /// Valid JSON, but not an object.
    NotAnObject,
    /// A field the request must carry.
    MissingField(&'static str),
    /// A field of the wrong type or value.
    InvalidField { field: String, reason: String },
    /// A query parameter that is not what it must be.
    InvalidParameter {
        name: &'static str,
        reason: &'static str,
    },
    /// No (visible) department with the id or name in the path.
    DepartmentNotFound,
    /// No agent with the id or email in the path.
    AgentNotFound,
    /// No role with the id in the path.
    RoleNotFound,
    /// A change the account owner may not undergo: it stays an enabled administrator.
    Owner(&'static str),
    /// The store refused the command.
    Model(ModelError),
}

impl From<LayerError> for ZopimError {
    fn from(e: LayerError) -> Self {
        ZopimError::Layer(e)
    }
}

impl From<ModelError> for ZopimError {
    fn from(e: ModelError) -> Self {
        ZopimError::Model(e)
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    description: &'a str,
}

// Werkzeug's standard descriptions, for failures that are not about the client's data.
const BAD_REQUEST: &str =
    "The browser (or proxy) sent a request that this server could not understand.";
const UNAUTHORIZED: &str =
    "The server could not verify that you are authorized to access the requested resource";
const FORBIDDEN: &str = "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server.";
const NOT_FOUND: &str = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
const METHOD_NOT_ALLOWED: &str = "The method is not allowed for the requested URL.";
const REQUEST_TIMEOUT: &str = "The server closed the network connection because the browser didn't finish the request within the specified time.";
const PAYLOAD_TOO_LARGE: &str = "The data value transmitted exceeds the capacity limit.";
const UNSUPPORTED_MEDIA_TYPE: &str =
    "The server does not support the media type transmitted in the request.";
const INTERNAL: &str = "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.";

impl ZopimError {
    /// The status and description: the whole table.
    fn parts(&self) -> (StatusCode, String) {
        use StatusCode as S;
        match self {
            ZopimError::Layer(layer) => match layer {
                LayerError::NotFound => (S::NOT_FOUND, NOT_FOUND.into()),
                LayerError::MethodNotAllowed { .. } => {
                    (S::METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED.into())
                }
                LayerError::PayloadTooLarge => (S::PAYLOAD_TOO_LARGE, PAYLOAD_TOO_LARGE.into()),
                LayerError::Timeout => (S::REQUEST_TIMEOUT, REQUEST_TIMEOUT.into()),
                LayerError::BodyUnreadable => (S::BAD_REQUEST, BAD_REQUEST.into()),
                LayerError::Internal => (S::INTERNAL_SERVER_ERROR, INTERNAL.into()),
            },
            ZopimError::Unauthorized => (S::UNAUTHORIZED, UNAUTHORIZED.into()),
            ZopimError::Forbidden => (S::FORBIDDEN, FORBIDDEN.into()),
            ZopimError::UnsupportedMediaType => {
                (S::UNSUPPORTED_MEDIA_TYPE, UNSUPPORTED_MEDIA_TYPE.into())
            }
            ZopimError::MalformedJson(why) => (
                S::BAD_REQUEST,
                format!("The request body is not valid JSON: {why}"),
            ),
            ZopimError::NotAnObject => (
                S::BAD_REQUEST,
                "The request body must be a JSON object".into(),
            ),
            ZopimError::MissingField(field) => (S::BAD_REQUEST, format!("'{field}' is required")),
            ZopimError::InvalidField { field, reason } => {
                (S::BAD_REQUEST, format!("'{field}' {reason}"))
            }
            ZopimError::InvalidParameter { name, reason } => {
                (S::BAD_REQUEST, format!("'{name}' {reason}"))
            }
            ZopimError::DepartmentNotFound => (S::NOT_FOUND, "Department not found".into()),
            ZopimError::AgentNotFound => (S::NOT_FOUND, "Agent not found".into()),
            ZopimError::RoleNotFound => (S::NOT_FOUND, "Role not found".into()),
            ZopimError::Owner(what) => (S::BAD_REQUEST, (*what).into()),
            ZopimError::Model(model) => match model {
                // A department Zopim cannot see (archived or destroyed elsewhere) is not found here.
                ModelError::DepartmentNotFound(_) | ModelError::Inactive(_) => {
                    (S::NOT_FOUND, "Department not found".into())
                }
                ModelError::AgentNotFound(_) => (S::NOT_FOUND, "Agent not found".into()),
                ModelError::UnknownAgent(id) => (
                    S::BAD_REQUEST,
                    format!("'members' names agent {id}, which does not exist"),
                ),
                ModelError::DuplicateName { name } => (
                    S::BAD_REQUEST,
                    format!("'name' {name:?} is already used by another department"),
                ),
                ModelError::DuplicateAgent { field } => (
                    S::BAD_REQUEST,
                    format!("'{field}' is already used by another agent"),
                ),
                // Zopim has no fallback department; the model still asks for an answer.
                ModelError::CircularFallback(_) => (
                    S::BAD_REQUEST,
                    "'fallback_department' can't be the department itself".into(),
                ),
                ModelError::Invalid { field, reason } => {
                    (S::BAD_REQUEST, format!("'{field}' {reason}"))
                }
                // The journal could not take the write; the cause is logged by the store.
                ModelError::Storage => (S::INTERNAL_SERVER_ERROR, INTERNAL.into()),
            },
        }
    }

    /// The response a client sees.
    pub fn into_response(self) -> Response {
        let (status, description) = self.parts();
        let body = ErrorBody {
            error: status.canonical_reason().unwrap_or("Error"),
            description: &description,
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = respond(status, JSON, bytes);
        match &self {
            ZopimError::Unauthorized => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ZopimError::Layer(LayerError::MethodNotAllowed { allow }) => {
                set_allow(&mut response, allow);
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_of(e: ZopimError) -> (StatusCode, String) {
        let response = e.into_response();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn the_401_body_is_the_one_zopim_sends() {
        // See: shared/specs/zendesk_chat_and_classic_xml.md, A6 (facetoe/zenpy#466).
        let (status, body) = body_of(ZopimError::Unauthorized).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            body,
            r#"{"error":"Unauthorized","description":"The server could not verify that you are authorized to access the requested resource"}"#
        );
    }
}
