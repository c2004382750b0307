//! RFC 9457 problem documents: the one place that turns an [`AppError`] (or an
//! extractor failure) into a status, a stable `code` and a body.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::{AppError, FieldErrors};
use crate::http::request_context::current_request_id;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
const TYPE_BASE: &str = "https://troupe.dev/errors/";

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_url: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldErrors>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Extra top-level members some problems carry (e.g. `record`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Problem {
            type_url: format!("{TYPE_BASE}{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: None,
            request_id: current_request_id(),
            extra: None,
        }
    }

    pub fn into_response(self, retry_after_secs: Option<u64>) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        if let Some(secs) = retry_after_secs {
            res.insert_header((header::RETRY_AFTER, HeaderValue::from(secs)));
        }
        let body = serde_json::to_vec(&self).unwrap_or_default();
        res.body(body)
    }
}

/// A problem for a bare status (unknown route, wrong method, an actix-internal
/// error): used where no richer error exists.
pub fn for_status(status: StatusCode) -> HttpResponse {
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "method not allowed here"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "unsupported media type"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "authentication required"),
        StatusCode::FORBIDDEN => ("forbidden", "not allowed"),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ("headers_too_large", "headers too large"),
        s if s.is_server_error() => ("internal_error", "the server failed; quote the request id"),
        _ => ("bad_request", "the request cannot be processed"),
    };
    Problem::new(status, code, detail).into_response(None)
}

impl AppError {
    /// Status and stable code: the one table of SPEC §0.
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::Validation { .. } => (StatusCode::BAD_REQUEST, "validation_failed"),
            AppError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            AppError::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, code),
            AppError::Forbidden { code, .. } => (StatusCode::FORBIDDEN, code),
            AppError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            AppError::PayloadTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            }
            AppError::UnsupportedMediaType { .. } => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            AppError::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AppError::Unavailable { code, .. } => (StatusCode::SERVICE_UNAVAILABLE, code),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status_and_code().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, code) = self.status_and_code();
        let mut retry_after = None;
        let mut problem = Problem::new(status, code, self.to_string());
        match self {
            AppError::Validation { errors, .. } => problem.errors = Some(errors.clone()),
            AppError::Conflict { errors, extra, .. } => {
                problem.errors = (!errors.is_empty()).then(|| errors.clone());
                problem.extra = extra.clone();
            }
            AppError::RateLimited { retry_after_secs } => retry_after = Some(*retry_after_secs),
            AppError::Unavailable {
                retry_after_secs, ..
            } => retry_after = Some(*retry_after_secs),
            AppError::Internal(cause) => {
                // The cause goes to the log (with the request id of the span), never out.
                tracing::error!(%cause, "request failed");
                problem.detail = "the server failed; quote the request id".to_owned();
            }
            _ => {}
        }
        let mut res = problem.into_response(retry_after);
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// `JsonConfig` error handler: size, content type and syntax become problems.
pub fn json_error(err: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let app_error = match &err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => AppError::PayloadTooLarge {
            detail: format!("the JSON body exceeds {limit} bytes"),
        },
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType {
            detail: "expected Content-Type: application/json".to_owned(),
        },
        JsonPayloadError::Deserialize(e) if e.is_data() => AppError::Validation {
            detail: format!("the JSON body has a wrong type or a missing field: {e}"),
            errors: FieldErrors::new(),
        },
        JsonPayloadError::Deserialize(e) => AppError::BadRequest {
            code: "malformed_json",
            detail: format!("the body is not valid JSON: {e}"),
        },
        other => AppError::BadRequest {
            code: "malformed_json",
            detail: format!("the body cannot be read: {other}"),
        },
    };
    app_error.into()
}

/// `QueryConfig` error handler.
pub fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    AppError::BadRequest {
        code: "invalid_query",
        detail: format!("invalid query string: {err}"),
    }
    .into()
}

/// `PathConfig` error handler: a path segment of the wrong shape names nothing.
pub fn path_error(_: PathError, _: &HttpRequest) -> actix_web::Error {
    AppError::NotFound {
        detail: "no such resource".to_owned(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_never_leaks_its_cause() {
        let res = AppError::internal("SELECT * FROM users: relation missing at /src/db.rs")
            .error_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = actix_web::body::to_bytes(res.into_body());
        let body = futures_util::FutureExt::now_or_never(body)
            .and_then(Result::ok)
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("internal_error"), "{text}");
        assert!(
            !text.contains("SELECT") && !text.contains("/src/"),
            "{text}"
        );
    }

    #[test]
    fn unavailable_and_rate_limited_carry_retry_after() {
        let res = AppError::database_unavailable().error_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "2");
        let res = AppError::RateLimited {
            retry_after_secs: 7,
        }
        .error_response();
        assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "7");
    }
}
