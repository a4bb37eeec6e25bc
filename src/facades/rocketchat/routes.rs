//! Method + path -> action, one line per route (spec §3's table and the routes the e2e suite
//! needs, §6), with each route's `permissionsRequired` (spec §1.2, §3).

use http::Method;

use crate::http::routing::RouteTable;

use super::permissions::{Permission, Required};
use Action::{Later as L, Now as N};

/// What a request asks for, and when it is answered: each route says so in [`ROUTES`], and
/// each half is dispatched by its own exhaustive `match` (`handlers::read`, `handlers::wait`), so
/// an action added without a handler does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Answered from the state alone, during the call (no body to read, nothing to wait for).
    Now(Now),
    /// Answered later: it reads a body, or waits for a commit or a password hash.
    Later(Later),
}

/// The actions answered during the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Now {
    ListDepartments,
    CreationAvailable,
    ShowDepartment,
    ListArchived,
    Autocomplete,
    DepartmentAgents,
    ListByIds,
    AgentDepartments,
    WidgetConfig,
    ListUsersOfType,
    ShowUserOfType,
    ListPermissions,
    ShowSetting,
    ListUnits,
    ShowUnit,
    UnitDepartments,
    UnitAvailableDepartments,
    UnitMonitors,
}

/// The actions that wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Later {
    Login,
    Logout,
    CreateDepartment,
    UpdateDepartment,
    DeleteDepartment,
    Archive,
    Unarchive,
    SaveDepartmentAgents,
    AddUserOfType,
    RemoveUserOfType,
    CreateUser,
    DeleteUser,
    SetStatus,
    MethodCall,
    UpdatePermissions,
    SaveSetting,
    CreateUnit,
    UpdateUnit,
    DeleteUnit,
    AgentStatus,
}

/// The prefix every route lives under.
pub const PREFIX: &str = "/api/v1";

/// The route table; paths are relative to [`PREFIX`], `{…}` is one path segment. The literal
/// `isDepartmentCreationAvailable` is listed before `{_id}`, as Rocket.Chat registers it (and
/// the matcher prefers literal segments anyway).
#[rustfmt::skip]
pub const ROUTES: &[(Method, &str, Action)] = &[
    (Method::POST,   "/login", L(Later::Login)),
    (Method::POST,   "/logout", L(Later::Logout)),
    // Restivus's deprecated `GET logout`, still served by `ApiClass.ts`.
    (Method::GET,    "/logout", L(Later::Logout)),
    (Method::GET,    "/livechat/department", N(Now::ListDepartments)),
    (Method::POST,   "/livechat/department", L(Later::CreateDepartment)),
    (Method::GET,    "/livechat/department/isDepartmentCreationAvailable", N(Now::CreationAvailable)),
    (Method::GET,    "/livechat/department/{_id}", N(Now::ShowDepartment)),
    (Method::PUT,    "/livechat/department/{_id}", L(Later::UpdateDepartment)),
    (Method::DELETE, "/livechat/department/{_id}", L(Later::DeleteDepartment)),
    (Method::GET,    "/livechat/departments/archived", N(Now::ListArchived)),
    (Method::POST,   "/livechat/department/{_id}/archive", L(Later::Archive)),
    (Method::POST,   "/livechat/department/{_id}/unarchive", L(Later::Unarchive)),
    (Method::GET,    "/livechat/department.autocomplete", N(Now::Autocomplete)),
    (Method::GET,    "/livechat/department/{_id}/agents", N(Now::DepartmentAgents)),
    (Method::POST,   "/livechat/department/{_id}/agents", L(Later::SaveDepartmentAgents)),
    (Method::GET,    "/livechat/department.listByIds", N(Now::ListByIds)),
    (Method::GET,    "/livechat/agents/{agentId}/departments", N(Now::AgentDepartments)),
    (Method::GET,    "/livechat/config", N(Now::WidgetConfig)),
    (Method::GET,    "/livechat/users/{type}", N(Now::ListUsersOfType)),
    (Method::POST,   "/livechat/users/{type}", L(Later::AddUserOfType)),
    (Method::GET,    "/livechat/users/{type}/{_id}", N(Now::ShowUserOfType)),
    (Method::DELETE, "/livechat/users/{type}/{_id}", L(Later::RemoveUserOfType)),
    (Method::POST,   "/users.create", L(Later::CreateUser)),
    (Method::POST,   "/users.delete", L(Later::DeleteUser)),
    (Method::POST,   "/users.setStatus", L(Later::SetStatus)),
    // `method.call/livechat:x`, `livechat%2Fx` and the test helpers' unescaped `livechat/x`.
    (Method::POST,   "/method.call/{method}", L(Later::MethodCall)),
    (Method::POST,   "/method.call/{namespace}/{method}", L(Later::MethodCall)),
    (Method::POST,   "/permissions.update", L(Later::UpdatePermissions)),
    (Method::GET,    "/permissions.listAll", N(Now::ListPermissions)),
    (Method::GET,    "/settings/{_id}", N(Now::ShowSetting)),
    (Method::POST,   "/settings/{_id}", L(Later::SaveSetting)),
    // Enterprise: `apps/meteor/ee/app/livechat-enterprise/server/api/units.ts`.
    (Method::GET,    "/livechat/units", N(Now::ListUnits)),
    (Method::POST,   "/livechat/units", L(Later::CreateUnit)),
    (Method::GET,    "/livechat/units/{id}", N(Now::ShowUnit)),
    (Method::POST,   "/livechat/units/{id}", L(Later::UpdateUnit)),
    (Method::DELETE, "/livechat/units/{id}", L(Later::DeleteUnit)),
    (Method::GET,    "/livechat/units/{id}/departments", N(Now::UnitDepartments)),
    (Method::GET,    "/livechat/units/{id}/departments/available", N(Now::UnitAvailableDepartments)),
    (Method::GET,    "/livechat/units/{id}/monitors", N(Now::UnitMonitors)),
    (Method::POST,   "/livechat/agent.status", L(Later::AgentStatus)),
];

