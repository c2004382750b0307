//! Sessions a user can see and end (`/auth/sessions`), and an admin's view of a
//! user's sessions and failed-login lockout (`/users/{id}/sessions`, `…/lockout`).

use uuid::Uuid;

use super::AuthContext;
use super::rules::may_manage;
use super::throttle::account_of;
use crate::db::sessions::{self, Scope};
use crate::db::{login_attempts, users};
use crate::error::{AppError, AppResult};
use crate::messages::auth::Caller;
use crate::messages::sessions::{
    ClearLockout, ListSessions, Revocation, RevokeOtherSessions, RevokeSession, SessionOwner,
    SessionView,
};
use crate::problem_code::ProblemCode;

impl AuthContext {
    /// The user whose sessions `owner` names, if the caller may manage them: their
    /// own, or (admins) those of a user of lower rank.
    async fn session_owner(&self, caller: &Caller, owner: SessionOwner) -> AppResult<Uuid> {
        let id = match owner {
            SessionOwner::Caller => return Ok(caller.id),
            SessionOwner::User(id) => id,
        };
        if !caller.role.is_admin() {
            return Err(AppError::forbidden(
                ProblemCode::AdminRequired,
                "only an admin may manage another user's sessions",
            ));
        }
        let db = self.pool.get().await?;
        let target = users::find(&db, id)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        if caller.id != id && !may_manage(caller, target.role) {
            return Err(AppError::forbidden(
                ProblemCode::Forbidden,
                "you cannot manage a user of your rank or above",
            ));
        }
        Ok(id)
    }

    pub(super) async fn list_sessions(&self, msg: ListSessions) -> AppResult<Vec<SessionView>> {
        let user = self.session_owner(&msg.caller, msg.owner).await?;
        let db = self.pool.get().await?;
        let mut list = sessions::list(&db, user).await?;
        for s in &mut list {
            s.current = s.id == msg.caller.session_id;
        }
        Ok(list)
    }

    pub(super) async fn revoke_session(&self, msg: RevokeSession) -> AppResult<()> {
        let user = self.session_owner(&msg.caller, msg.owner).await?;
        let reason = if user == msg.caller.id {
            "revoked"
        } else {
            "admin"
        };
        let db = self.pool.get().await?;
        let scope = Scope::OneOf {
            user,
            session: msg.session_id,
        };
        let revoked = sessions::revoke(&db, scope, reason).await?;
        if revoked.is_empty() {
            return Err(AppError::not_found("session"));
        }
        self.forget(revoked.into_iter().map(Revocation::Session));
        Ok(())
    }

    pub(super) async fn revoke_other_sessions(&self, msg: RevokeOtherSessions) -> AppResult<usize> {
        let db = self.pool.get().await?;
        let scope = Scope::UserExcept {
            user: msg.caller.id,
            keep: msg.caller.session_id,
        };
        let revoked = sessions::revoke(&db, scope, "revoked").await?;
        let count = revoked.len();
        self.forget(revoked.into_iter().map(Revocation::Session));
        Ok(count)
    }

    pub(super) async fn clear_lockout(&self, msg: ClearLockout) -> AppResult<()> {
        let user = self
            .session_owner(&msg.caller, SessionOwner::User(msg.user_id))
            .await?;
        let db = self.pool.get().await?;
        let cleared = login_attempts::clear_account(&db, &account_of(user)).await?;
        tracing::info!(user_id = %user, by = %msg.caller.id, cleared, "login lockout cleared");
        Ok(())
    }
}
