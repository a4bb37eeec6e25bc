//! Tenant selection: which tenant's facades answer the request, chosen once, in this order:
//!
//! 1. a path prefix `/t/{tenant}` before the vendor path, which is taken off the path (the facade
//!    learns it from the request's body, [`Body::mount`](crate::http::Body::mount), to keep it in
//!    every URL it writes back);
//! 2. the header `X-Deskbridge-Tenant`;
//! 3. the host: the first label of a `Host` whose other labels are `localhost` or the configured
//!    suffix (`acme.localhost:8080`).
//!
//! A request that names no tenant goes to the default one, whose facades the layer holds itself:
//! the common case takes no look-up and no reference count. A connection keeps the tenant it
//! last asked for, so its next request for the same one takes no look-up either; a tenant that
//! was deleted since is retired ([`TenantTable::retire`]) and looked up again. A named tenant that does not exist is
//! answered with a 404 in the shape of the vendor whose path was asked, and goes no further.
//! A path that a global facade claims (the control plane's `/_gateway/`, which names tenants in
//! its own paths) is the global table's, whatever tenant the request names.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::task::{Context, Poll};

use bytes::{BufMut, BytesMut};
use http::header::HOST;
use http::uri::PathAndQuery;

use super::{AnswerService, Answered, Arrived, Tenanted, always_ready, answered};
use crate::http::{Answer, LayerError, PrefixTable, TenantWatch};

/// The header that names a tenant.
pub const TENANT_HEADER: http::HeaderName = http::HeaderName::from_static("x-deskbridge-tenant");

/// A tenant's facades as the tenant layer holds them, with the mark its deletion leaves and,
/// when the registry removes idle tenants, when a request last chose it.
pub struct TenantTable {
    facades: PrefixTable,
    /// Its request journal and faults.
    watch: TenantWatch,
    retired: AtomicBool,
    /// Whether [`TenantTable::chosen`] notes the time: without an idle limit no request pays
    /// for a store to a line every core shares.
    tracked: bool,
    /// Milliseconds since the epoch.
    last_chosen: AtomicI64,
}

impl TenantTable {
    /// `tracked`: whether requests note when they chose the tenant.
    pub fn new(facades: PrefixTable, tracked: bool) -> Self {
        Self::watched(facades, tracked, TenantWatch::off())
    }

    /// As [`TenantTable::new`], with the tenant's journal and faults.
    pub fn watched(facades: PrefixTable, tracked: bool, watch: TenantWatch) -> Self {
        Self {
            facades,
            watch,
            retired: AtomicBool::new(false),
            tracked,
            last_chosen: AtomicI64::new(crate::model::Timestamp::now().unix_millis()),
        }
    }

    /// A request that arrived at `at_unix_ms` chose the tenant (found in the registry, or kept
    /// by its connection).
    pub fn chosen(&self, at_unix_ms: i64) {
        if self.tracked {
            self.last_chosen.store(at_unix_ms, Ordering::Relaxed);
        }
    }

    /// When a request last chose the tenant (or it was made), in milliseconds since the epoch.
    pub fn last_chosen_ms(&self) -> i64 {
        self.last_chosen.load(Ordering::Relaxed)
    }

    pub fn facades(&self) -> &PrefixTable {
        &self.facades
    }

    /// The tenant's request journal and faults.
    pub fn watch(&self) -> &TenantWatch {
        &self.watch
    }

    /// The tenant is gone: no connection that kept it may send it another request.
    pub fn retire(&self) {
        self.retired.store(true, Ordering::Release);
    }

    fn is_retired(&self) -> bool {
        self.retired.load(Ordering::Acquire)
    }
}

/// What the tenant layer asks of the registry, which `http` does not know.
pub trait TenantDirectory: Send + Sync + 'static {
    /// The facades of the tenant named `name`, if it exists.
    fn facades(&self, name: &str) -> Option<Arc<TenantTable>>;
}

/// A directory of no tenant but the default one.
pub struct NoTenants;

impl TenantDirectory for NoTenants {
    fn facades(&self, _: &str) -> Option<Arc<TenantTable>> {
        None
    }
}

/// How tenants are told apart.
#[derive(Clone)]
pub struct Tenancy {
    /// The default tenant's facades.
    pub default: Arc<TenantTable>,
    /// Facades outside every tenant (the control plane, which names tenants in its own paths):
    /// a path one of them claims is theirs whatever tenant the request names.
    pub global: Arc<PrefixTable>,
    pub directory: Arc<dyn TenantDirectory>,
    /// A host suffix besides `localhost` under which the first label names the tenant
    /// (`zendesk.test` makes `acme.zendesk.test` the tenant `acme`).
    pub host_suffix: Option<Arc<str>>,
}

