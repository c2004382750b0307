//! Project search (SPEC §7).

use actix::Message;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::AppResult;
use crate::messages::page::PageRequest;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    pub project_id: Uuid,
    pub user_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// The owner's display name (profile name, else username).
    pub username: String,
    pub thumbnail_url: Option<String>,
    pub score: f32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// `{results, total, page, size, pages}` (the seed's keys).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchPage {
    pub results: Vec<SearchHit>,
    pub total: u64,
    pub page: u32,
    pub size: u32,
    pub pages: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Suggestion {
    pub text: String,
    /// `title` or `tag`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<Uuid>,
}

/// Answered with the `SearchPage` encoded as JSON.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<super::json_body::JsonBody>")]
pub struct SearchProjects {
    pub query: Option<String>,
    pub tags: Vec<String>,
    pub page: PageRequest,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<Vec<Suggestion>>")]
pub struct Suggest {
    pub prefix: String,
}

/// What the index holds of a project (re-read from PostgreSQL for every change).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDoc {
    pub project_id: Uuid,
    pub user_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// The owner's profile name if set, else the username.
    pub display_name: String,
    pub thumbnail_url: Option<String>,
    /// From the `project_index_version` sequence: a lower one never replaces a higher.
    pub index_version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}
