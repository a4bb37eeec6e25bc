//! A CPU profile of the gateway under one scenario's load: the gateway is built with debug info
//! and frame pointers, wrk drives it as in the benchmark, and `perf record` samples it meanwhile.
//! The top functions (self time, and time including callees) go to bench/profiles/NAME.md, which
//! the benchmark's report includes, so the evidence for a missed target stays beside its figure.
//!
//! `perf` samples `cpu-clock`, a software event, because virtual machines like this one often
//! expose no hardware counters (`perf stat -e instructions` says "not supported" here).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::driver::{
    Fixtures, gateway_binary, repo_root, start_baseline, start_scenario, work_dir,
};
use crate::process::{Server, free_port, run_bounded};
use crate::scenarios;
use crate::wrk::{self, Load};

/// The profiler's options.
#[derive(Debug, Clone, clap::Args)]
pub struct ProfileArgs {
    /// The scenario to profile (names as in `run --scenarios`).
    #[arg(long, required_unless_present = "startup", conflicts_with = "startup")]
    pub scenario: Option<String>,
    /// Profile start-up instead: loading a generated fixture of this many departments, from
    /// starting the process to its first health answer.
    #[arg(long)]
    pub startup: Option<u64>,
    /// Seconds of load, all of them sampled.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub seconds: u64,
    /// Functions listed in each view.
    #[arg(long, default_value_t = 25)]
    pub top: usize,
    /// A gateway binary already built with debug info, instead of building one.
    #[arg(long, conflicts_with = "rev")]
    pub gateway_bin: Option<PathBuf>,
    /// Build the gateway from this git revision instead of the work tree.
    #[arg(long)]
    pub rev: Option<String>,
}

pub fn run(args: ProfileArgs) -> anyhow::Result<()> {
    let mut probe = Command::new("perf");
    probe.args(["stat", "-e", "cpu-clock", "true"]);
    run_bounded(probe, Duration::from_secs(30))
        .context("perf does not work here (Debian: apt-get install linux-perf)")?;
    let work = work_dir().join("work");
    std::fs::create_dir_all(&work)?;
    let (gateway_bin, built_from) = gateway_binary(
        args.gateway_bin.as_deref(),
        args.rev.as_deref(),
        &work,
        true,
    )?;
    match (&args.scenario, args.startup) {
        (_, Some(departments)) => startup(&args, departments, &gateway_bin, &built_from, &work),
        (Some(name), None) => under_load(&args, name, &gateway_bin, &built_from, &work),
        (None, None) => bail!("give --scenario NAME or --startup N"),
    }
}

/// `perf record` around the gateway's whole start-up on a generated fixture.
fn startup(
    args: &ProfileArgs,
    departments: u64,
    gateway_bin: &Path,
    built_from: &str,
    work: &Path,
) -> anyhow::Result<()> {
    let fixture = Fixtures::new(work).get(departments)?;
    let data = work.join(format!("startup-{departments}.perf.data"));
    let addr = free_port()?;
    let mut command = Command::new("perf");
    command
        .args(["record", "-e", "cpu-clock", "-F", "999", "-g", "-o"])
        .arg(&data)
        .arg("--")
        .arg(gateway_bin)
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--fixtures")
        .arg(&fixture.0);
    let mut recording = Server::start(
        "perf record (gateway start-up)",
        command,
        addr,
        "/_gateway/health",
        &work.join(format!("startup-{departments}.log")),
        Duration::from_secs(600),
    )?;
    let took = recording.startup;
    recording.interrupt(Duration::from_secs(120))?;
    drop(recording);
    let (self_time, with_callees) = (perf_report(&data, false)?, perf_report(&data, true)?);
    let what = format!(
        "start-up on {departments} departments ({:.1} s under perf, process start to first health answer).",
        took.as_secs_f64()
    );
    save(
        &format!("startup-{departments}"),
        &what,
        args,
        built_from,
        &self_time,
        &with_callees,
    )
}

