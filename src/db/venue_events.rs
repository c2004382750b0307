//! SQL of `venue_events`, and the per-event check-in lock every change of an
//! event's admissions takes.

use deadpool_postgres::GenericClient;
use time::OffsetDateTime;

use crate::messages::venue_events::{TicketMode, VenueEvent};

/// `inside` is kept on the row for events with a capacity (under their check-in
/// lock); for the others it is counted from the admissions.
const COLUMNS: &str = "id, name, venue, starts_at, ends_at, capacity, reentry, mode,
     CASE WHEN capacity IS NULL
          THEN (SELECT count(*)::int4 FROM checkins c WHERE c.event_id = venue_events.id AND c.inside)
          ELSE inside END,
     created_at, updated_at";

fn event_from_row(r: &tokio_postgres::Row) -> VenueEvent {
    VenueEvent {
        id: r.get(0),
        name: r.get(1),
        venue: r.get(2),
        starts_at: r.get(3),
        ends_at: r.get(4),
        capacity: r.get(5),
        reentry: r.get(6),
        mode: TicketMode::parse(r.get(7)),
        inside: r.get(8),
        created_at: r.get(9),
        updated_at: r.get(10),
    }
}

/// The stored fields of an event.
pub struct EventRow<'a> {
    pub name: &'a str,
    pub venue: &'a str,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub capacity: Option<i32>,
    pub reentry: bool,
    pub mode: TicketMode,
}

/// Runs an INSERT or UPDATE whose parameters are `$1` the id and `$2…$8` the row's
/// fields, and which returns `COLUMNS`.
async fn write(
    db: &impl GenericClient,
    sql: &str,
    id: &str,
    row: &EventRow<'_>,
) -> Result<Option<VenueEvent>, tokio_postgres::Error> {
    let found = db
        .query_opt(
            &db.prepare_cached(sql).await?,
            &[
                &id,
                &row.name,
                &row.venue,
                &row.starts_at,
                &row.ends_at,
                &row.capacity,
                &row.reentry,
                &row.mode.as_str(),
            ],
        )
        .await?;
    Ok(found.as_ref().map(event_from_row))
}

/// `None` when the id is taken.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "venue_events::insert")
)]
pub async fn insert(
    db: &impl GenericClient,
    id: &str,
    row: &EventRow<'_>,
) -> Result<Option<VenueEvent>, tokio_postgres::Error> {
    let sql = format!(
        "INSERT INTO venue_events (id, name, venue, starts_at, ends_at, capacity, reentry, mode)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING {COLUMNS}"
    );
    write(db, &sql, id, row).await
}

/// Writes every field (the caller merged the patch into the stored event under
/// `FOR UPDATE`).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "venue_events::update")
)]
pub async fn update(
    db: &impl GenericClient,
    id: &str,
    row: &EventRow<'_>,
) -> Result<Option<VenueEvent>, tokio_postgres::Error> {
    let sql = format!(
        "UPDATE venue_events SET name = $2, venue = $3, starts_at = $4, ends_at = $5, capacity = $6,
                reentry = $7, mode = $8, updated_at = now()
         WHERE id = $1 RETURNING {COLUMNS}"
    );
    write(db, &sql, id, row).await
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "venue_events::find")
)]
pub async fn find(
    db: &impl GenericClient,
    id: &str,
    for_update: bool,
) -> Result<Option<VenueEvent>, tokio_postgres::Error> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM venue_events WHERE id = $1{lock}");
    let found = db
        .query_opt(&db.prepare_cached(&sql).await?, &[&id])
        .await?;
    Ok(found.as_ref().map(event_from_row))
}

/// A page of events, soonest first, and how many there are.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "venue_events::list")
)]
pub async fn list(
    db: &impl GenericClient,
    limit: i64,
    offset: i64,
) -> Result<(Vec<VenueEvent>, u64), tokio_postgres::Error> {
    let total: i64 = db
        .query_one(
            &db.prepare_cached("SELECT count(*) FROM venue_events")
                .await?,
            &[],
        )
        .await?
        .get(0);
    let sql = format!(
        "SELECT {COLUMNS} FROM venue_events ORDER BY starts_at NULLS LAST, id LIMIT $1 OFFSET $2"
    );
    let rows = db
        .query(&db.prepare_cached(&sql).await?, &[&limit, &offset])
        .await?;
    Ok((
        rows.iter().map(event_from_row).collect(),
        u64::try_from(total).unwrap_or(0),
    ))
}

