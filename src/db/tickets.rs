//! SQL of `tickets`: the ticket lists of listed events and the codes issued for
//! signed ones.

use deadpool_postgres::GenericClient;

use crate::messages::attendance::TicketHolder;
use crate::messages::venue_events::TicketLine;

/// A ticket as the gate sees it.
#[derive(Debug, Clone)]
pub struct KnownTicket {
    pub event_id: String,
    pub ticket_id: String,
    pub holder: TicketHolder,
    pub revoked: bool,
}

/// The stored tickets among these (event, ticket) pairs.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "tickets::find_many")
)]
pub async fn find_many(
    db: &impl GenericClient,
    pairs: &[(&str, &str)],
) -> Result<Vec<KnownTicket>, tokio_postgres::Error> {
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let events: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    let tickets: Vec<&str> = pairs.iter().map(|p| p.1).collect();
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT t.event_id, t.ticket_id, t.holder_name, t.category, t.revoked_at IS NOT NULL
                 FROM tickets t JOIN unnest($1::text[], $2::text[]) AS p(event_id, ticket_id)
                   ON t.event_id = p.event_id AND t.ticket_id = p.ticket_id",
            )
            .await?,
            &[&events, &tickets],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| KnownTicket {
            event_id: r.get(0),
            ticket_id: r.get(1),
            holder: TicketHolder {
                holder_name: r.get(2),
                category: r.get(3),
            },
            revoked: r.get(4),
        })
        .collect())
}

/// Adds or updates one chunk of an event's ticket list; a line equal to the stored
/// ticket writes nothing. The last line of a ticket id repeated in the chunk wins.
/// Returns how many tickets were written.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "tickets::upsert")
)]
pub async fn upsert(
    db: &impl GenericClient,
    event_id: &str,
    lines: &[TicketLine],
) -> Result<u64, tokio_postgres::Error> {
    let ids: Vec<&str> = lines.iter().map(|l| l.ticket_id.as_str()).collect();
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l.holder.holder_name.as_str())
        .collect();
    let categories: Vec<&str> = lines.iter().map(|l| l.holder.category.as_str()).collect();
    db.execute(
        &db.prepare_cached(
            "INSERT INTO tickets (event_id, ticket_id, holder_name, category)
             SELECT DISTINCT ON (ticket_id) $1, ticket_id, holder_name, category
             FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY
                      AS l(ticket_id, holder_name, category, n)
             ORDER BY ticket_id, n DESC
             ON CONFLICT (event_id, ticket_id) DO UPDATE
               SET holder_name = EXCLUDED.holder_name, category = EXCLUDED.category
               WHERE (tickets.holder_name, tickets.category)
                     IS DISTINCT FROM (EXCLUDED.holder_name, EXCLUDED.category)",
        )
        .await?,
        &[&event_id, &ids, &names, &categories],
    )
    .await
}

/// Marks a ticket revoked (recording it if the event had no row for it, as an issued
/// code may be revoked before it was ever stored). Returns whether it was newly revoked.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "tickets::revoke")
)]
pub async fn revoke(
    db: &impl GenericClient,
    event_id: &str,
    ticket_id: &str,
) -> Result<bool, tokio_postgres::Error> {
    let row = db
        .query_one(
            &db.prepare_cached(
                "INSERT INTO tickets (event_id, ticket_id, revoked_at) VALUES ($1, $2, now())
                 ON CONFLICT (event_id, ticket_id) DO UPDATE
                   SET revoked_at = COALESCE(tickets.revoked_at, now())
                 RETURNING revoked_at = now()",
            )
            .await?,
            &[&event_id, &ticket_id],
        )
        .await?;
    Ok(row.get(0))
}

/// The revoked tickets of an event, by id.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "tickets::revoked")
)]
pub async fn revoked(
    db: &impl GenericClient,
    event_id: &str,
) -> Result<Vec<String>, tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT ticket_id FROM tickets
                 WHERE event_id = $1 AND revoked_at IS NOT NULL ORDER BY ticket_id",
            )
            .await?,
            &[&event_id],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
