//! The registry of tenants: a concurrent map from name to tenant, and the operations the control
//! plane offers on them (create from a source, delete, reset, snapshot, restore).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;

use super::{SnapshotName, TenantName};
use crate::http::PrefixTable;
use crate::model::{ModelError, State, Store, Timestamp, View};

/// Builds a tenant's facades over its store: `app.rs` supplies it, so that this module names no
/// vendor.
pub type TenantFacades = Box<dyn Fn(Store) -> PrefixTable + Send + Sync>;

/// What a new tenant starts from.
pub enum Source {
    /// The gateway's fixtures (`--fixtures`, or the embedded data).
    Fixtures,
    /// Another tenant's current state.
    Fork(TenantName),
    /// One of another tenant's snapshots.
    Snapshot {
        tenant: TenantName,
        snapshot: SnapshotName,
    },
    /// Nothing at all.
    Empty,
    /// A state given whole (a fixture document, already validated).
    State(Box<State>),
}

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
    /// What a reset goes back to: the state the tenant was created from.
    base: View,
    store: Store,
    facades: Arc<PrefixTable>,
    snapshots: Mutex<BTreeMap<SnapshotName, Arc<Snapshot>>>,
    /// When a request last chose this tenant (milliseconds since the epoch), for the idle TTL.
    last_used: AtomicI64,
}

