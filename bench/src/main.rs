//! `deskbridge-bench`: the gateway's load benchmark (issue 6), in a package of its own so that
//! building and testing the gateway never compiles it.
//!
//! - `run` (the driver): builds the gateway, measures each scenario against the baseline with
//!   wrk, runs the scale run, and writes docs/performance.md.
//! - `baseline`: the fixed-bytes hyper server the driver compares against.
//! - `fixture`: writes a generated fixture file of N departments.
//! - `profile`: samples the gateway with `perf` under one scenario.
//!
//! Layout: `driver` runs scenarios and the scale run over `process` (servers that die with their
//! owner), `probe` (one request) and `wrk`; `scenarios` says what is sent and the targets;
//! `tenants` measures the control plane's costs (issue 15) without wrk; `fixture` makes the data;
//! `report` writes the Markdown.

mod baseline;
mod driver;
mod fixture;
mod probe;
mod process;
mod profile;
mod report;
mod scenarios;
mod tenants;
mod wrk;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "deskbridge-bench",
    about = "deskbridge's load benchmark (issue 6)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Tool>,
}

#[derive(Debug, Subcommand)]
enum Tool {
    /// Build the gateway, run every scenario and the scale run, write docs/performance.md.
    Run(driver::RunArgs),
    /// Serve fixed bytes: the baseline.
    Baseline(baseline::BaselineArgs),
    /// Write a generated fixture file.
    Fixture {
        /// Departments, three members each.
        #[arg(long)]
        departments: u64,
        /// Agents (default: a tenth of the departments, 10 to 10 000).
        #[arg(long)]
        agents: Option<u64>,
        /// The file to write.
        #[arg(long)]
        output: PathBuf,
    },
    /// Profile the gateway with perf under one scenario; writes bench/profiles/NAME.md.
    Profile(profile::ProfileArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        None => driver::run(driver::RunArgs::parse_defaults()),
        Some(Tool::Run(args)) => driver::run(args),
        Some(Tool::Baseline(args)) => baseline::run(args),
        Some(Tool::Fixture {
            departments,
            agents,
            output,
        }) => {
            let mut spec = fixture::Spec::new(departments);
            if let Some(agents) = agents {
                spec.agents = agents;
            }
            let bytes = fixture::write(&spec, &output)?;
            println!(
                "{}: {} departments, {} agents, {bytes} bytes",
                output.display(),
                spec.departments,
                spec.agents
            );
            Ok(())
        }
        Some(Tool::Profile(args)) => profile::run(args),
    }
}
