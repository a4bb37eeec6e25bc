//! Durable state under `--data-dir`: a journal of every write, snapshots, and recovery on start.
//!
//! The data directory holds:
//!
//! ```text
//! DIR/lock                                   held (flock) while a gateway uses DIR
//! DIR/snapshot-<seq, 20 digits>.snap         the whole state after batch <seq> (snapshot.rs)
//! DIR/journal-<start, 20 digits>.log         batches <start>, <start>+1, ... (journal.rs)
//! DIR/snapshot-<seq>.snap.tmp                a snapshot being written; removed at start
//! ```
//!
//! Anything else in DIR is someone else's (the tenant layer keeps its files there) and is left
//! alone. Every file made is `0600` and every directory `0700`, and a DIR that group or others
//! can write is refused (`dir.rs`). Snapshots and journal batches carry the state's version, so
//! that a recovered state has the version it was written at.
//!
//! **Start-up** ([`open`]) loads the newest snapshot and replays the journal segments after it,
//! checking that batch numbers follow on without a gap. A damaged record at the very end of the
//! last segment (short header, short payload, bad checksum, and no whole record anywhere after
//! it) is what a crash mid-write leaves: it is cut off with a warning, and start-up goes on. Any
//! other damage (a bad record with good data after it, a record whose checksum holds but whose
//! payload does not decode or does not apply, a gap, a damaged snapshot) stops start-up with an
//! error naming the file and the byte offset: nothing is dropped silently. An empty directory is
//! seeded with the starting state (the fixtures), written as snapshot 0.
//!
//! **Compaction**: when the current segment passes `--compact-bytes`, the journal starts a new
//! segment at the next batch number and another thread writes the snapshot of the state as of
//! the last batch of the old segment (an immutable view, so neither readers nor writers wait).
//! Only once that snapshot is durable are the older segments and snapshots deleted; a crash at
//! any point leaves either the old snapshot and every segment, or the new snapshot and the
//! segments after it.
//!
//! # Layout
//! * this file: [`open`] and recovery; `options.rs` and `error.rs`: what it takes and how it fails.
//! * `record.rs`: the record framing journal segments and snapshots share.
//! * `journal.rs`: the segment writer the store's commit task writes through.
//! * `snapshot.rs`: writing and reading one snapshot; `compaction.rs`: writing one to replace
//!   older segments, then deleting what it made redundant.
//! * `dir.rs`: listing the data directory, syncing it, and keeping it private.
//! * [`seed`], [`write_state`], [`read_state`]: a state in a file or a new directory of its own,
//!   for callers that keep more than one store (tenants).

mod compaction;
mod dir;
mod error;
mod journal;
pub mod metrics;
mod options;
mod record;
mod snapshot;

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use crate::model::{Batch, State, Store, Timestamp};

use compaction::remove_redundant;
use dir::{Listing, list, private_file};
pub use dir::{check_private, create_private_dir, sync_dir, write_atomically};
pub use error::PersistError;
use error::io_error;
use journal::JournalWriter;
pub use options::{DEFAULT_COMPACT_BYTES, FaultSwitch, Fsync, Options};

