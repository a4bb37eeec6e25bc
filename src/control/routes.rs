//! The control plane's routes, one line each, under `/_gateway`.

use http::Method;

use crate::http::routing::RouteTable;

/// What a request asks the control plane for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Health,
    Info,
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
    ImportTenant,
    ExportTenant,
    Reconcile,
}

/// The routes; `{name}` is a tenant, `{snapshot}` one of its snapshots.
#[rustfmt::skip]
pub const ROUTES: &[(Method, &str, Action)] = &[
    (Method::GET,    "/health",                               Action::Health),
    (Method::GET,    "/info",                                 Action::Info),
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
    (Method::POST,   "/tenants/{name}/import",                Action::ImportTenant),
    (Method::GET,    "/tenants/{name}/export",                Action::ExportTenant),
    (Method::POST,   "/reconcile",                            Action::Reconcile),
];

/// Where the control plane lives.
pub const PREFIX: &str = "/_gateway";

pub fn table() -> RouteTable<Action> {
    RouteTable::new(&[PREFIX], ROUTES)
}
