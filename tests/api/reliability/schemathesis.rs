//! Schemathesis (PyPI) against `/openapi.json`, as an admin and as a user: every
//! operation gets generated and mutated input; no answer may be a 5xx, and every
//! error must be a problem document (`tests/schemathesis/troupe_checks.py`).

use std::process::Command;

use serde_json::json;

use crate::support::process::{ServerProcess, ServerSettings};

const VERSION: &str = "4.32.5";

fn require_schemathesis() {
    let found = Command::new("st").arg("--version").output();
    if !found.is_ok_and(|out| out.status.success()) {
        panic!(
            "schemathesis is not installed, and this test runs it: \
             `pip install schemathesis=={VERSION}` (.ci/run does this)"
        );
    }
}

fn fuzz(base: &str, token: &str) -> (bool, String) {
    let hooks = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemathesis");
    // schemathesis keeps a cache in its working directory: not in the repository.
    let scratch = tempfile::tempdir().expect("temp dir");
    let out = Command::new("st")
        .current_dir(scratch.path())
        .args(["run", &format!("{base}/openapi.json")])
        .args(["--checks", "not_a_server_error,problem_json"])
        .args(["--max-examples", "15", "--seed", "20261121", "--no-color"])
        // An event stream never ends, so it cannot be fuzzed as a request; its
        // refusals are tested in tests/api/live.rs.
        .args(["--exclude-operation-id", "watchEvent"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .env("SCHEMATHESIS_HOOKS", "troupe_checks")
        .env("PYTHONPATH", hooks)
        .output()
        .expect("schemathesis runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[actix_web::test]
async fn schemathesis_finds_no_server_error_and_only_problem_documents() {
    require_schemathesis();
    let data = tempfile::tempdir().expect("temp dir");
    let settings = ServerSettings::new(data.path());
    let server = ServerProcess::start(&settings).await;
    let client = reqwest::Client::new();
    let root = server
        .access_token(
            crate::support::ROOT_USERNAME,
            crate::support::ROOT_PASSWORD,
            false,
        )
        .await;
    for (name, role) in [("fuzzadmin", "admin"), ("fuzzuser", "user")] {
        let body = json!({"username": name, "password": "fuzz-password-1", "role": role});
        let res = client
            .post(format!("{}/users", server.base))
            .bearer_auth(&root)
            .json(&body)
            .send()
            .await;
        assert_eq!(res.expect("create").status(), 201);
    }
    // Both tokens first: the admin's run may change or delete the other account
    // (the user's run then checks the answers to a deleted account's token).
    let mut tokens = Vec::new();
    for name in ["fuzzadmin", "fuzzuser"] {
        let token = server.access_token(name, "fuzz-password-1", false).await;
        tokens.push((name, token));
    }
    for (name, token) in tokens {
        let (passed, report) = fuzz(&server.base, &token);
        assert!(passed, "schemathesis as {name} found failures:\n{report}");
    }
}
