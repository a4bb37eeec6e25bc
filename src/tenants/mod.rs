//! Tenants: whole, isolated instances of the gateway, each with its own state (departments,
//! agents, memberships, credentials, sessions, settings), its own facades and their caches, and
//! its own named snapshots. The [`Registry`] holds them by name; the tenant layer of the request
//! pipeline picks one per request, and nothing below it knows tenants exist: a facade is handed
//! its tenant's store as it would be handed the only one.
//!
//! Forks, snapshots, resets and restores share structure with the state they come from (the
//! model's persistent maps), so each costs O(1) until the tenant is written to.

mod name;
mod registry;

pub use name::{BadName, SnapshotName, TenantName};
pub use registry::{
    Origin, Registry, RegistryOptions, Snapshot, Source, Tenant, TenantError, TenantFacades,
};
