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
        Ok(Config {
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
            app_env: vars.choice(
                "APP_ENV",
                AppEnv::Development,
                &[
                    ("development", AppEnv::Development),
                    ("dev", AppEnv::Development),
                    ("test", AppEnv::Test),
                    ("production", AppEnv::Production),
                    ("prod", AppEnv::Production),
                ],
            )?,
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
