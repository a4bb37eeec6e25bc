//! The built widget under `/livechat`, as a Rocket.Chat server serves it
//! (`apps/meteor/app/livechat/server/livechat.ts`): `/livechat` (and `/livechat/`) is the
//! widget's `index.html` with the server's address written in (`addServerUrlToIndex`:
//! `<body><script> SERVER_URL = '<root url>'; </script>`), and `/livechat/<file>` is the file of
//! the build folder by that name, its content type from its extension.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};

use super::{Context, not_allowed};
use crate::http::{Answer, Request, Response, respond};

const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

/// Answers a path under `/livechat`: refusals at once, a file once it was read, off the
/// request threads (the bundle is near a megabyte).
pub(super) fn serve(ctx: &Context, request: Request) -> Answer {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return Answer::Now(not_allowed(&[Method::GET, Method::HEAD]));
    }
    let Some(dir) = ctx.dir.clone() else {
        return Answer::Now(not_found(
            "The livechat widget is not served here: start the gateway with \
             --livechat-dir (docs/widget.md).\n",
        ));
    };
    Answer::later(async move {
        tokio::task::spawn_blocking(move || read(&dir, &request))
            .await
            .unwrap_or_else(|_| not_found("Not found\n"))
    })
}

/// The file a path under `/livechat` names, read from `dir`.
fn read(dir: &Path, request: &Request) -> Response {
    let path = request.uri().path();
    let file = path.strip_prefix("/livechat").unwrap_or_default();
    match file.trim_start_matches('/') {
        "" | "index.html" => index(dir, request),
        name => match safe_path(dir, name).and_then(|p| std::fs::read(p).ok().map(|b| (name, b))) {
            Some((name, bytes)) => {
                let kind = mime_guess::from_path(name).first_or_octet_stream();
                let mut response = respond(
                    StatusCode::OK,
                    HeaderValue::from_str(kind.essence_str())
                        .unwrap_or(HeaderValue::from_static("application/octet-stream")),
                    Bytes::from(bytes),
                );
                // Built files carry a content hash in their names; a day is what Meteor's
                // static files get.
                response.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=86400"),
                );
                response
            }
            None => not_found("Not found\n"),
        },
    }
}

/// `index.html` with `SERVER_URL` set to where the client reached this gateway (its `Host`,
/// `X-Forwarded-Proto`, and the tenant's `/t/{name}` when it came that way).
fn index(dir: &Path, request: &Request) -> Response {
    let Ok(html) = std::fs::read_to_string(dir.join("index.html")) else {
        return not_found("Not found\n");
    };
    let root = root_url(request);
    let html = html.replacen(
        "<body>",
        &format!("<body><script> SERVER_URL = '{root}'; </script>"),
        1,
    );
    respond(StatusCode::OK, HTML, html)
}

/// The gateway's root URL as this client sees it, without a trailing slash. Only characters
/// an authority holds are kept, so the value cannot break out of the script's string.
fn root_url(request: &Request) -> String {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = match headers.get("x-forwarded-proto").map(HeaderValue::as_bytes) {
        Some(b"https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}{}", request.body().mount())
}

/// `name` inside `dir`, or `None` for a name that could leave it (`..`, hidden files, `\`).
fn safe_path(dir: &Path, name: &str) -> Option<PathBuf> {
    let safe = name
        .split('/')
        .all(|part| !part.is_empty() && !part.starts_with('.') && !part.contains('\\'));
    safe.then(|| dir.join(name))
}

fn not_found(text: &'static str) -> Response {
    respond(StatusCode::NOT_FOUND, TEXT, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_could_leave_the_folder_is_refused() {
        let dir = Path::new("/srv/widget");
        assert_eq!(
            safe_path(dir, "bundle.js"),
            Some(PathBuf::from("/srv/widget/bundle.js"))
        );
        for bad in ["../etc/passwd", "a/../../b", ".hidden", "a//b", "a\\b"] {
            assert_eq!(safe_path(dir, bad), None, "{bad}");
        }
    }
}
