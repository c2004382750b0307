//! `MediaJobsActor`: the consumer of `media.events`. For `media.uploaded` it makes
//! the thumbnail on the `ThumbnailerPool`, stores it under a key derived from the
//! file id, sets the project's `thumbnail_url` (through the `PortfolioActor`, so
//! `project.updated` reaches the index) and marks the row `done` — in that order,
//! so a crash at any point is repaired by the redelivery, and a repeat changes
//! nothing. For `media.deleted` it removes both objects (again: deletion already
//! tried once, this makes it survive a crash). Errors are typed: an image that
//! cannot be decoded (or is too large) is an `Abort`, marked `failed` and
//! dead-lettered at once with its reason; a storage, database or portfolio outage
//! is a `Retry`, retried with backoff, and marked `failed` only on the last try.

use std::sync::Arc;

use actix::{Actor, Addr, Context, Handler, ResponseFuture, Supervised};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use uuid::Uuid;

use crate::actors::forward::Forwarder;
use crate::actors::media::naming::{MediaUrls, thumbnail_key};
use crate::actors::media::remove_objects;
use crate::actors::media::thumbnailer::ThumbnailerPool;
use crate::actors::portfolio::PortfolioActor;
use crate::db::{DbPool, media};
use crate::error::AppError;
use crate::messages::events::{DomainEvent, HandleEvent, HandlerError};
use crate::messages::media::ThumbnailStatus;
use crate::messages::projects::SetThumbnail;
use crate::storage::{ObjectKey, ObjectStore};

pub struct MediaJobsActor {
    jobs: Arc<MediaJobs>,
}

/// What the jobs need; shared by the concurrent handlers.
pub struct MediaJobs {
    pub pool: DbPool,
    pub store: Arc<dyn ObjectStore>,
    pub thumbnailer: ThumbnailerPool,
    pub portfolio: Addr<PortfolioActor>,
    pub urls: MediaUrls,
}

impl MediaJobsActor {
    pub fn new(jobs: Arc<MediaJobs>) -> Self {
        MediaJobsActor { jobs }
    }
}

impl Actor for MediaJobsActor {
    type Context = Context<Self>;
}

impl Supervised for MediaJobsActor {}

impl Forwarder for MediaJobsActor {
    type Shared = Arc<MediaJobs>;
    fn shared(&self) -> &Arc<MediaJobs> {
        &self.jobs
    }
}

impl Handler<HandleEvent> for MediaJobsActor {
    type Result = ResponseFuture<Result<(), HandlerError>>;

    fn handle(&mut self, msg: HandleEvent, _: &mut Context<Self>) -> Self::Result {
        self.answer_in(msg.span.clone(), async move |jobs| {
            match msg.envelope.event {
                DomainEvent::MediaUploaded(uploaded) => {
                    let made = jobs.thumbnail(uploaded.file_id).await;
                    if let Err(error) = &made
                        && (msg.last_attempt || error.is_abort())
                    {
                        tracing::error!(file_id = %uploaded.file_id, %error, "thumbnail failed for good");
                        jobs.mark_failed(uploaded.file_id).await?;
                    }
                    made
                }
                DomainEvent::MediaDeleted(deleted) => remove_objects(
                    jobs.store.as_ref(),
                    &deleted.path,
                    deleted.owner_id,
                    deleted.file_id,
                )
                .await
                .map_err(HandlerError::Retry),
                _ => Ok(()),
            }
        })
    }
}

impl MediaJobs {
    #[tracing::instrument(name = "thumbnail_job", level = "debug", skip(self))]
    async fn thumbnail(&self, file_id: Uuid) -> Result<(), HandlerError> {
        let row = {
            let db = self.pool.get().await.map_err(HandlerError::retry)?;
            media::find(&db, file_id)
                .await
                .map_err(HandlerError::retry)?
        };
        // Deleted meanwhile, already made, or not an image: nothing to do.
        let Some(row) = row else { return Ok(()) };
        if !matches!(
            row.thumbnail_status,
            ThumbnailStatus::Pending | ThumbnailStatus::Failed
        ) {
            return Ok(());
        }
        let source = ObjectKey::parse(&row.file_path).ok_or_else(|| {
            HandlerError::abort(format!(
                "stored path {:?} is not a valid key",
                row.file_path
            ))
        })?;
        let bytes = self.read(&source).await.map_err(HandlerError::retry)?;
        let thumbnail = self.thumbnailer.make(bytes).await?;
        let key = thumbnail_key(row.user_id, row.id);
        let target = ObjectKey::parse(&key)
            .ok_or_else(|| HandlerError::abort(format!("invalid key {key}")))?;
        self.store
            .put(&target, Bytes::from(thumbnail.jpeg), "image/jpeg")
            .await
            .map_err(HandlerError::retry)?;
        if let Some(project) = row.project_id {
            self.set_project_thumbnail(project, &key).await?;
        }
        let db = self.pool.get().await.map_err(HandlerError::retry)?;
        let recorded = media::mark_thumbnail_done(&db, row.id, &key)
            .await
            .map_err(HandlerError::retry)?;
        if !recorded {
            // The file was deleted while its thumbnail was being made.
            self.store
                .delete(&target)
                .await
                .map_err(HandlerError::retry)?;
        }
        Ok(())
    }

    /// The project shows the new thumbnail (a project deleted meanwhile is fine).
    async fn set_project_thumbnail(&self, project: Uuid, key: &str) -> Result<(), HandlerError> {
        let set = SetThumbnail {
            caller: None,
            id: project,
            thumbnail_url: Some(self.urls.of(key)),
        };
        match self
            .portfolio
            .send(set)
            .await
            .map_err(HandlerError::retry)?
        {
            Ok(_) | Err(AppError::NotFound { .. }) => Ok(()),
            Err(e) => Err(HandlerError::retry(format!(
                "cannot set the project's thumbnail: {e}"
            ))),
        }
    }

    async fn read(&self, key: &ObjectKey) -> Result<Bytes, String> {
        let object = self
            .store
            .get(key)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("the uploaded object {} is missing", key.as_str()))?;
        let mut buffer = BytesMut::with_capacity(usize::try_from(object.meta.size).unwrap_or(0));
        let mut body = object.body;
        while let Some(chunk) = body.next().await {
            buffer.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
        }
        Ok(buffer.freeze())
    }

    async fn mark_failed(&self, file_id: Uuid) -> Result<(), HandlerError> {
        let db = self.pool.get().await.map_err(HandlerError::retry)?;
        media::mark_thumbnail_failed(&db, file_id)
            .await
            .map_err(HandlerError::retry)
    }
}
