//! PostgreSQL: connecting (with backoff), creating the database, migrations and the
//! pool. The SQL of each table lives in its own file below; nothing else talks SQL.

pub mod checkins;
pub mod dead_events;
pub mod deliveries;
pub mod event_keys;
pub mod listen;
pub mod live_counts;
pub mod login_attempts;
pub mod media;
mod migrate;
pub mod object_refs;
pub mod outbox;
pub mod profiles;
pub mod project_pages;
pub mod projects;
pub mod refresh_tokens;
pub mod scans;
pub mod search_docs;
pub mod sessions;
pub mod signing_keys;
pub mod tickets;
pub mod token_revocations;
pub mod user_pages;
pub mod users;
pub mod venue_events;

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use tokio_postgres::NoTls;

use crate::backoff::{Backoff, RetryPolicy};
use crate::config::Config;

pub use deadpool_postgres::Pool as DbPool;

/// A start-up failure that is not worth retrying (bad SQL in a migration, a
/// refused permission), with a sentence for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DbSetupError(String);

/// Makes sure the database exists and is migrated, then returns a pool. Waits (with
/// backoff, logging each attempt) while PostgreSQL is unreachable.
pub async fn connect(config: &Config) -> Result<Pool, DbSetupError> {
    let pg = parse(&config.database.url)?;
    prepare(&pg).await?;
    build_pool(pg, config.database.pool_size)
}

/// How to open another pool to the same database. Each HTTP worker gets its own:
/// a connection's task runs on the runtime that opened it, so with one pool for the
/// process a worker is often handed a connection driven by another worker's thread,
/// and each statement then costs two cross-thread wake-ups.
#[derive(Clone)]
pub struct PoolRecipe {
    pg: tokio_postgres::Config,
    size: usize,
    /// The pools built so far, for the pool gauges; a stopped worker's pool drops out.
    built: Arc<Mutex<Vec<deadpool_postgres::WeakPool>>>,
}

impl PoolRecipe {
    /// A worker's pool: its share of `DB_POOL_SIZE` over `workers` (at least 2), or
    /// `DB_WORKER_POOL_SIZE` when that is set and smaller.
    ///
    /// The default, the whole share, met every public-read target on 2 cores once the
    /// benchmark ran the server in a session of its own; the cap is for operators
    /// who want fewer PostgreSQL backends busy at once (BENCHMARKS.md, "The size of
    /// a worker's pool" and "A session of its own").
    pub fn per_worker(config: &Config, workers: usize) -> Result<Self, DbSetupError> {
        let share = config.database.pool_size.div_ceil(workers.max(1)).max(2);
        Ok(PoolRecipe {
            pg: parse(&config.database.url)?,
            size: config
                .database
                .worker_pool_size
                .map_or(share, |n| n.min(share)),
            built: Arc::default(),
        })
    }

    pub fn build(&self) -> Result<Pool, DbSetupError> {
        let pool = build_pool(self.pg.clone(), self.size)?;
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        built.retain(|weak| weak.upgrade().is_some());
        built.push(pool.weak());
        Ok(pool)
    }

    /// The status of each pool built and still in use.
    pub fn statuses(&self) -> Vec<deadpool_postgres::Status> {
        let built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        built
            .iter()
            .filter_map(|weak| Some(weak.upgrade()?.status()))
            .collect()
    }
}

/// `troupe migrate`: create and migrate the database, nothing else.
pub async fn migrate_only(config: &Config) -> Result<(), DbSetupError> {
    prepare(&parse(&config.database.url)?).await
}

/// The connection settings of `DATABASE_URL`, for sessions outside the pool (LISTEN).
pub fn session_config(config: &Config) -> Result<tokio_postgres::Config, DbSetupError> {
    parse(&config.database.url)
}

fn parse(url: &str) -> Result<tokio_postgres::Config, DbSetupError> {
    let mut pg = tokio_postgres::Config::from_str(url)
        .map_err(|e| DbSetupError(format!("DATABASE_URL is not usable: {e}")))?;
    // A dead server must not hang requests: connecting gives up after 5 s.
    pg.connect_timeout(Duration::from_secs(5));
    pg.application_name("troupe");
    Ok(pg)
}

async fn prepare(pg: &tokio_postgres::Config) -> Result<(), DbSetupError> {
    let mut backoff = Backoff::new(RetryPolicy::reconnect());
    loop {
        match try_prepare(pg).await {
            Ok(()) => return Ok(()),
            Err(Attempt::Fatal(e)) => return Err(e),
            Err(Attempt::Unreachable(reason)) => {
                let wait = backoff.next_delay();
                tracing::warn!(
                    "cannot reach PostgreSQL at {}: {reason}; retrying in {} s",
                    describe(pg),
                    wait.as_secs_f32().round()
                );
                tokio::time::sleep(wait).await;
            }
        }
    }
}

