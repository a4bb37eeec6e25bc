//! The Support facade's error table: every failure -> status -> the JSON body Zendesk sends,
//! written out in `docs/support-errors.md`.
//!
//! Zendesk's envelope is `{"error": <code>, "description": <text>}`, with `details` (field ->
//! list of `{"description", "error"}`) on a 422, except the 401, which is `{"error": "Couldn't
//! authenticate you"}` alone. Clients switch on `error`: zenpy raises `RecordNotFoundException`
//! exactly when it is `RecordNotFound` (`zenpy/lib/api.py`, `_check_response`), the Ruby client
//! files `details` under each field (`zendesk_api/error.rb`, `RecordInvalid`).

use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::http::routing::set_allow;
use crate::http::{LayerError, Response, respond};
use crate::model::{AgentField, ModelError};

/// Everything the facade can answer with instead of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupportError {
    /// Raised by the plumbing (route, method, size, time, unreadable body, panic).
    Layer(LayerError),
    /// No credentials, unknown ones, or an inactive user.
    Unauthorized,
    /// Authenticated, but the role does not allow the action.
    Forbidden,
    /// No record with the id in the path (or in the body, where Zendesk looks it up).
    NotFound,
    /// A request without a usable `Host`, so no record `url` can be written.
    MissingHost,
    /// A body that is not JSON; the parser's message.
    MalformedJson(String),
    /// A body without its root object (`{"group": {...}}`).
    MissingParameter(&'static str),
    /// A pagination parameter that is not what it must be.
    BadPagination(String),
    /// A bulk request with more items than it takes (the limit).
    TooManyValues(usize),
    /// Validation failed: field -> (description, error code), in order.
    Invalid(Vec<Invalid>),
    /// The store refused the command.
    Model(ModelError),
}

/// One entry of a 422's `details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub description: String,
    pub error: &'static str,
}

impl Invalid {
    /// `field`'s problem, described as Zendesk does: the humanized field, a colon, the message
    /// (`Name: cannot be blank`).
    pub fn new(field: &str, message: &str, error: &'static str) -> Self {
        Invalid {
            field: field.to_owned(),
            description: format!("{}: {message}", humanize(field)),
            error,
        }
    }
}

impl From<LayerError> for SupportError {
    fn from(e: LayerError) -> Self {
        SupportError::Layer(e)
    }
}

impl From<ModelError> for SupportError {
    fn from(e: ModelError) -> Self {
        SupportError::Model(e)
    }
}

/// `group_id` -> `Group`, as Rails' `humanize` names an attribute.
pub fn humanize(field: &str) -> String {
    let text = field.strip_suffix("_id").unwrap_or(field).replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    description: &'a str,
}

#[derive(Serialize)]
struct Unauthenticated {
    error: &'static str,
}

#[derive(Serialize)]
struct InvalidBody<'a> {
    error: &'static str,
    description: &'static str,
    details: Details<'a>,
}

/// `details`: each field once, in the order first named, with its problems in order.
struct Details<'a>(&'a [Invalid]);

#[derive(Serialize)]
struct Detail<'a> {
    description: &'a str,
    error: &'a str,
}

impl Serialize for Details<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut fields: Vec<&str> = Vec::new();
        for entry in self.0 {
            if !fields.contains(&entry.field.as_str()) {
                fields.push(&entry.field);
            }
        }
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for field in fields {
            let problems: Vec<Detail<'_>> = self
                .0
                .iter()
                .filter(|e| e.field == field)
                .map(|e| Detail {
                    description: &e.description,
                    error: e.error,
                })
                .collect();
            map.serialize_entry(field, &problems)?;
        }
        map.end()
    }
}

/// The body of an error response.
enum Body {
    /// `{"error": code, "description": text}`.
    Error(&'static str, String),
    /// `{"error": "RecordInvalid", "description": "Record validation errors", "details": …}`.
    Invalid(Vec<Invalid>),
    /// `{"error": "Couldn't authenticate you"}`.
    Unauthenticated,
}

// The texts on record (docs/support-errors.md names the source of each).
const UNAUTHENTICATED: &str = "Couldn't authenticate you";
const FORBIDDEN: &str = "You do not have access to this page. Please contact the account owner of this help desk for further help.";
const NOT_FOUND: &str = "Not found";
const INVALID: &str = "Record validation errors";

fn invalid(field: &str, message: &str, error: &'static str) -> (StatusCode, Body) {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Body::Invalid(vec![Invalid::new(field, message, error)]),
    )
}

