//! The group as `GET /api/v2/groups/{id}.json` answers it, for the dashboard's side-by-side view
//! ([`Facade::show_department`](crate::http::Facade::show_department)): the same mapping and
//! envelope as the handler; a deleted group is shown by id, with `deleted: true`.

use http::StatusCode;

use super::Context;
use super::error::{JSON_UTF8, SupportError};
use super::mapping::{Site, default_group, group_out};
use super::wire::One;
use crate::http::{LayerError, Shown, respond};
use crate::model::DepartmentId;

pub(super) fn department(ctx: &Context, id: u64, origin: &str) -> Option<Shown> {
    let view = ctx.store.view();
    let group = view.department(DepartmentId(id))?;
    let site = Site {
        origin: origin.to_owned(),
    };
    let record = group_out(&site, default_group(&view), group);
    let response = match serde_json::to_vec(&One {
        key: "group",
        record: &record,
    }) {
        Ok(bytes) => respond(StatusCode::OK, JSON_UTF8, bytes),
        Err(_) => SupportError::Layer(LayerError::Internal).into_response(),
    };
    Some(Shown {
        url: format!("{origin}/api/v2/groups/{id}.json"),
        version: view.version(),
        response,
    })
}
