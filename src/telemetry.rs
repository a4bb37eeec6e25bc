//! Logging, set up once per process. Per-request lines are at debug level; secrets are never
//! recorded (handlers log ids, never headers or bodies).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber with `filter` (`RUST_LOG` syntax). Later calls do nothing, so tests
/// may call it freely.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        // Colour codes only for a terminal; a log file or a pipe gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .try_init();
}

/// For tests: logs to the test output only when `TEST_LOG` is set (its value is the filter).
pub fn init_for_tests() {
    if let Ok(filter) = std::env::var("TEST_LOG") {
        let filter = if filter.is_empty() {
            "debug".to_owned()
        } else {
            filter
        };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}
