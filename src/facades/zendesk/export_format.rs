//! The `zendesk-xml` export format (docs/migration.md): `groups.xml`, the body of
//! `GET /groups.xml`, and `users.xml`, the body of `GET /users.xml` (past one page of 100 users,
//! page N of `?page=N` as `users.N.xml`), written by the facade's own XML encoders.
//!
//! Memberships travel as each user's nested `<groups>`, which list active groups only: a
//! membership of a destroyed group is not in the export. Classic Zendesk has no login names, no
//! Rocket.Chat ids, no department settings, and one role number per user.

use super::handlers::PAGE_SIZE;
use super::mapping::{ZendeskRole, group_out, user_out};
use super::wire::{groups_document, users_document};
use super::xml::{Limits, XmlDocument, XmlValue};
use crate::migration::build::Names;
use crate::migration::{Builder, Carries, Files, Format, MigrationError, Site, label};
use crate::model::{
    Agent, AgentId, Credentials, Department, DepartmentId, DepartmentName, Email, ObjectId,
    Presence, Routing, Settings, State, Timestamp, UserUid,
};

const GROUPS: &str = "groups.xml";
const USERS: &str = "users.xml";

const NAMES: Names = Names {
    id: "id",
    uid: "id",
    email: "email",
    username: "email",
};

static CARRIES: Carries = Carries {
    department: &["id", "name", "active", "created_at", "updated_at"],
    agent: &[
        "id",
        "display_name",
        "email",
        "active",
        "time_zone",
        "created_at",
        "updated_at",
    ],
    membership: &[],
};

pub struct ZendeskXmlFormat;

/// Page `n` of the user list: `users.xml`, then `users.2.xml`, ...
fn users_page(n: usize) -> String {
    if n == 1 {
        USERS.to_owned()
    } else {
        format!("users.{n}.xml")
    }
}

/// A document of `root` holding an array of `item`s.
fn records<'d>(
    file: &str,
    doc: &'d XmlDocument,
    root: &str,
    item: &str,
) -> Result<Vec<&'d XmlValue>, MigrationError> {
    if doc.root != root {
        return Err(MigrationError::bad_file(
            file,
            format!("the root element is <{}>, not <{root}>", doc.root),
        ));
    }
    match &doc.value {
        XmlValue::Array { items, .. } => items
            .iter()
            .map(|e| {
                if e.name == item {
                    Ok(&e.value)
                } else {
                    Err(MigrationError::bad_file(
                        file,
                        format!("<{root}> holds <{}>, not <{item}>", e.name),
                    ))
                }
            })
            .collect(),
        XmlValue::Nil(_) => Ok(Vec::new()),
        _ => Err(MigrationError::bad_file(
            file,
            format!("<{root}> is not type=\"array\""),
        )),
    }
}

fn parse(file: &str, bytes: &[u8]) -> Result<XmlDocument, MigrationError> {
    // An export is as large as its data: the element limit follows the file's size (an element
    // takes at least three bytes).
    let limits = Limits {
        max_depth: 32,
        max_elements: bytes.len() / 3 + 16,
    };
    XmlDocument::parse(bytes, &limits).map_err(|e| MigrationError::bad_file(file, e.to_string()))
}

/// A record's typed fields, each failure naming the element.
struct Fields<'a> {
    file: &'a str,
    record: &'a str,
    value: &'a XmlValue,
}

