//! Issue 15's costs that are not a request rate, measured through the control plane rather than
//! with wrk: the time and resident memory of a fork, a snapshot, a reset and a restore of a
//! 100 000-department tenant, and the resident memory of 1 000 small tenants.
//!
//! Resident memory moves in pages and the allocator keeps what it frees, so one operation's few
//! kilobytes cannot be read from one before/after pair: each operation is done [`CALLS`] times
//! (on as many tenants, so that each call adds what it keeps) and the growth divided by the
//! count. Every code path is run once before the first reading, so that the first call does not
//! carry the allocator's and the connection's first touches.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::driver::{repo_root, start_gateway_with};
use crate::probe;
use crate::process::Server;

/// The control-plane costs, as `run --scenarios` names them.
pub const OPS: &str = "tenant-ops-100000";
/// The many small tenants, as `run --scenarios` names them.
pub const MANY: &str = "tenants-1000";
/// Departments of the tenant forked, snapshotted, reset and restored.
pub const OPS_DEPARTMENTS: u64 = 100_000;
/// Calls of each operation: enough that page and allocator granularity (4 KiB and up) is under
/// a hundred bytes a call.
pub const CALLS: u64 = 100;
/// Small tenants made.
pub const MANY_TENANTS: u64 = 1_000;
/// The issue's ceilings for each operation on a 100 000-department tenant.
pub const OP_TIME_MS: f64 = 5.0;
pub const OP_NEW_KIB: f64 = 64.0;

/// The embedded default data's administrator credentials (fixtures/default.json): a Zopim
/// Bearer token and a Zendesk API token. It has no Rocket.Chat session, and a login per tenant
/// would hash a password with Argon2 (19 MiB of working memory) in every tenant.
const DEFAULT_BEARER: &str = "deskbridge-admin-token";
const DEFAULT_API_TOKEN: (&str, &str) = ("admin@example.com/token", "deskbridge-admin-api-token");

/// One control-plane request, timed from connecting to the end of the answer (a fresh loopback
/// connection, as a test's fixture makes it); anything but `expect` is an error.
pub fn control(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
    expect: u16,
) -> anyhow::Result<(Duration, probe::Reply)> {
    let started = Instant::now();
    let reply = probe::request(
        addr,
        method,
        path,
        &[("Content-Type".to_owned(), "application/json".to_owned())],
        (!body.is_empty()).then_some(body),
        Duration::from_secs(30),
    )?;
    let took = started.elapsed();
    if reply.status != expect {
        bail!(
            "{method} {path} answered {} instead of {expect}: {}",
            reply.status,
            String::from_utf8_lossy(&reply.body[..reply.body.len().min(400)])
        );
    }
    Ok((took, reply))
}

/// One operation done [`CALLS`] times.
pub struct OpCost {
    pub name: &'static str,
    /// The request, with `{i}` for the tenant's number.
    pub request: String,
    /// Each call's round trip, shortest first.
    pub times: Vec<Duration>,
    pub rss_before: u64,
    pub rss_after: u64,
    /// Whether the issue sets targets for it (the health check is only the round trip's floor).
    pub has_targets: bool,
}

impl OpCost {
    pub fn median_ms(&self) -> f64 {
        let t = &self.times;
        match t.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => t[n / 2].as_secs_f64() * 1e3,
            n => (t[n / 2 - 1] + t[n / 2]).as_secs_f64() * 1e3 / 2.0,
        }
    }

    /// The `q` quantile (0 to 1) of the round trips, in ms: the nearest rank.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let n = self.times.len();
        if n == 0 {
            return f64::NAN;
        }
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        self.times[rank - 1].as_secs_f64() * 1e3
    }

    /// New resident memory per call, in bytes (negative when the set shrank).
    pub fn bytes_each(&self) -> f64 {
        (self.rss_after as f64 - self.rss_before as f64) / self.times.len().max(1) as f64
    }
}

/// Fork, snapshot, reset and restore of a large tenant.
pub struct TenantOps {
    pub departments: u64,
    /// Resident memory once loaded and warmed up.
    pub rss_start: u64,
    /// `GET /_gateway/health` first (the round trip alone), then each operation.
    pub ops: Vec<OpCost>,
}

