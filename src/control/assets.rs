//! The dashboard's files (docs/dashboard.md), embedded in the binary so it works offline: plain
//! HTML, CSS and JavaScript modules from `ui/`, no build step. Each is served with a strict
//! Content-Security-Policy: scripts and styles from this origin only, no inline script or style,
//! requests only back to the gateway.

use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use http::{HeaderValue, StatusCode};

use super::error::ControlError;
use crate::http::{LayerError, Response, respond, respond_empty};

/// Where the dashboard lives.
pub const ROOT: &str = "/_gateway/ui/";

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JSON: &str = "application/json";
const SVG: &str = "image/svg+xml";

/// Every file, by name, with its type.
const FILES: &[(&str, &str, &[u8])] = &[
    ("index.html", HTML, include_bytes!("../../ui/index.html")),
    ("style.css", CSS, include_bytes!("../../ui/style.css")),
    ("app.js", JS, include_bytes!("../../ui/app.js")),
    ("api.js", JS, include_bytes!("../../ui/api.js")),
    ("dom.js", JS, include_bytes!("../../ui/dom.js")),
    ("tenants.js", JS, include_bytes!("../../ui/tenants.js")),
    ("records.js", JS, include_bytes!("../../ui/records.js")),
    ("views.js", JS, include_bytes!("../../ui/views.js")),
    ("journal.js", JS, include_bytes!("../../ui/journal.js")),
    ("reconcile.js", JS, include_bytes!("../../ui/reconcile.js")),
    (
        "mapping.json",
        JSON,
        include_bytes!("../../ui/mapping.json"),
    ),
    ("icon.svg", SVG, include_bytes!("../../ui/icon.svg")),
];

/// Scripts, styles, images and requests from this origin only: no inline script, no inline
/// style attribute, no eval, no frame, no form posted elsewhere.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                      connect-src 'self'; base-uri 'none'; form-action 'none'; \
                      frame-ancestors 'none'";

/// The file `name`, or the gateway's 404.
pub fn serve(name: &str) -> Result<Response, ControlError> {
    let (_, kind, bytes) = FILES
        .iter()
        .find(|(file, _, _)| *file == name)
        .ok_or(ControlError::Layer(LayerError::NotFound))?;
    let mut response = respond(StatusCode::OK, HeaderValue::from_static(kind), *bytes);
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // The files change only with the binary; `no-cache` revalidates rather than serve a stale
    // page after an upgrade.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// `/_gateway/ui` to `/_gateway/ui/`, so that the page's relative module paths resolve.
pub fn redirect() -> Response {
    let mut response = respond_empty(StatusCode::PERMANENT_REDIRECT);
    response
        .headers_mut()
        .insert(LOCATION, HeaderValue::from_static(ROOT));
    response
}
