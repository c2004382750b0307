//! SQL of the `refresh_tokens` table. Tokens are looked up by their SHA-256 only;
//! `family_id` is the session (`sessions.id`) they belong to.

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
    /// Exchanged for its successor `secs_ago` seconds ago.
    Rotated {
        user_id: Uuid,
        family_id: Uuid,
        secs_ago: f64,
    },
    /// Revoked with its session (logout, reuse, password change …).
    Revoked,
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
                "SELECT user_id, family_id, revoked_reason,
                        extract(epoch FROM now() - revoked_at)::float8, expires_at <= now()
                 FROM refresh_tokens WHERE token_hash = $1",
            )
            .await?,
            &[&token_hash],
        )
        .await?;
    Ok(match row {
        None => TokenState::Unknown,
        Some(r) => match (r.get::<_, Option<String>>(2), r.get::<_, Option<f64>>(3)) {
            (Some(reason), Some(secs_ago)) if reason == "rotated" => TokenState::Rotated {
                user_id: r.get(0),
                family_id: r.get(1),
                secs_ago,
            },
            (_, Some(_)) => TokenState::Revoked,
            (_, None) if r.get::<_, bool>(4) => TokenState::Expired,
            (_, None) => TokenState::Unknown,
        },
    })
}

/// Whether a token is live (not revoked, not expired) in `family_id`.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "refresh_tokens::is_live")
)]
pub async fn is_live(
    db: &impl GenericClient,
    token_hash: &[u8],
    family_id: Uuid,
) -> Result<bool, tokio_postgres::Error> {
    let row = db
        .query_opt(
            &db.prepare_cached(
                "SELECT 1 FROM refresh_tokens WHERE token_hash = $1 AND family_id = $2
                 AND revoked_at IS NULL AND expires_at > now()",
            )
            .await?,
            &[&token_hash, &family_id],
        )
        .await?;
    Ok(row.is_some())
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
