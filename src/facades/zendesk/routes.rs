//! Method + path -> action, one line per route and format (spec B1), served unprefixed
//! (`/groups.xml`, the early URLs) and under `/api/v1` (the later, optional prefix; spec B5
//! "Format suffix"). Every route answers as `.xml`, as `.json` and without an extension (then by
//! its `Accept` header, `format.rs`), as Rails' resource routes did.
//!
//! matchit cannot split `{id}.xml` inside one segment, so the element routes take the whole
//! segment and [`record_id`] reads `<digits>`, `<digits>.xml` or `<digits>.json` out of it;
//! anything else there is no route.

use http::Method;

use crate::auth::Access;
use crate::http::routing::{RouteTable, decimal};

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ListGroups,
    CreateGroup,
    ShowGroup,
    UpdateGroup,
    DeleteGroup,
    ListGroupUsers,
    ListUsers,
    CreateUser,
    ShowUser,
    ShowCurrentUser,
    UpdateUser,
    DeleteUser,
}

/// The route table. Paths are relative to each prefix; `{id}` is one whole path segment.
#[rustfmt::skip]
pub const ROUTES: &[(Method, &str, Action)] = &[
    (Method::GET,    "/groups.xml",             Action::ListGroups),
    (Method::GET,    "/groups.json",            Action::ListGroups),
    (Method::GET,    "/groups",                 Action::ListGroups),
    (Method::POST,   "/groups.xml",             Action::CreateGroup),
    (Method::POST,   "/groups.json",            Action::CreateGroup),
    (Method::POST,   "/groups",                 Action::CreateGroup),
    (Method::GET,    "/groups/{id}",            Action::ShowGroup),
    (Method::PUT,    "/groups/{id}",            Action::UpdateGroup),
    (Method::DELETE, "/groups/{id}",            Action::DeleteGroup),
    (Method::GET,    "/groups/{id}/users.xml",  Action::ListGroupUsers),
    (Method::GET,    "/groups/{id}/users.json", Action::ListGroupUsers),
    (Method::GET,    "/groups/{id}/users",      Action::ListGroupUsers),
    (Method::GET,    "/users.xml",              Action::ListUsers),
    (Method::GET,    "/users.json",             Action::ListUsers),
    (Method::GET,    "/users",                  Action::ListUsers),
    (Method::POST,   "/users.xml",              Action::CreateUser),
    (Method::POST,   "/users.json",             Action::CreateUser),
    (Method::POST,   "/users",                  Action::CreateUser),
    (Method::GET,    "/users/current.xml",      Action::ShowCurrentUser),
    (Method::GET,    "/users/current.json",     Action::ShowCurrentUser),
    (Method::GET,    "/users/current",          Action::ShowCurrentUser),
    (Method::GET,    "/users/{id}",             Action::ShowUser),
    (Method::PUT,    "/users/{id}",             Action::UpdateUser),
    (Method::DELETE, "/users/{id}",             Action::DeleteUser),
];

/// The unprefixed early URLs and the later `/api/v1` ones (spec B5).
pub const PREFIXES: [&str; 2] = ["", "/api/v1"];

/// The path prefixes this facade claims: the early unprefixed URLs, and the later `/api/v1/`
/// ones. `/api/v1/` itself belongs to Rocket.Chat, whose routes are `/api/v1/users.create` and
/// the like, never `users/`, `users.xml` or `users.json`, so only these are claimed under it. The
/// collections without an extension (`/api/v1/groups`) are not: claims are prefixes, and that one
/// would take Rocket.Chat's `groups.*` methods; they are served unprefixed (`/groups`).
pub const CLAIMED: [&str; 8] = [
    "/groups",
    "/users",
    "/api/v1/groups.xml",
    "/api/v1/groups.json",
    "/api/v1/groups/",
    "/api/v1/users.xml",
    "/api/v1/users.json",
    "/api/v1/users/",
];

