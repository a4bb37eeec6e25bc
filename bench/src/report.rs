//! The report: docs/performance.md as Markdown (machine, commands, the table with each target met
//! or missed and by how much, the scale run, every round's raw figures, saved profiles) and a
//! short summary for the terminal. Everything in it comes from the run, so the same command
//! regenerates it whole.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use crate::driver::{RunArgs, repo_root};
use crate::process::run_bounded;
use crate::scenarios::Target;
use crate::wrk::{self, Figures};

/// The machine and the run.
pub struct Facts {
    pub date: String,
    pub cores: String,
    pub cpu: String,
    pub memory: String,
    pub kernel: String,
    pub filesystem: String,
    pub rustc: String,
    pub wrk: String,
    pub built_from: String,
    pub load_before: String,
    pub load_after: String,
    pub took: Duration,
    pub command: String,
    pub settings: String,
    pub partial: bool,
}

fn shell(program: &str, args: &[&str]) -> String {
    let mut command = Command::new(program);
    command.args(args);
    run_bounded(command, Duration::from_secs(30))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|e| format!("({program}: {e})"))
}

/// `/proc/loadavg`'s three averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// When a profile was taken and how busy the machine was.
pub fn load_average_note() -> String {
    format!(
        "Taken {} (load average {})",
        shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        load_average()
    )
}

impl Facts {
    pub fn gather(
        wrk: &str,
        built_from: String,
        load_before: String,
        took: Duration,
        args: &RunArgs,
        partial: bool,
    ) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let free = shell("free", &["-m"]);
        let memory = free
            .lines()
            .find(|l| l.starts_with("Mem:"))
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                format!(
                    "{} MiB total, {} MiB available (`free -m` at the end)",
                    f.get(1).unwrap_or(&"?"),
                    f.get(6).unwrap_or(&"?")
                )
            })
            .unwrap_or(free);
        let argv: Vec<String> = std::env::args().skip(1).collect();
        Self {
            date: shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            cores: shell("nproc", &[]),
            cpu,
            memory,
            kernel: shell("uname", &["-sr"]),
            filesystem: shell(
                "stat",
                &[
                    "-f",
                    "-c",
                    "%T",
                    &crate::driver::work_dir().to_string_lossy(),
                ],
            ),
            rustc: shell("rustc", &["--version"]),
            wrk: wrk.to_owned(),
            built_from,
            load_before,
            load_after: load_average(),
            took,
            command: format!(
                "cargo run --release --manifest-path bench/Cargo.toml -- {}",
                argv.join(" ")
            ),
            settings: format!(
                "wrk -t{} -c{} (keep-alive), {} s warm-up then {} s measured, {} round(s) alternating baseline and gateway; scale run p99 from {} s",
                wrk::THREADS,
                wrk::CONNECTIONS,
                args.warmup,
                args.duration,
                args.rounds,
                args.scale_duration
            ),
            partial,
        }
    }
}

