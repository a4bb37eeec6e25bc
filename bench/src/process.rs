//! The servers the driver starts, each owned by a [`Server`] that kills and reaps its process when
//! dropped, so an error or a panic anywhere in a run leaves nothing listening. Every wait is
//! bounded by a deadline.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::probe;

/// A running server process on a loopback port.
pub struct Server {
    name: String,
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
    /// From spawning the process to its first 200 on the ready path.
    pub startup: Duration,
}

impl Server {
    /// Starts `command` (its output going to `log`), then waits until `GET ready_path` answers
    /// 200 on `addr`, for at most `patience`.
    pub fn start(
        name: &str,
        mut command: Command,
        addr: SocketAddr,
        ready_path: &str,
        log: &Path,
        patience: Duration,
    ) -> anyhow::Result<Self> {
        let out = std::fs::File::create(log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let started = Instant::now();
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        let mut server = Server {
            name: name.to_owned(),
            child,
            addr,
            log: log.to_owned(),
            startup: Duration::ZERO,
        };
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "{name} exited with {status} before answering; its log:\n{}",
                    server.log_tail()
                );
            }
            let ready = probe::request(addr, "GET", ready_path, &[], None, Duration::from_secs(2));
            if ready.is_ok_and(|r| r.status == 200) {
                server.startup = started.elapsed();
                return Ok(server);
            }
            if started.elapsed() > patience {
                bail!(
                    "{name} did not answer GET {ready_path} within {patience:?}; its log:\n{}",
                    server.log_tail()
                );
            }
            // Fine enough for start-up times measured in tenths of a second and up.
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The CPU time the server has used, user and system, from `/proc/PID/stat`.
    pub fn cpu_time(&self) -> anyhow::Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))?;
        cpu_time_of(&stat)
    }

    /// A `/proc/PID/status` figure in bytes, e.g. `VmRSS` or `VmHWM`.
    pub fn memory(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        status
            .lines()
            .find_map(|line| {
                let rest = line.strip_prefix(field)?.strip_prefix(':')?;
                let kib: u64 = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
                Some(kib * 1024)
            })
            .with_context(|| format!("no {field} in /proc/{}/status", self.pid()))
    }

    /// Waits until the process stops using CPU (under 10 % of a core over 200 ms), for at most
    /// `limit`. The gateway runs each handler in a task of its own that finishes even when wrk
    /// has given up on the request, so after a slow scenario it can stay busy for seconds, and
    /// that must not fall into the next (baseline) run.
    pub fn wait_idle(&self, limit: Duration) -> anyhow::Result<()> {
        let ticks = || -> anyhow::Result<u64> {
            let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))?;
            // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
            let rest = stat.rsplit_once(')').context("/proc/PID/stat")?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let field = |i: usize| -> anyhow::Result<u64> {
                Ok(fields.get(i).context("/proc/PID/stat field")?.parse()?)
            };
            Ok(field(11)? + field(12)?)
        };
        let started = Instant::now();
        let mut before = ticks()?;
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let now = ticks()?;
            // Clock ticks are 10 ms: 2 ticks in 200 ms is 10 % of a core.
            if now - before < 2 {
                return Ok(());
            }
            if started.elapsed() > limit {
                bail!("{} still busy {limit:?} after its load ended", self.name);
            }
            before = now;
        }
    }

    /// Sends SIGINT (through `kill`, std has no signals) and waits up to `limit` for the process
    /// to end; `perf record` writes its data and stops its workload on SIGINT.
    pub fn interrupt(&mut self, limit: Duration) -> anyhow::Result<()> {
        let mut kill = Command::new("kill");
        kill.args(["-s", "INT", &self.pid().to_string()]);
        run_bounded(kill, Duration::from_secs(10))?;
        let started = Instant::now();
        while self.child.try_wait()?.is_none() {
            if started.elapsed() > limit {
                bail!("{} did not stop within {limit:?} of SIGINT", self.name);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Err(e) = self.child.kill() {
            // Already gone is fine; anything else is worth a line.
            if e.kind() != std::io::ErrorKind::InvalidInput {
                eprintln!("cannot kill {}: {e}", self.name);
            }
        }
        let _ = self.child.wait();
    }
}

/// A loopback port free right now. Another process could take it before the server binds it; on
/// a benchmark machine that is rare, and the server then fails loudly rather than measuring the
/// wrong thing.
pub fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// Runs `command` to completion within `limit`, killing it past that; returns its stdout.
pub fn run_bounded(mut command: Command, limit: Duration) -> anyhow::Result<String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {command:?}"))?;
    // Read the pipes on threads, so a chatty child never blocks on a full pipe.
    let mut stdout = child.stdout.take().context("stdout")?;
    let mut stderr = child.stderr.take().context("stderr")?;
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{command:?} ran past {limit:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    if !status.success() {
        bail!("{command:?} failed with {status}: {err}{out}");
    }
    Ok(out)
}

/// `utime + stime` of a `/proc/PID/stat` line, in clock ticks of 1/100 s (`CLK_TCK` on Linux).
/// The fields are counted after the command name's closing `)`, which may hold spaces.
fn cpu_time_of(stat: &str) -> anyhow::Result<Duration> {
    let after = stat.rsplit_once(')').context("no ')' in /proc/PID/stat")?.1;
    // After `)`: state is field 3, so utime (14) and stime (15) are the 12th and 13th.
    let mut fields = after.split_whitespace().skip(11);
    let mut tick =
        || -> anyhow::Result<u64> { Ok(fields.next().context("a short /proc/PID/stat")?.parse()?) };
    let ticks = tick()? + tick()?;
    Ok(Duration::from_millis(ticks * 10))
}

#[cfg(test)]
mod cpu_tests {
    use super::*;

    #[test]
    fn cpu_time_is_utime_plus_stime_after_the_command_name() {
        let stat =
            "4242 (deskbridge (x)) S 1 4242 4242 0 -1 4194560 123 0 0 0 250 130 0 0 20 0 3 0";
        assert_eq!(cpu_time_of(stat).unwrap(), Duration::from_millis(3800));
    }
}
