//! The services behind the process: PostgreSQL, the event bus, the search engine
//! and the object store.

use std::str::FromStr;

use super::secret::Secret;
use super::vars::{ConfigError, Vars, bad, is_http};

/// `DATABASE_URL`, `DB_POOL_SIZE`, `DB_WORKER_POOL_SIZE`.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: String,
    /// The process's shared pool, and the bound on what the workers' pools hold together.
    pub pool_size: usize,
    /// Most connections an HTTP worker's own pool holds, when set (see
    /// `PoolRecipe::per_worker`); unset, a worker's pool is its whole share.
    pub worker_pool_size: Option<usize>,
}

impl DatabaseSettings {
    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        let url = vars.string("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/troupe");
        if tokio_postgres::Config::from_str(&url).is_err() {
            return Err(bad(
                "DATABASE_URL",
                "is not a valid PostgreSQL connection URL",
            ));
        }
        Ok(DatabaseSettings {
            url,
            pool_size: vars.number_in("DB_POOL_SIZE", 16, 1..=10_000, "at least 1")?,
            worker_pool_size: match vars.optional("DB_WORKER_POOL_SIZE") {
                None => None,
                Some(_) => {
                    Some(vars.number_in("DB_WORKER_POOL_SIZE", 1, 1..=10_000, "at least 1")?)
                }
            },
        })
    }
}

/// `EVENT_BUS`: in-process delivery (default) or RabbitMQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventBusKind {
    Memory,
    RabbitMq,
}

/// `EVENT_BUS`, `RABBITMQ_URL`, `MAX_RETRIES`.
#[derive(Debug, Clone)]
pub struct EventSettings {
    pub bus: EventBusKind,
    /// The AMQP URL; may hold credentials, so it is only logged as `host:port`.
    pub rabbitmq_url: String,
    /// Retries of a failing event handler before the event is dead-lettered.
    pub max_retries: u32,
}

impl EventSettings {
    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        let rabbitmq_url = vars.string("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2f");
        if !(rabbitmq_url.starts_with("amqp://") || rabbitmq_url.starts_with("amqps://")) {
            return Err(bad("RABBITMQ_URL", "must start with amqp:// or amqps://"));
        }
        Ok(EventSettings {
            bus: vars.choice(
                "EVENT_BUS",
                EventBusKind::Memory,
                &[
                    ("memory", EventBusKind::Memory),
                    ("rabbitmq", EventBusKind::RabbitMq),
                ],
            )?,
            rabbitmq_url,
            max_retries: vars.number_in(
                "MAX_RETRIES",
                5,
                0..=20,
                "at most 20 (2^20 s is already 12 days)",
            )?,
        })
    }
}

/// `SEARCH_HIT_TABLE_DOCS` when unset: about 570 MB at most.
pub const DEFAULT_HIT_TABLE_DOCS: u64 = 1_000_000;

/// `SEARCH_BACKEND`: the embedded tantivy index (default) or Elasticsearch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchBackend {
    Embedded,
    Elasticsearch,
}

/// `SEARCH_BACKEND`, `ELASTICSEARCH_URL`, `SEARCH_INDEX`, `SEARCH_HIT_TABLE_DOCS`.
#[derive(Debug, Clone)]
pub struct SearchSettings {
    pub backend: SearchBackend,
    pub elasticsearch_url: String,
    /// The Elasticsearch alias searches and writes go through.
    pub index: String,
    /// `SEARCH_HIT_TABLE_DOCS`: how many documents the embedded index keeps decoded
    /// as hits (`search/hit_table.rs`, about 570 bytes each); 0 reads every hit
    /// from the doc store.
    pub hit_table_docs: u64,
}

impl SearchSettings {
    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        let backend = vars.choice(
            "SEARCH_BACKEND",
            SearchBackend::Embedded,
            &[
                ("embedded", SearchBackend::Embedded),
                ("elasticsearch", SearchBackend::Elasticsearch),
            ],
        )?;
        let elasticsearch_url = vars.http_url("ELASTICSEARCH_URL", "http://127.0.0.1:9200")?;
        let index = vars.string("SEARCH_INDEX", "projects");
        if !index
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'))
        {
            return Err(bad(
                "SEARCH_INDEX",
                "must be lower-case letters, digits, '_' and '-'",
            ));
        }
        Ok(SearchSettings {
            backend,
            elasticsearch_url,
            index,
            hit_table_docs: vars.parse("SEARCH_HIT_TABLE_DOCS", DEFAULT_HIT_TABLE_DOCS)?,
        })
    }
}

/// `STORAGE_BACKEND`: files under `DATA_DIR` (default) or an S3-compatible bucket.
#[derive(Debug, Clone)]
pub enum StorageConfig {
    Fs,
    S3 {
        endpoint: String,
        region: String,
        bucket: String,
        access_key: String,
        secret_key: Secret,
        path_style: bool,
    },
}

impl StorageConfig {
    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        let kind = vars
            .optional("STORAGE_BACKEND")
            .map(|v| v.to_ascii_lowercase());
        match kind.as_deref() {
            None | Some("fs") => Ok(StorageConfig::Fs),
            Some("s3") => {
                let required = |name: &'static str| {
                    vars.optional(name)
                        .ok_or_else(|| bad(name, "is required with STORAGE_BACKEND=s3"))
                };
                let endpoint = required("S3_ENDPOINT")?;
                if !is_http(&endpoint) {
                    return Err(bad("S3_ENDPOINT", "must start with http:// or https://"));
                }
                Ok(StorageConfig::S3 {
                    endpoint,
                    region: vars.string("S3_REGION", "us-east-1"),
                    bucket: vars.string("S3_BUCKET", "media-files"),
                    access_key: required("S3_ACCESS_KEY")?,
                    secret_key: Secret(required("S3_SECRET_KEY")?),
                    path_style: vars.choice(
                        "S3_PATH_STYLE",
                        true,
                        &[("true", true), ("false", false)],
                    )?,
                })
            }
            Some(other) => Err(bad(
                "STORAGE_BACKEND",
                format!("{other:?} is not one of fs, s3"),
            )),
        }
    }
}
