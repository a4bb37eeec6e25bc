//! Permissions and settings: `permissions.listAll`, `permissions.update` (the role lists of
//! spec §1.2 and §2.2) and `settings/:_id`, read and written (spec §6).

use serde_json::json;

use super::common::{Req, Result, apply, ok};
use crate::facades::rocketchat::Context;
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::permissions::{self, Permission};
use crate::facades::rocketchat::settings;
use crate::facades::rocketchat::wire;
use crate::facades::rocketchat::wire::requests::{self, PermissionsUpdate, SettingChange};
use crate::http::Response;
use crate::model::{Command, State, View};

pub(super) fn permission_list(view: &State) -> Vec<wire::PermissionOut<'static>> {
    Permission::ALL
        .into_iter()
        .map(|permission| wire::PermissionOut {
            id: permission.id(),
            roles: permissions::roles_of(view, permission),
        })
        .collect()
}

pub(super) async fn update_permissions(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
) -> Result<Response> {
    let body = PermissionsUpdate::read(&req.body)?;
    let updates: Vec<(Permission, &[&str])> = body
        .permissions
        .iter()
        .map(|p| Permission::from_id(p.id).map(|permission| (permission, p.roles.as_slice())))
        .collect::<Option<_>>()
        .ok_or(RcError::InvalidPermission)?;
    if updates
        .iter()
        .flat_map(|(_, roles)| roles.iter())
        .any(|r| !permissions::role_exists(r, ctx.options.edition))
    {
        return Err(RcError::UnknownRole);
    }
    let _ = view;
    for (id, roles) in updates {
        apply(
            ctx,
            Command::SetSetting {
                name: permissions::permission_key(id),
                value: Some(json!(roles)),
            },
        )
        .await?;
    }
    let view = ctx.store.view();
    ok(&wire::PermissionsOut {
        permissions: permission_list(&view),
        success: true,
    })
}

pub(super) fn show_setting(view: &View, req: &Req<'_>) -> Result<Response> {
    let id = req.param("_id");
    let value = settings::setting(view, id).ok_or(RcError::NoSuchSetting)?;
    ok(&wire::SettingOut {
        id,
        value: &value,
        success: true,
    })
}

/// `POST settings/:_id {value}` for any setting id (unknown ids are stored too, so that the
/// suites' before-hooks for settings this gateway does not act on still pass).
pub(super) async fn save_setting(ctx: &Context, req: &Req<'_>) -> Result<Response> {
    let id = req.param("_id");
    let valid_id = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let body: SettingChange = requests::decode_lenient(&req.body)?;
    let value = body
        .value
        .filter(|_| valid_id)
        .ok_or(RcError::SettingNotSaved)?;
    apply(
        ctx,
        Command::SetSetting {
            name: settings::setting_key(id),
            value: Some(value),
        },
    )
    .await?;
    ok(&wire::SUCCESS)
}
