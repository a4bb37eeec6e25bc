//! The visitor routes the widget calls (`apps/meteor/app/livechat/server/api/v1/visitor.ts`,
//! `pageVisited.ts`, `offlineMessage.ts`; `lib/guests.ts` `registerGuest`): decode, command,
//! encode, in Rocket.Chat's order (the route's `check()` or ajv schema, then the handler's own
//! checks). None of them needs authentication.

use std::sync::Arc;

use http::{HeaderMap, Method, header};
use serde::Serialize;

use super::error::WidgetError;
use super::{Context, not_allowed};
use crate::facades::rocketchat::check::{self, Pattern, Schema, Ty, nullable, prop};
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::mapping;
use crate::facades::rocketchat::settings;
use crate::facades::rocketchat::wire::{Json, json_response};
use crate::http::json::{self as strict_json, JsonError};
use crate::http::{Answer, Body, LayerError, Request, Response, read_body};
use crate::model::{
    Command, Contact, ContactDetails, ContactToken, DepartmentId, OfflineMessage, State, Timestamp,
    View,
};

type Result<T, E = WidgetError> = std::result::Result<T, E>;

/// `isPOSTLivechatOfflineMessageParams`.
static OFFLINE_MESSAGE_BODY: Schema = Schema {
    properties: &[
        prop("name", Ty::String),
        prop("email", Ty::String),
        prop("message", Ty::String),
        nullable("department", Ty::String),
        nullable("host", Ty::String),
    ],
    required: &["name", "email", "message"],
    additional: false,
};

/// `isPOSTLivechatPageVisitedParams`'s `pageInfo`.
static PAGE_INFO: Schema = Schema {
    properties: &[
        prop("change", Ty::String),
        prop("title", Ty::String),
        prop("location", Ty::Object(&LOCATION)),
    ],
    required: &["change", "title", "location"],
    additional: true,
};

static LOCATION: Schema = Schema {
    properties: &[prop("href", Ty::String)],
    required: &["href"],
    additional: true,
};

/// `isPOSTLivechatPageVisitedParams`.
static PAGE_VISITED_BODY: Schema = Schema {
    properties: &[
        prop("token", Ty::String),
        nullable("rid", Ty::String),
        prop("pageInfo", Ty::Object(&PAGE_INFO)),
    ],
    required: &["token", "pageInfo"],
    additional: false,
};

