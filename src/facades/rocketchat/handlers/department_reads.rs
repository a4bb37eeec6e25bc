//! Department reads (spec §3 #1, #3, #4, #7, #10, #11, #13, #14, with §3.1 and §1.4): the
//! department lists, the creation check, one department, autocomplete, a department's agents,
//! `listByIds` and an agent's departments.

use http::StatusCode;

use super::{Req, Result, contains_ci, duplicate_key, ok, sorted_page};
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::mapping;
use crate::facades::rocketchat::permissions;
use crate::facades::rocketchat::query;
use crate::facades::rocketchat::wire::{self, Json};
use crate::facades::rocketchat::{Context, Edition, cached};
use crate::http::cache::CacheKey;
use crate::http::json::{self as strict_json, JsonError};
use crate::http::{LayerError, Response};
use crate::model::{State, View};

pub(super) fn creation_available(ctx: &Context, view: &State) -> bool {
    // CE: `countTotal() === 0`; archived departments count (spec §3.1 #3).
    ctx.options.edition == Edition::Enterprise || view.department_count() == 0
}

pub(super) fn list_departments(view: &View, req: &Req, archived_only: bool) -> Result<Response> {
    let page = query::page(&req.query);
    let sort = query::sort(&req.query)?;
    let flag = |key: &str| query::string(&req.query, key) == Some("true");
    let text = query::string(&req.query, "text").filter(|t| !t.is_empty());
    let exclude = query::string(&req.query, "excludeDepartmentId").filter(|t| !t.is_empty());
    let show_archived = flag("showArchived");
    let enabled_only = flag("enabled");
    // `{name: 1}` in byte order is the name index's order (spec §3.1 #1).
    let items: Vec<_> = view
        .departments_by_name()
        .filter(|d| {
            if archived_only {
                !d.active
            } else {
                (show_archived || d.active) && (!enabled_only || d.enabled)
            }
        })
        .filter(|d| text.is_none_or(|t| contains_ci(d.name.as_str(), t)))
        .filter(|d| exclude.is_none_or(|id| d.uid.to_string() != id))
        .map(|d| mapping::department_out(view, d, true))
        .collect();
    let (departments, total) = sorted_page(items, page, sort);
    ok(&wire::Page {
        count: departments.len(),
        items: wire::Named {
            name: "departments",
            items: departments,
        },
        offset: page.offset,
        total,
        success: true,
    })
}

pub(super) fn show_department(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let department = mapping::department_by_id(view, req.param("_id"));
    // `includeAgents` absent leaves the function default (true); any value but 'true' turns
    // it off; agents also need `view-livechat-departments` (spec §3.1 #4).
    let include = match req.query.get("includeAgents") {
        None => true,
        Some(v) => v.as_str() == Some("true"),
    };
    let include = include && permissions::has(view, req.roles(), "view-livechat-departments");
    let encode = || {
        wire::encode(&wire::DepartmentAnswer {
            department: department.map(|d| mapping::department_out(view, d, true)),
            agents: include.then(|| {
                department
                    .map(|d| mapping::links_of(view, d.id))
                    .unwrap_or_default()
            }),
            success: true,
        })
        .map_err(|()| RcError::Layer(LayerError::Internal))
    };
    // The answer depends on the state, the department and whether agents are in it: the same
    // bytes for every caller who gets agents, and for every caller who does not.
    let body = match department {
        Some(d) => {
            let key = CacheKey {
                kind: cached::DEPARTMENT,
                variant: u32::from(include),
                id: d.id.0,
            };
            ctx.bodies.get_or_encode(key, view.version(), encode)?
        }
        None => encode()?,
    };
    Ok(wire::bytes_response(StatusCode::OK, body))
}

pub(super) fn autocomplete(view: &View, req: &Req) -> Result<Response> {
    let raw = match req.query.get("selector") {
        None => return Err(RcError::Plain("The 'selector' param is required".into())),
        Some(Json::String(s)) if s.is_empty() => {
            return Err(RcError::Plain("The 'selector' param is required".into()));
        }
        Some(Json::String(s)) => s.clone(),
        // `JSON.parse` of an object stringifies it first.
        Some(_) => "[object Object]".to_owned(),
    };
    let selector: Json = strict_json::parse_str(&raw).map_err(|e| match e {
        JsonError::Syntax { column, .. } => RcError::Plain(format!(
            "Unexpected token in JSON at position {}",
            column.saturating_sub(1)
        )),
        JsonError::DuplicateKey(path) => duplicate_key(&format!("selector.{path}")),
    })?;
    let term = selector
        .get("term")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let exceptions: Vec<&str> = match selector.get("exceptions") {
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    // `archived: {$ne: !showArchived}`: with showArchived every department matches.
    let show_archived = query::string(&req.query, "showArchived") == Some("true");
    let items: Vec<wire::NameOut<'_>> = view
        .departments_by_name()
        .filter(|d| show_archived || d.active)
        .filter(|d| d.name.as_str().to_lowercase().starts_with(&term))
        .filter(|d| !exceptions.contains(&d.uid.to_string().as_str()))
        .map(|d| wire::NameOut {
            id: d.uid.to_string(),
            name: d.name.as_str(),
        })
        .collect();
    ok(&wire::List {
        items: wire::Named {
            name: "items",
            items,
        },
        success: true,
    })
}

pub(super) fn department_agents(view: &View, req: &Req) -> Result<Response> {
    let page = query::page(&req.query);
    let sort = query::sort(&req.query)?;
    let links = mapping::department_by_id(view, req.param("_id"))
        .map(|d| mapping::links_of(view, d.id))
        .unwrap_or_default();
    // `findAgentsByDepartmentId` sorts by username unless told otherwise (spec §3.1 #11).
    let sort = sort.unwrap_or_else(|| vec![("username".to_owned(), 1)]);
    let (agents, total) = sorted_page(links, page, Some(sort));
    ok(&wire::Page {
        count: agents.len(),
        items: wire::Named {
            name: "agents",
            items: agents,
        },
        offset: page.offset,
        total,
        success: true,
    })
}

pub(super) fn list_by_ids(view: &View, req: &Req) -> Result<Response> {
    query::sort(&req.query)?;
    let ids: Vec<&str> = match req.query.get("ids") {
        None => return Err(RcError::Plain("The 'ids' param is required".into())),
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        Some(_) => return Err(RcError::Plain("The 'ids' param must be an array".into())),
    };
    let departments: Vec<_> = view
        .departments()
        .filter(|d| ids.contains(&d.uid.to_string().as_str()))
        .map(|d| mapping::department_out(view, d, true))
        .collect();
    ok(&wire::List {
        items: wire::Named {
            name: "departments",
            items: departments,
        },
        success: true,
    })
}

pub(super) fn agent_departments(view: &View, req: &Req) -> Result<Response> {
    let enabled_only = query::string(&req.query, "enabledDepartmentsOnly") == Some("true");
    let departments: Vec<_> = match mapping::agent_by_id(view, req.param("agentId")) {
        Some(agent) => view
            .departments_of(agent.id)
            .filter(|d| !enabled_only || d.enabled)
            .filter_map(|d| mapping::agent_department_out(view, agent, d))
            .collect(),
        None => Vec::new(),
    };
    ok(&wire::List {
        items: wire::Named {
            name: "departments",
            items: departments,
        },
        success: true,
    })
}
