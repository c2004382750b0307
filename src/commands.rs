//! Operator commands other than `serve`: `troupe user create`.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use crate::actors::auth::AuthContext;
use crate::actors::auth::throttle::LoginThrottle;
use crate::actors::hasher::HasherPool;
use crate::config::Config;
use crate::db::projects;
use crate::jwt::{self, JwtKeys};
use crate::messages::auth::{NewAccount, Role};
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
    let secret = jwt::load_secret(config).map_err(|e| e.to_string())?;
    let ctx = AuthContext {
        pool,
        keys: std::sync::Arc::new(JwtKeys::new(&secret, config.access_token_ttl_secs)),
        hasher: HasherPool::start(config.bcrypt_cost, 1),
        throttle: LoginThrottle::new(0),
        refresh_ttl: Duration::from_secs(config.refresh_token_ttl_secs),
    };
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

/// `troupe reindex`: rebuilds the embedded search index from PostgreSQL with a
/// progress bar. It needs the index writer, so the process that normally writes it
/// (ROLE all or worker) must be stopped; while it runs, use
/// `POST /admin/reindex-projects` instead.
pub async fn reindex(config: &Config) -> Result<(), String> {
    let pool = db::connect(config).await.map_err(|e| e.to_string())?;
    let dir = config.data_dir.join("search");
    let index = EmbeddedIndex::open(&dir, true).map_err(|e| {
        format!("{e}. Stop the troupe process that writes it, or call POST /admin/reindex-projects instead.")
    })?;
    let db = pool.get().await.map_err(|e| e.to_string())?;
    let total = projects::count(&db).await.map_err(|e| e.to_string())?;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{spinner} indexing [{bar:40}] {pos}/{len} projects ({per_sec}, eta {eta})",
        )
        .map_err(|e| e.to_string())?
        .progress_chars("=> "),
    );
    let mut rebuild = index.rebuild().map_err(|e| e.to_string())?;
    let mut after = uuid::Uuid::nil();
    loop {
        let docs = projects::search_docs_after(&db, after, REINDEX_BATCH)
            .await
            .map_err(|e| e.to_string())?;
        let Some(last) = docs.last() else { break };
        after = last.project_id;
        rebuild.add(&docs).map_err(|e| e.to_string())?;
        bar.inc(docs.len() as u64);
    }
    bar.set_message("committing");
    rebuild.commit().map_err(|e| e.to_string())?;
    bar.finish();
    let mut out = std::io::stdout();
    writeln!(
        out,
        "reindexed {} projects into {}",
        bar.position(),
        dir.display()
    )
    .map_err(|e| e.to_string())
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
