//! Units and monitors (Enterprise only): `livechat/units` and its sub-routes
//! (`apps/meteor/ee/app/livechat-enterprise/server/api/units.ts`, `api/lib/units.ts`,
//! `lib/LivechatEnterprise.ts` `saveUnit`/`removeUnit`, `lib/Department.ts`), a department's
//! unit on save (`departmentsLib.ts` `saveDepartment`, the `livechat.manageDepartmentUnit` hook
//! in `hooks/manageDepartmentUnit.ts`), and a monitor's view of the departments
//! (`livechat.applyDepartmentRestrictions`, `hooks/applyDepartmentRestrictions.ts`).

use http::StatusCode;
use serde_json::Value;

use super::common::{Req, Result, apply, contains_ci, ok, sorted_page};
use crate::facades::rocketchat::check::{Pattern, matches};
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::mapping;
use crate::facades::rocketchat::permissions::Permission;
use crate::facades::rocketchat::query;
use crate::facades::rocketchat::wire::units::{MonitorOut, SavedUnit, UnitAnswer, UnitOut};
use crate::facades::rocketchat::wire::{self, Json};
use crate::facades::rocketchat::{Context, Edition};
use crate::http::Response;
use crate::model::{
    Agent, Command, DepartmentId, ObjectId, Outcome, Role, State, Unit, UnitSpec, View,
};

/// A unit as its document.
fn unit_out(unit: &Unit) -> UnitOut<'_> {
    UnitOut {
        id: unit.uid.to_string(),
        name: &unit.name,
        visibility: &unit.visibility,
        kind: "u",
        num_monitors: unit.supervisors.len(),
        num_departments: unit.departments.len(),
        updated_at: mapping::rc_time(unit.updated_at),
    }
}

fn unit_by_id<'v>(view: &'v State, id: &str) -> Option<&'v std::sync::Arc<Unit>> {
    ObjectId::parse(id).ok().and_then(|uid| view.unit(&uid))
}

/// `getUnitsFromUser`: the units a caller is held to, `None` when it is not held (no monitor,
/// or also an administrator or manager). Only the Enterprise edition has monitors.
pub(super) fn units_of_monitor<'v>(
    ctx: &Context,
    view: &'v State,
    caller: &Agent,
) -> Option<Vec<&'v std::sync::Arc<Unit>>> {
    let roles = caller.roles;
    let held = ctx.options.edition == Edition::Enterprise
        && roles.contains(Role::Monitor)
        && !roles.is_admin()
        && !roles.contains(Role::Manager);
    held.then(|| view.units_supervised_by(caller.id).collect())
}

/// `livechat.applyDepartmentRestrictions` for `onlyMyDepartments=true`: the departments a
/// monitor may see (those of its units), `None` when the caller sees them all.
pub(super) fn monitor_departments(
    ctx: &Context,
    view: &State,
    req: &Req<'_>,
) -> Result<Option<Vec<DepartmentId>>> {
    if query::string(&req.query, "onlyMyDepartments") != Some("true") {
        return Ok(None);
    }
    let caller = req.caller()?;
    Ok(units_of_monitor(ctx, view, caller).map(|units| {
        let mut ids: Vec<DepartmentId> = units
            .iter()
            .flat_map(|u| u.departments.iter().copied())
            .collect();
        ids.sort_unstable();
        ids
    }))
}

/// `GET livechat/units`: every unit for a caller with `manage-livechat-units`, else the units
/// it monitors (`findUnitsOfUser`); `text` a case-insensitive substring of the name, sorted by
/// name unless `sort` says otherwise.
pub(super) fn list_units(view: &View, req: &Req<'_>) -> Result<Response> {
    let page = query::page(&req.query);
    let sort = query::sort(&req.query)?;
    let text = query::string(&req.query, "text").filter(|t| !t.is_empty());
    let caller = req.caller()?;
    let all = req.may(Permission::ManageLivechatUnits);
    let mut units: Vec<&std::sync::Arc<Unit>> = view
        .units()
        .filter(|u| all || u.supervisors.binary_search(&caller.id).is_ok())
        .filter(|u| text.is_none_or(|t| contains_ci(&u.name, t)))
        .collect();
    units.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let items: Vec<UnitOut<'_>> = units.into_iter().map(|u| unit_out(u)).collect();
    let (items, total) = sorted_page(items, page, sort);
    ok(&wire::Page {
        count: items.len(),
        items: wire::Named {
            name: "units",
            items,
        },
        offset: page.offset,
        total,
        success: true,
    })
}

/// `GET livechat/units/:id`: the unit, or `API.v1.success(null)`, whose body is `null`.
pub(super) fn show_unit(view: &View, req: &Req<'_>) -> Result<Response> {
    match unit_by_id(view, req.param("id")) {
        Some(unit) => ok(&UnitAnswer {
            unit: unit_out(unit),
            success: true,
        }),
        None => ok(&Value::Null),
    }
}

