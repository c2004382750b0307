//! Newest-first pages of users, by number or after a cursor, with the total: from
//! `list_tallies` (migration V8) without a filter, counted with one.

use deadpool_postgres::GenericClient;
use uuid::Uuid;

use super::users::{COLUMNS, user_from_row};
use crate::messages::auth::User;
use crate::messages::page::ListKey;

/// A page of users with the list's total; without a filter also the list's content
/// version the page was read at.
pub struct UserPage {
    pub users: Vec<User>,
    pub total: u64,
    pub content: Option<i64>,
}

/// A page of users, newest first, from row `offset` after `after` (a cursor) or from
/// the top, with the total; `q` matches username and name, and email when
/// `match_email`. Without `q` the total comes from `list_tallies` (migration V8) in
/// the same statement, and the page is picked on the index alone before the rows
/// are read.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "user_pages::list")
)]
pub async fn list(
    db: &impl GenericClient,
    q: Option<&str>,
    match_email: bool,
    after: Option<ListKey>,
    offset: i64,
    limit: i64,
) -> Result<UserPage, tokio_postgres::Error> {
    let after_filter = match after {
        None => "",
        Some(_) => "AND (created_at, id) < ($3, $4)",
    };
    let key = after.map(|k| (k.created_at, k.id));
    let Some(q) = q else {
        let sql = format!(
            "WITH t AS (SELECT coalesce(sum(n), 0)::bigint AS total,
                               coalesce(sum(changes + edits), 0)::bigint AS content
                        FROM list_tallies
                        WHERE list = 'users' AND scope = '00000000-0000-0000-0000-000000000000'),
                  k AS (SELECT id FROM users WHERE true {after_filter}
                        ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2)
             SELECT t.total, t.content, u.* FROM t LEFT JOIN LATERAL (
                 SELECT x.* FROM k CROSS JOIN LATERAL (SELECT {COLUMNS} FROM users WHERE id = k.id LIMIT 1) x
             ) u ON true
             ORDER BY u.created_at DESC, u.id DESC"
        );
        let statement = db.prepare_cached(&sql).await?;
        let rows = match &key {
            None => db.query(&statement, &[&limit, &offset]).await?,
            Some((t, id)) => db.query(&statement, &[&limit, &offset, t, id]).await?,
        };
        let total = rows.first().map_or(0, |r| r.get::<_, i64>("total"));
        let users = rows
            .iter()
            .filter(|r| r.get::<_, Option<Uuid>>("id").is_some())
            .map(user_from_row)
            .collect();
        return Ok(UserPage {
            users,
            total: u64::try_from(total).unwrap_or(0),
            content: rows.first().map(|r| r.get("content")),
        });
    };
    let pattern = format!("%{}%", escape_like(q));
    let total: i64 = db
        .query_one(
            &db.prepare_cached(
                "SELECT count(*) FROM users
                 WHERE username ILIKE $1 OR name ILIKE $1 OR ($2 AND email ILIKE $1)",
            )
            .await?,
            &[&pattern, &match_email],
        )
        .await?
        .get(0);
    let after_filter = match after {
        None => "",
        Some(_) => "AND (created_at, id) < ($5, $6)",
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM users
         WHERE (username ILIKE $3 OR name ILIKE $3 OR ($4 AND email ILIKE $3)) {after_filter}
         ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"
    );
    let statement = db.prepare_cached(&sql).await?;
    let rows = match &key {
        None => {
            db.query(&statement, &[&limit, &offset, &pattern, &match_email])
                .await?
        }
        Some((t, id)) => {
            db.query(
                &statement,
                &[&limit, &offset, &pattern, &match_email, t, id],
            )
            .await?
        }
    };
    Ok(UserPage {
        users: rows.iter().map(user_from_row).collect(),
        total: u64::try_from(total).unwrap_or(0),
        content: None,
    })
}

/// The content version of the unfiltered users list (migration V9): one read of at
/// most 8 tally rows.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "user_pages::content_version")
)]
pub async fn content_version(db: &impl GenericClient) -> Result<i64, tokio_postgres::Error> {
    let row = db
        .query_one(
            &db.prepare_cached(
                "SELECT coalesce(sum(changes + edits), 0)::bigint FROM list_tallies
                 WHERE list = 'users' AND scope = '00000000-0000-0000-0000-000000000000'",
            )
            .await?,
            &[],
        )
        .await?;
    Ok(row.get(0))
}

/// `%`, `_` and `\` in a search term match themselves.
fn escape_like(q: &str) -> String {
    q.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
