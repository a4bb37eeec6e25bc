//! The benchmark run: build the gateway, then for each scenario start the gateway on a generated
//! fixture, capture its real answer once, start the baseline with those exact bytes, and drive
//! both with wrk in alternating rounds; then the scale run; then the report.
//!
//! Rounds alternate the order (baseline first, then gateway first, ...) so that a drift of the
//! machine's speed during a run, which is common here, falls on both sides alike. Ratios are taken
//! within a round and the median of them is reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::fixture::{self, Spec};
use crate::process::{Server, free_port, run_bounded};
use crate::report::{self, Facts, Measured, Report, ScaleRow};
use crate::scenarios::{self, Scenario};
use crate::tenants;
use crate::wrk::{self, Figures, Load};

/// The driver's options.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Scenarios to run, comma-separated (default: all; `none` for only the scale run). Names:
    /// zopim-get-one, rocketchat-get-one, zendesk-get-one, zendesk-get-one-token,
    /// zopim-list-1000, rocketchat-page-1000, rocketchat-page-100000, support-get-one,
    /// support-page-1000, support-page-100000, zopim-put, zopim-put-fsync,
    /// zopim-get-one-tenant-path, zopim-get-one-tenant-header, zopim-get-one-tenant-host, and
    /// the control-plane measurements tenant-ops-100000 and tenants-1000.
    #[arg(long, value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Seconds of each measured wrk run. Five rounds of 6 s rather than three of 10 s: on this
    /// shared two-core machine a server's rate drifts by tens of percent over minutes (one
    /// baseline round of 104 000 req/s among others of 63 000-70 000, 2026-12-06), so more,
    /// shorter alternations give a steadier median for the same time.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub duration: u64,
    /// Seconds of wrk warm-up before each measured run (0: none).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=600))]
    pub warmup: u64,
    /// Rounds of (baseline, gateway) per scenario.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=20))]
    pub rounds: u64,
    /// Department counts of the scale run, comma-separated; the first is the reference for p99,
    /// the last is held to the targets.
    #[arg(long, value_delimiter = ',', default_value = "1000,100000,1000000")]
    pub scale: Vec<u64>,
    /// No scale run.
    #[arg(long)]
    pub no_scale: bool,
    /// Seconds of the wrk run that gives GET-one p99 at each scale.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub scale_duration: u64,
    /// A quick check: 1 round of 3 s with 1 s warm-up, scale run at 1 000 and 100 000 only.
    #[arg(long)]
    pub quick: bool,
    /// Use this gateway binary instead of building one.
    #[arg(long, conflicts_with = "rev")]
    pub gateway_bin: Option<PathBuf>,
    /// Build the gateway from this git revision (exported with `git archive`) instead of the work
    /// tree, which may hold someone's unfinished changes.
    #[arg(long)]
    pub rev: Option<String>,
    /// Where the report goes. Default: docs/performance.md for a full run, and
    /// bench/target/performance-partial.md for a quick or partial one, so a quick check never
    /// overwrites the published figures.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// The repository the benchmark lives in: this package's parent.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ has a parent")
        .to_owned()
}

/// bench/target: fixtures, captured bodies, scripts and logs of the last run.
pub fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target")
}

