//! SPEC §6: uploads and file metadata. An upload is read field by field and the
//! size limit is enforced while reading: a declared `Content-Length` over the
//! limit is refused before any byte is read, and a body without one is cut off as
//! soon as it passes the limit. At most `CONCURRENT_UPLOADS` are read at once
//! (503 beyond), so uploads hold at most that many × `MAX_UPLOAD_BYTES` of memory.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::BytesMut;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::Semaphore;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actors::WorkerActors;
use crate::actors::traced::Ask;
use crate::error::{AppError, AppResult};
use crate::http::extract::{AuthUser, Pagination};
use crate::http::problem::Problem;
use crate::messages::media::{DeleteMedia, GetMedia, ListMedia, Media, Upload};
use crate::messages::page::Page;
use crate::problem_code::ProblemCode;

/// Uploads read at the same time, per process.
const CONCURRENT_UPLOADS: usize = 32;
/// Room for the multipart framing and the small fields around the file.
const FORM_OVERHEAD: u64 = 16 * 1024;
/// Longest accepted `project_id` field.
const SMALL_FIELD_MAX: usize = 128;

/// The upload limit and the places for uploads being read.
#[derive(Clone)]
pub struct UploadLimits {
    max_bytes: u64,
    places: Arc<Semaphore>,
}

impl UploadLimits {
    pub fn new(max_bytes: u64) -> Self {
        UploadLimits {
            max_bytes,
            places: Arc::new(Semaphore::new(CONCURRENT_UPLOADS)),
        }
    }

    fn too_large(&self) -> AppError {
        AppError::PayloadTooLarge {
            detail: format!("uploads are limited to {} bytes", self.max_bytes),
        }
    }
}

/// The multipart form of an upload (for the OpenAPI document).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    project_id: Option<Uuid>,
}

/// What was read from the form.
#[derive(Default)]
struct Form {
    file: Option<(Option<String>, bytes::Bytes)>,
    project_id: Option<Uuid>,
}

fn malformed(e: impl std::fmt::Display) -> AppError {
    AppError::BadRequest {
        code: ProblemCode::MalformedMultipart,
        detail: format!("the multipart body cannot be read: {e}"),
    }
}

async fn read_form(limits: &UploadLimits, mut multipart: Multipart) -> AppResult<Form> {
    let mut form = Form::default();
    let mut read: u64 = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let mut buffer = BytesMut::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            read += chunk.len() as u64;
            if read > limits.max_bytes {
                return Err(limits.too_large());
            }
            if name != "file" && buffer.len() + chunk.len() > SMALL_FIELD_MAX {
                return Err(AppError::invalid_field(&name, "is too long"));
            }
            buffer.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" if form.file.is_some() => {
                return Err(AppError::invalid_field("file", "send one file per upload"));
            }
            "file" => form.file = Some((filename, buffer.freeze())),
            "project_id" => {
                let text = std::str::from_utf8(&buffer).unwrap_or_default().trim();
                if !text.is_empty() {
                    let id = Uuid::parse_str(text)
                        .map_err(|_| AppError::invalid_field("project_id", "must be a UUID"))?;
                    form.project_id = Some(id);
                }
            }
            // Other fields are read (within the limit) and ignored.
            _ => {}
        }
    }
    Ok(form)
}

/// Upload a file (`multipart/form-data`: `file`, optional `project_id`).
#[utoipa::path(post, path = "/media/upload", operation_id = "uploadMedia", tag = "media", security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Media), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "media::upload")
)]
pub async fn upload(
    actors: web::Data<WorkerActors>,
    limits: web::Data<UploadLimits>,
    auth: AuthUser,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limits.max_bytes + FORM_OVERHEAD) {
        return Err(limits.too_large());
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_form {
        return Err(AppError::UnsupportedMediaType {
            detail: "uploads must be sent as multipart/form-data".to_owned(),
        });
    }
    let _place = limits
        .places
        .clone()
        .try_acquire_owned()
        .map_err(|_| AppError::Unavailable {
            code: ProblemCode::UploadsBusy,
            detail: "too many uploads in progress; try again shortly".to_owned(),
            retry_after_secs: 1,
        })?;
    let form = read_form(&limits, Multipart::new(req.headers(), payload)).await?;
    let (original_filename, bytes) = form
        .file
        .ok_or_else(|| AppError::invalid_field("file", "is required"))?;
    let message = Upload {
        caller: auth.caller,
        bytes,
        original_filename,
        project_id: form.project_id,
    };
    let media = actors.media.ask(message).await??;
    Ok(HttpResponse::Created().json(media))
}

/// One file's record: URLs, type, size and thumbnail status.
#[utoipa::path(get, path = "/media/{id}", operation_id = "getMedia", tag = "media",
    responses((status = 200, body = Media), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "media::get")
)]
pub async fn get(actors: web::Data<WorkerActors>, id: web::Path<Uuid>) -> AppResult<HttpResponse> {
    let media = actors
        .media
        .ask(GetMedia {
            id: id.into_inner(),
        })
        .await??;
    Ok(HttpResponse::Ok().json(media))
}

#[derive(Deserialize)]
pub struct MediaFilter {
    project_id: Option<String>,
}

/// Files, newest first; `project_id` narrows to one project's.
#[utoipa::path(get, path = "/media", operation_id = "listMedia", tag = "media",
    params(("project_id" = Option<Uuid>, Query), ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1"), ("size" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)")),
    responses((status = 200, body = Page<Media>, description = "One page: `items`, `total`, `page`, `size`, `pages`"), (status = 400, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "media::list")
)]
pub async fn list(
    actors: web::Data<WorkerActors>,
    filter: web::Query<MediaFilter>,
    page: Pagination,
) -> AppResult<HttpResponse> {
    let project_id = match filter
        .project_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => None,
        Some(text) => Some(
            Uuid::parse_str(text)
                .map_err(|_| AppError::invalid_field("project_id", "must be a UUID"))?,
        ),
    };
    let message = ListMedia {
        project_id,
        page: page.0,
    };
    Ok(HttpResponse::Ok().json(actors.media.ask(message).await??))
}

/// Delete a file and its thumbnail (owner or admin).
#[utoipa::path(delete, path = "/media/{id}", operation_id = "deleteMedia", tag = "media", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "media::delete")
)]
pub async fn delete(
    actors: web::Data<WorkerActors>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let message = DeleteMedia {
        caller: auth.caller,
        id: id.into_inner(),
    };
    actors.media.ask(message).await??;
    Ok(HttpResponse::NoContent().finish())
}
