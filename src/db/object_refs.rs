//! Which stored objects rows name: `media.file_path`, `media.thumbnail_path`, and
//! a project's `thumbnail_url` (`<base>/media/<key>`). The garbage collector keeps
//! every object one of them names.

use deadpool_postgres::GenericClient;

/// The keys among `keys` that no row names.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "object_refs::unnamed")
)]
pub async fn unnamed(
    db: &impl GenericClient,
    keys: &[String],
) -> Result<Vec<String>, tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT k FROM unnest($1::text[]) AS k
                 WHERE NOT EXISTS (SELECT 1 FROM media WHERE file_path = k)
                   AND NOT EXISTS (SELECT 1 FROM media WHERE thumbnail_path = k)
                   AND NOT EXISTS (SELECT 1 FROM projects
                                   WHERE thumbnail_url IS NOT NULL
                                     AND substring(thumbnail_url FROM '/media/(.+)$') = k)",
            )
            .await?,
            &[&keys],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