impl Tenant {
    fn new(
        name: TenantName,
        origin: Origin,
        base: View,
        store: Store,
        facades: &TenantFacades,
    ) -> Self {
        let now = Timestamp::now();
        Self {
            name,
            created_at: now,
            origin,
            base,
            facades: Arc::new(facades(store.clone())),
            store,
            snapshots: Mutex::default(),
            last_used: AtomicI64::new(now.unix_millis()),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The tenant's facades, by path prefix.
    pub fn facades(&self) -> &Arc<PrefixTable> {
        &self.facades
    }

    /// Notes that a request chose this tenant.
    pub fn touch(&self) {
        self.last_used
            .store(Timestamp::now().unix_millis(), Ordering::Relaxed);
    }

    pub fn last_used(&self) -> Timestamp {
        Timestamp::from_unix_millis(self.last_used.load(Ordering::Relaxed))
    }

    /// Back to the state it was created from.
    pub async fn reset(&self) -> Result<View, TenantError> {
        Ok(self.store.replace(State::clone(&self.base)).await?)
    }

    /// Freezes the current state under `name`.
    pub fn snapshot(&self, name: SnapshotName) -> Result<Arc<Snapshot>, TenantError> {
        let mut snapshots = self.snapshots.lock().unwrap_or_else(|e| e.into_inner());
        if snapshots.contains_key(&name) {
            return Err(TenantError::SnapshotExists(name));
        }
        let snapshot = Arc::new(Snapshot {
            state: self.store.view(),
            created_at: Timestamp::now(),
        });
        snapshots.insert(name, Arc::clone(&snapshot));
        Ok(snapshot)
    }

    /// The snapshots, by name.
    pub fn snapshots(&self) -> Vec<(SnapshotName, Arc<Snapshot>)> {
        let snapshots = self.snapshots.lock().unwrap_or_else(|e| e.into_inner());
        snapshots
            .iter()
            .map(|(name, snapshot)| (name.clone(), Arc::clone(snapshot)))
            .collect()
    }

    fn find_snapshot(&self, name: &SnapshotName) -> Result<Arc<Snapshot>, TenantError> {
        let snapshots = self.snapshots.lock().unwrap_or_else(|e| e.into_inner());
        snapshots
            .get(name)
            .cloned()
            .ok_or_else(|| TenantError::NoSuchSnapshot(name.clone()))
    }

    pub fn delete_snapshot(&self, name: &SnapshotName) -> Result<(), TenantError> {
        let mut snapshots = self.snapshots.lock().unwrap_or_else(|e| e.into_inner());
        snapshots
            .remove(name)
            .map(drop)
            .ok_or_else(|| TenantError::NoSuchSnapshot(name.clone()))
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
}

/// Why a tenant operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error("there is no tenant named {0}")]
    NoSuchTenant(TenantName),
    #[error("a tenant named {0} already exists")]
    TenantExists(TenantName),
    #[error("the default tenant cannot be deleted")]
    DefaultIsPermanent,
    #[error("the gateway holds its maximum of {0} tenants")]
    TooManyTenants(usize),
    #[error("there is no snapshot named {0}")]
    NoSuchSnapshot(SnapshotName),
    #[error("a snapshot named {0} already exists")]
    SnapshotExists(SnapshotName),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The registry's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryOptions {
    /// Most tenants at once, `default` included.
    pub max_tenants: usize,
    /// With it, a tenant no request chose for this long is removed (never `default`), and each
    /// request notes the time in its tenant; without it, no request pays for that.
    pub idle_ttl: Option<std::time::Duration>,
}

/// Every tenant, by name. `default` is always there.
pub struct Registry {
    tenants: DashMap<TenantName, Arc<Tenant>>,
    /// Held apart as well, so that a request naming no tenant takes no look-up.
    default: Arc<Tenant>,
    /// The tenant count, kept beside the map so that the limit holds under concurrent creates.
    count: AtomicUsize,
    fixtures: View,
    facades: TenantFacades,
    options: RegistryOptions,
}

impl Registry {
    /// A registry whose `default` tenant is `store`; `fixtures` is what a tenant made
    /// `from: {"fixtures": true}` (and a reset of `default`) starts from.
    pub fn new(
        store: Store,
        fixtures: View,
        facades: TenantFacades,
        options: RegistryOptions,
    ) -> Self {
        let default = Arc::new(Tenant::new(
            TenantName::default_tenant(),
            Origin::Fixtures,
            Arc::clone(&fixtures),
            store,
            &facades,
        ));
        let tenants = DashMap::new();
        tenants.insert(default.name.clone(), Arc::clone(&default));
        Self {
            tenants,
            default,
            count: AtomicUsize::new(1),
            fixtures,
            facades,
            options,
        }
    }

    pub fn default_tenant(&self) -> &Arc<Tenant> {
        &self.default
    }

    /// The tenant named `name`.
    pub fn get(&self, name: &str) -> Option<Arc<Tenant>> {
        self.tenants
            .get(name)
            .map(|entry| Arc::clone(entry.value()))
    }

    /// The tenant named `name`, or why not.
    pub fn find(&self, name: &TenantName) -> Result<Arc<Tenant>, TenantError> {
        self.get(name.as_str())
            .ok_or_else(|| TenantError::NoSuchTenant(name.clone()))
    }

    /// Every tenant, by name.
    pub fn list(&self) -> Vec<Arc<Tenant>> {
        let mut all: Vec<_> = self.tenants.iter().map(|e| Arc::clone(e.value())).collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    pub fn len(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn options(&self) -> RegistryOptions {
        self.options
    }

    /// Creates `name` from `source`. Nothing is created when it fails.
    pub fn create(&self, name: TenantName, source: Source) -> Result<Arc<Tenant>, TenantError> {
        // Resolved before the entry is taken: a fork of a tenant in the same shard would
        // otherwise wait on the entry's own lock.
        let (origin, base) = match source {
            Source::Fixtures => (Origin::Fixtures, Arc::clone(&self.fixtures)),
            Source::Fork(from) => {
                let state = self.find(&from)?.store.view();
                let version = state.version();
                (
                    Origin::Fork {
                        tenant: from,
                        version,
                    },
                    state,
                )
            }
            Source::Snapshot { tenant, snapshot } => {
                let state = Arc::clone(&self.find(&tenant)?.find_snapshot(&snapshot)?.state);
                (Origin::Snapshot { tenant, snapshot }, state)
            }
            Source::Empty => (Origin::Empty, Arc::new(State::empty())),
            Source::State(state) => (Origin::State, Arc::new(*state)),
        };
        match self.tenants.entry(name) {
            Entry::Occupied(taken) => Err(TenantError::TenantExists(taken.key().clone())),
            Entry::Vacant(free) => {
                let max = self.options.max_tenants;
                self.count
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                        (n < max).then_some(n + 1)
                    })
                    .map_err(|_| TenantError::TooManyTenants(max))?;
                let store = Store::new(State::clone(&base));
                let tenant = Arc::new(Tenant::new(
                    free.key().clone(),
                    origin,
                    base,
                    store,
                    &self.facades,
                ));
                free.insert(Arc::clone(&tenant));
                Ok(tenant)
            }
        }
    }

    /// Removes `name`. Requests already running in it finish on the tenant they hold.
    pub fn delete(&self, name: &TenantName) -> Result<(), TenantError> {
        if name.is_default() {
            return Err(TenantError::DefaultIsPermanent);
        }
        self.tenants
            .remove(name.as_str())
            .ok_or_else(|| TenantError::NoSuchTenant(name.clone()))?;
        self.count.fetch_sub(1, Ordering::AcqRel);
        Ok(())
    }

    /// Removes every tenant but `default` that no request has chosen since `before`; returns
    /// their names.
    /// Notes the use of a tenant, when idle tenants are removed at all.
    fn used(&self, tenant: &Tenant) {
        if self.options.idle_ttl.is_some() {
            tenant.touch();
        }
    }

    pub fn remove_idle(&self, before: Timestamp) -> Vec<TenantName> {
        let idle: Vec<TenantName> = self
            .tenants
            .iter()
            .filter(|e| !e.key().is_default() && e.value().last_used() < before)
            .map(|e| e.key().clone())
            .collect();
        idle.into_iter()
            .filter(|name| {
                let removed = self
                    .tenants
                    .remove_if(name.as_str(), |_, t| t.last_used() < before)
                    .is_some();
                if removed {
                    self.count.fetch_sub(1, Ordering::AcqRel);
                }
                removed
            })
            .collect()
    }
}

impl crate::http::layer::TenantDirectory for Registry {
    fn facades(&self, name: &str) -> Option<Arc<PrefixTable>> {
        let tenant = self.tenants.get(name)?;
        self.used(&tenant);
        Some(Arc::clone(tenant.facades()))
    }
}
