//! SQL of `dead_events`: the dead letters of both buses (the memory bus buries
//! deliveries here; with RabbitMQ the consumer of `<queue>.dead` records them), and
//! replaying them through the outbox to their one queue.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::messages::dead_events::{DeadEvent, DeadFilter};
use crate::messages::events::EventEnvelope;

const COLUMNS: &str =
    "id, queue, event_id, event_type, attempts, last_error, dead_at, envelope, headers";
const MATCHES: &str = "($1::text IS NULL OR queue = $1) AND ($2::text IS NULL OR event_type = $2)";

/// A dead letter as it came off a RabbitMQ dead-letter queue.
pub struct Letter {
    /// The queue it died in (not the `.dead` queue).
    pub queue: String,
    pub payload: Vec<u8>,
    pub attempts: i32,
    pub last_error: String,
    pub headers: serde_json::Value,
}

fn dead_event(r: &Row) -> DeadEvent {
    DeadEvent {
        id: r.get(0),
        queue: r.get(1),
        event_id: r.get(2),
        event_type: r.get(3),
        attempts: r.get(4),
        last_error: r.get(5),
        dead_at: r.get(6),
        envelope: r.get(7),
        headers: r.get(8),
    }
}

/// Records (or, if it died again, refreshes) a dead letter. A payload that is not
/// an envelope is kept as text under a fresh id, so nothing is dropped.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "dead_events::record")
)]
pub async fn record(db: &impl GenericClient, letter: &Letter) -> Result<(), tokio_postgres::Error> {
    let (event_id, event_type, envelope) =
        match serde_json::from_slice::<EventEnvelope>(&letter.payload) {
            Ok(e) => (
                e.event_id,
                e.event_type().to_owned(),
                serde_json::to_value(&e).unwrap_or_default(),
            ),
            Err(_) => (
                Uuid::now_v7(),
                "unknown".to_owned(),
                serde_json::json!({"unreadable": String::from_utf8_lossy(&letter.payload)}),
            ),
        };
    db.execute(
        &db.prepare_cached(
            "INSERT INTO dead_events (queue, event_id, event_type, envelope, attempts, last_error, headers)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (queue, event_id) DO UPDATE
             SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error,
                 headers = EXCLUDED.headers, dead_at = now()",
        )
        .await?,
        &[
            &letter.queue,
            &event_id,
            &event_type,
            &envelope,
            &letter.attempts,
            &letter.last_error,
            &letter.headers,
        ],
    )
    .await?;
    Ok(())
}

/// A page of the dead letters the filter matches, oldest first, and their total.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "dead_events::list")
)]
pub async fn list(
    db: &impl GenericClient,
    filter: &DeadFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<DeadEvent>, i64), tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM dead_events WHERE {MATCHES} ORDER BY id OFFSET $3 LIMIT $4"
            ))
            .await?,
            &[&filter.queue, &filter.event_type, &offset, &limit],
        )
        .await?;
    let total: i64 = db
        .query_one(
            &db.prepare_cached(&format!("SELECT count(*) FROM dead_events WHERE {MATCHES}"))
                .await?,
            &[&filter.queue, &filter.event_type],
        )
        .await?
        .get(0);
    Ok((rows.iter().map(dead_event).collect(), total))
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "dead_events::count")
)]
pub async fn count(
    db: &impl GenericClient,
    filter: &DeadFilter,
) -> Result<i64, tokio_postgres::Error> {
    list(db, filter, 0, 0).await.map(|(_, total)| total)
}

/// Dead letters kept, per queue (the `event_dead_letters` gauge).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "dead_events::depth_by_queue")
)]
pub async fn depth_by_queue(
    db: &impl GenericClient,
) -> Result<Vec<(String, i64)>, tokio_postgres::Error> {
    let rows = db
        .query(
            "SELECT queue, count(*) FROM dead_events GROUP BY queue",
            &[],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Moves dead letters back to their queue: each is deleted here and written to the
/// outbox for its queue alone, in one statement, so the relay hands it on
/// (confirmed, on RabbitMQ) exactly as a new event. (If that event is already in
/// the outbox for that queue, the pending copy stands.) A letter whose payload was
/// not an envelope (`unknown`) cannot be replayed, only discarded.
const REPLAY: &str = "WITH gone AS (DELETE FROM dead_events WHERE id IN (SELECTION)
                      RETURNING COLUMNS),
              queued AS (INSERT INTO outbox (event_id, event_type, envelope, target_queue)
                         SELECT event_id, event_type, envelope, queue FROM gone
                         ON CONFLICT DO NOTHING)
              SELECT COLUMNS FROM gone";

fn replay_sql(selection: &str) -> String {
    REPLAY
        .replace("SELECTION", selection)
        .replace("COLUMNS", COLUMNS)
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "dead_events::replay_one")
)]
pub async fn replay_one(
    db: &impl GenericClient,
    id: i64,
) -> Result<Option<DeadEvent>, tokio_postgres::Error> {
    let sql = replay_sql("SELECT id FROM dead_events WHERE id = $1 AND event_type <> 'unknown'");
    let row = db
        .query_opt(&db.prepare_cached(&sql).await?, &[&id])
        .await?;
    Ok(row.as_ref().map(dead_event))
}

/// Replays up to `limit` of the oldest dead letters the filter matches.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "dead_events::replay_batch")
)]
pub async fn replay_batch(
    db: &impl GenericClient,
    filter: &DeadFilter,
    limit: i64,
) -> Result<u64, tokio_postgres::Error> {
    let sql = replay_sql(&format!(
        "SELECT id FROM dead_events WHERE {MATCHES} AND event_type <> 'unknown'
         ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED"
    ));
    let rows = db
        .query(
            &db.prepare_cached(&sql).await?,
            &[&filter.queue, &filter.event_type, &limit],
        )
        .await?;
    Ok(rows.len() as u64)
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "dead_events::find")
)]
pub async fn find(
    db: &impl GenericClient,
    id: i64,
) -> Result<Option<DeadEvent>, tokio_postgres::Error> {
    let row = db
        .query_opt(
            &db.prepare_cached(&format!("SELECT {COLUMNS} FROM dead_events WHERE id = $1"))
                .await?,
            &[&id],
        )
        .await?;
    Ok(row.as_ref().map(dead_event))
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "dead_events::discard_one")
)]
pub async fn discard_one(db: &impl GenericClient, id: i64) -> Result<bool, tokio_postgres::Error> {
    let n = db
        .execute(
            &db.prepare_cached("DELETE FROM dead_events WHERE id = $1")
                .await?,
            &[&id],
        )
        .await?;
    Ok(n == 1)
}

/// Discards up to `limit` of the oldest dead letters the filter matches.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "dead_events::discard_batch")
)]
pub async fn discard_batch(
    db: &impl GenericClient,
    filter: &DeadFilter,
    limit: i64,
) -> Result<u64, tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(&format!(
            "DELETE FROM dead_events WHERE id IN
             (SELECT id FROM dead_events WHERE {MATCHES} ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)"
        ))
        .await?,
        &[&filter.queue, &filter.event_type, &limit],
    )
    .await
}
