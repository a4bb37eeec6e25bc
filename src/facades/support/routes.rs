//! Method + path -> action, one line per route, under `/api/v2` (docs/support.md, "Routes").
//!
//! Zendesk answers every path with and without `.json`. A route whose path ends in a static
//! segment is registered both ways; matchit cannot split `{id}.json` inside one segment, so a
//! route that ends in `{id}` takes the whole segment and [`record_id`] reads `<digits>` or
//! `<digits>.json` out of it.
//!
//! `/api/v2/` itself belongs to the Zopim facade (its legacy `/api/v2/departments` and
//! `/api/v2/agents`), so this facade claims only its own collections ([`CLAIMED`]).

use http::Method;

use crate::auth::Access;
use crate::http::routing::{RouteTable, decimal};

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ListGroups,
    AssignableGroups,
    ShowGroup,
    CreateGroup,
    UpdateGroup,
    DeleteGroup,
    UserGroups,
    ListMemberships,
    AssignableMemberships,
    ShowMembership,
    CreateMembership,
    DeleteMembership,
    CreateManyMemberships,
    DestroyManyMemberships,
    GroupMemberships,
    UserMemberships,
    CreateUserMembership,
    ShowUserMembership,
    DeleteUserMembership,
    MakeDefault,
    ShowJobStatus,
    ListUsers,
    ShowUser,
    ShowMe,
    CreateUser,
    UpdateUser,
    SearchUsers,
    SetPassword,
    ChangePassword,
    PasswordRequirements,
}

/// The route table, relative to [`PREFIX`]. `{…}` is one path segment.
#[rustfmt::skip]
pub const ROUTES: &[(Method, &str, Action)] = &[
    (Method::GET,    "/groups",                                       Action::ListGroups),
    (Method::POST,   "/groups",                                       Action::CreateGroup),
    (Method::GET,    "/groups/assignable",                            Action::AssignableGroups),
    (Method::GET,    "/groups/{id}",                                  Action::ShowGroup),
    (Method::PUT,    "/groups/{id}",                                  Action::UpdateGroup),
    (Method::DELETE, "/groups/{id}",                                  Action::DeleteGroup),
    (Method::GET,    "/users/{id}/groups",                            Action::UserGroups),
    (Method::GET,    "/group_memberships",                            Action::ListMemberships),
    (Method::POST,   "/group_memberships",                            Action::CreateMembership),
    (Method::GET,    "/group_memberships/assignable",                 Action::AssignableMemberships),
    (Method::POST,   "/group_memberships/create_many",                Action::CreateManyMemberships),
    (Method::DELETE, "/group_memberships/destroy_many",               Action::DestroyManyMemberships),
    (Method::GET,    "/group_memberships/{id}",                       Action::ShowMembership),
    (Method::DELETE, "/group_memberships/{id}",                       Action::DeleteMembership),
    (Method::GET,    "/groups/{id}/memberships",                      Action::GroupMemberships),
    (Method::GET,    "/groups/{id}/memberships/assignable",           Action::GroupMemberships),
    (Method::GET,    "/users/{id}/group_memberships",                 Action::UserMemberships),
    (Method::POST,   "/users/{id}/group_memberships",                 Action::CreateUserMembership),
    (Method::GET,    "/users/{id}/group_memberships/{membership}",    Action::ShowUserMembership),
    (Method::DELETE, "/users/{id}/group_memberships/{membership}",    Action::DeleteUserMembership),
    (Method::PUT,    "/users/{id}/group_memberships/{membership}/make_default", Action::MakeDefault),
    (Method::GET,    "/job_statuses/{job}",                           Action::ShowJobStatus),
    (Method::GET,    "/users",                                        Action::ListUsers),
    (Method::POST,   "/users",                                        Action::CreateUser),
    (Method::GET,    "/users/me",                                     Action::ShowMe),
    (Method::GET,    "/users/search",                                 Action::SearchUsers),
    (Method::GET,    "/users/{id}",                                   Action::ShowUser),
    (Method::PUT,    "/users/{id}",                                   Action::UpdateUser),
    (Method::POST,   "/users/{id}/password",                          Action::SetPassword),
    (Method::PUT,    "/users/{id}/password",                          Action::ChangePassword),
    (Method::GET,    "/users/{id}/password/requirements",             Action::PasswordRequirements),
];

