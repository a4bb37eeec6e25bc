//! Compaction: the snapshot that replaces a journal's older segments, and the deletion of what
//! it makes redundant. The journal starts one (on its own thread) when its current segment
//! passes `--compact-bytes`; start-up tidies up with [`remove_redundant`] too.

use std::path::Path;

use crate::model::View;

use super::dir::{list, sync_dir};
use super::snapshot;

/// Writes the snapshot at `seq`, then deletes the segments and snapshots it makes redundant.
/// A failure only postpones compaction: the journal still holds every write.
pub(super) fn compact(dir: &Path, seq: u64, state: &View) {
    let started = std::time::Instant::now();
    match snapshot::write(dir, seq, state) {
        Ok(path) => {
            remove_redundant(dir, seq);
            tracing::info!(
                file = %path.display(),
                seq,
                millis = started.elapsed().as_millis() as u64,
                "journal compacted into a snapshot"
            );
        }
        Err(error) => tracing::error!(
            seq,
            error = &error as &dyn std::error::Error,
            "writing a snapshot failed; the journal keeps everything and compaction will be retried"
        ),
    }
}

/// Deletes what the durable snapshot at `seq` makes redundant: older snapshots, and segments
/// whose batches are all at or before `seq` (each segment ends where the next one starts).
pub(super) fn remove_redundant(dir: &Path, seq: u64) {
    let Ok(listing) = list(dir) else { return };
    let mut removed = false;
    for (older, path) in &listing.snapshots {
        if *older < seq {
            removed |= std::fs::remove_file(path).is_ok();
        }
    }
    let starts: Vec<u64> = listing.segments.iter().map(|(s, _)| *s).collect();
    for (i, (_, path)) in listing.segments.iter().enumerate() {
        if starts.get(i + 1).is_some_and(|next| *next <= seq + 1) {
            removed |= std::fs::remove_file(path).is_ok();
        }
    }
    if removed && let Err(error) = sync_dir(dir) {
        tracing::warn!(
            error = &error as &dyn std::error::Error,
            "cannot sync the data directory"
        );
    }
}
