//! Tenants on disk, with `--data-dir`: where each tenant, its base and its named snapshots live,
//! and the order of the file operations that make a create or a delete all-or-nothing across a
//! crash. The registry calls this when it has a data directory; `persist` does the storing and
//! knows nothing of tenants.
//!
//! ```text
//! DIR/                              the default tenant's store (persist's layout, unchanged)
//! DIR/tenant.json                   the default tenant's creation time (written at the first
//!                                   start that has none)
//! DIR/named/<snap>.snap             the default tenant's named snapshots
//! DIR/tenants/<name>/               another tenant's store: a data directory of its own (its
//!                                   own lock, snapshots, journal and compaction), and beside it:
//!     tenant.json                   {"created_at": <ms>, "origin": ...}
//!     base.snap                     the state a reset goes back to (a hard link to its first
//!                                   snapshot when made, so it costs no second write)
//!     named/<snap>.snap             its named snapshots
//! DIR/tenants/.new-<name>-<hex>/    a tenant being made; removed at start-up
//! DIR/tenants/.deleted-<name>-<hex>/ a tenant deleted, being removed; removed at start-up
//! ```
//!
//! **Create** builds the whole directory under `.new-*` (tenant.json, the first snapshot,
//! base.snap), fsyncs it, renames it to its name and fsyncs `DIR/tenants`: the rename is the
//! commit point, and the store is opened from the final directory only after it. A crash before
//! it leaves a `.new-*` that start-up removes: no half-made tenant. **Delete** renames the
//! directory to `.deleted-*` (the commit point) and fsyncs `DIR/tenants` before it is
//! acknowledged; the files go afterwards. Named snapshots are written whole (temporary file,
//! fsync, rename, fsync) before their create is acknowledged, and a delete is fsynced before its
//! answer. Every file is `0600` and every directory `0700` (`persist`'s helpers).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::options::Options;
use super::origin::Origin;
use super::{SnapshotName, TenantName};
use crate::model::{State, Store, Timestamp};
use crate::persist::{self, PersistError};

/// The name of the folder of tenants other than `default`.
const TENANTS: &str = "tenants";
/// A tenant's (or the default tenant's) named snapshots.
const NAMED: &str = "named";
const TENANT_FILE: &str = "tenant.json";
const BASE_FILE: &str = "base.snap";
const SNAPSHOT_EXTENSION: &str = ".snap";
const NEW_PREFIX: &str = ".new-";
const DELETED_PREFIX: &str = ".deleted-";

/// The tenants' part of the data directory.
#[derive(Debug, Clone)]
pub(super) struct Disk {
    /// The default tenant's store's options; another tenant's are the same but for the directory.
    options: persist::Options,
}

/// What `tenant.json` holds.
#[derive(Serialize, Deserialize)]
struct TenantFile {
    created_at: Timestamp,
    origin: OriginFile,
    /// The tenant's own options; absent in files from before tenants had options.
    #[serde(default)]
    options: Options,
}

/// [`Origin`] as `tenant.json` spells it.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OriginFile {
    Fixtures,
    Fork { tenant: String, version: u64 },
    Snapshot { tenant: String, name: String },
    Empty,
    State,
}

impl From<&Origin> for OriginFile {
    fn from(origin: &Origin) -> Self {
        match origin {
            Origin::Fixtures => OriginFile::Fixtures,
            Origin::Fork { tenant, version } => OriginFile::Fork {
                tenant: tenant.to_string(),
                version: *version,
            },
            Origin::Snapshot { tenant, snapshot } => OriginFile::Snapshot {
                tenant: tenant.to_string(),
                name: snapshot.to_string(),
            },
            Origin::Empty => OriginFile::Empty,
            Origin::State => OriginFile::State,
        }
    }
}

