//! The Support API's answers to a fault (docs/faults.md): its `{"error", "description"}` shape
//! (docs/support-errors.md) for each server error, and for a throttle Zendesk's 429 with
//! `Retry-After` in seconds (which zenpy honours, `_call_api`) and the account's
//! `X-Rate-Limit` / `X-Rate-Limit-Remaining` headers (Zendesk's "best practices for avoiding
//! rate limiting").

use http::{HeaderName, HeaderValue, StatusCode, header};
use serde::Serialize;

use super::error::JSON_UTF8;
use crate::http::faults::Fault;
use crate::http::{Response, respond};

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    description: &'a str,
}

const RATE_LIMIT: HeaderName = HeaderName::from_static("x-rate-limit");
const RATE_LIMIT_REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");

/// The answer to `fault`.
pub fn answer(fault: &Fault) -> Response {
    let (status, error, description) = match fault {
        Fault::Status(status) => match status.as_u16() {
            502 => (*status, "BadGateway", "Bad gateway"),
            503 => (*status, "ServiceUnavailable", "Service unavailable"),
            504 => (*status, "GatewayTimeout", "Gateway timeout"),
            _ => (*status, "InternalServerError", "Internal server error"),
        },
        Fault::Throttle(_) => (
            StatusCode::TOO_MANY_REQUESTS,
            "APIRateLimitExceeded",
            "Number of allowed API requests per minute exceeded",
        ),
    };
    let body = ErrorBody { error, description };
    let mut response = respond(
        status,
        JSON_UTF8,
        serde_json::to_vec(&body).unwrap_or_default(),
    );
    if let Fault::Throttle(throttle) = fault {
        let headers = response.headers_mut();
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(throttle.retry_after_s),
        );
        headers.insert(RATE_LIMIT, HeaderValue::from(throttle.limit));
        headers.insert(RATE_LIMIT_REMAINING, HeaderValue::from(throttle.remaining));
    }
    response
}
