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

/// One ticket's admission row, before and after the batch.
#[derive(Debug, Clone)]
pub struct RowChange {
    pub event_id: String,
    pub ticket_id: String,
    pub before: Option<Admission>,
    pub after: Option<Admission>,
    /// Who made a new first admission.
    pub by_id: Option<Uuid>,
}

/// Writes a decided batch's admission rows, each only if the row is still as the
/// batch read it (another batch on another node may have changed it since).
/// Returns the (event, ticket) pairs written; the others lost a race.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "checkins::apply")
)]
pub async fn apply(
    tx: &impl GenericClient,
    rows: &[RowChange],
) -> Result<Vec<(String, String)>, tokio_postgres::Error> {
    let mut written = Vec::with_capacity(rows.len());
    let pair = |r: &tokio_postgres::Row| (r.get::<_, String>(0), r.get::<_, String>(1));
    let inserts: Vec<(&RowChange, &Admission)> = rows
        .iter()
        .filter(|r| r.before.is_none())
        .filter_map(|r| Some((r, r.after.as_ref()?)))
        .collect();
    if !inserts.is_empty() {
        let events: Vec<&str> = inserts.iter().map(|(r, _)| r.event_id.as_str()).collect();
        let tickets: Vec<&str> = inserts.iter().map(|(r, _)| r.ticket_id.as_str()).collect();
        let names: Vec<&str> = inserts
            .iter()
            .map(|(_, a)| a.record.checked_in_by.as_str())
            .collect();
        let ids: Vec<Option<Uuid>> = inserts.iter().map(|(r, _)| r.by_id).collect();
        let times: Vec<OffsetDateTime> = inserts
            .iter()
            .map(|(_, a)| a.record.checked_in_at)
            .collect();
        let inside: Vec<bool> = inserts.iter().map(|(_, a)| a.inside).collect();
        let done = tx
            .query(
                &tx.prepare_cached(
                    "INSERT INTO checkins (event_id, ticket_id, checked_in_by, checked_in_by_id,
                                           checked_in_at, inside)
                     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[],
                                          $5::timestamptz[], $6::bool[])
                     ON CONFLICT (event_id, ticket_id) DO NOTHING
                     RETURNING event_id, ticket_id",
                )
                .await?,
                &[&events, &tickets, &names, &ids, &times, &inside],
            )
            .await?;
        written.extend(done.iter().map(pair));
    }
    // Deletions (after: None) and changes; `was_*` is the row as read.
    let changed: Vec<(&RowChange, &Admission)> = rows
        .iter()
        .filter_map(|r| Some((r, r.before.as_ref()?)))
        .collect();
    if !changed.is_empty() {
        let events: Vec<&str> = changed.iter().map(|(r, _)| r.event_id.as_str()).collect();
        let tickets: Vec<&str> = changed.iter().map(|(r, _)| r.ticket_id.as_str()).collect();
        let was_at: Vec<OffsetDateTime> = changed
            .iter()
            .map(|(_, b)| b.record.checked_in_at)
            .collect();
        let was_inside: Vec<bool> = changed.iter().map(|(_, b)| b.inside).collect();
        let delete: Vec<bool> = changed.iter().map(|(r, _)| r.after.is_none()).collect();
        let names: Vec<Option<&str>> = changed
            .iter()
            .map(|(r, _)| r.after.as_ref().map(|a| a.record.checked_in_by.as_str()))
            .collect();
        let ids: Vec<Option<Uuid>> = changed.iter().map(|(r, _)| r.by_id).collect();
        let times: Vec<Option<OffsetDateTime>> = changed
            .iter()
            .map(|(r, _)| r.after.as_ref().map(|a| a.record.checked_in_at))
            .collect();
        let inside: Vec<Option<bool>> = changed
            .iter()
            .map(|(r, _)| r.after.as_ref().map(|a| a.inside))
            .collect();
        let gone = tx
            .query(
                &tx.prepare_cached(
                    "DELETE FROM checkins c
                     USING unnest($1::text[], $2::text[], $3::timestamptz[], $4::bool[], $5::bool[])
                           AS d(event_id, ticket_id, was_at, was_inside, del)
                     WHERE d.del AND c.event_id = d.event_id AND c.ticket_id = d.ticket_id
                       AND c.checked_in_at = d.was_at AND c.inside = d.was_inside
                     RETURNING c.event_id, c.ticket_id",
                )
                .await?,
                &[&events, &tickets, &was_at, &was_inside, &delete],
            )
            .await?;
        written.extend(gone.iter().map(pair));
        let updated = tx
            .query(
                &tx.prepare_cached(
                    "UPDATE checkins c
                     SET checked_in_by = COALESCE(u.by_name, c.checked_in_by),
                         checked_in_by_id = CASE WHEN u.at <> c.checked_in_at
                                                 THEN u.by_id ELSE c.checked_in_by_id END,
                         checked_in_at = u.at, inside = u.inside
                     FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bool[],
                                 $5::bool[], $6::text[], $7::uuid[], $8::timestamptz[], $9::bool[])
                           AS u(event_id, ticket_id, was_at, was_inside, del,
                                by_name, by_id, at, inside)
                     WHERE NOT u.del AND c.event_id = u.event_id AND c.ticket_id = u.ticket_id
                       AND c.checked_in_at = u.was_at AND c.inside = u.was_inside
                     RETURNING c.event_id, c.ticket_id",
                )
                .await?,
                &[
                    &events,
                    &tickets,
                    &was_at,
                    &was_inside,
                    &delete,
                    &names,
                    &ids,
                    &times,
                    &inside,
                ],
            )
            .await?;
        written.extend(updated.iter().map(pair));
    }
    Ok(written)
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

/// One line of an attendance export.
pub struct ExportLine {
    pub ticket_id: String,
    pub holder_name: Option<String>,
    pub category: Option<String>,
    pub checked_in_by: String,
    pub checked_in_at: OffsetDateTime,
    pub inside: bool,
}

/// The next `limit` admissions of an event after `after` (time, ticket), oldest
/// first, with the ticket's holder and category where the event lists them.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "checkins::export_page")
)]
pub async fn export_page(
    db: &impl GenericClient,
    event_id: &str,
    after: Option<&(OffsetDateTime, String)>,
    limit: i64,
) -> Result<Vec<ExportLine>, tokio_postgres::Error> {
    let (at, ticket) = match after {
        Some((at, ticket)) => (Some(*at), Some(ticket.as_str())),
        None => (None, None),
    };
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT c.ticket_id, t.holder_name, t.category, c.checked_in_by, c.checked_in_at,
                        c.inside
                 FROM checkins c
                 LEFT JOIN tickets t ON t.event_id = c.event_id AND t.ticket_id = c.ticket_id
                 WHERE c.event_id = $1
                   AND ($2::timestamptz IS NULL OR (c.checked_in_at, c.ticket_id) > ($2, $3::text))
                 ORDER BY c.checked_in_at, c.ticket_id
                 LIMIT $4",
            )
            .await?,
            &[&event_id, &at, &ticket, &limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| ExportLine {
            ticket_id: r.get(0),
            holder_name: r.get(1),
            category: r.get(2),
            checked_in_by: r.get(3),
            checked_in_at: r.get(4),
            inside: r.get(5),
        })
        .collect())
}
