//! The journal's measures for `GET /_gateway/metrics`: how long each fsync takes and how many
//! writes each group commit carries. Process-wide, as the disk they measure is: every tenant's
//! journal observes into the same two histograms.

use std::sync::LazyLock;

use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

/// Seconds per fsync of the journal (`--fsync always`), 20 µs to about 1.3 s.
pub static FSYNC_SECONDS: LazyLock<Histogram> =
    LazyLock::new(|| Histogram::new(exponential_buckets(0.000_02, 2.0, 17)));

/// Writes per group commit, 1 to 1024.
pub static COMMIT_GROUP: LazyLock<Histogram> =
    LazyLock::new(|| Histogram::new(exponential_buckets(1.0, 2.0, 11)));

/// Registers both (shared, not copied) in `registry`.
pub fn register(registry: &mut Registry) {
    registry.register_with_unit(
        "deskbridge_journal_fsync_duration",
        "Time each fsync of a tenant's journal took (with --data-dir and --fsync always)",
        Unit::Seconds,
        FSYNC_SECONDS.clone(),
    );
    registry.register(
        "deskbridge_journal_commit_group_size",
        "Writes committed together in one journal write (with --data-dir)",
        COMMIT_GROUP.clone(),
    );
}
