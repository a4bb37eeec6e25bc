//! The department as `GET /api/v2/chat/departments/{id}` answers it, for the dashboard's
//! side-by-side view ([`Facade::show_department`](crate::http::Facade::show_department)): the same
//! mapping and encoder as the handler, and the same 404 for a department Zopim hides.

use http::StatusCode;

use super::Context;
use super::error::ZopimError;
use super::mapping::department_out;
use crate::http::{JSON, LayerError, Shown, respond};
use crate::model::DepartmentId;

pub(super) fn department(ctx: &Context, id: u64, origin: &str) -> Option<Shown> {
    let view = ctx.store.view();
    let department = view.department(DepartmentId(id))?;
    // Inactive departments are hidden from Zopim: its read answers 404 (docs/mapping.md).
    let response = if department.active {
        match serde_json::to_vec(&department_out(&view, department, ctx.options.enabled)) {
            Ok(bytes) => respond(StatusCode::OK, JSON, bytes),
            Err(_) => ZopimError::Layer(LayerError::Internal).into_response(),
        }
    } else {
        ZopimError::DepartmentNotFound.into_response()
    };
    Some(Shown {
        url: format!("{origin}/api/v2/chat/departments/{id}"),
        version: view.version(),
        response,
    })
}
