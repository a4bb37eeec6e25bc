//! One function per Rocket.Chat action: decode -> command -> encode. [`dispatch`] runs the steps
//! every route shares in Rocket.Chat's order (spec §1.1): route, authentication (401), ajv
//! `validateParams` (400), `permissionsRequired` (403), then the handler, whose own checks
//! (`check()`, `Meteor.Error`s) come in the order the Rocket.Chat handler makes them.

use std::sync::Arc;

use http::{HeaderMap, Method, StatusCode, header};
use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::{Value, json};

use super::auth::{self, Caller, Login};
use super::check::{self, Pattern, Prop, Schema, Ty, nullable, prop};
use super::error::RcError;
use super::mapping::{self, DepartmentFields};
use super::permissions;
use super::query::{self, Page};
use super::routes::Action;
use super::wire::{self, Json};
use super::{Context, Edition};
use crate::http::layers::read_body;
use crate::http::{LayerError, Request, Response};
use crate::model::{
    AccessToken, Agent, AgentPatch, Command, Credentials, DepartmentId, DepartmentPatch, Email,
    MembersChange, NamePolicy, NewAgent, NewDepartment, Outcome, Presence, Role, State, TokenKind,
    UnknownAgents, Username, View, WritePolicy,
};

type Result<T, E = RcError> = std::result::Result<T, E>;

/// Rocket.Chat allows repeated names, skips unknown users in agent lists and does not check
/// that a linked user has the agent role (spec §4, §5.2).
const POLICY: WritePolicy = WritePolicy {
    names: NamePolicy::AllowDuplicates,
    unknown_agents: UnknownAgents::Skip,
    staff_only: false,
};

/// One request, decoded as far as every route needs.
struct Req {
    params: Vec<(String, String)>,
    query: Json,
    body: Json,
    headers: HeaderMap,
    caller: Option<Caller>,
}

impl Req {
    fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// The authenticated caller (every route but login and config has one).
    fn caller(&self) -> Result<&Arc<Agent>> {
        self.caller
            .as_ref()
            .map(|c| &c.agent)
            .ok_or(RcError::Unauthorized)
    }

    fn roles(&self) -> Vec<&'static str> {
        self.caller
            .as_ref()
            .map(|c| mapping::rc_roles(c.agent.roles))
            .unwrap_or_default()
    }
}

/// Routes, authenticates, validates, authorizes, then runs the action.
pub async fn dispatch(ctx: &Context, request: Request) -> Result<Response> {
    let matched = ctx
        .routes
        .at(request.uri().path())
        .map_err(|_| LayerError::NotFound)?;
    let method = match *request.method() {
        Method::HEAD => Method::GET,
        ref m => m.clone(),
    };
    let action = matched
        .value
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, a)| *a)
        .ok_or_else(|| LayerError::MethodNotAllowed {
            allow: matched.value.iter().map(|(m, _)| m.clone()).collect(),
        })?;
    let params: Vec<(String, String)> = matched
        .params
        .iter()
        .map(|(k, v)| {
            let decoded = percent_decode_str(v).decode_utf8_lossy().into_owned();
            (k.to_owned(), decoded)
        })
        .collect();
    let query = query::parse(request.uri().query());

    // The one typed route validates its query before authenticating (spec §1.1, last para).
    if action == Action::AgentDepartments {
        let mut q = query.clone();
        check::ajv(&AGENT_DEPARTMENTS_QUERY, &mut q).map_err(RcError::TypedInvalidParams)?;
    }

    let view = ctx.store.view();
    let caller = if action.needs_auth() {
        Some(auth::authenticate(&view, request.headers())?)
    } else {
        None
    };
    let headers = request.headers().clone();
    let body = if method == Method::GET {
        Json::Object(Vec::new())
    } else {
        json_body(request).await?
    };
    let mut req = Req {
        params,
        query,
        body,
        headers,
        caller,
    };

    validate(action, &mut req)?;
    if action.needs_auth() && !action.permissions().allows(&view, &req.roles()) {
        return Err(RcError::Forbidden);
    }
    run(ctx, action, &view, req).await
}

/// A request body as the router parses it: JSON when the content type says so; an empty,
/// unparsable or non-JSON body is `{}` (spec §1.1).
async fn json_body(request: Request) -> Result<Json> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("application/json"));
    let bytes = read_body(request).await?;
    if !is_json {
        return Ok(Json::Object(Vec::new()));
    }
    Ok(serde_json::from_slice(&bytes).unwrap_or(Json::Object(Vec::new())))
}

// ---------------------------------------------------------------------------------------------
// ajv schemas (`packages/rest-typings`), checked between authentication and permissions.

const PAGINATION: [Prop; 4] = [
    nullable("count", Ty::Number),
    nullable("offset", Ty::Number),
    nullable("sort", Ty::String),
    nullable("query", Ty::String),
];

/// `LivechatDepartmentSchema` (#1, #7): no `fields`, no unknown keys.
static DEPARTMENT_LIST_QUERY: Schema = Schema {
    properties: &[
        nullable("text", Ty::String),
        nullable("onlyMyDepartments", Ty::Enum(&["true", "false"])),
        nullable("enabled", Ty::String),
        nullable("excludeDepartmentId", Ty::String),
        nullable("showArchived", Ty::String),
        PAGINATION[0],
        PAGINATION[1],
        PAGINATION[2],
        PAGINATION[3],
    ],
    required: &[],
    additional: false,
};

