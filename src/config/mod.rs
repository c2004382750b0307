//! One typed configuration, read from the environment (and an optional `.env`) and
//! validated once at start-up. A bad value stops start-up with one line that names
//! the setting and the problem (SPEC §11). Each concern reads its own settings
//! (`server`, `auth`, `backends`, `media`); `check_combinations` then refuses the
//! combinations that cannot work.

mod auth;
mod backends;
mod cors;
mod media;
mod secret;
mod server;
mod vars;

use std::path::PathBuf;

pub use auth::{AuthSettings, BootstrapAdmin, JwtAlgorithm};
pub use backends::{
    DEFAULT_HIT_TABLE_DOCS, DatabaseSettings, EventBusKind, EventSettings, SearchBackend,
    SearchSettings, StorageConfig,
};
pub use cors::CorsOrigins;
pub use media::MediaSettings;
pub use secret::Secret;
pub use server::{AppEnv, LogFormat, LogSettings, ProcessRole, ServerSettings};
pub use vars::ConfigError;
use vars::{Vars, bad};

/// Every setting of SPEC §11 that this build uses, grouped by concern.
#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub log: LogSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub events: EventSettings,
    pub search: SearchSettings,
    pub storage: StorageConfig,
    pub media: MediaSettings,
    /// Check-ins written per transaction at most (`CHECKIN_BATCH_MAX`; 1 turns group
    /// commit off, for comparison).
    pub checkin_batch_max: usize,
}

impl Config {
    /// Reads the process environment, after loading `.env` if one exists.
    pub fn from_env() -> Result<Self, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(bad(".env", e.to_string())),
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any name → value lookup (the environment in
    /// production, a map in tests), applying SPEC §11 defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(&lookup);
        let config = Config {
            app_env: AppEnv::read(&vars)?,
            data_dir: PathBuf::from(vars.string("DATA_DIR", "./data")),
            server: ServerSettings::read(&vars)?,
            log: LogSettings::read(&vars)?,
            database: DatabaseSettings::read(&vars)?,
            auth: AuthSettings::read(&vars)?,
            events: EventSettings::read(&vars)?,
            search: SearchSettings::read(&vars)?,
            storage: StorageConfig::read(&vars)?,
            media: MediaSettings::read(&vars)?,
            checkin_batch_max: vars.number_in(
                "CHECKIN_BATCH_MAX",
                64,
                1..=1000,
                "from 1 to 1000",
            )?,
        };
        config.check_combinations()?;
        Ok(config)
    }

    /// Settings that are each valid but cannot work together.
    fn check_combinations(&self) -> Result<(), ConfigError> {
        if self.app_env == AppEnv::Production && self.auth.jwt_secret.is_none() {
            // Each replica would generate its own secret and refuse the others' tokens.
            return Err(bad("JWT_SECRET", "is required when APP_ENV=production"));
        }
        if self.app_env != AppEnv::Test && self.auth.bcrypt_cost < 10 {
            return Err(bad(
                "BCRYPT_COST",
                "must be between 10 and 31 (below 10 only with APP_ENV=test)",
            ));
        }
        if let Some(admin) = &self.auth.bootstrap_admin
            && !(8..=72).contains(&admin.password.len())
        {
            // The account rules would refuse it at start-up, after migrations ran.
            return Err(bad(
                "BOOTSTRAP_ADMIN_PASSWORD",
                "must be 8 to 72 bytes, like every password",
            ));
        }
        Ok(())
    }
}

/// The size of the CPU pools (bcrypt, thumbnails). One core is left to request
/// handling: measured on 2 cores, a login flood on a pool with a thread per core
/// raised the p99 of other endpoints 10–25× (even with the hashing threads under
/// `SCHED_IDLE`); with cores − 1 it stayed within 1.4×.
fn default_cpu_pool_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
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
        assert_eq!(c.server.port, 8080);
        assert_eq!(c.server.host, "0.0.0.0");
        assert_eq!(c.server.role, ProcessRole::All);
        assert_eq!(c.database.pool_size, 16);
        assert_eq!(c.database.worker_pool_size, None);
        assert_eq!(c.database.url, "postgres://postgres@127.0.0.1:5432/troupe");
        assert_eq!(c.log.format, LogFormat::Pretty);
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
        assert_eq!(c.server.role, ProcessRole::Worker);
        assert_eq!(c.log.format, LogFormat::Json);
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
        assert_eq!(
            c.server.public_base_url.as_deref(),
            Some("https://cdn.example")
        );
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
        assert_eq!(c.auth.bcrypt_cost, 4);
        assert_eq!(config(&[]).unwrap().auth.bcrypt_cost, 12);
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
        assert_eq!(config(&[]).unwrap().search.backend, SearchBackend::Embedded);
        let es = config(&[("SEARCH_BACKEND", "elasticsearch")]).unwrap();
        assert_eq!(es.search.backend, SearchBackend::Elasticsearch);
        assert_eq!(es.search.elasticsearch_url, "http://127.0.0.1:9200");
        assert_eq!(es.search.index, "projects");
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
        assert_eq!(config(&[]).unwrap().search.hit_table_docs, 1_000_000);
        let off = config(&[("SEARCH_HIT_TABLE_DOCS", "0")]).unwrap();
        assert_eq!(off.search.hit_table_docs, 0);
        for bad in ["-1", "lots"] {
            assert_eq!(
                config(&[("SEARCH_HIT_TABLE_DOCS", bad)])
                    .unwrap_err()
                    .setting,
                "SEARCH_HIT_TABLE_DOCS"
            );
        }
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
    fn a_bad_cors_origin_names_the_setting() {
        let err = config(&[("CORS_ALLOWED_ORIGINS", "app.example")]).unwrap_err();
        assert_eq!(err.setting, "CORS_ALLOWED_ORIGINS");
        let c = config(&[("CORS_ALLOWED_ORIGINS", "*")]).unwrap();
        assert_eq!(c.server.cors_allowed_origins, CorsOrigins::Any);
    }

    #[test]
    fn a_bootstrap_password_the_account_rules_refuse_stops_start_up() {
        let err = config(&[
            ("BOOTSTRAP_ADMIN_USERNAME", "root"),
            ("BOOTSTRAP_ADMIN_PASSWORD", "short"),
        ])
        .unwrap_err();
        assert_eq!(err.setting, "BOOTSTRAP_ADMIN_PASSWORD");
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
        assert_eq!(
            config(&[("DB_WORKER_POOL_SIZE", "0")]).unwrap_err().setting,
            "DB_WORKER_POOL_SIZE"
        );
    }
}