impl Tenancy {
    /// One tenant: every request goes to `facades`.
    pub fn single(facades: PrefixTable) -> Self {
        let fallback = Arc::clone(facades.fallback());
        Self {
            default: Arc::new(TenantTable::new(facades, false)),
            global: Arc::new(PrefixTable::new(fallback)),
            directory: Arc::new(NoTenants),
            host_suffix: None,
        }
    }
}

/// Chooses each request's tenant.
#[derive(Clone)]
pub struct TenantLayer {
    tenancy: Tenancy,
}

impl TenantLayer {
    pub fn new(tenancy: Tenancy) -> Self {
        Self { tenancy }
    }
}

impl<S> tower::Layer<S> for TenantLayer {
    type Service = Tenant<S>;

    fn layer(&self, inner: S) -> Tenant<S> {
        Tenant {
            tenancy: self.tenancy.clone(),
            recent: None,
            inner,
        }
    }
}

/// The service [`TenantLayer`] makes; the server keeps one per connection.
#[derive(Clone)]
pub struct Tenant<S> {
    tenancy: Tenancy,
    /// The tenant this connection last named. callgrind, Zopim GET one in a named tenant: the
    /// registry's look-up and the reference count it takes cost about 350 instructions a request.
    recent: Option<Recent>,
    inner: S,
}

/// A tenant a connection named, and the mount its path prefix gives.
#[derive(Clone)]
struct Recent {
    name: Box<str>,
    table: Arc<TenantTable>,
    /// `/t/{name}`, made once.
    mount: Arc<str>,
}

/// How a request named its tenant.
#[derive(Clone, Copy)]
enum Named<'r> {
    /// By path: the name, and the path without `/t/{name}`.
    Path(&'r str, &'r str),
    /// By header or host.
    Elsewhere(&'r str),
}

impl<'c, B, S> tower::Service<Arrived<'c, B>> for Tenant<S>
where
    S: for<'t> AnswerService<Tenanted<'t, B>>,
{
    type Response = Answer;
    type Error = std::convert::Infallible;
    type Future = Answered;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        always_ready()
    }

    fn call(&mut self, Arrived { clock, mut request }: Arrived<'c, B>) -> Answered {
        let Tenant {
            tenancy,
            recent,
            inner,
        } = self;
        if tenancy.global.claimant(request.uri().path()).is_some() {
            return answered(inner.answer(Tenanted {
                facades: &tenancy.global,
                watch: None,
                mount: None,
                clock,
                request,
            }));
        }
        let Some(named) = named(&request, tenancy.host_suffix.as_deref()) else {
            return answered(inner.answer(Tenanted {
                facades: tenancy.default.facades(),
                watch: Some(tenancy.default.watch()),
                mount: None,
                clock,
                request,
            }));
        };
        let (name, path) = match named {
            Named::Path(name, rest) => (name, rest),
            Named::Elsewhere(name) => (name, request.uri().path()),
        };
        let kept = recent
            .as_ref()
            .is_some_and(|r| *r.name == *name && !r.table.is_retired());
        if !kept {
            let Some(table) = tenancy.directory.facades(name) else {
                let facade = tenancy.default.facades().facade_for(path);
                return answered(facade.rescue(&LayerError::NotFound).into());
            };
            *recent = Some(Recent {
                name: name.into(),
                table,
                mount: format!("/t/{name}").into(),
            });
        }
        let Some(tenant) = recent.as_ref() else {
            unreachable!("kept, or just looked up")
        };
        tenant.table.chosen(clock.arrived_unix_ms());
        let mount = match named {
            Named::Path(_, rest) => {
                let Some(unmounted) = without_mount(request.uri(), rest) else {
                    let facade = tenancy.default.facades().facade_for(rest);
                    return answered(facade.rescue(&LayerError::NotFound).into());
                };
                *request.uri_mut() = unmounted;
                Some(Arc::clone(&tenant.mount))
            }
            Named::Elsewhere(_) => None,
        };
        answered(inner.answer(Tenanted {
            facades: tenant.table.facades(),
            watch: Some(tenant.table.watch()),
            mount,
            clock,
            request,
        }))
    }
}

/// The tenant a request names, if it names one.
fn named<'r, B>(request: &'r http::Request<B>, host_suffix: Option<&str>) -> Option<Named<'r>> {
    let path = request.uri().path();
    if let Some(rest) = path.strip_prefix("/t/") {
        let slash = memchr_slash(rest.as_bytes()).unwrap_or(rest.len());
        let (name, rest) = rest.split_at(slash);
        return Some(Named::Path(name, rest));
    }
    if let Some(value) = tenant_header(request.headers()) {
        // A value that is no text names no tenant that exists: a 404, as for an unknown name.
        return Some(Named::Elsewhere(value.to_str().unwrap_or("")));
    }
    let host = request.headers().get(HOST)?.as_bytes();
    host_tenant(host, host_suffix).map(Named::Elsewhere)
}

