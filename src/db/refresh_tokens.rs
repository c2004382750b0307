//! SQL of the `refresh_tokens` table. Tokens are looked up by their SHA-256 only.

use deadpool_postgres::GenericClient;
use time::OffsetDateTime;
use uuid::Uuid;

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "refresh_tokens::insert")
)]
pub async fn insert(
    db: &impl GenericClient,
    token_hash: &[u8],
    user_id: Uuid,
    family_id: Uuid,
    expires_at: OffsetDateTime,
) -> Result<(), tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached("INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at) VALUES ($1, $2, $3, $4)").await?,
        &[&token_hash, &user_id, &family_id, &expires_at],
    )
    .await?;
    Ok(())
}

/// Revokes a live token as `rotated` and returns `(user_id, family_id)`; `None` when
/// the token is unknown, expired or already revoked. Of concurrent rotations of one
/// token the row lock lets exactly one through.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "refresh_tokens::rotate")
)]
pub async fn rotate(
    db: &impl GenericClient,
    token_hash: &[u8],
) -> Result<Option<(Uuid, Uuid)>, tokio_postgres::Error> {
    let row = db
        .query_opt(
            &db.prepare_cached(
                "UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = 'rotated'
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
             RETURNING user_id, family_id",
            )
            .await?,
            &[&token_hash],
        )
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// What is known of a token that could not be rotated.
pub enum TokenState {
    Unknown,
    Expired,
    /// Revoked; `rotated` says whether it had been exchanged already (reuse = theft).
    Revoked {
        family_id: Uuid,
        rotated: bool,
    },
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "refresh_tokens::state")
)]
pub async fn state(
    db: &impl GenericClient,
    token_hash: &[u8],
) -> Result<TokenState, tokio_postgres::Error> {
    let row = db
        .query_opt(
            &db.prepare_cached(
                "SELECT family_id, revoked_at IS NOT NULL, revoked_reason, expires_at <= now()
             FROM refresh_tokens WHERE token_hash = $1",
            )
            .await?,
            &[&token_hash],
        )
        .await?;
    Ok(match row {
        None => TokenState::Unknown,
        Some(r) if r.get::<_, bool>(1) => TokenState::Revoked {
            family_id: r.get(0),
            rotated: r.get::<_, Option<String>>(2).as_deref() == Some("rotated"),
        },
        Some(r) if r.get::<_, bool>(3) => TokenState::Expired,
        Some(_) => TokenState::Unknown,
    })
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "refresh_tokens::owner")
)]
pub async fn owner(
    db: &impl GenericClient,
    token_hash: &[u8],
) -> Result<Option<(Uuid, Uuid)>, tokio_postgres::Error> {
    let row = db
        .query_opt(
            &db.prepare_cached(
                "SELECT user_id, family_id FROM refresh_tokens WHERE token_hash = $1",
            )
            .await?,
            &[&token_hash],
        )
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// Which live tokens a revocation ends.
pub enum Revoke {
    /// One login session.
    Family(Uuid),
    /// Every session of a user (logout-all, password change).
    User(Uuid),
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "refresh_tokens::revoke")
)]
pub async fn revoke(
    db: &impl GenericClient,
    scope: Revoke,
    reason: &str,
) -> Result<u64, tokio_postgres::Error> {
    let (column, id) = match scope {
        Revoke::Family(id) => ("family_id", id),
        Revoke::User(id) => ("user_id", id),
    };
    let sql = format!(
        "UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = $2
         WHERE {column} = $1 AND revoked_at IS NULL"
    );
    db.execute(&db.prepare_cached(&sql).await?, &[&id, &reason])
        .await
}
