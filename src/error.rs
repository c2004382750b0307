//! The one error type every actor returns. Each variant is an HTTP *category*
//! (SPEC §0); `http/problem.rs` turns it into an RFC 9457 problem document.

use crate::problem_code::ProblemCode;
use std::collections::BTreeMap;

/// Per-field validation messages, keyed by the field's JSON name.
pub type FieldErrors = BTreeMap<String, String>;

/// `Result` with [`AppError`] as the default error.
pub type AppResult<T, E = AppError> = Result<T, E>;

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// 400: the input is malformed or breaks a rule.
    #[error("{detail}")]
    Validation { detail: String, errors: FieldErrors },
    /// 400 for a request that cannot be read at all (malformed JSON, a bad query).
    #[error("{detail}")]
    BadRequest { code: ProblemCode, detail: String },
    /// 401: not authenticated.
    #[error("{detail}")]
    Unauthorized { code: ProblemCode, detail: String },
    /// 403: authenticated but not allowed.
    #[error("{detail}")]
    Forbidden { code: ProblemCode, detail: String },
    /// 404: unknown resource (also one the caller may not know exists).
    #[error("{detail}")]
    NotFound { detail: String },
    /// 409: a duplicate or a state conflict. `extra` adds top-level members to the
    /// problem document (e.g. the first check-in `record`).
    #[error("{detail}")]
    Conflict {
        code: ProblemCode,
        detail: String,
        errors: FieldErrors,
        extra: Option<serde_json::Map<String, serde_json::Value>>,
    },
    /// 409 or 422 (as its code says): a gate refused a scan. `extra` carries what is
    /// known of the ticket (its first admission, its holder).
    #[error("{detail}")]
    Refused {
        code: ProblemCode,
        detail: String,
        extra: serde_json::Map<String, serde_json::Value>,
    },
    /// 413.
    #[error("{detail}")]
    PayloadTooLarge { detail: String },
    /// 415.
    #[error("{detail}")]
    UnsupportedMediaType { detail: String },
    /// 422: understood but cannot be processed.
    #[error("{detail}")]
    Unprocessable { code: ProblemCode, detail: String },
    /// 429 with `Retry-After`.
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited {
        code: ProblemCode,
        retry_after_secs: u64,
    },
    /// 503 with `Retry-After`: a dependency is down or a pool is saturated.
    #[error("{detail}")]
    Unavailable {
        code: ProblemCode,
        detail: String,
        retry_after_secs: u64,
    },
    /// 500: a bug or an unexpected failure. The message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A 400 with one field message.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Validation {
            detail: format!("{field}: {message}"),
            errors: FieldErrors::from([(field.to_owned(), message)]),
        }
    }

    /// A 400 from several field messages (no-op callers should check emptiness).
    pub fn invalid_fields(errors: FieldErrors) -> Self {
        let detail = errors
            .iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect::<Vec<_>>()
            .join("; ");
        AppError::Validation { detail, errors }
    }

    pub fn not_found(what: &str) -> Self {
        AppError::NotFound {
            detail: format!("{what} not found"),
        }
    }

    pub fn forbidden(code: ProblemCode, detail: impl Into<String>) -> Self {
        AppError::Forbidden {
            code,
            detail: detail.into(),
        }
    }

    pub fn unauthorized(code: ProblemCode, detail: impl Into<String>) -> Self {
        AppError::Unauthorized {
            code,
            detail: detail.into(),
        }
    }

    /// The database (or its pool) cannot serve the request right now.
    pub fn database_unavailable() -> Self {
        AppError::Unavailable {
            code: ProblemCode::DatabaseUnavailable,
            detail: "the database is unavailable; try again shortly".to_owned(),
            retry_after_secs: 2,
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
    }
}

impl From<tokio_postgres::Error> for AppError {
    fn from(e: tokio_postgres::Error) -> Self {
        // A closed connection or an I/O failure means the database went away;
        // anything else (bad SQL, a broken constraint nobody mapped) is a bug.
        // Text PostgreSQL cannot store (a NUL character): the client's input, and the
        // transaction it was in rolled back.
        if e.code() == Some(&tokio_postgres::error::SqlState::CHARACTER_NOT_IN_REPERTOIRE) {
            return AppError::BadRequest {
                code: ProblemCode::InvalidText,
                detail: "text fields must not contain NUL characters".to_owned(),
            };
        }
        // A row naming its user failed because the account was deleted while the
        // caller's access token (stateless, short-lived) was still valid.
        if e.code() == Some(&tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION)
            && e.as_db_error()
                .and_then(|db| db.constraint())
                .is_some_and(|c| c.ends_with("_user_id_fkey"))
        {
            return AppError::unauthorized(
                ProblemCode::AccountGone,
                "this account no longer exists",
            );
        }
        if e.is_closed() || e.as_db_error().is_none() {
            tracing::warn!(error = %e, "database connection failed");
            AppError::database_unavailable()
        } else {
            let detail = e.as_db_error().map_or_else(
                || e.to_string(),
                |db| {
                    format!(
                        "{} ({}): {}",
                        db.message(),
                        db.code().code(),
                        db.detail().unwrap_or("")
                    )
                },
            );
            AppError::Internal(format!("database error: {detail}"))
        }
    }
}

impl From<deadpool_postgres::PoolError> for AppError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        tracing::warn!(error = %e, "no database connection available");
        AppError::database_unavailable()
    }
}

impl From<actix::MailboxError> for AppError {
    fn from(e: actix::MailboxError) -> Self {
        tracing::warn!(error = %e, "actor mailbox refused a message");
        AppError::Unavailable {
            code: ProblemCode::ServiceBusy,
            detail: "the service is busy; try again shortly".to_owned(),
            retry_after_secs: 1,
        }
    }
}

impl From<crate::storage::StorageError> for AppError {
    fn from(e: crate::storage::StorageError) -> Self {
        tracing::warn!(error = %e, "object storage failed");
        AppError::Unavailable {
            code: ProblemCode::StorageUnavailable,
            detail: "file storage is unavailable; try again shortly".to_owned(),
            retry_after_secs: 2,
        }
    }
}
