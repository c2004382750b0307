//! The application under benchmark, for benches that go through HTTP: a fresh
//! database and data directory, the real app on a random port, and one logged-in
//! user. (A folder without `main.rs`, so cargo does not take it for a bench.)

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{Value, json};
use troupe::app::Application;
use troupe::config::Config;
use troupe::db::DbPool;
use uuid::Uuid;

pub struct BenchServer {
    pub base: String,
    pub token: String,
    #[allow(dead_code)] // not every bench reads the database or cleans up
    pub pool: DbPool,
    #[allow(dead_code)]
    pub data: PathBuf,
}

/// Starts the app (memory bus, embedded index, filesystem store) and logs in
/// `username`, registered on the spot.
pub async fn start(username: &str) -> BenchServer {
    let db = format!("troupe_bench_{}", Uuid::new_v4().simple());
    let data = std::env::temp_dir().join(&db);
    let vars: HashMap<&str, String> = HashMap::from([
        ("APP_HOST", "127.0.0.1".to_owned()),
        ("APP_PORT", "0".to_owned()),
        (
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:5432/{db}"),
        ),
        ("DATA_DIR", data.display().to_string()),
        ("APP_ENV", "test".to_owned()),
        ("BCRYPT_COST", "4".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ]);
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("config");
    let app = Application::build(config).await.expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool();
    actix_rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let password = format!("{username}-password-1");
    let account = json!({"username": username, "password": password});
    client
        .post(format!("{base}/auth/register"))
        .json(&account)
        .send()
        .await
        .expect("register");
    let login: Value = client
        .post(format!("{base}/auth/login"))
        .json(&json!({"login": username, "password": password}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = login["access_token"].as_str().expect("token").to_owned();
    BenchServer {
        base,
        token,
        pool,
        data,
    }
}
