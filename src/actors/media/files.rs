//! Serving stored files (`/media/uploads/...`, `/media/thumbnails/...`): only keys
//! that parse as plain `ObjectKey`s and name an accepted file type are looked up,
//! so no path leads anywhere else; a matching `If-None-Match` answers without
//! reading the object.

use actix::{Context, Handler, ResponseFuture};
use futures_util::StreamExt;

use crate::actors::forward::Forwarder;
use crate::actors::media::MediaActor;
use crate::error::{AppError, AppResult};
use crate::imaging::FileKind;
use crate::messages::media::{MediaFile, OpenMediaFile};
use crate::storage::ObjectKey;

const SERVED_PREFIXES: [&str; 2] = ["uploads/", "thumbnails/"];

/// `"<etag>"` as sent in the `ETag` header.
fn quoted(etag: &str) -> String {
    format!("\"{}\"", etag.trim_matches('"'))
}

/// Whether an `If-None-Match` value names this (quoted) entity tag.
pub fn none_match(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

impl Handler<OpenMediaFile> for MediaActor {
    type Result = ResponseFuture<AppResult<MediaFile>>;

    fn handle(&mut self, msg: OpenMediaFile, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |ctx| {
            let store = &ctx.store;
            let missing = || AppError::not_found("file");
            if !SERVED_PREFIXES.iter().any(|p| msg.path.starts_with(p)) {
                return Err(missing());
            }
            let key = ObjectKey::parse(&msg.path).ok_or_else(missing)?;
            let kind = FileKind::of_key(key.as_str()).ok_or_else(missing)?;
            if let Some(header) = &msg.if_none_match {
                let meta = store.head(&key).await?.ok_or_else(missing)?;
                let etag = quoted(&meta.etag);
                if none_match(header, &etag) {
                    return Ok(MediaFile::NotModified { etag });
                }
            }
            let object = store.get(&key).await?.ok_or_else(missing)?;
            let body = object
                .body
                .map(|chunk| chunk.map_err(std::io::Error::other))
                .boxed();
            Ok(MediaFile::Body {
                etag: quoted(&object.meta.etag),
                size: object.meta.size,
                content_type: kind.mime_type(),
                body,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{none_match, quoted};

    #[test]
    fn if_none_match_lists_weak_tags_and_star() {
        let etag = quoted("abc");
        assert_eq!(etag, "\"abc\"");
        assert_eq!(quoted("\"abc\""), etag);
        assert!(none_match("\"abc\"", &etag));
        assert!(none_match("\"x\", W/\"abc\"", &etag));
        assert!(none_match("*", &etag));
        assert!(!none_match("\"abd\"", &etag));
        assert!(!none_match("abc", &etag));
    }
}
