//! SQL of `event_keys`: the Ed25519 key each signed event signs its tickets with.

use deadpool_postgres::GenericClient;

/// The event's key seed: the stored one, or `candidate` stored now if it had none
/// (two callers at once get the same key).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "event_keys::ensure")
)]
pub async fn ensure(
    db: &impl GenericClient,
    event_id: &str,
    candidate: &[u8; 32],
    candidate_public: &[u8; 32],
) -> Result<[u8; 32], tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "INSERT INTO event_keys (event_id, seed, public_key) VALUES ($1, $2, $3)
             ON CONFLICT (event_id) DO NOTHING",
        )
        .await?,
        &[
            &event_id,
            &candidate.as_slice(),
            &candidate_public.as_slice(),
        ],
    )
    .await?;
    let row = db
        .query_one(
            &db.prepare_cached("SELECT seed FROM event_keys WHERE event_id = $1")
                .await?,
            &[&event_id],
        )
        .await?;
    let seed: Vec<u8> = row.get(0);
    // The column's CHECK keeps it 32 bytes.
    Ok(seed.try_into().unwrap_or([0; 32]))
}
