//! SPEC §10 operations endpoints and SPEC §0 conventions that need no domain.

use crate::support::{app, spawn_app};

#[actix_web::test]
async fn health_answers_200_with_service_and_version() {
    let app = spawn_app().await;
    let reply = app.health().await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["service"], "troupe");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[actix_web::test]
async fn the_api_is_also_served_under_api_v1() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/health").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["status"], "ok");
}

#[actix_web::test]
async fn ready_reports_the_database_check() {
    let app = spawn_app().await;
    let reply = app.ready().await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["event_bus"], "ok");
    assert_eq!(body["checks"]["search"], "ok");
    assert_eq!(body["checks"]["storage"], "ok");
}

#[actix_web::test]
async fn every_response_carries_a_request_id_and_a_plain_incoming_one_is_kept() {
    let app = spawn_app().await;
    let fresh = app.health().await;
    let id = fresh.header("x-request-id").expect("x-request-id header");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let missing = app.get("/nothing-here").await;
    assert!(missing.header("x-request-id").is_some());

    let kept = app
        .send(
            app.client
                .get(app.url("/health"))
                .header("x-request-id", "proxy-42.a"),
        )
        .await;
    assert_eq!(kept.header("x-request-id"), Some("proxy-42.a"));
    let replaced = app
        .send(
            app.client
                .get(app.url("/health"))
                .header("x-request-id", "no spaces <allowed>"),
        )
        .await;
    assert_ne!(replaced.header("x-request-id"), Some("no spaces <allowed>"));
}

#[actix_web::test]
async fn an_unknown_route_is_a_404_problem_with_the_request_id() {
    let app = spawn_app().await;
    let reply = app.get("/no/such/route").await;
    let doc = reply.problem(404, "not_found");
    assert_eq!(
        doc["request_id"].as_str(),
        reply.header("x-request-id"),
        "the body and the header name the same request"
    );
}

#[actix_web::test]
async fn a_wrong_method_is_a_405_problem() {
    let app = spawn_app().await;
    let reply = app.post_raw("/health", "text/plain", b"x".to_vec()).await;
    reply.problem(405, "method_not_allowed");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.health().await;
    app.get("/no/such/route").await;
    let reply = app.metrics().await;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .header("content-type")
            .unwrap_or("")
            .starts_with("text/plain")
    );
    let text = &reply.text;
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/health",status="200"}"#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.contains(r#"db_pool_connections{pool="shared",state="max"} 4"#),
        "{text}"
    );
    // Each HTTP worker's own pool (DB_POOL_SIZE shared out, or DB_WORKER_POOL_SIZE).
    assert!(
        text.contains(r#"db_pool_connections{pool="worker-0",state="max"}"#),
        "{text}"
    );
}

#[actix_web::test]
async fn openapi_is_3_1_and_lists_the_operations_endpoints() {
    let app = spawn_app().await;
    let reply = app.openapi().await;
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    assert!(
        doc["openapi"].as_str().unwrap_or("").starts_with("3.1"),
        "{doc}"
    );
    for path in ["/health", "/ready", "/metrics"] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[actix_web::test]
async fn docs_serve_swagger_ui_from_the_binary() {
    let app = spawn_app().await;
    let page = app.get("/docs/").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
    assert!(
        !page.text.contains("cdn."),
        "the UI must not load from a CDN"
    );
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, 200);
    assert!(bundle.text.len() > 100_000, "the vendored bundle is served");
}

#[actix_web::test]
async fn docs_without_the_slash_and_under_api_v1_redirect_to_the_ui() {
    let app = spawn_app().await;
    for path in ["/docs", "/api/v1/docs", "/api/v1/docs/"] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 308, "{path}: {}", reply.text);
        assert_eq!(reply.header("location"), Some("/docs/"), "{path}");
    }
    // Following the redirect lands on the UI, not on another redirect.
    assert_eq!(app.get("/docs/").await.status, 200);
}

#[actix_web::test]
async fn a_second_start_reuses_the_database() {
    let first = spawn_app().await;
    let second = app().on_database(&first.db_name).start().await;
    assert_eq!(second.ready().await.status, 200);
    assert_eq!(first.ready().await.status, 200);
}

#[actix_web::test]
async fn a_worker_serves_only_the_operations_routes() {
    let app = app().settings(&[("ROLE", "worker")]).start().await;
    assert_eq!(app.health().await.status, 200);
    assert_eq!(app.ready().await.status, 200);
    app.openapi().await.problem(404, "not_found");
    app.get("/api/v1/health").await.problem(404, "not_found");
}
