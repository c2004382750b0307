//! User management (SPEC §3): list, read, update and delete, with who may see and
//! change what.

use std::sync::Arc;

use super::AuthContext;
use super::accounts::write_error;
use super::kept_users::{KeptUsers, encode_for};
use super::rules::{self, Checks, may_grant, may_manage};
use crate::db::sessions::{self, Scope};
use crate::db::{media, outbox, projects, user_pages, users};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::messages::auth::{Caller, Role, User};
use crate::messages::events::{DomainEvent, MediaDeleted, ProjectDeleted};
use crate::messages::json_body::JsonBody;
use crate::messages::page::{ListKey, Page, Position};
use crate::messages::sessions::Revocation;
use crate::messages::users::{DeleteUser, GetUser, ListUsers, UpdateUser, UserPatch, UserView};
use crate::problem_code::ProblemCode;

const QUERY_MAX_CHARS: usize = 100;

fn last_superadmin() -> AppError {
    AppError::Conflict {
        code: ProblemCode::LastSuperadmin,
        detail: "the last superadmin cannot be deleted or demoted".to_owned(),
        errors: FieldErrors::new(),
        extra: None,
    }
}

pub(super) fn view_for(caller: &Caller, user: User) -> UserView {
    if caller.role.is_admin() || caller.id == user.id {
        UserView::Full(user)
    } else {
        UserView::Public(user.into())
    }
}

/// The role after a patch: unchanged unless the caller may grant the new one and it
/// does not demote the last superadmin.
fn new_role(
    caller: &Caller,
    wanted: Option<Role>,
    current: Role,
    superadmins: usize,
) -> AppResult<Role> {
    match wanted {
        Some(role) if role != current => {
            if !may_grant(Some(caller), role) {
                return Err(AppError::forbidden(
                    ProblemCode::RoleNotGrantable,
                    format!("you cannot grant the role {}", role.as_str()),
                ));
            }
            if current == Role::Superadmin && superadmins <= 1 {
                return Err(last_superadmin());
            }
            Ok(role)
        }
        _ => Ok(current),
    }
}

impl AuthContext {
    pub(super) async fn list_users(&self, msg: ListUsers) -> AppResult<JsonBody> {
        let q = rules::optional_text(msg.q);
        if q.as_ref()
            .is_some_and(|q| q.chars().count() > QUERY_MAX_CHARS)
        {
            return Err(AppError::invalid_field(
                "q",
                format!("must be at most {QUERY_MAX_CHARS} characters"),
            ));
        }
        let db = self.pool.get().await?;
        let match_email = msg.caller.role.is_admin();
        let request = msg.request;
        let key = (request.position, request.size);
        // The unfiltered list is kept per process and answered while its content
        // version is unchanged (`actors/page_memory.rs`); with no page kept for this
        // key, the list's statement reads the version itself.
        if q.is_none() && self.pages.holds(&key) {
            let content = user_pages::content_version(&db).await?;
            if let Some(kept) = self.pages.get(&key, content) {
                return kept.encoded_for(&msg.caller);
            }
        }
        let after = match request.position {
            Position::Page(_) => None,
            Position::After(key) => Some(key),
        };
        let read = user_pages::list(
            &db,
            q.as_deref(),
            match_email,
            after,
            request.offset(),
            request.limit_with_lookahead(),
        )
        .await?;
        let page = Page::keyset(read.users, read.total, request, |u| ListKey {
            created_at: u.created_at,
            id: u.id,
        });
        match read.content {
            Some(content) => {
                let kept = Arc::new(KeptUsers::new(page));
                self.pages.put(key, content, kept.clone());
                kept.encoded_for(&msg.caller)
            }
            None => encode_for(&page, &msg.caller),
        }
    }

    pub(super) async fn get_user(&self, msg: GetUser) -> AppResult<UserView> {
        let db = self.pool.get().await?;
        let user = users::find(&db, msg.id)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        Ok(view_for(&msg.caller, user))
    }

    pub(super) async fn update_user(&self, msg: UpdateUser) -> AppResult<User> {
        let UpdateUser { caller, id, patch } = msg;
        let is_self = caller.id == id;
        if !is_self && !caller.role.is_admin() {
            return Err(AppError::forbidden(
                ProblemCode::Forbidden,
                "you may only change your own account",
            ));
        }
        let patch = validate_patch(patch)?;
        let new_password_hash = match &patch.password {
            Some(password) => Some(
                self.new_password_hash(&caller, id, password, patch.current_password.clone())
                    .await?,
            ),
            None => None,
        };

        let mut db = self.pool.get().await?;
        let tx = db.transaction().await?;
        // Superadmin rows first, then the target: one lock order for every writer.
        let superadmins = match patch.role {
            Some(_) => users::lock_superadmins(&tx).await?,
            None => 0,
        };
        let target = users::lock(&tx, id)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        if !is_self && !may_manage(&caller, target.role) {
            return Err(AppError::forbidden(
                ProblemCode::Forbidden,
                "you cannot change a user of your rank or above",
            ));
        }
        let role = new_role(&caller, patch.role, target.role, superadmins)?;
        let merged = users::UserUpdate {
            username: patch.username.as_deref().unwrap_or(&target.username),
            email: merge(&patch.email, &target.email),
            name: merge(&patch.name, &target.name),
            phone: merge(&patch.phone, &target.phone),
            gender: merge(&patch.gender, &target.gender),
            role,
            password_hash: new_password_hash.as_deref(),
        };
        let updated = users::update(&tx, id, &merged)
            .await
            .map_err(write_error)?
            .ok_or_else(|| AppError::not_found("user"))?;
        let mut revoked = Vec::new();
        if new_password_hash.is_some() {
            // A new password ends every session opened with the old one.
            revoked = sessions::revoke(&tx, Scope::User(id), "password").await?;
        }
        tx.commit().await?;
        // The triggers told every node; this one learns it before answering.
        self.forget(revoked.into_iter().map(Revocation::Session));
        if updated.role != target.role {
            self.forget([Revocation::Role {
                user: id,
                role: updated.role,
            }]);
        }
        Ok(updated)
    }

