//! The crash test with tenants: the real binary, SIGKILLed during a storm of tenant creates
//! (from the fixtures and as forks), writes in each, snapshots, restores and deletes, a few
//! rounds on one data directory. Each worker runs its operations one after another on tenants of
//! its own, so what every tenant must hold after a restart is known exactly: the acknowledged
//! state, or that state with the one operation that was in flight when the kill came.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::assert_private;
use crate::durability::Gateway;
use crate::helpers::ADMIN_TOKEN;

/// A tenant's departments, by name.
type Names = BTreeSet<String>;

/// What one tenant must hold.
#[derive(Debug, Clone, Default)]
struct Expected {
    departments: Names,
    snapshots: BTreeMap<String, Names>,
}

/// An operation sent and not (yet) acknowledged.
#[derive(Debug, Clone)]
enum Op {
    /// From the fixtures, or a fork of `from`; `holds` is what it starts with.
    Create {
        tenant: String,
        from: Option<String>,
        holds: Names,
    },
    Department {
        tenant: String,
        name: String,
    },
    Snapshot {
        tenant: String,
        name: String,
    },
    Restore {
        tenant: String,
        name: String,
    },
    Delete {
        tenant: String,
    },
}

impl Op {
    fn tenant(&self) -> &str {
        match self {
            Op::Create { tenant, .. }
            | Op::Department { tenant, .. }
            | Op::Snapshot { tenant, .. }
            | Op::Restore { tenant, .. }
            | Op::Delete { tenant } => tenant,
        }
    }
}

/// Every acknowledged operation's effect, and each worker's operation in flight.
#[derive(Debug, Default)]
struct Book {
    tenants: BTreeMap<String, Expected>,
    in_flight: BTreeMap<usize, Op>,
    acknowledged: usize,
}

impl Book {
    /// The operation was acknowledged: its effect is now certain.
    fn acknowledge(&mut self, worker: usize) {
        let Some(op) = self.in_flight.remove(&worker) else {
            return;
        };
        self.acknowledged += 1;
        match op {
            Op::Create { tenant, holds, .. } => {
                let expected = Expected {
                    departments: holds,
                    snapshots: BTreeMap::new(),
                };
                self.tenants.insert(tenant, expected);
            }
            Op::Department { tenant, name } => {
                self.tenants
                    .get_mut(&tenant)
                    .unwrap()
                    .departments
                    .insert(name);
            }
            Op::Snapshot { tenant, name } => {
                let expected = self.tenants.get_mut(&tenant).unwrap();
                expected
                    .snapshots
                    .insert(name, expected.departments.clone());
            }
            Op::Restore { tenant, name } => {
                let expected = self.tenants.get_mut(&tenant).unwrap();
                expected.departments = expected.snapshots[&name].clone();
            }
            Op::Delete { tenant } => {
                self.tenants.remove(&tenant);
            }
        }
    }

    /// What `tenant` may hold after a crash: `None` for absent.
    fn allowed(&self, tenant: &str) -> Vec<Option<Expected>> {
        let acked = self.tenants.get(tenant).cloned();
        let mut allowed = vec![acked.clone()];
        let pending = self.in_flight.values().find(|op| op.tenant() == tenant);
        let Some(op) = pending else { return allowed };
        let mut done = acked.clone().unwrap_or_default();
        match op {
            Op::Create { holds, .. } => done.departments = holds.clone(),
            Op::Department { name, .. } => {
                done.departments.insert(name.clone());
            }
            Op::Snapshot { name, .. } => {
                let holds = done.departments.clone();
                done.snapshots.insert(name.clone(), holds);
            }
            Op::Restore { name, .. } => done.departments = done.snapshots[name].clone(),
            Op::Delete { .. } => {
                allowed.push(None);
                return allowed;
            }
        }
        allowed.push(Some(done));
        allowed
    }
}

type Shared = Arc<Mutex<Book>>;

const FIXTURE_NAMES: [&str; 3] = ["Sales", "Support", "Billing"];

