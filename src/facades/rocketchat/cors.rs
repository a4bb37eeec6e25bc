//! Rocket.Chat's CORS for its REST API (`apps/meteor/app/api/server/middlewares/cors.ts`, run
//! before every `/api/` route), as a wrapper around the facades that answer under `/api/v1/`:
//!
//! - off unless the setting `API_Enable_CORS` is true (its default is false), and untouched for
//!   a request that has neither `Origin` nor `Access-Control-Request-Method`;
//! - `API_CORS_Origin` `*` (the default): `Access-Control-Allow-Origin: *`;
//! - otherwise a comma-separated list of origins, compared lower-cased: a listed origin is
//!   echoed back, any other gets `403 Forbidden` with an empty body (`res.writeHead(403)`);
//! - the allowed methods and headers are Rocket.Chat's two fixed lists;
//! - a preflight (`OPTIONS`) that passes is answered `200` with no body: the middleware calls
//!   `next()` and no route takes `OPTIONS` (docs/widget.md, "CORS", says why 200).

use std::sync::Arc;

use http::{HeaderValue, Method, StatusCode, header};

use super::settings;
use crate::http::{Answer, Facade, LayerError, Request, Response, respond_empty};
use crate::model::Store;

const ALLOW_METHODS: HeaderValue = HeaderValue::from_static("GET, POST, PUT, DELETE, HEAD, PATCH");
const ALLOW_HEADERS: HeaderValue = HeaderValue::from_static(
    "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token, x-visitor-token, Authorization",
);

/// A facade with Rocket.Chat's CORS in front of it.
pub struct Cors {
    inner: Arc<dyn Facade>,
    store: Store,
}

impl Cors {
    /// `inner` behind Rocket.Chat's CORS, whose settings are read from `store`.
    pub fn wrap(inner: Arc<dyn Facade>, store: Store) -> Arc<dyn Facade> {
        Arc::new(Cors { inner, store })
    }
}

/// What the middleware decided for one request.
enum Decision {
    /// Not a CORS request, or CORS is off: the route as it is.
    Pass,
    /// Allowed, with this `Access-Control-Allow-Origin`.
    Allow(HeaderValue),
    /// An origin not on the list.
    Refuse,
}

fn decide(store: &Store, request: &Request) -> Decision {
    // The middleware sits in front of `/api/` only: the widget's files and its websocket are
    // Meteor's own handlers.
    if !request.uri().path().starts_with("/api/") {
        return Decision::Pass;
    }
    // A request that is no CORS request passes whatever the settings say: the headers are
    // looked at first, so that such a request (every one the widget's server-side peers and
    // scripts send) reads no setting.
    let headers = request.headers();
    let origin = headers.get(header::ORIGIN);
    if origin.is_none() && !headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        return Decision::Pass;
    }
    let view = store.read();
    if !settings::flag(&view, "API_Enable_CORS") {
        return Decision::Pass;
    }
    // `String(settings.get('API_CORS_Origin'))`.
    let setting = match settings::setting(&view, "API_CORS_Origin") {
        Some(serde_json::Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => "*".into(),
    };
    if setting == "*" {
        return Decision::Allow(HeaderValue::from_static("*"));
    }
    let origin_text = origin
        .and_then(|o| o.to_str().ok())
        .unwrap_or("")
        .to_lowercase();
    let listed = setting
        .trim()
        .split(',')
        .any(|o| o.trim().to_lowercase() == origin_text);
    match (listed, origin) {
        (true, Some(origin)) => Decision::Allow(origin.clone()),
        (true, None) => Decision::Allow(HeaderValue::from_static("*")),
        (false, _) => Decision::Refuse,
    }
}

fn add_headers(response: &mut Response, origin: HeaderValue) {
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS);
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
}

impl Facade for Cors {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn claims(&self) -> &'static [&'static str] {
        self.inner.claims()
    }

    fn handle(&self, request: Request) -> Answer {
        let origin = match decide(&self.store, &request) {
            Decision::Pass => return self.inner.handle(request),
            Decision::Refuse => return Answer::Now(respond_empty(StatusCode::FORBIDDEN)),
            Decision::Allow(origin) => origin,
        };
        if request.method() == Method::OPTIONS {
            let mut response = respond_empty(StatusCode::OK);
            add_headers(&mut response, origin);
            return Answer::Now(response);
        }
        match self.inner.handle(request) {
            Answer::Now(mut response) => {
                add_headers(&mut response, origin);
                Answer::Now(response)
            }
            Answer::Later(work) => Answer::later(async move {
                let mut response = work.await;
                add_headers(&mut response, origin);
                response
            }),
        }
    }

    fn rescue(&self, error: &LayerError) -> Response {
        self.inner.rescue(error)
    }

    // Every other method of the trait passes through too: a wrapper that forgot one would hide
    // what the wrapped facade does (the dashboard's view of a department, for one).
    fn show_department(&self, id: u64, origin: &str) -> Option<crate::http::Shown> {
        self.inner.show_department(id, origin)
    }

    fn fault(&self, fault: &crate::http::faults::Fault) -> Response {
        self.inner.fault(fault)
    }

    fn larger_body_limit(&self, method: &http::Method, path: &str) -> Option<usize> {
        self.inner.larger_body_limit(method, path)
    }
}
