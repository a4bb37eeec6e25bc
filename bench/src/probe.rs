//! One HTTP/1.1 request over a plain socket, for the few requests the driver makes itself: the
//! health check while a server starts, and the capture of a scenario's real response. A hand-made
//! client keeps the package small; it reads `Content-Length` and chunked bodies, which is all
//! hyper sends.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context, bail};

/// A response as received.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    /// Every other header the server chose to send, in order: not `Content-Type`, nor what hyper
    /// writes for any answer (`Content-Length`, `Transfer-Encoding`, `Date`, `Connection`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Sends one request with `Connection: close` and reads the whole response within `timeout`.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    timeout: Duration,
) -> anyhow::Result<Reply> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(head(addr, method, path, headers, body).as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse(&raw)
}

/// The request's bytes: `Host` is `addr` unless `headers` has one (a tenant named by host).
fn head(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    head.push_str(body.unwrap_or(""));
    head
}

fn parse(raw: &[u8]) -> anyhow::Result<Reply> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of the response head")?;
    let head = std::str::from_utf8(&raw[..end]).context("response head is not UTF-8")?;
    let rest = &raw[end + 4..];
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .context("no status line")?;
    let (mut content_type, mut length, mut chunked) = (None, None, false);
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-type" => content_type = Some(value.to_owned()),
            "content-length" => length = value.parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "date" | "connection" => {}
            _ => headers.push((name.to_owned(), value.to_owned())),
        }
    }
    let body = match (chunked, length) {
        (true, _) => dechunk(rest)?,
        (false, Some(n)) if rest.len() >= n => rest[..n].to_vec(),
        (false, Some(n)) => bail!("body cut short: {} of {n} bytes", rest.len()),
        (false, None) => rest.to_vec(),
    };
    Ok(Reply {
        status,
        content_type,
        headers,
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("chunk size line")?;
        let size_text = std::str::from_utf8(&rest[..line_end])?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        anyhow::ensure!(rest.len() >= size + 2, "chunk cut short");
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sized_and_chunked_bodies() {
        let sized = parse(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
        )
        .unwrap();
        assert_eq!(
            (sized.status, sized.content_type.as_deref(), &sized.body[..]),
            (200, Some("application/json"), &b"{}"[..])
        );
        let chunked =
            parse(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n")
                .unwrap();
        assert_eq!((chunked.status, &chunked.body[..]), (201, &b"abcd"[..]));
    }

    #[test]
    fn keeps_the_headers_the_server_chose() {
        let reply = parse(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: no-store\r\n\
              pragma: no-cache\r\ncontent-length: 2\r\ndate: Fri, 04 Dec 2026 12:35:31 GMT\r\n\r\n{}",
        )
        .unwrap();
        let headers: Vec<(&str, &str)> = reply
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            headers,
            [("cache-control", "no-store"), ("pragma", "no-cache")]
        );
    }

    #[test]
    fn the_host_is_the_address_unless_the_caller_gives_one() {
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let plain = head(addr, "GET", "/x", &[], None);
        assert_eq!(
            plain,
            "GET /x HTTP/1.1\r\nConnection: close\r\nHost: 127.0.0.1:8080\r\n\r\n"
        );
        let named = [("Host".to_owned(), "acme.localhost:8080".to_owned())];
        let tenant = head(addr, "POST", "/x", &named, Some("{}"));
        assert_eq!(
            tenant,
            "POST /x HTTP/1.1\r\nConnection: close\r\nHost: acme.localhost:8080\r\nContent-Length: 2\r\n\r\n{}"
        );
    }
}
