//! The wire: the gateway's request pipeline in process (its facades over one store, no
//! sockets), or the whole gateway over HTTP.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Vendor {
    Zopim,
    Rc,
    Xml,
}

/// An answer: status and body.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: String,
}

impl Answer {
    pub(super) fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    pub(super) fn xml(&self) -> XmlValue {
        XmlDocument::parse(self.body.as_bytes(), &Limits::default())
            .unwrap_or_else(|e| panic!("not XML ({e:?}): {:?}", self.body))
            .value
    }
}

pub(super) enum Wire {
    /// The gateway's pipeline over one store, called directly: the server's own stack of
    /// layers and facades, without the sockets.
    InProcess {
        store: Store,
        pipeline: Pipeline,
    },
    Http(TestApp),
    /// One tenant of a gateway whose other tenants other wires use, over HTTP under
    /// `/t/{name}`.
    InTenant(Arc<TestApp>, String),
}

/// The administrator's credentials for each vendor, and the vendor's body type.
pub(super) fn headers(vendor: Vendor) -> Vec<(&'static str, String)> {
    match vendor {
        Vendor::Zopim => vec![
            ("authorization", format!("Bearer {ADMIN_TOKEN}")),
            ("content-type", "application/json".into()),
        ],
        Vendor::Rc => vec![
            ("x-auth-token", SESSION.into()),
            ("x-user-id", RC_ADMIN_ID.into()),
            ("content-type", "application/json".into()),
        ],
        Vendor::Xml => vec![
            (
                "authorization",
                basic(&format!("{}/token", ZD_ADMIN.0), ZD_ADMIN_API_TOKEN),
            ),
            ("content-type", "application/xml".into()),
        ],
    }
}

pub(super) fn basic(user: &str, secret: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"));
    format!("Basic {encoded}")
}

impl Wire {
    pub(super) fn in_process() -> Self {
        let state = FixtureFile::parse(&fixtures(), Timestamp::now())
            .and_then(|f| f.into_state())
            .expect("fixtures load");
        let store = Store::new(state);
        let facades = deskbridge::app::facades(
            store.clone(),
            ZopimOptions {
                enabled: EnabledFormat::Integer,
            },
            RocketchatOptions::default(),
        );
        let limits = RequestLimits {
            max_body_bytes: 1 << 20,
            request_timeout: std::time::Duration::from_secs(30),
        };
        Wire::InProcess {
            pipeline: Pipeline::new(Tenancy::single(facades), limits),
            store,
        }
    }

    pub(super) async fn http() -> Self {
        Wire::Http(spawn_app_on(&fixtures()).await)
    }

    pub(super) async fn send(
        &self,
        vendor: Vendor,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Answer {
        match self {
            Wire::InProcess { pipeline, .. } => {
                let mut request = http::Request::builder()
                    .method(method)
                    .uri(path)
                    .header("host", "127.0.0.1");
                for (name, value) in headers(vendor) {
                    request = request.header(name, value);
                }
                let body = Full::new(Bytes::from(body.unwrap_or_default()));
                let response = pipeline
                    .clone()
                    .oneshot(request.body(body).unwrap())
                    .await
                    .unwrap_or_else(|never| match never {});
                let status = response.status().as_u16();
                let bytes = response.into_body().collect().await.unwrap().to_bytes();
                Answer {
                    status,
                    body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
                }
            }
            Wire::Http(app) => over_http(app, vendor, method, path, body).await,
            Wire::InTenant(app, tenant) => {
                over_http(app, vendor, method, &format!("/t/{tenant}{path}"), body).await
            }
        }
    }

    pub(super) async fn get(&self, vendor: Vendor, path: &str) -> Answer {
        self.send(vendor, Method::GET, path, None).await
    }

    pub(super) fn check_invariants(&self) {
        let tenant;
        let store = match self {
            Wire::InProcess { store, .. } => store,
            Wire::Http(app) => app.handle.store(),
            Wire::InTenant(app, name) => {
                tenant = app.handle.registry().get(name).expect("the tenant exists");
                tenant.store()
            }
        };
        store
            .view()
            .check_invariants()
            .expect("the store's invariants hold");
    }
}

#[track_caller]
pub(super) fn expect_status(answer: &Answer, status: u16, case: &str) {
    assert_eq!(
        answer.status, status,
        "{case}: status (body {:?})",
        answer.body
    );
}

/// `path` sent to `app` over HTTP with `vendor`'s credentials.
async fn over_http(
    app: &TestApp,
    vendor: Vendor,
    method: Method,
    path: &str,
    body: Option<String>,
) -> Answer {
    let mut request = app.client.request(method, app.url(path));
    for (name, value) in headers(vendor) {
        request = request.header(name, value);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let reply = app.send(request).await;
    Answer {
        status: reply.status.as_u16(),
        body: reply.body,
    }
}
