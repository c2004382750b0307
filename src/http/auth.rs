//! SPEC §2: register, login, refresh, logout, logout-all, verify, me.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actors::WorkerActors;
use crate::actors::traced::Ask;
use crate::error::AppResult;
use crate::http::client_ip::client_ip;
use crate::http::extract::{AuthUser, MaybeAuthUser};
use crate::http::json_object::JsonObject;
use crate::http::problem::Problem;
use crate::messages::auth::{
    GetMe, Login, Logout, LogoutAll, NewAccount, Refresh, Register, Role, Session, User,
};

#[derive(Deserialize, ToSchema)]
pub struct RegisterBody {
    #[serde(default)]
    #[schema(required = true, pattern = "^\\s*[A-Za-z0-9_.-]{3,50}\\s*$")]
    pub username: String,
    /// 8 to 72 bytes (bcrypt's limit).
    #[serde(default)]
    #[schema(required = true, min_length = 8)]
    pub password: String,
    pub email: Option<String>,
    #[serde(alias = "fullname")]
    pub name: Option<String>,
    #[serde(alias = "no_tlp")]
    pub phone: Option<String>,
    pub gender: Option<String>,
    /// Only `user` is accepted here; other roles need an admin (POST /users).
    #[schema(value_type = Option<crate::messages::auth::Role>)]
    pub role: Option<String>,
}

impl RegisterBody {
    pub fn into_account(self) -> (NewAccount, Option<String>) {
        let account = NewAccount {
            username: self.username,
            password: self.password,
            email: self.email,
            name: self.name,
            phone: self.phone,
            gender: self.gender,
        };
        (account, self.role)
    }
}

#[derive(Serialize, ToSchema)]
pub struct Registered {
    user_id: Uuid,
    username: String,
    email: Option<String>,
    role: Role,
    message: &'static str,
}

/// Create an account (always the `user` role).
#[utoipa::path(post, path = "/auth/register", operation_id = "register", tag = "auth", request_body = RegisterBody,
    responses((status = 201, body = Registered), (status = 400, body = Problem),
              (status = 403, body = Problem, description = "role_requires_admin"),
              (status = 409, body = Problem, description = "username or email taken")))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "auth::register")
)]
pub async fn register(
    actors: web::Data<WorkerActors>,
    body: JsonObject<RegisterBody>,
) -> AppResult<HttpResponse> {
    let (account, requested_role) = body.into_inner().into_account();
    let user = actors
        .auth
        .ask(Register {
            account,
            requested_role,
        })
        .await??;
    Ok(HttpResponse::Created().json(Registered {
        user_id: user.id,
        username: user.username,
        email: user.email,
        role: user.role,
        message: "registration successful",
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    /// A username or an email.
    login: Option<String>,
    username: Option<String>,
    email: Option<String>,
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenUser {
    id: Uuid,
    username: String,
    email: Option<String>,
    role: Role,
}

#[derive(Serialize, ToSchema)]
pub struct Tokens {
    access_token: String,
    refresh_token: String,
    #[schema(example = "bearer")]
    token_type: &'static str,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<TokenUser>,
}

fn tokens(session: Session, with_user: bool) -> Tokens {
    let User {
        id,
        username,
        email,
        role,
        ..
    } = session.user;
    Tokens {
        access_token: session.access_token,
        refresh_token: session.refresh_token,
        token_type: "bearer",
        expires_in: session.expires_in,
        user: with_user.then_some(TokenUser {
            id,
            username,
            email,
            role,
        }),
    }
}

/// Log in with a username or email; failed logins are rate limited.
#[utoipa::path(post, path = "/auth/login", operation_id = "login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = Tokens), (status = 400, body = Problem),
              (status = 401, body = Problem, description = "invalid_credentials"),
              (status = 429, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "auth::login")
)]
pub async fn login(
    req: HttpRequest,
    actors: web::Data<WorkerActors>,
    body: JsonObject<LoginBody>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let login = body
        .login
        .or(body.username)
        .or(body.email)
        .unwrap_or_default();
    let message = Login {
        login,
        password: body.password,
        client_ip: client_ip(&req),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
    };
    let session = actors.auth.ask(message).await??;
    Ok(HttpResponse::Ok().json(tokens(session, true)))
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshBody {
    #[serde(default, alias = "token")]
    #[schema(required = true, min_length = 1)]
    refresh_token: String,
}

/// Exchange a refresh token for new tokens; the presented one is rotated.
#[utoipa::path(post, path = "/auth/refresh", operation_id = "refreshTokens", tag = "auth", request_body = RefreshBody,
    responses((status = 200, body = Tokens),
              (status = 401, body = Problem, description = "invalid, expired or reused (refresh_token_reused)")))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "auth::refresh")
)]
pub async fn refresh(
    actors: web::Data<WorkerActors>,
    body: JsonObject<RefreshBody>,
) -> AppResult<HttpResponse> {
    let refresh_token = body.into_inner().refresh_token;
    let session = actors.auth.ask(Refresh { refresh_token }).await??;
    Ok(HttpResponse::Ok().json(tokens(session, false)))
}

#[derive(Serialize, ToSchema)]
pub struct Message {
    message: &'static str,
}

/// Revoke the session of a refresh token. Idempotent.
#[utoipa::path(post, path = "/auth/logout", operation_id = "logout", tag = "auth", request_body = RefreshBody,
    responses((status = 200, body = Message), (status = 403, body = Problem, description = "the token is another user's")))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "auth::logout")
)]
pub async fn logout(
    actors: web::Data<WorkerActors>,
    auth: MaybeAuthUser,
    body: JsonObject<RefreshBody>,
) -> AppResult<HttpResponse> {
    let message = Logout {
        refresh_token: body.into_inner().refresh_token,
        caller: auth.0.map(|a| a.caller),
    };
    actors.auth.ask(message).await??;
    Ok(HttpResponse::Ok().json(Message {
        message: "logged out",
    }))
}

/// Revoke every refresh token of the caller.
#[utoipa::path(post, path = "/auth/logout-all", operation_id = "logoutAll", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Message), (status = 401, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "auth::logout_all")
)]
pub async fn logout_all(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
) -> AppResult<HttpResponse> {
    actors
        .auth
        .ask(LogoutAll {
            caller: auth.caller,
        })
        .await??;
    Ok(HttpResponse::Ok().json(Message {
        message: "logged out everywhere",
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Verified {
    valid: bool,
    user_id: Uuid,
    username: String,
    role: Role,
    exp: i64,
}

/// Check an access token.
#[utoipa::path(get, path = "/auth/verify", operation_id = "verifyToken", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Verified), (status = 401, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "auth::verify")
)]
pub async fn verify(auth: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(Verified {
        valid: true,
        user_id: auth.claims.sub,
        username: auth.claims.username,
        role: auth.claims.role,
        exp: auth.claims.exp,
    })
}

/// The caller's account, every field.
#[utoipa::path(get, path = "/auth/me", operation_id = "getMe", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "auth::me")
)]
pub async fn me(actors: web::Data<WorkerActors>, auth: AuthUser) -> AppResult<HttpResponse> {
    let user = actors
        .auth
        .ask(GetMe {
            caller: auth.caller,
        })
        .await??;
    Ok(HttpResponse::Ok().json(user))
}
