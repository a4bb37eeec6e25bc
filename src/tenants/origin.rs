//! Where a tenant came from: what the control plane reports, and what its files record.

use super::{SnapshotName, TenantName};

/// Where a tenant came from, as the control plane reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Fixtures,
    Fork {
        tenant: TenantName,
        version: u64,
    },
    Snapshot {
        tenant: TenantName,
        snapshot: SnapshotName,
    },
    Empty,
    State,
}
