//! Zopim's answers to a fault (docs/faults.md): the Werkzeug-style `{"error": <reason phrase>,
//! "description": …}` of its 401 (spec A6), with Werkzeug's own description of each status, and
//! for a throttle a 429 with `Retry-After` in seconds, which zenpy's retry loop and Airbyte wait
//! out (spec A6, "429").

use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::http::faults::Fault;
use crate::http::{JSON, Response, respond};

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    description: &'a str,
}

/// The answer to `fault`.
pub fn answer(fault: &Fault) -> Response {
    let (status, description) = match fault {
        Fault::Status(status) => (*status, description(*status)),
        Fault::Throttle(_) => (
            StatusCode::TOO_MANY_REQUESTS,
            "This user has exceeded an allotted request count. Try again later.",
        ),
    };
    let body = ErrorBody {
        error: status.canonical_reason().unwrap_or("Error"),
        description,
    };
    let mut response = respond(status, JSON, serde_json::to_vec(&body).unwrap_or_default());
    if let Fault::Throttle(throttle) = fault {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(throttle.retry_after_s),
        );
    }
    response
}

/// Werkzeug's description of each server error (`werkzeug.exceptions`).
fn description(status: StatusCode) -> &'static str {
    match status.as_u16() {
        502 => "The proxy server received an invalid response from an upstream server.",
        503 => {
            "The server is temporarily unable to service your request due to maintenance downtime \
             or capacity problems. Please try again later."
        }
        504 => "The connection to an upstream server timed out.",
        _ => {
            "The server encountered an internal error and was unable to complete your request. \
             Either the server is overloaded or there is an error in the application."
        }
    }
}
