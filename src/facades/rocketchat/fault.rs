//! Rocket.Chat's answers to a fault (docs/faults.md). A server error is `API.v1`'s
//! `{"success": false, "error": …}` (`internalError()`: "Internal server error",
//! `unavailable()`: "Service Unavailable"; 502 and 504 come from a proxy in front of it, given
//! here in the same shape). The throttle is its REST rate limiter's (`APIClass.enforceRateLimit`
//! in apps/meteor/app/api/server/ApiClass.ts): `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (milliseconds since the epoch when the window ends), and the
//! `error-too-many-requests` Meteor error answered by `API.v1.tooManyRequests(e.message)`: 429,
//! the message being Meteor's `"<reason> [<error>]"`.

use http::{HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

use super::wire::json_response;
use crate::http::Response;
use crate::http::faults::Fault;

#[derive(Serialize)]
struct Failure<'a> {
    success: bool,
    error: &'a str,
}

const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// The answer to `fault`.
pub fn answer(fault: &Fault) -> Response {
    match fault {
        Fault::Status(status) => {
            let error = match status.as_u16() {
                502 => "Bad Gateway",
                503 => "Service Unavailable",
                504 => "Gateway Timeout",
                _ => "Internal server error",
            };
            json_response(
                *status,
                &Failure {
                    success: false,
                    error,
                },
            )
        }
        Fault::Throttle(throttle) => {
            let error = format!(
                "Error, too many requests. Please slow down. You must wait {} seconds before \
                 trying this endpoint again. [error-too-many-requests]",
                throttle.retry_after_s
            );
            let mut response = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                &Failure {
                    success: false,
                    error: &error,
                },
            );
            let headers = response.headers_mut();
            headers.insert(LIMIT, HeaderValue::from(throttle.limit));
            headers.insert(REMAINING, HeaderValue::from(throttle.remaining));
            headers.insert(RESET, HeaderValue::from(throttle.reset_at_ms));
            response
        }
    }
}
