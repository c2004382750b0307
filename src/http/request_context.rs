//! The middleware every request passes: it gives the request an id (the
//! `x-request-id` header, the log span, 5xx bodies), counts and times it by route,
//! writes the one log line per request, and makes sure every error body is a
//! problem document — also the ones actix produces itself (405, payload errors).

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

use crate::http::problem::{self, PROBLEM_CONTENT_TYPE};
use crate::metrics;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled on this task, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id =
        incoming_request_id(req.headers()).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let span = tracing::info_span!("request", request_id = %request_id);

    // Handlers' and extractors' errors arrive here as responses already; an `Err`
    // only comes from the routing layer itself and is passed on as it is (cloning
    // the request up front to answer it would break actix's routing).
    let handled = async move {
        next.call(req)
            .await
            .map(|res| as_problem(res.map_into_boxed_body()))
    };
    let mut res = REQUEST_ID
        .scope(request_id.clone(), handled.instrument(span.clone()))
        .await?;

    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    metrics::HTTP_REQUESTS
        .with_label_values(&[method.as_str(), route.as_str(), &status.to_string()])
        .inc();
    metrics::HTTP_LATENCY
        .with_label_values(&[method.as_str(), route.as_str()])
        .observe(elapsed.as_secs_f64());
    // The path, never the query string or headers: those may carry tokens.
    tracing::info!(
        parent: &span,
        %method,
        %path,
        %route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    Ok(res)
}

/// A client-supplied id is kept when it is short and plain, so a proxy's id carries
/// through; anything else is replaced.
fn incoming_request_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(REQUEST_ID_HEADER)?.to_str().ok()?;
    let plain = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    plain.then(|| value.to_owned())
}

/// Replaces an error body that is not JSON (actix's own empty or plain-text ones)
/// by a problem for its status, keeping headers such as `Allow` and `Retry-After`.
/// Deliberate JSON bodies — problems, `/ready`'s 503 — pass untouched.
fn as_problem(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    let is_json = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        let v = v.as_bytes();
        v == PROBLEM_CONTENT_TYPE.as_bytes() || v.starts_with(b"application/json")
    });
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (req, old) = res.into_parts();
    let mut replacement = problem::for_status(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replacement
                .headers_mut()
                .insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(req, replacement)
}
