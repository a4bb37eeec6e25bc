//! The fields of the model's records as migration sees them: one name per field (the fixture
//! format's names), a value to compare, and [`Carries`], the fields a format holds.
//!
//! Values are compared as JSON. A department named by another record (a fallback department)
//! is compared by name, so that two states that number their departments differently can still
//! be equal; times are RFC 3339 with milliseconds.

use serde_json::{Value, json};

use crate::model::{Agent, Department, Membership, State, Timestamp};

/// A department's fields.
pub const DEPARTMENT: &[&str] = &[
    "id",
    "uid",
    "name",
    "description",
    "enabled",
    "active",
    "email",
    "show_on_registration",
    "show_on_offline_form",
    "public",
    "settings",
    "routing",
    "created_at",
    "updated_at",
];

/// An agent's fields (secrets are never compared nor converted).
pub const AGENT: &[&str] = &[
    "id",
    "uid",
    "username",
    "display_name",
    "email",
    "roles",
    "active",
    "time_zone",
    "presence",
    "accepts_chats",
    "created_at",
    "updated_at",
];

/// A membership's own fields; that it exists is carried by every format.
pub const MEMBERSHIP: &[&str] = &["uid", "order", "count", "updated_at"];

/// Fields that identify a record rather than describe it.
pub fn is_identity(field: &str) -> bool {
    matches!(field, "id" | "uid")
}

/// Fields that say when, not what.
pub fn is_time(field: &str) -> bool {
    matches!(field, "created_at" | "updated_at")
}

/// The fields a format holds, per kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carries {
    pub department: &'static [&'static str],
    pub agent: &'static [&'static str],
    pub membership: &'static [&'static str],
}

impl Carries {
    /// Every field: the canonical format, and a tenant.
    pub const ALL: Carries = Carries {
        department: DEPARTMENT,
        agent: AGENT,
        membership: MEMBERSHIP,
    };

    pub fn of(&self, kind: Kind) -> &'static [&'static str] {
        match kind {
            Kind::Department => self.department,
            Kind::Agent => self.agent,
            Kind::Membership => self.membership,
        }
    }
}

/// A kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Department,
    Agent,
    Membership,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Department => "department",
            Kind::Agent => "agent",
            Kind::Membership => "membership",
        }
    }

    /// Every field of this kind, in order.
    pub fn fields(self) -> &'static [&'static str] {
        Carries::ALL.of(self)
    }
}

pub fn time(at: Timestamp) -> Value {
    // A loss report can name the same two times a million times over (the source's links all
    // dated alike, and every link read back dated at once): the last two times formatted are
    // kept, and their text copied.
    thread_local! {
        static RECENT: std::cell::RefCell<[Option<(Timestamp, String)>; 2]> =
            const { std::cell::RefCell::new([None, None]) };
    }
    RECENT.with_borrow_mut(|recent| {
        if let Some((_, text)) = recent.iter().flatten().find(|(seen, _)| *seen == at) {
            return Value::String(text.clone());
        }
        let format = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        let text = at.to_offset_date_time().format(&format).unwrap_or_default();
        recent.swap(0, 1);
        recent[0] = Some((at, text.clone()));
        Value::String(text)
    })
}

fn optional(text: Option<&str>) -> Value {
    text.map_or(Value::Null, |t| Value::String(t.to_owned()))
}

/// A department's field as a comparable value.
pub fn department_value(state: &State, d: &Department, field: &str) -> Value {
    match field {
        "id" => json!(d.id.0),
        "uid" => json!(d.uid.to_string()),
        "name" => json!(d.name.as_str()),
        "description" => optional(d.description.as_deref()),
        "enabled" => json!(d.enabled),
        "active" => json!(d.active),
        "email" => optional(d.email.as_deref()),
        "show_on_registration" => json!(d.show_on_registration),
        "show_on_offline_form" => json!(d.show_on_offline_form),
        "public" => json!(d.public),
        "settings" => Value::Object((**d.settings.shared()).clone()),
        "routing" => {
            let mut routing = serde_json::to_value(&*d.routing).unwrap_or(Value::Null);
            // Another department is named by its name: ids differ between states.
            if let Some(fallback) = d.routing.fallback_department {
                routing["fallback_department"] = state
                    .department(fallback)
                    .map_or(json!(fallback.0), |f| json!(f.name.as_str()));
            }
            routing
        }
        "created_at" => time(d.created_at),
        "updated_at" => time(d.updated_at),
        _ => Value::Null,
    }
}

