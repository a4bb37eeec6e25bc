//! The test harness: `spawn_app()` starts the gateway with its own state on an ephemeral port and
//! returns clients that speak to it the way real clients do.

#![allow(dead_code)]

use deskbridge::app::{App, AppHandle};
use deskbridge::config::Config;
use deskbridge::fixtures::FixtureFile;
use deskbridge::model::Timestamp;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The default data's credentials (README).
pub const ADMIN_TOKEN: &str = "deskbridge-admin-token";
pub const AGENT_TOKEN: &str = "deskbridge-agent-token";

/// A running gateway and an HTTP client for it.
pub struct TestApp {
    pub handle: AppHandle,
    pub base: String,
    pub client: reqwest::Client,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    /// The body as JSON; panics with the body if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }
}

/// The gateway on the embedded default data.
pub async fn spawn_app() -> TestApp {
    spawn_with(Config::for_tests(), None).await
}

/// The gateway with a changed configuration.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::for_tests();
    configure(&mut config);
    spawn_with(config, None).await
}

/// The gateway on the given fixture text.
pub async fn spawn_app_on(fixtures: &str) -> TestApp {
    spawn_with(Config::for_tests(), Some(fixtures)).await
}

async fn spawn_with(config: Config, fixtures: Option<&str>) -> TestApp {
    deskbridge::telemetry::init_for_tests();
    let text = fixtures.unwrap_or(deskbridge::fixtures::DEFAULT);
    let state = FixtureFile::parse(text, Timestamp::now())
        .and_then(|f| f.into_state())
        .expect("test fixtures load");
    let handle = App::spawn_with_state(config, state)
        .await
        .expect("the gateway starts");
    let base = format!("http://{}", handle.addr());
    TestApp {
        handle,
        base,
        client: reqwest::Client::new(),
    }
}

impl TestApp {
    /// Sends a request; `token` becomes `Authorization: Bearer`, `body` is sent as JSON text.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_owned());
        }
        read(request.send().await.expect("the gateway answers")).await
    }

    /// Sends a request built by the caller.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        read(request.send().await.expect("the gateway answers")).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A Zopim client with the administrator's token, under `prefix` (`/api/v2` or `/api/v2/chat`).
    pub fn zopim(&self) -> Zopim<'_> {
        Zopim {
            app: self,
            prefix: "/api/v2/chat",
            token: Some(ADMIN_TOKEN),
        }
    }

    /// Everything a Zopim client can see, for "the state is unchanged" checks.
    pub async fn zopim_snapshot(&self) -> (Value, Value) {
        let z = self.zopim();
        let departments = z.get("/departments").await;
        let agents = z.get("/agents").await;
        assert_eq!(departments.status, StatusCode::OK);
        assert_eq!(agents.status, StatusCode::OK);
        (departments.json(), agents.json())
    }

    /// Creates tenant `name` from the gateway's fixtures through the control plane.
    pub async fn create_tenant_from_fixtures(&self, name: &str) {
        let body = serde_json::json!({"name": name, "from": {"fixtures": true}}).to_string();
        let reply = self
            .request(Method::POST, "/_gateway/tenants", None, Some(&body))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }

    /// Asserts the store's indexes agree with its records.
    pub fn assert_invariants(&self) {
        self.handle
            .store()
            .view()
            .check_invariants()
            .expect("store invariants hold");
    }
}

/// A client for the Zopim facade.
pub struct Zopim<'a> {
    app: &'a TestApp,
    pub prefix: &'static str,
    pub token: Option<&'static str>,
}

