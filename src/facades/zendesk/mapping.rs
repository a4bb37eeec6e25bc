//! Classic XML wire types <-> model. Bodies become commands only through these conversions, which
//! judge each field as Rails validations would and collect every failure as a full message
//! ("Name can't be blank"), in field order, for one 422 (spec B5). Model records become wire
//! elements only through [`group_out`] and [`user_out`].

use super::error::ZendeskError;
use super::wire::{AgentItem, GroupBody, GroupOut, Scalar, UserBody, UserOut, agent_items};
use super::xml::XmlValue;
use crate::model::{
    Agent, AgentId, Department, DepartmentName, Email, MembersChange, Role, RoleSet, State,
    Timestamp,
};

/// The longest user name or time zone accepted, in characters: classic Zendesk's string columns.
const MAX_TEXT_CHARS: usize = 255;

/// A user's role as classic Zendesk numbers it (spec B3): 0 end user, 2 administrator, 4 agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZendeskRole {
    EndUser,
    Administrator,
    Agent,
}

impl ZendeskRole {
    pub fn from_number(n: i64) -> Option<Self> {
        match n {
            0 => Some(ZendeskRole::EndUser),
            2 => Some(ZendeskRole::Administrator),
            4 => Some(ZendeskRole::Agent),
            _ => None,
        }
    }

    pub fn number(self) -> u8 {
        match self {
            ZendeskRole::EndUser => 0,
            ZendeskRole::Administrator => 2,
            ZendeskRole::Agent => 4,
        }
    }

    /// The model's roles seen through Zendesk's three: an owner or administrator is an
    /// administrator; any other staff role (agent, manager, monitor) is an agent; the rest are end
    /// users.
    pub fn of(roles: RoleSet) -> Self {
        if roles.is_admin() {
            ZendeskRole::Administrator
        } else if roles.is_staff() {
            ZendeskRole::Agent
        } else {
            ZendeskRole::EndUser
        }
    }

    /// The model's roles for a user given this role. "Administrators always have Agent
    /// privileges" (spec B3), so an administrator is also an agent.
    pub fn roles(self) -> RoleSet {
        match self {
            ZendeskRole::EndUser => [Role::EndUser].into_iter().collect(),
            ZendeskRole::Administrator => [Role::Administrator, Role::Agent].into_iter().collect(),
            ZendeskRole::Agent => [Role::Agent].into_iter().collect(),
        }
    }

    /// The roles after setting this role on a user who has `current`: unchanged when Zendesk
    /// already sees the user so (an owner stays owner, a manager stays manager when "set" to
    /// agent), otherwise this role's own set. `None` means no change.
    pub fn replacing(self, current: RoleSet) -> Option<RoleSet> {
        (ZendeskRole::of(current) != self).then(|| self.roles())
    }
}

/// A group to create, decoded.
#[derive(Debug, PartialEq)]
pub struct GroupCreate {
    pub name: DepartmentName,
    pub members: Option<MembersChange>,
}

/// A group update, decoded: `None` leaves the field as it is.
#[derive(Debug, PartialEq)]
pub struct GroupUpdate {
    pub name: Option<DepartmentName>,
    /// `<agents>` absent = unchanged; present = exactly these (spec B4 rules 1, 2).
    pub members: Option<MembersChange>,
}

/// A user to create, decoded. The password is still clear text: hashing is slow and happens in
/// the handler, off the async workers.
#[derive(Debug, PartialEq)]
pub struct UserCreate {
    pub name: String,
    pub email: Email,
    pub role: ZendeskRole,
    pub time_zone: Option<String>,
    pub password: Option<String>,
}

/// A user update, decoded: `None` leaves the field as it is.
#[derive(Debug, Default, PartialEq)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub email: Option<Email>,
    pub role: Option<ZendeskRole>,
    /// `Some(None)` clears it.
    pub time_zone: Option<Option<String>>,
    pub password: Option<String>,
}

/// Collects Rails full messages across fields.
#[derive(Default)]
struct Messages(Vec<String>);

impl Messages {
    fn take<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|m| self.0.push(m)).ok()
    }

    fn take_all<T>(&mut self, result: Result<T, Vec<String>>) -> Option<T> {
        result.map_err(|m| self.0.extend(m)).ok()
    }

    fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, ZendeskError> {
        if !self.0.is_empty() {
            return Err(ZendeskError::Invalid(self.0));
        }
        value().ok_or(ZendeskError::Invalid(Vec::new()))
    }
}

