//! Settings, read once: flags and their `DESKBRIDGE_*` environment twins (clap) make a raw
//! [`ServeArgs`], which [`ServeArgs::validate`] turns into a [`Config`] or a message that names the
//! bad value and what would be accepted.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::facades::rocketchat::{Edition, RocketchatOptions};
use crate::facades::zopim::{EnabledFormat, ZopimOptions};
use crate::http::RequestLimits;
use crate::http::server::ConnectionLimits;
use crate::persist::{self, Fsync};
use crate::tenants::RegistryOptions;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "deskbridge",
    version,
    about = "One gateway for Zendesk Chat, Rocket.Chat livechat and classic Zendesk XML department APIs"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `serve`'s flags, so that `deskbridge --listen ...` works without the subcommand.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the gateway (the default).
    Serve(ServeArgs),
    /// Convert an export to another format, offline, and report what the target cannot carry.
    Convert(ConvertArgs),
    /// Load an export into a tenant of a running gateway (made, or its state replaced).
    Import(ImportArgs),
    /// Save a tenant of a running gateway as an export.
    Export(ExportArgs),
    /// Compare two exports or tenants; exit 0 when equal, 1 when they differ, 2 on error.
    Reconcile(ReconcileArgs),
}

impl Cli {
    /// The serve arguments, whether or not `serve` was spelled out (the top-level flags for a
    /// migration command).
    pub fn into_serve_args(self) -> ServeArgs {
        match self.command {
            Some(Command::Serve(args)) => args,
            _ => self.serve,
        }
    }

    /// What to run: serving (`Ok`), or one of the migration commands (`Err`).
    pub fn into_command(self) -> Result<ServeArgs, Box<Command>> {
        match self.command {
            Some(Command::Serve(args)) => Ok(args),
            None => Ok(self.serve),
            Some(other) => Err(Box::new(other)),
        }
    }
}

/// `deskbridge convert --from FORMAT IN --to FORMAT OUT` (formats: docs/migration.md).
#[derive(Debug, Clone, Args)]
pub struct ConvertArgs {
    /// The format of IN.
    #[arg(long)]
    pub from: String,
    /// The export to read: a directory or a `.zip`.
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// The format to write.
    #[arg(long)]
    pub to: String,
    /// Where to write: a directory, or a `.zip` when it ends so.
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
    /// Also write the loss report as JSON to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

/// Which running gateway and tenant.
#[derive(Debug, Clone, Args)]
pub struct GatewayArgs {
    /// The gateway's base URL.
    #[arg(
        long,
        env = "DESKBRIDGE_GATEWAY",
        default_value = "http://127.0.0.1:8080"
    )]
    pub gateway: String,
    /// The tenant.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// The control plane's token, when the gateway has one.
    #[arg(long, env = "DESKBRIDGE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
}

/// `deskbridge import --format F PATH --gateway URL --tenant NAME`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    #[arg(long)]
    pub format: String,
    /// The export: a directory or a `.zip`.
    pub path: PathBuf,
    #[command(flatten)]
    pub gateway: GatewayArgs,
}

/// `deskbridge export --format F OUT --gateway URL --tenant NAME`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[arg(long)]
    pub format: String,
    /// A directory, or a `.zip` when it ends so.
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
    #[command(flatten)]
    pub gateway: GatewayArgs,
}

/// `deskbridge reconcile A B`.
#[derive(Debug, Clone, Args)]
pub struct ReconcileArgs {
    /// An export (directory or `.zip`, its format recognised from its files) or a tenant of a
    /// running gateway (`http://HOST:PORT/t/NAME`; without `/t/NAME`, the default tenant).
    pub a: String,
    /// The other side, as A.
    pub b: String,
    /// A's format, when its files are not enough to tell; for a tenant, the vendor whose lists
    /// it is seen through (default: the whole state).
    #[arg(long)]
    pub a_format: Option<String>,
    /// B's format.
    #[arg(long)]
    pub b_format: Option<String>,
    /// Match records by id rather than departments by name and agents by email.
    #[arg(long)]
    pub match_ids: bool,
    /// Match department names without regard to case.
    #[arg(long)]
    pub fold_case: bool,
    /// Compare creation and update times too.
    #[arg(long)]
    pub times: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// The control plane's token, for a tenant side.
    #[arg(long, env = "DESKBRIDGE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
}

