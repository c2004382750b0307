//! Login, refresh-token rotation with reuse detection, logout.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AuthContext;
use super::rules::PASSWORD_MAX_BYTES;
use crate::db::refresh_tokens::{self, Revoke, TokenState};
use crate::db::users;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::messages::auth::{GetMe, Login, Logout, LogoutAll, Refresh, Session, User};
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
fn new_refresh_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Why a refresh token was refused; a rotated token shown again means it was
/// stolen (or the client raced itself): the whole family is revoked.
async fn refused_refresh(db: &deadpool_postgres::Client, hash: &[u8]) -> AppError {
    let outcome = async {
        Ok::<_, AppError>(match refresh_tokens::state(db, hash).await? {
            TokenState::Revoked {
                family_id,
                rotated: true,
            } => {
                let revoked =
                    refresh_tokens::revoke(db, Revoke::Family(family_id), "reuse").await?;
                tracing::warn!(%family_id, revoked, "a rotated refresh token was reused; session revoked");
                AppError::unauthorized(
                    ProblemCode::RefreshTokenReused,
                    "this refresh token was already used; the session has been revoked",
                )
            }
            TokenState::Expired => AppError::unauthorized(
                ProblemCode::RefreshTokenExpired,
                "the refresh token has expired",
            ),
            TokenState::Revoked { .. } | TokenState::Unknown => invalid_refresh_token(),
        })
    };
    outcome.await.unwrap_or_else(|e| e)
}

impl AuthContext {
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
        let mut keys = vec![format!("account:{login}")];
        if let Some(ip) = msg.client_ip {
            keys.push(format!("ip:{ip}"));
        }
        if let Err(retry_after_secs) = self.throttle.check(&keys) {
            return Err(AppError::RateLimited { retry_after_secs });
        }
        let found = {
            let db = self.pool.get().await?;
            users::find_for_login(&db, &login).await?
        };
        // A password bcrypt cannot take matches nothing, but costs the same time.
        let hash = found
            .as_ref()
            .filter(|_| msg.password.len() <= PASSWORD_MAX_BYTES)
            .map(|(_, hash)| hash.clone());
        let matches = self.hasher.verify(msg.password, hash).await?;
        match found {
            Some((user, _)) if matches => self.open_session(user, Uuid::now_v7()).await,
            _ => {
                self.throttle.record_failure(&keys);
                Err(invalid_credentials())
            }
        }
    }

    /// Issues an access token and a refresh token in `family_id`.
    async fn open_session(&self, user: User, family_id: Uuid) -> AppResult<Session> {
        let (refresh_token, hash) = new_refresh_token();
        let db = self.pool.get().await?;
        refresh_tokens::insert(&db, &hash, user.id, family_id, self.refresh_expiry()).await?;
        self.session(user, refresh_token)
    }

    fn session(&self, user: User, refresh_token: String) -> AppResult<Session> {
        let access = self
            .keys
            .issue(user.id, &user.username, user.role)
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
        let mut db = self.pool.get().await?;
        let tx = db.transaction().await?;
        let Some((user_id, family_id)) = refresh_tokens::rotate(&tx, &hash).await? else {
            drop(tx);
            // The same connection: asking the pool for a second one while holding
            // this one starves the pool when many refreshes race.
            return Err(refused_refresh(&db, &hash).await);
        };
        // The role is read again: role changes take effect at the next refresh.
        let Some(user) = users::find(&tx, user_id).await? else {
            return Err(invalid_refresh_token());
        };
        let (refresh_token, new_hash) = new_refresh_token();
        refresh_tokens::insert(&tx, &new_hash, user.id, family_id, self.refresh_expiry()).await?;
        tx.commit().await?;
        self.session(user, refresh_token)
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
        refresh_tokens::revoke(&db, Revoke::Family(family_id), "logout").await?;
        Ok(())
    }

    pub(super) async fn logout_all(&self, msg: LogoutAll) -> AppResult<()> {
        let db = self.pool.get().await?;
        refresh_tokens::revoke(&db, Revoke::User(msg.caller.id), "logout").await?;
        Ok(())
    }

    pub(super) async fn me(&self, msg: GetMe) -> AppResult<User> {
        let db = self.pool.get().await?;
        users::find(&db, msg.caller.id).await?.ok_or_else(|| {
            AppError::unauthorized(ProblemCode::AccountGone, "this account no longer exists")
        })
    }
}
