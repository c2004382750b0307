//! The embedded search index: tantivy under `DATA_DIR/search`. One process writes
//! (the one running the `IndexerActor`); others open it read-only and pick up each
//! commit within about half a second (tantivy watches `meta.json`).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tantivy::directory::MmapDirectory;
use tantivy::schema::{FAST, Field, INDEXED, STORED, STRING, Schema, TEXT, Value};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::answer_cache::AnswerCache;
use super::embedded_query;
use super::hit_table::{self, HitTables, Table};
use super::inline_budget::InlineBudget;
use super::typo_terms::TypoGroup;
use super::{IndexChanges, SearchDoc, SearchError, SearchIndex, SearchRequest, SearchResults};
use crate::messages::search::{SearchHit, Suggestion};

/// Memory for the writer's indexing buffer.
const WRITER_HEAP: usize = 50_000_000;

#[derive(Clone, Copy)]
pub(super) struct Fields {
    pub id: Field,
    pub user_id: Field,
    pub title: Field,
    pub description: Field,
    pub display_name: Field,
    pub tags: Field,
    pub thumbnail_url: Field,
    pub index_version: Field,
    pub created_at: Field,
    pub updated_at: Field,
}

pub(super) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        user_id: b.add_text_field("user_id", STRING | STORED),
        title: b.add_text_field("title", TEXT | STORED),
        description: b.add_text_field("description", TEXT | STORED),
        display_name: b.add_text_field("display_name", TEXT | STORED),
        tags: b.add_text_field("tags", STRING | STORED),
        thumbnail_url: b.add_text_field("thumbnail_url", STORED),
        index_version: b.add_i64_field("index_version", INDEXED | FAST | STORED),
        created_at: b.add_i64_field("created_at", FAST | STORED),
        updated_at: b.add_i64_field("updated_at", FAST | STORED),
    };
    (b.build(), fields)
}

/// A search request as the index answers it: words, tags, page, size.
pub(super) type SearchKey = (Vec<String>, Vec<String>, u32, u32);

pub struct EmbeddedIndex {
    reader: IndexReader,
    writer: Option<Mutex<IndexWriter>>,
    fields: Fields,
    /// Answers of the current index generation (exact; see `answer_cache`).
    pub(super) searches: AnswerCache<SearchKey, SearchResults>,
    pub(super) suggestions: AnswerCache<String, Vec<Suggestion>>,
    /// A word's one-edit group in a field (`typo_terms`), read from the term
    /// dictionaries of the current generation.
    pub(super) typo_groups: AnswerCache<(Field, String), TypoGroup>,
    /// Each segment's stored documents as hits, decoded once (`hit_table`).
    hit_tables: Arc<HitTables>,
}

/// Search answers kept per generation (a 20-hit page is about 9 KB).
const KEPT_SEARCHES: usize = 4_096;
/// Suggestion answers kept per generation (five short texts each).
const KEPT_SUGGESTIONS: usize = 4_096;
/// Typo groups kept per generation.
const KEPT_TYPO_GROUPS: usize = 10_000;

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError(e.to_string())
}