/// Routes a path below `/api/v1/livechat/`.
pub(super) fn dispatch(ctx: &Arc<Context>, rest: &str, request: Request) -> Answer {
    let method = request.method().clone();
    let route: Option<(&[Method], Route)> = match rest {
        "visitor" => Some((&[Method::POST], Route::Register)),
        "visitor.status" => Some((&[Method::POST], Route::Status)),
        "page.visited" => Some((&[Method::POST], Route::PageVisited)),
        "offline.message" => Some((&[Method::POST], Route::OfflineMessage)),
        token
            if token.starts_with("visitor/")
                && !token[8..].is_empty()
                && !token[8..].contains('/') =>
        {
            Some((&[Method::GET, Method::HEAD], Route::Show))
        }
        _ => None,
    };
    let Some((allowed, route)) = route else {
        return Answer::Now(RcError::Layer(LayerError::NotFound).into_response());
    };
    if !allowed.contains(&method) {
        return Answer::Now(not_allowed(allowed));
    }
    if route == Route::Show {
        let token = percent_encoding::percent_decode_str(&rest[8..]).decode_utf8_lossy();
        let view = ctx.store.read();
        return Answer::Now(show(&view, &token).unwrap_or_else(WidgetError::into_response));
    }
    let ctx = Arc::clone(ctx);
    Answer::later(async move {
        let (parts, body) = request.into_parts();
        let result = match json_body(body, &parts.headers).await {
            Ok(body) => match route {
                Route::Register => register(&ctx, body).await,
                Route::Status => status(&ctx, body),
                Route::PageVisited => page_visited(&ctx, body),
                Route::OfflineMessage => offline_message(&ctx, body).await,
                Route::Show => unreachable!("answered above"),
            },
            Err(e) => Err(e),
        };
        result.unwrap_or_else(WidgetError::into_response)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Register,
    Show,
    Status,
    PageVisited,
    OfflineMessage,
}

/// The body as Rocket.Chat's router reads it: JSON when declared so, else `{}`.
async fn json_body(body: Body, headers: &HeaderMap) -> Result<Json> {
    let bytes = read_body(body).await.map_err(RcError::Layer)?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("application/json"));
    if !is_json {
        return Ok(Json::Object(Vec::new()));
    }
    match strict_json::parse(&bytes) {
        Ok(body) => Ok(body),
        Err(JsonError::DuplicateKey(path)) => Err(RcError::DuplicateProperty(path).into()),
        Err(JsonError::Syntax { .. }) => Ok(Json::Object(Vec::new())),
    }
}

/// `API.v1.success(fields)`: the fields, then `"success": true` last.
#[derive(Serialize)]
struct Success<T: Serialize> {
    #[serde(flatten)]
    fields: T,
    success: bool,
}

fn ok(fields: impl Serialize) -> Result<Response> {
    Ok(json_response(
        http::StatusCode::OK,
        &Success {
            fields,
            success: true,
        },
    ))
}

/// `POST livechat/visitor`: registers the visitor, or updates the one with its token.
async fn register(ctx: &Context, body: Json) -> Result<Response> {
    let maybe = |p: Pattern| Pattern::Maybe(Box::new(p));
    let custom_field = Pattern::Object {
        keys: vec![
            ("key", Pattern::String),
            ("value", Pattern::String),
            ("overwrite", Pattern::Boolean),
        ],
        including: true,
    };
    let pattern = Pattern::Object {
        keys: vec![(
            "visitor",
            Pattern::Object {
                keys: vec![
                    ("token", Pattern::String),
                    ("name", maybe(Pattern::String)),
                    ("email", maybe(Pattern::String)),
                    ("department", maybe(Pattern::String)),
                    ("phone", maybe(Pattern::String)),
                    ("username", maybe(Pattern::String)),
                    (
                        "customFields",
                        maybe(Pattern::ArrayOf(Box::new(custom_field))),
                    ),
                ],
                including: true,
            },
        )],
        including: false,
    };
    check::matches(Some(&body), &pattern).map_err(RcError::Match)?;
    let visitor = body.get("visitor");
    let field = |name: &str| {
        visitor
            .and_then(|v| v.get(name))
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let token = field("token").unwrap_or_default();
    let Ok(token) = ContactToken::parse(&token) else {
        return Err(WidgetError::BlankToken);
    };
    let view = ctx.store.read();
    // Trimmed and lower-cased; `registerGuest` calls `validateEmail` but ignores its answer, so
    // any text is kept.
    let email = field("email").map(|e| e.trim().to_lowercase());
    // `findOneByIdOrName`, asked only when the department changes.
    let department = match field("department") {
        Some(wanted) => {
            let current = view
                .contact(token.as_str())
                .and_then(|c| c.department)
                .and_then(|id| view.department(id));
            match current {
                Some(d) if d.uid.to_string() == wanted => Some(d.id),
                _ => Some(
                    department_by_id_or_name(&view, &wanted)
                        .ok_or(WidgetError::InvalidDepartment)?,
                ),
            }
        }
        None => None,
    };
    let details = ContactDetails {
        name: field("name"),
        email,
        phone: field("phone"),
        department,
    };
    let (view, _) = ctx
        .store
        .apply(Command::SaveContact {
            token: token.clone(),
            details,
        })
        .await
        .map_err(RcError::Model)?;
    let contact = view
        .contact(token.as_str())
        .ok_or(RcError::Layer(LayerError::Internal))?;
    visitor_answer(&view, contact)
}

/// `GET livechat/visitor/:token`.
fn show(view: &View, token: &str) -> Result<Response> {
    let contact = view.contact(token).ok_or(WidgetError::InvalidToken)?;
    visitor_answer(view, contact)
}

/// `POST livechat/visitor.status`: `check({token: String, status: String})`, then the visitor.
fn status(ctx: &Context, body: Json) -> Result<Response> {
    let pattern = Pattern::Object {
        keys: vec![("token", Pattern::String), ("status", Pattern::String)],
        including: false,
    };
    check::matches(Some(&body), &pattern).map_err(RcError::Match)?;
    let token = body.get("token").and_then(Json::as_str).unwrap_or_default();
    let status = body
        .get("status")
        .and_then(Json::as_str)
        .unwrap_or_default();
    if ctx.store.read().contact(token).is_none() {
        return Err(WidgetError::InvalidToken);
    }
    #[derive(Serialize)]
    struct Status<'a> {
        token: &'a str,
        status: &'a str,
    }
    ok(Status { token, status })
}

/// `POST livechat/page.visited`: a change of the kind `Livechat_history_monitor_type` watches
/// (`url` by default) becomes a navigation message (`savePageHistory`), and the route answers
/// its `msg` and `navigation`; any other change is a bare success. The message itself is not
/// kept: it would belong to a chat room, and no chat happens here (docs/widget.md).
fn page_visited(ctx: &Context, mut body: Json) -> Result<Response> {
    check::ajv(&PAGE_VISITED_BODY, &mut body).map_err(RcError::InvalidParams)?;
    let page = body.get("pageInfo").cloned().unwrap_or(Json::Null);
    let text = |v: &Json, key: &str| v.get(key).and_then(Json::as_str).unwrap_or("").to_owned();
    let watched = settings::setting(&ctx.store.read(), "Livechat_history_monitor_type");
    if watched.as_ref().and_then(serde_json::Value::as_str) != Some(text(&page, "change").as_str())
    {
        return ok(serde_json::Map::new());
    }
    let href = page
        .get("location")
        .map(|l| text(l, "href"))
        .unwrap_or_default();
    #[derive(Serialize)]
    struct Navigation<'a> {
        page: Ordered<'a>,
        token: String,
    }
    #[derive(Serialize)]
    struct Page<'a> {
        msg: String,
        navigation: Navigation<'a>,
    }
    #[derive(Serialize)]
    struct Visited<'a> {
        page: Page<'a>,
    }
    ok(Visited {
        page: Page {
            msg: format!("{} - {href}", text(&page, "title")),
            navigation: Navigation {
                page: Ordered(&page),
                token: text(&body, "token"),
            },
        },
    })
}

