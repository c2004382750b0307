//! Schema migrations (refinery, embedded from `migrations/`), serialised across
//! processes by an advisory lock so two nodes starting together do not race.

use super::DbSetupError;

refinery::embed_migrations!("migrations");

/// Arbitrary but fixed: the advisory lock key all Troupe processes agree on.
const MIGRATION_LOCK_KEY: i64 = 0x7472_6f75_7065; // "troupe"

pub(super) async fn run(client: &mut tokio_postgres::Client) -> Result<(), DbSetupError> {
    let fatal = |what: &str, e: &dyn std::fmt::Display| DbSetupError(format!("{what}: {e}"));
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
        .await
        .map_err(|e| fatal("cannot take the migration lock", &e))?;
    let report = migrations::runner().run_async(client).await;
    // Unlocking also happens when the connection closes; do it eagerly anyway.
    let _ = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY])
        .await;
    let report = report.map_err(|e| fatal("migration failed", &e))?;
    for m in report.applied_migrations() {
        tracing::info!(migration = %m, "applied migration");
    }
    Ok(())
}
