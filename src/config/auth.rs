//! Tokens, password hashing, login throttling and the bootstrap superadmin.

use std::fmt;

use super::secret::Secret;
use super::vars::{ConfigError, Vars, bad};

/// `JWT_SECRET`, token lifetimes, `BCRYPT_COST`, `HASHER_THREADS`, `LOGIN_RATE_LIMIT`,
/// `BOOTSTRAP_ADMIN_*`.
#[derive(Debug, Clone)]
pub struct AuthSettings {
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

impl AuthSettings {
    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        let jwt_secret = vars.optional("JWT_SECRET").map(Secret);
        if jwt_secret.as_ref().is_some_and(|s| s.expose().len() < 32) {
            return Err(bad("JWT_SECRET", "must be at least 32 bytes"));
        }
        Ok(AuthSettings {
            jwt_secret,
            access_token_ttl_secs: vars.number_in(
                "ACCESS_TOKEN_TTL",
                300,
                1..=u64::MAX,
                "at least 1 second",
            )?,
            refresh_token_ttl_secs: vars.number_in(
                "REFRESH_TOKEN_TTL",
                1_209_600,
                1..=u64::MAX,
                "at least 1 second",
            )?,
            // Below 10 only with APP_ENV=test: see `Config::check_combinations`.
            bcrypt_cost: vars.number_in("BCRYPT_COST", 12, 4..=31, "between 4 and 31")?,
            hasher_threads: vars
                .parse("HASHER_THREADS", super::default_cpu_pool_threads())?
                .max(1),
            login_rate_limit: vars.parse("LOGIN_RATE_LIMIT", 10)?,
            bootstrap_admin: bootstrap_admin(vars)?,
        })
    }
}

fn bootstrap_admin(vars: &Vars) -> Result<Option<BootstrapAdmin>, ConfigError> {
    match (
        vars.optional("BOOTSTRAP_ADMIN_USERNAME"),
        vars.untrimmed("BOOTSTRAP_ADMIN_PASSWORD"),
    ) {
        (Some(username), Some(password)) => Ok(Some(BootstrapAdmin {
            username,
            password,
            email: vars.optional("BOOTSTRAP_ADMIN_EMAIL"),
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(bad(
            "BOOTSTRAP_ADMIN_PASSWORD",
            "is required with BOOTSTRAP_ADMIN_USERNAME",
        )),
        (None, Some(_)) => Err(bad(
            "BOOTSTRAP_ADMIN_USERNAME",
            "is required with BOOTSTRAP_ADMIN_PASSWORD",
        )),
    }
}
