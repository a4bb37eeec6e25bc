//! The classic XML facade's error table: every failure -> status -> XML body (spec B5), written
//! out in `docs/zendesk-errors.md`.
//!
//! Three shapes, all through the typed writer:
//! - validation (422): Rails' `errors.to_xml`, `<errors><error>Name can't be blank</error></errors>`,
//!   full messages (humanized attribute + message) so that ActiveResource and pyactiveresource
//!   file each under its attribute;
//! - authentication (401): exactly `<error>Couldn't authenticate you</error>`, no prolog and no
//!   line break, since the pgericson gem compares the whole body with that string;
//! - everything else: a small `<error>…</error>` document. Clients switch on the status alone
//!   (ActiveResource's `handle_response`), so the text is for people.
//!
//! Each is written in the request's format (`format.rs`): in JSON `{"errors": [...]}` and
//! `{"error": "..."}`, the 401 `{"error":"Couldn't authenticate you"}` as Zendesk sends it. A 406
//! (an `Accept` naming neither format) has no body, as Rails' `respond_to` sent it.

use http::{HeaderValue, StatusCode, header};

use super::format::Format;
use super::wire::{DecodeError, error_document, error_json, errors_document, errors_json};
use super::xml::{XmlError, write_without_prolog};
use crate::http::json::JsonError;
use crate::http::routing::set_allow;
use crate::http::{LayerError, Response, respond, respond_empty};
use crate::model::ModelError;

/// The content type of every XML body (spec B2).
pub const XML: http::HeaderValue = http::HeaderValue::from_static("application/xml; charset=utf-8");

/// The content type of every JSON body, as Rails' `render :json` set it.
pub const JSON: http::HeaderValue =
    http::HeaderValue::from_static("application/json; charset=utf-8");

/// The content type of a body in `format`.
pub fn content_type(format: Format) -> HeaderValue {
    match format {
        Format::Xml => XML,
        Format::Json => JSON,
    }
}

/// Everything the facade can answer with instead of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZendeskError {
    /// Raised by the plumbing (route, method, size, time, unreadable body, panic).
    Layer(LayerError),
    /// No credentials, unknown ones, an inactive user, or an unknown `X-On-Behalf-Of` user.
    Unauthorized,
    /// Authenticated, but the role does not allow the action.
    Forbidden,
    /// No group or user with the id in the path.
    NotFound,
    /// A create without a usable `Host` header, so no `Location` can be built.
    MissingHost,
    /// A query parameter that is not what it must be.
    BadParameter {
        name: &'static str,
        reason: &'static str,
    },
    /// A body that is not acceptable XML (malformed, a DTD, an unknown entity, too deep, too many
    /// elements).
    Xml(XmlError),
    /// A JSON body that is not JSON, or names a key twice.
    Json(JsonError),
    /// Well-formed XML or JSON that is not the route's record (the wrong root, a root without
    /// fields).
    Decode(DecodeError),
    /// A path without an extension whose `Accept` names neither XML nor JSON.
    NotAcceptable,
    /// Validation failed: Rails full messages, in order.
    Invalid(Vec<String>),
    /// The store refused the command.
    Model(ModelError),
}

impl From<LayerError> for ZendeskError {
    fn from(e: LayerError) -> Self {
        ZendeskError::Layer(e)
    }
}

impl From<ModelError> for ZendeskError {
    fn from(e: ModelError) -> Self {
        ZendeskError::Model(e)
    }
}

impl From<XmlError> for ZendeskError {
    fn from(e: XmlError) -> Self {
        ZendeskError::Xml(e)
    }
}

impl From<JsonError> for ZendeskError {
    fn from(e: JsonError) -> Self {
        ZendeskError::Json(e)
    }
}

impl From<DecodeError> for ZendeskError {
    fn from(e: DecodeError) -> Self {
        ZendeskError::Decode(e)
    }
}