/// Opens (or creates) the data directory, recovers the state, and returns a store that journals
/// every write there. `seed` gives the starting state when the directory holds none yet.
pub fn open<E>(
    options: &Options,
    seed: impl FnOnce() -> Result<State, E>,
) -> Result<Store, PersistError>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let dir = &options.dir;
    create_private_dir(dir).map_err(io_error(dir, "cannot create the data directory"))?;
    check_private(dir)?;
    let lock_path = dir.join("lock");
    let lock = private_file()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_error(&lock_path, "cannot open the lock file"))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(PersistError::Locked { dir: dir.clone() });
        }
        Err(std::fs::TryLockError::Error(source)) => {
            return Err(PersistError::Io {
                path: lock_path,
                what: "cannot lock the data directory",
                source,
            });
        }
    }

    let mut listing = list(dir)?;
    for tmp in listing.temporary.drain(..) {
        // A snapshot whose writing a crash interrupted; the journal still has its batches.
        tracing::info!(file = %tmp.display(), "removing an unfinished snapshot");
        std::fs::remove_file(&tmp)
            .map_err(io_error(&tmp, "cannot remove an unfinished snapshot"))?;
    }
    let recovered = match listing.snapshots.last() {
        None if listing.segments.is_empty() => {
            let state = seed().map_err(|e| PersistError::Seed(e.into()))?;
            let path = snapshot::write(dir, 0, &state).map_err(io_error(
                &dir.join(snapshot::name(0)),
                "cannot write the first snapshot",
            ))?;
            tracing::info!(file = %path.display(), "new data directory seeded");
            Recovered {
                state,
                seq: 0,
                tail: None,
            }
        }
        None => {
            let (_, path) = &listing.segments[0];
            return Err(PersistError::Corrupt {
                path: path.clone(),
                offset: 0,
                reason: "a journal without any snapshot to start from".into(),
            });
        }
        Some((named, path)) => recover(*named, path, &listing.segments)?,
    };
    let Recovered { state, seq, tail } = recovered;
    remove_redundant(dir, snapshot_seq(&listing));

    let (path, len) = match tail {
        Some(tail) => tail,
        None => (dir.join(journal::segment_name(seq + 1)), 0),
    };
    let file = private_file()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io_error(&path, "cannot open the journal"))?;
    sync_dir(dir).map_err(io_error(dir, "cannot sync the data directory"))?;
    tracing::info!(
        dir = %dir.display(),
        seq,
        departments = state.department_count(),
        "durable state recovered"
    );
    let writer = JournalWriter::new(dir.clone(), file, path, len, options, lock);
    Store::with_journal(state, seq, Box::new(writer))
        .map_err(io_error(dir, "cannot start the commit thread"))
}

/// Makes `dir` a data directory holding `state`, as [`open`] seeds an empty one (snapshot 0),
/// without opening it: the way to build one whole in a temporary place and rename it into
/// place. Returns the snapshot's path.
pub fn seed(dir: &Path, state: &State) -> Result<PathBuf, PersistError> {
    create_private_dir(dir).map_err(io_error(dir, "cannot create the data directory"))?;
    snapshot::write(dir, 0, state).map_err(io_error(
        &dir.join(snapshot::name(0)),
        "cannot write the first snapshot",
    ))
}

/// A state kept in a file of its own (in the snapshot format), and when it was written.
pub struct SavedState {
    pub state: State,
    pub saved_at: Timestamp,
}

/// Writes `state`, as it was at `saved_at`, to `path`, whole or not at all, `0600`; durable
/// once this returns.
pub fn write_state(path: &Path, state: &State, saved_at: Timestamp) -> Result<(), PersistError> {
    snapshot::write_to(path, 0, state, saved_at).map_err(io_error(path, "cannot write the state"))
}

/// Reads a state [`write_state`] wrote (or any snapshot); damage is [`PersistError::Corrupt`].
pub fn read_state(path: &Path) -> Result<SavedState, PersistError> {
    let snapshot::Read {
        state, saved_at, ..
    } = snapshot::read(path)?;
    Ok(SavedState { state, saved_at })
}

fn snapshot_seq(listing: &Listing) -> u64 {
    listing.snapshots.last().map_or(0, |(seq, _)| *seq)
}

/// The recovered state, its last batch number, and the last segment with its valid length.
struct Recovered {
    state: State,
    seq: u64,
    tail: Option<(PathBuf, u64)>,
}

