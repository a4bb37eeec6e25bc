//! The user bodies: `POST login` (spec §2.1), `livechat/users/:type`, `users.create`,
//! `users.delete` and `users.setStatus` (spec §6).

use serde::Deserialize;

use super::{Loose, PAGINATION};
use crate::facades::rocketchat::check::{Pattern, Schema, Ty, matches, nullable, prop};
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::wire::Json;

/// `LivechatUsersManagerGETLocalSchema` of the typed `GET livechat/users/:type`
/// (`apps/meteor/app/livechat/imports/server/rest/users.ts`), checked before authentication.
pub static USERS_LIST_QUERY: Schema = Schema {
    properties: &[
        nullable("text", Ty::String),
        nullable("onlyAvailable", Ty::Boolean),
        nullable("excludeId", Ty::String),
        nullable("showIdleAgents", Ty::Boolean),
        PAGINATION[0],
        PAGINATION[1],
        PAGINATION[2],
        PAGINATION[3],
        nullable("fields", Ty::String),
    ],
    required: &[],
    additional: false,
};

/// `POSTLivechatUsersTypeLocalSchema` of the typed `POST livechat/users/:type`, checked before
/// authentication.
pub static USERS_ADD_BODY: Schema = Schema {
    properties: &[prop("username", Ty::String)],
    required: &["username"],
    additional: false,
};

/// `isUserCreateParamsPOST`.
pub static USER_CREATE_BODY: Schema = Schema {
    properties: &[
        prop("email", Ty::String),
        prop("name", Ty::String),
        prop("password", Ty::String),
        prop("username", Ty::String),
        nullable("active", Ty::Boolean),
        nullable("bio", Ty::String),
        nullable("nickname", Ty::String),
        nullable("statusText", Ty::String),
        nullable("roles", Ty::Strings),
        nullable("joinDefaultChannels", Ty::Boolean),
        nullable("requirePasswordChange", Ty::Boolean),
        nullable("setRandomPassword", Ty::Boolean),
        nullable("sendWelcomeEmail", Ty::Boolean),
        nullable("verified", Ty::Boolean),
        nullable("customFields", Ty::Object(&ANY_OBJECT)),
        nullable("fields", Ty::String),
    ],
    required: &["email", "name", "password", "username"],
    additional: false,
};

/// `POSTLivechatAgentStatusPropsSchema` (`packages/rest-typings/src/v1/omnichannel.ts`):
/// `status` one of `ILivechatAgentStatus`'s values.
pub static AGENT_STATUS_BODY: Schema = Schema {
    properties: &[
        nullable("status", Ty::Enum(&["available", "not-available"])),
        nullable("agentId", Ty::String),
    ],
    required: &[],
    additional: false,
};

/// `POST livechat/agent.status`, checked by [`AGENT_STATUS_BODY`].
#[derive(Debug, Default, Deserialize)]
pub struct AgentStatusBody {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, rename = "agentId")]
    pub agent_id: Option<String>,
}

static ANY_OBJECT: Schema = Schema {
    properties: &[],
    required: &[],
    additional: true,
};

/// `POST livechat/users/:type`, checked by [`USERS_ADD_BODY`].
#[derive(Debug, Deserialize)]
pub struct UsersAdd {
    pub username: String,
}

/// `users.create`, checked (and coerced) by [`USER_CREATE_BODY`]: the fields this gateway keeps.
#[derive(Debug, Deserialize)]
pub struct UserCreate {
    pub email: String,
    pub name: String,
    pub password: String,
    pub username: String,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub roles: Option<Vec<String>>,
}

// ---------------------------------------------------------------------------------------------
// The users.* routes that name a user.

/// `{userId}` or `{username}` of `users.delete` and `users.setStatus`, which Rocket.Chat's
/// `getUserFromParams` reads without a check: a field that is not a string is ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserSelector<'a> {
    #[serde(rename = "userId", borrow)]
    user_id: Loose<'a>,
    #[serde(borrow)]
    username: Loose<'a>,
}

/// How a body names a user.
#[derive(Debug, Clone, Copy)]
pub enum UserKey<'a> {
    Id(&'a str),
    Username(&'a str),
}

impl<'a> UserSelector<'a> {
    /// The user named, by `userId` first.
    pub fn key(&self) -> Option<UserKey<'a>> {
        match (self.user_id.as_str(), self.username.as_str()) {
            (Some(id), _) => Some(UserKey::Id(id)),
            (None, Some(username)) => Some(UserKey::Username(username)),
            (None, None) => None,
        }
    }
}

