//! wrk, the load generator: installing it (Debian's package) when missing, writing the Lua script
//! a scenario needs, running it with the benchmark's fixed settings and reading its figures.
//!
//! The script's `done` hook prints one machine-readable line with the exact request count,
//! duration and latency percentiles, rather than parsing wrk's rounded human summary.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::process::run_bounded;

/// Keep-alive connections, as the issue fixes them.
pub const CONNECTIONS: u32 = 64;
/// wrk threads; the machine has two cores, which wrk and the server share.
pub const THREADS: u32 = 2;

/// What one wrk run measured.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Answers other than 2xx/3xx: the scenario is measuring an error, which makes the run void.
    pub bad_status: u64,
    /// Requests that got no answer within wrk's 5 s timeout, and socket errors: a measurement
    /// (the server is too slow for 64 clients), reported beside the rate.
    pub timeouts: u64,
    /// Requests answered in the run.
    pub requests: f64,
    /// The server's CPU time (user and system) a request answered, in µs, when the driver read
    /// it: what the server spends on a request, which holds still where the rate, shared with
    /// wrk and the machine's other work, does not.
    pub cpu_us: Option<f64>,
}

impl Figures {
    /// [`Figures::cpu_us`], NaN (shown as such) when it could not be read.
    pub fn cpu(&self) -> f64 {
        self.cpu_us.unwrap_or(f64::NAN)
    }
}

/// One request shape: GET with fixed headers, or a method with bodies sent in turn.
pub struct Load<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(String, String)],
    /// Empty for no body; several are sent round robin (a PUT toggling a field).
    pub bodies: &'a [String],
}

/// Installs Debian's `wrk` when it is not on the PATH (the benchmark machine runs as root).
pub fn ensure_installed() -> anyhow::Result<String> {
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("wrk is missing: apt-get update && apt-get install -y wrk");
        let limit = Duration::from_secs(600);
        let mut update = Command::new("apt-get");
        update.args(["update", "-qq"]);
        run_bounded(update, limit).context("apt-get update")?;
        let mut install = Command::new("apt-get");
        install
            .args(["install", "-y", "-qq", "wrk"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        run_bounded(install, limit).context("apt-get install -y wrk")?;
    }
    // wrk prints its version with the usage text and exits 1, so read the output directly.
    let output = Command::new("wrk")
        .arg("--version")
        .output()
        .context("wrk")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let first = text.lines().next().unwrap_or("wrk");
    Ok(first
        .split(" Copyright")
        .next()
        .unwrap_or(first)
        .trim()
        .to_owned())
}

fn lua_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The Lua script for a load. A plain GET uses wrk's one pre-built request (what wrk is fastest
/// at); bodies are pre-formatted once per thread in `init` and picked in turn by `request`.
pub fn script(load: &Load<'_>) -> String {
    let mut lua = String::from("-- Written by deskbridge-bench; see bench/src/wrk.rs.\n");
    let _ = writeln!(lua, "wrk.method = {}", lua_string(load.method));
    for (name, value) in load.headers {
        let _ = writeln!(
            lua,
            "wrk.headers[{}] = {}",
            lua_string(name),
            lua_string(value)
        );
    }
    if !load.bodies.is_empty() {
        lua.push_str("local bodies = {");
        for body in load.bodies {
            let _ = write!(lua, "{}, ", lua_string(body));
        }
        lua.push_str("}\nlocal requests = {}\nlocal n = 0\n");
        let _ = writeln!(
            lua,
            "init = function(args)\n  for i, body in ipairs(bodies) do\n    requests[i] = wrk.format(nil, {}, nil, body)\n  end\nend",
            lua_string(load.path)
        );
        lua.push_str("request = function()\n  n = n % #requests + 1\n  return requests[n]\nend\n");
    }
    lua.push_str(
        "done = function(summary, latency, requests)\n  local e = summary.errors\n  io.write(string.format(\"DESKBRIDGE-BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d bad_status=%d timeouts=%d\\n\",\n    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),\n    e.status, e.connect + e.read + e.write + e.timeout))\nend\n",
    );
    lua
}

/// Runs wrk against `addr` for `seconds` with the script at `script_path`.
pub fn run(
    addr: SocketAddr,
    path: &str,
    script_path: &Path,
    seconds: u64,
) -> anyhow::Result<Figures> {
    let mut command = Command::new("wrk");
    command
        .arg(format!("-t{THREADS}"))
        .arg(format!("-c{CONNECTIONS}"))
        .arg(format!("-d{seconds}s"))
        .args(["--timeout", "5s", "-s"])
        .arg(script_path)
        .arg(format!("http://{addr}{path}"));
    let out = run_bounded(command, Duration::from_secs(seconds + 30))?;
    parse(&out).with_context(|| format!("wrk output:\n{out}"))
}

fn parse(out: &str) -> anyhow::Result<Figures> {
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("DESKBRIDGE-BENCH "))
        .context("no DESKBRIDGE-BENCH line from the script")?;
    let field = |name: &str| -> anyhow::Result<f64> {
        line.split(' ')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .with_context(|| format!("no {name}"))?
            .parse::<f64>()
            .with_context(|| format!("bad {name}"))
    };
    let requests = field("requests")?;
    let duration_s = field("duration_us")? / 1e6;
    if duration_s <= 0.0 {
        bail!("zero duration");
    }
    Ok(Figures {
        rps: requests / duration_s,
        p50_ms: field("p50_us")? / 1e3,
        p99_ms: field("p99_us")? / 1e3,
        bad_status: field("bad_status")? as u64,
        timeouts: field("timeouts")? as u64,
        requests,
        cpu_us: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_done_line_gives_rate_and_percentiles() {
        let figures = parse("Running 10s test\nDESKBRIDGE-BENCH requests=500000 duration_us=10000000 p50_us=640 p99_us=2100 bad_status=0 timeouts=3\n").unwrap();
        assert!((figures.rps - 50_000.0).abs() < 1e-6);
        assert!((figures.p50_ms - 0.64).abs() < 1e-9);
        assert!((figures.p99_ms - 2.1).abs() < 1e-9);
        assert_eq!((figures.bad_status, figures.timeouts), (0, 3));
    }

    #[test]
    fn a_put_script_formats_each_body_once_and_sends_them_in_turn() {
        let headers = [("Authorization".to_owned(), "Bearer \"t\"".to_owned())];
        let bodies = ["{\"a\":1}".to_owned(), "{\"a\":2}".to_owned()];
        let lua = script(&Load {
            method: "PUT",
            path: "/x/1",
            headers: &headers,
            bodies: &bodies,
        });
        assert!(lua.contains("wrk.method = \"PUT\""));
        assert!(lua.contains("wrk.headers[\"Authorization\"] = \"Bearer \\\"t\\\"\""));
        assert!(lua.contains("local bodies = {\"{\\\"a\\\":1}\", \"{\\\"a\\\":2}\", }"));
        assert!(lua.contains("wrk.format(nil, \"/x/1\", nil, body)"));
    }
}
