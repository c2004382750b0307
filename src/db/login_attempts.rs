//! SQL of `login_attempts`: failed-login counters every node shares.

use deadpool_postgres::GenericClient;

/// How a key counts: `threshold` failures within `window_secs` lock it for
/// `lock_secs × 2^(earlier lockouts)`, at most `lock_max_secs`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub threshold: u32,
    pub window_secs: f64,
    pub lock_secs: f64,
    pub lock_max_secs: f64,
}

/// The keys among `keys` that are locked now, with the seconds left (at least 1).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "login_attempts::locked")
)]
pub async fn locked(
    db: &impl GenericClient,
    keys: &[String],
) -> Result<Vec<(String, u64)>, tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT key, greatest(1, ceil(extract(epoch FROM locked_until - now())))::int8
                 FROM login_attempts WHERE key = ANY($1) AND locked_until > now()",
            )
            .await?,
            &[&keys],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), u64::try_from(r.get::<_, i64>(1)).unwrap_or(1)))
        .collect())
}

/// Counts one failure against `key`, locking it when the rule says so.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "login_attempts::record_failure")
)]
pub async fn record_failure(
    db: &impl GenericClient,
    key: &str,
    account: Option<&str>,
    rule: Rule,
) -> Result<(), tokio_postgres::Error> {
    let row = db
        .query_one(
            &db.prepare_cached(
                "INSERT INTO login_attempts AS a
                     (key, account, window_started_at, failures, lockouts, last_failure_at)
                 VALUES ($1, $2, now(), 1, 0, now())
                 ON CONFLICT (key) DO UPDATE SET
                   failures = CASE WHEN a.window_started_at < now() - make_interval(secs => $3)
                                   THEN 1 ELSE a.failures + 1 END,
                   window_started_at = CASE
                       WHEN a.window_started_at < now() - make_interval(secs => $3)
                       THEN now() ELSE a.window_started_at END,
                   lockouts = CASE WHEN a.last_failure_at < now() - interval '1 day'
                                   THEN 0 ELSE a.lockouts END,
                   last_failure_at = now()
                 RETURNING failures",
            )
            .await?,
            &[&key, &account, &rule.window_secs],
        )
        .await?;
    let failures: i32 = row.get(0);
    if u32::try_from(failures).unwrap_or(0) >= rule.threshold {
        db.execute(
            &db.prepare_cached(
                "UPDATE login_attempts SET
                   locked_until = now() + make_interval(secs =>
                       least($2 * power(2, least(lockouts, 30)), $3)),
                   lockouts = lockouts + 1, failures = 0, window_started_at = now()
                 WHERE key = $1",
            )
            .await?,
            &[&key, &rule.lock_secs, &rule.lock_max_secs],
        )
        .await?;
    }
    Ok(())
}

/// Forgets `keys` (a successful login clears its account's counters).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "login_attempts::clear")
)]
pub async fn clear(db: &impl GenericClient, keys: &[String]) -> Result<u64, tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached("DELETE FROM login_attempts WHERE key = ANY($1)")
            .await?,
        &[&keys],
    )
    .await
}

/// Starts `key`'s count again, keeping its lock and how many lockouts it had (so a
/// stranger's next lockout is still longer).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "login_attempts::reset_failures")
)]
pub async fn reset_failures(
    db: &impl GenericClient,
    key: &str,
) -> Result<u64, tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached("UPDATE login_attempts SET failures = 0 WHERE key = $1")
            .await?,
        &[&key],
    )
    .await
}

/// Forgets every counter of an account (an admin's unlock).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "login_attempts::clear_account")
)]
pub async fn clear_account(
    db: &impl GenericClient,
    account: &str,
) -> Result<u64, tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached("DELETE FROM login_attempts WHERE account = $1")
            .await?,
        &[&account],
    )
    .await
}

/// Deletes counters quiet for a day and not locked.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "login_attempts::prune")
)]
pub async fn prune(db: &impl GenericClient) -> Result<u64, tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "DELETE FROM login_attempts WHERE last_failure_at < now() - interval '1 day'
             AND (locked_until IS NULL OR locked_until < now())",
        )
        .await?,
        &[],
    )
    .await
}
