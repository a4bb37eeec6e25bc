//! Method + path -> action, one line per route (spec part A3 and A4), served under both URL
//! generations: `/api/v2/` (www.zopim.com) and `/api/v2/chat/` ({subdomain}.zendesk.com).

use http::Method;

use crate::http::routing::RouteTable;

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ListDepartments,
    CreateDepartment,
    ShowDepartment,
    UpdateDepartment,
    DeleteDepartment,
    ShowDepartmentByName,
    UpdateDepartmentByName,
    DeleteDepartmentByName,
    ListAgents,
    ShowAgent,
    ShowAgentByEmail,
    ShowMe,
    CreateAgent,
    UpdateAgent,
    UpdateMe,
    DeleteAgent,
    ShowAccount,
    ListRoles,
    ShowRole,
}

/// The route table. Paths are relative to each prefix; `{…}` is one path segment.
pub const ROUTES: &[(Method, &str, Action)] = &[
    (Method::GET, "/departments", Action::ListDepartments),
    (Method::POST, "/departments", Action::CreateDepartment),
    (Method::GET, "/departments/{id}", Action::ShowDepartment),
    (Method::PUT, "/departments/{id}", Action::UpdateDepartment),
    (
        Method::DELETE,
        "/departments/{id}",
        Action::DeleteDepartment,
    ),
    (
        Method::GET,
        "/departments/name/{name}",
        Action::ShowDepartmentByName,
    ),
    (
        Method::PUT,
        "/departments/name/{name}",
        Action::UpdateDepartmentByName,
    ),
    (
        Method::DELETE,
        "/departments/name/{name}",
        Action::DeleteDepartmentByName,
    ),
    (Method::GET, "/agents", Action::ListAgents),
    (Method::GET, "/agents/{id}", Action::ShowAgent),
    (
        Method::GET,
        "/agents/email/{email}",
        Action::ShowAgentByEmail,
    ),
    (Method::GET, "/agents/me", Action::ShowMe),
    (Method::POST, "/agents", Action::CreateAgent),
    (Method::PUT, "/agents/{id}", Action::UpdateAgent),
    (Method::PUT, "/agents/me", Action::UpdateMe),
    (Method::DELETE, "/agents/{id}", Action::DeleteAgent),
    (Method::GET, "/account", Action::ShowAccount),
    (Method::GET, "/roles", Action::ListRoles),
    (Method::GET, "/roles/{id}", Action::ShowRole),
];

/// The two URL generations (spec A1).
pub const PREFIXES: [&str; 2] = ["/api/v2", "/api/v2/chat"];

/// The route table under both prefixes, built once and shared by every tenant's facade.
pub fn table() -> &'static RouteTable<Action> {
    static TABLE: std::sync::LazyLock<RouteTable<Action>> =
        std::sync::LazyLock::new(|| RouteTable::new(&PREFIXES, ROUTES));
    &TABLE
}

impl Action {
    /// Departments are "Allowed for: Owner, Administrator" (spec A3), and so are agents, the
    /// account ("Allowed for: Admin") and roles; `me` is open to every agent, who may change its
    /// own names, email and password there but not its role or whether it is enabled
    /// (`handlers::update_agent`).
    pub fn needs_admin(self) -> bool {
        !matches!(self, Action::ShowMe | Action::UpdateMe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_segments_win_over_parameters() {
        let table = table();
        let me = table
            .resolve(&Method::GET, "/api/v2/chat/agents/me")
            .unwrap();
        assert_eq!(me.action, Action::ShowMe);
        let by_name = table
            .resolve(&Method::GET, "/api/v2/departments/name/Sales%20Team")
            .unwrap();
        assert_eq!(by_name.params.get("name"), Some("Sales%20Team"));
    }
}