enum Attempt {
    Unreachable(String),
    Fatal(DbSetupError),
}

async fn try_prepare(pg: &tokio_postgres::Config) -> Result<(), Attempt> {
    let db_name = pg.get_dbname().unwrap_or("postgres").to_owned();
    ensure_database(pg, &db_name).await?;
    let (mut client, connection) = pg.connect(NoTls).await.map_err(unreachable)?;
    let task = tokio::spawn(connection);
    let result = migrate::run(&mut client).await.map_err(Attempt::Fatal);
    drop(client);
    let _ = task.await;
    result
}

/// Creates the database named in `DATABASE_URL` when it does not exist yet.
async fn ensure_database(pg: &tokio_postgres::Config, name: &str) -> Result<(), Attempt> {
    let mut maintenance = pg.clone();
    maintenance.dbname("postgres");
    let (client, connection) = maintenance.connect(NoTls).await.map_err(unreachable)?;
    let task = tokio::spawn(connection);
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .map_err(unreachable)?
        .is_some();
    if !exists {
        let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        match client.batch_execute(&sql).await {
            Ok(()) => tracing::info!(database = name, "created database"),
            // Another process created it between our check and our CREATE.
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) => {}
            Err(e) => {
                return Err(Attempt::Fatal(DbSetupError(format!(
                    "cannot create database {name}: {e}"
                ))));
            }
        }
    }
    drop(client);
    let _ = task.await;
    Ok(())
}

fn unreachable(e: tokio_postgres::Error) -> Attempt {
    let reason = std::error::Error::source(&e)
        .map(|s| s.to_string())
        .unwrap_or_else(|| e.to_string());
    Attempt::Unreachable(reason)
}

fn build_pool(pg: tokio_postgres::Config, size: usize) -> Result<Pool, DbSetupError> {
    let manager = Manager::from_config(
        pg,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    // Bounded waits everywhere: during an outage requests fail fast with a 503.
    let timeouts = Timeouts {
        wait: Some(Duration::from_secs(5)),
        create: Some(Duration::from_secs(5)),
        recycle: Some(Duration::from_secs(2)),
    };
    Pool::builder(manager)
        .max_size(size)
        .timeouts(timeouts)
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| DbSetupError(format!("cannot build the database pool: {e}")))
}

/// The name of the unique constraint (or index) a failed write broke, if that is
/// why it failed.
pub fn unique_violation(e: &tokio_postgres::Error) -> Option<&str> {
    let db = e.as_db_error()?;
    (db.code() == &tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
        .then(|| db.constraint())
        .flatten()
}

/// `host:port` of the first host, for log lines (never the password).
fn describe(pg: &tokio_postgres::Config) -> String {
    let host = match pg.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = pg.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::PoolRecipe;
    use crate::config::Config;

    fn max_size(pool_size: &str, worker_pool_size: Option<&str>, workers: usize) -> usize {
        let config = Config::from_lookup(|k| match k {
            "DB_POOL_SIZE" => Some(pool_size.to_owned()),
            "DB_WORKER_POOL_SIZE" => worker_pool_size.map(str::to_owned),
            _ => None,
        })
        .expect("a valid configuration");
        let recipe = PoolRecipe::per_worker(&config, workers).expect("a usable DATABASE_URL");
        recipe.build().expect("a pool").status().max_size
    }

    #[test]
    fn a_worker_holds_its_share_of_db_pool_size_or_db_worker_pool_size_when_smaller() {
        assert_eq!(max_size("16", None, 2), 8);
        assert_eq!(max_size("16", None, 3), 6);
        assert_eq!(max_size("16", None, 1), 16);
        assert_eq!(
            max_size("16", None, 16),
            2,
            "a share below 2 is raised to 2"
        );
        assert_eq!(max_size("3", None, 4), 2);
        assert_eq!(max_size("16", Some("4"), 2), 4);
        assert_eq!(
            max_size("16", Some("12"), 2),
            8,
            "never more than the share"
        );
        assert_eq!(max_size("16", Some("1"), 2), 1);
    }

    #[test]
    fn the_recipe_reports_the_pools_still_in_use() {
        let config = Config::from_lookup(|_| None).expect("the defaults");
        let recipe = PoolRecipe::per_worker(&config, 2).expect("a usable DATABASE_URL");
        let first = recipe.build().expect("a pool");
        let second = recipe.build().expect("a pool");
        assert_eq!(recipe.statuses().len(), 2);
        drop(first);
        let left: Vec<usize> = recipe.statuses().iter().map(|s| s.max_size).collect();
        assert_eq!(left, vec![8]);
        drop(second);
        assert!(recipe.statuses().is_empty());
    }
}
