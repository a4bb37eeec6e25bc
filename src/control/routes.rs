//! The control plane's routes, one line each, under `/_gateway`.

use http::Method;

use crate::http::routing::RouteTable;

/// What a request asks the control plane for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Health,
    Info,
    Metrics,
    ListTenants,
    CreateTenant,
    ShowTenant,
    DeleteTenant,
    ResetTenant,
    ShowState,
    ShowContacts,
    ReplaceState,
    ListSnapshots,
    TakeSnapshot,
    DeleteSnapshot,
    Restore,
    Records,
    DepartmentViews,
    DashboardRedirect,
    Dashboard,
    DashboardAsset,
    ImportTenant,
    ExportTenant,
    Reconcile,
    ListRequests,
    CountRequests,
    ClearRequests,
    StreamRequests,
    AddFault,
    ListFaults,
    ClearFaults,
    DeleteFault,
}

impl Action {
    /// Whether the route is open without the admin token: health, and the dashboard's own files,
    /// which hold no data (the page asks for the token itself).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Action::Health | Action::DashboardRedirect | Action::Dashboard | Action::DashboardAsset
        )
    }
}

/// The routes; `{name}` is a tenant, `{snapshot}` one of its snapshots, `{id}` a department's
/// integer id, `{file}` one of the dashboard's files.
#[rustfmt::skip]
pub const ROUTES: &[(Method, &str, Action)] = &[
    (Method::GET,    "/health",                               Action::Health),
    (Method::GET,    "/info",                                 Action::Info),
    (Method::GET,    "/metrics",                              Action::Metrics),
    (Method::GET,    "/tenants",                              Action::ListTenants),
    (Method::POST,   "/tenants",                              Action::CreateTenant),
    (Method::GET,    "/tenants/{name}",                       Action::ShowTenant),
    (Method::DELETE, "/tenants/{name}",                       Action::DeleteTenant),
    (Method::POST,   "/tenants/{name}/reset",                 Action::ResetTenant),
    (Method::GET,    "/tenants/{name}/state",                 Action::ShowState),
    (Method::PUT,    "/tenants/{name}/state",                 Action::ReplaceState),
    (Method::GET,    "/tenants/{name}/contacts",              Action::ShowContacts),
    (Method::GET,    "/tenants/{name}/snapshots",             Action::ListSnapshots),
    (Method::POST,   "/tenants/{name}/snapshots",             Action::TakeSnapshot),
    (Method::DELETE, "/tenants/{name}/snapshots/{snapshot}",  Action::DeleteSnapshot),
    (Method::POST,   "/tenants/{name}/restore",               Action::Restore),
    (Method::GET,    "/tenants/{name}/records",               Action::Records),
    (Method::GET,    "/tenants/{name}/departments/{id}/views", Action::DepartmentViews),
    (Method::GET,    "/ui",                                   Action::DashboardRedirect),
    (Method::GET,    "/ui/",                                  Action::Dashboard),
    (Method::GET,    "/ui/{file}",                            Action::DashboardAsset),
    (Method::POST,   "/tenants/{name}/import",                Action::ImportTenant),
    (Method::GET,    "/tenants/{name}/export",                Action::ExportTenant),
    (Method::POST,   "/reconcile",                            Action::Reconcile),
    // The request journal (requests.rs).
    (Method::GET,    "/tenants/{name}/requests",              Action::ListRequests),
    (Method::DELETE, "/tenants/{name}/requests",              Action::ClearRequests),
    (Method::POST,   "/tenants/{name}/requests/count",        Action::CountRequests),
    (Method::GET,    "/tenants/{name}/requests/stream",       Action::StreamRequests),
    // Faults (faults.rs).
    (Method::POST,   "/tenants/{name}/faults",                Action::AddFault),
    (Method::GET,    "/tenants/{name}/faults",                Action::ListFaults),
    (Method::DELETE, "/tenants/{name}/faults",                Action::ClearFaults),
    (Method::DELETE, "/tenants/{name}/faults/{fault}",        Action::DeleteFault),
];

/// Where the control plane lives.
pub const PREFIX: &str = "/_gateway";

pub fn table() -> RouteTable<Action> {
    RouteTable::new(&[PREFIX], ROUTES)
}
