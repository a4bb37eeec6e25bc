//! The classic Zendesk ("v1") REST API in XML and JSON: groups and users, as ActiveResource clients
//! expect them (spec `zendesk_chat_and_classic_xml.md`, part B). Served unprefixed (`/groups.xml`)
//! and under `/api/v1` (`/api/v1/groups.xml`), each route as `.xml`, `.json` and without an
//! extension, answered by `Accept` as Rails' `respond_to` did ([`format`]).
//!
//! A group is a department; a user is an agent of the model, with classic Zendesk's roles 0 (end
//! user), 2 (administrator) and 4 (agent) mapped onto the model's roles. Implemented: groups list,
//! show (agents nested as `<users>`), create, update (`<agents>` absent = unchanged, present =
//! exactly these), destroy (soft: set inactive), and a group's users; users list (`page`, `role`,
//! `query`), show, `current`, create, update, delete (deactivate). HTTP Basic with a password or an
//! API token, `X-On-Behalf-Of`, `X-Http-Method-Override`. Not implemented: tickets,
//! organizations, the HTML format, the 503 throttle. The decisions are in `docs/zendesk.md`, the
//! errors in `docs/zendesk-errors.md`.
//!
//! [`xml`] is the Rails-style typed XML reader and writer every XML body goes through; JSON bodies
//! are read into the same value tree (`wire/json.rs`), so one mapping judges both.

mod auth;
mod error;
pub mod export_format;
mod fault;
mod format;
mod handlers;
mod mapping;
mod routes;
mod showcase;
mod wire;
pub mod xml;

use std::sync::Arc;

use crate::auth::verified::VerifiedPasswords;
use crate::http::cache::EncodedCache;
use crate::http::{Answer, Facade, LayerError, Request, Response};
use crate::model::Store;

pub use handlers::PAGE_SIZE;
pub use routes::{CLAIMED, PREFIXES, ROUTES};

/// What every handler needs.
pub(crate) struct Context {
    store: Store,
    routes: &'static crate::http::routing::RouteTable<routes::Action>,
    /// Basic auth sends the password with every request; this spares Argon2 on all but the first.
    passwords: Arc<VerifiedPasswords>,
    /// Bodies encoded once per state version.
    bodies: EncodedCache,
}

/// Bodies the facade keeps encoded: a few thousand groups' worth (a few MiB at most).
const CACHED_BODIES: usize = 4096;

/// The kinds of body kept in the facade's [`EncodedCache`].
pub(crate) mod cached {
    /// `GET /groups/{id}.xml`.
    pub const GROUP: u32 = 1;
}

/// The classic Zendesk XML facade.
#[derive(Clone)]
pub struct Zendesk {
    context: Arc<Context>,
}

impl Zendesk {
    /// The facade over `store`, ready for the router under each of [`CLAIMED`].
    pub fn service(store: Store) -> Arc<dyn Facade> {
        Self::with_passwords(store, Arc::default())
    }

    /// The facade, remembering verified passwords in `passwords` (shared with Zopim's Basic).
    pub fn with_passwords(store: Store, passwords: Arc<VerifiedPasswords>) -> Arc<dyn Facade> {
        Arc::new(Zendesk {
            context: Arc::new(Context {
                store,
                routes: routes::table(),
                passwords,
                bodies: EncodedCache::new(CACHED_BODIES),
            }),
        })
    }
}

impl Facade for Zendesk {
    fn name(&self) -> &'static str {
        "zendesk"
    }

    fn claims(&self) -> &'static [&'static str] {
        &CLAIMED
    }

    fn handle(&self, request: Request) -> Answer {
        handlers::dispatch(&self.context, request)
    }

    fn rescue(&self, error: &LayerError) -> Response {
        error::ZendeskError::Layer(error.clone()).into_response()
    }

    fn show_department(&self, id: u64, origin: &str) -> Option<crate::http::Shown> {
        showcase::department(&self.context, id, origin)
    }

    /// docs/faults.md.
    fn fault(&self, fault: &crate::http::faults::Fault) -> Response {
        fault::answer(fault)
    }
}
