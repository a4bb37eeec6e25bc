//! Snapshots: the whole state at one sequence number, in one file.
//!
//! The file is a magic line followed by one framed record (`record.rs`, as in the journal) whose payload is
//! `{"seq": N, "changes": [...]}`: the changes that rebuild the state from empty. It is written
//! to a temporary file, fsynced, renamed into place and the directory fsynced, so a snapshot is
//! either whole or absent; anything else found in one is corruption.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{Change, State, Timestamp};

use super::dir::write_atomically;
use super::error::{PersistError, io_error};
use super::record::{self, HEADER};

/// The first bytes of every snapshot (format version 1).
const MAGIC: &[u8] = b"deskbridge snapshot 1\n";

#[derive(Serialize, Deserialize)]
struct Body {
    seq: u64,
    /// The state's version; absent in snapshots written before it was kept (the state then
    /// takes version 1, as replaying its changes onto an empty state gives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
    /// When it was written, in milliseconds since the epoch; absent in older snapshots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    saved_at: Option<i64>,
    changes: Vec<Change>,
}

/// A snapshot's file name: its sequence number, zero-padded so names sort in order.
pub(super) fn name(seq: u64) -> String {
    format!("snapshot-{seq:020}.snap")
}

/// Writes the snapshot of `state`, which contains every batch up to `seq`; returns its path once
/// it is durable.
pub(super) fn write(dir: &Path, seq: u64, state: &State) -> io::Result<PathBuf> {
    let path = dir.join(name(seq));
    write_to(&path, seq, state, Timestamp::now())?;
    Ok(path)
}

/// Writes the snapshot of `state`, taken at `saved_at`, at `path`, whole or not at all
/// (`dir::write_atomically`).
pub(super) fn write_to(
    path: &Path,
    seq: u64,
    state: &State,
    saved_at: Timestamp,
) -> io::Result<()> {
    let body = Body {
        seq,
        version: Some(state.version()),
        saved_at: Some(saved_at.unix_millis()),
        changes: state.to_changes(),
    };
    let payload = serde_json::to_vec(&body).map_err(io::Error::other)?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + HEADER + payload.len());
    bytes.extend_from_slice(MAGIC);
    record::frame(&mut bytes, &payload)?;
    write_atomically(path, &bytes)
}

/// A snapshot read back.
pub(super) struct Read {
    pub(super) state: State,
    pub(super) seq: u64,
    /// When it was written (for an older snapshot that does not say, its file's modification
    /// time).
    pub(super) saved_at: Timestamp,
}

/// Reads a snapshot: the state, the sequence number it is at, and when it was written.
pub(super) fn read(path: &Path) -> Result<Read, PersistError> {
    let bytes = std::fs::read(path).map_err(io_error(path, "cannot read the snapshot"))?;
    let corrupt = |offset: usize, reason: String| PersistError::Corrupt {
        path: path.to_owned(),
        offset: offset as u64,
        reason,
    };
    if !bytes.starts_with(MAGIC) {
        return Err(corrupt(0, "not a deskbridge snapshot (bad magic)".into()));
    }
    let at = MAGIC.len();
    let (payload, end) =
        record::unframe(&bytes, at).map_err(|torn| corrupt(at, torn.as_str().into()))?;
    if end != bytes.len() {
        return Err(corrupt(end, "bytes after the snapshot record".into()));
    }
    let body: Body = serde_json::from_slice(payload)
        .map_err(|e| corrupt(at, format!("undecodable snapshot: {e}")))?;
    let mut state = State::empty()
        .with_changes(body.changes)
        .map_err(|e| corrupt(at, format!("inconsistent snapshot: {e}")))?;
    if let Some(version) = body.version {
        state = state.with_version(version);
    }
    state
        .check_invariants()
        .map_err(|e| corrupt(at, format!("inconsistent snapshot: {e}")))?;
    let saved_at = match body.saved_at {
        Some(ms) => Timestamp::from_unix_millis(ms),
        None => std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or_else(Timestamp::now, |d| {
                Timestamp::from_unix_millis(d.as_millis() as i64)
            }),
    };
    Ok(Read {
        state,
        seq: body.seq,
        saved_at,
    })
}