/// `GET livechat/units/:id/departments` (`findAllDepartmentsByUnit`): the unit's departments,
/// in the collection's order (no sort), paged.
pub(super) fn unit_departments(view: &View, req: &Req<'_>) -> Result<Response> {
    let page = query::page(&req.query);
    let departments: Vec<_> = unit_by_id(view, req.param("id"))
        .map(|u| u.departments.clone())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|id| view.department(id))
        // Units answer only in the Enterprise edition (`enterprise_only`).
        .map(|d| mapping::department_out(view, d, true, Edition::Enterprise))
        .collect();
    let total = departments.len();
    let departments = page.apply(departments);
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

/// `GET livechat/units/:id/departments/available` (`findAllDepartmentsAvailable`): departments
/// in this unit or in none, `text` a substring of the name, sorted by name; a monitor's own with
/// `onlyMyDepartments=true`.
pub(super) fn available_departments(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    let page = query::page(&req.query);
    let text = query::string(&req.query, "text").filter(|t| !t.is_empty());
    let uid = ObjectId::parse(req.param("id")).ok();
    let only = monitor_departments(ctx, view, req)?;
    let departments: Vec<_> = view
        .departments_by_name()
        .filter(|d| match view.unit_of(d.id) {
            None => true,
            Some(unit) => Some(unit.uid) == uid,
        })
        .filter(|d| text.is_none_or(|t| contains_ci(d.name.as_str(), t)))
        .filter(|d| {
            only.as_ref()
                .is_none_or(|ids| ids.binary_search(&d.id).is_ok())
        })
        .map(|d| mapping::department_out(view, d, true, ctx.options.edition))
        .collect();
    let total = departments.len();
    let departments = page.apply(departments);
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

/// `GET livechat/units/:id/monitors` (`findUnitMonitors`): `{monitors: [...]}`. Each
/// monitor record's `_id` is drawn from the unit's and the agent's ids (the model keeps no id of
/// its own for it), so it is the same on every read.
pub(super) fn unit_monitors(view: &View, req: &Req<'_>) -> Result<Response> {
    let monitors: Vec<MonitorOut<'_>> = unit_by_id(view, req.param("id"))
        .map(|unit| {
            unit.supervisors
                .iter()
                .filter_map(|a| view.agent(*a))
                .map(|agent| MonitorOut {
                    id: monitor_record_id(unit, agent),
                    monitor_id: agent.uid.as_str(),
                    unit_id: unit.uid.to_string(),
                    username: agent.username.as_str(),
                    updated_at: mapping::rc_time(unit.updated_at),
                })
                .collect()
        })
        .unwrap_or_default();
    ok(&wire::List {
        items: wire::Named {
            name: "monitors",
            items: monitors,
        },
        success: true,
    })
}

/// 24 hexadecimal digits from SHA-256 of the unit's and the agent's ids.
fn monitor_record_id(unit: &Unit, agent: &Agent) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}:{}", unit.uid, agent.uid.as_str()));
    hex::encode(&digest[..12])
}

