//! The department as `GET /api/v1/livechat/department/{_id}` answers an administrator (with its
//! agents), for the dashboard's side-by-side view
//! ([`Facade::show_department`](crate::http::Facade::show_department)): the same mapping, encoder
//! and headers as the handler.

use http::StatusCode;

use super::Context;
use super::error::RcError;
use super::mapping::{department_out, links_of};
use super::wire::{DepartmentAnswer, bytes_response, encode};
use crate::http::{LayerError, Shown};
use crate::model::DepartmentId;

pub(super) fn department(ctx: &Context, id: u64, origin: &str) -> Option<Shown> {
    let view = ctx.store.view();
    let department = view.department(DepartmentId(id))?;
    let answer = DepartmentAnswer {
        department: Some(department_out(&view, department, true, ctx.options.edition)),
        agents: Some(links_of(&view, department.id)),
        success: true,
    };
    let response = match encode(&answer) {
        Ok(bytes) => bytes_response(StatusCode::OK, bytes),
        Err(()) => RcError::Layer(LayerError::Internal).into_response(),
    };
    Some(Shown {
        url: format!("{origin}/api/v1/livechat/department/{}", department.uid),
        version: view.version(),
        response,
    })
}