pub fn run(mut args: RunArgs) -> anyhow::Result<()> {
    let mut all_names: Vec<&str> = scenarios::all().iter().map(|s| s.name).collect();
    all_names.extend([tenants::OPS, tenants::MANY]);
    for name in &args.scenarios {
        if name != "none" && !all_names.contains(&name.as_str()) {
            bail!(
                "no scenario {name:?}; the scenarios are {}",
                all_names.join(", ")
            );
        }
    }
    let partial = args.quick
        || !args.scenarios.is_empty()
        || args.duration != 6
        || args.rounds < 5
        || args.warmup != 2
        || args.scale_duration != 5
        || args.scale != [1_000, 100_000, 1_000_000];
    if args.no_scale {
        args.scale.clear();
    }
    if args.quick {
        (args.duration, args.warmup, args.rounds) = (3, 1, 1);
        args.scale.retain(|&n| n <= 100_000);
        args.scale_duration = args.scale_duration.min(3);
    }
    let output = args.output.clone().unwrap_or_else(|| {
        if partial {
            work_dir().join("performance-partial.md")
        } else {
            repo_root().join("docs/performance.md")
        }
    });
    let work = work_dir().join("work");
    std::fs::create_dir_all(&work)?;

    let wrk_version = wrk::ensure_installed()?;
    let (gateway, built_from) = gateway_binary(
        args.gateway_bin.as_deref(),
        args.rev.as_deref(),
        &work,
        false,
    )?;
    let has_data_dir = gateway_has_flag(&gateway, "--data-dir");
    let load_before = report::load_average();
    let started = Instant::now();

    let mut fixtures = Fixtures::new(&work);
    let mut measured = Vec::new();
    let mut skipped = Vec::new();
    let wanted = |name: &str| args.scenarios.is_empty() || args.scenarios.iter().any(|n| n == name);
    // Tenants are a later feature than the benchmark: an older gateway (`run --rev`) has none.
    let has_tenants = gateway_has_flag(&gateway, "--max-tenants");
    let no_tenants = "the gateway has no tenants yet (no --max-tenants in `deskbridge --help`)";
    for scenario in scenarios::all() {
        if !wanted(scenario.name) {
            continue;
        }
        if scenario.tenant.is_some() && !has_tenants {
            skipped.push((scenario.name, no_tenants.to_owned()));
            eprintln!("skipping {}: no tenants", scenario.name);
            continue;
        }
        if scenario.durable && !has_data_dir {
            skipped.push((
                scenario.name,
                "the gateway has no --data-dir flag yet (`deskbridge --help`): durability has not landed"
                    .to_owned(),
            ));
            eprintln!("skipping {}: no --data-dir", scenario.name);
            continue;
        }
        let fixture = fixtures.get(scenario.departments)?;
        measured.push(measure(&scenario, &gateway, &fixture, &work, &args)?);
    }

    let (mut tenant_ops, mut many_tenants) = (None, None);
    for name in [tenants::OPS, tenants::MANY] {
        if !wanted(name) {
            continue;
        }
        if !has_tenants {
            skipped.push((name, no_tenants.to_owned()));
            continue;
        }
        if name == tenants::OPS {
            let fixture = fixtures.get(tenants::OPS_DEPARTMENTS)?;
            tenant_ops = Some(tenants::tenant_ops(&gateway, &fixture.0, &work)?);
        } else {
            many_tenants = Some(tenants::many_tenants(&gateway, &work)?);
        }
    }

    let mut scale = Vec::new();
    for &n in &args.scale {
        let fixture = fixtures.get(n)?;
        scale.push(scale_point(n, &gateway, &fixture, &work, &args)?);
    }

    let facts = Facts::gather(
        &wrk_version,
        built_from,
        load_before,
        started.elapsed(),
        &args,
        partial,
    );
    let report = Report {
        facts,
        measured,
        skipped,
        scale,
        tenant_ops,
        many_tenants,
    };
    let text = report::markdown(&report);
    std::fs::write(&output, &text).with_context(|| format!("cannot write {}", output.display()))?;
    println!("{}", report::summary(&report));
    println!("report written to {}", output.display());
    Ok(())
}

/// Generates each fixture size once per run.
pub struct Fixtures {
    dir: PathBuf,
    made: BTreeMap<u64, (PathBuf, u64, Duration)>,
}

impl Fixtures {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
            made: BTreeMap::new(),
        }
    }

    pub fn get(&mut self, departments: u64) -> anyhow::Result<(PathBuf, u64, Duration)> {
        if let Some(made) = self.made.get(&departments) {
            return Ok(made.clone());
        }
        let path = self.dir.join(format!("fixture-{departments}.json"));
        let started = Instant::now();
        eprintln!("generating {}", path.display());
        let bytes = fixture::write(&Spec::new(departments), &path)?;
        let made = (path, bytes, started.elapsed());
        self.made.insert(departments, made.clone());
        Ok(made)
    }
}

