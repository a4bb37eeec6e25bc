//! Wires the gateway together: loads the starting state, builds each facade, the prefix table, the
//! pipeline and the server, and binds before returning so a caller that asked for port 0 learns the real port.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::{Config, FixtureSource};
use crate::facades::rocketchat::{Rocketchat, RocketchatOptions};
use crate::facades::zendesk::Zendesk;
use crate::facades::zopim::{Zopim, ZopimOptions};
use crate::fixtures::FixtureFile;
use crate::http::admin::Admin;
use crate::http::server;
use crate::http::{Pipeline, PrefixTable};
use crate::model::{State, Store, Timestamp};
use crate::persist;

/// The running gateway.
pub struct App;

/// A handle on a running gateway: its address, and the way to stop it.
pub struct AppHandle {
    addr: SocketAddr,
    store: Store,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl App {
    /// Loads the data (from `--data-dir` if it holds any, else from the fixtures), binds
    /// `config.listen` and starts serving in the background.
    pub async fn spawn(config: Config) -> anyhow::Result<AppHandle> {
        let store = match &config.durability {
            None => Store::new(load_state(&config.fixtures)?),
            Some(options) => open_durable(options, || load_state(&config.fixtures))?,
        };
        Self::serve(config, store).await
    }

    /// As [`App::spawn`], from a state already built (with `--data-dir`: the state an empty
    /// data directory is seeded with).
    pub async fn spawn_with_state(config: Config, state: State) -> anyhow::Result<AppHandle> {
        let store = match &config.durability {
            None => Store::new(state),
            Some(options) => open_durable(options, || anyhow::Ok(state))?,
        };
        Self::serve(config, store).await
    }

    async fn serve(config: Config, store: Store) -> anyhow::Result<AppHandle> {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;

        let pipeline = Pipeline::new(
            facades(store.clone(), config.zopim, config.rocketchat),
            config.request,
        );

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
            shutdown: Some(tx),
            task,
        })
    }
}

/// Every facade over `store`, by the path prefixes each claims; the gateway's own routes answer
/// the paths none claims.
pub fn facades(store: Store, zopim: ZopimOptions, rocketchat: RocketchatOptions) -> PrefixTable {
    PrefixTable::new(Arc::new(Admin))
        .facade(Zendesk::service(store.clone()))
        .facade(Zopim::service(store.clone(), zopim))
        .facade(Rocketchat::service(store, rocketchat))
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

    /// The store, for checks from outside (invariants in tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Stops accepting, waits for in-flight requests, flushes the journal (with `--data-dir`),
    /// and returns when the server has stopped.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        self.store.close().await;
    }
}
