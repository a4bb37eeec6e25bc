//! The registry of tenants: a concurrent map from name to tenant, and the operations the control
//! plane offers on them (create from a source, delete, reset, snapshot, restore). With a data
//! directory ([`Registry::open`]) every tenant is recovered at start-up and every create and
//! delete is on disk before it is acknowledged (`durable.rs`); without one, everything lives in
//! memory ([`Registry::new`]).

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use dashmap::DashMap;

use super::durable::Disk;
use super::error::{TenantError, blocking, detached};
use super::options::Options;
use super::origin::Origin;
use super::tenant::{Parts, Snapshot, Tenant, TenantFacades};
use super::{SnapshotName, TenantName};
use crate::http::TenantTable;
use crate::model::{State, Store, Timestamp, View};
use crate::persist::{self, PersistError};

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

/// The registry's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryOptions {
    /// Most tenants at once, `default` included.
    pub max_tenants: usize,
    /// With it, a tenant no request chose for this long is removed (never `default`), and each
    /// request notes the time in its tenant; without it, no request pays for that.
    pub idle_ttl: Option<std::time::Duration>,
    /// Requests each tenant's request journal keeps; 0 keeps none.
    pub request_journal: usize,
}

/// Every tenant, by name. `default` is always there.
pub struct Registry {
    /// foldhash rather than SipHash: a connection's first request in a tenant hashes its name.
    tenants: DashMap<TenantName, Arc<Tenant>, foldhash::fast::RandomState>,
    /// Held apart as well, so that a request naming no tenant takes no look-up.
    default: Arc<Tenant>,
    /// The tenant count, kept beside the map so that the limit holds under concurrent creates.
    count: AtomicUsize,
    fixtures: View,
    facades: TenantFacades,
    options: RegistryOptions,
    /// With `--data-dir`.
    disk: Option<Arc<Disk>>,
    /// Names being created or deleted: one operation at a time per name, without holding a map
    /// shard (which every request to that shard reads) across the file work.
    busy: Mutex<HashSet<TenantName>>,
}

