//! The Rocket.Chat livechat facade: departments, their agents, the few user, permission and
//! setting routes those need, and the widget's config, under `/api/v1/` (spec
//! `shared/specs/rocketchat.md`, §1-§7).
//!
//! Implemented: `login`/`logout`; department routes #1-#15 of spec §3 with every error of §3.1;
//! `livechat/users/agent` (list, add, show, remove); `livechat/agent.status`; `users.create`,
//! `users.delete`, `users.setStatus`; `method.call` for `livechat:changeLivechatStatus` and
//! `livechat:saveDepartment`; `permissions.update`/`listAll`; `settings/:_id` (GET and POST).
//! The livechat widget's files, its websocket and the visitor routes it calls are `livechat/`'s
//! (docs/widget.md), and Rocket.Chat's CORS is `cors.rs`'s. Not implemented: rooms, units,
//! monitors, business hours (their settings are stored and otherwise ignored), 2FA.
//!
//! Requests go through Rocket.Chat's order (spec §1.1): authentication (401), parameter
//! validation (400), permissions (403), then the handler. The decisions are in
//! `docs/rocketchat.md`.

mod auth;
mod check;
mod cors;
mod error;
pub mod export_format;
mod fault;
mod handlers;
mod livechat;
mod mapping;
mod permissions;
mod query;
mod routes;
mod settings;
mod showcase;
mod wire;

use std::sync::Arc;

use crate::http::cache::{BodyCache, EncodedCache};
use crate::http::{Answer, Facade, LayerError, Request, Response};
use crate::model::Store;

pub use cors::Cors;
pub use livechat::Livechat;
pub use routes::{PREFIX, ROUTES};

/// Which Rocket.Chat edition to behave like. The only difference these routes show is the
/// Community edition's one-department limit (spec §3.1 #2 step 3, #3) and the Enterprise-only
/// `livechat-monitor` role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    Community,
    Enterprise,
}

/// The facade's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RocketchatOptions {
    pub edition: Edition,
    /// The livechat widget's build folder, served at `/livechat` (`livechat/`).
    pub livechat_dir: Option<Arc<std::path::Path>>,
}

impl Default for RocketchatOptions {
    /// Enterprise: the e2e suite's department cases run only there (spec §6).
    fn default() -> Self {
        Self {
            edition: Edition::Enterprise,
            livechat_dir: None,
        }
    }
}

/// What every handler needs.
pub(crate) struct Context {
    store: Store,
    options: RocketchatOptions,
    routes: &'static crate::http::routing::RouteTable<routes::Action>,
    /// Bodies encoded once per state version.
    bodies: EncodedCache,
    /// The department list page last encoded, by route (the archived list or not) and query:
    /// clients poll the same page, and its body depends on nothing else but the state.
    department_page: BodyCache<(bool, wire::Json)>,
    /// Who holds each permission, for the current state version.
    permissions: permissions::PermissionMatrix,
}

/// Bodies the facade keeps encoded: a few thousand departments' worth (a few MiB at most).
const CACHED_BODIES: usize = 4096;

/// The kinds of body kept in the facade's [`EncodedCache`].
pub(crate) mod cached {
    /// `GET livechat/department/:_id`; the variant is 1 when agents are included.
    pub const DEPARTMENT: u32 = 1;
}

/// The Rocket.Chat facade.
#[derive(Clone)]
pub struct Rocketchat {
    context: Arc<Context>,
}

impl Rocketchat {
    /// The facade over `store`, ready for the router.
    pub fn service(store: Store, options: RocketchatOptions) -> Arc<dyn Facade> {
        Arc::new(Rocketchat {
            context: Arc::new(Context {
                store,
                options,
                routes: routes::table(),
                bodies: EncodedCache::new(CACHED_BODIES),
                department_page: BodyCache::default(),
                permissions: permissions::PermissionMatrix::default(),
            }),
        })
    }
}

impl Facade for Rocketchat {
    fn name(&self) -> &'static str {
        "rocketchat"
    }

    /// Rocket.Chat's REST API: everything under `/api/v1/` (spec rocketchat.md §0) that the
    /// classic XML facade's longer prefixes do not claim.
    fn claims(&self) -> &'static [&'static str] {
        &["/api/v1/"]
    }

    fn handle(&self, request: Request) -> Answer {
        handlers::dispatch(&self.context, request)
            .unwrap_or_else(|e| Answer::Now(e.into_response()))
    }

    fn rescue(&self, error: &LayerError) -> Response {
        error::RcError::Layer(error.clone()).into_response()
    }

    fn show_department(&self, id: u64, origin: &str) -> Option<crate::http::Shown> {
        showcase::department(&self.context, id, origin)
    }

    /// docs/faults.md.
    fn fault(&self, fault: &crate::http::faults::Fault) -> Response {
        fault::answer(fault)
    }
}
