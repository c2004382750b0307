//! SPEC §3: users list, read, admin create, partial update, admin delete.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actors::WorkerActors;
use crate::actors::traced::Ask;
use crate::error::AppResult;
use crate::http::auth::RegisterBody;
use crate::http::conditional::send_json_body;
use crate::http::extract::{AuthUser, KeysetPagination};
use crate::http::json_object::JsonObject;
use crate::http::patch::double_option;
use crate::http::problem::Problem;
use crate::messages::auth::{Role, User};
use crate::messages::page::Page;
use crate::messages::users::{
    CreateUser, DeleteUser, GetUser, ListUsers, UpdateUser, UserPatch, UserView,
};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct UserQuery {
    /// Matches username or name (and email, for admins).
    q: Option<String>,
}

/// A page of users; admins see every field, others public fields.
#[utoipa::path(get, path = "/users", operation_id = "listUsers", tag = "users", security(("bearer" = [])),
    params(UserQuery, ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1 (not with `cursor`)"), ("size" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"), ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page (not with `page`)")),
    responses((status = 200, body = Page<UserView>, description = "One page: `items`, `total` (exact), `page` (absent when asked by cursor), `size`, `pages`, `next_cursor` (`null` on the last page); with a weak `ETag`"), (status = 304, description = "`If-None-Match` holds the current `ETag`"), (status = 400, body = Problem), (status = 401, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "users::list")
)]
pub async fn list(
    req: HttpRequest,
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    page: KeysetPagination,
    query: web::Query<UserQuery>,
) -> AppResult<HttpResponse> {
    let message = ListUsers {
        caller: auth.caller,
        request: page.0,
        q: query.into_inner().q,
    };
    send_json_body(&req, &actors.auth.ask(message).await??)
}

/// One user: every field for admins and the user themself, public fields for others.
#[utoipa::path(get, path = "/users/{id}", operation_id = "getUser", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "users::get")
)]
pub async fn get(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let user = actors
        .auth
        .ask(GetUser {
            caller: auth.caller,
            id: id.into_inner(),
        })
        .await??;
    Ok(HttpResponse::Ok().json(user))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateUserBody {
    #[serde(flatten)]
    account: RegisterBody,
}

/// An admin creates a user with a role they may grant.
#[utoipa::path(post, path = "/users", operation_id = "createUser", tag = "users", security(("bearer" = [])), request_body = RegisterBody,
    responses((status = 201, body = User), (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "users::create")
)]
pub async fn create(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    body: JsonObject<CreateUserBody>,
) -> AppResult<HttpResponse> {
    let (account, requested_role) = body.into_inner().account.into_account();
    let user = actors
        .auth
        .ask(CreateUser {
            caller: auth.caller,
            account,
            requested_role,
        })
        .await??;
    Ok(HttpResponse::Created().json(user))
}

#[derive(Deserialize, ToSchema)]
pub struct PatchUserBody {
    #[schema(pattern = "^\\s*[A-Za-z0-9_.-]{3,50}\\s*$")]
    username: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    email: Option<Option<String>>,
    #[serde(default, alias = "fullname", deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    name: Option<Option<String>>,
    #[serde(default, alias = "no_tlp", deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    gender: Option<Option<String>>,
    /// 8 to 72 bytes (bcrypt's limit).
    #[schema(min_length = 8)]
    password: Option<String>,
    current_password: Option<String>,
    role: Option<Role>,
}

/// Partial update by the owner or an admin (PUT is accepted too).
#[utoipa::path(method(patch, put), path = "/users/{id}", operation_id = "updateUser", tag = "users", security(("bearer" = [])), request_body = PatchUserBody,
    responses((status = 200, body = User), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "users::update")
)]
pub async fn update(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    body: JsonObject<PatchUserBody>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let patch = UserPatch {
        username: b.username,
        email: b.email,
        name: b.name,
        phone: b.phone,
        gender: b.gender,
        password: b.password,
        current_password: b.current_password,
        role: b.role,
    };
    let user = actors
        .auth
        .ask(UpdateUser {
            caller: auth.caller,
            id: id.into_inner(),
            patch,
        })
        .await??;
    Ok(HttpResponse::Ok().json(user))
}

/// An admin deletes a user (their refresh tokens go too).
#[utoipa::path(delete, path = "/users/{id}", operation_id = "deleteUser", tag = "users", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "last_superadmin")))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "users::delete")
)]
pub async fn delete(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    actors
        .auth
        .ask(DeleteUser {
            caller: auth.caller,
            id: id.into_inner(),
        })
        .await??;
    Ok(HttpResponse::NoContent().finish())
}
