//! Rocket.Chat's error table, closed: one variant per error the facade can answer with, and in
//! [`RcError::raised`] the one place where each variant's code and message are spelled, with the
//! way Rocket.Chat raised it (an `ApiClass.ts` helper, a thrown `Meteor.Error` or `Error`, a
//! `check()` failure), which decides the body's shape (spec §1.3). Handlers name the error; they
//! never write a code or a message. The table, row by row, is `docs/rocketchat-errors.md`.

use std::borrow::Cow;

use http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use super::check::Mismatch;
use super::wire::json_response;
use crate::http::routing::set_allow;
use crate::http::{LayerError, Response};
use crate::model::ModelError;

/// Everything the Rocket.Chat facade answers with instead of a result. Grouped by who raises it
/// in Rocket.Chat; the source of each is in `docs/rocketchat-errors.md`.
#[derive(Debug, Clone, PartialEq)]
pub enum RcError {
    /// Raised by the plumbing (route, method, size, time, a bug).
    Layer(LayerError),

    // -- The API framework (`ApiClass.ts`, `router.ts`).
    /// No or unknown `X-Auth-Token` / `X-User-Id` (spec §1.3, first row).
    Unauthorized,
    /// `POST /login` with credentials that open nothing (spec §2.1).
    LoginFailed,
    /// The caller's roles lack the route's `permissionsRequired` (spec §1.3, second row).
    Forbidden,
    /// A handler's own permission check: `API.v1.forbidden()` with no message.
    ForbiddenBare,
    /// ajv `validateParams` failed; carries ajv's message (spec §1.3, third row).
    InvalidParams(String),
    /// A key given twice in a JSON body (or in a JSON parameter), by its path: refused in ajv's
    /// words (docs/decisions.md, "Duplicate JSON keys").
    DuplicateProperty(String),
    /// A typed route's query failed ajv before authentication; carries ajv's message (spec §1.1).
    TypedInvalidParams(String),
    /// A typed route's body failed ajv before authentication; carries ajv's message
    /// (`packages/http-router/src/Router.ts`: `errorType: 'invalid-params'`, no suffix).
    TypedInvalidBody(String),
    /// `parseJsonQuery`: a `sort` that is not JSON of 1 / -1 values; carries the raw parameter.
    InvalidSort(String),
    /// A Meteor `check()` failure (spec §1.3): the mismatch as `check` reports it.
    Match(Mismatch),
    /// `JSON.parse` threw on a JSON parameter (`selector`, a DDP message): the position of the
    /// offending character.
    JsonSyntax { position: usize },

    // -- `saveDepartment` (`departmentsLib.ts`, spec §3.1 #2), in the order of its steps.
    /// Step 3: the Community edition's one department exists.
    MaxDepartmentsReached,
    /// Step 4: `enabled` truthy on an archived department.
    ArchivedDepartmentCantBeEnabled,
    /// Step 7: `requestTagBeforeClosingChat` without closing tags.
    ClosingTagsRequired,
    /// Step 8: an `_id` that names no department.
    DepartmentNotFound,
    /// Step 9: the department named as its own fallback.
    FallbackCircular,
    /// Step 10: a fallback department that does not exist.
    FallbackNotFound,
    /// `livechat:saveDepartment` called without `manage-livechat-departments`.
    SaveNotAllowed,
    /// `livechat:saveDepartment` saved nothing it can read back (`saveDepartment` returned falsy).
    NotSaved,
    /// The store refused a name another department holds (never asked for here: Rocket.Chat
    /// names may repeat); carries the name.
    DuplicateDepartmentName(String),

    // -- The department routes (`departments.ts`, spec §3.1).
    /// #5: PUT by a caller without `manage-livechat-departments`.
    UpdateNotAllowed,
    /// #6: DELETE while `Omnichannel_enable_department_removal` is off.
    DepartmentRemovalDisabled,
    /// #6: DELETE of an id that names no department.
    RemovedDepartmentNotFound,
    /// #8: archive of an id that names no department.
    ArchiveNotFound,
    /// #9: unarchive of an id that names no department.
    UnarchiveNotFound,
    /// #12: `POST :_id/agents` for an id that names no department.
    AgentsDepartmentNotFound,
    /// #10: `selector` missing or empty.
    SelectorRequired,
    /// #13: `ids` missing.
    IdsRequired,
    /// #13: `ids` given once, not as an array.
    IdsNotArray,