static DEPARTMENT_DTO: Schema = Schema {
    properties: &[
        prop("enabled", Ty::Boolean),
        prop("name", Ty::String),
        nullable("description", Ty::String),
        prop("showOnRegistration", Ty::Boolean),
        prop("showOnOfflineForm", Ty::Boolean),
        nullable("requestTagBeforeClosingChat", Ty::Boolean),
        nullable("chatClosingTags", Ty::Strings),
        nullable("fallbackForwardDepartment", Ty::String),
        prop("email", Ty::String),
        nullable("departmentsAllowedToForward", Ty::Strings),
        nullable("allowReceiveForwardOffline", Ty::Boolean),
        nullable("offlineMessageChannelName", Ty::String),
        nullable("abandonedRoomsCloseCustomMessage", Ty::String),
        nullable("waitingQueueMessage", Ty::String),
    ],
    required: &[
        "name",
        "email",
        "enabled",
        "showOnRegistration",
        "showOnOfflineForm",
    ],
    additional: true,
};

static AGENT_ITEM: Schema = Schema {
    properties: &[
        prop("agentId", Ty::String),
        nullable("count", Ty::Number),
        nullable("order", Ty::Number),
    ],
    required: &["agentId"],
    additional: false,
};

static DEPARTMENT_UNIT: Schema = Schema {
    properties: &[prop("_id", Ty::String)],
    required: &[],
    additional: false,
};

/// `POSTLivechatDepartmentSchema` (#2, spec §3.1).
static DEPARTMENT_CREATE_BODY: Schema = Schema {
    properties: &[
        prop("department", Ty::Object(&DEPARTMENT_DTO)),
        nullable("agents", Ty::ObjectArray(&AGENT_ITEM)),
        prop("departmentUnit", Ty::Object(&DEPARTMENT_UNIT)),
    ],
    required: &["department"],
    additional: false,
};

/// The typed #14 route's query.
static AGENT_DEPARTMENTS_QUERY: Schema = Schema {
    properties: &[nullable("enabledDepartmentsOnly", Ty::String)],
    required: &[],
    additional: false,
};

/// `LivechatUsersManagerGETSchema`.
static USERS_LIST_QUERY: Schema = Schema {
    properties: &[
        nullable("text", Ty::String),
        nullable("onlyAvailable", Ty::Boolean),
        nullable("excludeId", Ty::String),
        nullable("showIdleAgents", Ty::Boolean),
        PAGINATION[0],
        PAGINATION[1],
        PAGINATION[2],
        PAGINATION[3],
        nullable("fields", Ty::String),
    ],
    required: &[],
    additional: false,
};

/// `POSTLivechatUsersTypeProps`.
static USERS_ADD_BODY: Schema = Schema {
    properties: &[prop("username", Ty::String)],
    required: &["username"],
    additional: false,
};

/// `isUserCreateParamsPOST`.
static USER_CREATE_BODY: Schema = Schema {
    properties: &[
        prop("email", Ty::String),
        prop("name", Ty::String),
        prop("password", Ty::String),
        prop("username", Ty::String),
        nullable("active", Ty::Boolean),
        nullable("bio", Ty::String),
        nullable("nickname", Ty::String),
        nullable("statusText", Ty::String),
        nullable("roles", Ty::Strings),
        nullable("joinDefaultChannels", Ty::Boolean),
        nullable("requirePasswordChange", Ty::Boolean),
        nullable("setRandomPassword", Ty::Boolean),
        nullable("sendWelcomeEmail", Ty::Boolean),
        nullable("verified", Ty::Boolean),
        nullable("customFields", Ty::Object(&ANY_OBJECT)),
        nullable("fields", Ty::String),
    ],
    required: &["email", "name", "password", "username"],
    additional: false,
};

static ANY_OBJECT: Schema = Schema {
    properties: &[],
    required: &[],
    additional: true,
};

fn validate(action: Action, req: &mut Req) -> Result<()> {
    let (schema, data) = match action {
        Action::ListDepartments | Action::ListArchived => (&DEPARTMENT_LIST_QUERY, &mut req.query),
        Action::CreateDepartment => (&DEPARTMENT_CREATE_BODY, &mut req.body),
        Action::ListUsersOfType => (&USERS_LIST_QUERY, &mut req.query),
        Action::AddUserOfType => (&USERS_ADD_BODY, &mut req.body),
        Action::CreateUser => (&USER_CREATE_BODY, &mut req.body),
        _ => return Ok(()),
    };
    check::ajv(schema, data).map_err(RcError::InvalidParams)
}

// ---------------------------------------------------------------------------------------------

async fn run(ctx: &Context, action: Action, view: &View, req: Req) -> Result<Response> {
    match action {
        Action::Login => login(ctx, view, &req),
        Action::Logout => logout(ctx, &req),
        Action::ListDepartments => list_departments(view, &req, false),
        Action::ListArchived => list_departments(view, &req, true),
        Action::CreateDepartment => create_department(ctx, view, &req),
        Action::CreationAvailable => ok(&wire::CreationAvailable {
            available: creation_available(ctx, view),
            success: true,
        }),
        Action::ShowDepartment => show_department(view, &req),
        Action::UpdateDepartment => update_department(ctx, view, &req),
        Action::DeleteDepartment => delete_department(ctx, view, &req),
        Action::Archive => archive(ctx, view, &req, false),
        Action::Unarchive => archive(ctx, view, &req, true),
        Action::Autocomplete => autocomplete(view, &req),
        Action::DepartmentAgents => department_agents(view, &req),
        Action::SaveDepartmentAgents => save_department_agents(ctx, view, &req),
        Action::ListByIds => list_by_ids(view, &req),
        Action::AgentDepartments => agent_departments(view, &req),
        Action::WidgetConfig => widget_config(view, &req),
        Action::ListUsersOfType => list_users(view, &req),
        Action::AddUserOfType => add_user_of_type(ctx, view, &req),
        Action::ShowUserOfType => show_user_of_type(view, &req),
        Action::RemoveUserOfType => remove_user_of_type(ctx, view, &req),
        Action::CreateUser => create_user(ctx, view, &req).await,
        Action::DeleteUser => delete_user(ctx, view, &req),
        Action::SetStatus => set_status(ctx, view, &req),
        Action::MethodCall => method_call(ctx, view, &req),
        Action::UpdatePermissions => update_permissions(ctx, view, &req),
        Action::ListPermissions => ok(&wire::PermissionsListOut {
            update: permission_list(view),
            remove: [],
            success: true,
        }),
        Action::ShowSetting => show_setting(view, &req),
        Action::SaveSetting => save_setting(ctx, &req),
    }
}