/// `perf record -p` on a running gateway while wrk drives one scenario.
fn under_load(
    args: &ProfileArgs,
    name: &str,
    gateway_bin: &Path,
    built_from: &str,
    work: &Path,
) -> anyhow::Result<()> {
    let scenario = scenarios::all()
        .into_iter()
        .find(|s| s.name == name)
        .with_context(|| format!("no scenario {name:?}"))?;
    wrk::ensure_installed()?;
    let fixture = Fixtures::new(work).get(scenario.departments)?;
    let label = format!("profile-{}", scenario.name);
    let (gateway, reply) = start_scenario(gateway_bin, &fixture.0, work, &label, &scenario)?;
    let script = work.join(format!("{label}.lua"));
    std::fs::write(
        &script,
        wrk::script(&Load {
            method: scenario.method,
            path: &scenario.path,
            headers: &scenario.headers_for(gateway.addr),
            bodies: &scenario.bodies,
        }),
    )?;
    wrk::run(gateway.addr, &scenario.path, &script, 2)?;

    let content_type = reply.content_type.clone().unwrap_or_default();
    let baseline = start_baseline(work, &label, &reply, &content_type)?;
    let data = work.join(format!("{label}.perf.data"));
    let figures = record(&gateway, &scenario.path, &script, &data, args.seconds)?;
    // The baseline sampled the same way: a function high in the gateway's list and absent from
    // this one is the gateway's own cost.
    gateway.wait_idle(Duration::from_secs(300))?;
    let baseline_data = work.join(format!("{label}.baseline.perf.data"));
    record(
        &baseline,
        &scenario.path,
        &script,
        &baseline_data,
        args.seconds,
    )?;

    // CPU time and context switches per request, gateway against the baseline sending the same
    // bytes: where the gap between the two goes, in numbers that sampling cannot skew.
    let mut costs = String::from(
        "| server | req/s | CPU per request | context switches | writev | recvfrom | futex | epoll_wait |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (who, server) in [("gateway", &gateway), ("baseline", &baseline)] {
        gateway.wait_idle(Duration::from_secs(300))?;
        let cost = cost_per_request(server, &scenario.path, &script, work, args.seconds)?;
        let _ = write!(
            costs,
            "| {who} | {:.0} | {:.1} µs | {:.2} |",
            cost.rps, cost.cpu_us, cost.per_request[0]
        );
        for count in &cost.per_request[1..] {
            let _ = write!(costs, " {count:.2} |");
        }
        costs.push('\n');
    }
    drop((gateway, baseline));
    let baseline_self = top(&perf_report(&baseline_data, false)?, args.top, |_| true);
    costs.push_str(&format!(
        "\nThe baseline under the same load, self time, top {}:\n\n```\n{baseline_self}```\n",
        args.top
    ));

    let (self_time, with_callees) = (perf_report(&data, false)?, perf_report(&data, true)?);
    let what = format!(
        "`perf record -p` on the gateway for {} s under the scenario's wrk load ({:.0} req/s while sampled, slowed by sampling).\n\nCost per request under the same load, from `perf stat -p PID` over {} s (no sampling): CPU time (`task-clock`), then context switches and system calls (`syscalls:sys_enter_*` tracepoints) per request:\n\n{costs}",
        args.seconds, figures.rps, args.seconds
    );
    save(
        scenario.name,
        &what,
        args,
        built_from,
        &self_time,
        &with_callees,
    )
}

struct Cost {
    rps: f64,
    cpu_us: f64,
    /// Per request, in the order of [`COUNTED`].
    per_request: Vec<f64>,
}

/// What `perf stat` counts besides CPU time: where a server's extra cost per request goes
/// (wake-ups between threads show as futex calls and context switches).
const COUNTED: [&str; 5] = [
    "context-switches",
    "syscalls:sys_enter_writev",
    "syscalls:sys_enter_recvfrom",
    "syscalls:sys_enter_futex",
    "syscalls:sys_enter_epoll_wait",
];

/// `perf stat` on one server while wrk drives it for `seconds` (plus one, so the counted window
/// is all under load).
fn cost_per_request(
    server: &Server,
    path: &str,
    script: &Path,
    work: &Path,
    seconds: u64,
) -> anyhow::Result<Cost> {
    let out = work.join(format!("perf-stat-{}.csv", server.pid()));
    let mut stat = Command::new("perf");
    let events = format!("task-clock,{}", COUNTED.join(","));
    stat.args(["stat", "-x", ",", "-e", &events, "-o"])
        .arg(&out)
        .args(["-p", &server.pid().to_string(), "--", "sleep"])
        .arg(seconds.to_string());
    let counter = std::thread::spawn(move || run_bounded(stat, Duration::from_secs(seconds + 60)));
    let figures = wrk::run(server.addr, path, script, seconds + 1)?;
    counter
        .join()
        .map_err(|_| anyhow::anyhow!("perf stat thread panicked"))?
        .context("perf stat")?;
    let text = std::fs::read_to_string(&out)?;
    let value = |event: &str| -> anyhow::Result<f64> {
        text.lines()
            .find(|l| l.split(',').nth(2) == Some(event))
            .and_then(|l| l.split(',').next()?.parse().ok())
            .with_context(|| format!("no {event} in perf stat output:\n{text}"))
    };
    let requests = figures.rps * seconds as f64;
    Ok(Cost {
        rps: figures.rps,
        // task-clock is in milliseconds.
        cpu_us: value("task-clock")? * 1000.0 / requests,
        per_request: COUNTED
            .iter()
            .map(|event| Ok(value(event)? / requests))
            .collect::<anyhow::Result<_>>()?,
    })
}

