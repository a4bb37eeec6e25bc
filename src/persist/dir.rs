//! The data directory's files: listing them by kind and number, making a change to the
//! directory itself durable, and keeping it private.
//!
//! The files hold password hashes and token digests, so every file the gateway makes is `0600`
//! and every directory `0700`, whatever the umask; and a directory that group or others can
//! write is refused at start-up, as PostgreSQL refuses one (anyone who can write it can swap a
//! snapshot for one with their own credentials).

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::error::{PersistError, io_error};

/// The mode of every file the gateway creates under the data directory.
const FILE_MODE: u32 = 0o600;
/// The mode of every directory it creates there.
const DIR_MODE: u32 = 0o700;

/// Fsyncs a directory, so that a file created, renamed or deleted in it stays so after a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` (and any missing parent) as `0700`; one that exists is left as it is.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// Options that create a file as `0600` (the mode applies only when the file is created).
pub(super) fn private_file() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.mode(FILE_MODE);
    options
}

/// Refuses a directory that group or others can write; warns about one they can read.
pub fn check_private(dir: &Path) -> Result<(), PersistError> {
    let mode = std::fs::metadata(dir)
        .map_err(io_error(
            dir,
            "cannot read the data directory's permissions",
        ))?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o022 != 0 {
        return Err(PersistError::NotPrivate {
            dir: dir.to_owned(),
            mode,
        });
    }
    if mode & 0o077 != 0 {
        tracing::warn!(
            dir = %dir.display(),
            mode = format_args!("{mode:04o}"),
            "the data directory can be read by others (it holds password hashes and token \
             digests); chmod 700 it"
        );
    }
    Ok(())
}

/// Writes `bytes` to `path` whole or not at all: a `0600` temporary file beside it, fsynced,
/// renamed over `path`, and the directory fsynced. The temporary file is `path` with `.tmp`
/// appended.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = private_file()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// What the directory holds, by kind, in order.
#[derive(Default)]
pub(super) struct Listing {
    pub(super) snapshots: Vec<(u64, PathBuf)>,
    pub(super) segments: Vec<(u64, PathBuf)>,
    pub(super) temporary: Vec<PathBuf>,
}

fn number(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let digits = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

pub(super) fn list(dir: &Path) -> Result<Listing, PersistError> {
    let mut listing = Listing::default();
    let entries =
        std::fs::read_dir(dir).map_err(io_error(dir, "cannot list the data directory"))?;
    for entry in entries {
        let entry = entry.map_err(io_error(dir, "cannot list the data directory"))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let path = entry.path();
        if let Some(seq) = number(name, "snapshot-", ".snap") {
            listing.snapshots.push((seq, path));
        } else if let Some(start) = number(name, "journal-", ".log") {
            listing.segments.push((start, path));
        } else if name.ends_with(".snap.tmp") {
            listing.temporary.push(path);
        }
    }
    listing.snapshots.sort();
    listing.segments.sort();
    Ok(listing)
}
