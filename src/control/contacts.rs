//! `GET /_gateway/tenants/{name}/contacts`: the contacts a tenant's chat widgets registered and
//! the messages left while no agent was there, in the gateway's own words (docs/tenants.md,
//! docs/widget.md). The vendors have no route that lists these, so this is how a test or a team
//! sees what its widget sent.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::model::{Contact, OfflineMessage, State, Timestamp};

/// The answer.
#[derive(Debug, Serialize)]
pub struct ContactsBody<'a> {
    /// By token.
    pub contacts: Vec<ContactOut<'a>>,
    /// Oldest first.
    pub offline_messages: Vec<OfflineMessageOut<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ContactOut<'a> {
    pub token: &'a str,
    pub uid: &'a str,
    pub number: u64,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// The department's integer id.
    pub department: Option<u64>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize)]
pub struct OfflineMessageOut<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub message: &'a str,
    pub department: Option<u64>,
    pub host: Option<&'a str>,
    pub received_at: String,
}

fn time(at: Timestamp) -> String {
    at.to_offset_date_time()
        .format(&Rfc3339)
        .unwrap_or_default()
}

impl<'a> ContactsBody<'a> {
    pub fn of(state: &'a State) -> Self {
        let contact = |c: &'a Contact| ContactOut {
            token: c.token.as_str(),
            uid: c.uid.as_str(),
            number: c.number,
            name: c.name.as_deref(),
            email: c.email.as_deref(),
            phone: c.phone.as_deref(),
            department: c.department.map(|d| d.0),
            created_at: time(c.created_at),
            updated_at: time(c.updated_at),
        };
        let message = |m: &'a OfflineMessage| OfflineMessageOut {
            name: &m.name,
            email: &m.email,
            message: &m.message,
            department: m.department.map(|d| d.0),
            host: m.host.as_deref(),
            received_at: time(m.received_at),
        };
        Self {
            contacts: state.contacts().map(|c| contact(c)).collect(),
            offline_messages: state.offline_messages().map(|m| message(m)).collect(),
        }
    }
}
