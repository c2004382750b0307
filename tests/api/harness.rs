//! `spawn_app()`: a fresh database, a temp `DATA_DIR` and the real application on a
//! random port, plus one method per endpoint for the tests to call.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;
use troupe::app::Application;
use troupe::config::Config;
use troupe::events::routing::Route;

const PG_ADDR: &str = "127.0.0.1:5432";
const AMQP_ADDR: &str = "127.0.0.1:5672";
/// Every test app starts with this superadmin (`BOOTSTRAP_ADMIN_*`).
pub const ROOT_USERNAME: &str = "root";
pub const ROOT_PASSWORD: &str = "root-password-1";
pub const PASSWORD: &str = "correct horse 1";

pub struct TestApp {
    pub pool: troupe::db::DbPool,
    pub search_index: std::sync::Arc<dyn troupe::search::SearchIndex>,
    pub address: String,
    pub data_path: std::path::PathBuf,
    pub db_name: String,
    pub client: reqwest::Client,
    /// Kept alive for the test's duration; removed on drop.
    pub _data_dir: tempfile::TempDir,
}

/// Fails the test with a sentence saying what to start when PostgreSQL is absent.
fn require_postgres() {
    let addr: SocketAddr = PG_ADDR.parse().expect("valid address");
    if let Err(e) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        panic!(
            "PostgreSQL is not reachable at {PG_ADDR} ({e}). These tests need it: start it with \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`."
        );
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the app with extra settings on top of the test defaults.
pub async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    let db_name = format!("troupe_test_{}", uuid::Uuid::new_v4().simple());
    spawn_app_on(&db_name, settings).await
}

/// Starts the app with extra settings and extra event subscriptions.
pub async fn spawn_app_subscribed(settings: &[(&str, &str)], subscriptions: Vec<Route>) -> TestApp {
    let db_name = format!("troupe_test_{}", uuid::Uuid::new_v4().simple());
    start(&db_name, settings, subscriptions).await
}

/// Starts the app on a given database (to test a second start on the same one).
pub async fn spawn_app_on(db_name: &str, settings: &[(&str, &str)]) -> TestApp {
    start(db_name, settings, Vec::new()).await
}

async fn start(db_name: &str, settings: &[(&str, &str)], subscriptions: Vec<Route>) -> TestApp {
    require_postgres();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut vars: HashMap<String, String> = HashMap::from([
        ("APP_HOST".into(), "127.0.0.1".into()),
        ("APP_PORT".into(), "0".into()),
        ("APP_ENV".into(), "test".into()),
        ("DB_POOL_SIZE".into(), "4".into()),
        (
            "DATABASE_URL".into(),
            format!("postgres://postgres@{PG_ADDR}/{db_name}"),
        ),
        ("DATA_DIR".into(), data_dir.path().display().to_string()),
        ("BCRYPT_COST".into(), "4".into()),
        ("BOOTSTRAP_ADMIN_USERNAME".into(), ROOT_USERNAME.into()),
        ("BOOTSTRAP_ADMIN_PASSWORD".into(), ROOT_PASSWORD.into()),
    ]);
    for (k, v) in settings {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("valid test config");
    if std::env::var_os("TEST_LOG").is_some() {
        troupe::telemetry::init(&config);
    }
    let app = Application::build_with(config, subscriptions)
        .await
        .expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool();
    let search_index = app.actors().search_index.clone();
    actix_rt::spawn(app.run_until_stopped());
    TestApp {
        pool,
        search_index,
        address,
        data_path: data_dir.path().to_path_buf(),
        db_name: db_name.to_owned(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client"),
        _data_dir: data_dir,
    }
}

/// A response with its body read, for assertions.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the SPEC §0 problem shape and returns the document.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "not a problem document: {}",
            self.text
        );
        let doc = self.json();
        assert_eq!(doc["status"], status);
        assert_eq!(doc["code"], code, "{doc}");
        assert_eq!(doc["type"], format!("https://troupe.dev/errors/{code}"));
        assert!(
            doc["title"].is_string() && doc["detail"].is_string(),
            "{doc}"
        );
        doc
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body read");
        Reply {
            status,
            headers,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }
}

