//! The journal: append-only segment files of framed records, one record per write.
//!
//! A record is `[len: u32 LE][crc32c of payload: u32 LE][payload]`, the payload one group commit:
//! a JSON array of [`Batch`](crate::model::Batch)es, one per write, in sequence order. The length
//! and checksum let recovery tell a record torn by a crash (short, or failing its checksum, at the
//! very end) from corruption (anything else).
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
//! (with `--fsync always`) one `fdatasync` per group of writes. It also starts compaction (see
//! [`super`]) when the current segment passes `--compact-bytes`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crate::model::{Batch, Journal, JournalError, View};

use super::{FaultSwitch, Fsync, snapshot, sync_dir};

/// Bytes before a record's payload.
pub(crate) const HEADER: usize = 8;

/// Appends one framed record to `buf`.
pub(crate) fn frame(buf: &mut Vec<u8>, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "record over 4 GiB"))?;
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
    buf.extend_from_slice(payload);
    Ok(())
}

/// Why the bytes at an offset are not a whole record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Torn {
    ShortHeader,
    ZeroLength,
    ShortPayload,
    BadChecksum,
}

impl Torn {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Torn::ShortHeader => "a record header cut short",
            Torn::ZeroLength => "a record of length 0",
            Torn::ShortPayload => "a record payload cut short",
            Torn::BadChecksum => "a record failing its checksum",
        }
    }
}

/// The payload of the record at `at`, and where the next one starts.
pub(crate) fn unframe(bytes: &[u8], at: usize) -> Result<(&[u8], usize), Torn> {
    let rest = &bytes[at..];
    if rest.len() < HEADER {
        return Err(Torn::ShortHeader);
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    // Our payloads are never empty; a zero length is what a zero-filled tail (space the file
    // system allocated but the crash left unwritten) looks like.
    if len == 0 {
        return Err(Torn::ZeroLength);
    }
    let Some(payload) = rest.get(HEADER..HEADER + len) else {
        return Err(Torn::ShortPayload);
    };
    if crc32c::crc32c(payload) != crc {
        return Err(Torn::BadChecksum);
    }
    Ok((payload, at + HEADER + len))
}

/// Whether a whole, checksummed record starts anywhere after `from`: if one does, a bad record
/// before it is corruption in the middle of the file, not a torn tail.
pub(crate) fn record_after(bytes: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len().saturating_sub(HEADER)).find(|&at| unframe(bytes, at).is_ok())
}

/// A segment's file name: its first sequence number, zero-padded so names sort in order.
pub(crate) fn segment_name(start: u64) -> String {
    format!("journal-{start:020}.log")
}

/// The journal the commit task writes to.
pub(crate) struct JournalWriter {
    pub(crate) dir: PathBuf,
    pub(crate) file: File,
    pub(crate) path: PathBuf,
    /// Where the last successful group ends: the file is cut back here if a write fails.
    pub(crate) len: u64,
    pub(crate) fsync: Fsync,
    pub(crate) compact_bytes: u64,
    pub(crate) faults: FaultSwitch,
    /// Set after a failure the journal could not undo: every later write is refused.
    pub(crate) broken: bool,
    pub(crate) compacting: Arc<AtomicBool>,
    pub(crate) compaction: Option<JoinHandle<()>>,
    pub(crate) buf: Vec<u8>,
    /// Held for the journal's lifetime: one process per data directory.
    pub(crate) _lock: File,
}

impl JournalWriter {
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
            self.file.sync_data()?;
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
            let file = OpenOptions::new()
                .create_new(true)
                .append(true)
                .open(&path)?;
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
                compact(&dir, seq, &state);
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

/// Writes the snapshot at `seq`, then deletes the segments and snapshots it makes redundant.
/// A failure only postpones compaction: the journal still holds every write.
fn compact(dir: &Path, seq: u64, state: &View) {
    let started = std::time::Instant::now();
    match snapshot::write(dir, seq, state) {
        Ok(path) => {
            super::remove_redundant(dir, seq);
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

impl Journal for JournalWriter {
    fn commit(&mut self, batches: &[&Batch], state: &View) -> Result<(), JournalError> {
        if self.broken {
            return Err(
                "the journal is unusable after an earlier failure; restart the gateway".into(),
            );
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_framed_record_reads_back_and_any_damage_is_seen() {
        let mut buf = Vec::new();
        frame(&mut buf, b"first").unwrap();
        frame(&mut buf, b"second").unwrap();

        let (payload, next) = unframe(&buf, 0).unwrap();
        assert_eq!(payload, b"first");
        assert_eq!(unframe(&buf, next).unwrap(), (&b"second"[..], buf.len()));

        assert_eq!(unframe(&buf[..next + 3], next), Err(Torn::ShortHeader));
        assert_eq!(
            unframe(&buf[..buf.len() - 1], next),
            Err(Torn::ShortPayload)
        );
        let mut flipped = buf.clone();
        flipped[HEADER] ^= 1;
        assert_eq!(unframe(&flipped, 0), Err(Torn::BadChecksum));
        assert_eq!(record_after(&flipped, 1), Some(next));
        assert_eq!(unframe(&[0u8; 16], 0), Err(Torn::ZeroLength));
        assert_eq!(record_after(&[0u8; 64], 0), None);
    }
}
