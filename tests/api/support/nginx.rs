//! Debian's nginx running `docker/nginx.conf` — the compose stack's own file, with
//! only its addresses rewritten for loopback — as a child process killed on drop.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::wait_for;

pub struct Nginx {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    child: Child,
    dir: tempfile::TempDir,
}

/// `docker/nginx.conf` with `api1:8080`/`api2:8080` pointed at the given ports and
/// `listen 80` at `listen_port`. Each rewrite must find its text, so a change to the
/// file that the test no longer understands fails here instead of drifting.
pub fn render(upstreams: [u16; 2], listen_port: u16) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docker/nginx.conf");
    let mut conf = std::fs::read_to_string(path).expect("docker/nginx.conf");
    let rewrites = [
        (
            "server api1:8080 ",
            format!("server 127.0.0.1:{} ", upstreams[0]),
        ),
        (
            "server api2:8080 ",
            format!("server 127.0.0.1:{} ", upstreams[1]),
        ),
        ("listen 80;", format!("listen 127.0.0.1:{listen_port};")),
    ];
    for (from, to) in rewrites {
        assert_eq!(
            conf.matches(from).count(),
            1,
            "docker/nginx.conf has no single {from:?}"
        );
        conf = conf.replace(from, &to);
    }
    conf
}

fn require_nginx() {
    if !Command::new("nginx")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        panic!(
            "nginx is not installed, and the stack test runs it in front of the API: \
             `apt-get install nginx-light` (.ci/run does this)"
        );
    }
}

impl Nginx {
    pub async fn start(upstreams: [u16; 2]) -> Self {
        require_nginx();
        let dir = tempfile::tempdir().expect("temp dir");
        let port = crate::support::free_ports(1)[0];
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, render(upstreams, port)).expect("write nginx.conf");
        let d = dir.path().display();
        // Its pid and log stay in the test's directory. As root, its workers run as
        // root too, so they may use Debian's temp directories under /var/lib/nginx.
        let globals =
            format!("daemon off; pid {d}/nginx.pid; error_log {d}/error.log warn; user root;");
        let child = Command::new("nginx")
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .args(["-e", &format!("{d}/error.log"), "-g", &globals])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let base = format!("http://127.0.0.1:{port}");
        let nginx = Nginx { base, child, dir };
        let health = format!("{}/health", nginx.base);
        let up = wait_for(Duration::from_secs(10), || {
            let health = health.clone();
            async move { reqwest::get(health).await.is_ok_and(|r| r.status() == 200) }
        })
        .await;
        assert!(up, "nginx did not proxy /health; its log:\n{}", nginx.log());
        nginx
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    /// SIGTERM, so the master stops its workers (a SIGKILLed master leaves them
    /// running); SIGKILL if it has not exited after 5 s.
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: signalling our own child by its pid.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