/// `false` when there was no such event.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "venue_events::delete")
)]
pub async fn delete(db: &impl GenericClient, id: &str) -> Result<bool, tokio_postgres::Error> {
    let n = db
        .execute(
            &db.prepare_cached("DELETE FROM venue_events WHERE id = $1")
                .await?,
            &[&id],
        )
        .await?;
    Ok(n > 0)
}

/// Takes the check-in locks of these events (registered or not) exclusively until
/// the transaction ends: for changing an event's rules or deleting it.
pub async fn lock_checkins(
    tx: &impl GenericClient,
    event_ids: &[&str],
) -> Result<(), tokio_postgres::Error> {
    lock_checkins_as(tx, event_ids, &vec![true; event_ids.len()]).await
}

/// Takes the check-in locks of these events until the transaction ends, each
/// exclusive or shared as `exclusive` says, in one order (by the lock's key) so
/// that two transactions never deadlock. A batch deciding on an event's capacity
/// holds it exclusive; other batches hold it shared (they decide row by row), and a
/// change of the event's rules waits for all of them.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "venue_events::lock_checkins")
)]
pub async fn lock_checkins_as(
    tx: &impl GenericClient,
    event_ids: &[&str],
    exclusive: &[bool],
) -> Result<(), tokio_postgres::Error> {
    tx.query(
        &tx.prepare_cached(
            "SELECT CASE WHEN x THEN pg_advisory_xact_lock(7301, h)::text
                         ELSE pg_advisory_xact_lock_shared(7301, h)::text END
             FROM (SELECT hashtext(e) AS h, bool_or(x) AS x
                   FROM unnest($1::text[], $2::bool[]) AS t(e, x)
                   GROUP BY 1 ORDER BY 1) AS s",
        )
        .await?,
        &[&event_ids, &exclusive],
    )
    .await?;
    Ok(())
}

/// Counts who is inside again (under the event's check-in lock): the count kept on
/// the row is used only while the event has a capacity, and may have gone stale
/// while it had none.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "venue_events::recount_inside")
)]
pub async fn recount_inside(
    tx: &impl GenericClient,
    id: &str,
) -> Result<(), tokio_postgres::Error> {
    tx.execute(
        &tx.prepare_cached(
            "UPDATE venue_events SET inside =
               (SELECT count(*) FROM checkins c WHERE c.event_id = $1 AND c.inside)
             WHERE id = $1",
        )
        .await?,
        &[&id],
    )
    .await?;
    Ok(())
}

/// A registered event's rules and how many are inside, as the gate decides on them.
#[derive(Debug, Clone)]
pub struct EventRules {
    pub mode: TicketMode,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub capacity: Option<i32>,
    pub reentry: bool,
    pub inside: i32,
    /// A signed event's public key, once it has one.
    pub public_key: Option<[u8; 32]>,
}

/// The rules of those of these events that are registered, by id.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "venue_events::rules")
)]
pub async fn rules(
    db: &impl GenericClient,
    event_ids: &[&str],
) -> Result<Vec<(String, EventRules)>, tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT e.id, e.mode, e.starts_at, e.ends_at, e.capacity, e.reentry, e.inside,
                        k.public_key
                 FROM venue_events e LEFT JOIN event_keys k ON k.event_id = e.id
                 WHERE e.id = ANY($1)",
            )
            .await?,
            &[&event_ids],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                EventRules {
                    mode: TicketMode::parse(r.get(1)),
                    starts_at: r.get(2),
                    ends_at: r.get(3),
                    capacity: r.get(4),
                    reentry: r.get(5),
                    inside: r.get(6),
                    public_key: r
                        .get::<_, Option<Vec<u8>>>(7)
                        .and_then(|k| k.try_into().ok()),
                },
            )
        })
        .collect())
}

/// Sets the count inside of these events (under their check-in locks).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "venue_events::set_inside")
)]
pub async fn set_inside(
    tx: &impl GenericClient,
    counts: &[(String, i32)],
) -> Result<(), tokio_postgres::Error> {
    if counts.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = counts.iter().map(|c| c.0.as_str()).collect();
    let inside: Vec<i32> = counts.iter().map(|c| c.1).collect();
    tx.execute(
        &tx.prepare_cached(
            "UPDATE venue_events e SET inside = c.inside
             FROM unnest($1::text[], $2::int4[]) AS c(id, inside)
             WHERE e.id = c.id AND e.inside <> c.inside",
        )
        .await?,
        &[&ids, &inside],
    )
    .await?;
    Ok(())
}
