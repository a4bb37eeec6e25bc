//! The fixture file: the JSON document the state starts from (format: `docs/fixtures.md`).
//!
//! Loading is strict: an unknown key, a wrong type, a dangling member or a repeated id stops
//! start-up with a message that names the entry (`departments[2] ("Sales")`). Secrets in the file
//! are hashed on load and never kept in the clear.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::auth;
use crate::model::{
    AccessToken, Agent, AgentId, BulkDepartment, Credentials, Department, DepartmentId,
    DepartmentName, Email, Membership, ObjectId, Presence, Role, Settings, SettingsInterner, State,
    Timestamp, TokenKind, UserUid, Username,
};

/// The data the gateway starts on when no `--fixtures` is given.
pub const DEFAULT: &str = include_str!("../fixtures/default.json");

/// Why a fixture file was refused.
#[derive(Debug, thiserror::Error)]
#[error("fixtures: {0}")]
pub struct FixtureError(String);

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    #[serde(default)]
    pub agents: Vec<AgentEntry>,
    /// Converted to model records entry by entry, as the parse goes.
    #[serde(default)]
    pub departments: Departments,
    /// Settings by name, for the facades that have any (each documents its own).
    #[serde(default)]
    pub settings: BTreeMap<String, Value>,
    /// The load time `parse` was given.
    #[serde(skip)]
    now: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentEntry {
    pub id: Option<u64>,
    pub uid: Option<String>,
    pub username: String,
    pub name: String,
    pub email: String,
    #[serde(default = "default_roles")]
    pub roles: Vec<String>,
    /// A clear-text password, hashed on load.
    pub password: Option<String>,
    /// An Argon2 PHC string, used as it is.
    pub password_hash: Option<String>,
    #[serde(default)]
    pub tokens: TokenEntry,
    #[serde(default = "yes")]
    pub active: bool,
    pub time_zone: Option<String>,
    /// `online`, `away`, `busy` or `offline` (the default).
    pub presence: Option<String>,
    /// Whether the agent takes new chats when present (default true).
    #[serde(default = "yes")]
    pub accepts_chats: bool,
    pub created_at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    /// OAuth bearer tokens (`Authorization: Bearer`).
    #[serde(default)]
    pub bearer: Vec<String>,
    /// API tokens (`email/token:TOKEN`).
    #[serde(default)]
    pub api: Vec<String>,
    /// Login session tokens, as a login call would have issued.
    #[serde(default)]
    pub session: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentEntry<'a> {
    pub id: Option<u64>,
    #[serde(borrow)]
    pub uid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "yes")]
    pub active: bool,
    pub email: Option<String>,
    #[serde(default = "yes")]
    pub show_on_registration: bool,
    #[serde(default = "yes")]
    pub show_on_offline_form: bool,
    /// Shared with the other departments of the file that have the same settings.
    #[serde(default, deserialize_with = "interned_settings")]
    pub settings: Settings,
    #[serde(default)]
    pub members: Vec<MemberEntry>,
    #[serde(borrow)]
    pub created_at: Option<Cow<'a, str>>,
}

/// A member: an agent id, or an object with the link's details.
#[derive(Debug)]
pub enum MemberEntry {
    Id(u64),
    Link(MemberLink),
}

/// A member written out with its link's details.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberLink {
    pub agent: u64,
    pub uid: Option<String>,
    #[serde(default)]
    pub order: i64,
    #[serde(default)]
    pub count: i64,
}

// By hand rather than `#[serde(untagged)]`, whose only error is "data did not match any variant":
// this one says which form was expected and what is wrong inside an object.
impl<'de> Deserialize<'de> for MemberEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(deserializer)? {
            Value::Number(n) => n
                .as_u64()
                .map(MemberEntry::Id)
                .ok_or_else(|| D::Error::custom(format!("member {n} is not a positive agent id"))),
            Value::Object(object) => serde_json::from_value(Value::Object(object))
                .map(MemberEntry::Link)
                .map_err(|e| D::Error::custom(format!("member object: {e}"))),
            other => Err(D::Error::custom(format!(
                "a member is an agent id or an object {{\"agent\": id, ...}}, not {other}"
            ))),
        }
    }
}

thread_local! {
    /// The settings objects of the parse under way on this thread, if any.
    static SETTINGS: RefCell<Option<SettingsInterner>> = const { RefCell::new(None) };
    /// The load time of the parse under way on this thread: what a department or link without
    /// a time of its own gets.
    static NOW: Cell<Option<Timestamp>> = const { Cell::new(None) };
}

