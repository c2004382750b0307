//! SQL of the `users` table.

use deadpool_postgres::GenericClient;
use time::OffsetDateTime;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::messages::auth::{Role, User};

/// The unique indexes a write may break, by the field they guard.
pub const USERNAME_KEY: &str = "users_username_key";
pub const EMAIL_KEY: &str = "users_email_key";

pub(super) const COLUMNS: &str =
    "id, username, email, name, phone, gender, role, created_at, updated_at";

pub struct NewUserRow<'a> {
    pub id: Uuid,
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub password_hash: &'a str,
    pub name: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub gender: Option<&'a str>,
    pub role: Role,
}

pub(super) fn user_from_row(row: &Row) -> User {
    let role: String = row.get("role");
    User {
        id: row.get("id"),
        username: row.get("username"),
        email: row.get("email"),
        name: row.get("name"),
        phone: row.get("phone"),
        gender: row.get("gender"),
        // The CHECK constraint admits only the four roles.
        role: Role::parse(&role).unwrap_or(Role::User),
        created_at: row.get::<_, OffsetDateTime>("created_at"),
        updated_at: row.get::<_, OffsetDateTime>("updated_at"),
    }
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "users::insert")
)]
pub async fn insert(
    db: &impl GenericClient,
    u: &NewUserRow<'_>,
) -> Result<User, tokio_postgres::Error> {
    let sql = format!(
        "INSERT INTO users (id, username, email, password_hash, name, phone, gender, role)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    );
    let row = db
        .query_one(
            &db.prepare_cached(&sql).await?,
            &[
                &u.id,
                &u.username,
                &u.email,
                &u.password_hash,
                &u.name,
                &u.phone,
                &u.gender,
                &u.role.as_str(),
            ],
        )
        .await?;
    Ok(user_from_row(&row))
}

/// Which of username/email are already taken (case-insensitively), for a fast 409
/// before hashing; the unique indexes still decide races.
#[tracing::instrument(name = "sql", level = "debug", skip_all, fields(call = "users::taken"))]
pub async fn taken(
    db: &impl GenericClient,
    username: &str,
    email: Option<&str>,
    except: Option<Uuid>,
) -> Result<(bool, bool), tokio_postgres::Error> {
    let row = db
        .query_one(
            &db.prepare_cached("SELECT
               EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1) AND id IS DISTINCT FROM $3),
               EXISTS (SELECT 1 FROM users WHERE email = $2 AND id IS DISTINCT FROM $3)").await?,
            &[&username, &email, &except],
        )
        .await?;
    Ok((row.get(0), row.get(1)))
}

#[tracing::instrument(name = "sql", level = "debug", skip_all, fields(call = "users::find"))]
pub async fn find(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<User>, tokio_postgres::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    Ok(db
        .query_opt(&db.prepare_cached(&sql).await?, &[&id])
        .await?
        .as_ref()
        .map(user_from_row))
}

/// The user and password hash for a login name (username or email).
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "users::find_for_login")
)]
pub async fn find_for_login(
    db: &impl GenericClient,
    login: &str,
) -> Result<Option<(User, String)>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {COLUMNS}, password_hash FROM users
         WHERE lower(username) = lower($1) OR email = lower($1)
         ORDER BY (lower(username) = lower($1)) DESC LIMIT 1"
    );
    let row = db
        .query_opt(&db.prepare_cached(&sql).await?, &[&login])
        .await?;
    Ok(row.map(|r| (user_from_row(&r), r.get("password_hash"))))
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "users::password_hash")
)]
pub async fn password_hash(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<String>, tokio_postgres::Error> {
    let row = db
        .query_opt(
            &db.prepare_cached("SELECT password_hash FROM users WHERE id = $1")
                .await?,
            &[&id],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Locks the row of `id` for the rest of the transaction and returns it.
#[tracing::instrument(name = "sql", level = "debug", skip_all, fields(call = "users::lock"))]
pub async fn lock(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<User>, tokio_postgres::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1 FOR UPDATE");
    Ok(db
        .query_opt(&db.prepare_cached(&sql).await?, &[&id])
        .await?
        .as_ref()
        .map(user_from_row))
}

/// Locks every superadmin row and counts them: two demotions racing each other
/// both wait here, so the last superadmin cannot be removed twice over.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "users::lock_superadmins")
)]
pub async fn lock_superadmins(db: &impl GenericClient) -> Result<usize, tokio_postgres::Error> {
    let rows = db
        .query(
            &db.prepare_cached("SELECT id FROM users WHERE role = 'superadmin' FOR UPDATE")
                .await?,
            &[],
        )
        .await?;
    Ok(rows.len())
}

/// The stored fields after a partial update (the caller merged the patch).
pub struct UserUpdate<'a> {
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub name: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub gender: Option<&'a str>,
    pub role: Role,
    pub password_hash: Option<&'a str>,
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "users::update")
)]
pub async fn update(
    db: &impl GenericClient,
    id: Uuid,
    u: &UserUpdate<'_>,
) -> Result<Option<User>, tokio_postgres::Error> {
    let sql = format!(
        "UPDATE users SET username = $2, email = $3, name = $4, phone = $5, gender = $6, role = $7,
                password_hash = COALESCE($8, password_hash), updated_at = now()
         WHERE id = $1 RETURNING {COLUMNS}"
    );
    let row = db
        .query_opt(
            &db.prepare_cached(&sql).await?,
            &[
                &id,
                &u.username,
                &u.email,
                &u.name,
                &u.phone,
                &u.gender,
                &u.role.as_str(),
                &u.password_hash,
            ],
        )
        .await?;
    Ok(row.as_ref().map(user_from_row))
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "users::delete")
)]
pub async fn delete(db: &impl GenericClient, id: Uuid) -> Result<bool, tokio_postgres::Error> {
    Ok(db
        .execute(
            &db.prepare_cached("DELETE FROM users WHERE id = $1").await?,
            &[&id],
        )
        .await?
        == 1)
}

#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "users::exists_username")
)]
pub async fn exists_username(
    db: &impl GenericClient,
    username: &str,
) -> Result<bool, tokio_postgres::Error> {
    let row = db
        .query_one(
            &db.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))",
            )
            .await?,
            &[&username],
        )
        .await?;
    Ok(row.get(0))
}
