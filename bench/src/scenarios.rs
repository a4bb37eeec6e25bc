//! The scenarios of issue 6: what each sends, on how many departments, and the target its ratio to
//! the baseline must reach. Requests use the generated fixture's preset credentials (one per
//! vendor), so no run logs in. Issue 15 adds the Zopim GET one inside a tenant, once per way of
//! naming it; the control plane's own costs are measured apart (`tenants.rs`), not with wrk.

use std::net::SocketAddr;

use base64_basic::encode as base64;

use crate::fixture;

/// The department every single-record scenario reads or writes: one in the middle.
pub fn middle(departments: u64) -> u64 {
    departments / 2
}

/// A target, as the issue states it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Gateway req/s at least this fraction of the baseline's, in the same round.
    VsBaseline(f64),
    /// Gateway req/s at least this fraction of the named scenario's gateway req/s.
    VsScenario(&'static str, f64),
}

/// One scenario.
pub struct Scenario {
    pub name: &'static str,
    pub title: &'static str,
    pub departments: u64,
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// Bodies sent in turn; empty for GET.
    pub bodies: Vec<String>,
    /// The answer the capture must get; anything else means the scenario measures an error.
    pub status: u16,
    /// Started with `--data-dir` (a journal with fsync): run only when the gateway has the flag.
    pub durable: bool,
    /// Sent to a tenant forked from `default` after the gateway starts, rather than to `default`.
    pub tenant: Option<InTenant>,
    pub targets: Vec<Target>,
}

/// The tenant a scenario's requests go to, and how they name it (docs/tenants.md, "Choosing a
/// tenant").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InTenant {
    pub name: &'static str,
    pub selector: Selector,
}

/// The three ways a request names its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    /// `/t/{tenant}` before the vendor path (the scenario's `path` carries it).
    Path,
    /// `X-Deskbridge-Tenant: {tenant}` (in the scenario's `headers`).
    Header,
    /// `Host: {tenant}.localhost:PORT`, added by [`Scenario::headers_for`] once the port is known.
    Host,
}

impl Scenario {
    /// The headers of a request to the server at `addr`: the scenario's own, and for a tenant
    /// named by host, `Host` (which wrk and the probe then send instead of `127.0.0.1:PORT`; for
    /// wrk, checked by hand: with the tenant not made yet, every answer under load is a 404).
    pub fn headers_for(&self, addr: SocketAddr) -> Vec<(String, String)> {
        let mut headers = self.headers.clone();
        if let Some(InTenant {
            name,
            selector: Selector::Host,
        }) = self.tenant
        {
            headers.push(("Host".into(), format!("{name}.localhost:{}", addr.port())));
        }
        headers
    }
}

fn bearer() -> Vec<(String, String)> {
    vec![(
        "Authorization".into(),
        format!("Bearer {}", fixture::BEARER_TOKEN),
    )]
}

fn rocketchat() -> Vec<(String, String)> {
    vec![
        ("X-Auth-Token".into(), fixture::SESSION_TOKEN.into()),
        ("X-User-Id".into(), fixture::ADMIN_UID.into()),
    ]
}

pub fn basic(user: &str, secret: &str) -> Vec<(String, String)> {
    let pair = format!("{user}:{secret}");
    vec![(
        "Authorization".into(),
        format!("Basic {}", base64(pair.as_bytes())),
    )]
}

fn put(departments: u64, durable: bool) -> Scenario {
    let mut headers = bearer();
    headers.push(("Content-Type".into(), "application/json".into()));
    Scenario {
        name: if durable {
            "zopim-put-fsync"
        } else {
            "zopim-put"
        },
        title: if durable {
            "Zopim PUT /departments/{id}, --data-dir (fsync)"
        } else {
            "Zopim PUT /departments/{id}, in memory"
        },
        departments,
        method: "PUT",
        path: format!("/api/v2/chat/departments/{}", middle(departments)),
        headers,
        // Same length, so every answer has the size of the captured one.
        bodies: vec![
            r#"{"description":"Benchmark description A"}"#.into(),
            r#"{"description":"Benchmark description B"}"#.into(),
        ],
        status: 200,
        durable,
        tenant: None,
        targets: vec![Target::VsBaseline(if durable { 0.2 } else { 0.5 })],
    }
}

fn get(
    name: &'static str,
    title: &'static str,
    departments: u64,
    path: String,
    headers: Vec<(String, String)>,
    targets: Vec<Target>,
) -> Scenario {
    Scenario {
        name,
        title,
        departments,
        method: "GET",
        path,
        headers,
        bodies: Vec::new(),
        status: 200,
        durable: false,
        tenant: None,
        targets,
    }
}

/// The tenant the tenant scenarios fork from `default`.
pub const TENANT: &str = "bench";

/// The Zopim GET one of `zopim-get-one`, in the tenant [`TENANT`] named by `selector`: its target
/// is the default tenant's, since choosing a tenant should cost nothing measurable (issue 15).
fn get_in_tenant(departments: u64, selector: Selector) -> Scenario {
    let path = format!("/api/v2/chat/departments/{}", middle(departments));
    let mut headers = bearer();
    let (name, title, path) = match selector {
        Selector::Path => (
            "zopim-get-one-tenant-path",
            "Zopim GET /departments/{id} in a forked tenant, by path (`/t/bench/...`)",
            format!("/t/{TENANT}{path}"),
        ),
        Selector::Header => {
            headers.push(("X-Deskbridge-Tenant".into(), TENANT.into()));
            (
                "zopim-get-one-tenant-header",
                "Zopim GET /departments/{id} in a forked tenant, by header (`X-Deskbridge-Tenant: bench`)",
                path,
            )
        }
        Selector::Host => (
            "zopim-get-one-tenant-host",
            "Zopim GET /departments/{id} in a forked tenant, by host (`Host: bench.localhost:PORT`)",
            path,
        ),
    };
    Scenario {
        tenant: Some(InTenant {
            name: TENANT,
            selector,
        }),
        ..get(
            name,
            title,
            departments,
            path,
            headers,
            vec![Target::VsBaseline(0.85)],
        )
    }
}

