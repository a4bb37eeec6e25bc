//! The `rocketchat` export format (docs/migration.md), written by the facade's own encoders:
//! - `departments.json`: the body of `GET /api/v1/livechat/department?count=0`;
//! - `department_agents/{_id}.json`: for each department, the body of
//!   `GET /api/v1/livechat/department/{_id}/agents?count=0`;
//! - `agents.json`: the body of `GET /api/v1/livechat/users/agent?count=0`.
//!
//! Rocket.Chat's lists show no integer ids (they are numbered in file order on reading), no
//! archived department (the list hides them), no Zopim settings and no creation times. A link
//! to a user who is not a livechat agent is left out of the agents file: the export has no
//! email for that user, so it could not be read back.

use std::borrow::Cow;
use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::Edition;
use super::mapping::{department_out, emails, link_out, status, status_livechat};
use super::wire::{self, AgentListItem, LinkOut};
use crate::migration::build::Names;
use crate::migration::{
    Builder, Carries, Files, Format, MigrationError, Site, json_file, label, parse_time,
};
use crate::model::{
    Agent, Credentials, Department, DepartmentId, DepartmentName, Email, ObjectId, Presence, Role,
    RoleSet, RoutingOptions, Settings, State, UserUid, Username,
};

const DEPARTMENTS: &str = "departments.json";
const LINKS: &str = "department_agents";
const AGENTS: &str = "agents.json";

const NAMES: Names = Names {
    id: "_id",
    uid: "_id",
    email: "emails",
    username: "username",
};

static CARRIES: Carries = Carries {
    department: &[
        "uid",
        "name",
        "description",
        "enabled",
        "email",
        "show_on_registration",
        "show_on_offline_form",
        "routing",
        "updated_at",
    ],
    agent: &[
        "uid",
        "username",
        "display_name",
        "email",
        "presence",
        "accepts_chats",
    ],
    membership: &["uid", "order", "count", "updated_at"],
};

pub struct RocketchatFormat;

#[derive(Deserialize)]
struct Page<T> {
    #[serde(alias = "departments", alias = "agents", alias = "users")]
    items: Vec<T>,
}

#[derive(Deserialize)]
struct UserIn {
    #[serde(rename = "_id")]
    id: String,
    username: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(rename = "statusLivechat", default)]
    status_livechat: Option<String>,
    #[serde(default)]
    emails: Vec<EmailIn>,
}

#[derive(Deserialize)]
struct EmailIn {
    address: String,
}

/// A link, its strings borrowed from the file (a million of them are read at once).
#[derive(Deserialize)]
struct LinkIn<'a> {
    #[serde(rename = "_id", borrow)]
    id: Cow<'a, str>,
    #[serde(rename = "agentId", borrow)]
    agent_id: Cow<'a, str>,
    #[serde(rename = "departmentId", borrow)]
    department_id: Cow<'a, str>,
    #[serde(default)]
    count: i64,
    #[serde(default)]
    order: i64,
    #[serde(rename = "_updatedAt", default, borrow)]
    updated_at: Option<Cow<'a, str>>,
}

/// The keys of a department that are not its custom fields (`wire::DepartmentOut`).
const KNOWN: &[&str] = &[
    "_id",
    "name",
    "enabled",
    "description",
    "showOnRegistration",
    "showOnOfflineForm",
    "email",
    "requestTagBeforeClosingChat",
    "chatClosingTags",
    "fallbackForwardDepartment",
    "offlineMessageChannelName",
    "numAgents",
    "archived",
    "_updatedAt",
    "type",
    "parentId",
    "ancestors",
];

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, MigrationError> {
    wire::encode(value)
        .map(|b| b.to_vec())
        .map_err(|()| MigrationError::Io("encoding a Rocket.Chat body failed".into()))
}

fn page<T: serde::Serialize>(name: &'static str, items: Vec<T>) -> wire::Page<T> {
    wire::Page {
        count: items.len(),
        total: items.len(),
        items: wire::Named { name, items },
        offset: 0,
        success: true,
    }
}

