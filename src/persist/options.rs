//! How the state is kept durable: the options `--data-dir` and its companions give.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// When the journal is fsynced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    /// Before any write of the group is acknowledged: nothing acknowledged is lost in a crash.
    Always,
    /// Never (the OS writes back when it likes): for benchmarks; a crash can lose recent writes.
    Never,
}

/// A test hook: while on, every journal write fails as a full disk would.
#[derive(Debug, Clone, Default)]
pub struct FaultSwitch(Arc<AtomicBool>);

impl FaultSwitch {
    pub fn fail_writes(&self, on: bool) {
        self.0.store(on, Ordering::SeqCst);
    }

    pub(super) fn failing(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// How to keep the state durable.
#[derive(Debug, Clone)]
pub struct Options {
    pub dir: PathBuf,
    pub fsync: Fsync,
    /// A segment larger than this is compacted into a snapshot.
    pub compact_bytes: u64,
    pub faults: FaultSwitch,
}

impl Options {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            fsync: Fsync::Always,
            compact_bytes: DEFAULT_COMPACT_BYTES,
            faults: FaultSwitch::default(),
        }
    }
}

/// `--compact-bytes`' default: 64 MiB.
pub const DEFAULT_COMPACT_BYTES: u64 = 64 << 20;
