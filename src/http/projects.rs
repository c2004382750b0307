//! SPEC §5: portfolio projects.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actors::WorkerActors;
use crate::actors::traced::Ask;
use crate::error::{AppError, AppResult};
use crate::http::conditional::{json_with_etag, send_json_body};
use crate::http::extract::{AuthUser, KeysetPagination};
use crate::http::json_object::JsonObject;
use crate::http::patch::double_option;
use crate::http::problem::Problem;
use crate::messages::page::Page;
use crate::messages::projects::{
    CreateProject, DeleteProject, GetProject, ListProjects, Project, ProjectFields,
    ReindexProjects, SetThumbnail, UpdateProject,
};

#[derive(Deserialize, ToSchema)]
pub struct ProjectBody {
    /// Required on create; may be changed, never cleared.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1)]
    title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    tags: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    link: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    thumbnail_url: Option<Option<String>>,
}

impl ProjectBody {
    fn into_fields(self) -> AppResult<ProjectFields> {
        let title = match self.title {
            Some(None) => return Err(AppError::invalid_field("title", "cannot be cleared")),
            Some(Some(t)) => Some(t),
            None => None,
        };
        Ok(ProjectFields {
            title,
            description: self.description,
            tags: self.tags,
            link: self.link,
            thumbnail_url: self.thumbnail_url,
        })
    }
}

/// Create a project (the caller owns it).
#[utoipa::path(post, path = "/projects", operation_id = "createProject", tag = "projects", security(("bearer" = [])), request_body = ProjectBody,
    responses((status = 201, body = Project), (status = 400, body = Problem), (status = 401, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "projects::create")
)]
pub async fn create(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    body: JsonObject<ProjectBody>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner().into_fields()?;
    if fields.title.is_none() {
        return Err(AppError::invalid_field("title", "is required"));
    }
    let project = actors
        .portfolio
        .ask(CreateProject {
            caller: auth.caller,
            fields,
        })
        .await??;
    Ok(HttpResponse::Created().json(project))
}

/// One project by id.
#[utoipa::path(get, path = "/projects/{id}", operation_id = "getProject", tag = "projects",
    responses((status = 200, body = Project, description = "With a weak `ETag`"), (status = 304, description = "`If-None-Match` holds the current `ETag`"), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "projects::get")
)]
pub async fn get(
    req: HttpRequest,
    actors: web::Data<WorkerActors>,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let project = actors
        .portfolio
        .ask(GetProject {
            id: id.into_inner(),
        })
        .await??;
    json_with_etag(&req, &project)
}

/// Every project, newest first.
#[utoipa::path(get, path = "/projects", operation_id = "listProjects", tag = "projects",
    params(("page" = Option<u32>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1 (not with `cursor`)"), ("size" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"), ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page: the page just after it, as fast at any depth (not with `page`)")),
    responses((status = 200, body = Page<Project>, description = "One page: `items`, `total` (exact), `page` (absent when asked by cursor), `size`, `pages`, `next_cursor` (`null` on the last page); with a weak `ETag`"), (status = 304, description = "`If-None-Match` holds the current `ETag`"), (status = 400, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "projects::list")
)]
pub async fn list(
    req: HttpRequest,
    actors: web::Data<WorkerActors>,
    page: KeysetPagination,
) -> AppResult<HttpResponse> {
    let projects = actors
        .portfolio
        .ask(ListProjects {
            owner: None,
            request: page.0,
        })
        .await??;
    send_json_body(&req, &projects)
}

/// One user's projects, newest first.
#[utoipa::path(get, path = "/projects/user/{user_id}", operation_id = "listUserProjects", tag = "projects",
    params(("page" = Option<u32>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1 (not with `cursor`)"), ("size" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"), ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page: the page just after it, as fast at any depth (not with `page`)")),
    responses((status = 200, body = Page<Project>, description = "One page: `items`, `total` (exact), `page` (absent when asked by cursor), `size`, `pages`, `next_cursor` (`null` on the last page); with a weak `ETag`"), (status = 304, description = "`If-None-Match` holds the current `ETag`"), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "projects::by_user")
)]
pub async fn by_user(
    req: HttpRequest,
    actors: web::Data<WorkerActors>,
    user_id: web::Path<Uuid>,
    page: KeysetPagination,
) -> AppResult<HttpResponse> {
    let message = ListProjects {
        owner: Some(user_id.into_inner()),
        request: page.0,
    };
    let page = actors.portfolio.ask(message).await??;
    send_json_body(&req, &page)
}

/// Partial update by the owner or an admin (absent keeps, `null` clears).
#[utoipa::path(method(patch, put), path = "/projects/{id}", operation_id = "updateProject", tag = "projects", security(("bearer" = [])), request_body = ProjectBody,
    responses((status = 200, body = Project), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "projects::update")
)]
pub async fn update(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    body: JsonObject<ProjectBody>,
) -> AppResult<HttpResponse> {
    let message = UpdateProject {
        caller: auth.caller,
        id: id.into_inner(),
        fields: body.into_inner().into_fields()?,
    };
    Ok(HttpResponse::Ok().json(actors.portfolio.ask(message).await??))
}

#[derive(Deserialize, ToSchema)]
pub struct ThumbnailBody {
    thumbnail_url: Option<String>,
}

/// Set (or, with `null`, clear) the thumbnail.
#[utoipa::path(put, path = "/projects/{id}/thumbnail", operation_id = "setProjectThumbnail", tag = "projects", security(("bearer" = [])), request_body = ThumbnailBody,
    responses((status = 200, body = Project), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "projects::set_thumbnail")
)]
pub async fn set_thumbnail(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    body: JsonObject<ThumbnailBody>,
) -> AppResult<HttpResponse> {
    let message = SetThumbnail {
        caller: Some(auth.caller),
        id: id.into_inner(),
        thumbnail_url: body.into_inner().thumbnail_url,
    };
    Ok(HttpResponse::Ok().json(actors.portfolio.ask(message).await??))
}

/// Delete a project (owner or admin); its files stay, detached.
#[utoipa::path(delete, path = "/projects/{id}", operation_id = "deleteProject", tag = "projects", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "projects::delete")
)]
pub async fn delete(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let message = DeleteProject {
        caller: auth.caller,
        id: id.into_inner(),
    };
    actors.portfolio.ask(message).await??;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct Queued {
    queued: u64,
}

/// Re-emit every project so the search index can be rebuilt (admin).
#[utoipa::path(post, path = "/admin/reindex-projects", operation_id = "reindexProjects", tag = "projects", security(("bearer" = [])),
    responses((status = 202, body = Queued), (status = 403, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "projects::reindex")
)]
pub async fn reindex(actors: web::Data<WorkerActors>, auth: AuthUser) -> AppResult<HttpResponse> {
    let queued = actors
        .portfolio
        .ask(ReindexProjects {
            caller: auth.caller,
        })
        .await??;
    Ok(HttpResponse::Accepted().json(Queued { queued }))
}