/// The body of an error response.
enum Body {
    /// `<?xml …?>\n<error>text</error>\n`.
    Error(String),
    /// `<?xml …?>\n<errors>…</errors>\n`.
    Errors(Vec<String>),
    /// `<error>Couldn't authenticate you</error>`, exactly.
    Unauthenticated,
    /// Nothing at all.
    Empty,
}

// The one error text on record (spec B5).
const UNAUTHENTICATED: &str = "Couldn't authenticate you";
const FORBIDDEN: &str = "Access denied";
const NOT_FOUND: &str = "Not found";

/// "time_zone" -> "Time zone", as Rails' `humanize` names an attribute in a full message.
pub fn humanize(field: &str) -> String {
    capitalize(&field.replace(['_', '-'], " "))
}

/// The first letter upper-cased: "malformed XML at …" -> "Malformed XML at …".
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl ZendeskError {
    /// The status and body: the whole table.
    fn parts(&self) -> (StatusCode, Body) {
        use StatusCode as S;
        let error = |s: &str| Body::Error(s.to_owned());
        let invalid = |message: String| (S::UNPROCESSABLE_ENTITY, Body::Errors(vec![message]));
        match self {
            ZendeskError::Layer(layer) => match layer {
                LayerError::NotFound => (S::NOT_FOUND, error(NOT_FOUND)),
                LayerError::MethodNotAllowed { .. } => {
                    (S::METHOD_NOT_ALLOWED, error("Method not allowed"))
                }
                LayerError::PayloadTooLarge => {
                    (S::PAYLOAD_TOO_LARGE, error("Request entity too large"))
                }
                LayerError::Timeout => (S::REQUEST_TIMEOUT, error("Request timeout")),
                LayerError::BodyUnreadable => {
                    (S::BAD_REQUEST, error("The request body could not be read"))
                }
                LayerError::Internal => (S::INTERNAL_SERVER_ERROR, error("Internal server error")),
            },
            ZendeskError::Unauthorized => (S::UNAUTHORIZED, Body::Unauthenticated),
            ZendeskError::Forbidden => (S::FORBIDDEN, error(FORBIDDEN)),
            ZendeskError::NotFound => (S::NOT_FOUND, error(NOT_FOUND)),
            ZendeskError::MissingHost => (
                S::BAD_REQUEST,
                error("A Host header is required to create a resource"),
            ),
            ZendeskError::BadParameter { name, reason } => {
                (S::BAD_REQUEST, Body::Error(format!("{name} {reason}")))
            }
            ZendeskError::Xml(xml) => match xml {
                // Too many elements is a size limit, like the body limit.
                XmlError::TooLarge { .. } => (
                    S::PAYLOAD_TOO_LARGE,
                    Body::Error(capitalize(&xml.to_string())),
                ),
                XmlError::Malformed { .. }
                | XmlError::Doctype
                | XmlError::UnknownEntity(_)
                | XmlError::ProcessingInstruction(_)
                | XmlError::TooDeep { .. }
                | XmlError::InvalidValue { .. } => {
                    (S::BAD_REQUEST, Body::Error(capitalize(&xml.to_string())))
                }
            },
            ZendeskError::Decode(decode) => match decode {
                DecodeError::WrongRoot { expected, found } => (
                    S::BAD_REQUEST,
                    Body::Error(format!(
                        "The root element must be <{expected}>, not <{found}>"
                    )),
                ),
                DecodeError::NotARecord { root } => (
                    S::BAD_REQUEST,
                    Body::Error(format!("<{root}> must contain elements")),
                ),
                DecodeError::JsonRoot { root } => (
                    S::BAD_REQUEST,
                    Body::Error(format!(
                        "The body must be a JSON object: {{\"{root}\": {{...}}}} or the {root}'s fields"
                    )),
                ),
            },
            ZendeskError::Json(json) => match json {
                JsonError::Syntax { message, .. } => (
                    S::BAD_REQUEST,
                    Body::Error(format!("Malformed JSON: {message}")),
                ),
                JsonError::DuplicateKey(path) => (
                    S::BAD_REQUEST,
                    Body::Error(format!("'{path}' is given more than once")),
                ),
            },
            ZendeskError::NotAcceptable => (S::NOT_ACCEPTABLE, Body::Empty),
            ZendeskError::Invalid(messages) => {
                (S::UNPROCESSABLE_ENTITY, Body::Errors(messages.clone()))
            }
            ZendeskError::Model(model) => match model {
                ModelError::DepartmentNotFound(_) | ModelError::AgentNotFound(_) => {
                    (S::NOT_FOUND, error(NOT_FOUND))
                }
                // Also an end user named as an agent (`staff_only`): no agent has that id.
                ModelError::UnknownAgent(id) => {
                    invalid(format!("Agents is invalid: no agent has id {id}"))
                }
                ModelError::DuplicateName { .. } => invalid("Name has already been taken".into()),
                ModelError::DuplicateAgent { field } => invalid(format!(
                    "{} has already been taken",
                    humanize(field.as_str())
                )),
                // A destroyed group "is set inactive and can no longer be assigned" (spec B1).
                ModelError::Inactive(_) => {
                    invalid("Group is inactive and can no longer be changed or assigned".into())
                }
                ModelError::CircularFallback(_) => {
                    invalid("Fallback department can't be the department itself".into())
                }
                ModelError::Invalid { field, reason } => {
                    invalid(format!("{} {reason}", humanize(field)))
                }
                // The journal could not take the write; the cause is logged by the store.
                ModelError::Storage => (S::INTERNAL_SERVER_ERROR, error("Internal server error")),
            },
        }
    }

    /// The response a client sees, in XML (a layer's failure, before the format is known).
    pub fn into_response(self) -> Response {
        self.into_response_as(Format::Xml)
    }

    /// The response a client sees, in `format`.
    pub fn into_response_as(self, format: Format) -> Response {
        let (status, body) = self.parts();
        let text = match (body, format) {
            (Body::Empty, _) => return respond_empty(status),
            (Body::Error(message), Format::Xml) => error_document(&message).to_xml(),
            (Body::Errors(messages), Format::Xml) => errors_document(&messages).to_xml(),
            (Body::Unauthenticated, Format::Xml) => {
                write_without_prolog(&error_document(UNAUTHENTICATED))
                    .trim_end_matches('\n')
                    .to_owned()
            }
            (Body::Error(message), Format::Json) => error_json(&message),
            (Body::Errors(messages), Format::Json) => errors_json(&messages),
            (Body::Unauthenticated, Format::Json) => error_json(UNAUTHENTICATED),
        };
        let mut response = respond(status, content_type(format), text);
        match &self {
            ZendeskError::Unauthorized => {
                // The realm is the one Zendesk's classic web app announced [U] (spec B5).
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"Web Password\""),
                );
            }
            ZendeskError::Layer(LayerError::MethodNotAllowed { allow }) => {
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

    async fn body_of(e: ZendeskError) -> (StatusCode, String) {
        let response = e.into_response();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn the_401_body_is_exactly_the_string_clients_compare_with() {
        // See: pgericson/zendesk-api lib/zendesk/main.rb, `curl.body_str == "<error>Couldn't
        // authenticate you</error>"` (spec B5).
        let (status, body) = body_of(ZendeskError::Unauthorized).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body, "<error>Couldn't authenticate you</error>");
    }

    #[tokio::test]
    async fn a_validation_failure_is_rails_errors_to_xml() {
        let (status, body) =
            body_of(ZendeskError::Invalid(vec!["Name can't be blank".into()])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            include_str!("../../../tests/data/xml/rails_errors.xml")
        );
    }

    #[test]
    fn attributes_are_humanized_as_rails_does() {
        assert_eq!(humanize("time_zone"), "Time zone");
        assert_eq!(humanize("email"), "Email");
        assert_eq!(humanize(""), "");
    }
}