fn ok(value: &impl Serialize) -> Result<Response> {
    Ok(wire::json_response(StatusCode::OK, value))
}

fn apply(ctx: &Context, command: Command) -> Result<(View, Outcome)> {
    Ok(ctx.store.apply(command)?)
}

// ---------------------------------------------------------------------------------------------
// Login (spec §2.1).

fn login(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let agent = match auth::login_request(view, &req.body) {
        Some(Login::Resume(token)) => {
            let principal = crate::auth::authenticate_token(view, TokenKind::Session, token)
                .ok_or(RcError::LoginFailed)?;
            let agent = view.agent(principal.agent).ok_or(RcError::LoginFailed)?;
            return login_answer(view, agent, token, &req.headers);
        }
        Some(Login::Password {
            user: Some(agent),
            password,
        }) if auth::password_opens(&agent, &password) => agent,
        _ => return Err(RcError::LoginFailed),
    };
    let token = auth::new_session_token();
    let (view, _) = apply(
        ctx,
        Command::AddToken {
            id: agent.id,
            token: AccessToken {
                kind: TokenKind::Session,
                digest: crate::auth::token_digest(&token),
            },
        },
    )?;
    let agent = view.agent(agent.id).ok_or(RcError::LoginFailed)?;
    tracing::info!(agent = agent.id.0, "rocket.chat login");
    login_answer(&view, agent, &token, &req.headers)
}

fn login_answer(view: &State, agent: &Agent, token: &str, headers: &HeaderMap) -> Result<Response> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let _ = view;
    ok(&wire::LoginOut {
        status: "success",
        data: wire::LoginData {
            user_id: agent.uid.as_str(),
            auth_token: token,
            me: wire::Me {
                id: agent.uid.as_str(),
                username: agent.username.as_str(),
                name: &agent.display_name,
                emails: mapping::emails(agent),
                status: mapping::status(agent),
                status_connection: mapping::status(agent),
                status_livechat: agent
                    .roles
                    .contains(Role::Agent)
                    .then(|| mapping::status_livechat(agent)),
                active: agent.active,
                roles: mapping::rc_roles(agent.roles),
                settings: json!({"profile": {}, "preferences": {}}),
                avatar_url: format!("http://{host}/avatar/{}", agent.username.as_str()),
                email: agent.email.as_str(),
            },
        },
        success: true,
    })
}

fn logout(ctx: &Context, req: &Req) -> Result<Response> {
    let caller = req.caller.as_ref().ok_or(RcError::Unauthorized)?;
    apply(
        ctx,
        Command::RevokeToken {
            id: caller.agent.id,
            digest: caller.token,
        },
    )?;
    ok(&wire::LogoutOut {
        status: "success",
        data: wire::LogoutMessage {
            message: "You've been logged out!",
        },
        success: true,
    })
}

// ---------------------------------------------------------------------------------------------
// Department reads (#1, #3, #4, #7, #10, #11, #13, #14).

fn creation_available(ctx: &Context, view: &State) -> bool {
    // CE: `countTotal() === 0`; archived departments count (spec §3.1 #3).
    ctx.options.edition == Edition::Enterprise || view.department_count() == 0
}

/// `text` as `new RegExp(escapeRegExp(text), 'i')`: a case-insensitive substring.
fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

fn sorted_page<T: Serialize>(
    items: Vec<T>,
    page: Page,
    sort: Option<query::Sort>,
) -> (Vec<T>, usize) {
    let items = match sort {
        Some(sort) => query::sort_items(items, &sort),
        None => items,
    };
    let total = items.len();
    (page.apply(items), total)
}

