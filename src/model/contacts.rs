//! What the store does with contacts and left messages: the reads, the two commands, and their
//! record-level changes for the journal (diff, snapshot, replay). The records are `contact.rs`.

use std::sync::Arc;

use imbl::ordmap::DiffItem;

use super::change::Change;
use super::command::Outcome;
use super::contact::{Contact, ContactDetails, ContactToken, OfflineMessage};
use super::error::ModelError;
use super::ids::{Timestamp, UserUid};
use super::state::State;

impl State {
    /// The contact with this token.
    pub fn contact(&self, token: &str) -> Option<&Arc<Contact>> {
        self.contacts.get(token)
    }

    /// Every contact, by token.
    pub fn contacts(&self) -> impl Iterator<Item = &Arc<Contact>> {
        self.contacts.values()
    }

    /// The messages left while no agent was there, oldest first.
    pub fn offline_messages(&self) -> impl Iterator<Item = &Arc<OfflineMessage>> {
        self.offline_messages.iter()
    }

    /// Adds the contact, numbered after every contact so far, or updates the one with this
    /// token with what `details` gives. A department named must exist.
    pub(super) fn save_contact(
        &mut self,
        token: ContactToken,
        details: ContactDetails,
        now: Timestamp,
    ) -> Result<Outcome, ModelError> {
        if let Some(id) = details.department {
            self.require_department(id)?;
        }
        let ContactDetails {
            name,
            email,
            phone,
            department,
        } = details;
        let contact = match self.contacts.get(token.as_str()) {
            Some(old) => Contact {
                name: name.or_else(|| old.name.clone()),
                email: email.or_else(|| old.email.clone()),
                phone: phone.or_else(|| old.phone.clone()),
                department: department.or(old.department),
                updated_at: now,
                ..Contact::clone(old)
            },
            None => Contact {
                token: token.clone(),
                // 17 random characters of 54: a clash is all but impossible (as in Meteor).
                uid: UserUid::generate(),
                number: self.contacts.len() as u64 + 1,
                name,
                email,
                phone,
                department,
                created_at: now,
                updated_at: now,
            },
        };
        self.contacts
            .insert(Arc::from(token.as_str()), Arc::new(contact));
        Ok(Outcome::Contact)
    }

    /// Keeps a left message after the others. A department named must exist.
    pub(super) fn record_offline_message(
        &mut self,
        message: OfflineMessage,
    ) -> Result<Outcome, ModelError> {
        if let Some(id) = message.department {
            self.require_department(id)?;
        }
        self.offline_messages.push_back(Arc::new(message));
        Ok(Outcome::OfflineMessage)
    }

    /// The contact changes from `before` to `self` (messages are only ever appended).
    pub(super) fn contact_changes_since(&self, before: &State) -> Vec<Change> {
        let mut changes: Vec<Change> = before
            .contacts
            .diff(&self.contacts)
            .filter_map(|item| match item {
                DiffItem::Add(_, c) | DiffItem::Update { new: (_, c), .. } => {
                    Some(Change::PutContact(Contact::clone(c)))
                }
                // No command removes a contact.
                DiffItem::Remove(..) => None,
            })
            .collect();
        changes.extend(
            self.offline_messages
                .iter()
                .skip(before.offline_messages.len())
                .map(|m| Change::AddOfflineMessage(OfflineMessage::clone(m))),
        );
        changes
    }

    /// Every contact and message, as the changes that rebuild them.
    pub(super) fn contact_records(&self) -> impl Iterator<Item = Change> + '_ {
        let contacts = self
            .contacts
            .values()
            .map(|c| Change::PutContact(Contact::clone(c)));
        let messages = self
            .offline_messages
            .iter()
            .map(|m| Change::AddOfflineMessage(OfflineMessage::clone(m)));
        contacts.chain(messages)
    }

    /// Replays a contact put by the journal.
    pub(super) fn put_contact(&mut self, contact: Contact) {
        self.contacts
            .insert(Arc::from(contact.token.as_str()), Arc::new(contact));
    }

    /// Replays a message appended by the journal.
    pub(super) fn add_offline_message(&mut self, message: OfflineMessage) {
        self.offline_messages.push_back(Arc::new(message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Command, DepartmentId, Store};

    fn token(s: &str) -> ContactToken {
        ContactToken::parse(s).unwrap()
    }

    #[tokio::test]
    async fn a_contact_is_numbered_once_and_updated_in_place_and_replays() {
        let store = Store::new(State::empty());
        let before = store.view();
        let details = ContactDetails {
            name: Some("Ada".into()),
            ..ContactDetails::default()
        };
        store
            .apply(Command::SaveContact {
                token: token("t1"),
                details,
            })
            .await
            .unwrap();
        let email = ContactDetails {
            email: Some("ada@example.com".into()),
            ..ContactDetails::default()
        };
        let (view, _) = store
            .apply(Command::SaveContact {
                token: token("t1"),
                details: email,
            })
            .await
            .unwrap();
        let contact = view.contact("t1").unwrap();
        assert_eq!(contact.number, 1);
        assert_eq!(contact.name.as_deref(), Some("Ada"));
        assert_eq!(contact.email.as_deref(), Some("ada@example.com"));

        let replayed = State::clone(&before)
            .with_changes(view.changes_since(&before))
            .unwrap();
        assert_eq!(replayed.contact("t1"), Some(contact));
        let rebuilt = State::empty().with_changes(view.to_changes()).unwrap();
        assert_eq!(rebuilt.contact("t1"), Some(contact));
    }

    #[tokio::test]
    async fn a_contact_or_message_naming_no_department_changes_nothing() {
        let store = Store::new(State::empty());
        let details = ContactDetails {
            department: Some(DepartmentId(99)),
            ..ContactDetails::default()
        };
        let refused = store
            .apply(Command::SaveContact {
                token: token("t1"),
                details,
            })
            .await;
        assert_eq!(
            refused.unwrap_err(),
            ModelError::DepartmentNotFound(DepartmentId(99))
        );
        assert!(store.view().contact("t1").is_none());
    }
}
