//! Support wire types <-> model: bodies become commands only through these conversions, and
//! model records become wire objects only through them.

use super::error::{Invalid, SupportError};
use super::wire::{GroupIn, GroupOut, MembershipOut};
use crate::model::{
    Department, DepartmentId, DepartmentName, DepartmentPatch, Membership, MembershipId,
    NewDepartment, State, Timestamp, department,
};

/// What a response's URLs start with: `http://{host}{tenant mount}`.
pub struct Site {
    pub origin: String,
}

impl Site {
    /// No origin: every URL is relative to it, for a body kept for every host (`spliced`).
    pub fn bare() -> Self {
        Site {
            origin: String::new(),
        }
    }

    /// `{origin}/api/v2/{collection}/{id}.json`, a record's `url`.
    pub fn record(&self, collection: &str, id: u64) -> String {
        format!("{}/api/v2/{collection}/{id}.json", self.origin)
    }
}

/// `2024-01-15T09:10:00Z`: UTC, whole seconds, as Zendesk writes times (RFC 3339 of the time
/// without its milliseconds).
pub fn time(at: Timestamp) -> String {
    let whole = at
        .to_offset_date_time()
        .replace_nanosecond(0)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    whole
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The account's default group: the active group with the lowest id, the one the account was
/// made with (docs/support.md, "The default group").
pub fn default_group(view: &State) -> Option<DepartmentId> {
    view.departments().find(|d| d.active).map(|d| d.id)
}

pub fn group_out(site: &Site, default: Option<DepartmentId>, group: &Department) -> GroupOut {
    GroupOut {
        url: site.record("groups", group.id.0),
        id: group.id.0,
        is_public: group.public,
        name: group.name.as_str().to_owned(),
        description: group.description.clone().unwrap_or_default(),
        default: default == Some(group.id),
        deleted: !group.active,
        created_at: time(group.created_at),
        updated_at: time(group.updated_at),
    }
}

/// A membership; `default` is whether it is its user's primary link (the one `make_default`
/// marked, else the user's oldest), so each user with a membership has exactly one default.
pub fn membership_out(site: &Site, view: &State, m: &Membership) -> MembershipOut {
    let primary = view.primary_link_of(m.agent).map(|p| p.id);
    membership_out_with(site, primary, m)
}

/// [`membership_out`] given its user's primary link (`State::primary_link_of`), for a list of
/// many links of the same users: finding it walks all the user's links, so once per link would
/// be quadratic (an export of a million links of 1 000 agents took over half an hour).
pub fn membership_out_with(
    site: &Site,
    primary: Option<MembershipId>,
    m: &Membership,
) -> MembershipOut {
    MembershipOut {
        url: site.record("group_memberships", m.id.0),
        id: m.id.0,
        user_id: m.agent.0,
        group_id: m.department.0,
        default: primary == Some(m.id),
        created_at: time(m.created_at),
        updated_at: time(m.updated_at),
    }
}

fn name(value: Option<&str>) -> Result<DepartmentName, Invalid> {
    DepartmentName::parse(value.unwrap_or("")).map_err(|reason| match reason {
        "can't be blank" => Invalid::new("name", "cannot be blank", "BlankValue"),
        other => Invalid::new("name", other, "InvalidValue"),
    })
}

fn description(value: Option<String>) -> Result<Option<String>, Invalid> {
    value
        .filter(|d| !d.is_empty())
        .map(|d| department::parse_description(&d))
        .transpose()
        .map_err(|reason| Invalid::new("description", reason, "InvalidValue"))
}

/// Every problem of a body at once, as Zendesk lists them.
fn all<A, B>(a: Result<A, Invalid>, b: Result<B, Invalid>) -> Result<(A, B), SupportError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => Err(SupportError::Invalid(
            a.err().into_iter().chain(b.err()).collect(),
        )),
    }
}

impl TryFrom<GroupIn> for NewDepartment {
    type Error = SupportError;

    fn try_from(body: GroupIn) -> Result<Self, SupportError> {
        let (name, description) = all(
            name(body.name.flatten().as_deref()),
            description(body.description.flatten()),
        )?;
        let mut department = NewDepartment::named(name);
        department.description = description;
        department.public = body.is_public.unwrap_or(true);
        Ok(department)
    }
}

impl TryFrom<GroupIn> for DepartmentPatch {
    type Error = SupportError;

    fn try_from(body: GroupIn) -> Result<Self, SupportError> {
        let (name, description) = all(
            body.name.map(|n| name(n.as_deref())).transpose(),
            body.description.map(description).transpose(),
        )?;
        Ok(DepartmentPatch {
            name,
            description,
            public: body.is_public,
            ..DepartmentPatch::default()
        })
    }
}