/// Sends one control-plane or Zopim request for `op`, noting it in flight first; whether it was
/// acknowledged.
async fn run(client: &reqwest::Client, base: &str, book: &Shared, worker: usize, op: Op) -> bool {
    book.lock().unwrap().in_flight.insert(worker, op.clone());
    let gateway = |path: String| format!("{base}/_gateway/tenants{path}");
    let (request, wanted) = match &op {
        Op::Create { tenant, from, .. } => {
            let from = match from {
                Some(from) => json!({ "tenant": from }),
                None => json!({"fixtures": true}),
            };
            (
                client
                    .post(gateway(String::new()))
                    .json(&json!({"name": tenant, "from": from})),
                StatusCode::CREATED,
            )
        }
        Op::Department { tenant, name } => (
            client
                .post(format!("{base}/t/{tenant}/api/v2/chat/departments"))
                .bearer_auth(ADMIN_TOKEN)
                .json(&json!({"name": name, "members": [1]})),
            StatusCode::CREATED,
        ),
        Op::Snapshot { tenant, name } => (
            client
                .post(gateway(format!("/{tenant}/snapshots")))
                .json(&json!({"name": name})),
            StatusCode::CREATED,
        ),
        Op::Restore { tenant, name } => (
            client
                .post(gateway(format!("/{tenant}/restore")))
                .json(&json!({"snapshot": name})),
            StatusCode::OK,
        ),
        Op::Delete { tenant } => (
            client.delete(gateway(format!("/{tenant}"))),
            StatusCode::NO_CONTENT,
        ),
    };
    match request.send().await {
        Ok(reply) if reply.status() == wanted => {
            // Counted only once the whole answer is read.
            if reply.bytes().await.is_err() {
                return false;
            }
            book.lock().unwrap().acknowledge(worker);
            true
        }
        Ok(reply) => {
            let status = reply.status();
            let body = reply.text().await.unwrap_or_default();
            // A refusal other than a dying gateway's is a bug in the gateway or in this test.
            assert!(
                status.is_server_error(),
                "worker {worker}: {op:?} answered {status} {body}"
            );
            false
        }
        Err(_) => false,
    }
}

/// One worker's storm: tenants of its own, one after another, each created (from the fixtures
/// or as a fork of its previous one), written, snapshotted, written, restored, and every third
/// deleted; first of all, the oldest tenant it left in an earlier round is deleted.
async fn storm(client: reqwest::Client, base: String, book: Shared, round: usize, worker: usize) {
    let oldest = book
        .lock()
        .unwrap()
        .tenants
        .keys()
        .find(|t| t.starts_with(&format!("w{worker}-")))
        .cloned();
    if let Some(tenant) = oldest
        && !run(&client, &base, &book, worker, Op::Delete { tenant }).await
    {
        return;
    }
    for i in 0.. {
        let tenant = format!("w{worker}-r{round}-{i:03}");
        // Every other tenant is a fork of the worker's newest one, when it has one.
        let (from, holds) = {
            let book = book.lock().unwrap();
            let source = book
                .tenants
                .iter()
                .rev()
                .find(|(t, _)| t.starts_with(&format!("w{worker}-")));
            match source {
                Some((from, expected)) if i % 2 == 1 => {
                    (Some(from.clone()), expected.departments.clone())
                }
                _ => (None, FIXTURE_NAMES.iter().map(|n| n.to_string()).collect()),
            }
        };
        let mut ops = vec![Op::Create {
            tenant: tenant.clone(),
            from,
            holds,
        }];
        let department = |name: &str| Op::Department {
            tenant: tenant.clone(),
            name: format!("{tenant} {name}"),
        };
        ops.extend([department("a"), department("b")]);
        ops.push(Op::Snapshot {
            tenant: tenant.clone(),
            name: "s".into(),
        });
        ops.push(department("after s"));
        ops.push(Op::Restore {
            tenant: tenant.clone(),
            name: "s".into(),
        });
        ops.push(department("after restore"));
        if i % 3 == 2 {
            ops.push(Op::Delete {
                tenant: tenant.clone(),
            });
        }
        for op in ops {
            if !run(&client, &base, &book, worker, op).await {
                return;
            }
        }
    }
}