/// A JSON value written back with its keys in the order they came (as MongoDB keeps them).
struct Ordered<'a>(&'a Json);

impl Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => n.serialize(s),
            Json::String(text) => s.serialize_str(text),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Ordered(item))?;
                }
                seq.end()
            }
            Json::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, &Ordered(v))?;
                }
                map.end()
            }
        }
    }
}

/// `POST livechat/offline.message`: kept with the department it was left for.
async fn offline_message(ctx: &Context, mut body: Json) -> Result<Response> {
    check::ajv(&OFFLINE_MESSAGE_BODY, &mut body).map_err(RcError::InvalidParams)?;
    let text = |name: &str| body.get(name).and_then(Json::as_str).map(str::to_owned);
    let view = ctx.store.read();
    // `sendOfflineMessage` throws when the form is off or the email is empty; the route turns
    // any throw into one failure. A department named by neither id nor name is no error there
    // (the mail goes to `Livechat_offline_email` instead): the message is kept without one.
    if !settings::flag(&view, "Livechat_display_offline_form") {
        return Err(WidgetError::OfflineMessageNotSent);
    }
    if text("email").unwrap_or_default().is_empty() {
        return Err(WidgetError::OfflineMessageNotSent);
    }
    let department = text("department")
        .filter(|d| !d.is_empty())
        .and_then(|wanted| department_by_id_or_name(&view, &wanted));
    let message = OfflineMessage {
        name: text("name").unwrap_or_default(),
        email: text("email").unwrap_or_default(),
        message: text("message").unwrap_or_default(),
        department,
        host: text("host"),
        received_at: Timestamp::now(),
    };
    ctx.store
        .apply(Command::RecordOfflineMessage(message))
        .await
        .map_err(|_| WidgetError::OfflineMessageNotSent)?;
    #[derive(Serialize)]
    struct Sent {
        message: &'static str,
    }
    // `i18n.t('Livechat_offline_message_sent')`, English.
    ok(Sent {
        message: "Livechat offline message sent",
    })
}