impl TryFrom<GroupBody> for GroupCreate {
    type Error = ZendeskError;

    fn try_from(body: GroupBody) -> Result<Self, ZendeskError> {
        let mut errors = Messages::default();
        let name = errors.take(match &body.name {
            Some(value) => group_name(value),
            None => Err(BLANK_NAME.into()),
        });
        let members = errors.take_all(body.agents.as_ref().map(agents).transpose());
        errors.finish(|| {
            Some(GroupCreate {
                name: name?,
                members: members?,
            })
        })
    }
}

impl TryFrom<GroupBody> for GroupUpdate {
    type Error = ZendeskError;

    fn try_from(body: GroupBody) -> Result<Self, ZendeskError> {
        let mut errors = Messages::default();
        let name = errors.take(body.name.as_ref().map(group_name).transpose());
        let members = errors.take_all(body.agents.as_ref().map(agents).transpose());
        errors.finish(|| {
            Some(GroupUpdate {
                name: name?,
                members: members?,
            })
        })
    }
}

impl TryFrom<UserBody> for UserCreate {
    type Error = ZendeskError;

    fn try_from(body: UserBody) -> Result<Self, ZendeskError> {
        let mut errors = Messages::default();
        let name = errors.take(match &body.name {
            Some(value) => user_name(value),
            None => Err(BLANK_NAME.into()),
        });
        let email = errors.take(match &body.email {
            Some(value) => email(value),
            None => Err(BLANK_EMAIL.into()),
        });
        // A user created without a role is an end user, as one signing up would be.
        let role = errors.take(body.roles.as_ref().map(role).transpose());
        let time_zone = errors.take(body.time_zone.as_ref().map(time_zone).transpose());
        let password = errors.take(body.password.as_ref().map(password).transpose());
        errors.finish(|| {
            Some(UserCreate {
                name: name?,
                email: email?,
                role: role?.flatten().unwrap_or(ZendeskRole::EndUser),
                time_zone: time_zone?.flatten(),
                password: password?.flatten(),
            })
        })
    }
}

impl TryFrom<UserBody> for UserUpdate {
    type Error = ZendeskError;

    fn try_from(body: UserBody) -> Result<Self, ZendeskError> {
        let mut errors = Messages::default();
        let name = errors.take(body.name.as_ref().map(user_name).transpose());
        let email = errors.take(body.email.as_ref().map(email).transpose());
        let role = errors.take(body.roles.as_ref().map(role).transpose());
        let time_zone = errors.take(body.time_zone.as_ref().map(time_zone).transpose());
        let password = errors.take(body.password.as_ref().map(password).transpose());
        errors.finish(|| {
            Some(UserUpdate {
                name: name?,
                email: email?,
                role: role?.flatten(),
                time_zone: time_zone?,
                password: password?.flatten(),
            })
        })
    }
}

const BLANK_NAME: &str = "Name can't be blank";
const BLANK_EMAIL: &str = "Email can't be blank";

/// A scalar's text: text as written, an integer in decimal. `None` for nil; `Err` for anything
/// that is no scalar.
fn text_of(value: &XmlValue) -> Result<Option<String>, ()> {
    match Scalar::of(value) {
        Scalar::Nil => Ok(None),
        Scalar::Text(text) => Ok(Some(text.to_owned())),
        Scalar::Integer(n) => Ok(Some(n.to_string())),
        Scalar::Other => Err(()),
    }
}

/// A group name: the model's rules, in Rails' words ("Name can't be blank", "Name is too long
/// (maximum is 255 characters)").
fn group_name(value: &XmlValue) -> Result<DepartmentName, String> {
    let text = text_of(value).map_err(|_| "Name is invalid".to_owned())?;
    DepartmentName::parse(text.as_deref().unwrap_or("")).map_err(|reason| format!("Name {reason}"))
}

/// `<agents>` in any form spec B4 lists, as "exactly these agents".
fn agents(value: &XmlValue) -> Result<MembersChange, Vec<String>> {
    let items = agent_items(value).ok_or_else(|| vec!["Agents is invalid".to_owned()])?;
    let mut ids = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for item in items {
        let id = match item {
            AgentItem::Integer(n) => u64::try_from(n).ok(),
            AgentItem::Text(text) if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
            AgentItem::Text(_) | AgentItem::Other => None,
        };
        match (id, item) {
            (Some(id), _) => ids.push(AgentId(id)),
            (None, AgentItem::Integer(n)) => {
                errors.push(format!("Agents is invalid: {n} is not an agent id"))
            }
            (None, AgentItem::Text(text)) => {
                errors.push(format!("Agents is invalid: {text:?} is not an agent id"))
            }
            (None, AgentItem::Other) => {
                errors.push("Agents is invalid: an agent must be an integer id".to_owned())
            }
        }
    }
    if errors.is_empty() {
        Ok(MembersChange::Replace(ids))
    } else {
        Err(errors)
    }
}