/// Loads the snapshot at `snapshot_path` (named after batch `named`) and replays the segments
/// after it.
fn recover(
    named: u64,
    snapshot_path: &Path,
    segments: &[(u64, PathBuf)],
) -> Result<Recovered, PersistError> {
    let snapshot::Read {
        mut state,
        seq: snapshot_seq,
        ..
    } = snapshot::read(snapshot_path)?;
    if snapshot_seq != named {
        return Err(PersistError::Corrupt {
            path: snapshot_path.to_owned(),
            offset: 0,
            reason: format!("holds the state at batch {snapshot_seq}, not {named}"),
        });
    }
    // Segments wholly covered by the snapshot are skipped unread (compaction deletes them).
    let first = segments
        .iter()
        .rposition(|(start, _)| *start <= snapshot_seq + 1)
        .unwrap_or(0);
    let segments = &segments[first..];
    let mut next = snapshot_seq + 1;
    let mut tail = None;
    for (i, (start, path)) in segments.iter().enumerate() {
        let corrupt = |offset: usize, reason: String| PersistError::Corrupt {
            path: path.clone(),
            offset: offset as u64,
            reason,
        };
        if i == 0 && *start > snapshot_seq + 1 {
            return Err(corrupt(
                0,
                format!("starts at batch {start}, but the snapshot ends at batch {snapshot_seq}"),
            ));
        }
        if i > 0 && *start != next {
            return Err(corrupt(
                0,
                format!("starts at batch {start}, expected {next}"),
            ));
        }
        let mut expected = *start;
        let last = i + 1 == segments.len();
        let bytes = std::fs::read(path).map_err(io_error(path, "cannot read the journal"))?;
        let mut at = 0;
        while at < bytes.len() {
            let (payload, end) = match record::unframe(&bytes, at) {
                Ok(record) => record,
                Err(torn) => {
                    if let Some(good) = record::record_after(&bytes, at + 1) {
                        return Err(corrupt(
                            at,
                            format!(
                                "{}, followed by a whole record at byte {good}",
                                torn.as_str()
                            ),
                        ));
                    }
                    if !last {
                        return Err(corrupt(
                            at,
                            format!("{} in a segment that is not the last", torn.as_str()),
                        ));
                    }
                    tracing::warn!(
                        file = %path.display(),
                        offset = at,
                        dropped_bytes = bytes.len() - at,
                        reason = torn.as_str(),
                        "the journal ends in a torn record (a crash mid-write); cutting it off"
                    );
                    let file = OpenOptions::new().write(true).open(path).map_err(io_error(
                        path,
                        "cannot open the journal to cut its torn end",
                    ))?;
                    file.set_len(at as u64)
                        .and_then(|()| file.sync_all())
                        .map_err(io_error(path, "cannot cut the journal's torn end"))?;
                    break;
                }
            };
            let group: Vec<Batch> = serde_json::from_slice(payload)
                .map_err(|e| corrupt(at, format!("undecodable record: {e}")))?;
            if group.is_empty() {
                return Err(corrupt(at, "an empty group".into()));
            }
            for batch in group {
                if batch.seq != expected {
                    return Err(corrupt(
                        at,
                        format!("holds batch {}, expected {expected}", batch.seq),
                    ));
                }
                if batch.seq > snapshot_seq {
                    state = state.with_changes(batch.changes).map_err(|e| {
                        corrupt(at, format!("batch {} does not apply: {e}", batch.seq))
                    })?;
                    if let Some(version) = batch.version {
                        state = state.with_version(version);
                    }
                }
                expected += 1;
            }
            at = end;
        }
        // Appends go on in the last segment only if it ends where the state does (it could end
        // before the snapshot only if files were removed by hand); otherwise a new one starts.
        if last && expected >= next {
            tail = Some((path.clone(), at as u64));
        }
        next = next.max(expected);
    }
    state
        .check_invariants()
        .map_err(|reason| PersistError::Corrupt {
            path: snapshot_path.to_owned(),
            offset: 0,
            reason: format!("the recovered state is inconsistent: {reason}"),
        })?;
    Ok(Recovered {
        state,
        seq: next - 1,
        tail,
    })
}

