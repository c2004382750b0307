//! CORS over real HTTP: an allowed origin gets the headers a browser needs, a refused
//! one gets none (and the same answer otherwise), preflights, `*`, and the default.

use crate::support::{TestApp, app, spawn_app};

const ALLOWED: &str = "https://app.example";
const REFUSED: &str = "https://evil.example";

async fn preflight(
    app: &TestApp,
    path: &str,
    origin: &str,
    headers: &str,
) -> crate::support::Reply {
    app.send(
        app.client
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", headers),
    )
    .await
}

async fn login_from(app: &TestApp, path: &str, origin: &str) -> crate::support::Reply {
    app.send(
        app.client
            .post(app.url(path))
            .header("origin", origin)
            .json(&serde_json::json!({"login": "nobody", "password": "wrong password 1"})),
    )
    .await
}

#[actix_web::test]
async fn an_allowed_origin_gets_preflight_and_response_headers_on_both_prefixes() {
    let app = app()
        .settings(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://app.example, http://localhost:5173",
        )])
        .start()
        .await;
    for path in ["/auth/login", "/api/v1/auth/login"] {
        let reply = preflight(
            &app,
            path,
            ALLOWED,
            "authorization, content-type, idempotency-key",
        )
        .await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        assert_eq!(reply.header("access-control-allow-origin"), Some(ALLOWED));
        let methods = reply
            .header("access-control-allow-methods")
            .unwrap_or("")
            .to_ascii_uppercase();
        for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            assert!(methods.contains(m), "{path}: methods {methods}");
        }
        let headers = reply
            .header("access-control-allow-headers")
            .unwrap_or("")
            .to_ascii_lowercase();
        for h in ["authorization", "content-type", "idempotency-key"] {
            assert!(headers.contains(h), "{path}: headers {headers}");
        }
        assert!(
            reply.header("access-control-allow-credentials").is_none(),
            "no credentials mode"
        );

        // The actual request: the answer (a 401 problem here) carries the headers too.
        let reply = login_from(&app, path, ALLOWED).await;
        reply.problem(401, "invalid_credentials");
        assert_eq!(reply.header("access-control-allow-origin"), Some(ALLOWED));
        let exposed = reply
            .header("access-control-expose-headers")
            .unwrap_or("")
            .to_ascii_lowercase();
        for h in ["x-request-id", "retry-after"] {
            assert!(exposed.contains(h), "{path}: exposed {exposed}");
        }
        assert!(
            reply
                .header("vary")
                .unwrap_or("")
                .to_ascii_lowercase()
                .contains("origin")
        );
    }
    let second = app.health().await;
    assert!(
        second.header("access-control-allow-origin").is_none(),
        "no Origin, no CORS headers"
    );
}

#[actix_web::test]
async fn a_refused_origin_gets_no_cors_headers_and_the_same_answer() {
    let app = app()
        .settings(&[("CORS_ALLOWED_ORIGINS", ALLOWED)])
        .start()
        .await;
    let reply = login_from(&app, "/api/v1/auth/login", REFUSED).await;
    reply.problem(401, "invalid_credentials");
    for (name, _) in reply.headers.iter() {
        assert!(
            !name.as_str().starts_with("access-control-"),
            "{name} sent to a refused origin"
        );
    }
    let reply = preflight(&app, "/auth/login", REFUSED, "content-type").await;
    assert!(
        reply.header("access-control-allow-origin").is_none(),
        "a refused preflight must not be allowed: {:?}",
        reply.headers
    );
    assert_ne!(
        reply.status / 100,
        2,
        "a refused preflight is not a success"
    );
}

#[actix_web::test]
async fn a_star_allows_every_origin_without_credentials() {
    let app = app()
        .settings(&[("CORS_ALLOWED_ORIGINS", "*")])
        .start()
        .await;
    let reply = preflight(&app, "/auth/register", REFUSED, "content-type").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert!(reply.header("access-control-allow-credentials").is_none());
    let reply = login_from(&app, "/auth/login", REFUSED).await;
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
}

#[actix_web::test]
async fn by_default_no_origin_is_allowed_and_options_stays_a_405() {
    let app = spawn_app().await;
    let reply = preflight(&app, "/auth/login", ALLOWED, "content-type").await;
    reply.problem(405, "method_not_allowed");
    assert!(reply.header("access-control-allow-origin").is_none());
    let reply = login_from(&app, "/auth/login", ALLOWED).await;
    reply.problem(401, "invalid_credentials");
    assert!(reply.header("access-control-allow-origin").is_none());
}