impl Zopim<'_> {
    pub fn legacy(mut self) -> Self {
        self.prefix = "/api/v2";
        self
    }

    pub fn with_agent_token(mut self) -> Self {
        self.token = Some(AGENT_TOKEN);
        self
    }

    pub fn anonymous(mut self) -> Self {
        self.token = None;
        self
    }

    /// The same client under another prefix (`/api/v2` or `/api/v2/chat`).
    pub fn at(mut self, prefix: &'static str) -> Self {
        self.prefix = prefix;
        self
    }

    /// Sends `body` as it is, with the given `Content-Type` (or none), for media type checks.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(&format!("{}{path}", self.prefix)))
            .body(body.to_owned());
        if let Some(token) = self.token {
            request = request.bearer_auth(token);
        }
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        self.app.send(request).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.app
            .request(
                Method::GET,
                &format!("{}{path}", self.prefix),
                self.token,
                None,
            )
            .await
    }

    pub async fn post(&self, path: &str, body: &str) -> Reply {
        self.app
            .request(
                Method::POST,
                &format!("{}{path}", self.prefix),
                self.token,
                Some(body),
            )
            .await
    }

    pub async fn put(&self, path: &str, body: &str) -> Reply {
        self.app
            .request(
                Method::PUT,
                &format!("{}{path}", self.prefix),
                self.token,
                Some(body),
            )
            .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.app
            .request(
                Method::DELETE,
                &format!("{}{path}", self.prefix),
                self.token,
                None,
            )
            .await
    }

    pub async fn method(&self, method: Method, path: &str, body: Option<&str>) -> Reply {
        self.app
            .request(method, &format!("{}{path}", self.prefix), self.token, body)
            .await
    }
}

async fn read(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.expect("a readable body");
    Reply {
        status,
        headers,
        body,
    }
}

// ---------------------------------------------------------------------------------------------
// Rocket.Chat (`/api/v1/`): log in like `getCredentials`, then send `X-Auth-Token` + `X-User-Id`.

/// The default data's Rocket.Chat logins (fixtures/default.json, README).
pub const RC_ADMIN: (&str, &str) = ("admin", "admin");
pub const RC_AGENT: (&str, &str) = ("agent", "agent");
/// The default admin's and agent's Rocket.Chat user ids.
pub const RC_ADMIN_ID: &str = "rbAXPnMktTFbNpwtJ";
pub const RC_AGENT_ID: &str = "Ha7kS4XbQ9mZtCfPe";

/// A Rocket.Chat client with a session.
pub struct Rc<'a> {
    pub app: &'a TestApp,
    pub token: String,
    pub user_id: String,
}

impl TestApp {
    /// `POST /api/v1/login` with a JSON body, as it is.
    pub async fn rc_login_raw(&self, body: &str) -> Reply {
        self.send(
            self.client
                .post(self.url("/api/v1/login"))
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_owned()),
        )
        .await
    }

    /// Logs in as `user` (`{user, password}`, as the e2e helper does) and keeps the session.
    pub async fn rc_as(&self, (user, password): (&str, &str)) -> Rc<'_> {
        let body = serde_json::json!({"user": user, "password": password}).to_string();
        let reply = self.rc_login_raw(&body).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "login of {user}: {}",
            reply.body
        );
        let data = &reply.json()["data"];
        Rc {
            app: self,
            token: data["authToken"].as_str().expect("authToken").to_owned(),
            user_id: data["userId"].as_str().expect("userId").to_owned(),
        }
    }

    /// The default admin's session (`getCredentials`).
    pub async fn rc(&self) -> Rc<'_> {
        self.rc_as(RC_ADMIN).await
    }

    /// A request under `/api/v1/` with no credentials at all.
    pub async fn rc_anonymous(&self, method: Method, path: &str, body: Option<&str>) -> Reply {
        let mut request = self
            .client
            .request(method, self.url(&format!("/api/v1/{path}")));
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_owned());
        }
        self.send(request).await
    }
}

