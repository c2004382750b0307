//! The counts a venue's live view shows, read from `checkins` and `scans`.

use std::collections::BTreeMap;

use deadpool_postgres::GenericClient;

use crate::messages::venue_events::{GateCounts, LiveView};

/// Admissions, who is inside, refusals by reason and scans per gate, now.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "live_counts::read")
)]
pub async fn read(
    db: &impl GenericClient,
    event_id: &str,
) -> Result<LiveView, tokio_postgres::Error> {
    let totals = db
        .query_one(
            &db.prepare_cached(
                "SELECT count(*), count(*) FILTER (WHERE inside) FROM checkins WHERE event_id = $1",
            )
            .await?,
            &[&event_id],
        )
        .await?;
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT COALESCE(gate, ''), result, count(*) FROM scans
                 WHERE event_id = $1 GROUP BY 1, 2",
            )
            .await?,
            &[&event_id],
        )
        .await?;
    let mut refused: BTreeMap<String, i64> = BTreeMap::new();
    let mut gates: BTreeMap<String, GateCounts> = BTreeMap::new();
    for r in &rows {
        let (gate, result, n): (String, String, i64) = (r.get(0), r.get(1), r.get(2));
        let counts = gates.entry(gate).or_default();
        if result == "ok" {
            counts.passed += n;
        } else {
            counts.refused += n;
            *refused.entry(result).or_default() += n;
        }
    }
    Ok(LiveView {
        event_id: event_id.to_owned(),
        checked_in: totals.get(0),
        inside: totals.get(1),
        refused,
        gates,
        at: time::OffsetDateTime::now_utc(),
    })
}

/// Wakes the live views of these events on every node (delivered at commit).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "live_counts::notify")
)]
pub async fn notify(
    tx: &impl GenericClient,
    event_ids: &[&str],
) -> Result<(), tokio_postgres::Error> {
    tx.query(
        &tx.prepare_cached("SELECT pg_notify('troupe_scans', e) FROM unnest($1::text[]) AS e")
            .await?,
        &[&event_ids],
    )
    .await?;
    Ok(())
}