/// The file's departments, each converted to its model record and links as soon as it is
/// parsed. A million parsed entries kept until the end took 170 MiB, and their records as many
/// again before they reached the state; memory the kernel has to hand over zeroed is a large
/// part of a large file's start-up (docs/decisions.md, "Compact records and indexes").
#[derive(Debug, Default)]
pub struct Departments {
    /// In file order, up to the first entry that could not be converted.
    batch: Vec<BulkDepartment>,
    /// The places in `batch` of the entries without an id: they are numbered after the largest
    /// id of the file, which is known only at its end.
    without_id: Vec<usize>,
    largest_id: u64,
    /// Entries parsed so far.
    entries: usize,
    /// Why the first entry that could not be converted was refused; the entries after it are
    /// parsed (a later syntax error still wins) but not kept.
    failure: Option<FixtureError>,
}

impl Departments {
    fn push(&mut self, mut entry: DepartmentEntry<'_>, now: Timestamp) {
        let i = self.entries;
        self.entries += 1;
        if self.failure.is_some() {
            return;
        }
        // The label is only written for an error: a million of them cost a tenth of a second.
        let name = std::mem::take(&mut entry.name);
        let fail = |msg: String| FixtureError(format!("departments[{i}] ({name:?}): {msg}"));
        let id = match entry.id {
            Some(0) => {
                self.failure = Some(fail("id must be a positive integer".into()));
                return;
            }
            Some(id) => {
                self.largest_id = self.largest_id.max(id);
                id
            }
            // Numbered at the end (`number_the_rest`).
            None => 0,
        };
        let id = DepartmentId(id);
        let members = std::mem::take(&mut entry.members);
        let department = match department_from(entry, &name, id, now) {
            Ok(department) => Arc::new(department),
            Err(msg) => {
                self.failure = Some(fail(msg));
                return;
            }
        };
        let mut links = Vec::with_capacity(members.len());
        for member in members {
            let (agent, uid, order, count) = match member {
                MemberEntry::Id(agent) => (agent, None, 0, 0),
                MemberEntry::Link(MemberLink {
                    agent,
                    uid,
                    order,
                    count,
                }) => (agent, uid, order, count),
            };
            let uid = match uid {
                None => ObjectId::generate(now),
                Some(text) => match ObjectId::parse(&text) {
                    Ok(uid) => uid,
                    Err(e) => {
                        // The links before it are kept: one of them may be at fault first.
                        self.failure = Some(fail(format!("member {agent}: uid {e}")));
                        break;
                    }
                },
            };
            links.push(Membership {
                uid,
                department: id,
                agent: AgentId(agent),
                order,
                count,
                updated_at: now,
            });
        }
        if id.0 == 0 {
            self.without_id.push(self.batch.len());
        }
        self.batch.push(BulkDepartment {
            department,
            links: links.into(),
        });
    }

    /// Gives the entries without an id theirs, in file order, after the largest id given.
    fn number_the_rest(&mut self) {
        let mut next = self.largest_id;
        for &place in &self.without_id {
            next += 1;
            let id = DepartmentId(next);
            let entry = &mut self.batch[place];
            Arc::make_mut(&mut entry.department).id = id;
            for link in Arc::make_mut(&mut entry.links) {
                link.department = id;
            }
        }
        self.without_id.clear();
    }
}

impl<'de> Deserialize<'de> for Departments {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = Departments;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Departments, A::Error> {
                let now = NOW.get().unwrap_or_else(Timestamp::now);
                let mut departments = Departments {
                    batch: Vec::with_capacity(seq.size_hint().unwrap_or(0)),
                    ..Departments::default()
                };
                while let Some(entry) = seq.next_element::<DepartmentEntry<'de>>()? {
                    departments.push(entry, now);
                }
                Ok(departments)
            }
        }
        deserializer.deserialize_seq(Entries)
    }
}

/// Interns each department's settings as soon as it is parsed, so that the parsed map is freed
/// at once and the next one reuses its memory. Freed only after the whole file was parsed,
/// a million maps of ~700 bytes each left the heap full of holes that the state, built later,
/// could not fill: resident memory stayed at twice the state's size.
fn interned_settings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Settings, D::Error> {
    let settings = Settings::from(Map::deserialize(d)?);
    Ok(SETTINGS.with_borrow_mut(|interner| match interner {
        Some(interner) => interner.intern(settings),
        None => settings,
    }))
}

fn yes() -> bool {
    true
}

fn default_roles() -> Vec<String> {
    vec!["agent".into()]
}

