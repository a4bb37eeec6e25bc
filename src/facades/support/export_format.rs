//! The `zendesk-support` export format (docs/migration.md): `groups.json`,
//! `group_memberships.json` and `users.json`, the bodies of `GET /api/v2/groups.json`,
//! `/api/v2/group_memberships.json` and `/api/v2/users.json`. One page (up to 100 records) is
//! one body, as the offset pagination answers it; more are the cursor pages' bodies
//! (`?page[size]=100`, then each `links.next`) as one array, since offset pagination stops at
//! 10 000 records.
//!
//! Every record goes through the facade's own selection and encoders (`memberships::shown`,
//! `users::listed`, `mapping::group_out`, `mapping::membership_out_with`, `users::user_out_with`), so an
//! export is byte for byte what the facade answers for the same tenant (tests/api/migration/
//! support_bodies.rs). Reading takes back what the model keeps of those bodies: a membership's
//! `id` and `default` (the link's id and primary mark), a user's `default_group_id` (the same
//! mark, which must agree).
//!
//! The Support API shows no deleted group, no deleted (inactive) user, no membership of either,
//! no login names, no Rocket.Chat ids, no Zopim settings, and one role name per user.

use std::collections::HashMap;
use std::ops::Bound;

use serde::{Deserialize, Serialize};

use super::mapping::{Site as SupportSite, default_group, group_out, membership_out_with};
use super::memberships::shown;
use super::page::{self, LinkBase, Request};
use super::users::{listed, roles_named, user_out_with};
use super::wire::List;
use crate::migration::build::Names;
use crate::migration::{
    Builder, Carries, Files, Format, MigrationError, Site, json_file, label, parse_time,
};
use crate::model::{
    Agent, AgentId, Credentials, Department, DepartmentId, DepartmentName, Email, Membership,
    ObjectId, Presence, Routing, Settings, State, Timestamp, UserUid,
};

const GROUPS: &str = "groups.json";
const MEMBERSHIPS: &str = "group_memberships.json";
const USERS: &str = "users.json";

const NAMES: Names = Names {
    id: "id",
    uid: "id",
    email: "email",
    username: "email",
};

static CARRIES: Carries = Carries {
    department: &[
        "id",
        "name",
        "description",
        "public",
        "created_at",
        "updated_at",
    ],
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

pub struct SupportFormat;

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, MigrationError> {
    serde_json::to_vec(value).map_err(|e| MigrationError::Io(format!("encoding: {e}")))
}

/// The list's body: one offset page, or the cursor pages as an array.
fn list<T: Serialize>(
    key: &str,
    url: &str,
    records: Vec<(u64, T)>,
) -> Result<Vec<u8>, MigrationError> {
    let links = LinkBase { url, rest: &[] };
    let walk = |low: Bound<u64>, high: Bound<u64>| -> page::Walk<'_, (u64, &T)> {
        let start = records.partition_point(|(id, _)| match low {
            Bound::Included(l) => *id < l,
            Bound::Excluded(l) => *id <= l,
            Bound::Unbounded => false,
        });
        let end = records.partition_point(|(id, _)| match high {
            Bound::Included(h) => *id <= h,
            Bound::Excluded(h) => *id < h,
            Bound::Unbounded => true,
        });
        Box::new(
            records[start..end.max(start)]
                .iter()
                .map(|(id, r)| (*id, (*id, r))),
        )
    };
    if records.len() <= page::MAX_PAGE {
        let request = Request::Offset {
            page: 1,
            per_page: page::MAX_PAGE,
            explicit: false,
        };
        let (found, paging) = page::window(&request, &links, || records.len(), walk);
        let found: Vec<&T> = found.into_iter().map(|(_, r)| r).collect();
        return encode(&List {
            key,
            records: &found,
            paging,
        });
    }
    // The pages' bodies, each as the route answers it, joined into one JSON array as they are
    // written (a million memberships as JSON values would take gigabytes).
    let mut pages = b"[".to_vec();
    let mut from = None;
    loop {
        let request = Request::Cursor {
            size: page::MAX_PAGE,
            from,
        };
        let (found, paging) = page::window(&request, &links, || records.len(), walk);
        let more = matches!(&paging, super::wire::Paging::Cursor { meta, .. } if meta.has_more);
        let last = found.last().map(|(id, _)| *id);
        let found: Vec<&T> = found.into_iter().map(|(_, r)| r).collect();
        if pages.len() > 1 {
            pages.push(b',');
        }
        pages.extend(encode(&List {
            key,
            records: &found,
            paging,
        })?);
        match (more, last) {
            (true, Some(id)) => from = Some(page::Cursor::After(id)),
            _ => break,
        }
    }
    pages.push(b']');
    Ok(pages)
}

