//! Tenants: whole, isolated instances of the gateway, each with its own state (departments,
//! agents, memberships, credentials, sessions, settings), its own facades and their caches, and
//! its own named snapshots. The [`Registry`] holds them by name; the tenant layer of the request
//! pipeline picks one per request, and nothing below it knows tenants exist: a facade is handed
//! its tenant's store as it would be handed the only one.
//!
//! Forks, snapshots, resets and restores share structure with the state they come from (the
//! model's persistent maps), so each costs O(1) until the tenant is written to. With
//! `--data-dir` every tenant, its journal and its named snapshots are kept on disk too
//! (`durable.rs`), and a restart brings each one back.
//!
//! # Layout
//! * `name.rs`: tenant and snapshot names (DNS labels); `origin.rs`: where a tenant came from.
//! * `error.rs`: why an operation fails, and how operations run their work (detached, blocking).
//! * `tenant.rs`: one tenant: its store, facades, base and named snapshots.
//! * `registry.rs`: every tenant by name; create, delete, idle removal, recovery.
//! * `durable.rs`: the tenants' files under the data directory, and the order that makes a
//!   create or a delete all-or-nothing across a crash.

mod durable;
mod error;
mod name;
mod options;
mod origin;
mod registry;
mod tenant;

pub use error::TenantError;
pub use name::{BadName, SnapshotName, TenantName};
pub use options::Options;
pub use origin::Origin;
pub use registry::{Registry, RegistryOptions, Source};
pub use tenant::{Snapshot, Tenant, TenantFacades};
