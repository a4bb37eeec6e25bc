//! The baseline: the least an HTTP server on hyper can do per request. It answers every request
//! with the same status, `Content-Type` and body bytes, so a scenario's baseline sends exactly what
//! the gateway sends and the ratio between the two is the cost of the gateway's own work.
//!
//! It is built like the gateway where that matters to speed (tokio's multi-thread runtime with
//! one worker per core, hyper 1 HTTP/1.1 with keep-alive, `TCP_NODELAY`), and like nothing else:
//! no routing, no limits, no logging.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
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
    /// The status of every response.
    #[arg(long, default_value_t = 200)]
    pub status: u16,
    /// The process exits by itself after this many seconds, so a driver that dies cannot leave
    /// it running for ever.
    #[arg(long, default_value_t = 3600)]
    pub max_seconds: u64,
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
        let serve = accept_loop(listener, Bytes::from(body), status, content_type);
        // Running out of time is the normal way out when nobody kills the process first.
        let _ = tokio::time::timeout(Duration::from_secs(args.max_seconds), serve).await;
        Ok(())
    })
}

async fn accept_loop(
    listener: TcpListener,
    body: Bytes,
    status: StatusCode,
    content_type: HeaderValue,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // EMFILE or a reset before accept: as the gateway does, back off and go on.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (body, content_type) = (body.clone(), content_type.clone());
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let (body, content_type) = (body.clone(), content_type.clone());
            async move {
                // A PUT's body is read in full, as the gateway must, so that both servers do the
                // same socket work and keep-alive continues after a body.
                let _ = request.into_body().collect().await;
                let mut response = Response::new(Full::new(body));
                *response.status_mut() = status;
                response.headers_mut().insert(CONTENT_TYPE, content_type);
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