#[derive(Deserialize)]
struct GroupsBody {
    groups: Vec<GroupIn>,
}

#[derive(Deserialize)]
struct GroupIn {
    id: u64,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default = "yes")]
    is_public: bool,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
}

#[derive(Deserialize)]
struct UsersBody {
    users: Vec<UserIn>,
}

#[derive(Deserialize)]
struct UserIn {
    id: u64,
    email: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default = "yes")]
    active: bool,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    default_group_id: Option<u64>,
}

#[derive(Deserialize)]
struct MembershipsBody {
    group_memberships: Vec<MembershipIn>,
}

#[derive(Deserialize)]
struct MembershipIn {
    #[serde(default)]
    id: Option<u64>,
    user_id: u64,
    group_id: u64,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    updated_at: Option<String>,
}

fn yes() -> bool {
    true
}

/// A body or the pages' bodies, as one list of bodies.
fn bodies<'a, T: Deserialize<'a>>(file: &str, bytes: &'a [u8]) -> Result<Vec<T>, MigrationError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        json_file(file, bytes)
    } else {
        Ok(vec![json_file(file, bytes)?])
    }
}

impl Format for SupportFormat {
    fn name(&self) -> &'static str {
        "zendesk-support"
    }

    fn summary(&self) -> &'static str {
        "groups.json, group_memberships.json, users.json: Zendesk Support API v2 list bodies"
    }

    fn carries(&self) -> &'static Carries {
        &CARRIES
    }

    fn recognizes(&self, files: &Files) -> bool {
        files.get(GROUPS).is_some()
    }

    fn write(&self, state: &State, site: &Site) -> Result<Files, MigrationError> {
        let support = SupportSite {
            origin: site.origin.clone(),
        };
        let url = |collection: &str| format!("{}/api/v2/{collection}.json", site.origin);
        let default = default_group(state);
        let groups: Vec<_> = state
            .departments()
            .filter(|d| d.active)
            .map(|d| (d.id.0, group_out(&support, default, d)))
            .collect();
        // Each user's primary link, found once per user for the user and all its links rather
        // than once per link (which walks all the user's links each time).
        let mut primaries: HashMap<AgentId, Option<&Membership>> = HashMap::new();
        let mut primary_of = |agent: AgentId| {
            *primaries
                .entry(agent)
                .or_insert_with(|| state.primary_link_of(agent))
        };
        let memberships: Vec<_> = state
            .memberships_in(..)
            .filter(|m| shown(state, m))
            .map(|m| {
                let primary = primary_of(m.agent).map(|p| p.id);
                (m.id.0, membership_out_with(&support, primary, m))
            })
            .collect();
        let users: Vec<_> = state
            .agents()
            .filter(|a| listed(a))
            .map(|a| (a.id.0, user_out_with(&support, a, primary_of(a.id))))
            .collect();
        let mut files = Files::new();
        files.insert(GROUPS, list("groups", &url("groups"), groups)?);
        files.insert(
            MEMBERSHIPS,
            list("group_memberships", &url("group_memberships"), memberships)?,
        );
        files.insert(USERS, list("users", &url("users"), users)?);
        Ok(files)
    }

    fn read(&self, files: &Files) -> Result<State, MigrationError> {
        let mut builder = Builder::new(Timestamp::now());
        let now = builder.now();
        let time_of =
            |file: &str, record: &str, field: &str, text: Option<String>, default: Timestamp| {
                match text {
                    Some(t) => parse_time(file, record, field, &t),
                    None => Ok(default),
                }
            };
        let users: Vec<UsersBody> = bodies(USERS, files.require(USERS)?)?;
        // Each `default_group_id` given, checked once the memberships are read.
        let mut default_groups = Vec::new();
        for (i, u) in users.into_iter().flat_map(|b| b.users).enumerate() {
            let record = label(i, &u.email);
            if let Some(group) = u.default_group_id {
                default_groups.push((record.clone(), AgentId(u.id), DepartmentId(group)));
            }
            let bad =
                |field: &str, reason: &str| MigrationError::invalid(USERS, &record, field, reason);
            if u.id == 0 {
                return Err(bad("id", "must be a positive integer"));
            }
            let email = Email::parse(&u.email).map_err(|r| bad("email", r))?;
            // A user without a role is an agent: the export holds the staff a migration moves.
            let roles = roles_named(u.role.as_deref().unwrap_or("agent"))
                .ok_or_else(|| bad("role", "must be admin, agent or end-user"))?;
            let created_at = time_of(USERS, &record, "created_at", u.created_at, now)?;
            let agent = Agent {
                id: AgentId(u.id),
                uid: UserUid::generate(),
                username: builder.username_for(email.as_str()),
                display_name: u.name.unwrap_or_default(),
                email,
                roles,
                active: u.active,
                time_zone: u.time_zone,
                presence: Presence::Offline,
                accepts_chats: true,
                created_at,
                updated_at: time_of(USERS, &record, "updated_at", u.updated_at, created_at)?,
                credentials: Credentials::default(),
            };
            builder.add_agent(USERS, &record, NAMES, agent)?;
        }
        let groups: Vec<GroupsBody> = bodies(GROUPS, files.require(GROUPS)?)?;
        for (i, g) in groups.into_iter().flat_map(|b| b.groups).enumerate() {
            let record = label(i, &g.name);
            let bad =
                |field: &str, reason: &str| MigrationError::invalid(GROUPS, &record, field, reason);
            let name = DepartmentName::parse(&g.name).map_err(|r| bad("name", r))?;
            let created_at = time_of(GROUPS, &record, "created_at", g.created_at, now)?;
            let department = Department {
                id: DepartmentId(g.id),
                uid: ObjectId::generate(now),
                name,
                description: g.description.filter(|d| !d.is_empty()),
                enabled: !g.deleted,
                email: None,
                show_on_registration: true,
                show_on_offline_form: true,
                public: g.is_public,
                settings: Settings::default(),
                routing: Routing::default(),
                active: !g.deleted,
                ever_inactive: false,
                members_changed_at: None,
                created_at,
                updated_at: time_of(GROUPS, &record, "updated_at", g.updated_at, created_at)?,
            };
            builder.add_department(GROUPS, &record, NAMES, department)?;
        }
        let memberships: Vec<MembershipsBody> = bodies(MEMBERSHIPS, files.require(MEMBERSHIPS)?)?;
        let mut defaults: HashMap<AgentId, DepartmentId> = HashMap::new();
        for (i, m) in memberships
            .into_iter()
            .flat_map(|b| b.group_memberships)
            .enumerate()
        {
            let record = format!("[{i}] (user {}, group {})", m.user_id, m.group_id);
            let (group, user) = (DepartmentId(m.group_id), AgentId(m.user_id));
            if !builder.has_agent(user) {
                return Err(MigrationError::invalid(
                    MEMBERSHIPS,
                    &record,
                    "user_id",
                    format!("{} is not a user of users.json", m.user_id),
                ));
            }
            if !builder.has_department(group) {
                return Err(MigrationError::invalid(
                    MEMBERSHIPS,
                    &record,
                    "group_id",
                    format!("{} is not a group of groups.json", m.group_id),
                ));
            }
            let updated_at = m
                .updated_at
                .map(|t| parse_time(MEMBERSHIPS, &record, "updated_at", &t))
                .transpose()?;
            let id =
                m.id.map(|id| builder.link_id(MEMBERSHIPS, &record, "id", id))
                    .transpose()?;
            let link = builder.add_member(
                MEMBERSHIPS,
                &record,
                "user_id",
                group,
                user,
                None,
                0,
                0,
                updated_at,
            )?;
            link.primary = m.default;
            if let Some(id) = id {
                link.id = id;
            }
            if m.default
                && let Some(other) = defaults.insert(user, group)
            {
                return Err(MigrationError::invalid(
                    MEMBERSHIPS,
                    &record,
                    "default",
                    format!(
                        "user {} already has a default membership (group {})",
                        m.user_id, other.0
                    ),
                ));
            }
        }
        // `default_group_id` is the group of the user's default membership: one the user is a
        // member of, and the one a membership marked `default`, if any.
        for (record, user, group) in default_groups {
            let bad = |reason: String| {
                MigrationError::invalid(USERS, &record, "default_group_id", reason)
            };
            if let Some(marked) = defaults.get(&user).filter(|marked| **marked != group) {
                return Err(bad(format!(
                    "{} is not the group of the user's default membership ({}) in {MEMBERSHIPS}",
                    group.0, marked.0
                )));
            }
            match builder.link_mut(group, user) {
                Some(link) => link.primary = true,
                None => {
                    return Err(bad(format!(
                        "{} is not a group of the user's memberships in {MEMBERSHIPS}",
                        group.0
                    )));
                }
            }
        }
        builder.finish()
    }
}
