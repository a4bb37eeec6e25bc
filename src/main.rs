//! The `deskbridge` binary: parse the command line, start the gateway, stop on SIGTERM or ctrl-c.

use clap::Parser;
use deskbridge::app::App;
use deskbridge::config::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = match Cli::parse().into_serve_args().validate() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("deskbridge: {e}");
            std::process::exit(2);
        }
    };
    deskbridge::telemetry::init(&config.log);
    let app = App::spawn(config).await?;
    shutdown_signal().await;
    app.shutdown().await;
    Ok(())
}

/// Completes on ctrl-c or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("signal received");
}
