//! SQL of the search documents: a project with its owner's display name, read from
//! PostgreSQL for every index write (the index never holds what the database lost).

use deadpool_postgres::GenericClient;
use uuid::Uuid;

use super::projects::FROM;
use crate::messages::search::SearchDoc;

const DOC_COLUMNS: &str =
    "p.id, p.user_id, p.title, p.description, p.tags, COALESCE(pr.name, u.username),
                           p.thumbnail_url, p.index_version, p.created_at, p.updated_at";

fn search_doc(r: &tokio_postgres::Row) -> SearchDoc {
    SearchDoc {
        project_id: r.get(0),
        user_id: r.get(1),
        title: r.get(2),
        description: r.get(3),
        tags: r.get(4),
        display_name: r.get(5),
        thumbnail_url: r.get(6),
        index_version: r.get(7),
        created_at: r.get(8),
        updated_at: r.get(9),
    }
}

/// The search documents of these projects (the ones that still exist), and of
/// every project of these owners.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "search_docs::of_projects")
)]
pub async fn of_projects(
    db: &impl GenericClient,
    ids: &[Uuid],
    owners: &[Uuid],
) -> Result<Vec<SearchDoc>, tokio_postgres::Error> {
    let sql = format!("SELECT {DOC_COLUMNS} {FROM} WHERE p.id = ANY($1) OR p.user_id = ANY($2)");
    let rows = db
        .query(&db.prepare_cached(&sql).await?, &[&ids, &owners])
        .await?;
    Ok(rows.iter().map(search_doc).collect())
}

/// Up to `limit` search documents after `after`, by id (for a full rebuild).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "search_docs::after")
)]
pub async fn after(
    db: &impl GenericClient,
    after: Uuid,
    limit: i64,
) -> Result<Vec<SearchDoc>, tokio_postgres::Error> {
    let sql = format!("SELECT {DOC_COLUMNS} {FROM} WHERE p.id > $1 ORDER BY p.id LIMIT $2");
    let rows = db
        .query(&db.prepare_cached(&sql).await?, &[&after, &limit])
        .await?;
    Ok(rows.iter().map(search_doc).collect())
}
