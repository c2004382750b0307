//! Operator commands other than `serve`: `troupe user create`, `troupe reindex`,
//! `troupe keys rotate`, `troupe dead …` (in `dead_letters`), `troupe tickets import`
//! (in `tickets`), `troupe gc` (in `gc`).

pub mod dead_letters;
pub mod gc;
pub mod tickets;

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use crate::actors::auth::AuthContext;
use crate::actors::auth::revocations::RevocationSet;
use crate::actors::auth::signing_keys::KeySource;
use crate::config::Config;
use crate::config::SearchBackend;
use crate::db::{projects, search_docs};
use crate::jwt::JwtKeys;
use crate::messages::auth::{NewAccount, Role};
use crate::search::elastic::ElasticIndex;
use crate::search::embedded::EmbeddedIndex;
use crate::{db, error::AppError};
use indicatif::{ProgressBar, ProgressStyle};

/// `troupe user create --username U --role R [--email E]`; the password comes from
/// standard input (one line) or, at a terminal, from a prompt that does not echo —
/// never from the command line, where other users could read it.
pub async fn create_user(
    config: &Config,
    username: String,
    role: &str,
    email: Option<String>,
) -> Result<(), String> {
    let role = Role::parse(role).ok_or_else(|| {
        format!("unknown role {role:?}: use user, committee, admin or superadmin")
    })?;
    let password = read_password()?;
    let pool = db::connect(config).await.map_err(|e| e.to_string())?;
    let source = KeySource::new(config).map_err(|e| e.to_string())?;
    let ring = source.load(&pool).await.map_err(|e| e.to_string())?;
    let ttl = config.auth.access_token_ttl_secs;
    let ctx = AuthContext::new(
        config,
        pool,
        Arc::new(JwtKeys::new(ring, ttl)),
        Arc::new(RevocationSet::new(ttl)),
        &source,
        1,
    );
    let account = NewAccount {
        username,
        password,
        email,
        ..NewAccount::default()
    };
    match ctx.create_by_operator(account, role).await {
        Ok(user) => {
            let mut out = std::io::stdout();
            writeln!(
                out,
                "created {} {} ({})",
                user.role.as_str(),
                user.username,
                user.id
            )
            .map_err(|e| e.to_string())
        }
        Err(AppError::Validation { detail, .. }) | Err(AppError::Conflict { detail, .. }) => {
            Err(detail)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// `troupe keys rotate`: a new EdDSA signing key; every node hears of it, signs
/// with it from a few seconds later, and still verifies tokens of the old one.
pub async fn rotate_keys(config: &Config) -> Result<(), String> {
    let pool = db::connect(config).await.map_err(|e| e.to_string())?;
    let source = KeySource::new(config).map_err(|e| e.to_string())?;
    // Loading first makes the first key if there is none, and proves this process
    // can open the keys it is about to add to.
    source.load(&pool).await.map_err(|e| e.to_string())?;
    let kid = source.rotate(&pool).await.map_err(|e| e.to_string())?;
    writeln!(
        std::io::stdout(),
        "new signing key {kid}: it signs from {} s from now; the previous key verifies until its tokens expire",
        crate::actors::auth::signing_keys::ROTATION_DELAY.as_secs()
    )
    .map_err(|e| e.to_string())
}

/// `troupe reindex`: rebuilds the search index from PostgreSQL with a progress bar.
/// Readers switch to the rebuilt index at once: one commit (embedded) or an alias
/// swap (Elasticsearch). The embedded index needs its writer, so the process that
/// normally writes it (ROLE all or worker) must be stopped; while it runs, use
/// `POST /admin/reindex-projects` instead.
pub async fn reindex(config: &Config) -> Result<(), String> {
    let pool = db::connect(config).await.map_err(|e| e.to_string())?;
    let db = pool.get().await.map_err(|e| e.to_string())?;
    let total = projects::count(&db).await.map_err(|e| e.to_string())?;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{spinner} indexing [{bar:40}] {pos}/{len} projects ({per_sec}, eta {eta})",
        )
        .map_err(|e| e.to_string())?
        .progress_chars("=> "),
    );
    let text = |e: crate::search::SearchError| e.to_string();
    let target = match config.search.backend {
        SearchBackend::Embedded => {
            let dir = config.data_dir.join("search");
            // A rebuild answers no queries: no hit tables.
            let index = EmbeddedIndex::open(&dir, true, 0).map_err(|e| {
                format!("{e}. Stop the troupe process that writes it, or call POST /admin/reindex-projects instead.")
            })?;
            let mut rebuild = index.rebuild().map_err(text)?;
            let mut after = uuid::Uuid::nil();
            while let Some(docs) = next_batch(&db, &mut after).await? {
                rebuild.add(&docs).map_err(text)?;
                bar.inc(docs.len() as u64);
            }
            rebuild.commit().map_err(text)?;
            dir.display().to_string()
        }
        SearchBackend::Elasticsearch => {
            let index = ElasticIndex::new(&config.search.elasticsearch_url, &config.search.index)
                .map_err(text)?;
            let rebuild = index.begin_rebuild().await.map_err(text)?;
            let mut after = uuid::Uuid::nil();
            while let Some(docs) = next_batch(&db, &mut after).await? {
                let n = docs.len() as u64;
                index.rebuild_add(&rebuild, docs).await.map_err(text)?;
                bar.inc(n);
            }
            index.finish_rebuild(rebuild).await.map_err(text)?;
            format!("the Elasticsearch alias {}", config.search.index)
        }
    };
    bar.finish();
    let mut out = std::io::stdout();
    writeln!(out, "reindexed {} projects into {target}", bar.position()).map_err(|e| e.to_string())
}

async fn next_batch(
    db: &deadpool_postgres::Client,
    after: &mut uuid::Uuid,
) -> Result<Option<Vec<crate::search::SearchDoc>>, String> {
    let docs = search_docs::after(db, *after, REINDEX_BATCH)
        .await
        .map_err(|e| e.to_string())?;
    match docs.last() {
        None => Ok(None),
        Some(last) => {
            *after = last.project_id;
            Ok(Some(docs))
        }
    }
}

/// Projects read from PostgreSQL per batch by `troupe reindex`.
const REINDEX_BATCH: i64 = 1000;

fn read_password() -> Result<String, String> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        rpassword::prompt_password("Password: ")
            .map_err(|e| format!("cannot read the password: {e}"))?
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        return Err("no password given on standard input".to_owned());
    }
    Ok(password)
}