/// `findOneByIdOrName`: by `_id`, else the first department with that name.
fn department_by_id_or_name(view: &State, wanted: &str) -> Option<DepartmentId> {
    mapping::department_by_id(view, wanted)
        .or_else(|| view.departments_named(wanted).next())
        .map(|d| d.id)
}

/// A visitor as `LivechatVisitors` stores it (`ILivechatVisitor`), in the order
/// `registerGuest` builds it.
#[derive(Serialize)]
struct VisitorOut<'a> {
    _id: &'a str,
    token: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<[PhoneOut<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(rename = "visitorEmails", skip_serializing_if = "Option::is_none")]
    visitor_emails: Option<[EmailOut<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department: Option<String>,
    username: String,
    ts: String,
    #[serde(rename = "_updatedAt")]
    updated_at: String,
}

#[derive(Serialize)]
struct PhoneOut<'a> {
    #[serde(rename = "phoneNumber")]
    phone_number: &'a str,
}

#[derive(Serialize)]
struct EmailOut<'a> {
    address: &'a str,
}

/// `{"visitor": …, "success": true}`.
#[derive(Serialize)]
struct VisitorAnswer<'a> {
    visitor: VisitorOut<'a>,
    success: bool,
}

fn visitor_out<'a>(view: &State, c: &'a Contact) -> VisitorOut<'a> {
    VisitorOut {
        _id: c.uid.as_str(),
        token: c.token.as_str(),
        status: "online",
        phone: c.phone.as_deref().map(|p| [PhoneOut { phone_number: p }]),
        name: c.name.as_deref(),
        visitor_emails: c.email.as_deref().map(|a| [EmailOut { address: a }]),
        department: c
            .department
            .and_then(|id| view.department(id))
            .map(|d| d.uid.to_string()),
        username: format!("guest-{}", c.number),
        ts: mapping::rc_time(c.created_at),
        updated_at: mapping::rc_time(c.updated_at),
    }
}

/// `findGuest(token)` (`apps/meteor/app/livechat/server/api/lib/livechat.ts`): the visitor with
/// this token as `GET livechat/config?token=…` shows it as `guest` (projection `name`,
/// `username`, `token`, `visitorEmails`, `department`, `activity`, and `_id`), or `None`. The
/// widget takes it as its registered user on start.
pub(crate) fn find_guest(view: &State, token: &str) -> Option<serde_json::Value> {
    let c = view.contact(token)?;
    let v = visitor_out(view, c);
    let mut guest = serde_json::Map::new();
    guest.insert("_id".into(), v._id.into());
    guest.insert("token".into(), v.token.into());
    if let Some(name) = v.name {
        guest.insert("name".into(), name.into());
    }
    if let Some(emails) = c.email.as_deref() {
        guest.insert(
            "visitorEmails".into(),
            serde_json::json!([{ "address": emails }]),
        );
    }
    if let Some(department) = v.department {
        guest.insert("department".into(), department.into());
    }
    guest.insert("username".into(), v.username.into());
    Some(serde_json::Value::Object(guest))
}

fn visitor_answer(view: &State, c: &Contact) -> Result<Response> {
    Ok(json_response(
        http::StatusCode::OK,
        &VisitorAnswer {
            visitor: visitor_out(view, c),
            success: true,
        },
    ))
}
