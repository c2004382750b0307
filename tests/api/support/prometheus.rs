//! A real Prometheus (Debian package `prometheus`) for the tests: it scrapes one
//! Troupe every second with the project's rules loaded, on a free loopback port, with
//! its data in a temporary folder; killed by its process id on drop.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::services::{free_ports, wait_for};

pub struct Prometheus {
    pub url: String,
    child: Child,
    _data: tempfile::TempDir,
}

/// `promtool ARGS…` run in `dir`: whether it succeeded, and what it said.
pub fn promtool(dir: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new("promtool")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "promtool is not installed, and this test runs it: \
                 `apt-get install prometheus` (.ci/run does this): {e}"
            )
        });
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

impl Prometheus {
    /// Scrapes `target` (host:port) with `rules` loaded; returns once it answers.
    pub async fn start(target: &str, rules: &str) -> Self {
        let data = tempfile::tempdir().expect("temp dir");
        let config = data.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
                 rule_files: ['{rules}']\n\
                 scrape_configs:\n  - job_name: troupe\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .expect("write config");
        let port = free_ports(1)[0];
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                data.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "prometheus is not installed, and this test runs it: \
                     `apt-get install prometheus` (.ci/run does this): {e}"
                )
            });
        let prometheus = Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            child,
            _data: data,
        };
        let client = reqwest::Client::new();
        let ready = wait_for(Duration::from_secs(30), || async {
            client
                .get(format!("{}/-/ready", prometheus.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;
        assert!(ready, "prometheus answers on {}", prometheus.url);
        prometheus
    }

    /// An instant query's `data.result`, or the error Prometheus gave.
    pub async fn query(&self, expr: &str) -> Result<Vec<serde_json::Value>, String> {
        let reply: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/api/v1/query", self.url))
            .query(&[("query", expr)])
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        if reply["status"] != "success" {
            return Err(format!("{expr}: {reply}"));
        }
        Ok(reply["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
