//! Department writes (spec §3 #2, #5, #6, #8, #9, #12, with §3.1 and §5.1-§5.3):
//! `saveDepartment`'s steps in its order, and the create, update, delete, archive and
//! department-agents routes built on the store's commands.

use super::common::{Req, Result, apply, ok};
use super::department_reads::creation_available;
use super::units;
use crate::facades::rocketchat::Context;
use crate::facades::rocketchat::check::Mismatch;
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::mapping::{self, DepartmentFields};
use crate::facades::rocketchat::permissions::Permission;
use crate::facades::rocketchat::settings;
use crate::facades::rocketchat::wire::requests::{
    self, AgentLink, AgentsChange, DepartmentBody, DepartmentWrite,
};
use crate::facades::rocketchat::wire::{self, Json};
use crate::http::{LayerError, Response};
use crate::model::{
    Command, DepartmentId, DepartmentPatch, MembersChange, NamePolicy, NewDepartment, Outcome,
    UnknownAgents, View, WritePolicy,
};

/// Rocket.Chat allows repeated names, skips unknown users in agent lists, does not check that a
/// linked user has the agent role (spec §4, §5.2), and writes archived departments: only an
/// update that would enable one is refused (`saveDepartment`, `departmentsLib.ts`), and agent
/// changes do not look at archiving.
const POLICY: WritePolicy = WritePolicy {
    names: NamePolicy::AllowDuplicates,
    unknown_agents: UnknownAgents::Skip,
    staff_only: false,
    write_inactive: true,
};

/// `saveDepartment(_id, department, {upsert: agents}, departmentUnit)` (spec §3.1 #2), checked
/// whole before anything is written so that a failure changes nothing.
pub(super) async fn save_department(
    ctx: &Context,
    view: &View,
    id: Option<&str>,
    body: &Json,
    agents: Option<&Json>,
) -> Result<DepartmentId> {
    let existing = id.and_then(|id| mapping::department_by_id(view, id));
    // 3. The Community edition's limit applies whenever no department was found.
    if existing.is_none() && !creation_available(ctx, view) {
        return Err(RcError::MaxDepartmentsReached);
    }
    // 4. `departmentData.enabled` truthy on an archived department.
    if existing.is_some_and(|d| !d.active) && DepartmentBody::enabled_is_truthy(body) {
        return Err(RcError::ArchivedDepartmentCantBeEnabled);
    }
    // 5. check(department, defaultValidations).
    DepartmentBody::check(body)?;
    let fields = DepartmentFields::from_body(requests::decode(body)?)?;
    // 7. Closing tags.
    if fields.request_tag == Some(true) && fields.closing_tags.as_ref().is_none_or(Vec::is_empty) {
        return Err(RcError::ClosingTagsRequired);
    }
    // 8. An id that names nothing.
    if id.is_some() && existing.is_none() {
        return Err(RcError::DepartmentNotFound);
    }
    // 9, 10. The fallback department: not itself, and existing (a falsy value skips the check).
    let fallback = match fields.fallback.as_deref() {
        None => None,
        Some(f) if Some(f) == id => {
            return Err(RcError::FallbackCircular);
        }
        Some("") => Some(None),
        Some(f) => Some(Some(
            mapping::department_by_id(view, f)
                .ok_or(RcError::FallbackNotFound)?
                .id,
        )),
    };
    // 12. `updateDepartmentAgents` checks its list (it runs after the write in Rocket.Chat;
    // checking it first keeps a failed request from changing anything).
    AgentLink::check_lists(agents, None)?;
    let agents: Option<Vec<AgentLink>> = agents.map(requests::decode).transpose()?;
    let members = agents.map(|list| MembersChange::Edit {
        upsert: mapping::upserts(view, &list),
        remove: Vec::new(),
    });

    let (view, outcome) = match existing {
        None => {
            let mut department = NewDepartment::named(
                fields
                    .name
                    .clone()
                    .ok_or_else(|| Mismatch::missing_key("name"))?,
            );
            department.description = fields.description.clone();
            department.enabled = fields.enabled.unwrap_or(false);
            department.email = fields.email.clone();
            department.show_on_registration = fields.show_on_registration.unwrap_or(false);
            department.show_on_offline_form = fields.show_on_offline_form.unwrap_or(false);
            department.routing = fields.routing(&Default::default(), fallback);
            apply(
                ctx,
                Command::CreateDepartment {
                    department,
                    members,
                    policy: POLICY,
                },
            )
            .await?
        }
        Some(existing) => {
            let patch = DepartmentPatch {
                name: fields.name.clone(),
                description: fields.description.clone().map(Some),
                enabled: fields.enabled,
                email: fields.email.clone().map(Some),
                show_on_registration: fields.show_on_registration,
                show_on_offline_form: fields.show_on_offline_form,
                public: None,
                settings: Vec::new(),
                routing: Some(fields.routing(&existing.routing, fallback)),
            };
            apply(
                ctx,
                Command::UpdateDepartment {
                    id: existing.id,
                    patch,
                    members,
                    policy: POLICY,
                },
            )
            .await?
        }
    };
    let _ = view;
    match outcome {
        Outcome::Department(id) => Ok(id),
        _ => Err(LayerError::Internal.into()),
    }
}

