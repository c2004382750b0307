//! SPEC §6: the stored bytes under `/media/uploads/...` and `/media/thumbnails/...`,
//! from either store, with `ETag` (304 on `If-None-Match`), `Cache-Control` and
//! `nosniff`. Any path that is not a plain key of an accepted type is a 404.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};

use crate::actors::WorkerActors;
use crate::actors::traced::Ask;
use crate::error::AppResult;
use crate::http::conditional::held_by;
use crate::http::problem::Problem;
use crate::messages::media::{MediaFile, OpenMediaFile};

/// Keys are never reused (file ids are unique), so caches may keep a file; an hour
/// bounds how long a shared cache can go on serving one after it was deleted.
const CACHE_CONTROL: &str = "public, max-age=3600";

/// An uploaded file.
#[utoipa::path(get, path = "/media/uploads/{path}", operation_id = "getUploadedFile", tag = "media",
    params(("path" = String, Path, description = "`<user_id>/<file_id>.<ext>`")),
    responses((status = 200, description = "the file's bytes"), (status = 304), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "media_files::upload")
)]
pub async fn upload(
    actors: web::Data<WorkerActors>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    serve(&actors, &req, format!("uploads/{path}")).await
}

/// A thumbnail.
#[utoipa::path(get, path = "/media/thumbnails/{path}", operation_id = "getThumbnail", tag = "media",
    params(("path" = String, Path, description = "`<user_id>/<file_id>_thumb.jpg`")),
    responses((status = 200, description = "the JPEG thumbnail"), (status = 304), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "media_files::thumbnail")
)]
pub async fn thumbnail(
    actors: web::Data<WorkerActors>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    serve(&actors, &req, format!("thumbnails/{path}")).await
}

async fn serve(actors: &WorkerActors, req: &HttpRequest, path: String) -> AppResult<HttpResponse> {
    let held = held_by(req);
    let file = actors.media.ask(OpenMediaFile { path, held }).await??;
    Ok(match file {
        MediaFile::NotModified { etag } => {
            with_headers(HttpResponse::NotModified(), &etag).finish()
        }
        MediaFile::Body {
            etag,
            size,
            content_type,
            body,
        } => with_headers(HttpResponse::Ok(), &etag)
            .insert_header((header::CONTENT_TYPE, content_type))
            .no_chunking(size)
            .streaming(body),
    })
}

fn with_headers(mut response: HttpResponseBuilder, etag: &str) -> HttpResponseBuilder {
    if let Ok(value) = HeaderValue::from_str(&format!("\"{etag}\"")) {
        response.insert_header((header::ETAG, value));
    }
    response
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    response
}
