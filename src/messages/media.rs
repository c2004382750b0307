//! Uploaded files and their thumbnails (SPEC §6).

use actix::Message;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::AppResult;
use crate::messages::auth::Caller;
use crate::messages::page::{Page, PageRequest};

/// Where a thumbnail stands: images start `pending`, other files are `skipped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ThumbnailStatus {
    Pending,
    Skipped,
    Done,
    Failed,
}

impl ThumbnailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ThumbnailStatus::Pending => "pending",
            ThumbnailStatus::Skipped => "skipped",
            ThumbnailStatus::Done => "done",
            ThumbnailStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Skipped, Self::Done, Self::Failed]
            .into_iter()
            .find(|status| status.as_str() == s)
    }
}

/// A file's metadata as clients see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Media {
    pub id: Uuid,
    pub user_id: Uuid,
    pub project_id: Option<Uuid>,
    /// The stored name, `<id>.<ext>`.
    pub filename: String,
    /// The uploader's name for it, sanitised, for display only.
    pub original_filename: String,
    /// The object key, `uploads/<user_id>/<id>.<ext>`.
    pub file_path: String,
    pub file_url: String,
    pub file_size: u64,
    pub mime_type: String,
    pub thumbnail_url: Option<String>,
    pub thumbnail_status: ThumbnailStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// A received upload; its size limit was enforced while it was read.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<Media>")]
pub struct Upload {
    pub caller: Caller,
    pub bytes: Bytes,
    pub original_filename: Option<String>,
    pub project_id: Option<Uuid>,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<Media>")]
pub struct GetMedia {
    pub id: Uuid,
}

/// Newest first; `project_id: Some` lists one project's files (404 if unknown).
#[derive(Debug, Message)]
#[rtype(result = "AppResult<Page<Media>>")]
pub struct ListMedia {
    pub project_id: Option<Uuid>,
    pub page: PageRequest,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<()>")]
pub struct DeleteMedia {
    pub caller: Caller,
    pub id: Uuid,
}

/// A stored file by its public path below `/media/` (e.g. `uploads/<user>/<file>.png`).
#[derive(Debug, Message)]
#[rtype(result = "AppResult<MediaFile>")]
pub struct OpenMediaFile {
    pub path: String,
    /// The versions the client already holds: if the file is one of them, it is not read.
    pub held: Option<HeldVersions>,
}

/// Versions of a file a client holds, by the store's entity tag (unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldVersions {
    /// Whatever the current version is.
    Any,
    Tags(Vec<String>),
}

impl HeldVersions {
    pub fn includes(&self, etag: &str) -> bool {
        match self {
            HeldVersions::Any => true,
            HeldVersions::Tags(tags) => tags.iter().any(|t| t == etag),
        }
    }
}

/// What opening a stored file answers: the client's version is current, or the
/// file's bytes as a stream (read from the store as they are sent). `etag` is the
/// store's entity tag, unquoted.
pub enum MediaFile {
    NotModified {
        etag: String,
    },
    Body {
        etag: String,
        size: u64,
        content_type: &'static str,
        body: BoxStream<'static, Result<Bytes, std::io::Error>>,
    },
}
