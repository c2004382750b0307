//! Issue 20 (first step): the web app is served by Troupe itself — `/` leads to
//! `/app/`, every page route answers the shell with a strict Content-Security-Policy,
//! the embedded files come under hashed names with year-long immutable caching, and
//! no API path is shadowed.

use crate::support::{app, spawn_app};

#[actix_web::test]
async fn the_app_is_served_under_its_prefix_with_hashed_immutable_files_and_a_strict_csp() {
    let app = spawn_app().await;
    let root = app.get("/").await;
    assert_eq!(root.status, 302);
    assert_eq!(root.header("location"), Some("/app/"));

    for path in ["/app/", "/app", "/app/projects/0190-x", "/app/gate"] {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(page.header("cache-control"), Some("no-cache"));
        let csp = page
            .header("content-security-policy")
            .expect("CSP")
            .to_owned();
        for rule in [
            "default-src 'none'",
            "script-src 'self' 'sha256-",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(rule), "{csp}");
        }
        assert!(!csp.contains("unsafe"), "{csp}");
        assert!(!csp.contains('*'), "{csp}");
    }

    // Every hashed file the shell names (the import map's keys are the plain names
    // modules import) is served, immutable, with its type.
    let shell = app.get("/app/").await.text;
    let hashed = |s: &&str| {
        let parts: Vec<&str> = s.trim_start_matches("/app/assets/").split('.').collect();
        parts.len() == 3 && parts[1].len() == 10 && parts[1].chars().all(|c| c.is_ascii_hexdigit())
    };
    let files: Vec<&str> = shell
        .split('"')
        .filter(|s| s.starts_with("/app/assets/"))
        .filter(hashed)
        .collect();
    assert!(files.len() >= 3, "{files:?}");
    for file in files {
        let (status, headers, body) = app.fetch(file).await;
        assert_eq!(status, 200, "{file}");
        assert_eq!(
            headers["cache-control"], "public, max-age=31536000, immutable",
            "{file}"
        );
        let kind = headers["content-type"].to_str().unwrap();
        assert!(
            kind.starts_with(if file.ends_with(".css") {
                "text/css"
            } else {
                "text/javascript"
            }),
            "{file}: {kind}"
        );
        assert!(!body.is_empty());
    }
    app.get("/app/assets/app.0000000000.js")
        .await
        .problem(404, "not_found");

    // The API keeps its paths.
    assert!(app.get("/projects").await.json()["items"].is_array());
    assert_eq!(app.get("/api/v1/projects").await.status, 200);
}

#[actix_web::test]
async fn a_worker_serves_no_pages() {
    let worker = app().settings(&[("ROLE", "worker")]).start().await;
    assert_eq!(worker.get("/app/").await.status, 404);
}