impl Fields<'_> {
    fn bad(&self, field: &str, reason: &str) -> MigrationError {
        MigrationError::invalid(self.file, self.record, field, reason)
    }

    fn integer(&self, field: &str) -> Result<i64, MigrationError> {
        match self.value.get(field) {
            Some(XmlValue::Integer(n)) => Ok(*n),
            Some(_) => Err(self.bad(field, "must be type=\"integer\"")),
            None => Err(self.bad(field, "is missing")),
        }
    }

    fn text(&self, field: &str) -> Result<Option<&str>, MigrationError> {
        match self.value.get(field) {
            Some(XmlValue::Text(t)) => Ok(Some(t)),
            Some(XmlValue::Nil(_)) | None => Ok(None),
            Some(_) => Err(self.bad(field, "must be text")),
        }
    }

    fn boolean(&self, field: &str) -> Result<bool, MigrationError> {
        match self.value.get(field) {
            Some(XmlValue::Boolean(b)) => Ok(*b),
            None => Ok(true),
            Some(_) => Err(self.bad(field, "must be type=\"boolean\"")),
        }
    }

    fn time(&self, field: &str, now: Timestamp) -> Result<Timestamp, MigrationError> {
        match self.value.get(field) {
            Some(XmlValue::DateTime(at)) => Ok(Timestamp::from_unix_millis(
                (at.unix_timestamp_nanos() / 1_000_000) as i64,
            )),
            Some(XmlValue::Nil(_)) | None => Ok(now),
            Some(_) => Err(self.bad(field, "must be type=\"datetime\"")),
        }
    }

    fn id(&self) -> Result<u64, MigrationError> {
        u64::try_from(self.integer("id")?)
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| self.bad("id", "must be a positive integer"))
    }
}

impl Format for ZendeskXmlFormat {
    fn name(&self) -> &'static str {
        "zendesk-xml"
    }

    fn summary(&self) -> &'static str {
        "groups.xml, users.xml (users.N.xml for page N): classic Zendesk list bodies"
    }

    fn carries(&self) -> &'static Carries {
        &CARRIES
    }

    fn recognizes(&self, files: &Files) -> bool {
        files.get(GROUPS).is_some()
    }

    fn write(&self, state: &State, _: &Site) -> Result<Files, MigrationError> {
        let mut files = Files::new();
        let groups: Vec<_> = state
            .departments()
            .map(|d| group_out(state, d, false))
            .collect();
        files.insert(GROUPS, groups_document(&groups).to_xml().into_bytes());
        let users: Vec<_> = state.agents().collect();
        let total = users.len();
        // An empty list is still page 1.
        let pages = users
            .chunks(PAGE_SIZE)
            .chain((total == 0).then_some(&[][..]));
        for (i, page) in pages.enumerate() {
            let out: Vec<_> = page.iter().map(|a| user_out(state, a, true)).collect();
            files.insert(
                users_page(i + 1),
                users_document(&out, total).to_xml().into_bytes(),
            );
        }
        Ok(files)
    }

    fn read(&self, files: &Files) -> Result<State, MigrationError> {
        std::thread::scope(|scope| read_with(files, &Pages::start(scope, files)))
    }
}

/// How many threads parse the user pages.
const PARSERS: usize = 2;

/// The user pages, each parsed on one of [`PARSERS`] threads while the records of the pages
/// before it are taken in, and handed over in page order. What is refused, and in which order,
/// is as when the pages are read one after another: a page's parse error comes in its turn.
struct Pages {
    parsed: Vec<std::sync::mpsc::Receiver<Result<XmlDocument, MigrationError>>>,
}

impl Pages {
    fn start<'scope>(scope: &'scope std::thread::Scope<'scope, '_>, files: &'scope Files) -> Self {
        let parsed = (1..=PARSERS)
            .map(|first| {
                // A page waits for its turn parsed, no further ahead: two at most in memory.
                let (sender, receiver) = std::sync::mpsc::sync_channel(0);
                scope.spawn(move || {
                    for page in (first..).step_by(PARSERS) {
                        let file = users_page(page);
                        let Some(bytes) = files.get(&file) else { break };
                        // The reader stopped (a refusal): so does the parser.
                        if sender.send(parse(&file, bytes)).is_err() {
                            break;
                        }
                    }
                });
                receiver
            })
            .collect();
        Pages { parsed }
    }

    /// Page `page` (from 1), which the caller found among the files.
    fn get(&self, page: usize) -> Result<XmlDocument, MigrationError> {
        self.parsed[(page - 1) % PARSERS]
            .recv()
            .expect("a parser sends every page there is, in order")
    }
}

