//! Extractors every domain uses: the authenticated caller (`AuthUser`) and
//! pagination (`Pagination`, and `KeysetPagination` for lists that take cursors).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::actors::auth::revocations::{Refusal, RevocationSet};
use crate::error::{AppError, AppResult};
use crate::jwt::{Claims, JwtKeys};
use crate::messages::auth::Caller;
use crate::messages::page::{ListKey, ListRequest, PageRequest, Position};
use crate::problem_code::ProblemCode;

/// A caller with a valid access token. Missing, malformed, expired, wrongly signed
/// or wrong-algorithm tokens are a 401, and so are revoked ones (this node's
/// revocation set: no database read).
pub struct AuthUser {
    pub caller: Caller,
    pub claims: Claims,
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.headers().get(header::AUTHORIZATION) {
            None => Err(AppError::unauthorized(
                ProblemCode::MissingToken,
                "an Authorization: Bearer token is required",
            )),
            Some(_) => authenticate(req),
        })
    }
}

/// The caller when an `Authorization` header is present (and then it must be valid).
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl FromRequest for MaybeAuthUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.headers().get(header::AUTHORIZATION) {
            None => Ok(MaybeAuthUser(None)),
            Some(_) => authenticate(req).map(|u| MaybeAuthUser(Some(u))),
        })
    }
}

fn authenticate(req: &HttpRequest) -> AppResult<AuthUser> {
    let invalid = || {
        AppError::unauthorized(
            ProblemCode::InvalidToken,
            "the access token is invalid or expired",
        )
    };
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| AppError::internal("JwtKeys missing from app data"))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(invalid)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(invalid)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(invalid());
    }
    let claims = keys.verify(token.trim()).ok_or_else(invalid)?;
    req.app_data::<web::Data<RevocationSet>>()
        .ok_or_else(|| AppError::internal("RevocationSet missing from app data"))?
        .check(&claims)
        .map_err(refused)?;
    Ok(AuthUser {
        caller: claims.caller(),
        claims,
    })
}

fn refused(why: Refusal) -> AppError {
    match why {
        Refusal::SessionRevoked => AppError::unauthorized(
            ProblemCode::SessionRevoked,
            "the session of this access token was revoked; log in again",
        ),
        Refusal::RoleChanged => AppError::unauthorized(
            ProblemCode::RoleChanged,
            "your role changed; refresh the access token to get one with the new role",
        ),
        Refusal::AccountGone => {
            AppError::unauthorized(ProblemCode::AccountGone, "this account no longer exists")
        }
    }
}

/// `?page=1&size=20`: page ≥ 1, 1 ≤ size ≤ 100 (SPEC §0).
pub struct Pagination(pub PageRequest);

#[derive(serde::Deserialize)]
struct RawPage {
    page: Option<String>,
    size: Option<String>,
    cursor: Option<String>,
}

/// Parses `page` and `size` from a query string with a list's own default and maximum.
pub fn page_request(query: &str, default_size: u32, max_size: u32) -> AppResult<PageRequest> {
    let raw = web::Query::<RawPage>::from_query(query)
        .map_err(|e| AppError::invalid_field("page", format!("invalid query string: {e}")))?;
    let number = |field: &str, value: &Option<String>, default: u32, max: u32| -> AppResult<u32> {
        let Some(text) = value.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(default);
        };
        match text.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(AppError::invalid_field(
                field,
                format!("must be a whole number from 1 to {max}"),
            )),
        }
    };
    Ok(PageRequest {
        page: number("page", &raw.page, 1, 1_000_000)?,
        size: number("size", &raw.size, default_size, max_size)?,
    })
}

/// `?page=&size=` or `?cursor=&size=` (a list's `next_cursor`), not both.
pub struct KeysetPagination(pub ListRequest);

/// Parses a keyset list's query: a page as `page_request` does, or a cursor.
pub fn list_request(query: &str, default_size: u32, max_size: u32) -> AppResult<ListRequest> {
    let page = page_request(query, default_size, max_size)?;
    let raw = web::Query::<RawPage>::from_query(query)
        .map_err(|e| AppError::invalid_field("cursor", format!("invalid query string: {e}")))?;
    let cursor = raw
        .cursor
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let position = match (cursor, raw.page.as_deref().map(str::trim)) {
        (None, _) => Position::Page(page.page),
        (Some(_), Some(p)) if !p.is_empty() => {
            return Err(AppError::invalid_field(
                "cursor",
                "give page or cursor, not both",
            ));
        }
        (Some(text), _) => Position::After(ListKey::decode(text).ok_or_else(|| {
            AppError::invalid_field("cursor", "is not a cursor this list gave out")
        })?),
    };
    Ok(ListRequest {
        size: page.size,
        position,
    })
}

impl FromRequest for KeysetPagination {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(list_request(req.query_string(), 20, 100).map(KeysetPagination))
    }
}

impl FromRequest for Pagination {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(page_request(req.query_string(), 20, 100).map(Pagination))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_default_and_are_bounded() {
        assert_eq!(
            page_request("", 20, 100).unwrap(),
            PageRequest { page: 1, size: 20 }
        );
        assert_eq!(
            page_request("page=3&size=100", 20, 100).unwrap(),
            PageRequest { page: 3, size: 100 }
        );
        for bad in ["page=0", "size=0", "size=101", "page=-1", "page=x"] {
            assert!(page_request(bad, 20, 100).is_err(), "{bad}");
        }
        assert_eq!(page_request("size=1000", 1000, 1000).unwrap().size, 1000);
    }

    #[test]
    fn a_list_takes_a_page_or_a_cursor_but_not_both() {
        let key = ListKey {
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            id: uuid::Uuid::nil(),
        };
        let cursor = key.encode();
        assert_eq!(
            list_request("size=5", 20, 100).unwrap(),
            ListRequest {
                size: 5,
                position: Position::Page(1)
            }
        );
        assert_eq!(
            list_request(&format!("cursor={cursor}&size=7"), 20, 100).unwrap(),
            ListRequest {
                size: 7,
                position: Position::After(key)
            }
        );
        for bad in [
            format!("cursor={cursor}&page=2"),
            "cursor=not-a-cursor".to_owned(),
            format!("cursor={cursor}&size=0"),
        ] {
            assert!(list_request(&bad, 20, 100).is_err(), "{bad}");
        }
    }
}