/// Checks the restarted gateway against the book: every tenant acknowledged is there as
/// acknowledged (or with the operation in flight done), no other tenant is, every listed tenant
/// answers, and no half-made tenant is on disk.
async fn verify(client: &reqwest::Client, base: &str, book: &Book, dir: &Path) {
    let leftovers: Vec<String> = match std::fs::read_dir(dir.join("tenants")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect(),
        Err(_) => Vec::new(),
    };
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let list: Value = client
        .get(format!("{base}/_gateway/tenants"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: BTreeSet<String> = list["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .filter(|t| t != "default")
        .collect();
    let mut names: BTreeSet<String> = book.tenants.keys().cloned().collect();
    names.extend(listed.iter().cloned());
    names.extend(book.in_flight.values().map(|op| op.tenant().to_owned()));
    for tenant in names {
        let allowed = book.allowed(&tenant);
        let actual = if listed.contains(&tenant) {
            Some(read_tenant(client, base, &tenant).await)
        } else {
            None
        };
        let matches = allowed.iter().any(|a| match (a, &actual) {
            (None, None) => true,
            (Some(a), Some(actual)) => {
                a.departments == actual.departments
                    && a.snapshots.keys().eq(actual.snapshots.keys())
            }
            _ => false,
        });
        assert!(
            matches,
            "{tenant}: found {actual:?}, acknowledged or in flight: {allowed:?}"
        );
    }
}

/// A tenant's departments (through Zopim) and snapshot names (through the control plane).
async fn read_tenant(client: &reqwest::Client, base: &str, tenant: &str) -> Expected {
    let reply = client
        .get(format!("{base}/t/{tenant}/api/v2/chat/departments"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK, "{tenant}");
    let departments: Vec<Value> = reply.json().await.unwrap();
    let snapshots: Value = client
        .get(format!("{base}/_gateway/tenants/{tenant}/snapshots"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Expected {
        departments: departments
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect(),
        snapshots: snapshots["snapshots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["name"].as_str().unwrap().to_owned(), Names::new()))
            .collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_sigkilled_in_a_storm_of_tenant_operations_loses_nothing_acknowledged() {
    const ROUNDS: usize = 4;
    const WORKERS: usize = 4;
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let book: Shared = Arc::default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut per_round = Vec::new();

    for round in 0..ROUNDS {
        // Arrange: a (re)start on the same directory, checked before new load.
        let mut gateway = Gateway::start(dir.path());
        let snapshot_of_book = std::mem::take(&mut *book.lock().unwrap());
        verify(&client, &gateway.base, &snapshot_of_book, dir.path()).await;
        // What was in flight is settled by what the restart showed: re-read it into the book.
        *book.lock().unwrap() = settle(&client, &gateway.base, snapshot_of_book).await;
        let before = book.lock().unwrap().acknowledged;

        // Act: the workers, and a SIGKILL while they run.
        let load: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (c, b, k) = (client.clone(), gateway.base.clone(), Arc::clone(&book));
                tokio::spawn(storm(c, b, k, round, w))
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(20);
        while book.lock().unwrap().acknowledged - before < 30 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(30 * round as u64)).await;
        gateway.kill();
        for task in load {
            task.await.unwrap();
        }
        per_round.push(book.lock().unwrap().acknowledged - before);
    }

    // Assert: a last restart has everything, and each tenant's directory, read in-process,
    // passes the store's own invariant check; every file is private.
    let gateway = Gateway::start(dir.path());
    let book = std::mem::take(&mut *book.lock().unwrap());
    verify(&client, &gateway.base, &book, dir.path()).await;
    drop(gateway);
    for entry in std::fs::read_dir(dir.path().join("tenants")).unwrap() {
        let path = entry.unwrap().path();
        let store = deskbridge::persist::open(&deskbridge::persist::Options::new(&path), || {
            Err::<deskbridge::model::State, _>("a tenant without a state")
        })
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        store.view().check_invariants().unwrap();
        store.close().await;
    }
    assert_private(dir.path());
    assert!(
        per_round.iter().all(|n| *n > 0),
        "a round acknowledged nothing: {per_round:?}"
    );
    eprintln!(
        "tenant crash test: {ROUNDS} SIGKILLs, acknowledged operations per round {per_round:?}, \
         {} tenants at the end, {:?}",
        book.tenants.len(),
        started.elapsed()
    );
}

/// The book after a restart: each operation in flight at the kill is now known to have
/// happened or not, so the tenant it touched is read back as it is.
async fn settle(client: &reqwest::Client, base: &str, mut book: Book) -> Book {
    let in_flight = std::mem::take(&mut book.in_flight);
    for op in in_flight.values() {
        let tenant = op.tenant();
        let reply = client
            .get(format!("{base}/_gateway/tenants/{tenant}"))
            .send()
            .await
            .unwrap();
        if reply.status() == StatusCode::NOT_FOUND {
            book.tenants.remove(tenant);
            continue;
        }
        let mut actual = read_tenant(client, base, tenant).await;
        // Snapshot contents are not read back through the API; keep what the book knows, and
        // take a snapshot made by the operation in flight as the state it was made from.
        let known = book.tenants.get(tenant).cloned().unwrap_or_default();
        for (name, holds) in actual.snapshots.iter_mut() {
            *holds = known
                .snapshots
                .get(name)
                .cloned()
                .unwrap_or_else(|| known.departments.clone());
        }
        book.tenants.insert(tenant.to_owned(), actual);
    }
    book
}