/// `POST livechat/units` (`id` `None`) and `POST livechat/units/:id`: `saveUnit(_id, unitData,
/// unitMonitors, unitDepartments)`, its `check()`s in order, then `createOrUpdateUnit`.
pub(super) async fn save_unit(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
    id: Option<&str>,
) -> Result<Response> {
    let body = &req.body;
    let optional = |p| Pattern::Optional(Box::new(p));
    let unit_data = Pattern::Object {
        keys: vec![
            ("name", Pattern::String),
            ("visibility", Pattern::String),
            ("enabled", optional(Pattern::Boolean)),
            ("description", optional(Pattern::String)),
            ("email", optional(Pattern::String)),
            ("showOnOfflineForm", optional(Pattern::Boolean)),
        ],
        including: false,
    };
    matches(body.get("unitData"), &unit_data)?;
    let monitors = Pattern::ArrayOf(Box::new(Pattern::Object {
        keys: vec![
            ("monitorId", Pattern::String),
            ("username", Pattern::String),
        ],
        including: true,
    }));
    matches(body.get("unitMonitors"), &monitors)?;
    let departments = Pattern::ArrayOf(Box::new(Pattern::Object {
        keys: vec![("departmentId", Pattern::String)],
        including: true,
    }));
    matches(body.get("unitDepartments"), &departments)?;
    let uid = match id {
        None => None,
        Some(id) => Some(unit_by_id(view, id).ok_or(RcError::SaveUnitNotFound)?.uid),
    };
    let text = |value: Option<&Json>, key: &str| {
        value
            .and_then(|v| v.get(key))
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let data = body.get("unitData");
    let (name, visibility) = (text(data, "name"), text(data, "visibility"));
    let items = |key: &str| match body.get(key) {
        Some(Json::Array(items)) => items.as_slice(),
        _ => &[],
    };
    let (sent_monitors, sent_departments) = (items("unitMonitors"), items("unitDepartments"));
    // Ids that name nothing are left out of the model (it keeps no dangling reference); the
    // answer counts what was sent, as `createOrUpdateUnit`'s record does.
    let spec = UnitSpec {
        name: name.clone(),
        visibility: visibility.clone(),
        supervisors: sent_monitors
            .iter()
            .filter_map(|m| m.get("monitorId").and_then(Json::as_str))
            .filter_map(|id| mapping::agent_by_id(view, id))
            .map(|a| a.id)
            .collect(),
        departments: sent_departments
            .iter()
            .filter_map(|d| d.get("departmentId").and_then(Json::as_str))
            .filter_map(|id| mapping::department_by_id(view, id))
            .map(|d| d.id)
            .collect(),
    };
    let (_, outcome) = apply(ctx, Command::SaveUnit { uid, unit: spec }).await?;
    let Outcome::Unit(uid) = outcome else {
        return Err(crate::http::LayerError::Internal.into());
    };
    tracing::info!(unit = %uid, "rocket.chat unit saved");
    ok(&SavedUnit {
        name: &name,
        visibility: &visibility,
        kind: "u",
        num_monitors: sent_monitors.len(),
        num_departments: sent_departments.len(),
        id: uid.to_string(),
        success: true,
    })
}

/// `DELETE livechat/units/:id`: `removeUnit`, answered with `deletedCount` (`1`) as the body.
pub(super) async fn delete_unit(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    let uid = unit_by_id(view, req.param("id"))
        .ok_or(RcError::RemoveUnitNotFound)?
        .uid;
    apply(ctx, Command::DeleteUnit { uid }).await?;
    Ok(wire::json_response(StatusCode::OK, &1))
}

/// The first steps of `saveDepartment` about `departmentUnit` (before any other check): an
/// `_id` that is not a string, then taking the last department out of its unit. `unit` is the
/// `departmentUnit` as given (`None` when absent).
pub(super) fn check_department_unit(
    view: &State,
    existing: Option<&str>,
    unit: Option<&Json>,
) -> Result<()> {
    let Some(unit) = unit.filter(|u| **u != Json::Null) else {
        return Ok(());
    };
    let id = unit.get("_id");
    if id.is_some_and(|id| id.as_str().is_none()) {
        return Err(RcError::InvalidDepartmentUnit);
    }
    let named = id.and_then(Json::as_str).is_some_and(|id| !id.is_empty());
    let current = existing
        .and_then(|id| mapping::department_by_id(view, id))
        .and_then(|d| view.unit_of(d.id));
    if !named && current.is_some_and(|u| u.departments.len() == 1) {
        return Err(RcError::UnitCantBeEmpty);
    }
    Ok(())
}

/// The `livechat.manageDepartmentUnit` hook, after the department was saved: moves it into the
/// unit `departmentUnit._id` names, or out of its unit when there is no `_id`. What the caller
/// may not manage, or a unit that does not exist, changes nothing, without an error.
pub(super) async fn manage_department_unit(
    ctx: &Context,
    req: &Req<'_>,
    department: DepartmentId,
    unit: Option<&Json>,
) -> Result<()> {
    let Some(unit) = unit.filter(|u| **u != Json::Null) else {
        return Ok(());
    };
    if ctx.options.edition != Edition::Enterprise {
        return Ok(());
    }
    let view = ctx.store.view();
    let caller = req.caller()?;
    let wanted = unit
        .get("_id")
        .and_then(Json::as_str)
        .filter(|id| !id.is_empty());
    let current = view.unit_of(department).map(|u| u.uid);
    if wanted.is_some_and(|id| current.is_some_and(|c| c.to_string() == id)) {
        return Ok(());
    }
    let manager = caller.roles.is_admin() || caller.roles.contains(Role::Manager);
    let accessible: Vec<ObjectId> = units_of_monitor(ctx, &view, caller)
        .unwrap_or_default()
        .iter()
        .map(|u| u.uid)
        .collect();
    let may = |uid: Option<String>| {
        uid.is_none_or(|id| manager || accessible.iter().any(|a| a.to_string() == id))
    };
    if !may(wanted.map(str::to_owned)) || !may(current.map(|c| c.to_string())) {
        return Ok(());
    }
    let target = match wanted {
        Some(id) => match unit_by_id(&view, id) {
            Some(unit) => Some(unit.uid),
            None => return Ok(()),
        },
        None => None,
    };
    if target.is_none() && current.is_none() {
        return Ok(());
    }
    apply(
        ctx,
        Command::SetDepartmentUnit {
            id: department,
            unit: target,
        },
    )
    .await?;
    Ok(())
}