/// Every scenario, in the order they run and are reported.
pub fn all() -> Vec<Scenario> {
    const SMALL: u64 = 1_000;
    const LARGE: u64 = 100_000;
    let one = middle(SMALL);
    vec![
        get(
            "zopim-get-one",
            "Zopim GET /departments/{id} (Bearer)",
            SMALL,
            format!("/api/v2/chat/departments/{one}"),
            bearer(),
            vec![Target::VsBaseline(0.85)],
        ),
        get(
            "rocketchat-get-one",
            "Rocket.Chat GET /livechat/department/:_id (X-Auth-Token)",
            SMALL,
            format!(
                "/api/v1/livechat/department/{}",
                fixture::department_uid(one)
            ),
            rocketchat(),
            vec![Target::VsBaseline(0.85)],
        ),
        get(
            "zendesk-get-one",
            "Zendesk GET /groups/{id}.xml (Basic email:password)",
            SMALL,
            format!("/groups/{one}.xml"),
            basic(fixture::ADMIN_EMAIL, fixture::ADMIN_PASSWORD),
            vec![Target::VsBaseline(0.75)],
        ),
        get(
            "zendesk-get-one-token",
            "Zendesk GET /groups/{id}.xml (Basic email/token:API_TOKEN)",
            SMALL,
            format!("/groups/{one}.xml"),
            basic(
                &format!("{}/token", fixture::ADMIN_EMAIL),
                fixture::API_TOKEN,
            ),
            vec![Target::VsBaseline(0.75)],
        ),
        get(
            "zopim-list-1000",
            "Zopim GET /departments, 1 000 departments",
            SMALL,
            "/api/v2/chat/departments".into(),
            bearer(),
            vec![Target::VsBaseline(0.8)],
        ),
        get(
            "rocketchat-page-1000",
            "Rocket.Chat GET /livechat/department?count=50, 1 000 departments",
            SMALL,
            "/api/v1/livechat/department?count=50".into(),
            rocketchat(),
            Vec::new(),
        ),
        get(
            "rocketchat-page-100000",
            "Rocket.Chat GET /livechat/department?count=50, 100 000 departments",
            LARGE,
            "/api/v1/livechat/department?count=50".into(),
            rocketchat(),
            vec![Target::VsScenario("rocketchat-page-1000", 0.5)],
        ),
        get(
            "support-get-one",
            "Support GET /api/v2/groups/{id}.json (Bearer)",
            SMALL,
            format!("/api/v2/groups/{one}.json"),
            bearer(),
            vec![Target::VsBaseline(0.85)],
        ),
        get(
            "support-page-1000",
            "Support GET /api/v2/groups.json?page[size]=100, 1 000 groups",
            SMALL,
            "/api/v2/groups.json?page%5Bsize%5D=100".into(),
            bearer(),
            Vec::new(),
        ),
        get(
            "support-page-100000",
            "Support GET /api/v2/groups.json?page[size]=100, 100 000 groups",
            LARGE,
            "/api/v2/groups.json?page%5Bsize%5D=100".into(),
            bearer(),
            // Issue 17: a 100-record page at 100 000 groups costs what it costs at 1 000.
            vec![Target::VsScenario("support-page-1000", 0.85)],
        ),
        put(SMALL, false),
        put(SMALL, true),
        get_in_tenant(SMALL, Selector::Path),
        get_in_tenant(SMALL, Selector::Header),
        get_in_tenant(SMALL, Selector::Host),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tenant_scenario_names_the_tenant_its_own_way_and_only_that_way() {
        let addr: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        let all = all();
        let find = |name: &str| all.iter().find(|s| s.name == name).unwrap();
        let named = |s: &Scenario| {
            let headers = s.headers_for(addr);
            let has = |wanted: &str| headers.iter().find(|(n, _)| n == wanted).cloned();
            (
                s.path.clone(),
                has("X-Deskbridge-Tenant").map(|h| h.1),
                has("Host").map(|h| h.1),
            )
        };

        assert_eq!(
            named(find("zopim-get-one-tenant-path")),
            ("/t/bench/api/v2/chat/departments/500".into(), None, None)
        );
        assert_eq!(
            named(find("zopim-get-one-tenant-header")),
            (
                "/api/v2/chat/departments/500".into(),
                Some("bench".into()),
                None
            )
        );
        assert_eq!(
            named(find("zopim-get-one-tenant-host")),
            (
                "/api/v2/chat/departments/500".into(),
                None,
                Some("bench.localhost:4321".into())
            )
        );
        assert_eq!(
            named(find("zopim-get-one")),
            ("/api/v2/chat/departments/500".into(), None, None)
        );
        assert_eq!(
            find("zopim-get-one-tenant-host").headers[0],
            find("zopim-get-one").headers[0]
        );
    }
}

mod base64_basic {
    //! Standard base64 with padding, for a Basic header: too small a need for a dependency.

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn encodes_with_padding() {
        assert_eq!(
            encode(b"admin@example.com:admin"),
            "YWRtaW5AZXhhbXBsZS5jb206YWRtaW4="
        );
        assert_eq!(encode(b"ab"), "YWI=");
        assert_eq!(encode(b"abc"), "YWJj");
    }
}