/// The agents of a change that exist but are inactive (deleted users): they "can no longer be
/// assigned" any more than a deleted group. Checked on the view the command is built from; a
/// user deactivated just after keeps the membership, as one deactivated just before would have.
pub fn inactive_agents(view: &State, members: Option<&MembersChange>) -> Result<(), ZendeskError> {
    let Some(MembersChange::Replace(ids)) = members else {
        return Ok(());
    };
    let messages: Vec<String> = ids
        .iter()
        .filter(|id| view.agent(**id).is_some_and(|a| !a.active))
        .map(|id| format!("Agents is invalid: no agent has id {id}"))
        .collect();
    if messages.is_empty() {
        Ok(())
    } else {
        Err(ZendeskError::Invalid(messages))
    }
}

fn clean_text(text: &str) -> bool {
    text.chars().count() <= MAX_TEXT_CHARS && !text.chars().any(char::is_control)
}

fn user_name(value: &XmlValue) -> Result<String, String> {
    let text = text_of(value).map_err(|_| "Name is invalid".to_owned())?;
    let text = text.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(BLANK_NAME.into());
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err("Name is too long (maximum is 255 characters)".into());
    }
    if !clean_text(&text) {
        return Err("Name is invalid".into());
    }
    Ok(text)
}

fn email(value: &XmlValue) -> Result<Email, String> {
    let text = text_of(value).map_err(|_| "Email is invalid".to_owned())?;
    let text = text.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(BLANK_EMAIL.into());
    }
    Email::parse(&text).map_err(|_| "Email is invalid".to_owned())
}

/// `<roles>4</roles>` or `<roles type="integer">4</roles>`; nil is "not given".
fn role(value: &XmlValue) -> Result<Option<ZendeskRole>, String> {
    let invalid = || "Roles is invalid".to_owned();
    let number = match Scalar::of(value) {
        Scalar::Nil => return Ok(None),
        Scalar::Integer(n) => n,
        Scalar::Text(text) => text.trim().parse().map_err(|_| invalid())?,
        Scalar::Other => return Err(invalid()),
    };
    ZendeskRole::from_number(number)
        .map(Some)
        .ok_or_else(invalid)
}

/// A time zone, kept as written (the docs show Rails' "(GMT +01:00) Brussels, …"; fixtures hold
/// IANA names). Nil or blank clears it.
fn time_zone(value: &XmlValue) -> Result<Option<String>, String> {
    let text = text_of(value).map_err(|_| "Time zone is invalid".to_owned())?;
    match text {
        Some(text) if !text.trim().is_empty() => {
            if clean_text(&text) {
                Ok(Some(text))
            } else {
                Err("Time zone is invalid".into())
            }
        }
        _ => Ok(None),
    }
}

/// A new password; nil or empty is "not given".
fn password(value: &XmlValue) -> Result<Option<String>, String> {
    let text = text_of(value).map_err(|_| "Password is invalid".to_owned())?;
    Ok(text.filter(|t| !t.is_empty()))
}

fn time(at: Timestamp) -> time::OffsetDateTime {
    at.to_offset_date_time()
}

/// A group as the gateway shows it; with `users`, its members (in id order) nested as users.
pub fn group_out<'a>(view: &'a State, department: &'a Department, users: bool) -> GroupOut<'a> {
    GroupOut {
        created_at: time(department.created_at),
        id: department.id.0,
        is_active: department.active,
        name: department.name.as_str(),
        updated_at: time(department.updated_at),
        users: users.then(|| {
            view.members_of(department.id)
                .filter_map(|m| view.agent(m.agent))
                .map(|agent| user_out(view, agent, false))
                .collect()
        }),
    }
}

