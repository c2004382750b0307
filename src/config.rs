//! One typed configuration, read from the environment (and an optional `.env`) and
//! validated once at start-up. A bad value stops start-up with one line that names
//! the setting and the problem (SPEC §11).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Which parts of the system this process runs (SPEC §11 `ROLE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The HTTP API and the background workers.
    All,
    /// Only the HTTP API.
    Api,
    /// Only the background workers (plus `/health`, `/ready`, `/metrics`).
    Worker,
}

impl Role {
    pub fn serves_api(self) -> bool {
        matches!(self, Role::All | Role::Api)
    }
    pub fn runs_workers(self) -> bool {
        matches!(self, Role::All | Role::Worker)
    }
}

/// `APP_ENV`: production refuses unsafe settings; test allows cheap bcrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Test,
    Production,
}

/// `EVENT_BUS`: in-process delivery (default) or RabbitMQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventBusKind {
    Memory,
    RabbitMq,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Every setting of SPEC §11 that this build uses.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub role: Role,
    pub app_env: AppEnv,
    pub database_url: String,
    pub db_pool_size: usize,
    pub data_dir: PathBuf,
    pub public_base_url: Option<String>,
    pub log_format: LogFormat,
    pub rust_log: String,
    /// `None`: generated once and kept in `DATA_DIR` (not allowed in production).
    pub jwt_secret: Option<Secret>,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub bcrypt_cost: u32,
    /// Threads of the bcrypt pool (`HASHER_THREADS`; default: cores − 1, at least 1).
    pub hasher_threads: usize,
    /// Failed logins per minute per client IP and per account; 0 disables.
    pub login_rate_limit: u32,
    pub bootstrap_admin: Option<BootstrapAdmin>,
    pub event_bus: EventBusKind,
    /// The AMQP URL; may hold credentials, so it is only logged as `host:port`.
    pub rabbitmq_url: String,
    /// Retries of a failing event handler before the event is dead-lettered.
    pub max_retries: u32,
    /// Check-ins written per transaction at most (`CHECKIN_BATCH_MAX`; 1 turns group
    /// commit off, for comparison).
    pub checkin_batch_max: usize,
    pub search_backend: SearchBackend,
    pub storage: StorageConfig,
    pub elasticsearch_url: String,
    /// The Elasticsearch alias searches and writes go through.
    pub search_index: String,
    /// Largest accepted upload in bytes (`MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    /// Images declaring more pixels are refused (`MAX_IMAGE_PIXELS`).
    pub max_image_pixels: u64,
    /// Thumbnails fit in this square (`THUMBNAIL_SIZE`).
    pub thumbnail_size: u32,
    /// JPEG quality of thumbnails, 1–100 (`THUMBNAIL_QUALITY`).
    pub thumbnail_quality: u8,
    /// Threads of the thumbnail pool (`THUMBNAIL_THREADS`; default: cores − 1, at least 1).
    pub thumbnail_threads: usize,
    /// Which other origins' pages a browser lets call the API (`CORS_ALLOWED_ORIGINS`).
    pub cors_allowed_origins: CorsOrigins,
}

/// `CORS_ALLOWED_ORIGINS`: comma-separated origins, `*`, or nothing (same origin only).
/// Auth is a Bearer header, never a cookie, so no origin gets credentials mode and `*`
/// is safe to offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    SameOriginOnly,
    Any,
    Listed(Vec<String>),
}