/// How Zopim's `enabled` flags are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnabledArg {
    /// `1` / `0`, as the Zopim documentation shows.
    Integer,
    /// `true` / `false`, as real Zopim responses and strictly typed clients have it.
    Boolean,
}

/// Which Rocket.Chat edition the Rocket.Chat facade behaves like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EditionArg {
    /// At most one department, as Rocket.Chat Community Edition allows.
    Community,
    /// No department limit, as with the Enterprise license (Rocket.Chat's department e2e suite
    /// runs against it).
    Enterprise,
}

/// When the journal is fsynced (with `--data-dir`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FsyncArg {
    /// Before a write is acknowledged; concurrent writes share one fsync.
    Always,
    /// Never: writes still go to the journal first, but a crash can lose the last ones. For
    /// benchmarks.
    Never,
}

/// `serve`'s flags, as given.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (`HOST:PORT`; port 0 picks a free one).
    #[arg(long, env = "DESKBRIDGE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Fixture file to start from instead of the embedded default data (format: docs/fixtures.md).
    #[arg(long, env = "DESKBRIDGE_FIXTURES")]
    pub fixtures: Option<PathBuf>,
    /// How the Zopim facade writes `enabled`.
    #[arg(
        long,
        env = "DESKBRIDGE_ZOPIM_ENABLED",
        value_enum,
        default_value = "integer"
    )]
    pub zopim_enabled: EnabledArg,
    /// Which Rocket.Chat edition the Rocket.Chat facade behaves like.
    #[arg(
        long,
        env = "DESKBRIDGE_ROCKETCHAT_EDITION",
        value_enum,
        default_value = "enterprise"
    )]
    pub rocketchat_edition: EditionArg,
    /// A folder holding the built Rocket.Chat livechat widget (npm `@rocket.chat/livechat`'s
    /// `build/`), served at `/livechat` as a Rocket.Chat server serves it (docs/widget.md).
    #[arg(long, env = "DESKBRIDGE_LIVECHAT_DIR")]
    pub livechat_dir: Option<PathBuf>,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "DESKBRIDGE_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: u64,
    /// Largest body of the control plane's import and reconcile (a whole export), in bytes.
    #[arg(long, env = "DESKBRIDGE_MAX_IMPORT_BYTES", default_value_t = 256 * 1024 * 1024)]
    pub max_import_bytes: u64,
    /// Longest a client may take to send a request's head (e.g. `10s`, `500ms`).
    #[arg(long, env = "DESKBRIDGE_HEADER_TIMEOUT", default_value = "10s")]
    pub header_timeout: String,
    /// Longest a request may take, body included.
    #[arg(long, env = "DESKBRIDGE_REQUEST_TIMEOUT", default_value = "30s")]
    pub request_timeout: String,
    /// Most client connections open at once.
    #[arg(long, env = "DESKBRIDGE_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Log filter (`info`, `debug`, `deskbridge=trace`, ...); `RUST_LOG` syntax.
    #[arg(long, env = "DESKBRIDGE_LOG", default_value = "info")]
    pub log: String,
    /// Directory that keeps the state across restarts (journal and snapshots; created when
    /// missing). Without it the state lives in memory only.
    #[arg(long, env = "DESKBRIDGE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// When the journal is fsynced (with --data-dir).
    #[arg(long, env = "DESKBRIDGE_FSYNC", value_enum, default_value = "always")]
    pub fsync: FsyncArg,
    /// Journal size, in bytes, past which it is compacted into a snapshot (with --data-dir).
    #[arg(long, env = "DESKBRIDGE_COMPACT_BYTES", default_value_t = persist::DEFAULT_COMPACT_BYTES)]
    pub compact_bytes: u64,
    /// The token the control plane (`/_gateway/`, all but health) needs as `Authorization:
    /// Bearer`. Listening beyond loopback without one makes one and logs it once.
    #[arg(long, env = "DESKBRIDGE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Most tenants at once, `default` included.
    #[arg(long, env = "DESKBRIDGE_MAX_TENANTS", default_value_t = 1000)]
    pub max_tenants: usize,
    /// A host suffix besides `localhost` under which the first label names a tenant
    /// (`zendesk.test`: `acme.zendesk.test` is the tenant `acme`).
    #[arg(long, env = "DESKBRIDGE_TENANT_HOST_SUFFIX")]
    pub tenant_host_suffix: Option<String>,
    /// Removes a tenant (never `default`) that no request chose for this long (e.g. `30m`).
    #[arg(long, env = "DESKBRIDGE_TENANT_IDLE_TTL")]
    pub tenant_idle_ttl: Option<String>,
    /// Requests each tenant's request journal keeps (the newest); 0 keeps none.
    #[arg(long, env = "DESKBRIDGE_REQUEST_JOURNAL", default_value_t = 10_000)]
    pub request_journal: usize,
}