/// One scenario's figures.
pub struct Measured {
    pub name: &'static str,
    pub title: &'static str,
    pub departments: u64,
    pub method: &'static str,
    pub path: String,
    pub body_bytes: usize,
    pub content_type: String,
    pub targets: Vec<Target>,
    /// (baseline, gateway) per round.
    pub rounds: Vec<(Figures, Figures)>,
    pub gateway_rss: u64,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

impl Measured {
    fn of(&self, pick: impl Fn(&(Figures, Figures)) -> f64) -> f64 {
        median(self.rounds.iter().map(pick).collect())
    }
    pub fn baseline_rps(&self) -> f64 {
        self.of(|r| r.0.rps)
    }
    pub fn gateway_rps(&self) -> f64 {
        self.of(|r| r.1.rps)
    }
    /// The median of the per-round ratios gateway / baseline.
    pub fn ratio(&self) -> f64 {
        self.of(|r| r.1.rps / r.0.rps)
    }
}

/// One size of the scale run.
pub struct ScaleRow {
    pub departments: u64,
    pub agents: u64,
    pub fixture_bytes: u64,
    pub generated_in: Duration,
    /// The median of `startups`.
    pub startup: Duration,
    /// Every start-up timed, shortest first.
    pub startups: Vec<Duration>,
    pub rss: u64,
    pub hwm: u64,
    pub figures: Figures,
}

/// Everything a run produced.
pub struct Report {
    pub facts: Facts,
    pub measured: Vec<Measured>,
    pub skipped: Vec<(&'static str, String)>,
    pub scale: Vec<ScaleRow>,
}

/// "met" or "missed by ...", for a figure that must be at least (or at most) `limit`.
fn verdict(value: f64, limit: f64, at_least: bool) -> String {
    verdict_in(value, limit, at_least, "")
}

/// As [`verdict`], with a unit after each figure (" s", " KiB", "×").
fn verdict_in(value: f64, limit: f64, at_least: bool, unit: &str) -> String {
    let (ok, sign) = if at_least {
        (value >= limit, "≥")
    } else {
        (value <= limit, "≤")
    };
    if ok {
        format!("**met** ({value:.2}{unit} {sign} {limit}{unit})")
    } else {
        let gap = (value - limit).abs();
        format!(
            "**missed** by {gap:.2}{unit} ({value:.2}{unit}, target {sign} {limit}{unit}; {:.0} % off)",
            100.0 * gap / limit
        )
    }
}

/// Each target of a scenario as (description, verdict).
fn target_lines(m: &Measured, all: &[Measured]) -> Vec<(String, String)> {
    m.targets
        .iter()
        .map(|target| match *target {
            Target::VsBaseline(limit) => (
                format!("{}: gateway / baseline ≥ {limit}", m.name),
                verdict(m.ratio(), limit, true),
            ),
            Target::VsScenario(other, limit) => {
                let what = format!("{}: gateway req/s / {other}'s ≥ {limit}", m.name);
                match all.iter().find(|o| o.name == other) {
                    Some(o) => (
                        what,
                        verdict(m.gateway_rps() / o.gateway_rps(), limit, true),
                    ),
                    None => (what, format!("not measured ({other} was not run)")),
                }
            }
        })
        .collect()
}

fn scale_targets(rows: &[ScaleRow]) -> Vec<(String, String)> {
    let (Some(small), Some(large)) = (rows.first(), rows.last()) else {
        return Vec::new();
    };
    let n = large.departments;
    let mut lines = vec![
        (
            format!("{n} departments: resident memory per department ≤ 1 KiB"),
            format!(
                "{} — {:.0} bytes per department",
                verdict_in(large.rss as f64 / n as f64 / 1024.0, 1.0, false, " KiB"),
                large.rss as f64 / n as f64
            ),
        ),
        (
            format!("{n} departments: start-up ≤ 5 s"),
            verdict_in(large.startup.as_secs_f64(), 5.0, false, " s"),
        ),
    ];
    if rows.len() > 1 {
        lines.push((
            format!(
                "{n} departments: GET-one p99 ≤ 1.25 × its value at {}",
                small.departments
            ),
            format!(
                "{} — {:.3} ms against {:.3} ms",
                verdict_in(
                    large.figures.p99_ms / small.figures.p99_ms,
                    1.25,
                    false,
                    "×"
                ),
                large.figures.p99_ms,
                small.figures.p99_ms
            ),
        ));
    }
    lines
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1_048_576.0)
}

/// docs/performance.md.
pub fn markdown(report: &Report) -> String {
    let f = &report.facts;
    let mut md = String::new();
    md.push_str("# Performance\n\n");
    md.push_str(
        "Written by the benchmark (`bench/`, issue 6); regenerate it rather than editing it. Each \
         scenario runs the gateway and the **baseline** (a minimal hyper server in `bench/` that \
         answers every request with the gateway's own captured response bytes, same status and \
         headers) side by side on loopback, driven by wrk in alternating rounds. The \
         machine's absolute speed drifts by tens of percent between runs and while other builds \
         run, so the figures that count are the **ratios** within one run: each round's gateway \
         req/s over the same round's baseline req/s, and the median of those.\n\n",
    );
    if f.partial {
        md.push_str("> **A quick or partial run**: fewer rounds, shorter runs or a subset of scenarios; not the published figures.\n\n");
    }
    let _ = writeln!(md, "## How to reproduce\n");
    md.push_str(
        "```sh\ncargo run --release --manifest-path bench/Cargo.toml -- run            # everything, ~15 min\ncargo run --release --manifest-path bench/Cargo.toml -- run --quick    # a quick check\ncargo run --release --manifest-path bench/Cargo.toml -- run --scenarios zopim-get-one --no-scale\ncargo run --release --manifest-path bench/Cargo.toml -- profile --scenario zopim-list-1000\n```\n\n",
    );
    md.push_str("`bash bench/run.sh ARGS` is the same as the first line. This run was:\n\n");
    let _ = writeln!(md, "```sh\n{}\n```\n", f.command);
    let _ = writeln!(md, "## Machine and run\n");
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(md, "| date | {} |", f.date);
    let _ = writeln!(md, "| cores (`nproc`) | {} |", f.cores);
    let _ = writeln!(md, "| CPU (`/proc/cpuinfo`) | {} |", f.cpu);
    let _ = writeln!(md, "| memory | {} |", f.memory);
    let _ = writeln!(md, "| kernel | {} |", f.kernel);
    let _ = writeln!(
        md,
        "| file system of `--data-dir` (bench/target/work) | {} |",
        f.filesystem
    );
    let _ = writeln!(md, "| toolchain | {} |", f.rustc);
    let _ = writeln!(md, "| load generator | {} |", f.wrk);
    let _ = writeln!(md, "| gateway | {} |", f.built_from);
    let _ = writeln!(
        md,
        "| load average (1, 5, 15 min) | {} at the start, {} at the end |",
        f.load_before, f.load_after
    );
    let _ = writeln!(md, "| settings | {} |", f.settings);
    let _ = writeln!(md, "| run took | {:.0} s |\n", f.took.as_secs_f64());
    md.push_str("wrk and both servers share the machine's cores, as they would for a user testing against the gateway on a laptop or a CI runner.\n\n");

    if !report.measured.is_empty() {
        let _ = writeln!(md, "## Scenarios\n");
        md.push_str(
            "Medians over the rounds. Latency is per request under 64 concurrent connections, over the requests answered; requests that waited longer than wrk's 5 s timeout are counted under \"timeouts\" in [Every round](#every-round) and are in neither the rate nor the latency.\n\n",
        );
        md.push_str("| scenario | departments | response | baseline req/s | gateway req/s | ratio | baseline p50 / p99 ms | gateway p50 / p99 ms |\n|---|---:|---|---:|---:|---:|---:|---:|\n");
        for m in &report.measured {
            let _ = writeln!(
                md,
                "| `{}`: {} | {} | {} bytes `{}` | {:.0} | {:.0} | **{:.2}** | {:.3} / {:.3} | {:.3} / {:.3} |",
                m.name,
                m.title,
                m.departments,
                m.body_bytes,
                m.content_type,
                m.baseline_rps(),
                m.gateway_rps(),
                m.ratio(),
                m.of(|r| r.0.p50_ms),
                m.of(|r| r.0.p99_ms),
                m.of(|r| r.1.p50_ms),
                m.of(|r| r.1.p99_ms),
            );
        }
        md.push('\n');
        for (name, why) in &report.skipped {
            let _ = writeln!(md, "- `{name}` was not run: {why}.");
        }
        if !report.skipped.is_empty() {
            md.push('\n');
        }
    }

    let mut targets: Vec<(String, String)> = Vec::new();
    for m in &report.measured {
        targets.extend(target_lines(m, &report.measured));
    }
    targets.extend(scale_targets(&report.scale));
    if !targets.is_empty() {
        let _ = writeln!(md, "## Targets (issue 6)\n");
        md.push_str("| target | result |\n|---|---|\n");
        for (what, result) in &targets {
            let _ = writeln!(md, "| {what} | {result} |");
        }
        md.push_str("\n`zendesk-get-one-token` is not in the issue; it separates the cost of the Basic password path from the rest of the XML facade.\n\n");
    }

    if !report.scale.is_empty() {
        let _ = writeln!(md, "## Scale run\n");
        md.push_str("Generated fixtures of N departments with 3 members each (and N/10 agents, 10 to 10 000). Start-up is from starting the process to the first `200` from `GET /_gateway/health`, the median of as many start-ups as there are rounds (the shortest and longest in brackets); resident memory is `VmRSS` from `/proc/PID/status` after loading and one `GET /api/v2/chat/departments/{N/2}`, with `VmHWM` (the peak, reached while parsing the file) beside it. GET one is the Zopim scenario's request, driven by wrk alone (no baseline) after a 1 s warm-up; its figures are from the run with the median p99 of as many short runs as there are rounds.\n\n");
        md.push_str("| departments | agents | fixture file (written in) | start-up | RSS | RSS / department | peak RSS | GET one req/s | GET one p99 |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for row in &report.scale {
            let _ = writeln!(
                md,
                "| {} | {} | {} ({:.1} s) | {:.2} s ({:.2}-{:.2}) | {} | {:.0} bytes | {} | {:.0} | {:.3} ms |",
                row.departments,
                row.agents,
                mib(row.fixture_bytes),
                row.generated_in.as_secs_f64(),
                row.startup.as_secs_f64(),
                row.startups.first().map_or(0.0, Duration::as_secs_f64),
                row.startups.last().map_or(0.0, Duration::as_secs_f64),
                mib(row.rss),
                row.rss as f64 / row.departments as f64,
                mib(row.hwm),
                row.figures.rps,
                row.figures.p99_ms
            );
        }
        if let (Some(a), Some(b)) = (report.scale.first(), report.scale.last())
            && b.departments > a.departments
        {
            let _ = writeln!(
                md,
                "\nBetween {} and {} departments the resident set grows by {:.0} bytes per added department.",
                a.departments,
                b.departments,
                (b.rss as f64 - a.rss as f64) / (b.departments - a.departments) as f64
            );
        }
        md.push('\n');
    }

    let profiles = read_profiles();
    if !profiles.is_empty() {
        let _ = writeln!(md, "## Profiles\n");
        md.push_str("Saved by `… -- profile --scenario NAME` (bench/profiles/), for the scenarios whose target was missed; each names its own date and gateway.\n\n");
        md.push_str(&profiles);
    }

    if !report.measured.is_empty() {
        let _ = writeln!(md, "## Every round\n");
        md.push_str("| scenario | round | baseline req/s | gateway req/s | ratio | baseline p50 / p99 ms | gateway p50 / p99 ms | timeouts (baseline, gateway) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for m in &report.measured {
            for (i, (b, g)) in m.rounds.iter().enumerate() {
                let _ = writeln!(
                    md,
                    "| `{}` | {} | {:.0} | {:.0} | {:.2} | {:.3} / {:.3} | {:.3} / {:.3} | {}, {} |",
                    m.name,
                    i + 1,
                    b.rps,
                    g.rps,
                    g.rps / b.rps,
                    b.p50_ms,
                    b.p99_ms,
                    g.p50_ms,
                    g.p99_ms,
                    b.timeouts,
                    g.timeouts
                );
            }
        }
        md.push('\n');
        md.push_str("Requests of each scenario:\n\n");
        for m in &report.measured {
            let _ = writeln!(
                md,
                "- `{}`: `{} {}` (gateway resident memory at the end: {})",
                m.name,
                m.method,
                m.path,
                mib(m.gateway_rss)
            );
        }
        md.push('\n');
    }
    md
}

/// Every bench/profiles/*.md, in name order, each under its own heading.
fn read_profiles() -> String {
    let dir = repo_root().join("bench/profiles");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return String::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    let mut out = String::new();
    for path in paths {
        if let Ok(text) = std::fs::read_to_string(&path) {
            out.push_str(&demote(&text));
            out.push('\n');
        }
    }
    out
}

/// A profile file's `#` headings, one level down, so they nest under "Profiles".
fn demote(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with('#') {
                format!("##{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

/// A few lines for the terminal.
pub fn summary(report: &Report) -> String {
    let mut out = String::from("\nscenario                     baseline rps  gateway rps  ratio\n");
    for m in &report.measured {
        let _ = writeln!(
            out,
            "{:<28} {:>12.0} {:>12.0} {:>6.2}",
            m.name,
            m.baseline_rps(),
            m.gateway_rps(),
            m.ratio()
        );
    }
    for row in &report.scale {
        let _ = writeln!(
            out,
            "scale {:>8}: start-up {:.2} s, RSS {} ({:.0} B/department), p99 {:.3} ms",
            row.departments,
            row.startup.as_secs_f64(),
            mib(row.rss),
            row.rss as f64 / row.departments as f64,
            row.figures.p99_ms
        );
    }
    let mut targets = Vec::new();
    for m in &report.measured {
        targets.extend(target_lines(m, &report.measured));
    }
    targets.extend(scale_targets(&report.scale));
    for (what, result) in targets {
        let _ = writeln!(out, "{what}: {}", result.replace("**", ""));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_says_met_or_by_how_much_it_missed() {
        assert_eq!(verdict(0.9, 0.85, true), "**met** (0.90 ≥ 0.85)");
        assert_eq!(
            verdict(0.5, 0.8, true),
            "**missed** by 0.30 (0.50, target ≥ 0.8; 38 % off)"
        );
        assert_eq!(
            verdict(6.0, 5.0, false),
            "**missed** by 1.00 (6.00, target ≤ 5; 20 % off)"
        );
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
