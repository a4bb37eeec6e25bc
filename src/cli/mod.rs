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
    // `loss::convert`, with the output zipped on a second thread while the loss report reads
    // the target back; nothing is written before the report is made, as before.
    let files = to
        .write(&state, &Site::default())
        .map_err(|e| e.to_string())?;
    let (measured, packed) = std::thread::scope(|scope| {
        let packing = scope.spawn(|| files.pack(&args.output));
        let measured = loss::measure(&state, &*from, &*to, &files);
        let packed = packing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (measured, packed)
    });
    let (report, back) = measured.map_err(|e| e.to_string())?;
    let packed = packed.map_err(|e| e.to_string())?;
    files
        .write_packed(&args.output, packed)
        .map_err(|e| e.to_string())?;
    print!("{}", report.summary());
    if let Some(path) = args.report {
        let json = serde_json::to_vec_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    // The process ends next: its memory goes back whole, faster than freeing a million
    // records one by one (a tenth of the conversion's time).
    std::mem::forget((state, back, files, report));
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

/// CPU work (reading a whole export) off the async threads, so that the two sides of a
/// reconciliation are read at once, each on its own core; a panic stays a panic.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(outcome) => outcome,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// One side of a reconciliation: a tenant by URL, or an export whose format is given or
/// recognised.
async fn side(
    spec: &str,
    format_name: Option<&str>,
    token: Option<&str>,
) -> Result<(State, &'static Carries)> {
    let spec = spec.to_owned();
    if let Some((base, tenant)) = gateway::tenant_url(&spec) {
        // A tenant is compared whole, or as one vendor's lists show it when a format is named.
        let format = match format_name {
            Some(name) => format(name)?,
            None => Arc::new(Canonical) as Arc<dyn Format>,
        };
        let zip = gateway::export(&base, &tenant, token, format.name()).await?;
        return blocking(move || {
            let files = Files::from_zip(&zip).map_err(|e| e.to_string())?;
            let state = format.read(&files).map_err(|e| format!("{spec}: {e}"))?;
            Ok((state, format.carries()))
        })
        .await;
    }
    let format_name = format_name.map(str::to_owned);
    blocking(move || {
        let files = Files::read(Path::new(&spec)).map_err(|e| e.to_string())?;
        let all = formats();
        let format = match format_name {
            Some(name) => format(&name)?,
            None => all
                .recognize(&files)
                .cloned()
                .ok_or_else(|| format!("{spec}: not an export of a known format ({}); name it with --a-format / --b-format", all.names().join(", ")))?,
        };
        let state = format.read(&files).map_err(|e| format!("{spec}: {e}"))?;
        Ok((state, format.carries()))
    })
    .await
}

async fn reconcile(args: ReconcileArgs) -> Result<i32> {
    let token = args.admin_token.as_deref();
    // Both sides at once: a gateway writes the two exports in parallel while they download,
    // and each is read on its own thread. A's error, if any, is the one told, as before.
    let (a, b) = tokio::join!(
        side(&args.a, args.a_format.as_deref(), token),
        side(&args.b, args.b_format.as_deref(), token)
    );
    let (a, carries_a) = a?;
    let (b, carries_b) = b?;
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
    let equal = report.equal;
    // As in `convert`: the exit frees both states at once.
    std::mem::forget((a, b, report));
    Ok(if equal { 0 } else { 1 })
}
