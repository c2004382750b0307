//! SQL of `token_revocations`: written only by triggers (session revoked, role
//! changed, user deleted), read by every node at start and after a lost LISTEN.

use deadpool_postgres::GenericClient;

use crate::messages::sessions::Revocation;

/// The revocations younger than `within_secs`, each with its age in seconds.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "token_revocations::recent")
)]
pub async fn recent(
    db: &impl GenericClient,
    within_secs: f64,
) -> Result<Vec<(Revocation, f64)>, tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT kind, subject, role, extract(epoch FROM now() - at)::float8
                 FROM token_revocations WHERE at > now() - make_interval(secs => $1)
                 ORDER BY id",
            )
            .await?,
            &[&within_secs],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let revocation =
                Revocation::from_parts(r.get(0), r.get(1), r.get::<_, Option<&str>>(2))?;
            Some((revocation, r.get::<_, f64>(3)))
        })
        .collect())
}

/// Deletes the revocations older than `older_than_secs` (their tokens have expired).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "token_revocations::prune")
)]
pub async fn prune(
    db: &impl GenericClient,
    older_than_secs: f64,
) -> Result<u64, tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "DELETE FROM token_revocations WHERE at < now() - make_interval(secs => $1)",
        )
        .await?,
        &[&older_than_secs],
    )
    .await
}
