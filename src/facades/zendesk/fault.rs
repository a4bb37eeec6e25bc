//! The classic API's answers to a fault (docs/faults.md): a server error is its one-line XML
//! `<error>` (spec B5); its throttle was a **503** with the text "Number of allowed API requests
//! per minute exceeded" (spec B, "Throttle": quoted from Zendesk's docs in the eventbrite
//! client's docstring; jg-zendesk treats a 503 on GET as throttled), with `Retry-After`.

use http::{HeaderValue, StatusCode, header};

use super::error::XML;
use super::wire::error_document;
use crate::http::faults::Fault;
use crate::http::{Response, respond};

/// The throttle's text.
pub const THROTTLED: &str = "Number of allowed API requests per minute exceeded";

/// The answer to `fault`.
pub fn answer(fault: &Fault) -> Response {
    match fault {
        Fault::Status(status) => {
            let message = match status.as_u16() {
                502 => "Bad gateway",
                503 => "Service unavailable",
                504 => "Gateway timeout",
                _ => "Internal server error",
            };
            respond(*status, XML, error_document(message).to_xml())
        }
        Fault::Throttle(throttle) => {
            let mut response = respond(
                StatusCode::SERVICE_UNAVAILABLE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
                THROTTLED,
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(throttle.retry_after_s),
            );
            response
        }
    }
}
