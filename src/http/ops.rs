//! Operations endpoints: liveness, readiness, metrics (SPEC §10).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::actors::Actors;
use crate::actors::traced::Ask;
use crate::error::AppResult;
use crate::messages::ops::{CheckReadiness, CheckState, RefreshGauges};
use crate::metrics;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    status: &'static str,
    #[schema(example = "troupe")]
    service: &'static str,
    version: &'static str,
}

/// Liveness: the process is up and serving HTTP.
#[utoipa::path(get, path = "/health", operation_id = "getHealth", tag = "operations", responses((status = 200, body = Health)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "ops::health")
)]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        service: "troupe",
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(Serialize, ToSchema)]
pub struct ReadinessBody {
    /// `ready` or `unavailable`.
    status: &'static str,
    /// Each dependency: `ok` or `down`.
    #[schema(value_type = Object)]
    checks: std::collections::BTreeMap<&'static str, CheckState>,
}

/// Readiness: every dependency answers. 503 (with `Retry-After`) names the one down.
#[utoipa::path(
    get,
    path = "/ready", operation_id = "getReadiness",
    tag = "operations",
    responses(
        (status = 200, body = ReadinessBody),
        (status = 503, body = ReadinessBody, description = "a dependency is down"),
    )
)]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "ops::ready")
)]
pub async fn ready(actors: web::Data<Actors>) -> AppResult<HttpResponse> {
    let readiness = actors.health.ask(CheckReadiness).await?;
    let ready = readiness.is_ready();
    let body = ReadinessBody {
        status: if ready { "ready" } else { "unavailable" },
        checks: readiness.checks,
    };
    Ok(if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, 5))
            .json(body)
    })
}

/// Prometheus text exposition.
#[utoipa::path(
    get,
    path = "/metrics", operation_id = "getMetrics",
    tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String))
)]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "ops::prometheus_metrics")
)]
pub async fn prometheus_metrics(actors: web::Data<Actors>) -> AppResult<HttpResponse> {
    actors.health.ask(RefreshGauges).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics::render()))
}
