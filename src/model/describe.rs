//! A write's changes in words, for people reading the request journal: `department 12: name
//! Sales → Sales EU`, `agent 3 joined department 12`. Each record-level [`Change`] is compared
//! with the record it replaces in the state before the write. Secrets never appear: a password
//! or a token is only said to have changed.

use super::agent::Agent;
use super::change::Change;
use super::department::Department;
use super::state::State;

/// The changes from `before` to `after`, one line each (the id counters are left out).
pub(super) fn changes(before: &State, after: &State) -> Vec<String> {
    after
        .changes_since(before)
        .iter()
        .filter_map(|change| describe(before, change))
        .collect()
}

fn describe(before: &State, change: &Change) -> Option<String> {
    Some(match change {
        Change::PutDepartment(d) => match before.department(d.id) {
            // A record only touched (its update time, when its members changed) says nothing.
            Some(old) => format!("department {}: {}", d.id, department_diff(old, d)?),
            None => format!("department {} created: name {}", d.id, d.name.as_str()),
        },
        Change::DeleteDepartment(id) => match before.department(*id) {
            Some(old) => format!("department {id} deleted (name {})", old.name.as_str()),
            None => format!("department {id} deleted"),
        },
        Change::PutAgent(a) => match before.agent(a.id) {
            Some(old) => format!("agent {}: {}", a.id, agent_diff(old, a)?),
            None => format!("agent {} created: username {}", a.id, a.username.as_str()),
        },
        Change::DeleteAgent(id) => format!("agent {id} deleted"),
        Change::PutMembership(m) => match before.membership(m.department, m.agent) {
            None => format!("agent {} joined department {}", m.agent, m.department),
            Some(old) => {
                let mut parts = Vec::new();
                field(&mut parts, "order", &old.order, &m.order);
                field(&mut parts, "count", &old.count, &m.count);
                field(&mut parts, "primary", &old.primary, &m.primary);
                if parts.is_empty() {
                    return None;
                }
                format!(
                    "agent {} in department {}: {}",
                    m.agent,
                    m.department,
                    parts.join(", ")
                )
            }
        },
        Change::DeleteMembership(department, agent) => {
            format!("agent {agent} left department {department}")
        }
        Change::PutSetting(name, value) => match before.setting(name) {
            Some(old) => format!("setting {name}: {old} → {value}"),
            None => format!("setting {name} set to {value}"),
        },
        Change::RemoveSetting(name) => format!("setting {name} removed"),
        // A session's token is a secret: only that one began or ended is said.
        Change::PutSession(agent, _) => format!("agent {agent}: a login session began"),
        Change::DeleteSession(agent, _) => format!("agent {agent}: a login session ended"),
        Change::PutUnit(unit) => match before.unit(&unit.uid) {
            Some(_) => format!("unit {}: saved (name {})", unit.uid, unit.name),
            None => format!("unit {} created: name {}", unit.uid, unit.name),
        },
        Change::DeleteUnit(uid) => format!("unit {uid} deleted"),
        // A contact's token is the widget's credential: the contact is named by its number.
        Change::PutContact(contact) => match before.contact(contact.token.as_str()) {
            Some(_) => format!("contact guest-{} updated", contact.number),
            None => format!("contact guest-{} registered", contact.number),
        },
        Change::AddOfflineMessage(message) => match message.department {
            Some(department) => format!("offline message left for department {department}"),
            None => "offline message left".to_owned(),
        },
        // Written by journals older than sessions; a write never makes one.
        Change::LegacyPutAgent(_) | Change::NextIds { .. } => return None,
    })
}

/// `name → name` for a field whose value changed.
fn field<T: PartialEq + std::fmt::Display + ?Sized>(
    parts: &mut Vec<String>,
    name: &str,
    old: &T,
    new: &T,
) {
    if old != new {
        parts.push(format!("{name} {old} → {new}"));
    }
}

/// An optional text, as the journal shows it.
fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("(none)")
}

fn department_diff(old: &Department, new: &Department) -> Option<String> {
    let mut parts = Vec::new();
    field(&mut parts, "name", old.name.as_str(), new.name.as_str());
    field(
        &mut parts,
        "description",
        text(&old.description),
        text(&new.description),
    );
    field(&mut parts, "enabled", &old.enabled, &new.enabled);
    field(&mut parts, "email", text(&old.email), text(&new.email));
    field(
        &mut parts,
        "show_on_registration",
        &old.show_on_registration,
        &new.show_on_registration,
    );
    field(
        &mut parts,
        "show_on_offline_form",
        &old.show_on_offline_form,
        &new.show_on_offline_form,
    );
    field(&mut parts, "public", &old.public, &new.public);
    field(&mut parts, "active", &old.active, &new.active);
    if old.settings != new.settings {
        parts.push("settings changed".to_owned());
    }
    if old.routing != new.routing {
        parts.push("routing options changed".to_owned());
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn agent_diff(old: &Agent, new: &Agent) -> Option<String> {
    let mut parts = Vec::new();
    field(
        &mut parts,
        "username",
        old.username.as_str(),
        new.username.as_str(),
    );
    field(
        &mut parts,
        "display_name",
        &old.display_name,
        &new.display_name,
    );
    field(&mut parts, "email", old.email.as_str(), new.email.as_str());
    let roles = |a: &Agent| {
        a.roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    field(&mut parts, "roles", &roles(old), &roles(new));
    field(&mut parts, "active", &old.active, &new.active);
    field(
        &mut parts,
        "time_zone",
        text(&old.time_zone),
        text(&new.time_zone),
    );
    field(
        &mut parts,
        "presence",
        old.presence.as_str(),
        new.presence.as_str(),
    );
    field(
        &mut parts,
        "accepts_chats",
        &old.accepts_chats,
        &new.accepts_chats,
    );
    // Secrets are only said to have changed.
    if old.credentials.password != new.credentials.password {
        parts.push("password changed".to_owned());
    }
    let (was, is) = (old.credentials.tokens.len(), new.credentials.tokens.len());
    if is > was {
        parts.push(format!("{} token(s) issued", is - was));
    } else if is < was {
        parts.push(format!("{} token(s) revoked", was - is));
    } else if old.credentials.tokens != new.credentials.tokens {
        parts.push("tokens changed".to_owned());
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}