/// The route table under `/api/v1`, built once and shared by every tenant's facade.
pub fn table() -> &'static RouteTable<Action> {
    static TABLE: std::sync::LazyLock<RouteTable<Action>> =
        std::sync::LazyLock::new(|| RouteTable::new(&[PREFIX], ROUTES));
    &TABLE
}

const VIEW_DEPARTMENTS: &[Permission] =
    &[Permission::ViewLivechatDepartments, Permission::ViewLRoom];
const MANAGE_DEPARTMENTS: &[Permission] = &[Permission::ManageLivechatDepartments];
const MANAGE_OR_ADD_AGENTS: &[Permission] = &[
    Permission::ManageLivechatDepartments,
    Permission::AddLivechatDepartmentAgents,
];

impl Action {
    /// Whether the route needs `X-Auth-Token` + `X-User-Id` (all but login and the widget's).
    pub fn needs_auth(self) -> bool {
        !matches!(self, L(Later::Login) | N(Now::WidgetConfig))
    }

    /// Whether the route is Enterprise-only (`license: ['livechat-enterprise']`).
    pub fn enterprise_only(self) -> bool {
        matches!(
            self,
            N(Now::ListUnits)
                | N(Now::ShowUnit)
                | N(Now::UnitDepartments)
                | N(Now::UnitAvailableDepartments)
                | N(Now::UnitMonitors)
                | L(Later::CreateUnit)
                | L(Later::UpdateUnit)
                | L(Later::DeleteUnit)
        )
    }

    /// Whether the route is one of the typed routes (`API.v1.get(…)`, `packages/http-router`),
    /// whose body is checked before authentication.
    pub fn typed_body(self) -> bool {
        matches!(self, L(Later::AddUserOfType))
    }

    /// `permissionsRequired` of the route for its method (spec §3 table, §2.2).
    pub fn permissions(self) -> Required {
        use Required::{All, Any, None};
        match self {
            L(Later::Login) | L(Later::Logout) | N(Now::WidgetConfig) | L(Later::SetStatus) => None,
            L(Later::MethodCall) | N(Now::ListPermissions) => None,
            // `'*': []`; the handler checks its own permissions per type.
            N(Now::ListUsersOfType) => None,
            N(Now::ListDepartments)
            | N(Now::ShowDepartment)
            | N(Now::ListArchived)
            | N(Now::Autocomplete)
            | N(Now::DepartmentAgents)
            | N(Now::ListByIds) => Any(VIEW_DEPARTMENTS),
            L(Later::CreateDepartment) | L(Later::Archive) | L(Later::Unarchive) => {
                All(MANAGE_DEPARTMENTS)
            }
            N(Now::CreationAvailable) => Any(&[
                Permission::ViewLivechatDepartments,
                Permission::ManageLivechatDepartments,
            ]),
            L(Later::UpdateDepartment) | L(Later::SaveDepartmentAgents) => {
                Any(MANAGE_OR_ADD_AGENTS)
            }
            L(Later::DeleteDepartment) => Any(&[
                Permission::ManageLivechatDepartments,
                Permission::RemoveLivechatDepartment,
            ]),
            N(Now::AgentDepartments) | L(Later::AgentStatus) => All(&[Permission::ViewLRoom]),
            L(Later::AddUserOfType) | N(Now::ShowUserOfType) | L(Later::RemoveUserOfType) => {
                All(&[Permission::ViewLivechatManager])
            }
            L(Later::CreateUser) => All(&[Permission::CreateUser]),
            L(Later::DeleteUser) => All(&[Permission::DeleteUser]),
            L(Later::UpdatePermissions) => All(&[Permission::AccessPermissions]),
            N(Now::ShowSetting) => All(&[Permission::ViewPrivilegedSetting]),
            L(Later::SaveSetting) => All(&[Permission::EditPrivilegedSetting]),
            // `{POST: ['manage-livechat-units'], GET: []}`: the GET lists a monitor's own units.
            N(Now::ListUnits) => None,
            L(Later::CreateUnit)
            | N(Now::ShowUnit)
            | L(Later::UpdateUnit)
            | L(Later::DeleteUnit)
            | N(Now::UnitDepartments)
            | N(Now::UnitAvailableDepartments) => All(&[Permission::ManageLivechatUnits]),
            N(Now::UnitMonitors) => All(&[Permission::ManageLivechatMonitors]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_literal_creation_route_wins_over_the_id_parameter() {
        let table = table();
        let literal = table
            .resolve(
                &Method::GET,
                "/api/v1/livechat/department/isDepartmentCreationAvailable",
            )
            .unwrap();
        assert_eq!(literal.action, Action::Now(Now::CreationAvailable));
        let by_id = table
            .resolve(&Method::GET, "/api/v1/livechat/department/abc")
            .unwrap();
        assert_eq!(by_id.params.get("_id"), Some("abc"));
        let method = table
            .resolve(
                &Method::POST,
                "/api/v1/method.call/livechat/changeLivechatStatus",
            )
            .unwrap();
        assert_eq!(method.action, Action::Later(Later::MethodCall));
    }
}