impl SupportError {
    /// The status and body: the whole table.
    fn parts(&self) -> (StatusCode, Body) {
        use StatusCode as S;
        let error = |code: &'static str, text: &str| Body::Error(code, text.to_owned());
        match self {
            SupportError::Layer(layer) => match layer {
                LayerError::NotFound => (S::NOT_FOUND, error("InvalidEndpoint", NOT_FOUND)),
                LayerError::MethodNotAllowed { .. } => (
                    S::METHOD_NOT_ALLOWED,
                    error("MethodNotAllowed", "Method not allowed"),
                ),
                LayerError::PayloadTooLarge => (
                    S::PAYLOAD_TOO_LARGE,
                    error("RequestTooLarge", "The request body is too large"),
                ),
                LayerError::Timeout => (
                    S::REQUEST_TIMEOUT,
                    error("RequestTimeout", "The request took too long"),
                ),
                LayerError::BodyUnreadable => (
                    S::BAD_REQUEST,
                    error("BadRequest", "The request body could not be read"),
                ),
                LayerError::Internal => (
                    S::INTERNAL_SERVER_ERROR,
                    error("InternalServerError", "Internal server error"),
                ),
            },
            SupportError::Unauthorized => (S::UNAUTHORIZED, Body::Unauthenticated),
            SupportError::Forbidden => (S::FORBIDDEN, error("Forbidden", FORBIDDEN)),
            SupportError::NotFound => (S::NOT_FOUND, error("RecordNotFound", NOT_FOUND)),
            SupportError::MissingHost => (
                S::BAD_REQUEST,
                error("BadRequest", "A Host header is required"),
            ),
            SupportError::MalformedJson(why) => (
                S::BAD_REQUEST,
                Body::Error(
                    "BadRequest",
                    format!("The request body is not valid JSON: {why}"),
                ),
            ),
            SupportError::MissingParameter(root) => (
                S::BAD_REQUEST,
                Body::Error(
                    "ParameterMissing",
                    format!("param is missing or the value is empty: {root}"),
                ),
            ),
            SupportError::BadPagination(why) => (
                S::BAD_REQUEST,
                Body::Error("InvalidPaginationParameter", why.clone()),
            ),
            SupportError::TooManyValues(limit) => (
                S::BAD_REQUEST,
                Body::Error(
                    "TooManyValues",
                    format!("Too many values: at most {limit} may be given"),
                ),
            ),
            SupportError::Invalid(details) => {
                (S::UNPROCESSABLE_ENTITY, Body::Invalid(details.clone()))
            }
            SupportError::Model(model) => match model {
                ModelError::DepartmentNotFound(_) | ModelError::AgentNotFound(_) => {
                    (S::NOT_FOUND, error("RecordNotFound", NOT_FOUND))
                }
                // Also an end user named as a member (`staff_only`): only agents join groups.
                ModelError::UnknownAgent(_) => {
                    invalid("user_id", "must be an agent", "InvalidValue")
                }
                ModelError::DuplicateName { .. } => {
                    invalid("name", "has already been taken", "DuplicateValue")
                }
                ModelError::DuplicateAgent { field } => match field {
                    AgentField::Email => invalid(
                        "email",
                        "is already being used by another user",
                        "DuplicateValue",
                    ),
                    AgentField::Username => {
                        invalid("username", "has already been taken", "DuplicateValue")
                    }
                },
                // A deleted group "can no longer be assigned" (docs/support.md, "Deleted groups").
                ModelError::Inactive(_) => invalid("group_id", "is deleted", "InvalidValue"),
                ModelError::CircularFallback(_) => {
                    invalid("base", "a group can't be its own fallback", "InvalidValue")
                }
                ModelError::Invalid { field, reason } => invalid(field, reason, "InvalidValue"),
                // The journal could not take the write; the cause is logged by the store.
                ModelError::Storage => (
                    S::INTERNAL_SERVER_ERROR,
                    error("InternalServerError", "Internal server error"),
                ),
            },
        }
    }

    /// The `error` code and the description a client would read, for a bulk job's result of
    /// one item (the item's 422 `details` joined into one text).
    pub fn summary(&self) -> (&'static str, String) {
        match self.parts().1 {
            Body::Error(code, description) => (code, description),
            Body::Invalid(entries) => (
                "RecordInvalid",
                entries
                    .iter()
                    .map(|e| e.description.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Body::Unauthenticated => ("Unauthorized", UNAUTHENTICATED.to_owned()),
        }
    }

    /// The response a client sees.
    pub fn into_response(self) -> Response {
        let (status, body) = self.parts();
        let bytes = match body {
            Body::Error(code, description) => serde_json::to_vec(&ErrorBody {
                error: code,
                description: &description,
            }),
            Body::Unauthenticated => serde_json::to_vec(&Unauthenticated {
                error: UNAUTHENTICATED,
            }),
            Body::Invalid(entries) => serde_json::to_vec(&InvalidBody {
                error: "RecordInvalid",
                description: INVALID,
                details: Details(&entries),
            }),
        }
        .unwrap_or_default();
        let mut response = respond(status, JSON_UTF8, bytes);
        match &self {
            SupportError::Unauthorized => {
                // As the classic API announced it (docs/support-errors.md).
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"Web Password\""),
                );
            }
            SupportError::Layer(LayerError::MethodNotAllowed { allow }) => {
                set_allow(&mut response, allow);
            }
            _ => {}
        }
        response
    }
}

/// Zendesk's content type: `application/json; charset=utf-8`.
pub const JSON_UTF8: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_of(e: SupportError) -> (StatusCode, String) {
        let response = e.into_response();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn the_bodies_clients_switch_on_are_zendesks() {
        assert_eq!(
            body_of(SupportError::Unauthorized).await,
            (
                StatusCode::UNAUTHORIZED,
                r#"{"error":"Couldn't authenticate you"}"#.into()
            )
        );
        // See: zenpy/lib/api.py, `_check_response`: RecordNotFoundException only on this code.
        assert_eq!(
            body_of(SupportError::NotFound).await,
            (
                StatusCode::NOT_FOUND,
                r#"{"error":"RecordNotFound","description":"Not found"}"#.into()
            )
        );
        assert_eq!(
            body_of(SupportError::Invalid(vec![Invalid::new("name", "cannot be blank", "BlankValue")])).await,
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                r#"{"error":"RecordInvalid","description":"Record validation errors","details":{"name":[{"description":"Name: cannot be blank","error":"BlankValue"}]}}"#.into()
            )
        );
    }

    #[test]
    fn fields_are_humanized_as_rails_does() {
        assert_eq!(humanize("group_id"), "Group");
        assert_eq!(humanize("is_public"), "Is public");
        assert_eq!(humanize("name"), "Name");
    }
}
