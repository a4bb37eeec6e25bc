//! One tenant: its store, its facades, what a reset goes back to, and its named snapshots (kept
//! on disk too when the registry has a data directory, `durable.rs`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::durable::Disk;
use super::error::{TenantError, blocking, detached};
use super::options::Options;
use super::origin::Origin;
use super::{SnapshotName, TenantName};
use crate::http::{PrefixTable, TenantTable, TenantWatch};
use crate::model::{State, Store, Timestamp, View};

/// Builds a tenant's facades over its store: `app.rs` supplies it, so that this module names no
/// vendor.
pub type TenantFacades = Box<dyn Fn(Store, &Options) -> PrefixTable + Send + Sync>;

/// A named, frozen state of a tenant.
pub struct Snapshot {
    pub state: View,
    pub created_at: Timestamp,
}

/// One tenant.
pub struct Tenant {
    pub name: TenantName,
    pub created_at: Timestamp,
    pub origin: Origin,
    /// Its own options ([`Options`]).
    pub options: Options,
    /// What a reset goes back to: the state the tenant was created from.
    base: View,
    store: Store,
    facades: Arc<TenantTable>,
    snapshots: Mutex<BTreeMap<SnapshotName, Arc<Snapshot>>>,
    /// Taken by every change to the snapshots, so that their files are written one at a time
    /// and in the order of the map; `true` once the tenant is deleted, after which none is
    /// made (a new tenant of the same name may own the directory by then).
    snapshot_writes: tokio::sync::Mutex<bool>,
    /// With `--data-dir`, where the snapshots are kept.
    disk: Option<Arc<Disk>>,
}

/// What a tenant is made of, new or recovered.
pub(super) struct Parts {
    pub(super) name: TenantName,
    pub(super) created_at: Timestamp,
    pub(super) origin: Origin,
    pub(super) options: Options,
    pub(super) base: View,
    pub(super) store: Store,
    pub(super) snapshots: BTreeMap<SnapshotName, Arc<Snapshot>>,
    pub(super) disk: Option<Arc<Disk>>,
}

impl Tenant {
    /// `tracked`: whether requests note when they choose it (for the idle limit); `journal`: how
    /// many requests its request journal keeps (0: none).
    pub(super) fn new(
        parts: Parts,
        facades: &TenantFacades,
        tracked: bool,
        journal: usize,
    ) -> Self {
        let Parts {
            name,
            created_at,
            origin,
            options,
            base,
            store,
            snapshots,
            disk,
        } = parts;
        let watch = TenantWatch::new(name.as_str(), journal);
        Self {
            name,
            created_at,
            origin,
            base,
            facades: Arc::new(TenantTable::watched(
                facades(store.clone(), &options),
                tracked,
                watch,
            )),
            options,
            store,
            snapshots: Mutex::new(snapshots),
            snapshot_writes: tokio::sync::Mutex::new(false),
            disk,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The tenant's facades, by path prefix.
    pub fn facades(&self) -> &Arc<TenantTable> {
        &self.facades
    }

    /// When a request last chose this tenant (or it was made); kept only with an idle limit.
    pub fn last_used(&self) -> Timestamp {
        Timestamp::from_unix_millis(self.facades.last_chosen_ms())
    }

    /// Back to the state it was created from.
    pub async fn reset(&self) -> Result<View, TenantError> {
        Ok(self.store.replace(State::clone(&self.base)).await?)
    }

    /// Freezes the current state under `name` (on disk too, before it returns, with a data
    /// directory).
    pub async fn snapshot(
        self: &Arc<Self>,
        name: SnapshotName,
    ) -> Result<Arc<Snapshot>, TenantError> {
        let this = Arc::clone(self);
        detached(async move { this.snapshot_whole(name).await }).await
    }

    async fn snapshot_whole(&self, name: SnapshotName) -> Result<Arc<Snapshot>, TenantError> {
        let retired = self.snapshot_writes.lock().await;
        if *retired {
            return Err(TenantError::NoSuchTenant(self.name.clone()));
        }
        if self.locked_snapshots().contains_key(&name) {
            return Err(TenantError::SnapshotExists(name));
        }
        let snapshot = Arc::new(Snapshot {
            state: self.store.view(),
            created_at: Timestamp::now(),
        });
        if let Some(disk) = &self.disk {
            let (disk, tenant, snap) = (Arc::clone(disk), self.name.clone(), name.clone());
            let (state, at) = (Arc::clone(&snapshot.state), snapshot.created_at);
            blocking(move || disk.save_named(&tenant, &snap, &state, at)).await?;
        }
        self.locked_snapshots().insert(name, Arc::clone(&snapshot));
        Ok(snapshot)
    }

    fn locked_snapshots(&self) -> std::sync::MutexGuard<'_, BTreeMap<SnapshotName, Arc<Snapshot>>> {
        self.snapshots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The snapshots, by name.
    pub fn snapshots(&self) -> Vec<(SnapshotName, Arc<Snapshot>)> {
        self.locked_snapshots()
            .iter()
            .map(|(name, snapshot)| (name.clone(), Arc::clone(snapshot)))
            .collect()
    }

    pub(super) fn find_snapshot(&self, name: &SnapshotName) -> Result<Arc<Snapshot>, TenantError> {
        self.locked_snapshots()
            .get(name)
            .cloned()
            .ok_or_else(|| TenantError::NoSuchSnapshot(name.clone()))
    }

    /// Deletes the snapshot `name` (from disk too, before it returns, with a data directory).
    pub async fn delete_snapshot(self: &Arc<Self>, name: &SnapshotName) -> Result<(), TenantError> {
        let (this, name) = (Arc::clone(self), name.clone());
        detached(async move { this.delete_snapshot_whole(&name).await }).await
    }

    async fn delete_snapshot_whole(&self, name: &SnapshotName) -> Result<(), TenantError> {
        let retired = self.snapshot_writes.lock().await;
        if *retired {
            return Err(TenantError::NoSuchTenant(self.name.clone()));
        }
        self.find_snapshot(name)?;
        if let Some(disk) = &self.disk {
            let (disk, tenant, snap) = (Arc::clone(disk), self.name.clone(), name.clone());
            blocking(move || disk.remove_named(&tenant, &snap)).await?;
        }
        self.locked_snapshots().remove(name);
        Ok(())
    }

    /// Back to the snapshot `name`; the snapshot stays, so it can be restored again.
    pub async fn restore(&self, name: &SnapshotName) -> Result<View, TenantError> {
        let snapshot = self.find_snapshot(name)?;
        Ok(self.store.replace(State::clone(&snapshot.state)).await?)
    }

    /// Replaces the whole state (a validated fixture document).
    pub async fn replace(&self, state: State) -> Result<View, TenantError> {
        Ok(self.store.replace(state).await?)
    }

    /// Refuses every later snapshot change (the tenant is being deleted), once any under way
    /// has finished; `false` takes that back (the deletion failed).
    pub(super) async fn retire(&self, retired: bool) {
        *self.snapshot_writes.lock().await = retired;
    }
}
