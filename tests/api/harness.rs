//! `spawn_app()`: a fresh database, a temp `DATA_DIR` and the real application on a
//! random port, plus one method per endpoint for the tests to call.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;
use troupe::app::Application;
use troupe::config::Config;

const PG_ADDR: &str = "127.0.0.1:5432";

pub struct TestApp {
    pub address: String,
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

/// Starts the app on a given database (to test a second start on the same one).
pub async fn spawn_app_on(db_name: &str, settings: &[(&str, &str)]) -> TestApp {
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
    ]);
    for (k, v) in settings {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("valid test config");
    if std::env::var_os("TEST_LOG").is_some() {
        troupe::telemetry::init(&config);
    }
    let app = Application::build(config).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_rt::spawn(app.run_until_stopped());
    TestApp {
        address,
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
