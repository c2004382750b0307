//! Project search (SPEC §7) behind one trait. `embedded` (tantivy, under
//! `DATA_DIR/search`) is the default; the rest of the code never knows which.

mod answer_cache;
pub mod elastic;
pub mod embedded;
mod embedded_query;
mod hit_table;
mod inline_budget;
mod ranked_top;
mod typo_terms;

use std::sync::{Arc, OnceLock};

use uuid::Uuid;

use crate::messages::json_body::JsonBody;
use crate::messages::page::PageRequest;
pub use crate::messages::search::SearchDoc;
use crate::messages::search::{SearchHit, Suggestion};

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

/// One page of matches. Cloning it is cheap (the hits are shared), and a clone of a
/// remembered answer shares `sent` with it.
#[derive(Debug, Clone)]
pub struct SearchResults {
    pub hits: Arc<[SearchHit]>,
    pub total: u64,
    /// The page as the API sends it, encoded by the first request that sent it
    /// (`SearchActor`): a remembered answer is not serialised again per request.
    pub sent: Arc<OnceLock<JsonBody>>,
}

impl SearchResults {
    pub fn new(hits: Vec<SearchHit>, total: u64) -> Self {
        SearchResults {
            hits: hits.into(),
            total,
            sent: Arc::default(),
        }
    }
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
    async fn healthy(&self) -> bool;
}

/// At most this many suggestions are answered.
const SUGGESTIONS: usize = 5;

/// Lower-case words as both backends' default analyzers cut them.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A project that may offer suggestions: its id, title and tags (newest first).
pub struct SuggestCandidate {
    pub project_id: Uuid,
    pub title: String,
    pub tags: Vec<String>,
}

/// The one ranking of suggestions both backends share: texts starting with
/// `prefix` before those with a later word starting with it, titles before tags,
/// candidates in the given order within that, case-insensitively distinct, at most 5.
pub fn rank_suggestions(prefix: &str, candidates: &[SuggestCandidate]) -> Vec<Suggestion> {
    let mut ranked: Vec<(u8, Suggestion)> = Vec::new();
    for kind in ["title", "tag"] {
        for c in candidates {
            let texts = if kind == "title" {
                std::slice::from_ref(&c.title)
            } else {
                c.tags.as_slice()
            };
            for text in texts {
                let lower = text.to_lowercase();
                let rank = if lower.starts_with(prefix) {
                    0
                } else if words(&lower).iter().any(|w| w.starts_with(prefix)) {
                    1
                } else {
                    continue;
                };
                let project_id = (kind == "title").then_some(c.project_id);
                ranked.push((
                    rank,
                    Suggestion {
                        text: text.clone(),
                        kind,
                        project_id,
                    },
                ));
            }
        }
    }
    ranked.sort_by_key(|(rank, _)| *rank);
    let mut seen = std::collections::HashSet::new();
    ranked
        .into_iter()
        .map(|(_, s)| s)
        .filter(|s| seen.insert(s.text.to_lowercase()))
        .take(SUGGESTIONS)
        .collect()
}

/// The last word of what was typed, the one suggestions complete.
pub fn suggest_prefix(typed: &str) -> Option<String> {
    words(typed).pop()
}
