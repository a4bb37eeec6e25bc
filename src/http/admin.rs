//! The gateway's own routes under `/_gateway/`, and the answer for paths no vendor claims.
//! Its error shape is the gateway's own: `{"error": <reason phrase>, "description": <text>}`.

use http::{Method, StatusCode};

use super::{Answer, Facade, JSON, LayerError, Request, Response, respond};

/// Health and the fallback for unclaimed paths.
pub struct Admin;

impl Admin {
    fn error(status: StatusCode, description: &str) -> Response {
        // A struct, not `json!`, so that `error` comes first as in the facades' bodies.
        #[derive(serde::Serialize)]
        struct Body<'a> {
            error: &'a str,
            description: &'a str,
        }
        let body = Body {
            error: status.canonical_reason().unwrap_or("Error"),
            description,
        };
        respond(status, JSON, serde_json::to_vec(&body).unwrap_or_default())
    }
}

impl Facade for Admin {
    fn name(&self) -> &'static str {
        "admin"
    }

    /// Claims `/_gateway/` and, as the prefix table's fallback, every path no vendor claims.
    fn claims(&self) -> &'static [&'static str] {
        &["/_gateway/"]
    }

    fn handle(&self, request: Request) -> Answer {
        let response = match (request.uri().path(), request.method()) {
            ("/_gateway/health", &Method::GET | &Method::HEAD) => {
                respond(StatusCode::OK, JSON, r#"{"status":"ok"}"#)
            }
            ("/_gateway/health", _) => self.rescue(&LayerError::MethodNotAllowed {
                allow: vec![Method::GET, Method::HEAD],
            }),
            _ => self.rescue(&LayerError::NotFound),
        };
        Answer::Now(response)
    }

    fn rescue(&self, error: &LayerError) -> Response {
        match error {
            LayerError::NotFound => {
                Self::error(StatusCode::NOT_FOUND, "No route matches this path")
            }
            LayerError::MethodNotAllowed { allow } => {
                let mut response = Self::error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "The method is not allowed for this path",
                );
                super::routing::set_allow(&mut response, allow);
                response
            }
            LayerError::PayloadTooLarge => Self::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large",
            ),
            LayerError::Timeout => {
                Self::error(StatusCode::REQUEST_TIMEOUT, "The request took too long")
            }
            LayerError::BodyUnreadable => Self::error(
                StatusCode::BAD_REQUEST,
                "The request body could not be read",
            ),
            LayerError::Internal => {
                Self::error(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
            }
        }
    }
}