#[cfg(test)]
mod tests {
    use super::record::{frame, unframe};
    use super::*;
    use crate::model::{
        Command, DepartmentName, Email, MembersChange, ModelError, NewAgent, NewDepartment,
        Outcome, RoleSet, Username, WritePolicy,
    };

    fn options(dir: &Path) -> Options {
        Options::new(dir)
    }

    fn no_seed() -> Result<State, std::io::Error> {
        panic!("the directory already holds a state")
    }

    async fn open_new(dir: &Path) -> Store {
        open(&options(dir), || Ok::<_, std::io::Error>(State::empty())).unwrap()
    }

    async fn create_agent(store: &Store, name: &str) -> crate::model::AgentId {
        let (_, outcome) = store
            .apply(Command::CreateAgent {
                agent: NewAgent {
                    username: Username::parse(name).unwrap(),
                    display_name: name.into(),
                    email: Email::parse(&format!("{name}@example.com")).unwrap(),
                    roles: RoleSet::default(),
                    active: true,
                    time_zone: None,
                    credentials: Default::default(),
                },
            })
            .await
            .unwrap();
        let Outcome::Agent(id) = outcome else {
            panic!("{outcome:?}")
        };
        id
    }

    async fn create_department(store: &Store, name: &str, members: Vec<crate::model::AgentId>) {
        store
            .apply(Command::CreateDepartment {
                department: NewDepartment::named(DepartmentName::parse(name).unwrap()),
                members: Some(MembersChange::Replace(members)),
                policy: WritePolicy::default(),
            })
            .await
            .unwrap();
    }

    fn setting(name: &str) -> Command {
        Command::SetSetting {
            name: name.into(),
            value: Some(serde_json::json!({ "name": name })),
        }
    }

    fn segment(dir: &Path) -> PathBuf {
        let listing = list(dir).unwrap();
        listing.segments.last().unwrap().1.clone()
    }

