//! The Zendesk Support API v2 facade: groups, group memberships and users as JSON under
//! `/api/v2/` (Zendesk's API reference: Groups, Group Memberships, Users, Pagination, Errors),
//! as zenpy and the other current Zendesk clients speak it.
//!
//! A group is a department of the model, with the same integer id as the Zopim department and
//! the classic group; `deleted` is the model's inactive. HTTP Basic with a password or an API
//! token, or an OAuth bearer token. Both of Zendesk's paginations, with absolute links. The
//! decisions are in `docs/support.md`, the errors in `docs/support-errors.md`.
//!
//! `/api/v2/` is the Zopim facade's (its legacy URLs); this one claims only its own collections
//! ([`CLAIMED`]), which the prefix table's longest-claim rule sends here.

mod auth;
mod common;
mod error;
pub mod export_format;
mod fault;
mod handlers;
mod jobs;
mod mapping;
mod memberships;
mod page;
mod passwords;
mod routes;
mod showcase;
mod spliced;
mod users;
mod wire;

use std::sync::Arc;

use crate::auth::verified::VerifiedPasswords;
use crate::http::cache::{BodyCache, EncodedCache};
use crate::http::{Answer, Facade, LayerError, Request, Response};
use crate::model::Store;

pub use routes::{CLAIMED, PREFIX, ROUTES};

/// What every handler needs.
pub(crate) struct Context {
    store: Store,
    routes: &'static crate::http::routing::RouteTable<routes::Action>,
    /// Basic auth sends the password with every request; this spares Argon2 on all but the first.
    passwords: Arc<VerifiedPasswords>,
    /// This tenant's last bulk jobs, for `GET /api/v2/job_statuses/{id}`.
    jobs: jobs::Jobs,
    /// Encoded bodies of `GET /api/v2/groups/{id}`, per state version, without the request's
    /// origin (`handlers::show_group`, `spliced`).
    bodies: EncodedCache,
    /// The last page of groups asked for, by path and query, per state version, without the
    /// request's origin: clients poll a list, and its page is read in turn by every host and
    /// tenant mount (`handlers::cached_page`, `spliced`).
    group_pages: BodyCache<String, Arc<spliced::Spliced>>,
    /// The last answer of `GET /api/v2/groups/{id}`, with the origin written in, per state
    /// version: a client polling one group by way of one host is answered these bytes again
    /// (`handlers::show_group`).
    last_group: BodyCache<spliced::Answered>,
}

/// Entries of [`Context::bodies`], as the other facades keep for their `GET` one.
const CACHED_BODIES: usize = 4096;

/// The Support API facade.
#[derive(Clone)]
pub struct Support {
    context: Arc<Context>,
}

impl Support {
    /// The facade over `store`, ready for the router under each of [`CLAIMED`].
    pub fn service(store: Store) -> Arc<dyn Facade> {
        Self::with_passwords(store, Arc::new(VerifiedPasswords::default()))
    }

    /// As [`Support::service`], sharing the memory of verified passwords with the other front
    /// doors that take Basic, so Argon2 runs once per password whichever one it comes in by.
    pub fn with_passwords(store: Store, passwords: Arc<VerifiedPasswords>) -> Arc<dyn Facade> {
        Arc::new(Support {
            context: Arc::new(Context {
                store,
                routes: routes::table(),
                passwords,
                jobs: jobs::Jobs::default(),
                bodies: EncodedCache::new(CACHED_BODIES),
                group_pages: BodyCache::default(),
                last_group: BodyCache::default(),
            }),
        })
    }
}

impl Facade for Support {
    fn name(&self) -> &'static str {
        "support"
    }

    fn claims(&self) -> &'static [&'static str] {
        &CLAIMED
    }

    fn handle(&self, request: Request) -> Answer {
        handlers::dispatch(&self.context, request)
            .unwrap_or_else(|e| Answer::Now(e.into_response()))
    }

    fn rescue(&self, error: &LayerError) -> Response {
        error::SupportError::Layer(error.clone()).into_response()
    }

    fn show_department(&self, id: u64, origin: &str) -> Option<crate::http::Shown> {
        showcase::department(&self.context, id, origin)
    }

    /// docs/faults.md.
    fn fault(&self, fault: &crate::http::faults::Fault) -> Response {
        fault::answer(fault)
    }
}
