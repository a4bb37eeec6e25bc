//! Snapshots: the whole state at one sequence number, in one file.
//!
//! The file is a magic line followed by one framed record (`record.rs`, as in the journal) whose payload is
//! `{"seq": N, "changes": [...]}`: the changes that rebuild the state from empty. It is written
//! to a temporary file, fsynced, renamed into place and the directory fsynced, so a snapshot is
//! either whole or absent; anything else found in one is corruption.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{Change, State};

use super::dir::sync_dir;
use super::error::PersistError;
use super::record::{self, HEADER};

/// The first bytes of every snapshot (format version 1).
const MAGIC: &[u8] = b"deskbridge snapshot 1\n";

#[derive(Serialize, Deserialize)]
struct Body {
    seq: u64,
    changes: Vec<Change>,
}

/// A snapshot's file name: its sequence number, zero-padded so names sort in order.
pub(super) fn name(seq: u64) -> String {
    format!("snapshot-{seq:020}.snap")
}

/// Writes the snapshot of `state`, which contains every batch up to `seq`; returns its path once
/// it is durable.
pub(super) fn write(dir: &Path, seq: u64, state: &State) -> io::Result<PathBuf> {
    let body = Body {
        seq,
        changes: state.to_changes(),
    };
    let payload = serde_json::to_vec(&body).map_err(io::Error::other)?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + HEADER + payload.len());
    bytes.extend_from_slice(MAGIC);
    record::frame(&mut bytes, &payload)?;

    let path = dir.join(name(seq));
    let tmp = path.with_extension("snap.tmp");
    let mut file = File::create(&tmp)?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, &path)?;
    sync_dir(dir)?;
    Ok(path)
}

/// Reads a snapshot: the state and the sequence number it is at.
pub(super) fn read(path: &Path) -> Result<(State, u64), PersistError> {
    let bytes = std::fs::read(path).map_err(|source| PersistError::Io {
        path: path.to_owned(),
        what: "cannot read the snapshot",
        source,
    })?;
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
    let state = State::empty()
        .with_changes(body.changes)
        .map_err(|e| corrupt(at, format!("inconsistent snapshot: {e}")))?;
    state
        .check_invariants()
        .map_err(|e| corrupt(at, format!("inconsistent snapshot: {e}")))?;
    Ok((state, body.seq))
}