impl Format for RocketchatFormat {
    fn name(&self) -> &'static str {
        "rocketchat"
    }

    fn summary(&self) -> &'static str {
        "departments.json, department_agents/{_id}.json, agents.json: Rocket.Chat livechat list bodies"
    }

    fn carries(&self) -> &'static Carries {
        &CARRIES
    }

    fn recognizes(&self, files: &Files) -> bool {
        files.get(AGENTS).is_some()
            && files
                .get(DEPARTMENTS)
                .is_some_and(|b| b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{'))
    }

    fn write(&self, state: &State, _: &Site) -> Result<Files, MigrationError> {
        let listed: Vec<_> = state.departments_by_name().filter(|d| d.active).collect();
        let mut users: Vec<AgentListItem<'_>> = state
            .agents()
            .filter(|a| a.roles.contains(Role::Agent))
            .map(|a| AgentListItem {
                id: a.uid.as_str(),
                username: a.username.as_str(),
                name: &a.display_name,
                status: status(a),
                status_livechat: status_livechat(a),
                emails: emails(a),
                departments: state
                    .departments_of(a.id)
                    .map(|d| d.uid.to_string())
                    .collect(),
            })
            .collect();
        // `sort={"name": 1}` and `{"username": 1}`, the routes' defaults: strings in byte order,
        // ties as found (`query::sort_items` on strings).
        users.sort_by(|x, y| x.name.as_bytes().cmp(y.name.as_bytes()));
        let agents: HashSet<&str> = users.iter().map(|u| u.id).collect();
        let mut files = Files::new();
        files.insert(AGENTS, encode(&page("users", users))?);
        for d in &listed {
            let mut links: Vec<LinkOut<'_>> = state
                .members_of(d.id)
                .filter_map(|m| link_out(state, m))
                .filter(|l| agents.contains(l.agent_id))
                .collect();
            links.sort_by(|x, y| x.username.as_bytes().cmp(y.username.as_bytes()));
            files.insert(
                format!("{LINKS}/{}.json", d.uid),
                encode(&page("agents", links))?,
            );
        }
        let departments: Vec<_> = listed
            .iter()
            // As the default (Enterprise) edition answers the list.
            .map(|d| department_out(state, d, true, Edition::Enterprise))
            .collect();
        files.insert(DEPARTMENTS, encode(&page("departments", departments))?);
        Ok(files)
    }

    fn read(&self, files: &Files) -> Result<State, MigrationError> {
        std::thread::scope(|scope| {
            // The department agents files (one per department: 100 000 small bodies) are
            // parsed on a second thread while the agents and departments are read, and taken
            // in file order: a bad file is refused in its turn, as when read one by one.
            let (sender, parsed) = std::sync::mpsc::sync_channel(LINKS_AHEAD);
            scope.spawn(move || {
                for (path, bytes) in files.under(LINKS) {
                    // The reader stopped (a refusal): so does the parser.
                    if sender.send(json_file::<Page<LinkIn>>(path, bytes)).is_err() {
                        break;
                    }
                }
            });
            read_with(files, &parsed)
        })
    }
}

/// How many department agents files may wait parsed.
const LINKS_AHEAD: usize = 256;

/// A department agents file parsed, in [`Files::under`] order.
type ParsedLinks<'a> = std::sync::mpsc::Receiver<Result<Page<LinkIn<'a>>, MigrationError>>;

fn read_with<'a>(files: &'a Files, parsed: &ParsedLinks<'a>) -> Result<State, MigrationError> {
    let mut builder = Builder::new(crate::model::Timestamp::now());
    let now = builder.now();
    let users: Page<UserIn> = json_file(AGENTS, files.require(AGENTS)?)?;
    for (i, u) in users.items.into_iter().enumerate() {
        let record = label(i, &u.username);
        let bad =
            |field: &str, reason: &str| MigrationError::invalid(AGENTS, &record, field, reason);
        let uid = UserUid::parse(&u.id).map_err(|e| bad("_id", &e.to_string()))?;
        let username = Username::parse(&u.username).map_err(|r| bad("username", r))?;
        let address = u
            .emails
            .first()
            .ok_or_else(|| bad("emails", "has no address"))?;
        let email = Email::parse(&address.address).map_err(|r| bad("emails", r))?;
        let presence = match u.status.as_deref() {
            None => Presence::Offline,
            Some(s) => Presence::parse(s)
                .ok_or_else(|| bad("status", "must be online, away, busy or offline"))?,
        };
        let accepts_chats = match u.status_livechat.as_deref() {
            None | Some("available") => true,
            Some("not-available") => false,
            Some(_) => return Err(bad("statusLivechat", "must be available or not-available")),
        };
        let agent = Agent {
            id: builder.fresh_agent_id(),
            uid,
            username,
            display_name: u.name.unwrap_or_else(|| u.username.clone()),
            email,
            roles: [Role::Agent].into_iter().collect::<RoleSet>(),
            active: true,
            time_zone: None,
            presence,
            accepts_chats,
            created_at: now,
            updated_at: now,
            credentials: Credentials::default(),
        };
        builder.add_agent(AGENTS, &record, NAMES, agent)?;
    }

    let departments: Page<Map<String, Value>> =
        json_file(DEPARTMENTS, files.require(DEPARTMENTS)?)?;
    // Fallbacks name departments by `_id`, possibly later in the file: resolved once all
    // are read.
    let mut fallbacks = Vec::new();
    let mut read = Vec::new();
    for (i, mut d) in departments.items.into_iter().enumerate() {
        let name_text = d
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let record = label(i, &name_text);
        let bad = |field: &str, reason: String| {
            MigrationError::invalid(DEPARTMENTS, &record, field, reason)
        };
        let text = |d: &Map<String, Value>, key: &str| -> Result<Option<String>, MigrationError> {
            match d.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(key, "must be a string".into())),
            }
        };
        let boolean =
            |d: &Map<String, Value>, key: &str, default: bool| -> Result<bool, MigrationError> {
                match d.get(key) {
                    None | Some(Value::Null) => Ok(default),
                    Some(Value::Bool(b)) => Ok(*b),
                    Some(_) => Err(bad(key, "must be true or false".into())),
                }
            };
        let uid_text = text(&d, "_id")?.ok_or_else(|| bad("_id", "is missing".into()))?;
        let uid = ObjectId::parse(&uid_text).map_err(|e| bad("_id", e.to_string()))?;
        let name = DepartmentName::parse(&name_text).map_err(|r| bad("name", r.into()))?;
        let updated_at = match text(&d, "_updatedAt")? {
            Some(t) => parse_time(DEPARTMENTS, &record, "_updatedAt", &t)?,
            None => now,
        };
        let closing_tags = match d.get("chatClosingTags") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                serde_json::from_value::<Vec<String>>(v.clone())
                    .map_err(|_| bad("chatClosingTags", "must be an array of strings".into()))?,
            ),
        };
        let request_tag = match d.get("requestTagBeforeClosingChat") {
            None | Some(Value::Null) => None,
            Some(_) => Some(boolean(&d, "requestTagBeforeClosingChat", false)?),
        };
        if let Some(fallback) = text(&d, "fallbackForwardDepartment")? {
            fallbacks.push((read.len(), record.clone(), fallback));
        }
        let mut routing = RoutingOptions {
            request_tag_before_closing: request_tag,
            closing_tags,
            fallback_department: None,
            offline_message_channel: text(&d, "offlineMessageChannelName")?,
            unit: None,
            custom: Default::default(),
        };
        let enabled = boolean(&d, "enabled", true)?;
        let description = text(&d, "description")?;
        // Every department shows `email`, `""` when it has none (`mapping::department_out`).
        let email = text(&d, "email")?.filter(|e| !e.is_empty());
        let show_on_registration = boolean(&d, "showOnRegistration", true)?;
        let show_on_offline_form = boolean(&d, "showOnOfflineForm", true)?;
        let archived = boolean(&d, "archived", false)?;
        // `archived: false` is shown once a department was archived and came back;
        // `numAgents` once its links changed (`mapping::department_out`).
        let ever_inactive = d.contains_key("archived") && !archived;
        let members_changed = d.contains_key("numAgents");
        d.retain(|k, _| !KNOWN.contains(&k.as_str()));
        routing.custom = d.into_iter().collect();
        read.push((
            record,
            Department {
                id: DepartmentId(read.len() as u64 + 1),
                uid,
                name,
                description,
                enabled,
                email,
                show_on_registration,
                show_on_offline_form,
                public: true,
                settings: Settings::default(),
                routing: routing.into(),
                active: !archived,
                ever_inactive,
                members_changed_at: members_changed.then_some(updated_at),
                created_at: updated_at,
                updated_at,
            },
        ));
    }
    for (place, record, fallback) in fallbacks {
        let target = ObjectId::parse(&fallback)
            .ok()
            .and_then(|uid| read.iter().find(|(_, d)| d.uid == uid))
            .map(|(_, d)| d.id)
            .ok_or_else(|| {
                MigrationError::invalid(
                    DEPARTMENTS,
                    &record,
                    "fallbackForwardDepartment",
                    format!("{fallback} names no department of the export"),
                )
            })?;
        let department = &mut read[place].1;
        let mut routing = (*department.routing).clone();
        routing.fallback_department = Some(target);
        department.routing = routing.into();
    }
    let mut ids = Vec::with_capacity(read.len());
    for (record, department) in read {
        ids.push((department.uid, department.id));
        builder.add_department(DEPARTMENTS, &record, NAMES, department)?;
    }

    // Every department has its agents file; every agents file names a department.
    for (uid, _) in &ids {
        files.require(&format!("{LINKS}/{uid}.json"))?;
    }
    for (path, _) in files.under(LINKS) {
        let stem = path[LINKS.len() + 1..].trim_end_matches(".json");
        let department = ObjectId::parse(stem)
            .ok()
            .and_then(|uid| builder.department_by_uid(&uid))
            .ok_or_else(|| {
                MigrationError::bad_file(path, "names no department of departments.json")
            })?;
        let links = parsed
            .recv()
            .expect("the parser sends every department agents file, in order")?;
        for (i, l) in links.items.into_iter().enumerate() {
            let record = label(i, &l.agent_id);
            let bad =
                |field: &str, reason: String| MigrationError::invalid(path, &record, field, reason);
            if l.department_id != stem {
                return Err(bad(
                    "departmentId",
                    format!("is not {stem}, the department of this file"),
                ));
            }
            let agent = builder.agent_by_uid(&l.agent_id).ok_or_else(|| {
                bad(
                    "agentId",
                    format!("{} is not an agent of agents.json", l.agent_id),
                )
            })?;
            let uid = ObjectId::parse(&l.id).map_err(|e| bad("_id", e.to_string()))?;
            let updated_at = l
                .updated_at
                .map(|t| parse_time(path, &record, "_updatedAt", &t))
                .transpose()?;
            builder.add_member(
                path,
                &record,
                "_id",
                department,
                agent,
                Some(uid),
                l.order,
                l.count,
                updated_at,
            )?;
        }
    }
    builder.finish()
}