impl EmbeddedIndex {
    /// Opens (creating if needed) the index in `dir`; `writable` takes tantivy's
    /// single-writer lock, which fails while another process holds it. At most
    /// `table_docs` documents are kept decoded as hits (`hit_table`; 0: none).
    pub fn open(dir: &Path, writable: bool, table_docs: u64) -> Result<Arc<Self>, SearchError> {
        std::fs::create_dir_all(dir).map_err(err)?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(err)?;
        let index = Index::open_or_create(directory, schema).map_err(err)?;
        let writer = if writable {
            Some(Mutex::new(index.writer(WRITER_HEAP).map_err(|e| {
                SearchError(format!(
                    "cannot take the search index writer in {} ({e}); another process writes it",
                    dir.display()
                ))
            })?))
        } else {
            None
        };
        // The writer reloads right after each commit; read-only processes poll.
        let policy = if writable {
            ReloadPolicy::Manual
        } else {
            ReloadPolicy::OnCommitWithDelay
        };
        let reader = index
            .reader_builder()
            .reload_policy(policy)
            .try_into()
            .map_err(err)?;
        let hit_tables = HitTables::new(Arc::new(move |doc| stored_hit(&fields, doc)), table_docs);
        // Start reading every segment's table now, not at the first query.
        hit_tables.tables(reader.searcher().segment_readers());
        Ok(Arc::new(EmbeddedIndex {
            reader,
            writer,
            fields,
            searches: AnswerCache::with_capacity(KEPT_SEARCHES),
            suggestions: AnswerCache::with_capacity(KEPT_SUGGESTIONS),
            typo_groups: AnswerCache::with_capacity(KEPT_TYPO_GROUPS),
            hit_tables,
        }))
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, SearchError> {
        let writer = self
            .writer
            .as_ref()
            .ok_or_else(|| SearchError("this process opened the search index read-only".into()))?;
        Ok(writer.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The indexed version of a project, if it is indexed.
    fn indexed_version(
        &self,
        searcher: &tantivy::Searcher,
        id: Uuid,
    ) -> Result<Option<i64>, SearchError> {
        let term = Term::from_field_text(self.fields.id, &id.to_string());
        let query = tantivy::query::TermQuery::new(term, tantivy::schema::IndexRecordOption::Basic);
        let top = searcher
            .search(
                &query,
                &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
            )
            .map_err(err)?;
        let Some((_, address)) = top.first() else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(*address).map_err(err)?;
        Ok(doc
            .get_first(self.fields.index_version)
            .and_then(|v| v.as_i64()))
    }

    fn apply_blocking(&self, changes: IndexChanges) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        let searcher = self.reader.searcher();
        // Within a batch the highest version of a project wins.
        let mut latest: std::collections::HashMap<Uuid, SearchDoc> =
            std::collections::HashMap::new();
        for doc in changes.upserts {
            if latest
                .get(&doc.project_id)
                .is_none_or(|d| d.index_version < doc.index_version)
            {
                latest.insert(doc.project_id, doc);
            }
        }
        for doc in latest.into_values() {
            if self
                .indexed_version(&searcher, doc.project_id)?
                .is_some_and(|indexed| indexed >= doc.index_version)
            {
                continue; // a stale write never replaces a newer one
            }
            writer.delete_term(Term::from_field_text(
                self.fields.id,
                &doc.project_id.to_string(),
            ));
            writer.add_document(self.document(&doc)).map_err(err)?;
        }
        for id in changes.deletes {
            writer.delete_term(Term::from_field_text(self.fields.id, &id.to_string()));
        }
        writer.commit().map_err(err)?;
        self.reader.reload().map_err(err)
    }

    fn document(&self, d: &SearchDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, d.project_id.to_string());
        doc.add_text(f.user_id, d.user_id.to_string());
        doc.add_text(f.title, &d.title);
        if let Some(description) = &d.description {
            doc.add_text(f.description, description);
        }
        doc.add_text(f.display_name, &d.display_name);
        for tag in &d.tags {
            doc.add_text(f.tags, tag);
        }
        if let Some(url) = &d.thumbnail_url {
            doc.add_text(f.thumbnail_url, url);
        }
        doc.add_i64(f.index_version, d.index_version);
        doc.add_i64(f.created_at, micros(d.created_at));
        doc.add_i64(f.updated_at, micros(d.updated_at));
        doc
    }

    /// The hits of `searcher`'s segments: decoded tables where ready, the doc
    /// store elsewhere.
    pub(super) fn hits<'s>(&self, searcher: &'s tantivy::Searcher) -> Hits<'s> {
        Hits {
            searcher,
            tables: self.hit_tables.tables(searcher.segment_readers()),
            fields: self.fields,
        }
    }

    pub(super) fn fields(&self) -> Fields {
        self.fields
    }

    pub(super) fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }
}

/// Hits of one searcher's segments (`EmbeddedIndex::hits`).
pub(super) struct Hits<'s> {
    searcher: &'s tantivy::Searcher,
    tables: Vec<Option<Table>>,
    fields: Fields,
}