    /// Checks `current_password` where it is needed (one's own password) and hashes
    /// the new one — before any row is locked, as bcrypt takes a while.
    async fn new_password_hash(
        &self,
        caller: &Caller,
        id: uuid::Uuid,
        password: &str,
        current: Option<String>,
    ) -> AppResult<String> {
        let needs_current = caller.id == id || !caller.role.is_admin();
        if needs_current {
            let Some(current) = current.filter(|c| !c.is_empty()) else {
                return Err(AppError::invalid_field(
                    "current_password",
                    "is required to change your password",
                ));
            };
            let stored = {
                let db = self.pool.get().await?;
                users::password_hash(&db, id).await?
            };
            let Some(stored) = stored else {
                return Err(AppError::not_found("user"));
            };
            if current.len() > rules::PASSWORD_MAX_BYTES
                || !self.hasher.verify(current, Some(stored)).await?
            {
                return Err(AppError::invalid_field("current_password", "is incorrect"));
            }
        }
        self.hasher.hash(password.to_owned()).await
    }

    pub(super) async fn delete_user(&self, msg: DeleteUser) -> AppResult<()> {
        let DeleteUser { caller, id } = msg;
        if !caller.role.is_admin() {
            return Err(AppError::forbidden(
                ProblemCode::Forbidden,
                "only an admin can delete users",
            ));
        }
        let mut db = self.pool.get().await?;
        let tx = db.transaction().await?;
        let superadmins = users::lock_superadmins(&tx).await?;
        let target = users::lock(&tx, id)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        if caller.id != id && !may_manage(&caller, target.role) {
            return Err(AppError::forbidden(
                ProblemCode::Forbidden,
                "you cannot delete a user of your rank or above",
            ));
        }
        if target.role == Role::Superadmin && superadmins <= 1 {
            return Err(last_superadmin());
        }
        // Files and projects go first, each with its event (the FK cascade would
        // emit none); the `media.deleted` consumer removes the stored objects.
        let files = media::delete_by_owner(&tx, id).await?;
        let removed = projects::delete_by_owner(&tx, id).await?;
        let events = files
            .into_iter()
            .map(|file| {
                DomainEvent::MediaDeleted(MediaDeleted {
                    file_id: file.id,
                    owner_id: file.user_id,
                    path: file.file_path,
                })
            })
            .chain(
                removed
                    .into_iter()
                    .map(|project_id| DomainEvent::ProjectDeleted(ProjectDeleted { project_id })),
            )
            .collect();
        outbox::record_many(&tx, events).await?;
        users::delete(&tx, id).await?;
        tx.commit().await?;
        self.forget([Revocation::User(id)]);
        tracing::info!(user_id = %id, by = %caller.id, "user deleted");
        Ok(())
    }
}

/// Absent keeps the stored value; `null` clears it; a value replaces it.
fn merge<'a>(patch: &'a Option<Option<String>>, stored: &'a Option<String>) -> Option<&'a str> {
    match patch {
        None => stored.as_deref(),
        Some(value) => value.as_deref(),
    }
}

/// Normalises and checks every field a patch sets.
fn validate_patch(mut patch: UserPatch) -> AppResult<UserPatch> {
    let mut checks = Checks::default();
    if let Some(username) = &mut patch.username {
        *username = username.trim().to_owned();
        checks.note("username", rules::username_rule(username));
    }
    if let Some(email) = &mut patch.email {
        *email = rules::normalise_email(email.take());
        if let Some(e) = email {
            checks.note("email", rules::email_rule(e));
        }
    }
    for (field, value, max) in [
        ("name", &mut patch.name, rules::NAME_MAX),
        ("gender", &mut patch.gender, rules::GENDER_MAX),
    ] {
        if let Some(v) = value {
            *v = rules::optional_text(v.take());
            checks.note(field, rules::max_chars(v.as_deref(), max));
        }
    }
    if let Some(phone) = &mut patch.phone {
        *phone = rules::optional_text(phone.take());
        checks.note("phone", rules::phone_rule(phone.as_deref()));
    }
    if let Some(password) = &patch.password {
        checks.note("password", rules::password_rule(password));
    }
    checks.finish()?;
    Ok(patch)
}
