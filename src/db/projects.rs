//! SQL of `projects`, read together with the owner's username and display name.

use deadpool_postgres::GenericClient;
use uuid::Uuid;

use crate::messages::projects::Project;

pub(super) const COLUMNS: &str = "p.id, p.user_id, u.username, COALESCE(pr.name, u.username), p.title, p.description,
                       p.tags, p.link, p.thumbnail_url, p.index_version, p.created_at, p.updated_at";
pub(super) const FROM: &str = "FROM projects p JOIN users u ON u.id = p.user_id LEFT JOIN profiles pr ON pr.user_id = p.user_id";

fn project_from_row(r: &tokio_postgres::Row) -> Project {
    project_at(r, 0)
}

/// The project whose `COLUMNS` start at column `base`.
pub(super) fn project_at(r: &tokio_postgres::Row, base: usize) -> Project {
    Project {
        id: r.get(base),
        user_id: r.get(base + 1),
        username: r.get(base + 2),
        display_name: r.get(base + 3),
        title: r.get(base + 4),
        description: r.get(base + 5),
        tags: r.get(base + 6),
        link: r.get(base + 7),
        thumbnail_url: r.get(base + 8),
        index_version: r.get(base + 9),
        created_at: r.get(base + 10),
        updated_at: r.get(base + 11),
    }
}

/// The stored fields of a project write.
pub struct ProjectRow<'a> {
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub tags: &'a [String],
    pub link: Option<&'a str>,
    pub thumbnail_url: Option<&'a str>,
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "projects::insert")
)]
pub async fn insert(
    db: &impl GenericClient,
    id: Uuid,
    user_id: Uuid,
    p: &ProjectRow<'_>,
) -> Result<(), tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "INSERT INTO projects (id, user_id, title, description, tags, link, thumbnail_url)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .await?,
        &[
            &id,
            &user_id,
            &p.title,
            &p.description,
            &p.tags,
            &p.link,
            &p.thumbnail_url,
        ],
    )
    .await?;
    Ok(())
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "projects::find")
)]
pub async fn find(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<Project>, tokio_postgres::Error> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.id = $1");
    Ok(db
        .query_opt(&db.prepare_cached(&sql).await?, &[&id])
        .await?
        .as_ref()
        .map(project_from_row))
}

/// Locks the project row and returns its owner.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "projects::lock_owner")
)]
pub async fn lock_owner(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<Uuid>, tokio_postgres::Error> {
    let row = db
        .query_opt(
            &db.prepare_cached("SELECT user_id FROM projects WHERE id = $1 FOR UPDATE")
                .await?,
            &[&id],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Replaces the fields and takes a new index version.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "projects::update")
)]
pub async fn update(
    db: &impl GenericClient,
    id: Uuid,
    p: &ProjectRow<'_>,
) -> Result<(), tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "UPDATE projects SET title = $2, description = $3, tags = $4, link = $5, thumbnail_url = $6,
                 index_version = nextval('project_index_version'), updated_at = now()
             WHERE id = $1",
        )
        .await?,
        &[&id, &p.title, &p.description, &p.tags, &p.link, &p.thumbnail_url],
    )
    .await?;
    Ok(())
}

/// Clears the thumbnail if it is still `url` (its file is being deleted); returns the
/// owner when it did.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "projects::clear_thumbnail_if")
)]
pub async fn clear_thumbnail_if(
    db: &impl GenericClient,
    id: Uuid,
    url: &str,
) -> Result<Option<Uuid>, tokio_postgres::Error> {
    let row = db
        .query_opt(
            &db.prepare_cached(
                "UPDATE projects SET thumbnail_url = NULL,
                     index_version = nextval('project_index_version'), updated_at = now()
                 WHERE id = $1 AND thumbnail_url = $2 RETURNING user_id",
            )
            .await?,
            &[&id, &url],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "projects::delete")
)]
pub async fn delete(db: &impl GenericClient, id: Uuid) -> Result<bool, tokio_postgres::Error> {
    Ok(db
        .execute(
            &db.prepare_cached("DELETE FROM projects WHERE id = $1")
                .await?,
            &[&id],
        )
        .await?
        == 1)
}

/// Deletes every project of a user; returns their ids.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "projects::delete_by_owner")
)]
pub async fn delete_by_owner(
    db: &impl GenericClient,
    user_id: Uuid,
) -> Result<Vec<Uuid>, tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached("DELETE FROM projects WHERE user_id = $1 RETURNING id")
                .await?,
            &[&user_id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// A display-name change: every project of the user gets a new index version.
/// Returns their ids.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "projects::bump_owner_versions")
)]
pub async fn bump_owner_versions(
    db: &impl GenericClient,
    user_id: Uuid,
) -> Result<Vec<Uuid>, tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached(
                "UPDATE projects SET index_version = nextval('project_index_version') WHERE user_id = $1 RETURNING id",
            )
            .await?,
            &[&user_id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// `(id, user_id)` of up to `limit` projects after `after`, by id (keyset paging).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "projects::ids_after")
)]
pub async fn ids_after(
    db: &impl GenericClient,
    after: Uuid,
    limit: i64,
) -> Result<Vec<(Uuid, Uuid)>, tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT id, user_id FROM projects WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .await?,
            &[&after, &limit],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "projects::count")
)]
pub async fn count(db: &impl GenericClient) -> Result<u64, tokio_postgres::Error> {
    let n: i64 = db
        .query_one("SELECT count(*) FROM projects", &[])
        .await?
        .get(0);
    Ok(u64::try_from(n).unwrap_or(0))
}
