//! RFC 9457 problem documents: the one place that turns an [`AppError`] (or an
//! extractor failure) into a status, a stable `code` and a body.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::{AppError, FieldErrors};
use crate::http::request_context::current_request_id;
use crate::problem_code::ProblemCode;

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
    /// A problem with `code`'s status and title from the table.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Problem {
            type_url: format!("{TYPE_BASE}{code}"),
            title: code.title().to_owned(),
            status: code.status(),
            detail: detail.into(),
            code: code.as_str().to_owned(),
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
    use ProblemCode as C;
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => (C::NotFound, "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => (C::MethodNotAllowed, "method not allowed here"),
        StatusCode::PAYLOAD_TOO_LARGE => (C::PayloadTooLarge, "the body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (C::UnsupportedMediaType, "unsupported media type"),
        StatusCode::UNAUTHORIZED => (C::Unauthorized, "authentication required"),
        StatusCode::FORBIDDEN => (C::Forbidden, "not allowed"),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (C::HeadersTooLarge, "headers too large"),
        s if s.is_server_error() => (C::InternalError, "the server failed; quote the request id"),
        _ => (C::BadRequest, "the request cannot be processed"),
    };
    Problem::new(code, detail).into_response(None)
}

impl AppError {
    /// The stable code; its status and title come from the table (`ProblemCode`).
    pub fn code(&self) -> ProblemCode {
        match self {
            AppError::Validation { .. } => ProblemCode::ValidationFailed,
            AppError::NotFound { .. } => ProblemCode::NotFound,
            AppError::PayloadTooLarge { .. } => ProblemCode::PayloadTooLarge,
            AppError::UnsupportedMediaType { .. } => ProblemCode::UnsupportedMediaType,
            AppError::Internal(_) => ProblemCode::InternalError,
            AppError::BadRequest { code, .. }
            | AppError::Unauthorized { code, .. }
            | AppError::Forbidden { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::Refused { code, .. }
            | AppError::Unprocessable { code, .. }
            | AppError::RateLimited { code, .. }
            | AppError::Unavailable { code, .. } => *code,
        }
    }

    /// The status the variant stands for (its HTTP category, see `error.rs`).
    fn category(&self) -> u16 {
        match self {
            AppError::Validation { .. } | AppError::BadRequest { .. } => 400,
            AppError::Unauthorized { .. } => 401,
            AppError::Forbidden { .. } => 403,
            AppError::NotFound { .. } => 404,
            AppError::Conflict { .. } => 409,
            AppError::Refused { code, .. } => code.status(),
            AppError::PayloadTooLarge { .. } => 413,
            AppError::UnsupportedMediaType { .. } => 415,
            AppError::Unprocessable { .. } => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable { .. } => 503,
            AppError::Internal(_) => 500,
        }
    }

    fn status_and_code(&self) -> (StatusCode, ProblemCode) {
        let code = self.code();
        // A code given to a variant of another category is a bug the suite catches.
        debug_assert_eq!(
            self.category(),
            code.status(),
            "{code} used in a {} error",
            self.category()
        );
        let status =
            StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, code)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status_and_code().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, code) = self.status_and_code();
        let mut retry_after = None;
        let mut problem = Problem::new(code, self.to_string());
        match self {
            AppError::Validation { errors, .. } => problem.errors = Some(errors.clone()),
            AppError::Conflict { errors, extra, .. } => {
                problem.errors = (!errors.is_empty()).then(|| errors.clone());
                problem.extra = extra.clone();
            }
            AppError::Refused { extra, .. } => problem.extra = Some(extra.clone()),
            AppError::RateLimited {
                retry_after_secs, ..
            } => retry_after = Some(*retry_after_secs),
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
            code: ProblemCode::MalformedJson,
            detail: format!("the body is not valid JSON: {e}"),
        },
        other => AppError::BadRequest {
            code: ProblemCode::MalformedJson,
            detail: format!("the body cannot be read: {other}"),
        },
    };
    app_error.into()
}

/// `QueryConfig` error handler.
pub fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    AppError::BadRequest {
        code: ProblemCode::InvalidQuery,
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
            code: ProblemCode::RateLimited,
            retry_after_secs: 7,
        }
        .error_response();
        assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "7");
    }

    /// An error of the category the table gives `code`.
    fn of_category(code: ProblemCode) -> AppError {
        let detail = "d".to_owned();
        match code.status() {
            400 => AppError::BadRequest { code, detail },
            401 => AppError::Unauthorized { code, detail },
            403 => AppError::Forbidden { code, detail },
            409 => AppError::Conflict {
                code,
                detail,
                errors: FieldErrors::new(),
                extra: None,
            },
            422 => AppError::Unprocessable { code, detail },
            503 => AppError::Unavailable {
                code,
                detail,
                retry_after_secs: 1,
            },
            404 => AppError::NotFound { detail },
            413 => AppError::PayloadTooLarge { detail },
            415 => AppError::UnsupportedMediaType { detail },
            429 => AppError::RateLimited {
                code,
                retry_after_secs: 1,
            },
            _ => AppError::Internal(detail),
        }
    }

    #[test]
    fn every_code_answers_with_the_status_and_title_of_the_table() {
        for code in ProblemCode::ALL {
            // 405 and 431 come only from the framework's bare statuses.
            let error = of_category(*code);
            let rendered = if error.code() == *code {
                error.error_response()
            } else {
                for_status(StatusCode::from_u16(code.status()).unwrap())
            };
            assert_eq!(rendered.status().as_u16(), code.status(), "{code}");
            let body = actix_web::body::to_bytes(rendered.into_body());
            let body = futures_util::FutureExt::now_or_never(body)
                .and_then(Result::ok)
                .unwrap_or_default();
            let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(doc["code"], code.as_str());
            assert_eq!(doc["title"], code.title(), "{code}");
            assert_eq!(doc["status"], code.status(), "{code}");
            assert!(doc["type"].as_str().unwrap().ends_with(code.as_str()));
        }
    }
}
