//! SQL of `signing_keys`: the EdDSA access-token keys every node shares. Creating the
//! first key and rotating hold one advisory lock, so two nodes starting together
//! agree on one key.

use deadpool_postgres::GenericClient;

/// `pg_advisory_xact_lock` key of key creation and rotation.
const KEYS_LOCK: i64 = 7_318_001;

/// A stored key; times are seconds from the database's now (negative: past).
pub struct StoredKey {
    pub kid: String,
    pub public_key: Vec<u8>,
    /// Sealed (see `jwt::sealed`).
    pub private_key: Vec<u8>,
    pub signs_from_in: f64,
    pub retired_in: Option<f64>,
}

/// A key to store.
pub struct NewKey<'a> {
    pub kid: &'a str,
    pub public_key: &'a [u8],
    pub private_key: &'a [u8],
}

/// Keys that sign now or later, or retired less than `verify_secs` ago.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "signing_keys::usable")
)]
pub async fn usable(
    db: &impl GenericClient,
    verify_secs: f64,
) -> Result<Vec<StoredKey>, tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT kid, public_key, private_key,
                        extract(epoch FROM signs_from - now())::float8,
                        extract(epoch FROM retired_at - now())::float8
                 FROM signing_keys
                 WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)
                 ORDER BY signs_from, kid",
            )
            .await?,
            &[&verify_secs],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| StoredKey {
            kid: r.get(0),
            public_key: r.get(1),
            private_key: r.get(2),
            signs_from_in: r.get(3),
            retired_in: r.get(4),
        })
        .collect())
}

/// Stores `candidate` unless a key that is not retired exists; true if stored.
/// Run in a transaction: the advisory lock is held until it ends.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "signing_keys::ensure_one")
)]
pub async fn ensure_one(
    tx: &impl GenericClient,
    candidate: &NewKey<'_>,
) -> Result<bool, tokio_postgres::Error> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&KEYS_LOCK])
        .await?;
    let live = tx
        .query_one(
            "SELECT count(*) FROM signing_keys WHERE retired_at IS NULL",
            &[],
        )
        .await?
        .get::<_, i64>(0);
    if live > 0 {
        return Ok(false);
    }
    insert(tx, candidate, 0.0).await?;
    Ok(true)
}

/// Adds `candidate`, signing `delay_secs` from now; the key signing until then
/// retires at that moment. Keys retired more than `forget_secs` ago are deleted.
/// Run in a transaction.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "signing_keys::rotate")
)]
pub async fn rotate(
    tx: &impl GenericClient,
    candidate: &NewKey<'_>,
    delay_secs: f64,
    forget_secs: f64,
) -> Result<(), tokio_postgres::Error> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&KEYS_LOCK])
        .await?;
    tx.execute(
        "UPDATE signing_keys SET retired_at = now() + make_interval(secs => $1)
         WHERE retired_at IS NULL",
        &[&delay_secs],
    )
    .await?;
    insert(tx, candidate, delay_secs).await?;
    tx.execute(
        "DELETE FROM signing_keys WHERE retired_at < now() - make_interval(secs => $1)",
        &[&forget_secs],
    )
    .await?;
    Ok(())
}

async fn insert(
    db: &impl GenericClient,
    key: &NewKey<'_>,
    delay_secs: f64,
) -> Result<(), tokio_postgres::Error> {
    db.execute(
        "INSERT INTO signing_keys (kid, algorithm, public_key, private_key, signs_from)
         VALUES ($1, 'EdDSA', $2, $3, now() + make_interval(secs => $4))",
        &[&key.kid, &key.public_key, &key.private_key, &delay_secs],
    )
    .await?;
    Ok(())
}
