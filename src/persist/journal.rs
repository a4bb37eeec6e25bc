//! The journal: append-only segment files of framed records (`record.rs`), one record per group
//! commit, its payload a JSON array of [`Batch`](crate::model::Batch)es, one per write, in
//! sequence order.
//!
//! One record per group rather than per write: the OS may persist the pages of one unsynced
//! `write` in any order, so after a power loss a group written as several records could show a
//! later record whole behind a torn earlier one, which recovery must call corruption. As one
//! record, a group is whole or torn as a unit; and a later group is only written once the earlier
//! one is synced (`--fsync always`), so a whole record behind a torn one really is corruption.
//!
//! JSON rather than a compact binary encoding (postcard, bincode): the records hold
//! `serde_json::Value`s (settings objects), which only a self-describing format can decode, the
//! serde forms already exist, no crate is added, and a journal can be read with `strings` when
//! something goes wrong. The size cost is small next to the fsync that every group pays.
//!
//! [`JournalWriter`] is the [`Journal`] the store's commit task writes through: one `write` and
//! (with `--fsync always`) one `fdatasync` per group of writes. It also starts compaction
//! (`compaction.rs`) when the current segment passes `--compact-bytes`.

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crate::model::{Batch, Journal, JournalError, View};

use super::compaction;
use super::dir::{private_file, sync_dir};
use super::options::{FaultSwitch, Fsync, Options};
use super::record::frame;

/// A segment's file name: its first sequence number, zero-padded so names sort in order.
pub(super) fn segment_name(start: u64) -> String {
    format!("journal-{start:020}.log")
}

/// The journal the commit task writes to.
pub(super) struct JournalWriter {
    dir: PathBuf,
    file: File,
    path: PathBuf,
    /// Where the last successful group ends: the file is cut back here if a write fails.
    len: u64,
    fsync: Fsync,
    compact_bytes: u64,
    faults: FaultSwitch,
    /// Set after a failure the journal could not undo: every later write is refused.
    broken: bool,
    compacting: Arc<AtomicBool>,
    compaction: Option<JoinHandle<()>>,
    buf: Vec<u8>,
    /// Held for the journal's lifetime: one process per data directory.
    _lock: File,
}

impl JournalWriter {
    /// A journal appending to `file` (at `path`, whose first `len` bytes are whole records), in
    /// the data directory `dir`, which `lock` holds for as long as the journal lives.
    pub(super) fn new(
        dir: PathBuf,
        file: File,
        path: PathBuf,
        len: u64,
        options: &Options,
        lock: File,
    ) -> Self {
        Self {
            dir,
            file,
            path,
            len,
            fsync: options.fsync,
            compact_bytes: options.compact_bytes,
            faults: options.faults.clone(),
            broken: false,
            compacting: Arc::default(),
            compaction: None,
            buf: Vec::new(),
            _lock: lock,
        }
    }

    fn append(&mut self) -> io::Result<()> {
        if self.faults.failing() {
            // Behave as a full disk does: part of the data lands, then the write fails.
            let half = self.buf.len() / 2;
            self.file.write_all(&self.buf[..half])?;
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "no space left on device (injected fault)",
            ));
        }
        self.file.write_all(&self.buf)?;
        if self.fsync == Fsync::Always {
            let started = std::time::Instant::now();
            self.file.sync_data()?;
            super::metrics::FSYNC_SECONDS.observe(started.elapsed().as_secs_f64());
        }
        Ok(())
    }

    /// After a failed append: cut the file back to the last good end, so that the next record
    /// does not follow garbage (which recovery would rightly call corruption).
    fn cut_back(&mut self) {
        let cut = self
            .file
            .set_len(self.len)
            .and_then(|()| self.file.sync_data());
        if let Err(error) = cut {
            tracing::error!(
                file = %self.path.display(),
                error = &error as &dyn std::error::Error,
                "cannot cut the journal back after a failed write; refusing every write until restart"
            );
            self.broken = true;
        }
    }

    /// Starts a compaction if the segment is past the threshold and none is running: a new
    /// segment takes the writes from `seq + 1` on, while another thread writes the snapshot of
    /// `state` (at `seq`) and then deletes what it makes redundant. Readers and writers go on.
    fn maybe_compact(&mut self, seq: u64, state: &View) {
        if self.len < self.compact_bytes || self.compacting.load(Ordering::Acquire) {
            return;
        }
        if let Some(done) = self.compaction.take() {
            let _ = done.join();
        }
        let start = seq + 1;
        let path = self.dir.join(segment_name(start));
        // The old segment is synced even with `--fsync never`, so that no crash can leave a gap
        // between it and the new one.
        let rolled = self.file.sync_data().and_then(|()| {
            let file = private_file().create_new(true).append(true).open(&path)?;
            sync_dir(&self.dir)?;
            Ok(file)
        });
        match rolled {
            Ok(file) => {
                self.file = file;
                self.path = path;
                self.len = 0;
            }
            Err(error) => {
                tracing::warn!(
                    file = %path.display(),
                    error = &error as &dyn std::error::Error,
                    "cannot start a new journal segment; compaction put off"
                );
                return;
            }
        }
        self.compacting.store(true, Ordering::Release);
        let (dir, state, compacting) =
            (self.dir.clone(), Arc::clone(state), self.compacting.clone());
        let spawned = std::thread::Builder::new()
            .name("deskbridge-snapshot".into())
            .spawn(move || {
                compaction::compact(&dir, seq, &state);
                compacting.store(false, Ordering::Release);
            });
        match spawned {
            Ok(handle) => self.compaction = Some(handle),
            Err(error) => {
                tracing::warn!(
                    error = &error as &dyn std::error::Error,
                    "cannot start compaction"
                );
                self.compacting.store(false, Ordering::Release);
            }
        }
    }
}

impl Journal for JournalWriter {
    fn commit(&mut self, batches: &[&Batch], state: &View) -> Result<(), JournalError> {
        if self.broken {
            return Err(
                "the journal is unusable after an earlier failure; restart the gateway".into(),
            );
        }
        super::metrics::COMMIT_GROUP.observe(batches.len() as f64);
        self.buf.clear();
        let payload = serde_json::to_vec(batches)?;
        frame(&mut self.buf, &payload)?;
        if let Err(error) = self.append() {
            self.cut_back();
            return Err(Box::new(error));
        }
        self.len += self.buf.len() as u64;
        if let Some(last) = batches.last() {
            self.maybe_compact(last.seq, state);
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), JournalError> {
        if let Some(done) = self.compaction.take() {
            let _ = done.join();
        }
        self.file.sync_data()?;
        Ok(())
    }
}
