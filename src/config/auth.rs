//! Tokens, password hashing, login throttling and the bootstrap superadmin.

use std::fmt;

use super::secret::Secret;
use super::vars::{ConfigError, Vars, bad};

/// `JWT_ALGORITHM`: how access tokens are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    /// One shared secret (`JWT_SECRET`), as the seed systems did; nothing published.
    Hs256,
    /// Ed25519 key pairs kept in the database (private halves sealed under
    /// `JWT_KEY_ENCRYPTION_KEY`), public halves at `/.well-known/jwks.json`.
    EdDsa,
}

/// `JWT_*`, token lifetimes, `REFRESH_REUSE_INTERVAL`, `BCRYPT_COST`,
/// `HASHER_THREADS`, `LOGIN_*`, `TRUSTED_PROXIES`, `BOOTSTRAP_ADMIN_*`.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// `None`: generated once and kept in `DATA_DIR` (not allowed in production).
    pub jwt_secret: Option<Secret>,
    pub jwt_algorithm: JwtAlgorithm,
    /// Seals EdDSA private keys at rest; `None`: derived from the JWT secret.
    pub key_encryption_key: Option<Secret>,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    /// How long the predecessor of a rotated refresh token still gets its successor.
    pub refresh_reuse_interval_secs: u64,
    pub bcrypt_cost: u32,
    /// Threads of the bcrypt pool (`HASHER_THREADS`; default: cores − 1, at least 1).
    pub hasher_threads: usize,
    /// Failed logins a minute per client address and per account+address; 0 disables.
    pub login_rate_limit: u32,
    /// Failed logins within 15 minutes that lock an account (from addresses it
    /// never logged in from); 0 disables.
    pub login_lockout_threshold: u32,
    /// The first lockout; each next one doubles, up to `login_lockout_max_secs`.
    pub login_lockout_secs: u64,
    pub login_lockout_max_secs: u64,
    /// Peers whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`: addresses or
    /// CIDR ranges, comma-separated).
    pub trusted_proxies: Vec<ipnet::IpNet>,
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
        let key_encryption_key = vars.optional("JWT_KEY_ENCRYPTION_KEY").map(Secret);
        if key_encryption_key
            .as_ref()
            .is_some_and(|s| s.expose().len() < 32)
        {
            return Err(bad("JWT_KEY_ENCRYPTION_KEY", "must be at least 32 bytes"));
        }
        Ok(AuthSettings {
            jwt_secret,
            jwt_algorithm: vars.choice(
                "JWT_ALGORITHM",
                JwtAlgorithm::Hs256,
                &[
                    ("hs256", JwtAlgorithm::Hs256),
                    ("eddsa", JwtAlgorithm::EdDsa),
                ],
            )?,
            key_encryption_key,
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
            refresh_reuse_interval_secs: vars.parse("REFRESH_REUSE_INTERVAL", 10)?,
            // Below 10 only with APP_ENV=test: see `Config::check_combinations`.
            bcrypt_cost: vars.number_in("BCRYPT_COST", 12, 4..=31, "between 4 and 31")?,
            hasher_threads: vars
                .parse("HASHER_THREADS", super::default_cpu_pool_threads())?
                .max(1),
            login_rate_limit: vars.parse("LOGIN_RATE_LIMIT", 10)?,
            login_lockout_threshold: vars.parse("LOGIN_LOCKOUT_THRESHOLD", 20)?,
            login_lockout_secs: vars.number_in(
                "LOGIN_LOCKOUT_SECS",
                60,
                1..=u64::MAX,
                "at least 1 second",
            )?,
            login_lockout_max_secs: vars.parse("LOGIN_LOCKOUT_MAX_SECS", 3600)?,
            trusted_proxies: trusted_proxies(vars.optional("TRUSTED_PROXIES"))?,
            bootstrap_admin: bootstrap_admin(vars)?,
        })
    }
}

/// `TRUSTED_PROXIES`: `10.0.0.0/8, 127.0.0.1, ::1` (an address alone is one host).
fn trusted_proxies(value: Option<String>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    bad(
                        "TRUSTED_PROXIES",
                        format!("{s:?} is not an address or CIDR range"),
                    )
                })
        })
        .collect()
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
