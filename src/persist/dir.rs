//! The data directory's files: listing them by kind and number, and making a change to the
//! directory itself durable.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::error::{PersistError, io_error};

/// Fsyncs a directory, so that a file created, renamed or deleted in it stays so after a crash.
pub(super) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
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
