//! The real binary as a child process, to kill (-9) or stop (SIGTERM) it.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{ROOT_PASSWORD, ROOT_USERNAME, wait_for};

pub struct ServerProcess {
    child: Child,
    pub base: String,
}

/// The settings of a child server: its own database, data directory and port.
pub struct ServerSettings {
    pub vars: HashMap<String, String>,
}

impl ServerSettings {
    pub fn new(data_dir: &std::path::Path) -> Self {
        let db = format!("troupe_test_{}", uuid::Uuid::new_v4().simple());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let vars = HashMap::from(
            [
                ("APP_HOST", "127.0.0.1".to_owned()),
                ("APP_PORT", port.to_string()),
                ("APP_ENV", "test".to_owned()),
                (
                    "DATABASE_URL",
                    format!("postgres://postgres@127.0.0.1:5432/{db}"),
                ),
                ("DATA_DIR", data_dir.display().to_string()),
                ("BCRYPT_COST", "4".to_owned()),
                ("RUST_LOG", "warn".to_owned()),
                ("LOGIN_RATE_LIMIT", "0".to_owned()),
                ("BOOTSTRAP_ADMIN_USERNAME", ROOT_USERNAME.to_owned()),
                ("BOOTSTRAP_ADMIN_PASSWORD", ROOT_PASSWORD.to_owned()),
            ]
            .map(|(k, v)| (k.to_owned(), v)),
        );
        ServerSettings { vars }
    }

    /// Another process on the same database and data directory, on its own port.
    pub fn sibling(&self) -> Self {
        let mut vars = self.vars.clone();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        vars.insert("APP_PORT".to_owned(), port.to_string());
        ServerSettings { vars }
    }

    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.vars.insert(key.to_owned(), value.to_owned());
        self
    }

    pub fn port(&self) -> &str {
        &self.vars["APP_PORT"]
    }
}

impl ServerProcess {
    /// Logs `username` in (registering it first when `register`); the access token.
    /// A fresh client each time: a pooled connection the server closed while idle
    /// would fail the request.
    pub async fn access_token(&self, username: &str, password: &str, register: bool) -> String {
        let client = reqwest::Client::new();
        if register {
            let account = serde_json::json!({"username": username, "password": password});
            let res = client
                .post(format!("{}/auth/register", self.base))
                .json(&account)
                .send()
                .await;
            assert_eq!(res.expect("register").status(), 201, "register {username}");
        }
        let login = serde_json::json!({"login": username, "password": password});
        let res = client
            .post(format!("{}/auth/login", self.base))
            .json(&login)
            .send()
            .await;
        let body: serde_json::Value = res.expect("login").json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access token")
            .to_owned()
    }

    /// Starts `troupe serve` and waits until `/health` answers.
    pub async fn start(settings: &ServerSettings) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_troupe"))
            .arg("serve")
            .envs(&settings.vars)
            .stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the troupe binary starts");
        let base = format!("http://127.0.0.1:{}", settings.port());
        let health = format!("{base}/health");
        let up = wait_for(Duration::from_secs(30), || {
            let health = health.clone();
            async move { reqwest::get(health).await.is_ok_and(|r| r.status() == 200) }
        })
        .await;
        assert!(up, "the server did not come up on {base}");
        ServerProcess { child, base }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to flush, finish or clean anything.
    pub fn kill_hard(mut self) {
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status (waits up to `limit`).
    /// Waits up to `limit` for the process to end by itself (a crash).
    pub async fn exited(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    pub async fn terminate(mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: signalling our own child by its pid.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                return None;
            }
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