/// An agent's field as a comparable value.
pub fn agent_value(a: &Agent, field: &str) -> Value {
    match field {
        "id" => json!(a.id.0),
        "uid" => json!(a.uid.as_str()),
        "username" => json!(a.username.as_str()),
        "display_name" => json!(a.display_name),
        "email" => json!(a.email.as_str()),
        "roles" => a.roles.iter().map(|r| r.as_str()).collect(),
        "active" => json!(a.active),
        "time_zone" => optional(a.time_zone.as_deref()),
        "presence" => json!(a.presence.as_str()),
        "accepts_chats" => json!(a.accepts_chats),
        "created_at" => time(a.created_at),
        "updated_at" => time(a.updated_at),
        _ => Value::Null,
    }
}

/// A membership's field as a comparable value.
pub fn membership_value(m: &Membership, field: &str) -> Value {
    match field {
        "uid" => json!(m.uid.to_string()),
        "order" => json!(m.order),
        "count" => json!(m.count),
        "updated_at" => time(m.updated_at),
        _ => Value::Null,
    }
}

/// Whether a department's field is the same on both sides: [`department_value`]'s equality
/// without building the values (most fields of most records are the same, and a million JSON
/// values cost seconds).
pub fn same_department(
    sa: &State,
    a: &Department,
    sb: &State,
    b: &Department,
    field: &str,
) -> bool {
    let fallback = |s: &State, d: &Department| {
        d.routing
            .fallback_department
            .map(|f| s.department(f).map(|x| x.name.clone()).ok_or(f))
    };
    match field {
        "id" => a.id == b.id,
        "uid" => a.uid == b.uid,
        "name" => a.name == b.name,
        "description" => a.description == b.description,
        "enabled" => a.enabled == b.enabled,
        "active" => a.active == b.active,
        "email" => a.email == b.email,
        "show_on_registration" => a.show_on_registration == b.show_on_registration,
        "show_on_offline_form" => a.show_on_offline_form == b.show_on_offline_form,
        "public" => a.public == b.public,
        "settings" => a.settings == b.settings,
        "routing" => {
            let (ra, rb) = (&*a.routing, &*b.routing);
            ra.request_tag_before_closing == rb.request_tag_before_closing
                && ra.closing_tags == rb.closing_tags
                && ra.offline_message_channel == rb.offline_message_channel
                && ra.unit == rb.unit
                && ra.custom == rb.custom
                && fallback(sa, a) == fallback(sb, b)
        }
        "created_at" => a.created_at == b.created_at,
        "updated_at" => a.updated_at == b.updated_at,
        _ => department_value(sa, a, field) == department_value(sb, b, field),
    }
}

/// [`agent_value`]'s equality without the values.
pub fn same_agent(a: &Agent, b: &Agent, field: &str) -> bool {
    match field {
        "id" => a.id == b.id,
        "uid" => a.uid == b.uid,
        "username" => a.username == b.username,
        "display_name" => a.display_name == b.display_name,
        "email" => a.email == b.email,
        "roles" => a.roles == b.roles,
        "active" => a.active == b.active,
        "time_zone" => a.time_zone == b.time_zone,
        "presence" => a.presence == b.presence,
        "accepts_chats" => a.accepts_chats == b.accepts_chats,
        "created_at" => a.created_at == b.created_at,
        "updated_at" => a.updated_at == b.updated_at,
        _ => agent_value(a, field) == agent_value(b, field),
    }
}

/// [`membership_value`]'s equality without the values.
pub fn same_membership(a: &Membership, b: &Membership, field: &str) -> bool {
    match field {
        "uid" => a.uid == b.uid,
        "order" => a.order == b.order,
        "count" => a.count == b.count,
        "updated_at" => a.updated_at == b.updated_at,
        _ => membership_value(a, field) == membership_value(b, field),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_of_each_kind_has_a_value() {
        let state = crate::fixtures::FixtureFile::parse(crate::fixtures::DEFAULT, Timestamp::now())
            .unwrap()
            .into_state()
            .unwrap();
        let d = state.departments().next().unwrap();
        let a = state.agents().next().unwrap();
        for field in DEPARTMENT {
            let value = department_value(&state, d, field);
            assert!(
                !value.is_null() || matches!(*field, "description" | "email"),
                "{field}"
            );
        }
        for field in AGENT {
            assert!(
                !agent_value(a, field).is_null() || *field == "time_zone",
                "{field}"
            );
        }
    }
}