    // -- Users (`livechat/users/:type`, `users.*`, spec §6).
    /// `livechat/users/:type` with a type other than `agent` or `manager`.
    InvalidType,
    /// `GET livechat/users/:type` by a caller without the type's permissions:
    /// `API.v1.forbidden('error-not-authorized')`.
    NotAuthorized,
    /// `addAgent` / `addManager` of an unknown username, `removeAgent` / `removeManager` of an
    /// unknown id (`omni-users.ts`: `throw new Error('error-invalid-user')`), or a write naming
    /// an unknown agent.
    InvalidUser,
    /// `users.delete` whose `userId` / `username` names no user.
    NoMatchingUser,
    /// `users.create` with a username Rocket.Chat does not accept; carries it.
    InvalidUsername(String),
    /// `users.create` with an email Rocket.Chat does not accept; carries it.
    InvalidEmail(String),
    /// `users.create` with a username or email already taken; carries it.
    FieldUnavailable(String),
    /// `users.create` with a role the gateway cannot hold.
    InvalidRole,
    /// `users.setStatus` with a status Rocket.Chat does not know.
    InvalidStatus,

    // -- `livechat/agent.status` (`apps/meteor/app/livechat/server/api/v1/agent.ts`).
    /// The agent named (or the caller) is no livechat agent: `API.v1.notFound('Agent not found')`.
    AgentNotFound,
    /// The agent is deactivated: `API.v1.failure('error-user-deactivated')`.
    UserDeactivated,
    /// Another agent's status without `manage-livechat-agents`: `API.v1.unauthorized()`.
    StatusUnauthorized,

    // -- DDP methods (`method.call`).
    /// A method this gateway does not implement; carries its name.
    MethodNotFound(String),
    /// `livechat:changeLivechatStatus` for another agent without `manage-livechat-agents`.
    NotAllowed,
    /// `livechat:changeLivechatStatus` for an unknown agent.
    InvalidAgent,
    /// `livechat:changeLivechatStatus` to a status other than `available` / `not-available`.
    InvalidLivechatStatus,

    // -- Permissions and settings.
    /// `permissions.update` with a body not of the form `{permissions: [{_id, roles}]}`.
    InvalidBodyParams,
    /// `permissions.update` naming an unknown permission.
    InvalidPermission,
    /// `permissions.update` naming an unknown role.
    UnknownRole,
    /// `GET settings/:_id` of an unknown setting.
    NoSuchSetting,
    /// `POST settings/:_id` without a `value`, or with an id no setting can have.
    SettingNotSaved,

    // -- Units and monitors (Enterprise: `apps/meteor/ee/app/livechat-enterprise/server/`).
    /// An Enterprise-only route on a Community server: the router's `license` middleware.
    NoLicense,
    /// `saveUnit` (`lib/LivechatEnterprise.ts`) of an `_id` that names no unit.
    SaveUnitNotFound,
    /// `removeUnit` of an `_id` that names no unit.
    RemoveUnitNotFound,
    /// `saveDepartment` with a `departmentUnit._id` that is not a string (DDP only: the REST
    /// routes' `check()` refuses it first).
    InvalidDepartmentUnit,
    /// `saveDepartment` taking the last department out of its unit.
    UnitCantBeEmpty,

    /// The store refused the command.
    Model(ModelError),
}

impl From<LayerError> for RcError {
    fn from(e: LayerError) -> Self {
        RcError::Layer(e)
    }
}

impl From<ModelError> for RcError {
    fn from(e: ModelError) -> Self {
        RcError::Model(e)
    }
}

impl From<Mismatch> for RcError {
    fn from(m: Mismatch) -> Self {
        RcError::Match(m)
    }
}

