//! SQL of `profiles`.

use std::collections::BTreeMap;

use deadpool_postgres::GenericClient;
use uuid::Uuid;

use crate::messages::profiles::Profile;

const SELECT: &str =
    "SELECT u.id, u.username, u.email, p.name, p.bio, p.contact, p.social_links, p.avatar_url,
                             p.created_at, p.updated_at
                      FROM users u LEFT JOIN profiles p ON p.user_id = u.id WHERE u.id = $1";

fn profile_from_row(r: &tokio_postgres::Row, with_email: bool) -> Profile {
    let links: Option<serde_json::Value> = r.get(6);
    Profile {
        user_id: r.get(0),
        username: r.get(1),
        email: with_email.then(|| r.get(2)),
        name: r.get(3),
        bio: r.get(4),
        contact: r.get(5),
        social_links: links
            .and_then(|v| serde_json::from_value::<BTreeMap<String, String>>(v).ok()),
        avatar_url: r.get(7),
        created_at: r.get(8),
        updated_at: r.get(9),
    }
}

/// The user's profile (fields `None` until set); `None` for an unknown user.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "profiles::find")
)]
pub async fn find(
    db: &impl GenericClient,
    user_id: Uuid,
    with_email: bool,
) -> Result<Option<Profile>, tokio_postgres::Error> {
    let row = db
        .query_opt(&db.prepare_cached(SELECT).await?, &[&user_id])
        .await?;
    Ok(row.map(|r| profile_from_row(&r, with_email)))
}

/// The stored fields after a merge.
pub struct ProfileRow<'a> {
    pub name: Option<&'a str>,
    pub bio: Option<&'a str>,
    pub contact: Option<&'a str>,
    pub social_links: Option<serde_json::Value>,
    pub avatar_url: Option<&'a str>,
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "profiles::upsert")
)]
pub async fn upsert(
    db: &impl GenericClient,
    user_id: Uuid,
    p: &ProfileRow<'_>,
) -> Result<(), tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached(
            "INSERT INTO profiles (user_id, name, bio, contact, social_links, avatar_url)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id) DO UPDATE SET name = $2, bio = $3, contact = $4, social_links = $5,
                 avatar_url = $6, updated_at = now()",
        )
        .await?,
        &[&user_id, &p.name, &p.bio, &p.contact, &p.social_links, &p.avatar_url],
    )
    .await?;
    Ok(())
}

/// Locks the user's profile row, if there is one, for a read-modify-write.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "profiles::lock")
)]
pub async fn lock(db: &impl GenericClient, user_id: Uuid) -> Result<(), tokio_postgres::Error> {
    db.execute(
        &db.prepare_cached("SELECT 1 FROM profiles WHERE user_id = $1 FOR UPDATE")
            .await?,
        &[&user_id],
    )
    .await?;
    Ok(())
}
