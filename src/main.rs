//! The `deskbridge` binary: parse the command line, start the gateway, stop on SIGTERM or ctrl-c;
//! or run one of the migration commands (`src/cli/`).

use clap::Parser;
use deskbridge::app::App;
use deskbridge::config::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let serve = match Cli::parse().into_command() {
        Ok(serve) => serve,
        // `convert`, `import`, `export`, `reconcile`: their exit code is the process's.
        Err(command) => std::process::exit(deskbridge::cli::run(*command).await),
    };
    let config = match serve.validate() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("deskbridge: {e}");
            std::process::exit(2);
        }
    };
    deskbridge::telemetry::init(&config.log);
    // Handlers go in before the gateway announces its address, so that a supervisor that signals
    // as soon as it sees the address still gets a graceful stop.
    let stop = shutdown_signal()?;
    let app = App::spawn(config).await?;
    stop.await;
    app.shutdown().await;
    Ok(())
}

/// Installs the handlers now; the future completes on ctrl-c or SIGTERM.
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            tracing::info!("signal received");
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("signal received");
    })
}
