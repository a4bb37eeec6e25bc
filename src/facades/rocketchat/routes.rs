//! Method + path -> action, one line per route (spec §3's table and the routes the e2e suite
//! needs, §6), with each route's `permissionsRequired` (spec §1.2, §3).

use http::Method;

use crate::http::routing::RouteTable;

use super::permissions::{Permission, Required, perm};

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Login,
    Logout,
    ListDepartments,
    CreateDepartment,
    CreationAvailable,
    ShowDepartment,
    UpdateDepartment,
    DeleteDepartment,
    ListArchived,
    Archive,
    Unarchive,
    Autocomplete,
    DepartmentAgents,
    SaveDepartmentAgents,
    ListByIds,
    AgentDepartments,
    WidgetConfig,
    ListUsersOfType,
    AddUserOfType,
    ShowUserOfType,
    RemoveUserOfType,
    CreateUser,
    DeleteUser,
    SetStatus,
    MethodCall,
    UpdatePermissions,
    ListPermissions,
    ShowSetting,
    SaveSetting,
}

/// The prefix every route lives under.
pub const PREFIX: &str = "/api/v1";

/// The route table; paths are relative to [`PREFIX`], `{…}` is one path segment. The literal
/// `isDepartmentCreationAvailable` is listed before `{_id}`, as Rocket.Chat registers it (and
/// the matcher prefers literal segments anyway).
#[rustfmt::skip]
pub const ROUTES: &[(Method, &str, Action)] = &[
    (Method::POST,   "/login", Action::Login),
    (Method::POST,   "/logout", Action::Logout),
    (Method::GET,    "/livechat/department", Action::ListDepartments),
    (Method::POST,   "/livechat/department", Action::CreateDepartment),
    (Method::GET,    "/livechat/department/isDepartmentCreationAvailable", Action::CreationAvailable),
    (Method::GET,    "/livechat/department/{_id}", Action::ShowDepartment),
    (Method::PUT,    "/livechat/department/{_id}", Action::UpdateDepartment),
    (Method::DELETE, "/livechat/department/{_id}", Action::DeleteDepartment),
    (Method::GET,    "/livechat/departments/archived", Action::ListArchived),
    (Method::POST,   "/livechat/department/{_id}/archive", Action::Archive),
    (Method::POST,   "/livechat/department/{_id}/unarchive", Action::Unarchive),
    (Method::GET,    "/livechat/department.autocomplete", Action::Autocomplete),
    (Method::GET,    "/livechat/department/{_id}/agents", Action::DepartmentAgents),
    (Method::POST,   "/livechat/department/{_id}/agents", Action::SaveDepartmentAgents),
    (Method::GET,    "/livechat/department.listByIds", Action::ListByIds),
    (Method::GET,    "/livechat/agents/{agentId}/departments", Action::AgentDepartments),
    (Method::GET,    "/livechat/config", Action::WidgetConfig),
    (Method::GET,    "/livechat/users/{type}", Action::ListUsersOfType),
    (Method::POST,   "/livechat/users/{type}", Action::AddUserOfType),
    (Method::GET,    "/livechat/users/{type}/{_id}", Action::ShowUserOfType),
    (Method::DELETE, "/livechat/users/{type}/{_id}", Action::RemoveUserOfType),
    (Method::POST,   "/users.create", Action::CreateUser),
    (Method::POST,   "/users.delete", Action::DeleteUser),
    (Method::POST,   "/users.setStatus", Action::SetStatus),
    // `method.call/livechat:x`, `livechat%2Fx` and the test helpers' unescaped `livechat/x`.
    (Method::POST,   "/method.call/{method}", Action::MethodCall),
    (Method::POST,   "/method.call/{namespace}/{method}", Action::MethodCall),
    (Method::POST,   "/permissions.update", Action::UpdatePermissions),
    (Method::GET,    "/permissions.listAll", Action::ListPermissions),
    (Method::GET,    "/settings/{_id}", Action::ShowSetting),
    (Method::POST,   "/settings/{_id}", Action::SaveSetting),
];

/// The route table under `/api/v1`.
pub fn table() -> RouteTable<Action> {
    RouteTable::new(&[PREFIX], ROUTES)
}

const VIEW_DEPARTMENTS: &[Permission] = &[perm!("view-livechat-departments"), perm!("view-l-room")];
const MANAGE_DEPARTMENTS: &[Permission] = &[perm!("manage-livechat-departments")];
const MANAGE_OR_ADD_AGENTS: &[Permission] = &[
    perm!("manage-livechat-departments"),
    perm!("add-livechat-department-agents"),
];

impl Action {
    /// Whether the route needs `X-Auth-Token` + `X-User-Id` (all but login and the widget's).
    pub fn needs_auth(self) -> bool {
        !matches!(self, Action::Login | Action::WidgetConfig)
    }

    /// `permissionsRequired` of the route for its method (spec §3 table, §2.2).
    pub fn permissions(self) -> Required {
        use Required::{All, Any, None};
        match self {
            Action::Login | Action::Logout | Action::WidgetConfig | Action::SetStatus => None,
            Action::MethodCall | Action::ListPermissions => None,
            // `'*': []`; the handler checks its own permissions per type.
            Action::ListUsersOfType => None,
            Action::ListDepartments
            | Action::ShowDepartment
            | Action::ListArchived
            | Action::Autocomplete
            | Action::DepartmentAgents
            | Action::ListByIds => Any(VIEW_DEPARTMENTS),
            Action::CreateDepartment | Action::Archive | Action::Unarchive => {
                All(MANAGE_DEPARTMENTS)
            }
            Action::CreationAvailable => Any(&[
                perm!("view-livechat-departments"),
                perm!("manage-livechat-departments"),
            ]),
            Action::UpdateDepartment | Action::SaveDepartmentAgents => Any(MANAGE_OR_ADD_AGENTS),
            Action::DeleteDepartment => Any(&[
                perm!("manage-livechat-departments"),
                perm!("remove-livechat-department"),
            ]),
            Action::AgentDepartments => All(&[perm!("view-l-room")]),
            Action::AddUserOfType | Action::ShowUserOfType | Action::RemoveUserOfType => {
                All(&[perm!("view-livechat-manager")])
            }
            Action::CreateUser => All(&[perm!("create-user")]),
            Action::DeleteUser => All(&[perm!("delete-user")]),
            Action::UpdatePermissions => All(&[perm!("access-permissions")]),
            Action::ShowSetting => All(&[perm!("view-privileged-setting")]),
            Action::SaveSetting => All(&[perm!("edit-privileged-setting")]),
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
        assert_eq!(literal.action, Action::CreationAvailable);
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
        assert_eq!(method.action, Action::MethodCall);
    }
}
