//! What every Rocket.Chat handler shares: the decoded request ([`Req`]), the facade's result
//! type, and the small steps more than one handler takes (answer with JSON, apply a command,
//! match and page the way Rocket.Chat's queries do).

use std::borrow::Cow;
use std::sync::Arc;

use http::{HeaderMap, StatusCode};
use serde::Serialize;
use smallvec::SmallVec;

use crate::facades::rocketchat::Context;
use crate::facades::rocketchat::auth::Caller;
use crate::facades::rocketchat::error::RcError;
use crate::facades::rocketchat::permissions::{Grants, Permission};
use crate::facades::rocketchat::query::{self, Page};
use crate::facades::rocketchat::wire::{self, Json};
use crate::http::Response;
use crate::model::{Agent, Command, Outcome, View};

pub(super) type Result<T, E = RcError> = std::result::Result<T, E>;

/// One request, decoded as far as every route needs. It borrows the route's parameters and the
/// headers from the request it was made of, so reading a request allocates nothing for them.
pub(super) struct Req<'r> {
    /// Path parameters, percent-decoded (borrowed unless the path had escapes).
    pub(super) params: SmallVec<[(&'r str, Cow<'r, str>); 2]>,
    pub(super) query: Json,
    pub(super) body: Json,
    pub(super) headers: &'r HeaderMap,
    pub(super) caller: Option<Caller<'r>>,
    /// What the caller may do, worked out once: most requests check two permissions.
    pub(super) grants: Grants,
}

impl Req<'_> {
    pub(super) fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
            .unwrap_or_default()
    }

    /// The authenticated caller (every route but login and config has one).
    pub(super) fn caller(&self) -> Result<&Arc<Agent>> {
        self.caller
            .as_ref()
            .map(|c| c.agent)
            .ok_or(RcError::Unauthorized)
    }

    /// Whether the caller holds `permission` (no caller holds none).
    pub(super) fn may(&self, permission: Permission) -> bool {
        self.grants.has(permission)
    }
}

pub(super) fn ok(value: &impl Serialize) -> Result<Response> {
    Ok(wire::json_response(StatusCode::OK, value))
}

pub(super) async fn apply(ctx: &Context, command: Command) -> Result<(View, Outcome)> {
    Ok(ctx.store.apply(command).await?)
}

/// `text` as `new RegExp(escapeRegExp(text), 'i')`: a case-insensitive substring.
pub(super) fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

pub(super) fn sorted_page<T: Serialize>(
    items: Vec<T>,
    page: Page,
    sort: Option<query::Sort>,
) -> (Vec<T>, usize) {
    let items = match sort {
        Some(sort) => query::sort_items(items, &sort),
        None => items,
    };
    let total = items.len();
    (page.apply(items), total)
}
