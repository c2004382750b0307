//! `MediaActor`: uploads, their metadata and deletion (SPEC §6). An upload's type
//! comes from its bytes, an image's size from its header (before anything decodes
//! it); the object is written first and the row with its `media.uploaded` event
//! commits after, so a row never names a missing object — and a failed commit
//! removes the object again.

pub mod files;
pub mod jobs;
pub mod naming;
pub mod thumbnailer;

use std::sync::Arc;

use actix::{Actor, Context, Handler, ResponseFuture, Supervised};
use uuid::Uuid;

use crate::actors::forward::Forwarder;
use crate::db::{DbPool, media, outbox, projects};
use crate::error::{AppError, AppResult};
use crate::imaging::{self, FileKind};
use crate::messages::auth::Caller;
use crate::messages::events::{DomainEvent, MediaDeleted, MediaUploaded, ProjectChanged};
use crate::messages::media::{DeleteMedia, GetMedia, ListMedia, Media, ThumbnailStatus, Upload};
use crate::messages::page::Page;
use crate::problem_code::ProblemCode;
use crate::storage::{ObjectKey, ObjectStore};

use naming::{MediaUrls, display_name, extension, thumbnail_key, upload_key};

/// What every `MediaActor` shares.
#[derive(Clone)]
pub struct MediaContext {
    pub pool: DbPool,
    pub store: Arc<dyn ObjectStore>,
    pub urls: MediaUrls,
    pub max_image_pixels: u64,
}

/// One per HTTP worker; it holds only the shared context.
pub struct MediaActor {
    ctx: Arc<MediaContext>,
}

impl MediaActor {
    pub fn new(ctx: Arc<MediaContext>) -> Self {
        MediaActor { ctx }
    }
}

impl Forwarder for MediaActor {
    type Shared = Arc<MediaContext>;
    fn shared(&self) -> &Arc<MediaContext> {
        &self.ctx
    }
}

impl Actor for MediaActor {
    type Context = Context<Self>;
}

impl Supervised for MediaActor {}

fn may_change(caller: &Caller, owner: Uuid) -> bool {
    caller.id == owner || caller.role.is_admin()
}

/// The type the bytes announce, checked against the name's extension; for images,
/// the declared size against `max_pixels`.
fn inspect(bytes: &[u8], name: &str, max_pixels: u64) -> AppResult<FileKind> {
    let kind = FileKind::sniff(bytes).ok_or_else(|| AppError::UnsupportedMediaType {
        detail: "the file is not a JPEG, PNG, GIF, WebP or PDF".to_owned(),
    })?;
    if let Some(ext) = extension(name)
        && !kind.matches_extension(ext)
    {
        return Err(AppError::UnsupportedMediaType {
            detail: format!(
                "the file's content is {} but its name ends in .{ext}",
                kind.mime_type()
            ),
        });
    }
    if kind.is_image() {
        let (width, height) =
            imaging::declared_dimensions(bytes, kind).map_err(|_| AppError::Unprocessable {
                code: ProblemCode::UndecodableImage,
                detail: "the image's header cannot be read".to_owned(),
            })?;
        if u64::from(width) * u64::from(height) > max_pixels {
            return Err(AppError::Unprocessable {
                code: ProblemCode::ImageTooLarge,
                detail: format!(
                    "the image declares {width}×{height} pixels; at most {max_pixels} are accepted"
                ),
            });
        }
    }
    Ok(kind)
}

/// The project an upload names must exist and be the caller's (or the caller an admin).
fn check_project(caller: &Caller, owner: Option<Uuid>) -> AppResult<()> {
    match owner {
        None => Err(AppError::not_found("project")),
        Some(owner) if !may_change(caller, owner) => Err(AppError::forbidden(
            ProblemCode::NotYourProject,
            "files can only be attached to your own projects",
        )),
        Some(_) => Ok(()),
    }
}

impl Handler<Upload> for MediaActor {
    type Result = ResponseFuture<AppResult<Media>>;

    fn handle(&mut self, msg: Upload, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |ctx| {
            let name = display_name(msg.original_filename.as_deref());
            let kind = inspect(&msg.bytes, &name, ctx.max_image_pixels)?;
            if let Some(project) = msg.project_id {
                let db = ctx.pool.get().await?;
                let owner = projects::find(&db, project).await?.map(|p| p.user_id);
                check_project(&msg.caller, owner)?;
            }
            let id = Uuid::now_v7();
            let key = upload_key(msg.caller.id, id, kind);
            let object = ObjectKey::parse(&key)
                .ok_or_else(|| AppError::internal(format!("invalid object key {key}")))?;
            let file = media::NewMedia {
                id,
                user_id: msg.caller.id,
                project_id: msg.project_id,
                original_filename: &name,
                file_path: &key,
                file_size: i64::try_from(msg.bytes.len()).unwrap_or(i64::MAX),
                mime_type: kind.mime_type(),
                thumbnail_status: if kind.is_image() {
                    ThumbnailStatus::Pending
                } else {
                    ThumbnailStatus::Skipped
                },
            };
            ctx.store.put(&object, msg.bytes, kind.mime_type()).await?;
            // Tests kill the process here: the object is written, its row is not.
            #[cfg(debug_assertions)]
            crate::fault::point("upload-after-object-write");
            let recorded = record_upload(&ctx, &msg.caller, &file).await;
            if recorded.is_err()
                && let Err(e) = ctx.store.delete(&object).await
            {
                tracing::warn!(key, error = %e, "cannot remove the object of a failed upload");
            }
            recorded.map(|row| ctx.urls.media(row))
        })
    }
}

