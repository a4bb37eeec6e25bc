//! Why the data directory cannot be used: the persist layer's one error type.

use std::path::{Path, PathBuf};

/// Why the data directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("{}: {what}", path.display())]
    Io {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is corrupt at byte {offset}: {reason}", path.display())]
    Corrupt {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
    #[error("{} is in use by another deskbridge process", dir.display())]
    Locked { dir: PathBuf },
    #[error(
        "{} can be written by group or others (mode {mode:04o}), and it holds password hashes \
         and token digests; make it private with `chmod 700 {}`",
        dir.display(),
        dir.display()
    )]
    NotPrivate { dir: PathBuf, mode: u32 },
    #[error("cannot build the starting state")]
    Seed(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub(super) fn io_error(
    path: &Path,
    what: &'static str,
) -> impl FnOnce(std::io::Error) -> PersistError {
    let path = path.to_owned();
    move |source| PersistError::Io { path, what, source }
}
