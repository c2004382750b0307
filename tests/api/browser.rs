//! Issue 20: the web app in a real browser. Starts a Troupe with data, then runs the
//! Playwright suite in `web/tests` (npm `@playwright/test`, driving Debian's
//! `chromium`, with `@axe-core/playwright`) against it. Every page test fails on an
//! uncaught exception or a `console.error` of the app's own code.

use std::path::Path;
use std::process::Command;

use serde_json::json;

use std::time::Duration;

use crate::support::media_fixtures::png;
use crate::support::{PASSWORD, ROOT_PASSWORD, ROOT_USERNAME, spawn_app, wait_for};

const WEB_TESTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/web/tests");

fn require_tools() {
    let playwright = Path::new(WEB_TESTS).join("node_modules/.bin/playwright");
    assert!(
        playwright.exists(),
        "Playwright is not installed, and this test runs it: \
         `npm ci --prefix web/tests` (.ci/run does this)"
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is not installed, and the browser tests drive it: \
         `apt-get install chromium` (.ci/run does this)"
    );
}

#[actix_web::test]
async fn the_web_app_passes_its_browser_tests() {
    require_tools();
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    let title = "Lanterns over the harbour";
    let body = json!({"title": title, "description": "Paper lanterns at dusk", "tags": ["night", "harbour"]});
    let made = app.create_project(&ana.access, &body).await;
    assert_eq!(made.status, 201, "{}", made.text);
    let project = made.json()["id"].as_str().unwrap().to_owned();
    let image = app
        .upload(&ana.access, "lanterns.png", png(96, 64), Some(&project))
        .await;
    assert_eq!(image.status, 201, "{}", image.text);
    // Searchable and thumbnailed before the browser looks.
    let ready = wait_for(Duration::from_secs(20), || async {
        app.search("query=lanterns").await.json()["total"] == 1
            && app
                .get(&format!("/media?project_id={project}"))
                .await
                .json()["items"][0]["thumbnail_url"]
                .is_string()
    })
    .await;
    assert!(ready, "the project is indexed and its thumbnail made");

    // The gate: a committee member and a listed event with its tickets.
    app.user_with_role("gatekeeper", "committee").await;
    let root = app.root().await;
    let event = json!({"id": "harbour-night", "name": "Harbour Night", "venue": "Pier 4",
        "capacity": 50, "mode": "listed"});
    let made = app
        .call("POST", "/events", &root.access, Some(&event))
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let csv = "ticket_id,holder_name,category\nT-100,Ana Lima,VIP\nT-101,Budi Santoso,General\n";
    let imported = app
        .send(
            app.client
                .post(app.url("/events/harbour-night/tickets/import"))
                .bearer_auth(&root.access)
                .header("content-type", "text/csv")
                .body(csv),
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);

    // An image for the creator's upload.
    let fixtures = tempfile::tempdir().expect("temp dir");
    let image = fixtures.path().join("pool.png");
    std::fs::write(&image, png(120, 90)).expect("write the image");

    // Pictures of the pages: into the folder named by TROUPE_SCREENSHOTS (relative to
    // the repository; the README's command regenerates docs/screenshots), otherwise
    // a temporary one.
    let shots = match std::env::var("TROUPE_SCREENSHOTS") {
        Ok(folder) => Path::new(env!("CARGO_MANIFEST_DIR")).join(folder),
        Err(_) => fixtures.path().join("screenshots"),
    };
    let shots_for_run = shots.clone();

    // Off this thread: the server's process-wide actors run on it and must keep
    // answering while the browser calls the API.
    let url = app.address.clone();
    let out = actix_web::rt::task::spawn_blocking(move || {
        Command::new(Path::new(WEB_TESTS).join("node_modules/.bin/playwright"))
            .current_dir(WEB_TESTS)
            .args(["test", "--config", "playwright.config.js"])
            .env("TROUPE_URL", url)
            .env("TROUPE_PROJECT", title)
            .env("TROUPE_OWNER", "ana")
            .env("TROUPE_IMAGE", &image)
            .env("TROUPE_ROOT_USER", ROOT_USERNAME)
            .env("TROUPE_ROOT_PASSWORD", ROOT_PASSWORD)
            .env("TROUPE_GATE_USER", "gatekeeper")
            .env("TROUPE_GATE_PASSWORD", PASSWORD)
            .env("TROUPE_SCREENSHOTS", &shots_for_run)
            .output()
            .expect("playwright runs")
    })
    .await
    .expect("the playwright thread");
    assert!(
        out.status.success(),
        "the browser tests failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for page in SCREENSHOTS {
        let file = shots.join(format!("{page}.png"));
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 2_000,
            "a screenshot of {page} at {}",
            file.display()
        );
    }
}

/// The pages web/tests/screenshots.spec.js pictures.
const SCREENSHOTS: &[&str] = &[
    "gallery",
    "project",
    "profile",
    "login",
    "portfolio",
    "admin",
    "gate-events",
    "gate",
];
