//! Portfolio projects (SPEC §5).

use actix::Message;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::AppResult;
use crate::messages::auth::Caller;
use crate::messages::page::ListRequest;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    pub id: Uuid,
    pub user_id: Uuid,
    /// The owner's account name.
    pub username: String,
    /// The owner's profile name if set, else the username (SPEC §4).
    pub display_name: String,
    pub title: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub link: Option<String>,
    pub thumbnail_url: Option<String>,
    #[serde(skip)]
    pub index_version: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// The fields of a project write; on update, absent keeps and `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct ProjectFields {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub tags: Option<Option<Vec<String>>>,
    pub link: Option<Option<String>>,
    pub thumbnail_url: Option<Option<String>>,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<Project>")]
pub struct CreateProject {
    pub caller: Caller,
    pub fields: ProjectFields,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<Project>")]
pub struct GetProject {
    pub id: Uuid,
}

/// Newest first; `owner: Some` lists one user's projects (404 for an unknown user).
/// Answered shared and encoded (a `Page<Project>` as JSON): the same page may go to
/// many callers.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<std::sync::Arc<crate::messages::json_body::JsonBody>>")]
pub struct ListProjects {
    pub owner: Option<Uuid>,
    pub request: ListRequest,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<Project>")]
pub struct UpdateProject {
    pub caller: Caller,
    pub id: Uuid,
    pub fields: ProjectFields,
}

/// Sets a project's thumbnail. `caller: None` is the thumbnailer (trusted).
#[derive(Debug, Message)]
#[rtype(result = "AppResult<Project>")]
pub struct SetThumbnail {
    pub caller: Option<Caller>,
    pub id: Uuid,
    pub thumbnail_url: Option<String>,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<()>")]
pub struct DeleteProject {
    pub caller: Caller,
    pub id: Uuid,
}

/// Re-emits `project.updated` for every project (admin); answers how many.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<u64>")]
pub struct ReindexProjects {
    pub caller: Caller,
}
