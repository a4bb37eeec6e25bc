//! The baseline: the least an HTTP server on hyper can do per request. It answers every request
//! with the same status, headers and body bytes, so a scenario's baseline sends exactly what
//! the gateway sends and the ratio between the two is the cost of the gateway's own work.
//!
//! It is built like the gateway where that matters to speed (tokio's multi-thread runtime with
//! one worker per core, hyper 1 HTTP/1.1 with keep-alive, `TCP_NODELAY`), and like nothing else:
//! no routing, no limits, no logging.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// What the baseline answers, and for how long it may run.
#[derive(Debug, Clone, clap::Args)]
pub struct BaselineArgs {
    /// Address to listen on (loopback only in the benchmark).
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// File whose bytes are the body of every response.
    #[arg(long, conflicts_with = "size")]
    pub body_file: Option<PathBuf>,
    /// A body of this many `x` bytes instead of a file.
    #[arg(long)]
    pub size: Option<usize>,
    /// The `Content-Type` of every response.
    #[arg(long, default_value = "application/json")]
    pub content_type: String,
    /// Another header of every response, as `name: value` (repeatable): the scenario's answer
    /// carries the same headers as the gateway's.
    #[arg(long = "header", value_parser = parse_header)]
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The status of every response.
    #[arg(long, default_value_t = 200)]
    pub status: u16,
    /// The process exits by itself after this many seconds, so a driver that dies cannot leave
    /// it running for ever.
    #[arg(long, default_value_t = 3600)]
    pub max_seconds: u64,
}

fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not `name: value`"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|e| e.to_string())?;
    let value = HeaderValue::from_str(value.trim()).map_err(|e| e.to_string())?;
    Ok((name, value))
}

/// Serves until `max_seconds` have passed (or the process is killed).
pub fn run(args: BaselineArgs) -> anyhow::Result<()> {
    let body = match (&args.body_file, args.size) {
        (Some(path), _) => {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
        }
        (None, Some(size)) => vec![b'x'; size],
        (None, None) => anyhow::bail!("give --body-file or --size"),
    };
    let status = StatusCode::from_u16(args.status).context("--status")?;
    let content_type = HeaderValue::from_str(&args.content_type).context("--content-type")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let headers: Arc<[(HeaderName, HeaderValue)]> =
            std::iter::once((CONTENT_TYPE, content_type))
                .chain(args.headers)
                .collect();
        let serve = accept_loop(listener, Bytes::from(body), status, headers);
        // Running out of time is the normal way out when nobody kills the process first.
        let _ = tokio::time::timeout(Duration::from_secs(args.max_seconds), serve).await;
        Ok(())
    })
}

async fn accept_loop(
    listener: TcpListener,
    body: Bytes,
    status: StatusCode,
    headers: Arc<[(HeaderName, HeaderValue)]>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // EMFILE or a reset before accept: as the gateway does, back off and go on.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (body, headers) = (body.clone(), headers.clone());
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let (body, headers) = (body.clone(), headers.clone());
            async move {
                // A PUT's body is read in full, as the gateway must, so that both servers do the
                // same socket work and keep-alive continues after a body.
                let _ = request.into_body().collect().await;
                let mut response = Response::new(Full::new(body));
                *response.status_mut() = status;
                // Header by header, as the gateway's handlers build their answers.
                let out = response.headers_mut();
                for (name, value) in headers.iter() {
                    out.insert(name.clone(), value.clone());
                }
                Ok::<_, Infallible>(response)
            }
        });
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