/// Where the starting data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixtureSource {
    Embedded,
    File(PathBuf),
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub fixtures: FixtureSource,
    pub zopim: ZopimOptions,
    pub rocketchat: RocketchatOptions,
    pub request: RequestLimits,
    /// The control plane's import and reconcile body limit (`--max-import-bytes`).
    pub max_import_bytes: usize,
    pub connections: ConnectionLimits,
    pub log: String,
    /// Where the state is kept durable; `None` keeps it in memory only.
    pub durability: Option<persist::Options>,
    /// The control plane's token, if one was given.
    pub admin_token: Option<String>,
    pub tenants: RegistryOptions,
    pub tenant_host_suffix: Option<String>,
}

/// A setting that cannot be used, with the value and what is accepted.
#[derive(Debug, thiserror::Error)]
#[error("invalid {setting} {value:?}: {accepted}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub value: String,
    pub accepted: String,
}

fn duration(setting: &'static str, value: &str) -> Result<Duration, ConfigError> {
    let bad = |accepted: &str| ConfigError {
        setting,
        value: value.to_owned(),
        accepted: accepted.to_owned(),
    };
    let parsed = humantime::parse_duration(value).map_err(|e| {
        bad(&format!(
            "{e}; expected a duration such as 10s, 500ms or 2m"
        ))
    })?;
    if parsed.is_zero() || parsed > Duration::from_secs(3600) {
        return Err(bad("expected a duration above 0 and at most 1h"));
    }
    Ok(parsed)
}