impl Rc<'_> {
    /// Any request under `/api/v1/`; `body` is sent as JSON.
    pub async fn call(&self, method: Method, path: &str, body: Option<&str>) -> Reply {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(&format!("/api/v1/{path}")))
            .header("X-Auth-Token", &self.token)
            .header("X-User-Id", &self.user_id);
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_owned());
        }
        self.app.send(request).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> Reply {
        self.call(Method::POST, path, Some(&body.to_string())).await
    }

    pub async fn put(&self, path: &str, body: serde_json::Value) -> Reply {
        self.call(Method::PUT, path, Some(&body.to_string())).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// `updatePermission(permission, roles)`: must answer 200 JSON with `success: true`.
    pub async fn perm(&self, permission: &str, roles: &[&str]) {
        let reply = self
            .post(
                "permissions.update",
                serde_json::json!({"permissions": [{"_id": permission, "roles": roles}]}),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "perm {permission}: {}",
            reply.body
        );
        assert_eq!(reply.json()["success"], true);
    }

    /// `updateSetting(setting, value)`: must answer 200 JSON with `success: true`.
    pub async fn setting(&self, setting: &str, value: serde_json::Value) {
        let reply = self
            .post(
                &format!("settings/{setting}"),
                serde_json::json!({ "value": value }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "setting {setting}: {}",
            reply.body
        );
        assert_eq!(reply.json()["success"], true);
    }

    /// `createDepartment(agents, name, enabled)` of the e2e data helpers; returns the department.
    pub async fn create_department(
        &self,
        agents: Option<serde_json::Value>,
        name: &str,
        enabled: bool,
    ) -> serde_json::Value {
        let mut body = serde_json::json!({"department": {
            "name": name, "enabled": enabled, "showOnOfflineForm": true,
            "showOnRegistration": true, "email": "a@b.com"
        }});
        if let Some(agents) = agents {
            body["agents"] = agents;
        }
        let reply = self.post("livechat/department", body).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "create {name}: {}",
            reply.body
        );
        reply.json()["department"].clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Classic Zendesk XML (tests/api/zendesk/): HTTP Basic, XML bodies.

/// The default data's Basic credentials (README).
pub const ZD_ADMIN: (&str, &str) = ("admin@example.com", "admin");
pub const ZD_AGENT: (&str, &str) = ("agent@example.com", "agent");
/// The administrator's API token, used as `admin@example.com/token:<token>`.
pub const ZD_ADMIN_API_TOKEN: &str = "deskbridge-admin-api-token";

/// A classic Zendesk client: Basic credentials (or none), a path prefix and extra headers.
#[derive(Clone)]
pub struct Zd<'a> {
    app: &'a TestApp,
    pub credentials: Option<(String, String)>,
    pub prefix: &'static str,
    pub headers: Vec<(&'static str, String)>,
}

impl TestApp {
    /// A classic Zendesk client signed in as the administrator, on the unprefixed URLs.
    pub fn zendesk(&self) -> Zd<'_> {
        Zd {
            app: self,
            credentials: Some((ZD_ADMIN.0.to_owned(), ZD_ADMIN.1.to_owned())),
            prefix: "",
            headers: Vec::new(),
        }
    }

    /// What the classic XML API shows (every group, every user with its groups) and the store's
    /// version, which every successful write bumps: for "the state is unchanged" checks.
    pub async fn zendesk_snapshot(&self) -> (String, String, u64) {
        let z = self.zendesk();
        let groups = z.get("/groups.xml").await;
        let users = z.get("/users.xml").await;
        assert_eq!(groups.status, StatusCode::OK, "{}", groups.body);
        assert_eq!(users.status, StatusCode::OK, "{}", users.body);
        let version = self.handle.store().view().version();
        (groups.body, users.body, version)
    }
}

impl Zd<'_> {
    /// The same client with other Basic credentials.
    pub fn signed_in_as(mut self, user: &str, password: &str) -> Self {
        self.credentials = Some((user.to_owned(), password.to_owned()));
        self
    }

    /// The same client without credentials.
    pub fn anonymous(mut self) -> Self {
        self.credentials = None;
        self
    }

    /// The same client under `/api/v1`.
    pub fn api_v1(mut self) -> Self {
        self.prefix = "/api/v1";
        self
    }

    /// The same client sending one more header.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    /// Sends a request; a body goes as `application/xml`, as ActiveResource sends it.
    pub async fn call(&self, method: Method, path: &str, body: Option<&str>) -> Reply {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(&format!("{}{path}", self.prefix)));
        if let Some((user, password)) = &self.credentials {
            request = request.basic_auth(user, Some(password));
        }
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/xml")
                .body(body.to_owned());
        }
        self.app.send(request).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &str) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &str) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }
}

/// Sends raw bytes on a fresh connection and reads the answer until the gateway closes: the
/// status line, the headers (lower-cased names) and the body.
pub async fn raw_exchange(
    app: &TestApp,
    request: &[u8],
) -> (String, Vec<(String, String)>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut stream = tokio::net::TcpStream::connect(app.handle.addr())
        .await
        .expect("the gateway accepts");
    stream
        .write_all(request)
        .await
        .expect("the request is sent");
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the gateway answers and closes")
    .expect("the answer is readable");
    let answer = String::from_utf8(answer).expect("a UTF-8 answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}