/// `users.setStatus`, checked by [`SetStatus::check`]; the user it names is unchecked.
#[derive(Debug, Default, Deserialize)]
pub struct SetStatus<'a> {
    #[serde(default)]
    pub status: Option<&'a str>,
    #[serde(flatten, borrow)]
    pub user: UserSelector<'a>,
}

impl SetStatus<'_> {
    /// `check(this.bodyParams, Match.ObjectIncluding({status: Match.Maybe(String), message:
    /// Match.Maybe(String)}))`.
    pub fn check(body: &Json) -> Result<(), RcError> {
        let pattern = Pattern::Object {
            keys: vec![
                ("status", Pattern::Maybe(Box::new(Pattern::String))),
                ("message", Pattern::Maybe(Box::new(Pattern::String))),
            ],
            including: true,
        };
        Ok(matches(Some(body), &pattern)?)
    }
}

// ---------------------------------------------------------------------------------------------
// Login.

/// `POST login` (spec §2.1): `{user|username|email, password}`, `{user: {username|email|id},
/// password}` or `{resume}`. Meteor's login handlers read it without a check: a field of
/// another type than the one they test for is as if absent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginBody<'a> {
    #[serde(borrow)]
    user: Loose<'a, LoginUserObject<'a>>,
    #[serde(borrow)]
    username: Loose<'a>,
    #[serde(borrow)]
    email: Loose<'a>,
    #[serde(borrow)]
    password: Loose<'a>,
    #[serde(borrow)]
    resume: Loose<'a>,
}

/// `user` as an object.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoginUserObject<'a> {
    #[serde(borrow)]
    username: Loose<'a>,
    #[serde(borrow)]
    email: Loose<'a>,
    #[serde(borrow)]
    id: Loose<'a>,
}

/// What a login body asks for.
#[derive(Debug)]
pub enum LoginForm<'a> {
    /// A password login of the user the body names.
    Password {
        user: LoginUser<'a>,
        password: PasswordForm<'a>,
    },
    /// `{"resume": token}`: a session token logging in again (Meteor's resume login).
    Resume(&'a str),
}

/// The user a password login names.
#[derive(Debug)]
pub enum LoginUser<'a> {
    Username(&'a str),
    Email(&'a str),
    Id(&'a str),
    /// `user` was an object naming no one.
    Nobody,
}

/// The password forms of spec §2.1.
#[derive(Debug)]
pub enum PasswordForm<'a> {
    Plain(&'a str),
    /// `{digest, algorithm: "sha-256"}` or `{hashed}`: cannot be checked against an Argon2 hash
    /// of the clear password, so it never opens anything (docs/rocketchat.md, "Login").
    Digest,
}

impl<'a> LoginBody<'a> {
    /// The login asked for; `None` is a body Meteor's `login` would refuse outright.
    pub fn form(&self) -> Option<LoginForm<'a>> {
        if let Some(token) = self.resume.as_str() {
            return Some(LoginForm::Resume(token));
        }
        let password = match self.password {
            Loose::Str(p) => PasswordForm::Plain(p),
            Loose::Object(_) => PasswordForm::Digest,
            Loose::Other => return None,
        };
        let user = match (&self.user, self.username.as_str(), self.email.as_str()) {
            // `loginCompatibility`: a string `user` containing `@` is an email (spec §2.1).
            (Loose::Str(user), _, _) if user.contains('@') => LoginUser::Email(user),
            (Loose::Str(user), _, _) => LoginUser::Username(user),
            (Loose::Object(object), _, _) => match (
                object.username.as_str(),
                object.email.as_str(),
                object.id.as_str(),
            ) {
                (Some(username), _, _) => LoginUser::Username(username),
                (None, Some(email), _) => LoginUser::Email(email),
                (None, None, Some(id)) => LoginUser::Id(id),
                (None, None, None) => LoginUser::Nobody,
            },
            (Loose::Other, Some(username), _) => LoginUser::Username(username),
            (Loose::Other, None, Some(email)) => LoginUser::Email(email),
            (Loose::Other, None, None) => return None,
        };
        Some(LoginForm::Password { user, password })
    }
}
