//! Login, refresh-token rotation with a reuse interval and reuse detection, logout.
//!
//! A refresh token's successor is not random: it is HMAC-SHA256(refresh key, token),
//! the key shared by every node and never stored. So when two tabs (or ten) refresh
//! the same token at once, the first rotates it and every other one — within
//! `REFRESH_REUSE_INTERVAL` of that rotation, and only while the successor is itself
//! still unused — is answered with that same successor (and a new access token),
//! although only hashes are stored: each caller receives the one refresh token that
//! is valid in the session, and the session stays one chain. Showing an older
//! generation, or the predecessor after the interval or after the successor was
//! used, is theft: the session is revoked (the hole of django-oauth-toolkit#1617,
//! where any old token of the family worked within the interval, is closed).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AuthContext;
use super::rules::PASSWORD_MAX_BYTES;
use super::throttle::{AttemptKeys, Verdict};
use crate::db::refresh_tokens::{self, TokenState};
use crate::db::sessions::{self, NewSession, Scope};
use crate::db::users;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::messages::auth::{GetMe, Login, Logout, LogoutAll, Refresh, Session, User};
use crate::messages::sessions::Revocation;
use crate::problem_code::ProblemCode;

fn invalid_credentials() -> AppError {
    AppError::unauthorized(
        ProblemCode::InvalidCredentials,
        "wrong username/email or password",
    )
}

fn invalid_refresh_token() -> AppError {
    AppError::unauthorized(
        ProblemCode::InvalidRefreshToken,
        "the refresh token is unknown or revoked",
    )
}

/// 256 random bits, base64url: what the client holds. Only its SHA-256 is stored.
fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn refused(code: ProblemCode, retry_after_secs: u64) -> AppError {
    crate::metrics::LOGIN_REFUSALS
        .with_label_values(&[code.as_str()])
        .inc();
    AppError::RateLimited {
        code,
        retry_after_secs,
    }
}

impl AuthContext {
    /// The successor of a refresh token (see the module's comment).
    fn successor(&self, token: &str) -> String {
        let tag = ring::hmac::sign(&self.successor_key, token.as_bytes());
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    }

    pub(super) async fn login(&self, msg: Login) -> AppResult<Session> {
        let login = msg.login.trim().to_lowercase();
        let mut missing = FieldErrors::new();
        if login.is_empty() {
            missing.insert("login".into(), "username or email is required".into());
        }
        if msg.password.is_empty() {
            missing.insert("password".into(), "is required".into());
        }
        if !missing.is_empty() {
            return Err(AppError::invalid_fields(missing));
        }
        let (found, keys) = {
            let db = self.pool.get().await?;
            let found = users::find_for_login(&db, &login).await?;
            let keys = AttemptKeys::new(&login, found.as_ref().map(|(u, _)| u.id), msg.client_ip);
            match self.limits.check(&db, &keys).await? {
                Verdict::Allowed => {}
                Verdict::RateLimited { retry_after_secs } => {
                    return Err(refused(ProblemCode::RateLimited, retry_after_secs));
                }
                Verdict::AccountLocked { retry_after_secs } => {
                    return Err(refused(ProblemCode::AccountLocked, retry_after_secs));
                }
            }
            (found, keys)
        };
        // A password bcrypt cannot take matches nothing, but costs the same time.
        let hash = found
            .as_ref()
            .filter(|_| msg.password.len() <= PASSWORD_MAX_BYTES)
            .map(|(_, hash)| hash.clone());
        let matches = self.hasher.verify(msg.password, hash).await?;
        let db = self.pool.get().await?;
        match found {
            Some((user, _)) if matches => {
                self.limits.record_success(&db, &keys).await?;
                let new = NewSession {
                    id: Uuid::now_v7(),
                    user_id: user.id,
                    expires_at: self.refresh_expiry(),
                    user_agent: msg.user_agent.as_deref(),
                    ip: keys.ip(),
                };
                let refresh_token = new_refresh_token();
                sessions::insert(&db, &new).await?;
                refresh_tokens::insert(
                    &db,
                    &token_hash(&refresh_token),
                    user.id,
                    new.id,
                    new.expires_at,
                )
                .await?;
                self.session(user, new.id, refresh_token)
            }
            _ => {
                self.limits.record_failure(&db, &keys).await?;
                crate::metrics::LOGIN_REFUSALS
                    .with_label_values(&[ProblemCode::InvalidCredentials.as_str()])
                    .inc();
                Err(invalid_credentials())
            }
        }
    }

