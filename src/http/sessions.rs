//! Issue 18: sessions a user sees and ends, an admin's view of a user's sessions and
//! lockout, and the public keys other services verify our tokens with.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actors::WorkerActors;
use crate::actors::traced::Ask;
use crate::error::AppResult;
use crate::http::extract::AuthUser;
use crate::http::problem::Problem;
use crate::jwt::JwtKeys;
use crate::messages::sessions::{
    ClearLockout, ListSessions, RevokeOtherSessions, RevokeSession, SessionOwner, SessionView,
};

/// The caller's live sessions, most recently used first; `current` marks the one
/// of this access token.
#[utoipa::path(get, path = "/auth/sessions", operation_id = "listMySessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionView>), (status = 401, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "sessions::mine")
)]
pub async fn mine(actors: web::Data<WorkerActors>, auth: AuthUser) -> AppResult<HttpResponse> {
    let list = actors
        .auth
        .ask(ListSessions {
            caller: auth.caller,
            owner: SessionOwner::Caller,
        })
        .await??;
    Ok(HttpResponse::Ok().json(list))
}

/// End one of the caller's sessions: its refresh token stops working, and its
/// access tokens are refused on every node within a second.
#[utoipa::path(delete, path = "/auth/sessions/{id}", operation_id = "revokeMySession", tag = "auth", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "sessions::revoke_mine")
)]
pub async fn revoke_mine(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    actors
        .auth
        .ask(RevokeSession {
            caller: auth.caller,
            owner: SessionOwner::Caller,
            session_id: id.into_inner(),
        })
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct Revoked {
    revoked: usize,
}

/// End every session of the caller except this one.
#[utoipa::path(post, path = "/auth/sessions/revoke-others", operation_id = "revokeOtherSessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Revoked), (status = 401, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "sessions::revoke_others")
)]
pub async fn revoke_others(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
) -> AppResult<HttpResponse> {
    let revoked = actors
        .auth
        .ask(RevokeOtherSessions {
            caller: auth.caller,
        })
        .await??;
    Ok(HttpResponse::Ok().json(Revoked { revoked }))
}

/// Admins: a user's live sessions.
#[utoipa::path(get, path = "/users/{id}/sessions", operation_id = "listUserSessions", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<SessionView>), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "sessions::of_user")
)]
pub async fn of_user(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let list = actors
        .auth
        .ask(ListSessions {
            caller: auth.caller,
            owner: SessionOwner::User(id.into_inner()),
        })
        .await??;
    Ok(HttpResponse::Ok().json(list))
}

/// Admins: end one session of a user.
#[utoipa::path(delete, path = "/users/{id}/sessions/{session_id}", operation_id = "revokeUserSession", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("session_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "sessions::revoke_of_user")
)]
pub async fn revoke_of_user(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (user, session_id) = path.into_inner();
    actors
        .auth
        .ask(RevokeSession {
            caller: auth.caller,
            owner: SessionOwner::User(user),
            session_id,
        })
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

/// Admins: clear a user's failed-login counters and lockout.
#[utoipa::path(delete, path = "/users/{id}/lockout", operation_id = "clearLockout", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "sessions::clear_lockout")
)]
pub async fn clear_lockout(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    actors
        .auth
        .ask(ClearLockout {
            caller: auth.caller,
            user_id: id.into_inner(),
        })
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

/// The public keys access tokens are signed with (RFC 7517), by `kid`. Empty with
/// `JWT_ALGORITHM=HS256`: a shared secret is never published.
#[utoipa::path(get, path = "/.well-known/jwks.json", operation_id = "jwks", tag = "auth",
    responses((status = 200, description = "a JSON Web Key Set", content_type = "application/json")))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "sessions::jwks")
)]
pub async fn jwks(keys: web::Data<JwtKeys>) -> HttpResponse {
    HttpResponse::Ok()
        // Short: a rotation publishes the next key ten seconds before it signs.
        .insert_header(("Cache-Control", "public, max-age=5"))
        .json(keys.ring().jwks())
}
