//! What Rocket.Chat clients send: each route's ajv schema (`packages/rest-typings`, checked by
//! `check::ajv` so that a bad body gets ajv's exact `invalid-params` message) or Meteor `check()`
//! pattern next to the typed body a handler decodes once that validation has passed. Vendor
//! field names of requests appear here (and in `mapping`), not in the handlers.
//!
//! - [`departments`]: the department writes and their agent lists;
//! - [`users`]: login, `livechat/users/:type` and the `users.*` routes;
//! - [`admin`]: permissions, settings and DDP over REST.
//!
//! A body is read through `wire::deserializer`, borrowing its strings and meeting its keys in document
//! order. Decoding happens only on writes, after validation, so it cannot refuse what validation
//! let through; the routes Rocket.Chat reads without validating decode with [`decode_lenient`]
//! into types that cannot refuse an object. Reads keep their query as the order-preserving
//! [`Json`] and borrow from it.

mod admin;
mod departments;
mod users;

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Unexpected, Visitor};

use super::Json;
use crate::facades::rocketchat::check::{Prop, Ty, nullable};
use crate::facades::rocketchat::error::RcError;
use crate::http::LayerError;

pub use admin::{DdpMessage, LivechatStatus, MethodCall, PermissionsUpdate, SettingChange};
pub use departments::{
    AGENT_DEPARTMENTS_QUERY, AgentLink, AgentsChange, CONFIG_QUERY, DEPARTMENT_CREATE_BODY,
    DEPARTMENT_LIST_QUERY, DepartmentBody, DepartmentField, DepartmentWrite,
};
pub use users::{
    AGENT_STATUS_BODY, AgentStatusBody, LoginBody, LoginForm, LoginUser, PasswordForm, SetStatus,
    USER_CREATE_BODY, USERS_ADD_BODY, USERS_LIST_QUERY, UserCreate, UserKey, UserSelector,
    UsersAdd,
};

/// A validated body (or part of one) as its typed form. A failure is a bug (the validation
/// before it and the type disagree): logged, and answered as Rocket.Chat's internal error.
pub fn decode<'de, T: Deserialize<'de>>(json: &'de Json) -> Result<T, RcError> {
    T::deserialize(json).map_err(|e| {
        tracing::error!(error = %e, "a validated Rocket.Chat body did not decode");
        RcError::Layer(LayerError::Internal)
    })
}

/// A body Rocket.Chat reads without validating it (`this.bodyParams.x`): a body that is not an
/// object has no fields. The types read this way hold each field as [`Loose`] or any value, so
/// that an object always decodes.
pub fn decode_lenient<'de, T: Deserialize<'de> + Default>(json: &'de Json) -> Result<T, RcError> {
    match json {
        Json::Object(_) => decode(json),
        _ => Ok(T::default()),
    }
}

const PAGINATION: [Prop; 4] = [
    nullable("count", Ty::Number),
    nullable("offset", Ty::Number),
    nullable("sort", Ty::String),
    nullable("query", Ty::String),
];

/// An unvalidated field as JavaScript code that tests its type reads it: a string, an object
/// (read as `T`), or anything else, absence included, which the reader ignores.
#[derive(Debug, Default)]
pub enum Loose<'a, T = IgnoredAny> {
    Str(&'a str),
    Object(T),
    #[default]
    Other,
}

impl<'a, T> Loose<'a, T> {
    /// `typeof x === 'string' ? x : undefined`.
    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            Loose::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for Loose<'a, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LooseVisitor<'a, T>(PhantomData<(&'a (), T)>);

        impl<'de: 'a, 'a, T: Deserialize<'de>> Visitor<'de> for LooseVisitor<'a, T> {
            type Value = Loose<'a, T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Loose::Str(v))
            }
            // `wire::deserializer` lends every string; a copy would be a bug here.
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Err(E::invalid_type(Unexpected::Str(v), &self))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Loose::Object)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Loose::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Loose::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Loose::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Loose::Other)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Loose::Other)
            }
        }

        deserializer.deserialize_any(LooseVisitor(PhantomData))
    }
}

/// The query parameters the read routes take by name (the paginated ones' `count`, `offset`
/// and `sort` are `query`'s). A read borrows each value from the parsed query under one of
/// these, so that reading one allocates nothing.
pub mod params {
    pub const TEXT: &str = "text";
    pub const ENABLED: &str = "enabled";
    pub const SHOW_ARCHIVED: &str = "showArchived";
    pub const EXCLUDE_DEPARTMENT_ID: &str = "excludeDepartmentId";
    pub const INCLUDE_AGENTS: &str = "includeAgents";
    pub const SELECTOR: &str = "selector";
    /// Inside the JSON of [`SELECTOR`].
    pub const TERM: &str = "term";
    /// Inside the JSON of [`SELECTOR`].
    pub const EXCEPTIONS: &str = "exceptions";
    pub const IDS: &str = "ids";
    pub const ENABLED_DEPARTMENTS_ONLY: &str = "enabledDepartmentsOnly";
    pub const ONLY_AVAILABLE: &str = "onlyAvailable";
    pub const SHOW_IDLE_AGENTS: &str = "showIdleAgents";
    pub const EXCLUDE_ID: &str = "excludeId";
    /// The widget's department.
    pub const DEPARTMENT: &str = "department";
}
