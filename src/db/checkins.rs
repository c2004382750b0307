//! SQL of `checkins` and `checkin_keys`. Writes are batched: one statement admits a
//! whole group of check-ins (group commit).

use deadpool_postgres::GenericClient;
use uuid::Uuid;

use crate::messages::attendance::{AttendanceEntry, CheckInRecord};

/// One check-in of a batch.
pub struct NewCheckIn<'a> {
    pub event_id: &'a str,
    pub ticket_id: &'a str,
    pub username: &'a str,
    pub user_id: Uuid,
}

fn record(r: &tokio_postgres::Row) -> CheckInRecord {
    CheckInRecord {
        event_id: r.get(0),
        ticket_id: r.get(1),
        checked_in_by: r.get(2),
        checked_in_at: r.get(3),
    }
}

/// Inserts the batch in order; a ticket already admitted (before, or earlier in the
/// same batch) is skipped. Returns the records that were admitted now.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "checkins::admit")
)]
pub async fn admit(
    tx: &impl GenericClient,
    batch: &[NewCheckIn<'_>],
) -> Result<Vec<CheckInRecord>, tokio_postgres::Error> {
    let events: Vec<&str> = batch.iter().map(|c| c.event_id).collect();
    let tickets: Vec<&str> = batch.iter().map(|c| c.ticket_id).collect();
    let names: Vec<&str> = batch.iter().map(|c| c.username).collect();
    let ids: Vec<Uuid> = batch.iter().map(|c| c.user_id).collect();
    let rows = tx
        .query(
            &tx.prepare_cached(
                "INSERT INTO checkins (event_id, ticket_id, checked_in_by, checked_in_by_id)
                 SELECT event_id, ticket_id, checked_in_by, checked_in_by_id
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[]) WITH ORDINALITY
                          AS b(event_id, ticket_id, checked_in_by, checked_in_by_id, n)
                 ORDER BY n
                 ON CONFLICT (event_id, ticket_id) DO NOTHING
                 RETURNING event_id, ticket_id, checked_in_by, checked_in_at",
            )
            .await?,
            &[&events, &tickets, &names, &ids],
        )
        .await?;
    Ok(rows.iter().map(record).collect())
}

/// The records of these (event, ticket) pairs, where they exist.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "checkins::find_many")
)]
pub async fn find_many(
    db: &impl GenericClient,
    pairs: &[(&str, &str)],
) -> Result<Vec<CheckInRecord>, tokio_postgres::Error> {
    let events: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    let tickets: Vec<&str> = pairs.iter().map(|p| p.1).collect();
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT c.event_id, c.ticket_id, c.checked_in_by, c.checked_in_at
                 FROM checkins c JOIN unnest($1::text[], $2::text[]) AS p(event_id, ticket_id)
                   ON c.event_id = p.event_id AND c.ticket_id = p.ticket_id",
            )
            .await?,
            &[&events, &tickets],
        )
        .await?;
    Ok(rows.iter().map(record).collect())
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

/// What a user's `Idempotency-Key` was used for: `(event_id, ticket_id)`.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "checkins::key_target")
)]
pub async fn key_target(
    db: &impl GenericClient,
    user_id: Uuid,
    key: &str,
) -> Result<Option<(String, String)>, tokio_postgres::Error> {
    let row = db
        .query_opt(
            &db.prepare_cached(
                "SELECT event_id, ticket_id FROM checkin_keys WHERE user_id = $1 AND key = $2",
            )
            .await?,
            &[&user_id, &key],
        )
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
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
