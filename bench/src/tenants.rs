//! Issue 15's tenants, as the benchmark drives them: the control plane's requests.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::bail;

use crate::probe;

/// One control-plane request, timed from connecting to the end of the answer (a fresh loopback
/// connection, as a test's fixture makes it); anything but `expect` is an error.
pub fn control(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
    expect: u16,
) -> anyhow::Result<(Duration, probe::Reply)> {
    let started = Instant::now();
    let reply = probe::request(
        addr,
        method,
        path,
        &[("Content-Type".to_owned(), "application/json".to_owned())],
        (!body.is_empty()).then_some(body),
        Duration::from_secs(30),
    )?;
    let took = started.elapsed();
    if reply.status != expect {
        bail!(
            "{method} {path} answered {} instead of {expect}: {}",
            reply.status,
            String::from_utf8_lossy(&reply.body[..reply.body.len().min(400)])
        );
    }
    Ok((took, reply))
}
