//! Project search (SPEC §7) behind one trait. `embedded` (tantivy, under
//! `DATA_DIR/search`) is the default; the rest of the code never knows which.

pub mod embedded;
mod embedded_query;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::messages::page::PageRequest;
use crate::messages::search::{SearchHit, Suggestion};

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

/// One commit's worth of changes.
#[derive(Debug, Default)]
pub struct IndexChanges {
    pub upserts: Vec<SearchDoc>,
    pub deletes: Vec<Uuid>,
}

#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: Option<String>,
    pub tags: Vec<String>,
    pub page: PageRequest,
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub total: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("search backend: {0}")]
pub struct SearchError(pub String);

#[async_trait::async_trait]
pub trait SearchIndex: Send + Sync + 'static {
    /// Applies upserts (versioned) and deletes, and makes them visible.
    async fn apply(&self, changes: IndexChanges) -> Result<(), SearchError>;
    async fn search(&self, request: SearchRequest) -> Result<SearchResults, SearchError>;
    /// At most 5 titles and tags starting with (a word starting with) `prefix`.
    async fn suggest(&self, prefix: String) -> Result<Vec<Suggestion>, SearchError>;
    /// Removes every document (before a full rebuild).
    async fn clear(&self) -> Result<(), SearchError>;
    async fn healthy(&self) -> bool;
}
