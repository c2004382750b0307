//! Conditional GETs (RFC 9110 §13): `If-None-Match` read the one way every answer
//! uses, and JSON answers that carry an entity tag of their own bytes.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::messages::json_body::JsonBody;
use crate::messages::media::HeldVersions;

/// `If-None-Match`: `*`, or a list of entity tags, weak (`W/"…"`) or strong; an
/// unquoted entry matches nothing (RFC 9110 §13.1.2, weak comparison).
pub fn held_versions(header: &str) -> HeldVersions {
    let mut tags = Vec::new();
    for candidate in header.split(',').map(str::trim) {
        if candidate == "*" {
            return HeldVersions::Any;
        }
        let tag = candidate.strip_prefix("W/").unwrap_or(candidate);
        if let Some(inner) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            tags.push(inner.to_owned());
        }
    }
    HeldVersions::Tags(tags)
}

/// The request's `If-None-Match`, if it has a readable one.
pub fn held_by(req: &HttpRequest) -> Option<HeldVersions> {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(held_versions)
}

/// `value` as JSON with a weak `ETag` of its bytes (see `send_json_body`).
pub fn json_with_etag<T: Serialize>(req: &HttpRequest, value: &T) -> AppResult<HttpResponse> {
    let body = JsonBody::of(value)
        .map_err(|e| AppError::internal(format!("answer not serialisable: {e}")))?;
    send_json_body(req, &body)
}

/// JSON encoded already, with a weak `ETag` of its bytes (weak: the same JSON may
/// travel compressed), or `304 Not Modified` when the client holds that tag
/// already. `Cache-Control: no-cache`: a client may keep the answer but asks again
/// before using it, so SPEC's freshness holds.
pub fn send_json_body(req: &HttpRequest, body: &JsonBody) -> AppResult<HttpResponse> {
    let etag = HeaderValue::from_str(&format!("W/\"{}\"", body.tag))
        .map_err(|e| AppError::internal(format!("entity tag: {e}")))?;
    let held = held_by(req).is_some_and(|held| held.includes(&body.tag));
    let mut response = if held {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    Ok(if held {
        response.finish()
    } else {
        response
            .content_type("application/json")
            .body(body.bytes.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::{HeldVersions, held_versions};

    #[test]
    fn if_none_match_lists_weak_tags_and_star() {
        let held = held_versions("\"abc\"");
        assert!(held.includes("abc"));
        assert!(held_versions("\"x\", W/\"abc\"").includes("abc"));
        assert_eq!(held_versions("\"x\", *"), HeldVersions::Any);
        assert!(!held.includes("abd"));
        assert!(!held_versions("abc").includes("abc"));
    }
}
