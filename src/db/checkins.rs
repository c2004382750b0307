//! SQL of `checkins` (one admission row per ticket) and `checkin_keys`. Writes are
//! batched: one statement per kind of change for a whole group of scans (group commit).

use deadpool_postgres::GenericClient;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::messages::attendance::{AttendanceEntry, CheckInRecord};

/// A ticket's admission row: its first admission and whether it is inside now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    pub record: CheckInRecord,
    pub inside: bool,
}

/// The admission rows of these (event, ticket) pairs, where they exist.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "checkins::find_many")
)]
pub async fn find_many(
    db: &impl GenericClient,
    pairs: &[(&str, &str)],
) -> Result<Vec<Admission>, tokio_postgres::Error> {
    let events: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    let tickets: Vec<&str> = pairs.iter().map(|p| p.1).collect();
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT c.event_id, c.ticket_id, c.checked_in_by, c.checked_in_at, c.inside
                 FROM checkins c JOIN unnest($1::text[], $2::text[]) AS p(event_id, ticket_id)
                   ON c.event_id = p.event_id AND c.ticket_id = p.ticket_id",
            )
            .await?,
            &[&events, &tickets],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Admission {
            record: CheckInRecord {
                event_id: r.get(0),
                ticket_id: r.get(1),
                checked_in_by: r.get(2),
                checked_in_at: r.get(3),
            },
            inside: r.get(4),
        })
        .collect())
}

/// Writes a decided batch's admission rows: deletes (annulments) first, then new
/// rows, then the changed `inside`. The caller holds the events' check-in locks, so
/// the primary key is a safety net here, not the decision.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "checkins::apply")
)]
pub async fn apply(
    tx: &impl GenericClient,
    delete: &[(String, String)],
    insert: &[(&Admission, Option<Uuid>)],
    update: &[Admission],
) -> Result<(), tokio_postgres::Error> {
    if !delete.is_empty() {
        let events: Vec<&str> = delete.iter().map(|k| k.0.as_str()).collect();
        let tickets: Vec<&str> = delete.iter().map(|k| k.1.as_str()).collect();
        tx.execute(
            &tx.prepare_cached(
                "DELETE FROM checkins c USING unnest($1::text[], $2::text[]) AS d(event_id, ticket_id)
                 WHERE c.event_id = d.event_id AND c.ticket_id = d.ticket_id",
            )
            .await?,
            &[&events, &tickets],
        )
        .await?;
    }
    if !insert.is_empty() {
        let events: Vec<&str> = insert
            .iter()
            .map(|a| a.0.record.event_id.as_str())
            .collect();
        let tickets: Vec<&str> = insert
            .iter()
            .map(|a| a.0.record.ticket_id.as_str())
            .collect();
        let names: Vec<&str> = insert
            .iter()
            .map(|a| a.0.record.checked_in_by.as_str())
            .collect();
        let ids: Vec<Option<Uuid>> = insert.iter().map(|a| a.1).collect();
        let times: Vec<OffsetDateTime> = insert.iter().map(|a| a.0.record.checked_in_at).collect();
        let inside: Vec<bool> = insert.iter().map(|a| a.0.inside).collect();
        tx.execute(
            &tx.prepare_cached(
                "INSERT INTO checkins (event_id, ticket_id, checked_in_by, checked_in_by_id,
                                       checked_in_at, inside)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[],
                                      $5::timestamptz[], $6::bool[])",
            )
            .await?,
            &[&events, &tickets, &names, &ids, &times, &inside],
        )
        .await?;
    }
    if !update.is_empty() {
        let events: Vec<&str> = update.iter().map(|a| a.record.event_id.as_str()).collect();
        let tickets: Vec<&str> = update.iter().map(|a| a.record.ticket_id.as_str()).collect();
        let inside: Vec<bool> = update.iter().map(|a| a.inside).collect();
        tx.execute(
            &tx.prepare_cached(
                "UPDATE checkins c SET inside = u.inside
                 FROM unnest($1::text[], $2::text[], $3::bool[]) AS u(event_id, ticket_id, inside)
                 WHERE c.event_id = u.event_id AND c.ticket_id = u.ticket_id",
            )
            .await?,
            &[&events, &tickets, &inside],
        )
        .await?;
    }
    Ok(())
}

/// Remembers the `Idempotency-Key`s of admitted check-ins.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "checkins::remember_keys")
)]
pub async fn remember_keys(
    tx: &impl GenericClient,
    keys: &[(Uuid, &str, &str, &str)],
) -> Result<(), tokio_postgres::Error> {
    if keys.is_empty() {
        return Ok(());
    }
    let users: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
    let names: Vec<&str> = keys.iter().map(|k| k.1).collect();
    let events: Vec<&str> = keys.iter().map(|k| k.2).collect();
    let tickets: Vec<&str> = keys.iter().map(|k| k.3).collect();
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO checkin_keys (user_id, key, event_id, ticket_id)
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
             ON CONFLICT DO NOTHING",
        )
        .await?,
        &[&users, &names, &events, &tickets],
    )
    .await?;
    Ok(())
}

/// What these users' `Idempotency-Key`s were used for: `(user, key, event, ticket)`.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "checkins::key_targets")
)]
pub async fn key_targets(
    db: &impl GenericClient,
    keys: &[(Uuid, &str)],
) -> Result<Vec<(Uuid, String, String, String)>, tokio_postgres::Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let users: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
    let names: Vec<&str> = keys.iter().map(|k| k.1).collect();
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT k.user_id, k.key, k.event_id, k.ticket_id
                 FROM checkin_keys k JOIN unnest($1::uuid[], $2::text[]) AS q(user_id, key)
                   ON k.user_id = q.user_id AND k.key = q.key",
            )
            .await?,
            &[&users, &names],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect())
}

/// A page of an event's check-ins, oldest first, and the event's total.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "checkins::list")
)]
pub async fn list(
    db: &impl GenericClient,
    event_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AttendanceEntry>, u64), tokio_postgres::Error> {
    let total: i64 = db
        .query_one(
            &db.prepare_cached("SELECT count(*) FROM checkins WHERE event_id = $1")
                .await?,
            &[&event_id],
        )
        .await?
        .get(0);
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT ticket_id, checked_in_by, checked_in_at FROM checkins WHERE event_id = $1
                 ORDER BY checked_in_at, ticket_id LIMIT $2 OFFSET $3",
            )
            .await?,
            &[&event_id, &limit, &offset],
        )
        .await?;
    let entries = rows
        .iter()
        .map(|r| AttendanceEntry {
            ticket_id: r.get(0),
            checked_in_by: r.get(1),
            checked_in_at: r.get(2),
        })
        .collect();
    Ok((entries, u64::try_from(total).unwrap_or(0)))
}
