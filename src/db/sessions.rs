//! SQL of the `sessions` table: one row a login. Revoking one (setting `revoked_at`)
//! fires a trigger that revokes its refresh tokens and records a `token_revocations`
//! row, which every node hears of through NOTIFY.

use deadpool_postgres::GenericClient;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::messages::sessions::SessionView;

pub struct NewSession<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub expires_at: OffsetDateTime,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "sessions::insert")
)]
pub async fn insert(
    db: &impl GenericClient,
    s: &NewSession<'_>,
) -> Result<(), tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "INSERT INTO sessions (id, user_id, expires_at, user_agent, ip)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .await?,
        &[&s.id, &s.user_id, &s.expires_at, &s.user_agent, &s.ip],
    )
    .await?;
    Ok(())
}

/// A refresh used the session: it lives on until `expires_at`.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "sessions::touch")
)]
pub async fn touch(
    db: &impl GenericClient,
    id: Uuid,
    expires_at: OffsetDateTime,
) -> Result<(), tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "UPDATE sessions SET last_used_at = now(), expires_at = $2 WHERE id = $1",
        )
        .await?,
        &[&id, &expires_at],
    )
    .await?;
    Ok(())
}

/// Which live sessions a revocation ends.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// One session, whoever owns it.
    One(Uuid),
    /// One session, only if `user` owns it.
    OneOf { user: Uuid, session: Uuid },
    /// Every session of a user.
    User(Uuid),
    /// Every session of a user but one (revoke-others).
    UserExcept { user: Uuid, keep: Uuid },
}

/// Revokes the live sessions in `scope`; returns their ids.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "sessions::revoke")
)]
pub async fn revoke(
    db: &impl GenericClient,
    scope: Scope,
    reason: &str,
) -> Result<Vec<Uuid>, tokio_postgres::Error> {
    const SET: &str = "UPDATE sessions SET revoked_at = now(), revoked_reason = $1
                       WHERE revoked_at IS NULL AND ";
    let rows = match scope {
        Scope::One(id) => {
            let sql = format!("{SET} id = $2 RETURNING id");
            db.query(&db.prepare_cached(&sql).await?, &[&reason, &id])
                .await?
        }
        Scope::OneOf { user, session } => {
            let sql = format!("{SET} id = $2 AND user_id = $3 RETURNING id");
            db.query(&db.prepare_cached(&sql).await?, &[&reason, &session, &user])
                .await?
        }
        Scope::User(user) => {
            let sql = format!("{SET} user_id = $2 RETURNING id");
            db.query(&db.prepare_cached(&sql).await?, &[&reason, &user])
                .await?
        }
        Scope::UserExcept { user, keep } => {
            let sql = format!("{SET} user_id = $2 AND id <> $3 RETURNING id");
            db.query(&db.prepare_cached(&sql).await?, &[&reason, &user, &keep])
                .await?
        }
    };
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The user's live sessions, most recently used first.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "sessions::list")
)]
pub async fn list(
    db: &impl GenericClient,
    user_id: Uuid,
) -> Result<Vec<SessionView>, tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT id, created_at, last_used_at, expires_at, user_agent, ip FROM sessions
                 WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
                 ORDER BY last_used_at DESC, id",
            )
            .await?,
            &[&user_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| SessionView {
            id: r.get(0),
            created_at: r.get(1),
            last_used_at: r.get(2),
            expires_at: r.get(3),
            user_agent: r.get(4),
            ip: r.get(5),
            current: false,
        })
        .collect())
}

/// Whether the user ever logged in from `ip` in the last 90 days: such an address is
/// not shut out by a lockout of the account (see `actors::auth::throttle`).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "sessions::known_address")
)]
pub async fn known_address(
    db: &impl GenericClient,
    user_id: Uuid,
    ip: &str,
) -> Result<bool, tokio_postgres::Error> {
    let row = db
        .query_one(
            &db.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM sessions WHERE user_id = $1 AND ip = $2
                                AND created_at > now() - interval '90 days')",
            )
            .await?,
            &[&user_id, &ip],
        )
        .await?;
    Ok(row.get(0))
}

/// Deletes sessions that ended (expired or revoked) more than 90 days ago, with their
/// refresh tokens, and refresh tokens that expired (an expired token is refused
/// either way). 90 days: the window of "addresses the account used".
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "sessions::prune")
)]
pub async fn prune(db: &impl GenericClient) -> Result<u64, tokio_postgres::Error> {
    let sessions = db
        .execute(
            &db.prepare_cached(
                "DELETE FROM sessions WHERE greatest(expires_at, coalesce(revoked_at, expires_at))
                 < now() - interval '90 days'",
            )
            .await?,
            &[],
        )
        .await?;
    let tokens = db
        .execute(
            &db.prepare_cached("DELETE FROM refresh_tokens WHERE expires_at < now()")
                .await?,
            &[],
        )
        .await?;
    Ok(sessions + tokens)
}
