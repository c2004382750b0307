//! SQL of `media`: uploaded files and their thumbnail state.

use deadpool_postgres::GenericClient;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::messages::media::ThumbnailStatus;

const COLUMNS: &str = "id, user_id, project_id, original_filename, file_path, file_size, mime_type,
                       thumbnail_path, thumbnail_status, created_at";

/// A stored row; URLs are made from the paths by the caller.
#[derive(Debug, Clone)]
pub struct MediaRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub project_id: Option<Uuid>,
    pub original_filename: String,
    pub file_path: String,
    pub file_size: i64,
    pub mime_type: String,
    pub thumbnail_path: Option<String>,
    pub thumbnail_status: ThumbnailStatus,
    pub created_at: OffsetDateTime,
}

fn from_row(r: &tokio_postgres::Row) -> MediaRow {
    let status: String = r.get(8);
    MediaRow {
        id: r.get(0),
        user_id: r.get(1),
        project_id: r.get(2),
        original_filename: r.get(3),
        file_path: r.get(4),
        file_size: r.get(5),
        mime_type: r.get(6),
        thumbnail_path: r.get(7),
        // The column's CHECK constraint admits only the four statuses.
        thumbnail_status: ThumbnailStatus::parse(&status).unwrap_or(ThumbnailStatus::Failed),
        created_at: r.get(9),
    }
}

/// The fields of a new row.
pub struct NewMedia<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub project_id: Option<Uuid>,
    pub original_filename: &'a str,
    pub file_path: &'a str,
    pub file_size: i64,
    pub mime_type: &'a str,
    pub thumbnail_status: ThumbnailStatus,
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "media::insert")
)]
pub async fn insert(
    db: &impl GenericClient,
    m: &NewMedia<'_>,
) -> Result<MediaRow, tokio_postgres::Error> {
    let sql = format!(
        "INSERT INTO media (id, user_id, project_id, original_filename, file_path, file_size,
                            mime_type, thumbnail_status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    );
    let row = db
        .query_one(
            &db.prepare_cached(&sql).await?,
            &[
                &m.id,
                &m.user_id,
                &m.project_id,
                &m.original_filename,
                &m.file_path,
                &m.file_size,
                &m.mime_type,
                &m.thumbnail_status.as_str(),
            ],
        )
        .await?;
    Ok(from_row(&row))
}

#[tracing::instrument(name = "sql", level = "debug", skip_all, fields(call = "media::find"))]
pub async fn find(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<MediaRow>, tokio_postgres::Error> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE id = $1");
    let row = db
        .query_opt(&db.prepare_cached(&sql).await?, &[&id])
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Newest first, every file; with the total.
#[tracing::instrument(name = "sql", level = "debug", skip_all, fields(call = "media::list"))]
pub async fn list(
    db: &impl GenericClient,
    limit: i64,
    offset: i64,
) -> Result<(Vec<MediaRow>, u64), tokio_postgres::Error> {
    let sql =
        format!("SELECT {COLUMNS} FROM media ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2");
    let rows = db
        .query(&db.prepare_cached(&sql).await?, &[&limit, &offset])
        .await?;
    let total: i64 = db
        .query_one(&db.prepare_cached("SELECT count(*) FROM media").await?, &[])
        .await?
        .get(0);
    Ok((
        rows.iter().map(from_row).collect(),
        u64::try_from(total).unwrap_or(0),
    ))
}

/// Newest first, one project's files with their total, in one statement; `None`
/// when the project does not exist. (A statement of its own: a generic
/// `$1 IS NULL OR …` plan would walk every file's newest-first index.)
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "media::list_of_project")
)]
pub async fn list_of_project(
    db: &impl GenericClient,
    project_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<Option<(Vec<MediaRow>, u64)>, tokio_postgres::Error> {
    let sql = format!(
        "WITH e AS (SELECT EXISTS (SELECT 1 FROM projects WHERE id = $1) AS found,
                           (SELECT count(*) FROM media WHERE project_id = $1) AS total)
         SELECT m.*, e.found, e.total FROM e LEFT JOIN LATERAL (
             SELECT {COLUMNS} FROM media WHERE project_id = $1
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3) m ON true"
    );
    let rows = db
        .query(
            &db.prepare_cached(&sql).await?,
            &[&project_id, &limit, &offset],
        )
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    if !first.get::<_, bool>("found") {
        return Ok(None);
    }
    let total: i64 = first.get("total");
    let files = rows
        .iter()
        .filter(|r| r.get::<_, Option<Uuid>>(0).is_some())
        .map(from_row)
        .collect();
    Ok(Some((files, u64::try_from(total).unwrap_or(0))))
}

/// Deletes the row (locked first by the caller, or not); returns what it was.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "media::delete")
)]
pub async fn delete(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<MediaRow>, tokio_postgres::Error> {
    let sql = format!("DELETE FROM media WHERE id = $1 RETURNING {COLUMNS}");
    let row = db
        .query_opt(&db.prepare_cached(&sql).await?, &[&id])
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Locks the row against a concurrent delete and returns it.
#[tracing::instrument(name = "sql", level = "debug", skip_all, fields(call = "media::lock"))]
pub async fn lock(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<MediaRow>, tokio_postgres::Error> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE id = $1 FOR UPDATE");
    let row = db
        .query_opt(&db.prepare_cached(&sql).await?, &[&id])
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// Deletes every file of a user; returns the rows (their objects are removed after
/// commit, by the `media.deleted` consumer).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "media::delete_by_owner")
)]
pub async fn delete_by_owner(
    db: &impl GenericClient,
    user_id: Uuid,
) -> Result<Vec<MediaRow>, tokio_postgres::Error> {
    let sql = format!("DELETE FROM media WHERE user_id = $1 RETURNING {COLUMNS}");
    let rows = db
        .query(&db.prepare_cached(&sql).await?, &[&user_id])
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Records the thumbnail; false when the row is gone (deleted meanwhile).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "media::mark_thumbnail_done")
)]
pub async fn mark_thumbnail_done(
    db: &impl GenericClient,
    id: Uuid,
    thumbnail_path: &str,
) -> Result<bool, tokio_postgres::Error> {
    let changed = db
        .execute(
            &db.prepare_cached(
                "UPDATE media SET thumbnail_path = $2, thumbnail_status = 'done', updated_at = now()
                 WHERE id = $1",
            )
            .await?,
            &[&id, &thumbnail_path],
        )
        .await?;
    Ok(changed == 1)
}

/// The thumbnail will not be made: the last attempt failed.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "media::mark_thumbnail_failed")
)]
pub async fn mark_thumbnail_failed(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<(), tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "UPDATE media SET thumbnail_status = 'failed', updated_at = now()
             WHERE id = $1 AND thumbnail_status = 'pending'",
        )
        .await?,
        &[&id],
    )
    .await?;
    Ok(())
}
