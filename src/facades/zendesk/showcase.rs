//! The group as `GET /groups/{id}.xml` answers it, for the dashboard's side-by-side view
//! ([`Facade::show_department`](crate::http::Facade::show_department)): the same mapping and XML
//! writer as the handler, with the group's agents nested as `<users>`.

use http::StatusCode;

use super::Context;
use super::error::XML;
use super::mapping::group_out;
use super::wire::group_document;
use crate::http::{Shown, respond};
use crate::model::DepartmentId;

pub(super) fn department(ctx: &Context, id: u64, origin: &str) -> Option<Shown> {
    let view = ctx.store.view();
    let group = view.department(DepartmentId(id))?;
    let body = group_document(&group_out(&view, group, true)).to_xml();
    Some(Shown {
        url: format!("{origin}/groups/{id}.xml"),
        version: view.version(),
        response: respond(StatusCode::OK, XML, body),
    })
}
