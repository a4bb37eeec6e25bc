//! The Zendesk Chat (Zopim) API v2 facade: departments and agents as bare JSON, under both
//! `/api/v2/` and `/api/v2/chat/` (spec `zendesk_chat_and_classic_xml.md`, part A).
//!
//! Implemented: department list, show, show by name, create, update, update by name, delete,
//! delete by name; agent list (`since_id`/`max_id`/`limit`), show, show by email, `me`, create,
//! update, update `me`, delete; the account; the built-in roles (list, show). Agents'
//! `departments` are derived from memberships and read-only. A bearer token or HTTP Basic
//! `email:password` authenticates. Not implemented: chats, bans, shortcuts, triggers, custom
//! roles and the other Chat API resources.

mod auth;
mod error;
pub mod export_format;
mod fault;
mod handlers;
mod mapping;
mod routes;
mod showcase;
mod wire;

use std::sync::Arc;

use crate::auth::verified::VerifiedPasswords;
use crate::http::cache::{BodyCache, EncodedCache};
use crate::http::{Answer, Facade, LayerError, Request, Response};
use crate::model::Store;

pub use routes::{PREFIXES, ROUTES};

/// How `enabled` flags are written (spec A2: the docs say integers, real responses had booleans).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnabledFormat {
    Integer,
    Boolean,
}

/// The facade's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZopimOptions {
    pub enabled: EnabledFormat,
}

/// Bodies the facade keeps encoded: a few thousand departments' worth (a few MiB at most).
const CACHED_BODIES: usize = 4096;

/// What every handler needs.
pub(crate) struct Context {
    store: Store,
    options: ZopimOptions,
    routes: &'static crate::http::routing::RouteTable<routes::Action>,
    /// Basic auth sends the password with every request; this spares Argon2 on all but the first.
    passwords: Arc<VerifiedPasswords>,
    /// Bodies encoded once per state version.
    bodies: EncodedCache,
    /// The department list as last encoded, so that a polling client costs a reference count
    /// rather than an encoding of every department. Its body depends on the state and the
    /// options, which are fixed for the life of the context, so its key is `()`.
    department_list: BodyCache<()>,
    /// The agent list as last encoded, by query string (its cursor).
    agent_list: BodyCache<String>,
}

/// The Zopim facade.
#[derive(Clone)]
pub struct Zopim {
    context: Arc<Context>,
}

impl Zopim {
    /// The facade over `store`, ready for the router.
    pub fn service(store: Store, options: ZopimOptions) -> Arc<dyn Facade> {
        Self::with_passwords(store, options, Arc::default())
    }

    /// The facade, remembering verified passwords in `passwords` (which another facade over the
    /// same store may share, so that a password pays Argon2 once whichever door it comes in by).
    pub fn with_passwords(
        store: Store,
        options: ZopimOptions,
        passwords: Arc<VerifiedPasswords>,
    ) -> Arc<dyn Facade> {
        Arc::new(Zopim {
            context: Arc::new(Context {
                store,
                options,
                routes: routes::table(),
                passwords,
                bodies: EncodedCache::new(CACHED_BODIES),
                department_list: BodyCache::default(),
                agent_list: BodyCache::default(),
            }),
        })
    }
}

impl Facade for Zopim {
    fn name(&self) -> &'static str {
        "zopim"
    }

    /// Both Zopim URL generations: `www.zopim.com/api/v2/` and `{sub}.zendesk.com/api/v2/chat/`.
    fn claims(&self) -> &'static [&'static str] {
        &["/api/v2/"]
    }

    fn handle(&self, request: Request) -> Answer {
        handlers::dispatch(&self.context, request)
            .unwrap_or_else(|e| Answer::Now(e.into_response()))
    }

    fn rescue(&self, error: &LayerError) -> Response {
        error::ZopimError::Layer(error.clone()).into_response()
    }

    fn show_department(&self, id: u64, origin: &str) -> Option<crate::http::Shown> {
        showcase::department(&self.context, id, origin)
    }

    /// docs/faults.md.
    fn fault(&self, fault: &crate::http::faults::Fault) -> Response {
        fault::answer(fault)
    }
}
