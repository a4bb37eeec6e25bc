//! Wires the gateway together: loads the starting state, builds each facade, the prefix table, the
//! pipeline and the server, and binds before returning so a caller that asked for port 0 learns the real port.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::verified::VerifiedPasswords;
use crate::config::{Config, FixtureSource};
use crate::control::{Control, ControlOptions, Unclaimed};
use crate::facades::rocketchat::{Cors, Edition, Livechat, Rocketchat, RocketchatOptions};
use crate::facades::support::Support;
use crate::facades::zendesk::Zendesk;
use crate::facades::zopim::{EnabledFormat, Zopim, ZopimOptions};
use crate::fixtures::FixtureFile;
use crate::http::metrics::Metrics;
use crate::http::server;
use crate::http::{Pipeline, PrefixTable};
use crate::http::{Tenancy, TenantDirectory};
use crate::model::{State, Store, Timestamp, View};
use crate::persist;
use crate::tenants::{Options as TenantOptions, Registry, TenantFacades};

/// The running gateway.
pub struct App;

/// A handle on a running gateway: its address, and the way to stop it.
pub struct AppHandle {
    addr: SocketAddr,
    store: Store,
    registry: Arc<Registry>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    /// The idle-tenant sweeper, with `--tenant-idle-ttl`.
    idle: Option<JoinHandle<()>>,
}

impl App {
    /// Loads the data (from `--data-dir` if it holds any, else from the fixtures), binds
    /// `config.listen` and starts serving in the background.
    pub async fn spawn(config: Config) -> anyhow::Result<AppHandle> {
        let (store, fixtures) = match &config.durability {
            None => {
                let store = Store::new(load_state(&config.fixtures)?);
                let fixtures = store.view();
                (store, fixtures)
            }
            // The fixtures are loaded again when the directory already held a state: tenants
            // made `from: {"fixtures": true}` and a reset of `default` go back to them.
            Some(options) => {
                let mut seeded = None;
                let store = open_durable(options, || {
                    let state = load_state(&config.fixtures)?;
                    seeded = Some(Arc::new(state.clone()));
                    Ok(state)
                })?;
                let fixtures = match seeded {
                    Some(fixtures) => fixtures,
                    None => Arc::new(load_state(&config.fixtures)?),
                };
                (store, fixtures)
            }
        };
        Self::serve(config, store, fixtures).await
    }

    /// As [`App::spawn`], from a state already built (with `--data-dir`: the state an empty
    /// data directory is seeded with).
    pub async fn spawn_with_state(config: Config, state: State) -> anyhow::Result<AppHandle> {
        let fixtures = Arc::new(state.clone());
        let store = match &config.durability {
            None => Store::new(state),
            Some(options) => open_durable(options, || anyhow::Ok(state))?,
        };
        Self::serve(config, store, fixtures).await
    }

    async fn serve(config: Config, store: Store, fixtures: View) -> anyhow::Result<AppHandle> {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;

        let (zopim, rocketchat) = (config.zopim, config.rocketchat.clone());
        let tenant_facades: TenantFacades = Box::new(move |store, options| {
            tenant_facades(store, options, zopim, rocketchat.clone())
        });
        let registry = Arc::new(match &config.durability {
            None => Registry::new(store.clone(), fixtures, tenant_facades, config.tenants),
            // Every other tenant is recovered from the data directory the default's store
            // was opened on.
            Some(options) => Registry::open(
                store.clone(),
                fixtures,
                tenant_facades,
                config.tenants,
                options,
            )
            .with_context(|| format!("cannot use the data directory {}", options.dir.display()))?,
        });
        let metrics = Arc::new(Metrics::default());
        let control = Control::service(
            Arc::clone(&registry),
            ControlOptions {
                admin_token: admin_token(&config),
                vendors: VENDOR_PATHS.to_vec(),
                tenant_options: &TENANT_OPTIONS,
                summary: config.summary(),
                formats: formats(),
                metrics: Arc::clone(&metrics),
                max_import_bytes: config.max_import_bytes,
            },
        );
        let tenancy = Tenancy {
            default: Arc::clone(registry.default_tenant().facades()),
            global: Arc::new(PrefixTable::new(Arc::new(Unclaimed)).facade(control)),
            directory: Arc::clone(&registry) as Arc<dyn TenantDirectory>,
            host_suffix: config.tenant_host_suffix.clone().map(Arc::from),
        };
        let pipeline = Pipeline::with_metrics(tenancy, config.request, metrics);
        let idle = config
            .tenants
            .idle_ttl
            .map(|ttl| tokio::spawn(remove_idle_tenants(Arc::clone(&registry), ttl)));

        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(
            listener,
            pipeline,
            config.connections,
            async {
                let _ = rx.await;
            },
        ));
        tracing::info!(%addr, "deskbridge is listening");
        Ok(AppHandle {
            addr,
            store,
            registry,
            shutdown: Some(tx),
            task,
            idle,
        })
    }
}

/// Each vendor API's base path, for the base URLs the control plane shows a tenant with.
const VENDOR_PATHS: [(&str, &str); 4] = [
    ("zopim", "/api/v2/chat"),
    ("rocketchat", "/api/v1"),
    ("zendesk", ""),
    ("support", "/api/v2"),
];

/// The options a tenant may have of its own (`POST /_gateway/tenants` with `"options"`), each
/// with the values it takes; an option a tenant does not set takes the gateway's flag.
pub const TENANT_OPTIONS: [(&str, &[&str]); 2] = [
    ("zopim_enabled", &["integer", "boolean"]),
    ("rocketchat_edition", &["community", "enterprise"]),
];

