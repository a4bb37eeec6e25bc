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
    ReplaceState,
    ListSnapshots,
    TakeSnapshot,
    DeleteSnapshot,
    Restore,
    ListRequests,
    CountRequests,
    ClearRequests,
    StreamRequests,
    AddFault,
    ListFaults,
    ClearFaults,
    DeleteFault,
}

/// The routes; `{name}` is a tenant, `{snapshot}` one of its snapshots.
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
    (Method::GET,    "/tenants/{name}/snapshots",             Action::ListSnapshots),
    (Method::POST,   "/tenants/{name}/snapshots",             Action::TakeSnapshot),
    (Method::DELETE, "/tenants/{name}/snapshots/{snapshot}",  Action::DeleteSnapshot),
    (Method::POST,   "/tenants/{name}/restore",               Action::Restore),
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