/// Does `calls` requests made by `request(i)` for i in 1..=calls, timing each and reading the
/// resident memory before and after.
fn repeat(
    gateway: &Server,
    name: &'static str,
    shown: String,
    has_targets: bool,
    request: impl Fn(u64) -> (&'static str, String, String, u16),
) -> anyhow::Result<OpCost> {
    let rss_before = gateway.memory("VmRSS")?;
    let mut times = Vec::new();
    for i in 1..=CALLS {
        let (method, path, body, expect) = request(i);
        times.push(control(gateway.addr, method, &path, &body, expect)?.0);
    }
    let rss_after = gateway.memory("VmRSS")?;
    times.sort();
    let cost = OpCost {
        name,
        request: shown,
        times,
        rss_before,
        rss_after,
        has_targets,
    };
    eprintln!(
        "  {name:<9} median {:.3} ms (p90 {:.3}, slowest {:.3}), {:+.0} bytes resident per call",
        cost.median_ms(),
        cost.quantile_ms(0.9),
        cost.quantile_ms(1.0),
        cost.bytes_each()
    );
    Ok(cost)
}

/// Fork `default` (loaded from `fixture`, [`OPS_DEPARTMENTS`] departments) [`CALLS`] times, then
/// snapshot, reset and restore each fork once, in memory (no `--data-dir`).
pub fn tenant_ops(gateway_bin: &Path, fixture: &Path, work: &Path) -> anyhow::Result<TenantOps> {
    eprintln!(
        "\n== {OPS}: fork, snapshot, reset, restore ({OPS_DEPARTMENTS} departments, {CALLS} calls each)"
    );
    let gateway = start_gateway_with(gateway_bin, fixture, work, OPS, false, &[])?;
    let addr = gateway.addr;
    // Every path once: a tenant made, snapshotted, reset, restored and deleted.
    control(addr, "GET", "/_gateway/tenants", "", 200)?;
    let fork = r#"{"name": "warm-up", "from": {"tenant": "default"}}"#;
    control(addr, "POST", "/_gateway/tenants", fork, 201)?;
    control(
        addr,
        "POST",
        "/_gateway/tenants/warm-up/snapshots",
        r#"{"name": "before"}"#,
        201,
    )?;
    control(addr, "POST", "/_gateway/tenants/warm-up/reset", "", 200)?;
    control(
        addr,
        "POST",
        "/_gateway/tenants/warm-up/restore",
        r#"{"snapshot": "before"}"#,
        200,
    )?;
    control(addr, "DELETE", "/_gateway/tenants/warm-up", "", 204)?;
    let rss_start = gateway.memory("VmRSS")?;

    let mut ops = vec![repeat(
        &gateway,
        "health",
        "GET /_gateway/health".into(),
        false,
        |_| ("GET", "/_gateway/health".into(), String::new(), 200),
    )?];
    ops.push(repeat(
        &gateway,
        "fork",
        r#"POST /_gateway/tenants {"name": "fork-{i}", "from": {"tenant": "default"}}"#.into(),
        true,
        |i| {
            let body = format!(r#"{{"name": "fork-{i}", "from": {{"tenant": "default"}}}}"#);
            ("POST", "/_gateway/tenants".into(), body, 201)
        },
    )?);
    // The fork is of the whole tenant, not of an empty one.
    let (_, shown) = control(addr, "GET", "/_gateway/tenants/fork-1", "", 200)?;
    let shown: serde_json::Value = serde_json::from_slice(&shown.body)?;
    let departments = shown["counts"]["departments"]
        .as_u64()
        .context("a tenant's counts.departments")?;
    anyhow::ensure!(
        departments == OPS_DEPARTMENTS,
        "fork-1 has {departments} departments, not {OPS_DEPARTMENTS}"
    );
    ops.push(repeat(
        &gateway,
        "snapshot",
        r#"POST /_gateway/tenants/fork-{i}/snapshots {"name": "before"}"#.into(),
        true,
        |i| {
            let path = format!("/_gateway/tenants/fork-{i}/snapshots");
            ("POST", path, r#"{"name": "before"}"#.into(), 201)
        },
    )?);
    ops.push(repeat(
        &gateway,
        "reset",
        "POST /_gateway/tenants/fork-{i}/reset".into(),
        true,
        |i| {
            let path = format!("/_gateway/tenants/fork-{i}/reset");
            ("POST", path, String::new(), 200)
        },
    )?);
    ops.push(repeat(
        &gateway,
        "restore",
        r#"POST /_gateway/tenants/fork-{i}/restore {"snapshot": "before"}"#.into(),
        true,
        |i| {
            let path = format!("/_gateway/tenants/fork-{i}/restore");
            ("POST", path, r#"{"snapshot": "before"}"#.into(), 200)
        },
    )?);
    Ok(TenantOps {
        departments: OPS_DEPARTMENTS,
        rss_start,
        ops,
    })
}

/// One reading of the many-tenants run.
pub struct Step {
    pub what: String,
    pub rss: u64,
}

/// Resident memory with [`MANY_TENANTS`] small tenants.
pub struct ManyTenants {
    pub tenants: u64,
    /// Started, then after each stage, in order.
    pub steps: Vec<Step>,
    /// Each create's round trip, shortest first.
    pub creates: Vec<Duration>,
}

/// Starts on the default fixtures, makes [`MANY_TENANTS`] tenants from them, then reads one
/// department in each through Zopim and then through the Zendesk XML API: a tenant's
/// encoded-body caches are made by its first read in each facade.
pub fn many_tenants(gateway_bin: &Path, work: &Path) -> anyhow::Result<ManyTenants> {
    let n = MANY_TENANTS;
    eprintln!("\n== {MANY}: {n} tenants from the default fixtures");
    let fixture = repo_root().join("fixtures/default.json");
    // `default` and the warm-up tenant besides the n.
    let max = (n + 2).to_string();
    let gateway = start_gateway_with(
        gateway_bin,
        &fixture,
        work,
        MANY,
        false,
        &["--max-tenants", &max],
    )?;
    let addr = gateway.addr;
    let bearer = vec![(
        "Authorization".to_owned(),
        format!("Bearer {DEFAULT_BEARER}"),
    )];
    let basic = crate::scenarios::basic(DEFAULT_API_TOKEN.0, DEFAULT_API_TOKEN.1);
    let read = |tenant: &str, path: &str, headers: &[(String, String)]| -> anyhow::Result<()> {
        let path = format!("/t/{tenant}{path}");
        let reply = probe::request(addr, "GET", &path, headers, None, Duration::from_secs(30))?;
        anyhow::ensure!(
            reply.status == 200,
            "GET {path} answered {}: {}",
            reply.status,
            String::from_utf8_lossy(&reply.body[..reply.body.len().min(400)])
        );
        Ok(())
    };
    let zopim = "/api/v2/chat/departments/1";
    let zendesk = "/groups/1.xml";
    // Every path once, in a tenant deleted before the first reading.
    let warm = r#"{"name": "warm-up", "from": {"fixtures": true}}"#;
    control(addr, "POST", "/_gateway/tenants", warm, 201)?;
    read("warm-up", zopim, &bearer)?;
    read("warm-up", zendesk, &basic)?;
    control(addr, "DELETE", "/_gateway/tenants/warm-up", "", 204)?;

    let name = |i: u64| format!("small-{i}");
    let mut steps = vec![Step {
        what: "started on the default fixtures (`default` only), warmed up".into(),
        rss: gateway.memory("VmRSS")?,
    }];
    let mut creates = Vec::new();
    for i in 1..=n {
        let body = format!(r#"{{"name": "{}", "from": {{"fixtures": true}}}}"#, name(i));
        creates.push(control(addr, "POST", "/_gateway/tenants", &body, 201)?.0);
    }
    creates.sort();
    steps.push(Step {
        what: format!("{n} tenants created from the fixtures"),
        rss: gateway.memory("VmRSS")?,
    });
    for i in 1..=n {
        read(&name(i), zopim, &bearer)?;
    }
    steps.push(Step {
        what: format!("then a Zopim `GET {zopim}` (Bearer) in each"),
        rss: gateway.memory("VmRSS")?,
    });
    for i in 1..=n {
        read(&name(i), zendesk, &basic)?;
    }
    steps.push(Step {
        what: format!("then a Zendesk `GET {zendesk}` (API token) in each"),
        rss: gateway.memory("VmRSS")?,
    });
    for pair in steps.windows(2) {
        eprintln!(
            "  {}: {:+.0} bytes resident per tenant",
            pair[1].what,
            (pair[1].rss as f64 - pair[0].rss as f64) / n as f64
        );
    }
    Ok(ManyTenants {
        tenants: n,
        steps,
        creates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(ms: &[u64], before: u64, after: u64) -> OpCost {
        let mut times: Vec<Duration> = ms.iter().map(|&m| Duration::from_millis(m)).collect();
        times.sort();
        OpCost {
            name: "fork",
            request: String::new(),
            times,
            rss_before: before,
            rss_after: after,
            has_targets: true,
        }
    }

    #[test]
    fn an_operation_is_its_median_time_and_its_growth_divided_by_the_calls() {
        let c = cost(&[4, 1, 3, 2], 1_000_000, 1_040_960);
        assert_eq!(c.median_ms(), 2.5);
        assert_eq!(c.quantile_ms(0.9), 4.0);
        assert_eq!(c.quantile_ms(0.5), 2.0);
        assert_eq!(c.bytes_each(), 10_240.0);
        assert_eq!(cost(&[1], 8192, 4096).bytes_each(), -4096.0);
    }
}
