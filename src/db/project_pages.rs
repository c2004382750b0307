//! Newest-first pages of projects — everyone's, or one owner's — read in one
//! statement together with the list's exact total and version (`list_tallies`,
//! kept by triggers: migration V8), so the three always agree.
//!
//! A page starts at the top or just after a key (a cursor, or a page anchor), then
//! skips `offset` rows of the index alone and joins only the rows it returns. Owner
//! and everyone are separate statements (no `$1 IS NULL OR …` plan that fits
//! neither).

use deadpool_postgres::GenericClient;
use uuid::Uuid;

use super::projects::{COLUMNS, project_at};
use crate::messages::page::ListKey;
use crate::messages::projects::Project;

/// The tally scope of every project.
const EVERYONE: Uuid = Uuid::nil();

/// One page of a list, with what the list's tallies said in the same snapshot.
pub struct ListedPage {
    /// False when the owner does not exist.
    pub found: bool,
    pub total: u64,
    /// Grows with every insert or delete in the list: equal versions, equal lists.
    pub version: i64,
    /// Grows with every insert, delete or change of what the list shows (V9).
    pub content: i64,
    pub rows: Vec<Project>,
}

fn tally(owner: Option<Uuid>) -> &'static str {
    match owner {
        None => {
            "t AS (SELECT coalesce(sum(n), 0)::bigint AS n, coalesce(sum(changes), 0)::bigint AS v,
                          coalesce(sum(changes + edits), 0)::bigint AS c, true AS found
                   FROM list_tallies WHERE list = 'projects' AND scope = $1)"
        }
        Some(_) => {
            "t AS (SELECT coalesce(sum(n), 0)::bigint AS n, coalesce(sum(changes), 0)::bigint AS v,
                          coalesce(sum(changes + edits), 0)::bigint AS c,
                          EXISTS (SELECT 1 FROM users WHERE id = $1) AS found
                   FROM list_tallies WHERE list = 'projects' AND scope = $1)"
        }
    }
}

fn owner_filter(owner: Option<Uuid>) -> &'static str {
    match owner {
        None => "true",
        Some(_) => "user_id = $1",
    }
}

/// Up to `limit` projects after `after` (or from the top), skipping `offset`.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "project_pages::page")
)]
pub async fn page(
    db: &impl GenericClient,
    owner: Option<Uuid>,
    after: Option<ListKey>,
    offset: i64,
    limit: i64,
) -> Result<ListedPage, tokio_postgres::Error> {
    let after_filter = match after {
        None => "",
        Some(_) => "AND (created_at, id) < ($4, $5)",
    };
    // Every join is a LATERAL lookup fenced by `LIMIT 1` (so it is not flattened
    // into a plain join): the plan is a loop over the page's few rows whatever the
    // generic plan guesses `LIMIT $2` to be (it guesses 10 % of the table, and hashes
    // the whole table to join it).
    let sql = format!(
        "WITH {tally},
              k AS (SELECT id, created_at FROM projects WHERE {owner} {after_filter}
                    ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3)
         SELECT t.n, t.v, t.found, t.c, r.*
         FROM t LEFT JOIN LATERAL (
             SELECT {COLUMNS} FROM k
             CROSS JOIN LATERAL (SELECT * FROM projects WHERE id = k.id LIMIT 1) p
             CROSS JOIN LATERAL (SELECT username FROM users WHERE id = p.user_id LIMIT 1) u
             LEFT JOIN LATERAL (SELECT name FROM profiles WHERE user_id = p.user_id LIMIT 1) pr
                 ON true
         ) r ON true
         ORDER BY r.created_at DESC, r.id DESC",
        tally = tally(owner),
        owner = owner_filter(owner),
    );
    let scope = owner.unwrap_or(EVERYONE);
    let statement = db.prepare_cached(&sql).await?;
    let rows = match after {
        None => db.query(&statement, &[&scope, &limit, &offset]).await?,
        Some(key) => {
            db.query(
                &statement,
                &[&scope, &limit, &offset, &key.created_at, &key.id],
            )
            .await?
        }
    };
    let Some(first) = rows.first() else {
        return Ok(ListedPage {
            found: false,
            total: 0,
            version: 0,
            content: 0,
            rows: Vec::new(),
        });
    };
    Ok(ListedPage {
        found: first.get(2),
        total: u64::try_from(first.get::<_, i64>(0)).unwrap_or(0),
        version: first.get(1),
        content: first.get(3),
        rows: rows
            .iter()
            .filter(|r| r.get::<_, Option<Uuid>>(4).is_some())
            .map(|r| project_at(r, 4))
            .collect(),
    })
}

/// Whether the list's owner exists, and the list's content version: one read of
/// at most 8 tally rows.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "project_pages::content_version")
)]
pub async fn content_version(
    db: &impl GenericClient,
    owner: Option<Uuid>,
) -> Result<(bool, i64), tokio_postgres::Error> {
    let sql = format!("WITH {} SELECT t.found, t.c FROM t", tally(owner));
    let scope = owner.unwrap_or(EVERYONE);
    let row = db
        .query_one(&db.prepare_cached(&sql).await?, &[&scope])
        .await?;
    Ok((row.get(0), row.get(1)))
}

/// The keys at positions `stride - 1`, `2 × stride - 1`, … of the list (every
/// `stride`-th row, the last of each block), with the list's version: one pass over
/// the index alone.
#[tracing::instrument(
    name = "sql",
    level = "debug",
    skip_all,
    fields(call = "project_pages::anchors")
)]
pub async fn anchors(
    db: &impl GenericClient,
    owner: Option<Uuid>,
    stride: i64,
) -> Result<(i64, Vec<ListKey>), tokio_postgres::Error> {
    let sql = format!(
        "WITH {tally}
         SELECT t.v, a.created_at, a.id
         FROM t LEFT JOIN (
             SELECT created_at, id FROM (
                 SELECT created_at, id,
                        row_number() OVER (ORDER BY created_at DESC, id DESC) AS rn
                 FROM projects WHERE {owner}) r
             WHERE rn % $2 = 0) a ON true
         ORDER BY a.created_at DESC, a.id DESC",
        tally = tally(owner),
        owner = owner_filter(owner),
    );
    let scope = owner.unwrap_or(EVERYONE);
    let rows = db
        .query(&db.prepare_cached(&sql).await?, &[&scope, &stride])
        .await?;
    let version = rows.first().map_or(0, |r| r.get(0));
    let keys = rows
        .iter()
        .filter_map(|r| {
            Some(ListKey {
                created_at: r.get::<_, Option<_>>(1)?,
                id: r.get::<_, Option<_>>(2)?,
            })
        })
        .collect();
    Ok((version, keys))
}
