//! The livechat widget's side of a Rocket.Chat server (docs/widget.md): the built widget under
//! `/livechat` (`files.rs`), its realtime connection at `/websocket` (DDP, `ddp.rs`), and the
//! visitor routes it calls under `/api/v1/livechat/` (`visitor.rs`: register and read a visitor,
//! page visits, the offline form, custom fields), with their errors (`error.rs`).
//!
//! A facade of its own beside [`Rocketchat`](super::Rocketchat): the prefix table gives it these
//! paths (its claims are longer than `/api/v1/`), so the department routes are untouched. Live
//! chat itself (rooms, messages, agents answering) is not emulated.

mod ddp;
mod error;
mod files;
mod sound;
mod visitor;

pub(crate) use visitor::find_guest;

use std::path::Path;
use std::sync::Arc;

use http::Method;

use super::error::RcError;
use crate::http::{Answer, Facade, LayerError, Request, Response};
use crate::model::Store;

/// The widget's facade over one tenant's store.
pub struct Livechat {
    context: Arc<Context>,
}

/// What the widget's handlers share.
pub(crate) struct Context {
    store: Store,
    /// The widget's build folder, if the gateway was given one.
    dir: Option<Arc<Path>>,
}

impl Livechat {
    /// The facade over `store`, serving the widget from `dir` when given.
    pub fn service(store: Store, dir: Option<Arc<Path>>) -> Arc<dyn Facade> {
        Arc::new(Livechat {
            context: Arc::new(Context { store, dir }),
        })
    }
}

/// The REST routes under `/api/v1` this facade answers, by path below the prefix.
const REST: &str = "/api/v1/livechat/";

impl Facade for Livechat {
    fn name(&self) -> &'static str {
        "rocketchat-livechat"
    }

    fn claims(&self) -> &'static [&'static str] {
        &[
            "/livechat",
            "/websocket",
            "/api/v1/livechat/visitor",
            "/api/v1/livechat/page.visited",
            "/api/v1/livechat/offline.message",
            "/sounds/",
        ]
    }

    fn handle(&self, request: Request) -> Answer {
        let path = request.uri().path().to_owned();
        if path == "/websocket" {
            return Answer::Now(ddp::upgrade(&self.context, request));
        }
        if let Some(rest) = path.strip_prefix(REST) {
            return visitor::dispatch(&self.context, rest, request);
        }
        if path == "/livechat" || path.starts_with("/livechat/") {
            return files::serve(&self.context, request);
        }
        if path.starts_with("/sounds/") {
            return Answer::Now(sound::serve(&request));
        }
        Answer::Now(self.rescue(&LayerError::NotFound))
    }

    /// Rocket.Chat's shapes: its REST errors for the API paths, a plain 404 for files.
    fn rescue(&self, error: &LayerError) -> Response {
        RcError::Layer(error.clone()).into_response()
    }
}

/// Methods a route takes, for a 405's `Allow`.
fn not_allowed(allow: &[Method]) -> Response {
    RcError::Layer(LayerError::MethodNotAllowed {
        allow: allow.to_vec(),
    })
    .into_response()
}
