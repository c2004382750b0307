//! The one place that lists every route. The API is mounted twice: at the root and
//! under `/api/v1` (SPEC §0).

use actix_web::web::{self, ServiceConfig};

use crate::config::Role;
use crate::http::{openapi, ops, problem};

/// Largest accepted JSON body (SPEC §0).
pub const JSON_LIMIT: usize = 64 * 1024;

/// Extractor settings shared by every route: size limits and problem-shaped errors.
pub fn extractors(cfg: &mut ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(problem::json_error),
    )
    .app_data(web::QueryConfig::default().error_handler(problem::query_error))
    .app_data(web::PathConfig::default().error_handler(problem::path_error));
}

/// Routes for this process's role. A worker serves only the operations routes so
/// that orchestrators can probe it.
pub fn for_role(role: Role) -> impl Fn(&mut ServiceConfig) + Clone {
    move |cfg: &mut ServiceConfig| {
        operations(cfg);
        if role.serves_api() {
            cfg.service(web::scope("/api/v1").configure(operations));
            cfg.service(openapi::swagger_ui());
        }
    }
}

fn operations(cfg: &mut ServiceConfig) {
    cfg.service(ops::health)
        .service(ops::ready)
        .service(ops::prometheus_metrics);
}

/// The fallback when no route matches: 405 for a known path with another method
/// (route macros guard on the method, so those requests land here too), else 404.
pub async fn unknown_route(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    let status = if req.resource_map().has_resource(req.path()) {
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED
    } else {
        actix_web::http::StatusCode::NOT_FOUND
    };
    problem::for_status(status)
}