impl FixtureFile {
    /// Parses the text; a type error names its path (`departments[1].enabled`) and line. `now`
    /// is the time of whatever the file does not date.
    pub fn parse(text: &str, now: Timestamp) -> Result<Self, FixtureError> {
        SETTINGS.set(Some(SettingsInterner::default()));
        NOW.set(Some(now));
        // serde_path_to_error allocates each key it passes to keep the path: a quarter of the
        // parse of a large file. So a file is parsed without it, and parsed again with it only
        // to describe an error (which it meets at the same place). Neither checks what follows
        // the document.
        let fast = Self::deserialize(&mut serde_json::Deserializer::from_str(text));
        let parsed = match fast {
            Ok(file) => Ok(FixtureFile {
                now: Some(now),
                ..file
            }),
            Err(_) => {
                let de = &mut serde_json::Deserializer::from_str(text);
                serde_path_to_error::deserialize(de)
            }
        };
        SETTINGS.set(None);
        NOW.set(None);
        parsed.map_err(|e| {
            let inner = e.inner();
            // serde_json's message already ends with the line and column.
            FixtureError(format!("{}: {}", e.path(), inner))
        })
    }

    /// Builds the state, checking every entry.
    pub fn into_state(mut self) -> Result<State, FixtureError> {
        let now = self.now.unwrap_or_else(Timestamp::now);
        let mut state = State::empty();
        for (name, value) in self.settings {
            state.insert_setting(&name, value);
        }
        let mut next_agent = self.agents.iter().filter_map(|a| a.id).max().unwrap_or(0) + 1;
        for (i, entry) in self.agents.into_iter().enumerate() {
            let label = format!("agents[{i}] ({:?})", entry.username);
            let fail = |msg: String| FixtureError(format!("{label}: {msg}"));
            let id = entry.id.unwrap_or_else(|| {
                next_agent += 1;
                next_agent - 1
            });
            if id == 0 {
                return Err(fail("id must be a positive integer".into()));
            }
            let agent = agent_from(entry, AgentId(id), now).map_err(fail)?;
            state.insert_agent(agent).map_err(|e| fail(e.to_string()))?;
        }
        // The departments were converted as they were parsed, and are added in bulk
        // (`State::insert_many`): one at a time, a million of them took half a minute.
        let departments = &mut self.departments;
        departments.number_the_rest();
        let failure = departments.failure.take();
        if failure.is_none() && state.insert_many(&mut departments.batch).is_ok() {
            // `insert_many` builds each index from the records by construction; the full check
            // costs a second at a million departments, so release builds leave it to the tests
            // (which run it here, and on every state they make).
            if cfg!(debug_assertions) {
                state.check_invariants().map_err(FixtureError)?;
            }
            return Ok(state);
        }
        // Something is wrong: add the entries one at a time, in file order, for a message that
        // names the first one at fault (the conversion failure, if any, comes after them).
        for (i, entry) in std::mem::take(&mut departments.batch)
            .into_iter()
            .enumerate()
        {
            let department = Arc::unwrap_or_clone(entry.department);
            let label = format!("departments[{i}] ({:?})", department.name.as_str());
            let fail = |msg: String| FixtureError(format!("{label}: {msg}"));
            state
                .insert_department(department)
                .map_err(|e| fail(e.to_string()))?;
            for membership in entry.links.iter() {
                let agent = membership.agent;
                state
                    .insert_membership(membership.clone())
                    .map_err(|e| fail(format!("member {agent}: {e}")))?;
            }
        }
        Err(failure.unwrap_or_else(|| {
            FixtureError("departments refused in bulk but accepted one at a time".into())
        }))
    }
}

fn timestamp(text: Option<&str>, now: Timestamp) -> Result<Timestamp, String> {
    match text {
        None => Ok(now),
        Some(t) => time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map(|dt| Timestamp::from_unix_millis((dt.unix_timestamp_nanos() / 1_000_000) as i64))
            .map_err(|e| format!("created_at {t:?} is not an RFC 3339 time: {e}")),
    }
}