impl ServeArgs {
    /// Checks every value; the first bad one is reported.
    pub fn validate(self) -> Result<Config, ConfigError> {
        let listen = self.listen.parse().map_err(|_| ConfigError {
            setting: "--listen",
            value: self.listen.clone(),
            accepted: "expected HOST:PORT with an IP address, e.g. 127.0.0.1:8080 or [::1]:0"
                .into(),
        })?;
        if !(1024..=1 << 30).contains(&self.max_body_bytes) {
            return Err(ConfigError {
                setting: "--max-body-bytes",
                value: self.max_body_bytes.to_string(),
                accepted: "expected 1024 to 1073741824".into(),
            });
        }
        if !(1024..=1 << 32).contains(&self.max_import_bytes) {
            return Err(ConfigError {
                setting: "--max-import-bytes",
                value: self.max_import_bytes.to_string(),
                accepted: "expected 1024 to 4294967296".into(),
            });
        }
        if !(1..=1_000_000).contains(&self.max_connections) {
            return Err(ConfigError {
                setting: "--max-connections",
                value: self.max_connections.to_string(),
                accepted: "expected 1 to 1000000".into(),
            });
        }
        if !(1024..=1 << 40).contains(&self.compact_bytes) {
            return Err(ConfigError {
                setting: "--compact-bytes",
                value: self.compact_bytes.to_string(),
                accepted: "expected 1024 to 1099511627776".into(),
            });
        }
        if let Some(dir) = &self.data_dir
            && (dir.as_os_str().is_empty() || (dir.exists() && !dir.is_dir()))
        {
            return Err(ConfigError {
                setting: "--data-dir",
                value: dir.display().to_string(),
                accepted: "expected a directory (created when missing)".into(),
            });
        }
        // The widget's folder must hold its index.html (docs/widget.md says how to get it).
        let livechat_dir = self.livechat_dir.clone();
        if let Some(dir) = &livechat_dir
            && !dir.join("index.html").is_file()
        {
            return Err(ConfigError {
                setting: "--livechat-dir",
                value: dir.display().to_string(),
                accepted: "expected the livechat widget's build folder, holding index.html \
                           (npm install @rocket.chat/livechat@1.13.3: node_modules/@rocket.chat/livechat/build)"
                    .into(),
            });
        }
        let durability = self.data_dir.map(|dir| persist::Options {
            fsync: match self.fsync {
                FsyncArg::Always => Fsync::Always,
                FsyncArg::Never => Fsync::Never,
            },
            compact_bytes: self.compact_bytes,
            ..persist::Options::new(dir)
        });
        if !(1..=100_000).contains(&self.max_tenants) {
            return Err(ConfigError {
                setting: "--max-tenants",
                value: self.max_tenants.to_string(),
                accepted: "expected 1 to 100000".into(),
            });
        }
        if let Some(token) = &self.admin_token
            && (token.len() < 8 || token.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(ConfigError {
                setting: "--admin-token",
                value: "(hidden)".into(),
                accepted: "expected at least 8 characters, none of them white space".into(),
            });
        }
        if let Some(suffix) = &self.tenant_host_suffix {
            let labels_ok = suffix.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
            if !labels_ok {
                return Err(ConfigError {
                    setting: "--tenant-host-suffix",
                    value: suffix.clone(),
                    accepted: "expected a domain name such as zendesk.test".into(),
                });
            }
        }
        let idle_ttl = match &self.tenant_idle_ttl {
            None => None,
            Some(ttl) => Some(
                humantime::parse_duration(ttl)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| ConfigError {
                        setting: "--tenant-idle-ttl",
                        value: ttl.clone(),
                        accepted: "expected a duration above 0, such as 30m or 2h".into(),
                    })?,
            ),
        };
        tracing_subscriber::EnvFilter::try_new(&self.log).map_err(|e| ConfigError {
            setting: "--log",
            value: self.log.clone(),
            accepted: format!("{e}; expected a filter such as info or deskbridge=debug"),
        })?;
        Ok(Config {
            listen,
            fixtures: self
                .fixtures
                .map_or(FixtureSource::Embedded, FixtureSource::File),
            zopim: ZopimOptions {
                enabled: match self.zopim_enabled {
                    EnabledArg::Integer => EnabledFormat::Integer,
                    EnabledArg::Boolean => EnabledFormat::Boolean,
                },
            },
            rocketchat: RocketchatOptions {
                edition: match self.rocketchat_edition {
                    EditionArg::Community => Edition::Community,
                    EditionArg::Enterprise => Edition::Enterprise,
                },
                livechat_dir: livechat_dir.map(std::sync::Arc::from),
            },
            request: RequestLimits {
                max_body_bytes: self.max_body_bytes as usize,
                request_timeout: duration("--request-timeout", &self.request_timeout)?,
            },
            max_import_bytes: self.max_import_bytes as usize,
            connections: ConnectionLimits {
                max_connections: self.max_connections,
                header_read_timeout: duration("--header-timeout", &self.header_timeout)?,
                shutdown_grace: Duration::from_secs(10),
            },
            log: self.log,
            durability,
            admin_token: self.admin_token,
            tenants: RegistryOptions {
                max_tenants: self.max_tenants,
                idle_ttl,
                request_journal: self.request_journal,
            },
            tenant_host_suffix: self.tenant_host_suffix.map(|s| s.to_ascii_lowercase()),
        })
    }
}

impl Config {
    /// The options `GET /_gateway/info` reports (never the admin token).
    pub fn summary(&self) -> serde_json::Value {
        serde_json::json!({
            "listen": self.listen.to_string(),
            "zopim_enabled": match self.zopim.enabled {
                EnabledFormat::Integer => "integer",
                EnabledFormat::Boolean => "boolean",
            },
            "rocketchat_edition": match self.rocketchat.edition {
                Edition::Community => "community",
                Edition::Enterprise => "enterprise",
            },
            "max_body_bytes": self.request.max_body_bytes,
            "max_import_bytes": self.max_import_bytes,
            "request_timeout_ms": self.request.request_timeout.as_millis() as u64,
            "max_connections": self.connections.max_connections,
            "durable": self.durability.is_some(),
            "max_tenants": self.tenants.max_tenants,
            "tenant_host_suffix": self.tenant_host_suffix,
            "tenant_idle_ttl_s": self.tenants.idle_ttl.map(|ttl| ttl.as_secs()),
            "request_journal": self.tenants.request_journal,
            "admin_token_required": self.admin_token.is_some() || !self.listen.ip().is_loopback(),
        })
    }

    /// The defaults, listening on an ephemeral loopback port: what tests start from.
    pub fn for_tests() -> Self {
        let mut config = ServeArgs::parse_from_env_free()
            .validate()
            .expect("defaults are valid");
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config
    }
}

