//! Where and how this process serves: address, process role, public URL, browsers'
//! origins, logging.

use super::cors::CorsOrigins;
use super::vars::{ConfigError, Vars, bad, is_http};

/// Which parts of the system this process runs (SPEC §11 `ROLE`) — not to be confused
/// with a user's role (`messages::auth::Role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessRole {
    /// The HTTP API and the background workers.
    All,
    /// Only the HTTP API.
    Api,
    /// Only the background workers (plus `/health`, `/ready`, `/metrics`).
    Worker,
}

impl ProcessRole {
    pub fn serves_api(self) -> bool {
        matches!(self, ProcessRole::All | ProcessRole::Api)
    }
    pub fn runs_workers(self) -> bool {
        matches!(self, ProcessRole::All | ProcessRole::Worker)
    }
}

/// `APP_ENV`: production refuses unsafe settings; test allows cheap bcrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Test,
    Production,
}

impl AppEnv {
    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        vars.choice(
            "APP_ENV",
            AppEnv::Development,
            &[
                ("development", AppEnv::Development),
                ("dev", AppEnv::Development),
                ("test", AppEnv::Test),
                ("production", AppEnv::Production),
                ("prod", AppEnv::Production),
            ],
        )
    }
}

/// `APP_HOST`, `APP_PORT`, `ROLE`, `PUBLIC_BASE_URL`, `CORS_ALLOWED_ORIGINS`,
/// `COMPRESS_MIN_BYTES`.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub role: ProcessRole,
    /// Where clients reach media files (`PUBLIC_BASE_URL`, no trailing slash).
    pub public_base_url: Option<String>,
    /// Which other origins' pages a browser lets call the API (`CORS_ALLOWED_ORIGINS`).
    pub cors_allowed_origins: CorsOrigins,
    /// The smallest JSON answer sent compressed when the client asks
    /// (`COMPRESS_MIN_BYTES`; unset or `off`, the default, never compresses).
    pub compress_min_bytes: Option<usize>,
}

impl ServerSettings {
    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        let public_base_url = vars
            .optional("PUBLIC_BASE_URL")
            .map(|url| url.trim_end_matches('/').to_owned());
        if public_base_url.as_deref().is_some_and(|url| !is_http(url)) {
            return Err(bad(
                "PUBLIC_BASE_URL",
                "must start with http:// or https://",
            ));
        }
        Ok(ServerSettings {
            host: vars.string("APP_HOST", "0.0.0.0"),
            port: vars.parse("APP_PORT", 8080)?,
            role: vars.choice(
                "ROLE",
                ProcessRole::All,
                &[
                    ("all", ProcessRole::All),
                    ("api", ProcessRole::Api),
                    ("worker", ProcessRole::Worker),
                ],
            )?,
            public_base_url,
            cors_allowed_origins: CorsOrigins::parse(vars.optional("CORS_ALLOWED_ORIGINS"))
                .map_err(|problem| bad("CORS_ALLOWED_ORIGINS", problem))?,
            compress_min_bytes: match vars.optional("COMPRESS_MIN_BYTES") {
                None => None,
                Some(off) if off.eq_ignore_ascii_case("off") => None,
                Some(_) => Some(vars.parse("COMPRESS_MIN_BYTES", 0)?),
            },
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// `LOG_FORMAT`, `RUST_LOG`.
#[derive(Debug, Clone)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

impl LogSettings {
    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        Ok(LogSettings {
            format: vars.choice(
                "LOG_FORMAT",
                LogFormat::Pretty,
                &[("pretty", LogFormat::Pretty), ("json", LogFormat::Json)],
            )?,
            filter: vars.string("RUST_LOG", "info"),
        })
    }
}