fn agent_from(entry: AgentEntry, id: AgentId, now: Timestamp) -> Result<Agent, String> {
    let uid = match &entry.uid {
        Some(text) => UserUid::parse(text).map_err(|e| format!("uid {e}"))?,
        None => UserUid::generate(),
    };
    let username = Username::parse(&entry.username).map_err(|e| format!("username {e}"))?;
    let email = Email::parse(&entry.email).map_err(|e| format!("email {e}"))?;
    let mut roles = crate::model::RoleSet::default();
    for name in &entry.roles {
        let role = Role::parse(name).ok_or_else(|| {
            let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            format!("role {name:?} is not one of {}", known.join(", "))
        })?;
        roles.insert(role);
    }
    let password = match (&entry.password, &entry.password_hash) {
        (Some(_), Some(_)) => return Err("give password or password_hash, not both".into()),
        (Some(clear), None) => Some(auth::hash_password(clear).map_err(|e| e.to_string())?),
        (None, Some(phc)) => Some(auth::parse_password_hash(phc).map_err(|e| e.to_string())?),
        (None, None) => None,
    };
    let mut tokens = Vec::new();
    for (kind, list) in [
        (TokenKind::Bearer, &entry.tokens.bearer),
        (TokenKind::Api, &entry.tokens.api),
        (TokenKind::Session, &entry.tokens.session),
    ] {
        for secret in list {
            if secret.len() < 8 {
                return Err(format!("{kind:?} token is shorter than 8 characters").to_lowercase());
            }
            tokens.push(AccessToken {
                kind,
                digest: auth::token_digest(secret),
            });
        }
    }
    let created_at = timestamp(entry.created_at.as_deref(), now)?;
    Ok(Agent {
        id,
        uid,
        username,
        display_name: entry.name,
        email,
        roles,
        active: entry.active,
        time_zone: entry.time_zone,
        presence: match entry.presence.as_deref() {
            None => Presence::Offline,
            Some(text) => Presence::parse(text).ok_or_else(|| {
                format!("presence {text:?} is not one of online, away, busy, offline")
            })?,
        },
        accepts_chats: entry.accepts_chats,
        created_at,
        updated_at: created_at,
        credentials: Credentials { password, tokens },
    })
}

fn department_from(
    entry: DepartmentEntry,
    name: &str,
    id: DepartmentId,
    now: Timestamp,
) -> Result<Department, String> {
    let uid = match &entry.uid {
        Some(text) => ObjectId::parse(text).map_err(|e| format!("uid {e}"))?,
        None => ObjectId::generate(now),
    };
    let name = DepartmentName::parse(name).map_err(|e| format!("name {e}"))?;
    let created_at = timestamp(entry.created_at.as_deref(), now)?;
    Ok(Department {
        id,
        uid,
        name,
        description: entry
            .description
            .map(|d| {
                crate::model::department::description_from(d)
                    .map_err(|e| format!("description {e}"))
            })
            .transpose()?,
        enabled: entry.enabled && entry.active,
        email: entry.email,
        show_on_registration: entry.show_on_registration,
        show_on_offline_form: entry.show_on_offline_form,
        settings: entry.settings,
        routing: Default::default(),
        active: entry.active,
        created_at,
        updated_at: created_at,
    })
}

