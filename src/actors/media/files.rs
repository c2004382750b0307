//! Serving stored files (`/media/uploads/...`, `/media/thumbnails/...`): only keys
//! that parse as plain `ObjectKey`s and name an accepted file type are looked up,
//! so no path leads anywhere else; a version the client holds is answered without
//! reading the object.

use actix::{Context, Handler, ResponseFuture};
use futures_util::StreamExt;

use crate::actors::forward::Forwarder;
use crate::actors::media::MediaActor;
use crate::actors::media::naming::OBJECT_PREFIXES;
use crate::error::{AppError, AppResult};
use crate::imaging::FileKind;
use crate::messages::media::{MediaFile, OpenMediaFile};
use crate::storage::ObjectKey;

impl Handler<OpenMediaFile> for MediaActor {
    type Result = ResponseFuture<AppResult<MediaFile>>;

    fn handle(&mut self, msg: OpenMediaFile, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |ctx| {
            let store = &ctx.store;
            let missing = || AppError::not_found("file");
            if !OBJECT_PREFIXES.iter().any(|p| msg.path.starts_with(p)) {
                return Err(missing());
            }
            let key = ObjectKey::parse(&msg.path).ok_or_else(missing)?;
            let kind = FileKind::of_key(key.as_str()).ok_or_else(missing)?;
            if let Some(held) = &msg.held {
                let meta = store.head(&key).await?.ok_or_else(missing)?;
                let etag = meta.etag.trim_matches('"');
                if held.includes(etag) {
                    return Ok(MediaFile::NotModified {
                        etag: etag.to_owned(),
                    });
                }
            }
            let object = store.get(&key).await?.ok_or_else(missing)?;
            let body = object
                .body
                .map(|chunk| chunk.map_err(std::io::Error::other))
                .boxed();
            Ok(MediaFile::Body {
                etag: object.meta.etag.trim_matches('"').to_owned(),
                size: object.meta.size,
                content_type: kind.mime_type(),
                body,
            })
        })
    }
}
