//! DDP over REST: `method.call/:method` for `livechat:changeLivechatStatus` and
//! `livechat:saveDepartment`, the two methods the e2e suites call (spec §3, "Other notes"; §6).

use serde::Serialize;
use serde_json::{Value, json};

use super::common::{Req, Result, apply, ok};
use super::department_writes::save_department;
use crate::facades::rocketchat::Context;
use crate::facades::rocketchat::error::{DdpError, RcError};
use crate::facades::rocketchat::mapping;
use crate::facades::rocketchat::permissions::Permission;
use crate::facades::rocketchat::wire::requests::{self, DdpMessage, LivechatStatus, MethodCall};
use crate::facades::rocketchat::wire::{self, Json};
use crate::http::Response;
use crate::http::json::{self as strict_json, JsonError};
use crate::model::{AgentPatch, Command, View};

/// `method.call/:method`: `{message: "<DDP method message>"}` in, `{message: "<DDP result
/// message>", success: true}` out, errors included (they travel inside the result message).
pub(super) async fn method_call(ctx: &Context, view: &View, req: &Req<'_>) -> Result<Response> {
    MethodCall::check(&req.body)?;
    let call: MethodCall = requests::decode(&req.body)?;
    let message: Json = strict_json::parse_str(&call.message).map_err(|e| match e {
        JsonError::Syntax { column, .. } => RcError::JsonSyntax {
            position: column.saturating_sub(1),
        },
        // The message carries writes (`livechat:saveDepartment`), so it is held to the body's rule.
        JsonError::DuplicateKey(path) => RcError::DuplicateProperty(format!("message.{path}")),
    })?;
    let ddp: DdpMessage = requests::decode_lenient(&message)?;
    let name = ddp.method().replace('/', ":");
    let DdpMessage { id, params, .. } = ddp;
    let outcome = match name.as_str() {
        "livechat:changeLivechatStatus" => change_livechat_status(ctx, view, req, &params).await,
        "livechat:saveDepartment" => saved_department(ctx, view, req, &params).await,
        other => Err(RcError::MethodNotFound(other.to_owned()).into()),
    };
    let mut result = serde_json::Map::new();
    result.insert("msg".into(), json!("result"));
    result.insert("id".into(), id);
    match outcome {
        Ok(Some(value)) => {
            result.insert("result".into(), value);
        }
        Ok(None) => {}
        Err(e) => {
            let message = e.message();
            let mut object = serde_json::Map::new();
            object.insert("isClientSafe".into(), json!(true));
            object.insert("error".into(), e.error);
            if let Some(reason) = &e.reason {
                object.insert("reason".into(), json!(reason));
            }
            if let Some(details) = e.details {
                object.insert("details".into(), details);
            }
            object.insert("message".into(), json!(message));
            object.insert("errorType".into(), json!("Meteor.Error"));
            let object = Value::Object(object);
            result.insert("error".into(), object);
        }
    }
    ok(&wire::MethodOut {
        message: serde_json::to_string(&result).unwrap_or_default(),
        success: true,
    })
}

/// `livechat:changeLivechatStatus({status, agentId})`; older clients pass the status as a bare
/// string. Without a status it toggles, as Rocket.Chat does.
async fn change_livechat_status(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
    params: &[Json],
) -> Result<Option<Value>, DdpError> {
    let caller = req.caller()?;
    let param = LivechatStatus::read(params)?;
    let agent = match param.agent_id() {
        Some(id) if id != caller.uid.as_str() => {
            if !req.may(Permission::ManageLivechatAgents) {
                return Err(RcError::NotAllowed.into());
            }
            mapping::agent_by_id(view, id).ok_or(RcError::InvalidAgent)?
        }
        _ => caller,
    };
    let accepts = match param.status() {
        Some("available") => true,
        Some("not-available") => false,
        Some(_) => return Err(RcError::InvalidLivechatStatus.into()),
        None => !agent.accepts_chats,
    };
    let patch = AgentPatch {
        accepts_chats: Some(accepts),
        ..AgentPatch::default()
    };
    apply(
        ctx,
        Command::UpdateAgent {
            id: agent.id,
            patch,
        },
    )
    .await?;
    Ok(None)
}

/// `livechat:saveDepartment(_id, department, agents, unit)`: the same `saveDepartment` as the
/// REST route; the result is the department as EJSON (dates as `{"$date": ms}`).
async fn saved_department(
    ctx: &Context,
    view: &View,
    req: &Req<'_>,
    params: &[Json],
) -> Result<Option<Value>, DdpError> {
    if !req.may(Permission::ManageLivechatDepartments) {
        return Err(RcError::SaveNotAllowed.into());
    }
    let id = params
        .first()
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty());
    let department = params.get(1).cloned().unwrap_or(Json::Null);
    let agents = params.get(2).filter(|a| matches!(a, Json::Array(_)));
    // `departmentUnit`, the fourth parameter: absent, no unit change.
    let unit = params.get(3);
    super::units::check_department_unit(view, id, unit)?;
    let saved = save_department(ctx, view, id, &department, agents).await?;
    let view = ctx.store.view();
    let stored = view.department(saved).ok_or(RcError::NotSaved)?;
    // The document `saveDepartment` returns was read before the unit hook ran.
    let mut value = to_value(&mapping::department_out(
        &view,
        stored,
        true,
        ctx.options.edition,
    ));
    value["_updatedAt"] = json!({"$date": mapping::updated_at(stored).unix_millis()});
    super::units::manage_department_unit(ctx, req, saved, unit).await?;
    Ok(Some(value))
}

fn to_value(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