fn perf_report(data: &Path, children: bool) -> anyhow::Result<Vec<String>> {
    let mut report = Command::new("perf");
    report
        .args(["report", "--stdio", "-g", "none", "--sort", "symbol", "-i"])
        .arg(data)
        .arg(if children {
            "--children"
        } else {
            "--no-children"
        });
    let out = run_bounded(report, Duration::from_secs(300))?;
    Ok(sample_lines(&out))
}

/// Writes bench/profiles/NAME.md and prints it.
fn save(
    name: &str,
    what: &str,
    args: &ProfileArgs,
    built_from: &str,
    self_time: &[String],
    with_callees: &[String],
) -> anyhow::Result<()> {
    let n = args.top;
    let (self_time, with_callees, own) = (
        top(self_time, n, |_| true),
        top(with_callees, n, |_| true),
        top(with_callees, n, |l| l.contains("deskbridge::")),
    );
    let reproduce = match (&args.scenario, args.startup) {
        (_, Some(n)) => format!("--startup {n}"),
        (Some(s), None) => format!("--scenario {s}"),
        (None, None) => String::new(),
    };
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Profile: `{name}`
"
    );
    let _ = writeln!(
        md,
        "{}; gateway: {built_from}; `perf record -e cpu-clock -F 999 -g`, {what}\n",
        crate::report::load_average_note(),
    );
    let _ = writeln!(
        md,
        "Reproduce: `cargo run --release --manifest-path bench/Cargo.toml -- profile {reproduce}`\n"
    );
    let _ = writeln!(
        md,
        "Self time (`perf report --no-children --sort symbol`), top {n}:\n\n```\n{self_time}```\n"
    );
    let _ = writeln!(
        md,
        "Including callees (`--children`), top {n}:\n\n```\n{with_callees}```\n"
    );
    let _ = writeln!(
        md,
        "The gateway's own functions, including callees, top {n}:\n\n```\n{own}```"
    );
    let dir = repo_root().join("bench/profiles");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.md"));
    std::fs::write(&path, &md)?;
    println!("{md}\nwritten to {}", path.display());
    Ok(())
}

/// `perf record -p` on `server` for `seconds` while wrk drives it (one second longer, so every
/// sample is under load); returns wrk's figures.
fn record(
    server: &Server,
    path: &str,
    script: &Path,
    data: &Path,
    seconds: u64,
) -> anyhow::Result<wrk::Figures> {
    let mut record = Command::new("perf");
    record
        .args(["record", "-e", "cpu-clock", "-F", "999", "-g", "-o"])
        .arg(data)
        .args(["-p", &server.pid().to_string(), "--", "sleep"])
        .arg(seconds.to_string());
    let recorder =
        std::thread::spawn(move || run_bounded(record, Duration::from_secs(seconds + 60)));
    let figures = wrk::run(server.addr, path, script, seconds + 1)?;
    recorder
        .join()
        .map_err(|_| anyhow::anyhow!("perf thread panicked"))?
        .context("perf record")?;
    Ok(figures)
}

/// The sample lines of a `perf report --stdio`, without its comment header or the runtime's frames.
fn sample_lines(report: &str) -> Vec<String> {
    report
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        // The runtime's own frames include everything and say nothing.
        .filter(|l| !RUNTIME_FRAMES.iter().any(|f| l.contains(f)))
        // perf pads the symbol column and adds empty columns ("-      -").
        .map(|l| l.trim_end().trim_end_matches(['-', ' ']).to_owned())
        .collect()
}

/// The first `top` of `lines` that `keep` accepts, as a code block's text.
fn top(lines: &[String], top: usize, keep: impl Fn(&str) -> bool) -> String {
    lines
        .iter()
        .filter(|l| keep(l))
        .take(top)
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Frames under which all the work happens: thread start, the scheduler, polling a task.
const RUNTIME_FRAMES: &[&str] = &[
    "thread_start",
    "start_thread",
    "__rust_begin_short_backtrace",
    "FnOnce::call_once",
    "tokio::runtime::",
    "entry_SYSCALL_64",
    "__clone3",
];
