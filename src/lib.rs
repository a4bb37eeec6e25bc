//! deskbridge: one gateway that speaks several vendors' department APIs over one canonical model.
//!
//! # Layout
//!
//! - [`model`]: departments, agents, memberships and the [`model::Store`], the only mutator. No
//!   vendor names, no HTTP.
//! - [`auth`]: secrets to principals (token digests, password hashes); vendor-neutral.
//! - [`fixtures`]: the JSON file the state starts from (the embedded default or `--fixtures`).
//! - [`persist`]: with `--data-dir`, the journal every write goes to before it is acknowledged,
//!   snapshots, and recovery on start.
//! - [`http`]: the vendor-neutral server: accept loop, limits, prefix router, per-request layers,
//!   and the [`http::Facade`] trait through which each vendor answers, errors included.
//! - [`facades`]: one folder per vendor, each turning its wire format into model commands and back.
//! - [`config`], [`telemetry`], [`app`]: settings, logging, and [`app::App::spawn`], which wires it
//!   all together and binds first so tests can use port 0.
//!
//! Dependencies point down: app -> facades -> http, auth, persist -> model.

pub mod app;
pub mod auth;
pub mod config;
pub mod facades;
pub mod fixtures;
pub mod http;
pub mod model;
pub mod persist;
pub mod telemetry;