/// A user as the gateway shows it; with `groups`, the active groups it is a member of (a destroyed
/// group is no longer one a user belongs to, spec B1), in id order.
pub fn user_out<'a>(view: &'a State, agent: &'a Agent, groups: bool) -> UserOut<'a> {
    UserOut {
        created_at: time(agent.created_at),
        email: agent.email.as_str(),
        id: agent.id.0,
        is_active: agent.active,
        name: &agent.display_name,
        roles: ZendeskRole::of(agent.roles).number(),
        time_zone: agent.time_zone.as_deref(),
        updated_at: time(agent.updated_at),
        groups: groups.then(|| {
            view.departments_of(agent.id)
                .filter(|d| d.active)
                .map(|d| group_out(view, d, false))
                .collect()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facades::zendesk::xml::{Limits, XmlDocument};

    fn group(xml: &str) -> GroupBody {
        GroupBody::from_document(XmlDocument::parse(xml.as_bytes(), &Limits::default()).unwrap())
            .unwrap()
    }

    fn user(xml: &str) -> UserBody {
        UserBody::from_document(XmlDocument::parse(xml.as_bytes(), &Limits::default()).unwrap())
            .unwrap()
    }

    fn invalid(messages: &[&str]) -> ZendeskError {
        ZendeskError::Invalid(messages.iter().map(|m| m.to_string()).collect())
    }

    #[test]
    fn every_empty_form_of_a_name_is_blank() {
        for xml in [
            "<group/>",
            "<group><name/></group>",
            "<group><name /></group>",
            "<group><name></name></group>",
            "<group><name nil=\"true\"/></group>",
            "<group><name>   </name></group>",
        ] {
            assert_eq!(
                GroupCreate::try_from(group(xml)),
                Err(invalid(&["Name can't be blank"])),
                "{xml}"
            );
        }
    }

    #[test]
    fn a_create_collects_every_failure_in_field_order() {
        let body = group(&format!(
            "<group><name>{}</name><agents type='array'><agent>x</agent><agent>-1</agent><agent type='integer'>-2</agent><agent><a/></agent></agents></group>",
            "n".repeat(256)
        ));

        assert_eq!(
            GroupCreate::try_from(body),
            Err(invalid(&[
                "Name is too long (maximum is 255 characters)",
                "Agents is invalid: \"x\" is not an agent id",
                "Agents is invalid: \"-1\" is not an agent id",
                "Agents is invalid: -2 is not an agent id",
                "Agents is invalid: an agent must be an integer id",
            ]))
        );
    }

    #[test]
    fn an_update_without_agents_leaves_membership_and_an_empty_array_clears_it() {
        let absent = GroupUpdate::try_from(group("<group><name>N</name></group>")).unwrap();
        let empty = GroupUpdate::try_from(group("<group><agents type='array'/></group>")).unwrap();
        let typed = GroupUpdate::try_from(group(
            "<group><agents type='array'><agent type='integer'>43</agent><agent>43</agent></agents></group>",
        ))
        .unwrap();

        assert_eq!(absent.members, None);
        assert_eq!(empty.members, Some(MembersChange::Replace(vec![])));
        assert_eq!(empty.name, None);
        assert_eq!(
            typed.members,
            Some(MembersChange::Replace(vec![AgentId(43), AgentId(43)]))
        );
    }

    #[test]
    fn a_user_create_needs_a_name_and_a_valid_email_and_defaults_to_an_end_user() {
        assert_eq!(
            UserCreate::try_from(user("<user><roles>3</roles><email>nope</email></user>")),
            Err(invalid(&[
                "Name can't be blank",
                "Email is invalid",
                "Roles is invalid"
            ]))
        );
        let made = UserCreate::try_from(user(
            "<user><name>Howard Schultz</name><email>howard@starbucks.com</email></user>",
        ))
        .unwrap();
        assert_eq!(made.role, ZendeskRole::EndUser);
        assert_eq!(made.password, None);
    }

    #[test]
    fn roles_map_onto_the_model_and_back() {
        for role in [
            ZendeskRole::EndUser,
            ZendeskRole::Administrator,
            ZendeskRole::Agent,
        ] {
            assert_eq!(ZendeskRole::of(role.roles()), role);
            assert_eq!(ZendeskRole::from_number(role.number().into()), Some(role));
        }
        let owner: RoleSet = [Role::Owner, Role::Administrator, Role::Agent]
            .into_iter()
            .collect();
        let manager: RoleSet = [Role::Manager].into_iter().collect();
        assert_eq!(ZendeskRole::of(owner), ZendeskRole::Administrator);
        assert_eq!(ZendeskRole::Administrator.replacing(owner), None);
        assert_eq!(ZendeskRole::Agent.replacing(manager), None);
        assert_eq!(
            ZendeskRole::Agent.replacing(owner),
            Some([Role::Agent].into_iter().collect())
        );
        assert_eq!(ZendeskRole::of(RoleSet::default()), ZendeskRole::EndUser);
    }
}
