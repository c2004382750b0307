//! SQL of `event_deliveries`, `dead_events` and `processed_events`: the durable
//! retry and dead-letter machinery of EVENT_BUS=memory.

use std::time::Duration;

use deadpool_postgres::GenericClient;
use uuid::Uuid;

use crate::messages::events::EventEnvelope;

/// Adds one delivery per (queue, event) in the relay's transaction.
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

/// Claims up to `limit` due deliveries of `queue`, oldest first, by pushing their
/// `due_at` a lease into the future; a crash mid-handling makes them due again.
pub async fn claim(
    db: &impl GenericClient,
    queue: &str,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Delivery>, tokio_postgres::Error> {
    let lease_secs = lease.as_secs_f64();
    let rows = db
        .query(
            &db.prepare_cached(
                "UPDATE event_deliveries d
                 SET due_at = now() + make_interval(secs => $3), attempts = d.attempts + 1
                 FROM (SELECT queue, event_id FROM event_deliveries
                       WHERE queue = $1 AND due_at <= now()
                       ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED) due
                 WHERE d.queue = due.queue AND d.event_id = due.event_id
                 RETURNING d.event_id, d.attempts, d.envelope, d.seq",
            )
            .await?,
            &[&queue, &limit, &lease_secs],
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
pub async fn retry_later(
    db: &impl GenericClient,
    queue: &str,
    event_id: Uuid,
    delay: Duration,
    error: &str,
) -> Result<u64, tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "UPDATE event_deliveries SET due_at = now() + make_interval(secs => $3), last_error = $4
             WHERE queue = $1 AND event_id = $2",
        )
        .await?,
        &[&queue, &event_id, &delay.as_secs_f64(), &error],
    )
    .await
}

/// Moves a delivery that used up its retries to `dead_events`.
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
             ON CONFLICT DO NOTHING",
        )
        .await?,
        &[&queue, &event_id, &error],
    )
    .await
}

/// Deliveries not yet handled, over all queues.
pub async fn backlog(db: &impl GenericClient) -> Result<i64, tokio_postgres::Error> {
    Ok(db
        .query_one("SELECT count(*) FROM event_deliveries", &[])
        .await?
        .get(0))
}

/// Records that `consumer` applied `event_id`; `false` when it already had (a
/// redelivery), so the caller's transaction should change nothing.
pub async fn mark_processed(
    tx: &impl GenericClient,
    consumer: &str,
    event_id: Uuid,
) -> Result<bool, tokio_postgres::Error> {
    let inserted = tx
        .execute(
            &tx.prepare_cached(
                "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .await?,
            &[&consumer, &event_id],
        )
        .await?;
    Ok(inserted == 1)
}
