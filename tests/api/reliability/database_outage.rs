//! PostgreSQL goes away (through a TCP proxy only this app uses) and comes back.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::tcp_proxy::TcpProxy;
use crate::support::{app, wait_for};

/// Longest an answer may take during the outage (the pool waits at most 5 s).
const BOUND: Duration = Duration::from_secs(8);

#[actix_web::test]
async fn during_a_database_outage_requests_get_503_with_retry_after_and_then_recover() {
    let proxy = TcpProxy::start("127.0.0.1:5432").await;
    let db_name = format!("troupe_test_{}", uuid::Uuid::new_v4().simple());
    let url = format!("postgres://postgres@127.0.0.1:{}/{db_name}", proxy.port());
    let app = app()
        .settings(&[("DATABASE_URL", url.as_str())])
        .start()
        .await;
    let ana = app.user("ana").await;
    let body = json!({"title": "Before the outage"});
    assert_eq!(app.create_project(&ana.access, &body).await.status, 201);

    proxy.cut();
    let probes: [(&str, &str, Option<serde_json::Value>); 5] = [
        ("GET", "/auth/me", None),
        ("POST", "/projects", Some(json!({"title": "During"}))),
        ("GET", "/projects", None),
        ("GET", "/users", None),
        ("PATCH", "/profile/me", Some(json!({"bio": "x"}))),
    ];
    for (method, path, body) in &probes {
        let started = Instant::now();
        let reply = app.call(method, path, &ana.access, body.as_ref()).await;
        assert!(
            started.elapsed() < BOUND,
            "{method} {path} took {:?}",
            started.elapsed()
        );
        reply.problem(503, "database_unavailable");
        assert!(
            reply.header("retry-after").is_some(),
            "{method} {path}: no Retry-After"
        );
    }
    let login = app.login("ana", crate::support::PASSWORD).await;
    login.problem(503, "database_unavailable");
    assert_eq!(
        app.health().await.status,
        200,
        "liveness does not need the database"
    );
    let ready = app.ready().await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json()["checks"]["database"], "down");

    proxy.restore();
    let back = wait_for(Duration::from_secs(20), || async {
        app.me(&ana.access).await.status == 200
    })
    .await;
    assert!(
        back,
        "the service did not recover after the database came back"
    );
    let body = json!({"title": "Afterglow"});
    assert_eq!(app.create_project(&ana.access, &body).await.status, 201);
    // The event relay reconnected too: the new project reaches the index.
    let indexed = wait_for(Duration::from_secs(20), || async {
        app.search("query=afterglow").await.json()["total"] == 1
    })
    .await;
    assert!(indexed, "events stopped flowing after the outage");
    assert_eq!(app.ready().await.status, 200);
}