/// How Rocket.Chat raised an error, which decides the body's shape (spec §1.3).
#[derive(Debug)]
enum Raised {
    /// The plumbing's failures, in the shapes Rocket.Chat's router gives them.
    Layer(LayerError),
    /// `unauthorized(msg)`: 401 with the `status` / `message` pair kept "for compatibility".
    Unauthorized(&'static str),
    /// `forbidden(msg)`: 403 `{success, error}`.
    Forbidden(&'static str),
    /// Another `ApiClass.ts` helper's `{success, error}` at its status: `notFound(msg)` (404),
    /// `unauthorized()` (401, without the compatibility pair of the authentication failure).
    Status(StatusCode, &'static str),
    /// ajv's `validateParams`: 400 `{success, error: "<msg> [invalid-params]", errorType}`.
    InvalidParams(Cow<'static, str>),
    /// The typed router's ajv failure of a query: 400 with `errorType` before `error`.
    TypedInvalidParams(String),
    /// The typed router's ajv failure of a body: the same shape, `errorType: invalid-params`.
    TypedInvalidBody(String),
    /// `throw new Meteor.Error(code, reason?, details?)`: 400
    /// `{success, error: "<reason> [<code>]", errorType: code, details?}`.
    Meteor {
        code: &'static str,
        reason: Option<Cow<'static, str>>,
        details: Option<Value>,
    },
    /// `throw new Error(msg)`, a `check()` failure, `API.v1.failure(msg)`: 400 `{success, error}`.
    Plain(Cow<'static, str>),
    /// `API.v1.failure(text, errorType)`: 400 `{success, error, errorType}`.
    Typed {
        error: &'static str,
        error_type: &'static str,
    },
    /// `API.v1.failure()`: 400 `{"success":false}`.
    Bare,
    /// A Hono `c.body(text, status)`: the Fetch API's `text/plain;charset=UTF-8` and the text.
    Text(StatusCode, &'static str),
}

/// `details` of every error `saveDepartment` raises (spec §3.1 #2).
fn save_department() -> Option<Value> {
    Some(json!({ "method": "livechat:saveDepartment" }))
}

/// `details` of the errors `insertOrUpdateUser` raises (`users.create`).
fn insert_or_update_user() -> Value {
    json!({ "method": "insertOrUpdateUser" })
}

const LOGGED_OUT: &str = "You must be logged in to do this.";

impl RcError {
    /// The whole table: each error's code and message, and how Rocket.Chat raised it.
    fn raised(self) -> Raised {
        use Raised::{Bare, Meteor, Plain, Typed};
        let meteor = |code, reason: &'static str| Meteor {
            code,
            reason: Some(Cow::Borrowed(reason)),
            details: None,
        };
        let saving = |code, reason: &'static str| Meteor {
            code,
            reason: Some(Cow::Borrowed(reason)),
            details: save_department(),
        };
        match self {
            RcError::Layer(layer) => Raised::Layer(layer),
            RcError::Unauthorized => Raised::Unauthorized(LOGGED_OUT),
            RcError::LoginFailed => Raised::Unauthorized("Unauthorized"),
            RcError::Forbidden => Raised::Forbidden(
                "User does not have the permissions required for this action [error-unauthorized]",
            ),
            RcError::ForbiddenBare => Raised::Forbidden("unauthorized"),
            RcError::InvalidParams(message) => Raised::InvalidParams(Cow::Owned(message)),
            RcError::DuplicateProperty(path) => Raised::InvalidParams(Cow::Owned(format!(
                "must NOT have duplicate property '{path}'"
            ))),
            RcError::TypedInvalidParams(message) => Raised::TypedInvalidParams(message),
            RcError::TypedInvalidBody(message) => Raised::TypedInvalidBody(message),
            RcError::InvalidSort(raw) => Meteor {
                code: "error-invalid-sort",
                reason: Some(Cow::Owned(format!(
                    "Invalid sort parameter provided: \"{raw}\""
                ))),
                details: Some(json!({ "helperMethod": "parseJsonQuery" })),
            },
            RcError::Match(mismatch) => {
                Plain(Cow::Owned(format!("Match error: {}", mismatch.text())))
            }
            RcError::JsonSyntax { position } => Plain(Cow::Owned(format!(
                "Unexpected token in JSON at position {position}"
            ))),

            RcError::MaxDepartmentsReached => saving(
                "error-max-departments-number-reached",
                "Maximum number of departments reached",
            ),
            RcError::ArchivedDepartmentCantBeEnabled => saving(
                "error-archived-department-cant-be-enabled",
                "Archived departments cant be enabled",
            ),
            RcError::ClosingTagsRequired => saving(
                "error-validating-department-chat-closing-tags",
                "At least one closing tag is required when the department requires tag(s) on closing conversations.",
            ),
            RcError::DepartmentNotFound => {
                saving("error-department-not-found", "Department not found")
            }
            RcError::FallbackCircular => meteor(
                "error-fallback-department-circular",
                "Cannot save department. Circular reference between fallback department and department",
            ),
            RcError::FallbackNotFound => saving(
                "error-fallback-department-not-found",
                "Fallback department not found",
            ),
            RcError::SaveNotAllowed => saving("error-not-allowed", "Not allowed"),
            RcError::NotSaved => Bare,
            RcError::DuplicateDepartmentName(name) => Meteor {
                code: "error-duplicate-department-name",
                reason: Some(Cow::Owned(format!("{name} is already in use"))),
                details: save_department(),
            },

            RcError::UpdateNotAllowed => Plain(Cow::Borrowed("error-not-allowed")),
            RcError::DepartmentRemovalDisabled => {
                Plain(Cow::Borrowed("error-department-removal-disabled"))
            }
            RcError::RemovedDepartmentNotFound => {
                Plain(Cow::Borrowed("error-department-not-found"))
            }
            RcError::ArchiveNotFound => Plain(Cow::Borrowed("department-not-found")),
            RcError::UnarchiveNotFound => Meteor {
                code: "department-not-found",
                reason: None,
                details: None,
            },
            RcError::AgentsDepartmentNotFound => {
                meteor("error-department-not-found", "Department not found")
            }
            RcError::SelectorRequired => Plain(Cow::Borrowed("The 'selector' param is required")),
            RcError::IdsRequired => Plain(Cow::Borrowed("The 'ids' param is required")),
            RcError::IdsNotArray => Plain(Cow::Borrowed("The 'ids' param must be an array")),

            RcError::InvalidType => Plain(Cow::Borrowed("Invalid type")),
            RcError::NotAuthorized => Raised::Forbidden("error-not-authorized"),
            RcError::InvalidUser => Plain(Cow::Borrowed("error-invalid-user")),
            RcError::NoMatchingUser => meteor(
                "error-invalid-user",
                "The required \"userId\" or \"username\" param provided does not match any users",
            ),
            RcError::InvalidUsername(username) => Meteor {
                code: "error-input-is-not-a-valid-field",
                reason: Some(Cow::Owned(format!("{username} is not a valid username"))),
                details: Some(
                    json!({"method": "insertOrUpdateUser", "input": username, "field": "Username"}),
                ),
            },
            RcError::InvalidEmail(email) => Meteor {
                code: "error-invalid-email",
                reason: Some(Cow::Owned(format!("Invalid email {email}"))),
                details: Some(json!({"method": "insertOrUpdateUser", "email": email})),
            },
            RcError::FieldUnavailable(value) => Meteor {
                code: "error-field-unavailable",
                reason: Some(Cow::Owned(format!("{value} is already in use :("))),
                details: Some(json!({"method": "insertOrUpdateUser", "field": value})),
            },
            RcError::InvalidRole => Meteor {
                code: "error-invalid-role",
                reason: Some(Cow::Borrowed("Invalid role")),
                details: Some(insert_or_update_user()),
            },
            RcError::InvalidStatus => Meteor {
                code: "error-invalid-status",
                reason: Some(Cow::Borrowed(
                    "Valid status types include online | away | offline | busy",
                )),
                details: Some(json!({"method": "users.setStatus"})),
            },

            RcError::AgentNotFound => Raised::Status(StatusCode::NOT_FOUND, "Agent not found"),
            RcError::UserDeactivated => Plain(Cow::Borrowed("error-user-deactivated")),
            RcError::StatusUnauthorized => Raised::Status(StatusCode::UNAUTHORIZED, "unauthorized"),

            // Meteor's own `Meteor.Error(404, …)`; its numeric code shows only in a DDP answer
            // ([`RcError::into_ddp`]).
            RcError::MethodNotFound(name) => Meteor {
                code: "404",
                reason: Some(Cow::Owned(format!("Method '{name}' not found"))),
                details: None,
            },
            RcError::NotAllowed => meteor("error-not-allowed", "Not allowed"),
            RcError::InvalidAgent => meteor("error-not-allowed", "Invalid Agent"),
            RcError::InvalidLivechatStatus => meteor("error-not-allowed", "Invalid Status"),

            RcError::InvalidBodyParams => Typed {
                error: "Invalid body params",
                error_type: "error-invalid-body-params",
            },
            RcError::InvalidPermission => Typed {
                error: "Invalid permission",
                error_type: "error-invalid-permission",
            },
            RcError::UnknownRole => Typed {
                error: "Invalid role",
                error_type: "error-invalid-role",
            },
            RcError::NoSuchSetting | RcError::SettingNotSaved => Bare,

            RcError::NoLicense => Raised::Text(StatusCode::NOT_FOUND, "404 Not Found"),
            RcError::SaveUnitNotFound => Meteor {
                code: "error-unit-not-found",
                reason: Some(Cow::Borrowed("Unit not found")),
                details: Some(json!({ "method": "livechat:saveUnit" })),
            },
            RcError::RemoveUnitNotFound => Meteor {
                code: "unit-not-found",
                reason: Some(Cow::Borrowed("Unit not found")),
                details: Some(json!({ "method": "livechat:removeUnit" })),
            },
            RcError::InvalidDepartmentUnit => saving(
                "error-invalid-department-unit",
                "Invalid department unit id provided",
            ),
            RcError::UnitCantBeEmpty => saving(
                "error-unit-cant-be-empty",
                "The last department in a unit can't be removed",
            ),

            RcError::Model(model) => model_error(model).raised(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The bodies, with keys in the order `ApiClass.ts` writes them.

#[derive(Serialize)]
struct Failure<'a> {
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(rename = "errorType", skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a Value>,
}

/// The typed router's 400: `errorType` comes before `error` there.
#[derive(Serialize)]
struct TypedFailure<'a> {
    success: bool,
    #[serde(rename = "errorType")]
    error_type: &'a str,
    error: &'a str,
}

/// `unauthorized()` plus the `status` / `message` pair kept "for compatibility" until 8.0.0.
#[derive(Serialize)]
struct Unauthorized<'a> {
    success: bool,
    error: &'a str,
    status: &'a str,
    message: &'a str,
}

/// Restivus's answer to a method a route does not define (RC 6.x; the newest router answers
/// Hono's plain-text 404 instead, docs/rocketchat.md).
#[derive(Serialize)]
struct NoEndpoint<'a> {
    status: &'a str,
    message: &'a str,
}

fn failure(status: StatusCode, error: Option<&str>, error_type: Option<&str>) -> Response {
    json_response(
        status,
        &Failure {
            success: false,
            error,
            error_type,
            details: None,
        },
    )
}

/// `"<reason> [<code>]"`, or `"[<code>]"` for a `Meteor.Error` without a reason.
fn meteor_text(code: &str, reason: Option<&str>) -> String {
    match reason {
        Some(reason) => format!("{reason} [{code}]"),
        None => format!("[{code}]"),
    }
}

impl RcError {
    /// The response a client sees.
    pub fn into_response(self) -> Response {
        use StatusCode as S;
        match self.raised() {
            Raised::Layer(layer) => match layer {
                // `API.v1.notFound()`'s body, which RC 5.x/6.x sent for unknown endpoints too.
                LayerError::NotFound => failure(S::NOT_FOUND, Some("Resource not found"), None),
                LayerError::MethodNotAllowed { allow } => {
                    let mut response = json_response(
                        S::METHOD_NOT_ALLOWED,
                        &NoEndpoint {
                            status: "error",
                            message: "API endpoint does not exist",
                        },
                    );
                    set_allow(&mut response, &allow);
                    response
                }
                LayerError::PayloadTooLarge => {
                    failure(S::PAYLOAD_TOO_LARGE, Some("request entity too large"), None)
                }
                LayerError::Timeout => failure(S::REQUEST_TIMEOUT, Some("Request timeout"), None),
                LayerError::BodyUnreadable => failure(
                    S::BAD_REQUEST,
                    Some("The request body could not be read"),
                    None,
                ),
                // `API.v1.internalError()`; the cause is logged where it happened.
                LayerError::Internal => failure(
                    S::INTERNAL_SERVER_ERROR,
                    Some("Internal server error"),
                    None,
                ),
            },
            Raised::Unauthorized(message) => json_response(
                S::UNAUTHORIZED,
                &Unauthorized {
                    success: false,
                    error: message,
                    status: "error",
                    message,
                },
            ),
            Raised::Forbidden(message) => failure(S::FORBIDDEN, Some(message), None),
            Raised::Status(status, message) => failure(status, Some(message), None),
            Raised::InvalidParams(message) => failure(
                S::BAD_REQUEST,
                Some(&format!("{message} [invalid-params]")),
                Some("invalid-params"),
            ),
            Raised::TypedInvalidParams(message) => json_response(
                S::BAD_REQUEST,
                &TypedFailure {
                    success: false,
                    error_type: "error-invalid-params",
                    error: &message,
                },
            ),
            Raised::TypedInvalidBody(message) => json_response(
                S::BAD_REQUEST,
                &TypedFailure {
                    success: false,
                    error_type: "invalid-params",
                    error: &message,
                },
            ),
            Raised::Meteor {
                code,
                reason,
                details,
            } => json_response(
                S::BAD_REQUEST,
                &Failure {
                    success: false,
                    error: Some(&meteor_text(code, reason.as_deref())),
                    error_type: Some(code),
                    details: details.as_ref(),
                },
            ),
            Raised::Plain(message) => failure(S::BAD_REQUEST, Some(&message), None),
            Raised::Typed { error, error_type } => {
                failure(S::BAD_REQUEST, Some(error), Some(error_type))
            }
            Raised::Bare => failure(S::BAD_REQUEST, None, None),
            Raised::Text(status, text) => crate::http::respond(
                status,
                http::HeaderValue::from_static("text/plain;charset=UTF-8"),
                text,
            ),
        }
    }

    /// The error as a DDP method raises it (`method.call`): a thrown `Meteor.Error` keeps its
    /// code, reason and details; a thrown `Error` becomes its message as the code; anything else
    /// is Meteor's internal 500, with the cause for the log.
    pub fn into_ddp(self) -> DdpError {
        let internal = |cause: String| DdpError {
            error: json!(500),
            reason: Some(cause),
            details: None,
        };
        match self {
            // Meteor's own 404, whose code is a number.
            RcError::MethodNotFound(name) => DdpError {
                error: json!(404),
                reason: Some(format!("Method '{name}' not found")),
                details: None,
            },
            // The store's refusals reach a method as an internal error.
            RcError::Model(_) | RcError::Layer(_) => internal(format!("{self:?}")),
            other => {
                let cause = format!("{other:?}");
                match other.raised() {
                    Raised::Meteor {
                        code,
                        reason,
                        details,
                    } => DdpError {
                        error: json!(code),
                        reason: reason.map(Cow::into_owned),
                        details,
                    },
                    Raised::Plain(message) => DdpError {
                        error: json!(message),
                        reason: None,
                        details: None,
                    },
                    _ => internal(cause),
                }
            }
        }
    }
}

/// A `Meteor.Error` raised inside a DDP method: it travels in the method's result message.
#[derive(Debug)]
pub struct DdpError {
    /// The code: a string, or a number for Meteor's own errors.
    pub error: Value,
    pub reason: Option<String>,
    pub details: Option<Value>,
}

impl DdpError {
    /// `"<reason> [<code>]"`, as the error's `message`.
    pub fn message(&self) -> String {
        let code = match &self.error {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        meteor_text(&code, self.reason.as_deref())
    }
}

impl From<RcError> for DdpError {
    fn from(e: RcError) -> Self {
        e.into_ddp()
    }
}

/// The store's refusals, in the words `saveDepartment` and friends would have used. Handlers
/// check the common cases first (with the route's own wording); this is the backstop for a write
/// that raced another one.
fn model_error(error: ModelError) -> RcError {
    match error {
        ModelError::DepartmentNotFound(_) => RcError::DepartmentNotFound,
        ModelError::AgentNotFound(_) | ModelError::UnknownAgent(_) => RcError::InvalidUser,
        // Rocket.Chat names may repeat; the facade never asks for unique names.
        ModelError::DuplicateName { name } => RcError::DuplicateDepartmentName(name),
        ModelError::DuplicateAgent { field } => RcError::FieldUnavailable(field.to_string()),
        // This facade writes archived departments as Rocket.Chat does (its policy allows it), so
        // the store never refuses one of its writes for that; were it to, it is a bug.
        ModelError::Inactive(_) => RcError::Layer(LayerError::Internal),
        ModelError::CircularFallback(_) => RcError::FallbackCircular,
        ModelError::Invalid { field, reason } => RcError::Match(Mismatch::in_field(reason, field)),
        // `API.v1.internalError()`, as for any other internal failure; the store logs the cause.
        ModelError::Storage => RcError::Layer(LayerError::Internal),
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_of(e: RcError) -> (StatusCode, String) {
        let response = e.into_response();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn the_401_body_keeps_the_compatibility_keys_in_rocket_chats_order() {
        // See: shared/specs/rocketchat.md §1.3, first row.
        let (status, body) = body_of(RcError::Unauthorized).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            body,
            r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#
        );
    }

    #[tokio::test]
    async fn a_meteor_error_puts_its_code_in_brackets_and_in_error_type() {
        let (status, body) = body_of(RcError::MaxDepartmentsReached).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            r#"{"success":false,"error":"Maximum number of departments reached [error-max-departments-number-reached]","errorType":"error-max-departments-number-reached","details":{"method":"livechat:saveDepartment"}}"#
        );
    }

    /// Every row of `docs/rocketchat-errors.md`, rendered: status and whole body.
    #[tokio::test]
    async fn every_error_renders_the_body_of_its_row() {
        use RcError as E;
        let s = r#"{"method":"livechat:saveDepartment"}"#;
        let rows: Vec<(RcError, u16, String)> = vec![
            (E::Unauthorized, 401, r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#.into()),
            (E::LoginFailed, 401, r#"{"success":false,"error":"Unauthorized","status":"error","message":"Unauthorized"}"#.into()),
            (E::Forbidden, 403, r#"{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}"#.into()),
            (E::ForbiddenBare, 403, r#"{"success":false,"error":"unauthorized"}"#.into()),
            (E::InvalidParams("must be number".into()), 400, r#"{"success":false,"error":"must be number [invalid-params]","errorType":"invalid-params"}"#.into()),
            (E::DuplicateProperty("department.name".into()), 400, r#"{"success":false,"error":"must NOT have duplicate property 'department.name' [invalid-params]","errorType":"invalid-params"}"#.into()),
            (E::TypedInvalidParams("must be string".into()), 400, r#"{"success":false,"errorType":"error-invalid-params","error":"must be string"}"#.into()),
            (E::TypedInvalidBody("must have required property 'username'".into()), 400, r#"{"success":false,"errorType":"invalid-params","error":"must have required property 'username'"}"#.into()),
            (E::InvalidSort("x".into()), 400, r#"{"success":false,"error":"Invalid sort parameter provided: \"x\" [error-invalid-sort]","errorType":"error-invalid-sort","details":{"helperMethod":"parseJsonQuery"}}"#.into()),
            (E::Match(Mismatch::missing_key("upsert")), 400, r#"{"success":false,"error":"Match error: Missing key 'upsert'"}"#.into()),
            (E::Match(Mismatch::missing_key("agentId").under_field("[0]").under_field("upsert")), 400, r#"{"success":false,"error":"Match error: Missing key 'agentId' in field upsert[0]"}"#.into()),
            (E::JsonSyntax { position: 9 }, 400, r#"{"success":false,"error":"Unexpected token in JSON at position 9"}"#.into()),
            (E::MaxDepartmentsReached, 400, format!(r#"{{"success":false,"error":"Maximum number of departments reached [error-max-departments-number-reached]","errorType":"error-max-departments-number-reached","details":{s}}}"#)),
            (E::ArchivedDepartmentCantBeEnabled, 400, format!(r#"{{"success":false,"error":"Archived departments cant be enabled [error-archived-department-cant-be-enabled]","errorType":"error-archived-department-cant-be-enabled","details":{s}}}"#)),
            (E::ClosingTagsRequired, 400, format!(r#"{{"success":false,"error":"At least one closing tag is required when the department requires tag(s) on closing conversations. [error-validating-department-chat-closing-tags]","errorType":"error-validating-department-chat-closing-tags","details":{s}}}"#)),
            (E::DepartmentNotFound, 400, format!(r#"{{"success":false,"error":"Department not found [error-department-not-found]","errorType":"error-department-not-found","details":{s}}}"#)),
            (E::FallbackCircular, 400, r#"{"success":false,"error":"Cannot save department. Circular reference between fallback department and department [error-fallback-department-circular]","errorType":"error-fallback-department-circular"}"#.into()),
            (E::FallbackNotFound, 400, format!(r#"{{"success":false,"error":"Fallback department not found [error-fallback-department-not-found]","errorType":"error-fallback-department-not-found","details":{s}}}"#)),
            (E::SaveNotAllowed, 400, format!(r#"{{"success":false,"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed","details":{s}}}"#)),
            (E::NotSaved, 400, r#"{"success":false}"#.into()),
            (E::DuplicateDepartmentName("Sales".into()), 400, format!(r#"{{"success":false,"error":"Sales is already in use [error-duplicate-department-name]","errorType":"error-duplicate-department-name","details":{s}}}"#)),
            (E::UpdateNotAllowed, 400, r#"{"success":false,"error":"error-not-allowed"}"#.into()),
            (E::DepartmentRemovalDisabled, 400, r#"{"success":false,"error":"error-department-removal-disabled"}"#.into()),
            (E::RemovedDepartmentNotFound, 400, r#"{"success":false,"error":"error-department-not-found"}"#.into()),
            (E::ArchiveNotFound, 400, r#"{"success":false,"error":"department-not-found"}"#.into()),
            (E::UnarchiveNotFound, 400, r#"{"success":false,"error":"[department-not-found]","errorType":"department-not-found"}"#.into()),
            (E::AgentsDepartmentNotFound, 400, r#"{"success":false,"error":"Department not found [error-department-not-found]","errorType":"error-department-not-found"}"#.into()),
            (E::SelectorRequired, 400, r#"{"success":false,"error":"The 'selector' param is required"}"#.into()),
            (E::IdsRequired, 400, r#"{"success":false,"error":"The 'ids' param is required"}"#.into()),
            (E::IdsNotArray, 400, r#"{"success":false,"error":"The 'ids' param must be an array"}"#.into()),
            (E::InvalidType, 400, r#"{"success":false,"error":"Invalid type"}"#.into()),
            (E::NotAuthorized, 403, r#"{"success":false,"error":"error-not-authorized"}"#.into()),
            (E::InvalidUser, 400, r#"{"success":false,"error":"error-invalid-user"}"#.into()),
            (E::NoMatchingUser, 400, r#"{"success":false,"error":"The required \"userId\" or \"username\" param provided does not match any users [error-invalid-user]","errorType":"error-invalid-user"}"#.into()),
            (E::InvalidUsername("a b".into()), 400, r#"{"success":false,"error":"a b is not a valid username [error-input-is-not-a-valid-field]","errorType":"error-input-is-not-a-valid-field","details":{"field":"Username","input":"a b","method":"insertOrUpdateUser"}}"#.into()),
            (E::InvalidEmail("x".into()), 400, r#"{"success":false,"error":"Invalid email x [error-invalid-email]","errorType":"error-invalid-email","details":{"email":"x","method":"insertOrUpdateUser"}}"#.into()),
            (E::FieldUnavailable("bob".into()), 400, r#"{"success":false,"error":"bob is already in use :( [error-field-unavailable]","errorType":"error-field-unavailable","details":{"field":"bob","method":"insertOrUpdateUser"}}"#.into()),
            (E::InvalidRole, 400, r#"{"success":false,"error":"Invalid role [error-invalid-role]","errorType":"error-invalid-role","details":{"method":"insertOrUpdateUser"}}"#.into()),
            (E::InvalidStatus, 400, r#"{"success":false,"error":"Valid status types include online | away | offline | busy [error-invalid-status]","errorType":"error-invalid-status","details":{"method":"users.setStatus"}}"#.into()),
            (E::AgentNotFound, 404, r#"{"success":false,"error":"Agent not found"}"#.into()),
            (E::UserDeactivated, 400, r#"{"success":false,"error":"error-user-deactivated"}"#.into()),
            (E::StatusUnauthorized, 401, r#"{"success":false,"error":"unauthorized"}"#.into()),
            (E::MethodNotFound("x".into()), 400, r#"{"success":false,"error":"Method 'x' not found [404]","errorType":"404"}"#.into()),
            (E::NotAllowed, 400, r#"{"success":false,"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed"}"#.into()),
            (E::InvalidAgent, 400, r#"{"success":false,"error":"Invalid Agent [error-not-allowed]","errorType":"error-not-allowed"}"#.into()),
            (E::InvalidLivechatStatus, 400, r#"{"success":false,"error":"Invalid Status [error-not-allowed]","errorType":"error-not-allowed"}"#.into()),
            (E::InvalidBodyParams, 400, r#"{"success":false,"error":"Invalid body params","errorType":"error-invalid-body-params"}"#.into()),
            (E::InvalidPermission, 400, r#"{"success":false,"error":"Invalid permission","errorType":"error-invalid-permission"}"#.into()),
            (E::UnknownRole, 400, r#"{"success":false,"error":"Invalid role","errorType":"error-invalid-role"}"#.into()),
            (E::NoSuchSetting, 400, r#"{"success":false}"#.into()),
            (E::SettingNotSaved, 400, r#"{"success":false}"#.into()),
            (E::NoLicense, 404, "404 Not Found".into()),
            (E::SaveUnitNotFound, 400, r#"{"success":false,"error":"Unit not found [error-unit-not-found]","errorType":"error-unit-not-found","details":{"method":"livechat:saveUnit"}}"#.into()),
            (E::RemoveUnitNotFound, 400, r#"{"success":false,"error":"Unit not found [unit-not-found]","errorType":"unit-not-found","details":{"method":"livechat:removeUnit"}}"#.into()),
            (E::InvalidDepartmentUnit, 400, format!(r#"{{"success":false,"error":"Invalid department unit id provided [error-invalid-department-unit]","errorType":"error-invalid-department-unit","details":{s}}}"#)),
            (E::UnitCantBeEmpty, 400, format!(r#"{{"success":false,"error":"The last department in a unit can't be removed [error-unit-cant-be-empty]","errorType":"error-unit-cant-be-empty","details":{s}}}"#)),
            (E::Model(ModelError::Storage), 500, r#"{"success":false,"error":"Internal server error"}"#.into()),
        ];
        for (error, status, expected) in rows {
            let name = format!("{error:?}");
            let (got_status, body) = body_of(error).await;
            assert_eq!((got_status.as_u16(), body), (status, expected), "{name}");
        }
    }

    #[test]
    fn a_method_keeps_a_meteor_errors_code_and_meteors_own_404_is_a_number() {
        let saving = RcError::SaveNotAllowed.into_ddp();
        assert_eq!(saving.error, json!("error-not-allowed"));
        assert_eq!(saving.message(), "Not allowed [error-not-allowed]");
        assert_eq!(
            saving.details,
            Some(json!({"method": "livechat:saveDepartment"}))
        );
        let missing = RcError::MethodNotFound("x:y".into()).into_ddp();
        assert_eq!(missing.error, json!(404));
        assert_eq!(missing.message(), "Method 'x:y' not found [404]");
        let plain = RcError::Match(Mismatch::missing_key("name")).into_ddp();
        assert_eq!(plain.error, json!("Match error: Missing key 'name'"));
        assert_eq!(plain.message(), "[Match error: Missing key 'name']");
    }
}