impl Hits<'_> {
    /// The hit at `address`, `score` set.
    pub(super) fn at(
        &self,
        address: DocAddress,
        score: f32,
    ) -> Result<Option<SearchHit>, SearchError> {
        let table = self
            .tables
            .get(address.segment_ord as usize)
            .and_then(Option::as_ref);
        let hit = match table {
            Some(table) => hit_table::at(table, address.doc_id).cloned(),
            None => {
                let doc: TantivyDocument = self.searcher.doc(address).map_err(err)?;
                stored_hit(&self.fields, &doc)
            }
        };
        Ok(hit.map(|hit| SearchHit { score, ..hit }))
    }
}

/// A stored document as a hit (score 0); `None` if a field is missing or malformed.
pub(super) fn stored_hit(f: &Fields, doc: &TantivyDocument) -> Option<SearchHit> {
    let text = |field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    Some(SearchHit {
        project_id: text(f.id)?.parse().ok()?,
        user_id: text(f.user_id)?.parse().ok()?,
        title: text(f.title)?,
        description: text(f.description),
        tags: doc
            .get_all(f.tags)
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        username: text(f.display_name)?,
        thumbnail_url: text(f.thumbnail_url),
        score: 0.0,
        updated_at: from_micros(doc.get_first(f.updated_at).and_then(|v| v.as_i64())?)?,
    })
}

/// A full rebuild: every document is deleted and re-added under one commit, so
/// readers switch from the old index to the complete new one at once.
pub struct Rebuild<'a> {
    index: &'a EmbeddedIndex,
    writer: std::sync::MutexGuard<'a, IndexWriter>,
}

impl EmbeddedIndex {
    pub fn rebuild(&self) -> Result<Rebuild<'_>, SearchError> {
        let writer = self.writer()?;
        writer.delete_all_documents().map_err(err)?;
        Ok(Rebuild {
            index: self,
            writer,
        })
    }
}

impl Rebuild<'_> {
    pub fn add(&mut self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        for doc in docs {
            self.writer
                .add_document(self.index.document(doc))
                .map_err(err)?;
        }
        Ok(())
    }

    /// Commits the rebuilt index, then merges it into one segment: a query pays
    /// per segment (term lookups, typo scans, scorers), and a rebuild would
    /// otherwise leave one segment per indexing thread and buffer flush.
    pub fn commit(mut self) -> Result<(), SearchError> {
        self.writer.commit().map_err(err)?;
        self.index.reader.reload().map_err(err)?;
        let segments: Vec<_> = self
            .index
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        if segments.len() > 1 {
            // The rebuild is committed already; a merge that fails (the writer's own
            // merge policy may have taken some of these segments) only leaves it
            // in more segments.
            match self.writer.merge(&segments).wait() {
                Ok(_) => self.index.reader.reload().map_err(err)?,
                Err(e) => {
                    tracing::warn!(error = %e, "the rebuilt search index stays in {} segments", segments.len())
                }
            }
        }
        Ok(())
    }
}

pub(super) fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

fn from_micros(us: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).ok()
}

/// Runs blocking index work off the async threads.
async fn blocking<T: Send + 'static>(
    index: &Arc<EmbeddedIndex>,
    work: impl FnOnce(&EmbeddedIndex) -> Result<T, SearchError> + Send + 'static,
) -> Result<T, SearchError> {
    let index = index.clone();
    // The blocking thread works in the caller's span (search, index write).
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(|| work(&index)))
        .await
        .map_err(|e| SearchError(format!("search task failed: {e}")))?
}

/// The embedded index as a `SearchIndex`: queries of a cheap shape are computed on
/// the asking thread while `InlineBudget` allows it, all other work on blocking
/// threads.
pub struct Embedded {
    index: Arc<EmbeddedIndex>,
    /// Queries computed at once, at most one per core: a burst of new queries
    /// waits its turn instead of time-slicing the cores with the HTTP workers
    /// (kept answers are served without waiting).
    computing: Semaphore,
    inline: Arc<InlineBudget>,
}

