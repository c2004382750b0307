//! SPEC §4: the caller's profile and public profiles.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actors::WorkerActors;
use crate::actors::traced::Ask;
use crate::error::AppResult;
use crate::http::conditional::json_with_etag;
use crate::http::extract::AuthUser;
use crate::http::json_object::JsonObject;
use crate::http::patch::double_option;
use crate::http::problem::Problem;
use crate::messages::profiles::{
    GetOwnProfile, GetPublicProfile, Profile, ProfilePatch, UpdateProfile,
};

/// The caller's profile, with their email.
#[utoipa::path(get, path = "/profile/me", operation_id = "getMyProfile", tag = "profiles", security(("bearer" = [])),
    responses((status = 200, body = Profile), (status = 401, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "profiles::me")
)]
pub async fn me(actors: web::Data<WorkerActors>, auth: AuthUser) -> AppResult<HttpResponse> {
    let profile = actors
        .profile
        .ask(GetOwnProfile {
            caller: auth.caller,
        })
        .await??;
    Ok(HttpResponse::Ok().json(profile))
}

#[derive(Deserialize, ToSchema)]
pub struct ProfileBody {
    #[serde(default, alias = "fullname", deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    contact: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Object>)]
    social_links: Option<Option<BTreeMap<String, String>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    avatar_url: Option<Option<String>>,
}

/// Upsert the given fields only (`null` clears one). PATCH is accepted too.
#[utoipa::path(method(put, patch), path = "/profile/me", operation_id = "updateMyProfile", tag = "profiles", security(("bearer" = [])), request_body = ProfileBody,
    responses((status = 200, body = Profile), (status = 400, body = Problem), (status = 401, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "profiles::update")
)]
pub async fn update(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    body: JsonObject<ProfileBody>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let patch = ProfilePatch {
        name: b.name,
        bio: b.bio,
        contact: b.contact,
        social_links: b.social_links,
        avatar_url: b.avatar_url,
    };
    let profile = actors
        .profile
        .ask(UpdateProfile {
            caller: auth.caller,
            patch,
        })
        .await??;
    Ok(HttpResponse::Ok().json(profile))
}

/// Anyone's public profile (no email).
#[utoipa::path(get, path = "/profiles/{user_id}", operation_id = "getProfile", tag = "profiles",
    responses((status = 200, body = Profile, description = "With a weak `ETag`"), (status = 304, description = "`If-None-Match` holds the current `ETag`"), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "profiles::public")
)]
pub async fn public(
    req: HttpRequest,
    actors: web::Data<WorkerActors>,
    user_id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let profile = actors
        .profile
        .ask(GetPublicProfile {
            user_id: user_id.into_inner(),
        })
        .await??;
    json_with_etag(&req, &profile)
}
