//! The shared services the tests need, and waiting and port helpers.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub const PG_ADDR: &str = "127.0.0.1:5432";
const AMQP_ADDR: &str = "127.0.0.1:5672";

/// Fails the test with a sentence saying what to start when PostgreSQL is absent.
pub fn require_postgres() {
    let addr: SocketAddr = PG_ADDR.parse().expect("valid address");
    if let Err(e) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        panic!(
            "PostgreSQL is not reachable at {PG_ADDR} ({e}). These tests need it: start it with \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`."
        );
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
