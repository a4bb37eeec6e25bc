//! The command line's side of the control plane: an export sent to
//! `POST /_gateway/tenants/{name}/import` and fetched from `GET .../export`, over reqwest (the
//! HTTP client the tests already use).

use crate::config::GatewayArgs;

type Result<T> = std::result::Result<T, String>;

/// `http://HOST:PORT/t/NAME` -> (`http://HOST:PORT`, `NAME`); a bare `http://HOST:PORT` is the
/// default tenant. `None` for what is not an http(s) URL.
pub fn tenant_url(spec: &str) -> Option<(String, String)> {
    let rest = spec
        .strip_prefix("http://")
        .or_else(|| spec.strip_prefix("https://"))?;
    let scheme = &spec[..spec.len() - rest.len()];
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let tenant = path
        .strip_prefix("t/")
        .map(|t| t.trim_end_matches('/').to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "default".to_owned());
    Some((format!("{scheme}{host}"), tenant))
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

fn authorized(request: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::RequestBuilder {
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

/// The gateway's answer, or its error body as the message.
async fn answer(
    response: std::result::Result<reqwest::Response, reqwest::Error>,
    what: &str,
) -> Result<bytes::Bytes> {
    let response = response.map_err(|e| format!("{what}: {e}"))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| format!("{what}: {e}"))?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!(
            "{what}: {status}: {}",
            String::from_utf8_lossy(&body)
        ))
    }
}

pub async fn import(gateway: &GatewayArgs, format: &str, zip: Vec<u8>) -> Result<String> {
    let url = format!(
        "{}/_gateway/tenants/{}/import?format={format}",
        gateway.gateway.trim_end_matches('/'),
        gateway.tenant
    );
    let request = authorized(client().post(&url), gateway.admin_token.as_deref())
        .header("content-type", "application/zip")
        .body(zip);
    let body = answer(request.send().await, &url).await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

pub async fn export(
    base: &str,
    tenant: &str,
    token: Option<&str>,
    format: &str,
) -> Result<Vec<u8>> {
    let url = format!(
        "{}/_gateway/tenants/{tenant}/export?format={format}",
        base.trim_end_matches('/')
    );
    let body = answer(authorized(client().get(&url), token).send().await, &url).await?;
    Ok(body.to_vec())
}