fn read_with(files: &Files, pages: &Pages) -> Result<State, MigrationError> {
    let mut builder = Builder::new(Timestamp::now());
    let now = builder.now();
    let groups_doc = parse(GROUPS, files.require(GROUPS)?)?;
    let mut groups = Vec::new();
    for (i, value) in records(GROUPS, &groups_doc, "groups", "group")?
        .into_iter()
        .enumerate()
    {
        let name_text = match value.get("name") {
            Some(XmlValue::Text(t)) => t.as_str(),
            _ => "",
        };
        let record = label(i, name_text);
        let f = Fields {
            file: GROUPS,
            record: &record,
            value,
        };
        let id = f.id()?;
        let name = DepartmentName::parse(name_text).map_err(|r| f.bad("name", r))?;
        let active = f.boolean("is-active")?;
        let created_at = f.time("created-at", now)?;
        groups.push((
            record.clone(),
            Department {
                id: DepartmentId(id),
                uid: ObjectId::generate(now),
                name,
                description: None,
                // A destroyed group is disabled, as the model keeps it.
                enabled: active,
                email: None,
                show_on_registration: true,
                show_on_offline_form: true,
                public: true,
                settings: Settings::default(),
                routing: Routing::default(),
                active,
                ever_inactive: false,
                members_changed_at: None,
                created_at,
                updated_at: f.time("updated-at", created_at)?,
            },
        ));
    }
    for (record, group) in groups {
        builder.add_department(GROUPS, &record, NAMES, group)?;
    }

    // A user's memberships wait for every group to be read; each names its user's label by
    // place in `labels` (a million copies of the labels cost a second).
    let mut memberships = Vec::new();
    let mut labels: Vec<(String, String)> = Vec::new();
    let mut place = 0;
    for page in 1.. {
        let file = users_page(page);
        if files.get(&file).is_none() {
            if page == 1 {
                files.require(USERS)?;
            }
            break;
        }
        let doc = pages.get(page)?;
        for value in records(&file, &doc, "users", "user")? {
            let email_text = match value.get("email") {
                Some(XmlValue::Text(t)) => t.as_str(),
                _ => "",
            };
            let record = label(place, email_text);
            place += 1;
            let f = Fields {
                file: &file,
                record: &record,
                value,
            };
            let id = AgentId(f.id()?);
            let email = Email::parse(email_text).map_err(|r| f.bad("email", r))?;
            let role = ZendeskRole::from_number(f.integer("roles")?)
                .ok_or_else(|| f.bad("roles", "must be 0, 2 or 4"))?;
            let created_at = f.time("created-at", now)?;
            let agent = Agent {
                id,
                uid: UserUid::generate(),
                username: builder.username_for(email.as_str()),
                display_name: f.text("name")?.unwrap_or_default().to_owned(),
                email,
                roles: role.roles(),
                active: f.boolean("is-active")?,
                time_zone: f.text("time-zone")?.map(str::to_owned),
                presence: Presence::Offline,
                accepts_chats: true,
                created_at,
                updated_at: f.time("updated-at", created_at)?,
                credentials: Credentials::default(),
            };
            builder.add_agent(&file, &record, NAMES, agent)?;
            let user = labels.len();
            match value.get("groups") {
                None | Some(XmlValue::Nil(_)) => {}
                Some(XmlValue::Array { items, .. }) => {
                    for item in items {
                        let g = Fields {
                            file: &file,
                            record: &record,
                            value: &item.value,
                        };
                        let group = u64::try_from(g.integer("id").map_err(|_| {
                            f.bad("groups", "a nested <group> has no integer <id>")
                        })?)
                        .map_err(|_| f.bad("groups", "a nested group id must be positive"))?;
                        memberships.push((user, DepartmentId(group), id));
                    }
                }
                Some(_) => return Err(f.bad("groups", "must be type=\"array\"")),
            }
            labels.push((file.clone(), record));
        }
    }
    for (user, group, agent) in memberships {
        let (file, record) = &labels[user];
        builder.add_member(file, record, "groups", group, agent, None, 0, 0, None)?;
    }
    builder.finish()
}