/// A tenant's facades: [`facades`] with the tenant's own options over the gateway's flags. The
/// options were checked against [`TENANT_OPTIONS`] when the tenant was made.
fn tenant_facades(
    store: Store,
    options: &TenantOptions,
    mut zopim: ZopimOptions,
    mut rocketchat: RocketchatOptions,
) -> PrefixTable {
    match options.get("zopim_enabled").map(String::as_str) {
        Some("integer") => zopim.enabled = EnabledFormat::Integer,
        Some("boolean") => zopim.enabled = EnabledFormat::Boolean,
        _ => {}
    }
    match options.get("rocketchat_edition").map(String::as_str) {
        Some("community") => rocketchat.edition = Edition::Community,
        Some("enterprise") => rocketchat.edition = Edition::Enterprise,
        _ => {}
    }
    facades(store, zopim, rocketchat)
}

/// Every vendor facade over `store` (one tenant's), by the path prefixes each claims; a path
/// none claims is answered in the gateway's own shape.
pub fn facades(store: Store, zopim: ZopimOptions, rocketchat: RocketchatOptions) -> PrefixTable {
    // One memory of verified passwords for every Basic front door over this store.
    let passwords = Arc::new(VerifiedPasswords::default());
    PrefixTable::new(Arc::new(Unclaimed))
        .facade(Zendesk::with_passwords(
            store.clone(),
            Arc::clone(&passwords),
        ))
        .facade(Zopim::with_passwords(
            store.clone(),
            zopim,
            Arc::clone(&passwords),
        ))
        .facade(Support::with_passwords(store.clone(), passwords))
        .facade(Cors::wrap(
            Livechat::service(store.clone(), rocketchat.livechat_dir.clone()),
            store.clone(),
        ))
        .facade(Cors::wrap(
            Rocketchat::service(store.clone(), rocketchat),
            store,
        ))
}

/// Every export format: the canonical one and each vendor's, kept with its facade
/// (docs/migration.md). The command line and the control plane read and write through these.
pub fn formats() -> crate::migration::Formats {
    use crate::facades::{rocketchat, support, zendesk, zopim};
    crate::migration::Formats::new(vec![
        Arc::new(crate::migration::Canonical),
        Arc::new(zopim::export_format::ZopimFormat),
        Arc::new(rocketchat::export_format::RocketchatFormat),
        Arc::new(zendesk::export_format::ZendeskXmlFormat),
        Arc::new(support::export_format::SupportFormat),
    ])
}

/// The control plane's token: the one given, or, when the gateway listens beyond loopback and
/// none was given, one made now and logged once (as Jupyter does), so that the control plane is
/// never open to the network by accident.
fn admin_token(config: &Config) -> Option<String> {
    if config.admin_token.is_some() || config.listen.ip().is_loopback() {
        return config.admin_token.clone();
    }
    let token: String = hex::encode(rand::random::<[u8; 16]>());
    tracing::warn!(
        admin_token = %token,
        "listening beyond loopback without --admin-token: the control plane (/_gateway/) needs \
         Authorization: Bearer <this token>"
    );
    Some(token)
}

/// Removes tenants no request chose for `ttl`, checking a few times per `ttl`.
async fn remove_idle_tenants(registry: Arc<Registry>, ttl: std::time::Duration) {
    let period = (ttl / 4).clamp(
        std::time::Duration::from_millis(100),
        std::time::Duration::from_secs(60),
    );
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        let before =
            Timestamp::from_unix_millis(Timestamp::now().unix_millis() - ttl.as_millis() as i64);
        for name in registry.remove_idle(before).await {
            tracing::info!(tenant = %name, "idle tenant removed");
        }
    }
}

/// Opens the data directory; `seed` runs only when it holds no state yet.
fn open_durable(
    options: &persist::Options,
    seed: impl FnOnce() -> anyhow::Result<State>,
) -> anyhow::Result<Store> {
    persist::open(options, seed)
        .with_context(|| format!("cannot use the data directory {}", options.dir.display()))
}

fn load_state(source: &FixtureSource) -> anyhow::Result<State> {
    let started = std::time::Instant::now();
    let (text, origin) = match source {
        FixtureSource::Embedded => (
            crate::fixtures::DEFAULT.to_owned(),
            "the embedded default".to_owned(),
        ),
        FixtureSource::File(path) => (
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read fixtures {}", path.display()))?,
            path.display().to_string(),
        ),
    };
    let read = started.elapsed();
    let file = FixtureFile::parse(&text, Timestamp::now())
        .with_context(|| format!("cannot load {origin}"))?;
    // Nothing borrows the text any more: its pages go back before the state is built.
    drop(text);
    let parsed = started.elapsed();
    let state = file
        .into_state()
        .with_context(|| format!("cannot load {origin}"))?;
    tracing::debug!(
        read_ms = read.as_millis() as u64,
        parse_ms = (parsed - read).as_millis() as u64,
        build_ms = (started.elapsed() - parsed).as_millis() as u64,
        "start-up phases"
    );
    tracing::info!(
        departments = state.department_count(),
        origin,
        "fixtures loaded"
    );
    Ok(state)
}

impl AppHandle {
    /// The address the gateway listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The default tenant's store, for checks from outside (invariants in tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Every tenant, for checks from outside.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Stops accepting, waits for in-flight requests, flushes every tenant's journal (with
    /// `--data-dir`), and returns when the server has stopped.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        if let Some(idle) = self.idle.take() {
            idle.abort();
        }
        self.registry.close().await;
        self.store.close().await;
    }
}
