//! Registration and user management, with the role rules of SPEC §1.

use super::AuthContext;
use super::rules::{self, Checks, may_grant, may_manage};
use crate::config::BootstrapAdmin;
use crate::db::{self, media, outbox, projects, refresh_tokens, users};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::messages::auth::{Caller, NewAccount, Register, Role, User};
use crate::messages::events::{DomainEvent, MediaDeleted, ProjectDeleted};
use crate::messages::page::Page;
use crate::messages::users::{
    CreateUser, DeleteUser, GetUser, ListUsers, UpdateUser, UserPatch, UserView,
};
use crate::problem_code::ProblemCode;

const TAKEN: &str = "has been taken";
const QUERY_MAX_CHARS: usize = 100;

fn duplicate(username: bool, email: bool) -> AppError {
    let mut errors = FieldErrors::new();
    if username {
        errors.insert("username".into(), format!("username {TAKEN}"));
    }
    if email {
        errors.insert("email".into(), format!("email {TAKEN}"));
    }
    let detail = errors.values().cloned().collect::<Vec<_>>().join("; ");
    AppError::Conflict {
        code: ProblemCode::Duplicate,
        detail,
        errors,
        extra: None,
    }
}

/// A write error: a broken unique index becomes the field's 409.
fn write_error(e: tokio_postgres::Error) -> AppError {
    match db::unique_violation(&e) {
        Some(users::USERNAME_KEY) => duplicate(true, false),
        Some(users::EMAIL_KEY) => duplicate(false, true),
        _ => e.into(),
    }
}

fn last_superadmin() -> AppError {
    AppError::Conflict {
        code: ProblemCode::LastSuperadmin,
        detail: "the last superadmin cannot be deleted or demoted".to_owned(),
        errors: FieldErrors::new(),
        extra: None,
    }
}

fn view_for(caller: &Caller, user: User) -> UserView {
    if caller.role.is_admin() || caller.id == user.id {
        UserView::Full(user)
    } else {
        UserView::Public(user.into())
    }
}

impl AuthContext {
    pub(super) async fn register(&self, msg: Register) -> AppResult<User> {
        if rules::requested_role(msg.requested_role.as_deref())?.is_some_and(|r| r != Role::User) {
            return Err(AppError::forbidden(
                ProblemCode::RoleRequiresAdmin,
                "self-registration creates a user; only an admin can grant other roles",
            ));
        }
        self.insert_account(msg.account, Role::User).await
    }

    pub(super) async fn create_user(&self, msg: CreateUser) -> AppResult<User> {
        if !msg.caller.role.is_admin() {
            return Err(AppError::forbidden(
                ProblemCode::AdminRequired,
                "only an admin can create users",
            ));
        }
        let role = rules::requested_role(msg.requested_role.as_deref())?.unwrap_or(Role::User);
        self.grant(Some(&msg.caller), msg.account, role).await
    }

    /// Creates the account if `caller` may grant `role` (`None`: the local operator).
    async fn grant(
        &self,
        caller: Option<&Caller>,
        account: NewAccount,
        role: Role,
    ) -> AppResult<User> {
        if !may_grant(caller, role) {
            return Err(AppError::forbidden(
                ProblemCode::RoleNotGrantable,
                format!("you cannot grant the role {}", role.as_str()),
            ));
        }
        self.insert_account(account, role).await
    }

    async fn insert_account(&self, account: NewAccount, role: Role) -> AppResult<User> {
        let account = rules::validate_account(account)?;
        {
            // A fast answer before spending a bcrypt hash; the unique indexes still
            // decide when two registrations race.
            let db = self.pool.get().await?;
            let (username, email) =
                users::taken(&db, &account.username, account.email.as_deref(), None).await?;
            if username || email {
                return Err(duplicate(username, email));
            }
        }
        let password_hash = self.hasher.hash(account.password).await?;
        let db = self.pool.get().await?;
        let row = users::NewUserRow {
            id: uuid::Uuid::now_v7(),
            username: &account.username,
            email: account.email.as_deref(),
            password_hash: &password_hash,
            name: account.name.as_deref(),
            phone: account.phone.as_deref(),
            gender: account.gender.as_deref(),
            role,
        };
        users::insert(&db, &row).await.map_err(write_error)
    }

    /// `BOOTSTRAP_ADMIN_*`: create the superadmin if no user has that name; an
    /// existing user is never changed. Returns whether it was created.
    pub async fn ensure_bootstrap_admin(&self, admin: &BootstrapAdmin) -> AppResult<bool> {
        {
            let db = self.pool.get().await?;
            if users::exists_username(&db, &admin.username).await? {
                return Ok(false);
            }
        }
        let account = NewAccount {
            username: admin.username.clone(),
            password: admin.password.clone(),
            email: admin.email.clone(),
            ..NewAccount::default()
        };
        match self.insert_account(account, Role::Superadmin).await {
            Ok(_) => Ok(true),
            // Another node created it at the same moment.
            Err(AppError::Conflict { errors, .. }) if errors.contains_key("username") => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `troupe user create`: the local operator may grant any role.
    pub async fn create_by_operator(&self, account: NewAccount, role: Role) -> AppResult<User> {
        self.grant(None, account, role).await
    }

    pub(super) async fn list_users(&self, msg: ListUsers) -> AppResult<Page<UserView>> {
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
        let (found, total) = users::list(
            &db,
            q.as_deref(),
            match_email,
            msg.page.limit(),
            msg.page.offset(),
        )
        .await?;
        let items = found
            .into_iter()
            .map(|u| view_for(&msg.caller, u))
            .collect();
        Ok(Page::new(items, total, msg.page))
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
        let role = match patch.role {
            Some(role) if role != target.role => {
                if !may_grant(Some(&caller), role) {
                    return Err(AppError::forbidden(
                        ProblemCode::RoleNotGrantable,
                        format!("you cannot grant the role {}", role.as_str()),
                    ));
                }
                if target.role == Role::Superadmin && superadmins <= 1 {
                    return Err(last_superadmin());
                }
                role
            }
            _ => target.role,
        };
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
        if new_password_hash.is_some() {
            // A new password ends every session opened with the old one.
            refresh_tokens::revoke(&tx, refresh_tokens::Revoke::User(id), "password").await?;
        }
        tx.commit().await?;
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
