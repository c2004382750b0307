//! SQL of the `outbox` table: domain actors record events inside their transaction;
//! the relay claims, hands on and deletes them.

use deadpool_postgres::GenericClient;

use crate::messages::events::{DomainEvent, EventEnvelope};

/// Records `event` in the caller's transaction; it is published only if that
/// transaction commits.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "outbox::record")
)]
pub async fn record(
    tx: &impl GenericClient,
    event: DomainEvent,
) -> Result<EventEnvelope, tokio_postgres::Error> {
    let envelope = EventEnvelope::new(event);
    let json = serde_json::to_value(&envelope).unwrap_or_default();
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO outbox (event_id, event_type, envelope) VALUES ($1, $2, $3)",
        )
        .await?,
        &[&envelope.event_id, &envelope.event_type(), &json],
    )
    .await?;
    Ok(envelope)
}

/// Records several events with one statement (batched writers).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "outbox::record_many")
)]
pub async fn record_many(
    tx: &impl GenericClient,
    events: Vec<DomainEvent>,
) -> Result<(), tokio_postgres::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let envelopes: Vec<EventEnvelope> = events.into_iter().map(EventEnvelope::new).collect();
    let ids: Vec<uuid::Uuid> = envelopes.iter().map(|e| e.event_id).collect();
    let types: Vec<&str> = envelopes.iter().map(|e| e.event_type()).collect();
    let bodies: Vec<serde_json::Value> = envelopes
        .iter()
        .map(|e| serde_json::to_value(e).unwrap_or_default())
        .collect();
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO outbox (event_id, event_type, envelope)
             SELECT i, t, b FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS e(i, t, b, n)
             ORDER BY n",
        )
        .await?,
        &[&ids, &types, &bodies],
    )
    .await?;
    Ok(())
}

/// One claimed outbox row.
pub struct OutboxRow {
    pub seq: i64,
    pub envelope: EventEnvelope,
    /// Set for a replayed dead letter: it goes to this queue only.
    pub target_queue: Option<String>,
}

/// Locks up to `limit` of the oldest rows (skipping rows another relay holds).
/// Rows whose envelope cannot be read are returned as `Err` with their `seq`.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "outbox::claim")
)]
pub async fn claim(
    tx: &impl GenericClient,
    limit: i64,
) -> Result<Vec<Result<OutboxRow, i64>>, tokio_postgres::Error> {
    let rows = tx
        .query(
            &tx.prepare_cached(
                "SELECT seq, envelope, target_queue FROM outbox ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
            )
            .await?,
            &[&limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let seq: i64 = r.get(0);
            serde_json::from_value::<EventEnvelope>(r.get(1))
                .map(|envelope| OutboxRow {
                    seq,
                    envelope,
                    target_queue: r.get(2),
                })
                .map_err(|_| seq)
        })
        .collect())
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "outbox::delete")
)]
pub async fn delete(tx: &impl GenericClient, seqs: &[i64]) -> Result<u64, tokio_postgres::Error> {
    tx.execute(
        &tx.prepare_cached("DELETE FROM outbox WHERE seq = ANY($1)")
            .await?,
        &[&seqs],
    )
    .await
}

/// Events committed but not yet handed on.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "outbox::backlog")
)]
pub async fn backlog(db: &impl GenericClient) -> Result<i64, tokio_postgres::Error> {
    Ok(db
        .query_one("SELECT count(*) FROM outbox", &[])
        .await?
        .get(0))
}
