//! SQL of `scans`: the log of every scan, passed or refused.

use deadpool_postgres::GenericClient;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::messages::venue_events::ScanEntry;

/// One line to log.
pub struct NewScan<'a> {
    pub event_id: &'a str,
    pub ticket_id: &'a str,
    pub direction: &'static str,
    pub result: &'static str,
    pub gate: Option<&'a str>,
    pub device: Option<&'a str>,
    pub user_id: Uuid,
    pub username: &'a str,
    pub scanned_at: OffsetDateTime,
    pub nonce: Option<&'a str>,
    pub note: Option<&'a str>,
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "scans::record")
)]
pub async fn record(
    tx: &impl GenericClient,
    scans: &[NewScan<'_>],
) -> Result<(), tokio_postgres::Error> {
    if scans.is_empty() {
        return Ok(());
    }
    let events: Vec<&str> = scans.iter().map(|s| s.event_id).collect();
    let tickets: Vec<&str> = scans.iter().map(|s| s.ticket_id).collect();
    let directions: Vec<&str> = scans.iter().map(|s| s.direction).collect();
    let results: Vec<&str> = scans.iter().map(|s| s.result).collect();
    let gates: Vec<Option<&str>> = scans.iter().map(|s| s.gate).collect();
    let devices: Vec<Option<&str>> = scans.iter().map(|s| s.device).collect();
    let users: Vec<Uuid> = scans.iter().map(|s| s.user_id).collect();
    let names: Vec<&str> = scans.iter().map(|s| s.username).collect();
    let times: Vec<OffsetDateTime> = scans.iter().map(|s| s.scanned_at).collect();
    let nonces: Vec<Option<&str>> = scans.iter().map(|s| s.nonce).collect();
    let notes: Vec<Option<&str>> = scans.iter().map(|s| s.note).collect();
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO scans (event_id, ticket_id, direction, result, gate, device, user_id,
                                username, scanned_at, nonce, note)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::uuid[], $8::text[], $9::timestamptz[],
                                  $10::text[], $11::text[])",
        )
        .await?,
        &[
            &events,
            &tickets,
            &directions,
            &results,
            &gates,
            &devices,
            &users,
            &names,
            &times,
            &nonces,
            &notes,
        ],
    )
    .await?;
    Ok(())
}

/// A scan logged under a nonce.
pub struct LoggedNonce {
    pub user_id: Uuid,
    pub nonce: String,
    pub event_id: String,
    pub ticket_id: String,
    pub result: String,
}

/// The logged scans of these users' nonces.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "scans::by_nonce")
)]
pub async fn by_nonce(
    db: &impl GenericClient,
    nonces: &[(Uuid, &str)],
) -> Result<Vec<LoggedNonce>, tokio_postgres::Error> {
    if nonces.is_empty() {
        return Ok(Vec::new());
    }
    let users: Vec<Uuid> = nonces.iter().map(|n| n.0).collect();
    let keys: Vec<&str> = nonces.iter().map(|n| n.1).collect();
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT s.user_id, s.nonce, s.event_id, s.ticket_id, s.result
                 FROM scans s JOIN unnest($1::uuid[], $2::text[]) AS q(user_id, nonce)
                   ON s.user_id = q.user_id AND s.nonce = q.nonce",
            )
            .await?,
            &[&users, &keys],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| LoggedNonce {
            user_id: r.get(0),
            nonce: r.get(1),
            event_id: r.get(2),
            ticket_id: r.get(3),
            result: r.get(4),
        })
        .collect())
}

/// A page of an event's scans, newest first. `result`: `ok`, a refusal code, or
/// `refused` for every refusal.
#[tracing::instrument(name = "sql", level = "debug", skip_all, fields(call = "scans::list"))]
pub async fn list(
    db: &impl GenericClient,
    event_id: &str,
    result: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<ScanEntry>, tokio_postgres::Error> {
    let before = before.unwrap_or(i64::MAX);
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT id, ticket_id, direction, result, gate, device, user_id, username,
                        scanned_at, recorded_at, note
                 FROM scans
                 WHERE event_id = $1 AND id < $2
                   AND ($3::text IS NULL OR result = $3
                        OR ($3 = 'refused' AND result <> 'ok'))
                 ORDER BY id DESC LIMIT $4",
            )
            .await?,
            &[&event_id, &before, &result, &limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| ScanEntry {
            id: r.get(0),
            ticket_id: r.get(1),
            direction: r.get(2),
            result: r.get(3),
            gate: r.get(4),
            device: r.get(5),
            user_id: r.get(6),
            username: r.get(7),
            scanned_at: r.get(8),
            recorded_at: r.get(9),
            note: r.get(10),
        })
        .collect())
}