/// Builds (or takes) the gateway and copies it into the work directory, so that someone else's
/// rebuild in the same checkout cannot swap the binary during the run. With `symbols`, the
/// release build keeps debug info and frame pointers for `perf`, in a target directory of its
/// own so that the ordinary release build is left alone.
pub fn gateway_binary(
    gateway_bin: Option<&Path>,
    rev: Option<&str>,
    work: &Path,
    symbols: bool,
) -> anyhow::Result<(PathBuf, String)> {
    let root = repo_root();
    let git = |what: &[&str]| -> String {
        let mut c = Command::new("git");
        c.arg("-C").arg(&root).args(what);
        run_bounded(c, Duration::from_secs(60))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let profile_target = symbols.then(|| work_dir().join("gateway-profile-target"));
    let (built, from) = if let Some(bin) = gateway_bin {
        (bin.to_owned(), format!("the binary {}", bin.display()))
    } else if let Some(rev) = rev {
        let commit = git(&["rev-parse", "--verify", &format!("{rev}^{{commit}}")]);
        anyhow::ensure!(!commit.is_empty(), "no git revision {rev:?}");
        let src = work_dir().join("gateway-src");
        let _ = std::fs::remove_dir_all(&src);
        std::fs::create_dir_all(&src)?;
        let mut export = Command::new("sh");
        export.arg("-c").arg(format!(
            "git -C '{}' archive '{commit}' | tar -x -C '{}'",
            root.display(),
            src.display()
        ));
        run_bounded(export, Duration::from_secs(120))?;
        let target = profile_target.unwrap_or_else(|| work_dir().join("gateway-target"));
        cargo_build(&src, Some(&target), symbols)?;
        (
            target.join("release/deskbridge"),
            format!("commit {commit} (git archive, release build)"),
        )
    } else {
        cargo_build(&root, profile_target.as_deref(), symbols)?;
        let target = profile_target.unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target"))
        });
        let commit = git(&["rev-parse", "HEAD"]);
        let dirty = git(&[
            "status",
            "--porcelain",
            "--",
            "src",
            "Cargo.toml",
            "Cargo.lock",
        ]);
        let note = if dirty.is_empty() {
            ""
        } else {
            " plus uncommitted changes in src/"
        };
        (
            target.join("release/deskbridge"),
            format!("the work tree at {commit}{note} (release build)"),
        )
    };
    let copy = work.join(if symbols {
        "deskbridge-gateway-symbols"
    } else {
        "deskbridge-gateway"
    });
    // Copying a file onto itself would empty it (`--gateway-bin` naming the previous copy).
    let same = std::fs::canonicalize(&built).ok() == std::fs::canonicalize(&copy).ok();
    if !same {
        std::fs::copy(&built, &copy)
            .with_context(|| format!("cannot copy the gateway from {}", built.display()))?;
    }
    Ok((copy, from))
}

