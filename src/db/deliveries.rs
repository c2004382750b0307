//! SQL of `event_deliveries`: the durable deliveries of
//! EVENT_BUS=memory, claimed under a lease by a live worker.

use std::time::Duration;

use deadpool_postgres::GenericClient;
use uuid::Uuid;

use crate::messages::events::EventEnvelope;

/// Adds one delivery per (queue, event) in the relay's transaction.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "deliveries::enqueue")
)]
pub async fn enqueue(
    tx: &impl GenericClient,
    queue: &str,
    seq: i64,
    envelope: &EventEnvelope,
) -> Result<(), tokio_postgres::Error> {
    let json = serde_json::to_value(envelope).unwrap_or_default();
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO event_deliveries (queue, event_id, event_type, envelope, seq)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .await?,
        &[
            &queue,
            &envelope.event_id,
            &envelope.event_type(),
            &json,
            &seq,
        ],
    )
    .await?;
    Ok(())
}

/// A claimed delivery; `attempts` counts this one.
pub struct Delivery {
    pub event_id: Uuid,
    pub attempts: i32,
    pub envelope: Result<EventEnvelope, String>,
}

/// The advisory-lock class of worker keys: `pg_advisory_lock(WORKER_LOCK_CLASS, key)`.
pub const WORKER_LOCK_CLASS: i32 = 29810;

/// Takes a fresh worker key and holds its lock on `session` (a connection of the
/// worker's own, outside the pool) for as long as that session lives.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "deliveries::hold_worker_key")
)]
pub async fn hold_worker_key(
    session: &tokio_postgres::Client,
) -> Result<i64, tokio_postgres::Error> {
    let key: i64 = session
        .query_one("SELECT nextval('event_worker_key')", &[])
        .await?
        .get(0);
    let key32 = i32::try_from(key).unwrap_or(i32::MAX);
    session
        .execute(
            "SELECT pg_advisory_lock($1, $2)",
            &[&WORKER_LOCK_CLASS, &key32],
        )
        .await?;
    Ok(key)
}

/// Makes due at once every claim whose worker no longer holds its key (its process
/// or its session died); returns how many.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "deliveries::release_orphaned_claims")
)]
pub async fn release_orphaned_claims(
    db: &impl GenericClient,
) -> Result<u64, tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "UPDATE event_deliveries SET due_at = now(), claimed_by = NULL
             WHERE claimed_by IS NOT NULL AND claimed_by NOT IN (
                 SELECT objid::int8 FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND objsubid = 2
                   AND classid::int8 = $1
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
        )
        .await?,
        &[&i64::from(WORKER_LOCK_CLASS)],
    )
    .await
}

/// Claims up to `limit` due deliveries of `queue` for worker `key`, oldest first,
/// by pushing their `due_at` a lease into the future: a hung handler's delivery is
/// due again when the lease ends, a dead worker's as soon as its key is released.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "deliveries::claim")
)]
pub async fn claim(
    db: &impl GenericClient,
    queue: &str,
    key: i64,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Delivery>, tokio_postgres::Error> {
    let lease_secs = lease.as_secs_f64();
    let rows = db
        .query(
            &db.prepare_cached(
                "UPDATE event_deliveries d
                 SET due_at = now() + make_interval(secs => $3), attempts = d.attempts + 1,
                     claimed_by = $4
                 FROM (SELECT queue, event_id FROM event_deliveries
                       WHERE queue = $1 AND due_at <= now()
                       ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED) due
                 WHERE d.queue = due.queue AND d.event_id = due.event_id
                 RETURNING d.event_id, d.attempts, d.envelope, d.seq",
            )
            .await?,
            &[&queue, &limit, &lease_secs, &key],
        )
        .await?;
    let mut claimed: Vec<(i64, Delivery)> = rows
        .iter()
        .map(|r| {
            let envelope =
                serde_json::from_value::<EventEnvelope>(r.get(2)).map_err(|e| e.to_string());
            (
                r.get(3),
                Delivery {
                    event_id: r.get(0),
                    attempts: r.get(1),
                    envelope,
                },
            )
        })
        .collect();
    claimed.sort_by_key(|(seq, _)| *seq);
    Ok(claimed.into_iter().map(|(_, d)| d).collect())
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "deliveries::complete")
)]
pub async fn complete(
    db: &impl GenericClient,
    queue: &str,
    event_ids: &[Uuid],
) -> Result<u64, tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached("DELETE FROM event_deliveries WHERE queue = $1 AND event_id = ANY($2)")
            .await?,
        &[&queue, &event_ids],
    )
    .await
}

/// A failed delivery waits `delay` before its next attempt.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "deliveries::retry_later")
)]
pub async fn retry_later(
    db: &impl GenericClient,
    queue: &str,
    event_id: Uuid,
    delay: Duration,
    error: &str,
) -> Result<u64, tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "UPDATE event_deliveries
             SET due_at = now() + make_interval(secs => $3), last_error = $4, claimed_by = NULL
             WHERE queue = $1 AND event_id = $2",
        )
        .await?,
        &[&queue, &event_id, &delay.as_secs_f64(), &error],
    )
    .await
}

/// Moves a delivery that used up its retries to `dead_events`.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "deliveries::bury")
)]
pub async fn bury(
    db: &impl GenericClient,
    queue: &str,
    event_id: Uuid,
    error: &str,
) -> Result<u64, tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "WITH gone AS (DELETE FROM event_deliveries WHERE queue = $1 AND event_id = $2
                           RETURNING queue, event_id, event_type, envelope, attempts)
             INSERT INTO dead_events (queue, event_id, event_type, envelope, attempts, last_error)
             SELECT queue, event_id, event_type, envelope, attempts, $3 FROM gone
             ON CONFLICT (queue, event_id) DO UPDATE
             SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error, dead_at = now()",
        )
        .await?,
        &[&queue, &event_id, &error],
    )
    .await
}

/// Deliveries not yet handled, over all queues.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "deliveries::backlog")
)]
pub async fn backlog(db: &impl GenericClient) -> Result<i64, tokio_postgres::Error> {
    Ok(db
        .query_one("SELECT count(*) FROM event_deliveries", &[])
        .await?
        .get(0))
}
