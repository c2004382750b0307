//! The one way to start a test app: `app()` (or `spawn_app()` for the defaults) —
//! a fresh database, a temp `DATA_DIR` and the real application on a random port.

use std::collections::HashMap;

use serde_json::Value;
use troupe::app::Application;
use troupe::config::Config;
use troupe::events::routing::Route;

use super::reply::Reply;
use super::services::{PG_ADDR, require_postgres};
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

/// Settings on top of the test defaults, extra event subscriptions, and which
/// database to use; `start()` starts the app.
#[derive(Default)]
pub struct AppBuilder {
    settings: Vec<(String, String)>,
    subscriptions: Vec<Route>,
    db_name: Option<String>,
}

/// A test app to configure, then `start()`.
pub fn app() -> AppBuilder {
    AppBuilder::default()
}

/// A test app with the default settings.
pub async fn spawn_app() -> TestApp {
    app().start().await
}

impl AppBuilder {
    pub fn settings<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        for (k, v) in pairs {
            self.settings
                .push((k.as_ref().to_owned(), v.as_ref().to_owned()));
        }
        self
    }

    /// Extra consumers of the event backbone (test recorders).
    pub fn subscribe(mut self, routes: Vec<Route>) -> Self {
        self.subscriptions.extend(routes);
        self
    }

    /// A given database (to test a second start on the same one); default: a new one.
    pub fn on_database(mut self, name: &str) -> Self {
        self.db_name = Some(name.to_owned());
        self
    }

    pub async fn start(self) -> TestApp {
        let db_name = self
            .db_name
            .unwrap_or_else(|| format!("troupe_test_{}", uuid::Uuid::new_v4().simple()));
        start(&db_name, &self.settings, self.subscriptions).await
    }
}

async fn start(db_name: &str, settings: &[(String, String)], subscriptions: Vec<Route>) -> TestApp {
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
        vars.insert(k.clone(), v.clone());
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
}

impl TestApp {
    /// Runs the `troupe` binary with `args` on the test's database and data directory.
    pub fn troupe<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_troupe"))
            .args(args)
            .env(
                "DATABASE_URL",
                format!("postgres://postgres@{PG_ADDR}/{}", self.db_name),
            )
            .env("DATA_DIR", &self.data_path)
            .env("APP_ENV", "test")
            .output()
            .expect("troupe runs")
    }

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
