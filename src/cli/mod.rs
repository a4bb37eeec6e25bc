//! The migration commands: `convert`, `import`, `export` and `reconcile` (docs/migration.md).
//! Each prints what it did and returns the process's exit code: 0 done (for `reconcile`: equal),
//! 1 `reconcile` found differences, 2 an error, with the message on standard error.
//!
//! `convert` works offline; the others reach a running gateway through its control plane
//! (`gateway.rs`), so the command line and the HTTP routes run the same code.

mod gateway;

use std::path::Path;
use std::sync::Arc;

use crate::app::formats;
use crate::config::{Command, ConvertArgs, ExportArgs, ImportArgs, ReconcileArgs};
use crate::migration::compare::{self, Fields, Options, Side};
use crate::migration::{Canonical, Carries, Files, Format, Site, loss};
use crate::model::State;

/// What a command stops on: its message.
type Result<T> = std::result::Result<T, String>;

/// Runs a migration command; returns the exit code.
pub async fn run(command: Command) -> i32 {
    let outcome = match command {
        Command::Serve(_) => Ok(0),
        Command::Convert(args) => convert(args),
        Command::Import(args) => import(args).await,
        Command::Export(args) => export(args).await,
        Command::Reconcile(args) => reconcile(args).await,
    };
    outcome.unwrap_or_else(|message| {
        eprintln!("deskbridge: {message}");
        2
    })
}

fn format(name: &str) -> Result<Arc<dyn Format>> {
    formats().get(name).cloned().map_err(|e| e.to_string())
}

fn read(path: &Path, format: &dyn Format) -> Result<State> {
    let files = Files::read(path).map_err(|e| e.to_string())?;
    format.read(&files).map_err(|e| e.to_string())
}

fn convert(args: ConvertArgs) -> Result<i32> {
    let (from, to) = (format(&args.from)?, format(&args.to)?);
    let state = read(&args.input, &*from)?;
    let (files, report) =
        loss::convert(&state, &*from, &*to, &Site::default()).map_err(|e| e.to_string())?;
    files.write(&args.output).map_err(|e| e.to_string())?;
    print!("{}", report.summary());
    if let Some(path) = args.report {
        let json = serde_json::to_vec_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(0)
}

async fn import(args: ImportArgs) -> Result<i32> {
    format(&args.format)?;
    // A zip goes as it is (the gateway reads and checks it); a folder is zipped first.
    let zip = if args.path.is_dir() {
        let files = Files::read(&args.path).map_err(|e| e.to_string())?;
        files.to_zip().map_err(|e| e.to_string())?
    } else {
        std::fs::read(&args.path).map_err(|e| format!("{}: {e}", args.path.display()))?
    };
    let body = gateway::import(&args.gateway, &args.format, zip).await?;
    println!("{body}");
    Ok(0)
}

async fn export(args: ExportArgs) -> Result<i32> {
    format(&args.format)?;
    let zip = gateway::export(
        &args.gateway.gateway,
        &args.gateway.tenant,
        args.gateway.admin_token.as_deref(),
        &args.format,
    )
    .await?;
    let files = Files::from_zip(&zip).map_err(|e| e.to_string())?;
    files.write(&args.output).map_err(|e| e.to_string())?;
    println!(
        "{} file(s) written to {}",
        files.len(),
        args.output.display()
    );
    Ok(0)
}

/// One side of a reconciliation: a tenant by URL, or an export whose format is given or
/// recognised.
async fn side(
    spec: &str,
    format_name: Option<&str>,
    token: Option<&str>,
) -> Result<(State, &'static Carries)> {
    if let Some((base, tenant)) = gateway::tenant_url(spec) {
        // A tenant is compared whole, or as one vendor's lists show it when a format is named.
        let format = match format_name {
            Some(name) => format(name)?,
            None => Arc::new(Canonical) as Arc<dyn Format>,
        };
        let zip = gateway::export(&base, &tenant, token, format.name()).await?;
        let files = Files::from_zip(&zip).map_err(|e| e.to_string())?;
        let state = format.read(&files).map_err(|e| format!("{spec}: {e}"))?;
        return Ok((state, format.carries()));
    }
    let files = Files::read(Path::new(spec)).map_err(|e| e.to_string())?;
    let all = formats();
    let format = match format_name {
        Some(name) => format(name)?,
        None => all
            .recognize(&files)
            .cloned()
            .ok_or_else(|| format!("{spec}: not an export of a known format ({}); name it with --a-format / --b-format", all.names().join(", ")))?,
    };
    let state = format.read(&files).map_err(|e| format!("{spec}: {e}"))?;
    Ok((state, format.carries()))
}

async fn reconcile(args: ReconcileArgs) -> Result<i32> {
    let token = args.admin_token.as_deref();
    let (a, carries_a) = side(&args.a, args.a_format.as_deref(), token).await?;
    let (b, carries_b) = side(&args.b, args.b_format.as_deref(), token).await?;
    let report = compare::compare(
        Side {
            label: &args.a,
            state: &a,
            carries: carries_a,
        },
        Side {
            label: &args.b,
            state: &b,
            carries: carries_b,
        },
        Options {
            match_ids: args.match_ids,
            fold_case: args.fold_case,
            times: args.times,
        },
        Fields::Common,
    );
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", report.table());
    }
    Ok(if report.equal { 0 } else { 1 })
}