/// The Support API's base path.
pub const PREFIX: &str = "/api/v2";

/// The path prefixes this facade claims: its collections only, never `/api/v2/` itself.
pub const CLAIMED: [&str; 4] = [
    "/api/v2/groups",
    "/api/v2/group_memberships",
    "/api/v2/users",
    "/api/v2/job_statuses",
];

/// The suffix Zendesk accepts on every path.
const JSON: &str = ".json";

/// The route table, each static-ended path also with `.json`, built once and shared by every
/// tenant's facade.
pub fn table() -> &'static RouteTable<Action> {
    static TABLE: std::sync::LazyLock<RouteTable<Action>> = std::sync::LazyLock::new(|| {
        let suffixed: Vec<(Method, String, Action)> = ROUTES
            .iter()
            .filter(|(_, path, _)| !path.ends_with('}'))
            .map(|(method, path, action)| (method.clone(), format!("{path}{JSON}"), *action))
            .collect();
        let all: Vec<(Method, &str, Action)> = ROUTES
            .iter()
            .cloned()
            .chain(suffixed.iter().map(|(m, p, a)| (m.clone(), p.as_str(), *a)))
            .collect();
        RouteTable::new(&[PREFIX], &all)
    });
    &TABLE
}

impl Action {
    /// Writes need an administrator, reads an agent (docs/support.md, "Who may call"); a user's
    /// own password is anyone's, end users' too (Zendesk, "User Passwords": "Allowed for Agents,
    /// End Users"), the handler checking that the path names the caller.
    pub fn access(self) -> Access {
        match self {
            Action::ListGroups
            | Action::AssignableGroups
            | Action::ShowGroup
            | Action::UserGroups
            | Action::ListMemberships
            | Action::AssignableMemberships
            | Action::ShowMembership
            | Action::GroupMemberships
            | Action::UserMemberships
            | Action::ShowUserMembership
            | Action::ShowJobStatus
            | Action::ListUsers
            | Action::ShowUser
            | Action::ShowMe
            | Action::SearchUsers => Access::Staff,
            Action::CreateGroup
            | Action::UpdateGroup
            | Action::DeleteGroup
            | Action::CreateMembership
            | Action::DeleteMembership
            | Action::CreateManyMemberships
            | Action::DestroyManyMemberships
            | Action::CreateUserMembership
            | Action::DeleteUserMembership
            | Action::MakeDefault
            | Action::CreateUser
            | Action::UpdateUser
            | Action::SetPassword => Access::Admin,
            Action::ChangePassword | Action::PasswordRequirements => Access::Anyone,
        }
    }
}

impl Action {
    /// Whether the path's `{id}` is its last segment (where `.json` may follow it).
    pub fn id_ends_path(self) -> bool {
        matches!(
            self,
            Action::ShowGroup
                | Action::UpdateGroup
                | Action::DeleteGroup
                | Action::ShowMembership
                | Action::DeleteMembership
                | Action::ShowUser
                | Action::UpdateUser
        )
    }

    /// Whether the path's `{membership}` is its last segment.
    pub fn membership_ends_path(self) -> bool {
        !matches!(self, Action::MakeDefault)
    }
}