impl OriginFile {
    fn into_origin(self) -> Result<Origin, String> {
        let tenant = |name: &str| TenantName::parse(name).map_err(|e| format!("{name:?}: {e}"));
        Ok(match self {
            OriginFile::Fixtures => Origin::Fixtures,
            OriginFile::Fork {
                tenant: from,
                version,
            } => Origin::Fork {
                tenant: tenant(&from)?,
                version,
            },
            OriginFile::Snapshot { tenant: from, name } => Origin::Snapshot {
                tenant: tenant(&from)?,
                snapshot: SnapshotName::parse(&name).map_err(|e| format!("{name:?}: {e}"))?,
            },
            OriginFile::Empty => Origin::Empty,
            OriginFile::State => Origin::State,
        })
    }
}

/// A tenant found on disk at start-up.
pub(super) struct Found {
    pub(super) name: TenantName,
    pub(super) created_at: Timestamp,
    pub(super) origin: Origin,
    pub(super) options: Options,
    pub(super) base: State,
    pub(super) store: Store,
    pub(super) snapshots: Vec<(SnapshotName, persist::SavedState)>,
}

fn io(path: &Path, what: &'static str) -> impl FnOnce(std::io::Error) -> PersistError {
    let path = path.to_owned();
    move |source| PersistError::Io { path, what, source }
}

fn corrupt(path: &Path, reason: String) -> PersistError {
    PersistError::Corrupt {
        path: path.to_owned(),
        offset: 0,
        reason,
    }
}

/// `tenant.json`, read.
fn decode(file: &Path, text: &[u8]) -> Result<(Timestamp, Origin, Options), PersistError> {
    let TenantFile {
        created_at,
        origin,
        options,
    } = serde_json::from_slice(text)
        .map_err(|e| corrupt(file, format!("undecodable tenant file: {e}")))?;
    let origin = origin
        .into_origin()
        .map_err(|e| corrupt(file, format!("a bad name in the origin: {e}")))?;
    Ok((created_at, origin, options))
}

/// Writes `tenant.json`, whole or not at all.
fn write_tenant_file(
    file: &Path,
    created_at: Timestamp,
    origin: &Origin,
    options: &Options,
) -> Result<(), PersistError> {
    let text = serde_json::to_vec(&TenantFile {
        created_at,
        origin: origin.into(),
        options: options.clone(),
    })
    .map_err(|e| io(file, "cannot encode the tenant's file")(std::io::Error::other(e)))?;
    persist::write_atomically(file, &text).map_err(io(file, "cannot write the tenant's file"))
}

/// A random suffix, so that two makings (or deletions) of one name never share a directory.
fn suffix() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

impl Disk {
    /// The tenants of the data directory that `options` opens for the default tenant.
    pub(super) fn new(options: &persist::Options) -> Self {
        Self {
            options: options.clone(),
        }
    }

    fn root(&self) -> &Path {
        &self.options.dir
    }

    fn tenants(&self) -> PathBuf {
        self.root().join(TENANTS)
    }

    fn tenant_dir(&self, name: &TenantName) -> PathBuf {
        self.tenants().join(name.as_str())
    }

    /// Where a tenant's named snapshots live.
    pub(super) fn named_dir(&self, name: &TenantName) -> PathBuf {
        if name.is_default() {
            self.root().join(NAMED)
        } else {
            self.tenant_dir(name).join(NAMED)
        }
    }

    fn store_options(&self, dir: PathBuf) -> persist::Options {
        persist::Options {
            dir,
            ..self.options.clone()
        }
    }

