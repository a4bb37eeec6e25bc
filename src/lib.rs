//! deskbridge: one gateway that speaks several vendors' department APIs over one canonical model.
//!
//! # Layout
//!
//! - [`model`]: departments, agents, memberships and the [`model::Store`], the only mutator
//!   (`state`, `apply`, `load`, `replay`, `invariants`, `publish`, `commit`: one job each). No
//!   vendor names, no HTTP.
//! - [`auth`]: secrets to principals (token digests, password hashes); vendor-neutral.
//! - [`fixtures`]: the JSON file the state starts from (the embedded default or `--fixtures`),
//!   with its fast start-up path fenced in `fixtures::fast_path`, and the reverse,
//!   [`fixtures::export`]: a state written as such a file, exact on a round trip.
//! - [`persist`]: with `--data-dir`, the journal every write goes to before it is acknowledged
//!   (records, compaction into snapshots, the directory), and recovery on start.
//! - [`http`]: the vendor-neutral server: the accept loop ([`http::server`]), the one tower
//!   stack every request goes through ([`http::pipeline`], its layers in [`http::layer`], the
//!   first of which picks the tenant), the
//!   prefix table that picks a facade ([`http::prefixes`]), and the [`http::Facade`] trait
//!   through which each vendor answers, errors included.
//! - [`tenants`]: the registry of tenants (whole, isolated instances, each with its own store and
//!   facades), their snapshots, and their files with `--data-dir`.
//! - [`control`]: the control plane under `/_gateway/` (tenants, health, info), a facade with its
//!   own error shape and access rule.
//! - [`facades`]: one folder per vendor (`zopim`, `rocketchat`, `zendesk`, `support`), each turning its wire
//!   format into model commands and back, with its own exhaustive error table.
//! - [`migration`]: vendor exports in and out (the format trait and table, files from a folder
//!   or a zip, the loss report of a conversion, reconciliation); each vendor's format lives with
//!   its facade (`export_format.rs`). [`cli`]: the `convert`, `import`, `export` and
//!   `reconcile` subcommands over it.
//! - [`config`], [`telemetry`], [`app`]: settings, logging, and [`app::App::spawn`], which wires it
//!   all together and binds first so tests can use port 0.
//!
//! Dependencies point down: app -> facades -> http, auth, persist -> model. The path of a request
//! and of a write through these files: `docs/architecture.md`.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod control;
pub mod facades;
pub mod fixtures;
pub mod http;
pub mod migration;
pub mod model;
pub mod persist;
pub mod telemetry;
pub mod tenants;