impl CorsOrigins {
    /// Parses the setting; the error names the offending entry.
    fn parse(raw: Option<String>) -> Result<Self, String> {
        let Some(raw) = raw else {
            return Ok(CorsOrigins::SameOriginOnly);
        };
        let entries: Vec<&str> = raw
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        if entries == ["*"] {
            return Ok(CorsOrigins::Any);
        }
        let mut origins = Vec::with_capacity(entries.len());
        for entry in entries {
            if entry == "*" {
                return Err("`*` must stand alone".to_owned());
            }
            let origin = entry.strip_suffix('/').unwrap_or(entry);
            let rest = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ', '*']) => {
                    origins.push(origin.to_owned());
                }
                _ => {
                    return Err(format!(
                        "{entry:?} is not an origin (scheme://host[:port], no path)"
                    ));
                }
            }
        }
        Ok(if origins.is_empty() {
            CorsOrigins::SameOriginOnly
        } else {
            CorsOrigins::Listed(origins)
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

/// `SEARCH_BACKEND`: the embedded tantivy index (default) or Elasticsearch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchBackend {
    Embedded,
    Elasticsearch,
}

/// A value that must never reach a log: `Debug` prints a placeholder.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// `BOOTSTRAP_ADMIN_*`: a superadmin created at start-up if the name is free.
#[derive(Clone)]
pub struct BootstrapAdmin {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
}

impl fmt::Debug for BootstrapAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BootstrapAdmin")
            .field("username", &self.username)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A setting that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub setting: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid setting {}: {}", self.setting, self.problem)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment, after loading `.env` if one exists.
    pub fn from_env() -> Result<Self, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => {
                return Err(ConfigError {
                    setting: ".env",
                    problem: e.to_string(),
                });
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any name → value lookup (the environment in
    /// production, a map in tests), applying SPEC §11 defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(&lookup);
        let port: u16 = vars.parse("APP_PORT", 8080)?;
        let db_pool_size: usize = vars.parse("DB_POOL_SIZE", 16)?;
        if db_pool_size == 0 {
            return Err(vars.bad("DB_POOL_SIZE", "must be at least 1"));
        }
        let database_url = vars.string("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/troupe");
        if tokio_postgres::Config::from_str(&database_url).is_err() {
            return Err(vars.bad("DATABASE_URL", "is not a valid PostgreSQL connection URL"));
        }
        let public_base_url = vars
            .optional("PUBLIC_BASE_URL")
            .map(|url| url.trim_end_matches('/').to_owned());
        if let Some(url) = &public_base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(vars.bad("PUBLIC_BASE_URL", "must start with http:// or https://"));
        }
        let app_env = vars.choice(
            "APP_ENV",
            AppEnv::Development,
            &[
                ("development", AppEnv::Development),
                ("dev", AppEnv::Development),
                ("test", AppEnv::Test),
                ("production", AppEnv::Production),
                ("prod", AppEnv::Production),
            ],
        )?;
        let jwt_secret = vars.optional("JWT_SECRET").map(Secret);
        match &jwt_secret {
            Some(secret) if secret.expose().len() < 32 => {
                return Err(vars.bad("JWT_SECRET", "must be at least 32 bytes"));
            }
            None if app_env == AppEnv::Production => {
                return Err(vars.bad("JWT_SECRET", "is required when APP_ENV=production"));
            }
            _ => {}
        }
        let bcrypt_cost: u32 = vars.parse("BCRYPT_COST", 12)?;
        let lowest_cost = if app_env == AppEnv::Test { 4 } else { 10 };
        if !(lowest_cost..=31).contains(&bcrypt_cost) {
            return Err(vars.bad(
                "BCRYPT_COST",
                &format!("must be between {lowest_cost} and 31 (below 10 only with APP_ENV=test)"),
            ));
        }
        let access_token_ttl_secs: u64 = vars.parse("ACCESS_TOKEN_TTL", 300)?;
        let refresh_token_ttl_secs: u64 = vars.parse("REFRESH_TOKEN_TTL", 1_209_600)?;
        if access_token_ttl_secs == 0 || refresh_token_ttl_secs == 0 {
            let name = if access_token_ttl_secs == 0 {
                "ACCESS_TOKEN_TTL"
            } else {
                "REFRESH_TOKEN_TTL"
            };
            return Err(vars.bad(name, "must be at least 1 second"));
        }
        let bootstrap_admin = match (
            vars.optional("BOOTSTRAP_ADMIN_USERNAME"),
            (lookup)("BOOTSTRAP_ADMIN_PASSWORD").filter(|p| !p.is_empty()),
        ) {
            (Some(username), Some(password)) => Some(BootstrapAdmin {
                username,
                password,
                email: vars.optional("BOOTSTRAP_ADMIN_EMAIL"),
            }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(vars.bad(
                    "BOOTSTRAP_ADMIN_PASSWORD",
                    "is required with BOOTSTRAP_ADMIN_USERNAME",
                ));
            }
            (None, Some(_)) => {
                return Err(vars.bad(
                    "BOOTSTRAP_ADMIN_USERNAME",
                    "is required with BOOTSTRAP_ADMIN_PASSWORD",
                ));
            }
        };
        let max_retries: u32 = vars.parse("MAX_RETRIES", 5)?;
        if max_retries > 20 {
            return Err(vars.bad(
                "MAX_RETRIES",
                "must be at most 20 (2^20 s is already 12 days)",
            ));
        }
        let rabbitmq_url = vars.string("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2f");
        if !(rabbitmq_url.starts_with("amqp://") || rabbitmq_url.starts_with("amqps://")) {
            return Err(vars.bad("RABBITMQ_URL", "must start with amqp:// or amqps://"));
        }
        let search_backend = vars.choice(
            "SEARCH_BACKEND",
            SearchBackend::Embedded,
            &[
                ("embedded", SearchBackend::Embedded),
                ("elasticsearch", SearchBackend::Elasticsearch),
            ],
        )?;
        let elasticsearch_url = vars.string("ELASTICSEARCH_URL", "http://127.0.0.1:9200");
        if !(elasticsearch_url.starts_with("http://") || elasticsearch_url.starts_with("https://"))
        {
            return Err(vars.bad("ELASTICSEARCH_URL", "must start with http:// or https://"));
        }
        let search_index = vars.string("SEARCH_INDEX", "projects");
        if !search_index
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'))
        {
            return Err(vars.bad(
                "SEARCH_INDEX",
                "must be lower-case letters, digits, '_' and '-'",
            ));
        }
        let storage = match vars
            .optional("STORAGE_BACKEND")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("fs") => StorageConfig::Fs,
            Some("s3") => {
                let required = |name: &'static str| {
                    vars.optional(name)
                        .ok_or_else(|| vars.bad(name, "is required with STORAGE_BACKEND=s3"))
                };
                let endpoint = required("S3_ENDPOINT")?;
                if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                    return Err(vars.bad("S3_ENDPOINT", "must start with http:// or https://"));
                }
                StorageConfig::S3 {
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
                }
            }
            Some(other) => {
                return Err(vars.bad(
                    "STORAGE_BACKEND",
                    &format!("{other:?} is not one of fs, s3"),
                ));
            }
        };
        let checkin_batch_max: usize = vars.parse("CHECKIN_BATCH_MAX", 64)?;
        if !(1..=1000).contains(&checkin_batch_max) {
            return Err(vars.bad("CHECKIN_BATCH_MAX", "must be from 1 to 1000"));
        }
        let max_upload_bytes: u64 = vars.parse("MAX_UPLOAD_BYTES", 5 * 1024 * 1024)?;
        if !(1..=1024 * 1024 * 1024).contains(&max_upload_bytes) {
            return Err(vars.bad("MAX_UPLOAD_BYTES", "must be from 1 byte to 1 GiB"));
        }
        let max_image_pixels: u64 = vars.parse("MAX_IMAGE_PIXELS", 50_000_000)?;
        if !(1..=1_000_000_000).contains(&max_image_pixels) {
            return Err(vars.bad("MAX_IMAGE_PIXELS", "must be from 1 to 1000000000"));
        }
        let thumbnail_size: u32 = vars.parse("THUMBNAIL_SIZE", 300)?;
        if !(16..=4096).contains(&thumbnail_size) {
            return Err(vars.bad("THUMBNAIL_SIZE", "must be from 16 to 4096"));
        }
        let thumbnail_quality: u8 = vars.parse("THUMBNAIL_QUALITY", 85)?;
        if !(1..=100).contains(&thumbnail_quality) {
            return Err(vars.bad("THUMBNAIL_QUALITY", "must be from 1 to 100"));
        }
        let cors_allowed_origins = CorsOrigins::parse(vars.optional("CORS_ALLOWED_ORIGINS"))
            .map_err(|problem| vars.bad("CORS_ALLOWED_ORIGINS", &problem))?;
        Ok(Config {
            cors_allowed_origins,
            max_upload_bytes,
            max_image_pixels,
            thumbnail_size,
            thumbnail_quality,
            thumbnail_threads: vars
                .parse("THUMBNAIL_THREADS", default_cpu_pool_threads())?
                .max(1),
            storage,
            search_backend,
            elasticsearch_url,
            search_index,
            checkin_batch_max,
            event_bus: vars.choice(
                "EVENT_BUS",
                EventBusKind::Memory,
                &[
                    ("memory", EventBusKind::Memory),
                    ("rabbitmq", EventBusKind::RabbitMq),
                ],
            )?,
            rabbitmq_url,
            max_retries,
            jwt_secret,
            access_token_ttl_secs,
            refresh_token_ttl_secs,
            bcrypt_cost,
            hasher_threads: vars.parse("HASHER_THREADS", default_cpu_pool_threads())?,
            login_rate_limit: vars.parse("LOGIN_RATE_LIMIT", 10)?,
            bootstrap_admin,
            host: vars.string("APP_HOST", "0.0.0.0"),
            port,
            role: vars.choice(
                "ROLE",
                Role::All,
                &[
                    ("all", Role::All),
                    ("api", Role::Api),
                    ("worker", Role::Worker),
                ],
            )?,
            app_env,
            database_url,
            db_pool_size,
            data_dir: PathBuf::from(vars.string("DATA_DIR", "./data")),
            public_base_url,
            log_format: vars.choice(
                "LOG_FORMAT",
                LogFormat::Pretty,
                &[("pretty", LogFormat::Pretty), ("json", LogFormat::Json)],
            )?,
            rust_log: vars.string("RUST_LOG", "info"),
        })
    }
}

