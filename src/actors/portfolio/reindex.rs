//! `POST /admin/reindex-projects`: every project's `project.updated` again, so the
//! indexer rebuilds the search index from PostgreSQL.

use uuid::Uuid;

use crate::db::{DbPool, outbox, projects};
use crate::error::AppResult;
use crate::messages::events::{DomainEvent, ProjectChanged};

/// Projects re-emitted per transaction by a reindex.
const REINDEX_BATCH: i64 = 500;

/// Records `project.updated` for every project, `REINDEX_BATCH` per transaction.
pub async fn reemit_all(pool: DbPool) -> AppResult<u64> {
    let mut after = Uuid::nil();
    let mut total = 0;
    loop {
        let mut db = pool.get().await?;
        let batch = projects::ids_after(&db, after, REINDEX_BATCH).await?;
        let Some(&(last, _)) = batch.last() else {
            tracing::info!(projects = total, "reindex: every project re-emitted");
            return Ok(total);
        };
        let tx = db.transaction().await?;
        let events = batch
            .iter()
            .map(|&(project_id, user_id)| {
                DomainEvent::ProjectUpdated(ProjectChanged {
                    project_id,
                    user_id,
                })
            })
            .collect();
        outbox::record_many(&tx, events).await?;
        tx.commit().await?;
        total += batch.len() as u64;
        after = last;
    }
}
