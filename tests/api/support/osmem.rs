//! An independent OpenSearch-API server for the tests: `osmem-server` (PyPI
//! `osmem-server`, in memory), started per test on a free loopback port and killed by
//! its process id on drop (it also exits when its standard input closes, so a
//! crashed test leaves nothing behind).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const VERSION: &str = "0.1.6";

pub struct Osmem {
    pub url: String,
    child: Child,
}

/// The bundled binary's path, as the package itself resolves it.
fn binary() -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import osmem_server; print(osmem_server.resolve_binary())",
        ])
        .output();
    match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        _ => panic!(
            "osmem-server is not installed, and this test runs it as an OpenSearch-API \
             server: `pip install osmem-server=={VERSION}` (.ci/run does this)"
        ),
    }
}

impl Osmem {
    pub fn start() -> Self {
        let mut child = Command::new(binary())
            .args(["-addr", "127.0.0.1:0", "-no-ja"])
            .arg(format!("-parent-pid={}", std::process::id()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("osmem-server starts");
        // Its first line on stdout, once it listens: {"url": ..., "pid": ...}.
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("osmem-server says where it listens");
        let ready: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("osmem-server's ready line {line:?}: {e}"));
        let url = ready["url"]
            .as_str()
            .expect("url in the ready line")
            .to_owned();
        Osmem { url, child }
    }
}

impl Drop for Osmem {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
