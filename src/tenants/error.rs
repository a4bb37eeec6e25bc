//! Why a tenant operation fails, and the two ways tenant operations run their work so that a
//! failure is always one of these: to its end whatever the caller does ([`detached`]), and off
//! the request workers when it does file I/O ([`blocking`]).

use super::{SnapshotName, TenantName};
use crate::model::ModelError;
use crate::persist::PersistError;

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
    /// The data directory refused a tenant's or a snapshot's file; nothing changed.
    #[error("the data directory refused the change")]
    Storage(#[source] PersistError),
}

/// Runs `work` to its end even if the caller stops waiting (a request past its deadline drops
/// its future): a create or delete stopped between its file work and its bookkeeping would
/// leave the disk and the registry disagreeing.
pub(super) async fn detached<T: Send + 'static>(
    work: impl Future<Output = Result<T, TenantError>> + Send + 'static,
) -> Result<T, TenantError> {
    match tokio::spawn(work).await {
        Ok(done) => done,
        Err(failed) => Err(TenantError::Storage(PersistError::Io {
            path: Default::default(),
            what: "a tenant operation failed",
            source: std::io::Error::other(failed.to_string()),
        })),
    }
}

/// Runs blocking file work (writes and fsyncs) off the request workers.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PersistError> + Send + 'static,
) -> Result<T, TenantError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => done.map_err(TenantError::Storage),
        Err(panicked) => Err(TenantError::Storage(PersistError::Io {
            path: Default::default(),
            what: "the file work panicked",
            source: std::io::Error::other(panicked.to_string()),
        })),
    }
}
