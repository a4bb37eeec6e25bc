//! The control plane's errors: one table of variant -> status -> body, in the gateway's own
//! shape `{"error": <reason phrase>, "description": <text>}` (no vendor's). Every row is in
//! `docs/tenants.md`.

use http::header::WWW_AUTHENTICATE;
use http::{HeaderValue, StatusCode};

use crate::http::routing::set_allow;
use crate::http::{JSON, LayerError, Response, respond};
use crate::model::ModelError;
use crate::tenants::TenantError;

/// Everything the control plane answers with instead of a result.
#[derive(Debug)]
pub enum ControlError {
    /// Raised by the plumbing (route, method, size, time, a bug).
    Layer(LayerError),
    /// `--admin-token` is set and the request does not carry it.
    Unauthorized,
    /// The body is not the JSON the route takes: the field (a path such as `from.tenant`, or
    /// `body` for the document as a whole) and why.
    BadRequest { field: String, reason: String },
    /// A tenant or snapshot operation was refused.
    Tenant(TenantError),
    /// The dashboard asked for a department the tenant does not have.
    NoSuchDepartment(u64),
}

impl From<LayerError> for ControlError {
    fn from(e: LayerError) -> Self {
        ControlError::Layer(e)
    }
}

impl From<TenantError> for ControlError {
    fn from(e: TenantError) -> Self {
        ControlError::Tenant(e)
    }
}

impl ControlError {
    pub fn bad(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ControlError::BadRequest {
            field: field.into(),
            reason: reason.into(),
        }
    }

    fn status_and_description(&self) -> (StatusCode, String) {
        match self {
            ControlError::Layer(layer) => layer_row(layer),
            ControlError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "This route needs Authorization: Bearer <the admin token>".into(),
            ),
            ControlError::BadRequest { field, reason } => {
                (StatusCode::BAD_REQUEST, format!("{field}: {reason}"))
            }
            ControlError::Tenant(error) => tenant_row(error),
            ControlError::NoSuchDepartment(id) => (
                StatusCode::NOT_FOUND,
                format!("there is no department {id}"),
            ),
        }
    }

    /// The response, in the gateway's shape.
    pub fn into_response(self) -> Response {
        let (status, description) = self.status_and_description();
        let mut response = error_response(status, &description);
        match &self {
            ControlError::Unauthorized => {
                response
                    .headers_mut()
                    .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ControlError::Layer(LayerError::MethodNotAllowed { allow }) => {
                set_allow(&mut response, allow);
            }
            ControlError::Layer(_)
            | ControlError::BadRequest { .. }
            | ControlError::Tenant(_)
            | ControlError::NoSuchDepartment(_) => {}
        }
        response
    }
}

fn layer_row(error: &LayerError) -> (StatusCode, String) {
    let (status, description) = match error {
        LayerError::NotFound => (StatusCode::NOT_FOUND, "No route matches this path"),
        LayerError::MethodNotAllowed { .. } => (
            StatusCode::METHOD_NOT_ALLOWED,
            "The method is not allowed for this path",
        ),
        LayerError::PayloadTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large",
        ),
        LayerError::Timeout => (StatusCode::REQUEST_TIMEOUT, "The request took too long"),
        LayerError::BodyUnreadable => (
            StatusCode::BAD_REQUEST,
            "The request body could not be read",
        ),
        LayerError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong"),
    };
    (status, description.to_owned())
}

fn tenant_row(error: &TenantError) -> (StatusCode, String) {
    let status = match error {
        TenantError::NoSuchTenant(_) | TenantError::NoSuchSnapshot(_) => StatusCode::NOT_FOUND,
        TenantError::TenantExists(_)
        | TenantError::SnapshotExists(_)
        | TenantError::DefaultIsPermanent
        | TenantError::TooManyTenants(_) => StatusCode::CONFLICT,
        TenantError::Model(model) => return model_row(model),
        TenantError::Storage(cause) => {
            tracing::error!(
                error = cause as &dyn std::error::Error,
                "the data directory refused a tenant or snapshot change"
            );
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "The change could not be written to the data directory".into(),
            );
        }
    };
    (status, error.to_string())
}

/// A model error from a reset, restore or state replacement: only the store's own failures can
/// happen there, since the state given is whole and validated.
fn model_row(error: &ModelError) -> (StatusCode, String) {
    match error {
        ModelError::Storage => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The state could not be written to the data directory".into(),
        ),
        // A whole state replaces another without a command, so no command's rule can refuse
        // it; one of these would be a bug, logged and answered as one.
        ModelError::DepartmentNotFound(_)
        | ModelError::AgentNotFound(_)
        | ModelError::UnknownAgent(_)
        | ModelError::DuplicateName { .. }
        | ModelError::DuplicateAgent { .. }
        | ModelError::Inactive(_)
        | ModelError::CircularFallback(_)
        | ModelError::Invalid { .. } => {
            tracing::error!(error = %error, "control plane write refused by the model");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong".into(),
            )
        }
    }
}

/// `{"error": <reason phrase>, "description": <text>}`.
pub fn error_response(status: StatusCode, description: &str) -> Response {
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