impl Embedded {
    pub fn new(index: Arc<EmbeddedIndex>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Embedded {
            index,
            computing: Semaphore::new(cores),
            inline: Arc::default(),
        }
    }

    /// Runs query work once a core is free for it: on this thread when `cheap` and
    /// the budget allows, else on a blocking thread. A cheap query's compute time
    /// is recorded wherever it ran.
    async fn query<T: Send + 'static>(
        &self,
        cheap: bool,
        work: impl FnOnce(&EmbeddedIndex) -> Result<T, SearchError> + Send + 'static,
    ) -> Result<T, SearchError> {
        let _turn = self
            .computing
            .acquire()
            .await
            .map_err(|e| SearchError(format!("search queue closed: {e}")))?;
        if !cheap {
            return blocking(&self.index, work).await;
        }
        let budget = self.inline.clone();
        let timed = move |index: &EmbeddedIndex| {
            let started = Instant::now();
            let answer = work(index);
            budget.record(started.elapsed());
            answer
        };
        if self.inline.allows_inline() {
            timed(&self.index)
        } else {
            blocking(&self.index, timed).await
        }
    }
}

#[async_trait::async_trait]
impl SearchIndex for Embedded {
    #[tracing::instrument(name = "index", level = "debug", skip_all, fields(backend = "embedded", op = "write", upserts = changes.upserts.len(), deletes = changes.deletes.len()))]
    async fn apply(&self, changes: IndexChanges) -> Result<(), SearchError> {
        blocking(&self.index, move |i| i.apply_blocking(changes)).await
    }

    #[tracing::instrument(
        name = "index",
        level = "debug",
        skip_all,
        fields(backend = "embedded", op = "search")
    )]
    async fn search(&self, request: SearchRequest) -> Result<SearchResults, SearchError> {
        if let Some(answer) = embedded_query::remembered_search(&self.index, &request) {
            return Ok(answer);
        }
        let cheap = embedded_query::is_cheap_search(&request);
        self.query(cheap, move |i| embedded_query::search(i, &request))
            .await
    }

    #[tracing::instrument(
        name = "index",
        level = "debug",
        skip_all,
        fields(backend = "embedded", op = "suggest")
    )]
    async fn suggest(&self, prefix: String) -> Result<Vec<Suggestion>, SearchError> {
        if let Some(answer) = embedded_query::remembered_suggestions(&self.index, &prefix) {
            return Ok(answer);
        }
        let cheap = embedded_query::is_cheap_suggest(&prefix);
        self.query(cheap, move |i| embedded_query::suggest(i, &prefix))
            .await
    }

    async fn healthy(&self) -> bool {
        blocking(&self.index, |i| {
            i.reader.searcher();
            Ok(())
        })
        .await
        .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread::{self, ThreadId};
    use std::time::Duration;

    fn here(_: &EmbeddedIndex) -> Result<ThreadId, SearchError> {
        Ok(thread::current().id())
    }

    #[tokio::test]
    async fn cheap_queries_run_on_the_asking_thread_while_they_stay_within_budget() {
        let dir = tempfile::tempdir().unwrap();
        let embedded = Embedded::new(EmbeddedIndex::open(dir.path(), true, 0).unwrap());
        let asking = thread::current().id();
        assert_eq!(embedded.query(true, here).await.unwrap(), asking);
        assert_ne!(embedded.query(false, here).await.unwrap(), asking);
        // A cheap-shaped query that turns out slow still ran where it was asked;
        // the next ones go to blocking threads until fast ones decay its time.
        let slow = |i: &EmbeddedIndex| {
            thread::sleep(Duration::from_millis(5));
            here(i)
        };
        assert_eq!(embedded.query(true, slow).await.unwrap(), asking);
        let mut handed_off = 0;
        while embedded.query(true, here).await.unwrap() != asking {
            handed_off += 1;
            assert!(handed_off < 100, "cheap queries never came back inline");
        }
        assert!(handed_off >= 10, "only {handed_off} queries handed off");
        // Expensive shapes never run inline, whatever the budget says.
        assert_ne!(embedded.query(false, here).await.unwrap(), asking);
    }
}
