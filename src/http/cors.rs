//! CORS for browser front-ends on other origins (`CORS_ALLOWED_ORIGINS`), through
//! `actix-cors`. With no origins configured the middleware is not installed at all, so
//! the API behaves exactly as without CORS. A refused origin's request is served as
//! usual but without CORS headers: the browser, not the server, withholds the answer.

use actix_cors::Cors;
use actix_web::http::{Method, header};

use crate::config::CorsOrigins;

/// Request headers a cross-origin page may send besides the CORS-safelisted ones.
const ALLOWED_HEADERS: [&str; 5] = [
    "authorization",
    "content-type",
    "idempotency-key",
    "if-none-match",
    "x-request-id",
];

/// Response headers a cross-origin page may read besides the CORS-safelisted ones.
const EXPOSED_HEADERS: [&str; 5] = ["x-request-id", "retry-after", "etag", "location", "allow"];

/// How long a browser may cache a preflight answer (seconds).
const PREFLIGHT_MAX_AGE: usize = 3600;

/// Whether the middleware is needed at all.
pub fn enabled(origins: &CorsOrigins) -> bool {
    !matches!(origins, CorsOrigins::SameOriginOnly)
}

/// The middleware for these origins. No credentials mode: auth is a Bearer header.
pub fn middleware(origins: &CorsOrigins) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers(ALLOWED_HEADERS.map(header::HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS.map(header::HeaderName::from_static))
        .max_age(PREFLIGHT_MAX_AGE);
    match origins {
        CorsOrigins::SameOriginOnly => {}
        CorsOrigins::Any => cors = cors.send_wildcard().allow_any_origin(),
        CorsOrigins::Listed(list) => {
            for origin in list {
                cors = cors.allowed_origin(origin);
            }
        }
    }
    cors
}

/// Wraps the CORS middleware: an answer that does not allow the caller's origin
/// carries no `Access-Control-*` header at all (actix-cors still adds the exposed
/// headers list then), so a refused origin sees exactly the same-origin answer.
pub async fn strip_refused(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        let cors: Vec<header::HeaderName> = headers
            .keys()
            .filter(|name| name.as_str().starts_with("access-control-"))
            .cloned()
            .collect();
        for name in cors {
            headers.remove(name);
        }
    }
    Ok(res)
}
