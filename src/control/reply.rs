//! The answers the journal's and the faults' routes build (`requests.rs`, `faults.rs`): JSON, and
//! work left for later whose error is answered in the control plane's shape.

use http::StatusCode;
use serde::Serialize;

use super::error::ControlError;
use crate::http::{Answer, JSON, Response, respond};

pub fn json(status: StatusCode, body: &impl Serialize) -> Response {
    respond(status, JSON, serde_json::to_vec(body).unwrap_or_default())
}

pub fn later(
    work: impl Future<Output = Result<Response, ControlError>> + Send + 'static,
) -> Answer {
    Answer::later(async move { work.await.unwrap_or_else(ControlError::into_response) })
}