/// The route table under both prefixes, built once and shared by every tenant's facade.
pub fn table() -> &'static RouteTable<Action> {
    static TABLE: std::sync::LazyLock<RouteTable<Action>> =
        std::sync::LazyLock::new(|| RouteTable::new(&PREFIXES, ROUTES));
    &TABLE
}

impl Action {
    /// Writes need an administrator; reads an agent (docs/zendesk.md, "Who may call"; spec B3:
    /// "Administrators always have Agent privileges"); anyone who authenticated, end users
    /// included, may read `current.xml`, which shows the caller itself.
    pub fn access(self) -> Access {
        match self {
            Action::ShowCurrentUser => Access::Anyone,
            Action::ListGroups
            | Action::ShowGroup
            | Action::ListGroupUsers
            | Action::ListUsers
            | Action::ShowUser => Access::Staff,
            Action::CreateGroup
            | Action::UpdateGroup
            | Action::DeleteGroup
            | Action::CreateUser
            | Action::UpdateUser
            | Action::DeleteUser => Access::Admin,
        }
    }

    /// Whether the path's `{id}` segment is the last one, which may carry the extension
    /// (`42.xml`), rather than a bare id before `/users`.
    fn id_is_file(self) -> bool {
        !matches!(self, Action::ListGroupUsers)
    }
}

/// The record id in a path segment: `42.xml`, `42.json` or `42` for element routes, `42` before
/// `/users`. Digits only (`+1.xml`, `1.yaml`, `1.json.xml` are no route); `None` answers 404.
pub fn record_id(action: Action, segment: &str) -> Option<u64> {
    let digits = if action.id_is_file() {
        segment
            .strip_suffix(".xml")
            .or_else(|| segment.strip_suffix(".json"))
            .unwrap_or(segment)
    } else {
        segment
    };
    decimal(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_segments_win_over_parameters_under_both_prefixes() {
        let table = table();
        for prefix in PREFIXES {
            let (current, members) = (
                format!("{prefix}/users/current.xml"),
                format!("{prefix}/groups/7/users.xml"),
            );
            let current = table.resolve(&Method::GET, &current).unwrap();
            assert_eq!(current.action, Action::ShowCurrentUser);
            let members = table.resolve(&Method::GET, &members).unwrap();
            assert_eq!(members.action, Action::ListGroupUsers);
            assert_eq!(members.params.get("id"), Some("7"));
        }
    }

    #[test]
    fn an_element_id_is_digits_with_an_xml_or_json_extension_or_none() {
        assert_eq!(record_id(Action::ShowGroup, "42.xml"), Some(42));
        assert_eq!(record_id(Action::ShowGroup, "42.json"), Some(42));
        assert_eq!(record_id(Action::ShowGroup, "42"), Some(42));
        assert_eq!(record_id(Action::ListGroupUsers, "42"), Some(42));
        for bad in [
            "42.yaml",
            "42.json.xml",
            "+1.xml",
            ".xml",
            "4a.xml",
            "42.xml.xml",
            "1e3.xml",
        ] {
            assert_eq!(record_id(Action::ShowGroup, bad), None, "{bad}");
        }
        assert_eq!(record_id(Action::ListGroupUsers, "42.xml"), None);
        assert_eq!(record_id(Action::ListGroupUsers, "42.json"), None);
        assert_eq!(
            record_id(Action::ShowUser, "99999999999999999999.xml"),
            None
        );
    }

    #[test]
    fn every_claimed_prefix_covers_a_route_and_no_rocketchat_path() {
        let claims = |path: &str| CLAIMED.iter().any(|p| path.starts_with(p));
        for prefix in PREFIXES {
            for (_, path, _) in ROUTES {
                let unclaimed = !prefix.is_empty() && matches!(*path, "/groups" | "/users");
                assert_eq!(
                    claims(&format!("{prefix}{path}")),
                    !unclaimed,
                    "{prefix}{path}"
                );
            }
        }
        for rocketchat in [
            "/api/v1/users.create",
            "/api/v1/users.info",
            "/api/v1/groups.list",
        ] {
            assert!(!claims(rocketchat), "{rocketchat}");
        }
    }
}