/// A record id in a path segment: digits, with `.json` after them when the segment ends the
/// path. Anything else (`+1`, `1.xml`, a number past `u64`) is `None`, answered 404.
pub fn record_id(segment: &str, last: bool) -> Option<u64> {
    let digits = if last {
        segment.strip_suffix(JSON).unwrap_or(segment)
    } else {
        segment
    };
    decimal(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_answers_with_and_without_the_json_suffix() {
        let table = table();
        for (path, action) in [
            ("/api/v2/groups", Action::ListGroups),
            ("/api/v2/groups.json", Action::ListGroups),
            ("/api/v2/groups/assignable.json", Action::AssignableGroups),
            ("/api/v2/groups/7.json", Action::ShowGroup),
            ("/api/v2/groups/7", Action::ShowGroup),
            ("/api/v2/users/3/groups.json", Action::UserGroups),
            ("/api/v2/group_memberships.json", Action::ListMemberships),
            ("/api/v2/group_memberships/4", Action::ShowMembership),
            (
                "/api/v2/group_memberships/assignable",
                Action::AssignableMemberships,
            ),
            (
                "/api/v2/groups/2/memberships.json",
                Action::GroupMemberships,
            ),
            ("/api/v2/users/2/group_memberships", Action::UserMemberships),
            (
                "/api/v2/users/2/group_memberships/3.json",
                Action::ShowUserMembership,
            ),
            ("/api/v2/job_statuses/0a1b.json", Action::ShowJobStatus),
            ("/api/v2/users.json", Action::ListUsers),
            ("/api/v2/users/me.json", Action::ShowMe),
            ("/api/v2/users/search.json", Action::SearchUsers),
            ("/api/v2/users/7.json", Action::ShowUser),
            (
                "/api/v2/groups/2/memberships/assignable.json",
                Action::GroupMemberships,
            ),
        ] {
            assert_eq!(
                table.resolve(&Method::GET, path).unwrap().action,
                action,
                "{path}"
            );
        }
        for (method, path, action) in [
            (
                Method::POST,
                "/api/v2/group_memberships/create_many.json",
                Action::CreateManyMemberships,
            ),
            (
                Method::DELETE,
                "/api/v2/group_memberships/destroy_many.json",
                Action::DestroyManyMemberships,
            ),
            (
                Method::PUT,
                "/api/v2/users/3/group_memberships/5/make_default.json",
                Action::MakeDefault,
            ),
            (
                Method::PUT,
                "/api/v2/users/3/group_memberships/5/make_default",
                Action::MakeDefault,
            ),
            (
                Method::DELETE,
                "/api/v2/users/3/group_memberships/5.json",
                Action::DeleteUserMembership,
            ),
            (Method::POST, "/api/v2/users.json", Action::CreateUser),
            (Method::PUT, "/api/v2/users/3.json", Action::UpdateUser),
            (
                Method::POST,
                "/api/v2/users/3/password.json",
                Action::SetPassword,
            ),
            (
                Method::POST,
                "/api/v2/users/3/password",
                Action::SetPassword,
            ),
            (
                Method::PUT,
                "/api/v2/users/3/password",
                Action::ChangePassword,
            ),
            (
                Method::PUT,
                "/api/v2/users/3/password.json",
                Action::ChangePassword,
            ),
            (
                Method::GET,
                "/api/v2/users/3/password/requirements.json",
                Action::PasswordRequirements,
            ),
            (
                Method::GET,
                "/api/v2/users/3/password/requirements",
                Action::PasswordRequirements,
            ),
        ] {
            assert_eq!(
                table.resolve(&method, path).unwrap().action,
                action,
                "{method} {path}"
            );
        }
        assert_eq!(
            table
                .resolve(&Method::GET, "/api/v2/users/me")
                .unwrap()
                .action,
            Action::ShowMe
        );
    }

    #[test]
    fn a_record_id_is_digits_with_an_optional_json_suffix_at_the_end() {
        assert_eq!(record_id("42", true), Some(42));
        assert_eq!(record_id("42.json", true), Some(42));
        assert_eq!(record_id("42.json", false), None);
        for bad in [
            "",
            ".json",
            "+1",
            "4a",
            "42.xml",
            "42.json.json",
            "99999999999999999999",
        ] {
            assert_eq!(record_id(bad, true), None, "{bad}");
        }
    }

    #[test]
    fn every_route_is_claimed_and_no_zopim_path_is() {
        let claims = |path: &str| CLAIMED.iter().any(|p| path.starts_with(p));
        for (_, path, _) in ROUTES {
            assert!(claims(&format!("{PREFIX}{path}")), "{path}");
        }
        for zopim in [
            "/api/v2/departments",
            "/api/v2/agents",
            "/api/v2/agents/me",
            "/api/v2/chat/departments",
            "/api/v2/chat/agents",
        ] {
            assert!(!claims(zopim), "{zopim}");
        }
    }
}