/// The size of the CPU pools (bcrypt, thumbnails). One core is left to request
/// handling: measured on 2 cores, a login flood on a pool with a thread per core raised the p99 of other endpoints 10–25× (even with
/// the hashing threads under `SCHED_IDLE`); with cores − 1 it stayed within 1.4×.
fn default_cpu_pool_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
}

/// The lookup with the parsing rules every setting shares.
struct Vars<'a, F: Fn(&str) -> Option<String>>(&'a F);

impl<F: Fn(&str) -> Option<String>> Vars<'_, F> {
    /// The value, or `None` when unset or blank.
    fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn string(&self, name: &str, default: &str) -> String {
        self.optional(name).unwrap_or_else(|| default.to_owned())
    }

    fn parse<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| self.bad(name, &format!("{v:?} is not a valid number here"))),
        }
    }

    fn choice<T: Copy>(
        &self,
        name: &'static str,
        default: T,
        options: &[(&str, T)],
    ) -> Result<T, ConfigError> {
        let Some(v) = self.optional(name) else {
            return Ok(default);
        };
        let wanted = v.to_ascii_lowercase();
        options
            .iter()
            .find(|(label, _)| *label == wanted)
            .map(|(_, value)| *value)
            .ok_or_else(|| {
                let labels: Vec<&str> = options.iter().map(|(l, _)| *l).collect();
                self.bad(name, &format!("{v:?} is not one of {}", labels.join(", ")))
            })
    }

    fn bad(&self, setting: &'static str, problem: &str) -> ConfigError {
        ConfigError {
            setting,
            problem: problem.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_follow_the_spec() {
        let c = config(&[]).unwrap();
        assert_eq!(c.port, 8080);
        assert_eq!(c.host, "0.0.0.0");
        assert_eq!(c.role, Role::All);
        assert_eq!(c.db_pool_size, 16);
        assert_eq!(c.database_url, "postgres://postgres@127.0.0.1:5432/troupe");
        assert_eq!(c.log_format, LogFormat::Pretty);
    }

    #[test]
    fn a_bad_port_names_the_setting() {
        let err = config(&[("APP_PORT", "eighty")]).unwrap_err();
        assert_eq!(err.setting, "APP_PORT");
        assert!(err.to_string().starts_with("invalid setting APP_PORT:"));
    }

    #[test]
    fn an_unknown_role_lists_the_choices() {
        let err = config(&[("ROLE", "boss")]).unwrap_err();
        assert_eq!(err.setting, "ROLE");
        assert!(err.problem.contains("all, api, worker"), "{}", err.problem);
    }

    #[test]
    fn role_and_log_format_are_case_insensitive() {
        let c = config(&[("ROLE", "Worker"), ("LOG_FORMAT", "JSON")]).unwrap();
        assert_eq!(c.role, Role::Worker);
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn public_base_url_must_be_http_and_loses_its_trailing_slash() {
        assert_eq!(
            config(&[("PUBLIC_BASE_URL", "ftp://x")])
                .unwrap_err()
                .setting,
            "PUBLIC_BASE_URL"
        );
        let c = config(&[("PUBLIC_BASE_URL", "https://cdn.example/")]).unwrap();
        assert_eq!(c.public_base_url.as_deref(), Some("https://cdn.example"));
    }

    #[test]
    fn production_needs_a_long_jwt_secret_and_cheap_bcrypt_is_for_tests_only() {
        let err = config(&[("APP_ENV", "production")]).unwrap_err();
        assert_eq!(err.setting, "JWT_SECRET");
        assert_eq!(
            config(&[("JWT_SECRET", "short")]).unwrap_err().setting,
            "JWT_SECRET"
        );
        assert_eq!(
            config(&[("BCRYPT_COST", "9")]).unwrap_err().setting,
            "BCRYPT_COST"
        );
        let c = config(&[("APP_ENV", "test"), ("BCRYPT_COST", "4")]).unwrap();
        assert_eq!(c.bcrypt_cost, 4);
        assert_eq!(config(&[]).unwrap().bcrypt_cost, 12);
    }

    #[test]
    fn a_bootstrap_admin_needs_both_name_and_password_and_hides_the_password() {
        let err = config(&[("BOOTSTRAP_ADMIN_USERNAME", "root")]).unwrap_err();
        assert_eq!(err.setting, "BOOTSTRAP_ADMIN_PASSWORD");
        let c = config(&[
            ("BOOTSTRAP_ADMIN_USERNAME", "root"),
            ("BOOTSTRAP_ADMIN_PASSWORD", "s3cret-pass"),
        ])
        .unwrap();
        assert!(!format!("{c:?}").contains("s3cret-pass"));
        let c = config(&[("JWT_SECRET", "0123456789abcdef0123456789abcdef")]).unwrap();
        assert!(!format!("{c:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn search_settings_are_checked() {
        assert_eq!(config(&[]).unwrap().search_backend, SearchBackend::Embedded);
        let es = config(&[("SEARCH_BACKEND", "elasticsearch")]).unwrap();
        assert_eq!(es.search_backend, SearchBackend::Elasticsearch);
        assert_eq!(es.elasticsearch_url, "http://127.0.0.1:9200");
        assert_eq!(es.search_index, "projects");
        assert_eq!(
            config(&[("SEARCH_BACKEND", "solr")]).unwrap_err().setting,
            "SEARCH_BACKEND"
        );
        assert_eq!(
            config(&[("SEARCH_INDEX", "Bad Name")]).unwrap_err().setting,
            "SEARCH_INDEX"
        );
        assert_eq!(
            config(&[("ELASTICSEARCH_URL", "es:9200")])
                .unwrap_err()
                .setting,
            "ELASTICSEARCH_URL"
        );
    }

    #[test]
    fn s3_storage_needs_its_endpoint_and_keys_and_hides_the_secret() {
        assert!(matches!(config(&[]).unwrap().storage, StorageConfig::Fs));
        let err = config(&[("STORAGE_BACKEND", "s3")]).unwrap_err();
        assert_eq!(err.setting, "S3_ENDPOINT");
        let c = config(&[
            ("STORAGE_BACKEND", "s3"),
            ("S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("S3_ACCESS_KEY", "minio"),
            ("S3_SECRET_KEY", "very-secret-key"),
        ])
        .unwrap();
        assert!(
            matches!(&c.storage, StorageConfig::S3 { bucket, path_style: true, .. } if bucket == "media-files")
        );
        assert!(!format!("{c:?}").contains("very-secret-key"));
        assert_eq!(
            config(&[("STORAGE_BACKEND", "ftp")]).unwrap_err().setting,
            "STORAGE_BACKEND"
        );
    }

    #[test]
    fn cors_origins_are_none_by_default_a_list_or_a_lone_star() {
        assert_eq!(
            config(&[]).unwrap().cors_allowed_origins,
            CorsOrigins::SameOriginOnly
        );
        let c = config(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://app.example, http://localhost:5173/",
        )])
        .unwrap();
        assert_eq!(
            c.cors_allowed_origins,
            CorsOrigins::Listed(vec![
                "https://app.example".into(),
                "http://localhost:5173".into()
            ])
        );
        assert_eq!(
            config(&[("CORS_ALLOWED_ORIGINS", "*")])
                .unwrap()
                .cors_allowed_origins,
            CorsOrigins::Any
        );
        for bad in [
            "*, https://a.example",
            "app.example",
            "https://a.example/path",
        ] {
            let err = config(&[("CORS_ALLOWED_ORIGINS", bad)]).unwrap_err();
            assert_eq!(err.setting, "CORS_ALLOWED_ORIGINS", "{bad}");
        }
    }

    #[test]
    fn an_invalid_database_url_is_refused() {
        assert_eq!(
            config(&[("DATABASE_URL", "not a connection string")])
                .unwrap_err()
                .setting,
            "DATABASE_URL"
        );
        assert_eq!(
            config(&[("DB_POOL_SIZE", "0")]).unwrap_err().setting,
            "DB_POOL_SIZE"
        );
    }
}