/// A name held in [`Registry::busy`] (and, for a create, a place in the count) until dropped.
struct Claim<'a> {
    registry: &'a Registry,
    name: TenantName,
    /// A create's place in the count, given back unless the tenant was made.
    counted: bool,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut busy = self.registry.busy.lock().unwrap_or_else(|e| e.into_inner());
        busy.remove(&self.name);
        if self.counted {
            self.registry.count.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Registry {
    /// A registry held in memory, whose `default` tenant is `store`; `fixtures` is what a tenant
    /// made `from: {"fixtures": true}` (and a reset of `default`) starts from.
    pub fn new(
        store: Store,
        fixtures: View,
        facades: TenantFacades,
        options: RegistryOptions,
    ) -> Self {
        let default = (Timestamp::now(), BTreeMap::new());
        Self::with_disk(store, fixtures, facades, options, None, default)
    }

    /// As [`Registry::new`], over the data directory of `durability`, whose store for `default`
    /// is `store`: every other tenant, and every tenant's named snapshots, are recovered from
    /// it, and every later change is kept there.
    pub fn open(
        store: Store,
        fixtures: View,
        facades: TenantFacades,
        options: RegistryOptions,
        durability: &persist::Options,
    ) -> Result<Self, PersistError> {
        let disk = Arc::new(Disk::new(durability));
        let default = TenantName::default_tenant();
        let default = (
            disk.default_created_at()?,
            snapshots(disk.read_named(&default)?),
        );
        let found = disk.recover()?;
        let registry = Self::with_disk(
            store,
            fixtures,
            facades,
            options,
            Some(Arc::clone(&disk)),
            default,
        );
        for tenant in found {
            let parts = Parts {
                name: tenant.name,
                created_at: tenant.created_at,
                origin: tenant.origin,
                options: tenant.options,
                base: Arc::new(tenant.base),
                store: tenant.store,
                snapshots: snapshots(tenant.snapshots),
                disk: Some(Arc::clone(&disk)),
            };
            let tenant = Arc::new(Tenant::new(
                parts,
                &registry.facades,
                options.idle_ttl.is_some(),
                options.request_journal,
            ));
            registry.tenants.insert(tenant.name.clone(), tenant);
        }
        let count = registry.tenants.len();
        registry.count.store(count, Ordering::Release);
        if count > options.max_tenants {
            tracing::warn!(
                tenants = count,
                max_tenants = options.max_tenants,
                "the data directory holds more tenants than --max-tenants; none is created until \
                 some are deleted"
            );
        }
        Ok(registry)
    }

    fn with_disk(
        store: Store,
        fixtures: View,
        facades: TenantFacades,
        options: RegistryOptions,
        disk: Option<Arc<Disk>>,
        (created_at, snapshots): (Timestamp, BTreeMap<SnapshotName, Arc<Snapshot>>),
    ) -> Self {
        let parts = Parts {
            name: TenantName::default_tenant(),
            created_at,
            origin: Origin::Fixtures,
            options: Options::default(),
            base: Arc::clone(&fixtures),
            store,
            snapshots,
            disk: disk.clone(),
        };
        let default = Arc::new(Tenant::new(parts, &facades, false, options.request_journal));
        let tenants = DashMap::with_hasher(foldhash::fast::RandomState::default());
        tenants.insert(default.name.clone(), Arc::clone(&default));
        Self {
            tenants,
            default,
            count: AtomicUsize::new(1),
            fixtures,
            facades,
            options,
            disk,
            busy: Mutex::default(),
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

    fn lock_busy(&self) -> std::sync::MutexGuard<'_, HashSet<TenantName>> {
        self.busy.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Holds `name` for a create: refused if a tenant has it or an operation holds it, or if
    /// the registry is full.
    fn claim_new(&self, name: TenantName) -> Result<Claim<'_>, TenantError> {
        let mut busy = self.lock_busy();
        if busy.contains(&name) || self.tenants.contains_key(&name) {
            return Err(TenantError::TenantExists(name));
        }
        let max = self.options.max_tenants;
        self.count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .map_err(|_| TenantError::TooManyTenants(max))?;
        busy.insert(name.clone());
        Ok(Claim {
            registry: self,
            name,
            counted: true,
        })
    }

    /// Creates `name` from `source`, with `options` (already checked), or, when none are given,
    /// the options of the tenant it is forked from or whose snapshot it starts from. Nothing is
    /// created when it fails; with a data directory, the tenant is on disk, whole, when this
    /// returns.
    pub async fn create(
        self: &Arc<Self>,
        name: TenantName,
        source: Source,
        options: Option<Options>,
    ) -> Result<Arc<Tenant>, TenantError> {
        let this = Arc::clone(self);
        detached(async move { this.create_whole(name, source, options).await }).await
    }

    async fn create_whole(
        &self,
        name: TenantName,
        source: Source,
        options: Option<Options>,
    ) -> Result<Arc<Tenant>, TenantError> {
        let (origin, base, inherited) = match source {
            Source::Fixtures => (Origin::Fixtures, Arc::clone(&self.fixtures), None),
            Source::Fork(from) => {
                let source = self.find(&from)?;
                let state = source.store().view();
                let version = state.version();
                let origin = Origin::Fork {
                    tenant: from,
                    version,
                };
                (origin, state, Some(source.options.clone()))
            }
            Source::Snapshot { tenant, snapshot } => {
                let source = self.find(&tenant)?;
                let state = Arc::clone(&source.find_snapshot(&snapshot)?.state);
                let options = source.options.clone();
                (Origin::Snapshot { tenant, snapshot }, state, Some(options))
            }
            Source::Empty => (Origin::Empty, Arc::new(State::empty()), None),
            Source::State(state) => (Origin::State, Arc::new(*state), None),
        };
        let options = options.or(inherited).unwrap_or_default();
        let mut claim = self.claim_new(name.clone())?;
        let created_at = Timestamp::now();
        let store = match &self.disk {
            None => Store::new(State::clone(&base)),
            Some(disk) => {
                let (disk, name, origin, options, base) = (
                    Arc::clone(disk),
                    name.clone(),
                    origin.clone(),
                    options.clone(),
                    Arc::clone(&base),
                );
                blocking(move || disk.create(&name, created_at, (&origin, &options), &base)).await?
            }
        };
        let parts = Parts {
            name,
            created_at,
            origin,
            options,
            base,
            store,
            snapshots: BTreeMap::new(),
            disk: self.disk.clone(),
        };
        let tenant = Arc::new(Tenant::new(
            parts,
            &self.facades,
            self.options.idle_ttl.is_some(),
            self.options.request_journal,
        ));
        self.tenants
            .insert(tenant.name.clone(), Arc::clone(&tenant));
        claim.counted = false;
        Ok(tenant)
    }

    /// Removes `name`. Requests already running in it finish on the view they hold; with a data
    /// directory, its later writes fail, and it is gone from disk when this returns.
    pub async fn delete(self: &Arc<Self>, name: &TenantName) -> Result<(), TenantError> {
        if name.is_default() {
            return Err(TenantError::DefaultIsPermanent);
        }
        let (this, name) = (Arc::clone(self), name.clone());
        detached(async move {
            this.remove_if(&name, |_| true)
                .await?
                .then_some(())
                .ok_or(TenantError::NoSuchTenant(name))
        })
        .await
    }

    /// Removes `name` if `still` holds for it; whether it did.
    async fn remove_if(
        &self,
        name: &TenantName,
        still: impl Fn(&Tenant) -> bool,
    ) -> Result<bool, TenantError> {
        let (tenant, _claim) = {
            let mut busy = self.lock_busy();
            // A name held by another operation is a tenant being made (not there yet) or
            // being deleted (gone as soon as that ends).
            let tenant = match self.get(name.as_str()) {
                Some(tenant) if !busy.contains(name) => tenant,
                _ => return Err(TenantError::NoSuchTenant(name.clone())),
            };
            if !still(&tenant) {
                return Ok(false);
            }
            busy.insert(name.clone());
            let claim = Claim {
                registry: self,
                name: name.clone(),
                counted: false,
            };
            (tenant, claim)
        };
        tenant.retire(true).await;
        let gone = match &self.disk {
            None => None,
            Some(disk) => {
                let (disk, name) = (Arc::clone(disk), name.clone());
                match blocking(move || disk.remove(&name)).await {
                    Ok(gone) => Some(gone),
                    Err(error) => {
                        tenant.retire(false).await;
                        return Err(error);
                    }
                }
            }
        };
        self.tenants.remove(name.as_str());
        // Connections that kept the tenant look it up again, and find it gone.
        tenant.facades().retire();
        self.count.fetch_sub(1, Ordering::AcqRel);
        // Its journal is closed before the name is free again: nothing of the old tenant may
        // touch a directory a new tenant of that name owns.
        tenant.store().close().await;
        if let Some(gone) = gone {
            tokio::task::spawn_blocking(move || Disk::purge(&gone));
        }
        Ok(true)
    }

    /// Removes every tenant but `default` that no request has chosen since `before` (from disk
    /// too, with a data directory); returns their names.
    pub async fn remove_idle(self: &Arc<Self>, before: Timestamp) -> Vec<TenantName> {
        let idle: Vec<TenantName> = self
            .tenants
            .iter()
            .filter(|e| !e.key().is_default() && e.value().last_used() < before)
            .map(|e| e.key().clone())
            .collect();
        let mut removed = Vec::new();
        for name in idle {
            let (this, gone) = (Arc::clone(self), name.clone());
            let removed_one =
                detached(async move { this.remove_if(&gone, |t| t.last_used() < before).await });
            match removed_one.await {
                Ok(true) => removed.push(name),
                Ok(false) | Err(TenantError::NoSuchTenant(_)) => {}
                Err(error) => tracing::error!(
                    tenant = %name,
                    error = &error as &dyn std::error::Error,
                    "cannot remove an idle tenant"
                ),
            }
        }
        removed
    }

    /// Flushes every tenant's journal and stops its commit task (at shutdown).
    pub async fn close(&self) {
        for tenant in self.list() {
            tenant.store().close().await;
        }
    }
}

/// Recovered snapshots, by name.
fn snapshots(
    found: Vec<(SnapshotName, persist::SavedState)>,
) -> BTreeMap<SnapshotName, Arc<Snapshot>> {
    found
        .into_iter()
        .map(|(name, saved)| {
            let snapshot = Snapshot {
                state: Arc::new(saved.state),
                created_at: saved.saved_at,
            };
            (name, Arc::new(snapshot))
        })
        .collect()
}

impl crate::http::layer::TenantDirectory for Registry {
    fn facades(&self, name: &str) -> Option<Arc<TenantTable>> {
        let tenant = self.tenants.get(name)?;
        Some(Arc::clone(tenant.facades()))
    }
}