/// A logged-in user of the test app.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.send(self.client.post(self.url(path)).json(body)).await
    }

    /// `method` on `path` with a bearer token and an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, token: &str, body: Option<&Value>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(body);
        }
        self.send(req).await
    }

    pub async fn register(&self, username: &str) -> Reply {
        self.post_json(
            "/auth/register",
            &serde_json::json!({"username": username, "password": PASSWORD, "email": format!("{username}@example.org")}),
        )
        .await
    }

    pub async fn login(&self, login: &str, password: &str) -> Reply {
        self.post_json(
            "/auth/login",
            &serde_json::json!({"login": login, "password": password}),
        )
        .await
    }

    pub async fn login_user(&self, login: &str, password: &str) -> TestUser {
        let reply = self.login(login, password).await;
        assert_eq!(reply.status, 200, "login of {login} failed: {}", reply.text);
        let body = reply.json();
        TestUser {
            id: body["user"]["id"].as_str().expect("id").to_owned(),
            access: body["access_token"].as_str().expect("access").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh").to_owned(),
        }
    }

    pub async fn root(&self) -> TestUser {
        self.login_user(ROOT_USERNAME, ROOT_PASSWORD).await
    }

    /// Registers `username` and logs in.
    pub async fn user(&self, username: &str) -> TestUser {
        let reply = self.register(username).await;
        assert_eq!(reply.status, 201, "register {username}: {}", reply.text);
        self.login_user(username, PASSWORD).await
    }

    /// Creates `username` with `role` through the root superadmin and logs in.
    pub async fn user_with_role(&self, username: &str, role: &str) -> TestUser {
        let root = self.root().await;
        let body = serde_json::json!({"username": username, "password": PASSWORD, "role": role});
        let reply = self.call("POST", "/users", &root.access, Some(&body)).await;
        assert_eq!(
            reply.status, 201,
            "create {username} as {role}: {}",
            reply.text
        );
        self.login_user(username, PASSWORD).await
    }
}

impl TestApp {
    /// Runs SQL on the test's own database (to arrange states a client cannot reach).
    pub async fn sql(&self, statement: &str) {
        let url = format!("postgres://postgres@{PG_ADDR}/{}", self.db_name);
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("test database reachable");
        let task = actix_rt::spawn(connection);
        client
            .batch_execute(statement)
            .await
            .expect("test SQL runs");
        drop(client);
        let _ = task.await;
    }
}

/// Fails the test with a sentence saying what to start when RabbitMQ is absent.
pub fn require_rabbitmq() {
    let addr: SocketAddr = AMQP_ADDR.parse().expect("valid address");
    if let Err(e) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        panic!(
            "RabbitMQ is not reachable at {AMQP_ADDR} ({e}). This test needs it: start it with \
             `rabbitmq-server -detached`."
        );
    }
}

/// A fresh RabbitMQ vhost for one test (queue names are global per vhost), and its
/// URL. `rabbitmqctl` must be on the PATH (it ships with the broker).
pub fn rabbitmq_vhost() -> (String, String) {
    require_rabbitmq();
    let vhost = format!("troupe_test_{}", uuid::Uuid::new_v4().simple());
    for args in [
        vec!["add_vhost", vhost.as_str()],
        vec![
            "set_permissions",
            "-p",
            vhost.as_str(),
            "guest",
            ".*",
            ".*",
            ".*",
        ],
    ] {
        let out = std::process::Command::new("rabbitmqctl")
            .args(&args)
            .output()
            .expect("rabbitmqctl runs (it ships with RabbitMQ)");
        assert!(
            out.status.success(),
            "rabbitmqctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let url = format!("amqp://guest:guest@{AMQP_ADDR}/{vhost}");
    (vhost, url)
}

/// Polls `check` every 50 ms until it holds or `limit` passes; returns whether it held.
pub async fn wait_for<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `n` distinct ports that were free a moment ago (bound to port 0, then released).
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("address").port())
        .collect()
}