impl ServeArgs {
    /// The built-in defaults, ignoring the environment.
    fn parse_from_env_free() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            fixtures: None,
            zopim_enabled: EnabledArg::Integer,
            rocketchat_edition: EditionArg::Enterprise,
            livechat_dir: None,
            max_body_bytes: 1024 * 1024,
            max_import_bytes: 256 * 1024 * 1024,
            header_timeout: "10s".into(),
            request_timeout: "30s".into(),
            max_connections: 1024,
            log: "info".into(),
            data_dir: None,
            fsync: FsyncArg::Always,
            compact_bytes: persist::DEFAULT_COMPACT_BYTES,
            admin_token: None,
            max_tenants: 1000,
            tenant_host_suffix: None,
            tenant_idle_ttl: None,
            request_journal: 10_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Result<Config, ConfigError> {
        let mut argv = vec!["deskbridge"];
        argv.extend_from_slice(extra);
        Cli::try_parse_from(argv)
            .unwrap()
            .into_serve_args()
            .validate()
    }

    #[test]
    fn serve_is_the_default_subcommand() {
        let plain = args(&["--listen", "127.0.0.1:9000"]).unwrap();
        let spelled = args(&["serve", "--listen", "127.0.0.1:9000"]).unwrap();
        assert_eq!(plain.listen, spelled.listen);
    }

    #[test]
    fn the_migration_commands_parse_and_no_subcommand_still_serves() {
        let convert = Cli::try_parse_from([
            "deskbridge",
            "convert",
            "--from",
            "zopim",
            "in.zip",
            "--to",
            "rocketchat",
            "out",
        ])
        .unwrap()
        .into_command()
        .unwrap_err();
        match *convert {
            Command::Convert(args) => assert_eq!(
                (
                    args.from.as_str(),
                    args.to.as_str(),
                    args.input,
                    args.output
                ),
                (
                    "zopim",
                    "rocketchat",
                    PathBuf::from("in.zip"),
                    PathBuf::from("out")
                )
            ),
            other => panic!("{other:?}"),
        }
        assert!(
            Cli::try_parse_from(["deskbridge"])
                .unwrap()
                .into_command()
                .is_ok()
        );
    }

    #[test]
    fn a_bad_listen_address_names_the_value_and_the_accepted_form() {
        let err = args(&["--listen", "localhost"]).unwrap_err().to_string();
        assert_eq!(
            err,
            r#"invalid --listen "localhost": expected HOST:PORT with an IP address, e.g. 127.0.0.1:8080 or [::1]:0"#
        );
    }

    #[test]
    fn the_rocket_chat_edition_is_enterprise_unless_community_is_asked_for() {
        let default = args(&[]).unwrap();
        assert_eq!(default.rocketchat.edition, Edition::Enterprise);
        let community = args(&["--rocketchat-edition", "community"]).unwrap();
        assert_eq!(community.rocketchat.edition, Edition::Community);
    }

    #[test]
    fn durability_is_off_unless_a_data_dir_is_given() {
        assert!(args(&[]).unwrap().durability.is_none());
        let durable = args(&[
            "--data-dir",
            "/tmp/x",
            "--fsync",
            "never",
            "--compact-bytes",
            "4096",
        ])
        .unwrap()
        .durability
        .unwrap();
        assert_eq!(
            (durable.dir.as_path(), durable.fsync, durable.compact_bytes),
            (std::path::Path::new("/tmp/x"), Fsync::Never, 4096)
        );
    }

    #[test]
    fn a_data_dir_that_is_a_file_or_a_tiny_compaction_size_is_refused() {
        let err = args(&["--data-dir", "Cargo.toml"]).unwrap_err().to_string();
        assert_eq!(
            err,
            r#"invalid --data-dir "Cargo.toml": expected a directory (created when missing)"#
        );
        let err = args(&["--compact-bytes", "10"]).unwrap_err().to_string();
        assert_eq!(
            err,
            r#"invalid --compact-bytes "10": expected 1024 to 1099511627776"#
        );
    }

    #[test]
    fn a_bad_timeout_is_refused() {
        let err = args(&["--request-timeout", "0s"]).unwrap_err().to_string();
        assert_eq!(
            err,
            r#"invalid --request-timeout "0s": expected a duration above 0 and at most 1h"#
        );
    }
}
