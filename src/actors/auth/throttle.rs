//! Failed-login limits that every node shares (PostgreSQL `login_attempts`), keyed
//! by the client address that `TRUSTED_PROXIES` lets us believe:
//! - per address, and per account and address: `LOGIN_RATE_LIMIT` failures lock the
//!   key for a minute (429 `rate_limited`);
//! - per account, from any address: `LOGIN_LOCKOUT_THRESHOLD` failures within 15
//!   minutes lock the account for `LOGIN_LOCKOUT_SECS`, then twice as long each time
//!   up to `LOGIN_LOCKOUT_MAX_SECS` (429 `account_locked`), as Keycloak's temporary
//!   lockout does; a day without failures forgets the escalation.
//!
//! A stranger must not be able to lock the owner out for good: the account lockout
//! does not apply at addresses the account logged in from in the last 90 days (the
//! owner's usual devices), where only that address's own limit counts; an admin
//! clears a lockout with `DELETE /users/{id}/lockout`.

use std::net::IpAddr;

use deadpool_postgres::GenericClient;
use uuid::Uuid;

use crate::db::login_attempts::{self, Rule};
use crate::db::sessions;

#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Failures a minute per address and per account+address; 0 disables limits.
    pub per_minute: u32,
    /// Failures within 15 minutes that lock an account; 0 disables the lockout.
    pub lockout_threshold: u32,
    pub lockout_secs: u64,
    pub lockout_max_secs: u64,
}

/// The counters a login attempt touches.
pub struct AttemptKeys {
    /// The user id when the account exists, else the login as typed (lower-cased).
    account: String,
    user_id: Option<Uuid>,
    ip: Option<String>,
}

/// What the limits say before the password is checked.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    RateLimited { retry_after_secs: u64 },
    AccountLocked { retry_after_secs: u64 },
}

impl AttemptKeys {
    pub fn new(login: &str, user_id: Option<Uuid>, ip: Option<IpAddr>) -> AttemptKeys {
        AttemptKeys {
            account: user_id.map_or_else(|| format!("login:{login}"), |id| id.to_string()),
            user_id,
            ip: ip.map(|ip| ip.to_string()),
        }
    }

    fn ip_key(&self) -> Option<String> {
        self.ip.as_ref().map(|ip| format!("ip:{ip}"))
    }

    fn account_ip_key(&self) -> Option<String> {
        self.ip
            .as_ref()
            .map(|ip| format!("account-ip:{}|{ip}", self.account))
    }

    fn account_key(&self) -> String {
        format!("account:{}", self.account)
    }

    pub fn ip(&self) -> Option<&str> {
        self.ip.as_deref()
    }
}

/// The `account` column an admin's unlock clears for a user.
pub fn account_of(user_id: Uuid) -> String {
    user_id.to_string()
}

impl LoginLimits {
    fn enabled(&self) -> bool {
        self.per_minute > 0 || self.lockout_threshold > 0
    }

    fn short_rule(&self) -> Rule {
        Rule {
            threshold: self.per_minute,
            window_secs: 60.0,
            lock_secs: 60.0,
            lock_max_secs: 60.0,
        }
    }

    fn account_rule(&self) -> Rule {
        Rule {
            threshold: self.lockout_threshold,
            window_secs: 15.0 * 60.0,
            lock_secs: self.lockout_secs as f64,
            lock_max_secs: self.lockout_max_secs.max(self.lockout_secs) as f64,
        }
    }

    pub async fn check(
        &self,
        db: &impl GenericClient,
        keys: &AttemptKeys,
    ) -> Result<Verdict, tokio_postgres::Error> {
        if !self.enabled() {
            return Ok(Verdict::Allowed);
        }
        let account_key = keys.account_key();
        let mut all: Vec<String> = keys
            .ip_key()
            .into_iter()
            .chain(keys.account_ip_key())
            .collect();
        all.push(account_key.clone());
        let locked = login_attempts::locked(db, &all).await?;
        let short = locked
            .iter()
            .filter(|(k, _)| *k != account_key)
            .map(|(_, secs)| *secs)
            .max();
        if let Some(retry_after_secs) = short {
            return Ok(Verdict::RateLimited { retry_after_secs });
        }
        let Some(secs) = locked
            .iter()
            .find(|(k, _)| *k == account_key)
            .map(|(_, secs)| *secs)
        else {
            return Ok(Verdict::Allowed);
        };
        let known = match (keys.user_id, keys.ip.as_deref()) {
            (Some(user), Some(ip)) => sessions::known_address(db, user, ip).await?,
            _ => false,
        };
        Ok(if known {
            Verdict::Allowed
        } else {
            Verdict::AccountLocked {
                retry_after_secs: secs,
            }
        })
    }

    pub async fn record_failure(
        &self,
        db: &impl GenericClient,
        keys: &AttemptKeys,
    ) -> Result<(), tokio_postgres::Error> {
        if self.per_minute > 0 {
            if let Some(ip_key) = keys.ip_key() {
                login_attempts::record_failure(db, &ip_key, None, self.short_rule()).await?;
            }
            if let Some(key) = keys.account_ip_key() {
                let account = Some(keys.account.as_str());
                login_attempts::record_failure(db, &key, account, self.short_rule()).await?;
            }
        }
        if self.lockout_threshold > 0 {
            let account = Some(keys.account.as_str());
            login_attempts::record_failure(db, &keys.account_key(), account, self.account_rule())
                .await?;
        }
        Ok(())
    }

    /// The owner got in: the count of this account at this address is forgotten and
    /// the account's count starts again — but an account lockout stays for other
    /// addresses, and the next one is still longer; the address's own counter stays
    /// too, so one good account cannot launder an attacker's address.
    pub async fn record_success(
        &self,
        db: &impl GenericClient,
        keys: &AttemptKeys,
    ) -> Result<(), tokio_postgres::Error> {
        if !self.enabled() {
            return Ok(());
        }
        if let Some(key) = keys.account_ip_key() {
            login_attempts::clear(db, &[key]).await?;
        }
        login_attempts::reset_failures(db, &keys.account_key()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_user_when_the_account_exists_and_the_login_when_not() {
        let id = Uuid::now_v7();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let known = AttemptKeys::new("ana", Some(id), Some(ip));
        assert_eq!(known.account_key(), format!("account:{id}"));
        assert_eq!(
            known.account_ip_key().unwrap(),
            format!("account-ip:{id}|203.0.113.9")
        );
        assert_eq!(known.ip_key().unwrap(), "ip:203.0.113.9");
        let unknown = AttemptKeys::new("nobody", None, None);
        assert_eq!(unknown.account_key(), "account:login:nobody");
        assert!(unknown.ip_key().is_none() && unknown.account_ip_key().is_none());
    }
}