fn cargo_build(dir: &Path, target: Option<&Path>, symbols: bool) -> anyhow::Result<()> {
    eprintln!("building the gateway in {} (release)", dir.display());
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(dir)
        .args([
            "build",
            "--release",
            "--bin",
            "deskbridge",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"));
    if let Some(target) = target {
        cargo.arg("--target-dir").arg(target);
    }
    if symbols {
        cargo
            .env("CARGO_PROFILE_RELEASE_DEBUG", "true")
            .env("RUSTFLAGS", "-C force-frame-pointers=yes");
    }
    // A first release build on two cores takes minutes; an hour means something is wrong.
    run_bounded(cargo, Duration::from_secs(3600)).context("cargo build --release")?;
    Ok(())
}

/// Whether `deskbridge --help` lists this flag.
pub fn gateway_has_flag(gateway: &Path, flag: &str) -> bool {
    let mut help = Command::new(gateway);
    help.arg("--help");
    run_bounded(help, Duration::from_secs(30)).is_ok_and(|text| text.contains(flag))
}

/// Starts the gateway on `fixture`, with a fresh data directory when `durable`.
pub fn start_gateway(
    gateway: &Path,
    fixture: &Path,
    work: &Path,
    label: &str,
    durable: bool,
) -> anyhow::Result<Server> {
    start_gateway_with(gateway, fixture, work, label, durable, &[])
}

/// As [`start_gateway`], with `extra` arguments for the gateway.
pub fn start_gateway_with(
    gateway: &Path,
    fixture: &Path,
    work: &Path,
    label: &str,
    durable: bool,
    extra: &[&str],
) -> anyhow::Result<Server> {
    let addr = free_port()?;
    let mut command = Command::new(gateway);
    command
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--fixtures")
        .arg(fixture)
        .args(extra);
    if durable {
        let dir = work.join(format!("data-{label}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        command.arg("--data-dir").arg(&dir);
        // Said outright, though it is the default: this scenario is about fsync before the answer.
        if gateway_has_flag(gateway, "--fsync") {
            command.args(["--fsync", "always"]);
        }
    }
    Server::start(
        &format!("gateway ({label})"),
        command,
        addr,
        "/_gateway/health",
        &work.join(format!("gateway-{label}.log")),
        // Loading a million departments is the slowest start; ten minutes means it is stuck.
        Duration::from_secs(600),
    )
}

/// Starts the gateway for `scenario` and sends the scenario's request once: the answer is what
/// the baseline replays, and anything but the scenario's status means it would measure an error.
/// A tenant scenario's tenant is forked from `default` through the control plane first.
pub fn start_scenario(
    gateway_bin: &Path,
    fixture: &Path,
    work: &Path,
    label: &str,
    scenario: &Scenario,
) -> anyhow::Result<(Server, crate::probe::Reply)> {
    let gateway = start_gateway(gateway_bin, fixture, work, label, scenario.durable)?;
    let headers = scenario.headers_for(gateway.addr);
    let send = || {
        crate::probe::request(
            gateway.addr,
            scenario.method,
            &scenario.path,
            &headers,
            scenario.bodies.first().map(String::as_str),
            Duration::from_secs(30),
        )
    };
    if let Some(tenant) = scenario.tenant {
        // A fork has the default tenant's records, so a request whose tenant went unread would
        // get the same answer from `default`: before the fork exists it must get a 404 instead.
        let before = send()?;
        if before.status != 404 {
            bail!(
                "{}: before the tenant {} exists the gateway answered {}, not 404: the request does not name it",
                scenario.name,
                tenant.name,
                before.status
            );
        }
        crate::tenants::control(
            gateway.addr,
            "POST",
            "/_gateway/tenants",
            &format!(
                r#"{{"name": "{}", "from": {{"tenant": "default"}}}}"#,
                tenant.name
            ),
            201,
        )?;
    }
    let reply = send()?;
    if reply.status != scenario.status {
        bail!(
            "{}: the gateway answered {} instead of {}: {}",
            scenario.name,
            reply.status,
            scenario.status,
            String::from_utf8_lossy(&reply.body[..reply.body.len().min(400)])
        );
    }
    Ok((gateway, reply))
}

/// Starts the baseline answering with `reply`'s status, headers and body and this `Content-Type`.
pub fn start_baseline(
    work: &Path,
    label: &str,
    reply: &crate::probe::Reply,
    content_type: &str,
) -> anyhow::Result<Server> {
    let body_file = work.join(format!("{label}.body"));
    std::fs::write(&body_file, &reply.body)?;
    let addr = free_port()?;
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("baseline")
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--body-file")
        .arg(&body_file)
        .arg("--content-type")
        .arg(content_type)
        .arg("--status")
        .arg(reply.status.to_string())
        .args(
            reply
                .headers
                .iter()
                .flat_map(|(name, value)| ["--header".to_owned(), format!("{name}: {value}")]),
        )
        // The driver kills it; this only bounds a baseline whose driver was killed first.
        .arg("--max-seconds")
        .arg("3600");
    Server::start(
        "baseline",
        command,
        addr,
        "/",
        &work.join(format!("baseline-{label}.log")),
        Duration::from_secs(30),
    )
}

fn measure(
    scenario: &Scenario,
    gateway_bin: &Path,
    fixture: &(PathBuf, u64, Duration),
    work: &Path,
    args: &RunArgs,
) -> anyhow::Result<Measured> {
    eprintln!(
        "\n== {} ({} departments)",
        scenario.name, scenario.departments
    );
    let (gateway, reply) = start_scenario(gateway_bin, &fixture.0, work, scenario.name, scenario)?;
    let content_type = reply
        .content_type
        .clone()
        .context("the gateway's answer has no Content-Type")?;
    let baseline = start_baseline(work, scenario.name, &reply, &content_type)?;

    let script = work.join(format!("{}.lua", scenario.name));
    std::fs::write(
        &script,
        wrk::script(&Load {
            method: scenario.method,
            path: &scenario.path,
            headers: &scenario.headers_for(gateway.addr),
            bodies: &scenario.bodies,
        }),
    )?;
    let drive = |who: &str, server: &Server| -> anyhow::Result<Figures> {
        if args.warmup > 0 {
            wrk::run(server.addr, &scenario.path, &script, args.warmup)?;
            gateway.wait_idle(Duration::from_secs(300))?;
        }
        let before = server.cpu_time().ok();
        let mut figures = wrk::run(server.addr, &scenario.path, &script, args.duration)?;
        // Read before waiting for idle: what the server did for the requests wrk counted.
        let after = server.cpu_time().ok();
        if let (Some(before), Some(after)) = (before, after)
            && figures.requests > 0.0
        {
            figures.cpu_us = Some((after - before).as_secs_f64() * 1e6 / figures.requests);
        }
        gateway.wait_idle(Duration::from_secs(300))?;
        eprintln!(
            "  {who:<8} {:>9.0} req/s  p50 {:>7.3} ms  p99 {:>7.3} ms  timeouts {}  CPU {:.2} µs/request",
            figures.rps,
            figures.p50_ms,
            figures.p99_ms,
            figures.timeouts,
            figures.cpu()
        );
        if figures.bad_status > 0 {
            bail!(
                "{}: {who} gave {} answers other than 2xx/3xx under load",
                scenario.name,
                figures.bad_status
            );
        }
        Ok(figures)
    };
    let mut rounds = Vec::new();
    for round in 0..args.rounds {
        let (b, g) = if round % 2 == 0 {
            let b = drive("baseline", &baseline)?;
            (b, drive("gateway", &gateway)?)
        } else {
            let g = drive("gateway", &gateway)?;
            (drive("baseline", &baseline)?, g)
        };
        rounds.push((b, g));
    }
    let rss = gateway.memory("VmRSS").unwrap_or(0);
    Ok(Measured {
        name: scenario.name,
        title: scenario.title,
        departments: scenario.departments,
        method: scenario.method,
        path: scenario.path.clone(),
        body_bytes: reply.body.len(),
        content_type,
        targets: scenario.targets.clone(),
        rounds,
        gateway_rss: rss,
    })
}

fn scale_point(
    departments: u64,
    gateway_bin: &Path,
    fixture: &(PathBuf, u64, Duration),
    work: &Path,
    args: &RunArgs,
) -> anyhow::Result<ScaleRow> {
    eprintln!("\n== scale: {departments} departments");
    let label = format!("scale-{departments}");
    // Start-up is timed as many times as there are rounds and the median kept: one start-up is at
    // the mercy of whatever else the machine does in those seconds. The last gateway stays up.
    let mut startups = Vec::new();
    for _ in 1..args.rounds.max(1) {
        let gateway = start_gateway(gateway_bin, &fixture.0, work, &label, false)?;
        startups.push(gateway.startup);
    }
    let gateway = start_gateway(gateway_bin, &fixture.0, work, &label, false)?;
    startups.push(gateway.startup);
    startups.sort();
    let startup = startups[startups.len() / 2];
    let one = scenarios::middle(departments).max(1);
    let path = format!("/api/v2/chat/departments/{one}");
    let headers = vec![(
        "Authorization".to_owned(),
        format!("Bearer {}", fixture::BEARER_TOKEN),
    )];
    let reply = crate::probe::request(
        gateway.addr,
        "GET",
        &path,
        &headers,
        None,
        Duration::from_secs(30),
    )?;
    anyhow::ensure!(
        reply.status == 200,
        "scale {departments}: GET {path} answered {}",
        reply.status
    );
    let rss = gateway.memory("VmRSS")?;
    let hwm = gateway.memory("VmHWM")?;
    let script = work.join(format!("{label}.lua"));
    std::fs::write(
        &script,
        wrk::script(&Load {
            method: "GET",
            path: &path,
            headers: &headers,
            bodies: &[],
        }),
    )?;
    // A short warm-up, so the first touches of a cold heap do not land in the p99.
    wrk::run(gateway.addr, &path, &script, 1)?;
    gateway.wait_idle(Duration::from_secs(300))?;
    // The median of `rounds` short runs: one run's p99 is at the mercy of whatever else the
    // machine does during those few seconds.
    let mut runs = Vec::new();
    for _ in 0..args.rounds {
        let figures = wrk::run(gateway.addr, &path, &script, args.scale_duration)?;
        anyhow::ensure!(
            figures.bad_status == 0,
            "scale {departments}: {} answers other than 2xx/3xx",
            figures.bad_status
        );
        gateway.wait_idle(Duration::from_secs(300))?;
        runs.push(figures);
    }
    runs.sort_by(|a, b| a.p99_ms.total_cmp(&b.p99_ms));
    let figures = runs[runs.len() / 2];
    eprintln!(
        "  start-up {:.2} s (median of {:.2?}), RSS {:.1} MiB (peak {:.1} MiB), {:.0} req/s, p99 {:.3} ms",
        startup.as_secs_f64(),
        startups
            .iter()
            .map(Duration::as_secs_f64)
            .collect::<Vec<_>>(),
        rss as f64 / 1048576.0,
        hwm as f64 / 1048576.0,
        figures.rps,
        figures.p99_ms
    );
    Ok(ScaleRow {
        departments,
        agents: Spec::new(departments).agents,
        fixture_bytes: fixture.1,
        generated_in: fixture.2,
        startup,
        startups,
        rss,
        hwm,
        figures,
    })
}

impl RunArgs {
    /// The options of a bare `run`, for a command line without a subcommand.
    pub fn parse_defaults() -> Self {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            args: RunArgs,
        }
        <Only as clap::Parser>::parse_from(["run"]).args
    }
}