/// Loads the embedded default data.
pub fn default_state() -> Result<State, FixtureError> {
    FixtureFile::parse(DEFAULT, Timestamp::now())?.into_state()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_data_loads() {
        let state = default_state().unwrap();
        assert!(state.department_count() >= 3);
        assert!(state.agent_by_email("admin@example.com").is_some());
        assert!(state.agent_by_email("agent@example.com").is_some());
    }

    #[test]
    fn a_dangling_member_is_named_in_the_error() {
        let text = r#"{"agents":[],"departments":[{"name":"Sales","members":[7]}]}"#;
        let err = FixtureFile::parse(text, Timestamp::now())
            .unwrap()
            .into_state()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"fixtures: departments[0] ("Sales"): member 7: agent 7 does not exist"#
        );
    }

    #[test]
    fn a_wrong_type_is_named_by_its_path() {
        let text = r#"{"departments":[{"name":"A"},{"name":"B","enabled":"yes"}]}"#;
        let err = FixtureFile::parse(text, Timestamp::now())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "fixtures: departments[1].enabled: invalid type: string \"yes\", expected a boolean"
            ),
            "{err}"
        );
    }

    fn load_error(text: &str) -> String {
        match FixtureFile::parse(text, Timestamp::now()) {
            Err(e) => e.to_string(),
            Ok(file) => file.into_state().unwrap_err().to_string(),
        }
    }

    #[test]
    fn each_malformed_entry_is_refused_with_a_message_that_names_it() {
        let long = "x".repeat(65_536);
        let cases = [
            (
                r#"{"departments":[{"name":"A","members":[{"agent":1,"colour":2}]}]}"#.to_owned(),
                "fixtures: departments[0].members[0]: member object: unknown field `colour`, expected one of `agent`, `uid`, `order`, `count` at line 1 column 62",
            ),
            (
                r#"{"departments":[{"name":"A","members":["1"]}]}"#.to_owned(),
                r#"fixtures: departments[0].members[0]: a member is an agent id or an object {"agent": id, ...}, not "1" at line 1 column 43"#,
            ),
            (
                r#"{"agents":[{"username":"a","name":"A","email":"a@x"}],"departments":[{"name":"A","members":[1,1]}]}"#.to_owned(),
                r#"fixtures: departments[0] ("A"): member 1: members list agent 1 twice"#,
            ),
            (
                format!(r#"{{"departments":[{{"name":"A","description":"{long}"}}]}}"#),
                r#"fixtures: departments[0] ("A"): description is too long (maximum is 65535 characters)"#,
            ),
            (
                r#"{"agents":[{"username":"a","name":"A","email":"a@x","tokens":{"bearer":["same-token"]}},{"username":"b","name":"B","email":"b@x","tokens":{"api":["same-token"]}}]}"#.to_owned(),
                r#"fixtures: agents[1] ("b"): tokens hold a token another agent (or this one) already holds"#,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(load_error(&text), expected);
        }
    }

    #[test]
    fn a_repeated_id_is_refused() {
        let text = r#"{"departments":[{"id":3,"name":"A"},{"id":3,"name":"B"}]}"#;
        let err = FixtureFile::parse(text, Timestamp::now())
            .unwrap()
            .into_state()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"fixtures: departments[1] ("B"): id 3 is already taken"#
        );
    }

    #[test]
    fn strings_with_escapes_load_as_well_as_borrowed_ones() {
        let text = r#"{"departments":[
            {"id":1,"name":"Caf\u00e9 \"Sales\"","uid":"65b00000000000000000000\u0031",
             "created_at":"2024-01-15T09:10:00\u005a"},
            {"id":2,"name":"Plain","uid":"65b000000000000000000002","created_at":"2024-01-15T09:10:00Z"}
        ]}"#;
        let state = FixtureFile::parse(text, Timestamp::now())
            .unwrap()
            .into_state()
            .unwrap();
        let escaped = state.department(DepartmentId(1)).unwrap();
        let plain = state.department(DepartmentId(2)).unwrap();
        assert_eq!(escaped.name.as_str(), "Caf\u{e9} \"Sales\"");
        assert_eq!(escaped.uid.to_string(), "65b000000000000000000001");
        assert_eq!(escaped.created_at, plain.created_at);
        assert_eq!(plain.name.as_str(), "Plain");
    }

    /// Entries without an id are numbered after the largest id of the whole file, in file
    /// order, even when that id comes after them; their links follow them.
    #[test]
    fn departments_without_an_id_are_numbered_after_the_largest_one() {
        let text = r#"{
            "agents":[{"id":1,"username":"a","name":"A","email":"a@x"}],
            "departments":[
                {"name":"First","members":[1]},
                {"id":7,"name":"Seven"},
                {"name":"Second","members":[{"agent":1,"uid":"65b0000000000000000000aa"}]},
                {"id":3,"name":"Three"}
            ]}"#;
        let state = FixtureFile::parse(text, Timestamp::now())
            .unwrap()
            .into_state()
            .unwrap();
        let named = |id: u64| state.department(DepartmentId(id)).map(|d| d.name.as_str());
        assert_eq!(named(8), Some("First"));
        assert_eq!(named(9), Some("Second"));
        let members = |id: u64| {
            state
                .members_of(DepartmentId(id))
                .map(|m| (m.department.0, m.agent.0))
                .collect::<Vec<_>>()
        };
        assert_eq!(members(8), [(8, 1)]);
        assert_eq!(members(9), [(9, 1)]);
        let uid = ObjectId::parse("65b0000000000000000000aa").unwrap();
        assert_eq!(
            state.membership_by_uid(&uid).map(|m| m.department),
            Some(DepartmentId(9))
        );
        state.check_invariants().unwrap();
    }

    /// A fault the one-at-a-time pass finds in an earlier entry is named before a conversion
    /// failure further on; a syntax error anywhere is named before both.
    #[test]
    fn the_first_fault_in_file_order_is_the_one_named() {
        let earlier_fault = r#"{"departments":[
            {"id":1,"name":"A","members":[4]},
            {"id":2,"name":"B","created_at":"yesterday"}
        ]}"#;
        let err = FixtureFile::parse(earlier_fault, Timestamp::now())
            .unwrap()
            .into_state()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"fixtures: departments[0] ("A"): member 4: agent 4 does not exist"#
        );
        let syntax_after = r#"{"departments":[
            {"id":2,"name":"B","created_at":"yesterday"},
            {"id":3,"name":"C","enabled":"no"}
        ]}"#;
        let err = FixtureFile::parse(syntax_after, Timestamp::now()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("fixtures: departments[1].enabled: invalid type"),
            "{err}"
        );
    }
}