fn to_value(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn list_departments(view: &View, req: &Req, archived_only: bool) -> Result<Response> {
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

fn show_department(view: &View, req: &Req) -> Result<Response> {
    let department = mapping::department_by_id(view, req.param("_id"));
    // `includeAgents` absent leaves the function default (true); any value but 'true' turns
    // it off; agents also need `view-livechat-departments` (spec §3.1 #4).
    let include = match req.query.get("includeAgents") {
        None => true,
        Some(v) => v.as_str() == Some("true"),
    };
    let agents = (include && permissions::has(view, &req.roles(), "view-livechat-departments"))
        .then(|| {
            department
                .map(|d| mapping::links_of(view, d.id))
                .unwrap_or_default()
        });
    ok(&wire::DepartmentAnswer {
        department: department.map(|d| mapping::department_out(view, d, true)),
        agents,
        success: true,
    })
}

fn autocomplete(view: &View, req: &Req) -> Result<Response> {
    let raw = match req.query.get("selector") {
        None => return Err(RcError::Plain("The 'selector' param is required".into())),
        Some(Json::String(s)) if s.is_empty() => {
            return Err(RcError::Plain("The 'selector' param is required".into()));
        }
        Some(Json::String(s)) => s.clone(),
        // `JSON.parse` of an object stringifies it first.
        Some(_) => "[object Object]".to_owned(),
    };
    let selector: Json = serde_json::from_str(&raw).map_err(|e| {
        RcError::Plain(format!(
            "Unexpected token in JSON at position {}",
            e.column().saturating_sub(1)
        ))
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

fn department_agents(view: &View, req: &Req) -> Result<Response> {
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

fn list_by_ids(view: &View, req: &Req) -> Result<Response> {
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

fn agent_departments(view: &View, req: &Req) -> Result<Response> {
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

/// The widget's config (spec §7): the settings it reads, and the departments it may offer.
fn widget_config(view: &View, req: &Req) -> Result<Response> {
    if permissions::setting(view, "Livechat_enabled") != Some(Value::Bool(true)) {
        return ok(&wire::ConfigOut {
            config: json!({"enabled": false}),
            success: true,
        });
    }
    let setting = |id: &str| permissions::setting(view, id).unwrap_or(Value::Null);
    // `findEnabledWithAgentsAndBusinessUnit`: enabled, with at least one agent.
    let departments: Vec<Value> = view
        .departments_by_name()
        .filter(|d| d.enabled && view.members_of(d.id).next().is_some())
        .map(|d| {
            json!({
                "_id": d.uid.to_string(),
                "name": d.name.as_str(),
                "showOnRegistration": d.show_on_registration,
                "showOnOfflineForm": d.show_on_offline_form,
            })
        })
        .collect();
    let department =
        query::string(&req.query, "department").and_then(|id| mapping::department_by_id(view, id));
    let online = match department {
        Some(d) => view
            .members_of(d.id)
            .filter_map(|m| view.agent(m.agent))
            .any(|a| mapping::is_available(a)),
        None => view.agents().any(|a| mapping::is_available(a)),
    };
    let config = json!({
        "enabled": true,
        "settings": {
            "registrationForm": setting("Livechat_registration_form"),
            "allowSwitchingDepartments": setting("Livechat_allow_switching_departments"),
            "nameFieldRegistrationForm": true,
            "emailFieldRegistrationForm": true,
            "displayOfflineForm": setting("Livechat_display_offline_form"),
            "videoCall": false,
            "fileUpload": true,
            "language": "",
            "transcript": false,
            "historyMonitorType": "url",
            "forceAcceptDataProcessingConsent": false,
            "showConnecting": false,
            "agentHiddenInfo": false,
            "clearLocalStorageWhenChatEnded": false,
            "limitTextLength": false
        },
        "theme": {
            "title": setting("Livechat_title"),
            "color": "#C1272D",
            "offlineTitle": "Leave a message",
            "offlineColor": "#666666"
        },
        "messages": {
            "offlineMessage": "",
            "offlineSuccessMessage": "",
            "offlineUnavailableMessage": "",
            "conversationFinishedMessage": "Conversation finished",
            "conversationFinishedText": "",
            "transcriptMessage": "Would you like a copy of this chat emailed?",
            "registrationFormMessage": "",
            "dataProcessingConsentText": ""
        },
        "survey": {
            "items": ["satisfaction", "agentKnowledge", "agentResposiveness", "agentFriendliness"],
            "values": ["1", "2", "3", "4", "5"]
        },
        "triggers": [],
        "departments": departments,
        "resources": {"sound": "", "emojis": []},
        "online": online
    });
    ok(&wire::ConfigOut {
        config,
        success: true,
    })
}

// ---------------------------------------------------------------------------------------------
// Department writes (#2, #5, #6, #8, #9, #12): `saveDepartment`'s steps in its order.

/// `saveDepartment(_id, department, {upsert: agents}, departmentUnit)` (spec §3.1 #2), checked
/// whole before anything is written so that a failure changes nothing.
fn save_department(
    ctx: &Context,
    view: &View,
    id: Option<&str>,
    body: &Json,
    agents: Option<&Json>,
) -> Result<DepartmentId> {
    let existing = id.and_then(|id| mapping::department_by_id(view, id));
    // 3. The Community edition's limit applies whenever no department was found.
    if existing.is_none() && !creation_available(ctx, view) {
        return Err(RcError::save_department(
            "error-max-departments-number-reached",
            "Maximum number of departments reached",
        ));
    }
    // 4. `departmentData.enabled` truthy on an archived department.
    let truthy = match body.get("enabled") {
        Some(Json::Bool(b)) => *b,
        Some(Json::String(s)) => !s.is_empty(),
        Some(Json::Number(n)) => n.as_f64() != Some(0.0),
        Some(Json::Array(_) | Json::Object(_)) => true,
        Some(Json::Null) | None => false,
    };
    if existing.is_some_and(|d| !d.active) && truthy {
        return Err(RcError::save_department(
            "error-archived-department-cant-be-enabled",
            "Archived departments cant be enabled",
        ));
    }
    // 5. check(department, defaultValidations).
    mapping::check_department(body)?;
    let fields = DepartmentFields::read(body)?;
    // 7. Closing tags.
    if fields.request_tag == Some(true) && fields.closing_tags.as_ref().is_none_or(Vec::is_empty) {
        return Err(RcError::save_department(
            "error-validating-department-chat-closing-tags",
            "At least one closing tag is required when the department requires tag(s) on closing conversations.",
        ));
    }
    // 8. An id that names nothing.
    if id.is_some() && existing.is_none() {
        return Err(RcError::save_department(
            "error-department-not-found",
            "Department not found",
        ));
    }
    // 9, 10. The fallback department: not itself, and existing (a falsy value skips the check).
    let fallback = match fields.fallback.as_deref() {
        None => None,
        Some(f) if Some(f) == id => {
            return Err(RcError::meteor(
                "error-fallback-department-circular",
                "Cannot save department. Circular reference between fallback department and department",
            ));
        }
        Some("") => Some(None),
        Some(f) => Some(Some(
            mapping::department_by_id(view, f)
                .ok_or_else(|| {
                    RcError::save_department(
                        "error-fallback-department-not-found",
                        "Fallback department not found",
                    )
                })?
                .id,
        )),
    };
    // 12. `updateDepartmentAgents` checks its list (it runs after the write in Rocket.Chat;
    // checking it first keeps a failed request from changing anything).
    mapping::check_agents(agents, None)?;
    let members = agents.map(|list| MembersChange::Edit {
        upsert: mapping::upserts(view, Some(list)),
        remove: Vec::new(),
    });

    let (view, outcome) = match existing {
        None => {
            let mut department = NewDepartment::named(
                fields
                    .name
                    .clone()
                    .ok_or_else(|| RcError::matching("Missing key 'name'"))?,
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
            )?
        }
        Some(existing) => {
            let patch = DepartmentPatch {
                name: fields.name.clone(),
                description: fields.description.clone().map(Some),
                enabled: fields.enabled,
                email: fields.email.clone().map(Some),
                show_on_registration: fields.show_on_registration,
                show_on_offline_form: fields.show_on_offline_form,
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
            )?
        }
    };
    let _ = view;
    match outcome {
        Outcome::Department(id) => Ok(id),
        _ => Err(LayerError::Internal.into()),
    }
}

fn create_department(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let department = req.body.get("department").cloned().unwrap_or(Json::Null);
    let agents = req.body.get("agents").filter(|a| **a != Json::Null);
    let id = save_department(ctx, view, None, &department, agents)?;
    let view = ctx.store.view();
    let stored = view.department(id).ok_or(LayerError::Internal)?;
    tracing::info!(department = id.0, "rocket.chat department created");
    // The department is the document read before its agents were saved (spec §3.1 #2).
    ok(&wire::DepartmentAnswer {
        department: Some(mapping::department_out(&view, stored, false)),
        agents: Some(mapping::links_of(&view, id)),
        success: true,
    })
}

fn update_department(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let body_pattern = Pattern::Object {
        keys: vec![
            ("department", Pattern::AnyObject),
            ("agents", Pattern::Maybe(Box::new(Pattern::AnyArray))),
            (
                "departmentUnit",
                Pattern::Maybe(Box::new(Pattern::Object {
                    keys: vec![("_id", Pattern::Optional(Box::new(Pattern::String)))],
                    including: false,
                })),
            ),
        ],
        including: false,
    };
    check::matches(Some(&req.body), &body_pattern).map_err(|m| RcError::matching(m.text()))?;
    let roles = req.roles();
    if !permissions::has(view, &roles, "manage-livechat-departments") {
        return Err(RcError::Plain("error-not-allowed".into()));
    }
    // Agents count only for a caller who may add them (spec §3.1 #5 step 4).
    let agents = req
        .body
        .get("department")
        .and(req.body.get("agents"))
        .filter(|a| **a != Json::Null)
        .filter(|_| permissions::has(view, &roles, "add-livechat-department-agents"));
    let department = req.body.get("department").cloned().unwrap_or(Json::Null);
    let id = req.param("_id");
    let department_id = save_department(ctx, view, Some(id), &department, agents)?;
    let view = ctx.store.view();
    let stored = view.department(department_id);
    ok(&wire::DepartmentAnswer {
        department: stored.map(|d| mapping::department_out(&view, d, true)),
        agents: Some(mapping::links_of(&view, department_id)),
        success: true,
    })
}

fn delete_department(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    if !permissions::flag(view, "Omnichannel_enable_department_removal") {
        return Err(RcError::Plain("error-department-removal-disabled".into()));
    }
    let department = mapping::department_by_id(view, req.param("_id"))
        .ok_or_else(|| RcError::Plain("error-department-not-found".into()))?;
    let id = department.id;
    apply(ctx, Command::DeleteDepartment { id })?;
    tracing::info!(department = id.0, "rocket.chat department deleted");
    ok(&wire::SUCCESS)
}

fn archive(ctx: &Context, view: &View, req: &Req, restore: bool) -> Result<Response> {
    let Some(department) = mapping::department_by_id(view, req.param("_id")) else {
        // The two routes throw differently (spec §3.1 #8, #9).
        return Err(if restore {
            RcError::Meteor {
                code: "department-not-found",
                reason: None,
                details: None,
            }
        } else {
            RcError::Plain("department-not-found".into())
        });
    };
    apply(
        ctx,
        Command::SetDepartmentActive {
            id: department.id,
            active: restore,
        },
    )?;
    ok(&wire::SUCCESS)
}

fn save_department_agents(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let including = Pattern::Object {
        keys: vec![("upsert", Pattern::AnyArray), ("remove", Pattern::AnyArray)],
        including: true,
    };
    check::matches(Some(&req.body), &including).map_err(|m| RcError::matching(m.text()))?;
    // `saveDepartmentAgents` checks `{upsert, remove}` strictly, then finds the department.
    if let Some((key, _)) = req
        .body
        .entries()
        .iter()
        .find(|(k, _)| k != "upsert" && k != "remove")
    {
        return Err(RcError::matching(format!("Unknown key in field {key}")));
    }
    let upsert = req.body.get("upsert");
    let remove = req.body.get("remove");
    mapping::check_agents(upsert, remove)?;
    let department = mapping::department_by_id(view, req.param("_id"))
        .ok_or_else(|| RcError::meteor("error-department-not-found", "Department not found"))?;
    let upserts = mapping::upserts(view, upsert);
    // Rocket.Chat removes first, then upserts: an agent in both lists stays.
    let removals: Vec<_> = mapping::removals(view, remove)
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
    )?;
    ok(&wire::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// Agents and users.

fn list_users(view: &View, req: &Req) -> Result<Response> {
    let page = query::page(&req.query);
    let sort = query::sort(&req.query)?;
    let roles = req.roles();
    let role = match req.param("type") {
        "agent" => {
            if !["transfer-livechat-guest", "edit-omnichannel-contact"]
                .iter()
                .any(|p| permissions::has(view, &roles, p))
            {
                return Err(RcError::ForbiddenBare);
            }
            Role::Agent
        }
        "manager" => {
            if !permissions::has(view, &roles, "view-livechat-manager") {
                return Err(RcError::ForbiddenBare);
            }
            Role::Manager
        }
        _ => return Err(RcError::Plain("Invalid type".into())),
    };
    let text = query::string(&req.query, "text").filter(|t| !t.is_empty());
    let only_available = req.query.get("onlyAvailable") == Some(&Json::Bool(true));
    let show_idle = req.query.get("showIdleAgents") != Some(&Json::Bool(false));
    let exclude = query::string(&req.query, "excludeId");
    let users: Vec<_> = view
        .agents()
        .filter(|a| a.roles.contains(role))
        .filter(|a| {
            text.is_none_or(|t| {
                contains_ci(a.username.as_str(), t)
                    || contains_ci(&a.display_name, t)
                    || contains_ci(a.email.as_str(), t)
            })
        })
        .filter(|a| !only_available || a.accepts_chats)
        .filter(|a| show_idle || a.presence != Presence::Offline)
        .filter(|a| exclude != Some(a.uid.as_str()))
        .map(|a| wire::AgentListItem {
            id: a.uid.as_str(),
            username: a.username.as_str(),
            name: &a.display_name,
            status: mapping::status(a),
            status_livechat: mapping::status_livechat(a),
            emails: mapping::emails(a),
            departments: view
                .departments_of(a.id)
                .map(|d| d.uid.to_string())
                .collect(),
        })
        .collect();
    let sort = sort.unwrap_or_else(|| vec![("name".to_owned(), 1)]);
    let (users, total) = sorted_page(users, page, Some(sort));
    ok(&wire::Page {
        count: users.len(),
        items: wire::Named {
            name: "users",
            items: users,
        },
        offset: page.offset,
        total,
        success: true,
    })
}

fn user_type(req: &Req) -> Result<Role> {
    match req.param("type") {
        "agent" => Ok(Role::Agent),
        "manager" => Ok(Role::Manager),
        _ => Err(RcError::Plain("Invalid type".into())),
    }
}

fn add_user_of_type(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let role = user_type(req)?;
    let username = req
        .body
        .get("username")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let agent = view.agent_by_username(username).ok_or(RcError::Meteor {
        code: "error-invalid-user",
        reason: None,
        details: None,
    })?;
    let mut patch = AgentPatch {
        roles: Some(mapping::with_role(agent.roles, role)),
        ..AgentPatch::default()
    };
    if role == Role::Agent {
        // `afterAgentAdded` makes the new agent available (its lookup never reads `status`, so
        // it always picks "available").
        patch.accepts_chats = Some(true);
    }
    let (view, _) = apply(
        ctx,
        Command::UpdateAgent {
            id: agent.id,
            patch,
        },
    )?;
    let agent = view.agent(agent.id).ok_or(LayerError::Internal)?;
    ok(&wire::UserAnswer {
        user: Some(wire::UserRef {
            id: agent.uid.as_str(),
            username: agent.username.as_str(),
        }),
        success: true,
    })
}

fn show_user_of_type(view: &View, req: &Req) -> Result<Response> {
    let agent = mapping::agent_by_id(view, req.param("_id"))
        .ok_or_else(|| RcError::Plain("User not found".into()))?;
    let role = user_type(req)?;
    let user = agent.roles.contains(role).then(|| wire::AgentOut {
        id: agent.uid.as_str(),
        username: agent.username.as_str(),
        name: &agent.display_name,
        status: mapping::status(agent),
        status_livechat: agent
            .roles
            .contains(Role::Agent)
            .then(|| mapping::status_livechat(agent)),
        emails: mapping::emails(agent),
    });
    ok(&wire::UserAnswer {
        user,
        success: true,
    })
}

fn remove_user_of_type(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let agent = mapping::agent_by_id(view, req.param("_id")).ok_or(RcError::Bare)?;
    let role = user_type(req)?;
    let patch = AgentPatch {
        roles: Some(mapping::without_role(agent.roles, role)),
        // `livechat.afterAgentRemoved` deletes the agent's department links.
        leave_departments: role == Role::Agent,
        ..AgentPatch::default()
    };
    apply(
        ctx,
        Command::UpdateAgent {
            id: agent.id,
            patch,
        },
    )?;
    ok(&wire::SUCCESS)
}

async fn create_user(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let text = |key: &str| {
        req.body
            .get(key)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (username, email, name, password) = (
        text("username"),
        text("email"),
        text("name"),
        text("password"),
    );
    let method = json!({"method": "insertOrUpdateUser"});
    let username = Username::parse(&username).map_err(|_| RcError::Meteor {
        code: "error-input-is-not-a-valid-field",
        reason: Some(format!("{username} is not a valid username")),
        details: Some(
            json!({"method": "insertOrUpdateUser", "input": username, "field": "Username"}),
        ),
    })?;
    let email = Email::parse(&email).map_err(|_| RcError::Meteor {
        code: "error-invalid-email",
        reason: Some(format!("Invalid email {email}")),
        details: Some(json!({"method": "insertOrUpdateUser", "email": email})),
    })?;
    let taken = |value: &str| RcError::Meteor {
        code: "error-field-unavailable",
        reason: Some(format!("{value} is already in use :(")),
        details: Some(json!({"method": "insertOrUpdateUser", "field": value})),
    };
    if view.agent_by_username(username.as_str()).is_some() {
        return Err(taken(username.as_str()));
    }
    if view.agent_by_email(email.as_str()).is_some() {
        return Err(taken(email.as_str()));
    }
    let role_names: Vec<String> = match req.body.get("roles") {
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect(),
        _ => vec!["user".to_owned()],
    };
    let roles = mapping::model_roles(&role_names).map_err(|_| RcError::Meteor {
        code: "error-invalid-role",
        reason: Some("Invalid role".into()),
        details: Some(method.clone()),
    })?;
    // Argon2 takes a while; keep it off the async workers.
    let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
        .await
        .map_err(|_| LayerError::Internal)?
        .map_err(|e| {
            tracing::error!(error = %e, "hashing a password failed");
            LayerError::Internal
        })?;
    let (view, outcome) = apply(
        ctx,
        Command::CreateAgent {
            agent: NewAgent {
                username,
                display_name: name,
                email,
                roles,
                time_zone: None,
                credentials: Credentials {
                    password: Some(hash),
                    tokens: Vec::new(),
                },
            },
        },
    )?;
    let Outcome::Agent(id) = outcome else {
        return Err(LayerError::Internal.into());
    };
    let view = if req.body.get("active") == Some(&Json::Bool(false)) {
        let patch = AgentPatch {
            active: Some(false),
            ..AgentPatch::default()
        };
        apply(ctx, Command::UpdateAgent { id, patch })?.0
    } else {
        view
    };
    let agent = view.agent(id).ok_or(LayerError::Internal)?;
    ok(&wire::UserAnswer {
        user: Some(wire::CreatedUser {
            id: agent.uid.as_str(),
            created_at: mapping::rc_time(agent.created_at),
            username: agent.username.as_str(),
            emails: mapping::emails(agent),
            kind: "user",
            status: mapping::status(agent),
            active: agent.active,
            roles: mapping::rc_roles(agent.roles),
            name: &agent.display_name,
            updated_at: mapping::rc_time(agent.updated_at),
            settings: serde_json::Map::new(),
        }),
        success: true,
    })
}

/// The user a `users.*` body names by `userId` or `username`.
fn user_from_params<'a>(view: &'a State, body: &Json) -> Option<&'a Arc<Agent>> {
    match (
        body.get("userId").and_then(Json::as_str),
        body.get("username").and_then(Json::as_str),
    ) {
        (Some(id), _) => mapping::agent_by_id(view, id),
        (None, Some(username)) => view.agent_by_username(username),
        (None, None) => None,
    }
}

fn delete_user(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let agent = user_from_params(view, &req.body).ok_or_else(|| {
        RcError::meteor(
            "error-invalid-user",
            "The required \"userId\" or \"username\" param provided does not match any users",
        )
    })?;
    apply(ctx, Command::DeleteAgent { id: agent.id })?;
    ok(&wire::SUCCESS)
}

fn set_status(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let pattern = Pattern::Object {
        keys: vec![
            ("status", Pattern::Maybe(Box::new(Pattern::String))),
            ("message", Pattern::Maybe(Box::new(Pattern::String))),
        ],
        including: true,
    };
    check::matches(Some(&req.body), &pattern).map_err(|m| RcError::matching(m.text()))?;
    let caller = req.caller()?;
    let target = match user_from_params(view, &req.body) {
        Some(user) if user.id != caller.id => {
            if !permissions::has(view, &req.roles(), "edit-other-user-info") {
                return Err(RcError::ForbiddenBare);
            }
            Arc::clone(user)
        }
        _ => Arc::clone(caller),
    };
    let presence = match req.body.get("status").and_then(Json::as_str) {
        None | Some("") => None,
        Some(status) => Some(Presence::parse(status).ok_or_else(|| RcError::Meteor {
            code: "error-invalid-status",
            reason: Some("Valid status types include online | away | offline | busy".into()),
            details: Some(json!({"method": "users.setStatus"})),
        })?),
    };
    if presence.is_some() {
        let patch = AgentPatch {
            presence,
            ..AgentPatch::default()
        };
        apply(
            ctx,
            Command::UpdateAgent {
                id: target.id,
                patch,
            },
        )?;
    }
    ok(&wire::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// DDP over REST.

/// `method.call/:method`: `{message: "<DDP method message>"}` in, `{message: "<DDP result
/// message>", success: true}` out, errors included (they travel inside the result message).
fn method_call(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let pattern = Pattern::Object {
        keys: vec![("message", Pattern::String)],
        including: false,
    };
    check::matches(Some(&req.body), &pattern).map_err(|m| RcError::matching(m.text()))?;
    let text = req
        .body
        .get("message")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let message: Json = serde_json::from_str(text).map_err(|e| {
        RcError::Plain(format!(
            "Unexpected token in JSON at position {}",
            e.column().saturating_sub(1)
        ))
    })?;
    let id = message.get("id").map(Json::to_value).unwrap_or(Value::Null);
    let params: Vec<Json> = match message.get("params") {
        Some(Json::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let name = message
        .get("method")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .replace('/', ":");
    let outcome = match name.as_str() {
        "livechat:changeLivechatStatus" => change_livechat_status(ctx, view, req, &params),
        "livechat:saveDepartment" => saved_department(ctx, view, req, &params),
        other => Err(MethodError {
            error: json!(404),
            reason: Some(format!("Method '{other}' not found")),
            details: None,
        }),
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
            let code = match &e.error {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let mut object = serde_json::Map::new();
            object.insert("isClientSafe".into(), json!(true));
            object.insert("error".into(), e.error);
            if let Some(reason) = &e.reason {
                object.insert("reason".into(), json!(reason));
            }
            if let Some(details) = e.details {
                object.insert("details".into(), details);
            }
            object.insert(
                "message".into(),
                json!(match &e.reason {
                    Some(reason) => format!("{reason} [{code}]"),
                    None => format!("[{code}]"),
                }),
            );
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

/// A `Meteor.Error` raised inside a method.
struct MethodError {
    error: Value,
    reason: Option<String>,
    details: Option<Value>,
}

impl From<RcError> for MethodError {
    fn from(e: RcError) -> Self {
        match e {
            RcError::Meteor {
                code,
                reason,
                details,
            } => MethodError {
                error: json!(code),
                reason,
                details,
            },
            RcError::Plain(message) => MethodError {
                error: json!(message),
                reason: None,
                details: None,
            },
            other => MethodError {
                error: json!(500),
                reason: Some(format!("{other:?}")),
                details: None,
            },
        }
    }
}

/// `livechat:changeLivechatStatus({status, agentId})`; older clients pass the status as a bare
/// string. Without a status it toggles, as Rocket.Chat does.
fn change_livechat_status(
    ctx: &Context,
    view: &View,
    req: &Req,
    params: &[Json],
) -> Result<Option<Value>, MethodError> {
    let caller = req.caller()?;
    let (status, agent_id) = match params.first() {
        Some(Json::String(s)) => (Some(s.as_str()), None),
        Some(object @ Json::Object(_)) => (
            object.get("status").and_then(Json::as_str),
            object.get("agentId").and_then(Json::as_str),
        ),
        _ => (None, None),
    };
    let agent = match agent_id {
        Some(id) if id != caller.uid.as_str() => {
            if !permissions::has(view, &req.roles(), "manage-livechat-agents") {
                return Err(RcError::meteor("error-not-allowed", "Not allowed").into());
            }
            mapping::agent_by_id(view, id)
                .ok_or_else(|| RcError::meteor("error-not-allowed", "Invalid Agent"))?
        }
        _ => caller,
    };
    let accepts = match status {
        Some("available") => true,
        Some("not-available") => false,
        Some(_) => return Err(RcError::meteor("error-not-allowed", "Invalid Status").into()),
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
    )?;
    Ok(None)
}

/// `livechat:saveDepartment(_id, department, agents, unit)`: the same `saveDepartment` as the
/// REST route; the result is the department as EJSON (dates as `{"$date": ms}`).
fn saved_department(
    ctx: &Context,
    view: &View,
    req: &Req,
    params: &[Json],
) -> Result<Option<Value>, MethodError> {
    if !permissions::has(view, &req.roles(), "manage-livechat-departments") {
        return Err(RcError::save_department("error-not-allowed", "Not allowed").into());
    }
    let id = params
        .first()
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty());
    let department = params.get(1).cloned().unwrap_or(Json::Null);
    let agents = params.get(2).filter(|a| matches!(a, Json::Array(_)));
    let saved = save_department(ctx, view, id, &department, agents)?;
    let view = ctx.store.view();
    let stored = view.department(saved).ok_or(RcError::Bare)?;
    let mut value = to_value(&mapping::department_out(&view, stored, true));
    value["_updatedAt"] = json!({"$date": stored.updated_at.unix_millis()});
    Ok(Some(value))
}

// ---------------------------------------------------------------------------------------------
// Permissions and settings.

fn permission_list(view: &State) -> Vec<wire::PermissionOut<'static>> {
    permissions::PERMISSIONS
        .iter()
        .map(|(id, _)| wire::PermissionOut {
            id,
            roles: permissions::roles_of(view, id),
        })
        .collect()
}

fn update_permissions(ctx: &Context, view: &View, req: &Req) -> Result<Response> {
    let invalid_body = || RcError::FailureTyped {
        error: "Invalid body params",
        error_type: "error-invalid-body-params",
    };
    // `isBodyParamsValidPermissionUpdate`: {permissions: [{_id, roles: [string]}]}.
    let entries = req
        .body
        .entries()
        .iter()
        .all(|(k, _)| k == "permissions")
        .then(|| req.body.get("permissions"))
        .flatten();
    let Some(Json::Array(items)) = entries else {
        return Err(invalid_body());
    };
    let mut updates: Vec<(String, Vec<String>)> = Vec::new();
    for item in items {
        let well_formed = item
            .entries()
            .iter()
            .all(|(k, _)| k == "_id" || k == "roles");
        let (Some(Json::String(id)), Some(Json::Array(roles))) =
            (item.get("_id"), item.get("roles"))
        else {
            return Err(invalid_body());
        };
        let roles: Option<Vec<String>> = roles
            .iter()
            .map(|r| r.as_str().map(str::to_owned))
            .collect();
        match roles {
            Some(roles) if well_formed => updates.push((id.clone(), roles)),
            _ => return Err(invalid_body()),
        }
    }
    if updates.iter().any(|(id, _)| !permissions::is_known(id)) {
        return Err(RcError::FailureTyped {
            error: "Invalid permission",
            error_type: "error-invalid-permission",
        });
    }
    if updates
        .iter()
        .flat_map(|(_, roles)| roles)
        .any(|r| !permissions::role_exists(r, ctx.options.edition))
    {
        return Err(RcError::FailureTyped {
            error: "Invalid role",
            error_type: "error-invalid-role",
        });
    }
    let _ = view;
    for (id, roles) in updates {
        apply(
            ctx,
            Command::SetSetting {
                name: permissions::permission_key(&id),
                value: Some(json!(roles)),
            },
        )?;
    }
    let view = ctx.store.view();
    ok(&wire::PermissionsOut {
        permissions: permission_list(&view),
        success: true,
    })
}

fn show_setting(view: &View, req: &Req) -> Result<Response> {
    let id = req.param("_id");
    let value = permissions::setting(view, id).ok_or(RcError::Bare)?;
    ok(&wire::SettingOut {
        id,
        value: &value,
        success: true,
    })
}

/// `POST settings/:_id {value}` for any setting id (unknown ids are stored too, so that the
/// suites' before-hooks for settings this gateway does not act on still pass).
fn save_setting(ctx: &Context, req: &Req) -> Result<Response> {
    let id = req.param("_id");
    let valid_id = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let value = req
        .body
        .get("value")
        .filter(|_| valid_id)
        .ok_or(RcError::Bare)?;
    apply(
        ctx,
        Command::SetSetting {
            name: permissions::setting_key(id),
            value: Some(value.to_value()),
        },
    )?;
    ok(&wire::SUCCESS)
}