    /// When the default tenant was made: kept in `DIR/tenant.json`, written now if it is not
    /// there yet (a new directory, or one from before tenants).
    pub(super) fn default_created_at(&self) -> Result<Timestamp, PersistError> {
        let file = self.root().join(TENANT_FILE);
        match std::fs::read(&file) {
            Ok(text) => Ok(decode(&file, &text)?.0),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let now = Timestamp::now();
                write_tenant_file(&file, now, &Origin::Fixtures, &Options::default())?;
                Ok(now)
            }
            Err(e) => Err(io(&file, "cannot read the tenant's file")(e)),
        }
    }

    /// Start-up: removes what a crash left half-made or half-removed, then opens every tenant
    /// but `default` (whose store `app.rs` opened), in name order.
    pub(super) fn recover(&self) -> Result<Vec<Found>, PersistError> {
        let tenants = self.tenants();
        if !tenants.exists() {
            return Ok(Vec::new());
        }
        persist::check_private(&tenants)?;
        let mut names = Vec::new();
        let mut tidied = false;
        let entries = std::fs::read_dir(&tenants).map_err(io(&tenants, "cannot list tenants"))?;
        for entry in entries {
            let entry = entry.map_err(io(&tenants, "cannot list tenants"))?;
            let path = entry.path();
            let file_name = entry.file_name();
            let Some(text) = file_name.to_str() else {
                tracing::warn!(entry = %path.display(), "not a tenant; left alone");
                continue;
            };
            if text.starts_with(NEW_PREFIX) || text.starts_with(DELETED_PREFIX) {
                // A create that never reached its rename, or a delete that did: neither is a
                // tenant, and neither was acknowledged as one.
                tracing::info!(dir = %path.display(), "removing a tenant left half-made or half-removed");
                std::fs::remove_dir_all(&path)
                    .map_err(io(&path, "cannot remove a half-made or deleted tenant"))?;
                tidied = true;
                continue;
            }
            match TenantName::parse(text) {
                Ok(name) if !name.is_default() && path.is_dir() => names.push(name),
                _ => tracing::warn!(entry = %path.display(), "not a tenant; left alone"),
            }
        }
        if tidied {
            persist::sync_dir(&tenants).map_err(io(&tenants, "cannot sync the tenants"))?;
        }
        names.sort();
        names.into_iter().map(|name| self.open(name)).collect()
    }

    /// Opens one tenant's directory.
    fn open(&self, name: TenantName) -> Result<Found, PersistError> {
        let dir = self.tenant_dir(&name);
        let file = dir.join(TENANT_FILE);
        let text = std::fs::read(&file).map_err(io(&file, "cannot read the tenant's file"))?;
        let (created_at, origin, options) = decode(&file, &text)?;
        let base = persist::read_state(&dir.join(BASE_FILE))?.state;
        let store = persist::open(&self.store_options(dir.clone()), || {
            Err::<State, _>("a tenant's directory without a state")
        })?;
        let snapshots = self.read_named(&name)?;
        tracing::info!(tenant = %name, snapshots = snapshots.len(), "tenant recovered");
        Ok(Found {
            name,
            created_at,
            origin,
            options,
            base,
            store,
            snapshots,
        })
    }

    /// A tenant's named snapshots, by name.
    pub(super) fn read_named(
        &self,
        tenant: &TenantName,
    ) -> Result<Vec<(SnapshotName, persist::SavedState)>, PersistError> {
        let dir = self.named_dir(tenant);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&dir, "cannot list the named snapshots")(e)),
        };
        let mut found = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io(&dir, "cannot list the named snapshots"))?;
            let path = entry.path();
            let file_name = entry.file_name();
            let name = file_name
                .to_str()
                .and_then(|n| n.strip_suffix(SNAPSHOT_EXTENSION))
                .and_then(|n| SnapshotName::parse(n).ok());
            match name {
                Some(name) => found.push((name, persist::read_state(&path)?)),
                None if file_name.to_str().is_some_and(|n| n.ends_with(".tmp")) => {
                    // A snapshot whose writing a crash interrupted: never acknowledged.
                    std::fs::remove_file(&path)
                        .map_err(io(&path, "cannot remove an unfinished snapshot"))?;
                }
                None => tracing::warn!(entry = %path.display(), "not a snapshot; left alone"),
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    /// Makes the tenant `name` on disk, whole, and opens its store. Blocking (fsyncs).
    pub(super) fn create(
        &self,
        name: &TenantName,
        created_at: Timestamp,
        (origin, options): (&Origin, &Options),
        base: &State,
    ) -> Result<Store, PersistError> {
        let tenants = self.tenants();
        if !tenants.exists() {
            persist::create_private_dir(&tenants).map_err(io(&tenants, "cannot create"))?;
            persist::sync_dir(self.root()).map_err(io(self.root(), "cannot sync"))?;
        }
        let building = tenants.join(format!("{NEW_PREFIX}{name}-{}", suffix()));
        let built = self.build(&building, created_at, (origin, options), base);
        let committed = built.and_then(|()| {
            let dir = self.tenant_dir(name);
            std::fs::rename(&building, &dir).map_err(io(&dir, "cannot name the new tenant"))?;
            persist::sync_dir(&tenants).map_err(io(&tenants, "cannot sync the tenants"))?;
            Ok(dir)
        });
        let dir = match committed {
            Ok(dir) => dir,
            Err(error) => {
                let _ = std::fs::remove_dir_all(&building);
                return Err(error);
            }
        };
        let opened = persist::open(&self.store_options(dir), || {
            Err::<State, _>("a new tenant's directory without a state")
        });
        if opened.is_err() {
            // Not acknowledged, so not a tenant: out of the way, so that the name stays free.
            if let Ok(gone) = self.remove(name) {
                Self::purge(&gone);
            }
        }
        opened
    }

    /// Everything a tenant's directory holds when it is made, under `dir`, fsynced.
    fn build(
        &self,
        dir: &Path,
        created_at: Timestamp,
        (origin, options): (&Origin, &Options),
        base: &State,
    ) -> Result<(), PersistError> {
        let first = persist::seed(dir, base)?;
        let base_path = dir.join(BASE_FILE);
        std::fs::hard_link(&first, &base_path).map_err(io(&base_path, "cannot link the base"))?;
        write_tenant_file(&dir.join(TENANT_FILE), created_at, origin, options)
    }

    /// Deletes the tenant `name` on disk: renames its directory out of the way (the commit
    /// point, fsynced); returns where it went, for [`Disk::purge`]. Blocking.
    pub(super) fn remove(&self, name: &TenantName) -> Result<PathBuf, PersistError> {
        let tenants = self.tenants();
        let dir = self.tenant_dir(name);
        let gone = tenants.join(format!("{DELETED_PREFIX}{name}-{}", suffix()));
        std::fs::rename(&dir, &gone).map_err(io(&dir, "cannot delete the tenant"))?;
        persist::sync_dir(&tenants).map_err(io(&tenants, "cannot sync the tenants"))?;
        Ok(gone)
    }

    /// Removes a deleted tenant's files; what a failure leaves, the next start-up removes.
    pub(super) fn purge(gone: &Path) {
        if let Err(error) = std::fs::remove_dir_all(gone) {
            tracing::warn!(
                dir = %gone.display(),
                error = &error as &dyn std::error::Error,
                "cannot remove a deleted tenant's files; the next start-up will"
            );
        }
    }

    /// Writes a named snapshot, durable once this returns. Blocking.
    pub(super) fn save_named(
        &self,
        tenant: &TenantName,
        name: &SnapshotName,
        state: &State,
        taken_at: Timestamp,
    ) -> Result<(), PersistError> {
        let dir = self.named_dir(tenant);
        if !dir.exists() {
            persist::create_private_dir(&dir).map_err(io(&dir, "cannot create"))?;
            if let Some(parent) = dir.parent() {
                persist::sync_dir(parent).map_err(io(parent, "cannot sync"))?;
            }
        }
        let path = dir.join(format!("{name}{SNAPSHOT_EXTENSION}"));
        persist::write_state(&path, state, taken_at)
    }

    /// Removes a named snapshot, durably. Blocking.
    pub(super) fn remove_named(
        &self,
        tenant: &TenantName,
        name: &SnapshotName,
    ) -> Result<(), PersistError> {
        let dir = self.named_dir(tenant);
        let path = dir.join(format!("{name}{SNAPSHOT_EXTENSION}"));
        std::fs::remove_file(&path).map_err(io(&path, "cannot delete the snapshot"))?;
        persist::sync_dir(&dir).map_err(io(&dir, "cannot sync the snapshots"))
    }
}