    fn session(&self, user: User, session_id: Uuid, refresh_token: String) -> AppResult<Session> {
        let access = self
            .keys
            .issue(user.id, &user.username, user.role, session_id)
            .map_err(AppError::internal)?;
        Ok(Session {
            access_token: access.token,
            refresh_token,
            expires_in: access.expires_in,
            user,
        })
    }

    fn refresh_expiry(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc() + self.refresh_ttl
    }

    pub(super) async fn refresh(&self, msg: Refresh) -> AppResult<Session> {
        let presented = msg.refresh_token.trim();
        if presented.is_empty() {
            return Err(AppError::invalid_field("refresh_token", "is required"));
        }
        let hash = token_hash(presented);
        let successor = self.successor(presented);
        let mut db = self.pool.get().await?;
        let tx = db.transaction().await?;
        // Of concurrent refreshes of one token the row lock lets one rotate it; the
        // others wait for its commit and then find the successor stored.
        let Some((user_id, family_id)) = refresh_tokens::rotate(&tx, &hash).await? else {
            drop(tx);
            // The same connection: asking the pool for a second one while holding
            // this one starves the pool when many refreshes race.
            return self.refresh_again(&db, &hash, successor).await;
        };
        // The role is read again: a role change shows in the next access token.
        let Some(user) = users::find(&tx, user_id).await? else {
            return Err(invalid_refresh_token());
        };
        let expires_at = self.refresh_expiry();
        refresh_tokens::insert(&tx, &token_hash(&successor), user.id, family_id, expires_at)
            .await?;
        sessions::touch(&tx, family_id, expires_at).await?;
        tx.commit().await?;
        self.session(user, family_id, successor)
    }

    /// A token that could not be rotated: the predecessor of a live successor
    /// within the reuse interval gets that successor; a rotated token otherwise is
    /// theft (or a client racing itself beyond the interval): the session ends.
    async fn refresh_again(
        &self,
        db: &deadpool_postgres::Client,
        hash: &[u8],
        successor: String,
    ) -> AppResult<Session> {
        match refresh_tokens::state(db, hash).await? {
            TokenState::Rotated {
                user_id,
                family_id,
                secs_ago,
            } => {
                let within = secs_ago <= self.reuse_interval.as_secs_f64();
                if within && refresh_tokens::is_live(db, &token_hash(&successor), family_id).await?
                {
                    let user = users::find(db, user_id)
                        .await?
                        .ok_or_else(invalid_refresh_token)?;
                    return self.session(user, family_id, successor);
                }
                let revoked = sessions::revoke(db, Scope::One(family_id), "reuse").await?;
                self.forget(revoked.into_iter().map(Revocation::Session));
                tracing::warn!(%family_id, "a rotated refresh token was reused; session revoked");
                Err(AppError::unauthorized(
                    ProblemCode::RefreshTokenReused,
                    "this refresh token was already used; the session has been revoked",
                ))
            }
            TokenState::Expired => Err(AppError::unauthorized(
                ProblemCode::RefreshTokenExpired,
                "the refresh token has expired",
            )),
            TokenState::Revoked | TokenState::Unknown => Err(invalid_refresh_token()),
        }
    }

    /// Tells this node's revocation set at once (other nodes hear of it by NOTIFY).
    pub(super) fn forget(&self, revocations: impl IntoIterator<Item = Revocation>) {
        self.revocations.add(revocations);
    }

    pub(super) async fn logout(&self, msg: Logout) -> AppResult<()> {
        let hash = token_hash(msg.refresh_token.trim());
        let db = self.pool.get().await?;
        let Some((owner, family_id)) = refresh_tokens::owner(&db, &hash).await? else {
            return Ok(()); // unknown: nothing to revoke, and logout is idempotent
        };
        if let Some(caller) = &msg.caller
            && caller.id != owner
        {
            return Err(AppError::forbidden(
                ProblemCode::NotYourToken,
                "this refresh token belongs to another user",
            ));
        }
        let revoked = sessions::revoke(&db, Scope::One(family_id), "logout").await?;
        self.forget(revoked.into_iter().map(Revocation::Session));
        Ok(())
    }

    pub(super) async fn logout_all(&self, msg: LogoutAll) -> AppResult<()> {
        let db = self.pool.get().await?;
        let revoked = sessions::revoke(&db, Scope::User(msg.caller.id), "logout").await?;
        self.forget(revoked.into_iter().map(Revocation::Session));
        Ok(())
    }

    pub(super) async fn me(&self, msg: GetMe) -> AppResult<User> {
        let db = self.pool.get().await?;
        users::find(&db, msg.caller.id).await?.ok_or_else(|| {
            AppError::unauthorized(ProblemCode::AccountGone, "this account no longer exists")
        })
    }
}