/// The `X-Deskbridge-Tenant` header, found by walking the few headers a request has rather
/// than by hashing the name for a look-up: callgrind, Zopim GET one, about 200 instructions a
/// request less (a request rarely has more than a dozen headers; a name of another length is
/// passed over after one comparison).
fn tenant_header(headers: &http::HeaderMap) -> Option<&http::HeaderValue> {
    headers
        .iter()
        .find(|(name, _)| {
            name.as_str().len() == TENANT_HEADER.as_str().len() && **name == TENANT_HEADER
        })
        .map(|(_, value)| value)
}

/// Where the first `/` is: a byte loop, since a tenant name is short and `str::find` with a
/// `char` pattern runs a searcher (callgrind: 144 instructions a request for it).
fn memchr_slash(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'/')
}

/// The tenant named by `host` (`acme.localhost:8080` names `acme`), if it names one. Read as
/// bytes from the end, so that the common hosts (`localhost:8080`, `127.0.0.1:8080`) are turned
/// down after a few comparisons: callgrind, Zopim GET one, 200 instructions a request less than
/// splitting the text at `:` and `.`.
fn host_tenant<'h>(host: &'h [u8], suffix: Option<&str>) -> Option<&'h str> {
    // Without the port (an IPv6 literal, `[::1]:8080`, ends in `]` and names no tenant).
    let digits = host.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let name = match host.len().checked_sub(digits + 1) {
        Some(colon) if host[colon] == b':' => &host[..colon],
        _ => host,
    };
    let name = name.strip_suffix(b".").unwrap_or(name);
    let first = under(name, b"localhost")
        .or_else(|| suffix.and_then(|suffix| under(name, suffix.as_bytes())))?;
    // The other labels must be exactly the suffix: `a.b.localhost` names no tenant.
    if first.is_empty() || first.contains(&b'.') {
        return None;
    }
    std::str::from_utf8(first).ok()
}

/// What comes before `.{domain}` at the end of `name`, compared without regard to ASCII case.
fn under<'n>(name: &'n [u8], domain: &[u8]) -> Option<&'n [u8]> {
    let split = name.len().checked_sub(domain.len() + 1)?;
    let (first, tail) = name.split_at(split);
    (tail[0] == b'.' && tail[1..].eq_ignore_ascii_case(domain)).then_some(first)
}

/// The request's URI with `rest` (the path after `/t/{name}`) as its path, the query kept; `None`
/// when no path is left to ask for.
fn without_mount(uri: &http::Uri, rest: &str) -> Option<http::Uri> {
    if rest.is_empty() {
        return None;
    }
    let query = uri.query();
    let mut bytes = BytesMut::with_capacity(rest.len() + query.map_or(0, |q| q.len() + 1));
    bytes.put_slice(rest.as_bytes());
    if let Some(query) = query {
        bytes.put_u8(b'?');
        bytes.put_slice(query.as_bytes());
    }
    let path_and_query = PathAndQuery::from_maybe_shared(bytes.freeze()).ok()?;
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(path_and_query);
    http::Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_names_a_tenant_only_under_localhost_or_the_suffix() {
        for (host, suffix, tenant) in [
            ("acme.localhost:8080", None, Some("acme")),
            ("acme.localhost", None, Some("acme")),
            ("acme.LOCALHOST.", None, Some("acme")),
            ("localhost:8080", None, None),
            ("127.0.0.1:8080", None, None),
            ("[::1]:8080", None, None),
            ("acme.example.com", None, None),
            ("acme.zendesk.test", Some("zendesk.test"), Some("acme")),
            ("acme.other.zendesk.test", Some("zendesk.test"), None),
            ("a.b.localhost", None, None),
            (".localhost", None, None),
            ("localhost.", None, None),
            ("acme.localhost:", None, Some("acme")),
            ("acme.localhost:x80", None, None),
            ("zendesk.test", Some("zendesk.test"), None),
        ] {
            assert_eq!(
                host_tenant(host.as_bytes(), suffix),
                tenant,
                "{host} {suffix:?}"
            );
        }
    }

    #[test]
    fn the_mount_is_taken_off_the_path_and_the_query_kept() {
        let uri: http::Uri = "/t/acme/groups.xml?page=2".parse().unwrap();
        let rest = &uri.path()["/t/acme".len()..];
        assert_eq!(
            without_mount(&uri, rest).unwrap().to_string(),
            "/groups.xml?page=2"
        );
        let uri: http::Uri = "/t/acme".parse().unwrap();
        assert_eq!(without_mount(&uri, ""), None);
    }
}