    /// Where each record of a segment starts.
    fn record_starts(bytes: &[u8]) -> Vec<usize> {
        let mut starts = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            starts.push(at);
            at = unframe(bytes, at).unwrap().1;
        }
        starts
    }

    fn copy_dir(from: &Path, to: &Path) {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }

    fn open_error(dir: &Path) -> String {
        match open(&options(dir), no_seed) {
            Ok(_) => panic!("{} opened", dir.display()),
            Err(e) => e.to_string(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reopened_directory_holds_exactly_the_state_that_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = open_new(dir.path()).await;
        let (a, b) = (
            create_agent(&store, "a").await,
            create_agent(&store, "b").await,
        );
        create_department(&store, "Sales", vec![a, b]).await;
        create_department(&store, "Support", vec![b]).await;
        store.apply(Command::DeleteAgent { id: a }).await.unwrap();
        store.apply(setting("x")).await.unwrap();
        let written = store.view();
        store.close().await;
        drop(store);

        let reopened = open(&options(dir.path()), no_seed).unwrap();

        let view = reopened.view();
        view.check_invariants().unwrap();
        assert!(view.same_records(&written));
        assert_eq!(
            open_error(dir.path()),
            format!(
                "{} is in use by another deskbridge process",
                dir.path().display()
            )
        );
    }

    /// A directory with a snapshot and a journal of three batches; returns the journal's bytes.
    async fn three_batches(dir: &Path) -> Vec<u8> {
        let store = open_new(dir).await;
        for name in ["one", "two", "three"] {
            store.apply(setting(name)).await.unwrap();
        }
        store.close().await;
        std::fs::read(segment(dir)).unwrap()
    }

    fn settings_of(store: &Store) -> Vec<String> {
        store.view().settings().map(|(k, _)| k.to_owned()).collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_torn_last_record_is_cut_off_at_every_byte_and_start_up_goes_on() {
        let original = tempfile::tempdir().unwrap();
        let bytes = three_batches(original.path()).await;
        let last = *record_starts(&bytes).last().unwrap();
        let name = segment(original.path()).file_name().unwrap().to_owned();

        for cut in last + 1..bytes.len() {
            let dir = tempfile::tempdir().unwrap();
            copy_dir(original.path(), dir.path());
            std::fs::write(dir.path().join(&name), &bytes[..cut]).unwrap();

            let store = open(&options(dir.path()), no_seed).unwrap();

            assert_eq!(settings_of(&store), ["one", "two"], "cut at {cut}");
            let len = std::fs::metadata(dir.path().join(&name)).unwrap().len();
            assert_eq!(len, last as u64, "cut at {cut}");
            // Every 16th cut: the journal goes on cleanly after the cut.
            if cut % 16 == 0 {
                store.apply(setting("four")).await.unwrap();
                store.close().await;
                drop(store);
                let store = open(&options(dir.path()), no_seed).unwrap();
                assert_eq!(settings_of(&store), ["four", "one", "two"]);
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_last_record_failing_its_checksum_or_zero_filled_is_cut_off() {
        for damage in ["flip", "zeros"] {
            let dir = tempfile::tempdir().unwrap();
            let mut bytes = three_batches(dir.path()).await;
            let last = *record_starts(&bytes).last().unwrap();
            match damage {
                "flip" => *bytes.last_mut().unwrap() ^= 0x20,
                _ => bytes.extend_from_slice(&[0; 100]),
            }
            std::fs::write(segment(dir.path()), &bytes).unwrap();

            let store = open(&options(dir.path()), no_seed).unwrap();

            let expected: &[&str] = if damage == "flip" {
                &["one", "two"]
            } else {
                &["one", "three", "two"]
            };
            assert_eq!(settings_of(&store), expected, "{damage}");
            let len = std::fs::metadata(segment(dir.path())).unwrap().len() as usize;
            assert_eq!(
                len,
                if damage == "flip" {
                    last
                } else {
                    bytes.len() - 100
                }
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn damage_before_the_last_record_stops_start_up_naming_the_file_and_offset() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = three_batches(dir.path()).await;
        let starts = record_starts(&bytes);
        bytes[starts[1] + 12] ^= 0x01;
        let path = segment(dir.path());
        std::fs::write(&path, &bytes).unwrap();

        let err = open_error(dir.path());

        assert_eq!(
            err,
            format!(
                "{} is corrupt at byte {}: a record failing its checksum, followed by a whole record at byte {}",
                path.display(),
                starts[1],
                starts[2]
            )
        );
        // Nothing was cut: the operator still has every byte to look at.
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_checksummed_record_that_does_not_decode_stops_start_up() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = three_batches(dir.path()).await;
        let end = bytes.len();
        frame(&mut bytes, br#"[{"seq": 4, "changes": "not a list"}]"#).unwrap();
        let path = segment(dir.path());
        std::fs::write(&path, &bytes).unwrap();

        let err = open_error(dir.path());

        assert!(
            err.starts_with(&format!(
                "{} is corrupt at byte {end}: undecodable record:",
                path.display()
            )),
            "{err}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_damaged_snapshot_stops_start_up_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        three_batches(dir.path()).await;
        let path = dir.path().join(snapshot::name(0));
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() - 3;
        bytes[at] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();

        let err = open_error(dir.path());

        assert_eq!(
            err,
            format!(
                "{} is corrupt at byte 22: a record failing its checksum",
                path.display()
            )
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn compaction_under_concurrent_writes_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut options = options(dir.path());
        options.compact_bytes = 2048;
        let store = open(&options, || Ok::<_, std::io::Error>(State::empty())).unwrap();
        let agent = create_agent(&store, "a").await;

        let writers = (0..8).map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..40 {
                    store.apply(setting(&format!("w{w}-{i}"))).await.unwrap();
                    if i % 10 == 0 {
                        create_department(&store, &format!("D{w}-{i}"), vec![agent]).await;
                    }
                }
            })
        });
        for writer in writers.collect::<Vec<_>>() {
            writer.await.unwrap();
        }
        let written = store.view();
        store.close().await;
        drop(store);

        let listing = list(dir.path()).unwrap();
        let reopened = open(&options, no_seed).unwrap();
        let view = reopened.view();
        view.check_invariants().unwrap();
        assert!(view.same_records(&written));
        assert_eq!(view.settings().count(), 320);
        assert_eq!(view.members_of(crate::model::DepartmentId(32)).count(), 1);
        assert!(listing.snapshots.last().unwrap().0 > 0, "never compacted");
        assert!(listing.segments.len() <= 3, "{:?}", listing.segments);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_the_disk_refuses_fails_and_changes_nothing_on_disk_or_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let options = options(dir.path());
        let store = open(&options, || Ok::<_, std::io::Error>(State::empty())).unwrap();
        store.apply(setting("kept")).await.unwrap();
        let before = store.view();

        options.faults.fail_writes(true);
        let refused = store.apply(setting("refused")).await;
        options.faults.fail_writes(false);

        assert_eq!(refused.unwrap_err(), ModelError::Storage);
        assert!(std::sync::Arc::ptr_eq(&before, &store.view()));
        store.apply(setting("after")).await.unwrap();
        store.close().await;
        drop(store);
        let reopened = open(&options, no_seed).unwrap();
        assert_eq!(settings_of(&reopened), ["after", "kept"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_share_records_and_a_torn_group_is_dropped_whole() {
        // Arrange: 48 writes at once, so that groups of several form.
        let dir = tempfile::tempdir().unwrap();
        let store = open_new(dir.path()).await;
        let writes = (0..48).map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.apply(setting(&format!("s{i:02}"))).await })
        });
        for write in writes.collect::<Vec<_>>() {
            write.await.unwrap().unwrap();
        }
        store.close().await;
        drop(store);
        let path = segment(dir.path());
        let bytes = std::fs::read(&path).unwrap();
        let starts = record_starts(&bytes);
        assert!(
            starts.len() < 48,
            "no group commit: {} records",
            starts.len()
        );
        let last = *starts.last().unwrap();
        let (payload, _) = unframe(&bytes, last).unwrap();
        let in_last_group = serde_json::from_slice::<Vec<Batch>>(payload).unwrap().len();

        // Act: the last group torn in its middle.
        std::fs::write(&path, &bytes[..last + (bytes.len() - last) / 2]).unwrap();
        let store = open(&options(dir.path()), no_seed).unwrap();

        // Assert: every write of the earlier groups, none of the torn one.
        assert_eq!(store.view().settings().count(), 48 - in_last_group);
        store.view().check_invariants().unwrap();
    }

    /// The mode bits of `path`.
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_file_is_made_0600_and_every_directory_0700_whatever_the_umask() {
        // Arrange: a directory to be made, below a parent that is missing too.
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("made").join("data");
        let mut options = options(&dir);
        options.compact_bytes = 1024;

        // Act: enough writes to compact, and a state file of its own.
        let store = open(&options, || Ok::<_, std::io::Error>(State::empty())).unwrap();
        for i in 0..40 {
            store.apply(setting(&format!("s{i}"))).await.unwrap();
        }
        store.close().await;
        drop(store);
        write_state(&dir.join("kept.snap"), &State::empty(), Timestamp::now()).unwrap();

        // Assert
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&parent.path().join("made")), 0o700);
        let listing = list(&dir).unwrap();
        assert!(listing.snapshots.last().unwrap().0 > 0, "never compacted");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_directory_group_or_others_can_write_is_refused_naming_it_and_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        for bad in [0o770, 0o702, 0o777] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(bad)).unwrap();

            let err = open_error(dir.path());

            let shown = dir.path().display();
            assert_eq!(
                err,
                format!(
                    "{shown} can be written by group or others (mode {bad:04o}), and it holds \
                     password hashes and token digests; make it private with `chmod 700 {shown}`"
                )
            );
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "touched");
        }
        // Readable by others is allowed (with a warning), as before.
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        open_new(dir.path()).await.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn entries_it_does_not_know_are_left_alone() {
        // Arrange: what a tenant layer keeps beside the store's own files.
        let dir = tempfile::tempdir().unwrap();
        let store = open_new(dir.path()).await;
        store.apply(setting("kept")).await.unwrap();
        store.close().await;
        drop(store);
        std::fs::create_dir(dir.path().join("tenants")).unwrap();
        std::fs::create_dir(dir.path().join("named")).unwrap();
        std::fs::write(dir.path().join("named/x.snap.tmp"), b"?").unwrap();
        std::fs::write(dir.path().join("tenant.json"), b"{}").unwrap();
        std::fs::write(dir.path().join("base.snap"), b"not a snapshot").unwrap();

        // Act
        let listing = list(dir.path()).unwrap();
        let store = open(&options(dir.path()), no_seed).unwrap();

        // Assert
        assert_eq!(listing.snapshots.len(), 1);
        assert_eq!(listing.segments.len(), 1);
        assert!(listing.temporary.is_empty());
        assert_eq!(settings_of(&store), ["kept"]);
        for kept in ["tenants", "named/x.snap.tmp", "tenant.json", "base.snap"] {
            assert!(dir.path().join(kept).exists(), "{kept}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_replaced_state_is_recovered_exactly_with_its_version_and_counters() {
        // Arrange: a state with records, then a return to an earlier one (fewer records, lower
        // id counters), then one more write; compaction both off and on.
        for compact_bytes in [DEFAULT_COMPACT_BYTES, 1024] {
            let dir = tempfile::tempdir().unwrap();
            let mut options = options(dir.path());
            options.compact_bytes = compact_bytes;
            let store = open(&options, || Ok::<_, std::io::Error>(State::empty())).unwrap();
            let a = create_agent(&store, "a").await;
            create_department(&store, "Early", vec![a]).await;
            let early = State::clone(&store.view());
            for i in 0..12 {
                let b = create_agent(&store, &format!("b{i}")).await;
                create_department(&store, &format!("Late {i}"), vec![a, b]).await;
                store.apply(setting(&format!("late{i}"))).await.unwrap();
            }
            let replaced = store.replace(early.clone()).await.unwrap();
            assert!(replaced.same_records(&early));
            store.apply(setting("after")).await.unwrap();
            let written = store.view();
            store.close().await;
            drop(store);

            // Act
            let reopened = open(&options, no_seed).unwrap();

            // Assert: the records, the version, and the id counters (the next ids).
            let view = reopened.view();
            view.check_invariants().unwrap();
            assert!(view.same_records(&written), "compact_bytes {compact_bytes}");
            assert_eq!(view.version(), written.version());
            assert_eq!(
                (
                    view.agent_count(),
                    view.department_count(),
                    view.membership_count()
                ),
                (
                    written.agent_count(),
                    written.department_count(),
                    written.membership_count()
                )
            );
            let next = create_agent(&reopened, "next").await;
            assert_eq!(
                next,
                crate::model::AgentId(2),
                "compact_bytes {compact_bytes}"
            );
        }
    }

    #[test]
    fn a_state_written_to_a_file_reads_back_with_its_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.snap");
        let state = State::empty().with_version(42);

        write_state(
            &path,
            &state,
            Timestamp::from_unix_millis(1_700_000_000_123),
        )
        .unwrap();
        let read = read_state(&path).unwrap();

        assert!(read.state.same_records(&state));
        assert_eq!(read.state.version(), 42);
        assert_eq!(read.saved_at.unix_millis(), 1_700_000_000_123);
        assert!(!dir.path().join("one.snap.tmp").exists());
    }
}