/// The row and its `media.uploaded` event, in one transaction.
async fn record_upload(
    ctx: &MediaContext,
    caller: &Caller,
    file: &media::NewMedia<'_>,
) -> AppResult<media::MediaRow> {
    let mut db = ctx.pool.get().await?;
    let tx = db.transaction().await?;
    if let Some(project) = file.project_id {
        // Locked so the project cannot vanish before the row naming it commits.
        check_project(caller, projects::lock_owner(&tx, project).await?)?;
    }
    let row = media::insert(&tx, file).await?;
    let event = MediaUploaded {
        file_id: file.id,
        path: file.file_path.to_owned(),
        owner_id: file.user_id,
        project_id: file.project_id,
        file_url: ctx.urls.of(file.file_path),
        mime_type: file.mime_type.to_owned(),
    };
    outbox::record(&tx, DomainEvent::MediaUploaded(event)).await?;
    tx.commit().await?;
    Ok(row)
}

impl Handler<GetMedia> for MediaActor {
    type Result = ResponseFuture<AppResult<Media>>;

    fn handle(&mut self, msg: GetMedia, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |ctx| {
            let db = ctx.pool.get().await?;
            let row = media::find(&db, msg.id)
                .await?
                .ok_or_else(|| AppError::not_found("file"))?;
            Ok(ctx.urls.media(row))
        })
    }
}

impl Handler<ListMedia> for MediaActor {
    type Result = ResponseFuture<AppResult<Page<Media>>>;

    fn handle(&mut self, msg: ListMedia, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |ctx| {
            let db = ctx.pool.get().await?;
            let (limit, offset) = (msg.page.limit(), msg.page.offset());
            let (rows, total) = match msg.project_id {
                None => media::list(&db, limit, offset).await?,
                Some(project) => media::list_of_project(&db, project, limit, offset)
                    .await?
                    .ok_or_else(|| AppError::not_found("project"))?,
            };
            let items = rows.into_iter().map(|row| ctx.urls.media(row)).collect();
            Ok(Page::new(items, total, msg.page))
        })
    }
}

impl Handler<DeleteMedia> for MediaActor {
    type Result = ResponseFuture<AppResult<()>>;

    fn handle(&mut self, msg: DeleteMedia, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |ctx| {
            let mut db = ctx.pool.get().await?;
            let tx = db.transaction().await?;
            let row = media::lock(&tx, msg.id)
                .await?
                .ok_or_else(|| AppError::not_found("file"))?;
            if !may_change(&msg.caller, row.user_id) {
                return Err(AppError::forbidden(
                    ProblemCode::NotYourFile,
                    "only the owner or an admin may delete this file",
                ));
            }
            media::delete(&tx, msg.id).await?;
            // A project showing this file's thumbnail stops pointing at nothing.
            if let (Some(project_id), Some(thumbnail)) = (row.project_id, &row.thumbnail_path)
                && let Some(user_id) =
                    projects::clear_thumbnail_if(&tx, project_id, &ctx.urls.of(thumbnail)).await?
            {
                let changed = ProjectChanged {
                    project_id,
                    user_id,
                };
                outbox::record(&tx, DomainEvent::ProjectUpdated(changed)).await?;
            }
            let event = MediaDeleted {
                file_id: row.id,
                owner_id: row.user_id,
                path: row.file_path.clone(),
            };
            outbox::record(&tx, DomainEvent::MediaDeleted(event)).await?;
            tx.commit().await?;
            // Removed now so the 204 means gone; the `media.deleted` consumer removes
            // them again if this process dies first.
            let _ = remove_objects(ctx.store.as_ref(), &row.file_path, row.user_id, row.id).await;
            Ok(())
        })
    }
}

/// Removes a file's upload and thumbnail; failures are logged (the event retries).
pub async fn remove_objects(
    store: &dyn ObjectStore,
    path: &str,
    owner: Uuid,
    file_id: Uuid,
) -> Result<(), String> {
    let mut failed = None;
    for key in [path.to_owned(), thumbnail_key(owner, file_id)] {
        let Some(object) = ObjectKey::parse(&key) else {
            continue;
        };
        if let Err(e) = store.delete(&object).await {
            tracing::warn!(key, error = %e, "cannot remove a stored file");
            failed = Some(e.to_string());
        }
    }
    failed.map_or(Ok(()), Err)
}

crate::traced!(MediaActor: Upload, GetMedia, ListMedia, DeleteMedia, crate::messages::media::OpenMediaFile);