pub(super) async fn create_department(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
) -> Result<Response> {
    let write = DepartmentWrite::split(&req.body);
    let unit = Some(req.body.get("departmentUnit").unwrap_or(&NO_UNIT));
    units::check_department_unit(view, None, unit)?;
    let id = save_department(ctx, view, None, write.department, write.agents).await?;
    let view = ctx.store.view();
    let stored = view.department(id).ok_or(LayerError::Internal)?;
    tracing::info!(department = id.0, "rocket.chat department created");
    // The department is the document read before its agents were saved (spec §3.1 #2), and
    // before its unit was set.
    let answer = ok(&wire::DepartmentAnswer {
        department: Some(mapping::department_out(
            &view,
            stored,
            false,
            ctx.options.edition,
        )),
        agents: Some(mapping::links_of(&view, id)),
        success: true,
    });
    units::manage_department_unit(ctx, req, id, unit).await?;
    answer
}

/// `departmentUnit || {}`: the routes always hand `saveDepartment` a unit object.
static NO_UNIT: Json = Json::Object(Vec::new());

pub(super) async fn update_department(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
) -> Result<Response> {
    DepartmentWrite::check_update(&req.body)?;
    if !req.may(Permission::ManageLivechatDepartments) {
        return Err(RcError::UpdateNotAllowed);
    }
    // Agents count only for a caller who may add them (spec §3.1 #5 step 4).
    let write = DepartmentWrite::split(&req.body);
    let agents = write
        .agents
        .filter(|_| write.has_department)
        .filter(|_| req.may(Permission::AddLivechatDepartmentAgents));
    let id = req.param("_id");
    let unit = Some(req.body.get("departmentUnit").unwrap_or(&NO_UNIT));
    units::check_department_unit(view, Some(id), unit)?;
    let department_id = save_department(ctx, view, Some(id), write.department, agents).await?;
    units::manage_department_unit(ctx, req, department_id, unit).await?;
    let view = ctx.store.view();
    let stored = view.department(department_id);
    ok(&wire::DepartmentAnswer {
        department: stored.map(|d| mapping::department_out(&view, d, true, ctx.options.edition)),
        agents: Some(mapping::links_of(&view, department_id)),
        success: true,
    })
}

pub(super) async fn delete_department(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
) -> Result<Response> {
    if !settings::flag(view, "Omnichannel_enable_department_removal") {
        return Err(RcError::DepartmentRemovalDisabled);
    }
    let department = mapping::department_by_id(view, req.param("_id"))
        .ok_or(RcError::RemovedDepartmentNotFound)?;
    let id = department.id;
    apply(ctx, Command::DeleteDepartment { id }).await?;
    tracing::info!(department = id.0, "rocket.chat department deleted");
    ok(&wire::SUCCESS)
}

pub(super) async fn archive(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
    restore: bool,
) -> Result<Response> {
    let Some(department) = mapping::department_by_id(view, req.param("_id")) else {
        // The two routes throw differently (spec §3.1 #8, #9).
        return Err(if restore {
            RcError::UnarchiveNotFound
        } else {
            RcError::ArchiveNotFound
        });
    };
    apply(
        ctx,
        Command::SetDepartmentActive {
            id: department.id,
            active: restore,
        },
    )
    .await?;
    ok(&wire::SUCCESS)
}

pub(super) async fn save_department_agents(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
) -> Result<Response> {
    // The route's check, `saveDepartmentAgents`'s, then the items', before the department is
    // looked up (spec §3.1 #12).
    AgentsChange::check(&req.body)?;
    let department = mapping::department_by_id(view, req.param("_id"))
        .ok_or(RcError::AgentsDepartmentNotFound)?;
    let change: AgentsChange = requests::decode(&req.body)?;
    let upserts = mapping::upserts(view, &change.upsert);
    // Rocket.Chat removes first, then upserts: an agent in both lists stays.
    let removals: Vec<_> = mapping::removals(view, &change.remove)
        .into_iter()
        .filter(|a| !upserts.iter().any(|u| u.agent == *a))
        .collect();
    apply(
        ctx,
        Command::ChangeMembers {
            id: department.id,
            change: MembersChange::Edit {
                upsert: upserts,
                remove: removals,
            },
            policy: POLICY,
        },
    )
    .await?;
    ok(&wire::SUCCESS)
}
