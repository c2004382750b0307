//! The OpenAPI document as third-party tools see it, from a running server:
//! `redocly lint` (recommended rules) must report no error and no warning, and a
//! TypeScript client generated from it (openapi-typescript + openapi-fetch) must
//! type-check and then run the seed flows against the server
//! (`clients/typescript/flow.ts`). The npm tools come from
//! `clients/typescript/package-lock.json` (`npm ci --prefix clients/typescript`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::media_fixtures::png;
use crate::support::process::{ServerProcess, ServerSettings};
use crate::support::{ROOT_PASSWORD, ROOT_USERNAME, spawn_app};

fn client_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/typescript")
}

fn tool(name: &str) -> PathBuf {
    let path = client_dir().join("node_modules/.bin").join(name);
    if !path.exists() {
        panic!(
            "{name} is not installed, and this test runs it: \
             `npm ci --prefix clients/typescript` (.ci/run does this)"
        );
    }
    path
}

/// Runs a tool; its exit status and everything it printed.
fn run(mut command: Command) -> (bool, String) {
    let out = command.output().expect("the tool starts");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[actix_web::test]
async fn redocly_finds_no_error_or_warning_in_the_live_document() {
    let redocly = tool("redocly");
    let app = spawn_app().await;
    let doc = app.openapi().await;
    assert_eq!(doc.status, 200);
    let scratch = tempfile::tempdir().expect("temp dir");
    let file = scratch.path().join("openapi.json");
    std::fs::write(&file, &doc.text).expect("write the document");
    let lint = |format: &str| {
        let mut lint = Command::new(&redocly);
        lint.current_dir(scratch.path())
            .arg("lint")
            .arg(&file)
            .arg("--config")
            .arg(client_dir().join("redocly.yaml"))
            .args(["--format", format, "--max-problems", "1000"])
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
        lint
    };
    // The totals from the JSON report; the readable report for the failure message.
    let out = lint("json").output().expect("redocly runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "redocly's JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let totals = &report["totals"];
    let clean = totals["errors"] == 0 && totals["warnings"] == 0 && totals["ignored"] == 0;
    let (_, readable) = run(lint("stylish"));
    println!("redocly lint totals: {totals}");
    assert!(clean, "redocly lint: {totals}\n{readable}");
}

#[actix_web::test]
async fn a_generated_typescript_client_type_checks_and_runs_the_seed_flows() {
    let (generate, tsc) = (tool("openapi-typescript"), tool("tsc"));
    // A child process: the tools below block this test's thread while they run.
    let data = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(&ServerSettings::new(data.path())).await;
    // A copy of the client beside the shared node_modules, so runs never collide.
    let scratch = tempfile::tempdir().expect("temp dir");
    let work = scratch.path();
    for file in ["flow.ts", "tsconfig.json", "package.json"] {
        std::fs::copy(client_dir().join(file), work.join(file)).expect("copy the client");
    }
    std::os::unix::fs::symlink(client_dir().join("node_modules"), work.join("node_modules"))
        .expect("link node_modules");

    let mut types = Command::new(generate);
    types
        .current_dir(work)
        .arg(format!("{}/openapi.json", server.base))
        .args(["--output", "generated/schema.d.ts"]);
    let (passed, report) = run(types);
    assert!(passed, "openapi-typescript failed:\n{report}");

    let mut check = Command::new(&tsc);
    check.current_dir(work).args(["--noEmit", "-p", "."]);
    let (passed, report) = run(check);
    assert!(
        passed,
        "the client does not type-check against the live schema:\n{report}"
    );
    let mut build = Command::new(&tsc);
    build.current_dir(work).args(["-p", "."]);
    let (passed, report) = run(build);
    assert!(passed, "tsc could not build the client:\n{report}");

    let image = work.join("lighthouse.png");
    std::fs::write(&image, png(640, 480)).expect("write the image");
    let mut flow = Command::new("node");
    flow.current_dir(work)
        .arg("build/flow.js")
        .env("TROUPE_URL", &server.base)
        .env("TROUPE_ADMIN_USERNAME", ROOT_USERNAME)
        .env("TROUPE_ADMIN_PASSWORD", ROOT_PASSWORD)
        .env("TROUPE_IMAGE", &image);
    let (passed, report) = run(flow);
    println!("{report}");
    assert!(passed, "the client flow failed:\n{report}");
    assert!(report.contains("client flow: all steps passed"), "{report}");
}
